#!/usr/bin/env bash
# server_log.sh ZHILIANG_EXE - the record log in public (issue 16,
# "accountability they can see"): the server signs checkpoints while the
# log grows (serve --checkpoint-every), publishes the checkpoint, the key
# and C2SP tlog-proof inclusion proofs; a proof fetched over HTTP checks
# offline with zhiliang-verify against the record's pre-hash as
# `zhiliang hash --prehash > file` saves it (trailing newline and all); an
# edited proof fails; the record's own bytes go only to a token allowed to
# read it; web/verify.js (the browser's checker, run here under Node.js's
# WebCrypto) accepts the genuine proof and rejects every edit, and passes
# RFC 6962's inclusion vectors; and headless Chromium, when installed,
# shows "verified" on the record page.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/server_common.sh"
VERIFY=$(dirname "$EXE")/../tools/zhiliang-verify
zl_store

PARTIES=$TMP/demo/parties.json
plant=$(jq -r '[.parties[] | select(.role=="dairy_plant")][0]' "$PARTIES")
P_ID=$(jq -r .uscc <<<"$plant")
P_SITE=$(jq -r '.locations[0].gln' <<<"$plant")
GTIN=$(jq -r --arg o "$P_ID" '[.products[] | select(.owner==$o)][0].gtin' "$PARTIES")
P_TOK=$("$EXE" token create --party "$P_ID" --store "$STORE")
cat >"$TMP/doc.json" <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-01T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-05-01T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning","disposition":"active",
  "quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/LOGLOT1","quantity":100,"uom":"EA"}],
  "readPoint":{"id":"https://id.gs1.org/414/$P_SITE"},"bizLocation":{"id":"https://id.gs1.org/414/$P_SITE"}}]}}
JSON
"$EXE" capture --store "$STORE" --party "$P_ID" "$TMP/doc.json" >/dev/null || exit 1
"$EXE" hash --prehash "$TMP/doc.json" >"$TMP/record.txt" || exit 1
ID=$("$EXE" hash "$TMP/doc.json")
H=$(grep -o '[0-9a-f]\{64\}' <<<"$ID")
zl_serve --checkpoint-every 1

# The checkpointer covers the new record within a second or two.
for i in $(seq 1 100); do
  [ "$(status "$U/log/proof?record=$H")" = 200 ] && break
  sleep 0.1
done
is "proof by bare hex digest: 200 once a checkpoint covers it" "$(status "$U/log/proof?record=$H")" 200
curl -s "$U/log/proof?record=$H" >"$TMP/proof.txt"
curl -s "$U/log/key" >"$TMP/key.txt"
curl -s "$U/log/checkpoint" >"$TMP/cp.txt"
ok "proof is C2SP tlog-proof text" grep -q '^c2sp.org/tlog-proof@v1$' "$TMP/proof.txt"
ok "checkpoint names the log" grep -q "^$(cut -d+ -f1 "$TMP/key.txt")\$" "$TMP/cp.txt"
is "key equals zhiliang log key" "$(tr -d '\n' <"$TMP/key.txt")" "$("$EXE" log key --store "$STORE" | tr -d '\n')"
enc=$(jq -rn --arg v "$ID" '$v|@uri')
is "proof by full hash ID: same proof" "$(curl -s "$U/log/proof?record=$enc" | md5sum)" "$(md5sum <"$TMP/proof.txt")"

# Offline, with the pre-hash as saved by `hash --prehash > file`.
ok "record file ends in a newline (the trap)" test "$(tail -c1 "$TMP/record.txt" | od -An -c | tr -d ' ')" = '\n'
"$VERIFY" --proof "$TMP/proof.txt" --key "$TMP/key.txt" --record "$TMP/record.txt" >"$TMP/v.out" 2>&1
is "zhiliang-verify accepts the HTTP proof and the saved pre-hash" "$?" 0
ok "zhiliang-verify says it ignored the trailing newline" grep -q "newline" "$TMP/v.out"
printf 'x' >>"$TMP/record.txt"
"$VERIFY" --proof "$TMP/proof.txt" --key "$TMP/key.txt" --record "$TMP/record.txt" >/dev/null 2>&1
is "zhiliang-verify refuses an edited record" "$?" 1
sed -i '3{/^A/!s/^./A/;t;s/^A/B/}' "$TMP/proof.txt"   # first proof hash, one character changed
"$VERIFY" --proof "$TMP/proof.txt" --key "$TMP/key.txt" --leaf-hex "$(curl -s "$U/log/proof?format=json&record=$H" | jq -r .leaf_hash)" >/dev/null 2>&1
is "zhiliang-verify refuses an edited proof hash" "$?" 1

# The record's bytes: only for a reader allowed to see the event.
curl -s "$U/log/proof?format=json&record=$H" >"$TMP/pub.json"
is "public JSON proof carries no record bytes" "$(jq -r 'has("canonical")' "$TMP/pub.json")" false
curl -s -H "Authorization: Bearer $P_TOK" "$U/log/proof?format=json&record=$H" >"$TMP/party.json"
is "the capturing party gets the record's pre-hash" "$(jq -r .canonical "$TMP/party.json")" "$("$EXE" hash --prehash "$TMP/doc.json")"
is "a bad token: 401" "$(status -H 'Authorization: Bearer zlt_nope' "$U/log/proof?format=json&record=$H")" 401

# Errors and the other endpoints.
is "unknown record: 404" "$(status "$U/log/proof?record=$(printf 'ab%.0s' $(seq 32))")" 404
is "no record: 400" "$(status "$U/log/proof")" 400
is "POST /log/proof: 405" "$(status -X POST "$U/log/proof?record=$H")" 405
is "consistency from=1: 200" "$(status "$U/log/consistency?from=1")" 200
is "consistency from=x: 400" "$(status "$U/log/consistency?from=x")" 400
is "consistency past the log: 404" "$(status "$U/log/consistency?from=1&to=99999999")" 404
size=$(sed -n 2p "$TMP/cp.txt")
is "consistency names the checkpoint's size" "$(curl -s "$U/log/consistency?from=1" | jq -r .size2)" "$size"
is "log page: 200" "$(status "$U/log")" 200
ok "log page shows the checkpoint's size" grep -q "<dd>$size</dd>" <(curl -s "$U/log")
curl -s -D "$TMP/rec.h" "$U/log/record?id=$H" >"$TMP/rec.html"
ok "record page lets its own script run (CSP script-src 'self')" grep -qi "script-src 'self'" "$TMP/rec.h"
ok "record page names the record" grep -q "$H" "$TMP/rec.html"
ok "other pages still run no script" bash -c "curl -s -D - -o /dev/null '$U/log' | grep -i content-security | grep -vq script-src"
is "verify.js is served as JavaScript" "$(curl -s -o /dev/null -w '%{content_type}' "$U/static/verify.js")" "text/javascript; charset=utf-8"

# The browser's checker under Node.js: genuine, edited, RFC 6962 vectors.
if command -v node >/dev/null; then
  node "$here/log_verify_js.mjs" "$root/web/verify.js" "$TMP/party.json" "$TMP/pub.json" \
    "$TMP/key.txt" "$root/tests/conformance/rfc6962/vectors.json" >"$TMP/node.out" 2>&1
  is "verify.js: genuine accepted, every edit refused, RFC 6962 vectors" "$?" 0
  sed 's/^/# /' "$TMP/node.out"
fi

# The page in a real browser, when there is one.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
  timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$TMP/chrome" --virtual-time-budget=15000 --dump-dom \
    "$U/log/record?id=$H" >"$TMP/dom.html" 2>>"$TMP/chrome.log"
  ok "Chromium checks the record page: verified" grep -q 'id="zl-verified"' "$TMP/dom.html"
  grep -q 'id="zl-verified"' "$TMP/dom.html" || sed 's/^/# /' "$TMP/dom.html" | grep -i "zl-verify" -A8 | head -20
else
  echo "# chromium not installed: browser check skipped"
fi
zl_finish
