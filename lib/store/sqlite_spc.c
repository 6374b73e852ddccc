/*
 * sqlite_spc.c - SPC streams on SQLite (see store_spc.h).
 *
 * spc_points is WITHOUT ROWID on (stream, seq): a stream's series is one
 * B-tree range in arrival order, and an append call's points go in with
 * one cached INSERT each inside the caller's transaction (SQLite's cost
 * per row is the B-tree insert, not the statement). spc_records and
 * spc_state are small: a row per definition, append call and alarm.
 */
#include "store/sqlite_int.h"
#include "store/spc_backend.h"
#include "util/alloc.h"

#include <string.h>

static const char SPC_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS spc_records("
    " stream TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL,"
    " leaf INTEGER NOT NULL, json TEXT NOT NULL,"
    " PRIMARY KEY(stream, kind, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS spc_points("
    " stream TEXT NOT NULL, seq INTEGER NOT NULL, t_ms INTEGER NOT NULL,"
    " value REAL NOT NULL, code TEXT NOT NULL, oper TEXT NOT NULL,"
    " batch INTEGER NOT NULL, n INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(stream, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS spc_state("
    " stream TEXT PRIMARY KEY NOT NULL, n_values INTEGER NOT NULL,"
    " n_points INTEGER NOT NULL, n_alarms INTEGER NOT NULL,"
    " n_batches INTEGER NOT NULL, state TEXT NOT NULL);";

/* Schema 13 added spc_points.n (a sample's own size, 0: the stream's);
 * a table made before it gets the column here (idempotent). */
static int spc_schema(zl_store *s)
{
    static const char HAS_N[] =
        "SELECT count(*) FROM pragma_table_info('spc_points') WHERE name = 'n'";
    sqlite3_stmt *st = NULL;
    int rc = zl_sqlite_exec(s, SPC_SCHEMA), has = 0;

    if (rc)
        return rc;
    if (sqlite3_prepare_v2(zl_sqlite_db(s), HAS_N, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    if (sqlite3_step(st) == SQLITE_ROW)
        has = sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return has ? 0
               : zl_sqlite_exec(s, "ALTER TABLE spc_points ADD COLUMN n "
                                   "INTEGER NOT NULL DEFAULT 0");
}

static int record_put(zl_store *s, const struct zl_store_spc_record *r)
{
    static const char SQL[] = "INSERT INTO spc_records(stream, kind, seq,"
                              " leaf, json) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, r->stream, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->seq);
    sqlite3_bind_int64(st, 4, r->leaf);
    sqlite3_bind_text(st, 5, r->json, (int)r->len, SQLITE_STATIC);
    return zl_sqlite_step_write(st);
}

/* A copied row, so cb runs after the statement is done. */
struct rec {
    char *stream, *kind, *json;
    int64_t seq, leaf;
    size_t len;
};

static void recs_free(struct rec *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        zl_free(v[i].stream);
        zl_free(v[i].kind);
        zl_free(v[i].json);
    }
    zl_free(v);
}

static int records(zl_store *s, const char *stream, const char *kind,
                   int64_t after, size_t limit, zl_store_spc_record_cb cb,
                   void *ctx)
{
    /* two statements: "?1 IS NULL OR stream = ?1" would scan the table */
    static const char ONE[] =
        "SELECT stream, kind, seq, leaf, json FROM spc_records"
        " WHERE stream = ?1 AND kind = ?2 AND seq > ?3"
        " ORDER BY stream, seq LIMIT ?4";
    static const char ALL[] =
        "SELECT stream, kind, seq, leaf, json FROM spc_records"
        " WHERE kind = ?2 AND seq > ?3 ORDER BY stream, seq LIMIT ?4";
    sqlite3_stmt *st = NULL;
    struct rec *v = NULL;
    size_t n = 0, cap = 0;
    int rc, x = 0;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), stream ? ONE : ALL, -1, &st,
                           NULL) != SQLITE_OK)
        return ZL_ESTORE;
    if (stream)
        sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int64(st, 4, limit ? (int64_t)limit : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rec *r;

        if (zl_grow((void **)&v, &cap, n + 1, sizeof *v, 16, NULL)) {
            x = ZL_ENOMEM;
            break;
        }
        r = &v[n++];
        r->stream = zl_strdup(zl_sqlite_text(st, 0));
        r->kind = zl_strdup(zl_sqlite_text(st, 1));
        r->seq = sqlite3_column_int64(st, 2);
        r->leaf = sqlite3_column_int64(st, 3);
        r->len = (size_t)sqlite3_column_bytes(st, 4);
        r->json = zl_strndup(zl_sqlite_text(st, 4), r->len);
        if (!r->stream || !r->kind || !r->json) {
            x = ZL_ENOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    if (!x && rc != SQLITE_DONE)
        x = ZL_ESTORE;
    for (size_t i = 0; i < n && !x; i++) {
        struct zl_store_spc_record r = {v[i].stream, v[i].kind, v[i].seq,
                                        v[i].leaf,   v[i].json, v[i].len};

        x = cb(ctx, &r);
    }
    recs_free(v, n);
    return x;
}

static int points_put(zl_store *s, const char *stream,
                      const struct zl_store_spc_point *p, size_t n)
{
    static const char SQL[] =
        "INSERT INTO spc_points(stream, seq, t_ms, value, code, oper, batch,"
        " n) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    for (size_t i = 0; i < n; i++) {
        int rc;

        sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, p[i].seq);
        sqlite3_bind_int64(st, 3, p[i].t_ms);
        sqlite3_bind_double(st, 4, p[i].value);
        sqlite3_bind_text(st, 5, p[i].code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, p[i].oper, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, p[i].batch);
        sqlite3_bind_int64(st, 8, p[i].size);
        if ((rc = zl_sqlite_step_write(st)))
            return rc;
    }
    return 0;
}

static int points(zl_store *s, const char *stream, int64_t from, int64_t to,
                  zl_store_spc_point_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT seq, t_ms, value, code, oper, batch, n FROM spc_points"
        " WHERE stream = ?1 AND seq >= ?2 AND (?3 <= 0 OR seq < ?3)"
        " ORDER BY seq";
    sqlite3_stmt *st = NULL;
    int rc, x = 0;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct zl_store_spc_point p;

        p.seq = sqlite3_column_int64(st, 0);
        p.t_ms = sqlite3_column_int64(st, 1);
        p.value = sqlite3_column_double(st, 2);
        p.code = zl_sqlite_text(st, 3);
        p.oper = zl_sqlite_text(st, 4);
        p.batch = sqlite3_column_int64(st, 5);
        p.size = sqlite3_column_int64(st, 6);
        if ((x = cb(ctx, &p)))
            break;
    }
    sqlite3_finalize(st);
    if (x)
        return x;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int state_put(zl_store *s, const char *stream,
                     const struct zl_store_spc_state *v)
{
    static const char SQL[] =
        "INSERT OR REPLACE INTO spc_state(stream, n_values, n_points,"
        " n_alarms, n_batches, state) VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v->n_values);
    sqlite3_bind_int64(st, 3, v->n_points);
    sqlite3_bind_int64(st, 4, v->n_alarms);
    sqlite3_bind_int64(st, 5, v->n_batches);
    sqlite3_bind_text(st, 6, v->state, (int)v->len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int state_get(zl_store *s, const char *stream,
                     struct zl_store_spc_state *v)
{
    static const char SQL[] =
        "SELECT n_values, n_points, n_alarms, n_batches, state FROM spc_state"
        " WHERE stream = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc, x = 0;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        v->n_values = sqlite3_column_int64(st, 0);
        v->n_points = sqlite3_column_int64(st, 1);
        v->n_alarms = sqlite3_column_int64(st, 2);
        v->n_batches = sqlite3_column_int64(st, 3);
        v->len = (size_t)sqlite3_column_bytes(st, 4);
        v->state = zl_strndup(zl_sqlite_text(st, 4), v->len);
        x = v->state ? 0 : ZL_ENOMEM;
    } else {
        x = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
    }
    sqlite3_reset(st);
    return x;
}

const struct zl_store_spc_ops zl_sqlite_spc_ops = {
    .base = {.name = "spc", .schema = spc_schema},
    .record_put = record_put,
    .records = records,
    .points_put = points_put,
    .points = points,
    .state_put = state_put,
    .state_get = state_get,
};
