// server_epcis2js.mjs PKG URL TOKEN - drive the Zhiliang server with the
// epcis2.js SDK (see server_epcis2js.sh). Prints TAP lines and
// "N passed, N failed"; exits non-zero on any failure.
import { createRequire } from 'node:module';
import path from 'node:path';

const [pkg, base, token] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const e2 = require(path.resolve(pkg));
const {
  setup, capture, EPCISDocument, ObjectEvent, AggregationEvent,
  TransformationEvent, QuantityElement, CaptureResponse, eventToHashedId,
} = e2;

let n = 0, pass = 0, fail = 0;
function ok(name, cond, extra = '') {
  n++;
  if (cond) { pass++; console.log(`ok ${n} - ${name}`); }
  else { fail++; console.log(`not ok ${n} - ${name} ${extra}`); }
}

setup({
  apiUrl: base + '/',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  documentValidation: true,
});

const plant = 'https://id.gs1.org/414/6940277700002';
const dock = 'https://id.gs1.org/414/6940277700019';
const farm = 'https://id.gs1.org/414/6915669000008';
const item = (s) => `https://id.gs1.org/01/06902310001019/21/E2J${s}`;
const lot = 'https://id.gs1.org/01/06902310001019/10/E2JLOT';
const rawMilk = 'https://id.gs1.org/01/06924051500019/10/E2JRAW';
const sscc = 'https://id.gs1.org/00/069402777000000019';

const commission = new ObjectEvent()
  .setEventTime('2026-04-01T08:00:00.000+08:00')
  .setAction('ADD').setBizStep('commissioning').setDisposition('active')
  .addEPCList([item(1), item(2), item(3)])
  .setReadPoint(plant).setBizLocation(plant);
const made = new TransformationEvent()
  .setEventTime('2026-04-01T07:30:00.000+08:00')
  .addInputQuantity(new QuantityElement({ epcClass: rawMilk, quantity: 0.75, uom: 'LTR' }))
  .addOutputQuantity(new QuantityElement({ epcClass: lot, quantity: 3, uom: 'EA' }))
  .setBizStep('commissioning').setBizLocation(plant);
const pack = new AggregationEvent()
  .setEventTime('2026-04-01T09:00:00.000+08:00')
  .setAction('ADD').setBizStep('packing').setParentId(sscc)
  .addChildEPCList([item(1), item(2), item(3)])
  .setReadPoint(dock).setBizLocation(dock);
const doc = new EPCISDocument().setCreationDate('2026-04-01T10:00:00.000Z');
doc.addEventList([commission, made, pack]);
ok('epcis2.js considers its document valid', doc.isValid());

const sent = doc.toObject().epcisBody.eventList;
const ctx = doc.toObject()['@context'];
const wantIds = sent.map((ev) => eventToHashedId(ev, ctx)).sort();

const res = await capture(doc);
ok('capture() -> 202', res.status === 202, `(got ${res.status})`);
const cr = new CaptureResponse(res);
ok('Location header names the job', /^\/capture\/job[0-9a-f]+$/.test(cr.getLocation()), cr.getLocation());
await cr.pollForTheCaptureToFinish(3, 100);
ok('capture job finished', cr.getRunningStatus() === false);
ok('capture job succeeded', cr.getSuccessStatus() === true, JSON.stringify(cr.getErrors()));

const hdr = { authorization: `Bearer ${token}` };
const q = await fetch(`${base}/events?GE_eventTime=2026-03-31T00:00:00Z&LT_eventTime=2026-04-02T00:00:00Z&perPage=50`, { headers: hdr });
ok('GET /events -> 200', q.status === 200);
ok('GS1-EPCIS-Version header', q.headers.get('gs1-epcis-version') === '2.0.0');
const body = await q.json();
const got = body.epcisBody.queryResults.resultsBody.eventList;
ok('read back 3 events', got.length === 3, `(got ${got.length})`);
const gotIds = got.map((e) => e.eventID).sort();
ok('eventIDs = epcis2.js CBV 2.0 hashes of the events sent',
   JSON.stringify(gotIds) === JSON.stringify(wantIds),
   `\n# got  ${gotIds}\n# want ${wantIds}`);
const agg = got.find((e) => e.type === 'AggregationEvent');
ok('aggregation read back with its children',
   agg && agg.parentID === sscc && JSON.stringify([...agg.childEPCs].sort()) === JSON.stringify([item(1), item(2), item(3)]));
ok('an EPCISQueryDocument with the EPCIS 2.0 context',
   body.type === 'EPCISQueryDocument' && JSON.stringify(body['@context']).includes('epcis-context.jsonld'));
ok('events read back validate in epcis2.js', got.every((ev) => {
  const d = new EPCISDocument().setCreationDate('2026-04-01T10:00:00.000Z');
  d.addEvent(new (ev.type === 'ObjectEvent' ? ObjectEvent : ev.type === 'AggregationEvent' ? AggregationEvent : TransformationEvent)(ev));
  try { return d.isValid(); } catch (e) { console.log('# ' + e.message); return false; }
}));

// Per-event resource and the EPC sub-resource.
const one = await fetch(`${base}/events/${encodeURIComponent(wantIds[0])}`, { headers: hdr });
ok('GET /events/{eventID} -> 200', one.status === 200);
ok('... the same event', (await one.json()).eventID === wantIds[0]);
const byEpc = await fetch(`${base}/epcs/${encodeURIComponent(item(2))}/events`, { headers: hdr });
const byEpcList = (await byEpc.json()).epcisBody.queryResults.resultsBody.eventList;
ok('/epcs/{item}/events: commissioning and packing', byEpcList.length === 2, `(got ${byEpcList.length})`);

// Capturing the same document again changes nothing.
const res2 = await capture(doc);
const cr2 = new CaptureResponse(res2);
const job2 = await cr2.getCaptureJob();
ok('re-capture is idempotent', job2.success === true && job2.zhiliang && job2.zhiliang.new === 0 && job2.zhiliang.duplicate === 3, JSON.stringify(job2));

// An event at another party's farm is refused (403), nothing is stored.
const foreign = new ObjectEvent()
  .setEventTime('2026-04-01T11:00:00.000+08:00')
  .setAction('OBSERVE').setBizStep('inspecting')
  .addEPC(item(9)).setReadPoint(farm).setBizLocation(farm);
const doc3 = new EPCISDocument().setCreationDate('2026-04-01T11:00:00.000Z');
doc3.addEvent(foreign);
const res3 = await capture(doc3);
ok('event at a foreign location -> 403', res3.status === 403, `(got ${res3.status})`);
const p3 = await res3.json();
ok('403 is a SecurityException', p3.type === 'epcisException:SecurityException');

// Without the token the same request is refused.
const res4 = await capture(doc, { headers: { 'content-type': 'application/json', authorization: '' } });
ok('capture without a token -> 401', res4.status === 401);

console.log(`1..${n}`);
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
