/*
 * portal_warnings.c - the public side of risk cases (issue 14): /warnings
 * lists the active consumer warnings (open warning actions of open risk
 * cases, zl_dispo_warnings) and the closed risk cases (their public
 * fields only: subject, hazard, the actions' kinds and dates, the
 * outcome), in the reader's language; and the warning box the product,
 * lot and item pages carry while a warning on them is active.
 *
 * A warning is shown in Chinese, or in English with ?lang=en (both are
 * required when the warning is issued); once its action is done it is
 * withdrawn from every page. Nothing of a notice, an answer, a note or
 * the report a case came from is shown (zl_dispo_list's public view
 * leaves them out). Every value is HTML-escaped.
 */
#include "portal_int.h"

#include "zhiliang/risk_dispose.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

struct wctx {
    struct zl_req *r;
    struct zl_buf *b;
    size_t n;
    int box; /* the product page's box, else the table rows */
};

static int warn_cb(void *ctx, const struct zl_dispo_warning *w)
{
    struct wctx *x = ctx;
    struct zl_req *r = x->r;
    const char *title = r->lang_en && *w->title_en ? w->title_en : w->title;
    const char *text = r->lang_en && *w->text_en ? w->text_en : w->text;
    int rc;

    if (x->box) {
        if (!x->n++)
            zl_buf_printf(x->b,
                          "<div class=\"recall-banner\" id=\"warnings\" "
                          "role=\"alert\"><h2>%s</h2>",
                          T(r, "⚠ 消费警示", "⚠ Consumer warning"));
        rc = zl_portal_add_esc(x->b, "<p><strong>", title, "</strong> ");
        if (!rc)
            rc = zl_portal_add_esc(x->b, "", text, "");
        if (!rc)
            rc = zl_portal_add_esc(x->b,
                                   zl_arena_printf(&r->arena,
                                                   " <span class=\"muted\">%s",
                                                   T(r, "发布于 ", "issued ")),
                                   w->since, "</span></p>");
        return rc;
    }
    x->n++;
    rc = zl_portal_add_esc(x->b, "<tr><td><strong>", title, "</strong><br>");
    if (!rc)
        rc = zl_portal_add_esc(x->b, "", text, "</td>");
    if (!rc && *w->gtin)
        rc = zl_portal_add_esc(x->b, "<td><a href=\"/01/",
                               zl_arena_printf(&r->arena, "%s%s%s%s", w->gtin,
                                               *w->lot ? "/10/" : "", w->lot,
                                               r->lang_en ? "?lang=en" : ""),
                               "\">");
    if (!rc)
        rc = zl_portal_add_esc(x->b, "", *w->gtin ? w->gtin : "—",
                               *w->gtin ? "</a></td>" : "</td>");
    if (!rc)
        rc = zl_portal_add_esc(x->b, "<td>", *w->lot ? w->lot : "—", "</td>");
    if (!rc)
        rc = zl_portal_add_esc(x->b, "<td><span class=\"when\">", w->since,
                               "</span></td></tr>");
    return rc;
}

int zl_portal_warnings_section(struct zl_req *r, zl_store *s, const char *gtin,
                               const char *lot, struct zl_buf *b)
{
    struct wctx x = {r, b, 0, 1};
    int rc;

    if (!gtin)
        return 0;
    rc = zl_dispo_warnings(s, gtin, lot, warn_cb, &x);
    if (!rc && x.n)
        rc = zl_buf_printf(b, "<p><a href=\"/warnings%s\">%s</a></p></div>",
                           r->lang_en ? "?lang=en" : "",
                           T(r, "全部消费警示", "All consumer warnings"));
    return rc;
}

static const char *js(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static const char *kind_label(struct zl_req *r, const char *k)
{
    return !strcmp(k, "warning")     ? T(r, "消费警示", "consumer warning")
           : !strcmp(k, "recall")    ? T(r, "召回", "recall")
           : !strcmp(k, "spotcheck") ? T(r, "定向抽检", "targeted spot check")
           : !strcmp(k, "notice") ? T(r, "告知企业", "notice to the enterprise")
                                  : k;
}

/* The closed cases' rows. */
static int closed_rows(struct zl_req *r, zl_store *s, struct zl_buf *b,
                       size_t *n)
{
    struct zl_buf j;
    struct zl_error err = {0};
    json_t *arr, *c, *a;
    size_t i, k;
    int rc;

    zl_buf_init(&j, (size_t)64 << 20);
    rc = zl_dispo_list(s, "closed", 1, 0, &j, &err);
    arr = rc ? NULL : json_loadb((const char *)j.data, j.len, 0, NULL);
    zl_buf_cleanup(&j);
    json_array_foreach(arr, i, c)
    {
        const char *hz = r->lang_en && *js(c, "hazardEn") ? js(c, "hazardEn")
                                                          : js(c, "hazard");
        const char *oc = r->lang_en && *js(c, "outcomeEn") ? js(c, "outcomeEn")
                                                           : js(c, "outcome");

        (*n)++;
        rc = zl_portal_add_esc(b, "<tr><td>", js(c, "case"), "</td>");
        if (!rc)
            rc = zl_portal_add_esc(b, "<td>", hz, "<br><span class=\"muted\">");
        if (!rc)
            rc = zl_portal_add_esc(b, "", js(c, "enterprise"), " ");
        if (!rc)
            rc = zl_portal_add_esc(b, "", js(c, "gtin"), " ");
        if (!rc)
            rc = zl_portal_add_esc(b, "", js(c, "batch"), "</span></td><td>");
        json_array_foreach(json_object_get(c, "actions"), k, a)
        {
            if (!rc)
                rc = zl_portal_add_esc(b, k ? "; " : "",
                                       kind_label(r, js(a, "kind")), " ");
            if (!rc)
                rc = zl_portal_add_esc(b, "", js(a, "taken"), "");
        }
        if (!rc)
            rc = zl_portal_add_esc(b, "</td><td>", oc, "</td>");
        if (!rc)
            rc = zl_portal_add_esc(b, "<td><span class=\"when\">",
                                   js(c, "opened"), "</span> – ");
        if (!rc)
            rc = zl_portal_add_esc(b, "<span class=\"when\">", js(c, "closed"),
                                   "</span></td></tr>");
        if (rc)
            break;
    }
    json_decref(arr);
    return rc;
}

void zl_portal_warnings(struct zl_req *r)
{
    zl_store *s = zl_srv_store(r);
    struct zl_buf b;
    struct wctx x;
    size_t n = 0;

    if (!s) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    zl_buf_init(&b, (size_t)8 << 20);
    zl_buf_printf(&b,
                  "<section><h1>%s</h1><p>%s</p>"
                  "<table class=\"list\" id=\"warnings\"><thead><tr>"
                  "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
                  "</thead><tbody>",
                  T(r, "消费警示", "Consumer warnings"),
                  T(r, "市场监管部门就下列产品发布的消费警示，处置结束后撤下。",
                    "Warnings the market regulator has issued about these "
                    "products; each is withdrawn once dealt with."),
                  T(r, "警示", "Warning"), T(r, "产品", "Product"),
                  T(r, "批次", "Lot"), T(r, "发布", "Issued"));
    x.r = r;
    x.b = &b;
    x.n = 0;
    x.box = 0;
    zl_dispo_warnings(s, NULL, NULL, warn_cb, &x);
    zl_buf_adds(&b, "</tbody></table>");
    if (!x.n)
        zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                      T(r, "目前没有消费警示。", "No active warnings."));
    zl_buf_printf(&b,
                  "</section><section><h2>%s</h2>"
                  "<table class=\"list\" id=\"closed-cases\"><thead><tr>"
                  "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "</tr></thead><tbody>",
                  T(r, "已结案的风险处置", "Closed risk cases"),
                  T(r, "案件", "Case"), T(r, "风险", "Hazard"),
                  T(r, "处置措施", "Actions"), T(r, "结果", "Outcome"),
                  T(r, "立案 – 结案", "Opened – closed"));
    closed_rows(r, s, &b, &n);
    zl_buf_adds(&b, "</tbody></table>");
    if (!n)
        zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                      T(r, "尚无结案。", "None closed yet."));
    zl_buf_adds(&b, "</section>");
    zl_portal_page(r, 200, T(r, "消费警示", "Consumer warnings"), &b);
}
