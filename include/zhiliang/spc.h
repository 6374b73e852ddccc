/*
 * zhiliang/spc.h - statistical process control: Shewhart control charts
 * (X-bar/R, X-bar/S, individuals/moving range, p, np, c, u), EWMA and
 * tabular CUSUM charts with their average run lengths, the Western
 * Electric and Nelson run rules, process capability (Cp, Cpk, Cpm, Pp,
 * Ppk), gauge R&R by the ANOVA method (AIAG MSA 4th ed.) and Pareto
 * analysis. docs/spc.md gives every formula.
 *
 * Pure computation: nothing here touches a store, a file or a clock. The
 * caller hands in arrays it owns (borrowed for the call only) and gets
 * results in structs it owns; arrays inside a result are new and freed by
 * the result's _cleanup function, which accepts a zeroed or cleaned-up
 * struct. Functions are reentrant and thread-safe (no global state).
 *
 * Data shapes. Variables charts (X-bar/R, X-bar/S, I-MR, EWMA, CUSUM)
 * take the measurements in time order, values[0..n_values), cut into
 * consecutive subgroups of sizes[0..n_groups) (sum = n_values); sizes
 * NULL means subgroups of one (individuals). Attribute charts take one
 * count per sample in values (nonconforming units for p and np,
 * nonconformities for c and u) and the sample sizes in sizes (NULL: all 1,
 * only sensible for c).
 *
 * Errors: ZL_EINVAL (with err naming the field) for data a chart cannot
 * take (a subgroup of 1 on an R chart, a count above its sample size, a
 * non-finite value, too few points to estimate), ZL_ENOMEM.
 */
#ifndef ZL_SPC_H
#define ZL_SPC_H

#include "zhiliang/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- control chart constants ----------------------------------------- */

/* Largest subgroup size the constants and the range-based charts take. */
#define ZL_SPC_MAX_N 50

/* The constants for subgroups of n (2 <= n <= ZL_SPC_MAX_N), computed on
 * each call: d2 = E[R/sigma] and d3 = sd(R/sigma) by numerical integration
 * of the range distribution of n standard normal variables, c4 from the
 * gamma function; the rest follow (A2 = 3/(d2 sqrt n), D3/D4 = 1 -/+ 3
 * d3/d2 with D3 floored at 0, ...). Returns 0 or ZL_EINVAL for n out of
 * range. */
struct zl_spc_constants {
    int n;
    double d2, d3, c4, A2, A3, B3, B4, D3, D4;
};
int zl_spc_constants(int n, struct zl_spc_constants *out);

/* c4 alone (n >= 2, any size): E[s] / sigma for samples of n. */
double zl_spc_c4(int n);

/* ---- charts ------------------------------------------------------------ */

enum zl_spc_chart {
    ZL_SPC_XBAR_R, /* subgroup means, ranges */
    ZL_SPC_XBAR_S, /* subgroup means, standard deviations */
    ZL_SPC_IMR,    /* individuals, moving ranges of 2 */
    ZL_SPC_P,      /* fraction nonconforming */
    ZL_SPC_NP,     /* number nonconforming */
    ZL_SPC_C,      /* nonconformities */
    ZL_SPC_U,      /* nonconformities per unit */
    ZL_SPC_EWMA,   /* exponentially weighted moving average */
    ZL_SPC_CUSUM   /* tabular CUSUM, standardised (C+ and C-) */
};

/* "xbar-r", "xbar-s", "imr" (also "i-mr"), "p", "np", "c", "u", "ewma",
 * "cusum", any case. Returns 0 or ZL_EINVAL. */
int zl_spc_chart_parse(const char *s, enum zl_spc_chart *out);
const char *zl_spc_chart_name(enum zl_spc_chart c);

/* How sigma (within subgroups) is estimated, as R's qcc names them. */
enum zl_spc_sigma {
    ZL_SPC_SIGMA_DEFAULT, /* UWAVE-R for X-bar/R, UWAVE-SD for X-bar/S,
                             MR for individuals */
    ZL_SPC_UWAVE_R,       /* mean of R_i / d2(n_i) */
    ZL_SPC_UWAVE_SD,      /* mean of S_i / c4(n_i) */
    ZL_SPC_MVLUE_R,       /* R_i / d2(n_i) weighted by (d2/d3)^2 */
    ZL_SPC_MVLUE_SD,      /* S_i / c4(n_i) weighted by c4^2/(1-c4^2) */
    ZL_SPC_RMSDF,         /* pooled sd / c4(sum(n_i - 1) + 1) */
    ZL_SPC_MR             /* mean moving range of 2 / d2(2) */
};
int zl_spc_sigma_parse(const char *s, enum zl_spc_sigma *out);
const char *zl_spc_sigma_name(enum zl_spc_sigma s);

/* Run rules, one bit each so a set is an unsigned mask. Nelson's eight
 * (1984); Western Electric's four (1956): WE1..3 test what Nelson 1, 5 and
 * 6 test, WE4 is eight (not nine) in a row on one side. */
enum zl_spc_rule {
    ZL_SPC_NELSON1 = 1u << 0, /* one point beyond 3 sigma (the limits) */
    ZL_SPC_NELSON2 = 1u << 1, /* nine in a row on one side */
    ZL_SPC_NELSON3 = 1u << 2, /* six in a row increasing or decreasing */
    ZL_SPC_NELSON4 = 1u << 3, /* fourteen in a row alternating */
    ZL_SPC_NELSON5 = 1u << 4, /* two of three beyond 2 sigma, one side */
    ZL_SPC_NELSON6 = 1u << 5, /* four of five beyond 1 sigma, one side */
    ZL_SPC_NELSON7 = 1u << 6, /* fifteen in a row within 1 sigma */
    ZL_SPC_NELSON8 = 1u << 7, /* eight in a row beyond 1 sigma, both sides */
    ZL_SPC_WE1 = 1u << 8,     /* one point beyond the limits */
    ZL_SPC_WE2 = 1u << 9,     /* two of three beyond 2 sigma, one side */
    ZL_SPC_WE3 = 1u << 10,    /* four of five beyond 1 sigma, one side */
    ZL_SPC_WE4 = 1u << 11     /* eight in a row on one side */
};
#define ZL_SPC_RULES_NELSON 0x0ffu
#define ZL_SPC_RULES_WE     0xf00u

/* A rule set from text: "we", "nelson", "none", or a comma list of
 * "nelson1".."nelson8" / "n1".."n8" / "we1".."we4". Returns 0 or
 * ZL_EINVAL. */
int zl_spc_rules_parse(const char *s, unsigned *mask);
/* The rule's short name ("nelson5", "we2") or NULL for not one bit. */
const char *zl_spc_rule_name(unsigned rule);

enum zl_spc_lang { ZL_SPC_EN, ZL_SPC_ZH };
/* A plain-language sentence saying what the rule found and what it
 * usually means, in English or Chinese (UTF-8). Static; NULL for not one
 * rule bit. */
const char *zl_spc_rule_text(unsigned rule, enum zl_spc_lang lang);

struct zl_spc_opts {
    enum zl_spc_chart chart;
    enum zl_spc_sigma sigma_method;
    /* Phase I: estimate from groups [est_from, est_to) (0, 0: all). */
    size_t est_from, est_to;
    /* Re-estimation passes: each drops the groups beyond the limits on
     * either chart from the estimate and estimates again (Montgomery's
     * "revised limits"). 0: none. */
    int drop_ooc;
    /* Phase II: fixed parameters instead of estimates. For variables
     * charts the process mean and sigma (of one measurement); for p, np
     * the fraction p, for c the mean count, for u the mean per unit. */
    int fixed_center, fixed_sigma;
    double center, sigma;
    double nsigma;    /* width of Shewhart limits, 0: 3 */
    unsigned rules;   /* zl_spc_rule mask tested on the charts */
    double lambda, L; /* EWMA, 0: 0.2 and 3 */
    double k, h;      /* CUSUM in sigma units, 0: 0.5 and 4 */
};

/* One chart of points: the statistic and its limits at each point.
 * When the limits are the same at every point (constant subgroup size,
 * no EWMA start-up) varying is 0 and cl, lcl, ucl, sd hold one entry, so
 * a chart of 10^7 points does not carry four more arrays of 10^7; read
 * them with ZL_SPC_AT(s, s->ucl, i). A missing limit is NaN (CUSUM has
 * no lower one); a statistic that does not exist is NaN (the first
 * moving range). */
struct zl_spc_series {
    size_t n;
    double *stat;           /* the plotted statistic, n entries */
    double *cl, *lcl, *ucl; /* limits: n entries, or 1 if !varying */
    double *sd;             /* sigma of the statistic (zones) */
    int varying;
    uint16_t *flags;  /* rules that fired at each point (mask) */
    const char *name; /* "xbar", "R", "S", "I", "MR", "p", ... */
};
#define ZL_SPC_AT(s, arr, i) ((arr)[(s)->varying ? (i) : 0])

struct zl_spc_violation {
    unsigned rule;      /* one zl_spc_rule bit */
    int chart;          /* 0: the first series, 1: the second */
    size_t first, last; /* points involved, inclusive, 0-based */
};

struct zl_spc_result {
    enum zl_spc_chart chart;
    enum zl_spc_sigma sigma_method; /* resolved (never DEFAULT) */
    double center;                  /* process mean, p-bar, c-bar or u-bar */
    double sigma;      /* sigma of one measurement (variables charts) */
    double mean_n;     /* mean subgroup / sample size */
    size_t n_used;     /* groups the estimate used */
    uint8_t *excluded; /* per group: 1 if left out of the estimate */
    size_t n_groups;
    struct zl_spc_series s[2]; /* second: R, S, MR, or C- (CUSUM) */
    int n_series;
    struct zl_spc_violation *v;
    size_t n_v;
};

/* Compute a chart: estimate (Phase I) or take (Phase II) the parameters,
 * the statistic and limits at every group, the run rules in o->rules.
 * values, sizes: see the data shapes above. *r is filled (caller owns it,
 * zl_spc_result_cleanup frees its arrays). Returns 0, ZL_EINVAL (err says
 * which group or option), ZL_ENOMEM. */
int zl_spc_chart(const double *values, size_t n_values, const uint32_t *sizes,
                 size_t n_groups, const struct zl_spc_opts *o,
                 struct zl_spc_result *r, struct zl_error *err);
void zl_spc_result_cleanup(struct zl_spc_result *r);

/* Test rules (mask) on one series, setting s->flags (which must be
 * allocated, n entries) and appending violations. Used by zl_spc_chart;
 * public for statistics computed elsewhere. Returns 0 or ZL_ENOMEM. */
int zl_spc_rules_apply(struct zl_spc_series *s, unsigned mask, int chart,
                       struct zl_spc_violation **v, size_t *n_v, size_t *cap_v);

/* ---- average run length ------------------------------------------------ */

/* ARL of a two-sided EWMA chart (smoothing lambda, limits +-L times the
 * asymptotic sd, start at 0) for a mean shift of mu sigma, by the
 * Nystrom method on the integral equation with Gauss-Legendre nodes
 * (Crowder 1987). */
double zl_spc_ewma_arl(double lambda, double L, double mu);
/* ARL of a tabular CUSUM (reference k, decision interval h, both in sigma
 * units, start at 0) for a shift of mu: one-sided (upper) when two_sided is
 * 0, else both sides combined by 1/ARL = 1/ARL+ + 1/ARL- (exact for the
 * usual k >= 0 when the two sides cannot signal together, Lucas & Crosier
 * 1982). The one-sided ARL solves Page's integral equation (Nystrom,
 * Gauss-Legendre) with the atom at 0. */
double zl_spc_cusum_arl(double k, double h, double mu, int two_sided);

/* ---- capability -------------------------------------------------------- */

enum zl_spc_nonnormal {
    ZL_SPC_NN_NONE,       /* normal theory regardless */
    ZL_SPC_NN_BOXCOX,     /* transform data and limits (data > 0) */
    ZL_SPC_NN_PERCENTILE, /* ISO 22514-2 percentile (0.135 %, 99.865 %) */
    ZL_SPC_NN_AUTO        /* Box-Cox when AD p < 0.05 and data > 0, else
                             percentile when AD p < 0.05, else none */
};

struct zl_spc_cap_opts {
    double lsl, usl, target; /* NaN: absent (one limit may be absent) */
    double sigma_within;     /* > 0: given (e.g. from a chart); else the
                                moving range of 2 (or subgroups below) */
    const uint32_t *sizes;   /* optional subgroups for sigma within */
    size_t n_groups;
    double conf; /* confidence level, 0: 0.95 */
    enum zl_spc_nonnormal nonnormal;
};

struct zl_spc_ci {
    double est, lo, hi;
};

struct zl_spc_capability {
    size_t n;
    double mean, sd_within, sd_overall;
    struct zl_spc_ci cp, cpk, cpm, pp, ppk; /* NaN when undefined */
    double ppm_exp_within, ppm_exp_overall, ppm_obs;
    double ad, ad_p;              /* Anderson-Darling A^2 and its p-value */
    enum zl_spc_nonnormal method; /* what was applied */
    double boxcox_lambda;         /* when Box-Cox was applied */
    /* histogram: bins equal-width over [min, max] */
    size_t n_bins;
    double bin_lo, bin_w;
    uint32_t bins[64];
};

/* Capability of x[0..n) against the limits in o. Returns 0 or ZL_EINVAL
 * (n < 2, no limit, a non-finite value, Box-Cox on data <= 0). */
int zl_spc_capability(const double *x, size_t n,
                      const struct zl_spc_cap_opts *o,
                      struct zl_spc_capability *out, struct zl_error *err);

/* The Anderson-Darling normality statistic A^2 of x[0..n) (mean and sd
 * estimated) and its p-value from A^2 (1 + 0.75/n + 2.25/n^2) after
 * D'Agostino & Stephens (1986), as R's nortest::ad.test. Returns 0,
 * ZL_EINVAL (n < 8 or no spread), ZL_ENOMEM. */
int zl_spc_anderson_darling(const double *x, size_t n, double *a2, double *p);

/* ---- measurement system analysis -------------------------------------- */

/* Gauge R&R study, crossed: every operator measures every part r times.
 * y[((part * n_oper) + oper) * n_rep + rep]. tol = USL - LSL (0: no
 * %tolerance). The interaction is pooled into repeatability when its
 * p-value is above alpha_pool (AIAG: 0.25; 0 never pools): then pooled is
 * 1, error is the pooled row (its SS and df include the interaction's),
 * part and oper are tested against it, and inter keeps the unpooled
 * interaction row for reference. Returns 0, ZL_EINVAL (fewer than 2
 * parts or 2 replicates, a non-finite value), ZL_ENOMEM. */
struct zl_spc_anova_row {
    double df, ss, ms, f, p; /* f, p NaN where not tested */
};
struct zl_spc_gauge {
    size_t parts, opers, reps;
    struct zl_spc_anova_row part, oper, inter, error, total;
    int pooled;
    /* variance components */
    double var_repeat, var_reprod, var_oper, var_inter, var_grr, var_part,
        var_total;
    /* percent of study variation (sd ratio), of tolerance (6 sd) */
    double pct_grr, pct_repeat, pct_reprod, pct_part, pct_tol_grr;
    int ndc; /* 1.41 sd_part / sd_grr, truncated, at least 1 */
};
int zl_spc_gauge_rr(const double *y, size_t parts, size_t opers, size_t reps,
                    double tol, double alpha_pool, struct zl_spc_gauge *out,
                    struct zl_error *err);

/* ---- distributions (exposed for tests and callers) --------------------- */

double zl_spc_pnorm(double x);
double zl_spc_qnorm(double p);
/* Regularised incomplete gamma P(a, x) and beta I_x(a, b). */
double zl_spc_pgamma(double a, double x);
double zl_spc_pbeta(double x, double a, double b);
double zl_spc_qchisq(double p, double df);
/* Upper tail of F(d1, d2) at f. */
double zl_spc_pf_upper(double f, double d1, double d2);

/* ---- CSV input ---------------------------------------------------------- */

/* A CSV table (RFC 4180: commas, double quotes, CRLF or LF; a first line
 * of column names; a UTF-8 byte order mark is skipped). Cells are kept as
 * text; zl_spc_table_number reads one as a number, so an error can name
 * the line, the column and the value as the user sees them. */
struct zl_spc_table {
    size_t n_rows, n_cols;
    char **names; /* n_cols column names */
    char **cells; /* n_rows * n_cols, row-major; "" for an empty cell */
    size_t *line; /* the file line each row starts on (1-based) */
    char *mem;    /* one allocation behind names and cells */
};

/* Parse text[0..len). Rows with fewer cells than the header are padded
 * with empty cells; more is an error. Returns 0, ZL_ESYNTAX (err: line,
 * column, what is wrong), ZL_ELIMIT (more than max_rows rows), ZL_ENOMEM.
 * *t is the caller's; free with zl_spc_table_cleanup. */
int zl_spc_csv_parse(const char *text, size_t len, size_t max_rows,
                     struct zl_spc_table *t, struct zl_error *err);
void zl_spc_table_cleanup(struct zl_spc_table *t);
/* Index of the column named name (exact, then case-insensitive), or -1. */
int zl_spc_table_column(const struct zl_spc_table *t, const char *name);
/* The cell as a finite number. empty_ok: an empty cell gives NaN and 0.
 * Returns 0 or ZL_EINVAL with err "line L, column C (NAME): not a number:
 * VALUE". */
int zl_spc_table_number(const struct zl_spc_table *t, size_t row, size_t col,
                        int empty_ok, double *out, struct zl_error *err);

/* ---- output ------------------------------------------------------------ */

struct zl_buf;

/* The chart(s) of r as one standalone SVG document (the two series one
 * above the other): limits, 1 and 2 sigma zone lines, the centre line,
 * points, the ones a rule flagged in red with the rule numbers, title and
 * axis labels in lang. title NULL: the chart's name. A4-width friendly
 * (760 px wide). Returns 0, ZL_ELIMIT or ZL_ENOMEM from the buffer. */
int zl_spc_chart_svg(struct zl_buf *b, const struct zl_spc_result *r,
                     const char *title, enum zl_spc_lang lang);

/* r as compact JSON, what `zhiliang spc chart --json` prints (no
 * newline): {"chart", "center", "sigma" and "sigmaMethod" when there is a
 * sigma, "groups", "groupsUsed", "excluded": [1-based groups], "series":
 * [{"name", "cl", "lcl", "ucl" (fixed limits), "points": [{"stat" (null
 * when the group has none), "cl", "lcl", "ucl" (varying limits), "rules"
 * (names of the rules that flagged it, when any)}]}], "violations":
 * [{"rule", "chart", "first", "last" (1-based), "en", "zh"}]}. Numbers to
 * 15 significant digits; a limit that is not a finite number (an LCL
 * below zero that the chart leaves out) is left out. Appends to b;
 * returns 0, ZL_ELIMIT or ZL_ENOMEM from the buffer. */
int zl_spc_result_json(const struct zl_spc_result *r, struct zl_buf *b);

/* Histogram of a capability study with the specification limits, the
 * target and the fitted normal curve. */
int zl_spc_capability_svg(struct zl_buf *b, const struct zl_spc_capability *c,
                          const struct zl_spc_cap_opts *o, const char *title,
                          enum zl_spc_lang lang);

/* Pareto chart: bars of counts[] (already sorted descending) labelled
 * names[], the cumulative percentage line on a right axis. */
int zl_spc_pareto_svg(struct zl_buf *b, const char *const *names,
                      const double *counts, size_t n, const char *title,
                      enum zl_spc_lang lang);

#ifdef __cplusplus
}
#endif

#endif
