/*
 * sqlite_trade.c - the trade index (schema 27): every event's source and
 * destination values, by value, in time order, so that an enterprise's
 * pages can reach the events its read rule admits by trade and by
 * custody (docs/access.md, "Who reads what", rules 3 and 4) without
 * walking the filter's matches (issue 11; sqlite_query.c, "an
 * enterprise's candidates").
 *
 *   trade_values(n, v)          each distinct source/destination value
 *                               (event_refs.value of kind 's' or 'd')
 *                               once, numbered;
 *   event_trade(k, event_time, ev)  WITHOUT ROWID, one row per event and
 *                               distinct (kind, value) of its sources and
 *                               destinations: k = 2n for a source, 2n + 1
 *                               for a destination; ev is the event's rid.
 *
 * The rule cannot be stored (a GLN may change owner), the values are facts
 * of the event. A query asks the rule which values name the party (once
 * per value, kept on the handle as the admitted sites are) and reads their
 * ranges; the destinations (odd k) also say which identifiers the party
 * was ever shipped, from which custody's candidates follow.
 *
 * Triggers keep the rows, as the sites index's do: on event_refs (capture,
 * reindex's rewrite and `zhiliang migrate`'s copy all write an event's
 * references after the event row, and reindex empties them first) and on
 * events (a row's time, rid or hash edited, or the row deleted). A table
 * of its own rather than another attribute of event_sites: its rows come
 * from another table's writes, and event_sites' writer may move into C.
 * No OR IGNORE in the triggers (capture's INSERT OR IGNORE on event_refs
 * is inherited); NOT EXISTS guards instead, so a plain INSERT behind the
 * store's back does not abort on a value two types share. Rejected: an
 * index on event_refs(value) (the values would have to be enumerated
 * per query through a full index scan, and the rows carry no time).
 *
 * PostgreSQL's twin is pg_trade.c (schema 31); what both do with the
 * rows is in enterprise_cands.c.
 */
#include "store/sqlite_int.h"

#include "store/admitted_sites.h"

#include <stdio.h>
#include <string.h>

/* clang-format off */
/* SQL spelled out a clause a line, as it reads */
/* The key of a reference row R (new or old) with value number N. */
#define TRADE_K(R, N) "(" N ") * 2 + (" R ".kind = 'd')"
/* Add R's value to trade_values, then its event's row. */
#define TRADE_ADD(R)                                                           \
    "INSERT INTO trade_values(v) SELECT " R ".value WHERE " R ".kind IN"       \
    " ('s', 'd') AND NOT EXISTS (SELECT 1 FROM trade_values WHERE v = " R      \
    ".value);"                                                                 \
    "INSERT INTO event_trade(k, event_time, ev) SELECT " TRADE_K(R, "t.n")     \
    ", e.event_time, e.rid FROM events e, trade_values t WHERE "               \
    "e.rid = " ZL_SQLITE_RID_OF_HASH(R ".hash") " AND t.v = " R ".value AND " R \
    ".kind IN ('s', 'd') AND NOT EXISTS"                                       \
    " (SELECT 1 FROM event_trade x WHERE x.k = " TRADE_K(R, "t.n")             \
    " AND x.event_time = e.event_time AND x.ev = e.rid);"
/* Remove R's event's row unless another reference (another type) of the
 * same kind and value remains. */
#define TRADE_DEL(R)                                                           \
    "DELETE FROM event_trade WHERE " R ".kind IN ('s', 'd') AND k ="           \
    " (SELECT " TRADE_K(R, "n") " FROM trade_values WHERE v = " R ".value)"    \
    " AND (event_time, ev) = (SELECT event_time, rid "                         \
    ZL_SQLITE_EVENT_OF_HASH(R ".hash") ") AND NOT EXISTS"                      \
    " (SELECT 1 FROM event_refs r WHERE r.hash"                                \
    " = " R ".hash AND r.kind = " R ".kind AND r.value = " R ".value);"
/* The keys of event row E's references. */
#define EVENT_KEYS(E)                                                          \
    "SELECT t.n * 2 + (r.kind = 'd') AS k FROM event_refs r JOIN trade_values" \
    " t ON t.v = r.value WHERE r.hash = " E ".hash AND r.kind IN ('s', 'd')"

#define TRADE_BUMPS                                                            \
    ZL_SQLITE_RULE_BUMP("rule_gen_trade_values_i", "INSERT", "trade_values",   \
                        "new.n < (SELECT max(n) FROM trade_values)")           \
    ZL_SQLITE_RULE_BUMP("rule_gen_trade_values_u", "UPDATE", "trade_values",   \
                        "1")                                                   \
    ZL_SQLITE_RULE_BUMP("rule_gen_trade_values_d", "DELETE", "trade_values",   \
                        "1")

static const char TRADE_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS trade_values(n INTEGER PRIMARY KEY,"
    " v TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS event_trade(k INTEGER NOT NULL,"
    " event_time INTEGER NOT NULL, ev INTEGER NOT NULL,"
    " PRIMARY KEY(k, event_time, ev)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS event_trade_ai AFTER INSERT ON event_refs"
    " WHEN new.kind IN ('s', 'd') BEGIN " TRADE_ADD("new") " END;"
    "CREATE TRIGGER IF NOT EXISTS event_trade_au AFTER UPDATE ON event_refs"
    " BEGIN " TRADE_DEL("old") TRADE_ADD("new") " END;"
    "CREATE TRIGGER IF NOT EXISTS event_trade_ad AFTER DELETE ON event_refs"
    " WHEN old.kind IN ('s', 'd') BEGIN " TRADE_DEL("old") " END;"
    "CREATE TRIGGER IF NOT EXISTS event_trade_eu AFTER UPDATE OF event_time,"
    " rid, hash ON events WHEN old.event_time IS NOT new.event_time OR"
    " old.rid IS NOT new.rid OR old.hash IS NOT new.hash BEGIN"
    " DELETE FROM event_trade WHERE event_time = old.event_time AND ev ="
    " old.rid AND k IN (" EVENT_KEYS("old") ");"
    " INSERT INTO event_trade(k, event_time, ev) SELECT DISTINCT x.k,"
    " new.event_time, new.rid FROM (" EVENT_KEYS("new") ") AS x"
    " WHERE NOT EXISTS (SELECT 1 FROM event_trade y WHERE y.k = x.k AND"
    " y.event_time = new.event_time AND y.ev = new.rid); END;"
    "CREATE TRIGGER IF NOT EXISTS event_trade_ed AFTER DELETE ON events BEGIN"
    " DELETE FROM event_trade WHERE event_time = old.event_time AND ev ="
    " old.rid AND k IN (" EVENT_KEYS("old") "); END;"
    ZL_SQLITE_RULE_GEN TRADE_BUMPS;
/* clang-format on */

int zl_sqlite_trade_schema(zl_store *s)
{
    return zl_sqlite_exec(s, TRADE_SCHEMA);
}

/* Every row the events' references make (k, event_time, ev). */
#define EXPECTED                                                               \
    "SELECT DISTINCT t.n * 2 + (r.kind = 'd') AS k, e.event_time AS"           \
    " event_time, e.rid AS ev FROM event_refs r JOIN events e "                \
    "ON " ZL_SQLITE_HASH_IS("e.",                                              \
                            "r.hash") " JOIN trade_values t ON t.v = r.value " \
                                      "WHERE r.kind IN ('s', 'd')"

int zl_sqlite_trade_migrate(zl_store *s)
{
    /* idempotent: the step may run again over rows it wrote */
    static const char FILL[] =
        "DELETE FROM event_trade; DELETE FROM trade_values;"
        "INSERT INTO trade_values(v) SELECT DISTINCT value FROM event_refs"
        " WHERE kind IN ('s', 'd') ORDER BY value;"
        "INSERT INTO event_trade(k, event_time, ev) " EXPECTED ";";
    int rc = zl_sqlite_trade_schema(s);

    return rc ? rc : zl_sqlite_exec(s, FILL);
}

int zl_sqlite_trade_clear(zl_store *s)
{
    int rc = zl_sqlite_exec(s, "DELETE FROM event_trade;"
                               " DELETE FROM trade_values");

    /* the triggers, if dropped or edited (verify says) */
    return rc ? rc : zl_sqlite_triggers_remake(s, TRADE_SCHEMA);
}

int zl_sqlite_trade_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx)
{
    /* the events whose rows are missing, and how many each */
    static const char MISSING[] =
        "SELECT x.ev, count(*) FROM (" EXPECTED ") AS x WHERE NOT EXISTS"
        " (SELECT 1 FROM event_trade y WHERE y.k = x.k AND y.event_time ="
        " x.event_time AND y.ev = x.ev) GROUP BY x.ev ORDER BY x.ev";
    /* references whose value has no number (a value edited) */
    static const char UNNUMBERED[] =
        "SELECT count(*) FROM event_refs r WHERE r.kind IN ('s', 'd') AND"
        " NOT EXISTS (SELECT 1 FROM trade_values t WHERE t.v = r.value)";
    /* rows no reference accounts for */
    static const char EXTRA[] =
        "SELECT count(*) FROM event_trade y WHERE NOT EXISTS (SELECT 1 FROM"
        " events e JOIN event_refs r ON r.hash = e.hash JOIN trade_values t"
        " ON t.v = r.value WHERE e.rid = y.ev AND e.event_time ="
        " y.event_time AND r.kind IN ('s', 'd') AND t.n * 2 + (r.kind = 'd')"
        " = y.k)";
    sqlite3 *db = zl_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = 0, src;

    /* a trigger dropped or edited would let the index or an enterprise's
     * kept values go stale */
    rc = zl_sqlite_triggers_check(
        s, TRADE_SCHEMA, "the trade index or an enterprise's kept values", cb,
        ctx);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(db, MISSING, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        char ev[32];

        snprintf(ev, sizeof ev, "rid %lld",
                 (long long)sqlite3_column_int64(st, 0));
        rc = zl_trade_report_missing(cb, ctx, ev, sqlite3_column_int64(st, 1));
    }
    if (!rc && src != SQLITE_DONE)
        rc = ZL_ESTORE;
    sqlite3_finalize(st);
    for (int q = 0; q < 2 && !rc; q++) {
        int64_t n = 0;

        if (sqlite3_prepare_v2(db, q ? EXTRA : UNNUMBERED, -1, &st, NULL) !=
            SQLITE_OK)
            return ZL_ESTORE;
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        else
            rc = ZL_ESTORE;
        sqlite3_finalize(st);
        if (!rc)
            rc = q ? zl_trade_report_extra(cb, ctx, n)
                   : zl_trade_report_unnumbered(cb, ctx, n);
    }
    return rc;
}
