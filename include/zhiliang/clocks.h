/*
 * zhiliang/clocks.h - the legal clocks of a product spot check (监督抽查):
 * for each step after a result, the deadline the law sets, counted in
 * calendar or working days from the event that starts it, and whether a
 * step is overdue on a given day.
 *
 * The defaults and their sources (docs/supervision-clocks.md quotes them):
 *   retest-apply   15 days from receiving the result: 产品质量法 art. 15(3)
 *   stop-sale      at once on a failing conclusion: SAMR Order 18 art. 45
 *   rectify        60 days from the order to rectify: Order 18 art. 46
 *   recheck        75 days from the order to rectify: Order 18 art. 47
 *   announce       after a failed recheck, no statutory period: 产品质量法
 *                  art. 17, Order 18 art. 47
 *   second-recheck 60 to 90 days after the announcement: Order 18 art. 48
 *   suspend        停业整顿 for a period the authority sets: 产品质量法
 *                  art. 17, Order 18 art. 48
 *   publish        20 working days from the result: 企业信息公示暂行条例
 *                  art. 6
 * Regions and later rules change periods, so a configuration (a copy of
 * the defaults the caller edits, e.g. from a JSON file at the CLI) is
 * passed to every computation. Nothing here reads files or JSON.
 *
 * Counting (民法典 art. 201, 203): the start day is not counted; a period
 * in calendar days whose last day is not a working day ends on the next
 * working day (a rule's `roll`); working days come from zhiliang/calendar.h.
 */
#ifndef ZL_CLOCKS_H
#define ZL_CLOCKS_H

#include "zhiliang/calendar.h"
#include "zhiliang/error.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_clock_step {
    ZL_STEP_RETEST_APPLY,
    ZL_STEP_STOP_SALE,
    ZL_STEP_RECTIFY,
    ZL_STEP_RECHECK,
    ZL_STEP_ANNOUNCE,
    ZL_STEP_SECOND_RECHECK,
    ZL_STEP_SUSPEND,
    ZL_STEP_PUBLISH,
    ZL_STEP_COUNT
};

enum zl_clock_unit { ZL_CLOCK_DAYS, ZL_CLOCK_WORKING_DAYS };

struct zl_clock_rule {
    int days;       /* deadline: start + days; -1: none set by law */
    int not_before; /* earliest day of a window (start + not_before), or 0 */
    enum zl_clock_unit unit;
    int roll;         /* calendar days: move a day off to the next work day */
    char source[160]; /* the article, e.g. "产品质量法 第十五条第三款" */
    char url[200];      /* where its text can be read */
    char quote[400];    /* a short quotation of the article */
    char starts_at[80]; /* the event that starts the clock, in words */
};

struct zl_clock_config {
    struct zl_clock_rule rule[ZL_STEP_COUNT];
};

/* Fill cfg with the documented defaults. */
void zl_clock_defaults(struct zl_clock_config *cfg);

/* The step's identifier ("retest-apply") and title (Chinese and English);
 * static strings, NULL for an unknown step. */
const char *zl_clock_step_id(enum zl_clock_step step);
const char *zl_clock_step_title(enum zl_clock_step step);

/* The step named by id. Returns 0 or ZL_EINVAL. */
int zl_clock_step_parse(const char *id, enum zl_clock_step *out);

/* "days" or "working-days"; parse returns 0 or ZL_EINVAL. */
const char *zl_clock_unit_name(enum zl_clock_unit unit);
int zl_clock_unit_parse(const char *s, enum zl_clock_unit *out);

/* A clock's state on a day. */
struct zl_clock {
    enum zl_clock_step step;
    int32_t start;      /* the day of the starting event */
    int has_deadline;   /* 0: the law sets no period (deadline unset) */
    int32_t deadline;   /* last day to act (inclusive) */
    int32_t not_before; /* first day of the window (start if none) */
    int32_t at;         /* the day asked about */
    int overdue;        /* at > deadline */
    int early;          /* at < not_before */
    int left;           /* days (in the rule's unit) from at to deadline;
                           negative when overdue */
    int guessed;        /* a year without calendar data was counted as
                           weekends only (fallback mode) */
};

/* The clock of step started on day start, as of day at. cal is needed for
 * working-day rules and rolled calendar-day rules. Returns 0, ZL_EINVAL
 * (unknown step, a rule with days < -1 or not_before > days), or
 * ZL_ENOTFOUND (no calendar data for a year it needs; err names it). */
int zl_clock_compute(const struct zl_clock_config *cfg, const zl_calendar *cal,
                     enum zl_clock_step step, int32_t start, int32_t at,
                     struct zl_clock *out, struct zl_error *err);

#ifdef __cplusplus
}
#endif

#endif
