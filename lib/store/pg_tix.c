/*
 * pg_tix.c - the persistent trace index's tables on PostgreSQL (the
 * operations of backend.h's zl_store_tix_ops; formats in tix.c).
 *
 * The same three tables as on SQLite, bigint-keyed. Every batch is one
 * statement over array parameters (one round trip a trace level, not one
 * a key): ids = ANY($1), ranges by unnest(lo, hi) WITH ORDINALITY joined
 * LATERAL to the table, writes by INSERT ... SELECT unnest ... ON
 * CONFLICT DO UPDATE. Range reads stream (zl_pg_stream), so verify's scan
 * of the whole index holds one row in memory.
 */
#include "store/pg_int.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS trace_keys(kid bigint PRIMARY KEY,"
    " h bigint NOT NULL, key text COLLATE \"C\" NOT NULL);"
    "CREATE INDEX IF NOT EXISTS trace_keys_h ON trace_keys(h);"
    "CREATE TABLE IF NOT EXISTS trace_events(eid bigint PRIMARY KEY,"
    " rec bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS trace_adj(id bigint PRIMARY KEY,"
    " rows bytea NOT NULL);";

static int tix_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static const char *const GET[] = {
    "SELECT kid, h, key FROM trace_keys WHERE kid = ANY($1::bigint[])",
    "SELECT eid, 0::bigint, rec FROM trace_events"
    " WHERE eid = ANY($1::bigint[])",
    "SELECT id, 0::bigint, rows FROM trace_adj WHERE id = ANY($1::bigint[])"};
static const char *const RANGE[] = {
    "SELECT t.kid, t.h, t.key FROM unnest($1::bigint[], $2::bigint[])"
    " WITH ORDINALITY AS r(lo, hi, o) CROSS JOIN LATERAL (SELECT kid, h, key"
    " FROM trace_keys WHERE kid BETWEEN r.lo AND r.hi) t ORDER BY r.o, t.kid",
    "SELECT t.eid, 0::bigint, t.rec FROM unnest($1::bigint[], $2::bigint[])"
    " WITH ORDINALITY AS r(lo, hi, o) CROSS JOIN LATERAL (SELECT eid, rec"
    " FROM trace_events WHERE eid BETWEEN r.lo AND r.hi) t"
    " ORDER BY r.o, t.eid",
    "SELECT t.id, 0::bigint, t.rows FROM unnest($1::bigint[], $2::bigint[])"
    " WITH ORDINALITY AS r(lo, hi, o) CROSS JOIN LATERAL (SELECT id, rows"
    " FROM trace_adj WHERE id BETWEEN r.lo AND r.hi) t ORDER BY r.o, t.id"};
static const char *const LAST[] = {
    "SELECT t.kid, t.h, t.key FROM unnest($1::bigint[], $2::bigint[])"
    " AS r(lo, hi) CROSS JOIN LATERAL (SELECT kid, h, key FROM trace_keys"
    " WHERE kid BETWEEN r.lo AND r.hi ORDER BY kid DESC LIMIT 1) t",
    "SELECT t.eid, 0::bigint, t.rec FROM unnest($1::bigint[], $2::bigint[])"
    " AS r(lo, hi) CROSS JOIN LATERAL (SELECT eid, rec FROM trace_events"
    " WHERE eid BETWEEN r.lo AND r.hi ORDER BY eid DESC LIMIT 1) t",
    "SELECT t.id, 0::bigint, t.rows FROM unnest($1::bigint[], $2::bigint[])"
    " AS r(lo, hi) CROSS JOIN LATERAL (SELECT id, rows FROM trace_adj"
    " WHERE id BETWEEN r.lo AND r.hi ORDER BY id DESC LIMIT 1) t"};
static const char *const PUT[] = {
    "INSERT INTO trace_keys(kid, h, key) SELECT * FROM unnest($1::bigint[],"
    " $2::bigint[], $3::text[]) ON CONFLICT (kid) DO UPDATE"
    " SET h = EXCLUDED.h, key = EXCLUDED.key",
    "INSERT INTO trace_events(eid, rec) SELECT * FROM unnest($1::bigint[],"
    " $2::bytea[]) ON CONFLICT (eid) DO UPDATE SET rec = EXCLUDED.rec",
    "INSERT INTO trace_adj(id, rows) SELECT * FROM unnest($1::bigint[],"
    " $2::bytea[]) ON CONFLICT (id) DO UPDATE SET rows = EXCLUDED.rows"};
static const char *const MAX[] = {
    "SELECT coalesce(max(kid), 0)::bigint FROM trace_keys",
    "SELECT coalesce(max(eid), 0)::bigint FROM trace_events",
    "SELECT coalesce(max(id), 0)::bigint FROM trace_adj"};

struct row_ctx {
    zl_tix_rows_cb cb;
    void *ctx;
};

static int row_of(const PGresult *r, int row, struct zl_tix_row *out)
{
    out->id = zl_pg_i64(r, row, 0);
    out->h = zl_pg_i64(r, row, 1);
    out->p = zl_pg_bytes(r, row, 2);
    out->n = zl_pg_len(r, row, 2);
    if (out->p == NULL)
        out->p = "";
    out->p2 = NULL; /* ZL_TIX_EVENTS_HASHED is SQLite's alone */
    out->n2 = 0;
    return 0;
}

static int stream_cb(void *ctx, const PGresult *r, int row)
{
    struct row_ctx *c = ctx;
    struct zl_tix_row x;

    row_of(r, row, &x);
    return c->cb(c->ctx, &x);
}

/* Run sql with the bigint arrays a[0..n) (and b[0..n) when b is given),
 * calling cb for each row. */
static int run_rows(zl_store *s, const char *sql, const int64_t *a,
                    const int64_t *b, size_t n, int stream, zl_tix_rows_cb cb,
                    void *ctx)
{
    struct row_ctx c = {cb, ctx};
    struct zl_pg_params p;
    struct zl_buf ba, bb;
    PGresult *r;
    int rc;

    if (!n)
        return 0;
    zl_buf_init(&ba, (size_t)1 << 30);
    zl_buf_init(&bb, (size_t)1 << 30);
    zl_pg_params_init(&p);
    rc = zl_pg_i64_array(&p, &ba, a, n);
    if (!rc && b)
        rc = zl_pg_i64_array(&p, &bb, b, n);
    if (!rc && stream) {
        rc = zl_pg_stream(s, sql, &p, stream_cb, &c);
    } else if (!rc && (r = zl_pg_run(s, sql, &p, &rc)) != NULL) {
        for (int i = 0; i < PQntuples(r) && !rc; i++)
            rc = stream_cb(&c, r, i);
        PQclear(r);
    }
    zl_buf_cleanup(&ba);
    zl_buf_cleanup(&bb);
    return rc;
}

static int tix_get(zl_store *s, enum zl_tix_table t, const int64_t *ids,
                   size_t n, zl_tix_rows_cb cb, void *ctx)
{
    return run_rows(s, GET[t], ids, NULL, n, 0, cb, ctx);
}

static int tix_keys_by_hash(zl_store *s, const int64_t *h, size_t n,
                            zl_tix_rows_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT kid, h, key FROM trace_keys"
                              " WHERE h = ANY($1::bigint[])";

    return run_rows(s, SQL, h, NULL, n, 0, cb, ctx);
}

static int tix_ranges(zl_store *s, enum zl_tix_table t, const int64_t *lo,
                      const int64_t *hi, size_t n, int last, zl_tix_rows_cb cb,
                      void *ctx)
{
    /* a whole-table range streams; batches of small ranges come at once */
    int stream = n == 1 && lo[0] == INT64_MIN;

    return run_rows(s, last ? LAST[t] : RANGE[t], lo, hi, n, stream, cb, ctx);
}

static int tix_put(zl_store *s, enum zl_tix_table t,
                   const struct zl_tix_row *rows, size_t n)
{
    struct zl_pg_params p;
    struct zl_buf ids, hs, vals;
    int rc;

    if (!n)
        return 0;
    zl_buf_init(&ids, (size_t)1 << 30);
    zl_buf_init(&hs, (size_t)1 << 30);
    zl_buf_init(&vals, (size_t)1 << 30);
    zl_pg_params_init(&p);
    rc = zl_pg_array_begin(&ids, ZL_PG_OID_INT8, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_i64(&ids, rows[i].id);
    rc = zl_pg_array_end(&p, &ids, rc);
    if (t == ZL_TIX_KEYS) {
        rc = rc ? rc : zl_pg_array_begin(&hs, ZL_PG_OID_INT8, n);
        for (size_t i = 0; i < n && !rc; i++)
            rc = zl_pg_array_i64(&hs, rows[i].h);
        rc = zl_pg_array_end(&p, &hs, rc);
    }
    rc =
        rc ? rc
           : zl_pg_array_begin(
                 &vals, t == ZL_TIX_KEYS ? ZL_PG_OID_TEXT : ZL_PG_OID_BYTEA, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_elem(&vals, rows[i].p, rows[i].n);
    rc = zl_pg_array_end(&p, &vals, rc);
    if (!rc)
        rc = zl_pg_do(s, PUT[t], &p, NULL);
    zl_buf_cleanup(&ids);
    zl_buf_cleanup(&hs);
    zl_buf_cleanup(&vals);
    return rc;
}

static int tix_max_id(zl_store *s, enum zl_tix_table t, int64_t *max)
{
    return zl_pg_get_i64(s, MAX[t], NULL, max);
}

static int tix_clear(zl_store *s)
{
    static const char SQL[] =
        "DELETE FROM trace_keys;"
        " DELETE FROM trace_events; DELETE FROM trace_adj";

    return zl_pg_exec(s, SQL);
}

const struct zl_store_tix_ops zl_pg_tix_ops = {
    .base = {"tix", tix_schema},
    .get = tix_get,
    .keys_by_hash = tix_keys_by_hash,
    .ranges = tix_ranges,
    .put = tix_put,
    .max_id = tix_max_id,
    .clear = tix_clear,
};
