/*
 * token.c - API tokens (see zhiliang/party.h).
 *
 * Tokens are "zlt_<16 hex id>_<43 base64url secret>" (256 random bits);
 * the store keeps only SHA-256 of the full text, looked up by the id part,
 * compared in constant time. A token is bound to the party's registry ID
 * even when the party was named by USCC or GLN. Rejected: bcrypt/argon2
 * hashing as for passwords. The secret carries 256 bits of entropy, so a
 * fast hash is safe, and the server checks a token on every write.
 */
#include "zhiliang/party.h"

#include "party/party_int.h"
#include "store/store.h"
#include "store/store_party.h"
#include "util/codec.h"
#include "util/timefmt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static int sha256_hex(const char *p, size_t n, char out[65])
{
    uint8_t d[32];
    unsigned int dl = 0;

    if (!EVP_Digest(p, n, d, &dl, EVP_sha256(), NULL) || dl != 32)
        return ZL_ENOMEM;
    zl_hex_encode(d, 32, out);
    return 0;
}

static int copy_party_id(void *ctx, const struct zl_party *p)
{
    snprintf(ctx, ZL_PARTY_ID_MAX, "%s", p->id);
    return 0;
}

int zl_token_create(zl_store *s, const char *party_id, char token[ZL_TOKEN_MAX],
                    char token_id[ZL_TOKEN_ID_MAX])
{
    uint8_t rnd[8 + 32];
    char b64[48], hash[65], pid[ZL_PARTY_ID_MAX], key[ZL_TOKEN_ID_MAX + 8];
    size_t n, i, j;
    int rc, own = 0;

    /* The token binds to the party's ID even when named by USCC or GLN. */
    if ((rc = zl_party_get(s, party_id, copy_party_id, pid)))
        return rc;
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return ZL_ENOMEM;
    zl_hex_encode(rnd, 8, token_id);
    n = zl_base64_encode(rnd + 8, 32, b64);
    /* base64url without padding: tokens travel in headers and shells. */
    for (i = j = 0; i < n; i++) {
        char c = b64[i];
        if (c == '=')
            continue;
        b64[j++] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    b64[j] = '\0';
    snprintf(token, ZL_TOKEN_MAX, "zlt_%s_%s", token_id, b64);
    if ((rc = sha256_hex(token, strlen(token), hash)))
        return rc;
    snprintf(key, sizeof key, "token:%s", token_id);
    if ((rc = zl_registry_tx_begin(s, &own)))
        return rc;
    rc = zl_store_token_put(s, token_id, pid, hash, zl_time_now_ms());
    if (!rc)
        rc = zl_registry_log(s, key);
    return zl_registry_tx_end(s, own, rc);
}

int zl_token_revoke(zl_store *s, const char *token_id)
{
    char key[ZL_TOKEN_ID_MAX + 8];
    int rc, own = 0;

    if (strlen(token_id) >= ZL_TOKEN_ID_MAX)
        return ZL_ENOTFOUND;
    snprintf(key, sizeof key, "token:%s", token_id);
    if ((rc = zl_registry_tx_begin(s, &own)))
        return rc;
    rc = zl_store_token_revoke(s, token_id, zl_time_now_ms());
    if (!rc)
        rc = zl_registry_log(s, key);
    return zl_registry_tx_end(s, own, rc);
}

int zl_token_verify(zl_store *s, const char *tok, size_t len,
                    char party_id[ZL_PARTY_ID_MAX])
{
    char id[ZL_TOKEN_ID_MAX], want[65], got[65];
    char party[ZL_PARTY_ID_MAX];
    int64_t revoked = 0;
    int rc;

    if (len < 4 + 16 + 2 || len >= ZL_TOKEN_MAX || memcmp(tok, "zlt_", 4) ||
        tok[20] != '_')
        return ZL_EPERM;
    memcpy(id, tok + 4, 16);
    id[16] = '\0';
    rc = zl_store_token_get(s, id, party, want, &revoked);
    if (rc == ZL_ENOTFOUND)
        return ZL_EPERM;
    if (rc)
        return rc;
    if ((rc = sha256_hex(tok, len, got)))
        return rc;
    if (CRYPTO_memcmp(got, want, 64) != 0 || revoked)
        return ZL_EPERM;
    memcpy(party_id, party, ZL_PARTY_ID_MAX);
    return 0;
}

int zl_token_list(zl_store *s, const char *party_id, zl_token_cb cb, void *ctx)
{
    return zl_store_token_list(s, party_id, cb, ctx);
}
