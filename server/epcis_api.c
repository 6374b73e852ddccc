/*
 * epcis_api.c - the EPCIS 2.0 REST binding: capture, capture jobs, event
 * queries and the top-level resources.
 *
 * Capture runs synchronously inside the request (zl_capture is one
 * transaction) and answers 202 with the job already finished: the job
 * document at /capture/{id} then says success or failure with each error
 * as an RFC 7807 object carrying the JSON path. A document refused whole
 * (it does not parse or validate) answers 400 at once, its body the job
 * document merged with its first error's RFC 7807 members, so a client
 * that reads only the status (`curl -f`) does not take it for success. Jobs
 * live in a bounded in-memory ring (recent jobs only; they are a status
 * channel, the events themselves are in the store). A token's party may only
 * capture events the write rule allows (docs/access.md; zl_capture applies it
 * for opts.party).
 *
 * Queries run under the token party's read rule (docs/access.md, "Who
 * reads what"; zl_query_set_viewer): lists are filtered inside the scan,
 * a single event the party may not see is a 404 like a missing one, and
 * an operator's token gets 403.
 *
 * Queries hand every URL parameter to zl_query_param (the lead's
 * SimpleEventQuery mapping) and add the path's own filter (/bizSteps/{s}/
 * events = EQ_bizStep=s...). Pagination: perPage (default 100, at most
 * 1000) and the store's keyset token, returned in a Link rel="next" header.
 * Every query runs under the server's time budget and stops when its
 * client goes away (503 + Retry-After, zl_reply_store_error), and its
 * response is capped (413).
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/codec.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/query.h"
#include "zhiliang/subscription.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CTX_URL          "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
#define MAX_JOBS         4096
#define MAX_JOB_ERRORS   100
#define DEFAULT_PER_PAGE 100
#define MAX_PER_PAGE     1000
/* One query response at most (413 QueryTooLargeException past it). */
#define MAX_QUERY_BYTES ((size_t)256 << 20)

struct zl_capture_job {
    char id[24];
    char party[ZL_PARTY_ID_MAX];
    char *json; /* the job document, zl_malloc'ed */
};

void zl_jobs_free(struct zl_server *s)
{
    size_t i;

    if (!s->jobs)
        return;
    for (i = 0; i < MAX_JOBS; i++)
        zl_free(s->jobs[i].json);
    zl_free(s->jobs);
    s->jobs = NULL;
}

static int job_add(struct zl_server *s, const char *id, const char *party,
                   char *json)
{
    struct zl_capture_job *j;

    pthread_mutex_lock(&s->lock);
    if (!s->jobs && !(s->jobs = zl_calloc(MAX_JOBS, sizeof *s->jobs))) {
        pthread_mutex_unlock(&s->lock);
        zl_free(json);
        return ZL_ENOMEM;
    }
    j = &s->jobs[s->job_head];
    zl_free(j->json);
    snprintf(j->id, sizeof j->id, "%s", id);
    snprintf(j->party, sizeof j->party, "%s", party);
    j->json = json;
    s->job_head = (s->job_head + 1) % MAX_JOBS;
    if (s->n_jobs < MAX_JOBS)
        s->n_jobs++;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* Copy of the job's document if it exists and belongs to party. */
static char *job_get(struct zl_server *s, const char *id, const char *party)
{
    char *out = NULL;
    size_t i;

    pthread_mutex_lock(&s->lock);
    for (i = 0; s->jobs && i < MAX_JOBS; i++) {
        struct zl_capture_job *j = &s->jobs[i];
        if (j->json && strcmp(j->id, id) == 0 && strcmp(j->party, party) == 0) {
            out = zl_strdup(j->json);
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return out;
}

/* ---- routing ------------------------------------------------------------ */

static const char *const TOP[] = {
    "capture",      "events",     "eventTypes",   "epcs",    "bizSteps",
    "bizLocations", "readPoints", "dispositions", "queries", NULL};

int zl_is_epcis_path(const struct zl_req *r)
{
    size_t i;

    if (r->n_segs == 0)
        return strcmp(r->method, "OPTIONS") == 0 ||
               zl_req_accepts(r, "application/json") ||
               zl_req_accepts(r, "application/ld+json");
    for (i = 0; TOP[i]; i++)
        if (strcmp(r->segs[0], TOP[i]) == 0)
            return 1;
    return 0;
}

static void discovery(struct zl_req *r, const char *allow)
{
    char *lim = zl_arena_printf(&r->arena, "%zu", r->srv->o.max_events);
    char *fsl = zl_arena_printf(&r->arena, "%zu", r->srv->o.max_body);

    zl_reply_header(r, "Allow", allow);
    zl_reply_header(r, "GS1-EPCIS-Min", "2.0.0");
    zl_reply_header(r, "GS1-EPCIS-Max", "2.0.0");
    zl_reply_header(r, "GS1-CBV-Min", "2.0.0");
    zl_reply_header(r, "GS1-CBV-Max", "2.0.0");
    zl_reply_header(r, "GS1-Capture-Error-Behaviour", "all");
    zl_reply_header(r, "GS1-EPCIS-Capture-Limit", lim);
    zl_reply_header(r, "GS1-EPCIS-Capture-File-Size-Limit", fsl);
    zl_reply_header(r, "GS1-EPC-Format",
                    "No_Preference, Always_GS1_Digital_Link, Always_EPC_URN, "
                    "Never_Translates");
    zl_reply(r, 204, NULL, "", 0);
}

static void collection(struct zl_req *r, const char *const *members, size_t n)
{
    struct zl_buf b;
    size_t i;
    int rc;

    zl_buf_init(&b, 1 << 16);
    rc = zl_buf_adds(&b, "{\"@context\":\"" CTX_URL
                         "\",\"type\":\"Collection\",\"member\":[");
    for (i = 0; i < n && !rc; i++)
        rc = zl_buf_printf(&b, "%s\"%s\"", i ? "," : "", members[i]);
    if (!rc)
        rc = zl_buf_adds(&b, "]}");
    if (rc) {
        zl_buf_cleanup(&b);
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        return;
    }
    zl_reply_buf(r, 200, "application/ld+json", &b);
}

/* ---- capture ------------------------------------------------------------ */

struct auth_ctx {
    zl_store *s;
    const char *party;
    json_t *errors; /* refused events under proceed */
};

static json_t *problem_obj(const char *type, const char *title, int status,
                           const struct zl_error *e)
{
    char detail[900];
    json_t *o;

    zl_error_format(e, detail, sizeof detail);
    o = json_pack("{s:s, s:s, s:i}", "type", type, "title", title, "status",
                  status);
    if (!o)
        return NULL;
    /* Strings from the input may be cut mid-character by zl_error's fixed
     * buffers: json_string refuses invalid UTF-8, so such fields are left
     * out rather than failing the job document. */
    if (detail[0])
        json_object_set_new(o, "detail", json_string(detail));
    if (e->path[0])
        json_object_set_new(o, "path", json_string(e->path));
    if (e->rule[0])
        json_object_set_new(o, "rule", json_string(e->rule));
    if (e->value[0])
        json_object_set_new(o, "value", json_string(e->value));
    return o;
}

/* zl_capture applies the write rule (docs/access.md) for the token's
 * party; under proceed each refusal goes into the job document. */
static void refused(void *ctx, size_t index, const struct zl_error *err)
{
    struct auth_ctx *a = ctx;

    (void)index;
    if (a->errors && json_array_size(a->errors) < MAX_JOB_ERRORS)
        json_array_append_new(
            a->errors, err->code == ZL_EPERM
                           ? problem_obj("epcisException:SecurityException",
                                         "Event refused", 403, err)
                           : problem_obj("epcisException:ValidationException",
                                         "Invalid event", 400, err));
}

/* 1 for JSON (application/json, application/ld+json), 2 for the XML
 * binding (application/xml, text/xml), 0 for anything else. */
static int media_ok(const char *ct)
{
    size_t n;

    if (!ct)
        return 0;
    n = strcspn(ct, "; ");
    if ((n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
        (n == 19 && strncasecmp(ct, "application/ld+json", 19) == 0))
        return 1;
    if ((n == 15 && strncasecmp(ct, "application/xml", 15) == 0) ||
        (n == 8 && strncasecmp(ct, "text/xml", 8) == 0))
        return 2;
    return 0;
}

/* The REST binding accepts an EPCISQueryDocument as capture input (events
 * copied from another repository): rewrite it as the EPCISDocument holding
 * the same events. Returns a new JSON text (zl_free) or NULL when the body
 * is not a query document (then it is captured as sent). */
static char *query_doc_to_doc(const char *body, size_t len)
{
    json_error_t je;
    json_t *in, *out = NULL, *events;
    char *text = NULL;

    if (!memmem(body, len, "EPCISQueryDocument", 18))
        return NULL;
    in = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!in || !json_is_string(json_object_get(in, "type")) ||
        strcmp(json_string_value(json_object_get(in, "type")),
               "EPCISQueryDocument"))
        goto out;
    events = json_object_get(
        json_object_get(
            json_object_get(json_object_get(in, "epcisBody"), "queryResults"),
            "resultsBody"),
        "eventList");
    if (!json_is_array(events))
        goto out;
    out = json_object();
    json_object_set(out, "@context", json_object_get(in, "@context"));
    json_object_set_new(out, "type", json_string("EPCISDocument"));
    json_object_set(out, "schemaVersion", json_object_get(in, "schemaVersion"));
    json_object_set(out, "creationDate", json_object_get(in, "creationDate"));
    json_object_set_new(out, "epcisBody",
                        json_pack("{s:O}", "eventList", events));
    text = json_dumps(out, JSON_COMPACT);
out:
    json_decref(in);
    json_decref(out);
    return text;
}

/* POST /events: one event object, captured as the document holding it
 * alone (its @context moves up to the document). Returns a new JSON text
 * (zl_free) and the event's hash ID in id, or NULL (with *why) when the
 * body is not one event. */
static char *one_event_doc(const char *body, size_t len, char id[96],
                           const char **why)
{
    json_error_t je;
    json_t *ev = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *doc;
    json_t *ctx;
    char now[32], *text = NULL;
    zl_epcis_doc *d = NULL;
    struct zl_error err;

    *why = "the body is one EPCIS event (a JSON object with a type)";
    if (!json_is_object(ev) || !json_is_string(json_object_get(ev, "type")) ||
        json_object_get(ev, "epcisBody")) {
        json_decref(ev);
        return NULL;
    }
    ctx = json_object_get(ev, "@context");
    ctx = ctx ? json_incref(ctx) : json_string(CTX_URL);
    json_object_del(ev, "@context");
    zl_time_format_utc(zl_time_now_ms(), now);
    doc = json_pack("{s:o, s:s, s:s, s:s, s:{s:[O]}}", "@context", ctx, "type",
                    "EPCISDocument", "schemaVersion", "2.0", "creationDate",
                    now, "epcisBody", "eventList", ev);
    json_decref(ev);
    if (doc)
        text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    memset(&err, 0, sizeof err);
    id[0] = '\0';
    if (text && !zl_epcis_parse(text, strlen(text), NULL, &d, &err) &&
        zl_epcis_doc_count(d) == 1)
        zl_event_hash_id(zl_epcis_doc_event(d, 0)->hash, id);
    zl_epcis_doc_free(d);
    return text; /* json_dumps's, as query_doc_to_doc's: zl_free takes it */
}

static void capture_post(struct zl_req *r, int single)
{
    char party[ZL_PARTY_ID_MAX], id[24], t0[32], t1[32];
    struct zl_capture_limits lim = {0};
    struct zl_capture_opts opts;
    struct zl_capture_result res;
    struct zl_error err;
    struct auth_ctx actx;
    const char *beh;
    json_t *job = NULL, *errors = NULL;
    char *json = NULL, *loc, *conv = NULL;
    uint8_t rnd[8];
    int rc, proceed = 0, success, media;
    int64_t created = zl_time_now_ms();

    char one_id[96] = "";

    memset(&err, 0, sizeof err);
    memset(&res, 0, sizeof res);
    if (zl_req_auth(r, party))
        return;
    media = media_ok(zl_req_header(r, "Content-Type"));
    if (single && media == 2) {
        zl_reply_problem(r, 415, "UnsupportedMediaTypeException",
                         "Unsupported Media Type",
                         "POST /events takes one event as application/json "
                         "or application/ld+json");
        return;
    }
    if (!media) {
        zl_reply_problem(r, 415, "UnsupportedMediaTypeException",
                         "Unsupported Media Type",
                         "send application/json, application/ld+json or "
                         "application/xml");
        return;
    }
    /* zl_capture tells XML from JSON by the body's first byte: the body
     * must be what the header says */
    if ((media == 2) !=
        (r->body.data && zl_epcis_is_xml(r->body.data, r->body.len))) {
        zl_reply_problem(r, 400, "ValidationException",
                         "Not a well-formed EPCIS document",
                         media == 2 ? "Content-Type is XML, the body is not"
                                    : "the body is XML: send it as "
                                      "application/xml");
        return;
    }
    beh = zl_req_header(r, "GS1-Capture-Error-Behaviour");
    if (beh && strcasecmp(beh, "proceed") == 0)
        proceed = 1;
    else if (beh && strcasecmp(beh, "rollback") != 0) {
        zl_reply_problem(r, 400, "ValidationException", "Bad header",
                         "GS1-Capture-Error-Behaviour must be rollback or "
                         "proceed");
        return;
    }
    if (single) /* one event: stored or refused, nothing in between */
        proceed = 0;
    if (!(actx.s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, "ImplementationException", "Store unavailable",
                         NULL);
        return;
    }
    actx.party = party;
    actx.errors = errors = json_array();
    lim.max_bytes = r->srv->o.max_body;
    lim.max_events = r->srv->o.max_events;
    memset(&opts, 0, sizeof opts);
    opts.limits = &lim;
    opts.party = party;
    opts.refused = refused;
    opts.refused_ctx = &actx;
    opts.proceed_on_error = proceed;
    /* A detached Ed25519 signature by the token's party over the body
     * (`zhiliang key sign`): checked against its registered key and kept. */
    opts.signature_b64 = zl_req_header(r, "Zhiliang-Signature");
    if (single) {
        const char *why = NULL;
        if (opts.signature_b64) {
            zl_reply_problem(r, 400, "ValidationException", "Bad signature",
                             "sign an EPCISDocument sent to /capture");
            goto out;
        }
        conv = r->body.data
                   ? one_event_doc(r->body.data, r->body.len, one_id, &why)
                   : NULL;
        if (!conv) {
            zl_reply_problem(r, 400, "ValidationException",
                             "Not an EPCIS event",
                             why ? why : "the body is empty");
            goto out;
        }
    } else {
        conv =
            r->body.data ? query_doc_to_doc(r->body.data, r->body.len) : NULL;
    }
    if (conv && opts.signature_b64) {
        zl_reply_problem(r, 400, "ValidationException", "Bad signature",
                         "sign an EPCISDocument, not a query document");
        goto out;
    }
    rc = conv ? zl_capture(actx.s, conv, strlen(conv), &opts, &res, &err)
              : zl_capture(actx.s, r->body.data ? r->body.data : "",
                           r->body.len, &opts, &res, &err);
    if (rc == ZL_ESYNTAX) {
        char d[900];
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 400, "ValidationException",
                         "Not a well-formed EPCIS document", d);
        goto out;
    }
    if (rc == ZL_ELIMIT) {
        char d[900];
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 413, "CaptureLimitExceededException",
                         "Capture limit exceeded", d);
        goto out;
    }
    if (rc == ZL_EVERIFY ||
        (opts.signature_b64 && rc == ZL_EPERM && !strcmp(err.path, "party"))) {
        char d[900];
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 403, "SecurityException",
                         "Signature does not verify", d);
        goto out;
    }
    if (rc == ZL_EPERM && !proceed) {
        char d[900];
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 403, "SecurityException",
                         "Event refused by the write rule (docs/access.md)", d);
        goto out;
    }
    if (rc && rc != ZL_EINVAL && rc != ZL_ECHECK && rc != ZL_EUNSUPPORTED) {
        zl_reply_store_error(r, rc, "Capture failed");
        goto out;
    }
    if (rc && json_array_size(errors) < MAX_JOB_ERRORS)
        json_array_append_new(errors,
                              problem_obj("epcisException:ValidationException",
                                          "Invalid EPCIS document", 400, &err));
    success = rc == 0 && res.n_refused == 0;
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        goto out;
    }
    memcpy(id, "job", 3);
    zl_hex_encode(rnd, sizeof rnd, id + 3);
    zl_time_format_utc(created, t0);
    zl_time_format_utc(zl_time_now_ms(), t1);
    job = json_pack(
        "{s:s, s:s, s:s, s:b, s:b, s:s, s:O, s:{s:I, s:I, s:I, "
        "s:I, s:I}}",
        "captureID", id, "createdAt", t0, "finishedAt", t1, "running", 0,
        "success", success, "captureErrorBehaviour",
        proceed ? "proceed" : "rollback", "errors", errors, "zhiliang",
        "events", (json_int_t)res.n_events, "new", (json_int_t)res.n_new,
        "duplicate", (json_int_t)res.n_duplicate, "refused",
        (json_int_t)res.n_refused, "corrected", (json_int_t)res.n_corrected);
    if (!job || !(json = json_dumps(job, JSON_COMPACT)) ||
        job_add(r->srv, id, party, json)) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        goto out;
    }
    if (single && !rc && one_id[0]) {
        /* synchronous: the event is stored (or was already) */
        struct zl_buf lb;
        zl_buf_init(&lb, 1024);
        if (!zl_buf_adds(&lb, "/events/") && !zl_pct_encode(&lb, one_id) &&
            (loc = zl_arena_strndup(&r->arena, lb.data, lb.len)))
            zl_reply_header(r, "Location", loc);
        zl_buf_cleanup(&lb);
        zl_reply(r, 201, "application/json", json, strlen(json));
        goto out;
    }
    loc = zl_arena_printf(&r->arena, "/capture/%s", id);
    zl_reply_header(r, "Location", loc);
    if (rc) {
        /* The document was refused whole, and we know it now: say so
         * with a 400 (a script's `curl -f` must not read success), whose
         * body is the job document and an RFC 7807 problem at once. */
        json_t *p = json_deep_copy(job), *first = json_array_get(errors, 0);
        char *pj = NULL;

        if (p && first && !json_object_update(p, first) &&
            (pj = json_dumps(p, JSON_COMPACT)))
            zl_reply(r, 400, "application/problem+json", pj, strlen(pj));
        else
            zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        free(pj);
        json_decref(p);
        goto out;
    }
    zl_reply(r, 202, "application/json", json, strlen(json));
out:
    zl_free(conv);
    json_decref(job);
    json_decref(errors);
}

static void capture_get(struct zl_req *r)
{
    char party[ZL_PARTY_ID_MAX];
    char *doc;

    if (zl_req_auth(r, party))
        return;
    doc = job_get(r->srv, r->segs[1], party);
    if (!doc) {
        zl_reply_problem(r, 404, "NoSuchResourceException",
                         "No such capture job", NULL);
        return;
    }
    zl_reply(r, 200, "application/json", doc, strlen(doc));
    zl_free(doc);
}

static void capture_list(struct zl_req *r)
{
    char party[ZL_PARTY_ID_MAX];
    struct zl_buf b;
    size_t i, k, n = 0;
    int rc = 0;

    if (zl_req_auth(r, party))
        return;
    zl_buf_init(&b, (size_t)64 << 20);
    rc = zl_buf_addc(&b, '[');
    pthread_mutex_lock(&r->srv->lock);
    for (k = 0; r->srv->jobs && k < MAX_JOBS && !rc; k++) {
        /* newest first */
        i = (r->srv->job_head + MAX_JOBS - 1 - k) % MAX_JOBS;
        if (!r->srv->jobs[i].json || strcmp(r->srv->jobs[i].party, party))
            continue;
        if (n++ >= MAX_PER_PAGE)
            break;
        rc = zl_buf_printf(&b, "%s%s", n > 1 ? "," : "", r->srv->jobs[i].json);
    }
    pthread_mutex_unlock(&r->srv->lock);
    if (rc || zl_buf_addc(&b, ']')) {
        zl_buf_cleanup(&b);
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        return;
    }
    zl_reply_buf(r, 200, "application/json", &b);
}

/* ---- queries ------------------------------------------------------------ */

static int epc_format(struct zl_req *r, enum zl_epc_format *f)
{
    const char *h = zl_req_header(r, "GS1-EPC-Format");

    *f = ZL_EPC_AS_CAPTURED;
    if (!h || !strcmp(h, "No_Preference") || !strcmp(h, "Never_Translates"))
        return 0;
    if (!strcmp(h, "Always_GS1_Digital_Link")) {
        *f = ZL_EPC_DIGITAL_LINK;
        return 0;
    }
    if (!strcmp(h, "Always_EPC_URN")) {
        *f = ZL_EPC_URN;
        return 0;
    }
    return -1;
}

/* 1 if the client asks for the XML binding (and not for JSON). */
static int wants_xml(const struct zl_req *r)
{
    return (zl_req_accepts(r, "application/xml") ||
            zl_req_accepts(r, "text/xml")) &&
           !zl_req_accepts(r, "application/json") &&
           !zl_req_accepts(r, "application/ld+json");
}

/* Build the Link header for the next page: the request's own query minus
 * nextPageToken, plus the new token. */
static const char *next_link(struct zl_req *r, const char *token)
{
    struct zl_buf b;
    const char *p, *e;
    const char *path = r->raw_uri;
    size_t plen = strcspn(path, "?");
    char *out;
    int rc, first = 1;

    zl_buf_init(&b, 16384);
    rc = zl_buf_printf(&b, "<%s%.*s?", zl_req_origin(r), (int)plen, path);
    for (p = r->raw_query; *p && !rc; p = *e ? e + 1 : e) {
        e = p + strcspn(p, "&");
        if (e == p || (e - p >= 14 && !strncmp(p, "nextPageToken=", 14)))
            continue;
        rc = zl_buf_printf(&b, "%s%.*s", first ? "" : "&", (int)(e - p), p);
        first = 0;
    }
    if (!rc)
        rc = zl_buf_printf(&b, "%snextPageToken=", first ? "" : "&");
    if (!rc)
        rc = zl_pct_encode(&b, token);
    if (!rc)
        rc = zl_buf_adds(&b, ">; rel=\"next\"");
    out = rc ? NULL : zl_arena_strndup(&r->arena, b.data, b.len);
    zl_buf_cleanup(&b);
    return out;
}

/* Run the request's query with an optional fixed parameter from the path;
 * single = 1 answers one event (or 404) rather than a document. named
 * (may be NULL) is a named query's definition (zhiliang/subscription.h),
 * applied before the URL's parameters, and qname its name. */
static void run_query(struct zl_req *r, const char *fixed_name,
                      const char *fixed_value, int single, const char *named,
                      const char *qname)
{
    char d[900];
    struct zl_viewer viewer;
    struct zl_error err;
    enum zl_epc_format fmt;
    zl_query *q = NULL;
    zl_store *s;
    char *json = NULL, *next = NULL;
    size_t len = 0, i;
    int rc, has_per_page = 0;

    memset(&err, 0, sizeof err);
    if (zl_req_viewer(r, &viewer, 1))
        return;
    if (epc_format(r, &fmt)) {
        zl_reply_problem(r, 400, "ValidationException", "Bad header",
                         "GS1-EPC-Format: No_Preference, "
                         "Always_GS1_Digital_Link, Always_EPC_URN or "
                         "Never_Translates");
        return;
    }
    if (!(s = zl_srv_store(r)) || zl_query_new(&q)) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        goto out;
    }
    if (named && (rc = zl_named_query_apply(q, named, &err))) {
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 400, "QueryParameterException",
                         "Invalid named query", d);
        goto out;
    }
    for (i = 0; i < r->n_params; i++) {
        const char *k = r->params[i].k, *v = r->params[i].v;
        if (!strcmp(k, "lang"))
            continue;
        if (!strcmp(k, "perPage")) {
            /* zl_query_param refuses signs, junk and huge values (naming
             * perPage); a valid one above the server's page is lowered */
            size_t dl = strspn(v, "0123456789");
            has_per_page = 1;
            if (dl && !v[dl] && dl <= 9 && strtoul(v, NULL, 10) > MAX_PER_PAGE)
                v = "1000";
        }
        if ((rc = zl_query_param(q, k, v, &err))) {
            zl_error_format(&err, d, sizeof d);
            zl_reply_problem(r, 400, "QueryParameterException",
                             "Invalid query parameter", d);
            goto out;
        }
    }
    if (fixed_name && (rc = zl_query_param(q, fixed_name, fixed_value, &err))) {
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, single ? 404 : 400,
                         single ? "NoSuchResourceException"
                                : "QueryParameterException",
                         "Invalid resource", d);
        goto out;
    }
    if (!has_per_page && !single)
        zl_query_param(q, "perPage", "100", &err);
    if (single) {
        zl_query_param(q, "perPage", "1", &err);
    }
    /* the read rule (docs/access.md), inside the scan: pages count
     * visible events, and an event the party may not see is a 404 */
    zl_query_set_viewer(q, &viewer);
    /* the budget counts from arrival: time in the pool's queue too */
    zl_query_set_budget(
        q, (r->t_queued ? r->t_queued : zl_time_now_ms()) + r->srv->o.query_ms,
        MAX_QUERY_BYTES, zl_req_client_gone, r);
    rc = zl_query_json(s, q, fmt, &json, &len, single ? NULL : &next, &err);
    if (rc == ZL_ELIMIT) {
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 413, "QueryTooLargeException", "Query too large",
                         d);
        goto out;
    }
    if (rc == ZL_EINVAL) {
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 400, "QueryParameterException",
                         "Invalid query parameter", d);
        goto out;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Query failed");
        goto out;
    }
    if (single) {
        /* Pull the one event out of the query document. */
        json_error_t je;
        json_t *doc = json_loadb(json, len, 0, &je), *body, *ev;
        char *one;
        body = json_object_get(
            json_object_get(json_object_get(doc, "epcisBody"), "queryResults"),
            "resultsBody");
        ev = json_array_get(json_object_get(body, "eventList"), 0);
        if (!ev) {
            json_decref(doc);
            zl_reply_problem(r, 404, "NoSuchResourceException", "No such event",
                             fixed_value);
            goto out;
        }
        if (!json_object_get(ev, "@context"))
            json_object_set_new(ev, "@context", json_string(CTX_URL));
        one = json_dumps(ev, JSON_COMPACT);
        json_decref(doc);
        if (!one) {
            zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
            goto out;
        }
        zl_reply(r, 200, "application/ld+json", one, strlen(one));
        zl_free(one);
        goto out;
    }
    if (next) {
        const char *l = next_link(r, next);
        if (l)
            zl_reply_header(r, "Link", l);
    }
    if (qname) {
        size_t nl = 0;
        char *renamed = zl_query_doc_rename(json, len, qname, &nl);
        if (renamed) {
            zl_free(json);
            json = renamed;
            len = nl;
        }
    }
    if (wants_xml(r)) {
        /* the XML binding: the same events as an EPCIS 2.0 document */
        char *xml = NULL;
        size_t xl = 0;
        if (zl_epcis_json_to_xml(json, len, &xml, &xl, &err)) {
            zl_free(xml);
            zl_reply_problem(r, 500, "ImplementationException",
                             "XML output failed", NULL);
            goto out;
        }
        zl_reply(r, 200, "application/xml", xml, xl);
        zl_free(xml);
        goto out;
    }
    zl_reply_take(r, 200,
                  zl_req_accepts(r, "application/json") &&
                          !zl_req_accepts(r, "application/ld+json")
                      ? "application/json"
                      : "application/ld+json",
                  json, len);
    json = NULL;
out:
    zl_free(json);
    zl_free(next);
    zl_query_free(q);
}

static void events_query(struct zl_req *r, const char *fixed_name,
                         const char *fixed_value, int single)
{
    run_query(r, fixed_name, fixed_value, single, NULL, NULL);
}

void zl_epcis_named_query(struct zl_req *r, const char *name,
                          const char *definition)
{
    run_query(r, NULL, NULL, 0, definition, name);
}

static const char *const EVENT_TYPES[] = {
    "ObjectEvent", "AggregationEvent", "TransactionEvent",
    "TransformationEvent", "AssociationEvent"};

static const struct {
    const char *seg, *param;
} SUBRES[] = {
    {"eventTypes", "eventType"},        {"bizSteps", "EQ_bizStep"},
    {"dispositions", "EQ_disposition"}, {"readPoints", "EQ_readPoint"},
    {"bizLocations", "EQ_bizLocation"}, {"epcs", "MATCH_anyEPC"},
};

void zl_h_epcis(struct zl_req *r)
{
    const char *m = r->method;
    int get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
    size_t n = r->n_segs, i;

    if (!strcmp(m, "OPTIONS")) {
        discovery(r, n && !strcmp(r->segs[0], "capture") && n == 1
                         ? "OPTIONS, GET, POST"
                         : "OPTIONS, GET, HEAD");
        return;
    }
    if (n == 0) {
        static const char *const top[] = {
            "capture",    "events",       "eventTypes",   "epcs",
            "readPoints", "bizLocations", "dispositions", "bizSteps"};
        if (get)
            collection(r, top, sizeof top / sizeof top[0]);
        return;
    }
    if (!strcmp(r->segs[0], "capture")) {
        if (n == 1 && !strcmp(m, "POST"))
            capture_post(r, 0);
        else if (n == 1 && get)
            capture_list(r);
        else if (n == 2 && get)
            capture_get(r);
        else
            goto bad_method;
        return;
    }
    if (!strcmp(r->segs[0], "queries")) {
        zl_h_queries(r);
        return;
    }
    if (!strcmp(r->segs[0], "events") && n == 1 && !strcmp(m, "POST")) {
        capture_post(r, 1);
        return;
    }
    if (!get)
        goto bad_method;
    if (!strcmp(r->segs[0], "events")) {
        if (n == 1)
            events_query(r, NULL, NULL, 0);
        else if (n == 2)
            events_query(r, "EQ_eventID", r->segs[1], 1);
        return;
    }
    if (!strcmp(r->segs[0], "eventTypes") && n == 1) {
        collection(r, EVENT_TYPES, 5);
        return;
    }
    for (i = 0; i < sizeof SUBRES / sizeof SUBRES[0]; i++) {
        if (strcmp(r->segs[0], SUBRES[i].seg))
            continue;
        if (n == 2) {
            static const char *const ev[] = {"events"};
            collection(r, ev, 1);
        } else if (n == 3 && !strcmp(r->segs[2], "events")) {
            const char *param = SUBRES[i].param;
            struct zl_gs1_id id;
            /* /epcs/ also takes classes (LGTIN): match them as classes. */
            if (!strcmp(param, "MATCH_anyEPC") &&
                zl_gs1_parse(r->segs[1], strlen(r->segs[1]), &id, NULL) == 0 &&
                id.is_class)
                param = "MATCH_anyEPCClass";
            events_query(r, param, r->segs[1], 0);
        }
        return;
    }
    return;
bad_method:
    zl_reply_header(r, "Allow", "OPTIONS, GET, HEAD, POST");
    zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
}
