/*
 * uscc.c - Chinese unified social credit codes (GB 32100-2015).
 *
 * 18 characters from a 31-symbol alphabet (0-9 and A-Z without I O Z S V,
 * valued 0..30 in that order):
 *   1      registration authority (1 机构编制, 5 民政, 9 工商, Y 其他...)
 *   2      entity type under that authority (a digit 1-9)
 *   3-8    administrative division code of the registering office (digits)
 *   9-17   organisation code, GB 11714-1997, whose 9th character is its own
 *          check: 11 - (sum of w_i * c_i mod 11) with w = 3 7 9 10 5 8 4 2,
 *          10 -> 'X', 11 -> '0'
 *   18     check: 31 - (sum of w_i * c_i mod 31), w_i = 3^(i-1) mod 31,
 *          31 -> '0'
 * Each rule failure is reported by name so a clerk can see which part of
 * the code was mistyped.
 */
#include "zhiliang/gs1.h"

#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                29, 25, 13, 8,  24, 10, 30, 28};
static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

static int val31(int c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* GB 11714 values: 0-9 as digits, A-Z as 10-35. */
static int val36(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

static int check(const char *s, size_t len, struct zl_error *err)
{
    static const char authorities[] = "123456789ANY";
    static const char *const provinces[] = {
        "10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33",
        "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51",
        "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"};
    int sum = 0, i, want, osum = 0, ocheck;
    size_t k;
    char wantc;

    if (len != 18)
        return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                             "wrong length: a unified social credit code has "
                             "18 characters, got %zu",
                             len);
    for (i = 0; i < 18; i++) {
        int c = (unsigned char)s[i];
        if (val31(c) < 0) {
            char cd[8];
            if (c > 32 && c < 127)
                snprintf(cd, sizeof cd, "'%c'", c);
            else
                snprintf(cd, sizeof cd, "0x%02X", (unsigned)c);
            return zl_error_setf(
                err, ZL_EINVAL, NULL, NULL,
                "bad character %s at position %d: only 0-9 and A-Z without "
                "I, O, Z, S, V are used%s",
                cd, i + 1,
                (c >= 'a' && c <= 'z') ? " (letters are upper case)" : "");
        }
    }
    if (!strchr(authorities, s[0]))
        return zl_error_setf(
            err, ZL_EINVAL, NULL, NULL,
            "unknown registration authority '%c' at position 1 (1-9, A, N or "
            "Y)",
            s[0]);
    if (s[1] < '1' || s[1] > '9')
        return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                             "bad entity type '%c' at position 2 (a digit 1-9)",
                             s[1]);
    for (i = 2; i < 8; i++)
        if (s[i] < '0' || s[i] > '9')
            return zl_error_setf(
                err, ZL_EINVAL, NULL, NULL,
                "bad administrative division code at positions 3-8: '%c' at "
                "position %d is not a digit",
                s[i], i + 1);
    for (k = 0; k < sizeof provinces / sizeof provinces[0]; k++)
        if (!memcmp(s + 2, provinces[k], 2))
            break;
    if (k == sizeof provinces / sizeof provinces[0])
        return zl_error_setf(
            err, ZL_EINVAL, NULL, NULL,
            "bad administrative division code at positions 3-8: no "
            "province-level division %.2s",
            s + 2);
    for (i = 0; i < 8; i++)
        osum += val36((unsigned char)s[8 + i]) * org_weights[i];
    ocheck = 11 - osum % 11;
    wantc = ocheck == 10 ? 'X' : ocheck == 11 ? '0' : (char)('0' + ocheck);
    if (s[16] != wantc)
        return zl_error_setf(
            err, ZL_ECHECK, NULL, NULL,
            "bad check character of the organisation code (GB 11714, "
            "position 17): expected %c, got %c",
            wantc, s[16]);
    for (i = 0; i < 17; i++)
        sum += val31((unsigned char)s[i]) * weights[i];
    want = 31 - sum % 31;
    if (want == 31)
        want = 0;
    if (s[17] != alphabet[want])
        return zl_error_setf(
            err, ZL_ECHECK, NULL, NULL,
            "bad check character (position 18): expected %c, got %c",
            alphabet[want], s[17]);
    return 0;
}

int zl_uscc_validate(const char *s, size_t len, struct zl_error *err)
{
    int rc = check(s, len, err);

    if (rc < 0 && err) {
        size_t k = len < sizeof err->value - 1 ? len : sizeof err->value - 1;
        memcpy(err->value, s, k);
        err->value[k] = '\0';
    }
    return rc;
}
