#!/usr/bin/env bash
# cluster.sh - the schema past one machine: the demo chain captured through
# the three-node stand-in of scripts/cluster.sh (a coordinator whose large
# tables are hash-partitioned into postgres_fdw partitions on two shards)
# gives byte-identical answers to SQLite on the same chain: events query,
# traces both ways, recall scope (JSON and the FSMA 204 sheet), the log's
# size, and `zhiliang verify` passes on it. Runs in the PostgreSQL
# test setup (it starts and stops its own three servers on ports
# 25440-25442); skipped on SQLite runs.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
zl_on_pg || { echo "# skipped: runs in the PostgreSQL setup (meson test --setup pg)"; exit 77; }
[ -x "$ZL_PGBIN/initdb" ] || { echo "# skipped: no PostgreSQL 15 server binaries"; exit 77; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
trap 'bash scripts/cluster.sh stop >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
fail() { echo "cluster: $*" >&2; exit 1; }

CL=$(bash scripts/cluster.sh start "$ZL") || fail "cluster start"
SQ="$T/s.db"
"$ZL" demo generate --seed 7 --scale 4 --out "$T/d" >/dev/null
for st in "$SQ" "$CL"; do
  "$ZL" init --store "$st" --origin cluster.test/log >/dev/null
  "$ZL" capture --quiet --store "$st" "$T"/d/chain-*.jsonld >/dev/null
  "$ZL" party import --store "$st" "$T/d/parties.json" >/dev/null
done

# the events really are on the shards
n0=$(zl_sql "postgresql://postgres@127.0.0.1:25441/zhiliang?schema=zhiliang" \
  "SELECT (SELECT count(*) FROM events_p0) + (SELECT count(*) FROM events_p2)")
n1=$(zl_sql "postgresql://postgres@127.0.0.1:25442/zhiliang?schema=zhiliang" \
  "SELECT (SELECT count(*) FROM events_p1) + (SELECT count(*) FROM events_p3)")
[ "$n0" -gt 0 ] && [ "$n1" -gt 0 ] || fail "events not spread over the shards ($n0, $n1)"

ITEM=$(jq -r '.epcisBody.eventList[] | select(.bizStep? // "" | test("retail_selling"))
       | .epcList[0]' "$T"/d/chain-*.jsonld | head -1)
LOT=$(jq -r '.epcisBody.eventList[] | select(.type == "TransformationEvent")
      | .outputQuantityList[]?.epcClass
      | select(test("(/10/|\\.)C[0-9]{6}-[0-9]+$"))' "$T"/d/chain-*.jsonld | head -1)
[ -n "$ITEM" ] && [ -n "$LOT" ] || fail "no sample item or lot"

# the capture's own times differ between two captures of one chain
NOTIME='del(.creationDate) | del(.. | .recordTime?)'
answers() { # store, out prefix
  local st=$1 o=$2
  "$ZL" events --store "$st" --json EQ_bizStep=shipping eventCountLimit=50 \
    | jq -S "$NOTIME" >"$o.events"
  "$ZL" events --store "$st" --json "MATCH_anyEPC=$ITEM" \
    | jq -S "$NOTIME" >"$o.match"
  "$ZL" trace back --store "$st" --json "$ITEM" | jq -S "$NOTIME" >"$o.back"
  "$ZL" trace forward --store "$st" --json "$LOT" | jq -S "$NOTIME" >"$o.fwd"
  "$ZL" recall scope --store "$st" --lot "$LOT" --json | jq -S "$NOTIME" >"$o.scope"
  "$ZL" recall scope --store "$st" --lot "$LOT" --csv "$o.csv" >/dev/null
  # capture receipts and registry records carry their own times: the
  # roots differ between two captures, the sizes may not
  "$ZL" log checkpoint --store "$st" --json | jq '.tree_size' >"$o.ckpt"
}
answers "$SQ" "$T/sqlite"
answers "$CL" "$T/cluster"
for k in events match back fwd scope csv ckpt; do
  cmp -s "$T/sqlite.$k" "$T/cluster.$k" \
    || fail "$k differs between SQLite and the cluster: $(diff "$T/sqlite.$k" "$T/cluster.$k" | head -5)"
done
[ "$(cat "$T/cluster.ckpt")" -gt 0 ] || fail "empty log"
"$ZL" verify --store "$CL" >/dev/null || fail "verify on the cluster"
echo "cluster: $((n0 + n1)) events on two shards; 7 answers identical to SQLite; verify ok"
