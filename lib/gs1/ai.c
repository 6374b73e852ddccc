/*
 * ai.c - the GS1 application identifier table, check digits and value rules.
 *
 * The table itself is not written here: tools/gen_gs1_tables.py generates
 * it at build time from GS1's Barcode Syntax Dictionary
 * (data/gs1/gs1-syntax-dictionary.txt), so every AI GS1 defines is known,
 * with its components, flags, req=/ex= rules and Digital Link roles, and an
 * update from GS1 is a data change. This file searches that table and
 * checks a value the way the dictionary says: component by component, each
 * consuming a prefix of its prescribed length (optional components may be
 * left out once the data is exhausted), the character set of its type, then
 * each named linter over the component's characters.
 *
 * The linters are the dictionary's content checks, written from their
 * descriptions in the GS1 General Specifications and the dictionary's
 * reference linter documentation (ref.gs1.org/tools/gs1-barcode-syntax-
 * resource/syntax-tests). Each name is bound to a function by the table
 * below; a name the dictionary uses that this file does not implement makes
 * values of that AI fail with ZL_EUNSUPPORTED "not implemented" (listed in
 * docs/gs1.md), never pass unchecked. The ISO 3166 and ISO 4217 lists come
 * from data/gs1 (Debian's iso-codes) through the same generator.
 *
 * Rejected: keeping a typed-in table beside the dictionary (it had drifted
 * by about 90 AIs and several component layouts), and generating one C
 * function per AI (the table is data; one checker gives every AI the same
 * precise errors).
 */
#include "gs1_int.h"

#include "zhiliang/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zl_gs1_check_digit(const char *s, size_t n)
{
    int sum = 0;
    size_t i;

    /* Weights 3,1,3,1... from the rightmost digit of the n given. */
    for (i = 0; i < n; i++) {
        char c = s[n - 1 - i];
        if (c < '0' || c > '9')
            return -1;
        sum += (c - '0') * ((i % 2 == 0) ? 3 : 1);
    }
    return (10 - sum % 10) % 10;
}

/* GS1 AI encodable character set 82 in the order of its table (General
 * Specifications figure 7.11-1), which the check character pair uses. */
static const char cset82[] = "!\"%&'()*+,-./0123456789:;<=>?"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                             "abcdefghijklmnopqrstuvwxyz";

int gs1_cs82(int c)
{
    /* cset82 in ASCII: ! " then % to ? contiguous, A-Z, _, a-z. */
    return c == '!' || c == '"' || (c >= '%' && c <= '?') ||
           (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z');
}

int gs1_cs39(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#' ||
           c == '-' || c == '/';
}

/* File-safe URI base64 (RFC 4648 section 5), the dictionary's type Z. */
static int cs64(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return 0;
    return 1;
}

const struct ai_def *ai_find(const char *ai, size_t n)
{
    unsigned v = 0, row;
    size_t i;

    if (n < 2 || n > 4)
        return NULL;
    for (i = 0; i < n; i++) {
        if (ai[i] < '0' || ai[i] > '9')
            return NULL;
        v = v * 10 + (unsigned)(ai[i] - '0');
    }
    row = n == 2   ? gs1_ai_index2[v]
          : n == 3 ? gs1_ai_index3[v]
                   : gs1_ai_index4[v];
    return row ? &gs1_ai_table[row - 1] : NULL;
}

const struct ai_def *ai_find_prefix(const char *s, size_t n, size_t *ai_len)
{
    size_t k;

    /* GS1 AIs are prefix-free, so the first length that matches is it. */
    for (k = 2; k <= 4 && k <= n; k++) {
        const struct ai_def *d = ai_find(s, k);
        if (d) {
            *ai_len = k;
            return d;
        }
    }
    return NULL;
}

const char *zl_gs1_ai_title(const char *ai)
{
    const struct ai_def *d = ai ? ai_find(ai, strlen(ai)) : NULL;
    return d ? d->title : NULL;
}

/* Smallest (mandatory components only) and largest total value length. */
static void ai_lens(const struct ai_def *d, size_t *min, size_t *max)
{
    unsigned i;

    *min = *max = 0;
    for (i = 0; i < d->ncomp; i++) {
        if (!d->comp[i].opt)
            *min += d->comp[i].min;
        *max += d->comp[i].max;
    }
}

size_t ai_fixed_len(const struct ai_def *d)
{
    size_t min, max;

    ai_lens(d, &min, &max);
    return min == max ? max : 0;
}

size_t ai_max_len(const struct ai_def *d)
{
    size_t min, max;

    ai_lens(d, &min, &max);
    return max;
}

/* ---- Linters ------------------------------------------------------------
 * Each returns NULL when s[0..n) is valid, else why not (static text, or
 * written into buf). */

typedef const char *(*lint_fn)(const char *s, size_t n, char *buf, size_t cap);

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static const char *need_digits(const char *s, size_t n)
{
    return all_digits(s, n) ? NULL : "only digits are allowed";
}

static const char *l_csum(const char *s, size_t n, char *buf, size_t cap)
{
    int want;

    if (n < 1 || !all_digits(s, n))
        return "a check digit needs digits";
    want = zl_gs1_check_digit(s, n - 1);
    if (want == s[n - 1] - '0')
        return NULL;
    snprintf(buf, cap, "expected %d, got %c", want, s[n - 1]);
    return buf;
}

/* Check character pair of GMN and MUDI (General Specifications 7.9.5):
 * each character's cset82 index times the primes 2, 3, 5... from the right,
 * summed mod 1021, gives two characters of cset32. */
static const char *l_csumalpha(const char *s, size_t n, char *buf, size_t cap)
{
    static const unsigned primes[] = {2,  3,  5,  7,  11, 13, 17, 19,
                                      23, 29, 31, 37, 41, 43, 47, 53,
                                      59, 61, 67, 71, 73, 79, 83, 89};
    static const char cset32[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    unsigned sum = 0;
    size_t i, d;
    char c1, c2;

    if (n < 2)
        return "too short for a check character pair";
    d = n - 2;
    if (d > sizeof primes / sizeof primes[0])
        return "too long for a check character pair";
    for (i = 0; i < d; i++) {
        const char *p = strchr(cset82, s[d - 1 - i]);
        if (!p || !s[d - 1 - i])
            return "not in the GS1 AI encodable character set 82";
        sum += (unsigned)(p - cset82) * primes[i];
    }
    sum %= 1021;
    c1 = cset32[sum >> 5];
    c2 = cset32[sum & 31];
    if (s[d] == c1 && s[d + 1] == c2)
        return NULL;
    snprintf(buf, cap, "check character pair: expected %c%c, got %c%c", c1, c2,
             s[d], s[d + 1]);
    return buf;
}

/* The shortest GS1 Company Prefix has four digits, so a key that begins
 * with a GCP begins with four digits. gcppos2: after the indicator digit. */
static const char *gcp_at(const char *s, size_t n, size_t pos)
{
    if (n < pos + 4)
        return "too short to begin with a GS1 Company Prefix";
    if (!all_digits(s + pos, 4))
        return "must begin with a GS1 Company Prefix (at least four "
               "digits)";
    return NULL;
}

static const char *l_gcppos1(const char *s, size_t n, char *buf, size_t cap)
{
    (void)buf;
    (void)cap;
    return gcp_at(s, n, 0);
}

static const char *l_gcppos2(const char *s, size_t n, char *buf, size_t cap)
{
    (void)buf;
    (void)cap;
    return gcp_at(s, n, 1);
}

static const char *l_hasnondigit(const char *s, size_t n, char *buf, size_t cap)
{
    (void)buf;
    (void)cap;
    return n > 0 && !all_digits(s, n) ? NULL
                                      : "must contain a non-digit character";
}

static int leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Month and day of a date whose year is known; day 00 allowed if zero_day
 * ("end of month", General Specifications 7.12). */
static const char *bad_md(int year, const char *s, int zero_day)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int mm = two(s), dd = two(s + 2), lim;

    if (mm < 1 || mm > 12)
        return "month must be 01 to 12";
    lim = mdays[mm - 1] + (mm == 2 && leap(year));
    if (dd > lim || (dd == 0 && !zero_day))
        return "day does not exist in that month";
    return NULL;
}

/* YY: the General Specifications' sliding window (7.12) puts every year
 * within 50 of today, so YY % 4 == 0 is a leap year (2000 was one). */
static const char *yymmdd(const char *s, size_t n, int zero_day)
{
    if (n != 6 || !all_digits(s, n))
        return "a date is six digits YYMMDD";
    return bad_md(2000 + two(s), s + 2, zero_day);
}

static const char *l_yymmdd(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return yymmdd(s, n, 0);
}

static const char *l_yymmd0(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return yymmdd(s, n, 1);
}

static const char *l_yyyymmdd(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    if (n != 8 || !all_digits(s, n))
        return "a date is eight digits YYYYMMDD";
    return bad_md(two(s) * 100 + two(s + 2), s + 4, 0);
}

static const char *l_yyyymmd0(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    if (n != 8 || !all_digits(s, n))
        return "a date is eight digits YYYYMMDD";
    return bad_md(two(s) * 100 + two(s + 2), s + 4, 1);
}

static const char *range2(const char *s, size_t n, int hi, const char *why)
{
    if (n != 2 || !all_digits(s, 2) || two(s) > hi)
        return why;
    return NULL;
}

static const char *l_hh(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return range2(s, n, 23, "hour must be 00 to 23");
}

static const char *l_mi(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return range2(s, n, 59, "minute must be 00 to 59");
}

static const char *l_ss(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return range2(s, n, 59, "second must be 00 to 59");
}

static const char *l_hhmi(const char *s, size_t n, char *b, size_t c)
{
    const char *why;

    (void)b;
    (void)c;
    if (n != 4)
        return "a time is four digits HHMI";
    why = range2(s, 2, 23, "hour must be 00 to 23");
    return why ? why : range2(s + 2, 2, 59, "minute must be 00 to 59");
}

static const char *l_hyphen(const char *s, size_t n, char *b, size_t c)
{
    size_t i;

    (void)b;
    (void)c;
    if (n == 0)
        return "must be a hyphen '-'";
    for (i = 0; i < n; i++)
        if (s[i] != '-')
            return "must be a hyphen '-'";
    return NULL;
}

static const char *l_iso3166(const char *s, size_t n, char *b, size_t c)
{
    size_t i;

    (void)b;
    (void)c;
    if (n != 3 || !all_digits(s, 3))
        return "an ISO 3166-1 numeric country code is three digits";
    for (i = 0; i < gs1_iso3166_count; i++)
        if (!memcmp(gs1_iso3166[i], s, 3))
            return NULL;
    return "not an ISO 3166-1 numeric country code";
}

static const char *l_iso3166999(const char *s, size_t n, char *b, size_t c)
{
    if (n == 3 && !memcmp(s, "999", 3))
        return NULL;
    return l_iso3166(s, n, b, c);
}

static int alpha2_known(const char *s)
{
    size_t i;

    for (i = 0; i < gs1_iso3166_count; i++)
        if (!memcmp(gs1_iso3166[i] + 3, s, 2))
            return 1;
    return 0;
}

static const char *l_iso3166alpha2(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    if (n != 2 || !alpha2_known(s))
        return "not an ISO 3166-1 alpha-2 country code";
    return NULL;
}

static const char *l_iso4217(const char *s, size_t n, char *b, size_t c)
{
    size_t i;

    (void)b;
    (void)c;
    if (n != 3 || !all_digits(s, 3))
        return "an ISO 4217 numeric currency code is three digits";
    for (i = 0; i < gs1_iso4217_count; i++)
        if (!memcmp(gs1_iso4217[i], s, 3))
            return NULL;
    return "not an ISO 4217 numeric currency code";
}

/* ISO 13616: country alpha-2, two check digits, up to 30 alphanumerics;
 * the whole, rotated by four and with letters as 10..35, is 1 mod 97. */
static const char *l_iban(const char *s, size_t n, char *b, size_t cap)
{
    unsigned rem = 0;
    size_t i;

    (void)b;
    (void)cap;
    if (n < 5)
        return "an IBAN has at least five characters";
    if (n > 34)
        return "an IBAN has at most 34 characters";
    for (i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];
        if (!((ch >= 'A' && ch <= 'Z') || is_digit(ch)))
            return "an IBAN has only 0-9 and A-Z";
    }
    if (!(s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z') ||
        !alpha2_known(s))
        return "an IBAN begins with an ISO 3166-1 alpha-2 country code";
    if (!is_digit((unsigned char)s[2]) || !is_digit((unsigned char)s[3]))
        return "an IBAN's check digits are digits";
    for (i = 0; i < n; i++) {
        int ch = (unsigned char)s[(i + 4) % n];
        if (is_digit(ch))
            rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
        else
            rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
    }
    return rem == 1 ? NULL : "IBAN check digits do not match";
}

/* Importer index of the UIC with extension (7040): one character of
 * file-safe base64. */
static const char *l_importeridx(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    if (n != 1)
        return "the importer index is one character";
    return cs64((unsigned char)s[0]) ? NULL
                                     : "the importer index must be one of "
                                       "- 0-9 A-Z _ a-z";
}

static const char *l_iso5218(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return n == 1 && strchr("0129", s[0]) && s[0] ? NULL
                                                  : "ISO/IEC 5218 sex code "
                                                    "must be 0, 1, 2 or 9";
}

static const char *l_latlon(const char *s, size_t n, const char *max,
                            const char *why)
{
    if (n != 10 || !all_digits(s, n))
        return "ten digits";
    return memcmp(s, max, 10) <= 0 ? NULL : why;
}

static const char *l_latitude(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return l_latlon(s, n, "1800000000", "latitude is at most 1800000000");
}

static const char *l_longitude(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return l_latlon(s, n, "3600000000", "longitude is at most 3600000000");
}

/* AIDC media type of AI (7241): 01-10 assigned, 80-99 company internal
 * (General Specifications 3.8.33). */
static const char *l_mediatype(const char *s, size_t n, char *b, size_t c)
{
    int v;

    (void)b;
    (void)c;
    if (n != 2 || !all_digits(s, 2))
        return "a media type is two digits";
    v = two(s);
    return (v >= 1 && v <= 10) || v >= 80 ? NULL : "unassigned media type";
}

static const char *l_nonzero(const char *s, size_t n, char *b, size_t c)
{
    size_t i;

    (void)b;
    (void)c;
    if (need_digits(s, n))
        return "only digits are allowed";
    for (i = 0; i < n; i++)
        if (s[i] != '0')
            return NULL;
    return "must not be zero";
}

static const char *l_nozeroprefix(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    if (need_digits(s, n))
        return "only digits are allowed";
    return n > 0 && s[0] == '0' ? "must not begin with 0" : NULL;
}

/* Birth sequence of (7258): "n/m", 1 <= n <= m, no leading zeros. */
static const char *l_posinseqslash(const char *s, size_t n, char *b, size_t c)
{
    const char *sl = memchr(s, '/', n);
    size_t a, z;
    unsigned long p, t;

    (void)b;
    (void)c;
    if (!sl)
        return "position in sequence must be N/M";
    a = (size_t)(sl - s);
    z = n - a - 1;
    if (a == 0 || z == 0 || !all_digits(s, a) || !all_digits(sl + 1, z))
        return "position in sequence must be N/M";
    if (s[0] == '0' || sl[1] == '0')
        return "position in sequence must not begin with 0";
    p = strtoul(s, NULL, 10);
    t = strtoul(sl + 1, NULL, 10);
    return p <= t ? NULL : "position exceeds the end of the sequence";
}

/* Piece of total (8006, 8026): first half the piece, second the total,
 * both non-zero, piece <= total. */
static const char *l_pieceoftotal(const char *s, size_t n, char *b, size_t c)
{
    size_t h = n / 2, i;
    int zp = 1, zt = 1, cmp;

    (void)b;
    (void)c;
    if (n == 0 || n % 2)
        return "piece and total must have the same length";
    if (need_digits(s, n))
        return "only digits are allowed";
    for (i = 0; i < h; i++) {
        zp &= s[i] == '0';
        zt &= s[h + i] == '0';
    }
    if (zp)
        return "piece number must not be zero";
    if (zt)
        return "total number of pieces must not be zero";
    cmp = memcmp(s, s + h, h);
    return cmp <= 0 ? NULL : "piece number exceeds the total";
}

static const char *l_pcenc(const char *s, size_t n, char *b, size_t c)
{
    size_t i;

    (void)b;
    (void)c;
    for (i = 0; i < n; i++) {
        if (s[i] != '%')
            continue;
        if (n - i < 3 || gs1_hexval((unsigned char)s[i + 1]) < 0 ||
            gs1_hexval((unsigned char)s[i + 2]) < 0)
            return "bad percent-encoding: '%' must be followed by two hex "
                   "digits";
        i += 2;
    }
    return NULL;
}

static const char *l_winding(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return n == 1 && (s[0] == '0' || s[0] == '1' || s[0] == '9')
               ? NULL
               : "winding direction must be 0, 1 or 9";
}

static const char *l_yesno(const char *s, size_t n, char *b, size_t c)
{
    (void)b;
    (void)c;
    return n == 1 && (s[0] == '0' || s[0] == '1') ? NULL : "must be 0 or 1";
}

static const char *l_zero(const char *s, size_t n, char *b, size_t c)
{
    size_t i;

    (void)b;
    (void)c;
    for (i = 0; i < n; i++)
        if (s[i] != '0')
            return "must be zero";
    return n ? NULL : "must be zero";
}

/* Sorted by name for bsearch. label prefixes the reason in the error;
 * code is ZL_ECHECK for check characters. A dictionary linter missing
 * here is "not implemented" (docs/gs1.md lists them). */
static const struct lint_impl {
    const char *name;
    lint_fn fn;
    const char *label;
    int code;
} lint_impls[] = {
    {"csum", l_csum, "bad check digit", ZL_ECHECK},
    {"csumalpha", l_csumalpha, "bad check characters", ZL_ECHECK},
    {"gcppos1", l_gcppos1, "bad key", ZL_EINVAL},
    {"gcppos2", l_gcppos2, "bad key", ZL_EINVAL},
    {"hasnondigit", l_hasnondigit, "bad value", ZL_EINVAL},
    {"hh", l_hh, "bad time", ZL_EINVAL},
    {"hhmi", l_hhmi, "bad time", ZL_EINVAL},
    {"hyphen", l_hyphen, "bad value", ZL_EINVAL},
    {"iban", l_iban, "bad IBAN", ZL_ECHECK},
    {"importeridx", l_importeridx, "bad importer index", ZL_EINVAL},
    {"iso3166", l_iso3166, "bad country code", ZL_EINVAL},
    {"iso3166999", l_iso3166999, "bad country code", ZL_EINVAL},
    {"iso3166alpha2", l_iso3166alpha2, "bad country code", ZL_EINVAL},
    {"iso4217", l_iso4217, "bad currency code", ZL_EINVAL},
    {"iso5218", l_iso5218, "bad value", ZL_EINVAL},
    {"latitude", l_latitude, "bad latitude", ZL_EINVAL},
    {"longitude", l_longitude, "bad longitude", ZL_EINVAL},
    {"mediatype", l_mediatype, "bad media type", ZL_EINVAL},
    {"mi", l_mi, "bad time", ZL_EINVAL},
    {"nonzero", l_nonzero, "bad value", ZL_EINVAL},
    {"nozeroprefix", l_nozeroprefix, "bad value", ZL_EINVAL},
    {"pcenc", l_pcenc, "bad value", ZL_EINVAL},
    {"pieceoftotal", l_pieceoftotal, "bad piece/total", ZL_EINVAL},
    {"posinseqslash", l_posinseqslash, "bad value", ZL_EINVAL},
    {"ss", l_ss, "bad time", ZL_EINVAL},
    {"winding", l_winding, "bad value", ZL_EINVAL},
    {"yesno", l_yesno, "bad value", ZL_EINVAL},
    {"yymmd0", l_yymmd0, "bad date", ZL_EINVAL},
    {"yymmdd", l_yymmdd, "bad date", ZL_EINVAL},
    {"yyyymmd0", l_yyyymmd0, "bad date", ZL_EINVAL},
    {"yyyymmdd", l_yyyymmdd, "bad date", ZL_EINVAL},
    {"zero", l_zero, "bad value", ZL_EINVAL},
};

static int cmp_lint(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct lint_impl *)elem)->name);
}

static const struct lint_impl *lint_lookup(const char *name)
{
    return bsearch(name, lint_impls, sizeof lint_impls / sizeof lint_impls[0],
                   sizeof lint_impls[0], cmp_lint);
}

int gs1_lint_known(const char *name)
{
    return lint_lookup(name) != NULL;
}

/* The implementation of each name in gs1_lint_names, bound once. */
static const struct lint_impl *lint_bound[256];
static pthread_once_t lint_once = PTHREAD_ONCE_INIT;

static void bind_lints(void)
{
    size_t i;

    for (i = 0; i < gs1_lint_count && i < 256; i++)
        lint_bound[i] = lint_lookup(gs1_lint_names[i]);
}

static int run_lint(const struct lint_impl *l, const char *name, const char *ai,
                    const char *s, size_t n, struct zl_error *err)
{
    const char *why;
    char buf[96];

    if (!l)
        return zl_error_setf(err, ZL_EUNSUPPORTED, NULL, NULL,
                             "AI (%s): content check '%s' of the GS1 Barcode "
                             "Syntax Dictionary is not implemented",
                             ai, name);
    why = l->fn(s, n, buf, sizeof buf);
    if (!why)
        return 0;
    return zl_error_setf(err, l->code, NULL, NULL, "%s in AI (%s): %s",
                         l->label, ai, why);
}

int gs1_lint(const char *name, const char *ai, const char *s, size_t n,
             struct zl_error *err)
{
    return run_lint(lint_lookup(name), name, ai, s, n, err);
}

static void char_desc(char *buf, size_t cap, int c)
{
    if (c > 32 && c < 127)
        snprintf(buf, cap, "'%c'", c);
    else
        snprintf(buf, cap, "0x%02X", (unsigned)(unsigned char)c);
}

/* Base64 padding of a type Z component: at most two '=' at the end, and
 * only when the whole length is a multiple of three (the dictionary's
 * cset64 rule). Returns the length without padding, or (size_t)-1. */
static size_t z_unpadded(const char *s, size_t n)
{
    size_t pads = 0;

    while (pads < n && s[n - 1 - pads] == '=')
        pads++;
    if (pads > 2 || (pads > 0 && n % 3 != 0))
        return (size_t)-1;
    return n - pads;
}

int ai_check_value(const struct ai_def *d, const char *ai, const char *v,
                   size_t n, struct zl_error *err)
{
    size_t pos = 0, minl, maxl;
    unsigned ci;
    char cd[8];

    ai_lens(d, &minl, &maxl);
    if (n < minl || n > maxl) {
        if (minl == maxl)
            return zl_error_setf(err, ZL_EINVAL, NULL, v,
                                 "wrong length: AI (%s) "
                                 "takes %zu characters, got %zu",
                                 ai, minl, n);
        return zl_error_setf(err, ZL_EINVAL, NULL, v,
                             "wrong length: AI (%s) "
                             "takes %zu to %zu characters, got %zu",
                             ai, minl, maxl, n);
    }
    for (ci = 0; ci < d->ncomp; ci++) {
        const struct ai_comp *c = &d->comp[ci];
        size_t clen, i, chk;
        unsigned li;

        if (pos == n && c->opt)
            break;
        if (c->min == c->max) {
            clen = c->max;
            if (clen > n - pos)
                return zl_error_setf(err, ZL_EINVAL, NULL, v,
                                     "wrong length: AI (%s) component %u "
                                     "takes %zu characters, %zu left",
                                     ai, ci + 1, clen, n - pos);
        } else {
            clen = n - pos; /* only the last component varies */
            if (clen < c->min || clen > c->max)
                return zl_error_setf(err, ZL_EINVAL, NULL, v,
                                     "wrong length: AI (%s) component %u "
                                     "takes %u to %u characters, got %zu",
                                     ai, ci + 1, c->min, c->max, clen);
        }
        chk = clen;
        if (c->type == 'Z') {
            chk = z_unpadded(v + pos, clen);
            if (chk == (size_t)-1)
                return zl_error_setf(err, ZL_EINVAL, NULL, v,
                                     "bad base64 padding in AI (%s)", ai);
        }
        for (i = 0; i < chk; i++) {
            int ch = (unsigned char)v[pos + i];
            int ok = c->type == 'N'   ? is_digit(ch)
                     : c->type == 'Y' ? gs1_cs39(ch)
                     : c->type == 'Z' ? cs64(ch)
                                      : gs1_cs82(ch);
            if (!ok) {
                char_desc(cd, sizeof cd, ch);
                return zl_error_setf(
                    err, ZL_EINVAL, NULL, v,
                    "bad character %s at position %zu of AI (%s): %s", cd,
                    pos + i + 1, ai,
                    c->type == 'N'   ? "only digits are allowed"
                    : c->type == 'Y' ? "only # - / 0-9 A-Z (GS1 character set "
                                       "39) are allowed"
                    : c->type == 'Z'
                        ? "only - 0-9 A-Z _ a-z (file-safe base64) "
                          "are allowed"
                        : "not in the GS1 AI encodable character set 82");
            }
        }
        for (li = 0; li < AI_MAX_LINTS && c->lint[li]; li++) {
            unsigned k = c->lint[li] - 1u;
            int rc;

            pthread_once(&lint_once, bind_lints);
            rc = run_lint(lint_bound[k], gs1_lint_names[k], ai, v + pos, clen,
                          err);
            if (rc < 0) {
                if (err)
                    snprintf(err->value, sizeof err->value, "%.*s",
                             (int)(n < sizeof err->value - 1
                                       ? n
                                       : sizeof err->value - 1),
                             v);
                return rc;
            }
        }
        pos += clen;
    }
    return 0;
}
