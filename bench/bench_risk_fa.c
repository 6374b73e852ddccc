/*
 * bench_risk_fa.c - the false-alarm rate of the risk signals measured on
 * the stored-report path, beside the rate the user tuned.
 *
 * Three kinds of count series with no outbreak in them, SERIES of each,
 * YEARS of daily counts:
 *   A  in control: Poisson, mean 1.5 a day;
 *   B  seasonal: Poisson, mean 1.5 exp(0.6 cos(2 pi t / 365.25));
 *   C  over-dispersed: negative binomial, mean 1.5, var = mu + 0.5 mu^2.
 * Each count becomes that many complaint reports (zl_risk_submit, one
 * lot per series, the day as "occurred") in a store; the series are then
 * rebuilt from the store by zl_risk_series_build (lot, days), exactly as
 * `zhiliang risk signals --reports` does, and judged prospectively:
 *   - NB CUSUM (h as tuned, kappa log 2): baseline the first year,
 *     alarms counted over the years after it; once with the baseline's
 *     mean as mu0 and once with a seasonal mu0 (--season 365.25: one
 *     yearly harmonic fitted over that year);
 *   - Farrington, Noufaily setting, b = 1 year (alpha as tuned): alarms
 *     counted over the periods it judged.
 * Every alarm is a false alarm (nothing was injected). Reported per
 * series-year, beside the nominal rate: for Farrington alpha times the
 * periods judged a year; for the CUSUM, which has no closed-form rate,
 * the rate of the same detector on 200 years of the stationary model it
 * assumes (A's Poisson for A and B, C's negative binomial for C) with a
 * 100-year baseline (parameters practically known), so the difference is
 * what estimating from one year, and (without --season) seasonality,
 * cost.
 *
 * usage: bench_risk_fa [--series N] [--years Y] [--h H] [--alpha A]
 *                      [--seed S] [--store URI]
 *        defaults 10, 4, 5, 0.01, 1, a temporary SQLite file
 */
#include "store/store.h"
#include "zhiliang/risk.h"
#include "zhiliang/risk_intake.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/zhiliang.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;

static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double nrand(void)
{
    return sqrt(-2 * log(urand())) * cos(2 * M_PI * urand());
}

/* Marsaglia-Tsang gamma(shape, 1). */
static double grand(double a)
{
    double d, c, x, v, u;

    if (a < 1)
        return grand(a + 1) * pow(urand(), 1 / a);
    d = a - 1.0 / 3;
    c = 1 / sqrt(9 * d);
    for (;;) {
        do {
            x = nrand();
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        u = urand();
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

static int prand(double mu)
{
    double l = exp(-mu), p = 1;
    int k = 0;

    do {
        k++;
        p *= urand();
    } while (p > l);
    return k - 1;
}

static double mean_of(char sc, size_t t)
{
    if (sc == 'B')
        return 1.5 * exp(0.6 * cos(2 * M_PI * (double)t / 365.25));
    return 1.5;
}

static int draw(char sc, size_t t)
{
    double mu = mean_of(sc, t);

    if (sc == 'C') /* NB as Poisson-gamma: var = mu + 0.5 mu^2 */
        return prand(mu * grand(2.0) / 2.0);
    return prand(mu);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct tally {
    double cusum_alarms, cusum_years, season_alarms;
    double far_alarms, far_judged;
    size_t series;
};

/* The CUSUM's rate on a long series of the scenario's model. */
static double cusum_nominal(char sc, double h)
{
    size_t years = 200, n = years * 365;
    double *y = malloc(n * sizeof *y), a = 0;
    struct zl_risk_nbcusum_opts o;
    struct zl_risk_signals out = {0};

    if (!y)
        return NAN;
    for (size_t t = 0; t < n; t++)
        y[t] = draw(sc, t);
    zl_risk_nbcusum_defaults(&o);
    o.baseline = n / 2;
    o.h = h;
    if (!zl_risk_nbcusum(y, n, &o, &out, NULL))
        a = (double)out.n_alarms / (double)(years / 2);
    zl_risk_signals_cleanup(&out);
    free(y);
    return a;
}

int main(int argc, char **argv)
{
    size_t series = 10, years = 4;
    double h = 5, alpha = 0.01;
    const char *uri = NULL;
    char tmp[256], gtin[] = "09506000134352";
    zl_store *s = NULL;
    struct zl_error err = {0};
    struct zl_risk_series_set set = {0};
    struct tally tl[3] = {{0}};
    const char SC[3] = {'A', 'B', 'C'};
    size_t n_reports = 0;
    int32_t day0 = zl_days_from_civil(2021, 1, 1);
    double t0, t1, t2;

    rng = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--series"))
            series = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--years"))
            years = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--h"))
            h = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--alpha"))
            alpha = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--seed"))
            rng = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--store"))
            uri = argv[i + 1];
    }
    rng = rng * 0x9E3779B97F4A7C15u + 1;
    if (years < 2 || !series || !(h > 0) || !(alpha > 0 && alpha < 1)) {
        fprintf(stderr, "usage: bench_risk_fa [--series N] [--years Y>=2] "
                        "[--h H] [--alpha A] [--seed S] [--store URI]\n");
        return 2;
    }
    if (!uri) {
        snprintf(tmp, sizeof tmp, "/tmp/zl-bench-risk-fa-%d.db", (int)getpid());
        uri = tmp;
    }
    zl_store_remove(uri);
    if (zl_init(uri, "https://bench.example", &err) || zl_open(uri, &s, &err)) {
        fprintf(stderr, "bench_risk_fa: %s: %s\n", uri, err.rule);
        return 1;
    }
    /* ---- the reports ---- */
    t0 = now_s();
    {
        size_t days = years * 365;
        struct zl_risk_intake_opts o = {0};
        char id[ZL_RISK_ID_MAX], j[256], d[11];

        o.now_ms = ((int64_t)(day0 + (int32_t)days) * 86400 + 3600) * 1000;
        for (int k = 0; k < 3; k++)
            for (size_t sr = 0; sr < series; sr++) {
                if (zl_store_begin(s))
                    return 1;
                for (size_t t = 0; t < days; t++) {
                    int c = draw(SC[k], t);

                    zl_day_format(day0 + (int32_t)t, d);
                    snprintf(j, sizeof j,
                             "{\"occurred\":\"%s\",\"description\":\"fa\","
                             "\"category\":\"fa-%c\",\"gs1\":\"(01)%s(10)"
                             "%c%03zu\"}",
                             d, SC[k], gtin, SC[k], sr);
                    for (int i = 0; i < c; i++) {
                        if (zl_risk_submit(s, ZL_RISK_COMPLAINT, j, strlen(j),
                                           &o, id, NULL, NULL, &err)) {
                            fprintf(stderr, "bench_risk_fa: submit: %s %s\n",
                                    err.path, err.rule);
                            return 1;
                        }
                        n_reports++;
                    }
                }
                if (zl_store_commit(s))
                    return 1;
            }
    }
    t1 = now_s();
    /* ---- the stored-report path ---- */
    if (zl_risk_series_build(s, ZL_RISK_COMPLAINT, ZL_RISK_BY_LOT, 1, -1, &set,
                             &err)) {
        fprintf(stderr, "bench_risk_fa: series: %s\n", err.rule);
        return 1;
    }
    for (size_t i = 0; i < set.n; i++) {
        const struct zl_risk_series *sr = &set.s[i];
        const char *lot = strchr(sr->key, '/');
        int k = lot ? lot[1] - 'A' : -1;
        struct zl_risk_nbcusum_opts no;
        struct zl_risk_farrington_opts fo;
        struct zl_risk_signals out = {0};
        size_t n = set.n_periods;

        if (k < 0 || k > 2)
            continue;
        tl[k].series++;
        zl_risk_nbcusum_defaults(&no);
        no.baseline = 365;
        no.h = h;
        if (!zl_risk_nbcusum(sr->y, n, &no, &out, NULL)) {
            tl[k].cusum_alarms += (double)out.n_alarms;
            tl[k].cusum_years += (double)(n - 365) / 365.0;
        }
        zl_risk_signals_cleanup(&out);
        no.period = 365.25; /* the same with a seasonal in-control mean */
        if (!zl_risk_nbcusum(sr->y, n, &no, &out, NULL))
            tl[k].season_alarms += (double)out.n_alarms;
        zl_risk_signals_cleanup(&out);
        zl_risk_farrington_defaults(&fo, 365, 1);
        fo.b = 1;
        fo.alpha = alpha;
        if (!zl_risk_farrington(sr->y, n, &fo, &out, NULL)) {
            for (size_t j = 0; j < out.n; j++)
                tl[k].far_judged += out.pts[j].fitted;
            tl[k].far_alarms += (double)out.n_alarms;
        }
        zl_risk_signals_cleanup(&out);
    }
    t2 = now_s();
    printf("%zu reports stored in %.1f s (%s); %zu series of %zu days "
           "rebuilt and judged in %.1f s\n",
           n_reports, t1 - t0, zl_store_backend_name(s), set.n, set.n_periods,
           t2 - t1);
    printf("false alarms per series-year (no outbreak injected), h %g, "
           "alpha %g:\n",
           h, alpha);
    printf("%-16s %7s | %9s %9s %9s | %9s %9s %8s\n", "series", "n",
           "CUSUM obs", "seasonal", "nominal", "Farr obs", "nominal",
           "judged/y");
    for (int k = 0; k < 3; k++) {
        const char *name = k == 0   ? "A in control"
                           : k == 1 ? "B seasonal"
                                    : "C over-dispersed";
        double fy = tl[k].far_judged / 365.0;

        printf(
            "%-16s %7zu | %9.2f %9.2f %9.2f | %9.2f %9.2f %8.0f\n", name,
            tl[k].series,
            tl[k].cusum_years ? tl[k].cusum_alarms / tl[k].cusum_years : NAN,
            tl[k].cusum_years ? tl[k].season_alarms / tl[k].cusum_years : NAN,
            cusum_nominal(SC[k] == 'B' ? 'A' : SC[k], h),
            fy > 0 ? tl[k].far_alarms / fy : NAN, alpha * 365.0,
            tl[k].series && years > 1
                ? tl[k].far_judged / (double)tl[k].series / (double)(years - 1)
                : NAN);
    }
    zl_risk_series_cleanup(&set);
    zl_close(s);
    if (uri == tmp)
        zl_store_remove(uri);
    return 0;
}
