/*
 * capability.c - process capability and performance indices, with
 * confidence intervals, expected and observed nonconforming ppm, the
 * Anderson-Darling normality test and two methods for non-normal data (see
 * zhiliang/spc.h; formulas in docs/spc.md).
 *
 * Within sigma (Cp, Cpk) is the chart's: R-bar/d2 over subgroups, or the
 * mean moving range over d2(2) for individuals, unless the caller gives
 * one. Overall sigma (Pp, Ppk, Cpm) is the sample standard deviation.
 * Intervals: chi-square for Cp and Pp (degrees of freedom sum(n_i - 1),
 * or n - 1 for individuals: an approximation for range-based sigma),
 * Bissell (1990) for Cpk and Ppk, Boyles (1991) for Cpm.
 *
 * Non-normal data: Box-Cox (lambda maximising the profile likelihood on
 * [-5, 5] by golden section; data, limits and target transformed, the
 * normal-theory indices computed on that scale) or the percentile method
 * of ISO 22514-2 (Clements 1989): Pp = (USL - LSL) / (X99.865 - X0.135)
 * with empirical quantiles, which needs a few hundred points to mean much.
 * Rejected: fitting a family of distributions (Minitab's Johnson and
 * distribution ID): too much machinery for the gain, and the choice of
 * family is itself an estimate.
 */
#include "zhiliang/spc.h"

#include "spc/spc_int.h"
#include "util/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int zl_spc_anderson_darling(const double *x, size_t n, double *a2, double *p)
{
    double *s, m = 0, v = 0, sd, A = 0, AA;

    if (n < 8)
        return ZL_EINVAL;
    s = zl_malloc(n * sizeof *s);
    if (!s)
        return ZL_ENOMEM;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, dcmp);
    for (size_t i = 0; i < n; i++)
        m += s[i];
    m /= n;
    for (size_t i = 0; i < n; i++)
        v += (s[i] - m) * (s[i] - m);
    sd = sqrt(v / (n - 1));
    if (!(sd > 0)) {
        zl_free(s);
        return ZL_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        double zi = (s[i] - m) / sd, zj = (s[n - 1 - i] - m) / sd;

        /* log(1 - Phi(z)) = log Phi(-z), exact in the upper tail */
        A += (2.0 * i + 1) * (log(zl_spc_pnorm(zi)) + log(zl_spc_pnorm(-zj)));
    }
    zl_free(s);
    A = -(double)n - A / n;
    AA = A * (1 + 0.75 / n + 2.25 / ((double)n * n));
    *a2 = A;
    if (AA < 0.2)
        *p = 1 - exp(-13.436 + 101.14 * AA - 223.73 * AA * AA);
    else if (AA < 0.34)
        *p = 1 - exp(-8.318 + 42.796 * AA - 59.938 * AA * AA);
    else if (AA < 0.6)
        *p = exp(0.9177 - 4.279 * AA - 1.38 * AA * AA);
    else if (AA < 10)
        *p = exp(1.2937 - 5.709 * AA + 0.0186 * AA * AA);
    else
        *p = 3.7e-24;
    return 0;
}

static double boxcox1(double x, double lam)
{
    return fabs(lam) < 1e-9 ? log(x) : (pow(x, lam) - 1) / lam;
}

/* Profile log-likelihood of Box-Cox lambda (up to a constant). */
static double boxcox_ll(const double *x, size_t n, double lam, double slog)
{
    double m = 0, v = 0;

    for (size_t i = 0; i < n; i++)
        m += boxcox1(x[i], lam);
    m /= n;
    for (size_t i = 0; i < n; i++) {
        double d = boxcox1(x[i], lam) - m;

        v += d * d;
    }
    return -0.5 * n * log(v / n) + (lam - 1) * slog;
}

static double boxcox_lambda(const double *x, size_t n)
{
    double a = -5, b = 5, g = (sqrt(5) - 1) / 2, slog = 0, c, d, fc, fd;

    for (size_t i = 0; i < n; i++)
        slog += log(x[i]);
    c = b - g * (b - a);
    d = a + g * (b - a);
    fc = boxcox_ll(x, n, c, slog);
    fd = boxcox_ll(x, n, d, slog);
    while (b - a > 1e-6) {
        if (fc > fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = boxcox_ll(x, n, c, slog);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = boxcox_ll(x, n, d, slog);
        }
    }
    return 0.5 * (a + b);
}

/* Type 7 quantile (R's default) of sorted s[0..n). */
static double quantile(const double *s, size_t n, double p)
{
    double h = (n - 1) * p;
    size_t lo = (size_t)floor(h);

    if (lo + 1 >= n)
        return s[n - 1];
    return s[lo] + (h - lo) * (s[lo + 1] - s[lo]);
}

static struct zl_spc_ci ci_chi(double est, double df, double alpha)
{
    struct zl_spc_ci c = {est, NAN, NAN};

    if (isnan(est) || !(df > 0))
        return c;
    c.lo = est * sqrt(zl_spc_qchisq(alpha / 2, df) / df);
    c.hi = est * sqrt(zl_spc_qchisq(1 - alpha / 2, df) / df);
    return c;
}

static struct zl_spc_ci ci_bissell(double est, double n, double alpha)
{
    struct zl_spc_ci c = {est, NAN, NAN};
    double z = zl_spc_qnorm(1 - alpha / 2), se;

    if (isnan(est) || n < 2)
        return c;
    se = sqrt(1 / (9 * n) + est * est / (2 * (n - 1)));
    c.lo = est - z * se;
    c.hi = est + z * se;
    return c;
}

/* sigma within: given, R-bar/d2 over subgroups, or MR-bar/d2(2). */
static int sigma_within(const double *x, size_t n,
                        const struct zl_spc_cap_opts *o, double *out,
                        double *df, struct zl_error *err)
{
    struct spc_ktab kt;
    double a = 0, w = 0;

    memset(&kt, 0, sizeof kt);
    if (o->sigma_within > 0) {
        *out = o->sigma_within;
        *df = n - 1.0;
        return 0;
    }
    if (o->sizes && o->n_groups) {
        size_t off = 0;

        for (size_t g = 0; g < o->n_groups; g++) {
            uint32_t m = o->sizes[g];
            double lo = INFINITY, hi = -INFINITY;

            if (off + m > n)
                return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                                     "subgroup sizes exceed the data");
            if (m >= 2) {
                if (spc_ktab_need(&kt, (int)m))
                    return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                                         "subgroup of %u (2..%d)", (unsigned)m,
                                         ZL_SPC_MAX_N);
                for (uint32_t j = 0; j < m; j++) {
                    lo = fmin(lo, x[off + j]);
                    hi = fmax(hi, x[off + j]);
                }
                a += (hi - lo) / kt.d2[m];
                w += 1;
                *df += m - 1.0;
            }
            off += m;
        }
        if (w < 1)
            return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                                 "no subgroup of 2 or more");
        *out = a / w;
        return 0;
    }
    for (size_t i = 1; i < n; i++)
        a += fabs(x[i] - x[i - 1]);
    spc_ktab_need(&kt, 2);
    *out = a / (n - 1) / kt.d2[2];
    *df = n - 1.0;
    return 0;
}

static void indices(const double *x, size_t n, const struct zl_spc_cap_opts *o,
                    double lsl, double usl, double target, double sw,
                    double dfw, double alpha, struct zl_spc_capability *c)
{
    double m = 0, v = 0, so, t, obs = 0;
    int hl = !isnan(lsl), hu = !isnan(usl);

    (void)o;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (size_t i = 0; i < n; i++) {
        v += (x[i] - m) * (x[i] - m);
        obs += (hl && x[i] < lsl) || (hu && x[i] > usl);
    }
    so = sqrt(v / (n - 1));
    c->mean = m;
    c->sd_within = sw;
    c->sd_overall = so;
    c->cp = ci_chi(hl && hu ? (usl - lsl) / (6 * sw) : NAN, dfw, alpha);
    c->pp = ci_chi(hl && hu ? (usl - lsl) / (6 * so) : NAN, n - 1.0, alpha);
    c->cpk = ci_bissell(fmin(hu ? (usl - m) / (3 * sw) : INFINITY,
                             hl ? (m - lsl) / (3 * sw) : INFINITY),
                        (double)n, alpha);
    c->ppk = ci_bissell(fmin(hu ? (usl - m) / (3 * so) : INFINITY,
                             hl ? (m - lsl) / (3 * so) : INFINITY),
                        (double)n, alpha);
    t = !isnan(target) ? target : 0.5 * (lsl + usl);
    c->cpm.est = c->cpm.lo = c->cpm.hi = NAN;
    if (hl && hu) {
        double tau = sqrt(so * so + (m - t) * (m - t));
        double xi = (m - t) / so,
               nu = n * pow(1 + xi * xi, 2) / (1 + 2 * xi * xi);

        c->cpm = ci_chi((usl - lsl) / (6 * tau), nu, alpha);
    }
    c->ppm_exp_within = 1e6 * ((hl ? zl_spc_pnorm((lsl - m) / sw) : 0) +
                               (hu ? zl_spc_pnorm((m - usl) / sw) : 0));
    c->ppm_exp_overall = 1e6 * ((hl ? zl_spc_pnorm((lsl - m) / so) : 0) +
                                (hu ? zl_spc_pnorm((m - usl) / so) : 0));
    c->ppm_obs = 1e6 * obs / n;
}

int zl_spc_capability(const double *x, size_t n,
                      const struct zl_spc_cap_opts *o,
                      struct zl_spc_capability *c, struct zl_error *err)
{
    double alpha = 1 - (o->conf > 0 && o->conf < 1 ? o->conf : 0.95);
    double sw, dfw = 0, lo = INFINITY, hi = -INFINITY, *y = NULL;
    double lsl = o->lsl, usl = o->usl, target = o->target;
    enum zl_spc_nonnormal method = o->nonnormal;
    struct zl_spc_cap_opts so;
    int rc;

    memset(c, 0, sizeof *c);
    if (n < 2)
        return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                             "%zu value(s): need at least 2", n);
    if (isnan(lsl) && isnan(usl))
        return zl_error_setf(err, ZL_EINVAL, "limits", NULL,
                             "no specification limit");
    if (!isnan(lsl) && !isnan(usl) && !(usl > lsl))
        return zl_error_setf(err, ZL_EINVAL, "limits", NULL,
                             "USL %g is not above LSL %g", usl, lsl);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                                 "value %zu is not a finite number", i + 1);
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    c->n = n;
    c->ad = c->ad_p = NAN;
    if (n >= 8)
        zl_spc_anderson_darling(x, n, &c->ad, &c->ad_p);
    if (method == ZL_SPC_NN_AUTO)
        method = !(c->ad_p < 0.05) ? ZL_SPC_NN_NONE
                 : lo > 0          ? ZL_SPC_NN_BOXCOX
                                   : ZL_SPC_NN_PERCENTILE;
    if (method == ZL_SPC_NN_BOXCOX &&
        (!(lo > 0) || (!isnan(lsl) && !(lsl > 0)) ||
         (!isnan(usl) && !(usl > 0))))
        return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                             "Box-Cox needs data and limits above 0");
    /* histogram of the data as given */
    c->n_bins = (size_t)ceil(log2((double)n)) + 1;
    c->n_bins = c->n_bins < 5 ? 5 : c->n_bins > 64 ? 64 : c->n_bins;
    c->bin_lo = lo;
    c->bin_w = hi > lo ? (hi - lo) / c->n_bins : 1;
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)((x[i] - lo) / c->bin_w);

        c->bins[b >= c->n_bins ? c->n_bins - 1 : b]++;
    }
    c->method = method;
    if (method == ZL_SPC_NN_BOXCOX) {
        double lam = boxcox_lambda(x, n);

        y = zl_malloc(n * sizeof *y);
        if (!y)
            return ZL_ENOMEM;
        for (size_t i = 0; i < n; i++)
            y[i] = boxcox1(x[i], lam);
        c->boxcox_lambda = lam;
        lsl = isnan(lsl) ? lsl : boxcox1(lsl, lam);
        usl = isnan(usl) ? usl : boxcox1(usl, lam);
        target = isnan(target) ? target : boxcox1(target, lam);
        x = y;
    }
    /* a given sigma is on the original scale: Box-Cox estimates again */
    so = *o;
    if (method == ZL_SPC_NN_BOXCOX)
        so.sigma_within = 0;
    rc = sigma_within(x, n, &so, &sw, &dfw, err);
    if (rc) {
        zl_free(y);
        return rc;
    }
    indices(x, n, o, lsl, usl, target, sw, dfw, alpha, c);
    if (method == ZL_SPC_NN_BOXCOX) {
        /* observed ppm on the original scale is the same count */
        zl_free(y);
    } else if (method == ZL_SPC_NN_PERCENTILE) {
        double *s = zl_malloc(n * sizeof *s), q0, q5, q1;

        if (!s)
            return ZL_ENOMEM;
        memcpy(s, x, n * sizeof *s);
        qsort(s, n, sizeof *s, dcmp);
        q0 = quantile(s, n, 0.00135);
        q5 = quantile(s, n, 0.5);
        q1 = quantile(s, n, 0.99865);
        zl_free(s);
        c->pp.est = !isnan(lsl) && !isnan(usl) ? (usl - lsl) / (q1 - q0) : NAN;
        c->ppk.est = fmin(!isnan(usl) ? (usl - q5) / (q1 - q5) : INFINITY,
                          !isnan(lsl) ? (q5 - lsl) / (q5 - q0) : INFINITY);
        c->pp.lo = c->pp.hi = c->ppk.lo = c->ppk.hi = NAN;
        c->cp.est = c->cp.lo = c->cp.hi = NAN;
        c->cpk.est = c->cpk.lo = c->cpk.hi = NAN;
        c->cpm.est = c->cpm.lo = c->cpm.hi = NAN;
        c->ppm_exp_within = c->ppm_exp_overall = NAN;
    }
    return 0;
}
