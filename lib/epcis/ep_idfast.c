/*
 * ep_idfast.c - the pre-hash form of the common GS1 identifiers without
 * the GS1 parser.
 *
 * The CBV 2.0 pre-hash writes every GS1 key as a Digital Link on
 * id.gs1.org at its finest level (zl_gs1_canonical(), then prehash.c
 * trims /22/ and a lot beside a serial). Running the general parser
 * (syntax dispatch, AI table, character sets, error messages) for each
 * identifier was half the cost of a pre-hash on events whose
 * identifiers come straight from their JSON (zl_epcis_event_hash; a
 * capture reuses what validation found). Nearly all real identifiers
 * have one of a few plain shapes, so those are recognised here with
 * byte tests and written directly:
 *
 *  - a Digital Link already in its final form (ep_id_as_is()): written
 *    back unchanged;
 *  - urn:epc:id:sgtin, urn:epc:id:sscc, urn:epc:id:sgln and
 *    urn:epc:class:lgtin with digit references and a serial, lot or
 *    extension of 1 to 20 letters and digits (ep_id_from_urn()).
 *
 * Anything else, and any of these shapes the parser would reject (a
 * company prefix of the wrong length, a split that does not add up),
 * answers "not handled" and takes the general path, so the output is by
 * construction the parser's on every input: for the URNs the result is
 * the same string zl_gs1_canonical() writes (the check digit computed
 * the same way, extension "0" meaning none, as TDS 2.0 says), for the
 * Digital Links the parser either writes the input back or rejects it
 * (a wrong check digit), and a rejected identifier is hashed as its raw
 * text. Checked against zl_gs1_canonical() on millions of random
 * identifiers of these shapes and on the hash corpora.
 *
 * Rejected: a cache of canonical forms per process (identifiers of
 * different events mostly differ, serials above all), and a faster
 * general GS1 parser (lib/gs1 stays the one checked implementation of
 * the standard; this file only short-cuts shapes whose answer is plain).
 */
#include "epcis/epcis_int.h"

#include <stdint.h>
#include <string.h>

/* Length of the run of ASCII digits at s[0..n). Eight bytes at a time
 * while they are all digits (a byte is one when its high nibble is 3 and
 * adding 6 keeps it so): identifiers are mostly digits, and this loop
 * was the largest line of the pre-hash's identifier work. */
static size_t digit_run(const char *s, size_t n)
{
    const uint64_t hi = 0xF0F0F0F0F0F0F0F0ull, d3 = 0x3030303030303030ull,
                   six = 0x0606060606060606ull;
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t x, m;
        memcpy(&x, s + i, 8);
        /* nonzero bytes of m: not digits. Adding 6 carries out of a byte
         * only when that byte is no digit, and a carry only moves up, so
         * the lowest nonzero byte is the first non-digit in memory on a
         * little-endian machine; else the byte loop decides. */
        m = ((x & hi) ^ d3) | (((x + six) & hi) ^ d3);
        if (m) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(m) / 8;
#else
            break;
#endif
        }
        i += 8;
    }
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* Length of the run of ASCII letters and digits at s[0..n). */
static size_t alnum_run(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') ||
                     ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
        i++;
    return i;
}

/* 1 if s[0..n) is a qualifier value the fast paths take: 1 to 20
 * letters and digits, nothing to escape. */
static int plain_value(const char *s, size_t n)
{
    return n >= 1 && n <= 20 && alnum_run(s, n) == n;
}

int ep_id_as_is(const char *s, size_t n)
{
    static const char host[] = "https://id.gs1.org/";
    size_t h = sizeof host - 1, k;
    uint64_t a, b, c, ha, hb, hc;
    if (n < h + 7)
        return 0;
    /* the host as three 8-byte words (bytes 0-7, 8-15, 11-18): no
     * library call for a test that fails on most values */
    memcpy(&a, s, 8);
    memcpy(&b, s + 8, 8);
    memcpy(&c, s + 11, 8);
    memcpy(&ha, host, 8);
    memcpy(&hb, host + 8, 8);
    memcpy(&hc, host + 11, 8);
    if (a != ha || b != hb || c != hc)
        return 0;
    s += h;
    n -= h;
    if (s[0] == '0' && s[1] == '1' && s[2] == '/') {
        if (n < 17 || digit_run(s + 3, n - 3) != 14)
            return 0;
        k = 17;
        if (k == n)
            return 1;
        if (n < k + 5 || s[k] != '/' ||
            !((s[k + 1] == '2' && s[k + 2] == '1') ||
              (s[k + 1] == '1' && s[k + 2] == '0')) ||
            s[k + 3] != '/')
            return 0;
        k += 4;
    } else if (s[0] == '0' && s[1] == '0' && s[2] == '/') {
        return n == 21 && digit_run(s + 3, 18) == 18;
    } else if (s[0] == '4' && s[1] == '1' && s[2] == '4' && s[3] == '/') {
        if (n < 17 || digit_run(s + 4, n - 4) != 13)
            return 0;
        k = 17;
        if (k == n)
            return 1;
        if (n < k + 6 || memcmp(s + k, "/254/", 5) != 0)
            return 0;
        k += 5;
        if (n - k == 1 && s[k] == '0')
            return 0;
    } else {
        return 0;
    }
    return plain_value(s + k, n - k);
}

/* The GS1 check digit of the digits d[0..n) (weights 3, 1, 3, ... from
 * the right), as zl_gs1_check_digit() computes it. */
static char check_digit(const char *d, size_t n)
{
    unsigned sum = 0;
    /* two digits a step: weight 3 on the right one, 1 on its left */
    for (; n >= 2; n -= 2)
        sum += (unsigned)(d[n - 1] - '0') * 3 + (unsigned)(d[n - 2] - '0');
    if (n)
        sum += (unsigned)(d[0] - '0') * 3;
    return (char)('0' + (10 - sum % 10) % 10);
}

/* Split "CP.REF.REST" (rest optional when parts == 2): the company
 * prefix and the reference must be digits, the prefix 6 to 12 long and
 * both together total long. 1 and the pieces, or 0. */
static int split_key(const char *s, size_t n, int parts, size_t total,
                     const char **ref, size_t *refl, const char **rest,
                     size_t *restl, size_t *cpl)
{
    size_t c = digit_run(s, n), r;
    if (c < 6 || c > 12 || c >= n || s[c] != '.')
        return 0;
    r = digit_run(s + c + 1, n - c - 1);
    if (c + r != total)
        return 0;
    *cpl = c;
    *ref = s + c + 1;
    *refl = r;
    if (parts == 2)
        return c + 1 + r == n;
    if (c + 1 + r >= n || s[c + 1 + r] != '.')
        return 0;
    *rest = s + c + 2 + r;
    *restl = n - (c + 2 + r);
    return plain_value(*rest, *restl);
}

/* A key of total + 1 digits: the reference's first digit (indicator or
 * extension) when lead, the company prefix, the rest of the reference,
 * then the check digit. */
static size_t key_digits(char *o, const char *cp, size_t cpl, const char *ref,
                         size_t refl, int lead)
{
    size_t k = 0;
    if (lead) {
        o[k++] = ref[0];
        ref++;
        refl--;
    }
    memcpy(o + k, cp, cpl);
    k += cpl;
    memcpy(o + k, ref, refl);
    k += refl;
    o[k] = check_digit(o, k);
    return k + 1;
}

size_t ep_id_from_urn(const char *s, size_t n, char *out, size_t cap)
{
    static const char dl[] = "https://id.gs1.org/";
    /* the AIs and qualifiers padded to 8 bytes: copied as one word (the
     * bytes past each are written over next; out has room, cap >= 96) */
    static const char ai01[8] = "01/", ai00[8] = "00/", ai414[8] = "414/",
                      q21[8] = "/21/", q254[8] = "/254/", q10[8] = "/10/";
    const char *ref = NULL, *rest = NULL, *body;
    size_t refl = 0, restl = 0, cpl = 0, k = sizeof dl - 1, bn;
    const char *ai, *qual = NULL;
    size_t total, ail, qual_len = 0;
    int lead, parts = 3, zero_none = 0;
    if (cap < 96 || n < 16 || memcmp(s, "urn:epc:", 8) != 0)
        return 0;
    if (n > 17 && !memcmp(s + 8, "id:sgtin:", 9)) {
        body = s + 17;
        ai = ai01;
        ail = 3;
        qual = q21;
        qual_len = 4;
        total = 13;
        lead = 1;
    } else if (!memcmp(s + 8, "id:sscc:", 8)) {
        body = s + 16;
        ai = ai00;
        ail = 3;
        total = 17;
        lead = 1;
        parts = 2;
    } else if (!memcmp(s + 8, "id:sgln:", 8)) {
        body = s + 16;
        ai = ai414;
        ail = 4;
        qual = q254;
        qual_len = 5;
        total = 12;
        lead = 0;
        zero_none = 1;
    } else if (n > 20 && !memcmp(s + 8, "class:lgtin:", 12)) {
        body = s + 20;
        ai = ai01;
        ail = 3;
        qual = q10;
        qual_len = 4;
        total = 13;
        lead = 1;
    } else {
        return 0;
    }
    bn = n - (size_t)(body - s);
    if (!split_key(body, bn, parts, total, &ref, &refl, &rest, &restl, &cpl))
        return 0;
    memcpy(out, dl, k);
    memcpy(out + k, ai, 8);
    k += ail;
    k += key_digits(out + k, body, cpl, ref, refl, lead);
    /* an sgln extension of "0" is no extension (TDS 2.0) */
    if (qual && !(zero_none && restl == 1 && rest[0] == '0')) {
        memcpy(out + k, qual, 8);
        k += qual_len;
        memcpy(out + k, rest, restl);
        k += restl;
    }
    out[k] = '\0';
    return k;
}
