#!/usr/bin/env bash
# risk_cli.sh - `zhiliang risk` as a regulator runs it: signals on R's
# salmonella.agona series (tests/conformance/risk; the alarm weeks are
# R surveillance's, from farrington_agona_b3.csv), the SVG (parses as
# XML, an alarm marker per alarm), the NB CUSUM, the RAPEX folding-chair
# scenario explained step by step, the quick --severity/--probability
# form, and clear errors for bad input.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
C=tests/conformance/risk
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "risk_cli: $*"; exit 1; }

# Alarm weeks: ours against the ones R wrote down.
"$ZL" risk signals $C/salmonella_agona.csv --b 3 --limit54 0/4 --json > "$T/s.json"
want=$(awk -F, '$1=="delta" && $6==1 {print $2}' $C/farrington_agona_b3.csv | paste -sd' ')
got=$(jq -r '[.periods[] | select(.alarm) | .period] | map(tostring) | join(" ")' "$T/s.json")
[ -n "$want" ] && [ "$want" = "$got" ] || fail "alarm weeks: want '$want' got '$got'"
jq -e '.periods | length == 153' "$T/s.json" >/dev/null || fail "153 judged weeks"

# Text output lists the alarms with their evidence.
out=$("$ZL" risk signals $C/salmonella_agona.csv --b 3 --limit54 0/4 --svg "$T/s.svg")
grep -q 'ALARM' <<<"$out" || fail "no alarm lines: $out"
n=$(grep -c ALARM <<<"$out")
[ "$n" = "$(wc -w <<<"$want")" ] || fail "text lists $n alarms"
python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$T/s.svg" || fail "SVG is not XML"
grep -q 'threshold' "$T/s.svg" && grep -q 'expected' "$T/s.svg" || fail "SVG legend"

# A missing week (empty cell) is left out of the fits and the chart.
awk -F, 'NR==201{print $1","; next}{print}' $C/salmonella_agona.csv > "$T/miss.csv"
"$ZL" risk signals "$T/miss.csv" --b 3 --svg "$T/miss.svg" --json |
  jq -e '[.periods[] | select(.period == 200)][0].observed == null' >/dev/null || fail "missing week"
python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$T/miss.svg" || fail "SVG with a gap"
! grep -qi nan "$T/miss.svg" || fail "NaN in the SVG"

# The NB CUSUM flags the 1995 outbreak weeks with a low threshold.
"$ZL" risk signals $C/salmonella_agona.csv --method nbcusum --baseline 104 --h 1 --json |
  jq -e '.alarms >= 1 and (.periods[0].period == 105)' >/dev/null || fail "nbcusum"

# Safety Gate: the guidelines' folding chair, first scenario (low risk).
cat > "$T/chair.json" <<'JEOF'
{"product": "folding chair",
 "scenarios": [{"name": "finger pinched between seat and backrest", "severity": 1,
   "steps": [{"text": "person unfolds the chair", "p": 1},
             {"text": "grips the seat at the back corner", "p": "1/50"},
             {"text": "finger gets caught", "p": "1/10"},
             {"text": "minor pinching", "p": 1}]}]}
JEOF
"$ZL" risk assess "$T/chair.json" --json |
  jq -e '.level == "low" and .scenarios[0].band == "> 1/1 000" and
         (.scenarios[0].probability * 500 | round) == 1' >/dev/null || fail "folding chair"
out=$("$ZL" risk assess "$T/chair.json")
grep -q 'step 3' <<<"$out" && grep -q 'low risk' <<<"$out" || fail "explanation: $out"
"$ZL" risk assess --severity 4 --probability 1/500 --json |
  jq -e '.level == "serious"' >/dev/null || fail "quick form"

# Errors: say where, exit non-zero.
if "$ZL" risk assess --severity 5 --probability 1/2 2>"$T/e"; then fail "severity 5 accepted"; fi
grep -q severity "$T/e" || fail "severity error: $(cat "$T/e")"
printf 'week,count\n1,3\n2,x\n' > "$T/bad.csv"
if "$ZL" risk signals "$T/bad.csv" 2>"$T/e"; then fail "bad cell accepted"; fi
grep -q 'line 3' "$T/e" || fail "bad cell error: $(cat "$T/e")"
if "$ZL" risk signals $C/salmonella_agona.csv --b 7 2>"$T/e"; then fail "too short for b = 7 accepted"; fi
grep -q 'history' "$T/e" || fail "short series error: $(cat "$T/e")"
echo "risk_cli: ok"
