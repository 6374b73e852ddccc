/*
 * pg_correction.c - store_correction.h on PostgreSQL (the SQLite twin is
 * sqlite_correction.c).
 *
 * corrections(key, target, record_time, party, reason, json), primary key
 * key ("urn:zhiliang:correction:" and the SHA-256 hex of the corrective
 * event, made by the application), with an index on target (the event it
 * corrects). Distributed, the table splits by key; a lookup by target or
 * by identifier is then one indexed probe per shard, which is fine for a
 * table this small (corrections are rare). Storing one marks the target
 * (events.has_error = 1, indexed by the core schema's events_erroneous).
 *
 * key is text COLLATE "C" so key order is SQLite's byte order whatever
 * the database's default collation.
 *
 * Unlike SQLite, the table is not created on the first correction: a
 * PostgreSQL store is born at the current schema version with every
 * module's tables (store.c), and DDL inside the capture's transaction
 * would take locks other writers wait on. Hence no "no such table" case
 * either. A second put of a key is ON CONFLICT DO NOTHING (no conflict
 * target: the primary key is the only unique index, and a partitioned
 * table with foreign partitions has none to name), ZL_EEXIST from the
 * affected-row count, and then the target is left as it is.
 */
#include "store/store_correction.h"

#include "store/pg_int.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS corrections("
    " key text COLLATE \"C\" PRIMARY KEY, target bytea NOT NULL,"
    " record_time bigint NOT NULL, party text, reason text,"
    " json text NOT NULL);"
    "CREATE INDEX IF NOT EXISTS corrections_target ON corrections(target);";

#define COLS "key, target, record_time, party, reason, json"

static int correction_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static int correction_put(zl_store *s, const struct zl_correction *c)
{
    static const char INS[] =
        "INSERT INTO corrections(" COLS ") VALUES($1,$2,$3,$4,$5,$6)"
        " ON CONFLICT DO NOTHING";
    static const char MARK[] =
        "UPDATE events SET has_error = 1 WHERE hash = $1";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, c->key);
    zl_pg_blob(&p, c->target, 32);
    zl_pg_int(&p, c->record_time_ms);
    zl_pg_text(&p, c->party);  /* NULL binds NULL */
    zl_pg_text(&p, c->reason); /* NULL binds NULL */
    zl_pg_textn(&p, c->json, c->json_len);
    if ((rc = zl_pg_do(s, INS, &p, &n)))
        return rc;
    if (n == 0)
        return ZL_EEXIST;
    zl_pg_params_init(&p);
    zl_pg_blob(&p, c->target, 32);
    return zl_pg_do(s, MARK, &p, NULL);
}

/* Rows [from, to) of r, COLS from column col, to cb; *found (may be
 * NULL) is set when there was one. */
static int rows_to_cb(const PGresult *r, int from, int to, int col,
                      zl_correction_cb cb, void *ctx, int *found)
{
    struct zl_correction c;
    int rc = 0;

    for (int i = from; i < to && !rc; i++) {
        memset(&c, 0, sizeof c);
        c.key = zl_pg_str(r, i, col);
        zl_pg_hash(r, i, col + 1, c.target); /* zeroed when not 32 bytes */
        c.record_time_ms = zl_pg_i64(r, i, col + 2);
        c.party = zl_pg_str(r, i, col + 3);
        c.reason = zl_pg_str(r, i, col + 4);
        c.json = zl_pg_str(r, i, col + 5);
        c.json_len = zl_pg_len(r, i, col + 5);
        if (found)
            *found = 1;
        rc = cb(ctx, &c);
    }
    return rc;
}

/* Run sql with p and hand each correction row to cb; *found (may be
 * NULL) is set when there was a row. */
static int each(zl_store *s, const char *sql, const struct zl_pg_params *p,
                zl_correction_cb cb, void *ctx, int *found)
{
    PGresult *r;
    int rc;

    if (!(r = zl_pg_run(s, sql, p, &rc)))
        return rc;
    rc = rows_to_cb(r, 0, PQntuples(r), 0, cb, ctx, found);
    PQclear(r);
    return rc;
}

static int correction_get(zl_store *s, const char *key, zl_correction_cb cb,
                          void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM corrections WHERE key = $1";
    struct zl_pg_params p;
    int rc, found = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    rc = each(s, SQL, &p, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int corrections_of(zl_store *s, const uint8_t target[32],
                          zl_correction_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM corrections"
                              " WHERE target = $1 ORDER BY record_time, key";
    static const char AHEAD[] = "SELECT target, " COLS " FROM corrections"
                                " WHERE target = ANY($1::bytea[])"
                                " ORDER BY target, record_time, key";
    struct zl_pg_params p;
    PGresult *r;
    int lo, hi, done,
        rc = zl_pg_ahead(s, ZL_PG_AHEAD_CORRECTIONS, AHEAD, target, &r, &lo,
                         &hi, &done);

    if (rc || done)
        return rc ? rc : rows_to_cb(r, lo, hi, 1, cb, ctx, NULL);
    zl_pg_params_init(&p);
    zl_pg_blob(&p, target, 32);
    return each(s, SQL, &p, cb, ctx, NULL);
}

static int corrections_for_id(zl_store *s, const char *id, zl_correction_cb cb,
                              void *ctx)
{
    static const char SQL[] = "SELECT " COLS " FROM corrections WHERE target IN"
                              " (SELECT hash FROM event_ids WHERE id = $1)"
                              " ORDER BY record_time, key";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    return each(s, SQL, &p, cb, ctx, NULL);
}

static int correction_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                           void *ctx)
{
    static const char SQL[] = "SELECT key FROM corrections ORDER BY key";

    return zl_pg_each_text(s, SQL, NULL, cb, ctx);
}

static int correction_count(zl_store *s, int64_t *n)
{
    static const char SQL[] = "SELECT count(*) FROM corrections";
    *n = 0;
    return zl_pg_get_i64(s, SQL, NULL, n);
}

const struct zl_store_correction_ops zl_pg_correction_ops = {
    .base = {.name = "correction", .schema = correction_schema},
    .put = correction_put,
    .get = correction_get,
    .of = corrections_of,
    .for_id = corrections_for_id,
    .keys = correction_keys,
    .count = correction_count,
};
