/*
 * portal_names.c - the names a portal page shows for the identifiers in
 * the data: places (a site and the party it belongs to), parties (by
 * party GLN) and products (by GTIN), all from registered master data in
 * the request's language (Chinese when the English name is missing).
 *
 * Places and parties are cached for the request (a path repeats the same
 * few places, and the product page names each row's place and
 * destination): a small array in the request's arena, searched linearly,
 * capped at NAME_CACHE entries (past it lookups simply go to the store).
 * A miss is cached too, as NULL, because an unregistered GLN stays
 * unnamed. Rejected: a server-wide cache (master data changes under a
 * running server, and the page cache already covers repeated pages).
 * Products are not cached: a page looks up only a few of them (one on a
 * product page, one per lot or case on /recalls).
 */
#include "portal_int.h"

#include <string.h>

#define NAME_CACHE 64

struct names {
    struct zl_req *r;
    char *zh, *en, *extra;
};

static int party_names_cb(void *ctx, const struct zl_party *p)
{
    struct names *n = ctx;

    n->zh = p->name_zh
                ? zl_arena_strndup(&n->r->arena, p->name_zh, strlen(p->name_zh))
                : NULL;
    n->en = p->name_en
                ? zl_arena_strndup(&n->r->arena, p->name_en, strlen(p->name_en))
                : NULL;
    n->extra = p->address_zh ? zl_arena_strndup(&n->r->arena, p->address_zh,
                                                strlen(p->address_zh))
                             : NULL;
    return 0;
}

static int loc_cb(void *ctx, const struct zl_location *l)
{
    struct names *n = ctx;

    n->zh = l->name_zh
                ? zl_arena_strndup(&n->r->arena, l->name_zh, strlen(l->name_zh))
                : NULL;
    n->en = l->name_en
                ? zl_arena_strndup(&n->r->arena, l->name_en, strlen(l->name_en))
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

/* ---- per-request cache --------------------------------------------------- */

/* kind: 'l' a location identifier, 'p' a party GLN identifier. */
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

/* Remember val (may be NULL) for key when there is room; returns val. */
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

/* ---- places and parties ----------------------------------------------------
 */

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

const char *zl_portal_place_name(struct zl_req *r, zl_store *s, const char *loc)
{
    const char *v;

    if (!loc)
        return NULL;
    if (cache_get(r, 'l', loc, &v))
        return v;
    return cache_put(r, 'l', loc, place_name_uncached(r, s, loc));
}

const char *zl_portal_party_name(struct zl_req *r, zl_store *s,
                                 const char *pgln)
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

/* ---- products
 * ---------------------------------------------------------------- */

struct product_ctx {
    struct zl_req *r;
    struct zl_portal_product_names *pn;
};

static int product_cb(void *ctx, const struct zl_product *p)
{
    struct product_ctx *pc = ctx;
    struct zl_portal_product_names *pn = pc->pn;
    struct zl_arena *a = &pc->r->arena;

    pn->zh =
        p->name_zh ? zl_arena_strndup(a, p->name_zh, strlen(p->name_zh)) : NULL;
    pn->en =
        p->name_en ? zl_arena_strndup(a, p->name_en, strlen(p->name_en)) : NULL;
    pn->brand =
        p->brand ? zl_arena_strndup(a, p->brand, strlen(p->brand)) : NULL;
    pn->brand_en = p->brand_en
                       ? zl_arena_strndup(a, p->brand_en, strlen(p->brand_en))
                       : NULL;
    return 0;
}

void zl_portal_product_names(struct zl_req *r, zl_store *s, const char *gtin,
                             struct zl_portal_product_names *pn)
{
    struct product_ctx pc = {r, pn};

    *pn = (struct zl_portal_product_names){NULL, NULL, NULL, NULL};
    if (gtin)
        zl_product_get(s, gtin, product_cb, &pc);
}
