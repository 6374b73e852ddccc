/*
 * bench_credit_show.c - `zhiliang credit show USCC` (zl_credit_show, also
 * the portal's /enterprises/USCC) for one enterprise of a national store,
 * through the per-enterprise credit index (lib/supervise/credit_index.c),
 * beside the path before it that reads every supervision, complaint and
 * recall record per call (sup_credit_show with use_index 0), in the same
 * run on the same store; the two must give the same bytes.
 *
 *   bench_credit_show [--enterprises N] [--store URI] [--reuse]
 *                     [--calls N] [--scan-calls N]
 *
 * The store (SQLite file by default, or any store URI) is filled with
 * bench_credit's mix of records, as rows of the real tables: N registered
 * enterprises (default 5 million); three in ten have one to six events
 * (1.5 million enterprises and 5.25 million events at N = 5M): a spot
 * check passed 40 % (a task of a drawn plan: report and publish steps),
 * failed 15 % (report, publish, notify, rectify), failed and not
 * rectified 5 % (report, publish, notify), penalty 15 %, upheld complaint
 * 15 % (a complaint report and its finding), recall 10 % (a logged case
 * that recorded the enterprise); dated up to four years before the
 * scoring day. Plans draw 20,000 tasks each. The supervision rows are
 * not logged (the log's cost is not what is measured here); the recall
 * cases are, since credit skips a case the log does not hold. --reuse
 * skips the filling when the store already holds it.
 *
 * Timed: --calls (default 1000) calls through the index on enterprises
 * picked at random (seeded), median and p99; --scan-calls (default 3)
 * calls of the path before the index, median and max, each compared
 * byte for byte with the index path's answer for the same enterprise.
 */
#include "demo.h"
#include "store/store.h"
#include "store/store_recall.h"
#include "store/store_risk.h"
#include "store/store_sup.h"
#include "supervise/sup_int.h"
#include "util/buf.h"
#include "zhiliang/calendar.h"
#include "zhiliang/log.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PLAN_TASKS 20000
#define AT         "2026-12-01"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

static void uscc_of(unsigned long i, char out[19])
{
    snprintf(out, 19, "91130102%08lu", i % 100000000ul);
    out[16] = zl_demo_orgcode_check(out + 8);
    out[17] = zl_demo_uscc_check(out);
    out[18] = '\0';
}

static void check(int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "bench_credit_show: %s: %s\n", what, zl_strerror(rc));
        exit(1);
    }
}

static void day_str(int32_t d, char out[11])
{
    zl_day_format(d, out);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

struct gen {
    zl_store *s;
    int32_t at;
    unsigned long plan, task, pen, cpl, rec, rows;
    struct zl_buf draw; /* the current plan's draw record */
};

static void sup_put(struct gen *g, const char *key, long seq, const char *kind,
                    const char *json, const char *uscc)
{
    struct zl_store_sup_record r = {key,  seq,          kind, 0,
                                    json, strlen(json), uscc};

    check(zl_store_sup_put(g->s, &r), key);
    g->rows++;
}

static void flush_draw(struct gen *g)
{
    char key[64];

    if (!g->task)
        return;
    zl_buf_adds(&g->draw, "]}");
    zl_buf_addc(&g->draw, '\0');
    snprintf(key, sizeof key, "draw:BP%05lu", g->plan);
    sup_put(g, key, 1, "draw", (const char *)g->draw.data, NULL);
    zl_buf_reset(&g->draw);
    g->plan++;
    g->task = 0;
}

/* kind: 0 pass, 1 fail rectified, 2 fail not rectified */
static void spot(struct gen *g, const char *u, int kind, int32_t d)
{
    char key[64], j[256], ds[11];

    if (g->task == PLAN_TASKS)
        flush_draw(g);
    g->task++;
    snprintf(j, sizeof j,
             "%s{\"task\":%lu,\"uscc\":\"%s\",\"category\":"
             "\"RAW_MILK\"}",
             g->task > 1 ? "," : "{\"tasks\":[", g->task, u);
    zl_buf_adds(&g->draw, j);
    snprintf(key, sizeof key, "task:BP%05lu:%lu", g->plan, g->task);
    day_str(d, ds);
    snprintf(j, sizeof j,
             "{\"step\":\"report\",\"date\":\"%s\","
             "\"verdict\":\"%s\"}",
             ds, kind ? "fail" : "pass");
    sup_put(g, key, 1, "report", j, u);
    day_str(d + 10, ds);
    snprintf(j, sizeof j, "{\"step\":\"publish\",\"date\":\"%s\"}", ds);
    sup_put(g, key, 2, "publish", j, u);
    if (!kind)
        return;
    day_str(d + 15, ds);
    snprintf(j, sizeof j, "{\"step\":\"notify\",\"date\":\"%s\"}", ds);
    sup_put(g, key, 3, "notify", j, u);
    if (kind == 2)
        return;
    day_str(d + 45, ds);
    snprintf(j, sizeof j, "{\"step\":\"rectify\",\"date\":\"%s\"}", ds);
    sup_put(g, key, 4, "rectify", j, u);
}

static void penalty(struct gen *g, const char *u, int32_t d, int serious)
{
    char key[96], j[256], ds[11];

    day_str(d, ds);
    snprintf(key, sizeof key, "penalty:%s:P%lu", u, ++g->pen);
    snprintf(j, sizeof j,
             "{\"uscc\":\"%s\",\"decision\":\"P%lu\",\"date\":"
             "\"%s\"%s}",
             u, g->pen, ds, serious ? ",\"serious\":true" : "");
    sup_put(g, key, 1, "penalty", j, u);
}

static void complaint(struct gen *g, const char *u, int32_t d)
{
    struct zl_store_risk_report r = {0};
    char id[32], key[48], j[256], ds[11];

    snprintf(id, sizeof id, "C-B%lu", ++g->cpl);
    day_str(d, ds);
    r.id = id;
    r.kind = "complaint";
    r.received_ms = (int64_t)d * 86400000LL;
    r.day = ds;
    r.gtin = r.lot = r.category = "";
    r.region = "130102";
    r.enterprise = u;
    r.json = "{}";
    r.len = 2;
    check(zl_store_risk_put(g->s, &r, NULL), "risk report");
    snprintf(key, sizeof key, "finding:%s", id);
    snprintf(j, sizeof j,
             "{\"report\":\"%s\",\"outcome\":\"upheld\","
             "\"date\":\"%s\"}",
             id, ds);
    sup_put(g, key, 1, "finding", j, u);
}

static void recall(struct gen *g, const char *u, int32_t d, int serious)
{
    char id[32], key[48], j[512], t[32], uid[32];
    const char *ids[1] = {uid};
    int64_t ms = (int64_t)d * 86400000LL;
    struct zl_store_recall_case c = {id, "open", "x",  serious ? "I" : "II",
                                     ms, 0,      "[]", "[]"};

    snprintf(id, sizeof id, "rc-%lu", ++g->rec);
    zl_time_format_utc(ms, t);
    snprintf(j, sizeof j,
             "{\"case\":\"%s\",\"enterprises\":[\"%s\"],"
             "\"hazardClass\":\"%s\",\"lots\":[],\"reason\":\"x\",\"scope\":"
             "{\"gtins\":[],\"ids\":[]},\"seq\":1,\"time\":\"%s\","
             "\"type\":\"open\",\"v\":2}",
             id, u, c.hazard_class, t);
    snprintf(key, sizeof key, "recall:%s:1", id);
    snprintf(uid, sizeof uid, "uscc:%s", u);
    check(zl_store_recall_record_put(g->s, id, 1, "open", j, strlen(j)),
          "recall record");
    check(zl_log_append(g->s, ZL_LEAF_RECALL, key, j, strlen(j), NULL),
          "recall leaf");
    check(zl_store_recall_case_put(g->s, &c), "recall case");
    check(zl_store_recall_ids_put(g->s, id, ids, 1), "recall ids");
}

static void fill(zl_store *s, unsigned long n)
{
    struct gen g = {0};
    char u[19], j[256], key[40];
    double t0 = now();
    unsigned long i, events = 0, with = 0;

    g.s = s;
    zl_day_parse(AT, 10, &g.at);
    zl_buf_init(&g.draw, 1u << 30);
    check(zl_store_begin(s), "begin");
    for (i = 0; i < n; i++) {
        uscc_of(i, u);
        snprintf(key, sizeof key, "enterprise:%s", u);
        snprintf(j, sizeof j,
                 "{\"uscc\":\"%s\",\"name\":\"企业%lu\","
                 "\"region\":\"130102\",\"categories\":[\"RAW_MILK\"]}",
                 u, i);
        sup_put(&g, key, 1, "enterprise", j, NULL);
        if (below(10) < 3) {
            int k = 1 + (int)below(6);

            with++;
            for (int e = 0; e < k; e++) {
                int32_t d = g.at - (int32_t)below(4 * 365);
                int p = (int)below(100), serious = below(5) == 0;

                events++;
                if (p < 40)
                    spot(&g, u, 0, d - 60);
                else if (p < 55)
                    spot(&g, u, 1, d - 60);
                else if (p < 60)
                    spot(&g, u, 2, d - 60);
                else if (p < 75)
                    penalty(&g, u, d, serious);
                else if (p < 90)
                    complaint(&g, u, d);
                else
                    recall(&g, u, d, serious);
            }
        }
        if (i % 200000 == 199999) {
            check(zl_store_commit(s), "commit");
            check(zl_store_begin(s), "begin");
            fprintf(stderr, "\r%lu enterprises, %lu rows, %.0f s", i + 1,
                    g.rows, now() - t0);
        }
    }
    flush_draw(&g);
    check(zl_store_commit(s), "commit");
    fprintf(stderr, "\n");
    printf("filled: %lu enterprises, %lu with events, %lu events; %lu "
           "sup_records rows, %lu plans, %lu complaints, %lu recall cases; "
           "%.1f s\n",
           n, with, events, g.rows, g.plan, g.cpl, g.rec, now() - t0);
    zl_buf_cleanup(&g.draw);
}

static int has_one(void *ctx, const struct zl_store_sup_record *r)
{
    (void)r;
    *(int *)ctx = 1;
    return 1;
}

int main(int argc, char **argv)
{
    unsigned long n = 5000000, calls = 1000, scans = 3;
    const char *uri = "sqlite:/tmp/bench_credit_show.db";
    int reuse = 0, filled = 0;
    struct zl_error err = {0};
    zl_store *s = NULL;
    double *t, *tc;
    struct zl_buf a, b;
    char u[19];

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--enterprises") && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--store") && i + 1 < argc)
            uri = argv[++i];
        else if (!strcmp(argv[i], "--calls") && i + 1 < argc)
            calls = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--scan-calls") && i + 1 < argc)
            scans = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reuse"))
            reuse = 1;
        else {
            fprintf(stderr,
                    "usage: bench_credit_show [--enterprises N] [--store URI]"
                    " [--reuse] [--calls N] [--scan-calls N]\n");
            return 2;
        }
    }
    if (!reuse || zl_open(uri, &s, &err)) {
        if (!strncmp(uri, "sqlite:", 7))
            zl_store_remove(uri);
        if (zl_init(uri, "https://bench.example", &err) ||
            zl_open(uri, &s, &err)) {
            fprintf(stderr, "bench_credit_show: %s: %s\n", uri, err.rule);
            return 1;
        }
    }
    zl_store_sup_range(s, "enterprise:", "enterprise;", -1, has_one, &filled);
    if (!filled)
        fill(s, n);
    zl_buf_init(&a, 1 << 24);
    zl_buf_init(&b, 1 << 24);
    t = calloc(calls > scans ? calls : scans, sizeof *t);
    tc = calloc(calls + 1, sizeof *tc);
    /* warm: one call each way on the first enterprise */
    uscc_of(0, u);
    check(sup_credit_show(s, u, AT, 1, &a, &err), "credit show");
    rs = 42;
    for (int pass = 0; pass < 2; pass++) {
        unsigned long m = 0;

        /* pass 0: enterprises at random; pass 1: only ones with events */
        while (m < calls) {
            double t0, c0;

            uscc_of(below(n), u);
            zl_buf_reset(&a);
            t0 = now();
            c0 = cpu();
            check(sup_credit_show(s, u, AT, 1, &a, &err),
                  "credit show (index)");
            if (pass && !strstr((const char *)a.data, "\"kind\""))
                continue;
            tc[m] = cpu() - c0;
            t[m++] = now() - t0;
        }
        qsort(t, calls, sizeof *t, cmp_d);
        qsort(tc, calls, sizeof *tc, cmp_d);
        printf("credit show through the index, %s: %lu calls, median %.2f "
               "ms, p99 %.2f ms, max %.2f ms (CPU: median %.2f ms, p99 %.2f "
               "ms)\n",
               pass ? "enterprises with events" : "any enterprise", calls,
               t[calls / 2] * 1e3, t[calls * 99 / 100] * 1e3,
               t[calls - 1] * 1e3, tc[calls / 2] * 1e3,
               tc[calls * 99 / 100] * 1e3);
    }
    for (unsigned long i = 0; i < scans; i++) {
        double t0;

        /* an enterprise with events, so the comparison says something */
        do {
            uscc_of(below(n), u);
            zl_buf_reset(&a);
            check(sup_credit_show(s, u, AT, 1, &a, &err), "credit show");
        } while (!strstr((const char *)a.data, "\"kind\""));
        zl_buf_reset(&b);
        t0 = now();
        check(sup_credit_show(s, u, AT, 0, &b, &err), "credit show (scan)");
        t[i] = now() - t0;
        if (a.len != b.len || memcmp(a.data, b.data, a.len)) {
            fprintf(stderr, "bench_credit_show: %s: the two paths differ\n", u);
            return 1;
        }
    }
    if (scans) {
        qsort(t, scans, sizeof *t, cmp_d);
        printf("credit show reading every record (before the index): %lu "
               "calls, median %.1f ms, max %.1f ms; same bytes as the index "
               "path\n",
               scans, t[scans / 2] * 1e3, t[scans - 1] * 1e3);
    }
    free(t);
    free(tc);
    zl_buf_cleanup(&a);
    zl_buf_cleanup(&b);
    zl_close(s);
    return 0;
}
