/*
 * credit_link.c - credit classes computed from the logged spot checks, for
 * a draw whose plan says "credit": "computed" (docs/supervision.md,
 * "Credit from the records").
 *
 * The classes a draw weights by must not be something anyone can set
 * after the seed is known, and must come from the records rather than a
 * class typed into the registry. So they are computed from the spot-check
 * records logged before the plan (the same cut as the registries), scored
 * on a day the plan fixes (its period's first day) with the documented
 * default rule of zhiliang/credit.h:
 *
 * over the published results only (a task with its publish step dated by
 * the scoring day): the draw record lists the events, and it is public,
 * so an unpublished result must not reach it.
 *
 *   a test report              spot-pass or spot-fail on the report's
 *                              date (a re-test that overturned it: pass)
 *   a failed, notified result  overdue-rectification the day after the
 *   not rectified in time      rectification deadline (Order 18 art. 46,
 *                              the clock of zhiliang/clocks.h on the
 *                              embedded calendar) when the plan's day is
 *                              past it and no rectification was recorded
 *                              by then
 *
 * Steps dated after the scoring day are ignored. The draw record carries
 * the result, {"source": "computed", "day", "default": "A", "classes":
 * {USCC: {"class", "events": [{"kind", "date", "ref"}]}}} for the
 * enterprises with events, so a public re-run takes the classes from it
 * and anyone can redo each class by hand from the events listed; verify
 * recomputes it from the log.
 *
 * Rejected: storing a class per enterprise as it changes (a second state
 * beside the records that could disagree with them); recalls and
 * complaints (not in the supervision records; they stay for `zhiliang
 * credit score` from a history file).
 */
#include "supervise/sup_int.h"

#include "store/store_sup.h"
#include "util/alloc.h"
#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/credit.h"

#include <stdio.h>
#include <string.h>

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

/* draw:PLAN seq 1 -> "PLAN:N" -> USCC in tasks. */
static int draws_cb(void *ctx, const struct zl_store_sup_record *r)
{
    json_t *map = ctx, *o, *t;
    json_error_t je;
    size_t i;
    char name[SUP_ID_MAX + 24];

    if (r->seq != 1)
        return 0;
    if (!(o = json_loadb(r->json, r->len, 0, &je)))
        return ZL_ESTORE;
    json_array_foreach(json_object_get(o, "tasks"), i, t)
    {
        snprintf(name, sizeof name, "%s:%lld", r->key + 5,
                 (long long)json_integer_value(json_object_get(t, "task")));
        if (json_object_set_new(map, name, json_string(jstr(t, "uscc")))) {
            json_decref(o);
            return ZL_ENOMEM;
        }
    }
    json_decref(o);
    return 0;
}

/* task:PLAN:N records, grouped: "PLAN:N" -> [record...] in seq order. */
static int tasks_cb(void *ctx, const struct zl_store_sup_record *r)
{
    json_t *groups = ctx, *a, *o;
    json_error_t je;

    if (!(o = json_loadb(r->json, r->len, 0, &je)))
        return ZL_ESTORE;
    if (!(a = json_object_get(groups, r->key + 5))) {
        a = json_array();
        if (!a || json_object_set_new(groups, r->key + 5, a)) {
            json_decref(o);
            return ZL_ENOMEM;
        }
    }
    return json_array_append_new(a, o) ? ZL_ENOMEM : 0;
}

static int add_event(json_t *per, const char *uscc, const char *kind, int32_t d,
                     const char *ref)
{
    json_t *a = json_object_get(per, uscc);
    char date[11];

    if (!a && (!(a = json_array()) || json_object_set_new(per, uscc, a)))
        return ZL_ENOMEM;
    zl_day_format(d, date);
    return json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "kind", kind,
                                              "date", date, "ref", ref))
               ? ZL_ENOMEM
               : 0;
}

static int day_of(json_t *rec, int32_t *d)
{
    const char *v = jstr(rec, "date");

    return zl_day_parse(v, strlen(v), d);
}

/* The events of one task as of day at. */
static int task_events(const char *name, json_t *recs, const char *uscc,
                       int32_t at, const struct zl_clock_config *cfg,
                       const zl_calendar *cal, json_t *per,
                       struct zl_error *err)
{
    json_t *report = NULL, *retest = NULL, *notify = NULL, *rectify = NULL,
           *publish = NULL, *r;
    int32_t drep = 0, dnot = 0, drect = 0, d;
    size_t i;
    int failed, rc;

    /* the last record of each step wins, as in spotcheck.c's replay */
    json_array_foreach(recs, i, r)
    {
        const char *st = jstr(r, "step");

        if (day_of(r, &d) || d > at)
            continue;
        if (!strcmp(st, "report"))
            report = r, drep = d;
        else if (!strcmp(st, "retest"))
            retest = r;
        else if (!strcmp(st, "notify"))
            notify = r, dnot = d;
        else if (!strcmp(st, "publish"))
            publish = r;
        else if (!strcmp(st, "rectify") && !rectify)
            rectify = r, drect = d; /* the first rectification counts */
    }
    if (!report || !publish)
        return 0;
    failed = !strcmp(jstr(report, "verdict"), "fail") &&
             !(retest && !strcmp(jstr(retest, "outcome"), "overturned"));
    if ((rc = add_event(per, uscc, failed ? "spot-fail" : "spot-pass", drep,
                        name)))
        return rc;
    if (failed && notify) {
        struct zl_clock c;

        if ((rc = zl_clock_compute(cfg, cal, ZL_STEP_RECTIFY, dnot, at, &c,
                                   err)))
            return rc;
        if (c.has_deadline && at > c.deadline &&
            (!rectify || drect > c.deadline))
            rc = add_event(per, uscc, "overdue-rectification", c.deadline + 1,
                           name);
    }
    return rc;
}

/* Score the events of one enterprise (a JSON array) as of at. */
static int score(json_t *evs, int32_t at, const struct zl_credit_config *cfg,
                 enum zl_credit_class *cls, struct zl_error *err)
{
    struct zl_credit_event *ev = NULL;
    struct zl_credit_result res;
    size_t n = json_array_size(evs), i;
    json_t *e;
    int rc = 0;

    *cls = ZL_CREDIT_A;
    if (!n)
        return 0;
    if (!(ev = zl_calloc(n, sizeof *ev)))
        return ZL_ENOMEM;
    json_array_foreach(evs, i, e)
    {
        if (zl_credit_kind_parse(jstr(e, "kind"), &ev[i].kind) ||
            day_of(e, &ev[i].day)) {
            rc = ZL_ESTORE;
            goto out;
        }
        ev[i].ref = jstr(e, "ref");
    }
    if (!(rc = zl_credit_score(cfg, ev, n, at, &res, err)))
        *cls = res.cls;
    zl_credit_result_cleanup(&res);
out:
    zl_free(ev);
    return rc;
}

int sup_credit_apply(zl_store *s, int64_t before, const char *day,
                     struct sup_snapshot *snap, json_t **rec,
                     struct zl_error *err)
{
    struct zl_clock_config cc;
    struct zl_credit_config cr;
    zl_calendar *cal = NULL;
    json_t *map = json_object(), *groups = json_object(), *per = json_object();
    json_t *classes = json_object(), *recs;
    const char *name;
    int32_t at;
    int rc;

    *rec = NULL;
    if (!map || !groups || !per || !classes) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (!day || zl_day_parse(day, strlen(day), &at)) {
        rc = zl_error_set(err, ZL_EINVAL, "period",
                          "computed credit classes need the plan's period "
                          "(its first day is the day scored)",
                          NULL, 0);
        goto out;
    }
    zl_clock_defaults(&cc);
    zl_credit_defaults(&cr);
    if ((rc = zl_calendar_new(&cal, err)))
        goto out;
    /* a year without holiday data counts weekends only: the class must be
     * computable whatever the year, and the draw record states it */
    zl_calendar_set_fallback(cal, 1);
    if ((rc = zl_store_sup_range(s, "draw:", "draw;", before, draws_cb, map)) ||
        (rc =
             zl_store_sup_range(s, "task:", "task;", before, tasks_cb, groups)))
        goto out;
    json_object_foreach(groups, name, recs)
    {
        const char *uscc = json_string_value(json_object_get(map, name));

        if (uscc &&
            (rc = task_events(name, recs, uscc, at, &cc, cal, per, err)))
            goto out;
    }
    for (size_t i = 0; i < snap->n_ent; i++) {
        json_t *evs = json_object_get(per, snap->ent[i].uscc);
        enum zl_credit_class cls;

        if (!evs) {
            snap->ent[i].credit = 'A';
            continue;
        }
        if ((rc = score(evs, at, &cr, &cls, err)))
            goto out;
        snap->ent[i].credit = 'A' + (int)cls;
        if (json_object_set_new(classes, snap->ent[i].uscc,
                                json_pack("{s:s,s:O}", "class",
                                          zl_credit_class_name(cls), "events",
                                          evs))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (!(*rec = json_pack("{s:s,s:s,s:s,s:O}", "source", "computed", "day",
                           day, "default", "A", "classes", classes)))
        rc = ZL_ENOMEM;
out:
    zl_calendar_free(cal);
    json_decref(map);
    json_decref(groups);
    json_decref(per);
    json_decref(classes);
    return rc;
}

int sup_credit_check(const json_t *credit, const char *uscc, int cls)
{
    json_t *c = json_object_get(json_object_get(credit, "classes"), uscc);
    const char *want = c ? jstr(c, "class") : jstr((json_t *)credit, "default");

    return strlen(want) == 1 && want[0] == cls;
}
