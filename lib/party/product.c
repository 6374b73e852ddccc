/*
 * product.c - the product registry: GTIN -> names (see zhiliang/party.h).
 *
 * A GTIN is stored as 14 digits whatever length it was given in (8, 12,
 * 13 or 14), after its check digit is verified, so "06901234567892" and
 * "6901234567892" are one product. Storage is lib/store/sqlite_party.c.
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
