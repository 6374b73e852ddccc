// log_verify_js.mjs VERIFY_JS PARTY_JSON PUBLIC_JSON KEY RFC6962_VECTORS -
// web/verify.js (the record page's in-browser checker) under Node.js's
// WebCrypto: a genuine proof with the record's bytes and one without pass
// every check; each edit (record bytes, proof hash, checkpoint root,
// signature, key, tree size) fails the check it must fail; RFC 6962's
// inclusion vectors (transparency-dev, not ours) give their roots.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(import.meta.url);
const [js, partyF, pubF, keyF, vecF] = process.argv.slice(2);
const v = require(js);
const party = JSON.parse(readFileSync(partyF, "utf8"));
const pub = JSON.parse(readFileSync(pubF, "utf8"));
const key = readFileSync(keyF, "utf8");
let fails = 0;
const expect = (name, cond) => {
  console.log((cond ? "ok - " : "FAILED - ") + name);
  if (!cond) fails++;
};
const verdict = async (p, k = key) => {
  const r = await v.check(p, k);
  return Object.fromEntries(r.map((x) => [x.what, x.ok]));
};
const clone = (o) => JSON.parse(JSON.stringify(o));
const flipB64 = (s) => (s[0] === "A" ? "B" : "A") + s.slice(1);

let r = await verdict(party);
expect("party proof: all four checks pass", r.key && r.signature && r.record === true && r.inclusion);
r = await verdict(pub);
expect("public proof: key, signature, inclusion pass; record left to the server (null)",
  r.key && r.signature && r.record === null && r.inclusion);

let e = clone(party); e.canonical += " ";
r = await verdict(e);
expect("edited record bytes: record fails", r.record === false);
e = clone(pub); e.proof[0] = e.proof[0].replace(/^./, (c) => (c === "0" ? "1" : "0"));
r = await verdict(e);
expect("edited proof hash: inclusion fails", r.inclusion === false && r.signature);
e = clone(pub);
{
  const lines = e.checkpoint.split("\n");
  lines[2] = flipB64(lines[2]);
  e.checkpoint = lines.join("\n");
}
r = await verdict(e);
expect("edited checkpoint root: signature fails", r.signature === false);
e = clone(pub);
e.checkpoint = e.checkpoint.replace(/(\u2014 \S+ )(\S+)/, (m, a, b) => a + b.slice(0, 20) + (b[20] === "A" ? "B" : "A") + b.slice(21));
r = await verdict(e);
expect("edited signature: signature fails", r.signature === false);
e = clone(pub); e.tree_size = Number(e.tree_size) + 1;
r = await verdict(e);
expect("claimed tree size differs from the checkpoint: inclusion fails", r.inclusion === false);
e = clone(pub); e.leaf_index = e.leaf_index + 1;
r = await verdict(e);
expect("wrong leaf index: inclusion fails", r.inclusion === false);
// name+keyid+base64, where the base64 may itself contain "+"
const [, kname, kid, kb64] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(key.trim());
r = await verdict(pub, kname + "+00000000+" + kb64);
expect("key with a wrong key ID: key fails", r.key === false);
r = await verdict(pub, "other.example/log+" + kid + "+" + kb64);
expect("key of another name: fails", r.key === false || r.signature === false);

const vec = JSON.parse(readFileSync(vecF, "utf8"));
const leaves = await Promise.all(vec.leaf_inputs_hex.map((h) => v.leafHashRaw(v.unhex(h))));
let nvec = 0;
for (const p of vec.inclusion_proofs) {
  const root = await v.rootFromInclusion(p.leaf_index, p.tree_size, leaves[p.leaf_index], p.proof_hex.map(v.unhex));
  const want = vec.root_by_tree_size_hex[p.tree_size];
  if (!root || v.hex(root) !== want) { console.log("FAILED - RFC 6962 inclusion", p.leaf_index, p.tree_size); fails++; }
  const bad = p.proof_hex.map(v.unhex);
  if (bad.length) {
    bad[0][0] ^= 1;
    const broken = await v.rootFromInclusion(p.leaf_index, p.tree_size, leaves[p.leaf_index], bad);
    if (broken && v.hex(broken) === want) { console.log("FAILED - RFC 6962 edited proof still matches"); fails++; }
  }
  nvec++;
}
expect(`RFC 6962 inclusion vectors: ${nvec} give their roots, edits do not`, nvec > 0);
process.exit(fails ? 1 : 0);
