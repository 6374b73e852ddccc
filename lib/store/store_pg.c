/*
 * store_pg.c - the PostgreSQL backend of store.h (libpq): the core tables
 * and the backend table zl_pg_backend. The connection, statements and
 * transactions are in pg_conn.c; conventions in pg_int.h.
 *
 * Schema: the SQLite backend's tables with PostgreSQL types (bytea hashes,
 * bigint integers), laid out for distribution (DESIGN.md, storage; the
 * Citus DDL and the choice of each key are in docs/scale.md):
 *   events      primary key hash (the distribution key: every lookup of an
 *               event is by hash).
 *   event_ids   primary key (id, event_time, hash, role): distributed by
 *               id, so a trace step (all occurrences of a batch of
 *               identifiers) is one = ANY($1) lookup per shard. id is
 *               COLLATE "C": MATCH_ patterns are byte ranges on it
 *               (query_sql.c), as on SQLite, whatever the database's
 *               locale, and the range still uses the primary key.
 *   event_refs  primary key (hash, kind, type, value), co-located with
 *               events by hash.
 *   meta        small settings; outbox (seq, kind, key, created), seq is
 *               max + 1 under the writers' advisory lock, so it follows
 *               commit order across every process writing to the store.
 * events.ids packs an event's identifier occurrences in the same format as
 * on SQLite (ids_pack.c), so a store migrated between backends keeps its
 * bytes.
 *
 * A PostgreSQL store is born at ZL_STORE_SCHEMA_VERSION; pg_migrate serves
 * a schema laid out at an older version (store.c runs the steps).
 */
#include "store/pg_int.h"
#include "store/ids_pack.h"
#include "store/spc_backend.h"
#include "store/subs_ops.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

/* The outbox (version 2). The migration creates it without IF NOT EXISTS:
 * PostgreSQL would skip the table, with a notice, when anything else of
 * that name were there. */
#define OUTBOX_COLS                                                            \
    "(seq bigint PRIMARY KEY, kind text NOT NULL, key text NOT NULL,"          \
    " created bigint NOT NULL)"
static const char OUTBOX_MIGRATION[] = "CREATE TABLE outbox" OUTBOX_COLS;

/* The query indexes (version 6), as on SQLite (store_sqlite.c says why):
 * the first page of an EQ_bizStep, EQ_disposition, EQ_readPoint or
 * EQ_bizLocation query is an index range in event time order (the hash
 * tie-break an incremental sort), not a scan of events_time. */
static const char QUERY_INDEXES[] =
    "CREATE INDEX IF NOT EXISTS events_step_time"
    " ON events(biz_step, event_time);"
    "CREATE INDEX IF NOT EXISTS events_disp_time"
    " ON events(disposition, event_time);"
    "CREATE INDEX IF NOT EXISTS events_rp_time"
    " ON events(read_point, event_time);"
    "CREATE INDEX IF NOT EXISTS events_loc_time"
    " ON events(biz_location, event_time);"
    "CREATE INDEX IF NOT EXISTS events_tid ON events(transformation_id,"
    " event_time) WHERE transformation_id IS NOT NULL;";

/* 36 -> 37: events_tid with the event time after the ID (made again by
 * QUERY_INDEXES): the schema 37 step of store_sqlite.c, the same index
 * here. */
static const char INDEXES_V37[] = "DROP INDEX IF EXISTS events_tid;";

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(key text PRIMARY KEY, value bytea);"
    "CREATE TABLE IF NOT EXISTS events("
    " hash bytea PRIMARY KEY, declared_id text, type bigint NOT NULL,"
    " action bigint NOT NULL, event_time bigint NOT NULL,"
    " tz bigint NOT NULL, record_time bigint NOT NULL, biz_step text,"
    " disposition text, read_point text, biz_location text,"
    " transformation_id text, has_error bigint NOT NULL, party text,"
    " json text NOT NULL, ids bytea NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_time ON events(event_time,"
    " record_time);"
    "CREATE INDEX IF NOT EXISTS events_declared ON events(declared_id)"
    " WHERE declared_id IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_erroneous ON events(hash)"
    " WHERE has_error = 1;"
    "CREATE TABLE IF NOT EXISTS event_ids("
    " id text COLLATE \"C\" NOT NULL, event_time bigint NOT NULL,"
    " hash bytea NOT NULL,"
    " role bigint NOT NULL, type bigint NOT NULL, action bigint NOT NULL,"
    " record_time bigint NOT NULL, qty double precision, uom text,"
    " PRIMARY KEY(id, event_time, hash, role));"
    "CREATE TABLE IF NOT EXISTS event_refs("
    " hash bytea NOT NULL, kind text NOT NULL, type text NOT NULL,"
    " value text NOT NULL, PRIMARY KEY(hash, kind, type, value));"
    "CREATE TABLE IF NOT EXISTS outbox" OUTBOX_COLS ";";

/* 7 -> 8: events_time carries the record time, so GE_/LT_recordTime
 * ordered by eventTime filters in the index (store_sqlite.c). */
static const char EVENTS_TIME_V8[] =
    "DROP INDEX IF EXISTS events_time;"
    "CREATE INDEX events_time ON events(event_time, record_time);";

static int pg_schema(zl_store *s)
{
    int rc = zl_pg_exec(s, SCHEMA);

    if (!rc)
        rc = zl_pg_exec(s, QUERY_INDEXES);
    if (!rc)
        rc = zl_pg_sites_schema(s);
    return rc ? rc : zl_pg_trade_schema(s);
}

/* The core tables' migration steps (store.c runs the modules'): version
 * 1 -> 2 adds the outbox, 5 -> 6 the query indexes, 29 -> 30 the sites
 * index, 30 -> 31 the trade index. PostgreSQL stores are
 * born at the current version; this serves a schema laid out at an older
 * one. */
static int pg_migrate(zl_store *s, int from)
{
    if (from == 1)
        return zl_pg_exec(s, OUTBOX_MIGRATION);
    if (from == 5)
        return zl_pg_exec(s, QUERY_INDEXES);
    if (from == 11)
        return zl_pg_exec(s, EVENTS_TIME_V8);
    if (from == 29) /* the sites index (pg_sites.c) */
        return zl_pg_sites_migrate(s);
    if (from == 30) /* the trade index (pg_trade.c) */
        return zl_pg_trade_migrate(s);
    if (from == 36) {
        int rc = zl_pg_exec(s, INDEXES_V37);

        return rc ? rc : zl_pg_exec(s, QUERY_INDEXES);
    }
    return 0;
}

/* Savepoints (store.h): the rows held back so far are written before the
 * mark, so undoing to it only has to drop what is held since. ROLLBACK TO
 * also ends the abort a failed statement leaves. */
static int pg_savepoint(zl_store *s)
{
    int rc = zl_pg_flush(s);

    return rc ? rc : zl_pg_exec(s, "SAVEPOINT zl_mark");
}

/* The rows held since the mark go now, so that a taken key fails the
 * work it belongs to (the caller then undoes it to the mark). */
static int pg_release(zl_store *s)
{
    int rc = zl_pg_flush(s);

    return rc ? rc : zl_pg_exec(s, "RELEASE SAVEPOINT zl_mark");
}

static int pg_rollback_to(zl_store *s)
{
    zl_pg_discard(s);
    return zl_pg_exec(s, "ROLLBACK TO SAVEPOINT zl_mark;"
                         " RELEASE SAVEPOINT zl_mark");
}

static int pg_exec_sql(zl_store *s, const char *sql)
{
    return zl_pg_exec(s, sql);
}

/* ---- meta ---------------------------------------------------------------- */

static int pg_meta_get(zl_store *s, const char *key, char **value, size_t *len)
{
    static const char SQL[] = "SELECT value FROM meta WHERE key = $1";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    return zl_pg_get_value(s, SQL, &p, value, len);
}

static int pg_meta_set(zl_store *s, const char *key, const char *value,
                       size_t len)
{
    static const char SQL[] =
        "INSERT INTO meta(key, value) VALUES($1, $2)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    zl_pg_blob(&p, value, len);
    return zl_pg_do(s, SQL, &p, NULL);
}

static int pg_meta_keys(zl_store *s, const char *prefix,
                        int (*cb)(void *ctx, const char *key), void *ctx)
{
    static const char SQL[] = "SELECT key FROM meta WHERE"
                              " left(key, length($1)) = $1 ORDER BY key";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, prefix);
    return zl_pg_each_text(s, SQL, &p, cb, ctx);
}

/* ---- events -------------------------------------------------------------- */

/* An event's identifier rows and references as array parameters for
 * event_write's unnest()s: ids $17..$20 (id, role, qty, uom), refs
 * $21..$23 (kind, type, value). */
enum { A_ID, A_ROLE, A_QTY, A_UOM, A_KIND, A_TYPE, A_VALUE, N_ARRAYS };

static size_t refs_count(const struct zl_event *ev)
{
    return ev->n_biz_transactions + ev->n_sources + ev->n_destinations;
}

static int ref_elems(struct zl_buf *a, const char *kind,
                     const struct zl_typed_ref *refs, size_t n)
{
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        const char *t = refs[i].type ? refs[i].type : "";
        const char *v = refs[i].value;

        if (!(rc = zl_pg_array_elem(&a[A_KIND], kind, 1)) &&
            !(rc = zl_pg_array_elem(&a[A_TYPE], t, strlen(t))))
            rc = zl_pg_array_elem(&a[A_VALUE], v, v ? strlen(v) : 0);
    }
    return rc;
}

static int bind_rows(struct zl_pg_params *p, struct zl_buf *a,
                     const struct zl_event *ev)
{
    static const unsigned OID[N_ARRAYS] = {
        ZL_PG_OID_TEXT, ZL_PG_OID_INT8, ZL_PG_OID_FLOAT8, ZL_PG_OID_TEXT,
        ZL_PG_OID_TEXT, ZL_PG_OID_TEXT, ZL_PG_OID_TEXT};
    size_t n_refs = refs_count(ev);
    int rc = 0;

    for (int k = 0; k < N_ARRAYS && !rc; k++)
        rc = zl_pg_array_begin(&a[k], OID[k], k < A_KIND ? ev->n_ids : n_refs);
    for (size_t i = 0; i < ev->n_ids && !rc; i++) {
        const struct zl_event_id *id = &ev->ids[i];

        if (!(rc = zl_pg_array_elem(&a[A_ID], id->id, strlen(id->id))) &&
            !(rc = zl_pg_array_i64(&a[A_ROLE], (int64_t)id->role)) &&
            !(rc = id->has_quantity ? zl_pg_array_f64(&a[A_QTY], id->quantity)
                                    : zl_pg_array_elem(&a[A_QTY], NULL, 0)))
            rc = zl_pg_array_elem(&a[A_UOM], id->uom,
                                  id->uom ? strlen(id->uom) : 0);
    }
    if (!rc)
        rc = ref_elems(a, "b", ev->biz_transactions, ev->n_biz_transactions);
    if (!rc)
        rc = ref_elems(a, "s", ev->sources, ev->n_sources);
    if (!rc)
        rc = ref_elems(a, "d", ev->destinations, ev->n_destinations);
    for (int k = 0; k < N_ARRAYS; k++) {
        int e = zl_pg_array_end(p, &a[k], rc);

        rc = rc ? rc : e;
    }
    return rc;
}

/* replace = 0: capture (an existing hash is ZL_EEXIST); 1: reindex
 * (rewrite the row in place). One statement, one round trip: the events
 * row, and when it was written its identifier rows and references from
 * unnest()ed array parameters (data-modifying CTEs). Per-row INSERTs cost
 * 1 + identifiers + references round trips an event. */
static int event_write(zl_store *s, const struct zl_event *ev,
                       int64_t record_time_ms, const char *party, int replace)
{
#define EV_INSERT                                                              \
    "WITH ev AS (INSERT INTO events(hash, declared_id, type, action,"          \
    " event_time, tz, record_time, biz_step, disposition, read_point,"         \
    " biz_location, transformation_id, has_error, party, json, ids)"           \
    " VALUES($1,$2,$3::bigint,$4::bigint,$5::bigint,$6,$7::bigint,$8,$9,$10,"  \
    "$11,$12,$13,$14,$15,$16)"
#define EV_ROWS                                                                \
    " RETURNING hash),"                                                        \
    " i AS (INSERT INTO event_ids(id, event_time, hash, role, type, action,"   \
    " record_time, qty, uom) SELECT u.id, $5::bigint, ev.hash, u.role,"        \
    " $3::bigint, $4::bigint, $7::bigint, u.qty, u.uom FROM ev,"               \
    " unnest($17::text[], $18::bigint[], $19::float8[], $20::text[])"          \
    " AS u(id, role, qty, uom) ON CONFLICT DO NOTHING),"                       \
    " r AS (INSERT INTO event_refs(hash, kind, type, value)"                   \
    " SELECT ev.hash, u.kind, u.type, u.value FROM ev,"                        \
    " unnest($21::text[], $22::text[], $23::text[]) AS u(kind, type, value)"   \
    " ON CONFLICT DO NOTHING)"                                                 \
    " SELECT count(*) FROM ev"
    /* no conflict target: the only unique key is the hash, and a target
     * cannot be inferred on a table partitioned into foreign tables
     * (docs/scale.md) */
    static const char SQL_NEW[] = EV_INSERT " ON CONFLICT DO NOTHING" EV_ROWS;
    static const char SQL_REPLACE[] = EV_INSERT
        " ON CONFLICT(hash) DO UPDATE SET declared_id = $2,"
        " type = $3, action = $4, event_time = $5, tz = $6, record_time = $7,"
        " biz_step = $8, disposition = $9, read_point = $10,"
        " biz_location = $11, transformation_id = $12, has_error = $13,"
        " party = $14, json = $15, ids = $16" EV_ROWS;
#undef EV_INSERT
#undef EV_ROWS
    struct zl_buf arrays[N_ARRAYS];
    struct zl_pg_params p;
    struct zl_buf packed;
    PGresult *r = NULL;
    int64_t n = 0;
    int rc;

    zl_buf_init(&packed, (size_t)1 << 30);
    for (int k = 0; k < N_ARRAYS; k++)
        zl_buf_init(&arrays[k], (size_t)1 << 30);
    if ((rc = zl_ids_pack(ev, &packed)))
        goto out;
    zl_pg_params_init(&p);
    zl_pg_blob(&p, ev->hash, 32);
    zl_pg_text(&p, ev->declared_id);
    zl_pg_int(&p, (int64_t)ev->type);
    zl_pg_int(&p, (int64_t)ev->action);
    zl_pg_int(&p, ev->event_time_ms);
    zl_pg_int(&p, ev->tz_offset_min);
    zl_pg_int(&p, record_time_ms);
    zl_pg_text(&p, ev->biz_step);
    zl_pg_text(&p, ev->disposition);
    zl_pg_text(&p, ev->read_point);
    zl_pg_text(&p, ev->biz_location);
    zl_pg_text(&p, ev->transformation_id);
    zl_pg_int(&p, ev->has_error_declaration);
    zl_pg_text(&p, party);
    zl_pg_textn(&p, ev->json, ev->json_len);
    /* no identifiers packs to nothing: an empty bytea, not NULL */
    zl_pg_blob(&p, packed.data ? packed.data : "", packed.len);
    if ((rc = bind_rows(&p, arrays, ev)))
        goto out;
    if (!(r = zl_pg_run(s, replace ? SQL_REPLACE : SQL_NEW, &p, &rc)))
        goto out;
    n = PQntuples(r) == 1 ? zl_pg_i64(r, 0, 0) : 0;
    rc = n == 0 ? ZL_EEXIST : 0;
out:
    PQclear(r);
    zl_buf_cleanup(&packed);
    for (int k = 0; k < N_ARRAYS; k++)
        zl_buf_cleanup(&arrays[k]);
    return rc;
}

static int pg_event_put(zl_store *s, const struct zl_event *ev,
                        int64_t record_time_ms, const char *party)
{
    return event_write(s, ev, record_time_ms, party, 0);
}

int zl_pg_event_replace(zl_store *s, const struct zl_event *ev,
                        int64_t record_time_ms, const char *party)
{
    return event_write(s, ev, record_time_ms, party, 1);
}

void zl_pg_row_event(const PGresult *r, int row, struct zl_stored_event *ev)
{
    memset(ev, 0, sizeof *ev);
    zl_pg_hash(r, row, 0, ev->hash);
    ev->declared_id = zl_pg_str(r, row, 1);
    ev->type = (enum zl_event_type)zl_pg_i64(r, row, 2);
    ev->action = (enum zl_action)zl_pg_i64(r, row, 3);
    ev->event_time_ms = zl_pg_i64(r, row, 4);
    ev->tz_offset_min = (int)zl_pg_i64(r, row, 5);
    ev->record_time_ms = zl_pg_i64(r, row, 6);
    ev->biz_step = zl_pg_str(r, row, 7);
    ev->disposition = zl_pg_str(r, row, 8);
    ev->step = zl_biz_step_of(ev->biz_step, zl_pg_len(r, row, 7));
    ev->disp = zl_disposition_of(ev->disposition, zl_pg_len(r, row, 8));
    ev->read_point = zl_pg_str(r, row, 9);
    ev->biz_location = zl_pg_str(r, row, 10);
    ev->transformation_id = zl_pg_str(r, row, 11);
    ev->has_error_declaration = (int)zl_pg_i64(r, row, 12);
    ev->party = zl_pg_str(r, row, 13);
    ev->json = zl_pg_str(r, row, 14);
    ev->json_len = zl_pg_len(r, row, 14);
}

/* Run sql with p and hand each event row to cb. */
static int each_event(zl_store *s, const char *sql,
                      const struct zl_pg_params *p, zl_event_cb cb, void *ctx)
{
    struct zl_stored_event ev;
    int rc;
    PGresult *r = zl_pg_run(s, sql, p, &rc);

    if (!r)
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        zl_pg_row_event(r, i, &ev);
        rc = cb(ctx, &ev);
    }
    PQclear(r);
    return rc;
}

static int pg_event_get(zl_store *s, const uint8_t hash[32], zl_event_cb cb,
                        void *ctx)
{
    static const char SQL[] =
        "SELECT " ZL_PG_EVENT_COLS " FROM events e WHERE e.hash = $1";
    static const char AHEAD[] = "SELECT " ZL_PG_EVENT_COLS " FROM events e"
                                " WHERE e.hash = ANY($1::bytea[])"
                                " ORDER BY e.hash";
    struct zl_stored_event ev;
    struct zl_pg_params p;
    PGresult *r;
    int lo, hi, done,
        rc =
            zl_pg_ahead(s, ZL_PG_AHEAD_EVENT, AHEAD, hash, &r, &lo, &hi, &done);

    if (rc)
        return rc;
    if (done) {
        if (lo == hi)
            return ZL_ENOTFOUND;
        zl_pg_row_event(r, lo, &ev);
        return cb(ctx, &ev);
    }
    zl_pg_params_init(&p);
    zl_pg_blob(&p, hash, 32);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return ZL_ENOTFOUND;
    }
    zl_pg_row_event(r, 0, &ev);
    rc = cb(ctx, &ev);
    PQclear(r);
    return rc;
}

static int pg_events_by_transformation(zl_store *s, const char *tid,
                                       zl_event_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT " ZL_PG_EVENT_COLS " FROM events e"
        " WHERE e.transformation_id = $1 ORDER BY e.event_time";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, tid);
    return each_event(s, SQL, &p, cb, ctx);
}

static int pg_event_count(zl_store *s, int64_t *count)
{
    static const char SQL[] = "SELECT count(*) FROM events";

    return zl_pg_get_i64(s, SQL, NULL, count);
}

/* ---- identifier lookups -------------------------------------------------- */

static void row_to_id(const PGresult *r, int row, struct zl_id_row *o)
{
    memset(o, 0, sizeof *o);
    o->id = zl_pg_str(r, row, 0);
    o->event_time_ms = zl_pg_i64(r, row, 1);
    zl_pg_hash(r, row, 2, o->hash);
    o->role = (enum zl_id_role)zl_pg_i64(r, row, 3);
    o->type = (enum zl_event_type)zl_pg_i64(r, row, 4);
    o->action = (enum zl_action)zl_pg_i64(r, row, 5);
    o->record_time_ms = zl_pg_i64(r, row, 6);
    o->has_quantity = !zl_pg_isnull(r, row, 7);
    o->quantity = zl_pg_f64(r, row, 7);
    o->uom = zl_pg_str(r, row, 8);
}

/* Each identifier's rows then the next's, in the order asked (a repeated
 * identifier's rows come again), each in (event_time, hash, role) order:
 * the SQLite backend's order, in one round trip for the batch. Declared-
 * erroneous events link nothing (store_correction.h). The whole result is
 * in memory before the first callback, so cb may use the store. The
 * rows are found by id = ANY($1) in a subquery the planner may not flatten
 * (OFFSET 0), then put in the order asked: one index scan with array keys
 * whatever the statistics say (a plain join's generic plan on a freshly
 * loaded store was a sequential scan of event_ids, 2 ms a trace step at
 * 10k events and growing), and on a partitioned store one query per shard
 * instead of one per identifier and shard (docs/scale.md). */
static int pg_id_lookup(zl_store *s, const char *const *ids, size_t n,
                        zl_id_cb cb, void *ctx)
{
#define ANY_ROWS                                                               \
    "SELECT * FROM event_ids i WHERE i.id = ANY($1::text[])"                   \
    " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.hash = i.hash"            \
    " AND e.has_error = 1) OFFSET 0"
    static const char SQL[] =
        "SELECT i.id, i.event_time, i.hash, i.role, i.type, i.action,"
        " i.record_time, i.qty, i.uom"
        " FROM unnest($1::text[]) WITH ORDINALITY AS q(id, ord)"
        " JOIN (" ANY_ROWS ") i ON i.id = q.id"
        " ORDER BY q.ord, i.event_time, i.hash, i.role";
#undef ANY_ROWS
    struct zl_id_row row;
    PGresult *r;
    int rc;

    if (!(r = zl_pg_run_texts(s, SQL, ids, n, &rc)))
        return rc;
    for (int i = 0, m = PQntuples(r); i < m && !rc; i++) {
        row_to_id(r, i, &row);
        rc = cb(ctx, &row);
    }
    PQclear(r);
    return rc;
}

/* Each event's identifier rows with a role in roles (unpacked from
 * events.ids), events in the order asked, absent ones skipped; one round
 * trip for the batch. */
int zl_pg_ids_to_cb(const PGresult *r, int from, int to, zl_id_roles roles,
                    zl_id_cb cb, void *ctx)
{
    int rc = 0;

    for (int i = from; i < to && !rc; i++) {
        struct zl_id_row row;

        memset(&row, 0, sizeof row);
        zl_pg_hash(r, i, 0, row.hash);
        row.type = (enum zl_event_type)zl_pg_i64(r, i, 1);
        row.action = (enum zl_action)zl_pg_i64(r, i, 2);
        row.event_time_ms = zl_pg_i64(r, i, 3);
        row.record_time_ms = zl_pg_i64(r, i, 4);
        rc = zl_ids_unpack(zl_pg_bytes(r, i, 5), zl_pg_len(r, i, 5), NULL,
                           roles, &row, cb, ctx);
    }
    return rc;
}

static int pg_event_ids(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                        zl_id_roles roles, zl_id_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT e.hash, e.type, e.action, e.event_time, e.record_time, e.ids"
        " FROM unnest($1::bytea[]) WITH ORDINALITY AS q(hash, ord)"
        " JOIN (SELECT * FROM events WHERE hash = ANY($1::bytea[]) OFFSET 0)"
        " e ON e.hash = q.hash ORDER BY q.ord";
    PGresult *r;
    int lo, hi, done = 0, rc = 0;

    if (n == 1)
        rc = zl_pg_ahead(s, ZL_PG_AHEAD_IDS, ZL_PG_IDS_AHEAD, hashes[0], &r,
                         &lo, &hi, &done);
    if (rc || done)
        return rc ? rc : zl_pg_ids_to_cb(r, lo, hi, roles, cb, ctx);
    if (!(r = zl_pg_run_hashes(s, SQL, hashes, n, &rc)))
        return rc;
    rc = zl_pg_ids_to_cb(r, 0, PQntuples(r), roles, cb, ctx);
    PQclear(r);
    return rc;
}

/* Rows [from, to) of r, whose column col is kind, then type and value,
 * to cb. */
static int refs_to_cb(const PGresult *r, int from, int to, int col,
                      zl_ref_cb cb, void *ctx)
{
    int rc = 0;

    for (int i = from; i < to && !rc; i++) {
        const char *k = zl_pg_str(r, i, col);

        rc = cb(ctx, k && k[0] && !k[1] ? k[0] : '?', zl_pg_str(r, i, col + 1),
                zl_pg_str(r, i, col + 2));
    }
    return rc;
}

static int pg_event_refs(zl_store *s, const uint8_t hash[32], zl_ref_cb cb,
                         void *ctx)
{
    static const char SQL[] =
        "SELECT kind, type, value FROM event_refs WHERE hash = $1"
        " ORDER BY kind, type COLLATE \"C\", value COLLATE \"C\"";
    static const char AHEAD[] =
        "SELECT hash, kind, type, value FROM event_refs"
        " WHERE hash = ANY($1::bytea[])"
        " ORDER BY hash, kind, type COLLATE \"C\", value COLLATE \"C\"";
    struct zl_pg_params p;
    PGresult *r;
    int lo, hi, done,
        rc = zl_pg_ahead(s, ZL_PG_AHEAD_REFS, AHEAD, hash, &r, &lo, &hi, &done);

    if (rc || done)
        return rc ? rc : refs_to_cb(r, lo, hi, 1, cb, ctx);
    zl_pg_params_init(&p);
    zl_pg_blob(&p, hash, 32);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = refs_to_cb(r, 0, PQntuples(r), 0, cb, ctx);
    PQclear(r);
    return rc;
}

/* ---- outbox -------------------------------------------------------------- */

/* Inside a write transaction the outbox's rows wait in the handle and
 * go in with one statement at commit (or before the outbox is read), as
 * the log's rows do (pg_log.c): a capture appends one row per event, and
 * a round trip each was a third of capture's. seq is max + position, under
 * the writers' lock as before. */

struct zl_pg_outbuf {
    char **kind, **key;
    int64_t *created;
    size_t n, cap_kind, cap_key, cap_created;
};

static void outbuf_empty(struct zl_pg_outbuf *b)
{
    for (size_t i = 0; i < b->n; i++) {
        zl_free(b->kind[i]);
        zl_free(b->key[i]);
    }
    b->n = 0;
}

static int outbox_flush(zl_store *s)
{
    static const char SQL[] =
        "INSERT INTO outbox(seq, kind, key, created)"
        " SELECT m.base + u.ord, u.kind, u.key, u.created"
        " FROM (SELECT coalesce(max(seq), 0) AS base FROM outbox) m,"
        " unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY"
        " AS u(kind, key, created, ord)";
    struct zl_pg_outbuf *b = zl_pg_of(s)->outbuf;
    struct zl_buf a[3];
    struct zl_pg_params p;
    int rc;

    if (!b || !b->n)
        return 0;
    zl_pg_params_init(&p);
    for (int k = 0; k < 3; k++)
        zl_buf_init(&a[k], (size_t)1 << 30);
    rc = zl_pg_text_array(&p, &a[0], (const char *const *)b->kind, b->n);
    if (!rc)
        rc = zl_pg_text_array(&p, &a[1], (const char *const *)b->key, b->n);
    if (!rc) {
        int r2 = zl_pg_array_begin(&a[2], ZL_PG_OID_INT8, b->n);

        for (size_t i = 0; i < b->n && !r2; i++)
            r2 = zl_pg_array_i64(&a[2], b->created[i]);
        rc = zl_pg_array_end(&p, &a[2], r2);
    }
    if (!rc)
        rc = zl_pg_do(s, SQL, &p, NULL);
    outbuf_empty(b);
    for (int k = 0; k < 3; k++)
        zl_buf_cleanup(&a[k]);
    return rc;
}

int zl_pg_flush(zl_store *s)
{
    int rc = zl_pg_log_flush(s);

    return rc ? rc : outbox_flush(s);
}

void zl_pg_discard(zl_store *s)
{
    struct zl_pg *g = zl_pg_of(s);

    zl_pg_log_discard(s);
    if (g && g->outbuf) {
        outbuf_empty(g->outbuf);
        zl_free(g->outbuf->kind);
        zl_free(g->outbuf->key);
        zl_free(g->outbuf->created);
        zl_free(g->outbuf);
        g->outbuf = NULL;
    }
}

static int pg_outbox_append(zl_store *s, const char *kind, const char *key,
                            int64_t created_ms)
{
    struct zl_pg *g = zl_pg_of(s);
    struct zl_pg_outbuf *b = g->outbuf;
    char *k, *y;

    if (!b && !(b = g->outbuf = zl_calloc(1, sizeof *b)))
        return ZL_ENOMEM;
    if (zl_grow((void **)&b->kind, &b->cap_kind, b->n + 1, sizeof(char *), 64,
                NULL) ||
        zl_grow((void **)&b->key, &b->cap_key, b->n + 1, sizeof(char *), 64,
                NULL) ||
        zl_grow((void **)&b->created, &b->cap_created, b->n + 1,
                sizeof(int64_t), 64, NULL))
        return ZL_ENOMEM;
    k = zl_strdup(kind);
    y = zl_strdup(key);
    if (!k || !y) {
        zl_free(k);
        zl_free(y);
        return ZL_ENOMEM;
    }
    b->kind[b->n] = k;
    b->key[b->n] = y;
    b->created[b->n++] = created_ms;
    /* outside a transaction the row goes at once, as before */
    if (zl_pg_write_now(s, b->n))
        return outbox_flush(s);
    return 0;
}

static int pg_outbox_read(zl_store *s, uint64_t after_seq, size_t limit,
                          zl_outbox_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT seq, kind, key, created FROM outbox"
                              " WHERE seq > $1 ORDER BY seq LIMIT $2";
    struct zl_outbox_row row;
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    if (after_seq > INT64_MAX)
        return 0;
    if ((rc = outbox_flush(s)))
        return rc;
    zl_pg_params_init(&p);
    zl_pg_int(&p, (int64_t)after_seq);
    if (limit && limit < INT64_MAX)
        zl_pg_int(&p, (int64_t)limit);
    else
        zl_pg_null(&p); /* LIMIT NULL: all */
    /* the whole result is in memory: cb may read the store */
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        row.seq = (uint64_t)zl_pg_i64(r, i, 0);
        row.kind = zl_pg_str(r, i, 1);
        row.key = zl_pg_str(r, i, 2);
        row.created_ms = zl_pg_i64(r, i, 3);
        rc = cb(ctx, &row);
    }
    PQclear(r);
    return rc;
}

/* ---- the backend table --------------------------------------------------- */

static const char *const SCHEMES[] = {"postgresql", "postgres", NULL};

const struct zl_store_backend zl_pg_backend = {
    .name = "postgresql",
    .schemes = SCHEMES,
    .path = 0,
    .open = zl_pg_open,
    .close = zl_pg_close,
    .remove = zl_pg_remove,
    .begin = zl_pg_begin,
    .commit = zl_pg_commit,
    .rollback = zl_pg_rollback,
    .savepoint = pg_savepoint,
    .release = pg_release,
    .rollback_to = pg_rollback_to,
    .snapshot_begin = zl_pg_snapshot_begin,
    .snapshot_end = zl_pg_snapshot_end,
    .change_token = zl_pg_change_token,
    .schema = pg_schema,
    .migrate = pg_migrate,
    .exec_sql = pg_exec_sql,
    .meta_get = pg_meta_get,
    .meta_set = pg_meta_set,
    .meta_keys = pg_meta_keys,
    .event_put = pg_event_put,
    .event_get = pg_event_get,
    .events_query = zl_pg_events_query,
    .id_lookup = pg_id_lookup,
    .event_ids = pg_event_ids,
    .event_refs = pg_event_refs,
    .events_by_transformation = pg_events_by_transformation,
    .event_count = pg_event_count,
    .outbox_append = pg_outbox_append,
    .outbox_read = pg_outbox_read,
    .rows_read = zl_pg_rows_read,
    .rows_write = zl_pg_rows_write,
    .rows_delete = zl_pg_rows_delete,
    .modules =
        {
            [ZL_STORE_MOD_LOG] = &zl_pg_log_ops.base,
            [ZL_STORE_MOD_TRACE] = &zl_pg_trace_ops.base,
            [ZL_STORE_MOD_DOCS] = &zl_pg_docs_ops.base,
            [ZL_STORE_MOD_RECEIPT] = &zl_pg_receipt_ops.base,
            [ZL_STORE_MOD_TIX] = &zl_pg_tix_ops.base,
            [ZL_STORE_MOD_CORRECTION] = &zl_pg_correction_ops.base,
            [ZL_STORE_MOD_PARTY] = &zl_pg_party_ops.base,
            [ZL_STORE_MOD_RECALL] = &zl_pg_recall_ops.base,
            [ZL_STORE_MOD_AUDIT] = &zl_pg_audit_ops.base,
            [ZL_STORE_MOD_SUPERVISE] = &zl_pg_sup_ops.base,
            [ZL_STORE_MOD_LOOKUPS] = &zl_pg_lookups_ops.base,
            [ZL_STORE_MOD_SPC] = &zl_pg_spc_ops.base,
            [ZL_STORE_MOD_RISK] = &zl_pg_risk_ops.base,
            [ZL_STORE_MOD_SUBS] = &zl_pg_subs_ops.base,
        },
};
