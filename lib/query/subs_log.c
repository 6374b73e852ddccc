/*
 * subs_log.c - named queries and subscriptions as logged records (see
 * subs_log.h).
 *
 * Why: a subscription's dest and owner decide where a party's events go.
 * Kept as plain configuration rows, an edit behind the log's back (a dest
 * pointed elsewhere, an owner with a wider read rule) would pass verify.
 * So every change is a record in the log, and verify holds the tables to
 * the last record of each entity, as it does the party registry
 * (lib/audit/registry.c).
 *
 * The records (RFC 8785 JSON, logged as "subs:<seq>"):
 *   {"type":"named-query","v":1,"op":"create","name","owner","query":{..},
 *    "created":ms}                 {..,"op":"delete","name","owner","at":ms}
 *   {"type":"subscription","v":1,"op":"create","id","query","owner","dest",
 *    "spec":{..},"created":ms,"secret":{"salt":hex,"sha256":hex}}
 *                                  {..,"op":"delete","id","query","owner","at"}
 * The signing secret is committed to as SHA-256(salt || secret) with 16
 * random bytes of salt, so a published record does not reveal it (nor
 * whether two subscriptions share one), while verify, which reads the
 * stored secret, still catches a changed one. A short secret can still be
 * guessed from its commitment by brute force: the commitment hides a
 * strong secret, not a weak one.
 *
 *   {"type":"webhook-allow","v":1,"op":"set","setting":KEY,"ranges":"..",
 *    "at":ms}                      (schema 25; KEY is the store setting)
 * A webhook allowance lets a party's subscriptions reach internal
 * addresses; set behind the log's back for an attacker's party it would
 * turn its subscriptions into a probe of the operator's network. Verify
 * holds every "webhook.allow_internal*" setting to its entity's last
 * record ("" and an absent setting alike mean none).
 *
 *   {"type":"outbox-watermark","v":1,"op":"set","setting":KEY,
 *    "value":"LEAF SEQ","at":ms}    (schema 28; audit/outbox.c)
 * The outbox watermark says from which leaf verify pairs the log with
 * the outbox (stores upgraded to 23 hold older records without rows);
 * raised behind the log's back it would hide rows deleted before it.
 * Both kinds are "logged settings" (SETTINGS below): verify holds each
 * such setting to its entity's last record.
 *
 * Not in any record: the delivery state (cursor, pending, notified). It
 * changes on every delivery and says what was sent, not who gets what; an
 * edited cursor re-sends or skips events, which the receivers' own
 * Idempotency-Key checks and the outbox make visible, not this log.
 *
 * Rejected: a record per delivery (a leaf per webhook call would grow the
 * log with traffic rather than with facts); hashing the secret unsalted
 * (equal secrets would show as equal commitments).
 */
#include "query/subs_log.h"

#include "store/store.h"

#include "util/alloc.h"
#include "util/jcs.h"
#include "util/strmap.h"
#include "zhiliang/codec.h"
#include "zhiliang/error.h"
#include "zhiliang/log.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_MAX  ((size_t)1 << 20)
#define ENTITY_MAX  ((size_t)1 << 22) /* entities a verify pass holds */
#define SALT_LEN    16
#define KEY_PREFIX  "subs:"
#define ENTITY_MAXC 128

static json_t *parsed_or_text(const char *txt)
{
    json_t *v = json_loads(txt, JSON_REJECT_DUPLICATES, NULL);

    /* a row whose text no longer parses is kept as a string: it then
     * differs from its record instead of failing the pass */
    return v ? v : json_string(txt);
}

static json_t *nq_record(const struct zl_store_nq *q, int del, int64_t at_ms)
{
    json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s}", "type", "named-query",
                          "v", 1, "op", del ? "delete" : "create", "name",
                          q->name, "owner", q->owner ? q->owner : "");

    if (!o)
        return NULL;
    if (del) {
        json_object_set_new(o, "at", json_integer(at_ms));
    } else {
        json_object_set_new(o, "query", parsed_or_text(q->query));
        json_object_set_new(o, "created", json_integer(q->created_ms));
    }
    return o;
}

static int commit_secret(const char *secret, const uint8_t salt[SALT_LEN],
                         char hex[65])
{
    uint8_t md[32];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(c, salt, SALT_LEN) &&
             EVP_DigestUpdate(c, secret, strlen(secret)) &&
             EVP_DigestFinal_ex(c, md, &n);

    EVP_MD_CTX_free(c);
    if (!ok)
        return ZL_ENOMEM;
    zl_hex_encode(md, 32, hex);
    hex[64] = '\0';
    return 0;
}

static json_t *sub_record(const struct zl_store_sub *r, int del, int64_t at_ms,
                          const uint8_t salt[SALT_LEN])
{
    json_t *o =
        json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "type", "subscription", "v",
                  1, "op", del ? "delete" : "create", "id", r->id, "query",
                  r->query_name, "owner", r->owner ? r->owner : "");
    char sh[2 * SALT_LEN + 1], ch[65];

    if (!o)
        return NULL;
    if (del) {
        json_object_set_new(o, "at", json_integer(at_ms));
        return o;
    }
    if (commit_secret(r->secret ? r->secret : "", salt, ch)) {
        json_decref(o);
        return NULL;
    }
    zl_hex_encode(salt, SALT_LEN, sh);
    sh[2 * SALT_LEN] = '\0';
    json_object_set_new(o, "dest", json_string(r->dest));
    json_object_set_new(o, "spec", parsed_or_text(r->spec));
    json_object_set_new(o, "created", json_integer(r->created_ms));
    json_object_set_new(o, "secret",
                        json_pack("{s:s, s:s}", "salt", sh, "sha256", ch));
    return o;
}

/* Log record o (taken) for entity and keep it in subs_records. */
static int append(zl_store *s, const char *entity, json_t *o)
{
    struct zl_store_subs_rec row = {0};
    char *canon = NULL, key[48];
    size_t len = 0;
    uint64_t idx = 0;
    int rc;

    if (!o)
        return ZL_ENOMEM;
    if ((rc = zl_jcs_dump_new(o, RECORD_MAX, &canon, &len)) ||
        (rc = zl_store_subs_rec_next(s, &row.seq)))
        goto out;
    snprintf(key, sizeof key, KEY_PREFIX "%lld", (long long)row.seq);
    if ((rc = zl_log_append(s, ZL_LEAF_SUBS, key, canon, len, &idx)))
        goto out;
    row.entity = entity;
    row.leaf = (int64_t)idx;
    row.json = canon;
    rc = zl_store_subs_rec_put(s, &row);
out:
    zl_free(canon);
    json_decref(o);
    return rc;
}

/* The store settings logged as records: a setting's key begins with
 * prefix; its record has type and states the value under field. */
static const struct logged_setting {
    const char *prefix, *type, *field, *what;
} SETTINGS[] = {
    {ZL_WEBHOOK_ALLOW_KEY, "webhook-allow", "ranges",
     "allows webhooks to reach"},
    {ZL_OUTBOX_CHECKED_FROM, "outbox-watermark", "value",
     "starts the outbox check at"},
};
#define N_SETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])

static const struct logged_setting *setting_of(const char *key)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (!strncmp(key, SETTINGS[i].prefix, strlen(SETTINGS[i].prefix)))
            return &SETTINGS[i];
    return NULL;
}

int zl_subs_log_setting(zl_store *s, const char *key, const char *value,
                        int64_t at_ms)
{
    const struct logged_setting *l = setting_of(key);

    if (!l)
        return ZL_EINVAL;
    return append(s, key,
                  json_pack("{s:s, s:i, s:s, s:s, s:s, s:I}", "type", l->type,
                            "v", 1, "op", "set", "setting", key, l->field,
                            value, "at", (json_int_t)at_ms));
}

int zl_subs_log_query(zl_store *s, const struct zl_store_nq *q, int del,
                      int64_t at_ms)
{
    char entity[ENTITY_MAXC];

    snprintf(entity, sizeof entity, "query:%s", q->name);
    return append(s, entity, nq_record(q, del, at_ms));
}

int zl_subs_log_sub(zl_store *s, const struct zl_store_sub *r, int del,
                    int64_t at_ms)
{
    uint8_t salt[SALT_LEN] = {0};
    char entity[ENTITY_MAXC];

    if (!del && RAND_bytes(salt, sizeof salt) != 1)
        return ZL_ENOMEM;
    snprintf(entity, sizeof entity, "subscription:%s", r->id);
    return append(s, entity, sub_record(r, del, at_ms, salt));
}

/* ---- verify ------------------------------------------------------------- */

struct one {
    char *json;
};

static int one_cb(void *ctx, const struct zl_store_subs_rec *r)
{
    struct one *o = ctx;

    o->json = zl_strdup(r->json);
    return o->json ? 0 : ZL_ENOMEM;
}

static int seq_of(const char *key, int64_t *seq)
{
    char *end = NULL;
    long long v;

    if (strncmp(key, KEY_PREFIX, strlen(KEY_PREFIX)))
        return ZL_ENOTFOUND;
    key += strlen(KEY_PREFIX);
    if (*key < '1' || *key > '9')
        return ZL_ENOTFOUND;
    v = strtoll(key, &end, 10);
    if (*end || v <= 0)
        return ZL_ENOTFOUND;
    *seq = v;
    return 0;
}

int zl_subs_record_canon(zl_store *s, const char *record_key, char **canon,
                         size_t *len)
{
    struct one o = {0};
    int64_t seq = 0;
    json_t *v;
    int rc;

    *canon = NULL;
    if ((rc = seq_of(record_key, &seq)) ||
        (rc = zl_store_subs_rec_get(s, seq, one_cb, &o)))
        return rc;
    if (!(v = json_loads(o.json, JSON_REJECT_DUPLICATES, NULL))) {
        *canon = o.json; /* hashed as it is: the leaf check names it */
        *len = strlen(o.json);
        return 0;
    }
    rc = zl_jcs_dump_new(v, RECORD_MAX * 4, canon, len);
    json_decref(v);
    zl_free(o.json);
    return rc;
}

struct aud {
    zl_store *s;
    struct zl_logged_rows k;
    struct zl_strmap last; /* entity -> its last record (json_t *) */
    zl_logged_report_fn report;
    void *ctx;
};

static void free_json(void *v)
{
    json_decref(v);
}

static int rec_cb(void *ctx, const struct zl_store_subs_rec *r)
{
    struct aud *a = ctx;
    char key[48];
    struct zl_strmap_entry *e;
    int rc = 0;

    snprintf(key, sizeof key, KEY_PREFIX "%lld", (long long)r->seq);
    if ((rc = zl_logged_rows_add(&a->k, key, r->leaf)))
        return rc;
    if (!(e = zl_strmap_put(&a->last, r->entity, NULL, &rc)))
        return rc;
    json_decref(e->val);
    /* a record that no longer parses is the log pass's to report; here
     * it counts as no record */
    e->val = json_loads(r->json, JSON_REJECT_DUPLICATES, NULL);
    return 0;
}

static int is_create(const json_t *rec)
{
    const char *op = json_string_value(json_object_get(rec, "op"));

    return op && !strcmp(op, "create");
}

/* Names of the top-level fields where a and b differ, in detail. */
static void differing(const json_t *a, const json_t *b, char *out, size_t cap)
{
    const char *k;
    json_t *v;
    size_t n = 0;

    out[0] = '\0';
    json_object_foreach((json_t *)a, k, v)
    {
        if (json_equal(v, json_object_get(b, k)))
            continue;
        n += (size_t)snprintf(out + n, cap > n ? cap - n : 0, "%s%s",
                              n ? ", " : "", k);
        if (n >= cap)
            return;
    }
    json_object_foreach((json_t *)b, k, v)
    {
        if (json_object_get(a, k))
            continue;
        n += (size_t)snprintf(out + n, cap > n ? cap - n : 0, "%s%s",
                              n ? ", " : "", k);
        if (n >= cap)
            return;
    }
}

/* Row `built` (taken) of entity against the entity's last record. */
static int check_row(struct aud *a, const char *table, const char *entity,
                     json_t *built)
{
    struct zl_strmap_entry *e = zl_strmap_find(&a->last, entity);
    char detail[400], fields[200];
    int rc = 0;

    if (!built)
        return ZL_ENOMEM;
    if (!e || !e->val || !is_create(e->val)) {
        snprintf(detail, sizeof detail,
                 "%s row with no logged record creating it (added behind "
                 "the log's back%s)",
                 table, e && e->val ? ", or after its deletion" : "");
        rc = a->report(a->ctx, "derived-extra", 0, entity, detail);
    } else if (!json_equal(built, e->val)) {
        differing(built, e->val, fields, sizeof fields);
        snprintf(detail, sizeof detail,
                 "%s row differs from its last logged record in: %s", table,
                 fields);
        rc = a->report(a->ctx, "derived-altered", 0, entity, detail);
    }
    if (e)
        e->n = 1; /* seen */
    json_decref(built);
    return rc;
}

static int nq_cb(void *ctx, const struct zl_store_nq *q)
{
    struct aud *a = ctx;
    char entity[ENTITY_MAXC];

    snprintf(entity, sizeof entity, "query:%s", q->name);
    return check_row(a, "named_queries", entity, nq_record(q, 0, 0));
}

static int sub_cb(void *ctx, const struct zl_store_sub *r)
{
    struct aud *a = ctx;
    char entity[ENTITY_MAXC];
    struct zl_strmap_entry *e;
    uint8_t salt[SALT_LEN] = {0};
    const char *sh;

    snprintf(entity, sizeof entity, "subscription:%s", r->id);
    /* the commitment is rebuilt with the salt its record states */
    e = zl_strmap_find(&a->last, entity);
    sh = e ? json_string_value(
                 json_object_get(json_object_get(e->val, "secret"), "salt"))
           : NULL;
    if (sh && strlen(sh) == 2 * SALT_LEN)
        zl_hex_decode(sh, 2 * SALT_LEN, salt, SALT_LEN);
    return check_row(a, "subscriptions", entity, sub_record(r, 0, 0, salt));
}

/* The value entity's last record states, if it is a logged setting's. */
static const char *logged_value(const struct zl_strmap_entry *e,
                                const struct logged_setting *l)
{
    return e && e->val ? json_string_value(json_object_get(e->val, l->field))
                       : NULL;
}

/* A logged setting against its entity's last record. */
static int setting_cb(void *ctx, const char *key)
{
    struct aud *a = ctx;
    const struct logged_setting *l = setting_of(key);
    struct zl_strmap_entry *e = zl_strmap_find(&a->last, key);
    const char *logged = logged_value(e, l);
    char *v = NULL, detail[400];
    size_t len = 0;
    int rc = zl_store_meta_get(a->s, key, &v, &len);

    if (rc)
        return rc;
    if (e)
        e->n = 1; /* seen */
    if (strlen(v) != len || strcmp(v, logged ? logged : "")) {
        snprintf(detail, sizeof detail,
                 "the setting %s \"%.120s\", its last logged record "
                 "\"%.120s\" (set behind the log's back)",
                 l->what, v, logged ? logged : "");
        rc = a->report(a->ctx, e ? "derived-altered" : "derived-extra", 0, key,
                       detail);
    }
    zl_free(v);
    return rc;
}

int zl_subs_audit_rows(zl_store *s, zl_logged_report_fn report, void *ctx)
{
    struct aud a;
    int rc;

    memset(&a, 0, sizeof a);
    a.s = s;
    a.report = report;
    a.ctx = ctx;
    zl_strmap_init(&a.last, ENTITY_MAX);
    rc = zl_store_subs_rec_list(s, rec_cb, &a);
    if (rc == ZL_EUNSUPPORTED) {
        rc = 0;
        goto out;
    }
    if (!rc)
        rc = zl_logged_rows_check(s, &a.k, ZL_LEAF_SUBS,
                                  "query or subscription record",
                                  "subs_records", report, ctx);
    if (!rc)
        rc = zl_store_nq_list(s, NULL, nq_cb, &a);
    if (!rc)
        rc = zl_store_sub_list(s, NULL, sub_cb, &a);
    for (size_t i = 0; !rc && i < N_SETTINGS; i++)
        rc = zl_store_meta_keys(s, SETTINGS[i].prefix, setting_cb, &a);
    for (size_t i = 0; !rc && i < zl_strmap_count(&a.last); i++) {
        struct zl_strmap_entry *e = zl_strmap_at(&a.last, i);
        const struct logged_setting *l = setting_of(e->key);
        const char *value;
        char detail[200];

        if (e->n || !e->val)
            continue;
        if (l) { /* logged, the setting gone */
            value = logged_value(e, l);
            snprintf(detail, sizeof detail,
                     "the last logged record %s \"%.80s\", but the setting "
                     "is gone (removed behind the log's back)",
                     l->what, value ? value : "");
            if (value && *value &&
                (rc = report(ctx, "derived-altered", 0, e->key, detail)))
                break;
            continue;
        }
        if (!is_create(e->val))
            continue;
        snprintf(detail, sizeof detail,
                 "the log's last record creates it, but its %s row is gone "
                 "(removed behind the log's back)",
                 strncmp(e->key, "query:", 6) ? "subscriptions"
                                              : "named_queries");
        rc = report(ctx, "derived-altered", 0, e->key, detail);
    }
out:
    zl_logged_rows_free(&a.k);
    zl_strmap_cleanup(&a.last, free_json);
    return rc;
}

/* ---- the schema step ---------------------------------------------------- */

static int mig_nq(void *ctx, const struct zl_store_nq *q)
{
    return zl_subs_log_query(ctx, q, 0, 0);
}

static int mig_sub(void *ctx, const struct zl_store_sub *r)
{
    return zl_subs_log_sub(ctx, r, 0, 0);
}

static int mig_setting(void *ctx, const char *key)
{
    zl_store *s = ctx;
    char *v = NULL;
    size_t len = 0;
    int rc = zl_store_meta_get(s, key, &v, &len);

    if (!rc)
        rc = zl_subs_log_setting(s, key, v, 0);
    zl_free(v);
    return rc;
}

int zl_subs_settings_migrate(zl_store *s, const char *prefix)
{
    return zl_store_meta_keys(s, prefix, mig_setting, s);
}

int zl_subs_migrate(zl_store *s)
{
    int rc = zl_store_nq_list(s, NULL, mig_nq, s);

    if (!rc)
        rc = zl_store_sub_list(s, NULL, mig_sub, s);
    return rc == ZL_EUNSUPPORTED ? 0 : rc;
}
