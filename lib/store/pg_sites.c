/*
 * pg_sites.c - the sites index on PostgreSQL (schema 30): a regulator's
 * pages read only the events at sites its region admits (docs/scale.md,
 * "A regulator's pages on PostgreSQL"). The twin of SQLite's (sqlite_query.c,
 * above SITES_OF), with the same keys:
 *   event_sites(k, event_time, hash), one row per site of an event and key
 *   attribute, k = ((site * 4 + attr) << 32) + value, where a site is 2n
 *   for location n of site_vocab or 2n + 1 for party n of site_parties,
 *   and attr is 0 (every event of the site, value 0), 1 or 2 (its bizStep
 *   or disposition, site_vocab numbers), 3 or 4 (its readPoint or
 *   bizLocation, for the event's other sites).
 * PostgreSQL's events keep their text columns and their hash as the key
 * (no row number), so the index numbers the values itself (site_vocab,
 * site_parties: identities, never reused) and names an event by its hash:
 * the merge's tie order (time, then hash) is then the plain query's own.
 *
 * Kept by a PL/pgSQL row trigger on events, not by capture's statement:
 * capture, reindex's upsert (its UPDATE fires the trigger), `zhiliang
 * migrate`'s copy and an edit behind the store's back all write events,
 * so none of them can forget the index; capture's one-statement write
 * (store_pg.c, event_write) stays as it is. The cost is the trigger's
 * per-row work (docs/scale.md gives it).
 *
 * rule_gen (admitted_sites.c) moves on every statement that writes the
 * party tables (pg_party.c's triggers) and on any change to site_vocab or
 * site_parties but new rows at the top. Numbers are taken in commit order
 * because every writer holds the store's advisory lock (pg_int.h), so a
 * handle that asked about every number up to its mark has seen them all.
 *
 * verify (zl_pg_sites_check) recomputes each event's keys from its row,
 * reading the numbers without making any, and reports missing rows, rows
 * no event accounts for and missing triggers, in admitted_sites.c's words;
 * reindex empties the index and its numbers (zl_pg_sites_clear) and the
 * events' rewrite refills them.
 */
#include "store/pg_int.h"

#include "store/admitted_sites.h"

#include <stdio.h>
#include <string.h>

/* The keys of an event's numbers (NULL: the column is empty): the sites
 * are distinct by construction, so no key comes twice. */
#define KEYS_FN                                                                \
    "CREATE OR REPLACE FUNCTION zl_site_keys(bl bigint, rp bigint,"            \
    " st bigint, dp bigint, pa bigint) RETURNS bigint[] LANGUAGE plpgsql"      \
    " IMMUTABLE AS $$"                                                         \
    " DECLARE sites bigint[] := '{}'; ks bigint[] := '{}'; s bigint;"          \
    " BEGIN"                                                                   \
    "  IF bl IS NOT NULL THEN sites := sites || bl * 2; END IF;"               \
    "  IF rp IS NOT NULL AND rp IS DISTINCT FROM bl THEN"                      \
    "   sites := sites || rp * 2; END IF;"                                     \
    "  IF pa IS NOT NULL THEN sites := sites || pa * 2 + 1; END IF;"           \
    "  FOREACH s IN ARRAY sites LOOP"                                          \
    "   ks := ks || ((s * 4) << 32);"                                          \
    "   IF st IS NOT NULL THEN ks := ks || (((s * 4 + 1) << 32) + st); END "   \
    "IF;"                                                                      \
    "   IF dp IS NOT NULL THEN ks := ks || (((s * 4 + 2) << 32) + dp); END "   \
    "IF;"                                                                      \
    "   IF rp IS NOT NULL AND s <> rp * 2 THEN"                                \
    "    ks := ks || (((s * 4 + 3) << 32) + rp); END IF;"                      \
    "   IF bl IS NOT NULL AND s <> bl * 2 THEN"                                \
    "    ks := ks || (((s * 4 + 4) << 32) + bl); END IF;"                      \
    "  END LOOP;"                                                              \
    "  RETURN ks;"                                                             \
    " END $$;"

/* The number of value t in table T, made when it has none (NULL for
 * NULL). */
#define NUMBER_FN(NAME, T)                                                     \
    "CREATE OR REPLACE FUNCTION " NAME "(t text) RETURNS bigint"               \
    " LANGUAGE plpgsql AS $$ DECLARE r bigint; BEGIN"                          \
    "  IF t IS NULL THEN RETURN NULL; END IF;"                                 \
    "  SELECT n INTO r FROM " T " WHERE v = t;"                                \
    "  IF r IS NULL THEN INSERT INTO " T "(v) VALUES (t) RETURNING n INTO r;"  \
    "  END IF;"                                                                \
    "  RETURN r; END $$;"

#define KEYS_OF(R)                                                             \
    "zl_site_keys(zl_site_loc(" R ".biz_location), zl_site_loc(" R             \
    ".read_point), zl_site_loc(" R ".biz_step), zl_site_loc(" R                \
    ".disposition), zl_site_party(" R ".party))"

/* rule_gen bumped when a statement adds a row below the table's top (an
 * insert with its own number: the identity only grows). One function a
 * table, with static SQL: its plan is kept (a format()ed EXECUTE was
 * planned again for every new place captured). */
#define SITE_BUMPS(T)                                                          \
    "CREATE OR REPLACE FUNCTION zl_rule_bump_below_" T "() RETURNS trigger"    \
    " LANGUAGE plpgsql AS $$ BEGIN"                                            \
    "  IF (SELECT max(n) FROM nt) < (SELECT max(n) FROM " T ") THEN"           \
    "   UPDATE rule_gen SET n = n + 1; END IF;"                                \
    "  RETURN NULL; END $$;"                                                   \
    "CREATE OR REPLACE TRIGGER rule_gen_" T "_i AFTER INSERT ON " T            \
    " REFERENCING NEW TABLE AS nt FOR EACH STATEMENT"                          \
    " EXECUTE FUNCTION zl_rule_bump_below_" T "();"                            \
    "CREATE OR REPLACE TRIGGER rule_gen_" T "_ud AFTER DELETE OR UPDATE OR"    \
    " TRUNCATE ON " T " FOR EACH STATEMENT EXECUTE FUNCTION zl_rule_bump();"

/* clang-format off */
static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS site_vocab(n bigint GENERATED BY DEFAULT AS"
    " IDENTITY PRIMARY KEY, v text COLLATE \"C\" NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS site_parties(n bigint GENERATED BY DEFAULT"
    " AS IDENTITY PRIMARY KEY, v text COLLATE \"C\" NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS event_sites(k bigint NOT NULL,"
    " event_time bigint NOT NULL, hash bytea NOT NULL,"
    " PRIMARY KEY(k, event_time, hash));"
    ZL_PG_RULE_GEN
    KEYS_FN
    NUMBER_FN("zl_site_loc", "site_vocab")
    NUMBER_FN("zl_site_party", "site_parties");
static const char TRIGGERS_SQL[] =
    "CREATE OR REPLACE FUNCTION zl_event_sites() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN"
    /* the old row's numbers are made if missing (after reindex emptied
     * them): its keys then match no row, as none is left */
    "  IF TG_OP <> 'INSERT' THEN"
    "   DELETE FROM event_sites WHERE event_time = OLD.event_time"
    "    AND hash = OLD.hash AND k = ANY(" KEYS_OF("OLD") ");"
    "  END IF;"
    "  IF TG_OP <> 'DELETE' THEN"
    "   INSERT INTO event_sites(k, event_time, hash)"
    "    SELECT unnest(" KEYS_OF("NEW") "), NEW.event_time, NEW.hash;"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE OR REPLACE TRIGGER event_sites_t AFTER INSERT OR DELETE OR UPDATE"
    " OF event_time, biz_step, disposition, read_point, biz_location, party"
    " ON events FOR EACH ROW EXECUTE FUNCTION zl_event_sites();"
    SITE_BUMPS("site_vocab")
    SITE_BUMPS("site_parties");
/* clang-format on */

int zl_pg_sites_schema(zl_store *s)
{
    int rc = zl_pg_exec(s, SCHEMA);

    return rc ? rc : zl_pg_exec(s, TRIGGERS_SQL);
}

int zl_pg_sites_migrate(zl_store *s)
{
    int rc = zl_pg_sites_schema(s);

    return rc ? rc
              : zl_pg_exec(
                    s, "DELETE FROM event_sites;"
                       " INSERT INTO event_sites(k, event_time, hash)"
                       " SELECT unnest(" KEYS_OF("e") "), e.event_time,"
                                                      " e.hash FROM events e");
}

int zl_pg_sites_clear(zl_store *s)
{
    int64_t there = 0;
    int rc = zl_pg_get_i64(s,
                           "SELECT count(*) FROM pg_class WHERE relname ="
                           " 'event_sites' AND relnamespace ="
                           " current_schema()::regnamespace",
                           NULL, &there);

    if (rc || !there) /* a store from before schema 30 */
        return rc;
    /* the events' rewrite refills them; the triggers and functions, if
     * dropped (verify says), are made again */
    rc = zl_pg_exec(s, "DELETE FROM event_sites; DELETE FROM site_vocab;"
                       " DELETE FROM site_parties");
    if (!rc)
        rc = zl_pg_sites_schema(s);
    return rc ? rc : zl_pg_party_rule_schema(s);
}

/* ---- verify ----------------------------------------------------------------
 */

/* What the index's triggers and rule_gen's keep (verify's words). */
static const char KEEPS[] = "the sites index or a regulator's kept sites";

/* A column's number, read and never made: -1 for a value with none (its
 * keys then match no row, and the event is reported). */
#define FIND(T, COL)                                                           \
    "CASE WHEN e." COL " IS NULL THEN NULL ELSE coalesce((SELECT n FROM " T    \
    " WHERE v = e." COL "), -1) END"

int zl_pg_sites_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx)
{
    /* each event whose rows are missing, then the totals (laid out by
     * hand: clang-format splits the macro-built string letter by letter) */
    /* clang-format off */
    static const char EVENTS[] =
        "WITH x AS (SELECT e.hash, cardinality(y.k) AS want,"
        " (SELECT count(*) FROM event_sites s WHERE s.k = ANY(y.k)"
        " AND s.event_time = e.event_time AND s.hash = e.hash) AS found"
        " FROM events e CROSS JOIN LATERAL (SELECT zl_site_keys("
        FIND("site_vocab", "biz_location") ", "
        FIND("site_vocab", "read_point") ", "
        FIND("site_vocab", "biz_step") ", "
        FIND("site_vocab", "disposition") ", "
        FIND("site_parties", "party") ") AS k) y)"
        " SELECT encode(hash, 'hex'), want::bigint, found FROM x"
        " WHERE found < want"
        " UNION ALL SELECT NULL, (SELECT coalesce(sum(want), 0) FROM x)::bigint,"
        " (SELECT count(*) FROM event_sites)";
    /* clang-format on */
    /* what makes the triggers and functions: one dropped, disabled or
     * edited would let the index or a regulator's kept sites go stale
     * without a word */
    const char *const made[] = {SCHEMA, TRIGGERS_SQL, zl_pg_party_rule_sql};
    PGresult *r;
    int rc;

    if ((rc = zl_pg_triggers_check(s, made, 3, KEEPS, cb, ctx)))
        return rc;
    if (!(r = zl_pg_run(s, EVENTS, NULL, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        int64_t want = zl_pg_i64(r, i, 1), found = zl_pg_i64(r, i, 2);
        char ev[80];

        if (!zl_pg_isnull(r, i, 0)) {
            snprintf(ev, sizeof ev, "hash %s", zl_pg_str_or_empty(r, i, 0));
            rc = zl_sites_report_missing(cb, ctx, ev, want, found);
        } else if (found > want) /* the totals: keys, then the table's */
            rc = zl_sites_report_extra(cb, ctx, "event_sites", found, want);
    }
    PQclear(r);
    return rc;
}

/* ---- the admitted sites' numbers (admitted_sites.c) ------------------------
 * No stamp: PostgreSQL has no cheap "changed since" for a connection, so
 * each query reads rule_gen and the numbers past the marks (two index
 * probes that find nothing, when nothing changed). */

static int pg_gen(zl_store *s, int64_t *out)
{
    return zl_pg_get_i64(s, "SELECT n FROM rule_gen", NULL, out);
}

static int pg_each_past(zl_store *s, int t, int64_t after,
                        int (*cb)(void *ctx, int64_t n, const char *v),
                        void *ctx)
{
    static const char LOCS[] =
        "SELECT n, v FROM site_vocab WHERE n > $1::bigint ORDER BY n";
    static const char PARTIES[] =
        "SELECT n, v FROM site_parties WHERE n > $1::bigint ORDER BY n";
    struct zl_pg_params p;
    PGresult *r;
    int rc = 0;

    if (t > 1) /* no trade index here: nothing is numbered */
        return 0;
    zl_pg_params_init(&p);
    zl_pg_int(&p, after);
    /* the whole result first: cb asks the rule, which uses the store */
    if (!(r = zl_pg_run(s, t ? PARTIES : LOCS, &p, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
        rc = cb(ctx, zl_pg_i64(r, i, 0), zl_pg_str_or_empty(r, i, 1));
    PQclear(r);
    return rc;
}

const struct zl_sites_source zl_pg_sites_source = {
    .stamp = NULL,
    .gen = pg_gen,
    .each_past = pg_each_past,
    .ask_begin = zl_pg_gln_bulk_begin,
    .ask_end = zl_pg_gln_bulk_end,
};
