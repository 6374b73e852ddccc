/*
 * party.c - the party registry, location names, the registry JSON import
 * (parties and products) and the location check.
 *
 * Validation happens here, storage in lib/store/sqlite_party.c. The write
 * rule that uses these registries is lib/party/authz.c; products are
 * product.c, API tokens token.c.
 */
#include "zhiliang/party.h"

#include "party/party_int.h"

#include "store/store.h"
#include "store/store_party.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/timefmt.h"

#include <jansson.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

int zl_party_all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int check_gln(const char *g, struct zl_error *err)
{
    size_t n = strlen(g);

    if (n != 13 || !zl_party_all_digits(g, n))
        return zl_error_set(err, ZL_EINVAL, "glns", "a GLN has 13 digits", g,
                            (size_t)-1);
    if (zl_gs1_check_digit(g, 12) != g[12] - '0')
        return zl_error_set(err, ZL_ECHECK, "glns", "GLN check digit", g,
                            (size_t)-1);
    return 0;
}

static int check_prefix(const char *g, struct zl_error *err)
{
    size_t n = strlen(g);

    if (n < 4 || n > 12 || !zl_party_all_digits(g, n))
        return zl_error_set(err, ZL_EINVAL, "companyPrefixes",
                            "a GS1 Company Prefix has 4 to 12 digits", g,
                            (size_t)-1);
    return 0;
}

/* GB/T 2260: 2 (province), 4 (prefecture) or 6 (county) digits. */
static int check_region(const char *r, struct zl_error *err)
{
    size_t n = strlen(r);

    if ((n != 2 && n != 4 && n != 6) || !zl_party_all_digits(r, n))
        return zl_error_set(err, ZL_EINVAL, "region",
                            "a GB/T 2260 region code has 2, 4 or 6 digits", r,
                            (size_t)-1);
    return 0;
}

int zl_party_kind_parse(const char *s, enum zl_party_kind *out)
{
    if (!s || !strcmp(s, "enterprise"))
        *out = ZL_PARTY_ENTERPRISE;
    else if (!strcmp(s, "regulator"))
        *out = ZL_PARTY_REGULATOR;
    else if (!strcmp(s, "operator"))
        *out = ZL_PARTY_OPERATOR;
    else
        return ZL_EINVAL;
    return 0;
}

const char *zl_party_kind_name(enum zl_party_kind k)
{
    switch (k) {
    case ZL_PARTY_REGULATOR: return "regulator";
    case ZL_PARTY_OPERATOR: return "operator";
    case ZL_PARTY_ENTERPRISE: break;
    }
    return "enterprise";
}

/* zl_party_add; log 0: the caller logs the party (import, after naming
 * its locations). */
static int party_add(zl_store *s, const struct zl_party *p, int replace,
                     char *id_out, int log, struct zl_error *err)
{
    struct zl_party q = *p;
    char idbuf[ZL_PARTY_ID_MAX], key[ZL_PARTY_ID_MAX + 8];
    uint8_t pk[48];
    size_t i, klen;
    int rc, own = 0;

    if (!p->name_zh || !p->name_zh[0])
        return zl_error_set(err, ZL_EINVAL, "name_zh", "a party needs a name",
                            NULL, 0);
    if (p->uscc && p->uscc[0] &&
        (rc = zl_uscc_validate(p->uscc, strlen(p->uscc), err)))
        return rc;
    if (p->n_glns > ZL_PARTY_MAX_GLNS)
        return zl_error_set(err, ZL_ELIMIT, "glns", "too many GLNs", NULL, 0);
    for (i = 0; i < p->n_glns; i++)
        if ((rc = check_gln(p->glns[i], err)))
            return rc;
    if (p->n_prefixes > ZL_PARTY_MAX_PREFIXES)
        return zl_error_set(err, ZL_ELIMIT, "companyPrefixes",
                            "too many Company Prefixes", NULL, 0);
    for (i = 0; i < p->n_prefixes; i++)
        if ((rc = check_prefix(p->prefixes[i], err)))
            return rc;
    if ((unsigned)p->kind > ZL_PARTY_OPERATOR)
        return zl_error_set(err, ZL_EINVAL, "kind",
                            "enterprise, regulator or operator", NULL, 0);
    if (p->region && p->region[0] && (rc = check_region(p->region, err)))
        return rc;
    if (p->kind == ZL_PARTY_REGULATOR && !(p->region && p->region[0]))
        return zl_error_set(err, ZL_EINVAL, "region",
                            "a regulator needs the GB/T 2260 code of its "
                            "region",
                            NULL, 0);
    if (p->pubkey_b64 && p->pubkey_b64[0]) {
        if (strlen(p->pubkey_b64) > 60 ||
            zl_base64_decode(p->pubkey_b64, strlen(p->pubkey_b64), pk, &klen) ||
            klen != 32)
            return zl_error_set(err, ZL_EINVAL, "pubkey",
                                "an Ed25519 public key is 32 bytes, base64",
                                p->pubkey_b64, (size_t)-1);
    }
    if (!q.id || !q.id[0]) {
        if (q.uscc && q.uscc[0])
            snprintf(idbuf, sizeof idbuf, "%s", q.uscc);
        else if (q.n_glns)
            snprintf(idbuf, sizeof idbuf, "gln:%s", q.glns[0]);
        else
            return zl_error_set(err, ZL_EINVAL, "id",
                                "a party needs an id, a USCC or a GLN", NULL,
                                0);
        q.id = idbuf;
    }
    if (strlen(q.id) >= ZL_PARTY_ID_MAX)
        return zl_error_set(err, ZL_ELIMIT, "id", "party id too long", q.id,
                            (size_t)-1);
    if (q.uscc && !q.uscc[0])
        q.uscc = NULL;
    if (q.region && !q.region[0])
        q.region = NULL;
    snprintf(key, sizeof key, "party:%s", q.id);
    if ((rc = zl_registry_tx_begin(s, &own)))
        return zl_error_set(err, rc, NULL, "store failed", NULL, 0);
    rc = zl_store_party_put(s, &q, replace);
    if (!rc && log)
        rc = zl_registry_log(s, key);
    rc = zl_registry_tx_end(s, own, rc);
    if (rc == ZL_EEXIST)
        return zl_error_set(err, rc, "id",
                            "party exists or one of its GLNs or Company "
                            "Prefixes belongs to another party",
                            q.id, (size_t)-1);
    if (rc)
        return zl_error_set(err, rc, NULL, "store failed", NULL, 0);
    if (id_out)
        snprintf(id_out, ZL_PARTY_ID_MAX, "%s", q.id);
    return 0;
}

int zl_party_add(zl_store *s, const struct zl_party *p, int replace,
                 char *id_out, struct zl_error *err)
{
    return party_add(s, p, replace, id_out, 1, err);
}

int zl_party_get(zl_store *s, const char *key, zl_party_cb cb, void *ctx)
{
    return zl_store_party_get(s, key, cb, ctx);
}

/* zl_party_find's scan: exact and partial name matches, the first few
 * of each kept for the answer. */
struct find {
    const char *q;
    size_t n_exact, n_part;
    char exact[5][ZL_PARTY_ID_MAX], part[5][ZL_PARTY_ID_MAX];
};

static int copy_id_cb(void *ctx, const struct zl_party *p)
{
    snprintf(ctx, ZL_PARTY_ID_MAX, "%s", p->id);
    return 0;
}

static int find_cb(void *ctx, const struct zl_party *p)
{
    struct find *f = ctx;
    const char *en = p->name_en ? p->name_en : "";
    int exact = (p->name_zh && !strcmp(p->name_zh, f->q)) ||
                (*en && !strcasecmp(en, f->q));
    int part = exact || (p->name_zh && strstr(p->name_zh, f->q)) ||
               (*en && strcasestr(en, f->q));

    if (exact && f->n_exact++ < 5)
        snprintf(f->exact[f->n_exact - 1], ZL_PARTY_ID_MAX, "%s", p->id);
    if (part && f->n_part++ < 5)
        snprintf(f->part[f->n_part - 1], ZL_PARTY_ID_MAX, "%s", p->id);
    return 0;
}

int zl_party_find(zl_store *s, const char *q, char id[ZL_PARTY_ID_MAX],
                  struct zl_error *err)
{
    struct find f;
    char(*ids)[ZL_PARTY_ID_MAX], listed[5 * ZL_PARTY_ID_MAX + 16];
    size_t n, i, len = 0;
    int rc;

    if (!q || !*q)
        return zl_error_set(err, ZL_EINVAL, "party", "a party is named", NULL,
                            0);
    rc = zl_party_get(s, q, copy_id_cb, id);
    if (rc != ZL_ENOTFOUND)
        return rc;
    memset(&f, 0, sizeof f);
    f.q = q;
    if ((rc = zl_party_list(s, find_cb, &f)))
        return rc;
    n = f.n_exact ? f.n_exact : f.n_part;
    ids = f.n_exact ? f.exact : f.part;
    if (n == 1) {
        memcpy(id, ids[0], ZL_PARTY_ID_MAX);
        return 0;
    }
    if (n == 0)
        return zl_error_set(err, ZL_ENOTFOUND, "party",
                            "no party has this ID, USCC, GLN or name", q,
                            strlen(q));
    for (i = 0; i < n && i < 5; i++)
        len += (size_t)snprintf(listed + len, sizeof listed - len, "%s%s",
                                i ? "; " : "", ids[i]);
    return zl_error_setf(err, ZL_EINVAL, "party", q,
                         "%zu parties are named so; give one's ID: %s%s", n,
                         listed, n > 5 ? "; ..." : "");
}

int zl_location_name(zl_store *s, const char *gln, const char *name_zh,
                     const char *name_en)
{
    char owner[ZL_PARTY_ID_MAX], key[ZL_PARTY_ID_MAX + 8];
    int rc, own = 0;

    if ((rc = zl_registry_tx_begin(s, &own)))
        return rc;
    rc = zl_store_location_name(s, gln, name_zh, name_en);
    if (!rc)
        rc = zl_store_gln_owner(s, gln, owner);
    if (!rc) { /* a GLN's names are part of its party's record */
        snprintf(key, sizeof key, "party:%s", owner);
        rc = zl_registry_log(s, key);
    }
    return zl_registry_tx_end(s, own, rc);
}

int zl_location_get(zl_store *s, const char *loc, zl_location_cb cb, void *ctx)
{
    char gln[14];

    if (zl_party_location_gln(loc, gln))
        return ZL_ENOTFOUND;
    return zl_store_location_get(s, gln, cb, ctx);
}

int zl_party_list(zl_store *s, zl_party_cb cb, void *ctx)
{
    return zl_store_party_list(s, cb, ctx);
}

/* ---- JSON import -------------------------------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* "nameZh"/"nameEn", "name_zh"/"name_en", "name": {"zh","en"} or
 * "name": "...". */
static void names(json_t *o, const char *k, const char **zh, const char **en)
{
    json_t *v = json_object_get(o, k);
    char kz[32], ke[32];

    snprintf(kz, sizeof kz, "%sZh", k);
    snprintf(ke, sizeof ke, "%sEn", k);
    *zh = jstr(o, kz);
    *en = jstr(o, ke);
    snprintf(kz, sizeof kz, "%s_zh", k);
    snprintf(ke, sizeof ke, "%s_en", k);
    if (!*zh)
        *zh = jstr(o, kz);
    if (!*en)
        *en = jstr(o, ke);
    if (json_is_object(v)) {
        if (!*zh)
            *zh = jstr(v, "zh");
        if (!*en)
            *en = jstr(v, "en");
    } else if (json_is_string(v) && !*zh) {
        *zh = json_string_value(v);
    }
}

/* err->path "x" becomes "<arr>[idx].x", truncated to fit. */
static void prefix_path(struct zl_error *err, const char *arr, size_t idx)
{
    char pre[64];
    size_t n, m;

    if (!err)
        return;
    n = (size_t)snprintf(pre, sizeof pre, "%s[%zu].", arr, idx);
    m = strlen(err->path);
    if (n + m >= sizeof err->path)
        m = sizeof err->path - 1 - n;
    memmove(err->path + n, err->path, m);
    memcpy(err->path, pre, n);
    err->path[n + m] = '\0';
}

/* Add gln to glns[] unless present. */
static int add_gln(const char **glns, size_t *n, const char *g)
{
    size_t i;

    if (!g)
        return 0;
    for (i = 0; i < *n; i++)
        if (strcmp(glns[i], g) == 0)
            return 0;
    if (*n >= ZL_PARTY_MAX_GLNS)
        return ZL_ELIMIT;
    glns[(*n)++] = g;
    return 0;
}

static int import_party(zl_store *s, json_t *o, size_t idx,
                        struct zl_error *err)
{
    const char *glns[ZL_PARTY_MAX_GLNS];
    const char *prefixes[ZL_PARTY_MAX_PREFIXES];
    char id[ZL_PARTY_ID_MAX], key[ZL_PARTY_ID_MAX + 8];
    struct zl_party p;
    struct zl_buf addr;
    json_t *g, *v, *a, *locs;
    size_t i;
    int rc = 0;

    memset(&p, 0, sizeof p);
    zl_buf_init(&addr, 1024);
    if (!json_is_object(o)) {
        rc = zl_error_setf(err, ZL_EINVAL, "$.parties", NULL,
                           "party %zu is not an object", idx);
        goto out;
    }
    p.id = jstr(o, "id");
    names(o, "name", &p.name_zh, &p.name_en);
    names(o, "address", &p.address_zh, &p.address_en);
    a = json_object_get(o, "address");
    if (json_is_object(a) && !p.address_zh && jstr(a, "province")) {
        /* Chinese order: province, city, street, no separators. */
        if (zl_buf_adds(&addr, jstr(a, "province")) ||
            (jstr(a, "city") && zl_buf_adds(&addr, jstr(a, "city"))) ||
            (jstr(a, "street") && zl_buf_adds(&addr, jstr(a, "street")))) {
            rc = zl_error_set(err, ZL_ELIMIT, "address", "too long", NULL, 0);
            goto out;
        }
        p.address_zh = addr.data;
    }
    p.uscc = jstr(o, "uscc");
    p.role = jstr(o, "role");
    p.pubkey_b64 = jstr(o, "pubkey");
    rc = add_gln(glns, &p.n_glns, jstr(o, "gln"));
    g = json_object_get(o, "glns");
    json_array_foreach(g, i, v)
    {
        if (!rc)
            rc = add_gln(glns, &p.n_glns, json_string_value(v));
    }
    locs = json_object_get(o, "locations");
    json_array_foreach(locs, i, v)
    {
        if (!rc)
            rc = add_gln(glns, &p.n_glns, jstr(v, "gln"));
    }
    if (rc) {
        rc = zl_error_setf(err, rc, "glns", NULL, "at most %d GLNs",
                           ZL_PARTY_MAX_GLNS);
        goto out;
    }
    p.glns = glns;
    p.prefixes = prefixes;
    g = json_object_get(o, "companyPrefixes");
    if (g && !json_is_array(g)) {
        rc = zl_error_set(err, ZL_EINVAL, "companyPrefixes",
                          "an array of strings", NULL, 0);
        goto out;
    }
    json_array_foreach(g, i, v)
    {
        if (!json_is_string(v)) {
            rc = zl_error_set(err, ZL_EINVAL, "companyPrefixes",
                              "an array of strings", NULL, 0);
            goto out;
        }
        if (p.n_prefixes == ZL_PARTY_MAX_PREFIXES) {
            rc = zl_error_setf(err, ZL_ELIMIT, "companyPrefixes", NULL,
                               "at most %d Company Prefixes",
                               ZL_PARTY_MAX_PREFIXES);
            goto out;
        }
        prefixes[p.n_prefixes++] = json_string_value(v);
    }
    if (zl_party_kind_parse(jstr(o, "kind"), &p.kind)) {
        rc = zl_error_set(err, ZL_EINVAL, "kind",
                          "enterprise, regulator or operator", jstr(o, "kind"),
                          (size_t)-1);
        goto out;
    }
    p.region = jstr(o, "region");
    if ((rc = party_add(s, &p, 1, id, 0, err)))
        goto out;
    json_array_foreach(locs, i, v)
    {
        const char *zh, *en;
        names(v, "name", &zh, &en);
        if ((zh || en) && jstr(v, "gln") &&
            (rc = zl_store_location_name(s, jstr(v, "gln"), zh, en))) {
            zl_error_set(err, rc, "locations", "store failed", NULL, 0);
            goto out;
        }
    }
    /* one record per party, with its locations named */
    snprintf(key, sizeof key, "party:%s", id);
    if ((rc = zl_registry_log(s, key)))
        zl_error_set(err, rc, NULL, "store failed", NULL, 0);
out:
    if (rc)
        prefix_path(err, "$.parties", idx);
    zl_buf_cleanup(&addr);
    return rc;
}

/* "shelfLifeDays": absent, or a whole number of days. */
static int shelf_days(json_t *o, int *out, struct zl_error *err)
{
    json_t *v = json_object_get(o, "shelfLifeDays");

    *out = 0;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > 36500)
        return zl_error_set(err, ZL_EINVAL, "shelfLifeDays",
                            "shelf life is a whole number of days, 1 to 36500",
                            NULL, 0);
    *out = (int)json_integer_value(v);
    return 0;
}

static int import_product(zl_store *s, json_t *o, size_t idx,
                          struct zl_error *err)
{
    struct zl_product p;
    int rc;

    memset(&p, 0, sizeof p);
    if (!json_is_object(o))
        return zl_error_setf(err, ZL_EINVAL, "$.products", NULL,
                             "product %zu is not an object", idx);
    p.gtin = jstr(o, "gtin");
    names(o, "name", &p.name_zh, &p.name_en);
    names(o, "brand", &p.brand, &p.brand_en);
    p.net_content = jstr(o, "netContent");
    p.standard = jstr(o, "standard");
    p.hotline = jstr(o, "hotline");
    p.approval = jstr(o, "approvalNumber");
    if ((rc = shelf_days(o, &p.shelf_life_days, err)) == 0)
        rc = zl_product_put(s, &p, err);
    if (rc)
        prefix_path(err, "$.products", idx);
    return rc;
}

int zl_party_import_json(zl_store *s, const char *buf, size_t len,
                         size_t *n_parties, size_t *n_products,
                         struct zl_error *err)
{
    json_t *root = NULL, *arr, *v;
    json_error_t jerr;
    size_t i, np = 0, nq = 0;
    int rc, in_tx = 0;

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        rc = zl_error_set(err, ZL_ESYNTAX, "$",
                          root ? "not an object" : jerr.text, NULL, 0);
        goto out;
    }
    if ((rc = zl_store_begin(s))) {
        zl_error_set(err, rc, NULL, "store failed", NULL, 0);
        goto out;
    }
    in_tx = 1;
    arr = json_object_get(root, "parties");
    json_array_foreach(arr, i, v)
    {
        if ((rc = import_party(s, v, i, err)))
            goto out;
        np++;
    }
    arr = json_object_get(root, "products");
    json_array_foreach(arr, i, v)
    {
        if ((rc = import_product(s, v, i, err)))
            goto out;
        nq++;
    }
    if ((rc = zl_store_commit(s)))
        goto out;
    in_tx = 0;
    if (n_parties)
        *n_parties = np;
    if (n_products)
        *n_products = nq;
out:
    if (in_tx)
        zl_store_rollback(s);
    json_decref(root);
    return rc;
}

/* ---- access control ----------------------------------------------------- */

int zl_party_location_gln(const char *loc, char gln[14])
{
    struct zl_gs1_id id;
    size_t n = loc ? strlen(loc) : 0;

    if (n == 13 && zl_party_all_digits(loc, 13)) {
        if (zl_gs1_check_digit(loc, 12) != loc[12] - '0')
            return ZL_EINVAL;
        memcpy(gln, loc, 14);
        return 0;
    }
    if (!n || zl_gs1_parse(loc, n, &id, NULL))
        return ZL_EINVAL;
    if ((id.scheme != ZL_GS1_SGLN && id.scheme != ZL_GS1_PGLN) ||
        strlen(id.ais[0].value) != 13)
        return ZL_EINVAL;
    memcpy(gln, id.ais[0].value, 14);
    return 0;
}

int zl_party_prefix_owner(zl_store *s, const char *id,
                          char party_id[ZL_PARTY_ID_MAX], char *prefix_out)
{
    struct zl_gs1_id g;
    const char *key;
    char pre[13];
    size_t n = id ? strlen(id) : 0;
    int rc;

    if (!n || zl_gs1_parse(id, n, &g, NULL) || g.n_ais == 0)
        return ZL_ENOTFOUND;
    key = g.ais[0].value;
    /* GTIN-14 and ITIP start with the indicator digit, SSCC with the
     * extension digit, GRAI with a padding zero: the Company Prefix
     * follows. */
    if (!strcmp(g.ais[0].ai, "01") || !strcmp(g.ais[0].ai, "00") ||
        !strcmp(g.ais[0].ai, "8006") || !strcmp(g.ais[0].ai, "8003"))
        key++;
    rc = zl_store_prefix_owner(s, key, party_id, pre);
    if (!rc && prefix_out)
        memcpy(prefix_out, pre, 13);
    return rc;
}

/* 1 if loc is a GLN of party, 0 if not (or not a GLN), < 0 on error. */
static int owns(zl_store *s, const char *party, const char *loc)
{
    char gln[14], owner[ZL_PARTY_ID_MAX];
    int rc;

    if (zl_party_location_gln(loc, gln))
        return 0;
    rc = zl_store_gln_owner(s, gln, owner);
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    return strcmp(owner, party) == 0;
}

int zl_party_check_event(zl_store *s, const char *party_id,
                         const struct zl_event *ev, struct zl_error *err)
{
    size_t i;
    int rc;

    if (ev->read_point) {
        if ((rc = owns(s, party_id, ev->read_point)) < 0)
            return rc;
        if (!rc)
            return zl_error_set(err, ZL_EPERM, "readPoint.id",
                                "not a location of the capturing party",
                                ev->read_point, (size_t)-1);
    }
    if (ev->biz_location) {
        if ((rc = owns(s, party_id, ev->biz_location)) < 0)
            return rc;
        if (!rc)
            return zl_error_set(err, ZL_EPERM, "bizLocation.id",
                                "not a location of the capturing party",
                                ev->biz_location, (size_t)-1);
    }
    if (!ev->n_sources && !ev->n_destinations)
        return 0;
    for (i = 0; i < ev->n_sources; i++)
        if ((rc = owns(s, party_id, ev->sources[i].value)) != 0)
            return rc < 0 ? rc : 0;
    for (i = 0; i < ev->n_destinations; i++)
        if ((rc = owns(s, party_id, ev->destinations[i].value)) != 0)
            return rc < 0 ? rc : 0;
    return zl_error_set(err, ZL_EPERM,
                        ev->n_sources ? "sourceList" : "destinationList",
                        "the capturing party is neither a source nor a "
                        "destination",
                        NULL, 0);
}
