/*
 * sqlite_recall.c - recall case tables on SQLite (see store_recall.h).
 *
 * recall_records is keyed (case_id, seq): the case UUID is the
 * distribution key and seq orders the steps, with no sequence object
 * (DESIGN.md: IDs come from the application). recall_ids is WITHOUT ROWID
 * on (id, case_id) so the portal's lookup is one B-tree descent.
 * Rejected: keeping a case's state (notified/acknowledged/recovered) in
 * mutable columns. The state is replayed from the logged records instead,
 * so nothing outside the log decides what a case says.
 */
#include "store/sqlite_int.h"
#include "util/alloc.h"

#include <string.h>

static const char RECALL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS recall_records("
    " case_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,"
    " json TEXT NOT NULL, PRIMARY KEY(case_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS recall_cases("
    " case_id TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT NOT NULL,"
    " hazard TEXT NOT NULL, opened_ms INTEGER NOT NULL,"
    " closed_ms INTEGER NOT NULL DEFAULT 0, lots TEXT NOT NULL,"
    " gtins TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS recall_ids("
    " id TEXT NOT NULL, case_id TEXT NOT NULL,"
    " PRIMARY KEY(id, case_id)) WITHOUT ROWID;";

static int recall_schema(zl_store *s)
{
    return zl_sqlite_exec(s, RECALL_SCHEMA);
}

static int record_put(zl_store *s, const char *case_id, long seq,
                      const char *kind, const char *json, size_t len)
{
    static const char SQL[] = "INSERT INTO recall_records(case_id, seq, kind,"
                              " json) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, json, (int)len, SQLITE_STATIC);
    return zl_sqlite_step_write(st);
}

static int record_get(zl_store *s, const char *case_id, long seq, char **json,
                      size_t *len)
{
    static const char SQL[] = "SELECT json FROM recall_records"
                              " WHERE case_id = ?1 AND seq = ?2";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    *json = NULL;
    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return ZL_ENOTFOUND;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return ZL_ESTORE;
    }
    *len = (size_t)sqlite3_column_bytes(st, 0);
    *json = zl_strndup(zl_sqlite_text(st, 0), *len);
    sqlite3_reset(st);
    return *json ? 0 : ZL_ENOMEM;
}

static int records(zl_store *s, const char *case_id,
                   zl_store_recall_record_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT seq, kind, json FROM recall_records"
                              " WHERE case_id = ?1 ORDER BY seq";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc, r = 0;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r = cb(ctx, (long)sqlite3_column_int64(st, 0), zl_sqlite_text(st, 1),
               zl_sqlite_text(st, 2), (size_t)sqlite3_column_bytes(st, 2));
        if (r)
            break;
    }
    sqlite3_reset(st);
    if (r)
        return r;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int all_keys(zl_store *s, zl_store_recall_key_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT case_id, seq FROM recall_records"
                              " ORDER BY case_id, seq";
    sqlite3_stmt *st = NULL;
    int rc, r = 0;

    /* not the cached statement: a callback may run other recall queries */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r = cb(ctx, zl_sqlite_text(st, 0), (long)sqlite3_column_int64(st, 1));
        if (r)
            break;
    }
    sqlite3_finalize(st);
    if (r)
        return r;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int last_seq(zl_store *s, const char *case_id, long *seq)
{
    static const char SQL[] = "SELECT COALESCE(MAX(seq), 0) FROM"
                              " recall_records WHERE case_id = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

static int case_put(zl_store *s, const struct zl_store_recall_case *r)
{
    static const char SQL[] =
        "INSERT OR REPLACE INTO recall_cases(case_id, status, reason, hazard,"
        " opened_ms, closed_ms, lots, gtins) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, r->case_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->hazard_class, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->opened_ms);
    sqlite3_bind_int64(st, 6, r->closed_ms);
    sqlite3_bind_text(st, 7, r->lots_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->gtins_json, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int emit_cases(sqlite3_stmt *st, zl_store_recall_case_cb cb, void *ctx,
                      size_t *found)
{
    int rc, r = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct zl_store_recall_case ri = {
            zl_sqlite_text(st, 0),       zl_sqlite_text(st, 1),
            zl_sqlite_text(st, 2),       zl_sqlite_text(st, 3),
            sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
            zl_sqlite_text(st, 6),       zl_sqlite_text(st, 7)};

        (*found)++;
        if (cb && (r = cb(ctx, &ri)) != 0)
            break;
    }
    sqlite3_reset(st);
    if (r)
        return r;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

#define CASE_COLS                                                              \
    "c.case_id, c.status, c.reason, c.hazard, c.opened_ms,"                    \
    " c.closed_ms, c.lots, c.gtins"

static int case_list(zl_store *s, const char *case_id, int open_only,
                     zl_store_recall_case_cb cb, void *ctx)
{
    static const char ONE[] = "SELECT " CASE_COLS " FROM recall_cases c"
                              " WHERE c.case_id = ?1";
    static const char ALL[] = "SELECT " CASE_COLS " FROM recall_cases c"
                              " WHERE (?1 = 0 OR c.status = 'open')"
                              " ORDER BY c.opened_ms DESC, c.case_id";
    sqlite3_stmt *st = zl_sqlite_stmt(s, case_id ? ONE : ALL);
    size_t found = 0;
    int rc;

    if (!st)
        return ZL_ESTORE;
    if (case_id)
        sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int(st, 1, open_only ? 1 : 0);
    rc = emit_cases(st, cb, ctx, &found);
    if (!rc && case_id && !found)
        return ZL_ENOTFOUND;
    return rc;
}

static int ids_put(zl_store *s, const char *case_id, const char *const *ids,
                   size_t n)
{
    static const char SQL[] = "INSERT OR IGNORE INTO recall_ids(id, case_id)"
                              " VALUES(?1, ?2)";

    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
        int rc;

        if (!st)
            return ZL_ESTORE;
        sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return ZL_ESTORE;
    }
    return 0;
}

static int cases_for_id(zl_store *s, const char *id, zl_store_recall_case_cb cb,
                        void *ctx)
{
    static const char SQL[] = "SELECT " CASE_COLS " FROM recall_ids i"
                              " JOIN recall_cases c ON c.case_id = i.case_id"
                              " WHERE i.id = ?1 AND c.status = 'open'"
                              " ORDER BY c.opened_ms DESC, c.case_id";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    size_t found = 0;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return emit_cases(st, cb, ctx, &found);
}

static int cases_with_id(zl_store *s, const char *id,
                         zl_store_recall_case_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " CASE_COLS " FROM recall_ids i"
                              " JOIN recall_cases c ON c.case_id = i.case_id"
                              " WHERE i.id = ?1"
                              " ORDER BY c.opened_ms DESC, c.case_id";
    sqlite3_stmt *st = NULL;
    size_t found = 0;
    int rc;

    /* a statement of its own: cb may read the store */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = emit_cases(st, cb, ctx, &found);
    sqlite3_finalize(st);
    return rc;
}

const struct zl_store_recall_ops zl_sqlite_recall_ops = {
    .base = {.name = "recall", .schema = recall_schema},
    .record_put = record_put,
    .record_get = record_get,
    .records = records,
    .all_keys = all_keys,
    .last_seq = last_seq,
    .case_put = case_put,
    .case_list = case_list,
    .ids_put = ids_put,
    .cases_for_id = cases_for_id,
    .cases_with_id = cases_with_id,
};
