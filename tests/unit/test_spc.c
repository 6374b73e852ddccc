/*
 * test_spc.c - statistical process control against material we did not
 * write: the control chart constants against Montgomery's Appendix VI
 * table, the charts against the worked examples of Montgomery's
 * Introduction to Statistical Quality Control (piston rings, orange juice
 * cans, printed circuit boards; tests/conformance/spc, README there), the
 * EWMA and CUSUM average run lengths against the published tables (Lucas
 * & Saccucci 1990; Montgomery Table 9.3), the distribution functions
 * against R's values, and the run rules against a naive model written
 * from the rules' definitions. R itself is the oracle of
 * tests/integration/spc_r_oracle.sh.
 *
 * Printed precision. The book computes its limits from rounded
 * intermediates (74.001 + 0.577 * 0.023 = 74.014, where full precision
 * gives 74.01453); a printed value is matched when our full-precision
 * value rounds to it, or when our code run on the book's printed
 * intermediates does, and in both cases it must be within one unit of
 * the last printed place. Each check says which way it matched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "test_rng.h"

#include "read_file.h"

#include "zhiliang/buf.h"
#include "zhiliang/spc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS ZL_SOURCE_ROOT "/tests/conformance/spc/"
#define GOLDEN ZL_SOURCE_ROOT "/tests/golden/spc/"

/* data[0..len) must equal the golden file (ZL_UPDATE_GOLDEN=1 rewrites
 * it; look at the picture before committing one). */
static void golden(const char *name, const char *data, size_t len)
{
    char path[512];
    size_t glen = 0, i = 0;
    char *want;

    snprintf(path, sizeof path, GOLDEN "%s", name);
    if (getenv("ZL_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        fclose(f);
    }
    want = slurp(path, &glen);
    assert_non_null(want);
    while (i < len && i < glen && want[i] == data[i])
        i++;
    if (i < len || i < glen)
        fail_msg("%s differs from the golden file at byte %zu: got \"%.80s\"",
                 name, i, data + i);
    free(want);
}

static double round_to(double x, int dec)
{
    double f = pow(10, dec);

    return round(x * f) / f;
}

/* See the file comment: ours (full precision) or book (our code on the
 * book's rounded intermediates) must round to printed. */
static void printed(const char *what, double printed_v, int dec, double ours,
                    double book)
{
    double ulp = pow(10, -dec);
    int full = fabs(round_to(ours, dec) - printed_v) < ulp / 10;
    int chain =
        !isnan(book) && fabs(round_to(book, dec) - printed_v) < ulp / 10;

    printf("# %-28s printed %.*f  ours %.6f  %s\n", what, dec, printed_v, ours,
           full    ? "match"
           : chain ? "match from the book's rounded intermediates"
                   : "MISMATCH");
    assert_true(full || chain);
}

/* ---- constants ---------------------------------------------------------- */

static void test_constants_exact(void **state)
{
    struct zl_spc_constants k;

    (void)state;
    assert_int_equal(zl_spc_constants(2, &k), 0);
    /* n = 2: R = |X1 - X2| ~ |N(0, 2)|: d2 = 2/sqrt(pi), d3^2 = 2 - 4/pi */
    assert_true(fabs(k.d2 - 2 / sqrt(M_PI)) < 1e-9);
    assert_true(fabs(k.d3 - sqrt(2 - 4 / M_PI)) < 1e-9);
    assert_true(fabs(k.c4 - sqrt(2 / M_PI)) < 1e-12);
    /* n = 3: E[R] = 3/sqrt(pi) */
    assert_int_equal(zl_spc_constants(3, &k), 0);
    assert_true(fabs(k.d2 - 3 / sqrt(M_PI)) < 1e-9);
    assert_int_equal(zl_spc_constants(1, &k), ZL_EINVAL);
    assert_int_equal(zl_spc_constants(ZL_SPC_MAX_N + 1, &k), ZL_EINVAL);
}

/* Every constant for n = 2..25 against the printed table. The table's
 * authors rounded d2 and d3 first and computed D3 and D4 from the rounded
 * values, and rounded d3 twice (to 4 places, then 3); so a printed value
 * that is not our value correctly rounded must be what that arithmetic
 * gives, or one of the two entries listed here that nothing explains
 * (both one unit in the last place off). 8 of the 216 cells differ from
 * the correctly rounded value, each by one unit in the last place. */
static void test_constants_table(void **state)
{
    static const struct {
        int n;
        const char *col;
    } known[] = {{18, "D4"}, {24, "D3"}};
    char *t = slurp(CORPUS "constants_montgomery.csv", NULL), *line, *save;
    const char *cols[] = {"A2", "A3", "c4", "B3", "B4", "d2", "d3", "D3", "D4"};
    int rows = 0, cells = 0, by_table = 0, listed_n = 0;

    (void)state;
    assert_non_null(t);
    line = strtok_r(t, "\n", &save); /* header */
    for (line = strtok_r(NULL, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct zl_spc_constants k;
        char *e;
        int n = (int)strtol(line, &e, 10), dec[9];
        double v[9];

        assert_int_equal(zl_spc_constants(n, &k), 0);
        for (int c = 0; c < 9; c++) {
            char *cell = e + 1, *dot = NULL;

            v[c] = strtod(cell, &e);
            for (char *q = cell; q < e; q++)
                if (*q == '.')
                    dot = q;
            dec[c] = dot ? (int)(e - dot - 1) : 0;
        }
        for (int c = 0; c < 9; c++) {
            const double ours[] = {k.A2, k.A3, k.c4, k.B3, k.B4,
                                   k.d2, k.d3, k.D3, k.D4};
            double ulp = pow(10, -dec[c]), chain = NAN;
            int listed = 0;

            cells++;
            if (fabs(round_to(ours[c], dec[c]) - v[c]) < ulp / 10)
                continue;
            /* the table's own arithmetic: D3, D4 from its d2 and d3 */
            if (c == 7)
                chain = fmax(0, 1 - 3 * v[6] / v[5]);
            else if (c == 8)
                chain = 1 + 3 * v[6] / v[5];
            else if (c == 6)
                chain = round_to(k.d3, 4);
            for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
                listed |= known[j].n == n && !strcmp(known[j].col, cols[c]);
            chain = round_to(chain + 1e-12, dec[c]);
            printf("# n=%d %s: table %.*f, computed %.6f: %s\n", n, cols[c],
                   dec[c], v[c], ours[c],
                   fabs(chain - v[c]) < ulp / 10
                       ? "the table's arithmetic on its rounded d2, d3"
                   : listed ? "known, unexplained"
                            : "MISMATCH");
            assert_true(fabs(ours[c] - v[c]) < 1.01 * ulp);
            if (fabs(chain - v[c]) < ulp / 10)
                by_table++;
            else {
                assert_true(listed);
                listed_n++;
            }
        }
        rows++;
    }
    free(t);
    assert_int_equal(rows, 24);
    assert_int_equal(cells, 24 * 9);
    assert_int_equal(by_table, 6);
    assert_int_equal(listed_n, 2);
}

/* ---- distributions ----------------------------------------------------- */

static void test_distributions(void **state)
{
    (void)state;
    /* values from R 4.2: qnorm, pnorm, qchisq, pf, pgamma, pbeta */
    assert_true(fabs(zl_spc_qnorm(0.975) - 1.959963984540054) < 1e-12);
    assert_true(fabs(zl_spc_qnorm(0.00135) - -2.999976992703393) < 1e-12);
    assert_true(fabs(zl_spc_qnorm(1e-12) - -7.034483825301132) < 1e-10);
    assert_true(fabs(zl_spc_pnorm(-3) - 0.00134989803163009) < 1e-15);
    assert_true(fabs(zl_spc_qchisq(0.025, 10) - 3.246973) < 1e-6);
    assert_true(fabs(zl_spc_qchisq(0.975, 124) - 156.7141038296722) < 1e-8);
    assert_true(fabs(zl_spc_pf_upper(3.0, 2, 10) - 0.09536743) < 1e-8);
    assert_true(fabs(zl_spc_pgamma(2.5, 1.3) - 0.2386347) < 1e-7);
    assert_true(fabs(zl_spc_pbeta(0.3, 2, 5) - 0.579825) < 1e-6);
}

/* ---- the textbook charts ------------------------------------------------ */

/* The piston-ring table (wide CSV) as measurements and sizes. */
static size_t load_piston(double *v, uint32_t *sizes)
{
    char *t = slurp(CORPUS "piston_rings.csv", NULL), *line, *save;
    size_t nv = 0, ng = 0;

    assert_non_null(t);
    line = strtok_r(t, "\n", &save);
    for (line = strtok_r(NULL, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *p = strchr(line, ',');

        for (int j = 0; j < 5; j++) {
            v[nv++] = strtod(p + 1, &p);
        }
        sizes[ng++] = 5;
    }
    free(t);
    assert_int_equal(ng, 25);
    return ng;
}

/* Montgomery, Example 6.1 (x-bar and R) and 6.3 (x-bar and s): the
 * process is in control; x-double-bar 74.001, R-bar 0.023, s-bar 0.0094;
 * limits 74.014 and 73.988 (both charts), R chart 0 and 0.049, s chart 0
 * and 0.0196. */
static void test_piston_rings(void **state)
{
    double v[125];
    uint32_t sizes[25];
    struct zl_spc_opts o = {.chart = ZL_SPC_XBAR_R, .rules = ZL_SPC_NELSON1};
    struct zl_spc_result r;
    struct zl_spc_constants k;
    struct zl_error err = {0};

    (void)state;
    load_piston(v, sizes);
    zl_spc_constants(5, &k);
    assert_int_equal(zl_spc_chart(v, 125, sizes, 25, &o, &r, &err), 0);
    printed("x-double-bar", 74.001, 3, r.center, NAN);
    printed("R-bar", 0.023, 3, r.s[1].cl[0], NAN);
    printed("x-bar UCL", 74.014, 3, r.s[0].ucl[0], 74.001 + k.A2 * 0.023);
    printed("x-bar LCL", 73.988, 3, r.s[0].lcl[0], 74.001 - k.A2 * 0.023);
    printed("R UCL", 0.049, 3, r.s[1].ucl[0], k.D4 * 0.023);
    printed("R LCL", 0, 3, r.s[1].lcl[0], NAN);
    assert_int_equal(r.n_v, 0);
    /* sigma-hat = R-bar/d2 = 0.023/2.326 = 0.0099; Cp = 0.10/(6 sigma)
     * = 1.68 with specifications 74.000 +- 0.05 (Section 8.3) */
    printed("sigma-hat (R-bar/d2)", 0.0099, 4, r.sigma, 0.023 / k.d2);
    {
        struct zl_spc_cap_opts co = {.lsl = 73.95,
                                     .usl = 74.05,
                                     .target = NAN,
                                     .sizes = sizes,
                                     .n_groups = 25};
        struct zl_spc_capability c, cb;

        assert_int_equal(zl_spc_capability(v, 125, &co, &c, &err), 0);
        co.sigma_within = round_to(0.023 / k.d2, 4);
        assert_int_equal(zl_spc_capability(v, 125, &co, &cb, &err), 0);
        printed("Cp", 1.68, 2, c.cp.est, cb.cp.est);
        assert_true(fabs(c.sd_within - r.sigma) < 1e-15);
    }
    zl_spc_result_cleanup(&r);

    o.chart = ZL_SPC_XBAR_S;
    assert_int_equal(zl_spc_chart(v, 125, sizes, 25, &o, &r, &err), 0);
    printed("s-bar", 0.0094, 4, r.s[1].cl[0], NAN);
    printed("x-bar UCL (s)", 74.014, 3, r.s[0].ucl[0], 74.001 + k.A3 * 0.0094);
    printed("x-bar LCL (s)", 73.988, 3, r.s[0].lcl[0], 74.001 - k.A3 * 0.0094);
    printed("s UCL", 0.0196, 4, r.s[1].ucl[0], k.B4 * 0.0094);
    printed("s LCL", 0, 4, r.s[1].lcl[0], NAN);
    assert_int_equal(r.n_v, 0);
    zl_spc_result_cleanup(&r);
}

static size_t load_counts(const char *file, double *d, uint32_t *n)
{
    char path[512], *t, *line, *save;
    size_t k = 0;

    snprintf(path, sizeof path, CORPUS "%s", file);
    t = slurp(path, NULL);
    assert_non_null(t);
    line = strtok_r(t, "\n", &save);
    for (line = strtok_r(NULL, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *p = strchr(line, ',');

        d[k] = strtod(p + 1, &p);
        n[k] = *p == ',' ? (uint32_t)strtoul(p + 1, NULL, 10) : 1;
        k++;
    }
    free(t);
    return k;
}

/* Montgomery, Example 7.1 (orange juice concentrate cans, n = 50): trial
 * limits p-bar 0.2313, UCL 0.4102, LCL 0.0524, samples 15 and 23 above
 * the UCL; revised without them p-bar 0.2150, UCL 0.3893, LCL 0.0407. */
static void test_orange_juice(void **state)
{
    double d[30], sd;
    uint32_t n[30];
    struct zl_spc_opts o = {.chart = ZL_SPC_P, .rules = ZL_SPC_NELSON1};
    struct zl_spc_result r;
    struct zl_error err = {0};

    (void)state;
    assert_int_equal(load_counts("orange_juice.csv", d, n), 30);
    assert_int_equal(zl_spc_chart(d, 30, n, 30, &o, &r, &err), 0);
    sd = sqrt(0.2313 * (1 - 0.2313) / 50);
    printed("p-bar (trial)", 0.2313, 4, r.center, NAN);
    printed("p UCL (trial)", 0.4102, 4, r.s[0].ucl[0], 0.2313 + 3 * sd);
    printed("p LCL (trial)", 0.0524, 4, r.s[0].lcl[0], 0.2313 - 3 * sd);
    assert_int_equal(r.n_v, 2);
    assert_int_equal(r.v[0].first, 14);
    assert_int_equal(r.v[1].first, 22);
    zl_spc_result_cleanup(&r);

    o.drop_ooc = 1;
    assert_int_equal(zl_spc_chart(d, 30, n, 30, &o, &r, &err), 0);
    sd = sqrt(0.2150 * (1 - 0.2150) / 50);
    printed("p-bar (revised)", 0.2150, 4, r.center, NAN);
    printed("p UCL (revised)", 0.3893, 4, r.s[0].ucl[0], 0.2150 + 3 * sd);
    printed("p LCL (revised)", 0.0407, 4, r.s[0].lcl[0], 0.2150 - 3 * sd);
    assert_int_equal(r.n_used, 28);
    assert_true(r.excluded[14] && r.excluded[22]);
    /* the book keeps sample 21 (0.40) after revision: it is above the
     * revised limit, which a second pass would drop */
    assert_int_equal(r.n_v, 3);
    assert_int_equal(r.v[1].first, 20);
    zl_spc_result_cleanup(&r);

    /* np chart: the same data, limits n times the p limits */
    o.chart = ZL_SPC_NP;
    o.drop_ooc = 0;
    assert_int_equal(zl_spc_chart(d, 30, n, 30, &o, &r, &err), 0);
    assert_true(fabs(r.s[0].cl[0] - 50 * 347.0 / 1500) < 1e-12);
    assert_int_equal(r.n_v, 2);
    zl_spc_result_cleanup(&r);
}

/* Montgomery, Example 7.3 (nonconformities in 26 samples of 100 printed
 * circuit boards): c-bar 19.85, UCL 33.22, LCL 6.48, samples 6 and 20
 * out; revised c-bar 19.67, UCL 32.97, LCL 6.36. */
static void test_circuit_boards(void **state)
{
    double c[26];
    uint32_t n[26];
    struct zl_spc_opts o = {.chart = ZL_SPC_C, .rules = ZL_SPC_NELSON1};
    struct zl_spc_result r;
    struct zl_error err = {0};

    (void)state;
    assert_int_equal(load_counts("circuit_boards.csv", c, n), 26);
    assert_int_equal(zl_spc_chart(c, 26, NULL, 26, &o, &r, &err), 0);
    printed("c-bar", 19.85, 2, r.center, NAN);
    printed("c UCL", 33.22, 2, r.s[0].ucl[0], 19.85 + 3 * sqrt(19.85));
    printed("c LCL", 6.48, 2, r.s[0].lcl[0], 19.85 - 3 * sqrt(19.85));
    assert_int_equal(r.n_v, 2);
    assert_int_equal(r.v[0].first, 5);
    assert_int_equal(r.v[1].first, 19);
    zl_spc_result_cleanup(&r);
    o.drop_ooc = 1;
    assert_int_equal(zl_spc_chart(c, 26, NULL, 26, &o, &r, &err), 0);
    printed("c-bar (revised)", 19.67, 2, r.center, NAN);
    printed("c UCL (revised)", 32.97, 2, r.s[0].ucl[0],
            19.67 + 3 * sqrt(19.67));
    printed("c LCL (revised)", 6.36, 2, r.s[0].lcl[0], 19.67 - 3 * sqrt(19.67));
    zl_spc_result_cleanup(&r);

    /* u chart with n = 1 inspection unit is the c chart */
    o.chart = ZL_SPC_U;
    o.drop_ooc = 0;
    assert_int_equal(zl_spc_chart(c, 26, n, 26, &o, &r, &err), 0);
    assert_true(fabs(r.s[0].ucl[0] - (516.0 / 26 + 3 * sqrt(516.0 / 26))) <
                1e-12);
    zl_spc_result_cleanup(&r);
}

/* ---- run rules against a naive model ------------------------------------ */

static uint64_t rng_state = 88172645463325252ull;

static double urand(void)
{
    return test_unit_real(&rng_state);
}

static double nrand(void)
{
    return sqrt(-2 * log(urand())) * cos(2 * M_PI * urand());
}

/* The rules straight from their definitions, window by window. */
static unsigned naive(const double *z, size_t i)
{
    unsigned f = 0;
    int c;

    if (z[i] > 3 || z[i] < -3)
        f |= ZL_SPC_NELSON1 | ZL_SPC_WE1;
    for (int side = -1; side <= 1; side += 2) {
        int run = 0;

        for (size_t j = i + 1; j-- > 0 && z[j] * side > 0;)
            run++;
        if (run >= 9)
            f |= ZL_SPC_NELSON2;
        if (run >= 8)
            f |= ZL_SPC_WE4;
    }
    if (i >= 5) {
        int up = 1, down = 1;

        for (size_t j = i - 4; j <= i; j++) {
            up &= z[j] > z[j - 1];
            down &= z[j] < z[j - 1];
        }
        if (up || down)
            f |= ZL_SPC_NELSON3;
    }
    if (i >= 13) {
        int ok = 1;

        /* 13 differences, none zero, each of the other sign */
        for (size_t j = i - 12; j <= i && ok; j++) {
            double d1 = z[j] - z[j - 1];

            ok = d1 != 0 &&
                 (j == i - 12 || (d1 > 0) != (z[j - 1] - z[j - 2] > 0));
        }
        if (ok)
            f |= ZL_SPC_NELSON4;
    }
    if (i >= 2 && fabs(z[i]) > 2) {
        c = 0;
        for (size_t j = i - 2; j <= i; j++)
            c += z[i] > 0 ? z[j] > 2 : z[j] < -2;
        if (c >= 2)
            f |= ZL_SPC_NELSON5 | ZL_SPC_WE2;
    }
    if (i >= 4 && fabs(z[i]) > 1) {
        c = 0;
        for (size_t j = i - 4; j <= i; j++)
            c += z[i] > 0 ? z[j] > 1 : z[j] < -1;
        if (c >= 4)
            f |= ZL_SPC_NELSON6 | ZL_SPC_WE3;
    }
    if (i >= 14) {
        c = 1;
        for (size_t j = i - 14; j <= i; j++)
            c &= fabs(z[j]) < 1;
        if (c)
            f |= ZL_SPC_NELSON7;
    }
    if (i >= 7) {
        c = 1;
        for (size_t j = i - 7; j <= i; j++)
            c &= fabs(z[j]) > 1;
        if (c)
            f |= ZL_SPC_NELSON8;
    }
    return f;
}

static void test_rules_naive(void **state)
{
    enum { N = 200000 };
    double *z = malloc(N * sizeof *z), cl = 0, lcl = -3, ucl = 3, sd = 1;
    struct zl_spc_series s = {.n = N,
                              .stat = z,
                              .cl = &cl,
                              .lcl = &lcl,
                              .ucl = &ucl,
                              .sd = &sd,
                              .varying = 0};
    struct zl_spc_violation *v = NULL;
    size_t nv = 0, cap = 0, fired[12] = {0};

    (void)state;
    assert_non_null(z);
    s.flags = calloc(N, sizeof *s.flags);
    assert_non_null(s.flags);
    /* noise with shifts, trends, alternation, low and high spread, and
     * ties (rounded to 0.5 in places) so every rule fires */
    for (size_t i = 0; i < N; i++) {
        size_t seg = (i / 50) % 8;
        double x = nrand();

        if (seg == 1)
            x += 1.5;
        else if (seg == 2)
            x = (i % 50) * 0.08 - 2 + 0.05 * x;
        else if (seg == 3)
            x = (i & 1 ? 1 : -1) * (0.5 + 0.3 * urand());
        else if (seg == 4)
            x *= 0.3;
        else if (seg == 5)
            x = (urand() < 0.5 ? -1 : 1) * (1.5 + fabs(x));
        else if (seg == 6)
            x = round(x * 2) / 2;
        z[i] = x;
    }
    assert_int_equal(zl_spc_rules_apply(&s, 0xfff, 0, &v, &nv, &cap), 0);
    for (size_t i = 0; i < N; i++) {
        unsigned want = naive(z, i);

        if (want != s.flags[i])
            printf("# point %zu: naive %03x, engine %03x\n", i, want,
                   s.flags[i]);
        assert_int_equal(want, s.flags[i]);
        for (int b = 0; b < 12; b++)
            fired[b] += (want >> b) & 1;
    }
    for (int b = 0; b < 12; b++) {
        printf("# %-8s fired at %zu points\n", zl_spc_rule_name(1u << b),
               fired[b]);
        assert_true(fired[b] > 0);
    }
    /* every flagged point lies in some violation of its rule */
    for (size_t k = 0; k < nv; k++) {
        assert_true(v[k].first <= v[k].last && v[k].last < N);
        assert_true(s.flags[v[k].last] & v[k].rule);
    }
    /* the word-parallel pass and the point-by-point pass (taken when a
     * NaN is met: one after the last point) agree on every violation */
    {
        double *z2 = malloc((N + 1) * sizeof *z2);
        struct zl_spc_series s2 = s;
        struct zl_spc_violation *v2 = NULL;
        size_t nv2 = 0, cap2 = 0;

        assert_non_null(z2);
        memcpy(z2, z, N * sizeof *z);
        z2[N] = NAN;
        s2.stat = z2;
        s2.n = N + 1;
        s2.flags = calloc(N + 1, sizeof *s2.flags);
        assert_non_null(s2.flags);
        assert_int_equal(zl_spc_rules_apply(&s2, 0xfff, 0, &v2, &nv2, &cap2),
                         0);
        assert_int_equal(nv2, nv);
        for (size_t k = 0; k < nv; k++) {
            assert_int_equal(v2[k].rule, v[k].rule);
            assert_int_equal(v2[k].first, v[k].first);
            assert_int_equal(v2[k].last, v[k].last);
        }
        assert_memory_equal(s2.flags, s.flags, N * sizeof *s.flags);
        printf("# %zu violations, the same from both passes\n", nv);
        free(v2);
        free(s2.flags);
        free(z2);
    }
    free(v);
    free(s.flags);
    free(z);
}

/* A run of 12 points above the centre: one WE4 and one Nelson 2
 * violation, each covering points 1..12 (merged firings). */
static void test_rules_merge(void **state)
{
    double x[12], cl = 0, lcl = -3, ucl = 3, sd = 1;
    struct zl_spc_series s = {
        .n = 12, .stat = x, .cl = &cl, .lcl = &lcl, .ucl = &ucl, .sd = &sd};
    uint16_t flags[12];
    struct zl_spc_violation *v = NULL;
    size_t nv = 0, cap = 0;

    (void)state;
    for (int i = 0; i < 12; i++)
        x[i] = 0.5 + 0.01 * (i % 2);
    s.flags = flags;
    assert_int_equal(
        zl_spc_rules_apply(&s, ZL_SPC_NELSON2 | ZL_SPC_WE4, 0, &v, &nv, &cap),
        0);
    assert_int_equal(nv, 2);
    assert_int_equal(v[0].rule, ZL_SPC_WE4); /* fires first, at point 8 */
    assert_int_equal(v[0].first, 0);
    assert_int_equal(v[0].last, 11);
    assert_int_equal(v[1].rule, ZL_SPC_NELSON2);
    assert_int_equal(v[1].first, 0);
    assert_int_equal(v[1].last, 11);
    assert_int_equal(flags[7], ZL_SPC_WE4);
    assert_int_equal(flags[8], ZL_SPC_WE4 | ZL_SPC_NELSON2);
    free(v);
    assert_non_null(zl_spc_rule_text(ZL_SPC_NELSON2, ZL_SPC_ZH));
    assert_null(zl_spc_rule_text(3, ZL_SPC_EN));
}

static void test_rules_parse(void **state)
{
    unsigned m;

    (void)state;
    assert_int_equal(zl_spc_rules_parse("we", &m), 0);
    assert_int_equal(m, ZL_SPC_RULES_WE);
    assert_int_equal(zl_spc_rules_parse("nelson1,n5,we4", &m), 0);
    assert_int_equal(m, ZL_SPC_NELSON1 | ZL_SPC_NELSON5 | ZL_SPC_WE4);
    assert_int_equal(zl_spc_rules_parse("nelson9", &m), ZL_EINVAL);
    assert_int_equal(zl_spc_rules_parse("n1,", &m), 0);
}

/* ---- EWMA and CUSUM ----------------------------------------------------- */

/* Lucas & Saccucci (1990) Table 3: lambda 0.5, L 3.071: ARL 500 at no
 * shift, 17.5 at 1 sigma; lambda 0.1, L 2.814: 500 and 10.3. Two-sided
 * CUSUM k 0.5, h 4 (Montgomery Table 9.3, from Hawkins): 168 and 8.38;
 * h 5: 465 and 10.4. */
static void test_arl(void **state)
{
    (void)state;
    assert_true(fabs(zl_spc_ewma_arl(0.5, 3.071, 0) - 500) < 0.5);
    assert_true(fabs(zl_spc_ewma_arl(0.5, 3.071, 1) - 17.5) < 0.05);
    assert_true(fabs(zl_spc_ewma_arl(0.1, 2.814, 0) - 500) < 0.5);
    assert_true(fabs(zl_spc_ewma_arl(0.1, 2.814, 1) - 10.3) < 0.05);
    assert_true(fabs(zl_spc_cusum_arl(0.5, 4, 0, 1) - 168) < 0.5);
    assert_true(fabs(zl_spc_cusum_arl(0.5, 4, 1, 1) - 8.38) < 0.005);
    assert_true(fabs(zl_spc_cusum_arl(0.5, 5, 0, 1) - 465) < 0.5);
    assert_true(fabs(zl_spc_cusum_arl(0.5, 5, 1, 1) - 10.4) < 0.05);
    /* one-sided in control is twice the two-sided by symmetry */
    assert_true(fabs(zl_spc_cusum_arl(0.5, 4, 0, 0) -
                     2 * zl_spc_cusum_arl(0.5, 4, 0, 1)) < 1e-6);
}

/* Montgomery Example 9.1 (tabular CUSUM of Table 9.1, mu0 = 10, sigma =
 * 1, k = 0.5, h = 5): the upper CUSUM first exceeds H at sample 29 (C+ =
 * 5.28). */
static void test_cusum_example(void **state)
{
    double x[30];
    uint32_t n[30];
    struct zl_spc_opts o = {.chart = ZL_SPC_CUSUM,
                            .fixed_center = 1,
                            .center = 10,
                            .fixed_sigma = 1,
                            .sigma = 1,
                            .k = 0.5,
                            .h = 5,
                            .rules = ZL_SPC_NELSON1};
    struct zl_spc_result r;
    struct zl_error err = {0};

    (void)state;
    assert_int_equal(load_counts("cusum_montgomery.csv", x, n), 30);
    assert_int_equal(zl_spc_chart(x, 30, NULL, 30, &o, &r, &err), 0);
    printed("C+ at sample 29", 5.28, 2, r.s[0].stat[28], NAN);
    assert_true(r.s[0].stat[27] <= 5);
    assert_true(r.n_v >= 1);
    assert_int_equal(r.v[0].first, 28);
    zl_spc_result_cleanup(&r);
}

/* ---- input checks and CSV ---------------------------------------------- */

static void test_bad_input(void **state)
{
    double v[4] = {1, 2, 3, NAN};
    uint32_t sz[2] = {2, 2}, one[2] = {1, 3};
    struct zl_spc_opts o = {.chart = ZL_SPC_XBAR_R};
    struct zl_spc_result r;
    struct zl_error err = {0};

    (void)state;
    assert_int_equal(zl_spc_chart(v, 4, sz, 2, &o, &r, &err), ZL_EINVAL);
    assert_non_null(strstr(err.rule, "group 2"));
    assert_int_equal(zl_spc_chart(v, 4, one, 2, &o, &r, &err), ZL_EINVAL);
    assert_non_null(strstr(err.rule, "subgroup 1"));
    o.chart = ZL_SPC_P;
    v[1] = 3;
    assert_int_equal(zl_spc_chart(v, 2, sz, 2, &o, &r, &err), ZL_EINVAL);
    assert_non_null(strstr(err.rule, "nonconforming of 2"));
}

static void test_csv(void **state)
{
    static const char ok[] = "\xef\xbb\xbfpart,\"op, name\",value\r\n"
                             "1,\"A \"\"x\"\"\",1.5\r\n"
                             "\n"
                             "2,B,\n";
    static const char bad[] = "a,b\n1,2\n3,x7\n";
    struct zl_spc_table t;
    struct zl_error err = {0};
    double x;

    (void)state;
    assert_int_equal(zl_spc_csv_parse(ok, sizeof ok - 1, 100, &t, &err), 0);
    assert_int_equal(t.n_rows, 2);
    assert_int_equal(t.n_cols, 3);
    assert_string_equal(t.names[1], "op, name");
    assert_string_equal(t.cells[1], "A \"x\"");
    assert_int_equal(t.line[1], 4);
    assert_int_equal(zl_spc_table_column(&t, "VALUE"), 2);
    assert_int_equal(zl_spc_table_number(&t, 0, 2, 0, &x, &err), 0);
    assert_true(x == 1.5);
    assert_int_equal(zl_spc_table_number(&t, 1, 2, 0, &x, &err), ZL_EINVAL);
    assert_non_null(strstr(err.rule, "line 4, column 3 (value): empty"));
    zl_spc_table_cleanup(&t);

    assert_int_equal(zl_spc_csv_parse(bad, sizeof bad - 1, 100, &t, &err), 0);
    assert_int_equal(zl_spc_table_number(&t, 1, 1, 0, &x, &err), ZL_EINVAL);
    assert_string_equal(err.rule, "line 3, column 2 (b): not a number: x7");
    zl_spc_table_cleanup(&t);
    assert_int_equal(zl_spc_csv_parse("a\n\"open", 7, 100, &t, &err),
                     ZL_ESYNTAX);
    assert_non_null(strstr(err.rule, "line 2"));
    assert_int_equal(zl_spc_csv_parse("a,b\n1,2,3\n", 10, 100, &t, &err),
                     ZL_ESYNTAX);
    assert_int_equal(zl_spc_csv_parse("a\n1\n2\n3\n", 8, 2, &t, &err),
                     ZL_ELIMIT);
}

/* ---- capability, gauge, SVG --------------------------------------------- */

static void test_capability(void **state)
{
    double x[200];
    struct zl_spc_cap_opts o = {.lsl = 4, .usl = 16, .target = NAN};
    struct zl_spc_capability c;
    struct zl_error err = {0};

    (void)state;
    for (int i = 0; i < 200; i++)
        x[i] = 10 + nrand();
    assert_int_equal(zl_spc_capability(x, 200, &o, &c, &err), 0);
    /* Pp = 12 / (6 s); the interval holds the estimate */
    assert_true(fabs(c.pp.est - 12 / (6 * c.sd_overall)) < 1e-12);
    assert_true(c.pp.lo < c.pp.est && c.pp.est < c.pp.hi);
    assert_true(c.ppk.est <= c.pp.est);
    assert_true(c.ad_p > 0.01);
    /* lognormal data: Box-Cox finds lambda near 0 */
    for (int i = 0; i < 200; i++)
        x[i] = exp(1 + 0.5 * nrand());
    o.lsl = 0.5;
    o.usl = 30;
    o.nonnormal = ZL_SPC_NN_AUTO;
    assert_int_equal(zl_spc_capability(x, 200, &o, &c, &err), 0);
    assert_int_equal(c.method, ZL_SPC_NN_BOXCOX);
    assert_true(fabs(c.boxcox_lambda) < 0.3);
    o.nonnormal = ZL_SPC_NN_PERCENTILE;
    assert_int_equal(zl_spc_capability(x, 200, &o, &c, &err), 0);
    assert_true(isnan(c.cp.est) && c.pp.est > 0);
    o.lsl = o.usl = NAN;
    assert_int_equal(zl_spc_capability(x, 200, &o, &c, &err), ZL_EINVAL);
}

static void test_gauge(void **state)
{
    /* 10 parts, 3 operators, 2 replicates: part effects large, operator
     * B reads 0.05 high, noise 0.02 */
    double y[60];
    struct zl_spc_gauge g;
    struct zl_error err = {0};

    (void)state;
    for (int p = 0; p < 10; p++)
        for (int o = 0; o < 3; o++)
            for (int r = 0; r < 2; r++)
                y[(p * 3 + o) * 2 + r] =
                    p * 0.1 + (o == 1) * 0.05 + 0.02 * nrand();
    assert_int_equal(zl_spc_gauge_rr(y, 10, 3, 2, 1.0, 0.25, &g, &err), 0);
    /* the sums of squares add up */
    assert_true(fabs(g.part.ss + g.oper.ss + (g.pooled ? 0 : g.inter.ss) +
                     g.error.ss - g.total.ss) < 1e-9);
    assert_true(g.pct_grr > 0 && g.pct_grr < 100);
    assert_true(g.ndc >= 1);
    assert_true(g.var_oper > 0);
    assert_int_equal(zl_spc_gauge_rr(y, 10, 3, 1, 0, 0, &g, &err), ZL_EINVAL);
}

static void test_svg(void **state)
{
    double d[30];
    uint32_t n[30];
    struct zl_spc_opts o = {.chart = ZL_SPC_P, .rules = ZL_SPC_NELSON1};
    struct zl_spc_result r;
    struct zl_error err = {0};
    struct zl_buf b;

    (void)state;
    load_counts("orange_juice.csv", d, n);
    assert_int_equal(zl_spc_chart(d, 30, n, 30, &o, &r, &err), 0);
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(zl_spc_chart_svg(&b, &r, "<p> & chart", ZL_SPC_ZH), 0);
    assert_non_null(strstr(b.data, "&lt;p&gt; &amp; chart"));
    assert_non_null(strstr(b.data, "不合格品率"));
    /* two flagged points drawn in red */
    {
        size_t red = 0;

        for (const char *p = b.data;
             (p = strstr(p, "fill=\"#d32f2f\"><title>")); p++)
            red++;
        assert_int_equal(red, 2);
    }
    zl_buf_cleanup(&b);
    zl_buf_init(&b, 100);
    assert_int_equal(zl_spc_chart_svg(&b, &r, NULL, ZL_SPC_EN), ZL_ELIMIT);
    zl_buf_cleanup(&b);
    zl_spc_result_cleanup(&r);

    /* golden pictures: the p chart with all Nelson rules (English), the
     * piston rings X-bar/R (Chinese) */
    o.rules = ZL_SPC_RULES_NELSON;
    assert_int_equal(zl_spc_chart(d, 30, n, 30, &o, &r, &err), 0);
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(zl_spc_chart_svg(&b, &r, NULL, ZL_SPC_EN), 0);
    golden("orange_juice_p.svg", b.data, b.len);
    zl_buf_cleanup(&b);
    zl_spc_result_cleanup(&r);
    {
        double v[125];
        uint32_t sizes[25];

        load_piston(v, sizes);
        o.chart = ZL_SPC_XBAR_R;
        assert_int_equal(zl_spc_chart(v, 125, sizes, 25, &o, &r, &err), 0);
        zl_buf_init(&b, 1 << 20);
        assert_int_equal(zl_spc_chart_svg(&b, &r, NULL, ZL_SPC_ZH), 0);
        golden("piston_rings_xbar_r.svg", b.data, b.len);
        zl_buf_cleanup(&b);
        zl_spc_result_cleanup(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants_exact),
        cmocka_unit_test(test_constants_table),
        cmocka_unit_test(test_distributions),
        cmocka_unit_test(test_piston_rings),
        cmocka_unit_test(test_orange_juice),
        cmocka_unit_test(test_circuit_boards),
        cmocka_unit_test(test_rules_naive),
        cmocka_unit_test(test_rules_merge),
        cmocka_unit_test(test_rules_parse),
        cmocka_unit_test(test_arl),
        cmocka_unit_test(test_cusum_example),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_capability),
        cmocka_unit_test(test_gauge),
        cmocka_unit_test(test_svg),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
