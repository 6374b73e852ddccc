#!/usr/bin/env bash
# spc_cli.sh - `zhiliang spc` as a quality engineer runs it: Montgomery's
# piston rings (X-bar/R, in control), orange juice (p chart, two points
# out, revised limits with --drop-ooc), Phase I limits saved and used for
# Phase II, the SVG (parses as XML, flagged points in red, Chinese
# labels), capability, gauge R&R, Pareto, ARL; and clear errors for bad
# CSV (line, column, value) and bad options.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
C=tests/conformance/spc
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "spc_cli: $*"; exit 1; }

"$ZL" spc chart xbar-r $C/piston_rings.csv --wide --subgroup sample --rules nelson1 --json > "$T/p.json"
jq -e '.chart == "xbar-r" and (.center*1000|round) == 74001 and (.violations|length) == 0
       and (.series[1].ucl*1000|round) == 49 and .sigmaMethod == "UWAVE-R"' "$T/p.json" >/dev/null ||
  fail "piston rings: $(head -c 400 "$T/p.json")"

# The same data in long form, subgroups by a column.
awk -F, 'NR==1{print "sample,value"; next}{for(i=2;i<=6;i++) print $1","$i}' $C/piston_rings.csv > "$T/long.csv"
"$ZL" spc chart xbar-s "$T/long.csv" --subgroup sample --json |
  jq -e '(.series[1].ucl*10000|round) == 196' >/dev/null || fail "long form x-bar/s"
"$ZL" spc chart xbar-r "$T/long.csv" --size 5 --json | jq -e '.groups == 25' >/dev/null || fail "--size 5"

out=$("$ZL" spc chart p $C/orange_juice.csv --n-col n --rules nelson1)
grep -q 'point 15' <<<"$out" && grep -q 'point 23' <<<"$out" || fail "orange juice: $out"
"$ZL" spc chart p $C/orange_juice.csv --n-col n --rules nelson1 --drop-ooc --json > "$T/oj.json"
jq -e '(.center*10000|round) == 2150 and .excluded == [15,23] and (.series[0].ucl*10000|round) == 3893' \
  "$T/oj.json" >/dev/null || fail "revised p chart: $(head -c 300 "$T/oj.json")"
jq -e '.violations[0].zh | test("控制限")' "$T/oj.json" >/dev/null || fail "no Chinese explanation"

# Phase I on the first 20 subgroups, limits saved, Phase II on all.
"$ZL" spc chart xbar-r $C/piston_rings.csv --wide --subgroup sample --phase1 1:20 \
  --save-limits "$T/lim.json" --json > "$T/ph1.json"
jq -e '.groupsUsed == 20 and .center > 73.99' "$T/lim.json" >/dev/null || fail "limits file: $(cat "$T/lim.json")"
"$ZL" spc chart xbar-r $C/piston_rings.csv --wide --subgroup sample --limits "$T/lim.json" --json > "$T/ph2.json"
jq -e --slurpfile a "$T/ph1.json" '.series[0].ucl == $a[0].series[0].ucl and .groupsUsed == 0' \
  "$T/ph2.json" >/dev/null || fail "Phase II limits differ from Phase I"
set +e; "$ZL" spc chart p $C/orange_juice.csv --n-col n --limits "$T/lim.json" 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q 'limits of a xbar-r chart' "$T/err" || fail "wrong limits file: rc $rc $(cat "$T/err")"

# SVG: well-formed, red points, Chinese labels.
"$ZL" spc chart p $C/orange_juice.csv --n-col n --rules nelson1 --svg "$T/p.svg" --lang zh > /dev/null
python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg")' \
  "$T/p.svg" || fail "SVG does not parse"
[ "$(grep -o 'fill="#d32f2f"><title>' "$T/p.svg" | wc -l)" = 2 ] || fail "SVG: not 2 flagged points"
grep -q '不合格品率' "$T/p.svg" || fail "SVG: no Chinese label"

"$ZL" spc chart c $C/circuit_boards.csv --json | jq -e '(.center*100|round) == 1985' >/dev/null || fail "c chart"
"$ZL" spc chart imr $C/cusum_montgomery.csv --value x --json | jq -e '.series[1].name == "MR"' >/dev/null || fail "imr"
"$ZL" spc chart cusum $C/cusum_montgomery.csv --value x --center 10 --sigma 1 --h 5 --json |
  jq -e '.violations[0].first == 29' >/dev/null || fail "cusum"
"$ZL" spc chart ewma $C/cusum_montgomery.csv --value x --center 10 --sigma 1 --lambda 0.1 --L 2.7 --json |
  jq -e '.series[0].name == "EWMA"' >/dev/null || fail "ewma"

"$ZL" spc capability $C/piston_rings.csv --wide --subgroup sample --lsl 73.95 --usl 74.05 --json > "$T/cap.json"
jq -e '(.cp.est*100|round) == 167 and .cp.lo < .cp.est and .method == "normal"' "$T/cap.json" >/dev/null ||
  fail "capability: $(cat "$T/cap.json")"
"$ZL" spc capability $C/piston_rings.csv --wide --subgroup sample --lsl 73.95 --usl 74.05 --svg "$T/cap.svg" >/dev/null
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/cap.svg" || fail "capability SVG"

{ echo "part,operator,value"
  for p in 1 2 3 4 5; do for o in A B; do for r in 1 2; do
    echo "$p,$o,$(awk -v p=$p -v o=$o -v r=$r 'BEGIN{printf "%.3f", p*0.1+(o=="B")*0.01+r*0.002}')"
  done; done; done; } > "$T/grr.csv"
"$ZL" spc gauge "$T/grr.csv" --part part --operator operator --tolerance 1 --json |
  jq -e '.parts == 5 and .operators == 2 and .replicates == 2 and .ndc >= 1' >/dev/null || fail "gauge"
printf 'cause\nscratch\ndent\nscratch\nburr\nscratch\ndent\n' > "$T/d.csv"
"$ZL" spc pareto "$T/d.csv" --category cause --json |
  jq -e '.categories[0].category == "scratch" and .categories[0].count == 3 and .categories[2].cumulative == 100' \
  >/dev/null || fail "pareto"
"$ZL" spc pareto "$T/d.csv" --category cause --svg "$T/pa.svg" >/dev/null
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/pa.svg" || fail "pareto SVG"
"$ZL" spc arl cusum 0.5 4 0 1 | grep -q '167.68' || fail "arl"

# Bad CSV: the error names the line, the column and the value.
printf 'sample,value\n1,74.01\n1,74.02\n2,7x.1\n2,74.0\n' > "$T/bad.csv"
set +e; "$ZL" spc chart xbar-r "$T/bad.csv" --subgroup sample 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q 'line 4, column 2 (value): not a number: 7x.1' "$T/err" || fail "bad cell: rc $rc $(cat "$T/err")"
printf 'sample,value\n1,"74.01\n' > "$T/bad2.csv"
set +e; "$ZL" spc chart imr "$T/bad2.csv" 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q 'line 2: a quoted cell is not closed' "$T/err" || fail "open quote: $(cat "$T/err")"
printf 'sample,nonconforming,n\n1,3,50\n2,60,50\n' > "$T/bad3.csv"
set +e; "$ZL" spc chart p "$T/bad3.csv" --n-col n 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q '60 nonconforming of 50' "$T/err" || fail "count > n: $(cat "$T/err")"
set +e; "$ZL" spc chart xbar-r $C/piston_rings.csv --wide --subgroup nosuch 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q 'no column named nosuch' "$T/err" || fail "no column: $(cat "$T/err")"
set +e; "$ZL" spc chart pie $C/piston_rings.csv 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "unknown chart: rc $rc"
set +e; "$ZL" spc chart xbar-r $C/piston_rings.csv --wide --rules nelson9 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "bad rule: rc $rc"
"$ZL" spc --help | grep -q 'xbar-r' || fail "help"
echo "spc_cli: ok"
