/*
 * writer.c - the demo generator's JSON writer and identifier renderings.
 *
 * Generation must outrun capture by far (>= 500k events/s), so numbers,
 * times and identifiers are written digit by digit into the capped buffer
 * instead of through printf: a format string costs more than the event's
 * other work together. The first error sticks (see demo_int.h).
 */
#include "demo_int.h"

#include "zhiliang/timefmt.h"

#include <string.h>

#define DL_HOST "https://id.gs1.org"

void w_put(struct demo_w *w, const char *s, size_t n)
{
    int rc;

    if (w->err)
        return;
    rc = zl_buf_add(w->b, s, n);
    if (rc)
        w->err = rc;
}

void w_str(struct demo_w *w, const char *s)
{
    w_put(w, s, strlen(s));
}

static size_t fmt_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

void w_u64(struct demo_w *w, uint64_t v)
{
    char tmp[24];

    w_put(w, tmp, fmt_u64(tmp, v));
}

static void fmt_pad(char *out, uint64_t v, int width)
{
    int i;

    for (i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void w_u64_pad(struct demo_w *w, uint64_t v, int width)
{
    char tmp[24];

    if (width > 20)
        width = 20;
    fmt_pad(tmp, v, width);
    w_put(w, tmp, (size_t)width);
}

void w_milli(struct demo_w *w, uint64_t milli)
{
    char tmp[32];
    size_t n = fmt_u64(tmp, milli / 1000);
    unsigned frac = (unsigned)(milli % 1000);

    if (frac) {
        tmp[n++] = '.';
        tmp[n++] = (char)('0' + frac / 100);
        if (frac % 100) {
            tmp[n++] = (char)('0' + frac / 10 % 10);
            if (frac % 10)
                tmp[n++] = (char)('0' + frac % 10);
        }
    }
    w_put(w, tmp, n);
}

void w_tenths(struct demo_w *w, int tenths)
{
    char tmp[32];
    size_t n = 0;
    unsigned a;

    if (tenths < 0) {
        tmp[n++] = '-';
        a = (unsigned)(-tenths);
    } else {
        a = (unsigned)tenths;
    }
    n += fmt_u64(tmp + n, a / 10);
    tmp[n++] = '.';
    tmp[n++] = (char)('0' + a % 10);
    w_put(w, tmp, n);
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void demo_fmt_time(char t[29], int64_t ms)
{
    int64_t local = ms + 8 * 3600000LL;
    int64_t days = floordiv(local, 86400000LL);
    int64_t rem = local - days * 86400000LL;
    int y, m, d;

    zl_civil_from_days(days, &y, &m, &d);
    fmt_pad(t, (uint64_t)y, 4);
    t[4] = '-';
    fmt_pad(t + 5, (uint64_t)m, 2);
    t[7] = '-';
    fmt_pad(t + 8, (uint64_t)d, 2);
    t[10] = 'T';
    fmt_pad(t + 11, (uint64_t)(rem / 3600000), 2);
    t[13] = ':';
    fmt_pad(t + 14, (uint64_t)(rem / 60000 % 60), 2);
    t[16] = ':';
    fmt_pad(t + 17, (uint64_t)(rem / 1000 % 60), 2);
    t[19] = '.';
    fmt_pad(t + 20, (uint64_t)(rem % 1000), 3);
    memcpy(t + 23, "+08:00", 6);
}

void w_time(struct demo_w *w, int64_t ms)
{
    char t[29];

    demo_fmt_time(t, ms);
    w_put(w, t, sizeof t);
}

void w_date(struct demo_w *w, int64_t ms)
{
    char t[10];
    int y, m, d;

    zl_civil_from_days(floordiv(ms + 8 * 3600000LL, 86400000LL), &y, &m, &d);
    fmt_pad(t, (uint64_t)y, 4);
    t[4] = '-';
    fmt_pad(t + 5, (uint64_t)m, 2);
    t[7] = '-';
    fmt_pad(t + 8, (uint64_t)d, 2);
    w_put(w, t, sizeof t);
}

void w_json_str(struct demo_w *w, const char *s)
{
    int rc;

    if (w->err)
        return;
    rc = zl_buf_add_json_string(w->b, s);
    if (rc)
        w->err = rc;
}

char demo_gs1_check(const char *d, size_t n)
{
    unsigned sum = 0;
    size_t i;

    /* weight 3 on the digit next to the check digit, alternating */
    for (i = 0; i < n; i++)
        sum += (unsigned)(d[n - 1 - i] - '0') * (i % 2 == 0 ? 3u : 1u);
    return (char)('0' + (10 - sum % 10) % 10);
}

/* An SGTIN or LGTIN up to its serial or lot: the Digital Link path up to
 * the next AI (dl_ai, "/21/" or "/10/"), or the URN of scheme urn (with
 * its trailing colon) up to the last dot. */
static void w_gtin_key(struct demo_w *w, int dl, const char *gtin14,
                       int gcp_len, const char *dl_ai, const char *urn)
{
    if (dl) {
        W_LIT(w, "\"" DL_HOST "/01/");
        w_put(w, gtin14, 14);
        w_str(w, dl_ai);
    } else {
        W_LIT(w, "\"");
        w_str(w, urn);
        w_put(w, gtin14 + 1, (size_t)gcp_len);
        W_LIT(w, ".");
        w_put(w, gtin14, 1);
        w_put(w, gtin14 + 1 + gcp_len, (size_t)(12 - gcp_len));
        W_LIT(w, ".");
    }
}

void w_sgtin(struct demo_w *w, int dl, const char *gtin14, int gcp_len,
             uint64_t serial)
{
    w_gtin_key(w, dl, gtin14, gcp_len, "/21/", "urn:epc:id:sgtin:");
    w_u64(w, serial);
    W_LIT(w, "\"");
}

void w_lgtin(struct demo_w *w, int dl, const char *gtin14, int gcp_len,
             const char *lot)
{
    w_gtin_key(w, dl, gtin14, gcp_len, "/10/", "urn:epc:class:lgtin:");
    w_str(w, lot);
    W_LIT(w, "\"");
}

void w_sscc(struct demo_w *w, int dl, const struct demo_party *p,
            uint64_t serial)
{
    char s[19], r[20];
    int rest = 17 - p->gcp_len; /* extension digit + serial reference */

    fmt_pad(r, serial, rest);
    s[0] = r[0];
    memcpy(s + 1, p->gcp, (size_t)p->gcp_len);
    memcpy(s + 1 + p->gcp_len, r + 1, (size_t)(rest - 1));
    s[17] = demo_gs1_check(s, 17);
    s[18] = '\0';
    if (dl) {
        W_LIT(w, "\"" DL_HOST "/00/");
        w_put(w, s, 18);
    } else {
        W_LIT(w, "\"urn:epc:id:sscc:");
        w_put(w, p->gcp, (size_t)p->gcp_len);
        W_LIT(w, ".");
        w_put(w, s, 1);
        w_put(w, s + 1 + p->gcp_len, (size_t)(rest - 1));
    }
    W_LIT(w, "\"");
}

void w_sgln(struct demo_w *w, int dl, const struct demo_party *p,
            const char *gln13)
{
    if (dl) {
        W_LIT(w, "\"" DL_HOST "/414/");
        w_put(w, gln13, 13);
    } else {
        W_LIT(w, "\"urn:epc:id:sgln:");
        w_put(w, p->gcp, (size_t)p->gcp_len);
        W_LIT(w, ".");
        w_put(w, gln13 + p->gcp_len, (size_t)(12 - p->gcp_len));
        W_LIT(w, ".0");
    }
    W_LIT(w, "\"");
}

void w_pgln(struct demo_w *w, int dl, const struct demo_party *p)
{
    if (dl) {
        W_LIT(w, "\"" DL_HOST "/417/");
        w_put(w, p->gln, 13);
    } else {
        W_LIT(w, "\"urn:epc:id:pgln:");
        w_put(w, p->gcp, (size_t)p->gcp_len);
        W_LIT(w, ".");
        w_put(w, p->gln + p->gcp_len, (size_t)(12 - p->gcp_len));
    }
    W_LIT(w, "\"");
}

void w_grai(struct demo_w *w, int dl, const struct demo_party *p,
            unsigned asset_type, uint64_t serial)
{
    char k[14];
    int at = 12 - p->gcp_len;

    memcpy(k, p->gcp, (size_t)p->gcp_len);
    fmt_pad(k + p->gcp_len, asset_type, at);
    k[12] = demo_gs1_check(k, 12);
    if (dl) {
        W_LIT(w, "\"" DL_HOST "/8003/0");
        w_put(w, k, 13);
    } else {
        W_LIT(w, "\"urn:epc:id:grai:");
        w_put(w, p->gcp, (size_t)p->gcp_len);
        W_LIT(w, ".");
        w_put(w, k + p->gcp_len, (size_t)at);
        W_LIT(w, ".");
    }
    w_u64(w, serial);
    W_LIT(w, "\"");
}

void w_giai(struct demo_w *w, int dl, const struct demo_party *p,
            const char *asset_ref)
{
    if (dl) {
        W_LIT(w, "\"" DL_HOST "/8004/");
        w_put(w, p->gcp, (size_t)p->gcp_len);
    } else {
        W_LIT(w, "\"urn:epc:id:giai:");
        w_put(w, p->gcp, (size_t)p->gcp_len);
        W_LIT(w, ".");
    }
    w_str(w, asset_ref);
    W_LIT(w, "\"");
}
