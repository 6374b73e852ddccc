#!/usr/bin/env bash
# authz_write.sh ZHILIANG_EXE - the write rule (docs/access.md) and
# corrections, over HTTP and on the command line, on the demo chain:
# issue 9's attacks (a farm's token declares another dairy's lot recalled
# with an event that names no location; a party commissions serials under
# another company's GTIN) are refused with 403 / exit 1 naming the
# identifier and the rule, nothing is stored and the public page does not
# change; the owner's corrective event withdraws a wrong recall: the event
# is kept, found by EXISTS_errorDeclaration, the banner goes, the page
# notes the correction and `zhiliang verify` still passes.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"
zl_setup

PARTIES=$TMP/demo/parties.json
plant=$(jq -r '[.parties[] | select(.role=="dairy_plant")][0]' "$PARTIES")
P_ID=$(jq -r .uscc <<<"$plant")
P_SITE=$(jq -r '.locations[0].gln' <<<"$plant")
farm=$(jq -r '[.parties[] | select(.role=="farm")][0]' "$PARTIES")
F_ID=$(jq -r .uscc <<<"$farm")
F_SITE=$(jq -r '.locations[0].gln' <<<"$farm")
GTIN=$(jq -r --arg o "$P_ID" '[.products[] | select(.owner==$o)][0].gtin' "$PARTIES")
P_TOK=$("$EXE" token create --party "$P_ID" --store "$STORE")
F_TOK=$("$EXE" token create --party "$F_ID" --store "$STORE")
ok "tokens created" test -n "$P_TOK" -a -n "$F_TOK"
LOT="https://id.gs1.org/01/$GTIN/10/AUTHZ1"
PAGE="$U/01/$GTIN/10/AUTHZ1"

event() { # action bizStep disposition location(or -) [extra JSON members]
  local loc=""
  [ "$4" != - ] && loc=",\"readPoint\":{\"id\":\"https://id.gs1.org/414/$4\"},\"bizLocation\":{\"id\":\"https://id.gs1.org/414/$4\"}"
  cat <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-01T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-05-01T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","action":"$1","bizStep":"$2","disposition":"$3",
  "quantityList":[{"epcClass":"$LOT","quantity":100,"uom":"EA"}]$loc${5:-}}]}}
JSON
}
post() { # token file -> status, body in $TMP/resp
  curl -s -o "$TMP/resp" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' --data-binary @"$2" "$U/capture"
}
job() { curl -s -H "Authorization: Bearer $1" "$U$(sed -n 's/^Location: *\([^\r]*\).*/\1/Ip' "$TMP/h" | tr -d '\r')"; }
count() { "$EXE" events --store "$STORE" --json "$@" | jq '.epcisBody.queryResults.resultsBody.eventList | length'; }

# The plant makes lot AUTHZ1 at its own site.
event ADD commissioning active "$P_SITE" >"$TMP/made.json"
is "owner commissions its lot at its site -> 202" "$(post "$P_TOK" "$TMP/made.json")" 202
curl -s "$PAGE" >"$TMP/page0.html"
ok "page has no recall banner" sh -c "! grep -q recall-banner '$TMP/page0.html'"

# ---- the attacks, over HTTP ---------------------------------------------------
event OBSERVE holding recalled - >"$TMP/attack.json"
is "farm token recalls the plant's lot, no location -> 403" "$(post "$F_TOK" "$TMP/attack.json")" 403
ok "403 names the identifier" grep -qF "$LOT" "$TMP/resp"
ok "403 names the rule" grep -q 'docs/access.md' "$TMP/resp"
is "403 is a SecurityException" "$(jq -r .type "$TMP/resp")" "epcisException:SecurityException"
is "nothing stored" "$(count EQ_disposition=recalled MATCH_epcClass="$LOT")" 0
curl -s "$PAGE" >"$TMP/page1.html"
ok "page unchanged: no recall banner" sh -c "! grep -q recall-banner '$TMP/page1.html'"
curl -s -D "$TMP/h" -o /dev/null -X POST -H "Authorization: Bearer $F_TOK" -H 'Content-Type: application/json' \
  -H 'GS1-Capture-Error-Behaviour: proceed' --data-binary @"$TMP/attack.json" "$U/capture"
job "$F_TOK" >"$TMP/job"
is "proceed: the refusal is in the job" "$(jq -r '.errors[0].path' "$TMP/job")" '$.epcisBody.eventList[0].quantityList.epcClass'
is "proceed: nothing stored" "$(jq -r .zhiliang.new "$TMP/job")" 0

event OBSERVE holding recalled "$F_SITE" >"$TMP/attack2.json"
is "... at the farm's own site -> 403 too (recall needs owner or holder)" "$(post "$F_TOK" "$TMP/attack2.json")" 403

cat >"$TMP/fake.json" <<JSON
{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-01T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-05-01T08:00:00+08:00",
  "eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning","disposition":"active",
  "epcList":["https://id.gs1.org/01/$GTIN/21/FAKE1"],
  "readPoint":{"id":"https://id.gs1.org/414/$F_SITE"}}]}}
JSON
is "farm commissions serials under the plant's GTIN -> 403" "$(post "$F_TOK" "$TMP/fake.json")" 403
ok "403 names the GTIN" grep -q "$GTIN" "$TMP/resp"
is "no fake serial stored" "$(count MATCH_epc="https://id.gs1.org/01/$GTIN/21/FAKE1")" 0
is "public page of the fake serial shows no commissioning" \
  "$(curl -s "$U/01/$GTIN/21/FAKE1" | grep -c 'id="path"')" 0

# ---- the same on the command line --------------------------------------------
"$EXE" capture --store "$STORE" --party "$F_ID" "$TMP/attack.json" >/dev/null 2>"$TMP/err"
is "CLI --party farm, recall attack: exit 1" "$?" 1
ok "CLI names the identifier" grep -qF "$LOT" "$TMP/err"
ok "CLI names the rule" grep -q 'docs/access.md' "$TMP/err"
"$EXE" capture --store "$STORE" --party "$F_ID" "$TMP/fake.json" >/dev/null 2>&1
is "CLI --party farm, fake commissioning: exit 1" "$?" 1
is "CLI: nothing stored" "$(count EQ_disposition=recalled MATCH_epcClass="$LOT")" 0
"$EXE" capture --store "$STORE" --party "$P_ID" "$TMP/made.json" >/dev/null 2>&1
is "CLI --party plant, its own lot: exit 0" "$?" 0

# ---- corrections -----------------------------------------------------------------
event OBSERVE holding recalled "$P_SITE" >"$TMP/wrong.json"
is "the plant records a (wrong) recall of its lot -> 202" "$(post "$P_TOK" "$TMP/wrong.json")" 202
ok "page shows the recall banner" sh -c "curl -s '$PAGE' | grep -q 'class=\"recall-banner\"'"
ok "the recalls page lists the lot" sh -c "curl -s '$U/recalls' | grep -q AUTHZ1"
event OBSERVE holding recalled "$P_SITE" \
  ',"errorDeclaration":{"declarationTime":"2026-05-02T08:00:00+08:00","reason":"incorrect_data"}' >"$TMP/fix.json"
is "the farm may not withdraw it -> 403" "$(post "$F_TOK" "$TMP/fix.json")" 403
curl -s -D "$TMP/h" -o /dev/null -X POST -H "Authorization: Bearer $P_TOK" -H 'Content-Type: application/json' \
  --data-binary @"$TMP/fix.json" "$U/capture"
job "$P_TOK" >"$TMP/job"
is "the plant's correction is accepted" "$(jq -r .success "$TMP/job")" true
is "... as a correction, not a duplicate" "$(jq -r .zhiliang.corrected "$TMP/job")" 1
curl -s -H "Authorization: Bearer $P_TOK" "$U/events?EXISTS_errorDeclaration=&MATCH_epcClass=$LOT" >"$TMP/q.json"
is "EXISTS_errorDeclaration finds the withdrawn event" "$(jq '.epcisBody.queryResults.resultsBody.eventList | length' "$TMP/q.json")" 1
is "... carrying the errorDeclaration" "$(jq -r '.epcisBody.queryResults.resultsBody.eventList[0].errorDeclaration.reason' "$TMP/q.json")" incorrect_data
is "nothing deleted: the event is still stored" "$(count EQ_disposition=recalled MATCH_epcClass="$LOT")" 1
curl -s "$PAGE" >"$TMP/page2.html"
ok "page: the recall banner is gone" sh -c "! grep -q recall-banner '$TMP/page2.html'"
ok "page: notes the correction" grep -q 'id="correction"' "$TMP/page2.html"
ok "the recalls page no longer lists the lot" sh -c "! curl -s '$U/recalls' | grep -q AUTHZ1"
is "the correction again changes nothing" "$(post "$P_TOK" "$TMP/fix.json")" 202
ok "verify passes after the correction" "$EXE" verify --store "$STORE"
is "the correction has its own log leaf" \
  "$(zl_sql "$STORE" "select count(*) from log_leaf where record_key like 'urn:zhiliang:correction:%'")" 1
zl_sql "$STORE" "update corrections set json = replace(json, 'incorrect_data', 'did_not_occur')"
ok "verify catches an edited correction" sh -c "! '$EXE' verify --store '$STORE' >/dev/null 2>&1"
zl_finish
