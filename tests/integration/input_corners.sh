#!/usr/bin/env bash
# input_corners.sh ZHILIANG_EXE - bad input corners, CLI and HTTP:
#  - `[]` is not a document ("captured 1 documents" before);
#  - a bare event (alone or in an array) needs its own @context, as a
#    document does;
#  - control characters from the input never reach the terminal raw (an
#    escape sequence in a value or a key is shown as \u001b...);
#  - an error whose path has invalid UTF-8 is still reported, and the
#    HTTP problem document is valid JSON (strict UTF-8 decoding);
#  - a value too large names the limit.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_common.sh"
"$EXE" init --store "$STORE" >/dev/null || exit 1
"$EXE" party add --name 测试企业 --id t1 --gln 6940277700002 --store "$STORE" >/dev/null || exit 1
TOK=$("$EXE" token create --party t1 --store "$STORE" 2>/dev/null)
C='"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]'
E='"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["https://id.gs1.org/01/09506000134352/21/X1"]'
D='"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z"'

cap() { "$EXE" capture --store "$STORE" "$@" 2>&1; }

printf '[]' >"$TMP/empty.json"
out=$(cap "$TMP/empty.json"); rc=$?
is "[] refused (exit 1)" "$rc" 1
ok "[] named: an empty array is no document" grep -q '\$: an empty array is no EPCIS document' <<<"$out"
ok "[] not counted as captured" grep -q 'captured 0 documents (1 refused)' <<<"$out"

printf '{%s}' "$E" >"$TMP/bare.json"
printf '[{%s,%s},{%s}]' "$C" "$E" "$E" >"$TMP/bare_list.json"
printf '{%s,%s}' "$C" "$E" >"$TMP/bare_ctx.json"
out=$(cap "$TMP/bare.json"); rc=$?
is "bare event without @context refused" "$rc" 1
ok "... at \$.@context" grep -q '\$\.@context: required' <<<"$out"
out=$(cap "$TMP/bare_list.json"); rc=$?
is "array with an event without @context refused" "$rc" 1
ok "... at \$[1].@context" grep -q '\$\[1\]\.@context: required' <<<"$out"
out=$(cap "$TMP/bare_ctx.json"); rc=$?
is "bare event with its @context captured" "$rc" 0

# An escape sequence in a value and in a key: OSC (set the window title)
# and CSI (clear the screen) must come out escaped.
printf '{%s,%s,"bizStep":"\\u001b]0;owned\\u0007\\u001b[2J"}' "$C" "$E" >"$TMP/esc_value.json"
printf '{%s,%s,"\\u001b[31mkey":1}' "$C" "$E" >"$TMP/esc_key.json"
printf '{%s,"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["https://example.com/\\u009b2J"]}' "$C" >"$TMP/esc_c1.json"
for f in esc_value esc_key esc_c1; do
  cap "$TMP/$f.json" >"$TMP/$f.out"
  is "$f: no raw control character on the terminal" "$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$TMP/$f.out")" 0
done
ok "esc_value: shown escaped" grep -q 'value: "\\u001b\]0;owned\\u0007\\u001b\[2J"' "$TMP/esc_value.out"
ok "esc_key: shown escaped in the path" grep -q '\$\.\\u001b\[31mkey' "$TMP/esc_key.out"
ok "esc_c1: a C1 control is no URI character" grep -q 'must be an absolute URI (value: "https://example.com/\\u009b2J")' "$TMP/esc_c1.out"
"$EXE" hash --check "$TMP/esc_value.json" >"$TMP/hash_esc.out" 2>&1
is "hash --check: no raw control character" "$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/hash_esc.out")" 0

# Invalid UTF-8 in a key: jansson refuses the document, the path is ours.
printf '{%s,%s,"epcisBody":{"eventList":[{%s,"\xff\xfebad":1}]}}' "$C" "$D" "$E" >"$TMP/bad_utf8.json"
out=$(cap "$TMP/bad_utf8.json"); rc=$?
is "invalid UTF-8 key refused" "$rc" 1
ok "... reported with its path, bytes escaped" grep -q 'eventList\[0\]\.\\xff\\xfebad: JSON syntax' <<<"$out"

# A too long identifier names the limit.
long=$(head -c 1100 /dev/zero | tr '\0' a)
printf '{%s,"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["https://example.com/%s"]}' "$C" "$long" >"$TMP/long_id.json"
out=$(cap "$TMP/long_id.json")
ok "a too long identifier names the limit" grep -q 'identifier of 1120 bytes is longer than the limit of 1023 bytes' <<<"$out"

# Over HTTP: the same inputs, answered as valid JSON naming the path.
zl_serve --threads 2
post() { curl -s -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' --data-binary @"$1" "$U/capture"; }
strict_json() { python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))'; }
post "$TMP/bad_utf8.json" >"$TMP/h_utf8.json"
ok "HTTP: invalid UTF-8 path -> valid JSON problem" strict_json <"$TMP/h_utf8.json"
ok "HTTP: ... 400 naming the path" jq -e '.status == 400 and (.detail | contains("eventList[0].\\xff\\xfebad"))' "$TMP/h_utf8.json"
for f in empty bare esc_key; do
  post "$TMP/$f.json" >"$TMP/h_$f.json"
  ok "HTTP: $f -> valid JSON" strict_json <"$TMP/h_$f.json"
done
ok "HTTP: [] -> a failed capture job saying why" jq -e '.success == false and (.errors[0].detail | contains("empty array"))' "$TMP/h_empty.json"
ok "HTTP: bare event without @context -> failed job at \$.@context" jq -e '.success == false and .errors[0].path == "$.@context"' "$TMP/h_bare.json"
ok "HTTP: control characters escaped in the job" jq -e '.errors[0].path == "$.\u001b[31mkey" | not' "$TMP/h_esc_key.json"
ok "HTTP: ... shown as \\u001b text" grep -q '\\\\u001b\[31mkey' "$TMP/h_esc_key.json"
zl_finish
