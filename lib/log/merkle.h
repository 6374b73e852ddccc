/*
 * merkle.h - RFC 9162 tree hashing and proofs over an abstract node source
 * (internal to lib/log).
 *
 * Why a callback: the same code computes roots and proofs from SQLite rows,
 * from an in-memory array in tests and from a bulk-built table in the
 * benchmark. The callback is only ever asked for complete, aligned subtree
 * nodes lying inside the tree: (level, index) covers leaves
 * [index << level, (index + 1) << level); level 0 is the leaf hash.
 */
#ifndef ZL_MERKLE_H
#define ZL_MERKLE_H

#include <stddef.h>
#include <stdint.h>

/* A reusable SHA-256 context (one per thread / per store handle). */
struct zl_hasher {
    void *ctx; /* EVP_MD_CTX */
};

int zl_hasher_init(struct zl_hasher *h);
void zl_hasher_cleanup(struct zl_hasher *h); /* NULL-safe, idempotent */

/* SHA-256 of data alone (known-answer tests, benchmark baseline). */
int zl_sha256(struct zl_hasher *h, const void *data, size_t len,
              uint8_t out[32]);
/* SHA-256(0x00 || [type] || data); type < 0 means no type byte. */
int zl_merkle_leaf(struct zl_hasher *h, int type, const void *data, size_t len,
                   uint8_t out[32]);
/* SHA-256(0x01 || l || r); out may alias l or r. */
int zl_merkle_node(struct zl_hasher *h, const uint8_t l[32],
                   const uint8_t r[32], uint8_t out[32]);

typedef int (*zl_merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
                                 uint8_t out[32]);

/* Largest power of two strictly less than n (n >= 2). */
uint64_t zl_merkle_split(uint64_t n);

/* MTH of leaves [0, size). size 0 gives SHA-256 of the empty string. */
int zl_merkle_root(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                   uint64_t size, uint8_t root[32]);
/* MTH of leaves [start, end) where the range is one of those RFC 9162's
 * recursion produces (start aligned to a power of two >= end - start). */
int zl_merkle_range(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                    uint64_t start, uint64_t end, uint8_t out[32]);

/* RFC 9162 2.1.3.1 PATH(index, D[0:size]); proof has ZL_LOG_MAX_PROOF
 * room. ZL_EINVAL if index >= size. */
int zl_merkle_inclusion(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                        uint64_t index, uint64_t size, uint8_t (*proof)[32],
                        size_t *n);
/* RFC 9162 2.1.4.1 PROOF(size1, D[0:size2]); ZL_EINVAL if size1 > size2.
 * size1 == 0 or size1 == size2 gives an empty proof. */
int zl_merkle_consistency(struct zl_hasher *h, zl_merkle_node_fn get, void *ctx,
                          uint64_t size1, uint64_t size2, uint8_t (*proof)[32],
                          size_t *n);

/* Verifiers with a caller-supplied hasher (the public ones wrap these). */
int zl_merkle_verify_inclusion(struct zl_hasher *h, uint64_t index,
                               uint64_t size, const uint8_t leaf[32],
                               const uint8_t (*proof)[32], size_t n,
                               const uint8_t root[32]);
int zl_merkle_verify_consistency(struct zl_hasher *h, uint64_t size1,
                                 uint64_t size2, const uint8_t root1[32],
                                 const uint8_t root2[32],
                                 const uint8_t (*proof)[32], size_t n);

/* The right frontier: the roots of the perfect subtrees that make up a
 * tree of `size` leaves, one per set bit of size (node[l] valid when bit l
 * is set). Appending costs one leaf hash plus one node hash per carried
 * bit, two SHA-256 per leaf amortised. */
struct zl_frontier {
    uint64_t size;
    uint8_t node[64][32];
};

/* Load the frontier for `size` leaves from the node source. */
int zl_frontier_load(struct zl_frontier *f, zl_merkle_node_fn get, void *ctx,
                     uint64_t size);
/* Add one leaf hash. For each newly completed interior node, emit(ectx,
 * level, index, hash) is called (may be NULL) so it can be stored. */
typedef int (*zl_merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
                                 const uint8_t hash[32]);
int zl_frontier_add(struct zl_frontier *f, struct zl_hasher *h,
                    const uint8_t leaf[32], zl_merkle_emit_fn emit, void *ectx);
/* Root of the frontier's tree. */
int zl_frontier_root(const struct zl_frontier *f, struct zl_hasher *h,
                     uint8_t root[32]);

#endif
