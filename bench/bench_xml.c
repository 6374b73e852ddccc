/*
 * bench_xml.c - XML capture beside JSON capture of the same events, in one
 * run (issue 15's target: XML at least 70% of the JSON rate).
 *
 * The demo generator writes N events (default 200,000) as JSON-LD
 * documents of 1,000 events; each document is turned into its EPCIS 2.0
 * XML twin with zl_epcis_json_to_xml (not timed) and the twins are checked
 * to give the same event hashes. Then, alternating JSON and XML so that
 * neither side gets a warmer machine:
 *   1. parse: zl_epcis_parse (JSON) vs zl_epcis_parse_xml (XML: libxml2
 *      reader, conversion, then the same validation and hashing);
 *   2. capture: zl_capture of every document into a fresh SQLite store
 *      per side (parse, validate, hash, store rows, log leaf).
 * Reports events/s for each and the XML/JSON ratio; exit 0 either way
 * (figures, not a timed test).
 */
#include "demo.h"
#include "zhiliang/epcis.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct docs {
    char **json, **xml;
    size_t *jlen, *xlen;
    size_t n, cap;
    size_t json_bytes, xml_bytes;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int emit(void *ctx, const char *doc, size_t len, size_t n)
{
    struct docs *d = ctx;
    struct zl_error err;
    (void)n;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        d->json = realloc(d->json, d->cap * sizeof *d->json);
        d->xml = realloc(d->xml, d->cap * sizeof *d->xml);
        d->jlen = realloc(d->jlen, d->cap * sizeof *d->jlen);
        d->xlen = realloc(d->xlen, d->cap * sizeof *d->xlen);
        if (!d->json || !d->xml || !d->jlen || !d->xlen)
            return -1;
    }
    d->json[d->n] = malloc(len + 1);
    if (!d->json[d->n])
        return -1;
    memcpy(d->json[d->n], doc, len);
    d->json[d->n][len] = '\0';
    d->jlen[d->n] = len;
    memset(&err, 0, sizeof err);
    if (zl_epcis_json_to_xml(doc, len, &d->xml[d->n], &d->xlen[d->n], &err)) {
        fprintf(stderr, "to XML: %s %s\n", err.path, err.rule);
        return -1;
    }
    d->json_bytes += len;
    d->xml_bytes += d->xlen[d->n];
    d->n++;
    return 0;
}

/* Parse every document of one side; events/s. */
static double parse_rate(const struct docs *d, int xml, size_t *events)
{
    double t0 = now();
    size_t i;
    *events = 0;
    for (i = 0; i < d->n; i++) {
        zl_epcis_doc *doc = NULL;
        struct zl_error err;
        int r;
        memset(&err, 0, sizeof err);
        r = xml ? zl_epcis_parse_xml(d->xml[i], d->xlen[i], NULL, &doc, &err)
                : zl_epcis_parse(d->json[i], d->jlen[i], NULL, &doc, &err);
        if (r) {
            fprintf(stderr, "%s doc %zu: %s %s\n", xml ? "XML" : "JSON", i,
                    err.path, err.rule);
            exit(1);
        }
        *events += zl_epcis_doc_count(doc);
        zl_epcis_doc_free(doc);
    }
    return (double)*events / (now() - t0);
}

/* Capture every document of one side into a fresh store; events/s. */
static double capture_rate(const struct docs *d, int xml, const char *dir,
                           size_t *events)
{
    char path[400];
    struct zl_error err;
    zl_store *s;
    double t0;
    size_t i;
    memset(&err, 0, sizeof err);
    snprintf(path, sizeof path, "%s/%s.db", dir, xml ? "xml" : "json");
    if (zl_init(path, "bench.local/log", &err) || zl_open(path, &s, &err)) {
        fprintf(stderr, "store: %s\n", err.rule);
        exit(1);
    }
    *events = 0;
    t0 = now();
    for (i = 0; i < d->n; i++) {
        struct zl_capture_result res;
        if (zl_capture(s, xml ? d->xml[i] : d->json[i],
                       xml ? d->xlen[i] : d->jlen[i], NULL, &res, &err)) {
            fprintf(stderr, "capture doc %zu: %s %s\n", i, err.path, err.rule);
            exit(1);
        }
        *events += res.n_new;
    }
    t0 = now() - t0;
    zl_close(s);
    return (double)*events / t0;
}

int main(int argc, char **argv)
{
    uint64_t events = 200000;
    struct zl_demo_opts o = {0};
    struct docs d = {0};
    char dir[300];
    double pj = 0, px = 0, cj = 0, cx = 0;
    size_t ne, i;
    int round;

    zl_global_init();
    for (i = 1; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--events") && i + 1 < (size_t)argc)
            events = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_xml [--events N]\n");
            return 2;
        }
    }
    o.seed = 42;
    o.scale = events / 100 ? events / 100 : 1;
    o.per_doc = 1000;
    if (zl_demo_generate(&o, emit, &d, NULL)) {
        fprintf(stderr, "generation failed\n");
        return 1;
    }
    /* the twins hash alike (every document: also a warm-up) */
    for (i = 0; i < d.n; i++) {
        zl_epcis_doc *a = NULL, *b = NULL;
        struct zl_error err;
        size_t k;
        if (zl_epcis_parse(d.json[i], d.jlen[i], NULL, &a, &err) ||
            zl_epcis_parse_xml(d.xml[i], d.xlen[i], NULL, &b, &err) ||
            zl_epcis_doc_count(a) != zl_epcis_doc_count(b)) {
            fprintf(stderr, "doc %zu: %s %s\n", i, err.path, err.rule);
            return 1;
        }
        for (k = 0; k < zl_epcis_doc_count(a); k++)
            if (memcmp(zl_epcis_doc_event(a, k)->hash,
                       zl_epcis_doc_event(b, k)->hash, 32)) {
                fprintf(stderr, "doc %zu event %zu: hashes differ\n", i, k);
                return 1;
            }
        zl_epcis_doc_free(a);
        zl_epcis_doc_free(b);
    }
    printf("bench_xml: %zu documents, %.1f MB JSON-LD, %.1f MB XML; every "
           "event hashes the same in both\n",
           d.n, d.json_bytes / 1e6, d.xml_bytes / 1e6);
    /* parse: best of 3 alternating rounds */
    for (round = 0; round < 3; round++) {
        double r;
        if ((r = parse_rate(&d, 0, &ne)) > pj)
            pj = r;
        if ((r = parse_rate(&d, 1, &ne)) > px)
            px = r;
    }
    {
        /* the share of the XML side that is the conversion alone */
        double t0 = now(), tc;
        for (i = 0; i < d.n; i++) {
            char *j = NULL;
            size_t jl;
            struct zl_error err;
            if (zl_epcis_xml_to_json(d.xml[i], d.xlen[i], NULL, &j, &jl, &err))
                return 1;
            zl_free(j);
        }
        tc = now() - t0;
        printf("XML -> JSON-LD alone %9.0f events/s\n", (double)ne / tc);
    }
    printf("parse+validate+hash  JSON %9.0f events/s   XML %9.0f events/s   "
           "XML/JSON %.0f%%\n",
           pj, px, 100 * px / pj);
    snprintf(dir, sizeof dir, "%s/zl-bench-xml-%d",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    if (mkdir(dir, 0700))
        return 1;
    cj = capture_rate(&d, 0, dir, &ne);
    cx = capture_rate(&d, 1, dir, &ne);
    printf("capture (SQLite)     JSON %9.0f events/s   XML %9.0f events/s   "
           "XML/JSON %.0f%%  (%zu events each)\n",
           cj, cx, 100 * cx / cj, ne);
    {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    for (i = 0; i < d.n; i++) {
        free(d.json[i]);
        zl_free(d.xml[i]);
    }
    free(d.json);
    free(d.xml);
    free(d.jlen);
    free(d.xlen);
    return 0;
}
