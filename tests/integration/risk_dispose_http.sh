#!/usr/bin/env bash
# risk_dispose_http.sh - risk cases over HTTP and on the portal (issue
# 14), on the run's backend: who may open, act, answer and close (401
# without a token, 403 for the wrong party, the enterprise answering its
# own notice only); bad fields answered 400 with field, value and why and
# nothing stored; a consumer warning shown on the lot's page and /warnings
# in Chinese and English while active and gone once done; a recall opened
# through the recall module naming the case; the closed case public
# without the notice, the answer or the notes; the server picking up a
# personal-data key rotation without a restart; verify over it all.
. "$(dirname "$0")/server_common.sh"

openssl rand -hex 32 >"$TMP/pii.key"
openssl rand -hex 32 >"$TMP/new.key"
cp "$TMP/pii.key" "$TMP/server.key"
export ZHILIANG_PII_KEY="$TMP/server.key"
zl_setup
S=(--store "$STORE")
USCC=91350100M000100Y43
OTHER=91130102117504341K
"$EXE" party add --name 北京市市场监督管理局 --id reg-bj --kind regulator \
  --region 11 "${S[@]}" >/dev/null
"$EXE" party add --name 广东省市场监督管理局 --id reg-gd --kind regulator \
  --region 44 "${S[@]}" >/dev/null
"$EXE" party add --name 乳品公司 --uscc $USCC "${S[@]}" >/dev/null
"$EXE" party add --name 另一公司 --uscc $OTHER "${S[@]}" >/dev/null
T_ENT=$("$EXE" 2>/dev/null token create --party $USCC "${S[@]}")
T_OTH=$("$EXE" 2>/dev/null token create --party $OTHER "${S[@]}")
T_REG=$("$EXE" 2>/dev/null token create --party reg-bj "${S[@]}")
T_GD=$("$EXE" 2>/dev/null token create --party reg-gd "${S[@]}")
LOTDL=$(zl_sql "$STORE" "select id from event_ids where role = 6 and id like '%/10/%' order by id limit 1" | tr -d ' \n')
GTIN=$(sed 's|.*/01/\([0-9]*\)/10/.*|\1|' <<<"$LOTDL")
BATCH=$(sed 's|.*/10/||' <<<"$LOTDL")
n_rec() { zl_sql "$STORE" "SELECT count(*) FROM risk_dispo" | tr -d ' \n'; }
post() { curl -s -o "$TMP/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@"; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/resp" "$1"; }
A="$U/api/risk/cases"

# ---- opening: roles and fields ---------------------------------------------
OPEN='{"source":"signal","ref":"3 complaints in 2 days on one lot","enterprise":"'$USCC'","lot":"'$LOTDL'","region":"11","hazard":"瓶盖密封不良导致变质","hazard_en":"Leaking caps let the milk spoil"}'
is "open: no token 401" "$(post --data "$OPEN" "$A")" 401
is "open: an enterprise 403" "$(post -H "Authorization: Bearer $T_ENT" --data "$OPEN" "$A")" 403
is "open: a regulator of another region 403" "$(post -H "Authorization: Bearer $T_GD" --data "$OPEN" "$A")" 403
is "open: bad GTIN 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"source":"signal","gtin":"06901234567893","hazard":"x"}' "$A")" 400
ok "open: the error names gtin and why" python3 -c '
import json,sys
e=json.load(open(sys.argv[1]))
sys.exit(0 if e["stored"] is False and any(x["field"]=="gtin" and "check digit" in x["why"] and x["value"]=="06901234567893" for x in e["errors"]) else 1)' "$TMP/resp"
is "open: unknown member 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"source":"signal","gtin":"'$GTIN'","hazzard":"x"}' "$A")" 400
ok "open: the error names the member" grep -q '"field":"hazzard"' "$TMP/resp"
is "open: not JSON 400" "$(post -H "Authorization: Bearer $T_REG" --data 'nope' "$A")" 400
is "open: a report that is not there 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"source":"report","ref":"C-20260101-000000000000","gtin":"'$GTIN'","hazard":"x"}' "$A")" 400
is "open: refused ones stored nothing" "$(n_rec)" 0
is "open: a regulator of the region 201" "$(post -H "Authorization: Bearer $T_REG" --data "$OPEN" "$A")" 201
CASE=$(field case)
is "open: one record" "$(n_rec)" 1
is "get: anonymous does not see an open case" "$(status "$A/$CASE")" 404
is "get: another enterprise does not either" "$(status -H "Authorization: Bearer $T_OTH" "$A/$CASE")" 404
is "get: the enterprise named sees it" "$(status -H "Authorization: Bearer $T_ENT" "$A/$CASE")" 200
is "get: bad state 400" "$(status -H "Authorization: Bearer $T_REG" "$A?state=odd")" 400
is "method: PUT 405" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$A/$CASE")" 405

# ---- a consumer warning on the lot's page ----------------------------------
W='{"kind":"warning","title":"暂停饮用该批次","title_en":"Do not drink this lot","text":"瓶盖可能漏气，请勿饮用并退货。","text_en":"The cap may leak: do not drink it, return it."}'
is "warning: without English 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"kind":"warning","title":"x","text":"y"}' "$A/$CASE/actions")" 400
ok "warning: the errors name title_en and text_en" bash -c "grep -q '\"field\":\"title_en\"' '$TMP/resp' && grep -q '\"field\":\"text_en\"' '$TMP/resp'"
is "warning: the enterprise may not 403" "$(post -H "Authorization: Bearer $T_ENT" --data "$W" "$A/$CASE/actions")" 403
is "warning: bad kind 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"kind":"ban"}' "$A/$CASE/actions")" 400
is "warning: nothing stored" "$(n_rec)" 1
is "warning: issued 201" "$(post -H "Authorization: Bearer $T_REG" --data "$W" "$A/$CASE/actions")" 201
WN=$(field n)
curl -s "$U/api/risk/warnings?gtin=$GTIN" >"$TMP/w.json"
ok "warnings API lists it" python3 -c '
import json,sys
w=json.load(open(sys.argv[1]))["warnings"]
sys.exit(0 if len(w)==1 and w[0]["titleEn"]=="Do not drink this lot" and w[0]["lot"]==sys.argv[2] else 1)' "$TMP/w.json" "$BATCH"
PAGE="/01/$GTIN/10/$BATCH"
curl -s "$U$PAGE" >"$TMP/p.html"
ok "lot page: the warning box" grep -q 'id="warnings"' "$TMP/p.html"
ok "lot page: in Chinese" grep -qF '暂停饮用该批次' "$TMP/p.html"
ok "lot page: in English" bash -c "curl -s '$U$PAGE?lang=en' | grep -qF 'Do not drink this lot'"
ok "product page: the warning too" bash -c "curl -s '$U/01/$GTIN' | grep -qF '暂停饮用该批次'"
ok "/warnings lists it" bash -c "curl -s '$U/warnings' | grep -qF '瓶盖可能漏气'"
ok "home links /warnings" bash -c "curl -s '$U/' | grep -qF 'href=\"/warnings'"

# ---- a notice the enterprise answers ---------------------------------------
is "notice: sent 201" "$(post -H "Authorization: Bearer $T_REG" --data '{"kind":"notice","text":"请十个工作日内报告原因和整改措施"}' "$A/$CASE/actions")" 201
NN=$(field n)
is "answer: no token 401" "$(post --data '{"answer":"x"}' "$A/$CASE/actions/$NN/answer")" 401
is "answer: another enterprise 403" "$(post -H "Authorization: Bearer $T_OTH" --data '{"answer":"x"}' "$A/$CASE/actions/$NN/answer")" 403
is "answer: a warning is not answered 400" "$(post -H "Authorization: Bearer $T_ENT" --data '{"answer":"x"}' "$A/$CASE/actions/$WN/answer")" 400
is "answer: empty 400" "$(post -H "Authorization: Bearer $T_ENT" --data '{}' "$A/$CASE/actions/$NN/answer")" 400
is "answer: no such action 400" "$(post -H "Authorization: Bearer $T_ENT" --data '{"answer":"x"}' "$A/$CASE/actions/99/answer")" 400
is "answer: refused ones stored nothing" "$(n_rec)" 3
is "answer: the enterprise 201" "$(post -H "Authorization: Bearer $T_ENT" --data '{"answer":"更换瓶盖供应商答复文本"}' "$A/$CASE/actions/$NN/answer")" 201

# ---- a recall through the recall module ------------------------------------
is "recall: class 4 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"kind":"recall","class":4}' "$A/$CASE/actions")" 400
is "recall: opened 201" "$(post -H "Authorization: Bearer $T_REG" --data '{"kind":"recall","class":2}' "$A/$CASE/actions")" 201
RN=$(field n)
curl -s -H "Authorization: Bearer $T_REG" "$A/$CASE" >"$TMP/c.json"
RECALL=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print([a["recall"] for a in c["actions"] if a["kind"]=="recall"][0])' "$TMP/c.json")
ok "recall: its record names the case" bash -c "'$EXE' recall status '$RECALL' --json --store '$STORE' | grep -qF '$CASE'"
is "recall: done while its case is open 400" "$(post -H "Authorization: Bearer $T_REG" --data '{}' "$A/$CASE/actions/$RN/done")" 400

# ---- closing -------------------------------------------------------------------
is "done: the warning 201" "$(post -H "Authorization: Bearer $T_REG" --data '{"note":"召回完成撤下警示备注"}' "$A/$CASE/actions/$WN/done")" 201
ok "done: the warning is off the lot page" bash -c "! curl -s '$U$PAGE' | grep -q 'id=\"warnings\"'"
ok "done: and off the API" bash -c "curl -s '$U/api/risk/warnings' | grep -q '\"warnings\": *\[\]'"
is "done: the notice 201" "$(post -H "Authorization: Bearer $T_REG" --data '{}' "$A/$CASE/actions/$NN/done")" 201
"$EXE" recall close "$RECALL" --summary 已下架 --force 测试 "${S[@]}" >/dev/null
is "done: the recall 201" "$(post -H "Authorization: Bearer $T_REG" --data '{}' "$A/$CASE/actions/$RN/done")" 201
is "close: no outcome 400" "$(post -H "Authorization: Bearer $T_REG" --data '{}' "$A/$CASE/close")" 400
is "close: the enterprise may not 403" "$(post -H "Authorization: Bearer $T_ENT" --data '{"outcome":"x"}' "$A/$CASE/close")" 403
is "close: 201" "$(post -H "Authorization: Bearer $T_REG" --data '{"outcome":"企业召回并更换供应商","outcome_en":"Recalled; the supplier was replaced"}' "$A/$CASE/close")" 201
is "close: twice 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"outcome":"x"}' "$A/$CASE/close")" 400
is "public: anonymous sees the closed case" "$(status "$A/$CASE")" 200
curl -s "$A" >"$TMP/pub.json"
curl -s "$A/$CASE" >>"$TMP/pub.json"
curl -s "$U/warnings" >>"$TMP/pub.json"
curl -s "$U/warnings?lang=en" >>"$TMP/pub.json"
ok "public: the case is listed" grep -qF "$CASE" "$TMP/pub.json"
ok "public: in English" grep -qF 'Recalled; the supplier was replaced' "$TMP/pub.json"
for secret in 更换瓶盖供应商答复文本 召回完成撤下警示备注 请十个工作日内报告原因和整改措施 '3 complaints in 2 days'; do
  ok "public: no '$secret'" bash -c "! grep -qF '$secret' '$TMP/pub.json'"
done

# ---- a key rotation reaches the running server -------------------------------
C='{"occurred":"2026-12-01","description":"x","personal":{"phone":"13912345678"}}'
is "rekey: a complaint with personal data before" "$(post --data "$C" "$U/api/risk/complaints")" 201
"$EXE" risk rekey --old-key "$TMP/pii.key" --new-key "$TMP/new.key" "${S[@]}" >/dev/null
is "rekey: the retired key refuses (503)" "$(post --data "$C" "$U/api/risk/complaints")" 503
cp "$TMP/new.key" "$TMP/server.key.new" && mv "$TMP/server.key.new" "$TMP/server.key"
is "rekey: the new key file is used without a restart" "$(post --data "$C" "$U/api/risk/complaints")" 201
ok "rekey: the server is the same process" kill -0 "$PID"

ok "verify" "$EXE" verify "${S[@]}"
zl_finish
