/*
 * calendar.c - the working-day calendar (see zhiliang/calendar.h).
 *
 * One record per year with data: for each day of the year a mark (follow
 * the week, holiday, make-up working day) and an index into the year's
 * few distinct names. A query is two array reads; counting working days
 * walks day by day, which for the longest legal clock (about 90 days) is
 * nothing. Rejected: a sorted list of exception dates with binary search
 * (the same speed with more code) and computing holidays from the lunar
 * calendar (the State Council decides the 调休 each year; no formula
 * predicts it).
 *
 * Embedded years come from data/calendar/cn-YYYY.csv through the build's
 * embedder, looked up by name for each year of a fixed range.
 */
#include "zhiliang/calendar.h"

#include "util/assert.h"
#include "zhiliang/alloc.h"
#include "zhiliang/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from data/calendar by tools/embed_gen.c. */
const unsigned char *sv_calendar_table(const char *name, size_t *len);

#define FIRST_EMBEDDED 2000
#define LAST_EMBEDDED  2099
#define MAX_NAMES      32
#define NAME_MAX_BYTES 96
#define MAX_SPAN_DAYS  3660 /* ten years: no legal clock is longer */

enum mark { M_WEEK = 0, M_HOLIDAY = 1, M_WORKDAY = 2 };

struct year {
    int year;
    unsigned char mark[366];
    unsigned char name_ix[366];
    char names[MAX_NAMES][NAME_MAX_BYTES];
    int n_names;
};

struct zl_calendar {
    struct year *years; /* ascending by year */
    size_t n;
    int fallback;
};

/* ---- day numbers ------------------------------------------------------- */

int zl_day_parse(const char *s, size_t len, int32_t *day)
{
    int y, m, d, dim;
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (!s || len != 10 || s[4] != '-' || s[7] != '-')
        return ZL_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return ZL_EINVAL;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
        (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1)
        return ZL_EINVAL;
    dim = DAYS[m - 1] +
          (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > dim)
        return ZL_EINVAL;
    *day = (int32_t)zl_days_from_civil(y, m, d);
    return 0;
}

void zl_day_format(int32_t day, char out[11])
{
    int y, m, d;

    zl_civil_from_days(day, &y, &m, &d);
    y = y < 0 ? 0 : y % 10000;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = out[7] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

int zl_day_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (4). */
    int w = (int)(((int64_t)day + 3) % 7);

    return (w < 0 ? w + 7 : w) + 1;
}

int zl_day_year(int32_t day)
{
    int y, m, d;

    zl_civil_from_days(day, &y, &m, &d);
    return y;
}

/* ---- loading ----------------------------------------------------------- */

static struct year *find_year(const zl_calendar *cal, int year)
{
    for (size_t i = 0; i < cal->n; i++)
        if (cal->years[i].year == year)
            return &cal->years[i];
    return NULL;
}

/* Index of name in y's table, adding it; -1 when the table is full. */
static int name_index(struct year *y, const char *name, size_t len)
{
    if (len >= NAME_MAX_BYTES)
        len = NAME_MAX_BYTES - 1;
    for (int i = 0; i < y->n_names; i++)
        if (strlen(y->names[i]) == len && !memcmp(y->names[i], name, len))
            return i;
    if (y->n_names == MAX_NAMES)
        return -1;
    memcpy(y->names[y->n_names], name, len);
    y->names[y->n_names][len] = '\0';
    return y->n_names++;
}

/* Parse csv into a new array of years (*out, *n; zl_free). Every check is
 * made here, before the calendar changes. */
static int parse_csv(const char *csv, size_t len, struct year **out,
                     size_t *n_out, struct zl_error *err)
{
    struct year *ys = NULL;
    size_t n = 0, pos = 0, lineno = 0;
    int rc = 0, header = 0;
    char where[32];

    while (pos < len) {
        const char *line = csv + pos, *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        const char *c1, *c2;
        int32_t day;
        struct year *y = NULL;
        int yi, doy, ix;
        enum mark mk;

        pos += ll + (nl ? 1 : 0);
        lineno++;
        snprintf(where, sizeof where, "line %zu", lineno);
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (!ll || line[0] == '#')
            continue;
        if (!header) {
            header = 1;
            if (ll >= 4 && !memcmp(line, "date", 4))
                continue;
        }
        c1 = memchr(line, ',', ll);
        c2 = c1 ? memchr(c1 + 1, ',', ll - (size_t)(c1 + 1 - line)) : NULL;
        if (!c1) {
            rc = zl_error_set(err, ZL_ESYNTAX, where, "expected date,kind,name",
                              line, ll);
            goto out;
        }
        if (zl_day_parse(line, (size_t)(c1 - line), &day)) {
            rc = zl_error_set(err, ZL_EINVAL, where,
                              "date is not a YYYY-MM-DD calendar date", line,
                              (size_t)(c1 - line));
            goto out;
        }
        {
            const char *k = c1 + 1;
            size_t kl = (c2 ? (size_t)(c2 - k) : (size_t)(line + ll - k));

            if (kl == 7 && !memcmp(k, "holiday", 7))
                mk = M_HOLIDAY;
            else if (kl == 7 && !memcmp(k, "workday", 7))
                mk = M_WORKDAY;
            else {
                rc = zl_error_set(err, ZL_EINVAL, where,
                                  "kind is neither holiday nor workday", k, kl);
                goto out;
            }
        }
        if (mk == M_WORKDAY && zl_day_weekday(day) < 6) {
            rc = zl_error_set(err, ZL_EINVAL, where,
                              "a make-up workday must be a Saturday or Sunday "
                              "(Monday to Friday are working days anyway)",
                              line, 10);
            goto out;
        }
        yi = zl_day_year(day);
        for (size_t i = 0; i < n; i++)
            if (ys[i].year == yi)
                y = &ys[i];
        if (!y) {
            struct year *t;

            if (n == 200) {
                rc = zl_error_set(err, ZL_ELIMIT, where,
                                  "more than 200 years in one file", NULL, 0);
                goto out;
            }
            t = zl_realloc(ys, (n + 1) * sizeof *ys);
            if (!t) {
                rc = ZL_ENOMEM;
                goto out;
            }
            ys = t;
            y = &ys[n++];
            memset(y, 0, sizeof *y);
            y->year = yi;
        }
        doy = (int)(day - zl_days_from_civil(yi, 1, 1));
        if (y->mark[doy]) {
            rc = zl_error_set(err, ZL_EINVAL, where, "date listed twice", line,
                              10);
            goto out;
        }
        ix = c2 ? name_index(y, c2 + 1, (size_t)(line + ll - (c2 + 1)))
                : name_index(y, "", 0);
        if (ix < 0) {
            rc = zl_error_set(err, ZL_ELIMIT, where,
                              "more than 32 distinct names in one year", NULL,
                              0);
            goto out;
        }
        y->mark[doy] = (unsigned char)mk;
        y->name_ix[doy] = (unsigned char)ix;
    }
out:
    if (rc) {
        zl_free(ys);
        return rc;
    }
    *out = ys;
    *n_out = n;
    return 0;
}

static int cmp_year(const void *a, const void *b)
{
    const struct year *x = a, *y = b;

    return (x->year > y->year) - (x->year < y->year);
}

int zl_calendar_load(zl_calendar *cal, const char *csv, size_t len,
                     struct zl_error *err)
{
    struct year *ys = NULL, *t;
    size_t n = 0, add = 0;
    int rc;

    ZL_ASSERT(cal && (csv || !len), ZL_EINVAL);
    rc = parse_csv(csv, len, &ys, &n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        add += !find_year(cal, ys[i].year);
    t = zl_realloc(cal->years, (cal->n + add + 1) * sizeof *t);
    if (!t) {
        zl_free(ys);
        return ZL_ENOMEM;
    }
    cal->years = t;
    for (size_t i = 0; i < n; i++) {
        struct year *y = find_year(cal, ys[i].year);

        if (y)
            *y = ys[i];
        else
            cal->years[cal->n++] = ys[i];
    }
    qsort(cal->years, cal->n, sizeof *cal->years, cmp_year);
    zl_free(ys);
    return 0;
}

int zl_calendar_new(zl_calendar **out, struct zl_error *err)
{
    zl_calendar *cal;
    char name[32];
    int rc = 0;

    ZL_ASSERT(out, ZL_EINVAL);
    *out = NULL;
    cal = zl_calloc(1, sizeof *cal);
    if (!cal)
        return ZL_ENOMEM;
    for (int y = FIRST_EMBEDDED; y <= LAST_EMBEDDED; y++) {
        size_t len = 0;
        const unsigned char *t;

        snprintf(name, sizeof name, "cn-%d.csv", y);
        t = sv_calendar_table(name, &len);
        if (!t)
            continue;
        rc = zl_calendar_load(cal, (const char *)t, len, err);
        if (rc)
            break;
    }
    if (rc) {
        zl_calendar_free(cal);
        return rc;
    }
    *out = cal;
    return 0;
}

void zl_calendar_free(zl_calendar *cal)
{
    if (!cal)
        return;
    zl_free(cal->years);
    zl_free(cal);
}

void zl_calendar_set_fallback(zl_calendar *cal, int on)
{
    if (cal)
        cal->fallback = !!on;
}

int zl_calendar_has_year(const zl_calendar *cal, int year)
{
    return cal && find_year(cal, year) != NULL;
}

size_t zl_calendar_years(const zl_calendar *cal, int *years, size_t cap)
{
    if (!cal)
        return 0;
    for (size_t i = 0; i < cal->n && i < cap; i++)
        years[i] = cal->years[i].year;
    return cal->n;
}

/* ---- queries ----------------------------------------------------------- */

int zl_calendar_day(const zl_calendar *cal, int32_t day, enum zl_day_kind *kind,
                    const char **name, int *guessed, struct zl_error *err)
{
    int yr = zl_day_year(day), weekend = zl_day_weekday(day) >= 6;
    const struct year *y;
    int doy;

    ZL_ASSERT(cal && kind, ZL_EINVAL);
    if (name)
        *name = NULL;
    y = find_year(cal, yr);
    if (!y) {
        char ys[16];

        if (!cal->fallback) {
            snprintf(ys, sizeof ys, "%d", yr);
            return zl_error_set(
                err, ZL_ENOTFOUND, "calendar",
                "no holiday data for this year (add data/calendar/cn-YYYY.csv "
                "from the State Council's notice, or load an operator file)",
                ys, (size_t)-1);
        }
        if (guessed)
            *guessed = 1;
        *kind = weekend ? ZL_DAY_WEEKEND : ZL_DAY_WORK;
        return 0;
    }
    doy = (int)(day - zl_days_from_civil(yr, 1, 1));
    switch (y->mark[doy]) {
    case M_HOLIDAY: *kind = ZL_DAY_HOLIDAY; break;
    case M_WORKDAY: *kind = ZL_DAY_MAKEUP; break;
    default: *kind = weekend ? ZL_DAY_WEEKEND : ZL_DAY_WORK; break;
    }
    if (name && y->mark[doy])
        *name = y->names[y->name_ix[doy]];
    return 0;
}

int zl_calendar_is_working(const zl_calendar *cal, int32_t day, int *working,
                           int *guessed, struct zl_error *err)
{
    enum zl_day_kind k;
    int rc = zl_calendar_day(cal, day, &k, NULL, guessed, err);

    if (rc)
        return rc;
    *working = k == ZL_DAY_WORK || k == ZL_DAY_MAKEUP;
    return 0;
}

int zl_calendar_add_working_days(const zl_calendar *cal, int32_t start, int n,
                                 int32_t *out, int *guessed,
                                 struct zl_error *err)
{
    int32_t d = start;
    int w, rc, steps = 0;

    ZL_ASSERT(cal && out, ZL_EINVAL);
    if (n < 0 || n > MAX_SPAN_DAYS)
        return zl_error_set(err, ZL_EINVAL, "working days", "must be 0 to 3660",
                            NULL, 0);
    while (n > 0) {
        d++;
        if (++steps > 4 * MAX_SPAN_DAYS)
            return zl_error_set(err, ZL_EINVAL, "calendar",
                                "no working days in the data", NULL, 0);
        rc = zl_calendar_is_working(cal, d, &w, guessed, err);
        if (rc)
            return rc;
        n -= w;
    }
    *out = d;
    return 0;
}

int zl_calendar_add_days(const zl_calendar *cal, int32_t start, int n, int roll,
                         int32_t *out, int *guessed, struct zl_error *err)
{
    int32_t d;
    int w = 0, rc;

    ZL_ASSERT(out && (cal || !roll), ZL_EINVAL);
    if (n < 0 || n > MAX_SPAN_DAYS)
        return zl_error_set(err, ZL_EINVAL, "days", "must be 0 to 3660", NULL,
                            0);
    d = start + n;
    while (roll) {
        rc = zl_calendar_is_working(cal, d, &w, guessed, err);
        if (rc)
            return rc;
        if (w)
            break;
        d++;
    }
    *out = d;
    return 0;
}

int zl_calendar_working_days_between(const zl_calendar *cal, int32_t from,
                                     int32_t to, int *out, int *guessed,
                                     struct zl_error *err)
{
    int count = 0, w, rc;

    ZL_ASSERT(cal && out, ZL_EINVAL);
    if ((int64_t)to - from > MAX_SPAN_DAYS)
        return zl_error_set(err, ZL_EINVAL, "span", "longer than 10 years",
                            NULL, 0);
    for (int32_t d = from + 1; d <= to; d++) {
        rc = zl_calendar_is_working(cal, d, &w, guessed, err);
        if (rc)
            return rc;
        count += w;
    }
    *out = count;
    return 0;
}
