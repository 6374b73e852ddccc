#!/usr/bin/env bash
# risk_intake.sh - risk reports end to end (issue 14), on the run's
# backend: the CLI and the server take complaints, injury and incident
# reports; bad input is refused with every field named and stores nothing;
# personal data is encrypted at rest (the raw store does not hold the
# phone number), shown only to a regulator holding the key, and found on
# no public page, export or log leaf; verify names an edited report.
. "$(dirname "$0")/server_common.sh"

PHONE=13712345678
NAME=赵六隐私
IDNO=11010519491231002X
ADDR=朝阳区隐私路9号
openssl rand -hex 32 >"$TMP/pii.key"
export ZHILIANG_PII_KEY="$TMP/pii.key"
zl_setup
S=(--store "$STORE")
USCC=91350100M000100Y43
OTHER=91110000100000017B

# parties: a regulator, a sentinel hospital, the enterprise
"$EXE" party add --name 北京市市场监督管理局 --id reg-bj --kind regulator \
  --region 11 "${S[@]}" >/dev/null
"$EXE" party add --name 哨点医院 --id hosp-1 --role hospital "${S[@]}" >/dev/null
"$EXE" party add --name 某电器公司 --uscc $USCC "${S[@]}" >/dev/null
T_HOSP=$("$EXE" 2>/dev/null token create --party hosp-1 "${S[@]}")
T_ENT=$("$EXE" 2>/dev/null token create --party $USCC "${S[@]}")
T_REG=$("$EXE" 2>/dev/null token create --party reg-bj "${S[@]}")

n_reports() { "$EXE" risk reports --json "${S[@]}" | python3 -c \
  'import json,sys; print(len(json.load(sys.stdin)["reports"]))'; }

# ---- CLI ------------------------------------------------------------------
cat >"$TMP/c1.json" <<J
{"occurred":"2026-12-01","region":"110105","category":"电热水壶",
 "gs1":"(01)09506000134352(10)K1","description":"壶底漏电",
 "personal":{"name":"$NAME","phone":"$PHONE","id_number":"$IDNO","address":"$ADDR"}}
J
out=$("$EXE" risk report complaint --json "$TMP/c1.json" "${S[@]}")
ok "cli: complaint stored" test -n "$out"
C1=${out##* }
is "cli: one report" "$(n_reports)" 1
ok "cli: show hides the phone" bash -c "! '$EXE' risk show $C1 --store '$STORE' | grep -q $PHONE"
ok "cli: show gives the canonical code" bash -c "'$EXE' risk show $C1 --store '$STORE' | grep -q 'https://id.gs1.org/01/09506000134352/10/K1'"
ok "cli: regulator with key sees it" bash -c "'$EXE' risk show $C1 --reveal --as reg-bj --store '$STORE' | grep -q $PHONE"
ok "cli: hospital may not reveal" bash -c "! '$EXE' risk show $C1 --reveal --as hosp-1 --store '$STORE'"
openssl rand -hex 32 >"$TMP/wrong.key"
ok "cli: wrong key does not open" bash -c "! '$EXE' risk show $C1 --reveal --as reg-bj --pii-key '$TMP/wrong.key' --store '$STORE'"
echo '{"occurred":"2026-02-30","description":"x","gs1":"(01)09506000134353","colour":"red"}' >"$TMP/bad.json"
err=$("$EXE" risk report complaint --json "$TMP/bad.json" "${S[@]}" 2>&1)
ok "cli: bad input exits 1" bash -c "! '$EXE' risk report complaint --json '$TMP/bad.json' --store '$STORE' 2>/dev/null"
ok "cli: error names occurred" grep -q '^  occurred: ' <<<"$err"
ok "cli: error names gs1" grep -q '^  gs1: ' <<<"$err"
ok "cli: error names the unknown field" grep -q '^  colour: ' <<<"$err"
is "cli: nothing stored" "$(n_reports)" 1
ok "cli: personal data without a key is refused" bash -c "! env -u ZHILIANG_PII_KEY '$EXE' risk report complaint --json '$TMP/c1.json' --store '$STORE' 2>/dev/null"
is "cli: still one report" "$(n_reports)" 1

# ---- HTTP -----------------------------------------------------------------
post() { curl -s -o "$TMP/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@"; }
code=$(post --data "{\"occurred\":\"2026-12-02\",\"description\":\"插头发热\",\"category\":\"电热水壶\",\"region\":\"110105\",\"gs1\":\"https://id.gs1.org/01/09506000134352/10/K1\",\"personal\":{\"phone\":\"$PHONE\"}}" "$U/api/risk/complaints")
is "http: anonymous complaint 201" "$code" 201
ok "http: answer has the id" grep -q '"id":"C-' "$TMP/resp"
code=$(post --data '{"occurred":"2026-12-02","region":"ABC"}' "$U/api/risk/complaints")
is "http: bad complaint 400" "$code" 400
ok "http: errors list region" grep -q '"field":"region"' "$TMP/resp"
ok "http: errors list description" grep -q '"field":"description"' "$TMP/resp"
code=$(post --data 'not json' "$U/api/risk/complaints")
is "http: not JSON 400" "$code" 400
is "http: bad input stored nothing" "$(n_reports)" 2
INJ='{"occurred":"2026-12-03","hospital":"哨点医院","category":"电热水壶","gs1":"09506000134352","injury":{"sex":"2","age":7,"cause":"烧烫伤","place":"家中","activity":"休闲活动","intent":"非故意","nature":"other","body_part":"上肢","severity":"轻度","outcome":"discharged"}}'
is "http: injury without token 401" "$(post --data "$INJ" "$U/api/risk/injury")" 401
is "http: injury from an enterprise 403" "$(post -H "Authorization: Bearer $T_ENT" --data "$INJ" "$U/api/risk/injury")" 403
is "http: injury from the hospital 201" "$(post -H "Authorization: Bearer $T_HOSP" --data "$INJ" "$U/api/risk/injury")" 201
INC="{\"occurred\":\"2026-09-20\",\"discovered\":\"2026-09-30\",\"enterprise\":\"$USCC\",\"description\":\"起火\",\"injured\":1,\"gs1\":\"(01)09506000134352(10)K1\"}"
is "http: incident about another enterprise 403" "$(post -H "Authorization: Bearer $T_ENT" --data "${INC/$USCC/$OTHER}" "$U/api/risk/incident")" 403
is "http: incident by the enterprise 201" "$(post -H "Authorization: Bearer $T_ENT" --data "$INC" "$U/api/risk/incident")" 201
M=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/resp")
rec=$("$EXE" risk show "$M" --json "${S[@]}")
ok "http: incident deadline 2026-10-09 (National Day)" grep -q '"deadline":"2026-10-09"' <<<"$rec"
ok "http: incident reported after it is late" grep -q '"late":true' <<<"$rec"
is "http: reports need a regulator" "$(status -H "Authorization: Bearer $T_ENT" "$U/api/risk/reports")" 403
is "http: regulator lists reports" "$(status -H "Authorization: Bearer $T_REG" "$U/api/risk/reports")" 200

# ---- the phone-friendly form -----------------------------------------------
is "form: GET /complain 200" "$(status "$U/complain")" 200
curl -s "$U/complain" >"$TMP/form.html"
ok "form: plain POST form" grep -q '<form method="post" action="/complain"' "$TMP/form.html"
ok "form: no script" bash -c "! grep -qi '<script' '$TMP/form.html'"
ok "form: bilingual" grep -q 'Consumer complaint' "$TMP/form.html"
ok "form: ?gs1= prefills the code, escaped" bash -c "curl -s '$U/complain?gs1=%3Cb%3E0950' | grep -q 'value=\"&lt;b&gt;0950\"'"
code=$(curl -s -o "$TMP/formresp.html" -w '%{http_code}' --data-urlencode "occurred=2026-12-04" \
  --data-urlencode "description=水壶外壳烫手" --data-urlencode "category=电热水壶" \
  --data-urlencode "region=110105" --data-urlencode "gs1=(01)09506000134352(10)K1" \
  --data-urlencode "phone=$PHONE" --data-urlencode "cname=$NAME" "$U/complain")
is "form: complaint accepted 201" "$code" 201
ok "form: reference shown" grep -q 'C-' "$TMP/formresp.html"
code=$(curl -s -o "$TMP/formbad.html" -w '%{http_code}' --data-urlencode "occurred=tomorrow" \
  --data-urlencode "description=x" --data-urlencode "phone=$PHONE" "$U/complain")
is "form: bad date 400" "$code" 400
ok "form: error shown by the field" grep -q 'class="error"' "$TMP/formbad.html"
is "form: nothing stored" "$(n_reports)" 5

# ---- signals ----------------------------------------------------------------
sig=$("$EXE" risk signals --reports --by lot --json "${S[@]}")
ok "signals: runs over stored reports" grep -q '"signals"' <<<"$sig"
for i in 1 2; do post --data '{"occurred":"2026-12-06","description":"又漏电","gs1":"(01)09506000134352(10)K9"}' "$U/api/risk/complaints" >/dev/null; done
post --data '{"occurred":"2026-12-06","description":"又漏电","gs1":"(01)09506000134352(10)K9"}' "$U/api/risk/complaints" >/dev/null
sig=$("$EXE" risk signals --reports --by lot --json "${S[@]}")
ok "signals: three complaints on one lot within the hour" python3 -c '
import json,sys
s=json.loads(sys.argv[1])["signals"]
c=[x for x in s if x["type"]=="cluster" and x["lot"]=="09506000134352/K9"]
sys.exit(0 if c and c[0]["observed"]==3 and len(c[0]["reports"])==3 else 1)' "$sig"

# a lot with one complaint every other day of November, then 8 on 4 Dec:
# the CUSUM over stored reports alarms on 4 Dec with the naive count 8
for d in 01 03 05 07 09 11 13 15 17 19 21 23 25 27; do
  echo "{\"occurred\":\"2026-11-$d\",\"description\":\"x\",\"gs1\":\"(01)09506000134352(10)Q7\"}" >"$TMP/q.json"
  "$EXE" risk report complaint --json "$TMP/q.json" "${S[@]}" >/dev/null
done
echo '{"occurred":"2026-12-04","description":"x","gs1":"(01)09506000134352(10)Q7"}' >"$TMP/q.json"
for i in 1 2 3 4 5 6 7 8; do "$EXE" risk report complaint --json "$TMP/q.json" "${S[@]}" >/dev/null; done
sig=$("$EXE" risk signals --reports --by lot --cluster 99 --json "${S[@]}")
ok "signals: CUSUM alarm on the spike, observed 8, with its lot" python3 -c '
import json,sys
s=json.loads(sys.argv[1])["signals"]
q=[x for x in s if x["type"]=="nbcusum" and x["key"]=="09506000134352/Q7"]
ok=q and q[0]["period"]=="2026-12-04" and q[0]["observed"]==8 and q[0]["expected"]<1 and q[0]["lots"]==["09506000134352/Q7"] and q[0]["products"]==["09506000134352"]
before=[x for x in q if x["period"]<"2026-12-04"]
sys.exit(0 if ok and not before else 1)' "$sig"
mkdir -p "$TMP/svg"
"$EXE" risk signals --reports --by lot --svg "$TMP/svg" "${S[@]}" >/dev/null
ok "signals: the alarming series as SVG" bash -c "grep -lq '<svg' '$TMP'/svg/lot-*.svg"

# ---- the personal data is nowhere public ------------------------------------
{
  for p in / /complain /complaints "/complaints?lang=en" "/complaints?format=json" /recalls /results /log \
    /log/checkpoint /log/key /01/09506000134352/10/K1 /01/09506000134352 \
    "/api/risk/reports"; do curl -s "$U$p"; done
  curl -s -H "Authorization: Bearer $T_REG" "$U/api/risk/reports"
  "$EXE" risk reports --json "${S[@]}"
  "$EXE" risk reports "${S[@]}"
  "$EXE" risk signals --reports --json "${S[@]}"
  "$EXE" risk published --json "${S[@]}"
  "$EXE" risk overdue --json "${S[@]}"
  for id in $("$EXE" risk reports --json "${S[@]}" | python3 -c 'import json,sys; [print(r["id"]) for r in json.load(sys.stdin)["reports"]]'); do
    "$EXE" risk show "$id" --json "${S[@]}"
    "$EXE" risk case "$id" --json "${S[@]}" 2>/dev/null
    curl -s "$U/log/proof?format=json&record=risk:$id"
  done
  zl_sql "$STORE" "SELECT record_key, $(zl_hex hash) FROM log_leaf"
  zl_sql "$STORE" "SELECT * FROM risk_reports"
} >"$TMP/public.txt" 2>&1
ok "scan: public output is not empty" test -s "$TMP/public.txt"
for v in "$PHONE" "$NAME" "$IDNO" "$ADDR"; do
  ok "scan: $v on no page, export or log leaf" bash -c "! grep -qF '$v' '$TMP/public.txt'"
done
ok "scan: statistics page counts" grep -q '电热水壶' <(curl -s "$U/complaints")
ok "scan: statistics page has no free text" bash -c "! curl -s '$U/complaints' | grep -q '漏电'"

# ---- encrypted at rest --------------------------------------------------------
zl_snapshot "$STORE" "$TMP/raw.dump"
if ! zl_on_pg; then cat "$STORE"* >>"$TMP/raw.dump" 2>/dev/null; fi
ok "rest: the dump is readable (a description is there)" grep -aqF '壶底漏电' "$TMP/raw.dump"
ok "rest: the raw store holds no phone number" bash -c "! grep -aqF '$PHONE' '$TMP/raw.dump'"
ok "rest: nor the name" bash -c "! grep -aqF '$NAME' '$TMP/raw.dump'"

# ---- verify ---------------------------------------------------------------------
ok "verify: all match" "$EXE" verify "${S[@]}"
is "verify: edit one report" "$(zl_sql_changes "$STORE" "UPDATE risk_reports SET json = replace(json, '壶底漏电', '一切正常') WHERE id = '$C1'")" 1
ok "verify: the edit is caught" bash -c "! '$EXE' verify --store '$STORE' >/dev/null 2>&1"
zl_finish
