/*
 * zhiliang/inspect.h - supervision registries, inspection plans and their
 * verifiable 双随机 draws (docs/supervision.md).
 *
 * Three registries: enterprises (USCC, name, 6-digit GB/T 2260 region,
 * product categories, licences with their issuing office and its unit,
 * GLNs, credit class A-D), inspectors (id, name, unit, region,
 * qualifications, declared conflicts) and product categories (code,
 * names, inspection standard, test items with limits, units, methods).
 * Every write logs the entry's full new state as a record (leaf type
 * ZL_LEAF_INSPECTION, RFC 8785 JSON) and `zhiliang verify` recomputes
 * each record from its row.
 *
 * A plan is logged first; its draw is seeded by the log beacon at a size
 * the plan fixed (zhiliang/draw.h), optionally with outside public values,
 * and is a pure function of the plan, the registries as logged before
 * the plan and the seed. A redraw is a new record; nothing is deleted.
 *
 * Writers: writer NULL is the store operator (local access to the store,
 * the CLI without --as); otherwise a registered party: an operator party
 * may write everything, a regulator only entries and plans inside its
 * region (categories are national: operators only), an enterprise
 * nothing (ZL_EPERM). JSON outputs are new buffers the caller frees.
 */
#ifndef ZL_INSPECT_H
#define ZL_INSPECT_H

#include "zhiliang/buf.h"
#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_sup_kind {
    ZL_SUP_ENTERPRISE = 0,
    ZL_SUP_INSPECTOR = 1,
    ZL_SUP_CATEGORY = 2
};

/* "enterprise", "inspector", "category"; parse: 0 or ZL_EINVAL. */
const char *zl_sup_kind_name(enum zl_sup_kind k);
int zl_sup_kind_parse(const char *s, enum zl_sup_kind *k);

/* Register or replace one entry, given as a JSON object (the record's
 * fields without "type" and "v"; docs/supervision.md lists them). The
 * entry is validated (err names the field), normalised, checked against
 * the write rule (ZL_EPERM) and logged inside the caller's transaction,
 * or one of its own. Writing the same state again logs nothing. Returns
 * 0, ZL_EINVAL/ZL_ESYNTAX (err set), ZL_EPERM, ZL_ENOTFOUND (an unknown
 * writer or referenced category, err set), or a store error. */
int zl_sup_put(zl_store *s, const char *writer, enum zl_sup_kind k,
               const char *json, size_t len, struct zl_error *err);

/* One row-level import error: line (1-based; for JSON the array element's
 * index from 1), field, why. */
struct zl_sup_row_error {
    size_t line;
    const char *field;
    const char *why;
    const char *value;
};
typedef int (*zl_sup_error_cb)(void *ctx, const struct zl_sup_row_error *e);

/* Import a CSV file (a header row naming the columns; list fields
 * separated by ';') or a JSON array of entries. All or nothing: every row
 * is checked and each error given to cb; when any row fails nothing is
 * stored and ZL_EINVAL is returned. *stored gets the entries written
 * (unchanged ones are not written). Returns 0, ZL_EINVAL, ZL_EPERM,
 * ZL_ELIMIT or a store error. */
int zl_sup_import(zl_store *s, const char *writer, enum zl_sup_kind k,
                  const char *data, size_t len, int csv, zl_sup_error_cb cb,
                  void *ctx, size_t *stored);

/* The current record of one entry (USCC, inspector id, category code):
 * *json new. 0 or ZL_ENOTFOUND. */
int zl_sup_get(zl_store *s, enum zl_sup_kind k, const char *id, char **json,
               size_t *len);

/* Every entry's current record, in key order (USCC, id, code); cb's
 * strings are borrowed for the call and cb must not use the store. */
typedef int (*zl_sup_json_cb)(void *ctx, const char *json, size_t len);
int zl_sup_list(zl_store *s, enum zl_sup_kind k, zl_sup_json_cb cb, void *ctx);

/* ---- evidence for computed credit classes (docs/credit.md) -------------- */

/* Record an administrative penalty (行政处罚) against a registered
 * enterprise, as JSON {"uscc", "decision" (the decision's number,
 * 行政处罚决定书文号, at most 64 bytes, no ':'), "date" (of the decision,
 * YYYY-MM-DD), "authority"?, "summary"?, "serious"? (a heavy penalty),
 * "revoked"? (a later record of the same decision: set aside on review)}.
 * Logged under "penalty:<USCC>:<decision>"; the same state again logs
 * nothing. Returns 0, ZL_EINVAL/ZL_ESYNTAX (err names the field),
 * ZL_ENOTFOUND (enterprise not registered), ZL_EPERM, or a store error. */
int zl_sup_penalty_put(zl_store *s, const char *writer, const char *json,
                       size_t len, struct zl_error *err);

/* Record the regulator's finding on a consumer complaint of lib/risk, as
 * JSON {"report" (its id), "outcome" ("upheld" or "rejected"), "date",
 * "basis"?}. The complaint must name a registered enterprise; the record
 * carries its USCC. Logged under "finding:<report>"; a later finding
 * replaces it. Returns as zl_sup_penalty_put (ZL_ENOTFOUND also for an
 * unknown report). */
int zl_sup_finding_put(zl_store *s, const char *writer, const char *json,
                       size_t len, struct zl_error *err);

/* An enterprise's credit class as of day (YYYY-MM-DD) from every record
 * the store holds now, by the default rule 2 (credit_link.c), with each
 * event's points explained: appends the JCS JSON {"uscc", "at", "rule",
 * "raw", "score", "class", "risk", "samplingRatio", "lines": [{"kind",
 * "date", "ref", "serious", "points", "weight", "total", "reason"}],
 * "history": [{"date", "class", "score"}]} to out; history is the class
 * over time, an entry on each day the score changed (an event, or an
 * event's age entering the next weight band) up to day. 0, ZL_EINVAL (bad USCC
 * or day; err set), ZL_ENOTFOUND (not in the registry; err set),
 * ZL_ENOMEM or a store error. */
int zl_credit_show(zl_store *s, const char *uscc, const char *day,
                   struct zl_buf *out, struct zl_error *err);

/* ---- plans and draws ---------------------------------------------------- */

/* Fix a plan, given as JSON (docs/supervision.md): validated, checked
 * against the write rule, logged. *leaf (may be NULL) gets its leaf
 * index. The plan's id must be new (ZL_EEXIST). */
int zl_inspect_plan(zl_store *s, const char *writer, const char *json,
                    size_t len, uint64_t *leaf, struct zl_error *err);

/* Draw plan_id: read the beacon, build the key string (the RFC 3797 key
 * of `seeds`, outside values as zl_rfc3797_key takes them, when the plan
 * named an outside source; NULL otherwise) and the seed, run the draw on
 * the registries as logged before the plan, log the draw record and put
 * it in out. Returns 0; ZL_ENOTFOUND (err says how far the log has to
 * grow: the seed does not exist yet, or no such plan); ZL_EEXIST (drawn
 * already: see zl_inspect_show); ZL_EINVAL (outside values missing or
 * given when not named); ZL_EPERM; a store error. */
int zl_inspect_draw(zl_store *s, const char *writer, const char *plan_id,
                    const char *seeds, struct zl_buf *out,
                    struct zl_error *err);

/* Re-run the draw of plan_id from the logged plan, the registries as
 * logged before it, the beacon recomputed from the log and the logged
 * outside values, and compare it, and every redraw, with what was logged.
 * report gets a human-readable account. Returns 0 when identical,
 * ZL_EVERIFY (err names the first difference), ZL_ENOTFOUND. */
int zl_inspect_verify(zl_store *s, const char *plan_id, struct zl_buf *report,
                      struct zl_error *err);

/* The same from public data alone, without a store: an export of
 * zl_inspect_export (its plan, draw, redraws, registries and previous
 * teams; declared recusals taken as the records state them). Checks that
 * the plan hashes to the leaf the beacon names, that the key string and
 * seed follow from the beacon and the outside values, and that re-running
 * gives the published draw and redraws. The beacon root itself is proved
 * with zl_draw_beacon_check. Returns 0, ZL_EVERIFY (err says what
 * differs), ZL_ESYNTAX, ZL_EINVAL (malformed export), ZL_ENOTFOUND (no
 * draw in it). */
int zl_inspect_verify_export(const char *json, size_t len,
                             struct zl_buf *report, struct zl_error *err);

/* Replace inspector `inspector` of task `task` (ill, recused late...):
 * logs a redraw record naming the record it supersedes and the reason;
 * the new team continues the task's seeded sequence. out gets the
 * record. Returns 0, ZL_ENOTFOUND (no draw, task or such member),
 * ZL_EPERM, ZL_EINVAL, a store error. */
int zl_inspect_redraw(zl_store *s, const char *writer, const char *plan_id,
                      uint32_t task, const char *inspector, const char *reason,
                      struct zl_buf *out, struct zl_error *err);

/* The plan, its draw and redraws and the current teams as JSON. */
int zl_inspect_show(zl_store *s, const char *plan_id, struct zl_buf *out);

/* The public data a citizen needs to re-run the draw
 * (docs/draw_plan_verify.py): the plan, draw and redraw records, the
 * in-scope enterprises (USCC, name, region, categories, credit class,
 * licensing units) and inspectors (id, name, unit, region,
 * qualifications) as logged before the plan, and the previous draw's
 * teams. Never the declared conflicts. */
int zl_inspect_export(zl_store *s, const char *plan_id, struct zl_buf *out);

/* Every plan, in plan id order, as the portal's /inspections lists it: a
 * JSON array of {"plan": the plan record, "plan_leaf", "draw": null or
 * {"key", "seed", "beacon", "tasks", "strata", "leaf", "credit"?},
 * "redraws": count}. Appended to out. Returns 0 or a store error. */
int zl_inspect_list(zl_store *s, struct zl_buf *out);

#ifdef __cplusplus
}
#endif

#endif
