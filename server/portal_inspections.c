/*
 * portal_inspections.c - the public side of the 双随机 draws (一公开):
 *
 *   /inspections                      every plan: scope, period, where its
 *                                     seed comes from, drawn or not
 *                                     (?format=json: zl_inspect_list)
 *   /inspections/PLAN                 the plan, the seed source and value,
 *                                     the drawn enterprises and teams,
 *                                     redraws, and "verify it yourself"
 *                                     (?format=json: zl_inspect_show)
 *   /inspections/PLAN/export.json     the public data of the re-run
 *                                     (zl_inspect_export), a stable URL
 *   /inspections/PLAN/draw_plan_verify.py   the citizen's script
 *
 * and zl_portal_inspections_section, the published spot checks of a
 * product for its page (portal_product.c).
 *
 * What is shown is what the plan, draw and redraw records state plus the
 * enterprise's name from its registry entry; inspectors appear by their
 * id and unit only (their names are in the export the re-run needs, not
 * on the page), never with their declared conflicts, which no function
 * used here returns. Every value is HTML-escaped. No JavaScript: the
 * verification is a command the reader runs.
 *
 * Rejected: rendering the export on the page (a national plan's export
 * holds every in-scope enterprise; the page lists the drawn ones).
 */
#include "portal_int.h"

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

/* "13, 15" from a string array, escaped. */
static void add_list(struct zl_buf *b, json_t *a)
{
    json_t *v;
    size_t i;

    json_array_foreach(a, i, v)
        zl_portal_add_esc(b, i ? ", " : "", json_string_value(v), "");
}

static void add_weights(struct zl_buf *b, json_t *w)
{
    char cell[64];

    for (int c = 0; c < 4; c++) {
        char cl[2] = {(char)('A' + c), 0};

        snprintf(cell, sizeof cell, "%s%s=%lld", c ? ", " : "", cl,
                 (long long)json_integer_value(json_object_get(w, cl)));
        zl_buf_adds(b, cell);
    }
}

static const char *lang_q(struct zl_req *r)
{
    return r->lang_en ? "?lang=en" : "";
}

/* The plan's scope as <dt>/<dd> pairs. */
static void plan_facts(struct zl_req *r, struct zl_buf *b, json_t *plan,
                       long long leaf)
{
    json_t *per = json_object_get(plan, "period");
    char cell[96];

    zl_buf_printf(b, "<dl class=\"facts\"><dt>%s</dt><dd>",
                  T(r, "抽查品种", "Categories"));
    add_list(b, json_object_get(plan, "categories"));
    zl_buf_printf(b, "</dd><dt>%s</dt><dd>", T(r, "抽查地区", "Regions"));
    add_list(b, json_object_get(plan, "regions"));
    if (per) {
        zl_portal_add_esc(b, "</dd><dt>", T(r, "抽查期间", "Period"),
                          "</dt><dd><span class=\"when\">");
        zl_portal_add_esc(b, "", js(per, "from"), "</span> – ");
        zl_portal_add_esc(b, "<span class=\"when\">", js(per, "to"), "</span>");
    }
    if (json_object_get(plan, "count"))
        snprintf(cell, sizeof cell, "%s %lld", T(r, "每层抽取", "per stratum:"),
                 (long long)json_integer_value(json_object_get(plan, "count")));
    else
        snprintf(cell, sizeof cell, "%s %.1f%%",
                 T(r, "每层比例", "per stratum:"),
                 (double)json_integer_value(json_object_get(plan, "permille")) /
                     10.0);
    zl_buf_printf(
        b, "</dd><dt>%s</dt><dd>%s; %s %lld", T(r, "抽取数量", "Drawn"), cell,
        T(r, "分层（地区代码位数）", "strata by region digits"),
        (long long)json_integer_value(json_object_get(plan, "level")));
    zl_buf_printf(b, "</dd><dt>%s</dt><dd>",
                  T(r, "信用分类权重", "Credit-class weights"));
    add_weights(b, json_object_get(plan, "weights"));
    if (!strcmp(js(plan, "credit"), "computed"))
        zl_buf_printf(b, " (%s)",
                      T(r, "信用分类由已公示的抽查结果计算",
                        "classes computed from the published spot checks"));
    zl_buf_printf(b, "</dd><dt>%s</dt><dd>%lld</dd>",
                  T(r, "检查组人数", "Team size"),
                  (long long)json_integer_value(json_object_get(plan, "team")));
    zl_buf_printf(b, "<dt>%s</dt><dd>", T(r, "随机种子来源", "Seed source"));
    snprintf(cell, sizeof cell, "%lld",
             (long long)json_integer_value(
                 json_object_get(plan, "beacon_distance")));
    if (r->lang_en)
        zl_buf_printf(b,
                      "the plan is record %lld of the public log; the seed "
                      "is the log's root %s records later (it did not exist "
                      "when the plan was fixed)",
                      leaf, cell);
    else
        zl_buf_printf(b,
                      "计划登记为公开日志第 %lld 条记录；种子取日志再增长 %s "
                      "条记录后的根哈希（计划登记时尚不存在）",
                      leaf, cell);
    if (json_object_get(plan, "outside"))
        zl_portal_add_esc(b,
                          T(r, "，加上外部公开数值：",
                            "; plus the outside "
                            "public values: "),
                          js(plan, "outside"), "");
    zl_buf_adds(b, "</dd></dl>");
}

static void list_page(struct zl_req *r, zl_store *s)
{
    struct zl_buf out, b;
    json_error_t je;
    json_t *a = NULL, *e;
    size_t i;
    const char *fmt = zl_req_param(r, "format");

    zl_buf_init(&out, (size_t)16 << 20);
    zl_buf_init(&b, (size_t)16 << 20);
    if (zl_inspect_list(s, &out)) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        goto out;
    }
    if (fmt && !strcmp(fmt, "json")) {
        zl_reply_buf(r, 200, "application/json", &out);
        goto out;
    }
    if (!(a = json_loadb((const char *)out.data, out.len, 0, &je))) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        goto out;
    }
    zl_buf_printf(
        &b, "<section><h1>%s</h1><p>%s</p></section>",
        T(r, "双随机抽查计划与抽取结果", "Inspection plans and their draws"),
        T(r,
          "每个抽查计划在随机种子产生之前登记到公开日志；抽取是计划、登记信息"
          "和种子的确定函数，任何人都可以用公开数据重新运行并核对。",
          "Each plan is logged before its random seed exists; the draw is a "
          "fixed function of the plan, the registries and the seed, and "
          "anyone can re-run it from the public data and compare."));
    json_array_foreach(a, i, e)
    {
        json_t *p = json_object_get(e, "plan"), *d = json_object_get(e, "draw");

        zl_portal_add_esc(&b,
                          "<section class=\"plan\"><h2><a href=\"/inspections/",
                          js(p, "id"), "");
        zl_buf_printf(&b, "%s\">", lang_q(r));
        zl_portal_add_esc(&b, "",
                          *js(p, "title") ? js(p, "title") : js(p, "id"),
                          "</a></h2>");
        plan_facts(
            r, &b, p,
            (long long)json_integer_value(json_object_get(e, "plan_leaf")));
        if (json_is_object(d)) {
            zl_buf_printf(
                &b, "<p>%s: %lld %s", T(r, "已抽取", "Drawn"),
                (long long)json_integer_value(json_object_get(d, "tasks")),
                T(r, "家企业", "enterprises"));
            if (json_integer_value(json_object_get(e, "redraws")))
                zl_buf_printf(&b, "%s %lld", T(r, "，重抽次数", "; redraws:"),
                              (long long)json_integer_value(
                                  json_object_get(e, "redraws")));
            zl_portal_add_esc(&b, ". <span class=\"code\">seed ", js(d, "seed"),
                              "</span></p>");
        } else {
            zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                          T(r, "尚未抽取（种子尚未产生或尚未运行）。",
                            "Not drawn yet (the seed does not exist yet, or "
                            "the draw has not been run)."));
        }
        zl_buf_adds(&b, "</section>");
    }
    if (!json_array_size(a))
        zl_buf_printf(&b, "<section><p class=\"muted\">%s</p></section>",
                      T(r, "暂无抽查计划。", "No inspection plans."));
    zl_buf_printf(&b,
                  "<p><a href=\"/inspections?format=json\">JSON</a> · "
                  "<a href=\"/results%s\">%s</a></p>",
                  lang_q(r), T(r, "抽查结果公示", "Spot-check results"));
    zl_portal_page(r, 200, T(r, "双随机抽查", "Random inspections"), &b);
out:
    json_decref(a);
    zl_buf_cleanup(&out);
    zl_buf_cleanup(&b);
}

/* The enterprise's registered name (escaped into b), or its USCC. */
static void add_enterprise(struct zl_buf *b, zl_store *s, const char *uscc)
{
    char *json = NULL;
    json_error_t je;
    json_t *o = NULL;

    if (!zl_sup_get(s, ZL_SUP_ENTERPRISE, uscc, &json, NULL) &&
        (o = json_loads(json, 0, &je)) && *js(o, "name"))
        zl_portal_add_esc(b, "", js(o, "name"), "<br>");
    zl_portal_add_esc(b, "<small class=\"code\">", uscc, "</small>");
    json_decref(o);
    zl_free(json);
}

/* "I003 (unit)" per member, escaped. */
static void add_team(struct zl_buf *b, zl_store *s, json_t *team)
{
    json_t *m, *o;
    size_t i;

    json_array_foreach(team, i, m)
    {
        char *json = NULL;
        json_error_t je;

        zl_portal_add_esc(b, i ? "<br>" : "", json_string_value(m), "");
        if (!zl_sup_get(s, ZL_SUP_INSPECTOR, json_string_value(m), &json,
                        NULL) &&
            (o = json_loads(json, 0, &je))) {
            zl_portal_add_esc(b, " <small>", js(o, "unit"), "</small>");
            json_decref(o);
        }
        zl_free(json);
    }
}

static void verify_box(struct zl_req *r, struct zl_buf *b, const char *id)
{
    const char *origin = zl_req_origin(r);

    zl_buf_printf(b, "<section id=\"verify\"><h2>%s</h2><p>%s</p>",
                  T(r, "自己核验这次抽取", "Verify this draw yourself"),
                  T(r,
                    "下载公开数据和核验脚本（仅需 Python 3 标准库），在自己的"
                    "电脑上重新运行抽取；结果与公示的逐字节一致才算通过。"
                    "申报的回避关系不公开，抽取记录只写明每个任务因申报回避"
                    "而跳过的检查人员。",
                    "Download the public data and the script (Python 3 "
                    "standard library only) and re-run the draw on your own "
                    "computer; it passes only when the result is byte for "
                    "byte the one published. What inspectors declare about "
                    "their interests is not public: the draw record names "
                    "the inspectors each task skipped because of it."));
    zl_portal_add_esc(b, "<pre class=\"code\">curl -o export.json ", origin,
                      "");
    zl_portal_add_esc(b, "/inspections/", id, "/export.json\n");
    zl_portal_add_esc(b, "curl -o draw_plan_verify.py ", origin,
                      "/inspections/");
    zl_portal_add_esc(b, "", id, "/draw_plan_verify.py\n");
    zl_buf_adds(b, "python3 draw_plan_verify.py export.json\n");
    zl_portal_add_esc(b, "# ", T(r, "或者用 zhiliang：", "or with zhiliang:"),
                      "\n");
    zl_buf_adds(b, "zhiliang inspect draw --verify --export export.json</pre>");
    zl_portal_add_esc(b, "<p><a href=\"/inspections/", id, "/export.json\">");
    zl_buf_printf(b, "%s</a> · ",
                  T(r, "公开数据 (JSON)", "Public data (JSON)"));
    zl_portal_add_esc(b, "<a href=\"/inspections/", id,
                      "/draw_plan_verify.py\">draw_plan_verify.py</a> · ");
    zl_portal_add_esc(b, "<a href=\"/inspections/", id, "?format=json\">");
    zl_buf_printf(b, "%s</a></p><p class=\"muted\">%s</p></section>",
                  T(r, "计划与抽取记录 (JSON)", "Plan and draw records (JSON)"),
                  T(r,
                    "种子所用的日志根哈希可对照已签名的日志检查点核对："
                    "docs/draw_verify.py beacon。",
                    "Check the log root the seed uses against a signed "
                    "checkpoint with docs/draw_verify.py beacon."));
}

static void plan_page(struct zl_req *r, zl_store *s, const char *id)
{
    struct zl_buf out, b;
    json_error_t je;
    json_t *o = NULL, *p, *d, *t, *rd;
    const char *fmt = zl_req_param(r, "format");
    size_t i;
    int rc;

    zl_buf_init(&out, (size_t)64 << 20);
    zl_buf_init(&b, (size_t)64 << 20);
    rc = zl_inspect_show(s, id, &out);
    if (rc == ZL_ENOTFOUND) {
        zl_portal_error(r, 404, "没有这个抽查计划", "No such inspection plan");
        goto out;
    }
    if (rc) {
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
    p = json_object_get(o, "plan");
    d = json_object_get(o, "draw");
    zl_portal_add_esc(&b, "<section><h1>",
                      *js(p, "title") ? js(p, "title") : js(p, "id"), "</h1>");
    zl_portal_add_esc(&b, "<p class=\"muted\">", T(r, "计划编号 ", "Plan "),
                      "");
    zl_portal_add_esc(&b, "<span class=\"code\">", js(p, "id"), "</span></p>");
    plan_facts(r, &b, p,
               (long long)json_integer_value(json_object_get(o, "plan_leaf")));
    zl_buf_adds(&b, "</section>");
    if (!json_is_object(d)) {
        zl_buf_printf(&b, "<section><p class=\"muted\">%s</p></section>",
                      T(r,
                        "尚未抽取：种子要等日志增长到计划规定的长度后才存在。",
                        "Not drawn yet: the seed exists once the log has "
                        "grown to the size the plan fixed."));
        zl_portal_page(r, 200, T(r, "抽查计划", "Inspection plan"), &b);
        goto out;
    }
    zl_buf_printf(&b, "<section id=\"seed\"><h2>%s</h2><dl class=\"facts\">",
                  T(r, "随机种子", "The seed"));
    zl_buf_printf(&b, "<dt>%s</dt><dd>%lld</dd>",
                  T(r, "日志长度（信标）", "Log size (beacon)"),
                  (long long)json_integer_value(
                      json_object_get(json_object_get(d, "beacon"), "size")));
    zl_portal_add_esc(&b, "<dt>", T(r, "日志根哈希", "Log root"), "</dt>");
    zl_portal_add_esc(&b, "<dd class=\"code\">",
                      js(json_object_get(d, "beacon"), "root"), "</dd>");
    if (json_object_get(d, "outside"))
        zl_portal_add_esc(&b, "<dt>", T(r, "外部数值", "Outside values"),
                          "</dt>");
    if (json_object_get(d, "outside"))
        zl_portal_add_esc(&b, "<dd class=\"code\">", js(d, "outside"), "</dd>");
    zl_portal_add_esc(&b, "<dt>", T(r, "密钥串", "Key string"), "</dt>");
    zl_portal_add_esc(&b, "<dd class=\"code\">", js(d, "key"), "</dd>");
    zl_portal_add_esc(&b, "<dt>", T(r, "种子 (SHA-256)", "Seed (SHA-256)"),
                      "</dt>");
    zl_portal_add_esc(&b, "<dd class=\"code\">", js(d, "seed"), "</dd>");
    if (json_is_object(json_object_get(d, "credit"))) {
        json_t *cr = json_object_get(d, "credit");

        zl_portal_add_esc(&b, "<dt>", T(r, "信用分类快照", "Credit snapshot"),
                          "</dt>");
        zl_portal_add_esc(&b, "<dd>",
                          T(r, "由已公示的抽查结果计算，评分日 ",
                            "computed from the published spot "
                            "checks, scored on "),
                          "");
        zl_portal_add_esc(&b, "<span class=\"when\">", js(cr, "day"),
                          "</span></dd>");
    }
    zl_buf_adds(&b, "</dl></section>");

    zl_buf_printf(&b,
                  "<section id=\"drawn\"><h2>%s</h2>"
                  "<table class=\"list stack\"><thead><tr><th>#</th><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
                  T(r, "抽中的企业和检查组", "Drawn enterprises and teams"),
                  T(r, "企业", "Enterprise"), T(r, "层", "Stratum"),
                  T(r, "检查组", "Team"));
    json_array_foreach(json_object_get(o, "current"), i, t)
    {
        zl_buf_printf(
            &b, "<tr><td>%lld</td><td>",
            (long long)json_integer_value(json_object_get(t, "task")));
        add_enterprise(&b, s, js(t, "uscc"));
        zl_portal_add_esc(&b, "</td><td>", js(t, "stratum"), "</td><td>");
        add_team(&b, s, json_object_get(t, "team"));
        if (json_is_true(json_object_get(t, "short")))
            zl_buf_printf(&b, "<br><strong>%s</strong>",
                          T(r, "人数不足", "team short"));
        zl_buf_adds(&b, "</td></tr>");
    }
    zl_buf_adds(&b, "</tbody></table>");
    if (json_array_size(json_object_get(o, "redraws"))) {
        zl_buf_printf(&b, "<h3>%s</h3><ul>", T(r, "重抽记录", "Redraws"));
        json_array_foreach(json_object_get(o, "redraws"), i, rd)
        {
            zl_buf_printf(
                &b, "<li>%s %lld: ", T(r, "任务", "task"),
                (long long)json_integer_value(json_object_get(rd, "task")));
            zl_portal_add_esc(&b, "", js(rd, "inspector"), " → ");
            add_list(&b, json_object_get(rd, "team"));
            zl_portal_add_esc(&b, " (", js(rd, "reason"), ")</li>");
        }
        zl_buf_adds(&b, "</ul>");
    }
    zl_buf_adds(&b, "</section>");
    verify_box(r, &b, js(p, "id"));
    zl_portal_page(r, 200, T(r, "抽查计划", "Inspection plan"), &b);
out:
    json_decref(o);
    zl_buf_cleanup(&out);
    zl_buf_cleanup(&b);
}

static void export_file(struct zl_req *r, zl_store *s, const char *id)
{
    struct zl_buf out;
    int rc;

    zl_buf_init(&out, (size_t)256 << 20);
    rc = zl_inspect_export(s, id, &out);
    if (rc == ZL_ENOTFOUND)
        zl_reply_problem(r, 404, NULL, "Not Found", "no such inspection plan");
    else if (rc)
        zl_reply_problem(r, 500, NULL, "Export failed", NULL);
    else
        zl_reply_buf(r, 200, "application/json", &out);
    zl_buf_cleanup(&out);
}

void zl_portal_inspections(struct zl_req *r)
{
    zl_store *s = zl_srv_store(r);
    size_t n = r->n_segs;

    if (!s) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    if (n == 1) {
        list_page(r, s);
    } else if (n == 2) {
        plan_page(r, s, r->segs[1]);
    } else if (n == 3 && !strcmp(r->segs[2], "export.json")) {
        export_file(r, s, r->segs[1]);
    } else if (n == 3 && !strcmp(r->segs[2], "draw_plan_verify.py")) {
        size_t len = 0;
        const unsigned char *a = zl_asset_find("draw_plan_verify.py", &len);

        if (!a)
            zl_reply_problem(r, 404, NULL, "Not Found", NULL);
        else
            zl_reply(r, 200, "text/plain; charset=utf-8", (const char *)a, len);
    } else {
        zl_portal_error(r, 404, "页面不存在", "Page not found");
    }
}

int zl_portal_inspections_section(struct zl_req *r, zl_store *s,
                                  const char *gtin, struct zl_buf *b)
{
    struct zl_spot_filter f = {0};
    struct zl_error err = {0};
    struct zl_buf out;
    json_error_t je;
    json_t *o = NULL, *row, *it;
    size_t i, j;
    int rc = 0;

    if (!gtin || !*gtin)
        return 0;
    f.gtin = gtin;
    zl_buf_init(&out, (size_t)16 << 20);
    /* a product without published spot checks gets no section; a failed
     * lookup leaves the page as it was */
    if (zl_spot_results(s, &f, NULL, NULL, &out, &err) ||
        !(o = json_loadb((const char *)out.data, out.len, 0, &je)) ||
        !json_array_size(json_object_get(o, "results")))
        goto out;
    rc = zl_buf_printf(b,
                       "<section id=\"spotchecks\"><h2>%s</h2>"
                       "<ul class=\"checks\">",
                       T(r, "监督抽查", "Government spot checks"));
    json_array_foreach(json_object_get(o, "results"), i, row)
    {
        int pass = !strcmp(js(row, "verdict"), "pass");

        rc = rc || zl_buf_printf(b, "<li class=\"%s\"><strong>%s</strong> ",
                                 pass ? "ok" : "bad",
                                 pass ? T(r, "合格", "Pass")
                                      : T(r, "不合格", "Fail"));
        rc = rc || zl_portal_add_esc(b, "<span class=\"when\">",
                                     js(row, "tested"), "</span> ");
        rc = rc || zl_portal_add_esc(b, "<a href=\"/enterprises/",
                                     js(row, "uscc"), "\">");
        rc = rc || zl_portal_add_esc(b, "", js(row, "enterprise"), "</a> · ");
        rc = rc || zl_portal_add_esc(b, T(r, "批次 ", "lot "), "", "");
        rc = rc || zl_portal_add_esc(b, "<span class=\"code\">", js(row, "lot"),
                                     "</span> · ");
        rc = rc || zl_portal_add_esc(b, T(r, "报告 ", "report "), "", "");
        rc = rc || zl_portal_add_esc(b, "<a href=\"/results#r-",
                                     js(row, "task"), "\">");
        rc = rc || zl_portal_add_esc(b, "", js(row, "report_no"), "</a>");
        json_array_foreach(json_object_get(row, "failed_items"), j, it)
        {
            rc = rc || zl_portal_add_esc(b, "<br>", js(it, "name_zh"), " ");
            rc = rc || zl_portal_add_esc(b, "", js(it, "value"), " ");
            rc = rc || zl_portal_add_esc(b, "", js(it, "unit"), " (");
            rc = rc || zl_portal_add_esc(
                           b, *js(it, "min") ? "≥ " : "", js(it, "min"),
                           *js(it, "min") && *js(it, "max") ? ", " : "");
            rc = rc || zl_portal_add_esc(b, *js(it, "max") ? "≤ " : "",
                                         js(it, "max"), ")");
        }
        rc = rc || zl_buf_adds(b, "</li>");
    }
    rc = rc || zl_buf_printf(b,
                             "</ul><p><a href=\"/results%s\">%s</a></p>"
                             "</section>",
                             lang_q(r),
                             T(r, "全部抽查结果公示", "All published results"));
out:
    json_decref(o);
    zl_buf_cleanup(&out);
    return rc;
}
