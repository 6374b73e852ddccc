/*
 * rekey.c - the operator's personal-data key: its id, whether it is
 * retired, and the rotation that re-seals every row under a new one
 * (zhiliang/risk_handle.h).
 *
 * The rotation is one write transaction: every row is read first (a
 * PostgreSQL listing streams, so no write may run beside it), then each
 * is opened with the old key and sealed again under the new one with a
 * fresh nonce; the salt is kept, so the commitment the logged record
 * carries (SHA-256(salt || plaintext)) still matches and verify and
 * reveal keep working. A row that does not open aborts everything: a
 * crash or an error leaves every row under the old key, never half and
 * half. The old key is then marked retired in risk_keys, and intake and
 * reveal refuse a retired key.
 *
 * Rejected: envelope encryption (a data key per row wrapped by the
 * operator key, so rotation rewraps 32 bytes instead of the row): the
 * rows are small (under 300 bytes of personal JSON), and one key
 * hierarchy is one less thing for an operator to lose.
 */
#include "zhiliang/risk_handle.h"

#include "party/party_int.h"
#include "risk/intake_int.h"
#include "store/store.h"
#include "store/store_risk.h"
#include "audit/logged_rows.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/log.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

void zl_risk_key_id(const uint8_t key[ZL_RISK_KEY_LEN], char id[17])
{
    static const char H[] = "0123456789abcdef";
    static const char TAG[] = "zhiliang-pii-key";
    uint8_t d[32];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    memset(d, 0, sizeof d);
    if (c) {
        EVP_DigestInit_ex(c, EVP_sha256(), NULL);
        EVP_DigestUpdate(c, TAG, sizeof TAG - 1);
        EVP_DigestUpdate(c, key, ZL_RISK_KEY_LEN);
        EVP_DigestFinal_ex(c, d, &n);
        EVP_MD_CTX_free(c);
    }
    for (int i = 0; i < 8; i++) {
        id[2 * i] = H[d[i] >> 4];
        id[2 * i + 1] = H[d[i] & 15];
    }
    id[16] = '\0';
}

int zl_risk_key_usable(zl_store *s, const uint8_t key[ZL_RISK_KEY_LEN])
{
    char kid[17];
    int64_t retired = 0;
    int rc;

    zl_risk_key_id(key, kid);
    rc = zl_store_risk_key_get(s, kid, &retired);
    if (rc == ZL_ENOTFOUND || rc == ZL_EUNSUPPORTED)
        return 0;
    if (rc)
        return rc;
    return retired ? ZL_EPERM : 0;
}

struct row {
    char *id, *key_id;
    uint8_t *nonce, *blob;
    size_t nonce_len, blob_len;
};

struct rows {
    struct row *r;
    size_t n, cap;
};

static int collect(void *ctx, const struct zl_store_risk_pii *p)
{
    struct rows *a = ctx;
    struct row *x;

    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        struct row *r = zl_realloc(a->r, cap * sizeof *r);

        if (!r)
            return ZL_ENOMEM;
        a->r = r;
        a->cap = cap;
    }
    x = &a->r[a->n];
    memset(x, 0, sizeof *x);
    x->id = zl_strdup(p->id);
    x->key_id = zl_strdup(p->key_id ? p->key_id : "");
    x->nonce = zl_malloc(p->nonce_len + 1);
    x->blob = zl_malloc(p->blob_len + 1);
    a->n++;
    if (!x->id || !x->key_id || !x->nonce || !x->blob)
        return ZL_ENOMEM;
    memcpy(x->nonce, p->nonce, p->nonce_len);
    memcpy(x->blob, p->blob, p->blob_len);
    x->nonce_len = p->nonce_len;
    x->blob_len = p->blob_len;
    return 0;
}

static void rows_free(struct rows *a)
{
    for (size_t i = 0; i < a->n; i++) {
        zl_free(a->r[i].id);
        zl_free(a->r[i].key_id);
        zl_free(a->r[i].nonce);
        zl_free(a->r[i].blob);
    }
    zl_free(a->r);
}

/* Re-seal row x under new_key (id new_id): open, seal, update. */
static int reseal(zl_store *s, const struct row *x, const uint8_t *old_key,
                  const uint8_t *new_key, const char *new_id,
                  struct zl_error *err)
{
    size_t len;
    uint8_t *plain, *blob, nonce[PII_NONCE_LEN];
    struct zl_store_risk_pii p = {0};
    int rc;

    if (x->blob_len < PII_TAG_LEN)
        return zl_error_set(err, ZL_EVERIFY, x->id,
                            "personal data row is damaged (shorter than "
                            "its tag): nothing was re-sealed",
                            NULL, 0);
    len = x->blob_len - PII_TAG_LEN;
    plain = zl_malloc(len + 1);
    blob = zl_malloc(x->blob_len);
    if (!plain || !blob) {
        zl_free(plain);
        zl_free(blob);
        return ZL_ENOMEM;
    }
    rc = rk_pii_open(old_key, x->id, x->nonce, x->nonce_len, x->blob,
                     x->blob_len, plain);
    if (rc) {
        zl_error_set(err, ZL_EVERIFY, x->id,
                     "personal data does not open with the old key (edited, "
                     "or sealed under another key): nothing was re-sealed",
                     NULL, 0);
        goto out;
    }
    if ((rc = rk_pii_reseal(new_key, x->id, (const char *)plain, len, nonce,
                            blob)))
        goto out;
    p.id = x->id;
    p.nonce = nonce;
    p.nonce_len = sizeof nonce;
    p.blob = blob;
    p.blob_len = x->blob_len;
    p.key_id = new_id;
    rc = zl_store_risk_pii_update(s, &p);
out:
    memset(plain, 0, len);
    zl_free(plain);
    zl_free(blob);
    return rc;
}

/* ---- the logged register of retired keys ----------------------------
 *
 * A retirement is a record "risk-key:<key id>" (type risk-key, the key id,
 * when the key was first recorded and when it was retired), logged as a
 * ZL_LEAF_COMPLAINT leaf whose index the risk_keys row keeps; verify
 * rebuilds it from the row, so a key un-retired by an edit (retired_ms set
 * back to 0, which would let intake seal under it again) is reported. A
 * key in use is not a record (its row's leaf is -1). */

struct key_find {
    const char *id;
    struct zl_store_risk_key k;
    char key_id[40];
    int found;
};

static int key_find_cb(void *ctx, const struct zl_store_risk_key *k)
{
    struct key_find *f = ctx;

    if (strcmp(k->key_id, f->id))
        return 0;
    f->k = *k;
    snprintf(f->key_id, sizeof f->key_id, "%s", k->key_id);
    f->k.key_id = f->key_id;
    f->found = 1;
    return 0;
}

/* The record of row k (canonical, zl_free'd). */
static int key_record(const struct zl_store_risk_key *k, char **canon,
                      size_t *len)
{
    char c[32], r[32];
    json_t *o = json_object();
    int rc;

    zl_time_format_utc(k->created_ms, c);
    zl_time_format_utc(k->retired_ms, r);
    if (!o || json_object_set_new(o, "type", json_string("risk-key")) ||
        json_object_set_new(o, "v", json_integer(1)) ||
        json_object_set_new(o, "key", json_string(k->key_id)) ||
        json_object_set_new(o, "created", json_string(c)) ||
        json_object_set_new(o, "retired",
                            k->retired_ms ? json_string(r) : json_null())) {
        json_decref(o);
        return ZL_ENOMEM;
    }
    rc = zl_jcs_dump_new(o, 4096, canon, len);
    json_decref(o);
    return rc;
}

int rk_key_canon(zl_store *s, const char *key_id, char **canon, size_t *len)
{
    struct key_find f = {key_id, {0}, "", 0};
    int rc = zl_store_risk_key_list(s, key_find_cb, &f);

    if (rc)
        return rc;
    return f.found ? key_record(&f.k, canon, len) : ZL_ENOTFOUND;
}

/* Log key_id's retirement (its row written already) and keep the leaf. */
static int log_retired(zl_store *s, const char *key_id, int64_t now_ms)
{
    struct key_find f = {key_id, {0}, "", 0};
    char key[64], *canon = NULL;
    size_t len = 0;
    uint64_t idx = 0;
    int rc = zl_store_risk_key_list(s, key_find_cb, &f);

    if (rc)
        return rc;
    if (!f.found)
        return ZL_ENOTFOUND;
    if ((rc = key_record(&f.k, &canon, &len)))
        return rc;
    snprintf(key, sizeof key, "risk-key:%s", key_id);
    rc = zl_log_append(s, ZL_LEAF_COMPLAINT, key, canon, len, &idx);
    zl_free(canon);
    if (!rc)
        rc = zl_store_risk_key_put(s, key_id, now_ms, f.k.retired_ms,
                                   (int64_t)idx);
    return rc;
}

struct keys_all {
    char (*id)[40];
    size_t n, cap;
};

static int keys_all_cb(void *ctx, const struct zl_store_risk_key *k)
{
    struct keys_all *a = ctx;

    if (!k->retired_ms || k->leaf >= 0)
        return 0;
    if (zl_grow((void **)&a->id, &a->cap, a->n + 1, sizeof *a->id, 8, NULL))
        return ZL_ENOMEM;
    snprintf(a->id[a->n++], 40, "%s", k->key_id);
    return 0;
}

int zl_risk_keys_migrate(zl_store *s)
{
    struct keys_all a = {0};
    int rc = zl_store_risk_key_list(s, keys_all_cb, &a);

    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    for (size_t i = 0; !rc && i < a.n; i++)
        rc = log_retired(s, a.id[i], 0);
    zl_free(a.id);
    return rc;
}

static int key_rows_cb(void *ctx, const struct zl_store_risk_key *k)
{
    char key[64];

    if (!k->retired_ms && k->leaf < 0)
        return 0; /* in use: not a record */
    snprintf(key, sizeof key, "risk-key:%s", k->key_id);
    return zl_logged_rows_add(ctx, key, k->leaf);
}

static int dispo_rows_cb(void *ctx, const struct zl_store_risk_step *st)
{
    char key[ZL_RISK_ID_MAX + 40];

    snprintf(key, sizeof key, "risk-dispo:%s/%lld", st->report_id,
             (long long)st->seq);
    return zl_logged_rows_add(ctx, key, st->leaf);
}

int rk_dispo_keys(zl_store *s, void *rows)
{
    int rc = zl_store_risk_key_list(s, key_rows_cb, rows);

    if (!rc)
        rc = zl_store_risk_dispo_list(s, NULL, dispo_rows_cb, rows);
    return rc;
}

int zl_risk_rekey(zl_store *s, const uint8_t old_key[ZL_RISK_KEY_LEN],
                  const uint8_t new_key[ZL_RISK_KEY_LEN], int64_t now_ms,
                  size_t *n, struct zl_error *err)
{
    char old_id[17], new_id[17];
    struct rows a = {0};
    int rc, own = 0;

    *n = 0;
    if (!memcmp(old_key, new_key, ZL_RISK_KEY_LEN))
        return zl_error_set(err, ZL_EINVAL, "new key",
                            "is the old key: generate a new one (openssl rand "
                            "-hex 32)",
                            NULL, 0);
    zl_risk_key_id(old_key, old_id);
    zl_risk_key_id(new_key, new_id);
    if ((rc = zl_registry_tx_begin(s, &own)))
        return rc;
    if ((rc = zl_risk_key_usable(s, new_key))) {
        zl_error_set(err, rc, "new key",
                     "has been retired: a retired key is never used again",
                     new_id, (size_t)-1);
        goto end;
    }
    if ((rc = zl_risk_key_usable(s, old_key))) {
        zl_error_set(err, rc, "old key",
                     "has already been retired (rotated away from)", old_id,
                     (size_t)-1);
        goto end;
    }
    if ((rc = zl_store_risk_pii_list(s, collect, &a)))
        goto end;
    for (size_t i = 0; i < a.n && !rc; i++) {
        const struct row *x = &a.r[i];

        if (x->key_id[0] && strcmp(x->key_id, old_id)) {
            rc = zl_error_setf(err, ZL_EVERIFY, x->id, NULL,
                               "personal data is sealed under key %s, not "
                               "the old key %s: nothing was re-sealed",
                               x->key_id, old_id);
            break;
        }
        rc = reseal(s, x, old_key, new_key, new_id, err);
    }
    if (!rc)
        rc = zl_store_risk_key_put(s, old_id, now_ms, now_ms ? now_ms : 1, -1);
    if (!rc)
        rc = log_retired(s, old_id, now_ms);
    if (!rc)
        rc = zl_store_risk_key_put(s, new_id, now_ms, 0, -1);
    if (!rc)
        *n = a.n;
end:
    rc = zl_registry_tx_end(s, own, rc);
    if (rc)
        *n = 0;
    rows_free(&a);
    return rc;
}
