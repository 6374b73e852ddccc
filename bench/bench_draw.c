/*
 * bench_draw.c - a national 双随机 plan (docs/supervision.md): 100,000
 * tasks drawn from 5 million enterprises and 200,000 inspectors, with
 * every recusal check, on an in-memory registry snapshot
 * (lib/supervise/draw_plan.c), beside the naive twin that scans every
 * inspector for each task; and how long loading a registry snapshot from
 * a store takes.
 *
 *   bench_draw [--enterprises N] [--inspectors N] [--per-stratum K]
 *              [--load N] [--store URI]
 *
 * The registry: 400 cities (31 provinces x up to 13), 5 counties each, 10
 * product categories; an enterprise has one category (one in five two),
 * a credit class (A 40%, B 35%, C 20%, D 5%) and a licensing unit of its
 * city (20 units a city); an inspector three qualifications, a unit and
 * three declared conflicts with enterprises of its city; the previous
 * draw's teams add 200,000 (inspector, enterprise) pairs. The plan: every
 * province, strata by city (level 4) and category, K = 25 per stratum
 * (400 x 10 x 25 = 100,000 tasks), teams of 2.
 *
 * The naive baseline would scan 200,000 inspectors for each of 100,000
 * tasks (2e10 checks); it runs on one province's plan (3,250 tasks) and
 * is scaled by the task count, next to the fast draw of the same plan
 * (the two draws are identical: the unit tests check it).
 */
#include "supervise/draw_plan.h"
#include "store/store.h"
#include "supervise/sup_int.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_CITY 400
#define N_CAT  10

static const char *const PROV[31] = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33",
    "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50",
    "51", "52", "53", "54", "61", "62", "63", "64", "65"};
static const char *const CAT[N_CAT] = {"C00", "C01", "C02", "C03", "C04",
                                       "C05", "C06", "C07", "C08", "C09"};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rs = 0x243F6A8885A308D3ULL;

static uint64_t below(uint64_t n)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (z ^ (z >> 31)) % n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct world {
    char city[N_CITY][5];
    char (*county)[7]; /* N_CITY * 5 */
    char (*units)[8];  /* N_CITY * 20 */
    const char **unitp;
    struct zl_dp_enterprise *ent;
    char (*uscc)[24];
    size_t n_ent;
    size_t city_first[N_CITY + 1];
    struct zl_dp_inspector *insp;
    char (*iid)[16];
    const char **quals, **conf;
    size_t n_insp;
    struct zl_dp_pair *prev;
    size_t n_prev;
};

static void build(struct world *w, size_t n_ent, size_t n_insp)
{
    static const char *const ONE[N_CAT] = {"C00", "C01", "C02", "C03", "C04",
                                           "C05", "C06", "C07", "C08", "C09"};
    static const char *pairs[N_CAT][2];
    size_t c, i, e = 0;

    for (c = 0; c < N_CAT; c++) {
        pairs[c][0] = ONE[c];
        pairs[c][1] = ONE[(c + 1) % N_CAT];
    }
    for (c = 0; c < N_CITY; c++)
        snprintf(w->city[c], 5, "%s%02zu", PROV[c % 31], 1 + c / 31);
    qsort(w->city, N_CITY, sizeof w->city[0],
          (int (*)(const void *, const void *))strcmp);
    w->county = calloc(N_CITY * 5, sizeof *w->county);
    w->units = calloc(N_CITY * 20, sizeof *w->units);
    w->unitp = calloc(N_CITY * 20, sizeof *w->unitp);
    w->ent = calloc(n_ent, sizeof *w->ent);
    w->uscc = calloc(n_ent, sizeof *w->uscc);
    for (c = 0; c < N_CITY * 5; c++)
        snprintf(w->county[c], 7, "%s%02zu", w->city[c / 5], 1 + c % 5);
    for (c = 0; c < N_CITY * 20; c++) {
        snprintf(w->units[c], 8, "U%s%02zu", w->city[c / 20], c % 20);
        w->unitp[c] = w->units[c];
    }
    for (c = 0; c < N_CITY; c++) {
        size_t n = n_ent / N_CITY + (c < n_ent % N_CITY);

        w->city_first[c] = e;
        for (i = 0; i < n; i++, e++) {
            struct zl_dp_enterprise *x = &w->ent[e];
            size_t county = c * 5 + i * 5 / n;
            uint64_t r = below(100), k = below(N_CAT);

            snprintf(w->uscc[e], sizeof w->uscc[e], "91%.6s%08zuXX",
                     w->county[county], i % 100000000);
            x->uscc = w->uscc[e];
            x->region = w->county[county];
            x->cats = pairs[k];
            x->n_cats = below(5) ? 1 : 2;
            x->credit = r < 40 ? 'A' : r < 75 ? 'B' : r < 95 ? 'C' : 'D';
            x->units = &w->unitp[c * 20 + below(20)];
            x->n_units = 1;
        }
    }
    w->city_first[N_CITY] = e;
    w->n_ent = e;
    w->insp = calloc(n_insp, sizeof *w->insp);
    w->iid = calloc(n_insp, sizeof *w->iid);
    w->quals = calloc(n_insp * 3, sizeof *w->quals);
    w->conf = calloc(n_insp * 3, sizeof *w->conf);
    for (i = 0; i < n_insp; i++) {
        struct zl_dp_inspector *x = &w->insp[i];
        size_t city = below(N_CITY), k = below(N_CAT);
        size_t span = w->city_first[city + 1] - w->city_first[city];

        snprintf(w->iid[i], sizeof w->iid[i], "I%07u",
                 (unsigned)(i % 10000000));
        x->id = w->iid[i];
        x->region = w->county[city * 5 + below(5)];
        x->unit = w->unitp[city * 20 + below(20)];
        for (int q = 0; q < 3; q++)
            w->quals[i * 3 + q] = ONE[(k + (size_t)q * 3) % N_CAT];
        x->quals = &w->quals[i * 3];
        x->n_quals = 3;
        for (int q = 0; q < 3 && span; q++)
            w->conf[i * 3 + q] = w->uscc[w->city_first[city] + below(span)];
        qsort(&w->conf[i * 3], 3, sizeof(char *), cmp_str);
        x->conflicts = &w->conf[i * 3];
        x->n_conflicts = span ? 3 : 0;
    }
    w->n_insp = n_insp;
    w->n_prev = n_insp;
    w->prev = calloc(w->n_prev, sizeof *w->prev);
    for (i = 0; i < w->n_prev; i++) {
        size_t city = below(N_CITY);
        size_t span = w->city_first[city + 1] - w->city_first[city];

        w->prev[i].inspector = w->iid[below(n_insp)];
        w->prev[i].uscc = w->uscc[w->city_first[city] + below(span ? span : 1)];
    }
}

static double run(const struct world *w, const struct zl_dp_plan *p, int naive,
                  struct zl_dp_result *r)
{
    struct zl_dp_input in;
    struct zl_error err = {0};
    double t;
    int rc;

    memset(&in, 0, sizeof in);
    in.plan = p;
    in.ent = w->ent;
    in.n_ent = w->n_ent;
    in.insp = w->insp;
    in.n_insp = w->n_insp;
    in.prev = w->prev;
    in.n_prev = w->n_prev;
    memcpy(in.seed, "bench-draw-seed-bench-draw-seed!", 32);
    t = now();
    rc = naive ? zl_dp_run_naive(&in, r, &err) : zl_dp_run(&in, r, &err);
    t = now() - t;
    if (rc) {
        fprintf(stderr, "bench_draw: %s %s\n", zl_strerror(rc), err.rule);
        exit(1);
    }
    return t;
}

/* ---- loading a snapshot from a store -------------------------------------
 */

static void valid_uscc(const char *region, unsigned n, char out[19])
{
    static const char A[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int OW[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int s = 0, oc, w = 1, t = 0;

    snprintf(out, 19, "91%.6s%08u", region, n);
    for (int i = 0; i < 8; i++)
        s += (out[8 + i] - '0') * OW[i];
    oc = 11 - s % 11;
    out[16] = oc == 10 ? 'X' : oc == 11 ? '0' : (char)('0' + oc);
    for (int i = 0; i < 17; i++) {
        t += (int)(strchr(A, out[i]) - A) * w;
        w = w * 3 % 31;
    }
    t = 31 - t % 31;
    out[17] = A[t == 31 ? 0 : t];
    out[18] = '\0';
}

static void load_bench(const char *uri, size_t n)
{
    struct zl_error err = {0};
    struct sup_snapshot snap;
    struct zl_buf b;
    zl_store *s = NULL;
    size_t stored = 0, ni = n / 25 ? n / 25 : 1;
    double t0, t1, t2;
    char u[19];
    int rc;

    zl_store_remove(uri);
    if ((rc = zl_init(uri, "bench.local/log", &err)) ||
        (rc = zl_open(uri, &s, &err))) {
        fprintf(stderr, "bench_draw: %s: %s\n", uri, zl_strerror(rc));
        exit(1);
    }
    zl_buf_init(&b, (size_t)1 << 32);
    zl_buf_adds(&b, "[");
    for (int c = 0; c < N_CAT; c++)
        zl_buf_printf(&b,
                      "%s{\"code\":\"%s\",\"name_zh\":\"类\",\"standard\":\"GB "
                      "1\",\"items\":[{\"item\":\"a\",\"name_zh\":\"a\","
                      "\"max\":\"1\",\"unit\":\"mg/kg\",\"method\":\"m\"}]}",
                      c ? "," : "", CAT[c]);
    zl_buf_adds(&b, "]");
    rc = zl_sup_import(s, NULL, ZL_SUP_CATEGORY, (const char *)b.data, b.len, 0,
                       NULL, NULL, &stored);
    zl_buf_reset(&b);
    zl_buf_adds(&b, "[");
    for (size_t i = 0; i < n; i++) {
        char region[7];

        snprintf(region, sizeof region, "%s0%zu01", PROV[i % 31], 1 + i % 9);
        valid_uscc(region, (unsigned)i, u);
        zl_buf_printf(&b,
                      "%s{\"uscc\":\"%s\",\"name\":\"企业%zu\",\"region\":"
                      "\"%s\",\"categories\":[\"%s\"],\"credit\":\"%c\","
                      "\"licences\":[{\"type\":\"SC\",\"number\":"
                      "\"SC10%s%06zu\",\"office\":\"局\",\"unit\":\"U%.4s\"}]}",
                      i ? "," : "", u, i, region, CAT[i % N_CAT], "ABCD"[i % 4],
                      region, i % 10000, region);
    }
    zl_buf_adds(&b, "]");
    t0 = now();
    rc = rc ? rc
            : zl_sup_import(s, NULL, ZL_SUP_ENTERPRISE, (const char *)b.data,
                            b.len, 0, NULL, NULL, &stored);
    zl_buf_reset(&b);
    zl_buf_adds(&b, "[");
    for (size_t i = 0; i < ni; i++)
        zl_buf_printf(&b,
                      "%s{\"id\":\"I%07zu\",\"name\":\"检查员\",\"unit\":\"X\","
                      "\"region\":\"%s0%zu01\",\"qualifications\":[\"%s\"]}",
                      i ? "," : "", i, PROV[i % 31], 1 + i % 9, CAT[i % N_CAT]);
    zl_buf_adds(&b, "]");
    rc = rc ? rc
            : zl_sup_import(s, NULL, ZL_SUP_INSPECTOR, (const char *)b.data,
                            b.len, 0, NULL, NULL, &stored);
    t1 = now();
    if (rc) {
        fprintf(stderr, "bench_draw: import: %s\n", zl_strerror(rc));
        exit(1);
    }
    rc = sup_snapshot_load(s, -1, 1, &snap);
    t2 = now() - t1;
    printf("store %s: import %zu enterprises + %zu inspectors: %.2f s "
           "(%.0f records/s, validated, logged)\n",
           zl_store_backend_name(s), n, ni, t1 - t0, (n + ni) / (t1 - t0));
    printf("load the snapshot (%zu + %zu): %.3f s = %.1f us a record; "
           "5.2M records would take ~%.0f s\n",
           snap.n_ent, snap.n_insp, t2, t2 * 1e6 / (double)(n + ni),
           t2 / (double)(n + ni) * 5.2e6);
    sup_snapshot_free(&snap);
    zl_buf_cleanup(&b);
    zl_close(s);
    zl_store_remove(uri);
}

int main(int argc, char **argv)
{
    size_t n_ent = 5000000, n_insp = 200000, k = 25, load = 0;
    const char *uri = "sqlite:/tmp/bench_draw.db";
    const char *all[31], *one[1] = {"11"};
    struct zl_dp_plan p;
    struct zl_dp_result r, rn;
    struct world w;
    double t, tn, tf;
    size_t short_teams = 0, rec = 0;
    int baseline = 1;

    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--enterprises"))
            n_ent = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--inspectors"))
            n_insp = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--per-stratum"))
            k = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--load"))
            load = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--no-baseline"))
            baseline = 0;
        else if (i + 1 < argc && !strcmp(argv[i], "--store"))
            uri = argv[++i];
        else {
            fprintf(stderr, "usage: bench_draw [--enterprises N] "
                            "[--inspectors N] [--per-stratum K] [--load N] "
                            "[--no-baseline] "
                            "[--store URI]\n");
            return 2;
        }
    }
    if (load) {
        load_bench(uri, load);
        return 0;
    }
    memset(&w, 0, sizeof w);
    t = now();
    build(&w, n_ent, n_insp);
    printf("registry: %zu enterprises, %zu inspectors, %zu previous pairs "
           "(built in %.1f s)\n",
           w.n_ent, w.n_insp, w.n_prev, now() - t);
    for (int i = 0; i < 31; i++)
        all[i] = PROV[i];
    memset(&p, 0, sizeof p);
    p.cats = CAT;
    p.n_cats = N_CAT;
    p.regions = all;
    p.n_regions = 31;
    p.level = 4;
    p.count = (uint32_t)k;
    p.weights[0] = 1;
    p.weights[1] = 2;
    p.weights[2] = 4;
    p.weights[3] = 8;
    p.team = 2;
    for (int rep = 0; rep < 2; rep++) {
        t = run(&w, &p, 0, &r);
        for (size_t i = 0; i < r.n_tasks; i++) {
            short_teams += r.tasks[i].n_team < 2;
            rec += r.tasks[i].n_recused;
        }
        printf("national plan: %zu tasks in %zu strata, %.3f s (%llu SHA-256, "
               "%llu conflict checks, %zu declared recusals, %zu short "
               "teams)\n",
               r.n_tasks, r.n_strata, t, (unsigned long long)r.hashes,
               (unsigned long long)r.conflict_checks, rec, short_teams);
        zl_dp_free(&r);
        short_teams = rec = 0;
    }
    if (!baseline)
        return 0;
    p.regions = one;
    p.n_regions = 1;
    tf = run(&w, &p, 0, &r);
    tn = run(&w, &p, 1, &rn);
    printf("one province (%zu tasks): fast %.3f s, naive %.3f s (%.0f us a "
           "task); naive at the national plan's tasks: ~%.0f s\n",
           r.n_tasks, tf, tn, tn * 1e6 / (double)rn.n_tasks,
           tn / (double)rn.n_tasks * 100000.0);
    zl_dp_free(&r);
    zl_dp_free(&rn);
    return 0;
}
