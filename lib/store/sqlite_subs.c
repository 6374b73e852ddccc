/*
 * sqlite_subs.c - named queries and subscriptions on SQLite (see
 * store_subs.h).
 *
 * Both tables are keyed by text and WITHOUT ROWID: listings are key
 * order, which is also what the PostgreSQL twin returns (COLLATE "C").
 * Reads use statements of their own (not the cache), so callbacks may use
 * the store: the delivery thread updates a subscription while it walks
 * the list.
 */
#include "store/sqlite_int.h"
#include "store/subs_ops.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS named_queries("
    " name TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL,"
    " query TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS subscriptions("
    " id TEXT PRIMARY KEY NOT NULL, query_name TEXT NOT NULL,"
    " owner TEXT NOT NULL, dest TEXT NOT NULL, secret TEXT NOT NULL,"
    " spec TEXT NOT NULL, created INTEGER NOT NULL,"
    " cursor INTEGER NOT NULL, pending INTEGER NOT NULL,"
    " notified INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '',"
    " error_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS subs_records("
    " seq INTEGER PRIMARY KEY NOT NULL, entity TEXT NOT NULL,"
    " leaf INTEGER NOT NULL, json TEXT NOT NULL);";

static int subs_schema(zl_store *s)
{
    return zl_sqlite_exec(s, SCHEMA);
}

/* Step a write statement from the cache: 0, ZL_EEXIST or ZL_ESTORE;
 * *changed gets the rows it changed. */
static int step_write(zl_store *s, sqlite3_stmt *st, int *changed)
{
    int rc = zl_sqlite_step_write(st);

    if (changed)
        *changed = sqlite3_changes(zl_sqlite_db(s));
    return rc;
}

static sqlite3_stmt *prepare(zl_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* ---- named queries --------------------------------------------------------
 */

static int nq_put(zl_store *s, const struct zl_store_nq *q)
{
    static const char SQL[] = "INSERT INTO named_queries(name, owner, query,"
                              " created) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, q->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->owner ? q->owner : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, q->query, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, q->created_ms);
    return step_write(s, st, NULL);
}

static int nq_emit(sqlite3_stmt *st, zl_store_nq_cb cb, void *ctx, int *found)
{
    struct zl_store_nq q;
    int rc, x = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        q.name = zl_sqlite_text(st, 0);
        q.owner = zl_sqlite_text(st, 1);
        q.query = zl_sqlite_text(st, 2);
        q.created_ms = sqlite3_column_int64(st, 3);
        if (found)
            *found = 1;
        if ((x = cb(ctx, &q)))
            break;
    }
    sqlite3_finalize(st);
    if (x)
        return x;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int nq_get(zl_store *s, const char *name, zl_store_nq_cb cb, void *ctx)
{
    sqlite3_stmt *st = prepare(s, "SELECT name, owner, query, created FROM"
                                  " named_queries WHERE name = ?1");
    int found = 0, rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = nq_emit(st, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int nq_list(zl_store *s, const char *owner, zl_store_nq_cb cb, void *ctx)
{
    sqlite3_stmt *st = prepare(s, "SELECT name, owner, query, created FROM"
                                  " named_queries WHERE ?1 IS NULL OR"
                                  " owner = ?1 ORDER BY name");

    if (!st)
        return ZL_ESTORE;
    if (owner)
        sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    return nq_emit(st, cb, ctx, NULL);
}

static int nq_delete(zl_store *s, const char *name)
{
    static const char DEL_SUBS[] =
        "DELETE FROM subscriptions WHERE query_name = ?1";
    static const char DEL[] = "DELETE FROM named_queries WHERE name = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, DEL_SUBS);
    int changed = 0, rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if ((rc = step_write(s, st, NULL)))
        return rc;
    if (!(st = zl_sqlite_stmt(s, DEL)))
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = step_write(s, st, &changed);
    return rc ? rc : changed ? 0 : ZL_ENOTFOUND;
}

/* ---- subscriptions --------------------------------------------------------
 */

static int sub_put(zl_store *s, const struct zl_store_sub *r)
{
    static const char SQL[] =
        "INSERT INTO subscriptions(id, query_name, owner, dest, secret, spec,"
        " created, cursor, pending, notified)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->query_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->owner ? r->owner : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->dest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->secret ? r->secret : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->spec, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, r->created_ms);
    sqlite3_bind_int64(st, 8, r->cursor);
    sqlite3_bind_int64(st, 9, r->pending);
    sqlite3_bind_int64(st, 10, r->notified_ms);
    return step_write(s, st, NULL);
}

#define SUB_COLS                                                               \
    "SELECT id, query_name, owner, dest, secret, spec, created, cursor,"       \
    " pending, notified, last_error, error_at FROM subscriptions"

static int sub_emit(sqlite3_stmt *st, zl_store_sub_cb cb, void *ctx, int *found)
{
    struct zl_store_sub r;
    int rc, x = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r.id = zl_sqlite_text(st, 0);
        r.query_name = zl_sqlite_text(st, 1);
        r.owner = zl_sqlite_text(st, 2);
        r.dest = zl_sqlite_text(st, 3);
        r.secret = zl_sqlite_text(st, 4);
        r.spec = zl_sqlite_text(st, 5);
        r.created_ms = sqlite3_column_int64(st, 6);
        r.cursor = sqlite3_column_int64(st, 7);
        r.pending = sqlite3_column_int64(st, 8);
        r.notified_ms = sqlite3_column_int64(st, 9);
        r.last_error = zl_sqlite_text(st, 10);
        r.error_ms = sqlite3_column_int64(st, 11);
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

static int sub_get(zl_store *s, const char *id, zl_store_sub_cb cb, void *ctx)
{
    sqlite3_stmt *st = prepare(s, SUB_COLS " WHERE id = ?1");
    int found = 0, rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sub_emit(st, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int sub_list(zl_store *s, const char *query_name, zl_store_sub_cb cb,
                    void *ctx)
{
    sqlite3_stmt *st =
        prepare(s, SUB_COLS " WHERE ?1 IS NULL OR query_name = ?1 ORDER BY id");

    if (!st)
        return ZL_ESTORE;
    if (query_name)
        sqlite3_bind_text(st, 1, query_name, -1, SQLITE_STATIC);
    return sub_emit(st, cb, ctx, NULL);
}

static int sub_delete(zl_store *s, const char *id)
{
    static const char SQL[] = "DELETE FROM subscriptions WHERE id = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int changed = 0, rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = step_write(s, st, &changed);
    return rc ? rc : changed ? 0 : ZL_ENOTFOUND;
}

static int sub_progress(zl_store *s, const char *id, int64_t cursor,
                        int64_t pending, int64_t notified_ms)
{
    static const char SQL[] =
        "UPDATE subscriptions SET cursor = ?2, pending = ?3,"
        " notified = CASE WHEN ?4 = 0 THEN notified ELSE ?4 END,"
        " last_error = CASE WHEN ?4 = 0 THEN last_error ELSE '' END,"
        " error_at = CASE WHEN ?4 = 0 THEN error_at ELSE 0 END WHERE id = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int changed = 0, rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cursor);
    sqlite3_bind_int64(st, 3, pending);
    sqlite3_bind_int64(st, 4, notified_ms);
    rc = step_write(s, st, &changed);
    return rc ? rc : changed ? 0 : ZL_ENOTFOUND;
}

static int sub_error(zl_store *s, const char *id, const char *why,
                     int64_t at_ms)
{
    static const char SQL[] = "UPDATE subscriptions SET last_error = ?2,"
                              " error_at = ?3 WHERE id = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int changed = 0, rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at_ms);
    rc = step_write(s, st, &changed);
    return rc ? rc : changed ? 0 : ZL_ENOTFOUND;
}

/* Stores made before the delivery-error columns gain them (SQLite has no
 * ADD COLUMN IF NOT EXISTS: ask the table first). */
static int upgrade(zl_store *s)
{
    sqlite3_stmt *st = prepare(s, "SELECT count(*) FROM"
                                  " pragma_table_info('subscriptions')"
                                  " WHERE name = 'last_error'");
    int has = 0;

    if (!st)
        return ZL_ESTORE;
    if (sqlite3_step(st) == SQLITE_ROW)
        has = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (has)
        return 0;
    return zl_sqlite_exec(s, "ALTER TABLE subscriptions ADD COLUMN last_error"
                             " TEXT NOT NULL DEFAULT '';"
                             "ALTER TABLE subscriptions ADD COLUMN error_at"
                             " INTEGER NOT NULL DEFAULT 0;");
}

static int outbox_last(zl_store *s, int64_t *seq)
{
    static const char SQL[] = "SELECT COALESCE(MAX(seq), 0) FROM outbox";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

/* ---- logged records -------------------------------------------------------
 */

static int rec_next(zl_store *s, int64_t *seq)
{
    static const char SQL[] = "SELECT COALESCE(MAX(seq), 0) + 1 FROM"
                              " subs_records";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

static int rec_put(zl_store *s, const struct zl_store_subs_rec *r)
{
    static const char SQL[] = "INSERT INTO subs_records(seq, entity, leaf,"
                              " json) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, r->seq);
    sqlite3_bind_text(st, 2, r->entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->leaf);
    sqlite3_bind_text(st, 4, r->json, -1, SQLITE_STATIC);
    return step_write(s, st, NULL);
}

static int rec_emit(sqlite3_stmt *st, zl_store_subs_rec_cb cb, void *ctx,
                    int *found)
{
    struct zl_store_subs_rec r;
    int rc, x = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r.seq = sqlite3_column_int64(st, 0);
        r.entity = zl_sqlite_text(st, 1);
        r.leaf = sqlite3_column_int64(st, 2);
        r.json = zl_sqlite_text(st, 3);
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

static int rec_get(zl_store *s, int64_t seq, zl_store_subs_rec_cb cb, void *ctx)
{
    sqlite3_stmt *st = prepare(s, "SELECT seq, entity, leaf, json FROM"
                                  " subs_records WHERE seq = ?1");
    int found = 0, rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, seq);
    rc = rec_emit(st, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int rec_list(zl_store *s, zl_store_subs_rec_cb cb, void *ctx)
{
    sqlite3_stmt *st = prepare(s, "SELECT seq, entity, leaf, json FROM"
                                  " subs_records ORDER BY seq");

    if (!st)
        return ZL_ESTORE;
    return rec_emit(st, cb, ctx, NULL);
}

const struct zl_store_subs_ops zl_sqlite_subs_ops = {
    .base = {.name = "subscriptions", .schema = subs_schema},
    .nq_put = nq_put,
    .nq_get = nq_get,
    .nq_list = nq_list,
    .nq_delete = nq_delete,
    .sub_put = sub_put,
    .sub_get = sub_get,
    .sub_list = sub_list,
    .sub_delete = sub_delete,
    .sub_progress = sub_progress,
    .outbox_last = outbox_last,
    .sub_error = sub_error,
    .upgrade = upgrade,
    .rec_next = rec_next,
    .rec_put = rec_put,
    .rec_get = rec_get,
    .rec_list = rec_list,
};
