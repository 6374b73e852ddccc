#!/usr/bin/env bash
# capture_pipeline.sh ZHILIANG_EXE - `zhiliang capture --threads 2` (the
# default: the next document parsed on a second thread while this one is
# stored) gives the store that --threads 1 gives on the same documents:
# the same events in the same order, the same log leaves in the same order
# (receipts aside, which carry the capture's own clock), in batches and
# without. A bad document N+1 leaves documents 1..N stored and N+1 absent,
# with the same error (file, JSON path, rule) and exit code as the serial
# path; --keep-going goes on past it in both; a second capture adds
# nothing. Documents from the demo generator, the error from jq's edit of
# one of them.
. "$(dirname "$0")/server_common.sh"

"$EXE" demo generate --seed 11 --scale 40 --per-doc 300 --out "$TMP/gen" >/dev/null || exit 1
mkdir "$TMP/good" "$TMP/bad"
cp "$TMP"/gen/chain-*.jsonld "$TMP/good/"
ndocs=$(ls "$TMP/good" | wc -l)
ok "several documents ($ndocs)" test "$ndocs" -ge 8
# bad: documents 1..4 as generated, the 5th with a broken eventTime in its
# 7th event, the rest after it
i=0
for f in "$TMP"/good/chain-*.jsonld; do
  i=$((i + 1))
  if [ "$i" -eq 5 ]; then
    jq -c '.epcisBody.eventList[6].eventTime = "2024-13-45T99:00:00Z"' "$f" >"$TMP/bad/$(basename "$f")"
  else
    cp "$f" "$TMP/bad/"
  fi
done
first4=0
i=0
for f in "$TMP"/good/chain-*.jsonld; do
  i=$((i + 1))
  [ "$i" -le 4 ] && first4=$((first4 + $(jq '.epcisBody.eventList | length' "$f")))
done

# what the store holds, in its order: events by insertion, log leaves by
# index (type and record key; receipts' keys carry their record time)
events_of() { zl_sql "$1" "SELECT $(zl_hex hash) FROM events ORDER BY rid" | md5sum; }
leaves_of() {
  zl_sql "$1" "SELECT idx || ' ' || type || ' ' || CASE WHEN type = 1 THEN $(zl_log_key) || ' ' || $(zl_hex hash) ELSE '' END FROM log_leaf ORDER BY idx" | md5sum
}
count_of() { zl_sql "$1" "SELECT count(*) FROM events" | tr -d ' '; }

for b in 1 4; do
  s1=$(zl_store_uri "serial$b" "$TMP")
  s2=$(zl_store_uri "piped$b" "$TMP")
  "$EXE" init --store "$s1" >/dev/null && "$EXE" init --store "$s2" >/dev/null || exit 1
  ok "batch $b: --threads 1 captures" "$EXE" capture --quiet --threads 1 --batch "$b" --store "$s1" "$TMP/good"
  ok "batch $b: --threads 2 captures" "$EXE" capture --quiet --threads 2 --batch "$b" --store "$s2" "$TMP/good"
  is "batch $b: same events in the same order" "$(events_of "$s2")" "$(events_of "$s1")"
  is "batch $b: same log leaves in the same order" "$(leaves_of "$s2")" "$(leaves_of "$s1")"
  is "batch $b: one receipt a document" "$(zl_sql "$s2" "SELECT count(*) FROM receipts" | tr -d ' ')" "$ndocs"
  out=$("$EXE" capture --threads 2 --batch "$b" --store "$s2" "$TMP/good" 2>&1)
  case "$out" in *" 0 new, "*) r=yes ;; *) r="$out" ;; esac
  is "batch $b: capturing again adds nothing" "$r" yes
  is "batch $b: ... not even a log leaf" "$(leaves_of "$s2")" "$(leaves_of "$s1")"
done

# a bad 5th document: 1..4 stored, 5 and after absent, the same error
for th in 1 2; do
  s=$(zl_store_uri "bad$th" "$TMP")
  "$EXE" init --store "$s" >/dev/null || exit 1
  "$EXE" capture --quiet --threads "$th" --store "$s" "$TMP/bad" >"$TMP/out$th" 2>"$TMP/err$th"
  echo $? >"$TMP/rc$th"
  is "threads $th: bad document N+1: exit 1" "$(cat "$TMP/rc$th")" 1
  is "threads $th: documents 1..N stored, N+1 absent" "$(count_of "$s")" "$first4"
  ok "threads $th: the error names the file, path and rule" \
    grep -q 'chain-000005.jsonld.*epcisBody.eventList\[6\].eventTime' "$TMP/err$th"
  k=$(zl_store_uri "keep$th" "$TMP")
  "$EXE" init --store "$k" >/dev/null || exit 1
  "$EXE" capture --quiet --keep-going --threads "$th" --store "$k" "$TMP/bad" >/dev/null 2>"$TMP/kerr$th"
  is "threads $th: --keep-going: exit 1" "$?" 1
  is "threads $th: --keep-going stores all but the bad one" \
    "$(count_of "$k")" "$(($(count_of "$s1") - $(jq '.epcisBody.eventList | length' "$TMP/bad/chain-000005.jsonld")))"
done
is "the same error either way" "$(cat "$TMP/err2")" "$(cat "$TMP/err1")"
untimed() { sed 's/, [0-9.]* s ([0-9]* events\/s)//' "$1"; }
is "the same summary either way" "$(untimed "$TMP/out2")" "$(untimed "$TMP/out1")"
is "the same --keep-going errors either way" "$(cat "$TMP/kerr2")" "$(cat "$TMP/kerr1")"
is "bad: same events as the serial path" "$(events_of "$(zl_store_uri bad2 "$TMP")")" "$(events_of "$(zl_store_uri bad1 "$TMP")")"
is "keep-going: same events as the serial path" "$(events_of "$(zl_store_uri keep2 "$TMP")")" "$(events_of "$(zl_store_uri keep1 "$TMP")")"

# a file that cannot be read is reported at its turn, once
s=$(zl_store_uri missing "$TMP")
"$EXE" init --store "$s" >/dev/null || exit 1
"$EXE" capture --quiet --store "$s" "$TMP/good/chain-000001.jsonld" "$TMP/nope.jsonld" "$TMP/good/chain-000002.jsonld" >/dev/null 2>"$TMP/merr"
is "a missing file: exit 1" "$?" 1
is "a missing file: reported once" "$(grep -c 'cannot read .*nope.jsonld' "$TMP/merr")" 1
is "a missing file: the document before it stored, the one after not" \
  "$(count_of "$s")" "$(jq '.epcisBody.eventList | length' "$TMP/good/chain-000001.jsonld")"
ok "--threads 3 is a usage error" sh -c '"$0" capture --threads 3 x; [ $? -eq 2 ]' "$EXE"
zl_finish
