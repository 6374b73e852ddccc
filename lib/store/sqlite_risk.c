/*
 * sqlite_risk.c - risk reports and their personal data on SQLite (see
 * store_risk.h).
 *
 * risk_reports has an index on (received_ms, id), the order listings and
 * signals read in; risk_pii is WITHOUT ROWID on id and holds only
 * ciphertext. A report and its personal data are written in the caller's
 * transaction, so either both are there or neither.
 */
#include "store/sqlite_int.h"

#include <string.h>

static const char RISK_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS risk_reports("
    " id TEXT PRIMARY KEY, kind TEXT NOT NULL, received_ms INTEGER NOT NULL,"
    " leaf INTEGER NOT NULL, day TEXT NOT NULL, gtin TEXT NOT NULL,"
    " lot TEXT NOT NULL, enterprise TEXT NOT NULL, category TEXT NOT NULL,"
    " region TEXT NOT NULL, json TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS risk_reports_received"
    " ON risk_reports(received_ms, id);"
    "CREATE TABLE IF NOT EXISTS risk_pii("
    " id TEXT PRIMARY KEY, salt BLOB NOT NULL, nonce BLOB NOT NULL,"
    " blob BLOB NOT NULL, key_id TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS risk_steps("
    " report_id TEXT NOT NULL, seq INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
    " leaf INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,"
    " json TEXT NOT NULL, PRIMARY KEY(report_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS risk_keys("
    " key_id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL,"
    " retired_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS risk_dispo("
    " case_id TEXT NOT NULL, seq INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
    " leaf INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,"
    " json TEXT NOT NULL, PRIMARY KEY(case_id, seq)) WITHOUT ROWID;";

/* Schema 13 added risk_pii.key_id, schema 19 risk_keys.leaf: a store
 * made before has the table without it (CREATE TABLE IF NOT EXISTS left
 * it alone). */
static int risk_schema(zl_store *s)
{
    static const char HAS[] = "SELECT count(*) FROM pragma_table_info("
                              "'risk_pii') WHERE name = 'key_id'";
    static const char HAS_LEAF[] = "SELECT count(*) FROM pragma_table_info("
                                   "'risk_keys') WHERE name = 'leaf'";
    int64_t n = 0;
    int rc = zl_sqlite_exec(s, RISK_SCHEMA);

    if (!rc)
        rc = zl_sqlite_get_i64(s, HAS, &n);
    if (!rc && !n)
        rc = zl_sqlite_exec(s, "ALTER TABLE risk_pii ADD COLUMN key_id TEXT"
                               " NOT NULL DEFAULT ''");
    if (!rc)
        rc = zl_sqlite_get_i64(s, HAS_LEAF, &n);
    if (!rc && !n)
        rc = zl_sqlite_exec(s, "ALTER TABLE risk_keys ADD COLUMN leaf INTEGER"
                               " NOT NULL DEFAULT -1");
    return rc;
}

static int put(zl_store *s, const struct zl_store_risk_report *r,
               const struct zl_store_risk_pii *pii)
{
    static const char SQL[] =
        "INSERT INTO risk_reports(id, kind, received_ms, leaf, day, gtin, lot,"
        " enterprise, category, region, json) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
        " ?7, ?8, ?9, ?10, ?11)";
    static const char PII[] = "INSERT INTO risk_pii(id, salt, nonce, blob,"
                              " key_id) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    const char *t[6] = {r->day,        r->gtin,     r->lot,
                        r->enterprise, r->category, r->region};
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->received_ms);
    sqlite3_bind_int64(st, 4, r->leaf);
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, 5 + i, t[i] ? t[i] : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, r->json, (int)r->len, SQLITE_STATIC);
    if ((rc = zl_sqlite_step_write(st)))
        return rc;
    if (!pii)
        return 0;
    if (!(st = zl_sqlite_stmt(s, PII)))
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, pii->id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, pii->salt, (int)pii->salt_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, pii->nonce, (int)pii->nonce_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, pii->blob, (int)pii->blob_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, pii->key_id ? pii->key_id : "", -1, SQLITE_STATIC);
    return zl_sqlite_step_write(st);
}

/* Rows of (id, kind, received_ms, leaf, day, gtin, lot, enterprise,
 * category, region, json) into cb; finalizes st. */
static int emit(sqlite3_stmt *st, zl_store_risk_cb cb, void *ctx, int *found)
{
    struct zl_store_risk_report r;
    int rc, x = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r.id = zl_sqlite_text(st, 0);
        r.kind = zl_sqlite_text(st, 1);
        r.received_ms = sqlite3_column_int64(st, 2);
        r.leaf = sqlite3_column_int64(st, 3);
        r.day = zl_sqlite_text(st, 4);
        r.gtin = zl_sqlite_text(st, 5);
        r.lot = zl_sqlite_text(st, 6);
        r.enterprise = zl_sqlite_text(st, 7);
        r.category = zl_sqlite_text(st, 8);
        r.region = zl_sqlite_text(st, 9);
        r.json = zl_sqlite_text(st, 10);
        r.len = (size_t)sqlite3_column_bytes(st, 10);
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

#define COLS                                                                   \
    "id, kind, received_ms, leaf, day, gtin, lot, enterprise, category,"       \
    " region, json"

static int get(zl_store *s, const char *id, zl_store_risk_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM risk_reports WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    int found = 0, rc;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = emit(st, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int list(zl_store *s, const char *kind, zl_store_risk_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM risk_reports"
                              " WHERE ?1 IS NULL OR kind = ?1"
                              " ORDER BY received_ms, id";
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    if (kind)
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    return emit(st, cb, ctx, NULL);
}

static int pii_get(zl_store *s, const char *id, zl_store_risk_pii_cb cb,
                   void *ctx)
{
    static const char SQL[] =
        "SELECT salt, nonce, blob, key_id FROM risk_pii WHERE id = ?1";
    struct zl_store_risk_pii p;
    sqlite3_stmt *st = NULL;
    int rc, x = ZL_ENOTFOUND;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        p.id = id;
        p.salt = sqlite3_column_blob(st, 0);
        p.salt_len = (size_t)sqlite3_column_bytes(st, 0);
        p.nonce = sqlite3_column_blob(st, 1);
        p.nonce_len = (size_t)sqlite3_column_bytes(st, 1);
        p.blob = sqlite3_column_blob(st, 2);
        p.blob_len = (size_t)sqlite3_column_bytes(st, 2);
        p.key_id = zl_sqlite_text(st, 3);
        x = cb(ctx, &p);
    } else if (rc != SQLITE_DONE) {
        x = ZL_ESTORE;
    }
    sqlite3_finalize(st);
    return x;
}

/* The two step tables (a report's handling, risk_steps; a case's
 * disposal, risk_dispo) have one shape: (owner id, seq, at_ms, leaf,
 * action, actor, json); sql is the table's own INSERT or SELECT. */
static int steps_put(zl_store *s, const char *sql,
                     const struct zl_store_risk_step *r)
{
    sqlite3_stmt *st = zl_sqlite_stmt(s, sql);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, r->report_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->seq);
    sqlite3_bind_int64(st, 3, r->at_ms);
    sqlite3_bind_int64(st, 4, r->leaf);
    sqlite3_bind_text(st, 5, r->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->json, (int)r->len, SQLITE_STATIC);
    return zl_sqlite_step_write(st);
}

static int steps_list(zl_store *s, const char *sql, const char *id,
                      zl_store_risk_step_cb cb, void *ctx)
{
    struct zl_store_risk_step r;
    sqlite3_stmt *st = NULL;
    int rc, x = 0;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), sql, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    if (id)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r.report_id = zl_sqlite_text(st, 0);
        r.seq = sqlite3_column_int64(st, 1);
        r.at_ms = sqlite3_column_int64(st, 2);
        r.leaf = sqlite3_column_int64(st, 3);
        r.action = zl_sqlite_text(st, 4);
        r.actor = zl_sqlite_text(st, 5);
        r.json = zl_sqlite_text(st, 6);
        r.len = (size_t)sqlite3_column_bytes(st, 6);
        if ((x = cb(ctx, &r)))
            break;
    }
    sqlite3_finalize(st);
    if (x)
        return x;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int step_put(zl_store *s, const struct zl_store_risk_step *r)
{
    static const char SQL[] =
        "INSERT INTO risk_steps(report_id, seq, at_ms, leaf, action, actor,"
        " json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";

    return steps_put(s, SQL, r);
}

static int step_list(zl_store *s, const char *report_id,
                     zl_store_risk_step_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT report_id, seq, at_ms, leaf, action, actor, json"
        " FROM risk_steps WHERE ?1 IS NULL OR report_id = ?1"
        " ORDER BY report_id, seq";

    return steps_list(s, SQL, report_id, cb, ctx);
}

static int pii_list(zl_store *s, zl_store_risk_pii_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT id, salt, nonce, blob, key_id FROM risk_pii ORDER BY id";
    struct zl_store_risk_pii p;
    sqlite3_stmt *st = NULL;
    int rc, x = 0;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        p.id = zl_sqlite_text(st, 0);
        p.salt = sqlite3_column_blob(st, 1);
        p.salt_len = (size_t)sqlite3_column_bytes(st, 1);
        p.nonce = sqlite3_column_blob(st, 2);
        p.nonce_len = (size_t)sqlite3_column_bytes(st, 2);
        p.blob = sqlite3_column_blob(st, 3);
        p.blob_len = (size_t)sqlite3_column_bytes(st, 3);
        p.key_id = zl_sqlite_text(st, 4);
        if ((x = cb(ctx, &p)))
            break;
    }
    sqlite3_finalize(st);
    if (x)
        return x;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int pii_update(zl_store *s, const struct zl_store_risk_pii *p)
{
    static const char SQL[] = "UPDATE risk_pii SET nonce = ?2, blob = ?3,"
                              " key_id = ?4 WHERE id = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, p->nonce, (int)p->nonce_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, p->blob, (int)p->blob_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->key_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return ZL_ESTORE;
    return sqlite3_changes(zl_sqlite_db(s)) ? 0 : ZL_ENOTFOUND;
}

static int key_get(zl_store *s, const char *key_id, int64_t *retired_ms)
{
    static const char SQL[] =
        "SELECT retired_ms FROM risk_keys WHERE key_id = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *retired_ms = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
}

static int key_put(zl_store *s, const char *key_id, int64_t now_ms,
                   int64_t retired_ms, int64_t leaf)
{
    static const char SQL[] =
        "INSERT INTO risk_keys(key_id, created_ms, retired_ms, leaf)"
        " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(key_id) DO UPDATE SET"
        " retired_ms = excluded.retired_ms, leaf = excluded.leaf";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    sqlite3_bind_int64(st, 3, retired_ms);
    sqlite3_bind_int64(st, 4, leaf);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int key_list(zl_store *s, zl_store_risk_key_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT key_id, created_ms, retired_ms, leaf"
                              " FROM risk_keys ORDER BY key_id";
    struct zl_store_risk_key k;
    sqlite3_stmt *st = NULL;
    int rc, x = 0;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        k.key_id = zl_sqlite_text(st, 0);
        k.created_ms = sqlite3_column_int64(st, 1);
        k.retired_ms = sqlite3_column_int64(st, 2);
        k.leaf = sqlite3_column_int64(st, 3);
        if ((x = cb(ctx, &k)))
            break;
    }
    sqlite3_finalize(st);
    if (x)
        return x;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int dispo_put(zl_store *s, const struct zl_store_risk_step *r)
{
    static const char SQL[] =
        "INSERT INTO risk_dispo(case_id, seq, at_ms, leaf, action, actor,"
        " json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";

    return steps_put(s, SQL, r);
}

static int dispo_list(zl_store *s, const char *case_id,
                      zl_store_risk_step_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT case_id, seq, at_ms, leaf, action, actor, json"
        " FROM risk_dispo WHERE ?1 IS NULL OR case_id = ?1"
        " ORDER BY case_id, seq";

    return steps_list(s, SQL, case_id, cb, ctx);
}

const struct zl_store_risk_ops zl_sqlite_risk_ops = {
    .base = {.name = "risk", .schema = risk_schema},
    .put = put,
    .get = get,
    .list = list,
    .pii_get = pii_get,
    .step_put = step_put,
    .step_list = step_list,
    .pii_list = pii_list,
    .pii_update = pii_update,
    .key_get = key_get,
    .key_put = key_put,
    .dispo_put = dispo_put,
    .dispo_list = dispo_list,
    .key_list = key_list,
};
