/*
 * bench_parse.c - the parse floor of capture: how fast can the bytes of
 * an EPCIS document become something the validator can walk?
 *
 * A study for issue 11 (docs/capture-speed.md), not production code. The
 * demo generator writes N events as documents of 1,000 events into
 * memory; each contender then runs over every document, best of three
 * rounds, one core, and reports events/s and MB/s:
 *
 *   prescan          the structural walk capture already does (depth,
 *                    event ranges; epcis_prescan.c): a byte loop, no tree
 *   jansson          json_loadb(JSON_REJECT_DUPLICATES), nodes from malloc
 *   jansson+arena    the same, nodes from the per-thread arena (what
 *                    zl_epcis_parse does when the host called
 *                    zl_global_init)
 *   yajl tree        yajl_tree_parse (Debian libyajl-dev 2.1.0): a tree,
 *                    no duplicate-key check
 *   yajl events      yajl_parse with empty callbacks: tokenise and
 *                    unescape, build nothing (a streaming parse's floor)
 *   zl_epcis_parse   the whole parse stage (tree + validate + canonicalise
 *                    + pre-hash + SHA-256 + event text), for scale
 *
 * simdjson (C++) is measured by bench_parse_simdjson.cpp over the same
 * documents (it writes them with --dump DIR).
 */
#include "demo.h"
#include "epcis/epcis_int.h"
#include "util/alloc.h"
#include "zhiliang/epcis.h"
#include "zhiliang/zhiliang.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef ZL_HAVE_YAJL
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>
#endif

struct doc {
    char *text;
    size_t len, n;
};

static struct doc *docs;
static size_t n_docs, cap_docs, total_bytes, total_events;
static const char *dump_dir;

/* CPU time of this single-threaded process, as bench_hash: on the shared
 * 2-core machine wall-clock figures swing with the load of others. */
static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int keep(void *ctx, const char *text, size_t len, size_t n)
{
    (void)ctx;
    if (n_docs == cap_docs) {
        struct doc *d = realloc(
            docs, (cap_docs = cap_docs ? 2 * cap_docs : 64) * sizeof *d);

        if (!d)
            return -1;
        docs = d;
    }
    /* NUL-terminated, as yajl_tree_parse wants */
    if (!(docs[n_docs].text = malloc(len + 1)))
        return -1;
    memcpy(docs[n_docs].text, text, len);
    docs[n_docs].text[len] = '\0';
    docs[n_docs].len = len;
    if (dump_dir) {
        char p[400];
        FILE *f;

        snprintf(p, sizeof p, "%s/doc-%06zu.jsonld", dump_dir, n_docs);
        if (!(f = fopen(p, "wb")) || fwrite(text, 1, len, f) != len)
            return -1;
        fclose(f);
    }
    n_docs++;
    total_bytes += len;
    return 0;
}

/* ---- the contenders: 0 on success --------------------------------------- */

static int run_prescan(const struct doc *d)
{
    struct ep_path path;
    struct ep_slices sl = {NULL, 0, 0, 0, 0, 0, 0};
    int r;

    memset(&path, 0, sizeof path);
    r = ep_prescan(d->text, d->len, 64, d->len, &path, &sl);
    zl_free(sl.r);
    return r || sl.failed;
}

static int run_jansson(const struct doc *d)
{
    json_t *j = json_loadb(d->text, d->len, JSON_REJECT_DUPLICATES, NULL);

    if (!j)
        return 1;
    json_decref(j);
    return 0;
}

static int run_jansson_arena(const struct doc *d)
{
    struct ep_arena *a = ep_jarena_get();
    json_t *j;

    zl_alloc_json_route(ep_jarena_alloc, a);
    j = json_loadb(d->text, d->len, JSON_REJECT_DUPLICATES, NULL);
    zl_alloc_json_route(NULL, NULL);
    ep_arena_keep(a, EP_JARENA_KEEP);
    return j == NULL;
}

#ifdef ZL_HAVE_YAJL
static int run_yajl_tree(const struct doc *d)
{
    char e[128];
    yajl_val v = yajl_tree_parse(d->text, e, sizeof e);

    if (!v)
        return 1;
    yajl_tree_free(v);
    return 0;
}

static int y_null(void *c)
{
    (void)c;
    return 1;
}
static int y_bool(void *c, int b)
{
    (void)c;
    (void)b;
    return 1;
}
static int y_num(void *c, const char *s, size_t l)
{
    (void)c;
    (void)s;
    (void)l;
    return 1;
}
static int y_str(void *c, const unsigned char *s, size_t l)
{
    (void)c;
    (void)s;
    (void)l;
    return 1;
}
static const yajl_callbacks Y_CB = {y_null, y_bool, NULL,   NULL,
                                    y_num,  y_str,  y_null, y_str,
                                    y_null, y_null, y_null};

static int run_yajl_events(const struct doc *d)
{
    yajl_handle h = yajl_alloc(&Y_CB, NULL, NULL);
    int bad;

    bad = yajl_parse(h, (const unsigned char *)d->text, d->len) !=
              yajl_status_ok ||
          yajl_complete_parse(h) != yajl_status_ok;
    yajl_free(h);
    return bad;
}
#endif

static int run_epcis(const struct doc *d)
{
    struct zl_error err;
    zl_epcis_doc *doc;

    if (zl_epcis_parse(d->text, d->len, NULL, &doc, &err))
        return 1;
    zl_epcis_doc_free(doc);
    return 0;
}

static void measure(const char *name, int (*fn)(const struct doc *))
{
    double best = 1e30;

    for (int round = 0; round < 3; round++) {
        double t0 = now();

        for (size_t i = 0; i < n_docs; i++)
            if (fn(&docs[i])) {
                printf("%-16s failed on document %zu\n", name, i);
                return;
            }
        if (now() - t0 < best)
            best = now() - t0;
    }
    printf("%-16s %10.0f events/s %8.1f MB/s %8.2f us/event\n", name,
           total_events / best, total_bytes / best / 1e6,
           best * 1e6 / total_events);
}

int main(int argc, char **argv)
{
    struct zl_demo_opts o = {0};
    struct zl_demo_stats st = {0};
    uint64_t events = 100000;

    zl_global_init();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--events") && i + 1 < argc)
            events = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump_dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench_parse [--events N] [--dump DIR]\n");
            return 2;
        }
    }
    o.seed = 42;
    o.scale = events / 100 ? events / 100 : 1;
    o.per_doc = 1000;
    if (zl_demo_generate(&o, keep, NULL, &st)) {
        fprintf(stderr, "generation failed\n");
        return 1;
    }
    total_events = st.n_events;
    printf("bench_parse: %zu events in %zu documents, %.1f MB (%.0f bytes "
           "an event), best of 3\n",
           total_events, n_docs, total_bytes / 1e6,
           (double)total_bytes / total_events);
    measure("prescan", run_prescan);
    measure("jansson", run_jansson);
    measure("jansson+arena", run_jansson_arena);
#ifdef ZL_HAVE_YAJL
    measure("yajl tree", run_yajl_tree);
    measure("yajl events", run_yajl_events);
#endif
    measure("zl_epcis_parse", run_epcis);
    return 0;
}
