/*
 * portal_spc.c - the page of a live SPC stream, /spc/{stream}: its chart
 * (the stored series against the fixed limits, the same SVG as `zhiliang
 * spc stream show --svg`), its facts and its alarms, newest first, each
 * with its rule explained and, when the measurement carried a GS1 code,
 * a link to that lot's page (where its trace starts) and the one command
 * that recalls it.
 *
 * Same readers as the API (spc_api.c): the owner's and regulators' tokens.
 * The page is rendered on request (no page cache: alarms arrive at any
 * time); the live feed is /api/spc/{stream}/events.
 */
#include "portal_int.h"
#include "spc_server.h"

#include "zhiliang/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define PAGE_ALARMS 100
#define PAGE_POINTS 500 /* the chart of the last 500 points */

struct alarms {
    json_t *arr;
};

static int alarm_cb(void *ctx, const struct zl_spc_alarm *a)
{
    struct alarms *x = ctx;
    json_error_t je;
    json_t *o = json_loadb(a->json, a->len, 0, &je);

    return o && !json_array_append_new(x->arr, o) ? 0 : ZL_ENOMEM;
}

static const char *js(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static void alarm_rows(struct zl_req *r, struct zl_buf *b, json_t *arr)
{
    char cell[160];

    zl_buf_printf(b,
                  "<table class=\"list\"><thead><tr><th>#</th><th>%s</th>"
                  "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
                  T(r, "规则", "Rule"), T(r, "点", "Points"),
                  T(r, "时间", "Time"), T(r, "说明", "What it means"));
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *a = json_array_get(arr, i);
        const char *code = js(a, "code");

        snprintf(cell, sizeof cell, "<tr><td>%lld</td>",
                 (long long)json_integer_value(json_object_get(a, "alarm")));
        zl_buf_adds(b, cell);
        zl_portal_add_esc(b, "<td>", js(a, "rule"), " ");
        zl_portal_add_esc(b, "(", js(a, "chart"), ")</td>");
        snprintf(cell, sizeof cell, "<td>%lld&ndash;%lld</td>",
                 (long long)json_integer_value(json_object_get(a, "first")),
                 (long long)json_integer_value(json_object_get(a, "last")));
        zl_buf_adds(b, cell);
        zl_portal_add_esc(b, "<td>", js(a, "time"), "</td>");
        zl_portal_add_esc(b, "<td>", js(a, r->lang_en ? "text_en" : "text_zh"),
                          "");
        if (*code) {
            const char *path = zl_portal_dl_path(code);

            zl_portal_add_esc(b, "<br>", T(r, "批次：", "Lot: "), "");
            if (path)
                zl_portal_add_esc(b, "<a href=\"", path, "\">");
            zl_portal_add_esc(b, "", code, path ? "</a>" : "");
            zl_portal_add_esc(b, "<br><code>zhiliang recall open --lot '", code,
                              "' --reason '...' --hazard-class II</code>");
        }
        zl_buf_adds(b, "</td></tr>");
    }
    zl_buf_adds(b, "</tbody></table>");
}

void zl_portal_spc(struct zl_req *r, const char *name)
{
    struct zl_spc_stream st;
    struct zl_spc_result res;
    struct zl_error err = {0};
    struct alarms al = {NULL};
    struct zl_buf b;
    zl_store *s;
    char line[400];
    int64_t after;

    if (zl_spc_may_read(r, name, &st))
        return;
    s = zl_srv_store(r);
    zl_buf_init(&b, (size_t)16 << 20);
    zl_portal_add_esc(&b, "<h1>", st.def.name, "</h1>");
    zl_portal_add_esc(&b, "<p>", st.def.characteristic, "");
    if (st.def.unit)
        zl_portal_add_esc(&b, " (", st.def.unit, ")");
    snprintf(line, sizeof line,
             " &middot; %s %s, n = %d &middot; %s %lld &middot; %s %lld</p>",
             T(r, "控制图", "chart"), zl_spc_chart_name(st.def.chart), st.lim.n,
             T(r, "测量值", "measurements"), (long long)st.n_values,
             T(r, "报警", "alarms"), (long long)st.n_alarms);
    zl_buf_adds(&b, line);
    for (int k = 0; k < st.lim.n_series; k++) {
        snprintf(line, sizeof line,
                 "<p>%s %d: LCL %.6g &middot; CL %.6g &middot; UCL %.6g</p>",
                 T(r, "控制限", "Limits"), k + 1, st.lim.lcl[k], st.lim.cl[k],
                 st.lim.ucl[k]);
        zl_buf_adds(&b, line);
    }
    memset(&res, 0, sizeof res);
    if (zl_spc_stream_chart(s, name, PAGE_POINTS, &res, &err) == 0) {
        zl_buf_adds(&b, "<figure class=\"chart\">");
        zl_spc_chart_svg(&b, &res, st.def.characteristic,
                         r->lang_en ? ZL_SPC_EN : ZL_SPC_ZH);
        zl_buf_adds(&b, "</figure>");
        zl_spc_result_cleanup(&res);
    } else {
        zl_portal_add_esc(&b, "<p>",
                          T(r, "数据不足，尚无控制图。",
                            "Not enough points for a chart yet."),
                          "</p>");
    }
    al.arr = json_array();
    after = st.n_alarms > PAGE_ALARMS ? st.n_alarms - PAGE_ALARMS : 0;
    zl_portal_add_esc(&b, "<h2>", T(r, "报警", "Alarms"), "</h2>");
    if (al.arr && zl_spc_alarms(s, name, after, 0, alarm_cb, &al) == 0 &&
        json_array_size(al.arr))
        alarm_rows(r, &b, al.arr);
    else
        zl_portal_add_esc(&b, "<p>", T(r, "没有报警。", "No alarms."), "</p>");
    zl_portal_add_esc(&b, "<p>",
                      T(r, "实时报警（server-sent events）：",
                        "Live alarms (server-sent events): "),
                      "");
    zl_portal_add_esc(&b, "<code>/api/spc/", name, "/events</code></p>");
    json_decref(al.arr);
    zl_reply_header(r, "Cache-Control", "no-store");
    zl_portal_page(r, 200, st.def.name, &b);
    zl_buf_cleanup(&b);
    zl_spc_stream_cleanup(&st);
}
