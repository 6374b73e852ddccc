/*
 * sqlite_lookups.c - code lookup counts on SQLite (see store_lookups.h).
 *
 * WITHOUT ROWID on code: the count is found and updated by one B-tree
 * walk of the key the page is asked by.
 */
#include "store/sqlite_int.h"

static const char LOOKUPS_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS code_lookups("
    " code TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL,"
    " first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL) WITHOUT ROWID;";

static int lookups_schema(zl_store *s)
{
    return zl_sqlite_exec(s, LOOKUPS_SCHEMA);
}

static int add(zl_store *s, const char *code, const struct zl_lookup_count *c)
{
    static const char SQL[] =
        "INSERT INTO code_lookups(code, n, first_ms, last_ms)"
        " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(code) DO UPDATE SET"
        " n = n + excluded.n, first_ms = min(first_ms, excluded.first_ms),"
        " last_ms = max(last_ms, excluded.last_ms)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)c->n);
    sqlite3_bind_int64(st, 3, c->first_ms);
    sqlite3_bind_int64(st, 4, c->last_ms);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int get(zl_store *s, const char *code, struct zl_lookup_count *c)
{
    static const char SQL[] =
        "SELECT n, first_ms, last_ms FROM code_lookups WHERE code = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        c->n = (uint64_t)sqlite3_column_int64(st, 0);
        c->first_ms = sqlite3_column_int64(st, 1);
        c->last_ms = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
}

const struct zl_store_lookups_ops zl_sqlite_lookups_ops = {
    .base = {.name = "lookups", .schema = lookups_schema},
    .add = add,
    .get = get,
};
