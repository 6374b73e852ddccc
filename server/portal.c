/*
 * portal.c - the public portal (一公开): server-rendered HTML pages in
 * Chinese first, English with ?lang=en. This file is its router.
 *
 * Pages: home (search), /search (typed, pasted or scanned code -> its
 * Digital Link page), the product page the resolver shows for a GTIN, lot
 * or serial (product, origin, the path travelled, inspections when there
 * are any, a red banner while the lot is under recall), /recalls, /qr and
 * /static assets. Each page or group of pages has its own file, the
 * layout template, the labels and the names theirs: see portal_int.h.
 *
 * Pages show public data only (master data names, event times, business
 * steps and places; see portal_product.c), and every string goes through
 * zl_html_escape: the layout template (web/layout.html) only receives
 * escaped values. Only GET and HEAD are answered; the web/ .html files
 * are never served raw (they are templates, not pages).
 */
#include "portal_int.h"
#include "spc_server.h"

#include <string.h>

void zl_h_portal(struct zl_req *r)
{
    const char *m = r->method;
    size_t n = r->n_segs;

    if (n == 1 && (!strcmp(r->segs[0], "complain") ||
                   !strcmp(r->segs[0], "complaints"))) {
        zl_portal_complain(r); /* portal_complain.c: GET and POST */
        return;
    }
    if (strcmp(m, "GET") && strcmp(m, "HEAD")) {
        zl_reply_header(r, "Allow", "GET, HEAD");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
        return;
    }
    if (n == 0) {
        zl_portal_home(r);
    } else if (n == 2 && !strcmp(r->segs[0], "static")) {
        size_t alen = 0;
        const unsigned char *a = zl_asset_find(r->segs[1], &alen);
        if (!a || strstr(r->segs[1], ".html")) {
            zl_reply_problem(r, 404, NULL, "Not Found", NULL);
            return;
        }
        zl_reply_header(r, "Cache-Control", "public, max-age=3600");
        zl_reply(r, 200,
                 strstr(r->segs[1], ".js")    ? "text/javascript; charset=utf-8"
                 : strstr(r->segs[1], ".svg") ? "image/svg+xml"
                                              : "text/css; charset=utf-8",
                 (const char *)a, alen);
    } else if (n == 1 && !strcmp(r->segs[0], "search")) {
        zl_portal_search(r);
    } else if (n == 1 && !strcmp(r->segs[0], "qr")) {
        zl_portal_qr(r);
    } else if (n == 1 && !strcmp(r->segs[0], "recalls")) {
        zl_portal_recalls(r);
    } else if (n == 1 && !strcmp(r->segs[0], "warnings")) {
        zl_portal_warnings(r); /* portal_warnings.c (issue 14) */
    } else if (n == 2 && !strcmp(r->segs[0], "recalls")) {
        zl_portal_recall_case(r, r->segs[1]);
    } else if (n == 1 && !strcmp(r->segs[0], "favicon.ico")) {
        zl_reply_header(r, "Cache-Control", "public, max-age=86400");
        zl_reply_redirect(r, 301, "/static/favicon.svg");
    } else if (n == 1 && !strcmp(r->segs[0], "results")) {
        zl_portal_results(r);
    } else if (n == 2 && !strcmp(r->segs[0], "enterprises")) {
        zl_portal_enterprise(r, r->segs[1]); /* portal_enterprise.c */
    } else if (n == 2 && !strcmp(r->segs[0], "spc")) {
        zl_portal_spc(r, r->segs[1]); /* portal_spc.c */
    } else if (n >= 1 && n <= 3 && !strcmp(r->segs[0], "inspections")) {
        zl_portal_inspections(r);
    } else if (n == 1 && !strcmp(r->segs[0], "healthz")) {
        zl_reply(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
    } else {
        zl_portal_error(r, 404, "页面不存在", "Page not found");
    }
}
