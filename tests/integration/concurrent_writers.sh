#!/usr/bin/env bash
# concurrent_writers.sh ZHILIANG_EXE - many writers, one store, at the same
# time, on whichever backend the run uses (store_common.sh): 4 `zhiliang
# capture` processes loading a demo chain split into small documents, and 2
# `zhiliang serve` processes each taking POST /capture from 2 clients with
# a party's token; one demo document is captured by two processes at once
# and one HTTP document is sent to both servers at once. Afterwards:
#   - every writer succeeded (captures exit 0, every POST 202 success);
#   - `zhiliang verify` passes;
#   - the store holds exactly the distinct events of all documents (by
#     their CBV 2.0 hash, from `zhiliang hash`), and each is counted "new"
#     by exactly one writer (the doubly sent ones once, "duplicate" once);
#   - the log has exactly one leaf per event, no record key twice, and one
#     capture receipt per capture that stored something.
set -u
. "$(dirname "$0")/server_common.sh"

CLI=4 SERVERS=2 CLIENTS=2 HTTP_DOCS=10 PER_DOC=8

zl_store_init() {
  "$EXE" init --store "$STORE" >/dev/null || exit 1
  "$EXE" party add --name 并发测试企业 --id cw1 --gln 6940277700002 --store "$STORE" >/dev/null || exit 1
  TOK=$("$EXE" token create --party cw1 --store "$STORE" 2>/dev/null)
  [ -n "$TOK" ] || { echo "Bail out! no token"; exit 1; }
}
zl_store_init

# The CLI writers' documents: a demo chain in documents of 25 events.
"$EXE" demo generate --seed 13 --scale 8 --per-doc 25 --out "$TMP/demo" >/dev/null || exit 1
mapfile -t demo < <(ls "$TMP"/demo/chain-*.jsonld)
[ "${#demo[@]}" -ge 8 ] || { echo "Bail out! only ${#demo[@]} demo documents"; exit 1; }

# The HTTP writers' documents: ObjectEvents at the party's site, distinct
# serials per document; "dup.json" goes to both servers.
http_doc() { # name
  local i ev=""
  for i in $(seq 1 $PER_DOC); do
    ev="$ev${ev:+,}{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-05-01T08:00:0$((i % 10))+08:00\",\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"epcList\":[\"https://id.gs1.org/01/09506000134352/21/CW-$1-$i\"],\"bizLocation\":{\"id\":\"https://id.gs1.org/414/6940277700002\"}}"
  done
  printf '{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-01T00:00:00Z","epcisBody":{"eventList":[%s]}}' "$ev" \
    >"$TMP/http-$1.json"
}
http_doc dup
for s in $(seq 1 $SERVERS); do
  for c in $(seq 1 $CLIENTS); do
    for d in $(seq 1 $HTTP_DOCS); do http_doc "s$s-c$c-d$d"; done
  done
done

# The distinct events of everything that will be sent.
for f in "${demo[@]}" "$TMP"/http-*.json; do
  "$EXE" hash "$f" || { echo "Bail out! hash $f"; exit 1; }
done | sort -u >"$TMP/want"
want=$(wc -l <"$TMP/want")

# Two servers on the one store.
declare -a SPID SURL
for s in $(seq 1 $SERVERS); do
  "$EXE" serve --store "$STORE" --listen 127.0.0.1:0 --quiet --threads 4 \
    >"$TMP/serve$s.out" 2>"$TMP/serve$s.err" &
  SPID[$s]=$!
  for i in $(seq 1 200); do grep -q "listening on" "$TMP/serve$s.out" 2>/dev/null && break; sleep 0.05; done
  SURL[$s]=$(sed -n 's/^listening on //p' "$TMP/serve$s.out")
  [ -n "${SURL[$s]}" ] || { echo "Bail out! server $s did not start"; cat "$TMP/serve$s.err"; exit 1; }
done
stop_servers() {
  local s
  for s in $(seq 1 $SERVERS); do
    if kill -0 "${SPID[$s]}" 2>/dev/null; then kill -TERM "${SPID[$s]}"; wait "${SPID[$s]}" 2>/dev/null; fi
  done
}
trap 'stop_servers; cleanup' EXIT

# Every writer waits for the start signal, so they all run at once.
go() { while [ ! -e "$TMP/go" ]; do sleep 0.01; done; }

# CLI writer k: demo documents k, k+CLI, ...; the last one first captures
# document 1 as well (with writer 1, which starts with it).
cli_writer() { # k
  local k=$1 files=() i
  [ "$k" = $CLI ] && files+=("${demo[0]}")
  for ((i = k - 1; i < ${#demo[@]}; i += CLI)); do files+=("${demo[$i]}"); done
  go
  "$EXE" capture --store "$STORE" --json "${files[@]}" >"$TMP/cli$k.json" 2>"$TMP/cli$k.err"
  echo $? >"$TMP/cli$k.rc"
}
# HTTP client c of server s: its documents one after the other; client 1
# of each server starts with dup.json.
http_writer() { # s c
  local s=$1 c=$2 f d
  local files=()
  [ "$c" = 1 ] && files+=("$TMP/http-dup.json")
  for d in $(seq 1 $HTTP_DOCS); do files+=("$TMP/http-s$s-c$c-d$d.json"); done
  go
  for f in "${files[@]}"; do
    curl -s -o - -w '\n%{http_code}\n' -X POST -H "Authorization: Bearer $TOK" \
      -H 'Content-Type: application/ld+json' --data-binary @"$f" "${SURL[$s]}/capture"
  done >"$TMP/http-s$s-c$c.out" 2>&1
}

writers=()
for k in $(seq 1 $CLI); do cli_writer "$k" & writers+=($!); done
for s in $(seq 1 $SERVERS); do
  for c in $(seq 1 $CLIENTS); do http_writer "$s" "$c" & writers+=($!); done
done
sleep 0.2
touch "$TMP/go"
for w in "${writers[@]}"; do wait "$w"; done
stop_servers

# Every writer succeeded.
for k in $(seq 1 $CLI); do
  is "capture process $k exits 0" "$(cat "$TMP/cli$k.rc")" 0
  [ -s "$TMP/cli$k.err" ] && sed 's/^/# /' "$TMP/cli$k.err" | head -5
done
posts=0 ok202=0
for s in $(seq 1 $SERVERS); do
  for c in $(seq 1 $CLIENTS); do
    posts=$((posts + $(grep -c '^[0-9][0-9][0-9]$' "$TMP/http-s$s-c$c.out")))
    ok202=$((ok202 + $(grep -c '^202$' "$TMP/http-s$s-c$c.out")))
  done
done
is "every POST /capture answered 202" "$ok202/$posts" "$((SERVERS * (CLIENTS * HTTP_DOCS + 1)))/$((SERVERS * (CLIENTS * HTTP_DOCS + 1)))"
is "every HTTP capture job succeeded" \
  "$(cat "$TMP"/http-s*-c*.out | grep '^{' | jq -s 'map(select(.success == true)) | length')" "$posts"

# Each distinct event stored by exactly one writer.
cli_new=$(cat "$TMP"/cli*.json | jq -s '[.[] | select(.file) | .new // 0] | add')
http_new=$(cat "$TMP"/http-s*-c*.out | grep '^{' | jq -s '[.[].zhiliang.new] | add')
is "each event counted new once over all writers" "$((cli_new + http_new))" "$want"
cli_dup=$(cat "$TMP"/cli*.json | jq -s '[.[] | select(.file) | .duplicates] | add')
http_dup=$(cat "$TMP"/http-s*-c*.out | grep '^{' | jq -s '[.[].zhiliang.duplicate] | add')
is "the doubly sent documents counted duplicate once" "$((cli_dup + http_dup))" \
  "$(( $("$EXE" hash "${demo[0]}" | wc -l) + PER_DOC ))"

# The store: verify, the events, the log.
ok "zhiliang verify passes" "$EXE" verify --store "$STORE"
is "events stored = distinct events sent" "$(zl_sql "$STORE" "select count(*) from events")" "$want"
is "one log leaf per event" \
  "$(zl_sql "$STORE" "select count(*) from log_leaf where $(zl_log_key) like 'ni:///%'")" "$want"
zl_sql "$STORE" "select $(zl_log_key) from log_leaf where $(zl_log_key) like 'ni:///%'" | sort >"$TMP/leaves"
ok "the event leaves are the events sent" cmp -s "$TMP/leaves" "$TMP/want"
is "no record key logged twice" \
  "$(zl_sql "$STORE" "select count(*) - count(distinct record_key) from log_leaf")" 0
is "the log's indexes are 0..n-1" \
  "$(zl_sql "$STORE" "select count(*) = max(idx) + 1 and min(idx) = 0 from log_leaf" | tr 'tf' '10')" 1
# one capture receipt per document that stored something
stored_docs=$(( $(cat "$TMP"/cli*.json | jq -s '[.[] | select(.file and (.new // 0) > 0)] | length') + \
  $(cat "$TMP"/http-s*-c*.out | grep '^{' | jq -s '[.[] | select(.zhiliang.new > 0)] | length') ))
is "one capture receipt per document that stored events" \
  "$(zl_sql "$STORE" "select count(*) from log_leaf where record_key like 'urn:zhiliang:receipt:%'")" "$stored_docs"
zl_finish
