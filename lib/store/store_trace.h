/*
 * store_trace.h - store functions the trace engine adds to store.h: bulk
 * scans to load the in-memory trace index in three sequential passes, and
 * a batched event metadata lookup without the JSON text.
 *
 * A backend that lacks them can still trace (the engine falls back on
 * store.h), but loading the index through per-event lookups costs several
 * random reads per event. On PostgreSQL these become COPY-style scans.
 */
#ifndef ZL_STORE_TRACE_H
#define ZL_STORE_TRACE_H

#include "store/store.h"

/* Every event recorded at or after since_rt (0 = all): cb gets a stored
 * event with json = NULL and json_len = 0. Strings borrowed for the call. */
int zl_store_trace_scan_events(zl_store *s, int64_t since_rt, zl_event_cb cb,
                               void *ctx);

/* Every identifier row of every event (grouped by identifier). */
int zl_store_trace_scan_ids(zl_store *s, zl_id_cb cb, void *ctx);

/* Every source and destination row: cb(ctx, hash, kind, type, value). */
typedef int (*zl_trace_ref_cb)(void *ctx, const uint8_t hash[32], char kind,
                               const char *type, const char *value);
int zl_store_trace_scan_refs(zl_store *s, zl_trace_ref_cb cb, void *ctx);

/* Metadata of each event in hashes[0..n) (json = NULL); absent hashes are
 * skipped. */
int zl_store_trace_events_meta(zl_store *s, const uint8_t (*hashes)[32],
                               size_t n, zl_event_cb cb, void *ctx);

/* The source and destination rows of each event in hashes[0..n), in one
 * round trip on a server backend (a trace step's events at once, instead
 * of one zl_store_event_refs each): cb(ctx, hash, kind, type, value),
 * rows of one event together, in no promised order across events. */
int zl_store_trace_events_refs(zl_store *s, const uint8_t (*hashes)[32],
                               size_t n, zl_trace_ref_cb cb, void *ctx);

#endif
