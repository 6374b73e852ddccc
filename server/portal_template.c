/*
 * portal_template.c - a portal page is web/layout.html with its {{keys}}
 * filled in: the title, the request's language, the site's own words and
 * the page body.
 *
 * The template is embedded in the binary (zl_asset_find) and filled by a
 * plain search for "{{key}}": values are escaped before they get here
 * (zl_html_escape, the server's one HTML escaper, lives in http.c), the
 * template itself is trusted. Rejected: a template engine with loops and
 * conditionals (the pages are built in C and handed over as one body; the
 * layout only frames them).
 *
 * Also here: the headers every page carries (a strict Content-Security-
 * Policy: no script, styles and forms from this origin only) and the
 * error page, which is a page like the others.
 */
#include "portal_int.h"

#include <string.h>

/* Fill tpl: each {{key}} gets the (already escaped) value; an unknown key
 * becomes nothing. */
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

void zl_portal_headers(struct zl_req *r)
{
    zl_reply_header(r, "Content-Security-Policy",
                    r->page_script
                        ? "default-src 'none'; style-src 'self'; img-src "
                          "'self' data:; script-src 'self'; connect-src "
                          "'self'; form-action 'self'; base-uri 'none'; "
                          "frame-ancestors 'none'"
                        : "default-src 'none'; style-src 'self'; img-src "
                          "'self' data:; form-action 'self'; base-uri "
                          "'none'; frame-ancestors 'none'");
    zl_reply_header(r, "Content-Language", r->lang_en ? "en" : "zh-CN");
}

void zl_portal_page(struct zl_req *r, unsigned status, const char *title,
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
    kv[n++] = (struct zl_kv){
        "site", T(r, "质量追溯公共服务平台", "Zhiliang Traceability Portal")};
    kv[n++] = (struct zl_kv){"langq", r->lang_en ? "?lang=en" : ""};
    kv[n++] = (struct zl_kv){"search_ph", T(r, "输入或扫描商品条码、批次码",
                                            "Type or scan a product or lot "
                                            "code")};
    kv[n++] = (struct zl_kv){"search_btn", T(r, "查询", "Search")};
    kv[n++] = (struct zl_kv){
        "lang_field", r->lang_en ? "<input type=\"hidden\" name=\"lang\" "
                                   "value=\"en\">"
                                 : ""};
    kv[n++] = (struct zl_kv){"switch_href", switch_href(r)};
    kv[n++] = (struct zl_kv){"switch_lang", r->lang_en ? "zh" : "en"};
    kv[n++] = (struct zl_kv){"switch_label", r->lang_en ? "中文" : "English"};
    kv[n++] = (struct zl_kv){"recalls_link", T(r, "召回信息", "Recalls")};
    kv[n++] = (struct zl_kv){"log_link", T(r, "公开日志", "Public log")};
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
        zl_portal_headers(r);
    }
    zl_buf_cleanup(&t);
}

int zl_portal_add_esc(struct zl_buf *b, const char *before, const char *v,
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
    zl_portal_add_esc(&b, "<section><h1>", T(r, zh, en), "</h1><p><a href=\"/");
    zl_buf_adds(&b, r->lang_en ? "?lang=en" : "");
    zl_buf_adds(&b, "\">");
    zl_html_escape(&b, T(r, "返回首页", "Home"));
    zl_buf_adds(&b, "</a></p></section>");
    zl_portal_page(r, status, T(r, zh, en), &b);
    zl_buf_cleanup(&b);
}
