#!/usr/bin/env bash
# risk_dispose.sh - risk cases and their disposal (issue 14) with the CLI,
# on the run's backend: a case opened from a failed spot-check task with
# one command (its enterprise, region and lot taken from the task), the
# four actions (a consumer warning, a recall through the recall module for
# the task's lot, a targeted spot check linked to a task, a notice the
# enterprise answers), each refused with field, value and reason and
# nothing logged on bad input or the wrong party, overdue actions listed
# by `risk overdue`, each action closed, the case closed and then public,
# the recall's own record naming the risk case, a case opened from a
# stored complaint about a batch, and `verify` over it all.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
fail() { echo "risk_dispose: $*" >&2; exit 1; }
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
USCC=$(jq -r '.current[0].uscc' "$T/show.json")
GTIN=06901234567892
LOT="(01)$GTIN(10)B20260120"
cat > "$T/ev.json" <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-20T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-01-20T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning","disposition":"active",
  "quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/B20260120","quantity":100,"uom":"EA"}]}]}}
JSON
"$ZL" capture --quiet "$T/ev.json" >/dev/null
"$ZL" party add --id reg-hb --name 河北省市场监督管理局 --kind regulator --region 13 >/dev/null
"$ZL" party add --id reg-gd --name 广东省市场监督管理局 --kind regulator --region 44 >/dev/null
"$ZL" party add --name 被抽查企业 --uscc "$USCC" >/dev/null
"$ZL" party add --name 另一企业 --uscc 91130102117504341K >/dev/null

refused() { # what expected-text command...
  local what=$1 want=$2
  shift 2
  if "$@" > /dev/null 2> "$T/err"; then fail "$what: accepted"; fi
  grep -q -- "$want" "$T/err" || fail "$what: $(cat "$T/err")"
}

# ---- opening from a task: refused while the task has not failed ---------
"$ZL" inspect sample P1:1 --date 2026-01-20 --product 生牛乳 --lot "$LOT" --quantity 4 \
  --code "(01)$GTIN(10)B20260120(21)1" --sampler "$S1" >/dev/null
n0=$(size)
refused "open from an untested task" "no failed result" \
  "$ZL" inspect risk P1:1 --hazard 黄曲霉毒素M1超标
refused "open from no task" "not a drawn spot-check task" \
  "$ZL" risk dispose open --from-task P9:1 --hazard x
refused "open without hazard" "hazard: is required" \
  "$ZL" risk dispose open --from-signal "3 complaints on one lot" --gtin $GTIN
refused "bad USCC" "enterprise: must be a unified social credit code" \
  "$ZL" risk dispose open --from-signal s --enterprise 91130102117504341X --hazard x
refused "bad GTIN" "gtin: must be a GTIN" \
  "$ZL" risk dispose open --from-signal s --gtin 06901234567893 --hazard x
refused "no subject" "needs a subject" \
  "$ZL" risk dispose open --from-signal s --hazard x
refused "two sources" "exactly one" \
  "$ZL" risk dispose open --from-signal s --from-other t --hazard x
refused "unknown option" "unknown option --hazzard" \
  "$ZL" risk dispose open --from-signal s --hazzard x
refused "an enterprise may not open" "may not write a risk case" \
  "$ZL" risk dispose open --from-signal s --gtin $GTIN --hazard x --as "$USCC"
[ "$(size)" = "$n0" ] || fail "a refused open logged something"

"$ZL" inspect report P1:1 --date 2026-02-04 --no "JC-2026-0042" --lab "河北省食品检验研究院" \
  --item protein=3.05 --item aflatoxin_m1=0.62 >/dev/null
"$ZL" inspect notify P1:1 --date 2026-02-05 >/dev/null
refused "a regulator of another region" "outside the case's region" \
  "$ZL" inspect risk P1:1 --hazard 黄曲霉毒素M1超标 --as reg-gd
CASE=$("$ZL" inspect risk P1:1 --hazard "生牛乳黄曲霉毒素M1超标（0.62 µg/kg，限量0.5）" \
  --hazard-en "Raw milk: aflatoxin M1 0.62 µg/kg over the 0.5 limit" --as reg-hb)
[[ $CASE =~ ^K-[0-9]{8}-[0-9a-f]{12}$ ]] || fail "case id $CASE"
"$ZL" risk dispose show "$CASE" --json > "$T/c.json"
jq -e --arg u "$USCC" --arg g "$GTIN" '.state == "open" and .source == "task" and .ref == "P1:1" and
  .enterprise == $u and .gtin == $g and .batch == "B20260120" and .region != null and .actions == []' \
  "$T/c.json" >/dev/null || fail "opened case: $(cat "$T/c.json")"

# ---- actions: bad input refused, nothing logged ------------------------
n0=$(size)
refused "warning without English" "text_en: is required" \
  "$ZL" risk dispose act "$CASE" warning --title 停止饮用 --title-en "Stop drinking" --text 请勿饮用 --as reg-hb
refused "recall without class" "hazard_class: must be 1, 2 or 3" \
  "$ZL" risk dispose act "$CASE" recall --as reg-hb
refused "recall class 4" "hazard class is 1, 2 or 3" \
  "$ZL" risk dispose act "$CASE" recall --class 4
refused "notice without text" "text: is required" \
  "$ZL" risk dispose act "$CASE" notice --as reg-hb
refused "due in the past" "due: is before today" \
  "$ZL" risk dispose act "$CASE" notice --text x --due 2020-01-01
refused "bad due" "due: must be a date" \
  "$ZL" risk dispose act "$CASE" notice --text x --due 2026-13-01
refused "another enterprise's task" "is not a drawn" \
  "$ZL" risk dispose act "$CASE" spotcheck --task P1:7
refused "kind" "is not an action" "$ZL" risk dispose act "$CASE" ban
refused "an enterprise may not act" "may not write a risk case" \
  "$ZL" risk dispose act "$CASE" notice --text x --as "$USCC"
refused "no such case" "is not a stored risk case" \
  "$ZL" risk dispose act K-20260101-000000000000 notice --text x
[ "$(size)" = "$n0" ] || fail "a refused action logged something"

"$ZL" risk dispose act "$CASE" warning --title "暂停饮用批号B20260120生牛乳制品" \
  --title-en "Do not drink batch B20260120" --text "该批次黄曲霉毒素M1超标，请暂停饮用并联系经营者退货。" \
  --text-en "Aflatoxin M1 above the limit in this batch: stop drinking it and return it." --as reg-hb | grep -q "action 2 warning"
"$ZL" risk dispose act "$CASE" recall --class 2 --as reg-hb | grep -q "action 3 recall"
"$ZL" risk dispose act "$CASE" spotcheck --task P1:1 --text "对该企业其他批次定向抽检" --as reg-hb | grep -q "action 4 spotcheck"
"$ZL" risk dispose act "$CASE" notice --text "请于10个工作日内报告原因分析与整改措施" --due 2026-12-31 --as reg-hb | grep -q "action 5 notice"
"$ZL" risk dispose show "$CASE" --json > "$T/c.json"
RECALL=$(jq -r '.actions[] | select(.kind == "recall") | .recall' "$T/c.json")
"$ZL" recall status "$RECALL" --json > "$T/r.json"
jq -e --arg c "$CASE" '(.reason | contains($c)) and .status == "open" and .lots != []' "$T/r.json" >/dev/null ||
  fail "recall case: $(head -c 600 "$T/r.json")"
jq -e '[.actions[].deadline] | length == 4 and (.[3] == "2026-12-31") and all(. != null)' "$T/c.json" >/dev/null ||
  fail "deadlines: $(jq -c '[.actions[].deadline]' "$T/c.json")"

# ---- answer: the enterprise only, its own notice -----------------------
n0=$(size)
refused "another enterprise answers" "may not answer" \
  "$ZL" risk dispose answer "$CASE" 5 --answer x --as 91130102117504341K
refused "answer a warning" "only a notice is answered" \
  "$ZL" risk dispose answer "$CASE" 2 --answer x --as "$USCC"
refused "empty answer" "answer: is required" \
  "$ZL" risk dispose answer "$CASE" 5 --as "$USCC"
[ "$(size)" = "$n0" ] || fail "a refused answer logged something"
"$ZL" risk dispose answer "$CASE" 5 --answer "已封存同批次产品，原因为饲料霉变，已更换供应商" --as "$USCC" >/dev/null
refused "answer twice" "answered already" \
  "$ZL" risk dispose answer "$CASE" 5 --answer again --as "$USCC"

# ---- overdue: a notice due before today --------------------------------
echo '{"notice": {"days": 1, "unit": "days", "source": "test rule"}}' > "$T/dl.json"
C2=$("$ZL" risk dispose open --from-other "企业自报" --enterprise "$USCC" --hazard 包装破损 --as reg-hb)
"$ZL" risk dispose act "$C2" notice --text 请说明 --deadlines "$T/dl.json" --as reg-hb >/dev/null
DUE=$("$ZL" risk dispose show "$C2" --json | jq -r '.actions[0].deadline')
"$ZL" risk dispose list --overdue --json --at "$DUE" | jq -e 'length == 0' >/dev/null || fail "overdue on its day"
AFTER=$(date -u -d "$DUE + 1 day" +%F)
"$ZL" risk dispose list --overdue --json --at "$AFTER" |
  jq -e --arg c "$C2" '[.[].case] == [$c] and .[0].actions[0].overdue' >/dev/null || fail "overdue the day after"
"$ZL" risk dispose show "$C2" --json | jq -e '.actions[0].source == "test rule"' >/dev/null || fail "the rule's source"
bad_dl='{"notice": {"days": 0}}'
echo "$bad_dl" > "$T/bad.json"
refused "deadline config" "days must be a whole number" \
  "$ZL" risk dispose act "$C2" notice --text x --deadlines "$T/bad.json"

# ---- closing each action, then the case --------------------------------
refused "close with open actions" "is still open" \
  "$ZL" risk dispose close "$CASE" --outcome 结案 --as reg-hb
refused "recall done while its case is open" "recall case is still open" \
  "$ZL" risk dispose done "$CASE" 3 --as reg-hb
refused "spotcheck done without result" "result: is required" \
  "$ZL" risk dispose done "$CASE" 4 --as reg-hb
"$ZL" risk dispose done "$CASE" 2 --note "召回完成，撤下警示" --as reg-hb >/dev/null
"$ZL" risk dispose done "$CASE" 4 --result pass --note "其他3个批次合格" --as reg-hb >/dev/null
"$ZL" risk dispose done "$CASE" 5 --as reg-hb >/dev/null
refused "done twice" "is done already" "$ZL" risk dispose done "$CASE" 5 --as reg-hb
"$ZL" recall close "$RECALL" --summary "同批次已全部下架" --force "测试" >/dev/null
"$ZL" risk dispose done "$CASE" 3 --as reg-hb >/dev/null
refused "public view of an open case" "is not a closed risk case" \
  "$ZL" risk dispose show "$C2" --public --json
"$ZL" risk dispose close "$CASE" --outcome "企业召回并整改，定向抽检合格" \
  --outcome-en "Recalled and corrected; the targeted check passed" --as reg-hb >/dev/null
refused "act on a closed case" "is closed" \
  "$ZL" risk dispose act "$CASE" notice --text x --as reg-hb
"$ZL" risk dispose show "$CASE" --public --json > "$T/pub.json"
jq -e '.state == "closed" and (.actions | length) == 4 and (has("ref") | not) and
  ([.actions[] | select(.kind == "notice") | has("text")] == [false]) and
  ([.actions[] | has("answer") or has("note")] | any | not)' "$T/pub.json" >/dev/null ||
  fail "public case: $(cat "$T/pub.json")"
! grep -q "饲料霉变" "$T/pub.json" || fail "the answer is public"
"$ZL" risk dispose list --public --json | jq -e --arg c "$CASE" '[.[].case] == [$c]' >/dev/null ||
  fail "public list"
"$ZL" risk dispose list --open --json | jq -e --arg c "$C2" '[.[].case] == [$c]' >/dev/null ||
  fail "open list"
"$ZL" risk overdue --json | jq -e '.overdue | type == "array"' >/dev/null || fail "risk overdue"

# ---- opening from a stored complaint about a batch: its lot as the case's
"$ZL" party add --id reg-bj --name 北京市市场监督管理局 --kind regulator --region 11 >/dev/null
printf '{"occurred":"2026-01-25","region":"110105","description":"牛奶有异味","gs1":"%s"}' "$LOT" |
  "$ZL" risk report complaint --json - >/dev/null
RID=$("$ZL" risk reports --kind complaint --json | jq -r '.reports[-1].id')
C3=$("$ZL" risk dispose open --from-report "$RID" --hazard 异味 --as reg-bj) ||
  fail "open from a report on a batch"
"$ZL" risk dispose show "$C3" --json | jq -e --arg g "$GTIN" --arg r "$RID" \
  '.source == "report" and .ref == $r and .gtin == $g and .batch == "B20260120" and
   .region == "110105"' >/dev/null || fail "case from a report: $("$ZL" risk dispose show "$C3" --json)"

"$ZL" verify > "$T/verify.txt" 2>&1 || fail "verify: $(tail -5 "$T/verify.txt")"
echo "risk_dispose: ok"
