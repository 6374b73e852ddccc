/*
 * pg_sup.c - store_sup.h on PostgreSQL, the twin of sqlite_sup.c;
 * conventions in pg_int.h.
 *
 * sup_records(key, seq) with key text COLLATE "C", so a key range and the
 * ORDER BY are bytewise as on SQLite: the draw reads enterprises in USCC
 * order and inspectors in id order on both backends. A record put twice
 * is ZL_EEXIST through ON CONFLICT DO NOTHING and the affected-row count.
 * Ranges stream (zl_pg_stream): a national registry is millions of rows.
 */
#include "store/pg_int.h"

#include "util/alloc.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS sup_records("
    " key text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " kind text NOT NULL, leaf bigint NOT NULL, json text NOT NULL,"
    " PRIMARY KEY(key, seq));"
    /* schema 18: the credit index (store_sup.h); a store made before
     * gets the column here */
    "ALTER TABLE sup_records ADD COLUMN IF NOT EXISTS"
    " uscc text COLLATE \"C\" NOT NULL DEFAULT '';"
    "CREATE INDEX IF NOT EXISTS sup_records_uscc ON sup_records(uscc, key,"
    " seq) WHERE uscc <> '';";

static int sup_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static int put(zl_store *s, const struct zl_store_sup_record *r)
{
    static const char SQL[] =
        "INSERT INTO sup_records(key, seq, kind, leaf, json, uscc)"
        " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, r->key);
    zl_pg_int(&p, r->seq);
    zl_pg_text(&p, r->kind);
    zl_pg_int(&p, r->leaf);
    zl_pg_textn(&p, r->json, r->len);
    zl_pg_text(&p, r->uscc ? r->uscc : "");
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

struct each {
    zl_store_sup_cb cb;
    void *ctx;
    int found;
};

static int row_cb(void *ctx, const PGresult *r, int i)
{
    struct each *e = ctx;
    struct zl_store_sup_record rec;

    rec.key = zl_pg_str_or_empty(r, i, 0);
    rec.seq = (long)zl_pg_i64(r, i, 1);
    rec.kind = zl_pg_str_or_empty(r, i, 2);
    rec.leaf = zl_pg_i64(r, i, 3);
    rec.json = zl_pg_str_or_empty(r, i, 4);
    rec.len = zl_pg_len(r, i, 4);
    rec.uscc = zl_pg_str_or_empty(r, i, 5);
    e->found = 1;
    return e->cb(e->ctx, &rec);
}

static int get(zl_store *s, const char *key, long seq, zl_store_sup_cb cb,
               void *ctx)
{
    static const char SQL[] =
        "SELECT key, seq, kind, leaf, json, uscc FROM sup_records WHERE key = "
        "$1"
        " AND (($2::bigint = 0 AND seq = (SELECT MAX(seq) FROM sup_records"
        " WHERE key = $1)) OR seq = $2::bigint)";
    struct zl_pg_params p;
    struct each e = {cb, ctx, 0};
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    zl_pg_int(&p, seq);
    /* the whole (one-row) result in memory: cb may use the store */
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
        rc = row_cb(&e, r, i);
    PQclear(r);
    return rc ? rc : e.found ? 0 : ZL_ENOTFOUND;
}

static int last_seq(zl_store *s, const char *key, long *seq)
{
    int64_t v = 0;
    int rc = zl_pg_get_i64_text(s,
                                "SELECT COALESCE(MAX(seq), 0)::bigint FROM"
                                " sup_records WHERE key = $1",
                                key, &v);

    *seq = (long)v;
    return rc;
}

static int range(zl_store *s, const char *lo, const char *hi, int64_t before,
                 zl_store_sup_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT key, seq, kind, leaf, json, uscc FROM sup_records"
        " WHERE key >= $1 AND key < $2 AND ($3::bigint < 0 OR leaf < $3)"
        " ORDER BY key, seq";
    struct zl_pg_params p;
    struct each e = {cb, ctx, 0};

    zl_pg_params_init(&p);
    zl_pg_text(&p, lo);
    zl_pg_text(&p, hi);
    zl_pg_int(&p, before);
    return zl_pg_stream(s, SQL, &p, row_cb, &e);
}

static int by_uscc(zl_store *s, const char *uscc, zl_store_sup_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT key, seq, kind, leaf, json, uscc FROM sup_records"
        " WHERE uscc = $1 AND uscc <> '' ORDER BY uscc, key, seq";
    struct zl_pg_params p;
    struct each e = {cb, ctx, 0};

    zl_pg_params_init(&p);
    zl_pg_text(&p, uscc);
    return zl_pg_stream(s, SQL, &p, row_cb, &e);
}

static int set_uscc(zl_store *s, const char *key, long seq, const char *uscc)
{
    static const char SQL[] =
        "UPDATE sup_records SET uscc = $3 WHERE key = $1 AND seq = $2";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    zl_pg_int(&p, seq);
    zl_pg_text(&p, uscc ? uscc : "");
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_ENOTFOUND;
}

const struct zl_store_sup_ops zl_pg_sup_ops = {
    .base = {.name = "supervise", .schema = sup_schema},
    .put = put,
    .get = get,
    .last_seq = last_seq,
    .range = range,
    .by_uscc = by_uscc,
    .set_uscc = set_uscc,
};
