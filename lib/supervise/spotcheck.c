/*
 * spotcheck.c - a drawn task followed to closure (zhiliang/spotcheck.h,
 * docs/supervision.md "Spot checks to closure").
 *
 * Each step is one record under "task:PLAN:N" in sup_records, logged by
 * sup_append like the registries, plans and draws, so `zhiliang verify`
 * recomputes it and the tamper checks cover it with no code of their own.
 * The task's state is a replay of its records in seq order (struct
 * state); the rules for what may come next, and the open steps with their
 * deadlines, are both read off that replay. Deadlines are not stored:
 * they follow from the recorded dates, the clock configuration and the
 * calendar, so a region that changes a period or an operator who corrects
 * the calendar sees every open deadline move with it.
 *
 * The public output is built field by field from a whitelist (enterprise,
 * product, lot, report number, items, handling): the samplers, the team,
 * the tester and everything the registries keep about inspectors never
 * enter it, whatever the records hold.
 *
 * Rejected: a row per task with a status column (a second copy of the
 * state that could disagree with the log); storing computed deadlines in
 * the records (they would go stale when the calendar data is corrected).
 */
#include "zhiliang/spotcheck.h"

#include "store/store.h"
#include "store/store_sup.h"
#include "party/party_int.h"
#include "supervise/sup_int.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/gs1.h"
#include "zhiliang/recall.h"
#include "zhiliang/timefmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASK_KEY_MAX (SUP_ID_MAX + 32)
#define MAX_CODES    1000
#define MAX_SAMPLE   100000

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int setn(json_t *o, const char *k, json_t *v)
{
    return v && !json_object_set_new(o, k, v) ? 0 : ZL_ENOMEM;
}

/* ---- loading ------------------------------------------------------------ */

/* Records of a key range as an object key -> [record...] (seq order), each
 * record carrying "seq" and "leaf" beside its own fields in a wrapper
 * {"rec", "seq", "leaf"}. */
static int group_cb(void *ctx, const struct zl_store_sup_record *r)
{
    json_t *groups = ctx, *a, *w;
    json_error_t je;
    json_t *o = json_loadb(r->json, r->len, 0, &je);

    if (!o)
        return ZL_ESTORE;
    if (!(a = json_object_get(groups, r->key))) {
        a = json_array();
        if (!a || json_object_set_new(groups, r->key, a)) {
            json_decref(o);
            return ZL_ENOMEM;
        }
    }
    w = json_pack("{s:o,s:I,s:I}", "rec", o, "seq", (json_int_t)r->seq, "leaf",
                  (json_int_t)r->leaf);
    return w && !json_array_append_new(a, w) ? 0 : ZL_ENOMEM;
}

static int load_range(zl_store *s, const char *lo, const char *hi,
                      json_t **groups)
{
    int rc;

    if (!(*groups = json_object()))
        return ZL_ENOMEM;
    rc = zl_store_sup_range(s, lo, hi, -1, group_cb, *groups);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    return rc;
}

/* The records of exactly key. */
static int load_key(zl_store *s, const char *key, json_t **recs)
{
    char hi[TASK_KEY_MAX + 2];
    json_t *g = NULL;
    size_t n = strlen(key);
    int rc;

    *recs = NULL;
    if (n + 2 > sizeof hi)
        return ZL_ELIMIT;
    memcpy(hi, key, n);
    hi[n] = '\x01';
    hi[n + 1] = '\0';
    if ((rc = load_range(s, key, hi, &g)))
        goto out;
    *recs = json_incref(json_object_get(g, key));
    if (!*recs && !(*recs = json_array()))
        rc = ZL_ENOMEM;
out:
    json_decref(g);
    return rc;
}

/* The current tasks of a plan from its draw records (draw, then redraws
 * replacing a task's team). */
static json_t *current_tasks(json_t *draw_recs)
{
    json_t *d = json_object_get(json_array_get(draw_recs, 0), "rec");
    json_t *tasks = json_deep_copy(json_object_get(d, "tasks"));

    for (size_t i = 1; tasks && i < json_array_size(draw_recs); i++) {
        json_t *r = json_object_get(json_array_get(draw_recs, i), "rec");
        json_int_t t = json_integer_value(json_object_get(r, "task"));
        json_t *task = json_array_get(tasks, (size_t)(t - 1));

        if (task)
            json_object_set(task, "team", json_object_get(r, "team"));
    }
    return tasks;
}

/* One task and what it needs: the draw's entry, the enterprise, the plan,
 * its records. */
struct task {
    char name[TASK_KEY_MAX];
    char key[TASK_KEY_MAX + 8];
    char plan_id[SUP_ID_MAX + 1];
    long n;
    json_t *entry; /* {task, category, uscc, team, ...} */
    json_t *plan;  /* the plan record */
    json_t *ent;   /* the enterprise's current record (may be NULL) */
    json_t *recs;  /* [{rec, seq, leaf}] */
};

static void task_free(struct task *t)
{
    json_decref(t->entry);
    json_decref(t->plan);
    json_decref(t->ent);
    json_decref(t->recs);
    memset(t, 0, sizeof *t);
}

static int parse_name(const char *name, struct task *t, struct zl_error *err)
{
    const char *colon = name ? strrchr(name, ':') : NULL;
    char *end;
    long n;

    if (!colon || (size_t)(colon - name) > SUP_ID_MAX || colon == name)
        return zl_error_set(err, ZL_EINVAL, "task",
                            "a task is PLAN:N (a plan id and a task number)",
                            name, (size_t)-1);
    memcpy(t->plan_id, name, (size_t)(colon - name));
    t->plan_id[colon - name] = '\0';
    n = strtol(colon + 1, &end, 10);
    if (!sup_id_ok(t->plan_id, SUP_ID_MAX) || end == colon + 1 || *end ||
        n < 1 || n > 1000000)
        return zl_error_set(err, ZL_EINVAL, "task",
                            "a task is PLAN:N (a plan id and a task number)",
                            name, (size_t)-1);
    t->n = n;
    snprintf(t->name, sizeof t->name, "%s:%ld", t->plan_id, n);
    snprintf(t->key, sizeof t->key, "task:%s", t->name);
    return 0;
}

static int load_json_record(zl_store *s, enum zl_sup_kind k, const char *id,
                            json_t **out)
{
    char *txt = NULL;
    size_t len = 0;
    json_error_t je;
    int rc = zl_sup_get(s, k, id, &txt, &len);

    *out = NULL;
    if (rc)
        return rc;
    *out = json_loadb(txt, len, 0, &je);
    zl_free(txt);
    return *out ? 0 : ZL_ESTORE;
}

/* Load task t->name's context. A caller walking every task passes the
 * task's entry of the current draw and the plan record (then both are
 * used as given) and the task's records (NULL: read here), so a listing
 * reads each draw and plan once. */
static int task_load(zl_store *s, struct task *t, json_t *entry, json_t *plan,
                     json_t *task_recs, struct zl_error *err)
{
    char key[SUP_ID_MAX + 8];
    json_t *d = NULL, *tasks = NULL, *p = NULL;
    int rc = 0;

    if (entry) {
        t->entry = json_incref(entry);
        t->plan = json_incref(plan);
        goto rest;
    }
    snprintf(key, sizeof key, "draw:%s", t->plan_id);
    if ((rc = load_key(s, key, &d)))
        goto out;
    if (!json_array_size(d)) {
        rc = zl_error_set(err, ZL_ENOTFOUND, "task",
                          "no such plan, or it has not been drawn", t->plan_id,
                          (size_t)-1);
        goto out;
    }
    if (!(tasks = current_tasks(d))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    t->entry = json_incref(json_array_get(tasks, (size_t)(t->n - 1)));
    if (!t->entry ||
        json_integer_value(json_object_get(t->entry, "task")) != t->n) {
        rc = zl_error_set(err, ZL_ENOTFOUND, "task",
                          "the draw has no task of that number", t->name,
                          (size_t)-1);
        goto out;
    }
    snprintf(key, sizeof key, "plan:%s", t->plan_id);
    if ((rc = load_key(s, key, &p)))
        goto out;
    t->plan = json_incref(json_object_get(json_array_get(p, 0), "rec"));
rest:
    rc =
        load_json_record(s, ZL_SUP_ENTERPRISE, jstr(t->entry, "uscc"), &t->ent);
    if (rc == ZL_ENOTFOUND)
        rc = 0;
    if (rc)
        goto out;
    if (task_recs)
        t->recs = json_incref(task_recs);
    else if ((rc = load_key(s, t->key, &t->recs)))
        goto out;
    if (!t->recs && !(t->recs = json_array()))
        rc = ZL_ENOMEM;
out:
    json_decref(d);
    json_decref(tasks);
    json_decref(p);
    return rc;
}

/* ---- the replay --------------------------------------------------------- */

enum step {
    S_SAMPLE,
    S_REPORT,
    S_NOTIFY,
    S_RETEST,
    S_STOP,
    S_RECTIFY,
    S_RECHECK,
    S_PUBLISH,
    S_ANNOUNCE,
    S_SUSPEND,
    S_RECALL,
    S_COUNT
};

static const char *const STEP_NAME[S_COUNT] = {
    "sample",  "report",  "notify",   "retest",  "stop-sale", "rectify",
    "recheck", "publish", "announce", "suspend", "recall"};

struct state {
    json_t *rec[S_COUNT]; /* borrowed from the task's records */
    int32_t day[S_COUNT];
    int failed;         /* the effective verdict after notify: report, retest */
    int n_recheck;      /* rechecks recorded (rec[S_RECHECK] the last) */
    int recheck_failed; /* the last recheck's verdict was fail */
};

static int day_of(json_t *rec, int32_t *d)
{
    const char *v = jstr(rec, "date");

    return zl_day_parse(v, strlen(v), d);
}

/* Replay the records dated on or before upto (INT32_MAX: all). A view as
 * of a past day sees the steps taken by then. */
static void replay(const struct task *t, int32_t upto, struct state *st)
{
    size_t i;
    json_t *w;

    memset(st, 0, sizeof *st);
    json_array_foreach(t->recs, i, w)
    {
        json_t *r = json_object_get(w, "rec");
        const char *step = jstr(r, "step");
        int32_t d = 0;

        if (day_of(r, &d) || d > upto)
            continue;

        for (int k = 0; k < S_COUNT; k++)
            if (!strcmp(step, STEP_NAME[k])) {
                st->rec[k] = r;
                day_of(r, &st->day[k]);
            }
        if (!strcmp(step, "recheck")) {
            st->n_recheck++;
            st->recheck_failed = !strcmp(jstr(r, "verdict"), "fail");
        }
    }
    st->failed = st->rec[S_REPORT] &&
                 !strcmp(jstr(st->rec[S_REPORT], "verdict"), "fail") &&
                 !(st->rec[S_RETEST] &&
                   !strcmp(jstr(st->rec[S_RETEST], "outcome"), "overturned"));
}

/* ---- validation of a step ----------------------------------------------- */

static int only_fields(json_t *in, const char *const *ok, struct zl_error *err)
{
    const char *k;
    json_t *v;

    if (!json_is_object(in))
        return zl_error_set(err, ZL_EINVAL, "", "a step is a JSON object", NULL,
                            0);
    json_object_foreach(in, k, v)
    {
        size_t i;

        for (i = 0; ok[i] && strcmp(ok[i], k); i++)
            ;
        if (!ok[i])
            return zl_error_set(err, ZL_EINVAL, k, "unknown field", k,
                                (size_t)-1);
    }
    return 0;
}

static int need_text(json_t *in, const char *k, int required, size_t max,
                     const char **out, struct zl_error *err)
{
    json_t *v = json_object_get(in, k);

    *out = NULL;
    if (!v && !required)
        return 0;
    if (!json_is_string(v) || !json_string_length(v) ||
        json_string_length(v) > max)
        return zl_error_setf(err, ZL_EINVAL, k, NULL,
                             "%s: a non-empty string of at most %zu bytes",
                             required ? "required" : "optional", max);
    *out = json_string_value(v);
    return 0;
}

/* "date" of in: a day not before `after` (named what). */
static int need_date(json_t *in, int32_t after, const char *what, int32_t *day,
                     struct zl_error *err)
{
    const char *v = json_string_value(json_object_get(in, "date"));
    char a[11];

    if (!v || zl_day_parse(v, strlen(v), day))
        return zl_error_set(err, ZL_EINVAL, "date",
                            "required: a date YYYY-MM-DD", v,
                            v ? strlen(v) : 0);
    if (what && *day < after) {
        zl_day_format(after, a);
        return zl_error_setf(err, ZL_EINVAL, "date", v,
                             "before the %s (%s): a step cannot precede the "
                             "step it follows",
                             what, a);
    }
    return 0;
}

/* A decimal: -?digits(.digits)?, at most 32 bytes. */
static int decimal_ok(const char *v)
{
    size_t i = 0, n = strlen(v), d = 0;

    if (!n || n > 32)
        return 0;
    if (v[i] == '-')
        i++;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
        d++;
    if (!d)
        return 0;
    if (i < n && v[i] == '.') {
        size_t f = 0;

        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++)
            f++;
        if (!f)
            return 0;
    }
    return i == n;
}

/* 1 if the parsed id carries AI ai, its value into *val. */
static int ai_of(const struct zl_gs1_id *id, const char *ai, const char **val)
{
    for (size_t i = 0; i < id->n_ais; i++)
        if (!strcmp(id->ais[i].ai, ai)) {
            *val = id->ais[i].value;
            return 1;
        }
    return 0;
}

static int sample_fields(json_t *in, json_t *o, const struct task *t,
                         struct zl_error *err)
{
    const char *product, *lot, *unit, *place, *gtin = NULL, *batch = NULL;
    json_t *codes = json_object_get(in, "codes"), *sm, *team, *v;
    json_t *q = json_object_get(in, "quantity"), *cl = NULL, *sl = NULL;
    struct zl_gs1_id id, lid;
    struct zl_error ge = {0};
    size_t i;
    int rc;

    if ((rc = need_text(in, "product", 1, 256, &product, err)) ||
        (rc = need_text(in, "lot", 1, 128, &lot, err)) ||
        (rc = need_text(in, "unit", 0, 32, &unit, err)) ||
        (rc = need_text(in, "place", 0, 256, &place, err)))
        return rc;
    /* gtin and batch point into lid, which stays untouched below */
    if (zl_gs1_parse(lot, strlen(lot), &lid, &ge) ||
        lid.scheme != ZL_GS1_LGTIN || !ai_of(&lid, "01", &gtin) ||
        !ai_of(&lid, "10", &batch))
        return zl_error_setf(err, ZL_EINVAL, "lot", lot,
                             "the sampled lot as a GS1 identifier of a batch "
                             "(GTIN and batch: (01)..(10).., a Digital Link "
                             "or urn:epc:class:lgtin:...)%s%s",
                             ge.rule[0] ? ": " : "", ge.rule);
    if (!json_is_integer(q) || json_integer_value(q) < 1 ||
        json_integer_value(q) > MAX_SAMPLE)
        return zl_error_set(err, ZL_EINVAL, "quantity",
                            "required: the number of sample units, 1 to "
                            "100000",
                            NULL, 0);
    if (!json_is_array(codes) || !json_array_size(codes) ||
        json_array_size(codes) > MAX_CODES)
        return zl_error_set(err, ZL_EINVAL, "codes",
                            "required: the samples' GS1 codes (1 to 1000)",
                            NULL, 0);
    if (!(cl = json_array()) || !(sl = json_array())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(codes, i, v)
    {
        const char *c = json_string_value(v), *g = NULL, *b = NULL;
        char path[32];

        snprintf(path, sizeof path, "codes[%zu]", i);
        memset(&ge, 0, sizeof ge);
        if (!c || zl_gs1_parse(c, strlen(c), &id, &ge)) {
            rc = zl_error_setf(err, ZL_EINVAL, path, c,
                               "not a GS1 identifier%s%s",
                               ge.rule[0] ? ": " : "", ge.rule);
            goto out;
        }
        if (!ai_of(&id, "01", &g) || strcmp(g, gtin) ||
            (ai_of(&id, "10", &b) && strcmp(b, batch))) {
            rc = zl_error_set(err, ZL_EINVAL, path,
                              "a sample of another product or batch than the "
                              "sampled lot",
                              c, strlen(c));
            goto out;
        }
        if (json_array_append(cl, v)) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    sm = json_object_get(in, "samplers");
    team = json_object_get(t->entry, "team");
    if (!json_is_array(sm) || !json_array_size(sm) ||
        json_array_size(sm) > 16) {
        rc = zl_error_set(err, ZL_EINVAL, "samplers",
                          "required: the inspectors who sampled (ids of the "
                          "task's team)",
                          NULL, 0);
        goto out;
    }
    json_array_foreach(sm, i, v)
    {
        const char *who = json_string_value(v);
        size_t j;
        json_t *m;
        int found = 0;

        json_array_foreach(team, j, m) found |=
            who &&
            !strcmp(who, json_string_value(m) ? json_string_value(m) : "");
        if (!found) {
            rc = zl_error_set(err, ZL_EINVAL, "samplers",
                              "not a member of the task's drawn team (a "
                              "sample is taken by the drawn inspectors)",
                              who, who ? strlen(who) : 0);
            goto out;
        }
        if (json_array_append(sl, v)) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (setn(o, "product", json_string(product)) ||
        setn(o, "lot", json_string(lot)) ||
        setn(o, "gtin", json_string(gtin)) ||
        setn(o, "batch", json_string(batch)) ||
        setn(o, "quantity", json_integer(json_integer_value(q))) ||
        (unit && setn(o, "unit", json_string(unit))) ||
        (place && setn(o, "place", json_string(place))) ||
        setn(o, "codes", json_incref(cl)) ||
        setn(o, "samplers", json_incref(sl)))
        rc = ZL_ENOMEM;
out:
    json_decref(cl);
    json_decref(sl);
    return rc;
}

static int item_verdict(const char *value, const char *mn, const char *mx)
{
    double v = strtod(value, NULL);

    if (*mn && v < strtod(mn, NULL))
        return 0;
    if (*mx && v > strtod(mx, NULL))
        return 0;
    return 1;
}

static int report_fields(zl_store *s, json_t *in, json_t *o,
                         const struct task *t, struct zl_error *err)
{
    const char *no, *lab, *tester;
    json_t *cat = NULL, *items = NULL, *got = json_object_get(in, "items");
    json_t *ci, *v;
    size_t i;
    int rc, pass = 1;

    if ((rc = need_text(in, "report_no", 1, 64, &no, err)) ||
        (rc = need_text(in, "lab", 1, 256, &lab, err)) ||
        (rc = need_text(in, "tester", 0, 128, &tester, err)))
        return rc;
    if ((rc = load_json_record(s, ZL_SUP_CATEGORY, jstr(t->entry, "category"),
                               &cat)))
        return rc == ZL_ENOTFOUND
                   ? zl_error_set(err, ZL_ENOTFOUND, "category",
                                  "the task's category is not registered",
                                  jstr(t->entry, "category"), (size_t)-1)
                   : rc;
    if (!json_is_array(got) || !json_array_size(got)) {
        rc = zl_error_set(err, ZL_EINVAL, "items",
                          "required: the measured value of each test item "
                          "of the category",
                          NULL, 0);
        goto out;
    }
    /* every given item must be one of the category's, once */
    json_array_foreach(got, i, v)
    {
        const char *name = jstr(v, "item");
        size_t j, seen = 0;
        json_t *x;
        char path[32];

        snprintf(path, sizeof path, "items[%zu]", i);
        json_array_foreach(json_object_get(cat, "items"), j, x) seen +=
            !strcmp(jstr(x, "item"), name);
        if (!seen) {
            rc = zl_error_set(err, ZL_EINVAL, path,
                              "not a test item of the task's category", name,
                              strlen(name));
            goto out;
        }
        seen = 0;
        json_array_foreach(got, j, x) seen += !strcmp(jstr(x, "item"), name);
        if (seen > 1) {
            rc = zl_error_set(err, ZL_EINVAL, path, "item given twice", name,
                              strlen(name));
            goto out;
        }
    }
    if (!(items = json_array())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(json_object_get(cat, "items"), i, ci)
    {
        const char *name = jstr(ci, "item"), *val = NULL, *method;
        json_t *x = NULL, *g, *io;
        size_t j;
        char num[64];
        int ok;

        json_array_foreach(got, j, g) if (!strcmp(jstr(g, "item"), name)) x = g;
        if (!x) {
            rc = zl_error_set(err, ZL_EINVAL, "items",
                              "a test item of the category has no measured "
                              "value",
                              name, strlen(name));
            goto out;
        }
        g = json_object_get(x, "value");
        if (json_is_string(g))
            val = json_string_value(g);
        else if (json_is_integer(g)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(g));
            val = num;
        }
        if (!val || !decimal_ok(val)) {
            rc = zl_error_set(err, ZL_EINVAL, "items",
                              "a measured value is a decimal number written "
                              "as a string (\"2.75\")",
                              name, strlen(name));
            goto out;
        }
        method = json_string_value(json_object_get(x, "method"));
        if (!method || !*method || strlen(method) > 128)
            method = jstr(ci, "method");
        ok = item_verdict(val, jstr(ci, "min"), jstr(ci, "max"));
        pass &= ok;
        if (!(io = json_object()) || json_array_append_new(items, io) ||
            setn(io, "item", json_string(name)) ||
            setn(io, "name_zh", json_string(jstr(ci, "name_zh"))) ||
            setn(io, "value", json_string(val)) ||
            setn(io, "min", json_string(jstr(ci, "min"))) ||
            setn(io, "max", json_string(jstr(ci, "max"))) ||
            setn(io, "unit", json_string(jstr(ci, "unit"))) ||
            setn(io, "method", json_string(method)) ||
            setn(io, "verdict", json_string(ok ? "pass" : "fail"))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (setn(o, "report_no", json_string(no)) ||
        setn(o, "lab", json_string(lab)) ||
        (tester && setn(o, "tester", json_string(tester))) ||
        setn(o, "category", json_string(jstr(t->entry, "category"))) ||
        setn(o, "standard", json_string(jstr(cat, "standard"))) ||
        setn(o, "items", json_incref(items)) ||
        setn(o, "verdict", json_string(pass ? "pass" : "fail")))
        rc = ZL_ENOMEM;
out:
    json_decref(cat);
    json_decref(items);
    return rc;
}

static int refuse(struct zl_error *err, int code, const char *step,
                  const char *why)
{
    return zl_error_setf(err, code, "step", step, "%s: %s", step, why);
}

/* Build the record of step k from in, checking the order against st. */
static int step_rec(zl_store *s, const struct task *t, const struct state *st,
                    int k, json_t *in, const struct zl_clock_config *cfg,
                    const zl_calendar *cal, json_t *o, struct zl_error *err)
{
    static const char *const F_SAMPLE[] = {"date",     "product",  "lot",
                                           "quantity", "unit",     "place",
                                           "codes",    "samplers", NULL};
    static const char *const F_REPORT[] = {"date",   "report_no", "lab",
                                           "tester", "items",     NULL};
    static const char *const F_NOTIFY[] = {"date", NULL};
    static const char *const F_RETEST[] = {"date", "outcome", NULL};
    static const char *const F_STOP[] = {"date", "scope", NULL};
    static const char *const F_RECT[] = {"date", "measures", NULL};
    static const char *const F_RECHECK[] = {"date", "verdict", "report_no",
                                            NULL};
    static const char *const F_PUB[] = {"date", "handling", NULL};
    static const char *const F_ANN[] = {"date", "ref", NULL};
    static const char *const F_SUSP[] = {"date", "until", NULL};
    static const char *const *const F[S_COUNT] = {
        F_SAMPLE,  F_REPORT, F_NOTIFY, F_RETEST, F_STOP, F_RECT,
        F_RECHECK, F_PUB,    F_ANN,    F_SUSP,   NULL};
    const char *txt;
    int32_t day;
    int rc;

    if (st->rec[k] && k != S_RECHECK)
        return refuse(err, ZL_EEXIST, STEP_NAME[k],
                      "recorded already for this task (a step is recorded "
                      "once; nothing is replaced)");
    if ((rc = only_fields(in, F[k], err)))
        return rc;
    switch (k) {
    case S_SAMPLE:
        if ((rc = need_date(in, 0, NULL, &day, err)) ||
            (rc = sample_fields(in, o, t, err)))
            return rc;
        break;
    case S_REPORT:
        if (!st->rec[S_SAMPLE])
            return refuse(err, ZL_EINVAL, "report",
                          "no sampling record yet (sample comes first)");
        if ((rc = need_date(in, st->day[S_SAMPLE], "sampling", &day, err)) ||
            (rc = report_fields(s, in, o, t, err)))
            return rc;
        break;
    case S_NOTIFY:
        if (!st->rec[S_REPORT])
            return refuse(err, ZL_EINVAL, "notify",
                          "no test report yet (report comes before the "
                          "notification of the result)");
        if ((rc = need_date(in, st->day[S_REPORT], "test report", &day, err)))
            return rc;
        break;
    case S_RETEST: {
        struct zl_clock c;
        const char *out;

        if (!st->rec[S_NOTIFY])
            return refuse(err, ZL_EINVAL, "retest",
                          "the enterprise has not been notified of the "
                          "result yet (notify)");
        if (strcmp(jstr(st->rec[S_REPORT], "verdict"), "fail"))
            return refuse(err, ZL_EINVAL, "retest",
                          "the result passed: there is nothing to re-test");
        if ((rc =
                 need_date(in, st->day[S_NOTIFY], "notification", &day, err)) ||
            (rc = zl_clock_compute(cfg, cal, ZL_STEP_RETEST_APPLY,
                                   st->day[S_NOTIFY], day, &c, err)))
            return rc;
        if (c.has_deadline && c.overdue) {
            char d[11];

            zl_day_format(c.deadline, d);
            return zl_error_setf(err, ZL_EINVAL, "date", jstr(in, "date"),
                                 "retest: applied after the deadline %s (%s)",
                                 d, cfg->rule[ZL_STEP_RETEST_APPLY].source);
        }
        out = json_string_value(json_object_get(in, "outcome"));
        if (json_object_get(in, "outcome") &&
            (!out || (strcmp(out, "upheld") && strcmp(out, "overturned"))))
            return zl_error_set(err, ZL_EINVAL, "outcome",
                                "upheld or overturned (the re-test's "
                                "result), or leave it out",
                                out, out ? strlen(out) : 0);
        if (out && setn(o, "outcome", json_string(out)))
            return ZL_ENOMEM;
        break;
    }
    case S_STOP:
    case S_RECTIFY:
        if (!st->rec[S_NOTIFY])
            return refuse(err, ZL_EINVAL, STEP_NAME[k],
                          "the enterprise has not been notified of the "
                          "result yet (notify)");
        if (!st->failed)
            return refuse(err, ZL_EINVAL, STEP_NAME[k],
                          "the result passed (or a re-test overturned it): "
                          "no follow-up is due");
        if ((rc =
                 need_date(in, st->day[S_NOTIFY], "notification", &day, err)) ||
            (rc = need_text(in, k == S_STOP ? "scope" : "measures", 0, 1024,
                            &txt, err)))
            return rc;
        if (txt &&
            setn(o, k == S_STOP ? "scope" : "measures", json_string(txt)))
            return ZL_ENOMEM;
        break;
    case S_RECHECK: {
        const char *v = json_string_value(json_object_get(in, "verdict"));

        /* up to three, as the law orders them: after the rectification
         * (Order 18 art. 47), after the announcement of a failed one
         * (art. 48), after the stop of business (产品质量法 art. 17) */
        static const int AFTER[3] = {S_RECTIFY, S_ANNOUNCE, S_SUSPEND};
        static const char *const WHAT[3] = {"rectification", "announcement",
                                            "stop of business"};
        int n = st->n_recheck;

        if (n && !st->recheck_failed)
            return refuse(err, ZL_EEXIST, "recheck",
                          "the last recheck passed: nothing is left to "
                          "recheck");
        if (n >= 3)
            return refuse(err, ZL_EEXIST, "recheck",
                          "three rechecks are recorded, the last failed: the "
                          "law's next step is revoking the business licence "
                          "(产品质量法 art. 17), not a fourth recheck");
        if (!st->rec[AFTER[n]] || (n && st->day[AFTER[n]] < st->day[S_RECHECK]))
            return refuse(err, ZL_EINVAL, "recheck",
                          n == 0   ? "no rectification recorded yet (rectify "
                                     "comes before the recheck)"
                          : n == 1 ? "a failed recheck is announced before "
                                     "the next recheck (announce; Order 18 "
                                     "art. 47-48)"
                                   : "after a failed second recheck the "
                                     "business is stopped before the next "
                                     "recheck (suspend; 产品质量法 art. 17)");
        if ((rc = need_date(in, st->day[AFTER[n]], WHAT[n], &day, err)) ||
            (rc = need_text(in, "report_no", 0, 64, &txt, err)))
            return rc;
        if (!v || (strcmp(v, "pass") && strcmp(v, "fail")))
            return zl_error_set(err, ZL_EINVAL, "verdict",
                                "required: pass or fail", v, v ? strlen(v) : 0);
        if (setn(o, "verdict", json_string(v)) ||
            (txt && setn(o, "report_no", json_string(txt))))
            return ZL_ENOMEM;
        break;
    }
    case S_ANNOUNCE:
    case S_SUSPEND:
        if (st->n_recheck != (k == S_ANNOUNCE ? 1 : 2) || !st->recheck_failed)
            return refuse(err, ZL_EINVAL, STEP_NAME[k],
                          k == S_ANNOUNCE
                              ? "the announcement follows a failed first "
                                "recheck (Order 18 art. 47)"
                              : "the stop of business follows a failed "
                                "recheck after the announcement (Order 18 "
                                "art. 48; 产品质量法 art. 17)");
        if ((rc = need_date(in, st->day[S_RECHECK], "recheck", &day, err)))
            return rc;
        if (k == S_ANNOUNCE) {
            if ((rc = need_text(in, "ref", 0, 128, &txt, err)))
                return rc;
            if (txt && setn(o, "ref", json_string(txt)))
                return ZL_ENOMEM;
        } else if (json_object_get(in, "until")) {
            const char *u = json_string_value(json_object_get(in, "until"));
            int32_t until;

            if (!u || zl_day_parse(u, strlen(u), &until) || until < day)
                return zl_error_set(err, ZL_EINVAL, "until",
                                    "the end of the period set to rectify "
                                    "(YYYY-MM-DD, not before the date)",
                                    u, u ? strlen(u) : 0);
            if (setn(o, "until", json_string(u)))
                return ZL_ENOMEM;
        }
        break;
    case S_PUBLISH:
        if (!st->rec[S_NOTIFY])
            return refuse(err, ZL_EINVAL, "publish",
                          "the enterprise has not been notified of the "
                          "result yet (notify comes before publication)");
        if ((rc =
                 need_date(in, st->day[S_NOTIFY], "notification", &day, err)) ||
            (rc = need_text(in, "handling", 0, 1024, &txt, err)))
            return rc;
        if (txt && setn(o, "handling", json_string(txt)))
            return ZL_ENOMEM;
        break;
    default: return ZL_EINVAL;
    }
    return setn(o, "date", json_string(jstr(in, "date")));
}

/* ---- recording ---------------------------------------------------------- */

struct env {
    struct zl_clock_config cfg_own;
    const struct zl_clock_config *cfg;
    zl_calendar *cal_own;
    const zl_calendar *cal;
};

static int env_init(struct env *e, const struct zl_clock_config *cfg,
                    const zl_calendar *cal, struct zl_error *err)
{
    memset(e, 0, sizeof *e);
    if (!cfg)
        zl_clock_defaults(&e->cfg_own);
    e->cfg = cfg ? cfg : &e->cfg_own;
    if (!cal) {
        int rc = zl_calendar_new(&e->cal_own, err);

        if (rc)
            return rc;
    }
    e->cal = cal ? cal : e->cal_own;
    return 0;
}

static void env_cleanup(struct env *e)
{
    zl_calendar_free(e->cal_own);
}

/* Log o (taken) as step k of t after the writer check. */
static int append_step(zl_store *s, const char *writer, struct task *t, int k,
                       json_t *o, struct zl_error *err)
{
    struct sup_writer w;
    int rc, own = 0;

    if ((rc = sup_writer_get(s, writer, &w, err)) ||
        (rc = sup_may_write(&w, t->ent ? jstr(t->ent, "region") : NULL,
                            "spot-check step", err)))
        goto out;
    if (setn(o, "type", json_string("spot")) ||
        setn(o, "v", json_integer(SUP_RECORD_V)) ||
        setn(o, "step", json_string(STEP_NAME[k])) ||
        setn(o, "task", json_string(t->name)) ||
        setn(o, "by", json_string(w.local ? "store operator" : w.id))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    rc = sup_append_ix(s, t->key, o, 0, jstr(t->entry, "uscc"), NULL, NULL);
    o = NULL;
    rc = zl_registry_tx_end(s, own, rc);
out:
    json_decref(o);
    return rc;
}

int zl_spot_record(zl_store *s, const char *writer, const char *task,
                   const char *step, const char *json, size_t len,
                   const struct zl_clock_config *cfg, const zl_calendar *cal,
                   struct zl_buf *out, struct zl_error *err)
{
    struct task t = {0};
    struct state st;
    struct env e;
    json_error_t je;
    json_t *in = NULL, *o = NULL;
    int rc, k;

    if ((rc = env_init(&e, cfg, cal, err)))
        return rc;
    for (k = 0; k < S_RECALL && strcmp(step ? step : "", STEP_NAME[k]); k++)
        ;
    if (k == S_RECALL) {
        rc = zl_error_set(err, ZL_EINVAL, "step",
                          "sample, report, notify, retest, stop-sale, "
                          "rectify, recheck, publish, announce or suspend",
                          step, step ? strlen(step) : 0);
        goto out;
    }
    if ((rc = parse_name(task, &t, err)))
        goto out;
    if (!(in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je))) {
        rc = zl_error_set(err, ZL_ESYNTAX, "", je.text, NULL, 0);
        goto out;
    }
    if ((rc = task_load(s, &t, NULL, NULL, NULL, err)))
        goto out;
    replay(&t, INT32_MAX, &st);
    if (!(o = json_object())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = step_rec(s, &t, &st, k, in, e.cfg, e.cal, o, err)))
        goto out;
    /* append_step completes o (type, step, task, by) before logging it */
    if (!(rc = append_step(s, writer, &t, k, json_incref(o), err)) && out)
        rc = zl_jcs_dump(o, out);
out:
    json_decref(o);
    json_decref(in);
    task_free(&t);
    env_cleanup(&e);
    return rc;
}

int zl_spot_recall(zl_store *s, const char *writer, const char *task,
                   const char *date, const char *reason, int hazard,
                   char case_id[37], struct zl_error *err)
{
    struct task t = {0};
    struct state st;
    struct sup_writer w;
    const char *lot;
    json_t *o = NULL;
    char today[11];
    int rc;

    if ((rc = parse_name(task, &t, err)) ||
        (rc = task_load(s, &t, NULL, NULL, NULL, err)))
        goto out;
    replay(&t, INT32_MAX, &st);
    if (st.rec[S_RECALL]) {
        rc =
            refuse(err, ZL_EEXIST, "recall", "a recall case is linked already");
        goto out;
    }
    if (!st.rec[S_NOTIFY] || !st.failed) {
        rc = refuse(err, ZL_EINVAL, "recall",
                    "only a failed result the enterprise was notified of "
                    "opens a recall from the task");
        goto out;
    }
    if (date) {
        int32_t d;

        if (zl_day_parse(date, strlen(date), &d))
            rc = zl_error_set(err, ZL_EINVAL, "date", "a date YYYY-MM-DD", date,
                              strlen(date));
        else if (d < st.day[S_NOTIFY])
            rc = zl_error_set(err, ZL_EINVAL, "date",
                              "before the notification: a step cannot "
                              "precede the step it follows",
                              date, strlen(date));
        if (rc)
            goto out;
        snprintf(today, sizeof today, "%s", date);
    } else {
        zl_day_format((int32_t)(zl_time_now_ms() / 86400000), today);
    }
    if (!reason || !*reason) {
        rc = zl_error_set(err, ZL_EINVAL, "reason", "required", NULL, 0);
        goto out;
    }
    /* the write rule before the recall case, so a refused writer leaves
     * no case behind */
    if ((rc = sup_writer_get(s, writer, &w, err)) ||
        (rc = sup_may_write(&w, t.ent ? jstr(t.ent, "region") : NULL,
                            "spot-check step", err)))
        goto out;
    /* zl_recall_open runs its own transaction, so the case and the link
     * are two: every check that can refuse is made before the case */
    lot = jstr(st.rec[S_SAMPLE], "lot");
    if (zl_store_in_tx(s)) {
        rc = zl_error_set(err, ZL_EINVAL, "recall",
                          "open a recall outside a transaction (the recall "
                          "module runs its own)",
                          NULL, 0);
        goto out;
    }
    rc = zl_recall_open(s, &lot, 1, reason, (enum zl_hazard_class)hazard,
                        case_id, err);
    if (!rc && (!(o = json_object()) || setn(o, "case", json_string(case_id)) ||
                setn(o, "lot", json_string(lot)) ||
                setn(o, "reason", json_string(reason)) ||
                setn(o, "hazard", json_integer(hazard)) ||
                setn(o, "date", json_string(today))))
        rc = ZL_ENOMEM;
    if (!rc) {
        rc = append_step(s, writer, &t, S_RECALL, o, err);
        o = NULL;
    }
out:
    json_decref(o);
    task_free(&t);
    return rc;
}

/* ---- views -------------------------------------------------------------- */

/* Append {"step", "title", ...} for a clock started on start. */
static int add_clock(json_t *open, const struct env *e, enum zl_clock_step cs,
                     int32_t start, int32_t at, int optional, int *overdue,
                     struct zl_error *err)
{
    const struct zl_clock_rule *r = &e->cfg->rule[cs];
    struct zl_clock c;
    json_t *o;
    char d[11], dl[11];
    int rc = zl_clock_compute(e->cfg, e->cal, cs, start, at, &c, err);

    if (rc)
        return rc;
    zl_day_format(start, d);
    zl_day_format(c.deadline, dl);
    if (!(o = json_object()) || json_array_append_new(open, o) ||
        setn(o, "step", json_string(zl_clock_step_id(cs))) ||
        setn(o, "title", json_string(zl_clock_step_title(cs))) ||
        setn(o, "start", json_string(d)) ||
        setn(o, "deadline", c.has_deadline ? json_string(dl) : json_null()) ||
        (c.has_deadline && setn(o, "left", json_integer(c.left))) ||
        setn(o, "unit", json_string(zl_clock_unit_name(r->unit))) ||
        setn(o, "overdue",
             json_boolean(c.has_deadline && c.overdue && !optional)) ||
        setn(o, "optional", json_boolean(optional)) ||
        setn(o, "source", json_string(r->source)) ||
        (c.guessed && setn(o, "guessed", json_true())))
        return ZL_ENOMEM;
    if (c.has_deadline && c.overdue && !optional)
        *overdue = 1;
    return 0;
}

/* A step with no legal clock (sample, report, notify); the sample is due
 * by the end of the plan's period when it has one. */
static int add_plain(json_t *open, const char *step, const char *title,
                     const char *due, int32_t at, int *overdue)
{
    int32_t d = 0;
    int late = due && *due && !zl_day_parse(due, strlen(due), &d) && at > d;
    json_t *o;

    if (!(o = json_object()) || json_array_append_new(open, o) ||
        setn(o, "step", json_string(step)) ||
        setn(o, "title", json_string(title)) ||
        setn(o, "deadline", due && *due ? json_string(due) : json_null()) ||
        setn(o, "overdue", json_boolean(late)) ||
        setn(o, "optional", json_false()) ||
        setn(o, "source", json_string(due && *due ? "the plan's period" : "")))
        return ZL_ENOMEM;
    *overdue |= late;
    return 0;
}

static int open_steps(const struct task *t, const struct state *st,
                      const struct env *e, int32_t at, json_t *open,
                      int *overdue, struct zl_error *err)
{
    int rc = 0;

    *overdue = 0;
    if (!st->rec[S_SAMPLE])
        return add_plain(open, "sample", "抽样 / Sampling",
                         jstr(json_object_get(t->plan, "period"), "to"), at,
                         overdue);
    if (!st->rec[S_REPORT])
        return add_plain(open, "report", "检验报告 / Test report", NULL, at,
                         overdue);
    if (!st->rec[S_NOTIFY])
        return add_plain(open, "notify",
                         "送达检验结果 / Notify the enterprise of the result",
                         NULL, at, overdue);
    if (st->failed) {
        int32_t n = st->day[S_NOTIFY];

        if (!st->rec[S_RETEST]) {
            struct zl_clock c;

            if ((rc = zl_clock_compute(e->cfg, e->cal, ZL_STEP_RETEST_APPLY, n,
                                       at, &c, err)))
                return rc;
            if (!c.overdue && (rc = add_clock(open, e, ZL_STEP_RETEST_APPLY, n,
                                              at, 1, overdue, err)))
                return rc;
        }
        if (!st->rec[S_STOP] && (rc = add_clock(open, e, ZL_STEP_STOP_SALE, n,
                                                at, 0, overdue, err)))
            return rc;
        if (!st->rec[S_RECTIFY] &&
            (rc = add_clock(open, e, ZL_STEP_RECTIFY, n, at, 0, overdue, err)))
            return rc;
        if (!st->rec[S_RECHECK] &&
            (rc = add_clock(open, e, ZL_STEP_RECHECK, n, at, 0, overdue, err)))
            return rc;
        /* a failed recheck: announce it, recheck 60-90 days later (Order
         * 18 art. 47-48); that failing, stop the business and recheck at
         * the end of its period (产品质量法 art. 17) */
        if (st->n_recheck == 1 && st->recheck_failed && !st->rec[S_ANNOUNCE] &&
            (rc = add_clock(open, e, ZL_STEP_ANNOUNCE, st->day[S_RECHECK], at,
                            0, overdue, err)))
            return rc;
        if (st->n_recheck == 1 && st->recheck_failed && st->rec[S_ANNOUNCE] &&
            (rc = add_clock(open, e, ZL_STEP_SECOND_RECHECK,
                            st->day[S_ANNOUNCE], at, 0, overdue, err)))
            return rc;
        if (st->n_recheck == 2 && st->recheck_failed && !st->rec[S_SUSPEND] &&
            (rc = add_clock(open, e, ZL_STEP_SUSPEND, st->day[S_RECHECK], at, 0,
                            overdue, err)))
            return rc;
        if (st->n_recheck == 2 && st->recheck_failed && st->rec[S_SUSPEND] &&
            (rc = add_plain(open, "recheck",
                            "整顿期满后复查 / recheck at the end of the stop "
                            "of business",
                            jstr(st->rec[S_SUSPEND], "until"), at, overdue)))
            return rc;
    }
    if (!st->rec[S_PUBLISH] &&
        (rc = add_clock(open, e, ZL_STEP_PUBLISH, st->day[S_REPORT], at, 0,
                        overdue, err)))
        return rc;
    return 0;
}

/* The task's view; with_steps adds its records. */
static int task_view(const struct task *t, const struct env *e, int32_t at,
                     int with_steps, json_t **view, int *overdue,
                     struct zl_error *err)
{
    struct state st;
    json_t *o = json_object(), *open = json_array(), *steps = NULL;
    const char *verdict = "";
    size_t n_req = 0, i;
    json_t *x;
    int rc;

    *view = NULL;
    if (!o || !open) {
        rc = ZL_ENOMEM;
        goto out;
    }
    replay(t, at, &st);
    if ((rc = open_steps(t, &st, e, at, open, overdue, err)))
        goto out;
    json_array_foreach(open, i, x) n_req +=
        !json_is_true(json_object_get(x, "optional"));
    if (st.rec[S_REPORT])
        verdict = st.failed ? "fail" : "pass";
    if (with_steps) {
        if (!(steps = json_array())) {
            rc = ZL_ENOMEM;
            goto out;
        }
        json_array_foreach(t->recs, i, x)
        {
            json_t *r = json_deep_copy(json_object_get(x, "rec"));

            if (!r || json_array_append_new(steps, r) ||
                setn(r, "seq", json_incref(json_object_get(x, "seq"))) ||
                setn(r, "leaf", json_incref(json_object_get(x, "leaf")))) {
                rc = ZL_ENOMEM;
                goto out;
            }
        }
    }
    {
        char a[11];

        zl_day_format(at, a);
        if (setn(o, "task", json_string(t->name)) ||
            setn(o, "plan", json_string(t->plan_id)) ||
            setn(o, "uscc", json_string(jstr(t->entry, "uscc"))) ||
            setn(o, "enterprise", json_string(jstr(t->ent, "name"))) ||
            setn(o, "region", json_string(jstr(t->ent, "region"))) ||
            setn(o, "category", json_string(jstr(t->entry, "category"))) ||
            setn(o, "team", json_incref(json_object_get(t->entry, "team"))) ||
            (steps && setn(o, "steps", json_incref(steps))) ||
            setn(o, "verdict", *verdict ? json_string(verdict) : json_null()) ||
            setn(o, "status", json_string(n_req ? "open" : "closed")) ||
            setn(o, "overdue", json_boolean(*overdue)) ||
            setn(o, "at", json_string(a)) ||
            setn(o, "open", json_incref(open))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    *view = o;
    o = NULL;
out:
    json_decref(o);
    json_decref(open);
    json_decref(steps);
    return rc;
}

int zl_spot_task(zl_store *s, const char *task,
                 const struct zl_clock_config *cfg, const zl_calendar *cal,
                 int32_t at, struct zl_buf *out, struct zl_error *err)
{
    struct task t = {0};
    struct env e;
    json_t *v = NULL;
    int rc, overdue = 0;

    if ((rc = env_init(&e, cfg, cal, err)))
        return rc;
    if (!(rc = parse_name(task, &t, err)) &&
        !(rc = task_load(s, &t, NULL, NULL, NULL, err)) &&
        !(rc = task_view(&t, &e, at, 1, &v, &overdue, err)))
        rc = zl_jcs_dump(v, out);
    json_decref(v);
    task_free(&t);
    env_cleanup(&e);
    return rc;
}

/* Calls fn for every drawn task, with its records loaded. */
typedef int (*task_fn)(void *ctx, struct task *t);

static int each_task(zl_store *s, task_fn fn, void *ctx, struct zl_error *err)
{
    json_t *draws = NULL, *recs = NULL, *d, *none = json_array();
    const char *dk;
    int rc;

    if (!none)
        return ZL_ENOMEM;
    if ((rc = load_range(s, "draw:", "draw;", &draws)) ||
        (rc = load_range(s, "task:", "task;", &recs)))
        goto out;
    json_object_foreach(draws, dk, d)
    {
        json_t *tasks = current_tasks(d), *x, *pr = NULL, *plan;
        char pkey[SUP_ID_MAX + 8];
        size_t i;

        if (!tasks) {
            rc = ZL_ENOMEM;
            goto out;
        }
        snprintf(pkey, sizeof pkey, "plan:%s", dk + 5);
        if ((rc = load_key(s, pkey, &pr))) {
            json_decref(tasks);
            goto out;
        }
        plan = json_object_get(json_array_get(pr, 0), "rec");
        json_array_foreach(tasks, i, x)
        {
            struct task t = {0};
            char name[TASK_KEY_MAX + 24];

            snprintf(name, sizeof name, "%s:%lld", dk + 5,
                     (long long)json_integer_value(json_object_get(x, "task")));
            if (!(rc = parse_name(name, &t, err))) {
                json_t *tr = json_object_get(recs, t.key);

                if (!(rc = task_load(s, &t, x, plan, tr ? tr : none, err)))
                    rc = fn(ctx, &t);
            }
            task_free(&t);
            if (rc)
                break;
        }
        json_decref(tasks);
        json_decref(pr);
        if (rc)
            goto out;
    }
out:
    json_decref(draws);
    json_decref(recs);
    json_decref(none);
    return rc;
}

/* ---- one enterprise's tasks, through the credit index ------------------ */

static int own_task_cb(void *ctx, const struct zl_store_sup_record *r)
{
    if (strncmp(r->key, "task:", 5) || r->seq != 1)
        return 0;
    return json_array_append_new(ctx, json_string(r->key + 5)) ? ZL_ENOMEM : 0;
}

/* Task names "PLAN:N" in each_task's order: plan id bytewise (the draws'
 * key order), then task number. */
static int cmp_task_name(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    const char *cx = strrchr(x, ':'), *cy = strrchr(y, ':');
    size_t lx = (size_t)(cx - x), ly = (size_t)(cy - y);
    int c = memcmp(x, y, lx < ly ? lx : ly);
    long nx, ny;

    if (c || lx != ly)
        return c ? c : (lx < ly ? -1 : 1);
    nx = strtol(cx + 1, NULL, 10);
    ny = strtol(cy + 1, NULL, 10);
    return (nx > ny) - (nx < ny);
}

/* each_task for the tasks of enterprise uscc only: their names from the
 * credit index (lib/supervise/credit_index.c), each plan's draw and plan
 * record read once, in each_task's order. A task whose draw does not list
 * it under uscc is skipped, as each_task's filter would. */
static int each_task_of(zl_store *s, const char *uscc, task_fn fn, void *ctx,
                        struct zl_error *err)
{
    json_t *names = json_array(), *d = NULL, *tasks = NULL, *pr = NULL;
    const char **v = NULL;
    char cur[SUP_ID_MAX + 1] = "";
    size_t n, i;
    int rc;

    if (!names)
        return ZL_ENOMEM;
    if ((rc = zl_store_sup_by_uscc(s, uscc, own_task_cb, names)) ||
        !(n = json_array_size(names)))
        goto out;
    if (!(v = zl_calloc(n, sizeof *v))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++)
        v[i] = json_string_value(json_array_get(names, i));
    qsort(v, n, sizeof *v, cmp_task_name);
    for (i = 0; i < n && !rc; i++) {
        struct task t = {0};
        json_t *x, *recs = NULL;
        char key[SUP_ID_MAX + 8];

        if ((rc = parse_name(v[i], &t, err)))
            break;
        if (strcmp(cur, t.plan_id)) {
            json_decref(d);
            json_decref(tasks);
            json_decref(pr);
            d = tasks = pr = NULL;
            snprintf(cur, sizeof cur, "%s", t.plan_id);
            snprintf(key, sizeof key, "draw:%s", cur);
            if ((rc = load_key(s, key, &d)))
                break;
            if (!(tasks = current_tasks(d))) {
                rc = ZL_ENOMEM;
                break;
            }
            snprintf(key, sizeof key, "plan:%s", cur);
            if ((rc = load_key(s, key, &pr)))
                break;
        }
        x = json_array_get(tasks, (size_t)(t.n - 1));
        if (!x || json_integer_value(json_object_get(x, "task")) != t.n ||
            strcmp(jstr(x, "uscc"), uscc))
            continue;
        if (!(rc = load_key(s, t.key, &recs)) &&
            !(rc = task_load(s, &t, x,
                             json_object_get(json_array_get(pr, 0), "rec"),
                             recs, err)))
            rc = fn(ctx, &t);
        json_decref(recs);
        task_free(&t);
    }
out:
    zl_free(v);
    json_decref(names);
    json_decref(d);
    json_decref(tasks);
    json_decref(pr);
    return rc == ZL_EUNSUPPORTED ? 0 : rc;
}

struct list_ctx {
    const struct env *e;
    int32_t at;
    int overdue_only;
    json_t *arr;
    struct zl_error *err;
};

static int list_fn(void *ctx, struct task *t)
{
    struct list_ctx *l = ctx;
    json_t *v = NULL;
    int overdue = 0;
    int rc = task_view(t, l->e, l->at, 0, &v, &overdue, l->err);

    if (!rc && (!l->overdue_only || overdue))
        rc = json_array_append(l->arr, v) ? ZL_ENOMEM : 0;
    json_decref(v);
    return rc;
}

/* jansson's object iteration follows insertion; the draws come in key
 * order from the store, so plans are in id order and tasks by number. */
int zl_spot_tasks(zl_store *s, const struct zl_clock_config *cfg,
                  const zl_calendar *cal, int32_t at, int overdue_only,
                  struct zl_buf *out, struct zl_error *err)
{
    struct env e;
    struct list_ctx l;
    int rc;

    if ((rc = env_init(&e, cfg, cal, err)))
        return rc;
    l.e = &e;
    l.at = at;
    l.overdue_only = overdue_only;
    l.err = err;
    if (!(l.arr = json_array()))
        rc = ZL_ENOMEM;
    if (!rc && !(rc = each_task(s, list_fn, &l, err)))
        rc = zl_jcs_dump(l.arr, out);
    json_decref(l.arr);
    env_cleanup(&e);
    return rc;
}

/* ---- the public side ---------------------------------------------------- */

struct pub_ctx {
    const struct zl_spot_filter *f;
    const struct env *e;
    json_t *rows;
    json_t *by_cat, *by_reg, *by_period;
    struct zl_error *err;
};

static int count_in(json_t *groups, const char *key, int pass)
{
    json_t *g = json_object_get(groups, key);

    if (!g) {
        g = json_pack("{s:i,s:i}", "batches", 0, "passed", 0);
        if (!g || json_object_set_new(groups, key, g))
            return ZL_ENOMEM;
    }
    json_object_set_new(
        g, "batches",
        json_integer(json_integer_value(json_object_get(g, "batches")) + 1));
    json_object_set_new(
        g, "passed",
        json_integer(json_integer_value(json_object_get(g, "passed")) + pass));
    return 0;
}

/* What the public sees of the follow-up: steps done, no names. */
static json_t *handling_of(const struct task *t, const struct state *st)
{
    json_t *a = json_array(), *w;
    char buf[160];
    size_t i;

    if (!a)
        return NULL;
    if (st->rec[S_PUBLISH] && *jstr(st->rec[S_PUBLISH], "handling"))
        json_array_append_new(
            a, json_string(jstr(st->rec[S_PUBLISH], "handling")));
    if (st->rec[S_RETEST]) {
        snprintf(buf, sizeof buf, "复检 / re-test applied %s%s%s",
                 jstr(st->rec[S_RETEST], "date"),
                 *jstr(st->rec[S_RETEST], "outcome") ? ": " : "",
                 jstr(st->rec[S_RETEST], "outcome"));
        json_array_append_new(a, json_string(buf));
    }
    if (st->rec[S_STOP]) {
        snprintf(buf, sizeof buf, "停止销售 / sale stopped %s",
                 jstr(st->rec[S_STOP], "date"));
        json_array_append_new(a, json_string(buf));
    }
    if (st->rec[S_RECALL]) {
        snprintf(buf, sizeof buf, "召回 / recall case %s",
                 jstr(st->rec[S_RECALL], "case"));
        json_array_append_new(a, json_string(buf));
    }
    if (st->rec[S_RECTIFY]) {
        snprintf(buf, sizeof buf, "整改 / rectified %s",
                 jstr(st->rec[S_RECTIFY], "date"));
        json_array_append_new(a, json_string(buf));
    }
    /* every recheck, announcement and stop of business, in order */
    json_array_foreach(t->recs, i, w)
    {
        json_t *r = json_object_get(w, "rec");
        const char *step = jstr(r, "step");

        if (!strcmp(step, "recheck"))
            snprintf(buf, sizeof buf, "复查 / recheck %s: %s", jstr(r, "date"),
                     jstr(r, "verdict"));
        else if (!strcmp(step, "announce"))
            snprintf(buf, sizeof buf, "公告 / announced %s%s%s",
                     jstr(r, "date"), *jstr(r, "ref") ? " " : "",
                     jstr(r, "ref"));
        else if (!strcmp(step, "suspend"))
            snprintf(buf, sizeof buf, "停业整顿 / business stopped %s%s%s",
                     jstr(r, "date"), *jstr(r, "until") ? " – " : "",
                     jstr(r, "until"));
        else
            continue;
        json_array_append_new(a, json_string(buf));
    }
    return a;
}

static int pub_fn(void *ctx, struct task *t)
{
    struct pub_ctx *p = ctx;
    const struct zl_spot_filter *f = p->f;
    struct state st;
    struct zl_clock c;
    json_t *o = NULL, *fi = NULL, *it;
    const char *region = jstr(t->ent, "region");
    char period[8], dl[11];
    size_t i;
    int rc;

    replay(t, INT32_MAX, &st);
    if (!st.rec[S_PUBLISH])
        return 0;
    if (f && f->category && strcmp(f->category, jstr(t->entry, "category")))
        return 0;
    if (f && f->region && strncmp(region, f->region, strlen(f->region)))
        return 0;
    if (f && f->gtin && strcmp(f->gtin, jstr(st.rec[S_SAMPLE], "gtin")))
        return 0;
    if (f && f->uscc && strcmp(f->uscc, jstr(t->entry, "uscc")))
        return 0;
    if (f && ((f->from && st.day[S_REPORT] < f->from) ||
              (f->to && st.day[S_REPORT] > f->to)))
        return 0;
    if ((rc =
             zl_clock_compute(p->e->cfg, p->e->cal, ZL_STEP_PUBLISH,
                              st.day[S_REPORT], st.day[S_PUBLISH], &c, p->err)))
        return rc;
    zl_day_format(c.deadline, dl);
    if (!(fi = json_array()) || !(o = json_object())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(json_object_get(st.rec[S_REPORT], "items"), i, it)
    {
        if (!strcmp(jstr(it, "verdict"), "fail") &&
            json_array_append_new(
                fi,
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "item", jstr(it, "item"),
                          "name_zh", jstr(it, "name_zh"), "value",
                          jstr(it, "value"), "min", jstr(it, "min"), "max",
                          jstr(it, "max"), "unit", jstr(it, "unit")))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (setn(o, "task", json_string(t->name)) ||
        setn(o, "uscc", json_string(jstr(t->entry, "uscc"))) ||
        setn(o, "enterprise", json_string(jstr(t->ent, "name"))) ||
        setn(o, "region", json_string(region)) ||
        setn(o, "category", json_string(jstr(t->entry, "category"))) ||
        setn(o, "standard", json_string(jstr(st.rec[S_REPORT], "standard"))) ||
        setn(o, "product", json_string(jstr(st.rec[S_SAMPLE], "product"))) ||
        setn(o, "gtin", json_string(jstr(st.rec[S_SAMPLE], "gtin"))) ||
        setn(o, "lot", json_string(jstr(st.rec[S_SAMPLE], "lot"))) ||
        setn(o, "report_no",
             json_string(jstr(st.rec[S_REPORT], "report_no"))) ||
        setn(o, "lab", json_string(jstr(st.rec[S_REPORT], "lab"))) ||
        setn(o, "tested", json_string(jstr(st.rec[S_REPORT], "date"))) ||
        setn(o, "verdict", json_string(st.failed ? "fail" : "pass")) ||
        setn(o, "failed_items", json_incref(fi)) ||
        setn(o, "handling", handling_of(t, &st)) ||
        setn(o, "published", json_string(jstr(st.rec[S_PUBLISH], "date"))) ||
        setn(o, "publish_deadline", json_string(dl)) ||
        setn(o, "published_on_time", json_boolean(!c.overdue)) ||
        json_array_append(p->rows, o)) {
        rc = ZL_ENOMEM;
        goto out;
    }
    memcpy(period, jstr(st.rec[S_REPORT], "date"), 7);
    period[7] = '\0';
    if ((rc = count_in(p->by_cat, jstr(t->entry, "category"), !st.failed)) ||
        (rc = count_in(p->by_reg, region, !st.failed)) ||
        (rc = count_in(p->by_period, period, !st.failed)))
        goto out;
out:
    json_decref(o);
    json_decref(fi);
    return rc;
}

static void rates(json_t *groups)
{
    const char *k;
    json_t *g;

    json_object_foreach(groups, k, g)
    {
        double b = (double)json_integer_value(json_object_get(g, "batches"));
        double ps = (double)json_integer_value(json_object_get(g, "passed"));

        json_object_set_new(g, "rate",
                            json_real(round(ps / b * 10000.0) / 10000.0));
    }
}

static int collect(zl_store *s, const struct zl_spot_filter *f,
                   const struct env *e, struct pub_ctx *p, struct zl_error *err)
{
    memset(p, 0, sizeof *p);
    p->f = f;
    p->e = e;
    p->err = err;
    if (!(p->rows = json_array()) || !(p->by_cat = json_object()) ||
        !(p->by_reg = json_object()) || !(p->by_period = json_object()))
        return ZL_ENOMEM;
    /* one enterprise's results (its page): its own tasks only */
    if (f && f->uscc)
        return each_task_of(s, f->uscc, pub_fn, p, err);
    return each_task(s, pub_fn, p, err);
}

static void pub_free(struct pub_ctx *p)
{
    json_decref(p->rows);
    json_decref(p->by_cat);
    json_decref(p->by_reg);
    json_decref(p->by_period);
}

int zl_spot_results(zl_store *s, const struct zl_spot_filter *f,
                    const struct zl_clock_config *cfg, const zl_calendar *cal,
                    struct zl_buf *out, struct zl_error *err)
{
    struct env e;
    struct pub_ctx p;
    json_t *o = NULL;
    int rc;

    if ((rc = env_init(&e, cfg, cal, err)))
        return rc;
    if (!(rc = collect(s, f, &e, &p, err))) {
        rates(p.by_cat);
        rates(p.by_reg);
        rates(p.by_period);
        o = json_pack("{s:O,s:{s:O,s:O,s:O}}", "results", p.rows, "pass_rate",
                      "by_category", p.by_cat, "by_region", p.by_reg,
                      "by_period", p.by_period);
        rc = o ? zl_jcs_dump(o, out) : ZL_ENOMEM;
    }
    json_decref(o);
    pub_free(&p);
    env_cleanup(&e);
    return rc;
}

static int csv_cell(struct zl_buf *b, const char *v, int last)
{
    int rc = 0;

    if (strpbrk(v, ",\"\r\n")) {
        rc = zl_buf_addc(b, '"');
        for (; !rc && *v; v++)
            rc = *v == '"' ? zl_buf_adds(b, "\"\"") : zl_buf_addc(b, *v);
        rc = rc ? rc : zl_buf_addc(b, '"');
    } else {
        rc = zl_buf_adds(b, v);
    }
    return rc ? rc : zl_buf_adds(b, last ? "\r\n" : ",");
}

int zl_spot_results_csv(zl_store *s, const struct zl_spot_filter *f,
                        struct zl_buf *out, struct zl_error *err)
{
    static const char *const COLS[] = {
        "task",    "uscc",     "enterprise", "region", "category",
        "product", "lot",      "report_no",  "tested", "verdict",
        "item",    "name_zh",  "value",      "min",    "max",
        "unit",    "handling", "published",  NULL};
    struct env e;
    struct pub_ctx p;
    json_t *r;
    size_t i;
    int rc;

    if ((rc = env_init(&e, NULL, NULL, err)))
        return rc;
    if ((rc = collect(s, f, &e, &p, err)))
        goto out;
    for (i = 0; !rc && COLS[i]; i++)
        rc = csv_cell(out, COLS[i], !COLS[i + 1]);
    json_array_foreach(p.rows, i, r)
    {
        json_t *fi = json_object_get(r, "failed_items"), *h;
        size_t n = json_array_size(fi), j;
        struct zl_buf hb;

        zl_buf_init(&hb, 1 << 16);
        json_array_foreach(json_object_get(r, "handling"), j, h)
        {
            if (j)
                zl_buf_adds(&hb, "; ");
            zl_buf_adds(&hb, json_string_value(h));
        }
        zl_buf_addc(&hb, '\0');
        for (j = 0; !rc && j < (n ? n : 1); j++) {
            json_t *it = json_array_get(fi, j);
            static const char *const RC[] = {
                "task",     "uscc",    "enterprise", "region",
                "category", "product", "lot",        "report_no",
                "tested",   "verdict", NULL};
            static const char *const IC[] = {"item", "name_zh", "value", "min",
                                             "max",  "unit",    NULL};

            for (size_t c = 0; !rc && RC[c]; c++)
                rc = csv_cell(out, jstr(r, RC[c]), 0);
            for (size_t c = 0; !rc && IC[c]; c++)
                rc = csv_cell(out, it ? jstr(it, IC[c]) : "", 0);
            rc = rc ? rc : csv_cell(out, (const char *)hb.data, 0);
            rc = rc ? rc : csv_cell(out, jstr(r, "published"), 1);
        }
        zl_buf_cleanup(&hb);
        if (rc)
            break;
    }
out:
    pub_free(&p);
    env_cleanup(&e);
    return rc;
}
