/*
 * sqlite_receipt.c - store_receipt.h on SQLite.
 *
 * receipts(key, grp, kind, record_time, party, doc, events): one row per
 * group, events the stored 32-byte hashes concatenated in capture order
 * (a document of 1,000 events adds one 32 KB row, not 1,000 rows).
 * Rejected: a row per listed event (an index entry per event at capture,
 * where verify needs the lists only once per run and reads them all).
 *
 * Since schema 21 a list whose every hash is a logged event's holds the
 * indexes of the events' log leaves instead (LIST_LEAVES below): a
 * document's events are consecutive leaves, so each is a one-byte delta
 * and the row ~1 KB instead of 32 KB (35 bytes an event less). Reads give
 * the hashes back, read from the leaves' keys (sqlite_log.c stores an
 * event's key as its 32 bytes), so the receipt recomputes to its logged
 * leaf as before, and any edit of the list changes what it recomputes to
 * (verify reports the receipt). The log is append-only and checked leaf
 * by leaf against its tree, so the numbers never move (events.rid, which
 * reindex may renumber, was rejected for that). A list naming an event
 * the log lacks keeps the hashes.
 */
#include "store/store_receipt.h"

#include "store/sqlite_int.h"
#include "util/buf.h"

#include <string.h>

/* The leaf list: this byte, the count as a varint, each leaf index as a
 * zig-zag varint of its difference from the previous one (the first from 0),
 * and one byte LIST_PAD when the rest would be a multiple of 32 bytes: a list
 * of hashes always is, so the two never look alike. */
#define LIST_LEAVES 0xC1
#define LIST_PAD    0xFF

int zl_sqlite_receipt_pack(zl_store *s, const uint8_t (*events)[32], size_t n,
                           struct zl_buf *out)
{
    static const uint8_t head = LIST_LEAVES, pad = LIST_PAD;
    int64_t prev = 0;
    int rc;

    zl_buf_reset(out);
    rc = zl_buf_add(out, &head, 1);
    if (!rc)
        rc = zl_buf_add_uvarint(out, n);
    for (size_t i = 0; i < n && !rc; i++) {
        int64_t leaf = zl_sqlite_leaf_of_hash(s, events[i]);
        int64_t d = leaf - prev;

        if (leaf < 0) { /* an event the log lacks: the hashes */
            zl_buf_reset(out);
            return zl_buf_add(out, n ? (const void *)events : "", n * 32);
        }
        rc = zl_buf_add_uvarint(out, d < 0 ? ((uint64_t) - (d + 1) << 1) | 1
                                           : (uint64_t)d << 1);
        prev = leaf;
    }
    if (!rc && out->len % 32 == 0)
        rc = zl_buf_add(out, &pad, 1);
    return rc;
}

static int get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;

    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;

        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return ZL_ESTORE;
}

int zl_sqlite_receipt_unpack(zl_store *s, const uint8_t *p, size_t len,
                             struct zl_buf *out)
{
    const uint8_t *end = p + len;
    uint64_t n, z;
    int64_t leaf = 0;
    int rc = 0;

    zl_buf_reset(out);
    if (!len || len % 32 == 0 || p[0] != LIST_LEAVES)
        return zl_buf_add(out, len ? (const void *)p : "", len);
    p++;
    if (get_uvarint(&p, end, &n) || n > len * 8)
        return ZL_ESTORE;
    for (uint64_t i = 0; i < n && !rc; i++) {
        uint8_t h[32];

        if (get_uvarint(&p, end, &z))
            return ZL_ESTORE;
        leaf += z & 1 ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
        rc = zl_sqlite_leaf_hash(s, leaf, h);
        if (!rc)
            rc = zl_buf_add(out, h, 32);
        else if (rc == ZL_ENOTFOUND)
            rc = ZL_ESTORE;
    }
    if (rc)
        return rc;
    /* nothing after the list but the pad its length asks for */
    if (p == end)
        return 0;
    return p + 1 == end && *p == LIST_PAD && (len - 1) % 32 == 0 ? 0
                                                                 : ZL_ESTORE;
}

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS receipts("
    " key TEXT NOT NULL, grp INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " record_time INTEGER NOT NULL, party TEXT, doc BLOB,"
    " events BLOB NOT NULL, PRIMARY KEY(key, grp)) WITHOUT ROWID;";

static int receipt_schema(zl_store *s)
{
    return zl_sqlite_exec(s, SCHEMA);
}

/* zl_receipt_pack(events) for the 20 -> 21 copy: a list of hashes as
 * capture now stores it; anything else (a leaf list, a torn list) as it
 * is, so the copy can run twice. */
static void pack_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    zl_store *s = sqlite3_user_data(cx);
    struct zl_buf out;
    size_t len;

    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_BLOB ||
        (len = (size_t)sqlite3_value_bytes(argv[0])) % 32) {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    zl_buf_init(&out, (size_t)1 << 30);
    if (zl_sqlite_receipt_pack(
            s, (const uint8_t(*)[32])sqlite3_value_blob(argv[0]), len / 32,
            &out))
        sqlite3_result_error_nomem(cx);
    else
        sqlite3_result_blob(cx, out.len ? out.data : "", (int)out.len,
                            SQLITE_TRANSIENT);
    zl_buf_cleanup(&out);
}

int zl_sqlite_receipt_migrate(zl_store *s)
{
    static const char COPY[] =
        "CREATE TABLE receipts_v21("
        " key TEXT NOT NULL, grp INTEGER NOT NULL, kind INTEGER NOT NULL,"
        " record_time INTEGER NOT NULL, party TEXT, doc BLOB,"
        " events BLOB NOT NULL, PRIMARY KEY(key, grp)) WITHOUT ROWID;"
        "INSERT INTO receipts_v21(key, grp, kind, record_time, party, doc,"
        " events) SELECT key, grp, kind, record_time, party, doc,"
        " zl_receipt_pack(events) FROM receipts ORDER BY key, grp;"
        "DROP TABLE receipts;"
        "ALTER TABLE receipts_v21 RENAME TO receipts;";
    int rc = zl_sqlite_exec(s, SCHEMA);

    return rc ? rc
              : zl_sqlite_exec_with_fn(s, COPY, "zl_receipt_pack", pack_fn, s);
}

static int receipt_put(zl_store *s, const struct zl_receipt_group *g)
{
    static const char SQL[] =
        "INSERT INTO receipts(key, grp, kind, record_time, party, doc, events)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(key, grp) DO NOTHING";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    struct zl_buf list;
    int rc;

    if (!st)
        return ZL_ESTORE;
    if (g->n_events > (size_t)(1 << 30) / 32)
        return ZL_ELIMIT;
    sqlite3_bind_text(st, 1, g->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, g->grp);
    sqlite3_bind_int(st, 3, (int)g->kind);
    sqlite3_bind_int64(st, 4, g->record_time_ms);
    if (g->party)
        sqlite3_bind_text(st, 5, g->party, -1, SQLITE_STATIC);
    if (g->doc)
        sqlite3_bind_blob(st, 6, g->doc, 32, SQLITE_STATIC);
    zl_buf_init(&list, (size_t)1 << 30);
    if ((rc = zl_sqlite_receipt_pack(s, g->events, g->n_events, &list))) {
        sqlite3_clear_bindings(st);
        zl_buf_cleanup(&list);
        return rc;
    }
    sqlite3_bind_blob(st, 7, list.len ? list.data : "", (int)list.len,
                      SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    zl_buf_cleanup(&list);
    if (rc != SQLITE_DONE)
        return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    return sqlite3_changes(zl_sqlite_db(s)) ? 0 : ZL_EEXIST;
}

static int receipt_get(zl_store *s, const char *key, zl_receipt_group_cb cb,
                       void *ctx)
{
    static const char SQL[] =
        "SELECT grp, kind, record_time, party, doc, events FROM receipts"
        " WHERE key = ?1 ORDER BY grp";
    sqlite3_stmt *st = NULL;
    struct zl_receipt_group g;
    struct zl_buf list;
    int rc, found = 0;

    /* not cached: reading a leaf list steps a cached statement */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    zl_buf_init(&list, (size_t)1 << 30);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int nb, bad = zl_sqlite_receipt_unpack(
                    s, sqlite3_column_blob(st, 5),
                    (size_t)sqlite3_column_bytes(st, 5), &list);

        memset(&g, 0, sizeof g);
        g.key = key;
        g.grp = (long)sqlite3_column_int64(st, 0);
        g.kind = (enum zl_receipt_kind)sqlite3_column_int(st, 1);
        g.record_time_ms = sqlite3_column_int64(st, 2);
        g.party = (const char *)sqlite3_column_text(st, 3);
        if (sqlite3_column_bytes(st, 4) == 32)
            g.doc = sqlite3_column_blob(st, 4);
        else if (sqlite3_column_type(st, 4) != SQLITE_NULL)
            g.damaged = 1;
        if (bad == ZL_ENOMEM) {
            rc = bad;
            goto out;
        }
        nb = (int)list.len;
        g.events = (const uint8_t(*)[32])list.data;
        g.n_events = (size_t)nb / 32;
        if (nb % 32 || bad)
            g.damaged = 1; /* not = : keep a doc that is not a hash */
        found = 1;
        if ((rc = cb(ctx, &g)) != 0)
            goto out;
    }
    rc = rc != SQLITE_DONE ? ZL_ESTORE : found ? 0 : ZL_ENOTFOUND;
out:
    sqlite3_finalize(st);
    zl_buf_cleanup(&list);
    return rc;
}

static int receipt_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                        void *ctx)
{
    static const char SQL[] = "SELECT DISTINCT key FROM receipts ORDER BY key";
    sqlite3_stmt *st = NULL;
    int rc;

    /* Not cached: the callback reads the store. */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0))) != 0)
            goto out;
    rc = rc == SQLITE_DONE ? 0 : ZL_ESTORE;
out:
    sqlite3_finalize(st);
    return rc;
}

const struct zl_store_receipt_ops zl_sqlite_receipt_ops = {
    .base = {.name = "receipt", .schema = receipt_schema},
    .put = receipt_put,
    .get = receipt_get,
    .keys = receipt_keys,
};
