/*
 * store_audit.h - what `zhiliang verify` and `zhiliang reindex` need from
 * a store beyond the read interface: point lookups of derived rows, row
 * counts of the derived tables, and the clearing of derived data before a
 * rebuild. Every backend implements them; nothing else should call them.
 */
#ifndef ZL_STORE_AUDIT_H
#define ZL_STORE_AUDIT_H

#include "store/store.h"

/* Rows held by the derived tables. */
struct zl_store_derived_counts {
    uint64_t id_rows;   /* identifier index (event_ids) */
    uint64_t ref_rows;  /* bizTransactions, sources, destinations */
    uint64_t doc_links; /* event -> signed document links */
    uint64_t signed_docs;
    uint64_t recall_cases, recall_ids;
};
int zl_store_derived_counts(zl_store *s, struct zl_store_derived_counts *c);

/* A regulator's sites index (SQLite, schema 22: sqlite_query.c;
 * PostgreSQL, schema 30: pg_sites.c) against the events rows it is
 * derived from: cb(ctx, event, detail) for each event whose rows are
 * missing (event: its name in the backend's terms, "rid 12" on SQLite,
 * "hash 3f..." on PostgreSQL), then cb(ctx, NULL, detail) for a missing
 * trigger and if rows that no event accounts for remain. 0 (also on a
 * backend without the index), cb's non-zero value or a store error. */
typedef int (*zl_store_sites_issue_cb)(void *ctx, const char *event,
                                       const char *detail);
int zl_store_sites_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);
/* The same for an enterprise's trade index (SQLite, schema 27:
 * sqlite_trade.c): its triggers, the events whose rows are missing, then
 * rows no source or destination accounts for. */
int zl_store_trade_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);

/* The identifier index row with this primary key, into *row (strings
 * borrowed until the next store call). ZL_ENOTFOUND if absent. */
int zl_store_id_row_get(zl_store *s, const char *id, int64_t event_time_ms,
                        const uint8_t hash[32], enum zl_id_role role,
                        zl_id_cb cb, void *ctx);

/* Every signed document (cb per document, strings and doc borrowed). */
typedef int (*zl_store_doc_cb)(void *ctx, const uint8_t doc_hash[32],
                               const char *party, const char *sig_b64,
                               const char *doc, size_t len);
int zl_store_signed_docs_all(zl_store *s, zl_store_doc_cb cb, void *ctx);
/* 1 if the link exists, 0 if not, negative on error. */
int zl_store_doc_link_exists(zl_store *s, const uint8_t event_hash[32],
                             const uint8_t doc_hash[32]);

/* The identifiers the recall_ids index lists for a case (cb per id,
 * borrowed). */
int zl_store_recall_ids_of(zl_store *s, const char *case_id,
                           int (*cb)(void *ctx, const char *id), void *ctx);

/* Reindex: inside a transaction, drop every derived row (identifier index,
 * refs, signed-document links, recall case rows and their identifier
 * index) so the events can be put again; zl_store_event_replace then
 * rewrites one event's row and its derived rows from the parsed record,
 * keeping the capture metadata given. */
int zl_store_derived_clear(zl_store *s);
int zl_store_event_replace(zl_store *s, const struct zl_event *ev,
                           int64_t record_time_ms, const char *party);

#endif
