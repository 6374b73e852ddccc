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
 *
 * Pipeline (--threads 2, the default): a second thread reads and parses
 * (zl_capture_parse: validate, canonicalise, hash) the next document
 * while this one stores the current one (zl_capture_store), so the two
 * stages overlap on two cores. Everything the store sees happens on this
 * thread in file order, exactly as with --threads 1: the same savepoints,
 * the same log order, the same reports. A document read ahead is dropped
 * unreported when the one before it stops the run (no --keep-going), as
 * if it had never been read.
 */
#include "cli_util.h"
#include "commands.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
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

/* A document through the pipeline: read and parsed on the worker, then
 * stored on the main thread. */
struct job {
    char *path;
    size_t max_bytes;
    char *data;
    size_t len;
    int read_rc; /* non-zero: not read (read_msg says why) */
    char read_msg[512];
    int rc; /* zl_capture_parse's */
    zl_capture_doc *doc;
    struct zl_error err;
};

/* The worker: one job at a time (the next document). */
struct worker {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const struct zl_capture_opts *o;
    struct job *todo; /* handed over, not yet parsed */
    struct job *done; /* parsed, not yet taken */
    int quit, started;
};

struct totals {
    size_t docs, failed, events, fresh, dup, corrected;
    double t0;
    int tty, json;
    size_t batch_docs;    /* documents per batch */
    struct pending *pend; /* the open batch's documents, if one is open */
    size_t n_pend, batch_events;
    int in_batch;
    int keep_going;
    struct worker *w;  /* NULL: --threads 1, everything on this thread */
    struct job *ahead; /* handed to the worker, stored next */
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
        "  --threads N       1: parse and store on one thread; 2 (default):\n"
        "                    parse the next document while this one is\n"
        "                    stored (the same stores, logs and reports)\n"
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

/* Read path as cli_read_file does, but say why it failed in j->read_msg
 * instead of printing it: the worker reads ahead, and a document is only
 * reported at its turn. */
static void job_read(struct job *j)
{
    j->read_rc = cli_read_file_msg(j->path, j->max_bytes, &j->data, &j->len,
                                   j->read_msg, sizeof j->read_msg);
}

/* Read and parse: the stage that needs no store. */
static void job_parse(struct job *j, const struct zl_capture_opts *o)
{
    job_read(j);
    if (!j->read_rc)
        j->rc = zl_capture_parse(j->data, j->len, o, &j->doc, &j->err);
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    zl_capture_doc_free(j->doc);
    free(j->data);
    free(j->path);
    free(j);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        struct job *j;

        while (!w->todo && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit)
            break;
        j = w->todo;
        w->todo = NULL;
        pthread_mutex_unlock(&w->mu);
        job_parse(j, w->o);
        pthread_mutex_lock(&w->mu);
        w->done = j;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int worker_start(struct worker *w, const struct zl_capture_opts *o)
{
    memset(w, 0, sizeof *w);
    w->o = o;
    if (pthread_mutex_init(&w->mu, NULL))
        return -1;
    if (pthread_cond_init(&w->cv, NULL)) {
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    if (pthread_create(&w->th, NULL, worker_main, w)) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    w->started = 1;
    return 0;
}

static void worker_stop(struct worker *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->started = 0;
}

static void worker_give(struct worker *w, struct job *j)
{
    pthread_mutex_lock(&w->mu);
    w->todo = j;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static struct job *worker_take(struct worker *w)
{
    struct job *j;

    pthread_mutex_lock(&w->mu);
    while (!w->done)
        pthread_cond_wait(&w->cv, &w->mu);
    j = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->mu);
    return j;
}

/* The store stage of a parsed document, in file order on this thread:
 * what capture_one did with zl_capture's result before the pipeline. */
static int job_store(zl_store *s, struct job *j,
                     const struct zl_capture_opts *o, struct totals *t)
{
    struct zl_capture_result res;
    struct zl_error err = {0};
    int rc;

    if (j->read_rc) {
        fputs(j->read_msg, stderr);
        t->failed++;
        return j->read_rc;
    }
    if (!t->in_batch) {
        if ((rc = zl_capture_batch_begin(s))) {
            zl_error_set(&err, rc, "", "cannot open a write transaction",
                         zl_strerror(rc), (size_t)-1);
            cli_print_error("capture", j->path, rc, &err, t->json);
            t->docs++;
            t->failed++;
            return rc;
        }
        t->in_batch = 1;
    }
    memset(&res, 0, sizeof res);
    if (j->rc) {
        rc = j->rc;
        err = j->err;
    } else {
        rc = zl_capture_store(s, j->doc, o, &res, &err);
    }
    t->docs++;
    if (rc)
        t->failed++;
    else
        t->batch_events += res.n_events;
    t->pend[t->n_pend].path = strdup(j->path);
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

/* Store the document read ahead, if any. */
static int flush_ahead(zl_store *s, const struct zl_capture_opts *o,
                       struct totals *t)
{
    struct job *j;
    int rc;

    if (!t->ahead)
        return 0;
    t->ahead = NULL;
    j = worker_take(t->w);
    rc = job_store(s, j, o, t);
    job_free(j);
    return rc;
}

/* Capture path: with the worker, hand path over to be parsed, then store
 * the document before it (parsed meanwhile) and keep path's as the one
 * ahead; the result is that earlier document's. Without, both stages
 * here. */
static int capture_one(zl_store *s, const char *path,
                       const struct zl_capture_opts *o, struct totals *t)
{
    struct job *j = calloc(1, sizeof *j);
    struct job *prev;
    int rc;

    if (!j || !(j->path = strdup(path))) {
        free(j);
        fprintf(stderr, "zhiliang capture: out of memory\n");
        t->failed++;
        return ZL_ENOMEM;
    }
    j->max_bytes = o->limits->max_bytes;
    if (!t->w) {
        job_parse(j, o);
        rc = job_store(s, j, o, t);
        job_free(j);
        return rc;
    }
    prev = t->ahead ? worker_take(t->w) : NULL;
    worker_give(t->w, j);
    t->ahead = j;
    if (!prev)
        return 0;
    rc = job_store(s, prev, o, t);
    job_free(prev);
    if (rc && !t->keep_going) { /* the run stops: drop the one ahead */
        job_free(worker_take(t->w));
        t->ahead = NULL;
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
        {"threads", required_argument, 0, 'T'},
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
    int keep_going = 0, quiet = 0, threads = 2, c, rc = 0;
    struct worker w;
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
        case 'T':
            if (strcmp(optarg, "1") && strcmp(optarg, "2")) {
                fprintf(stderr, "zhiliang capture: --threads is 1 or 2\n");
                return EXIT_USAGE;
            }
            threads = optarg[0] - '0';
            break;
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
    t.keep_going = keep_going;
    /* no second thread to be had: the same work on this one */
    if (threads == 2 && !worker_start(&w, &o))
        t.w = &w;
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
    if ((c = flush_ahead(s, &o, &t)) && !rc)
        rc = c;
    if ((c = batch_end(s, &t)) && !rc)
        rc = c;
    if (t.w)
        worker_stop(t.w);
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
