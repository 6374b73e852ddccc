/*
 * names.c - the names people know places and parties by, for every
 * surface that shows the data to a person: the portal, the CLI's tables
 * and traces, reports.
 *
 * A place (a readPoint or bizLocation in any form: SGLN URN, Digital Link
 * /414/, bare GLN) is named by its registered site and the party that
 * holds it: "呼和浩特乳品生产基地 (瑞雪乳业)", or one of them alone when the
 * other is missing or the same. A party identifier (a party GLN in any form, a
 * party ID or USCC) is named by the party. Chinese, or English when asked
 * and registered. Unregistered identifiers have no name (NULL): callers
 * show the identifier instead, never an invented name.
 *
 * A zl_names handle caches every answer, misses included, in a string
 * map (a path or a table repeats the same few places); strings it returns
 * live as long as the handle. Rejected: a cache inside the store handle
 * (master data changes under long-running readers, a handle per reader
 * scopes the staleness to one page or one command).
 */
#include "zhiliang/party.h"

#include "util/alloc.h"
#include "util/strmap.h"

#include <stdio.h>
#include <string.h>

#define NAMES_MAX 65536 /* cached answers per handle */

struct zl_names {
    zl_store *s;
    int lang_en;
    struct zl_strmap places, parties, holders; /* value: the name, or ""
                                                  for none */
};

int zl_names_open(zl_store *s, int lang_en, zl_names **out)
{
    zl_names *n = zl_calloc(1, sizeof *n);

    *out = NULL;
    if (!n)
        return ZL_ENOMEM;
    n->s = s;
    n->lang_en = lang_en;
    zl_strmap_init(&n->places, NAMES_MAX);
    zl_strmap_init(&n->parties, NAMES_MAX);
    zl_strmap_init(&n->holders, NAMES_MAX);
    *out = n;
    return 0;
}

void zl_names_close(zl_names *n)
{
    if (!n)
        return;
    zl_strmap_cleanup(&n->places, zl_free);
    zl_strmap_cleanup(&n->parties, zl_free);
    zl_strmap_cleanup(&n->holders, zl_free);
    zl_free(n);
}

struct pair {
    char *zh, *en, *party;
};

static char *dup_or_null(const char *v)
{
    return v ? zl_strndup(v, strlen(v)) : NULL;
}

static int party_cb(void *ctx, const struct zl_party *p)
{
    struct pair *x = ctx;

    x->zh = dup_or_null(p->name_zh);
    x->en = dup_or_null(p->name_en);
    return 0;
}

static int loc_cb(void *ctx, const struct zl_location *l)
{
    struct pair *x = ctx;

    x->zh = dup_or_null(l->name_zh);
    x->en = dup_or_null(l->name_en);
    x->party = dup_or_null(l->party_id);
    return 0;
}

static void pair_free(struct pair *x)
{
    zl_free(x->zh);
    zl_free(x->en);
    zl_free(x->party);
}

static const char *pick(const zl_names *n, const struct pair *x)
{
    if (n->lang_en && x->en)
        return x->en;
    return x->zh ? x->zh : x->en;
}

/* The cached answer for key in m, or looks it up with fill (which returns
 * a new string, NULL for none). NULL for no name. */
static const char *cached(zl_names *n, struct zl_strmap *m, const char *key,
                          char *(*fill)(zl_names *, const char *))
{
    struct zl_strmap_entry *e;
    int added = 0, rc;
    char *v;

    if (!key || !*key)
        return NULL;
    e = zl_strmap_find(m, key);
    if (e)
        return *(char *)e->val ? e->val : NULL;
    v = fill(n, key);
    if (!v && !(v = zl_strndup("", 0)))
        return NULL;
    if (!(e = zl_strmap_put(m, key, &added, &rc))) {
        zl_free(v); /* cache full: answer uncached next time */
        return NULL;
    }
    e->val = v;
    return *v ? v : NULL;
}

static char *place_fill(zl_names *n, const char *loc)
{
    struct pair site = {0}, party = {0};
    const char *a, *b;
    char *out = NULL;

    if (zl_location_get(n->s, loc, loc_cb, &site) == 0) {
        if (site.party)
            zl_party_get(n->s, site.party, party_cb, &party);
        a = pick(n, &site);
        b = pick(n, &party);
        if (a && b && strcmp(a, b)) {
            size_t len = strlen(a) + strlen(b) + 4;

            if ((out = zl_malloc(len)))
                snprintf(out, len, "%s (%s)", a, b);
        } else if (a || b) {
            out = dup_or_null(a ? a : b);
        }
    }
    pair_free(&site);
    pair_free(&party);
    return out;
}

static char *party_fill(zl_names *n, const char *id)
{
    struct pair p = {0};
    char gln[14];
    const char *key = zl_party_location_gln(id, gln) == 0 ? gln : id;
    char *out = NULL;

    if (zl_party_get(n->s, key, party_cb, &p) == 0)
        out = dup_or_null(pick(n, &p));
    pair_free(&p);
    return out;
}

static char *holder_fill(zl_names *n, const char *loc)
{
    struct pair site = {0}, party = {0};
    char *out = NULL;

    if (zl_location_get(n->s, loc, loc_cb, &site) == 0 && site.party &&
        zl_party_get(n->s, site.party, party_cb, &party) == 0)
        out = dup_or_null(pick(n, &party));
    pair_free(&site);
    pair_free(&party);
    return out;
}

const char *zl_names_place_holder(zl_names *n, const char *loc)
{
    return cached(n, &n->holders, loc, holder_fill);
}

const char *zl_names_place(zl_names *n, const char *loc)
{
    return cached(n, &n->places, loc, place_fill);
}

const char *zl_names_party(zl_names *n, const char *party)
{
    return cached(n, &n->parties, party, party_fill);
}
