/*
 * test_sampling.c - GB/T 2828.1 plans against the corpus in
 * tests/conformance/gbt2828 (material we did not write): every cell of
 * Tables 2-A, 2-B and 2-C, reached through Table 1 as a user reaches it,
 * must give the corpus's resolved plan, and the ANSI Z1.4 copy's plan
 * where the corpus marks the two as agreeing. The OC function is checked
 * against the binomial and Poisson sums computed term by term here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "read_file.h"

#include "zhiliang/sampling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS ZL_SOURCE_ROOT "/tests/conformance/gbt2828/"

/* For each letter, a lot size and level that Table 1 maps to it. */
struct reach {
    uint64_t lot;
    enum zl_insp_level lv;
    int found;
};

static void reachable(struct reach r[26])
{
    char *t = slurp(CORPUS "table1_code_letters.csv", NULL), *line, *save;
    int first = 1;

    assert_non_null(t);
    memset(r, 0, 26 * sizeof *r);
    for (line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[9], *p = line;
        int i;

        if (first) {
            first = 0;
            continue;
        }
        for (i = 0; i < 9; i++) {
            f[i] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = '\0';
            else
                break;
        }
        assert_int_equal(i, 8);
        for (i = 0; i < 7; i++) {
            int L = f[2 + i][0] - 'A';

            if (!r[L].found) {
                /* the range's largest lot (or 10^6) keeps n below it */
                r[L].lot = *f[1] ? strtoull(f[1], NULL, 10) : 1000000;
                r[L].lv = (enum zl_insp_level)i;
                r[L].found = 1;
            }
        }
    }
    free(t);
}

static int check_table(const char *file, enum zl_severity sev)
{
    struct reach r[26];
    char path[512], *t, *line, *save;
    int cells = 0, first = 1;

    reachable(r);
    snprintf(path, sizeof path, CORPUS "%s", file);
    t = slurp(path, NULL);
    assert_non_null(t);
    for (line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[10], *p = line;
        struct zl_sampling_plan pl;
        struct zl_error err = {0};
        int i, rc, L;

        if (first) {
            first = 0;
            continue;
        }
        for (i = 0; i < 10 && p; i++) {
            f[i] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = '\0';
        }
        assert_int_equal(i, 10);
        L = f[0][0] - 'A';
        if (L < 0 || L >= 26 || !r[L].found)
            continue; /* letter S of 2-B: reached only through arrows */
        rc = zl_sampling_plan(r[L].lot, r[L].lv, strtod(f[2], NULL), sev, &pl,
                              &err);
        if (!*f[4]) {
            assert_int_equal(rc, ZL_ENOTFOUND);
        } else {
            uint32_t n = (uint32_t)strtoul(f[5], NULL, 10);

            if (rc)
                fail_msg("%s %s %s: %s", file, f[0], f[2], err.rule);
            assert_int_equal(pl.code_letter, f[0][0]);
            assert_string_equal(pl.aql_text, f[2]);
            assert_int_equal(pl.plan_letter, f[4][0]);
            assert_int_equal(pl.hundred_percent, n >= r[L].lot);
            assert_int_equal(pl.n, n >= r[L].lot ? r[L].lot : n);
            assert_int_equal(pl.ac, strtoul(f[6], NULL, 10));
            assert_int_equal(pl.re, strtoul(f[7], NULL, 10));
            if (!strcmp(f[9], "yes")) {
                char z[32];

                snprintf(z, sizeof z, "%s/%u/%u", f[5], pl.ac, pl.re);
                assert_string_equal(z, f[8]);
            }
        }
        cells++;
    }
    free(t);
    return cells;
}

static void test_normal(void **state)
{
    (void)state;
    assert_int_equal(check_table("table2a_normal.csv", ZL_INSP_NORMAL), 416);
}

static void test_tightened(void **state)
{
    (void)state;
    /* 16 letters reachable from Table 1; S only through arrows */
    assert_int_equal(check_table("table2b_tightened.csv", ZL_INSP_TIGHTENED),
                     416);
}

static void test_reduced(void **state)
{
    (void)state;
    assert_int_equal(check_table("table2c_reduced.csv", ZL_INSP_REDUCED), 416);
}

static void test_inputs(void **state)
{
    struct zl_sampling_plan p;
    struct zl_error err = {0};
    enum zl_insp_level lv;

    (void)state;
    assert_int_equal(zl_sampling_level_parse("ii", &lv), 0);
    assert_int_equal(lv, ZL_LEVEL_II);
    assert_int_equal(zl_sampling_level_parse("S3", &lv), 0);
    assert_int_equal(lv, ZL_LEVEL_S3);
    assert_int_equal(zl_sampling_level_parse("S-5", &lv), ZL_EINVAL);
    assert_string_equal(zl_sampling_level_name(ZL_LEVEL_S4), "S-4");
    /* An AQL that is not a column names its neighbours. */
    assert_int_equal(
        zl_sampling_plan(1000, ZL_LEVEL_II, 1.2, ZL_INSP_NORMAL, &p, &err),
        ZL_EINVAL);
    assert_non_null(strstr(err.rule, "1.0 and 1.5"));
    assert_int_equal(
        zl_sampling_plan(1, ZL_LEVEL_II, 1.0, ZL_INSP_NORMAL, &p, &err),
        ZL_EINVAL);
    /* The open-ended last range of Table 1. */
    assert_int_equal(zl_sampling_plan(UINT64_C(5000000000), ZL_LEVEL_III, 1.0,
                                      ZL_INSP_NORMAL, &p, &err),
                     0);
    assert_int_equal(p.code_letter, 'R');
}

/* Term-by-term sums, written differently from the library's log form. */
static double binom_pa(uint32_t n, uint32_t ac, double pr)
{
    double sum = 0, c = 1;

    for (uint32_t d = 0; d <= ac; d++) {
        sum += c * pow(pr, d) * pow(1 - pr, n - d);
        c = c * (n - d) / (d + 1);
    }
    return sum;
}

static void test_oc(void **state)
{
    struct zl_sampling_plan p;
    struct zl_error err = {0};
    double q;

    (void)state;
    assert_int_equal(
        zl_sampling_plan(1000, ZL_LEVEL_II, 1.0, ZL_INSP_NORMAL, &p, &err), 0);
    for (q = 0.5; q <= 20; q += 0.5) {
        double mu = p.n * q / 100, pois = 0, t = exp(-mu);

        assert_true(fabs(zl_sampling_pa(&p, q, 0) -
                         binom_pa(p.n, p.ac, q / 100)) < 1e-9);
        for (uint32_t d = 0; d <= p.ac; d++, t *= mu / d)
            pois += t;
        assert_true(fabs(zl_sampling_pa(&p, q, 1) - pois) < 1e-12);
    }
    assert_true(zl_sampling_pa(&p, 0, 0) == 1);
    assert_true(zl_sampling_pa(&p, 100, 0) == 0);
    /* Monotone: worse lots are accepted less often. */
    for (q = 0; q < 30; q += 0.25)
        assert_true(zl_sampling_pa(&p, q + 0.25, 0) <=
                    zl_sampling_pa(&p, q, 0) + 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal),  cmocka_unit_test(test_tightened),
        cmocka_unit_test(test_reduced), cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_oc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
