/*
 * timefmt.c - ISO 8601 timestamps <-> ms since epoch.
 *
 * Hand-written rather than strptime/timegm: strptime ignores fractions and
 * offsets and is locale-sensitive, timegm is not C11. zl_days_from_civil is the
 * well-known proleptic Gregorian formula (valid for years 0..9999 here).
 */
#include "util/timefmt.h"

#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int64_t zl_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void zl_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 ? 28 + leap : dm[m - 1];
}

int zl_time_parse_offset(const char *s, size_t len, int *offset_min)
{
    int hh, mm;

    if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
        digits(s + 1, 2, &hh) || digits(s + 4, 2, &mm) || hh > 23 || mm > 59)
        return ZL_ESYNTAX;
    *offset_min = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return 0;
}

int zl_time_parse(const char *s, size_t len, int64_t *ms, int *offset_min)
{
    int y, mo, d, h, mi, sec, off = 0;
    size_t i = 19;
    int64_t frac_ms = 0;

    if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || digits(s, 4, &y) ||
        digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
        digits(s + 17, 2, &sec))
        return ZL_ESYNTAX;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 60)
        return ZL_ESYNTAX;
    if (s[i] == '.') {
        /* Keep the first four fractional digits: three for ms, one to
         * round half up. Further digits cannot change the rounding
         * except for exact ties, where the reference rounds half up too. */
        int nd = 0, round_digit = -1;

        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (nd < 3)
                frac_ms = frac_ms * 10 + (s[i] - '0');
            else if (nd == 3)
                round_digit = s[i] - '0';
            nd++;
            i++;
        }
        if (nd == 0)
            return ZL_ESYNTAX;
        for (int k = nd; k < 3; k++)
            frac_ms *= 10;
        if (round_digit >= 5)
            frac_ms++;
    }
    if (i >= len)
        return ZL_ESYNTAX;
    if (s[i] == 'Z') {
        if (i + 1 != len)
            return ZL_ESYNTAX;
    } else if (zl_time_parse_offset(s + i, len - i, &off)) {
        return ZL_ESYNTAX;
    }
    if (sec == 60)
        sec = 59; /* leap second: clamp, instants stay ordered */
    *ms = ((zl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
           (int64_t)off * 60) *
              1000 +
          frac_ms;
    *offset_min = off;
    return 0;
}

/* v's last width decimal digits at p, zero-padded; past them. */
static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static void format_parts(int64_t ms, char *out, size_t cap, const char *suffix)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int msec = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int y, m, d;
    char t[48], *p = t;
    size_t n;

    zl_civil_from_days(days, &y, &m, &d);
    /* Years are 0..9999 in ISO 8601 basic form; the modulo bounds every
     * field's width so the output always fits the callers' buffers.
     * Written digit by digit (a page writes two times an event, and
     * snprintf was 4% of a full page's CPU). */
    p = put_digits(p, (unsigned)y % 10000u, 4);
    *p++ = '-';
    p = put_digits(p, (unsigned)m % 100u, 2);
    *p++ = '-';
    p = put_digits(p, (unsigned)d % 100u, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(rem / 3600) % 100u, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(rem / 60 % 60) % 100u, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(rem % 60) % 100u, 2);
    *p++ = '.';
    p = put_digits(p, (unsigned)msec % 1000u, 3);
    for (n = 0; suffix[n] && p + n < t + sizeof t - 1; n++)
        p[n] = suffix[n];
    n += (size_t)(p - t);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, t, n);
    out[n] = '\0';
}

void zl_time_format_utc(int64_t ms, char out[32])
{
    format_parts(ms, out, 32, "Z");
}

/* "+HH:MM" of an offset in minutes. */
static void format_offset(int offset_min, char out[8])
{
    int a = offset_min < 0 ? -offset_min : offset_min;
    char *p = out;

    /* digit by digit, as format_parts (snprintf was most of formatting an
     * event's local time: recall scope formats thousands) */
    *p++ = offset_min < 0 ? '-' : '+';
    p = put_digits(p, (unsigned)(a / 60 % 100), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(a % 60), 2);
    *p = 0;
}

void zl_time_format_local(int64_t ms, int offset_min, char out[40])
{
    char off[8];

    format_offset(offset_min, off);
    format_parts(ms + (int64_t)offset_min * 60000, out, 40, off);
}

int64_t zl_time_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int zl_time_parse_in_zone(const char *s, size_t len, int zone_min, int64_t *ms)
{
    char buf[48];
    int off, n, a = zone_min < 0 ? -zone_min : zone_min;

    if (!zl_time_parse(s, len, ms, &off))
        return 0;
    /* a date, or a date and time without seconds or offset */
    if (len != 10 && len != 16 && len != 19)
        return ZL_ESYNTAX;
    if (len > 10 &&
        (s[10] != 'T' || memchr(s + 10, 'Z', len - 10) ||
         memchr(s + 11, '+', len - 11) || memchr(s + 11, '-', len - 11)))
        return ZL_ESYNTAX;
    n = snprintf(buf, sizeof buf, "%.*s%s%c%02d:%02d", (int)len, s,
                 len == 10   ? "T00:00:00"
                 : len == 16 ? ":00"
                             : "",
                 zone_min < 0 ? '-' : '+', a / 60, a % 60);
    if (n < 0 || (size_t)n >= sizeof buf)
        return ZL_ESYNTAX;
    return zl_time_parse(buf, (size_t)n, ms, &off);
}
