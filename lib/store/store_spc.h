/*
 * store_spc.h - storage of live SPC streams (zhiliang/spc_stream.h).
 *
 * Three tables. spc_records(stream, kind, seq, leaf, json) holds what is
 * logged: the stream's definition (kind "stream", seq 1), one record per
 * append call (kind "batch") and the alarms (kind "alarm"), each the RFC
 * 8785 JSON whose ZL_LEAF_SPC leaf is "spc:<stream>:<kind>:<seq>".
 * spc_points(stream, seq, t_ms, value, code, oper, batch, n) holds the
 * measurements in arrival order ("" for no code or operator), typed so a
 * series reads back without parsing. spc_state(stream, counters, state)
 * is the checker's state after the last append: derived (it can be
 * recomputed from the points), so it is not logged. lib/spc/stream.c
 * decides everything; this layer only moves rows. Strings handed to
 * callbacks are borrowed for the call.
 */
#ifndef ZL_STORE_SPC_H
#define ZL_STORE_SPC_H

#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

struct zl_store_spc_record {
    const char *stream;
    const char *kind; /* "stream", "batch", "alarm" */
    int64_t seq;      /* 1, 2, ... per (stream, kind) */
    int64_t leaf;
    const char *json;
    size_t len;
};
typedef int (*zl_store_spc_record_cb)(void *ctx,
                                      const struct zl_store_spc_record *r);

struct zl_store_spc_point {
    int64_t seq, t_ms, batch;
    int64_t size; /* the sample's own size, 0: the stream's (column n) */
    double value;
    const char *code, *oper; /* never NULL: "" when none */
};
typedef int (*zl_store_spc_point_cb)(void *ctx,
                                     const struct zl_store_spc_point *p);

struct zl_store_spc_state {
    int64_t n_values, n_points, n_alarms, n_batches;
    char *state; /* get: new (zl_free); put: borrowed */
    size_t len;
};

/* Insert a record in the caller's transaction: 0, ZL_EEXIST, an error. */
int zl_store_spc_record_put(zl_store *s, const struct zl_store_spc_record *r);
/* Records of kind with seq > after, of one stream (NULL: every stream),
 * ordered by stream then seq, at most limit (0: all). The rows are read
 * whole before cb runs, so cb may use the store. 0, cb's value, error. */
int zl_store_spc_records(zl_store *s, const char *stream, const char *kind,
                         int64_t after, size_t limit, zl_store_spc_record_cb cb,
                         void *ctx);
/* Insert p[0..n) of stream (caller's transaction). 0, ZL_EEXIST, error. */
int zl_store_spc_points_put(zl_store *s, const char *stream,
                            const struct zl_store_spc_point *p, size_t n);
/* Points with from <= seq < to (to <= 0: no bound) in seq order; cb must
 * not use the store (rows may stream). 0, cb's value, an error. */
int zl_store_spc_points(zl_store *s, const char *stream, int64_t from,
                        int64_t to, zl_store_spc_point_cb cb, void *ctx);
/* Insert or replace the state row of stream. */
int zl_store_spc_state_put(zl_store *s, const char *stream,
                           const struct zl_store_spc_state *st);
/* The state row: 0 (st->state new), ZL_ENOTFOUND, an error. */
int zl_store_spc_state_get(zl_store *s, const char *stream,
                           struct zl_store_spc_state *st);

#endif
