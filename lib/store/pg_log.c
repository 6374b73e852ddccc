/*
 * pg_log.c - the log's tables on PostgreSQL (see store_log.h; the SQLite
 * twin is sqlite_log.c, whose semantics this file keeps row for row).
 *
 * Tables and keys:
 *   log_leaf        primary key idx (the leaf index, made by the appender
 *                   from the stored tail under the writers' advisory lock,
 *                   never by a sequence); key_hash is the same 64-bit
 *                   FNV-1a of record_key as on SQLite, with an index of its
 *                   own for find.
 *   log_node        primary key (level, idx): every complete aligned
 *                   subtree above the leaves. Level 0 is log_leaf.hash,
 *                   not duplicated here.
 *   log_checkpoint  primary key size (one signed note per tree size).
 * Distributed (Citus), log_leaf and log_node would be split by idx (a
 * proof reads O(log n) single-row lookups, each routed to one shard) and
 * log_checkpoint, small, would be a reference table; find is then one
 * indexed lookup per shard.
 *
 * Why key_hash rather than an index on record_key: the keys are ~90
 * random bytes, and indexing them would double the log's bytes per record
 * (the reasoning of sqlite_log.c holds here too); keeping the same column
 * also lets a store move between backends with the same rows.
 *
 * Writes never expect a statement to fail (an error aborts a PostgreSQL
 * transaction): a second row at a taken key is ON CONFLICT DO NOTHING,
 * and fewer rows added than sent is ZL_EEXIST, what SQLite's constraint
 * error gives.
 *
 * Write-behind: inside a transaction leaf_put and node_put only copy
 * their row into the handle's buffer (struct zl_pg.logbuf); the rows go
 * in one statement (INSERT ... SELECT FROM unnest() of array parameters,
 * both tables in one round trip) when the transaction commits
 * (zl_pg_commit flushes before COMMIT; a failed flush rolls back and
 * fails the commit), before any read of log_leaf or log_node (every read
 * here, and pg_rows.c's table copies, flush first, so a reader in the
 * transaction sees its own rows), and when ZL_PG_HOLD_MAX rows wait. A
 * rollback or close discards the buffer. Outside a transaction a put is
 * written at once. A duplicate key is still ZL_EEXIST, but from the
 * flush (the commit, or the next read) rather than from the put itself:
 * the appender (logstore.c) makes indexes from the tail under the
 * writers' lock, so a duplicate means a damaged store or a broken
 * caller, and every caller rolls back on the error wherever it comes
 * from. Before, a capture cost one round trip per leaf and per node.
 *
 * Reading every leaf (leaves) goes in pages of PAGE rows by index, so a
 * log of millions of leaves is not held in memory at once and the
 * callback may run statements of its own between rows. The log only
 * grows at its end, so the pages read a consistent prefix of it. While
 * the callback runs, the page is the handle's batch (pg_ahead.c): find
 * of the leaf in hand reads the next leaves' with it, and the interior
 * nodes are read NODE_WINDOW at a time for each level (verify rebuilds
 * the tree in index order and compares each stored node it completes:
 * a round trip for every leaf and every node before).
 */
#include "store/pg_int.h"

#include "util/alloc.h"
#include "util/strmap.h"

#include <string.h>

#define PAGE 10000

struct pending_leaf {
    int64_t idx, type, key_hash;
    char *key;
    uint8_t hash[32];
};

struct pending_node {
    int64_t level, idx;
    uint8_t hash[32];
};

struct zl_pg_logbuf {
    struct pending_leaf *leaves;
    size_t n_leaves, cap_leaves;
    struct pending_node *nodes;
    size_t n_nodes, cap_nodes;
};

static const char LOG_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS log_leaf("
    " idx bigint PRIMARY KEY, type bigint NOT NULL,"
    " key_hash bigint NOT NULL, record_key text NOT NULL,"
    " hash bytea NOT NULL);"
    "CREATE INDEX IF NOT EXISTS log_leaf_key ON log_leaf(key_hash);"
    "CREATE TABLE IF NOT EXISTS log_node("
    " level bigint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL,"
    " PRIMARY KEY(level, idx));"
    "CREATE TABLE IF NOT EXISTS log_checkpoint("
    " size bigint PRIMARY KEY, root bytea NOT NULL, note text NOT NULL,"
    " issued_ms bigint NOT NULL);";

static int log_schema(zl_store *s)
{
    return zl_pg_exec(s, LOG_SCHEMA);
}

/* Stored: the FNV-1a of the key, shifted to stay a positive int64 (the
 * same value as on SQLite). */
int64_t zl_pg_log_key_hash(const char *k)
{
    return (int64_t)(zl_fnv1a64(k, strlen(k)) >> 1);
}

/* Run an INSERT ... ON CONFLICT DO NOTHING: ZL_EEXIST when no row was
 * added. */
static int insert_new(zl_store *s, const char *sql,
                      const struct zl_pg_params *p)
{
    int64_t n = 0;
    int rc = zl_pg_do(s, sql, p, &n);

    return rc ? rc : n ? 0 : ZL_EEXIST;
}

static void buf_empty(struct zl_pg_logbuf *b)
{
    for (size_t i = 0; i < b->n_leaves; i++)
        zl_free(b->leaves[i].key);
    b->n_leaves = 0;
    b->n_nodes = 0;
}

void zl_pg_log_discard(zl_store *s)
{
    struct zl_pg *g = zl_pg_of(s);
    struct zl_pg_logbuf *b = g ? g->logbuf : NULL;

    if (!b)
        return;
    buf_empty(b);
    zl_free(b->leaves);
    zl_free(b->nodes);
    zl_free(b);
    g->logbuf = NULL;
}

/* The buffered rows as the flush's eight array parameters. */
static int bind_pending(struct zl_pg_params *p, struct zl_buf *a,
                        const struct zl_pg_logbuf *b)
{
    static const unsigned OID[8] = {
        ZL_PG_OID_INT8,  ZL_PG_OID_INT8, ZL_PG_OID_INT8, ZL_PG_OID_TEXT,
        ZL_PG_OID_BYTEA, ZL_PG_OID_INT8, ZL_PG_OID_INT8, ZL_PG_OID_BYTEA};
    int rc = 0;

    for (int k = 0; k < 8 && !rc; k++)
        rc = zl_pg_array_begin(&a[k], OID[k], k < 5 ? b->n_leaves : b->n_nodes);
    for (size_t i = 0; i < b->n_leaves && !rc; i++) {
        const struct pending_leaf *l = &b->leaves[i];

        if (!(rc = zl_pg_array_i64(&a[0], l->idx)) &&
            !(rc = zl_pg_array_i64(&a[1], l->type)) &&
            !(rc = zl_pg_array_i64(&a[2], l->key_hash)) &&
            !(rc = zl_pg_array_elem(&a[3], l->key, strlen(l->key))))
            rc = zl_pg_array_elem(&a[4], l->hash, 32);
    }
    for (size_t i = 0; i < b->n_nodes && !rc; i++) {
        const struct pending_node *n = &b->nodes[i];

        if (!(rc = zl_pg_array_i64(&a[5], n->level)) &&
            !(rc = zl_pg_array_i64(&a[6], n->idx)))
            rc = zl_pg_array_elem(&a[7], n->hash, 32);
    }
    for (int k = 0; k < 8; k++) {
        int e = zl_pg_array_end(p, &a[k], rc);

        rc = rc ? rc : e;
    }
    return rc;
}

int zl_pg_log_flush(zl_store *s)
{
    static const char SQL[] =
        "WITH l AS (INSERT INTO log_leaf(idx, type, key_hash, record_key,"
        " hash) SELECT * FROM unnest($1::bigint[], $2::bigint[],"
        " $3::bigint[], $4::text[], $5::bytea[])"
        " ON CONFLICT DO NOTHING RETURNING 1),"
        " n AS (INSERT INTO log_node(level, idx, hash) SELECT * FROM"
        " unnest($6::bigint[], $7::bigint[], $8::bytea[])"
        " ON CONFLICT DO NOTHING RETURNING 1)"
        " SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM n)";
    struct zl_pg *g = zl_pg_of(s);
    struct zl_pg_logbuf *b = g ? g->logbuf : NULL;
    struct zl_buf a[8];
    struct zl_pg_params p;
    PGresult *r = NULL;
    int rc;

    if (!b || (!b->n_leaves && !b->n_nodes))
        return 0;
    for (int k = 0; k < 8; k++)
        zl_buf_init(&a[k], (size_t)1 << 30);
    zl_pg_params_init(&p);
    if (!(rc = bind_pending(&p, a, b)) && (r = zl_pg_run(s, SQL, &p, &rc))) {
        /* a row not added met a taken key (or its twin in the batch) */
        if (PQntuples(r) != 1 || zl_pg_i64(r, 0, 0) != (int64_t)b->n_leaves ||
            zl_pg_i64(r, 0, 1) != (int64_t)b->n_nodes)
            rc = ZL_EEXIST;
        PQclear(r);
    }
    for (int k = 0; k < 8; k++)
        zl_buf_cleanup(&a[k]);
    buf_empty(b); /* written, or the transaction must roll back */
    return rc;
}

/* After a row was buffered: write now outside a transaction (autocommit,
 * as an immediate INSERT would) or when the buffer is full. */
static int after_put(zl_store *s, const struct zl_pg_logbuf *b)
{
    if (zl_pg_write_now(s, b->n_leaves + b->n_nodes))
        return zl_pg_log_flush(s);
    return 0;
}

static int get_buf(zl_store *s, struct zl_pg_logbuf **out)
{
    struct zl_pg *g = zl_pg_of(s);

    if (!g->logbuf && !(g->logbuf = zl_calloc(1, sizeof *g->logbuf)))
        return ZL_ENOMEM;
    *out = g->logbuf;
    return 0;
}

static int leaf_put(zl_store *s, uint64_t index, uint8_t leaf_type,
                    const char *record_key, const uint8_t hash[32])
{
    struct zl_pg_logbuf *b;
    struct pending_leaf *l;
    int rc;

    if (index > INT64_MAX)
        return ZL_ESTORE;
    if ((rc = get_buf(s, &b)) ||
        (rc = zl_grow((void **)&b->leaves, &b->cap_leaves, b->n_leaves + 1,
                      sizeof *b->leaves, 64, NULL)))
        return rc;
    l = &b->leaves[b->n_leaves];
    if (!(l->key = zl_strdup(record_key)))
        return ZL_ENOMEM;
    l->idx = (int64_t)index;
    l->type = leaf_type;
    l->key_hash = zl_pg_log_key_hash(record_key);
    memcpy(l->hash, hash, 32);
    b->n_leaves++;
    return after_put(s, b);
}

static void nodewin_forget(zl_store *s, unsigned level);

static int node_put(zl_store *s, unsigned level, uint64_t index,
                    const uint8_t hash[32])
{
    struct zl_pg_logbuf *b;
    struct pending_node *n;
    int rc;

    if (index > INT64_MAX)
        return ZL_ESTORE;
    nodewin_forget(s, level);
    if ((rc = get_buf(s, &b)) ||
        (rc = zl_grow((void **)&b->nodes, &b->cap_nodes, b->n_nodes + 1,
                      sizeof *b->nodes, 64, NULL)))
        return rc;
    n = &b->nodes[b->n_nodes++];
    n->level = (int64_t)level;
    n->idx = (int64_t)index;
    memcpy(n->hash, hash, 32);
    return after_put(s, b);
}

/* Interior nodes read while leaves() walks: for each level, the window
 * [from, from + NODE_WINDOW) of indexes as stored (have[i]: 1 stored, 2
 * stored damaged, 0 absent). */
#define NODE_WINDOW 1024
#define NODE_LEVELS 64

struct node_window {
    int64_t from; /* -1: nothing read */
    uint8_t (*hash)[32];
    uint8_t *have;
};

struct zl_pg_nodewin {
    struct node_window level[NODE_LEVELS];
};

static void nodewin_free(struct zl_pg_nodewin *w)
{
    if (!w)
        return;
    for (int l = 0; l < NODE_LEVELS; l++) {
        zl_free(w->level[l].hash);
        zl_free(w->level[l].have);
    }
    zl_free(w);
}

/* A node written while a walk reads windows: its level's is read again. */
static void nodewin_forget(zl_store *s, unsigned level)
{
    struct zl_pg_nodewin *win = zl_pg_of(s)->nodewin;

    if (win && level < NODE_LEVELS)
        win->level[level].from = -1;
}

/* Read the window of level holding index into w. */
static int window_read(zl_store *s, struct node_window *w, unsigned level,
                       int64_t index)
{
    static const char SQL[] = "SELECT idx, hash FROM log_node"
                              " WHERE level = $1 AND idx >= $2 AND idx < $3";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    if (!w->hash && (!(w->hash = zl_malloc(NODE_WINDOW * 32)) ||
                     !(w->have = zl_malloc(NODE_WINDOW))))
        return ZL_ENOMEM;
    w->from = index - index % NODE_WINDOW;
    memset(w->have, 0, NODE_WINDOW);
    zl_pg_params_init(&p);
    zl_pg_int(&p, (int64_t)level);
    zl_pg_int(&p, w->from);
    zl_pg_int(&p, w->from + NODE_WINDOW);
    if (!(r = zl_pg_run(s, SQL, &p, &rc))) {
        w->from = -1;
        return rc;
    }
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        int64_t at = zl_pg_i64(r, i, 0) - w->from;

        if (at >= 0 && at < NODE_WINDOW)
            w->have[at] = zl_pg_hash(r, i, 1, w->hash[at]) ? 2 : 1;
    }
    PQclear(r);
    return 0;
}

/* node_get from the walk's windows: *done = 0 when there is none. */
static int node_from_window(zl_store *s, unsigned level, uint64_t index,
                            uint8_t hash[32], int *done)
{
    struct zl_pg_nodewin *win = zl_pg_of(s)->nodewin;
    struct node_window *w;
    int64_t i = (int64_t)index;
    int rc;

    *done = win && level > 0 && level < NODE_LEVELS;
    if (!*done)
        return 0;
    w = &win->level[level];
    if ((w->from < 0 || i < w->from || i >= w->from + NODE_WINDOW) &&
        (rc = window_read(s, w, level, i)))
        return rc;
    switch (w->have[i - w->from]) {
    case 1: memcpy(hash, w->hash[i - w->from], 32); return 0;
    case 2: return ZL_ESTORE;
    default: return ZL_ENOTFOUND;
    }
}

static int node_get(zl_store *s, unsigned level, uint64_t index,
                    uint8_t hash[32])
{
    static const char LEAF[] = "SELECT hash FROM log_leaf WHERE idx = $1";
    static const char NODE[] =
        "SELECT hash FROM log_node WHERE idx = $1 AND level = $2";
    struct zl_pg_params p;
    PGresult *r;
    int rc, done;

    if ((rc = zl_pg_log_flush(s)))
        return rc;
    if (index > INT64_MAX)
        return ZL_ENOTFOUND;
    if ((rc = node_from_window(s, level, index, hash, &done)) || done)
        return rc;
    zl_pg_params_init(&p);
    zl_pg_int(&p, (int64_t)index);
    if (level)
        zl_pg_int(&p, (int64_t)level);
    if (!(r = zl_pg_run(s, level ? NODE : LEAF, &p, &rc)))
        return rc;
    if (PQntuples(r) != 1)
        rc = ZL_ENOTFOUND;
    else
        rc = zl_pg_hash(r, 0, 0, hash) ? ZL_ESTORE : 0;
    PQclear(r);
    return rc;
}

static int tail(zl_store *s, uint64_t *size, uint8_t last[32])
{
    static const char SQL[] =
        "SELECT idx, hash FROM log_leaf ORDER BY idx DESC LIMIT 1";
    PGresult *r;
    int rc;

    if ((rc = zl_pg_log_flush(s)))
        return rc;
    if (!(r = zl_pg_run(s, SQL, NULL, &rc)))
        return rc;
    if (PQntuples(r) == 1) {
        *size = (uint64_t)zl_pg_i64(r, 0, 0) + 1;
        rc = zl_pg_hash(r, 0, 1, last) ? ZL_ESTORE : 0;
    } else {
        *size = 0;
    }
    PQclear(r);
    return rc;
}

/* Row i of r (idx, type, hash from column col) as find answers. */
static int found_leaf(const PGresult *r, int i, int col, uint64_t *index,
                      uint8_t *leaf_type, uint8_t hash[32])
{
    if (index)
        *index = (uint64_t)zl_pg_i64(r, i, col);
    if (leaf_type)
        *leaf_type = (uint8_t)zl_pg_i64(r, i, col + 1);
    return hash && zl_pg_hash(r, i, col + 2, hash) ? ZL_ESTORE : 0;
}

static int find(zl_store *s, const char *record_key, uint64_t *index,
                uint8_t *leaf_type, uint8_t hash[32])
{
    static const char SQL[] =
        "SELECT idx, type, hash FROM log_leaf WHERE key_hash = $1"
        " AND record_key = $2 ORDER BY idx LIMIT 1";
    static const char AHEAD[] =
        "SELECT record_key, idx, type, hash FROM log_leaf"
        " WHERE key_hash = ANY($2::bigint[])"
        " AND record_key = ANY($1::text[])"
        " ORDER BY record_key COLLATE \"C\", idx";
    struct zl_pg_params p;
    PGresult *r;
    int rc, lo, hi, done;

    if ((rc = zl_pg_log_flush(s)))
        return rc;
    if ((rc = zl_pg_ahead(s, ZL_PG_AHEAD_LEAF, AHEAD, record_key, &r, &lo, &hi,
                          &done)) ||
        done)
        return rc        ? rc
               : lo < hi ? found_leaf(r, lo, 1, index, leaf_type, hash)
                         : ZL_ENOTFOUND;
    zl_pg_params_init(&p);
    zl_pg_int(&p, zl_pg_log_key_hash(record_key));
    zl_pg_text(&p, record_key);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = PQntuples(r) == 1 ? found_leaf(r, 0, 0, index, leaf_type, hash)
                           : ZL_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int leaves(zl_store *s, zl_store_log_leaf_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT idx, type, record_key, hash FROM log_leaf"
                              " WHERE idx >= $1 ORDER BY idx LIMIT $2";
    struct zl_pg *g = zl_pg_of(s);
    struct zl_pg_nodewin *outer = g->nodewin;
    int64_t from = 0;
    int rc = 0, more;

    if ((rc = zl_pg_log_flush(s)))
        return rc;
    if (!outer) {
        if (!(g->nodewin = zl_malloc(sizeof *g->nodewin)))
            return ZL_ENOMEM;
        memset(g->nodewin, 0, sizeof *g->nodewin);
        for (int l = 0; l < NODE_LEVELS; l++)
            g->nodewin->level[l].from = -1;
    }
    do {
        struct zl_pg_params p;
        struct zl_pg_batch b;
        PGresult *r;
        int n;

        zl_pg_params_init(&p);
        zl_pg_int(&p, from);
        zl_pg_int(&p, PAGE);
        if (!(r = zl_pg_run(s, SQL, &p, &rc)))
            break;
        n = PQntuples(r);
        more = n == PAGE;
        zl_pg_batch_push(s, &b, r, 2); /* named by record_key */
        for (int i = 0; i < n && !rc; i++) {
            uint8_t h[32];
            int64_t idx = zl_pg_i64(r, i, 0);

            b.row = i;
            zl_pg_hash(r, i, 3, h); /* zeroed when not 32 bytes */
            rc = cb(ctx, (uint64_t)idx, (uint8_t)zl_pg_i64(r, i, 1),
                    zl_pg_str(r, i, 2), h);
            if (idx == INT64_MAX)
                more = 0;
            else
                from = idx + 1;
        }
        zl_pg_batch_pop(s, &b);
        PQclear(r);
    } while (!rc && more);
    if (!outer) {
        nodewin_free(g->nodewin);
        g->nodewin = NULL;
    }
    return rc;
}

static int checkpoint_put(zl_store *s, uint64_t size, const uint8_t root[32],
                          const char *note, int64_t issued_ms)
{
    static const char SQL[] =
        "INSERT INTO log_checkpoint(size, root, note, issued_ms)"
        " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int rc;

    if ((rc = zl_pg_log_flush(s)))
        return rc;
    if (size > INT64_MAX)
        return ZL_ESTORE;
    zl_pg_params_init(&p);
    zl_pg_int(&p, (int64_t)size);
    zl_pg_blob(&p, root, 32);
    zl_pg_text(&p, note);
    zl_pg_int(&p, issued_ms);
    return insert_new(s, SQL, &p);
}

static int checkpoint_get(zl_store *s, uint64_t size, char **note)
{
    static const char AT[] = "SELECT note FROM log_checkpoint WHERE size = $1";
    static const char LATEST[] =
        "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1";
    struct zl_pg_params p;
    int rc;

    if ((rc = zl_pg_log_flush(s)))
        return rc;
    *note = NULL;
    zl_pg_params_init(&p);
    if (size != UINT64_MAX) {
        if (size > INT64_MAX)
            return ZL_ENOTFOUND;
        zl_pg_int(&p, (int64_t)size);
    }
    return zl_pg_get_value(s, size == UINT64_MAX ? LATEST : AT, &p, note, NULL);
}

/* One round trip: a log has one checkpoint per signing, few enough to
 * hold (a note is ~200 bytes). */
static int checkpoints(zl_store *s, zl_store_log_checkpoint_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT size, root, note FROM log_checkpoint ORDER BY size";
    PGresult *r;
    int rc;

    if ((rc = zl_pg_log_flush(s)))
        return rc;
    if (!(r = zl_pg_run(s, SQL, NULL, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        uint8_t root[32];

        zl_pg_hash(r, i, 1, root); /* zeroed when not 32 bytes */
        rc = cb(ctx, (uint64_t)zl_pg_i64(r, i, 0), root, zl_pg_str(r, i, 2),
                zl_pg_len(r, i, 2));
    }
    PQclear(r);
    return rc;
}

/* The on-disk size of the log's tables with their indexes and TOAST, as
 * SQLite's dbstat sum of pages. to_regclass resolves the names at run
 * time through the store's search_path (a missing table counts 0). */
static int log_bytes(zl_store *s, uint64_t *bytes)
{
    static const char SQL[] =
        "SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)"
        "::bigint FROM unnest(ARRAY['log_leaf', 'log_node',"
        " 'log_checkpoint']) AS t";
    int64_t v = 0;
    int rc;

    *bytes = 0;
    if ((rc = zl_pg_log_flush(s)) || (rc = zl_pg_get_i64(s, SQL, NULL, &v)))
        return rc;
    *bytes = (uint64_t)v;
    return 0;
}

const struct zl_store_log_ops zl_pg_log_ops = {
    .base = {.name = "log", .schema = log_schema},
    .leaf_put = leaf_put,
    .node_put = node_put,
    .node_get = node_get,
    .tail = tail,
    .find = find,
    .leaves = leaves,
    .checkpoint_put = checkpoint_put,
    .checkpoint_get = checkpoint_get,
    .checkpoints = checkpoints,
    .bytes = log_bytes,
};
