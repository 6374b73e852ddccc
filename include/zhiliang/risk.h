/*
 * zhiliang/risk.h - risk monitoring computations (issue 14): outbreak
 * signals in count series and the EU Safety Gate risk assessment.
 *
 * Signals. A series is one count per period (day or week), oldest first.
 * Two detectors, both as R's `surveillance` package implements them so
 * that package can serve as an oracle (tests/integration/
 * risk_r_oracle.sh):
 *
 *  - zl_risk_farrington: the Farrington method in the flexible form of
 *    surveillance::farringtonFlexible (Noufaily et al. 2013): per
 *    period, a quasi-Poisson log-linear GLM fitted by IRLS to the
 *    reference periods b years back (window +-w, optional seasonal
 *    factor levels), past outbreaks down-weighted by their Anscombe
 *    residuals, a trend kept only when significant, and an upper bound
 *    from the 2/3-power transformation ("delta") or the negative binomial
 *    quantile ("nbPlugin", "muan").
 *  - zl_risk_nbcusum: the negative binomial likelihood-ratio CUSUM of
 *    Hoehle and Paul (2008) for a known shift kappa of the log mean, as
 *    surveillance::glrnb computes it with control$theta given, with the
 *    in-control mean and dispersion estimated from a baseline stretch.
 *
 * Pure computation: no store, no file, no clock. Arrays passed in are
 * borrowed for the call; the result's array is new and freed by
 * zl_risk_signals_cleanup (which accepts a zeroed struct). Reentrant.
 * docs/risk.md gives every formula and its source.
 *
 * Assessment. zl_risk_level maps a severity (1-4) and a probability to
 * the risk level of the Safety Gate matrix; the matrix and probability
 * bands are data (data/risk/), embedded at build time.
 *
 * Errors: ZL_EINVAL with err naming the field, ZL_ENOMEM.
 */
#ifndef ZL_RISK_H
#define ZL_RISK_H

#include "zhiliang/error.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- signals ------------------------------------------------------------ */

enum zl_risk_threshold {
    ZL_RISK_DELTA = 0, /* Farrington 1996: 2/3-power transform, delta method */
    ZL_RISK_NBPLUGIN,  /* Noufaily 2013: NB quantile at the fitted mean */
    ZL_RISK_MUAN       /* NB quantile at the upper (1-alpha) mean */
};

/* The parameters of farringtonFlexible's control list, same names. */
struct zl_risk_farrington_opts {
    int freq;                 /* periods a year: 52 (weeks), 365 (days), 12 */
    int b;                    /* years back */
    int w;                    /* half window, periods */
    double alpha;             /* one-sided level of the upper bound */
    int reweight;             /* down-weight past outbreaks */
    double weights_threshold; /* Anscombe residual above which to */
    int trend;                /* try a linear time trend */
    double p_threshold_trend; /* keep it when its p-value is below this */
    int limit54_cases, limit54_period; /* no alarm unless the last
                                          period periods hold >= cases */
    int no_periods;              /* seasonal factor levels (1: window only) */
    int past_weeks_not_included; /* periods before now left out; -1: w */
    enum zl_risk_threshold threshold;
    size_t start; /* first period to judge (0-based); 0: the first
                     with b years of history, freq*b + w */
};

/* The defaults of farringtonFlexible (original Farrington: b 5, w 3,
 * alpha 0.05, reweight at 2.58, trend at p 0.05, limit54 5/4, one
 * period, delta threshold) with freq given; noufaily != 0 gives the
 * improved method's recommended setting instead (noPeriods 10,
 * pastWeeksNotIncluded 26, nbPlugin threshold). */
void zl_risk_farrington_defaults(struct zl_risk_farrington_opts *o, int freq,
                                 int noufaily);

/* The NB CUSUM's parameters (surveillance::glrnb names in brackets). */
struct zl_risk_nbcusum_opts {
    size_t baseline; /* first periods that estimate mu0 and alpha */
    double kappa;    /* log of the shift to detect [theta]: log(2) */
    double h;        /* alarm when the statistic exceeds h [c.ARL] */
    double alpha;    /* NB dispersion (var = mu + alpha mu^2); < 0:
                        estimate from the baseline by moments; 0: Poisson */
    double period;   /* 0: mu0 is the baseline's mean; > 0: mu0_t from a
                        Poisson GLM over the baseline with an intercept,
                        harmonics pairs sin/cos(2 pi s t / period), s = 1..,
                        and a trend if asked (t the 1-based period number,
                        as in R), so a seasonal series is judged against
                        its season */
    int harmonics;   /* with period: how many sin/cos pairs (default 1) */
    int trend;       /* with period: a linear trend term too */
};
void zl_risk_nbcusum_defaults(struct zl_risk_nbcusum_opts *o);

/* One judged period with its evidence. */
struct zl_risk_point {
    size_t t; /* 0-based index in the series */
    double observed;
    double expected; /* mu0: the model's in-control mean */
    double upper;    /* the threshold: farrington's upper bound; nbcusum:
                        the count that would have sounded the alarm */
    double score;    /* farrington: (y - mu0)/(U - mu0), > 1 alarms (NaN
                        when U <= mu0); nbcusum: the CUSUM statistic */
    double pvalue;   /* farrington: P(Y >= y) under the model; else NaN */
    double phi;      /* farrington: dispersion used (>= 1); nbcusum:
                        alpha */
    int trend;       /* farrington: the trend was kept */
    int enough;      /* farrington: the limit54 rule let it judge */
    int fitted;      /* 0: the GLM did not converge, nothing judged */
    int alarm;
};

struct zl_risk_signals {
    struct zl_risk_point *pts; /* new: freed by _cleanup */
    size_t n;
    size_t n_alarms;
};
void zl_risk_signals_cleanup(struct zl_risk_signals *s);

/* Judge every period from o->start on. y[0..n) counts (non-negative;
 * NaN for a missing period, left out of the fits). ZL_EINVAL when the
 * series is shorter than the history the options need. */
int zl_risk_farrington(const double *y, size_t n,
                       const struct zl_risk_farrington_opts *o,
                       struct zl_risk_signals *out, struct zl_error *err);

/* Judge every period after the baseline (missing periods not allowed).
 * With o->period, alpha < 0 is estimated from the fit's residuals,
 * max(0, sum((y - mu)^2 - mu) / sum(mu^2)); ZL_EINVAL also when the
 * baseline has fewer periods than the model has terms plus two, or the
 * fit does not converge. */
int zl_risk_nbcusum(const double *y, size_t n,
                    const struct zl_risk_nbcusum_opts *o,
                    struct zl_risk_signals *out, struct zl_error *err);

/* The series, expected line, threshold line and alarms as a standalone
 * SVG document appended to b (a struct zl_buf from zhiliang/buf.h). */
struct zl_buf;
int zl_risk_svg(struct zl_buf *b, const double *y, size_t n,
                const struct zl_risk_signals *s, const char *title);

/* ---- Safety Gate risk assessment ---------------------------------------- */

enum zl_risk_level {
    ZL_RISK_LOW = 0,
    ZL_RISK_MEDIUM,
    ZL_RISK_HIGH,
    ZL_RISK_SERIOUS
};

/* "low", "medium", "high", "serious". */
const char *zl_risk_level_name(enum zl_risk_level l);

/* The level of the matrix for severity 1-4 and a probability in (0, 1]
 * into *out. band (may be NULL; band_cap bytes, always terminated)
 * receives the band's row label as printed in the source ("> 1/1 000").
 * ZL_EINVAL for a severity out of range or a probability outside (0, 1].
 * The matrix is read from the embedded data on each call (eight rows). */
int zl_risk_level(int severity, double probability, enum zl_risk_level *out,
                  char *band, size_t band_cap, struct zl_error *err);

/* The source the embedded matrix was taken from (one line). */
const char *zl_risk_matrix_source(void);

/* One injury scenario: the steps that lead from the hazard to the injury,
 * each with its probability, and the injury's severity. */
struct zl_risk_scenario {
    const char *name;     /* borrowed, may be NULL */
    int severity;         /* 1-4 */
    const double *step_p; /* n_steps probabilities in (0, 1] */
    size_t n_steps;
    /* out: */
    double probability; /* product of the steps */
    enum zl_risk_level level;
    char band[32]; /* the band's row label */
};

/* Fill each scenario's probability, level and band; *overall receives the
 * highest level of all (the guidelines: the product's risk is that of its
 * most serious scenario) and *worst its index. ZL_EINVAL (err names
 * "scenarios[i].steps[j]" or ".severity") for bad input; n >= 1. */
int zl_risk_assess(struct zl_risk_scenario *sc, size_t n,
                   enum zl_risk_level *overall, size_t *worst,
                   struct zl_error *err);

#ifdef __cplusplus
}
#endif

#endif
