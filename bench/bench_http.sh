#!/usr/bin/env bash
# bench_http.sh [ZHILIANG_EXE] [SCALE] - HTTP server figures with wrk
# (Debian package wrk), keep-alive connections:
#   1. the public product page of a sold item (trace + master data + HTML)
#   2. GET /events with a filter (EQ_bizStep=shipping, perPage=100, token)
#   3. the resolver's linkset (JSON)
#   4. capture throughput, like for like: the same documents (the demo
#      split by owner party, see below) captured by one `zhiliang capture`
#      process and POSTed to /capture over one keep-alive connection, in
#      events/s; plus the CLI on the whole demo documents for reference.
# Prints one line per figure: req/s and p99 latency, or events/s.
#
# Environment: DUR (wrk duration, 5s), CONN (32), THREADS (server workers; default
# the server's, one per CPU),
# STORE=path: run the read figures on this existing store (e.g. 1M demo
# events: `zhiliang demo generate --seed 1 --scale 10000`, captured)
# instead of the SCALE demo; CAPTURE_BASE=path: run the capture figures
# into copies of this store (capture speed at that size), else into
# empty stores. SRV_CPUS / WRK_CPUS: taskset CPU lists for the server
# and wrk (default: no pinning).
set -euo pipefail
EXE=${1:-build/cli/zhiliang}
SCALE=${2:-50}
DUR=${DUR:-5s}
CONN=${CONN:-32}
THREADS=${THREADS:-}
TH=(); [ -n "$THREADS" ] && TH=(--threads "$THREADS")
command -v wrk >/dev/null || { echo "bench_http: wrk is not installed (apt-get install wrk)"; exit 1; }
EXE=$(cd "$(dirname "$EXE")" && pwd)/$(basename "$EXE")
TMP=$(mktemp -d /tmp/zl-bench-http.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill -TERM $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
SRV=(); [ -n "${SRV_CPUS:-}" ] && SRV=(taskset -c "$SRV_CPUS")
WRK=(); [ -n "${WRK_CPUS:-}" ] && WRK=(taskset -c "$WRK_CPUS")

ms() { date +%s%3N; }
"$EXE" demo generate --seed 11 --scale "$SCALE" --out "$TMP/demo" >/dev/null

# A token may only write events at its party's locations, so each demo
# document is split by the owner of each event's bizLocation (readPoint):
# these parts are what both the CLI and HTTP capture below, so the two
# rates compare the same documents.
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
n_parts=$(ls "$TMP"/parts | wc -l)

# A store for a capture run: a copy of CAPTURE_BASE, or a new one.
mk_store() {
  if [ -n "${CAPTURE_BASE:-}" ]; then
    cp "$CAPTURE_BASE" "$1"
    if [ -f "$CAPTURE_BASE-wal" ]; then cp "$CAPTURE_BASE-wal" "$1-wal"; fi
  else
    "$EXE" init --store "$1" >/dev/null
  fi
  "$EXE" party import "$TMP/demo/parties.json" --store "$1" >/dev/null
}
new_of() { jq -s 'map(select(.file) | .new // 0) | add // 0'; }

# CLI, reference: the whole demo documents, one process per document
# (this store also serves the read figures unless STORE is given).
if [ -z "${STORE:-}" ]; then
  "$EXE" init --store "$TMP/a.db" >/dev/null
  "$EXE" party import "$TMP/demo/parties.json" --store "$TMP/a.db" >/dev/null
  t0=$(ms)
  for f in "$TMP"/demo/chain-*.jsonld; do
    "$EXE" capture --store "$TMP/a.db" --json "$f" >>"$TMP/a.jsonl"
  done
  t1=$(ms)
  n_whole=$(new_of <"$TMP/a.jsonl")
  whole_eps=$(( n_whole * 1000 / (t1 - t0 + 1) ))
fi

# CLI, like for like: the parts, one process.
mk_store "$TMP/c.db"
t0=$(ms)
"$EXE" capture --store "$TMP/c.db" --json "$TMP"/parts/*.json >"$TMP/c.jsonl"
t1=$(ms)
cli_events=$(new_of <"$TMP/c.jsonl")
cli_eps=$(( cli_events * 1000 / (t1 - t0 + 1) ))
rm -f "$TMP/c.db" "$TMP/c.db-wal" "$TMP/c.db-shm"

# HTTP: the parts POSTed in turn over one keep-alive connection, each
# with its party's token; the rate counts the events the job documents
# report as new.
mk_store "$TMP/b.db"
"${SRV[@]}" "$EXE" serve --store "$TMP/b.db" --listen 127.0.0.1:0 --quiet "${TH[@]}" \
  --max-body 268435456 --max-events 1000000 >"$TMP/serve.out" 2>&1 &
PID=$!
for i in $(seq 1 100); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done
U=$(sed -n 's/^listening on //p' "$TMP/serve.out")
declare -A TOK
while read -r p; do
  TOK[$p]=$("$EXE" token create --party "$p" --store "$TMP/b.db" 2>/dev/null)
done < <(jq -r '.parties[].uscc' "$TMP/demo/parties.json")
for p in "${!TOK[@]}"; do echo "$p ${TOK[$p]}"; done >"$TMP/tokens"
# The client is curl reading a config of one transfer per part ("next"
# keeps the connection): a C client, so the figure is the server's and
# not a script's per-request cost. The config is written before timing.
while read -r p t; do
  printf '%s\n' "$t" >"$TMP/tok.$p"
done <"$TMP/tokens"
for f in "$TMP"/parts/*.json; do
  party=$(basename "$f" | cut -d. -f2)
  tok=none; [ -f "$TMP/tok.$party" ] && tok=$(cat "$TMP/tok.$party")
  printf 'url = "%s/capture"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/ld+json"\nheader = "GS1-Capture-Error-Behaviour: proceed"\nheader = "Expect:"\ndata-binary = "@%s"\nwrite-out = "\\n"\nsilent\nnext\n' \
    "$U" "$tok" "$f"
done | sed '$d' >"$TMP/curl.cfg"
t0=$(ms)
curl -K "$TMP/curl.cfg" >"$TMP/http.jsonl"
t1=$(ms)
kill -TERM $PID; wait $PID 2>/dev/null || true
PID=
http_events=$(jq -s 'map(.zhiliang.new // 0) | add // 0' "$TMP/http.jsonl")
http_eps=$(( http_events * 1000 / (t1 - t0 + 1) ))
rm -f "$TMP/b.db" "$TMP/b.db-wal" "$TMP/b.db-shm"

# Read benchmarks against the CLI-captured store (or STORE).
R=${STORE:-$TMP/a.db}
"${SRV[@]}" "$EXE" serve --store "$R" --listen 127.0.0.1:0 --quiet "${TH[@]}" >"$TMP/serve.out" 2>&1 &
PID=$!
for i in $(seq 1 100); do grep -q listening "$TMP/serve.out" && break; sleep 0.05; done
U=$(sed -n 's/^listening on //p' "$TMP/serve.out")
item=$("$EXE" demo sample --store "$R" --what sold-item)
path=${item#https://id.gs1.org}
party=$("$EXE" party list --store "$R" --json 2>/dev/null | jq -r '.[0].id')
tok=$("$EXE" token create --party "$party" --store "$R" 2>/dev/null)

bench() { # name url [wrk args...]
  local name=$1 url=$2; shift 2
  "${WRK[@]}" wrk -t2 -c"$CONN" -d"$DUR" --latency "$@" "$url" >"$TMP/wrk.out" 2>&1
  local rps p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk.out")
  errs=$(awk '/Non-2xx/ {print $NF}' "$TMP/wrk.out")
  printf '%-34s %10s req/s  p99 %8s%s\n' "$name" "$rps" "$p99" "${errs:+  non-2xx $errs}"
}
echo "store: ${STORE:-demo seed 11, scale $SCALE}; server threads ${THREADS:-default}; wrk $CONN connections, $DUR, keep-alive"
bench "product page (sold item)" "$U$path"
bench "GET /events EQ_bizStep=shipping" "$U/events?EQ_bizStep=shipping&perPage=100" -H "Authorization: Bearer $tok"
bench "resolver linkset" "$U$path?linkType=all"
echo "capture (${CAPTURE_BASE:+into a copy of $CAPTURE_BASE, }$n_parts documents split by party): CLI $cli_eps events/s ($cli_events events, one process); HTTP $http_eps events/s ($http_events events, $n_parts POSTs, one keep-alive client)"
if [ -n "${whole_eps:-}" ]; then echo "capture reference: CLI whole demo documents $whole_eps events/s ($n_whole events, a process per document)"; fi
