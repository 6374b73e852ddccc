/*
 * bench_backends.c - the same demo chain on several stores (SQLite, one
 * PostgreSQL, the three-node stand-in of scripts/cluster.sh), side by
 * side: capture throughput, trace and recall latency through the calls
 * the CLI and the server make (zl_capture, zl_trace_run without an
 * in-memory index, zl_recall_scope_compute).
 *
 *   bench_backends [--scale S] [--queries N] [--per-doc D]
 *                  LABEL=URI [LABEL+=URI...]
 *
 * Each store is built from the demo generator (seed 1, about 100*S
 * events, documents of D events): LABEL=URI removes the store first,
 * LABEL+=URI creates it where it is (a layout prepared beforehand, such
 * as scripts/cluster.sh's partitioned tables, which removing would drop). The
 * first store is the baseline: samples (N retail-sold items, the milk
 * collection lots) are taken from it with the store's own query, and every
 * other store's figures are printed with their ratio to it. Bytes per event are
 * left to scripts/bench.sh (a file size for SQLite, pg_total_relation_size
 * summed over every node for PostgreSQL).
 */
#include "demo.h"
#include "zhiliang/recall.h"
#include "zhiliang/trace.h"
#include "zhiliang/zhiliang.h"

#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_STORES 4

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_d);
    return v[(size_t)(p * (double)(n - 1) + 0.5)];
}

struct figures {
    double capture_eps, back50, back99, fwd50, fwd99, recall_ms;
};

/* ---- building a store ------------------------------------------------- */

struct cap_ctx {
    zl_store *s;
    uint64_t events;
};

static int emit(void *ctx, const char *doc, size_t len, size_t n_events)
{
    struct cap_ctx *c = ctx;
    struct zl_error err = {0};
    int rc = zl_capture(c->s, doc, len, NULL, NULL, &err);

    if (rc) {
        char msg[512];

        zl_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "capture failed: %s\n", msg);
        return rc;
    }
    c->events += n_events;
    return 0;
}

static int build(const char *uri, int keep, uint64_t scale, size_t per_doc,
                 double *eps)
{
    struct zl_demo_opts o = {.seed = 1, .scale = scale, .per_doc = per_doc};
    struct zl_error err = {0};
    struct cap_ctx c = {0};
    double t0;
    int rc;

    if (!keep)
        zl_store_remove(uri);
    if ((rc = zl_init(uri, "bench.local/log", &err)) ||
        (rc = zl_open(uri, &c.s, &err))) {
        char msg[512];

        zl_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s: %s\n", uri, msg);
        return rc;
    }
    t0 = now();
    rc = zl_demo_generate(&o, emit, &c, NULL);
    *eps = (double)c.events / (now() - t0);
    zl_close(c.s);
    return rc;
}

/* ---- samples ------------------------------------------------------------ */

struct idlist {
    char **v;
    size_t n, cap;
    enum zl_id_role role;
    const char *contains;
};

static int take_id(void *ctx, const struct zl_id_row *r)
{
    struct idlist *l = ctx;

    if (l->n >= l->cap || r->role != l->role ||
        (l->contains && !strstr(r->id, l->contains)))
        return 0;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], r->id))
            return 0;
    l->v[l->n++] = strdup(r->id);
    return 0;
}

struct sample_ctx {
    zl_store *s;
    struct idlist *l;
};

static int take_event(void *ctx, const struct zl_stored_event *ev)
{
    struct sample_ctx *c = ctx;

    return zl_store_event_ids(c->s, &ev->hash, 1, ZL_ID_ROLES_ALL, take_id,
                              c->l);
}

/* The identifiers in role of the first events with bizStep step. */
static void sample(zl_store *s, const char *step, struct idlist *l)
{
    const char *steps[] = {step, NULL};
    struct sample_ctx ctx = {s, l};
    struct zl_event_filter f;

    memset(&f, 0, sizeof f);
    f.biz_steps = steps;
    f.limit = l->cap * 4;
    zl_store_events_query(s, &f, take_event, &ctx);
}

/* ---- measuring ------------------------------------------------------------
 */

static double trace_once(zl_store *s, const char *id, enum zl_trace_dir dir)
{
    struct zl_trace_opts o;
    struct zl_error err = {0};
    zl_trace *t = NULL;
    double t0 = now(), dt;

    memset(&o, 0, sizeof o);
    o.dir = dir;
    if (zl_trace_run(s, id, &o, &t, &err))
        fprintf(stderr, "trace %s failed\n", id);
    dt = now() - t0;
    zl_trace_free(t);
    return dt;
}

static void measure(const char *uri, const struct idlist *items,
                    const struct idlist *lots, struct figures *f)
{
    double *v = calloc(items->n + 1, sizeof *v);
    struct zl_error err = {0};
    zl_store *s = NULL;
    double t0;

    if (zl_open(uri, &s, &err) || !v) {
        fprintf(stderr, "cannot open %s\n", uri);
        free(v);
        return;
    }
    for (size_t i = 0; i < items->n && i < 20; i++) /* warm caches */
        trace_once(s, items->v[i], ZL_TRACE_BACKWARD);
    for (size_t i = 0; i < items->n; i++)
        v[i] = trace_once(s, items->v[i], ZL_TRACE_BACKWARD);
    f->back50 = pct(v, items->n, 0.5) * 1e3;
    f->back99 = pct(v, items->n, 0.99) * 1e3;
    for (size_t i = 0; i < items->n; i++)
        v[i] = trace_once(s, items->v[i], ZL_TRACE_FORWARD);
    f->fwd50 = pct(v, items->n, 0.5) * 1e3;
    f->fwd99 = pct(v, items->n, 0.99) * 1e3;
    t0 = now();
    for (size_t i = 0; i < lots->n; i++) {
        zl_recall_scope *sc = NULL;

        if (zl_recall_scope_compute(s, (const char *const *)&lots->v[i], 1, &sc,
                                    &err))
            fprintf(stderr, "recall scope %s failed\n", lots->v[i]);
        zl_recall_scope_free(sc);
    }
    f->recall_ms = lots->n ? (now() - t0) * 1e3 / (double)lots->n : 0;
    zl_close(s);
    free(v);
}

int main(int argc, char **argv)
{
    const char *label[MAX_STORES], *uri[MAX_STORES];
    int keep[MAX_STORES];
    struct figures fig[MAX_STORES];
    uint64_t scale = 100;
    size_t queries = 200, per_doc = 1000, n = 0;
    struct idlist items = {0}, lots = {0};
    struct zl_error err = {0};
    zl_store *s = NULL;

    setvbuf(stdout, NULL, _IOLBF, 0);
    zl_global_init();
    memset(fig, 0, sizeof fig);
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');

        if (!strcmp(argv[i], "--scale") && i + 1 < argc)
            scale = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
            queries = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--per-doc") && i + 1 < argc)
            per_doc = strtoull(argv[++i], NULL, 10);
        else if (eq && argv[i][0] != '-' && n < MAX_STORES) {
            keep[n] = eq > argv[i] && eq[-1] == '+';
            eq[-keep[n]] = '\0';
            label[n] = argv[i];
            uri[n++] = eq + 1;
        } else {
            fprintf(stderr, "usage: bench_backends [--scale S] [--queries N]"
                            " [--per-doc D] LABEL=URI...\n");
            return 2;
        }
    }
    if (!n || !scale || !queries)
        return 2;
    for (size_t k = 0; k < n; k++) {
        if (build(uri[k], keep[k], scale, per_doc, &fig[k].capture_eps))
            return 1;
        printf("%-10s capture %.0f events/s\n", label[k], fig[k].capture_eps);
    }
    if (zl_open(uri[0], &s, &err))
        return 1;
    items.cap = queries;
    items.v = calloc(queries, sizeof(char *));
    items.role = ZL_ROLE_EPC;
    sample(s, "https://ref.gs1.org/cbv/BizStep-retail_selling", &items);
    lots.cap = 4;
    lots.v = calloc(4, sizeof(char *));
    lots.role = ZL_ROLE_OUTPUT_QTY;
    lots.contains = "/10/C";
    sample(s, "https://ref.gs1.org/cbv/BizStep-creating_class_instance", &lots);
    zl_close(s);
    printf("samples: %zu sold items, %zu milk collection lots\n", items.n,
           lots.n);
    for (size_t k = 0; k < n; k++)
        measure(uri[k], &items, &lots, &fig[k]);

    printf("\n%-10s %12s %17s %17s %11s\n", "store", "capture/s",
           "back p50/p99 ms", "fwd p50/p99 ms", "recall ms");
    for (size_t k = 0; k < n; k++)
        printf("%-10s %12.0f %8.3f/%8.3f %8.3f/%8.3f %11.1f\n", label[k],
               fig[k].capture_eps, fig[k].back50, fig[k].back99, fig[k].fwd50,
               fig[k].fwd99, fig[k].recall_ms);
    for (size_t k = 1; k < n; k++)
        printf("%s / %s: capture %.2fx, backward p99 %.2fx, forward p99 "
               "%.2fx, recall %.2fx (above 1: %s is slower)\n",
               label[k], label[0], fig[0].capture_eps / fig[k].capture_eps,
               fig[k].back99 / fig[0].back99, fig[k].fwd99 / fig[0].fwd99,
               fig[k].recall_ms / fig[0].recall_ms, label[k]);
    for (size_t i = 0; i < items.n; i++)
        free(items.v[i]);
    for (size_t i = 0; i < lots.n; i++)
        free(lots.v[i]);
    free(items.v);
    free(lots.v);
    return 0;
}
