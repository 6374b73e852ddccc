/*
 * store_log.h - the store functions the Merkle log (lib/log) needs.
 *
 * Tables: log_leaf (index -> leaf type, record key, leaf hash; indexed by
 * record key), log_node ((level, index) -> hash of every complete aligned
 * subtree above the leaves; on SQLite since schema 32 only those of every
 * 4th level, the others derived on read: zl_store_log_node_kept) and
 * log_checkpoint (size -> root, signed note).
 * Leaves and nodes are written inside the caller's transaction, so they
 * commit or roll back with the record they log.
 *
 * Indexes are stored as SQLite INTEGER (signed 64-bit): a log is limited to
 * 2^63 leaves. Hashes are 32-byte BLOBs.
 */
#ifndef ZL_STORE_LOG_H
#define ZL_STORE_LOG_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* 1 if a transaction is open on s (the log appends only inside one). */
int zl_store_log_in_tx(zl_store *s);

int zl_store_log_leaf_put(zl_store *s, uint64_t index, uint8_t leaf_type,
                          const char *record_key, const uint8_t hash[32]);
int zl_store_log_node_put(zl_store *s, unsigned level, uint64_t index,
                          const uint8_t hash[32]);
/* Level 0 reads the leaf hash. ZL_ENOTFOUND if absent. */
int zl_store_log_node_get(zl_store *s, unsigned level, uint64_t index,
                          uint8_t hash[32]);
/* 1 if the backend stores the nodes of level (node_put keeps them and
 * node_get reads them back as stored), 0 if it derives them on read from
 * the level below (SQLite keeps every 4th level: sqlite_log.c). Verify
 * compares stored nodes only: a derived one equals its recomputation by
 * construction. */
int zl_store_log_node_kept(zl_store *s, unsigned level);
/* Number of leaves (highest index + 1) and the last leaf's hash (not
 * touched when the log is empty). */
int zl_store_log_tail(zl_store *s, uint64_t *size, uint8_t last[32]);
/* First leaf logged under record_key; any out pointer may be NULL. */
int zl_store_log_find(zl_store *s, const char *record_key, uint64_t *index,
                      uint8_t *leaf_type, uint8_t hash[32]);

/* Every leaf in index order (strings borrowed during the callback). */
typedef int (*zl_store_log_leaf_cb)(void *ctx, uint64_t index,
                                    uint8_t leaf_type, const char *record_key,
                                    const uint8_t hash[32]);
int zl_store_log_leaves(zl_store *s, zl_store_log_leaf_cb cb, void *ctx);

/* Checkpoints: put fails with ZL_EEXIST if one is stored at that size. */
int zl_store_log_checkpoint_put(zl_store *s, uint64_t size,
                                const uint8_t root[32], const char *note,
                                int64_t issued_ms);
/* The note at size, or the latest when size is UINT64_MAX. *note new. */
int zl_store_log_checkpoint_get(zl_store *s, uint64_t size, char **note);
typedef int (*zl_store_log_checkpoint_cb)(void *ctx, uint64_t size,
                                          const uint8_t root[32],
                                          const char *note, size_t len);
int zl_store_log_checkpoints(zl_store *s, zl_store_log_checkpoint_cb cb,
                             void *ctx);

/* Bytes used by the log tables (0 when the backend cannot tell). */
int zl_store_log_bytes(zl_store *s, uint64_t *bytes);

#endif
