/*
 * zhiliang/spc_stream.h - live SPC monitoring: measurement streams kept in
 * the store and checked against fixed limits as each measurement arrives.
 *
 * Two layers. The checker (zl_spc_check_*) is pure: it holds what the run
 * rules of zhiliang/spc.h need to judge the next point (the run counters
 * and zone histories of lib/spc/rules.c, the open violation of each rule,
 * the measurements of the subgroup not yet complete), so checking a
 * measurement costs O(1) and never reads the series back. It reports the
 * same flags at every point and the same violations, first point and rule,
 * as zl_spc_chart with the same fixed limits does on the whole series
 * (tests/unit/test_spc_stream.c checks this on random series with shifts).
 *
 * The stream layer (zl_spc_stream_*, zl_spc_append) keeps streams, their
 * measurements, the checker's state and the alarms in the store (any
 * backend) and logs in the Merkle log, as ZL_LEAF_SPC leaves: each stream
 * definition, each alarm (the rule, the points, the explanation in Chinese
 * and English), and one batch record per append call whose digest covers
 * every measurement of the call, so `zhiliang verify` catches an edited
 * alarm, definition or measurement. See lib/spc/stream.c for why.
 *
 * Charts: X-bar/R, X-bar/S, I-MR, EWMA (lambda, L) and two-sided tabular
 * CUSUM (k, h) (variables: one value per measurement, subgroups of the
 * stream's size in arrival order), and p, np, c, u (attributes: one count
 * per measurement, a sample of the stream's size unless the measurement
 * gives its own for p, np and u: the limits at that point are then the
 * batch chart's for that size).
 *
 * Limits are versioned: version 1 is the definition's; each revision
 * (zl_spc_stream_revise: given values or a Phase I estimate over a range
 * of the stream's own points, with a reason) is a new logged record, never
 * an overwrite, and every later alarm names the version it was checked
 * against.
 */
#ifndef ZL_SPC_STREAM_H
#define ZL_SPC_STREAM_H

#include "zhiliang/error.h"
#include "zhiliang/spc.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the checker (pure) -------------------------------------------------- */

/* Fixed limits of a chart's one or two series (the second: R, S or MR). */
struct zl_spc_limits {
    enum zl_spc_chart chart;
    int n;         /* subgroup size (attributes: sample size) */
    double center; /* process mean, p, c-bar or u-bar */
    double sigma;  /* sigma of one measurement (variables charts) */
    double nsigma; /* limit width, 3 by default */
    int n_series;  /* 1 or 2 */
    double cl[2], lcl[2], ucl[2], sd[2];
    double lambda, L; /* EWMA (cl etc.: its steady-state limits) */
    double k, h;      /* CUSUM, in sigma units of the subgroup mean */
};

/* The limits zl_spc_chart computes for fixed center and sigma (Phase II),
 * at subgroup / sample size n (IMR: 1). nsigma 0 means 3. Returns 0 or
 * ZL_EINVAL (err says why: chart not offered, n out of range, center or
 * sigma not valid for the chart). */
int zl_spc_limits_fixed(enum zl_spc_chart chart, int n, double center,
                        double sigma, double nsigma, struct zl_spc_limits *out,
                        struct zl_error *err);
/* The same, and for EWMA (a = lambda, b = L; 0: 0.2 and 3) and CUSUM (a =
 * k, b = h; 0: 0.5 and 4) streams, subgroups of n = 1..ZL_SPC_MAX_N. */
int zl_spc_limits_fixed_ex(enum zl_spc_chart chart, int n, double center,
                           double sigma, double nsigma, double a, double b,
                           struct zl_spc_limits *out, struct zl_error *err);
/* 1 when a measurement may carry its own sample size (p, np, u). */
int zl_spc_size_varies(enum zl_spc_chart c);

/* The state of the run rules on one series (lib/spc/rules.c's counters);
 * vlast[b]: the last point of the last violation of rule bit b, -1 none. */
struct zl_spc_rstate {
    int64_t above, below, up, down, alt, in1, out1, seen;
    uint32_t h2p, h2m, h1p, h1m;
    int32_t psd;
    double prev;
    int64_t vlast[12];
};

struct zl_spc_check {
    struct zl_spc_limits lim;
    unsigned mask;    /* rules tested */
    int64_t n_points; /* points (subgroups, samples) completed */
    int64_t n_values; /* measurements taken */
    int n_pend;       /* measurements of the open subgroup */
    double pend[ZL_SPC_MAX_N];
    double prev_x; /* I-MR: the previous individual (NaN: none) */
    struct zl_spc_rstate r[2];
    /* the last 16 statistics of each series, point i at [i % 16]: the
     * points a new violation involves (at most 15) */
    double hist[2][16];
    double ez, eq; /* EWMA: the statistic, (1 - lambda)^(2 i) */
    double cp, cm; /* CUSUM: C+ and C- */
};

/* A rule that fired at a point: new is 1 when it starts a violation (an
 * alarm), 0 when it extends the open one (the batch code merges them). */
struct zl_spc_fired {
    unsigned rule;
    int chart;           /* series 0 or 1 */
    int64_t first, last; /* points involved, 0-based, last = this point */
    int is_new;
};

struct zl_spc_point {
    int64_t index;  /* 0-based point number */
    double stat[2]; /* the plotted statistic(s); NaN: none (first MR) */
    uint16_t flags[2];
    double cl[2], lcl[2], ucl[2], sd[2]; /* the limits at this point */
    int64_t size;                        /* its sample size (attributes) */
    size_t n_fired;
    struct zl_spc_fired fired[24];
};

/* Start checking against lim with rule mask (zl_spc_rules_parse). */
void zl_spc_check_init(struct zl_spc_check *c, const struct zl_spc_limits *lim,
                       unsigned mask);
/* Take one measurement x (variables: a value; attributes: a count). Returns
 * 1 when it completed a point (*pt filled), 0 when its subgroup is still
 * open, ZL_EINVAL when x is not finite (or, for a count, negative, not
 * whole, or above the sample size for p and np): c is then unchanged. */
int zl_spc_check_push(struct zl_spc_check *c, double x,
                      struct zl_spc_point *pt);
/* The same for a count x out of a sample of size (0: the limits' n; p, np
 * and u only, else ZL_EINVAL). */
int zl_spc_check_push_n(struct zl_spc_check *c, double x, int64_t size,
                        struct zl_spc_point *pt);
/* New limits from the next point on: the run rules, EWMA and CUSUM start
 * afresh; the open subgroup and the previous individual are kept. */
void zl_spc_check_relimit(struct zl_spc_check *c,
                          const struct zl_spc_limits *lim);
/* The state as one line of text (exact: floats in C99 hex) and back.
 * save: 0 or ZL_ENOMEM / ZL_ELIMIT from b. load: 0 or ZL_EINVAL for text
 * that is not a saved state. */
struct zl_buf;
int zl_spc_check_save(const struct zl_spc_check *c, struct zl_buf *b);
int zl_spc_check_load(struct zl_spc_check *c, const char *text, size_t len);

/* ---- streams in the store ------------------------------------------------ */

#define ZL_SPC_NAME_MAX 64

struct zl_spc_stream_def {
    const char *name;           /* 1..64 of [A-Za-z0-9._-] */
    const char *characteristic; /* what is measured ("bore diameter") */
    const char *unit;           /* "mm", or NULL */
    enum zl_spc_chart chart;
    int n; /* subgroup / sample size */
    double center, sigma, nsigma;
    double a, b; /* EWMA lambda, L; CUSUM k, h (0: defaults) */
    unsigned rules;
    const char *owner; /* party ID whose tokens may append; NULL: local */
    const char *code;  /* default GS1 code of what is measured, or NULL */
};

/* Create a stream: validate, compute its limits, log its definition
 * (ZL_LEAF_SPC) and store it, in one transaction (or the caller's).
 * code is validated as zhiliang id does and kept as its canonical Digital
 * Link (or EPC URI when it has none); owner must be a registered party.
 * Returns 0, ZL_EINVAL / ZL_ENOTFOUND (owner) with err, ZL_EEXIST. */
int zl_spc_stream_create(zl_store *s, const struct zl_spc_stream_def *d,
                         struct zl_error *err);

/* A stored stream: strings borrowed for the callback (or until
 * zl_spc_stream_cleanup for zl_spc_stream_get). */
struct zl_spc_stream {
    struct zl_spc_stream_def def;
    struct zl_spc_limits lim;
    int64_t created_ms;
    int64_t limits_version; /* 1: the definition's; 2, ...: revisions */
    int64_t n_values, n_points, n_alarms, n_batches;
    char *mem; /* zl_spc_stream_get: what the strings point into */
};
/* 0, ZL_ENOTFOUND, a store error. st is caller's; free with _cleanup. */
int zl_spc_stream_get(zl_store *s, const char *name, struct zl_spc_stream *st);
void zl_spc_stream_cleanup(struct zl_spc_stream *st);
typedef int (*zl_spc_stream_cb)(void *ctx, const struct zl_spc_stream *st);
/* Every stream by name. 0, cb's value or a store error. */
int zl_spc_stream_list(zl_store *s, zl_spc_stream_cb cb, void *ctx);

/* One measurement to append. t_ms 0: now. code NULL: the stream's
 * default; any form zhiliang id accepts. */
struct zl_spc_meas {
    double value;
    int64_t t_ms;
    const char *code;
    const char *oper;
    int64_t size; /* p, np, u: this sample's size (0: the stream's) */
};

struct zl_spc_alarm {
    const char *stream;
    int64_t seq;      /* 1, 2, ... per stream */
    int64_t leaf;     /* its leaf in the log */
    const char *json; /* the logged record (canonical JSON) */
    size_t len;
};
typedef int (*zl_spc_alarm_cb)(void *ctx, const struct zl_spc_alarm *a);

struct zl_spc_append_result {
    int64_t first_seq, n; /* measurements stored: seq first_seq.. */
    int64_t points;       /* points completed */
    int64_t alarms;       /* alarms raised */
    int64_t batch;        /* the batch record's number */
};

/* Append m[0..n) to stream name as party `as` (NULL: the store operator,
 * local access; else it must be the stream's owner: ZL_EPERM). Every
 * measurement is validated first; on any error nothing is stored (err
 * says which measurement and why). Checks each against the limits and
 * rules incrementally, stores the measurements, the new state, one batch
 * record and the alarms, logs them, in one transaction (the caller's, if
 * one is open). on_alarm (may be NULL) gets each new alarm after the
 * records are written (before commit when the transaction is the
 * caller's). Returns 0, ZL_EINVAL, ZL_ENOTFOUND, ZL_EPERM, a store error. */
int zl_spc_append(zl_store *s, const char *name, const char *as,
                  const struct zl_spc_meas *m, size_t n,
                  struct zl_spc_append_result *res, zl_spc_alarm_cb on_alarm,
                  void *ctx, struct zl_error *err);

/* The alarms of a stream (NULL: all streams) with seq > after, oldest
 * first, at most limit (0: all). 0, cb's value, a store error. */
int zl_spc_alarms(zl_store *s, const char *name, int64_t after, size_t limit,
                  zl_spc_alarm_cb cb, void *ctx);

/* A measurement as stored. */
struct zl_spc_stored {
    int64_t seq, t_ms, batch;
    double value;
    const char *code, *oper; /* "" when none */
    int64_t size;            /* the sample's own size, 0: the stream's */
};
typedef int (*zl_spc_stored_cb)(void *ctx, const struct zl_spc_stored *m);
/* Measurements with from <= seq < to (to 0: no bound), in order. */
int zl_spc_measurements(zl_store *s, const char *name, int64_t from, int64_t to,
                        zl_spc_stored_cb cb, void *ctx);

/* A revision of a stream's limits. Either given values (center; sigma
 * for variables charts) or, with from > 0, a Phase I estimate over the
 * stream's own points from..to (1-based, inclusive; to 0: the last),
 * dropping out-of-control points drop_ooc times, by the batch chart. */
struct zl_spc_revision {
    const char *reason; /* required: why (text, up to 200 bytes) */
    int64_t from, to;
    int drop_ooc;
    double center, sigma;
};
/* Log and store limits version N+1 of stream name as party as (NULL: the
 * store operator; else the stream's owner, ZL_EPERM), in one transaction;
 * the checker takes them from the next point on. *version (may be NULL)
 * gets N+1. 0, ZL_EINVAL, ZL_ENOTFOUND, ZL_EPERM, a store error. */
int zl_spc_stream_revise(zl_store *s, const char *name, const char *as,
                         const struct zl_spc_revision *rv, int64_t *version,
                         struct zl_error *err);
/* The limits history of a stream, oldest first: version 1 (the stream's
 * definition record) then each revision record; a->seq is the version. */
int zl_spc_limits_history(zl_store *s, const char *name, zl_spc_alarm_cb cb,
                          void *ctx);

/* The stored series as a chart against the stream's fixed limits (the
 * batch computation of zl_spc_chart, Phase II), e.g. for its SVG: its
 * last `last` points (0: all; the run rules then start afresh at the
 * first one drawn). r is the caller's (zl_spc_result_cleanup). Only
 * complete subgroups count. */
int zl_spc_stream_chart(zl_store *s, const char *name, size_t last,
                        struct zl_spc_result *r, struct zl_error *err);

#ifdef __cplusplus
}
#endif

#endif
