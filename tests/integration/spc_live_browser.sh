#!/usr/bin/env bash
# spc_live_browser.sh ZHILIANG_EXE - the stream page follows its feed in
# Debian's Chromium (playwright-core, pinned): the page is fetched with the
# owner's token (as a reverse proxy or an intranet login would add it),
# the browser's own requests carry none (checked), and a measurement and
# then an alarm appended over HTTP appear on the page without a reload,
# the chart redrawn with the new point. Screenshot:
# $ZL_BUILD_DIR/screenshots/spc-live.png. Exit 77 without chromium or npm.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/playwright_common.sh"
. "$here/server_common.sh"
shots=${ZL_BUILD_DIR:-$TMP}/screenshots
mkdir -p "$shots"
"$EXE" init --store "$STORE" >/dev/null || { echo "Bail out! init"; exit 1; }
"$EXE" party add --store "$STORE" --id plant1 --name 精密机加 --gln 0614141000005 --prefix 0614141 >/dev/null
TOK=$("$EXE" token create --party plant1 --store "$STORE" 2>/dev/null)
"$EXE" spc stream create bore --chart imr --characteristic "bore diameter" --unit mm \
  --center 10 --sigma 0.1 --owner plant1 --store "$STORE" >/dev/null
"$EXE" spc append bore 10.01 9.98 10.03 9.97 10.02 --store "$STORE" >/dev/null
# short tickets and heartbeats, so the page also lives through a renewal
# and a reconnect (the feed ends after 4 s) within the test
ZL_SPC_TICKET_TTL_S=3 ZL_SSE_BEAT_S=1 ZL_SSE_LIFE_S=4 zl_serve
NODE_PATH="$PW_MODULES" node "$here/spc_live.mjs" "$CHROMIUM" "$U" "$TOK" "$shots" >"$TMP/live.out" 2>&1
rc=$?
cat "$TMP/live.out"
is "the stream page updated live in Chromium" "$rc" 0
zl_finish
