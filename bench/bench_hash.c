/*
 * bench_hash.c - events per second of the EPCIS parse and CBV 2.0 hash.
 *
 * Generates N ObjectEvents / AggregationEvents of a realistic size (8
 * identifiers, bizStep, disposition, readPoint, bizLocation, a business
 * transaction, an extension field) and reports these figures:
 *   hash      pre-hash + SHA-256 over already parsed JSON (the hash alone:
 *             ep_prehash() and ep_sha256(), what capture and
 *             zl_epcis_event_hash run, with each event's document-wide
 *             inputs - prefixes, expanded CBV terms - prepared before the
 *             clock starts); every hash is checked against the one
 *             zl_epcis_parse gave the event
 *   event     zl_epcis_event_hash on each event's JSON text (parse + hash)
 *   document  zl_epcis_parse of one document of N events (parse, validate,
 *             canonicalise identifiers, hash, keep the JSON)
 *   doc1k     zl_epcis_parse of documents of 1,000 such events (the usual
 *             capture unit; the tree stays small)
 *   each      zl_epcis_hash_each of the same document of N events on one
 *             thread (`zhiliang hash`: one event's tree at a time, no
 *             document kept); every hash checked against document's
 *   each1k    the same on the documents of 1,000 events
 *   jansson   json_loadb alone on the same text, the floor of "document"
 *   reference the peer: the CBV 2.0 reference implementation (RalphTro/
 *             epcis-event-hash-generator, Python) on the first R of the same
 *             events (default 2,000), run in this run when --reference DIR
 *             names a checkout of it; its figure is the CPU time of the
 *             child for R events minus that for one (Python's start and
 *             the JSON-LD context load), and every hash it prints must equal
 *             ours
 * Capture has to reach 100,000 events/s on 2 cores end to end, so "document"
 * must stay well above 50,000 events/s per core.
 * Times are CPU time of the process (one core).
 * usage: bench_hash [N] [--hash-only] [--reference DIR] [--python EXE]
 *        [--ref-events R]
 *        (--hash-only: the "hash" figure and the reference's only)
 *        (N default 100000; EXE default /usr/bin/python3, which needs
 *        Debian's python3-pyld and python3-dateutil)
 */
#include "epcis/epcis_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "zhiliang/epcis.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* CPU time of this (single-threaded) process: the figure stays meaningful
 * on a machine busy with other work. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_event(struct zl_buf *b, size_t i)
{
    size_t k;
    int r = 0;
    if (i % 4 == 3) {
        r |= zl_buf_printf(
            b,
            "{\"type\":\"AggregationEvent\",\"eventTime\":"
            "\"2024-03-%02zuT%02zu:%02zu:%02zu.%03zu+08:00\","
            "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\","
            "\"parentID\":\"urn:epc:id:sscc:0614141.%010zu\",\"childEPCs\":[",
            1 + i % 28, i % 24, i % 60, (i / 60) % 60, i % 1000, i);
        for (k = 0; k < 7; k++)
            r |= zl_buf_printf(b, "%s\"urn:epc:id:sgtin:0614141.107346.%zu\"",
                               k ? "," : "", i * 8 + k);
        r |= zl_buf_adds(b, "],\"bizStep\":\"packing\",\"disposition\":"
                            "\"in_progress\",\"readPoint\":{\"id\":"
                            "\"urn:epc:id:sgln:0614141.07346.1234\"}}");
        return r;
    }
    r |= zl_buf_printf(
        b,
        "{\"type\":\"ObjectEvent\",\"eventTime\":"
        "\"2024-03-%02zuT%02zu:%02zu:%02zu.%03zu+08:00\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\","
        "\"epcList\":[",
        1 + i % 28, i % 24, i % 60, (i / 60) % 60, i % 1000);
    for (k = 0; k < 6; k++)
        r |= zl_buf_printf(b,
                           "%s\"https://id.gs1.org/01/09506000134352/21/"
                           "S%zu\"",
                           k ? "," : "", i * 8 + k);
    r |= zl_buf_printf(
        b,
        "],\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:4012345."
        "012345.L%zu\",\"quantity\":%zu.5,\"uom\":\"KGM\"}],"
        "\"bizStep\":\"shipping\",\"disposition\":\"in_transit\","
        "\"readPoint\":{\"id\":\"urn:epc:id:sgln:0614141.07346.1234\"},"
        "\"bizLocation\":{\"id\":\"https://id.gs1.org/414/0614141073467\"},"
        "\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":"
        "\"urn:epcglobal:cbv:bt:0614141073467:PO%zu\"}],"
        "\"example:batchNote\":\"line %zu\"}",
        i % 97, i % 50, i, i % 7);
    return r;
}

/* The document of events [0, k) as bench_hash builds it (the same text as
 * the first k events of the big document). 0 or nonzero on failure. */
static int build_doc(struct zl_buf *b, size_t k)
{
    size_t i;
    int r = zl_buf_adds(b, "{\"@context\":[\"https://ref.gs1.org/standards/"
                           "epcis/2.0.0/epcis-context.jsonld\",{\"example\":"
                           "\"https://ns.example.com/epcis/\"}],\"type\":"
                           "\"EPCISDocument\",\"schemaVersion\":\"2.0\","
                           "\"creationDate\":\"2024-03-01T00:00:00Z\","
                           "\"epcisBody\":{\"eventList\":[");
    for (i = 0; i < k; i++) {
        if (i)
            r |= zl_buf_addc(b, ',');
        r |= add_event(b, i);
    }
    return r | zl_buf_adds(b, "]}}");
}

/* The timed part of "hash": pre-hash and SHA-256 of events [0, n), each
 * hash to hashes + 32 * i. Not inlined, so that a profiler can count it
 * alone (valgrind --tool=callgrind --toggle-collect=hash_loop). */
__attribute__((noinline)) static int
hash_loop(json_t **evs, size_t n, const char ***exp, const size_t *n_exp,
          struct ep_hashctx *hc, struct ep_arena *scratch, struct zl_buf *pre,
          uint8_t *hashes)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *type = json_string_value(json_object_get(evs[i], "type"));
        hc->expanded = exp[i];
        hc->n_expanded = n_exp[i];
        if (ep_prehash(evs[i], type, hc, scratch, pre) < 0 ||
            ep_sha256(pre->data, pre->len, hashes + 32 * i) < 0)
            return -1;
    }
    return 0;
}

/* CPU seconds (user + system) of the waited-for children so far. */
static double child_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Run the reference generator on the document of events [0, k) (written to
 * a temporary file); *cpu gets the child's CPU seconds. Returns how many
 * of its hashes equal ours (d's first k events, in order), or -1 when it
 * cannot run or prints a different number of hashes. */
static long run_reference(const char *dir, const char *python, size_t k,
                          const zl_epcis_doc *d, double *cpu)
{
    char path[] = "/tmp/zl-bench-hash-XXXXXX.jsonld", cmd[2048], line[512];
    struct zl_buf b;
    FILE *f, *p;
    int fd;
    size_t got = 0;
    long same = 0;
    double c0;
    zl_buf_init(&b, (size_t)1 << 30);
    fd = mkstemps(path, 7);
    if (fd < 0 || build_doc(&b, k) || !(f = fdopen(fd, "w"))) {
        zl_buf_cleanup(&b);
        return -1;
    }
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    zl_buf_cleanup(&b);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' -m epcis_event_hash_generator '%s' 2>/dev/null",
             dir, python, path);
    c0 = child_cpu();
    p = popen(cmd, "r");
    if (!p) {
        unlink(path);
        return -1;
    }
    while (fgets(line, sizeof line, p)) {
        const char *h = strstr(line, "ni:///");
        const struct zl_event *e;
        if (!h)
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        e = zl_epcis_doc_event(d, got++);
        if (e && !strcmp(h, e->hash_id))
            same++;
    }
    if (pclose(p) != 0)
        same = -1;
    *cpu = child_cpu() - c0;
    unlink(path);
    return got == k ? same : -1;
}

/* zl_epcis_hash_each's callback: the hash must be the parse's. */
struct each_check {
    const zl_epcis_doc *d;
    size_t base, bad;
};

static int each_one(void *ctx, const struct zl_event_hash *h)
{
    struct each_check *c = ctx;
    const struct zl_event *e = zl_epcis_doc_event(c->d, c->base + h->index);
    if (!e || memcmp(e->hash, h->hash, 32))
        c->bad++;
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = 100000, i, ref_n = 2000;
    const char *ref_dir = NULL, *python = "/usr/bin/python3";
    double t_ref = 0;
    long ref_same = -2;
    struct zl_buf doc, pre;
    struct ep_arena scratch, exp_arena;
    struct ep_hashctx hc;
    const char ***exp = NULL;
    size_t *n_exp = NULL;
    uint8_t *hashes = NULL;
    struct ep_ns ns = {"example", "https://ns.example.com/epcis/"};
    json_t **evs;
    zl_epcis_doc *d = NULL;
    struct zl_error err;
    double t0, t_hash, t_event = 0, t_doc, t_json = 0, t_doc1k = 0;
    double t_each = 0, t_each1k = 0;
    uint8_t h[32];
    int r = 0, hash_only = 0;

    for (i = 1; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--reference") && i + 1 < (size_t)argc)
            ref_dir = argv[++i];
        else if (!strcmp(argv[i], "--python") && i + 1 < (size_t)argc)
            python = argv[++i];
        else if (!strcmp(argv[i], "--hash-only"))
            hash_only = 1;
        else if (!strcmp(argv[i], "--ref-events") && i + 1 < (size_t)argc)
            ref_n = (size_t)strtoul(argv[++i], NULL, 10);
        else
            n = (size_t)strtoul(argv[i], NULL, 10);
    }
    if (n == 0)
        n = 1;
    if (ref_n > n)
        ref_n = n;
    if (ref_n < 2)
        ref_n = 2;
    zl_global_init(); /* as the CLI and server: JSON trees in an arena */
    zl_buf_init(&doc, (size_t)1 << 31);
    r = build_doc(&doc, n);
    if (r) {
        fprintf(stderr, "bench_hash: cannot build the document\n");
        return 1;
    }

    /* the floor: jansson alone on the same text */
    if (!hash_only) {
        json_t *j;
        t0 = now();
        j = json_loadb(doc.data, doc.len, JSON_REJECT_DUPLICATES, NULL);
        t_json = now() - t0;
        json_decref(j);
    }

    /* document: parse + validate + hash */
    {
        /* one big document: lift the default caps to its size */
        struct zl_capture_limits lim = {doc.len + 1, n, 0};
        t0 = now();
        r = zl_epcis_parse(doc.data, doc.len, &lim, &d, &err);
    }
    t_doc = now() - t0;
    if (r < 0) {
        fprintf(stderr, "bench_hash: %s: %s (%s)\n", err.path, err.rule,
                err.value);
        return 1;
    }

    /* documents of 1,000 events (what capture usually gets): the same
     * events, cut into documents */
    {
        size_t per = n < 1000 ? n : 1000, k, done = hash_only ? n : 0;
        struct zl_buf small;
        zl_buf_init(&small, (size_t)1 << 30);
        r = zl_buf_adds(&small, "{\"@context\":[\"https://ref.gs1.org/"
                                "standards/epcis/2.0.0/epcis-context.jsonld\","
                                "{\"example\":\"https://ns.example.com/"
                                "epcis/\"}],\"type\":\"EPCISDocument\","
                                "\"schemaVersion\":\"2.0\",\"creationDate\":"
                                "\"2024-03-01T00:00:00Z\",\"epcisBody\":{"
                                "\"eventList\":[");
        for (k = 0; k < per; k++) {
            if (k)
                r |= zl_buf_addc(&small, ',');
            r |= add_event(&small, k);
        }
        r |= zl_buf_adds(&small, "]}}");
        t0 = now();
        while (r == 0 && done < n) {
            zl_epcis_doc *d2 = NULL;
            if (zl_epcis_parse(small.data, small.len, NULL, &d2, &err) < 0) {
                fprintf(stderr, "bench_hash: %s: %s\n", err.path, err.rule);
                return 1;
            }
            zl_epcis_doc_free(d2);
            done += per;
        }
        t_doc1k = now() - t0;
        /* the same documents one event at a time */
        if (!hash_only) {
            struct each_check c = {d, 0, 0};
            struct zl_epcis_opts o = {NULL, 0, NULL, 1};
            t0 = now();
            for (done = 0; r == 0 && done < n; done += per)
                if (zl_epcis_hash_each(small.data, small.len, &o, each_one, &c,
                                       NULL, &err) < 0 ||
                    c.bad) {
                    fprintf(stderr, "bench_hash: each1k: %s: %s\n", err.path,
                            err.rule);
                    return 1;
                }
            t_each1k = now() - t0;
        }
        zl_buf_cleanup(&small);
    }

    /* each: the N-event document one event at a time */
    if (!hash_only) {
        struct zl_capture_limits lim = {doc.len + 1, n, 0};
        struct zl_epcis_opts o = {&lim, 0, NULL, 1};
        struct each_check c = {d, 0, 0};
        size_t got = 0;
        t0 = now();
        r = zl_epcis_hash_each(doc.data, doc.len, &o, each_one, &c, &got, &err);
        t_each = now() - t0;
        if (r < 0 || c.bad || got != n) {
            fprintf(stderr, "bench_hash: each: %d, %zu hashes differ\n", r,
                    c.bad);
            return 1;
        }
    }

    /* event: zl_epcis_event_hash on each stored event JSON */
    t0 = now();
    for (i = 0; i < (hash_only ? 0 : n); i++) {
        const struct zl_event *e = zl_epcis_doc_event(d, i);
        char id[96];
        if (zl_epcis_event_hash(e->json, e->json_len, NULL, NULL, h, id, &err) <
                0 ||
            strcmp(id, e->hash_id)) {
            fprintf(stderr, "bench_hash: event %zu: recomputed hash differs\n",
                    i);
            return 1;
        }
    }
    t_event = now() - t0;

    /* hash alone: pre-hash + SHA-256 over parsed JSON */
    evs = malloc(n * sizeof *evs);
    for (i = 0; evs && i < n; i++) {
        const struct zl_event *e = zl_epcis_doc_event(d, i);
        evs[i] = json_loadb(e->json, e->json_len, 0, NULL);
    }
    memset(&hc, 0, sizeof hc);
    hc.ns = &ns;
    hc.n_ns = 1;
    hc.skip_context = 1;
    ep_arena_init(&scratch);
    ep_arena_init(&exp_arena);
    zl_buf_init(&pre, (size_t)8 << 20);
    /* the bare CBV terms each event expands (parse_event() and
     * zl_epcis_event_hash() collect them per event the same way) */
    exp = malloc(n * sizeof *exp);
    n_exp = malloc(n * sizeof *n_exp);
    hashes = malloc(n * 32);
    for (i = 0; evs && exp && n_exp && i < n; i++) {
        size_t cap = 0;
        exp[i] = NULL;
        n_exp[i] = 0;
        if (!evs[i] || ep_collect_expanded(evs[i], &exp_arena, &exp[i],
                                           &n_exp[i], &cap, 0) < 0) {
            fprintf(stderr, "bench_hash: cannot prepare event %zu\n", i);
            return 1;
        }
    }
    if (!evs || !exp || !n_exp || !hashes) {
        fprintf(stderr, "bench_hash: out of memory\n");
        return 1;
    }
    t0 = now();
    if (hash_loop(evs, n, exp, n_exp, &hc, &scratch, &pre, hashes) < 0) {
        fprintf(stderr, "bench_hash: hashing failed\n");
        return 1;
    }
    t_hash = now() - t0;
    for (i = 0; i < n; i++)
        if (memcmp(hashes + 32 * i, zl_epcis_doc_event(d, i)->hash, 32)) {
            fprintf(stderr,
                    "bench_hash: event %zu: hash differs from the "
                    "parse's\n",
                    i);
            return 1;
        }

    /* the peer, in the same run */
    if (ref_dir) {
        double c1 = 0, ck = 0;
        long one = run_reference(ref_dir, python, 1, d, &c1);
        ref_same =
            one == 1 ? run_reference(ref_dir, python, ref_n, d, &ck) : -1;
        t_ref = ck - c1;
        if (ref_same < 0 || t_ref <= 0) {
            fprintf(stderr, "bench_hash: the reference generator did not run "
                            "(see --reference, --python)\n");
            return 1;
        }
        if ((size_t)ref_same != ref_n) {
            fprintf(stderr,
                    "bench_hash: the reference generator gave %zu hashes "
                    "different from ours\n",
                    ref_n - (size_t)ref_same);
            return 1;
        }
    }

    printf("events: %zu (document %.1f MB, %.0f bytes/event)\n", n,
           (double)doc.len / 1e6, (double)doc.len / (double)n);
    printf("hash      %10.0f events/s  %6.2f us/event  (pre-hash + SHA-256)\n",
           (double)n / t_hash, t_hash * 1e6 / (double)n);
    if (!hash_only)
        printf("event     %10.0f events/s  %6.2f us/event  "
               "(zl_epcis_event_hash)\n",
               (double)n / t_event, t_event * 1e6 / (double)n);
    if (!hash_only)
        printf("document  %10.0f events/s  %6.2f us/event  (zl_epcis_parse)\n",
               (double)n / t_doc, t_doc * 1e6 / (double)n);
    if (!hash_only)
        printf("doc1k     %10.0f events/s  %6.2f us/event  (zl_epcis_parse, "
               "documents of 1,000 events)\n",
               (double)n / t_doc1k, t_doc1k * 1e6 / (double)n);
    if (!hash_only)
        printf("each      %10.0f events/s  %6.2f us/event  "
               "(zl_epcis_hash_each, one thread: %.2fx document)\n",
               (double)n / t_each, t_each * 1e6 / (double)n, t_doc / t_each);
    if (!hash_only)
        printf("each1k    %10.0f events/s  %6.2f us/event  "
               "(zl_epcis_hash_each, documents of 1,000: %.2fx doc1k)\n",
               (double)n / t_each1k, t_each1k * 1e6 / (double)n,
               t_doc1k / t_each1k);
    if (!hash_only)
        printf("jansson   %10.0f events/s  %6.2f us/event  (json_loadb alone: "
               "the floor of document)\n",
               (double)n / t_json, t_json * 1e6 / (double)n);
    if (ref_dir) {
        /* events/s of the reference, from its marginal CPU per event */
        double rps = (double)(ref_n - 1) / t_ref;
        printf("reference %10.0f events/s  %6.0f us/event  (epcis-event-hash-"
               "generator, Python: %zu events, CPU beyond its start; all %zu "
               "hashes equal ours)\n",
               rps, 1e6 / rps, ref_n, ref_n);
        if (hash_only)
            printf("ratio     hash %.0fx the reference's events/s\n",
                   (double)n / t_hash / rps);
        else
            printf("ratio     hash %.0fx, event %.0fx, document %.0fx, doc1k "
                   "%.0fx "
                   "the reference's events/s\n",
                   (double)n / t_hash / rps, (double)n / t_event / rps,
                   (double)n / t_doc / rps, (double)n / t_doc1k / rps);
    }
    for (i = 0; evs && i < n; i++)
        json_decref(evs[i]);
    free(evs);
    free(exp);
    free(n_exp);
    free(hashes);
    zl_buf_cleanup(&pre);
    ep_arena_cleanup(&scratch);
    ep_arena_cleanup(&exp_arena);
    zl_epcis_doc_free(d);
    zl_buf_cleanup(&doc);
    return 0;
}
