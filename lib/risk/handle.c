/*
 * handle.c - complaint handling (zhiliang/risk_handle.h): the review,
 * routing, answer and closing steps, the deadlines, the cases they fold
 * into and the published statistics.
 *
 * A step is checked against the case as it is inside the write
 * transaction (the state is the fold of the stored steps, read there), so
 * two regulators acting at once cannot both take step n: the second put
 * is ZL_EEXIST on (report_id, seq) and nothing of it is stored. Each step
 * is its own logged record rather than an edit of the report's, because
 * the report is the consumer's words as received and the log keeps both.
 *
 * Deadlines: 市场监督管理投诉举报处理暂行办法 (国家市场监督管理总局令
 * 第20号, 2019-11-30, in force 2020-01-01). Art. 14: 市场监督管理部门应当
 * 自收到投诉之日起七个工作日内作出受理或者不予受理的决定，并告知投诉人.
 * Art. 21 (五): mediation ends when 自投诉受理之日起四十五个工作日内投诉人
 * 和被投诉人未能达成调解协议. Quoted from the article text as reproduced
 * at URL_ORDER20 (the SAMR gazette page itself was not in reach); the
 * numbers are configuration (zl_risk_deadlines), counted in working days
 * over the supervision module's holiday calendar.
 *
 * Publication: only aggregates over the cases, never a record's text, its
 * submitter or its personal data; rows for enterprise (USCC), product
 * (GTIN) and category. What the SAMR rules publish per complaint (the
 * complained-about operator, goods, times, the issue and the result) is
 * narrowed here to per-operator counts, as the 2016-2017 pilots did
 * (总数、受理数、不予受理数、解决数及比率; 工商消字〔2017〕241号).
 *
 * Rejected: a status column on risk_reports (a second truth beside the
 * logged steps; verify could not tell which one was edited).
 */
#include "zhiliang/risk_handle.h"

#include "party/party_int.h"
#include "risk/field_check.h"
#include "risk/intake_int.h"
#include "store/store.h"
#include "store/store_risk.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/buf.h"
#include "zhiliang/gs1.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URL_ORDER20 "https://xiezuofangchengshi.com/doc/62764.html"
#define NOTE_MAX    500
#define ANSWER_MAX  2000

static const char *const ACTIONS[] = {"accept", "reject", "merge",
                                      "route",  "answer", "close"};
static const char *const OUTCOMES[] = {
    "agreement", "settled", "no-agreement", "withdrawn", "terminated", NULL};

const char *zl_risk_action_name(enum zl_risk_action a)
{
    return (unsigned)a < 6 ? ACTIONS[a] : "?";
}

int zl_risk_action_parse(const char *s, enum zl_risk_action *a)
{
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, ACTIONS[i])) {
            *a = (enum zl_risk_action)i;
            return 0;
        }
    return ZL_EINVAL;
}

int zl_risk_outcome_ok(const char *s)
{
    for (int i = 0; s && OUTCOMES[i]; i++)
        if (!strcmp(s, OUTCOMES[i]))
            return 1;
    return 0;
}

static void rule(struct zl_clock_rule *r, int days, const char *art,
                 const char *quote, const char *starts)
{
    memset(r, 0, sizeof *r);
    r->days = days;
    r->unit = ZL_CLOCK_WORKING_DAYS;
    snprintf(r->source, sizeof r->source,
             "市场监督管理投诉举报处理暂行办法（总局令第20号）%s", art);
    snprintf(r->url, sizeof r->url, "%s", URL_ORDER20);
    snprintf(r->quote, sizeof r->quote, "%s", quote);
    snprintf(r->starts_at, sizeof r->starts_at, "%s", starts);
}

void zl_risk_deadlines_default(struct zl_risk_deadlines *d)
{
    rule(&d->accept, 7, "第十四条",
         "市场监督管理部门应当自收到投诉之日起七个工作日内作出受理或者不予"
         "受理的决定，并告知投诉人",
         "the day the complaint was received (收到投诉之日)");
    rule(&d->close, 45, "第二十一条",
         "自投诉受理之日起四十五个工作日内投诉人和被投诉人未能达成调解协议"
         "的，终止调解",
         "the day the complaint was accepted (投诉受理之日)");
}

/* ---- cases ----------------------------------------------------------------
 */

static int32_t day_of(int64_t ms)
{
    return (int32_t)(ms / 86400000);
}

/* The deadline of r counted from start, judged at `at`: -1 when the rule
 * sets none or the calendar cannot count it. */
static int32_t deadline(const struct zl_clock_rule *r, const zl_calendar *cal,
                        int32_t start, int32_t at, int *overdue)
{
    struct zl_clock_config cfg;
    struct zl_clock clk;
    struct zl_error e = {0};

    *overdue = 0;
    if (r->days < 0)
        return -1;
    zl_clock_defaults(&cfg);
    cfg.rule[ZL_STEP_PUBLISH] = *r;
    cfg.rule[ZL_STEP_PUBLISH].not_before = 0;
    if (zl_clock_compute(&cfg, cal, ZL_STEP_PUBLISH, start, at, &clk, &e) ||
        !clk.has_deadline)
        return -1;
    *overdue = clk.overdue;
    return clk.deadline;
}

struct env {
    struct zl_risk_deadlines rules;
    zl_calendar *own;
    const zl_calendar *cal;
    int64_t now_ms;
};

static int env_init(struct env *v, const struct zl_risk_case_opts *o,
                    struct zl_error *err)
{
    memset(v, 0, sizeof *v);
    if (o && o->rules)
        v->rules = *o->rules;
    else
        zl_risk_deadlines_default(&v->rules);
    v->now_ms = o && o->now_ms ? o->now_ms : zl_time_now_ms();
    v->cal = o ? o->cal : NULL;
    if (!v->cal) {
        int rc = zl_calendar_new(&v->own, err);

        if (rc)
            return rc;
        zl_calendar_set_fallback(v->own, 1);
        v->cal = v->own;
    }
    return 0;
}

static void case_start(struct zl_risk_case *c,
                       const struct zl_store_risk_report *r)
{
    json_t *o = json_loadb(r->json, r->len, 0, NULL);

    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", r->id);
    snprintf(c->state, sizeof c->state, "received");
    snprintf(c->enterprise, sizeof c->enterprise, "%s", r->enterprise);
    snprintf(c->gtin, sizeof c->gtin, "%s", r->gtin);
    snprintf(c->category, sizeof c->category, "%s", r->category);
    c->received_ms = r->received_ms;
    c->accept_deadline = c->close_deadline = -1;
    json_decref(o);
}

/* Fold one stored step into c. */
static void case_fold(struct zl_risk_case *c, const char *action, int64_t at,
                      const char *json, size_t len)
{
    json_t *o = json_loadb(json, len, 0, NULL);
    const char *st = json_string_value(json_object_get(o, "state"));
    const char *v;

    c->n_steps++;
    if (st)
        snprintf(c->state, sizeof c->state, "%s", st);
    if (!strcmp(action, "accept") || !strcmp(action, "reject") ||
        !strcmp(action, "merge"))
        c->decided_ms = at;
    if (!strcmp(action, "merge") &&
        (v = json_string_value(json_object_get(o, "into"))))
        snprintf(c->merged_into, sizeof c->merged_into, "%s", v);
    if (!strcmp(action, "route") &&
        (v = json_string_value(json_object_get(o, "enterprise"))))
        snprintf(c->enterprise, sizeof c->enterprise, "%s", v);
    if (!strcmp(action, "close")) {
        c->closed_ms = at;
        if ((v = json_string_value(json_object_get(o, "outcome"))))
            snprintf(c->outcome, sizeof c->outcome, "%s", v);
    }
    json_decref(o);
}

/* The deadlines of c as of v->now_ms. */
static void case_judge(struct zl_risk_case *c, const struct env *v)
{
    int32_t now = day_of(v->now_ms), rec = day_of(c->received_ms);

    c->accept_deadline = deadline(&v->rules.accept, v->cal, rec,
                                  c->decided_ms ? day_of(c->decided_ms) : now,
                                  &c->accept_overdue);
    c->close_deadline = -1;
    c->close_overdue = 0;
    if (c->decided_ms &&
        (!strcmp(c->state, "accepted") || !strcmp(c->state, "routed") ||
         !strcmp(c->state, "answered") || !strcmp(c->state, "closed")))
        c->close_deadline = deadline(
            &v->rules.close, v->cal, day_of(c->decided_ms),
            c->closed_ms ? day_of(c->closed_ms) : now, &c->close_overdue);
}

struct one {
    struct zl_risk_case *c;
    int found;
};

static int one_report(void *ctx, const struct zl_store_risk_report *r)
{
    struct one *o = ctx;

    if (strcmp(r->kind, "complaint"))
        return 0;
    case_start(o->c, r);
    o->found = 1;
    return 0;
}

static int one_step(void *ctx, const struct zl_store_risk_step *st)
{
    struct one *o = ctx;

    case_fold(o->c, st->action, st->at_ms, st->json, st->len);
    return 0;
}

static int case_load(zl_store *s, const char *id, struct zl_risk_case *c)
{
    struct one o = {c, 0};
    int rc = zl_store_risk_get(s, id, one_report, &o);

    if (rc)
        return rc;
    if (!o.found)
        return ZL_ENOTFOUND;
    return zl_store_risk_step_list(s, id, one_step, &o);
}

int zl_risk_case_get(zl_store *s, const char *id,
                     const struct zl_risk_case_opts *o,
                     struct zl_risk_case *out, struct zl_error *err)
{
    struct env v;
    int rc;

    if ((rc = env_init(&v, o, err)))
        return rc;
    if (!(rc = case_load(s, id, out)))
        case_judge(out, &v);
    zl_calendar_free(v.own);
    return rc;
}

struct all {
    struct zl_risk_case *c;
    size_t n, cap;
    size_t *by_id; /* indexes of c sorted by id */
};

static int all_report(void *ctx, const struct zl_store_risk_report *r)
{
    struct all *a = ctx;

    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        struct zl_risk_case *c = zl_realloc(a->c, cap * sizeof *c);

        if (!c)
            return ZL_ENOMEM;
        a->c = c;
        a->cap = cap;
    }
    case_start(&a->c[a->n++], r);
    return 0;
}

static struct all *sort_ctx;

static int by_id_cmp(const void *x, const void *y)
{
    return strcmp(sort_ctx->c[*(const size_t *)x].id,
                  sort_ctx->c[*(const size_t *)y].id);
}

static struct zl_risk_case *find(struct all *a, const char *id)
{
    size_t lo = 0, hi = a->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(a->c[a->by_id[mid]].id, id);

        if (!c)
            return &a->c[a->by_id[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int all_step(void *ctx, const struct zl_store_risk_step *st)
{
    struct zl_risk_case *c = find(ctx, st->report_id);

    if (c)
        case_fold(c, st->action, st->at_ms, st->json, st->len);
    return 0;
}

/* Every complaint's case into a (judged as of v). */
static int load_all(zl_store *s, const struct env *v, struct all *a)
{
    int rc = zl_store_risk_list(s, "complaint", all_report, a);

    if (rc)
        return rc;
    if (a->n) {
        if (!(a->by_id = zl_malloc(a->n * sizeof *a->by_id)))
            return ZL_ENOMEM;
        for (size_t i = 0; i < a->n; i++)
            a->by_id[i] = i;
        sort_ctx = a; /* qsort has no context argument in C11 */
        qsort(a->by_id, a->n, sizeof *a->by_id, by_id_cmp);
        sort_ctx = NULL;
    }
    rc = zl_store_risk_step_list(s, NULL, all_step, a);
    for (size_t i = 0; !rc && i < a->n; i++)
        case_judge(&a->c[i], v);
    return rc;
}

static void all_free(struct all *a)
{
    zl_free(a->c);
    zl_free(a->by_id);
}

int zl_risk_cases(zl_store *s, const struct zl_risk_case_opts *o,
                  zl_risk_case_cb cb, void *ctx, struct zl_error *err)
{
    struct env v;
    struct all a = {0};
    int rc;

    if ((rc = env_init(&v, o, err)))
        return rc;
    rc = load_all(s, &v, &a);
    for (size_t i = 0; !rc && i < a.n; i++)
        rc = cb(ctx, &a.c[i]);
    all_free(&a);
    zl_calendar_free(v.own);
    return rc;
}

struct steps_fwd {
    zl_risk_step_cb cb;
    void *ctx;
};

static int steps_fwd(void *ctx, const struct zl_store_risk_step *st)
{
    struct steps_fwd *f = ctx;

    return f->cb(f->ctx, st->seq, st->json, st->len);
}

int zl_risk_steps(zl_store *s, const char *id, zl_risk_step_cb cb, void *ctx)
{
    struct steps_fwd f = {cb, ctx};

    return zl_store_risk_step_list(s, id, steps_fwd, &f);
}

/* ---- a step ---------------------------------------------------------------
 */

struct who {
    enum zl_party_kind kind;
    char uscc[19];
    int found;
};

static int who_cb(void *ctx, const struct zl_party *p)
{
    struct who *w = ctx;

    w->kind = p->kind;
    snprintf(w->uscc, sizeof w->uscc, "%s", p->uscc ? p->uscc : "");
    w->found = 1;
    return 0;
}

/* The states each action may start from, and where it leads. */
static const struct {
    const char *from[4];
    const char *to;
} MOVES[] = {
    [ZL_RISK_ACCEPT] = {{"received"}, "accepted"},
    [ZL_RISK_REJECT] = {{"received"}, "rejected"},
    [ZL_RISK_MERGE] = {{"received", "accepted"}, "merged"},
    [ZL_RISK_ROUTE] = {{"accepted"}, "routed"},
    [ZL_RISK_ANSWER] = {{"routed"}, "answered"},
    [ZL_RISK_CLOSE] = {{"accepted", "routed", "answered"}, "closed"},
};

static int move_ok(enum zl_risk_action a, const char *state)
{
    for (int i = 0; i < 4 && MOVES[a].from[i]; i++)
        if (!strcmp(MOVES[a].from[i], state))
            return 1;
    return 0;
}

/* Check the step against case c: the fields into rec, errors to ck. */
static void check_step(zl_store *s, struct rk_check *ck, const char *id,
                       const struct zl_risk_step_in *in,
                       const struct zl_risk_case *c, json_t *rec)
{
    enum zl_risk_action a = in->action;
    char why[200];

    if (!move_ok(a, c->state)) {
        snprintf(why, sizeof why,
                 "cannot be taken: the complaint is %s (%s is allowed from "
                 "%s%s%s%s%s)",
                 c->state, ACTIONS[a], MOVES[a].from[0],
                 MOVES[a].from[1] ? ", " : "",
                 MOVES[a].from[1] ? MOVES[a].from[1] : "",
                 MOVES[a].from[2] ? ", " : "",
                 MOVES[a].from[2] ? MOVES[a].from[2] : "");
        rk_bad(ck, "action", ACTIONS[a], why);
    }
    if (rk_text_ok(ck, "reason", in->reason, NOTE_MAX, a == ZL_RISK_REJECT) > 0)
        json_object_set_new(rec, "reason", json_string(in->reason));
    if (a != ZL_RISK_MERGE && in->into && *in->into)
        rk_bad(ck, "into", in->into, "belongs to merge only");
    if (a != ZL_RISK_ROUTE && in->enterprise && *in->enterprise)
        rk_bad(ck, "enterprise", in->enterprise, "belongs to route only");
    if (a != ZL_RISK_ANSWER && in->answer && *in->answer)
        rk_bad(ck, "answer", "", "belongs to answer only");
    if (a != ZL_RISK_CLOSE && in->outcome && *in->outcome)
        rk_bad(ck, "outcome", in->outcome, "belongs to close only");
    if (a == ZL_RISK_MERGE && rk_text_ok(ck, "into", in->into, 40, 1) > 0) {
        struct zl_risk_case t;

        if (!strcmp(in->into, id))
            rk_bad(ck, "into", in->into, "is this complaint itself");
        else if (case_load(s, in->into, &t))
            rk_bad(ck, "into", in->into, "is not a stored complaint");
        else if (!strcmp(t.state, "merged") || !strcmp(t.state, "rejected"))
            rk_bad(ck, "into", in->into,
                   "is itself merged or rejected: merge into the complaint "
                   "that is kept");
        else
            json_object_set_new(rec, "into", json_string(in->into));
    }
    if (a == ZL_RISK_ROUTE) {
        const char *e =
            in->enterprise && *in->enterprise ? in->enterprise : c->enterprise;

        if (!*e)
            rk_bad(ck, "enterprise", "",
                   "is required: the complaint names no enterprise (give its "
                   "USCC)");
        else if (zl_uscc_validate(e, strlen(e), NULL))
            rk_bad(ck, "enterprise", e,
                   "must be a unified social credit code (GB 32100) with its "
                   "check character");
        else
            json_object_set_new(rec, "enterprise", json_string(e));
    }
    if (a == ZL_RISK_ANSWER &&
        rk_text_ok(ck, "answer", in->answer, ANSWER_MAX, 1) > 0)
        json_object_set_new(rec, "answer", json_string(in->answer));
    if (a == ZL_RISK_CLOSE) {
        if (!in->outcome || !*in->outcome)
            rk_bad(ck, "outcome", "",
                   "is required: agreement, settled, no-agreement, withdrawn "
                   "or terminated");
        else if (!zl_risk_outcome_ok(in->outcome))
            rk_bad(ck, "outcome", in->outcome,
                   "must be agreement, settled, no-agreement, withdrawn or "
                   "terminated");
        else
            json_object_set_new(rec, "outcome", json_string(in->outcome));
    }
}

/* May the actor take the step? 0, ZL_EPERM (err says why) or
 * ZL_ENOTFOUND (not a party). */
static int may_act(zl_store *s, const struct zl_risk_step_in *in,
                   const struct zl_risk_case *c, struct zl_error *err)
{
    struct who w = {0};

    if (zl_party_get(s, in->actor, who_cb, &w) || !w.found)
        return zl_error_set(err, ZL_ENOTFOUND, "actor",
                            "is not a registered party", in->actor, (size_t)-1);
    if (w.kind == ZL_PARTY_REGULATOR)
        return 0;
    if (in->action == ZL_RISK_ANSWER && w.kind == ZL_PARTY_ENTERPRISE &&
        w.uscc[0] && !strcmp(w.uscc, c->enterprise))
        return 0;
    return zl_error_set(
        err, ZL_EPERM, "actor",
        in->action == ZL_RISK_ANSWER
            ? "may not answer: only the enterprise the complaint was routed "
              "to (its USCC) or a regulator answers"
            : "may not review complaints: only a regulator accepts, "
              "rejects, merges, routes and closes",
        in->actor, (size_t)-1);
}

int zl_risk_step(zl_store *s, const char *id, const struct zl_risk_step_in *in,
                 int *seq, zl_risk_error_cb cb, void *ctx, struct zl_error *err)
{
    struct rk_check ck = {cb, ctx, err, 0, 0};
    struct zl_risk_case c;
    struct zl_store_risk_step row;
    struct zl_buf b;
    json_t *rec = NULL;
    char key[ZL_RISK_ID_MAX + 32], when[32];
    int64_t now = in->now_ms ? in->now_ms : zl_time_now_ms();
    uint64_t idx = 0;
    int rc, own = 0;

    if (seq)
        *seq = 0;
    if ((unsigned)in->action > ZL_RISK_CLOSE)
        return zl_error_set(err, ZL_EINVAL, "action", "is not a step", NULL, 0);
    if (!in->actor || !*in->actor) {
        rk_bad(&ck, "actor", "", "is required (the party taking the step)");
        return ZL_EINVAL;
    }
    zl_buf_init(&b, (size_t)64 << 10);
    if ((rc = zl_registry_tx_begin(s, &own)))
        goto out;
    if ((rc = case_load(s, id, &c))) {
        if (rc == ZL_ENOTFOUND)
            zl_error_set(err, rc, "id", "is not a stored complaint", id,
                         (size_t)-1);
        goto end;
    }
    if ((rc = may_act(s, in, &c, err)))
        goto end;
    rec = json_object();
    check_step(s, &ck, id, in, &c, rec);
    if (ck.n) {
        rc = ZL_EINVAL;
        goto end;
    }
    zl_time_format_utc(now, when);
    json_object_set_new(rec, "type", json_string("risk-step"));
    json_object_set_new(rec, "v", json_integer(1));
    json_object_set_new(rec, "report", json_string(id));
    json_object_set_new(rec, "seq", json_integer(c.n_steps + 1));
    json_object_set_new(rec, "action", json_string(ACTIONS[in->action]));
    json_object_set_new(rec, "actor", json_string(in->actor));
    json_object_set_new(rec, "at", json_string(when));
    json_object_set_new(rec, "from", json_string(c.state));
    json_object_set_new(rec, "state", json_string(MOVES[in->action].to));
    if ((rc = zl_jcs_dump(rec, &b)))
        goto end;
    snprintf(key, sizeof key, "risk-step:%s/%d", id, c.n_steps + 1);
    if ((rc = zl_log_append(s, ZL_LEAF_COMPLAINT, key, b.data, b.len, &idx)))
        goto end;
    row.report_id = id;
    row.seq = c.n_steps + 1;
    row.at_ms = now;
    row.leaf = (int64_t)idx;
    row.action = ACTIONS[in->action];
    row.actor = in->actor;
    row.json = (const char *)b.data;
    row.len = b.len;
    if ((rc = zl_store_risk_step_put(s, &row)))
        goto end;
    rc = zl_store_outbox_append(s, "risk-step", key, now);
end:
    rc = zl_registry_tx_end(s, own, rc);
    if (!rc && seq)
        *seq = c.n_steps + 1;
out:
    json_decref(rec);
    zl_buf_cleanup(&b);
    return rc;
}

/* ---- publication ------------------------------------------------------- */

struct cell {
    const char *value;
    long complaints, duplicates, accepted, rejected, closed, resolved, overdue;
    double *days;
    size_t n_days;
};

static int cell_cmp(const void *x, const void *y)
{
    return strcmp(((const struct cell *)x)->value,
                  ((const struct cell *)y)->value);
}

static int dbl_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;

    return (a > b) - (a < b);
}

/* The cell of value in cells[0..*n) (linear: one page of statistics). */
static struct cell *cell_of(struct cell **cells, size_t *n, size_t *cap,
                            const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*cells)[i].value, value))
            return &(*cells)[i];
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct cell *c = zl_realloc(*cells, nc * sizeof *c);

        if (!c)
            return NULL;
        *cells = c;
        *cap = nc;
    }
    memset(&(*cells)[*n], 0, sizeof **cells);
    (*cells)[*n].value = value;
    return &(*cells)[(*n)++];
}

static int add_case(struct cell *x, const struct zl_risk_case *c)
{
    if (!strcmp(c->state, "merged")) {
        x->duplicates++;
        return 0;
    }
    x->complaints++;
    if (!strcmp(c->state, "rejected"))
        x->rejected++;
    else if (strcmp(c->state, "received"))
        x->accepted++;
    if (!strcmp(c->state, "closed")) {
        double *d = zl_realloc(x->days, (x->n_days + 1) * sizeof *d);

        if (!d)
            return ZL_ENOMEM;
        x->days = d;
        x->days[x->n_days++] =
            (double)(c->closed_ms - c->received_ms) / 86400000.0;
        x->closed++;
        if (!strcmp(c->outcome, "agreement") || !strcmp(c->outcome, "settled"))
            x->resolved++;
    }
    if ((c->accept_overdue && !c->decided_ms) ||
        (c->close_overdue && !c->closed_ms))
        x->overdue++;
    return 0;
}

int zl_risk_publication(zl_store *s, const struct zl_risk_case_opts *o,
                        zl_risk_pub_cb cb, void *ctx, struct zl_error *err)
{
    static const char *const DIMS[] = {"enterprise", "product", "category"};
    struct env v;
    struct all a = {0};
    int rc;

    if ((rc = env_init(&v, o, err)))
        return rc;
    rc = load_all(s, &v, &a);
    for (int d = 0; d < 3 && !rc; d++) {
        struct cell *cells = NULL;
        size_t n = 0, cap = 0;

        for (size_t i = 0; i < a.n && !rc; i++) {
            const struct zl_risk_case *c = &a.c[i];
            const char *val = d == 0   ? c->enterprise
                              : d == 1 ? c->gtin
                                       : c->category;
            struct cell *x;

            if (!*val)
                continue;
            if (!(x = cell_of(&cells, &n, &cap, val)))
                rc = ZL_ENOMEM;
            else
                rc = add_case(x, c);
        }
        if (n)
            qsort(cells, n, sizeof *cells, cell_cmp);
        for (size_t i = 0; i < n && !rc; i++) {
            struct cell *x = &cells[i];
            struct zl_risk_pub_row r = {0};

            r.dim = DIMS[d];
            r.value = x->value;
            r.threshold =
                o && o->min_count > 0 ? o->min_count : ZL_RISK_PUB_MIN_COUNT;
            if (x->complaints + x->duplicates < r.threshold) {
                /* too few to publish without pointing at a person */
                r.suppressed = 1;
                r.handled = r.median_days = NAN;
                rc = cb(ctx, &r);
                continue;
            }
            r.complaints = x->complaints;
            r.duplicates = x->duplicates;
            r.accepted = x->accepted;
            r.rejected = x->rejected;
            r.closed = x->closed;
            r.resolved = x->resolved;
            r.overdue = x->overdue;
            r.handled = x->complaints ? (double)(x->closed + x->rejected) /
                                            (double)x->complaints
                                      : NAN;
            r.median_days = NAN;
            if (x->n_days) {
                qsort(x->days, x->n_days, sizeof *x->days, dbl_cmp);
                r.median_days = x->n_days % 2 ? x->days[x->n_days / 2]
                                              : (x->days[x->n_days / 2 - 1] +
                                                 x->days[x->n_days / 2]) /
                                                    2;
            }
            rc = cb(ctx, &r);
        }
        for (size_t i = 0; i < n; i++)
            zl_free(cells[i].days);
        zl_free(cells);
    }
    all_free(&a);
    zl_calendar_free(v.own);
    return rc;
}
