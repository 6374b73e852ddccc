/*
 * api.c - the JSON API under /api/: traces and recall scope.
 *
 * Traces expose the flows between enterprises, so they need a token like
 * raw event queries do; the public portal shows a filtered view instead.
 */
#include "server/server_int.h"

#include "util/alloc.h"
#include "zhiliang/trace.h"

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
        zl_reply_problem(r, 500, NULL, "Trace failed", zl_strerror(rc));
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
    else
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
}
