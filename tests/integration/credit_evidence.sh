#!/usr/bin/env bash
# credit_evidence.sh - computed credit classes from every record the store
# holds (credit rule 2, docs/credit.md), end to end through the CLI:
# a recall of an enterprise's product (its GS1 Company Prefix), an
# administrative penalty by decision number, a consumer complaint the
# regulator upheld; `credit show` explains each point; a draw weighted by
# the classes re-runs from its export with the citizen's Python script,
# which recomputes every class from the events listed (an independent
# implementation of the rule), and rejects an export with an event taken
# out; the export names inspectors by id and unit only, and the re-run
# still reproduces the draw byte for byte.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
fail() { echo "credit_evidence: $*" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }

"$ZL" init --origin zhiliang.test/log >/dev/null
python3 tests/fixtures/supervise/gen.py "$T"
"$ZL" registry import category "$T/categories.json" >/dev/null
"$ZL" registry import enterprise "$T/enterprises.csv" >/dev/null
"$ZL" registry import inspector "$T/inspectors.json" >/dev/null
U() { sed -n "$(($1 + 2))p" "$T/enterprises.csv" | cut -d, -f1; }
UR=$(U 0) UP=$(U 1) UQ=$(U 2) UC=$(U 3)

# ---- a recall of UR's product (class I: serious, 15 points) ----------------
GTIN=06901234567892
"$ZL" party add --name "乳企0" --uscc "$UR" --prefix 6901234 >/dev/null
cat > "$T/ev.json" <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-20T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-11-20T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning","disposition":"active",
  "quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/B1120","quantity":100,"uom":"EA"}]}]}}
JSON
"$ZL" capture --quiet "$T/ev.json" >/dev/null
"$ZL" recall open --lot "https://id.gs1.org/01/$GTIN/10/B1120" --reason "检出致病菌" \
  --hazard-class I >/dev/null
TODAY=$(TZ=Asia/Shanghai date +%F)
# dates relative to today: every event stays under a year old (weight 1)
DP=$(date -u -d "$TODAY - 30 days" +%F)

# ---- penalties: UP serious (30); UQ one set aside on review (0) -------------
"$ZL" registry penalty "$UP" --decision "冀石市监处罚〔2026〕101号" --date "$DP" \
  --authority "石家庄市市场监督管理局" --serious --summary "生产不符合食品安全标准的食品" >/dev/null
"$ZL" registry penalty "$UQ" --decision "冀石市监处罚〔2026〕102号" --date "$DP" >/dev/null
"$ZL" registry penalty "$UQ" --decision "冀石市监处罚〔2026〕102号" --date "$DP" --revoked >/dev/null
# clear errors
if "$ZL" registry penalty "$UP" --decision "a:b" --date "$DP" 2> "$T/err"; then fail "a ':' in a decision accepted"; fi
grep -q "decision" "$T/err" || fail "error does not name the field: $(cat "$T/err")"
if "$ZL" registry penalty 911301020000999999 --decision X --date "$DP" 2> "$T/err"; then fail "a bad USCC accepted"; fi
if "$ZL" registry penalty "$UP" --decision X 2> "$T/err"; then fail "a penalty without a date accepted"; fi
grep -q "date" "$T/err" || fail "missing date not named: $(cat "$T/err")"

# the write rule: a regulator outside the enterprise's region is refused,
# one inside it writes (a decision set aside at once: it counts nothing)
"$ZL" party add --name "江苏省市场监督管理局" --id reg-js --kind regulator --region 32 >/dev/null
"$ZL" party add --name "河北省市场监督管理局" --id reg-he --kind regulator --region 13 >/dev/null
if "$ZL" registry penalty "$UP" --decision "苏市监处罚〔2026〕1号" --date "$DP" --as reg-js 2> "$T/err"; then
  fail "a regulator outside the region wrote a penalty"
fi
grep -q "region" "$T/err" || fail "refusal does not say why: $(cat "$T/err")"
"$ZL" registry penalty "$UQ" --decision "冀市监处罚〔2026〕9号" --date "$DP" --revoked --as reg-he >/dev/null ||
  fail "the region's regulator was refused"

# ---- complaints: UP's upheld (2), UC's rejected (0) ------------------------
cpl() {
  printf '{"occurred":"%s","region":"130102","enterprise":"%s","description":"牛奶有异味"}' "$DP" "$1" |
    "$ZL" risk report complaint --json - | grep -o 'C-[A-Za-z0-9-]*' | head -1
}
C1=$(cpl "$UP")
C2=$(cpl "$UC")
[ -n "$C1" ] && [ -n "$C2" ] || fail "complaint ids"
"$ZL" registry finding "$C1" --upheld --date "$TODAY" --basis "经核查属实" >/dev/null
"$ZL" registry finding "$C2" --rejected --date "$TODAY" >/dev/null
if "$ZL" registry finding "$C1" --date "$TODAY" 2> "$T/err"; then fail "a finding without an outcome accepted"; fi
if "$ZL" registry finding C-NOPE --upheld --date "$TODAY" 2> "$T/err"; then fail "a finding on no report accepted"; fi

# ---- credit show explains every point ----------------------------------------
AT=$(date -u -d "$TODAY + 3 days" +%F)
"$ZL" credit show "$UP" --at "$AT" --json > "$T/up.json"
jq -e '.class == "C" and .score == 32 and ([.lines[].kind] | sort) == ["complaint", "penalty"]
  and ([.lines[] | select(.kind == "penalty")][0].points == 30)' "$T/up.json" >/dev/null ||
  fail "credit show UP: $(cat "$T/up.json")"
"$ZL" credit show "$UR" --at "$AT" --json > "$T/ur.json"
jq -e '.class == "B" and .score == 15 and .lines[0].kind == "recall" and .lines[0].serious' \
  "$T/ur.json" >/dev/null || fail "credit show UR (recall): $(cat "$T/ur.json")"
# the recall's enterprise was recorded when the case opened: the prefix
# moving to another party afterwards does not move the recall (credit
# used to ask today's registry)
printf '{"parties":[{"id":"%s","nameZh":"乳企0","uscc":"%s","companyPrefixes":[]},{"id":"%s","nameZh":"乳企3","uscc":"%s","companyPrefixes":["6901234"]}]}' \
  "$UR" "$UR" "$UC" "$UC" > "$T/moved.json"
"$ZL" party import "$T/moved.json" >/dev/null || fail "party import (prefix moved)"
"$ZL" credit show "$UR" --at "$AT" --json | jq -e '.score == 15 and .lines[0].kind == "recall"' >/dev/null ||
  fail "the recall left its enterprise when the prefix moved"
"$ZL" credit show "$UC" --at "$AT" --json | jq -e '[.lines[] | select(.kind == "recall")] | length == 0' >/dev/null ||
  fail "the recall followed the prefix to its new owner"
# and back, for the product page's maker link below
printf '{"parties":[{"id":"%s","nameZh":"乳企3","uscc":"%s","companyPrefixes":[]},{"id":"%s","nameZh":"乳企0","uscc":"%s","companyPrefixes":["6901234"]}]}' \
  "$UC" "$UC" "$UR" "$UR" > "$T/back.json"
"$ZL" party import "$T/back.json" >/dev/null || fail "party import (prefix back)"
"$ZL" credit show "$UQ" --at "$AT" --json | jq -e '.class == "A" and (.lines | length) == 0' >/dev/null ||
  fail "a revoked penalty still counts"
"$ZL" credit show "$UC" --at "$AT" --json | jq -e '.class == "A" and (.lines | length) == 0' >/dev/null ||
  fail "a rejected complaint counts"
if "$ZL" credit show 911301020000999999 --at "$AT" 2> "$T/err"; then fail "credit show of a bad USCC"; fi
"$ZL" credit show "$UP" --at "$AT" | grep -q "administrative penalty (heavy penalty)" ||
  fail "credit show text: $("$ZL" credit show "$UP" --at "$AT")"

# ---- a draw weighted by them, re-run by the citizen's script ----------------
"$ZL" inspect plan --id PC --category RAW_MILK --region 13 --count 3 --distance 2 \
  --from "$AT" --to "$(date -u -d "$AT + 30 days" +%F)" --credit computed >/dev/null
for i in 1 2; do
  jq -c ".[0] + {code: \"X$i\"}" "$T/categories.json" > "$T/x.json"
  "$ZL" registry put category "$T/x.json"
done
# after the plan: UC's complaint upheld after all. The draw must not see it.
"$ZL" registry finding "$C2" --upheld --date "$TODAY" >/dev/null
"$ZL" inspect draw PC --json > "$T/draw.json"
jq -e --arg p "$UP" --arg r "$UR" --arg c "$UC" '.credit.rule == 2
  and .credit.classes[$p].class == "C" and .credit.classes[$r].class == "B"
  and .credit.classes[$c] == null' "$T/draw.json" >/dev/null ||
  fail "the draw's credit snapshot: $(jq -c .credit "$T/draw.json")"
"$ZL" inspect draw --verify PC >/dev/null || fail "verify PC"
"$ZL" inspect export PC > "$T/export.json"
python3 docs/draw_plan_verify.py "$T/export.json" > "$T/py.txt" || fail "script: $(cat "$T/py.txt")"
grep -q "identical to the logged draw" "$T/py.txt" || fail "script: $(cat "$T/py.txt")"
"$ZL" inspect draw --verify --export "$T/export.json" >/dev/null || fail "verify --export"
# an event taken out of the snapshot: the class no longer follows from it
jq --arg p "$UP" '.draw.credit.classes[$p].events |= map(select(.kind != "penalty"))' \
  "$T/export.json" > "$T/edited.json"
if python3 docs/draw_plan_verify.py "$T/edited.json" > "$T/py2.txt"; then
  fail "script accepted a class without its penalty"
fi
grep -q "DIFFERENT: credit class of $UP from its events" "$T/py2.txt" || fail "script: $(cat "$T/py2.txt")"
# a serious flag dropped: 10 points, not 30, so not C
jq --arg p "$UP" '.draw.credit.classes[$p].events |= map(del(.serious))' \
  "$T/export.json" > "$T/edited2.json"
if python3 docs/draw_plan_verify.py "$T/edited2.json" >/dev/null; then fail "script ignored the serious flag"; fi

# ---- no inspector's name in the export ----------------------------------------
jq -e '[.inspectors[] | keys[]] | unique == ["id", "qualifications", "region", "unit"]' \
  "$T/export.json" >/dev/null || fail "export inspector fields: $(jq -c '.inspectors[0]' "$T/export.json")"
jq -r '.[].name' "$T/inspectors.json" > "$T/names"
if grep -qFf "$T/names" "$T/export.json"; then fail "an inspector's name in the export"; fi
if grep -qFf "$T/names" "$T/py.txt"; then fail "an inspector's name in the script's output"; fi

# ---- the enterprise's public page: the penalty by number, the recall by
# link, the complaint as upheld but never by its report id ------------------
command -v curl >/dev/null || { echo "curl missing"; exit 77; }
"$ZL" serve --listen 127.0.0.1:0 --quiet > "$T/serve.out" 2> "$T/serve.err" &
SPID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$T/serve.out" 2>/dev/null && break; sleep 0.05; done
SU=$(sed -n 's/^listening on //p' "$T/serve.out")
[ -n "$SU" ] || fail "server did not start: $(cat "$T/serve.err")"
curl -sf "$SU/enterprises/$UP" > "$T/up.html" || fail "GET /enterprises/$UP"
grep -q "冀石市监处罚〔2026〕101号" "$T/up.html" || fail "page: no penalty decision"
grep -q "消费者投诉经核查属实" "$T/up.html" || fail "page: no upheld complaint"
grep -q "C 类" "$T/up.html" || fail "page: not class C"
if grep -q "$C1" "$T/up.html"; then fail "page: the complaint's report id is published"; fi
curl -sf "$SU/enterprises/$UR?lang=en" > "$T/ur.html" || fail "GET /enterprises/$UR"
grep -q 'href="/recalls/' "$T/ur.html" || fail "page: no recall link"
grep -q "Product recall (serious)" "$T/ur.html" || fail "page: recall in English"
curl -sf "$SU/01/$GTIN/10/B1120" > "$T/lot.html" || fail "GET product page"
grep -q "href=\"/enterprises/$UR\"" "$T/lot.html" || fail "product page: no link to its maker's record"
for f in up.html ur.html lot.html; do
  if grep -qFf "$T/names" "$T/$f"; then fail "an inspector's name in $f"; fi
done
kill $SPID; wait $SPID 2>/dev/null || true
SPID=

"$ZL" verify >/dev/null || fail "verify"
# a penalty made light behind Zhiliang's back: verify names the record
N=$(zl_sql_changes "$ZHILIANG_STORE" "UPDATE sup_records SET json = replace(json, '\"serious\":true', '\"serious\":false') WHERE key LIKE 'penalty:$UP:%'")
[ "$N" = 1 ] || fail "the tamper edit changed $N rows"
if "$ZL" verify > "$T/verify.txt" 2>&1; then fail "verify missed an edited penalty"; fi
grep -q "penalty:$UP" "$T/verify.txt" || fail "verify does not name the penalty: $(cat "$T/verify.txt")"
echo "credit_evidence: ok"
