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
    " blob BLOB NOT NULL) WITHOUT ROWID;";

static int risk_schema(zl_store *s)
{
    return zl_sqlite_exec(s, RISK_SCHEMA);
}

static int put(zl_store *s, const struct zl_store_risk_report *r,
               const struct zl_store_risk_pii *pii)
{
    static const char SQL[] =
        "INSERT INTO risk_reports(id, kind, received_ms, leaf, day, gtin, lot,"
        " enterprise, category, region, json) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
        " ?7, ?8, ?9, ?10, ?11)";
    static const char PII[] = "INSERT INTO risk_pii(id, salt, nonce, blob)"
                              " VALUES(?1, ?2, ?3, ?4)";
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
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT)
        return ZL_EEXIST;
    if (rc != SQLITE_DONE)
        return ZL_ESTORE;
    if (!pii)
        return 0;
    if (!(st = zl_sqlite_stmt(s, PII)))
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, pii->id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, pii->salt, (int)pii->salt_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, pii->nonce, (int)pii->nonce_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, pii->blob, (int)pii->blob_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT)
        return ZL_EEXIST;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
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
        "SELECT salt, nonce, blob FROM risk_pii WHERE id = ?1";
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
        x = cb(ctx, &p);
    } else if (rc != SQLITE_DONE) {
        x = ZL_ESTORE;
    }
    sqlite3_finalize(st);
    return x;
}

const struct zl_store_risk_ops zl_sqlite_risk_ops = {
    .base = {.name = "risk", .schema = risk_schema},
    .put = put,
    .get = get,
    .list = list,
    .pii_get = pii_get,
};
