// epcis2js_oracle.mjs ZHILIANG_EXE PATH_TO_epcis2.js WORKDIR
//
// Differential validation: each document goes to epcis2.js
// (validateEpcisDocument, default settings) and to `zhiliang hash --check`.
// A document epcis2.js rejects and we accept is a failure. Documents we
// reject and epcis2.js accepts are listed (we are stricter on purpose in
// places: GS1 check digits, duplicate keys, query documents are not capture
// documents); each such case in the hand-written set says why in `stricter`,
// and an unexplained one among them is a failure too, so a silent change on
// either side is noticed.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [exe, pkg, work] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { validateEpcisDocument } = require(path.resolve(pkg));

const root = process.cwd();
const files = [];
const walk = (d) => {
  for (const n of fs.readdirSync(d).sort()) {
    const p = path.join(d, n);
    if (fs.statSync(p).isDirectory()) walk(p);
    else if (/\.json(ld)?$/.test(n)) files.push(p);
  }
};
walk(path.join(root, 'tests/conformance/gs1-epcis/JSON'));
walk(path.join(root, 'tests/conformance/epcis-event-hash/examples'));
walk(path.join(root, 'tests/conformance/epcis-event-hash/expected_equal_json'));
const before = files.length;
if (fs.existsSync(path.join(work, 'demo'))) {
  for (const n of fs.readdirSync(path.join(work, 'demo')).sort()) {
    if (n.endsWith('.jsonld')) files.push(path.join(work, 'demo', n));
  }
}
console.log(`demo documents (zhiliang demo generate): ${files.length - before}`);

const ours = (file) => {
  const r = spawnSync(exe, ['hash', '--check', file], { encoding: 'utf8' });
  return { ok: r.status === 0 && r.stdout.trim() === 'valid',
           msg: (r.stdout + r.stderr).trim() };
};
const theirs = (text) => {
  let doc;
  try { doc = JSON.parse(text); } catch (e) { return { ok: false, msg: `JSON: ${e.message}` }; }
  try {
    const r = validateEpcisDocument(doc, false);
    return { ok: r.success, msg: (r.errors || []).join('; ') };
  } catch (e) { return { ok: false, msg: `threw: ${e.message}` }; }
};

// Where we refuse what epcis2.js accepts, and why (known, deliberate).
const STRICTER = [
  [/EPCISQueryDocument|epcisQueryDoc/, 'a query result is not a capture document'],
  [/AssociationEvent-h/, 'duplicate key "eventID" (RFC 8259: names SHOULD be unique)'],
  [/[qQ]uantityList\.0\.quantity=-/, 'a quantity is never negative (EPCIS 2.0 sec. 7.3.3.3)'],
];

let failures = 0, agreeValid = 0, agreeInvalid = 0, stricter = 0, count = 0;
const check = (label, file, text, expectStricter) => {
  count++;
  const a = theirs(text), b = ours(file);
  if (a.ok && b.ok) agreeValid++;
  else if (!a.ok && !b.ok) agreeInvalid++;
  else if (!a.ok && b.ok) {
    failures++;
    console.log(`FAIL ${label}: epcis2.js rejects (${a.msg}) but zhiliang accepts`);
  } else {
    stricter++;
    const why = expectStricter || (STRICTER.find(([re]) => re.test(label)) || [])[1];
    if (!why) {
      failures++;
      console.log(`FAIL ${label}: zhiliang rejects (${b.msg}) but epcis2.js accepts, unexplained`);
    } else {
      console.log(`stricter ${label}: ${why}`);
    }
  }
};

for (const f of files) check(path.relative(root, f), f, fs.readFileSync(f, 'utf8'));

// Hand-written invalid documents.
const head = (events) => JSON.stringify({
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
    { ex: 'https://ns.example.com/' }],
  type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2024-01-01T00:00:00Z',
  epcisBody: { eventList: events } });
const ev = (o) => ({ type: 'ObjectEvent', eventTime: '2024-01-01T10:00:00.000+08:00',
  eventTimeZoneOffset: '+08:00', action: 'OBSERVE',
  epcList: ['urn:epc:id:sgtin:0614141.107346.2017'], ...o });
const del = (o, k) => { const c = { ...o }; delete c[k]; return c; };
const cases = [
  ['valid baseline', head([ev({})])],
  ['missing eventTime', head([del(ev({}), 'eventTime')])],
  ['missing eventTimeZoneOffset', head([del(ev({}), 'eventTimeZoneOffset')])],
  ['bad action', head([ev({ action: 'UPDATE' })])],
  ['missing action', head([del(ev({}), 'action')])],
  ['bad event type', head([ev({ type: 'ThingEvent' })])],
  ['bad timestamp', head([ev({ eventTime: 'yesterday' })])],
  ['timestamp without zone', head([ev({ eventTime: '2024-01-01T10:00:00' })]),
    'the schema\'s "format": "date-time" is RFC 3339, which requires an offset; ajv 6 makes it optional'],
  ['offset out of range', head([ev({ eventTimeZoneOffset: '+15:00' })])],
  ['unknown bizStep', head([ev({ bizStep: 'shiping' })])],
  ['unknown disposition', head([ev({ disposition: 'lost_and_found' })])],
  ['unknown field', head([ev({ colour: 'red' })])],
  ['epcList not a list', head([ev({ epcList: 'urn:epc:id:sgtin:0614141.107346.2017' })])],
  ['epcList item not a string', head([ev({ epcList: [42] })])],
  ['quantity not a number', head([ev({ epcList: undefined, quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.012345.998877', quantity: 'ten' }] })])],
  ['quantity element without epcClass', head([ev({ quantityList: [{ quantity: 1 }] })])],
  ['uom lower case', head([ev({ quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.012345.998877', quantity: 1, uom: 'kgm' }] })])],
  ['readPoint without id', head([ev({ readPoint: {} })])],
  ['bizTransaction without value', head([ev({ bizTransactionList: [{ type: 'po' }] })])],
  ['source without type', head([ev({ sourceList: [{ source: 'urn:epc:id:pgln:0614141.00001' }] })])],
  ['ilmd with OBSERVE', head([ev({ ilmd: { 'ex:lot': '1' } })])],
  ['sensorReport value string', head([ev({ sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 'hot' }] }] })])],
  ['sensorReport booleanValue string', head([ev({ sensorElementList: [{ sensorReport: [{ type: 'Temperature', booleanValue: 'yes' }] }] })])],
  ['sensorReport hexBinaryValue', head([ev({ sensorElementList: [{ sensorReport: [{ type: 'Temperature', hexBinaryValue: 'XYZ' }] }] })])],
  ['sensorElement without sensorReport', head([ev({ sensorElementList: [{ sensorMetadata: {} }] })])],
  ['persistentDisposition empty', head([ev({ persistentDisposition: {} })])],
  ['errorDeclaration without declarationTime', head([ev({ errorDeclaration: { reason: 'incorrect_data' } })])],
  ['TransactionEvent without bizTransactionList', head([ev({ type: 'TransactionEvent' })])],
  ['AssociationEvent without parentID', head([{ ...del(ev({ type: 'AssociationEvent' }), 'epcList'), childEPCs: ['urn:epc:id:giai:4000001.12345'] }])],
  ['AggregationEvent with epcList', head([ev({ type: 'AggregationEvent', parentID: 'urn:epc:id:sscc:0614141.1234567890' })])],
  ['TransformationEvent with action', head([{ ...del(ev({ type: 'TransformationEvent' }), 'epcList'), inputEPCList: ['urn:epc:id:sgtin:0614141.107346.2017'], outputEPCList: ['urn:epc:id:sgtin:0614141.107346.2018'] }])],
  ['schemaVersion number', head([ev({})]).replace('"schemaVersion":"2.0"', '"schemaVersion":2')],
  ['no epcisBody', JSON.stringify({ '@context': 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2024-01-01T00:00:00Z' })],
  ['no creationDate', JSON.stringify({ '@context': 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', type: 'EPCISDocument', schemaVersion: '2.0', epcisBody: { eventList: [] } })],
  ['eventList not a list', JSON.stringify({ '@context': 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2024-01-01T00:00:00Z', epcisBody: { eventList: {} } })],
  ['sensorReport without type', head([ev({ sensorElementList: [{ sensorReport: [{ value: 5, uom: 'CEL' }] }] })])],
  ['sensorReport exception only', head([ev({ sensorElementList: [{ sensorReport: [{ exception: 'ALARM_CONDITION' }] }] })])],
  ['February 30', head([ev({ eventTime: '2024-02-30T10:00:00Z' })])],
  ['eventID not a URI', head([ev({ eventID: 'event 1' })])],
  ['certificationInfo number', head([ev({ certificationInfo: 5 })])],
  ['persistentDisposition on AggregationEvent', head([{ ...del(ev({ type: 'AggregationEvent' }), 'epcList'), parentID: 'urn:epc:id:sscc:0614141.1234567890', childEPCs: ['urn:epc:id:sgtin:0614141.107346.2018'], persistentDisposition: { set: ['recalled'] } }])],
  ['duplicate EPC in epcList', head([ev({ epcList: ['urn:epc:id:sgtin:0614141.107346.2017', 'urn:epc:id:sgtin:0614141.107346.2017'] })]),
    'the schema says uniqueItems'],
  ['negative quantity', head([ev({ quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.012345.998877', quantity: -1 }] })]),
    'a quantity is a count or amount, never negative (EPCIS 2.0 sec. 7.3.3.3)'],
  ['extension in readPoint', head([ev({ readPoint: { id: 'urn:epc:id:sgln:0614141.07346.1234', 'ex:dock': '7' } })])],
  ['sourceList extra field', head([ev({ sourceList: [{ type: 'location', source: 'urn:epc:id:sgln:0614141.07346.1234', note: 'x' }] })])],
  ['GTIN check digit', head([ev({ epcList: ['https://id.gs1.org/01/09506000134353/21/1'] })]),
    'GS1 check digits are verified (GS1 General Specifications 7.9)'],
  ['duplicate key', head([ev({})]).replace('"action":"OBSERVE"', '"action":"OBSERVE","action":"OBSERVE"'),
    'duplicate keys are refused (RFC 8259 sec. 4)'],
];
fs.mkdirSync(path.join(work, 'cases'), { recursive: true });
cases.forEach(([name, text, why], i) => {
  const f = path.join(work, 'cases', `case${i}.json`);
  fs.writeFileSync(f, text);
  check(`case "${name}"`, f, text, why);
});

// Mutants of every GS1 example: one rule broken at a time.
const mutations = [
  ['drop eventTime', (e) => { delete e.eventTime; }],
  ['drop eventTimeZoneOffset', (e) => { delete e.eventTimeZoneOffset; }],
  ['bad action', (e) => { if (!e.action) return false; e.action = 'MOVE'; }],
  ['bad type', (e) => { e.type = 'FooEvent'; }],
  ['unknown field', (e) => { e.foo = 1; }],
  ['bad bizStep', (e) => { e.bizStep = 'not_a_step'; }],
  ['bad readPoint', (e) => { e.readPoint = { name: 'x' }; }],
  ['bad time', (e) => { e.eventTime = '2024-02-30T25:00:00Z'; }],
  ['quantity string', (e) => { const q = e.quantityList || e.childQuantityList || e.inputQuantityList; if (!q || !q.length) return false; q[0].quantity = 'many'; }],
];
let mutants = 0;
files.filter((f) => f.includes('gs1-epcis')).forEach((f) => {
  let doc;
  try { doc = JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return; }
  const list = doc?.epcisBody?.eventList;
  if (doc.type !== 'EPCISDocument' || !Array.isArray(list) || !list.length) return;
  mutations.forEach(([name, fn], k) => {
    const m = JSON.parse(JSON.stringify(doc));
    if (fn(m.epcisBody.eventList[0]) === false) return;
    const p = path.join(work, 'cases', `mut-${path.basename(f)}-${k}.json`);
    const text = JSON.stringify(m);
    fs.writeFileSync(p, text);
    mutants++;
    check(`mutant ${path.relative(root, f)} (${name})`, p, text);
  });
});

// Type mutants: every field of the first event of every GS1 example
// replaced by a value of another JSON type (and nested fields one level
// down), so that every type rule epcis2.js knows is exercised against ours.
const replacements = [42, 'x y', {}, [], true, null, -1.5];
let typeMutants = 0;
files.filter((f) => f.includes('gs1-epcis')).forEach((f) => {
  let doc;
  try { doc = JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return; }
  const list = doc?.epcisBody?.eventList;
  if (doc.type !== 'EPCISDocument' || !Array.isArray(list) || !list.length) return;
  const targets = [];
  for (const k of Object.keys(list[0])) {
    targets.push([k]);
    const v = list[0][k];
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const k2 of Object.keys(v)) targets.push([k, k2]);
    } else if (Array.isArray(v) && v.length && v[0] && typeof v[0] === 'object') {
      for (const k2 of Object.keys(v[0])) targets.push([k, 0, k2]);
    }
  }
  targets.forEach((t, ti) => replacements.forEach((rep, ri) => {
    const m = JSON.parse(JSON.stringify(doc));
    let o = m.epcisBody.eventList[0];
    for (let j = 0; j < t.length - 1; j++) o = o[t[j]];
    if (JSON.stringify(o[t[t.length - 1]]) === JSON.stringify(rep)) return;
    o[t[t.length - 1]] = rep;
    const p = path.join(work, 'cases', `type-${path.basename(f)}-${ti}-${ri}.json`);
    const text = JSON.stringify(m);
    fs.writeFileSync(p, text);
    typeMutants++;
    check(`type mutant ${path.relative(root, f)} ${t.join('.')}=${JSON.stringify(rep)}`, p, text);
  }));
});
console.log(`type mutants: ${typeMutants}`);

console.log(`${count} documents (${mutants} mutants): ${agreeValid} valid for both, `
  + `${agreeInvalid} invalid for both, ${stricter} refused only by zhiliang, ${failures} failures`);
process.exit(failures ? 1 : 0);
