#!/usr/bin/env bash
# test.sh - build and run every test (the README's second command).
#
#   1. release build with warnings as errors: unit, conformance and
#      integration tests (servers on 127.0.0.1, npm oracles, browser)
#   2. ASan+UBSan build: the unit tests again, and the fuzz seed corpora
#      replayed through the parsers
#   3. clang build: a 30-second libFuzzer run of each parser
# Ends with one line "N passed, N failed" summed over both runs.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test

status=0
rm -f build*/meson-logs/testlog.json
setup() { # dir, extra meson args...
  local dir=$1; shift
  if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
}

setup build -Dwerror=true -Dbuildtype=debugoptimized || status=1
ninja -C build || status=1
meson test -C build --print-errorlogs --num-processes 2 || status=1

setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false || status=1
ninja -C build-asan || status=1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --suite unit --suite fuzz --print-errorlogs --num-processes 2 || status=1

# A short bounded libFuzzer run of every parser (clang build).
setup build-fuzz -Dbuildtype=debugoptimized --native-file scripts/clang.ini || status=1
ninja -C build-fuzz || status=1
meson test -C build-fuzz --suite fuzzrun --print-errorlogs --num-processes 2 || status=1

python3 scripts/test-summary.py build/meson-logs/testlog.json \
  build-asan/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json
exit $status
