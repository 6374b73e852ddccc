/*
 * backend.h - what a storage backend implements, and the backend-neutral
 * store handle.
 *
 * A backend is one constant table of function pointers (struct
 * zl_store_backend), in the manner of SQLite's VFS or Redis's aeApi: the
 * store URI picks the table when a handle is opened (store.c keeps the
 * registry of backends), and every zl_store_* function of store.h and its
 * module headers dispatches through it. The handle keeps the table, the
 * backend's private data (an SQLite connection and its statement cache,
 * a PostgreSQL connection...) and what is the same for every backend:
 * transaction state and the module state registry.
 *
 * Modules that keep tables of their own (the log, parties, recall cases,
 * signed documents) and the trace engine's bulk scans are sub-tables,
 * indexed by enum zl_store_module_id. Each starts with struct
 * zl_store_module_ops (its name and its schema hook), so creating a store
 * walks modules[] and needs no list of calls; a backend that lacks a
 * module leaves its entry NULL and the module's functions answer
 * ZL_EUNSUPPORTED. Every pointer inside a table that is present must be
 * set.
 *
 * Adding a backend: one table like zl_sqlite_backend and one line in
 * store.c's registry. Adding a module: a value in enum
 * zl_store_module_id, its ops struct here, its functions (store_<m>.h
 * dispatchers in store_ext.c) and one entry per backend.
 *
 * Rejected: one flat table of ~60 pointers (a new module would touch every
 * backend's one big initialiser and nothing would group a module's
 * operations); link-time selection (two backends could not share a
 * binary, so no migration tool and no single test run across both).
 */
#ifndef ZL_STORE_BACKEND_H
#define ZL_STORE_BACKEND_H

#include "store/store.h"
#include "store/store_audit.h"
#include "store/store_correction.h"
#include "store/store_docs.h"
#include "store/store_log.h"
#include "store/store_party.h"
#include "store/store_receipt.h"
#include "store/store_recall.h"
#include "store/store_risk.h"
#include "store/store_sup.h"
#include "store/store_lookups.h"
#include "store/store_tix.h"
#include "store/store_trace.h"
#include "store/tables.h"

enum zl_store_module_id {
    ZL_STORE_MOD_LOG,
    ZL_STORE_MOD_TRACE,
    ZL_STORE_MOD_PARTY,
    ZL_STORE_MOD_RECALL,
    ZL_STORE_MOD_DOCS,
    ZL_STORE_MOD_AUDIT,
    ZL_STORE_MOD_CORRECTION,
    ZL_STORE_MOD_RECEIPT,
    ZL_STORE_MOD_TIX,
    ZL_STORE_MOD_SUPERVISE,
    ZL_STORE_MOD_LOOKUPS,
    ZL_STORE_MOD_SPC, /* live SPC streams (spc_backend.h) */
    ZL_STORE_MOD_RISK,
    ZL_STORE_MOD_SUBS, /* named queries, subscriptions (subs_ops.h) */
    ZL_STORE_MOD_COUNT
};

/* The head of every module table. schema creates the module's tables if
 * missing (idempotent); NULL when the module keeps no tables. */
struct zl_store_module_ops {
    const char *name;
    int (*schema)(zl_store *s);
};

/* The operations a backend provides; see store.h for each contract.
 * Functions get the handle and reach their own data through s->priv. */
struct zl_store_backend {
    const char *name;
    /* URI schemes served ("sqlite" matches "sqlite:..."); NULL-ended. A
     * backend with path = 1 also serves URIs without a scheme. */
    const char *const *schemes;
    int path;

    /* Open target (the URI without its scheme) in mode, set s->priv and
     * *is_new (1: there is no schema yet, store.c creates it). On failure
     * fill err and leave s->priv NULL or valid for close. */
    int (*open)(zl_store *s, const char *target, enum zl_store_mode mode,
                int *is_new, struct zl_error *err);
    void (*close)(zl_store *s); /* frees s->priv (may be NULL) */
    int (*remove)(const char *target);

    int (*begin)(zl_store *s);
    int (*commit)(zl_store *s);
    int (*rollback)(zl_store *s);
    /* A savepoint inside the open write transaction (store.h): mark,
     * forget the mark keeping the work, undo the work since the mark
     * (and forget it). One level: store_savepoint.c never nests them. */
    int (*savepoint)(zl_store *s);
    int (*release)(zl_store *s);
    int (*rollback_to)(zl_store *s);
    /* Optional (NULL: nothing to do): the handle is about to write in
     * bulk (capture's batches); settings for large write transactions,
     * kept until the handle closes. Never weakens durability. */
    int (*bulk)(zl_store *s);
    int (*snapshot_begin)(zl_store *s);
    int (*snapshot_end)(zl_store *s);
    int (*change_token)(zl_store *s, uint64_t *token);

    /* The core tables at ZL_STORE_SCHEMA_VERSION (inside a transaction;
     * module tables follow through modules[]). */
    int (*schema)(zl_store *s);
    /* The core tables' part of migration step `from` -> from + 1 (0 when
     * the step has none), inside the transaction store.c holds; store.c
     * runs the modules' part and records the new version. */
    int (*migrate)(zl_store *s, int from);
    /* Optional: called with on = 1 before a migration's transaction begins
     * and with 0 once it has ended (committed or rolled back), to set the
     * connection for a bulk rewrite and back. */
    void (*migrating)(zl_store *s, int on);
    int (*exec_sql)(zl_store *s, const char *sql);

    int (*meta_get)(zl_store *s, const char *key, char **value, size_t *len);
    int (*meta_set)(zl_store *s, const char *key, const char *value,
                    size_t len);
    int (*meta_keys)(zl_store *s, const char *prefix,
                     int (*cb)(void *ctx, const char *key), void *ctx);

    int (*event_put)(zl_store *s, const struct zl_event *ev,
                     int64_t record_time_ms, const char *party);
    int (*event_get)(zl_store *s, const uint8_t hash[32], zl_event_cb cb,
                     void *ctx);
    int (*events_query)(zl_store *s, const struct zl_event_filter *f,
                        zl_event_cb cb, void *ctx);
    int (*id_lookup)(zl_store *s, const char *const *ids, size_t n, zl_id_cb cb,
                     void *ctx);
    /* Optional (NULL: id_lookup answers): zl_store_id_event_hashes. */
    int (*id_event_hashes)(zl_store *s, const char *id, zl_id_cb cb, void *ctx);
    int (*event_ids)(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                     zl_id_roles roles, zl_id_cb cb, void *ctx);
    int (*event_refs)(zl_store *s, const uint8_t hash[32], zl_ref_cb cb,
                      void *ctx);
    int (*events_by_transformation)(zl_store *s, const char *tid,
                                    zl_event_cb cb, void *ctx);
    int (*event_count)(zl_store *s, int64_t *count);

    int (*outbox_append)(zl_store *s, const char *kind, const char *key,
                         int64_t created_ms);
    int (*outbox_read)(zl_store *s, uint64_t after_seq, size_t limit,
                       zl_outbox_cb cb, void *ctx);

    /* Generic rows of a described table (tables.h), for copying a store
     * between backends (migrate.c); err (may be NULL) gets the table and
     * the backend's message on failure.
     * rows_read: the rows of t in primary-key order whose key is greater
     * than after (t->n_key values; NULL: from the first row), at most
     * limit of them (0: all). Each row is t->n_cols values in t->cols
     * order, borrowed during cb; a value's kind is what the backend holds
     * (SQLite: the storage class; otherwise the column's tag). cb may use
     * other handles, not this one. Returns 0, cb's non-zero value, or an
     * error.
     * rows_write: insert n rows (n * t->n_cols values) inside the caller's
     * transaction; a row that collides with one present on any unique key
     * is skipped. *written: the rows inserted.
     * rows_delete: delete the row whose key is key (none is no error). */
    int (*rows_read)(zl_store *s, const struct zl_store_table *t,
                     const struct zl_store_value *after, size_t limit,
                     zl_store_row_cb cb, void *ctx, struct zl_error *err);
    int (*rows_write)(zl_store *s, const struct zl_store_table *t,
                      const struct zl_store_value *rows, size_t n,
                      uint64_t *written, struct zl_error *err);
    int (*rows_delete)(zl_store *s, const struct zl_store_table *t,
                       const struct zl_store_value *key, struct zl_error *err);

    const struct zl_store_module_ops *modules[ZL_STORE_MOD_COUNT];
};

/* ---- module tables (contracts in store_<module>.h) ---------------------- */

struct zl_store_log_ops {
    struct zl_store_module_ops base;
    int (*leaf_put)(zl_store *s, uint64_t index, uint8_t leaf_type,
                    const char *record_key, const uint8_t hash[32]);
    int (*node_put)(zl_store *s, unsigned level, uint64_t index,
                    const uint8_t hash[32]);
    int (*node_get)(zl_store *s, unsigned level, uint64_t index,
                    uint8_t hash[32]);
    /* 1 if nodes of level are stored (NULL: every level is) */
    int (*node_kept)(zl_store *s, unsigned level);
    int (*tail)(zl_store *s, uint64_t *size, uint8_t last[32]);
    int (*find)(zl_store *s, const char *record_key, uint64_t *index,
                uint8_t *leaf_type, uint8_t hash[32]);
    int (*leaves)(zl_store *s, zl_store_log_leaf_cb cb, void *ctx);
    int (*checkpoint_put)(zl_store *s, uint64_t size, const uint8_t root[32],
                          const char *note, int64_t issued_ms);
    int (*checkpoint_get)(zl_store *s, uint64_t size, char **note);
    int (*checkpoints)(zl_store *s, zl_store_log_checkpoint_cb cb, void *ctx);
    int (*bytes)(zl_store *s, uint64_t *bytes);
};

struct zl_store_trace_ops {
    struct zl_store_module_ops base;
    int (*scan_events)(zl_store *s, int64_t since_rt, zl_event_cb cb,
                       void *ctx);
    int (*scan_ids)(zl_store *s, zl_id_cb cb, void *ctx);
    int (*scan_refs)(zl_store *s, zl_trace_ref_cb cb, void *ctx);
    int (*events_meta)(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_event_cb cb, void *ctx);
    int (*events_refs)(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_trace_ref_cb cb, void *ctx);
};

/* The persistent trace index's tables (store_tix.h; tix.c owns every
 * byte format, a backend only moves rows).
 * get: the rows of t whose id is in ids[0..n) (any order; absent ids
 * skipped). keys_by_hash: the keys whose h is in h[0..n). ranges: the rows
 * of t with lo[i] <= id <= hi[i] for some i, ascending within each range,
 * or with last set only the highest row of each range; cb must not use
 * the store. put: insert or replace rows[0..n) (inside the caller's
 * transaction). max_id: the highest id of t, 0 when empty. clear: empty
 * all three tables. Each returns 0, cb's non-zero value, or an error. */
struct zl_store_tix_ops {
    struct zl_store_module_ops base;
    int (*get)(zl_store *s, enum zl_tix_table t, const int64_t *ids, size_t n,
               zl_tix_rows_cb cb, void *ctx);
    int (*keys_by_hash)(zl_store *s, const int64_t *h, size_t n,
                        zl_tix_rows_cb cb, void *ctx);
    int (*ranges)(zl_store *s, enum zl_tix_table t, const int64_t *lo,
                  const int64_t *hi, size_t n, int last, zl_tix_rows_cb cb,
                  void *ctx);
    int (*put)(zl_store *s, enum zl_tix_table t, const struct zl_tix_row *rows,
               size_t n);
    int (*max_id)(zl_store *s, enum zl_tix_table t, int64_t *max);
    int (*clear)(zl_store *s);
    /* Optional (NULL: the index keeps every string and entry itself). A
     * backend that interns identifiers and keeps their occurrences by
     * event number (SQLite: idents, event_occ, events.rid) lends them to
     * the index. idents_find: ns[i] = the number of keys[i] (0: none).
     * occ_rows: cb(number, event number, role) for every occurrence of
     * ns[0..n). event_nums: nums[i] = the event number of hashes[i] (0:
     * none). get and ranges then also read ZL_TIX_IDENTS. */
    int (*idents_find)(zl_store *s, const char *const *keys, const size_t *lens,
                       size_t n, int64_t *ns);
    int (*occ_rows)(zl_store *s, const int64_t *ns, size_t n, zl_tix_row_cb cb,
                    void *ctx);
    int (*event_nums)(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                      int64_t *nums);
};

struct zl_store_party_ops {
    struct zl_store_module_ops base;
    int (*party_put)(zl_store *s, const struct zl_party *p, int replace);
    int (*party_get)(zl_store *s, const char *key, zl_party_cb cb, void *ctx);
    int (*party_list)(zl_store *s, zl_party_cb cb, void *ctx);
    int (*gln_owner)(zl_store *s, const char *gln,
                     char party_id[ZL_PARTY_ID_MAX]);
    int (*location_name)(zl_store *s, const char *gln, const char *name_zh,
                         const char *name_en);
    int (*location_get)(zl_store *s, const char *gln, zl_location_cb cb,
                        void *ctx);
    int (*product_put)(zl_store *s, const struct zl_product *p);
    int (*product_get)(zl_store *s, const char *gtin14, zl_product_cb cb,
                       void *ctx);
    int (*product_list)(zl_store *s, zl_product_cb cb, void *ctx);
    int (*token_put)(zl_store *s, const char *id, const char *party_id,
                     const char *hash_hex, int64_t created_ms);
    int (*token_revoke)(zl_store *s, const char *id, int64_t now_ms);
    int (*token_get)(zl_store *s, const char *id,
                     char party_id[ZL_PARTY_ID_MAX], char hash_hex[65],
                     int64_t *revoked_ms);
    int (*token_list)(zl_store *s, const char *party_id, zl_token_cb cb,
                      void *ctx);
    int (*prefix_owner)(zl_store *s, const char *digits,
                        char party_id[ZL_PARTY_ID_MAX], char prefix[13]);
    int (*registry_put)(zl_store *s, const char *key, const char *kind,
                        const char *json, size_t len, long *seq);
    int (*registry_get)(zl_store *s, const char *key, long seq, char **json,
                        size_t *len);
    int (*registry_each)(zl_store *s, int last_only, zl_store_registry_cb cb,
                         void *ctx);
    int (*registry_clear)(zl_store *s);
    int (*token_restore)(zl_store *s, const char *id, const char *party_id,
                         int64_t created_ms, int64_t revoked_ms);
    int (*registry_orphans)(zl_store *s, zl_store_registry_key_cb cb,
                            void *ctx);
};

struct zl_store_recall_ops {
    struct zl_store_module_ops base;
    int (*record_put)(zl_store *s, const char *case_id, long seq,
                      const char *kind, const char *json, size_t len);
    int (*record_get)(zl_store *s, const char *case_id, long seq, char **json,
                      size_t *len);
    int (*records)(zl_store *s, const char *case_id,
                   zl_store_recall_record_cb cb, void *ctx);
    int (*all_keys)(zl_store *s, zl_store_recall_key_cb cb, void *ctx);
    int (*last_seq)(zl_store *s, const char *case_id, long *seq);
    int (*case_put)(zl_store *s, const struct zl_store_recall_case *r);
    int (*case_list)(zl_store *s, const char *case_id, int open_only,
                     zl_store_recall_case_cb cb, void *ctx);
    int (*ids_put)(zl_store *s, const char *case_id, const char *const *ids,
                   size_t n);
    int (*cases_for_id)(zl_store *s, const char *id, zl_store_recall_case_cb cb,
                        void *ctx);
    int (*cases_with_id)(zl_store *s, const char *id,
                         zl_store_recall_case_cb cb, void *ctx);
};

/* Supervision records (store_sup.h). */
struct zl_store_sup_ops {
    struct zl_store_module_ops base;
    int (*put)(zl_store *s, const struct zl_store_sup_record *r);
    int (*get)(zl_store *s, const char *key, long seq, zl_store_sup_cb cb,
               void *ctx);
    int (*last_seq)(zl_store *s, const char *key, long *seq);
    int (*range)(zl_store *s, const char *lo, const char *hi, int64_t before,
                 zl_store_sup_cb cb, void *ctx);
    int (*by_uscc)(zl_store *s, const char *uscc, zl_store_sup_cb cb,
                   void *ctx);
    int (*set_uscc)(zl_store *s, const char *key, long seq, const char *uscc);
};

/* Code lookup counts (store_lookups.h). */
struct zl_store_lookups_ops {
    struct zl_store_module_ops base;
    int (*add)(zl_store *s, const char *code, const struct zl_lookup_count *c);
    int (*get)(zl_store *s, const char *code, struct zl_lookup_count *c);
};

/* Risk reports and their reporters' personal data (store_risk.h). */
struct zl_store_risk_ops {
    struct zl_store_module_ops base;
    int (*put)(zl_store *s, const struct zl_store_risk_report *r,
               const struct zl_store_risk_pii *pii);
    int (*get)(zl_store *s, const char *id, zl_store_risk_cb cb, void *ctx);
    int (*list)(zl_store *s, const char *kind, zl_store_risk_cb cb, void *ctx);
    int (*pii_get)(zl_store *s, const char *id, zl_store_risk_pii_cb cb,
                   void *ctx);
    int (*step_put)(zl_store *s, const struct zl_store_risk_step *st);
    int (*step_list)(zl_store *s, const char *report_id,
                     zl_store_risk_step_cb cb, void *ctx);
    int (*pii_list)(zl_store *s, zl_store_risk_pii_cb cb, void *ctx);
    int (*pii_update)(zl_store *s, const struct zl_store_risk_pii *p);
    int (*key_get)(zl_store *s, const char *key_id, int64_t *retired_ms);
    int (*key_put)(zl_store *s, const char *key_id, int64_t now_ms,
                   int64_t retired_ms, int64_t leaf);
    int (*dispo_put)(zl_store *s, const struct zl_store_risk_step *st);
    int (*dispo_list)(zl_store *s, const char *case_id,
                      zl_store_risk_step_cb cb, void *ctx);
    int (*key_list)(zl_store *s, zl_store_risk_key_cb cb, void *ctx);
};

struct zl_store_audit_ops {
    struct zl_store_module_ops base;
    int (*derived_counts)(zl_store *s, struct zl_store_derived_counts *c);
    int (*id_row_get)(zl_store *s, const char *id, int64_t event_time_ms,
                      const uint8_t hash[32], enum zl_id_role role, zl_id_cb cb,
                      void *ctx);
    int (*signed_docs_all)(zl_store *s, zl_store_doc_cb cb, void *ctx);
    int (*doc_link_exists)(zl_store *s, const uint8_t event_hash[32],
                           const uint8_t doc_hash[32]);
    int (*derived_clear)(zl_store *s);
    int (*event_replace)(zl_store *s, const struct zl_event *ev,
                         int64_t record_time_ms, const char *party);
    int (*recall_ids_of)(zl_store *s, const char *case_id,
                         int (*cb)(void *ctx, const char *id), void *ctx);
    /* NULL on a backend without the sites index */
    int (*sites_check)(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);
    /* NULL on a backend without the trade index */
    int (*trade_check)(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);
};

struct zl_store_correction_ops {
    struct zl_store_module_ops base;
    int (*put)(zl_store *s, const struct zl_correction *c);
    int (*get)(zl_store *s, const char *key, zl_correction_cb cb, void *ctx);
    int (*of)(zl_store *s, const uint8_t target[32], zl_correction_cb cb,
              void *ctx);
    int (*for_id)(zl_store *s, const char *id, zl_correction_cb cb, void *ctx);
    int (*keys)(zl_store *s, int (*cb)(void *ctx, const char *key), void *ctx);
    int (*count)(zl_store *s, int64_t *n);
};

struct zl_store_receipt_ops {
    struct zl_store_module_ops base;
    int (*put)(zl_store *s, const struct zl_receipt_group *g);
    int (*get)(zl_store *s, const char *key, zl_receipt_group_cb cb, void *ctx);
    int (*keys)(zl_store *s, int (*cb)(void *ctx, const char *key), void *ctx);
};

struct zl_store_docs_ops {
    struct zl_store_module_ops base;
    int (*signed_doc_put)(zl_store *s, const uint8_t doc_hash[32],
                          const char *party, const char *sig_b64,
                          const char *doc, size_t len);
    int (*event_doc_link)(zl_store *s, const uint8_t event_hash[32],
                          const uint8_t doc_hash[32]);
    int (*signed_doc_for_event)(zl_store *s, const uint8_t event_hash[32],
                                zl_signed_doc_cb cb, void *ctx);
};

/* ---- the handle ---------------------------------------------------------- */

struct zl_store_module_slot {
    const void *key;
    void *state;
    void (*free_fn)(void *);
};

struct zl_store {
    const struct zl_store_backend *be;
    void *priv; /* the backend's own data */
    char *uri;
    int in_tx;
    uint64_t n_tx;  /* write transactions begun on this handle */
    uint64_t sp_tx; /* n_tx when a savepoint was set and is still held */
    struct zl_store_module_slot mods[ZL_STORE_MAX_MODULES];
    size_t n_mods;
};

/* The backends built in (store.c's registry lists them). */
extern const struct zl_store_backend zl_sqlite_backend;
extern const struct zl_store_backend zl_pg_backend;

/* The module table of id, or NULL when the backend lacks the module. */
#define ZL_STORE_MODULE(s, id, type)                                           \
    ((const struct type *)(const void *)(s)->be->modules[id])

#endif
