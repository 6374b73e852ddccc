/*
 * registry.c - the party registry against its records (verify and
 * reindex; the records are lib/party/registry.c).
 *
 * verify: every registry record must have its leaf (the log pass checks
 * each leaf against its stored row), and the parties, party_gln,
 * party_prefixes, party_kinds, products and tokens tables must say what
 * the last record of each key says. Each table entry is turned into the
 * record it would log (the same function the writers use) and compared
 * byte for byte with the JCS of the last record; an entry with no record
 * and a GLN, prefix or kind row of no party are "derived-extra", an entry
 * that differs from its record or whose row is gone "derived-altered",
 * each naming the key. Token hashes are in no record and not compared.
 *
 * reindex: the five party and product tables are cleared and rewritten
 * from the last record of each key whose leaf still verifies; token rows
 * get their party and times back, but a token whose row is gone stays
 * gone (its hash is in no record) and is counted as lost.
 */
#include "audit/audit_int.h"

#include "party/party_int.h"
#include "store/store.h"
#include "store/store_party.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/jcs.h"
#include "zhiliang/log.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define REG_MAX ((size_t)1 << 24) /* registry entries a pass holds */
#define REC_MAX (256 * 1024)

struct reg {
    struct audit *a;
    zl_store *s;
    struct zl_strmap last; /* key -> JCS of its last record (owned) */
    struct zl_buf cur;
    int rc;
};

static void free_val(void *v)
{
    zl_free(v);
}

static int last_cb(void *ctx, const char *key, long seq, const char *kind,
                   const char *json, size_t len)
{
    struct reg *r = ctx;
    struct zl_strmap_entry *e;
    struct zl_buf b;
    json_t *j;
    int rc = 0;

    (void)seq;
    (void)kind;
    if (!(e = zl_strmap_put(&r->last, key, NULL, &rc)))
        return rc;
    zl_buf_init(&b, REC_MAX);
    j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    if (!j || zl_jcs_dump(j, &b)) { /* compare the raw bytes: they differ */
        zl_buf_reset(&b);
        rc = zl_buf_add(&b, json, len);
    }
    json_decref(j);
    if (rc) {
        zl_buf_cleanup(&b);
        return rc;
    }
    zl_free(e->val);
    e->val = b.data ? b.data : zl_strdup(""); /* an empty row */
    return e->val ? 0 : ZL_ENOMEM;
}

/* Compare the entry key (its record-to-be in r->cur, or built is
 * ZL_EINVAL: its rows are not even valid UTF-8) with its last record. */
static int compare(struct reg *r, const char *key, int built)
{
    struct zl_strmap_entry *e = zl_strmap_find(&r->last, key);
    char detail[300];

    if (!e)
        return audit_report(r->a, "derived-extra", 0, key,
                            "registry entry with no logged record (written "
                            "behind Zhiliang's back)");
    e->n = 1; /* seen */
    if (built == ZL_EINVAL)
        return audit_report(r->a, "derived-altered", 0, key,
                            "the registry rows are not valid UTF-8");
    if (built)
        return built;
    if (strlen(e->val) == r->cur.len &&
        !memcmp(e->val, r->cur.data, r->cur.len))
        return 0;
    snprintf(detail, sizeof detail,
             "the registry rows differ from the last logged record of %.120s "
             "(`zhiliang reindex` rewrites them)",
             key);
    return audit_report(r->a, "derived-altered", 0, key, detail);
}

static int party_cb(void *ctx, const struct zl_party *p)
{
    struct reg *r = ctx;
    char key[ZL_PARTY_ID_MAX + 8];
    int rc;

    zl_buf_reset(&r->cur);
    rc = zl_registry_party_json(r->s, p, &r->cur);
    if (rc && rc != ZL_EINVAL)
        return rc;
    snprintf(key, sizeof key, "party:%s", p->id);
    return compare(r, key, rc);
}

static int product_cb(void *ctx, const struct zl_product *p)
{
    struct reg *r = ctx;
    char key[64];
    int rc;

    zl_buf_reset(&r->cur);
    rc = zl_registry_product_json(p, &r->cur);
    if (rc && rc != ZL_EINVAL)
        return rc;
    snprintf(key, sizeof key, "product:%.40s", p->gtin);
    return compare(r, key, rc);
}

static int token_cb(void *ctx, const struct zl_token_info *t)
{
    struct reg *r = ctx;
    char key[ZL_TOKEN_ID_MAX + 64];
    int rc;

    zl_buf_reset(&r->cur);
    rc = zl_registry_token_json(t, &r->cur);
    if (rc && rc != ZL_EINVAL)
        return rc;
    snprintf(key, sizeof key, "token:%.60s", t->id);
    return compare(r, key, rc);
}

static int orphan_cb(void *ctx, const char *what)
{
    struct reg *r = ctx;

    return audit_report(r->a, "derived-extra", 0, what,
                        "row of a party that is not registered (written "
                        "behind Zhiliang's back; `zhiliang reindex` removes "
                        "it)");
}

int audit_registry(struct audit *a)
{
    struct reg r = {0};
    int rc;

    r.a = a;
    r.s = a->s;
    zl_strmap_init(&r.last, REG_MAX);
    zl_buf_init(&r.cur, REC_MAX);
    rc = zl_store_registry_each(a->s, 1, last_cb, &r);
    if (!rc)
        rc = zl_store_party_list(a->s, party_cb, &r);
    if (!rc)
        rc = zl_store_product_list(a->s, product_cb, &r);
    if (!rc)
        rc = zl_store_token_list(a->s, NULL, token_cb, &r);
    if (!rc)
        rc = zl_store_registry_orphans(a->s, orphan_cb, &r);
    for (size_t i = 0; !rc && i < zl_strmap_count(&r.last); i++) {
        struct zl_strmap_entry *e = zl_strmap_at(&r.last, i);

        if (!e->n)
            rc = audit_report(a, "derived-altered", 0, e->key,
                              "the registry rows of this logged entry are "
                              "gone");
    }
    zl_buf_cleanup(&r.cur);
    zl_strmap_cleanup(&r.last, free_val);
    return rc;
}

/* ---- record pass ---------------------------------------------------------
 */

struct logged {
    zl_registry_leaf_cb cb;
    void *ctx;
};

static int leaf_key_cb(void *ctx, const char *key, long seq, const char *kind,
                       const char *json, size_t len)
{
    struct logged *l = ctx;
    char leaf[ZL_PARTY_ID_MAX + 96];

    (void)kind;
    (void)json;
    (void)len;
    snprintf(leaf, sizeof leaf, "registry:%.*s:%ld", ZL_PARTY_ID_MAX + 48, key,
             seq);
    return l->cb(l->ctx, leaf);
}

int audit_registry_keys(zl_store *s, zl_registry_leaf_cb cb, void *ctx)
{
    struct logged l = {cb, ctx};

    return zl_store_registry_each(s, 0, leaf_key_cb, &l);
}

/* ---- reindex ------------------------------------------------------------- */

struct keep {
    zl_store *s;
    struct zl_strmap last; /* key -> last record that verifies (owned) */
    uint64_t skipped;
};

/* 1 if the record (key, seq) still hashes to its leaf. */
static int verifies(zl_store *s, const char *key, long seq)
{
    char leaf[ZL_PARTY_ID_MAX + 96];
    uint8_t want[32], got[32], type = 0;
    char *canon = NULL;
    size_t len = 0;
    int ok;

    snprintf(leaf, sizeof leaf, "registry:%.*s:%ld", ZL_PARTY_ID_MAX + 48, key,
             seq);
    ok = zl_log_find(s, leaf, NULL, &type, want) == 0 &&
         type == ZL_LEAF_PARTY &&
         zl_registry_record_canon(s, leaf, &canon, &len) == 0 &&
         zl_log_leaf_hash(ZL_LEAF_PARTY, canon, len, got) == 0 &&
         !memcmp(want, got, 32);
    zl_free(canon);
    return ok;
}

static int keep_cb(void *ctx, const char *key, long seq, const char *kind,
                   const char *json, size_t len)
{
    struct keep *k = ctx;
    struct zl_strmap_entry *e;
    int rc = 0;

    (void)kind;
    if (!verifies(k->s, key, seq)) {
        k->skipped++;
        return 0;
    }
    if (!(e = zl_strmap_put(&k->last, key, NULL, &rc)))
        return rc;
    zl_free(e->val);
    e->val = zl_strndup(json, len);
    e->n = (long long)len;
    return e->val ? 0 : ZL_ENOMEM;
}

int audit_registry_reindex(zl_store *s, uint64_t *restored, uint64_t *skipped,
                           uint64_t *lost)
{
    struct keep k = {0};
    int rc;

    k.s = s;
    zl_strmap_init(&k.last, REG_MAX);
    rc = zl_store_registry_each(s, 0, keep_cb, &k);
    if (!rc)
        rc = zl_store_registry_clear(s);
    for (size_t i = 0; !rc && i < zl_strmap_count(&k.last); i++) {
        struct zl_strmap_entry *e = zl_strmap_at(&k.last, i);

        rc = zl_registry_restore(s, e->val, (size_t)e->n);
        if (rc == ZL_ENOTFOUND) { /* a token whose row (hash) is gone */
            (*lost)++;
            rc = 0;
        } else if (rc == ZL_EINVAL) {
            (*skipped)++;
            rc = 0;
        } else if (!rc) {
            (*restored)++;
        }
    }
    *skipped += k.skipped;
    zl_strmap_cleanup(&k.last, free_val);
    return rc;
}
