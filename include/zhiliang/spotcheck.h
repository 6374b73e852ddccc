/*
 * zhiliang/spotcheck.h - a drawn spot-check task (监督抽查) followed to
 * closure: sampling, test report, notification of the result, re-test
 * application (复检), stop of sale, rectification, recheck (复查),
 * publication (一公开) and the link to a recall case, each step a logged
 * record, with the legal clocks (zhiliang/clocks.h) of the steps still
 * open (docs/supervision.md, "Spot checks to closure").
 *
 * A task is one task of a draw (zhiliang/inspect.h), named "PLAN:N". Its
 * records live under the key "task:PLAN:N" of the supervision records,
 * seq 1, 2, ... in the order they were recorded, each a ZL_LEAF_INSPECTION
 * leaf that `zhiliang verify` recomputes, like every supervision record.
 * The task's state is a replay of its records: nothing is stored beside
 * them, so the log alone accounts for it. A view as of a day replays the
 * steps dated on or before it.
 *
 * Steps and their order (a step out of order is refused, ZL_EINVAL, err
 * says why; nothing is stored on any error):
 *   sample     first; the sampled lot and the samples' GS1 codes
 *   report     after sample; verdicts computed against the category
 *   notify     after report; the day the enterprise received the result
 *   retest     after notify of a failed result, by the retest deadline
 *   stop-sale, rectify, recall   after notify of a failed result
 *   recheck    after rectify; after a failed recheck, again once it is
 *              announced, and a third time once the business is stopped
 *              (Order 18 art. 47-48, 产品质量法 art. 17): at most three
 *   announce   after a failed first recheck ("ref": the announcement)
 *   suspend    after a failed second recheck ("until": end of the period)
 *   publish    after notify
 * Dates are "YYYY-MM-DD"; a step's date may not precede the step it
 * follows. The records' fields are listed in docs/supervision.md.
 *
 * Deadlines come from a clock configuration and a working-day calendar
 * (NULL: the defaults and the embedded calendar). JSON outputs are
 * appended to out (RFC 8785 form).
 */
#ifndef ZL_SPOTCHECK_H
#define ZL_SPOTCHECK_H

#include "zhiliang/buf.h"
#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Record step ("sample", "report", "notify", "retest", "stop-sale",
 * "rectify", "recheck", "publish", "announce", "suspend") of task, its fields
 * given as a JSON object. Validated (err names the field), checked against the
 * write rule of inspect.h (a regulator of the enterprise's region, an operator,
 * the store operator) and the step order, then logged inside the caller's
 * transaction or one of its own. out (may be NULL) gets the record.
 * Returns 0, ZL_EINVAL / ZL_ESYNTAX (err set), ZL_ENOTFOUND (no such task
 * or writer), ZL_EPERM, or a store error. */
int zl_spot_record(zl_store *s, const char *writer, const char *task,
                   const char *step, const char *json, size_t len,
                   const struct zl_clock_config *cfg, const zl_calendar *cal,
                   struct zl_buf *out, struct zl_error *err);

/* Open a recall case (zl_recall_open) for the lot sampled in a failed,
 * notified task, and record the link as the task's "recall" step dated
 * date (NULL: today, UTC). case_id gets the case. The recall module runs
 * its own transaction, so this must be called outside one (ZL_EINVAL);
 * every check is made before the case is opened, and only a store
 * failure between the two leaves a case without its link. Returns as
 * zl_spot_record, or the recall module's errors (ZL_ENOTFOUND: no stored
 * event names the lot). */
int zl_spot_recall(zl_store *s, const char *writer, const char *task,
                   const char *date, const char *reason, int hazard,
                   char case_id[37], struct zl_error *err);

/* The task's history and open steps as of day `at`: {"task", "plan",
 * "uscc", "enterprise", "region", "category", "team", "steps": [records
 * with "seq" and "leaf"], "verdict", "status", "open": [{"step",
 * "title", "start", "deadline", "left", "unit", "overdue", "source",
 * "optional"}]}. Returns 0, ZL_ENOTFOUND, ZL_EINVAL (bad task name), or
 * ZL_ENOTFOUND from the calendar (a year without data; err names it). */
int zl_spot_task(zl_store *s, const char *task,
                 const struct zl_clock_config *cfg, const zl_calendar *cal,
                 int32_t at, struct zl_buf *out, struct zl_error *err);

/* Every drawn task in plan then task order, each as zl_spot_task gives
 * it without "steps", as a JSON array; overdue_only keeps the tasks with
 * an overdue step. */
int zl_spot_tasks(zl_store *s, const struct zl_clock_config *cfg,
                  const zl_calendar *cal, int32_t at, int overdue_only,
                  struct zl_buf *out, struct zl_error *err);

/* The public side (一公开): published results only. category NULL: any;
 * region: a GB/T 2260 code or its prefix ("13" is Hebei), NULL: any;
 * from/to: the report's test day, 0 for no bound (day numbers). */
struct zl_spot_filter {
    const char *category;
    const char *region;
    int32_t from, to;
    const char *gtin; /* the sampled product's GTIN (14 digits), NULL: any */
    const char *uscc; /* the sampled enterprise, NULL: any */
};

/* {"results": [{"task", "uscc", "enterprise", "region", "category",
 * "product", "gtin", "lot", "report_no", "tested", "verdict", "failed_items":
 * [{"item", "name_zh", "value", "min", "max", "unit"}], "handling":
 * [text...], "published", "publish_deadline", "published_on_time"}],
 * "pass_rate": {"by_category", "by_region", "by_period" (YYYY-MM of the
 * test): {KEY: {"batches", "passed", "rate"}}}}, rate = passed / batches
 * rounded to 4 places, over the published results the filter keeps.
 * Never the samplers, teams, testers' names, conflicts or anything not
 * published. Returns 0 or a store error. */
int zl_spot_results(zl_store *s, const struct zl_spot_filter *f,
                    const struct zl_clock_config *cfg, const zl_calendar *cal,
                    struct zl_buf *out, struct zl_error *err);

/* The same results as CSV (RFC 4180, a header row, one row per failed
 * item, or one row for a passed batch). */
int zl_spot_results_csv(zl_store *s, const struct zl_spot_filter *f,
                        struct zl_buf *out, struct zl_error *err);

#ifdef __cplusplus
}
#endif

#endif
