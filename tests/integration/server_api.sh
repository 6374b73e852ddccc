#!/usr/bin/env bash
# server_api.sh ZHILIANG_EXE - the HTTP server end to end on 127.0.0.1:
# EPCIS 2.0 capture (auth, location check, jobs, idempotence, errors),
# queries with pagination (differential against the CLI), the Digital Link
# resolver, the portal (recall banner, languages, search, QR), limits and
# a clean shutdown on SIGTERM.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"
zl_setup --max-body 200000 --max-events 50

PARTIES=$TMP/demo/parties.json
plant=$(jq -r '[.parties[] | select(.role=="dairy_plant")][0]' "$PARTIES")
P_ID=$(jq -r .uscc <<<"$plant")
P_GLN=$(jq -r .gln <<<"$plant")
P_SITE=$(jq -r '.locations[0].gln' <<<"$plant")
OTHER_GLN=$(jq -r '[.parties[] | select(.role=="farm")][0].gln' "$PARTIES")
GTIN=$(jq -r --arg o "$P_ID" '[.products[] | select(.owner==$o)][0].gtin' "$PARTIES")
NAME_ZH=$(jq -r --arg g "$GTIN" '.products[] | select(.gtin==$g) | .nameZh' "$PARTIES")
NAME_EN=$(jq -r --arg g "$GTIN" '.products[] | select(.gtin==$g) | .nameEn' "$PARTIES")
TOK=$("$EXE" token create --party "$P_ID" --store "$STORE" 2>/dev/null)
ok "token created" test -n "$TOK"
AUTH=(-H "Authorization: Bearer $TOK")

# ---- auth ----------------------------------------------------------------
is "GET /events without token -> 401" "$(status "$U/events")" 401
curl -s "$U/events" >"$TMP/p.json"
is "401 is a SecurityException problem" "$(jq -r .type "$TMP/p.json")" "epcisException:SecurityException"
is "garbage token -> 401" "$(status -H 'Authorization: Bearer zlt_0000000000000000_x' "$U/events")" 401
is "capture without token -> 401" "$(status -X POST -H 'Content-Type: application/json' -d '{}' "$U/capture")" 401
T2=$("$EXE" token create --party "$P_ID" --store "$STORE" --json | jq -r .token)
T2ID=$("$EXE" token list --party "$P_ID" --store "$STORE" --json | jq -r '.[-1].id')
is "second token works" "$(status -H "Authorization: Bearer $T2" "$U/events?perPage=1")" 200
# each worker keeps the viewer of the last token it verified (api.c):
# several requests so every query worker holds T2's, then the revocation
# (another process) must reach each of them
T2_TRACE="$U/api/trace/back?id=https%3A%2F%2Fid.gs1.org%2F01%2F$GTIN%2F10%2FT2"
for _ in 1 2 3 4 5 6 7 8; do
  s=$(status -H "Authorization: Bearer $T2" "$T2_TRACE"); [ "$s" = 200 ] || break
done
is "second token traces" "$s" 200
"$EXE" token revoke "$T2ID" --store "$STORE" >/dev/null
is "revoked token -> 401" "$(status -H "Authorization: Bearer $T2" "$U/events?perPage=1")" 401
for _ in 1 2 3 4 5 6 7 8; do
  s=$(status -H "Authorization: Bearer $T2" "$T2_TRACE"); [ "$s" = 401 ] || break
done
is "revoked token -> 401 on /api/trace, every worker" "$s" 401
is "token revoke of unknown id fails" "$("$EXE" token revoke ffffffffffffffff --store "$STORE" >/dev/null 2>&1; echo $?)" 1

# ---- capture -------------------------------------------------------------
doc() { # lot disposition location [bizStep]
  cat <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-01T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-05-01T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","action":"${5:-ADD}","bizStep":"${4:-commissioning}",
  "disposition":"$2","quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/$1","quantity":100,"uom":"EA"}],
  "readPoint":{"id":"https://id.gs1.org/414/$3"},"bizLocation":{"id":"https://id.gs1.org/414/$3"}}]}}
JSON
}
doc RECALL1 active "$P_SITE" >"$TMP/c1.json"
curl -s -D "$TMP/h1" -o "$TMP/b1" -X POST "${AUTH[@]}" -H 'Content-Type: application/ld+json' \
  --data-binary @"$TMP/c1.json" "$U/capture"
is "capture -> 202" "$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/h1")" 202
LOC=$(sed -n 's/^Location: *\([^\r]*\).*/\1/Ip' "$TMP/h1" | tr -d '\r')
ok "Location is /capture/{id}" grep -q '^/capture/job' <<<"$LOC"
curl -s "${AUTH[@]}" "$U$LOC" >"$TMP/job"
is "job finished" "$(jq -r .running "$TMP/job")" false
is "job success" "$(jq -r .success "$TMP/job")" true
is "job errors empty" "$(jq -r '.errors|length' "$TMP/job")" 0
is "job unknown -> 404" "$(status "${AUTH[@]}" "$U/capture/jobffff")" 404
is "job of another token's party hidden" "$(status "$U$LOC")" 401
ok "capture job list has the job" sh -c "curl -s -H 'Authorization: Bearer $TOK' '$U/capture' | jq -e 'map(.captureID) | index(\"${LOC#/capture/}\") != null'"

curl -s -D "$TMP/h2" -o "$TMP/b2" -X POST "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary @"$TMP/c1.json" "$U/capture"
LOC2=$(sed -n 's/^Location: *\([^\r]*\).*/\1/Ip' "$TMP/h2" | tr -d '\r')
is "capture again is idempotent (0 new)" "$(curl -s "${AUTH[@]}" "$U$LOC2" | jq -r .zhiliang.new)" 0
is "... and 1 duplicate" "$(curl -s "${AUTH[@]}" "$U$LOC2" | jq -r .zhiliang.duplicate)" 1

doc NORMAL1 active "$P_SITE" >"$TMP/c2.json"
is "second lot -> 202" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/c2.json" "$U/capture")" 202

doc OTHER1 active "$OTHER_GLN" >"$TMP/c3.json"
curl -s -o "$TMP/b3" -w '%{http_code}' -X POST "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary @"$TMP/c3.json" "$U/capture" >"$TMP/s3"
is "event at another party's GLN -> 403" "$(cat "$TMP/s3")" 403
ok "403 names the field" grep -q 'readPoint.id' "$TMP/b3"
curl -s -D "$TMP/h4" -o /dev/null -X POST "${AUTH[@]}" -H 'Content-Type: application/json' \
  -H 'GS1-Capture-Error-Behaviour: proceed' --data-binary @"$TMP/c3.json" "$U/capture"
LOC4=$(sed -n 's/^Location: *\([^\r]*\).*/\1/Ip' "$TMP/h4" | tr -d '\r')
curl -s "${AUTH[@]}" "$U$LOC4" >"$TMP/job4"
is "proceed: job success false" "$(jq -r .success "$TMP/job4")" false
is "proceed: error has JSON path" "$(jq -r '.errors[0].path' "$TMP/job4")" '$.epcisBody.eventList[0].readPoint.id'
is "proceed: behaviour recorded" "$(jq -r .captureErrorBehaviour "$TMP/job4")" proceed

is "invalid JSON -> 400" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"type":' "$U/capture")" 400
curl -s -o "$TMP/b5" -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"type":' "$U/capture"
is "400 is a ValidationException" "$(jq -r .type "$TMP/b5")" "epcisException:ValidationException"
sed 's/"uom":"EA"/"uom":"EA"/; s#/10/RECALL1#/10/BAD1#; s#01/'"$GTIN"'#01/'"${GTIN%?}$(( (${GTIN: -1} + 1) % 10 ))"'#' "$TMP/c1.json" >"$TMP/c6.json"
code6=$(curl -s -D "$TMP/h6" -o "$TMP/b6" -w '%{http_code}' -X POST "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary @"$TMP/c6.json" "$U/capture")
is "bad check digit: 400 at once (curl -f must not read success)" "$code6" 400
is "... its body is a problem naming the path" "$(jq -r '[.type, .status, .path, .success]|join(",")' "$TMP/b6")" 'epcisException:ValidationException,400,$.epcisBody.eventList[0].quantityList[0].epcClass,false'
ok "... with Content-Type application/problem+json" grep -qi '^content-type: application/problem+json' "$TMP/h6"
LOC6=$(sed -n 's/^Location: *\([^\r]*\).*/\1/Ip' "$TMP/h6" | tr -d '\r')
curl -s "${AUTH[@]}" "$U$LOC6" >"$TMP/job6"
is "bad check digit: job failed" "$(jq -r .success "$TMP/job6")" false
is "bad check digit: path" "$(jq -r '.errors[0].path' "$TMP/job6")" '$.epcisBody.eventList[0].quantityList[0].epcClass'
is "text/plain -> 415" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: text/plain' --data-binary @"$TMP/c1.json" "$U/capture")" 415
is "bad GS1-Capture-Error-Behaviour -> 400" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -H 'GS1-Capture-Error-Behaviour: maybe' --data-binary @"$TMP/c1.json" "$U/capture")" 400
head -c 300000 /dev/zero | tr '\0' ' ' >"$TMP/big"
is "body over --max-body -> 413" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/big" "$U/capture")" 413
is "chunked body over --max-body -> 413" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" "$U/capture")" 413
jq '.epcisBody.eventList = [range(60) as $i | .epcisBody.eventList[0] | .quantityList[0].quantity = ($i + 1)]' "$TMP/c2.json" >"$TMP/many.json"
is "more events than --max-events -> 413" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/many.json" "$U/capture")" 413

# Recall the first lot (a disposition "recalled" event by the same plant).
doc RECALL1 recalled "$P_SITE" holding OBSERVE >"$TMP/r1.json"
is "recall event captured" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/r1.json" "$U/capture")" 202

# ---- queries ---------------------------------------------------------------
curl -s -D "$TMP/qh" -o "$TMP/q.json" "${AUTH[@]}" "$U/events?eventType=ObjectEvent&perPage=1"
ok "GS1-EPCIS-Version header" grep -qi '^GS1-EPCIS-Version: 2.0.0' "$TMP/qh"
ok "GS1-CBV-Version header" grep -qi '^GS1-CBV-Version: 2.0.0' "$TMP/qh"
is "query document type" "$(jq -r .type "$TMP/q.json")" EPCISQueryDocument
# Follow rel="next" pages of 7 and compare with the CLI's answer for the
# token's party (--as: the same read rule, docs/access.md).
want=$("$EXE" events --store "$STORE" --json --as "$P_ID" EQ_bizStep=shipping 2>/dev/null | jq -r '[.epcisBody.queryResults.resultsBody.eventList[].eventID] | sort | join(" ")')
next="$U/events?EQ_bizStep=shipping&perPage=7"
got=() pages=0
while [ -n "$next" ] && [ "$pages" -lt 100 ]; do
  curl -s -D "$TMP/ph" -o "$TMP/page.json" "${AUTH[@]}" "$next"
  while read -r id; do got+=("$id"); done < <(jq -r '.epcisBody.queryResults.resultsBody.eventList[].eventID' "$TMP/page.json")
  next=$(sed -n 's/^Link: *<\([^>]*\)>; *rel="next".*/\1/Ip' "$TMP/ph" | tr -d '\r')
  pages=$((pages + 1))
done
got_sorted=$(printf '%s\n' "${got[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
ok "pagination: several pages ($pages)" test "$pages" -gt 1
is "pagination: union of pages = CLI query" "$got_sorted" "$want"
is "pagination: no event twice" "$(printf '%s\n' "${got[@]}" | sort | uniq -d | wc -l)" 0
first=${got[0]}
# An EPCISQueryDocument is accepted as capture input (its events again:
# all duplicates, nothing new).
curl -s "${AUTH[@]}" "$U/epcs/$(jq -rn --arg v "https://id.gs1.org/01/$GTIN/10/NORMAL1" '$v|@uri')/events" >"$TMP/qdoc.json"
curl -s -D "$TMP/hq" -o /dev/null -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/qdoc.json" "$U/capture"
LOCQ=$(sed -n 's/^Location: *\([^\r]*\).*/\1/Ip' "$TMP/hq" | tr -d '\r')
is "query document captured: 1 duplicate, 0 new" "$(curl -s "${AUTH[@]}" "$U$LOCQ" | jq -r '[.success, .zhiliang.new, .zhiliang.duplicate]|join(",")')" "true,0,1"
enc=$(jq -rn --arg v "$first" '$v|@uri')
is "GET /events/{eventID}" "$(curl -s "${AUTH[@]}" "$U/events/$enc" | jq -r .eventID)" "$first"
is "unknown event -> 404" "$(status "${AUTH[@]}" "$U/events/urn:uuid:00000000-0000-0000-0000-000000000000")" 404
is "/bizSteps/shipping/events only shipping" "$(curl -s "${AUTH[@]}" "$U/bizSteps/shipping/events?perPage=1000" | jq -r '[.epcisBody.queryResults.resultsBody.eventList[].bizStep] | unique | join(",")')" shipping
is "/eventTypes/AggregationEvent/events" "$(curl -s "${AUTH[@]}" "$U/eventTypes/AggregationEvent/events?perPage=1000" | jq -r '[.epcisBody.queryResults.resultsBody.eventList[].type] | unique | join(",")')" AggregationEvent
lotdl=$(jq -rn --arg v "https://id.gs1.org/01/$GTIN/10/RECALL1" '$v|@uri')
is "/epcs/{lot}/events finds the lot's 2 events" "$(curl -s "${AUTH[@]}" "$U/epcs/$lotdl/events" | jq '.epcisBody.queryResults.resultsBody.eventList|length')" 2
is "bad query parameter -> 400 QueryParameterException" "$(curl -s "${AUTH[@]}" "$U/events?NO_such=1" | jq -r .type)" "epcisException:QueryParameterException"
is "bad GS1-EPC-Format -> 400" "$(status "${AUTH[@]}" -H 'GS1-EPC-Format: Sometimes' "$U/events")" 400
curl -s -D "$TMP/oh" -o /dev/null -X OPTIONS "$U/capture"
ok "OPTIONS /capture announces the capture limit" grep -qi '^GS1-EPCIS-Capture-Limit: 50' "$TMP/oh"
is "GET / (JSON) lists top-level resources" "$(curl -s -H 'Accept: application/json' "$U/" | jq -r '.member|index("events") != null')" true

# Query output splices recordTime/eventID into the stored text (no
# re-serialisation): a declared eventID is kept, a client's recordTime is
# replaced, nested look-alike keys and escaped braces are left alone, and
# no top-level key appears twice.
cat >"$TMP/sp.json" <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://example.com/ex/"}],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-01T00:00:00Z",
 "epcisBody":{"eventList":[
 {"type":"ObjectEvent","eventID":"urn:uuid:6c3b4a1e-0000-4000-8000-000000000001","eventTime":"2026-05-01T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","recordTime":"2000-01-01T00:00:00.000Z","action":"OBSERVE","bizStep":"inspecting",
  "quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/SPLICE1","quantity":1.5,"uom":"KGM"}],
  "readPoint":{"id":"https://id.gs1.org/414/$P_SITE"},"ex:meta":{"eventID":"nested","recordTime":"nested"}},
 {"type":"ObjectEvent","eventTime":"2026-05-01T09:00:00+08:00","eventTimeZoneOffset":"+08:00","action":"OBSERVE",
  "bizStep":"inspecting","quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/SPLICE1","quantity":2,"uom":"KGM"}],
  "readPoint":{"id":"https://id.gs1.org/414/$P_SITE"},"ex:note":"a \\"quoted\\" } { , \\"eventID\\": [x \\u00e9"},
 {"type":"ObjectEvent","eventTime":"2026-05-01T10:00:00+08:00","eventTimeZoneOffset":"+08:00","action":"OBSERVE",
  "bizStep":"inspecting","quantityList":[{"epcClass":"https://id.gs1.org/01/$GTIN/10/SPLICE1","quantity":3,"uom":"KGM"}],
  "readPoint":{"id":"https://id.gs1.org/414/$P_SITE"},"ex:deep":[{"ex:a":1,"eventID":"nested"},{"ex:x":{"ex:b":2,"eventID":"n2"}}]}]}}
JSON
is "splice test document captured" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/ld+json' --data-binary @"$TMP/sp.json" "$U/capture")" 202
curl -s "${AUTH[@]}" "$U/epcs/$(jq -rn --arg v "https://id.gs1.org/01/$GTIN/10/SPLICE1" '$v|@uri')/events" >"$TMP/spq.json"
is "splice: both events, no duplicate keys anywhere" "$(python3 -c '
import json, sys
def hook(pairs):
    ks = [k for k, _ in pairs]
    if len(ks) != len(set(ks)): raise SystemExit("dup " + repr(ks))
    return dict(pairs)
d = json.load(open(sys.argv[1]), object_pairs_hook=hook)
print(len(d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]))' "$TMP/spq.json")" 3
is "splice: declared eventID kept" "$(jq -r '[.epcisBody.queryResults.resultsBody.eventList[] | select(.["ex:meta"])][0].eventID' "$TMP/spq.json")" "urn:uuid:6c3b4a1e-0000-4000-8000-000000000001"
is "splice: client recordTime replaced" "$(jq -r '[.epcisBody.queryResults.resultsBody.eventList[] | select(.["ex:meta"])][0].recordTime | startswith("2000")' "$TMP/spq.json")" false
is "splice: nested look-alike keys untouched" "$(jq -r '[.epcisBody.queryResults.resultsBody.eventList[] | select(.["ex:meta"])][0]["ex:meta"] | [.eventID, .recordTime] | join(",")' "$TMP/spq.json")" "nested,nested"
is "splice: eventID added after escaped look-alikes" "$(jq -r '[.epcisBody.queryResults.resultsBody.eventList[] | select(.["ex:note"])][0].eventID | startswith("ni:///sha-256;")' "$TMP/spq.json")" true
is "splice: eventID added beside nested eventID keys" "$(jq -r '[.epcisBody.queryResults.resultsBody.eventList[] | select(.["ex:deep"])][0] | [(.eventID | startswith("ni:///")), .["ex:deep"][1]["ex:x"].eventID] | map(tostring) | join(",")' "$TMP/spq.json")" "true,n2"
is "splice: string with escapes kept" "$(jq -r '[.epcisBody.queryResults.resultsBody.eventList[] | select(.["ex:note"])][0]["ex:note"]' "$TMP/spq.json")" 'a "quoted" } { , "eventID": [x é'
is "splice: recordTime is the repository's" "$(jq -r '[.epcisBody.queryResults.resultsBody.eventList[].recordTime | test("^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T.*Z$")] | all' "$TMP/spq.json")" true

# ---- resolver and portal ------------------------------------------------------
RLOT="$U/01/$GTIN/10/RECALL1"
NLOT="$U/01/$GTIN/10/NORMAL1"
curl -s "$RLOT" >"$TMP/recall.html"
curl -s "$NLOT" >"$TMP/normal.html"
ok "product page names the product (zh)" grep -qF "$NAME_ZH" "$TMP/normal.html"
ok "recalled lot shows the recall banner" grep -q 'class="recall-banner"' "$TMP/recall.html"
ok "normal lot has no recall banner" sh -c "! grep -q 'recall-banner' '$TMP/normal.html'"
ok "product page shows the path" grep -q 'id="path"' "$TMP/normal.html"
ok "product page names the plant" grep -qF "$(jq -r .nameZh <<<"$plant")" "$TMP/normal.html"
ok "English page" sh -c "curl -s '$NLOT?lang=en' | grep -qF \"$NAME_EN\""
ok "public page shows no bizTransaction" sh -c "! grep -qi 'bizTransaction\|urn:epcglobal:cbv:btt\|BTT-' '$TMP/normal.html'"
is "page without token -> 200" "$(status "$NLOT")" 200
SOLD=$(jq -r '.epcisBody.eventList[] | select(.bizStep | tostring | test("retail_selling")) | .epcList[0]' "$TMP"/demo/chain-*.jsonld | head -1)
story=$(curl -s "$U$("$EXE" id "$SOLD" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')" | grep -o '<p class="story" id="story">[^<]*')
ok "a sold item's path starts with its story: sources, then holders" grep -q '原料来自 [0-9]* 个来源 → .* → ' <<<"$story"
ok "... ending at the shop" grep -q "$(jq -r '[.parties[] | select(.role=="retailer" or .role=="supermarket")][0].nameZh // "超市"' "$TMP/demo/parties.json" | cut -c1-3)" <<<"$story"
# A serial's page counts its lookups (issue 16: a copied code shows); the
# story check above was this item's first.
SOLD_URL=$U$("$EXE" id "$SOLD" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')
lookups() { curl -s "$@" | grep -o 'id="lookups"[^>]*>[^<]*<span[^>]*>[^<]*\|id="lookups">[^<]*' | head -1; }
ok "the second lookup of a serial counts 2, with the first time" grep -q '本码已被查询 2 次，首次查询于 <span class="when">20' <<<"$(lookups "$SOLD_URL")"
curl -s -I -o /dev/null "$SOLD_URL"
ok "a HEAD is no lookup; the English page counts the same code" grep -q 'Looked up 3 times' <<<"$(lookups "$SOLD_URL?lang=en")"
# who made it: the prefix owner, its address, its SC licence from the
# supervision registry (imported here from the demo's registry files)
"$EXE" registry import --store "$STORE" category "$TMP/demo/registry-categories.json" >/dev/null &&
  "$EXE" registry import --store "$STORE" enterprise "$TMP/demo/registry-enterprises.json" >/dev/null
SOLD_GTIN=$("$EXE" id "$SOLD" --json | jq -r .canonical | sed -n 's#.*/01/\([0-9]*\)/.*#\1#p')
MAKER_USCC=$(jq -r --arg g "$SOLD_GTIN" '.products[] | select(.gtin == $g) | .owner' "$TMP/demo/parties.json")
MAKER=$(jq -r --arg u "$MAKER_USCC" '.parties[] | select(.uscc == $u) | .nameZh' "$TMP/demo/parties.json")
SC=$(jq -r --arg u "$MAKER_USCC" '.[] | select(.uscc == $u) | .licences[] | select(.type == "SC") | .number' "$TMP/demo/registry-enterprises.json")
curl -s "$SOLD_URL" >"$TMP/sold.html"
ok "an item's page names its maker" grep -q "id=\"maker\">$MAKER<" "$TMP/sold.html"
ok "... and the maker's SC production licence from the registry" grep -q "id=\"licence\">$SC<" "$TMP/sold.html"
BB=$(jq -r --arg s "$SOLD" '.epcisBody.eventList[] | select((.outputEPCList // []) | index($s)) | .ilmd["cbvmda:bestBeforeDate"] // empty' "$TMP"/demo/chain-*.jsonld | head -1)
ok "an item's page shows its best-before date from the ILMD of the event that made it" grep -q "id=\"best-before\">$BB<" <<<"$(curl -s "$SOLD_URL")"
ok "... and the batch printed on it" grep -q "id=\"lot\">$(jq -r --arg s "$SOLD" '.epcisBody.eventList[] | select((.outputEPCList // []) | index($s)) | .ilmd["cbvmda:lotNumber"] // empty' "$TMP"/demo/chain-*.jsonld | head -1)<" <<<"$(curl -s "$SOLD_URL")"
# what the pack declares, from the product's master data (issue 16)
jprod() { jq -r --arg g "$SOLD_GTIN" ".products[] | select(.gtin == \$g) | $1" "$TMP/demo/parties.json"; }
ok "an item's page shows the product standard (执行标准)" grep -q "id=\"standard\">$(jprod .standard)<" "$TMP/sold.html"
ok "... the shelf life in days" grep -q "id=\"shelf-life\">$(jprod .shelfLifeDays) 天<" "$TMP/sold.html"
ok "... and the maker's hotline as a tel: link" grep -q "id=\"hotline\"><a href=\"tel:$(jprod .hotline)\">" "$TMP/sold.html"
# (this small demo has no drug cycle: a drug pack's page by its code)
DRUG_GTIN=$(jq -r '[.products[] | select(.approvalNumber)][0].gtin' "$TMP/demo/parties.json")
curl -s "$U/01/$DRUG_GTIN/21/A1B2C3" >"$TMP/drug.html"
ok "a drug pack's page shows its approval number (批准文号)" grep -q "id=\"approval\">$(jq -r --arg g "$DRUG_GTIN" '.products[] | select(.gtin == $g) | .approvalNumber' "$TMP/demo/parties.json")<" "$TMP/drug.html"
ok "... and its GS1 code as the 药品追溯码" grep -q "id=\"drug-code\">(01)$DRUG_GTIN(21)A1B2C3<" "$TMP/drug.html"
ok "a food item has no 药品追溯码" sh -c "! grep -q 'drug-code' '$TMP/sold.html'"
SOLD2=$(jq -r '.epcisBody.eventList[] | select(.bizStep | tostring | test("retail_selling")) | .epcList[0]' "$TMP"/demo/chain-*.jsonld | sed -n 2p)
SOLD2_URL=$U$("$EXE" id "$SOLD2" --json | jq -r .canonical | sed 's#^https://id.gs1.org##')
is "a serial never looked up before: 首次查询" "$(lookups "$SOLD2_URL")" 'id="lookups">首次查询'
ok "a lot page has no lookup count" sh -c "! grep -q 'id=\"lookups\"' '$TMP/normal.html'"
ok "a path step links to its record in the public log" grep -q 'class="logmark" href="/log/record?id=[0-9a-f]\{64\}' "$TMP/normal.html"
# Unregistered codes (issue 16): a warning, not a tidy empty card.
gtin_cd() { # 13 digits -> their GS1 check digit
  local s=0 i; for i in $(seq 0 12); do s=$((s + ${1:i:1} * (i % 2 ? 1 : 3))); done
  echo $(((10 - s % 10) % 10))
}
UNREG=0690001234567; UNREG=$UNREG$(gtin_cd $UNREG)
is "unknown GTIN: 404 page" "$(status "$U/01/$UNREG")" 404
ok "unknown GTIN: 此码未登记，谨防假冒" sh -c "curl -s '$U/01/$UNREG' | grep -q '此码未登记，谨防假冒'"
ok "unknown GTIN in English: not registered" sh -c "curl -s '$U/01/$UNREG?lang=en' | grep -q 'not registered: beware of counterfeits'"
ok "registered product, unknown lot: lot warning on the product card" sh -c "curl -s '$U/01/$GTIN/10/NOSUCHLOT' | grep -q 'id=\"unregistered\"'"
ok "registered lot: no warning" sh -c "! grep -q 'id=\"unregistered\"' '$TMP/normal.html'"
SSCC=$(grep -o 'https://id.gs1.org/00/[0-9]*' "$TMP"/demo/chain-*.jsonld | head -1 | sed 's/^[^h]*//')
ok "container (SSCC) page" sh -c "curl -s '$U${SSCC#https://id.gs1.org}' | grep -q '物流单元'"
is "HEAD of a product page" "$(curl -s -I -o /dev/null -w '%{http_code}' "$NLOT")" 200
is "linkType=all anchor" "$(curl -s "$NLOT?linkType=all" | jq -r '.linkset[0].anchor')" "https://id.gs1.org/01/$GTIN/10/NORMAL1"
is "Accept linkset+json gives the linkset" "$(curl -s -H 'Accept: application/linkset+json' "$NLOT" | jq -r '.linkset[0]["https://gs1.org/voc/pip"][0].type')" text/html
is "linkType=gs1:epcis -> 307" "$(status "$NLOT?linkType=gs1:epcis")" 307
is "unknown linkType -> 404" "$(status "$NLOT?linkType=gs1:nothing")" 404
is "bad check digit -> 400" "$(status "$U/01/${GTIN%?}$(( (${GTIN: -1} + 1) % 10 ))")" 400
is "well-known resolver description" "$(curl -s "$U/.well-known/gs1resolver" | jq -r '.supportedPrimaryKeys|index("01") != null')" true
loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$U/search?q=%2801%29$GTIN%2810%29NORMAL1")
is "search by element string redirects to the DL page" "$loc" "$U/01/$GTIN/10/NORMAL1"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$U/search?q=${GTIN#0}")
is "search by bare GTIN-13" "$loc" "$U/01/$GTIN"
is "search with a code no GS1 AI can carry -> 400 page" "$(status "$U/search?q=hello%20world")" 400
# the batch code alone, as printed on a pack (issue 16)
loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$U/search?q=NORMAL1")
is "search by the batch code alone redirects to its lot" "$loc" "$U/01/$GTIN/10/NORMAL1"
is "a batch code nobody recorded: 404 page" "$(status "$U/search?q=NOSUCHBATCH9")" 404
ok "... saying what to type instead" sh -c "curl -s '$U/search?q=NOSUCHBATCH9' | grep -q '没有找到这个批号的记录'"
GTIN2=$(jq -r --arg o "$P_ID" '[.products[] | select(.owner==$o)][1].gtin' "$PARTIES")
GTIN=$GTIN2 doc NORMAL1 active "$P_SITE" >"$TMP/c2b.json"
curl -s -o /dev/null -X POST "${AUTH[@]}" -H 'Content-Type: application/ld+json' -H 'Prefer: return=minimal' --data-binary @"$TMP/c2b.json" "$U/capture"
sleep 0.5
curl -s "$U/search?q=NORMAL1" >"$TMP/batch.html"
ok "a batch code two products carry: a page listing both lots" sh -c "grep -q 'href=\"/01/$GTIN/10/NORMAL1\"' '$TMP/batch.html' && grep -q 'href=\"/01/$GTIN2/10/NORMAL1\"' '$TMP/batch.html'"
ok "QR page has an inline SVG" sh -c "curl -s '$U/qr?code=%2801%29$GTIN%2810%29NORMAL1' | grep -q '<svg'"
ok "recall page lists the recalled lot" sh -c "curl -s '$U/recalls' | grep -q 'RECALL1'"
ok "recall page does not list the normal lot" sh -c "! curl -s '$U/recalls' | grep -q 'NORMAL1'"
is "static CSS" "$(status "$U/static/style.css")" 200
is "favicon (SVG)" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$U/static/favicon.svg")" "200 image/svg+xml"
is "/favicon.ico points at it" "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$U/favicon.ico")" "301 $U/static/favicon.svg"
ok "pages name their icon" sh -c "curl -s '$U/' | grep -q 'rel=\"icon\" href=\"/static/favicon.svg\"'"
is "unknown page -> 404" "$(status "$U/nothing/here")" 404
is "DELETE -> 405" "$(status -X DELETE "$U/events")" 405

# ---- recall cases (lib/recall) ------------------------------------------------------
doc CASE1 active "$P_SITE" >"$TMP/k1.json"
is "lot CASE1 captured" "$(status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/k1.json" "$U/capture")" 202
ok "CASE1 page has no banner before the case" sh -c "! curl -s '$U/01/$GTIN/10/CASE1' | grep -q recall-banner"
CASE=$("$EXE" recall open --store "$STORE" --lot "https://id.gs1.org/01/$GTIN/10/CASE1" --reason "沙门氏菌检出" --reason-en "Salmonella found" --advice-en "Do not eat it; return it to the shop." --hazard-class I 2>/dev/null | tail -1)
ok "recall case opened" test -n "$CASE"
curl -s "$U/01/$GTIN/10/CASE1" >"$TMP/case.html"
ok "case lot shows the banner" grep -q 'class="recall-banner"' "$TMP/case.html"
ok "banner gives the case's reason" grep -q '沙门氏菌检出' "$TMP/case.html"
ok "... in Chinese only on the Chinese page" sh -c "! grep -q 'Salmonella' '$TMP/case.html'"
curl -s "$U/01/$GTIN/10/CASE1?lang=en" >"$TMP/case-en.html"
ok "the English page gives the English reason" sh -c "grep -q 'Salmonella found' '$TMP/case-en.html' && ! grep -q '沙门氏菌' '$TMP/case-en.html'"
ok "... and the case's own advice in English" grep -q 'Do not eat it; return it to the shop.' "$TMP/case-en.html"
ok "the Chinese page, with no Chinese advice given, has the class I standard advice" grep -qF "$("$EXE" recall status --store "$STORE" "$CASE" --json | jq -r '.advice // "请立即"' | cut -c1-3)" "$TMP/case.html"
is "recall status --json keeps each language apart" "$("$EXE" recall status --store "$STORE" "$CASE" --json | jq -r '[.reason, .reasonEn, .adviceEn, (.advice // "none")] | join("|")')" "沙门氏菌检出|Salmonella found|Do not eat it; return it to the shop.|none"
ok "the case page in English: English reason and advice" sh -c "curl -s '$U/recalls/$CASE?lang=en' | grep -q 'Salmonella found' && curl -s '$U/recalls/$CASE?lang=en' | grep -q 'id=\"advice\">Do not eat it'"
ok "the recall list in English gives the English reason" sh -c "curl -s '$U/recalls?lang=en' | grep -q 'Salmonella found'"
ok "other lot still has no banner" sh -c "! curl -s '$NLOT' | grep -q recall-banner"
# The rendered page cache: a repeat is served whole, a recall case
# closed by the CLI (another connection) and an event captured over HTTP
# (the server's own write) both show at once.
is "cached page repeats byte for byte" "$(curl -s "$U/01/$GTIN/10/CASE1" | cmp - "$TMP/case.html" && echo same)" same
is "cached page keeps its headers" "$(curl -s -D - -o /dev/null "$U/01/$GTIN/10/CASE1?lang=en" >/dev/null; curl -s -D - -o /dev/null "$U/01/$GTIN/10/CASE1?lang=en" | tr -d '\r' | sed -n 's/^Content-Language: //Ip')" en
doc CACHE2 active "$P_SITE" >"$TMP/k4.json"
status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/k4.json" "$U/capture" >/dev/null
for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null "$U/01/$GTIN/10/CACHE2"; done
CASE2=$("$EXE" recall open --store "$STORE" --lot "https://id.gs1.org/01/$GTIN/10/CACHE2" --reason "cache test" --hazard-class II 2>/dev/null | tail -1)
for i in 1 2 3 4 5 6 7 8; do curl -s "$U/01/$GTIN/10/CACHE2" | grep -q recall-banner || echo miss; done >"$TMP/cache2"
is "case opened by the CLI: every worker shows the banner at once" "$(wc -c <"$TMP/cache2")" 0
"$EXE" recall close "$CASE2" --store "$STORE" --summary "done" --force "test" >/dev/null 2>&1
for i in 1 2 3 4 5 6 7 8; do curl -s "$U/01/$GTIN/10/CACHE2" | grep -q recall-banner && echo stale; done >"$TMP/cache3"
is "case closed by the CLI: banner gone at once" "$(wc -c <"$TMP/cache3")" 0
doc CACHE1 active "$P_SITE" >"$TMP/k2.json"
status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/k2.json" "$U/capture" >/dev/null
for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null "$U/01/$GTIN/10/CACHE1"; done
ok "CACHE1 page has no banner (cached)" sh -c "! curl -s '$U/01/$GTIN/10/CACHE1' | grep -q recall-banner"
doc CACHE1 recalled "$P_SITE" holding OBSERVE >"$TMP/k3.json"
status -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$TMP/k3.json" "$U/capture" >/dev/null
for i in 1 2 3 4 5 6 7 8; do curl -s "$U/01/$GTIN/10/CACHE1" | grep -q recall-banner || echo miss; done >"$TMP/cache1"
is "event captured over HTTP: every worker shows the banner at once" "$(wc -c <"$TMP/cache1")" 0
ok "/recalls lists the case's lot" sh -c "curl -s '$U/recalls' | grep -q '>CASE1</a>'"
ok "/recalls names the product" sh -c "curl -s '$U/recalls' | grep -qF '$NAME_ZH'"
curl -s "$U/" | sed 's/<section/\n<section/g' | grep 'id="home-recalls"' >"$TMP/home-recalls.html"
ok "the home page lists the open case, linked, with the product's name" sh -c "grep -q 'href=\"/recalls/$CASE\">$NAME_ZH</a> <small>I 级' '$TMP/home-recalls.html'"
for l in /complain /complaints /inspections; do
  ok "the home page links to $l, and it answers" sh -c "curl -s '$U/' | grep -q 'href=\"$l\"' && [ \"\$(curl -s -o /dev/null -w '%{http_code}' '$U$l')\" = 200 ]"
done
ok "no spot checks published: no results section" sh -c "! curl -s '$U/' | grep -q 'home-results'"
# Recalls reach the pack in hand (issue 16): the GTIN alone (an EAN-13
# pack) lists the batch codes under recall; a collection lot's case names
# the retail lots made from it, on /recalls and on their product's page.
ok "GTIN-only page lists the recalled batch CASE1" sh -c "curl -s '$U/01/$GTIN' | grep -q 'id=\"recall-lots\".*>CASE1</a>'"
ok "a lot without recall says so (未召回)" grep -q 'id="recall-status"' "$TMP/normal.html"
ok "... and a recalled one does not" sh -c "! curl -s '$U/01/$GTIN/10/CASE1' | grep -q 'id=\"recall-status\"'"
CLOT=$(jq -r '.epcisBody.eventList[] | select(.type == "TransformationEvent") | .outputQuantityList[]?.epcClass | select(test("(/10/|\\.)C[0-9]{6}-[0-9]+$"))' "$TMP"/demo/chain-*.jsonld | head -1)
CASE3=$("$EXE" recall open --store "$STORE" --lot "$CLOT" --reason "raw milk" --hazard-class II 2>/dev/null | tail -1)
ok "the home page lists the latest case first" sh -c "curl -s '$U/' | grep -o 'href=\"/recalls/[^\"?]*' | head -1 | grep -q '$CASE3'"
ok "collection lot case opened" test -n "$CASE3"
RLOT=$("$EXE" trace forward "$CLOT" --store "$STORE" --json | jq -r --arg c "$("$EXE" id "$CLOT" --json | jq -r .canonical)" '[.nodes[] | select(.kind=="lot" and .id != $c) | .id][0]')
RGTIN=$(sed -n 's#.*/01/\([0-9]\{14\}\)/10/.*#\1#p' <<<"$RLOT"); RBATCH=${RLOT##*/10/}
ok "the demo has a retail lot made from it" test -n "$RGTIN" -a -n "$RBATCH"
ok "/recalls names the retail batch on packs" sh -c "curl -s '$U/recalls' | grep -q '包装上的批号：.*>$RBATCH</a>'"
ok "the retail product's GTIN page lists that batch" sh -c "curl -s '$U/01/$RGTIN' | grep -q '>$RBATCH</a>'"
# Every case has its own page.
curl -s "$U/recalls/$CASE3" >"$TMP/case3.html"
is "case page: 200" "$(status "$U/recalls/$CASE3")" 200
ok "case page lists the batch on packs" grep -q ">$RBATCH</a>" "$TMP/case3.html"
ok "case page says what to do (class II)" grep -q '可能危害健康' "$TMP/case3.html"
ok "case page names who recalls" sh -c "grep -q '召回企业</dt><dd>' '$TMP/case3.html' && ! grep -q '召回企业</dt><dd>未登记' '$TMP/case3.html'"
RHOT=$(jq -r --arg g "$RGTIN" '.products[] | select(.gtin == $g) | .hotline' "$TMP/demo/parties.json")
ok "case page gives the company's hotline as a tel: link" grep -q "id=\"company-hotline\"><a href=\"tel:$RHOT\">$RHOT</a>" "$TMP/case3.html"
ok "case page links its record in the public log" grep -q "/log/record?id=recall%3A$CASE3:1" "$TMP/case3.html"
is "the logged record's page answers" "$(status "$U/log/record?id=recall%3A$CASE3:1")" 200
ok "/recalls links each case's page" sh -c "curl -s '$U/recalls' | grep -q 'href=\"/recalls/$CASE3\"'"
ok "a recalled lot's banner links its case" sh -c "curl -s '$U/01/$GTIN/10/CASE1' | grep -q 'href=\"/recalls/$CASE\"'"
is "unknown case page: 404" "$(status "$U/recalls/00000000-0000-4000-8000-000000000000")" 404
is "/api/recalls needs a token" "$(status "$U/api/recalls")" 401
is "/api/recalls lists the case" "$(curl -s "${AUTH[@]}" "$U/api/recalls" | jq -r --arg c "$CASE" 'map(select(.case==$c))|length')" 1
is "/api/recalls/{id} status" "$(curl -s "${AUTH[@]}" "$U/api/recalls/$CASE" | jq -r .status)" open
is "/api/recalls/{id}/scope lots" "$(curl -s "${AUTH[@]}" "$U/api/recalls/$CASE/scope" | jq -r '.lots|length')" 1
ok "/api/recalls/{id}/scope?format=csv is the FSMA 204 sheet" sh -c "curl -s -H 'Authorization: Bearer $TOK' '$U/api/recalls/$CASE/scope?format=csv' | head -1 | grep -q 'Traceability Lot Code'"
is "unknown case -> 404" "$(status "${AUTH[@]}" "$U/api/recalls/00000000-0000-4000-8000-000000000000")" 404

# ---- trace API -------------------------------------------------------------------
is "trace API needs a token" "$(status "$U/api/trace/back?id=https://id.gs1.org/01/$GTIN/10/RECALL1")" 401
is "trace API forward" "$(curl -s "${AUTH[@]}" "$U/api/trace/forward?id=$lotdl" | jq -r .direction)" forward

# ---- shutdown ----------------------------------------------------------------------
kill -TERM "$PID"
for i in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
ok "SIGTERM stops the server" sh -c "! kill -0 $PID 2>/dev/null"
wait "$PID"; rc=$?
is "exit status 0 after SIGTERM" "$rc" 0
PID=
zl_serve
ok "lookup counts survive a restart (written at shutdown)" grep -q '本码已被查询 7 次' <<<"$(lookups "$U/${SOLD_URL#http://*/}")"
zl_finish
