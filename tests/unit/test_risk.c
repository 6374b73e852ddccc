/*
 * test_risk.c - risk signals and the Safety Gate assessment against
 * material we did not write:
 *
 *  - the Farrington detector against R's surveillance package
 *    (farringtonFlexible) on its own salmonella.agona series, every judged
 *    week: expected, upper bound, dispersion and alarm, for the original
 *    method and Noufaily's (tests/conformance/risk, README there);
 *  - the NB CUSUM recursion against the formula of Hoehle and Paul (2008),
 *    computed here independently in long form;
 *  - the risk matrix cell by cell against data/risk/safety_gate_matrix.csv
 *    read by this test's own parser, at both edges of every band, and the
 *    folding-chair example of the RAPEX guidelines (Decision 2010/15/EU
 *    and 2019/417: severity 1, probability 1/50 * 1/10 * 1 = 1/500 in
 *    band "> 1/1 000", low risk).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "read_file.h"

#include "zhiliang/risk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR ZL_SOURCE_ROOT "/tests/conformance/risk/"

static double *agona(size_t *n)
{
    size_t len;
    char *t = slurp(DIR "salmonella_agona.csv", &len), *p;
    double *y = calloc(400, sizeof *y);

    assert_non_null(t);
    *n = 0;
    p = strchr(t, '\n') + 1;
    while (*p) {
        char *comma = strchr(p, ',');

        assert_non_null(comma);
        y[(*n)++] = strtod(comma + 1, &p);
        while (*p == '\n' || *p == '\r')
            p++;
    }
    free(t);
    return y;
}

static void check_r(const char *method, int noufaily)
{
    size_t n, len, checked = 0;
    double *y = agona(&n);
    char *t = slurp(DIR "farrington_agona_b3.csv", &len), *line;
    struct zl_risk_farrington_opts o;
    struct zl_risk_signals s = {0};
    struct zl_error err = {0};

    assert_int_equal(n, 312);
    zl_risk_farrington_defaults(&o, 52, noufaily);
    o.b = 3;
    o.limit54_cases = 0;
    assert_int_equal(zl_risk_farrington(y, n, &o, &s, &err), 0);
    assert_int_equal(s.n, 312 - (52 * 3 + 3));
    for (line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
        char m[16];
        int period, alarm;
        double e, u, phi;
        const struct zl_risk_point *p;

        if (sscanf(line, "%15[^,],%d,%lf,%lf,%lf,%d", m, &period, &e, &u, &phi,
                   &alarm) != 6 ||
            strcmp(m, method) != 0)
            continue;
        p = &s.pts[period - 1 - (52 * 3 + 3)];
        assert_int_equal(p->t, (size_t)period - 1);
        assert_true(fabs(p->expected - e) <= 1e-9 * e);
        assert_true(fabs(p->upper - u) <= 1e-9 * u);
        assert_true(fabs(p->phi - phi) <= 1e-9 * phi);
        assert_int_equal(p->alarm, alarm);
        checked++;
    }
    assert_int_equal(checked, s.n);
    zl_risk_signals_cleanup(&s);
    free(t);
    free(y);
}

static void farrington_delta_vs_r(void **state)
{
    (void)state;
    check_r("delta", 0);
}

static void farrington_nbplugin_vs_r(void **state)
{
    (void)state;
    check_r("nbplugin", 1);
}

static void farrington_rejects(void **state)
{
    double y[200] = {0};
    struct zl_risk_farrington_opts o;
    struct zl_risk_signals s = {0};
    struct zl_error err = {0};

    (void)state;
    zl_risk_farrington_defaults(&o, 52, 0);
    /* 200 weeks are less than 5 years of history */
    assert_int_equal(zl_risk_farrington(y, 200, &o, &s, &err), ZL_EINVAL);
    assert_string_equal(err.path, "series");
    o.b = 3;
    y[170] = -1;
    assert_int_equal(zl_risk_farrington(y, 200, &o, &s, &err), ZL_EINVAL);
    y[170] = 1;
    o.alpha = 1;
    assert_int_equal(zl_risk_farrington(y, 200, &o, &s, &err), ZL_EINVAL);
    assert_null(s.pts);
}

/* Hoehle & Paul (2008), section 2.1: the log-likelihood ratio of one
 * NB(mu0 e^kappa, alpha) against NB(mu0, alpha) observation, written from
 * the NB log density (lgamma terms cancel), summed by the CUSUM recursion
 * S_n = max(0, S_{n-1} + LLR_n), restarted after each alarm. */
static double nb_logdens(double x, double mu, double a)
{
    return lgamma(x + 1 / a) - lgamma(1 / a) - lgamma(x + 1) +
           x * log(a * mu / (1 + a * mu)) - log(1 + a * mu) / a;
}

static void nbcusum_recursion(void **state)
{
    double y[120];
    struct zl_risk_nbcusum_opts o;
    struct zl_risk_signals s = {0};
    struct zl_error err = {0};
    double S = 0;
    size_t alarms = 0;

    (void)state;
    for (int i = 0; i < 120; i++) /* a deterministic series with a rise */
        y[i] = (i * 7 % 5) + (i > 90 ? 6 : 0);
    zl_risk_nbcusum_defaults(&o);
    o.baseline = 60;
    o.alpha = 0.2;
    o.h = 3;
    assert_int_equal(zl_risk_nbcusum(y, 120, &o, &s, &err), 0);
    assert_int_equal(s.n, 60);
    for (size_t i = 0; i < s.n; i++) {
        double mu0 = 2, x = y[60 + i]; /* baseline mean of 0..4 */
        double llr = nb_logdens(x, mu0 * 2, 0.2) - nb_logdens(x, mu0, 0.2);

        S = fmax(0, S + llr);
        assert_true(fabs(s.pts[i].expected - mu0) < 1e-12);
        assert_true(fabs(s.pts[i].score - S) < 1e-9);
        assert_int_equal(s.pts[i].alarm, S > 3);
        if (S > 3) {
            S = 0;
            alarms++;
        }
    }
    assert_true(alarms > 0);
    assert_int_equal(s.n_alarms, alarms);
    zl_risk_signals_cleanup(&s);
}

/* A seasonal mu0 follows a noiseless season exactly (the Poisson GLM of
 * an exact exp(a + b sin + c cos) recovers it), so a series that is its
 * season raises nothing; the same series judged against the baseline's
 * mean alarms at its peaks. Bad models are refused. */
static void nbcusum_season(void **state)
{
    double y[208];
    struct zl_risk_nbcusum_opts o;
    struct zl_risk_signals s = {0};
    struct zl_error err = {0};

    (void)state;
    for (int t = 0; t < 208; t++)
        y[t] = exp(1.5 + 0.8 * sin(2 * M_PI * (t + 1) / 52.0) +
                   0.3 * cos(2 * M_PI * (t + 1) / 52.0));
    zl_risk_nbcusum_defaults(&o);
    o.baseline = 104;
    o.period = 52;
    assert_int_equal(zl_risk_nbcusum(y, 208, &o, &s, &err), 0);
    for (size_t i = 0; i < s.n; i++)
        assert_true(fabs(s.pts[i].expected - y[104 + i]) < 1e-6 * y[104 + i]);
    assert_int_equal(s.n_alarms, 0);
    zl_risk_signals_cleanup(&s);
    o.period = 0;
    assert_int_equal(zl_risk_nbcusum(y, 208, &o, &s, &err), 0);
    assert_true(s.n_alarms > 0);
    zl_risk_signals_cleanup(&s);
    o.period = 1;
    assert_int_equal(zl_risk_nbcusum(y, 208, &o, &s, &err), ZL_EINVAL);
    o.period = 52;
    o.harmonics = 3;
    o.trend = 1;
    o.baseline = 9; /* 8 terms need 10 periods */
    assert_int_equal(zl_risk_nbcusum(y, 208, &o, &s, &err), ZL_EINVAL);
    assert_string_equal(err.path, "baseline");
}

/* ---- the matrix --------------------------------------------------------- */

struct row {
    char band[32];
    double above;
    char lv[4][16];
};

static size_t read_matrix(struct row *rows)
{
    size_t len, n = 0;
    char *t = slurp(ZL_SOURCE_ROOT "/data/risk/safety_gate_matrix.csv", &len);
    char *line, *save = NULL;

    assert_non_null(t);
    line = strtok_r(t, "\n", &save); /* header */
    assert_string_equal(line, "band,above,s1,s2,s3,s4");
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        struct row *r = &rows[n++];

        assert_int_equal(
            sscanf(line, "%31[^,],%lf,%15[^,],%15[^,],%15[^,],%15s", r->band,
                   &r->above, r->lv[0], r->lv[1], r->lv[2], r->lv[3]),
            6);
    }
    free(t);
    return n;
}

static void matrix_cell_by_cell(void **state)
{
    struct row rows[16];
    size_t n = read_matrix(rows);
    struct zl_error err = {0};

    (void)state;
    assert_int_equal(n, 8); /* eight probability bands */
    for (size_t i = 0; i < n; i++) {
        double top = i == 0 ? 1 : rows[i - 1].above;
        /* both edges: just above the lower bound, and the upper bound
         * itself (which belongs to this band: "> 1/10" starts above it) */
        double ps[3] = {rows[i].above > 0 ? rows[i].above * 1.000001 : 1e-12,
                        top, sqrt(fmax(rows[i].above, 1e-9) * top)};

        for (int sev = 1; sev <= 4; sev++)
            for (int k = 0; k < 3; k++) {
                enum zl_risk_level l;
                char band[32];

                assert_int_equal(
                    zl_risk_level(sev, ps[k], &l, band, sizeof band, &err), 0);
                assert_string_equal(zl_risk_level_name(l), rows[i].lv[sev - 1]);
                assert_string_equal(band, rows[i].band);
            }
    }
}

static void folding_chair(void **state)
{
    /* RAPEX guidelines, example 6.1, first scenario: unfolding the chair
     * (1), gripping the seat at the back corner (1/50), finger caught
     * (1/10), minor pinching (1): 1/500, severity 1, Low risk. */
    double steps[] = {1, 1.0 / 50, 1.0 / 10, 1};
    struct zl_risk_scenario sc = {"finger pinched", 1, steps, 4, 0, 0, {0}};
    enum zl_risk_level overall;
    size_t worst;
    struct zl_error err = {0};

    (void)state;
    assert_int_equal(zl_risk_assess(&sc, 1, &overall, &worst, &err), 0);
    assert_true(fabs(sc.probability - 1.0 / 500) < 1e-15);
    assert_string_equal(sc.band, "> 1/1 000");
    assert_int_equal(overall, ZL_RISK_LOW);
    sc.severity = 5;
    assert_int_equal(zl_risk_assess(&sc, 1, &overall, &worst, &err), ZL_EINVAL);
    assert_string_equal(err.path, "scenarios[0].severity");
    sc.severity = 1;
    steps[2] = 0;
    assert_int_equal(zl_risk_assess(&sc, 1, &overall, &worst, &err), ZL_EINVAL);
    assert_string_equal(err.path, "scenarios[0].steps[2]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(farrington_delta_vs_r),
        cmocka_unit_test(farrington_nbplugin_vs_r),
        cmocka_unit_test(farrington_rejects),
        cmocka_unit_test(nbcusum_recursion),
        cmocka_unit_test(nbcusum_season),
        cmocka_unit_test(matrix_cell_by_cell),
        cmocka_unit_test(folding_chair),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
