// digital_link_oracle.mjs ZHILIANG_EXE PATH_TO_digital-link.js
//
// Parses each URI below with digital-link.js and with `zhiliang id --json`
// and compares validity, the primary key, the key qualifiers and the
// numeric data attributes. digital-link.js leaves values percent-encoded
// and keeps short names (gtin, lot...), so its side is normalised first.
// Where the two disagree by design the case says why in `differs`; such a
// case must still disagree in exactly that way, so a change on either side
// is noticed.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const [exe, pkg] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { DigitalLink } = require(path.resolve(pkg));

const SHORT = {
  gtin: '01', itip: '8006', cpid: '8010', gln: '414', party: '417',
  gsrnp: '8017', gsrn: '8018', gcn: '255', sscc: '00', gdti: '253',
  ginc: '401', gsin: '402', grai: '8003', giai: '8004', cpv: '22',
  lot: '10', ser: '21', glnx: '254',
};

const CHECKED = ['00', '01', '253', '255', '402', '414', '8003', '8018'];

const cases = [
  // valid: every primary key, qualifiers, attributes, hosts, prefixes
  { uri: 'https://id.gs1.org/01/09506000134352' },
  { uri: 'https://id.gs1.org/01/09506000134352/10/ABC' },
  { uri: 'https://id.gs1.org/01/09506000134352/21/12345' },
  { uri: 'https://id.gs1.org/01/09506000134352/10/ABC/21/12345' },
  { uri: 'https://id.gs1.org/01/09506000134352/22/2A/10/ABC/21/12345' },
  { uri: 'https://example.com/some/path/01/09506000134352/10/ABC?17=201231' },
  { uri: 'https://example.com/01/09506000134352/10/ABC?17=201231&3103=000195' },
  { uri: 'https://brand.example.org/01/09506000134352?15=211231&linkType=gs1:pip' },
  { uri: 'https://id.gs1.org/01/9506000134352',
    differs: 'zero-suppressed GTIN: zhiliang requires the 14-digit GTIN by default, as the GS1 syntax engine does (its option for zero-suppressed GTINs in DL URIs is off by default and documented as non-standard); digital-link.js 1.4.3 pads' },
  { uri: 'https://id.gs1.org/01/096385074' },
  { uri: 'https://id.gs1.org/01/036000291452/21/X1',
    differs: 'zero-suppressed GTIN: zhiliang requires the 14-digit GTIN by default, as the GS1 syntax engine does (its option for zero-suppressed GTINs in DL URIs is off by default and documented as non-standard); digital-link.js 1.4.3 pads' },
  { uri: 'https://id.gs1.org/00/106141411234567897' },
  { uri: 'https://id.gs1.org/414/9520123456788' },
  { uri: 'https://id.gs1.org/414/9520123456788/254/32a%2Fb' },
  { uri: 'https://id.gs1.org/417/9520123456788' },
  { uri: 'https://id.gs1.org/8003/09520123456785ABC' },
  { uri: 'https://id.gs1.org/8004/9520123ABC45' },
  { uri: 'https://id.gs1.org/8006/095201234567880102/21/A1' },
  { uri: 'https://id.gs1.org/8010/9520123ABC%23/8011/123' },
  { uri: 'https://id.gs1.org/8017/952012345678901233' },
  { uri: 'https://id.gs1.org/8018/952012345678901233' },
  { uri: 'https://id.gs1.org/8018/952012345678901234' },
  { uri: 'https://id.gs1.org/253/9520123456788DOC1' },
  { uri: 'https://id.gs1.org/255/9520123456788123' },
  { uri: 'https://id.gs1.org/401/9520123ABC' },
  { uri: 'https://id.gs1.org/402/95201234567891239' },
  { uri: 'https://id.gs1.org/gtin/09506000134352/lot/ABC/ser/1',
    differs: 'digital-link.js 1.4.3 does not read the Digital Link 1.0 short names; zhiliang does because EPCIS documents (the CBV 2.0 hash corpus) still use them' },
  { uri: 'http://localhost:8080/resolver/01/09506000134352/21/%21%28x%29' },
  // invalid: check digits, lengths, characters, qualifier order, AIs
  { uri: 'https://id.gs1.org/01/09506000134353' },
  { uri: 'https://id.gs1.org/01/0950600013435' },
  { uri: 'https://id.gs1.org/01/0950600013435A' },
  { uri: 'https://id.gs1.org/00/106141411234567898' },
  { uri: 'https://id.gs1.org/414/9520123456789' },
  { uri: 'https://id.gs1.org/01/09506000134352/21/1/10/2' },
  { uri: 'https://id.gs1.org/01/09506000134352/21/123456789012345678901' },
  { uri: 'https://id.gs1.org/01/09506000134352/17/201231' },
  { uri: 'https://id.gs1.org/8010/9520123abc',
    differs: 'AI (8010) takes GS1 character set 39 (# - / 0-9 A-Z) per the General Specifications; the grammar of digital-link.js 1.4.3 lets lower case through' },
  { uri: 'https://id.gs1.org/01/09506000134352?99=a%2Fb&7003=2512312359' },
  { uri: 'https://id.gs1.org/01/09506000134352?17=201231&17=201232',
    differs: 'the same AI twice with different values is an error (General Specifications 4.14.1); digital-link.js keeps the last' },
  { uri: 'https://id.gs1.org/8018/95201234567890123' },
  { uri: 'https://id.gs1.org/some/path' },
  { uri: 'https://id.gs1.org/01/09506000134352?17=2012' },
  { uri: 'https://id.gs1.org/01/09506000134352/235/ABC/21/1' },
];

function decode(v) {
  try { return decodeURIComponent(v); } catch { return null; }
}

function theirs(uri) {
  let dl;
  try {
    dl = DigitalLink(uri);
  } catch (e) {
    return { valid: false, why: String(e.message || e) };
  }
  // dl.isValid() is the grammar check and the check digit check, but
  // version 1.4.3 knows check digit positions only for the keys in
  // CHECKED and calls every other key invalid (8004, 401, 8010 have no
  // check digit; 417, 8006, 8017 have one it does not know). So: grammar,
  // plus its check digit verdict where it has one.
  let grammar = false;
  try { grammar = dl.getValidationTrace().success; } catch { grammar = false; }
  const id = dl.getIdentifier();
  const [k] = Object.keys(id);
  const key = { ai: SHORT[k] || k, value: decode(id[k]) };
  let digitOk = true;
  if (CHECKED.includes(key.ai)) {
    try { digitOk = dl.isCheckDigitValid(); } catch { digitOk = false; }
  }
  if (!grammar || !digitOk) return { valid: false };
  const quals = Object.entries(dl.getKeyQualifiers())
    .map(([a, v]) => ({ ai: SHORT[a] || a, value: decode(v) }));
  const attrs = Object.entries(dl.getAttributes())
    .filter(([a]) => /^[0-9]{2,4}$/.test(a))
    .map(([a, v]) => ({ ai: a, value: decode(v) }));
  return { valid: true, key, quals, attrs };
}

const norm = (l) => JSON.stringify([...l].sort((a, b) => (a.ai < b.ai ? -1 : 1)));

const run = spawnSync(exe, ['id', '--json', '--', ...cases.map((c) => c.uri)],
  { encoding: 'utf8' });
if (run.error || run.status > 1) {
  console.error('zhiliang id failed:', run.error || run.stderr);
  process.exit(1);
}
const ours = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
if (ours.length !== cases.length) {
  console.error(`zhiliang printed ${ours.length} results for ${cases.length} URIs`);
  process.exit(1);
}

let agree = 0, known = 0;
const failures = [];
cases.forEach((c, i) => {
  const a = theirs(c.uri);
  const b = ours[i];
  const diffs = [];
  if (a.valid !== b.valid) {
    diffs.push(`validity: digital-link.js ${a.valid}, zhiliang ${b.valid}` +
      (b.valid ? '' : ` (${b.error.rule})`));
  } else if (a.valid) {
    if (a.key.ai !== b.key[0].ai || a.key.value !== b.key[0].value)
      diffs.push(`key: ${JSON.stringify(a.key)} vs ${JSON.stringify(b.key[0])}`);
    if (norm(a.quals) !== norm(b.qualifiers))
      diffs.push(`qualifiers: ${norm(a.quals)} vs ${norm(b.qualifiers)}`);
    if (norm(a.attrs) !== norm(b.attributes))
      diffs.push(`attributes: ${norm(a.attrs)} vs ${norm(b.attributes)}`);
  }
  if (c.differs) {
    if (diffs.length) { known++; return; }
    // a documented difference that vanished is news too
    if (c.differs.startsWith('!')) failures.push(`${c.uri}: expected to differ (${c.differs})`);
    else agree++;
    return;
  }
  if (diffs.length) failures.push(`${c.uri}:\n    ${diffs.join('\n    ')}`);
  else agree++;
});

for (const f of failures) console.log(`DIFFER ${f}`);
console.log(`digital_link_oracle: ${agree} agree, ${known} known differences, ${failures.length} differ`);
process.exit(failures.length ? 1 : 0);
