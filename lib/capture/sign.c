/*
 * sign.c - party signatures over submitted documents (see sign.h).
 *
 * Ed25519 through OpenSSL's one-shot EVP_DigestSign/Verify (Ed25519 signs
 * the message itself, no pre-hash). Keys are decoded strictly: a key or
 * signature of the wrong size is a syntax error, not a failed check, so
 * a user learns their file is wrong rather than that they are forged.
 */
#include "zhiliang/sign.h"

#include "store/store_docs.h"
#include "util/codec.h"
#include "zhiliang/party.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

static int decode_exact(const char *b64, uint8_t *out, size_t want)
{
    uint8_t buf[96];
    size_t n, len = b64 ? strlen(b64) : 0;

    if (!len || len > 4 * ((want + 2) / 3) ||
        zl_base64_decode(b64, len, buf, &n) || n != want)
        return ZL_ESYNTAX;
    memcpy(out, buf, want);
    return 0;
}

static EVP_PKEY *private_key(const char *priv_b64)
{
    uint8_t seed[32];

    if (decode_exact(priv_b64, seed, 32))
        return NULL;
    return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
}

int zl_sign_public(const char *priv_b64, char pub_b64[ZL_SIGN_KEY_B64])
{
    EVP_PKEY *k = private_key(priv_b64);
    uint8_t pub[32];
    size_t n = sizeof pub;
    int rc = ZL_ESYNTAX;

    if (k && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == 32) {
        zl_base64_encode(pub, 32, pub_b64);
        rc = 0;
    }
    EVP_PKEY_free(k);
    return rc;
}

int zl_sign_keygen(char priv_b64[ZL_SIGN_KEY_B64],
                   char pub_b64[ZL_SIGN_KEY_B64])
{
    uint8_t seed[32];

    if (RAND_bytes(seed, sizeof seed) != 1)
        return ZL_EVERIFY;
    zl_base64_encode(seed, 32, priv_b64);
    return zl_sign_public(priv_b64, pub_b64);
}

int zl_sign(const char *priv_b64, const void *data, size_t len,
            char sig_b64[ZL_SIGN_SIG_B64])
{
    EVP_PKEY *k = private_key(priv_b64);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t sig[64];
    size_t n = sizeof sig;
    int rc = ZL_ESYNTAX;

    if (k && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestSign(ctx, sig, &n, data, len) == 1 && n == 64) {
        zl_base64_encode(sig, 64, sig_b64);
        rc = 0;
    } else if (k) {
        rc = ZL_EVERIFY;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rc;
}

int zl_sign_verify(const char *pub_b64, const void *data, size_t len,
                   const char *sig_b64)
{
    uint8_t pub[32], sig[64];
    EVP_PKEY *k = NULL;
    EVP_MD_CTX *ctx = NULL;
    int rc = ZL_ESYNTAX;

    if (decode_exact(pub_b64, pub, 32) || decode_exact(sig_b64, sig, 64))
        goto out;
    rc = ZL_EVERIFY;
    k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    ctx = EVP_MD_CTX_new();
    if (k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestVerify(ctx, sig, 64, data, len) == 1)
        rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rc;
}

struct key_ctx {
    char pub[ZL_SIGN_KEY_B64];
    int found;
};

static int take_key(void *vctx, const struct zl_party *p)
{
    struct key_ctx *c = vctx;

    c->found = 1;
    if (p->pubkey_b64 && strlen(p->pubkey_b64) < sizeof c->pub)
        memcpy(c->pub, p->pubkey_b64, strlen(p->pubkey_b64) + 1);
    return 0;
}

int zl_signature_check_party(zl_store *s, const char *party, const void *doc,
                             size_t len, const char *sig_b64,
                             struct zl_error *err)
{
    struct key_ctx c = {{0}, 0};
    int rc;

    if (!party || !*party)
        return zl_error_set(err, ZL_EPERM, "signature",
                            "a signed capture must name its party", NULL, 0);
    rc = zl_party_get(s, party, take_key, &c);
    if (rc == ZL_ENOTFOUND || (!rc && !c.found))
        return zl_error_set(err, ZL_ENOTFOUND, "party",
                            "no registered party with this id", party,
                            (size_t)-1);
    if (rc)
        return rc;
    if (!c.pub[0])
        return zl_error_set(err, ZL_EPERM, "party",
                            "the party has no registered public key", party,
                            (size_t)-1);
    rc = zl_sign_verify(c.pub, doc, len, sig_b64);
    if (rc == ZL_ESYNTAX)
        return zl_error_set(err, rc, "signature",
                            "not a base64 Ed25519 signature (64 bytes)",
                            sig_b64, (size_t)-1);
    if (rc)
        return zl_error_set(err, rc, "signature",
                            "does not verify with the party's registered key"
                            " over these document bytes",
                            party, (size_t)-1);
    return 0;
}

int zl_signature_for_event(zl_store *s, const uint8_t event_hash[32],
                           zl_signed_doc_cb cb, void *ctx)
{
    return zl_store_signed_doc_for_event(s, event_hash, cb, ctx);
}
