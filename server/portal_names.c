/*
 * portal_names.c - the names a portal page shows for the identifiers in
 * the data: places and parties through the library's zl_names (lib/party/
 * names.c: "site (party)", registered names only, Chinese or English),
 * one handle a request, opened at the first name and closed with the
 * request, so a path that repeats the same few places looks each up
 * once; and products (by GTIN), looked up directly (a page names only a
 * few), with their maker: the party owning the GS1 Company Prefix,
 * its address, and its production licence (SC) from the supervision
 * registry when it is registered there. Rejected: a server-wide cache (master
 * data changes under a running server, and the page cache already covers
 * repeated pages).
 */
#include "portal_int.h"

#include "zhiliang/inspect.h"

#include <jansson.h>
#include <string.h>

static zl_names *names(struct zl_req *r, zl_store *s)
{
    if (!r->names && zl_names_open(s, r->lang_en, &r->names))
        r->names = NULL;
    return r->names;
}

const char *zl_portal_place_name(struct zl_req *r, zl_store *s, const char *loc)
{
    zl_names *n = loc ? names(r, s) : NULL;

    return n ? zl_names_place(n, loc) : NULL;
}

const char *zl_portal_place_holder(struct zl_req *r, zl_store *s,
                                   const char *loc)
{
    zl_names *n = loc ? names(r, s) : NULL;

    return n ? zl_names_place_holder(n, loc) : NULL;
}

const char *zl_portal_party_name(struct zl_req *r, zl_store *s,
                                 const char *pgln)
{
    zl_names *n = pgln ? names(r, s) : NULL;

    return n ? zl_names_party(n, pgln) : NULL;
}

/* ---- products
 * ---------------------------------------------------------------- */

struct product_ctx {
    struct zl_req *r;
    struct zl_portal_product_names *pn;
};

static char *copy(struct zl_arena *a, const char *v)
{
    return v ? zl_arena_strndup(a, v, strlen(v)) : NULL;
}

static int product_cb(void *ctx, const struct zl_product *p)
{
    struct product_ctx *pc = ctx;
    struct zl_portal_product_names *pn = pc->pn;
    struct zl_arena *a = &pc->r->arena;

    pn->zh = copy(a, p->name_zh);
    pn->en = copy(a, p->name_en);
    pn->brand = copy(a, p->brand);
    pn->brand_en = copy(a, p->brand_en);
    pn->net_content = copy(a, p->net_content);
    pn->standard = copy(a, p->standard);
    pn->hotline = copy(a, p->hotline);
    pn->approval = copy(a, p->approval);
    pn->shelf_life_days = p->shelf_life_days;
    return 0;
}

void zl_portal_product_names(struct zl_req *r, zl_store *s, const char *gtin,
                             struct zl_portal_product_names *pn)
{
    struct product_ctx pc = {r, pn};

    memset(pn, 0, sizeof *pn);
    if (gtin)
        zl_product_get(s, gtin, product_cb, &pc);
}

struct maker_ctx {
    struct zl_req *r;
    struct zl_portal_maker *m;
};

static int maker_cb(void *ctx, const struct zl_party *p)
{
    struct maker_ctx *c = ctx;
    struct zl_arena *a = &c->r->arena;
    const char *n = c->r->lang_en && p->name_en ? p->name_en : p->name_zh;
    const char *ad =
        c->r->lang_en && p->address_en ? p->address_en : p->address_zh;

    c->m->name = n ? zl_arena_printf(a, "%s", n) : NULL;
    c->m->address = ad ? zl_arena_printf(a, "%s", ad) : NULL;
    c->m->uscc = p->uscc ? zl_arena_printf(a, "%s", p->uscc) : NULL;
    return 0;
}

/* The SC licence number of enterprise uscc in the supervision registry,
 * in r's arena, or NULL. */
static const char *sc_licence(struct zl_req *r, zl_store *s, const char *uscc)
{
    const char *out = NULL;
    json_t *e = NULL, *l;
    char *json = NULL;
    size_t len = 0, i;

    if (zl_sup_get(s, ZL_SUP_ENTERPRISE, uscc, &json, &len) == 0)
        e = json_loadb(json, len, 0, NULL);
    json_array_foreach(json_object_get(e, "licences"), i, l)
    {
        const char *t = json_string_value(json_object_get(l, "type"));
        const char *no = json_string_value(json_object_get(l, "number"));

        if (t && no && !strcmp(t, "SC")) {
            out = zl_arena_printf(&r->arena, "%s", no);
            break;
        }
    }
    json_decref(e);
    zl_free(json);
    return out;
}

void zl_portal_maker(struct zl_req *r, zl_store *s, const char *id,
                     struct zl_portal_maker *m)
{
    char party[ZL_PARTY_ID_MAX];
    struct maker_ctx c = {r, m};

    memset(m, 0, sizeof *m);
    if (!id || zl_party_prefix_owner(s, id, party, NULL) ||
        zl_party_get(s, party, maker_cb, &c))
        return;
    if (m->uscc)
        m->licence = sc_licence(r, s, m->uscc);
}
