#!/usr/bin/env bash
# server_epcis2js.sh ZHILIANG_EXE - the server against an independent
# EPCIS 2.0 client: the npm package epcis2.js 2.7.3 builds a document with
# its own entity classes, sends it with its own capture() and polls the
# capture job with its CaptureResponse; the events read back over
# GET /events must be the ones sent, with eventIDs equal to epcis2.js's own
# CBV 2.0 hash of each event (eventToHashedId).
#
# epcis2.js is installed by npm_epcis2js.sh, cached under the build
# directory. Exit 77 (skipped) when node or npm is missing.
set -u
exe=${1:?usage: server_epcis2js.sh ZHILIANG_EXE}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node and npm are needed for the epcis2.js client test"
  exit 77
fi
builddir=${ZL_BUILD_DIR:-$(cd "$(dirname "$exe")/.." && pwd)}
cache=${ZL_EPCIS2JS_SERVER_CACHE:-$builddir/epcis2js-server}
pkg=$cache/node_modules/epcis2.js
. "$here/npm_epcis2js.sh"
npm_epcis2js "$cache" zl-epcis2js-server || exit 1

. "$here/server_common.sh"
"$EXE" init --store "$STORE" >/dev/null || exit 1
# The capturing party: a dairy plant with two sites (GLNs with check digits).
"$EXE" party add --name 长青乳业 --name-en "Changqing Dairy" --id plant1 \
  --gln 6940277700002 --gln 6940277700019 --store "$STORE" >/dev/null || exit 1
"$EXE" party add --name 别家牧场 --id farm1 --gln 6915669000008 --store "$STORE" >/dev/null || exit 1
TOK=$("$EXE" token create --party plant1 --store "$STORE" 2>/dev/null)
zl_serve
node "$here/server_epcis2js.mjs" "$pkg" "$U" "$TOK"
rc=$?
kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=
exit $rc
