/*
 * pii.c - the reporters' personal data at rest: AES-256-GCM under the
 * operator's key, and the salted commitment the public record carries.
 *
 * GCM because it authenticates: a blob edited in the store, moved to
 * another report (the report id is the associated data) or opened with
 * the wrong key fails instead of decrypting to garbage. The nonce is 12
 * random bytes per report (NIST SP 800-38D 8.2.2: random nonces are safe
 * for up to 2^32 messages under one key, far beyond a complaint desk).
 * The commitment is SHA-256(salt || canonical personal JSON) with a
 * 16-byte random salt kept beside the ciphertext: without the salt a
 * phone number (10^11 values) could be found from the commitment by
 * trying them all; with it the log proves the data was fixed at intake
 * and reveals nothing of it.
 *
 * Rejected: a key derived from a passphrase (one more secret to guess
 * badly; the operator holds a random 32-byte key file, like the log's
 * signing key); encrypting the whole record (then nothing could be
 * counted or verified without the key).
 */
#include "risk/intake_int.h"

#include "zhiliang/error.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

int rk_random(uint8_t *out, size_t n)
{
    return RAND_bytes(out, (int)n) == 1 ? 0 : ZL_EVERIFY;
}

int rk_pii_commit(const uint8_t *salt, size_t salt_len, const void *data,
                  size_t len, uint8_t out[32])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok;

    if (!c)
        return ZL_ENOMEM;
    ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
         EVP_DigestUpdate(c, salt, salt_len) == 1 &&
         EVP_DigestUpdate(c, data, len) == 1 &&
         EVP_DigestFinal_ex(c, out, &n) == 1 && n == 32;
    EVP_MD_CTX_free(c);
    return ok ? 0 : ZL_ENOMEM;
}

/* AES-256-GCM of canon under key and a nonce already drawn. */
static int encrypt(const uint8_t key[32], const char *id, const char *canon,
                   size_t len, const uint8_t nonce[PII_NONCE_LEN],
                   uint8_t *blob)
{
    EVP_CIPHER_CTX *c = NULL;
    int n = 0, m = 0, rc = ZL_EVERIFY;

    if (!(c = EVP_CIPHER_CTX_new()))
        return ZL_ENOMEM;
    if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, PII_NONCE_LEN, NULL) !=
            1 ||
        EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) != 1 ||
        EVP_EncryptUpdate(c, NULL, &n, (const uint8_t *)id, (int)strlen(id)) !=
            1 ||
        EVP_EncryptUpdate(c, blob, &n, (const uint8_t *)canon, (int)len) != 1 ||
        EVP_EncryptFinal_ex(c, blob + n, &m) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, PII_TAG_LEN, blob + len) !=
            1)
        goto out;
    rc = 0;
out:
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int rk_pii_seal(const uint8_t key[32], const char *id, const char *canon,
                size_t len, uint8_t salt[PII_SALT_LEN],
                uint8_t nonce[PII_NONCE_LEN], uint8_t *blob, uint8_t commit[32])
{
    int rc;

    if (len > (size_t)1 << 20)
        return ZL_ELIMIT;
    if ((rc = rk_random(salt, PII_SALT_LEN)) ||
        (rc = rk_random(nonce, PII_NONCE_LEN)) ||
        (rc = rk_pii_commit(salt, PII_SALT_LEN, canon, len, commit)))
        return rc;
    return encrypt(key, id, canon, len, nonce, blob);
}

int rk_pii_reseal(const uint8_t key[32], const char *id, const char *canon,
                  size_t len, uint8_t nonce[PII_NONCE_LEN], uint8_t *blob)
{
    int rc;

    if (len > (size_t)1 << 20)
        return ZL_ELIMIT;
    if ((rc = rk_random(nonce, PII_NONCE_LEN)))
        return rc;
    return encrypt(key, id, canon, len, nonce, blob);
}

int rk_pii_open(const uint8_t key[32], const char *id, const uint8_t *nonce,
                size_t nonce_len, const uint8_t *blob, size_t blob_len,
                uint8_t *out)
{
    EVP_CIPHER_CTX *c = NULL;
    uint8_t tag[PII_TAG_LEN];
    size_t len;
    int n = 0, m = 0, rc = ZL_EVERIFY;

    if (nonce_len != PII_NONCE_LEN || blob_len < PII_TAG_LEN)
        return ZL_EVERIFY;
    len = blob_len - PII_TAG_LEN;
    memcpy(tag, blob + len, PII_TAG_LEN);
    if (!(c = EVP_CIPHER_CTX_new()))
        return ZL_ENOMEM;
    if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, PII_NONCE_LEN, NULL) !=
            1 ||
        EVP_DecryptInit_ex(c, NULL, NULL, key, nonce) != 1 ||
        EVP_DecryptUpdate(c, NULL, &n, (const uint8_t *)id, (int)strlen(id)) !=
            1 ||
        EVP_DecryptUpdate(c, out, &n, blob, (int)len) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, PII_TAG_LEN, tag) != 1 ||
        EVP_DecryptFinal_ex(c, out + n, &m) != 1)
        goto out;
    rc = 0;
out:
    EVP_CIPHER_CTX_free(c);
    return rc;
}
