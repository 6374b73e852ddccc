/*
 * bench_spc_stream.c - live SPC appends: measurements per second through
 * zl_spc_append (the call `zhiliang spc append` and POST /api/spc/{stream}
 * make), beside a naive peer in the same run.
 *
 *   1. The checker alone (zl_spc_check_push, I-MR, all Nelson rules) over
 *      N values in memory.
 *   2. zl_spc_append on a store (the run's backend, ZL_TEST_STORE_URI or
 *      SQLite in DIR) in calls of B measurements: measurements/s.
 *   3. One measurement per call, after H measurements are stored: the
 *      incremental append against the peer, "store the measurement, then
 *      read the whole series back and recompute the chart and its rules"
 *      (zl_spc_append + zl_spc_stream_chart: what a stream without a
 *      checker state would do to judge each new point). Both judge the
 *      same point the same way; the ratio is per append.
 *
 * usage: bench_spc_stream [N [B [H [DIR]]]]   defaults 200000 1000 20000 /tmp
 */
#include "zhiliang/spc_stream.h"
#include "store/store.h"
#include "zhiliang/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252u;

static double gauss(void)
{
    double u, v;

    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    u = ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    v = ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static void die(const char *what, int rc, const struct zl_error *err)
{
    fprintf(stderr, "bench_spc_stream: %s: %s %s\n", what, zl_strerror(rc),
            err ? err->rule : "");
    exit(1);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
    size_t b = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    size_t h = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
    const char *dir = argc > 4 ? argv[4] : "/tmp";
    const char *tpl = getenv("ZL_TEST_STORE_URI");
    struct zl_spc_meas *m = calloc(n > h ? n : h, sizeof *m);
    struct zl_spc_limits lim;
    struct zl_spc_check c;
    struct zl_spc_point pt;
    struct zl_spc_stream_def d;
    struct zl_spc_append_result res;
    struct zl_error err = {0};
    char uri[600];
    zl_store *s = NULL;
    double t0, dt, inc, naive;
    long alarms = 0;
    int rc, k = 20;

    if (!m || !b)
        return 2;
    for (size_t i = 0; i < (n > h ? n : h); i++)
        m[i].value = 10 + 0.1 * gauss();

    /* 1. the checker alone */
    zl_spc_limits_fixed(ZL_SPC_IMR, 1, 10, 0.1, 0, &lim, &err);
    zl_spc_check_init(&c, &lim, ZL_SPC_RULES_NELSON);
    t0 = now();
    for (int rep = 0; rep < 20; rep++)
        for (size_t i = 0; i < n; i++)
            if (zl_spc_check_push(&c, m[i].value, &pt) == 1)
                alarms += pt.n_fired;
    dt = now() - t0;
    printf("checker alone (I-MR, Nelson 1-8): %.1f M measurements/s (%ld "
           "firings)\n",
           20.0 * (double)n / dt / 1e6, alarms);

    /* 2. appends through the store */
    if (tpl && strstr(tpl, "%s")) { /* the run's backend */
        const char *p = strstr(tpl, "%s");

        snprintf(uri, sizeof uri, "%.*sbench_spc_stream%s", (int)(p - tpl), tpl,
                 p + 2);
    } else
        snprintf(uri, sizeof uri, "sqlite:%s/bench_spc_stream.db", dir);
    zl_store_remove(uri);
    if ((rc = zl_init(uri, "bench.local/log", &err)) ||
        (rc = zl_open(uri, &s, &err)))
        die(uri, rc, &err);
    memset(&d, 0, sizeof d);
    d.characteristic = "bench";
    d.chart = ZL_SPC_IMR;
    d.n = 1;
    d.center = 10;
    d.sigma = 0.1;
    d.rules = ZL_SPC_RULES_NELSON;
    d.name = "a";
    if ((rc = zl_spc_stream_create(s, &d, &err)))
        die("create", rc, &err);
    alarms = 0;
    t0 = now();
    for (size_t i = 0; i < n; i += b) {
        size_t k2 = n - i < b ? n - i : b;

        if ((rc = zl_spc_append(s, "a", NULL, m + i, k2, &res, NULL, NULL,
                                &err)))
            die("append", rc, &err);
        alarms += res.alarms;
    }
    dt = now() - t0;
    printf("zl_spc_append, %zu measurements in calls of %zu (%s): %.0f "
           "measurements/s, %ld alarms logged\n",
           n, b, uri, (double)n / dt, alarms);

    /* 3. one measurement a call at series length h: incremental vs naive */
    d.name = "b";
    if ((rc = zl_spc_stream_create(s, &d, &err)))
        die("create", rc, &err);
    for (size_t i = 0; i < h; i += 5000)
        if ((rc =
                 zl_spc_append(s, "b", NULL, m + i, h - i < 5000 ? h - i : 5000,
                               &res, NULL, NULL, &err)))
            die("append", rc, &err);
    /* committed one by one: the fsync of each commit (synchronous=FULL)
     * is most of either's time */
    t0 = now();
    for (int i = 0; i < 100; i++)
        if ((rc =
                 zl_spc_append(s, "b", NULL, m + i, 1, &res, NULL, NULL, &err)))
            die("append", rc, &err);
    inc = (now() - t0) / 100;
    t0 = now();
    for (int i = 0; i < k; i++) {
        struct zl_spc_result r;

        if ((rc = zl_spc_append(s, "b", NULL, m + i, 1, &res, NULL, NULL,
                                &err)) ||
            (rc = zl_spc_stream_chart(s, "b", 0, &r, &err)))
            die("naive", rc, &err);
        zl_spc_result_cleanup(&r);
    }
    naive = (now() - t0) / k;
    printf("one measurement per call, each committed, at %zu stored: "
           "incremental %.3f ms (%.0f appends/s); naive insert + recompute "
           "the chart %.3f ms (%.0f appends/s); ratio %.1fx\n",
           h, inc * 1e3, 1 / inc, naive * 1e3, 1 / naive, naive / inc);
    /* the same inside one transaction: the work of judging a point */
    zl_store_begin(s);
    t0 = now();
    for (int i = 0; i < 1000; i++)
        if ((rc =
                 zl_spc_append(s, "b", NULL, m + i, 1, &res, NULL, NULL, &err)))
            die("append", rc, &err);
    inc = (now() - t0) / 1000;
    t0 = now();
    for (int i = 0; i < k; i++) {
        struct zl_spc_result r;

        if ((rc = zl_spc_append(s, "b", NULL, m + i, 1, &res, NULL, NULL,
                                &err)) ||
            (rc = zl_spc_stream_chart(s, "b", 0, &r, &err)))
            die("naive", rc, &err);
        zl_spc_result_cleanup(&r);
    }
    naive = (now() - t0) / k;
    zl_store_commit(s);
    printf("the same inside one transaction: incremental %.3f ms (%.0f "
           "appends/s); naive %.3f ms (%.0f appends/s); ratio %.1fx\n",
           inc * 1e3, 1 / inc, naive * 1e3, 1 / naive, naive / inc);
    zl_close(s);
    zl_store_remove(uri);
    free(m);
    return 0;
}
