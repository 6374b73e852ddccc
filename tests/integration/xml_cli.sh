#!/usr/bin/env bash
# xml_cli.sh ZHILIANG_EXE - the EPCIS XML binding end to end (issue 15):
# `zhiliang hash` on every XML document of the CBV 2.0 event hash corpus
# gives the published IDs; `zhiliang convert` writes JSON-LD that hashes
# the same (and XML from JSON-LD, which hashes the same too); `zhiliang capture doc.xml` stores the events under the IDs of
# their JSON twin (the twin then adds nothing); errors name the element
# path and line; POST /capture takes application/xml and text/xml and
# refuses a body that is not what its Content-Type says.
. "$(dirname "$0")/server_common.sh"
corpus=tests/conformance/epcis-event-hash/examples
ext=(--ignore-fields-extension https://repository-x.example.com/)

# hash: the corpus's XML documents (the two exceptions are in
# tests/unit/test_epcis_xml.c, with the reason)
m=0
for doc in "$corpus"/*.xml; do
  case "$doc" in *SensorDataExamples.xml|*WithMultipleExtensions.xml) continue ;; esac
  m=$((m + 1))
  is "hash $(basename "$doc")" "$("$EXE" hash "${ext[@]}" "$doc")" "$(cat "${doc%.xml}.hashes")"
done
is "15 XML corpus documents" "$m" 15

# convert: JSON-LD whose events hash as the XML's do
x=$corpus/epcisDocWithVariousEventTypes.xml
ok "convert -o" "$EXE" convert "$x" -o "$TMP/v.jsonld"
ok "the output is JSON" jq -e '.type == "EPCISDocument"' "$TMP/v.jsonld"
is "convert keeps the hashes" "$("$EXE" hash "$TMP/v.jsonld")" "$(cat "${x%.xml}.hashes")"
is "convert to stdout" "$("$EXE" convert "$x" | "$EXE" hash -)" "$(cat "${x%.xml}.hashes")"
# and back: JSON-LD -> XML -> the same hashes
is "convert JSON-LD to XML and back" \
  "$("$EXE" convert "${x%.xml}.jsonld" | "$EXE" hash -)" "$(cat "${x%.xml}.hashes")"
ok "the XML output is XML" sh -c "'$EXE' convert '${x%.xml}.jsonld' | grep -q '^<epcis:EPCISDocument'"
is "convert refuses what is neither" "$(echo 'hello' | "$EXE" convert - >/dev/null 2>&1; echo $?)" 1
is "convert usage" "$("$EXE" convert >/dev/null 2>&1; echo $?)" 2

# capture: XML, then its JSON twin adds nothing
zl_store
n0=$("$EXE" events --store "$STORE" --json | jq '.epcisBody.queryResults.resultsBody.eventList | length')
ok "capture doc.xml" "$EXE" capture --store "$STORE" "$x"
n1=$("$EXE" events --store "$STORE" --json | jq '.epcisBody.queryResults.resultsBody.eventList | length')
is "the XML's events are stored" "$((n1 - n0))" "$(wc -l < "${x%.xml}.hashes")"
out=$("$EXE" capture --store "$STORE" --json "${x%.xml}.jsonld")
is "the JSON twin is all duplicates" "$(echo "$out" | jq -s '.[0].new')" 0
ok "the log verifies" "$EXE" verify --store "$STORE"

# errors: element path and line
bad=$TMP/bad.xml
cat > "$bad" <<'XML'
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2020-01-01T00:00:00Z">
<EPCISBody><EventList>
<ObjectEvent><eventTime>2020-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
<epcList><epc>urn:epc:id:sgtin:4012345.011111.1</epc></epcList><action>ADD</action></ObjectEvent>
<ObjectEvent><eventTime>2020-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
<epcList><epc>urn:epc:id:sgtin:4012345.011111.2</epc></epcList><action>LOOK</action></ObjectEvent>
</EventList></EPCISBody></epcis:EPCISDocument>
XML
err=$("$EXE" capture --store "$STORE" "$bad" 2>&1)
ok "capture names the element and line" grep -q '/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent\[2\]/action: line 5: must be ADD, OBSERVE or DELETE' <<<"$err"
printf '<!DOCTYPE d [<!ENTITY a "x">]><d>&a;</d>' > "$TMP/dtd.xml"
ok "a DTD is refused" sh -c "! '$EXE' hash '$TMP/dtd.xml'"

# HTTP: a party capturing at its own location (the write rule)
"$EXE" party add --store "$STORE" --name 测试乳业 --uscc 91350100M000100Y43 \
  --gln 0614141073467 >/dev/null
TOKEN=$("$EXE" token create --store "$STORE" --party 91350100M000100Y43 --json | jq -r .token)
zl_serve
xdoc() { # serial
  cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" schemaVersion="1.2" creationDate="2024-01-01T00:00:00Z">
 <EPCISBody><EventList><ObjectEvent>
  <eventTime>2024-03-01T08:00:00.000+08:00</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
  <epcList><epc>urn:epc:id:sgtin:0614141.107346.$1</epc></epcList>
  <action>ADD</action><bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
  <readPoint><id>urn:epc:id:sgln:0614141.07346.0</id></readPoint>
 </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>
XML
}
jdoc() { # serial
  cat <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2024-03-01T08:00:00.000+08:00",
 "eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning",
 "epcList":["urn:epc:id:sgtin:0614141.107346.$1"],
 "readPoint":{"id":"urn:epc:id:sgln:0614141.07346.0"}}]}}
JSON
}
xdoc 7 > "$TMP/h.xml"; jdoc 7 > "$TMP/h.json"
post() { curl -s -o "$TMP/resp" -w '%{http_code}' -X POST "$U/capture" \
  -H "Authorization: Bearer $TOKEN" "$@"; }
is "POST application/xml (EPCIS 1.2)" "$(post -H 'Content-Type: application/xml' --data-binary @"$TMP/h.xml")" 202
is "the capture job stored the event" "$(jq .zhiliang.new "$TMP/resp")" 1
is "POST text/xml again: a duplicate" "$(post -H 'Content-Type: text/xml; charset=utf-8' --data-binary @"$TMP/h.xml")" 202
is "duplicate" "$(jq .zhiliang.duplicate "$TMP/resp")" 1
is "POST its JSON twin: a duplicate too" "$(post -H 'Content-Type: application/ld+json' --data-binary @"$TMP/h.json")" 202
is "same hash as the XML" "$(jq .zhiliang.duplicate "$TMP/resp")" 1
h=$("$EXE" hash "$TMP/h.xml")
is "hash of the XML = hash of the JSON" "$h" "$("$EXE" hash "$TMP/h.json")"
is "XML body sent as JSON is refused" "$(post -H 'Content-Type: application/json' --data-binary @"$TMP/h.xml")" 400
is "JSON body sent as XML is refused" "$(post -H 'Content-Type: application/xml' --data-binary @"$TMP/h.json")" 400
is "other media types are refused" "$(post -H 'Content-Type: text/plain' --data-binary @"$TMP/h.xml")" 415
is "an invalid XML document is a validation error" "$(post -H 'Content-Type: application/xml' --data-binary @"$bad")" 400
ok "its problem names the element" grep -q 'ObjectEvent\[2\]/action' "$TMP/resp"
zl_finish
