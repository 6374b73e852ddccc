#!/usr/bin/env bash
# server_signature.sh - signed captures (issue: parties sign what they
# submit): a document signed by the capturing party's registered Ed25519
# key is stored and kept with its signature, one signed by another key or
# over other bytes is refused whole, over HTTP (Zhiliang-Signature header)
# and on the command line (capture --signature).
. "$(dirname "$0")/server_common.sh"

zl_store
"$EXE" key generate --out "$TMP/dairy" >/dev/null
"$EXE" key generate --out "$TMP/other" >/dev/null
"$EXE" party add --store "$STORE" --name 测试乳业 --uscc 91350100M000100Y43 \
  --gln 0614141073467 --pubkey "$TMP/dairy.pub" >/dev/null
PARTY=91350100M000100Y43
TOKEN=$("$EXE" token create --store "$STORE" --party "$PARTY" --json | jq -r .token)

doc() { # serial
  cat <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2024-03-01T08:00:00.000+08:00",
 "eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning",
 "epcList":["urn:epc:id:sgtin:0614141.107346.$1"],
 "readPoint":{"id":"urn:epc:id:sgln:0614141.07346.0"}}]}}
JSON
}
count() { "$EXE" events --store "$STORE" --json MATCH_epc="urn:epc:id:sgtin:0614141.107346.$1" | jq '.epcisBody.queryResults.resultsBody.eventList | length'; }

# Command line.
doc 1 > "$TMP/d1.json"
"$EXE" key sign --key "$TMP/dairy.key" "$TMP/d1.json" > "$TMP/d1.sig"
"$EXE" key sign --key "$TMP/other.key" "$TMP/d1.json" > "$TMP/d1.bad"
ok "key verify accepts the party's signature" "$EXE" key verify --pub "$TMP/dairy.pub" --signature "$TMP/d1.sig" "$TMP/d1.json"
ok "key verify refuses another key's" sh -c "! '$EXE' key verify --pub '$TMP/dairy.pub' --signature '$TMP/d1.bad' '$TMP/d1.json'"
ok "capture refuses a signature by another key" sh -c "! '$EXE' capture --store '$STORE' --party $PARTY --signature '$TMP/d1.bad' '$TMP/d1.json'"
is "nothing stored after the refusal" "$(count 1)" 0
ok "capture accepts the party's signature" "$EXE" capture --store "$STORE" --party $PARTY --signature "$TMP/d1.sig" "$TMP/d1.json"
is "the signed event is stored" "$(count 1)" 1
is "the signed document is kept byte for byte" \
  "$(zl_sql "$STORE" "select count(*) from signed_docs where doc = $(zl_blob "$(od -An -v -tx1 "$TMP/d1.json" | tr -d ' \n')")")" 1

# HTTP.
zl_serve
doc 2 > "$TMP/d2.json"
good=$("$EXE" key sign --key "$TMP/dairy.key" "$TMP/d2.json")
bad=$("$EXE" key sign --key "$TMP/other.key" "$TMP/d2.json")
post() { curl -s -o "$TMP/resp" -w '%{http_code}' -X POST "$U/capture" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/ld+json' "$@" \
  --data-binary @"$TMP/d2.json"; }
is "HTTP: another key's signature is refused" "$(post -H "Zhiliang-Signature: $bad")" 403
is "HTTP: the refusal names the signature" "$(jq -r .type "$TMP/resp")" "epcisException:SecurityException"
is "HTTP: nothing stored after the refusal" "$(count 2)" 0
is "HTTP: the party's signature is accepted" "$(post -H "Zhiliang-Signature: $good")" 202
is "HTTP: the signed event is stored" "$(count 2)" 1
is "HTTP: malformed signature is a client error" "$(post -H 'Zhiliang-Signature: not-base64!')" 400
zl_finish
