#!/usr/bin/env bash
# server_browser.sh ZHILIANG_EXE - the portal in a real browser: headless
# Chromium (Debian's chromium package) opens, at a phone's width, the
# product page of a recalled lot and of a normal lot. Checks on the DOM
# Chromium built (--dump-dom): the recall banner, the path travelled, the
# product name and lot; checks on the pixels Chromium painted
# (--screenshot, decoded here): the red banner is really drawn at the top
# of the recalled lot's page and absent from the other. Screenshots are
# kept in $ZL_BUILD_DIR/screenshots/. Exit 77 when chromium is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then echo "SKIP: chromium is not installed"; exit 77; fi
. "$here/server_common.sh"
shots=${ZL_BUILD_DIR:-$(cd "$(dirname "$EXE")/.." && pwd)}/screenshots
mkdir -p "$shots"

"$EXE" init --store "$STORE" >/dev/null || exit 1
"$EXE" party add --name 长青乳业股份有限公司 --name-en "Changqing Dairy Co., Ltd." \
  --id plant1 --gln 6940277700002 --store "$STORE" >/dev/null || exit 1
cat >"$TMP/master.json" <<'JSON'
{"products":[{"gtin":"06902310001019","nameZh":"纯牛奶 250mL","nameEn":"Whole UHT milk 250 mL","brandZh":"长青","brandEn":"Changqing"}],
 "parties":[{"id":"plant1","nameZh":"长青乳业股份有限公司","nameEn":"Changqing Dairy Co., Ltd.","gln":"6940277700002",
   "locations":[{"gln":"6940277700002","nameZh":"主厂区","nameEn":"main plant"}]},
  {"id":"shop1","nameZh":"鲜丰汇超市","nameEn":"Xianfenghui Supermarket","gln":"6904642000005"}]}
JSON
"$EXE" party import "$TMP/master.json" --store "$STORE" >/dev/null || exit 1
ev() { # time lot bizStep disposition location [destination]
  local dest=""
  [ -n "${6:-}" ] && dest=",\"destinationList\":[{\"type\":\"owning_party\",\"destination\":\"https://id.gs1.org/417/$6\"}]"
  printf '{"type":"ObjectEvent","eventTime":"%s","eventTimeZoneOffset":"+08:00","action":"OBSERVE","bizStep":"%s","disposition":"%s","quantityList":[{"epcClass":"https://id.gs1.org/01/06902310001019/10/%s","quantity":10,"uom":"EA"}],"bizLocation":{"id":"https://id.gs1.org/414/%s"}%s}' \
    "$1" "$3" "$4" "$2" "$5" "$dest"
}
{
  printf '{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-01T00:00:00Z","epcisBody":{"eventList":['
  ev 2026-05-01T08:00:00+08:00 LOTRED commissioning active 6940277700002; printf ,
  ev 2026-05-01T18:00:00+08:00 LOTRED shipping in_transit 6940277700002 6904642000005; printf ,
  ev 2026-05-03T09:00:00+08:00 LOTRED holding recalled 6940277700002; printf ,
  ev 2026-05-01T08:30:00+08:00 LOTOK commissioning active 6940277700002; printf ,
  ev 2026-05-01T18:30:00+08:00 LOTOK shipping in_transit 6940277700002 6904642000005
  printf ']}}'
} >"$TMP/doc.json"
"$EXE" capture --store "$STORE" "$TMP/doc.json" >/dev/null || exit 1
zl_serve

chrome() { # out-flag url
  timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$TMP/chrome-$RANDOM" --window-size=412,915 \
    --hide-scrollbars "$1" "$2" 2>>"$TMP/chrome.log"
}
for lot in LOTRED LOTOK; do
  for lang in zh en; do
    q=""; [ "$lang" = en ] && q="?lang=en"
    chrome --dump-dom "$U/01/06902310001019/10/$lot$q" >"$TMP/$lot.$lang.html"
    chrome --screenshot="$shots/product-$lot-$lang.png" "$U/01/06902310001019/10/$lot$q" >/dev/null
  done
done
chrome --screenshot="$shots/recalls.png" "$U/recalls" >/dev/null
chrome --screenshot="$shots/qr.png" "$U/qr?code=%2801%2906902310001019%2810%29LOTOK" >/dev/null

ok "recalled lot: banner in the DOM" grep -q 'class="recall-banner"' "$TMP/LOTRED.zh.html"
ok "recalled lot: banner says what to do (zh)" grep -q '停止食用' "$TMP/LOTRED.zh.html"
ok "recalled lot: banner in English" grep -q 'Stop eating or using' "$TMP/LOTRED.en.html"
ok "normal lot: no banner" sh -c "! grep -q 'recall-banner' '$TMP/LOTOK.zh.html'"
ok "product name (zh)" grep -q '纯牛奶 250mL' "$TMP/LOTOK.zh.html"
ok "product name (en)" grep -q 'Whole UHT milk 250 mL' "$TMP/LOTOK.en.html"
ok "lot shown" grep -q '<dd id="lot">LOTOK</dd>' "$TMP/LOTOK.zh.html"
is "path has the lot's two events" "$(grep -o '<li>' "$TMP/LOTOK.zh.html" | wc -l)" 2
ok "path names the plant's site" grep -q '主厂区' "$TMP/LOTOK.zh.html"
ok "path names the consignee" grep -q '发往 鲜丰汇超市' "$TMP/LOTOK.zh.html"
ok "English path" grep -q 'To Xianfenghui Supermarket' "$TMP/LOTOK.en.html"
ok "language switch link" grep -q 'hreflang="en"' "$TMP/LOTOK.zh.html"

# Pixels: count the banner's red (#b3261e, allowing for anti-aliasing) in
# the top 400 px of each screenshot. PNG decoded with zlib alone.
red_pixels() {
  python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w = 8, b"", 0
while pos < len(data):
    ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + ln]
    if typ == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and interlace == 0 and ctype in (2, 6)
        bpp = 3 if ctype == 2 else 4
    elif typ == b"IDAT":
        idat += body
    pos += 12 + ln
raw = zlib.decompress(idat)
stride, prev, red = w * bpp, bytearray(w * bpp), 0
for y in range(min(h, 400)):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        if abs(r - 0xb3) < 12 and abs(g - 0x26) < 12 and abs(bl - 0x1e) < 12:
            red += 1
    prev = line
print(red)
PY
}
ok "screenshots written" test -s "$shots/product-LOTRED-zh.png" -a -s "$shots/product-LOTOK-zh.png"
r1=$(red_pixels "$shots/product-LOTRED-zh.png")
r2=$(red_pixels "$shots/product-LOTOK-zh.png")
ok "recalled lot: red banner painted ($r1 red pixels)" test "${r1:-0}" -gt 10000
is "normal lot: no red painted" "${r2:-x}" 0
zl_finish
