/*
 * pg_risk.c - store_risk.h on PostgreSQL, the twin of sqlite_risk.c;
 * conventions in pg_int.h.
 *
 * id is text COLLATE "C" so the ORDER BY (received_ms, id) is bytewise as
 * on SQLite. A report put twice is ZL_EEXIST through ON CONFLICT DO
 * NOTHING and the affected-row count (a failed statement would abort the
 * caller's transaction). Listings stream (zl_pg_stream).
 */
#include "store/pg_int.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS risk_reports("
    " id text COLLATE \"C\" PRIMARY KEY, kind text NOT NULL,"
    " received_ms bigint NOT NULL, leaf bigint NOT NULL, day text NOT NULL,"
    " gtin text NOT NULL, lot text NOT NULL, enterprise text NOT NULL,"
    " category text NOT NULL, region text NOT NULL, json text NOT NULL);"
    "CREATE INDEX IF NOT EXISTS risk_reports_received"
    " ON risk_reports(received_ms, id);"
    "CREATE TABLE IF NOT EXISTS risk_pii("
    " id text COLLATE \"C\" PRIMARY KEY, salt bytea NOT NULL,"
    " nonce bytea NOT NULL, blob bytea NOT NULL);"
    "ALTER TABLE risk_pii ADD COLUMN IF NOT EXISTS key_id text NOT NULL"
    " DEFAULT '';"
    "CREATE TABLE IF NOT EXISTS risk_steps("
    " report_id text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " at_ms bigint NOT NULL, leaf bigint NOT NULL, action text NOT NULL,"
    " actor text NOT NULL, json text NOT NULL, PRIMARY KEY(report_id, seq));"
    "CREATE TABLE IF NOT EXISTS risk_keys("
    " key_id text COLLATE \"C\" PRIMARY KEY, created_ms bigint NOT NULL,"
    " retired_ms bigint NOT NULL);"
    "ALTER TABLE risk_keys ADD COLUMN IF NOT EXISTS leaf bigint NOT NULL"
    " DEFAULT -1;"
    "CREATE TABLE IF NOT EXISTS risk_dispo("
    " case_id text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " at_ms bigint NOT NULL, leaf bigint NOT NULL, action text NOT NULL,"
    " actor text NOT NULL, json text NOT NULL, PRIMARY KEY(case_id, seq));";

static int risk_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static int put(zl_store *s, const struct zl_store_risk_report *r,
               const struct zl_store_risk_pii *pii)
{
    static const char SQL[] =
        "INSERT INTO risk_reports(id, kind, received_ms, leaf, day, gtin, lot,"
        " enterprise, category, region, json) VALUES($1, $2, $3, $4, $5, $6,"
        " $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING";
    static const char PII[] =
        "INSERT INTO risk_pii(id, salt, nonce, blob, key_id)"
        " VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    const char *t[6] = {r->day,        r->gtin,     r->lot,
                        r->enterprise, r->category, r->region};
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, r->id);
    zl_pg_text(&p, r->kind);
    zl_pg_int(&p, r->received_ms);
    zl_pg_int(&p, r->leaf);
    for (int i = 0; i < 6; i++)
        zl_pg_text(&p, t[i] ? t[i] : "");
    zl_pg_textn(&p, r->json, r->len);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    if (!n)
        return ZL_EEXIST;
    if (!pii)
        return 0;
    zl_pg_params_init(&p);
    zl_pg_text(&p, pii->id);
    zl_pg_blob(&p, pii->salt, pii->salt_len);
    zl_pg_blob(&p, pii->nonce, pii->nonce_len);
    zl_pg_blob(&p, pii->blob, pii->blob_len);
    zl_pg_text(&p, pii->key_id ? pii->key_id : "");
    if ((rc = zl_pg_do(s, PII, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

struct each {
    zl_store_risk_cb cb;
    void *ctx;
    int found;
};

static int row_cb(void *ctx, const PGresult *r, int i)
{
    struct each *e = ctx;
    struct zl_store_risk_report rec;

    rec.id = zl_pg_str_or_empty(r, i, 0);
    rec.kind = zl_pg_str_or_empty(r, i, 1);
    rec.received_ms = zl_pg_i64(r, i, 2);
    rec.leaf = zl_pg_i64(r, i, 3);
    rec.day = zl_pg_str_or_empty(r, i, 4);
    rec.gtin = zl_pg_str_or_empty(r, i, 5);
    rec.lot = zl_pg_str_or_empty(r, i, 6);
    rec.enterprise = zl_pg_str_or_empty(r, i, 7);
    rec.category = zl_pg_str_or_empty(r, i, 8);
    rec.region = zl_pg_str_or_empty(r, i, 9);
    rec.json = zl_pg_str_or_empty(r, i, 10);
    rec.len = zl_pg_len(r, i, 10);
    e->found = 1;
    return e->cb(e->ctx, &rec);
}

#define COLS                                                                   \
    "id, kind, received_ms, leaf, day, gtin, lot, enterprise, category,"       \
    " region, json"

static int get(zl_store *s, const char *id, zl_store_risk_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM risk_reports WHERE id = $1";
    struct zl_pg_params p;
    struct each e = {cb, ctx, 0};
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    /* the whole (one-row) result in memory: cb may use the store */
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
        rc = row_cb(&e, r, i);
    PQclear(r);
    return rc ? rc : e.found ? 0 : ZL_ENOTFOUND;
}

static int list(zl_store *s, const char *kind, zl_store_risk_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM risk_reports"
                              " WHERE $1::text IS NULL OR kind = $1::text"
                              " ORDER BY received_ms, id";
    struct zl_pg_params p;
    struct each e = {cb, ctx, 0};

    zl_pg_params_init(&p);
    if (kind)
        zl_pg_text(&p, kind);
    else
        zl_pg_null(&p);
    return zl_pg_stream(s, SQL, &p, row_cb, &e);
}

static int pii_get(zl_store *s, const char *id, zl_store_risk_pii_cb cb,
                   void *ctx)
{
    static const char SQL[] =
        "SELECT salt, nonce, blob, key_id FROM risk_pii WHERE id = $1";
    struct zl_store_risk_pii pi;
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    if (PQntuples(r) < 1) {
        PQclear(r);
        return ZL_ENOTFOUND;
    }
    pi.id = id;
    pi.salt = zl_pg_bytes(r, 0, 0);
    pi.salt_len = zl_pg_len(r, 0, 0);
    pi.nonce = zl_pg_bytes(r, 0, 1);
    pi.nonce_len = zl_pg_len(r, 0, 1);
    pi.blob = zl_pg_bytes(r, 0, 2);
    pi.blob_len = zl_pg_len(r, 0, 2);
    pi.key_id = zl_pg_str_or_empty(r, 0, 3);
    rc = cb(ctx, &pi);
    PQclear(r);
    return rc;
}

/* The two step tables (a report's handling, risk_steps; a case's
 * disposal, risk_dispo) have one shape: (owner id, seq, at_ms, leaf,
 * action, actor, json); sql is the table's own INSERT or SELECT. */
static int steps_put(zl_store *s, const char *sql,
                     const struct zl_store_risk_step *r)
{
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, r->report_id);
    zl_pg_int(&p, r->seq);
    zl_pg_int(&p, r->at_ms);
    zl_pg_int(&p, r->leaf);
    zl_pg_text(&p, r->action);
    zl_pg_text(&p, r->actor);
    zl_pg_textn(&p, r->json, r->len);
    if ((rc = zl_pg_do(s, sql, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

struct step_each {
    zl_store_risk_step_cb cb;
    void *ctx;
};

static int step_row(void *ctx, const PGresult *r, int i)
{
    struct step_each *e = ctx;
    struct zl_store_risk_step st;

    st.report_id = zl_pg_str_or_empty(r, i, 0);
    st.seq = zl_pg_i64(r, i, 1);
    st.at_ms = zl_pg_i64(r, i, 2);
    st.leaf = zl_pg_i64(r, i, 3);
    st.action = zl_pg_str_or_empty(r, i, 4);
    st.actor = zl_pg_str_or_empty(r, i, 5);
    st.json = zl_pg_str_or_empty(r, i, 6);
    st.len = zl_pg_len(r, i, 6);
    return e->cb(e->ctx, &st);
}

static int steps_list(zl_store *s, const char *sql, const char *id,
                      zl_store_risk_step_cb cb, void *ctx)
{
    struct zl_pg_params p;
    struct step_each e = {cb, ctx};

    zl_pg_params_init(&p);
    if (id)
        zl_pg_text(&p, id);
    else
        zl_pg_null(&p);
    return zl_pg_stream(s, sql, &p, step_row, &e);
}

static int step_put(zl_store *s, const struct zl_store_risk_step *r)
{
    static const char SQL[] =
        "INSERT INTO risk_steps(report_id, seq, at_ms, leaf, action, actor,"
        " json) VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";

    return steps_put(s, SQL, r);
}

static int step_list(zl_store *s, const char *report_id,
                     zl_store_risk_step_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT report_id, seq, at_ms, leaf, action, actor, json"
        " FROM risk_steps WHERE $1::text IS NULL OR report_id = $1::text"
        " ORDER BY report_id, seq";

    return steps_list(s, SQL, report_id, cb, ctx);
}

struct pii_each {
    zl_store_risk_pii_cb cb;
    void *ctx;
};

static int pii_row(void *ctx, const PGresult *r, int i)
{
    struct pii_each *e = ctx;
    struct zl_store_risk_pii pi;

    pi.id = zl_pg_str_or_empty(r, i, 0);
    pi.salt = zl_pg_bytes(r, i, 1);
    pi.salt_len = zl_pg_len(r, i, 1);
    pi.nonce = zl_pg_bytes(r, i, 2);
    pi.nonce_len = zl_pg_len(r, i, 2);
    pi.blob = zl_pg_bytes(r, i, 3);
    pi.blob_len = zl_pg_len(r, i, 3);
    pi.key_id = zl_pg_str_or_empty(r, i, 4);
    return e->cb(e->ctx, &pi);
}

static int pii_list(zl_store *s, zl_store_risk_pii_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT id, salt, nonce, blob, key_id FROM risk_pii ORDER BY id";
    struct zl_pg_params p;
    struct pii_each e = {cb, ctx};

    zl_pg_params_init(&p);
    return zl_pg_stream(s, SQL, &p, pii_row, &e);
}

static int pii_update(zl_store *s, const struct zl_store_risk_pii *pi)
{
    static const char SQL[] = "UPDATE risk_pii SET nonce = $2, blob = $3,"
                              " key_id = $4 WHERE id = $1";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, pi->id);
    zl_pg_blob(&p, pi->nonce, pi->nonce_len);
    zl_pg_blob(&p, pi->blob, pi->blob_len);
    zl_pg_text(&p, pi->key_id);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_ENOTFOUND;
}

static int key_get(zl_store *s, const char *key_id, int64_t *retired_ms)
{
    static const char SQL[] =
        "SELECT retired_ms FROM risk_keys WHERE key_id = $1";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key_id);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = PQntuples(r) < 1 ? ZL_ENOTFOUND : 0;
    if (!rc)
        *retired_ms = zl_pg_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int key_put(zl_store *s, const char *key_id, int64_t now_ms,
                   int64_t retired_ms, int64_t leaf)
{
    static const char SQL[] =
        "INSERT INTO risk_keys(key_id, created_ms, retired_ms, leaf)"
        " VALUES($1, $2, $3, $4) ON CONFLICT(key_id) DO UPDATE SET"
        " retired_ms = excluded.retired_ms, leaf = excluded.leaf";
    struct zl_pg_params p;
    int64_t n = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key_id);
    zl_pg_int(&p, now_ms);
    zl_pg_int(&p, retired_ms);
    zl_pg_int(&p, leaf);
    return zl_pg_do(s, SQL, &p, &n);
}

struct key_each {
    zl_store_risk_key_cb cb;
    void *ctx;
};

static int key_row(void *ctx, const PGresult *r, int i)
{
    struct key_each *e = ctx;
    struct zl_store_risk_key k;

    k.key_id = zl_pg_str_or_empty(r, i, 0);
    k.created_ms = zl_pg_i64(r, i, 1);
    k.retired_ms = zl_pg_i64(r, i, 2);
    k.leaf = zl_pg_i64(r, i, 3);
    return e->cb(e->ctx, &k);
}

static int key_list(zl_store *s, zl_store_risk_key_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT key_id, created_ms, retired_ms, leaf"
                              " FROM risk_keys ORDER BY key_id";
    struct zl_pg_params p;
    struct key_each e = {cb, ctx};

    zl_pg_params_init(&p);
    return zl_pg_stream(s, SQL, &p, key_row, &e);
}

static int dispo_put(zl_store *s, const struct zl_store_risk_step *r)
{
    static const char SQL[] =
        "INSERT INTO risk_dispo(case_id, seq, at_ms, leaf, action, actor,"
        " json) VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";

    return steps_put(s, SQL, r);
}

static int dispo_list(zl_store *s, const char *case_id,
                      zl_store_risk_step_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT case_id, seq, at_ms, leaf, action, actor, json"
        " FROM risk_dispo WHERE $1::text IS NULL OR case_id = $1::text"
        " ORDER BY case_id, seq";

    return steps_list(s, SQL, case_id, cb, ctx);
}

const struct zl_store_risk_ops zl_pg_risk_ops = {
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
