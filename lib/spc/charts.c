/*
 * charts.c - control limits per chart type (see zhiliang/spc.h and
 * docs/spc.md for the formulas).
 *
 * A computation runs in three steps. First the per-group statistics
 * (subgroup mean and range or standard deviation, a fraction or a rate),
 * one pass over the data. Then the estimate (centre and sigma) over the
 * groups not excluded: outside the Phase I range, or dropped as out of
 * control by an earlier pass. Then the limits at every point and the run
 * rules. Re-estimation passes (drop_ooc) repeat the last two steps only.
 *
 * Sigma estimators follow R's qcc (sd.xbar, sd.xbar.one): UWAVE-R is the
 * unweighted mean of R_i/d2(n_i), MVLUE-R weights it by d2^2/d3^2 (Burr
 * 1969), UWAVE-SD and MVLUE-SD do the same with S_i/c4(n_i) and weights
 * c4^2/(1-c4^2), RMSDF pools the variances and divides by c4 of the pooled
 * degrees of freedom plus one, and individuals use the mean moving range
 * of two over d2(2). The centre of an X-bar chart is the grand mean of all
 * measurements (weighted by subgroup size), as qcc and Montgomery (eq. 6.30).
 *
 * Limits are stored once when they are the same at every point, so the
 * 10^7-point benchmark does not write four arrays it does not need.
 */
#include "zhiliang/spc.h"

#include "spc/spc_int.h"
#include "util/alloc.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

static const char *const CHART_NAMES[] = {
    "xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum"};
#define N_CHARTS (sizeof CHART_NAMES / sizeof CHART_NAMES[0])

static const char *const SIGMA_NAMES[] = {
    "default", "UWAVE-R", "UWAVE-SD", "MVLUE-R", "MVLUE-SD", "RMSDF", "MR"};

int zl_spc_chart_parse(const char *s, enum zl_spc_chart *out)
{
    for (size_t i = 0; i < N_CHARTS; i++)
        if (!strcasecmp(s, CHART_NAMES[i])) {
            *out = (enum zl_spc_chart)i;
            return 0;
        }
    if (!strcasecmp(s, "i-mr") || !strcasecmp(s, "xmr")) {
        *out = ZL_SPC_IMR;
        return 0;
    }
    return ZL_EINVAL;
}

const char *zl_spc_chart_name(enum zl_spc_chart c)
{
    return (unsigned)c < N_CHARTS ? CHART_NAMES[c] : NULL;
}

int zl_spc_sigma_parse(const char *s, enum zl_spc_sigma *out)
{
    for (size_t i = 0; i < sizeof SIGMA_NAMES / sizeof *SIGMA_NAMES; i++)
        if (!strcasecmp(s, SIGMA_NAMES[i])) {
            *out = (enum zl_spc_sigma)i;
            return 0;
        }
    if (!strcasecmp(s, "MVLUE")) {
        *out = ZL_SPC_MVLUE_R;
        return 0;
    }
    return ZL_EINVAL;
}

const char *zl_spc_sigma_name(enum zl_spc_sigma s)
{
    return (unsigned)s < sizeof SIGMA_NAMES / sizeof *SIGMA_NAMES
               ? SIGMA_NAMES[s]
               : NULL;
}

int spc_ktab_need(struct spc_ktab *t, int n)
{
    int rc;

    if (n < 2 || n > ZL_SPC_MAX_N)
        return ZL_EINVAL;
    if (t->have[n])
        return 0;
    rc = spc_range_moments(n, &t->d2[n], &t->d3[n]);
    if (rc)
        return rc;
    t->c4[n] = zl_spc_c4(n);
    t->have[n] = 1;
    return 0;
}

void zl_spc_result_cleanup(struct zl_spc_result *r)
{
    if (!r)
        return;
    for (int i = 0; i < 2; i++) {
        struct zl_spc_series *s = &r->s[i];

        zl_free(s->stat);
        zl_free(s->cl);
        zl_free(s->lcl);
        zl_free(s->ucl);
        zl_free(s->sd);
        zl_free(s->flags);
    }
    zl_free(r->excluded);
    zl_free(r->v);
    memset(r, 0, sizeof *r);
}

struct ctx {
    const double *v;
    const uint32_t *sz;
    size_t ng;
    const struct zl_spc_opts *o;
    struct zl_spc_result *r;
    struct spc_ktab *kt;
    double *gmean;   /* subgroup means (variables), the counts (attrs) */
    double *gr, *gs; /* subgroup ranges and sds, when needed */
    int varying_n;   /* subgroup sizes differ */
    double ns, lambda, L, k, h;
    /* group_stats' fast path: the estimate's sums over every group, in
     * estimate()'s order (so the same bits), while nothing is excluded */
    int pre;
    double pre_a, pre_b, pre_r;
    size_t total; /* check_group: the sizes seen */
};

static int is_variables(enum zl_spc_chart c)
{
    return c == ZL_SPC_XBAR_R || c == ZL_SPC_XBAR_S || c == ZL_SPC_IMR ||
           c == ZL_SPC_EWMA || c == ZL_SPC_CUSUM;
}

static uint32_t gsize(const struct ctx *c, size_t i)
{
    return c->sz ? c->sz[i] : 1;
}

/* Large result arrays: ask Linux for huge pages. A chart of 10^7 points
 * writes 200 MB of fresh memory, and faulting it in 4 KiB at a time took
 * a third of the pass (bench_spc); with 2 MiB pages the kernel's share
 * shrinks to the zeroing. A hint only: nothing depends on it. */
static void *big_alloc(size_t bytes, int zero)
{
    void *p = zero ? zl_calloc(1, bytes) : zl_malloc(bytes);

#if defined(MADV_HUGEPAGE)
    if (p && bytes >= ((size_t)4 << 20)) {
        uintptr_t a =
            ((uintptr_t)p + ((1u << 21) - 1)) & ~(uintptr_t)((1u << 21) - 1);
        uintptr_t e = ((uintptr_t)p + bytes) & ~(uintptr_t)((1u << 21) - 1);

        if (e > a)
            madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#endif
    return p;
}

static int series_alloc(struct zl_spc_series *s, size_t n, int varying,
                        const char *name)
{
    size_t m = varying ? n : 1;

    s->n = n;
    s->varying = varying;
    s->name = name;
    s->stat = big_alloc(n * sizeof *s->stat, 0);
    s->cl = zl_malloc(m * sizeof(double));
    s->lcl = zl_malloc(m * sizeof(double));
    s->ucl = zl_malloc(m * sizeof(double));
    s->sd = zl_malloc(m * sizeof(double));
    s->flags = big_alloc(n * sizeof *s->flags, 1);
    if (!s->stat || !s->cl || !s->lcl || !s->ucl || !s->sd || !s->flags)
        return ZL_ENOMEM;
    return 0;
}

/* Subgroups of one size n with ranges and no standard deviations (X-bar/R
 * by UWAVE-R, the common case): the mean and range of each group, with
 * estimate()'s sums of n * mean, n and R/d2 taken in the same pass and
 * the same order. Branch-free min and max; one finiteness test per group
 * (a NaN or infinity makes the sum non-finite; only then are its values
 * looked at). X-bar/R over 2x10^6 subgroups of 5 (bench_spc): the
 * general loop below and estimate()'s extra passes took about a third of
 * the chart. */
static inline __attribute__((always_inline)) int
group_stats_const(struct ctx *c, uint32_t n, int sums, struct zl_error *err)
{
    double a = 0, b = 0, ar = 0, d2 = sums ? c->kt->d2[n] : 1;

    for (size_t i = 0; i < c->ng; i++) {
        const double *x = c->v + (size_t)n * i;
        double sum = x[0], lo = x[0], hi = x[0], m;

        for (uint32_t j = 1; j < n; j++) {
            double y = x[j];

            sum += y;
            lo = y < lo ? y : lo;
            hi = y > hi ? y : hi;
        }
        if (!isfinite(sum))
            for (uint32_t j = 0; j < n; j++)
                if (!isfinite(x[j]))
                    return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                                         "measurement %zu of group %zu is "
                                         "not a finite number",
                                         (size_t)j + 1, i + 1);
        m = sum / n;
        c->gmean[i] = m;
        c->gr[i] = hi - lo;
        if (sums) {
            a += m * n;
            b += n;
            ar += (hi - lo) / d2;
        }
    }
    if (sums) {
        c->pre = 1;
        c->pre_a = a;
        c->pre_b = b;
        c->pre_r = ar;
    }
    return 0;
}

/* Per-group statistics, one pass. */
static int group_stats(struct ctx *c, int need_r, int need_s,
                       struct zl_error *err)
{
    size_t off = 0;

    if (c->sz && !c->varying_n && need_r && !need_s && c->ng && c->sz[0] >= 2) {
        const struct zl_spc_opts *o = c->o;
        int sums = c->r->sigma_method == ZL_SPC_UWAVE_R && !o->fixed_center &&
                   !o->fixed_sigma && o->est_from == 0 && c->ng >= 2 &&
                   (o->est_to == 0 || o->est_to == c->ng);

        /* the usual sizes with n a constant: the inner loop unrolled */
        switch (c->sz[0]) {
        case 2: return group_stats_const(c, 2, sums, err);
        case 3: return group_stats_const(c, 3, sums, err);
        case 4: return group_stats_const(c, 4, sums, err);
        case 5: return group_stats_const(c, 5, sums, err);
        case 6: return group_stats_const(c, 6, sums, err);
        case 8: return group_stats_const(c, 8, sums, err);
        case 10: return group_stats_const(c, 10, sums, err);
        default: return group_stats_const(c, c->sz[0], sums, err);
        }
    }

    if (!c->sz && !need_r && !need_s) {
        /* individuals: a copy, checked in one sweep */
        int bad = 0;

        for (size_t i = 0; i < c->ng; i++) {
            c->gmean[i] = c->v[i];
            bad |= !isfinite(c->v[i]);
        }
        for (size_t i = 0; i < c->ng && bad; i++)
            if (!isfinite(c->v[i]))
                return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                                     "value %zu is not a finite number", i + 1);
        return 0;
    }
    for (size_t i = 0; i < c->ng; i++) {
        uint32_t n = gsize(c, i);
        const double *x = c->v + off;
        double sum = 0, lo = x[0], hi = x[0];

        for (uint32_t j = 0; j < n; j++) {
            double y = x[j];

            if (!isfinite(y))
                return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                                     "measurement %zu of group %zu is not "
                                     "a finite number",
                                     (size_t)j + 1, i + 1);
            sum += y;
            lo = y < lo ? y : lo;
            hi = y > hi ? y : hi;
        }
        c->gmean[i] = sum / n;
        if (need_r)
            c->gr[i] = hi - lo;
        if (need_s) {
            double m = sum / n, ss = 0;

            for (uint32_t j = 0; j < n; j++)
                ss += (x[j] - m) * (x[j] - m);
            c->gs[i] = n > 1 ? sqrt(ss / (n - 1)) : NAN;
        }
        off += n;
    }
    return 0;
}

/* Centre and sigma from the groups not excluded. */
static int estimate(struct ctx *c, struct zl_error *err)
{
    struct zl_spc_result *r = c->r;
    const struct zl_spc_opts *o = c->o;
    double a = 0, b = 0, w = 0, ww = 0;
    size_t used = 0;

    if (c->pre) { /* every group, summed by group_stats_const */
        r->n_used = c->ng;
        r->center = c->pre_a / c->pre_b;
        r->sigma = c->pre_r / (double)c->ng;
        return 0;
    }
    for (size_t i = 0; i < c->ng; i++)
        if (!r->excluded[i]) {
            uint32_t n = gsize(c, i);

            used++;
            if (r->chart == ZL_SPC_P || r->chart == ZL_SPC_NP ||
                r->chart == ZL_SPC_U) {
                a += c->gmean[i];
                b += n;
            } else if (r->chart == ZL_SPC_C) {
                a += c->gmean[i];
                b += 1;
            } else {
                a += c->gmean[i] * n;
                b += n;
            }
        }
    r->n_used = used;
    if (!o->fixed_center || (is_variables(r->chart) && !o->fixed_sigma)) {
        if (used < 2)
            return zl_error_setf(err, ZL_EINVAL, "groups", NULL,
                                 "%zu group(s) left to estimate from, need "
                                 "at least 2",
                                 used);
    }
    r->center = o->fixed_center ? o->center : a / b;
    if (!is_variables(r->chart)) {
        if (o->fixed_center)
            r->n_used = 0; /* Phase II: nothing estimated */
        return 0;
    }
    if (o->fixed_sigma) {
        r->sigma = o->sigma;
        if (o->fixed_center)
            r->n_used = 0;
        return 0;
    }
    a = 0;
    w = 0;
    ww = 0;
    switch (r->sigma_method) {
    case ZL_SPC_MR:
        for (size_t i = 1; i < c->ng; i++)
            if (!r->excluded[i] && !r->excluded[i - 1]) {
                a += fabs(c->gmean[i] - c->gmean[i - 1]);
                w += 1;
            }
        if (w < 1)
            return zl_error_setf(err, ZL_EINVAL, "groups", NULL,
                                 "no moving range between included points");
        spc_ktab_need(c->kt, 2);
        r->sigma = a / w / c->kt->d2[2];
        return 0;
    case ZL_SPC_UWAVE_R:
    case ZL_SPC_MVLUE_R:
        for (size_t i = 0; i < c->ng; i++)
            if (!r->excluded[i]) {
                int n = (int)gsize(c, i);
                double d2 = c->kt->d2[n], d3 = c->kt->d3[n];
                double h =
                    r->sigma_method == ZL_SPC_MVLUE_R ? d2 * d2 / (d3 * d3) : 1;

                a += h * c->gr[i] / d2;
                w += h;
            }
        r->sigma = a / w;
        return 0;
    case ZL_SPC_UWAVE_SD:
    case ZL_SPC_MVLUE_SD:
        for (size_t i = 0; i < c->ng; i++)
            if (!r->excluded[i]) {
                int n = (int)gsize(c, i);
                double c4 = c->kt->c4[n];
                double h = r->sigma_method == ZL_SPC_MVLUE_SD
                               ? c4 * c4 / (1 - c4 * c4)
                               : 1;

                a += h * c->gs[i] / c4;
                w += h;
            }
        r->sigma = a / w;
        return 0;
    case ZL_SPC_RMSDF:
        for (size_t i = 0; i < c->ng; i++)
            if (!r->excluded[i]) {
                double n = gsize(c, i);

                a += (n - 1) * c->gs[i] * c->gs[i];
                ww += n - 1;
            }
        r->sigma = sqrt(a / ww) / zl_spc_c4((int)ww + 1);
        return 0;
    case ZL_SPC_SIGMA_DEFAULT: break;
    }
    return ZL_EINVAL;
}

/* Limits of both series from the current estimate. */
static void limits(struct ctx *c)
{
    struct zl_spc_result *r = c->r;
    struct zl_spc_series *s0 = &r->s[0], *s1 = &r->s[1];
    size_t m0 = s0->varying ? c->ng : 1;
    double mu = r->center, sg = r->sigma, ns = c->ns;

    switch (r->chart) {
    case ZL_SPC_XBAR_R:
    case ZL_SPC_XBAR_S:
    case ZL_SPC_IMR:
        for (size_t i = 0; i < m0; i++) {
            int n = (int)gsize(c, i);
            double sd = sg / sqrt(n), cl1, sd1;

            s0->cl[i] = mu;
            s0->sd[i] = sd;
            s0->lcl[i] = mu - ns * sd;
            s0->ucl[i] = mu + ns * sd;
            if (r->chart == ZL_SPC_IMR)
                n = 2;
            if (r->chart == ZL_SPC_XBAR_S) {
                double c4 = c->kt->c4[n];

                cl1 = c4 * sg;
                sd1 = sg * sqrt(1 - c4 * c4);
            } else {
                cl1 = c->kt->d2[n] * sg;
                sd1 = c->kt->d3[n] * sg;
            }
            s1->cl[i] = cl1;
            s1->sd[i] = sd1;
            s1->lcl[i] = fmax(0, cl1 - ns * sd1);
            s1->ucl[i] = cl1 + ns * sd1;
        }
        return;
    case ZL_SPC_P:
    case ZL_SPC_NP:
    case ZL_SPC_C:
    case ZL_SPC_U:
        for (size_t i = 0; i < m0; i++) {
            double n = gsize(c, i), cl, sd;

            if (r->chart == ZL_SPC_P) {
                cl = mu;
                sd = sqrt(mu * (1 - mu) / n);
            } else if (r->chart == ZL_SPC_NP) {
                cl = n * mu;
                sd = sqrt(n * mu * (1 - mu));
            } else if (r->chart == ZL_SPC_C) {
                cl = mu;
                sd = sqrt(mu);
            } else {
                cl = mu;
                sd = sqrt(mu / n);
            }
            s0->cl[i] = cl;
            s0->sd[i] = sd;
            s0->lcl[i] = fmax(0, cl - ns * sd);
            s0->ucl[i] = cl + ns * sd;
        }
        return;
    case ZL_SPC_EWMA: {
        double z = mu, lam = c->lambda, q = 1;

        for (size_t i = 0; i < c->ng; i++) {
            double sd;

            z = lam * c->gmean[i] + (1 - lam) * z;
            q *= (1 - lam) * (1 - lam);
            sd = sg / sqrt(gsize(c, i)) * sqrt(lam / (2 - lam) * (1 - q));
            s0->stat[i] = z;
            s0->cl[i] = mu;
            s0->sd[i] = sd;
            s0->lcl[i] = mu - c->L * sd;
            s0->ucl[i] = mu + c->L * sd;
        }
        return;
    }
    case ZL_SPC_CUSUM: {
        double cp = 0, cm = 0;

        s0->cl[0] = s1->cl[0] = 0;
        s0->sd[0] = s1->sd[0] = NAN;
        s0->lcl[0] = s1->lcl[0] = NAN;
        s0->ucl[0] = s1->ucl[0] = c->h;
        for (size_t i = 0; i < c->ng; i++) {
            double z = (c->gmean[i] - mu) / (sg / sqrt(gsize(c, i)));

            cp = fmax(0, cp + z - c->k);
            cm = fmax(0, cm - z - c->k);
            s0->stat[i] = cp;
            s1->stat[i] = cm;
        }
        return;
    }
    }
}

/* Mark the groups in the estimate that lie beyond a limit; returns how
 * many were newly excluded. */
static size_t drop_pass(struct ctx *c)
{
    struct zl_spc_result *r = c->r;
    size_t dropped = 0;

    for (size_t i = 0; i < c->ng; i++) {
        int out = 0;

        if (r->excluded[i])
            continue;
        for (int k = 0; k < r->n_series; k++) {
            const struct zl_spc_series *s = &r->s[k];
            double x = s->stat[i];

            out |= x > ZL_SPC_AT(s, s->ucl, i) || x < ZL_SPC_AT(s, s->lcl, i);
        }
        if (out) {
            r->excluded[i] = 1;
            dropped++;
        }
    }
    if (dropped)
        c->pre = 0;
    return dropped;
}

/* The size checks of one group of a variables chart; adds its size to
 * c->total and notes a size that differs from the first. */
static int check_group(struct ctx *c, size_t i, struct zl_error *err)
{
    enum zl_spc_chart t = c->r->chart;
    uint32_t n = gsize(c, i);

    if (n == 0)
        return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                             "group %zu has size 0", i + 1);
    if ((t == ZL_SPC_XBAR_R || t == ZL_SPC_XBAR_S) &&
        (n < 2 || n > ZL_SPC_MAX_N))
        return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                             "subgroup %zu has %u measurement(s); this "
                             "chart needs 2 to %d",
                             i + 1, (unsigned)n, ZL_SPC_MAX_N);
    if (t == ZL_SPC_IMR && n != 1)
        return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                             "individuals chart: group %zu has %u "
                             "values, not 1",
                             i + 1, (unsigned)n);
    if ((t == ZL_SPC_EWMA || t == ZL_SPC_CUSUM) && n > ZL_SPC_MAX_N)
        return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                             "subgroup %zu is larger than %d", i + 1,
                             ZL_SPC_MAX_N);
    if (i && n != gsize(c, 0))
        c->varying_n = 1;
    c->total += n;
    return 0;
}

static int check_input(struct ctx *c, size_t n_values, struct zl_error *err)
{
    enum zl_spc_chart t = c->r->chart;
    int rc;

    if (c->ng == 0)
        return zl_error_setf(err, ZL_EINVAL, "groups", NULL, "no data");
    if (!c->sz && is_variables(t)) {
        /* individuals: nothing to check per group (values: group_stats) */
        if (n_values != c->ng)
            return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                                 "%zu values for %zu individuals", n_values,
                                 c->ng);
        return 0;
    }
    if (c->sz && is_variables(t)) {
        /* one size throughout (the usual case): one branch-free sweep,
         * then the checks below for the first group stand for all */
        uint32_t n0 = c->sz[0], diff = 0;
        size_t last = c->ng, total;

        for (size_t i = 0; i < c->ng; i++)
            diff |= c->sz[i] ^ n0;
        if (!diff)
            last = 1;
        for (size_t i = 0; i < last; i++)
            if ((rc = check_group(c, i, err)))
                return rc;
        total = diff ? c->total : (size_t)n0 * c->ng;
        if (total != n_values)
            return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                                 "%zu values for groups totalling %zu",
                                 n_values, total);
        return 0;
    }
    /* attribute charts: one count a sample, within its sample's size */
    for (size_t i = 0; i < c->ng; i++) {
        uint32_t n = gsize(c, i);
        double x = c->v[i];

        if ((rc = check_group(c, i, err)))
            return rc;
        if (!isfinite(x) || x < 0)
            return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                                 "count %g of sample %zu is not a "
                                 "non-negative number",
                                 x, i + 1);
        if ((t == ZL_SPC_P || t == ZL_SPC_NP) && x > n)
            return zl_error_setf(err, ZL_EINVAL, "values", NULL,
                                 "sample %zu: %g nonconforming of %u "
                                 "inspected",
                                 i + 1, x, (unsigned)n);
    }
    if (n_values != c->ng)
        return zl_error_setf(err, ZL_EINVAL, "sizes", NULL,
                             "%zu values for groups totalling %zu", n_values,
                             c->ng);
    return 0;
}

static enum zl_spc_sigma resolve_sigma(enum zl_spc_chart t, int all_one,
                                       enum zl_spc_sigma s)
{
    if (t == ZL_SPC_IMR || ((t == ZL_SPC_EWMA || t == ZL_SPC_CUSUM) && all_one))
        return ZL_SPC_MR;
    if (s != ZL_SPC_SIGMA_DEFAULT && s != ZL_SPC_MR)
        return s;
    return t == ZL_SPC_XBAR_S ? ZL_SPC_UWAVE_SD : ZL_SPC_UWAVE_R;
}

int zl_spc_chart(const double *values, size_t n_values, const uint32_t *sizes,
                 size_t n_groups, const struct zl_spc_opts *o,
                 struct zl_spc_result *r, struct zl_error *err)
{
    struct ctx c = {0};
    enum zl_spc_chart t = o->chart;
    size_t cap_v = 0, from = o->est_from, to = o->est_to;
    int rc, need_r, need_s, all_one = 1, two, varying;
    const char *n0, *n1 = NULL;

    memset(r, 0, sizeof *r);
    if ((unsigned)t >= N_CHARTS)
        return zl_error_setf(err, ZL_EINVAL, "chart", NULL, "unknown chart");
    r->chart = t;
    c.v = values;
    c.sz = sizes;
    c.ng = n_groups;
    c.o = o;
    c.r = r;
    c.ns = o->nsigma > 0 ? o->nsigma : 3;
    c.lambda = o->lambda > 0 ? o->lambda : 0.2;
    c.L = o->L > 0 ? o->L : 3;
    c.k = o->k > 0 ? o->k : 0.5;
    c.h = o->h > 0 ? o->h : 4;
    if (c.lambda > 1)
        return zl_error_setf(err, ZL_EINVAL, "lambda", NULL,
                             "EWMA lambda %g is not in (0, 1]", c.lambda);
    rc = check_input(&c, n_values, err);
    if (rc)
        return rc;
    if (to == 0 && from == 0)
        to = n_groups;
    if (from >= to || to > n_groups)
        return zl_error_setf(err, ZL_EINVAL, "phase1", NULL,
                             "Phase I groups %zu..%zu are not within "
                             "1..%zu",
                             from + 1, to, n_groups);
    if (o->fixed_sigma && !(o->sigma > 0))
        return zl_error_setf(err, ZL_EINVAL, "sigma", NULL,
                             "sigma must be positive");
    if (sizes)
        for (size_t i = 0; i < n_groups && all_one; i++)
            all_one = sizes[i] == 1;
    r->sigma_method = resolve_sigma(t, all_one, o->sigma_method);
    if (!is_variables(t))
        r->sigma_method = ZL_SPC_SIGMA_DEFAULT;
    if (t == ZL_SPC_XBAR_R && (r->sigma_method == ZL_SPC_MR))
        r->sigma_method = ZL_SPC_UWAVE_R;
    c.kt = zl_calloc(1, sizeof *c.kt);
    if (!c.kt)
        return ZL_ENOMEM;
    /* constants for every size met (a handful) */
    if (is_variables(t)) {
        rc = spc_ktab_need(c.kt, 2);
        for (size_t i = 0; i < n_groups && !rc; i++)
            if (gsize(&c, i) >= 2 && !c.kt->have[gsize(&c, i)])
                rc = spc_ktab_need(c.kt, (int)gsize(&c, i));
        if (rc)
            goto out;
    }
    need_r = t == ZL_SPC_XBAR_R || r->sigma_method == ZL_SPC_UWAVE_R ||
             r->sigma_method == ZL_SPC_MVLUE_R;
    need_s = t == ZL_SPC_XBAR_S || r->sigma_method == ZL_SPC_UWAVE_SD ||
             r->sigma_method == ZL_SPC_MVLUE_SD ||
             r->sigma_method == ZL_SPC_RMSDF;
    two = t == ZL_SPC_XBAR_R || t == ZL_SPC_XBAR_S || t == ZL_SPC_IMR ||
          t == ZL_SPC_CUSUM;
    varying = (c.varying_n && t != ZL_SPC_CUSUM) || t == ZL_SPC_EWMA;
    switch (t) {
    case ZL_SPC_XBAR_R: n0 = "xbar", n1 = "R"; break;
    case ZL_SPC_XBAR_S: n0 = "xbar", n1 = "S"; break;
    case ZL_SPC_IMR: n0 = "I", n1 = "MR"; break;
    case ZL_SPC_P: n0 = "p"; break;
    case ZL_SPC_NP: n0 = "np"; break;
    case ZL_SPC_C: n0 = "c"; break;
    case ZL_SPC_U: n0 = "u"; break;
    case ZL_SPC_EWMA: n0 = "EWMA"; break;
    default: n0 = "C+", n1 = "C-"; break;
    }
    r->n_groups = n_groups;
    r->n_series = two ? 2 : 1;
    r->excluded = big_alloc(n_groups, 1);
    rc = r->excluded ? 0 : ZL_ENOMEM;
    if (!rc)
        rc = series_alloc(&r->s[0], n_groups, varying, n0);
    if (!rc && two)
        rc = series_alloc(&r->s[1], n_groups, varying, n1);
    if (rc)
        goto out;
    /* the group statistics: the first series' stat doubles as the means */
    c.gmean = r->s[0].stat;
    if (t == ZL_SPC_EWMA || t == ZL_SPC_CUSUM) {
        c.gmean = big_alloc(n_groups * sizeof *c.gmean, 0);
        if (!c.gmean) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (is_variables(t)) {
        if (need_r)
            c.gr = t == ZL_SPC_XBAR_R ? r->s[1].stat
                                      : big_alloc(n_groups * sizeof *c.gr, 0);
        if (need_s)
            c.gs = t == ZL_SPC_XBAR_S ? r->s[1].stat
                                      : big_alloc(n_groups * sizeof *c.gs, 0);
        if ((need_r && !c.gr) || (need_s && !c.gs)) {
            rc = ZL_ENOMEM;
            goto out;
        }
        rc = group_stats(&c, need_r, need_s, err);
        if (rc)
            goto out;
        if (t == ZL_SPC_IMR) {
            r->s[1].stat[0] = NAN;
            for (size_t i = 1; i < n_groups; i++)
                r->s[1].stat[i] = fabs(c.gmean[i] - c.gmean[i - 1]);
        }
    } else {
        for (size_t i = 0; i < n_groups; i++) {
            double n = gsize(&c, i);

            c.gmean[i] = values[i];
            /* the plotted statistic: a fraction or a rate */
            if (t == ZL_SPC_P || t == ZL_SPC_U)
                r->s[0].stat[i] = values[i] / n;
        }
        /* keep the raw counts for the estimate */
        if (t == ZL_SPC_P || t == ZL_SPC_U) {
            c.gmean = zl_malloc(n_groups * sizeof *c.gmean);
            if (!c.gmean) {
                rc = ZL_ENOMEM;
                goto out;
            }
            memcpy(c.gmean, values, n_groups * sizeof *values);
        }
    }
    memset(r->excluded, 1, from);
    memset(r->excluded + to, 1, n_groups - to);
    {
        double sum_n = sizes ? 0 : (double)n_groups;

        if (sizes && !c.varying_n && is_variables(t))
            sum_n = (double)sizes[0] * (double)n_groups;
        for (size_t i = 0; i < n_groups && sizes && !(sum_n > 0); i++)
            sum_n += sizes[i];
        r->mean_n = sum_n / n_groups;
    }
    rc = estimate(&c, err);
    if (rc)
        goto out;
    limits(&c);
    if (t != ZL_SPC_EWMA && t != ZL_SPC_CUSUM &&
        !(o->fixed_center && (o->fixed_sigma || !is_variables(t))))
        for (int pass = 0; pass < o->drop_ooc; pass++) {
            if (!drop_pass(&c))
                break;
            rc = estimate(&c, err);
            if (rc)
                goto out;
            limits(&c);
        }
    {
        unsigned mask = o->rules;

        /* run rules assume independent points: on EWMA and CUSUM only the
         * limits are tested */
        if (t == ZL_SPC_EWMA || t == ZL_SPC_CUSUM)
            mask &= ZL_SPC_NELSON1 | ZL_SPC_WE1;
        for (int k = 0; k < r->n_series && !rc; k++)
            rc = zl_spc_rules_apply(&r->s[k], mask, k, &r->v, &r->n_v, &cap_v);
    }
out:
    if (c.gmean && c.gmean != r->s[0].stat)
        zl_free(c.gmean);
    if (c.gr && c.gr != r->s[1].stat)
        zl_free(c.gr);
    if (c.gs && c.gs != r->s[1].stat)
        zl_free(c.gs);
    zl_free(c.kt);
    if (rc)
        zl_spc_result_cleanup(r);
    return rc;
}
