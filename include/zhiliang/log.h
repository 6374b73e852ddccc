/*
 * zhiliang/log.h - the tamper-evident log (责任可究): an RFC 9162 / RFC 6962
 * Merkle tree over every accepted record, C2SP signed-note checkpoints and
 * inclusion / consistency proofs.
 *
 * Leaves. Each accepted record becomes one leaf whose input is a type byte
 * followed by the record's canonical bytes (for EPCIS events the CBV 2.0
 * pre-hash string), so the leaf hash is SHA-256(0x00 || type || canon).
 * Interior nodes are SHA-256(0x01 || left || right) (RFC 9162 2.1.1).
 *
 * Storage. The store keeps every leaf hash and every complete, aligned
 * subtree node (level, index), so any root, inclusion or consistency proof
 * needs O(log n) stored-node reads; appending costs about two SHA-256 per
 * leaf because the right frontier of the tree is kept in memory and checked
 * against the stored tail before each append (after a rollback, or when
 * another connection appended, it is reloaded).
 *
 * Checkpoints follow C2SP tlog-checkpoint inside a C2SP signed note signed
 * with the operator's Ed25519 key; the key name is the log origin. Proofs
 * are printed as JSON or as C2SP tlog-proof text.
 *
 * Verification functions (zl_log_verify_*, zl_log_checkpoint_verify,
 * zl_log_proof_*) are pure: they need no store and are what the standalone
 * zhiliang-verify program links.
 */
#ifndef ZL_LOG_H
#define ZL_LOG_H

#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_leaf_type {
    ZL_LEAF_EVENT = 1,
    ZL_LEAF_RECALL = 2,
    ZL_LEAF_PARTY = 3,
    ZL_LEAF_INSPECTION = 4, /* supervision: registries, plans, draws */
    ZL_LEAF_COMPLAINT = 5,
    ZL_LEAF_CORRECTION = 6, /* errorDeclaration on a stored event */
    ZL_LEAF_CAPTURE = 7,    /* a capture receipt: record time, party */
    ZL_LEAF_SPC = 8,        /* SPC stream definitions, batches, alarms */
    ZL_LEAF_SUBS = 9        /* named queries and subscriptions */
};

#define ZL_LOG_HASH_LEN 32
/* A proof in a tree of fewer than 2^64 leaves never has more hashes. */
#define ZL_LOG_MAX_PROOF 64

/* ---- pure hashing and proof verification (no store) --------------------- */

/* Leaf hash of a record: SHA-256(0x00 || leaf_type || canon). */
int zl_log_leaf_hash(uint8_t leaf_type, const void *canon, size_t len,
                     uint8_t out[32]);

/* Plain RFC 6962 leaf hash SHA-256(0x00 || data) (no type byte). */
int zl_log_leaf_hash_raw(const void *data, size_t len, uint8_t out[32]);

/* RFC 9162 2.1.3.2: does `leaf` sit at `index` of the tree of `size`
 * leaves with root `root`? proof[0..n) goes from the leaf's sibling up.
 * Returns 0, ZL_EVERIFY when it does not, ZL_ENOMEM. */
int zl_log_verify_inclusion(uint64_t index, uint64_t size,
                            const uint8_t leaf[32], const uint8_t (*proof)[32],
                            size_t n, const uint8_t root[32]);

/* RFC 9162 2.1.4.2: is the tree (size2, root2) an append-only extension of
 * (size1, root1)? Equal sizes need an empty proof and equal roots; size1 0
 * needs an empty proof. Returns 0, ZL_EVERIFY, ZL_ENOMEM. */
int zl_log_verify_consistency(uint64_t size1, uint64_t size2,
                              const uint8_t root1[32], const uint8_t root2[32],
                              const uint8_t (*proof)[32], size_t n);

/* ---- checkpoints (C2SP tlog-checkpoint in a C2SP signed note) ----------- */

struct zl_checkpoint {
    char origin[256];
    uint64_t size;
    uint8_t root[32];
};

/* Parse a C2SP note verifier key "<name>+<hex key id>+<base64(0x01||pub)>".
 * name gets the key name (NUL-terminated, namecap bytes). Checks that the
 * key id matches the name and key. Returns 0 or ZL_ESYNTAX / ZL_EVERIFY. */
int zl_log_vkey_parse(const char *vkey, size_t len, char *name, size_t namecap,
                      uint8_t keyid[4], uint8_t pub[32]);

/* Parse the checkpoint note and verify it carries a valid signature by the
 * key vkey (other signatures, e.g. witnesses', are ignored). Also checks
 * the origin equals the key name. out is filled on success. Returns 0,
 * ZL_ESYNTAX (malformed), ZL_EVERIFY (no valid signature by this key),
 * with err describing why. */
int zl_log_checkpoint_verify(const char *note, size_t len, const char *vkey,
                             struct zl_checkpoint *out, struct zl_error *err);

/* Parse the checkpoint body only, without checking any signature. */
int zl_log_checkpoint_parse(const char *note, size_t len,
                            struct zl_checkpoint *out, struct zl_error *err);

/* ---- proof text (C2SP tlog-proof) --------------------------------------- */

/* Write "c2sp.org/tlog-proof@v1\nindex N\n<b64 hash>...\n\n<checkpoint>".
 * *out is new (zl_free). */
int zl_log_proof_format(uint64_t index, const uint8_t (*proof)[32], size_t n,
                        const char *checkpoint, char **out);

/* Parse a tlog-proof. proof must hold ZL_LOG_MAX_PROOF hashes.
 * *checkpoint points into text (borrowed), *cplen its length. */
int zl_log_proof_parse(const char *text, size_t len, uint64_t *index,
                       uint8_t (*proof)[32], size_t *n, const char **checkpoint,
                       size_t *cplen, struct zl_error *err);

/* Full offline check: the proof text's checkpoint is signed by vkey and
 * leaf sits at the proof's index under its root. Returns 0, ZL_EVERIFY,
 * ZL_ESYNTAX with err filled; *index and *size (may be NULL) get the
 * leaf position and the checkpoint size. */
int zl_log_proof_verify(const char *text, size_t len, const uint8_t leaf[32],
                        const char *vkey, uint64_t *index, uint64_t *size,
                        struct zl_error *err);

/* The offline check as users hand proofs over: proof_text is C2SP
 * tlog-proof text or the JSON of `zhiliang log prove --json`; checkpoint
 * (may be NULL: use the one the proof embeds) must be signed by vkey (a C2SP
 * verifier key; trailing whitespace ignored) and leaf must sit at the
 * proof's index under its root. Fills *ck and *index (may be NULL).
 * Returns 0, ZL_EVERIFY, ZL_ESYNTAX or ZL_EINVAL with err saying why. */
int zl_log_proof_check(const char *proof_text, size_t plen,
                       const char *checkpoint, size_t cplen,
                       const uint8_t leaf[32], const char *vkey,
                       struct zl_checkpoint *ck, uint64_t *index,
                       struct zl_error *err);

/* ---- the store's log ----------------------------------------------------- */

/* Create the operator's Ed25519 key pair and remember origin (which is also
 * the key name; no whitespace or '+'). Private key goes to the store's meta.
 * ZL_EEXIST if keys exist. */
int zl_log_init_keys(zl_store *s, const char *origin);

/* The operator's C2SP verifier key. *vkey is new (zl_free). */
int zl_log_public_key(zl_store *s, char **vkey);

/* Append one record's leaf. Must run inside the caller's open store
 * transaction (zl_store_begin .. commit) so rows and leaf land together.
 * record_key names the record (event hash ID) for zl_log_find. *leaf_index
 * (may be NULL) gets the new leaf's index. */
int zl_log_append(zl_store *s, uint8_t leaf_type, const char *record_key,
                  const void *canon, size_t canon_len, uint64_t *leaf_index);

/* The store calls this after rolling back a transaction: the in-memory
 * frontier is dropped and reloaded at the next append. */
void zl_log_on_rollback(zl_store *s);

int zl_log_size(zl_store *s, uint64_t *size);

/* Root of the first `size` leaves (size <= current size). */
int zl_log_root(zl_store *s, uint64_t size, uint8_t root[32]);

/* The leaf for a record key: index, type and leaf hash (any may be NULL).
 * If the key was appended more than once the first leaf is returned.
 * ZL_ENOTFOUND when absent. */
int zl_log_find(zl_store *s, const char *record_key, uint64_t *index,
                uint8_t *leaf_type, uint8_t leaf_hash[32]);

/* Leaf hash at index; ZL_ENOTFOUND past the end. */
int zl_log_leaf(zl_store *s, uint64_t index, uint8_t leaf_hash[32]);

/* Proofs from stored nodes. proof must hold ZL_LOG_MAX_PROOF hashes. */
int zl_log_prove_inclusion(zl_store *s, uint64_t index, uint64_t size,
                           uint8_t (*proof)[32], size_t *n);
int zl_log_prove_consistency(zl_store *s, uint64_t size1, uint64_t size2,
                             uint8_t (*proof)[32], size_t *n);

/* Sign and store a checkpoint at the current size (if one exists at this
 * size it is returned unchanged: Ed25519 is deterministic). *note is new. */
int zl_log_checkpoint_issue(zl_store *s, char **note);

/* Latest stored checkpoint (ZL_ENOTFOUND if none). *note is new. */
int zl_log_checkpoint_latest(zl_store *s, char **note);

/* ---- full verification (`zhiliang verify`) ------------------------------ */

/* Recompute leaf input: for the leaf (leaf_type, record_key) write the
 * record's canonical bytes, as they would be logged now, into *canon / *len
 * (borrowed until the next call). Return 0, ZL_ENOTFOUND if the record is
 * gone, or another negative error (which aborts the walk). */
typedef int (*zl_log_leaf_source_cb)(void *ctx, uint8_t leaf_type,
                                     const char *record_key, const void **canon,
                                     size_t *len);

enum zl_log_issue_kind {
    ZL_LOGV_LEAF_CHANGED = 1, /* record now hashes to another leaf */
    ZL_LOGV_RECORD_MISSING,   /* leaf's record no longer in the store */
    ZL_LOGV_LEAF_GAP,         /* leaf index missing from the sequence */
    ZL_LOGV_LEAF_DUPLICATE,   /* record key logged again (reorder/replay) */
    ZL_LOGV_NODE_CHANGED,     /* stored interior node differs */
    ZL_LOGV_NODE_MISSING,     /* stored interior node absent */
    ZL_LOGV_CHECKPOINT_SIG,   /* checkpoint signature does not verify */
    ZL_LOGV_CHECKPOINT_ROOT,  /* checkpoint root != recomputed root */
    ZL_LOGV_CHECKPOINT_CONSISTENCY /* two checkpoints not consistent */
};

struct zl_log_issue {
    enum zl_log_issue_kind kind;
    uint64_t index;         /* leaf index, node index or checkpoint size */
    unsigned level;         /* for node issues */
    const char *record_key; /* borrowed, or NULL */
    const char *detail;     /* borrowed text */
};

typedef int (*zl_log_report_cb)(void *ctx, const struct zl_log_issue *issue);

struct zl_log_verify_stats {
    uint64_t leaves, nodes, checkpoints, issues;
};

/* Recompute the whole tree from the records (recompute gives each leaf's
 * canonical bytes), compare with stored leaves, nodes and checkpoints,
 * check every checkpoint's signature and that successive checkpoints are
 * consistent. report is called once per problem (non-zero stops). Returns
 * 0 when everything matches, ZL_ETAMPER when any issue was reported,
 * another negative error on failure. stats may be NULL. */
int zl_log_verify_all(zl_store *s, zl_log_leaf_source_cb recompute, void *rctx,
                      zl_log_report_cb report, void *pctx,
                      struct zl_log_verify_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
