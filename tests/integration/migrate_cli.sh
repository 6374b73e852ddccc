#!/usr/bin/env bash
# migrate_cli.sh - `zhiliang migrate` end to end: a store with rows in
# every table (the demo chain, a signed document, recall cases, tokens, a
# correction, a checkpoint) copied SQLite -> SQLite, and, when a
# PostgreSQL server is there ($ZL_TEST_STORE_URI names one, or one answers
# at 127.0.0.1:25432), SQLite -> PostgreSQL -> SQLite. Every copy prints
# the source's checkpoint, passes `zhiliang verify` and gives the same
# answers (event queries, a trace, a recall scope); back on SQLite every
# table is byte-identical to the source's. A copy killed with SIGKILL
# mid-way is continued by the same command, copying no row twice.
set -euo pipefail
ZL=$1
. "$(dirname "$0")/store_common.sh"
T=$(mktemp -d)
trap 'zl_store_cleanup; rm -rf "$T"' EXIT
fail() { echo "migrate_cli: $*"; exit 1; }
q() { sqlite3 -cmd ".timeout 5000" "$@"; }
S=$T/s.db
DOC=tests/conformance/gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld
[ -f "$DOC" ] || DOC=/work/shared/conformance/gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld

# ---- a store with rows in every table -------------------------------------
"$ZL" init --store "$S" --origin zhiliang.test/log >/dev/null
"$ZL" demo generate --seed 7 --scale 2 --out "$T/chain" >/dev/null
"$ZL" party import --store "$S" "$T/chain/parties.json" >/dev/null
"$ZL" capture --store "$S" --quiet "$T"/chain/*.jsonld >/dev/null
"$ZL" key generate --out "$T/p" >/dev/null
"$ZL" party add --store "$S" --name 签名企业 --uscc 91350100M000100Y43 \
  --gln 0614141073467 --gln 0012345111112 --prefix 0614141 \
  --pubkey "$T/p.pub" >/dev/null
"$ZL" key sign --key "$T/p.key" "$DOC" > "$T/doc.sig"
"$ZL" capture --store "$S" --quiet --party 91350100M000100Y43 \
  --signature "$T/doc.sig" "$DOC" >/dev/null
lot1=$(q "$S" "select id from event_ids where role = 6 and id like '%/10/%' order by id limit 1")
lot2=$(q "$S" "select id from event_ids where role = 6 and id like '%/10/%' order by id limit 1 offset 1")
item=$(q "$S" "select id from event_ids where role = 1 and id like '%/21/%' order by id limit 1")
"$ZL" recall open --store "$S" --lot "$lot1" --hazard-class II --reason "migrate test" >/dev/null
case2=$("$ZL" recall open --store "$S" --lot "$lot2" --hazard-class III --reason "closed one" --json | jq -r .case)
"$ZL" recall close --store "$S" "$case2" --force test --summary done >/dev/null
"$ZL" token create --store "$S" --party 91350100M000100Y43 >/dev/null 2>&1
tok=$("$ZL" token create --store "$S" --party 91350100M000100Y43 --json | jq -r .id)
"$ZL" token revoke --store "$S" "$tok" >/dev/null
ev=$(q "$S" "select json from events where json not like '%@context%' and type = 1 order by hash limit 1")
printf '{"@context":"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld","type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-02T00:00:00Z","epcisBody":{"eventList":[%s]}}' \
  "$(echo "$ev" | jq -c '. + {"errorDeclaration":{"declarationTime":"2026-05-02T08:00:00+08:00","reason":"incorrect_data"}}')" > "$T/fix.json"
"$ZL" capture --store "$S" --quiet "$T/fix.json" >/dev/null
# supervision registries and a plan (docs/supervision.md)
python3 tests/fixtures/supervise/gen.py "$T"
"$ZL" registry import --store "$S" category "$T/categories.json" >/dev/null
"$ZL" registry import --store "$S" enterprise "$T/enterprises.csv" >/dev/null
"$ZL" registry import --store "$S" inspector "$T/inspectors.json" >/dev/null
"$ZL" inspect plan --store "$S" --id M1 --category RAW_MILK --region 13 --count 1 >/dev/null
# a serial's lookup counts, as the server writes them (server/lookups.c)
q "$S" "insert into code_lookups values('$item', 3, 1772300000000, 1772400000000)"
# a live SPC stream with an alarm (issue 13)
"$ZL" spc stream create bore --store "$S" --chart imr --characteristic d --center 10 --sigma 0.1 >/dev/null
"$ZL" spc append bore 10.01 12.3 --code '(01)09506000134352(10)L1' --store "$S" >/dev/null
# a risk report with sealed personal data (issue 14)
openssl rand -hex 32 > "$T/pii.key"
echo '{"occurred":"2026-05-01","description":"x","personal":{"phone":"13800138000"}}' > "$T/c.json"
C=$("$ZL" risk report complaint --store "$S" --pii-key "$T/pii.key" --json "$T/c.json")
# ... and a handling step (schema 13)
"$ZL" party add --store "$S" --name 监管局 --id reg-m --kind regulator --region 11 >/dev/null
"$ZL" risk review "${C##* }" accept --as reg-m --store "$S" >/dev/null
# ... and a risk case (schema 19)
"$ZL" risk dispose open --store "$S" --from-other x --gtin 09506000134352 --hazard x >/dev/null
# a named query and a subscription on it (issue 15)
"$ZL" query save --store "$S" shipped EQ_bizStep=shipping >/dev/null
"$ZL" query webhook-allow --store "$S" 127.0.0.1/32 >/dev/null # the test's dest is loopback
"$ZL" query subscribe --store "$S" shipped --dest http://127.0.0.1:9/hook --secret s >/dev/null
"$ZL" log checkpoint --store "$S" > "$T/cp.src"
for t in $(q "$S" "select name from sqlite_master where type = 'table'"); do
  [ "$(q "$S" "select count(*) from $t")" -gt 0 ] || fail "table $t of the source is empty"
done

# What users see of a store: the checkpoint (no growth: not re-signed),
# event queries, the recall cases, a trace and a recall scope, byte for
# byte; "notrace" leaves the last two out (a backend without the trace
# module yet).
answers() {
  "$ZL" log checkpoint --store "$1"
  "$ZL" events --store "$1" --json eventType=ObjectEvent | jq -cS 'del(.. | .creationDate?)'
  "$ZL" events --store "$1" --json EQ_bizStep=shipping | jq -cS 'del(.. | .creationDate?)'
  "$ZL" recall list --store "$1" --json
  [ "${2:-}" = notrace ] && return
  "$ZL" trace back "$item" --store "$1" --json | jq -cS 'del(.. | .creationDate?)'
  "$ZL" recall scope --store "$1" --lot "$lot1" --json | jq -cS 'del(.. | .creationDate?)'
}
answers "$S" > "$T/answers.src"
answers "$S" notrace > "$T/answers.notrace"
grep -q '"eventList":\[{' "$T/answers.src" || fail "the source answers no events"

# Every table of an SQLite store, rows sorted. Since schema 8 the numbers
# a store gives its rows (events.rid, the interned identifiers idents and
# event_occ; since 14 the vocab numbers of bizStep, disposition and the
# locations) are its own, and events.json may be compressed: those go
# through the event_ids view, and the events' JSON through the answers
# above (a copy stores it as text). Since 18 the trace index refers to
# those numbers and is rebuilt by the copy (with its counters, tix_gen and
# tix_epoch):
# the answers' traces and verify check it. Since 21 the sites index
# (event_sites, site_parties) holds them too, written by triggers as the
# copy writes events, so its numbers are the copy's own (and since 24 its
# counter rule_gen, which triggers bump as the copy writes). Since 38
# events.ids names identifiers by those numbers too (a copy gets version
# 2): the occurrences are compared through the event_ids view.
dump() {
  local t
  for t in $(q "$1" "select name from sqlite_master where type in ('table', 'view') and name not in ('idents', 'idents_text', 'event_codes', 'event_occ', 'event_qty', 'vocab', 'sqlite_sequence', 'trace_keys', 'trace_events', 'trace_adj', 'event_sites', 'site_parties', 'rule_gen', 'event_trade', 'trade_values') order by name"); do
    echo "== $t"
    if [ "$t" = meta ]; then
      q -cmd ".mode quote" "$1" "select * from meta where key not in ('tix_gen', 'tix_epoch')" | LC_ALL=C sort
      continue
    fi
    if [ "$t" = events ]; then
      q -cmd ".mode quote" "$1" "select hash, declared_id, type, action, event_time, tz, record_time, (select v from vocab where n = biz_step), (select v from vocab where n = disposition), (select v from vocab where n = read_point), (select v from vocab where n = biz_location), transformation_id, has_error, party from events" | LC_ALL=C sort
      continue
    fi
    # schema 21: an event's outbox key and a receipt's list name log
    # leaves, so a copy (whose leaves arrive after them) may hold the hashes
    # instead: the outbox is compared as the feed reads it, the lists by
    # the copy's verify (each receipt recomputes to its logged leaf); since
    # 38 an event's row leaves created to its event (the feed reads it so)
    if [ "$t" = outbox ]; then
      q -cmd ".mode quote" "$1" "select seq, kind, case typeof(key) when 'integer' then (select lower(hex(case typeof(l.record_key) when 'integer' then (select hash from events where rid = l.record_key) else l.record_key end)) from log_leaf l where l.idx = key) when 'blob' then lower(hex(key)) else key end, coalesce(created, (select e.record_time from log_leaf l join events e on e.rid = l.record_key where l.idx = key)) from outbox" | LC_ALL=C sort
      continue
    fi
    if [ "$t" = receipts ]; then
      q -cmd ".mode quote" "$1" "select key, grp, kind, record_time, party, doc from receipts" | LC_ALL=C sort
      continue
    fi
    if [ "$t" = log_leaf ]; then
      q -cmd ".mode quote" "$1" "select idx, type, case typeof(record_key) when 'integer' then 'ni:///sha-256;' || lower(hex((select hash from events where rid = record_key))) || '?ver=CBV2.0' when 'blob' then 'ni:///sha-256;' || lower(hex(record_key)) || '?ver=CBV2.0' else record_key end, hash from log_leaf" | LC_ALL=C sort
      continue
    fi
    q -cmd ".mode quote" "$1" "select * from $t" | LC_ALL=C sort
  done
}
dump "$S" > "$T/dump.src"

# ---- SQLite -> SQLite -----------------------------------------------------
"$ZL" migrate --help | grep -q -- '--to URI' || fail "no --help"
set +e
"$ZL" migrate --from "$S" >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || fail "migrate without --to: exit $rc, want 2"
A=$T/a.db
"$ZL" migrate --from "$S" --to "$A" --json > "$T/a.json"
# the store's tables as the backend seam lists them: on SQLite event_ids
# is a view over the interned identifiers (idents, event_occ), which are
# the backend's own, as are the sites and trade indexes
NT=$(q "$S" "select count(*) from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' and name not in ('idents', 'idents_text', 'event_codes', 'event_occ', 'event_qty', 'vocab', 'event_sites', 'site_parties', 'rule_gen', 'event_trade', 'trade_values')")
jq -e --argjson nt "$NT" '.resumed == false and .rows > 1000 and .tables == $nt' "$T/a.json" >/dev/null || fail "summary: $(cat "$T/a.json")"
[ "$(jq .logSize "$T/a.json")" = "$(sed -n 2p "$T/cp.src")" ] || fail "logSize is not the checkpoint's size"
"$ZL" verify --store "$A" >/dev/null || fail "the copy does not verify"
answers "$A" | cmp -s - "$T/answers.src" || fail "the SQLite copy answers differently"
dump "$A" | cmp -s - "$T/dump.src" || fail "the SQLite copy's tables differ"
# a finished copy is a store: copying into it again is refused
if "$ZL" migrate --from "$S" --to "$A" 2>"$T/err"; then fail "copied into a full store"; fi
grep -q "already holds data" "$T/err" || fail "refusal: $(cat "$T/err")"
# ZHILIANG_STORE is the default source
ZHILIANG_STORE=$A "$ZL" migrate --to "$T/a2.db" --quiet >/dev/null
"$ZL" log checkpoint --store "$T/a2.db" | cmp -s - "$T/cp.src" || fail "copy from \$ZHILIANG_STORE"

# ---- a copy killed mid-way, then continued --------------------------------
# A store big enough that 20-row batches (a commit each) take seconds.
B=$T/b.db
"$ZL" init --store "$B" >/dev/null
"$ZL" demo generate --seed 3 --scale 20 --out "$T/big" >/dev/null
"$ZL" party import --store "$B" "$T/big/parties.json" >/dev/null
"$ZL" capture --store "$B" --quiet "$T"/big/*.jsonld >/dev/null
"$ZL" log checkpoint --store "$B" > "$T/cp.big"

# Start a copy to $2, kill it with SIGKILL once it has committed batches.
kill_midway() {
  local from=$1 to=$2 check=$3 pid i
  "$ZL" migrate --from "$from" --to "$to" --batch 20 --quiet >/dev/null 2>&1 &
  pid=$!
  for i in $(seq 1 400); do
    if $check; then break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  sleep 0.3
  kill -0 "$pid" 2>/dev/null || fail "the copy to $to ended before it could be killed"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
}
K=$T/k.db
k_started() { [ -f "$K" ] && [ -n "$(q "$K" "select 1 from meta where key = 'migrate.key'" 2>/dev/null)" ]; }
kill_midway "$B" "$K" k_started
[ -n "$(q "$K" "select 1 from meta where key = 'migrate.source'")" ] || fail "no progress marker after the kill"
if "$ZL" log checkpoint --store "$K" >/dev/null 2>&1; then fail "an unfinished copy issued a checkpoint"; fi
"$ZL" migrate --from "$B" --to "$K" --batch 20 --json > "$T/k.json"
jq -e '.resumed == true' "$T/k.json" >/dev/null || fail "not resumed: $(cat "$T/k.json")"
"$ZL" log checkpoint --store "$K" | cmp -s - "$T/cp.big" || fail "the resumed copy's checkpoint differs"
"$ZL" verify --store "$K" >/dev/null || fail "the resumed copy does not verify"
dump "$B" > "$T/dump.big"
dump "$K" | cmp -s - "$T/dump.big" || fail "the resumed copy's tables differ (a row lost or doubled)"
[ -z "$(q "$K" "select key from meta where key like 'migrate.%'")" ] || fail "progress keys left behind"

# ---- SQLite -> PostgreSQL -> SQLite ---------------------------------------
# The sources and the copies back stay SQLite files (compared with the
# sqlite3 shell); the middle store is PostgreSQL: the run's own server under
# `meson test --setup pg`, else the test server when one answers.
if ! zl_on_pg && [ -x "$ZL_PGBIN/pg_isready" ] &&
   "$ZL_PGBIN/pg_isready" -q -h 127.0.0.1 -p 25432 -t 2; then
  ZL_STORE_TPL='postgresql://postgres@127.0.0.1:25432/zhiliang?schema=%s'
  ZL_BACKEND=postgresql
fi
if ! zl_on_pg; then
  echo "# no PostgreSQL server: SQLite -> PostgreSQL -> SQLite skipped"
  echo "migrate_cli: ok (SQLite)"
  exit 0
fi
P=$(zl_store_uri p "$T")
if ! "$ZL" migrate --from "$S" --to "$P" 2>"$T/pg.err" >/dev/null; then
  if grep -q "has no .* tables yet" "$T/pg.err"; then
    echo "# the PostgreSQL backend lacks modules: $(cat "$T/pg.err")"
    echo "# SQLite -> PostgreSQL -> SQLite skipped"
    echo "migrate_cli: ok (SQLite)"
    exit 0
  fi
  fail "SQLite -> PostgreSQL: $(cat "$T/pg.err")"
fi
"$ZL" verify --store "$P" >/dev/null || fail "the PostgreSQL copy does not verify"
scope_err=$("$ZL" recall scope --store "$P" --lot "$lot1" --json 2>&1 >/dev/null || true)
if [[ $scope_err == *unsupported* ]]; then
  echo "# the PostgreSQL backend has no trace module yet: traces not compared there"
  answers "$P" notrace | cmp -s - "$T/answers.notrace" || fail "the PostgreSQL copy answers differently"
else
  answers "$P" | cmp -s - "$T/answers.src" || fail "the PostgreSQL copy answers differently"
fi
C=$T/c.db
"$ZL" migrate --from "$P" --to "$C" --quiet >/dev/null
"$ZL" verify --store "$C" >/dev/null || fail "the copy back does not verify"
answers "$C" | cmp -s - "$T/answers.src" || fail "the copy back answers differently"
dump "$C" | cmp -s - "$T/dump.src" || fail "SQLite -> PostgreSQL -> SQLite changed a table"

# killed mid-way into PostgreSQL, continued, and back
PK=$(zl_store_uri k "$T")
pk_started() { [ -n "$(zl_sql "$PK" "select 1 from meta where key = 'migrate.key'" 2>/dev/null)" ]; }
kill_midway "$B" "$PK" pk_started
"$ZL" migrate --from "$B" --to "$PK" --batch 20 --json > "$T/pk.json"
jq -e '.resumed == true' "$T/pk.json" >/dev/null || fail "PostgreSQL: not resumed: $(cat "$T/pk.json")"
"$ZL" log checkpoint --store "$PK" | cmp -s - "$T/cp.big" || fail "PostgreSQL: the resumed copy's checkpoint differs"
"$ZL" verify --store "$PK" >/dev/null || fail "PostgreSQL: the resumed copy does not verify"
"$ZL" migrate --from "$PK" --to "$T/kb.db" --quiet >/dev/null
dump "$T/kb.db" | cmp -s - "$T/dump.big" || fail "PostgreSQL: the resumed copy lost or doubled a row"
echo "migrate_cli: ok (SQLite and PostgreSQL)"
