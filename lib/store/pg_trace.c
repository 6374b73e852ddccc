/*
 * pg_trace.c - store_trace.h on PostgreSQL, the twin of sqlite_trace.c:
 * the three sequential scans that load the in-memory trace index, and the
 * batched event metadata lookup, all without the json column (most of
 * the bytes).
 *
 * Scans stream in single-row mode (zl_pg_stream): the client holds one
 * row at a time however large the table, and the trace engine's scan
 * callbacks only fill its index, never touching the store. Rows come in
 * the SQLite backend's order: identifier rows by (id, event_time, hash,
 * role), the primary key, bytewise on id (COLLATE "C"), so each
 * identifier's rows arrive together and in time order; source and
 * destination rows by (hash, kind, type, value), bytewise too; events in
 * the table's own order (SQLite's rowid order is capture order, and
 * sorting every event would cost the server a sort of the whole table
 * for nothing the engine needs).
 *
 * events_meta answers a batch in one round trip: the events found by
 * hash = ANY($1) (one index scan with array keys; on a partitioned store
 * one query per shard, docs/scale.md) joined to unnest($1::bytea[]) WITH
 * ORDINALITY and ordered by position, so events come in the order asked,
 * absent ones skipped, as the SQLite backend's loop of point lookups gives
 * them. events_refs answers a batch the same way.
 *
 * Rejected: a cursor (needs a transaction of ours around the scan, and a
 * round trip per batch); LIMIT/keyset batches (a fresh snapshot per batch,
 * and a re-descent of the index for each).
 */
#include "store/pg_int.h"

#include "util/buf.h"

#include <string.h>

#define META_COLS                                                              \
    "e.hash, e.type, e.action, e.event_time, e.tz, e.record_time,"             \
    " e.biz_step, e.disposition, e.read_point, e.biz_location,"                \
    " e.transformation_id, e.has_error, e.party"

struct ev_ctx {
    zl_event_cb cb;
    void *ctx;
};

static int meta_row(void *ctx, const PGresult *r, int row)
{
    struct ev_ctx *c = ctx;
    struct zl_stored_event ev;

    memset(&ev, 0, sizeof ev);
    zl_pg_hash(r, row, 0, ev.hash);
    ev.type = (enum zl_event_type)zl_pg_i64(r, row, 1);
    ev.action = (enum zl_action)zl_pg_i64(r, row, 2);
    ev.event_time_ms = zl_pg_i64(r, row, 3);
    ev.tz_offset_min = (int)zl_pg_i64(r, row, 4);
    ev.record_time_ms = zl_pg_i64(r, row, 5);
    ev.biz_step = zl_pg_str(r, row, 6);
    ev.disposition = zl_pg_str(r, row, 7);
    ev.step = zl_biz_step_of(ev.biz_step, zl_pg_len(r, row, 6));
    ev.disp = zl_disposition_of(ev.disposition, zl_pg_len(r, row, 7));
    ev.read_point = zl_pg_str(r, row, 8);
    ev.biz_location = zl_pg_str(r, row, 9);
    ev.transformation_id = zl_pg_str(r, row, 10);
    ev.has_error_declaration = (int)zl_pg_i64(r, row, 11);
    ev.party = zl_pg_str(r, row, 12);
    return c->cb(c->ctx, &ev);
}

static int scan_events(zl_store *s, int64_t since_rt, zl_event_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT " META_COLS " FROM events e WHERE e.record_time >= $1::bigint";
    struct ev_ctx c = {cb, ctx};
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_int(&p, since_rt);
    return zl_pg_stream(s, SQL, &p, meta_row, &c);
}

static int events_meta(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_event_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT " META_COLS " FROM unnest($1::bytea[]) WITH ORDINALITY"
        " AS q(hash, ord) JOIN (SELECT * FROM events"
        " WHERE hash = ANY($1::bytea[]) OFFSET 0) e ON e.hash = q.hash"
        " ORDER BY q.ord";
    struct ev_ctx c = {cb, ctx};
    PGresult *r;
    int rc;

    if (!(r = zl_pg_run_hashes(s, SQL, hashes, n, &rc)))
        return rc;
    /* the whole batch is in memory: cb may read the store */
    for (int i = 0, m = PQntuples(r); i < m && !rc; i++)
        rc = meta_row(&c, r, i);
    PQclear(r);
    return rc;
}

static int events_refs(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_trace_ref_cb cb, void *ctx)
{
    /* per event in key order, as zl_store_event_refs gives them */
    static const char SQL[] =
        "SELECT hash, kind, type, value FROM event_refs"
        " WHERE hash = ANY($1::bytea[]) AND kind IN ('s', 'd')"
        " ORDER BY hash, kind, type COLLATE \"C\", value COLLATE \"C\"";
    uint8_t h[32];
    PGresult *r;
    int rc;

    if (!(r = zl_pg_run_hashes(s, SQL, hashes, n, &rc)))
        return rc;
    for (int i = 0, m = PQntuples(r); i < m && !rc; i++) {
        const char *k = zl_pg_str(r, i, 1);

        if (k && !zl_pg_hash(r, i, 0, h))
            rc = cb(ctx, h, k[0], zl_pg_str(r, i, 2), zl_pg_str(r, i, 3));
    }
    PQclear(r);
    return rc;
}

struct id_ctx {
    zl_id_cb cb;
    void *ctx;
};

static int id_row(void *ctx, const PGresult *r, int row)
{
    struct id_ctx *c = ctx;
    struct zl_id_row o;

    memset(&o, 0, sizeof o);
    o.id = zl_pg_str(r, row, 0);
    if (!o.id)
        return 0;
    o.event_time_ms = zl_pg_i64(r, row, 1);
    zl_pg_hash(r, row, 2, o.hash);
    o.role = (enum zl_id_role)zl_pg_i64(r, row, 3);
    o.type = (enum zl_event_type)zl_pg_i64(r, row, 4);
    o.action = (enum zl_action)zl_pg_i64(r, row, 5);
    o.record_time_ms = zl_pg_i64(r, row, 6);
    o.has_quantity = !zl_pg_isnull(r, row, 7);
    o.quantity = zl_pg_f64(r, row, 7);
    o.uom = zl_pg_str(r, row, 8);
    return c->cb(c->ctx, &o);
}

static int scan_ids(zl_store *s, zl_id_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT id, event_time, hash, role, type, action, record_time, qty,"
        " uom FROM event_ids ORDER BY id COLLATE \"C\", event_time, hash, role";
    struct id_ctx c = {cb, ctx};

    return zl_pg_stream(s, SQL, NULL, id_row, &c);
}

struct ref_ctx {
    zl_trace_ref_cb cb;
    void *ctx;
};

static int ref_row(void *ctx, const PGresult *r, int row)
{
    struct ref_ctx *c = ctx;
    const char *k = zl_pg_str(r, row, 1);
    uint8_t h[32];

    if (zl_pg_hash(r, row, 0, h) || !k)
        return 0;
    return c->cb(c->ctx, h, k[0], zl_pg_str(r, row, 2), zl_pg_str(r, row, 3));
}

static int scan_refs(zl_store *s, zl_trace_ref_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT hash, kind, type, value FROM event_refs"
        " WHERE kind IN ('s', 'd')"
        " ORDER BY hash, kind, type COLLATE \"C\", value COLLATE \"C\"";
    struct ref_ctx c = {cb, ctx};

    return zl_pg_stream(s, SQL, NULL, ref_row, &c);
}

const struct zl_store_trace_ops zl_pg_trace_ops = {
    .base = {.name = "trace", .schema = NULL},
    .scan_events = scan_events,
    .scan_ids = scan_ids,
    .scan_refs = scan_refs,
    .events_meta = events_meta,
    .events_refs = events_refs,
};
