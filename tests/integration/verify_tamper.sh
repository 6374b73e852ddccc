#!/usr/bin/env bash
# verify_tamper.sh - edit the SQLite file behind Zhiliang's back (one
# changed field, one deleted row, one inserted row) and expect
# `zhiliang verify` to name exactly that record each time.
set -euo pipefail
ZL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ZHILIANG_STORE=$T/s.db
DOC=tests/conformance/gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld
[ -f "$DOC" ] || DOC=/work/shared/conformance/gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld

"$ZL" init >/dev/null
"$ZL" capture --quiet "$DOC" >/dev/null
"$ZL" log checkpoint >/dev/null
"$ZL" verify >/dev/null || { echo "clean store does not verify"; exit 1; }

n=$(sqlite3 "$ZHILIANG_STORE" "select count(*) from events")
[ "$n" -ge 2 ] || { echo "need >= 2 events, have $n"; exit 1; }
victim=$(sqlite3 "$ZHILIANG_STORE" "select lower(hex(hash)) from events order by rowid limit 1 offset 1")
key="ni:///sha-256;$victim?ver=CBV2.0"

# 1. One changed field: the event's time moves by a year.
cp "$ZHILIANG_STORE" "$T/orig.db"
sqlite3 "$ZHILIANG_STORE" "update events set json = replace(json, '\"eventTime\":\"2005', '\"eventTime\":\"2006') where lower(hex(hash)) = '$victim'"
[ "$(sqlite3 "$ZHILIANG_STORE" "select count(*) from events where json like '%\"eventTime\":\"2006%'")" = 1 ] || { echo "the edit did not apply"; exit 1; }
out=$("$ZL" verify --json || true)
echo "$out" | grep -q '"issue":"record-altered"' || { echo "altered record not reported: $out"; exit 1; }
echo "$out" | grep -q "$key" || { echo "altered record not named: $out"; exit 1; }
[ "$(echo "$out" | grep -c '"issue"')" = 1 ] || { echo "more than the one record named: $out"; exit 1; }

# 2. One deleted row.
cp "$T/orig.db" "$ZHILIANG_STORE"; rm -f "$ZHILIANG_STORE-wal" "$ZHILIANG_STORE-shm"
sqlite3 "$ZHILIANG_STORE" "delete from events where lower(hex(hash)) = '$victim'"
out=$("$ZL" verify --json || true)
echo "$out" | grep -q '"issue":"record-missing"' || { echo "deleted record not reported: $out"; exit 1; }
echo "$out" | grep -q "$key" || { echo "deleted record not named: $out"; exit 1; }
# Its identifier and ref rows are left behind: named as rows no record
# accounts for, and nothing else.
[ "$(echo "$out" | grep '"issue"' | grep -vc '"issue":"derived-extra"')" = 1 ] || { echo "more than the one record named: $out"; exit 1; }

# 3. A row slipped in behind the log's back (a forged copy of an event).
cp "$T/orig.db" "$ZHILIANG_STORE"; rm -f "$ZHILIANG_STORE-wal" "$ZHILIANG_STORE-shm"
"$ZL" verify >/dev/null || { echo "restored store does not verify"; exit 1; }
sqlite3 "$ZHILIANG_STORE" "insert into events(hash, declared_id, type, action, event_time, tz, record_time, biz_step, disposition, read_point, biz_location, transformation_id, has_error, party, json, ids) select zeroblob(31) || x'01', declared_id, type, action, event_time, tz, record_time, biz_step, disposition, read_point, biz_location, transformation_id, has_error, party, json, ids from events where lower(hex(hash)) = '$victim'"
forged="ni:///sha-256;$(printf '0%.0s' $(seq 62))01?ver=CBV2.0"
out=$("$ZL" verify --json || true)
echo "$out" | grep -q '"issue":"record-unlogged"' || { echo "forged record not reported: $out"; exit 1; }
echo "$out" | grep -q "$forged" || { echo "forged record not named: $out"; exit 1; }
[ "$(echo "$out" | grep -c '"issue"')" = 1 ] || { echo "more than the one record named: $out"; exit 1; }
echo "verify_tamper: ok"
