/*
 * zhiliang/subscription.h - named queries and query subscriptions, as the
 * EPCIS 2.0 REST binding has them (/queries, /queries/{name}/events,
 * /queries/{name}/subscriptions).
 *
 * A named query is the binding's query object ({"EQ_bizStep": ["shipping"],
 * "eventType": ["ObjectEvent"]...}: the SimpleEventQuery parameters of
 * zhiliang/query.h, list values as arrays) kept under a store-wide name
 * with the party that made it. Whoever runs it runs it under their own
 * read rule (zl_query_set_viewer): a query is a filter, never a grant.
 *
 * A subscription stands on a named query and sends its results to a
 * webhook (dest) as EPCISQueryDocuments: streaming (each batch of newly
 * captured events, moments after the capture commits) or on a schedule
 * (cron-like fields, UTC). It follows the store's transactional outbox:
 * its cursor is the outbox seq delivered through, moved only after the
 * receiver answered 2xx, and the batch being delivered is recorded before
 * the POST, so a retry (after a failure or a restart) sends exactly the
 * same batch with the same Idempotency-Key. Results run under the read
 * rule of the subscription's owner, so a subscription never delivers an
 * event its owner could not query. With "recalls": true (a Zhiliang
 * extension) it also carries recall-opened notices for the recalls whose
 * scope lists the owner as a custodian of affected goods.
 *
 * Each delivery is signed: GS1-Signature is the base64 HMAC-SHA256 of the
 * body under the subscription's signatureToken (as FasTnT does; the
 * binding leaves the scheme to the implementation).
 */
#ifndef ZL_SUBSCRIPTION_H
#define ZL_SUBSCRIPTION_H

#include "zhiliang/error.h"
#include "zhiliang/query.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* query.h's handle (repeated: the umbrella header may include this file
 * from inside query.h, before its body) */
typedef struct zl_query zl_query;

#define ZL_QUERY_NAME_MAX      65 /* 64 characters [A-Za-z0-9._-] and NUL */
#define ZL_SUBSCRIPTION_ID_MAX 37 /* a UUID */

/* ---- named queries ------------------------------------------------------ */

/* Save query_json[0..len) (a JSON object of query parameters) as `name`
 * for owner ("" or NULL: local access). Every parameter is checked as
 * zl_query_param would (err names it); nextPageToken and perPage belong
 * to a run, not a definition, and are refused. Returns 0, ZL_EINVAL (bad
 * name or query, err set), ZL_EEXIST (name taken) or a store error. */
int zl_named_query_save(zl_store *s, const char *name, const char *owner,
                        const char *query_json, size_t len,
                        struct zl_error *err);

/* The query object of `name` as compact JSON (*json new, zl_free). owner
 * NULL reads any; otherwise a query of another owner is ZL_ENOTFOUND, as
 * is a missing one. */
int zl_named_query_get(zl_store *s, const char *name, const char *owner,
                       char **json);

/* Named queries of owner (NULL: all) in name order; strings borrowed for
 * the call. Returns 0, cb's non-zero value or an error. */
typedef int (*zl_named_query_cb)(void *ctx, const char *name, const char *owner,
                                 const char *query_json);
int zl_named_query_list(zl_store *s, const char *owner, zl_named_query_cb cb,
                        void *ctx);

/* Delete `name` (owner as for _get) and every subscription on it: 0,
 * ZL_ENOTFOUND or an error. */
int zl_named_query_delete(zl_store *s, const char *name, const char *owner);

/* A query document json[0..len) (zl_query_json's) renamed from
 * SimpleEventQuery to named query `name`: a new text (zl_free, *out_len
 * its length), or NULL (no such field, a bad name, no memory: keep the
 * original). */
char *zl_query_doc_rename(const char *json, size_t len, const char *name,
                          size_t *out_len);

/* Add the parameters of query_json (NUL-terminated) to q. 0 or ZL_EINVAL
 * with err naming the parameter. */
int zl_named_query_apply(zl_query *q, const char *query_json,
                         struct zl_error *err);

/* ---- subscriptions ------------------------------------------------------ */

/* Subscribe owner to named query query_name with the binding's body
 * ({"dest", "signatureToken", "stream": true | "schedule": {...},
 * "reportIfEmpty", "initialRecordTime"} and Zhiliang's "recalls": true).
 * dest is an http or https URL. Without initialRecordTime the subscription
 * sees what is captured after it. id gets the new subscription's ID.
 * Returns 0, ZL_ENOTFOUND (no such query for owner), ZL_EINVAL (err
 * names the field) or a store error. */
int zl_subscription_create(zl_store *s, const char *query_name,
                           const char *owner, const char *body, size_t len,
                           char id[ZL_SUBSCRIPTION_ID_MAX],
                           struct zl_error *err);

/* The subscription as the binding answers it (no secret), *json new:
 * 0, ZL_ENOTFOUND (also for another owner's or another query's) or an
 * error. */
int zl_subscription_get(zl_store *s, const char *query_name, const char *id,
                        const char *owner, char **json);

/* The subscriptions of query_name as a JSON array (*json new). */
int zl_subscription_list(zl_store *s, const char *query_name, const char *owner,
                         char **json);

/* Unsubscribe: 0, ZL_ENOTFOUND or an error. */
int zl_subscription_delete(zl_store *s, const char *query_name, const char *id,
                           const char *owner);

/* Every subscription's ID (the delivery loop's round), borrowed. */
typedef int (*zl_subscription_id_cb)(void *ctx, const char *id);
int zl_subscription_ids(zl_store *s, zl_subscription_id_cb cb, void *ctx);

/* One delivery: POST body to dest with Content-Type application/json,
 * GS1-Signature (when signature[0]) and Idempotency-Key. */
struct zl_delivery {
    char id[ZL_SUBSCRIPTION_ID_MAX];
    char *dest;
    char *body; /* an EPCISQueryDocument */
    size_t len;
    char signature[48];
    char idempotency_key[96];
    int64_t lo, hi; /* the outbox rows (lo, hi] it covers */
    size_t n_events, n_recalls;
    char *owner; /* the subscription's ("" local): whose allow-list */
};

/* The next delivery of subscription id at now_ms (ms since the epoch).
 * Returns 1 when d holds one (send it, then zl_subscription_delivered),
 * 2 when outbox rows were passed over with nothing to report (call
 * again), 0 when nothing is due, or a negative error (ZL_ENOTFOUND: the
 * subscription is gone). d is cleaned up first and must be initialised
 * (zeroed) before the first call. */
int zl_subscription_next(zl_store *s, const char *id, int64_t now_ms,
                         struct zl_delivery *d);

/* The receiver took d (2xx): move the cursor past it. 0, ZL_ENOTFOUND
 * (unsubscribed meanwhile) or an error. */
int zl_subscription_delivered(zl_store *s, const struct zl_delivery *d,
                              int64_t now_ms);

/* A delivery of subscription id failed at now_ms: record why (status:
 * the receiver's HTTP status, or 0 and why, e.g. an address the policy
 * refused) as delivery state, shown as "lastError" until the next
 * delivery succeeds. The batch stays pending. 0, ZL_ENOTFOUND or an
 * error. */
int zl_subscription_failed(zl_store *s, const char *id, const char *why,
                           long status, int64_t now_ms);

void zl_delivery_cleanup(struct zl_delivery *d); /* NULL-safe */

/* ---- live streams (WebSocket subscriptions) ------------------------------
 * A stream delivers what a streaming subscription would, without a row:
 * each batch of newly captured events that named query query_name
 * selects under the owner's read rule, as an EPCISQueryDocument without
 * subscriptionID. Its cursor is held in memory only: nothing about a
 * stream is stored or logged, and a closed one is gone. A client that
 * reconnects opens a new stream with since_ms = the last recordTime it
 * received (events of that millisecond come again: drop them by
 * eventID).
 */
typedef struct zl_query_stream zl_query_stream;

/* Open a stream of owner's query_name: from what is captured after the
 * call (since_ms < 0) or of every event recorded at or after since_ms.
 * *out new (zl_query_stream_free). 0, ZL_ENOTFOUND (no such query for
 * owner), ZL_EINVAL (a query naming EQ_eventID, err set) or an error. */
int zl_query_stream_open(zl_store *s, const char *query_name, const char *owner,
                         int64_t since_ms, zl_query_stream **out,
                         struct zl_error *err);

/* The next batch: 1 with *body (new, zl_free; *len bytes, *n_events
 * events), 2 when outbox rows were passed over with nothing the owner
 * may see (call again), 0 when nothing is new, ZL_ENOTFOUND when the
 * query was deleted (end the stream), or another error. The cursor moves
 * past a batch when it is built: the caller sends it or ends the
 * stream. */
int zl_query_stream_next(zl_store *s, zl_query_stream *q, int64_t now_ms,
                         char **body, size_t *len, size_t *n_events);

/* The store outbox's last seq (*seq): a stream whose cursor is below it
 * has rows to look at. 0 or an error. */
int zl_query_stream_head(zl_store *s, int64_t *seq);

/* The outbox seq the stream has passed (0 for NULL). */
int64_t zl_query_stream_cursor(const zl_query_stream *q);

void zl_query_stream_free(zl_query_stream *q); /* NULL-safe */

/* ---- webhook destinations (lib/query/webhook.c) --------------------------
 * A dest whose address is internal (loopback, RFC 1918 private, shared,
 * link-local, unique-local and site-local IPv6, multicast, documentation
 * and other special-purpose ranges; IPv4 carried in IPv6 by the address it
 * carries) is refused unless it lies in a range the operator lists in the
 * store setting "webhook.allow_internal". Checked when a subscription is
 * created and again on the address each delivery connects to.
 */

struct sockaddr;

/* Why sa is internal ("private (RFC 1918)", a static string), or NULL
 * when it is a public address. */
const char *zl_addr_internal(const struct sockaddr *sa);

/* 0 when a webhook may connect to sa under allow (comma-separated CIDR
 * ranges, "" none), else ZL_EPERM with why (cap bytes, may be NULL)
 * naming the address and its kind. */
int zl_webhook_addr_ok(const char *allow, const struct sockaddr *sa, char *why,
                       size_t cap);

/* The operator's allowed internal ranges for every party's webhooks
 * (*list new, "" when none). */
int zl_webhook_allow_get(zl_store *s, char **list);

/* Set them: comma-separated addresses or CIDR ranges, "" or "none" for
 * none. 0, ZL_EINVAL (err names the bad entry) or a store error. */
int zl_webhook_allow_set(zl_store *s, const char *list, struct zl_error *err);

/* The same for one party's subscriptions only (party: its ID; NULL or
 * "" is the store-wide list): _get gives the party's own list, _set
 * sets it (ZL_ENOTFOUND, err set, for an unregistered party ID). */
int zl_webhook_allow_party_get(zl_store *s, const char *party, char **list);
int zl_webhook_allow_party_set(zl_store *s, const char *party, const char *list,
                               struct zl_error *err);

/* What owner's webhooks may reach: the store-wide list and owner's own
 * together (owner NULL or "": the store-wide one). *list new. */
int zl_webhook_allow_for(zl_store *s, const char *owner, char **list);

/* Check url's host for owner's subscription (NULL: local access): it
 * must resolve now, and every address it resolves to must be public or
 * allowed for owner (zl_webhook_allow_for). 0, ZL_EINVAL (err: path
 * "dest", the host and why: it does not resolve, or the address and
 * its kind) or an error. _check is _check_for with owner NULL. */
int zl_webhook_dest_check_for(zl_store *s, const char *owner, const char *url,
                              struct zl_error *err);
int zl_webhook_dest_check(zl_store *s, const char *url, struct zl_error *err);

/* base64 of HMAC-SHA256(key, msg): the GS1-Signature value. 0 or
 * ZL_ENOMEM. */
int zl_hmac_sha256_b64(const char *key, size_t key_len, const void *msg,
                       size_t len, char out[48]);

#ifdef __cplusplus
}
#endif
#endif
