/*
 * sqlite_audit.c - store_audit.h on SQLite: the lookups and counts that
 * let verify compare derived tables with the records, and the clearing
 * that lets reindex rebuild them.
 */
#include "store/sqlite_int.h"

#include <string.h>

static int count(zl_store *s, const char *sql, uint64_t *out)
{
    int64_t v = 0;
    int rc = zl_sqlite_get_i64(s, sql, &v);

    *out = (uint64_t)v;
    return rc;
}

static int derived_counts(zl_store *s, struct zl_store_derived_counts *c)
{
    /* The occurrences themselves, not the view (which hides one whose
     * event or identifier is gone), plus dictionary entries no occurrence
     * uses and quantity rows (schema 33) of no occurrence or with nothing
     * in them: a row added to any of the three counts as one too many. */
    /* ... and vocab's (schema 17) values no events column names, each
     * looked up in the column's query index, and the events whose column
     * holds text instead of a number (it would read right, since a
     * text column reads as itself, but no EQ_ query would find it). */
    static const char IDS[] =
        "SELECT (SELECT count(*) FROM event_occ) + (SELECT count(*)"
        " FROM idents d WHERE NOT EXISTS (SELECT 1 FROM event_occ o"
        " WHERE o.n = d.n)) + (SELECT count(*) FROM event_qty q"
        " WHERE q.qty IS NULL AND q.uom IS NULL OR NOT EXISTS (SELECT 1"
        " FROM event_occ o WHERE o.n = q.n AND o.ev = q.ev"
        " AND o.role = q.role)) + (SELECT count(*) FROM vocab v"
        " WHERE NOT EXISTS (SELECT 1 FROM events WHERE biz_step = v.n)"
        " AND NOT EXISTS (SELECT 1 FROM events WHERE disposition = v.n)"
        " AND NOT EXISTS (SELECT 1 FROM events WHERE read_point = v.n)"
        " AND NOT EXISTS (SELECT 1 FROM events WHERE biz_location = v.n))"
        " + (SELECT count(*) FROM events WHERE typeof(biz_step) = 'text'"
        " OR typeof(disposition) = 'text' OR typeof(read_point) = 'text'"
        " OR typeof(biz_location) = 'text')";
    static const char REFS[] = "SELECT count(*) FROM event_refs";
    static const char LINKS[] = "SELECT count(*) FROM event_docs";
    static const char DOCS[] = "SELECT count(*) FROM signed_docs";
    static const char CASES[] = "SELECT count(*) FROM recall_cases";
    static const char RIDS[] = "SELECT count(*) FROM recall_ids";
    int rc = count(s, IDS, &c->id_rows);

    if (!rc)
        rc = count(s, REFS, &c->ref_rows);
    if (!rc)
        rc = count(s, LINKS, &c->doc_links);
    if (!rc)
        rc = count(s, DOCS, &c->signed_docs);
    if (!rc)
        rc = count(s, CASES, &c->recall_cases);
    if (!rc)
        rc = count(s, RIDS, &c->recall_ids);
    return rc;
}

static int id_row_get(zl_store *s, const char *id, int64_t event_time_ms,
                      const uint8_t hash[32], enum zl_id_role role, zl_id_cb cb,
                      void *ctx)
{
    /* the tables, not event_codes: its event_time is an expression (schema
     * 33), and the day bound keeps this one key lookup */
    static const char SQL[] =
        "SELECT e.type, e.action, e.record_time, q.qty, q.uom"
        " FROM event_occ o JOIN events e ON e.rid = o.ev"
        " LEFT JOIN event_qty q ON q.ev = o.ev AND q.n = o.n"
        " AND q.role = o.role"
        " WHERE o.n = (SELECT n FROM idents WHERE code = zl_ident_code(?1))"
        " AND o.day = ?2 / " ZL_SQLITE_OCC_DAY " AND o.ev = (SELECT rid"
        " FROM events WHERE " ZL_SQLITE_HASH_IS(
            "", "?3") ") AND o.role = ?4"
                      " AND e.event_time % " ZL_SQLITE_OCC_DAY
                      " = ?2 % " ZL_SQLITE_OCC_DAY;
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    struct zl_id_row r;
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, event_time_ms);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)role);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
    }
    memset(&r, 0, sizeof r);
    r.id = id;
    r.role = role;
    memcpy(r.hash, hash, 32);
    r.event_time_ms = event_time_ms;
    r.type = (enum zl_event_type)sqlite3_column_int(st, 0);
    r.action = (enum zl_action)sqlite3_column_int(st, 1);
    r.record_time_ms = sqlite3_column_int64(st, 2);
    r.has_quantity = sqlite3_column_type(st, 3) != SQLITE_NULL;
    r.quantity = r.has_quantity ? sqlite3_column_double(st, 3) : 0;
    r.uom = (const char *)sqlite3_column_text(st, 4);
    rc = cb(ctx, &r);
    sqlite3_reset(st);
    return rc;
}

static int blob32(sqlite3_stmt *st, int col, uint8_t out[32])
{
    if (sqlite3_column_bytes(st, col) != 32)
        return -1;
    memcpy(out, sqlite3_column_blob(st, col), 32);
    return 0;
}

static int signed_docs_all(zl_store *s, zl_store_doc_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT doc_hash, party, signature, doc FROM signed_docs";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint8_t h[32] = {0};

        blob32(st, 0, h); /* a damaged hash shows as a mismatch */
        rc = cb(ctx, h, (const char *)sqlite3_column_text(st, 1),
                (const char *)sqlite3_column_text(st, 2),
                (const char *)sqlite3_column_blob(st, 3),
                (size_t)sqlite3_column_bytes(st, 3));
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int doc_link_exists(zl_store *s, const uint8_t event_hash[32],
                           const uint8_t doc_hash[32])
{
    static const char SQL[] = "SELECT 1 FROM event_docs"
                              " WHERE event_hash = ?1 AND doc_hash = ?2";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, event_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, doc_hash, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

/* vocab is emptied too: reindex rewrites every event it can read, which
 * interns its values again, so an entry edited or added behind the
 * store's back does not outlive it (numbers are never reused: an event
 * reindex skips keeps a number that names nothing, and verify reports
 * that event anyway). */
/* 1 if the store has table name yet (the sites index: schema 22; the
 * trade index: 25). */
static int has_table(zl_store *s, const char *name)
{
    static const char SQL[] = "SELECT 1 FROM sqlite_master WHERE type ="
                              " 'table' AND name = ?1";
    sqlite3_stmt *st = NULL;
    int yes;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

static int derived_clear(zl_store *s)
{
    /* events.hkey (schema 34) first: the rewrite finds each event by it,
     * and one edited would make it write the event a second row */
    int rc = zl_sqlite_exec(
        s, "UPDATE events SET hkey = " ZL_SQLITE_HKEY(
               "hash") " WHERE hkey IS NOT " ZL_SQLITE_HKEY("hash"));

    if (!rc)
        rc = zl_sqlite_exec(s, "DELETE FROM event_occ; DELETE FROM event_qty;"
                               " DELETE FROM idents; DELETE FROM vocab");

    zl_sqlite_vocab_forget(s);
    /* before the references, whose delete trigger then finds nothing to
     * remove; the rewrite of the references refills it */
    if (!rc && has_table(s, "event_trade"))
        rc = zl_sqlite_trade_clear(s);
    if (!rc)
        rc = zl_sqlite_exec(s, "DELETE FROM event_refs");
    if (!rc)
        rc = zl_sqlite_exec(s, "DELETE FROM event_docs");
    if (!rc)
        rc = zl_sqlite_exec(s, "DELETE FROM recall_ids");
    if (!rc)
        rc = zl_sqlite_exec(s, "DELETE FROM recall_cases");
    if (!rc &&
        has_table(s, "event_sites")) /* the events' rewrite refills it (its
                                      * triggers); a migration from before
                                      * schema 22 reindexes without it */
        rc = zl_sqlite_exec(s, "DELETE FROM event_sites;"
                               " DELETE FROM site_parties");
    /* the triggers that keep it and rule_gen, if dropped or edited
     * (verify says) */
    if (!rc && has_table(s, "event_sites"))
        rc = zl_sqlite_sites_remake(s);
    return rc;
}

static int recall_ids_of(zl_store *s, const char *case_id,
                         int (*cb)(void *ctx, const char *id), void *ctx)
{
    static const char SQL[] =
        "SELECT id FROM recall_ids WHERE case_id = ?1 ORDER BY id";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    return zl_sqlite_each_text(st, cb, ctx);
}

const struct zl_store_audit_ops zl_sqlite_audit_ops = {
    .base = {.name = "audit", .schema = NULL},
    .derived_counts = derived_counts,
    .id_row_get = id_row_get,
    .signed_docs_all = signed_docs_all,
    .doc_link_exists = doc_link_exists,
    .derived_clear = derived_clear,
    .event_replace = zl_sqlite_event_replace,
    .recall_ids_of = recall_ids_of,
    .sites_check = zl_sqlite_sites_check,
    .trade_check = zl_sqlite_trade_check,
};
