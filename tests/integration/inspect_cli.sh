#!/usr/bin/env bash
# inspect_cli.sh - `zhiliang registry` and `zhiliang inspect` end to end
# (docs/supervision.md): CSV and JSON imports, a file with errors stored
# not at all and each error named by line and field, the write rule
# (--as), a plan, its draw refused until the log holds the beacon, the
# draw, a redraw, `inspect draw --verify`, and the citizen's script
# docs/draw_plan_verify.py re-running the export and agreeing, then
# disagreeing with an edited export. No declared conflict in the export.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
fail() { echo "inspect_cli: $*"; exit 1; }

"$ZL" init --origin zhiliang.test/log >/dev/null
python3 tests/fixtures/supervise/gen.py "$T"
"$ZL" registry import category "$T/categories.json" >/dev/null
"$ZL" registry import enterprise "$T/enterprises.csv" >/dev/null
"$ZL" registry import inspector "$T/inspectors.json" >/dev/null
# a category in CSV: a row repeating the code adds a test item
printf 'code,name_zh,name_en,standard,item,item_name_zh,min,max,unit,method\nFERM,发酵乳,Fermented milk,GB 19302-2010,protein,蛋白质,2.9,,g/100g,GB 5009.5\nFERM,,,,acidity,酸度,70,,°T,GB 5009.239\n' > "$T/cat.csv"
"$ZL" registry import category "$T/cat.csv" >/dev/null
"$ZL" registry show category FERM | jq -e '(.items | length) == 2 and .items[1].min == "70"' >/dev/null || fail "category CSV"
[ "$("$ZL" registry list enterprise | wc -l)" = 60 ] || fail "60 enterprises"
[ "$("$ZL" registry list inspector --json | jq length)" = 30 ] || fail "30 inspectors"
"$ZL" registry show category RAW_MILK | jq -e '.items[1].max == "0.5" and .standard == "GB 19301-2010"' >/dev/null ||
  fail "category record"
"$ZL" registry show enterprise "$(sed -n 2p "$T/enterprises.csv" | cut -d, -f1)" |
  jq -e '.licences[0].office == "1301市场监督管理局, 许可科" and .credit == "A"' >/dev/null || fail "enterprise record"

# A file with errors: every row named, nothing stored.
size0=$("$ZL" log checkpoint --json | jq .size)
{
  head -1 "$T/enterprises.csv"
  echo "91130102000099990X,新企业,130102,RAW_MILK,A,,,,,"
  sed -n 3p "$T/enterprises.csv" | sed 's/,130104,/,1301,/'
  echo "911301020000999917,坏码,130102,RAW_MILK,E,,,,,"
} > "$T/bad.csv"
set +e
"$ZL" registry import enterprise "$T/bad.csv" 2> "$T/err"; rc=$?
"$ZL" registry import enterprise "$T/bad.csv" --json > "$T/err.json"
set -e
[ $rc = 1 ] || fail "bad file: rc $rc"
grep -q "bad.csv:2: uscc" "$T/err" || fail "line 2 not named: $(cat "$T/err")"
grep -q "bad.csv:3: region" "$T/err" || fail "line 3 not named: $(cat "$T/err")"
grep -q "bad.csv:4: uscc" "$T/err" || fail "line 4 not named: $(cat "$T/err")"
jq -e '.ok == false and .stored == 0 and (.errors | length) == 3' "$T/err.json" >/dev/null ||
  fail "--json errors: $(cat "$T/err.json")"
[ "$("$ZL" log checkpoint --json | jq .size)" = "$size0" ] || fail "a failed import logged something"

# The write rule: a regulator outside the region, an enterprise.
"$ZL" party add --id reg-gd --name 广东省市场监督管理局 --kind regulator --region 44 >/dev/null
"$ZL" party add --id reg-hb --name 河北省市场监督管理局 --kind regulator --region 13 >/dev/null
if "$ZL" inspect plan --as reg-gd --id X --category RAW_MILK --region 13 --count 1 2>/dev/null; then
  fail "a regulator planned outside its region"
fi
"$ZL" inspect plan --as reg-hb --id P1 --title "2026 乳制品双随机" --category RAW_MILK \
  --region 13 --count 3 --team 2 --distance 6 --weights A=1,B=2,C=4,D=8 \
  --from 2026-12-01 --to 2026-12-31 >/dev/null
set +e
"$ZL" inspect draw P1 --as reg-hb 2> "$T/early"; rc=$?
set -e
[ $rc = 1 ] && grep -q "seed exists once it reaches" "$T/early" || fail "drawn before the beacon: $rc $(cat "$T/early")"
for i in 1 2 3 4 5 6; do
  jq -c ".[0] + {code: \"X$i\"}" "$T/categories.json" > "$T/x.json"
  "$ZL" registry put category "$T/x.json"
done
"$ZL" inspect draw P1 --as reg-hb > "$T/draw.txt"
grep -q "stratum 1301/RAW_MILK" "$T/draw.txt" || fail "draw output: $(cat "$T/draw.txt")"
"$ZL" inspect draw --verify P1 | grep -q "verified" || fail "verify"
if "$ZL" inspect draw P1 2>/dev/null; then fail "drawn twice"; fi
first=$("$ZL" inspect show P1 --json | jq -r '.current[0].team[0]')
"$ZL" inspect redraw P1 --task 1 --inspector "$first" --reason "病假" >/dev/null
"$ZL" inspect show P1 --json | jq -e --arg f "$first" \
  '(.redraws | length) == 1 and (.current[0].team | index($f)) == null and .draw.tasks[0].team[0] == $f' >/dev/null ||
  fail "redraw"
"$ZL" inspect draw --verify P1 | grep -q "redraw 1: task 1 without $first" || fail "verify redraw"
"$ZL" verify >/dev/null || fail "store verify"

# The citizen's re-run, from the public export only.
"$ZL" inspect export P1 > "$T/export.json"
if grep -q -e relatives -e employers -e conflicts "$T/export.json"; then
  fail "declared conflicts in the public export"
fi
python3 docs/draw_plan_verify.py "$T/export.json" > "$T/py.txt" || fail "draw_plan_verify.py: $(cat "$T/py.txt")"
grep -q "identical to the logged draw" "$T/py.txt" || fail "script output"
# its task lines are the CLI's current teams
"$ZL" inspect show P1 --json | jq -r '.current[] | "\(.task) \(.uscc) \(.team | join(", "))"' > "$T/cli.lines"
awk '/team:/ { t=$1; u=$3; sub(/.*team: /, ""); print t, u, $0 }' "$T/py.txt" > "$T/py.lines"
diff "$T/cli.lines" "$T/py.lines" || fail "script and CLI disagree"
# the C twin of the script, from the export alone (no store)
ZHILIANG_STORE=/nonexistent "$ZL" inspect draw --verify --export "$T/export.json" |
  grep -q "verified from the public export" || fail "verify --export"
jq '.plan.count = 4' "$T/export.json" > "$T/edited.json"
if "$ZL" inspect draw --verify --export "$T/edited.json" >/dev/null 2>&1; then fail "verify --export accepted an edited plan"; fi
jq '.enterprises[0].credit = (if .enterprises[0].credit == "D" then "A" else "D" end)' "$T/export.json" > "$T/edited.json"
if python3 docs/draw_plan_verify.py "$T/edited.json" >/dev/null; then
  jq '.plan.count = 4' "$T/export.json" > "$T/edited.json"
  if python3 docs/draw_plan_verify.py "$T/edited.json" >/dev/null; then
    fail "the script accepted an edited export"
  fi
fi
# A plan that also commits to an outside public value (lottery numbers,
# RFC 3797 form): refused without them, and the script agrees with them.
"$ZL" inspect plan --id P2 --category RAW_MILK --category UHT_MILK --region 1302 \
  --permille 200 --distance 2 --outside "福利彩票双色球 2026140期" >/dev/null
for i in 7 8; do
  jq -c ".[0] + {code: \"X$i\"}" "$T/categories.json" > "$T/x.json"
  "$ZL" registry put category "$T/x.json"
done
if "$ZL" inspect draw P2 2>/dev/null; then fail "drawn without the outside values"; fi
printf '3 11 17 22 28 31\n9\n' > "$T/lottery.txt"
"$ZL" inspect draw P2 --seeds "$T/lottery.txt" --json | jq -e '.key | startswith("3.11.17.22.28.31./9./zl1:")' >/dev/null ||
  fail "outside values in the key string"
"$ZL" inspect export P2 > "$T/export2.json"
python3 docs/draw_plan_verify.py "$T/export2.json" | grep -q "identical to the logged draw" || fail "script, outside values"
echo "inspect_cli: ok"
