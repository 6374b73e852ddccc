#!/usr/bin/env bash
# hash_cli.sh ZHILIANG_EXE - `zhiliang hash` end to end against the CBV 2.0
# event hash corpus: one hash ID per event in document order (.hashes),
# --prehash gives the .prehashes lines, --json is valid JSON with the same
# IDs, stdin works, --check says "valid" or names the path, usage errors
# exit 2. The corpus comes from an example repository whose own fields are
# named in "<p>:ignoreFields" (p bound to repository-x's namespace): the
# reference generator is told so, and so is `zhiliang hash`.
set -u
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
exe=${1:?usage: hash_cli.sh ZHILIANG_EXE}
corpus=tests/conformance/epcis-event-hash/examples
ext=(--ignore-fields-extension https://repository-x.example.com/)
fail=0
n=0
for doc in "$corpus"/*.jsonld; do
  base=${doc%.jsonld}
  [ -f "$base.hashes" ] || continue
  n=$((n + 1))
  if [ "$("$exe" hash "${ext[@]}" "$doc")" != "$(cat "$base.hashes")" ]; then
    echo "FAIL hash $doc"; fail=1
  fi
  if [ -f "$base.prehashes" ] &&
     [ "$("$exe" hash --prehash "${ext[@]}" "$doc")" != "$(cat "$base.prehashes")" ]; then
    echo "FAIL --prehash $doc"; fail=1
  fi
  if [ "$("$exe" hash --json "${ext[@]}" "$doc" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
      console.log(JSON.parse(s).map(e=>e.hashID).join("\n"))})' 2>/dev/null)" \
     != "$(cat "$base.hashes")" ] && command -v node >/dev/null; then
    echo "FAIL --json $doc"; fail=1
  fi
done
[ "$n" -ge 22 ] || { echo "FAIL only $n corpus documents"; fail=1; }
# without the option no namespace is special: the repository's fields count
ign=$corpus/epcisDocHavingEventWithIgnoreFields.jsonld
first=$("$exe" hash "$ign" | head -1)
[ -n "$first" ] && [ "$first" != "$(head -1 "${ign%.jsonld}.hashes")" ] ||
  { echo "FAIL ignoreFields honoured without --ignore-fields-extension"; fail=1; }
one=$corpus/epcisDocWithSingleEvent.jsonld
[ "$("$exe" hash - <"$one")" = "$(cat "${one%.jsonld}.hashes")" ] ||
  { echo "FAIL stdin"; fail=1; }
[ "$("$exe" hash --check "$one")" = valid ] || { echo "FAIL --check valid"; fail=1; }
bad=$(mktemp)
sed 's/"action": "OBSERVE"/"action": "LOOK"/' "$one" >"$bad"
out=$("$exe" hash --check "$bad"); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *'$.epcisBody.eventList[0].action'* ]] ||
  { echo "FAIL --check invalid: rc=$rc $out"; fail=1; }
"$exe" hash "$bad" >/dev/null 2>&1 && { echo "FAIL hash accepts invalid"; fail=1; }
rm -f "$bad"
"$exe" hash >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL usage exit"; fail=1; }
"$exe" hash --bogus x >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL bad option"; fail=1; }
"$exe" hash --help | grep -q "usage: zhiliang hash" || { echo "FAIL --help"; fail=1; }
# the document limits, as capture's: a 100k-event demo document is ~72 MB,
# past the 64 MiB default, so `hash` takes --max-bytes / --max-events too
two=$corpus/epcisDocWithVariousEventTypes.jsonld
sz=$(wc -c <"$two")
"$exe" hash --max-bytes $((sz - 1)) "$two" >/dev/null 2>&1 &&
  { echo "FAIL --max-bytes below the size accepted"; fail=1; }
[ "$("$exe" hash --max-bytes "$sz" "$two")" = "$(cat "${two%.jsonld}.hashes")" ] ||
  { echo "FAIL --max-bytes at the size"; fail=1; }
"$exe" hash --max-events 1 "$two" >/dev/null 2>&1 &&
  { echo "FAIL --max-events 1 accepted a document of several events"; fail=1; }
"$exe" hash --max-events 0 "$two" >/dev/null 2>&1; [ $? -eq 2 ] ||
  { echo "FAIL --max-events 0 not a usage error"; fail=1; }
# --threads: a document past ZL_EPCIS_PAR_MIN_EVENTS (the random corpus
# three times, 2,997 events) hashes to the reference's IDs on 1 and 2
# threads alike
rnd=tests/conformance/epcis-event-hash-random/random
big=$(mktemp)
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["epcisBody"]["eventList"] *= 3
json.dump(d, open(sys.argv[2], "w"), separators=(",", ":"))' "$rnd.jsonld" "$big"
want=$(cat "$rnd.hashes" "$rnd.hashes" "$rnd.hashes")
for t in 1 2; do
  [ "$("$exe" hash --threads $t "$big")" = "$want" ] ||
    { echo "FAIL --threads $t"; fail=1; }
done
# an invalid event in the middle (event 1500 of 2,997): exit 1, nothing
# on stdout (the hashes before it are not printed), the error names it,
# on 1 and 2 threads; a duplicate key in a later event outranks it, as
# when the whole document was parsed before any event was checked
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["epcisBody"]["eventList"][1500]["eventTime"] = "not a time"
json.dump(d, open(sys.argv[1], "w"), separators=(",", ":"))' "$big"
errf=$(mktemp)
for t in 1 2; do
  out=$("$exe" hash --threads $t "$big" 2>"$errf"); rc=$?
  [ $rc -eq 1 ] && [ -z "$out" ] &&
    grep -q 'eventList\[1500\]\.eventTime' "$errf" ||
    { echo "FAIL invalid event 1500, --threads $t: rc=$rc $(cat "$errf")"; fail=1; }
  out=$("$exe" hash --check --threads $t "$big"); rc=$?
  [ $rc -eq 1 ] && [[ "$out" == "invalid: "*'eventList[1500].eventTime'* ]] ||
    { echo "FAIL --check event 1500, --threads $t: $out"; fail=1; }
done
python3 -c '
import sys
t = open(sys.argv[1]).read()
k = t.index("\"eventList\":[") + 13
for _ in range(2500):  # to event 2500
    depth = 0
    while True:
        c = t[k]
        if c == "\"":
            k += 1
            while t[k] != "\"":
                k += 2 if t[k] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                break
        k += 1
    k += 2  # past "},"
open(sys.argv[1], "w").write(t[:k + 1] + "\"x:d\":1,\"x:d\":2," + t[k + 1:])' "$big"
out=$("$exe" hash --threads 2 "$big" 2>"$errf"); rc=$?
[ $rc -eq 1 ] && [ -z "$out" ] &&
  grep -q 'eventList\[2500\].*duplicate object key' "$errf" ||
  { echo "FAIL duplicate key after the invalid event: rc=$rc $(cat "$errf")"; fail=1; }
rm -f "$big" "$errf"
"$exe" hash --threads 0 "$two" >/dev/null 2>&1; [ $? -eq 2 ] ||
  { echo "FAIL --threads 0 not a usage error"; fail=1; }
[ $fail -eq 0 ] && echo "ok: $n corpus documents"
exit $fail
