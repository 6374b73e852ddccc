#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL 15 server on 127.0.0.1 for the tests and
# benchmarks (Debian's postgresql-15; nothing of the system's own cluster is
# touched).
#
#   pg.sh start [PORT]   initdb a fresh cluster in $ZL_PG_DIR (default
#                        /tmp/zl-pg-PORT), start it on 127.0.0.1:PORT
#                        (default 25432) with trust authentication for
#                        loopback, create the database "zhiliang", and print
#                        its URI (postgresql://...); stores in it are
#                        schemas (?schema=NAME)
#   pg.sh stop [PORT]    stop it and delete the cluster
#   pg.sh uri [PORT]     print the URI of a running one
#   pg.sh running [PORT] exit 0 when a server answers on 127.0.0.1:PORT
#                        (test.sh stops only a server it started itself)
#
# Ports are below 32768, outside Linux's range for outgoing connections'
# local ports (32768-60999), so a busy test run's clients can never hold
# the port a server is about to take.
# The server runs as an unprivileged user: the caller, or "postgres" when
# the caller is root (initdb refuses root). fsync stays on: the tests
# check that an accepted record survives.
set -euo pipefail

cmd=${1:-}
PORT=${2:-25432}
BIN=/usr/lib/postgresql/15/bin
DIR=${ZL_PG_DIR:-/tmp/zl-pg-$PORT}
URI="postgresql://postgres@127.0.0.1:$PORT/zhiliang"

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    [ -x "$BIN/initdb" ] || { echo "pg.sh: $BIN/initdb missing (apt-get install postgresql-15)" >&2; exit 1; }
    if [ -f "$DIR/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      echo "$URI"; exit 0
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
    chmod 700 "$DIR"
    as_owner "$BIN/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --no-locale >"$DIR.initdb.log" 2>&1 \
      || { cat "$DIR.initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c shared_buffers=256MB" start >/dev/null \
      || { echo "pg.sh: the server on port $PORT did not start:" >&2; tail -5 "$DIR/server.log" >&2; exit 1; }
    "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
      -c "CREATE DATABASE zhiliang" >/dev/null
    echo "$URI"
    ;;
  stop)
    if [ -d "$DIR" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
      rm -rf "$DIR" "$DIR.initdb.log"
    fi
    ;;
  uri) echo "$URI" ;;
  running) "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" ;;
  *) echo "usage: pg.sh start|stop|uri|running [PORT]" >&2; exit 2 ;;
esac
