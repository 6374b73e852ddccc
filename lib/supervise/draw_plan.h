/*
 * draw_plan.h - the 双随机 draw of an inspection plan as a pure function
 * (draw_plan.c): enterprises drawn per stratum weighted by credit class,
 * and for each a team of inspectors without conflicts. docs/supervision.md
 * states the method; docs/draw_plan_verify.py is its independent twin.
 *
 * Inputs are arrays the caller owns and keeps alive until zl_dp_free:
 * enterprises sorted by USCC and inspectors sorted by id (bytewise,
 * strictly increasing; zl_dp_run checks it). Nothing here reads the store,
 * the clock or any random source: the same inputs give the same draw.
 */
#ifndef ZL_DRAW_PLAN_H
#define ZL_DRAW_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define ZL_DP_MAX_WEIGHT 1000 /* a class weight lies in 0..1000 */
#define ZL_DP_MAX_TEAM   16

struct zl_dp_enterprise {
    const char *uscc;        /* 18 characters */
    const char *region;      /* GB/T 2260 code */
    const char *const *cats; /* product category codes */
    size_t n_cats;
    int credit;               /* 'A'..'D' */
    const char *const *units; /* the units of its licensing offices */
    size_t n_units;
};

struct zl_dp_inspector {
    const char *id;
    const char *unit;
    const char *region;
    const char *const *quals; /* category codes */
    size_t n_quals;
    const char *const *conflicts; /* USCCs declared (relatives, employers,
                                     enterprises), sorted bytewise */
    size_t n_conflicts;
};

struct zl_dp_plan {
    const char *const *cats; /* scope: category codes */
    size_t n_cats;
    const char *const *regions; /* scope: region codes (prefixes) */
    size_t n_regions;
    int level;           /* stratum region digits: 2, 4 or 6 */
    uint32_t count;      /* per stratum, or 0 to use permille */
    uint32_t permille;   /* ceil(population * permille / 1000) */
    uint32_t weights[4]; /* class A..D, 0..ZL_DP_MAX_WEIGHT */
    uint32_t team;       /* 2..ZL_DP_MAX_TEAM */
};

/* Known facts that are not in the registries: pairs (inspector, uscc) of
 * the previous draw's teams, and pairs (task, inspector) made unavailable
 * by redraws. Inspector and USCC strings; task numbers from 1. */
struct zl_dp_pair {
    const char *inspector;
    const char *uscc;
};
struct zl_dp_unavail {
    uint32_t task;
    const char *inspector;
};

/* Declared recusals, when conflicts are not known (a citizen's re-run):
 * the inspectors each task's draw skipped for a declared conflict, as the
 * draw record states. Used instead of zl_dp_inspector.conflicts when
 * given (conflicts then ignored). */
struct zl_dp_recusal {
    uint32_t task;
    const char *inspector;
};

struct zl_dp_task {
    uint32_t task;                 /* 1, 2, ... */
    uint32_t stratum;              /* index into zl_dp_result.strata */
    uint32_t enterprise;           /* index into the enterprises given */
    const char *category;          /* borrowed from the stratum name */
    uint32_t team[ZL_DP_MAX_TEAM]; /* inspector indices, in draw order */
    uint32_t n_team;               /* < plan team when the pool ran out */
    uint32_t *recused; /* inspectors skipped for a declared conflict */
    uint32_t n_recused;
};

struct zl_dp_stratum {
    char *name;          /* "<region>/<category>" */
    uint32_t population; /* enterprises of weight > 0 */
    uint32_t drawn;
};

struct zl_dp_result {
    struct zl_dp_stratum *strata; /* sorted by name */
    size_t n_strata;
    struct zl_dp_task *tasks;
    size_t n_tasks;
    uint64_t hashes; /* SHA-256 computations made */
    uint64_t conflict_checks;
};

struct zl_dp_input {
    const struct zl_dp_plan *plan;
    const struct zl_dp_enterprise *ent;
    size_t n_ent;
    const struct zl_dp_inspector *insp;
    size_t n_insp;
    const struct zl_dp_pair *prev; /* previous draw; any order */
    size_t n_prev;
    const struct zl_dp_unavail *unavail;
    size_t n_unavail;
    const struct zl_dp_recusal *recusals; /* NULL: use conflicts */
    size_t n_recusals;
    uint8_t seed[32];
};

/* Run the draw. *out is filled (zl_dp_free it, also after a failure).
 * Returns 0, ZL_EINVAL (unsorted input, bad plan values, with err), or
 * ZL_ENOMEM. */
struct zl_error;
int zl_dp_run(const struct zl_dp_input *in, struct zl_dp_result *out,
              struct zl_error *err);
void zl_dp_free(struct zl_dp_result *r);

/* The seed of a key string: SHA-256 of its bytes. */
int zl_dp_seed(const char *key, size_t len, uint8_t seed[32]);

/* The naive reference: the same draw with each team found by scanning
 * every inspector for each task (no pools, no trees). For tests and the
 * benchmark's baseline; same contract as zl_dp_run. */
int zl_dp_run_naive(const struct zl_dp_input *in, struct zl_dp_result *out,
                    struct zl_error *err);

#endif
