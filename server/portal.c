/*
 * portal.c - the public portal (一公开): server-rendered HTML pages in
 * Chinese first, English with ?lang=en.
 *
 * Pages: home (search), /search (typed, pasted or scanned code -> its
 * Digital Link page), the product page the resolver shows for a GTIN, lot
 * or serial (product, origin, the path travelled, inspections when there
 * are any, a red banner while the lot is under recall), /recalls, /qr and
 * /static assets.
 *
 * What a page shows is chosen field by field from public data only: master
 * data names (products, parties, sites), event times, business steps and
 * places. bizTransactions, prices, sensor readings and any person's data
 * are never read, so they cannot leak. Every string goes through
 * zl_html_escape; the layout template (web/layout.html) only receives
 * escaped values.
 *
 * The path travelled comes from the trace engine (backward trace from the
 * identifier: its own events, the containers that carried it, and through
 * transformations the farms its inputs came from), capped in size so a
 * public page stays cheap. Rejected: a client-side app calling the JSON
 * API (a consumer scanning a QR code on a slow phone should get one small
 * HTML document).
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/query.h"
#include "zhiliang/recall.h"
#include "zhiliang/trace.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATH_ROWS 60
#define TRACE_MAX_NODES 20000

static const char *T(const struct zl_req *r, const char *zh, const char *en)
{
    return r->lang_en ? en : zh;
}

/* ---- CBV labels ------------------------------------------------------------ */

const char *zl_portal_step_label(int lang_en, enum zl_biz_step step,
                                 enum zl_event_type type)
{
    const struct zl_cbv_term *t = zl_biz_step_term(step);

    if (t)
        return lang_en ? t->en : t->zh;
    if (type == ZL_EV_TRANSFORMATION)
        return lang_en ? "Processed" : "加工";
    if (type == ZL_EV_AGGREGATION)
        return lang_en ? "Packed" : "装箱/组托";
    return lang_en ? "Recorded" : "记录";
}

/* ---- layout ------------------------------------------------------------- */

/* Fill web/layout.html: each {{key}} gets the (already escaped) value. */
static int fill(struct zl_buf *out, const char *tpl, const struct zl_kv *kv,
                size_t n)
{
    const char *p = tpl, *open, *close;
    size_t i;
    int rc = 0;

    while (!rc && (open = strstr(p, "{{")) && (close = strstr(open, "}}"))) {
        rc = zl_buf_add(out, p, (size_t)(open - p));
        for (i = 0; i < n && !rc; i++)
            if (strlen(kv[i].k) == (size_t)(close - open - 2) &&
                memcmp(kv[i].k, open + 2, (size_t)(close - open - 2)) == 0) {
                rc = zl_buf_adds(out, kv[i].v ? kv[i].v : "");
                break;
            }
        p = close + 2;
    }
    return rc ? rc : zl_buf_adds(out, p);
}

/* The current URL with lang toggled, escaped for an attribute. */
static char *switch_href(struct zl_req *r)
{
    struct zl_buf b;
    const char *u = r->raw_uri, *q = strchr(u, '?'), *p, *e;
    size_t plen = q ? (size_t)(q - u) : strlen(u);
    char *out;
    int first = 1, rc;

    zl_buf_init(&b, 8192);
    rc = zl_buf_add(&b, u, plen);
    for (p = q ? q + 1 : ""; *p && !rc; p = *e ? e + 1 : e) {
        e = p + strcspn(p, "&");
        if (e == p || (e - p >= 5 && strncmp(p, "lang=", 5) == 0))
            continue;
        rc = zl_buf_printf(&b, "%c%.*s", first ? '?' : '&', (int)(e - p), p);
        first = 0;
    }
    if (!rc && !r->lang_en)
        rc = zl_buf_printf(&b, "%clang=en", first ? '?' : '&');
    out = NULL;
    if (!rc) {
        struct zl_buf esc;
        zl_buf_init(&esc, 16384);
        if (!zl_html_escape(&esc, b.data ? b.data : "/"))
            out = zl_arena_strndup(&r->arena, esc.data, esc.len);
        zl_buf_cleanup(&esc);
    }
    zl_buf_cleanup(&b);
    return out;
}

static void page_headers(struct zl_req *r)
{
    zl_reply_header(r, "Content-Security-Policy",
                    "default-src 'none'; style-src 'self'; img-src 'self' "
                    "data:; form-action 'self'; base-uri 'none'; "
                    "frame-ancestors 'none'");
    zl_reply_header(r, "Content-Language", r->lang_en ? "en" : "zh-CN");
}

static void page(struct zl_req *r, unsigned status, const char *title,
                 struct zl_buf *body)
{
    const unsigned char *lay = zl_asset_find("layout.html", NULL);
    struct zl_buf out, t;
    struct zl_kv kv[16];
    size_t n = 0;

    zl_buf_init(&out, (size_t)8 << 20);
    zl_buf_init(&t, 4096);
    zl_html_escape(&t, title);
    kv[n++] = (struct zl_kv){"lang", r->lang_en ? "en" : "zh-CN"};
    kv[n++] = (struct zl_kv){"title", t.data ? t.data : ""};
    kv[n++] = (struct zl_kv){"site", T(r, "质量追溯公共服务平台",
                                       "Zhiliang Traceability Portal")};
    kv[n++] = (struct zl_kv){"langq", r->lang_en ? "?lang=en" : ""};
    kv[n++] = (struct zl_kv){"search_ph", T(r, "输入或扫描商品条码、批次码",
                                            "Type or scan a product or lot "
                                            "code")};
    kv[n++] = (struct zl_kv){"search_btn", T(r, "查询", "Search")};
    kv[n++] = (struct zl_kv){"lang_field",
                             r->lang_en
                                 ? "<input type=\"hidden\" name=\"lang\" "
                                   "value=\"en\">"
                                 : ""};
    kv[n++] = (struct zl_kv){"switch_href", switch_href(r)};
    kv[n++] = (struct zl_kv){"switch_lang", r->lang_en ? "zh" : "en"};
    kv[n++] = (struct zl_kv){"switch_label", r->lang_en ? "中文" : "English"};
    kv[n++] = (struct zl_kv){"recalls_link", T(r, "召回信息", "Recalls")};
    kv[n++] = (struct zl_kv){"footer",
                             T(r, "数据来自企业按 GS1 EPCIS 2.0 上报的追溯记录",
                               "Data: traceability records filed by "
                               "enterprises (GS1 EPCIS 2.0)")};
    kv[n++] = (struct zl_kv){"body", body->data ? body->data : ""};
    if (!lay || fill(&out, (const char *)lay, kv, n)) {
        zl_buf_cleanup(&out);
        zl_reply(r, 500, "text/plain; charset=utf-8", "internal error", 14);
    } else {
        zl_reply_buf(r, status, "text/html; charset=utf-8", &out);
        page_headers(r);
    }
    zl_buf_cleanup(&t);
}

/* printf of literal HTML plus one escaped value: fmt has one "%s" slot
 * filled by esc(value). */
static int addf_esc(struct zl_buf *b, const char *before, const char *v,
                    const char *after)
{
    int rc = zl_buf_adds(b, before);

    if (!rc)
        rc = zl_html_escape(b, v);
    if (!rc)
        rc = zl_buf_adds(b, after);
    return rc;
}

void zl_portal_error(struct zl_req *r, unsigned status, const char *zh,
                     const char *en)
{
    struct zl_buf b;

    zl_buf_init(&b, 8192);
    addf_esc(&b, "<section><h1>", T(r, zh, en), "</h1><p><a href=\"/");
    zl_buf_adds(&b, r->lang_en ? "?lang=en" : "");
    zl_buf_adds(&b, "\">");
    zl_html_escape(&b, T(r, "返回首页", "Home"));
    zl_buf_adds(&b, "</a></p></section>");
    page(r, status, T(r, zh, en), &b);
    zl_buf_cleanup(&b);
}

/* ---- master data lookups --------------------------------------------------- */

struct names {
    struct zl_req *r;
    char *zh, *en, *extra;
};

static int party_names_cb(void *ctx, const struct zl_party *p)
{
    struct names *n = ctx;

    n->zh = p->name_zh ? zl_arena_strndup(&n->r->arena, p->name_zh,
                                          strlen(p->name_zh))
                       : NULL;
    n->en = p->name_en ? zl_arena_strndup(&n->r->arena, p->name_en,
                                          strlen(p->name_en))
                       : NULL;
    n->extra = p->address_zh ? zl_arena_strndup(&n->r->arena, p->address_zh,
                                                strlen(p->address_zh))
                             : NULL;
    return 0;
}

static int loc_cb(void *ctx, const struct zl_location *l)
{
    struct names *n = ctx;

    n->zh = l->name_zh ? zl_arena_strndup(&n->r->arena, l->name_zh,
                                          strlen(l->name_zh))
                       : NULL;
    n->en = l->name_en ? zl_arena_strndup(&n->r->arena, l->name_en,
                                          strlen(l->name_en))
                       : NULL;
    n->extra = zl_arena_strndup(&n->r->arena, l->party_id, strlen(l->party_id));
    return 0;
}

static const char *pick(const struct zl_req *r, const struct names *n)
{
    if (r->lang_en && n->en)
        return n->en;
    return n->zh ? n->zh : n->en;
}

/* "Site name (Party name)" for a location identifier, or NULL when the
 * GLN is not registered (unregistered places are not named publicly). */
/* Names looked up once per request: a path repeats the same few places. */
#define NAME_CACHE 64
struct name_cache {
    const char *key[NAME_CACHE], *val[NAME_CACHE];
    char kind[NAME_CACHE];
    size_t n;
};

static int cache_get(struct zl_req *r, char kind, const char *key,
                     const char **val)
{
    struct name_cache *c = r->portal_cache;
    size_t i;

    for (i = 0; c && i < c->n; i++)
        if (c->kind[i] == kind && strcmp(c->key[i], key) == 0) {
            *val = c->val[i];
            return 1;
        }
    return 0;
}

static const char *cache_put(struct zl_req *r, char kind, const char *key,
                             const char *val)
{
    struct name_cache *c = r->portal_cache;

    if (!c && (c = zl_arena_alloc(&r->arena, sizeof *c))) {
        c->n = 0;
        r->portal_cache = c;
    }
    if (c && c->n < NAME_CACHE &&
        (c->key[c->n] = zl_arena_strndup(&r->arena, key, strlen(key)))) {
        c->kind[c->n] = kind;
        c->val[c->n++] = val;
    }
    return val;
}

static const char *place_name_uncached(struct zl_req *r, zl_store *s,
                                       const char *loc);

static const char *place_name(struct zl_req *r, zl_store *s, const char *loc)
{
    const char *v;

    if (!loc)
        return NULL;
    if (cache_get(r, 'l', loc, &v))
        return v;
    return cache_put(r, 'l', loc, place_name_uncached(r, s, loc));
}

static const char *place_name_uncached(struct zl_req *r, zl_store *s,
                                       const char *loc)
{
    struct names site = {r, NULL, NULL, NULL}, party = {r, NULL, NULL, NULL};
    const char *a, *b;

    if (zl_location_get(s, loc, loc_cb, &site))
        return NULL;
    zl_party_get(s, site.extra, party_names_cb, &party);
    a = pick(r, &site);
    b = pick(r, &party);
    if (a && b && strcmp(a, b))
        return zl_arena_printf(&r->arena, "%s (%s)", a, b);
    return a ? a : b;
}

static const char *party_name(struct zl_req *r, zl_store *s, const char *pgln)
{
    struct names party = {r, NULL, NULL, NULL};
    const char *v;
    char gln[14];

    if (!pgln)
        return NULL;
    if (cache_get(r, 'p', pgln, &v))
        return v;
    if (zl_party_location_gln(pgln, gln) ||
        zl_party_get(s, gln, party_names_cb, &party))
        return cache_put(r, 'p', pgln, NULL);
    return cache_put(r, 'p', pgln, pick(r, &party));
}

static void fmt_time(int64_t ms, int tz, char out[24])
{
    char t[40];

    zl_time_format_local(ms, tz, t);
    memcpy(out, t, 16);
    out[10] = ' ';
    out[16] = '\0';
}

/* ---- product page ----------------------------------------------------------- */

struct product_info {
    struct zl_req *r;
    char *zh, *en, *brand, *brand_en;
};

static int product_cb(void *ctx, const struct zl_product *p)
{
    struct product_info *pi = ctx;
    struct zl_arena *a = &pi->r->arena;

    pi->zh = p->name_zh ? zl_arena_strndup(a, p->name_zh, strlen(p->name_zh)) : NULL;
    pi->en = p->name_en ? zl_arena_strndup(a, p->name_en, strlen(p->name_en)) : NULL;
    pi->brand = p->brand ? zl_arena_strndup(a, p->brand, strlen(p->brand)) : NULL;
    pi->brand_en = p->brand_en ? zl_arena_strndup(a, p->brand_en,
                                                  strlen(p->brand_en))
                               : NULL;
    return 0;
}

static const char *ai_value(const struct zl_gs1_id *id, const char *ai)
{
    size_t i;

    for (i = 0; i < id->n_ais; i++)
        if (strcmp(id->ais[i].ai, ai) == 0)
            return id->ais[i].value;
    return NULL;
}

static const struct zl_trace_event *const *sorted_events(struct zl_req *r,
                                                         const zl_trace *t,
                                                         size_t *n_out)
{
    size_t n = zl_trace_event_count(t), i;
    const struct zl_trace_event **v = zl_arena_alloc(&r->arena,
                                                     (n + 1) * sizeof *v);

    if (!v) {
        *n_out = 0;
        return NULL;
    }
    /* a trace numbers its events by event time already (trace.h) */
    for (i = 0; i < n; i++)
        v[i] = zl_trace_event(t, i);
    *n_out = n;
    return (const struct zl_trace_event *const *)v;
}

static int is_inspection(enum zl_biz_step step)
{
    return step == ZL_BIZ_STEP_INSPECTING || step == ZL_BIZ_STEP_SAMPLING;
}

static int path_row(struct zl_req *r, zl_store *s, struct zl_buf *b,
                    const struct zl_trace_event *e)
{
    char when[24];
    const char *where = place_name(r, s, e->biz_location ? e->biz_location
                                                         : e->read_point);
    const char *to = party_name(r, s, e->dst_owner);
    int rc;

    fmt_time(e->event_time_ms, e->tz_offset_min, when);
    rc = addf_esc(b, "<li><span class=\"when\">", when, "</span> ");
    if (!rc)
        rc = addf_esc(b, "<span class=\"step\">",
                      zl_portal_step_label(r->lang_en, e->step, e->type),
                      "</span>");
    if (!rc && where)
        rc = addf_esc(b, "<span class=\"where\">", where, "</span>");
    if (!rc && to && e->cte == ZL_CTE_SHIPPING)
        rc = addf_esc(b, zl_arena_printf(&r->arena,
                                         "<span class=\"where\">%s ",
                                         T(r, "发往", "To")),
                      to, "</span>");
    if (!rc && e->disp == ZL_DISP_RECALLED)
        rc = zl_buf_printf(b, " <strong class=\"muted\">%s</strong>",
                           T(r, "（已召回）", "(recalled)"));
    return rc ? rc : zl_buf_adds(b, "</li>");
}

struct notices {
    struct zl_req *r;
    const char *reason, *action, *case_id, *hazard;
    int64_t opened_ms;
    size_t n;
};

static int notice_cb(void *ctx, const struct zl_recall_notice *no)
{
    struct notices *ns = ctx;
    struct zl_arena *a = &ns->r->arena;
    const char *act = ns->r->lang_en ? no->action_en : no->action_zh;

    if (ns->n++)
        return 0;  /* the first (newest) case speaks for the banner */
    ns->reason = no->reason ? zl_arena_strndup(a, no->reason, strlen(no->reason))
                            : NULL;
    ns->action = act ? zl_arena_strndup(a, act, strlen(act)) : NULL;
    ns->case_id = zl_arena_strndup(a, no->case_id, strlen(no->case_id));
    ns->hazard = no->hazard_class ? zl_arena_strndup(a, no->hazard_class,
                                                     strlen(no->hazard_class))
                                  : NULL;
    ns->opened_ms = no->opened_ms;
    return 0;
}

/* Events about this code declared erroneous (zl_query_corrections): they
 * no longer shape the path or the banner, and the page says so. */
static int correction_note(struct zl_req *r, zl_store *s, const char *dl,
                           struct zl_buf *b)
{
    struct zl_correction_summary cn;
    char when[32];

    if (zl_query_corrections(s, dl, &cn) < 0 || !cn.n)
        return 0;
    zl_time_format_utc(cn.last_ms, when);
    return zl_buf_printf(
        b, "<p class=\"correction muted\" id=\"correction\">%s %zu %s %.10s%s</p>",
        T(r, "更正：", "Correction:"), cn.n,
        T(r, "条记录已被声明为错误，不再计入流通路径和召回提示（最近一次",
          "record(s) about this code were declared erroneous and no longer "
          "count in the path or the recall notice (latest"),
        when, T(r, "）。", ")."));
}

void zl_portal_product(struct zl_req *r, const struct zl_gs1_id *id,
                       const char *dl)
{
    struct notices ns = {r, NULL, NULL, NULL, NULL, 0, 0};
    struct product_info pi = {r, NULL, NULL, NULL, NULL};
    struct zl_trace_opts to;
    struct zl_error err;
    struct zl_buf b;
    zl_trace *t = NULL;
    zl_store *s = zl_srv_store_nosnap(r);
    const char *gtin = ai_value(id, "01"), *lot = ai_value(id, "10"),
               *serial = ai_value(id, "21"), *title;
    const struct zl_trace_event *const *ev = NULL;
    const struct zl_trace_event *origin = NULL, *made = NULL;
    size_t n_ev = 0, i, shown = 0, n_insp = 0;
    int recalled = 0, rc = 0, trc, rrc, cacheable = 1;
    char when[24], *cached;
    uint64_t gen;
    size_t clen = 0;

    if (!s) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    /* The page is a function of the URI and the stored data: serve it
     * from the cache while the data generation has not moved. */
    gen = zl_data_gen(r);
    if ((cached = zl_pcache_get(r->srv->pcache, r->raw_uri, gen, &clen))) {
        zl_free(r->resp);
        r->status = 200;
        r->ctype = "text/html; charset=utf-8";
        r->resp = cached;
        r->resp_len = clen;
        page_headers(r);
        return;
    }
    zl_srv_store(r);  /* a miss: its reads share one snapshot */
    if (gtin)
        zl_product_get(s, gtin, product_cb, &pi);
    memset(&to, 0, sizeof to);
    to.dir = ZL_TRACE_BACKWARD;
    to.max_nodes = TRACE_MAX_NODES;
    to.depth = 12;
    memset(&err, 0, sizeof err);
    trc = zl_trace_run(s, dl, &to, &t, &err);
    if (trc == 0)
        ev = sorted_events(r, t, &n_ev);
    else if (trc == ZL_ESTORE || trc == ZL_EBUSY || trc == ZL_ENOMEM)
        cacheable = 0;  /* a transient failure must not stick */
    for (i = 0; i < n_ev; i++) {
        if (!origin && (ev[i]->cte == ZL_CTE_HARVESTING))
            origin = ev[i];
        if (ev[i]->disp == ZL_DISP_RECALLED)
            recalled = 1;
        if (is_inspection(ev[i]->step))
            n_insp++;
    }
    if (n_ev && !origin)
        origin = ev[0];
    /* Recall cases (lib/recall) name the lots, items and containers in
     * their scope; a "recalled" disposition in the events counts too. */
    rrc = zl_recall_status_for(s, dl, notice_cb, &ns);
    if (rrc > 0)
        recalled = 1;
    else if (rrc < 0)
        cacheable = 0;
    /* The start node's first own event: when and where it was made. */
    if (t && zl_trace_node_count(t) > 0) {
        const struct zl_trace_node *start = zl_trace_node(t, 0);
        if (start->n_events)
            made = zl_trace_event(t, (size_t)start->events[0]);
    }

    title = r->lang_en && pi.en ? pi.en : pi.zh ? pi.zh : pi.en;
    if (!title)
        title = id->scheme == ZL_GS1_SSCC   ? T(r, "物流单元", "Logistic unit")
                : id->scheme == ZL_GS1_SGLN ? T(r, "地点", "Location")
                : id->scheme == ZL_GS1_GRAI || id->scheme == ZL_GS1_GRAI_CLASS
                    ? T(r, "周转资产", "Returnable asset")
                    : T(r, "商品信息", "Product information");
    zl_buf_init(&b, (size_t)4 << 20);
    if (recalled) {
        rc = zl_buf_printf(
            &b,
            "<div class=\"recall-banner\" id=\"recall\" role=\"alert\">"
            "<h2>%s</h2>",
            T(r, "⚠ 本批次产品正在召回", "⚠ This lot is being recalled"));
        if (!rc && ns.reason)
            rc = addf_esc(&b,
                          zl_arena_printf(&r->arena, "<p><strong>%s</strong>",
                                          T(r, "召回原因：", "Reason: ")),
                          ns.reason, "</p>");
        if (!rc)
            rc = addf_esc(&b, "<p>",
                          ns.action ? ns.action
                                    : T(r, "请立即停止食用或使用本产品，保留包装，"
                                           "联系购买商店退货或拨打 12315 咨询。",
                                        "Stop eating or using this product now. "
                                        "Keep the packaging and return it to the "
                                        "shop where you bought it, or call "
                                        "12315."),
                          "</p>");
        if (!rc)
            rc = zl_buf_printf(&b, "<p><a href=\"/recalls%s\">%s</a></p></div>",
                               r->lang_en ? "?lang=en" : "",
                               T(r, "查看召回详情", "Recall details"));
    }
    if (!rc)
        rc = addf_esc(&b, "<section class=\"product\"><h1>", title, "</h1>");
    if (!rc)
        rc = zl_buf_adds(&b, "<dl class=\"facts\">");
    if (!rc && (pi.brand || pi.brand_en))
        rc = addf_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                      T(r, "品牌", "Brand")),
                      r->lang_en && pi.brand_en ? pi.brand_en
                      : pi.brand                ? pi.brand
                                                : pi.brand_en,
                      "</dd>");
    if (!rc && gtin)
        rc = addf_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                      T(r, "商品条码 (GTIN)", "GTIN")),
                      gtin, "</dd>");
    if (!rc && !gtin) {
        char es[256];
        if (zl_gs1_to_element_string(id, es, sizeof es) > 0)
            rc = addf_esc(&b,
                          zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                          T(r, "编码", "Code")),
                          es, "</dd>");
    }
    if (!rc && lot)
        rc = addf_esc(&b,
                      zl_arena_printf(&r->arena,
                                      "<dt>%s</dt><dd id=\"lot\">",
                                      T(r, "批次", "Lot")),
                      lot, "</dd>");
    if (!rc && serial)
        rc = addf_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                      T(r, "序列号", "Serial")),
                      serial, "</dd>");
    if (!rc && made) {
        const char *where = place_name(r, s, made->biz_location
                                                 ? made->biz_location
                                                 : made->read_point);
        fmt_time(made->event_time_ms, made->tz_offset_min, when);
        rc = addf_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                      T(r, "生产/赋码", "Made")),
                      when, "");
        if (!rc && where)
            rc = addf_esc(&b, " · ", where, "");
        if (!rc)
            rc = zl_buf_adds(&b, "</dd>");
    }
    if (!rc && origin) {
        const char *where = place_name(r, s, origin->biz_location
                                                 ? origin->biz_location
                                                 : origin->read_point);
        fmt_time(origin->event_time_ms, origin->tz_offset_min, when);
        rc = addf_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd id=\"origin\">",
                                      T(r, "产地", "Origin")),
                      where ? where : T(r, "未登记", "not registered"), " · ");
        if (!rc)
            rc = addf_esc(&b, "", when, "</dd>");
    }
    if (!rc)
        rc = zl_buf_adds(&b, "</dl></section>");
    if (!rc)
        rc = correction_note(r, s, dl, &b);

    if (!rc) {
        rc = zl_buf_printf(&b, "<section><h2>%s</h2>",
                           T(r, "流通路径", "Path travelled"));
        if (!rc && n_ev == n_insp)
            rc = zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                               T(r, "暂无流通记录。", "No records yet."));
        if (!rc && n_ev > n_insp)
            rc = zl_buf_adds(&b, "<ol class=\"path\" id=\"path\">");
        for (i = 0; i < n_ev && !rc && shown < MAX_PATH_ROWS; i++) {
            if (is_inspection(ev[i]->step))
                continue;
            rc = path_row(r, s, &b, ev[i]);
            shown++;
        }
        if (!rc && n_ev > n_insp)
            rc = zl_buf_adds(&b, "</ol>");
        if (!rc && shown == MAX_PATH_ROWS && n_ev > shown)
            rc = zl_buf_printf(&b, "<p class=\"muted\">%s %zu</p>",
                               T(r, "记录过多，仅显示前", "Showing the first"),
                               shown);
        if (!rc)
            rc = zl_buf_adds(&b, "</section>");
    }
    if (!rc && n_insp) {
        rc = zl_buf_printf(&b, "<section id=\"inspections\"><h2>%s</h2>"
                               "<ol class=\"path\">",
                           T(r, "检验检测", "Inspections"));
        for (i = 0; i < n_ev && !rc; i++)
            if (is_inspection(ev[i]->step))
                rc = path_row(r, s, &b, ev[i]);
        if (!rc)
            rc = zl_buf_adds(&b, "</ol></section>");
    }
    if (!rc) {
        struct zl_buf q;
        zl_buf_init(&q, 4096);
        zl_pct_encode(&q, dl);
        rc = zl_buf_printf(&b, "<p><a href=\"/qr?code=%s%s\">%s</a></p>",
                           q.data ? q.data : "", r->lang_en ? "&amp;lang=en" : "",
                           T(r, "二维码", "QR code"));
        zl_buf_cleanup(&q);
    }
    if (rc)
        zl_portal_error(r, 500, "页面生成失败", "Page failed");
    else
        page(r, 200, title, &b);
    if (cacheable && r->status == 200 && r->resp)
        zl_pcache_put(r->srv->pcache, r->raw_uri, gen, r->resp, r->resp_len);
    zl_buf_cleanup(&b);
    zl_trace_free(t);
}

/* ---- other pages ------------------------------------------------------------ */

static void home(struct zl_req *r)
{
    struct zl_buf b;

    zl_buf_init(&b, 65536);
    zl_buf_printf(&b,
                  "<section><h1>%s</h1><p>%s</p><p>%s</p></section>",
                  T(r, "商品质量追溯查询", "Product traceability"),
                  T(r, "扫描商品包装上的二维码，或在上方输入商品条码（GTIN）、"
                       "批次码或 GS1 数字链接，即可查看产地、流通路径和召回信息。",
                    "Scan the QR code on the pack, or type a GTIN, a lot code "
                    "or a GS1 Digital Link above to see where the product "
                    "comes from, the path it travelled and any recall."),
                  T(r, "例如：(01)06901234567892(10)LOT1",
                    "For example: (01)06901234567892(10)LOT1"));
    page(r, 200, T(r, "首页", "Home"), &b);
    zl_buf_cleanup(&b);
}

/* Path part of a canonical DL ("https://id.gs1.org/01/..." -> "/01/..."). */
static const char *dl_path(const char *dl)
{
    const char *p = strstr(dl, "://");

    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : "/";
}

static void search(struct zl_req *r)
{
    const char *q = zl_req_param(r, "q");
    struct zl_gs1_id id;
    char dl[1024];
    char *loc;
    size_t n;

    if (!q || !*q) {
        home(r);
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
            zl_portal_error(r, 400, "无法识别该编码，请检查后重试。",
                       "This code is not a valid GS1 code. Please check it.");
            return;
        }
    }
    if (zl_gs1_to_dl(&id, 0, dl, sizeof dl) < 0) {
        zl_portal_error(r, 400, "无法识别该编码", "Unrecognised code");
        return;
    }
    loc = zl_arena_printf(&r->arena, "%s%s", dl_path(dl),
                          r->lang_en ? "?lang=en" : "");
    zl_reply_redirect(r, 303, loc);
}

static void qr_page(struct zl_req *r)
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
    url = zl_arena_printf(&r->arena, "%s%s", zl_req_origin(r), dl_path(dl));
    zl_buf_init(&svg, (size_t)1 << 20);
    zl_buf_init(&b, (size_t)2 << 20);
    if (!url || zl_qr_svg(url, &svg)) {
        zl_portal_error(r, 400, "编码过长，无法生成二维码", "Code too long for a QR code");
        goto out;
    }
    if (zl_req_param(r, "format") && !strcmp(zl_req_param(r, "format"), "svg")) {
        zl_reply_buf(r, 200, "image/svg+xml", &svg);
        goto out;
    }
    zl_buf_printf(&b, "<section class=\"qr\"><h1>%s</h1>",
                  T(r, "追溯二维码", "Traceability QR code"));
    zl_buf_add(&b, svg.data, svg.len);
    addf_esc(&b, "<p><a href=\"", url, "\">");
    zl_html_escape(&b, url);
    zl_buf_adds(&b, "</a></p></section>");
    page(r, 200, T(r, "二维码", "QR code"), &b);
out:
    zl_buf_cleanup(&b);
    zl_buf_cleanup(&svg);
}

/* ---- recalls ----------------------------------------------------------------- */

struct recall_list {
    struct zl_req *r;
    zl_store *s;
    struct zl_buf *b;
    size_t n;
    const char **seen;
    size_t n_seen;
};

/* One identifier of a recall event: list its product and lot once. */
static void recall_row(struct recall_list *l, const char *ident,
                       const char *when_iso)
{
    struct zl_req *r = l->r;
    struct product_info pi = {r, NULL, NULL, NULL, NULL};
    struct zl_gs1_id id;
    char dl[1024];
    const char *gtin, *lot, *name;
    size_t i;

    if (!ident || l->n_seen >= 500 ||
        zl_gs1_parse(ident, strlen(ident), &id, NULL) ||
        !(gtin = ai_value(&id, "01")))
        return;
    lot = ai_value(&id, "10");
    /* One row per product lot (or per item when it has no lot). */
    if (zl_gs1_to_dl(&id, 0, dl, sizeof dl) < 0)
        return;
    for (i = 0; i < l->n_seen; i++)
        if (strcmp(l->seen[i], dl) == 0)
            return;
    l->seen[l->n_seen++] = zl_arena_strndup(&r->arena, dl, strlen(dl));
    zl_product_get(l->s, gtin, product_cb, &pi);
    name = r->lang_en && pi.en ? pi.en : pi.zh ? pi.zh : gtin;
    l->n++;
    addf_esc(l->b, "<tr><td><a href=\"", dl_path(dl), "");
    zl_buf_adds(l->b, r->lang_en ? "?lang=en\">" : "\">");
    zl_html_escape(l->b, name);
    addf_esc(l->b, "</a></td><td>", lot ? lot : "—", "</td>");
    addf_esc(l->b, "<td>", when_iso, "</td></tr>");
}

static int recall_event_cb(void *ctx, const char *json, size_t len)
{
    static const char *const lists[] = {"epcList", "childEPCs",
                                        "inputEPCList", "outputEPCList"};
    static const char *const qlists[] = {"quantityList", "childQuantityList",
                                         "inputQuantityList",
                                         "outputQuantityList"};
    struct recall_list *l = ctx;
    json_error_t je;
    json_t *ev = json_loadb(json, len, 0, &je), *v;
    char when[16];
    const char *t;
    size_t i, k;

    if (!ev)
        return 0;
    if (json_object_get(ev, "errorDeclaration")) {
        json_decref(ev);  /* withdrawn by a correction: no longer a recall */
        return 0;
    }
    t = json_string_value(json_object_get(ev, "eventTime"));
    snprintf(when, sizeof when, "%.10s", t ? t : "");
    for (k = 0; k < 4; k++) {
        json_array_foreach(json_object_get(ev, lists[k]), i, v)
            recall_row(l, json_string_value(v), when);
        json_array_foreach(json_object_get(ev, qlists[k]), i, v)
            recall_row(l, json_string_value(json_object_get(v, "epcClass")),
                       when);
    }
    json_decref(ev);
    return 0;
}

struct case_list {
    struct zl_req *r;
    zl_store *s;
    struct zl_buf *b;
    size_t n;
};

static int case_cb(void *ctx, const struct zl_recall_info *c)
{
    struct case_list *cl = ctx;
    struct zl_req *r = cl->r;
    char when[24];
    size_t i;
    int first = 1;

    fmt_time(c->opened_ms, 480, when);
    cl->n++;
    zl_buf_adds(cl->b, "<tr><td>");
    for (i = 0; i < c->n_gtins; i++) {
        struct product_info pi = {r, NULL, NULL, NULL, NULL};
        const char *g = c->gtins[i], *name;
        zl_product_get(cl->s, g, product_cb, &pi);
        name = r->lang_en && pi.en ? pi.en : pi.zh ? pi.zh : g;
        addf_esc(cl->b, first ? "" : "<br>", name, "");
        first = 0;
    }
    zl_buf_adds(cl->b, "</td><td>");
    first = 1;
    for (i = 0; i < c->n_lots; i++) {
        struct zl_gs1_id id;
        char dl[1024];
        const char *l = c->lots[i], *lot;
        if (zl_gs1_parse(l, strlen(l), &id, NULL) ||
            zl_gs1_to_dl(&id, 0, dl, sizeof dl) < 0)
            continue;
        lot = ai_value(&id, "10");
        addf_esc(cl->b, first ? "<a href=\"" : "<br><a href=\"", dl_path(dl),
                 r->lang_en ? "?lang=en\">" : "\">");
        zl_html_escape(cl->b, lot ? lot : dl);
        zl_buf_adds(cl->b, "</a>");
        first = 0;
    }
    addf_esc(cl->b, "</td><td>", c->reason, "");
    if (c->hazard_class)
        addf_esc(cl->b, zl_arena_printf(&r->arena, " (%s ",
                                        T(r, "级别", "class")),
                 c->hazard_class, ")");
    addf_esc(cl->b, "</td><td>", when, "</td></tr>");
    return 0;
}

static void recalls_page(struct zl_req *r)
{
    struct recall_list l;
    struct zl_error err;
    struct zl_buf b;
    zl_query *q = NULL;
    zl_store *s = zl_srv_store(r);

    if (!s || zl_query_new(&q)) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    zl_query_param(q, "EQ_disposition", "recalled", &err);
    zl_query_param(q, "orderBy", "eventTime", &err);
    zl_query_param(q, "orderDirection", "DESC", &err);
    zl_query_param(q, "eventCountLimit", "200", &err);
    zl_buf_init(&b, (size_t)4 << 20);
    memset(&l, 0, sizeof l);
    l.r = r;
    l.s = s;
    l.b = &b;
    l.seen = zl_arena_alloc(&r->arena, 500 * sizeof *l.seen);
    {
        struct case_list cl = {r, s, &b, 0};
        zl_buf_printf(&b, "<section><h1>%s</h1><p>%s</p>"
                          "<table class=\"list\" id=\"cases\"><thead><tr>"
                          "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
                          "</thead><tbody>",
                      T(r, "召回信息", "Recalls"),
                      T(r, "下列产品批次正在召回。如您购买了这些产品，请停止食用或"
                           "使用，并联系购买商店。",
                        "The lots below are being recalled. If you bought one, "
                        "stop eating or using it and contact the shop."),
                      T(r, "产品", "Product"), T(r, "批次", "Lot"),
                      T(r, "原因", "Reason"), T(r, "召回时间", "Opened"));
        zl_recall_list(s, 1, case_cb, &cl);
        zl_buf_adds(&b, "</tbody></table>");
        if (!cl.n)
            zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                          T(r, "目前没有召回案件。", "No open recall cases."));
        zl_buf_adds(&b, "</section>");
    }
    zl_buf_printf(&b, "<section><h2>%s</h2>"
                      "<table class=\"list\" id=\"recalls\"><thead><tr><th>%s</th>"
                      "<th>%s</th><th>%s</th></tr></thead><tbody>",
                  T(r, "企业标记为召回的批次", "Lots marked recalled by "
                                                  "enterprises"),
                  T(r, "产品", "Product"), T(r, "批次", "Lot"),
                  T(r, "时间", "Date"));
    if (l.seen)
        zl_query_each(s, q, ZL_EPC_DIGITAL_LINK, recall_event_cb, &l, NULL,
                      &err);
    zl_buf_adds(&b, "</tbody></table>");
    if (!l.n)
        zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                      T(r, "无。", "None."));
    zl_buf_adds(&b, "</section>");
    page(r, 200, T(r, "召回信息", "Recalls"), &b);
    zl_buf_cleanup(&b);
    zl_query_free(q);
}

void zl_h_portal(struct zl_req *r)
{
    const char *m = r->method;
    size_t n = r->n_segs;

    if (strcmp(m, "GET") && strcmp(m, "HEAD")) {
        zl_reply_header(r, "Allow", "GET, HEAD");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
        return;
    }
    if (n == 0) {
        home(r);
    } else if (n == 2 && !strcmp(r->segs[0], "static")) {
        size_t alen = 0;
        const unsigned char *a = zl_asset_find(r->segs[1], &alen);
        if (!a || strstr(r->segs[1], ".html")) {
            zl_reply_problem(r, 404, NULL, "Not Found", NULL);
            return;
        }
        zl_reply_header(r, "Cache-Control", "public, max-age=3600");
        zl_reply(r, 200, "text/css; charset=utf-8", (const char *)a, alen);
    } else if (n == 1 && !strcmp(r->segs[0], "search")) {
        search(r);
    } else if (n == 1 && !strcmp(r->segs[0], "qr")) {
        qr_page(r);
    } else if (n == 1 && !strcmp(r->segs[0], "recalls")) {
        recalls_page(r);
    } else if (n == 1 && !strcmp(r->segs[0], "healthz")) {
        zl_reply(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
    } else {
        zl_portal_error(r, 404, "页面不存在", "Page not found");
    }
}
