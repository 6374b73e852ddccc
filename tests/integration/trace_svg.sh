#!/usr/bin/env bash
# trace_svg.sh ZHILIANG_EXE - the trace picture a person looks at
# (issue 16): a forward trace of a milk collection lot and a backward
# trace of a sold carton, drawn with `trace --svg`. Checked as XML; the
# boxes account for every node of the trace's JSON exactly once (alike
# nodes drawn as one box that counts them); parties and places by the
# names in the registry; a legend; and, in Chromium, no label running
# out of its box and no two boxes overlapping. The pictures are kept in
# $ZL_BUILD_DIR/screenshots/trace-*.png. Exit 77 without chromium or npm.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/store_common.sh"
ZL=${1:?usage: $0 ZHILIANG_EXE}
T=$(mktemp -d)
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
fail() { echo "trace_svg: $*" >&2; exit 1; }
export ZHILIANG_STORE=$(zl_store_uri svg "$T")
"$ZL" init >/dev/null || fail init
"$ZL" demo generate --seed 7 --scale 5 --out "$T/d" >/dev/null || fail demo
"$ZL" party import "$T/d/parties.json" >/dev/null || fail parties
"$ZL" capture --quiet "$T"/d/chain-*.jsonld >/dev/null || fail capture
LOT=$("$ZL" demo sample --what collection-lot) || fail "no collection lot"
ITEM=$("$ZL" demo sample --what sold-item) || fail "no sold item"
"$ZL" trace forward "$LOT" --svg "$T/f.svg" >/dev/null || fail "trace forward --svg"
"$ZL" trace back "$ITEM" --svg "$T/b.svg" >/dev/null || fail "trace back --svg"
"$ZL" trace forward "$LOT" --ids --svg "$T/fi.svg" >/dev/null || fail "trace --ids --svg"
"$ZL" trace forward "$LOT" --json > "$T/f.json" || fail "trace --json"
for f in f b fi; do xmllint --noout "$T/$f.svg" || fail "$f.svg is not well-formed XML"; done

# every node once: single boxes count 1, a stacked box "N 件..." counts N
nodes=$(jq '.nodes | length' "$T/f.json")
boxes=$(grep -c '<g><rect' "$T/f.svg")
grouped=$(grep -o '<tspan font-weight="bold">[0-9]* 件' "$T/f.svg" | grep -o '[0-9]*' | paste -sd+ | bc)
ngroups=$(grep -c '<tspan font-weight="bold">[0-9]* 件' "$T/f.svg")
[ "$ngroups" -ge 1 ] || fail "the forward trace of a collection lot draws its cartons one by one"
[ $((boxes - ngroups + grouped)) = "$nodes" ] ||
  fail "boxes account for $((boxes - ngroups + grouped)) nodes, the trace has $nodes"
[ "$boxes" -lt "$nodes" ] || fail "no box stands for several nodes"
items=$(jq '[.nodes[] | select(.kind == "item")] | length' "$T/f.json")
grep -q "<tspan font-weight=\"bold\">$items 件单品</tspan>" "$T/f.svg" ||
  fail "the $items cartons of the batch are not one box"

# names, not codes; a legend; the --ids picture keeps identifiers
plant=$(jq -r '.parties[] | select(.role == "dairy_plant") | .nameZh' "$T/d/parties.json" | head -1)
grep -q "$plant" "$T/f.svg" "$T/b.svg" || fail "no plant named ($plant)"
grep -q 'urn:epc:id:sgln\|414/' "$T/f.svg" && fail "a place shown by its code"
for w in 单品 批次 加工转化 起点; do grep -q "$w" "$T/b.svg" || fail "legend lacks $w"; done
grep -q 'Forward trace' "$T/fi.svg" || fail "--ids: not the identifiers' picture"

# in the browser: labels inside their boxes, boxes apart
. "$here/playwright_common.sh"
shots=${ZL_BUILD_DIR:-$T}/screenshots
mkdir -p "$shots"
NODE_PATH="$PW_MODULES" node "$here/trace_svg.mjs" "$CHROMIUM" "$shots" "$T/f.svg" "$T/b.svg" ||
  fail "layout in the browser"
echo "trace_svg: ok ($nodes nodes in $boxes boxes)"
