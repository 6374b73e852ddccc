#!/usr/bin/env bash
# events_cli.sh ZHILIANG_EXE - `zhiliang events` for people (issue 16): a
# vocabulary typo is refused with the nearest CBV word, not answered with
# nothing; a bare date or a time without offset is read in the reader's
# zone (--tz, $ZHILIANG_TZ, Asia/Shanghai by default) and the table prints
# times in that zone; places by their registered names (--ids for the
# identifiers), lots as printed on packs; a default page of 50 with the
# count and the next page's token; the last column is the event ID, which
# `zhiliang log prove` takes as it is.
set -uo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
unset ZHILIANG_TZ
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
pass=0 fail=0
is() { if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok - $1"; else fail=$((fail + 1)); echo "not ok - $1 (got '$2', want '$3')"; fi; }
has() { if grep -q -- "$2" <<<"$3"; then pass=$((pass + 1)); echo "ok - $1"; else fail=$((fail + 1)); echo "not ok - $1 (no '$2' in: $3)"; fi; }

"$ZL" demo generate --seed 5 --scale 2 --out "$T/d" >/dev/null || exit 1
"$ZL" init >/dev/null || exit 1
"$ZL" party import "$T/d/parties.json" >/dev/null || exit 1
"$ZL" capture --quiet "$T"/d/chain-*.jsonld >/dev/null || exit 1

out=$("$ZL" events EQ_bizStep=shiping 2>&1); rc=$?
is "typo in a step: usage error" "$rc" 2
has "... naming the nearest step" "did you mean 'shipping'" "$out"
out=$("$ZL" events EQ_disposition=in_transt 2>&1)
has "typo in a disposition: nearest named" "did you mean 'in_transit'" "$out"
"$ZL" events EQ_bizStep=https://example.com/steps/mine >/dev/null 2>&1
is "a private vocabulary URI is a query, not an error" "$?" 0

n() { "$ZL" events --json "$@" | jq '.epcisBody.queryResults.resultsBody.eventList | length'; }
is "GE_eventTime=date is midnight in Asia/Shanghai" "$(n GE_eventTime=2026-03-02)" "$(n GE_eventTime=2026-03-02T00:00:00+08:00)"
is "... and a time without offset too" "$(n GE_eventTime=2026-03-01T12:30)" "$(n GE_eventTime=2026-03-01T12:30:00+08:00)"
all=$(n); later=$(n GE_eventTime=2026-03-02)
ok_split=$([ "$later" -gt 0 ] && [ "$later" -lt "$all" ] && echo yes || echo no)
is "the date splits the demo chain (the test can fail)" "$ok_split" yes
is "--tz UTC reads the date at midnight UTC" "$("$ZL" events --tz UTC --json GE_eventTime=2026-03-02 | jq '.epcisBody.queryResults.resultsBody.eventList | length')" "$(n GE_eventTime=2026-03-02T00:00:00Z)"
is "ZHILIANG_TZ=UTC likewise" "$(ZHILIANG_TZ=UTC "$ZL" events --json GE_eventTime=2026-03-02 | jq '.epcisBody.queryResults.resultsBody.eventList | length')" "$(n GE_eventTime=2026-03-02T00:00:00Z)"
"$ZL" events --tz Mars/Base >/dev/null 2>&1
is "an unknown zone: usage error" "$?" 2
out=$("$ZL" events GE_eventTime=2026-3-2 2>&1)
has "a malformed date names the forms accepted" "2026-03-02T08:30" "$out"

# The table, piped: rows only, the count on stderr.
"$ZL" events >"$T/all" 2>"$T/err"
is "a page of 50 rows by default" "$(wc -l <"$T/all")" 50
has "the count and the next page's token on stderr" "^50 events (more: nextPageToken=" "$(cat "$T/err")"
"$ZL" events EQ_bizStep=shipping >"$T/rows" 2>/dev/null
is "perPage=3: three rows" "$("$ZL" events perPage=3 EQ_bizStep=shipping 2>/dev/null | wc -l)" 3
first=$("$ZL" events --json perPage=1 EQ_bizStep=shipping 2>/dev/null | jq -c '.epcisBody.queryResults.resultsBody.eventList[0]')
row=$(head -1 "$T/rows")
id=$(awk '{print $NF}' <<<"$row")
is "last column: the event ID" "$id" "$(jq -r .eventID <<<"$first")"
"$ZL" log prove --record "$id" >/dev/null 2>&1
is "... which log prove takes as it is" "$?" 0
t=$(jq -r .eventTime <<<"$first")   # the demo writes +08:00
is "time column in +08:00" "$(cut -c1-16 <<<"$row")" "$(sed 's/T/ /' <<<"${t:0:16}")"
utc=$(python3 -c 'import sys,datetime as d; print(d.datetime.fromisoformat(sys.argv[1]).astimezone(d.timezone.utc).strftime("%Y-%m-%d %H:%M"))' "$t")
is "--tz UTC: the same instant in UTC" "$("$ZL" events --tz UTC EQ_bizStep=shipping perPage=1 2>/dev/null | cut -c1-16)" "$utc"
loc=$(jq -r '.bizLocation.id // .readPoint.id' <<<"$first")
site=$(jq -r --arg l "$loc" '[.parties[].locations[]? | select(.gln as $g | $l | contains($g))][0].nameZh // empty' "$T/d/parties.json")
if [ -n "$site" ]; then
  has "WHERE names the registered site" "$site" "$row"
fi
has "--ids shows the place's identifier" "$(cut -c1-20 <<<"${loc}")" "$("$ZL" events --ids EQ_bizStep=shipping perPage=1 2>/dev/null)"
lot=$(jq -r '(.quantityList // .epcList)[0] | if type == "object" then .epcClass else . end' <<<"$first")
es=$("$ZL" id "$lot" --json 2>/dev/null | jq -r '.element_string // empty')
[ -n "$es" ] && has "WHAT: the lot as printed on packs" "${es:0:30}" "$row"

# Traces for people: summary first, one line a node, --full for events.
ITEM=$(jq -r '.epcisBody.eventList[] | select(.bizStep | tostring | test("retail_selling")) | .epcList[0]' "$T"/d/chain-*.jsonld | head -1)
out=$("$ZL" trace back "$ITEM")
has "trace: summary counts first" "^  1 item, [0-9]* lots, [0-9]* containers; [0-9]* events" "$(sed -n 2p <<<"$out")"
has "trace: origins named" "origins (nothing further back): [0-9]*, at " "$out"
farm=$(jq -r '[.parties[] | select(.role=="farm")][0].nameZh' "$T/d/parties.json")
[ -n "$farm" ] && [ "$farm" != null ] && grep -q "$farm" <<<"$("$ZL" trace back "$ITEM" --full)" && { pass=$((pass + 1)); echo "ok - trace --full names a farm"; } || { fail=$((fail + 1)); echo "not ok - trace --full names a farm ($farm)"; }
full=$("$ZL" trace back "$ITEM" --full | wc -l); short=$(wc -l <<<"$out")
is "trace: --full lists events (more lines)" "$([ "$full" -gt "$short" ] && echo yes)" yes
has "trace --ids: identifiers as stored" "https://id.gs1.org/\|urn:epc:" "$("$ZL" trace back "$ITEM" --ids)"
has "trace --ids: times in UTC" "T[0-9:.]*Z " "$("$ZL" trace back "$ITEM" --ids)"
has "trace: element strings" "#0 item (01)" "$out"
"$ZL" trace back "$ITEM" --from 2026-3-1 >/dev/null 2>&1
is "trace: a malformed --from is a usage error" "$?" 2
is "trace --from DATE is midnight in the zone" "$("$ZL" trace back "$ITEM" --from 2026-03-02 --json | jq '.events|length')" "$("$ZL" trace back "$ITEM" --from 2026-03-02T00:00:00+08:00 --json | jq '.events|length')"

# Codes as people have them: a batch code without its GTIN; an unknown code.
CLOT=$(jq -r '.epcisBody.eventList[] | select(.type == "TransformationEvent") | .outputQuantityList[]?.epcClass | select(test("(/10/|\\.)C[0-9]{6}-[0-9]+$"))' "$T"/d/chain-*.jsonld | head -1)
BATCH=${CLOT##*[./]10/}; BATCH=${BATCH##*.}
is "recall scope --lot BATCH equals the full lot" "$("$ZL" recall scope --lot "$BATCH" --json 2>/dev/null | md5sum)" "$("$ZL" recall scope --lot "$CLOT" --json | md5sum)"
has "... and says which lot it took" "batch code $BATCH is lot https://id.gs1.org/01/" "$("$ZL" recall scope --lot "$BATCH" --json 2>&1 >/dev/null)"
is "trace forward BATCH equals the full lot" "$("$ZL" trace forward "$BATCH" --json 2>/dev/null | md5sum)" "$("$ZL" trace forward "$CLOT" --json | md5sum)"
"$ZL" recall scope --lot NO-SUCH-BATCH >/dev/null 2>"$T/e"; rc=$?
is "an unknown batch code: exit 1" "$rc" 1
has "... saying so" "neither a GS1 identifier nor the batch code" "$(cat "$T/e")"
"$ZL" trace back '(01)06900012345677' >/dev/null 2>"$T/e"; rc=$?
is "a valid code no event names: exit 1" "$rc" 1
has "... saying so" "no stored event names" "$(cat "$T/e")"
# Parties by name: the one whose name it is, or contains; several is an
# error that lists them; none is an error.
PLANT=$(jq -r '.parties[] | select(.role == "dairy_plant") | .uscc' "$T/d/parties.json" | head -1)
PNAME=$(jq -r --arg u "$PLANT" '.parties[] | select(.uscc == $u) | .nameZh' "$T/d/parties.json")
is "events --as NAME sees what --as USCC sees" "$("$ZL" events --as "$PNAME" --json 2>/dev/null | jq -c '[.epcisBody.queryResults.resultsBody.eventList[].eventID]' | md5sum)" "$("$ZL" events --as "$PLANT" --json | jq -c '[.epcisBody.queryResults.resultsBody.eventList[].eventID]' | md5sum)"
has "... and says which party the name is" "party $PNAME is $PLANT" "$("$ZL" events --as "$PNAME" 2>&1 >/dev/null)"
"$ZL" token create --party 牧业 >/dev/null 2>"$T/e"; rc=$?
is "a name part several parties share: exit 1" "$rc" 1
has "... listing them" "parties are named so; give one's ID: " "$(cat "$T/e")"
"$ZL" trace back '(01)06900012345677' --as 无此企业 >/dev/null 2>"$T/e"; rc=$?
is "a party nobody registered: exit 1" "$rc" 1
has "... saying so" "no party has this ID, USCC, GLN or name" "$(cat "$T/e")"
tok=$("$ZL" token create --party "$PNAME" --json 2>/dev/null | jq -r .party)
is "token create --party NAME issues the token to the party's ID" "$tok" "$PLANT"
# `zhiliang product`: one product and what its pack declares (docs/products.md)
MILK=$(jq -r '[.products[] | select(.standard == "GB 25190")][0]' "$T/d/parties.json")
MG=$(jq -r .gtin <<<"$MILK")
is "product show --json: what the demo's pack declares" "$("$ZL" product show "${MG#0}" --json | jq -c '[.standard, .shelfLifeDays, .hotline]')" "$(jq -c '[.standard, .shelfLifeDays, .hotline]' <<<"$MILK")"
out=$("$ZL" product add --gtin 6940277700040 --name 阿莫西林胶囊 --approval 国药准字H2099001 2>&1); rc=$?
is "a malformed 批准文号: exit 1" "$rc" 1
has "... naming the field and the rule" "approvalNumber: a drug approval number is 国药准字" "$out"
is "... and nothing stored" "$("$ZL" product show 6940277700040 >/dev/null 2>&1; echo $?)" 1
"$ZL" product add --gtin 6940277700040 --name 阿莫西林胶囊 --approval 国药准字H20990001 --shelf-life 730 >/dev/null
has "product add then show" "shelf life   730 days" "$("$ZL" product show 06940277700040)"
is "product list counts the demo's products and the new one" "$("$ZL" product list --json | jq length)" "$(($(jq '.products | length' "$T/d/parties.json") + 1))"
is "verify: the product records hold" "$("$ZL" verify >/dev/null 2>&1; echo $?)" 0
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
