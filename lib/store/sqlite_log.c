/*
 * sqlite_log.c - the log's tables on SQLite (see store_log.h).
 *
 * log_node is WITHOUT ROWID on (level, idx) so a node read is one B-tree
 * descent and rows carry no hidden rowid. Rejected: packing level and
 * index into one integer key (saves a few bytes a row, but overflows the
 * signed 64-bit key for high levels and is opaque in SQL). Level 0 nodes
 * are the leaf hashes in log_leaf, not duplicated in log_node.
 *
 * Inner nodes are kept only at every NODE_STRIDE-th level (4, 8, 12...,
 * schema 32); a node of a level between is hashed up on read from the
 * 2, 4 or 8 nodes (or leaf hashes) of the kept level below it, read as
 * one range of that level's rows (node_get). A node row was ~45 bytes an
 * event at 1M events (one row a leaf in all, 32 bytes of hash); a
 * fifteenth of them is ~3. An inclusion proof at 10^8 leaves then reads
 * ~100 rows by ~27 range reads and hashes ~75 pairs instead of 27 point
 * reads. What stays checkable: every kept node is compared by verify
 * against the tree rebuilt from the stored leaf hashes
 * (zl_store_log_node_kept tells verify which levels exist), each leaf
 * hash against its record, and the checkpoints' roots; a derived node has
 * no row to edit or delete, and an edited or deleted row below it changes
 * or fails the read. Rejected: every 8th level (0.2 bytes an event, but
 * up to 255 hashes and 256 rows a read); leaf hashes packed several to a
 * row (the 32 bytes of hash stay; ~10 bytes of cell and header a row
 * saved, and an append rewrites a growing row); a derived leaf hash (it
 * is SHA-256(0x00 || type || the record's canonical bytes), which the row
 * does not hold: an event's key is SHA-256 of the same bytes without the
 * prefix, so the leaf cannot be computed from it).
 *
 * The store copier reads log_node through zl_sqlite_log_nodes_read, which
 * gives every level (the derived ones hashed up), so another backend gets
 * all the nodes it keeps; rows written here at a level not kept are
 * dropped (zl_sqlite_log_node_kept).
 *
 * Records are found by key through log_leaf_key, an index on the key as
 * stored (schema 36): an event's rid, any other key (receipts, registry
 * records: one record in ~1,000) its text whole. Until schema 31 the
 * index was on a stored column, key_hash, the 64-bit FNV-1a of the key
 * text (9 bytes a row in the table, 8 in each index entry, and a value of
 * its own that verify did not check); schemas 32-34 indexed an expression
 * of the key (an event's first 6 bytes). The store copier still gives
 * other backends key_hash (zl_sqlite_log_key_hash), PostgreSQL keeps it.
 *
 * An event's record key, its hash ID "ni:///sha-256;<64 hex>?ver=CBV2.0"
 * (89 bytes of text), was stored as the 32 bytes it spells from schema 21
 * (57 bytes a record less); since schema 36 it is stored as the event's
 * rid, an integer of 3-4 bytes, and every read gives the text back from
 * the hash events holds for that rid (ZL_SQLITE_LEAF_EVENT_JOIN,
 * zl_sqlite_log_key). A lookup by key goes through events (events_hkey:
 * the rid of the hash), then log_leaf_key. The key hash is still that of
 * the text; any other key stays text, and the storage class tells the
 * kinds apart (an integer is an event's rid, a 32-byte blob an event's
 * hash logged while no event had it, text anything else). At 1M events:
 * log_leaf 75.3 -> 46.1 bytes an event, log_leaf_key 15.1 -> 12.0
 * (docs/storage.md "Schema 36"). Capture binds the rid from C (the event
 * it has just written, zl_sqlite_log_leaf_rid): nothing it writes calls an
 * SQL function.
 *
 * This overturns what schemas 21-34 rejected: "no key at all for events,
 * found through events.hash (the leaf would then name its record only
 * through another table's row, and a deleted event would take its leaf's
 * name with it)". Both are so, and are now paid for as follows: the
 * events row's hash is what the key reads, so verify compares it with the
 * hash recomputed from the row's JSON (an edited hash, with its hkey,
 * would otherwise pass: event-hash-altered); a leaf whose rid names no
 * event reads as "urn:zhiliang:event-rid:<rid>", which verify reports
 * missing, and reindex re-links it to the event whose leaf hash it holds
 * (an edited events.rid: zl_sqlite_log_relink); a deleted events row is
 * named by its leaf's index and rid, no longer by its hash ID, and what
 * read the hash through its leaf (its outbox row, the capture receipt
 * listing it) no longer verifies. For that, 32.2 bytes an event of 901.
 * Rejected: a column in events naming the leaf (events.leaf) instead of
 * log_leaf_key: ~4.2 bytes an event where the index is 12.0, but capture
 * would write each events row twice (the leaf's index is known only once
 * the row is in) or predict the log's size in the store, the migration
 * would rewrite events (35 s at 1M, against 16 s for log_leaf), and it is
 * a second link to check and rebuild; left for a later step.
 */
#include "log/merkle.h"
#include "store/sqlite_int.h"
#include "store/tables.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "zhiliang/codec.h"
#include "zhiliang/error.h"
#include "zhiliang/log.h"

#include <stdio.h>
#include <string.h>

/* record_key has no declared type (schema 36), so a rid bound as an
 * integer stays one (a TEXT column would store it as its digits), and
 * log_leaf_key indexes it as it is: an event's rid (a few bytes), any
 * other key's text whole. */
#define LEAF_TABLE(name)                                                       \
    "CREATE TABLE " name "("                                                   \
    " idx INTEGER PRIMARY KEY, type INTEGER NOT NULL,"                         \
    " record_key NOT NULL, hash BLOB NOT NULL);"

static const char LOG_SCHEMA[] = LEAF_TABLE(
    "IF NOT EXISTS log_leaf") "CREATE INDEX IF NOT EXISTS log_leaf_key ON "
                              "log_leaf(record_key);"
                              "CREATE TABLE IF NOT EXISTS log_node("
                              " level INTEGER NOT NULL, idx INTEGER NOT NULL, "
                              "hash "
                              "BLOB NOT NULL,"
                              " PRIMARY KEY(level, idx)) WITHOUT ROWID;"
                              "CREATE TABLE IF NOT EXISTS log_checkpoint("
                              " size INTEGER PRIMARY KEY, root BLOB NOT NULL, "
                              "note "
                              "TEXT NOT NULL,"
                              " issued_ms INTEGER NOT NULL);";

static int log_schema(zl_store *s)
{
    return zl_sqlite_exec(s, LOG_SCHEMA);
}

int64_t zl_sqlite_log_key_hash(const char *k, size_t len)
{
    return (int64_t)(zl_fnv1a64(k, len) >> 1);
}

static const char KEY_PRE[] = "ni:///sha-256;";
static const char KEY_POST[] = "?ver=CBV2.0";
#define KEY_PRE_LEN  (sizeof KEY_PRE - 1)
#define KEY_POST_LEN (sizeof KEY_POST - 1)
#define KEY_LEN      (KEY_PRE_LEN + 64 + KEY_POST_LEN)

int zl_sqlite_log_key_pack(const char *key, size_t len, uint8_t out[32])
{
    const char *hex = key + KEY_PRE_LEN;

    if (len != KEY_LEN || memcmp(key, KEY_PRE, KEY_PRE_LEN) ||
        memcmp(hex + 64, KEY_POST, KEY_POST_LEN))
        return 0;
    /* upper-case digits would not come back as they were */
    for (size_t i = 0; i < 64; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') ||
              (hex[i] >= 'a' && hex[i] <= 'f')))
            return 0;
    return zl_hex_decode(hex, 64, out, 32) == 0;
}

/* An event's hash ID of its 32 bytes, into id. */
static const char *key_of_hash(const void *h, char id[96])
{
    char hex[65];

    zl_hex_encode(h, 32, hex);
    memcpy(id, KEY_PRE, KEY_PRE_LEN);
    memcpy(id + KEY_PRE_LEN, hex, 64);
    memcpy(id + KEY_PRE_LEN + 64, KEY_POST, sizeof KEY_POST);
    return id;
}

const char *zl_sqlite_log_key(sqlite3_stmt *st, int i, int hash_col,
                              char id[96])
{
    if (sqlite3_column_type(st, i) == SQLITE_INTEGER) {
        if (sqlite3_column_type(st, hash_col) == SQLITE_BLOB &&
            sqlite3_column_bytes(st, hash_col) == 32)
            return key_of_hash(sqlite3_column_blob(st, hash_col), id);
        /* its event is gone (or renumbered): a key no record has, which
         * verify reports missing and reindex re-links */
        snprintf(id, 96, "urn:zhiliang:event-rid:%lld",
                 (long long)sqlite3_column_int64(st, i));
        return id;
    }
    if (sqlite3_column_type(st, i) == SQLITE_BLOB &&
        sqlite3_column_bytes(st, i) == 32)
        return key_of_hash(sqlite3_column_blob(st, i), id);
    return (const char *)sqlite3_column_text(st, i);
}

void zl_sqlite_recent_forget(zl_store *s)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    q->n_recent = q->at_recent = 0;
    q->event_rid = 0;
    zl_free(q->orphans);
    q->orphans = NULL;
    q->n_orphans = 0;
    q->orphans_loaded = 0;
}

int zl_sqlite_log_leaf_rid(zl_store *s, const uint8_t h[32], int64_t *rid)
{
    struct zl_sqlite *q = zl_sqlite_of(s);
    int rc;

    /* capture: the event just written, whose leaf this is */
    if (q->event_rid && !memcmp(h, q->event_hash, 32)) {
        *rid = q->event_rid;
        return 1;
    }
    if ((rc = zl_sqlite_rid_of_hash(s, h, rid)))
        return rc;
    return *rid ? 1 : 0;
}

/* Steps st, whose ?1 is a leaf's record_key, for the key of the event
 * whose hash is h: its rid, then its 32 bytes (a leaf logged while no
 * event had the hash). SQLITE_ROW (st on it), SQLITE_DONE or an error. */
static int step_event_key(zl_store *s, sqlite3_stmt *st, const uint8_t h[32])
{
    int64_t rid = 0;
    int rc = zl_sqlite_log_leaf_rid(s, h, &rid);

    if (rc < 0)
        return SQLITE_ERROR;
    if (rc) {
        sqlite3_bind_int64(st, 1, rid);
        if ((rc = sqlite3_step(st)) != SQLITE_DONE)
            return rc;
        sqlite3_reset(st);
    }
    sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
    return sqlite3_step(st);
}

/* Record an event's leaf for zl_sqlite_leaf_of_hash; past
 * ZL_SQLITE_RECENT in one transaction the rest are found by key. */
static void recent_add(zl_store *s, const uint8_t h[32], int64_t leaf)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    if (q->n_recent == q->cap_recent) {
        size_t cap = q->cap_recent ? q->cap_recent * 2 : 1024;
        struct zl_sqlite_recent *r;

        if (cap > ZL_SQLITE_RECENT ||
            !(r = zl_realloc(q->recent, cap * sizeof *r)))
            return;
        q->recent = r;
        q->cap_recent = cap;
    }
    memcpy(q->recent[q->n_recent].hash, h, 32);
    q->recent[q->n_recent++].leaf = leaf;
}

/* Capture appends an event's outbox row right after its leaf, and a
 * receipt lists a document's events in the order they were logged: the
 * last recorded leaf is tried first, then the next one of the list
 * (at_recent follows the receipts), then the key index (an event logged
 * before: a duplicate). */
int64_t zl_sqlite_leaf_of_hash(zl_store *s, const uint8_t h[32])
{
    static const char SQL[] =
        "SELECT idx FROM log_leaf WHERE record_key = ?1 ORDER BY idx LIMIT 1";
    struct zl_sqlite *q = zl_sqlite_of(s);
    sqlite3_stmt *st;
    int64_t leaf = -1;

    if (q->n_recent && !memcmp(h, q->recent[q->n_recent - 1].hash, 32))
        return q->recent[q->n_recent - 1].leaf;
    if (q->at_recent < q->n_recent &&
        !memcmp(h, q->recent[q->at_recent].hash, 32))
        return q->recent[q->at_recent++].leaf;
    if (!(st = zl_sqlite_stmt(s, SQL)))
        return -1;
    if (step_event_key(s, st, h) == SQLITE_ROW)
        leaf = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    /* back in step with the recorded leaves after an event logged before */
    for (size_t i = q->at_recent;
         leaf >= 0 && i < q->n_recent && i < q->at_recent + 4; i++)
        if (q->recent[i].leaf == leaf) {
            q->at_recent = i + 1;
            break;
        }
    return leaf;
}

int zl_sqlite_leaf_hash(zl_store *s, int64_t leaf, uint8_t h[32])
{
    static const char SQL[] =
        "SELECT l.record_key, e.hash FROM log_leaf l" ZL_SQLITE_LEAF_EVENT_JOIN(
            "l", "e") " WHERE l.idx = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc = ZL_ENOTFOUND, col;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, leaf);
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* a rid: the hash of the event it names; 32 bytes: themselves */
        col = sqlite3_column_type(st, 0) == SQLITE_INTEGER ? 1 : 0;
        if (sqlite3_column_type(st, col) == SQLITE_BLOB &&
            sqlite3_column_bytes(st, col) == 32) {
            memcpy(h, sqlite3_column_blob(st, col), 32);
            rc = 0;
        }
    }
    sqlite3_reset(st);
    return rc;
}

/* Bind slot i to record_key as stored: an event's as its rid (bound from
 * C: capture's statements call no SQL function, docs/storage.md "Schema
 * 34"), else its 32 bytes, any other key as its text. packed (the hash)
 * must live until the step. 1 when record_key is an event's hash ID, 0
 * when text, or ZL_ESTORE. */
static int bind_key(zl_store *s, sqlite3_stmt *st, int i,
                    const char *record_key, uint8_t packed[32])
{
    int64_t rid = 0;
    int rc;

    if (!zl_sqlite_log_key_pack(record_key, strlen(record_key), packed)) {
        sqlite3_bind_text(st, i, record_key, -1, SQLITE_STATIC);
        return 0;
    }
    if ((rc = zl_sqlite_log_leaf_rid(s, packed, &rid)) < 0)
        return rc;
    if (rc)
        sqlite3_bind_int64(st, i, rid);
    else
        sqlite3_bind_blob(st, i, packed, 32, SQLITE_STATIC);
    return 1;
}

int zl_sqlite_log_leaf_select(struct zl_buf *b, int after, size_t limit)
{
    if (zl_buf_adds(
            b, "SELECT l.idx, l.type, NULL, l.record_key, l.hash,"
               " e.hash FROM log_leaf l" ZL_SQLITE_LEAF_EVENT_JOIN("l", "e")) ||
        (after && zl_buf_adds(b, " WHERE l.idx > ?1")) ||
        zl_buf_adds(b, " ORDER BY l.idx") || zl_store_sql_limit(b, limit))
        return ZL_ENOMEM;
    return 0;
}

/* zl_log_key_of(key) for the copy of log_leaf into schema 36's layout:
 * an event's key (its hash ID as text, schema 20, or its 32 bytes) as the
 * rid of the event with that hash, else as its 32 bytes; a rid or any
 * other value goes through unchanged, so the copy can run twice. */
static void key_of_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    zl_store *s = sqlite3_user_data(cx);
    uint8_t b[32];
    int64_t rid = 0;
    int rc;

    (void)argc;
    /* the type first: sqlite3_value_text would turn a blob into text */
    if (sqlite3_value_type(argv[0]) == SQLITE_TEXT) {
        const char *k = (const char *)sqlite3_value_text(argv[0]);

        if (!k || !zl_sqlite_log_key_pack(
                      k, (size_t)sqlite3_value_bytes(argv[0]), b)) {
            sqlite3_result_value(cx, argv[0]);
            return;
        }
    } else if (sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
               sqlite3_value_bytes(argv[0]) == 32) {
        memcpy(b, sqlite3_value_blob(argv[0]), 32);
    } else {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    if ((rc = zl_sqlite_rid_of_hash(s, b, &rid)))
        sqlite3_result_error(cx, "cannot look up an event by hash", -1);
    else if (rid)
        sqlite3_result_int64(cx, rid);
    else
        sqlite3_result_blob(cx, b, 32, SQLITE_TRANSIENT);
}

/* The copy of log_leaf into schema 36's layout: the events' keys as their
 * rids (schema 36; the 32 bytes, schema 21, where no event has the hash),
 * the key column untyped and without key_hash (schema 32). Made at a
 * store's first migration step when the table has key_hash or a TEXT key
 * column (every store before 36; later steps append leaves in this
 * layout), or when pack_check and a key is left to pack (the step 20 ->
 * 21 of a store whose keys were written as text again, as tests do).
 * Rejected: UPDATE in place, which leaves the pages partly empty (the
 * rows shrink where they are). One transaction (store.c's); a big store
 * says so on stderr. */
int zl_sqlite_log_migrate(zl_store *s, int pack_check)
{
    static const char HAS_KEY_HASH[] =
        "SELECT count(*) FROM pragma_table_info('log_leaf')"
        " WHERE name = 'key_hash' OR (name = 'record_key' AND type <> '')";
    static const char TO_PACK[] =
        "SELECT EXISTS(SELECT 1 FROM log_leaf WHERE typeof(record_key) ="
        " 'text' AND record_key LIKE 'ni:///sha-256;%')";
    static const char COUNT[] = "SELECT count(*) FROM log_leaf";
    static const char COPY[] = "DROP INDEX IF EXISTS log_leaf_key;" LEAF_TABLE(
        "log_leaf_v36") "INSERT INTO log_leaf_v36(idx, type, record_key, hash)"
                        " SELECT idx, type, zl_log_key_of(record_key), hash"
                        " FROM log_leaf ORDER BY idx;"
                        "DROP TABLE log_leaf;"
                        "ALTER TABLE log_leaf_v36 RENAME TO log_leaf;";
    int64_t old = 0, n = 0;
    int rc = zl_sqlite_get_i64(s, HAS_KEY_HASH, &old);

    if (!rc && !old && pack_check)
        rc = zl_sqlite_get_i64(s, TO_PACK, &old);
    if (rc || !old)
        return rc;
    if (!(rc = zl_sqlite_get_i64(s, COUNT, &n)) && n >= 100000)
        fprintf(stderr,
                "zhiliang: upgrading the store's log to schema 36: rewriting"
                " %lld log records...\n",
                (long long)n);
    if (!rc)
        rc = zl_sqlite_exec_with_fn(s, COPY, "zl_log_key_of", key_of_fn, s);
    return rc ? rc : zl_sqlite_exec(s, LOG_SCHEMA);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    return rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc ? rc : SQLITE_ERROR);
}

static int copy_hash(sqlite3_stmt *st, int col, uint8_t hash[32])
{
    if (sqlite3_column_bytes(st, col) != 32)
        return ZL_ESTORE;
    memcpy(hash, sqlite3_column_blob(st, col), 32);
    return 0;
}

static int leaf_put(zl_store *s, uint64_t index, uint8_t leaf_type,
                    const char *record_key, const uint8_t hash[32])
{
    static const char SQL[] = "INSERT INTO log_leaf(idx, type, record_key,"
                              " hash) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    uint8_t packed[32];
    int rc, is_event;

    if (!st || index > INT64_MAX)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    sqlite3_bind_int(st, 2, leaf_type);
    if ((is_event = bind_key(s, st, 3, record_key, packed)) < 0)
        return is_event;
    sqlite3_bind_blob(st, 4, hash, 32, SQLITE_STATIC);
    if ((rc = step_done(st)))
        return rc;
    if (is_event)
        recent_add(s, packed, (int64_t)index);
    return 0;
}

/* The event leaves whose rid names no event, into q->orphans. */
static int orphans_load(zl_store *s)
{
    static const char SQL[] =
        "SELECT l.idx, l.hash FROM log_leaf l" ZL_SQLITE_LEAF_EVENT_JOIN(
            "l", "e") " WHERE typeof(l.record_key) = 'integer'"
                      " AND e.rid IS NULL AND l.type = ?1";
    struct zl_sqlite *q = zl_sqlite_of(s);
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    q->orphans_loaded = 1;
    /* Not cached: run once a reindex, and only when an event has no leaf */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_int(st, 1, ZL_LEAF_EVENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 1) != 32)
            continue; /* a damaged hash matches nothing */
        if (zl_grow((void **)&q->orphans, &cap, q->n_orphans + 1,
                    sizeof *q->orphans, 16, NULL)) {
            sqlite3_finalize(st);
            return ZL_ENOMEM;
        }
        memcpy(q->orphans[q->n_orphans].hash, sqlite3_column_blob(st, 1), 32);
        q->orphans[q->n_orphans++].leaf = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc);
}

int zl_sqlite_log_relink(zl_store *s, int64_t rid, uint8_t leaf_type,
                         const void *canon, size_t len)
{
    static const char HAS[] = "SELECT 1 FROM log_leaf WHERE record_key = ?1";
    static const char LINK[] = "UPDATE log_leaf SET record_key = ?1"
                               " WHERE idx = ?2";
    struct zl_sqlite *q = zl_sqlite_of(s);
    sqlite3_stmt *st;
    uint8_t leaf[32];
    int rc;

    if (q->orphans_loaded && !q->n_orphans)
        return 0; /* nothing to re-link: the usual case */
    if (!(st = zl_sqlite_stmt(s, HAS)))
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, rid);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? 0 : zl_sqlite_rc(rc);
    if (!q->orphans_loaded && (rc = orphans_load(s)))
        return rc;
    if (!q->n_orphans)
        return 0;
    if ((rc = zl_log_leaf_hash(leaf_type, canon, len, leaf)))
        return rc;
    for (size_t i = 0; i < q->n_orphans; i++) {
        if (memcmp(q->orphans[i].hash, leaf, 32))
            continue;
        if (!(st = zl_sqlite_stmt(s, LINK)))
            return ZL_ESTORE;
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_int64(st, 2, q->orphans[i].leaf);
        if ((rc = step_done(st)))
            return rc;
        q->orphans[i] = q->orphans[--q->n_orphans];
        return 0;
    }
    return 0;
}

static int tail(zl_store *s, uint64_t *size, uint8_t last[32]);

#define NODE_STRIDE 4
/* the most hashes a derived node reads: 2^(NODE_STRIDE - 1) */
#define NODE_SPAN_MAX (1u << (NODE_STRIDE - 1))
/* derived nodes the copier hashes up from one range read */
#define NODES_READ_BATCH 256

int zl_sqlite_log_node_kept(int64_t level)
{
    return level % NODE_STRIDE == 0;
}

static int node_kept(zl_store *s, unsigned level)
{
    (void)s;
    return zl_sqlite_log_node_kept(level);
}

/* The handle's hasher for derived nodes, made on first use. */
static struct zl_hasher *node_hasher(zl_store *s)
{
    struct zl_sqlite *q = zl_sqlite_of(s);
    struct zl_hasher *h;

    if (q->log_h)
        return q->log_h;
    if (!(h = zl_calloc(1, sizeof *h)))
        return NULL;
    if (zl_hasher_init(h)) {
        zl_free(h);
        return NULL;
    }
    return q->log_h = h;
}

void zl_sqlite_log_free(zl_store *s)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    if (q->log_h) {
        zl_hasher_cleanup(q->log_h);
        zl_free(q->log_h);
        q->log_h = NULL;
    }
}

static int node_put(zl_store *s, unsigned level, uint64_t index,
                    const uint8_t hash[32])
{
    static const char SQL[] =
        "INSERT INTO log_node(level, idx, hash) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *st;

    if (!zl_sqlite_log_node_kept(level))
        return 0; /* derived on read */
    if (!(st = zl_sqlite_stmt(s, SQL)) || index > INT64_MAX)
        return ZL_ESTORE;
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
    return step_done(st);
}

/* The hashes of level `level` (a kept one; 0 is the leaf hashes) at
 * indexes first, first + 1, ... into out[0..n): *got says how many were
 * there before a gap or the end. */
static int level_range(zl_store *s, unsigned level, uint64_t first, uint64_t n,
                       uint8_t (*out)[32], uint64_t *got)
{
    static const char LEAVES[] = "SELECT idx, hash FROM log_leaf"
                                 " WHERE idx >= ?1 ORDER BY idx LIMIT ?2";
    static const char NODES[] =
        "SELECT idx, hash FROM log_node WHERE level = ?3 AND idx >= ?1"
        " ORDER BY idx LIMIT ?2";
    sqlite3_stmt *st = zl_sqlite_stmt(s, level ? NODES : LEAVES);
    int rc = 0;

    *got = 0;
    if (!st)
        return ZL_ESTORE;
    if (first > INT64_MAX || n > INT64_MAX)
        return 0;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
    if (level)
        sqlite3_bind_int(st, 3, (int)level);
    while (*got < n) {
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : zl_sqlite_rc(step);
            break;
        }
        if ((uint64_t)sqlite3_column_int64(st, 0) != first + *got ||
            (rc = copy_hash(st, 1, out[*got])))
            break; /* a gap, or a damaged row */
        ++*got;
    }
    sqlite3_reset(st);
    return rc;
}

/* Hash n (a power of two) consecutive hashes, overwritten, up to the
 * root of the subtree they span. */
static int fold(struct zl_hasher *h, uint8_t (*v)[32], uint64_t n,
                uint8_t out[32])
{
    int rc;

    for (; n > 1; n /= 2)
        for (uint64_t i = 0; i < n / 2; i++)
            if ((rc = zl_merkle_node(h, v[2 * i], v[2 * i + 1], v[i])))
                return rc;
    memcpy(out, v[0], 32);
    return 0;
}

/* A node of a level not kept: hashed up from the kept level below. */
static int node_derive(zl_store *s, unsigned level, uint64_t index,
                       uint8_t hash[32])
{
    unsigned span = level % NODE_STRIDE;
    uint64_t n = (uint64_t)1 << span, got;
    uint8_t v[NODE_SPAN_MAX][32];
    struct zl_hasher *h = node_hasher(s);
    int rc;

    if (!h)
        return ZL_ENOMEM;
    if (index > ((uint64_t)INT64_MAX >> span))
        return ZL_ENOTFOUND;
    if ((rc = level_range(s, level - span, index << span, n, v, &got)))
        return rc;
    return got < n ? ZL_ENOTFOUND : fold(h, v, n, hash);
}

static int node_get(zl_store *s, unsigned level, uint64_t index,
                    uint8_t hash[32])
{
    static const char LEAF[] = "SELECT hash FROM log_leaf WHERE idx = ?1";
    static const char NODE[] =
        "SELECT hash FROM log_node WHERE level = ?2 AND idx = ?1";
    sqlite3_stmt *st;
    int rc;

    if (!zl_sqlite_log_node_kept(level))
        return node_derive(s, level, index, hash);
    if (!(st = zl_sqlite_stmt(s, level ? NODE : LEAF)))
        return ZL_ESTORE;
    if (index > INT64_MAX)
        return ZL_ENOTFOUND;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    if (level)
        sqlite3_bind_int(st, 2, (int)level);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = copy_hash(st, 0, hash);
    else
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : zl_sqlite_rc(rc);
    sqlite3_reset(st);
    return rc;
}

/* One row (level, idx, hash) to the copier's callback. */
static int node_row(zl_store_row_cb cb, void *ctx, int64_t level, int64_t idx,
                    const void *hash, size_t len)
{
    struct zl_store_value row[3];

    memset(row, 0, sizeof row);
    row[0].type = row[1].type = ZL_VALUE_INT;
    row[0].i = level;
    row[1].i = idx;
    row[2].type = ZL_VALUE_BLOB;
    row[2].p = hash;
    row[2].len = len;
    return cb(ctx, row);
}

/* The stored rows of a kept level from index idx on. */
static int kept_rows(zl_store *s, unsigned level, uint64_t idx, size_t *left,
                     zl_store_row_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT idx, hash FROM log_node WHERE level = ?1"
                              " AND idx >= ?2 ORDER BY idx";
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE;

    /* Not cached: the callback's caller may read with cached ones. */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
    while (*left && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        --*left;
        if ((rc = node_row(cb, ctx, level, sqlite3_column_int64(st, 0),
                           sqlite3_column_blob(st, 1),
                           (size_t)sqlite3_column_bytes(st, 1))))
            goto out;
    }
    rc = !*left || rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc);
out:
    sqlite3_finalize(st);
    return rc;
}

/* The complete nodes of a derived level from index idx on, hashed up
 * from ranges of the kept level below; stops at a gap there. */
static int derived_rows(zl_store *s, unsigned level, uint64_t idx,
                        uint64_t size, size_t *left, zl_store_row_cb cb,
                        void *ctx)
{
    unsigned span = level % NODE_STRIDE;
    uint64_t end = size >> level, per = (uint64_t)1 << span;
    uint8_t(*v)[32] = zl_malloc(NODES_READ_BATCH * NODE_SPAN_MAX * 32);
    struct zl_hasher *h = node_hasher(s);
    int rc = 0;

    if (!v || !h) {
        zl_free(v);
        return ZL_ENOMEM;
    }
    while (!rc && *left && idx < end) {
        uint64_t k = end - idx < NODES_READ_BATCH ? end - idx
                                                  : NODES_READ_BATCH,
                 got;
        uint8_t out[32];

        if (k > *left)
            k = *left;
        if ((rc = level_range(s, level - span, idx << span, k * per, v, &got)))
            break;
        for (uint64_t i = 0; !rc && i < got / per; i++) {
            --*left;
            if (!(rc = fold(h, v + i * per, per, out)))
                rc = node_row(cb, ctx, level, (int64_t)(idx + i), out, 32);
        }
        if (got < k * per)
            break; /* a gap below: the nodes above it cannot be made */
        idx += k;
    }
    zl_free(v);
    return rc;
}

int zl_sqlite_log_nodes_read(zl_store *s, const struct zl_store_value *after,
                             size_t limit, zl_store_row_cb cb, void *ctx)
{
    uint64_t size, idx = 0;
    uint8_t last[32];
    size_t left = limit ? limit : SIZE_MAX;
    unsigned level = 1;
    int rc;

    if (after && after[0].type == ZL_VALUE_INT &&
        after[1].type == ZL_VALUE_INT && after[0].i >= 1) {
        if (after[0].i >= 64)
            return 0;
        level = (unsigned)after[0].i;
        if (after[1].i >= INT64_MAX)
            level++;
        else
            idx = after[1].i < 0 ? 0 : (uint64_t)after[1].i + 1;
    }
    if ((rc = tail(s, &size, last)))
        return rc;
    for (; !rc && left && level < 64; level++, idx = 0)
        rc = zl_sqlite_log_node_kept(level)
                 ? kept_rows(s, level, idx, &left, cb, ctx)
                 : derived_rows(s, level, idx, size, &left, cb, ctx);
    return rc;
}

/* 31 -> 32: log_node keeps only the kept levels; copied into a new table
 * in key order (a DELETE would leave the pages three quarters empty). */
int zl_sqlite_log_nodes_migrate(zl_store *s)
{
    static const char COPY[] =
        "CREATE TABLE log_node_v31("
        " level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
        " PRIMARY KEY(level, idx)) WITHOUT ROWID;"
        "INSERT INTO log_node_v31(level, idx, hash)"
        " SELECT level, idx, hash FROM log_node WHERE level % 4 = 0"
        " ORDER BY level, idx;"
        "DROP TABLE log_node;"
        "ALTER TABLE log_node_v31 RENAME TO log_node;";
    _Static_assert(NODE_STRIDE == 4, "the copy's WHERE names the stride");
    int rc = zl_sqlite_exec(s, LOG_SCHEMA);

    return rc ? rc : zl_sqlite_exec(s, COPY);
}

static int tail(zl_store *s, uint64_t *size, uint8_t last[32])
{
    static const char SQL[] =
        "SELECT idx, hash FROM log_leaf ORDER BY idx DESC LIMIT 1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *size = (uint64_t)sqlite3_column_int64(st, 0) + 1;
        rc = copy_hash(st, 1, last);
    } else if (rc == SQLITE_DONE) {
        *size = 0;
        rc = 0;
    } else {
        rc = zl_sqlite_rc(rc);
    }
    sqlite3_reset(st);
    return rc;
}

static int find(zl_store *s, const char *record_key, uint64_t *index,
                uint8_t *leaf_type, uint8_t hash[32])
{
    static const char SQL[] = "SELECT idx, type, hash FROM log_leaf"
                              " WHERE record_key = ?1 ORDER BY idx LIMIT 1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    uint8_t packed[32];
    int rc;

    if (!st)
        return ZL_ESTORE;
    if (zl_sqlite_log_key_pack(record_key, strlen(record_key), packed)) {
        rc = step_event_key(s, st, packed);
    } else {
        sqlite3_bind_text(st, 1, record_key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        if (index)
            *index = (uint64_t)sqlite3_column_int64(st, 0);
        if (leaf_type)
            *leaf_type = (uint8_t)sqlite3_column_int(st, 1);
        rc = hash ? copy_hash(st, 2, hash) : 0;
    } else {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : zl_sqlite_rc(rc);
    }
    sqlite3_reset(st);
    return rc;
}

static int leaves(zl_store *s, zl_store_log_leaf_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT l.idx, l.type, l.record_key, l.hash, e.hash FROM log_leaf "
        "l" ZL_SQLITE_LEAF_EVENT_JOIN("l", "e") " ORDER BY l.idx";
    sqlite3_stmt *st = NULL;
    int rc;

    /* Not cached: the callback may use cached statements of its own. */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint8_t h[32] = {0};
        char id[96];

        if (sqlite3_column_bytes(st, 3) == 32)
            memcpy(h, sqlite3_column_blob(st, 3), 32);
        rc = cb(ctx, (uint64_t)sqlite3_column_int64(st, 0),
                (uint8_t)sqlite3_column_int(st, 1),
                zl_sqlite_log_key(st, 2, 4, id), h);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc);
out:
    sqlite3_finalize(st);
    return rc;
}

static int checkpoint_put(zl_store *s, uint64_t size, const uint8_t root[32],
                          const char *note, int64_t issued_ms)
{
    static const char SQL[] = "INSERT INTO log_checkpoint(size, root, note,"
                              " issued_ms) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st || size > INT64_MAX)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_blob(st, 2, root, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, issued_ms);
    return step_done(st);
}

static int checkpoint_get(zl_store *s, uint64_t size, char **note)
{
    static const char AT[] = "SELECT note FROM log_checkpoint WHERE size = ?1";
    static const char LATEST[] =
        "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, size == UINT64_MAX ? LATEST : AT);
    int rc;

    *note = NULL;
    if (!st)
        return ZL_ESTORE;
    if (size != UINT64_MAX) {
        if (size > INT64_MAX)
            return ZL_ENOTFOUND;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *note = zl_strndup((const char *)sqlite3_column_text(st, 0),
                           (size_t)sqlite3_column_bytes(st, 0));
        rc = *note ? 0 : ZL_ENOMEM;
    } else {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : zl_sqlite_rc(rc);
    }
    sqlite3_reset(st);
    return rc;
}

static int checkpoints(zl_store *s, zl_store_log_checkpoint_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT size, root, note FROM log_checkpoint ORDER BY size";
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint8_t root[32] = {0};

        if (sqlite3_column_bytes(st, 1) == 32)
            memcpy(root, sqlite3_column_blob(st, 1), 32);
        rc = cb(ctx, (uint64_t)sqlite3_column_int64(st, 0), root,
                (const char *)sqlite3_column_text(st, 2),
                (size_t)sqlite3_column_bytes(st, 2));
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc);
out:
    sqlite3_finalize(st);
    return rc;
}

static int log_bytes(zl_store *s, uint64_t *bytes)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *bytes = 0;
    /* dbstat is optional in SQLite builds; without it report 0. */
    if (sqlite3_prepare_v2(zl_sqlite_db(s),
                           "SELECT sum(pgsize) FROM dbstat WHERE name IN"
                           " ('log_leaf', 'log_leaf_key', 'log_node',"
                           " 'log_checkpoint')",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *bytes = (uint64_t)sqlite3_column_int64(st, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc);
    sqlite3_finalize(st);
    return rc;
}

const struct zl_store_log_ops zl_sqlite_log_ops = {
    .base = {.name = "log", .schema = log_schema},
    .leaf_put = leaf_put,
    .node_put = node_put,
    .node_get = node_get,
    .node_kept = node_kept,
    .tail = tail,
    .find = find,
    .leaves = leaves,
    .checkpoint_put = checkpoint_put,
    .checkpoint_get = checkpoint_get,
    .checkpoints = checkpoints,
    .bytes = log_bytes,
};
