/*
 * ep_sha256.c - SHA-256 of a pre-hash string and the CBV 2.0 event hash
 * ID written from it ("ni:///sha-256;<hex>?ver=CBV2.0", RFC 6920).
 *
 * OpenSSL's EVP with the digest fetched once per process (pthread_once)
 * instead of EVP_sha256(), whose implicit fetch repeats the provider
 * lookup for every one of thousands of small events. A SHA-256 of our
 * own was rejected: OpenSSL is a dependency anyway (signatures) and its
 * code is the checked one.
 *
 * One EVP_MD_CTX per thread, kept in a pthread key (freed when the thread
 * ends) and re-initialised for every digest: EVP_Digest() allocates and
 * frees a context per call, which for events of a few hundred bytes was
 * a noticeable share of the hash. A context per call stays the fallback
 * when the key cannot be made.
 */
#include "epcis/epcis_int.h"

#include "util/codec.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

static EVP_MD *sha256_md;
static pthread_key_t sha256_key;
static int sha256_have_key;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* The key's destructor: a thread's context when the thread ends. */
static void ctx_free(void *c)
{
    EVP_MD_CTX_free(c);
}

/* Once per process: the digest, and the key of the per-thread contexts. */
static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    sha256_have_key = pthread_key_create(&sha256_key, ctx_free) == 0;
}

/* This thread's context, made on first use; NULL if none can be kept. */
static EVP_MD_CTX *thread_ctx(void)
{
    EVP_MD_CTX *c;
    if (!sha256_have_key)
        return NULL;
    c = pthread_getspecific(sha256_key);
    if (c)
        return c;
    c = EVP_MD_CTX_new();
    if (c && pthread_setspecific(sha256_key, c) != 0) {
        EVP_MD_CTX_free(c);
        c = NULL;
    }
    return c;
}

int ep_sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    EVP_MD_CTX *c;
    pthread_once(&sha256_once, fetch_sha256);
    if (!sha256_md)
        return ZL_ENOMEM;
    c = thread_ctx();
    if (!c) {
        if (EVP_Digest(p, n, out, &len, sha256_md, NULL) != 1 || len != 32)
            return ZL_ENOMEM;
        return 0;
    }
    if (EVP_DigestInit_ex2(c, sha256_md, NULL) != 1 ||
        EVP_DigestUpdate(c, p, n) != 1 ||
        EVP_DigestFinal_ex(c, out, &len) != 1 || len != 32)
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
