#!/usr/bin/env bash
# spc_live.sh ZHILIANG_EXE - what issue 13's live streams gained (the
# session of 2026-12-06): EWMA and CUSUM streams from the CLI and over
# HTTP, p samples with their own size, limit revisions as logged versions
# (history, alarms naming the version, verify catching an edit), alarms
# naming every lot of the point that fired, and the tickets that let a
# browser's EventSource follow a stream: a ticket for another stream is
# 403, an expired, forged or unknown one 401, a ticket never appends, and
# an open feed renews it. The browser itself: spc_live_browser.sh.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"

"$EXE" init --store "$STORE" >/dev/null || { echo "Bail out! init"; exit 1; }
add() { "$EXE" party add --store "$STORE" "$@" >/dev/null || { echo "Bail out! party add $*"; exit 1; }; }
add --id plant1 --name 精密机加 --gln 0614141000005 --prefix 0614141
add --id other1 --name 别家工厂 --gln 4012345000009 --prefix 4012345
add --id reg1 --name 市场监督管理局 --kind regulator --region 13
TOK=$("$EXE" token create --party plant1 --store "$STORE" 2>/dev/null)
OTHER=$("$EXE" token create --party other1 --store "$STORE" 2>/dev/null)
REG=$("$EXE" token create --party reg1 --store "$STORE" 2>/dev/null)
ok "tokens" test -n "$TOK" -a -n "$OTHER" -a -n "$REG"
Z() { "$EXE" "$@" --store "$STORE"; }

# ---- EWMA, CUSUM, p with sample sizes: CLI ---------------------------------
Z spc stream create fill --chart ewma --characteristic "fill volume" --unit mL \
  --center 500 --sigma 2 --lambda 0.2 --L 2.962 --owner plant1 --json >"$TMP/f.json"
# steady-state UCL = 500 + 2.962 * 2 * sqrt(0.2 / 1.8)
is "ewma: steady-state UCL" "$(jq '.limits[0].ucl*1000|round' "$TMP/f.json")" 501975
is "ewma: lambda and L kept" "$(jq -c '[.lambda, .L]' "$TMP/f.json")" "[0.2,2.962]"
is "ewma: --k refused" "$(Z spc stream create f2 --chart ewma --characteristic x --center 1 --sigma 1 --k 1 >/dev/null 2>&1; echo $?)" 2
is "ewma: lambda 1.5 refused" "$(Z spc stream create f2 --chart ewma --characteristic x --center 1 --sigma 1 --lambda 1.5 >/dev/null 2>&1; echo $?)" 1
Z spc stream create shaft --chart cusum --size 4 --characteristic "shaft diameter" \
  --center 0 --sigma 1 --k 0.5 --h 4 --owner plant1 >/dev/null
Z spc stream create caps --chart p --size 50 --center 0.1 --characteristic "misapplied caps" \
  --rules nelson1 --owner plant1 >/dev/null
Z spc stream create bore --chart imr --characteristic "bore" --center 10 --sigma 0.1 --owner plant1 >/dev/null
# a 1.5-sigma shift: no single value beyond 500 +- 6, the EWMA sees it
Z spc append fill $(for i in $(seq 20); do printf '500 '; done) >/dev/null
Z spc append fill $(for i in $(seq 10); do printf '503 '; done) --json >"$TMP/a.json"
is "ewma: one alarm on the shift" "$(jq '.alarm_count' "$TMP/a.json")" 1
is "ewma: the rule" "$(jq -r '.alarms[0].rule' "$TMP/a.json")" "EWMA above UCL"
is "ewma: checked against limits v1" "$(jq '.alarms[0].limits_version' "$TMP/a.json")" 1
# CUSUM on subgroups of 4 whose point spans two appends: every lot named
Z spc append shaft 3 3 --code '(01)09506000134352(10)A1' >/dev/null
Z spc append shaft 3 3 --code '(01)09506000134352(10)B2' --json >"$TMP/c.json"
is "cusum: the rule" "$(jq -r '.alarms[0].rule' "$TMP/c.json")" "CUSUM upper"
is "cusum: the codes of all four measurements" "$(jq -c '.alarms[0].codes' "$TMP/c.json")" \
  '["https://id.gs1.org/01/09506000134352/10/A1","https://id.gs1.org/01/09506000134352/10/B2"]'
ok "cusum: the action traces both lots" jq -e '.alarms[0].action_en | test("A1") and test("B2")' "$TMP/c.json"
# p: 40 of 200 is beyond the limit at n = 200 (0.164), not at n = 50 (0.227)
Z spc append caps 5 40/200 11/50 --json >"$TMP/p.json"
is "p: 40/200 fires, 11/50 does not" "$(jq -c '[.alarms[] | .last]' "$TMP/p.json")" "[2]"
is "p: the alarm carries the sample size" "$(jq '.alarms[0].sample_size' "$TMP/p.json")" 200
printf 'value,n\n3,40\n30,100\n' >"$TMP/n.csv"
is "p: CSV column n" "$(Z spc append caps --csv "$TMP/n.csv" --json | jq -c '[.alarms[] | .sample_size]')" "[100]"
is "a sample size on an ewma stream -> exit 1" "$(Z spc append fill 3/5 >/dev/null 2>&1; echo $?)" 1
is "a count above its own sample -> exit 1" "$(Z spc append caps 60/50 >/dev/null 2>&1; echo $?)" 1

# ---- limit revision --------------------------------------------------------
is "revise without a reason -> exit 2" "$(Z spc stream revise fill --center 503 --sigma 2 >/dev/null 2>&1; echo $?)" 2
is "revise by another party -> exit 1" "$(Z spc stream revise fill --center 503 --sigma 2 --reason x --as other1 >/dev/null 2>&1; echo $?)" 1
ok "revise: given values" Z spc stream revise fill --center 503 --sigma 2 --reason "new filler head, target 503 mL"
ok "revise: Phase I over the stream's points 1..30" Z spc stream revise fill --points 1:30 --reason "re-estimated"
is "revise: points beyond the data -> exit 1" "$(Z spc stream revise fill --points 20:99 --reason x >/dev/null 2>&1; echo $?)" 1
Z spc stream show fill --json >"$TMP/h.json"
is "history: three versions, oldest first" "$(jq -c '[.limits_history[].version]' "$TMP/h.json")" "[1,2,3]"
is "history: the reason of v2" "$(jq -r '.limits_history[1].reason' "$TMP/h.json")" "new filler head, target 503 mL"
# Phase I over 20 x 500 and 10 x 503: mean 501, one moving range of 3 in 29
is "v3: the Phase I centre" "$(jq '.center*1000|round' "$TMP/h.json")" 501000
is "v3: sigma = (3/29)/d2(2)" "$(jq '.sigma*1e6|round' "$TMP/h.json")" "$(awk 'BEGIN{printf "%d", 3/29/1.128379167*1e6+0.5}')"
ok "show: text lists the history" sh -c "'$EXE' spc stream show fill --store '$STORE' | grep -q 'limits v2 .*given values'"
Z spc append fill 499 --json >"$TMP/a2.json"
is "a later alarm names limits v3" "$(jq '.alarms[0].limits_version' "$TMP/a2.json")" 3

# ---- server: tickets -------------------------------------------------------
# tickets live 2 s here (test hook; 2 minutes by default), heartbeats 1 s
ZL_SPC_TICKET_TTL_S=2 ZL_SSE_BEAT_S=1 ZL_SSE_LIFE_S=4 zl_serve
AUTH=(-H "Authorization: Bearer $TOK")
J=(-H 'Content-Type: application/json')
is "ticket without a token -> 401" "$(status -X POST "$U/api/spc/fill/ticket")" 401
is "ticket with another party's token -> 403" "$(status -X POST -H "Authorization: Bearer $OTHER" "$U/api/spc/fill/ticket")" 403
is "ticket: GET -> 405" "$(status "${AUTH[@]}" "$U/api/spc/fill/ticket")" 405
curl -s -X POST "${AUTH[@]}" "$U/api/spc/fill/ticket" >"$TMP/t.json"
T=$(jq -r .ticket "$TMP/t.json")
ok "ticket issued" test -n "$T" -a "$T" != null
ok "ticket carries no token" sh -c "! grep -q '$TOK' '$TMP/t.json'"
is "events with the ticket -> 200" "$(status --max-time 1 "$U/api/spc/fill/events?ticket=$T")" 200
is "GET the stream with the ticket -> 200" "$(status "$U/api/spc/fill?ticket=$T")" 200
is "chart.svg with the ticket -> 200" "$(status "$U/api/spc/fill/chart.svg?ticket=$T")" 200
is "the ticket on another stream -> 403" "$(status --max-time 1 "$U/api/spc/bore/events?ticket=$T")" 403
is "the ticket on another stream's chart -> 403" "$(status "$U/api/spc/bore/chart.svg?ticket=$T")" 403
is "a ticket does not append -> 401" "$(status -X POST "${J[@]}" -d '{"values":[500]}' "$U/api/spc/fill?ticket=$T")" 401
is "a ticket does not open the portal page -> 401" "$(status "$U/spc/fill?ticket=$T")" 401
FORGED=$(printf '%s' "$T" | sed 's/.$/0/'); [ "$FORGED" = "$T" ] && FORGED=$(printf '%s' "$T" | sed 's/.$/1/')
is "a forged ticket -> 401" "$(status --max-time 1 "$U/api/spc/fill/events?ticket=$FORGED")" 401
# a ticket naming another stream, re-signed? impossible without the key:
# swap the stream inside the payload and keep the signature
PAY=${T%%.*}; MAC=${T#*.}
SWAP=$(printf '%s' "$PAY" | xxd -r -p | sed '1s/^fill$/bore/' | xxd -p | tr -d '\n')
is "a ticket edited to another stream -> 401" "$(status --max-time 1 "$U/api/spc/bore/events?ticket=$SWAP.$MAC")" 401
is "garbage -> 401" "$(status --max-time 1 "$U/api/spc/fill/events?ticket=zz")" 401
# an open feed renews the ticket; the first one expires. A fresh ticket
# for it: the checks above may take longer than the 2 s TTL on a busy box
T=$(curl -s -X POST "${AUTH[@]}" "$U/api/spc/fill/ticket" | jq -r .ticket)
curl -sN --max-time 3.5 "$U/api/spc/fill/events?ticket=$T" >"$TMP/sse.txt" &
SSE=$!
sleep 0.5
curl -s -X POST "${J[@]}" "${AUTH[@]}" -d '{"measurements":[{"value":498,"code":"(01)09506000134352(10)L9"}]}' "$U/api/spc/fill" >/dev/null
wait "$SSE"
ok "feed: a measurement event" grep -q '^event: measurement' "$TMP/sse.txt"
ok "feed: the measurement's code" sh -c "grep -A1 '^event: measurement' '$TMP/sse.txt' | grep -q 'L9'"
ok "feed: renewed tickets" test "$(grep -c '^event: ticket' "$TMP/sse.txt")" -ge 2
T2=$(grep -A1 '^event: ticket' "$TMP/sse.txt" | sed -n 's/^data: //p' | tail -1)
ok "the renewed ticket is new" test -n "$T2" -a "$T2" != "$T"
sleep 0.5
is "the first ticket has expired -> 401" "$(status --max-time 1 "$U/api/spc/fill/events?ticket=$T")" 401
curl -s "$U/api/spc/fill/events?ticket=$T" >"$TMP/e401.json"
ok "401 says it expired" jq -e '.detail | test("expired")' "$TMP/e401.json"
is "the renewed one opens the feed -> 200" "$(status --max-time 1 "$U/api/spc/fill/events?ticket=$T2")" 200
is "a regulator's ticket -> 200" "$(status --max-time 1 "$U/api/spc/fill/events?ticket=$(curl -s -X POST -H "Authorization: Bearer $REG" "$U/api/spc/fill/ticket" | jq -r .ticket)")" 200

# ---- server: appends with sample sizes, the page ------------------------------
curl -s -X POST "${J[@]}" "${AUTH[@]}" -d '{"measurements":[{"value":1},{"value":40,"n":200}]}' "$U/api/spc/caps" >"$TMP/pa.json"
is "POST p with n: the alarm" "$(jq '.alarms[0].sample_size' "$TMP/pa.json")" 200
is "POST n: 0 -> 400" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"measurements":[{"value":1,"n":0}]}' "$U/api/spc/caps")" 400
is "GET: the series carries n" "$(curl -s "${AUTH[@]}" "$U/api/spc/caps" | jq '[.measurements[] | select(.n == 200)] | length')" 2
is "GET cusum: no lower limit is null" "$(curl -s "${AUTH[@]}" "$U/api/spc/shaft" | jq -c '.limits[0].lcl')" null
curl -s "${AUTH[@]}" "$U/spc/fill?lang=en" >"$TMP/page.html"
ok "page: a ticket for the feed" grep -q 'id="spc-live" data-stream="fill" data-ticket="[0-9a-f]*\.[0-9a-f]\{64\}"' "$TMP/page.html"
ok "page: the script" grep -q 'src="/static/spc_live.js"' "$TMP/page.html"
ok "page: limits version" grep -q 'version 3' "$TMP/page.html"
is "the script is served" "$(status "$U/static/spc_live.js")" 200

# ---- server: limit revisions -----------------------------------------------
is "POST limits without a token -> 401" "$(status -X POST "${J[@]}" -d '{"reason":"x","center":500,"sigma":2}' "$U/api/spc/fill/limits")" 401
is "POST limits by another party -> 403" "$(status -X POST "${J[@]}" -H "Authorization: Bearer $OTHER" -d '{"reason":"x","center":500,"sigma":2}' "$U/api/spc/fill/limits")" 403
is "POST limits without a reason -> 400" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"center":500,"sigma":2}' "$U/api/spc/fill/limits")" 400
is "POST limits with both kinds -> 400" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"reason":"x","center":500,"from":1,"to":9}' "$U/api/spc/fill/limits")" 400
curl -s -X POST "${J[@]}" "${AUTH[@]}" -d '{"reason":"back to 500 mL","center":500,"sigma":2}' "$U/api/spc/fill/limits" >"$TMP/l.json"
is "POST limits: version 4" "$(jq .limits_version "$TMP/l.json")" 4
is "POST limits: Phase I beyond the data -> 400" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"reason":"trial","from":1,"to":20}' "$U/api/spc/bore/limits")" 400
curl -s -X POST "${J[@]}" "${AUTH[@]}" -d "{\"values\":[$(for i in $(seq 10); do printf '10.1,9.9,'; done | sed 's/,$//')]}" "$U/api/spc/bore" >/dev/null
# 10.1, 9.9, ...: mean 10, every moving range 0.2: sigma 0.2 / d2(2)
is "POST limits: Phase I over points 1..20" "$(curl -s -X POST "${J[@]}" "${AUTH[@]}" -d '{"reason":"trial","from":1,"to":20}' "$U/api/spc/bore/limits" | jq -c '[.limits_version, (.center*1000|round), (.sigma*1e6|round)]')" "[2,10000,$(awk 'BEGIN{printf "%d", 0.2/1.128379167*1e6+0.5}')]"
is "GET: the current version" "$(curl -s "${AUTH[@]}" "$U/api/spc/fill" | jq .limits_version)" 4

# ---- verify --------------------------------------------------------------
ok "verify: all match" "$EXE" verify --store "$STORE"
is "edit a limits version" "$(zl_sql_changes "$STORE" "UPDATE spc_records SET json = replace(json, '\"center\":503', '\"center\":502') WHERE kind = 'limits' AND seq = 2 AND stream = 'fill'")" 1
"$EXE" verify --store "$STORE" >"$TMP/v.txt" 2>&1; rc=$?
is "verify: the edited limits -> exit 1" "$rc" 1
ok "verify names the limits version" grep -q "spc:fill:limits:2" "$TMP/v.txt"
zl_finish
