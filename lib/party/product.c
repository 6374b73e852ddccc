/*
 * product.c - the product registry: GTIN -> names and what the pack
 * declares (see zhiliang/party.h).
 *
 * A GTIN is stored as 14 digits whatever length it was given in (8, 12,
 * 13 or 14), after its check digit is verified, so "06901234567892" and
 * "6901234567892" are one product. Every declared field is checked here,
 * before anything is stored, so the portal can print it as it is: the
 * rules (and where the approval number's format comes from) are in
 * docs/products.md. Storage is lib/store/sqlite_party.c / pg_party.c.
 */
#include "zhiliang/party.h"

#include "party/party_int.h"
#include "store/store.h"
#include "store/store_party.h"

#include <stdio.h>
#include <string.h>

/* GTIN-8/12/13/14 -> 14 digits with a verified check digit. */
static int gtin14(const char *g, char out[15])
{
    size_t n = g ? strlen(g) : 0;

    if ((n != 8 && n != 12 && n != 13 && n != 14) || !zl_party_all_digits(g, n))
        return ZL_EINVAL;
    memset(out, '0', 14 - n);
    memcpy(out + 14 - n, g, n);
    out[14] = '\0';
    if (zl_gs1_check_digit(out, 13) != out[13] - '0')
        return ZL_ECHECK;
    return 0;
}

#define APPROVAL_HEAD "国药准字" /* 12 bytes of UTF-8 */

/* 国药准字 + H (chemical), Z (traditional Chinese), S (biological) or J
 * (imported, packed in China) + a 4-digit year + a 4-digit number. */
static int approval_ok(const char *a)
{
    size_t h = sizeof APPROVAL_HEAD - 1;

    return strlen(a) == h + 9 && !memcmp(a, APPROVAL_HEAD, h) && a[h] &&
           strchr("HZSJ", a[h]) && zl_party_all_digits(a + h + 1, 8);
}

/* Digits, spaces and hyphens after an optional "+"; 5 to 15 digits. */
static int hotline_ok(const char *t)
{
    size_t digits = 0;

    if (*t == '+')
        t++;
    for (; *t; t++) {
        if (*t >= '0' && *t <= '9')
            digits++;
        else if (*t != ' ' && *t != '-')
            return 0;
    }
    return digits >= 5 && digits <= 15;
}

/* Printable text of at most max bytes (no control characters). */
static int text_ok(const char *t, size_t max)
{
    size_t n = strlen(t);

    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
            return 0;
    return n > 0 && n <= max;
}

/* The first declared field of p that breaks its rule, or 0. */
static int check_declared(const struct zl_product *p, struct zl_error *err)
{
    if (p->net_content && !text_ok(p->net_content, 32))
        return zl_error_set(err, ZL_EINVAL, "netContent",
                            "net content is printable text of 1 to 32 bytes",
                            p->net_content, (size_t)-1);
    if (p->standard && (!text_ok(p->standard, 64) || p->standard[0] < 'A' ||
                        p->standard[0] > 'Z'))
        return zl_error_set(err, ZL_EINVAL, "standard",
                            "a product standard's code starts with a capital "
                            "letter (GB, GB/T, Q/...) and has at most 64 bytes",
                            p->standard, (size_t)-1);
    if (p->hotline && !hotline_ok(p->hotline))
        return zl_error_set(err, ZL_EINVAL, "hotline",
                            "a phone number: digits, spaces and hyphens, an "
                            "optional leading +, 5 to 15 digits",
                            p->hotline, (size_t)-1);
    if (p->approval && !approval_ok(p->approval))
        return zl_error_set(err, ZL_EINVAL, "approvalNumber",
                            "a drug approval number is 国药准字, then H, Z, S "
                            "or J, a 4-digit year and a 4-digit number",
                            p->approval, (size_t)-1);
    if (p->shelf_life_days < 0 || p->shelf_life_days > 36500)
        return zl_error_set(err, ZL_EINVAL, "shelfLifeDays",
                            "shelf life is 1 to 36500 days (0: not declared)",
                            NULL, 0);
    return 0;
}

int zl_product_put(zl_store *s, const struct zl_product *p,
                   struct zl_error *err)
{
    struct zl_product q = *p;
    char g[15], key[24];
    int rc, own = 0;

    if ((rc = gtin14(p->gtin, g)))
        return zl_error_set(err, rc, "gtin",
                            rc == ZL_ECHECK
                                ? "GTIN check digit"
                                : "a GTIN has 8, 12, 13 or 14 digits",
                            p->gtin, (size_t)-1);
    if (!p->name_zh || !p->name_zh[0])
        return zl_error_set(err, ZL_EINVAL, "name_zh", "a product needs a name",
                            NULL, 0);
    if ((rc = check_declared(p, err)))
        return rc;
    q.gtin = g;
    snprintf(key, sizeof key, "product:%s", g);
    if (!(rc = zl_registry_tx_begin(s, &own))) {
        rc = zl_store_product_put(s, &q);
        if (!rc)
            rc = zl_registry_log(s, key);
        rc = zl_registry_tx_end(s, own, rc);
    }
    return rc ? zl_error_set(err, rc, NULL, "store failed", NULL, 0) : 0;
}

int zl_product_get(zl_store *s, const char *gtin, zl_product_cb cb, void *ctx)
{
    char g[15];

    if (gtin14(gtin, g))
        return ZL_ENOTFOUND;
    return zl_store_product_get(s, g, cb, ctx);
}

int zl_product_list(zl_store *s, zl_product_cb cb, void *ctx)
{
    return zl_store_product_list(s, cb, ctx);
}
