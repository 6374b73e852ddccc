/*
 * credit.c - the credit-risk score and class (see zhiliang/credit.h).
 *
 * One pass over the events: each gets its kind's points and its age's
 * weight, and a line saying so; the class is a threshold lookup on the
 * floored sum. Doubles because weights halve; the scores a region sets
 * are small numbers and every line is shown, so rounding never hides.
 * Rejected: a weighted logistic model (what a statistician would fit,
 * and what no enterprise could check by hand) and counting only the
 * latest event of a kind (a repeat offender would look like a first one).
 */
#include "zhiliang/credit.h"

#include "util/assert.h"
#include "zhiliang/alloc.h"
#include "zhiliang/calendar.h"

#include <stdio.h>
#include <string.h>

#define MAX_EVENTS 100000

static const struct {
    const char *id, *text;
} KINDS[ZL_CREDIT_KIND_COUNT] = {
    [ZL_CREDIT_SPOT_PASS] = {"spot-pass", "spot check passed"},
    [ZL_CREDIT_SPOT_FAIL] = {"spot-fail", "spot check failed"},
    [ZL_CREDIT_RECALL] = {"recall", "recall"},
    [ZL_CREDIT_COMPLAINT] = {"complaint", "substantiated complaint"},
    [ZL_CREDIT_OVERDUE_REPORT] = {"overdue-report", "mandatory report overdue"},
    [ZL_CREDIT_PENALTY] = {"penalty", "administrative penalty"},
    [ZL_CREDIT_ABNORMAL] = {"abnormal-list", "abnormal operation list"},
    [ZL_CREDIT_SERIOUS_LIST] = {"serious-list", "list of serious violations"},
    [ZL_CREDIT_OVERDUE_RECTIFY] = {"overdue-rectification",
                                   "spot-check rectification overdue"},
};

static const char *const SERIOUS_TEXT[ZL_CREDIT_KIND_COUNT] = {
    [ZL_CREDIT_SPOT_FAIL] = "serious quality problem",
    [ZL_CREDIT_RECALL] = "ordered by the authority",
    [ZL_CREDIT_PENALTY] = "heavy penalty",
};

void zl_credit_defaults(struct zl_credit_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->points[ZL_CREDIT_SPOT_PASS][0] = cfg->points[ZL_CREDIT_SPOT_PASS][1] =
        -2;
    cfg->points[ZL_CREDIT_SPOT_FAIL][0] = 10;
    cfg->points[ZL_CREDIT_SPOT_FAIL][1] = 25;
    cfg->points[ZL_CREDIT_RECALL][0] = 5;
    cfg->points[ZL_CREDIT_RECALL][1] = 15;
    cfg->points[ZL_CREDIT_COMPLAINT][0] = cfg->points[ZL_CREDIT_COMPLAINT][1] =
        2;
    cfg->points[ZL_CREDIT_OVERDUE_REPORT][0] =
        cfg->points[ZL_CREDIT_OVERDUE_REPORT][1] = 5;
    cfg->points[ZL_CREDIT_PENALTY][0] = 10;
    cfg->points[ZL_CREDIT_PENALTY][1] = 30;
    cfg->points[ZL_CREDIT_ABNORMAL][0] = cfg->points[ZL_CREDIT_ABNORMAL][1] =
        15;
    cfg->points[ZL_CREDIT_SERIOUS_LIST][0] =
        cfg->points[ZL_CREDIT_SERIOUS_LIST][1] = 60;
    cfg->points[ZL_CREDIT_OVERDUE_RECTIFY][0] =
        cfg->points[ZL_CREDIT_OVERDUE_RECTIFY][1] = 10;
    cfg->age_days[0] = 365;
    cfg->age_days[1] = 730;
    cfg->age_days[2] = 1095;
    cfg->age_weight[0] = 1;
    cfg->age_weight[1] = 0.5;
    cfg->age_weight[2] = 0.25;
    cfg->threshold[0] = 10;
    cfg->threshold[1] = 30;
    cfg->threshold[2] = 60;
    /* One city's published ratios (docs/sampling.md). */
    cfg->ratio_min[0] = 0;
    cfg->ratio_max[0] = 5;
    cfg->ratio_min[1] = 5;
    cfg->ratio_max[1] = 20;
    cfg->ratio_min[2] = 21;
    cfg->ratio_max[2] = 60;
    cfg->ratio_min[3] = 61;
    cfg->ratio_max[3] = 100;
    cfg->serious_list_forces_d = 1;
}

int zl_credit_config_check(const struct zl_credit_config *cfg,
                           struct zl_error *err)
{
    ZL_ASSERT(cfg, ZL_EINVAL);
    if (!(cfg->threshold[0] > 0 && cfg->threshold[0] < cfg->threshold[1] &&
          cfg->threshold[1] < cfg->threshold[2]))
        return zl_error_set(err, ZL_EINVAL, "thresholds",
                            "must be positive and ascending (B < C < D)", NULL,
                            0);
    for (int i = 0; i < 3; i++) {
        if (!(cfg->age_weight[i] >= 0 && cfg->age_weight[i] <= 1))
            return zl_error_set(err, ZL_EINVAL, "ageWeights",
                                "weights lie in [0, 1]", NULL, 0);
        if (cfg->age_days[i] <= (i ? cfg->age_days[i - 1] : 0))
            return zl_error_set(err, ZL_EINVAL, "ageDays",
                                "must be positive and ascending", NULL, 0);
    }
    for (int c = 0; c < 4; c++)
        if (!(cfg->ratio_min[c] >= 0 &&
              cfg->ratio_min[c] <= cfg->ratio_max[c] &&
              cfg->ratio_max[c] <= 100))
            return zl_error_set(err, ZL_EINVAL, "ratios",
                                "each class: 0 <= min <= max <= 100", NULL, 0);
    return 0;
}

const char *zl_credit_class_name(enum zl_credit_class c)
{
    static const char *const N[] = {"A", "B", "C", "D"};

    return (unsigned)c < 4 ? N[c] : NULL;
}

const char *zl_credit_class_risk(enum zl_credit_class c)
{
    static const char *const R[] = {"信用风险低 / low", "信用风险一般 / medium",
                                    "信用风险较高 / high",
                                    "信用风险高 / very high"};

    return (unsigned)c < 4 ? R[c] : NULL;
}

const char *zl_credit_kind_id(enum zl_credit_kind k)
{
    return (unsigned)k < ZL_CREDIT_KIND_COUNT ? KINDS[k].id : NULL;
}

int zl_credit_kind_parse(const char *id, enum zl_credit_kind *out)
{
    for (int i = 0; id && i < ZL_CREDIT_KIND_COUNT; i++)
        if (!strcmp(id, KINDS[i].id)) {
            *out = (enum zl_credit_kind)i;
            return 0;
        }
    return ZL_EINVAL;
}

void zl_credit_result_cleanup(struct zl_credit_result *out)
{
    if (!out)
        return;
    zl_free(out->lines);
    out->lines = NULL;
    out->n_lines = 0;
}

static double age_weight(const struct zl_credit_config *cfg, int32_t age,
                         int *band)
{
    for (int i = 0; i < 3; i++)
        if (age < cfg->age_days[i]) {
            *band = i;
            return cfg->age_weight[i];
        }
    *band = 3;
    return 0;
}

/* The rule itself, shared by zl_credit_score (lines != NULL: each event's
 * line, reason text included) and zl_credit_classify (lines NULL: the
 * sum alone, no text), so the two cannot disagree. */
static int score_core(const struct zl_credit_config *cfg,
                      const struct zl_credit_event *events, size_t n,
                      int32_t at, struct zl_credit_line *lines, double *sum_out,
                      int *forced_out, struct zl_error *err)
{
    double sum = 0;
    int forced = 0;

    for (size_t i = 0; i < n; i++) {
        const struct zl_credit_event *e = &events[i];
        int band = 0, s = !!e->serious;
        int listed = (e->kind == ZL_CREDIT_ABNORMAL ||
                      e->kind == ZL_CREDIT_SERIOUS_LIST) &&
                     e->active;
        double points, weight;

        if ((unsigned)e->kind >= ZL_CREDIT_KIND_COUNT || e->day > at) {
            char path[32], date[11];

            snprintf(path, sizeof path, "events[%zu]", i);
            if ((unsigned)e->kind >= ZL_CREDIT_KIND_COUNT)
                return zl_error_set(err, ZL_EINVAL, path, "unknown kind", NULL,
                                    0);
            zl_day_format(e->day, date);
            return zl_error_set(err, ZL_EINVAL, path,
                                "the event is after the day scored", date, 10);
        }
        points = cfg->points[e->kind][s];
        weight = listed ? 1 : age_weight(cfg, at - e->day, &band);
        sum += points * weight;
        if (e->kind == ZL_CREDIT_SERIOUS_LIST && listed &&
            cfg->serious_list_forces_d)
            forced = 1;
        if (lines) {
            struct zl_credit_line *l = &lines[i];
            char date[11];

            zl_day_format(e->day, date);
            l->event = i;
            l->points = points;
            l->weight = weight;
            l->total = points * weight;
            snprintf(l->reason, sizeof l->reason, "%s%s%s%s %s: %+g x %g%s",
                     KINDS[e->kind].text,
                     s && SERIOUS_TEXT[e->kind] ? " (" : "",
                     s && SERIOUS_TEXT[e->kind] ? SERIOUS_TEXT[e->kind] : "",
                     s && SERIOUS_TEXT[e->kind] ? ")" : "", date, l->points,
                     l->weight,
                     listed      ? " (still listed: full weight)"
                     : band == 0 ? " (within the last year)"
                     : band == 1 ? " (1-2 years old)"
                     : band == 2 ? " (2-3 years old)"
                                 : " (older than the scoring window)");
        }
    }
    *sum_out = sum;
    *forced_out = forced;
    return 0;
}

static enum zl_credit_class class_of(const struct zl_credit_config *cfg,
                                     double score, int forced)
{
    return forced                       ? ZL_CREDIT_D
           : score >= cfg->threshold[2] ? ZL_CREDIT_D
           : score >= cfg->threshold[1] ? ZL_CREDIT_C
           : score >= cfg->threshold[0] ? ZL_CREDIT_B
                                        : ZL_CREDIT_A;
}

int zl_credit_score(const struct zl_credit_config *cfg,
                    const struct zl_credit_event *events, size_t n, int32_t at,
                    struct zl_credit_result *out, struct zl_error *err)
{
    int rc, forced = 0;
    double sum = 0;

    ZL_ASSERT(cfg && out && (events || !n), ZL_EINVAL);
    memset(out, 0, sizeof *out);
    rc = zl_credit_config_check(cfg, err);
    if (rc)
        return rc;
    if (n > MAX_EVENTS)
        return zl_error_set(err, ZL_ELIMIT, "events", "more than 100000", NULL,
                            0);
    if (n) {
        out->lines = zl_calloc(n, sizeof *out->lines);
        if (!out->lines)
            return ZL_ENOMEM;
    }
    if ((rc = score_core(cfg, events, n, at, out->lines, &sum, &forced, err))) {
        zl_credit_result_cleanup(out);
        return rc;
    }
    out->n_lines = n;
    out->raw = sum;
    out->score = sum > 0 ? sum : 0;
    out->forced = forced;
    out->cls = class_of(cfg, out->score, forced);
    out->ratio_min = cfg->ratio_min[out->cls];
    out->ratio_max = cfg->ratio_max[out->cls];
    return 0;
}

int zl_credit_classify(const struct zl_credit_config *cfg,
                       const struct zl_credit_event *events, size_t n,
                       int32_t at, enum zl_credit_class *cls, double *score,
                       struct zl_error *err)
{
    double sum = 0;
    int forced = 0, rc;

    ZL_ASSERT(cfg && cls && (events || !n), ZL_EINVAL);
    if (n > MAX_EVENTS)
        return zl_error_set(err, ZL_ELIMIT, "events", "more than 100000", NULL,
                            0);
    if ((rc = score_core(cfg, events, n, at, NULL, &sum, &forced, err)))
        return rc;
    *cls = class_of(cfg, sum > 0 ? sum : 0, forced);
    if (score)
        *score = sum > 0 ? sum : 0;
    return 0;
}
