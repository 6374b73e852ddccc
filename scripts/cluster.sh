#!/usr/bin/env bash
# cluster.sh - a three-node sharded PostgreSQL stand-in on 127.0.0.1, for
# testing the schema past one machine (Citus is not packaged in Debian 12;
# docs/scale.md gives the Citus DDL and explains each distribution key).
#
#   cluster.sh start [ZHILIANG]  start a coordinator (port 25440) and two
#                                shards (25441, 25442) with scripts/pg.sh,
#                                lay out the store "zhiliang" on them
#                                (afresh: an existing one is dropped) and
#                                print the coordinator's store URI
#   cluster.sh stop              stop all three and delete them
#
# Layout. The large tables (events, event_ids, event_refs) are
# hash-partitioned on the coordinator by their distribution key (events
# and event_refs by the event hash, event_ids by the identifier), four
# partitions each, and every partition is a postgres_fdw foreign table on
# one of the shards (remainders 0 and 2 on the first, 1 and 3 on the
# second), where the real table with its primary key and indexes lives.
# The registries and the log stay on the coordinator (Citus would make the
# registries reference tables; docs/scale.md). The coordinator's partitioned
# tables cannot carry the primary key (foreign partitions have no indexes),
# so the backend's inserts name no conflict target (ON CONFLICT DO
# NOTHING is pushed down to the shard, whose primary key decides).
#
# The shards' tables are made by zhiliang itself: `zhiliang init` of a
# template store on each shard gives the exact DDL, copied with CREATE
# TABLE ... (LIKE ... INCLUDING ALL), so this script never restates the
# schema. ZHILIANG is the binary (default build/cli/zhiliang).
set -euo pipefail
cd "$(dirname "$0")/.."

COORD=25440
SHARDS=(25441 25442)
PARTS=4
SCHEMA=zhiliang
BIG=(events:hash event_ids:id event_refs:hash)
ZHILIANG=${2:-build/cli/zhiliang}
PSQL=/usr/lib/postgresql/15/bin/psql

sql() { # port, sql...
  local port=$1; shift
  "$PSQL" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d zhiliang "$@"
}

uri() { echo "postgresql://postgres@127.0.0.1:$1/zhiliang?schema=$2"; }

case "${1:-}" in
  start)
    [ -x "$ZHILIANG" ] || { echo "cluster.sh: no zhiliang binary at $ZHILIANG (build first)" >&2; exit 1; }
    for p in "$COORD" "${SHARDS[@]}"; do bash scripts/pg.sh start "$p" >/dev/null; done
    # a fresh layout: whatever an earlier start left goes first
    for p in "$COORD" "${SHARDS[@]}"; do
      sql "$p" -c "SET client_min_messages TO warning;
                   DROP SCHEMA IF EXISTS zl_template CASCADE;
                   DROP SCHEMA IF EXISTS $SCHEMA CASCADE"
    done
    # the exact DDL, from zhiliang itself, in a template schema per node
    for p in "$COORD" "${SHARDS[@]}"; do
      "$ZHILIANG" init --store "$(uri "$p" zl_template)" >/dev/null
    done
    # shards: the real partitions, with primary keys and indexes
    for i in "${!SHARDS[@]}"; do
      p=${SHARDS[$i]}
      ddl="CREATE SCHEMA IF NOT EXISTS $SCHEMA;"
      for t in "${BIG[@]}"; do
        name=${t%%:*}
        for ((r = i; r < PARTS; r += ${#SHARDS[@]})); do
          ddl+="CREATE TABLE IF NOT EXISTS $SCHEMA.${name}_p$r (LIKE zl_template.$name INCLUDING ALL);"
        done
      done
      sql "$p" -c "$ddl"
    done
    # coordinator: partitioned tables whose partitions are the shards'
    ddl="CREATE EXTENSION IF NOT EXISTS postgres_fdw; CREATE SCHEMA IF NOT EXISTS $SCHEMA;"
    for i in "${!SHARDS[@]}"; do
      ddl+="CREATE SERVER IF NOT EXISTS shard$i FOREIGN DATA WRAPPER postgres_fdw
              OPTIONS (host '127.0.0.1', port '${SHARDS[$i]}', dbname 'zhiliang',
                       fetch_size '10000', async_capable 'true');
            CREATE USER MAPPING IF NOT EXISTS FOR postgres SERVER shard$i OPTIONS (user 'postgres');"
    done
    for t in "${BIG[@]}"; do
      name=${t%%:*} key=${t#*:}
      ddl+="CREATE TABLE $SCHEMA.$name (LIKE zl_template.$name) PARTITION BY HASH ($key);"
      for ((r = 0; r < PARTS; r++)); do
        s=$((r % ${#SHARDS[@]}))
        ddl+="CREATE FOREIGN TABLE $SCHEMA.${name}_p$r PARTITION OF $SCHEMA.$name
                FOR VALUES WITH (MODULUS $PARTS, REMAINDER $r)
                SERVER shard$s OPTIONS (schema_name '$SCHEMA', table_name '${name}_p$r');"
      done
    done
    sql "$COORD" -c "$ddl"
    for p in "$COORD" "${SHARDS[@]}"; do sql "$p" -c "SET client_min_messages TO warning; DROP SCHEMA zl_template CASCADE"; done
    uri "$COORD" "$SCHEMA"
    ;;
  stop)
    for p in "$COORD" "${SHARDS[@]}"; do bash scripts/pg.sh stop "$p"; done
    ;;
  *) echo "usage: cluster.sh start [ZHILIANG] | stop" >&2; exit 2 ;;
esac
