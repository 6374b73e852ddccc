/*
 * ep_sha256.c - SHA-256 of a pre-hash string and the CBV 2.0 event hash
 * ID written from it ("ni:///sha-256;<hex>?ver=CBV2.0", RFC 6920).
 *
 * OpenSSL's EVP with the digest fetched once per process (pthread_once)
 * instead of EVP_sha256(), whose implicit fetch repeats the provider
 * lookup for every one of thousands of small events. A SHA-256 of our
 * own was rejected: OpenSSL is a dependency anyway (signatures) and its
 * code is the checked one.
 */
#include "epcis/epcis_int.h"

#include "util/codec.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int ep_sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    pthread_once(&sha256_once, fetch_sha256);
    if (!sha256_md)
        return ZL_ENOMEM;
    if (EVP_Digest(p, n, out, &len, sha256_md, NULL) != 1 || len != 32)
        return ZL_ENOMEM;
    return 0;
}

void zl_event_hash_id(const uint8_t h[32], char out[96])
{
    static const char pre[] = "ni:///sha-256;";
    static const char post[] = "?ver=CBV2.0";
    memcpy(out, pre, sizeof pre - 1);
    zl_hex_encode(h, 32, out + sizeof pre - 1);
    memcpy(out + sizeof pre - 1 + 64, post, sizeof post);
}
