/*
 * sqlite_sup.c - supervision records on SQLite (see store_sup.h).
 *
 * sup_records is WITHOUT ROWID on (key, seq): a registry listing is a
 * range of keys ("enterprise:" up to "enterprise;"), an entry's history a
 * range of seqs, and both are one B-tree walk in key order, which is also
 * the order the draw needs (enterprises by USCC, inspectors by id).
 * sup_records_uscc is a partial index over the rows that name an
 * enterprise (the credit index, store_sup.h): "" for all others, so the
 * registries' millions of rows cost it nothing.
 */
#include "store/sqlite_int.h"
#include "util/alloc.h"

#include <string.h>

static const char SUP_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS sup_records("
    " key TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,"
    " leaf INTEGER NOT NULL, json TEXT NOT NULL,"
    " uscc TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY(key, seq)) WITHOUT ROWID;";
static const char SUP_INDEX[] =
    "CREATE INDEX IF NOT EXISTS sup_records_uscc ON sup_records(uscc, key,"
    " seq) WHERE uscc <> '';";

/* Schema 18 added the uscc column (the credit index): a store made before
 * has the table without it. */
static int sup_schema(zl_store *s)
{
    static const char HAS[] = "SELECT count(*) FROM pragma_table_info("
                              "'sup_records') WHERE name = 'uscc'";
    int64_t n = 0;
    int rc = zl_sqlite_exec(s, SUP_SCHEMA);

    if (!rc)
        rc = zl_sqlite_get_i64(s, HAS, &n);
    if (!rc && !n)
        rc = zl_sqlite_exec(s, "ALTER TABLE sup_records ADD COLUMN uscc TEXT"
                               " NOT NULL DEFAULT ''");
    return rc ? rc : zl_sqlite_exec(s, SUP_INDEX);
}

static int put(zl_store *s, const struct zl_store_sup_record *r)
{
    static const char SQL[] = "INSERT INTO sup_records(key, seq, kind, leaf,"
                              " json, uscc) VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->seq);
    sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->leaf);
    sqlite3_bind_text(st, 5, r->json, (int)r->len, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->uscc ? r->uscc : "", -1, SQLITE_STATIC);
    return zl_sqlite_step_write(st);
}

/* Run a prepared statement of (key, seq, kind, leaf, json) rows into cb,
 * then finalize it (a statement of its own: cb may be slow or nest). */
static int emit(sqlite3_stmt *st, zl_store_sup_cb cb, void *ctx, int *found)
{
    struct zl_store_sup_record r;
    int rc, x = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r.key = zl_sqlite_text(st, 0);
        r.seq = (long)sqlite3_column_int64(st, 1);
        r.kind = zl_sqlite_text(st, 2);
        r.leaf = sqlite3_column_int64(st, 3);
        r.json = zl_sqlite_text(st, 4);
        r.len = (size_t)sqlite3_column_bytes(st, 4);
        r.uscc = zl_sqlite_text(st, 5);
        if (found)
            *found = 1;
        if ((x = cb(ctx, &r)))
            break;
    }
    sqlite3_finalize(st);
    if (x)
        return x;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int get(zl_store *s, const char *key, long seq, zl_store_sup_cb cb,
               void *ctx)
{
    static const char SQL[] =
        "SELECT key, seq, kind, leaf, json, uscc FROM sup_records WHERE key = "
        "?1"
        " AND (?2 = 0 AND seq = (SELECT MAX(seq) FROM sup_records"
        " WHERE key = ?1) OR seq = ?2)";
    sqlite3_stmt *st = NULL;
    int found = 0, rc;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    rc = emit(st, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int last_seq(zl_store *s, const char *key, long *seq)
{
    static const char SQL[] = "SELECT COALESCE(MAX(seq), 0) FROM sup_records"
                              " WHERE key = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    *seq = 0;
    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

static int range(zl_store *s, const char *lo, const char *hi, int64_t before,
                 zl_store_sup_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT key, seq, kind, leaf, json, uscc FROM sup_records"
        " WHERE key >= ?1 AND key < ?2 AND (?3 < 0 OR leaf < ?3)"
        " ORDER BY key, seq";
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, before);
    return emit(st, cb, ctx, NULL);
}

static int by_uscc(zl_store *s, const char *uscc, zl_store_sup_cb cb, void *ctx)
{
    /* "uscc <> ''" lets the planner use the partial index */
    static const char SQL[] =
        "SELECT key, seq, kind, leaf, json, uscc FROM sup_records"
        " WHERE uscc = ?1 AND uscc <> '' ORDER BY uscc, key, seq";
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, uscc, -1, SQLITE_STATIC);
    return emit(st, cb, ctx, NULL);
}

static int set_uscc(zl_store *s, const char *key, long seq, const char *uscc)
{
    static const char SQL[] =
        "UPDATE sup_records SET uscc = ?3 WHERE key = ?1 AND seq = ?2";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, uscc ? uscc : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return ZL_ESTORE;
    return sqlite3_changes(zl_sqlite_db(s)) ? 0 : ZL_ENOTFOUND;
}

const struct zl_store_sup_ops zl_sqlite_sup_ops = {
    .base = {.name = "supervise", .schema = sup_schema},
    .put = put,
    .get = get,
    .last_seq = last_seq,
    .range = range,
    .by_uscc = by_uscc,
    .set_uscc = set_uscc,
};
