/*
 * merkle.c - RFC 9162 Merkle tree hashing, proofs and proof verification.
 *
 * Everything here reads the tree through a node callback that is only asked
 * for complete, aligned subtrees (see merkle.h), so roots and proofs cost
 * O(log n) node reads whatever holds the nodes. The recursive definitions
 * of RFC 9162 (MTH, PATH, SUBPROOF) are walked top-down in a loop; the
 * siblings collected on the way down are reversed at the end because the
 * RFC lists them leaf first. Rejected: caching whole levels in memory
 * (does not scale to 10^8 leaves) and computing ragged right edges from
 * leaves (O(n) reads for the newest leaves, the ones asked for most).
 *
 * SHA-256 goes through OpenSSL's EVP interface with the digest fetched once
 * per process and one EVP_MD_CTX per hasher, reused for every hash: a fresh
 * context per hash would cost more than the 64-byte hash itself.
 */
#include "log/merkle.h"

#include "zhiliang/error.h"
#include "zhiliang/log.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int zl_hasher_init(struct zl_hasher *h)
{
    h->ctx = NULL;
    pthread_once(&sha256_once, fetch_sha256);
    if (!sha256_md)
        return ZL_EUNSUPPORTED;
    h->ctx = EVP_MD_CTX_new();
    return h->ctx ? 0 : ZL_ENOMEM;
}

void zl_hasher_cleanup(struct zl_hasher *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

/* Hash up to three pieces; every hash in this module has that shape. */
static int hash3(struct zl_hasher *h, const void *a, size_t alen, const void *b,
                 size_t blen, const void *c, size_t clen, uint8_t out[32])
{
    EVP_MD_CTX *ctx = h->ctx;
    unsigned int olen = 0;

    if (!EVP_DigestInit_ex2(ctx, sha256_md, NULL) ||
        (alen && !EVP_DigestUpdate(ctx, a, alen)) ||
        (blen && !EVP_DigestUpdate(ctx, b, blen)) ||
        (clen && !EVP_DigestUpdate(ctx, c, clen)) ||
        !EVP_DigestFinal_ex(ctx, out, &olen) || olen != 32)
        return ZL_EUNSUPPORTED;
    return 0;
}

int zl_sha256(struct zl_hasher *h, const void *data, size_t len,
              uint8_t out[32])
{
    return hash3(h, data, len, NULL, 0, NULL, 0, out);
}

int zl_merkle_leaf(struct zl_hasher *h, int type, const void *data, size_t len,
                   uint8_t out[32])
{
    uint8_t pre[2] = {0x00, (uint8_t)type};

    return hash3(h, pre, type < 0 ? 1 : 2, data, len, NULL, 0, out);
}

int zl_merkle_node(struct zl_hasher *h, const uint8_t l[32],
                   const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[65];

    /* One update of 65 bytes is measurably cheaper than three. */
    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    return hash3(h, buf, 65, NULL, 0, NULL, 0, out);
}

uint64_t zl_merkle_split(uint64_t n)
{
    uint64_t k = 1;

    while (k << 1 < n)
        k <<= 1;
    return k;
}

static int is_pow2(uint64_t n)
{
    return n && !(n & (n - 1));
}

static unsigned log2u(uint64_t n)
{
    unsigned l = 0;

    while (n >>= 1)
        l++;
    return l;
}

int zl_merkle_range(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                    uint64_t start, uint64_t end, uint8_t out[32])
{
    uint64_t n = end - start, k;
    uint8_t left[32], right[32];
    int rc;

    if (end <= start)
        return ZL_EINVAL;
    if (is_pow2(n) && start % n == 0) {
        unsigned level = log2u(n);

        return get(ctx, level, start >> level, out);
    }
    k = zl_merkle_split(n);
    if ((rc = zl_merkle_range(h, get, ctx, start, start + k, left)) ||
        (rc = zl_merkle_range(h, get, ctx, start + k, end, right)))
        return rc;
    return zl_merkle_node(h, left, right, out);
}

int zl_merkle_root(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                   uint64_t size, uint8_t root[32])
{
    if (size == 0)
        return zl_sha256(h, "", 0, root);
    return zl_merkle_range(h, get, ctx, 0, size, root);
}

static void reverse(uint8_t (*p)[32], size_t n)
{
    uint8_t t[32];

    for (size_t i = 0; i < n / 2; i++) {
        memcpy(t, p[i], 32);
        memcpy(p[i], p[n - 1 - i], 32);
        memcpy(p[n - 1 - i], t, 32);
    }
}

int zl_merkle_inclusion(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                        uint64_t index, uint64_t size, uint8_t (*proof)[32],
                        size_t *n)
{
    uint64_t start = 0, end = size;
    size_t cnt = 0;
    int rc;

    *n = 0;
    if (index >= size)
        return ZL_EINVAL;
    while (end - start > 1) {
        uint64_t k = zl_merkle_split(end - start);

        if (cnt >= ZL_LOG_MAX_PROOF)
            return ZL_ELIMIT;
        if (index - start < k) {
            rc = zl_merkle_range(h, get, ctx, start + k, end, proof[cnt]);
            end = start + k;
        } else {
            rc = zl_merkle_range(h, get, ctx, start, start + k, proof[cnt]);
            start += k;
        }
        if (rc)
            return rc;
        cnt++;
    }
    reverse(proof, cnt);
    *n = cnt;
    return 0;
}

int zl_merkle_consistency(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                          uint64_t size1, uint64_t size2, uint8_t (*proof)[32],
                          size_t *n)
{
    uint64_t start = 0, end = size2, m = size1;
    int whole = 1; /* the RFC's b: m is the whole old tree */
    size_t cnt = 0;
    int rc;

    *n = 0;
    if (size1 > size2)
        return ZL_EINVAL;
    if (size1 == 0 || size1 == size2)
        return 0;
    for (;;) {
        uint64_t len = end - start, k;

        if (cnt >= ZL_LOG_MAX_PROOF)
            return ZL_ELIMIT;
        if (m == len) {
            if (!whole) {
                if ((rc = zl_merkle_range(h, get, ctx, start, end, proof[cnt])))
                    return rc;
                cnt++;
            }
            break;
        }
        k = zl_merkle_split(len);
        if (m <= k) {
            rc = zl_merkle_range(h, get, ctx, start + k, end, proof[cnt]);
            end = start + k;
        } else {
            rc = zl_merkle_range(h, get, ctx, start, start + k, proof[cnt]);
            start += k;
            m -= k;
            whole = 0;
        }
        if (rc)
            return rc;
        cnt++;
    }
    reverse(proof, cnt);
    *n = cnt;
    return 0;
}

int zl_merkle_verify_inclusion(struct zl_hasher *h, uint64_t index,
                               uint64_t size, const uint8_t leaf[32],
                               const uint8_t (*proof)[32], size_t n,
                               const uint8_t root[32])
{
    uint64_t fn = index, sn;
    uint8_t r[32];
    int rc;

    if (index >= size || n > ZL_LOG_MAX_PROOF)
        return ZL_EVERIFY;
    sn = size - 1;
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return ZL_EVERIFY;
        if ((fn & 1) || fn == sn) {
            rc = zl_merkle_node(h, proof[i], r, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            rc = zl_merkle_node(h, r, proof[i], r);
        }
        if (rc)
            return rc;
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, 32) == 0 ? 0 : ZL_EVERIFY;
}

int zl_merkle_verify_consistency(struct zl_hasher *h, uint64_t size1,
                                 uint64_t size2, const uint8_t root1[32],
                                 const uint8_t root2[32],
                                 const uint8_t (*proof)[32], size_t n)
{
    const uint8_t(*p)[32] = proof;
    uint8_t fr[32], sr[32];
    uint64_t fn, sn;
    size_t i = 0;
    int rc;

    if (size1 > size2 || n > ZL_LOG_MAX_PROOF)
        return ZL_EVERIFY;
    if (size1 == size2)
        return n == 0 && memcmp(root1, root2, 32) == 0 ? 0 : ZL_EVERIFY;
    if (size1 == 0)
        return n == 0 ? 0 : ZL_EVERIFY;
    if (n == 0)
        return ZL_EVERIFY;
    /* Step 2: an old tree that is a perfect subtree is its own first node. */
    if (is_pow2(size1)) {
        memcpy(fr, root1, 32);
    } else {
        memcpy(fr, p[0], 32);
        i = 1;
    }
    memcpy(sr, fr, 32);
    fn = size1 - 1;
    sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < n; i++) {
        if (sn == 0)
            return ZL_EVERIFY;
        if ((fn & 1) || fn == sn) {
            if ((rc = zl_merkle_node(h, p[i], fr, fr)) ||
                (rc = zl_merkle_node(h, p[i], sr, sr)))
                return rc;
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else if ((rc = zl_merkle_node(h, sr, p[i], sr))) {
            return rc;
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, root1, 32) == 0 && memcmp(sr, root2, 32) == 0
               ? 0
               : ZL_EVERIFY;
}

int zl_frontier_load(struct zl_frontier *f, zl_merkle_node_fn get, void *ctx,
                     uint64_t size)
{
    int rc;

    memset(f, 0, sizeof *f);
    for (unsigned l = 0; l < 64; l++)
        if ((size >> l) & 1)
            if ((rc = get(ctx, l, (size >> l) - 1, f->node[l])))
                return rc;
    f->size = size;
    return 0;
}

int zl_frontier_add(struct zl_frontier *f, struct zl_hasher *h,
                    const uint8_t leaf[32], zl_merkle_emit_fn emit, void *ectx)
{
    uint8_t cur[32];
    uint64_t idx = f->size;
    unsigned l = 0;
    int rc;

    if (f->size == UINT64_MAX)
        return ZL_ELIMIT;
    memcpy(cur, leaf, 32);
    while ((idx >> l) & 1) {
        if ((rc = zl_merkle_node(h, f->node[l], cur, cur)))
            return rc;
        l++;
        if (emit && (rc = emit(ectx, l, idx >> l, cur)))
            return rc;
    }
    memcpy(f->node[l], cur, 32);
    f->size++;
    return 0;
}

int zl_frontier_root(const struct zl_frontier *f, struct zl_hasher *h,
                     uint8_t root[32])
{
    int found = 0, rc;

    if (f->size == 0)
        return zl_sha256(h, "", 0, root);
    for (unsigned l = 0; l < 64; l++) {
        if (!((f->size >> l) & 1))
            continue;
        if (!found) {
            memcpy(root, f->node[l], 32);
            found = 1;
        } else if ((rc = zl_merkle_node(h, f->node[l], root, root))) {
            return rc;
        }
    }
    return 0;
}

/* ---- public pure wrappers ---------------------------------------------- */

int zl_log_leaf_hash(uint8_t leaf_type, const void *canon, size_t len,
                     uint8_t out[32])
{
    struct zl_hasher h;
    int rc = zl_hasher_init(&h);

    if (!rc)
        rc = zl_merkle_leaf(&h, leaf_type, canon, len, out);
    zl_hasher_cleanup(&h);
    return rc;
}

int zl_log_leaf_hash_raw(const void *data, size_t len, uint8_t out[32])
{
    struct zl_hasher h;
    int rc = zl_hasher_init(&h);

    if (!rc)
        rc = zl_merkle_leaf(&h, -1, data, len, out);
    zl_hasher_cleanup(&h);
    return rc;
}

int zl_log_verify_inclusion(uint64_t index, uint64_t size,
                            const uint8_t leaf[32], const uint8_t (*proof)[32],
                            size_t n, const uint8_t root[32])
{
    struct zl_hasher h;
    int rc = zl_hasher_init(&h);

    if (!rc)
        rc = zl_merkle_verify_inclusion(&h, index, size, leaf, proof, n, root);
    zl_hasher_cleanup(&h);
    return rc;
}

int zl_log_verify_consistency(uint64_t size1, uint64_t size2,
                              const uint8_t root1[32], const uint8_t root2[32],
                              const uint8_t (*proof)[32], size_t n)
{
    struct zl_hasher h;
    int rc = zl_hasher_init(&h);

    if (!rc)
        rc = zl_merkle_verify_consistency(&h, size1, size2, root1, root2, proof,
                                          n);
    zl_hasher_cleanup(&h);
    return rc;
}
