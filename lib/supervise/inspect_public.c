/*
 * inspect_public.c - the list of plans and draws the portal publishes
 * (/inspections, 一公开 of the 双随机 draws; zhiliang/inspect.h).
 *
 * One pass over the "plan:" records and one over the "draw:" records,
 * both in key order, joined by plan id. Only what the plan and draw
 * records state is listed (scope, period, weights, beacon, key string,
 * seed, task count): the teams and enterprises are on each plan's own
 * page and in its export, which is the public data a re-run needs.
 *
 * Rejected: a second index table of plans (the records are the state;
 * a portal page over a few thousand plans reads them in milliseconds).
 */
#include "supervise/sup_int.h"

#include "store/store_sup.h"
#include "util/jcs.h"
#include "zhiliang/inspect.h"

#include <string.h>

struct list_ctx {
    json_t *plans; /* id -> entry */
    json_t *order; /* the same entries in plan id order */
};

static int plan_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct list_ctx *c = ctx;
    json_error_t je;
    json_t *o, *e;
    const char *id;

    if (r->seq != 1)
        return 0;
    if (!(o = json_loadb(r->json, r->len, 0, &je)))
        return ZL_ESTORE;
    id = json_string_value(json_object_get(o, "id"));
    e = json_pack("{s:o,s:I,s:n,s:i}", "plan", o, "plan_leaf",
                  (json_int_t)r->leaf, "draw", "redraws", 0);
    if (!id || !e || json_array_append(c->order, e) ||
        json_object_set_new(c->plans, id, e))
        return ZL_ENOMEM;
    return 0;
}

static int draw_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct list_ctx *c = ctx;
    const char *id = r->key + 5; /* "draw:" */
    json_t *e = json_object_get(c->plans, id), *o, *d;
    json_error_t je;

    if (!e)
        return 0;
    if (r->seq > 1)
        return json_object_set_new(
                   e, "redraws",
                   json_integer(
                       json_integer_value(json_object_get(e, "redraws")) + 1))
                   ? ZL_ENOMEM
                   : 0;
    if (!(o = json_loadb(r->json, r->len, 0, &je)))
        return ZL_ESTORE;
    d = json_pack("{s:O,s:O,s:O,s:i,s:i,s:I}", "key", json_object_get(o, "key"),
                  "seed", json_object_get(o, "seed"), "beacon",
                  json_object_get(o, "beacon"), "tasks",
                  (int)json_array_size(json_object_get(o, "tasks")), "strata",
                  (int)json_array_size(json_object_get(o, "strata")), "leaf",
                  (json_int_t)r->leaf);
    if (d && json_object_get(o, "credit"))
        json_object_set(
            d, "credit",
            json_object_get(json_object_get(o, "credit"), "source"));
    json_decref(o);
    if (!d || json_object_set_new(e, "draw", d))
        return ZL_ENOMEM;
    return 0;
}

int zl_inspect_list(zl_store *s, struct zl_buf *out)
{
    struct list_ctx c = {json_object(), json_array()};
    int rc;

    if (!c.plans || !c.order) {
        rc = ZL_ENOMEM;
        goto out;
    }
    /* ';' follows ':' bytewise: [plan:, plan;) is every plan key */
    if ((rc = zl_store_sup_range(s, "plan:", "plan;", -1, plan_cb, &c)) ||
        (rc = zl_store_sup_range(s, "draw:", "draw;", -1, draw_cb, &c)))
        goto out;
    rc = zl_jcs_dump(c.order, out);
out:
    json_decref(c.plans);
    json_decref(c.order);
    return rc;
}
