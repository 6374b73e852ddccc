/*
 * zhiliang/calendar.h - the working-day calendar of mainland China: which
 * days are public holidays and which weekend days are make-up working days
 * (调休上班), so that legal clocks counted in working days (工作日) land on
 * the right date.
 *
 * The State Council General Office publishes each year's arrangement in
 * November for the next year (国务院办公厅关于XXXX年部分节假日安排的通知);
 * nothing computes it. So the calendar is data: data/calendar/cn-YYYY.csv
 * (date,kind,name; kind holiday or workday; '#' lines name the source),
 * embedded at build time, and an operator's file of the same format loaded
 * over it replaces the years it contains. A day not listed follows the
 * week: Monday to Friday work, Saturday and Sunday off.
 *
 * Days are counted as day numbers: days since 1970-01-01 (so 2026-02-15 is
 * 20499), the same civil-day arithmetic as zl_days_from_civil.
 *
 * A year without data: every function fails with ZL_ENOTFOUND naming the
 * year, unless the calendar is in fallback mode (zl_calendar_set_fallback),
 * where such a year counts weekends only and the result is marked as
 * guessed (*guessed = 1) so a caller can warn. Rejected: silently counting
 * weekends only (a deadline off by a week of Spring Festival, unnoticed).
 *
 * Counting follows the Civil Code (民法典) art. 201 and 203: the start day
 * is not counted; a period in days whose last day is a day off ends on
 * the next working day (zl_calendar_add_days with roll = 1).
 *
 * Thread safety: a calendar is read-only after loading; any number of
 * threads may query one at once.
 */
#ifndef ZL_CALENDAR_H
#define ZL_CALENDAR_H

#include "zhiliang/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zl_calendar zl_calendar;

enum zl_day_kind {
    ZL_DAY_WORK,    /* an ordinary working day (Monday to Friday) */
    ZL_DAY_WEEKEND, /* an ordinary Saturday or Sunday */
    ZL_DAY_HOLIDAY, /* a day of a public holiday period (放假) */
    ZL_DAY_MAKEUP   /* a weekend day that is a working day (调休上班) */
};

/* "YYYY-MM-DD" (exactly 10 bytes of s[0..len)) to a day number. Returns 0
 * or ZL_EINVAL (not that shape, or no such date). */
int zl_day_parse(const char *s, size_t len, int32_t *day);

/* The day as "YYYY-MM-DD" into out (always terminated). */
void zl_day_format(int32_t day, char out[11]);

/* ISO weekday: 1 Monday .. 7 Sunday. */
int zl_day_weekday(int32_t day);

/* The year of a day number. */
int zl_day_year(int32_t day);

/* A calendar holding the embedded years (cn-2025, cn-2026 ...). *out is
 * new (zl_calendar_free). Returns 0, ZL_ENOMEM, or ZL_ESYNTAX if an
 * embedded file is broken (a build error, err says where). */
int zl_calendar_new(zl_calendar **out, struct zl_error *err);

/* NULL is allowed. */
void zl_calendar_free(zl_calendar *cal);

/* Load an operator's calendar file (the CSV format above) over cal: every
 * year that has a row in csv[0..len) is replaced by the file's rows for
 * it; other years stay. The file is checked whole before anything
 * changes: a bad date, an unknown kind, a date listed twice, a "workday"
 * that is not a Saturday or Sunday is ZL_EINVAL / ZL_ESYNTAX with err's
 * path "line N". Returns 0 or that, or ZL_ENOMEM. */
int zl_calendar_load(zl_calendar *cal, const char *csv, size_t len,
                     struct zl_error *err);

/* Fallback mode on (1) or off (0, the default): see the file comment. */
void zl_calendar_set_fallback(zl_calendar *cal, int on);

/* 1 if the calendar has data for the year, else 0. */
int zl_calendar_has_year(const zl_calendar *cal, int year);

/* The years with data, ascending, into years[0..cap); returns how many
 * there are (which may exceed cap). */
size_t zl_calendar_years(const zl_calendar *cal, int *years, size_t cap);

/* What a day is. *name (may be NULL) gets the holiday's or make-up day's
 * name from the data (borrowed, valid while cal lives), or NULL for an
 * ordinary day. guessed (may be NULL) is set to 1 when the year has no
 * data and fallback mode answered, else left alone. Returns 0 or
 * ZL_ENOTFOUND (no data for the year, fallback off; err names it). */
int zl_calendar_day(const zl_calendar *cal, int32_t day, enum zl_day_kind *kind,
                    const char **name, int *guessed, struct zl_error *err);

/* *working = 1 if the day is a working day (ZL_DAY_WORK or
 * ZL_DAY_MAKEUP). Returns as zl_calendar_day. */
int zl_calendar_is_working(const zl_calendar *cal, int32_t day, int *working,
                           int *guessed, struct zl_error *err);

/* The day n >= 0 working days after start (start not counted: the n-th
 * working day following it; n = 0 gives start). Returns 0, ZL_EINVAL
 * (n < 0 or over 3660), or ZL_ENOTFOUND as zl_calendar_day. */
int zl_calendar_add_working_days(const zl_calendar *cal, int32_t start, int n,
                                 int32_t *out, int *guessed,
                                 struct zl_error *err);

/* start + n calendar days (n >= 0). With roll = 1 a result that is not a
 * working day moves to the next working day (民法典 art. 203), which needs
 * calendar data for those days; with roll = 0 no data is consulted
 * (and cal may be NULL).
 * Returns as zl_calendar_add_working_days. */
int zl_calendar_add_days(const zl_calendar *cal, int32_t start, int n, int roll,
                         int32_t *out, int *guessed, struct zl_error *err);

/* The number of working days d with from < d <= to (0 when to <= from).
 * Returns 0, ZL_EINVAL (a span over 10 years) or ZL_ENOTFOUND. */
int zl_calendar_working_days_between(const zl_calendar *cal, int32_t from,
                                     int32_t to, int *out, int *guessed,
                                     struct zl_error *err);

#ifdef __cplusplus
}
#endif

#endif
