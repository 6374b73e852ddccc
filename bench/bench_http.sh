#!/usr/bin/env bash
# bench_http.sh [ZHILIANG_EXE] [SCALE] - HTTP server figures with wrk
# (Debian package wrk), keep-alive connections:
#   1. the public product page of a sold item (trace + master data + HTML)
#   2. GET /events with a filter (EQ_bizStep=shipping, perPage=100, token)
#   3. the resolver's linkset (JSON)
#   4. capture throughput: the same demo documents POSTed to /capture one
#      after another vs `zhiliang capture` of the same files, in events/s
# Prints one line per figure: req/s and p99 latency, or events/s.
set -euo pipefail
EXE=${1:-build/cli/zhiliang}
SCALE=${2:-50}
DUR=${DUR:-5s}
CONN=${CONN:-32}
THREADS=${THREADS:-4}
command -v wrk >/dev/null || { echo "bench_http: wrk is not installed (apt-get install wrk)"; exit 1; }
EXE=$(cd "$(dirname "$EXE")" && pwd)/$(basename "$EXE")
TMP=$(mktemp -d /tmp/zl-bench-http.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill -TERM $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

ms() { date +%s%3N; }
"$EXE" init --store "$TMP/a.db" >/dev/null
"$EXE" demo generate --seed 11 --scale "$SCALE" --out "$TMP/demo" >/dev/null
"$EXE" party import "$TMP/demo/parties.json" --store "$TMP/a.db" >/dev/null
n_events=0
t0=$(ms)
for f in "$TMP"/demo/chain-*.jsonld; do
  "$EXE" capture --store "$TMP/a.db" "$f" >/dev/null
done
t1=$(ms)
n_events=$("$EXE" events --store "$TMP/a.db" --json 2>/dev/null | jq '.epcisBody.queryResults.resultsBody.eventList|length')
cli_eps=$(( n_events * 1000 / (t1 - t0 + 1) ))

# HTTP capture of the same documents into a second store. A token may only
# write events at its party's locations, so each document is split by the
# owner of each event's bizLocation (readPoint) and sent with that
# party's token.
"$EXE" init --store "$TMP/b.db" >/dev/null
"$EXE" party import "$TMP/demo/parties.json" --store "$TMP/b.db" >/dev/null
"$EXE" serve --store "$TMP/b.db" --listen 127.0.0.1:0 --quiet --threads "$THREADS" \
  --max-body 268435456 --max-events 1000000 >"$TMP/serve.out" 2>&1 &
PID=$!
for i in $(seq 1 100); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done
U=$(sed -n 's/^listening on //p' "$TMP/serve.out")
# proceed: events outside a token's locations are refused, the rest stored;
# tokens for every party so each document is sent by a party of its first
# event's location.
declare -A TOK
while read -r p; do
  TOK[$p]=$("$EXE" token create --party "$p" --store "$TMP/b.db" 2>/dev/null)
done < <(jq -r '.parties[].uscc' "$TMP/demo/parties.json")
python3 - "$TMP/demo" "$TMP/parts" "$TMP/demo/parties.json" <<'PY'
import json, os, sys, glob, collections
src, out, parties = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
owner = {}
for p in parties["parties"]:
    owner[p["gln"]] = p["uscc"]
    for l in p.get("locations", []): owner[l["gln"]] = p["uscc"]
os.makedirs(out, exist_ok=True)
k = 0
for f in sorted(glob.glob(src + "/chain-*.jsonld")):
    d = json.load(open(f))
    groups = collections.OrderedDict()
    for ev in d["epcisBody"]["eventList"]:
        loc = (ev.get("bizLocation") or ev.get("readPoint") or {}).get("id", "")
        gln = ""
        if "/414/" in loc: gln = loc.split("/414/")[1].split("/")[0]
        elif loc.startswith("urn:epc:id:sgln:"):
            a, b, _ = loc[16:].split(".")
            body = a + b
            s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
            gln = body + str((10 - s % 10) % 10)
        groups.setdefault(owner.get(gln, "none"), []).append(ev)
    for party, evs in groups.items():
        k += 1
        part = dict(d); part["epcisBody"] = {"eventList": evs}
        json.dump(part, open("%s/%06d.%s.json" % (out, k, party), "w"))
PY
# One keep-alive connection POSTing every part in turn (no process per
# request, as a real client would).
for p in "${!TOK[@]}"; do echo "$p ${TOK[$p]}"; done >"$TMP/tokens"
t0=$(ms)
python3 - "$U" "$TMP/parts" "$TMP/tokens" <<'PY'
import glob, http.client, sys, urllib.parse
url, parts, toks = sys.argv[1], sys.argv[2], dict(l.split() for l in open(sys.argv[3]))
u = urllib.parse.urlsplit(url)
c = http.client.HTTPConnection(u.hostname, u.port)
for f in sorted(glob.glob(parts + "/*.json")):
    party = f.rsplit("/", 1)[1].split(".")[1]
    c.request("POST", "/capture", body=open(f, "rb").read(), headers={
        "Authorization": "Bearer " + toks.get(party, "none"),
        "Content-Type": "application/ld+json",
        "GS1-Capture-Error-Behaviour": "proceed"})
    r = c.getresponse(); r.read()
PY
t1=$(ms)
kill -TERM $PID; wait $PID 2>/dev/null || true
http_events=$("$EXE" events --store "$TMP/b.db" --json 2>/dev/null | jq '.epcisBody.queryResults.resultsBody.eventList|length')
http_eps=$(( http_events * 1000 / (t1 - t0 + 1) ))

# Read benchmarks against the CLI-captured store.
"$EXE" serve --store "$TMP/a.db" --listen 127.0.0.1:0 --quiet --threads "$THREADS" >"$TMP/serve.out" 2>&1 &
PID=$!
for i in $(seq 1 100); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done
U=$(sed -n 's/^listening on //p' "$TMP/serve.out")
item=$("$EXE" demo sample --store "$TMP/a.db" --what sold-item)
path=${item#https://id.gs1.org}
party=$(jq -r '.parties[0].uscc' "$TMP/demo/parties.json")
tok=$("$EXE" token create --party "$party" --store "$TMP/a.db" 2>/dev/null)

bench() { # name url [wrk args...]
  local name=$1 url=$2; shift 2
  wrk -t2 -c"$CONN" -d"$DUR" --latency "$@" "$url" >"$TMP/wrk.out" 2>&1
  local rps p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk.out")
  errs=$(awk '/Non-2xx/ {print $NF}' "$TMP/wrk.out")
  printf '%-34s %10s req/s  p99 %8s%s\n' "$name" "$rps" "$p99" "${errs:+  non-2xx $errs}"
}
echo "store: $n_events events (demo seed 11, scale $SCALE); server threads $THREADS; wrk $CONN connections, $DUR, keep-alive"
bench "product page (sold item)" "$U$path"
bench "GET /events EQ_bizStep=shipping" "$U/events?EQ_bizStep=shipping&perPage=100" -H "Authorization: Bearer $tok"
bench "resolver linkset" "$U$path?linkType=all"
echo "capture: CLI $cli_eps events/s ($n_events events); HTTP $http_eps events/s ($http_events events, $(ls "$TMP"/parts | wc -l) POSTs, one client)"
