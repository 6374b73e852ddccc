#!/usr/bin/env bash
# authz_demo.sh ZHILIANG_EXE - the demo chain passes the write rule
# (docs/access.md): every event of `zhiliang demo generate`, captured with
# `capture --party` by the party at whose site it happens (runs of
# consecutive events of one party form one document), is accepted, so the
# rule costs honest parties nothing; the same documents sent by another
# party are refused.
set -u
EXE=${1:?usage: $0 ZHILIANG_EXE}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zl-authz-demo.XXXXXX")
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$TMP"; zl_store_cleanup' EXIT
pass=0 fail=0 n=0
is() {
  n=$((n + 1))
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok $n - $1"
  else fail=$((fail + 1)); echo "not ok $n - $1 (got '$2', want '$3')"; fi
}
STORE=$(zl_store_uri z "$TMP")
"$EXE" init --store "$STORE" >/dev/null || exit 1
"$EXE" demo generate --seed 11 --scale 2 --sector all --out "$TMP/demo" >/dev/null || exit 1
"$EXE" party import "$TMP/demo/parties.json" --store "$STORE" >/dev/null || exit 1
is "every demo party registers its Company Prefix" \
  "$(jq '[.parties[] | select((.companyPrefixes | length) == 1 and .companyPrefixes[0] == .gcp)] | length' "$TMP/demo/parties.json")" \
  "$(jq '.parties | length' "$TMP/demo/parties.json")"

# GLN -> party, over every registered site.
jq -r '.parties[] | .uscc as $u | ([.gln] + [.locations[].gln])[] | "\(.) \($u)"' \
  "$TMP/demo/parties.json" >"$TMP/glns"
declare -A owner
while read -r g u; do owner[$g]=$u; done <"$TMP/glns"

# The GLN of a location in either syntax: Digital Link .../414/<13 digits>
# or urn:epc:id:sgln:<prefix>.<location reference>.<extension>.
gln_of() {
  local loc=$1 d sum=0 i c w
  if [[ $loc =~ /414/([0-9]{13}) ]]; then echo "${BASH_REMATCH[1]}"; return; fi
  if [[ $loc =~ ^urn:epc:id:sgln:([0-9]+)\.([0-9]*)\. ]]; then
    d=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
    for ((i = ${#d} - 1, w = 3; i >= 0; i--)); do
      c=${d:i:1}; sum=$((sum + c * w)); w=$((4 - w))
    done
    echo "$d$(( (10 - sum % 10) % 10 ))"
  fi
}

events=0 docs=0 refused=0 unplaced=0
for f in "$TMP"/demo/chain-*.jsonld; do
  jq -r '.epcisBody.eventList[] | (.bizLocation.id // .readPoint.id // "")' "$f" >"$TMP/locs"
  mapfile -t locs <"$TMP/locs"
  start=0 prev=
  for ((i = 0; i <= ${#locs[@]}; i++)); do
    p=
    if [ "$i" -lt "${#locs[@]}" ]; then
      g=$(gln_of "${locs[$i]}")
      p=${owner[$g]:-}
      [ -z "$p" ] && unplaced=$((unplaced + 1))
    fi
    if [ "$i" -gt 0 ] && { [ "$i" -eq "${#locs[@]}" ] || [ "$p" != "$prev" ]; }; then
      jq --argjson a "$start" --argjson b "$i" '.epcisBody.eventList |= .[$a:$b]' "$f" >"$TMP/part.json"
      docs=$((docs + 1)); events=$((events + i - start))
      if ! "$EXE" capture --store "$STORE" --party "$prev" --quiet "$TMP/part.json" \
           >/dev/null 2>>"$TMP/refusals"; then
        refused=$((refused + 1))
      fi
      start=$i
    fi
    prev=$p
  done
done
is "every demo event happens at a registered site" "$unplaced" 0
is "no document refused when captured by its own party ($docs documents)" "$refused" 0
[ -s "$TMP/refusals" ] && sed 's/^/# /' "$TMP/refusals" | head -5
is "every event stored ($events)" \
  "$("$EXE" events --store "$STORE" --json | jq '.epcisBody.queryResults.resultsBody.eventList | length')" "$events"

# The same documents from the wrong party: refused.
f=$(ls "$TMP"/demo/chain-*.jsonld | head -1)
first=$(gln_of "$(jq -r '.epcisBody.eventList[0] | (.bizLocation.id // .readPoint.id)' "$f")")
other=$(jq -r --arg u "${owner[$first]}" '[.parties[] | select(.uscc != $u)][0].uscc' "$TMP/demo/parties.json")
jq '.epcisBody.eventList |= .[0:1]' "$f" >"$TMP/one.json"
"$EXE" capture --store "$STORE" --party "$other" --quiet "$TMP/one.json" >/dev/null 2>&1
is "another party's event refused (exit 1)" "$?" 1
"$EXE" verify --store "$STORE" >/dev/null
is "verify passes" "$?" 0
echo "1..$n"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
