/*
 * portal_home.c - the ways to a product page: the home page (what the
 * portal is for, with the search box the layout carries; the recalls
 * under way, the latest published spot-check results and the public
 * log's size, and the ways to complain and to check the inspections:
 * what the public comes for), /search (a
 * typed, pasted or scanned code -> a redirect to its Digital Link page)
 * and /qr (the QR code that opens a product page here).
 *
 * /search accepts what people have at hand: a GS1 element string or
 * Digital Link as parsed by zl_gs1_parse, a bare GTIN-8/12/13/14 as
 * printed under a barcode, or the batch code alone as printed on a pack
 * ("B260301-00011", zl_query_lots_by_batch: one indexed lookup per
 * registered product), with the whitespace a paste or a scanner adds
 * trimmed. It answers 303 to the canonical path (one lot with that batch
 * code), so the product page's URI (and its page cache key) does not
 * depend on how the code was typed; several lots get a page to choose
 * from, none a 404 page that says what to type instead.
 *
 * /qr points the code at this server's own origin (zl_req_origin), not
 * at id.gs1.org, so a phone scan opens the page here; ?format=svg gives
 * the bare SVG for printing.
 */
#include "portal_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/gs1.h"
#include "zhiliang/log.h"
#include "zhiliang/query.h"
#include "zhiliang/recall.h"
#include "zhiliang/spotcheck.h"

#include <jansson.h>

#include <inttypes.h>
#include <string.h>

/* The public log at a glance: how many records, what the latest signed
 * checkpoint covers, and the way to check it (/log). */
static void log_summary(struct zl_req *r, struct zl_buf *b)
{
    zl_store *s = zl_srv_store(r);
    struct zl_checkpoint cp = {0};
    struct zl_error err = {0};
    uint64_t size = 0;
    char *note = NULL;

    if (!s || zl_log_size(s, &size))
        return;
    if (zl_log_checkpoint_latest(s, &note) ||
        zl_log_checkpoint_parse(note, strlen(note), &cp, &err))
        cp.size = 0;
    zl_free(note);
    if (r->lang_en)
        zl_buf_printf(b,
                      "<section><h2>The public log</h2><p>The log holds "
                      "%" PRIu64 " records; the latest signed checkpoint "
                      "covers the first %" PRIu64 ".</p><p><a "
                      "href=\"/log?lang=en\">What it is and how to check "
                      "it</a></p></section>",
                      size, cp.size);
    else
        zl_buf_printf(b,
                      "<section><h2>公开日志（已存证）</h2><p>日志中共有 "
                      "%" PRIu64 " 条记录；最新签名检查点覆盖前 %" PRIu64
                      " 条。</p><p><a href=\"/log\">什么是公开日志，"
                      "如何核验</a></p></section>",
                      size, cp.size);
}

#define HOME_ROWS 5 /* recalls and results the home page lists */

/* A recall case as the home page lists it, copied out of the callback. */
struct home_recall {
    const char *case_id, *gtin, *hazard;
    int64_t opened_ms;
    size_t n_lots;
};

struct home_recalls {
    struct zl_req *r;
    struct home_recall v[HOME_ROWS];
    size_t n, total;
};

/* zl_recall_list callback: keep the HOME_ROWS latest opened. */
static int home_recall_cb(void *ctx, const struct zl_recall_info *c)
{
    struct home_recalls *h = ctx;
    struct home_recall x = {
        zl_arena_printf(&h->r->arena, "%s", c->case_id),
        c->n_gtins ? zl_arena_printf(&h->r->arena, "%s", c->gtins[0]) : NULL,
        zl_arena_printf(&h->r->arena, "%s", c->hazard_class),
        c->opened_ms,
        c->n_lots,
    };
    size_t i;

    h->total++;
    for (i = h->n; i > 0 && h->v[i - 1].opened_ms < x.opened_ms; i--)
        if (i < HOME_ROWS)
            h->v[i] = h->v[i - 1];
    if (i < HOME_ROWS) {
        h->v[i] = x;
        if (h->n < HOME_ROWS)
            h->n++;
    }
    return 0;
}

/* The open recalls, latest first: what a shopper most needs to see. */
static void recalls_summary(struct zl_req *r, zl_store *s, struct zl_buf *b)
{
    struct home_recalls h = {.r = r};
    size_t i;
    char when[24];

    if (zl_recall_list(s, 1, home_recall_cb, &h) < 0)
        return;
    zl_buf_printf(b, "<section id=\"home-recalls\"><h2>%s</h2>",
                  T(r, "正在召回", "Recalls under way"));
    if (!h.n)
        zl_buf_printf(
            b, "<p>%s</p>",
            T(r, "目前没有正在进行的召回。", "No recall is under way."));
    else
        zl_buf_adds(b, "<ul class=\"plain\">");
    for (i = 0; i < h.n; i++) {
        struct zl_portal_product_names pn;
        const char *name;

        zl_portal_product_names(r, s, h.v[i].gtin, &pn);
        name = r->lang_en && pn.en ? pn.en : pn.zh ? pn.zh : pn.en;
        zl_portal_fmt_time(h.v[i].opened_ms, 480, when);
        when[10] = '\0';
        zl_buf_printf(b, "<li><a href=\"/recalls/%s%s\">", h.v[i].case_id,
                      r->lang_en ? "?lang=en" : "");
        zl_portal_add_esc(b, "", name ? name : h.v[i].case_id, "</a> ");
        if (r->lang_en)
            zl_buf_printf(b,
                          "<small>class %s · %zu lot%s · since <span "
                          "class=\"when\">%s</span></small></li>",
                          h.v[i].hazard, h.v[i].n_lots,
                          h.v[i].n_lots == 1 ? "" : "s", when);
        else
            zl_buf_printf(b,
                          "<small>%s 级 · %zu 个批次 · <span "
                          "class=\"when\">%s</span> 起</small></li>",
                          h.v[i].hazard, h.v[i].n_lots, when);
    }
    if (h.n)
        zl_buf_adds(b, "</ul>");
    zl_buf_printf(b, "<p><a href=\"/recalls%s\">%s</a></p></section>",
                  r->lang_en ? "?lang=en" : "",
                  h.total > h.n ? T(r, "全部召回", "All recalls")
                                : T(r, "召回公告", "Recall notices"));
}

/* The latest published spot-check results (监督抽查), failures named. */
static void results_summary(struct zl_req *r, zl_store *s, struct zl_buf *b)
{
    struct zl_spot_filter f = {0};
    struct zl_error err = {0};
    struct zl_buf out;
    json_t *o = NULL, *rows;
    size_t n, i;

    zl_buf_init(&out, (size_t)16 << 20);
    if (zl_spot_results(s, &f, NULL, NULL, &out, &err) == 0)
        o = json_loadb((const char *)out.data, out.len, 0, NULL);
    zl_buf_cleanup(&out);
    rows = json_object_get(o, "results");
    n = json_array_size(rows);
    if (n) {
        zl_buf_printf(b,
                      "<section id=\"home-results\"><h2>%s</h2>"
                      "<ul class=\"plain\">",
                      T(r, "最新监督抽查结果", "Latest spot-check results"));
        for (i = n; i > 0 && i + HOME_ROWS > n; i--) {
            json_t *row = json_array_get(rows, i - 1);
            const char *v = json_string_value(json_object_get(row, "verdict"));
            int pass = v && !strcmp(v, "pass");

            zl_portal_add_esc(
                b, "<li>",
                json_string_value(json_object_get(row, "enterprise")), " · ");
            zl_portal_add_esc(
                b, "", json_string_value(json_object_get(row, "product")), " ");
            zl_buf_printf(b, "<strong%s>%s</strong></li>",
                          pass ? "" : " class=\"warn-text\"",
                          pass ? T(r, "合格", "pass") : T(r, "不合格", "fail"));
        }
        zl_buf_printf(
            b, "</ul><p><a href=\"/results%s\">%s</a></p></section>",
            r->lang_en ? "?lang=en" : "",
            T(r, "全部抽查结果与合格率", "All results and pass rates"));
    }
    json_decref(o);
}

void zl_portal_home(struct zl_req *r)
{
    zl_store *s = zl_srv_store(r);
    struct zl_buf b;

    zl_buf_init(&b, 65536);
    zl_buf_printf(&b, "<section><h1>%s</h1><p>%s</p><p>%s</p></section>",
                  T(r, "商品质量追溯查询", "Product traceability"),
                  T(r,
                    "扫描商品包装上的二维码，或在上方输入商品条码（GTIN）、"
                    "批次码或 GS1 数字链接，即可查看产地、流通路径和召回信息。",
                    "Scan the QR code on the pack, or type a GTIN, a lot code "
                    "or a GS1 Digital Link above to see where the product "
                    "comes from, the path it travelled and any recall."),
                  T(r, "例如：(01)06901234567892(10)LOT1",
                    "For example: (01)06901234567892(10)LOT1"));
    if (s) {
        recalls_summary(r, s, &b);
        results_summary(r, s, &b);
    }
    zl_buf_printf(&b,
                  "<section id=\"home-links\"><h2>%s</h2><ul class=\"plain\">"
                  "<li><a href=\"/complain%s\">%s</a></li>"
                  "<li><a href=\"/complaints%s\">%s</a></li>"
                  "<li><a href=\"/warnings%s\">%s</a></li>"
                  "<li><a href=\"/inspections%s\">%s</a></li></ul></section>",
                  T(r, "消费者与公众", "For consumers and the public"),
                  r->lang_en ? "?lang=en" : "",
                  T(r, "投诉一件商品（无需注册）",
                    "Complain about a product (no account needed)"),
                  r->lang_en ? "?lang=en" : "",
                  T(r, "消费投诉统计", "Complaint statistics"),
                  r->lang_en ? "?lang=en" : "",
                  T(r, "消费警示与风险处置结案",
                    "Consumer warnings and closed risk cases"),
                  r->lang_en ? "?lang=en" : "",
                  T(r, "双随机抽查计划与抽取结果（可自行验证）",
                    "Random inspection plans and draws (check them yourself)"));
    log_summary(r, &b);
    zl_portal_page(r, 200, T(r, "首页", "Home"), &b);
    zl_buf_cleanup(&b);
}

#define MAX_BATCH_LOTS 20 /* lots listed for one batch code */

struct batch_lots {
    const char *dl[MAX_BATCH_LOTS];
    size_t n;
    struct zl_arena *a;
};

static int batch_lot_cb(void *ctx, const char *dl)
{
    struct batch_lots *l = ctx;

    l->dl[l->n] = zl_arena_strndup(l->a, dl, strlen(dl));
    return ++l->n == MAX_BATCH_LOTS ? 1 : 0;
}

/* The batch code alone: its one lot (a redirect), a list to choose from,
 * or a 404 page naming the code and what to type instead. */
static void search_batch(struct zl_req *r, const char *q, size_t n)
{
    struct batch_lots l = {{NULL}, 0, &r->arena};
    zl_store *s = zl_srv_store(r);
    const char *batch = zl_arena_strndup(&r->arena, q, n);
    struct zl_buf b;
    int rc;

    rc = s && batch ? zl_query_lots_by_batch(s, batch, batch_lot_cb, &l)
                    : ZL_ESTORE;
    if (rc == ZL_EINVAL) {
        zl_portal_error(r, 400, "无法识别该编码，请检查后重试。",
                        "This code is not a valid GS1 code. Please check it.");
        return;
    }
    if (rc < 0) {
        zl_portal_error(r, 503, "服务暂时不可用", "Service unavailable");
        return;
    }
    if (l.n == 1) {
        zl_reply_redirect(r, 303,
                          zl_arena_printf(&r->arena, "%s%s",
                                          zl_portal_dl_path(l.dl[0]),
                                          r->lang_en ? "?lang=en" : ""));
        return;
    }
    zl_buf_init(&b, 65536);
    zl_portal_add_esc(&b, "<section id=\"batch\"><h1>", batch, "</h1>");
    if (!l.n) {
        zl_buf_printf(
            &b, "<p>%s</p>",
            T(r,
              "没有找到这个批号的记录。请输入包装上的商品条码（GTIN）和批号，"
              "或扫描包装上的二维码。药品包装上的 20 位药品追溯码请在"
              "包装的 GS1 二维码中查询。",
              "No records of this batch code. Type the GTIN printed under "
              "the barcode with the batch code, or scan the QR code on the "
              "pack. For a drug's 20-digit traceability code, scan the "
              "pack's GS1 code instead."));
    } else {
        zl_buf_printf(&b, "<p>%s</p><ul id=\"batch-lots\">",
                      T(r, "多种商品使用这个批号，请选择包装上的商品：",
                        "Several products carry this batch code; choose "
                        "the one on your pack:"));
        for (size_t i = 0; i < l.n; i++) {
            struct zl_portal_product_names pn;
            struct zl_gs1_id id;
            char gtin[15] = "";

            if (!l.dl[i])
                continue;
            if (!zl_gs1_parse(l.dl[i], strlen(l.dl[i]), &id, NULL) &&
                id.n_ais && strlen(id.ais[0].value) == 14)
                memcpy(gtin, id.ais[0].value, 15);
            zl_portal_product_names(r, s, gtin[0] ? gtin : NULL, &pn);
            zl_portal_add_esc(&b, "<li><a href=\"", zl_portal_dl_path(l.dl[i]),
                              r->lang_en ? "?lang=en\">" : "\">");
            zl_portal_add_esc(&b, "",
                              r->lang_en && pn.en ? pn.en
                              : pn.zh             ? pn.zh
                                                  : gtin,
                              "");
            zl_portal_add_esc(&b, " · ", batch, "</a></li>");
        }
        zl_buf_adds(&b, "</ul>");
    }
    zl_buf_adds(&b, "</section>");
    zl_portal_page(r, l.n ? 200 : 404, T(r, "批号查询", "Batch code"), &b);
    zl_buf_cleanup(&b);
}

void zl_portal_search(struct zl_req *r)
{
    const char *q = zl_req_param(r, "q");
    struct zl_gs1_id id;
    char dl[1024];
    char *loc;
    size_t n;

    if (!q || !*q) {
        zl_portal_home(r);
        return;
    }
    /* Trim what a paste or a scanner adds around the code. */
    while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
        q++;
    n = strlen(q);
    while (n && (q[n - 1] == ' ' || q[n - 1] == '\r' || q[n - 1] == '\n' ||
                 q[n - 1] == '\t'))
        n--;
    if (zl_gs1_parse(q, n, &id, NULL) != 0) {
        /* A bare GTIN-8/12/13/14 as printed under a barcode. */
        char *es = NULL;
        if (n >= 8 && n <= 14 && strspn(q, "0123456789") >= n)
            es = zl_arena_printf(&r->arena, "(01)%.*s%.*s", (int)(14 - n),
                                 "00000000000000", (int)n, q);
        if (!es || zl_gs1_parse(es, strlen(es), &id, NULL) != 0) {
            search_batch(r, q, n);
            return;
        }
    }
    if (zl_gs1_to_dl(&id, 0, dl, sizeof dl) < 0) {
        zl_portal_error(r, 400, "无法识别该编码", "Unrecognised code");
        return;
    }
    loc = zl_arena_printf(&r->arena, "%s%s", zl_portal_dl_path(dl),
                          r->lang_en ? "?lang=en" : "");
    zl_reply_redirect(r, 303, loc);
}

void zl_portal_qr(struct zl_req *r)
{
    const char *code = zl_req_param(r, "code");
    struct zl_gs1_id id;
    struct zl_buf b, svg;
    char dl[1024];
    const char *url;

    if (!code || zl_gs1_parse(code, strlen(code), &id, NULL) ||
        zl_gs1_to_dl(&id, 1, dl, sizeof dl) < 0) {
        zl_portal_error(r, 400, "无效的编码", "Invalid code");
        return;
    }
    /* The QR code points at this resolver, so a phone scan opens the
     * product page here. */
    url = zl_arena_printf(&r->arena, "%s%s", zl_req_origin(r),
                          zl_portal_dl_path(dl));
    zl_buf_init(&svg, (size_t)1 << 20);
    zl_buf_init(&b, (size_t)2 << 20);
    if (!url || zl_qr_svg(url, &svg)) {
        zl_portal_error(r, 400, "编码过长，无法生成二维码",
                        "Code too long for a QR code");
        goto out;
    }
    if (zl_req_param(r, "format") &&
        !strcmp(zl_req_param(r, "format"), "svg")) {
        zl_reply_buf(r, 200, "image/svg+xml", &svg);
        goto out;
    }
    zl_buf_printf(&b, "<section class=\"qr\"><h1>%s</h1>",
                  T(r, "追溯二维码", "Traceability QR code"));
    zl_buf_add(&b, svg.data, svg.len);
    zl_portal_add_esc(&b, "<p><a href=\"", url, "\">");
    zl_html_escape(&b, url);
    zl_buf_adds(&b, "</a></p></section>");
    zl_portal_page(r, 200, T(r, "二维码", "QR code"), &b);
out:
    zl_buf_cleanup(&b);
    zl_buf_cleanup(&svg);
}
