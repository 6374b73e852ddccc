#!/usr/bin/env bash
# cli_start.sh - the CLI starts without the libraries only some commands
# need (zhiliang/dl.h): libpq, libxml2, libmicrohttpd and libcurl are
# opened when a PostgreSQL store, an XML document or `serve` needs them,
# not linked (linked, they cost every command ~6 ms of its start). The
# commands that use them are tested by their own suites (the PostgreSQL
# setup, xml_cli, server_*); here, that they are not linked, and that a
# command which needs none of them runs without them.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$1
fail() { echo "cli_start: $*"; exit 1; }

libs=$(ldd "$ZL") || fail "ldd $ZL"
for l in libpq libxml2 libmicrohttpd libcurl; do
  ! grep -q "$l\\." <<<"$libs" || fail "zhiliang links $l: $(grep "$l\\." <<<"$libs")"
done
# a command that opens none of them, as the loader reports what it opens
out=$(LD_DEBUG=files "$ZL" id 09506000134352 2>&1 >/dev/null) || fail "id"
for l in libpq libxml2 libmicrohttpd libcurl; do
  ! grep -q "file=$l\\." <<<"$out" || fail "\`id check\` loaded $l"
done
# and the XML reader opens libxml2 when it needs it
doc=tests/conformance/gs1-epcis/XML/Example_9.6.1-ObjectEvent-2020_06_18a.xml
if [ -f "$doc" ]; then
  out=$(LD_DEBUG=files "$ZL" convert "$doc" 2>&1 >/dev/null) ||
    fail "convert $doc"
  grep -q "file=libxml2\\." <<<"$out" || fail "convert did not open libxml2"
fi
echo "cli_start: ok"
