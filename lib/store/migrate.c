/*
 * migrate.c - zl_store_copy (zhiliang/store.h): copy a store to another
 * one, on the same backend or another, with its log intact.
 *
 * How: the target is opened with ZL_STORE_CREATE, so it has the schema
 * and empty tables; then every table described in tables.c goes over in
 * primary-key order, a keyset page of the source at a time (backend.h:
 * rows_read), each page written to the target in one transaction
 * (rows_write) together with the copy's position in the target's meta:
 *   migrate.source  the source's identity: its log's verifier key, size,
 *                   root and latest checkpoint (written first, alone)
 *   migrate.table   the table the last batch went to
 *   migrate.key     that batch's last primary key (encoded below)
 * Since rows and position commit together, a copy killed at any point
 * resumes from the position it recorded without copying a row twice; the
 * inserts skip rows already present anyway (ON CONFLICT DO NOTHING) and
 * a batch where any row was skipped fails the copy, since it means the
 * target held rows the position says it cannot. At the end the target's
 * log is checked against the identity (a new handle computes its root
 * from the copied nodes, reads the key and the checkpoint) and the
 * migrate.* keys are deleted.
 *
 * The source is read in one snapshot, so one run copies one state even
 * if something writes to it; a resumed run refuses a source whose log
 * moved since the copy began (its identity differs), since rows before
 * the recorded position could have changed. Writes that add no log leaf
 * (there are none in the library; reindex rewrites derived rows only
 * from logged records) would go unnoticed across a resume.
 *
 * What is not copied: the target's own meta keys (its schema version,
 * the same as the source's once the source is opened, migrate.*, and
 * the events.zdict* dictionaries of an SQLite store: events' JSON is read
 * out as text, and an SQLite target compresses it as capture would,
 * training its own dictionary after the first batch past 2,048 events),
 * and the trace index (trace_keys, trace_events, trace_adj and its
 * counters tix_gen and tix_epoch): it refers to the target's own identifier and
 * event numbers, so finish rebuilds it from the copied events, in the
 * transaction that ends the copy; nothing else is backend-specific. The
 * source's events go over with their events.ids packing, which both backends
 * share (ids_pack.c).
 *
 * Batches: opts->batch rows (default 5,000) or 32 MiB of values,
 * whichever comes first; the first page of each table is one row, and
 * later pages are sized from the largest row seen, so a PostgreSQL
 * source (whose reads bring a whole page into memory) never returns
 * thousands of 64 MiB signed documents at once.
 *
 * Rejected: copying through the module APIs (event_put, party_put...):
 * they recompute derived rows and append log leaves, so the log would be
 * rebuilt rather than copied, record times would change and a record the
 * API refuses could not move; a dump file in between (twice the I/O and
 * a file as large as the store); one transaction for the whole copy (a
 * crash after hours loses everything, and PostgreSQL holds every row's
 * undo in one transaction).
 */
#include "zhiliang/store.h"

#include "audit/audit_int.h"
#include "store/backend.h"
#include "store/store.h"
#include "store/tables.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "zhiliang/arena.h"
#include "zhiliang/codec.h"
#include "zhiliang/log.h"

#include <string.h>

#define META_VERSION  "store.schema_version"
#define META_PREFIX   "migrate."
#define META_ZDICT    "events.zdict"
#define META_TIX      "tix_" /* the trace index's counters (rebuilt, not copied) */
#define META_SOURCE   "migrate.source"
#define META_TABLE    "migrate.table"
#define META_KEY      "migrate.key"
#define BATCH_DEFAULT 5000
#define BATCH_BYTES   ((size_t)32 << 20)
#define ARENA_MAX     ((size_t)1 << 31)
#define KEY_MAX       8    /* key columns of any table */
#define PAGE_FULL     4242 /* a page callback's "stop here" */
#define IDENTITY_MAX  (64 * 1024)

struct copy {
    zl_store *src, *dst;
    const char *to_uri;
    size_t batch;
    int (*progress)(void *ctx, const struct zl_store_copy_progress *p);
    void *progress_ctx;
    struct zl_store_copy_result *res;
    struct zl_error *err;
};

/* One page of a table: the rows to write (values in the arena) and the
 * key of the last row read. */
struct page {
    const struct zl_store_table *t;
    struct zl_arena a;
    struct zl_store_value *rows; /* n * t->n_cols */
    size_t n, cap;
    struct zl_store_value last[KEY_MAX];
    size_t read, bytes, max_row;
    int is_meta; /* t is meta: the target's own keys stay out */
};

/* ---- the position: an encoded key -----------------------------------------
 * Per key value a kind byte, then: nothing (n), 8 bytes big-endian (i, d:
 * the IEEE bits) or an 8-byte big-endian length and the bytes (t, b).
 */

static int put_u64(struct zl_buf *b, uint64_t v)
{
    uint8_t x[8];

    for (int i = 7; i >= 0; i--, v >>= 8)
        x[i] = (uint8_t)v;
    return zl_buf_add(b, x, 8);
}

static int key_encode(const struct zl_store_value *key, size_t n,
                      struct zl_buf *b)
{
    static const char KIND[] = "nidtb";
    int rc = 0;

    zl_buf_reset(b);
    for (size_t i = 0; i < n && !rc; i++) {
        uint64_t bits;

        rc = zl_buf_addc(b, KIND[key[i].type]);
        if (rc)
            break;
        switch (key[i].type) {
        case ZL_VALUE_INT: rc = put_u64(b, (uint64_t)key[i].i); break;
        case ZL_VALUE_DOUBLE:
            memcpy(&bits, &key[i].d, 8);
            rc = put_u64(b, bits);
            break;
        case ZL_VALUE_TEXT:
        case ZL_VALUE_BLOB:
            rc = put_u64(b, key[i].len);
            if (!rc && key[i].len)
                rc = zl_buf_add(b, key[i].p, key[i].len);
            break;
        default: break;
        }
    }
    return rc ? ZL_ENOMEM : 0;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Decode n values from p[0..len) into key (pointing into p). */
static int key_decode(const uint8_t *p, size_t len, struct zl_store_value *key,
                      size_t n)
{
    size_t at = 0;

    for (size_t i = 0; i < n; i++) {
        struct zl_store_value *v = &key[i];
        uint64_t x;

        memset(v, 0, sizeof *v);
        if (at >= len)
            return ZL_ESTORE;
        switch (p[at++]) {
        case 'n': v->type = ZL_VALUE_NULL; continue;
        case 'i': v->type = ZL_VALUE_INT; break;
        case 'd': v->type = ZL_VALUE_DOUBLE; break;
        case 't': v->type = ZL_VALUE_TEXT; break;
        case 'b': v->type = ZL_VALUE_BLOB; break;
        default: return ZL_ESTORE;
        }
        if (len - at < 8)
            return ZL_ESTORE;
        x = get_u64(p + at);
        at += 8;
        if (v->type == ZL_VALUE_INT) {
            v->i = (int64_t)x;
        } else if (v->type == ZL_VALUE_DOUBLE) {
            memcpy(&v->d, &x, 8);
        } else {
            if (x > len - at)
                return ZL_ESTORE;
            v->p = p + at;
            v->len = (size_t)x;
            at += (size_t)x;
        }
    }
    return at == len ? 0 : ZL_ESTORE;
}

/* ---- identity ------------------------------------------------------------ */

/* What makes the source this source at this state: the log's verifier
 * key (origin and public key), size, root and latest checkpoint note. */
static int identity(zl_store *s, struct zl_buf *out, uint64_t *size,
                    uint8_t root[32])
{
    char *vkey = NULL, *note = NULL, hex[65];
    int rc;

    zl_buf_reset(out);
    rc = zl_log_public_key(s, &vkey);
    if (rc == ZL_ENOTFOUND)
        rc = 0; /* a store made without a key (tools, tests) */
    if (!rc)
        rc = zl_log_size(s, size);
    if (!rc)
        rc = zl_log_root(s, *size, root);
    if (!rc) {
        rc = zl_log_checkpoint_latest(s, &note);
        if (rc == ZL_ENOTFOUND)
            rc = 0;
    }
    if (!rc) {
        zl_hex_encode(root, 32, hex);
        rc = zl_buf_printf(out, "%s\n%llu\n%s\n%s", vkey ? vkey : "",
                           (unsigned long long)*size, hex, note ? note : "")
                 ? ZL_ENOMEM
                 : 0;
    }
    zl_free(vkey);
    zl_free(note);
    return rc;
}

/* ---- reading a page ------------------------------------------------------ */

static int copy_value(struct zl_arena *a, struct zl_store_value *dst,
                      const struct zl_store_value *src)
{
    *dst = *src;
    if ((src->type == ZL_VALUE_TEXT || src->type == ZL_VALUE_BLOB) &&
        src->len) {
        dst->p = zl_arena_strndup_packed(a, src->p, src->len);
        if (!dst->p)
            return ZL_ENOMEM;
    } else if (src->type == ZL_VALUE_TEXT || src->type == ZL_VALUE_BLOB) {
        dst->p = "";
    }
    return 0;
}

/* meta rows that stay the target's own: its schema version, the copy's
 * position, and an SQLite store's JSON dictionaries (events' JSON leaves
 * the source as text, and the target stores it its own way). */
static int own_meta_key(const struct zl_store_value *key)
{
    static const size_t PN = sizeof META_PREFIX - 1, DN = sizeof META_ZDICT - 1,
                        TN = sizeof META_TIX - 1;

    if (key->type != ZL_VALUE_TEXT && key->type != ZL_VALUE_BLOB)
        return 0;
    return (key->len == sizeof META_VERSION - 1 &&
            !memcmp(key->p, META_VERSION, key->len)) ||
           (key->len >= PN && !memcmp(key->p, META_PREFIX, PN)) ||
           (key->len >= DN && !memcmp(key->p, META_ZDICT, DN)) ||
           (key->len >= TN && !memcmp(key->p, META_TIX, TN));
}

static int page_row(void *ctx, const struct zl_store_value *row)
{
    struct page *pg = ctx;
    const struct zl_store_table *t = pg->t;
    size_t bytes = 0;
    int rc = 0;

    for (size_t i = 0; i < t->n_cols; i++)
        bytes += row[i].len + 16;
    if (!(pg->is_meta && own_meta_key(&row[0]))) {
        struct zl_store_value *dst;

        if ((rc = zl_grow((void **)&pg->rows, &pg->cap, (pg->n + 1) * t->n_cols,
                          sizeof *pg->rows, (size_t)64 * t->n_cols, NULL)))
            return rc;
        dst = pg->rows + pg->n * t->n_cols;
        for (size_t i = 0; i < t->n_cols && !rc; i++)
            rc = copy_value(&pg->a, &dst[i], &row[i]);
        if (rc)
            return rc;
        pg->n++;
        memcpy(pg->last, dst, t->n_key * sizeof *dst);
    } else {
        for (size_t i = 0; i < t->n_key && !rc; i++)
            rc = copy_value(&pg->a, &pg->last[i], &row[i]);
        if (rc)
            return rc;
    }
    pg->read++;
    pg->bytes += bytes;
    if (bytes > pg->max_row)
        pg->max_row = bytes;
    return pg->bytes >= BATCH_BYTES ? PAGE_FULL : 0;
}

static void page_reset(struct page *pg)
{
    zl_arena_free(&pg->a);
    pg->n = pg->read = pg->bytes = 0;
}

/* ---- the copy ------------------------------------------------------------ */

static int has_table(zl_store *s, const struct zl_store_table *t)
{
    return t->module == ZL_STORE_TABLE_CORE || s->be->modules[t->module];
}

static int any_row(void *ctx, const struct zl_store_value *row)
{
    const struct zl_store_table *t = ctx;

    /* a new store's meta holds its schema version */
    if (t == zl_store_table_find("meta") && own_meta_key(&row[0]))
        return 0;
    return 1;
}

/* ZL_EEXIST when any table of the target holds a row. */
static int check_empty(struct copy *c)
{
    for (size_t i = 0; i < zl_store_n_tables; i++) {
        const struct zl_store_table *t = &zl_store_tables[i];
        int rc;

        if (!has_table(c->dst, t))
            continue;
        rc = c->dst->be->rows_read(c->dst, t, NULL, 4, any_row, (void *)t,
                                   c->err);
        if (rc == 1)
            return zl_error_setf(c->err, ZL_EEXIST, c->to_uri, NULL,
                                 "the target already holds data (table %s):"
                                 " copy into a new or empty store",
                                 t->name);
        if (rc)
            return rc;
    }
    return 0;
}

static int meta_text(zl_store *s, const char *key, struct zl_buf *out)
{
    char *v = NULL;
    size_t len = 0;
    int rc = zl_store_meta_get(s, key, &v, &len);

    zl_buf_reset(out);
    if (!rc && zl_buf_add(out, v, len))
        rc = ZL_ENOMEM;
    zl_free(v);
    return rc;
}

static int report(struct copy *c, size_t ti, uint64_t table_rows)
{
    struct zl_store_copy_progress p = {zl_store_tables[ti].name, ti,
                                       zl_store_n_tables, table_rows,
                                       c->res->rows};

    return c->progress ? c->progress(c->progress_ctx, &p) : 0;
}

/* Write one page and the position after it, in one transaction. */
static int commit_page(struct copy *c, struct page *pg, struct zl_buf *cursor)
{
    const struct zl_store_table *t = pg->t;
    uint64_t written = 0;
    int rc;

    if ((rc = key_encode(pg->last, t->n_key, cursor)))
        return rc;
    if ((rc = zl_store_begin(c->dst)))
        return zl_error_set(c->err, rc, c->to_uri, "cannot begin a batch",
                            zl_strerror(rc), (size_t)-1);
    if (pg->n)
        rc = c->dst->be->rows_write(c->dst, t, pg->rows, pg->n, &written,
                                    c->err);
    if (!rc && written != pg->n)
        rc = zl_error_setf(c->err, ZL_EEXIST, c->to_uri, NULL,
                           "%llu rows of table %s were already in the target"
                           " before their batch: it is not the unfinished"
                           " copy it says it is (remove it and copy again)",
                           (unsigned long long)(pg->n - written), t->name);
    if (!rc && (rc = zl_store_meta_set(c->dst, META_TABLE, t->name,
                                       strlen(t->name))) == 0)
        rc = zl_store_meta_set(c->dst, META_KEY, cursor->data, cursor->len);
    if (!rc && (rc = zl_store_commit(c->dst)))
        zl_error_set(c->err, rc, c->to_uri, "cannot commit a batch",
                     zl_strerror(rc), (size_t)-1);
    if (rc)
        zl_store_rollback(c->dst);
    return rc;
}

/* Copy table ti from the position in cursor (empty: its first row). */
static int copy_table(struct copy *c, size_t ti, struct zl_buf *cursor)
{
    const struct zl_store_table *t = &zl_store_tables[ti];
    struct zl_store_value after[KEY_MAX];
    struct page pg;
    uint64_t table_rows = 0;
    size_t limit = 1;
    int rc = 0;

    if (t->n_key > KEY_MAX)
        return ZL_ELIMIT;
    memset(&pg, 0, sizeof pg);
    pg.t = t;
    pg.is_meta = !strcmp(t->name, "meta");
    zl_arena_init_chunk(&pg.a, ARENA_MAX, (size_t)1 << 20);
    for (;;) {
        int full;

        if (cursor->len && (rc = key_decode((const uint8_t *)cursor->data,
                                            cursor->len, after, t->n_key))) {
            zl_error_set(c->err, rc, c->to_uri,
                         "the recorded position of the copy is damaged",
                         META_KEY, (size_t)-1);
            break;
        }
        page_reset(&pg);
        rc = c->src->be->rows_read(c->src, t, cursor->len ? after : NULL, limit,
                                   page_row, &pg, c->err);
        full = rc == PAGE_FULL;
        if (full)
            rc = 0;
        if (rc || !pg.read)
            break;
        if ((rc = commit_page(c, &pg, cursor)))
            break;
        c->res->rows += pg.n;
        table_rows += pg.n;
        if ((rc = report(c, ti, table_rows)))
            break;
        if (!full && pg.read < limit)
            break; /* a short page is the table's end */
        limit = BATCH_BYTES / (pg.max_row ? pg.max_row : 1);
        if (limit > c->batch)
            limit = c->batch;
        if (!limit)
            limit = 1;
    }
    page_reset(&pg);
    zl_free(pg.rows);
    return rc;
}

/* Open both stores, check what can be copied and where to start. */
static int start(struct copy *c, const char *from_uri, struct zl_buf *ident,
                 size_t *first, struct zl_buf *cursor)
{
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, IDENTITY_MAX);
    if ((rc = zl_store_open(from_uri, ZL_STORE_EXISTING, &c->src, c->err)))
        goto out;
    rc = meta_text(c->src, META_SOURCE, &b);
    if (rc != ZL_ENOTFOUND) {
        if (!rc)
            rc = zl_error_set(c->err, ZL_EINVAL, from_uri,
                              "the source is an unfinished copy of another "
                              "store: finish that copy first",
                              NULL, 0);
        goto out;
    }
    if ((rc = zl_store_snapshot_begin(c->src)) ||
        (rc = identity(c->src, ident, &c->res->log_size, c->res->log_root))) {
        zl_error_set(c->err, rc, from_uri, "cannot read the source's log",
                     zl_strerror(rc), (size_t)-1);
        goto out;
    }
    if ((rc = zl_store_open(c->to_uri, ZL_STORE_CREATE, &c->dst, c->err)))
        goto out;
    for (size_t i = 0; i < zl_store_n_tables; i++) {
        const struct zl_store_table *t = &zl_store_tables[i];

        if (has_table(c->src, t) && !has_table(c->dst, t)) {
            rc = zl_error_setf(c->err, ZL_EUNSUPPORTED, c->to_uri, NULL,
                               "the target's backend (%s) has no %s tables "
                               "yet, which the source has",
                               zl_store_backend_name(c->dst), t->name);
            goto out;
        }
    }
    if (!c->src->be->rows_read || !c->dst->be->rows_write ||
        !c->dst->be->rows_delete || !c->dst->be->rows_read) {
        rc = zl_error_set(c->err, ZL_EUNSUPPORTED, c->to_uri,
                          "a backend cannot copy rows", NULL, 0);
        goto out;
    }
    rc = meta_text(c->dst, META_SOURCE, &b);
    if (rc == ZL_ENOTFOUND) { /* a new copy */
        *first = 0;
        zl_buf_reset(cursor);
        if ((rc = check_empty(c)))
            goto out;
        if ((rc = zl_store_begin(c->dst)) ||
            (rc = zl_store_meta_set(c->dst, META_SOURCE, ident->data,
                                    ident->len)) ||
            (rc = zl_store_commit(c->dst))) {
            zl_store_rollback(c->dst);
            zl_error_set(c->err, rc, c->to_uri, "cannot write to the target",
                         zl_strerror(rc), (size_t)-1);
        }
        goto out;
    }
    if (rc)
        goto out;
    if (b.len != ident->len || memcmp(b.data, ident->data, b.len)) {
        rc = zl_error_set(c->err, ZL_EEXIST, c->to_uri,
                          "the target holds an unfinished copy of another "
                          "store, or of this one before its log changed: "
                          "remove the target and copy again",
                          NULL, 0);
        goto out;
    }
    c->res->resumed = 1;
    *first = 0;
    zl_buf_reset(cursor);
    rc = meta_text(c->dst, META_TABLE, &b);
    if (rc == ZL_ENOTFOUND) { /* stopped before its first batch */
        rc = 0;
        goto out;
    }
    if (!rc && !zl_buf_addc(&b, '\0')) {
        const struct zl_store_table *t = zl_store_table_find(b.data);

        rc = t ? meta_text(c->dst, META_KEY, cursor) : ZL_ESTORE;
        if (!rc)
            *first = (size_t)(t - zl_store_tables);
    }
    if (rc)
        zl_error_set(c->err, rc, c->to_uri,
                     "the recorded position of the copy is damaged", NULL, 0);
out:
    zl_buf_cleanup(&b);
    return rc;
}

/* Check the finished copy's log on a new handle; drop the position. */
static int finish(struct copy *c, const struct zl_buf *ident)
{
    static const char *const KEYS[] = {META_TABLE, META_KEY, META_SOURCE};
    const struct zl_store_table *meta = zl_store_table_find("meta");
    uint8_t root[32];
    uint64_t size = 0;
    struct zl_buf got;
    int rc;

    zl_buf_init(&got, IDENTITY_MAX);
    zl_store_close(c->dst);
    c->dst = NULL;
    if ((rc = zl_store_open(c->to_uri, ZL_STORE_EXISTING, &c->dst, c->err)))
        goto out;
    if ((rc = identity(c->dst, &got, &size, root)) || got.len != ident->len ||
        memcmp(got.data, ident->data, got.len)) {
        rc = zl_error_set(c->err, rc ? rc : ZL_ESTORE, c->to_uri,
                          "the copy's log does not match the source's "
                          "(key, size, root or checkpoint)",
                          rc ? zl_strerror(rc) : NULL, (size_t)-1);
        goto out;
    }
    if ((rc = zl_store_begin(c->dst)))
        goto out;
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0] && !rc; i++) {
        struct zl_store_value k = {ZL_VALUE_TEXT, 0, 0, KEYS[i],
                                   strlen(KEYS[i])};

        rc = c->dst->be->rows_delete(c->dst, meta, &k, c->err);
    }
    if (!rc)
        rc = audit_tix_build(c->dst);
    if (!rc)
        rc = zl_store_commit(c->dst);
    if (rc) {
        zl_store_rollback(c->dst);
        zl_error_set(c->err, rc, c->to_uri, "cannot finish the copy",
                     zl_strerror(rc), (size_t)-1);
    }
out:
    zl_buf_cleanup(&got);
    return rc;
}

int zl_store_copy(const char *from_uri, const char *to_uri,
                  const struct zl_store_copy_opts *opts,
                  struct zl_store_copy_result *res, struct zl_error *err)
{
    struct zl_store_copy_result dummy;
    struct zl_buf ident, cursor;
    struct copy c;
    size_t first = 0;
    int rc;

    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    memset(&c, 0, sizeof c);
    c.to_uri = to_uri;
    c.batch = opts && opts->batch ? opts->batch : BATCH_DEFAULT;
    c.progress = opts ? opts->progress : NULL;
    c.progress_ctx = opts ? opts->progress_ctx : NULL;
    c.res = res;
    c.err = err;
    res->tables = zl_store_n_tables;
    zl_buf_init(&ident, IDENTITY_MAX);
    zl_buf_init(&cursor, (size_t)1 << 30);
    if (!from_uri || !to_uri) {
        rc = zl_error_set(err, ZL_EINVAL, "", "a copy needs two stores", NULL,
                          0);
        goto out;
    }
    if ((rc = start(&c, from_uri, &ident, &first, &cursor)))
        goto out;
    for (size_t i = first; i < zl_store_n_tables && !rc; i++) {
        /* the trace index refers to the target's own identifier and
         * event numbers: rebuilt there (finish), not copied */
        if (has_table(c.src, &zl_store_tables[i]) &&
            zl_store_tables[i].module != ZL_STORE_MOD_TIX)
            rc = copy_table(&c, i, &cursor);
        zl_buf_reset(&cursor);
    }
    if (!rc)
        rc = finish(&c, &ident);
out:
    if (c.src)
        zl_store_snapshot_end(c.src);
    zl_store_close(c.src);
    zl_store_close(c.dst);
    zl_buf_cleanup(&ident);
    zl_buf_cleanup(&cursor);
    return rc;
}
