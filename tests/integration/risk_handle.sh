#!/usr/bin/env bash
# risk_handle.sh - complaint handling end to end (issue 14), on the run's
# backend: a regulator reviews over HTTP and the CLI (accept, route,
# reject, merge, close), the enterprise answers with its own token and
# nobody else may; each refused step stores nothing; the public page and
# its JSON export publish per-enterprise counts and never the personal
# data, the description or the answer; late incident reports are listed
# as overdue; the public complaint endpoint answers 429 with Retry-After
# past its token bucket; `risk rekey` re-seals the personal data under a
# new key, the old key stops working and verify still passes.
. "$(dirname "$0")/server_common.sh"

PHONE=13712345678
NAME=赵六隐私
IDNO=11010519491231002X
ADDR=朝阳区隐私路9号
openssl rand -hex 32 >"$TMP/pii.key"
openssl rand -hex 32 >"$TMP/new.key"
export ZHILIANG_PII_KEY="$TMP/pii.key"
export ZHILIANG_COMPLAINT_RATE=4:1 # 4 at once, then one a minute
zl_setup
S=(--store "$STORE")
USCC=91350100M000100Y43
OTHER=91130102117504341K
"$EXE" party add --name 北京市市场监督管理局 --id reg-bj --kind regulator \
  --region 11 "${S[@]}" >/dev/null
"$EXE" party add --name 某电器公司 --uscc $USCC "${S[@]}" >/dev/null
"$EXE" party add --name 另一公司 --uscc $OTHER "${S[@]}" >/dev/null
T_ENT=$("$EXE" 2>/dev/null token create --party $USCC "${S[@]}")
T_OTH=$("$EXE" 2>/dev/null token create --party $OTHER "${S[@]}")
T_REG=$("$EXE" 2>/dev/null token create --party reg-bj "${S[@]}")
n_steps() { zl_sql "$STORE" "SELECT count(*) FROM risk_steps" | tr -d ' \n'; }
n_reports() { "$EXE" risk reports --json "${S[@]}" | python3 -c \
  'import json,sys; print(len(json.load(sys.stdin)["reports"]))'; }
post() { curl -s -o "$TMP/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@"; }

# ---- complaints (HTTP, rate limited) -------------------------------------------
C='{"occurred":"2026-12-01","category":"电热水壶","enterprise":"'$USCC'","gs1":"(01)09506000134352(10)K1","description":"壶底漏电隐私描述","personal":{"name":"'$NAME'","phone":"'$PHONE'","id_number":"'$IDNO'","address":"'$ADDR'"}}'
ids=()
for i in 1 2 3 4; do
  is "rate: complaint $i of the burst 201" "$(post --data "$C" "$U/api/risk/complaints")" 201
  ids+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/resp")")
done
code=$(curl -s -D "$TMP/h429" -o "$TMP/resp" -w '%{http_code}' -X POST --data "$C" "$U/api/risk/complaints")
is "rate: the fifth is 429" "$code" 429
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$TMP/h429")
ok "rate: Retry-After is 1 to 60 s ($ra)" test "${ra:-0}" -ge 1 -a "${ra:-0}" -le 60
is "rate: the form shares the bucket" "$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode occurred=2026-12-01 --data-urlencode description=x "$U/complain")" 429
is "rate: nothing stored past the limit" "$(n_reports)" 4
is "rate: an injury report is not limited" "$(post -H "Authorization: Bearer $T_REG" --data '{"occurred":"2026-12-03","hospital":"哨点医院","injury":{"sex":"2","age":7,"cause":"烧烫伤","place":"家中","activity":"休闲活动","intent":"非故意","nature":"other","body_part":"上肢","severity":"轻度","outcome":"discharged"}}' "$U/api/risk/injury")" 201
C1=${ids[0]} C2=${ids[1]} C3=${ids[2]} C4=${ids[3]}

# ---- review over HTTP: roles, states, fields -----------------------------------
is "http: the enterprise may not accept" "$(post -H "Authorization: Bearer $T_ENT" --data '{"action":"accept"}' "$U/api/risk/case/$C1")" 403
is "http: no token 401" "$(post --data '{"action":"accept"}' "$U/api/risk/case/$C1")" 401
is "http: route before accept 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"action":"route"}' "$U/api/risk/case/$C1")" 400
ok "http: the error names action" grep -q '"field":"action"' "$TMP/resp"
is "http: refused steps stored nothing" "$(n_steps)" 0
is "http: regulator accepts 201" "$(post -H "Authorization: Bearer $T_REG" --data '{"action":"accept"}' "$U/api/risk/case/$C1")" 201
is "http: regulator routes 201" "$(post -H "Authorization: Bearer $T_REG" --data '{"action":"route"}' "$U/api/risk/case/$C1")" 201
is "http: another enterprise may not see it" "$(status -H "Authorization: Bearer $T_OTH" "$U/api/risk/case/$C1")" 403
is "http: another enterprise may not answer" "$(post -H "Authorization: Bearer $T_OTH" --data '{"action":"answer","answer":"x"}' "$U/api/risk/case/$C1")" 403
is "http: the enterprise sees its case" "$(status -H "Authorization: Bearer $T_ENT" "$U/api/risk/case/$C1")" 200
is "http: the enterprise answers" "$(post -H "Authorization: Bearer $T_ENT" --data '{"action":"answer","answer":"已上门更换企业答复文本"}' "$U/api/risk/case/$C1")" 201
is "http: close without outcome 400" "$(post -H "Authorization: Bearer $T_REG" --data '{"action":"close"}' "$U/api/risk/case/$C1")" 400
ok "http: the error names outcome" grep -q '"field":"outcome"' "$TMP/resp"
is "http: regulator closes" "$(post -H "Authorization: Bearer $T_REG" --data '{"action":"close","outcome":"agreement"}' "$U/api/risk/case/$C1")" 201
curl -s -H "Authorization: Bearer $T_REG" "$U/api/risk/case/$C1" >"$TMP/case.json"
ok "http: the case is closed with 4 steps" python3 -c '
import json,sys
c=json.load(open(sys.argv[1]))
sys.exit(0 if c["state"]=="closed" and [h["action"] for h in c["history"]]==["accept","route","answer","close"] and c["history"][2]["actor"]!="reg-bj" else 1)' "$TMP/case.json"

# ---- review with the CLI ---------------------------------------------------------
ok "cli: reject needs a reason" bash -c "! '$EXE' risk review $C2 reject --as reg-bj --store '$STORE' 2>/dev/null"
err=$("$EXE" risk review $C2 reject --as reg-bj "${S[@]}" 2>&1)
ok "cli: the error names reason" grep -q '^  reason: ' <<<"$err"
ok "cli: reject with a reason" "$EXE" risk review $C2 reject --as reg-bj --reason 不属于管辖范围 "${S[@]}"
ok "cli: merge a duplicate" "$EXE" risk review $C3 merge --as reg-bj --into $C1 "${S[@]}"
ok "cli: an enterprise may not close" bash -c "! '$EXE' risk review $C4 accept --as $USCC --store '$STORE' 2>/dev/null"
is "cli: case state" "$("$EXE" risk case $C3 --json "${S[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" merged

# ---- overdue: a mandatory incident report made after its deadline ----------------
INC='{"occurred":"2026-09-20","discovered":"2026-09-30","enterprise":"'$USCC'","description":"起火","injured":1}'
is "incident stored" "$(post -H "Authorization: Bearer $T_ENT" --data "$INC" "$U/api/risk/incident")" 201
M=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/resp")
"$EXE" risk overdue --json "${S[@]}" >"$TMP/overdue.json"
ok "overdue: the late incident is listed with its deadline and rule" python3 -c '
import json,sys
o=json.load(open(sys.argv[1]))
m=[x for x in o["overdue"] if x["id"]==sys.argv[2]]
sys.exit(0 if m and m[0]["flag"]=="reported-late" and m[0]["deadline"]=="2026-10-09" and "第二十一条" in o["closeRule"] else 1)' "$TMP/overdue.json" "$M"
ok "overdue: the fresh complaints are not" python3 -c '
import json,sys
o=json.load(open(sys.argv[1]))
sys.exit(0 if not [x for x in o["overdue"] if x["kind"]=="complaint"] else 1)' "$TMP/overdue.json"
echo '{"accept":{"days":-4}}' >"$TMP/bad-deadlines.json"
ok "overdue: a bad deadline file is refused" bash -c "! '$EXE' risk overdue --deadlines '$TMP/bad-deadlines.json' --store '$STORE' 2>/dev/null"

# ---- the false-alarm level is tunable and checked ----------------------------------
ok "signals: --alpha 0.7 is refused" bash -c "! '$EXE' risk signals --reports --method farrington --alpha 0.7 --store '$STORE' 2>/dev/null"
ok "signals: --alpha 0.001 runs" "$EXE" risk signals --reports --method farrington --alpha 0.001 "${S[@]}"

# ---- publication ---------------------------------------------------------------
# one complaint about another enterprise and category: a count of 1
echo '{"occurred":"2026-12-01","category":"电吹风","enterprise":"'$OTHER'","description":"x"}' >"$TMP/one.json"
"$EXE" risk report complaint --json "$TMP/one.json" "${S[@]}" >/dev/null
curl -s "$U/complaints?format=json" >"$TMP/pub.json"
ok "publish: the enterprise row counts by hand" python3 -c '
import json,sys
rows=json.load(open(sys.argv[1]))["rows"]
e=[r for r in rows if r["dim"]=="enterprise" and r["value"]==sys.argv[2]][0]
# 4 complaints: C1 closed agreement, C2 rejected, C3 merged into C1, C4 new
ok=(e["complaints"],e["duplicates"],e["accepted"],e["rejected"],e["closed"],e["resolved"])==(3,1,1,1,1,1)
ok=ok and abs(e["handledShare"]-2/3)<1e-5 and e["medianDaysToClose"]<1
sys.exit(0 if ok else 1)' "$TMP/pub.json" "$USCC"
ok "publish: the page has the handling table" grep -q 'id="handled-enterprise"' <(curl -s "$U/complaints")
ok "publish: fewer than 3 shown as <3, with the reason" bash -c "curl -s '$U/complaints' | grep -q 'class=\"suppressed\">&lt;3' && curl -s '$U/complaints' | grep -q 'id=\"small-counts\"'"
ok "publish: and withheld in the export" python3 -c '
import json,sys
rows=json.load(open(sys.argv[1]))["rows"]
small=[r for r in rows if r.get("suppressed")]
sys.exit(0 if sorted(r["value"] for r in small)==sorted([sys.argv[2], "电吹风"]) and all(r["complaints"] is None and r["lessThan"]==3 for r in small) and all(r["complaints"]>=3 for r in rows if not r.get("suppressed")) else 1)' "$TMP/pub.json" "$OTHER"
ok "publish: the enterprise by its registered name" grep -q '某电器公司 <small>'$USCC'</small>' <(curl -s "$U/complaints")
ok "publish: and in English" grep -q 'How complaints were handled' <(curl -s "$U/complaints?lang=en")
ok "publish: the CLI export agrees" python3 -c '
import json,sys
a=json.load(open(sys.argv[1]))["rows"]; b=json.loads(sys.argv[2])["rows"]
sys.exit(0 if a==b else 1)' "$TMP/pub.json" "$("$EXE" risk published --json "${S[@]}")"

# ---- nothing personal, no free text on the public side ----------------------------
{
  for p in /complaints "/complaints?lang=en" "/complaints?format=json" / /complain; do curl -s "$U$p"; done
  "$EXE" risk published --json "${S[@]}"
  "$EXE" risk published "${S[@]}"
  "$EXE" risk overdue --json "${S[@]}"
  for id in $C1 $C2 $C3 $C4; do
    "$EXE" risk case $id --json "${S[@]}"
    curl -s -H "Authorization: Bearer $T_REG" "$U/api/risk/case/$id"
    curl -s "$U/log/proof?format=json&record=risk-step:$id/1"
  done
  zl_sql "$STORE" "SELECT record_key, $(zl_hex hash) FROM log_leaf"
  zl_sql "$STORE" "SELECT * FROM risk_steps"
} >"$TMP/public.txt" 2>&1
ok "scan: output is not empty" test -s "$TMP/public.txt"
for v in "$PHONE" "$NAME" "$IDNO" "$ADDR"; do
  ok "scan: $v on no page, export, case or step" bash -c "! grep -qF '$v' '$TMP/public.txt'"
done
{ for p in /complaints "/complaints?lang=en" "/complaints?format=json"; do curl -s "$U$p"; done; } >"$TMP/pubonly.txt"
ok "scan: no description published" bash -c "! grep -qF '壶底漏电隐私描述' '$TMP/pubonly.txt'"
ok "scan: no answer published" bash -c "! grep -qF '企业答复文本' '$TMP/pubonly.txt'"
ok "scan: no reason published" bash -c "! grep -qF '不属于管辖范围' '$TMP/pubonly.txt'"
ok "scan: no complaint id published" bash -c "! grep -qF '$C1' '$TMP/pubonly.txt'"

# ---- verify over the steps ---------------------------------------------------------
ok "verify: all match" "$EXE" verify "${S[@]}"

# ---- key rotation -------------------------------------------------------------------
ok "rekey: the old key reveals before" bash -c "'$EXE' risk show $C4 --reveal --as reg-bj --store '$STORE' | grep -q $PHONE"
out=$("$EXE" risk rekey --old-key "$TMP/pii.key" --new-key "$TMP/new.key" "${S[@]}")
ok "rekey: four rows re-sealed ($out)" grep -q 're-sealed 4 personal-data rows' <<<"$out"
ok "rekey: the new key reveals" bash -c "'$EXE' risk show $C4 --reveal --as reg-bj --pii-key '$TMP/new.key' --store '$STORE' | grep -q $PHONE"
ok "rekey: the old key no longer does" bash -c "! '$EXE' risk show $C4 --reveal --as reg-bj --store '$STORE' 2>/dev/null"
ok "rekey: the old key seals nothing more" bash -c "! '$EXE' risk report complaint --json <(echo '$C') --store '$STORE' 2>/dev/null"
ok "rekey: a second rotation from the retired key is refused" bash -c "! '$EXE' risk rekey --old-key '$TMP/pii.key' --new-key '$TMP/new.key' --store '$STORE' 2>/dev/null"
zl_snapshot "$STORE" "$TMP/raw.dump"
if ! zl_on_pg; then cat "$STORE"* >>"$TMP/raw.dump" 2>/dev/null; fi
ok "rekey: the raw store holds no phone number" bash -c "! grep -aqF '$PHONE' '$TMP/raw.dump'"
ok "rekey: verify still passes" "$EXE" verify "${S[@]}"
zl_finish
