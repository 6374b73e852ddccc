/*
 * sqlite_correction.c - store_correction.h on SQLite.
 *
 * One small table keyed by the correction's key, with an index on the
 * event it corrects. Stores created before the table existed gain it on
 * the first correction (CREATE TABLE IF NOT EXISTS); reads of a store
 * that has none answer "no corrections". Rejected: rewriting events.json
 * with the corrective event's text (it would lose the text the original
 * leaf was computed from, which is what verify recomputes).
 */
#include "store/store_correction.h"

#include "store/sqlite_int.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS corrections("
    " key TEXT PRIMARY KEY, target BLOB NOT NULL,"
    " record_time INTEGER NOT NULL, party TEXT, reason TEXT,"
    " json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS corrections_target ON corrections(target);"
    "CREATE INDEX IF NOT EXISTS events_erroneous ON events(hash)"
    " WHERE has_error = 1;";

#define COLS "key, target, record_time, party, reason, json"

static int correction_schema(zl_store *s)
{
    return zl_sqlite_exec(s, SCHEMA);
}

/* No table on an older store: nothing to read. */
static int missing(zl_store *s)
{
    return strstr(sqlite3_errmsg(zl_sqlite_db(s)), "no such table") != NULL;
}

static int correction_put(zl_store *s, const struct zl_correction *c)
{
    static const char INS[] =
        "INSERT INTO corrections(" COLS ") VALUES(?1,?2,?3,?4,?5,?6)"
        " ON CONFLICT(key) DO NOTHING";
    static const char MARK[] =
        "UPDATE events SET has_error = 1 WHERE " ZL_SQLITE_HASH_IS("", "?1");
    sqlite3_stmt *st;
    int rc;

    if ((rc = correction_schema(s)))
        return rc;
    if (!(st = zl_sqlite_stmt(s, INS)))
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, c->key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, c->target, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, c->record_time_ms);
    if (c->party)
        sqlite3_bind_text(st, 4, c->party, -1, SQLITE_STATIC);
    if (c->reason)
        sqlite3_bind_text(st, 5, c->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, c->json, (int)c->json_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    if (sqlite3_changes(zl_sqlite_db(s)) == 0)
        return ZL_EEXIST;
    if (!(st = zl_sqlite_stmt(s, MARK)))
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, c->target, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int each(zl_store *s, sqlite3_stmt *st, zl_correction_cb cb, void *ctx,
                int *found)
{
    struct zl_correction c;
    const void *h;
    int rc;

    (void)s;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&c, 0, sizeof c);
        c.key = (const char *)sqlite3_column_text(st, 0);
        h = sqlite3_column_blob(st, 1);
        if (h && sqlite3_column_bytes(st, 1) == 32)
            memcpy(c.target, h, 32);
        c.record_time_ms = sqlite3_column_int64(st, 2);
        c.party = (const char *)sqlite3_column_text(st, 3);
        c.reason = (const char *)sqlite3_column_text(st, 4);
        c.json = (const char *)sqlite3_column_text(st, 5);
        c.json_len = (size_t)sqlite3_column_bytes(st, 5);
        if (found)
            *found = 1;
        if ((rc = cb(ctx, &c)) != 0) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int correction_get(zl_store *s, const char *key, zl_correction_cb cb,
                          void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM corrections WHERE key=?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc, found = 0;

    if (!st)
        return missing(s) ? ZL_ENOTFOUND : ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = each(s, st, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int corrections_of(zl_store *s, const uint8_t target[32],
                          zl_correction_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM corrections"
                              " WHERE target=?1 ORDER BY record_time, key";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return missing(s) ? 0 : ZL_ESTORE;
    sqlite3_bind_blob(st, 1, target, 32, SQLITE_STATIC);
    return each(s, st, cb, ctx, NULL);
}

static int corrections_for_id(zl_store *s, const char *id, zl_correction_cb cb,
                              void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM corrections WHERE target IN"
                              " (SELECT hash FROM event_codes"
                              " WHERE code = zl_ident_code(?1))"
                              " ORDER BY record_time, key";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return missing(s) ? 0 : ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return each(s, st, cb, ctx, NULL);
}

static int correction_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                           void *ctx)
{
    static const char SQL[] = "SELECT key FROM corrections ORDER BY key";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return missing(s) ? 0 : ZL_ESTORE;
    return zl_sqlite_each_text(st, cb, ctx);
}

static int correction_count(zl_store *s, int64_t *n)
{
    static const char SQL[] = "SELECT count(*) FROM corrections";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    *n = 0;
    if (!st)
        return missing(s) ? 0 : ZL_ESTORE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

const struct zl_store_correction_ops zl_sqlite_correction_ops = {
    .base = {.name = "correction", .schema = correction_schema},
    .put = correction_put,
    .get = correction_get,
    .of = corrections_of,
    .for_id = corrections_for_id,
    .keys = correction_keys,
    .count = correction_count,
};
