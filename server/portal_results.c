/*
 * portal_results.c - /results: the published spot-check results (一公开,
 * zhiliang/spotcheck.h): enterprise, product, lot, failed items with the
 * measured value and the limit, handling, the day published and its legal
 * deadline, then the pass rate (批次合格率) by category, region and month.
 * Filters: ?category=C&region=R&from=YYYY-MM-DD&to=YYYY-MM-DD;
 * ?format=csv gives the same rows as CSV (zl_spot_results_csv),
 * ?format=json the JSON of zl_spot_results (rows and pass rates).
 *
 * The pass rates are drawn as inline SVG (no script, no image request;
 * the CSP allows neither inline script nor style, and SVG presentation
 * attributes are neither): horizontal bars by category and by region,
 * a line over the months. Each chart carries its numbers as text and a
 * table follows it, so a reader without SVG loses nothing. Our own few
 * lines: lib/spc/svg.c draws control charts (limits, zones, runs), not a
 * labelled rate per group.
 *
 * Only what zl_spot_results returns is shown (a whitelist built in the
 * library: no inspector, sampler or tester ever reaches it); every value
 * is HTML-escaped.
 */
#include "portal_int.h"

#include "zhiliang/spotcheck.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *js(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

#define CHART_W 360

/* The rate of group g in [0, 1]. */
static double rate_of(json_t *g)
{
    double v = json_number_value(json_object_get(g, "rate"));

    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void chart_open(struct zl_buf *b, const char *label, int h)
{
    zl_buf_printf(b,
                  "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                  "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
                  "font-family=\"sans-serif\" font-size=\"14\" ",
                  CHART_W, h);
    zl_portal_add_esc(b, "aria-label=\"", label, "\">");
    zl_portal_add_esc(b, "<title>", label, "</title>");
}

/* Horizontal bars, one a group: its key, the bar on 0-100 %, and
 * "97.5% (39/40)". */
static void bar_chart(struct zl_buf *b, json_t *groups, const char *label)
{
    const int row = 26, top = 8, lx = 100, bw = 140;
    size_t n = json_object_size(groups), i = 0;
    const char *k;
    json_t *g;

    chart_open(b, label, top * 2 + row * (int)n + 14);
    zl_buf_printf(b,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                  "stroke=\"#5b6877\"/>",
                  lx, top, lx, top + row * (int)n);
    json_object_foreach(groups, k, g)
    {
        double v = rate_of(g);
        int y = top + row * (int)i++;

        zl_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lx - 6,
                      y + 17);
        zl_portal_add_esc(b, "", k, "</text>");
        zl_buf_printf(b,
                      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                      "fill=\"#eef1f4\"/>",
                      lx, y + 4, bw, row - 8);
        zl_buf_printf(
            b,
            "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
            "fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%.1f%% "
            "(%lld/%lld)</text>",
            lx, y + 4, bw * v, row - 8, v < 1 ? "#b3261e" : "#0b6e4f",
            lx + bw * v + 4, y + 17, 100.0 * v,
            (long long)json_integer_value(json_object_get(g, "passed")),
            (long long)json_integer_value(json_object_get(g, "batches")));
    }
    zl_buf_printf(b,
                  "<text x=\"%d\" y=\"%d\" fill=\"#5b6877\">0%%</text>"
                  "<text x=\"%d\" y=\"%d\" fill=\"#5b6877\" "
                  "text-anchor=\"end\">100%%</text></svg>",
                  lx, top + row * (int)n + 14, lx + bw,
                  top + row * (int)n + 14);
}

/* The months (keys "YYYY-MM", in order) as a line on 0-100 %, each
 * point labelled. */
static void line_chart(struct zl_buf *b, json_t *groups, const char *label)
{
    const int left = 48, right = 24, top = 24, ph = 140;
    size_t n = json_object_size(groups), i = 0;
    double step =
        n > 1 ? (double)(CHART_W - left - right) / (double)(n - 1) : 0;
    /* one month alone stands in the middle */
    double x0 = n > 1 ? left : (CHART_W + left - right) / 2.0;
    const char *k;
    json_t *g;

    chart_open(b, label, top + ph + 36);
    for (int p = 0; p <= 100; p += 50)
        zl_buf_printf(b,
                      "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                      "stroke=\"#dde3ea\"/><text x=\"%d\" y=\"%.1f\" "
                      "text-anchor=\"end\" fill=\"#5b6877\">%d%%</text>",
                      left, top + ph * (1 - p / 100.0), CHART_W - right,
                      top + ph * (1 - p / 100.0), left - 4,
                      top + ph * (1 - p / 100.0) + 4, p);
    zl_buf_adds(b, "<polyline fill=\"none\" stroke=\"#0b6e4f\" "
                   "stroke-width=\"2\" points=\"");
    json_object_foreach(groups, k, g)
    {
        zl_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", x0 + step * (double)i,
                      top + ph * (1 - rate_of(g)));
        i++;
    }
    zl_buf_adds(b, "\"/>");
    i = 0;
    json_object_foreach(groups, k, g)
    {
        double x = x0 + step * (double)i++, y = top + ph * (1 - rate_of(g));

        zl_buf_printf(b,
                      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                      "fill=\"#0b6e4f\"/><text x=\"%.1f\" y=\"%.1f\" "
                      "text-anchor=\"middle\">%.1f%%</text>",
                      x, y, x, y - 8, 100.0 * rate_of(g));
        zl_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x,
                      top + ph + 20);
        zl_portal_add_esc(b, "", k, "</text>");
    }
    zl_buf_adds(b, "</svg>");
}

static void rate_table(struct zl_req *r, struct zl_buf *b, json_t *groups)
{
    const char *k;
    json_t *g;
    char cell[64];

    zl_buf_printf(b,
                  "<table class=\"list\"><thead><tr><th></th><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
                  T(r, "批次", "Batches"), T(r, "合格", "Passed"),
                  T(r, "批次合格率", "Pass rate"));
    json_object_foreach(groups, k, g)
    {
        zl_portal_add_esc(b, "<tr><td>", k, "</td>");
        snprintf(cell, sizeof cell, "<td>%lld</td><td>%lld</td><td>%.1f%%</td>",
                 (long long)json_integer_value(json_object_get(g, "batches")),
                 (long long)json_integer_value(json_object_get(g, "passed")),
                 100.0 * json_number_value(json_object_get(g, "rate")));
        zl_buf_adds(b, cell);
        zl_buf_adds(b, "</tr>");
    }
    zl_buf_adds(b, "</tbody></table>");
}

void zl_portal_results(struct zl_req *r)
{
    struct zl_spot_filter f = {0};
    struct zl_error err = {0};
    struct zl_buf out, b;
    zl_store *s = zl_srv_store(r);
    const char *from = zl_req_param(r, "from"), *to = zl_req_param(r, "to");
    const char *fmt = zl_req_param(r, "format");
    json_error_t je;
    json_t *o = NULL, *row, *it;
    size_t i, j;

    if (!s) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    f.category = zl_req_param(r, "category");
    f.region = zl_req_param(r, "region");
    if (f.category && !*f.category)
        f.category = NULL;
    if (f.region && !*f.region)
        f.region = NULL;
    if ((from && *from && zl_day_parse(from, strlen(from), &f.from)) ||
        (to && *to && zl_day_parse(to, strlen(to), &f.to))) {
        zl_portal_error(r, 400, "日期格式应为 YYYY-MM-DD",
                        "Dates are YYYY-MM-DD");
        return;
    }
    zl_buf_init(&out, (size_t)16 << 20);
    zl_buf_init(&b, (size_t)16 << 20);
    if (fmt && !strcmp(fmt, "csv")) {
        if (zl_spot_results_csv(s, &f, &out, &err))
            zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        else
            zl_reply(r, 200, "text/csv; charset=utf-8", (const char *)out.data,
                     out.len);
        goto out;
    }
    if (zl_spot_results(s, &f, NULL, NULL, &out, &err)) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        goto out;
    }
    if (fmt && !strcmp(fmt, "json")) {
        zl_reply_buf(r, 200, "application/json", &out);
        goto out;
    }
    if (!(o = json_loadb((const char *)out.data, out.len, 0, &je))) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        goto out;
    }
    zl_buf_printf(
        &b,
        "<section><h1>%s</h1><p>%s</p>"
        "<div class=\"scroll\"><table class=\"list stack\" "
        "id=\"results\"><thead><tr><th>%s</th>"
        "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
        "</tr></thead><tbody>",
        T(r, "监督抽查结果公示", "Spot-check results"),
        T(r, "已公示的产品质量监督抽查结果。不合格项目列出实测值和标准限值。",
          "Published results of product quality spot checks. Failed items "
          "show the measured value and the limit."),
        T(r, "企业", "Enterprise"), T(r, "产品 / 批次", "Product / lot"),
        T(r, "报告编号", "Report"), T(r, "结论", "Result"),
        T(r, "不合格项目", "Failed items"), T(r, "处理", "Handling"),
        T(r, "公示日期（期限）", "Published (deadline)"));
    json_array_foreach(json_object_get(o, "results"), i, row)
    {
        int pass = !strcmp(js(row, "verdict"), "pass");

        zl_portal_add_esc(&b, "<tr id=\"r-", js(row, "task"), "\"><td>");
        zl_portal_add_esc(&b, "<a href=\"/enterprises/", js(row, "uscc"),
                          "\">");
        zl_portal_add_esc(&b, "", js(row, "enterprise"), "</a><br>");
        zl_portal_add_esc(&b, "<small>", js(row, "uscc"), "</small></td>");
        zl_portal_add_esc(&b, "<td>", js(row, "product"), "<br>");
        zl_portal_add_esc(&b, "<small class=\"code\">", js(row, "lot"),
                          "</small></td>");
        zl_portal_add_esc(&b, "<td>", js(row, "report_no"), "</td>");
        zl_buf_printf(
            &b, "<td>%s</td><td>",
            pass ? T(r, "合格", "Pass")
                 : T(r, "<strong>不合格</strong>", "<strong>Fail</strong>"));
        json_array_foreach(json_object_get(row, "failed_items"), j, it)
        {
            zl_portal_add_esc(&b, "", js(it, "name_zh"), " ");
            zl_portal_add_esc(&b, "", js(it, "value"), " ");
            zl_portal_add_esc(&b, "", js(it, "unit"), " (");
            zl_portal_add_esc(&b, *js(it, "min") ? "≥ " : "", js(it, "min"),
                              *js(it, "min") && *js(it, "max") ? ", " : "");
            zl_portal_add_esc(&b, *js(it, "max") ? "≤ " : "", js(it, "max"),
                              ")<br>");
        }
        zl_buf_adds(&b, "</td><td>");
        json_array_foreach(json_object_get(row, "handling"), j, it)
            zl_portal_add_esc(&b, "", json_string_value(it), "<br>");
        zl_portal_add_esc(&b, "</td><td><span class=\"when\">",
                          js(row, "published"), "</span> (");
        zl_portal_add_esc(&b, "<span class=\"when\">",
                          js(row, "publish_deadline"), "</span>)</td></tr>");
    }
    zl_buf_adds(&b, "</tbody></table></div>");
    if (!json_array_size(json_object_get(o, "results")))
        zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                      T(r, "暂无公示结果。", "No published results."));
    zl_buf_printf(&b,
                  "<p><a href=\"/results?format=csv\">CSV</a> · "
                  "<a href=\"/results?format=json\">JSON</a> · "
                  "<a href=\"/inspections%s\">%s</a></p>",
                  r->lang_en ? "?lang=en" : "",
                  T(r, "双随机抽查计划", "Inspection plans and draws"));
    {
        json_t *pr = json_object_get(o, "pass_rate");

        zl_buf_printf(&b, "<h2>%s</h2>", T(r, "批次合格率", "Pass rate"));
        zl_portal_add_esc(&b, "<h3>", T(r, "按品种", "By category"), "</h3>");
        if (json_object_size(json_object_get(pr, "by_category")))
            bar_chart(&b, json_object_get(pr, "by_category"),
                      T(r, "批次合格率：按品种", "Pass rate by category"));
        rate_table(r, &b, json_object_get(pr, "by_category"));
        zl_portal_add_esc(&b, "<h3>", T(r, "按地区", "By region"), "</h3>");
        if (json_object_size(json_object_get(pr, "by_region")))
            bar_chart(&b, json_object_get(pr, "by_region"),
                      T(r, "批次合格率：按地区", "Pass rate by region"));
        rate_table(r, &b, json_object_get(pr, "by_region"));
        zl_portal_add_esc(&b, "<h3>", T(r, "按月份", "By month"), "</h3>");
        if (json_object_size(json_object_get(pr, "by_period")))
            line_chart(&b, json_object_get(pr, "by_period"),
                       T(r, "批次合格率：按月份", "Pass rate by month"));
        rate_table(r, &b, json_object_get(pr, "by_period"));
    }
    zl_buf_adds(&b, "</section>");
    zl_portal_page(r, 200, T(r, "监督抽查结果公示", "Spot-check results"), &b);
out:
    json_decref(o);
    zl_buf_cleanup(&out);
    zl_buf_cleanup(&b);
}
