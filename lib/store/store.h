/*
 * store.h - the storage interface: everything libzhiliang keeps goes
 * through these functions. Each one is a thin dispatcher to the backend
 * the handle was opened with (backend.h: a table of function pointers,
 * chosen by the store URI), so callers never know which database serves
 * them and two backends can live in one binary.
 *
 * Rules (DESIGN.md, storage): keys are made by the application (event hash,
 * UUIDs), never by sequences; big tables carry their distribution key (the
 * identifier, the event hash) in their primary key; traces walk the graph
 * level by level with batched lookups (no recursive SQL); writes are
 * batched and idempotent. The one sequence is the outbox's (below): a
 * per-store change feed, never a key other rows refer to.
 *
 * Transactions: zl_store_begin/commit/rollback bracket a write batch. A
 * capture is one transaction: rows and log leaf land together or not at
 * all. Reads outside a transaction see the last committed state.
 *
 * Strings returned in callback rows are borrowed: valid only during the
 * callback. A callback returns 0 to continue, non-zero to stop (the value
 * is passed back to the caller).
 */
#ifndef ZL_STORE_H
#define ZL_STORE_H

#include "zhiliang/epcis.h"
#include "zhiliang/error.h"
#include "zhiliang/store.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

/* ---- lifecycle ---------------------------------------------------------- */

enum zl_store_mode {
    ZL_STORE_EXISTING = 0,  /* open a store that exists */
    ZL_STORE_CREATE = 1,    /* create it (with its schema) if missing */
    ZL_STORE_CREATE_NEW = 2 /* create it; ZL_EEXIST if something is there */
};

/* Open the store named by uri (zhiliang/store.h lists the forms) in mode.
 * A new store gets the whole schema at ZL_STORE_SCHEMA_VERSION; an older
 * one is migrated in one transaction; a newer one is refused
 * (ZL_EUNSUPPORTED). *out is new (zl_store_close). Returns 0,
 * ZL_ENOTFOUND when nothing is there and mode is ZL_STORE_EXISTING,
 * ZL_EINVAL for an unknown URI scheme, ZL_EUNSUPPORTED for a backend not
 * built, ZL_ESTORE; err says which. */
int zl_store_open(const char *uri, enum zl_store_mode mode, zl_store **out,
                  struct zl_error *err);
void zl_store_close(zl_store *s); /* NULL-safe */

/* Delete the store named by uri (zl_init undoes a half-made store with
 * it; tests clean up with it). 0, or a negative error. */
int zl_store_remove(const char *uri);

int zl_store_begin(zl_store *s);
int zl_store_commit(zl_store *s);
/* The handle is about to write in bulk (zl_capture_batch_begin): the
 * backend may size its caches for large transactions (SQLite: a page
 * cache of ZL_SQLITE_BULK_CACHE_KIB instead of the 64 MiB every handle
 * has), for the rest of the handle's life. Durability and what is
 * stored are unchanged. Call outside a transaction; 0 or ZL_ESTORE. */
int zl_store_bulk(zl_store *s);
/* Safe to call when nothing is open. Drops every module state (below):
 * it may describe rows the rollback removed. */
int zl_store_rollback(zl_store *s);
/* Savepoints, for group commit (zl_capture inside a caller's
 * transaction): zl_store_savepoint marks the open write transaction
 * (ZL_EINVAL when none is open, or a mark is already set: one level);
 * zl_store_release forgets the mark and keeps the work done since;
 * zl_store_rollback_to undoes that work, forgets the mark and leaves the
 * transaction open with everything before the mark, as if the work had
 * never been tried (also after a failed statement, which on PostgreSQL
 * aborts the transaction). rollback_to drops every module state, as
 * zl_store_rollback does: a state must hold nothing the backend has not
 * been given when a mark is set (the trace index's pending rows are
 * written then and right after each release, the backends' held-back
 * rows at both). A failed savepoint, or a failed write after a release,
 * rolls the whole transaction back (rows no mark covers may have been
 * written); a failed release itself keeps the mark. 0, ZL_EINVAL,
 * ZL_EUNSUPPORTED (a backend without them) or the backend's error. */
int zl_store_savepoint(zl_store *s);
int zl_store_release(zl_store *s);
int zl_store_rollback_to(zl_store *s);
/* 1 if a write transaction is open on s. */
int zl_store_in_tx(const zl_store *s);
/* The open write transaction's number on this handle: 0 when none is
 * open, else a value no other transaction of the handle had (they count
 * from 1). A module may trust what it learned of the store under the same
 * number: the writers' lock keeps other writers out until it ends. */
uint64_t zl_store_tx_id(const zl_store *s);

/* ---- module state ------------------------------------------------------- */

/* A module built on the store (the log's frontier, a trace index...) may
 * keep per-handle state beside it, found by a key of its own choosing:
 * the address of any static object of the module, so no central list
 * names the modules. The store frees state with free_fn at close and at
 * rollback (modules must be able to rebuild it lazily). set replaces (and
 * frees) a previous different state under key; state NULL clears the
 * key. Returns 0 or ZL_ELIMIT past ZL_STORE_MAX_MODULES keys. On failure
 * the caller still owns state. */
#define ZL_STORE_MAX_MODULES 16
void *zl_store_module_state(zl_store *s, const void *key);
int zl_store_module_set(zl_store *s, const void *key, void *state,
                        void (*free_fn)(void *));

/* ---- for tests and tools only ------------------------------------------- */

/* Run backend-native statements (SQL on SQLite) without results: tamper
 * tests and repair tools. Never used by the library itself. 0 or
 * ZL_ESTORE. */
int zl_store_exec_sql(zl_store *s, const char *sql);

/* The schema version the store records (after any migration at open). */
int zl_store_schema_version(zl_store *s, int *version);

/* ---- meta --------------------------------------------------------------- */

/* Small key/value settings (operator key, origin, counters). value is new
 * (zl_free) with *len; ZL_ENOTFOUND if absent. */
int zl_store_meta_get(zl_store *s, const char *key, char **value, size_t *len);
int zl_store_meta_set(zl_store *s, const char *key, const char *value,
                      size_t len);
/* Call cb with each meta key that starts with prefix, in key order (the
 * key borrowed for the call). 0, cb's non-zero value, or an error. */
int zl_store_meta_keys(zl_store *s, const char *prefix,
                       int (*cb)(void *ctx, const char *key), void *ctx);

/* ---- events ------------------------------------------------------------- */

/* A stored event as queries return it. Strings are borrowed. */
struct zl_stored_event {
    uint8_t hash[32];
    const char *declared_id; /* or NULL */
    enum zl_event_type type;
    enum zl_action action;
    int64_t event_time_ms;
    int tz_offset_min;
    int64_t record_time_ms;
    const char *biz_step, *disposition, *read_point, *biz_location;
    enum zl_biz_step step; /* biz_step, disposition resolved */
    enum zl_disposition disp;
    const char *transformation_id;
    int has_error_declaration;
    const char *party; /* capturing party, or NULL */
    const char *json;
    size_t json_len;
};

/* Insert one event with its identifier, bizTransaction, source and
 * destination rows. Returns ZL_EEXIST and writes nothing when an event
 * with this hash is already stored (the whole hash compared: on SQLite
 * the lookup before the insert, through an index on its first 6 bytes
 * since schema 34; on PostgreSQL the insert's conflict).
 * record_time_ms is the capture time; party may be NULL. Must be inside a
 * transaction. */
int zl_store_event_put(zl_store *s, const struct zl_event *ev,
                       int64_t record_time_ms, const char *party);

/* Fetch one event by hash (cb called once) or ZL_ENOTFOUND. */
typedef int (*zl_event_cb)(void *ctx, const struct zl_stored_event *ev);
int zl_store_event_get(zl_store *s, const uint8_t hash[32], zl_event_cb cb,
                       void *ctx);

/* Event query filter: the EPCIS 2.0 SimpleEventQuery parameters the store
 * evaluates. Unset fields are 0/NULL. String lists are NULL-terminated
 * arrays of canonical values (OR within a parameter, AND across). */
struct zl_event_filter {
    unsigned event_types; /* bit (1 << zl_event_type), 0 = all */
    int64_t ge_event_time, lt_event_time; /* 0 = unset */
    int64_t ge_record_time, lt_record_time;
    unsigned actions; /* bit (1 << zl_action), 0 = all */
    const char **biz_steps, **dispositions, **read_points, **biz_locations;
    const char **event_ids; /* hash IDs or declared eventIDs */
    /* MATCH_*: exact canonical IDs, or prefixes ending in '*' for patterns. */
    const char **match_epc;     /* epcList, childEPCs */
    const char **match_any_epc; /* any instance role */
    const char **match_parent_id;
    const char **match_input_epc;
    const char **match_output_epc;
    const char **match_epc_class; /* quantityList, childQuantityList */
    const char **match_input_epc_class;
    const char **match_output_epc_class;
    const char **match_any_epc_class;
    const char **transformation_ids;
    /* EQ_bizTransaction_<type>=v: type/value pairs (value NULL = any). */
    const struct zl_typed_ref *biz_transactions;
    size_t n_biz_transactions;
    const struct zl_typed_ref *sources;
    size_t n_sources;
    const struct zl_typed_ref *destinations;
    size_t n_destinations;
    int exists_error_declaration; /* 1 = only events with one */
    enum { ZL_ORDER_NONE, ZL_ORDER_EVENT_TIME, ZL_ORDER_RECORD_TIME } order_by;
    int order_desc;
    size_t limit; /* eventCountLimit / page size, 0 = all */
    /* A hint with keep, whose rows do not count against limit: about how
     * many rows the callback takes before it stops the query (a page and
     * one), so a backend that reads candidates in batches may size its
     * first one to it. 0: unknown. Never changes which rows come back. */
    size_t expect;
    /* Keyset pagination: resume after (time, hash) of the last row seen. */
    int has_after;
    int64_t after_time;
    uint8_t after_hash[32];
    /* Work budget. Past deadline_ms (the zl_time_now_ms() clock; 0 = no
     * limit) the backend abandons the query and returns ZL_ETIMEOUT. When
     * stop is set, the backend polls it while the query runs (not for
     * every row) and a non-zero return, a negative error such as a client
     * gone away, abandons the query with that value. */
    int64_t deadline_ms;
    int (*stop)(void *ctx);
    void *stop_ctx;
    /* A row test the backend applies before it reads a row's JSON (a
     * read rule: the rows it refuses are never decompressed): keep is
     * called with the row's other columns (json NULL) and returns 1 to
     * hand the row on to cb, 0 to skip it, or a negative error that
     * stops the query. NULL: every row. Rows it skips do not count
     * against limit, so a rule with a page leaves limit at 0. */
    int (*keep)(void *ctx, const struct zl_stored_event *ev);
    void *keep_ctx;
    /* A hint for keep, which stays the final word (issue 11): when set,
     * keep admits only rows where admits('p', party), admits('l',
     * bizLocation) or admits('l', readPoint) is 1 (it returns 1, 0 or a
     * negative error, and is 0 for NULL strings; a regulator's region
     * rule). A backend may ask it once per distinct value and narrow its
     * scan to those rows (SQLite: vocab numbers in the SQL, so an index
     * can reach them); it must never narrow further. NULL: no hint. */
    int (*admits)(void *ctx, char kind, const char *str);
    void *admits_ctx;
    /* What admits' answers depend on besides the store ("region 15"), so
     * a backend may keep them between queries: until the tables the rule
     * reads change (the registry's parties, GLNs, kinds and regions),
     * asking only about values new since; NULL: ask admits again each
     * query. */
    const char *admits_key;
    /* An enterprise's rule (issue 11, schema 27): when set with admits,
     * keep admits, besides the rows above, only rows with a source or
     * destination v where admits('t', v) is 1 (trade), and rows naming an
     * identifier that some event names with a destination admits('t')
     * admits, or at a location admits('l') admits with a bizStep s where
     * admits('s', s) is 1 (custody: goods the party was ever shipped or
     * received; such an event is the identifier's source), from the
     * source's event time up to and including the time of the
     * identifier's first event after that time with a bizStep c where
     * admits('c', c) is 1 and not declared erroneous (custody passed on:
     * the rule's next holders); a backend without an index for these
     * must not narrow by admits at all. */
    int admits_trade;
    /* Backend-internal: an SQL condition ANDed into the WHERE clause. */
    const char *sql_and;
};

/* Run a query; cb is called for each matching event in order. Returns 0,
 * the callback's non-zero value, or a negative error: ZL_ETIMEOUT or the
 * stop value when the budget ran out, ZL_EBUSY when the store stayed
 * locked past its busy timeout. */
int zl_store_events_query(zl_store *s, const struct zl_event_filter *f,
                          zl_event_cb cb, void *ctx);

/* ---- identifiers (for traces) -------------------------------------------- */

/* One identifier occurrence: identifier `id` appears in event `hash` in
 * `role`. Rows from zl_store_id_lookup carry the event's type, action and
 * time so a trace can often decide without fetching the event. */
struct zl_id_row {
    const char *id;
    enum zl_id_role role;
    uint8_t hash[32];
    enum zl_event_type type;
    enum zl_action action;
    int64_t event_time_ms;
    int64_t record_time_ms;
    int has_quantity;
    double quantity;
    const char *uom;
};
typedef int (*zl_id_cb)(void *ctx, const struct zl_id_row *row);

/* A set of identifier roles: bit r for enum zl_id_role r. A reader that
 * wants some roles says so, and the others are never decoded (naming an
 * identifier of a version 3 blob is a dictionary lookup). */
typedef unsigned zl_id_roles;
#define ZL_ID_ROLE(r)   (1u << (r))
#define ZL_ID_ROLES_ALL (~0u)

/* Every occurrence of each of ids[0..n) (batched: one round trip per call
 * on server backends). Rows come grouped by id, in event time order. */
int zl_store_id_lookup(zl_store *s, const char *const *ids, size_t n,
                       zl_id_cb cb, void *ctx);

/* The events naming id, in zl_store_id_lookup's order (time, hash, role;
 * declared-erroneous events left out), for a reader that wants only which
 * events: rows carry id, hash, role and event time alone (the custody
 * walk's cache, authz.c, reads an identifier's events a request for each
 * event it is asked about). */
int zl_store_id_event_hashes(zl_store *s, const char *id, zl_id_cb cb,
                             void *ctx);

/* The identifier rows of each event in hashes[0..n) whose role is in
 * roles (ZL_ID_ROLES_ALL: every row), in the event's order. */
int zl_store_event_ids(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_id_roles roles, zl_id_cb cb, void *ctx);

/* bizTransactions (kind 'b'), sources ('s'), destinations ('d') of an event. */
typedef int (*zl_ref_cb)(void *ctx, char kind, const char *type,
                         const char *value);
int zl_store_event_refs(zl_store *s, const uint8_t hash[32], zl_ref_cb cb,
                        void *ctx);

/* Events sharing a transformationID (cb per event). */
int zl_store_events_by_transformation(zl_store *s, const char *tid,
                                      zl_event_cb cb, void *ctx);

/* Count stored events. */
int zl_store_event_count(zl_store *s, int64_t *count);

/* ---- outbox ------------------------------------------------------------- */

/* The transactional outbox: every record writer appends "what changed"
 * (kind, key) inside its own write transaction, so the row commits or
 * rolls back with the change it names and a follower (subscriptions, risk
 * signals, page caches) reading the outbox in seq order never misses a
 * committed change, even across a crash. seq is assigned at append, is
 * per store and strictly increasing in commit order for one writer (a
 * store has one writer at a time); it is never reused. kind names the
 * change ("event": key is the event's 64-hex hash); created_ms is the
 * writer's clock. */
struct zl_outbox_row {
    uint64_t seq;
    const char *kind, *key;
    int64_t created_ms;
};
typedef int (*zl_outbox_cb)(void *ctx, const struct zl_outbox_row *row);

/* Append one row (inside a transaction: ZL_EINVAL otherwise). */
int zl_store_outbox_append(zl_store *s, const char *kind, const char *key,
                           int64_t created_ms);
/* Rows with seq > after_seq in seq order, at most limit (0 = all). */
int zl_store_outbox_read(zl_store *s, uint64_t after_seq, size_t limit,
                         zl_outbox_cb cb, void *ctx);

#endif
