/*
 * api.c - the JSON API under /api/: traces and recall scope.
 *
 * Traces and recall scopes expose the flows between enterprises and the
 * stock each holds, so they need a token like raw event queries do; the
 * public portal shows a filtered view instead. /api/recalls/{id}/scope is
 * the recall module's scope of the case's lots (JSON, or the FSMA 204
 * sortable spreadsheet with ?format=csv).
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/recall.h"
#include "zhiliang/trace.h"

#include <jansson.h>

#include <math.h>
#include <string.h>

static void trace(struct zl_req *r, enum zl_trace_dir dir, int scope)
{
    char party[ZL_PARTY_ID_MAX], d[900];
    struct zl_trace_opts o;
    struct zl_error err;
    const char *ids[ZL_MAX_PARAMS];
    size_t n = 0, i;
    zl_trace *t = NULL;
    zl_store *s;
    struct zl_buf b;
    int rc;

    if (zl_req_auth(r, party))
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
                              "case", c->case_id, "status", c->status,
                              "reason", c->reason, "hazardClass",
                              c->hazard_class, "openedMs",
                              (json_int_t)c->opened_ms, "closedMs",
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

static void recall_case(struct zl_req *r, zl_store *s, const char *id,
                        int scope)
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
    char party[ZL_PARTY_ID_MAX];
    zl_store *s;
    size_t n = r->n_segs;

    if (zl_req_auth(r, party))
        return;
    if (!(s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, NULL, "Store unavailable", NULL);
        return;
    }
    if (n == 2)
        recalls_list(r, s);
    else if (n == 3)
        recall_case(r, s, r->segs[2], 0);
    else if (n == 4 && !strcmp(r->segs[3], "scope"))
        recall_case(r, s, r->segs[2], 1);
    else
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
}

void zl_h_api(struct zl_req *r)
{
    size_t n = r->n_segs;

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
