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
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
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
                        const double *x, size_t n, uint16_t *flags0,
                        uint16_t *flags1, struct viol *v, size_t *nv)
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
        int rc = zl_spc_check_push(&c, x[i], &pt);

        assert_true(rc == 0 || rc == 1);
        if (!rc)
            continue;
        flags0[pt.index] = pt.flags[0];
        flags1[pt.index] = pt.flags[1];
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

static void agree(enum zl_spc_chart t, int n, double center, double sigma,
                  const double *x, size_t nx, unsigned mask)
{
    struct zl_spc_limits lim;
    struct zl_spc_opts o;
    struct zl_spc_result r;
    struct zl_error err = {0};
    size_t ng = t < ZL_SPC_P && t != ZL_SPC_IMR ? nx / (size_t)n : nx, nv = 0;
    uint16_t *f0 = calloc(ng + 1, 2), *f1 = calloc(ng + 1, 2);
    uint32_t *sz = calloc(ng + 1, 4);
    struct viol *v = calloc(ng * 24 + 1, sizeof *v),
                *w = calloc(ng * 24 + 1, sizeof *w);

    assert_int_equal(zl_spc_limits_fixed(t, n, center, sigma, 0, &lim, &err),
                     0);
    run_checker(&lim, mask, x, nx, f0, f1, v, &nv);
    for (size_t i = 0; i < ng; i++)
        sz[i] = (uint32_t)n;
    memset(&o, 0, sizeof o);
    o.chart = t;
    o.fixed_center = 1;
    o.center = center;
    o.fixed_sigma = t < ZL_SPC_P;
    o.sigma = o.fixed_sigma ? sigma : 0;
    o.rules = mask;
    assert_int_equal(
        zl_spc_chart(x, t < ZL_SPC_P && t != ZL_SPC_IMR ? ng * (size_t)n : ng,
                     t == ZL_SPC_IMR ? NULL : sz, ng, &o, &r, &err),
        0);
    /* the limits are the batch chart's */
    for (int k = 0; k < r.n_series; k++) {
        assert_true(lim.ucl[k] == r.s[k].ucl[0]);
        assert_true(lim.lcl[k] == r.s[k].lcl[0]);
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
    free(sz);
    free(v);
    free(w);
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
        /* attributes: counts of a sample of 50 with p 0.1, shifted */
        for (size_t i = 0; i < n; i++) {
            double p = x[i] > 1.2 ? 0.2 : 0.1, k = 0;

            for (int j = 0; j < 50; j++)
                k += unif() < p;
            x[i] = k;
        }
        agree(ZL_SPC_P, 50, 0.1, 0, x, n, mask);
        agree(ZL_SPC_NP, 50, 0.1, 0, x, n, mask);
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
        zl_spc_limits_fixed(ZL_SPC_EWMA, 1, 0, 1, 0, &lim, &err), 0);
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
        {2, 0, NULL, NULL}, {51, 0, NULL, NULL}, {3, 0, NULL, NULL}};

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_agrees_with_batch),
        cmocka_unit_test_setup_teardown(test_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attributes_store, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
