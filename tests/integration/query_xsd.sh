#!/usr/bin/env bash
# query_xsd.sh ZHILIANG_EXE - query results in XML are EPCIS 2.0
# EPCISQueryDocuments that GS1's own XML Schema accepts.
#
# The oracle is GS1's XSD (tests/conformance/gs1-epcis-xsd, from the
# gs1/EPCIS repository: EPCglobal-epcis-query-2_0.xsd and what it imports)
# run by xmllint, not our code. First the set-up is shown to judge: GS1's
# own XML examples validate against it, and a query document with two
# elements swapped does not (the schema checks the order). Then every GS1
# example document (JSON and XML, every event type, sensor data, error
# declarations, extensions) is captured and the results of a named query
# over all of them, `zhiliang query run --xml`, must validate against the
# query schema; converted back to JSON they hold the same event IDs as
# the JSON answer.
set -u
EXE=${1:?usage: $0 ZHILIANG_EXE}
. "$(dirname "$0")/store_common.sh"
command -v xmllint >/dev/null || { echo "1..0 # SKIP xmllint missing"; exit 77; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; zl_store_cleanup' EXIT
STORE=$(zl_store_uri q "$TMP")
XSD=tests/conformance/gs1-epcis-xsd
n=0 fail=0
is() {
  n=$((n + 1))
  if [ "$2" = "$3" ]; then echo "ok $n - $1"; else fail=$((fail + 1)); echo "not ok $n - $1 (got '$2', want '$3')"; fi
}
valid() { xmllint --noout --schema "$1" "$2" >"$TMP/xsd.out" 2>&1 && echo valid || { sed 's/^/# /' "$TMP/xsd.out" | head -5; echo invalid; }; }

# the oracle itself
is "GS1's Example_9.6.1 validates against GS1's EPCIS 2.0 XSD" \
  "$(valid "$XSD/EPCglobal-epcis-2_0.xsd" tests/conformance/gs1-epcis/XML/Example_9.6.1-ObjectEvent-2020_06_18a.xml)" valid

"$EXE" init --store "$STORE" >/dev/null || exit 1
for f in tests/conformance/gs1-epcis/JSON/*.jsonld tests/conformance/gs1-epcis/JSON/*/*.jsonld \
         tests/conformance/gs1-epcis/XML/*.xml tests/conformance/gs1-epcis/XML/*/*.xml; do
  "$EXE" capture --quiet --store "$STORE" "$f" >/dev/null 2>&1 || true
done
"$EXE" query save --store "$STORE" everything >/dev/null || exit 1
"$EXE" query run --store "$STORE" everything perPage=1000 >"$TMP/all.json" || exit 1
N=$(python3 -c "import json; print(len(json.load(open('$TMP/all.json'))['epcisBody']['queryResults']['resultsBody']['eventList']))")
types=$(python3 -c "import json; print(' '.join(sorted({e['type'] for e in json.load(open('$TMP/all.json'))['epcisBody']['queryResults']['resultsBody']['eventList']})))")
is "the store holds every event type of GS1's examples" "$types" "AggregationEvent AssociationEvent ObjectEvent TransactionEvent TransformationEvent"
"$EXE" query run --store "$STORE" --xml everything perPage=1000 >"$TMP/all.xml" || exit 1
is "the root is an EPCISQueryDocument" "$(python3 -c "
import xml.etree.ElementTree as E; r = E.parse('$TMP/all.xml').getroot(); print(r.tag)")" "{urn:epcglobal:epcis-query:xsd:2}EPCISQueryDocument"
is "its queryName is the named query's" "$(python3 -c "
import xml.etree.ElementTree as E; r = E.parse('$TMP/all.xml').getroot()
print(r.find('EPCISBody/{urn:epcglobal:epcis-query:xsd:2}QueryResults/queryName').text)")" everything
is "the $N events validate against GS1's EPCIS 2.0 query XSD" "$(valid "$XSD/EPCglobal-epcis-query-2_0.xsd" "$TMP/all.xml")" valid
# one query document per event type, so a failure names its type
for t in ObjectEvent AggregationEvent TransactionEvent TransformationEvent AssociationEvent; do
  "$EXE" query run --store "$STORE" --xml everything eventType=$t perPage=1000 >"$TMP/$t.xml"
  is "$t results validate" "$(valid "$XSD/EPCglobal-epcis-query-2_0.xsd" "$TMP/$t.xml")" valid
done
# the schema checks what it should: an element out of its sequence fails
python3 - "$TMP/all.xml" "$TMP/swapped.xml" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
# eventTimeZoneOffset before eventTime in the first event
m = re.search(r"(<eventTime>[^<]*</eventTime>)(<recordTime>[^<]*</recordTime>)?(<eventTimeZoneOffset>[^<]*</eventTimeZoneOffset>)", t)
t = t[:m.start()] + m.group(3) + (m.group(2) or "") + m.group(1) + t[m.end():]
open(sys.argv[2], "w").write(t)
PY
is "control: an event with two elements swapped is refused by the XSD" "$(valid "$XSD/EPCglobal-epcis-query-2_0.xsd" "$TMP/swapped.xml" | tail -1)" invalid
sed 's/epcisq:EPCISQueryDocument/epcis:EPCISDocument/; s/epcisq:QueryResults/epcis:QueryResults/g' "$TMP/all.xml" >"$TMP/asdoc.xml"
is "control: the same results as an EPCISDocument are not a query document" "$(valid "$XSD/EPCglobal-epcis-query-2_0.xsd" "$TMP/asdoc.xml" | tail -1)" invalid
# back to JSON: the same events
"$EXE" convert "$TMP/all.xml" >"$TMP/back.json" 2>"$TMP/conv.err" || sed 's/^/# /' "$TMP/conv.err"
is "converted back, the same event IDs as the JSON answer" "$(python3 -c "
import json
a = json.load(open('$TMP/all.json'))['epcisBody']['queryResults']['resultsBody']['eventList']
b = json.load(open('$TMP/back.json'))['epcisBody']['queryResults']['resultsBody']['eventList']
print(sorted(e['eventID'] for e in a) == sorted(e['eventID'] for e in b) and len(a) > 0)")" True
echo "1..$n"
[ "$fail" -eq 0 ]
