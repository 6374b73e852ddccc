/*
 * portal_recalls.c - /recalls: what a consumer needs to know about
 * recalls, in two tables.
 *
 * First the open recall cases (lib/recall, zl_recall_list): the products
 * and lots each names, the reason and hazard class, and when it was
 * opened (shown in China Standard Time: a case has no event offset).
 * Then the lots enterprises marked with a "recalled" disposition in
 * their own events (the newest 200 such events, one row per product lot,
 * or per item without a lot, at most 500 rows); an event withdrawn by a
 * correction (errorDeclaration) no longer counts.
 *
 * Only product names, lot codes, dates and the recall's own reason are
 * shown; every value is HTML-escaped. The event list is read as JSON
 * (zl_query_each) because the recall query is an ordinary EPCIS query;
 * only the identifier lists and eventTime are looked at.
 */
#include "portal_int.h"

#include "zhiliang/query.h"
#include "zhiliang/recall.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Batch codes on packs listed on the page, over all cases. */
#define MAX_PACK_LOTS 2000

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
    struct zl_portal_product_names pi;
    struct zl_gs1_id id;
    char dl[1024];
    const char *gtin, *lot, *name;
    size_t i;

    if (!ident || l->n_seen >= 500 ||
        zl_gs1_parse(ident, strlen(ident), &id, NULL) ||
        !(gtin = zl_portal_ai_value(&id, "01")))
        return;
    lot = zl_portal_ai_value(&id, "10");
    /* One row per product lot (or per item when it has no lot). */
    if (zl_gs1_to_dl(&id, 0, dl, sizeof dl) < 0)
        return;
    for (i = 0; i < l->n_seen; i++)
        if (strcmp(l->seen[i], dl) == 0)
            return;
    l->seen[l->n_seen++] = zl_arena_strndup(&r->arena, dl, strlen(dl));
    zl_portal_product_names(r, l->s, gtin, &pi);
    name = r->lang_en && pi.en ? pi.en : pi.zh ? pi.zh : gtin;
    l->n++;
    zl_portal_add_esc(l->b, "<tr><td><a href=\"", zl_portal_dl_path(dl), "");
    zl_buf_adds(l->b, r->lang_en ? "?lang=en\">" : "\">");
    zl_html_escape(l->b, name);
    zl_portal_add_esc(l->b, "</a></td><td>", lot ? lot : "—", "</td>");
    zl_portal_add_esc(l->b, "<td><span class=\"when\">", when_iso,
                      "</span></td></tr>");
}

/* zl_query_each callback: one row per identifier in the event's lists,
 * unless a correction withdrew the event. */
static int recall_event_cb(void *ctx, const char *json, size_t len)
{
    static const char *const lists[] = {"epcList", "childEPCs", "inputEPCList",
                                        "outputEPCList"};
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
        json_decref(ev); /* withdrawn by a correction: no longer a recall */
        return 0;
    }
    t = json_string_value(json_object_get(ev, "eventTime"));
    snprintf(when, sizeof when, "%.10s", t ? t : "");
    for (k = 0; k < 4; k++) {
        json_array_foreach(json_object_get(ev, lists[k]), i, v)
            recall_row(l, json_string_value(v), when);
        json_array_foreach(json_object_get(ev, qlists[k]), i, v) recall_row(
            l, json_string_value(json_object_get(v, "epcClass")), when);
    }
    json_decref(ev);
    return 0;
}

struct case_list {
    struct zl_req *r;
    zl_store *s;
    struct zl_buf *b;
    size_t n;
    const struct pack_lots *packs;
};

/* The batch codes on packs of every open case, read before the cases
 * are listed (a store call inside zl_recall_list's callback would reuse
 * its statement). */
struct pack_lots {
    struct zl_req *r;
    const char **case_id, **lot, **dl;
    size_t n, cap;
};

static int pack_collect_cb(void *ctx, const struct zl_recall_pack_lot *l)
{
    struct pack_lots *p = ctx;
    struct zl_arena *a = &p->r->arena;

    if (p->n == p->cap)
        return 1; /* enough for a page: stop */
    if (!(p->case_id[p->n] =
              zl_arena_strndup(a, l->case_id, strlen(l->case_id))) ||
        !(p->lot[p->n] = zl_arena_strndup(a, l->lot, strlen(l->lot))) ||
        !(p->dl[p->n] = zl_arena_strndup(a, l->dl, strlen(l->dl))))
        return ZL_ENOMEM;
    p->n++;
    return 0;
}

/* The "on packs" line of one case: its batch codes, linked. */
static void pack_line(struct zl_req *r, struct zl_buf *b,
                      const struct pack_lots *p, const char *case_id)
{
    size_t shown = 0;

    for (size_t i = 0; p && i < p->n; i++) {
        if (strcmp(p->case_id[i], case_id))
            continue;
        if (!shown++)
            zl_buf_printf(b, "<br><span class=\"packs\">%s ",
                          T(r, "包装上的批号：", "Batch codes on packs:"));
        else
            zl_buf_adds(b, ", ");
        zl_portal_add_esc(b, "<a href=\"", zl_portal_dl_path(p->dl[i]),
                          r->lang_en ? "?lang=en\">" : "\">");
        zl_html_escape(b, p->lot[i]);
        zl_buf_adds(b, "</a>");
    }
    if (shown)
        zl_buf_adds(b, "</span>");
}

/* A case's reason and advice in the reader's language (copied into the
 * request's arena): the English reason on English pages when the case
 * has one, else the reason as given; the case's own advice in the
 * reader's language, else the hazard class's standard advice. */
static void case_texts(struct zl_req *r, zl_store *s, const char *case_id,
                       const char *hazard, const char **reason,
                       const char **advice)
{
    struct zl_recall_status *st = NULL;
    const char *v;

    if (zl_recall_status_get(s, case_id, &st) == 0) {
        if (r->lang_en && st->reason_en)
            *reason = zl_arena_printf(&r->arena, "%s", st->reason_en);
        v = r->lang_en ? st->advice_en : st->advice;
        if (advice && v)
            *advice = zl_arena_printf(&r->arena, "%s", v);
    }
    zl_recall_status_free(st);
    if (advice && !*advice)
        *advice = zl_recall_action(hazard, r->lang_en);
}

/* zl_recall_list callback: one row per open case. */
static int case_cb(void *ctx, const struct zl_recall_info *c)
{
    struct case_list *cl = ctx;
    struct zl_req *r = cl->r;
    const char *reason;
    char when[24];
    size_t i;
    int first = 1;

    zl_portal_fmt_time(c->opened_ms, 480, when);
    cl->n++;
    zl_buf_adds(cl->b, "<tr><td>");
    for (i = 0; i < c->n_gtins; i++) {
        struct zl_portal_product_names pi;
        const char *g = c->gtins[i], *name;
        zl_portal_product_names(r, cl->s, g, &pi);
        name = r->lang_en && pi.en ? pi.en : pi.zh ? pi.zh : g;
        zl_portal_add_esc(cl->b, first ? "" : "<br>", name, "");
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
        lot = zl_portal_ai_value(&id, "10");
        zl_portal_add_esc(cl->b, first ? "<a href=\"" : "<br><a href=\"",
                          zl_portal_dl_path(dl),
                          r->lang_en ? "?lang=en\">" : "\">");
        zl_html_escape(cl->b, lot ? lot : dl);
        zl_buf_adds(cl->b, "</a>");
        first = 0;
    }
    pack_line(r, cl->b, cl->packs, c->case_id); /* what shoppers hold */
    reason = c->reason;
    if (r->lang_en)
        case_texts(r, cl->s, c->case_id, c->hazard_class, &reason, NULL);
    zl_portal_add_esc(cl->b, "</td><td>", reason, "");
    if (c->hazard_class)
        zl_portal_add_esc(
            cl->b, zl_arena_printf(&r->arena, " (%s ", T(r, "级别", "class")),
            c->hazard_class, ")");
    zl_portal_add_esc(cl->b, "</td><td><span class=\"when\">", when, "</span>");
    zl_portal_add_esc(cl->b, "<br><a href=\"/recalls/", c->case_id,
                      r->lang_en ? "?lang=en\">" : "\">");
    zl_buf_printf(cl->b, "%s</a></td></tr>", T(r, "详情", "Details"));
    return 0;
}

void zl_portal_recalls(struct zl_req *r)
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
        struct pack_lots packs = {r, NULL, NULL, NULL, 0, MAX_PACK_LOTS};
        struct case_list cl = {r, s, &b, 0, &packs};

        packs.case_id =
            zl_arena_alloc(&r->arena, 3 * MAX_PACK_LOTS * sizeof(const char *));
        if (packs.case_id) {
            packs.lot = packs.case_id + MAX_PACK_LOTS;
            packs.dl = packs.lot + MAX_PACK_LOTS;
            zl_recall_pack_lots(s, NULL, NULL, pack_collect_cb, &packs);
        } else {
            cl.packs = NULL;
        }
        zl_buf_printf(&b,
                      "<section><h1>%s</h1><p>%s</p>"
                      "<table class=\"list\" id=\"cases\"><thead><tr>"
                      "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
                      "</thead><tbody>",
                      T(r, "召回信息", "Recalls"),
                      T(r,
                        "下列产品批次正在召回。如您购买了这些产品，请停止食用或"
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
    zl_buf_printf(&b,
                  "<section><h2>%s</h2>"
                  "<table class=\"list\" id=\"recalls\"><thead><tr><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
                  T(r, "企业标记为召回的批次",
                    "Lots marked recalled by "
                    "enterprises"),
                  T(r, "产品", "Product"), T(r, "批次", "Lot"),
                  T(r, "时间", "Date"));
    if (l.seen)
        zl_query_each(s, q, ZL_EPC_DIGITAL_LINK, recall_event_cb, &l, NULL,
                      &err);
    zl_buf_adds(&b, "</tbody></table>");
    if (!l.n)
        zl_buf_printf(&b, "<p class=\"muted\">%s</p>", T(r, "无。", "None."));
    zl_buf_adds(&b, "</section>");
    zl_portal_page(r, 200, T(r, "召回信息", "Recalls"), &b);
    zl_buf_cleanup(&b);
    zl_query_free(q);
}

/* ---- one case: /recalls/{case} ------------------------------------------ */

/* What a case page needs from zl_recall_list, copied out of its callback
 * (no store call may run inside it). */
struct one_case {
    struct zl_req *r;
    const char *want;
    int found;
    char *status, *reason, *hazard;
    int64_t opened_ms, closed_ms;
    const char **lots, **gtins;
    size_t n_lots, n_gtins;
};

static char *adup(struct zl_req *r, const char *v)
{
    return v ? zl_arena_strndup(&r->arena, v, strlen(v)) : NULL;
}

static const char **adup_list(struct zl_req *r, const char *const *v, size_t n)
{
    const char **out = zl_arena_alloc(&r->arena, (n + 1) * sizeof *out);

    for (size_t i = 0; out && i < n; i++)
        out[i] = adup(r, v[i]);
    return out;
}

static int one_case_cb(void *ctx, const struct zl_recall_info *c)
{
    struct one_case *o = ctx;

    if (strcmp(c->case_id, o->want))
        return 0;
    o->found = 1;
    o->status = adup(o->r, c->status);
    o->reason = adup(o->r, c->reason);
    o->hazard = adup(o->r, c->hazard_class);
    o->opened_ms = c->opened_ms;
    o->closed_ms = c->closed_ms;
    o->lots = adup_list(o->r, c->lots, c->n_lots);
    o->n_lots = o->lots ? c->n_lots : 0;
    o->gtins = adup_list(o->r, c->gtins, c->n_gtins);
    o->n_gtins = o->gtins ? c->n_gtins : 0;
    return 1; /* found: stop */
}

/* The case as a shopper needs it: the product and who recalls it, why
 * and how serious, what to do, the batch codes to look for on the pack,
 * since when and whether it is still open, and the record in the public
 * log. */
void zl_portal_recall_case(struct zl_req *r, const char *case_id)
{
    struct one_case o = {r, case_id, 0,    NULL, NULL, NULL,
                         0, 0,       NULL, NULL, 0,    0};
    struct pack_lots packs = {r, NULL, NULL, NULL, 0, MAX_PACK_LOTS};
    struct zl_portal_maker own;
    zl_store *s = zl_srv_store(r);
    char when[24];
    const char *advice = NULL, *hotline = NULL;
    struct zl_buf b;
    size_t i;

    if (!s || zl_recall_list(s, 0, one_case_cb, &o) < 0) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    if (!o.found) {
        zl_portal_error(r, 404, "没有这个召回案件", "No such recall case");
        return;
    }
    /* who recalls: the owner of the recalled lot's Company Prefix */
    zl_portal_maker(r, s, o.n_lots ? o.lots[0] : NULL, &own);
    packs.case_id =
        zl_arena_alloc(&r->arena, 3 * MAX_PACK_LOTS * sizeof(const char *));
    if (packs.case_id) {
        packs.lot = packs.case_id + MAX_PACK_LOTS;
        packs.dl = packs.lot + MAX_PACK_LOTS;
        zl_recall_pack_lots(s, case_id, NULL, pack_collect_cb, &packs);
    }
    zl_buf_init(&b, (size_t)4 << 20);
    zl_buf_printf(&b, "<section><h1>%s", T(r, "召回：", "Recall: "));
    for (i = 0; i < o.n_gtins; i++) {
        struct zl_portal_product_names pi;
        const char *name;

        zl_portal_product_names(r, s, o.gtins[i], &pi);
        name = r->lang_en && pi.en ? pi.en : pi.zh ? pi.zh : o.gtins[i];
        zl_portal_add_esc(&b, i ? "、" : "", name, "");
        if (!hotline)
            hotline = pi.hotline;
    }
    zl_buf_adds(&b, "</h1>");
    case_texts(r, s, case_id, o.hazard, (const char **)&o.reason, &advice);
    if (!strcmp(o.status, "open")) {
        zl_buf_printf(&b,
                      "<div class=\"recall-banner\" role=\"alert\"><h2>%s"
                      "</h2>",
                      T(r, "⚠ 召回进行中", "⚠ Recall in progress"));
        zl_portal_add_esc(&b, "<p id=\"advice\">", advice, "</p></div>");
    }
    zl_buf_adds(&b, "<dl class=\"facts\" id=\"case\">");
    zl_portal_add_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                      T(r, "召回企业", "Recalled by")),
                      own.name ? own.name : T(r, "未登记", "not registered"),
                      "</dd>");
    if (own.address)
        zl_portal_add_esc(&b,
                          zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                          T(r, "地址", "Address")),
                          own.address, "</dd>");
    zl_portal_add_esc(
        &b,
        zl_arena_printf(&r->arena, "<dt>%s</dt><dd>", T(r, "原因", "Reason")),
        o.reason, "</dd>");
    zl_portal_add_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                      T(r, "危害级别", "Hazard class")),
                      o.hazard ? o.hazard : "-", "</dd>");
    zl_portal_fmt_time(o.opened_ms, 480, when);
    zl_portal_add_esc(&b,
                      zl_arena_printf(&r->arena, "<dt>%s</dt><dd>",
                                      T(r, "开始时间", "Opened")),
                      when, "</dd>");
    zl_buf_printf(&b, "<dt>%s</dt><dd id=\"case-status\">%s",
                  T(r, "状态", "Status"),
                  strcmp(o.status, "open") ? T(r, "已结束", "Closed")
                                           : T(r, "进行中", "Open"));
    if (o.closed_ms) {
        zl_portal_fmt_time(o.closed_ms, 480, when);
        zl_portal_add_esc(&b, " · ", when, "");
    }
    zl_buf_adds(&b, "</dd>");
    if (hotline) { /* the company's own line first: it runs the recall */
        zl_buf_printf(&b, "<dt>%s</dt><dd id=\"company-hotline\">",
                      T(r, "企业客服电话", "Company hotline"));
        zl_portal_add_esc(&b, "<a href=\"tel:", hotline, "\">");
        zl_portal_add_esc(&b, "", hotline, "</a></dd>");
    }
    zl_buf_printf(&b, "<dt>%s</dt><dd>%s</dd></dl>",
                  T(r, "咨询电话", "Hotline"),
                  T(r, "12315（全国市场监管投诉举报热线）",
                    "12315 (national market regulation hotline)"));
    zl_buf_printf(&b, "<h2>%s</h2><p class=\"muted\">%s</p><ul id=\"batches\">",
                  T(r, "涉及批次", "Affected batches"),
                  T(r, "请核对包装上的批号。",
                    "Compare with the batch number "
                    "printed on the pack."));
    for (i = 0; i < packs.n; i++) {
        struct zl_gs1_id id;
        struct zl_portal_product_names pi;
        const char *g = NULL;

        if (!zl_gs1_parse(packs.dl[i], strlen(packs.dl[i]), &id, NULL))
            g = zl_portal_ai_value(&id, "01");
        zl_portal_product_names(r, s, g, &pi);
        zl_portal_add_esc(&b, "<li><a href=\"", zl_portal_dl_path(packs.dl[i]),
                          r->lang_en ? "?lang=en\">" : "\">");
        zl_html_escape(&b, packs.lot[i]);
        zl_portal_add_esc(&b, "</a> ",
                          r->lang_en && pi.en ? pi.en
                          : pi.zh             ? pi.zh
                                              : "",
                          "</li>");
    }
    if (!packs.n)
        zl_buf_printf(&b, "<li class=\"muted\">%s</li>",
                      T(r, "（无批号信息）", "(no batch codes)"));
    zl_buf_adds(&b, "</ul>");
    zl_portal_add_esc(&b,
                      "<p><a class=\"logmark\" href=\"/log/record?id=recall%3A",
                      case_id, ":1");
    zl_buf_printf(&b, "%s\">%s</a></p></section>",
                  r->lang_en ? "&amp;lang=en" : "",
                  T(r, "已存证：在公开日志中核验此召回记录",
                    "Recorded: check this recall in the public log"));
    zl_portal_page(r, 200, T(r, "召回详情", "Recall details"), &b);
    zl_buf_cleanup(&b);
}
