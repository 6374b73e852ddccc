#!/usr/bin/env bash
# spotcheck_cli.sh - a drawn spot-check task followed to closure
# (docs/supervision.md, "Spot checks to closure"): sampling with GS1 codes,
# a failed test report, notification, the legal clocks across the 2026
# Spring Festival (dates worked out by hand from the State Council's
# notice, below), a late re-test refused, stop-sale, rectification,
# recheck, publication, a recall case from the sampled lot; steps out of
# order refused with nothing logged; the public results holding nothing
# unpublished; `zhiliang verify` over all of it.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
fail() { echo "spotcheck_cli: $*" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
size() { "$ZL" log checkpoint --json | jq .size; }

"$ZL" init --origin zhiliang.test/log >/dev/null
python3 tests/fixtures/supervise/gen.py "$T"
"$ZL" registry import category "$T/categories.json" >/dev/null
"$ZL" registry import enterprise "$T/enterprises.csv" >/dev/null
"$ZL" registry import inspector "$T/inspectors.json" >/dev/null
"$ZL" inspect plan --id P1 --category RAW_MILK --region 13 --count 1 --distance 2 \
  --from 2026-01-05 --to 2026-01-30 >/dev/null
for i in 1 2; do
  jq -c ".[0] + {code: \"X$i\"}" "$T/categories.json" > "$T/x.json"
  "$ZL" registry put category "$T/x.json"
done
"$ZL" inspect draw P1 >/dev/null
"$ZL" inspect show P1 --json > "$T/show.json"
S1=$(jq -r '.current[0].team[0]' "$T/show.json")
OTHER=$(jq -r '[.current[].team[]] as $t | ["I000","I001","I002","I003","I004","I005"] - $t | .[0]' "$T/show.json")

# The sampled lot: GTIN 06901234567892 (check digit 2), batch B20260120.
GTIN=06901234567892
LOT="(01)$GTIN(10)B20260120"
# an event naming the lot, so a recall can reach it
cat > "$T/ev.json" <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-20T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-01-20T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning","disposition":"active",
  "quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/B20260120","quantity":100,"uom":"EA"}]}]}}
JSON
"$ZL" capture --quiet "$T/ev.json" >/dev/null

# ---- refusals: nothing logged --------------------------------------------
n0=$(size)
refused() { # what expected-text command...
  local what=$1 want=$2
  shift 2
  if "$@" 2> "$T/err"; then fail "$what: accepted"; fi
  grep -q -- "$want" "$T/err" || fail "$what: $(cat "$T/err")"
}
refused "report before sample" "no sampling record yet" \
  "$ZL" inspect report P1:1 --date 2026-01-22 --no R1 --lab L --item protein=2.9 --item aflatoxin_m1=0.1
refused "bad check digit" "check digit" \
  "$ZL" inspect sample P1:1 --date 2026-01-20 --product 生牛乳 --lot "$LOT" --quantity 4 \
  --code "(01)06901234567893(10)B20260120(21)1" --sampler "$S1"
refused "sample of another batch" "another product or batch" \
  "$ZL" inspect sample P1:1 --date 2026-01-20 --product 生牛乳 --lot "$LOT" --quantity 4 \
  --code "(01)$GTIN(10)OTHER(21)1" --sampler "$S1"
refused "sampler outside the team" "drawn team" \
  "$ZL" inspect sample P1:1 --date 2026-01-20 --product 生牛乳 --lot "$LOT" --quantity 4 \
  --code "(01)$GTIN(10)B20260120(21)1" --sampler "$OTHER"
refused "lot not a batch" "batch" \
  "$ZL" inspect sample P1:1 --date 2026-01-20 --product 生牛乳 --lot "(01)$GTIN" --quantity 4 \
  --code "(01)$GTIN(10)B20260120(21)1" --sampler "$S1"
refused "no such task" "no task of that number" "$ZL" inspect task P1:99
[ "$(size)" = "$n0" ] || fail "a refused step logged something"

# ---- the task to closure --------------------------------------------------
"$ZL" inspect task P1:1 --at 2026-02-02 --json | jq -e '.open[0].step == "sample" and .open[0].deadline == "2026-01-30" and .open[0].overdue' >/dev/null ||
  fail "sampling overdue after the plan's period"
"$ZL" inspect sample P1:1 --date 2026-01-20 --product "生牛乳 raw milk" --lot "$LOT" --quantity 4 \
  --code "(01)$GTIN(10)B20260120(21)1" --code "https://id.gs1.org/01/$GTIN/10/B20260120/21/2" \
  --sampler "$S1" --place "收奶站" >/dev/null
refused "sampled twice" "recorded already" \
  "$ZL" inspect sample P1:1 --date 2026-01-20 --product x --lot "$LOT" --quantity 1 \
  --code "(01)$GTIN(10)B20260120(21)1" --sampler "$S1"
refused "report dated before the sampling" "before the sampling" \
  "$ZL" inspect report P1:1 --date 2026-01-19 --no R1 --lab L --item protein=2.9 --item aflatoxin_m1=0.1
refused "an item missing" "has no measured value" \
  "$ZL" inspect report P1:1 --date 2026-02-04 --no R1 --lab L --item protein=2.9
refused "an item not of the category" "not a test item" \
  "$ZL" inspect report P1:1 --date 2026-02-04 --no R1 --lab L --item protein=2.9 --item fat=3 --item aflatoxin_m1=0.1
# GB 19301-2010: protein >= 2.8 g/100g, aflatoxin M1 <= 0.5 µg/kg. 0.62 fails.
"$ZL" inspect report P1:1 --date 2026-02-04 --no "JC-2026-0042" --lab "河北省食品检验研究院" \
  --tester "检验员张三" --item protein=3.05 --item aflatoxin_m1=0.62 --json > "$T/report.json"
jq -e '.verdict == "fail" and .items[0].verdict == "pass" and .items[1].verdict == "fail" and .items[1].max == "0.5"' \
  "$T/report.json" >/dev/null || fail "verdicts: $(cat "$T/report.json")"
refused "stop-sale before notify" "not been notified" "$ZL" inspect stop-sale P1:1 --date 2026-02-05
refused "recall before notify" "notified" "$ZL" inspect recall P1:1 --reason x
refused "recheck before rectify" "no rectification" "$ZL" inspect recheck P1:1 --date 2026-02-05 --verdict pass
"$ZL" inspect notify P1:1 --date 2026-02-05 >/dev/null

# The clocks, by hand from cn-2026 (春节 2026-02-15..23 off, 02-14 and
# 02-28 make-up working Saturdays; 清明 04-04..06 off):
#   retest-apply 15 days from 02-05 = 02-20, a holiday: rolls to 02-24
#   stop-sale    at once: 02-05
#   rectify      60 days from 02-05 = 04-06, 清明: rolls to 04-07
#   recheck      75 days from 02-05 = 04-21
#   publish      20 working days after the report of 02-04: 02-05, 06,
#                09-13, 14 (make-up), 24-27, 28 (make-up), 03-02..06,
#                03-09, 10 -> 03-10 (weekends only would say 03-04)
"$ZL" inspect task P1:1 --at 2026-02-10 --json > "$T/t1.json"
dl() { jq -r --arg s "$1" '.open[] | select(.step == $s) | .deadline' "$T/t1.json"; }
[ "$(dl retest-apply)" = 2026-02-24 ] || fail "retest deadline $(dl retest-apply)"
[ "$(dl stop-sale)" = 2026-02-05 ] || fail "stop-sale deadline $(dl stop-sale)"
[ "$(dl rectify)" = 2026-04-07 ] || fail "rectify deadline $(dl rectify)"
[ "$(dl recheck)" = 2026-04-21 ] || fail "recheck deadline $(dl recheck)"
[ "$(dl publish)" = 2026-03-10 ] || fail "publish deadline $(dl publish)"
jq -e '.overdue and (.open[] | select(.step == "stop-sale") | .overdue) and .status == "open"' "$T/t1.json" >/dev/null ||
  fail "stop-sale not flagged overdue"
# the other drawn tasks are overdue too (not sampled by the plan's end)
"$ZL" inspect tasks --overdue --at 2026-02-10 --json | jq -e '([.[].task] | index("P1:1")) != null' >/dev/null ||
  fail "tasks --overdue"
"$ZL" inspect tasks --overdue --at 2026-01-25 --json | jq -e '. == []' >/dev/null ||
  fail "tasks --overdue before any deadline"
"$ZL" inspect task P1:1 --at 2026-02-10 | grep -q "rectify .*deadline 2026-04-07" || fail "text view"
# an operator's calendar (a day off declared later) moves the deadline
{ cat data/calendar/cn-2026.csv; echo "2026-03-10,holiday,test day off"; } > "$T/cal.csv"
"$ZL" inspect task P1:1 --at 2026-02-10 --calendar "$T/cal.csv" --json |
  jq -e '.open[] | select(.step == "publish") | .deadline == "2026-03-11"' >/dev/null || fail "--calendar"
# the write rule: a regulator outside the enterprise's region may not
"$ZL" party add --id reg-gd --name 广东省市场监督管理局 --kind regulator --region 44 >/dev/null
"$ZL" party add --id reg-hb --name 河北省市场监督管理局 --kind regulator --region 13 >/dev/null
refused "a regulator outside the region" "outside its region" \
  "$ZL" inspect stop-sale P1:1 --date 2026-02-05 --as reg-gd
# the re-test window closes with 02-24: 02-25 is refused, 02-24 accepted
refused "late re-test" "after the deadline 2026-02-24" "$ZL" inspect retest P1:1 --date 2026-02-25
"$ZL" inspect retest P1:1 --date 2026-02-24 --outcome upheld >/dev/null
"$ZL" inspect stop-sale P1:1 --date 2026-02-05 --scope "批次 B20260120 全部" --as reg-hb >/dev/null
"$ZL" inspect recall P1:1 --reason "抽检不合格: 黄曲霉毒素M1 0.62 µg/kg" --hazard 2 --date 2026-02-06 > "$T/recall.txt"
CASE=$(awk '{print $3}' "$T/recall.txt")
"$ZL" recall list --json > "$T/cases.json"
jq -e --arg c "$CASE" --arg g "$GTIN" '[.. | objects | select(tostring | contains($c))] | length > 0 and (tostring | contains($g))' \
  "$T/cases.json" >/dev/null || fail "recall case $CASE: $(head -c 600 "$T/cases.json")"
refused "a second recall" "linked already" "$ZL" inspect recall P1:1 --reason again
"$ZL" inspect rectify P1:1 --date 2026-03-20 --measures "更换饲料供应商" >/dev/null
"$ZL" inspect publish P1:1 --date 2026-03-09 --handling "责令整改" >/dev/null
"$ZL" inspect recheck P1:1 --date 2026-04-08 --verdict pass --no "JC-2026-0101" >/dev/null
"$ZL" inspect task P1:1 --at 2026-04-30 --json > "$T/t2.json"
jq -e '.status == "closed" and (.open | length) == 0 and (.steps | length) == 9 and .verdict == "fail"' "$T/t2.json" >/dev/null ||
  fail "not closed: $(cat "$T/t2.json")"
# as of a day before the recheck, the recheck is still open (steps dated later are not seen)
"$ZL" inspect task P1:1 --at 2026-04-01 --json | jq -e '.status == "open" and [.open[].step] == ["recheck"]' >/dev/null ||
  fail "view as of 2026-04-01"

# ---- the public side ----------------------------------------------------
"$ZL" inspect results --json > "$T/pub.json"
jq -e '(.results | length) == 1 and .results[0].failed_items[0].item == "aflatoxin_m1"
  and .results[0].failed_items[0].value == "0.62" and .results[0].failed_items[0].max == "0.5"
  and .results[0].publish_deadline == "2026-03-10" and .results[0].published_on_time
  and .pass_rate.by_category.RAW_MILK.batches == 1 and .pass_rate.by_category.RAW_MILK.rate == 0
  and .pass_rate.by_period["2026-02"].batches == 1' "$T/pub.json" >/dev/null ||
  fail "results: $(cat "$T/pub.json")"
"$ZL" inspect results --csv > "$T/pub.csv"
"$ZL" inspect results > "$T/pub.txt"
grep -q "aflatoxin_m1,黄曲霉毒素M1,0.62" "$T/pub.csv" || fail "csv: $(cat "$T/pub.csv")"
# nothing unpublished: no inspector (ids, names), no tester, no sampler,
# no declared conflicts, no sampling place
for f in "$T/pub.json" "$T/pub.csv" "$T/pub.txt"; do
  for word in "$S1" 检查员 检验员张三 samplers tester relatives employers conflicts 收奶站 team; do
    if grep -q -- "$word" "$f"; then fail "unpublished '$word' in $(basename "$f")"; fi
  done
done
"$ZL" inspect results --region 44 --json | jq -e '.results == []' >/dev/null || fail "--region filter"
"$ZL" inspect results --from 2026-03-01 --to 2026-03-31 --json | jq -e '.results == []' >/dev/null || fail "--from/--to filter"

# the portal's /results page and its CSV: the same rows, nothing unpublished
if command -v curl >/dev/null; then
  "$ZL" serve --listen 127.0.0.1:0 --quiet > "$T/serve.out" 2> "$T/serve.err" &
  SPID=$!
  trap '[ -n "${KEEP:-}" ] || rm -rf "$T"; kill $SPID 2>/dev/null || true; zl_store_cleanup' EXIT
  for _ in $(seq 1 100); do grep -q "listening on" "$T/serve.out" 2>/dev/null && break; sleep 0.05; done
  U=$(sed -n 's/^listening on //p' "$T/serve.out")
  [ -n "$U" ] || fail "server did not start: $(cat "$T/serve.err")"
  curl -s "$U/results" > "$T/page.html"
  curl -s "$U/results?format=csv" > "$T/page.csv"
  curl -s "$U/results?region=44" > "$T/page44.html"
  curl -s "$U/" > "$T/home.html"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$U/results?from=2026-2-1")" = 400 ] || fail "/results bad date"
  kill $SPID; wait $SPID 2>/dev/null || true
  grep -q "黄曲霉毒素M1 0.62 µg/kg" "$T/page.html" || fail "/results: $(head -c 2000 "$T/page.html")"
  grep -q "B20260120" "$T/page.html" || fail "/results: no lot"
  grep -q "2026-03-10" "$T/page.html" || fail "/results: no publish deadline"
  cmp -s "$T/page.csv" "$T/pub.csv" || fail "/results?format=csv differs from inspect results --csv"
  if grep -q "黄曲霉" "$T/page44.html"; then fail "/results?region=44 shows Hebei"; fi
  grep -q 'id="home-results".*<strong class="warn-text">不合格</strong>' "$T/home.html" || fail "home page: no failed result among the latest"
  for word in "$S1" 检查员 检验员张三 samplers tester relatives employers conflicts 收奶站; do
    if grep -q -- "$word" "$T/page.html" "$T/home.html"; then fail "unpublished '$word' on /results or the home page"; fi
  done
fi

# ---- the log accounts for all of it ---------------------------------------
"$ZL" verify >/dev/null || fail "verify"
echo "spotcheck_cli: ok"
