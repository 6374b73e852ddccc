/*
 * epcis_hashes.c - the CBV 2.0 hash of every event of a document, one
 * event at a time (zl_epcis_hash_each; `zhiliang hash`).
 *
 * What: the pre-scan finds each event's byte range; the document without
 * its events (each range replaced by "null": the skeleton) is parsed and
 * its header validated as zl_epcis_parse does; then each event's own text
 * is parsed by jansson into an arena reset for the next event, validated,
 * pre-hashed and hashed. Threads take runs of HS_RUN consecutive events
 * from a counter; the caller's thread works too and hands each run's
 * results to the callback in document order. At most HS_WINDOW runs a
 * thread are in flight, so memory is the text, the skeleton's tree, one
 * event's tree a thread, and the identifier caches: not the document's
 * tree (~6 times its text) nor its parsed events.
 *
 * Why: the whole-document path (epcis.c) builds one jansson tree for the
 * document on one thread before any event is checked; faulting in that
 * fresh memory and the single-threaded parse were most of `hash`'s time
 * (docs/hash-speed.md). Each event's tree is now built on the thread that
 * checks it, while its bytes are in cache.
 *
 * The answers are zl_epcis_parse's by construction: the same functions
 * check the header and each event (ep_find_events, ep_doc_setup,
 * ep_event_check, ep_event_prehash) at the same JSON paths. Where the
 * order of errors could differ, the whole-document path is run instead
 * and gives the answer: a document whose ranges the pre-scan cannot tie
 * to one event list (ep_slices.stray), one whose skeleton or header
 * fails, a lone event, and any text jansson refuses (a syntax error
 * anywhere comes before every validation error there, and its line and
 * column are the document's). So after an event fails validation the
 * later events are still parsed, only to find such a syntax error; none
 * found, the first failing event's error is the answer, as it is on one
 * thread of the whole path. XML documents take the whole path (their
 * conversion builds the document anyway).
 *
 * Rejected: a streaming JSON parser (the validator and the pre-hash walk
 * jansson trees; see docs/hash-speed.md for the parse study), and
 * printing in the library (the caller decides whether to hold the output
 * until the document is known valid).
 */
#include "zhiliang/epcis.h"

#include "epcis/epcis_int.h"
#include "util/alloc.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define HS_RUN         128 /* events a thread takes at a time */
#define HS_WINDOW      4   /* runs in flight a thread */
#define HS_MAX_THREADS 8
#ifndef HS_IDC_MAX
#define HS_IDC_MAX 8192 /* identifiers a thread's cache keeps */
#endif

enum { HS_FREE, HS_TAKEN, HS_DONE };

/* A run of events and, once done, its results. */
struct hs_run {
    int state;
    struct ep_arena a; /* res and the pre-hash copies */
    struct zl_event_hash *res;
    size_t n_res;
};

/* What the threads share. */
struct hs_job {
    const char *buf;
    const struct ep_slices *sl;
    const struct ep_found *fd;
    size_t n, n_runs, window;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next;              /* the next run to take */
    size_t delivered;         /* runs handed over (or dropped) so far */
    size_t n_given;           /* events given to fn */
    struct hs_run *runs;      /* run k in runs[k % window] */
    _Atomic size_t first_bad; /* first event that failed, or SIZE_MAX */
    struct zl_error bad_err;  /* its error */
    int bad_code;
    atomic_int syntax; /* an event's text is refused by jansson */
    atomic_int stop;   /* fn failed, or out of memory: stop_code */
    int stop_code;
};

/* One thread's state. */
struct hs_worker {
    struct hs_job *job;
    struct ep_parse_state ps;
    struct ep_vctx v;
    zl_epcis_doc shadow;    /* what validating one event copies */
    struct ep_arena keep;   /* the identifier cache's entries */
    struct ep_arena jarena; /* one event's tree */
    struct zl_error err;
    pthread_t th;
    int started;
};

static void note_bad(struct hs_job *job, size_t i, int r, struct zl_error *e)
{
    if (e->code == 0)
        zl_error_set(e, r, "", zl_strerror(r), NULL, 0);
    e->code = r;
    pthread_mutex_lock(&job->mu);
    if (i < atomic_load(&job->first_bad)) {
        atomic_store(&job->first_bad, i);
        job->bad_err = *e;
        job->bad_code = r;
    }
    pthread_mutex_unlock(&job->mu);
    memset(e, 0, sizeof *e);
}

static void halt(struct hs_job *job, atomic_int *flag, int code)
{
    pthread_mutex_lock(&job->mu);
    if (flag == &job->stop && !atomic_load(&job->stop))
        job->stop_code = code;
    atomic_store(flag, 1);
    pthread_cond_broadcast(&job->cv);
    pthread_mutex_unlock(&job->mu);
}

/* Check and hash one event (its tree ev) into the run's results. */
static int hash_one(struct hs_worker *w, struct hs_run *run, json_t *ev,
                    size_t i)
{
    struct ep_parse_state *ps = &w->ps;
    struct zl_event_hash *h;
    struct zl_event e;
    int r;

    ep_arena_reset(&w->shadow.a);
    if (w->v.idc_n > HS_IDC_MAX) {
        ep_idc_trim(&w->v, HS_IDC_MAX);
        ep_arena_reset(&w->keep);
    }
    memset(&e, 0, sizeof e);
    if ((r = ep_event_check(ps, w->job->fd, ev, i, &e)) < 0 ||
        (r = ep_event_prehash(&w->v, ev, &e, &ps->hc, &ps->scratch, &ps->pre)) <
            0)
        return r;
    h = &run->res[run->n_res];
    h->index = i;
    h->prehash_len = ps->pre.len;
    if (!(h->prehash = ep_strndup(&run->a, ps->pre.data, ps->pre.len)))
        return ZL_ENOMEM;
    if ((r = ep_sha256(ps->pre.data, ps->pre.len, h->hash)) < 0)
        return r;
    zl_event_hash_id(h->hash, h->hash_id);
    run->n_res++;
    return 0;
}

/* Parse, check and hash the events of run k. Past the first event that
 * failed (by any thread), only parse. */
static void do_run(struct hs_worker *w, size_t k, struct hs_run *run)
{
    struct hs_job *job = w->job;
    size_t lo = k * HS_RUN, hi = lo + HS_RUN < job->n ? lo + HS_RUN : job->n;
    size_t i;
    int routed;

    ep_arena_reset(&run->a);
    run->n_res = 0;
    if (!(run->res = ep_alloc(&run->a, (hi - lo) * sizeof *run->res))) {
        halt(job, &job->stop, ZL_ENOMEM);
        return;
    }
    routed = zl_alloc_json_route(ep_jarena_alloc, &w->jarena) == 0;
    for (i = lo; i < hi; i++) {
        const size_t *rg = job->sl->r[i];
        json_error_t je;
        json_t *ev;
        int r;

        if (atomic_load_explicit(&job->syntax, memory_order_relaxed) ||
            atomic_load_explicit(&job->stop, memory_order_relaxed))
            break;
        ep_arena_reset(&w->jarena);
        ev = json_loadb(job->buf + rg[0], rg[1] - rg[0], JSON_REJECT_DUPLICATES,
                        &je);
        if (!ev) {
            halt(job, &job->syntax, 0);
            break;
        }
        if (i < atomic_load_explicit(&job->first_bad, memory_order_relaxed) &&
            (r = hash_one(w, run, ev, i)) < 0)
            note_bad(job, i, r, &w->err);
        if (!routed)
            json_decref(ev);
    }
    zl_alloc_json_route(NULL, NULL);
}

/* Hand the done runs at the head of the window to fn, in order (mu
 * held; released around fn). */
static void deliver(struct hs_job *job, zl_epcis_hash_fn fn, void *ctx)
{
    while (job->delivered < job->n_runs) {
        struct hs_run *run = &job->runs[job->delivered % job->window];
        size_t j, bad = atomic_load(&job->first_bad);

        if (run->state != HS_DONE)
            return;
        if (!atomic_load(&job->syntax) && !atomic_load(&job->stop)) {
            pthread_mutex_unlock(&job->mu);
            for (j = 0; j < run->n_res && run->res[j].index < bad; j++) {
                int r = fn(ctx, &run->res[j]);
                if (r < 0) {
                    halt(job, &job->stop, r);
                    break;
                }
                job->n_given++;
            }
            pthread_mutex_lock(&job->mu);
        }
        run->state = HS_FREE;
        job->delivered++;
        pthread_cond_broadcast(&job->cv);
    }
}

/* Take runs until none is left (the caller's thread: deliver too). */
static void work(struct hs_worker *w, zl_epcis_hash_fn fn, void *ctx)
{
    struct hs_job *job = w->job;

    pthread_mutex_lock(&job->mu);
    for (;;) {
        int over = atomic_load(&job->syntax) || atomic_load(&job->stop);
        if (fn)
            deliver(job, fn, ctx);
        if (over || (fn && job->delivered == job->n_runs) ||
            (!fn && job->next == job->n_runs))
            break;
        if (job->next < job->n_runs &&
            job->next < job->delivered + job->window) {
            size_t k = job->next++;
            struct hs_run *run = &job->runs[k % job->window];
            run->state = HS_TAKEN;
            pthread_mutex_unlock(&job->mu);
            do_run(w, k, run);
            pthread_mutex_lock(&job->mu);
            run->state = HS_DONE;
            pthread_cond_broadcast(&job->cv);
            continue;
        }
        pthread_cond_wait(&job->cv, &job->mu);
    }
    pthread_mutex_unlock(&job->mu);
}

static void *worker_main(void *arg)
{
    work(arg, NULL, NULL);
    return NULL;
}

static void worker_init(struct hs_worker *w, struct hs_job *job,
                        const struct ep_parse_state *doc_ps)
{
    memset(w, 0, sizeof *w);
    w->job = job;
    ep_thread_state_init(&w->ps, &w->v, &w->shadow, &w->err, doc_ps);
    ep_arena_init(&w->keep);
    ep_arena_init(&w->jarena);
    w->v.idc_keep = &w->keep;
}

static void worker_cleanup(struct hs_worker *w)
{
    ep_thread_state_cleanup(&w->ps, &w->v);
    ep_arena_cleanup(&w->shadow.a);
    ep_arena_cleanup(&w->keep);
    ep_arena_cleanup(&w->jarena);
}

/* The event pass over n events on up to nt threads. 0; a validation
 * error (err set); 1 when the whole path must answer (syntax); or fn's
 * error. */
static int event_pass(const char *buf, const struct ep_slices *sl,
                      const struct ep_found *fd,
                      const struct ep_parse_state *doc_ps, size_t n, int nt,
                      zl_epcis_hash_fn fn, void *ctx, size_t *n_given,
                      struct zl_error *err)
{
    struct hs_worker *ws;
    struct hs_job job;
    size_t k;
    int r;

    memset(&job, 0, sizeof job);
    job.buf = buf;
    job.sl = sl;
    job.fd = fd;
    job.n = n;
    job.n_runs = (n + HS_RUN - 1) / HS_RUN;
    if (nt > HS_MAX_THREADS)
        nt = HS_MAX_THREADS;
    if (nt < 1 || n < ZL_EPCIS_PAR_MIN_EVENTS)
        nt = 1;
    job.window = (size_t)nt * HS_WINDOW;
    atomic_init(&job.first_bad, SIZE_MAX);
    atomic_init(&job.syntax, 0);
    atomic_init(&job.stop, 0);
    job.runs = zl_calloc(job.window, sizeof *job.runs);
    ws = zl_calloc((size_t)nt, sizeof *ws);
    if (!job.runs || !ws) {
        zl_free(job.runs);
        zl_free(ws);
        return zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
    }
    for (k = 0; k < job.window; k++)
        ep_arena_init(&job.runs[k].a);
    pthread_mutex_init(&job.mu, NULL);
    pthread_cond_init(&job.cv, NULL);
    for (k = 0; k < (size_t)nt; k++)
        worker_init(&ws[k], &job, doc_ps);
    /* a thread that cannot be started leaves its share to the others */
    for (k = 1; k < (size_t)nt; k++)
        ws[k].started =
            pthread_create(&ws[k].th, NULL, worker_main, &ws[k]) == 0;
    work(&ws[0], fn, ctx);
    for (k = 1; k < (size_t)nt; k++)
        if (ws[k].started)
            pthread_join(ws[k].th, NULL);
    *n_given = job.n_given;
    if (atomic_load(&job.syntax))
        r = 1;
    else if (atomic_load(&job.stop))
        r = zl_error_set(err, job.stop_code, "", zl_strerror(job.stop_code),
                         NULL, 0);
    else if (atomic_load(&job.first_bad) != SIZE_MAX) {
        if (err)
            *err = job.bad_err;
        r = job.bad_code;
    } else
        r = 0;
    for (k = 0; k < (size_t)nt; k++)
        worker_cleanup(&ws[k]);
    for (k = 0; k < job.window; k++)
        ep_arena_cleanup(&job.runs[k].a);
    pthread_cond_destroy(&job.cv);
    pthread_mutex_destroy(&job.mu);
    zl_free(ws);
    zl_free(job.runs);
    return r;
}

/* The document with each event range replaced by "null" (*out new). */
static int skeleton(const char *buf, size_t len, const struct ep_slices *sl,
                    char **out, size_t *out_len)
{
    size_t i, at = 0, o = 0, need = len + 4 * sl->n;
    char *s;

    for (i = 0; i < sl->n; i++)
        need -= sl->r[i][1] - sl->r[i][0];
    if (!(s = zl_malloc(need ? need : 1)))
        return ZL_ENOMEM;
    for (i = 0; i < sl->n; i++) {
        memcpy(s + o, buf + at, sl->r[i][0] - at);
        o += sl->r[i][0] - at;
        memcpy(s + o, "null", 4);
        o += 4;
        at = sl->r[i][1];
    }
    memcpy(s + o, buf + at, len - at);
    o += len - at;
    *out = s;
    *out_len = o;
    return 0;
}

/* The list ep_find_events found, as the pre-scan numbers it. */
static int list_kind(const struct ep_found *fd)
{
    if (fd->single)
        return 0;
    if (!strcmp(fd->base, "$"))
        return 1;
    return fd->query_results ? 3 : 2;
}

/* The whole-document path: parse, then hand over the events from the
 * given-th on. */
static int whole(const char *buf, size_t len, const struct zl_epcis_opts *o,
                 zl_epcis_hash_fn fn, void *ctx, size_t given, size_t *n_events,
                 struct zl_error *err)
{
    zl_epcis_doc *doc = NULL;
    size_t n, i;
    int r;

    if (err)
        memset(err, 0, sizeof *err);
    r = zl_epcis_is_xml(buf, len) ? zl_epcis_parse_xml(buf, len, o, &doc, err)
                                  : zl_epcis_parse_opts(buf, len, o, &doc, err);
    if (r < 0)
        return r;
    n = zl_epcis_doc_count(doc);
    for (i = given; i < n; i++) {
        const struct zl_event *e = zl_epcis_doc_event(doc, i);
        struct zl_event_hash h;
        h.index = i;
        memcpy(h.hash, e->hash, sizeof h.hash);
        memcpy(h.hash_id, e->hash_id, sizeof h.hash_id);
        h.prehash = e->prehash;
        h.prehash_len = e->prehash_len;
        if ((r = fn(ctx, &h)) < 0) {
            zl_error_set(err, r, "", zl_strerror(r), NULL, 0);
            break;
        }
    }
    zl_epcis_doc_free(doc);
    if (r >= 0 && n_events)
        *n_events = n;
    return r < 0 ? r : 0;
}

int zl_epcis_hash_each(const char *buf, size_t len,
                       const struct zl_epcis_opts *o, zl_epcis_hash_fn fn,
                       void *ctx, size_t *n_events, struct zl_error *err)
{
    const struct zl_capture_limits *lim = o ? o->limits : NULL;
    const struct zl_capture_limits l = ep_limits(lim);
    size_t max_bytes = l.max_bytes, max_events = l.max_events,
           max_depth = l.max_depth;
    struct ep_slices sl = {NULL, 0, 0, 0, 0, 0, 0};
    struct ep_arena skel_a;
    struct ep_parse_state ps;
    struct ep_vctx v;
    zl_epcis_doc hdr;
    struct ep_found fd;
    struct zl_error herr;
    json_t *root = NULL;
    char *skel = NULL;
    size_t skel_len, n = 0, given = 0;
    int r = 0, routed = 0, use_whole = 1;

    if (n_events)
        *n_events = 0;
    if (err)
        memset(err, 0, sizeof *err);
    memset(&ps, 0, sizeof ps);
    memset(&v, 0, sizeof v);
    memset(&hdr, 0, sizeof hdr);
    ep_arena_init(&skel_a);
    ep_arena_init(&hdr.a);
    ep_arena_init(&ps.scratch);
    ep_arena_init(&ps.idx_arena);
    if (len > max_bytes || zl_epcis_is_xml(buf, len))
        goto out;
    /* the whole path's first step, with its error */
    if ((r = ep_prescan_doc(buf, len, max_depth, max_events, err, &sl)) < 0) {
        use_whole = 0;
        goto out;
    }
    if (sl.failed || sl.stray || sl.n == 0 ||
        skeleton(buf, len, &sl, &skel, &skel_len) < 0)
        goto out;
    routed = zl_alloc_json_route(ep_jarena_alloc, &skel_a) == 0;
    r = ep_load_tree(skel, skel_len, &root, &herr);
    zl_alloc_json_route(NULL, NULL);
    if (r < 0)
        goto out;
    v.doc = &hdr;
    v.err = &herr;
    ep_path_set(&v.path, "$");
    ps.v = &v;
    ps.hc.skip_context = 1; /* as in parse() */
    if (ep_find_events(&v, root, o ? o->allow_query : 0, &fd) < 0 ||
        list_kind(&fd) != sl.kind ||
        ep_doc_setup(&ps, &fd, root, max_events, o ? o->ignore_fields_ns : NULL,
                     &hdr.a, &n) < 0 ||
        n != sl.n)
        goto out;
    r = event_pass(buf, &sl, &fd, &ps, n, o ? o->threads : 0, fn, ctx, &given,
                   err);
    if (r != 1) {
        use_whole = 0;
        if (r == 0 && n_events)
            *n_events = n;
    }
out:
    ep_vctx_cleanup(&v);
    ep_arena_cleanup(&ps.scratch);
    ep_arena_cleanup(&ps.idx_arena);
    ep_arena_cleanup(&hdr.a);
    if (!routed)
        json_decref(root);
    ep_arena_cleanup(&skel_a);
    zl_free(skel);
    zl_free(sl.r);
    if (use_whole)
        return whole(buf, len, o, fn, ctx, given, n_events, err);
    if (r < 0 && err && err->code == 0)
        zl_error_set(err, r, "", zl_strerror(r), NULL, 0);
    if (r < 0 && err)
        err->code = r;
    return r < 0 ? r : 0;
}
