#!/usr/bin/env bash
# sampling_cli.sh - `zhiliang sampling` as an inspector runs it: the plan
# for a lot (the classic lot of 1,000 at level II, AQL 1.0: letter J,
# n = 80, Ac 2, Re 3), an arrow followed, 100 % inspection of a tiny lot,
# the OC curve as SVG that parses as XML, and clear errors.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "sampling_cli: $*"; exit 1; }

"$ZL" sampling --lot-size 1000 --aql 1.0 --json > "$T/p.json"
jq -e '.codeLetter == "J" and .n == 80 and .ac == 2 and .re == 3 and .severity == "normal"' \
  "$T/p.json" >/dev/null || fail "lot 1000 II 1.0: $(cat "$T/p.json")"
# The producer's risk point lies near the AQL, the consumer's well above.
jq -e '(.oc[] | select(.pa == 0.95) | .quality) as $q | $q > 0.5 and $q < 1.5' "$T/p.json" >/dev/null ||
  fail "Pa 95 % point"
"$ZL" sampling --lot-size 1000 --aql 1.0 --tightened --json | jq -e '.n == 80 and .ac == 1' >/dev/null ||
  fail "tightened J 1.0"
# Letter A at AQL 0.010 follows the arrow down to Q (n 1250): 100 %.
"$ZL" sampling --lot-size 5 --aql 0.010 --json |
  jq -e '.planLetter == "Q" and .hundredPercent and .n == 5' >/dev/null || fail "arrow / 100 %"
"$ZL" sampling --lot-size 500 --aql 2.5 --level S-2 --svg "$T/oc.svg" > "$T/out.txt"
grep -q 'code letter C' "$T/out.txt" || fail "S-2 text: $(cat "$T/out.txt")"
python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg")' \
  "$T/oc.svg" || fail "OC SVG does not parse"
grep -q 'polyline' "$T/oc.svg" || fail "no curve in the SVG"

set +e
"$ZL" sampling --lot-size 1000 --aql 1.2 2> "$T/err"; rc=$?
set -e
[ $rc = 1 ] && grep -q '1.0 and 1.5' "$T/err" || fail "AQL 1.2: rc $rc $(cat "$T/err")"
set +e; "$ZL" sampling --lot-size 1000 --aql 1.0 --level IV 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "level IV: rc $rc"
set +e; "$ZL" sampling --aql 1.0 >/dev/null 2>&1; rc=$?; set -e
[ $rc = 2 ] || fail "no lot size: rc $rc"
echo "sampling_cli: ok"
