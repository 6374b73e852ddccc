#!/usr/bin/env bash
# spc_stream.sh ZHILIANG_EXE - live SPC streams end to end (issue 13): a
# stream with Phase I limits from the CLI, appends by the CLI and over
# HTTP with the owner's token (another party's token is 403, a bad body
# 400 and nothing stored), an alarm over server-sent events within a
# second, the stream page, and zhiliang verify catching an edited alarm.
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

# ---- CLI: create from Phase I data, append, list -------------------------
# 26 in-control individuals: mean 10.0, moving ranges 0.1 (sigma 0.1/1.128)
{ echo value; for i in $(seq 1 26); do if [ $((i % 2)) = 0 ]; then echo 10.05; else echo 9.95; fi; done; } >"$TMP/p1.csv"
"$EXE" spc stream create bore --chart imr --characteristic "bore diameter" \
  --unit mm --phase1 "$TMP/p1.csv" --owner plant1 --rules nelson1,nelson2 \
  --store "$STORE" --json >"$TMP/c.json"
is "create: center from Phase I" "$(jq '.center*1000|round' "$TMP/c.json")" 10000
is "create: UCL = 10 + 3 * 0.1/d2(2)" "$(jq '.limits[0].ucl*10000|round' "$TMP/c.json")" 102659
is "create twice -> exit 1" "$("$EXE" spc stream create bore --chart imr --characteristic x --center 1 --sigma 1 --store "$STORE" >/dev/null 2>&1; echo $?)" 1
is "bad chart -> exit 2" "$("$EXE" spc stream create b2 --chart ewma2 --characteristic x --center 1 --sigma 1 --store "$STORE" >/dev/null 2>&1; echo $?)" 2
ok "append in control" "$EXE" spc append bore 10.01 9.99 10.02 --store "$STORE"
"$EXE" spc append bore 10 abc --store "$STORE" >/dev/null 2>"$TMP/e.txt"; rc=$?
is "append: bad value -> exit 2" "$rc" 2
ok "append: error names the value" grep -q "value 2: not a number: abc" "$TMP/e.txt"
is "append: a bad code -> exit 1" "$("$EXE" spc append bore 10 --code '(01)09506000134353' --store "$STORE" >/dev/null 2>&1; echo $?)" 1
is "nothing stored by the bad appends" "$("$EXE" spc stream show bore --json --store "$STORE" | jq .measurements)" 3
printf 'value,code,operator\n10.0,,li\n9.9,(01)09506000134352(10)L1,li\nx,,li\n' >"$TMP/bad.csv"
"$EXE" spc append bore --csv "$TMP/bad.csv" --store "$STORE" >/dev/null 2>"$TMP/e.txt"; rc=$?
is "CSV with a bad row -> exit 1" "$rc" 1
ok "CSV error names line and column" grep -q "line 4" "$TMP/e.txt"
is "CSV: nothing stored" "$("$EXE" spc stream show bore --json --store "$STORE" | jq .measurements)" 3
is "list" "$("$EXE" spc stream list --json --store "$STORE" | jq -r '.[0].name')" bore
is "no alarms yet" "$("$EXE" spc alarms bore --json --store "$STORE" | jq length)" 0

# ---- server --------------------------------------------------------------
# event streams: at most 2 open, each ending after 3 s (the test hooks of
# server/spc_api.c; the defaults are 64 and 30 minutes)
ZL_SSE_MAX=2 ZL_SSE_LIFE_S=3 zl_serve
AUTH=(-H "Authorization: Bearer $TOK")
J=(-H 'Content-Type: application/json')
is "POST without token -> 401" "$(status -X POST "${J[@]}" -d '{"values":[10]}' "$U/api/spc/bore")" 401
is "POST with another party's token -> 403" "$(status -X POST "${J[@]}" -H "Authorization: Bearer $OTHER" -d '{"values":[10]}' "$U/api/spc/bore")" 403
is "POST to an unknown stream -> 404" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"values":[10]}' "$U/api/spc/nope")" 404
is "POST bad JSON -> 400" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"values":[10,' "$U/api/spc/bore")" 400
curl -s -X POST "${J[@]}" "${AUTH[@]}" -d '{"measurements":[10,{"value":"x"}]}' "$U/api/spc/bore" >"$TMP/p.json"
is "POST a bad measurement -> problem naming it" "$(jq -r .detail "$TMP/p.json" | grep -c 'measurements\[1\]')" 1
is "POST a bad GS1 code -> 400" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"values":[10,10],"code":"(01)09506000134353"}' "$U/api/spc/bore")" 400
is "nothing stored by the bad POSTs" "$("$EXE" spc stream show bore --json --store "$STORE" | jq .measurements)" 3
is "POST in control -> 200" "$(status -X POST "${J[@]}" "${AUTH[@]}" -d '{"values":[10.01,9.98,10.03]}' "$U/api/spc/bore")" 200
is "GET by another enterprise -> 403" "$(status -H "Authorization: Bearer $OTHER" "$U/api/spc/bore")" 403
is "GET by a regulator -> 200" "$(status -H "Authorization: Bearer $REG" "$U/api/spc/bore")" 200

# server-sent events: an alarm arrives within a second
curl -sN --max-time 6 "${AUTH[@]}" "$U/api/spc/bore/events" >"$TMP/sse.txt" &
SSE=$!
sleep 0.5
is "event stream opened" "$(grep -c 'retry:' "$TMP/sse.txt")" 1
t0=$(date +%s%N)
curl -s -X POST "${J[@]}" "${AUTH[@]}" \
  -d '{"measurements":[{"value":11.5,"code":"(01)09506000134352(10)LOT7","operator":"wang"}]}' \
  "$U/api/spc/bore" >"$TMP/a.json"
is "POST out of limits -> an alarm in the answer" "$(jq -r '.alarms[0].rule' "$TMP/a.json")" nelson1
got=
for i in $(seq 1 50); do
  if grep -q '^event: alarm' "$TMP/sse.txt"; then got=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  sleep 0.02
done
ok "SSE delivered the alarm (${got:-never} ms)" test -n "$got" -a "${got:-9999}" -lt 1000
ok "SSE data is the alarm record" sh -c "grep -A1 '^event: alarm' '$TMP/sse.txt' | grep '^data: ' | head -1 | cut -c7- | jq -e '.rule == \"nelson1\" and .code == \"https://id.gs1.org/01/09506000134352/10/LOT7\"'"
# an alarm appended by the CLI (another process) reaches the stream too
"$EXE" spc append bore 8.5 --store "$STORE" >/dev/null
for i in $(seq 1 50); do [ "$(grep -c '^event: alarm' "$TMP/sse.txt")" -ge 2 ] && break; sleep 0.02; done
ok "SSE delivered the CLI's alarm too" test "$(grep -c '^event: alarm' "$TMP/sse.txt")" -ge 2
# other requests are not held up by the open stream
is "healthz while a stream is open" "$(status --max-time 2 "$U/healthz")" 200
curl -sN --max-time 6 "${AUTH[@]}" "$U/api/spc/bore/events" >/dev/null &
SSE2=$!
sleep 0.3
is "a third event stream past the bound -> 503" "$(status --max-time 2 "${AUTH[@]}" "$U/api/spc/bore/events")" 503
t0=$(date +%s)
wait "$SSE"; rc=$?
is "the event stream ends by itself (max life)" "$rc" 0
ok "... after about 3 s" test $(( $(date +%s) - t0 )) -le 5
wait "$SSE2" 2>/dev/null
is "a new stream after the old ones ended (headers, then cut by the client)" "$(status --max-time 1 "${AUTH[@]}" "$U/api/spc/bore/events")" 200

curl -s "${AUTH[@]}" "$U/api/spc/bore" >"$TMP/g.json"
ok "GET: series, limits, alarms" jq -e '.measurement_count == 8 and (.measurements|length) == 8 and (.limits|length) == 2 and (.alarms|length) >= 2' "$TMP/g.json"
ok "the alarm links the lot to trace and recall" jq -e '.alarms[0].action_en | test("zhiliang recall open --lot")' "$TMP/g.json"
ok "the alarm's trace link" jq -e '.alarms[0].links.trace_forward == "/api/trace/forward?id=https%3A%2F%2Fid.gs1.org%2F01%2F09506000134352%2F10%2FLOT7"' "$TMP/g.json"
is "the trace link answers" "$(status "${AUTH[@]}" "$U$(jq -r '.alarms[0].links.trace_forward' "$TMP/g.json")")" 200
is "GET alarms" "$(curl -s "${AUTH[@]}" "$U/api/spc/bore/alarms?after=1" | jq '.alarms[0].alarm')" 2
curl -s "${AUTH[@]}" "$U/spc/bore?lang=en" >"$TMP/page.html"
ok "stream page: chart" grep -q "<svg" "$TMP/page.html"
ok "stream page: the lot's link" grep -q 'href="/01/09506000134352/10/LOT7"' "$TMP/page.html"
is "stream page without token -> 401" "$(status "$U/spc/bore")" 401
"$EXE" spc stream show bore --svg "$TMP/bore.svg" --store "$STORE" >/dev/null
ok "CLI SVG of the stored series" grep -q "</svg>" "$TMP/bore.svg"

# ---- verify --------------------------------------------------------------
ok "verify: all match" "$EXE" verify --store "$STORE"
is "edit an alarm row" "$(zl_sql_changes "$STORE" "UPDATE spc_records SET json = replace(json, '\"nelson1\"', '\"nelson2\"') WHERE kind = 'alarm' AND seq = 1")" 1
"$EXE" verify --store "$STORE" >"$TMP/v.txt" 2>&1; rc=$?
is "verify: the edited alarm -> exit 1" "$rc" 1
ok "verify names the alarm" grep -q "spc:bore:alarm:1" "$TMP/v.txt"
zl_finish
