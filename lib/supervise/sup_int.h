/*
 * sup_int.h - what the supervision registry (sup_registry.c) and the
 * plans and draws (inspect.c) share: logging a record, the write rule,
 * and the registries' state as of a leaf, loaded for the draw.
 */
#ifndef ZL_SUP_INT_H
#define ZL_SUP_INT_H

#include "supervise/draw_plan.h"
#include "zhiliang/inspect.h"
#include "zhiliang/party.h"

#include <jansson.h>

#define SUP_RECORD_V   1
#define SUP_RECORD_MAX (4 * 1024 * 1024)
#define SUP_ID_MAX     64

/* Who writes: the store operator (writer NULL), an operator party, a
 * regulator with its region, or someone who may not write. */
struct sup_writer {
    int local;
    enum zl_party_kind kind;
    char id[ZL_PARTY_ID_MAX];
    char region[ZL_REGION_MAX];
};
int sup_writer_get(zl_store *s, const char *writer, struct sup_writer *w,
                   struct zl_error *err);
/* 0 when w may write an entry of region (NULL: a national entry such as
 * a category), else ZL_EPERM with err set. */
int sup_may_write(const struct sup_writer *w, const char *region,
                  const char *what, struct zl_error *err);

/* The kind of a supervision record, from the record itself: its "step"
 * for a spot-check step ("type":"spot"), else its "type" ("enterprise",
 * "plan", "draw", "penalty"...); NULL when it has none. The kind is what
 * sup_records.kind and the record's outbox row say, so verify derives
 * both from the logged record. */
const char *sup_record_kind(const json_t *rec);

/* Log rec (taken) under key: its JCS form becomes a ZL_LEAF_INSPECTION
 * leaf "sup:<key>:<seq>" and a sup_records row of its kind
 * (sup_record_kind; ZL_EINVAL without one), in the caller's transaction.
 * unchanged_skip: when the key's last record has the same bytes, log
 * nothing (*seq then 0). *leaf, *seq may be NULL. */
int sup_append(zl_store *s, const char *key, json_t *rec, int unchanged_skip,
               uint64_t *leaf, long *seq);
/* sup_append for a spot-check task's step: task_uscc is the task's
 * enterprise (as its draw lists it), written to the record's credit index
 * column in the same transaction. */
int sup_append_ix(zl_store *s, const char *key, json_t *rec, int unchanged_skip,
                  const char *task_uscc, uint64_t *leaf, long *seq);

/* ---- the per-enterprise credit index (credit_index.c) ---- */
/* The index value of a record that is not a task step: the USCC of a
 * "penalty:" key, the complaint's enterprise for a "finding:", else "".
 * 0 or a store error. */
int sup_index_of(zl_store *s, const char *key, char uscc[19]);

/* "abc" -> 1 when it is 1..max bytes of [A-Za-z0-9._-]. */
int sup_id_ok(const char *v, size_t max);

/* The registries as logged before leaf `before` (< 0: now), for a draw:
 * arrays sorted as draw_plan.h requires. Strings point into the parsed
 * records, kept alive until sup_snapshot_free. with_conflicts 0 leaves
 * the inspectors' conflicts empty. */
struct sup_snapshot {
    struct zl_dp_enterprise *ent; /* lists owned (zl_malloc'd) */
    json_t **ent_json;            /* the record of ent[i] */
    size_t n_ent, cap_ent, cap_ej;
    struct zl_dp_inspector *insp;
    json_t **insp_json;
    size_t n_insp, cap_insp, cap_ij;
};
int sup_snapshot_load(zl_store *s, int64_t before, int with_conflicts,
                      struct sup_snapshot *snap);
void sup_snapshot_free(struct sup_snapshot *snap);

/* Credit classes computed from the records logged before leaf `before`,
 * scored on day (YYYY-MM-DD) with the default rule (credit_link.c,
 * docs/credit.md): rule 1 the published spot checks, rule 2 also
 * penalties, upheld complaints and recalls. Sets snap->ent[i].credit of
 * every enterprise and *rec (new) to the snapshot the draw record
 * carries. 0, ZL_EINVAL (no day), ZL_ENOMEM or a store error. */
int sup_credit_apply(zl_store *s, int64_t before, const char *day, int rule,
                     struct sup_snapshot *snap, json_t **rec,
                     struct zl_error *err);
/* 1 when cls ('A'..'D') is the class snapshot credit gives uscc. */
int sup_credit_check(const json_t *credit, const char *uscc, int cls);

/* For zhiliang verify (lib/audit/verify.c). The canonical bytes of
 * logged record "sup:<key>:<seq>" recomputed from its row (*canon new):
 * the JCS of the parsed row, or the row's bytes as they are when it is no
 * longer JSON (so the leaf check fails). 0, ZL_ENOTFOUND, ZL_ENOMEM. */
int zl_sup_record_canon(zl_store *s, const char *record_key, char **canon,
                        size_t *len);
/* The kind (sup_record_kind) of a record's canonical bytes into
 * kind[cap]: 0, or ZL_ENOTFOUND when they are not a record with a kind
 * (verify's outbox check then expects the row's kind to be none). */
int zl_sup_canon_kind(const void *canon, size_t len, char *kind, size_t cap);
/* Every sup_records row against the log: a row without its leaf is
 * "record-unlogged", a row whose leaf column is not where the log has
 * it "record-altered"; report is called for each. */
typedef int (*zl_sup_report_fn)(void *ctx, const char *kind, uint64_t index,
                                const char *key, const char *detail);
int zl_sup_audit_rows(zl_store *s, zl_sup_report_fn report, void *ctx);
/* The credit index against the records: every sup_records row whose uscc
 * column is not what the records say is reported as "index-altered"
 * (zl_sup_audit_rows runs it). */
int zl_credit_index_check(zl_store *s, zl_sup_report_fn report, void *ctx);
/* Rewrite every disagreeing uscc column from the records, inside the
 * caller's transaction (reindex, the schema 18 upgrade); *fixed (may be
 * NULL) gets how many rows changed. */
int zl_credit_index_build(zl_store *s, uint64_t *fixed);

/* zl_credit_show reading every enterprise's records (use_index 0, the
 * path before the index; kept for the benchmark and the tests that show
 * both give the same bytes) or the enterprise's own (1). */
int sup_credit_show(zl_store *s, const char *uscc, const char *day,
                    int use_index, struct zl_buf *out, struct zl_error *err);

#endif
