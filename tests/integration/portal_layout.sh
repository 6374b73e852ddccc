#!/usr/bin/env bash
# portal_layout.sh ZHILIANG_EXE - the portal's layout on a phone (390x844)
# and a laptop (1366x900), in Debian's Chromium driven by playwright-core
# (npm, pinned): on every public page no horizontal overflow (nothing
# wider than the screen), no date or time broken over two lines, every
# section inside the viewport, the favicon named; the page order a
# shopper reads (warning or banner, then the product, then its path) holds
# at both widths. Screenshots of every page and width are kept in
# $ZL_BUILD_DIR/screenshots/layout-*.png. Exit 77 without chromium or npm.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/playwright_common.sh"
. "$here/server_common.sh"
shots=${ZL_BUILD_DIR:-$TMP}/screenshots
mkdir -p "$shots"
zl_setup
PARTIES=$TMP/demo/parties.json
# A recall case on a collection lot, so recall pages and banners exist.
CLOT=$(jq -r '.epcisBody.eventList[] | select(.type == "TransformationEvent") | .outputQuantityList[]?.epcClass | select(test("(/10/|\\.)C[0-9]{6}-[0-9]+$"))' "$TMP"/demo/chain-*.jsonld | head -1)
CASE=$("$EXE" recall open --store "$STORE" --lot "$CLOT" --reason "黄曲霉毒素M1超标 aflatoxin M1 above the limit" --hazard-class I 2>/dev/null | tail -1)
ITEM=$(jq -r '.epcisBody.eventList[] | select(.bizStep | tostring | test("retail_selling")) | .epcList[0]' "$TMP"/demo/chain-*.jsonld | head -1)
ITEM_PATH=$("$EXE" id "$ITEM" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')
LOT_PATH=$("$EXE" id "$CLOT" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')
GTIN=$(sed -n 's#^/01/\([0-9]*\).*#\1#p' <<<"$ITEM_PATH")
H=$("$EXE" events --json perPage=1 2>/dev/null | jq -r '.epcisBody.queryResults.resultsBody.eventList[0].eventID' | grep -o '[0-9a-f]\{64\}')
sleep 11   # the server's checkpointer covers the records (every 10 s)
cat >"$TMP/pages.json" <<JSON
[["home", "/"], ["item", "$ITEM_PATH"], ["item-en", "$ITEM_PATH?lang=en"],
 ["recalled-lot", "$LOT_PATH"], ["gtin", "/01/$GTIN"], ["recalls", "/recalls"],
 ["case", "/recalls/$CASE"], ["log", "/log"], ["record", "/log/record?id=$H"],
 ["unregistered", "/01/06900012345677"], ["qr", "/qr?code=$(jq -rn --arg v "$ITEM" '$v|@uri')"]]
JSON
NODE_PATH="$PW_MODULES" node "$here/portal_layout.mjs" "$CHROMIUM" "$U" "$TMP/pages.json" "$shots" >"$TMP/layout.out" 2>&1
rc=$?
cat "$TMP/layout.out"
is "layout checks at 390x844 and 1366x900" "$rc" 0
zl_finish
