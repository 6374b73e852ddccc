/*
 * ident_code.c - the stored form of an identifier in SQLite's dictionary
 * idents (schema 26, docs/storage.md).
 *
 * The dictionary held each identifier's text twice (the row and its
 * UNIQUE index): ~48 bytes of mostly https://id.gs1.org/01/<GTIN>/21/<serial>
 * each time, 283 bytes an event at 1M demo events. A code is one tag byte
 * naming a form (a fixed prefix, a field of decimal digits, a fixed
 * infix), the digits two to a byte (BCD, so SQLite's hex() spells them
 * back), then the rest of the text as it is, or for an item's serial of
 * digits alone those digits in BCD too (a form for an even count, one for
 * an odd count led by a 0 nibble): that URI is 1 + 7 + 4 = 12 bytes
 * instead of 47. An identifier of no form keeps its
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

enum tail {
    TAIL_TEXT, /* the rest as its bytes */
    TAIL_ODD,  /* the rest an odd count of digits: a 0 nibble, then BCD */
    TAIL_EVEN  /* the rest an even count of digits (none too), in BCD */
};

struct form {
    unsigned char tag;
    const char *prefix;
    unsigned digits; /* even */
    const char *infix;
    enum tail tail;
};

static const struct form FORMS[] = {
    /* an item (SGTIN) whose serial is digits, an item, a lot (LGTIN),
     * a GTIN and anything after it, an SSCC */
    {0x06, "https://id.gs1.org/01/", 14, "/21/", TAIL_EVEN},
    {0x07, "https://id.gs1.org/01/", 14, "/21/", TAIL_ODD},
    {0x02, "https://id.gs1.org/01/", 14, "/21/", TAIL_TEXT},
    {0x03, "https://id.gs1.org/01/", 14, "/10/", TAIL_TEXT},
    {0x04, "https://id.gs1.org/01/", 14, "", TAIL_TEXT},
    {0x05, "https://id.gs1.org/00/", 18, "", TAIL_TEXT},
    {0x01, "https://id.gs1.org/", 0, "", TAIL_TEXT},
    {0x11, "urn:epc:id:sgtin:", 0, "", TAIL_TEXT},
    {0x12, "urn:epc:id:sscc:", 0, "", TAIL_TEXT},
    {0x10, "urn:epc:id:", 0, "", TAIL_TEXT},
    {0x14, "urn:epc:idpat:sgtin:", 0, "", TAIL_TEXT},
    {0x13, "urn:epc:idpat:", 0, "", TAIL_TEXT},
    {0x16, "urn:epc:class:lgtin:", 0, "", TAIL_TEXT},
    {0x15, "urn:epc:class:", 0, "", TAIL_TEXT},
};
#define N_FORMS (sizeof FORMS / sizeof FORMS[0])

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int all_digits(const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(d[i]))
            return 0;
    return 1;
}

/* The length of f's fixed part (prefix, digits, infix). */
static size_t fixed_len(const struct form *f)
{
    return strlen(f->prefix) + f->digits + strlen(f->infix);
}

/* 1 when id[0..len) has form f. */
static int has_form(const struct form *f, const char *id, size_t len)
{
    size_t pl = strlen(f->prefix), il = strlen(f->infix), fl = fixed_len(f);

    if (len < fl || memcmp(id, f->prefix, pl) ||
        memcmp(id + pl + f->digits, f->infix, il) ||
        !all_digits(id + pl, f->digits))
        return 0;
    if (f->tail == TAIL_TEXT)
        return 1;
    return all_digits(id + fl, len - fl) &&
           ((len - fl) % 2 == 0) == (f->tail == TAIL_EVEN);
}

/* The nibbles of f's code for the text t[0..n) (an identifier of form f,
 * or a prefix of one), as digits into d: the fixed digits, then a tail's
 * (with its 0 nibble when odd) as far as t goes. Returns their count. */
static size_t nibbles(const struct form *f, const char *t, size_t n, char *d)
{
    size_t pl = strlen(f->prefix), fl = fixed_len(f), k = 0;

    for (size_t i = pl; i < n && i < pl + f->digits; i++)
        d[k++] = t[i];
    if (f->tail != TAIL_TEXT && n > fl) {
        if (f->tail == TAIL_ODD)
            d[k++] = '0';
        memcpy(d + k, t + fl, n - fl);
        k += n - fl;
    }
    return k;
}

/* Write the digits d[0..2m) two to a byte, the first high; returns m. */
static size_t put_bcd(unsigned char *out, const char *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        out[i / 2] = (unsigned char)((d[i] - '0') << 4 | (d[i + 1] - '0'));
    return n / 2;
}

size_t zl_ident_encode(const char *id, size_t len, unsigned char *out)
{
    for (size_t k = 0; k < N_FORMS; k++) {
        const struct form *f = &FORMS[k];
        size_t fl = fixed_len(f), n;
        char *d;

        if (!has_form(f, id, len))
            continue;
        /* the nibbles (at most digits + 1 + len - fl) are staged at the
         * end of out; BCD writes behind where it reads */
        d = (char *)out + fl - f->digits - 1;
        n = 1 + put_bcd(out + 1, d, nibbles(f, id, len, d));
        out[0] = f->tag;
        if (f->tail == TAIL_TEXT) {
            memmove(out + n, id + fl, len - fl);
            n += len - fl;
        }
        return n;
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

/* Append the hex digits of c[0..n), the first one left out when skip. */
static int add_hex(struct zl_buf *out, const unsigned char *c, size_t n,
                   int skip)
{
    static const char HEX[] = "0123456789ABCDEF";
    char d[256];
    int rc = 0;

    /* the digits made on the stack, then added a block at once (a call
     * a digit was a third of naming an identifier: recall scope names
     * 100,000s) */
    for (size_t i = 0; i < n && !rc;) {
        size_t at = 0;

        for (; i < n && at + 2 <= sizeof d; i++) {
            if (i || !skip)
                d[at++] = HEX[c[i] >> 4];
            d[at++] = HEX[c[i] & 15];
        }
        rc = zl_buf_add(out, d, at);
    }
    return rc;
}

int zl_ident_decode(const void *code, size_t n, struct zl_buf *out)
{
    const unsigned char *c = code;
    const struct form *f = n ? form_of(c[0]) : NULL;
    size_t nb;
    int rc;

    if (!f)
        return zl_buf_add(out, code, n);
    nb = f->digits / 2 < n - 1 ? f->digits / 2 : n - 1;
    rc = zl_buf_adds(out, f->prefix);
    if (!rc)
        rc = add_hex(out, c + 1, nb, 0);
    if (!rc)
        rc = zl_buf_adds(out, f->infix);
    if (rc)
        return rc;
    if (f->tail == TAIL_TEXT)
        return zl_buf_add(out, c + 1 + nb, n - 1 - nb);
    return add_hex(out, c + 1 + nb, n - 1 - nb, f->tail == TAIL_ODD);
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
        if (rc)
            break;
        if (f->tail == TAIL_TEXT)
            rc = zl_buf_printf(out, " || CAST(substr(%s, %u) AS TEXT)", col,
                               2 + f->digits / 2);
        else
            rc = zl_buf_printf(out, " || %shex(substr(%s, %u))%s",
                               f->tail == TAIL_ODD ? "substr(" : "", col,
                               2 + f->digits / 2,
                               f->tail == TAIL_ODD ? ", 2)" : "");
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
    size_t pl = strlen(f->prefix), fl = fixed_len(f), k, lo_len, hi_len;
    unsigned char *lo, *hi;
    char *d;
    int rc = 0;

    for (size_t i = 0; i < n && i < fl; i++) {
        if (i < pl               ? p[i] != f->prefix[i]
            : i < pl + f->digits ? !is_digit(p[i])
                                 : p[i] != f->infix[i - pl - f->digits])
            return 0;
    }
    if (f->tail != TAIL_TEXT && n > fl && !all_digits(p + fl, n - fl))
        return 0;
    /* room: the nibbles, then the code and a byte, then the upper bound */
    zl_buf_reset(b);
    for (size_t i = 0; i < 3 * (n + 4) && !rc; i++)
        rc = zl_buf_add(b, "", 1);
    if (rc)
        return rc;
    d = b->data;
    lo = (unsigned char *)b->data + n + 4;
    hi = lo + n + 4;
    k = nibbles(f, p, n, d);
    lo[0] = f->tag;
    lo_len = 1 + put_bcd(lo + 1, d, k);
    if (f->tail == TAIL_TEXT && n > fl) {
        memcpy(lo + lo_len, p + fl, n - fl);
        lo_len += n - fl;
    }
    if (k & 1) { /* the first digit of a byte: its sixteen values */
        unsigned v = (unsigned)(d[k - 1] - '0');

        lo[lo_len] = (unsigned char)(v << 4);
        memcpy(hi, lo, lo_len);
        hi[lo_len] = (unsigned char)((v + 1) << 4);
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
