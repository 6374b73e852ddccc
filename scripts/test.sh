#!/usr/bin/env bash
# test.sh - build and run every test (the README's second command).
#
#   1. release build with warnings as errors: unit, conformance and
#      integration tests (servers on 127.0.0.1, npm oracles, browser),
#      then the unit and integration tests again with every store in a
#      throwaway PostgreSQL server (scripts/pg.sh, meson's "pg" setup;
#      stopped at exit unless it was already running before)
#   2. ASan+UBSan build: the unit tests again (on SQLite and on
#      PostgreSQL), and the fuzz seed corpora replayed through the parsers
#   3. ThreadSanitizer build: the tests that start threads, then
#      tsan_clean, which fails on any report they left
#   4. clang build: a 30-second libFuzzer run of each parser
# Ends with one line "N passed, N failed" summed over all the runs.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test

status=0
rm -f build*/meson-logs/testlog.json build*/meson-logs/testlog-pg.json \
  build*/meson-logs/testlog-clean.json
pg_started=0
stop_pg() { if [ "$pg_started" = 1 ]; then bash scripts/pg.sh stop; fi; }
trap stop_pg EXIT
setup() { # dir, extra meson args...
  local dir=$1; shift
  if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
}

setup build -Dwerror=true -Dbuildtype=debugoptimized || status=1
ninja -C build || status=1
meson test -C build --print-errorlogs --num-processes 2 || status=1

# The same suites on PostgreSQL (a store is a schema of the server's
# database; tests/meson.build's "pg" setup passes the URI template).
if ! bash scripts/pg.sh running; then
  if bash scripts/pg.sh start >/dev/null; then pg_started=1; else status=1; fi
fi
if bash scripts/pg.sh running; then
  meson test -C build --setup pg --suite unit --suite integration \
    --print-errorlogs --num-processes 2 || status=1
fi

setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false || status=1
ninja -C build-asan || status=1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --suite unit --suite fuzz --print-errorlogs --num-processes 2 || status=1
if bash scripts/pg.sh running; then
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --setup pg --suite unit --print-errorlogs --num-processes 2 || status=1
fi

# The tests that start threads (the server's workers, the capture
# pipeline, subscriptions and streams, hashing on two threads) under
# ThreadSanitizer; its reports go to files, which tsan_clean fails on.
THREADED="server ratelimit event_hash server_api capture_pipeline
  concurrent_writers ws_stream subscriptions spc_live server_budget"
setup build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false || status=1
ninja -C build-tsan || status=1
tsan_dir=$PWD/build-tsan/tsan-reports
rm -rf "$tsan_dir" && mkdir -p "$tsan_dir"
# shellcheck disable=SC2086
TSAN_OPTIONS="log_path=$tsan_dir/report halt_on_error=0" \
  meson test -C build-tsan --print-errorlogs --num-processes 2 $THREADED || status=1
ZL_TSAN_REPORTS=$tsan_dir meson test -C build-tsan --logbase testlog-clean \
  --print-errorlogs tsan_clean || status=1

# A short bounded libFuzzer run of every parser (clang build).
setup build-fuzz -Dbuildtype=debugoptimized --native-file scripts/clang.ini || status=1
ninja -C build-fuzz || status=1
meson test -C build-fuzz --suite fuzzrun --print-errorlogs --num-processes 2 || status=1

python3 scripts/test-summary.py build/meson-logs/testlog.json \
  build/meson-logs/testlog-pg.json build-asan/meson-logs/testlog.json \
  build-asan/meson-logs/testlog-pg.json build-tsan/meson-logs/testlog.json \
  build-tsan/meson-logs/testlog-clean.json build-fuzz/meson-logs/testlog.json
exit $status
