/*
 * portal_product.c - the product page: what the resolver shows for a
 * GTIN, a lot, a serialised item or a container (GS1 Digital Link
 * default link, resolver.c).
 *
 * Top to bottom: a red banner while the lot is under recall (a recall
 * case naming it, lib/recall, or a "recalled" disposition in its events),
 * the facts (name, brand, codes, when and where it was made, its origin),
 * a note when records about it were declared erroneous, the path it
 * travelled, inspections when there are any, and a link to its QR code.
 *
 * What a page shows is chosen field by field from public data only:
 * master data names (products, parties, sites), event times, business
 * steps and places. bizTransactions, prices, sensor readings and any
 * person's data are never read, so they cannot leak.
 *
 * The path travelled comes from the trace engine (backward trace from the
 * identifier: its own events, the containers that carried it, and through
 * transformations the farms its inputs came from), capped in size
 * (TRACE_MAX_NODES nodes, MAX_PATH_ROWS rows) so a public page stays
 * cheap. The page is a function of the URI and the stored data, so it is
 * kept in the page cache (pcache.c) until the data generation moves; a
 * transient store failure is not cached. Rejected: a client-side app
 * calling the JSON API (a consumer scanning a QR code on a slow phone
 * should get one small HTML document).
 */
#include "portal_int.h"

#include "zhiliang/lookups.h"

#include "zhiliang/alloc.h"
#include "zhiliang/codec.h"
#include "zhiliang/inspect.h"
#include "zhiliang/query.h"
#include "zhiliang/recall.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/trace.h"

#include <jansson.h>

#include <inttypes.h>
#include <string.h>

#define MAX_PATH_ROWS   60
#define TRACE_MAX_NODES 20000

/* The trace's events as an arena array in event-time order (*n_out of
 * them), or NULL with *n_out 0 on OOM. */
static const struct zl_trace_event *const *
sorted_events(struct zl_req *r, const zl_trace *t, size_t *n_out)
{
    size_t n = zl_trace_event_count(t), i;
    const struct zl_trace_event **v =
        zl_arena_alloc(&r->arena, (n + 1) * sizeof *v);

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

/* Inspections get their own section instead of a place in the path. */
static int is_inspection(enum zl_biz_step step)
{
    return step == ZL_BIZ_STEP_INSPECTING || step == ZL_BIZ_STEP_SAMPLING;
}

/* One <li> of the path: when, the step's label, where (a registered place
 * only), the destination of a shipment, and a mark on a recall event. */
static int path_row(struct zl_req *r, zl_store *s, struct zl_buf *b,
                    const struct zl_trace_event *e)
{
    char when[24];
    const char *where = zl_portal_place_name(
        r, s, e->biz_location ? e->biz_location : e->read_point);
    const char *to = zl_portal_party_name(r, s, e->dst_owner);
    int rc;

    zl_portal_fmt_time(e->event_time_ms, e->tz_offset_min, when);
    rc = zl_portal_add_esc(b, "<li><span class=\"when\">", when, "</span> ");
    if (!rc)
        rc = zl_portal_add_esc(
            b, "<span class=\"step\">",
            zl_portal_step_label(r->lang_en, e->step, e->type), "</span>");
    if (!rc && where)
        rc = zl_portal_add_esc(b, "<span class=\"where\">", where, "</span>");
    if (!rc && to && e->cte == ZL_CTE_SHIPPING)
        rc = zl_portal_add_esc(b,
                               zl_arena_printf(&r->arena,
                                               "<span class=\"where\">%s ",
                                               T(r, "发往", "To")),
                               to, "</span>");
    if (!rc && e->disp == ZL_DISP_RECALLED)
        rc = zl_buf_printf(b, " <strong class=\"muted\">%s</strong>",
                           T(r, "（已召回）", "(recalled)"));
    if (!rc) { /* the record behind the row, provable in the public log */
        char hx[65];

        zl_hex_encode(e->hash, 32, hx);
        rc = zl_buf_printf(b,
                           "<a class=\"logmark\" href=\"/log/record?id=%s%s\" "
                           "title=\"%s\">%s</a>",
                           hx, r->lang_en ? "&amp;lang=en" : "",
                           T(r, "该记录已写入公开日志，点击核验",
                             "This record is in the public log: check it"),
                           T(r, "已存证", "Recorded"));
    }
    return rc ? rc : zl_buf_adds(b, "</li>");
}

/* The path as a sentence before the list: how many sources the goods
 * came from (the trace's ends: lots and items nothing goes further back
 * from), then the parties that held them, each once, in the order they
 * first held them ("原料来自 8 个来源 → 瑞雪乳业 → 青山冷链 → 鲜丰汇超市").
 * The sources' own events stay out of the chain (eight farms are one
 * step); parties working side by side (two collection stations) are
 * still listed one after the other. */
#define STORY_MAX 8
static int path_story(struct zl_req *r, zl_store *s, const zl_trace *t,
                      struct zl_buf *b)
{
    size_t nn = zl_trace_node_count(t), ne = zl_trace_event_count(t), i, k;
    unsigned char *has_child = zl_arena_alloc(&r->arena, nn + 1);
    unsigned char *main_ev = zl_arena_alloc(&r->arena, ne + 1);
    const char *chain[STORY_MAX];
    size_t n_chain = 0, sources = 0, more = 0;
    int rc;

    if (!has_child || !main_ev)
        return 0; /* no story on a page that ran out of room */
    memset(has_child, 0, nn + 1);
    memset(main_ev, 0, ne + 1);
    for (i = 0; i < nn; i++) {
        int v = zl_trace_node(t, i)->via;

        if (v >= 0)
            has_child[v] = 1;
    }
    for (i = 0; i < nn; i++) {
        const struct zl_trace_node *n = zl_trace_node(t, i);
        int leaf = !has_child[i] && n->depth > 0;

        if (leaf && n->kind != ZL_TK_CONTAINER && n->kind != ZL_TK_ASSET &&
            n->kind != ZL_TK_LOCATION && n->kind != ZL_TK_PARTY)
            sources++;
        for (k = 0; !leaf && k < n->n_events; k++)
            main_ev[n->events[k]] = 1;
    }
    for (i = 0; i < ne; i++) {
        const struct zl_trace_event *e = zl_trace_event(t, i);
        const char *who;

        if (!main_ev[i] || is_inspection(e->step))
            continue;
        who = zl_portal_place_holder(
            r, s, e->biz_location ? e->biz_location : e->read_point);
        for (k = 0; who && k < n_chain; k++)
            if (!strcmp(chain[k], who))
                who = NULL; /* each holder once, where it first appears */
        if (!who)
            continue;
        if (n_chain == STORY_MAX) {
            more++;
            continue;
        }
        chain[n_chain++] = who;
    }
    if (!n_chain && sources < 2)
        return 0;
    rc = zl_buf_adds(b, "<p class=\"story\" id=\"story\">");
    if (!rc && sources > 1)
        rc = zl_buf_printf(
            b, r->lang_en ? "From %zu sources" : "原料来自 %zu 个来源",
            sources);
    for (i = 0; !rc && i < n_chain; i++)
        rc = zl_portal_add_esc(b, i || sources > 1 ? " → " : "", chain[i], "");
    if (!rc && more)
        rc = zl_buf_adds(b, " → …");
    return rc ? rc : zl_buf_adds(b, "</p>");
}

struct notices {
    struct zl_req *r;
    const char *reason, *action, *case_id, *hazard;
    int64_t opened_ms;
    size_t n;
};

/* zl_recall_status_for callback: the first notice is the banner's. */
static int notice_cb(void *ctx, const struct zl_recall_notice *no)
{
    struct notices *ns = ctx;
    struct zl_arena *a = &ns->r->arena;
    const char *act = ns->r->lang_en ? no->action_en : no->action_zh;
    const char *why =
        ns->r->lang_en && no->reason_en ? no->reason_en : no->reason;

    if (ns->n++)
        return 0; /* the first (newest) case speaks for the banner */
    ns->reason = why ? zl_arena_strndup(a, why, strlen(why)) : NULL;
    ns->action = act ? zl_arena_strndup(a, act, strlen(act)) : NULL;
    ns->case_id = zl_arena_strndup(a, no->case_id, strlen(no->case_id));
    ns->hazard = no->hazard_class ? zl_arena_strndup(a, no->hazard_class,
                                                     strlen(no->hazard_class))
                                  : NULL;
    ns->opened_ms = no->opened_ms;
    return 0;
}

/* "<dt>label</dt><dd>", with id="id" when id is set: label is literal
 * HTML (a T() string), the caller adds the value and "</dd>". */
static int fact_open(struct zl_buf *b, const char *label, const char *id)
{
    return id ? zl_buf_printf(b, "<dt>%s</dt><dd id=\"%s\">", label, id)
              : zl_buf_printf(b, "<dt>%s</dt><dd>", label);
}

/* One fact of the product's <dl>: value escaped. */
static int fact(struct zl_buf *b, const char *label, const char *id,
                const char *value)
{
    int rc = fact_open(b, label, id);

    return rc ? rc : zl_portal_add_esc(b, "", value, "</dd>");
}

/* What the product's pack declares, from master data: net content,
 * shelf life, product standard, a drug's approval number and the maker's
 * hotline (a tel: link, so a phone dials it). */
static int declared_facts(struct zl_req *r,
                          const struct zl_portal_product_names *pi,
                          struct zl_buf *b)
{
    int rc = 0;

    if (pi->net_content && strcmp(pi->net_content, "bulk"))
        rc = fact(b, T(r, "净含量", "Net content"), NULL, pi->net_content);
    if (!rc && pi->shelf_life_days)
        rc = fact(b, T(r, "保质期", "Shelf life"), "shelf-life",
                  zl_arena_printf(
                      &r->arena, "%d %s", pi->shelf_life_days,
                      T(r, "天", pi->shelf_life_days == 1 ? "day" : "days")));
    if (!rc && pi->standard)
        rc = fact(b, T(r, "执行标准", "Product standard"), "standard",
                  pi->standard);
    if (!rc && pi->approval)
        rc = fact(b, T(r, "批准文号", "Approval number"), "approval",
                  pi->approval);
    if (!rc && pi->hotline) {
        rc = fact_open(b, T(r, "客服电话", "Consumer hotline"), "hotline");
        if (!rc)
            rc = zl_portal_add_esc(b, "<a href=\"tel:", pi->hotline, "\">");
        if (!rc)
            rc = zl_portal_add_esc(b, "", pi->hotline, "</a></dd>");
    }
    return rc;
}

/* The dates and lot a pack carries, from the instance/lot master data
 * (ILMD) of the event that made it: strings in the request's arena, NULL
 * when the event has none. */
struct pack_dates {
    struct zl_req *r;
    const char *lot, *best_before, *expiry, *sell_by;
};

static int ilmd_cb(void *ctx, const char *json, size_t len)
{
    struct pack_dates *d = ctx;
    json_t *ev = json_loadb(json, len, 0, NULL);
    json_t *m = json_object_get(ev, "ilmd");
    const char *keys[4] = {"cbvmda:lotNumber", "cbvmda:bestBeforeDate",
                           "cbvmda:itemExpirationDate", "cbvmda:sellByDate"};
    const char **out[4] = {&d->lot, &d->best_before, &d->expiry, &d->sell_by};

    for (size_t i = 0; i < 4; i++) {
        const char *v = json_string_value(json_object_get(m, keys[i]));

        if (v)
            *out[i] = zl_arena_printf(&d->r->arena, "%s", v);
    }
    json_decref(ev);
    return 1; /* the one event */
}

static void pack_dates(struct zl_req *r, zl_store *s,
                       const struct zl_trace_event *made, struct pack_dates *d)
{
    char id[96], hex[65];
    struct zl_error err = {0};
    zl_query *q = NULL;

    memset(d, 0, sizeof *d);
    d->r = r;
    if (!made || zl_query_new(&q))
        return;
    zl_hex_encode(made->hash, 32, hex);
    snprintf(id, sizeof id, "ni:///sha-256;%s?ver=CBV2.0", hex);
    if (!zl_query_param(q, "EQ_eventID", id, &err))
        zl_query_each(s, q, ZL_EPC_DIGITAL_LINK, ilmd_cb, d, NULL, &err);
    zl_query_free(q);
}

/* Where a serial's lookup count goes in its page: the page is cached
 * with this mark, and each view writes its own count into it. */
#define LOOKUPS_MARK "<!--zl:lookups-->"

/* Count this view of the serialised code dl and write the count into the
 * page in r->resp at LOOKUPS_MARK (no mark: nothing to do). A count that
 * cannot be read shows what is known; the page never fails for it. */
static void show_lookups(struct zl_req *r, zl_store *s, const char *dl)
{
    struct zl_lookup_count c = {0};
    struct zl_buf b;
    const char *at;
    char when[24];
    size_t pre;
    int rc;

    if (!r->resp || !(at = memmem(r->resp, r->resp_len, LOOKUPS_MARK,
                                  sizeof LOOKUPS_MARK - 1)))
        return;
    /* the stored count as it is now, not as the page's read snapshot saw
     * it: the flush may have moved this code's pending views to the store
     * since (lookups.c), and they would then be counted nowhere */
    if (r->snap) {
        zl_store_snapshot_end(r->snap);
        r->snap = NULL;
    }
    if (strcmp(r->method, "HEAD"))
        zl_lookups_note(r->srv->lookups, s, dl, zl_time_now_ms(), &c);
    else
        zl_lookups_get(s, dl, &c); /* a HEAD is no lookup */
    pre = (size_t)(at - r->resp);
    zl_buf_init(&b, r->resp_len + 1024);
    rc = zl_buf_add(&b, r->resp, pre);
    if (!rc && c.n <= 1) {
        rc = fact(&b, T(r, "查询记录", "Lookups"), "lookups",
                  T(r, "首次查询", "First lookup of this code"));
    } else if (!rc) {
        zl_portal_fmt_time(c.first_ms, 480, when);
        rc = zl_buf_printf(
            &b,
            r->lang_en
                ? "<dt>Lookups</dt><dd id=\"lookups\" class=\"warn-text\">"
                  "Looked up %" PRIu64 " times, first on <span class=\"when\">"
                  "%s</span>. If you have not looked it up before, the code "
                  "may have been copied: beware of counterfeits.</dd>"
                : "<dt>查询记录</dt><dd id=\"lookups\" class=\"warn-text\">"
                  "本码已被查询 %" PRIu64 " 次，首次查询于 <span "
                  "class=\"when\">%s</span>。如果您此前没有查询过，此码可能"
                  "已被复制，谨防假冒。</dd>",
            c.n, when);
    }
    pre += sizeof LOOKUPS_MARK - 1;
    if (!rc)
        rc = zl_buf_add(&b, r->resp + pre, r->resp_len - pre);
    if (!rc) {
        zl_free(r->resp);
        r->resp_len = b.len;
        r->resp = zl_buf_steal(&b);
    }
    zl_buf_cleanup(&b);
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
        b,
        "<p class=\"correction muted\" id=\"correction\">%s %zu %s %.10s%s</p>",
        T(r, "更正：", "Correction:"), cn.n,
        T(r, "条记录已被声明为错误，不再计入流通路径和召回提示（最近一次",
          "record(s) about this code were declared erroneous and no longer "
          "count in the path or the recall notice (latest"),
        when, T(r, "）。", ")."));
}

struct pack_box {
    struct zl_req *r;
    struct zl_buf *b;
    size_t n;
};

/* A product page reached by the GTIN alone (most Chinese packs carry only
 * the EAN-13): the batch codes under recall, for the shopper to compare
 * with the pack. */
static int pack_box_cb(void *ctx, const struct zl_recall_pack_lot *l)
{
    struct pack_box *pb = ctx;
    struct zl_req *r = pb->r;
    int rc = 0;

    if (!pb->n++)
        rc = zl_buf_printf(
            pb->b,
            "<div class=\"recall-banner\" id=\"recall-lots\" role=\"alert\">"
            "<h2>%s</h2><p>%s</p><ul>",
            T(r, "⚠ 此商品有批次正在召回",
              "⚠ Some lots of this product are "
              "being recalled"),
            T(r,
              "请核对包装上的批号（生产批号），如与下列批号相同，请停止食用"
              "或使用：",
              "Check the batch number printed on the pack; if it is one of "
              "these, stop eating or using the product:"));
    if (!rc)
        rc =
            zl_portal_add_esc(pb->b, "<li><a href=\"", zl_portal_dl_path(l->dl),
                              r->lang_en ? "?lang=en\">" : "\">");
    if (!rc)
        rc = zl_html_escape(pb->b, l->lot);
    return rc ? rc : zl_buf_adds(pb->b, "</a></li>");
}

/* A code no registry and no record knows (404): a warning, the code as
 * read, and what to do. */
static void unregistered_page(struct zl_req *r, const struct zl_gs1_id *id)
{
    struct zl_buf b;
    char es[256];

    zl_buf_init(&b, 16384);
    zl_buf_printf(
        &b,
        "<section class=\"warn\" id=\"unregistered\" role=\"alert\">"
        "<h1>%s</h1><p>%s</p>",
        T(r, "此码未登记，谨防假冒",
          "This code is not registered: beware of "
          "counterfeits"),
        T(r,
          "本平台没有登记这个商品，也没有任何企业上报过这个编码的追溯记录。"
          "正规商品的编码由生产企业登记并上报记录；请核对包装上的编码是否"
          "输入正确，如仍查不到，请保留商品和购物凭证，拨打 12315 举报。",
          "No product is registered under this code and no enterprise has "
          "filed a record of it. Genuine products are registered by their "
          "maker, who files their records; check that the code was typed "
          "as printed on the pack. If it still is not found, keep the "
          "product and the receipt and report it to 12315."));
    if (zl_gs1_to_element_string(id, es, sizeof es) > 0)
        zl_portal_add_esc(&b,
                          zl_arena_printf(&r->arena,
                                          "<dl class=\"facts\"><dt>%s</dt><dd "
                                          "class=\"code\">",
                                          T(r, "查询的编码", "Code looked up")),
                          es, "</dd></dl>");
    zl_buf_adds(&b, "</section>");
    zl_portal_page(r, 404, T(r, "此码未登记", "Code not registered"), &b);
    zl_buf_cleanup(&b);
}

void zl_portal_product(struct zl_req *r, const struct zl_gs1_id *id,
                       const char *dl)
{
    struct notices ns = {r, NULL, NULL, NULL, NULL, 0, 0};
    struct zl_portal_product_names pi;
    struct zl_trace_opts to;
    struct zl_error err;
    struct zl_buf b;
    zl_trace *t = NULL;
    zl_store *s = zl_srv_store_nosnap(r);
    const char *gtin = zl_portal_ai_value(id, "01"),
               *lot = zl_portal_ai_value(id, "10"),
               *serial = zl_portal_ai_value(id, "21"), *title;
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
        zl_portal_headers(r);
        if (serial)
            show_lookups(r, s, dl);
        return;
    }
    zl_srv_store(r); /* a miss: its reads share one snapshot */
    zl_portal_product_names(r, s, gtin, &pi);
    memset(&to, 0, sizeof to);
    to.dir = ZL_TRACE_BACKWARD;
    to.max_nodes = TRACE_MAX_NODES;
    to.depth = 12;
    memset(&err, 0, sizeof err);
    trc = zl_trace_run(s, dl, &to, &t, &err);
    if (trc == 0)
        ev = sorted_events(r, t, &n_ev);
    else if (trc == ZL_ESTORE || trc == ZL_EBUSY || trc == ZL_ENOMEM)
        cacheable = 0; /* a transient failure must not stick */
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

    if (trc == 0 && n_ev == 0 && !recalled && !pi.zh && !pi.en) {
        /* Nobody registered this product and no record names the code:
         * say so plainly, not with a tidy empty card. */
        unregistered_page(r, id); /* not cached: the cache answers 200 */
        zl_trace_free(t);
        return;
    }
    title = r->lang_en && pi.en ? pi.en : pi.zh ? pi.zh : pi.en;
    if (!title)
        title = id->scheme == ZL_GS1_SSCC ? T(r, "物流单元", "Logistic unit")
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
            rc = zl_portal_add_esc(
                &b,
                zl_arena_printf(&r->arena, "<p><strong>%s</strong>",
                                T(r, "召回原因：", "Reason: ")),
                ns.reason, "</p>");
        if (!rc)
            rc = zl_portal_add_esc(
                &b, "<p>",
                ns.action ? ns.action
                          : T(r,
                              "请立即停止食用或使用本产品，保留包装，"
                              "联系购买商店退货或拨打 12315 咨询。",
                              "Stop eating or using this product now. "
                              "Keep the packaging and return it to the "
                              "shop where you bought it, or call "
                              "12315."),
                "</p>");
        if (!rc)
            rc = zl_buf_printf(
                &b, "<p><a href=\"/recalls%s%s%s\">%s</a></p></div>",
                ns.case_id ? "/" : "", ns.case_id ? ns.case_id : "",
                r->lang_en ? "?lang=en" : "",
                T(r, "查看召回详情", "Recall details"));
    }
    if (!rc) /* active consumer warnings (risk cases, issue 14) */
        rc = zl_portal_warnings_section(r, s, gtin, lot, &b);
    if (!rc && n_ev == 0 && !recalled && (lot || serial))
        rc = zl_buf_printf(
            &b,
            "<div class=\"warn\" id=\"unregistered\" role=\"alert\">"
            "<strong>%s</strong> %s</div>",
            T(r,
              serial ? "此序列号未登记，谨防假冒。"
                     : "此批次未登记，谨防假冒。",
              serial ? "This serial number is not registered: beware of "
                       "counterfeits."
                     : "This lot is not registered: beware of counterfeits."),
            T(r,
              "该商品已登记，但没有任何企业上报过这个编码的追溯记录。"
              "请核对包装上的编码，如有疑问请拨打 12315 举报。",
              "The product is registered, but no enterprise has filed a "
              "record of this code. Check the code on the pack; if in "
              "doubt, report it to 12315."));
    if (!rc && gtin && !lot && !serial) { /* the GTIN alone: a pack's EAN */
        struct pack_box pb = {r, &b, 0};

        if (zl_recall_pack_lots(s, NULL, gtin, pack_box_cb, &pb) < 0)
            cacheable = 0;
        if (pb.n) {
            recalled = 1; /* the status line below says so too */
            rc = zl_buf_adds(&b, "</ul></div>");
        }
    }
    if (!rc)
        rc = zl_portal_add_esc(&b, "<section class=\"product\"><h1>", title,
                               "</h1>");
    if (!rc)
        rc = zl_buf_adds(&b, "<dl class=\"facts\">");
    if (!rc && (pi.brand || pi.brand_en))
        rc = fact(&b, T(r, "品牌", "Brand"), NULL,
                  r->lang_en && pi.brand_en ? pi.brand_en
                  : pi.brand                ? pi.brand
                                            : pi.brand_en);
    if (!rc && gtin)
        rc = fact(&b, T(r, "商品条码 (GTIN)", "GTIN"), NULL, gtin);
    if (!rc && (!gtin || (pi.approval && serial))) {
        /* a drug pack's GS1 code is its 药品追溯码 (NMPAB/T 1002-2019
         * admits codes built on ISO/IEC standards: docs/products.md) */
        char es[256];
        if (zl_gs1_to_element_string(id, es, sizeof es) > 0)
            rc = fact(&b,
                      gtin ? T(r, "药品追溯码", "Drug traceability code")
                           : T(r, "编码", "Code"),
                      gtin ? "drug-code" : NULL, es);
    }
    if (!rc)
        rc = declared_facts(r, &pi, &b);
    if (!rc && lot)
        rc = fact(&b, T(r, "批次", "Lot"), "lot", lot);
    if (!rc && !recalled) /* said plainly, not left for the reader to infer */
        rc = fact(&b, T(r, "召回状态", "Recall status"), "recall-status",
                  T(r, "未召回", "No recall"));
    if (!rc && serial)
        rc = fact(&b, T(r, "序列号", "Serial"), NULL, serial);
    if (!rc && serial && n_ev) /* a registered serial: count its lookups */
        rc = zl_buf_adds(&b, LOOKUPS_MARK);
    if (!rc && made) {
        const char *where = zl_portal_place_name(
            r, s, made->biz_location ? made->biz_location : made->read_point);
        zl_portal_fmt_time(made->event_time_ms, made->tz_offset_min, when);
        rc = fact_open(&b, T(r, "生产/赋码", "Made"), NULL);
        if (!rc)
            rc =
                zl_portal_add_esc(&b, "<span class=\"when\">", when, "</span>");
        if (!rc && where)
            rc = zl_portal_add_esc(&b, " · ", where, "");
        if (!rc)
            rc = zl_buf_adds(&b, "</dd>");
    }
    if (!rc && gtin) {
        struct zl_portal_maker mk;

        zl_portal_maker(r, s, gtin, &mk);
        if (mk.name)
            rc = fact(&b, T(r, "生产企业", "Made by"), "maker", mk.name);
        if (!rc && mk.address)
            rc = fact(&b, T(r, "企业地址", "Address"), NULL, mk.address);
        if (!rc && mk.licence)
            rc = fact(&b, T(r, "生产许可证", "Production licence (SC)"),
                      "licence", mk.licence);
        /* a maker in the supervision registry has a public history */
        if (!rc && mk.uscc) {
            char *ej = NULL;
            size_t el = 0;

            if (!zl_sup_get(s, ZL_SUP_ENTERPRISE, mk.uscc, &ej, &el)) {
                rc = fact_open(&b, T(r, "监管记录", "Supervision record"),
                               "supervision");
                rc = rc || zl_portal_add_esc(&b, "<a href=\"/enterprises/",
                                             mk.uscc, "\">");
                rc = rc || zl_buf_printf(&b, "%s</a></dd>",
                                         T(r, "抽查结果与信用分类",
                                           "Spot checks and credit class"));
            }
            zl_free(ej);
        }
    }
    if (!rc && made) {
        struct pack_dates pd;

        pack_dates(r, s, made, &pd);
        if (!rc && !lot && pd.lot) /* an item: the batch printed on it */
            rc = fact(&b, T(r, "批次", "Lot"), "lot", pd.lot);
        if (!rc && pd.best_before)
            rc = fact(&b, T(r, "保质期至", "Best before"), "best-before",
                      pd.best_before);
        if (!rc && pd.expiry)
            rc = fact(&b, T(r, "有效期至", "Use by"), "expiry", pd.expiry);
        if (!rc && pd.sell_by)
            rc = fact(&b, T(r, "销售截止", "Sell by"), "sell-by", pd.sell_by);
    }
    if (!rc && origin) {
        const char *where = zl_portal_place_name(
            r, s,
            origin->biz_location ? origin->biz_location : origin->read_point);
        zl_portal_fmt_time(origin->event_time_ms, origin->tz_offset_min, when);
        rc = fact_open(&b, T(r, "产地", "Origin"), "origin");
        if (!rc)
            rc = zl_portal_add_esc(
                &b, "", where ? where : T(r, "未登记", "not registered"),
                " · ");
        if (!rc)
            rc = zl_portal_add_esc(&b, "<span class=\"when\">", when,
                                   "</span></dd>");
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
            rc = path_story(r, s, t, &b);
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
        rc = zl_buf_printf(&b,
                           "<section id=\"inspections\"><h2>%s</h2>"
                           "<ol class=\"path\">",
                           T(r, "检验检测", "Inspections"));
        for (i = 0; i < n_ev && !rc; i++)
            if (is_inspection(ev[i]->step))
                rc = path_row(r, s, &b, ev[i]);
        if (!rc)
            rc = zl_buf_adds(&b, "</ol></section>");
    }
    if (!rc)
        rc = zl_portal_inspections_section(r, s, gtin, &b);
    if (!rc) {
        struct zl_buf q;
        zl_buf_init(&q, 4096);
        zl_pct_encode(&q, dl);
        rc = zl_buf_printf(
            &b, "<p><a href=\"/qr?code=%s%s\">%s</a></p>", q.data ? q.data : "",
            r->lang_en ? "&amp;lang=en" : "", T(r, "二维码", "QR code"));
        zl_buf_cleanup(&q);
    }
    if (rc)
        zl_portal_error(r, 500, "页面生成失败", "Page failed");
    else
        zl_portal_page(r, 200, title, &b);
    if (cacheable && r->status == 200 && r->resp)
        zl_pcache_put(r->srv->pcache, r->raw_uri, gen, r->resp, r->resp_len);
    if (serial)
        show_lookups(r, s, dl);
    zl_buf_cleanup(&b);
    zl_trace_free(t);
}
