#!/usr/bin/env bash
# ws_stream.sh ZHILIANG_EXE - WebSocket streaming of named queries
# (GET /queries/{name}/events?stream=true with Upgrade: websocket, the
# EPCIS 2.0 REST binding), against a real server, with a client written
# here from RFC 6455 (ws_client.py: Python's standard library, raw
# socket; it computes Sec-WebSocket-Accept with hashlib and checks every
# server frame):
#   - bad handshakes are 4xx: no token 401, an operator 403, another
#     party's or no query 404, no stream=true / a schedule / an unknown
#     parameter / no or a short Sec-WebSocket-Key / no Connection: Upgrade
#     400, a version other than 13 426 naming 13;
#   - every event captured after the stream opened that the query selects
#     and the caller may read (GET /events with its token: the oracle)
#     arrives, once, and nothing else: another party's stream gets none
#     of the dairy's own events;
#   - pings are answered, a close is echoed and the TCP connection then
#     closed; bad client frames (unmasked, RSV bits, unknown opcode,
#     control frames too long or fragmented, stray continuations,
#     interleaved messages, a message too big, bad close payloads) close
#     with 1002, 1009 or 1007;
#   - a reconnect with initialRecordTime gets what it missed; a corrected
#     event comes again with its errorDeclaration, not to a stream opened
#     after the event; a deleted query closes its streams; the cap on
#     streams answers 503; a client that reads nothing is dropped while
#     other requests and streams go on; the server's shutdown closes
#     streams with 1001.
# Prints the latency (POST /events answered -> message received, median
# and p99) of the WebSocket beside a webhook subscription's, same run.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 77; }
WSC="python3 $here/ws_client.py"
"$EXE" init --store "$STORE" >/dev/null || exit 1

gln() { # prefix + reference -> 13 digits with the GS1 check digit
  python3 - "$1$2" <<'PY'
import sys
d = sys.argv[1].ljust(12, "0")[:12]
s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(d))
print(d + str((10 - s % 10) % 10))
PY
}
G_FARM=$(gln 6900001 1); G_DAIRY=$(gln 6900002 1); G_PHARM=$(gln 6900004 1)
add() { "$EXE" party add --store "$STORE" "$@" >/dev/null || { echo "Bail out! party add $*"; exit 1; }; }
add --id farm1 --name 青草牧场 --gln "$G_FARM" --prefix 6900001 --region 150102
add --id dairy1 --name 长青乳业 --gln "$G_DAIRY" --prefix 6900002 --region 130102
add --id pharm1 --name 康宁药房 --gln "$G_PHARM" --prefix 6900004 --region 310115
add --id op1 --name 运维 --kind operator
declare -A TOK
for r in farm1 dairy1 pharm1 op1; do TOK[$r]=$("$EXE" token create --party "$r" --store "$STORE" 2>/dev/null); done
"$EXE" query webhook-allow --store "$STORE" 127.0.0.1/32 >/dev/null

# a webhook receiver beside the streams (latency, same run)
cat >"$TMP/receiver.py" <<'PY'
import json, sys, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
log = open(sys.argv[1], "a")
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = time.time()
        evs = json.loads(body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        log.write(json.dumps({"t": now, "events": [e["eventID"] for e in evs]}) + "\n"); log.flush()
        self.send_response(200); self.end_headers()
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
python3 "$TMP/receiver.py" "$TMP/hooks.jsonl" "$TMP/hook.port" &
RPID=$!
LPIDS=()
trap 'kill $RPID "${LPIDS[@]}" 2>/dev/null; cleanup' EXIT
for i in $(seq 1 100); do [ -s "$TMP/hook.port" ] && break; sleep 0.05; done

# a cap of 6 streams and a small per-stream queue held at most 1 s, so
# both can be met
ZL_WS_MAX=6 ZL_WS_QUEUE_BYTES=8192 ZL_WS_SLOW_MS=1000 zl_serve

auth() { echo "Authorization: Bearer ${TOK[$1]}"; }
req() { # role method path [body] -> status; body in $TMP/resp
  local role=$1 m=$2 p=$3
  if [ $# -ge 4 ]; then
    curl -s -o "$TMP/resp" -D "$TMP/hdr" -w '%{http_code}' -X "$m" -H "$(auth "$role")" \
      -H 'Content-Type: application/json' --data-binary "$4" "$U$p"
  else
    curl -s -o "$TMP/resp" -D "$TMP/hdr" -w '%{http_code}' -X "$m" -H "$(auth "$role")" "$U$p"
  fi
}
hdr() { tr -d '\r' <"$TMP/hdr" | sed -n "s/^$1: //Ip" | head -1; }
hs() { # role path [args] -> the handshake's status line and headers
  local role=$1 p=$2; shift 2
  $WSC handshake "$U$p" "${TOK[$role]:-}" "$@"
}
hstatus() { hs "$@" | sed -n 1p; }
listen() { # role path out -> starts a listener, waits for its open line
  $WSC listen "$U$2" "${TOK[$1]}" "$3" &
  LPIDS+=($!)
  for i in $(seq 1 100); do grep -q '"pong"' "$3" 2>/dev/null && break; sleep 0.05; done
}
stop_listener() { # pid: SIGTERM -> the client closes (1000)
  kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null
}
ids() { # out kind(events|declared) -> event IDs received, one a line
  python3 - "$1" "$2" <<'PY'
import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL) # grep -q may stop reading
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["kind"] == "message":
        for e in r[sys.argv[2]]: print(e)
PY
}
kinds() { python3 -c "import json,sys; print(' '.join(json.loads(l)['kind'] + (' %d' % json.loads(l)['code'] if 'code' in json.loads(l) else '') for l in open(sys.argv[1])))" "$1"; }
event() { # k party-gln step [extra]
  printf '{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"ObjectEvent","action":"%s","eventTime":"2026-05-01T%02d:%02d:00+08:00","eventTimeZoneOffset":"+08:00","bizStep":"%s","epcList":["https://id.gs1.org/01/0%s/21/S%d"],"readPoint":{"id":"https://id.gs1.org/414/%s"}%s}' \
    "$([ "$3" = commissioning ] && echo ADD || echo OBSERVE)" $(( $1 / 60 % 24 )) $(( $1 % 60 )) "$3" "$(gln "${2:0:7}" 00099)" "$1" "$2" "${4:-}"
}
loc_id() { python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$(hdr Location)"; }

is "dairy's query (every event it may read) -> 201" "$(req dairy1 POST /queries '{"name":"dq","query":{}}')" 201
is "pharm's query (commissioning) -> 201" "$(req pharm1 POST /queries '{"name":"pq","query":{"EQ_bizStep":["commissioning"]}}')" 201
is "a query naming events -> 201" "$(req dairy1 POST /queries '{"name":"byid","query":{"EQ_eventID":["urn:uuid:1"]}}')" 201

# ---- the handshake ---------------------------------------------------------
S=/queries/dq/events?stream=true
is "no token -> 401" "$($WSC handshake "$U$S" "" | sed -n 1p)" 401
is "an operator's token -> 403" "$(hstatus op1 "$S")" 403
is "another party's query -> 404" "$(hstatus pharm1 "$S")" 404
is "no such query -> 404" "$(hstatus dairy1 /queries/nope/events?stream=true)" 404
is "without stream=true -> 400" "$(hstatus dairy1 /queries/dq/events)" 400
is "stream=false -> 400" "$(hstatus dairy1 "/queries/dq/events?stream=false")" 400
is "a schedule (webhooks only here) -> 400" "$(hstatus dairy1 "/queries/dq/events?minute=5&hour=1")" 400
is "an unknown parameter -> 400" "$(hstatus dairy1 "$S&perPage=3")" 400
is "a bad initialRecordTime -> 400" "$(hstatus dairy1 "$S&initialRecordTime=yesterday")" 400
is "a query naming EQ_eventID -> 400" "$(hstatus dairy1 /queries/byid/events?stream=true)" 400
is "no Sec-WebSocket-Key -> 400" "$(hstatus dairy1 "$S" key=)" 400
is "a key of 15 bytes -> 400" "$(hstatus dairy1 "$S" key=AAAAAAAAAAAAAAAAAAAA)" 400
is "no Connection: Upgrade -> 400" "$(hstatus dairy1 "$S" connection=keep-alive)" 400
is "version 8 -> 426" "$(hstatus dairy1 "$S" version=8)" 426
is "426 names version 13" "$(hs dairy1 "$S" version=8 | sed -n 's/^sec-websocket-version: //p')" 13
# RFC 6455 section 1.3's own example key and accept value
is "the RFC's example: Sec-WebSocket-Accept" "$(hs dairy1 "$S" key=dGhlIHNhbXBsZSBub25jZQ== | sed -n 's/^sec-websocket-accept: //p')" "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
is "a good handshake -> 101 (accept checked by the client)" "$(hstatus dairy1 "$S")" 101
ok "101 carries GS1-Query-Min-Record-Time" bash -c "$WSC handshake '$U$S' '${TOK[dairy1]}' | grep -q '^gs1-query-min-record-time: 20'"
is "without Upgrade: a plain run -> 200" "$(req dairy1 GET /queries/dq/events)" 200

# ---- frames ------------------------------------------------------------------
for c in unmasked rsv opcode bigping fragping cont interleave closebyte closecode; do
  is "bad client frame ($c) -> close 1002, then the connection ends" "$($WSC probe "$U$S" "${TOK[dairy1]}" $c)" "close 1002 eof"
done
is "a client message over 64 KiB -> close 1009" "$($WSC probe "$U$S" "${TOK[dairy1]}" toobig)" "close 1009 eof"
is "a close reason not UTF-8 -> close 1007" "$($WSC probe "$U$S" "${TOK[dairy1]}" closeutf8)" "close 1007 eof"
is "pings inside a fragmented message answered, close echoed" "$($WSC probe "$U$S" "${TOK[dairy1]}" good)" "pong p1 pong p2 close 1000 eof"

# ---- delivery and visibility ---------------------------------------------------
listen dairy1 "$S" "$TMP/dairy.jsonl"; LD=${LPIDS[-1]}
listen pharm1 /queries/pq/events?stream=true "$TMP/pharm.jsonl"; LP=${LPIDS[-1]}
N=24
: >"$TMP/captured"
for k in $(seq 1 $N); do
  case $(( k % 3 )) in
    0) role=farm1; g=$G_FARM ;;
    1) role=dairy1; g=$G_DAIRY ;;
    2) role=pharm1; g=$G_PHARM ;;
  esac
  step=commissioning; [ $(( k % 4 )) = 0 ] && step=inspecting
  s=$(req "$role" POST /events "$(event "$k" "$g" "$step")")
  [ "$s" = 201 ] || echo "# POST /events $k -> $s"
  loc_id >>"$TMP/captured"
done
oracle() { # role query -> the event IDs the query gives the role now
  req "$1" GET "/queries/$2/events?perPage=1000" >/dev/null
  python3 -c "import json; print('\n'.join(e['eventID'] for e in json.load(open('$TMP/resp'))['epcisBody']['queryResults']['resultsBody']['eventList']))" | grep -Fxf "$TMP/captured" | sort
}
oracle dairy1 dq >"$TMP/want.dairy"; oracle pharm1 pq >"$TMP/want.pharm"
for i in $(seq 1 100); do
  ids "$TMP/dairy.jsonl" events | sort >"$TMP/got.dairy"; ids "$TMP/pharm.jsonl" events | sort >"$TMP/got.pharm"
  cmp -s "$TMP/got.dairy" "$TMP/want.dairy" && cmp -s "$TMP/got.pharm" "$TMP/want.pharm" && break
  sleep 0.1
done
is "dairy may read its own 8 (the oracle)" "$(wc -l <"$TMP/want.dairy")" 8
is "dairy's stream: every event it may read, nothing else" "$(diff "$TMP/got.dairy" "$TMP/want.dairy" >/dev/null && echo same)" same
is "pharm's stream: its query's events it may read, nothing else" "$(diff "$TMP/got.pharm" "$TMP/want.pharm" >/dev/null && echo same)" same
ok "pharm's stream got something" test -s "$TMP/got.pharm"
is "pharm's stream got none of the dairy's events" "$(grep -cFxf "$TMP/got.dairy" "$TMP/got.pharm")" 0
is "no event twice on a stream" "$(ids "$TMP/dairy.jsonl" events | sort | uniq -d | wc -l)" 0
is "messages are EPCISQueryDocuments of the named query, without subscriptionID" "$(python3 -c "
import json
r = [json.loads(l) for l in open('$TMP/dairy.jsonl')]
m = [x for x in r if x['kind'] == 'message']
print(all(x['type'] == 'EPCISQueryDocument' and x['queryName'] == 'dq' and x['subscriptionID'] is None for x in m))")" True

# ---- latency: the stream beside a webhook subscription, same events ---------------
is "a webhook subscription on the same query -> 201" "$(req dairy1 POST /queries/dq/subscriptions "{\"dest\":\"http://127.0.0.1:$(cat "$TMP/hook.port")/h\",\"stream\":true}")" 201
# the POSTs come from one Python process: t0 is taken when the 201 is in
# (the capture committed), on the clock the receivers use
python3 - "$U/events" "${TOK[dairy1]}" "$TMP/t0" "$G_DAIRY" "$(gln 6900002 00099)" <<'PY'
import json, sys, time, urllib.parse, urllib.request
url, tok, out, g, gt = sys.argv[1:6]
with open(out, "w") as f:
    for k in range(200, 260):
        ev = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
              "type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-05-02T03:%02d:00+08:00" % (k % 60),
              "eventTimeZoneOffset": "+08:00", "bizStep": "inspecting",
              "epcList": ["https://id.gs1.org/01/0%s/21/T%d" % (gt, k)], "readPoint": {"id": "https://id.gs1.org/414/" + g}}
        rq = urllib.request.Request(url, data=json.dumps(ev).encode(), method="POST",
                                    headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        with urllib.request.urlopen(rq) as r:
            loc = r.headers["Location"]
        t0 = time.time()
        f.write("%s %.6f\n" % (urllib.parse.unquote(loc.split("/events/", 1)[1]), t0))
        time.sleep(0.05)
PY
for i in $(seq 1 100); do
  [ "$(ids "$TMP/dairy.jsonl" events | grep -cFf <(cut -d' ' -f1 "$TMP/t0"))" -ge 60 ] &&
    [ "$(grep -cFf <(cut -d' ' -f1 "$TMP/t0") "$TMP/hooks.jsonl")" -ge 1 ] && break
  sleep 0.1
done
python3 - "$TMP/t0" "$TMP/dairy.jsonl" "$TMP/hooks.jsonl" >"$TMP/lat" <<'PY'
import json, sys
t0 = dict((l.split()[0], float(l.split()[1])) for l in open(sys.argv[1]))
def lat(path, key):
    first = {}
    for l in open(path):
        r = json.loads(l)
        if key and r.get("kind") != "message": continue
        for e in r["events"]:
            if e in t0 and e not in first: first[e] = r["t"]
    return sorted((first[e] - t0[e]) * 1000 for e in first)
out = []
for name, v in (("websocket", lat(sys.argv[2], True)), ("webhook", lat(sys.argv[3], False))):
    p = lambda q: v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
    out.append("%s %d %.1f %.1f" % (name, len(v), p(0.5), p(0.99)))
print("\n".join(out))
PY
read -r _ n_ws med_ws p99_ws < <(sed -n 1p "$TMP/lat")
read -r _ n_wh med_wh p99_wh < <(sed -n 2p "$TMP/lat")
is "the stream got all 60 timed events" "$n_ws" 60
is "the webhook got all 60 timed events" "$n_wh" 60
echo "# latency POST /events answered -> received, 60 events, loopback, $(zl_backend): websocket median $med_ws ms, p99 $p99_ws ms; webhook median $med_wh ms, p99 $p99_wh ms"

# ---- reconnect with initialRecordTime ----------------------------------------------
stop_listener "$LD"
is "client close: the server echoed 1000 and closed TCP" "$(kinds "$TMP/dairy.jsonl" | grep -o 'close 1000 tcp-closed')" "close 1000 tcp-closed"
# missed while away
req dairy1 POST /events "$(event 300 "$G_DAIRY" inspecting)" >/dev/null; MISSED=$(loc_id)
LAST_RT=$(python3 -c "
import json
m = [json.loads(l) for l in open('$TMP/dairy.jsonl')]
print([x for x in m if x['kind'] == 'message'][-1]['recordTimes'][-1])")
listen dairy1 "$S&initialRecordTime=$(python3 -c "import urllib.parse,sys;print(urllib.parse.quote(sys.argv[1]))" "$LAST_RT")" "$TMP/dairy2.jsonl"; LD2=${LPIDS[-1]}
for i in $(seq 1 50); do ids "$TMP/dairy2.jsonl" events | grep -qxF "$MISSED" && break; sleep 0.1; done
is "reconnected with initialRecordTime: the missed event arrives" "$(ids "$TMP/dairy2.jsonl" events | grep -cxF "$MISSED")" 1
is "and nothing recorded before initialRecordTime" "$(python3 -c "
import json
m = [json.loads(l) for l in open('$TMP/dairy2.jsonl')]
print(sum(1 for x in m if x['kind'] == 'message' for t in x['recordTimes'] if t < '$LAST_RT'))")" 0
is "101 says where it starts (GS1-Query-Min-Record-Time)" "$(python3 -c "
import json; print(json.loads(open('$TMP/dairy2.jsonl').readline())['minRecordTime'])")" "$LAST_RT"

# ---- corrections --------------------------------------------------------------
# a stream opened after the event was captured does not get its correction
listen dairy1 "$S" "$TMP/dairy3.jsonl"; LD3=${LPIDS[-1]}
is "the correction (errorDeclaration) -> 201" "$(req dairy1 POST /events "$(event 300 "$G_DAIRY" inspecting ',"errorDeclaration":{"declarationTime":"2026-05-03T08:00:00+08:00","reason":"incorrect_data"}')")" 201
req dairy1 POST /events "$(event 301 "$G_DAIRY" inspecting)" >/dev/null; AFTER=$(loc_id)
for i in $(seq 1 50); do
  ids "$TMP/dairy2.jsonl" declared | grep -qxF "$MISSED" && ids "$TMP/dairy3.jsonl" events | grep -qxF "$AFTER" && break; sleep 0.1
done
is "the stream that had the event gets it again, with errorDeclaration" "$(ids "$TMP/dairy2.jsonl" declared | grep -cxF "$MISSED")" 1
is "the stream opened after it does not" "$(ids "$TMP/dairy3.jsonl" declared | grep -cxF "$MISSED")" 0
is "(that stream is live: it got the next event)" "$(ids "$TMP/dairy3.jsonl" events | grep -cxF "$AFTER")" 1

# ---- bounds: the cap on streams, a client that reads nothing -------------------------
# open now: dairy2, dairy3, pharm: 3 of 6
$WSC slow "$U$S" "${TOK[dairy1]}" "$TMP/slow" "$TMP/slow.go" &
SPID=$!; LPIDS+=($SPID)
for i in $(seq 1 50); do [ -s "$TMP/slow.status" ] && break; sleep 0.1; done
is "the slow client's stream opened" "$(cat "$TMP/slow.status")" 101
req farm1 POST /queries '{"name":"fq","query":{}}' >/dev/null
listen farm1 /queries/fq/events?stream=true "$TMP/farm.jsonl"; LF=${LPIDS[-1]}
listen farm1 /queries/fq/events?stream=true "$TMP/farm2.jsonl"; LF2=${LPIDS[-1]}
is "6 streams open: the 7th -> 503" "$(hstatus farm1 /queries/fq/events?stream=true)" 503
# ~400 KB for the dairy's streams in 4 captures; the slow one stays over
# its queue cap (8 KiB here) for more than 1 s, the others keep up
big() { python3 - "$1" "$G_DAIRY" "$(gln 6900002 00099)" <<'PY'
import json, sys
k, g, gt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ev = [{"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-05-04T01:%02d:%02d+08:00" % (i // 60 % 60, i % 60),
       "eventTimeZoneOffset": "+08:00", "bizStep": "inspecting",
       "epcList": ["https://id.gs1.org/01/0%s/21/B%d-%d-%d" % (gt, k, i, j) for j in range(12)],
       "readPoint": {"id": "https://id.gs1.org/414/" + g}} for i in range(100)]
print(json.dumps({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                  "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-05-04T00:00:00Z",
                  "epcisBody": {"eventList": ev}}))
PY
}
for k in 1 2 3 4; do
  big $k >"$TMP/big.json"
  s=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "$(auth dairy1)" -H 'Content-Type: application/json' --data-binary @"$TMP/big.json" "$U/capture")
  [ "$s" = 202 ] || echo "# capture $k -> $s"
done
t_get=$(curl -s -o /dev/null -w '%{time_total}' -H "$(auth farm1)" "$U/events?perPage=5")
ok "meanwhile a GET /events is answered in under 2 s ($t_get s)" python3 -c "import sys; sys.exit(float('$t_get') >= 2)"
for i in $(seq 1 300); do [ "$(ids "$TMP/dairy3.jsonl" events | wc -l)" -ge 401 ] && break; sleep 0.1; done
is "a stream that reads kept up: all 400 events" "$(ids "$TMP/dairy3.jsonl" events | grep -c '')" 401
sleep 3 # the slow one: over its cap for more than 1 s by now
touch "$TMP/slow.go"
wait "$SPID" 2>/dev/null
read -r slow_bytes slow_end <"$TMP/slow"
ok "the slow client was dropped ($slow_bytes bytes, then $slow_end)" test "$slow_end" = eof -o "$slow_end" = reset
is "after the drop a new stream opens again (a slot freed) -> 101" "$(hstatus farm1 /queries/fq/events?stream=true)" 101

# ---- a token revoked while its stream is open ends the stream -------------------------
"$EXE" token create --party pharm1 --store "$STORE" --json >"$TMP/tok.json"
TOK[pharm2]=$(python3 -c "import json; print(json.load(open('$TMP/tok.json'))['token'])")
stop_listener "$LP" # a slot for it
listen pharm2 /queries/pq/events?stream=true "$TMP/revoked.jsonl"
ok "a stream on a second token of the pharmacy opened" grep -q '"pong"' "$TMP/revoked.jsonl"
"$EXE" token revoke "$(python3 -c "import json; print(json.load(open('$TMP/tok.json'))['id'])")" --store "$STORE" >/dev/null
for i in $(seq 1 50); do grep -q '"close"' "$TMP/revoked.jsonl" && break; sleep 0.1; done
is "token revoked: the stream is closed (1008)" "$(python3 -c "
import json
print(' '.join('%s %d %s' % (r['kind'], r['code'], r['reason']) for r in map(json.loads, open('$TMP/revoked.jsonl')) if r['kind'] == 'close'))")" "close 1008 token revoked"

# ---- a deleted query closes its streams; shutdown closes the rest ---------------------
is "DELETE /queries/fq -> 204" "$(req farm1 DELETE /queries/fq)" 204
for i in $(seq 1 50); do grep -q '"close"' "$TMP/farm.jsonl" && break; sleep 0.1; done
is "its streams are closed (1000, query deleted)" "$(python3 -c "
import json
print(' '.join(r['kind'] + ':' + r.get('reason', '') for r in map(json.loads, open('$TMP/farm.jsonl')) if r['kind'] == 'close'))")" "close:query deleted"
kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=
for i in $(seq 1 50); do grep -q '"close"' "$TMP/dairy3.jsonl" && break; sleep 0.1; done
is "server shutdown: open streams get close 1001" "$(kinds "$TMP/dairy3.jsonl" | grep -o 'close 1001')" "close 1001"
ok "the server exited cleanly" bash -c "! grep -q 'Sanitizer\|runtime error\|PANIC' '$TMP/serve.err'"

kill $RPID 2>/dev/null
zl_finish
