/*
 * dispose.c - risk cases and their disposal (zhiliang/risk_dispose.h,
 * docs/risk-dispose.md).
 *
 * A case is the records under one id in risk_dispo, seq 1, 2, ...: open,
 * then act / answer / done per action, then close. Each record is checked
 * against the fold of the stored ones inside the write transaction (so two
 * regulators acting at once cannot both take seq n: the second put is
 * ZL_EEXIST and stores nothing), logged as a ZL_LEAF_COMPLAINT leaf
 * "risk-dispo:<case>/<seq>" and stored, all in one transaction.
 *
 * An action's deadline is computed when it is taken, from the configured
 * rule and the working-day calendar, and written into its record with the
 * rule: it is part of the regulator's decision ("answer by"), not a view
 * that should move when the configuration changes later.
 *
 * A recall action opens its recall case through the recall module, which
 * runs its own transaction: every check that can refuse is made first,
 * then the recall case is opened (its reason names this case, the link
 * back), then the act record naming the recall case (the link forth). A
 * store failure between the two leaves a recall case whose reason names a
 * risk case without the action: zl_dispo_for_recall finds the forward link
 * only.
 *
 * Rejected: a status column per case or action (a second truth beside
 * the logged records, as for complaint handling); the targeted spot check
 * as a drawn task (a draw's record is rebuilt by verify from its plan and
 * the beacon: a task added by hand would make it fail; the action links a
 * task instead when one exists).
 */
#include "zhiliang/risk_dispose.h"

#include "party/party_int.h"
#include "risk/field_check.h"
#include "risk/intake_int.h"
#include "store/store.h"
#include "store/store_risk.h"
#include "supervise/sup_int.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/gs1.h"
#include "zhiliang/inspect.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "zhiliang/recall.h"
#include "zhiliang/spotcheck.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX   500
#define LONG_MAX_C 2000
#define CHINA_MS   (8 * 3600 * 1000LL) /* UTC+8: "today" is China's date */

static const char *const KINDS[] = {"warning", "recall", "spotcheck", "notice"};
static const char *const SOURCES[] = {"signal", "report", "assessment",
                                      "task",   "other",  NULL};

const char *zl_dispo_kind_name(enum zl_dispo_kind k)
{
    return (unsigned)k < ZL_DISPO_KINDS ? KINDS[k] : "?";
}

int zl_dispo_kind_parse(const char *s, enum zl_dispo_kind *k)
{
    for (int i = 0; s && i < ZL_DISPO_KINDS; i++)
        if (!strcmp(s, KINDS[i])) {
            *k = (enum zl_dispo_kind)i;
            return 0;
        }
    return ZL_EINVAL;
}

static void rule(struct zl_clock_rule *r, int days, enum zl_clock_unit u,
                 const char *what)
{
    memset(r, 0, sizeof *r);
    r->days = days;
    r->unit = u;
    snprintf(r->source, sizeof r->source,
             "zhiliang default (no national rule found; configuration)");
    snprintf(r->starts_at, sizeof r->starts_at, "%s", what);
}

void zl_dispo_deadlines_default(struct zl_dispo_deadlines *d)
{
    rule(&d->rule[ZL_DISPO_WARNING], 30, ZL_CLOCK_DAYS,
         "the day the warning is published (review or withdraw it)");
    rule(&d->rule[ZL_DISPO_RECALL], 90, ZL_CLOCK_DAYS,
         "the day the recall case is opened");
    rule(&d->rule[ZL_DISPO_SPOTCHECK], 20, ZL_CLOCK_WORKING_DAYS,
         "the day the targeted check is ordered");
    rule(&d->rule[ZL_DISPO_NOTICE], 10, ZL_CLOCK_WORKING_DAYS,
         "the day the notice is sent (the enterprise answers)");
}

int zl_dispo_deadlines_parse(const char *json, size_t len,
                             struct zl_dispo_deadlines *d, struct zl_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je), *v;
    const char *k;
    int rc = 0;

    if (!json_is_object(o)) {
        json_decref(o);
        return zl_error_set(err, ZL_EINVAL, "deadlines",
                            "must be a JSON object of kinds", je.text,
                            (size_t)-1);
    }
    json_object_foreach(o, k, v)
    {
        enum zl_dispo_kind kind;
        json_t *days = json_object_get(v, "days");
        const char *unit = json_string_value(json_object_get(v, "unit"));
        const char *src = json_string_value(json_object_get(v, "source"));
        struct zl_clock_rule *r;

        if (zl_dispo_kind_parse(k, &kind)) {
            rc = zl_error_set(err, ZL_EINVAL, k,
                              "is not a kind (warning, recall, spotcheck, "
                              "notice)",
                              k, (size_t)-1);
            break;
        }
        r = &d->rule[kind];
        if (!json_is_integer(days) || json_integer_value(days) < 1 ||
            json_integer_value(days) > 3650) {
            rc = zl_error_set(err, ZL_EINVAL, k,
                              "days must be a whole number 1-3650", NULL, 0);
            break;
        }
        r->days = (int)json_integer_value(days);
        if (unit && !strcmp(unit, "working-days"))
            r->unit = ZL_CLOCK_WORKING_DAYS;
        else if (unit &&
                 (!strcmp(unit, "calendar-days") || !strcmp(unit, "days")))
            r->unit = ZL_CLOCK_DAYS;
        else if (unit) {
            rc = zl_error_set(err, ZL_EINVAL, k,
                              "unit must be working-days or calendar-days",
                              unit, (size_t)-1);
            break;
        }
        if (src)
            snprintf(r->source, sizeof r->source, "%s", src);
    }
    json_decref(o);
    return rc;
}

/* ---- small helpers -------------------------------------------------------
 */

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int setn(json_t *o, const char *k, json_t *v)
{
    return v && !json_object_set_new(o, k, v) ? 0 : ZL_ENOMEM;
}

static int32_t china_day(int64_t ms)
{
    return (int32_t)((ms + CHINA_MS) / 86400000);
}

static int ai_of(const struct zl_gs1_id *id, const char *ai, const char **val)
{
    for (size_t i = 0; i < id->n_ais; i++)
        if (!strcmp(id->ais[i].ai, ai)) {
            *val = id->ais[i].value;
            return 1;
        }
    return 0;
}

/* ---- loading a case ------------------------------------------------------
 */

struct recs {
    json_t *by_case; /* case id -> [record...] */
};

static int recs_cb(void *ctx, const struct zl_store_risk_step *st)
{
    struct recs *r = ctx;
    json_t *a = json_object_get(r->by_case, st->report_id);
    json_t *o = json_loadb(st->json, st->len, 0, NULL);

    if (!o)
        o = json_object(); /* an unreadable row: verify names it */
    if (!o)
        return ZL_ENOMEM;
    json_object_set_new(o, "_at_ms", json_integer(st->at_ms));
    if (!a) {
        a = json_array();
        if (!a || json_object_set_new(r->by_case, st->report_id, a)) {
            json_decref(o);
            return ZL_ENOMEM;
        }
    }
    return json_array_append_new(a, o) ? ZL_ENOMEM : 0;
}

static int load(zl_store *s, const char *id, json_t **by_case)
{
    struct recs r = {json_object()};
    int rc;

    *by_case = NULL;
    if (!r.by_case)
        return ZL_ENOMEM;
    rc = zl_store_risk_dispo_list(s, id, recs_cb, &r);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    if (rc) {
        json_decref(r.by_case);
        return rc;
    }
    *by_case = r.by_case;
    return 0;
}

static json_t *action_of(json_t *c, json_int_t n)
{
    size_t i;
    json_t *a;

    json_array_foreach(json_object_get(c, "actions"), i, a)
    {
        if (json_integer_value(json_object_get(a, "n")) == n)
            return a;
    }
    return NULL;
}

static void copy_str(json_t *to, const char *tk, json_t *from, const char *fk)
{
    json_t *v = json_object_get(from, fk);

    if (json_is_string(v) && *json_string_value(v))
        json_object_set(to, tk, v);
}

/* The fold of records recs into a case object (new), judged at today. */
static json_t *fold(const char *id, json_t *recs, const char *today)
{
    json_t *c = json_object(), *acts = json_array(), *r;
    size_t i;
    int overdue = 0;

    if (!c || !acts) {
        json_decref(c);
        json_decref(acts);
        return NULL;
    }
    json_object_set_new(c, "case", json_string(id));
    json_object_set_new(c, "state", json_string("open"));
    json_object_set_new(c, "actions", acts);
    json_array_foreach(recs, i, r)
    {
        const char *a = jstr(r, "action");
        char day[11] = "";

        snprintf(day, sizeof day, "%s", jstr(r, "at"));
        if (!strcmp(a, "open")) {
            json_object_set_new(c, "opened", json_string(day));
            json_object_set(c, "openedBy", json_object_get(r, "actor"));
            static const char *const F[][2] = {{"source", "source"},
                                               {"ref", "ref"},
                                               {"enterprise", "enterprise"},
                                               {"gtin", "gtin"},
                                               {"lot", "lot"},
                                               {"batch", "batch"},
                                               {"region", "region"},
                                               {"hazard", "hazard"},
                                               {"hazardEn", "hazard_en"}};
            for (size_t k = 0; k < sizeof F / sizeof F[0]; k++)
                copy_str(c, F[k][0], r, F[k][1]);
        } else if (!strcmp(a, "act")) {
            json_t *x = json_object();
            static const char *const F[][2] = {
                {"kind", "kind"},     {"deadline", "deadline"},
                {"recall", "recall"}, {"task", "task"},
                {"title", "title"},   {"titleEn", "title_en"},
                {"text", "text"},     {"textEn", "text_en"}};

            if (!x)
                break;
            json_object_set_new(
                x, "n",
                json_integer(json_integer_value(json_object_get(r, "seq"))));
            json_object_set_new(x, "state", json_string("open"));
            json_object_set_new(x, "taken", json_string(day));
            json_object_set(x, "by", json_object_get(r, "actor"));
            for (size_t k = 0; k < sizeof F / sizeof F[0]; k++)
                copy_str(x, F[k][0], r, F[k][1]);
            json_object_set(
                x, "source",
                json_object_get(json_object_get(r, "rule"), "source"));
            if (json_object_get(r, "hazard_class"))
                json_object_set(x, "hazardClass",
                                json_object_get(r, "hazard_class"));
            json_array_append_new(acts, x);
        } else if (!strcmp(a, "answer") || !strcmp(a, "done")) {
            json_t *x =
                action_of(c, json_integer_value(json_object_get(r, "of")));

            if (!x)
                continue;
            if (!strcmp(a, "answer")) {
                copy_str(x, "answer", r, "answer");
                json_object_set_new(x, "answered", json_string(day));
                json_object_set(x, "answeredBy", json_object_get(r, "actor"));
            } else {
                json_object_set_new(x, "state", json_string("done"));
                json_object_set_new(x, "done", json_string(day));
                copy_str(x, "result", r, "result");
                copy_str(x, "note", r, "note");
            }
        } else if (!strcmp(a, "close")) {
            json_object_set_new(c, "state", json_string("closed"));
            json_object_set_new(c, "closed", json_string(day));
            copy_str(c, "outcome", r, "outcome");
            copy_str(c, "outcomeEn", r, "outcome_en");
        }
    }
    json_array_foreach(acts, i, r)
    {
        int late = !strcmp(jstr(r, "state"), "open") && *jstr(r, "deadline") &&
                   strcmp(today, jstr(r, "deadline")) > 0;

        json_object_set_new(r, "overdue", json_boolean(late));
        overdue |= late;
    }
    json_object_set_new(c, "overdue", json_boolean(overdue));
    json_object_set_new(c, "records",
                        json_integer((json_int_t)json_array_size(recs)));
    return c;
}

/* The public form of a case: what a closed case publishes. */
static json_t *public_of(json_t *c)
{
    static const char *const CF[] = {
        "case",       "state",    "opened",  "closed",    "source",
        "enterprise", "gtin",     "lot",     "batch",     "region",
        "hazard",     "hazardEn", "outcome", "outcomeEn", NULL};
    static const char *const AF[] = {
        "n",      "kind",  "state",   "taken", "deadline", "done", "recall",
        "result", "title", "titleEn", "text",  "textEn",   NULL};
    json_t *o = json_object(), *acts = json_array(), *a;
    size_t i;

    if (!o || !acts) {
        json_decref(o);
        json_decref(acts);
        return NULL;
    }
    for (int k = 0; CF[k]; k++)
        if (json_object_get(c, CF[k]))
            json_object_set(o, CF[k], json_object_get(c, CF[k]));
    json_array_foreach(json_object_get(c, "actions"), i, a)
    {
        json_t *x = json_object();
        /* texts only of a warning: it was public already; a notice or
         * an order is the regulator's word to the enterprise */
        int texts = !strcmp(jstr(a, "kind"), "warning");

        if (!x)
            break;
        for (int k = 0; AF[k]; k++)
            if (json_object_get(a, AF[k]) &&
                (texts || (strcmp(AF[k], "text") && strcmp(AF[k], "textEn") &&
                           strcmp(AF[k], "title") && strcmp(AF[k], "titleEn"))))
                json_object_set(x, AF[k], json_object_get(a, AF[k]));
        json_array_append_new(acts, x);
    }
    json_object_set_new(o, "actions", acts);
    return o;
}

static void today_of(int64_t now_ms, char out[11])
{
    zl_day_format(china_day(now_ms ? now_ms : zl_time_now_ms()), out);
}

/* The case id's folded state (new) or NULL with *rc. */
static json_t *case_get(zl_store *s, const char *id, int64_t now_ms, int *rc)
{
    json_t *all = NULL, *recs, *c = NULL;
    char today[11];

    today_of(now_ms, today);
    if ((*rc = load(s, id, &all)))
        return NULL;
    recs = json_object_get(all, id);
    if (!json_array_size(recs))
        *rc = ZL_ENOTFOUND;
    else if (!(c = fold(id, recs, today)))
        *rc = ZL_ENOMEM;
    json_decref(all);
    return c;
}

/* ---- writing -------------------------------------------------------------
 */

/* Who acts: kind and region (authz), and its USCC. */
struct actor {
    int local; /* the store operator */
    enum zl_party_kind kind;
    char id[ZL_PARTY_ID_MAX];
    char region[ZL_REGION_MAX];
    char uscc[19];
};

static int uscc_cb(void *ctx, const struct zl_party *p)
{
    struct actor *a = ctx;

    snprintf(a->uscc, sizeof a->uscc, "%s", p->uscc ? p->uscc : "");
    return 0;
}

static int actor_get(zl_store *s, const char *who, struct actor *a,
                     struct zl_error *err)
{
    struct zl_authz_party p;
    int rc;

    memset(a, 0, sizeof *a);
    if (!who) {
        a->local = 1;
        a->kind = ZL_PARTY_OPERATOR;
        snprintf(a->id, sizeof a->id, "store operator");
        return 0;
    }
    if ((rc = zl_authz_party(s, who, &p, err)))
        return rc;
    a->kind = p.kind;
    memcpy(a->id, p.id, sizeof a->id);
    memcpy(a->region, p.region, sizeof a->region);
    zl_party_get(s, who, uscc_cb, a);
    return 0;
}

/* A regulator of the case's region, an operator, the store operator. */
static int may_write(const struct actor *a, const char *region,
                     struct zl_error *err)
{
    if (a->local || a->kind == ZL_PARTY_OPERATOR)
        return 0;
    if (a->kind == ZL_PARTY_REGULATOR &&
        (!*a->region ||
         (region && *region && zl_region_covers(a->region, region))))
        return 0;
    return zl_error_set(
        err, ZL_EPERM, "actor",
        a->kind == ZL_PARTY_REGULATOR
            ? "is a regulator outside the case's region (a regulator of the "
              "region or an operator writes a risk case)"
            : "may not write a risk case: a regulator of the region or an "
              "operator does; an enterprise only answers a notice",
        a->id, (size_t)-1);
}

static int make_id(int64_t now_ms, char id[ZL_DISPO_ID_MAX])
{
    uint8_t r[6];
    char d[11];
    int rc = rk_random(r, sizeof r);

    if (rc)
        return rc;
    zl_day_format(china_day(now_ms), d);
    snprintf(id, ZL_DISPO_ID_MAX, "K-%.4s%.2s%.2s-%02x%02x%02x%02x%02x%02x", d,
             d + 5, d + 8, r[0], r[1], r[2], r[3], r[4], r[5]);
    return 0;
}

/* Log rec (completed here: type, v, case, seq, action, actor, at) and
 * store it, in the caller's transaction. */
static int append(zl_store *s, const char *id, long seq, const char *action,
                  const char *actor, int64_t now, json_t *rec)
{
    struct zl_store_risk_step row;
    struct zl_buf b;
    char key[ZL_DISPO_ID_MAX + 40], when[32];
    uint64_t idx = 0;
    int rc;

    zl_time_format_utc(now, when);
    if (setn(rec, "type", json_string("risk-dispo")) ||
        setn(rec, "v", json_integer(1)) || setn(rec, "case", json_string(id)) ||
        setn(rec, "seq", json_integer(seq)) ||
        setn(rec, "action", json_string(action)) ||
        setn(rec, "actor", json_string(actor)) ||
        setn(rec, "at", json_string(when)))
        return ZL_ENOMEM;
    zl_buf_init(&b, (size_t)64 << 10);
    if ((rc = zl_jcs_dump(rec, &b)))
        goto out;
    snprintf(key, sizeof key, "risk-dispo:%s/%ld", id, seq);
    if ((rc = zl_log_append(s, ZL_LEAF_COMPLAINT, key, b.data, b.len, &idx)))
        goto out;
    row.report_id = id;
    row.seq = seq;
    row.at_ms = now;
    row.leaf = (int64_t)idx;
    row.action = action;
    row.actor = actor;
    row.json = (const char *)b.data;
    row.len = b.len;
    if (!(rc = zl_store_risk_dispo_put(s, &row)))
        rc = zl_store_outbox_append(s, "risk-dispo", key, now);
out:
    zl_buf_cleanup(&b);
    return rc;
}

/* ---- opening -------------------------------------------------------------
 */

struct rep {
    char enterprise[19], gtin[15], lot[80], region[8];
    int found;
};

static int rep_cb(void *ctx, const struct zl_store_risk_report *r)
{
    struct rep *x = ctx;
    const char *slash = strchr(r->lot, '/');

    snprintf(x->enterprise, sizeof x->enterprise, "%s", r->enterprise);
    snprintf(x->gtin, sizeof x->gtin, "%s", r->gtin);
    /* a report keeps its lot as its counting key "GTIN/BATCH": the case
     * takes it as the element string (01)GTIN(10)BATCH */
    if (slash)
        snprintf(x->lot, sizeof x->lot, "(01)%.*s(10)%s", (int)(slash - r->lot),
                 r->lot, slash + 1);
    else
        snprintf(x->lot, sizeof x->lot, "%s", r->lot);
    snprintf(x->region, sizeof x->region, "%s", r->region);
    x->found = 1;
    return 0;
}

/* The subject of a failed task: its enterprise, region and sampled lot. */
static int from_task(zl_store *s, const char *task, struct rep *x,
                     struct rk_check *ck)
{
    struct zl_buf b;
    struct zl_error e = {0};
    json_t *o, *st;
    size_t i;
    int rc;

    zl_buf_init(&b, (size_t)4 << 20);
    rc = zl_spot_task(s, task, NULL, NULL, china_day(zl_time_now_ms()), &b, &e);
    if (rc) {
        rk_bad(ck, "ref", task,
               rc == ZL_ENOTFOUND ? "is not a drawn spot-check task (PLAN:N)"
                                  : "is not a spot-check task (PLAN:N)");
        zl_buf_cleanup(&b);
        return 0;
    }
    o = json_loadb((const char *)b.data, b.len, 0, NULL);
    zl_buf_cleanup(&b);
    if (!o)
        return ZL_ENOMEM;
    if (strcmp(jstr(o, "verdict"), "fail"))
        rk_bad(ck, "ref", task,
               "has no failed result: a risk case is opened from a failed "
               "task");
    snprintf(x->enterprise, sizeof x->enterprise, "%s", jstr(o, "uscc"));
    snprintf(x->region, sizeof x->region, "%s", jstr(o, "region"));
    json_array_foreach(json_object_get(o, "steps"), i, st)
    {
        if (!strcmp(jstr(st, "step"), "sample") ||
            (*jstr(st, "lot") && !x->lot[0]))
            snprintf(x->lot, sizeof x->lot, "%s", jstr(st, "lot"));
    }
    x->found = 1;
    json_decref(o);
    return 0;
}

/* The enterprise's region from the supervision registry, if listed. */
static void ent_region(zl_store *s, const char *uscc, char region[8])
{
    char *txt = NULL;
    size_t len = 0;
    json_t *o;

    if (!*uscc || zl_sup_get(s, ZL_SUP_ENTERPRISE, uscc, &txt, &len))
        return;
    if ((o = json_loadb(txt, len, 0, NULL)))
        snprintf(region, 8, "%s", jstr(o, "region"));
    json_decref(o);
    zl_free(txt);
}

static const char *pick(const char *given, const char *dflt)
{
    return given && *given ? given : dflt;
}

int zl_dispo_open(zl_store *s, const struct zl_dispo_open_in *in,
                  char id[ZL_DISPO_ID_MAX], zl_risk_error_cb cb, void *ctx,
                  struct zl_error *err)
{
    struct rk_check ck = {cb, ctx, err, 0, 0};
    struct actor a;
    struct rep x = {0};
    json_t *rec = NULL;
    const char *ent, *gtin, *lot, *region;
    char batch_gtin[15] = "", batch[21] = "";
    int64_t now = in->now_ms ? in->now_ms : zl_time_now_ms();
    int rc, own = 0, src_ok = 0;

    id[0] = '\0';
    if ((rc = actor_get(s, in->actor, &a, err)))
        return rc;
    for (int i = 0; SOURCES[i]; i++)
        src_ok |= in->source && !strcmp(in->source, SOURCES[i]);
    if (!src_ok)
        rk_bad(&ck, "source", in->source,
               "must be signal, report, assessment, task or other");
    else if (!strcmp(in->source, "report")) {
        if (rk_text_ok(&ck, "ref", in->ref, 40, 1) > 0) {
            rc = zl_store_risk_get(s, in->ref, rep_cb, &x);
            if (rc && rc != ZL_ENOTFOUND)
                return rc;
            if (!x.found)
                rk_bad(&ck, "ref", in->ref, "is not a stored risk report");
        }
    } else if (!strcmp(in->source, "task")) {
        if (rk_text_ok(&ck, "ref", in->ref, 80, 1) > 0 &&
            (rc = from_task(s, in->ref, &x, &ck)))
            return rc;
    } else {
        rk_text_ok(&ck, "ref", in->ref, TEXT_MAX, 0);
    }
    ent = pick(in->enterprise, x.enterprise);
    gtin = pick(in->gtin, x.gtin);
    lot = pick(in->lot, x.lot);
    if (*ent && zl_uscc_validate(ent, strlen(ent), NULL))
        rk_bad(&ck, "enterprise", ent,
               "must be a unified social credit code (GB 32100) with its check "
               "character");
    if (*gtin) {
        struct zl_gs1_id g;
        const char *v;

        if (zl_gs1_parse(gtin, strlen(gtin), &g, NULL) || !ai_of(&g, "01", &v))
            rk_bad(&ck, "gtin", gtin,
                   "must be a GTIN with its check digit (8, 12, 13 or 14 "
                   "digits) or a GS1 code of one");
        else
            snprintf(batch_gtin, sizeof batch_gtin, "%s", v);
    }
    if (*lot) {
        struct zl_gs1_id g;
        const char *v, *b;

        if (zl_gs1_parse(lot, strlen(lot), &g, NULL) || !ai_of(&g, "01", &v) ||
            !ai_of(&g, "10", &b))
            rk_bad(
                &ck, "lot", lot,
                "must be a GS1 code of a batch: (01)GTIN(10)BATCH, a Digital "
                "Link or urn:epc:class:lgtin:...");
        else if (batch_gtin[0] && strcmp(batch_gtin, v))
            rk_bad(&ck, "lot", lot, "is a batch of another GTIN than gtin");
        else {
            snprintf(batch_gtin, sizeof batch_gtin, "%s", v);
            snprintf(batch, sizeof batch, "%s", b);
        }
    }
    if (!*ent && !batch_gtin[0])
        rk_bad(&ck, "enterprise", "",
               "a case needs a subject: an enterprise (USCC), a product (GTIN) "
               "or a lot");
    rk_text_ok(&ck, "hazard", in->hazard, TEXT_MAX, 1);
    rk_text_ok(&ck, "hazard_en", in->hazard_en, TEXT_MAX, 0);
    region = pick(in->region, x.region);
    if (!*region)
        ent_region(s, ent, x.region), region = x.region;
    if (*region &&
        (strlen(region) > 6 || strspn(region, "0123456789") != strlen(region)))
        rk_bad(&ck, "region", region, "must be a GB/T 2260 code (2-6 digits)");
    if (ck.n)
        return ZL_EINVAL;
    if ((rc = may_write(&a, region, err)))
        return rc;
    if (!(rec = json_object()))
        return ZL_ENOMEM;
    if (setn(rec, "source", json_string(in->source)) ||
        (in->ref && *in->ref && setn(rec, "ref", json_string(in->ref))) ||
        (*ent && setn(rec, "enterprise", json_string(ent))) ||
        (batch_gtin[0] && setn(rec, "gtin", json_string(batch_gtin))) ||
        (*lot && setn(rec, "lot", json_string(lot))) ||
        (batch[0] && setn(rec, "batch", json_string(batch))) ||
        (*region && setn(rec, "region", json_string(region))) ||
        setn(rec, "hazard", json_string(in->hazard)) ||
        (in->hazard_en && *in->hazard_en &&
         setn(rec, "hazard_en", json_string(in->hazard_en)))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = make_id(now, id)))
        goto out;
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    rc = append(s, id, 1, "open", a.id, now, rec);
    rc = zl_registry_tx_end(s, own, rc);
out:
    if (rc)
        id[0] = '\0';
    json_decref(rec);
    return rc;
}

/* ---- actions -------------------------------------------------------------
 */

static int32_t deadline_of(const struct zl_clock_rule *r,
                           const zl_calendar *cal, int32_t start)
{
    struct zl_clock_config cfg;
    struct zl_clock clk;
    struct zl_error e = {0};

    zl_clock_defaults(&cfg);
    cfg.rule[ZL_STEP_PUBLISH] = *r;
    cfg.rule[ZL_STEP_PUBLISH].not_before = 0;
    if (zl_clock_compute(&cfg, cal, ZL_STEP_PUBLISH, start, start, &clk, &e) ||
        !clk.has_deadline)
        return -1;
    return clk.deadline;
}

/* The case and the next seq, checked open and writable by a, in a
 * transaction the caller began. */
static int case_for_write(zl_store *s, const char *id, int64_t now,
                          const struct actor *a, int need_write, json_t **c,
                          long *seq, struct rk_check *ck, struct zl_error *err)
{
    int rc = 0;

    *c = case_get(s, id, now, &rc);
    if (rc == ZL_ENOTFOUND)
        return zl_error_set(err, rc, "case", "is not a stored risk case", id,
                            (size_t)-1);
    if (rc)
        return rc;
    *seq = (long)json_integer_value(json_object_get(*c, "records")) + 1;
    if (need_write && (rc = may_write(a, jstr(*c, "region"), err)))
        return rc;
    if (!strcmp(jstr(*c, "state"), "closed"))
        rk_bad(ck, "case", id, "is closed: nothing more is recorded on it");
    return 0;
}

int zl_dispo_act(zl_store *s, const char *case_id,
                 const struct zl_dispo_act_in *in, int *n, zl_risk_error_cb cb,
                 void *ctx, struct zl_error *err)
{
    struct rk_check ck = {cb, ctx, err, 0, 0};
    struct zl_dispo_deadlines dflt;
    const struct zl_dispo_deadlines *rules = in->rules;
    zl_calendar *own_cal = NULL;
    const zl_calendar *cal = in->cal;
    struct actor a;
    json_t *c = NULL, *rec = NULL;
    char recall_id[ZL_RECALL_ID_MAX] = "", dl[11], reason[1200], en[1200];
    int64_t now = in->now_ms ? in->now_ms : zl_time_now_ms();
    int32_t today = china_day(now), due = -1;
    long seq = 0;
    int rc, own = 0;

    if (n)
        *n = 0;
    if ((unsigned)in->kind >= ZL_DISPO_KINDS)
        return zl_error_set(err, ZL_EINVAL, "kind",
                            "must be warning, recall, spotcheck or notice",
                            NULL, 0);
    if ((rc = actor_get(s, in->actor, &a, err)))
        return rc;
    if (!rules) {
        zl_dispo_deadlines_default(&dflt);
        rules = &dflt;
    }
    if (!cal) {
        if ((rc = zl_calendar_new(&own_cal, err)))
            return rc;
        zl_calendar_set_fallback(own_cal, 1);
        cal = own_cal;
    }
    if ((rc = case_for_write(s, case_id, now, &a, 1, &c, &seq, &ck, err)))
        goto out;
    if (json_array_size(json_object_get(c, "actions")) >= ZL_DISPO_ACTION_MAX)
        rk_bad(&ck, "kind", KINDS[in->kind],
               "the case has the most actions (32)");
    rec = json_object();
    if (!rec) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (in->kind == ZL_DISPO_WARNING) {
        if (rk_text_ok(&ck, "title", in->title, 100, 1) > 0)
            setn(rec, "title", json_string(in->title));
        if (rk_text_ok(&ck, "title_en", in->title_en, 200, 1) > 0)
            setn(rec, "title_en", json_string(in->title_en));
        if (rk_text_ok(&ck, "text", in->text, LONG_MAX_C, 1) > 0)
            setn(rec, "text", json_string(in->text));
        if (rk_text_ok(&ck, "text_en", in->text_en, LONG_MAX_C, 1) > 0)
            setn(rec, "text_en", json_string(in->text_en));
        if (!*jstr(c, "gtin") && !*jstr(c, "lot"))
            rk_bad(&ck, "kind", "warning",
                   "a consumer warning needs a product or lot on the case");
    } else if (in->kind == ZL_DISPO_NOTICE) {
        if (rk_text_ok(&ck, "text", in->text, LONG_MAX_C, 1) > 0)
            setn(rec, "text", json_string(in->text));
        if (!*jstr(c, "enterprise"))
            rk_bad(&ck, "kind", "notice",
                   "the case names no enterprise to notify");
    } else {
        if (rk_text_ok(&ck, "text", in->text, LONG_MAX_C, 0) > 0)
            setn(rec, "text", json_string(in->text));
    }
    if (in->kind == ZL_DISPO_RECALL) {
        if (in->hazard_class < 1 || in->hazard_class > 3)
            rk_bad(&ck, "hazard_class", "", "must be 1, 2 or 3 (I, II, III)");
        if (!*jstr(c, "lot"))
            rk_bad(&ck, "kind", "recall",
                   "the case names no lot: the recall's scope is computed from "
                   "the lot");
        if (zl_store_in_tx(s))
            rk_bad(&ck, "kind", "recall",
                   "open a recall outside a transaction (the recall module "
                   "runs its own)");
    } else if (in->hazard_class)
        rk_bad(&ck, "hazard_class", "", "belongs to recall only");
    if (in->kind == ZL_DISPO_SPOTCHECK) {
        if (!*jstr(c, "enterprise"))
            rk_bad(&ck, "kind", "spotcheck",
                   "the case names no enterprise to check");
        if (in->task && *in->task) {
            struct zl_buf b;
            struct zl_error e = {0};

            zl_buf_init(&b, (size_t)4 << 20);
            if (zl_spot_task(s, in->task, NULL, cal, today, &b, &e))
                rk_bad(&ck, "task", in->task,
                       "is not a drawn spot-check task (PLAN:N)");
            else {
                json_t *t = json_loadb((const char *)b.data, b.len, 0, NULL);

                if (strcmp(jstr(t, "uscc"), jstr(c, "enterprise")))
                    rk_bad(&ck, "task", in->task,
                           "checks another enterprise than the case's");
                else
                    setn(rec, "task", json_string(in->task));
                json_decref(t);
            }
            zl_buf_cleanup(&b);
        }
    } else if (in->task && *in->task)
        rk_bad(&ck, "task", in->task, "belongs to spotcheck only");
    if (in->due && *in->due) {
        if (zl_day_parse(in->due, strlen(in->due), &due))
            rk_bad(&ck, "due", in->due, "must be a date YYYY-MM-DD");
        else if (due < today)
            rk_bad(&ck, "due", in->due, "is before today (China's date)");
    } else if ((due = deadline_of(&rules->rule[in->kind], cal, today)) < 0)
        rk_bad(&ck, "due", "",
               "the configured deadline cannot be counted (calendar)");
    if (ck.n) {
        rc = ZL_EINVAL;
        goto out;
    }
    if (in->kind == ZL_DISPO_RECALL) {
        struct zl_recall_texts t = {0};
        const char *lot = jstr(c, "lot");

        snprintf(reason, sizeof reason, "%s（风险处置案件 %s）",
                 jstr(c, "hazard"), case_id);
        t.reason = reason;
        if (*jstr(c, "hazardEn")) {
            snprintf(en, sizeof en, "%s (risk case %s)", jstr(c, "hazardEn"),
                     case_id);
            t.reason_en = en;
        }
        if ((rc = zl_recall_open_texts(s, &lot, 1, &t,
                                       (enum zl_hazard_class)in->hazard_class,
                                       recall_id, err)))
            goto out;
        setn(rec, "recall", json_string(recall_id));
        setn(rec, "hazard_class", json_integer(in->hazard_class));
    }
    zl_day_format(due, dl);
    {
        json_t *r = json_object();
        const struct zl_clock_rule *ru = &rules->rule[in->kind];

        if (!r || setn(rec, "rule", r) ||
            setn(r, "days",
                 json_integer(in->due && *in->due ? -1 : ru->days)) ||
            setn(r, "unit", json_string(zl_clock_unit_name(ru->unit))) ||
            setn(r, "source",
                 json_string(in->due && *in->due ? "set by the regulator"
                                                 : ru->source))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (setn(rec, "kind", json_string(KINDS[in->kind])) ||
        setn(rec, "deadline", json_string(dl))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    /* seq again inside the transaction: another writer may have added */
    json_decref(c);
    c = case_get(s, case_id, now, &rc);
    if (!rc)
        seq = (long)json_integer_value(json_object_get(c, "records")) + 1;
    if (!rc)
        rc = append(s, case_id, seq, "act", a.id, now, rec);
    rc = zl_registry_tx_end(s, own, rc);
    if (!rc && n)
        *n = (int)seq;
out:
    json_decref(rec);
    json_decref(c);
    zl_calendar_free(own_cal);
    return rc;
}

/* An action's record for answer / done: common checks. */
static json_t *act_checked(json_t *c, int n, struct rk_check *ck)
{
    json_t *x = action_of(c, n);
    char v[16];

    snprintf(v, sizeof v, "%d", n);
    if (!x) {
        rk_bad(ck, "action", v, "is not an action of the case (its number)");
        return NULL;
    }
    if (!strcmp(jstr(x, "state"), "done")) {
        rk_bad(ck, "action", v, "is done already");
        return NULL;
    }
    return x;
}

int zl_dispo_answer(zl_store *s, const char *case_id, int n, const char *actor,
                    const char *text, int64_t now_ms, zl_risk_error_cb cb,
                    void *ctx, struct zl_error *err)
{
    struct rk_check ck = {cb, ctx, err, 0, 0};
    struct actor a;
    json_t *c = NULL, *rec = NULL, *x;
    int64_t now = now_ms ? now_ms : zl_time_now_ms();
    long seq = 0;
    int rc, own = 0;

    if ((rc = actor_get(s, actor, &a, err)))
        return rc;
    if ((rc = zl_registry_tx_begin(s, &own)))
        return rc;
    if ((rc = case_for_write(s, case_id, now, &a, 0, &c, &seq, &ck, err)))
        goto end;
    if (!(a.kind == ZL_PARTY_ENTERPRISE && a.uscc[0] &&
          !strcmp(a.uscc, jstr(c, "enterprise"))) &&
        may_write(&a, jstr(c, "region"), NULL)) {
        rc = zl_error_set(err, ZL_EPERM, "actor",
                          "may not answer: only the enterprise the notice is "
                          "addressed to (its USCC), or a regulator of the "
                          "region for it",
                          a.id, (size_t)-1);
        goto end;
    }
    if ((x = act_checked(c, n, &ck))) {
        char v[16];

        snprintf(v, sizeof v, "%d", n);
        if (strcmp(jstr(x, "kind"), "notice"))
            rk_bad(&ck, "action", v,
                   "is not a notice: only a notice is answered");
        else if (json_object_get(x, "answer"))
            rk_bad(&ck, "action", v, "is answered already");
    }
    rk_text_ok(&ck, "answer", text, LONG_MAX_C, 1);
    if (ck.n) {
        rc = ZL_EINVAL;
        goto end;
    }
    if (!(rec = json_object()) || setn(rec, "of", json_integer(n)) ||
        setn(rec, "answer", json_string(text))) {
        rc = ZL_ENOMEM;
        goto end;
    }
    rc = append(s, case_id, seq, "answer", a.id, now, rec);
end:
    rc = zl_registry_tx_end(s, own, rc);
    json_decref(rec);
    json_decref(c);
    return rc;
}

int zl_dispo_done(zl_store *s, const char *case_id, int n, const char *actor,
                  const char *result, const char *note, int64_t now_ms,
                  zl_risk_error_cb cb, void *ctx, struct zl_error *err)
{
    struct rk_check ck = {cb, ctx, err, 0, 0};
    struct actor a;
    json_t *c = NULL, *rec = NULL, *x;
    int64_t now = now_ms ? now_ms : zl_time_now_ms();
    long seq = 0;
    int rc, own = 0, has_note;

    if ((rc = actor_get(s, actor, &a, err)))
        return rc;
    if ((rc = zl_registry_tx_begin(s, &own)))
        return rc;
    if ((rc = case_for_write(s, case_id, now, &a, 1, &c, &seq, &ck, err)))
        goto end;
    has_note = rk_text_ok(&ck, "note", note, TEXT_MAX, 0);
    if ((x = act_checked(c, n, &ck))) {
        const char *k = jstr(x, "kind");

        if (!strcmp(k, "spotcheck")) {
            if (!result || (strcmp(result, "pass") && strcmp(result, "fail")))
                rk_bad(&ck, "result", result,
                       "is required for a targeted spot check: pass or fail");
        } else if (result && *result)
            rk_bad(&ck, "result", result, "belongs to spotcheck only");
        if (!strcmp(k, "notice") && !json_object_get(x, "answer") &&
            has_note <= 0)
            rk_bad(&ck, "note", "",
                   "is required: the enterprise has not answered the notice "
                   "(say why it is closed without an answer)");
        if (!strcmp(k, "recall")) {
            struct zl_recall_status *st = NULL;

            if (zl_recall_status_get(s, jstr(x, "recall"), &st) || !st)
                rk_bad(&ck, "action", jstr(x, "recall"),
                       "its recall case cannot be read");
            else if (!st->closed)
                rk_bad(&ck, "action", jstr(x, "recall"),
                       "its recall case is still open: close it first "
                       "(zhiliang recall close)");
            zl_recall_status_free(st);
        }
    }
    if (ck.n) {
        rc = ZL_EINVAL;
        goto end;
    }
    if (!(rec = json_object()) || setn(rec, "of", json_integer(n)) ||
        (result && *result && setn(rec, "result", json_string(result))) ||
        (has_note > 0 && setn(rec, "note", json_string(note)))) {
        rc = ZL_ENOMEM;
        goto end;
    }
    rc = append(s, case_id, seq, "done", a.id, now, rec);
end:
    rc = zl_registry_tx_end(s, own, rc);
    json_decref(rec);
    json_decref(c);
    return rc;
}

int zl_dispo_close(zl_store *s, const char *case_id, const char *actor,
                   const char *outcome, const char *outcome_en, int64_t now_ms,
                   zl_risk_error_cb cb, void *ctx, struct zl_error *err)
{
    struct rk_check ck = {cb, ctx, err, 0, 0};
    struct actor a;
    json_t *c = NULL, *rec = NULL, *x;
    int64_t now = now_ms ? now_ms : zl_time_now_ms();
    long seq = 0;
    size_t i;
    int rc, own = 0;

    if ((rc = actor_get(s, actor, &a, err)))
        return rc;
    if ((rc = zl_registry_tx_begin(s, &own)))
        return rc;
    if ((rc = case_for_write(s, case_id, now, &a, 1, &c, &seq, &ck, err)))
        goto end;
    json_array_foreach(json_object_get(c, "actions"), i, x)
    {
        if (!strcmp(jstr(x, "state"), "open")) {
            char v[16];

            snprintf(v, sizeof v, "%lld",
                     (long long)json_integer_value(json_object_get(x, "n")));
            rk_bad(
                &ck, "action", v,
                "is still open: every action is done before the case closes");
        }
    }
    rk_text_ok(&ck, "outcome", outcome, TEXT_MAX, 1);
    rk_text_ok(&ck, "outcome_en", outcome_en, TEXT_MAX, 0);
    if (ck.n) {
        rc = ZL_EINVAL;
        goto end;
    }
    if (!(rec = json_object()) || setn(rec, "outcome", json_string(outcome)) ||
        (outcome_en && *outcome_en &&
         setn(rec, "outcome_en", json_string(outcome_en)))) {
        rc = ZL_ENOMEM;
        goto end;
    }
    rc = append(s, case_id, seq, "close", a.id, now, rec);
end:
    rc = zl_registry_tx_end(s, own, rc);
    json_decref(rec);
    json_decref(c);
    return rc;
}

/* ---- views ---------------------------------------------------------------
 */

static int dump(json_t *o, struct zl_buf *out)
{
    char *t = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc;

    if (!t)
        return ZL_ENOMEM;
    rc = zl_buf_adds(out, t);
    free(t);
    return rc;
}

int zl_dispo_json(zl_store *s, const char *case_id, int public_view,
                  int64_t now_ms, struct zl_buf *out, struct zl_error *err)
{
    int rc = 0;
    json_t *c = case_get(s, case_id, now_ms, &rc), *p;

    if (rc == ZL_ENOTFOUND ||
        (!rc && public_view && strcmp(jstr(c, "state"), "closed"))) {
        json_decref(c);
        return zl_error_set(err, ZL_ENOTFOUND, "case",
                            public_view ? "is not a closed risk case"
                                        : "is not a stored risk case",
                            case_id, (size_t)-1);
    }
    if (rc)
        return rc;
    p = public_view ? public_of(c) : json_incref(c);
    rc = p ? dump(p, out) : ZL_ENOMEM;
    json_decref(p);
    json_decref(c);
    return rc;
}

/* Every case folded, oldest first (ids carry the day, then random digits:
 * the open record's time orders them). */
static int all_cases(zl_store *s, int64_t now_ms, json_t **arr)
{
    json_t *all = NULL, *recs, *a = json_array();
    const char *id;
    char today[11];
    int rc;

    today_of(now_ms, today);
    *arr = NULL;
    if (!a)
        return ZL_ENOMEM;
    if ((rc = load(s, NULL, &all))) {
        json_decref(a);
        return rc;
    }
    json_object_foreach(all, id, recs)
    {
        json_t *c = fold(id, recs, today);

        if (!c) {
            rc = ZL_ENOMEM;
            break;
        }
        json_object_set(c, "_at",
                        json_object_get(json_array_get(recs, 0), "_at_ms"));
        json_array_append_new(a, c);
    }
    json_decref(all);
    if (rc) {
        json_decref(a);
        return rc;
    }
    *arr = a;
    return 0;
}

static int by_opened(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    json_int_t ta = json_integer_value(json_object_get(a, "_at"));
    json_int_t tb = json_integer_value(json_object_get(b, "_at"));

    if (ta != tb)
        return ta < tb ? -1 : 1;
    return strcmp(jstr(a, "case"), jstr(b, "case"));
}

/* arr sorted oldest first into a C array (borrowed refs). */
static json_t **sorted(json_t *arr, size_t *n)
{
    json_t **v;
    size_t i;
    json_t *c;

    *n = json_array_size(arr);
    if (!(v = zl_malloc((*n ? *n : 1) * sizeof *v)))
        return NULL;
    json_array_foreach(arr, i, c) v[i] = c;
    qsort(v, *n, sizeof *v, by_opened);
    return v;
}

int zl_dispo_list(zl_store *s, const char *which, int public_view,
                  int64_t now_ms, struct zl_buf *out, struct zl_error *err)
{
    json_t *arr = NULL, *res = json_array();
    json_t **v = NULL;
    size_t n = 0;
    int rc;

    if (!which)
        which = "all";
    if (strcmp(which, "all") && strcmp(which, "open") &&
        strcmp(which, "closed") && strcmp(which, "overdue")) {
        json_decref(res);
        return zl_error_set(err, ZL_EINVAL, "which",
                            "must be all, open, closed or overdue", which,
                            (size_t)-1);
    }
    if (!res)
        return ZL_ENOMEM;
    if ((rc = all_cases(s, now_ms, &arr)))
        goto out;
    if (!(v = sorted(arr, &n))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *c = v[i], *p;
        const char *st = jstr(c, "state");

        if (public_view && strcmp(st, "closed"))
            continue;
        if ((!strcmp(which, "open") && strcmp(st, "open")) ||
            (!strcmp(which, "closed") && strcmp(st, "closed")) ||
            (!strcmp(which, "overdue") &&
             !json_is_true(json_object_get(c, "overdue"))))
            continue;
        json_object_del(c, "_at");
        p = public_view ? public_of(c) : json_incref(c);
        if (!p || json_array_append_new(res, p)) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    rc = dump(res, out);
out:
    zl_free(v);
    json_decref(arr);
    json_decref(res);
    return rc;
}

int zl_dispo_warnings(zl_store *s, const char *gtin, const char *lot,
                      zl_dispo_warning_cb cb, void *ctx)
{
    json_t *arr = NULL, **v = NULL;
    size_t n = 0;
    int rc = all_cases(s, 0, &arr);

    if (rc)
        return rc;
    if (!(v = sorted(arr, &n))) {
        json_decref(arr);
        return ZL_ENOMEM;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *c = v[i], *x;
        size_t j;

        /* a warning on a product reaches every lot of it */
        if (strcmp(jstr(c, "state"), "open") ||
            (gtin && strcmp(gtin, jstr(c, "gtin"))) ||
            (lot && *jstr(c, "batch") && strcmp(lot, jstr(c, "batch"))))
            continue;
        json_array_foreach(json_object_get(c, "actions"), j, x)
        {
            struct zl_dispo_warning w;

            if (strcmp(jstr(x, "kind"), "warning") ||
                strcmp(jstr(x, "state"), "open"))
                continue;
            w.case_id = jstr(c, "case");
            w.n = (int)json_integer_value(json_object_get(x, "n"));
            w.gtin = jstr(c, "gtin");
            w.lot = jstr(c, "batch");
            w.enterprise = jstr(c, "enterprise");
            w.title = jstr(x, "title");
            w.title_en = jstr(x, "titleEn");
            w.text = jstr(x, "text");
            w.text_en = jstr(x, "textEn");
            w.since = jstr(x, "taken");
            if ((rc = cb(ctx, &w)))
                break;
        }
    }
    zl_free(v);
    json_decref(arr);
    return rc;
}

int zl_dispo_for_recall(zl_store *s, const char *recall_id,
                        int (*cb)(void *ctx, const char *case_id), void *ctx)
{
    json_t *arr = NULL, *c;
    size_t i;
    int rc = all_cases(s, 0, &arr);

    json_array_foreach(arr, i, c)
    {
        json_t *x;
        size_t j;

        if (rc)
            break;
        json_array_foreach(json_object_get(c, "actions"), j, x)
        {
            if (!strcmp(jstr(x, "recall"), recall_id)) {
                rc = cb(ctx, jstr(c, "case"));
                break;
            }
        }
    }
    json_decref(arr);
    return rc;
}

/* ---- verify --------------------------------------------------------------
 */

int rk_dispo_canon(zl_store *s, const char *ref, char **canon, size_t *len)
{
    return rk_step_canon(s, ref, zl_store_risk_dispo_list, (size_t)1 << 20,
                         canon, len);
}

int zl_dispo_record_canon(zl_store *s, const char *record_key, char **canon,
                          size_t *len)
{
    *canon = NULL;
    if (!strncmp(record_key, "risk-dispo:", 11))
        return rk_dispo_canon(s, record_key + 11, canon, len);
    if (!strncmp(record_key, "risk-key:", 9))
        return rk_key_canon(s, record_key + 9, canon, len);
    return ZL_ENOTFOUND;
}
