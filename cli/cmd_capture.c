/*
 * cmd_capture.c - `zhiliang capture`: store EPCIS 2.0 documents.
 *
 * Each document is stored whole or not at all; a directory is captured
 * file by file in name order, so a failure names the file and everything
 * before it stays stored. Progress goes to stderr when it is a terminal.
 *
 * Group commit: documents are captured in batches (zl_capture_batch_begin:
 * one transaction, each document a savepoint of it) of up to --batch
 * documents or BATCH_EVENTS events, which writes the index pages the
 * documents share once per batch instead of once per document (issue 11,
 * docs/capture-speed.md). A document that fails is undone alone and ends
 * its batch; the batch's documents are reported in file order once it has
 * committed, so nothing is reported stored that a crash could still take
 * back (a refused document's error is printed then too). --batch 1 is a
 * transaction per document.
 */
#include "cli_util.h"
#include "commands.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A batch ends at whichever comes first: --batch documents (default
 * BATCH_DOCS) or BATCH_EVENTS events, so the store's write lock is held
 * for about a second at the usual rates. */
#define BATCH_DOCS   16
#define BATCH_EVENTS 16000

/* A document of the open batch, reported when the batch ends (in file
 * order, refused ones too). */
struct pending {
    char *path;
    int rc; /* its capture's: non-zero, it was refused (err says why) */
    struct zl_capture_result res;
    struct zl_error err;
};

struct totals {
    size_t docs, failed, events, fresh, dup, corrected;
    double t0;
    int tty, json;
    size_t batch_docs;    /* documents per batch */
    struct pending *pend; /* the open batch's documents, if one is open */
    size_t n_pend, batch_events;
    int in_batch;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang capture [options] FILE|DIR|- ...\n\n"
        "Validate EPCIS 2.0 documents (JSON or JSON-LD, or XML of EPCIS\n"
        "1.2 or 2.0, told by its first byte '<') and store every\n"
        "event with its CBV 2.0 event hash and a Merkle log leaf. Each\n"
        "document is stored whole or not at all; capturing it again\n"
        "changes nothing. A directory is captured file by file (*.json,\n"
        "*.jsonld, *.xml, in name order).\n\n"
        "  --store PATH      the store (default $ZHILIANG_STORE, then "
        "./zhiliang.db)\n"
        "  --party P         capture as this party (ID, USCC, GLN or name):\n"
        "                    every event must pass the write rule\n"
        "                    (docs/access.md);\n"
        "                    without it the capture is the store operator's\n"
        "                    own load (local access to the store file)\n"
        "  --signature SIG   the party's detached Ed25519 signature over the\n"
        "                    document (base64, or a file holding it; from\n"
        "                    `zhiliang key sign`); a bad one refuses the "
        "document\n"
        "  --max-bytes N     capture file size limit (default %zu)\n"
        "  --max-events N    capture limit, events per document (default %zu)\n"
        "  --keep-going      continue with the next file after a refused one\n"
        "  --batch N         documents per commit (default %d; 1 = one\n"
        "                    transaction per document)\n"
        "  --json            one JSON line per document and a summary\n"
        "  --quiet           no progress\n\n"
        "Exit codes: 0 all stored, 1 a document was refused or the store\n"
        "failed (the error names the file, JSON path, rule and value),\n"
        "2 usage error.\n",
        ZL_DEFAULT_MAX_BYTES, ZL_DEFAULT_MAX_EVENTS, BATCH_DOCS);
}

static void progress(const struct totals *t, const char *name)
{
    double dt = now_s() - t->t0;

    fprintf(stderr,
            "\r%zu documents, %zu events (%zu new) %.0f events/s  %-40.40s",
            t->docs, t->events, t->fresh, dt > 0 ? t->events / dt : 0.0, name);
}

/* Commit the open batch (if any) and report its documents: counted and
 * listed when it committed, each named as not stored when it did not. */
static int batch_end(zl_store *s, struct totals *t)
{
    struct zl_error err = {0};
    int rc;

    if (!t->in_batch)
        return 0;
    t->in_batch = 0;
    rc = zl_capture_batch_commit(s);
    for (size_t i = 0; i < t->n_pend; i++) {
        struct pending *p = &t->pend[i];

        if (p->rc) {
            if (t->tty)
                fputc('\n', stderr);
            cli_print_error("capture", p->path ? p->path : "-", p->rc, &p->err,
                            t->json);
        } else if (rc) {
            zl_error_set(&err, rc, "", "the store refused the commit",
                         zl_strerror(rc), (size_t)-1);
            if (t->tty)
                fputc('\n', stderr);
            cli_print_error("capture", p->path ? p->path : "-", rc, &err,
                            t->json);
            t->failed++;
        } else {
            t->events += p->res.n_events;
            t->fresh += p->res.n_new;
            t->dup += p->res.n_duplicate;
            t->corrected += p->res.n_corrected;
            if (t->json)
                cli_print_json(
                    json_pack("{s:o,s:I,s:I,s:I,s:I}", "file",
                              cli_json_str(p->path ? p->path : "-"), "events",
                              (json_int_t)p->res.n_events, "new",
                              (json_int_t)p->res.n_new, "duplicates",
                              (json_int_t)p->res.n_duplicate, "logSize",
                              (json_int_t)p->res.log_size),
                    0);
        }
        free(p->path);
    }
    if (!rc && t->tty && t->n_pend)
        progress(t, t->pend[t->n_pend - 1].path ? t->pend[t->n_pend - 1].path
                                                : "-");
    t->n_pend = t->batch_events = 0;
    return rc;
}

static int capture_one(zl_store *s, const char *path,
                       const struct zl_capture_opts *o, struct totals *t)
{
    struct zl_capture_result res;
    struct zl_error err = {0};
    char *data;
    size_t len;
    int rc = cli_read_file(path, o->limits->max_bytes, &data, &len);

    if (rc) {
        t->failed++;
        return rc;
    }
    if (!t->in_batch) {
        if ((rc = zl_capture_batch_begin(s))) {
            free(data);
            zl_error_set(&err, rc, "", "cannot open a write transaction",
                         zl_strerror(rc), (size_t)-1);
            cli_print_error("capture", path, rc, &err, t->json);
            t->docs++;
            t->failed++;
            return rc;
        }
        t->in_batch = 1;
    }
    rc = zl_capture(s, data, len, o, &res, &err);
    free(data);
    t->docs++;
    if (rc)
        t->failed++;
    else
        t->batch_events += res.n_events;
    t->pend[t->n_pend].path = strdup(path);
    t->pend[t->n_pend].rc = rc;
    t->pend[t->n_pend].res = res;
    t->pend[t->n_pend++].err = err;
    /* a refused document ends its batch: should the store have had to
     * drop the whole transaction, the commit says so for every document
     * before it, and the next document starts afresh */
    if (rc || t->n_pend >= t->batch_docs || t->batch_events >= BATCH_EVENTS) {
        int c = batch_end(s, t);

        return rc ? rc : c;
    }
    return rc;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);

    return a >= b && !strcmp(s + a - b, suf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int capture_dir(zl_store *s, const char *dir,
                       const struct zl_capture_opts *o, struct totals *t,
                       int keep_going)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    if (!d) {
        fprintf(stderr, "zhiliang capture: cannot open directory %s\n", dir);
        return ZL_ENOTFOUND;
    }
    while ((e = readdir(d))) {
        char *p;

        if (!has_suffix(e->d_name, ".json") &&
            !has_suffix(e->d_name, ".jsonld") && !has_suffix(e->d_name, ".xml"))
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);

            if (!nn) {
                rc = ZL_ENOMEM;
                break;
            }
            names = nn;
        }
        size_t plen = strlen(dir) + strlen(e->d_name) + 2;

        p = malloc(plen);
        if (!p) {
            rc = ZL_ENOMEM;
            break;
        }
        snprintf(p, plen, "%s/%s", dir, e->d_name);
        names[n++] = p;
    }
    closedir(d);
    if (!rc)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = capture_one(s, names[i], o, t);
        if (rc && keep_going)
            rc = 0;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int cmd_capture(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"party", required_argument, 0, 'p'},
        {"signature", required_argument, 0, 'S'},
        {"max-bytes", required_argument, 0, 'B'},
        {"max-events", required_argument, 0, 'E'},
        {"keep-going", no_argument, 0, 'k'},
        {"batch", required_argument, 0, 'b'},
        {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct zl_capture_limits lim = {ZL_DEFAULT_MAX_BYTES, ZL_DEFAULT_MAX_EVENTS,
                                    ZL_DEFAULT_MAX_DEPTH};
    struct zl_capture_opts o = {0};
    char party_id[ZL_PARTY_ID_MAX];
    struct totals t = {0};
    const char *store = NULL;
    char sig[128];
    int keep_going = 0, quiet = 0, c, rc = 0;
    zl_store *s;
    double dt;

    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        char *end;

        switch (c) {
        case 's': store = optarg; break;
        case 'p': o.party = optarg; break;
        case 'S':
            if (cli_read_b64_arg(optarg, sig, sizeof sig)) {
                fprintf(stderr, "zhiliang capture: cannot read signature %s\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.signature_b64 = sig;
            break;
        case 'B':
        case 'E':
        case 'b': {
            unsigned long long v = strtoull(optarg, &end, 10);

            if (*end || !v || (c == 'b' && v > 100000)) {
                fprintf(stderr,
                        "zhiliang capture: --%s needs a positive number%s\n",
                        c == 'B'   ? "max-bytes"
                        : c == 'E' ? "max-events"
                                   : "batch",
                        c == 'b' ? " (at most 100000)" : "");
                return EXIT_USAGE;
            }
            if (c == 'B')
                lim.max_bytes = (size_t)v;
            else if (c == 'E')
                lim.max_events = (size_t)v;
            else
                t.batch_docs = (size_t)v;
            break;
        }
        case 'k': keep_going = 1; break;
        case 'j': t.json = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind == argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    o.limits = &lim;
    if (!t.batch_docs)
        t.batch_docs = BATCH_DOCS;
    t.pend = calloc(t.batch_docs, sizeof *t.pend);
    if (!t.pend) {
        fprintf(stderr, "zhiliang capture: out of memory\n");
        return EXIT_FAIL;
    }
    s = cli_open_store(store);
    if (!s || (o.party && !(o.party = cli_party_arg(s, "capture", o.party,
                                                    party_id, 1)))) {
        zl_close(s);
        free(t.pend);
        return EXIT_FAIL;
    }
    t.tty = !quiet && !t.json && isatty(2);
    t.t0 = now_s();
    for (int i = optind; i < argc; i++) {
        struct stat st;
        int r;

        if (strcmp(argv[i], "-") && stat(argv[i], &st) == 0 &&
            S_ISDIR(st.st_mode))
            r = capture_dir(s, argv[i], &o, &t, keep_going);
        else
            r = capture_one(s, argv[i], &o, &t);
        if (r && !rc)
            rc = r;
        if (r && !keep_going)
            break;
    }
    /* the documents before a failure stay stored */
    if ((c = batch_end(s, &t)) && !rc)
        rc = c;
    free(t.pend);
    dt = now_s() - t.t0;
    if (t.tty)
        fputc('\n', stderr);
    if (t.json)
        cli_print_json(
            json_pack("{s:I,s:I,s:I,s:I,s:I,s:f}", "documents",
                      (json_int_t)t.docs, "failed", (json_int_t)t.failed,
                      "events", (json_int_t)t.events, "new",
                      (json_int_t)t.fresh, "duplicates", (json_int_t)t.dup,
                      "seconds", (double)(long long)(dt * 1000 + 0.5) / 1000),
            JSON_REAL_PRECISION(9));
    else {
        size_t ok = t.docs - (t.failed > t.docs ? t.docs : t.failed);

        printf("captured %zu document%s (%zu refused): %zu event%s, %zu new, "
               "%zu already stored, %.2f s (%.0f events/s)\n",
               ok, ok == 1 ? "" : "s", t.failed, t.events,
               t.events == 1 ? "" : "s", t.fresh, t.dup, dt,
               dt > 0 ? t.events / dt : 0.0);
    }
    if (!t.json && t.corrected)
        printf("%zu stored events declared erroneous (corrections)\n",
               t.corrected);
    zl_close(s);
    return rc || t.failed ? EXIT_FAIL : EXIT_OK;
}
