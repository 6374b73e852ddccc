#!/usr/bin/env bash
# switching_cli.sh - `zhiliang sampling switch` on a scripted history that
# walks every GB/T 2828.1 switching rule (normal -> tightened -> normal ->
# reduced -> normal -> tightened -> discontinued -> resumed), and the OC
# curve table of `zhiliang sampling --oc-table` against the binomial and
# Poisson sums computed independently in Python (math.comb, math.exp).
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "switching_cli: $*"; exit 1; }

# Lot 1000, level II, AQL 1.0: normal J n 80 Ac 2; tightened n 80 Ac 1;
# reduced n 32 Ac 1.
{
  echo "lot,lot_size,nonconforming,event"
  echo "N1,1000,3"             # not accepted
  echo "N2,1000,4"             # 2 of 2 not accepted -> tightened
  for i in 1 2 3 4 5; do echo "T$i,1000,1"; done   # 5 accepted -> normal
  for i in $(seq 1 10); do echo "S$i,1000,1"; done # score 3 x 10 = 30 -> reduced
  echo "R1,1000,1"             # accepted on reduced
  echo "R2,1000,0,irregular"   # production irregular -> normal
  echo "M1,1000,5"
  echo "M2,1000,0"
  echo "M3,1000,3"             # 2 of 3 -> tightened
  for i in 1 2 3 4 5; do echo "X$i,1000,2"; done   # 5 not accepted -> discontinued
  echo "Y1,1000,0,resume"      # resumed on tightened
} > "$T/h.csv"
"$ZL" sampling switch "$T/h.csv" --aql 1.0 --reduced-ok --json > "$T/s.json"
st() { jq -r --arg l "$1" '.lots[] | select(.lot == $l) | .state' "$T/s.json"; }
[ "$(st N1)" = normal ] || fail "N1 $(st N1)"
[ "$(st N2)" = tightened ] || fail "N2 $(st N2)"
[ "$(st T4)" = tightened ] || fail "T4"
[ "$(st T5)" = normal ] || fail "T5 $(st T5)"
[ "$(st S9)" = normal ] || fail "S9"
[ "$(st S10)" = reduced ] || fail "S10 $(st S10)"
jq -e '.lots[] | select(.lot == "S10") | .score == 30' "$T/s.json" >/dev/null || fail "score 30"
jq -e '.lots[] | select(.lot == "R1") | .plan.n == 32 and .plan.ac == 1 and .accepted' "$T/s.json" >/dev/null ||
  fail "reduced plan"
[ "$(st R2)" = normal ] || fail "R2 $(st R2)"
[ "$(st M3)" = tightened ] || fail "M3 $(st M3)"
[ "$(st X4)" = tightened ] || fail "X4"
[ "$(st X5)" = discontinued ] || fail "X5 $(st X5)"
jq -e '.lots[] | select(.lot == "Y1") | .plan.severity == "tightened"' "$T/s.json" >/dev/null || fail "resume"
jq -e '.state == "tightened" and .next.n == 80 and .next.ac == 1' "$T/s.json" >/dev/null || fail "next plan"
# Without the authority's approval the score never gives reduced.
"$ZL" sampling switch "$T/h.csv" --aql 1.0 --json | jq -e '[.lots[].state] | index("reduced") == null' >/dev/null ||
  fail "reduced without approval"
"$ZL" sampling switch "$T/h.csv" --aql 1.0 --reduced-ok | grep -q 'next lot (1000): tightened' || fail "text output"
# A lot after discontinuation without "resume" is an error.
head -n 28 "$T/h.csv" > "$T/d.csv"; echo "Z1,1000,0" >> "$T/d.csv"
set +e; "$ZL" sampling switch "$T/d.csv" --aql 1.0 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q discontinued "$T/err" || fail "lot while discontinued: rc $rc $(cat "$T/err")"
printf 'lot,lot_size,nonconforming\nA,1000,x\n' > "$T/b.csv"
set +e; "$ZL" sampling switch "$T/b.csv" --aql 1.0 2> "$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q 'line 2' "$T/err" || fail "bad row: rc $rc"
set +e; "$ZL" sampling switch "$T/h.csv" 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "no --aql: rc $rc"

# OC table against independent sums.
for args in "--lot-size 1000 --aql 1.0" "--lot-size 1000 --aql 1.0 --tightened" \
            "--lot-size 50000 --aql 0.65" "--lot-size 200 --aql 4.0 --reduced"; do
  for p in "" --poisson; do
    # shellcheck disable=SC2086
    "$ZL" sampling $args $p --oc-table=41 --json > "$T/oc.json"
    python3 - "$T/oc.json" "$p" <<'PY' || fail "OC table $args $p"
import json, math, sys
o = json.load(open(sys.argv[1]))
n, ac, poisson = o["n"], o["ac"], sys.argv[2] == "--poisson"
assert len(o["ocTable"]) == 41
for row in o["ocTable"]:
    q = row["quality"]
    if poisson:
        mu = n * q / 100
        want = sum(math.exp(-mu) * mu**d / math.factorial(d) for d in range(ac + 1))
    else:
        p = q / 100
        want = sum(math.comb(n, d) * p**d * (1 - p)**(n - d) for d in range(ac + 1))
    assert abs(row["pa"] - want) < 1e-9, (q, row["pa"], want)
assert abs(o["ocTable"][-1]["pa"] - 0.01) < 1e-6
PY
  done
done
# The OC SVG: every polyline point, mapped back through the plot rectangle
# the SVG itself declares, lies on the binomial curve (within the 0.1 px
# the coordinates are rounded to).
"$ZL" sampling --lot-size 1000 --aql 1.0 --oc-table=2 --svg "$T/oc.svg" --json > "$T/oc.json"
python3 - "$T/oc.svg" "$T/oc.json" <<'PY' || fail "OC SVG points off the binomial curve"
import json, math, re, sys
svg, o = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
n, ac, qmax = o["n"], o["ac"], o["ocTable"][-1]["quality"]
x0, y0, w, h = (float(v) for v in re.search(
    r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg).groups())
pts = re.search(r'<polyline[^>]* points="([^"]+)"', svg).group(1).split()
assert len(pts) == 101, len(pts)
for p in pts:
    x, y = (float(v) for v in p.split(","))
    q = (x - x0) / w * qmax / 100
    pa = (y0 + h - y) / h
    want = sum(math.comb(n, d) * q**d * (1 - q)**(n - d) for d in range(ac + 1))
    assert abs(pa - want) < 0.003, (p, pa, want)
PY
echo "switching_cli: ok"
