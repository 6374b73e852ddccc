/*
 * signals.c - outbreak signals in count series (see zhiliang/risk.h):
 * the Farrington detector as surveillance::farringtonFlexible computes
 * it, and the negative binomial CUSUM of surveillance::glrnb.
 *
 * Farrington, per judged period k (1-based below, as in R):
 *  1. Reference periods k - i*freq, i = 1..b, each with a window +-w, and
 *     the current window k-w..k, get the factor level no_periods; with
 *     no_periods > 1 the stretch between two windows is cut into
 *     no_periods - 1 blocks of (nearly) equal length, levels 1..p-1
 *     (surveillance's blocks()). Periods k - past_weeks_not_included .. k
 *     are then left out, so the model never sees the present.
 *  2. A quasi-Poisson GLM, log mu = b0 [+ b1 t] [+ level effects], fitted
 *     (glm.c); dispersion phi = max(1, Pearson chi2 / df).
 *  3. With reweight, the Anscombe residuals
 *     s = 3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)) / sqrt(phi (1 - h)) give
 *     weights gamma s^-2 above the threshold and gamma below, gamma
 *     making them sum to n; the model is refitted with them.
 *  4. The trend is kept when b >= 3, its t-test p-value is below
 *     p_threshold_trend and the prediction does not exceed the largest
 *     count fitted; otherwise steps 2-3 are redone without it.
 *  5. Prediction at k with its standard error (scaled as R's
 *     predict.glm scales it there: see fit_model); the upper bound by the
 * threshold method. An alarm needs y > U, y > 0 and at least limit54_cases in
 *     the last limit54_period periods.
 *
 * Rejected: the original 1996 algorithm's own window-only design without
 * factor levels as a separate code path - it is no_periods = 1 here,
 * exactly as in farringtonFlexible.
 */
#include "zhiliang/risk.h"

#include "risk/risk_int.h"
#include "zhiliang/alloc.h"
#include "zhiliang/spc.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void zl_risk_farrington_defaults(struct zl_risk_farrington_opts *o, int freq,
                                 int noufaily)
{
    memset(o, 0, sizeof *o);
    o->freq = freq;
    o->b = 5;
    o->w = 3;
    o->alpha = 0.05;
    o->reweight = 1;
    o->weights_threshold = 2.58;
    o->trend = 1;
    o->p_threshold_trend = 0.05;
    o->limit54_cases = 5;
    o->limit54_period = 4;
    o->no_periods = noufaily ? 10 : 1;
    o->past_weeks_not_included = noufaily ? 26 : -1;
    o->threshold = noufaily ? ZL_RISK_NBPLUGIN : ZL_RISK_DELTA;
}

void zl_risk_nbcusum_defaults(struct zl_risk_nbcusum_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kappa = log(2.0);
    o->h = 5;
    o->alpha = -1;
}

void zl_risk_signals_cleanup(struct zl_risk_signals *s)
{
    if (!s)
        return;
    zl_free(s->pts);
    memset(s, 0, sizeof *s);
}

/* ---- discrete quantiles -------------------------------------------------- */

/* log P(X = x) for NB(size r, prob q): mean r (1-q)/q. */
static double nb_logpmf(double x, double r, double q)
{
    return lgamma(x + r) - lgamma(r) - lgamma(x + 1) + r * log(q) +
           x * log1p(-q);
}

static double pois_logpmf(double x, double m)
{
    return x * log(m) - m - lgamma(x + 1);
}

/* Smallest x with P(X <= x) >= p (R's fuzz: p (1 - 64 eps)); r <= 0
 * means Poisson with mean m. */
static double dquantile(double p, double m, double r, double q)
{
    double cdf = 0, target = p * (1 - 64 * DBL_EPSILON);

    for (double x = 0; x < 1e9; x++) {
        cdf += exp(r > 0 ? nb_logpmf(x, r, q) : pois_logpmf(x, m));
        if (cdf >= target)
            return x;
    }
    return NAN;
}

/* P(X >= y) */
static double dupper(double y, double m, double r, double q)
{
    double cdf = 0;

    if (y <= 0)
        return 1;
    for (double x = 0; x < y; x++)
        cdf += exp(r > 0 ? nb_logpmf(x, r, q) : pois_logpmf(x, m));
    return cdf >= 1 ? 0 : 1 - cdf;
}

/* ---- Farrington ---------------------------------------------------------- */

struct fit {
    struct rk_glm g;
    double phi;
    int trend;
};

/* The design row of one period. levels[0..nlev) the distinct factor
 * levels present, ascending; the lowest is the reference. */
static int design_row(double *row, int trend, double t, int level,
                      const int *levels, int nlev)
{
    int p = 0;

    row[p++] = 1;
    if (trend)
        row[p++] = t;
    for (int j = 1; j < nlev; j++)
        row[p++] = level == levels[j];
    return p;
}

/* Steps 2-3 of the file comment for one formula. Returns 0 or -1 (no
 * convergence even without the trend; f->trend says which was fitted). */
static int fit_model(struct fit *f, const struct zl_risk_farrington_opts *o,
                     int trend, const double *y, const double *t,
                     const int *lev, size_t n, const int *levels, int nlev,
                     double *x, double *pw, double *mu, double *h)
{
    int p = 0, tries;

    for (tries = 0; tries < 2; tries++) {
        for (size_t i = 0; i < n; i++) {
            p = design_row(x + i * RK_MAXP, trend, t[i], lev[i], levels, nlev);
            pw[i] = 1;
        }
        /* compact rows to stride p */
        for (size_t i = 0; i < n; i++)
            memmove(x + i * (size_t)p, x + i * RK_MAXP,
                    sizeof(double) * (size_t)p);
        if (rk_glm_fit(&f->g, x, y, pw, n, p, mu, h) == 0 && f->g.converged)
            break;
        if (!trend)
            return -1;
        trend = 0;
    }
    if (tries == 2)
        return -1;
    f->trend = trend;
    f->phi = fmax(f->g.disp, 1);
    if (o->reweight) {
        double sum = 0, gamma;

        for (size_t i = 0; i < n; i++) {
            double s =
                1.5 * (pow(y[i], 2.0 / 3) * pow(mu[i], -1.0 / 6) - sqrt(mu[i]));

            s /= sqrt(f->phi * (1 - h[i]));
            pw[i] = s > o->weights_threshold ? 1 / (s * s) : 1;
            sum += pw[i];
        }
        gamma = (double)n / sum;
        for (size_t i = 0; i < n; i++)
            pw[i] *= gamma;
        if (rk_glm_fit(&f->g, x, y, pw, n, p, mu, h) != 0)
            return -1;
        f->phi = fmax(f->g.disp, 1);
        /* surveillance's fitGLM.flexible stores the prior weights over
         * the model's working weights (model$weights <- omega), so the
         * summary.glm behind predict()'s standard error and the trend's
         * t-test computes its dispersion as sum(omega r^2) / df with the
         * working residuals r = (y - mu)/mu. Matched here on purpose:
         * docs/risk.md, "Where we follow R's quirks". */
        f->g.disp_se = 0;
        for (size_t i = 0; i < n; i++) {
            double r = (y[i] - mu[i]) / mu[i];

            f->g.disp_se += pw[i] * r * r;
        }
        f->g.disp_se /= f->g.df;
    }
    return 0;
}

/* x0' beta and x0' cov x0 at period t, level. */
static void predict(const struct fit *f, double t, int level, const int *levels,
                    int nlev, double *eta, double *v)
{
    double row[RK_MAXP];
    int p = design_row(row, f->trend, t, level, levels, nlev);

    *eta = *v = 0;
    for (int a = 0; a < p; a++) {
        *eta += row[a] * f->g.beta[a];
        for (int c = 0; c < p; c++)
            *v += row[a] * f->g.cov[a * p + c] * row[c];
    }
}

static int check_opts(const struct zl_risk_farrington_opts *o, size_t n,
                      struct zl_error *err)
{
    if (o->freq < 1 || o->b < 1 || o->w < 0 || 2 * o->w + 1 > o->freq)
        return zl_error_set(err, ZL_EINVAL, "freq",
                            "need freq >= 1, b >= 1, 0 <= w, 2w+1 <= freq",
                            NULL, 0);
    if (!(o->alpha > 0 && o->alpha < 1))
        return zl_error_set(err, ZL_EINVAL, "alpha", "must be in (0, 1)", NULL,
                            0);
    if (o->no_periods < 1 || o->no_periods > RK_MAXP - 2 ||
        (o->no_periods > 1 && o->no_periods - 1 > o->freq - 2 * o->w - 1))
        return zl_error_set(err, ZL_EINVAL, "noPeriods",
                            "too many factor levels for the year", NULL, 0);
    if (o->limit54_period < 1 || o->limit54_cases < 0)
        return zl_error_set(err, ZL_EINVAL, "limit54",
                            "need cases >= 0 and period >= 1", NULL, 0);
    if (n < (size_t)o->freq * (size_t)o->b + (size_t)o->w + 1)
        return zl_error_set(err, ZL_EINVAL, "series",
                            "shorter than b years of history plus w periods",
                            NULL, 0);
    return 0;
}

int zl_risk_farrington(const double *y, size_t n,
                       const struct zl_risk_farrington_opts *o,
                       struct zl_risk_signals *out, struct zl_error *err)
{
    size_t first =
        o->start ? o->start : (size_t)o->freq * (size_t)o->b + (size_t)o->w;
    size_t cap = (size_t)o->b * (size_t)o->freq + (size_t)o->freq;
    int *fac = NULL, *lev = NULL, rc;
    double *ry = NULL, *rt = NULL, *x = NULL, *pw = NULL, *mu = NULL, *h = NULL;
    int pwni =
        o->past_weeks_not_included < 0 ? o->w : o->past_weeks_not_included;
    int P = o->no_periods;
    double z = zl_spc_qnorm(1 - o->alpha);

    memset(out, 0, sizeof *out);
    if ((rc = check_opts(o, n, err)) != 0)
        return rc;
    if (first < (size_t)o->freq * (size_t)o->b + (size_t)o->w || first >= n)
        return zl_error_set(err, ZL_EINVAL, "range",
                            "first judged period lacks b years of history",
                            NULL, 0);
    for (size_t i = 0; i < n; i++)
        if (!(y[i] >= 0) && !isnan(y[i]))
            return zl_error_set(err, ZL_EINVAL, "series",
                                "counts must be non-negative", NULL, 0);
    rc = ZL_ENOMEM;
    fac = zl_malloc(sizeof(int) * n);
    lev = zl_malloc(sizeof(int) * cap);
    ry = zl_malloc(sizeof(double) * cap);
    rt = zl_malloc(sizeof(double) * cap);
    x = zl_malloc(sizeof(double) * cap * RK_MAXP);
    pw = zl_malloc(sizeof(double) * cap);
    mu = zl_malloc(sizeof(double) * cap);
    h = zl_malloc(sizeof(double) * cap);
    out->pts = zl_calloc(n - first, sizeof *out->pts);
    if (!fac || !lev || !ry || !rt || !x || !pw || !mu || !h || !out->pts)
        goto out;
    for (size_t k0 = first; k0 < n; k0++) {
        long k = (long)k0 + 1; /* 1-based, as R */
        struct zl_risk_point *pt = &out->pts[out->n++];
        struct fit f;
        int levels[RK_MAXP], nlev = 0;
        size_t m = 0;
        double ymax = 0, eta, v, mu0, se, U, recent = 0;

        pt->t = k0;
        pt->observed = y[k0];
        pt->expected = pt->upper = pt->score = pt->pvalue = NAN;
        /* 1. blocks; only lo..k (1-based) can hold a level */
        long lo = k - (long)o->b * o->freq - o->w;

        for (long i = lo; i <= k; i++)
            fac[i - 1] = 0;
        for (long i = k - o->w; i <= k; i++)
            fac[i - 1] = P;
        for (int i = 1; i <= o->b; i++) {
            long ref = k - (long)i * o->freq, prev = ref + o->freq;

            for (long j = ref - o->w; j <= ref + o->w; j++)
                fac[j - 1] = P;
            if (P != 1) {
                long period = prev - 2 * o->w - 1 - ref;
                long len = period / (P - 1), rest = period % (P - 1);
                long at = ref + o->w + 1;

                for (int j = 1; j <= P - 1; j++) {
                    long l = len + (j <= rest);

                    for (long q = at; q < at + l; q++)
                        fac[q - 1] = j;
                    at += l;
                }
            }
        }
        for (long i = k - pwni; i <= k; i++)
            if (i >= 1)
                fac[i - 1] = 0;
        for (size_t i = (size_t)lo - 1; i < (size_t)k; i++) {
            if (!fac[i] || isnan(y[i]))
                continue;
            ry[m] = y[i];
            rt[m] = (double)(i + 1);
            lev[m] = fac[i];
            ymax = fmax(ymax, y[i]);
            m++;
        }
        for (size_t i = 0; i < m; i++) {
            int seen = 0;

            for (int j = 0; j < nlev; j++)
                seen |= levels[j] == lev[i];
            if (!seen)
                levels[nlev++] = lev[i];
        }
        for (int a = 1; a < nlev; a++)
            for (int c = a; c > 0 && levels[c - 1] > levels[c]; c--) {
                int s = levels[c];

                levels[c] = levels[c - 1];
                levels[c - 1] = s;
            }
        /* 2-4 */
        if (fit_model(&f, o, o->trend, ry, rt, lev, m, levels, nlev, x, pw, mu,
                      h) != 0)
            continue;
        if (f.trend) {
            double tval =
                f.g.beta[1] / sqrt(f.g.disp_se * f.g.cov[1 * f.g.p + 1]);
            double df = f.g.df;
            double pval = zl_spc_pbeta(df / (df + tval * tval), df / 2, 0.5);

            predict(&f, (double)k, P, levels, nlev, &eta, &v);
            if (!(o->b >= 3 && pval < o->p_threshold_trend && exp(eta) <= ymax))
                if (fit_model(&f, o, 0, ry, rt, lev, m, levels, nlev, x, pw, mu,
                              h) != 0)
                    continue;
        }
        pt->fitted = 1;
        pt->trend = f.trend;
        pt->phi = f.phi;
        /* 5 */
        predict(&f, (double)k, P, levels, nlev, &eta, &v);
        se = sqrt(f.g.disp_se * v); /* on the link scale */
        mu0 = exp(eta);
        if (o->threshold == ZL_RISK_DELTA) {
            double tau = f.phi + (mu0 * se) * (mu0 * se) / mu0;
            double s23 = sqrt(4.0 / 9 * pow(mu0, 1.0 / 3) * tau);

            U = pow(pow(mu0, 2.0 / 3) + z * s23, 1.5);
            pt->pvalue =
                1 -
                zl_spc_pnorm((pow(y[k0], 2.0 / 3) - pow(mu0, 2.0 / 3)) / s23);
        } else {
            double mq =
                o->threshold == ZL_RISK_NBPLUGIN ? mu0 : exp(eta + z * se);
            double r = f.phi > 1 ? mq / (f.phi - 1) : 0, q = 1 / f.phi;

            U = dquantile(1 - o->alpha, mq, r, q);
            pt->pvalue = isnan(y[k0]) ? NAN : dupper(y[k0], mq, r, q);
        }
        pt->expected = mu0;
        pt->upper = U;
        pt->score = U > mu0 ? (y[k0] - mu0) / (U - mu0) : NAN;
        for (long i = k - o->limit54_period + 1; i <= k; i++)
            if (i >= 1 && !isnan(y[i - 1]))
                recent += y[i - 1];
        pt->enough = recent >= o->limit54_cases;
        pt->alarm = pt->enough && y[k0] > U && y[k0] != 0;
        out->n_alarms += (size_t)pt->alarm;
    }
    rc = 0;
out:
    zl_free(fac);
    zl_free(lev);
    zl_free(ry);
    zl_free(rt);
    zl_free(x);
    zl_free(pw);
    zl_free(mu);
    zl_free(h);
    if (rc != 0)
        zl_risk_signals_cleanup(out);
    return rc;
}

/* ---- NB CUSUM ------------------------------------------------------------ */

/* The seasonal in-control means (o->period > 0): a Poisson GLM over the
 * baseline, log mu_t = b0 [+ b1 t] + sum_s (a_s sin + c_s cos)(2 pi s t /
 * period), t = 1, 2, ... as R numbers periods, predicted for every period
 * into mu[0..n). *alpha receives the moment estimate over the baseline
 * when o->alpha < 0. 0, ZL_EINVAL (too short, no fit) or ZL_ENOMEM. */
static int seasonal_mu0(const double *y, size_t n,
                        const struct zl_risk_nbcusum_opts *o, double *mu,
                        double *alpha, struct zl_error *err)
{
    int S = o->harmonics > 0 ? o->harmonics : 1;
    int p = 1 + !!o->trend + 2 * S;
    size_t b = o->baseline;
    double *x = NULL, *w = NULL, *h = NULL, num = 0, den = 0;
    struct rk_glm g;
    int rc = 0;

    if (p > RK_MAXP || b < (size_t)p + 2)
        return zl_error_set(err, ZL_EINVAL, "baseline",
                            "too short for the seasonal model's terms", NULL,
                            0);
    if (!(x = zl_calloc(n * (size_t)p, sizeof *x)) ||
        !(w = zl_calloc(b, sizeof *w)) || !(h = zl_calloc(b, sizeof *h))) {
        rc = ZL_ENOMEM;
        goto end;
    }
    for (size_t t = 0; t < n; t++) {
        double *r = x + t * (size_t)p, tt = (double)(t + 1);
        int c = 0;

        r[c++] = 1;
        if (o->trend)
            r[c++] = tt;
        for (int k = 1; k <= S; k++) {
            r[c++] = sin(2 * M_PI * k * tt / o->period);
            r[c++] = cos(2 * M_PI * k * tt / o->period);
        }
    }
    for (size_t t = 0; t < b; t++)
        w[t] = 1;
    if (rk_glm_fit(&g, x, y, w, b, p, mu, h) != 0 || !g.converged) {
        rc = zl_error_set(err, ZL_EINVAL, "baseline",
                          "the seasonal model did not converge", NULL, 0);
        goto end;
    }
    for (size_t t = 0; t < n; t++) {
        double eta = 0;

        for (int c = 0; c < p; c++)
            eta += x[t * (size_t)p + (size_t)c] * g.beta[c];
        mu[t] = exp(eta);
    }
    if (o->alpha < 0) {
        for (size_t t = 0; t < b; t++) {
            num += (y[t] - mu[t]) * (y[t] - mu[t]) - mu[t];
            den += mu[t] * mu[t];
        }
        *alpha = fmax(0, num / den);
    }
end:
    zl_free(x);
    zl_free(w);
    zl_free(h);
    return rc;
}

int zl_risk_nbcusum(const double *y, size_t n,
                    const struct zl_risk_nbcusum_opts *o,
                    struct zl_risk_signals *out, struct zl_error *err)
{
    double mean = 0, var = 0, alpha = o->alpha, k = o->kappa, S = 0;
    double *mu = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    if (o->baseline < 2 || o->baseline >= n)
        return zl_error_set(err, ZL_EINVAL, "baseline",
                            "need 2 <= baseline < length of the series", NULL,
                            0);
    if (!(k > 0) || !(o->h > 0))
        return zl_error_set(err, ZL_EINVAL, "kappa",
                            "kappa and h must be positive", NULL, 0);
    if (o->period < 0 || (o->period > 0 && !(o->period >= 2)))
        return zl_error_set(err, ZL_EINVAL, "period",
                            "the season's period must be at least 2", NULL, 0);
    for (size_t i = 0; i < n; i++)
        if (!(y[i] >= 0))
            return zl_error_set(err, ZL_EINVAL, "series",
                                "counts must be non-negative numbers", NULL, 0);
    for (size_t i = 0; i < o->baseline; i++)
        mean += y[i];
    mean /= (double)o->baseline;
    for (size_t i = 0; i < o->baseline; i++)
        var += (y[i] - mean) * (y[i] - mean);
    var /= (double)(o->baseline - 1);
    if (!(mean > 0))
        return zl_error_set(err, ZL_EINVAL, "baseline",
                            "the baseline has no counts", NULL, 0);
    if (!(mu = zl_calloc(n, sizeof *mu)))
        return ZL_ENOMEM;
    if (o->period > 0) {
        if ((rc = seasonal_mu0(y, n, o, mu, &alpha, err))) {
            zl_free(mu);
            return rc;
        }
    } else {
        for (size_t t = 0; t < n; t++)
            mu[t] = mean;
        if (alpha < 0) /* moments: var = mu + alpha mu^2 */
            alpha = fmax(0, (var - mean) / (mean * mean));
    }
    out->pts = zl_calloc(n - o->baseline, sizeof *out->pts);
    if (!out->pts) {
        zl_free(mu);
        return ZL_ENOMEM;
    }
    for (size_t t = o->baseline; t < n; t++) {
        struct zl_risk_point *pt = &out->pts[out->n++];
        double zn, L, need, m = mu[t];

        if (alpha > 0) {
            L = log((1 + alpha * m) / (1 + alpha * m * exp(k)));
            zn = k * y[t] + (y[t] + 1 / alpha) * L;
            need = (o->h - S - L / alpha) / (k + L);
        } else {
            L = m * (1 - exp(k));
            zn = k * y[t] + L;
            need = (o->h - S - L) / k;
        }
        S = fmax(0, S + zn);
        pt->t = t;
        pt->observed = y[t];
        pt->expected = m;
        pt->upper = need;
        pt->score = S;
        pt->pvalue = NAN;
        pt->phi = alpha;
        pt->fitted = pt->enough = 1;
        pt->alarm = S > o->h;
        if (pt->alarm) {
            out->n_alarms++;
            S = 0; /* restart after an alarm, as glrnb does */
        }
    }
    zl_free(mu);
    return 0;
}
