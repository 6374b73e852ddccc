/*
 * audit_int.h - state shared by the parts of zl_audit_verify: the log
 * pass (verify.c) and the derived-data pass (derived.c).
 */
#ifndef ZL_AUDIT_INT_H
#define ZL_AUDIT_INT_H

#include "store/store.h"
#include "store/store_tix.h"
#include "util/strmap.h"
#include "zhiliang/audit.h"

struct audit_meta;

struct audit {
    zl_store *s;
    struct audit_meta *meta; /* capture metadata the receipts state */
    zl_audit_cb cb;
    void *ctx;
    struct zl_audit_stats st;
    char *canon; /* last recomputed pre-hash (owned) */
    char *json;  /* event JSON copied out of the store row */
    size_t json_len;
    /* derived pass: rows the records account for */
    uint64_t expect_id_rows, expect_ref_rows, expect_doc_links;
    uint64_t expect_cases, expect_recall_ids;
    struct zl_tix_check tix; /* the trace index against the records */
    int64_t record_ms;       /* record time of the record last read, or -1 */
    struct audit_outbox *outbox; /* the feed read beside the log (outbox.c) */
};

/* ---- the outbox against the log (outbox.c) ---- */

/* Start reading the outbox beside the log pass (a->outbox; before it). */
int audit_outbox_begin(struct audit *a);
/* The log pass reached a leaf (in log order), its record recomputed from
 * the store as canon[len] (NULL: none): if its writer appends an outbox
 * row (outbox.c's expected_row), the next such row must name it, with
 * the record's kind, and for an event or a correction say record_ms as
 * its created time (-1: not known). Reports what differs; 0 when
 * a->outbox is NULL. */
int audit_outbox_leaf(struct audit *a, uint8_t leaf_type, const char *key,
                      int64_t record_ms, const void *canon, size_t len);
/* After the log pass: report the rows no leaf accounts for. */
int audit_outbox_end(struct audit *a);
/* Free what audit_outbox_begin made (any time; idempotent). */
void audit_outbox_free(struct audit *a);
/* The 22 -> 23 step, in the migration's transaction: the check starts at
 * the log's size now (an upgraded store's earlier records may predate
 * their outbox rows); nothing on an empty log. 0 or a ZL_E* code. */
int audit_outbox_migrate(zl_store *s);

/* Build the persistent trace index from every stored event, inside the
 * caller's transaction (the schema migration that introduces it). 0 or a
 * negative ZL_E* code. */
int audit_tix_build(zl_store *s);

/* Report one issue (counted in st.issues); the callback's value. */
int audit_report(struct audit *a, const char *kind, uint64_t index,
                 const char *key, const char *detail);

/* Parse a stored event as capture did: as it is stored (a bare event,
 * carrying its own @context when it binds prefixes), else inside a
 * one-event document with the standard context. The form whose hash is
 * the stored hash wins. New (zl_epcis_doc_free); NULL when neither form
 * hashes to the stored hash (the record itself was edited: the log pass
 * names it, and nothing can be derived from it). */
zl_epcis_doc *audit_reparse(const struct zl_stored_event *row);

/* 1 if a correction record declares the event erroneous (then its
 * events row says has_error although its own JSON does not), 0 if not,
 * negative on error. */
int audit_corrected(zl_store *s, const uint8_t hash[32]);

/* Compare the derived data of one stored event (its events-row columns,
 * packed identifiers, identifier index rows and refs) with what its
 * record (the stored JSON) says. Reports each difference. */
int audit_event_derived(struct audit *a, const struct zl_stored_event *row);

/* The recall cases the records name (keys of a new map, values NULL;
 * zl_strmap_cleanup). */
int audit_recall_cases(zl_store *s, struct zl_strmap *out);

/* After every event: the derived tables hold no rows beyond those the
 * records account for; signed documents and their links check out. */
int audit_derived_totals(struct audit *a);

/* ---- capture receipts (receipts.c) ---- */

/* Receipt key's canonical bytes recomputed from its rows (*canon new).
 * ZL_ENOTFOUND when no row has the key. */
int audit_receipt_canon(zl_store *s, const char *key, char **canon,
                        size_t *len);

/* Map every event listed by a receipt that still matches its leaf to the
 * record time and party of the first such receipt in log order. *out new
 * (audit_meta_free). */
int audit_meta_build(zl_store *s, struct audit_meta **out);
/* 1 and the values when some receipt lists hash, else 0. *party is
 * borrowed from the map (NULL: the operator). */
int audit_meta_get(const struct audit_meta *m, const uint8_t hash[32],
                   int64_t *record_time_ms, const char **party);
/* 1 when hash was passed here before (a second events row with the same
 * hash: a store without a UNIQUE index on the hash, SQLite since schema
 * 33, does not refuse one written behind its back), else 0, and the hash
 * is marked; 0 for a hash no receipt lists (reported as unanchored). */
int audit_meta_seen(struct audit_meta *m, const uint8_t hash[32]);
/* 1 when the only receipts listing hash no longer match their leaves (the
 * event is unanchored because of them): counted for the first such
 * receipt, whose issue audit_meta_report_failed reports; else 0. */
int audit_meta_unanchored_by(struct audit_meta *m, const uint8_t hash[32]);
/* One metadata-unanchored issue for each receipt that no longer matches
 * its leaf, with the number of stored events counted against it. */
int audit_meta_report_failed(struct audit *a);
void audit_meta_free(struct audit_meta *m);

/* ---- the party registry (registry.c) ---- */

/* The registry tables against the last record of each key: entries with
 * no record, rows that differ, rows gone, GLN/prefix/kind rows of no
 * party, each reported. 0 or a store error. */
int audit_registry(struct audit *a);

typedef int (*zl_registry_leaf_cb)(void *ctx, const char *leaf_key);
/* cb with the leaf key ("registry:<key>:<seq>") of every stored registry
 * record. */
int audit_registry_keys(zl_store *s, zl_registry_leaf_cb cb, void *ctx);

/* Rewrite the registry tables from the last record of each key that still
 * verifies (inside the caller's transaction): counts entries restored,
 * records skipped (edited, unparsable) and tokens whose row is gone. */
int audit_registry_reindex(zl_store *s, uint64_t *restored, uint64_t *skipped,
                           uint64_t *lost);

#endif
