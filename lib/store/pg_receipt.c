/*
 * pg_receipt.c - store_receipt.h on PostgreSQL (the SQLite twin is
 * sqlite_receipt.c).
 *
 * receipts(key, grp, kind, record_time, party, doc, events), primary key
 * (key, grp): one row per group, events the stored 32-byte hashes
 * concatenated in capture order in one bytea (a document of 1,000 events
 * adds one 32 KB row, not 1,000 rows; verify reads the lists once per
 * run). key is the SHA-256 of the receipt's canonical bytes, made by the
 * application, so the table distributes by key with every group of a
 * receipt on one shard.
 *
 * key is text COLLATE "C": receipts are listed in key order, and byte
 * order is SQLite's (BINARY) whatever the database's default collation.
 * The list of keys is read in pages of PAGE keys (WHERE key > the last
 * one), so verify's record pass over millions of captures does not hold
 * them all at once, and the callback may read the store between rows.
 *
 * A second put of (key, grp) is ON CONFLICT DO NOTHING, answered
 * ZL_EEXIST from the affected-row count: a failed INSERT would abort the
 * capture's transaction in PostgreSQL. The clause names no conflict
 * target (the primary key is the only unique index), so it still works
 * on a partitioned table whose partitions are foreign tables and carry
 * the key on the shards (scripts/cluster.sh).
 */
#include "store/store_receipt.h"

#include "store/pg_int.h"
#include "util/alloc.h"

#include <string.h>

#define PAGE 10000

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS receipts("
    " key text COLLATE \"C\" NOT NULL, grp bigint NOT NULL,"
    " kind bigint NOT NULL, record_time bigint NOT NULL, party text,"
    " doc bytea, events bytea NOT NULL, PRIMARY KEY(key, grp));";

static int receipt_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static int receipt_put(zl_store *s, const struct zl_receipt_group *g)
{
    static const char SQL[] =
        "INSERT INTO receipts(key, grp, kind, record_time, party, doc, events)"
        " VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    if (g->n_events > (size_t)(1 << 30) / 32)
        return ZL_ELIMIT;
    zl_pg_params_init(&p);
    zl_pg_text(&p, g->key);
    zl_pg_int(&p, g->grp);
    zl_pg_int(&p, (int64_t)g->kind);
    zl_pg_int(&p, g->record_time_ms);
    zl_pg_text(&p, g->party); /* NULL binds NULL */
    zl_pg_blob(&p, g->doc, g->doc ? 32 : 0);
    zl_pg_blob(&p, g->n_events ? (const void *)g->events : "",
               g->n_events * 32);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

static int receipt_get(zl_store *s, const char *key, zl_receipt_group_cb cb,
                       void *ctx)
{
    static const char SQL[] =
        "SELECT grp, kind, record_time, party, doc, events FROM receipts"
        " WHERE key = $1 ORDER BY grp";
    struct zl_receipt_group g;
    struct zl_pg_params p;
    PGresult *r;
    int rc, n;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    n = PQntuples(r);
    for (int i = 0; i < n && !rc; i++) {
        size_t nb = zl_pg_len(r, i, 5);

        memset(&g, 0, sizeof g);
        g.key = key;
        g.grp = (long)zl_pg_i64(r, i, 0);
        g.kind = (enum zl_receipt_kind)zl_pg_i64(r, i, 1);
        g.record_time_ms = zl_pg_i64(r, i, 2);
        g.party = zl_pg_str(r, i, 3);
        if (zl_pg_len(r, i, 4) == 32)
            g.doc = zl_pg_bytes(r, i, 4);
        else if (!zl_pg_isnull(r, i, 4))
            g.damaged = 1;
        g.events = (const uint8_t(*)[32])zl_pg_bytes(r, i, 5);
        g.n_events = nb / 32;
        if (nb % 32)
            g.damaged = 1;
        rc = cb(ctx, &g);
    }
    PQclear(r);
    if (rc)
        return rc;
    return n ? 0 : ZL_ENOTFOUND;
}

static int receipt_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                        void *ctx)
{
    static const char FIRST[] =
        "SELECT DISTINCT key FROM receipts ORDER BY key LIMIT $1";
    static const char NEXT[] = "SELECT DISTINCT key FROM receipts"
                               " WHERE key > $2 ORDER BY key LIMIT $1";
    char *last = NULL;
    int rc = 0, n;

    do {
        struct zl_pg_params p;
        PGresult *r;

        zl_pg_params_init(&p);
        zl_pg_int(&p, PAGE);
        if (last)
            zl_pg_text(&p, last);
        r = zl_pg_run(s, last ? NEXT : FIRST, &p, &rc);
        zl_free(last);
        last = NULL;
        if (!r)
            return rc;
        n = PQntuples(r);
        for (int i = 0; i < n && !rc; i++)
            rc = cb(ctx, zl_pg_str(r, i, 0));
        if (!rc && n == PAGE && !(last = zl_strdup(zl_pg_str(r, n - 1, 0))))
            rc = ZL_ENOMEM;
        PQclear(r);
    } while (!rc && last);
    zl_free(last);
    return rc;
}

const struct zl_store_receipt_ops zl_pg_receipt_ops = {
    .base = {.name = "receipt", .schema = receipt_schema},
    .put = receipt_put,
    .get = receipt_get,
    .keys = receipt_keys,
};
