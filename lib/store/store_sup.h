/*
 * store_sup.h - storage of supervision records (zhiliang/inspect.h):
 * the enterprise, inspector and product-category registries, inspection
 * plans, their draws and redraws.
 *
 * One table, sup_records(key, seq, kind, leaf, json). Each record is the
 * full new state of one entry ("enterprise:<uscc>", "inspector:<id>",
 * "category:<code>", "plan:<id>") or one event of a plan ("draw:<plan>",
 * seq 1 the draw, 2... its redraws), as RFC 8785 canonical JSON, logged as
 * a ZL_LEAF_INSPECTION leaf whose index is kept in `leaf`. The records are
 * the state: the registries' current entries are the last record of each
 * key, and the state as of a plan is the last record of each key logged
 * before the plan's leaf. lib/supervise decides everything; this layer
 * only moves rows. Strings handed to callbacks are borrowed for the call.
 *
 * One derived column, uscc: the enterprise a spot-check task, penalty or
 * complaint finding is about, indexed (partial index, rows with one) so
 * that one enterprise's credit reads its own records only
 * (lib/supervise/credit_index.c says what it holds and how it is checked).
 *
 * Rejected: typed columns per registry (the draw must read the state at a
 * past leaf, which typed tables overwritten in place cannot give, and a
 * second copy of each entry would be one more thing to keep in step and
 * check).
 */
#ifndef ZL_STORE_SUP_H
#define ZL_STORE_SUP_H

#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

struct zl_store_sup_record {
    const char *key;  /* "enterprise:<uscc>", "plan:<id>", ... */
    long seq;         /* 1, 2, ... per key */
    const char *kind; /* "enterprise", "inspector", "category", "plan",
                         "draw", "redraw" */
    int64_t leaf;     /* the record's leaf index in the log */
    const char *json; /* canonical JSON, len bytes */
    size_t len;
    const char *uscc; /* the enterprise the record is about (the credit
                         index, credit_index.c); NULL or "" for none */
};
typedef int (*zl_store_sup_cb)(void *ctx, const struct zl_store_sup_record *r);

/* Insert a record inside the caller's transaction: 0, ZL_EEXIST when
 * (key, seq) exists, or a store error. */
int zl_store_sup_put(zl_store *s, const struct zl_store_sup_record *r);
/* Record (key, seq) of a key, seq 0 meaning its last: cb gets it. 0,
 * ZL_ENOTFOUND, cb's value or a store error. */
int zl_store_sup_get(zl_store *s, const char *key, long seq, zl_store_sup_cb cb,
                     void *ctx);
/* Highest seq of key, 0 when it has none. */
int zl_store_sup_last_seq(zl_store *s, const char *key, long *seq);
/* Every record with lo <= key < hi (bytewise) and leaf < before (before
 * < 0: no bound), ordered by key then seq. cb must not use the store (the
 * rows may be streaming). Returns 0, cb's non-zero value, or an error. */
int zl_store_sup_range(zl_store *s, const char *lo, const char *hi,
                       int64_t before, zl_store_sup_cb cb, void *ctx);

/* Every record indexed under enterprise uscc (its uscc column), ordered
 * by key then seq; cb may not use the store. 0, cb's value or an error. */
int zl_store_sup_by_uscc(zl_store *s, const char *uscc, zl_store_sup_cb cb,
                         void *ctx);
/* Set the index column of record (key, seq) to uscc (NULL: none), for
 * reindex and the upgrade. 0, ZL_ENOTFOUND or a store error. */
int zl_store_sup_set_uscc(zl_store *s, const char *key, long seq,
                          const char *uscc);

#endif
