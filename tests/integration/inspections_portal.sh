#!/usr/bin/env bash
# inspections_portal.sh - the public side of the 双随机 draws on the portal
# (一公开): /inspections lists the plans with their seed; a plan's page
# shows the drawn enterprises and teams and how to verify the draw; the
# export at /inspections/PLAN/export.json is byte for byte the CLI's, and
# the script served beside it re-runs it to "identical"; a redraw shows;
# a plan not drawn yet says so; a product page lists its published spot
# check (不合格 with the measured value); /results carries SVG pass-rate
# charts and the same data as JSON and CSV; no public page or export holds
# a declared conflict, an inspector's name, a sampler or a tester.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
fail() { echo "inspections_portal: $*" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
command -v curl >/dev/null || { echo "curl missing"; exit 77; }

"$ZL" init --origin zhiliang.test/log >/dev/null
python3 tests/fixtures/supervise/gen.py "$T"
"$ZL" registry import category "$T/categories.json" >/dev/null
"$ZL" registry import enterprise "$T/enterprises.csv" >/dev/null
"$ZL" registry import inspector "$T/inspectors.json" >/dev/null
"$ZL" inspect plan --id P1 --title "2026年1月生乳监督抽查" --category RAW_MILK --region 13 \
  --count 2 --distance 2 --from 2026-01-05 --to 2026-01-30 >/dev/null
for i in 1 2; do
  jq -c ".[0] + {code: \"X$i\"}" "$T/categories.json" > "$T/x.json"
  "$ZL" registry put category "$T/x.json"
done
"$ZL" inspect draw P1 >/dev/null
"$ZL" inspect show P1 --json > "$T/show.json"
S1=$(jq -r '.current[0].team[0]' "$T/show.json")
T2=$(jq -r '.current[1].team[1]' "$T/show.json")
"$ZL" inspect redraw P1 --task 2 --inspector "$T2" --reason "病假 sick leave" >/dev/null
"$ZL" inspect show P1 --json > "$T/show.json"
"$ZL" inspect plan --id P2 --category RAW_MILK --region 13 --count 1 --distance 1000 >/dev/null

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
"$ZL" inspect sample P1:1 --date 2026-01-20 --product "生牛乳 raw milk" --lot "$LOT" --quantity 4 \
  --code "(01)$GTIN(10)B20260120(21)1" --sampler "$S1" --place "收奶站" >/dev/null
# GB 19301-2010: aflatoxin M1 <= 0.5 µg/kg; 0.62 fails.
"$ZL" inspect report P1:1 --date 2026-02-04 --no "JC-2026-0042" --lab "河北省食品检验研究院" \
  --tester "检验员张三" --item protein=3.05 --item aflatoxin_m1=0.62 >/dev/null
"$ZL" inspect notify P1:1 --date 2026-02-05 >/dev/null
"$ZL" inspect publish P1:1 --date 2026-03-09 --handling "责令整改" >/dev/null
# task 2 passes (0.20 <= 0.5): RAW_MILK's pass rate is 1 of 2, 50%
"$ZL" inspect sample P1:2 --date 2026-01-21 --product "生牛乳 raw milk" --lot "$LOT" --quantity 4 \
  --code "(01)$GTIN(10)B20260120(21)2" --sampler "$(jq -r '.current[1].team[0]' "$T/show.json")" >/dev/null
"$ZL" inspect report P1:2 --date 2026-02-04 --no "JC-2026-0043" --lab "河北省食品检验研究院" \
  --item protein=3.05 --item aflatoxin_m1=0.20 >/dev/null
"$ZL" inspect notify P1:2 --date 2026-02-05 >/dev/null
"$ZL" inspect publish P1:2 --date 2026-03-09 >/dev/null
# P3 weights by credit classes computed from the published spot checks:
# task 1's enterprise failed (spot-fail 10) and, by 2026-05-01, has not
# rectified within the 60 days of Order 18 art. 46 (overdue 10): 20, B.
"$ZL" inspect plan --id P3 --category RAW_MILK --region 13 --count 2 --distance 2 \
  --from 2026-05-01 --to 2026-05-31 --credit computed >/dev/null
for i in 3 4; do
  jq -c ".[0] + {code: \"X$i\"}" "$T/categories.json" > "$T/x.json"
  "$ZL" registry put category "$T/x.json"
done
"$ZL" inspect draw P3 --json > "$T/p3.json"
U1=$(jq -r '.current[0].uscc' "$T/show.json")
jq -e --arg u "$U1" '.credit.classes[$u].class == "B" and ([.credit.classes[$u].events[].kind] == ["spot-fail", "overdue-rectification"])' \
  "$T/p3.json" >/dev/null || fail "P3's credit snapshot: $(jq -c .credit "$T/p3.json")"
"$ZL" inspect draw --verify P3 >/dev/null || fail "verify P3"
"$ZL" inspect export P1 > "$T/cli-export.json"
"$ZL" inspect results --json > "$T/cli-results.json"
"$ZL" inspect results --csv > "$T/cli-results.csv"

"$ZL" serve --listen 127.0.0.1:0 --quiet > "$T/serve.out" 2> "$T/serve.err" &
SPID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$T/serve.out" 2>/dev/null && break; sleep 0.05; done
U=$(sed -n 's/^listening on //p' "$T/serve.out")
[ -n "$U" ] || fail "server did not start: $(cat "$T/serve.err")"
get() { curl -sf "$U$1" > "$T/$2" || fail "GET $1 failed"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$U$1"; }

# ---- /inspections ---------------------------------------------------------
get /inspections list.html
get "/inspections?lang=en" list-en.html
get "/inspections?format=json" list.json
SEED=$(jq -r .draw.seed "$T/show.json")
grep -q "2026年1月生乳监督抽查" "$T/list.html" || fail "/inspections: no plan title"
grep -q "$SEED" "$T/list.html" || fail "/inspections: no seed"
grep -q "尚未抽取" "$T/list.html" || fail "/inspections: P2 not shown as not drawn"
grep -q "Not drawn yet" "$T/list-en.html" || fail "/inspections?lang=en not English"
jq -e --arg s "$SEED" 'length == 3 and .[0].plan.id == "P1" and .[0].draw.seed == $s
  and .[0].draw.tasks == 4 and .[0].redraws == 1 and .[1].plan.id == "P2" and .[1].draw == null' \
  "$T/list.json" >/dev/null || fail "/inspections?format=json: $(cat "$T/list.json")"

# ---- a plan's page ----------------------------------------------------------
get /inspections/P1 p1.html
get "/inspections/P1?lang=en" p1-en.html
for u in $(jq -r '.current[].uscc' "$T/show.json") $(jq -r '.current[].team[]' "$T/show.json") \
  "$(jq -r .draw.key "$T/show.json")" "$SEED" "$(jq -r .draw.beacon.root "$T/show.json")"; do
  grep -qF -- "$u" "$T/p1.html" || fail "/inspections/P1 lacks $u"
done
NAME1=$(jq -r --arg u "$(jq -r '.current[0].uscc' "$T/show.json")" '.[] | select(.uscc == $u) | .name' \
  <(python3 -c 'import csv,json,sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1])))))' "$T/enterprises.csv"))
grep -qF "$NAME1" "$T/p1.html" || fail "/inspections/P1 lacks the enterprise name $NAME1"
grep -q "病假 sick leave" "$T/p1.html" || fail "/inspections/P1 lacks the redraw"
grep -q "自己核验这次抽取" "$T/p1.html" || fail "/inspections/P1 lacks the verify box"
grep -q "Verify this draw yourself" "$T/p1-en.html" || fail "/inspections/P1?lang=en"
grep -q "/inspections/P1/export.json" "$T/p1.html" || fail "no export link"
grep -qF "curl -o export.json $U/inspections/P1/export.json" "$T/p1.html" || fail "verify box: not this server's URL"
get /inspections/P2 p2.html
grep -q "尚未抽取" "$T/p2.html" || fail "/inspections/P2: not drawn"
[ "$(code /inspections/NOPE)" = 404 ] || fail "/inspections/NOPE not 404"
[ "$(code /inspections/NOPE/export.json)" = 404 ] || fail "export of NOPE not 404"
[ "$(code /inspections/P1/other)" = 404 ] || fail "/inspections/P1/other not 404"
[ "$(code '/inspections/%3Cb%3E')" = 404 ] || fail "odd plan id not 404"
if grep -q "<script" "$T/p1.html" "$T/list.html"; then fail "a script on /inspections"; fi

# ---- the export and the citizen's re-run ------------------------------------
get /inspections/P1/export.json export.json
cmp -s <(cat "$T/export.json"; echo) "$T/cli-export.json" || fail "export.json differs from inspect export"
get /inspections/P1/draw_plan_verify.py verify.py
cmp -s "$T/verify.py" docs/draw_plan_verify.py || fail "served script differs from docs/"
python3 "$T/verify.py" "$T/export.json" > "$T/py.txt" || fail "script: $(cat "$T/py.txt")"
grep -q "identical to the logged draw" "$T/py.txt" || fail "script: $(cat "$T/py.txt")"
"$ZL" inspect draw --verify --export "$T/export.json" >/dev/null || fail "verify --export"
get /inspections/P3 p3.html
grep -q "信用分类快照" "$T/p3.html" || fail "/inspections/P3: no credit snapshot"
get /inspections/P3/export.json export3.json
jq -e --arg u "$U1" '[.enterprises[] | select(.uscc == $u) | .credit] == ["B"]' "$T/export3.json" >/dev/null ||
  fail "P3 export: the computed class"
python3 "$T/verify.py" "$T/export3.json" > "$T/py3.txt" || fail "script on P3: $(cat "$T/py3.txt")"
grep -q "credit classes computed on 2026-05-01" "$T/py3.txt" || fail "script on P3: $(cat "$T/py3.txt")"
jq --arg u "$U1" '(.enterprises[] | select(.uscc == $u) | .credit) = "A"' "$T/export3.json" > "$T/edited3.json"
if python3 "$T/verify.py" "$T/edited3.json" >/dev/null; then fail "script accepted an edited credit class"; fi
if "$ZL" inspect draw --verify --export "$T/edited3.json" >/dev/null 2>&1; then fail "verify --export accepted an edited class"; fi

# ---- the product page lists its published spot check -----------------------
get "/01/$GTIN/10/B20260120" lot.html
get "/01/$GTIN/10/B20260120?lang=en" lot-en.html
grep -q 'id="spotchecks"' "$T/lot.html" || fail "product page: no spot-check section"
grep -q "不合格" "$T/lot.html" || fail "product page: no 不合格"
grep -q 'href="/results#r-P1:1">JC-2026-0042</a>' "$T/lot.html" || fail "product page: no report link"
grep -q "黄曲霉毒素M1 0.62 µg/kg" "$T/lot.html" || fail "product page: no failed item"
grep -q "Government spot checks" "$T/lot-en.html" || fail "product page en"
curl -s "$U/01/06900012345677" > "$T/other.html"
if grep -q 'id="spotchecks"' "$T/other.html"; then fail "spot checks on another product's page"; fi

# ---- /results: charts, JSON and CSV ------------------------------------------
get /results results.html
get "/results?format=json" results.json
get "/results?format=csv" results.csv
grep -q 'id="r-P1:1"' "$T/results.html" || fail "/results: no anchor for the product page's link"
cmp -s <(cat "$T/results.json"; echo) "$T/cli-results.json" || fail "/results?format=json differs from inspect results --json"
cmp -s "$T/results.csv" "$T/cli-results.csv" || fail "/results?format=csv differs"
[ "$(grep -o '<svg' "$T/results.html" | wc -l)" -ge 3 ] || fail "/results: fewer than 3 charts"
grep -q 'aria-label="批次合格率' "$T/results.html" || fail "/results: chart without a label"
grep -q '50.0% (1/2)' "$T/results.html" || fail "/results: RAW_MILK's bar label"
# every bar against the JSON's rates (bar = 140 units at 100%), every
# month's point against its rate (140 units tall from y=24)
python3 - "$T/results.html" "$T/results.json" <<'PY' || fail "/results: a chart disagrees with the JSON"
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
pr = json.load(open(sys.argv[2]))["pass_rate"]
for label, key in (("按品种", "by_category"), ("按地区", "by_region")):
    svg = re.search(r'aria-label="批次合格率：%s">(.*?)</svg>' % label, html, re.S).group(1)
    bars = [float(w) for w, f in re.findall(r'<rect [^>]*width="([0-9.]+)"[^>]*fill="(#[0-9a-f]+)"', svg) if f != "#eef1f4"]
    want = [round(140 * g["rate"], 1) for _, g in sorted(pr[key].items())]
    assert bars == want, (label, bars, want)
svg = re.search(r'aria-label="批次合格率：按月份">(.*?)</svg>', html, re.S).group(1)
ys = [float(y) for y in re.findall(r'<circle cx="[0-9.]+" cy="([0-9.]+)"', svg)]
assert ys == [round(24 + 140 * (1 - g["rate"]), 1) for _, g in sorted(pr["by_period"].items())], ys
PY
if grep -q "<script" "$T/results.html"; then fail "a script on /results"; fi
python3 - "$T/results.html" <<'PY' || fail "/results: an SVG chart is not well-formed XML"
import re, sys, xml.dom.minidom
for svg in re.findall(r"<svg.*?</svg>", open(sys.argv[1], encoding="utf-8").read(), re.S):
    xml.dom.minidom.parseString(svg)
PY

# ---- an enterprise's history page, linked from /results and the product ----
grep -q "href=\"/enterprises/$U1\"" "$T/results.html" || fail "/results does not link the enterprise page"
grep -q "href=\"/enterprises/$U1\"" "$T/lot.html" || fail "the product page does not link the enterprise page"
get "/enterprises/$U1" ent.html
get "/enterprises/$U1?lang=en" ent-en.html
grep -qF "$NAME1" "$T/ent.html" || fail "/enterprises: no name"
grep -q '<meta name="viewport"' "$T/ent.html" || fail "/enterprises: not phone-sized"
grep -q "信用风险分类" "$T/ent.html" || fail "/enterprises: no credit section"
grep -q 'id="history"' "$T/ent.html" || fail "/enterprises: no class over time"
grep -q 'href="/results#r-P1:1">P1:1</a>' "$T/ent.html" || fail "/enterprises: a point without its spot check"
grep -q "逾期未整改" "$T/ent.html" || fail "/enterprises: the overdue rectification"
grep -q "JC-2026-0042" "$T/ent.html" || fail "/enterprises: no report"
grep -q "黄曲霉毒素M1 0.62 µg/kg" "$T/ent.html" || fail "/enterprises: no failed item"
grep -q "Credit risk class" "$T/ent-en.html" || fail "/enterprises?lang=en"
grep -q "Spot check failed" "$T/ent-en.html" || fail "/enterprises?lang=en: kinds"
if grep -q "JC-2026-0043" "$T/ent.html"; then fail "/enterprises: another enterprise's result"; fi
if grep -q "<script" "$T/ent.html"; then fail "a script on /enterprises"; fi
[ "$(code /enterprises/911301020000999999)" = 404 ] || fail "/enterprises of a bad USCC not 404"
[ "$(code /enterprises/nope)" = 404 ] || fail "/enterprises/nope not 404"

# ---- nothing unpublished -------------------------------------------------------
for f in list.html list-en.html list.json p1.html p1-en.html p2.html p3.html export.json export3.json lot.html \
         lot-en.html results.html results.json results.csv ent.html ent-en.html; do
  for word in relatives employers conflicts 检验员张三 收奶站 samplers tester; do
    if grep -q -- "$word" "$T/$f"; then fail "unpublished '$word' in $f"; fi
  done
done
# inspectors by id and unit only, on the pages and in the exports (the
# re-run needs no name: the script above still said "identical")
for f in list.html list.json p1.html p1-en.html p3.html lot.html results.html results.json \
         results.csv export.json export3.json py.txt py3.txt ent.html ent-en.html; do
  if grep -q "检查员" "$T/$f"; then fail "an inspector's name in $f"; fi
done
kill $SPID; wait $SPID 2>/dev/null || true
SPID=

# ---- the CLI's later rechecks (Order 18 art. 47-48), then the log ----------
"$ZL" inspect rectify P1:1 --date 2026-03-20 >/dev/null
"$ZL" inspect recheck P1:1 --date 2026-04-08 --verdict fail >/dev/null
if "$ZL" inspect recheck P1:1 --date 2026-04-09 --verdict pass 2>/dev/null; then fail "a second recheck before the announcement"; fi
"$ZL" inspect announce P1:1 --date 2026-04-10 --ref "冀市监公告2026年第5号" >/dev/null
"$ZL" inspect task P1:1 --at 2026-04-11 --json |
  jq -e '[.open[] | select(.step == "second-recheck")][0].deadline == "2026-07-09"' >/dev/null ||
  fail "second recheck window: $("$ZL" inspect task P1:1 --at 2026-04-11 --json | jq -c .open)"
"$ZL" inspect recheck P1:1 --date 2026-06-15 --verdict fail >/dev/null
"$ZL" inspect suspend P1:1 --date 2026-06-16 --until 2026-09-15 >/dev/null
"$ZL" inspect results --json | jq -e '.results[0].handling | index("公告 / announced 2026-04-10 冀市监公告2026年第5号") != null' >/dev/null ||
  fail "results: the announcement in the handling"
"$ZL" verify >/dev/null || fail "verify"
echo "inspections_portal: ok"
