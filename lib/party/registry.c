/*
 * registry.c - the party registry's logged records (issue 9: verify
 * checks everything that can change an answer).
 *
 * Who may write (authz.c), who may read (visibility.c) and what the
 * public portal shows all come from the parties, party_gln,
 * party_prefixes, party_kinds, products and tokens tables. Every write to
 * them appends, in the same transaction, one record stating the full new
 * state of the entry it changed, as RFC 8785 canonical JSON with "type"
 * ("party", "product" or "token") and "v": 1. The record is stored in
 * registry_records (key "party:<id>", "product:<gtin14>", "token:<id>",
 * seq 1, 2, ... per key), logged as a ZL_LEAF_PARTY leaf with record key
 * "registry:<key>:<seq>", and announced in the outbox (kind "party",
 * "product" or "token", key the id). The state is read back from the
 * tables after the write, by the same function verify uses to compare the
 * tables with the last record of each key (lib/audit/registry.c), so the
 * two cannot drift apart.
 *
 * A token record states its id, party, creation and revocation times,
 * never its hash: the log is public to auditors and the hash is the
 * credential's verifier. A token row whose hash was removed cannot be
 * rebuilt from the records (reindex reports it, verify keeps naming it).
 *
 * Rejected: logging the import document as one record. A party can also
 * change through zl_party_add and zl_location_name, so the unit of a
 * record is the entry, and the state after the write is what a verifier
 * needs to check the tables against.
 */
#include "party/party_int.h"

#include "store/store.h"
#include "store/store_party.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/log.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define RECORD_V   1
#define RECORD_MAX (256 * 1024)
#define KEY_MAX    (ZL_PARTY_ID_MAX + 64)

/* ---- transactions --------------------------------------------------------
 */

int zl_registry_tx_begin(zl_store *s, int *own)
{
    *own = !zl_store_in_tx(s);
    return *own ? zl_store_begin(s) : 0;
}

int zl_registry_tx_end(zl_store *s, int own, int rc)
{
    if (!own)
        return rc;
    if (!rc)
        rc = zl_store_commit(s);
    if (rc)
        zl_store_rollback(s);
    return rc;
}

/* ---- state as JSON -------------------------------------------------------
 */

static int set_str(json_t *o, const char *k, const char *v)
{
    if (!v)
        return 0;
    return json_object_set_new(o, k, json_string(v)) ? ZL_EINVAL : 0;
}

static int dump(json_t *o, struct zl_buf *out)
{
    int rc;

    if (!o)
        return ZL_ENOMEM;
    rc = zl_jcs_dump(o, out);
    json_decref(o);
    return rc;
}

struct loc_names {
    json_t *o;
    int rc;
};

static int loc_cb(void *ctx, const struct zl_location *l)
{
    struct loc_names *n = ctx;

    n->rc = set_str(n->o, "name_zh", l->name_zh);
    if (!n->rc)
        n->rc = set_str(n->o, "name_en", l->name_en);
    return n->rc;
}

int zl_registry_party_json(zl_store *s, const struct zl_party *p,
                           struct zl_buf *out)
{
    json_t *o = json_object(), *glns = json_array(), *pre = json_array();
    size_t i;
    int rc = 0;

    if (!o || !glns || !pre) {
        json_decref(o);
        json_decref(glns);
        json_decref(pre);
        return ZL_ENOMEM;
    }
    json_object_set_new(o, "glns", glns);
    json_object_set_new(o, "prefixes", pre);
    if (json_object_set_new(o, "type", json_string("party")) ||
        json_object_set_new(o, "v", json_integer(RECORD_V)) ||
        json_object_set_new(o, "kind",
                            json_string(zl_party_kind_name(p->kind))) ||
        (rc = set_str(o, "id", p->id)) ||
        (rc = set_str(o, "name_zh", p->name_zh)) ||
        (rc = set_str(o, "name_en", p->name_en)) ||
        (rc = set_str(o, "uscc", p->uscc)) ||
        (rc = set_str(o, "role", p->role)) ||
        (rc = set_str(o, "address_zh", p->address_zh)) ||
        (rc = set_str(o, "address_en", p->address_en)) ||
        (rc = set_str(o, "region", p->region)) ||
        (rc = set_str(o, "pubkey", p->pubkey_b64))) {
        rc = rc ? rc : ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < p->n_glns; i++) {
        struct loc_names n = {json_object(), 0};

        if (!n.o || json_array_append_new(glns, n.o) ||
            (rc = set_str(n.o, "gln", p->glns[i]))) {
            rc = rc ? rc : ZL_ENOMEM;
            goto out;
        }
        rc = zl_store_location_get(s, p->glns[i], loc_cb, &n);
        if (rc == ZL_ENOTFOUND)
            rc = 0;
        if (rc || (rc = n.rc))
            goto out;
    }
    for (i = 0; i < p->n_prefixes; i++)
        if ((rc = json_array_append_new(pre, json_string(p->prefixes[i]))
                      ? ZL_EINVAL
                      : 0))
            goto out;
    return dump(o, out);
out:
    json_decref(o);
    return rc;
}

int zl_registry_product_json(const struct zl_product *p, struct zl_buf *out)
{
    json_t *o = json_object();
    int rc = 0;

    if (!o)
        return ZL_ENOMEM;
    if (json_object_set_new(o, "type", json_string("product")) ||
        json_object_set_new(o, "v", json_integer(RECORD_V)) ||
        (rc = set_str(o, "gtin", p->gtin)) ||
        (rc = set_str(o, "name_zh", p->name_zh)) ||
        (rc = set_str(o, "name_en", p->name_en)) ||
        (rc = set_str(o, "brand", p->brand)) ||
        (rc = set_str(o, "brand_en", p->brand_en)) ||
        (rc = set_str(o, "net_content", p->net_content)) ||
        (rc = set_str(o, "standard", p->standard)) ||
        (rc = set_str(o, "hotline", p->hotline)) ||
        (rc = set_str(o, "approval", p->approval)) ||
        (p->shelf_life_days &&
         json_object_set_new(o, "shelf_life_days",
                             json_integer(p->shelf_life_days)))) {
        json_decref(o);
        return rc ? rc : ZL_ENOMEM;
    }
    return dump(o, out);
}

int zl_registry_token_json(const struct zl_token_info *t, struct zl_buf *out)
{
    json_t *o = json_object();
    int rc = 0;

    if (!o)
        return ZL_ENOMEM;
    if (json_object_set_new(o, "type", json_string("token")) ||
        json_object_set_new(o, "v", json_integer(RECORD_V)) ||
        json_object_set_new(o, "created_ms", json_integer(t->created_ms)) ||
        json_object_set_new(o, "revoked_ms", json_integer(t->revoked_ms)) ||
        (rc = set_str(o, "id", t->id)) ||
        (rc = set_str(o, "party", t->party_id))) {
        json_decref(o);
        return rc ? rc : ZL_ENOMEM;
    }
    return dump(o, out);
}

/* ---- current state of one key ------------------------------------------- */

struct state {
    zl_store *s;
    const char *id;
    struct zl_buf *out;
    int found;
};

static int party_state_cb(void *ctx, const struct zl_party *p)
{
    struct state *st = ctx;

    if (strcmp(p->id, st->id)) /* found by USCC or GLN: not this id */
        return 0;
    st->found = 1;
    return zl_registry_party_json(st->s, p, st->out);
}

static int product_state_cb(void *ctx, const struct zl_product *p)
{
    struct state *st = ctx;

    st->found = 1;
    return zl_registry_product_json(p, st->out);
}

static int token_state_cb(void *ctx, const struct zl_token_info *t)
{
    struct state *st = ctx;

    if (strcmp(t->id, st->id))
        return 0;
    st->found = 1;
    return zl_registry_token_json(t, st->out);
}

int zl_registry_state(zl_store *s, const char *key, struct zl_buf *out)
{
    struct state st = {s, NULL, out, 0};
    int rc;

    if (!strncmp(key, "party:", 6)) {
        st.id = key + 6;
        rc = zl_store_party_get(s, st.id, party_state_cb, &st);
    } else if (!strncmp(key, "product:", 8)) {
        st.id = key + 8;
        rc = zl_store_product_get(s, st.id, product_state_cb, &st);
    } else if (!strncmp(key, "token:", 6)) {
        st.id = key + 6;
        rc = zl_store_token_list(s, NULL, token_state_cb, &st);
    } else {
        return ZL_EINVAL;
    }
    if (!rc && !st.found)
        rc = ZL_ENOTFOUND;
    return rc;
}

/* ---- logging ------------------------------------------------------------- */

/* zl_registry_log; outbox 0 for the migration, which changes nothing a
 * subscriber follows. */
static int log_key(zl_store *s, const char *key, int outbox)
{
    char leaf[KEY_MAX + 24];
    const char *colon = strchr(key, ':');
    char kind[16];
    struct zl_buf b;
    long seq = 0;
    int rc;

    if (!colon || (size_t)(colon - key) >= sizeof kind ||
        strlen(key) >= KEY_MAX)
        return ZL_EINVAL;
    memcpy(kind, key, (size_t)(colon - key));
    kind[colon - key] = '\0';
    zl_buf_init(&b, RECORD_MAX);
    rc = zl_registry_state(s, key, &b);
    if (!rc)
        rc = zl_store_registry_put(s, key, kind, b.data, b.len, &seq);
    if (!rc) {
        snprintf(leaf, sizeof leaf, "registry:%s:%ld", key, seq);
        rc = zl_log_append(s, ZL_LEAF_PARTY, leaf, b.data, b.len, NULL);
    }
    if (!rc && outbox)
        rc = zl_store_outbox_append(s, kind, colon + 1, zl_time_now_ms());
    zl_buf_cleanup(&b);
    return rc;
}

int zl_registry_log(zl_store *s, const char *key)
{
    return log_key(s, key, 1);
}

/* "registry:<key>:<seq>" -> key (KEY_MAX bytes) and seq. */
static int parse_leaf_key(const char *leaf, char *key, long *seq)
{
    const char *p, *colon;
    char *end;
    size_t n;

    if (strncmp(leaf, "registry:", 9))
        return ZL_ENOTFOUND;
    p = leaf + 9;
    colon = strrchr(p, ':');
    if (!colon || colon == p || (n = (size_t)(colon - p)) >= KEY_MAX)
        return ZL_ENOTFOUND;
    *seq = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || *seq < 1)
        return ZL_ENOTFOUND;
    memcpy(key, p, n);
    key[n] = '\0';
    return 0;
}

int zl_registry_record_canon(zl_store *s, const char *leaf_key, char **canon,
                             size_t *len)
{
    char key[KEY_MAX];
    char *raw = NULL;
    size_t rlen = 0;
    json_t *j;
    struct zl_buf b;
    long seq;
    int rc;

    *canon = NULL;
    if ((rc = parse_leaf_key(leaf_key, key, &seq)))
        return rc;
    if ((rc = zl_store_registry_get(s, key, seq, &raw, &rlen)))
        return rc;
    j = json_loadb(raw, rlen, JSON_REJECT_DUPLICATES, NULL);
    if (!j) { /* not JSON any more: the raw bytes, so the leaf check fails */
        *canon = raw;
        *len = rlen;
        return 0;
    }
    zl_buf_init(&b, RECORD_MAX);
    rc = zl_jcs_dump(j, &b);
    json_decref(j);
    if (rc) {
        zl_buf_cleanup(&b);
        *canon = raw;
        *len = rlen;
        return 0;
    }
    zl_free(raw);
    *len = b.len;
    *canon = b.data ? b.data : zl_strdup("");
    return *canon ? 0 : ZL_ENOMEM;
}

/* ---- the registry at the upgrade to schema 5 ----------------------------- */

struct keys {
    struct zl_buf names; /* keys, NUL-separated */
    int rc;
};

static int add_key(struct keys *k, const char *pre, const char *id)
{
    if (!k->rc && (k->rc = zl_buf_printf(&k->names, "%s%s", pre, id)) == 0)
        k->rc = zl_buf_addc(&k->names, '\0');
    return k->rc;
}

static int party_key_cb(void *ctx, const struct zl_party *p)
{
    return add_key(ctx, "party:", p->id);
}

static int product_key_cb(void *ctx, const struct zl_product *p)
{
    return add_key(ctx, "product:", p->gtin);
}

static int token_key_cb(void *ctx, const struct zl_token_info *t)
{
    return add_key(ctx, "token:", t->id);
}

int zl_registry_migrate(zl_store *s)
{
    struct keys k = {{0}, 0};
    size_t off;
    int rc;

    zl_buf_init(&k.names, (size_t)1 << 30);
    rc = zl_store_party_list(s, party_key_cb, &k);
    if (!rc)
        rc = zl_store_product_list(s, product_key_cb, &k);
    if (!rc)
        rc = zl_store_token_list(s, NULL, token_key_cb, &k);
    for (off = 0; !rc && off < k.names.len;
         off += strlen(k.names.data + off) + 1)
        rc = log_key(s, k.names.data + off, 0);
    zl_buf_cleanup(&k.names);
    return rc;
}

/* ---- reindex: rows back from a record ------------------------------------ */

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int restore_party(zl_store *s, json_t *o)
{
    const char *glns[ZL_PARTY_MAX_GLNS], *pre[ZL_PARTY_MAX_PREFIXES];
    json_t *ga = json_object_get(o, "glns"),
           *pa = json_object_get(o, "prefixes");
    struct zl_party p;
    json_t *v;
    size_t i;
    int rc;

    memset(&p, 0, sizeof p);
    p.id = jstr(o, "id");
    p.name_zh = jstr(o, "name_zh");
    p.name_en = jstr(o, "name_en");
    p.uscc = jstr(o, "uscc");
    p.role = jstr(o, "role");
    p.address_zh = jstr(o, "address_zh");
    p.address_en = jstr(o, "address_en");
    p.region = jstr(o, "region");
    p.pubkey_b64 = jstr(o, "pubkey");
    if (!p.id || !p.name_zh || zl_party_kind_parse(jstr(o, "kind"), &p.kind) ||
        json_array_size(ga) > ZL_PARTY_MAX_GLNS ||
        json_array_size(pa) > ZL_PARTY_MAX_PREFIXES)
        return ZL_EINVAL;
    json_array_foreach(ga, i, v)
    {
        if (!(glns[i] = jstr(v, "gln")))
            return ZL_EINVAL;
    }
    json_array_foreach(pa, i, v)
    {
        if (!(pre[i] = json_string_value(v)))
            return ZL_EINVAL;
    }
    p.glns = glns;
    p.n_glns = json_array_size(ga);
    p.prefixes = pre;
    p.n_prefixes = json_array_size(pa);
    if ((rc = zl_store_party_put(s, &p, 1)))
        return rc;
    json_array_foreach(ga, i, v)
    {
        if ((jstr(v, "name_zh") || jstr(v, "name_en")) &&
            (rc = zl_store_location_name(s, glns[i], jstr(v, "name_zh"),
                                         jstr(v, "name_en"))))
            return rc;
    }
    return 0;
}

int zl_registry_restore(zl_store *s, const char *json, size_t len)
{
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    const char *type = jstr(o, "type");
    json_t *c, *r;
    int rc = ZL_EINVAL;

    if (!o || !type)
        goto out;
    if (!strcmp(type, "party")) {
        rc = restore_party(s, o);
    } else if (!strcmp(type, "product")) {
        struct zl_product p = {
            jstr(o, "gtin"),
            jstr(o, "name_zh"),
            jstr(o, "name_en"),
            jstr(o, "brand"),
            jstr(o, "brand_en"),
            jstr(o, "net_content"),
            jstr(o, "standard"),
            jstr(o, "hotline"),
            jstr(o, "approval"),
            (int)json_integer_value(json_object_get(o, "shelf_life_days"))};
        if (p.gtin && p.name_zh)
            rc = zl_store_product_put(s, &p);
    } else if (!strcmp(type, "token")) {
        c = json_object_get(o, "created_ms");
        r = json_object_get(o, "revoked_ms");
        if (jstr(o, "id") && jstr(o, "party") && json_is_integer(c) &&
            json_is_integer(r))
            rc = zl_store_token_restore(s, jstr(o, "id"), jstr(o, "party"),
                                        json_integer_value(c),
                                        json_integer_value(r));
    }
out:
    json_decref(o);
    return rc;
}
