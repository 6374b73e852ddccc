#!/usr/bin/env bash
# draw_cli.sh - `zhiliang draw` end to end: RFC 3797 picks against the
# RFC's worked example and the 2022 IETF selection (data we did not write),
# the citizen's script docs/draw_verify.py giving the same lines, and the
# log beacon: unavailable before the log reaches it, evidence that checks
# offline, and any edit of the evidence refused.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
C=tests/conformance/rfc3797
fail() { echo "draw_cli: $*"; exit 1; }

# The results files' step lines, and ours, as "index md5 div pos".
steps() { awk '$4 == "->" { print $1, $2, $3, $5 }' "$1"; }
for set in ref 2022; do
  "$ZL" draw pick --seeds $C/$set.seeds --names $C/$set.names --count 16 > "$T/$set.out"
  n=$(steps $C/$set.results | wc -l)
  [ "$n" -ge 10 ] || fail "$set: expected steps in the corpus"
  diff <(steps $C/$set.results) <(steps "$T/$set.out" | head -n "$n") ||
    fail "$set: selection differs from the published one"
  python3 docs/draw_verify.py pick --seeds $C/$set.seeds --names $C/$set.names \
    --count 16 | cmp -s - "$T/$set.out" || fail "$set: draw_verify.py disagrees"
done
grep -q 'Key string is 7.8.11.18.28.40.48./15.16.21.31.36.65./8.12.13.17.21.26.35.42./1.5.10.13.14.16.21.25.27./' \
  "$T/2022.out" || fail "2022 key string"
grep -q -- '-> 171 <- Quan Xiong' "$T/2022.out" || fail "2022 first pick"
"$ZL" draw pick --seeds $C/ref.seeds --names $C/ref.names --count 3 --json |
  jq -e '.picks | length == 3 and .[0].name == "Lee" and .[0].position == 17' >/dev/null ||
  fail "pick --json"

# Bad input: exit 1 with the line, exit 2 for usage.
printf '1 2\n3 x\n' > "$T/bad.seeds"
set +e
"$ZL" draw pick --seeds "$T/bad.seeds" --names $C/ref.names 2> "$T/err"; rc=$?
set -e
[ $rc = 1 ] && grep -q 'line 2' "$T/err" || fail "bad seed: rc $rc $(cat "$T/err")"
set +e; "$ZL" draw pick --names $C/ref.names >/dev/null 2>&1; rc=$?; set -e
[ $rc = 2 ] || fail "pick without a key source: rc $rc"

# The log beacon of a plan logged as leaf 0.
"$ZL" init --origin zhiliang.test/log >/dev/null
DIR=tests/conformance/gs1-epcis/JSON
"$ZL" capture --quiet "$DIR/Example_9.6.1-ObjectEvent.jsonld" >/dev/null
"$ZL" log key > "$T/key"
size=$(zl_sql "$ZHILIANG_STORE" "select count(*) from log_leaf")
want=$((size + 3))
set +e
"$ZL" draw beacon --plan-index 0 --size $want 2> "$T/err"; rc=$?
set -e
[ $rc = 1 ] && grep -q "once it reaches $want" "$T/err" || fail "early beacon: rc $rc $(cat "$T/err")"
for d in "$DIR"/*.jsonld; do "$ZL" capture --quiet "$d" >/dev/null 2>&1 || true; done
"$ZL" draw beacon --plan-index 0 --size $want --json > "$T/ev.json"
"$ZL" draw check --evidence "$T/ev.json" --key "$T/key" >/dev/null || fail "evidence refused"
python3 docs/draw_verify.py beacon "$T/ev.json" >/dev/null || fail "draw_verify.py refused the evidence"
text=$(jq -r .text "$T/ev.json")
# More records later do not change the beacon.
"$ZL" log checkpoint >/dev/null
"$ZL" draw beacon --plan-index 0 --size $want --json | jq -e --arg t "$text" '.text == $t' >/dev/null ||
  fail "beacon changed after the log grew"
a=$("$ZL" draw pick --names $C/2022.names --beacon "$text" --count 5 | md5sum)
b=$(python3 docs/draw_verify.py pick --names $C/2022.names --beacon "$text" --count 5 | md5sum)
[ "$a" = "$b" ] || fail "beacon-seeded pick differs between the CLI and the script"
# Every edit of the evidence is refused, by both checkers.
# (flip: the first hex digit always changes; "00" + [2:] did nothing to a
# hash that began with 00, one time in 256)
for edit in '.root |= flip' '.plan_leaf |= flip' \
            '.plan_index = .size' '.inclusion[0] |= flip' \
            '.size = .size - 1'; do
  jq 'def flip: (if .[0:1] == "0" then "1" else "0" end) + .[1:]; '"$edit" "$T/ev.json" > "$T/bad.json"
  cmp -s "$T/bad.json" "$T/ev.json" && fail "the edit changed nothing: $edit"
  if "$ZL" draw check --evidence "$T/bad.json" --key "$T/key" >/dev/null 2>&1; then
    fail "edited evidence accepted: $edit"
  fi
  if python3 docs/draw_verify.py beacon "$T/bad.json" >/dev/null 2>&1; then
    fail "draw_verify.py accepted edited evidence: $edit"
  fi
done
echo "draw_cli: ok"
