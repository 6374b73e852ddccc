/*
 * pg_spc.c - store_spc.h on PostgreSQL, the twin of sqlite_spc.c;
 * conventions in pg_int.h.
 *
 * An append call's points go in as one INSERT ... SELECT FROM unnest() of
 * five arrays (one round trip per call, not per measurement: at 100k
 * measurements/s a round trip each would be the whole budget). Keys are
 * text COLLATE "C" so the ORDER BY stream is bytewise as on SQLite. A
 * record put twice is ZL_EEXIST through ON CONFLICT DO NOTHING and the
 * affected-row count; the state row is an upsert.
 */
#include "store/pg_int.h"
#include "store/spc_backend.h"

#include "util/alloc.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS spc_records("
    " stream text COLLATE \"C\" NOT NULL, kind text NOT NULL,"
    " seq bigint NOT NULL, leaf bigint NOT NULL, json text NOT NULL,"
    " PRIMARY KEY(stream, kind, seq));"
    "CREATE TABLE IF NOT EXISTS spc_points("
    " stream text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " t_ms bigint NOT NULL, value double precision NOT NULL,"
    " code text NOT NULL, oper text NOT NULL, batch bigint NOT NULL,"
    " PRIMARY KEY(stream, seq));"
    /* schema 16: a sample's own size (0: the stream's) */
    "ALTER TABLE spc_points ADD COLUMN IF NOT EXISTS n bigint NOT NULL"
    " DEFAULT 0;"
    "CREATE TABLE IF NOT EXISTS spc_state("
    " stream text COLLATE \"C\" PRIMARY KEY, n_values bigint NOT NULL,"
    " n_points bigint NOT NULL, n_alarms bigint NOT NULL,"
    " n_batches bigint NOT NULL, state text NOT NULL);";

static int spc_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static int record_put(zl_store *s, const struct zl_store_spc_record *r)
{
    static const char SQL[] =
        "INSERT INTO spc_records(stream, kind, seq, leaf, json)"
        " VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, r->stream);
    zl_pg_text(&p, r->kind);
    zl_pg_int(&p, r->seq);
    zl_pg_int(&p, r->leaf);
    zl_pg_textn(&p, r->json, r->len);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

static int records(zl_store *s, const char *stream, const char *kind,
                   int64_t after, size_t limit, zl_store_spc_record_cb cb,
                   void *ctx)
{
    /* two statements: "$1 IS NULL OR stream = $1" would scan the table */
    static const char ONE[] =
        "SELECT stream, kind, seq, leaf, json FROM spc_records"
        " WHERE stream = $1::text AND kind = $2::text"
        " AND seq > $3::bigint ORDER BY stream, seq"
        " LIMIT CASE WHEN $4::bigint > 0 THEN $4::bigint END";
    static const char ALL[] =
        "SELECT stream, kind, seq, leaf, json FROM spc_records"
        " WHERE kind = $1::text AND seq > $2::bigint ORDER BY stream, seq"
        " LIMIT CASE WHEN $3::bigint > 0 THEN $3::bigint END";
    struct zl_pg_params p;
    PGresult *r;
    int rc = 0;

    zl_pg_params_init(&p);
    if (stream)
        zl_pg_text(&p, stream);
    zl_pg_text(&p, kind);
    zl_pg_int(&p, after);
    zl_pg_int(&p, (int64_t)limit);
    /* the whole result in memory: cb may use the store */
    if (!(r = zl_pg_run(s, stream ? ONE : ALL, &p, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        struct zl_store_spc_record rec;

        rec.stream = zl_pg_str_or_empty(r, i, 0);
        rec.kind = zl_pg_str_or_empty(r, i, 1);
        rec.seq = zl_pg_i64(r, i, 2);
        rec.leaf = zl_pg_i64(r, i, 3);
        rec.json = zl_pg_str_or_empty(r, i, 4);
        rec.len = zl_pg_len(r, i, 4);
        rc = cb(ctx, &rec);
    }
    PQclear(r);
    return rc;
}

static int points_put(zl_store *s, const char *stream,
                      const struct zl_store_spc_point *pts, size_t n)
{
    static const char SQL[] =
        "INSERT INTO spc_points(stream, seq, t_ms, value, code, oper, batch,"
        " n) SELECT $1::text, u.s, u.t, u.v, u.c, u.o, $7::bigint, u.n FROM"
        " unnest($2::bigint[], $3::bigint[], $4::float8[], $5::text[],"
        " $6::text[], $8::bigint[]) AS u(s, t, v, c, o, n)";
    struct zl_pg_params p;
    struct zl_buf b[6];
    int64_t done = 0;
    int rc = 0;

    for (int k = 0; k < 6; k++)
        zl_buf_init(&b[k], (size_t)1 << 30);
    zl_pg_params_init(&p);
    zl_pg_text(&p, stream);
    rc = zl_pg_array_begin(&b[0], ZL_PG_OID_INT8, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_i64(&b[0], pts[i].seq);
    if ((rc = zl_pg_array_end(&p, &b[0], rc)))
        goto out;
    rc = zl_pg_array_begin(&b[1], ZL_PG_OID_INT8, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_i64(&b[1], pts[i].t_ms);
    if ((rc = zl_pg_array_end(&p, &b[1], rc)))
        goto out;
    rc = zl_pg_array_begin(&b[2], ZL_PG_OID_FLOAT8, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_f64(&b[2], pts[i].value);
    if ((rc = zl_pg_array_end(&p, &b[2], rc)))
        goto out;
    rc = zl_pg_array_begin(&b[3], ZL_PG_OID_TEXT, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_elem(&b[3], pts[i].code, strlen(pts[i].code));
    if ((rc = zl_pg_array_end(&p, &b[3], rc)))
        goto out;
    rc = zl_pg_array_begin(&b[4], ZL_PG_OID_TEXT, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_elem(&b[4], pts[i].oper, strlen(pts[i].oper));
    if ((rc = zl_pg_array_end(&p, &b[4], rc)))
        goto out;
    zl_pg_int(&p, pts[0].batch);
    rc = zl_pg_array_begin(&b[5], ZL_PG_OID_INT8, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_i64(&b[5], pts[i].size);
    if ((rc = zl_pg_array_end(&p, &b[5], rc)))
        goto out;
    rc = zl_pg_do(s, SQL, &p, &done);
out:
    for (int k = 0; k < 6; k++)
        zl_buf_cleanup(&b[k]);
    return rc;
}

struct each {
    zl_store_spc_point_cb cb;
    void *ctx;
};

static int point_cb(void *ctx, const PGresult *r, int i)
{
    struct each *e = ctx;
    struct zl_store_spc_point pt;

    pt.seq = zl_pg_i64(r, i, 0);
    pt.t_ms = zl_pg_i64(r, i, 1);
    pt.value = zl_pg_f64(r, i, 2);
    pt.code = zl_pg_str_or_empty(r, i, 3);
    pt.oper = zl_pg_str_or_empty(r, i, 4);
    pt.batch = zl_pg_i64(r, i, 5);
    pt.size = zl_pg_i64(r, i, 6);
    return e->cb(e->ctx, &pt);
}

static int points(zl_store *s, const char *stream, int64_t from, int64_t to,
                  zl_store_spc_point_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT seq, t_ms, value, code, oper, batch, n FROM spc_points"
        " WHERE stream = $1::text AND seq >= $2::bigint"
        " AND ($3::bigint <= 0 OR seq < $3::bigint) ORDER BY seq";
    struct zl_pg_params p;
    struct each e = {cb, ctx};

    zl_pg_params_init(&p);
    zl_pg_text(&p, stream);
    zl_pg_int(&p, from);
    zl_pg_int(&p, to);
    return zl_pg_stream(s, SQL, &p, point_cb, &e);
}

static int state_put(zl_store *s, const char *stream,
                     const struct zl_store_spc_state *v)
{
    static const char SQL[] =
        "INSERT INTO spc_state(stream, n_values, n_points, n_alarms,"
        " n_batches, state) VALUES($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT(stream) DO UPDATE SET n_values = EXCLUDED.n_values,"
        " n_points = EXCLUDED.n_points, n_alarms = EXCLUDED.n_alarms,"
        " n_batches = EXCLUDED.n_batches, state = EXCLUDED.state";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, stream);
    zl_pg_int(&p, v->n_values);
    zl_pg_int(&p, v->n_points);
    zl_pg_int(&p, v->n_alarms);
    zl_pg_int(&p, v->n_batches);
    zl_pg_textn(&p, v->state, v->len);
    return zl_pg_do(s, SQL, &p, NULL);
}

static int state_get(zl_store *s, const char *stream,
                     struct zl_store_spc_state *v)
{
    static const char SQL[] =
        "SELECT n_values, n_points, n_alarms, n_batches, state FROM spc_state"
        " WHERE stream = $1::text";
    struct zl_pg_params p;
    PGresult *r;
    int rc = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, stream);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    if (PQntuples(r) < 1) {
        rc = ZL_ENOTFOUND;
    } else {
        v->n_values = zl_pg_i64(r, 0, 0);
        v->n_points = zl_pg_i64(r, 0, 1);
        v->n_alarms = zl_pg_i64(r, 0, 2);
        v->n_batches = zl_pg_i64(r, 0, 3);
        v->len = zl_pg_len(r, 0, 4);
        v->state = zl_strndup(zl_pg_str_or_empty(r, 0, 4), v->len);
        rc = v->state ? 0 : ZL_ENOMEM;
    }
    PQclear(r);
    return rc;
}

const struct zl_store_spc_ops zl_pg_spc_ops = {
    .base = {.name = "spc", .schema = spc_schema},
    .record_put = record_put,
    .records = records,
    .points_put = points_put,
    .points = points,
    .state_put = state_put,
    .state_get = state_get,
};
