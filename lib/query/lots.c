/*
 * lots.c - a lot from the code people have: the batch code printed on a
 * pack or written in a report ("C260301-00004"), without its GTIN.
 *
 * The candidates are the registered products (master data, a table the
 * size of a catalogue, not of the event log): for each GTIN the lot's
 * Digital Link is built and asked for with an ordinary query (MATCH_
 * anyEPCClass, one event is enough), which the store answers from its
 * identifier index. So the cost is one indexed lookup per registered
 * product. Rejected: a suffix search over every stored identifier (a
 * full scan of the identifier index at national scale).
 */
#include "zhiliang/query.h"

#include "zhiliang/gs1.h"
#include "zhiliang/party.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

#define MAX_PRODUCTS 1000000

struct gtins {
    char (*g)[15];
    size_t n, cap;
    int rc;
};

static int gtin_cb(void *ctx, const struct zl_product *p)
{
    struct gtins *l = ctx;

    if (!p->gtin || strlen(p->gtin) != 14)
        return 0;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        char(*ng)[15];

        if (nc > MAX_PRODUCTS || !(ng = zl_realloc(l->g, nc * sizeof *ng)))
            return l->rc = ZL_ENOMEM;
        l->g = ng;
        l->cap = nc;
    }
    memcpy(l->g[l->n++], p->gtin, 15);
    return 0;
}

static int one_cb(void *ctx, const char *json, size_t len)
{
    (void)json;
    (void)len;
    ++*(int *)ctx;
    return 0;
}

int zl_query_lots_by_batch(zl_store *s, const char *batch, zl_lot_dl_cb cb,
                           void *ctx)
{
    struct gtins l = {NULL, 0, 0, 0};
    int rc, found = 0;

    if (!batch || !*batch || strlen(batch) > 20)
        return ZL_EINVAL;
    rc = zl_product_list(s, gtin_cb, &l);
    if (!rc)
        rc = l.rc;
    for (size_t i = 0; !rc && i < l.n; i++) {
        char es[64], dl[256];
        struct zl_gs1_id id;
        struct zl_error err = {0};
        zl_query *q = NULL;
        int hits = 0;

        snprintf(es, sizeof es, "(01)%s(10)%s", l.g[i], batch);
        /* a batch code GS1 would not encode is nobody's lot */
        if (zl_gs1_parse(es, strlen(es), &id, NULL) ||
            zl_gs1_to_dl(&id, 0, dl, sizeof dl) < 0) {
            rc = ZL_EINVAL;
            break;
        }
        if ((rc = zl_query_new(&q)))
            break;
        if (!(rc = zl_query_param(q, "MATCH_anyEPCClass", dl, &err)) &&
            !(rc = zl_query_param(q, "eventCountLimit", "1", &err)))
            rc = zl_query_each(s, q, ZL_EPC_AS_CAPTURED, one_cb, &hits, NULL,
                               &err);
        zl_query_free(q);
        if (!rc && hits) {
            found++;
            if (cb && (rc = cb(ctx, dl)))
                break;
        }
    }
    zl_free(l.g);
    return rc ? rc : found;
}
