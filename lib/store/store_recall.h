/*
 * store_recall.h - storage of recall cases (see zhiliang/recall.h).
 *
 * Three tables. recall_records holds each step of a case as its canonical
 * JSON text under (case_id, seq): the record of truth, logged leaf by leaf.
 * recall_cases is a per-case summary (status, reason, lots, GTINs) kept in
 * step with the records so listings need not replay them. recall_ids maps
 * every affected identifier to its cases so a product page can ask "is
 * this under recall?" with one indexed lookup. The logic lives in
 * lib/recall/; this layer only moves rows. Strings handed to callbacks are
 * borrowed for the call.
 */
#ifndef ZL_STORE_RECALL_H
#define ZL_STORE_RECALL_H

#include "zhiliang/recall.h"

/* Insert a record (ZL_EEXIST if (case_id, seq) exists). */
int zl_store_recall_record_put(zl_store *s, const char *case_id, long seq,
                               const char *kind, const char *json, size_t len);
/* One record's JSON: *json new (zl_free). ZL_ENOTFOUND if absent. */
int zl_store_recall_record_get(zl_store *s, const char *case_id, long seq,
                               char **json, size_t *len);
/* Every record of a case in seq order. */
typedef int (*zl_store_recall_record_cb)(void *ctx, long seq, const char *kind,
                                         const char *json, size_t len);
int zl_store_recall_records(zl_store *s, const char *case_id,
                            zl_store_recall_record_cb cb, void *ctx);
/* (case_id, seq) of every record, by case then seq. */
typedef int (*zl_store_recall_key_cb)(void *ctx, const char *case_id, long seq);
int zl_store_recall_all_keys(zl_store *s, zl_store_recall_key_cb cb, void *ctx);
/* Highest seq of a case (0 when it has no record). */
int zl_store_recall_last_seq(zl_store *s, const char *case_id, long *seq);

/* A case summary row as stored: the lots and GTINs are JSON arrays of
 * strings (text), encoded and decoded by lib/recall. */
struct zl_store_recall_case {
    const char *case_id, *status, *reason, *hazard_class;
    int64_t opened_ms, closed_ms;
    const char *lots_json, *gtins_json;
};
typedef int (*zl_store_recall_case_cb)(void *ctx,
                                       const struct zl_store_recall_case *r);

/* Insert or replace the case summary row. */
int zl_store_recall_case_put(zl_store *s, const struct zl_store_recall_case *r);
/* Summary rows (open_only: status 'open'), newest first; or one case
 * (case_id non-NULL; ZL_ENOTFOUND if absent). */
int zl_store_recall_case_list(zl_store *s, const char *case_id, int open_only,
                              zl_store_recall_case_cb cb, void *ctx);

/* Index identifiers ids[0..n) under a case. */
int zl_store_recall_ids_put(zl_store *s, const char *case_id,
                            const char *const *ids, size_t n);
/* Open cases whose scope holds id (summary rows). */
int zl_store_recall_cases_for_id(zl_store *s, const char *id,
                                 zl_store_recall_case_cb cb, void *ctx);
/* Every case, open or closed, indexed under id (summary rows, newest
 * first): e.g. "uscc:<USCC>", the enterprises a case recorded at opening
 * (lib/recall/case.c). */
int zl_store_recall_cases_with_id(zl_store *s, const char *id,
                                  zl_store_recall_case_cb cb, void *ctx);

#endif
