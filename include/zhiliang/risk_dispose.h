/*
 * zhiliang/risk_dispose.h - risk cases and their disposal (风险处置, issue
 * 14): a case opened from a signal, a report (complaint, injury,
 * incident), an assessment or a failed spot-check task; its subject
 * (enterprise USCC, product GTIN, lot) and hazard; and the actions taken
 * on it, each followed to its own closing step by its deadline:
 *
 *   warning    a consumer warning on the portal, in Chinese and English,
 *              shown while the action is open (withdrawn when done)
 *   recall     a recall case opened through the recall module for the
 *              case's lot (zl_recall_open_texts), named in both records;
 *              done once that recall case is closed
 *   spotcheck  a targeted spot check of the enterprise outside the random
 *              draw (产品质量法 art. 15); done with its result
 *   notice     a notice to the enterprise, which answers with its own
 *              token; done by the regulator
 *
 * Every record (open, act, answer, done, close) is RFC 8785 JSON, logged
 * as a ZL_LEAF_COMPLAINT leaf "risk-dispo:<case>/<seq>" and stored in
 * risk_dispo in one transaction; a refused record stores nothing. The
 * case is the fold of its records. Who writes: a regulator whose region
 * covers the case's, an operator party, or the store operator (actor
 * NULL: the CLI on the store); the enterprise only answers a notice
 * addressed to its USCC. Each action's deadline is fixed when it is taken
 * (configuration, struct zl_dispo_deadlines) and recorded with its rule.
 *
 * Errors: ZL_EINVAL (fields, each to the callback), ZL_EPERM (the actor),
 * ZL_ENOTFOUND (case, task, report, actor), store errors.
 */
#ifndef ZL_RISK_DISPOSE_H
#define ZL_RISK_DISPOSE_H

#include "zhiliang/buf.h"
#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/risk_intake.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZL_DISPO_ID_MAX     40 /* "K-YYYYMMDD-" + 12 hex digits */
#define ZL_DISPO_ACTION_MAX 32 /* actions per case */

/* Action kinds, in this order: "warning", "recall", "spotcheck",
 * "notice". */
enum zl_dispo_kind {
    ZL_DISPO_WARNING = 0,
    ZL_DISPO_RECALL,
    ZL_DISPO_SPOTCHECK,
    ZL_DISPO_NOTICE,
    ZL_DISPO_KINDS
};
const char *zl_dispo_kind_name(enum zl_dispo_kind k);
int zl_dispo_kind_parse(const char *s, enum zl_dispo_kind *k); /* 0, EINVAL */

/* The deadline of each kind, counted from the day the action is taken
 * (zhiliang/clocks.h rules: days, unit, source). Defaults (ours: no
 * national rule fixing them was found, docs/risk-dispose.md): warning 30
 * calendar days (review or withdraw), recall 90 calendar days, spotcheck
 * 20 working days, notice 10 working days (the enterprise's answer). */
struct zl_dispo_deadlines {
    struct zl_clock_rule rule[ZL_DISPO_KINDS];
};
void zl_dispo_deadlines_default(struct zl_dispo_deadlines *d);
/* Read {"warning": {"days", "unit", "source"}, ...} (any subset) over d:
 * 0 or ZL_EINVAL (err names the key). */
int zl_dispo_deadlines_parse(const char *json, size_t len,
                             struct zl_dispo_deadlines *d,
                             struct zl_error *err);

/* Open a case. source: "signal", "report", "assessment", "task" or
 * "other"; ref: the report id (must be stored), the task "PLAN:N" (must
 * have failed), a signal's or assessment's description. From a report
 * or task, enterprise, gtin, lot and region default to its own. hazard
 * (Chinese) is required, at most 500 characters; hazard_en optional. */
struct zl_dispo_open_in {
    const char *actor; /* party ID; NULL: the store operator */
    const char *source, *ref;
    const char *enterprise, *gtin, *lot, *region;
    const char *hazard, *hazard_en;
    int64_t now_ms; /* 0: the clock */
};
int zl_dispo_open(zl_store *s, const struct zl_dispo_open_in *in,
                  char id[ZL_DISPO_ID_MAX], zl_risk_error_cb cb, void *ctx,
                  struct zl_error *err);

/* Take an action on an open case: *n (may be NULL) gets its number (the
 * record's seq). warning: title and text in Chinese and English
 * required; notice: text required; recall: hazard_class 1-3 and a lot on
 * the case (the recall module opens the case and computes the scope; it
 * runs its own transaction, so call this outside one); spotcheck: task
 * optional ("PLAN:N" of a task already drawn, linked). due: "YYYY-MM-DD"
 * instead of the configured deadline (not before today). */
struct zl_dispo_act_in {
    const char *actor;
    enum zl_dispo_kind kind;
    const char *title, *title_en, *text, *text_en;
    int hazard_class;
    const char *task;
    const char *due;
    const struct zl_dispo_deadlines *rules; /* NULL: the defaults */
    const zl_calendar *cal;                 /* NULL: the embedded one */
    int64_t now_ms;
};
int zl_dispo_act(zl_store *s, const char *case_id,
                 const struct zl_dispo_act_in *in, int *n, zl_risk_error_cb cb,
                 void *ctx, struct zl_error *err);

/* The enterprise's answer to notice n (its party, the case's USCC, or a
 * regulator for it): text required, at most 2000 characters. */
int zl_dispo_answer(zl_store *s, const char *case_id, int n, const char *actor,
                    const char *text, int64_t now_ms, zl_risk_error_cb cb,
                    void *ctx, struct zl_error *err);

/* Close action n: warning: withdrawn from the portal; recall: only once
 * its recall case is closed; spotcheck: result "pass" or "fail"
 * required; notice: an answer, or a note saying why none. note: at most
 * 500 characters. */
int zl_dispo_done(zl_store *s, const char *case_id, int n, const char *actor,
                  const char *result, const char *note, int64_t now_ms,
                  zl_risk_error_cb cb, void *ctx, struct zl_error *err);

/* Close the case once every action is done: outcome (Chinese) required,
 * outcome_en optional. A closed case is public (zl_dispo_json public). */
int zl_dispo_close(zl_store *s, const char *case_id, const char *actor,
                   const char *outcome, const char *outcome_en, int64_t now_ms,
                   zl_risk_error_cb cb, void *ctx, struct zl_error *err);

/* A case as JSON into out: {"case", "state" ("open"|"closed"), "opened",
 * "closed", "source", "ref", "enterprise", "gtin", "lot", "region",
 * "hazard", "hazardEn", "outcome", "outcomeEn", "actions": [{"n", "kind",
 * "state" ("open"|"done"), "taken", "deadline", "overdue", "source",
 * "recall", "task", "title", "titleEn", "text", "textEn", "answer",
 * "answered", "done", "result", "note"}], "overdue", "records"}.
 * public: a closed case only (ZL_ENOTFOUND otherwise), without ref,
 * actors, answers, notes, records, or the texts of any action but a
 * warning. now_ms judges
 * overdue (0: the clock). */
int zl_dispo_json(zl_store *s, const char *case_id, int public_view,
                  int64_t now_ms, struct zl_buf *out, struct zl_error *err);

/* Cases as a JSON array (oldest first) of what zl_dispo_json gives
 * without "records": which "all", "open", "closed" or "overdue" (open
 * cases with an overdue action); public: closed cases, public fields. */
int zl_dispo_list(zl_store *s, const char *which, int public_view,
                  int64_t now_ms, struct zl_buf *out, struct zl_error *err);

/* Active consumer warnings (open warning actions of open cases), oldest
 * first; gtin (NULL: any) narrows them to a product, lot (a batch code;
 * NULL: any) to the warnings on that lot and on the whole product. */
struct zl_dispo_warning {
    const char *case_id;
    int n;
    const char *gtin, *lot, *enterprise; /* "" when the case has none */
    const char *title, *title_en, *text, *text_en;
    const char *since; /* YYYY-MM-DD */
};
typedef int (*zl_dispo_warning_cb)(void *ctx, const struct zl_dispo_warning *w);
int zl_dispo_warnings(zl_store *s, const char *gtin, const char *lot,
                      zl_dispo_warning_cb cb, void *ctx);

/* The risk cases whose recall action opened recall case recall_id (the
 * link back from the recall module): cb gets each case id. */
int zl_dispo_for_recall(zl_store *s, const char *recall_id,
                        int (*cb)(void *ctx, const char *case_id), void *ctx);

/* verify: the canonical bytes of record "risk-dispo:<case>/<seq>" or
 * "risk-key:<key id>" rebuilt from its row (*canon zl_free'd), and the
 * (key, leaf) of every row (lib/audit). */
int zl_dispo_record_canon(zl_store *s, const char *record_key, char **canon,
                          size_t *len);

#ifdef __cplusplus
}
#endif

#endif
