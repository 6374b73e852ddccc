/*
 * api.c - the JSON API under /api/: traces and recall scope.
 *
 * Traces and recall scopes expose the flows between enterprises and the
 * stock each holds, so they need a token like raw event queries do; the
 * public portal shows a filtered view instead. /api/recalls/{id}/scope is
 * the recall module's scope of the case's lots (JSON, or the FSMA 204
 * sortable spreadsheet with ?format=csv).
 *
 * Who reads what (docs/access.md): a trace (and an ad-hoc /api/scope) is
 * computed over the events the token's party may see (zl_trace_opts.visible
 * asks zl_viewer_sees_event), so nodes reached only through hidden events
 * do not appear. A recall case's scope names every custodian, so it goes
 * whole to a regulator whose region holds the owner of a recalled lot or
 * one of the case's parties, and to the owner of a recalled lot (the
 * recalling party); a party of the case sees the case and its own line;
 * anyone else gets 403. Operators' tokens read none of it (403).
 */
#include "server_int.h"
#include "spc_server.h"

#include "zhiliang/alloc.h"
#include "zhiliang/recall.h"
#include "zhiliang/trace.h"

#include <jansson.h>

#include <math.h>
#include <string.h>

/* The viewer of the last token each worker thread verified, kept while
 * its store handle is unchanged (zl_store_change_token: a revoked token,
 * a party removed or moved, any commit anywhere, starts it again). A
 * client sends its token with every request, and verifying it (a token
 * row, SHA-256) and reading its party (kinds, region, sites) was a tenth
 * of a trace request's CPU. The token is compared in constant time: the
 * time to refuse another token does not tell how much of it matched. */
static _Thread_local struct {
    zl_store *s; /* the handle it was read on, NULL: none kept */
    uint64_t change;
    size_t len;
    char token[ZL_TOKEN_MAX];
    struct zl_viewer v;
} tl_viewer;

static int kept_viewer(zl_store *s, uint64_t change, const char *tok,
                       struct zl_viewer *v)
{
    size_t n = strlen(tok);
    unsigned char diff = 0;

    if (!tl_viewer.s || tl_viewer.s != s || tl_viewer.change != change ||
        n != tl_viewer.len)
        return 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(tok[i] ^ tl_viewer.token[i]);
    if (diff)
        return 0;
    *v = tl_viewer.v;
    return 1;
}

static void keep_viewer(zl_store *s, uint64_t change, const char *tok,
                        const struct zl_viewer *v)
{
    size_t n = strlen(tok);

    tl_viewer.s = NULL;
    if (n >= sizeof tl_viewer.token)
        return;
    memcpy(tl_viewer.token, tok, n + 1);
    tl_viewer.len = n;
    tl_viewer.change = change;
    tl_viewer.v = *v;
    tl_viewer.s = s;
}

int zl_req_viewer(struct zl_req *r, struct zl_viewer *v, int need_events)
{
    char party[ZL_PARTY_ID_MAX];
    const char *tok = zl_req_bearer(r);
    struct zl_error err;
    uint64_t change = 0;
    int have_change = 0;
    zl_store *s;
    int rc;

    memset(&err, 0, sizeof err);
    /* the change token read before the token is verified: a change in
     * between leaves a kept viewer that the next request does not use */
    if (tok && (s = zl_srv_store(r)) && !zl_store_change_token(s, &change)) {
        have_change = 1;
        if (kept_viewer(s, change, tok, v))
            goto check;
    }
    if (zl_req_auth(r, party))
        return 1;
    if (!(s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, "ImplementationException", "Store unavailable",
                         NULL);
        return 1;
    }
    rc = zl_viewer_for_party(s, party, v, &err);
    if (rc == ZL_ENOTFOUND) {
        /* a token whose party is gone is no better than an unknown one */
        zl_reply_header(r, "WWW-Authenticate",
                        "Bearer realm=\"zhiliang\", error=\"invalid_token\"");
        zl_reply_problem(r, 401, "SecurityException", "Unauthorized",
                         "the token's party is not registered");
        return 1;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Store failed");
        return 1;
    }
    if (have_change)
        keep_viewer(s, change, tok, v);
check:
    if (need_events && !zl_viewer_reads_events(v)) {
        zl_reply_problem(r, 403, "SecurityException", "Forbidden",
                         "an operator's token administers parties and tokens "
                         "and reads no events (docs/access.md)");
        return 1;
    }
    return 0;
}

struct vis_ctx {
    zl_store *s;
    const struct zl_viewer *v;
    zl_viewer_memo *memo; /* the rule's answers for this request */
};

static int trace_visible(void *ctx, const uint8_t hash[32])
{
    const struct vis_ctx *c = ctx;
    int rc = zl_viewer_sees_event_memo(c->s, c->v, c->memo, hash);

    return rc == ZL_ENOTFOUND ? 0 : rc;
}

static void trace(struct zl_req *r, enum zl_trace_dir dir, int scope)
{
    char d[900];
    struct zl_viewer viewer;
    struct vis_ctx vc;
    struct zl_trace_opts o;
    struct zl_error err;
    const char *ids[ZL_MAX_PARAMS];
    size_t n = 0, i;
    zl_trace *t = NULL;
    zl_store *s;
    struct zl_buf b;
    int rc;

    if (zl_req_viewer(r, &viewer, 1))
        return;
    for (i = 0; i < r->n_params; i++)
        if (!strcmp(r->params[i].k, scope ? "lot" : "id"))
            ids[n++] = r->params[i].v;
    if (!n) {
        zl_reply_problem(r, 400, NULL, "Missing parameter",
                         scope ? "lot=<identifier> (repeatable)"
                               : "id=<identifier>");
        return;
    }
    if (!(s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, NULL, "Store unavailable", NULL);
        return;
    }
    memset(&o, 0, sizeof o);
    memset(&err, 0, sizeof err);
    o.dir = dir;
    o.max_nodes = 1000000;
    vc.s = s;
    vc.v = &viewer;
    vc.memo = NULL;
    if (zl_viewer_memo_get(s, &viewer, &vc.memo)) {
        zl_reply_problem(r, 500, NULL, "Out of memory", NULL);
        return;
    }
    o.visible = trace_visible;
    o.visible_ctx = &vc;
    rc = scope ? zl_trace_scope(s, ids, n, &o, &t, &err)
               : zl_trace_run_many(s, ids, n, &o, &t, &err);
    if (rc == ZL_EINVAL || rc == ZL_ESYNTAX || rc == ZL_ECHECK) {
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, 400, NULL, "Invalid identifier", d);
        goto out;
    }
    if (rc == ZL_ELIMIT) {
        zl_reply_problem(r, 413, NULL, "Trace too large", NULL);
        goto out;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Trace failed");
        goto out;
    }
    zl_buf_init(&b, (size_t)256 << 20);
    if (zl_trace_write_json(t, &b)) {
        zl_buf_cleanup(&b);
        zl_reply_problem(r, 500, NULL, "Trace output failed", NULL);
        goto out;
    }
    zl_reply_buf(r, 200, "application/json", &b);
out:
    zl_viewer_memo_put(s, vc.memo);
    zl_trace_free(t);
}

/* ---- recalls ----------------------------------------------------------- */

static json_t *jstrings(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n && a; i++)
        if (json_array_append_new(a, json_string(v[i]))) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

static int list_cb(void *ctx, const struct zl_recall_info *c)
{
    json_t *arr = ctx;

    return json_array_append_new(
               arr, json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:I, s:o, s:o}",
                              "case", c->case_id, "status", c->status, "reason",
                              c->reason, "hazardClass", c->hazard_class,
                              "openedMs", (json_int_t)c->opened_ms, "closedMs",
                              (json_int_t)c->closed_ms, "lots",
                              jstrings(c->lots, c->n_lots), "gtins",
                              jstrings(c->gtins, c->n_gtins)))
               ? ZL_ENOMEM
               : 0;
}

static void recalls_list(struct zl_req *r, zl_store *s)
{
    json_t *arr = json_array();
    const char *open = zl_req_param(r, "open");
    char *out;
    int rc;

    rc = zl_recall_list(s, open && !strcmp(open, "1"), list_cb, arr);
    out = rc ? NULL : json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (!out) {
        zl_reply_store_error(r, rc, "Recall list failed");
        return;
    }
    zl_reply(r, 200, "application/json", out, strlen(out));
    zl_free(out);
}

/* How much of a case v may read: 2 all (a regulator whose region holds
 * a recalled lot's owner or a party of the case; the owner of a recalled
 * lot), 1 the case and v's own line (v is a party of the case), 0
 * nothing; or a negative store error. */
static int case_access(zl_store *s, const struct zl_viewer *v,
                       const struct zl_recall_status *st)
{
    char owner[ZL_PARTY_ID_MAX];
    int rc, mine = 0;

    for (size_t i = 0; i < st->n_lots; i++) {
        rc = zl_party_prefix_owner(s, st->lots[i], owner, NULL);
        if (rc == ZL_ENOTFOUND)
            continue;
        if (rc < 0)
            return rc;
        if ((rc = zl_viewer_answers_for(s, v, owner)))
            return rc < 0 ? rc : 2;
    }
    for (size_t i = 0; i < st->n_parties; i++) {
        if ((rc = zl_viewer_answers_for(s, v, st->parties[i].party)) < 0)
            return rc;
        if (rc && v->party.kind == ZL_PARTY_REGULATOR)
            return 2;
        mine |= rc;
    }
    return mine;
}

/* Keep only v's own line of the case (access level 1). */
static void own_line_only(zl_store *s, const struct zl_viewer *v,
                          struct zl_recall_status *st)
{
    size_t w = 0;

    for (size_t i = 0; i < st->n_parties; i++)
        if (zl_viewer_answers_for(s, v, st->parties[i].party) == 1)
            st->parties[w++] = st->parties[i];
    st->n_parties = w;
    st->n_overall = 0;
    st->effectiveness_uom = NULL;
    st->effectiveness = NAN;
}

static void recall_case(struct zl_req *r, zl_store *s,
                        const struct zl_viewer *v, const char *id, int scope)
{
    const char *fmt = zl_req_param(r, "format");
    struct zl_recall_status *st = NULL;
    zl_recall_scope *sc = NULL;
    struct zl_error err;
    struct zl_buf b;
    char d[900];
    int rc;

    memset(&err, 0, sizeof err);
    zl_buf_init(&b, (size_t)256 << 20);
    rc = zl_recall_status_get(s, id, &st);
    if (rc == ZL_ENOTFOUND || rc == ZL_EINVAL) {
        zl_reply_problem(r, 404, NULL, "No such recall case", id);
        goto out;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Recall status failed");
        goto out;
    }
    if ((rc = case_access(s, v, st)) < 0) {
        zl_reply_store_error(r, rc, "Recall status failed");
        goto out;
    }
    if (rc == 0 || (scope && rc < 2)) {
        zl_reply_problem(r, 403, NULL, "Forbidden",
                         scope ? "a recall's scope names every custodian: it "
                                 "is for the regulators of the region and "
                                 "the owner of the recalled lots "
                                 "(docs/access.md)"
                               : "the token's party has no part in this "
                                 "recall (docs/access.md)");
        goto out;
    }
    if (rc == 1)
        own_line_only(s, v, st);
    if (!scope) {
        if (zl_recall_status_json(st, &b))
            goto fail;
        zl_reply_buf(r, 200, "application/json", &b);
        goto out;
    }
    rc = zl_recall_scope_compute(s, st->lots, st->n_lots, &sc, &err);
    if (rc) {
        zl_error_format(&err, d, sizeof d);
        zl_reply_problem(r, rc == ZL_ELIMIT ? 413 : 500, NULL,
                         "Recall scope failed", d);
        goto out;
    }
    if (fmt && !strcmp(fmt, "csv")) {
        if (zl_recall_scope_csv(sc, &b))
            goto fail;
        zl_reply_header(r, "Content-Disposition",
                        "attachment; filename=\"fsma204.csv\"");
        zl_reply_buf(r, 200, "text/csv; charset=utf-8", &b);
    } else {
        if (zl_recall_scope_json(sc, &b))
            goto fail;
        zl_reply_buf(r, 200, "application/json", &b);
    }
    goto out;
fail:
    zl_reply_problem(r, 500, NULL, "Recall output failed", NULL);
out:
    zl_buf_cleanup(&b);
    zl_recall_scope_free(sc);
    zl_recall_status_free(st);
}

/* /api/recalls[/{id}[/scope]]: recall cases name the custodians and the
 * quantities they hold, so a token is needed (the public sees /recalls). */
static void recalls(struct zl_req *r)
{
    struct zl_viewer viewer;
    zl_store *s;
    size_t n = r->n_segs;

    if (zl_req_viewer(r, &viewer, 1))
        return;
    if (!(s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, NULL, "Store unavailable", NULL);
        return;
    }
    if (n == 2)
        recalls_list(r, s);
    else if (n == 3)
        recall_case(r, s, &viewer, r->segs[2], 0);
    else if (n == 4 && !strcmp(r->segs[3], "scope"))
        recall_case(r, s, &viewer, r->segs[2], 1);
    else
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
}

void zl_h_api(struct zl_req *r)
{
    size_t n = r->n_segs;

    if (n >= 3 && !strcmp(r->segs[1], "spc")) { /* live SPC: spc_api.c */
        zl_h_spc_api(r);
        return;
    }

    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        zl_reply_header(r, "Allow", "GET, HEAD");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
        return;
    }
    if (n == 3 && !strcmp(r->segs[1], "trace") && !strcmp(r->segs[2], "back"))
        trace(r, ZL_TRACE_BACKWARD, 0);
    else if (n == 3 && !strcmp(r->segs[1], "trace") &&
             !strcmp(r->segs[2], "forward"))
        trace(r, ZL_TRACE_FORWARD, 0);
    else if (n == 2 && !strcmp(r->segs[1], "scope"))
        trace(r, ZL_TRACE_FORWARD, 1);
    else if (n >= 2 && n <= 4 && !strcmp(r->segs[1], "recalls"))
        recalls(r);
    else
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
}
