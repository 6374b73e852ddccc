/*
 * epcis.c - parse and validate EPCIS 2.0 JSON / JSON-LD capture documents
 * and fill struct zl_event (see zhiliang/epcis.h): the driver.
 *
 * Shape: size cap, then a structural pre-scan of the raw text (nesting
 * depth cap before jansson recurses, and a byte offset -> JSON path map so
 * that jansson's "duplicate key" errors can name the path;
 * epcis_prescan.c), then jansson with JSON_REJECT_DUPLICATES, then the
 * document header, then one pass over the events that validates each
 * against the rules of the GS1 EPCIS 2.0 JSON Schema (epcis_validate.c,
 * with identifiers canonicalised once per document, epcis_idcache.c),
 * builds the CBV 2.0 pre-hash (prehash.c), hashes it (ep_sha256.c) and
 * keeps the event's text (epcis_minify.c). zl_epcis_event_hash()
 * recomputes the hash of one stored event the same way.
 *
 * Why one pass per event (validate, then hash, then keep the text) rather
 * than three passes over the document: the event's JSON subtree and its
 * identifiers are hot in cache, and a failure stops before any later
 * event costs anything. Everything a document returns lives in one arena
 * freed by zl_epcis_doc_free. Rejected: a JSON Schema engine (see
 * epcis_validate.c), and a streaming parse (the pre-hash needs the whole
 * event tree and the document's @context first).
 *
 * zl_epcis_hash_each (epcis_hashes.c, `zhiliang hash`) runs the same
 * steps (ep_find_events, ep_doc_setup, ep_event_check, ep_event_prehash)
 * one event's tree at a time, for callers that want the hashes only.
 *
 * On request (zl_epcis_opts.threads) the per-event pass
 * of a large document runs on several threads, each over a run of
 * consecutive events with state of its own (see parse_events_mt); the
 * JSON parse before it stays on one thread.
 */
#include "zhiliang/epcis.h"

#include "epcis/epcis_int.h"
#include "util/alloc.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void doc_free(zl_epcis_doc *d)
{
    if (!d)
        return;
    ep_arena_cleanup(&d->a);
    zl_free(d);
}

void zl_epcis_doc_free(zl_epcis_doc *doc)
{
    doc_free(doc);
}

size_t zl_epcis_doc_count(const zl_epcis_doc *doc)
{
    return doc ? doc->n : 0;
}

const struct zl_event *zl_epcis_doc_event(const zl_epcis_doc *doc, size_t i)
{
    if (!doc || i >= doc->n)
        return NULL;
    return &doc->events[i];
}

/* Count the @context objects in j and the prefix bindings they hold. */
static void count_contexts(json_t *j, size_t *n_ctx, size_t *n_bind,
                           size_t depth)
{
    const char *k;
    json_t *v;
    size_t i;

    if (depth > 256)
        return;
    if (json_is_array(j)) {
        for (i = 0; i < json_array_size(j); i++)
            count_contexts(json_array_get(j, i), n_ctx, n_bind, depth + 1);
        return;
    }
    if (!json_is_object(j))
        return;
    json_object_foreach(j, k, v)
    {
        if (!strcmp(k, "@context")) {
            (*n_ctx)++;
            if (json_is_object(v))
                *n_bind += json_object_size(v);
            for (i = 0; i < json_array_size(v); i++)
                *n_bind += json_object_size(json_array_get(v, i));
        } else {
            count_contexts(v, n_ctx, n_bind, depth + 1);
        }
    }
}

int ep_event_prehash(struct ep_vctx *v, json_t *ev, const struct zl_event *e,
                     const struct ep_hashctx *hc, struct ep_arena *scratch,
                     struct zl_buf *pre)
{
    int r;
    r = ep_prehash(ev, zl_event_type_name(e->type), hc, scratch, pre);
    if (r == ZL_ELIMIT) {
        /* which cap: a rare path, so count again rather than thread a
         * reason through the pre-hash engine */
        char rule[200];
        size_t n_ctx = 0, n_bind = hc->n_ns;
        count_contexts(ev, &n_ctx, &n_bind, 0);
        if (n_ctx > EP_MAX_CONTEXTS)
            snprintf(rule, sizeof rule,
                     "%zu @context objects in one event, more than the "
                     "limit of %d",
                     n_ctx, EP_MAX_CONTEXTS);
        else if (n_bind > EP_MAX_PREFIXES)
            snprintf(rule, sizeof rule,
                     "%zu prefix bindings in one event, more than the limit "
                     "of %d",
                     n_bind, EP_MAX_PREFIXES);
        else
            snprintf(rule, sizeof rule,
                     "event too large: its CBV 2.0 pre-hash string passes "
                     "the limit of %zu bytes",
                     (size_t)EP_PREHASH_MAX);
        return ep_fail(v, r, rule, NULL);
    }
    if (r < 0)
        return ep_fail(v, r, "cannot build the CBV 2.0 pre-hash string", NULL);
    return 0;
}

/* Pre-hash and hash the validated event, and set its stored text. */
static int hash_event(zl_epcis_doc *doc, json_t *ev, json_t *ctxj,
                      const char *raw, size_t raw_len, struct zl_event *e,
                      const struct ep_hashctx *hc, struct ep_arena *scratch,
                      struct zl_buf *pre, struct ep_vctx *v)
{
    int r;
    if ((r = ep_event_prehash(v, ev, e, hc, scratch, pre)) < 0)
        return r;
    if (!(e->prehash = ep_strndup(&doc->a, pre->data, pre->len)))
        return ZL_ENOMEM;
    e->prehash_len = pre->len;
    if ((r = ep_sha256(pre->data, pre->len, e->hash)) < 0)
        return r;
    zl_event_hash_id(e->hash, e->hash_id);
    return ep_event_text(v, ev, ctxj, raw, raw_len, hc, e);
}

/* The repository "ignoreFields" extension the reference honours: a
 * document-level "<p>:ignoreFields" list, where p is bound to the
 * namespace uri the caller names (zl_epcis_opts.ignore_fields_ns; none:
 * no such list). */
void ep_find_ignore(json_t *root, const struct ep_ns *ns, size_t n_ns,
                    const char *uri, json_t **list, char key[160])
{
    size_t i;
    *list = NULL;
    key[0] = '\0';
    for (i = 0; uri && i < n_ns; i++) {
        if (!strcmp(ns[i].uri, uri)) {
            snprintf(key, 160, "%s:ignoreFields", ns[i].prefix);
            *list = json_object_get(root, key);
            if (!json_is_array(*list))
                *list = NULL;
            return;
        }
    }
}

/* The ignore list as strings, plus extra (the list's own key) if given. */
int ep_ignore_list(json_t *ign, const char *extra, struct ep_arena *a,
                   struct ep_hashctx *hc)
{
    size_t i;
    hc->ignore = ep_alloc(a, (json_array_size(ign) + 2) * sizeof *hc->ignore);
    if (!hc->ignore)
        return ZL_ENOMEM;
    hc->n_ignore = 0;
    for (i = 0; i < json_array_size(ign); i++)
        if (json_is_string(json_array_get(ign, i)))
            hc->ignore[hc->n_ignore++] =
                json_string_value(json_array_get(ign, i));
    if (extra)
        hc->ignore[hc->n_ignore++] = extra;
    return 0;
}

/* The header of an EPCISDocument (or EPCISQueryDocument, query):
 * property names, @context, schemaVersion, creationDate, epcisBody and
 * its event list. */
static int doc_header(struct ep_vctx *v, json_t *root, int query,
                      struct ep_found *fd)
{
    static const char *const doc_names[] = {"@context",
                                            "id",
                                            "type",
                                            "schemaVersion",
                                            "creationDate",
                                            "instanceIdentifier",
                                            "sender",
                                            "receiver",
                                            "epcisHeader",
                                            "epcisBody",
                                            NULL};
    json_t *x = json_object_get(root, "schemaVersion"), *body;
    size_t o;
    int r;

    if ((r = ep_check_names(v, root, doc_names, 1, "an EPCIS document")) < 0)
        return r;
    fd->ctxj = json_object_get(root, "@context");
    if (!fd->ctxj)
        return ep_fail_key(v, "@context", ZL_EINVAL,
                           "required (JSON-LD context of EPCIS 2.0)", NULL);
    if (!json_is_string(fd->ctxj) && !json_is_array(fd->ctxj) &&
        !json_is_object(fd->ctxj))
        return ep_fail_key(v, "@context", ZL_EINVAL,
                           "must be a URI, an object or an array", fd->ctxj);
    if (!x)
        return ep_fail_key(v, "schemaVersion", ZL_EINVAL, "required", NULL);
    if (!json_is_string(x) || strcmp(json_string_value(x), "2.0"))
        return ep_fail_key(v, "schemaVersion", ZL_EINVAL, "must be \"2.0\"", x);
    x = json_object_get(root, "creationDate");
    if (!x)
        return ep_fail_key(v, "creationDate", ZL_EINVAL, "required", NULL);
    o = ep_path_key(&v->path, "creationDate");
    if ((r = ep_want_time(v, x, NULL, NULL)) < 0)
        return r;
    ep_path_pop(&v->path, o);
    body = json_object_get(root, "epcisBody");
    if (!json_is_object(body))
        return ep_fail_key(v, "epcisBody", ZL_EINVAL,
                           body ? "must be an object" : "required", body);
    if (query) {
        json_t *qr = json_object_get(body, "queryResults");
        fd->events =
            json_object_get(json_object_get(qr, "resultsBody"), "eventList");
        fd->base = "$.epcisBody.queryResults.resultsBody.eventList";
        fd->query_results = qr;
        if (!json_is_array(fd->events))
            return zl_error_set(v->err, ZL_EINVAL, fd->base,
                                "required: an array of events", NULL, 0);
    } else if (!json_is_array(fd->events =
                                  json_object_get(body, "eventList"))) {
        o = ep_path_key(&v->path, "epcisBody");
        r = ep_fail_key(v, "eventList", ZL_EINVAL,
                        fd->events ? "must be an array of events" : "required",
                        fd->events);
        ep_path_pop(&v->path, o);
        return r;
    }
    return 0;
}

/* What the document is: an EPCISDocument (or, allow_query, an
 * EPCISQueryDocument), a lone event, or an array of events. */
int ep_find_events(struct ep_vctx *v, json_t *root, int allow_query,
                   struct ep_found *fd)
{
    json_t *t;
    int query;

    memset(fd, 0, sizeof *fd);
    fd->base = "$.epcisBody.eventList";
    if (json_is_array(root)) {
        fd->events = root;
        fd->base = "$";
        if (json_array_size(root) == 0)
            return zl_error_set(v->err, ZL_EINVAL, "$",
                                "an empty array is no EPCIS document and "
                                "holds no event: send an EPCISDocument or an "
                                "array of events",
                                NULL, 0);
        return 0;
    }
    if (!json_is_object(root))
        return zl_error_set(v->err, ZL_EINVAL, "$",
                            "must be an EPCISDocument, an event or an array "
                            "of events",
                            NULL, 0);
    t = json_object_get(root, "type");
    query = json_is_string(t) &&
            !strcmp(json_string_value(t), "EPCISQueryDocument");
    if (query && !allow_query)
        return ep_fail_key(v, "type", ZL_EINVAL,
                           "an EPCISQueryDocument is a query result, not a "
                           "capture document; capture an EPCISDocument",
                           t);
    if (query ||
        (json_is_string(t) && !strcmp(json_string_value(t), "EPCISDocument")))
        return doc_header(v, root, query, fd);
    if (ep_event_type_of(t)) {
        fd->single = root;
        fd->base = "$";
        fd->ctxj = json_object_get(root, "@context");
        return 0;
    }
    return ep_fail_key(v, "type", ZL_EINVAL,
                       t ? "must be EPCISDocument or an EPCIS event type"
                         : "required (EPCISDocument or an event type)",
                       t);
}

int ep_event_check(struct ep_parse_state *ps, const struct ep_found *fd,
                   json_t *ev, size_t i, struct zl_event *e)
{
    struct ep_vctx *v = ps->v;
    size_t exp_cap = 0;
    int r;

    ep_path_set(&v->path, fd->base);
    if (!fd->single)
        ep_path_idx(&v->path, i);
    v->n_id = 0;
    if (fd->base[1] == '\0' && (r = ep_bare_context(v, ev)) < 0)
        return r; /* "$": events without a document */
    if ((r = ep_validate_event(v, ev, e)) < 0)
        return r;
    /* the scratch arena is reset by the pre-hash; the index must be
     * built after that reset, so the pre-hash gets a fresh arena */
    ep_arena_reset(&ps->idx_arena);
    if ((r = ep_id_index(v, &ps->idx_arena, &ps->hc)) < 0)
        return zl_error_set(v->err, ZL_ENOMEM, "", "out of memory", NULL, 0);
    /* Bare CBV terms are expanded from what this event itself shows
     * (the reference looks at the whole document; we do not, so that
     * a stored event rehashes the same from its own JSON - no case of
     * the reference corpus depends on the difference). */
    ps->hc.expanded = NULL;
    ps->hc.n_expanded = 0;
    if ((r = ep_collect_expanded(ev, &ps->idx_arena, &ps->hc.expanded,
                                 &ps->hc.n_expanded, &exp_cap, 0)) < 0)
        return zl_error_set(v->err, ZL_ENOMEM, "", "out of memory", NULL, 0);
    return 0;
}

/* Validate, pre-hash and hash event i (raw: its text, or NULL). */
static int parse_event(struct ep_parse_state *ps, const struct ep_found *fd,
                       size_t i, const char *raw, size_t raw_len)
{
    struct ep_vctx *v = ps->v;
    json_t *ev = fd->single ? fd->single : json_array_get(fd->events, i);
    struct zl_event *e = &v->doc->events[i];
    int r;

    if ((r = ep_event_check(ps, fd, ev, i, e)) < 0)
        return r;
    return hash_event(v->doc, ev, fd->ctxj, raw, raw_len, e, &ps->hc,
                      &ps->scratch, &ps->pre, v);
}

/* Parse events [lo, hi) in order, raw texts from buf at sl's ranges (sl
 * NULL: none); stops at the first that fails. */
static int run_events(struct ep_parse_state *ps, const struct ep_found *fd,
                      const char *buf, const struct ep_slices *sl, size_t lo,
                      size_t hi)
{
    size_t i;
    int r;
    for (i = lo; i < hi; i++)
        if ((r = parse_event(ps, fd, i, sl ? buf + sl->r[i][0] : NULL,
                             sl ? sl->r[i][1] - sl->r[i][0] : 0)) < 0)
            return r;
    return 0;
}

/* ---- the event pass on several threads (zl_epcis_opts.threads) ----
 * The events are cut into runs of consecutive events, one a thread; the
 * caller's thread takes the first run with the caller's state. Every
 * other run gets what parse_event() writes to: a parse_state, a
 * validation context (its own path and identifier cache), an error, and
 * a shadow document that shares doc->events (each run fills its own
 * slots) but allocates from an arena of its own. The JSON tree, the
 * document's prefixes and its ignore list are only read (jansson's
 * reference counts, which store_context() touches, are atomic). After
 * the join the runs' arenas move into the document's, and the first run
 * in document order that failed gives the error: every event before its
 * failing one passed, so it is the error one thread reports. A thread
 * that cannot be started has its run done on the caller's thread. */
#define EP_PAR_MAX_THREADS 8

struct ep_run {
    struct ep_parse_state ps;
    struct ep_vctx v;
    zl_epcis_doc shadow;
    struct zl_error err;
    const struct ep_found *fd;
    struct ep_found own_fd; /* fd with its own copy of the @context */
    const char *buf;
    const struct ep_slices *sl;
    size_t lo, hi;
    int r, started;
    pthread_t th;
};

static void *run_thread(void *arg)
{
    struct ep_run *u = arg;
    u->r = run_events(&u->ps, u->fd, u->buf, u->sl, u->lo, u->hi);
    return NULL;
}

static int parse_events_mt(struct ep_parse_state *ps, const struct ep_found *fd,
                           const char *buf, const struct ep_slices *sl,
                           size_t n, size_t nt, struct zl_error *err)
{
    struct ep_run runs[EP_PAR_MAX_THREADS];
    zl_epcis_doc *doc = ps->v->doc;
    size_t k;
    int r;
    if (nt > EP_PAR_MAX_THREADS)
        nt = EP_PAR_MAX_THREADS;
    for (k = 1; k < nt; k++) {
        struct ep_run *u = &runs[k];
        memset(u, 0, sizeof *u);
        u->lo = n * k / nt;
        u->hi = n * (k + 1) / nt;
        u->fd = fd;
        /* the stored text of some events is a tree that the document's
         * @context and ignoreFields list are set into (epcis_minify.c),
         * and jansson reads the reference count of what it sets without
         * an atomic: each run sets deep copies of its own (made here, on
         * the caller's thread) */
        u->own_fd = *fd;
        if (fd->ctxj && (u->own_fd.ctxj = json_deep_copy(fd->ctxj)))
            u->fd = &u->own_fd;
        u->buf = buf;
        u->sl = sl;
        ep_thread_state_init(&u->ps, &u->v, &u->shadow, &u->err, ps);
        u->shadow.events = doc->events;
        if (u->v.ign && !(u->v.ign = json_deep_copy(ps->v->ign)))
            u->v.ign = ps->v->ign;
        u->started = pthread_create(&u->th, NULL, run_thread, u) == 0;
    }
    r = run_events(ps, fd, buf, sl, 0, n / nt);
    for (k = 1; k < nt; k++) {
        struct ep_run *u = &runs[k];
        if (u->started)
            pthread_join(u->th, NULL);
        else if (r == 0)
            u->r = run_events(&u->ps, fd, buf, sl, u->lo, u->hi);
        if (r == 0 && u->r < 0) {
            r = u->r;
            if (err)
                *err = u->err;
        }
        ep_arena_adopt(&doc->a, &u->shadow.a);
        if (u->fd == &u->own_fd)
            json_decref(u->own_fd.ctxj);
        if (u->v.ign != ps->v->ign)
            json_decref(u->v.ign);
        ep_thread_state_cleanup(&u->ps, &u->v);
    }
    return r;
}

void ep_thread_state_init(struct ep_parse_state *ps, struct ep_vctx *v,
                          zl_epcis_doc *shadow, struct zl_error *err,
                          const struct ep_parse_state *doc_ps)
{
    ep_arena_init(&ps->scratch);
    ep_arena_init(&ps->idx_arena);
    zl_buf_init(&ps->pre, EP_PREHASH_MAX);
    ps->hc = doc_ps->hc;
    ps->v = v;
    ep_arena_init(&shadow->a);
    v->doc = shadow;
    v->err = err;
    ep_path_set(&v->path, "$");
    v->ign = doc_ps->v->ign;
    memcpy(v->ign_key, doc_ps->v->ign_key, sizeof v->ign_key);
}

void ep_thread_state_cleanup(struct ep_parse_state *ps, struct ep_vctx *v)
{
    ep_vctx_cleanup(v);
    zl_buf_cleanup(&ps->pre);
    ep_arena_cleanup(&ps->scratch);
    ep_arena_cleanup(&ps->idx_arena);
}

int ep_doc_setup(struct ep_parse_state *ps, const struct ep_found *fd,
                 json_t *root, size_t max_events, const char *ign_ns,
                 struct ep_arena *a, size_t *n_events)
{
    struct ep_vctx *v = ps->v;
    struct ep_ns *ns = NULL;
    json_t *ign = NULL;
    size_t n_ns = 0, n = fd->single ? 1 : json_array_size(fd->events);
    char rule[200];
    int r;

    *n_events = n;
    if (n > max_events) {
        snprintf(rule, sizeof rule, "%zu events is more than max_events (%zu)",
                 n, max_events);
        return zl_error_set(v->err, ZL_ELIMIT, fd->base, rule, NULL, 0);
    }
    if ((r = ep_collect_ns(fd->ctxj, a, &ns, &n_ns)) == ZL_ELIMIT) {
        snprintf(rule, sizeof rule,
                 "binds more than the limit of %d namespace prefixes",
                 EP_MAX_PREFIXES);
        return zl_error_set(v->err, ZL_ELIMIT, "$.@context", rule, NULL, 0);
    }
    if (r < 0)
        return zl_error_set(v->err, ZL_ENOMEM, "", "out of memory", NULL, 0);
    ps->hc.ns = ns;
    ps->hc.n_ns = n_ns;
    ep_find_ignore(fd->query_results ? fd->query_results : root, ns, n_ns,
                   ign_ns, &ign, v->ign_key);
    if (ign) {
        v->ign = ign;
        if (ep_ignore_list(ign, NULL, a, &ps->hc) < 0)
            return zl_error_set(v->err, ZL_ENOMEM, "", "out of memory", NULL,
                                0);
    }
    return 0;
}

static int parse(const char *buf, size_t len,
                 const struct zl_capture_limits *lim, int allow_query,
                 const char *ign_ns, int threads, zl_epcis_doc **out,
                 struct zl_error *err)
{
    const struct zl_capture_limits l = ep_limits(lim);
    size_t max_bytes = l.max_bytes, max_events = l.max_events,
           max_depth = l.max_depth;
    json_t *root = NULL;
    zl_epcis_doc *doc = NULL;
    struct ep_vctx *v = NULL;
    struct ep_arena jlocal, *jarena = ep_jarena_get();
    struct ep_slices sl = {NULL, 0, 0, 0, 0, 0, 0};
    struct ep_parse_state ps;
    struct ep_found fd;
    int use_raw, routed = 0;
    size_t n, i;
    char rule[200];
    int r;

    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    memset(&ps, 0, sizeof ps);
    ep_arena_init(&ps.scratch);
    ep_arena_init(&ps.idx_arena);
    ep_arena_init(&jlocal);
    if (!jarena)
        jarena = &jlocal;
    zl_buf_init(&ps.pre, EP_PREHASH_MAX);
    /* An event's own @context is JSON-LD machinery, not event data. The
     * reference generator would hash it like an extension field (no case
     * of its corpus has one); we never do, so that an event stored with a
     * @context (its own, or the document's we add) rehashes the same from
     * its JSON alone. */
    ps.hc.skip_context = 1;
    if (len > max_bytes) {
        snprintf(rule, sizeof rule,
                 "document of %zu bytes is larger than max_bytes (%zu)", len,
                 max_bytes);
        r = zl_error_set(err, ZL_ELIMIT, "$", rule, NULL, 0);
        goto out;
    }
    /* The JSON tree lives exactly as long as this call: when the host
     * opted in (zl_global_init), its nodes come from one arena released at
     * the end instead of a malloc and a free per node (which were ~15% of
     * a parse). Nothing allocated by jansson here outlives the call: the
     * document copies what it keeps. */
    routed = zl_alloc_json_route(ep_jarena_alloc, jarena) == 0;
    if ((r = ep_load_json(buf, len, max_depth, max_events, &root, err, &sl)) <
        0)
        goto out;
    v = zl_calloc(1, sizeof *v);
    doc = zl_calloc(1, sizeof *doc);
    if (!v || !doc) {
        r = zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
        goto out;
    }
    ep_arena_init(&doc->a);
    v->doc = doc;
    v->err = err;
    ep_path_set(&v->path, "$");
    ps.v = v;
    if ((r = ep_find_events(v, root, allow_query, &fd)) < 0)
        goto out;
    if ((r = ep_doc_setup(&ps, &fd, root, max_events, ign_ns, &doc->a, &n)) < 0)
        goto out;
    use_raw = !fd.single && !sl.failed && sl.n == n;
    for (i = 0; use_raw && i < n; i++)
        if (sl.r[i][1] <= sl.r[i][0])
            use_raw = 0;
    doc->events = ep_alloc(&doc->a, (n ? n : 1) * sizeof *doc->events);
    if (!doc->events)
        goto oom;
    memset(doc->events, 0, (n ? n : 1) * sizeof *doc->events);
    if (threads > 1 && !fd.single && n >= ZL_EPCIS_PAR_MIN_EVENTS)
        r = parse_events_mt(&ps, &fd, buf, use_raw ? &sl : NULL, n,
                            (size_t)threads, err);
    else
        r = run_events(&ps, &fd, buf, use_raw ? &sl : NULL, 0, n);
    if (r < 0)
        goto out;
    doc->n = n;
    *out = doc;
    doc = NULL;
    r = 0;
    goto out;
oom:
    r = zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
out:
    if (r < 0 && err && err->code == 0)
        zl_error_set(err, r, "", zl_strerror(r), NULL, 0);
    if (r < 0 && err)
        err->code = r;
    doc_free(doc);
    if (v)
        ep_vctx_cleanup(v);
    zl_free(v);
    zl_buf_cleanup(&ps.pre);
    ep_arena_cleanup(&ps.scratch);
    ep_arena_cleanup(&ps.idx_arena);
    zl_free(sl.r);
    /* routed: no json_decref(root), the arena holds the whole tree */
    zl_alloc_json_route(NULL, NULL);
    if (!routed)
        json_decref(root);
    ep_arena_keep(jarena, jarena == &jlocal ? 0 : EP_JARENA_KEEP);
    return r;
}

int zl_epcis_parse(const char *buf, size_t len,
                   const struct zl_capture_limits *lim, zl_epcis_doc **out,
                   struct zl_error *err)
{
    return parse(buf, len, lim, 0, NULL, 0, out, err);
}

int zl_epcis_parse_any(const char *buf, size_t len,
                       const struct zl_capture_limits *lim, zl_epcis_doc **out,
                       struct zl_error *err)
{
    return parse(buf, len, lim, 1, NULL, 0, out, err);
}

int zl_epcis_parse_opts(const char *buf, size_t len,
                        const struct zl_epcis_opts *o, zl_epcis_doc **out,
                        struct zl_error *err)
{
    return o ? parse(buf, len, o->limits, o->allow_query, o->ignore_fields_ns,
                     o->threads, out, err)
             : parse(buf, len, NULL, 0, NULL, 0, out, err);
}

/* zl_epcis_event_hash() and zl_epcis_event_hash_legacy(): legacy selects
 * the @context rule before issue 9 (ep_hashctx.legacy_ctx). */
static int event_hash(const char *json, size_t len,
                      const struct zl_epcis_opts *o, int legacy, char **prehash,
                      size_t *prehash_len, uint8_t hash[32], char hash_id[96],
                      struct zl_error *err)
{
    json_t *ev = NULL, *t, *ctxj;
    struct ep_arena a;
    struct zl_buf pre;
    struct ep_hashctx hc;
    struct ep_ns *ns = NULL;
    size_t n_ns = 0, cap = 0;
    uint8_t h[32];
    int r;

    if (prehash)
        *prehash = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    ep_arena_init(&a);
    zl_buf_init(&pre, EP_PREHASH_MAX);
    memset(&hc, 0, sizeof hc);
    if ((r = ep_load_json(json, len, ZL_DEFAULT_MAX_DEPTH, (size_t)-1, &ev, err,
                          NULL)) < 0)
        goto out;
    t = json_object_get(ev, "type");
    if (!json_is_object(ev) || !ep_event_type_of(t)) {
        r = zl_error_set(err, ZL_EINVAL, "$.type",
                         "must be an EPCIS event type", NULL, 0);
        goto out;
    }
    ctxj = json_object_get(ev, "@context");
    hc.skip_context = 1;
    hc.legacy_ctx = legacy;
    if ((r = legacy ? ep_collect_ns_legacy(ctxj, &a, &ns, &n_ns)
                    : ep_collect_ns(ctxj, &a, &ns, &n_ns)) < 0)
        goto nomem;
    hc.ns = ns;
    hc.n_ns = n_ns;
    {
        /* an ignoreFields list stored with the event (see hash_event) */
        json_t *ign = NULL;
        char key[160];
        ep_find_ignore(ev, ns, n_ns, o ? o->ignore_fields_ns : NULL, &ign, key);
        if (ign && ep_ignore_list(
                       ign, json_object_iter_key(json_object_iter_at(ev, key)),
                       &a, &hc) < 0)
            goto nomem;
    }
    {
        struct ep_arena a2;
        const char **exp = NULL;
        size_t n_exp = 0, i;
        ep_arena_init(&a2);
        r = ep_collect_expanded(ev, &a2, &exp, &n_exp, &cap, legacy);
        if (r == 0 && n_exp) {
            hc.expanded = ep_alloc(&a, n_exp * sizeof *hc.expanded);
            for (i = 0; hc.expanded && i < n_exp; i++)
                if (!(hc.expanded[i] = ep_strndup(&a, exp[i], strlen(exp[i]))))
                    break;
            if (!hc.expanded || i < n_exp)
                r = ZL_ENOMEM;
            hc.n_expanded = n_exp;
        }
        ep_arena_cleanup(&a2);
        if (r < 0)
            goto nomem;
    }
    {
        struct ep_arena scratch;
        ep_arena_init(&scratch);
        r = ep_prehash(ev, json_string_value(t), &hc, &scratch, &pre);
        ep_arena_cleanup(&scratch);
        if (r < 0) {
            r = zl_error_set(err, r, "$", "cannot build the pre-hash string",
                             NULL, 0);
            goto out;
        }
    }
    if ((r = ep_sha256(pre.data, pre.len, h)) < 0)
        goto nomem;
    if (hash)
        memcpy(hash, h, 32);
    if (hash_id)
        zl_event_hash_id(h, hash_id);
    if (prehash_len)
        *prehash_len = pre.len;
    if (prehash) {
        *prehash = zl_buf_steal(&pre);
        if (!*prehash)
            goto nomem;
    }
    r = 0;
    goto out;
nomem:
    r = zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
out:
    if (r < 0 && err && err->code == 0)
        zl_error_set(err, r, "", zl_strerror(r), NULL, 0);
    zl_buf_cleanup(&pre);
    ep_arena_cleanup(&a);
    json_decref(ev);
    return r;
}

int zl_epcis_event_hash(const char *json, size_t len, char **prehash,
                        size_t *prehash_len, uint8_t hash[32], char hash_id[96],
                        struct zl_error *err)
{
    return event_hash(json, len, NULL, 0, prehash, prehash_len, hash, hash_id,
                      err);
}

int zl_epcis_event_hash_opts(const char *json, size_t len,
                             const struct zl_epcis_opts *o, char **prehash,
                             size_t *prehash_len, uint8_t hash[32],
                             char hash_id[96], struct zl_error *err)
{
    return event_hash(json, len, o, 0, prehash, prehash_len, hash, hash_id,
                      err);
}

int zl_epcis_event_hash_legacy(const char *json, size_t len, char **prehash,
                               size_t *prehash_len, uint8_t hash[32],
                               char hash_id[96], struct zl_error *err)
{
    return event_hash(json, len, NULL, 1, prehash, prehash_len, hash, hash_id,
                      err);
}
