#!/usr/bin/env bash
# query_schema.sh - `zhiliang events --json` output validates against GS1's
# EPCIS 2.0 JSON Schema (tests/conformance/gs1-epcis/EPCIS-JSON-Schema.json),
# checked by ajv (npm), for GS1's own example events and a demo chain, in
# every EPC format and across pages. Skips (77) only without npm.
set -euo pipefail
ZL=$1
command -v npm >/dev/null || { echo "npm missing: skip"; exit 77; }
CACHE=${ZL_BUILD_DIR:-/tmp}/query-schema-oracle
if [ ! -d "$CACHE/node_modules/ajv-formats" ]; then
  mkdir -p "$CACHE"
  (cd "$CACHE" && npm init -y >/dev/null && npm install --no-audit --no-fund ajv@8 ajv-formats@3 >/dev/null)
fi
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
"$ZL" init >/dev/null
# GS1's examples (the three refused ones are refused by design; see epcis tests).
"$ZL" capture --quiet --keep-going $(find tests/conformance/gs1-epcis/JSON -name '*.jsonld' | sort) >/dev/null 2>&1 || true
"$ZL" demo generate --seed 5 --scale 3 --sector all --out "$T/chain" >/dev/null
"$ZL" capture --quiet "$T"/chain/chain-*.jsonld >/dev/null
n=0
for fmt in "" "--epc-format dl" "--epc-format urn"; do
  n=$((n+1)); "$ZL" events --json $fmt > "$T/q$n.json"
done
# Pages of 50 in descending record time, following nextPageToken.
tok=""; p=0
while :; do
  p=$((p+1))
  args=(perPage=50 orderBy=recordTime orderDirection=DESC)
  [ -n "$tok" ] && args+=("nextPageToken=$tok")
  "$ZL" events --json "${args[@]}" > "$T/page$p.json" 2> "$T/more"
  tok=$(sed -n 's/^more: nextPageToken=//p' "$T/more")
  [ -n "$tok" ] || break
  [ $p -lt 1000 ] || { echo "pagination does not end"; exit 1; }
done
total=$(jq '.epcisBody.queryResults.resultsBody.eventList | length' "$T/q1.json")
paged=$(cat "$T"/page*.json | jq -s 'map(.epcisBody.queryResults.resultsBody.eventList | length) | add')
[ "$total" = "$paged" ] || { echo "pages hold $paged events, the whole query $total"; exit 1; }
[ "$total" -gt 300 ] || { echo "too few events captured: $total"; exit 1; }
# ESM resolves packages beside the script: run it from the cache.
cp tests/integration/query_schema.mjs "$CACHE/"
node "$CACHE/query_schema.mjs" "$PWD/tests/conformance/gs1-epcis/EPCIS-JSON-Schema.json" "$T"/q*.json "$T"/page*.json
