/*
 * resolver.c - GS1 Digital Link resolver: /01/{gtin}[/10/{lot}][/21/{ser}]
 * and the other primary keys, plus /.well-known/gs1resolver.
 *
 * A phone that scans the QR code on a pack gets the product page (HTML)
 * by default. Machines ask for the linkset (?linkType=all, or Accept:
 * application/linkset+json / application/json) and get an RFC 9264
 * linkset with GS1 link types, as GS1 conformant resolvers answer; any
 * other linkType redirects (307) to that link or answers 404. The path is
 * parsed from the raw URI with zl_gs1_parse, so check digits, lengths and
 * qualifier order are verified before anything is looked up.
 */
#include "server_int.h"

#include "zhiliang/alloc.h"

#include <jansson.h>
#include <string.h>

static const char *const KEYS[] = {"01",   "00",   "414",  "417",  "8003",
                                   "8004", "8006", "8010", "8017", "8018",
                                   "253",  "255",  "401",  "402",  NULL};

int zl_is_resolver_path(const struct zl_req *r)
{
    size_t i;

    if (r->n_segs == 2 && !strcmp(r->segs[0], ".well-known") &&
        !strcmp(r->segs[1], "gs1resolver"))
        return 1;
    if (r->n_segs < 2)
        return 0;
    for (i = 0; KEYS[i]; i++)
        if (!strcmp(r->segs[0], KEYS[i]))
            return 1;
    return 0;
}

#define VOC "https://gs1.org/voc/"

struct link {
    const char *type; /* short name after gs1: */
    const char *title_zh, *title_en;
    const char *media;
    const char *href;
};

static void well_known(struct zl_req *r)
{
    json_t *o;
    char *s;
    size_t i;
    json_t *keys = json_array();

    for (i = 0; KEYS[i]; i++)
        json_array_append_new(keys, json_string(KEYS[i]));
    o = json_pack("{s:s, s:s, s:o, s:b, s:b, s:[{s:s, s:s, s:s}], s:s, "
                  "s:[s, s]}",
                  "name", "Zhiliang GS1 Digital Link resolver", "resolverRoot",
                  zl_req_origin(r), "supportedPrimaryKeys", keys,
                  "linkTypeDefaultCanBeLinkset", 1, "validatingResolver", 1,
                  "supportedLinkType", "namespace", VOC, "prefix",
                  "gs1:", "profile", "https://www.gs1.org/voc/?show=linktypes",
                  "jsonLdContextLocation", "https://gs1.org/voc/",
                  "supportedContextValuesEnumerated", "zh", "en");
    s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) {
        zl_reply_problem(r, 500, NULL, NULL, NULL);
        return;
    }
    zl_reply(r, 200, "application/json", s, strlen(s));
    zl_free(s);
}

/* linkType value -> short name ("gs1:pip", "pip", VOC "pip" -> "pip"). */
static const char *short_type(const char *lt)
{
    if (!strncmp(lt, "gs1:", 4))
        return lt + 4;
    if (!strncmp(lt, VOC, strlen(VOC)))
        return lt + strlen(VOC);
    if (!strncmp(lt, "http://gs1.org/voc/", 19))
        return lt + 19;
    return lt;
}

static void linkset(struct zl_req *r, const char *dl, const struct link *l,
                    size_t n, int as_json)
{
    json_t *set = json_object(), *root, *arr;
    char key[128], *s;
    size_t i;

    json_object_set_new(set, "anchor", json_string(dl));
    for (i = 0; i < n; i++) {
        snprintf(key, sizeof key, VOC "%s", l[i].type);
        arr = json_pack("[{s:s, s:s, s:s, s:[s, s]}]", "href", l[i].href,
                        "title", r->lang_en ? l[i].title_en : l[i].title_zh,
                        "type", l[i].media, "hreflang", "zh", "en");
        json_object_set_new(set, key, arr);
    }
    root = json_pack("{s:[o]}", "linkset", set);
    s = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (!s) {
        zl_reply_problem(r, 500, NULL, NULL, NULL);
        return;
    }
    zl_reply(r, 200, as_json ? "application/json" : "application/linkset+json",
             s, strlen(s));
    zl_free(s);
}

void zl_h_resolver(struct zl_req *r)
{
    struct zl_gs1_id id;
    struct zl_error err;
    char dl[1024];
    const char *raw = r->raw_uri, *lt = zl_req_param(r, "linkType");
    size_t plen = strcspn(raw, "?"), i, n = 0;
    struct zl_buf enc;
    const char *origin, *self, *pip;
    struct link links[6];
    char *text;
    int want_set;

    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        zl_reply_header(r, "Allow", "GET, HEAD");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
        return;
    }
    if (!strcmp(r->segs[0], ".well-known")) {
        zl_reply_header(r, "Access-Control-Allow-Origin", "*");
        well_known(r);
        return;
    }
    memset(&err, 0, sizeof err);
    text = zl_arena_printf(&r->arena, "https://id.gs1.org%.*s", (int)plen, raw);
    if (!text || zl_gs1_parse(text, strlen(text), &id, &err) ||
        zl_gs1_to_dl(&id, 0, dl, sizeof dl) < 0) {
        char d[900];
        zl_error_format(&err, d, sizeof d);
        /* A person who scanned a damaged code gets a page, a program
         * the problem document. */
        if (zl_req_accepts(r, "text/html"))
            zl_portal_error(r, 400, "无效的商品编码（校验位或格式错误）",
                            "Invalid product code (check digit or format)");
        else
            zl_reply_problem(r, 400, NULL, "Invalid GS1 Digital Link", d);
        return;
    }
    origin = zl_req_origin(r);
    self = zl_arena_printf(&r->arena, "%s%.*s", origin, (int)plen, raw);
    zl_buf_init(&enc, 4096);
    zl_pct_encode(&enc, dl);
    pip = self;
    links[n++] = (struct link){"pip", "产品信息与追溯",
                               "Product information and "
                               "traceability",
                               "text/html", pip};
    links[n++] =
        (struct link){"defaultLink", "产品信息与追溯",
                      "Product information and traceability", "text/html", pip};
    links[n++] =
        (struct link){"traceability", "追溯数据 (JSON)",
                      "Traceability data (JSON)", "application/json",
                      zl_arena_printf(&r->arena, "%s/api/trace/back?id=%s",
                                      origin, enc.data ? enc.data : "")};
    links[n++] =
        (struct link){"recallStatus", "召回信息", "Recall status", "text/html",
                      zl_arena_printf(&r->arena, "%s/recalls", origin)};
    links[n++] = (struct link){
        "epcis", "EPCIS 事件", "EPCIS events", "application/ld+json",
        zl_arena_printf(&r->arena, "%s/epcs/%s/events", origin,
                        enc.data ? enc.data : "")};
    zl_buf_cleanup(&enc);
    for (i = 0; i < n; i++)
        if (!links[i].href) {
            zl_reply_problem(r, 500, NULL, NULL, NULL);
            return;
        }
    want_set = (lt && !strcmp(lt, "all")) ||
               (!lt && (zl_req_accepts(r, "application/linkset+json") ||
                        (zl_req_accepts(r, "application/json") &&
                         !zl_req_accepts(r, "text/html"))));
    zl_reply_header(r, "Link",
                    zl_arena_printf(&r->arena,
                                    "<%s?linkType=all>; rel=\"linkset\"; "
                                    "type=\"application/linkset+json\"",
                                    self));
    zl_reply_header(r, "Vary", "Accept");
    /* Linksets are public and read by other sites' scripts. */
    zl_reply_header(r, "Access-Control-Allow-Origin", "*");
    if (want_set) {
        linkset(r, dl, links, n,
                !zl_req_accepts(r, "application/linkset+json") &&
                    zl_req_accepts(r, "application/json"));
        return;
    }
    if (lt) {
        const char *st = short_type(lt);
        for (i = 0; i < n; i++)
            if (!strcmp(st, links[i].type)) {
                zl_reply_redirect(r, 307, links[i].href);
                return;
            }
        zl_reply_problem(r, 404, NULL, "No such link type",
                         "supported: gs1:pip, gs1:defaultLink, "
                         "gs1:traceability, gs1:recallStatus, gs1:epcis, all");
        return;
    }
    zl_portal_product(r, &id, dl);
}
