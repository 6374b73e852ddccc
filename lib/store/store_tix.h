/*
 * store_tix.h - the persistent trace index: the event graph a trace walks,
 * kept in the store beside the records and written in the same
 * transaction as the events it describes (tix.c; layout there).
 *
 * Three tables, the same on every backend:
 *   trace_keys(kid, h, key)  every string a trace follows or shows
 *                            (identifiers, transformation IDs, locations,
 *                            bizStep, disposition, parties, units),
 *                            interned once; h = FNV-1a 64 of the key
 *   trace_events(eid, rec)   one compact record an event: its hash, type,
 *                            times, vocabulary, the kids of its strings and
 *                            its identifiers with roles and quantities
 *   trace_adj(id, rows)      for each key, the events that carry it, as
 *                            chunks of delta-coded (event, role) entries;
 *                            id = kid << 20 | chunk number
 * On a backend that interns identifiers (SQLite: idents, event_occ,
 * events.rid) the index borrows them instead: identifiers are key ids 2n
 * of idents' n, their entries are event_occ's rows, eid is events.rid and
 * the record carries no hash (tix.c).
 * A trace reads a handful of rows per level by primary key, so opening a
 * store and tracing needs no load; `zhiliang reindex` rebuilds the index
 * from the records and `zhiliang verify` checks it against them.
 */
#ifndef ZL_STORE_TIX_H
#define ZL_STORE_TIX_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* Roles of an adjacency entry beyond the identifier roles (zl_id_role,
 * 1..9): the event has the key as its transformationID, bizLocation or
 * readPoint. */
#define ZL_TIX_ROLE_TID    16
#define ZL_TIX_ROLE_BIZLOC 17
#define ZL_TIX_ROLE_READPT 18

/* One identifier of an indexed event. kid and uom are key ids (uom 0 when
 * none). */
struct zl_tix_ref {
    int64_t kid, uom;
    double qty;
    uint8_t role; /* enum zl_id_role */
    uint8_t has_qty;
};

/* The strings of an event beside its identifiers, by position in
 * zl_tix_event.key (and in the record). */
enum zl_tix_str {
    ZL_TIX_TID,
    ZL_TIX_BIZ_STEP,
    ZL_TIX_DISPOSITION,
    ZL_TIX_BIZ_LOCATION,
    ZL_TIX_READ_POINT,
    /* the first source / destination of each CBV type */
    ZL_TIX_SRC_OWNER,
    ZL_TIX_SRC_POSSESSOR,
    ZL_TIX_SRC_LOCATION,
    ZL_TIX_DST_OWNER,
    ZL_TIX_DST_POSSESSOR,
    ZL_TIX_DST_LOCATION,
    ZL_TIX_N_STR
};

/* An indexed event as a trace reads it. Key ids are 0 when absent. */
struct zl_tix_event {
    int64_t eid;
    uint8_t hash[32];
    int erroneous; /* declared erroneous (by itself or a correction) */
    enum zl_event_type type;
    enum zl_action action;
    enum zl_biz_step step;
    enum zl_disposition disp;
    int64_t event_time_ms, record_time_ms;
    int tz_offset_min;
    int64_t key[ZL_TIX_N_STR]; /* by enum zl_tix_str */
    size_t n_ids;
    /* Its identifiers as the record codes them (ids_len bytes, borrowed
     * for the callback): zl_tix_ids_next reads them in the event's order,
     * so a reader decodes only the events, and keeps only the roles, it
     * needs (walking back from a filling event's 500 outputs needs its
     * inputs alone). */
    const uint8_t *ids_p;
    size_t ids_len;
};

/* A reader of an event's coded identifiers (zl_tix_event.ids_p). */
struct zl_tix_ids_rd {
    const uint8_t *p, *end;
    int64_t kid;   /* the previous identifier's key id (delta coded) */
    uint64_t left; /* identifiers not read yet */
};
/* Start reading n_ids identifiers from p[0..n). */
void zl_tix_ids_begin(struct zl_tix_ids_rd *r, const void *p, size_t n,
                      uint64_t n_ids);
/* The next identifier into *out: 1, or 0 after the last one when the
 * bytes ended with it; ZL_ESTORE when they are malformed. */
int zl_tix_ids_next(struct zl_tix_ids_rd *r, struct zl_tix_ref *out);
/* Add to by_role[role] the number of the n_ids coded identifiers p[0..n)
 * holds in each role, skimming their bytes without decoding them. 0, or
 * ZL_ESTORE when the bytes are malformed. */
int zl_tix_ids_count(const void *p, size_t n, uint64_t n_ids,
                     uint32_t by_role[32]);

/* ---- writing (store.c calls these; nothing else needs to) ---------------- */

/* Index a newly stored event (record_time_ms as stored). Held in memory
 * and written at commit (or before the next index read in the same
 * transaction). Returns 0 or ZL_ENOMEM. */
int zl_tix_add(zl_store *s, const struct zl_event *ev, int64_t record_time_ms);
/* Write what zl_tix_add holds; store.c calls it before committing.
 * Returns 0 or a negative ZL_E* code (the caller rolls back). */
int zl_tix_flush(zl_store *s);
/* Mark the event with this hash erroneous (a correction declared it so):
 * its identifiers stop linking anything. Not indexed: 0. */
int zl_tix_mark_erroneous(zl_store *s, const uint8_t hash[32]);
/* Empty the index (reindex, before adding every event again). */
int zl_tix_clear(zl_store *s);

/* ---- reading --------------------------------------------------------------
 */

/* The index's generation: a counter every transaction that writes the
 * index moves (0 for an index never written). Two reads that see the same
 * generation see the same index. Returns 0 or a negative ZL_E* code. */
int zl_tix_generation(zl_store *s, uint64_t *gen);
/* The index's epoch: a counter moved by every transaction that changes
 * the index other than by adding events (reindex's clear, an event
 * declared erroneous; 0 for an index never so changed). Between two
 * reads that see the same epoch, the index only gained events, and on a
 * backend where zl_tix_last_eid answers, those are the events above the
 * earlier read's last eid. Returns 0 or a negative ZL_E* code. */
int zl_tix_epoch(zl_store *s, uint64_t *epoch);
/* The largest event id in the index (0 when empty) where event ids grow
 * with the commits that add them (SQLite: events.rid, one writer at a
 * time); ZL_EUNSUPPORTED on a backend whose concurrent writers can
 * commit a lower id after a higher one (PostgreSQL). */
int zl_tix_last_eid(zl_store *s, int64_t *eid);

/* kids[i] = the key id of keys[i] (lens[i] bytes), 0 when the index has no
 * such key. Returns 0 or a negative ZL_E* code. */
int zl_tix_find_keys(zl_store *s, const char *const *keys, const size_t *lens,
                     size_t n, int64_t *kids);
/* The strings of key ids kids[0..n): cb once for each that exists (any
 * order; key borrowed for the call). Returns 0, cb's value or an error. */
typedef int (*zl_tix_key_cb)(void *ctx, int64_t kid, const char *key,
                             size_t len);
int zl_tix_key_strings(zl_store *s, const int64_t *kids, size_t n,
                       zl_tix_key_cb cb, void *ctx);
/* The events carrying keys kids[0..n) in a role lo..hi: cb(kid, eid,
 * role) for each entry (possibly others of other roles too), each key's
 * entries together. Returns 0, cb's value or an error. */
typedef int (*zl_tix_row_cb)(void *ctx, int64_t kid, int64_t eid, int role);
int zl_tix_rows(zl_store *s, const int64_t *kids, size_t n, int lo, int hi,
                zl_tix_row_cb cb, void *ctx);
/* The indexed events eids[0..n): cb once for each (any order), its
 * identifiers still coded (zl_tix_ids_next). Returns 0, cb's value,
 * ZL_ESTORE for a malformed record head, or an error. */
typedef int (*zl_tix_event_cb)(void *ctx, const struct zl_tix_event *e);
int zl_tix_events(zl_store *s, const int64_t *eids, size_t n,
                  zl_tix_event_cb cb, void *ctx);
/* The same for a reader of the records' keys alone: e->hash is zero
 * where the backend keeps the hash outside the record (one read less an
 * event), and an event whose record names no event still comes. */
int zl_tix_event_keys(zl_store *s, const int64_t *eids, size_t n,
                      zl_tix_event_cb cb, void *ctx);

/* ---- checking (verify) ----------------------------------------------------
 * The index agrees with the records when the multiset of its event records
 * equals the records rebuilt from the stored events, and its adjacency is
 * exactly the entries those records imply. A check accumulates both sides
 * as sums of SHA-256 digests (order-free, so neither side needs sorting). */
struct zl_tix_check {
    uint64_t expect[4], have[4];         /* event records */
    uint64_t adj_expect[4], adj_have[4]; /* adjacency entries */
    uint64_t n_expect, n_have;           /* event counts */
    uint64_t n_missing_keys;             /* strings with no key */
    uint64_t n_bad_keys, n_bad_records;  /* wrong h, undecodable */
    uint8_t (*skip)[32];                 /* events accounted as stored */
    size_t n_skip, cap_skip;
    struct zl_tix_pending *pending; /* events whose keys are read next */
};
/* An event whose record no longer parses (verify names it elsewhere): its
 * index record is accounted as it stands. 0 or ZL_ENOMEM. */
int zl_tix_check_skip(struct zl_tix_check *c, const uint8_t hash[32]);
/* Add the record ev (as stored, record_time_ms) should have. The keys of
 * events are looked up a batch at a time (one round trip for many events
 * on a server backend): the last batch by zl_tix_check_index. */
int zl_tix_check_event(zl_store *s, struct zl_tix_check *c,
                       const struct zl_event *ev, int64_t record_time_ms,
                       int erroneous);
/* Read the whole index into the other side. */
int zl_tix_check_index(zl_store *s, struct zl_tix_check *c);
/* 1 when both sides agree. */
int zl_tix_check_ok(const struct zl_tix_check *c);
/* Free what a check holds. */
void zl_tix_check_cleanup(struct zl_tix_check *c);

/* ---- backend operations (sqlite_tix.c, pg_tix.c) ------------------------- */

/* ZL_TIX_IDENTS (a row: an interned identifier's number and text) and
 * ZL_TIX_EVENTS_HASHED (an event's record, as ZL_TIX_EVENTS gives it,
 * with its event's 32-byte hash as p2: one read, where the record has no
 * hash of its own) are read only, and only on a backend with idents_find
 * (backend.h). */
enum zl_tix_table {
    ZL_TIX_KEYS,
    ZL_TIX_EVENTS,
    ZL_TIX_ADJ,
    ZL_TIX_IDENTS,
    ZL_TIX_EVENTS_HASHED
};

/* A row of an index table: id (kid, eid, or the adjacency id) and its
 * bytes; h only for keys; p2 only for ZL_TIX_EVENTS_HASHED. */
struct zl_tix_row {
    int64_t id, h;
    const void *p;
    size_t n;
    const void *p2;
    size_t n2;
};
typedef int (*zl_tix_rows_cb)(void *ctx, const struct zl_tix_row *r);

#endif
