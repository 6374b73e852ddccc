/*
 * zhiliang/audit.h - `zhiliang verify`: recheck every stored record
 * against the Merkle log.
 *
 * Each leaf's record is fetched from the store and its canonical bytes
 * recomputed from the record alone (for an EPCIS event: the CBV 2.0
 * pre-hash string of its stored JSON), the whole tree is rebuilt and
 * compared with the stored leaves, nodes and signed checkpoints, and every
 * stored record is checked to have a leaf. Whatever was altered, removed,
 * reordered or slipped in behind the log's back is named.
 */
#ifndef ZL_AUDIT_H
#define ZL_AUDIT_H

#include "zhiliang/zhiliang.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zl_audit_issue {
    const char *kind;        /* "record-altered", "record-missing",
                                "record-unlogged", "leaf-gap", "leaf-duplicate",
                                "node-changed", "node-missing",
                                "checkpoint-signature", "checkpoint-root",
                                "checkpoint-consistency" */
    uint64_t index;          /* leaf index (or checkpoint size) */
    const char *record_key;  /* e.g. the event hash ID, or NULL */
    const char *detail;      /* human-readable explanation */
};

typedef int (*zl_audit_cb)(void *ctx, const struct zl_audit_issue *issue);

struct zl_audit_stats {
    uint64_t leaves, records, checkpoints, issues;
};

/* Verify everything; cb is called once per issue (borrowed strings).
 * Returns 0 when all matches, ZL_ETAMPER when issues were found, another
 * negative error when verification itself failed. stats may be NULL. */
int zl_audit_verify(zl_store *s, zl_audit_cb cb, void *ctx,
                    struct zl_audit_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
