/*
 * ident_code.c - the stored form of an identifier in SQLite's dictionary
 * idents (schema 25, docs/storage.md).
 *
 * The dictionary held each identifier's text twice (the row and its
 * UNIQUE index): ~48 bytes of mostly https://id.gs1.org/01/<GTIN>/21/<serial>
 * each time, 283 bytes an event at 1M demo events. A code is one tag byte
 * naming a form (a fixed prefix, a field of decimal digits, a fixed
 * infix), the digits two to a byte (BCD, so SQLite's hex() spells them
 * back), then the rest of the text as it is: that URI is 1 + 7 + its
 * serial, 20 bytes instead of 47. An identifier of no form keeps its
 * TEXT; SQLite orders every TEXT below every BLOB, so the two never mix.
 *
 * The forms are tried in table order (a more specific form before the
 * general one of its prefix), so each identifier has exactly one code:
 * the point lookup binds it. Within one form the code keeps the text's
 * byte order (fixed-width digits in BCD compare as their text does), so
 * the identifiers that start with a prefix are one range of TEXT codes
 * plus at most one range of each form's codes: that is what a pattern
 * query (MATCH_...*) reads (zl_ident_prefix_ranges). Rejected: a 64-bit
 * hash index with the text kept once (~115 bytes saved, but a pattern
 * would have no ordered index to scan); codes with no plain-SQL reading
 * (a serial in BCD of varying length needs a length and a mapping the
 * sqlite3 shell could not undo; the decoding view below is plain SQL so
 * the shell, and the tamper tests, read the text).
 */
#include "store/ident_code.h"

#include "zhiliang/error.h"

#include <string.h>

struct form {
    unsigned char tag;
    const char *prefix;
    unsigned digits; /* even */
    const char *infix;
};

static const struct form FORMS[] = {
    {0x02, "https://id.gs1.org/01/", 14, "/21/"}, /* an item (SGTIN) */
    {0x03, "https://id.gs1.org/01/", 14, "/10/"}, /* a lot (LGTIN) */
    {0x04, "https://id.gs1.org/01/", 14, ""},     /* a GTIN, anything else */
    {0x05, "https://id.gs1.org/00/", 18, ""},     /* an SSCC */
    {0x01, "https://id.gs1.org/", 0, ""},
    {0x11, "urn:epc:id:sgtin:", 0, ""},
    {0x12, "urn:epc:id:sscc:", 0, ""},
    {0x10, "urn:epc:id:", 0, ""},
    {0x14, "urn:epc:idpat:sgtin:", 0, ""},
    {0x13, "urn:epc:idpat:", 0, ""},
    {0x16, "urn:epc:class:lgtin:", 0, ""},
    {0x15, "urn:epc:class:", 0, ""},
};
#define N_FORMS (sizeof FORMS / sizeof FORMS[0])

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The length of f's fixed part (prefix, digits, infix). */
static size_t fixed_len(const struct form *f)
{
    return strlen(f->prefix) + f->digits + strlen(f->infix);
}

/* 1 when id[0..len) has form f. */
static int has_form(const struct form *f, const char *id, size_t len)
{
    size_t pl = strlen(f->prefix), il = strlen(f->infix);

    if (len < fixed_len(f) || memcmp(id, f->prefix, pl) ||
        memcmp(id + pl + f->digits, f->infix, il))
        return 0;
    for (size_t i = 0; i < f->digits; i++)
        if (!is_digit(id[pl + i]))
            return 0;
    return 1;
}

/* Append the decimal digits d[0..n) two to a byte, the first high. */
static int add_bcd(struct zl_buf *out, const char *d, size_t n)
{
    int rc = 0;

    for (size_t i = 0; i + 1 < n && !rc; i += 2) {
        unsigned char b = (unsigned char)((d[i] - '0') << 4 | (d[i + 1] - '0'));

        rc = zl_buf_add(out, &b, 1);
    }
    return rc;
}

size_t zl_ident_encode(const char *id, size_t len, unsigned char *out)
{
    for (size_t k = 0; k < N_FORMS; k++) {
        const struct form *f = &FORMS[k];
        size_t pl = strlen(f->prefix), fl = fixed_len(f), n = 1;

        if (!has_form(f, id, len))
            continue;
        out[0] = f->tag;
        for (size_t i = 0; i < f->digits; i += 2)
            out[n++] = (unsigned char)((id[pl + i] - '0') << 4 |
                                       (id[pl + i + 1] - '0'));
        memcpy(out + n, id + fl, len - fl);
        return n + len - fl;
    }
    return 0;
}

static const struct form *form_of(unsigned char tag)
{
    for (size_t k = 0; k < N_FORMS; k++)
        if (FORMS[k].tag == tag)
            return &FORMS[k];
    return NULL;
}

int zl_ident_decode(const void *code, size_t n, struct zl_buf *out)
{
    static const char HEX[] = "0123456789ABCDEF";
    const unsigned char *c = code;
    const struct form *f = n ? form_of(c[0]) : NULL;
    size_t nb;
    int rc;

    if (!f)
        return zl_buf_add(out, code, n);
    nb = f->digits / 2 < n - 1 ? f->digits / 2 : n - 1;
    rc = zl_buf_adds(out, f->prefix);
    for (size_t i = 1; i <= nb && !rc; i++) {
        char d[2] = {HEX[c[i] >> 4], HEX[c[i] & 15]};

        rc = zl_buf_add(out, d, 2);
    }
    if (!rc)
        rc = zl_buf_adds(out, f->infix);
    return rc ? rc : zl_buf_add(out, c + 1 + nb, n - 1 - nb);
}

int zl_ident_decode_sql(const char *col, struct zl_buf *out)
{
    int rc = zl_buf_printf(out,
                           "CASE WHEN typeof(%s) <> 'blob' THEN %s"
                           " ELSE CASE substr(%s, 1, 1)",
                           col, col, col);

    for (size_t k = 0; k < N_FORMS && !rc; k++) {
        const struct form *f = &FORMS[k];

        rc = zl_buf_printf(out, " WHEN x'%02x' THEN '%s'", f->tag, f->prefix);
        if (!rc && f->digits)
            rc = zl_buf_printf(out, " || hex(substr(%s, 2, %u))", col,
                               f->digits / 2);
        if (!rc && *f->infix)
            rc = zl_buf_printf(out, " || '%s'", f->infix);
        if (!rc)
            rc = zl_buf_printf(out, " || CAST(substr(%s, %u) AS TEXT)", col,
                               2 + f->digits / 2);
    }
    return rc ? rc : zl_buf_printf(out, " ELSE CAST(%s AS TEXT) END END", col);
}

/* hi = the least byte string above every string that starts with
 * lo[0..n) (lo is not all 0xFF bytes); returns its length. */
static size_t successor(const unsigned char *lo, size_t n, unsigned char *hi)
{
    while (n && lo[n - 1] == 0xff)
        n--;
    memcpy(hi, lo, n);
    hi[n - 1]++;
    return n;
}

/* The range of f's codes whose identifiers start with p[0..n), if any. */
static int form_range(const struct form *f, const char *p, size_t n,
                      struct zl_buf *b, zl_ident_range_cb cb, void *ctx)
{
    size_t pl = strlen(f->prefix), fl = fixed_len(f), digits;
    unsigned char *lo, *hi;
    size_t lo_len, hi_len;
    int rc;

    for (size_t i = 0; i < n && i < fl; i++) {
        if (i < pl               ? p[i] != f->prefix[i]
            : i < pl + f->digits ? !is_digit(p[i])
                                 : p[i] != f->infix[i - pl - f->digits])
            return 0;
    }
    digits = n <= pl ? 0 : n - pl < f->digits ? n - pl : f->digits;
    zl_buf_reset(b);
    rc = zl_buf_add(b, &f->tag, 1);
    if (!rc)
        rc = add_bcd(b, p + pl, digits);
    if (!rc && n > fl)
        rc = zl_buf_add(b, p + fl, n - fl);
    /* room for the bounds: the code and a nibble's byte, then as much
     * for the upper one */
    lo_len = b->len;
    for (size_t i = 0; i < lo_len + 2 && !rc; i++)
        rc = zl_buf_add(b, "", 1);
    if (rc)
        return rc;
    lo = (unsigned char *)b->data;
    hi = lo + lo_len + 1;
    if (digits & 1) { /* the first digit of a byte: its sixteen values */
        unsigned d = (unsigned)(p[pl + digits - 1] - '0');

        lo[lo_len] = (unsigned char)(d << 4);
        memcpy(hi, lo, lo_len);
        hi[lo_len] = (unsigned char)((d + 1) << 4);
        hi_len = ++lo_len;
    } else {
        hi_len = successor(lo, lo_len, hi);
    }
    return cb(ctx, 1, lo, lo_len, hi, hi_len);
}

int zl_ident_prefix_ranges(const char *p, size_t n, zl_ident_range_cb cb,
                           void *ctx)
{
    struct zl_buf b;
    size_t k = n;
    int rc;

    zl_buf_init(&b, 1 << 20);
    while (k && (unsigned char)p[k - 1] == 0xff)
        k--;
    if (!(rc = zl_buf_add(&b, p, n)) && !(rc = zl_buf_add(&b, p, n))) {
        if (k) {
            size_t hl = successor((const unsigned char *)p, n,
                                  (unsigned char *)b.data + n);

            rc = cb(ctx, 0, b.data, n, b.data + n, hl);
        } else {
            rc = cb(ctx, 0, b.data, n, NULL, 0);
        }
    }
    for (size_t i = 0; i < N_FORMS && !rc; i++)
        rc = form_range(&FORMS[i], p, n, &b, cb, ctx);
    zl_buf_cleanup(&b);
    return rc;
}
