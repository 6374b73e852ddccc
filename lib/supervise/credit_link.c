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
 * Rule 2 (a plan's "credit_rule": 2, what every new plan gets; rule 1
 * is the above alone, kept so that draws fixed under it still verify)
 * adds the other evidence the system holds, each logged before the plan:
 *
 *   a penalty record           penalty on its decision date, serious when
 *   (credit_records.c)         the record says so; none when its last
 *                              record before the plan says revoked
 *   an upheld finding on a     complaint on the finding's date (a
 *   consumer complaint         complaint without a finding, or rejected,
 *   (lib/risk + finding:)      counts nothing: 投诉 is not 违法)
 *   a recall case opened       recall on its opening day (China time),
 *   (lib/recall) about the     serious for hazard class I; the enterprises
 *   enterprise                 are those the case recorded when it opened
 *                              (the owners of its GTINs' GS1 Company
 *                              Prefixes then, by USCC); a case opened
 *                              before cases recorded them falls back to
 *                              the owners the party registry names today
 *
 * Steps dated after the scoring day are ignored. The draw record carries
 * the result, {"source": "computed", "day", "default": "A", "rule"?,
 * "classes": {USCC: {"class", "events": [{"kind", "date", "ref",
 * "serious"?}]}}} for the enterprises with events, so a public re-run
 * takes the classes from it and anyone can redo each class by hand from
 * the events listed (docs/credit.md); verify recomputes it from the log.
 *
 * `credit show` (zl_credit_show, and so the portal's /enterprises/USCC)
 * reads one enterprise's records only, through the credit index
 * (credit_index.c): its indexed task steps, penalties and findings, and
 * the recall cases indexed under it; credit_events_one gives the same
 * events in the same order as the scan of everything (a test compares
 * the bytes). A draw still scans everything: it classes every enterprise.
 *
 * Rejected: storing a class per enterprise as it changes (a second state
 * beside the records that could disagree with them). Known limit: a
 * recall case older than schema 18 has no recorded enterprise, so its
 * enterprise is still today's Company Prefix owner.
 */
#include "supervise/sup_int.h"

#include "store/store_log.h"
#include "store/store_recall.h"
#include "store/store_risk.h"
#include "store/store_sup.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/credit.h"

#include <stdio.h>
#include <stdlib.h>
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

static int add_event_s(json_t *per, const char *uscc, const char *kind,
                       int32_t d, const char *ref, int serious)
{
    json_t *a = json_object_get(per, uscc), *e;
    char date[11];

    if (!a && (!(a = json_array()) || json_object_set_new(per, uscc, a)))
        return ZL_ENOMEM;
    zl_day_format(d, date);
    e = json_pack("{s:s,s:s,s:s}", "kind", kind, "date", date, "ref", ref);
    if (e && serious && json_object_set_new(e, "serious", json_true()))
        json_decref(e), e = NULL;
    return json_array_append_new(a, e) ? ZL_ENOMEM : 0;
}

static int add_event(json_t *per, const char *uscc, const char *kind, int32_t d,
                     const char *ref)
{
    return add_event_s(per, uscc, kind, d, ref, 0);
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
        ev[i].serious = json_is_true(json_object_get(e, "serious"));
    }
    if (!(rc = zl_credit_score(cfg, ev, n, at, &res, err)))
        *cls = res.cls;
    zl_credit_result_cleanup(&res);
out:
    zl_free(ev);
    return rc;
}

/* ---- rule 2: penalties, upheld complaints, recalls ----------------------- */

struct lastrec {
    json_t *by_key; /* key -> last record (leaf < before) */
};

static int last_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct lastrec *l = ctx;
    json_error_t je;
    json_t *o = json_loadb(r->json, r->len, 0, &je);

    if (!o)
        return ZL_ESTORE;
    /* rows come by key then seq: the last one set stays */
    return json_object_set_new(l->by_key, r->key, o) ? ZL_ENOMEM : 0;
}

static int penalty_events(zl_store *s, int64_t before, int32_t at, json_t *per)
{
    struct lastrec l = {json_object()};
    const char *k;
    json_t *o;
    int32_t d;
    int rc;

    if (!l.by_key)
        return ZL_ENOMEM;
    rc = zl_store_sup_range(s, "penalty:", "penalty;", before, last_cb, &l);
    json_object_foreach(l.by_key, k, o)
    {
        if (rc)
            break;
        if (json_is_true(json_object_get(o, "revoked")) || day_of(o, &d) ||
            d > at)
            continue;
        rc =
            add_event_s(per, jstr(o, "uscc"), "penalty", d, jstr(o, "decision"),
                        json_is_true(json_object_get(o, "serious")));
    }
    json_decref(l.by_key);
    return rc;
}

struct complaint_ctx {
    int64_t before;
    json_t *ok; /* report id -> true: a complaint logged before the plan */
};

static int complaint_cb(void *ctx, const struct zl_store_risk_report *r)
{
    struct complaint_ctx *c = ctx;

    if ((c->before >= 0 && r->leaf >= c->before) || !r->enterprise[0])
        return 0;
    return json_object_set_new(c->ok, r->id, json_string(r->enterprise))
               ? ZL_ENOMEM
               : 0;
}

static int complaint_events(zl_store *s, int64_t before, int32_t at,
                            json_t *per)
{
    struct lastrec l = {json_object()};
    struct complaint_ctx c = {before, json_object()};
    const char *k;
    json_t *o;
    int32_t d;
    int rc;

    if (!l.by_key || !c.ok) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_store_sup_range(s, "finding:", "finding;", before, last_cb,
                                 &l)))
        goto out;
    if (!json_object_size(l.by_key))
        goto out;
    rc = zl_store_risk_list(s, "complaint", complaint_cb, &c);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    json_object_foreach(l.by_key, k, o)
    {
        const char *u =
            json_string_value(json_object_get(c.ok, jstr(o, "report")));

        if (rc)
            break;
        /* the complaint's own enterprise, not the finding's copy */
        if (!u || strcmp(jstr(o, "outcome"), "upheld") || day_of(o, &d) ||
            d > at)
            continue;
        rc = add_event(per, u, "complaint", d, jstr(o, "report"));
    }
out:
    json_decref(l.by_key);
    json_decref(c.ok);
    return rc;
}

static int case_cb(void *ctx, const struct zl_store_recall_case *r)
{
    json_t *cases = ctx, *o;
    json_error_t je;
    json_t *g = json_loads(r->gtins_json ? r->gtins_json : "[]", 0, &je);

    o = json_pack("{s:s,s:s,s:I,s:o}", "case", r->case_id, "class",
                  r->hazard_class ? r->hazard_class : "", "opened",
                  (json_int_t)r->opened_ms, "gtins", g ? g : json_array());
    return o && !json_array_append_new(cases, o) ? 0 : ZL_ENOMEM;
}

static int uscc_cb(void *ctx, const struct zl_party *p)
{
    snprintf(ctx, 19, "%s", p->uscc ? p->uscc : "");
    return 0;
}

/* The enterprises of case c: those its open record lists (recorded when
 * it opened, lib/recall/case.c), or, for a case opened before cases
 * recorded them, the owners of its GTINs' Company Prefixes as the party
 * registry says today. *list (new) gets a JSON array of USCCs. */
static int case_usccs(zl_store *s, json_t *c, json_t **list)
{
    char *json = NULL, pid[ZL_PARTY_ID_MAX], uscc[19];
    size_t len = 0, j;
    json_error_t je;
    json_t *open = NULL, *g;
    int rc;

    *list = NULL;
    rc = zl_store_recall_record_get(s, jstr(c, "case"), 1, &json, &len);
    if (!rc && (open = json_loadb(json, len, 0, &je)) &&
        json_is_array(json_object_get(open, "enterprises"))) {
        *list = json_incref(json_object_get(open, "enterprises"));
        goto out;
    }
    if (rc && rc != ZL_ENOTFOUND)
        goto out;
    rc = 0;
    if (!(*list = json_array())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(json_object_get(c, "gtins"), j, g)
    {
        uscc[0] = '\0';
        if (zl_party_prefix_owner(s, json_string_value(g), pid, NULL) ||
            zl_party_get(s, pid, uscc_cb, uscc) || !uscc[0])
            continue;
        if (json_array_append_new(*list, json_string(uscc))) {
            rc = ZL_ENOMEM;
            break;
        }
    }
out:
    zl_free(json);
    json_decref(open);
    return rc;
}

/* The recall events of case c (from case_cb) for its enterprises (only:
 * that one enterprise's, NULL: all), logged before leaf before. */
static int case_events(zl_store *s, json_t *c, int64_t before, int32_t at,
                       const char *only, json_t *per)
{
    char key[ZL_RECALL_ID_MAX + 16];
    json_t *seen = NULL, *list = NULL, *u;
    uint64_t idx;
    size_t j;
    int32_t d;
    int rc;

    snprintf(key, sizeof key, "recall:%s:1", jstr(c, "case"));
    rc = zl_store_log_find(s, key, &idx, NULL, NULL);
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc || (before >= 0 && idx >= (uint64_t)before))
        return 0;
    /* opened: UTC milliseconds; the day is China's (UTC+8) */
    d = (int32_t)((json_integer_value(json_object_get(c, "opened")) +
                   8 * 3600 * 1000LL) /
                  86400000);
    if (d > at)
        return 0;
    if ((rc = case_usccs(s, c, &list)))
        return rc;
    if (!(seen = json_object())) {
        json_decref(list);
        return ZL_ENOMEM;
    }
    json_array_foreach(list, j, u)
    {
        const char *v = json_string_value(u);

        if (!v || !v[0] || json_object_get(seen, v) ||
            (only && strcmp(v, only)))
            continue;
        if ((rc = json_object_set_new(seen, v, json_true())
                      ? ZL_ENOMEM
                      : add_event_s(per, v, "recall", d, jstr(c, "case"),
                                    !strcmp(jstr(c, "class"), "I"))))
            break;
    }
    json_decref(seen);
    json_decref(list);
    return rc;
}

static int recall_events(zl_store *s, int64_t before, int32_t at, json_t *per)
{
    json_t *cases = json_array(), *c;
    size_t i;
    int rc;

    if (!cases)
        return ZL_ENOMEM;
    rc = zl_store_recall_case_list(s, NULL, 0, case_cb, cases);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    json_array_foreach(cases, i, c)
    {
        if (rc)
            break;
        rc = case_events(s, c, before, at, NULL, per);
    }
    json_decref(cases);
    return rc;
}

/* Every enterprise's events as of day at from the records logged before
 * leaf before (< 0: all), by rule: per gets USCC -> [event...]. */
static int credit_events(zl_store *s, int64_t before, int32_t at, int rule,
                         json_t *per, struct zl_error *err)
{
    struct zl_clock_config cc;
    zl_calendar *cal = NULL;
    json_t *map = json_object(), *groups = json_object(), *recs;
    const char *name;
    int rc;

    if (!map || !groups) {
        rc = ZL_ENOMEM;
        goto out;
    }
    zl_clock_defaults(&cc);
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
    if (rule >= 2 && ((rc = penalty_events(s, before, at, per)) ||
                      (rc = complaint_events(s, before, at, per)) ||
                      (rc = recall_events(s, before, at, per))))
        goto out;
out:
    zl_calendar_free(cal);
    json_decref(map);
    json_decref(groups);
    return rc;
}

/* ---- one enterprise, through the credit index (credit_index.c) --------- */

/* key -> [record...] of the enterprise's indexed rows, in key, seq order. */
static int own_cb(void *ctx, const struct zl_store_sup_record *r)
{
    json_t *groups = ctx, *a, *o;
    json_error_t je;

    if (!(o = json_loadb(r->json, r->len, 0, &je)))
        return ZL_ESTORE;
    if (!(a = json_object_get(groups, r->key))) {
        a = json_array();
        if (!a || json_object_set_new(groups, r->key, a)) {
            json_decref(a);
            json_decref(o);
            return ZL_ENOMEM;
        }
    }
    return json_array_append_new(a, o) ? ZL_ENOMEM : 0;
}

struct complaint_of {
    const char *uscc;
    int ok;
};

static int complaint_of_cb(void *ctx, const struct zl_store_risk_report *r)
{
    struct complaint_of *c = ctx;

    c->ok = !strcmp(r->kind, "complaint") && r->enterprise &&
            !strcmp(r->enterprise, c->uscc);
    return 0;
}

static int cmp_case(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t p = json_integer_value(json_object_get(x, "opened")),
               q = json_integer_value(json_object_get(y, "opened"));

    /* as zl_store_recall_case_list: newest first, then by case id */
    if (p != q)
        return p > q ? -1 : 1;
    return strcmp(jstr(x, "case"), jstr(y, "case"));
}

/* The events of enterprise uscc as of day at, from its own records (the
 * index) and every record logged so far: the same events, in the same
 * order, as credit_events(s, -1, at, 2, ...) gives it. */
static int credit_events_one(zl_store *s, const char *uscc, int32_t at,
                             json_t *per, struct zl_error *err)
{
    struct zl_clock_config cc;
    zl_calendar *cal = NULL;
    json_t *groups = json_object(), *cases = json_array(), *recs, *o;
    json_t **cv = NULL;
    const char *key;
    char id[32];
    size_t n, i;
    int32_t d;
    int rc, pass;

    if (!groups || !cases) {
        rc = ZL_ENOMEM;
        goto out;
    }
    zl_clock_defaults(&cc);
    if ((rc = zl_calendar_new(&cal, err)))
        goto out;
    zl_calendar_set_fallback(cal, 1);
    if ((rc = zl_store_sup_by_uscc(s, uscc, own_cb, groups)))
        goto out;
    /* tasks, then penalties, then findings: credit_events' order */
    for (pass = 0; pass < 3 && !rc; pass++)
        json_object_foreach(groups, key, recs)
        {
            if (pass == 0 && !strncmp(key, "task:", 5))
                rc = task_events(key + 5, recs, uscc, at, &cc, cal, per, err);
            o = json_array_get(recs, json_array_size(recs) - 1);
            if (pass == 1 && !strncmp(key, "penalty:", 8) &&
                !json_is_true(json_object_get(o, "revoked")) &&
                !day_of(o, &d) && d <= at)
                rc = add_event_s(per, uscc, "penalty", d, jstr(o, "decision"),
                                 json_is_true(json_object_get(o, "serious")));
            if (pass == 2 && !strncmp(key, "finding:", 8) &&
                !strcmp(jstr(o, "outcome"), "upheld") && !day_of(o, &d) &&
                d <= at) {
                struct complaint_of c = {uscc, 0};

                rc = zl_store_risk_get(s, jstr(o, "report"), complaint_of_cb,
                                       &c);
                if (rc == ZL_ENOTFOUND || rc == ZL_EUNSUPPORTED)
                    rc = 0;
                if (!rc && c.ok)
                    rc =
                        add_event(per, uscc, "complaint", d, jstr(o, "report"));
            }
            if (rc)
                break;
        }
    if (rc)
        goto out;
    /* recalls: the cases that recorded this enterprise, and those too old
     * to have recorded any (today's registry decides those) */
    snprintf(id, sizeof id, "uscc:%s", uscc);
    rc = zl_store_recall_cases_with_id(s, id, case_cb, cases);
    if (!rc)
        rc = zl_store_recall_cases_with_id(s, "uscc:", case_cb, cases);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    if (rc || !(n = json_array_size(cases)))
        goto out;
    if (!(cv = zl_calloc(n, sizeof *cv))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++)
        cv[i] = json_array_get(cases, i);
    qsort(cv, n, sizeof *cv, cmp_case);
    for (i = 0; i < n && !rc; i++)
        rc = case_events(s, cv[i], -1, at, uscc, per);
out:
    zl_free(cv);
    zl_calendar_free(cal);
    json_decref(groups);
    json_decref(cases);
    return rc;
}

int sup_credit_apply(zl_store *s, int64_t before, const char *day, int rule,
                     struct sup_snapshot *snap, json_t **rec,
                     struct zl_error *err)
{
    struct zl_credit_config cr;
    json_t *per = json_object(), *classes = json_object();
    int32_t at;
    int rc;

    *rec = NULL;
    if (!per || !classes) {
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
    zl_credit_defaults(&cr);
    if ((rc = credit_events(s, before, at, rule, per, err)))
        goto out;
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
                           day, "default", "A", "classes", classes)) ||
        (rule >= 2 && json_object_set_new(*rec, "rule", json_integer(rule))))
        rc = ZL_ENOMEM;
out:
    json_decref(per);
    json_decref(classes);
    return rc;
}

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

    return (x > y) - (x < y);
}

/* The class over time: at every day the score can change (an event's
 * day and the days its age enters the next weight band) up to at, one
 * entry each time the class or score changes. */
static int history(const struct zl_credit_config *cr,
                   const struct zl_credit_event *ev, size_t n, int32_t at,
                   json_t *out, struct zl_error *err)
{
    struct zl_credit_event *sub = NULL;
    int32_t *days = NULL;
    size_t nd = 0, i, j;
    double last = -1;
    int lastc = -1, rc = 0;

    if (!n)
        return 0;
    if (!(days = zl_calloc(n * 4 + 1, sizeof *days)) ||
        !(sub = zl_calloc(n, sizeof *sub))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        days[nd++] = ev[i].day;
        for (j = 0; j < 3; j++)
            if (ev[i].day + cr->age_days[j] <= at)
                days[nd++] = ev[i].day + cr->age_days[j];
    }
    days[nd++] = at;
    qsort(days, nd, sizeof *days, cmp_day);
    for (i = 0; i < nd && !rc; i++) {
        struct zl_credit_result r = {0};
        size_t m = 0;
        char d[11];

        if (i && days[i] == days[i - 1])
            continue;
        for (j = 0; j < n; j++)
            if (ev[j].day <= days[i])
                sub[m++] = ev[j];
        if ((rc = zl_credit_score(cr, sub, m, days[i], &r, err)))
            break;
        if ((int)r.cls != lastc || r.score != last) {
            zl_day_format(days[i], d);
            if (json_array_append_new(
                    out,
                    json_pack("{s:s,s:s,s:f}", "date", d, "class",
                              zl_credit_class_name(r.cls), "score", r.score)))
                rc = ZL_ENOMEM;
            lastc = (int)r.cls;
            last = r.score;
        }
        zl_credit_result_cleanup(&r);
    }
out:
    zl_free(days);
    zl_free(sub);
    return rc;
}

int zl_credit_show(zl_store *s, const char *uscc, const char *day,
                   struct zl_buf *out, struct zl_error *err)
{
    return sup_credit_show(s, uscc, day, 1, out, err);
}

int sup_credit_show(zl_store *s, const char *uscc, const char *day,
                    int use_index, struct zl_buf *out, struct zl_error *err)
{
    struct zl_credit_config cr;
    struct zl_credit_event *ev = NULL;
    struct zl_credit_result res = {0};
    json_t *per = json_object(), *o = NULL, *lines = json_array(), *evs, *e;
    json_t *hist = json_array();
    int32_t at;
    size_t n, i;
    int rc;

    if (!per || !lines || !hist) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (!uscc) {
        rc = zl_error_set(err, ZL_EINVAL, "uscc", "is required", NULL, 0);
        goto out;
    }
    if ((rc = zl_uscc_validate(uscc, strlen(uscc), err)))
        goto out;
    if (!day || zl_day_parse(day, strlen(day), &at)) {
        rc = zl_error_set(err, ZL_EINVAL, "at", "not a date YYYY-MM-DD", day,
                          day ? (size_t)-1 : 0);
        goto out;
    }
    {
        char *ej = NULL;
        size_t el = 0;

        rc = zl_sup_get(s, ZL_SUP_ENTERPRISE, uscc, &ej, &el);
        zl_free(ej);
        if (rc == ZL_ENOTFOUND)
            rc = zl_error_set(err, ZL_ENOTFOUND, "uscc",
                              "the enterprise is not in the supervision "
                              "registry (zhiliang registry put enterprise)",
                              uscc, (size_t)-1);
        if (rc)
            goto out;
    }
    zl_credit_defaults(&cr);
    if ((rc = use_index ? credit_events_one(s, uscc, at, per, err)
                        : credit_events(s, -1, at, 2, per, err)))
        goto out;
    evs = json_object_get(per, uscc);
    n = json_array_size(evs);
    if (n && !(ev = zl_calloc(n, sizeof *ev))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(evs, i, e)
    {
        if (zl_credit_kind_parse(jstr(e, "kind"), &ev[i].kind) ||
            day_of(e, &ev[i].day)) {
            rc = ZL_ESTORE;
            goto out;
        }
        ev[i].ref = jstr(e, "ref");
        ev[i].serious = json_is_true(json_object_get(e, "serious"));
    }
    if ((rc = zl_credit_score(&cr, ev, n, at, &res, err)) ||
        (rc = history(&cr, ev, n, at, hist, err)))
        goto out;
    for (i = 0; i < res.n_lines; i++) {
        const struct zl_credit_line *l = &res.lines[i];
        json_t *x = json_array_get(evs, l->event);

        if (json_array_append_new(
                lines,
                json_pack("{s:O,s:O,s:O,s:b,s:f,s:f,s:f,s:s}", "kind",
                          json_object_get(x, "kind"), "date",
                          json_object_get(x, "date"), "ref",
                          json_object_get(x, "ref"), "serious",
                          ev[l->event].serious, "points", l->points, "weight",
                          l->weight, "total", l->total, "reason", l->reason))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (!(o = json_pack("{s:s,s:s,s:i,s:f,s:f,s:s,s:s,s:[f,f],s:O,s:O}", "uscc",
                        uscc, "at", day, "rule", 2, "raw", res.raw, "score",
                        res.score, "class", zl_credit_class_name(res.cls),
                        "risk", zl_credit_class_risk(res.cls), "samplingRatio",
                        res.ratio_min, res.ratio_max, "lines", lines, "history",
                        hist))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_jcs_dump(o, out);
out:
    zl_credit_result_cleanup(&res);
    zl_free(ev);
    json_decref(per);
    json_decref(lines);
    json_decref(hist);
    json_decref(o);
    return rc;
}

int sup_credit_check(const json_t *credit, const char *uscc, int cls)
{
    json_t *c = json_object_get(json_object_get(credit, "classes"), uscc);
    const char *want = c ? jstr(c, "class") : jstr((json_t *)credit, "default");

    return strlen(want) == 1 && want[0] == cls;
}
