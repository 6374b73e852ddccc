/*
 * sqlite_zjson.c - events.json compressed on SQLite (schema 8): zstd with
 * a dictionary trained from the store's own events and kept in the store.
 *
 * A value of events.json is TEXT (the JSON as captured: rows of stores
 * before schema 8, of a store that has no dictionary yet, and rows a copy
 * wrote) or a BLOB: one byte, the dictionary's version (1-255), then a
 * zstd frame of the JSON made with that dictionary (content size in the
 * frame header, no checksum: verify recomputes every event's hash from
 * the JSON, which a damaged frame cannot pass). Readers take either, so
 * old rows stay readable and nothing has to be rewritten at once.
 *
 * The dictionary: meta "events.zdict" holds the current version (decimal
 * text), "events.zdict.N" the bytes of version N. Versions are never
 * overwritten (rows name theirs), so a later retraining adds N + 1. A
 * store gets version 1 once it holds TRAIN_AT events: after the commit
 * that reaches that count, in its own write transaction, from the last
 * SAMPLES events' JSON (ZDICT_trainFromBuffer, DICT_BYTES; once per
 * handle, so a store that cannot be trained is not retried at every
 * commit), and the rows
 * still stored as text are rewritten compressed in that transaction;
 * the 7 -> 8 migration does the same in its transaction. A store keeps
 * learning: the next dictionary is trained once it holds 16 times the
 * events the current one's version waited for (version N at 2,048 <<
 * 4(N-1): 2,048, 32,768, 524,288, 8.4M, 134M), from SAMPLES events spread
 * evenly over all it holds, and new rows use it; rows already written
 * keep theirs (their version byte names it). The new one takes the
 * version of the threshold the store is at (a 10M-event store at version
 * 1 learns version 4, not 2, 3 and 4 a capture apiece). The
 * first events of a chain are not its typical ones: on the 10M demo
 * store, a dictionary learnt from its first 4,096 events compressed
 * later events to 197 bytes a frame, one learnt across the store to 107
 * (`zstd --train`, 16 KiB, level 1, 4,096 events of other days). Training
 * only
 * after a commit means a dictionary rows refer to is never rolled back
 * with a document that failed; each write transaction reads the current
 * version once (a meta read) so another process's training is seen.
 *
 * Figures (the demo chain, 1,000 events after 4,000 trained on): JSON
 * 743 bytes an event average; zstd level 3 without a dictionary 261;
 * with a 16 KiB dictionary 76 at level 3, 78-79 at levels 1-2 (32 and
 * 64 KiB dictionaries gave the same), at ~360 MB/s, 2 us an event
 * (`zstd -b1 -e3 -D`). Rejected: compressing
 * without a dictionary (3x worse on events this small); a dictionary
 * shipped with the code (another chain's vocabulary and identifiers
 * compress worse, and the bytes a row needs must be in the store);
 * PostgreSQL's TOAST (it does not compress values under ~2 KB).
 */
#include "store/sqlite_int.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>
#include <zdict.h>
#include <zstd.h>

#define TRAIN_AT      2048  /* events in the store before a dictionary */
#define SAMPLES       4096  /* events the dictionary learns from */
#define DICT_BYTES    16384 /* dictionary size */
#define LEVEL         1     /* 3 saves 2 bytes an event for twice the time */
#define RETRAIN_SHIFT 4     /* a next dictionary at 16x the events */
#define META_CUR      "events.zdict"
#define JSON_MAX      ((size_t)64 << 20) /* one event's JSON, at most */

/* Room for n bytes in b (len untouched). 0 or ZL_ENOMEM / ZL_ELIMIT. */
static int reserve(struct zl_buf *b, size_t n)
{
    char *p;

    if (n > b->max)
        return ZL_ELIMIT;
    if (b->cap >= n && b->data)
        return 0;
    if (!(p = zl_realloc(b->data, n)))
        return ZL_ENOMEM;
    b->data = p;
    b->cap = n;
    return 0;
}

struct zl_zjson {
    int ver;     /* the dictionary loaded (0: none) */
    uint64_t tx; /* transaction in which the current version was read */
    ZSTD_CDict *cd;
    ZSTD_DDict *dd;
    ZSTD_CCtx *cc;
    ZSTD_DCtx *dc;
    int want_train;       /* text rows written since the last check */
    int tried;            /* this handle trained (or failed to) at ... */
    int tried_ver;        /* ... this version: not again */
    struct zl_buf framed; /* a bare frame with its magic put back */
};

/* The 4 bytes that begin a zstd frame (ZSTD_MAGICNUMBER, little-endian),
 * left out of a stored frame since 7 December 2026 (see above). */
static const uint8_t FRAME_MAGIC[4] = {0x28, 0xB5, 0x2F, 0xFD};

void zl_sqlite_zjson_free(struct zl_zjson *z)
{
    if (!z)
        return;
    ZSTD_freeCDict(z->cd);
    ZSTD_freeDDict(z->dd);
    ZSTD_freeCCtx(z->cc);
    ZSTD_freeDCtx(z->dc);
    zl_buf_cleanup(&z->framed);
    zl_free(z);
}

static struct zl_zjson *state(zl_store *s)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    if (!q->zj) {
        q->zj = zl_calloc(1, sizeof *q->zj);
        if (q->zj)
            zl_buf_init(&q->zj->framed, JSON_MAX);
        if (q->zj && (!(q->zj->cc = ZSTD_createCCtx()) ||
                      !(q->zj->dc = ZSTD_createDCtx()))) {
            zl_sqlite_zjson_free(q->zj);
            q->zj = NULL;
        }
    }
    return q->zj;
}

/* A meta value (a blob copy in *out, caller frees). ZL_ENOTFOUND when
 * absent. */
static int meta_get(zl_store *s, const char *key, void **out, size_t *len)
{
    static const char SQL[] = "SELECT value FROM meta WHERE key = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    *out = NULL;
    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        *out = zl_malloc(*len + 1);
        if (*out) {
            if (*len)
                memcpy(*out, sqlite3_column_blob(st, 0), *len);
            ((char *)*out)[*len] = 0;
        }
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return ZL_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return ZL_ESTORE;
    return *out ? 0 : ZL_ENOMEM;
}

static int meta_put(zl_store *s, const char *key, const void *v, size_t len)
{
    static const char SQL[] =
        "INSERT INTO meta(key, value) VALUES(?1, ?2)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, v, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

/* The current dictionary version recorded in the store (0: none). */
static int current_version(zl_store *s, int *ver)
{
    void *v = NULL;
    size_t len = 0;
    int rc = meta_get(s, META_CUR, &v, &len), n = 0;

    *ver = 0;
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    for (size_t i = 0; i < len; i++) {
        char c = ((char *)v)[i];

        if (c < '0' || c > '9' || n > 255) {
            n = -1;
            break;
        }
        n = n * 10 + (c - '0');
    }
    zl_free(v);
    if (n < 1 || n > 255)
        return ZL_ESTORE;
    *ver = n;
    return 0;
}

/* Dictionaries of version ver for z (cd may stay NULL: read only). */
static int load_dicts(zl_store *s, struct zl_zjson *z, int ver, int compress,
                      ZSTD_CDict **cd, ZSTD_DDict **dd)
{
    char key[32];
    void *d = NULL;
    size_t len = 0;
    int rc;

    (void)z;
    snprintf(key, sizeof key, META_CUR ".%d", ver);
    if ((rc = meta_get(s, key, &d, &len)))
        return rc == ZL_ENOTFOUND ? ZL_ESTORE : rc;
    *dd = ZSTD_createDDict(d, len);
    if (compress)
        *cd = ZSTD_createCDict(d, len, LEVEL);
    zl_free(d);
    if (!*dd || (compress && !*cd)) {
        ZSTD_freeDDict(*dd);
        *dd = NULL;
        if (compress) {
            ZSTD_freeCDict(*cd);
            *cd = NULL;
        }
        return ZL_ESTORE;
    }
    return 0;
}

/* Make z's dictionary the store's current one (once a transaction). */
static int refresh(zl_store *s, struct zl_zjson *z)
{
    ZSTD_CDict *cd = NULL;
    ZSTD_DDict *dd = NULL;
    int ver = 0, rc;

    if (z->tx == zl_store_tx_id(s) && z->tx)
        return 0;
    if ((rc = current_version(s, &ver)))
        return rc;
    z->tx = zl_store_tx_id(s);
    if (ver == z->ver)
        return 0;
    if (ver && (rc = load_dicts(s, z, ver, 1, &cd, &dd)))
        return rc;
    ZSTD_freeCDict(z->cd);
    ZSTD_freeDDict(z->dd);
    z->cd = cd;
    z->dd = dd;
    z->ver = ver;
    return 0;
}

/* Compress json with z's dictionary into out: the version byte, then the
 * frame bare (no magic, no dictionary ID). */
static int compress(struct zl_zjson *z, const char *json, size_t len,
                    struct zl_buf *out)
{
    size_t cap = ZSTD_compressBound(len) + 1, n;
    uint8_t v = (uint8_t)z->ver;

    out->len = 0;
    if (reserve(out, cap))
        return ZL_ENOMEM;
    out->data[0] = (char)v;
    if (ZSTD_CCtx_reset(z->cc, ZSTD_reset_session_and_parameters) ||
        ZSTD_isError(ZSTD_CCtx_refCDict(z->cc, z->cd)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(z->cc, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(z->cc, ZSTD_c_dictIDFlag, 0)))
        return ZL_ESTORE;
    n = ZSTD_compress2(z->cc, out->data + 1, cap - 1, json, len);
    /* the buffer is sized to the bound: a failure here is no overflow */
    if (ZSTD_isError(n) || n <= sizeof FRAME_MAGIC ||
        memcmp(out->data + 1, FRAME_MAGIC, sizeof FRAME_MAGIC))
        return ZL_ESTORE;
    n -= sizeof FRAME_MAGIC;
    memmove(out->data + 1, out->data + 1 + sizeof FRAME_MAGIC, n);
    out->len = n + 1;
    return 0;
}

int zl_sqlite_json_pack(zl_store *s, const char *json, size_t len,
                        struct zl_buf *out, int *packed)
{
    struct zl_zjson *z = state(s);
    int rc;

    *packed = 0;
    if (!z)
        return ZL_ENOMEM;
    if ((rc = refresh(s, z)))
        return rc;
    if (!z->ver) {
        z->want_train = 1;
        return 0;
    }
    if ((rc = compress(z, json, len, out)))
        return rc;
    *packed = 1;
    return 0;
}

int zl_sqlite_json_unpack(zl_store *s, const void *p, size_t n,
                          struct zl_buf *scratch, const char **json,
                          size_t *len)
{
    struct zl_zjson *z = state(s);
    const uint8_t *b = p, *frame;
    size_t frame_len;
    ZSTD_DDict *dd = NULL, *other = NULL;
    ZSTD_CDict *unused = NULL;
    unsigned long long size;
    size_t got;
    int rc;

    if (!z)
        return ZL_ENOMEM;
    if (n < 2)
        return ZL_ESTORE;
    /* a version's bytes never change, so the row's version names the
     * dictionary: the store is asked only when it is not the one this
     * handle holds (trained since it looked, or none loaded yet), not at
     * every row of a page read outside a transaction */
    if (b[0] != z->ver || !z->dd) {
        z->tx = 0;
        if ((rc = refresh(s, z)))
            return rc;
    }
    if (b[0] == z->ver && z->dd)
        dd = z->dd;
    else if ((rc = load_dicts(s, z, b[0], 0, &unused, &other)))
        return rc;
    else
        dd = other;
    frame = b + 1;
    frame_len = n - 1;
    if (frame_len < sizeof FRAME_MAGIC ||
        memcmp(frame, FRAME_MAGIC, sizeof FRAME_MAGIC)) {
        /* a bare frame: the magic in front of a copy */
        z->framed.len = 0;
        if (zl_buf_add(&z->framed, FRAME_MAGIC, sizeof FRAME_MAGIC) ||
            zl_buf_add(&z->framed, frame, frame_len)) {
            rc = ZL_ENOMEM;
            goto out;
        }
        frame = (const uint8_t *)z->framed.data;
        frame_len = z->framed.len;
    }
    size = ZSTD_getFrameContentSize(frame, frame_len);
    rc = ZL_ESTORE;
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
        size > JSON_MAX)
        goto out;
    scratch->len = 0;
    if (reserve(scratch, (size_t)size + 1)) {
        rc = ZL_ENOMEM;
        goto out;
    }
    got = ZSTD_decompress_usingDDict(z->dc, scratch->data, (size_t)size + 1,
                                     frame, frame_len, dd);
    if (ZSTD_isError(got) || got != size)
        goto out;
    scratch->data[got] = 0;
    scratch->len = got;
    *json = (const char *)scratch->data;
    *len = got;
    rc = 0;
out:
    ZSTD_freeDDict(other);
    return rc;
}

/* ---- old frames made bare (schema 38's copy of events) --------------------
 * A frame written before schema 35 (magic, dictionary ID) as one written
 * since: the magic cut, the descriptor's Dictionary_ID_flag cleared and
 * the ID's bytes (after the window descriptor, when the frame has one)
 * removed. The blocks are untouched, so the JSON is the same bytes; the
 * row's version byte still names the dictionary. */
static void bare_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    static const size_t ID_BYTES[4] = {0, 1, 2, 4};
    const uint8_t *b = sqlite3_value_blob(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]), head, id;
    uint8_t *out;

    (void)argc;
    /* version byte, magic, descriptor, then the rest of the header */
    if (sqlite3_value_type(argv[0]) != SQLITE_BLOB || n < 7 ||
        memcmp(b + 1, FRAME_MAGIC, sizeof FRAME_MAGIC) || (b[5] & 0x08)) {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    head = 6 + ((b[5] & 0x20) ? 0 : 1); /* through the window descriptor */
    id = ID_BYTES[b[5] & 3];
    if (n < head + id || !(out = sqlite3_malloc64(n))) {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    out[0] = b[0];
    out[1] = (uint8_t)(b[5] & ~3u);
    memcpy(out + 2, b + 6, head - 6);
    memcpy(out + 2 + (head - 6), b + head + id, n - head - id);
    sqlite3_result_blob(cx, out, (int)(n - 4 - id), sqlite3_free);
}

int zl_sqlite_json_exec_baring(zl_store *s, const char *sql,
                               int (*exec)(zl_store *, const char *))
{
    sqlite3 *db = zl_sqlite_db(s);
    int rc;

    if (sqlite3_create_function_v2(db, "zl_zjson_bare", 1, SQLITE_UTF8, NULL,
                                   bare_fn, NULL, NULL, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    rc = exec(s, sql);
    sqlite3_create_function_v2(db, "zl_zjson_bare", 1, SQLITE_UTF8, NULL, NULL,
                               NULL, NULL, NULL);
    return rc;
}

/* ---- training -------------------------------------------------------------
 */

/* Rewrite every events.json still stored as text with z's dictionary. */
static int rewrite_text_rows(zl_store *s, struct zl_zjson *z)
{
    static const char SEL[] = "SELECT rid, json FROM events"
                              " WHERE typeof(json) = 'text' AND rid > ?1"
                              " ORDER BY rid LIMIT 1";
    static const char UPD[] = "UPDATE events SET json = ?2 WHERE rid = ?1";
    struct zl_buf out;
    int64_t after = 0;
    int rc = 0;

    zl_buf_init(&out, JSON_MAX);
    for (;;) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SEL);
        int step;

        if (!st) {
            rc = ZL_ESTORE;
            break;
        }
        sqlite3_bind_int64(st, 1, after);
        step = sqlite3_step(st);
        if (step == SQLITE_DONE) {
            sqlite3_reset(st);
            break;
        }
        if (step != SQLITE_ROW) {
            sqlite3_reset(st);
            rc = ZL_ESTORE;
            break;
        }
        after = sqlite3_column_int64(st, 0);
        rc = compress(z, (const char *)sqlite3_column_text(st, 1),
                      (size_t)sqlite3_column_bytes(st, 1), &out);
        sqlite3_reset(st);
        if (rc)
            break;
        if (!(st = zl_sqlite_stmt(s, UPD))) {
            rc = ZL_ESTORE;
            break;
        }
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_blob(st, 2, out.data, (int)out.len, SQLITE_STATIC);
        step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step != SQLITE_DONE) {
            rc = ZL_ESTORE;
            break;
        }
    }
    zl_buf_cleanup(&out);
    return rc;
}

/* zl_zjson_pack(json): the value events.json takes for json, for the
 * migration's INSERT ... SELECT (so rows are written once, compressed,
 * instead of written and then shrunk in place, which leaves the pages
 * they filled two-thirds empty). */
static void pack_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    zl_store *s = sqlite3_user_data(cx);
    struct zl_buf out;
    int packed = 0, rc;

    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    zl_buf_init(&out, JSON_MAX);
    rc = zl_sqlite_json_pack(s, (const char *)sqlite3_value_text(argv[0]),
                             (size_t)sqlite3_value_bytes(argv[0]), &out,
                             &packed);
    if (rc)
        sqlite3_result_error(cx, "cannot compress an event's JSON", -1);
    else if (packed)
        sqlite3_result_blob(cx, out.data, (int)out.len, SQLITE_TRANSIENT);
    else
        sqlite3_result_value(cx, argv[0]);
    zl_buf_cleanup(&out);
}

int zl_sqlite_json_exec_packing(zl_store *s, const char *sql)
{
    return zl_sqlite_exec_with_fn(s, sql, "zl_zjson_pack", pack_fn, s);
}

int zl_sqlite_json_train_in_tx(zl_store *s, int64_t min_events)
{
    return zl_sqlite_json_train(s, min_events, 1);
}

/* The events a store holds before the dictionary after version ver is
 * learnt (first: min_events, 0 for TRAIN_AT); 0 past the last. */
static int64_t train_at(int ver, int64_t min_events)
{
    int64_t first = min_events > 0 ? min_events : TRAIN_AT;

    if (ver >= 255 || ver * RETRAIN_SHIFT >= 40)
        return 0;
    return first << (ver * RETRAIN_SHIFT);
}

/* The version a dictionary learnt at count events takes: the first after
 * ver whose own threshold the store has not passed, so that a store that
 * grew past several since its last learns once, not once each. */
static int next_version(int ver, int64_t count, int64_t min_events)
{
    int v = ver + 1;

    while (v < 255 && train_at(v, min_events) &&
           train_at(v, min_events) <= count)
        v++;
    return v;
}

/* Append to all (sizes[*n]) the JSON of up to SAMPLES events to learn
 * from: for a first dictionary the last text rows; for a later one events
 * spread evenly over the count the store holds, whatever their form. */
static int take_samples(zl_store *s, int ver, int64_t count, struct zl_buf *all,
                        size_t *sizes, size_t *n)
{
    /* rowid, not rid: the migration trains on schema 7's table */
    static const char LAST_TEXT[] =
        "SELECT json FROM events WHERE typeof(json) = 'text'"
        " ORDER BY rowid DESC LIMIT ?1";
    static const char AT[] =
        "SELECT json FROM events WHERE rowid >= ?1 ORDER BY rowid LIMIT 1";
    struct zl_buf scratch;
    int rc = 0;

    zl_buf_init(&scratch, JSON_MAX);
    for (int64_t k = 0; !rc && *n < SAMPLES && k < (ver ? SAMPLES : 1); k++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, ver ? AT : LAST_TEXT);

        if (!st) {
            rc = ZL_ESTORE;
            break;
        }
        sqlite3_bind_int64(st, 1,
                           ver ? 1 + k * count / SAMPLES : (int64_t)SAMPLES);
        while (!rc && *n < SAMPLES && sqlite3_step(st) == SQLITE_ROW) {
            const char *json = (const char *)sqlite3_column_blob(st, 0);
            size_t len = (size_t)sqlite3_column_bytes(st, 0);

            if (sqlite3_column_type(st, 0) == SQLITE_BLOB)
                rc = zl_sqlite_json_unpack(s, json, len, &scratch, &json, &len);
            if (!rc && zl_buf_add(all, json, len))
                rc = ZL_ENOMEM;
            if (!rc)
                sizes[(*n)++] = len;
        }
        sqlite3_reset(st);
    }
    zl_buf_cleanup(&scratch);
    return rc;
}

int zl_sqlite_json_train(zl_store *s, int64_t min_events, int rewrite)
{
    static const char COUNT[] = "SELECT max(rowid) FROM events";
    struct zl_zjson *z = state(s);
    struct zl_buf all;
    size_t *sizes = NULL, n = 0, dn;
    void *dict = NULL;
    int64_t count = 0, at;
    int ver = 0, rc;
    char key[32], num[16];

    if (!z)
        return ZL_ENOMEM;
    if ((rc = current_version(s, &ver)))
        return rc;
    at = train_at(ver, min_events);
    if (!at || (rc = zl_sqlite_get_i64(s, COUNT, &count)) || count < at)
        return rc;
    zl_buf_init(&all, (size_t)SAMPLES * 65536);
    sizes = zl_malloc(SAMPLES * sizeof *sizes);
    dict = zl_malloc(DICT_BYTES);
    rc = ZL_ENOMEM;
    if (!sizes || !dict)
        goto out;
    if ((rc = take_samples(s, ver, count, &all, sizes, &n)))
        goto out;
    /* too few text rows to learn from (a copied store): stay as is */
    if (!ver && (int64_t)n < (min_events > 0 ? min_events : TRAIN_AT) / 2)
        goto out;
    dn = ZDICT_trainFromBuffer(dict, DICT_BYTES, all.data, sizes, (unsigned)n);
    if (ZDICT_isError(dn))
        goto out; /* nothing to learn: rows stay as they are */
    snprintf(num, sizeof num, "%d", next_version(ver, count, min_events));
    snprintf(key, sizeof key, META_CUR ".%s", num);
    if ((rc = meta_put(s, key, dict, dn)) ||
        (rc = meta_put(s, META_CUR, num, strlen(num))))
        goto out;
    z->tx = 0; /* read the version again */
    if ((rc = refresh(s, z)))
        goto out;
    z->tx = 0; /* and in the next transaction, whatever becomes of this */
    if (rewrite && !ver)
        rc = rewrite_text_rows(s, z);
out:
    zl_buf_cleanup(&all);
    zl_free(sizes);
    zl_free(dict);
    return rc;
}

void zl_sqlite_json_after_commit(zl_store *s)
{
    static const char MAX[] = "SELECT max(rid) FROM events";
    struct zl_sqlite *q = zl_sqlite_of(s);
    int64_t max = 0, at;

    /* text rows written, or a dictionary this handle has not tried to
     * follow with the next one */
    if (!q->zj || (!q->zj->want_train && !q->zj->ver) ||
        (q->zj->tried && q->zj->tried_ver == q->zj->ver))
        return;
    at = train_at(q->zj->ver, 0);
    if (!at || zl_sqlite_get_i64(s, MAX, &max) || max < at)
        return;
    q->zj->want_train = 0;
    q->zj->tried = 1;
    q->zj->tried_ver = q->zj->ver;
    /* An optimisation: a failure leaves the rows as text, to try again
     * after a later capture. */
    if (zl_sqlite_exec(s, "BEGIN IMMEDIATE"))
        return;
    if (zl_sqlite_json_train_in_tx(s, 0) || zl_sqlite_exec(s, "COMMIT"))
        zl_sqlite_exec(s, "ROLLBACK");
    q->zj->tx = 0;
}
