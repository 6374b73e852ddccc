/*
 * zhiliang/audit.h - `zhiliang verify`: recheck every stored record
 * against the Merkle log.
 *
 * Each leaf's record is fetched from the store and its canonical bytes
 * recomputed from the record alone (for an EPCIS event: the CBV 2.0
 * pre-hash string of its stored JSON), the whole tree is rebuilt and
 * compared with the stored leaves, nodes and signed checkpoints, and every
 * stored record is checked to have a leaf. Whatever was altered, removed,
 * reordered or slipped in behind the log's back is named. An event's
 * record time and capturing party, which its record does not state, are
 * checked against the first logged capture receipt that lists it
 * (docs/architecture.md, "Capture receipts").
 */
#ifndef ZL_AUDIT_H
#define ZL_AUDIT_H

#include "zhiliang/zhiliang.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zl_audit_issue {
    const char *kind;       /* "record-altered", "record-missing",
                               "metadata-altered", "metadata-unanchored",
                               "record-unlogged", "record-duplicated",
                               "event-hash-altered",
                               "leaf-gap", "leaf-duplicate",
                               "node-changed", "node-missing",
                               "checkpoint-signature", "checkpoint-root",
                               "checkpoint-consistency" */
    uint64_t index;         /* leaf index (or checkpoint size) */
    const char *record_key; /* e.g. the event hash ID, or NULL */
    const char *detail;     /* human-readable explanation */
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

/* The canonical bytes of the logged record (leaf_type, record_key) as
 * the store recomputes them now, i.e. what `verify` hashes into the leaf
 * (for an event: its CBV 2.0 pre-hash string). For showing a record's
 * proof to someone who may read the record: the caller decides that.
 * *canon is new (zl_free), *len its length. Returns 0, ZL_ENOTFOUND (no
 * such record, or its stored form no longer parses), ZL_EUNSUPPORTED
 * (a leaf type without records), or a store error. */
int zl_audit_record_canon(zl_store *s, uint8_t leaf_type,
                          const char *record_key, char **canon, size_t *len);

/* Outside anchors for zl_audit_verify_anchored, obtained elsewhere than
 * the store being checked (a published key, a checkpoint a mirror or
 * witness saw). Either may be NULL. */
struct zl_audit_anchor {
    const char *vkey;       /* the operator's C2SP verifier key */
    const char *checkpoint; /* a signed checkpoint note */
    size_t checkpoint_len;
};

/* zl_audit_verify, and then against the anchors: the store's key must be
 * vkey and its newest checkpoint must verify with it; the anchor
 * checkpoint must verify (with vkey, else the store's key), must not be
 * ahead of the log (a rolled-back log) and its root must be the root the
 * log recomputes at its size (rewritten history). Each failure is
 * reported as an issue ("anchor-key", "anchor-signature", "anchor-ahead",
 * "anchor-root"). Returns as zl_audit_verify. */
int zl_audit_verify_anchored(zl_store *s, const struct zl_audit_anchor *an,
                             zl_audit_cb cb, void *ctx,
                             struct zl_audit_stats *stats);

struct zl_audit_reindex_stats {
    uint64_t events;      /* events whose rows were rewritten */
    uint64_t documents;   /* signed documents relinked */
    uint64_t cases;       /* recall cases rewritten from their records */
    uint64_t skipped;     /* records that no longer hash to their key */
    uint64_t metadata;    /* events whose record_time or party were put
                             back as their capture receipt states */
    uint64_t registry;    /* parties, products and tokens rewritten from
                             their last logged record */
    uint64_t tokens_lost; /* logged tokens whose row (and so hash) is gone:
                             not rebuilt, verify keeps naming them */
};

/* Rebuild every derived row (the events rows' capture metadata from their
 * capture receipts, the events rows' index columns and packed
 * identifiers, the identifier index, bizTransaction/source/destination
 * rows, signed-document links, recall case rows and their identifier
 * index, the party registry's tables) from the records, in one
 * transaction.
 * Records that were themselves edited are skipped (counted) and stay
 * reported by zl_audit_verify. stats may be NULL. Returns 0 or a negative
 * error (nothing changed). */
int zl_audit_reindex(zl_store *s, struct zl_audit_reindex_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
