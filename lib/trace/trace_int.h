/*
 * trace_int.h - private parts of the trace engine: the event graph.
 *
 * The graph (struct tg) is what a trace reads: identifiers and other
 * strings interned to integer ids (sid), events by integer id (eid), for
 * each identifier its occurrences (rows), for each event its identifiers,
 * for each transformationID its events. It is a per-trace cache of the
 * store's persistent trace index (store_tix.h): each level of a trace asks
 * tg_need_* for what it will read, which fetches the missing parts in
 * batches (graph.c).
 */
#ifndef ZL_TRACE_INT_H
#define ZL_TRACE_INT_H

#include "zhiliang/arena.h"
#include "zhiliang/trace.h"
#include "store/store_tix.h"
#include "util/itab.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One identifier of an event: `x` is the identifier (sid). */
struct tg_ref {
    int32_t x;   /* sid, -1 until asked for (tg_ref_sid) */
    int32_t uom; /* sid or -1 */
    int64_t kid; /* key id in the persistent index */
    double qty;
    uint32_t pos; /* position in the event's own list */
    uint8_t role; /* enum zl_id_role */
    uint8_t has_qty;
};

/* One occurrence in an identifier's rows: event and role (8 bytes; the
 * quantity is read from the event's side when needed). */
struct tg_row {
    int32_t x;
    uint8_t role;
};

#define TG_EV_IDS     1u  /* record read: times, keys, identifiers coded */
#define TG_EV_META    2u  /* tid, bizStep... and source/destination known */
#define TG_EV_ERR     4u  /* declared erroneous: contributes no rows */
#define TG_EV_RANK    8u  /* << rank: that rank's identifiers decoded */
#define TG_EV_COUNTED 64u /* n_rank[] known */

/* The ranks of an event's identifiers (tg_role_rank). */
#define TG_N_RANKS 3

struct tg_event {
    uint8_t hash[32];
    int64_t xeid; /* id in the persistent index */
    /* key ids of tid .. dsl (enum zl_tix_str); tg_need_meta sets the sids
     * below from them */
    int64_t mk[ZL_TIX_N_STR];
    int64_t t, rt;
    int32_t tid, biz_step, disp, bizloc, readpt; /* sids or -1 */
    int32_t so, sp, sl, dso, dsp, dsl;           /* src/dst owner,
                                                     possessor, location */
    int16_t tz;
    uint8_t type, action, flags;
    uint8_t cte, consumer; /* enum zl_cte; retail sale (with META) */
    uint8_t vstep, vdisp;  /* enum zl_biz_step, zl_disposition (META) */
    uint32_t n_ids;        /* identifiers of the event, all ranks */
    uint32_t n_code;       /* bytes of code */
    /* The identifiers as the record codes them (store_tix.h), kept in the
     * graph's arena: each rank (inputs, others, outputs) is decoded from
     * them when first asked (tg_ids), so a trace pays for the side of an
     * event it follows, not for a filling event's 500 outputs when it
     * walks back to the inputs. */
    const uint8_t *code;
    uint32_t n_rank[TG_N_RANKS]; /* with TG_EV_COUNTED */
    struct tg_ref *rank[TG_N_RANKS];
};

#define TG_S_ROWS  1u /* rows complete */
#define TG_S_TID   2u /* tid group complete */
#define TG_S_ASKED 4u /* in the batch being loaded */
/* rows in event time order: tg_need_rows sorted them, tg_add_row clears */
#define TG_S_SORTED 8u
/* one of the rows is an ADD aggregation or association with the string as
 * a child (set with TG_S_SORTED): a membership begun before a window may
 * last into it, so a window's walk cannot start at its first time */
#define TG_S_PACKED 16u
#define TG_S_SEEN   32u /* listed once already (prefetch's level) */

struct tg_str {
    const char *s; /* NULL while known by its key id alone (tg_name) */
    uint64_t h;    /* hash of s */
    uint32_t len;
    uint8_t flags;
    uint8_t kind; /* enum zl_trace_kind of the string */
    int64_t kid;  /* key id in the persistent index: 0 not asked yet,
                     -1 the index has no such key */
    uint32_t n_rows, cap_rows;
    struct tg_row *rows; /* occurrences of this identifier */
    uint32_t n_tid, cap_tid;
    int32_t *tid_ev; /* events with this transformationID */
};

struct tg {
    zl_store *store; /* where lazy loads read */
    struct tg_str *strs;
    size_t n_strs, cap_strs;
    struct zl_itab smap; /* string -> sid */
    struct tg_event *evs;
    size_t n_evs, cap_evs;
    struct zl_itab kmap; /* key id -> sid (lazy graph) */
    struct zl_itab xmap; /* index event id -> eid (lazy graph) */
    size_t n_kmap;
    struct zl_arena arena; /* the strings, packed in 1 MiB chunks */
    size_t bytes;          /* heap held (approximate, for reports) */
    atomic_int refs;       /* traces and the handle holding it */
    uint64_t token;        /* index generation its contents are of */
    uint64_t epoch;        /* index epoch it was read at (tg_refresh) */
    int64_t last_eid;      /* the index's last eid then; -1: unknown */
};

/* 0 input, 1 other, 2 output */
static inline int tg_role_rank(int role)
{
    if (role == ZL_ROLE_INPUT || role == ZL_ROLE_INPUT_QTY)
        return 0;
    if (role == ZL_ROLE_OUTPUT || role == ZL_ROLE_OUTPUT_QTY)
        return 2;
    return 1;
}
/* Kind of a canonical identifier; consumer sale of an event (the CTE is
 * zl_cte_classify's). */
enum zl_trace_kind tg_classify(const char *id);
int tg_consumer(enum zl_biz_step step, enum zl_disposition disp);

int tg_init(struct tg *g, zl_store *s);
/* Note where g's contents stand: the index generation gen, with its
 * epoch and last event id read in the same snapshot (when the backend
 * cannot give them, g is never refreshed, only replaced). */
void tg_mark(struct tg *g, uint64_t gen);
/* Bring g, read at an earlier generation of its store's index, to
 * generation gen, read in the current snapshot: when the index has only
 * gained events since (same epoch), every string one of them names loses
 * its rows and transformation group, read again when next asked, and
 * strings the index had no key for are asked again. Returns 0, or 1 when
 * g cannot be brought up to date (reshaped index, too many new events,
 * an error) and must be replaced. */
int tg_refresh(struct tg *g, uint64_t gen);
void tg_cleanup(struct tg *g);
/* Drop a reference to a heap graph; the last frees it. NULL: nothing. */
void tg_unref(struct tg *g);

/* Intern s[0..len): sid >= 0 or ZL_ENOMEM. Find only: -1 if absent. */
int32_t tg_intern(struct tg *g, const char *s, size_t len);
int32_t tg_find(const struct tg *g, const char *s, size_t len);

static inline const char *tg_s(const struct tg *g, int32_t sid)
{
    return sid < 0 ? NULL : g->strs[sid].s;
}

/* Give sid, known by its key id alone, its string s[0..len). */
int tg_name(struct tg *g, int32_t sid, const char *s, size_t len);

/* Make sure the listed parts are loaded (batched store calls): the key
 * ids of strings, the strings of sids known by key id alone, ... */
int tg_need_keys(struct tg *g, const int32_t *sids, size_t n);
/* The sid the graph follows for sid's key (after tg_need_keys): another
 * sid when the key was met by its key id before its string was interned,
 * else sid. Negative ZL_E* on error. */
int32_t tg_by_key(struct tg *g, int32_t sid);
/* The sid of key id kid, -1 when the graph has none. */
int32_t tg_sid_of_kid(const struct tg *g, int64_t kid);
/* The sid of an identifier of an event, made when first asked (an event
 * can list 100,000 outputs a trace never follows). Negative on error. */
int32_t tg_ref_sid(struct tg *g, struct tg_ref *r);
int tg_need_names(struct tg *g, const int32_t *sids, size_t n);
int tg_need_rows(struct tg *g, const int32_t *sids, size_t n);
int tg_need_meta(struct tg *g, const int32_t *eids, size_t n);
int tg_need_tid(struct tg *g, const int32_t *tids, size_t n);
/* The identifiers of rank `rank` (tg_role_rank) of events eids[0..n),
 * decoded where not yet, their units named in one batch. */
int tg_need_ids(struct tg *g, const int32_t *eids, size_t n, int rank);
/* The identifiers of rank `rank` of event eid in the event's order:
 * *out (stable while the graph lives) and *n, decoded when first asked.
 * 0 or a negative ZL_E* code (ZL_ESTORE: a malformed record). */
int tg_ids(struct tg *g, int32_t eid, int rank, struct tg_ref **out,
           uint32_t *n);
/* Events whose bizLocation or readPoint is loc (appends eids to *out). */
int tg_location_events(struct tg *g, const char *loc, int32_t **out, size_t *n,
                       size_t *cap);

/* Grow a uint32-counted array; 0, ZL_ENOMEM or ZL_ELIMIT past UINT32_MAX
 * elements. */
int tg_grow32(void **arr, uint32_t *cap, size_t need, size_t elem,
              size_t *bytes);
/* Append to an identifier's occurrences; 0 or a negative ZL_E* code. */
int tg_add_row(struct tg *g, struct tg_str *st, int32_t eid, int role);
/* Append eid to the growable array *out (*n used, *cap allocated). */
int tg_push_eid(struct tg *g, int32_t **out, size_t *n, size_t *cap,
                int32_t eid);

/* One identifier of an event of a finished trace, as recall scope reads
 * it (lib/recall/scope.c): the quantities an event gives each product it
 * names, without reading the event again. */
struct zl_trace_ref {
    int node;     /* the trace's node of this identifier, -1 if none */
    uint32_t pos; /* position in the event's own list */
    int role;     /* enum zl_id_role */
    int has_quantity;
    double quantity;
    const char *uom; /* NULL when none */
};
typedef int (*zl_trace_ref_cb)(void *ctx, const struct zl_trace_ref *r);
/* cb for each identifier of event ev of t (inputs first, outputs last,
 * pos giving the event's own order). A side of the event the walk did
 * not follow is decoded now, its units named from the store the trace
 * ran on: call it while that handle is open. Returns 0, cb's value or a
 * negative ZL_E* code. */
int zl_trace_event_refs(const zl_trace *t, size_t ev, zl_trace_ref_cb cb,
                        void *ctx);

#endif
