#!/usr/bin/env bash
# tamper_matrix.sh - edit every derived table and column of a store behind
# Zhiliang's back (update one row's value, delete a row, insert a row) and
# expect `zhiliang verify` to report each edit, and `zhiliang reindex` to
# repair the derived ones so that verify passes again with the original
# answers.
#
# Covered: events (every index column, the packed identifier list, the
# record itself), event_ids (every column; on SQLite its interned tables
# event_occ and the dictionary idents, and events.rid; since schema 14 the
# dictionary vocab of bizStep, disposition and the locations), event_refs (every column),
# the persistent trace index (trace_keys, trace_events, trace_adj),
# signed_docs and event_docs, recall_cases and recall_ids, the log
# tables, events.record_time and events.party (capture metadata outside
# the CBV hash, checked against the logged capture receipts) and the
# receipts table itself, and the party registry (parties, party_gln,
# party_prefixes, party_kinds, products, tokens) against the last logged
# record of each entry (registry_records, also edited), and the
# supervision records (sup_records: registries, a plan, its draw, the
# steps of a spot-check task), and named queries and subscriptions
# (named_queries, subscriptions) against their records (subs_records),
# and a risk case's records (risk_dispo) and a retired key (risk_keys);
# a subscription's delivery cursor, which is operational state, is not.
#
# The edits run through the sqlite3 shell on SQLite and psql on PostgreSQL
# (the same statements; the few dialect differences - blob literals, blob
# to text - go through store_common.sh's helpers), and the store is put
# back between edits from a copy (the file; pg_dump of the schema).
set -euo pipefail
ZL=$1
T=$(mktemp -d)
. "$(dirname "$0")/store_common.sh"
trap 'rm -rf "$T"; zl_store_cleanup' EXIT
ZHILIANG_STORE=$(zl_store_uri s "$T")
export ZHILIANG_STORE
DB=$ZHILIANG_STORE
fail() { echo "tamper_matrix: $*"; exit 1; }
q() { zl_sql "$DB" "$@"; }

"$ZL" init --origin zhiliang.test/log >/dev/null
"$ZL" demo generate --seed 7 --scale 1 --out "$T/chain" >/dev/null
"$ZL" party import "$T/chain/parties.json" >/dev/null
"$ZL" capture --quiet "$T"/chain/*.jsonld >/dev/null
# A signed document from a registered party.
DOC=tests/conformance/gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld
"$ZL" key generate --out "$T/p" >/dev/null
"$ZL" party add --name 签名企业 --uscc 91350100M000100Y43 --gln 0614141073467 \
  --gln 0012345111112 --prefix 0614141 \
  --pubkey "$T/p.pub" >/dev/null
"$ZL" key sign --key "$T/p.key" "$DOC" > "$T/doc.sig"
"$ZL" capture --quiet --party 91350100M000100Y43 --signature "$T/doc.sig" "$DOC" >/dev/null
# A recall case, and a second one closed.
lot1=$(q "select id from event_ids where role = 6 and id like '%/10/%' order by id limit 1")
lot2=$(q "select id from event_ids where role = 6 and id like '%/10/%' order by id limit 1 offset 1")
case1=$("$ZL" recall open --lot "$lot1" --hazard-class II --reason "tamper test" --json | jq -r .case) || fail "recall open refused"
case2=$("$ZL" recall open --lot "$lot2" --hazard-class III --reason "closed one" --json | jq -r .case) || fail "recall open refused"
"$ZL" recall close "$case2" --force test --summary done >/dev/null || fail "recall close refused"
# Two tokens, one revoked.
"$ZL" token create --party 91350100M000100Y43 >/dev/null
tok=$("$ZL" token create --party 91350100M000100Y43 --json | jq -r .id)
"$ZL" token revoke "$tok" >/dev/null
# A correction: one stored event declared erroneous by the operator.
ev=$(q "select json from events where json not like '%@context%' and type = 1 order by hash limit 1")
printf '{"@context":"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld","type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-02T00:00:00Z","epcisBody":{"eventList":[%s]}}' \
  "$(echo "$ev" | jq -c '. + {"errorDeclaration":{"declarationTime":"2026-05-02T08:00:00+08:00","reason":"incorrect_data"}}')" > "$T/fix.json"
"$ZL" capture --quiet "$T/fix.json" >/dev/null || fail "the correction was refused"
[ "$(q 'select count(*) from corrections')" = 1 ] || fail "no correction stored"
# Supervision registries, a plan and its draw (docs/supervision.md).
python3 tests/fixtures/supervise/gen.py "$T"
"$ZL" registry import category "$T/categories.json" >/dev/null
"$ZL" registry import enterprise "$T/enterprises.csv" >/dev/null
"$ZL" registry import inspector "$T/inspectors.json" >/dev/null
"$ZL" inspect plan --id TM --category RAW_MILK --region 13 --count 2 --distance 2 >/dev/null
for i in 1 2; do
  jq -c ".[0] + {code: \"X$i\"}" "$T/categories.json" > "$T/x.json"
  "$ZL" registry put category "$T/x.json"
done
"$ZL" inspect draw TM >/dev/null || fail "the draw was refused"
# A spot-check task taken to a failed result (docs/supervision.md, "Spot
# checks to closure").
SMP=$("$ZL" inspect show TM --json | jq -r '.current[0].team[0]')
"$ZL" inspect sample TM:1 --date 2026-01-20 --product 生牛乳 --lot "(01)06901234567892(10)B1" \
  --quantity 2 --code "(01)06901234567892(10)B1(21)1" --sampler "$SMP" >/dev/null || fail "sample refused"
"$ZL" inspect report TM:1 --date 2026-02-04 --no R1 --lab L --item protein=3.0 \
  --item aflatoxin_m1=0.62 >/dev/null || fail "report refused"
"$ZL" inspect notify TM:1 --date 2026-02-05 >/dev/null || fail "notify refused"
# Named queries and subscriptions (logged records, subs_records): one
# query of a party with a subscription, one of the operator's, one saved
# and deleted with its subscription.
# The webhook allowances (logged since schema 25): the store's and a party's.
"$ZL" query webhook-allow 127.0.0.1/32 >/dev/null || fail "webhook-allow refused"
"$ZL" query webhook-allow --party 91350100M000100Y43 10.1.0.0/16 >/dev/null || fail "webhook-allow --party refused"
SECRET=tamper-matrix-signing-secret-81723
"$ZL" query save shipped --as 91350100M000100Y43 EQ_bizStep=shipping >/dev/null || fail "query save refused"
"$ZL" query save allobj eventType=ObjectEvent >/dev/null || fail "query save refused"
"$ZL" query save gone EQ_bizStep=receiving >/dev/null || fail "query save refused"
"$ZL" query subscribe gone --dest https://8.8.4.4/hook >/dev/null || fail "subscribe refused"
"$ZL" query delete gone >/dev/null || fail "query delete refused"
"$ZL" query subscribe shipped --as 91350100M000100Y43 --dest https://8.8.8.8/epcis --secret "$SECRET" >/dev/null || fail "subscribe refused"
[ "$(q 'select count(*) from subs_records')" = 9 ] || fail "expected 9 records (2 webhook allowances, 3 queries, 2 subscriptions, 2 deletions)"
q "select json from subs_records" | grep -q "$SECRET" && fail "a subscription's secret is in its logged record"
# A risk case from the failed task with a notice the enterprise answered,
# and a personal-data key retired by a rotation (logged, schema 19).
RCASE=$("$ZL" inspect risk TM:1 --hazard 黄曲霉毒素M1超标) || fail "risk case refused"
"$ZL" risk dispose act "$RCASE" notice --text 请整改 >/dev/null || fail "notice refused"
"$ZL" risk dispose done "$RCASE" 2 --note 已电话确认 >/dev/null || fail "done refused"
openssl rand -hex 32 > "$T/pii1.key"
openssl rand -hex 32 > "$T/pii2.key"
echo '{"occurred":"2026-05-01","description":"x","personal":{"phone":"13800138000"}}' > "$T/c.json"
"$ZL" risk report complaint --pii-key "$T/pii1.key" --json "$T/c.json" >/dev/null || fail "complaint refused"
"$ZL" risk rekey --old-key "$T/pii1.key" --new-key "$T/pii2.key" >/dev/null || fail "rekey refused"
[ "$(q 'select count(*) from risk_keys where retired_ms > 0 and leaf >= 0')" = 1 ] || fail "the retirement is not logged"
"$ZL" log checkpoint >/dev/null
"$ZL" verify >/dev/null || fail "the clean store does not verify"
[ "$(q 'select count(*) from recall_ids')" -ge 1 ] || fail "no recall ids"
zl_snapshot "$DB" "$T/orig"
[ "$(q 'select count(*) from signed_docs')" -ge 1 ] || fail "no signed document"
[ "$(q 'select count(*) from event_refs')" -ge 1 ] || fail "no refs in the demo chain"

item=$(q "select id from event_ids where role = 1 and id like '%/21/%' order by id limit 1")
lot=$(q "select id from event_ids where role = 6 and id like '%/10/%' order by id limit 1")
answers() {  # what users see: queries, a trace, a recall scope
  {
    "$ZL" events --json eventType=ObjectEvent
    "$ZL" events --json EQ_bizStep=shipping
    "$ZL" trace back "$item" --json
    "$ZL" recall scope --lot "$lot" --json
  } 2>/dev/null | jq -cS 'del(.. | .creationDate?)' | md5sum
  # the registry as reindex must put it back (token hashes included)
  q "select * from parties order by id; select * from party_gln order by gln;
     select * from party_prefixes order by prefix;
     select * from party_kinds order by party_id;
     select * from products order by gtin; select * from tokens order by id" | md5sum
}
answers > "$T/answers.orig"

restore() { zl_restore "$DB" "$T/orig"; }
n=0
expect_caught() {  # description, SQL
  restore
  local changed
  changed=$(zl_sql_changes "$DB" "$2") || fail "$1: the edit does not apply"
  [ "$changed" -gt 0 ] || fail "$1: the edit changed no row"
  if "$ZL" verify >/dev/null 2>&1; then fail "not caught: $1 ($2)"; fi
  n=$((n + 1))
}
expect_repaired() {  # description, SQL: caught, and reindex restores answers
  expect_caught "$@"
  "$ZL" reindex >/dev/null || fail "reindex failed after: $1"
  "$ZL" verify >/dev/null || fail "reindex did not repair: $1"
  answers | cmp -s - "$T/answers.orig" || fail "answers differ after reindex: $1"
}

# events: every index column of one event that has it.
for c in declared_id biz_step disposition read_point biz_location transformation_id; do
  w="hash = (select hash from events where $c is not null order by hash limit 1)"
  [ -n "$(q "select 1 from events where $w")" ] || continue
  expect_repaired "events.$c" "update events set $c = $c || 'x' where $w"
done
for c in type action event_time tz has_error; do
  expect_repaired "events.$c" "update events set $c = $c + 1 where hash = (select hash from events order by hash limit 1 offset 3)"
done
expect_repaired "events.ids" "update events set ids = substr(ids, 1, length(ids) - 1) || $(zl_blob 41) where length(ids) > 0 and hash = (select hash from events where length(ids) > 0 order by hash limit 1)"
expect_repaired "events.ids swapped" "update events set ids = (select ids from events where length(ids) > 0 order by hash limit 1 offset 1) where hash = (select hash from events where length(ids) > 0 order by hash limit 1)"
expect_caught "events.json" "update events set json = replace(json, '\"eventTime\":\"', '\"eventTime\":\"1') where hash = (select hash from events order by hash limit 1)"
expect_caught "events row deleted" "delete from events where hash = (select hash from events order by hash limit 1 offset 2)"

# capture metadata (not in the CBV hash): against the capture receipts.
expect_repaired "events.record_time" "update events set record_time = record_time - 86400000 where hash = (select hash from events order by hash limit 1 offset 4)"
expect_repaired "events.party set" "update events set party = '91350100M000100Y43' where hash = (select hash from events where party is null order by hash limit 1)"
expect_repaired "events.party cleared" "update events set party = null where hash = (select hash from events where party is not null order by hash limit 1)"
expect_repaired "events.record_time swapped" "update events set record_time = (select max(record_time) from events) where hash = (select hash from events where record_time < (select max(record_time) from events) order by hash limit 1)"
rk="key = (select key from receipts order by key limit 1)"
expect_caught "receipts.record_time" "update receipts set record_time = record_time + 1 where $rk"
expect_caught "receipts.party" "update receipts set party = coalesce(party, '') || 'x' where $rk"
expect_caught "receipts.doc" "update receipts set doc = $(zl_zeros 32) where $rk"
expect_caught "receipts.doc torn" "update receipts set doc = $(zl_blob 00) where $rk"
expect_caught "receipts.events dropped" "update receipts set events = substr(events, 33) where $rk"
expect_caught "receipts.events torn" "update receipts set events = events || $(zl_blob 00) where $rk"
if ! zl_on_pg; then # schema 21: the lists name the events' log leaves
  [ "$(q "select count(*) from receipts where length(events) % 32 <> 0")" -gt 0 ] || fail "no receipt lists leaves"
  # the fourth byte made different from what it is (the receipt chosen,
  # the first by key, depends on the run's record times)
  expect_caught "receipts.events a leaf changed" "update receipts set events = substr(events, 1, 3) || (case when substr(events, 4, 1) = $(zl_blob 04) then $(zl_blob 05) else $(zl_blob 04) end) || substr(events, 5) where $rk and length(events) % 32 <> 0"
  expect_caught "receipts.events a leaf added" "update receipts set events = cast(events as blob) || $(zl_blob 02) where $rk and length(events) % 32 <> 0"
fi
if ! zl_on_pg; then # schema 34: events found by hkey, the hash's first bytes
  expect_repaired "events.hkey" "update events set hkey = $(zl_zeros 6) where hash = (select hash from events order by hash limit 1 offset 7)"
fi
if ! zl_on_pg; then # schema 22: a regulator's sites index
  [ "$(q "select count(*) from site_parties")" -gt 0 ] || fail "no capturing party in the sites index"
  expect_repaired "event_sites row deleted" "delete from event_sites where (k, event_time, ev) = (select k, event_time, ev from event_sites order by ev, k limit 1)"
  expect_repaired "event_sites row added" "insert into event_sites(k, event_time, ev) values (4, 0, 1)"
  expect_repaired "event_sites row moved to another event" "update event_sites set ev = ev + 1 where (k, event_time, ev) = (select k, event_time, ev from event_sites order by ev desc, k limit 1)"
  expect_repaired "site_parties name edited" "update site_parties set v = 'X' || v where n = (select min(n) from site_parties)"
  # schema 24: the triggers that keep the index and rule_gen (a dropped one
  # changes no row, so the edit also rewrites rule_gen's as it is)
  expect_repaired "event_sites trigger dropped" "drop trigger event_sites_ai; update rule_gen set n = n"
  expect_repaired "rule_gen trigger dropped" "drop trigger rule_gen_party_kinds_u; update rule_gen set n = n"
  # a trigger kept but made to do less: verify compares its text with the
  # store's own, and reindex makes it again
  expect_repaired "event_sites trigger's WHEN made false" "drop trigger event_sites_ai; create trigger event_sites_ai after insert on events when 0 begin select 1; end; update rule_gen set n = n"
  expect_repaired "rule_gen trigger's body emptied" "drop trigger rule_gen_parties_d; create trigger rule_gen_parties_d after delete on parties when 1 begin select 1; end; update rule_gen set n = n"
  # schema 27: an enterprise's trade index (sources and destinations)
  [ "$(q "select count(*) from trade_values")" -gt 0 ] || fail "no source or destination in the trade index"
  expect_repaired "event_trade row deleted" "delete from event_trade where (k, event_time, ev) = (select k, event_time, ev from event_trade order by ev, k limit 1)"
  expect_repaired "event_trade row added" "insert into event_trade(k, event_time, ev) values (3, 0, 1)"
  expect_repaired "event_trade row moved to another event" "update event_trade set ev = ev + 1 where (k, event_time, ev) = (select k, event_time, ev from event_trade order by ev desc, k limit 1)"
  expect_repaired "event_trade row moved to another value" "update event_trade set k = k + 2000 where (k, event_time, ev) = (select k, event_time, ev from event_trade order by ev, k limit 1)"
  expect_repaired "trade_values value edited" "update trade_values set v = 'X' || v where n = (select min(n) from trade_values)"
  expect_repaired "event_trade trigger dropped" "drop trigger event_trade_ai; update rule_gen set n = n"
  expect_repaired "trade_values trigger dropped" "drop trigger rule_gen_trade_values_u; update rule_gen set n = n"
  expect_repaired "event_trade trigger's body emptied" "drop trigger event_trade_ad; create trigger event_trade_ad after delete on event_refs when old.kind in ('s', 'd') begin select 1; end; update rule_gen set n = n"
fi
if zl_on_pg; then # schema 30: the sites index on PostgreSQL (pg_sites.c)
  [ "$(q "select count(*) from site_parties")" -gt 0 ] || fail "no capturing party in the sites index"
  sk="(k, event_time, hash) = (select k, event_time, hash from event_sites order by hash, k limit 1)"
  expect_repaired "event_sites row deleted" "delete from event_sites where $sk"
  expect_repaired "event_sites row added" "insert into event_sites(k, event_time, hash) values (4, 0, $(zl_zeros 32))"
  expect_repaired "event_sites row moved to another event" "update event_sites set hash = (select hash from events order by hash desc limit 1) where $sk"
  expect_repaired "site_parties name edited" "update site_parties set v = 'X' || v where n = (select min(n) from site_parties)"
  expect_repaired "site_vocab value edited" "update site_vocab set v = 'X' || v where n = (select min(n) from site_vocab)"
  # the triggers that keep the index and rule_gen (a dropped one changes
  # no row, so the edit also rewrites rule_gen's as it is)
  expect_repaired "event_sites trigger dropped" "drop trigger event_sites_t on events; update rule_gen set n = n"
  expect_repaired "rule_gen trigger dropped" "drop trigger rule_gen_party_kinds on party_kinds; update rule_gen set n = n"
  # kept but made to do less: verify reads each function's body and each
  # trigger's definition and state (pg_triggers.c), reindex makes them again
  expect_repaired "event_sites trigger disabled" "alter table events disable trigger event_sites_t; update rule_gen set n = n"
  expect_repaired "event_sites trigger's function emptied" "create or replace function zl_event_sites() returns trigger language plpgsql as \$\$ begin return null; end \$\$; update rule_gen set n = n"
  expect_repaired "rule_gen trigger made again on fewer events" "create or replace trigger rule_gen_parties after insert on parties for each statement execute function zl_rule_bump(); update rule_gen set n = n"
  # schema 31: an enterprise's trade index on PostgreSQL (pg_trade.c)
  [ "$(q "select count(*) from trade_values")" -gt 0 ] || fail "no source or destination in the trade index"
  tk="(k, event_time, hash) = (select k, event_time, hash from event_trade order by hash, k limit 1)"
  expect_repaired "event_trade row deleted" "delete from event_trade where $tk"
  expect_repaired "event_trade row added" "insert into event_trade(k, event_time, hash) values (3, 0, $(zl_zeros 32))"
  expect_repaired "event_trade row moved to another event" "update event_trade set hash = (select hash from events order by hash desc limit 1) where $tk"
  expect_repaired "event_trade row moved to another value" "update event_trade set k = k + 2000 where $tk"
  expect_repaired "trade_values value edited" "update trade_values set v = 'X' || v where n = (select min(n) from trade_values)"
  expect_repaired "event_trade trigger dropped" "drop trigger event_trade_i on event_refs; update rule_gen set n = n"
  expect_repaired "event_trade events trigger dropped" "drop trigger event_trade_ed on events; update rule_gen set n = n"
  expect_repaired "trade_values trigger dropped" "drop trigger rule_gen_trade_values_ud on trade_values; update rule_gen set n = n"
  # the kept candidates' stamp (events_gen): its trigger on events
  expect_repaired "events_gen trigger dropped" "drop trigger events_gen_events on events; update rule_gen set n = n"
  expect_repaired "event_trade trigger's function emptied" "create or replace function zl_event_trade_refs() returns trigger language plpgsql as \$\$ begin return null; end \$\$; update rule_gen set n = n"
fi
expect_caught "receipts.kind" "update receipts set kind = 1 where $rk"
expect_caught "receipts.grp" "update receipts set grp = 1 where $rk"
expect_caught "receipts row deleted" "delete from receipts where $rk"
expect_caught "receipts row inserted" "insert into receipts select 'urn:zhiliang:receipt:forged', grp, kind, record_time + 1, party, doc, events from receipts where $rk"
# both sides at once: the event row and its receipt agree, the log does not
expect_caught "events.record_time and its receipt" "update events set record_time = record_time + 1 where hash = (select hash from events order by hash limit 1); update receipts set record_time = record_time + 1 where $(zl_has_bytes events "(select hash from events order by hash limit 1)")"

# event_ids: every column, a deleted row, an inserted row. On SQLite
# (schema 8) event_ids is a view over the interned identifiers: the
# occurrences (event_occ, every column), the dictionary (idents) and the
# event numbers they refer to (events.rid) are what can be edited.
if zl_on_pg; then
  pk="(id, event_time, hash, role) = (select id, event_time, hash, role from event_ids order by hash, id limit 1 offset 5)"
  for c in id uom; do
    expect_repaired "event_ids.$c" "update event_ids set $c = coalesce($c, '') || 'x' where $pk"
  done
  for c in event_time role type action record_time qty; do
    expect_repaired "event_ids.$c" "update event_ids set $c = coalesce($c, 0) + 1 where $pk"
  done
  expect_repaired "event_ids.hash" "update event_ids set hash = (select hash from events order by hash limit 1 offset 9) where $pk"
  expect_repaired "event_ids row deleted" "delete from event_ids where $pk"
  expect_repaired "event_ids row inserted" "insert into event_ids select 'https://id.gs1.org/01/09999999999997/21/forged', event_time, hash, role, type, action, record_time, qty, uom from event_ids where $pk"
  expect_repaired "event_ids orphan row" "insert into event_ids select id, event_time, $(zl_zeros 32), role, type, action, record_time, qty, uom from event_ids where $pk"
else
  # schema 33: an occurrence is (n, day, ev, role), its quantity and unit
  # a row of event_qty keyed as the occurrence
  opk="(n, day, ev, role) = (select n, day, ev, role from event_occ order by ev, n limit 1 offset 5)"
  for c in n day ev role; do
    expect_repaired "event_occ.$c" "update event_occ set $c = $c + 1 where $opk"
  done
  expect_repaired "event_occ row deleted" "delete from event_occ where $opk"
  expect_repaired "event_occ row inserted" "insert into idents(code) values(cast(x'0209999999999997' || 'forged' as blob)); insert into event_occ select (select n from idents_text where id = 'https://id.gs1.org/01/09999999999997/21/forged'), day, ev, role from event_occ where $opk"
  expect_repaired "event_occ orphan row" "insert into event_occ select n, day, (select max(rid) + 1 from events), role from event_occ where $opk"
  [ "$(q "select count(*) from event_qty")" -gt 2 ] || fail "no event_qty rows to edit"
  qk="(ev, n, role) = (select ev, n, role from event_qty order by ev, n limit 1 offset 2)"
  expect_repaired "event_qty.uom" "update event_qty set uom = coalesce(uom, '') || 'x' where $qk"
  expect_repaired "event_qty.qty" "update event_qty set qty = coalesce(qty, 0) + 1 where $qk"
  # (to a key no other row has: a lot is often in its neighbours' lists)
  expect_repaired "event_qty.ev" "update event_qty set ev = (select max(rid) + 1 from events) where $qk"
  expect_repaired "event_qty.n" "update event_qty set n = (select max(n) + 1 from idents) where $qk"
  expect_repaired "event_qty.role" "update event_qty set role = role + 20 where $qk"
  expect_repaired "event_qty row deleted" "delete from event_qty where $qk"
  expect_repaired "event_qty row added" "insert into event_qty(ev, n, role, qty) select ev, n, role, 1 from event_occ where role = 1 order by ev limit 1"
  expect_repaired "event_qty empty row" "insert into event_qty(ev, n, role) select ev, n, role from event_occ where role = 1 order by ev limit 1 offset 1"
  # schema 26: idents holds codes (lib/store/ident_code.c), read as text
  # through the view idents_text; an edited code, one that spells another
  # identifier, and the right text where its code belongs
  dk="n = (select n from idents_text where id = '$item')"
  expect_repaired "idents.code" "update idents set code = code || 'x' where $dk"
  expect_repaired "idents.code digits" "update idents set code = cast(substr(code, 1, 2) || x'99' || substr(code, 4) as blob) where $dk"
  expect_repaired "idents.code to another's" "update idents set code = cast((select code from idents_text where n <> (select n from idents_text where id = '$item') and id like '%/21/%' order by n limit 1) || 'y' as blob) where $dk"
  expect_repaired "idents.code as the text" "update idents set code = (select id from idents_text where $dk) where $dk"
  expect_repaired "idents.n" "update idents set n = (select max(n) + 1 from idents) where $dk"
  expect_repaired "idents row deleted" "delete from idents where $dk"
  expect_repaired "idents row inserted" "insert into idents(code) values('https://id.gs1.org/01/09999999999997/21/unused')"
  expect_repaired "idents row inserted (coded)" "insert into idents(code) values(cast(x'0209999999999997' || 'unused' as blob))"
  expect_repaired "events.rid" "update events set rid = (select max(rid) + 1 from events) where hash = (select hash from events order by hash limit 1 offset 6)"
  # schema 14: bizStep, disposition and the locations are numbers of the
  # dictionary vocab; its every column, a deleted and an unused row, and
  # an event's number swapped for another value's or for the right text
  # (which reads right but no EQ_ query would find)
  for c in biz_step disposition read_point biz_location; do
    w="hash = (select hash from events where $c is not null order by hash limit 1 offset 1)"
    vk="n = (select $c from events where $w)"
    expect_repaired "vocab.v of a $c" "update vocab set v = v || 'x' where $vk"
    expect_repaired "events.$c another value" "update events set $c = (select n from vocab where n <> $c order by n limit 1) where $w"
    expect_repaired "events.$c as text" "update events set $c = (select v from vocab where n = $c) where $w"
  done
  vk="n = (select biz_step from events where biz_step is not null order by hash limit 1)"
  expect_repaired "vocab.n" "update vocab set n = (select max(n) + 1 from vocab) where $vk"
  expect_repaired "vocab row deleted" "delete from vocab where $vk"
  expect_repaired "vocab row inserted" "insert into vocab(v) values('urn:epcglobal:cbv:bizstep:forged')"
fi

# event_refs: every column, deleted, inserted.
rpk="(hash, kind, type, value) = (select hash, kind, type, value from event_refs order by hash limit 1)"
for c in kind type value; do
  expect_repaired "event_refs.$c" "update event_refs set $c = $c || 'x' where $rpk"
done
expect_repaired "event_refs.hash" "update event_refs set hash = (select hash from events order by hash limit 1 offset 9) where $rpk"
expect_repaired "event_refs row deleted" "delete from event_refs where $rpk"
expect_repaired "event_refs row inserted" "insert into event_refs select hash, kind, type, value || 'forged' from event_refs where $rpk"

# the persistent trace index (what every trace reads): keys, records,
# adjacency chunks edited, swapped, deleted; reindex rebuilds it. Since
# schema 20 an SQLite store's index refers to the interned identifiers
# (idents, event_occ above) and to events by rid, and trace_keys holds
# the other strings: the key edited is a location's there, an
# identifier's on PostgreSQL.
if zl_on_pg; then
  key="$item"
else
  key=$(q "select key from trace_keys where key like '%/414/%' order by kid limit 1")
  [ -n "$key" ] || fail "no location in trace_keys"
  # the layout itself: no identifier's text twice, no key row of its own
  [ "$(q "select count(*) from trace_keys k join idents_text d on d.id = k.key")" = 0 ] || fail "identifiers spelled again in trace_keys"
  [ "$(q "select count(*) from trace_events t join events e on e.rid = t.eid where substr(t.rec, 3, 32) = e.hash")" = 0 ] || fail "trace_events records carry the event hash"
fi
tk="kid = (select kid from trace_keys where key = '$key')"
expect_repaired "trace_keys.key" "update trace_keys set key = key || 'x' where $tk"
expect_repaired "trace_keys.h" "update trace_keys set h = h + 1 where $tk"
expect_repaired "trace_keys row deleted" "delete from trace_keys where $tk"
te="eid = (select min(eid) + 7 from trace_events)"
expect_repaired "trace_events.rec swapped" "update trace_events set rec = (select rec from trace_events where eid = (select min(eid) + 8 from trace_events)) where $te"
expect_repaired "trace_events row deleted" "delete from trace_events where $te"
expect_repaired "trace_events row inserted" "insert into trace_events select eid + 1000000, rec from trace_events where $te"
ta="id = (select min(id) from trace_adj where id >= (select kid from trace_keys where key = '$key') * 1048576)"
expect_repaired "trace_adj row deleted" "delete from trace_adj where $ta"
expect_repaired "trace_adj.rows swapped" "update trace_adj set rows = (select rows from trace_adj order by id limit 1) where $ta"
# two records' numbers exchanged (each record intact: on SQLite the
# numbers are the events' rids, which the occurrences refer to)
ea=$(q "select eid from trace_events order by eid limit 1 offset 3")
eb=$(q "select eid from trace_events order by eid limit 1 offset 4")
expect_repaired "trace_events eids exchanged" "update trace_events set eid = -5 where eid = $ea; update trace_events set eid = $ea where eid = $eb; update trace_events set eid = $eb where eid = -5"

# recall cases: the row's every column, the identifier index.
cw="case_id = '$case1'"
for c in status reason hazard lots gtins; do
  expect_repaired "recall_cases.$c" "update recall_cases set $c = case when $c = 'open' then 'closed' else $c || 'x' end where $cw"
done
for c in opened_ms closed_ms; do
  expect_repaired "recall_cases.$c" "update recall_cases set $c = $c + 1 where $cw"
done
expect_repaired "recall_cases row deleted" "delete from recall_cases where $cw"
expect_repaired "recall_cases closed reopened" "update recall_cases set status = 'open', closed_ms = 0 where case_id = '$case2'"
expect_repaired "recall_ids row deleted" "delete from recall_ids where (id, case_id) = (select id, case_id from recall_ids where $cw limit 1)"
expect_repaired "recall_ids row inserted" "insert into recall_ids values('https://id.gs1.org/01/09999999999997/10/FORGED', '$case1')"
expect_repaired "recall_ids row moved" "update recall_ids set case_id = 'a-case-that-never-was' where (id, case_id) = (select id, case_id from recall_ids where $cw limit 1)"
# the credit index's rows (the enterprises a case recorded at opening)
[ -n "$(q "select 1 from recall_ids where id like 'uscc:%' and $cw")" ] || fail "case 1 has no uscc: identifier"
expect_repaired "recall_ids uscc: row deleted" "delete from recall_ids where id like 'uscc:%' and $cw"
expect_repaired "recall_ids uscc: row inserted (a recall credited to another enterprise)" "insert into recall_ids values('uscc:91110000000000000X', '$case1')"

# corrections: the record's every column (the portal shows its time; the
# write rule matches its party).
for c in record_time; do
  expect_caught "corrections.$c" "update corrections set $c = $c + 86400000"
done
for c in party reason; do
  expect_caught "corrections.$c" "update corrections set $c = coalesce($c, '') || 'x'"
done
expect_caught "corrections.json" "update corrections set json = replace(json, 'incorrect_data', 'did_not_occur')"
expect_caught "corrections row deleted" "delete from corrections"

# signed documents and their links.
expect_caught "signed_docs.doc" "update signed_docs set doc = $(zl_bytes "replace($(zl_text doc), 'ObjectEvent', 'ObjectEvenT')")"
expect_caught "signed_docs.signature" "update signed_docs set signature = (case when substr(signature, 1, 1) = 'A' then 'B' else 'A' end) || substr(signature, 2)"
expect_caught "signed_docs.party" "update signed_docs set party = 'gln:0614141000029'"
expect_caught "signed_docs deleted" "delete from signed_docs"
expect_caught "event_docs deleted" "delete from event_docs where (event_hash, doc_hash) = (select event_hash, doc_hash from event_docs limit 1)"
expect_caught "event_docs inserted" "insert into event_docs select (select hash from events order by hash limit 1), doc_hash from signed_docs limit 1"

# the party registry: who may write, who may read, what the portal shows.
P1="(select id from parties order by id limit 1)"
expect_repaired "parties.name_zh" "update parties set name_zh = name_zh || 'x' where id = $P1"
expect_repaired "parties.pubkey" "update parties set pubkey = null where pubkey is not null"
expect_repaired "party_gln.party_id (a GLN moved to another party)" "update party_gln set party_id = $P1 where gln = (select gln from party_gln where party_id <> $P1 order by gln limit 1)"
expect_repaired "party_gln.name_zh" "update party_gln set name_zh = coalesce(name_zh, '') || 'x' where gln = (select gln from party_gln order by gln limit 1)"
expect_repaired "party_gln inserted (no party)" "insert into party_gln values('6900000000005', 'attacker', null, null)"
expect_repaired "party_prefixes inserted (a prefix for an attacker)" "insert into party_prefixes values('6999999', $P1)"
expect_repaired "party_prefixes.party_id" "update party_prefixes set party_id = $P1 where prefix = (select prefix from party_prefixes where party_id <> $P1 order by prefix limit 1)"
expect_repaired "party_prefixes deleted" "delete from party_prefixes where prefix = (select prefix from party_prefixes order by prefix limit 1)"
expect_repaired "party_kinds.kind (enterprise -> regulator)" "update party_kinds set kind = 1 where party_id = (select party_id from party_kinds where kind = 0 order by party_id limit 1)"
expect_repaired "party_kinds.region" "update party_kinds set region = coalesce(region, '') || '9' where party_id = (select party_id from party_kinds order by party_id limit 1)"
expect_repaired "parties row deleted" "delete from parties where id = $P1"
expect_repaired "parties row inserted" "insert into parties(id, name_zh) values('attacker', '攻击者')"
expect_repaired "products.name_zh" "update products set name_zh = name_zh || 'x' where gtin = (select gtin from products order by gtin limit 1)"
expect_repaired "products row deleted" "delete from products where gtin = (select gtin from products order by gtin limit 1)"
expect_repaired "tokens.revoked_ms (a revoked token made active)" "update tokens set revoked_ms = 0 where revoked_ms <> 0"
expect_repaired "tokens.party_id" "update tokens set party_id = $P1 where id = (select id from tokens order by id limit 1)"
expect_caught "tokens row deleted" "delete from tokens where id = (select id from tokens order by id limit 1)"
expect_caught "tokens row inserted" "insert into tokens values('00000000deadbeef', $P1, '$(printf '0%.0s' $(seq 64))', 0, 0)"
RK="(key, seq) = (select key, seq from registry_records order by key, seq limit 1)"
expect_caught "registry_records.json" "update registry_records set json = $(zl_bytes "replace($(zl_text json), '\"v\":1', '\"v\":2')") where $RK"
expect_caught "registry_records.json not JSON" "update registry_records set json = $(zl_blob 7b) where $RK"
expect_caught "registry_records deleted" "delete from registry_records where $RK"
expect_caught "registry_records inserted" "insert into registry_records select key, seq + 100, kind, json from registry_records where $RK"

# supervision records: registries, plans, draws (sup_records).
SK="key = (select key from sup_records where key like 'enterprise:%' order by key limit 1)"
expect_caught "sup_records.json (a credit class)" "update sup_records set json = replace(replace(json, '\"credit\":\"A\"', '\"credit\":\"X\"'), '\"credit\":\"B\"', '\"credit\":\"X\"') where $SK"
expect_caught "sup_records.json (an inspector's conflicts)" "update sup_records set json = replace(json, '\"relatives\":[\"', '\"relatives\":[\"X') where key = 'inspector:I003'"
expect_caught "sup_records.json (a drawn team)" "update sup_records set json = replace(json, '\"team\":[\"I', '\"team\":[\"J') where key = 'draw:TM'"
expect_caught "sup_records.json (the plan)" "update sup_records set json = replace(json, '\"count\":2', '\"count\":3') where key = 'plan:TM'"
expect_caught "sup_records.json not JSON" "update sup_records set json = '{' where $SK"
expect_caught "sup_records.leaf" "update sup_records set leaf = leaf + 1 where key = 'inspector:I007'"
expect_caught "sup_records deleted" "delete from sup_records where key = 'inspector:I007'"
expect_caught "sup_records.kind (a plan made a draw)" "update sup_records set kind = 'draw' where key = 'plan:TM'"
expect_caught "sup_records inserted" "insert into sup_records select key, seq + 1, kind, leaf, json, uscc from sup_records where key = 'inspector:I007'"
# spot-check steps (task:PLAN:N): a measured value, a verdict, a date
# moved (the clocks would move with it), a step deleted, a step inserted
expect_caught "sup_records.json (a measured value)" "update sup_records set json = replace(json, '\"0.62\"', '\"0.42\"') where key = 'task:TM:1' and seq = 2"
expect_caught "sup_records.json (the verdict)" "update sup_records set json = replace(json, '\"verdict\":\"fail\"', '\"verdict\":\"pass\"') where key = 'task:TM:1' and seq = 2"
expect_caught "sup_records.json (the notification date)" "update sup_records set json = replace(json, '2026-02-05', '2026-03-05') where key = 'task:TM:1' and seq = 3"
expect_caught "sup_records deleted (a spot-check step)" "delete from sup_records where key = 'task:TM:1' and seq = 3"
expect_caught "sup_records inserted (a spot-check step)" "insert into sup_records select key, seq + 10, kind, leaf, replace(json, '2026-02-05', '2026-02-06'), uscc from sup_records where key = 'task:TM:1' and seq = 3"
# the credit index (lib/supervise/credit_index.c, sup_records.uscc): a
# step indexed under another enterprise, a task unindexed (its enterprise's
# page would lose it), a registry row indexed; reindex rebuilds each
[ -n "$(q "select uscc from sup_records where key = 'task:TM:1' and seq = 1 and uscc <> ''")" ] || fail "task:TM:1 is not indexed"
expect_repaired "sup_records.uscc (a step moved to another enterprise)" "update sup_records set uscc = '91110000000000000X' where key = 'task:TM:1' and seq = 2"
expect_repaired "sup_records.uscc (a task unindexed)" "update sup_records set uscc = '' where key = 'task:TM:1'"
expect_repaired "sup_records.uscc (a registry row indexed)" "update sup_records set uscc = (select uscc from sup_records where key = 'task:TM:1' and seq = 1) where key = 'inspector:I007'"

# named queries and subscriptions against their last logged records
SUBK="id = (select id from subscriptions order by id limit 1)"
expect_caught "subscriptions.dest (events sent elsewhere)" "update subscriptions set dest = 'https://attacker.example/hook' where $SUBK"
expect_caught "subscriptions.owner (another party's read rule)" "update subscriptions set owner = '' where $SUBK"
expect_caught "subscriptions.secret" "update subscriptions set secret = 'attacker-known' where $SUBK"
expect_caught "subscriptions.spec" "update subscriptions set spec = replace(spec, '\"recalls\":false', '\"recalls\":true') where $SUBK"
expect_caught "subscriptions.query_name" "update subscriptions set query_name = 'allobj' where $SUBK"
expect_caught "subscriptions row deleted" "delete from subscriptions where $SUBK"
expect_caught "subscriptions row inserted" "insert into subscriptions select 'a-forged-id', query_name, owner, 'https://attacker.example/', secret, spec, created, cursor, pending, notified, last_error, error_at from subscriptions where $SUBK"
expect_caught "named_queries.query" "update named_queries set query = replace(query, 'shipping', 'receiving') where name = 'shipped'"
expect_caught "named_queries.owner" "update named_queries set owner = '' where name = 'shipped'"
expect_caught "named_queries row deleted" "delete from named_queries where name = 'allobj'"
expect_caught "named_queries row inserted" "insert into named_queries select 'forged', owner, query, created from named_queries where name = 'allobj'"
expect_caught "named_queries deleted one brought back" "insert into named_queries select 'gone', owner, query, created from named_queries where name = 'allobj'"
WA="key = 'webhook.allow_internal'"
expect_caught "webhook allowance widened (every party's webhooks reach 10/8)" "update meta set value = $(zl_bytes "'127.0.0.1/32,10.0.0.0/8'") where $WA"
expect_caught "webhook allowance added for a party" "insert into meta(key, value) values ('webhook.allow_internal:attacker', $(zl_bytes "'0.0.0.0/0'"))"
expect_caught "webhook allowance of a party removed" "delete from meta where key = 'webhook.allow_internal:91350100M000100Y43'"
# the outbox watermark (logged since schema 28): a store made at 28 has
# none, so one set behind the log's back, which would hide rows deleted
# before it, is caught however the outbox looks
expect_caught "outbox watermark set" "insert into meta(key, value) values ('outbox.checked_from', $(zl_bytes "'0 0'"))"
expect_caught "webhook allowance's record edited with it" "update meta set value = $(zl_bytes "'0.0.0.0/0'") where $WA; update subs_records set json = replace(json, '127.0.0.1/32', '0.0.0.0/0') where json like '%127.0.0.1/32%'"
SRK="seq = (select max(seq) from subs_records)"
expect_caught "subs_records.json (the dest)" "update subs_records set json = replace(json, '8.8.8.8', 'attacker.example') where $SRK"
expect_caught "subs_records.json and the row alike" "update subs_records set json = replace(json, '8.8.8.8', 'attacker.example') where $SRK; update subscriptions set dest = replace(dest, '8.8.8.8', 'attacker.example')"
expect_caught "subs_records.leaf" "update subs_records set leaf = leaf + 1 where $SRK"
expect_caught "subs_records deleted" "delete from subs_records where $SRK"
expect_caught "subs_records inserted" "insert into subs_records select seq + 100, entity, leaf, json from subs_records where $SRK"
# risk cases (risk_dispo) and the retired keys (risk_keys) against their
# logged records
RDK="seq = 2"
expect_caught "risk_dispo.json (a notice's text)" "update risk_dispo set json = replace(json, '请整改', '无需整改') where $RDK"
expect_caught "risk_dispo.json (the hazard)" "update risk_dispo set json = replace(json, '超标', '合格') where seq = 1"
expect_caught "risk_dispo.leaf" "update risk_dispo set leaf = leaf + 1 where $RDK"
expect_caught "risk_dispo deleted (the action's closing)" "delete from risk_dispo where seq = 3"
expect_caught "risk_dispo inserted" "insert into risk_dispo select case_id, seq + 100, at_ms, leaf, action, actor, json from risk_dispo where $RDK"
expect_caught "risk_keys.retired_ms cleared (key un-retired)" "update risk_keys set retired_ms = 0 where leaf >= 0"
expect_caught "risk_keys un-retired and unlinked" "update risk_keys set retired_ms = 0, leaf = -1 where leaf >= 0"
expect_caught "risk_keys.retired_ms moved" "update risk_keys set retired_ms = retired_ms + 86400000 where leaf >= 0"
expect_caught "risk_keys retired row deleted" "delete from risk_keys where leaf >= 0"
# delivery state is not a record: a moved cursor passes verify
restore
q "update subscriptions set cursor = cursor + 1, pending = pending + 1, notified = 1, last_error = 'HTTP 503', error_at = 5 where $SUBK"
"$ZL" verify >/dev/null || fail "a subscription's delivery cursor is operational state, yet verify failed"

# the log itself.
expect_caught "log_leaf.hash" "update log_leaf set hash = $(zl_zeros 32) where idx = 3"
expect_caught "log_leaf deleted" "delete from log_leaf where idx = (select max(idx) from log_leaf)"
# schema 36 on SQLite: an event's record key is stored as the event's rid,
# read back as the hash ID of the hash events holds for it
if ! zl_on_pg; then
  [ "$(q "select count(*) from log_leaf where typeof(record_key) = 'integer'")" -gt 100 ] || fail "the log's event keys are not rids"
  EL="idx = (select min(idx) from log_leaf where typeof(record_key) = 'integer' and record_key <> (select max(rid) from events))"
  expect_caught "log_leaf.record_key (rid) to another event's" "update log_leaf set record_key = (select max(rid) from events) where $EL"
  # reindex finds the event whose leaf hash it is
  expect_repaired "log_leaf.record_key (rid) to no event" "update log_leaf set record_key = (select max(rid) + 1 from events) where $EL"
  expect_caught "log_leaf.record_key (rid) as its digits" "update log_leaf set record_key = cast(record_key as text) where $EL"
  expect_caught "log_leaf.record_key (rid) as the hash's 32 bytes of another event" "update log_leaf set record_key = (select hash from events order by rid desc limit 1) where $EL"
  expect_caught "log_leaf.record_key (rid) as its hash ID" "update log_leaf set record_key = 'ni:///sha-256;' || lower(hex((select hash from events where rid = record_key))) || '?ver=CBV2.0x' where $EL"
  # the event still found by its edited hash: its leaf matches the record,
  # the stored hash does not
  expect_caught "events.hash and hkey" "update events set hash = $(zl_zeros 32), hkey = $(zl_zeros 6) where rid = (select record_key from log_leaf where $EL)"
fi
expect_caught "log_node.hash" "update log_node set hash = $(zl_zeros 32) where (level, idx) = (select level, idx from log_node order by level desc limit 1)"
# schema 32 on SQLite: inner nodes stored at every 4th level only (the
# lowest stored level is 4 there, 1 on PostgreSQL), the others derived
expect_caught "log_node.hash (lowest stored level)" "update log_node set hash = $(zl_zeros 32) where (level, idx) = (select level, idx from log_node order by level, idx limit 1)"
expect_caught "log_node deleted (lowest stored level, last)" "delete from log_node where (level, idx) = (select level, idx from log_node order by level, idx desc limit 1)"
expect_caught "log_leaf deleted (middle)" "delete from log_leaf where idx = 5"
expect_caught "log_checkpoint.root" "update log_checkpoint set root = $(zl_zeros 32)"

# The outbox (schema 23): subscriptions and followers read it, so its
# event, correction and recall rows must name the logged records in log
# order; verify names each edit as an outbox issue.
expect_outbox() {  # description, SQL
  expect_caught "$@"
  local out
  out=$("$ZL" verify 2>&1 || true)
  grep -q "outbox-" <<<"$out" || fail "$1: not named as an outbox issue: $out"
}
# (schema 33 on SQLite: an event's kind is stored as the integer 1)
if zl_on_pg; then ek="'event'"; else ek=1; fi
ok="seq = (select seq from outbox where kind = $ek order by seq limit 1 offset"
expect_outbox "outbox event row deleted" "delete from outbox where $ok 5)"
expect_outbox "outbox event row names another event" "update outbox set key = (select key from outbox where $ok 7)) where $ok 6)"
expect_outbox "outbox event row added" "insert into outbox(seq, kind, key, created) select (select max(seq) + 1 from outbox), kind, key, created from outbox where $ok 3)"
# (schema 38 on SQLite: an event's created is NULL, read from the event)
expect_outbox "outbox.created of an event" "update outbox set created = coalesce(created + 1, 1) where $ok 8)"
expect_outbox "outbox event row's kind changed" "update outbox set kind = 'recall' where $ok 9)"
expect_outbox "outbox correction row deleted" "delete from outbox where kind = 'correction'"
expect_outbox "outbox recall row deleted" "delete from outbox where seq = (select min(seq) from outbox where kind = 'recall')"
# every writer of the outbox pairs its row with its leaf: risk reports and
# their steps, supervision records, registry entries too
first_of() { echo "seq = (select min(seq) from outbox where $1)"; }
expect_outbox "outbox registry row deleted" "delete from outbox where $(first_of "kind = 'party'")"
expect_outbox "outbox registry row's kind changed" "update outbox set kind = 'product' where $(first_of "kind = 'party'")"
expect_outbox "outbox token row names another token" "update outbox set key = key || 'x' where $(first_of "kind = 'token'")"
expect_outbox "outbox supervision row deleted (a spot-check step)" "delete from outbox where $(first_of "key like 'task:%'")"
expect_outbox "outbox supervision row made a recall (a spot-check step)" "update outbox set kind = 'recall' where $(first_of "key like 'task:%'")"
expect_outbox "outbox risk case row deleted" "delete from outbox where $(first_of "kind = 'risk'")"
expect_outbox "outbox risk disposal row deleted" "delete from outbox where $(first_of "kind = 'risk-dispo'")"
expect_outbox "outbox row added after the last record (a registry change)" "insert into outbox(seq, kind, key, created) select (select max(seq) + 1 from outbox), kind, key, created from outbox where $(first_of "kind = 'party'")"
expect_outbox "outbox check moved past the log" "insert into meta(key, value) values ('outbox.checked_from', $(zl_bytes "'99999999 0'"))"

# Outside anchors: a key and a checkpoint obtained elsewhere.
restore
"$ZL" log key > "$T/key"
"$ZL" log checkpoint > "$T/cp"
"$ZL" verify --key "$T/key" --checkpoint "$T/cp" >/dev/null || fail "anchored verify of the clean store"
OTHER=$(zl_store_uri other "$T")
"$ZL" init --store "$OTHER" >/dev/null
"$ZL" log key --store "$OTHER" > "$T/otherkey"
out=$("$ZL" verify --key "$T/otherkey" || true)
grep -q anchor-key <<<"$out" || fail "a store signed by another key passed: $out"
q "delete from log_leaf where idx = (select max(idx) from log_leaf)"
out=$("$ZL" verify --checkpoint "$T/cp" || true)
grep -q anchor-ahead <<<"$out" || fail "a rolled-back log passed the anchor: $out"
n=$((n + 2))

restore
"$ZL" verify >/dev/null || fail "the restored store does not verify"
echo "tamper_matrix: ok ($n edits, each caught)"
