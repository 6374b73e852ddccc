/*
 * zhiliang/draw.h - publicly verifiable random selection: RFC 3797 and the
 * log beacon that seeds supervision draws (双随机).
 *
 * A draw is credible when nobody could know its randomness while its plan
 * could still change, and anybody can re-run it afterwards. Zhiliang gets
 * both from two public sources:
 *
 *   - RFC 3797's procedure (the IETF NomCom selection): a key string made
 *     of canonicalised seed values; selection i takes MD5(c || key || c),
 *     c being i as a two-byte big-endian counter, reads the digest as a
 *     128-bit big-endian number and picks the (value mod remaining)th of
 *     the names not yet picked. Any RFC 3797 tool reproduces our picks.
 *   - the log beacon: the Merkle root of the record log at a tree size that
 *     lies after the logged plan (the plan's leaf index plus a distance the
 *     plan itself fixes). That root is unknown until records past the plan
 *     are logged, is fixed for ever once any checkpoint at or past that
 *     size is signed, and is proved to anyone by a consistency proof to a
 *     signed checkpoint. The plan's own leaf is proved to lie before it by
 *     an inclusion proof in the beacon tree.
 *
 * The key string of a Zhiliang draw is the RFC 3797 key of any outside
 * sources the plan named (lottery numbers), followed by the text source
 * "zl1:<plan leaf hex>:<beacon size>:<beacon root hex>./". docs/draws.md
 * shows how a citizen recomputes it with a short Python script.
 *
 * Everything here is pure except zl_draw_beacon_from_log, which reads the
 * store. Strings are NUL-terminated; out buffers are caller-owned.
 */
#ifndef ZL_DRAW_H
#define ZL_DRAW_H

#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest pool RFC 3797 can select from (its counter is 16 bits). */
#define ZL_RFC3797_MAX_POOL 0xFFFF
/* Longest key string we build (bytes, including NUL). */
#define ZL_RFC3797_KEY_MAX 4096

/* Build an RFC 3797 key string from seed text: one source per line, lines
 * starting with '#' and blank lines ignored, each source a list of
 * non-negative integers separated by spaces or tabs. Each source's values
 * are sorted ascending, written in decimal without leading zeros, each
 * followed by '.', the source closed by '/' (RFC 3797 section 4). key
 * (cap bytes) receives the NUL-terminated string; *key_len its length.
 * Returns 0, ZL_ESYNTAX (a value that is not a decimal integer, with the
 * line in err->path), ZL_ELIMIT (key longer than cap, a value over 20
 * digits, more than 256 values in one source) or ZL_EINVAL (no source). */
int zl_rfc3797_key(const char *seeds, size_t len, char *key, size_t cap,
                   size_t *key_len, struct zl_error *err);

/* Run RFC 3797's selection: count picks from a pool of `pool` names
 * (1-based positions in the order the names were published). picks[i]
 * receives the position chosen by step i; md5[i] (may be NULL) its 16-byte
 * digest. The first k picks do not depend on count, so a longer run
 * extends a shorter one. Returns 0, or ZL_EINVAL when count > pool or pool
 * is 0 or over ZL_RFC3797_MAX_POOL, or ZL_ENOMEM. */
int zl_rfc3797_select(const char *key, size_t key_len, uint32_t pool,
                      uint32_t count, uint32_t *picks, uint8_t (*md5)[16]);

/* The log beacon of a plan: the plan's leaf and the root of the log at
 * `size`, which must exceed plan_index (the plan was logged before). */
struct zl_draw_beacon {
    uint64_t plan_index;   /* leaf index of the logged plan */
    uint8_t plan_leaf[32]; /* its leaf hash */
    uint64_t size;         /* beacon tree size, > plan_index */
    uint8_t root[32];      /* Merkle root of the first `size` leaves */
};

/* Text source of a beacon for the key string:
 * "zl1:<plan leaf hex>:<size>:<root hex>./" into out (cap bytes, at least
 * 160). Returns the length written, or ZL_ELIMIT. */
int zl_draw_beacon_text(const struct zl_draw_beacon *b, char *out, size_t cap);

/* Read the beacon from the store's log: the leaf at plan_index and the
 * root at size. Returns 0; ZL_EINVAL when size <= plan_index;
 * ZL_ENOTFOUND when the log has not yet reached size (the seed does not
 * exist yet: wait and retry); ZL_ESTORE. */
int zl_draw_beacon_from_log(zl_store *s, uint64_t plan_index, uint64_t size,
                            struct zl_draw_beacon *b, struct zl_error *err);

/* Check a beacon offline, against evidence obtained from the operator or
 * a mirror: a signed checkpoint note (verified with vkey, the operator's
 * note verifier key) of size N >= b->size, a consistency proof from
 * b->size to N (empty when N == b->size) and an inclusion proof of the
 * plan leaf at b->plan_index in the tree of b->size. Returns 0 when all
 * hold, ZL_EVERIFY with err naming the failed check, ZL_ESYNTAX for a
 * malformed note or key. */
int zl_draw_beacon_check(const struct zl_draw_beacon *b, const char *note,
                         size_t note_len, const char *vkey,
                         const uint8_t (*consistency)[32], size_t n_cons,
                         const uint8_t (*inclusion)[32], size_t n_incl,
                         struct zl_error *err);

#ifdef __cplusplus
}
#endif

#endif
