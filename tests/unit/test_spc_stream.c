/*
 * test_spc_stream.c - live SPC streams (zhiliang/spc_stream.h).
 *
 * The checker is tested against the batch computation it must agree
 * with: zl_spc_chart (Phase II, the same fixed limits) on the whole
 * series is the oracle, written before and independently of check.c. On
 * random series with injected shifts, trends, alternation, stratification
 * and mixtures, every point's flags and every violation (rule, chart,
 * first and last point) must match, with the checker's state saved and
 * reloaded at random points in between (as the store does between append
 * calls). The store tests run on the backend of ZL_TEST_STORE_URI
 * (SQLite by default, PostgreSQL with --setup pg).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "test_rng.h"

#include "store_fixture.h"

#include "zhiliang/audit.h"
#include "zhiliang/buf.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "zhiliang/spc_stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static double unif(void)
{
    return test_unit_real(&rng);
}

static double gauss(void)
{
    return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

static double poisson(double mu)
{
    double l = exp(-mu), p = 1;
    int k = 0;

    do {
        k++;
        p *= unif();
    } while (p > l);
    return k - 1;
}

/* A series of n individual values around 0 with sigma 1 and a few
 * special causes injected at random places. */
static void make_series(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = gauss();
    for (int e = 0; e < 4; e++) {
        size_t at = (size_t)(unif() * (double)n),
               len = 5 + (size_t)(unif() * 30);
        int kind = (int)(unif() * 6);

        for (size_t i = at; i < at + len && i < n; i++)
            switch (kind) {
            case 0: x[i] += 1.5; break;                       /* shift */
            case 1: x[i] = 0.3 * (double)(i - at) - 2; break; /* trend */
            case 2: x[i] = (i % 2 ? 1.2 : -1.2) + 0.1 * gauss(); break;
            case 3: x[i] = 0.2 * gauss(); break; /* stratified */
            case 4: x[i] = (unif() < 0.5 ? 2 : -2) + 0.3 * gauss(); break;
            default: x[i] += 4 * gauss(); break; /* wild */
            }
        if (unif() < 0.2) /* a value exactly on the centre line */
            x[at] = 0;
    }
}

struct viol {
    unsigned rule;
    int chart;
    int64_t first, last;
};

/* Push x through the checker, saving and reloading the state at random
 * points; collect flags per point and violations. */
static void run_checker(const struct zl_spc_limits *lim, unsigned mask,
                        const double *x, const uint32_t *sizes, size_t n,
                        uint16_t *flags0, uint16_t *flags1, double *stat0,
                        double *stat1, double *lims, struct viol *v, size_t *nv)
{
    struct zl_spc_check c;
    struct zl_spc_point pt;
    int64_t open[2][12];

    memset(open, 0xff, sizeof open);
    zl_spc_check_init(&c, lim, mask);
    *nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (unif() < 0.05) {
            struct zl_buf b;
            struct zl_spc_check d;

            zl_buf_init(&b, 1 << 20);
            assert_int_equal(zl_spc_check_save(&c, &b), 0);
            zl_spc_check_init(&d, lim, mask);
            assert_int_equal(zl_spc_check_load(&d, (const char *)b.data, b.len),
                             0);
            {
                struct zl_buf b2;

                zl_buf_init(&b2, 1 << 20);
                assert_int_equal(zl_spc_check_save(&d, &b2), 0);
                assert_int_equal(b.len, b2.len);
                assert_memory_equal(b.data, b2.data, b.len);
                zl_buf_cleanup(&b2);
            }
            c = d;
            zl_buf_cleanup(&b);
        }
        int rc = sizes ? zl_spc_check_push_n(&c, x[i], sizes[i], &pt)
                       : zl_spc_check_push(&c, x[i], &pt);

        assert_true(rc == 0 || rc == 1);
        if (!rc)
            continue;
        flags0[pt.index] = pt.flags[0];
        flags1[pt.index] = pt.flags[1];
        stat0[pt.index] = pt.stat[0];
        stat1[pt.index] = pt.stat[1];
        lims[2 * pt.index] = pt.lcl[0];
        lims[2 * pt.index + 1] = pt.ucl[0];
        for (size_t j = 0; j < pt.n_fired; j++) {
            const struct zl_spc_fired *f = &pt.fired[j];
            int b = __builtin_ctz(f->rule);

            if (f->is_new) {
                open[f->chart][b] = (int64_t)*nv;
                v[*nv].rule = f->rule;
                v[*nv].chart = f->chart;
                v[*nv].first = f->first;
                v[*nv].last = f->last;
                (*nv)++;
            } else {
                assert_true(open[f->chart][b] >= 0);
                v[open[f->chart][b]].last = f->last;
            }
        }
    }
}

static int viol_cmp(const void *a, const void *b)
{
    const struct viol *x = a, *y = b;

    if (x->chart != y->chart)
        return x->chart - y->chart;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return 0;
}

static int is_attr(enum zl_spc_chart t)
{
    return t == ZL_SPC_P || t == ZL_SPC_NP || t == ZL_SPC_C || t == ZL_SPC_U;
}

/* The checker fed one measurement at a time against zl_spc_chart on the
 * whole series with the same fixed parameters: the same statistic (to the
 * bit), flags and violations at every point. a, b: EWMA lambda and L,
 * CUSUM k and h. psz: the sample size of each attribute sample (NULL: n). */
static void agree_ex(enum zl_spc_chart t, int n, double center, double sigma,
                     double a, double b, const double *x, const uint32_t *psz,
                     size_t nx, unsigned mask)
{
    struct zl_spc_limits lim;
    struct zl_spc_opts o;
    struct zl_spc_result r;
    struct zl_error err = {0};
    int grouped = !is_attr(t) && t != ZL_SPC_IMR;
    size_t ng = grouped ? nx / (size_t)n : nx, nv = 0;
    uint16_t *f0 = calloc(ng + 1, 2), *f1 = calloc(ng + 1, 2);
    double *s0 = calloc(ng + 1, 8), *s1 = calloc(ng + 1, 8);
    double *lims = calloc(2 * ng + 2, 8);
    uint32_t *sz = calloc(ng + 1, 4);
    struct viol *v = calloc(ng * 24 + 1, sizeof *v),
                *w = calloc(ng * 24 + 1, sizeof *w);
    int smooth = t == ZL_SPC_EWMA || t == ZL_SPC_CUSUM;

    assert_int_equal(
        zl_spc_limits_fixed_ex(t, n, center, sigma, 0, a, b, &lim, &err), 0);
    run_checker(&lim, mask, x, psz, nx, f0, f1, s0, s1, lims, v, &nv);
    for (size_t i = 0; i < ng; i++)
        sz[i] = psz ? psz[i] : (uint32_t)n;
    memset(&o, 0, sizeof o);
    o.chart = t;
    o.fixed_center = 1;
    o.center = center;
    o.fixed_sigma = !is_attr(t);
    o.sigma = o.fixed_sigma ? sigma : 0;
    o.rules = mask;
    if (t == ZL_SPC_EWMA)
        o.lambda = a, o.L = b;
    if (t == ZL_SPC_CUSUM)
        o.k = a, o.h = b;
    assert_int_equal(
        zl_spc_chart(x, grouped ? ng * (size_t)n : ng,
                     t == ZL_SPC_IMR || (smooth && n == 1) ? NULL : sz, ng, &o,
                     &r, &err),
        0);
    /* the limits are the batch chart's (EWMA: at steady state) */
    for (int k = 0; k < r.n_series && !smooth && !psz; k++) {
        assert_true(lim.ucl[k] == r.s[k].ucl[0]);
        assert_true(lim.lcl[k] == r.s[k].lcl[0]);
    }
    if (t == ZL_SPC_EWMA)
        assert_true(fabs(lim.ucl[0] - r.s[0].ucl[ng - 1]) < 1e-9);
    /* the limits at every point (EWMA's start-up, a sample's own size) */
    for (size_t i = 0; i < ng; i++) {
        double lo = ZL_SPC_AT(&r.s[0], r.s[0].lcl, i),
               hi = ZL_SPC_AT(&r.s[0], r.s[0].ucl, i);

        if (!(lims[2 * i] == lo || (isnan(lo) && isnan(lims[2 * i]))) ||
            lims[2 * i + 1] != hi)
            fail_msg("%s point %zu: incremental limits %.17g..%.17g, batch "
                     "%.17g..%.17g",
                     zl_spc_chart_name(t), i, lims[2 * i], lims[2 * i + 1], lo,
                     hi);
    }
    for (size_t i = 0; i < ng; i++)
        for (int k = 0; k < r.n_series; k++) {
            double want = r.s[k].stat[i], got = k ? s1[i] : s0[i];

            if (!(got == want || (isnan(got) && isnan(want))))
                fail_msg("%s point %zu series %d: incremental %.17g, batch "
                         "%.17g",
                         zl_spc_chart_name(t), i, k, got, want);
        }
    for (size_t i = 0; i < ng; i++) {
        if (f0[i] != r.s[0].flags[i] ||
            (r.n_series > 1 && f1[i] != r.s[1].flags[i]))
            fail_msg("%s point %zu: incremental flags %x/%x, batch %x/%x",
                     zl_spc_chart_name(t), i, f0[i], f1[i], r.s[0].flags[i],
                     r.n_series > 1 ? r.s[1].flags[i] : 0);
    }
    for (size_t j = 0; j < r.n_v; j++) {
        w[j].rule = r.v[j].rule;
        w[j].chart = r.v[j].chart;
        w[j].first = (int64_t)r.v[j].first;
        w[j].last = (int64_t)r.v[j].last;
    }
    qsort(v, nv, sizeof *v, viol_cmp);
    qsort(w, r.n_v, sizeof *w, viol_cmp);
    for (size_t j = 0; j < nv && j < r.n_v; j++)
        if (memcmp(&v[j], &w[j], sizeof v[j]))
            fail_msg("%s violation %zu: incremental %s chart %d %lld..%lld, "
                     "batch %s chart %d %lld..%lld",
                     zl_spc_chart_name(t), j, zl_spc_rule_name(v[j].rule),
                     v[j].chart, (long long)v[j].first, (long long)v[j].last,
                     zl_spc_rule_name(w[j].rule), w[j].chart,
                     (long long)w[j].first, (long long)w[j].last);
    if (nv != r.n_v)
        fail_msg("%s: %zu violations incrementally, %zu in the batch",
                 zl_spc_chart_name(t), nv, r.n_v);
    zl_spc_result_cleanup(&r);
    free(f0);
    free(f1);
    free(s0);
    free(s1);
    free(lims);
    free(sz);
    free(v);
    free(w);
}

static void agree(enum zl_spc_chart t, int n, double center, double sigma,
                  const double *x, size_t nx, unsigned mask)
{
    agree_ex(t, n, center, sigma, 0, 0, x, NULL, nx, mask);
}

static void test_agrees_with_batch(void **state)
{
    size_t n = 3000, total_points = 0;
    double *x = calloc(n, sizeof *x);
    const unsigned masks[] = {ZL_SPC_RULES_NELSON, ZL_SPC_RULES_WE,
                              ZL_SPC_RULES_NELSON | ZL_SPC_RULES_WE,
                              ZL_SPC_NELSON2 | ZL_SPC_NELSON7};

    (void)state;
    for (int round = 0; round < 60; round++) {
        unsigned mask = masks[round % 4];

        make_series(x, n);
        agree(ZL_SPC_IMR, 1, 0, 1, x, n, mask);
        agree(ZL_SPC_XBAR_R, 5, 0, 1, x, n, mask);
        agree(ZL_SPC_XBAR_S, 4, 0, 1, x, n, mask);
        agree(ZL_SPC_XBAR_R, 2, 0.1, 1.3, x, n, mask);
        total_points += n + n / 5 + n / 4 + n / 2;
        /* EWMA and CUSUM (limits only, whatever mask says); the shifts
         * of make_series are what they are for */
        agree_ex(ZL_SPC_EWMA, 1, 0, 1, 0.2, 2.962, x, NULL, n, mask);
        agree_ex(ZL_SPC_EWMA, 4, 0.05, 0.9, 0.5, 3.071, x, NULL, n, mask);
        agree_ex(ZL_SPC_EWMA, 1, 0, 1, 1, 3, x, NULL, n, mask);
        agree_ex(ZL_SPC_CUSUM, 1, 0, 1, 0.5, 4, x, NULL, n, mask);
        agree_ex(ZL_SPC_CUSUM, 5, -0.1, 1.1, 0.25, 8.01, x, NULL, n, mask);
        total_points += 2 * n + n / 4 + n / 5;
        /* attributes: counts of a sample of 50 with p 0.1, shifted */
        for (size_t i = 0; i < n; i++) {
            double p = x[i] > 1.2 ? 0.2 : 0.1, k = 0;

            for (int j = 0; j < 50; j++)
                k += unif() < p;
            x[i] = k;
        }
        agree(ZL_SPC_P, 50, 0.1, 0, x, n, mask);
        agree(ZL_SPC_NP, 50, 0.1, 0, x, n, mask);
        /* p, np and u with a sample size per point (the limits then vary
         * as the batch chart's do) */
        {
            uint32_t *psz = calloc(n, sizeof *psz);

            for (size_t i = 0; i < n; i++) {
                double p = (i / 97) % 5 == 0 ? 0.2 : 0.1, k = 0;

                psz[i] = unif() < 0.3 ? 50 : 20 + (uint32_t)(unif() * 200);
                for (uint32_t j = 0; j < psz[i]; j++)
                    k += unif() < p;
                x[i] = k;
            }
            agree_ex(ZL_SPC_P, 50, 0.1, 0, 0, 0, x, psz, n, mask);
            agree_ex(ZL_SPC_NP, 50, 0.1, 0, 0, 0, x, psz, n, mask);
            for (size_t i = 0; i < n; i++)
                x[i] = poisson((i % 300 < 30 ? 2.5 : 1.3) * psz[i] / 50.0);
            agree_ex(ZL_SPC_U, 50, 1.3 / 50, 0, 0, 0, x, psz, n, mask);
            free(psz);
        }
        for (size_t i = 0; i < n; i++)
            x[i] = poisson(i % 200 < 20 ? 8 : 4);
        agree(ZL_SPC_C, 1, 4, 0, x, n, mask);
        agree(ZL_SPC_U, 3, 4.0 / 3, 0, x, n, mask);
    }
    assert_true(total_points > 100000);
    free(x);
}

/* Known answers by hand: limits of I-MR at center 10, sigma 0.1 (UCL
 * 10.3, MR UCL D4 d2 sigma = 3.267 * 0.1128), and where each rule fires. */
static void test_known_answers(void **state)
{
    struct zl_spc_limits lim;
    struct zl_spc_check c;
    struct zl_spc_point pt;
    struct zl_error err = {0};
    double nine[10] = {10.05, 10.05, 10.05, 10.05, 10.05,
                       10.05, 10.05, 10.05, 10.05, 10.05};

    (void)state;
    assert_int_equal(zl_spc_limits_fixed(ZL_SPC_IMR, 1, 10, 0.1, 0, &lim, &err),
                     0);
    assert_true(fabs(lim.ucl[0] - 10.3) < 1e-12);
    assert_true(fabs(lim.lcl[0] - 9.7) < 1e-12);
    assert_true(fabs(lim.cl[1] - 0.112838) < 1e-6);
    assert_true(fabs(lim.ucl[1] - 0.368588) < 1e-5);
    zl_spc_check_init(&c, &lim, ZL_SPC_NELSON2);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(zl_spc_check_push(&c, nine[i], &pt), 1);
        /* nine in a row above the centre: fires at the 9th point (8);
         * the moving ranges (all 0) are nine below theirs one later */
        assert_int_equal(pt.flags[0], i >= 8 ? ZL_SPC_NELSON2 : 0);
        assert_int_equal(pt.flags[1], i >= 9 ? ZL_SPC_NELSON2 : 0);
        if (i == 8) {
            assert_int_equal(pt.fired[0].rule, ZL_SPC_NELSON2);
            assert_int_equal(pt.fired[0].first, 0);
            assert_true(pt.fired[0].is_new);
        }
        if (i == 9)
            assert_false(pt.fired[0].is_new); /* the same violation */
    }
    /* bad input leaves the state alone */
    assert_int_equal(zl_spc_check_push(&c, NAN, &pt), ZL_EINVAL);
    assert_int_equal(c.n_values, 10);
    assert_int_not_equal(
        zl_spc_limits_fixed_ex(ZL_SPC_EWMA, 1, 0, 1, 0, 1.5, 3, &lim, &err), 0);
    assert_int_not_equal(
        zl_spc_limits_fixed_ex(ZL_SPC_CUSUM, 1, 0, 0, 0, 0.5, 4, &lim, &err),
        0);
    assert_int_not_equal(
        zl_spc_limits_fixed(ZL_SPC_P, 50, 1.5, 0, 0, &lim, &err), 0);
    assert_int_equal(zl_spc_check_load(&c, "zlck1 1 2", 9), ZL_EINVAL);
}

/* ---- on a store ------------------------------------------------------------
 */

static int count_cb(void *ctx, const struct zl_spc_alarm *a)
{
    size_t *n = ctx;

    (void)a;
    (*n)++;
    return 0;
}

static int tamper_cb(void *ctx, const struct zl_audit_issue *is)
{
    char *out = ctx;

    snprintf(out, 256, "%s %s", is->kind, is->record_key ? is->record_key : "");
    return 0;
}

static void add_party(zl_store *s, const char *gln)
{
    struct zl_party p;
    struct zl_error err = {0};
    const char *g[1] = {gln};

    memset(&p, 0, sizeof p);
    p.name_zh = "工厂";
    p.glns = g;
    p.n_glns = 1;
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
}

static void test_store(void **state)
{
    struct fixture *f = *state;
    struct zl_spc_stream_def d;
    struct zl_spc_stream st;
    struct zl_spc_append_result res;
    struct zl_error err = {0};
    struct zl_spc_meas m[12];
    uint64_t size0, size1;
    size_t n_alarms = 0;
    char issue[256] = "", sql[300];

    add_party(f->s, "0614141000005");
    add_party(f->s, "4012345000009");
    memset(&d, 0, sizeof d);
    d.name = "bore";
    d.characteristic = "bore diameter";
    d.unit = "mm";
    d.chart = ZL_SPC_IMR;
    d.n = 1;
    d.center = 10;
    d.sigma = 0.1;
    d.rules = ZL_SPC_RULES_NELSON;
    d.owner = "gln:0614141000005";
    d.code = "(01)09506000134352(10)LOT1";
    assert_int_equal(zl_spc_stream_create(f->s, &d, &err), 0);
    assert_int_equal(zl_spc_stream_create(f->s, &d, &err), ZL_EEXIST);
    d.name = "bad name";
    assert_int_equal(zl_spc_stream_create(f->s, &d, &err), ZL_EINVAL);
    d.name = "x";
    d.owner = "gln:0000000000000";
    assert_int_not_equal(zl_spc_stream_create(f->s, &d, &err), 0);

    assert_int_equal(zl_spc_stream_get(f->s, "bore", &st), 0);
    assert_string_equal(st.def.code,
                        "https://id.gs1.org/01/09506000134352/10/LOT1");
    assert_string_equal(st.def.owner, "gln:0614141000005");
    assert_true(fabs(st.lim.ucl[0] - 10.3) < 1e-12);
    zl_spc_stream_cleanup(&st);
    assert_int_equal(zl_spc_stream_get(f->s, "nope", &st), ZL_ENOTFOUND);

    memset(m, 0, sizeof m);
    for (int i = 0; i < 12; i++)
        m[i].value = 10 + (i == 5 ? 0.5 : 0.01 * (i % 3));
    m[5].code = "urn:epc:class:lgtin:4012345.012345.LOT9";
    m[5].oper = "王工";
    /* only the owner appends */
    assert_int_equal(zl_spc_append(f->s, "bore", "gln:4012345000009", m, 12,
                                   &res, NULL, NULL, &err),
                     ZL_EPERM);
    assert_int_equal(zl_spc_append(f->s, "bore", "gln:0614141000005", m, 12,
                                   &res, count_cb, &n_alarms, &err),
                     0);
    assert_int_equal(res.n, 12);
    assert_int_equal(res.first_seq, 1);
    assert_true(res.alarms >= 1);
    assert_int_equal(n_alarms, (size_t)res.alarms);

    /* bad input stores nothing: not a leaf, not a row */
    assert_int_equal(zl_log_size(f->s, &size0), 0);
    m[7].value = NAN;
    assert_int_equal(
        zl_spc_append(f->s, "bore", NULL, m, 12, &res, NULL, NULL, &err),
        ZL_EINVAL);
    assert_string_equal(err.path, "measurements[7]");
    m[7].value = 10;
    m[3].code = "(01)09506000134353";
    assert_int_equal(
        zl_spc_append(f->s, "bore", NULL, m, 12, &res, NULL, NULL, &err),
        ZL_EINVAL);
    assert_int_equal(zl_log_size(f->s, &size1), 0);
    assert_true(size0 == size1);
    assert_int_equal(zl_spc_stream_get(f->s, "bore", &st), 0);
    assert_int_equal(st.n_values, 12);
    assert_int_equal(st.n_batches, 1);
    zl_spc_stream_cleanup(&st);

    /* a second batch continues the same series */
    m[3].code = NULL;
    assert_int_equal(
        zl_spc_append(f->s, "bore", NULL, m, 12, &res, NULL, NULL, &err), 0);
    assert_int_equal(res.first_seq, 13);
    n_alarms = 0;
    assert_int_equal(zl_spc_alarms(f->s, "bore", 0, 0, count_cb, &n_alarms), 0);
    assert_true(n_alarms >= 2);
    n_alarms = 0;
    assert_int_equal(zl_spc_alarms(f->s, NULL, 1, 1, count_cb, &n_alarms), 0);
    assert_int_equal(n_alarms, 1);

    /* the stored series as a chart flags the same points */
    {
        struct zl_spc_result r;

        assert_int_equal(zl_spc_stream_chart(f->s, "bore", 0, &r, &err), 0);
        assert_int_equal(r.n_groups, 24);
        assert_true(r.s[0].flags[5] & ZL_SPC_NELSON1);
        assert_true(r.s[0].flags[17] & ZL_SPC_NELSON1);
        zl_spc_result_cleanup(&r);
        /* the last 10 points: measurements 15..24, the jump at 18 */
        assert_int_equal(zl_spc_stream_chart(f->s, "bore", 10, &r, &err), 0);
        assert_int_equal(r.n_groups, 10);
        assert_true(r.s[0].flags[3] & ZL_SPC_NELSON1);
        zl_spc_result_cleanup(&r);
    }

    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* an edited alarm is caught */
    snprintf(sql, sizeof sql,
             "UPDATE spc_records SET json = replace(json, '\"nelson1\"',"
             " '\"nelson2\"') WHERE kind = 'alarm' AND seq = 1");
    assert_true(fixture_sql_changes(f->s, sql) == 1);
    assert_int_equal(zl_audit_verify(f->s, tamper_cb, issue, NULL), ZL_ETAMPER);
    assert_non_null(strstr(issue, "spc:bore:alarm:1"));
    snprintf(sql, sizeof sql,
             "UPDATE spc_records SET json = replace(json, '\"nelson2\"',"
             " '\"nelson1\"') WHERE kind = 'alarm' AND seq = 1");
    assert_true(fixture_sql_changes(f->s, sql) == 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* so is an edited measurement, through its batch's digest */
    snprintf(sql, sizeof sql,
             "UPDATE spc_points SET value = 10 WHERE stream = 'bore' AND "
             "seq = 6");
    assert_true(fixture_sql_changes(f->s, sql) == 1);
    issue[0] = '\0';
    assert_int_equal(zl_audit_verify(f->s, tamper_cb, issue, NULL), ZL_ETAMPER);
    assert_non_null(strstr(issue, "spc:bore:batch:1"));
}

static void test_attributes_store(void **state)
{
    struct fixture *f = *state;
    struct zl_spc_stream_def d;
    struct zl_spc_append_result res;
    struct zl_error err = {0};
    struct zl_spc_meas m[3] = {
        {2, 0, NULL, NULL, 0}, {51, 0, NULL, NULL, 0}, {3, 0, NULL, NULL, 0}};

    memset(&d, 0, sizeof d);
    d.name = "solder";
    d.characteristic = "defective joints";
    d.chart = ZL_SPC_NP;
    d.n = 50;
    d.center = 0.05;
    d.rules = ZL_SPC_RULES_WE;
    assert_int_equal(zl_spc_stream_create(f->s, &d, &err), 0);
    /* 51 of 50 inspected: refused, nothing stored */
    assert_int_equal(
        zl_spc_append(f->s, "solder", NULL, m, 3, &res, NULL, NULL, &err),
        ZL_EINVAL);
    m[1].value = 15;
    assert_int_equal(
        zl_spc_append(f->s, "solder", NULL, m, 3, &res, NULL, NULL, &err), 0);
    assert_int_equal(res.points, 3);
    assert_int_equal(res.alarms, 1); /* 15 > UCL 7.1 */
    assert_int_equal(zl_spc_append(f->s, "solder", "gln:0614141000005", m, 3,
                                   &res, NULL, NULL, &err),
                     ZL_EPERM); /* no owner: local only */
}

/* Alarms' JSON, concatenated, for strstr. */
static int collect_cb(void *ctx, const struct zl_spc_alarm *a)
{
    struct zl_buf *b = ctx;

    return zl_buf_add(b, a->json, a->len) || zl_buf_addc(b, '\n') ? 1 : 0;
}

static int size_cb(void *ctx, const struct zl_spc_stored *m)
{
    int64_t *out = ctx;

    out[m->seq - 1] = m->size;
    return 0;
}

/* EWMA and CUSUM streams, codes of every measurement of the point, limit
 * revisions, a sample size per measurement; verify over all of it. */
static void test_smooth_store(void **state)
{
    struct fixture *f = *state;
    struct zl_spc_stream_def d;
    struct zl_spc_stream st;
    struct zl_spc_append_result res;
    struct zl_spc_revision rv;
    struct zl_error err = {0};
    struct zl_spc_meas m[30];
    struct zl_buf b;
    int64_t ver = 0, sizes[8] = {0};
    size_t n = 0;
    char issue[256] = "", sql[300];

    zl_buf_init(&b, 1 << 20);
    memset(&d, 0, sizeof d);
    d.name = "fill";
    d.characteristic = "fill volume";
    d.chart = ZL_SPC_EWMA;
    d.n = 1;
    d.center = 500;
    d.sigma = 2;
    d.a = 0.2;
    d.b = 2.962;
    d.rules = ZL_SPC_RULES_NELSON;
    assert_int_equal(zl_spc_stream_create(f->s, &d, &err), 0);
    assert_int_equal(zl_spc_stream_get(f->s, "fill", &st), 0);
    assert_true(st.lim.lambda == 0.2 && st.lim.L == 2.962);
    /* steady state: 500 + 2.962 * 2 * sqrt(0.2 / 1.8) */
    assert_true(fabs(st.lim.ucl[0] - (500 + 2.962 * 2 / 3)) < 1e-9);
    assert_int_equal(st.def.rules, ZL_SPC_NELSON1);
    assert_int_equal(st.limits_version, 1);
    zl_spc_stream_cleanup(&st);
    /* 20 on target, then a 1.5 sigma shift a Shewhart chart misses (no
     * value beyond 500 +- 6) and the EWMA sees */
    memset(m, 0, sizeof m);
    for (int i = 0; i < 30; i++)
        m[i].value = i < 20 ? 500 : 503;
    assert_int_equal(
        zl_spc_append(f->s, "fill", NULL, m, 30, &res, NULL, NULL, &err), 0);
    assert_int_equal(res.alarms, 1);
    assert_int_equal(zl_spc_alarms(f->s, "fill", 0, 0, collect_cb, &b), 0);
    assert_int_equal(zl_buf_addc(&b, '\0'), 0);
    assert_non_null(strstr((char *)b.data, "\"rule\":\"EWMA above UCL\""));
    assert_non_null(strstr((char *)b.data, "\"limits_version\":1"));
    assert_non_null(strstr((char *)b.data, "指数加权移动平均"));
    b.len = 0;

    /* revise: a reason is required; given values, then Phase I */
    memset(&rv, 0, sizeof rv);
    rv.center = 503;
    rv.sigma = 2;
    assert_int_equal(zl_spc_stream_revise(f->s, "fill", NULL, &rv, &ver, &err),
                     ZL_EINVAL);
    rv.reason = "new filler head fitted, target 503 mL";
    assert_int_equal(zl_spc_stream_revise(f->s, "fill", "gln:0614141000005",
                                          &rv, &ver, &err),
                     ZL_EPERM);
    assert_int_equal(zl_spc_stream_revise(f->s, "fill", NULL, &rv, &ver, &err),
                     0);
    assert_int_equal(ver, 2);
    assert_int_equal(zl_spc_stream_get(f->s, "fill", &st), 0);
    assert_int_equal(st.limits_version, 2);
    assert_true(st.lim.center == 503);
    zl_spc_stream_cleanup(&st);
    /* on the new target nothing fires; a drop below it does */
    for (int i = 0; i < 30; i++)
        m[i].value = i < 20 ? 503 : 499;
    assert_int_equal(
        zl_spc_append(f->s, "fill", NULL, m, 30, &res, NULL, NULL, &err), 0);
    assert_int_equal(res.alarms, 1);
    assert_int_equal(zl_spc_alarms(f->s, "fill", 1, 0, collect_cb, &b), 0);
    assert_int_equal(zl_buf_addc(&b, '\0'), 0);
    assert_non_null(strstr((char *)b.data, "\"rule\":\"EWMA below LCL\""));
    assert_non_null(strstr((char *)b.data, "\"limits_version\":2"));
    b.len = 0;
    /* Phase I over points 31..50 of its own data: mean 503, and sigma by
     * moving ranges: 0 (all equal), so it is refused with a reason */
    memset(&rv, 0, sizeof rv);
    rv.reason = "re-estimated after the head change";
    rv.from = 31;
    rv.to = 50;
    assert_int_equal(zl_spc_stream_revise(f->s, "fill", NULL, &rv, &ver, &err),
                     ZL_EINVAL);
    rv.to = 60; /* 31..60: includes the drop, sigma > 0 */
    assert_int_equal(zl_spc_stream_revise(f->s, "fill", NULL, &rv, &ver, &err),
                     0);
    assert_int_equal(ver, 3);
    assert_int_equal(zl_spc_stream_get(f->s, "fill", &st), 0);
    assert_true(fabs(st.lim.center - (20 * 503 + 10 * 499) / 30.0) < 1e-9);
    /* one moving range of 4 in 29: sigma 4 / 29 / d2(2) */
    assert_true(fabs(st.lim.sigma - 4.0 / 29 / 1.128379167) < 1e-6);
    zl_spc_stream_cleanup(&st);
    rv.from = 50;
    rv.to = 61; /* beyond the data */
    assert_int_equal(zl_spc_stream_revise(f->s, "fill", NULL, &rv, &ver, &err),
                     ZL_EINVAL);
    assert_int_equal(zl_spc_limits_history(f->s, "fill", count_cb, &n), 0);
    assert_int_equal(n, 3);

    /* CUSUM on subgroups of 4: the point that fires spans two calls, and
     * the alarm names the codes of all four measurements */
    memset(&d, 0, sizeof d);
    d.name = "shaft";
    d.characteristic = "shaft diameter";
    d.chart = ZL_SPC_CUSUM;
    d.n = 4;
    d.center = 0;
    d.sigma = 1;
    d.rules = ZL_SPC_RULES_WE;
    assert_int_equal(zl_spc_stream_create(f->s, &d, &err), 0);
    memset(m, 0, sizeof m);
    for (int i = 0; i < 4; i++)
        m[i].value = 3;
    m[0].code = m[1].code = "(01)09506000134352(10)A1";
    assert_int_equal(
        zl_spc_append(f->s, "shaft", NULL, m, 2, &res, NULL, NULL, &err), 0);
    assert_int_equal(res.points, 0);
    m[2].code = "(01)09506000134352(10)B2";
    m[3].code = "(01)09506000134352(10)C3";
    assert_int_equal(
        zl_spc_append(f->s, "shaft", NULL, m + 2, 2, &res, NULL, NULL, &err),
        0);
    assert_int_equal(res.points, 1);
    /* mean 3, sigma of a mean 1/2: z = 6, C+ = 6 - 0.5 > h = 4 */
    assert_int_equal(res.alarms, 1);
    assert_int_equal(zl_spc_alarms(f->s, "shaft", 0, 0, collect_cb, &b), 0);
    assert_int_equal(zl_buf_addc(&b, '\0'), 0);
    assert_non_null(strstr((char *)b.data, "\"rule\":\"CUSUM upper\""));
    assert_non_null(strstr((char *)b.data,
                           "\"codes\":[\"https://id.gs1.org/01/"
                           "09506000134352/10/A1\",\"https://id.gs1.org/"
                           "01/09506000134352/10/B2\",\"https://"
                           "id.gs1.org/01/09506000134352/10/C3\"]"));
    b.len = 0;

    /* p with a sample size per measurement: 40 of 200 is beyond the limit
     * at n = 200 (0.164) though within the stream's n = 50 one (0.227) */
    memset(&d, 0, sizeof d);
    d.name = "caps";
    d.characteristic = "misapplied caps";
    d.chart = ZL_SPC_P;
    d.n = 50;
    d.center = 0.1;
    d.rules = ZL_SPC_NELSON1;
    assert_int_equal(zl_spc_stream_create(f->s, &d, &err), 0);
    memset(m, 0, sizeof m);
    m[0].value = 5;
    m[1].value = 40;
    m[1].size = 200;
    m[2].value = 11;
    m[2].size = 50;
    m[3].value = 60; /* of 50: refused */
    assert_int_equal(
        zl_spc_append(f->s, "caps", NULL, m, 4, &res, NULL, NULL, &err),
        ZL_EINVAL);
    assert_string_equal(err.path, "measurements[3]");
    m[3].size = 100;
    assert_int_equal(
        zl_spc_append(f->s, "caps", NULL, m, 4, &res, NULL, NULL, &err), 0);
    assert_int_equal(res.alarms, 2); /* 40/200 and 60/100 */
    assert_int_equal(zl_spc_measurements(f->s, "caps", 1, 0, size_cb, sizes),
                     0);
    assert_true(sizes[0] == 0 && sizes[1] == 200 && sizes[2] == 0 &&
                sizes[3] == 100);
    assert_int_equal(zl_spc_alarms(f->s, "caps", 0, 0, collect_cb, &b), 0);
    assert_int_equal(zl_buf_addc(&b, '\0'), 0);
    assert_non_null(strstr((char *)b.data, "\"sample_size\":200"));
    b.len = 0;
    {
        struct zl_spc_result r;

        assert_int_equal(zl_spc_stream_chart(f->s, "caps", 0, &r, &err), 0);
        assert_true(r.s[0].varying);
        assert_true(r.s[0].flags[1] & ZL_SPC_NELSON1);
        assert_false(r.s[0].flags[2] & ZL_SPC_NELSON1);
        zl_spc_result_cleanup(&r);
    }
    /* a sample size on a stream that takes none */
    m[0].size = 5;
    assert_int_equal(
        zl_spc_append(f->s, "shaft", NULL, m, 1, &res, NULL, NULL, &err),
        ZL_EINVAL);

    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* an edited limits version is caught */
    snprintf(sql, sizeof sql,
             "UPDATE spc_records SET json = replace(json, '\"center\":503',"
             " '\"center\":504') WHERE kind = 'limits' AND seq = 2");
    assert_true(fixture_sql_changes(f->s, sql) == 1);
    assert_int_equal(zl_audit_verify(f->s, tamper_cb, issue, NULL), ZL_ETAMPER);
    assert_non_null(strstr(issue, "spc:fill:limits:2"));
    snprintf(sql, sizeof sql,
             "UPDATE spc_records SET json = replace(json, '\"center\":504',"
             " '\"center\":503') WHERE kind = 'limits' AND seq = 2");
    assert_true(fixture_sql_changes(f->s, sql) == 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* so is an edited sample size */
    snprintf(sql, sizeof sql,
             "UPDATE spc_points SET n = 400 WHERE stream = 'caps' AND seq = 2");
    assert_true(fixture_sql_changes(f->s, sql) == 1);
    issue[0] = '\0';
    assert_int_equal(zl_audit_verify(f->s, tamper_cb, issue, NULL), ZL_ETAMPER);
    assert_non_null(strstr(issue, "spc:caps:batch:1"));
    zl_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_agrees_with_batch),
        cmocka_unit_test_setup_teardown(test_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attributes_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smooth_store, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
