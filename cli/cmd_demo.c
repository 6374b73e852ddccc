/*
 * cmd_demo.c - `zhiliang demo generate`: write the demo supply chain.
 *
 * A thin client of zhiliang/demo.h: the library hands over one finished
 * EPCIS document at a time and this file writes it to DIR/chain-NNNNNN
 * .jsonld (or stdout), so memory stays flat at any scale. Master data goes
 * to DIR/parties.json, ground truth for the trace tests to DIR/truth.json.
 *
 * `demo sample` picks identifiers out of a store that holds a demo chain
 * (a milk collection lot for a recall, a sold item for a trace) through
 * the public query API, so scripts need not know the generator's numbering.
 */
#include "commands.h"

#include "cli_util.h"
#include "demo.h"
#include "zhiliang/error.h"
#include "zhiliang/query.h"
#include "zhiliang/zhiliang.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct out_ctx {
    const char *dir; /* NULL: stdout */
    int progress;
    uint64_t events, docs, target;
    double t_start, t_last;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_file(const char *path, const char *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc;

    if (fd < 0)
        return -errno;
    rc = write_all(fd, p, n);
    if (close(fd) < 0 && !rc)
        rc = -errno;
    return rc;
}

static int emit_doc(void *vctx, const char *doc, size_t len, size_t n)
{
    struct out_ctx *o = vctx;
    char path[4096];
    int rc;

    o->docs++;
    o->events += n;
    if (o->dir) {
        if (snprintf(path, sizeof path, "%s/chain-%06" PRIu64 ".jsonld", o->dir,
                     o->docs) >= (int)sizeof path)
            return ZL_ELIMIT;
        rc = write_file(path, doc, len);
    } else {
        rc = write_all(STDOUT_FILENO, doc, len);
    }
    if (rc)
        return rc;
    if (o->progress) {
        double t = now_s();

        if (t - o->t_last >= 0.5) {
            o->t_last = t;
            fprintf(stderr,
                    "\r%" PRIu64 " / ~%" PRIu64 " events, %" PRIu64
                    " documents, %.0f events/s   ",
                    o->events, o->target, o->docs,
                    (double)o->events / (t - o->t_start + 1e-9));
        }
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang demo generate --seed N --scale S [--out DIR|-]\n"
        "         [--per-doc N] [--sector dairy|vegetables|drugs|all]\n"
        "         [--parties FILE] [--truth N] [--json] [--help]\n\n"
        "Write a realistic GS1 EPCIS 2.0 JSON-LD supply chain (Chinese dairy,\n"
        "vegetable and drug chains): the same seed and scale give the same "
        "bytes.\n"
        "  --scale S     about 100*S events (1 = ~100, 100000 = ~10 million)\n"
        "  --out DIR     DIR/chain-000001.jsonld..., DIR/parties.json,\n"
        "                "
        "DIR/registry-{categories,enterprises,inspectors}.json\n"
        "  --out -       one document on stdout (scale <= 100)\n"
        "  --per-doc N   events per document (default 1000)\n"
        "  --parties F   also write the master data (parties, products) to F\n"
        "  --truth N     DIR/truth.json: downstream of N sample milk "
        "collection\n"
        "                lots (scale <= 10000), for trace and recall tests\n"
        "  --json        print the summary as JSON\n\n"
        "       zhiliang demo sample [--store DB] --what collection-lot|"
        "sold-item\n"
        "Print a milk collection lot or a sold item of a captured demo "
        "chain.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    unsigned long long x;

    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *v = (uint64_t)x;
    return 0;
}

static int generate(int argc, char **argv)
{
    struct zl_demo_opts o;
    struct zl_demo_stats st;
    struct out_ctx oc;
    const char *out = NULL, *parties = NULL;
    char path[4096], *md = NULL;
    size_t mdlen = 0;
    uint64_t v;
    int i, json = 0, rc, have_seed = 0, have_scale = 0, ret = 1;
    double secs;

    memset(&o, 0, sizeof o);
    memset(&st, 0, sizeof st);
    memset(&oc, 0, sizeof oc);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--seed") && !parse_u64(val, &v)) {
            o.seed = v;
            have_seed = 1;
            i++;
        } else if (!strcmp(a, "--scale") && !parse_u64(val, &v) && v >= 1) {
            o.scale = v;
            have_scale = 1;
            i++;
        } else if (!strcmp(a, "--per-doc") && !parse_u64(val, &v) && v >= 1) {
            o.per_doc = (size_t)v;
            i++;
        } else if (!strcmp(a, "--truth") && !parse_u64(val, &v) && v <= 32) {
            o.truth_lots = (size_t)v;
            i++;
        } else if (!strcmp(a, "--out") && val) {
            out = val;
            i++;
        } else if (!strcmp(a, "--parties") && val) {
            parties = val;
            i++;
        } else if (!strcmp(a, "--sector") && val) {
            if (!strcmp(val, "dairy"))
                o.sectors = ZL_DEMO_DAIRY;
            else if (!strcmp(val, "vegetables"))
                o.sectors = ZL_DEMO_VEGETABLES;
            else if (!strcmp(val, "drugs"))
                o.sectors = ZL_DEMO_DRUGS;
            else if (!strcmp(val, "all"))
                o.sectors = ZL_DEMO_ALL;
            else {
                fprintf(stderr,
                        "zhiliang demo: unknown sector '%s' (dairy,"
                        " vegetables, drugs or all)\n",
                        val);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr,
                    "zhiliang demo generate: bad or incomplete "
                    "option '%s'\n",
                    a);
            usage(stderr);
            return 2;
        }
    }
    if (!have_seed || !have_scale) {
        fprintf(stderr, "zhiliang demo generate: --seed and --scale are "
                        "required\n");
        return 2;
    }
    if (!out)
        out = o.scale <= 100 ? "-" : NULL;
    if (!out) {
        fprintf(stderr, "zhiliang demo generate: --out DIR is required "
                        "above scale 100\n");
        return 2;
    }
    if (!strcmp(out, "-")) {
        if (o.scale > 100) {
            fprintf(stderr, "zhiliang demo generate: --out - is for scale "
                            "<= 100\n");
            return 2;
        }
        if (o.truth_lots) {
            fprintf(stderr, "zhiliang demo generate: --truth needs --out "
                            "DIR\n");
            return 2;
        }
        o.per_doc = (size_t)-1;
    } else {
        if (mkdir(out, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "zhiliang demo: cannot create %s: %s\n", out,
                    strerror(errno));
            return 1;
        }
        oc.dir = out;
    }
    oc.progress = isatty(STDERR_FILENO);
    oc.target = o.scale * 100;
    oc.t_start = oc.t_last = now_s();

    rc = zl_demo_parties_json(&o, &md, &mdlen);
    if (!rc && oc.dir) {
        if (snprintf(path, sizeof path, "%s/parties.json", out) >=
            (int)sizeof path)
            rc = ZL_ELIMIT;
        else
            rc = write_file(path, md, mdlen);
    }
    if (!rc && parties)
        rc = write_file(parties, md, mdlen);
    if (rc) {
        fprintf(stderr, "zhiliang demo: master data: %s\n", zl_strerror(rc));
        goto out;
    }
    for (int w = 0; !rc && oc.dir && w < 3; w++) {
        static const char *const NAME[3] = {"categories", "enterprises",
                                            "inspectors"};

        zl_demo_free(md);
        md = NULL;
        rc = zl_demo_registry_json(&o, w, &md, &mdlen);
        if (!rc && snprintf(path, sizeof path, "%s/registry-%s.json", out,
                            NAME[w]) >= (int)sizeof path)
            rc = ZL_ELIMIT;
        if (!rc)
            rc = write_file(path, md, mdlen);
        if (rc)
            fprintf(stderr, "zhiliang demo: registry-%s.json: %s\n", NAME[w],
                    zl_strerror(rc));
    }
    if (rc)
        goto out;
    rc = zl_demo_generate(&o, emit_doc, &oc, &st);
    if (oc.progress)
        fprintf(stderr, "\n");
    if (rc) {
        fprintf(stderr, "zhiliang demo: %s\n", zl_strerror(rc));
        goto out;
    }
    if (o.truth_lots) {
        if (snprintf(path, sizeof path, "%s/truth.json", out) >=
            (int)sizeof path)
            rc = ZL_ELIMIT;
        else
            rc = write_file(path, st.truth_json, st.truth_len);
        if (rc) {
            fprintf(stderr, "zhiliang demo: truth.json: %s\n", zl_strerror(rc));
            goto out;
        }
    }
    secs = now_s() - oc.t_start;
    if (oc.dir) {
        if (json)
            cli_print_json(
                json_pack(
                    "{s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:o}", "events",
                    (json_int_t)st.n_events, "documents", (json_int_t)st.n_docs,
                    "bytes", (json_int_t)st.n_bytes, "items",
                    (json_int_t)st.n_items, "cycles", (json_int_t)st.n_cycles,
                    "seconds", (double)(long long)(secs * 1000 + 0.5) / 1000,
                    "eventsPerSecond",
                    (json_int_t)((double)st.n_events / (secs + 1e-9) + 0.5),
                    "out", cli_json_str(out)),
                JSON_REAL_PRECISION(9));
        else
            printf("%" PRIu64 " events in %" PRIu64 " documents (%" PRIu64
                   " bytes, %" PRIu64 " serialised items) in %s, %.2f s, "
                   "%.0f events/s\n",
                   st.n_events, st.n_docs, st.n_bytes, st.n_items, out, secs,
                   (double)st.n_events / (secs + 1e-9));
    }
    ret = 0;
out:
    zl_demo_free(md);
    zl_demo_stats_cleanup(&st);
    return ret;
}

struct sample_ctx {
    int what; /* 0 collection lot, 1 sold item */
    char id[512];
};

/* Keep the first event that shows what is asked for. */
static int sample_event(void *vctx, const char *ev_json, size_t len)
{
    struct sample_ctx *sc = vctx;
    json_t *ev = json_loadb(ev_json, len, 0, NULL), *x;
    const char *id = NULL;

    if (!ev)
        return 0;
    if (sc->what == 0) {
        x = json_array_get(json_object_get(ev, "outputQuantityList"), 0);
        id = json_string_value(json_object_get(x, "epcClass"));
        /* collection lots are numbered C<yymmdd>-n (batch lots B...) */
        if (id && !strstr(id, "/10/C") && !strstr(id, ".C"))
            id = NULL;
    } else {
        id = json_string_value(
            json_array_get(json_object_get(ev, "epcList"), 0));
    }
    if (id && strlen(id) < sizeof sc->id)
        memcpy(sc->id, id, strlen(id) + 1);
    json_decref(ev);
    return sc->id[0] ? 1 : 0;
}

static int sample(int argc, char **argv)
{
    const char *store_opt = NULL, *what = NULL;
    struct sample_ctx sc;
    struct zl_error err;
    zl_store *s = NULL;
    zl_query *q = NULL;
    int i, json = 0, rc, ret = 1;

    memset(&sc, 0, sizeof sc);
    memset(&err, 0, sizeof err);
    for (i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: zhiliang demo sample [--store DB] --what "
                   "collection-lot|sold-item [--json]\n\n"
                   "Print one identifier from a store holding a demo chain:"
                   "\n  collection-lot  a milk collection lot (LGTIN, Digital "
                   "Link), for recall scope\n  sold-item       a retail-sold "
                   "item (SGTIN), for trace back\n");
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
            store_opt = argv[++i];
        } else if (!strcmp(argv[i], "--what") && i + 1 < argc) {
            what = argv[++i];
        } else {
            fprintf(stderr, "zhiliang demo sample: bad option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!what ||
        (strcmp(what, "collection-lot") && strcmp(what, "sold-item"))) {
        fprintf(stderr, "zhiliang demo sample: --what collection-lot|"
                        "sold-item is required\n");
        return 2;
    }
    sc.what = strcmp(what, "collection-lot") ? 1 : 0;
    s = cli_open_store(store_opt);
    if (!s)
        return 1;
    rc = zl_query_new(&q);
    if (!rc && sc.what == 0)
        rc = zl_query_param(q, "eventType", "TransformationEvent", &err);
    if (!rc)
        rc = zl_query_param(
            q, "EQ_bizStep",
            sc.what == 0 ? "creating_class_instance" : "retail_selling", &err);
    if (!rc) {
        rc = zl_query_each(s, q, ZL_EPC_DIGITAL_LINK, sample_event, &sc, NULL,
                           &err);
        if (rc == 1)
            rc = 0;
    }
    if (rc) {
        cli_print_error("demo sample", NULL, rc, &err, json);
        goto out;
    }
    if (!sc.id[0]) {
        fprintf(stderr, "zhiliang demo sample: no %s in the store\n", what);
        goto out;
    }
    if (json)
        cli_print_json(json_pack("{s:o,s:o}", "what", cli_json_str(what), "id",
                                 cli_json_str(sc.id)),
                       0);
    else
        printf("%s\n", sc.id);
    ret = 0;
out:
    zl_query_free(q);
    zl_close(s);
    return ret;
}

int cmd_demo(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "generate"))
        return generate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sample"))
        return sample(argc - 1, argv + 1);
    fprintf(stderr, "zhiliang demo: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
