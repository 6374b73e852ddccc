// query_schema.mjs SCHEMA DOC... - validate EPCISQueryDocuments (our
// `zhiliang events --json` output) against GS1's EPCIS 2.0 JSON Schema
// with ajv, an independent validator. Prints each failure; exit 1 if any.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'fs';

const [schemaPath, ...docs] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
let bad = 0, events = 0;
for (const p of docs) {
  const doc = JSON.parse(readFileSync(p, 'utf8'));
  if (doc.type !== 'EPCISQueryDocument') { console.log(`${p}: not a query document`); bad++; continue; }
  events += doc.epcisBody.queryResults.resultsBody.eventList.length;
  if (!validate(doc)) {
    bad++;
    console.log(`${p}: INVALID`);
    for (const e of validate.errors.slice(0, 10)) console.log(`  ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
console.log(`${docs.length - bad}/${docs.length} query documents valid (${events} events)`);
process.exit(bad ? 1 : 0);
