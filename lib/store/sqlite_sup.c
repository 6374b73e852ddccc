/*
 * sqlite_sup.c - supervision records on SQLite (see store_sup.h).
 *
 * sup_records is WITHOUT ROWID on (key, seq): a registry listing is a
 * range of keys ("enterprise:" up to "enterprise;"), an entry's history a
 * range of seqs, and both are one B-tree walk in key order, which is also
 * the order the draw needs (enterprises by USCC, inspectors by id).
 */
#include "store/sqlite_int.h"
#include "util/alloc.h"

#include <string.h>

static const char SUP_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS sup_records("
    " key TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,"
    " leaf INTEGER NOT NULL, json TEXT NOT NULL,"
    " PRIMARY KEY(key, seq)) WITHOUT ROWID;";

static int sup_schema(zl_store *s)
{
    return zl_sqlite_exec(s, SUP_SCHEMA);
}

static int put(zl_store *s, const struct zl_store_sup_record *r)
{
    static const char SQL[] = "INSERT INTO sup_records(key, seq, kind, leaf,"
                              " json) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->seq);
    sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->leaf);
    sqlite3_bind_text(st, 5, r->json, (int)r->len, SQLITE_STATIC);
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
        "SELECT key, seq, kind, leaf, json FROM sup_records WHERE key = ?1"
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
        "SELECT key, seq, kind, leaf, json FROM sup_records"
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

const struct zl_store_sup_ops zl_sqlite_sup_ops = {
    .base = {.name = "supervise", .schema = sup_schema},
    .put = put,
    .get = get,
    .last_seq = last_seq,
    .range = range,
};
