/*
 * portal_complain.c - the consumer complaint form (/complain) and the
 * published complaint statistics (/complaints, 消费投诉信息公示).
 *
 * The form is plain HTML posted as application/x-www-form-urlencoded: it
 * works on any phone browser without JavaScript (the CSP allows no inline
 * script anyway, and form-action 'self'). Labels are Chinese with the
 * English beneath, whatever ?lang says, because a shopper may read either.
 * The fields become the JSON of `zhiliang risk report complaint` and go
 * through the same checks; a refused form is shown again with what was
 * typed and each error beside its field, and nothing is stored. The
 * optional contact fields are personal data: sealed by the library with
 * the operator's key, never shown on any page.
 *
 * /complaints shows counts only (by category, region and month): no
 * description, no product code of a single complaint, no personal data,
 * so nothing a complainant typed is ever published unreviewed. Below
 * them, the handling of complaints per enterprise, product and category
 * (消费投诉信息公示, zl_risk_publication): complaints, accepted, not
 * accepted, closed, resolved, the handled share and the median days to
 * close. /complaints?format=json is the same rows as an export.
 */
#include "portal_int.h"
#include "ratelimit.h"

#include "zhiliang/risk_handle.h"
#include "zhiliang/risk_intake.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The form fields: name, JSON path, Chinese and English labels, input
 * type, required. */
static const struct {
    const char *name, *obj, *key, *zh, *en, *type;
    int required;
} FIELDS[] = {
    {"occurred", NULL, "occurred", "发生日期", "Date it happened", "date", 1},
    {"gs1", NULL, "gs1", "商品条码或追溯码（扫描或输入）",
     "Product barcode or trace code (scan or type)", "text", 0},
    {"pname", "product", "name", "商品名称", "Product name", "text", 0},
    {"brand", "product", "brand", "品牌", "Brand", "text", 0},
    {"model", "product", "model", "型号", "Model", "text", 0},
    {"category", NULL, "category", "商品类别", "Product category", "text", 0},
    {"region", NULL, "region", "地区代码（6位）", "Region code (6 digits)",
     "text", 0},
    {"description", NULL, "description", "投诉内容", "What happened",
     "textarea", 1},
    {"cname", "personal", "name", "联系人（选填，不公开）",
     "Your name (optional, never published)", "text", 0},
    {"phone", "personal", "phone", "联系电话（选填，不公开）",
     "Phone (optional, never published)", "tel", 0},
};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

static const char *value_of(json_t *form, const char *name)
{
    const char *v = json_string_value(json_object_get(form, name));

    return v ? v : "";
}

static void field_html(struct zl_buf *b, size_t i, json_t *form, json_t *errors)
{
    const char *v = value_of(form, FIELDS[i].name);
    char path[64];

    if (FIELDS[i].obj)
        snprintf(path, sizeof path, "%s.%s", FIELDS[i].obj, FIELDS[i].key);
    else
        snprintf(path, sizeof path, "%s", FIELDS[i].key);
    zl_buf_printf(b, "<p><label for=\"%s\">", FIELDS[i].name);
    zl_portal_add_esc(b, "", FIELDS[i].zh, FIELDS[i].required ? " *" : "");
    zl_portal_add_esc(b, "<br><small lang=\"en\">", FIELDS[i].en,
                      "</small></label><br>");
    if (!strcmp(FIELDS[i].type, "textarea")) {
        zl_buf_printf(b,
                      "<textarea id=\"%s\" name=\"%s\" rows=\"5\" "
                      "maxlength=\"2000\"%s>",
                      FIELDS[i].name, FIELDS[i].name,
                      FIELDS[i].required ? " required" : "");
        zl_portal_add_esc(b, "", v, "</textarea>");
    } else {
        zl_buf_printf(b, "<input id=\"%s\" name=\"%s\" type=\"%s\"%s%s",
                      FIELDS[i].name, FIELDS[i].name, FIELDS[i].type,
                      FIELDS[i].required ? " required" : "",
                      !strcmp(FIELDS[i].name, "gs1")
                          ? " inputmode=\"text\" autocomplete=\"off\""
                          : "");
        zl_portal_add_esc(b, " value=\"", v, "\">");
    }
    for (size_t j = 0; j < json_array_size(errors); j++) {
        json_t *e = json_array_get(errors, j);

        if (strcmp(value_of(e, "field"), path))
            continue;
        zl_portal_add_esc(b, "<br><strong class=\"error\">", value_of(e, "why"),
                          "</strong>");
    }
    zl_buf_adds(b, "</p>");
}

static void form_page(struct zl_req *r, unsigned status, json_t *form,
                      json_t *errors)
{
    struct zl_buf b;

    zl_buf_init(&b, (size_t)1 << 20);
    zl_buf_adds(&b, "<section><h1>消费投诉 <small lang=\"en\">Consumer "
                    "complaint</small></h1>"
                    "<p>向市场监管部门反映商品质量安全问题。带 * 的为必填项。"
                    "<br><small lang=\"en\">Tell the market regulator about "
                    "an unsafe or faulty product. Fields marked * are "
                    "required.</small></p>");
    if (json_array_size(errors)) {
        zl_buf_adds(&b,
                    "<p><strong class=\"error\">请改正以下错误，投诉尚未提交。"
                    "<br>Please correct the errors below; nothing was "
                    "submitted.</strong></p><ul>");
        for (size_t j = 0; j < json_array_size(errors); j++) {
            json_t *e = json_array_get(errors, j);

            zl_portal_add_esc(&b, "<li>", value_of(e, "field"), ": ");
            zl_portal_add_esc(&b, "", value_of(e, "why"), "</li>");
        }
        zl_buf_adds(&b, "</ul>");
    }
    zl_buf_adds(&b, "<form method=\"post\" action=\"/complain\" "
                    "accept-charset=\"UTF-8\">");
    for (size_t i = 0; i < N_FIELDS; i++)
        field_html(&b, i, form, errors);
    zl_buf_adds(&b,
                "<p><button type=\"submit\">提交 Submit</button></p>"
                "</form><p><small>联系方式加密保存，仅监管人员可见，不会公开。"
                "<br lang=\"en\">Contact details are stored encrypted, "
                "seen only by regulators, never published.</small></p>"
                "<p><a href=\"/complaints\">投诉信息公示 Published "
                "complaint statistics</a></p></section>");
    zl_portal_page(r, status, "消费投诉 Consumer complaint", &b);
    zl_buf_cleanup(&b);
}

/* application/x-www-form-urlencoded body -> {name: value} of the known
 * fields; NULL when it does not decode. */
static json_t *parse_form(struct zl_req *r)
{
    const char *p = (const char *)r->body.data, *end = p + r->body.len;
    json_t *o = json_object();

    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *e, *eq;
        char *k, *v;

        e = amp ? amp : end;
        eq = memchr(p, '=', (size_t)(e - p));
        if (eq) {
            k = zl_pct_decode(&r->arena, p, (size_t)(eq - p), 1);
            v = zl_pct_decode(&r->arena, eq + 1, (size_t)(e - eq - 1), 1);
            if (!k || !v) {
                json_decref(o);
                return NULL;
            }
            for (size_t i = 0; i < N_FIELDS; i++)
                if (!strcmp(k, FIELDS[i].name))
                    json_object_set_new(o, k, json_string(v));
        }
        p = amp ? amp + 1 : NULL;
    }
    return o;
}

static void post(struct zl_req *r)
{
    json_t *form, *in = json_object(), *errors = json_array();
    char id[ZL_RISK_ID_MAX], *text = NULL;
    struct zl_buf b;
    unsigned wait;
    int rc;

    if ((wait = zl_ratelimit_complaint(r))) {
        char zh[160], en[160];

        json_decref(in);
        json_decref(errors);
        snprintf(zh, sizeof zh, "提交过于频繁，请%u秒后再试", wait);
        snprintf(en, sizeof en,
                 "Too many complaints from this address: try again in %u s",
                 wait);
        zl_portal_error(r, 429, zh, en);
        return;
    }
    if (r->body_too_big || !(form = parse_form(r))) {
        json_decref(in);
        json_decref(errors);
        zl_portal_error(r, 400, "表单无法读取", "The form could not be read");
        return;
    }
    for (size_t i = 0; i < N_FIELDS; i++) {
        const char *v = value_of(form, FIELDS[i].name);
        json_t *dst = in;

        if (!*v)
            continue;
        if (FIELDS[i].obj) {
            if (!(dst = json_object_get(in, FIELDS[i].obj))) {
                dst = json_object();
                json_object_set_new(in, FIELDS[i].obj, dst);
            }
        }
        json_object_set_new(dst, FIELDS[i].key, json_string(v));
    }
    text = json_dumps(in, JSON_COMPACT);
    rc = text ? zl_srv_risk_submit(r, ZL_RISK_COMPLAINT, NULL, text,
                                   strlen(text), id, errors)
              : ZL_ENOMEM;
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
    json_decref(in);
    if (rc == ZL_EINVAL) {
        form_page(r, 400, form, errors);
    } else if (rc) {
        zl_portal_error(r, 503, "暂时无法提交，请稍后再试",
                        "Could not submit now; please try again later");
    } else {
        zl_buf_init(&b, 1 << 16);
        zl_portal_add_esc(
            &b,
            "<section><h1>投诉已提交 <small lang=\"en\">Complaint "
            "received</small></h1><p>受理编号 Reference: "
            "<strong>",
            id,
            "</strong></p><p>请保存此编号。<br><small "
            "lang=\"en\">Keep this reference.</small></p>"
            "<p><a href=\"/complaints\">投诉信息公示 Published "
            "complaint statistics</a></p></section>");
        zl_portal_page(r, 201, "投诉已提交 Complaint received", &b);
        zl_buf_cleanup(&b);
    }
    json_decref(form);
    json_decref(errors);
}

struct stats {
    struct zl_req *r;
    struct zl_buf *b;
    char dim[16];
    zl_store *s;
    int suppressed; /* cells shown as "<3" */
};

static int stat_cb(void *ctx, const char *dim, const char *value, long count)
{
    struct stats *x = ctx;
    char cell[48];

    if (strcmp(x->dim, dim)) {
        if (x->dim[0])
            zl_buf_adds(x->b, "</tbody></table>");
        snprintf(x->dim, sizeof x->dim, "%s", dim);
        zl_buf_printf(x->b,
                      "<h2>%s</h2><table class=\"list\" id=\"by-%s\"><thead>"
                      "<tr><th></th><th>%s</th></tr></thead><tbody>",
                      !strcmp(dim, "category")
                          ? T(x->r, "按商品类别", "By category")
                      : !strcmp(dim, "region") ? T(x->r, "按地区", "By region")
                                               : T(x->r, "按月份", "By month"),
                      dim, T(x->r, "投诉件数", "Complaints"));
    }
    zl_portal_add_esc(x->b, "<tr><td>", value, "</td>");
    if (count < ZL_RISK_PUB_MIN_COUNT) { /* could point at a person */
        x->suppressed++;
        snprintf(cell, sizeof cell, "<td class=\"suppressed\">&lt;%d</td></tr>",
                 ZL_RISK_PUB_MIN_COUNT);
    } else
        snprintf(cell, sizeof cell, "<td>%ld</td></tr>", count);
    zl_buf_adds(x->b, cell);
    return 0;
}

/* One row of the handling table: counts, the handled share, the median
 * days from receipt to closing. */
static int pub_html(void *ctx, const struct zl_risk_pub_row *p)
{
    struct stats *x = ctx;
    struct zl_req *r = x->r;
    char cell[200], share[16], days[16];

    if (strcmp(x->dim, p->dim)) {
        if (x->dim[0])
            zl_buf_adds(x->b, "</tbody></table>");
        else
            zl_buf_printf(x->b, "<h2>%s</h2><p>%s</p>",
                          T(r, "投诉处理情况", "How complaints were handled"),
                          T(r,
                            "依据《市场监督管理投诉信息公示暂行规则》的公示"
                            "内容汇总：投诉件数、受理、不予受理、办结、和解"
                            "及办结用时（中位数，天）。重复投诉合并计算。",
                            "After the SAMR rules on publishing complaint "
                            "information, aggregated: complaints, accepted, "
                            "not accepted, closed, resolved, and the median "
                            "days to close. Duplicates are merged."));
        snprintf(x->dim, sizeof x->dim, "%s", p->dim);
        zl_buf_printf(
            x->b,
            "<h3>%s</h3><table class=\"list\" id=\"handled-%s\"><thead><tr>"
            "<th></th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
            !strcmp(p->dim, "enterprise") ? T(r, "按经营者", "By enterprise")
            : !strcmp(p->dim, "product")  ? T(r, "按商品", "By product")
                                         : T(r, "按商品类别", "By category"),
            p->dim, T(r, "投诉", "Complaints"), T(r, "受理", "Accepted"),
            T(r, "不予受理", "Not accepted"), T(r, "办结", "Closed"),
            T(r, "和解", "Resolved"), T(r, "逾期未办", "Overdue"),
            T(r, "处理率", "Handled"), T(r, "办结用时（天）", "Days to close"));
    }
    if (isnan(p->handled))
        snprintf(share, sizeof share, "-");
    else
        snprintf(share, sizeof share, "%.0f%%", 100 * p->handled);
    if (isnan(p->median_days))
        snprintf(days, sizeof days, "-");
    else
        snprintf(days, sizeof days, "%.1f", p->median_days);
    {
        /* the registered name beside the code: the enterprise by its USCC,
         * the product by its GTIN; codes alone when not registered */
        const char *name = NULL;
        struct zl_portal_product_names pn = {0};

        if (!strcmp(p->dim, "enterprise"))
            name = zl_portal_party_name(r, x->s, p->value);
        else if (!strcmp(p->dim, "product")) {
            zl_portal_product_names(r, x->s, p->value, &pn);
            name = r->lang_en && pn.en ? pn.en : pn.zh;
        }
        if (name) {
            zl_portal_add_esc(x->b, "<tr><td>", name, " <small>");
            zl_portal_add_esc(x->b, "", p->value, "</small></td>");
        } else {
            zl_portal_add_esc(x->b, "<tr><td>", p->value, "</td>");
        }
    }
    if (p->suppressed) {
        /* one or two complaints could point at who made them */
        x->suppressed++;
        snprintf(cell, sizeof cell,
                 "<td class=\"suppressed\">&lt;%d</td><td></td><td></td>"
                 "<td></td><td></td><td></td><td></td><td></td></tr>",
                 p->threshold);
    } else
        snprintf(cell, sizeof cell,
                 "<td>%ld</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%ld</td>"
                 "<td>%ld</td><td>%s</td><td>%s</td></tr>",
                 p->complaints, p->accepted, p->rejected, p->closed,
                 p->resolved, p->overdue, share, days);
    zl_buf_adds(x->b, cell);
    return 0;
}

static int pub_json(void *ctx, const struct zl_risk_pub_row *p)
{
    json_t *o = json_object();

    json_object_set_new(o, "dim", json_string(p->dim));
    json_object_set_new(o, "value", json_string(p->value));
    if (p->suppressed) { /* withheld: fewer than p->threshold complaints */
        static const char *const K[] = {
            "complaints", "duplicates",   "accepted",
            "rejected",   "closed",       "resolved",
            "overdue",    "handledShare", "medianDaysToClose",
            NULL};

        for (int i = 0; K[i]; i++)
            json_object_set_new(o, K[i], json_null());
        json_object_set_new(o, "suppressed", json_true());
        json_object_set_new(o, "lessThan", json_integer(p->threshold));
        return json_array_append_new(ctx, o) ? ZL_ENOMEM : 0;
    }
    json_object_set_new(o, "complaints", json_integer(p->complaints));
    json_object_set_new(o, "duplicates", json_integer(p->duplicates));
    json_object_set_new(o, "accepted", json_integer(p->accepted));
    json_object_set_new(o, "rejected", json_integer(p->rejected));
    json_object_set_new(o, "closed", json_integer(p->closed));
    json_object_set_new(o, "resolved", json_integer(p->resolved));
    json_object_set_new(o, "overdue", json_integer(p->overdue));
    json_object_set_new(o, "handledShare",
                        isnan(p->handled) ? json_null()
                                          : json_real(p->handled));
    json_object_set_new(o, "medianDaysToClose",
                        isnan(p->median_days) ? json_null()
                                              : json_real(p->median_days));
    return json_array_append_new(ctx, o) ? ZL_ENOMEM : 0;
}

/* /complaints?format=json: the handling rows, nothing else. */
static void stats_json(struct zl_req *r, zl_store *s)
{
    json_t *arr = json_array(), *o;
    char *t;
    int rc = zl_risk_publication(s, NULL, pub_json, arr, NULL);

    if (rc) {
        json_decref(arr);
        zl_reply_store_error(r, rc, "count the complaints");
        return;
    }
    o = json_object();
    json_object_set_new(o, "rows", arr);
    json_object_set_new(
        o, "source",
        json_string("市场监督管理投诉信息公示暂行规则 (SAMR, 2023): "
                    "aggregated, no complainant and no text"));
    t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!t) {
        zl_reply_problem(r, 500, NULL, "Internal Server Error", NULL);
        return;
    }
    zl_reply(r, 200, "application/json", t, strlen(t));
    free(t);
}

static void stats_page(struct zl_req *r)
{
    zl_store *s = zl_srv_store(r);
    struct zl_buf b;
    struct stats x = {r, &b, "", s, 0};
    int rc;

    if (!s) {
        zl_portal_error(r, 500, "服务暂时不可用", "Service unavailable");
        return;
    }
    if (zl_req_param(r, "format") &&
        !strcmp(zl_req_param(r, "format"), "json")) {
        stats_json(r, s);
        return;
    }
    zl_buf_init(&b, (size_t)4 << 20);
    zl_buf_printf(
        &b, "<section><h1>%s</h1><p>%s</p>",
        T(r, "消费投诉信息公示", "Published complaint statistics"),
        T(r,
          "按商品类别、地区和月份统计的投诉件数。不公开投诉内容和投诉人信息。",
          "Complaint counts by product category, region and month. "
          "What complainants wrote and who they are is not "
          "published."));
    rc = zl_risk_complaint_stats(s, stat_cb, &x);
    if (rc) {
        zl_buf_cleanup(&b);
        zl_reply_store_error(r, rc, "count the complaints");
        return;
    }
    if (x.dim[0])
        zl_buf_adds(&b, "</tbody></table>");
    else
        zl_buf_printf(&b, "<p class=\"muted\">%s</p>",
                      T(r, "暂无投诉。", "No complaints yet."));
    x.dim[0] = '\0';
    if ((rc = zl_risk_publication(s, NULL, pub_html, &x, NULL))) {
        zl_buf_cleanup(&b);
        zl_reply_store_error(r, rc, "count the complaints");
        return;
    }
    if (x.dim[0])
        zl_buf_adds(&b, "</tbody></table>");
    if (x.suppressed)
        zl_buf_printf(
            &b, "<p class=\"muted\" id=\"small-counts\">%s</p>",
            r->lang_en
                ? zl_arena_printf(&r->arena,
                                  "&lt;%d: fewer than %d complaints are not "
                                  "published, so that one or two of them "
                                  "cannot point to who made them.",
                                  ZL_RISK_PUB_MIN_COUNT, ZL_RISK_PUB_MIN_COUNT)
                : zl_arena_printf(&r->arena,
                                  "&lt;%d：不足%d件的不公布具体数字，"
                                  "以免据此推知投诉人。",
                                  ZL_RISK_PUB_MIN_COUNT,
                                  ZL_RISK_PUB_MIN_COUNT));
    zl_buf_printf(&b, "<p><a href=\"/complain\">%s</a></p></section>",
                  T(r, "我要投诉", "Make a complaint"));
    zl_portal_page(r, 200, T(r, "消费投诉信息公示", "Complaint statistics"),
                   &b);
    zl_buf_cleanup(&b);
}

void zl_portal_complain(struct zl_req *r)
{
    const char *m = r->method;
    int complain = !strcmp(r->segs[0], "complain");

    if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
        if (complain) { /* ?gs1=...: a product page or a scan prefills it */
            const char *g = zl_req_param(r, "gs1");
            json_t *pre = json_object();

            if (g && *g && zl_utf8_valid(g, strlen(g)) && strlen(g) <= 200)
                json_object_set_new(pre, "gs1", json_string(g));
            form_page(r, 200, pre, NULL);
            json_decref(pre);
        } else
            stats_page(r);
    } else if (complain && !strcmp(m, "POST")) {
        post(r);
    } else {
        zl_reply_header(r, "Allow", complain ? "GET, HEAD, POST" : "GET, HEAD");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
    }
}
