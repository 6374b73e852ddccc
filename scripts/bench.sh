#!/usr/bin/env bash
# bench.sh - every benchmark, with its peer run side by side, in a release
# build. Figures go to stdout (and demo-run/bench-<date>.txt); the README's
# Performance section quotes them.
#
#   bash scripts/bench.sh            quick sizes (minutes)
#   bash scripts/bench.sh --full     the issue sizes: 1M-event capture,
#                                    10M-event trace store, 10M/100M-leaf log,
#                                    1M events on each backend
#   ZL_BENCH_DIR=DIR                 where --full keeps its 10M-event store
#                                    (default /tmp; ~15 GB): built once
#                                    through zl_capture (30-60 min), marked
#                                    complete (STORE.complete) and reused by
#                                    every later run; an interrupted build is
#                                    finished, never measured
#   ZL_HASH_REFERENCE=DIR            a checkout of RalphTro/epcis-event-hash-
#                                    generator: bench_hash runs it as its peer
#                                    (needs python3-pyld, python3-dateutil)
set -euo pipefail
cd "$(dirname "$0")/.."
FULL=0
[ "${1:-}" = "--full" ] && FULL=1
T10M=${ZL_BENCH_DIR:-/tmp}/zl-bench-trace-100000.db

bash scripts/install-deps.sh --bench
[ -d build-release ] || meson setup build-release -Dbuildtype=release >/dev/null
ninja -C build-release >/dev/null
B=build-release/bench
mkdir -p demo-run
OUT=demo-run/bench-$(date +%Y%m%d-%H%M).txt

{
  echo "# Zhiliang benchmarks $(date -u +%FT%TZ) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ $FULL = 1 ]; then
    echo "## capture (1M events) vs naive jansson+SQLite loop";  "$B/bench_capture" --events 1000000
    echo "## capture (1M events), 16 documents a commit, 2 threads (as zhiliang capture)"; "$B/bench_capture" --events 1000000 --batch 16 --threads 2 --only zhiliang
    echo "## event hash";                                         "$B/bench_hash" 1000000 ${ZL_HASH_REFERENCE:+--reference "$ZL_HASH_REFERENCE"}
    echo "## Merkle log (appends; proofs at 10M and 100M leaves)"; "$B/bench_log" 1000000 100000000
    echo "## trace and recall scope (10M events) vs WITH RECURSIVE"; "$B/bench_trace" --scale 100000 --store "$T10M"
    echo "## HTTP (1M events)";                                    bash bench/bench_http.sh build-release/cli/zhiliang 10000
    echo "## 双随机 national plan (5M enterprises, 200k inspectors, 100k tasks) vs naive scan"; "$B/bench_draw"
    echo "## registry snapshot load (100k enterprises)";           "$B/bench_draw" --load 100000
    echo "## credit classes, 5M enterprises: one pass vs a query each"; "$B/bench_credit"
    echo "## credit show, one enterprise of 5M: the credit index vs reading every record"; "$B/bench_credit_show"
  else
    echo "## capture (100k events) vs naive jansson+SQLite loop"; "$B/bench_capture" --events 100000
    echo "## capture (100k events), 16 documents a commit, 2 threads (as zhiliang capture)"; "$B/bench_capture" --events 100000 --batch 16 --threads 2 --only zhiliang
    echo "## parse floor: jansson, yajl, simdjson (100k events)"; "$B/bench_parse" --events 100000
    echo "## event hash";                                          "$B/bench_hash" 100000 ${ZL_HASH_REFERENCE:+--reference "$ZL_HASH_REFERENCE"}
    echo "## Merkle log (appends; proofs at 1M leaves)";            "$B/bench_log" 100000 1000000
    echo "## trace and recall scope (100k events) vs WITH RECURSIVE"; "$B/bench_trace" --scale 1000
    echo "## HTTP (5k events)";                                     bash bench/bench_http.sh build-release/cli/zhiliang 50
    echo "## 双随机 plan (500k enterprises, 20k inspectors) vs naive scan"; "$B/bench_draw" --enterprises 500000 --inspectors 20000 --per-stratum 3
    echo "## registry snapshot load (10k enterprises)";            "$B/bench_draw" --load 10000
    echo "## credit classes, 200k enterprises: one pass vs a query each"; "$B/bench_credit" --enterprises 200000
    echo "## credit show, one enterprise of 200k: the credit index vs reading every record"; "$B/bench_credit_show" --enterprises 200000
  fi
  # the same chain on SQLite, one PostgreSQL and the three-node stand-in
  SC=$([ $FULL = 1 ] && echo 10000 || echo 100)
  PGU=$(bash scripts/pg.sh start)
  CL=$(bash scripts/cluster.sh start build-release/cli/zhiliang)
  echo "## backends side by side (demo chain, scale $SC)"
  "$B/bench_backends" --scale "$SC" --queries 200 sqlite=/tmp/zl-bench-backends.db \
    "pg=$PGU?schema=bench_backends" "cluster+=$CL"
  bytes() { # port schema: bytes of a store's tables and indexes on one node
    /usr/lib/postgresql/15/bin/psql -At -h 127.0.0.1 -p "$1" -U postgres zhiliang -c \
      "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = '$2' AND c.relkind = 'r'"
  }
  n=$(sqlite3 /tmp/zl-bench-backends.db 'SELECT count(*) FROM events')
  echo "bytes per event ($n events): sqlite $(( $(stat -c %s /tmp/zl-bench-backends.db) / n )),"\
    "pg $(( $(bytes 25432 bench_backends) / n )),"\
    "cluster $(( ($(bytes 25440 zhiliang) + $(bytes 25441 zhiliang) + $(bytes 25442 zhiliang)) / n ))"
  bash scripts/cluster.sh stop
  echo "## queries: first page of each EQ_/MATCH_/GE_/LT_ parameter alone (SQLite, demo chain, scale $SC) vs the same without the query indexes"
  "$B/bench_query" /tmp/zl-bench-backends.db --peer
  echo "## reads over HTTP keep-alive, 2 connections, a regulator's token: GET /events per filter, /api/trace (beside WITH RECURSIVE)"
  python3 bench/bench_reads_http.py /tmp/zl-bench-backends.db --exe build-release/cli/zhiliang
  if [ $FULL = 1 ]; then # the same on the 10M-event store (no peer: without
    # the query indexes a filter walks 10M rows per query)
    echo "## queries at 10M events: first page of each EQ_/MATCH_/GE_/LT_ parameter alone"
    "$B/bench_query" "$T10M"
    echo "## reads over HTTP keep-alive at 10M events (adds a regulator and a token to the store)"
    python3 bench/bench_reads_http.py "$T10M" --exe build-release/cli/zhiliang
  fi
} 2>&1 | tee "$OUT"
echo "figures saved in $OUT"
