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
 * time). It follows its own live feed without a reload: the page carries
 * a short-lived ticket for the stream (spc_api.c says why and the rule)
 * and web/spc_live.js opens /api/spc/{stream}/events?ticket=..., adds
 * each new alarm and measurement to the tables, redraws the chart from
 * /api/spc/{stream}/chart.svg when a point completes, and reconnects with
 * the renewed ticket the feed sends.
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
                  "<table class=\"list\" id=\"spc-alarms\"><thead><tr>"
                  "<th>#</th><th>%s</th>"
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
        zl_portal_add_esc(b, "(", js(a, "chart"), ")");
        if (json_integer_value(json_object_get(a, "limits_version")) > 1) {
            snprintf(cell, sizeof cell, "<br>%s%lld",
                     T(r, "控制限版本 ", "limits v"),
                     (long long)json_integer_value(
                         json_object_get(a, "limits_version")));
            zl_buf_adds(b, cell);
        }
        zl_buf_adds(b, "</td>");
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

struct recent {
    struct zl_req *r;
    struct zl_buf *b;
    json_t *arr;
};

static int recent_cb(void *ctx, const struct zl_spc_stored *m)
{
    struct recent *x = ctx;
    char t[32];
    json_t *o;

    zl_time_format_utc(m->t_ms, t);
    o = json_pack("{s:I,s:s,s:f,s:s,s:I}", "seq", (json_int_t)m->seq, "time", t,
                  "value", m->value, "code", m->code, "n", (json_int_t)m->size);
    return o && !json_array_append_new(x->arr, o) ? 0 : ZL_ENOMEM;
}

/* The latest measurements, newest first (the live feed adds to it). */
static void recent_rows(struct zl_req *r, struct zl_buf *b, zl_store *s,
                        const struct zl_spc_stream *st)
{
    struct recent x = {r, b, json_array()};
    char cell[200];

    zl_portal_add_esc(b, "<h2>", T(r, "最新测量值", "Latest measurements"),
                      "</h2>");
    zl_buf_printf(b,
                  "<table class=\"list\" id=\"spc-recent\"><thead><tr>"
                  "<th>#</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
                  "<tbody>",
                  T(r, "时间", "Time"), T(r, "测量值", "Value"),
                  T(r, "批次", "Lot"));
    if (x.arr && zl_spc_measurements(s, st->def.name,
                                     st->n_values > 10 ? st->n_values - 9 : 1,
                                     0, recent_cb, &x) == 0)
        for (size_t i = json_array_size(x.arr); i-- > 0;) {
            json_t *m = json_array_get(x.arr, i);
            json_int_t n = json_integer_value(json_object_get(m, "n"));

            snprintf(cell, sizeof cell, "<tr><td>%lld</td>",
                     (long long)json_integer_value(json_object_get(m, "seq")));
            zl_buf_adds(b, cell);
            zl_portal_add_esc(b, "<td>", js(m, "time"), "</td>");
            if (n)
                snprintf(cell, sizeof cell, "<td>%.10g / %lld</td>",
                         json_number_value(json_object_get(m, "value")),
                         (long long)n);
            else
                snprintf(cell, sizeof cell, "<td>%.10g</td>",
                         json_number_value(json_object_get(m, "value")));
            zl_buf_adds(b, cell);
            zl_portal_add_esc(b, "<td>", js(m, "code"), "</td></tr>");
        }
    zl_buf_adds(b, "</tbody></table>");
    json_decref(x.arr);
}

void zl_portal_spc(struct zl_req *r, const char *name)
{
    struct zl_spc_stream st;
    struct zl_spc_result res;
    struct zl_error err = {0};
    struct alarms al = {NULL};
    struct zl_buf b;
    zl_store *s;
    char line[400], party[ZL_PARTY_ID_MAX], ticket[ZL_SPC_TICKET_MAX] = "";
    int64_t after, chain = 0;
    int per;

    if (zl_spc_may_read_as(r, name, &st, party, &chain))
        return;
    per = st.lim.chart == ZL_SPC_IMR || st.lim.chart == ZL_SPC_P ||
                  st.lim.chart == ZL_SPC_NP || st.lim.chart == ZL_SPC_C ||
                  st.lim.chart == ZL_SPC_U
              ? 1
              : st.lim.n;
    if (party[0])
        zl_spc_ticket_make(name, party, chain, ticket, NULL);
    s = zl_srv_store(r);
    zl_buf_init(&b, (size_t)16 << 20);
    zl_portal_add_esc(&b, "<h1>", st.def.name, "</h1>");
    zl_portal_add_esc(&b, "<p>", st.def.characteristic, "");
    if (st.def.unit)
        zl_portal_add_esc(&b, " (", st.def.unit, ")");
    snprintf(line, sizeof line,
             " &middot; %s %s, n = %d &middot; %s <span id=\"spc-nmeas\">%lld"
             "</span> &middot; %s <span id=\"spc-npoints\">%lld</span> "
             "&middot; %s <span id=\"spc-nalarms\">%lld</span></p>",
             T(r, "控制图", "chart"), zl_spc_chart_name(st.def.chart), st.lim.n,
             T(r, "测量值", "measurements"), (long long)st.n_values,
             T(r, "点", "points"), (long long)st.n_points,
             T(r, "报警", "alarms"), (long long)st.n_alarms);
    zl_buf_adds(&b, line);
    for (int k = 0; k < st.lim.n_series; k++) {
        snprintf(line, sizeof line,
                 "<p>%s %d (%s%lld): LCL %.6g &middot; CL %.6g &middot; UCL "
                 "%.6g%s</p>",
                 T(r, "控制限", "Limits"), k + 1, T(r, "版本 ", "version "),
                 (long long)st.limits_version, st.lim.lcl[k], st.lim.cl[k],
                 st.lim.ucl[k],
                 st.lim.chart == ZL_SPC_EWMA
                     ? T(r, "（稳态）", " (steady state)")
                     : "");
        zl_buf_adds(&b, line);
    }
    /* the live feed: web/spc_live.js reads these */
    zl_portal_add_esc(&b, "<p id=\"spc-live\" data-stream=\"", name, "\"");
    zl_portal_add_esc(&b, " data-ticket=\"", ticket, "\"");
    snprintf(line, sizeof line,
             " data-alarms=\"%lld\" data-per=\"%d\" data-lang=\"%s\">",
             (long long)st.n_alarms, per, r->lang_en ? "en" : "zh");
    zl_buf_adds(&b, line);
    zl_portal_add_esc(
        &b, "<span id=\"spc-live-status\">",
        T(r, "实时更新需要 JavaScript。", "Live updates need JavaScript."),
        "</span></p>");
    memset(&res, 0, sizeof res);
    if (zl_spc_stream_chart(s, name, PAGE_POINTS, &res, &err) == 0) {
        zl_buf_adds(&b, "<figure class=\"chart\" id=\"spc-chart\">");
        zl_spc_chart_svg(&b, &res, st.def.characteristic,
                         r->lang_en ? ZL_SPC_EN : ZL_SPC_ZH);
        zl_buf_adds(&b, "</figure>");
        zl_spc_result_cleanup(&res);
    } else {
        zl_portal_add_esc(&b, "<figure class=\"chart\" id=\"spc-chart\"><p>",
                          T(r, "数据不足，尚无控制图。",
                            "Not enough points for a chart yet."),
                          "</p></figure>");
    }
    recent_rows(r, &b, s, &st);
    al.arr = json_array();
    after = st.n_alarms > PAGE_ALARMS ? st.n_alarms - PAGE_ALARMS : 0;
    zl_portal_add_esc(&b, "<h2>", T(r, "报警", "Alarms"), "</h2>");
    if (al.arr && zl_spc_alarms(s, name, after, 0, alarm_cb, &al) == 0 &&
        json_array_size(al.arr))
        alarm_rows(r, &b, al.arr);
    else {
        zl_portal_add_esc(&b, "<p id=\"spc-noalarms\">",
                          T(r, "没有报警。", "No alarms."), "</p>");
        alarm_rows(r, &b, al.arr);
    }
    zl_portal_add_esc(&b, "<p>",
                      T(r, "实时报警（server-sent events）：",
                        "Live alarms (server-sent events): "),
                      "");
    zl_portal_add_esc(&b, "<code>/api/spc/", name,
                      "/events?ticket=…</code></p>"
                      "<script src=\"/static/spc_live.js\"></script>");
    r->page_script = 1;
    json_decref(al.arr);
    zl_reply_header(r, "Cache-Control", "no-store");
    zl_portal_page(r, 200, st.def.name, &b);
    zl_buf_cleanup(&b);
    zl_spc_stream_cleanup(&st);
}
