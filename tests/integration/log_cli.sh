#!/usr/bin/env bash
# log_cli.sh - `zhiliang log` end to end: capture events, sign checkpoints,
# prove a record's inclusion and check the proof offline (with `log
# verify-proof` and, when built, the standalone zhiliang-verify); every
# damaged input (proof hash, checkpoint, key, leaf) must be refused, and a
# consistency proof between two checkpoints must verify.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
DIR=tests/conformance/gs1-epcis/JSON
[ -d "$DIR" ] || DIR=/work/shared/conformance/gs1-epcis/JSON
DOC1=$DIR/Example_9.6.1-ObjectEvent.jsonld
fail() { echo "log_cli: $*"; exit 1; }

"$ZL" init --origin zhiliang.test/log >/dev/null
"$ZL" capture --quiet "$DOC1" >/dev/null
"$ZL" log key > "$T/key"
grep -Eq '^zhiliang\.test/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' "$T/key" || fail "bad key: $(cat "$T/key")"
"$ZL" log checkpoint > "$T/cp1"
n1=$(sed -n 2p "$T/cp1")
[ "$n1" -ge 1 ] || fail "empty log after capture"
[ "$(zl_sql "$ZHILIANG_STORE" "select count(*) from log_leaf")" = "$n1" ] || fail "checkpoint size != leaves"
# Issuing again without growth returns the same note.
"$ZL" log checkpoint | cmp -s - "$T/cp1" || fail "checkpoint changed without growth"

for d in "$DIR"/*.jsonld; do "$ZL" capture --quiet "$d" >/dev/null 2>&1 || true; done
"$ZL" log checkpoint --json > "$T/cp2.json"
n2=$(zl_sql "$ZHILIANG_STORE" "select count(*) from log_leaf")
grep -q "\"tree_size\": $n2" "$T/cp2.json" || fail "checkpoint json: $(cat "$T/cp2.json")"

[ "$n2" -gt "$n1" ] || fail "second capture added no leaves"
mid=$((n2 / 2))
key=$(zl_sql "$ZHILIANG_STORE" "select $(zl_log_key) from log_leaf where idx = $mid")
leaf=$(zl_sql "$ZHILIANG_STORE" "select $(zl_hex hash) from log_leaf where idx = $mid")
"$ZL" log prove --record "$key" > "$T/proof"
head -1 "$T/proof" | grep -qx 'c2sp.org/tlog-proof@v1' || fail "not a tlog-proof"
"$ZL" log prove --record "$key" --json > "$T/proof.json"
"$ZL" log verify-proof --proof "$T/proof" --leaf-hex "$leaf" --key "$T/key" >/dev/null || fail "valid proof refused"
"$ZL" log verify-proof --proof "$T/proof.json" --leaf-hex "$leaf" --key "$T/key" >/dev/null || fail "valid JSON proof refused"
"$ZL" log verify-proof --proof "$T/proof" --leaf-hex "$leaf" --key "$T/key" --json | grep -q '"valid": true' || fail "json output"

expect_refused() {
  if "$ZL" log verify-proof "$@" >/dev/null 2>&1; then fail "accepted: $*"; fi
}
# Wrong leaf.
bad_leaf=$(echo "$leaf" | sed 's/^./0/'); [ "$bad_leaf" != "$leaf" ] || bad_leaf=$(echo "$leaf" | sed 's/^./1/')
expect_refused --proof "$T/proof" --leaf-hex "$bad_leaf" --key "$T/key"
# A changed proof hash (when the tree has more than one leaf).
if [ "$n2" -gt 1 ]; then
  awk 'NR==3 { $0 = (substr($0,1,1) == "A" ? "B" : "A") substr($0,2) } { print }' "$T/proof" > "$T/proof.bad"
  expect_refused --proof "$T/proof.bad" --leaf-hex "$leaf" --key "$T/key"
fi
# A changed checkpoint size.
awk -v n="$n2" 'BEGIN{s=0} /^$/ {s++} { if (s==1 && $0 == n) $0 = n+1; print }' "$T/proof" > "$T/proof.cp"
cmp -s "$T/proof" "$T/proof.cp" && fail "checkpoint edit did not apply"
expect_refused --proof "$T/proof.cp" --leaf-hex "$leaf" --key "$T/key"
# Another operator's key.
OTHER=$(zl_store_uri other "$T")
"$ZL" init --store "$OTHER" --origin zhiliang.test/log >/dev/null
"$ZL" log key --store "$OTHER" > "$T/key2"
expect_refused --proof "$T/proof" --leaf-hex "$leaf" --key "$T/key2"

# Consistency between the two checkpoints.
"$ZL" log consistency --from "$n1" --to "$n2" --json > "$T/cons.json"
grep -q "\"size2\": $n2" "$T/cons.json" || fail "consistency json"
"$ZL" log consistency --from "$n2" --to "$((n2 + 5))" >/dev/null 2>&1 && fail "consistency past the end accepted"

# The standalone verifier, when built.
V="${ZL_BUILD_DIR:-build}/tools/zhiliang-verify"
if [ -x "$V" ]; then
  "$V" --proof "$T/proof" --leaf-hex "$leaf" --key "$T/key" >/dev/null || fail "zhiliang-verify refused a valid proof"
  if "$V" --proof "$T/proof.cp" --leaf-hex "$leaf" --key "$T/key" >/dev/null 2>&1; then fail "zhiliang-verify accepted a bad proof"; fi
fi
"$ZL" log bogus >/dev/null 2>&1 && fail "unknown verb accepted"
echo "log_cli: ok ($n2 leaves)"
