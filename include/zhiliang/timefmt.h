/*
 * zhiliang/timefmt.h - ISO 8601 / RFC 3339 timestamps as EPCIS uses them.
 *
 * EPCIS times are instants with an explicit offset ("2022-02-16T20:33:31.116
 * -06:00", "...Z"). The library keeps them as milliseconds since the Unix
 * epoch in UTC plus the offset in minutes (struct zl_event, struct
 * zl_trace_event). Sub-millisecond digits are rounded half up to the
 * millisecond, which is what the CBV 2.0 event hash prescribes.
 *
 * All functions are pure (no locale, no time zone database, no state) and
 * thread-safe; outputs go into caller-provided arrays of the stated size.
 */
#ifndef ZL_PUBLIC_TIMEFMT_H
#define ZL_PUBLIC_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parse s[0..len). Accepts YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM);
 * "t" and a space are not accepted, an offset is required.
 * On success stores ms since epoch (UTC) and the offset in minutes.
 * Returns 0 or ZL_ESYNTAX (never touches outputs on failure). */
int zl_time_parse(const char *s, size_t len, int64_t *ms, int *offset_min);

/* Parse a time as people type it in queries and on the command line:
 * what zl_time_parse accepts, or the same without the offset
 * ("2026-03-02T08:30", seconds optional) or a bare date ("2026-03-02",
 * midnight), both read at zone_min minutes east of UTC. Stores ms since
 * epoch; 0 or ZL_ESYNTAX (ms untouched on failure). */
int zl_time_parse_in_zone(const char *s, size_t len, int zone_min, int64_t *ms);

/* Parse "+HH:MM" / "-HH:MM" (exactly 6 chars) into minutes; 0 or
 * ZL_ESYNTAX. */
int zl_time_parse_offset(const char *s, size_t len, int *offset_min);

/* Format ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (NUL-terminated, 25 bytes). */
void zl_time_format_utc(int64_t ms, char out[32]);

/* Format as local time at offset: "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM". */
void zl_time_format_local(int64_t ms, int offset_min, char out[40]);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12,
 * d 1..31; negative before 1970), and back. Howard Hinnant's formulas,
 * exact for any year an int holds; the only calendar arithmetic in the project
 * (dates in formatted times, in the demo data, in derived keys). */
int64_t zl_days_from_civil(int64_t y, int m, int d);
void zl_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Current time in ms since epoch (CLOCK_REALTIME). */
int64_t zl_time_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
