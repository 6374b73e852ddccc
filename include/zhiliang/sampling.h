/*
 * zhiliang/sampling.h - acceptance sampling by attributes, GB/T 2828.1-2012
 * (identical to ISO 2859-1:1999): single sampling plans indexed by AQL.
 *
 * A lot of N items is inspected at a level (general I, II, III or special
 * S-1 to S-4); Table 1 gives the sample size code letter, Tables 2-A/B/C
 * (normal, tightened, reduced inspection) give for that letter and the AQL
 * the sample size n, the acceptance number Ac and the rejection number Re.
 * Where a table cell holds an arrow, the plan is the first one below
 * (down) or above (up) the arrow, with that plan's own sample size; when
 * n reaches the lot size every item is inspected (100 % inspection).
 *
 * The tables are the standard's, embedded from data/gbt2828 at build time
 * (never typed into code). The operating characteristic (probability of
 * acceptance against the quality submitted) follows from n and Ac: the
 * binomial distribution for percent nonconforming, Poisson for
 * nonconformities per hundred items.
 */
#ifndef ZL_SAMPLING_H
#define ZL_SAMPLING_H

#include "zhiliang/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_insp_level {
    ZL_LEVEL_S1,
    ZL_LEVEL_S2,
    ZL_LEVEL_S3,
    ZL_LEVEL_S4,
    ZL_LEVEL_I,
    ZL_LEVEL_II,
    ZL_LEVEL_III
};

enum zl_severity { ZL_INSP_NORMAL, ZL_INSP_TIGHTENED, ZL_INSP_REDUCED };

struct zl_sampling_plan {
    char code_letter;    /* Table 1's letter for the lot size and level */
    char plan_letter;    /* the letter whose plan applies (after arrows) */
    double aql;          /* the AQL column used */
    char aql_text[8];    /* as printed: "0.010", "1.0", "10" */
    uint32_t n;          /* sample size (the lot size when 100 %) */
    uint32_t ac, re;     /* accept with <= ac, reject with >= re */
    int hundred_percent; /* the plan's sample is not smaller than the lot */
    enum zl_severity severity;
};

/* "I", "II", "III", "S-1".."S-4" (also "S1".."S4", any case). Returns 0
 * or ZL_EINVAL. */
int zl_sampling_level_parse(const char *s, enum zl_insp_level *out);
const char *zl_sampling_level_name(enum zl_insp_level lv);
const char *zl_sampling_severity_name(enum zl_severity sev);

/* The single sampling plan for a lot. aql is compared with the printed
 * AQL values (0.010 to 1000); any other value is ZL_EINVAL naming the
 * nearest ones. Returns 0, ZL_EINVAL (lot size < 2, unknown AQL),
 * ZL_ENOTFOUND (the table has no plan there: a "-" cell). err says why. */
int zl_sampling_plan(uint64_t lot_size, enum zl_insp_level lv, double aql,
                     enum zl_severity sev, struct zl_sampling_plan *out,
                     struct zl_error *err);

/* Probability that a lot is accepted by plan p when its quality is q:
 * percent nonconforming (binomial, 0 <= q <= 100) or, poisson = 1,
 * nonconformities per hundred items (Poisson with mean n*q/100). */
double zl_sampling_pa(const struct zl_sampling_plan *p, double q, int poisson);

/* The quality at which the plan accepts with probability pa (0 < pa <
 * 1): the inverse of zl_sampling_pa, found by bisection to 1e-9. The
 * standard tabulates it at Pa = 95 % and 10 % (producer's and consumer's
 * risk points). */
double zl_sampling_quality_at(const struct zl_sampling_plan *p, double pa,
                              int poisson);

/* The OC curve as a standalone SVG document (bilingual labels): Pa from
 * quality 0 to where it falls under 1 %, the AQL marked. *svg is new
 * (zl_free) with *len bytes. Returns 0 or ZL_ENOMEM. */
int zl_sampling_oc_svg(const struct zl_sampling_plan *p, int poisson,
                       char **svg, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
