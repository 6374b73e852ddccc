/*
 * jcs.c - RFC 8785 canonical JSON, and the frozen pre-JCS form (jcs.h).
 *
 * Numbers. RFC 8785 3.2.2.3 prints a number as ECMAScript's
 * Number::toString does: the fewest significant digits k that read back
 * as the same double, the closest such digits when several fit, laid out
 * plainly for exponents -6 < n <= 21 and as "d.ddde+x" outside. The
 * digits come from the C library: "%.*e" at precision 1, 2, ... 17 gives
 * the correctly rounded decimal nearest the double, and the first one
 * strtod reads back to the same double is the shortest. The nearest
 * decimal can miss where its neighbour does not: at a power of two the
 * gap below a double is half the gap above, so the neighbour one unit up
 * in the last digit is tried too. 17 digits always round-trip.
 * Rejected: porting Ryu or Grisu (hundreds of lines of tables) for a
 * serialiser that runs once per logged record; and "%.17g", which is what
 * jansson prints and is exactly the library-dependent form JCS replaces.
 *
 * Names. Members are sorted by the UTF-16 code units of their names
 * (3.2.3), which differs from byte (code point) order only when a
 * supplementary character (a surrogate pair, 0xD800..) meets one in
 * U+E000..U+FFFF. The comparison decodes UTF-8 and compares the first
 * UTF-16 unit of each code point.
 *
 * Strings. Only '"', '\\' and U+0000..U+001F are escaped; \b \t \n \f \r
 * have short forms and the rest are \u00xx in lower case. Everything else,
 * '/' and U+007F included, is written as its UTF-8 bytes.
 *
 * The legacy form (zl_json_legacy_dump) reproduces jansson 2.14's
 * JSON_SORT_KEYS | JSON_COMPACT output through the same walk with the
 * three differences written out (byte order of names, "%.17g" reals,
 * upper-case \u escapes), so records logged before JCS keep verifying
 * when jansson changes. test_jcs.c checks it against the installed
 * jansson byte for byte.
 */
#include "util/jcs.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "zhiliang/error.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting deeper than this is refused (jansson parses to 2048). */
#define DEPTH_MAX 2048

enum form { JCS, LEGACY };

/* ---- numbers ------------------------------------------------------------ */

/* Decimal digits of a (> 0, finite) at p significant digits, nearest
 * first: *dig gets p digits as an integer, *x the decimal exponent of the
 * first digit. */
static void nearest(double a, int p, uint64_t *dig, int *x)
{
    char e[48], *q;
    uint64_t v = 0;

    snprintf(e, sizeof e, "%.*e", p - 1, a);
    for (q = e; *q != 'e'; q++)
        if (*q >= '0' && *q <= '9')
            v = v * 10 + (uint64_t)(*q - '0');
    *dig = v;
    *x = (int)strtol(q + 1, NULL, 10);
}

/* Does dig (p digits, first at exponent x) read back as a? */
static int reads_back(double a, uint64_t dig, int p, int x)
{
    char e[48];

    snprintf(e, sizeof e, "%llue%d", (unsigned long long)dig, x - (p - 1));
    return strtod(e, NULL) == a;
}

static uint64_t pow10u(int p)
{
    uint64_t r = 1;

    while (p-- > 0)
        r *= 10;
    return r;
}

/* The shortest digits of a (> 0, finite): digit string s (no trailing
 * zeros, NUL-terminated) and n with a = 0.s * 10^n (ECMAScript's n). */
static void shortest(double a, char s[24], int *n)
{
    uint64_t dig = 0;
    int p, x = 0, k;

    for (p = 1; p <= 17; p++) {
        nearest(a, p, &dig, &x);
        if (reads_back(a, dig, p, x))
            break;
        if (reads_back(a, dig + 1, p, x)) {
            dig++;
            if (dig == pow10u(p)) { /* 9.99 -> 10.0: one digit fewer */
                dig /= 10;
                x++;
            }
            break;
        }
    }
    if (p > 17) /* cannot happen: 17 digits identify every double */
        nearest(a, p = 17, &dig, &x);
    k = snprintf(s, 24, "%llu", (unsigned long long)dig);
    while (k > 1 && s[k - 1] == '0')
        s[--k] = 0;
    *n = x + 1;
}

int zl_jcs_number(double d, char out[ZL_JCS_NUM_MAX])
{
    char s[24];
    int n, k, w = 0;

    if (isnan(d) || isinf(d))
        return ZL_EINVAL;
    if (d == 0) { /* +0 and -0 */
        memcpy(out, "0", 2);
        return 1;
    }
    if (d < 0)
        out[w++] = '-';
    shortest(fabs(d), s, &n);
    k = (int)strlen(s);
    if (k <= n && n <= 21) {
        memcpy(out + w, s, (size_t)k);
        w += k;
        for (int i = k; i < n; i++)
            out[w++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(out + w, s, (size_t)n);
        w += n;
        out[w++] = '.';
        memcpy(out + w, s + n, (size_t)(k - n));
        w += k - n;
    } else if (-6 < n && n <= 0) {
        out[w++] = '0';
        out[w++] = '.';
        for (int i = 0; i < -n; i++)
            out[w++] = '0';
        memcpy(out + w, s, (size_t)k);
        w += k;
    } else {
        out[w++] = s[0];
        if (k > 1) {
            out[w++] = '.';
            memcpy(out + w, s + 1, (size_t)(k - 1));
            w += k - 1;
        }
        w += snprintf(out + w, (size_t)(ZL_JCS_NUM_MAX - w), "e%c%d",
                      n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
    out[w] = 0;
    return w;
}

/* jansson 2.14's jsonp_dtostr at its default precision 17. */
static int legacy_real(double d, char out[ZL_JCS_NUM_MAX])
{
    char *e, *start, *end;
    int len;

    if (isnan(d) || isinf(d))
        return ZL_EINVAL;
    len = snprintf(out, ZL_JCS_NUM_MAX - 3, "%.17g", d);
    if (!strchr(out, '.') && !strchr(out, 'e')) {
        memcpy(out + len, ".0", 3);
        len += 2;
    }
    if ((e = strchr(out, 'e')) != NULL) {
        start = e + 1;
        end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(len - (end - out)) + 1);
            len -= (int)(end - start);
        }
    }
    return len;
}

static int put_number(const json_t *v, enum form f, struct zl_buf *out)
{
    char t[ZL_JCS_NUM_MAX];
    int w;

    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);

        if (f == JCS && (i > (json_int_t)1 << 53 || i < -((json_int_t)1 << 53)))
            return ZL_EINVAL;
        /* within 2^53 the integer is its own shortest form */
        w = snprintf(t, sizeof t, "%" JSON_INTEGER_FORMAT, i);
    } else {
        w = f == JCS ? zl_jcs_number(json_real_value(v), t)
                     : legacy_real(json_real_value(v), t);
    }
    return w < 0 ? w : zl_buf_add(out, t, (size_t)w);
}

/* ---- strings ------------------------------------------------------------ */

/* Decode one UTF-8 sequence at s[0..n): the code point, or -1 when the
 * bytes are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF). */
static long utf8_next(const unsigned char *s, size_t n, size_t *used)
{
    unsigned char c = s[0];
    long cp;
    size_t len, i;

    if (c < 0x80) {
        *used = 1;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return -1;
    }
    if (n < len)
        return -1;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *used = len;
    return cp;
}

static int put_string(const char *str, size_t n, enum form f,
                      struct zl_buf *out)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0, used;
    int rc = zl_buf_addc(out, '"');

    while (!rc && i < n) {
        long cp = utf8_next(s + i, n - i, &used);
        char esc[8];
        const char *e = NULL;

        if (cp < 0)
            return ZL_EINVAL;
        switch (cp) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\t': e = "\\t"; break;
        case '\n': e = "\\n"; break;
        case '\f': e = "\\f"; break;
        case '\r': e = "\\r"; break;
        default:
            if (cp < 0x20) {
                snprintf(esc, sizeof esc, f == JCS ? "\\u%04x" : "\\u%04X",
                         (unsigned)cp);
                e = esc;
            }
        }
        if (!e) {
            i += used;
            run += used;
            continue;
        }
        rc = zl_buf_add(out, s + i - run, run);
        if (!rc)
            rc = zl_buf_adds(out, e);
        run = 0;
        i += used;
    }
    if (!rc)
        rc = zl_buf_add(out, s + i - run, run);
    if (!rc)
        rc = zl_buf_addc(out, '"');
    return rc;
}

/* ---- names -------------------------------------------------------------- */

struct name {
    const char *k;
    size_t len;
    const json_t *v;
};

/* The first UTF-16 code unit of a code point. */
static long utf16_lead(long cp)
{
    return cp < 0x10000 ? cp : 0xd800 + ((cp - 0x10000) >> 10);
}

/* RFC 8785 3.2.3 order. Both names were checked to be UTF-8 before. */
static int cmp_utf16(const void *pa, const void *pb)
{
    const struct name *a = pa, *b = pb;
    const unsigned char *x = (const unsigned char *)a->k;
    const unsigned char *y = (const unsigned char *)b->k;
    size_t i = 0, j = 0, ux, uy;

    while (i < a->len && j < b->len) {
        long cx = utf8_next(x + i, a->len - i, &ux);
        long cy = utf8_next(y + j, b->len - j, &uy);

        if (cx != cy) {
            long lx = utf16_lead(cx), ly = utf16_lead(cy);

            if (lx != ly)
                return lx < ly ? -1 : 1;
            return cx < cy ? -1 : 1; /* same lead surrogate: the trail */
        }
        i += ux;
        j += uy;
    }
    return (i < a->len) - (j < b->len);
}

/* jansson 2.14's order: memcmp, then the shorter name first. */
static int cmp_bytes(const void *pa, const void *pb)
{
    const struct name *a = pa, *b = pb;
    int d = memcmp(a->k, b->k, a->len < b->len ? a->len : b->len);

    if (d)
        return d;
    return (a->len > b->len) - (a->len < b->len);
}

static int valid_utf8(const char *k, size_t len)
{
    size_t i = 0, used;

    while (i < len) {
        if (utf8_next((const unsigned char *)k + i, len - i, &used) < 0)
            return 0;
        i += used;
    }
    return 1;
}

/* ---- values ------------------------------------------------------------- */

static int put_value(const json_t *v, enum form f, int depth,
                     struct zl_buf *out);

static int put_object(const json_t *o, enum form f, int depth,
                      struct zl_buf *out)
{
    size_t n = json_object_size(o), i = 0, klen;
    struct name *names = NULL;
    const char *k;
    json_t *v;
    int rc = 0;

    if (!n)
        return zl_buf_add(out, "{}", 2);
    names = zl_calloc(n, sizeof *names);
    if (!names)
        return ZL_ENOMEM;
    json_object_keylen_foreach((json_t *)o, k, klen, v)
    {
        if (!valid_utf8(k, klen)) {
            rc = ZL_EINVAL;
            goto out;
        }
        names[i++] = (struct name){k, klen, v};
    }
    qsort(names, n, sizeof *names, f == JCS ? cmp_utf16 : cmp_bytes);
    rc = zl_buf_addc(out, '{');
    for (i = 0; i < n && !rc; i++) {
        if (i)
            rc = zl_buf_addc(out, ',');
        if (!rc)
            rc = put_string(names[i].k, names[i].len, f, out);
        if (!rc)
            rc = zl_buf_addc(out, ':');
        if (!rc)
            rc = put_value(names[i].v, f, depth + 1, out);
    }
    if (!rc)
        rc = zl_buf_addc(out, '}');
out:
    zl_free(names);
    return rc;
}

static int put_value(const json_t *v, enum form f, int depth,
                     struct zl_buf *out)
{
    int rc = 0;

    if (!v)
        return ZL_EINVAL;
    if (depth > DEPTH_MAX)
        return ZL_ELIMIT;
    switch (json_typeof(v)) {
    case JSON_OBJECT: return put_object(v, f, depth, out);
    case JSON_ARRAY:
        rc = zl_buf_addc(out, '[');
        for (size_t i = 0; i < json_array_size(v) && !rc; i++) {
            if (i)
                rc = zl_buf_addc(out, ',');
            if (!rc)
                rc = put_value(json_array_get(v, i), f, depth + 1, out);
        }
        return rc ? rc : zl_buf_addc(out, ']');
    case JSON_STRING:
        return put_string(json_string_value(v), json_string_length(v), f, out);
    case JSON_INTEGER:
    case JSON_REAL: return put_number(v, f, out);
    case JSON_TRUE: return zl_buf_add(out, "true", 4);
    case JSON_FALSE: return zl_buf_add(out, "false", 5);
    case JSON_NULL: return zl_buf_add(out, "null", 4);
    }
    return ZL_EINVAL;
}

int zl_jcs_dump(const json_t *v, struct zl_buf *out)
{
    return put_value(v, JCS, 0, out);
}

int zl_json_legacy_dump(const json_t *v, struct zl_buf *out)
{
    return put_value(v, LEGACY, 0, out);
}

int zl_jcs_dump_new(const json_t *v, size_t cap, char **out, size_t *len)
{
    struct zl_buf b;
    int rc;

    *out = NULL;
    *len = 0;
    zl_buf_init(&b, cap);
    rc = zl_jcs_dump(v, &b);
    if (!rc) {
        *len = b.len;
        *out = zl_buf_steal(&b);
        rc = *out || !b.len ? 0 : ZL_ENOMEM;
    }
    zl_buf_cleanup(&b);
    return rc;
}
