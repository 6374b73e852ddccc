/*
 * portal_enterprise.c - /enterprises/{USCC}: one enterprise's public
 * supervision history (一公开), phone-sized, in the reader's language: its
 * credit class now and over time with every point explained, and its
 * published spot checks with verdicts, failed items and handling
 * (rectification, rechecks, announcements, recall). Linked from /results
 * and from the product pages of its goods.
 *
 * Everything comes from two whitelisted library outputs: zl_credit_show
 * (the classes draws weigh by, docs/credit.md) and zl_spot_results (only
 * published results; no inspector, sampler or tester). A consumer
 * complaint shows as upheld with its date, never by its report id: the
 * complaint records are not published (/complaints shows counts only).
 * A USCC not in the supervision registry is a 404, so the page never
 * answers for a code nobody registered. Both outputs read only this
 * enterprise's records, through the credit index
 * (lib/supervise/credit_index.c), so the page costs the same in a city's
 * store and a nation's.
 *
 * Rejected: the drawn-but-not-yet-published tasks (a draw is public on
 * /inspections, but listing an enterprise's open task beside its history
 * would announce the visit), and a chart of the class (four steps read
 * better as a short table on a phone).
 */
#include "portal_int.h"

#include "zhiliang/calendar.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/gs1.h"
#include "zhiliang/inspect.h"
#include "zhiliang/spotcheck.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *js(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static const char *kind_text(struct zl_req *r, const char *k)
{
    static const struct {
        const char *id, *zh, *en;
    } K[] = {
        {"spot-pass", "监督抽查合格", "Spot check passed"},
        {"spot-fail", "监督抽查不合格", "Spot check failed"},
        {"overdue-rectification", "逾期未整改", "Rectification overdue"},
        {"penalty", "行政处罚", "Administrative penalty"},
        {"complaint", "消费者投诉经核查属实", "Consumer complaint upheld"},
        {"recall", "产品召回", "Product recall"},
    };

    for (size_t i = 0; i < sizeof K / sizeof K[0]; i++)
        if (!strcmp(k, K[i].id))
            return T(r, K[i].zh, K[i].en);
    return k;
}

static const char *class_text(struct zl_req *r, const char *c)
{
    switch (c[0]) {
    case 'A': return T(r, "A 类 · 信用风险低", "Class A · low risk");
    case 'B': return T(r, "B 类 · 信用风险一般", "Class B · medium risk");
    case 'C': return T(r, "C 类 · 信用风险较高", "Class C · high risk");
    case 'D': return T(r, "D 类 · 信用风险高", "Class D · very high risk");
    }
    return c;
}

/* The credit section: now, over time, and each point. */
static int credit_section(struct zl_req *r, struct zl_buf *b, json_t *cr)
{
    json_t *h, *l;
    size_t i;
    int rc;

    rc = zl_buf_printf(b, "<h2>%s</h2><p class=\"credit\"><strong>%s</strong>",
                       T(r, "信用风险分类", "Credit risk class"),
                       class_text(r, js(cr, "class")));
    rc = rc || zl_buf_printf(b, " · %s %g · ", T(r, "风险分", "score"),
                             json_number_value(json_object_get(cr, "score")));
    rc = rc || zl_portal_add_esc(b,
                                 T(r, "截至 <span class=\"when\">",
                                   "as of <span class=\"when\">"),
                                 js(cr, "at"), "</span></p>");
    rc =
        rc || zl_buf_printf(
                  b, "<p class=\"muted\">%s</p>",
                  T(r,
                    "按公开规则计算：抽查、逾期整改、行政处罚、属实投诉、召回，"
                    "一年内全额计分，第二年减半，第三年四分之一。",
                    "Computed by a published rule from spot checks, overdue "
                    "rectifications, penalties, upheld complaints and recalls: "
                    "full points in the first year, half in the second, a "
                    "quarter in the third."));
    if (rc)
        return rc;
    if (json_array_size(json_object_get(cr, "history"))) {
        rc = zl_buf_printf(b,
                           "<h3>%s</h3><table class=\"list\" id=\"history\">"
                           "<thead><tr><th>%s</th><th>%s</th><th>%s</th></tr>"
                           "</thead><tbody>",
                           T(r, "分类变化", "Class over time"),
                           T(r, "日期", "Date"), T(r, "分类", "Class"),
                           T(r, "风险分", "Score"));
        json_array_foreach(json_object_get(cr, "history"), i, h)
        {
            rc = rc || zl_portal_add_esc(b, "<tr><td class=\"when\">",
                                         js(h, "date"), "</td>");
            rc = rc || zl_portal_add_esc(b, "<td>", js(h, "class"), "</td>");
            rc = rc ||
                 zl_buf_printf(b, "<td>%g</td></tr>",
                               json_number_value(json_object_get(h, "score")));
        }
        rc = rc || zl_buf_adds(b, "</tbody></table>");
    }
    if (rc || !json_array_size(json_object_get(cr, "lines")))
        return rc;
    rc = zl_buf_printf(b,
                       "<h3>%s</h3><div class=\"scroll\"><table class=\"list "
                       "stack\" id=\"points\"><thead><tr><th>%s</th><th>%s"
                       "</th><th>%s</th><th>%s</th></tr></thead><tbody>",
                       T(r, "计分明细", "Every point"), T(r, "日期", "Date"),
                       T(r, "事项", "Record"), T(r, "编号", "Reference"),
                       T(r, "计分", "Points"));
    json_array_foreach(json_object_get(cr, "lines"), i, l)
    {
        const char *k = js(l, "kind"), *ref = js(l, "ref");

        rc = rc || zl_portal_add_esc(b, "<tr><td class=\"when\">",
                                     js(l, "date"), "</td>");
        rc = rc || zl_portal_add_esc(b, "<td>", kind_text(r, k), "");
        if (json_is_true(json_object_get(l, "serious")))
            rc = rc || zl_buf_printf(b, " (%s)", T(r, "情节严重", "serious"));
        rc = rc || zl_buf_adds(b, "</td><td>");
        if (!strncmp(k, "spot-", 5) || !strcmp(k, "overdue-rectification"))
            rc = rc ||
                 zl_portal_add_esc(b, "<a href=\"/results#r-", ref, "\">") ||
                 zl_portal_add_esc(b, "", ref, "</a>");
        else if (!strcmp(k, "recall"))
            rc = rc ||
                 zl_portal_add_esc(b, "<a href=\"/recalls/", ref, "\">") ||
                 zl_portal_add_esc(b, "", T(r, "召回公告", "recall notice"),
                                   "</a>");
        else if (!strcmp(k, "penalty"))
            rc = rc || zl_portal_add_esc(b, "", ref, "");
        rc =
            rc || zl_buf_printf(b, "</td><td>%+g × %g = %+g</td></tr>",
                                json_number_value(json_object_get(l, "points")),
                                json_number_value(json_object_get(l, "weight")),
                                json_number_value(json_object_get(l, "total")));
    }
    return rc || zl_buf_adds(b, "</tbody></table></div>");
}

/* The enterprise's published spot checks (rows of zl_spot_results). */
static int checks_section(struct zl_req *r, struct zl_buf *b, json_t *res,
                          const char *uscc)
{
    json_t *row, *it;
    size_t i, j, n = 0;
    int rc;

    rc = zl_buf_printf(
        b,
        "<h2>%s</h2><div class=\"scroll\"><table class=\"list "
        "stack\" id=\"checks\"><thead><tr><th>%s</th><th>%s"
        "</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
        "</tr></thead><tbody>",
        T(r, "监督抽查", "Spot checks"), T(r, "产品 / 批次", "Product / lot"),
        T(r, "报告编号", "Report"), T(r, "结论", "Result"),
        T(r, "不合格项目", "Failed items"),
        T(r, "处理（整改、复查）", "Handling (rectification, rechecks)"),
        T(r, "公示日期", "Published"));
    json_array_foreach(json_object_get(res, "results"), i, row)
    {
        if (strcmp(js(row, "uscc"), uscc))
            continue;
        n++;
        rc = rc || zl_portal_add_esc(b, "<tr><td>", js(row, "product"), "<br>");
        rc = rc || zl_portal_add_esc(b, "<small class=\"code\">",
                                     js(row, "lot"), "</small></td>");
        rc = rc || zl_portal_add_esc(b, "<td><a href=\"/results#r-",
                                     js(row, "task"), "\">");
        rc = rc || zl_portal_add_esc(b, "", js(row, "report_no"), "</a></td>");
        rc = rc || zl_buf_printf(b, "<td>%s</td><td>",
                                 strcmp(js(row, "verdict"), "pass")
                                     ? T(r, "<strong>不合格</strong>",
                                         "<strong>Fail</strong>")
                                     : T(r, "合格", "Pass"));
        json_array_foreach(json_object_get(row, "failed_items"), j, it)
        {
            rc = rc || zl_portal_add_esc(b, "", js(it, "name_zh"), " ");
            rc = rc || zl_portal_add_esc(b, "", js(it, "value"), " ");
            rc = rc || zl_portal_add_esc(b, "", js(it, "unit"), " (");
            rc = rc || zl_portal_add_esc(
                           b, *js(it, "min") ? "≥ " : "", js(it, "min"),
                           *js(it, "min") && *js(it, "max") ? ", " : "");
            rc = rc || zl_portal_add_esc(b, *js(it, "max") ? "≤ " : "",
                                         js(it, "max"), ")<br>");
        }
        rc = rc || zl_buf_adds(b, "</td><td>");
        json_array_foreach(json_object_get(row, "handling"), j, it) rc =
            rc || zl_portal_add_esc(b, "", json_string_value(it), "<br>");
        rc = rc || zl_portal_add_esc(b, "</td><td class=\"when\">",
                                     js(row, "published"), "</td></tr>");
    }
    rc = rc || zl_buf_adds(b, "</tbody></table></div>");
    if (!rc && !n)
        rc = zl_buf_printf(
            b, "<p class=\"muted\">%s</p>",
            T(r, "暂无公示的抽查结果。", "No published spot-check results."));
    return rc;
}

void zl_portal_enterprise(struct zl_req *r, const char *uscc)
{
    struct zl_spot_filter f = {0};
    struct zl_error err = {0};
    struct zl_buf b, cout, rout;
    zl_store *s = zl_srv_store(r);
    json_t *ent = NULL, *cr = NULL, *res = NULL, *c;
    char *ej = NULL, day[11];
    size_t elen = 0, i;
    json_error_t je;
    int rc;

    if (!s) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    if (zl_uscc_validate(uscc, strlen(uscc), NULL) ||
        zl_sup_get(s, ZL_SUP_ENTERPRISE, uscc, &ej, &elen) ||
        !(ent = json_loadb(ej, elen, 0, &je))) {
        zl_free(ej);
        zl_portal_error(r, 404, "没有这家企业的监管记录",
                        "No supervision record for this enterprise");
        return;
    }
    zl_free(ej);
    zl_buf_init(&b, (size_t)8 << 20);
    zl_buf_init(&cout, (size_t)8 << 20);
    zl_buf_init(&rout, (size_t)32 << 20);
    /* today in China */
    {
        int64_t ms = zl_time_now_ms() + 8 * 3600 * 1000LL;

        zl_day_format((int32_t)(ms / 86400000), day);
    }
    if (zl_credit_show(s, uscc, day, &cout, &err) ||
        zl_spot_results(s, &f, NULL, NULL, &rout, &err) ||
        !(cr = json_loadb((const char *)cout.data, cout.len, 0, &je)) ||
        !(res = json_loadb((const char *)rout.data, rout.len, 0, &je))) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        goto out;
    }
    rc = zl_portal_add_esc(&b, "<section class=\"enterprise\"><h1>",
                           js(ent, "name"), "</h1>");
    rc = rc || zl_portal_add_esc(&b, "<p class=\"muted\"><span class=\"code\">",
                                 uscc, "</span>");
    rc = rc || zl_portal_add_esc(&b, T(r, " · 地区 ", " · region "),
                                 js(ent, "region"), "");
    json_array_foreach(json_object_get(ent, "categories"), i, c) rc =
        rc || zl_portal_add_esc(&b, i ? ", " : T(r, " · 品种 ", " · "),
                                json_string_value(c), "");
    rc = rc || zl_buf_adds(&b, "</p>");
    rc = rc || credit_section(r, &b, cr);
    rc = rc || checks_section(r, &b, res, uscc);
    rc = rc ||
         zl_buf_printf(&b,
                       "<p><a href=\"/results%s\">%s</a> · <a "
                       "href=\"/inspections%s\">%s</a></p></section>",
                       r->lang_en ? "?lang=en" : "",
                       T(r, "全部抽查结果", "All spot-check results"),
                       r->lang_en ? "?lang=en" : "",
                       T(r, "双随机抽查计划", "Inspection plans and draws"));
    if (rc) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        goto out;
    }
    zl_portal_page(r, 200, js(ent, "name"), &b);
out:
    json_decref(ent);
    json_decref(cr);
    json_decref(res);
    zl_buf_cleanup(&b);
    zl_buf_cleanup(&cout);
    zl_buf_cleanup(&rout);
}
