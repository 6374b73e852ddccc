# store_common.sh - sourced by the integration tests: stores on whichever
# backend the run uses, and raw SQL against them for the tests that edit a
# store behind Zhiliang's back.
#
# $ZL_TEST_STORE_URI is a store URI template with one "%s" (tests/meson.build
# sets it per test setup: `meson test` SQLite, `meson test --setup pg`
# PostgreSQL). An sqlite: template or none means SQLite files in the
# script's own temporary directory, so that the sqlite3 shell can open them
# and the directory's removal removes them.
#
#   zl_store_uri NAME DIR    prints the URI of store NAME (a file in DIR on
#                            SQLite; a schema named after the script, its
#                            PID and NAME on PostgreSQL)
#   zl_backend               prints "sqlite" or "postgresql"
#   zl_on_pg                 succeeds when the run uses PostgreSQL
#   zl_skip_on_pg REASON     exits 77 (skipped) on PostgreSQL, saying why
#   zl_store_cleanup         drops this script's PostgreSQL schemas; call it
#                            from the script's EXIT trap (no-op on SQLite)
#   zl_sql URI SQL           runs SQL (one or more statements) against the
#                            store, prints rows as "a|b" lines (sqlite3's
#                            default; psql -A -t on PostgreSQL)
#   zl_sql_changes URI SQL   runs SQL, prints the number of rows it changed
#   zl_snapshot URI FILE     saves the store to FILE; zl_restore URI FILE
#                            puts it back exactly (a file copy; pg_dump of
#                            the schema and a reload)
# SQL that differs between the dialects goes through these, which print
# the expression for the run's backend:
#   zl_hex EXPR              lower-case hex text of a blob
#   zl_blob HEX              a blob literal
#   zl_zeros N               N zero bytes
#   zl_text EXPR / zl_bytes EXPR   blob -> text (UTF-8) / text -> blob
#   zl_has_bytes HAY NEEDLE  a condition: blob HAY contains blob NEEDLE

ZL_STORE_TPL=${ZL_TEST_STORE_URI:-}
case "$ZL_STORE_TPL" in
  postgres://* | postgresql://*) ZL_BACKEND=postgresql ;;
  *) ZL_BACKEND=sqlite ;;
esac
# The schemas of this script: one prefix per process, so cleanup finds
# exactly its own.
ZL_SCHEMA_PREFIX="it_$(basename "${0%.sh}" | tr -c 'A-Za-z0-9_\n' _)_$$_"
ZL_PGBIN=/usr/lib/postgresql/15/bin

zl_backend() { echo "$ZL_BACKEND"; }
zl_on_pg() { [ "$ZL_BACKEND" = postgresql ]; }
zl_skip_on_pg() {
  if zl_on_pg; then echo "# skipped on PostgreSQL: $*"; exit 77; fi
}

zl_store_uri() { # name dir
  local name dir=$2 schema
  name=$(printf '%s' "$1" | tr -c 'A-Za-z0-9_' _)
  if zl_on_pg; then
    schema="$ZL_SCHEMA_PREFIX$name"
    printf '%s\n' "${ZL_STORE_TPL/\%s/${schema:0:63}}"
  else
    printf '%s/%s.db\n' "$dir" "$1"
  fi
}

# libpq's URI without our schema= parameter, and the schema.
zl_pg_conn() { # uri
  local u=${1%%\?*} q=""
  case "$1" in *\?*) q=${1#*\?} ;; esac
  local p out=()
  IFS='&' read -ra ps <<<"$q"
  for p in "${ps[@]}"; do case "$p" in schema=*) ;; *) out+=("$p") ;; esac; done
  if [ "${#out[@]}" -gt 0 ]; then u="$u?$(IFS='&'; echo "${out[*]}")"; fi
  printf '%s\n' "$u"
}
zl_pg_schema() { # uri
  local s
  s=$(printf '%s\n' "$1" | sed -n 's/.*[?&]schema=\([^&]*\).*/\1/p')
  printf '%s\n' "${s:-zhiliang}"
}
zl_psql() { # uri, psql args...
  local conn=$1; shift
  PGOPTIONS="-c client_min_messages=warning" \
    "$ZL_PGBIN/psql" -X -v ON_ERROR_STOP=1 "$(zl_pg_conn "$conn")" "$@"
}
zl_sqlite_file() { # uri
  case "$1" in sqlite:*) printf '%s\n' "${1#sqlite:}" ;; *) printf '%s\n' "$1" ;; esac
}

zl_sql() { # uri sql
  if zl_on_pg; then
    printf 'SET search_path TO "%s";\n%s;\n' "$(zl_pg_schema "$1")" "$2" |
      zl_psql "$1" -q -A -t -f -
  else
    sqlite3 "$(zl_sqlite_file "$1")" "$2"
  fi
}

zl_sql_changes() { # uri sql
  local out
  if zl_on_pg; then
    # psql prints each statement's tag: UPDATE n, DELETE n, INSERT 0 n
    out=$(printf 'SET search_path TO "%s";\n%s;\n' "$(zl_pg_schema "$1")" "$2" |
      zl_psql "$1" -A -t -f -) || return 1
    printf '%s\n' "$out" | awk '/^(UPDATE|DELETE|INSERT [0-9]+) [0-9]+$/ { n += $NF } END { print n + 0 }'
  else
    out=$(sqlite3 "$(zl_sqlite_file "$1")" "$2; select total_changes();") || return 1
    printf '%s\n' "${out##*$'\n'}"
  fi
}

zl_snapshot() { # uri file
  if zl_on_pg; then
    "$ZL_PGBIN/pg_dump" -n "\"$(zl_pg_schema "$1")\"" -f "$2" "$(zl_pg_conn "$1")"
  else
    cp "$(zl_sqlite_file "$1")" "$2"
  fi
}
zl_restore() { # uri file
  local f
  if zl_on_pg; then
    { printf 'DROP SCHEMA IF EXISTS "%s" CASCADE;\n' "$(zl_pg_schema "$1")"; cat "$2"; } |
      zl_psql "$1" -q -f - >/dev/null
  else
    f=$(zl_sqlite_file "$1")
    cp "$2" "$f"; rm -f "$f-wal" "$f-shm"
  fi
}

zl_store_cleanup() {
  zl_on_pg || return 0
  local drop
  drop=$(zl_psql "$ZL_STORE_TPL" -q -A -t -c \
    "SELECT string_agg(format('DROP SCHEMA %I CASCADE;', nspname), ' ')
       FROM pg_namespace WHERE starts_with(nspname, '$ZL_SCHEMA_PREFIX')" 2>/dev/null) || return 0
  [ -n "$drop" ] && zl_psql "$ZL_STORE_TPL" -q -c "$drop" >/dev/null 2>&1
  return 0
}

zl_hex() { if zl_on_pg; then echo "encode($1, 'hex')"; else echo "lower(hex($1))"; fi; }
zl_blob() { if zl_on_pg; then echo "'\\x$1'::bytea"; else echo "x'$1'"; fi; }
zl_zeros() {
  if zl_on_pg; then echo "decode(repeat('00', $1), 'hex')"; else echo "zeroblob($1)"; fi
}
# log_leaf.record_key as its text: on SQLite an event's key is its rid (schema
# 36; the hash read from events), or its 32 bytes when no event had the hash
zl_log_key() { if zl_on_pg; then echo "record_key"; else echo "(case typeof(record_key) when 'integer' then 'ni:///sha-256;' || lower(hex((select hash from events where rid = record_key))) || '?ver=CBV2.0' when 'blob' then 'ni:///sha-256;' || lower(hex(record_key)) || '?ver=CBV2.0' else record_key end)"; fi; }
zl_text() { if zl_on_pg; then echo "convert_from($1, 'UTF8')"; else echo "cast($1 as text)"; fi; }
zl_bytes() { if zl_on_pg; then echo "convert_to($1, 'UTF8')"; else echo "cast($1 as blob)"; fi; }
zl_has_bytes() {
  if zl_on_pg; then echo "position($2 in $1) > 0"; else echo "instr($1, $2) > 0"; fi
}
