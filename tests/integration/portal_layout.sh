#!/usr/bin/env bash
# portal_layout.sh ZHILIANG_EXE - the portal's layout on a phone (390x844)
# and a laptop (1366x900), in Debian's Chromium driven by playwright-core
# (npm, pinned): on every public page no horizontal overflow (nothing
# wider than the screen), no date or time broken over two lines, every
# section inside the viewport, the favicon named; the page order a
# shopper reads (warning or banner, then the product, then its path) holds
# at both widths; and every page's boxes (header, sections, headings, fact
# lists, paths, tables, forms, charts, banners) stand where the reference
# layout portal_layout.ref.json has them: same boxes in the same order,
# each with its left edge and width within 2 px. After a deliberate change
# of the style sheet or of a page's structure, look at the screenshots
# and renew the reference:
#   ZL_LAYOUT_UPDATE=1 meson test -C build portal_layout
# Screenshots of every page and width are kept in
# $ZL_BUILD_DIR/screenshots/layout-*.png. Exit 77 without chromium or npm.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/playwright_common.sh"
. "$here/server_common.sh"
shots=${ZL_BUILD_DIR:-$TMP}/screenshots
mkdir -p "$shots"
zl_setup
PARTIES=$TMP/demo/parties.json
# A drawn inspection plan with a failed, published spot check on a
# collection lot, so /inspections, a plan's page, the charts of /results
# and a product page's spot-check section exist.
"$EXE" registry import category "$TMP/demo/registry-categories.json" --store "$STORE" >/dev/null
"$EXE" registry import enterprise "$TMP/demo/registry-enterprises.json" --store "$STORE" >/dev/null
"$EXE" registry import inspector "$TMP/demo/registry-inspectors.json" --store "$STORE" >/dev/null
"$EXE" inspect plan --store "$STORE" --id L1 --title "乳制品监督抽查（双随机）" --category RAW_MILK \
  --region 13 --region 15 --count 1 --distance 2 >/dev/null
for i in 1 2; do # two records after the plan: its beacon exists
  jq -c ".[0] + {code: \"LAYOUT$i\"}" "$TMP/demo/registry-categories.json" > "$TMP/cat.json"
  "$EXE" registry put category "$TMP/cat.json" --store "$STORE" >/dev/null
done
"$EXE" inspect draw L1 --store "$STORE" >/dev/null
SLOT=$("$EXE" demo sample --store "$STORE" --what collection-lot 2>/dev/null || true)
if [ -n "$SLOT" ]; then
  T1=$("$EXE" inspect show L1 --store "$STORE" --json | jq -c '.current[0]')
  CATJ=$("$EXE" registry show category "$(jq -r .category <<<"$T1")" --store "$STORE")
  "$EXE" inspect sample L1:1 --store "$STORE" --date 2026-03-10 --product "$(jq -r .name_zh <<<"$CATJ")" \
    --lot "$SLOT" --quantity 4 --code "$SLOT/21/1" --sampler "$(jq -r '.team[0]' <<<"$T1")" >/dev/null
  # shellcheck disable=SC2046
  "$EXE" inspect report L1:1 --store "$STORE" --date 2026-03-17 --no JC-L1 --lab 检验院 $(jq -r '
      (.items | map(.max != null and .max != "") | rindex(true)) as $f | .items | to_entries[]
      | "--item \(.value.item)=\(if .key == $f then (.value.max | tonumber * 1.24 | tostring)
                                elif (.value.min // "") != "" then .value.min else .value.max end)"' <<<"$CATJ") >/dev/null
  "$EXE" inspect notify L1:1 --store "$STORE" --date 2026-03-18 >/dev/null
  "$EXE" inspect publish L1:1 --store "$STORE" --date 2026-03-25 >/dev/null
fi
# A recall case on a collection lot, so recall pages and banners exist.
CLOT=$(jq -r '.epcisBody.eventList[] | select(.type == "TransformationEvent") | .outputQuantityList[]?.epcClass | select(test("(/10/|\\.)C[0-9]{6}-[0-9]+$"))' "$TMP"/demo/chain-*.jsonld | head -1)
CASE=$("$EXE" recall open --store "$STORE" --lot "$CLOT" --reason "黄曲霉毒素M1超标 aflatoxin M1 above the limit" --hazard-class I 2>/dev/null | tail -1)
ITEM=$(jq -r '.epcisBody.eventList[] | select(.bizStep | tostring | test("retail_selling")) | .epcList[0]' "$TMP"/demo/chain-*.jsonld | head -1)
ITEM_PATH=$("$EXE" id "$ITEM" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')
LOT_PATH=$("$EXE" id "$CLOT" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')
GTIN=$(sed -n 's#^/01/\([0-9]*\).*#\1#p' <<<"$ITEM_PATH")
H=$("$EXE" events --json perPage=1 2>/dev/null | jq -r '.epcisBody.queryResults.resultsBody.eventList[0].eventID' | grep -o '[0-9a-f]\{64\}')
sleep 11   # the server's checkpointer covers the records (every 10 s)
ENT=$(jq -r '.[0].uscc' "$TMP/demo/registry-enterprises.json")
cat >"$TMP/pages.json" <<JSON
[["home", "/"], ["item", "$ITEM_PATH"], ["item-en", "$ITEM_PATH?lang=en"],
 ["recalled-lot", "$LOT_PATH"], ["gtin", "/01/$GTIN"], ["recalls", "/recalls"],
 ["case", "/recalls/$CASE"], ["log", "/log"], ["record", "/log/record?id=$H"],
 ["results", "/results"], ["inspections", "/inspections"], ["plan", "/inspections/L1"],
 ["plan-en", "/inspections/L1?lang=en"], ["unregistered", "/01/06900012345677"], ["enterprise", "/enterprises/$ENT"], ["qr", "/qr?code=$(jq -rn --arg v "$ITEM" '$v|@uri')"]]
JSON
NODE_PATH="$PW_MODULES" node "$here/portal_layout.mjs" "$CHROMIUM" "$U" "$TMP/pages.json" "$shots" "$here/portal_layout.ref.json" >"$TMP/layout.out" 2>&1
rc=$?
cat "$TMP/layout.out"
is "layout checks at 390x844 and 1366x900" "$rc" 0
zl_finish
