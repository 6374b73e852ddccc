/*
 * sqlite_int.h - the SQLite backend's private parts, shared by the files
 * that implement it: store_sqlite.c (the core tables, the backend table
 * zl_sqlite_backend), sqlite_query.c and one sqlite_<module>.c per module
 * table (log, trace, party, recall, docs).
 *
 * Statements are prepared once per handle and cached by the address of
 * their SQL text (always a string literal), so hot paths pay no parse.
 */
#ifndef ZL_SQLITE_INT_H
#define ZL_SQLITE_INT_H

#include "store/backend.h"
#include "store/ids_pack.h"

#include <sqlite3.h>

struct zl_buf;

#define ZL_STMT_CACHE 96

struct zl_stmt_slot {
    const char *sql; /* identity: the literal's address */
    sqlite3_stmt *stmt;
};

/* A statement prepared from built text (a query's SELECT), kept for the
 * next query of the same shape (zl_sqlite_stmt_text). */
#define ZL_TEXT_STMTS 16
struct zl_text_slot {
    char *sql; /* owned copy; NULL: empty slot */
    size_t len;
    sqlite3_stmt *stmt;
    uint64_t used; /* q->text_clock at its last use; the least is evicted */
    int busy;      /* handed out and not yet given back */
};

struct zl_zjson;
struct zl_idcache;

/* The backend's data behind zl_store.priv. */
struct zl_sqlite {
    sqlite3 *db;
    char *path;
    struct zl_stmt_slot stmts[ZL_STMT_CACHE];
    size_t n_stmts;
    struct zl_text_slot texts[ZL_TEXT_STMTS];
    uint64_t text_clock;
    uint64_t commits;       /* write transactions committed on this handle */
    struct zl_zjson *zj;    /* events.json compression (sqlite_zjson.c) */
    struct zl_vtext *vt;    /* vocab texts read so far (store_sqlite.c) */
    struct zl_idcache *idc; /* idents numbers seen in this transaction */
    size_t n_vt;
    unsigned vt_ring;  /* next of the slots past the cache's range */
    uint64_t vt_epoch; /* moves when a text handed out may be freed */
    /* the store as vt and idc were last checked against at a snapshot's
     * begin (sq_snapshot_begin): PRAGMA data_version, total changes */
    int64_t cache_version, cache_changes;
    int cache_stamped;
    /* the events' log leaves appended in this transaction, in order
     * (sqlite_log.c; a capture receipt lists its events so), at most
     * ZL_SQLITE_RECENT; emptied at begin, commit and rollback */
    struct zl_sqlite_recent *recent;
    size_t n_recent, cap_recent, at_recent;
    /* the event capture wrote last (event_rid 0: none), whose leaf comes
     * next and names it by rid (sqlite_log.c, schema 36); emptied with
     * recent */
    uint8_t event_hash[32];
    int64_t event_rid;
    /* its record time: its outbox row's created, which the row then
     * leaves NULL (schema 38) */
    int64_t event_record_ms;
    /* reindex: the event leaves whose rid names no event, loaded at the
     * first event without a leaf (orphans_loaded), for re-linking by
     * leaf hash (zl_sqlite_log_relink); emptied with recent */
    struct zl_sqlite_recent *orphans;
    size_t n_orphans;
    int orphans_loaded;
    /* the sites index written by capture in C (sqlite_sites.c): set
     * while capture's events insert steps (its trigger then skips);
     * sites_by_trigger a test's switch back to the trigger; the last
     * party's site_parties number in this transaction (party_len
     * (size_t)-1: none) */
    int sites_in_c, sites_by_trigger;
    char party[128];
    size_t party_len;
    int64_t party_n;
    struct zl_hasher *log_h; /* derived log nodes (sqlite_log.c) */
};
struct zl_sqlite_recent {
    uint8_t hash[32];
    int64_t leaf;
};
#define ZL_SQLITE_RECENT 65536

/* The page cache, in KiB: every connection's, and a handle's that writes
 * in bulk (zl_store_bulk: capture's batches). A batch of 16 documents of
 * 1,000 events into a 1M-event store dirties ~9,100 pages of 16 KiB
 * (145 MiB; every page of the random-key indexes: the events' hash, the
 * log's key hash, the references, and the time indexes where new events
 * interleave); past the 64 MiB cache SQLite spills dirty pages into the
 * WAL before the commit and reads them back, and re-reads the clean
 * pages it dropped (by pread beyond the 1 GiB map): 2.4 pwrite and 1.5
 * pread calls an event against 1.4 and 0.5 with the bulk cache
 * (docs/capture-speed.md, branch capgrow). */
#define ZL_SQLITE_CACHE_KIB      65536
#define ZL_SQLITE_BULK_CACHE_KIB 524288

static inline struct zl_sqlite *zl_sqlite_of(zl_store *s)
{
    return (struct zl_sqlite *)s->priv;
}

/* The connection of an SQLite handle. */
static inline sqlite3 *zl_sqlite_db(zl_store *s)
{
    return zl_sqlite_of(s)->db;
}

/* The cached prepared statement for sql (a string literal), reset and with
 * bindings cleared, or NULL on error (sqlite3_errmsg tells). */
sqlite3_stmt *zl_sqlite_stmt(zl_store *s, const char *sql);

/* A prepared statement for built text sql[0..len) (NUL-terminated), with
 * no bindings, or NULL on error (sqlite3_errmsg tells). The handle keeps
 * up to ZL_TEXT_STMTS of them, least recently used out first, so a query
 * of the shape asked before is not parsed and planned again; a text whose
 * statement is still stepping (a query run from inside another's
 * callback) gets a fresh one. Give it back with zl_sqlite_stmt_text_done
 * (which resets or finalizes it), never sqlite3_finalize. */
sqlite3_stmt *zl_sqlite_stmt_text(zl_store *s, const char *sql, size_t len);
void zl_sqlite_stmt_text_done(zl_store *s, sqlite3_stmt *st);

/* Text column i of st's current row, borrowed until the next step; ""
 * for NULL. */
const char *zl_sqlite_text(sqlite3_stmt *st, int i);

/* Run SQL without results (schema, pragmas). Returns 0 or ZL_ESTORE. */
int zl_sqlite_exec(zl_store *s, const char *sql);

/* Run SQL (as zl_sqlite_exec) with the one-argument scalar function name
 * = fn (user data ctx) registered for its duration only: the migrations'
 * copies of a table through a packing function. Returns 0, ZL_ESTORE, or
 * what zl_sqlite_exec returns. */
int zl_sqlite_exec_with_fn(zl_store *s, const char *sql, const char *name,
                           void (*fn)(sqlite3_context *, int, sqlite3_value **),
                           void *ctx);

/* events is found by hash through events_hkey (schema 34), an index on
 * the column hkey, the hash's first 6 bytes, rather than on the 32 (the
 * UNIQUE index it replaced cost 45 bytes an event at 1M events, its keys
 * in random order dirtying a page of it per captured event). A stored
 * column, not an index on the expression: SQLite gives a statement that
 * calls a function (substr in an index's expression, in the statement or
 * in a trigger it fires) and writes several tables a statement journal,
 * which in a capture batch's savepoint cost 60 -> 420 us an event
 * (docs/storage.md, "Schema 34"): capture binds hkey, and the triggers
 * use ZL_SQLITE_RID_OF_HASH. ZL_SQLITE_HKEY(h) is the prefix
 * of the hash h, as hkey holds it; ZL_SQLITE_HASH_IS(p, v) is "the
 * events row (alias prefix p: "" or "e.") has the hash v", spelled so
 * that SQLite uses the index (the prefix, then the whole hash compared:
 * two events may share a prefix; the + keeps the planner on hkey). */
#define ZL_SQLITE_HKEY_BYTES 6
#define ZL_SQLITE_HKEY(h)                                                      \
    "substr(" h ", 1, " ZL_SQLITE_STR(ZL_SQLITE_HKEY_BYTES) ")"
#define ZL_SQLITE_STR(x)  ZL_SQLITE_STR_(x)
#define ZL_SQLITE_STR_(x) #x
#define ZL_SQLITE_HASH_IS(p, v)                                                \
    p "hkey = " ZL_SQLITE_HKEY(v) " AND +" p "hash = " v
/* The rid of the event with hash v without a function call, for the
 * triggers: hkey is a prefix of the hash, so the row with hash v has the
 * largest hkey <= v (another prefix between them would have to be
 * greater than v); a descending range from v stops at the first row of
 * that prefix whose whole hash is v. (A hash with no row scans the rows
 * below it: the triggers only look up events written before their
 * references.) */
#define ZL_SQLITE_EVENT_OF_HASH(v)                                             \
    "FROM events WHERE hkey<=" v " AND hash=" v " ORDER BY hkey DESC LIMIT 1"
#define ZL_SQLITE_RID_OF_HASH(v) "(SELECT rid " ZL_SQLITE_EVENT_OF_HASH(v) ")"

/* The rid of the event whose hash is h: *rid, or 0 when there is none
 * (rids start at 1). Through events_hkey: the prefix finds the
 * candidates, the whole hash decides. 0 or ZL_ESTORE. */
int zl_sqlite_rid_of_hash(zl_store *s, const uint8_t h[32], int64_t *rid);

/* The events columns every event SELECT returns, in this order (table
 * alias e), and the decoder of such a row. Strings stay owned by st, the
 * JSON by st or (compressed rows) by scratch, which the caller inits and
 * cleans up. 0, ZL_ESTORE (a JSON blob that does not decode), ZL_ENOMEM. */
#define ZL_SQLITE_EVENT_COLS                                                   \
    "e.hash, e.declared_id, e.type, e.action, e.event_time, e.tz,"             \
    " e.record_time, e.biz_step, e.disposition, e.read_point,"                 \
    " e.biz_location, e.transformation_id, e.has_error, e.party, e.json"
/* The text of an events column held as a vocab number (schema 14:
 * biz_step, disposition, read_point, biz_location), as an SQL expression.
 * A value that is no vocab number reads as itself: the text of a store
 * that the migration steps before 14 are still reading (receipts, the
 * trace index), and a number vocab lacks as its digits, which verify
 * then reports as differing from the event's JSON (NULL would agree with
 * an event that has no such value). vocab exists during those steps
 * (sq_migrate makes it first). */
#define ZL_SQLITE_VOCAB(col)                                                   \
    "coalesce((SELECT v FROM vocab WHERE n = " col "), " col ")"

/* The outbox's key column (store_sqlite.c): a key of 64 lower-case hex
 * digits is stored as its 32 bytes (schema 14), or, when it is the hash
 * of a logged event, as the index of the event's log leaf (schema 21). _pack: 1
 * when key is 64 such digits (out filled), 0 when it stays text. _bind: bind
 * slot i of st to key as stored (packed lives until the step). _key: column i
 * of st as the key's text, in hex (65 bytes) for a packed key or a leaf
 * (the empty text for a leaf that names no event), else borrowed. */
int zl_sqlite_outbox_pack(const char *key, size_t len, uint8_t out[32]);
int zl_sqlite_outbox_bind(zl_store *s, sqlite3_stmt *st, int i, const char *key,
                          size_t len, uint8_t packed[32]);
const char *zl_sqlite_outbox_key(zl_store *s, sqlite3_stmt *st, int i,
                                 char hex[65]);

/* The outbox's kind column (store_sqlite.c, schema 33): "event", the kind
 * of every captured event's row, is stored as the integer
 * ZL_SQLITE_OUTBOX_EVENT, any other kind as its text. _bind_kind: bind
 * slot i of st to kind[0..len) as stored. _kind: column i of st as the
 * kind's text (borrowed from st, or static). */
#define ZL_SQLITE_OUTBOX_EVENT 1
int zl_sqlite_outbox_bind_kind(sqlite3_stmt *st, int i, const char *kind,
                               size_t len);
const char *zl_sqlite_outbox_kind(sqlite3_stmt *st, int i);

/* The log's record keys (sqlite_log.c): an event's hash ID,
 * "ni:///sha-256;<64 lower-case hex>?ver=CBV2.0" (89 bytes), is stored
 * as the event's rid (schema 36; as its 32 bytes when no event has that
 * hash). _pack: 1 when key is such an ID (out filled: the hash), 0 when
 * it stays text. _key: column i of st as the key's text, written into id
 * (96 bytes) for an event's (column hash_col then holds the events.hash
 * its rid names: ZL_SQLITE_LEAF_EVENT_JOIN; a rid that names no event
 * reads as "urn:zhiliang:event-rid:<rid>", a key no record has), else
 * borrowed from st. _migrate: log_leaf copied into schema 36's layout
 * (no key_hash, the key untyped, an event's key its rid), when it has
 * key_hash, a TEXT key column or (pack_check) a key left to pack; run at
 * a store's first migration step (idempotent). _key_hash: the key_hash
 * column other backends keep (the FNV-1a of the key text, shifted to stay
 * a positive int64), which SQLite's log_leaf has no more: the copier
 * gives it. _leaf_select: the copier's read of log_leaf (the columns of
 * tables.c, key_hash NULL, then the event's hash for _key; after: WHERE
 * idx > ?1; limit 0: all). _leaf_rid: the value record_key an event
 * leaf's key is stored as: the rid of the event whose hash is h (1),
 * else 0 (the 32 bytes stay), or ZL_ESTORE. _relink (reindex, schema 36):
 * if no leaf names the event rid, the event leaf whose rid names no event
 * and whose hash is this event's leaf hash (leaf_type, canon: its record)
 * is made to name it. */
#define ZL_SQLITE_LEAF_EVENT_JOIN(l, e)                                        \
    " LEFT JOIN events " e " ON typeof(" l ".record_key) = 'integer' AND " e   \
    ".rid = " l ".record_key"
int zl_sqlite_log_key_pack(const char *key, size_t len, uint8_t out[32]);
const char *zl_sqlite_log_key(sqlite3_stmt *st, int i, int hash_col,
                              char id[96]);
int zl_sqlite_log_migrate(zl_store *s, int pack_check);
int64_t zl_sqlite_log_key_hash(const char *k, size_t len);
int zl_sqlite_log_leaf_select(struct zl_buf *b, int after, size_t limit);
int zl_sqlite_log_leaf_rid(zl_store *s, const uint8_t h[32], int64_t *rid);
int zl_sqlite_log_relink(zl_store *s, int64_t rid, uint8_t leaf_type,
                         const void *canon, size_t len);

/* The log's inner nodes (sqlite_log.c, schema 32): only levels that are
 * multiples of 4 are stored, the others hashed up on read. _kept: 1 for a
 * stored level. _nodes_read: log_node's rows (level, idx, hash) for the
 * store copier, every level of the tree, in key order after after (NULL,
 * or its two key values), at most limit (0: no limit). _nodes_migrate:
 * the step 31 -> 32 (idempotent). _free: the handle's hasher, at close. */
int zl_sqlite_log_node_kept(int64_t level);
int zl_sqlite_log_nodes_read(zl_store *s, const struct zl_store_value *after,
                             size_t limit, zl_store_row_cb cb, void *ctx);
int zl_sqlite_log_nodes_migrate(zl_store *s);
void zl_sqlite_log_free(zl_store *s);

/* The index of the log leaf of the event whose hash is h (the leaves
 * appended last in this transaction first, then the key index), or -1
 * when the log has none. _hash: the event hash a leaf names, 0 or
 * ZL_ENOTFOUND (no leaf there, or not an event's). _recent_forget: empty
 * the transaction's list (begin, commit, rollback). */
int64_t zl_sqlite_leaf_of_hash(zl_store *s, const uint8_t h[32]);
int zl_sqlite_leaf_hash(zl_store *s, int64_t leaf, uint8_t h[32]);
void zl_sqlite_recent_forget(zl_store *s);

/* A capture receipt's event list (sqlite_receipt.c, schema 21): the
 * indexes of the events' log leaves, delta-coded, when every listed hash
 * is a logged event's, else the 32-byte hashes as before. _pack: events (n
 * hashes) as stored, into out (reset first); _unpack: a stored list (p, len) as
 * the hashes, into out (reset first); ZL_ESTORE when it does not decode (a leaf
 * that names no event, a torn list). _migrate: the step 20 -> 21 for receipts.
 */
int zl_sqlite_receipt_pack(zl_store *s, const uint8_t (*events)[32], size_t n,
                           struct zl_buf *out);
int zl_sqlite_receipt_unpack(zl_store *s, const uint8_t *p, size_t len,
                             struct zl_buf *out);
int zl_sqlite_receipt_migrate(zl_store *s);

/* Column i of st, a vocab column of events read raw (ZL_SQLITE_EVENT_COLS),
 * as its text: NULL for NULL, the text of a number (from a per-handle
 * cache, filled from vocab on a miss and emptied at every begin, rollback
 * and exec_sql, and at a snapshot's begin when the store changed since the
 * last one (data_version, this connection's changes): a number's text never
 * changes once committed, since numbers are never reused, so only an edit
 * behind the store's back or a rolled-back entry could make it stale), a column
 * holding text as itself, and a number vocab lacks as a text no event can
 * carry (verify then reports the event). The length into *len. Borrowed
 * until the handle's next begin, snapshot begin, rollback or exec_sql. */
const char *zl_sqlite_vocab_col(zl_store *s, sqlite3_stmt *st, int i,
                                size_t *len);
/* Empty that cache, and the identifiers' (zl_sqlite_ident_cached). */
void zl_sqlite_vocab_forget(zl_store *s);
/* A number that moves whenever a text zl_sqlite_vocab_col handed out
 * may have been freed since (the cache emptied, a slot past its range
 * taken again): texts read while it stays the same are still valid. */
uint64_t zl_sqlite_vocab_epoch(zl_store *s);

/* The vocab number of v (interned when new) into *n. 0, ZL_ESTORE. */
int zl_sqlite_vocab(zl_store *s, const char *v, size_t len, int64_t *n);
struct zl_buf;
int zl_sqlite_row_event(zl_store *s, sqlite3_stmt *st,
                        struct zl_stored_event *ev, struct zl_buf *scratch);
/* The JSON of st's row into ev (json, json_len), whose other fields
 * zl_sqlite_row_event(s, st, ev, NULL) filled: 0, ZL_ENOMEM. */
int zl_sqlite_row_json(zl_store *s, sqlite3_stmt *st,
                       struct zl_stored_event *ev, struct zl_buf *scratch);

/* Map an SQLite result code to ours (SQLITE_OK/DONE/ROW -> 0). */
int zl_sqlite_rc(int rc);

/* Step a bound write statement (from the cache: reset after) once: 0,
 * ZL_EEXIST when a constraint refused the row, else ZL_ESTORE. */
int zl_sqlite_step_write(sqlite3_stmt *st);

/* Step st (bound, cached) to the end, calling cb with each row's first
 * column as text (borrowed for the call); resets st. Returns 0, cb's
 * non-zero value, or ZL_ESTORE. */
/* Run sql (a string literal), which selects one row of one integer
 * column (count(*), max(...)): *out gets it (0 for NULL). 0, or ZL_ESTORE
 * when it cannot run or gives no row. */
int zl_sqlite_get_i64(zl_store *s, const char *sql, int64_t *out);

int zl_sqlite_each_text(sqlite3_stmt *st, int (*cb)(void *ctx, const char *v),
                        void *ctx);

/* Register the query's SQL functions (sqlite_query.c) on a new
 * connection. 0 or ZL_ESTORE. */
int zl_sqlite_query_setup(zl_store *s);

/* The sites index (sqlite_query.c, schema 22): its tables and triggers
 * (idempotent), and the step that adds them and fills them from the
 * stored events. 0 or ZL_ESTORE. */
int zl_sqlite_sites_schema(zl_store *s);
int zl_sqlite_sites_migrate(zl_store *s);
/* The index's triggers and rule_gen's (the sites' and the parties')
 * dropped and made again as the store makes them: reindex's repair of an
 * edited trigger, and the step 28 -> 29 (the INSERT trigger's WHEN that
 * lets capture write its rows in C, sqlite_sites.c). 0 or ZL_ESTORE. */
int zl_sqlite_sites_remake(zl_store *s);
/* Capture's rows of the sites index, computed in C (sqlite_sites.c,
 * schema 29). _setup: register zl_sites_mode, which the index's INSERT
 * trigger reads, on a new connection (0 or ZL_ESTORE). _put: the
 * rows of the event just inserted as rid, with its event time, vocab
 * numbers c (0 for none) and capturing party (NULL for none), as the
 * trigger would write them: 0, ZL_ESTORE or ZL_ENOMEM. _forget: drop the
 * party number kept for the transaction (with zl_sqlite_vocab_forget).
 * _by_trigger: on = 1 makes capture leave the rows to the trigger (tests
 * compare the two). */
struct zl_sqlite_site_cols {
    int64_t biz_step, disposition, read_point, biz_location;
};
int zl_sqlite_sites_setup(zl_store *s);
int zl_sqlite_sites_put(zl_store *s, int64_t rid, int64_t event_time,
                        const struct zl_sqlite_site_cols *c, const char *party);
void zl_sqlite_sites_forget(zl_store *s);
void zl_sqlite_sites_by_trigger(zl_store *s, int on);
/* verify: the sites index against the events rows it is derived from
 * (store_audit.h, zl_store_sites_check). */
int zl_sqlite_sites_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);

/* The trade index (sqlite_trade.c, schema 27): its tables and triggers
 * (idempotent); the step that adds them and fills them from the stored
 * events' sources and destinations; reindex's emptying (the rewrite of
 * the references refills it); verify's check (cb as for the sites). 0,
 * cb's value or ZL_ESTORE. */
int zl_sqlite_trade_schema(zl_store *s);
int zl_sqlite_trade_migrate(zl_store *s);
int zl_sqlite_trade_clear(zl_store *s);
int zl_sqlite_trade_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);

/* rule_gen (schema 24): one counter, bumped by triggers on every write to
 * what a regulator's read rule reads (parties, party_gln, party_kinds:
 * sqlite_party.c) and on every change to vocab and site_parties but a new
 * row at the top (sqlite_query.c). A query keeps the sites the rule
 * admitted while it holds (sqlite_query.c, "admitted sites"). Made by
 * whichever of the two schemas runs first. */
#define ZL_SQLITE_RULE_GEN                                                     \
    "CREATE TABLE IF NOT EXISTS rule_gen(n INTEGER NOT NULL);"                 \
    "INSERT INTO rule_gen(n) SELECT 0 WHERE NOT EXISTS"                        \
    " (SELECT 1 FROM rule_gen);"
/* rule_gen and the party tables' triggers that bump it (sqlite_party.c;
 * idempotent; reindex makes them again): 0 or ZL_ESTORE. The schema text
 * itself, for verify's check of the triggers. */
int zl_sqlite_party_rule_schema(zl_store *s);
extern const char zl_sqlite_party_rule_sql[];

/* The triggers a schema text creates ("CREATE TRIGGER IF NOT EXISTS"
 * statements; sqlite_triggers.c). _check: report through cb each one
 * missing or whose stored text differs from the schema's, with keeps
 * naming what it keeps ("the trade index"): 0, cb's value or a negative
 * ZL_E* code. _remake: drop each and run the schema again (an edited
 * trigger survives IF NOT EXISTS): 0 or a negative ZL_E* code. */
int zl_sqlite_triggers_check(zl_store *s, const char *schema, const char *keeps,
                             zl_store_sites_issue_cb cb, void *ctx);
int zl_sqlite_triggers_remake(zl_store *s, const char *schema);
/* A trigger NAME bumping rule_gen AFTER EV (INSERT, UPDATE, DELETE) ON T,
 * when WHEN (a condition, "1" for every row). */
#define ZL_SQLITE_RULE_BUMP(NAME, EV, T, WHEN)                                 \
    "CREATE TRIGGER IF NOT EXISTS " NAME " AFTER " EV " ON " T " WHEN " WHEN   \
    " BEGIN UPDATE rule_gen SET n = n + 1; END;"

/* The parts defined outside store_sqlite.c, collected in its table. */
int zl_sqlite_events_query(zl_store *s, const struct zl_event_filter *f,
                           zl_event_cb cb, void *ctx);
extern const struct zl_store_log_ops zl_sqlite_log_ops;
extern const struct zl_store_trace_ops zl_sqlite_trace_ops;
extern const struct zl_store_party_ops zl_sqlite_party_ops;
extern const struct zl_store_recall_ops zl_sqlite_recall_ops;
extern const struct zl_store_docs_ops zl_sqlite_docs_ops;
extern const struct zl_store_audit_ops zl_sqlite_audit_ops;
extern const struct zl_store_correction_ops zl_sqlite_correction_ops;
extern const struct zl_store_receipt_ops zl_sqlite_receipt_ops;
extern const struct zl_store_tix_ops zl_sqlite_tix_ops;
extern const struct zl_store_sup_ops zl_sqlite_sup_ops;
extern const struct zl_store_lookups_ops zl_sqlite_lookups_ops;
extern const struct zl_store_risk_ops zl_sqlite_risk_ops;

/* Rewrite a stored event's row and derived rows in place (reindex). */
/* ---- events.json compression (sqlite_zjson.c) ---------------------------
 * zl_sqlite_json_pack: json as stored: *packed = 1 and out (reset, then
 * filled) holds the blob, or *packed = 0 and the text is stored as is
 * (no dictionary yet). 0 or a negative ZL_E* code.
 * zl_sqlite_json_unpack: the JSON of a stored blob (p, n) into scratch;
 * *json points into scratch (NUL-terminated), valid until its next use.
 * 0, ZL_ESTORE for a blob that does not decode, ZL_ENOMEM.
 * zl_sqlite_json_train_in_tx: train the store's first dictionary if it
 * has none and at least min_events events (0: the default, 2,048), and
 * rewrite the text rows with it (inside the caller's write transaction).
 * 0 or a negative ZL_E* code.
 * zl_sqlite_json_after_commit: the same in its own transaction after a
 * commit that wrote text rows; failures leave the store as it was. */
struct zl_buf;
int zl_sqlite_json_pack(zl_store *s, const char *json, size_t len,
                        struct zl_buf *out, int *packed);
int zl_sqlite_json_unpack(zl_store *s, const void *p, size_t n,
                          struct zl_buf *scratch, const char **json,
                          size_t *len);
int zl_sqlite_json_train_in_tx(zl_store *s, int64_t min_events);
/* The same, rewriting the text rows only when rewrite is 1 (the migration
 * compresses as it copies, through zl_sqlite_json_exec_packing). */
int zl_sqlite_json_train(zl_store *s, int64_t min_events, int rewrite);
/* Run sql with the SQL function zl_zjson_pack(json) (the JSON as the
 * store keeps it: compressed with the trained dictionary, or as it is)
 * registered for its duration. Returns what zl_sqlite_exec_with_fn does. */
int zl_sqlite_json_exec_packing(zl_store *s, const char *sql);
/* Run sql through exec (zl_sqlite_exec or one that registers more
 * functions) with zl_zjson_bare(json) registered for its duration: a
 * frame written before schema 35 (magic, dictionary ID) as one written
 * since, the same JSON; anything else as it is. */
int zl_sqlite_json_exec_baring(zl_store *s, const char *sql,
                               int (*exec)(zl_store *, const char *));
void zl_sqlite_json_after_commit(zl_store *s);
void zl_sqlite_zjson_free(struct zl_zjson *z);

/* Bind parameter i of st to the code of identifier id[0..len) as idents
 * stores it (ident_code.h: a BLOB or the TEXT). 0, ZL_ENOMEM or
 * ZL_ESTORE. */
int zl_sqlite_bind_ident(sqlite3_stmt *st, int i, const char *id, size_t len);
/* An occurrence's time key in event_occ (schema 33, store_sqlite.c):
 * the event time in ms divided by this (integer division, in C and in
 * SQL alike), its day. */
#define ZL_SQLITE_OCC_DAY    "86400000"
#define ZL_SQLITE_OCC_DAY_MS INT64_C(86400000)
/* The number of identifier id in the dictionary (idents), added when
 * new; inside the caller's write transaction. 0 or ZL_ESTORE. */
int zl_sqlite_intern(zl_store *s, const char *id, int64_t *n);

/* The created time of an outbox row (sq_outbox_read, the copier): the
 * column key_col + 1 of st's row when it holds one; for an event's row
 * that leaves it NULL (schema 38), the record time of the event its log
 * leaf (the integer in column key_col) names; 0 when there is none. */
int64_t zl_sqlite_outbox_created(zl_store *s, sqlite3_stmt *st, int key_col);

/* events.ids by identifier number (schema 38, sqlite_ids.c). A reader's
 * names (ids_pack.h) of s's identifiers: init, pass &nm.names to
 * zl_ids_unpack, cleanup. */
struct zl_sqlite_idnames {
    struct zl_ids_names names;
    zl_store *s;
    struct zl_buf text;
};
void zl_sqlite_idnames_init(struct zl_sqlite_idnames *nm, zl_store *s);
void zl_sqlite_idnames_cleanup(struct zl_sqlite_idnames *nm);

/* Run sql with zl_ids_v3(ids) registered: a blob of an older version
 * packed as version 3 with idents' numbers (the migration's copy). */
int zl_sqlite_ids_exec_v3(zl_store *s, const char *sql);

/* Append to out the blob p[0..n) as version 2 (the copier's form for
 * other stores): 0 or an error. */
int zl_sqlite_ids_v2(zl_store *s, const void *p, size_t n, struct zl_buf *out);
/* The idents number of id[0..len) as this handle read or wrote it since
 * its last begin, rollback or exec_sql, into *n: 1, or 0 when not held
 * (look it up). Only numbers from this transaction are held, so a
 * rolled-back entry or another writer's reindex cannot make one stale. */
int zl_sqlite_ident_cached(zl_store *s, const char *id, size_t len, int64_t *n);
/* Hold n as id[0..len)'s number (n > 0; failures to hold are silent). */
void zl_sqlite_ident_remember(zl_store *s, const char *id, size_t len,
                              int64_t n);
int zl_sqlite_event_replace(zl_store *s, const struct zl_event *ev,
                            int64_t record_time_ms, const char *party);

#endif
