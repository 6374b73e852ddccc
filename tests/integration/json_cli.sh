#!/usr/bin/env bash
# json_cli.sh ZHILIANG_EXE - every --json output is valid JSON whatever the
# file names and arguments hold: a store path and a capture file whose
# names contain a quote, a backslash and a newline, a refused document, an
# identifier with a quote, a recall reason with control characters. Each
# output is checked with `jq -e` and the names must come back unchanged.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
fail() { echo "json_cli: $*" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq missing"; exit 77; }

weird=$'we"ird\\na\nme'
# (on PostgreSQL the store is a schema: its name is the weird one made
# plain, the file names stay weird)
store=$(zl_store_uri "$weird" "$T")
doc="$T/$weird.jsonld"
bad="$T/bad $weird.jsonld"
cp tests/golden/recall/chain.jsonld "$doc"
printf '{"not": "epcis"' > "$bad"

# init --json names the store
out=$("$ZL" init --store "$store" --json)
jq -e --arg s "$store" '.store == $s and (.verifierKey | length > 0)' \
    <<<"$out" >/dev/null || fail "init --json: $out"

# capture --json: one line per document and a summary line
out=$("$ZL" capture --store "$store" --json "$doc")
[ "$(wc -l <<<"$out")" -eq 2 ] || fail "capture --json lines: $out"
jq -e -s --arg f "$doc" '.[0].file == $f and .[0].new == 17
    and .[1].documents == 1 and .[1].failed == 0' <<<"$out" >/dev/null ||
    fail "capture --json: $out"
# a refused document: the error object names the file
out=$("$ZL" capture --store "$store" --json "$bad" || true)
jq -e -s --arg f "$bad" '.[0].file == $f and (.[0].error | length > 0)
    and .[1].failed == 1' <<<"$out" >/dev/null || fail "capture error --json: $out"

# hash, verify, party list, token list (verify: 17 events, 1 capture receipt)
"$ZL" hash --json "$doc" | jq -e 'length == 17 and all(.hashID | startswith("ni:"))' \
    >/dev/null || fail "hash --json"
"$ZL" hash --check --json "$doc" | jq -e '.valid and .events == 17' >/dev/null ||
    fail "hash --check --json"
"$ZL" verify --store "$store" --json | jq -e '.ok and .leaves == 18' >/dev/null ||
    fail "verify --json"
"$ZL" party list --store "$store" --json | jq -e 'type == "array"' >/dev/null ||
    fail "party list --json"
"$ZL" token list --store "$store" --json | jq -e 'type == "array"' >/dev/null ||
    fail "token list --json"

# id --json with a quote in the input (invalid) and a valid code
out=$("$ZL" id --json "$weird" || true)
jq -e --arg c "$weird" '.input == $c and .valid == false' <<<"$out" >/dev/null ||
    fail "id --json invalid: $out"
"$ZL" id --json '(01)09506000134352(10)A"B' |
    jq -e '.valid and (.qualifiers[0].value == "A\"B")' >/dev/null ||
    fail "id --json with a quote in a lot"

# a recall whose reason holds a quote, a backslash, a newline and a tab
export ZHILIANG_STORE=$store
reason=$'bad "milk" \\ line\n\tend'
out=$("$ZL" recall open --json \
    --lot "https://id.gs1.org/01/06901234000108/10/RAW-1" \
    --reason "$reason" --hazard-class II)
case_id=$(jq -er .case <<<"$out") || fail "recall open --json: $out"
"$ZL" recall notify "$case_id" --json | jq -e '.notified >= 1' \
    >/dev/null || fail "recall notify --json"
"$ZL" recall status "$case_id" --json |
    jq -e --arg r "$reason" '.reason == $r and .status == "open"' >/dev/null ||
    fail "recall status --json"
"$ZL" recall list --json |
    jq -e --arg r "$reason" '.[0].reason == $r and (.[0].lots | length == 1)' \
    >/dev/null || fail "recall list --json"
"$ZL" verify --store "$store" --json | jq -e '.ok' >/dev/null ||
    fail "verify after the recall"
echo "json_cli: ok"
