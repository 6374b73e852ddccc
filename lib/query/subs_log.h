/*
 * subs_log.h - named queries and subscriptions as logged records (what
 * subscription.c writes through, and what zhiliang verify checks).
 *
 * Creating or deleting a named query or a subscription appends a record
 * to the Merkle log (ZL_LEAF_SUBS) in the same transaction as the row it
 * describes, and keeps it in subs_records (store_subs.h). A
 * subscription's record carries a salted SHA-256 commitment to its
 * signing secret, never the secret. The webhook allowances (the
 * internal ranges the operator lets webhooks reach, store settings
 * "webhook.allow_internal[:PARTY]", lib/query/webhook.c) are logged the
 * same way, since they decide where a party's events may go. See
 * subs_log.c for what verify compares.
 */
#ifndef ZL_QUERY_SUBS_LOG_H
#define ZL_QUERY_SUBS_LOG_H

#include "audit/logged_rows.h"
#include "store/store_subs.h"

#include <stddef.h>
#include <stdint.h>

/* Log that named query q was created (del 0) or deleted (del 1) at
 * at_ms. Must run inside the caller's transaction. 0 or an error. */
int zl_subs_log_query(zl_store *s, const struct zl_store_nq *q, int del,
                      int64_t at_ms);

/* Log that subscription r was created or deleted (as above). */
int zl_subs_log_sub(zl_store *s, const struct zl_store_sub *r, int del,
                    int64_t at_ms);

/* The setting prefix of the webhook allowances (webhook.c's keys). */
#define ZL_WEBHOOK_ALLOW_KEY "webhook.allow_internal"

/* The outbox watermark (audit/outbox.c): "LEAF SEQ", the first leaf the
 * outbox check pairs and the outbox's last seq before it. */
#define ZL_OUTBOX_CHECKED_FROM "outbox.checked_from"

/* Log that a logged setting, key (ZL_WEBHOOK_ALLOW_KEY, or it, ':' and a
 * party ID: the ranges, "" for none; or ZL_OUTBOX_CHECKED_FROM), now
 * holds value as of at_ms. Must run inside the caller's transaction,
 * beside the setting's write. 0, ZL_EINVAL (not a logged setting) or an
 * error. */
int zl_subs_log_setting(zl_store *s, const char *key, const char *value,
                        int64_t at_ms);

/* The canonical bytes of logged record "subs:<seq>" from subs_records
 * (*canon new): the JCS of the stored record. 0, ZL_ENOTFOUND or an
 * error. */
int zl_subs_record_canon(zl_store *s, const char *record_key, char **canon,
                         size_t *len);

/* verify's record pass: every subs_records row has its leaf, and the
 * named_queries and subscriptions tables say what the last record of
 * each entity says, and so do the webhook allowances (a row or setting
 * edited, added or removed behind the log's back is reported). 0,
 * report's value or an error. */
int zl_subs_audit_rows(zl_store *s, zl_logged_report_fn report, void *ctx);

/* The schema step that brings records: one "create" record for every
 * named query and subscription stored before them. */
int zl_subs_migrate(zl_store *s);

/* Schemas 25 and 28: log each logged setting whose key begins with
 * prefix, set before such settings were logged (at 0). 0 or an error. */
int zl_subs_settings_migrate(zl_store *s, const char *prefix);

#endif
