/*
 * sqlite_receipt.c - store_receipt.h on SQLite.
 *
 * receipts(key, grp, kind, record_time, party, doc, events): one row per
 * group, events the stored 32-byte hashes concatenated in capture order
 * (a document of 1,000 events adds one 32 KB row, not 1,000 rows).
 * Rejected: a row per listed event (an index entry per event at capture,
 * where verify needs the lists only once per run and reads them all).
 */
#include "store/store_receipt.h"

#include "store/sqlite_int.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS receipts("
    " key TEXT NOT NULL, grp INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " record_time INTEGER NOT NULL, party TEXT, doc BLOB,"
    " events BLOB NOT NULL, PRIMARY KEY(key, grp)) WITHOUT ROWID;";

static int receipt_schema(zl_store *s)
{
    return zl_sqlite_exec(s, SCHEMA);
}

static int receipt_put(zl_store *s, const struct zl_receipt_group *g)
{
    static const char SQL[] =
        "INSERT INTO receipts(key, grp, kind, record_time, party, doc, events)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(key, grp) DO NOTHING";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    if (g->n_events > (size_t)(1 << 30) / 32)
        return ZL_ELIMIT;
    sqlite3_bind_text(st, 1, g->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, g->grp);
    sqlite3_bind_int(st, 3, (int)g->kind);
    sqlite3_bind_int64(st, 4, g->record_time_ms);
    if (g->party)
        sqlite3_bind_text(st, 5, g->party, -1, SQLITE_STATIC);
    if (g->doc)
        sqlite3_bind_blob(st, 6, g->doc, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, g->n_events ? (const void *)g->events : "",
                      (int)(g->n_events * 32), SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    return sqlite3_changes(zl_sqlite_db(s)) ? 0 : ZL_EEXIST;
}

static int receipt_get(zl_store *s, const char *key, zl_receipt_group_cb cb,
                       void *ctx)
{
    static const char SQL[] =
        "SELECT grp, kind, record_time, party, doc, events FROM receipts"
        " WHERE key = ?1 ORDER BY grp";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    struct zl_receipt_group g;
    int rc, found = 0;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int nb = sqlite3_column_bytes(st, 5);

        memset(&g, 0, sizeof g);
        g.key = key;
        g.grp = (long)sqlite3_column_int64(st, 0);
        g.kind = (enum zl_receipt_kind)sqlite3_column_int(st, 1);
        g.record_time_ms = sqlite3_column_int64(st, 2);
        g.party = (const char *)sqlite3_column_text(st, 3);
        if (sqlite3_column_bytes(st, 4) == 32)
            g.doc = sqlite3_column_blob(st, 4);
        else if (sqlite3_column_type(st, 4) != SQLITE_NULL)
            g.damaged = 1;
        g.events = (const uint8_t(*)[32])sqlite3_column_blob(st, 5);
        g.n_events = (size_t)nb / 32;
        if (nb % 32)
            g.damaged = 1; /* not = : keep a doc that is not a hash */
        found = 1;
        if ((rc = cb(ctx, &g)) != 0) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return ZL_ESTORE;
    return found ? 0 : ZL_ENOTFOUND;
}

static int receipt_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                        void *ctx)
{
    static const char SQL[] = "SELECT DISTINCT key FROM receipts ORDER BY key";
    sqlite3_stmt *st = NULL;
    int rc;

    /* Not cached: the callback reads the store. */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0))) != 0)
            goto out;
    rc = rc == SQLITE_DONE ? 0 : ZL_ESTORE;
out:
    sqlite3_finalize(st);
    return rc;
}

const struct zl_store_receipt_ops zl_sqlite_receipt_ops = {
    .base = {.name = "receipt", .schema = receipt_schema},
    .put = receipt_put,
    .get = receipt_get,
    .keys = receipt_keys,
};
