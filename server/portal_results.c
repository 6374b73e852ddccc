/*
 * portal_results.c - /results: the published spot-check results (一公开,
 * zhiliang/spotcheck.h): enterprise, product, lot, failed items with the
 * measured value and the limit, handling, the day published and its legal
 * deadline, then the pass rate (批次合格率) by category, region and month.
 * Filters: ?category=C&region=R&from=YYYY-MM-DD&to=YYYY-MM-DD;
 * ?format=csv gives the same rows as CSV (zl_spot_results_csv).
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

static void rate_table(struct zl_req *r, struct zl_buf *b, json_t *groups,
                       const char *title)
{
    const char *k;
    json_t *g;
    char cell[64];

    zl_portal_add_esc(b, "<h3>", title, "</h3>");
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
    if (zl_spot_results(s, &f, NULL, NULL, &out, &err) ||
        !(o = json_loadb((const char *)out.data, out.len, 0, &je))) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        goto out;
    }
    zl_buf_printf(
        &b,
        "<section><h1>%s</h1><p>%s</p>"
        "<table class=\"list\" id=\"results\"><thead><tr><th>%s</th>"
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

        zl_portal_add_esc(&b, "<tr><td>", js(row, "enterprise"), "<br>");
        zl_portal_add_esc(&b, "<small>", js(row, "uscc"), "</small></td>");
        zl_portal_add_esc(&b, "<td>", js(row, "product"), "<br>");
        zl_portal_add_esc(&b, "<small>", js(row, "lot"), "</small></td>");
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
        zl_portal_add_esc(&b, "</td><td>", js(row, "published"), " (");
        zl_portal_add_esc(&b, "", js(row, "publish_deadline"), ")</td></tr>");
    }
    zl_buf_adds(&b, "</tbody></table>");
    if (!json_array_size(json_object_get(o, "results")))
        zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                      T(r, "暂无公示结果。", "No published results."));
    zl_buf_printf(&b, "<p><a href=\"/results?format=csv\">CSV</a></p>");
    {
        json_t *pr = json_object_get(o, "pass_rate");

        zl_buf_printf(&b, "<h2>%s</h2>", T(r, "批次合格率", "Pass rate"));
        rate_table(r, &b, json_object_get(pr, "by_category"),
                   T(r, "按品种", "By category"));
        rate_table(r, &b, json_object_get(pr, "by_region"),
                   T(r, "按地区", "By region"));
        rate_table(r, &b, json_object_get(pr, "by_period"),
                   T(r, "按月份", "By month"));
    }
    zl_buf_adds(&b, "</section>");
    zl_portal_page(r, 200, T(r, "监督抽查结果公示", "Spot-check results"), &b);
out:
    json_decref(o);
    zl_buf_cleanup(&out);
    zl_buf_cleanup(&b);
}
