/*
 * store_subs.h - storage of named queries and query subscriptions (the
 * EPCIS 2.0 REST binding's /queries resources, zhiliang/subscription.h).
 *
 * Two tables:
 *   named_queries(name, owner, query, created): a query definition (the
 *     REST body's "query" object as compact JSON) under a store-wide
 *     unique name, with the party that created it ("" for local access);
 *   subscriptions(id, query_name, owner, dest, secret, spec, created,
 *     cursor, pending, notified): a webhook standing on a named query.
 *     spec is the subscription's options as JSON (stream, schedule,
 *     reportIfEmpty, recalls, initialRecordTime...), which lib/query
 *     reads; cursor is the outbox seq delivered through (committed only
 *     after the receiver answered 2xx), pending the end of the batch being
 *     delivered (committed before the POST, so a retry after a restart
 *     sends exactly the same batch), notified the time of the last
 *     delivery.
 *
 * This layer only moves rows: names, ownership and what a batch holds
 * are decided in lib/query/subscription.c. Strings given to callbacks are
 * borrowed for the call; the callbacks may use the store (the rows are
 * read whole first: both tables are small).
 *
 * A third table, subs_records(seq, entity, leaf, json), holds every
 * logged record of the module (a query or a subscription created or
 * deleted, lib/query/subs_log.c) with the index of its log leaf; the
 * two tables above must say what the last record of each entity says.
 * Cursors, pending and notified are delivery state, in no record.
 *
 * Rejected: typed columns for every option of a subscription (the binding
 * keeps growing them; nothing queries by them), and keeping the delivery
 * cursor in memory (a restart would re-send or lose events).
 */
#ifndef ZL_STORE_SUBS_H
#define ZL_STORE_SUBS_H

#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

struct zl_store_nq {
    const char *name, *owner;
    const char *query; /* JSON object text */
    int64_t created_ms;
};
typedef int (*zl_store_nq_cb)(void *ctx, const struct zl_store_nq *q);

/* Insert a named query: 0, ZL_EEXIST when the name is taken, or an
 * error. */
int zl_store_nq_put(zl_store *s, const struct zl_store_nq *q);
/* The named query `name` to cb: 0, ZL_ENOTFOUND, cb's value or an error. */
int zl_store_nq_get(zl_store *s, const char *name, zl_store_nq_cb cb,
                    void *ctx);
/* Named queries of owner (NULL: all) in name order (bytewise). */
int zl_store_nq_list(zl_store *s, const char *owner, zl_store_nq_cb cb,
                     void *ctx);
/* Delete a named query and its subscriptions: 0 or ZL_ENOTFOUND. */
int zl_store_nq_delete(zl_store *s, const char *name);

struct zl_store_sub {
    const char *id, *query_name, *owner, *dest, *secret;
    const char *spec; /* JSON object text */
    int64_t created_ms;
    int64_t cursor, pending; /* outbox seqs */
    int64_t notified_ms;     /* 0: never */
    const char *last_error;  /* the last failed delivery's reason, or "" */
    int64_t error_ms;        /* when (0: none since the last success) */
};
typedef int (*zl_store_sub_cb)(void *ctx, const struct zl_store_sub *r);

/* Insert a subscription: 0, ZL_EEXIST (id taken) or an error. */
int zl_store_sub_put(zl_store *s, const struct zl_store_sub *r);
/* One subscription to cb: 0, ZL_ENOTFOUND, cb's value or an error. */
int zl_store_sub_get(zl_store *s, const char *id, zl_store_sub_cb cb,
                     void *ctx);
/* The subscriptions of query_name (NULL: all), in id order. */
int zl_store_sub_list(zl_store *s, const char *query_name, zl_store_sub_cb cb,
                      void *ctx);
/* Delete one: 0 or ZL_ENOTFOUND. */
int zl_store_sub_delete(zl_store *s, const char *id);
/* Record delivery progress: 0, ZL_ENOTFOUND (deleted meanwhile) or an
 * error. notified_ms 0 keeps the stored value. */
int zl_store_sub_progress(zl_store *s, const char *id, int64_t cursor,
                          int64_t pending, int64_t notified_ms);
/* ---- the module's logged records ---------------------------------------- */

struct zl_store_subs_rec {
    int64_t seq;
    const char *entity; /* "query:NAME" or "subscription:ID" */
    int64_t leaf;       /* the log leaf index */
    const char *json;   /* the record as logged (JCS) */
};
typedef int (*zl_store_subs_rec_cb)(void *ctx,
                                    const struct zl_store_subs_rec *r);

/* The seq the next record gets (1 + the highest). */
int zl_store_subs_rec_next(zl_store *s, int64_t *seq);
/* Insert a record: 0, ZL_EEXIST (seq taken) or an error. */
int zl_store_subs_rec_put(zl_store *s, const struct zl_store_subs_rec *r);
/* Record seq to cb: 0, ZL_ENOTFOUND, cb's value or an error. */
int zl_store_subs_rec_get(zl_store *s, int64_t seq, zl_store_subs_rec_cb cb,
                          void *ctx);
/* Every record in seq order. */
int zl_store_subs_rec_list(zl_store *s, zl_store_subs_rec_cb cb, void *ctx);

/* Record a failed delivery (delivery state, like the cursor; the next
 * success clears it): 0, ZL_ENOTFOUND or an error. */
int zl_store_sub_error(zl_store *s, const char *id, const char *why,
                       int64_t at_ms);
/* The schema step's column change (last_error, error_at), idempotent. */
int zl_store_subs_upgrade(zl_store *s);

/* The highest outbox seq (0 when empty). */
int zl_store_outbox_last(zl_store *s, int64_t *seq);

#endif
