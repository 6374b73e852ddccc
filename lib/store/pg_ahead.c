/*
 * pg_ahead.c - read-ahead of a walk's lookups on PostgreSQL.
 *
 * A walk hands rows to a callback one at a time (pg_query.c's each_row:
 * events, for a page's row test or verify's check of every event;
 * pg_log.c's leaves: log leaves, for verify's recomputation), and the
 * callback asks the store about the row in hand: its refs, its
 * identifier rows, its log leaf, the event a leaf names. Each question
 * was a round trip of its own: verify of 100k events on PostgreSQL made
 * about 14 an event (194 s against SQLite's 9.9), a distribution
 * centre's page ~46.
 *
 * So the walk makes its rows the handle's batch while the callback runs
 * (zl_pg_batch_push, stacked when a callback runs a walk of its own), and
 * a lookup about the row under test (zl_pg_ahead) reads the same lookup
 * for it and the ZL_PG_AHEAD - 1 rows after it in one statement; the
 * next rows find theirs in that answer. A lookup about anything else (a
 * custody check's other events) is told to read alone. What a row is
 * named by: an event's hash, or a leaf's record key, and from either
 * the other one when the record is an event (its key is the hash's
 * event hash ID).
 *
 * The answers are as fresh as the row-by-row reads were: each of those
 * was a statement of its own too, and a walk inside a transaction reads
 * its snapshot either way. The batch lives only while its walk's
 * callback runs.
 */
#include "store/pg_int.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "zhiliang/codec.h"
#include "zhiliang/epcis.h"

#include <string.h>

#define OID_BYTEA 17 /* pg_type.h */

void zl_pg_batch_push(zl_store *s, struct zl_pg_batch *b, const PGresult *rows,
                      int key_col)
{
    struct zl_pg *g = zl_pg_of(s);

    memset(b, 0, sizeof *b);
    b->rows = rows;
    b->key_col = key_col;
    b->outer = g->batch;
    g->batch = b;
}

void zl_pg_batch_pop(zl_store *s, struct zl_pg_batch *b)
{
    zl_pg_of(s)->batch = b->outer;
    for (int k = 0; k < ZL_PG_AHEAD_N; k++)
        PQclear(b->ahead[k].r);
}

/* Row i's event hash into h: 0, or -1 when the row names no event (a
 * record key that is not an event hash ID). */
static int row_hash(const struct zl_pg_batch *b, int i, uint8_t h[32])
{
    const char *key;
    char id[96];

    if (PQftype(b->rows, b->key_col) == OID_BYTEA) {
        if (zl_pg_len(b->rows, i, b->key_col) != 32)
            return -1;
        memcpy(h, zl_pg_bytes(b->rows, i, b->key_col), 32);
        return 0;
    }
    key = zl_pg_str(b->rows, i, b->key_col);
    if (!key || strncmp(key, "ni:///sha-256;", 14) || strlen(key + 14) < 64 ||
        zl_hex_decode(key + 14, 64, h, 32))
        return -1;
    zl_event_hash_id(h, id); /* exactly the hash's ID, not just alike */
    return strcmp(id, key) ? -1 : 0;
}

/* Row i's record key into buf (96 bytes: an event hash ID): the key, or
 * NULL. */
static const char *row_key(const struct zl_pg_batch *b, int i, char *buf)
{
    uint8_t h[32];

    if (PQftype(b->rows, b->key_col) != OID_BYTEA)
        return zl_pg_str(b->rows, i, b->key_col);
    if (row_hash(b, i, h))
        return NULL;
    zl_event_hash_id(h, buf);
    return buf;
}

/* 1 if name is the name of b's row under test for kind k. */
static int is_row_under_test(const struct zl_pg_batch *b,
                             enum zl_pg_ahead_kind k, const void *name)
{
    char buf[96];
    const char *key;
    uint8_t h[32];

    if (k != ZL_PG_AHEAD_LEAF)
        return !row_hash(b, b->row, h) && !memcmp(h, name, 32);
    key = row_key(b, b->row, buf);
    return key && !strcmp(key, name);
}

/* The names of b's rows [b->row, to) as the statement's parameters:
 * $1 an array of hashes, or for leaves of keys and $2 their key hashes. */
static int bind_names(const struct zl_pg_batch *b, enum zl_pg_ahead_kind k,
                      int to, struct zl_pg_params *p, struct zl_buf *a)
{
    size_t n = 0;
    int rc = 0;

    if (k != ZL_PG_AHEAD_LEAF) {
        uint8_t(*h)[32] = zl_malloc((size_t)(to - b->row) * 32);

        if (!h)
            return ZL_ENOMEM;
        for (int i = b->row; i < to; i++)
            if (!row_hash(b, i, h[n]))
                n++;
        rc = zl_pg_hash_array(p, &a[0], (const uint8_t(*)[32])h, n);
        zl_free(h);
        return rc;
    }
    {
        char(*buf)[96] = zl_malloc((size_t)(to - b->row) * 96);
        const char **keys = zl_malloc((size_t)(to - b->row) * sizeof *keys);

        if (!buf || !keys)
            rc = ZL_ENOMEM;
        for (int i = b->row; i < to && !rc; i++)
            if ((keys[n] = row_key(b, i, buf[n])))
                n++;
        if (!rc)
            rc = zl_pg_text_array(p, &a[0], keys, n);
        if (!rc) {
            int r2 = zl_pg_array_begin(&a[1], ZL_PG_OID_INT8, n);

            for (size_t i = 0; i < n && !r2; i++)
                r2 = zl_pg_array_i64(&a[1], zl_pg_log_key_hash(keys[i]));
            rc = zl_pg_array_end(p, &a[1], r2);
        }
        zl_free(keys);
        zl_free(buf);
        return rc;
    }
}

/* Column 0 of row i of r against name (len bytes), bytewise as
 * PostgreSQL orders bytea and text COLLATE "C". */
static int cmp_name(const PGresult *r, int i, const void *name, size_t len)
{
    size_t m = zl_pg_len(r, i, 0);
    int c = memcmp(zl_pg_bytes(r, i, 0), name, m < len ? m : len);

    return c ? c : (m > len) - (m < len);
}

int zl_pg_ahead(zl_store *s, enum zl_pg_ahead_kind k, const char *sql,
                const void *name, PGresult **r, int *lo, int *hi, int *done)
{
    return zl_pg_ahead_with(s, k, sql, NULL, name, r, lo, hi, done);
}

int zl_pg_ahead_with(zl_store *s, enum zl_pg_ahead_kind k, const char *sql,
                     zl_pg_ahead_bind bind, const void *name, PGresult **r,
                     int *lo, int *hi, int *done)
{
    struct zl_pg_batch *b = zl_pg_of(s)->batch;
    struct zl_pg_ahead *a;
    size_t len;
    int n, rc = 0;

    *done = b && is_row_under_test(b, k, name);
    if (!*done)
        return 0;
    a = &b->ahead[k];
    if (!a->r || b->row < a->from || b->row >= a->to) {
        struct zl_pg_params p;
        struct zl_buf arr[ZL_PG_AHEAD_ARRAYS];

        n = PQntuples(b->rows);
        PQclear(a->r);
        a->r = NULL;
        a->from = b->row;
        a->to = n - b->row > ZL_PG_AHEAD ? b->row + ZL_PG_AHEAD : n;
        zl_pg_params_init(&p);
        for (int i = 0; i < ZL_PG_AHEAD_ARRAYS; i++)
            zl_buf_init(&arr[i], (size_t)1 << 30);
        rc = bind ? bind(s, name, &p, arr) : bind_names(b, k, a->to, &p, arr);
        if (!rc)
            a->r = zl_pg_run(s, sql, &p, &rc);
        for (int i = 0; i < ZL_PG_AHEAD_ARRAYS; i++)
            zl_buf_cleanup(&arr[i]);
        if (!a->r)
            return rc ? rc : ZL_ESTORE;
    }
    len = k == ZL_PG_AHEAD_LEAF ? strlen(name) : 32;
    *lo = 0; /* the first row of name or after it */
    *hi = PQntuples(a->r);
    while (*lo < *hi) {
        int mid = *lo + (*hi - *lo) / 2;

        if (cmp_name(a->r, mid, name, len) < 0)
            *lo = mid + 1;
        else
            *hi = mid;
    }
    for (*hi = *lo; *hi < PQntuples(a->r) && !cmp_name(a->r, *hi, name, len);
         ++*hi)
        ;
    *r = a->r;
    return 0;
}
