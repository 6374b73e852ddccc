#!/usr/bin/env bash
# context_hash.sh ZHILIANG_EXE - an event whose extension prefixes are
# bound by its own @context (or by one nested in the extension value)
# captures and then verifies clean, and gets the same eventID as the same
# event with the prefixes bound by the document: init, capture, verify
# exits 0 for every placement, and capturing all placements into one store
# stores the event once.
set -u
exe=${1:?usage: context_hash.sh ZHILIANG_EXE}
dir=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$dir"; zl_store_cleanup' EXIT
fail=0
U='"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"'
D='"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z"'
E='"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:4012345.011111.9876"],"action":"OBSERVE"'
EX='{"ex":"https://example.com/ns/"}'
EX2='{"ex2":"https://example.com/two/"}'
B='"ex:temp":"5","ex:s":{"ex2:v":"ex2:x"}'
BN='"ex:temp":"5","ex:s":{"@context":'"$EX2"',"ex2:v":"ex2:x"}'
printf '%s' "{\"@context\":[$U,$EX,$EX2],$D,\"epcisBody\":{\"eventList\":[{$E,$B}]}}" >"$dir/doc.json"
printf '%s' "{\"@context\":[$U],$D,\"epcisBody\":{\"eventList\":[{\"@context\":[$EX,$EX2],$E,$B}]}}" >"$dir/event.json"
printf '%s' "{\"@context\":[$U,$EX2],$D,\"epcisBody\":{\"eventList\":[{\"@context\":$EX,$E,$B}]}}" >"$dir/mixed.json"
printf '%s' "{\"@context\":[$U,$EX],$D,\"epcisBody\":{\"eventList\":[{$E,$BN}]}}" >"$dir/nested.json"
printf '%s' "{\"@context\":[$U,$EX],$E,$BN}" >"$dir/bare.json"
want=$("$exe" hash "$dir/doc.json")
[[ "$want" == ni:///sha-256\;* ]] || { echo "FAIL hash doc.json: $want"; fail=1; }
for f in doc event mixed nested bare; do
  got=$("$exe" hash "$dir/$f.json")
  [ "$got" = "$want" ] || { echo "FAIL $f: eventID $got, document-level $want"; fail=1; }
  s=$(zl_store_uri "$f" "$dir")
  "$exe" init --store "$s" >/dev/null || { echo "FAIL init $f"; fail=1; continue; }
  out=$("$exe" capture --store "$s" "$dir/$f.json" 2>&1) ||
    { echo "FAIL capture $f: $out"; fail=1; }
  out=$("$exe" verify --store "$s" 2>&1); rc=$?
  [ $rc -eq 0 ] || { echo "FAIL verify $f (rc=$rc): $out"; fail=1; }
done
s=$(zl_store_uri all "$dir")
"$exe" init --store "$s" >/dev/null
out=$("$exe" capture --store "$s" "$dir"/{event,doc,mixed,nested,bare}.json 2>&1)
[[ "$out" == *"5 events, 1 new, 4 already stored"* ]] ||
  { echo "FAIL one event in five placements: $out"; fail=1; }
out=$("$exe" verify --store "$s" 2>&1) || { echo "FAIL verify all: $out"; fail=1; }
[ $fail -eq 0 ] && echo "ok: 5 placements of a prefix, one eventID, verify clean"
exit $fail
