/*
 * check.c - the incremental run-rule checker of zhiliang/spc_stream.h.
 *
 * What a live stream needs is the batch pass of rules.c cut at every
 * point: rules_scalar keeps a few counters per series (the run on one
 * side, the trend, the alternation, the runs inside and outside 1 sigma,
 * the last five zone bits), so its loop body is the whole state machine
 * and the state between two points is a struct of a dozen integers. This
 * file is that loop body, one point per call, with the same conventions
 * (docs/spc.md: a point on the centre line breaks a run, equal neighbours
 * break a trend, window rules fire at a point in the zone, NaN resets).
 * Violations merge as rules.c's fire() merges them: a firing whose first
 * point touches the rule's open violation extends it, any other starts a
 * new one; a new one is what a stream logs as an alarm, so a shift that
 * keeps firing "nine in a row" at every point raises one alarm, not one
 * per point.
 *
 * The limits come from zl_spc_chart itself, run on a dummy series with
 * the fixed centre and sigma (Phase II): one formula for the batch chart
 * and the stream, so the two cannot drift apart.
 *
 * Rejected: recomputing the chart over the stored series at each append
 * (O(n) per measurement; bench/bench_spc_stream.c measures the gap), and
 * calling rules.c on a window of the last k points (the runs of rules 2,
 * 3, 4, 7 have no bounded length, so a window misses where they started).
 */
#include "zhiliang/spc_stream.h"

#include "util/alloc.h"
#include "zhiliang/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char POP5[32] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4, 1, 2, 2, 3, 2, 3,
                                       3, 4, 2, 3, 3, 4, 3, 4, 4, 5};

static int is_attr(enum zl_spc_chart c)
{
    return c == ZL_SPC_P || c == ZL_SPC_NP || c == ZL_SPC_C || c == ZL_SPC_U;
}

/* EWMA and CUSUM: the checker computes the statistic and (EWMA) the
 * limits at each point as charts.c's limits() does; what is kept here is
 * the steady state, for the definition record and the SVG. */
static int limits_smooth(enum zl_spc_chart chart, int n, double center,
                         double sigma, double a, double b,
                         struct zl_spc_limits *out, struct zl_error *err)
{
    double lam = a > 0 ? a : 0.2, L = b > 0 ? b : 3;
    double k = a > 0 ? a : 0.5, h = b > 0 ? b : 4;

    if (n < 1 || n > ZL_SPC_MAX_N)
        return zl_error_setf(err, ZL_EINVAL, "size", NULL,
                             "subgroup size %d: this chart needs 1 to %d", n,
                             ZL_SPC_MAX_N);
    if (!isfinite(center) || !(sigma > 0) || !isfinite(sigma))
        return zl_error_setf(err, ZL_EINVAL, "limits", NULL,
                             "center %g, sigma %g: the limits need a finite "
                             "center and a positive sigma",
                             center, sigma);
    if (!isfinite(a) || !isfinite(b) || a < 0 || b < 0 ||
        (chart == ZL_SPC_EWMA && lam > 1))
        return zl_error_setf(
            err, ZL_EINVAL, chart == ZL_SPC_EWMA ? "lambda" : "k", NULL,
            chart == ZL_SPC_EWMA
                ? "EWMA lambda %g must be in (0, 1] and L %g positive"
                : "CUSUM k %g and h %g must be positive",
            a, b);
    out->chart = chart;
    out->n = n;
    out->center = center;
    out->sigma = sigma;
    out->nsigma = 3;
    if (chart == ZL_SPC_EWMA) {
        double sd = sigma / sqrt(n) * sqrt(lam / (2 - lam));

        out->lambda = lam;
        out->L = L;
        out->n_series = 1;
        out->cl[0] = center;
        out->sd[0] = sd;
        out->lcl[0] = center - L * sd;
        out->ucl[0] = center + L * sd;
        return 0;
    }
    out->k = k;
    out->h = h;
    out->n_series = 2;
    for (int j = 0; j < 2; j++) {
        out->cl[j] = 0;
        out->lcl[j] = NAN;
        out->sd[j] = NAN;
        out->ucl[j] = h;
    }
    return 0;
}

int zl_spc_limits_fixed(enum zl_spc_chart chart, int n, double center,
                        double sigma, double nsigma, struct zl_spc_limits *out,
                        struct zl_error *err)
{
    return zl_spc_limits_fixed_ex(chart, n, center, sigma, nsigma, 0, 0, out,
                                  err);
}

int zl_spc_limits_fixed_ex(enum zl_spc_chart chart, int n, double center,
                           double sigma, double nsigma, double a, double b,
                           struct zl_spc_limits *out, struct zl_error *err)
{
    struct zl_spc_opts o;
    struct zl_spc_result r;
    double v[2 * ZL_SPC_MAX_N];
    uint32_t sz[2];
    int rc;

    memset(out, 0, sizeof *out);
    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    if (chart == ZL_SPC_EWMA || chart == ZL_SPC_CUSUM)
        return limits_smooth(chart, n, center, sigma, a, b, out, err);
    if (!zl_spc_chart_name(chart))
        return zl_error_setf(err, ZL_EINVAL, "chart", NULL,
                             "streams take xbar-r, xbar-s, imr, p, np, c, u, "
                             "ewma or cusum charts");
    if (chart == ZL_SPC_IMR)
        n = 1;
    if ((chart == ZL_SPC_XBAR_R || chart == ZL_SPC_XBAR_S) &&
        (n < 2 || n > ZL_SPC_MAX_N))
        return zl_error_setf(err, ZL_EINVAL, "size", NULL,
                             "subgroup size %d: this chart needs 2 to %d", n,
                             ZL_SPC_MAX_N);
    if (is_attr(chart) && n < 1)
        return zl_error_setf(err, ZL_EINVAL, "size", NULL,
                             "sample size %d: must be at least 1", n);
    if (!isfinite(center) || (!is_attr(chart) && !(sigma > 0)) ||
        !isfinite(sigma) || !(nsigma >= 0) || !isfinite(nsigma))
        return zl_error_setf(err, ZL_EINVAL, "limits", NULL,
                             "center %g, sigma %g, width %g: the limits need "
                             "a finite center and (variables charts) a "
                             "positive sigma",
                             center, sigma, nsigma);
    if ((chart == ZL_SPC_P || chart == ZL_SPC_NP) &&
        !(center > 0 && center < 1))
        return zl_error_setf(err, ZL_EINVAL, "center", NULL,
                             "fraction nonconforming %g must lie in (0, 1)",
                             center);
    if ((chart == ZL_SPC_C || chart == ZL_SPC_U) && !(center > 0))
        return zl_error_setf(err, ZL_EINVAL, "center", NULL,
                             "mean count %g must be positive", center);
    o.chart = chart;
    o.fixed_center = 1;
    o.center = center;
    o.fixed_sigma = !is_attr(chart);
    o.sigma = o.fixed_sigma ? sigma : 0;
    o.nsigma = nsigma;
    sz[0] = sz[1] = (uint32_t)n;
    if (is_attr(chart)) {
        v[0] = v[1] = 0;
        rc = zl_spc_chart(v, 2, sz, 2, &o, &r, err);
    } else {
        for (int i = 0; i < 2 * n; i++)
            v[i] = center;
        rc = zl_spc_chart(v, (size_t)(2 * n), chart == ZL_SPC_IMR ? NULL : sz,
                          2, &o, &r, err);
    }
    if (rc)
        return rc;
    out->chart = chart;
    out->n = n;
    out->center = center;
    out->sigma = is_attr(chart) ? 0 : sigma;
    out->nsigma = nsigma > 0 ? nsigma : 3;
    out->n_series = r.n_series;
    for (int k = 0; k < r.n_series; k++) {
        const struct zl_spc_series *s = &r.s[k];

        out->cl[k] = s->cl[0];
        out->lcl[k] = s->lcl[0];
        out->ucl[k] = s->ucl[0];
        out->sd[k] = s->sd[0];
    }
    zl_spc_result_cleanup(&r);
    return 0;
}

static void rstate_reset(struct zl_spc_rstate *r)
{
    int64_t keep[12];

    memcpy(keep, r->vlast, sizeof keep);
    memset(r, 0, sizeof *r);
    r->prev = NAN;
    memcpy(r->vlast, keep, sizeof keep);
}

void zl_spc_check_init(struct zl_spc_check *c, const struct zl_spc_limits *lim,
                       unsigned mask)
{
    memset(c, 0, sizeof *c);
    c->lim = *lim;
    c->mask = mask;
    c->prev_x = NAN;
    c->ez = lim->center;
    c->eq = 1;
    /* run rules assume independent points: on EWMA and CUSUM only the
     * limits are tested (as zl_spc_chart does) */
    if (lim->chart == ZL_SPC_EWMA || lim->chart == ZL_SPC_CUSUM)
        c->mask &= ZL_SPC_NELSON1 | ZL_SPC_WE1;
    for (int k = 0; k < 2; k++) {
        rstate_reset(&c->r[k]);
        for (int b = 0; b < 12; b++)
            c->r[k].vlast[b] = -1;
    }
}

/* rules.c's rules_scalar, one point: x at index i of series k, against
 * the limits at that point (pt->cl, lcl, ucl, sd: fixed, or per point
 * for EWMA's start-up and p and u with their own sample size). */
static void rules_step(struct zl_spc_check *c, int k, double x, int64_t i,
                       struct zl_spc_point *pt)
{
    struct zl_spc_rstate *r = &c->r[k];
    double cl = pt->cl[k], lcl = pt->lcl[k], ucl = pt->ucl[k];
    double inv = 1 / pt->sd[k], d;
    int zones = isfinite(inv) && inv > 0, sd, ac;
    int64_t run[12];
    unsigned f;

    pt->flags[k] = 0;
    if (isnan(x)) {
        rstate_reset(r);
        return;
    }
    r->above = x > cl ? r->above + 1 : 0;
    r->below = x < cl ? r->below + 1 : 0;
    d = x - r->prev;
    sd = (d > 0) - (d < 0);
    r->up = sd > 0 ? r->up + 1 : 0;
    r->down = sd < 0 ? r->down + 1 : 0;
    ac = sd != 0 && sd == -r->psd;
    r->alt = ac ? r->alt + 1 : (sd != 0);
    r->psd = sd;
    r->prev = x;
    f = (x > ucl || x < lcl) ? (ZL_SPC_NELSON1 | ZL_SPC_WE1) : 0;
    if ((r->above | r->below) >= 9)
        f |= ZL_SPC_NELSON2;
    if ((r->above | r->below) >= 8)
        f |= ZL_SPC_WE4;
    if ((r->up | r->down) >= 5)
        f |= ZL_SPC_NELSON3;
    if (r->alt >= 13)
        f |= ZL_SPC_NELSON4;
    if (zones) {
        double z = (x - cl) * inv;
        unsigned p2 = z > 2, m2 = z<-2, p1 = z> 1, m1 = z < -1;

        r->h2p = (r->h2p << 1 | p2) & 31;
        r->h2m = (r->h2m << 1 | m2) & 31;
        r->h1p = (r->h1p << 1 | p1) & 31;
        r->h1m = (r->h1m << 1 | m1) & 31;
        r->seen += r->seen < 5;
        r->in1 = (!p1 && !m1 && z != 1 && z != -1) ? r->in1 + 1 : 0;
        r->out1 = (p1 || m1) ? r->out1 + 1 : 0;
        if (r->seen >= 3 &&
            ((p2 && POP5[r->h2p & 7] >= 2) || (m2 && POP5[r->h2m & 7] >= 2)))
            f |= ZL_SPC_NELSON5 | ZL_SPC_WE2;
        if (r->seen >= 5 &&
            ((p1 && POP5[r->h1p] >= 4) || (m1 && POP5[r->h1m] >= 4)))
            f |= ZL_SPC_NELSON6 | ZL_SPC_WE3;
        if (r->in1 >= 15)
            f |= ZL_SPC_NELSON7;
        if (r->out1 >= 8)
            f |= ZL_SPC_NELSON8;
    } else {
        r->in1 = r->out1 = r->seen = 0;
        r->h2p = r->h2m = r->h1p = r->h1m = 0;
    }
    f &= c->mask;
    pt->flags[k] = (uint16_t)f;
    if (!f)
        return;
    run[0] = run[8] = 1;
    run[1] = run[11] = r->above | r->below;
    run[2] = (r->up | r->down) + 1;
    run[3] = r->alt + 1;
    run[4] = run[9] = 3;
    run[5] = run[10] = 5;
    run[6] = r->in1;
    run[7] = r->out1;
    for (int b = 0; b < 12; b++) {
        struct zl_spc_fired *fd;
        int64_t first = i + 1 - run[b];

        if (!(f & (1u << b)) ||
            pt->n_fired >= sizeof pt->fired / sizeof pt->fired[0])
            continue;
        fd = &pt->fired[pt->n_fired++];
        fd->rule = 1u << b;
        fd->chart = k;
        fd->last = i;
        if (r->vlast[b] >= 0 && first <= r->vlast[b] + 1) {
            fd->is_new = 0;
            fd->first = first;
        } else {
            fd->is_new = 1;
            fd->first = first;
        }
        r->vlast[b] = i;
    }
}

void zl_spc_check_relimit(struct zl_spc_check *c,
                          const struct zl_spc_limits *lim)
{
    c->lim = *lim;
    c->ez = lim->center;
    c->eq = 1;
    c->cp = c->cm = 0;
    for (int k = 0; k < 2; k++) {
        rstate_reset(&c->r[k]);
        for (int b = 0; b < 12; b++)
            c->r[k].vlast[b] = -1;
    }
}

int zl_spc_check_push(struct zl_spc_check *c, double x, struct zl_spc_point *pt)
{
    return zl_spc_check_push_n(c, x, 0, pt);
}

int zl_spc_check_push_n(struct zl_spc_check *c, double x, int64_t size,
                        struct zl_spc_point *pt)
{
    enum zl_spc_chart t = c->lim.chart;
    double s0, s1 = NAN;
    int n = c->lim.n, k;
    int64_t ns = size > 0 ? size : n;

    if (!isfinite(x))
        return ZL_EINVAL;
    if (size < 0 || (size > 0 && size != n && !zl_spc_size_varies(t)) ||
        size > 1000000000)
        return ZL_EINVAL;
    if (is_attr(t) && (x < 0 || ((t == ZL_SPC_P || t == ZL_SPC_NP) && x > ns)))
        return ZL_EINVAL;
    c->n_values++;
    for (k = 0; k < 2; k++) {
        pt->cl[k] = c->lim.cl[k];
        pt->lcl[k] = c->lim.lcl[k];
        pt->ucl[k] = c->lim.ucl[k];
        pt->sd[k] = c->lim.sd[k];
    }
    pt->size = ns;
    if (t == ZL_SPC_XBAR_R || t == ZL_SPC_XBAR_S || t == ZL_SPC_EWMA ||
        t == ZL_SPC_CUSUM) {
        double sum = 0, lo, hi;

        c->pend[c->n_pend++] = x;
        if (c->n_pend < n)
            return 0;
        lo = hi = c->pend[0];
        for (int j = 0; j < n; j++) {
            double y = c->pend[j];

            sum += y;
            lo = y < lo ? y : lo;
            hi = y > hi ? y : hi;
        }
        s0 = sum / n;
        if (t == ZL_SPC_XBAR_R) {
            s1 = hi - lo;
        } else if (t == ZL_SPC_XBAR_S) {
            double m = sum / n, ss = 0;

            for (int j = 0; j < n; j++)
                ss += (c->pend[j] - m) * (c->pend[j] - m);
            s1 = sqrt(ss / (n - 1));
        } else if (t == ZL_SPC_EWMA) {
            /* charts.c's limits(): the exact variance at point i */
            double lam = c->lim.lambda, mu = c->lim.center, sd;

            c->ez = lam * s0 + (1 - lam) * c->ez;
            c->eq *= (1 - lam) * (1 - lam);
            sd = c->lim.sigma / sqrt(n) * sqrt(lam / (2 - lam) * (1 - c->eq));
            s0 = c->ez;
            pt->cl[0] = mu;
            pt->sd[0] = sd;
            pt->lcl[0] = mu - c->lim.L * sd;
            pt->ucl[0] = mu + c->lim.L * sd;
        } else {
            double z = (s0 - c->lim.center) / (c->lim.sigma / sqrt(n));

            c->cp = fmax(0, c->cp + z - c->lim.k);
            c->cm = fmax(0, c->cm - z - c->lim.k);
            s0 = c->cp;
            s1 = c->cm;
        }
        c->n_pend = 0;
    } else if (t == ZL_SPC_IMR) {
        s0 = x;
        s1 = isnan(c->prev_x) ? NAN : fabs(x - c->prev_x);
        c->prev_x = x;
    } else {
        double dn = (double)ns;

        s0 = (t == ZL_SPC_P || t == ZL_SPC_U) ? x / dn : x;
        if (ns != n) { /* charts.c's limits() at this sample size */
            double mu = c->lim.center, cl = mu, sd, w = c->lim.nsigma;

            if (t == ZL_SPC_P) {
                sd = sqrt(mu * (1 - mu) / dn);
            } else if (t == ZL_SPC_NP) {
                cl = dn * mu;
                sd = sqrt(dn * mu * (1 - mu));
            } else {
                sd = sqrt(mu / dn);
            }
            pt->cl[0] = cl;
            pt->sd[0] = sd;
            pt->lcl[0] = fmax(0, cl - w * sd);
            pt->ucl[0] = cl + w * sd;
        }
    }
    pt->n_fired = 0;
    pt->flags[0] = pt->flags[1] = 0;
    pt->index = c->n_points;
    pt->stat[0] = s0;
    pt->stat[1] = s1;
    c->hist[0][c->n_points % 16] = s0;
    c->hist[1][c->n_points % 16] = s1;
    rules_step(c, 0, s0, c->n_points, pt);
    if (c->lim.n_series > 1)
        rules_step(c, 1, s1, c->n_points, pt);
    c->n_points++;
    return 1;
}

int zl_spc_size_varies(enum zl_spc_chart c)
{
    return c == ZL_SPC_P || c == ZL_SPC_NP || c == ZL_SPC_U;
}

/* ---- state as text ------------------------------------------------------- */

/* zlck1: the Shewhart charts' state; zlck2 adds the EWMA and CUSUM
 * statistics at the end (a zlck1 state loads with them at the start). */
#define STATE_MAGIC  "zlck2"
#define STATE_MAGIC1 "zlck1"

int zl_spc_check_save(const struct zl_spc_check *c, struct zl_buf *b)
{
    int rc =
        zl_buf_printf(b, STATE_MAGIC " %lld %lld %d %a", (long long)c->n_points,
                      (long long)c->n_values, c->n_pend, c->prev_x);

    for (int j = 0; j < c->n_pend && !rc; j++)
        rc = zl_buf_printf(b, " %a", c->pend[j]);
    for (int k = 0; k < 2 && !rc; k++) {
        const struct zl_spc_rstate *r = &c->r[k];

        rc = zl_buf_printf(
            b, " %lld %lld %lld %lld %lld %lld %lld %lld %u %u %u %u %d %a",
            (long long)r->above, (long long)r->below, (long long)r->up,
            (long long)r->down, (long long)r->alt, (long long)r->in1,
            (long long)r->out1, (long long)r->seen, r->h2p, r->h2m, r->h1p,
            r->h1m, (int)r->psd, r->prev);
        for (int j = 0; j < 12 && !rc; j++)
            rc = zl_buf_printf(b, " %lld", (long long)r->vlast[j]);
        for (int j = 0; j < 16 && !rc; j++)
            rc = zl_buf_printf(b, " %a", c->hist[k][j]);
    }
    if (!rc)
        rc = zl_buf_printf(b, " %a %a %a %a", c->ez, c->eq, c->cp, c->cm);
    return rc;
}

struct rd {
    const char *p, *end;
    int bad;
};

/* The next space-separated token into tmp. */
static const char *tok(struct rd *r, char *tmp, size_t cap)
{
    size_t n = 0;

    while (r->p < r->end && *r->p == ' ')
        r->p++;
    while (r->p < r->end && *r->p != ' ' && n + 1 < cap)
        tmp[n++] = *r->p++;
    tmp[n] = '\0';
    if (!n)
        r->bad = 1;
    return tmp;
}

static int64_t rd_int(struct rd *r)
{
    char t[40], *e;
    long long v = strtoll(tok(r, t, sizeof t), &e, 10);

    if (*e)
        r->bad = 1;
    return v;
}

static double rd_dbl(struct rd *r)
{
    char t[64], *e;
    double v = strtod(tok(r, t, sizeof t), &e);

    if (*e)
        r->bad = 1;
    return v;
}

int zl_spc_check_load(struct zl_spc_check *c, const char *text, size_t len)
{
    struct zl_spc_check x = *c;
    struct rd r = {text, text + len, 0};
    char t[16];
    int v2;

    tok(&r, t, sizeof t);
    v2 = !strcmp(t, STATE_MAGIC);
    if (!v2 && strcmp(t, STATE_MAGIC1))
        return ZL_EINVAL;
    x.n_points = rd_int(&r);
    x.n_values = rd_int(&r);
    x.n_pend = (int)rd_int(&r);
    x.prev_x = rd_dbl(&r);
    if (x.n_pend < 0 || x.n_pend >= ZL_SPC_MAX_N || x.n_points < 0)
        return ZL_EINVAL;
    for (int j = 0; j < x.n_pend; j++)
        x.pend[j] = rd_dbl(&r);
    for (int k = 0; k < 2; k++) {
        struct zl_spc_rstate *s = &x.r[k];

        s->above = rd_int(&r);
        s->below = rd_int(&r);
        s->up = rd_int(&r);
        s->down = rd_int(&r);
        s->alt = rd_int(&r);
        s->in1 = rd_int(&r);
        s->out1 = rd_int(&r);
        s->seen = rd_int(&r);
        s->h2p = (uint32_t)rd_int(&r) & 31;
        s->h2m = (uint32_t)rd_int(&r) & 31;
        s->h1p = (uint32_t)rd_int(&r) & 31;
        s->h1m = (uint32_t)rd_int(&r) & 31;
        s->psd = (int32_t)rd_int(&r);
        s->prev = rd_dbl(&r);
        for (int j = 0; j < 12; j++)
            s->vlast[j] = rd_int(&r);
        for (int j = 0; j < 16; j++)
            x.hist[k][j] = rd_dbl(&r);
    }
    if (v2) {
        x.ez = rd_dbl(&r);
        x.eq = rd_dbl(&r);
        x.cp = rd_dbl(&r);
        x.cm = rd_dbl(&r);
    }
    if (r.bad)
        return ZL_EINVAL;
    *c = x;
    return 0;
}
