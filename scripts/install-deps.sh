#!/usr/bin/env bash
# install-deps.sh - install Zhiliang's Debian 12 packages. Safe to run again
# (only what is missing is installed). Runs apt-get as root, or through
# sudo when not root.
#
#   install-deps.sh          what the main job needs: build the library,
#                            the CLI and the server, run them (demo.sh)
#   install-deps.sh --test   that, plus what only the tests need (test.sh):
#                            clang and the libFuzzer runtime, Node.js and
#                            npm for the JavaScript oracles, Chromium and a
#                            CJK font for the browser test, curl, the
#                            sqlite3 shell, PostgreSQL 15 (server and
#                            psql/pg_dump: scripts/pg.sh runs a throwaway
#                            server for the suites' second run), R and its
#                            spc package (the SPC oracle test), its
#                            surveillance package (the risk signals oracle)
#   install-deps.sh --bench  that, plus wrk for the HTTP benchmark
#                            (bench.sh)
#   install-deps.sh --pg     that, plus the PostgreSQL 15 server
#                            (demo.sh --pg, scripts/pg.sh)
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
TEST=0
BENCH=0
PG=0
for a in "$@"; do
  case "$a" in
    --test) TEST=1 ;;
    --bench) BENCH=1 ;;
    --pg) PG=1 ;;
    *) echo "usage: install-deps.sh [--test] [--bench] [--pg]" >&2; exit 2 ;;
  esac
done

# Build and run. cmocka is here because the unit tests are part of every
# build (a missing dependency is an error, never a silently smaller build);
# python3 runs the man page generator; jq reads demo.sh's JSON.
PKGS=(build-essential pkg-config meson ninja-build python3 libcurl4-openssl-dev
      libsqlite3-dev libpq-dev libjansson-dev libssl-dev libmicrohttpd-dev libzstd-dev
      libqrencode-dev libcmocka-dev libxml2-dev jq)
if [ "$TEST" = 1 ]; then
  PKGS+=(clang clang-format libclang-rt-14-dev sqlite3 curl ca-certificates chromium
         fonts-wqy-microhei groff-base man-db bsdextrautils postgresql-15 libxml2-utils
         r-base-core r-cran-spc r-cran-surveillance)
  # Node.js and npm run the JavaScript oracles (epcis2.js, digital-link.js)
  # and the browser test; keep an existing Node.js installation.
  if ! command -v node >/dev/null 2>&1; then PKGS+=(nodejs); fi
  if ! command -v npm >/dev/null 2>&1; then PKGS+=(npm); fi
fi
if [ "$PG" = 1 ]; then
  PKGS+=(postgresql-15)  # a local server for scripts/pg.sh (demo.sh --pg)
fi
if [ "$BENCH" = 1 ]; then
  PKGS+=(wrk curl sqlite3)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
