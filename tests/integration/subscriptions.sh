#!/usr/bin/env bash
# subscriptions.sh ZHILIANG_EXE - named queries, webhook subscriptions,
# POST /events, GS1-Capture-Error-Behaviour: proceed and XML query
# results, against a real server and a webhook receiver of our own
# (python3's http.server) that checks every delivery independently:
#   - GS1-Signature is base64 HMAC-SHA256 of the body under the
#     subscription's secret (Python's hmac, not our code);
#   - every event captured after the subscription and readable by its
#     owner (GET /events with the owner's token: the oracle) arrives,
#     and none other: visibility holds, nothing is lost;
#   - an Idempotency-Key always carries the same body, and no event comes
#     under two keys: nothing is repeated, across a kill -9 of the server
#     in the middle of the stream and a restart, and across receiver
#     failures (503s) that force retries with backoff;
#   - a recall opened on goods a party holds reaches that party's recall
#     subscription, and not a party that holds none;
#   - internal webhook addresses (loopback, private, link-local, their
#     IPv4-in-IPv6 and numeric spellings) are refused at creation until
#     the operator allows them, and at delivery when the allowance is
#     withdrawn: the batch waits, is reported, and arrives once allowed;
#   - a dest whose name does not resolve is refused at creation; an
#     allowance for one party's webhooks (webhook-allow --party) does not
#     open the range to another party's;
#   - an event declared erroneous after its delivery (a corrective event)
#     is delivered again with its errorDeclaration to the subscription
#     whose query selected it, and to no other: not to another query's,
#     not to a subscription made after the event was recorded.
# Prints the delivery latency (capture commit -> receiver, median and
# p99) as a benchmark line.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 77; }
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
GT_MILK=0$(gln 6900001 00011)
MILK="https://id.gs1.org/01/$GT_MILK/10/MILK1"
add() { "$EXE" party add --store "$STORE" "$@" >/dev/null || { echo "Bail out! party add $*"; exit 1; }; }
add --id farm1 --name 青草牧场 --gln "$G_FARM" --prefix 6900001 --region 150102
add --id dairy1 --name 长青乳业 --gln "$G_DAIRY" --prefix 6900002 --region 130102
add --id pharm1 --name 康宁药房 --gln "$G_PHARM" --prefix 6900004 --region 310115
declare -A TOK
for r in farm1 dairy1 pharm1; do TOK[$r]=$("$EXE" token create --party "$r" --store "$STORE" 2>/dev/null); done

# ---- the webhook receiver ---------------------------------------------------
cat >"$TMP/secrets.json" <<'JSON'
{"dairy": "dairy-secret-1", "pharm": "pharm-secret-2", "dairyrecall": "r3", "pharmrecall": "r4", "pharmsched": "r5", "dairylate": "r6", "dairytmp": "r7"}
JSON
cat >"$TMP/receiver.py" <<'PY'
import base64, hashlib, hmac, json, sys, time, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
secrets = json.load(open(sys.argv[1]))
log = open(sys.argv[2], "a")
fail_first = int(sys.argv[4])
lock = threading.Lock()
seen = {"n": 0}
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = time.time()
        name = self.path.rsplit("/", 1)[-1]
        with lock: # the dairy's stream is refused 3 times
            if name == "dairy": seen["n"] += 1
            failing = name == "dairy" and seen["n"] <= fail_first
        if failing: # refused, but noted: its retry must be the same bytes
            with lock:
                log.write(json.dumps({"failed": True, "key": self.headers.get("Idempotency-Key", ""),
                                      "sha": hashlib.sha256(body).hexdigest()}) + "\n"); log.flush()
            self.send_response(503); self.end_headers(); return
        sig = self.headers.get("GS1-Signature", "")
        want = base64.b64encode(hmac.new(secrets[name].encode(), body, hashlib.sha256).digest()).decode()
        doc = json.loads(body)
        evs = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        rec = {"sub": name, "key": self.headers.get("Idempotency-Key", ""),
               "sig_ok": hmac.compare_digest(sig, want),
               "sha": hashlib.sha256(body).hexdigest(), "t": now,
               "events": [e.get("eventID") for e in evs if "errorDeclaration" not in e],
               "declared": [e.get("eventID") for e in evs if "errorDeclaration" in e],
               "recalls": [r["record"]["case"] for r in doc.get("zhiliang:recalls", [])]}
        with lock:
            log.write(json.dumps(rec) + "\n"); log.flush()
        self.send_response(200); self.end_headers()
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[3], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
python3 "$TMP/receiver.py" "$TMP/secrets.json" "$TMP/hooks.jsonl" "$TMP/hook.port" 3 &
RPID=$!
trap 'kill $RPID 2>/dev/null; cleanup' EXIT
for i in $(seq 1 100); do [ -s "$TMP/hook.port" ] && break; sleep 0.05; done
HOOK="http://127.0.0.1:$(cat "$TMP/hook.port")/hook"

zl_serve

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
jq_() { python3 -c "import json,sys; d=json.load(open('$TMP/resp')); print($1)"; }

# ---- named queries ------------------------------------------------------------
is "POST /queries -> 201" "$(req dairy1 POST /queries '{"name":"dq","query":{}}')" 201
is "Location of the query" "$(hdr Location)" "/queries/dq"
is "same name again -> 409" "$(req pharm1 POST /queries '{"name":"dq","query":{}}')" 409
is "bad parameter -> 400" "$(req dairy1 POST /queries '{"name":"bad","query":{"EQ_bizStepp":["x"]}}')" 400
is "bad parameter named" "$(jq_ "'EQ_bizStepp' in d['detail']")" True
is "bad name -> 400" "$(req dairy1 POST /queries '{"name":"a/b","query":{}}')" 400
is "pagination in a definition -> 400" "$(req dairy1 POST /queries '{"name":"pp","query":{"perPage":5}}')" 400
is "pharm query -> 201" "$(req pharm1 POST /queries '{"name":"pq","query":{"EQ_bizStep":["commissioning"],"eventType":["ObjectEvent"]}}')" 201
is "recall-only query -> 201" "$(req dairy1 POST /queries '{"name":"dr","query":{"EQ_bizStep":["destroying"]}}')" 201
is "pharm recall query -> 201" "$(req pharm1 POST /queries '{"name":"pr","query":{"EQ_bizStep":["destroying"]}}')" 201
is "GET /queries -> 200" "$(req dairy1 GET /queries)" 200
is "GET /queries lists the caller's own" "$(jq_ "sorted(q['name'] for q in d)")" "['dq', 'dr']"
is "GET /queries/pq -> 200" "$(req pharm1 GET /queries/pq)" 200
is "definition as saved" "$(jq_ "d['query']['EQ_bizStep']")" "['commissioning']"
is "another party's query -> 404" "$(req dairy1 GET /queries/pq)" 404
is "another party's run -> 404" "$(req dairy1 GET /queries/pq/events)" 404

# ---- subscriptions --------------------------------------------------------------
sub() { # role query name extra-json
  req "$1" POST "/queries/$2/subscriptions" \
    "{\"dest\":\"$HOOK/$3\",\"signatureToken\":$(python3 -c "import json;print(json.dumps(json.load(open('$TMP/secrets.json'))['$3']))")$4}"
}
is "subscribe without stream or schedule -> 400" "$(req dairy1 POST /queries/dq/subscriptions "{\"dest\":\"$HOOK/dairy\"}")" 400
is "subscribe with a bad dest -> 400" "$(req dairy1 POST /queries/dq/subscriptions '{"dest":"ftp://x/y","stream":true}')" 400
is "subscribe with a bad schedule -> 400" "$(req dairy1 POST /queries/dq/subscriptions "{\"dest\":\"$HOOK/dairy\",\"schedule\":{\"minute\":\"61\"}}")" 400
is "subscribe to another party's query -> 404" "$(sub dairy1 pq dairy ',"stream":true')" 404
# internal destinations (SSRF): refused until the operator allows them
for d in "$HOOK/dairy" "http://localhost:9/x" "http://169.254.169.254/latest/meta-data/" \
         "http://[::1]:9/x" "http://10.0.0.7/admin" "http://2130706433/x" "http://[::ffff:192.168.1.1]/x"; do
  is "internal dest $d -> 400" "$(req dairy1 POST /queries/dq/subscriptions "{\"dest\":\"$d\",\"stream\":true}")" 400
done
is "the refusal names dest and why" "$(jq_ "'dest' in json.dumps(d) and 'private (RFC 1918)' in d['detail']")" True
is "nothing stored for refused dests" "$(req dairy1 GET /queries/dq/subscriptions >/dev/null; jq_ "len(d)")" 0
ok "bad allow-list refused" bash -c "! '$EXE' query webhook-allow --store '$STORE' 127.0.0.1/40"
is "a dest whose name does not resolve -> 400" "$(req dairy1 POST /queries/dq/subscriptions '{"dest":"https://no-such-host.invalid/x","stream":true}')" 400
is "the refusal says the name does not resolve" "$(jq_ "'no-such-host.invalid does not resolve' in d['detail']")" True
# an allowance for one party's webhooks only
ok "the operator allows the receiver for the dairy only" "$EXE" query webhook-allow --store "$STORE" --party dairy1 127.0.0.1/32
is "the dairy's own list" "$("$EXE" query webhook-allow --store "$STORE" --party dairy1)" 127.0.0.1/32
is "the store-wide list unchanged" "$("$EXE" query webhook-allow --store "$STORE")" none
ok "an allowance for an unknown party refused" bash -c "! '$EXE' query webhook-allow --store '$STORE' --party nobody 127.0.0.1/32"
is "pharm's dest on it -> 400 (not allowed for pharm)" "$(sub pharm1 pq pharm ',"stream":true')" 400
req dairy1 POST /queries '{"name":"tmpq","query":{}}' >/dev/null
is "the dairy's dest on it -> 201" "$(sub dairy1 tmpq dairytmp ',"stream":true')" 201
is "(its temporary query deleted, with the subscription)" "$(req dairy1 DELETE /queries/tmpq)" 204
ok "the dairy's allowance withdrawn" "$EXE" query webhook-allow --store "$STORE" --party dairy1 none
ok "the operator allows the receiver's address" "$EXE" query webhook-allow --store "$STORE" 127.0.0.1/32
is "the allow-list as set" "$("$EXE" query webhook-allow --store "$STORE")" 127.0.0.1/32
is "allowed: still not [::1] -> 400" "$(req dairy1 POST /queries/dq/subscriptions '{"dest":"http://[::1]:9/x","stream":true}')" 400
is "dairy subscribes (stream) -> 201" "$(sub dairy1 dq dairy ',"stream":true')" 201
SUB_D=$(jq_ "d['subscriptionID']")
is "Location of the subscription" "$(hdr Location)" "/queries/dq/subscriptions/$SUB_D"
is "no secret in the answer" "$(jq_ "'signatureToken' in d or 'dairy-secret-1' in json.dumps(d)" 2>/dev/null || python3 -c "import json; print('dairy-secret-1' in open('$TMP/resp').read())")" False
is "pharm subscribes (stream) -> 201" "$(sub pharm1 pq pharm ',"stream":true')" 201
is "dairy recall subscription -> 201" "$(sub dairy1 dr dairyrecall ',"stream":true,"recalls":true')" 201
is "pharm recall subscription -> 201" "$(sub pharm1 pr pharmrecall ',"stream":true,"recalls":true')" 201
is "pharm scheduled subscription (every second, reportIfEmpty) -> 201" "$(sub pharm1 pr pharmsched ',"schedule":{"second":"0/1"},"reportIfEmpty":true')" 201
is "it is scheduled" "$(jq_ "d['schedule'], d['reportIfEmpty']")" "{'second': '0/1'} True"
SUB_S=$(jq_ "d['subscriptionID']")
is "GET the subscription -> 200" "$(req dairy1 GET "/queries/dq/subscriptions/$SUB_D")" 200
is "it streams" "$(jq_ "d['stream'], d['queryName']")" "True dq"
is "another party's subscription -> 404" "$(req pharm1 GET "/queries/dq/subscriptions/$SUB_D")" 404
is "list subscriptions -> 200" "$(req dairy1 GET /queries/dq/subscriptions)" 200
is "one subscription listed" "$(jq_ "len(d)")" 1

# ---- POST /events, a stream of captures, a kill -9 in the middle ----------------
event() { # k party-gln step [extra]
  printf '{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"ObjectEvent","action":"%s","eventTime":"2026-05-01T%02d:%02d:00+08:00","eventTimeZoneOffset":"+08:00","bizStep":"%s","epcList":["https://id.gs1.org/01/0%s/21/S%d"],"readPoint":{"id":"https://id.gs1.org/414/%s"}%s}' \
    "$([ "$3" = commissioning ] && echo ADD || echo OBSERVE)" $(( $1 / 60 )) $(( $1 % 60 )) "$3" "$(gln "${2:0:7}" 00099)" "$1" "$2" "${4:-}"
}
N=36
: >"$TMP/captured"
for k in $(seq 1 $N); do
  case $(( k % 3 )) in
    0) role=farm1; g=$G_FARM ;;
    1) role=dairy1; g=$G_DAIRY ;;
    2) role=pharm1; g=$G_PHARM ;;
  esac
  step=commissioning; [ $(( k % 4 )) = 0 ] && step=inspecting
  s=$(req "$role" POST /events "$(event "$k" "$g" "$step")")
  if [ "$s" != 201 ]; then echo "# POST /events $k -> $s: $(cat "$TMP/resp")"; fi
  loc=$(hdr Location)
  id=$(python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$loc")
  echo "$id 0" >>"$TMP/captured"
  if [ "$k" = $(( N / 2 )) ]; then
    kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
    zl_serve
  fi
done
is "every POST /events answered 201 with a Location" "$(awk 'NF==2' "$TMP/captured" | wc -l)" "$N"
FIRST=$(head -1 "$TMP/captured" | cut -d' ' -f1)
is "GET the Location -> 200" "$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth dairy1)" "$U/events/$(python3 -c "import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=''))" "$FIRST")")" 200
is "POST /events with an invalid event, even under proceed -> 400" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "$(auth dairy1)" -H 'Content-Type: application/json' -H 'GS1-Capture-Error-Behaviour: proceed' --data-binary "$(event 99 "$G_DAIRY" commissioning | sed 's/"action":"ADD"/"action":"ADDX"/')" "$U/events")" 400
is "POST /events of an event the write rule refuses -> 403" "$(req pharm1 POST /events "$(event 98 "$G_DAIRY" commissioning)")" 403
is "POST /events with a document -> 400" "$(req dairy1 POST /events '{"type":"EPCISDocument","epcisBody":{}}')" 400

# a recall of milk the dairy holds (farm commissions, ships; dairy receives)
ship='"sourceList":[{"type":"owning_party","source":"https://id.gs1.org/417/'$G_FARM'"}],"destinationList":[{"type":"owning_party","destination":"https://id.gs1.org/417/'$G_DAIRY'"}]'
req farm1 POST /events '{"type":"ObjectEvent","action":"ADD","eventTime":"2026-05-02T01:00:00+08:00","eventTimeZoneOffset":"+08:00","bizStep":"commissioning","quantityList":[{"epcClass":"'$MILK'","quantity":100,"uom":"KGM"}],"readPoint":{"id":"https://id.gs1.org/414/'$G_FARM'"},"bizLocation":{"id":"https://id.gs1.org/414/'$G_FARM'"}}' >/dev/null
echo "$(python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$(hdr Location)") 0" >>"$TMP/captured"
req farm1 POST /events '{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-05-02T02:00:00+08:00","eventTimeZoneOffset":"+08:00","bizStep":"shipping","quantityList":[{"epcClass":"'$MILK'","quantity":100,"uom":"KGM"}],"readPoint":{"id":"https://id.gs1.org/414/'$G_FARM'"},'"$ship"'}' >/dev/null
echo "$(python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$(hdr Location)") 0" >>"$TMP/captured"
req dairy1 POST /events '{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-05-02T03:00:00+08:00","eventTimeZoneOffset":"+08:00","bizStep":"receiving","quantityList":[{"epcClass":"'$MILK'","quantity":100,"uom":"KGM"}],"readPoint":{"id":"https://id.gs1.org/414/'$G_DAIRY'"},"bizLocation":{"id":"https://id.gs1.org/414/'$G_DAIRY'"},'"$ship"'}' >/dev/null
echo "$(python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$(hdr Location)") 0" >>"$TMP/captured"
CASE=$("$EXE" recall open --store "$STORE" --lot "$MILK" --reason 'subscription test' --hazard-class II 2>/dev/null | grep -oE '[0-9a-f-]{36}' | head -1)
ok "recall case opened" test -n "$CASE"

# ---- what each owner may read: the oracle ------------------------------------------
for r in dairy1 pharm1; do
  req "$r" GET "/events?perPage=1000" >/dev/null
  python3 -c "import json; print('\n'.join(e['eventID'] for e in json.load(open('$TMP/resp'))['epcisBody']['queryResults']['resultsBody']['eventList']))" >"$TMP/visible.$r"
  # pharm's query: its commissioning ObjectEvents only
  req "$r" GET "/queries/$([ $r = dairy1 ] && echo dq || echo pq)/events?perPage=1000" >/dev/null
  python3 -c "import json; print('\n'.join(e['eventID'] for e in json.load(open('$TMP/resp'))['epcisBody']['queryResults']['resultsBody']['eventList']))" | sort >"$TMP/named.$r"
done
is "the named query runs under its name" "$(jq_ "d['epcisBody']['queryResults']['queryName']")" pq

# wait for the deliveries to settle (the receiver refuses the first 3)
expect() { # sub-name visible-file -> expected event IDs, sorted
  cut -d' ' -f1 "$TMP/captured" | grep -Fxf "$2" | sort -u
}
expect dairy "$TMP/named.dairy1" >"$TMP/want.dairy"
expect pharm "$TMP/named.pharm1" >"$TMP/want.pharm"
got() { python3 - "$TMP/hooks.jsonl" "$1" <<'PY'
import json, sys
ids = set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if not r.get("failed") and r["sub"] == sys.argv[2]: ids.update(r["events"])
print("\n".join(sorted(ids)))
PY
}
for i in $(seq 1 200); do
  got dairy >"$TMP/got.dairy"; got pharm >"$TMP/got.pharm"
  if cmp -s "$TMP/got.dairy" "$TMP/want.dairy" && cmp -s "$TMP/got.pharm" "$TMP/want.pharm" &&
     grep -q "$CASE" "$TMP/hooks.jsonl" 2>/dev/null; then break; fi
  sleep 0.1
done
# the dairy reads its own N/3 events, and of the milk's three the farm's
# shipment to it and its receipt (not the farm's commissioning)
is "dairy: events expected (its read rule, after subscribing)" "$(wc -l <"$TMP/want.dairy")" "$(( N / 3 + 2 ))"
is "dairy: every expected event delivered, no other" "$(diff "$TMP/got.dairy" "$TMP/want.dairy" >/dev/null && echo same)" same
is "pharm: every expected event delivered, no other" "$(diff "$TMP/got.pharm" "$TMP/want.pharm" >/dev/null && echo same)" same
is "pharm never got an event it cannot read" "$(grep -cvxFf "$TMP/visible.pharm1" "$TMP/got.pharm")" 0
is "pharm got only its query's events (commissioning)" "$(comm -23 "$TMP/got.pharm" "$TMP/named.pharm1" | wc -l)" 0
python3 - "$TMP/hooks.jsonl" >"$TMP/checks" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
failed = [r for r in recs if r.get("failed")]
recs = [r for r in recs if not r.get("failed")]
ok = {(r["key"], r["sha"]) for r in recs}
retried_same = sum(1 for r in failed if (r["key"], r["sha"]) in ok)
bykey, owner = {}, {}
bad_sig = sum(1 for r in recs if not r["sig_ok"])
diff_body = 0; twice = 0
for r in recs:
    if r["key"] in bykey and bykey[r["key"]] != r["sha"]: diff_body += 1
    bykey[r["key"]] = r["sha"]
    for e in r["events"]:
        k = (r["sub"], e)
        if k in owner and owner[k] != r["key"]: twice += 1
        owner[k] = r["key"]
print(len(recs), bad_sig, diff_body, twice, len(bykey), len(failed), retried_same)
PY
read -r n_recs bad_sig diff_body twice n_keys n_failed retried_same <"$TMP/checks"
is "scheduled: several empty reports came (one a second)" "$(python3 -c "
import json
r = [json.loads(l) for l in open('$TMP/hooks.jsonl')]
s = [x for x in r if x.get('sub') == 'pharmsched']
print(len(s) >= 2 and all(not x['events'] for x in s) and len({x['key'] for x in s}) == len(s))")" True
ok "deliveries received ($n_recs, $n_keys distinct keys)" test "$n_recs" -gt 0
is "every GS1-Signature verifies (HMAC-SHA256, base64)" "$bad_sig" 0
is "an Idempotency-Key always carries the same body" "$diff_body" 0
is "no event delivered under two keys (exactly once)" "$twice" 0
is "dairy's recall subscription got the recall" "$(grep '"dairyrecall"' "$TMP/hooks.jsonl" | grep -c "$CASE")" 1
is "pharm's recall subscription did not (holds no milk)" "$(grep -c "$CASE" <(grep '"pharmrecall"' "$TMP/hooks.jsonl"))" 0
is "the receiver's three 503s" "$n_failed" 3
is "each refused delivery came again, same key, same bytes" "$retried_same" 3

is "unsubscribe the scheduled one -> 204" "$(req pharm1 DELETE "/queries/pr/subscriptions/$SUB_S")" 204
# latency: capture answered (committed) -> delivery received, a quiet
# stream of the dairy's own events (no failures, no restart)
for k in $(seq 100 139); do
  req dairy1 POST /events "$(event "$k" "$G_DAIRY" inspecting)" >/dev/null
  t0=$(date +%s.%N)
  echo "$(python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$(hdr Location)") $t0" >>"$TMP/captured"
  sleep 0.05
done
for i in $(seq 1 100); do [ "$(got dairy | wc -l)" -ge "$(( $(wc -l <"$TMP/want.dairy") + 40 ))" ] && break; sleep 0.1; done
python3 - "$TMP/hooks.jsonl" "$TMP/captured" <<'PY'
import json, sys
t0 = {}
for l in open(sys.argv[2]):
    i, t = l.split(); t = float(t)
    if t > 0: t0[i] = t
lat = []
first = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("failed") or r["sub"] != "dairy": continue
    for e in r["events"]:
        if e in t0 and e not in first: first[e] = r["t"]
lat = sorted((first[e] - t0[e]) * 1000 for e in first)
if lat:
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print("# delivery latency (POST /events answered -> webhook received, %d events, loopback): median %.1f ms, p99 %.1f ms" % (len(lat), p(0.5), p(0.99)))
PY

# ---- the address policy at delivery (as a DNS rebinding would meet it) ----------------
# The allowance withdrawn: the receiver's address is now refused at the
# socket; the batch waits, is reported, and arrives once allowed again.
"$EXE" query webhook-allow --store "$STORE" none >/dev/null
req dairy1 POST /events "$(event 150 "$G_DAIRY" inspecting)" >/dev/null
HELD=$(python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$(hdr Location)")
for i in $(seq 1 50); do grep -q "refused to connect" "$TMP/serve.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
is "refused at delivery: not received" "$(got dairy | grep -cxF "$HELD")" 0
ok "refused at delivery: reported on the server's stderr (even --quiet)" grep -q "refused to connect to 127.0.0.1, a loopback" "$TMP/serve.err"
req dairy1 GET "/queries/dq/subscriptions/$SUB_D" >/dev/null
is "refused at delivery: the subscription's lastError says why" "$(jq_ "'loopback' in d.get('lastError', {}).get('reason', '')")" True
"$EXE" query webhook-allow --store "$STORE" 127.0.0.0/8 >/dev/null
for i in $(seq 1 150); do [ "$(got dairy | grep -cxF "$HELD")" = 1 ] && break; sleep 0.1; done
is "allowed again: the held event arrives" "$(got dairy | grep -cxF "$HELD")" 1
is "allowed again: once" "$(grep -F '"dairy"' "$TMP/hooks.jsonl" | grep -v '"failed"' | grep -cF "\"$HELD\"")" 1
req dairy1 GET "/queries/dq/subscriptions/$SUB_D" >/dev/null
is "allowed again: lastError cleared" "$(jq_ "'lastError' in d")" False

# ---- a correction of a delivered event reaches the subscribers whose query selected it
declared() { python3 - "$TMP/hooks.jsonl" "$1" "$2" <<'PY'
import json, sys
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)]
          if not r.get("failed") and r["sub"] == sys.argv[2] and sys.argv[3] in r.get("declared", [])))
PY
}
# a subscription made now, after the event was recorded and delivered:
# it never had the event, so it does not get its correction
is "a later subscription on the dairy's query -> 201" "$(sub dairy1 dq dairylate ',"stream":true')" 201
is "the correction (POST /events, errorDeclaration) -> 201" "$(req dairy1 POST /events "$(event 150 "$G_DAIRY" inspecting ',"errorDeclaration":{"declarationTime":"2026-05-03T08:00:00+08:00","reason":"incorrect_data"}')")" 201
for i in $(seq 1 100); do [ "$(declared dairy "$HELD")" = 1 ] && break; sleep 0.1; done
is "dairy's stream got the event again, with its errorDeclaration" "$(declared dairy "$HELD")" 1
is "pharm's streams (another query, another reader) did not" "$(( $(declared pharm "$HELD") + $(declared pharmrecall "$HELD") ))" 0
req dairy1 POST /events "$(event 151 "$G_DAIRY" inspecting)" >/dev/null
NEXT=$(python3 -c "import sys,urllib.parse;print(urllib.parse.unquote(sys.argv[1].split('/events/',1)[1]))" "$(hdr Location)")
for i in $(seq 1 100); do [ "$(got dairylate | grep -cxF "$NEXT")" = 1 ] && break; sleep 0.1; done
is "the later subscription is live (the next event came)" "$(got dairylate | grep -cxF "$NEXT")" 1
is "the later subscription did not get the correction" "$(declared dairylate "$HELD")" 0

# ---- unsubscribe, delete ---------------------------------------------------------
is "DELETE the subscription -> 204" "$(req dairy1 DELETE "/queries/dq/subscriptions/$SUB_D")" 204
is "then it is gone -> 404" "$(req dairy1 GET "/queries/dq/subscriptions/$SUB_D")" 404

# ---- GS1-Capture-Error-Behaviour: proceed ---------------------------------------------
doc3() { # three events, the second invalid (action ADDX)
  cat <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-04-01T00:00:00Z",
 "epcisBody":{"eventList":[
 {"type":"ObjectEvent","action":"ADD","eventTime":"2026-06-01T01:00:00+08:00","eventTimeZoneOffset":"+08:00","epcList":["https://id.gs1.org/01/0$(gln 6900002 00099)/21/P$1A"],"bizStep":"commissioning","readPoint":{"id":"https://id.gs1.org/414/$G_DAIRY"}},
 {"type":"ObjectEvent","action":"ADDX","eventTime":"2026-06-01T02:00:00+08:00","eventTimeZoneOffset":"+08:00","epcList":["https://id.gs1.org/01/0$(gln 6900002 00099)/21/P$1B"]},
 {"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-06-01T03:00:00+08:00","eventTimeZoneOffset":"+08:00","epcList":["https://id.gs1.org/01/0$(gln 6900002 00099)/21/P$1C"],"bizStep":"inspecting","readPoint":{"id":"https://id.gs1.org/414/$G_DAIRY"}}]}}
JSON
}
count() { req dairy1 GET "/events?MATCH_anyEPC=$1&perPage=10" >/dev/null; jq_ "len(d['epcisBody']['queryResults']['resultsBody']['eventList'])"; }
EPC="https://id.gs1.org/01/0$(gln 6900002 00099)/21"
is "rollback (default): a bad event refuses the document -> 400" "$(req dairy1 POST /capture "$(doc3 r)")" 400
is "rollback: nothing stored" "$(count "$EPC/PrA")$(count "$EPC/PrC")" 00
s=$(curl -s -o "$TMP/resp" -w '%{http_code}' -X POST -H "$(auth dairy1)" -H 'Content-Type: application/json' \
  -H 'GS1-Capture-Error-Behaviour: proceed' --data-binary "$(doc3 p)" "$U/capture")
is "proceed: 202" "$s" 202
is "proceed: the job says success false" "$(jq_ "d['success']")" False
is "proceed: one error, with its path and rule" "$(jq_ "[(e['path'], e['type']) for e in d['errors']]")" "[('\$.epcisBody.eventList[1].action', 'epcisException:ValidationException')]"
is "proceed: the error names the rule" "$(jq_ "'ADD, OBSERVE or DELETE' in d['errors'][0]['rule']")" True
is "proceed: counts (3 events, 2 new, 1 refused)" "$(jq_ "d['zhiliang']['events'], d['zhiliang']['new'], d['zhiliang']['refused']")" "3 2 1"
is "proceed: the valid events are stored" "$(count "$EPC/PpA")$(count "$EPC/PpC")" 11
is "proceed: the invalid one is not" "$(count "$EPC/PpB")" 0
req dairy1 POST /capture "$(doc3 p)" >/dev/null
is "proceed twice: the first capture's events are duplicates now" "$(curl -s -X POST -H "$(auth dairy1)" -H 'Content-Type: application/json' -H 'GS1-Capture-Error-Behaviour: proceed' --data-binary "$(doc3 p)" "$U/capture" | python3 -c "import json,sys; d=json.load(sys.stdin)['zhiliang']; print(d['new'], d['duplicate'])")" "0 2"

# ---- XML query results ---------------------------------------------------------------
s=$(curl -s -o "$TMP/q.xml" -D "$TMP/hdr" -w '%{http_code}' -H "$(auth dairy1)" -H 'Accept: application/xml' "$U/events?perPage=5")
is "GET /events as XML -> 200" "$s" 200
is "Content-Type application/xml" "$(hdr Content-Type)" application/xml
if command -v xmllint >/dev/null; then
  ok "the XML is well-formed (xmllint)" xmllint --noout "$TMP/q.xml"
fi
ok "the XML is in the EPCIS 2.0 namespace" grep -q 'urn:epcglobal:epcis:xsd:2' "$TMP/q.xml"
s=$(curl -s -o "$TMP/n.xml" -w '%{http_code}' -H "$(auth pharm1)" -H 'Accept: application/xml' "$U/queries/pq/events")
is "GET /queries/pq/events as XML -> 200" "$s" 200
"$EXE" convert --help >/dev/null 2>&1 && {
  # back to JSON with our converter: the same events as the JSON answer
  "$EXE" convert "$TMP/n.xml" >"$TMP/n.json" 2>/dev/null
  req pharm1 GET /queries/pq/events >/dev/null
  is "XML and JSON answers hold the same number of events" \
    "$(python3 -c "import json; d=json.load(open('$TMP/n.json')); print(len(d['epcisBody'].get('eventList') or d['epcisBody']['queryResults']['resultsBody']['eventList']))" 2>/dev/null)" \
    "$(jq_ "len(d['epcisBody']['queryResults']['resultsBody']['eventList'])")"
}

# ---- CLI ----------------------------------------------------------------------------
ok "zhiliang query save" "$EXE" query save --store "$STORE" shipped EQ_bizStep=shipping
is "zhiliang query list shows it" "$("$EXE" query list --store "$STORE" --json | python3 -c "import json,sys; print([q['query'] for q in json.load(sys.stdin) if q['name']=='shipped'])")" "[{'EQ_bizStep': ['shipping']}]"
is "zhiliang query run: the farm's shipment" "$("$EXE" query run --store "$STORE" shipped | python3 -c "import json,sys; print(len(json.load(sys.stdin)['epcisBody']['queryResults']['resultsBody']['eventList']))")" 1
is "zhiliang query run --as pharm1: nothing it may not read" "$("$EXE" query run --store "$STORE" --as pharm1 pq | python3 -c "import json,sys; print(len(json.load(sys.stdin)['epcisBody']['queryResults']['resultsBody']['eventList']))")" "$(wc -l <"$TMP/named.pharm1")"
ok "zhiliang query delete" "$EXE" query delete --store "$STORE" shipped
is "deleted: run fails" "$("$EXE" query run --store "$STORE" shipped >/dev/null 2>&1; echo $?)" 1
is "DELETE /queries/dq -> 204" "$(req dairy1 DELETE /queries/dq)" 204
is "then GET -> 404" "$(req dairy1 GET /queries/dq)" 404

kill $RPID 2>/dev/null
zl_finish
