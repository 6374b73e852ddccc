/*
 * inspect.c - inspection plans, their draws and redraws (zhiliang/inspect.h,
 * docs/supervision.md): the store side of the 双随机 draw.
 *
 * A plan is logged before anything random exists; its draw reads the log
 * beacon at the plan's leaf plus the distance the plan fixed
 * (zhiliang/draw.h), appends any outside public values the plan named,
 * hashes that key string into the seed and runs draw_plan.c on the
 * registries as they were logged before the plan. So nothing written
 * after the plan, when the seed could be known, changes the draw.
 *
 * The draw record states everything the draw produced; verify rebuilds
 * it from the plan, the log and the registries and compares the bytes,
 * and does the same for each redraw in turn (a redraw adds "inspector
 * unavailable for task" and re-runs, which walks the same seeded
 * sequence: the rest of the team stays). The export carries what a
 * citizen needs to do the same with docs/draw_plan_verify.py, without the
 * declared conflicts: for those, the draw record names the inspectors a
 * task skipped for a declared conflict (not why).
 *
 * Rejected: storing the draw as rows per task (the record is the state,
 * as for the registries; a show reads one record and its redraws).
 */
#include "party/party_int.h"
#include "supervise/sup_int.h"

#include "store/store.h"
#include "store/store_sup.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/jcs.h"
#include "zhiliang/draw.h"
#include "zhiliang/log.h"

#include <stdio.h>
#include <string.h>

#define PLAN_MAX_COUNT   100000
#define BEACON_DIST_MAX  10000000
#define DEFAULT_DISTANCE 100
#define DEFAULT_LEVEL    4
#define DEFAULT_TEAM     2

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int setn(json_t *o, const char *k, json_t *v)
{
    return v && !json_object_set_new(o, k, v) ? 0 : ZL_ENOMEM;
}

/* ---- loading records -----------------------------------------------------
 */

struct recs {
    json_t **v;
    int64_t *leaf;
    long *seq;
    size_t n, cap, cap_l, cap_s;
};

static int recs_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct recs *x = ctx;
    json_error_t je;
    json_t *o = json_loadb(r->json, r->len, 0, &je);
    int rc;

    if (!o)
        return ZL_ESTORE;
    if ((rc = zl_grow((void **)&x->v, &x->cap, x->n + 1, sizeof *x->v, 8,
                      NULL)) ||
        (rc = zl_grow((void **)&x->leaf, &x->cap_l, x->n + 1, sizeof *x->leaf,
                      8, NULL)) ||
        (rc = zl_grow((void **)&x->seq, &x->cap_s, x->n + 1, sizeof *x->seq, 8,
                      NULL))) {
        json_decref(o);
        return rc;
    }
    x->v[x->n] = o;
    x->leaf[x->n] = r->leaf;
    x->seq[x->n++] = r->seq;
    return 0;
}

static void recs_free(struct recs *x)
{
    for (size_t i = 0; i < x->n; i++)
        json_decref(x->v[i]);
    zl_free(x->v);
    zl_free(x->leaf);
    zl_free(x->seq);
    memset(x, 0, sizeof *x);
}

/* Every record of key (seq order) logged before leaf before (< 0: all). */
static int load_key(zl_store *s, const char *key, int64_t before,
                    struct recs *x)
{
    char hi[SUP_ID_MAX + 40];

    memset(x, 0, sizeof *x);
    /* exactly key: [key, key + "\0") is key itself; use key and its
     * successor string */
    snprintf(hi, sizeof hi, "%s", key);
    hi[strlen(hi)] = '\0';
    {
        size_t n = strlen(hi);

        if (n + 1 >= sizeof hi)
            return ZL_ELIMIT;
        hi[n] = '\x01';
        hi[n + 1] = '\0';
    }
    return zl_store_sup_range(s, key, hi, before, recs_cb, x);
}

static int plan_load(zl_store *s, const char *plan_id, json_t **plan,
                     int64_t *leaf, struct zl_error *err)
{
    struct recs x;
    char key[SUP_ID_MAX + 8];
    int rc;

    *plan = NULL;
    if (!sup_id_ok(plan_id, SUP_ID_MAX))
        return zl_error_set(err, ZL_ENOTFOUND, "plan", "no such plan", plan_id,
                            (size_t)-1);
    snprintf(key, sizeof key, "plan:%s", plan_id);
    if ((rc = load_key(s, key, -1, &x)))
        return rc;
    if (!x.n) {
        recs_free(&x);
        return zl_error_set(err, ZL_ENOTFOUND, "plan", "no such plan", plan_id,
                            (size_t)-1);
    }
    *plan = json_incref(x.v[0]);
    *leaf = x.leaf[0];
    recs_free(&x);
    return 0;
}

/* ---- plans ---------------------------------------------------------------
 */

static int int_field(json_t *in, const char *k, long long lo, long long hi,
                     long long dflt, long long *out, struct zl_error *err)
{
    json_t *v = json_object_get(in, k);

    *out = dflt;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo ||
        json_integer_value(v) > hi)
        return zl_error_setf(err, ZL_EINVAL, k, NULL,
                             "must be an integer from %lld to %lld", lo, hi);
    *out = json_integer_value(v);
    return 0;
}

static int str_array(json_t *in, const char *k, int region, json_t **out,
                     zl_store *s, struct zl_error *err)
{
    json_t *v = json_object_get(in, k), *e;
    size_t i;

    *out = NULL;
    if (!json_is_array(v) || !json_array_size(v))
        return zl_error_set(err, ZL_EINVAL, k, "a non-empty array is required",
                            NULL, 0);
    if (!(*out = json_array()))
        return ZL_ENOMEM;
    json_array_foreach(v, i, e)
    {
        const char *x = json_string_value(e);
        size_t n = x ? strlen(x) : 0, j;

        if (!x)
            return zl_error_set(err, ZL_EINVAL, k, "must hold strings", NULL,
                                0);
        if (region) {
            int ok = n == 2 || n == 4 || n == 6;

            for (j = 0; j < n; j++)
                ok = ok && x[j] >= '0' && x[j] <= '9';
            if (!ok)
                return zl_error_set(err, ZL_EINVAL, k,
                                    "a region is a GB/T 2260 code of 2, 4 or "
                                    "6 digits",
                                    x, (size_t)-1);
        } else {
            char *json = NULL;

            if (!sup_id_ok(x, 32) ||
                zl_sup_get(s, ZL_SUP_CATEGORY, x, &json, NULL))
                return zl_error_set(err, ZL_EINVAL, k,
                                    "no such product category registered", x,
                                    (size_t)-1);
            zl_free(json);
        }
        for (j = 0; j < json_array_size(*out); j++)
            if (!strcmp(json_string_value(json_array_get(*out, j)), x))
                break;
        if (j == json_array_size(*out) && json_array_append(*out, e))
            return ZL_ENOMEM;
    }
    return 0;
}

static int plan_rec(zl_store *s, const struct sup_writer *w, json_t *in,
                    json_t **rec, struct zl_error *err)
{
    static const char *const OK[] = {
        "id",       "title",  "categories",      "regions",
        "level",    "period", "count",           "permille",
        "weights",  "team",   "beacon_distance", "outside",
        "previous", "credit", "credit_rule",     NULL};
    const char *k, *id, *title = NULL, *outside = NULL, *prev = NULL,
                        *credit = NULL;
    json_t *v, *o = NULL, *cats = NULL, *regs = NULL, *wt = NULL, *per;
    long long level, count, permille, team, dist, rule;
    int rc = 0;

    if (!json_is_object(in))
        return zl_error_set(err, ZL_EINVAL, "", "a plan is a JSON object", NULL,
                            0);
    json_object_foreach(in, k, v)
    {
        size_t i;

        for (i = 0; OK[i] && strcmp(OK[i], k); i++)
            ;
        if (!OK[i])
            return zl_error_set(err, ZL_EINVAL, k, "unknown field", k,
                                (size_t)-1);
    }
    id = json_string_value(json_object_get(in, "id"));
    if (!id || !sup_id_ok(id, SUP_ID_MAX))
        return zl_error_set(err, ZL_EINVAL, "id",
                            "a plan id is 1-64 of A-Z a-z 0-9 . _ -", id,
                            (size_t)-1);
    if (json_object_get(in, "title") &&
        (!(title = json_string_value(json_object_get(in, "title"))) ||
         strlen(title) > 512))
        return zl_error_set(err, ZL_EINVAL, "title",
                            "a string of at most 512 bytes", NULL, 0);
    if (json_object_get(in, "outside") &&
        (!(outside = json_string_value(json_object_get(in, "outside"))) ||
         !*outside || strlen(outside) > 512))
        return zl_error_set(err, ZL_EINVAL, "outside",
                            "describe the outside public source (at most 512 "
                            "bytes)",
                            NULL, 0);
    if (json_object_get(in, "credit") &&
        (!(credit = json_string_value(json_object_get(in, "credit"))) ||
         (strcmp(credit, "registry") && strcmp(credit, "computed"))))
        return zl_error_set(err, ZL_EINVAL, "credit",
                            "registry (the class each registry entry states) "
                            "or computed (from the published spot checks)",
                            NULL, 0);
    if (credit && !strcmp(credit, "computed") &&
        !json_is_object(json_object_get(in, "period")))
        return zl_error_set(err, ZL_EINVAL, "credit",
                            "computed classes need the plan's period: its "
                            "first day is the day the classes are scored on",
                            NULL, 0);
    /* the credit rule is fixed with the plan: 2 (every record the system
     * holds, docs/credit.md) unless the plan asks for 1 (spot checks) */
    if ((rc = int_field(in, "credit_rule", 1, 2, 2, &rule, err)))
        return rc;
    if (json_object_get(in, "credit_rule") &&
        !(credit && !strcmp(credit, "computed")))
        return zl_error_set(err, ZL_EINVAL, "credit_rule",
                            "only a plan with computed credit classes has a "
                            "credit rule",
                            NULL, 0);
    if ((rc = int_field(in, "level", 2, 6, DEFAULT_LEVEL, &level, err)) ||
        (rc = int_field(in, "count", 1, PLAN_MAX_COUNT, 0, &count, err)) ||
        (rc = int_field(in, "permille", 1, 1000, 0, &permille, err)) ||
        (rc = int_field(in, "team", 2, ZL_DP_MAX_TEAM, DEFAULT_TEAM, &team,
                        err)) ||
        (rc = int_field(in, "beacon_distance", 2, BEACON_DIST_MAX,
                        DEFAULT_DISTANCE, &dist, err)))
        return rc;
    if (level & 1)
        return zl_error_set(err, ZL_EINVAL, "level", "must be 2, 4 or 6", NULL,
                            0);
    if (!count == !permille)
        return zl_error_set(err, ZL_EINVAL, "count",
                            "give either count (per stratum) or permille", NULL,
                            0);
    if (json_object_get(in, "previous")) {
        struct recs x;
        char key[SUP_ID_MAX + 8];

        prev = json_string_value(json_object_get(in, "previous"));
        if (!prev || !sup_id_ok(prev, SUP_ID_MAX))
            return zl_error_set(err, ZL_EINVAL, "previous",
                                "the id of an earlier, drawn plan", NULL, 0);
        snprintf(key, sizeof key, "draw:%s", prev);
        if ((rc = load_key(s, key, -1, &x)))
            return rc;
        rc = x.n ? 0
                 : zl_error_set(err, ZL_EINVAL, "previous",
                                "that plan has not been drawn", prev,
                                (size_t)-1);
        recs_free(&x);
        if (rc)
            return rc;
    }
    if ((rc = str_array(in, "categories", 0, &cats, s, err)) ||
        (rc = str_array(in, "regions", 1, &regs, s, err)))
        goto out;
    for (size_t i = 0; i < json_array_size(regs); i++)
        if ((rc = sup_may_write(w, json_string_value(json_array_get(regs, i)),
                                "plan", err)))
            goto out;
    if (!(wt = json_object())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    {
        json_t *win = json_object_get(in, "weights");
        static const long long DFLT[4] = {1, 2, 4, 8};

        if (win && !json_is_object(win)) {
            rc = zl_error_set(err, ZL_EINVAL, "weights",
                              "an object {\"A\": n, ...}", NULL, 0);
            goto out;
        }
        json_object_foreach(win, k,
                            v) if (strlen(k) != 1 || k[0] < 'A' || k[0] > 'D')
        {
            rc = zl_error_set(err, ZL_EINVAL, "weights",
                              "classes are A, B, C, D", k, (size_t)-1);
            goto out;
        }
        for (int c = 0; c < 4; c++) {
            char cl[2] = {(char)('A' + c), 0};
            long long x;

            if ((rc = int_field(win ? win : wt, cl, 0, ZL_DP_MAX_WEIGHT,
                                DFLT[c], &x, err)) ||
                (rc = setn(wt, cl, json_integer(x))))
                goto out;
        }
    }
    per = json_object_get(in, "period");
    if (per &&
        (!json_is_object(per) || json_object_size(per) != 2 ||
         !json_is_string(json_object_get(per, "from")) ||
         !json_is_string(json_object_get(per, "to")) ||
         strlen(jstr(per, "from")) != 10 || strlen(jstr(per, "to")) != 10 ||
         strcmp(jstr(per, "from"), jstr(per, "to")) > 0)) {
        rc = zl_error_set(err, ZL_EINVAL, "period",
                          "{\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}",
                          NULL, 0);
        goto out;
    }
    if (!(o = json_object()) || setn(o, "type", json_string("plan")) ||
        setn(o, "v", json_integer(SUP_RECORD_V)) ||
        setn(o, "id", json_string(id)) ||
        (title && setn(o, "title", json_string(title))) ||
        setn(o, "categories", json_incref(cats)) ||
        setn(o, "regions", json_incref(regs)) ||
        setn(o, "level", json_integer(level)) ||
        (per && setn(o, "period", json_deep_copy(per))) ||
        (count && setn(o, "count", json_integer(count))) ||
        (permille && setn(o, "permille", json_integer(permille))) ||
        setn(o, "weights", json_incref(wt)) ||
        setn(o, "team", json_integer(team)) ||
        setn(o, "beacon_distance", json_integer(dist)) ||
        (outside && setn(o, "outside", json_string(outside))) ||
        (prev && setn(o, "previous", json_string(prev))) ||
        (credit && !strcmp(credit, "computed") &&
         (setn(o, "credit", json_string("computed")) ||
          setn(o, "credit_rule", json_integer(rule)))) ||
        setn(o, "by", json_string(w->local ? "store operator" : w->id))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    *rec = o;
    o = NULL;
out:
    json_decref(o);
    json_decref(cats);
    json_decref(regs);
    json_decref(wt);
    return rc;
}

int zl_inspect_plan(zl_store *s, const char *writer, const char *json,
                    size_t len, uint64_t *leaf, struct zl_error *err)
{
    struct sup_writer w;
    json_error_t je;
    json_t *in = NULL, *rec = NULL;
    char key[SUP_ID_MAX + 8];
    long last = 0;
    int rc, own;

    if ((rc = sup_writer_get(s, writer, &w, err)))
        return rc;
    if (!(in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)))
        return zl_error_set(err, ZL_ESYNTAX, "", je.text, NULL, 0);
    if ((rc = plan_rec(s, &w, in, &rec, err)))
        goto out;
    snprintf(key, sizeof key, "plan:%s", jstr(rec, "id"));
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    rc = zl_store_sup_last_seq(s, key, &last);
    if (!rc && last)
        rc = zl_error_set(err, ZL_EEXIST, "id",
                          "a plan with this id is logged already (plans are "
                          "fixed: make a new one)",
                          jstr(rec, "id"), (size_t)-1);
    if (!rc) {
        rc = sup_append(s, key, rec, 0, leaf, NULL);
        rec = NULL;
    }
    rc = zl_registry_tx_end(s, own, rc);
out:
    json_decref(rec);
    json_decref(in);
    return rc;
}

/* ---- running a draw ------------------------------------------------------
 */

struct ctx {
    zl_store *s;
    json_t *plan;
    int64_t plan_leaf;
    struct zl_dp_plan dp;
    const char **cats, **regions;
    struct sup_snapshot snap;
    struct zl_dp_pair *prev;
    size_t n_prev;
    json_t *prev_keep;
    struct zl_dp_recusal *recusals; /* a public re-run: as stated */
    size_t n_recusals;
    json_t *credit; /* the computed credit snapshot, or NULL */
};

static void ctx_free(struct ctx *c)
{
    json_decref(c->plan);
    zl_free(c->cats);
    zl_free(c->regions);
    sup_snapshot_free(&c->snap);
    zl_free(c->prev);
    json_decref(c->prev_keep);
    zl_free(c->recusals);
    json_decref(c->credit);
    memset(c, 0, sizeof *c);
}

/* Current teams of a drawn plan from its records: draw, then redraws. */
static int teams_of(struct recs *x, json_t **tasks)
{
    *tasks = NULL;
    if (!x->n)
        return ZL_ENOTFOUND;
    *tasks = json_deep_copy(json_object_get(x->v[0], "tasks"));
    if (!*tasks)
        return ZL_ENOMEM;
    for (size_t i = 1; i < x->n; i++) {
        json_int_t t = json_integer_value(json_object_get(x->v[i], "task"));
        json_t *task = json_array_get(*tasks, (size_t)(t - 1));

        if (!task)
            continue;
        json_object_set(task, "team", json_object_get(x->v[i], "team"));
    }
    return 0;
}

/* The draw's plan (c->dp) from the plan record c->plan. */
static int plan_to_dp(struct ctx *c)
{
    json_t *w;
    size_t i;

    c->dp.n_cats = json_array_size(json_object_get(c->plan, "categories"));
    c->dp.n_regions = json_array_size(json_object_get(c->plan, "regions"));
    c->cats = zl_calloc(c->dp.n_cats + 1, sizeof *c->cats);
    c->regions = zl_calloc(c->dp.n_regions + 1, sizeof *c->regions);
    if (!c->cats || !c->regions)
        return ZL_ENOMEM;
    for (i = 0; i < c->dp.n_cats; i++)
        if (!(c->cats[i] = json_string_value(
                  json_array_get(json_object_get(c->plan, "categories"), i))))
            return ZL_EINVAL;
    for (i = 0; i < c->dp.n_regions; i++)
        if (!(c->regions[i] = json_string_value(
                  json_array_get(json_object_get(c->plan, "regions"), i))))
            return ZL_EINVAL;
    c->dp.cats = c->cats;
    c->dp.regions = c->regions;
    c->dp.level = (int)json_integer_value(json_object_get(c->plan, "level"));
    c->dp.count =
        (uint32_t)json_integer_value(json_object_get(c->plan, "count"));
    c->dp.permille =
        (uint32_t)json_integer_value(json_object_get(c->plan, "permille"));
    c->dp.team = (uint32_t)json_integer_value(json_object_get(c->plan, "team"));
    w = json_object_get(c->plan, "weights");
    for (int k = 0; k < 4; k++) {
        char cl[2] = {(char)('A' + k), 0};

        c->dp.weights[k] = (uint32_t)json_integer_value(json_object_get(w, cl));
    }
    return 0;
}

static int ctx_load(zl_store *s, const char *plan_id, struct ctx *c,
                    int with_conflicts, struct zl_error *err)
{
    size_t i;
    int rc;

    memset(c, 0, sizeof *c);
    c->s = s;
    if ((rc = plan_load(s, plan_id, &c->plan, &c->plan_leaf, err)) ||
        (rc = plan_to_dp(c)))
        return rc;
    if ((rc = sup_snapshot_load(s, c->plan_leaf, with_conflicts, &c->snap)))
        return rc;
    if (!strcmp(jstr(c->plan, "credit"), "computed") &&
        (rc = sup_credit_apply(
             s, c->plan_leaf, jstr(json_object_get(c->plan, "period"), "from"),
             /* plans fixed before rule 2 carry no credit_rule: rule 1 */
             json_object_get(c->plan, "credit_rule")
                 ? (int)json_integer_value(
                       json_object_get(c->plan, "credit_rule"))
                 : 1,
             &c->snap, &c->credit, err)))
        return rc;
    if (json_object_get(c->plan, "previous")) {
        struct recs x;
        char key[SUP_ID_MAX + 8];
        json_t *tasks = NULL, *t;

        snprintf(key, sizeof key, "draw:%s", jstr(c->plan, "previous"));
        if ((rc = load_key(s, key, c->plan_leaf, &x)))
            return rc;
        rc = teams_of(&x, &tasks);
        recs_free(&x);
        if (rc == ZL_ENOTFOUND)
            return 0;
        if (rc)
            return rc;
        c->prev_keep = tasks;
        x.cap = 0; /* reused below as the pairs' capacity */
        json_array_foreach(tasks, i, t)
        {
            json_t *team = json_object_get(t, "team"), *m;
            size_t j;

            json_array_foreach(team, j, m)
            {
                if ((rc = zl_grow((void **)&c->prev, &x.cap, c->n_prev + 1,
                                  sizeof *c->prev, 16, NULL)))
                    return rc;
                c->prev[c->n_prev].inspector = json_string_value(m);
                c->prev[c->n_prev++].uscc = jstr(t, "uscc");
            }
        }
    }
    return 0;
}

static json_t *id_array(const struct ctx *c, const uint32_t *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(c->snap.insp[v[i]].id))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *task_json(const struct ctx *c, const struct zl_dp_result *r,
                         const struct zl_dp_task *t)
{
    json_t *o = json_object();

    if (!o || setn(o, "task", json_integer(t->task)) ||
        setn(o, "stratum", json_string(r->strata[t->stratum].name)) ||
        setn(o, "category", json_string(t->category)) ||
        setn(o, "uscc", json_string(c->snap.ent[t->enterprise].uscc)) ||
        setn(o, "team", id_array(c, t->team, t->n_team)) ||
        (t->n_recused &&
         setn(o, "recused", id_array(c, t->recused, t->n_recused))) ||
        (t->n_team < c->dp.team && setn(o, "short", json_true()))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The draw record for a run. */
static json_t *draw_json(const struct ctx *c, const struct zl_dp_result *r,
                         const struct zl_draw_beacon *b, const char *outside,
                         const char *key, const uint8_t seed[32])
{
    json_t *o = json_object(), *bj = json_object(), *st = json_array(),
           *tk = json_array();
    char hex[65];
    int rc = !o || !bj || !st || !tk;

    zl_hex_encode(b->plan_leaf, 32, hex);
    rc = rc || setn(bj, "leaf", json_string(hex)) ||
         setn(bj, "plan_index", json_integer((json_int_t)b->plan_index)) ||
         setn(bj, "size", json_integer((json_int_t)b->size));
    zl_hex_encode(b->root, 32, hex);
    rc = rc || setn(bj, "root", json_string(hex));
    for (size_t i = 0; !rc && i < r->n_strata; i++) {
        json_t *x = json_object();

        rc = !x || json_array_append_new(st, x) ||
             setn(x, "stratum", json_string(r->strata[i].name)) ||
             setn(x, "population", json_integer(r->strata[i].population)) ||
             setn(x, "drawn", json_integer(r->strata[i].drawn));
    }
    for (size_t i = 0; !rc && i < r->n_tasks; i++)
        rc = json_array_append_new(tk, task_json(c, r, &r->tasks[i])) != 0;
    zl_hex_encode(seed, 32, hex);
    rc =
        rc || setn(o, "type", json_string("draw")) ||
        setn(o, "v", json_integer(SUP_RECORD_V)) ||
        setn(o, "plan", json_string(jstr(c->plan, "id"))) ||
        setn(o, "beacon", json_incref(bj)) ||
        (outside && setn(o, "outside", json_string(outside))) ||
        (c->credit && setn(o, "credit", json_incref(c->credit))) ||
        setn(o, "key", json_string(key)) || setn(o, "seed", json_string(hex)) ||
        setn(o, "strata", json_incref(st)) || setn(o, "tasks", json_incref(tk));
    json_decref(bj);
    json_decref(st);
    json_decref(tk);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The key string: the outside sources' RFC 3797 key, then the beacon. */
static int key_string(const struct zl_draw_beacon *b, const char *outside_key,
                      char *key, size_t cap, uint8_t seed[32])
{
    char bt[256];
    int n = zl_draw_beacon_text(b, bt, sizeof bt);

    if (n < 0)
        return n;
    if ((size_t)snprintf(key, cap, "%s%s", outside_key ? outside_key : "",
                         bt) >= cap)
        return ZL_ELIMIT;
    return zl_dp_seed(key, strlen(key), seed);
}

static int run_draw(struct ctx *c, const uint8_t seed[32],
                    const struct zl_dp_unavail *un, size_t n_un,
                    struct zl_dp_result *r, struct zl_error *err)
{
    struct zl_dp_input in;

    memset(&in, 0, sizeof in);
    in.plan = &c->dp;
    in.ent = c->snap.ent;
    in.n_ent = c->snap.n_ent;
    in.insp = c->snap.insp;
    in.n_insp = c->snap.n_insp;
    in.prev = c->prev;
    in.n_prev = c->n_prev;
    in.unavail = un;
    in.n_unavail = n_un;
    in.recusals = c->recusals;
    in.n_recusals = c->n_recusals;
    memcpy(in.seed, seed, 32);
    return zl_dp_run(&in, r, err);
}

static int dump(json_t *o, struct zl_buf *out)
{
    return o ? zl_jcs_dump(o, out) : ZL_ENOMEM;
}

int zl_inspect_draw(zl_store *s, const char *writer, const char *plan_id,
                    const char *seeds, struct zl_buf *out, struct zl_error *err)
{
    struct ctx c;
    struct sup_writer w;
    struct zl_draw_beacon b;
    struct zl_dp_result r = {0};
    char key[ZL_RFC3797_KEY_MAX + 256], okey[ZL_RFC3797_KEY_MAX];
    uint8_t seed[32];
    json_t *rec = NULL;
    char dkey[SUP_ID_MAX + 8];
    size_t klen = 0;
    long last = 0;
    int rc, own = 0;

    memset(&c, 0, sizeof c);
    if ((rc = sup_writer_get(s, writer, &w, err)) ||
        (rc = ctx_load(s, plan_id, &c, 1, err)))
        goto out;
    for (size_t i = 0; i < c.dp.n_regions; i++)
        if ((rc = sup_may_write(&w, c.regions[i], "draw", err)))
            goto out;
    snprintf(dkey, sizeof dkey, "draw:%s", plan_id);
    if ((rc = zl_store_sup_last_seq(s, dkey, &last)))
        goto out;
    if (last) {
        rc = zl_error_set(err, ZL_EEXIST, "plan",
                          "drawn already (inspect show; a redraw replaces "
                          "one inspector)",
                          plan_id, (size_t)-1);
        goto out;
    }
    if (!json_object_get(c.plan, "outside") != !seeds) {
        rc = zl_error_set(err, ZL_EINVAL, "seeds",
                          seeds ? "the plan named no outside source"
                                : "the plan names an outside public source: "
                                  "give its values (--seeds)",
                          jstr(c.plan, "outside"), (size_t)-1);
        goto out;
    }
    if (seeds && (rc = zl_rfc3797_key(seeds, strlen(seeds), okey, sizeof okey,
                                      &klen, err)))
        goto out;
    if ((rc = zl_draw_beacon_from_log(
             s, (uint64_t)c.plan_leaf,
             (uint64_t)c.plan_leaf +
                 (uint64_t)json_integer_value(
                     json_object_get(c.plan, "beacon_distance")),
             &b, err)) ||
        (rc = key_string(&b, seeds ? okey : NULL, key, sizeof key, seed)) ||
        (rc = run_draw(&c, seed, NULL, 0, &r, err)))
        goto out;
    if (!(rec = draw_json(&c, &r, &b, seeds ? okey : NULL, key, seed))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (out && (rc = dump(rec, out)))
        goto out;
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    rc = sup_append(s, dkey, rec, 0, NULL, NULL);
    rec = NULL;
    rc = zl_registry_tx_end(s, own, rc);
out:
    json_decref(rec);
    zl_dp_free(&r);
    ctx_free(&c);
    return rc;
}

/* ---- redraws and verification --------------------------------------------
 */

static json_t *redraw_json(const struct ctx *c, const struct zl_dp_result *r,
                           const char *replaces, uint32_t task,
                           const char *inspector, const char *reason)
{
    const struct zl_dp_task *t = &r->tasks[task - 1];
    json_t *o = json_object();

    if (!o || setn(o, "type", json_string("redraw")) ||
        setn(o, "v", json_integer(SUP_RECORD_V)) ||
        setn(o, "plan", json_string(jstr(c->plan, "id"))) ||
        setn(o, "replaces", json_string(replaces)) ||
        setn(o, "task", json_integer(task)) ||
        setn(o, "inspector", json_string(inspector)) ||
        setn(o, "reason", json_string(reason)) ||
        setn(o, "team", id_array(c, t->team, t->n_team)) ||
        (t->n_recused &&
         setn(o, "recused", id_array(c, t->recused, t->n_recused))) ||
        (t->n_team < c->dp.team && setn(o, "short", json_true()))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int seed_of(json_t *draw, uint8_t seed[32])
{
    const char *h = jstr(draw, "seed");

    return strlen(h) == 64 && !zl_hex_decode(h, 64, seed, 32) ? 0 : ZL_ESTORE;
}

int zl_inspect_redraw(zl_store *s, const char *writer, const char *plan_id,
                      uint32_t task, const char *inspector, const char *reason,
                      struct zl_buf *out, struct zl_error *err)
{
    struct ctx c;
    struct sup_writer w;
    struct recs x = {0};
    struct zl_dp_result r = {0};
    struct zl_dp_unavail *un = NULL;
    json_t *tasks = NULL, *t, *rec = NULL;
    char dkey[SUP_ID_MAX + 8], replaces[SUP_ID_MAX + 32];
    uint8_t seed[32];
    size_t cap = 0, n_un = 0, i;
    int rc, own, member = 0;

    memset(&c, 0, sizeof c);
    if ((rc = sup_writer_get(s, writer, &w, err)) ||
        (rc = ctx_load(s, plan_id, &c, 1, err)))
        goto out;
    for (i = 0; i < c.dp.n_regions; i++)
        if ((rc = sup_may_write(&w, c.regions[i], "redraw", err)))
            goto out;
    if (!reason || !*reason || strlen(reason) > 512) {
        rc = zl_error_set(err, ZL_EINVAL, "reason",
                          "a redraw needs its reason (at most 512 bytes)", NULL,
                          0);
        goto out;
    }
    snprintf(dkey, sizeof dkey, "draw:%s", plan_id);
    if ((rc = load_key(s, dkey, -1, &x)))
        goto out;
    if (!x.n) {
        rc = zl_error_set(err, ZL_ENOTFOUND, "plan", "not drawn yet", plan_id,
                          (size_t)-1);
        goto out;
    }
    if ((rc = teams_of(&x, &tasks)))
        goto out;
    t = json_array_get(tasks, task ? task - 1 : (size_t)-1);
    if (t) {
        json_t *m;

        json_array_foreach(json_object_get(t, "team"), i, m) member |=
            !strcmp(json_string_value(m), inspector);
    }
    if (!member) {
        rc = zl_error_set(err, ZL_ENOTFOUND, "inspector",
                          "not on that task's current team", inspector,
                          (size_t)-1);
        goto out;
    }
    for (i = 1; i <= x.n; i++) {
        json_t *rd = i < x.n ? x.v[i] : NULL;

        if ((rc = zl_grow((void **)&un, &cap, n_un + 1, sizeof *un, 8, NULL)))
            goto out;
        un[n_un].task =
            rd ? (uint32_t)json_integer_value(json_object_get(rd, "task"))
               : task;
        un[n_un++].inspector = rd ? jstr(rd, "inspector") : inspector;
    }
    if ((rc = seed_of(x.v[0], seed)) ||
        (rc = run_draw(&c, seed, un, n_un, &r, err)))
        goto out;
    if (task > r.n_tasks) {
        rc = ZL_ESTORE;
        goto out;
    }
    snprintf(replaces, sizeof replaces, "%s:%ld", dkey, x.seq[x.n - 1]);
    if (!(rec = redraw_json(&c, &r, replaces, task, inspector, reason))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (out && (rc = dump(rec, out)))
        goto out;
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    rc = sup_append(s, dkey, rec, 0, NULL, NULL);
    rec = NULL;
    rc = zl_registry_tx_end(s, own, rc);
out:
    json_decref(rec);
    json_decref(tasks);
    zl_free(un);
    recs_free(&x);
    zl_dp_free(&r);
    ctx_free(&c);
    return rc;
}

static int same_json(json_t *a, json_t *b)
{
    struct zl_buf x, y;
    int eq;

    zl_buf_init(&x, SUP_RECORD_MAX * 4);
    zl_buf_init(&y, SUP_RECORD_MAX * 4);
    eq = a && b && !zl_jcs_dump(a, &x) && !zl_jcs_dump(b, &y) &&
         x.len == y.len && !memcmp(x.data, y.data, x.len);
    zl_buf_cleanup(&x);
    zl_buf_cleanup(&y);
    return eq;
}

int zl_inspect_verify(zl_store *s, const char *plan_id, struct zl_buf *report,
                      struct zl_error *err)
{
    struct ctx c;
    struct recs x = {0};
    struct zl_draw_beacon b;
    struct zl_dp_result r = {0};
    struct zl_dp_unavail *un = NULL;
    json_t *again = NULL;
    char key[ZL_RFC3797_KEY_MAX + 256], dkey[SUP_ID_MAX + 8];
    const char *outside;
    uint8_t seed[32];
    size_t cap = 0, n_un = 0;
    int rc;

    if ((rc = ctx_load(s, plan_id, &c, 1, err)))
        goto out;
    snprintf(dkey, sizeof dkey, "draw:%s", plan_id);
    if ((rc = load_key(s, dkey, -1, &x)))
        goto out;
    if (!x.n) {
        rc = zl_error_set(err, ZL_ENOTFOUND, "plan", "not drawn yet", plan_id,
                          (size_t)-1);
        goto out;
    }
    outside = json_string_value(json_object_get(x.v[0], "outside"));
    if ((rc = zl_draw_beacon_from_log(
             s, (uint64_t)c.plan_leaf,
             (uint64_t)c.plan_leaf +
                 (uint64_t)json_integer_value(
                     json_object_get(c.plan, "beacon_distance")),
             &b, err)) ||
        (rc = key_string(&b, outside, key, sizeof key, seed)) ||
        (rc = run_draw(&c, seed, NULL, 0, &r, err)))
        goto out;
    again = draw_json(&c, &r, &b, outside, key, seed);
    if (report)
        zl_buf_printf(report,
                      "plan %s: leaf %lld; beacon: root of the log's first "
                      "%llu records\nkey string: %s\nregistries as logged "
                      "before the plan: %zu enterprises, %zu inspectors\n",
                      plan_id, (long long)c.plan_leaf,
                      (unsigned long long)b.size, key, c.snap.n_ent,
                      c.snap.n_insp);
    if (!same_json(again, x.v[0])) {
        rc = zl_error_set(err, ZL_EVERIFY, "draw",
                          "re-running the draw gives another result than the "
                          "one logged",
                          plan_id, (size_t)-1);
        goto out;
    }
    if (report)
        zl_buf_printf(report, "draw: %zu tasks in %zu strata, identical\n",
                      r.n_tasks, r.n_strata);
    for (size_t i = 1; i < x.n; i++) {
        json_t *rd = x.v[i];
        uint32_t t = (uint32_t)json_integer_value(json_object_get(rd, "task"));
        char rep[SUP_ID_MAX + 32];

        if ((rc = zl_grow((void **)&un, &cap, n_un + 1, sizeof *un, 8, NULL)))
            goto out;
        un[n_un].task = t;
        un[n_un++].inspector = jstr(rd, "inspector");
        zl_dp_free(&r);
        json_decref(again);
        again = NULL;
        snprintf(rep, sizeof rep, "%s:%ld", dkey, x.seq[i - 1]);
        if ((rc = run_draw(&c, seed, un, n_un, &r, err)))
            goto out;
        if (t >= 1 && t <= r.n_tasks)
            again = redraw_json(&c, &r, rep, t, jstr(rd, "inspector"),
                                jstr(rd, "reason"));
        if (!same_json(again, rd)) {
            rc = zl_error_setf(err, ZL_EVERIFY, "redraw", plan_id,
                               "redraw %zu (record %s:%ld) is not what "
                               "re-running gives",
                               i, dkey, x.seq[i]);
            goto out;
        }
        if (report)
            zl_buf_printf(report,
                          "redraw %zu: task %u without %s (%s), identical\n", i,
                          t, jstr(rd, "inspector"), jstr(rd, "reason"));
    }
out:
    json_decref(again);
    zl_free(un);
    recs_free(&x);
    zl_dp_free(&r);
    ctx_free(&c);
    return rc;
}

/* ---- the public re-run ---------------------------------------------------
 */

/* A string list of an export entry as a new array (borrowed strings);
 * ZL_EINVAL when an element is not a string. */
static int ex_list(json_t *a, const char *const **out, size_t *n)
{
    const char **v = NULL;
    size_t m = json_array_size(a);

    *out = NULL;
    *n = 0;
    if (m && !(v = zl_calloc(m, sizeof *v)))
        return ZL_ENOMEM;
    for (size_t i = 0; i < m; i++)
        if (!(v[i] = json_string_value(json_array_get(a, i)))) {
            zl_free(v);
            return ZL_EINVAL;
        }
    *out = v;
    *n = m;
    return 0;
}

/* The registries of an export into c->snap (entries keep their JSON). */
static int ex_registries(struct ctx *c, json_t *ex)
{
    json_t *ents = json_object_get(ex, "enterprises"),
           *insp = json_object_get(ex, "inspectors"), *e;
    struct sup_snapshot *sn = &c->snap;
    size_t i, n;
    int rc = 0;

    n = json_array_size(ents);
    if (n && (!(sn->ent = zl_calloc(n, sizeof *sn->ent)) ||
              !(sn->ent_json = zl_calloc(n, sizeof *sn->ent_json))))
        return ZL_ENOMEM;
    json_array_foreach(ents, i, e)
    {
        struct zl_dp_enterprise *x = &sn->ent[i];

        sn->ent_json[i] = json_incref(e);
        sn->n_ent = i + 1;
        x->uscc = json_string_value(json_object_get(e, "uscc"));
        x->region = json_string_value(json_object_get(e, "region"));
        x->credit = jstr(e, "credit")[0];
        if (!x->uscc || !x->region ||
            (rc = ex_list(json_object_get(e, "categories"), &x->cats,
                          &x->n_cats)) ||
            (rc = ex_list(json_object_get(e, "units"), &x->units, &x->n_units)))
            return rc ? rc : ZL_EINVAL;
    }
    n = json_array_size(insp);
    if (n && (!(sn->insp = zl_calloc(n, sizeof *sn->insp)) ||
              !(sn->insp_json = zl_calloc(n, sizeof *sn->insp_json))))
        return ZL_ENOMEM;
    json_array_foreach(insp, i, e)
    {
        struct zl_dp_inspector *x = &sn->insp[i];

        sn->insp_json[i] = json_incref(e);
        sn->n_insp = i + 1;
        x->id = json_string_value(json_object_get(e, "id"));
        x->unit = json_string_value(json_object_get(e, "unit"));
        x->region = json_string_value(json_object_get(e, "region"));
        if (!x->id || !x->unit || !x->region ||
            (rc = ex_list(json_object_get(e, "qualifications"), &x->quals,
                          &x->n_quals)))
            return rc ? rc : ZL_EINVAL;
    }
    return 0;
}

/* Previous teams and the recusals the records state. */
static int ex_pairs(struct ctx *c, json_t *ex)
{
    json_t *prev = json_object_get(ex, "previous"), *p, *r, *t, *m;
    json_t *recs[2] = {json_object_get(json_object_get(ex, "draw"), "tasks"),
                       json_object_get(ex, "redraws")};
    size_t i, j, cap = 0;
    int rc;

    if (json_array_size(prev) &&
        !(c->prev = zl_calloc(json_array_size(prev), sizeof *c->prev)))
        return ZL_ENOMEM;
    json_array_foreach(prev, i, p)
    {
        c->prev[i].inspector = json_string_value(json_array_get(p, 0));
        c->prev[i].uscc = json_string_value(json_array_get(p, 1));
        if (!c->prev[i].inspector || !c->prev[i].uscc)
            return ZL_EINVAL;
        c->n_prev = i + 1;
    }
    for (int k = 0; k < 2; k++)
        json_array_foreach(recs[k], i, t)
        {
            r = json_object_get(t, "recused");
            json_array_foreach(r, j, m)
            {
                if ((rc =
                         zl_grow((void **)&c->recusals, &cap, c->n_recusals + 1,
                                 sizeof *c->recusals, 16, NULL)))
                    return rc;
                c->recusals[c->n_recusals].task =
                    (uint32_t)json_integer_value(json_object_get(t, "task"));
                if (!(c->recusals[c->n_recusals++].inspector =
                          json_string_value(m)))
                    return ZL_EINVAL;
            }
        }
    if (!c->recusals && !(c->recusals = zl_calloc(1, sizeof *c->recusals)))
        return ZL_ENOMEM; /* non-NULL: conflicts are not known */
    return 0;
}

static int hex32(const char *h, uint8_t out[32])
{
    return h && strlen(h) == 64 && !zl_hex_decode(h, 64, out, 32) ? 0
                                                                  : ZL_EINVAL;
}

int zl_inspect_verify_export(const char *json, size_t len,
                             struct zl_buf *report, struct zl_error *err)
{
    struct ctx c;
    struct zl_draw_beacon b;
    struct zl_dp_result r = {0};
    struct zl_dp_unavail *un = NULL;
    struct zl_buf canon;
    json_error_t je;
    json_t *ex = NULL, *d, *bj, *again = NULL, *rds;
    char key[ZL_RFC3797_KEY_MAX + 256], hex[65];
    const char *outside, *id;
    uint8_t seed[32], leaf[32];
    size_t cap = 0, n_un = 0;
    int rc;

    memset(&c, 0, sizeof c);
    zl_buf_init(&canon, SUP_RECORD_MAX);
    if (!(ex = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je))) {
        rc = zl_error_set(err, ZL_ESYNTAX, "", je.text, NULL, 0);
        goto out;
    }
    d = json_object_get(ex, "draw");
    bj = json_object_get(d, "beacon");
    c.plan = json_incref(json_object_get(ex, "plan"));
    c.plan_leaf = json_integer_value(json_object_get(ex, "plan_leaf"));
    id = jstr(c.plan, "id");
    rds = json_object_get(ex, "redraws");
    if (!json_is_object(d) || !json_is_object(c.plan)) {
        rc = zl_error_set(err, ZL_ENOTFOUND, "draw",
                          "the export holds no plan or no draw", NULL, 0);
        goto out;
    }
    /* the published plan is the logged leaf the beacon names */
    if ((rc = zl_jcs_dump(c.plan, &canon)) ||
        (rc =
             zl_log_leaf_hash(ZL_LEAF_INSPECTION, canon.data, canon.len, leaf)))
        goto out;
    memset(&b, 0, sizeof b);
    b.plan_index =
        (uint64_t)json_integer_value(json_object_get(bj, "plan_index"));
    b.size = (uint64_t)json_integer_value(json_object_get(bj, "size"));
    if (hex32(json_string_value(json_object_get(bj, "leaf")), b.plan_leaf) ||
        hex32(json_string_value(json_object_get(bj, "root")), b.root) ||
        memcmp(leaf, b.plan_leaf, 32) ||
        b.plan_index != (uint64_t)c.plan_leaf ||
        b.size != b.plan_index + (uint64_t)json_integer_value(json_object_get(
                                     c.plan, "beacon_distance"))) {
        rc = zl_error_set(err, ZL_EVERIFY, "plan",
                          "the published plan is not the plan the beacon "
                          "names (its leaf hash, index or beacon size)",
                          id, (size_t)-1);
        goto out;
    }
    outside = json_string_value(json_object_get(d, "outside"));
    if ((rc = key_string(&b, outside, key, sizeof key, seed)))
        goto out;
    zl_hex_encode(seed, 32, hex);
    if (strcmp(key, jstr(d, "key")) || strcmp(hex, jstr(d, "seed"))) {
        rc = zl_error_set(err, ZL_EVERIFY, "key",
                          "the key string or seed is not the one the beacon "
                          "and the outside values give",
                          jstr(d, "key"), (size_t)-1);
        goto out;
    }
    if ((rc = plan_to_dp(&c)) || (rc = ex_registries(&c, ex)) ||
        (rc = ex_pairs(&c, ex))) {
        if (rc == ZL_EINVAL)
            zl_error_set(err, rc, "", "the export is malformed", NULL, 0);
        goto out;
    }
    /* computed classes: the export's must be the draw record's snapshot */
    if (json_is_object(json_object_get(d, "credit"))) {
        c.credit = json_incref(json_object_get(d, "credit"));
        for (size_t i = 0; i < c.snap.n_ent; i++)
            if (!sup_credit_check(c.credit, c.snap.ent[i].uscc,
                                  c.snap.ent[i].credit)) {
                rc = zl_error_set(err, ZL_EVERIFY, "credit",
                                  "an enterprise's credit class in the export "
                                  "is not the one the draw's credit snapshot "
                                  "states",
                                  c.snap.ent[i].uscc, (size_t)-1);
                goto out;
            }
    }
    if ((rc = run_draw(&c, seed, NULL, 0, &r, err)))
        goto out;
    again = draw_json(&c, &r, &b, outside, key, seed);
    if (report)
        zl_buf_printf(report,
                      "plan %s: its leaf hash matches the beacon's; key "
                      "string: %s\npublic data: %zu enterprises, %zu "
                      "inspectors, %zu declared recusals as stated\n",
                      id, key, c.snap.n_ent, c.snap.n_insp, c.n_recusals);
    if (!same_json(again, d)) {
        rc = zl_error_set(err, ZL_EVERIFY, "draw",
                          "re-running the draw from the export gives "
                          "another result than the one published",
                          id, (size_t)-1);
        goto out;
    }
    if (report)
        zl_buf_printf(report, "draw: %zu tasks in %zu strata, identical\n",
                      r.n_tasks, r.n_strata);
    for (size_t i = 0; i < json_array_size(rds); i++) {
        json_t *rd = json_array_get(rds, i);
        uint32_t t = (uint32_t)json_integer_value(json_object_get(rd, "task"));
        char rep[SUP_ID_MAX + 32];

        if ((rc = zl_grow((void **)&un, &cap, n_un + 1, sizeof *un, 8, NULL)))
            goto out;
        un[n_un].task = t;
        un[n_un++].inspector = jstr(rd, "inspector");
        zl_dp_free(&r);
        json_decref(again);
        again = NULL;
        snprintf(rep, sizeof rep, "draw:%s:%zu", id, i + 1);
        if ((rc = run_draw(&c, seed, un, n_un, &r, err)))
            goto out;
        if (t >= 1 && t <= r.n_tasks)
            again = redraw_json(&c, &r, rep, t, jstr(rd, "inspector"),
                                jstr(rd, "reason"));
        if (!same_json(again, rd)) {
            rc =
                zl_error_setf(err, ZL_EVERIFY, "redraw", id,
                              "redraw %zu is not what re-running gives", i + 1);
            goto out;
        }
        if (report)
            zl_buf_printf(report, "redraw %zu: task %u, identical\n", i + 1, t);
    }
out:
    json_decref(again);
    json_decref(ex);
    zl_free(un);
    zl_dp_free(&r);
    zl_buf_cleanup(&canon);
    ctx_free(&c);
    return rc;
}

/* ---- show and export -----------------------------------------------------
 */

int zl_inspect_show(zl_store *s, const char *plan_id, struct zl_buf *out)
{
    json_t *plan = NULL, *o = json_object(), *rd = json_array(), *cur = NULL;
    struct recs x = {0};
    struct zl_error err = {0};
    char dkey[SUP_ID_MAX + 8];
    int64_t leaf;
    int rc;

    if (!o || !rd) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = plan_load(s, plan_id, &plan, &leaf, &err)))
        goto out;
    snprintf(dkey, sizeof dkey, "draw:%s", plan_id);
    if ((rc = load_key(s, dkey, -1, &x)))
        goto out;
    for (size_t i = 1; i < x.n; i++)
        json_array_append(rd, x.v[i]);
    if (x.n && (rc = teams_of(&x, &cur)))
        goto out;
    if (setn(o, "plan", json_incref(plan)) ||
        setn(o, "plan_leaf", json_integer(leaf)) ||
        setn(o, "draw", x.n ? json_incref(x.v[0]) : json_null()) ||
        setn(o, "redraws", json_incref(rd)) ||
        setn(o, "current", cur ? json_incref(cur) : json_null())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_jcs_dump(o, out);
out:
    json_decref(plan);
    json_decref(o);
    json_decref(rd);
    json_decref(cur);
    recs_free(&x);
    return rc;
}

static int in_scope(const struct ctx *c, json_t *e)
{
    const char *reg = jstr(e, "region");
    json_t *cats = json_object_get(e, "categories"), *x;
    size_t i, j;
    int rin = 0;

    for (i = 0; i < c->dp.n_regions; i++)
        rin |= !strncmp(reg, c->regions[i], strlen(c->regions[i]));
    if (!rin)
        return 0;
    json_array_foreach(cats, i, x) for (j = 0; j < c->dp.n_cats;
                                        j++) if (!strcmp(json_string_value(x),
                                                         c->cats[j])) return 1;
    return 0;
}

int zl_inspect_export(zl_store *s, const char *plan_id, struct zl_buf *out)
{
    struct ctx c;
    struct recs x = {0};
    struct zl_error err = {0};
    json_t *o = json_object(), *ents = json_array(), *insp = json_array(),
           *prev = json_array(), *rd = json_array();
    char dkey[SUP_ID_MAX + 8];
    size_t i;
    int rc;

    if (!o || !ents || !insp || !prev || !rd) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = ctx_load(s, plan_id, &c, 0, &err)))
        goto out;
    for (i = 0; i < c.snap.n_ent && !rc; i++) {
        json_t *e = c.snap.ent_json[i], *u = json_array(), *l, *v;
        size_t j;

        if (!in_scope(&c, e)) {
            json_decref(u);
            continue;
        }
        json_array_foreach(json_object_get(e, "licences"), j, l)
            json_array_append(u, json_object_get(l, "unit"));
        rc = !(v = json_object()) || json_array_append_new(ents, v) ||
             setn(v, "uscc", json_string(jstr(e, "uscc"))) ||
             setn(v, "name", json_string(jstr(e, "name"))) ||
             setn(v, "region", json_string(jstr(e, "region"))) ||
             setn(v, "credit",
                  json_stringn(&(char){(char)c.snap.ent[i].credit}, 1)) ||
             setn(v, "categories",
                  json_incref(json_object_get(e, "categories"))) ||
             setn(v, "units", u);
    }
    for (i = 0; i < c.snap.n_insp && !rc; i++) {
        json_t *e = c.snap.insp_json[i], *v, *q;
        size_t j, k;
        int any = 0;

        json_array_foreach(json_object_get(e, "qualifications"), j,
                           q) for (k = 0; k < c.dp.n_cats; k++) any |=
            !strcmp(json_string_value(q), c.cats[k]);
        if (!any)
            continue;
        rc = !(v = json_object()) || json_array_append_new(insp, v) ||
             setn(v, "id", json_string(jstr(e, "id"))) ||
             setn(v, "unit", json_string(jstr(e, "unit"))) ||
             setn(v, "region", json_string(jstr(e, "region"))) ||
             setn(v, "qualifications",
                  json_incref(json_object_get(e, "qualifications")));
    }
    for (i = 0; i < c.n_prev && !rc; i++) {
        json_t *p = json_array();

        rc = !p || json_array_append_new(prev, p) ||
             json_array_append_new(p, json_string(c.prev[i].inspector)) ||
             json_array_append_new(p, json_string(c.prev[i].uscc));
    }
    if (rc) {
        rc = ZL_ENOMEM;
        goto out;
    }
    snprintf(dkey, sizeof dkey, "draw:%s", plan_id);
    if ((rc = load_key(s, dkey, -1, &x)))
        goto out;
    for (i = 1; i < x.n; i++)
        json_array_append(rd, x.v[i]);
    if (setn(o, "format", json_string("zhiliang-draw-export/1")) ||
        setn(o, "plan", json_incref(c.plan)) ||
        setn(o, "plan_leaf", json_integer(c.plan_leaf)) ||
        setn(o, "draw", x.n ? json_incref(x.v[0]) : json_null()) ||
        setn(o, "redraws", json_incref(rd)) ||
        setn(o, "enterprises", json_incref(ents)) ||
        setn(o, "inspectors", json_incref(insp)) ||
        setn(o, "previous", json_incref(prev))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_jcs_dump(o, out);
out:
    json_decref(o);
    json_decref(ents);
    json_decref(insp);
    json_decref(prev);
    json_decref(rd);
    recs_free(&x);
    ctx_free(&c);
    return rc;
}
