/*
 * rules.c - the Western Electric and Nelson run rules (see
 * zhiliang/spc.h) and their explanations in English and Chinese.
 *
 * One pass over the points with a few counters (run on one side, trend,
 * alternation, runs inside and outside 1 sigma) and the last five zone
 * values, so testing all twelve rules costs O(1) per point: the chart pass
 * stays memory-bound. Zones use z = (stat - cl) / sd at each point, so
 * they follow limits that vary with the subgroup size; rule 1 compares
 * with the limits themselves, so a lower limit floored at 0 (R, p charts)
 * is the one tested.
 *
 * Conventions (the rules' texts leave them open; docs/spc.md):
 * a point on the centre line breaks a run on one side; equal neighbours
 * break a trend and an alternation; the window rules (2 of 3, 4 of 5) fire
 * only at a point that is itself in the zone, so each excursion is
 * reported where it completes. A rule fires at every point where its
 * condition holds; consecutive or overlapping firings of one rule on one
 * chart are merged into one violation covering all the points involved.
 * Points whose statistic is NaN (the first moving range) are skipped and
 * reset every run.
 */
#include "zhiliang/spc.h"

#include "spc/spc_int.h"
#include "util/alloc.h"

#include <math.h>
#include <string.h>
#include <strings.h>

static const char *const RULE_NAMES[12] = {
    "nelson1", "nelson2", "nelson3", "nelson4", "nelson5", "nelson6",
    "nelson7", "nelson8", "we1",     "we2",     "we3",     "we4"};

static const char *const RULE_EN[12] = {
    "One point beyond the 3-sigma control limits: a special cause is likely "
    "(a sudden shift, a bad part, a measurement error).",
    "Nine points in a row on the same side of the centre line: the process "
    "mean has probably shifted.",
    "Six points in a row steadily increasing or decreasing: a trend, such as "
    "tool wear or drift.",
    "Fourteen points in a row alternating up and down: systematic "
    "alternation, such as two machines or operators taking turns.",
    "Two of three points in a row beyond 2 sigma on the same side: an early "
    "sign of a shift.",
    "Four of five points in a row beyond 1 sigma on the same side: a small "
    "sustained shift.",
    "Fifteen points in a row within 1 sigma of the centre line: less "
    "variation than the limits assume (stratified sampling or wrong "
    "limits).",
    "Eight points in a row beyond 1 sigma on either side: a mixture of two "
    "processes.",
    "One point beyond the 3-sigma control limits: a special cause is likely.",
    "Two of three points in a row beyond 2 sigma on the same side: an early "
    "sign of a shift.",
    "Four of five points in a row beyond 1 sigma on the same side: a small "
    "sustained shift.",
    "Eight points in a row on the same side of the centre line: the process "
    "mean has probably shifted."};

static const char *const RULE_ZH[12] = {
    "有1个点超出3σ控制限：很可能存在特殊原因（突变、不良件或测量错误）。",
    "连续9点落在中心线同一侧：过程均值可能已经偏移。",
    "连续6点持续上升或下降：存在趋势，例如刀具磨损或漂移。",
    "连续14点交替上下：存在系统性交替，例如两台设备或两名操作者轮换。",
    "连续3点中有2点落在中心线同一侧2σ以外：偏移的早期信号。",
    "连续5点中有4点落在中心线同一侧1σ以外：存在小而持续的偏移。",
    "连续15点落在中心线两侧1σ以内：波动小于控制限的假设（分层抽样或控制限有误"
    "）。",
    "连续8点落在中心线两侧1σ以外：两个过程的混合。",
    "有1个点超出3σ控制限：很可能存在特殊原因。",
    "连续3点中有2点落在中心线同一侧2σ以外：偏移的早期信号。",
    "连续5点中有4点落在中心线同一侧1σ以外：存在小而持续的偏移。",
    "连续8点落在中心线同一侧：过程均值可能已经偏移。"};

static int rule_index(unsigned rule)
{
    for (int i = 0; i < 12; i++)
        if (rule == 1u << i)
            return i;
    return -1;
}

const char *zl_spc_rule_name(unsigned rule)
{
    int i = rule_index(rule);

    return i < 0 ? NULL : RULE_NAMES[i];
}

const char *zl_spc_rule_text(unsigned rule, enum zl_spc_lang lang)
{
    int i = rule_index(rule);

    if (i < 0)
        return NULL;
    return lang == ZL_SPC_ZH ? RULE_ZH[i] : RULE_EN[i];
}

int zl_spc_rules_parse(const char *s, unsigned *mask)
{
    unsigned m = 0;

    if (!strcasecmp(s, "we")) {
        *mask = ZL_SPC_RULES_WE;
        return 0;
    }
    if (!strcasecmp(s, "nelson") || !strcasecmp(s, "all")) {
        *mask = ZL_SPC_RULES_NELSON;
        return 0;
    }
    if (!strcasecmp(s, "none")) {
        *mask = 0;
        return 0;
    }
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        int found = -1;

        for (int i = 0; i < 12 && found < 0; i++)
            if (strlen(RULE_NAMES[i]) == len &&
                !strncasecmp(s, RULE_NAMES[i], len))
                found = i;
        if (found < 0 && len == 2 && (s[0] == 'n' || s[0] == 'N') &&
            s[1] >= '1' && s[1] <= '8')
            found = s[1] - '1';
        if (found < 0)
            return ZL_EINVAL;
        m |= 1u << found;
        s += len;
        if (*s == ',')
            s++;
    }
    *mask = m;
    return 0;
}

/* Record that rule fired at point i involving points [first, i]. */
static int fire(struct zl_spc_series *s, unsigned rule, int chart, size_t first,
                size_t i, struct zl_spc_violation **v, size_t *n_v,
                size_t *cap_v)
{
    s->flags[i] |= (uint16_t)rule;
    /* extend the last violation of this rule on this chart if it touches */
    for (size_t j = *n_v; j-- > 0;) {
        struct zl_spc_violation *p = &(*v)[j];

        if (p->chart == chart && p->rule == rule) {
            if (first <= p->last + 1) {
                p->last = i;
                return 0;
            }
            break;
        }
        if (p->last + 15 < first)
            break; /* older than any window: no merge possible */
    }
    if (*n_v == *cap_v &&
        zl_grow((void **)v, cap_v, *n_v + 1, sizeof **v, 64, NULL))
        return ZL_ENOMEM;
    (*v)[*n_v].rule = rule;
    (*v)[*n_v].chart = chart;
    (*v)[*n_v].first = first;
    (*v)[*n_v].last = i;
    (*n_v)++;
    return 0;
}

int zl_spc_rules_apply(struct zl_spc_series *s, unsigned mask, int chart,
                       struct zl_spc_violation **v, size_t *n_v, size_t *cap_v)
{
    /* runs ending at the previous point */
    size_t above = 0, below = 0, up = 0, down = 0, alt = 0, in1 = 0, out1 = 0,
           seen = 0;
    double prev = NAN, prevdiff = 0, zw[5] = {0};
    int rc = 0;

    for (size_t i = 0; i < s->n && !rc; i++) {
        double x = s->stat[i], sd = ZL_SPC_AT(s, s->sd, i), z, d;
        double cl = ZL_SPC_AT(s, s->cl, i);
        int zones;

        s->flags[i] = 0;
        if (isnan(x)) {
            above = below = up = down = alt = in1 = out1 = seen = 0;
            prev = NAN;
            continue;
        }
        z = (x - cl) / sd;
        zones = isfinite(z);
        if (!zones)
            z = 0;
        /* rule 1: the limits themselves */
        if ((mask & (ZL_SPC_NELSON1 | ZL_SPC_WE1)) &&
            (x > ZL_SPC_AT(s, s->ucl, i) || x < ZL_SPC_AT(s, s->lcl, i))) {
            if (mask & ZL_SPC_NELSON1)
                rc = fire(s, ZL_SPC_NELSON1, chart, i, i, v, n_v, cap_v);
            if (!rc && (mask & ZL_SPC_WE1))
                rc = fire(s, ZL_SPC_WE1, chart, i, i, v, n_v, cap_v);
        }
        /* runs on one side */
        above = x > cl ? above + 1 : 0;
        below = x < cl ? below + 1 : 0;
        if (!rc && (mask & ZL_SPC_NELSON2) && (above >= 9 || below >= 9))
            rc = fire(s, ZL_SPC_NELSON2, chart, i + 1 - (above | below), i, v,
                      n_v, cap_v);
        if (!rc && (mask & ZL_SPC_WE4) && (above >= 8 || below >= 8))
            rc = fire(s, ZL_SPC_WE4, chart, i + 1 - (above | below), i, v, n_v,
                      cap_v);
        /* trend and alternation: counted in differences */
        if (!isnan(prev)) {
            d = x - prev;
            up = d > 0 ? up + 1 : 0;
            down = d < 0 ? down + 1 : 0;
            alt = (d != 0 && prevdiff != 0 && (d > 0) != (prevdiff > 0))
                      ? alt + 1
                      : (d != 0);
            prevdiff = d;
        } else {
            up = down = alt = 0;
            prevdiff = 0;
        }
        prev = x;
        if (!rc && (mask & ZL_SPC_NELSON3) && (up >= 5 || down >= 5))
            rc = fire(s, ZL_SPC_NELSON3, chart, i - (up | down), i, v, n_v,
                      cap_v);
        if (!rc && (mask & ZL_SPC_NELSON4) && alt >= 13)
            rc = fire(s, ZL_SPC_NELSON4, chart, i - alt, i, v, n_v, cap_v);
        if (!zones) {
            in1 = out1 = seen = 0;
            continue;
        }
        /* zone rules on the last five z values */
        memmove(zw + 1, zw, 4 * sizeof *zw);
        zw[0] = z;
        if (seen < 5)
            seen++;
        if (!rc && (mask & (ZL_SPC_NELSON5 | ZL_SPC_WE2)) && seen >= 3 &&
            fabs(z) > 2) {
            int cnt = 0;

            for (int j = 0; j < 3; j++)
                cnt += z > 0 ? zw[j] > 2 : zw[j] < -2;
            if (cnt >= 2) {
                if (mask & ZL_SPC_NELSON5)
                    rc =
                        fire(s, ZL_SPC_NELSON5, chart, i - 2, i, v, n_v, cap_v);
                if (!rc && (mask & ZL_SPC_WE2))
                    rc = fire(s, ZL_SPC_WE2, chart, i - 2, i, v, n_v, cap_v);
            }
        }
        if (!rc && (mask & (ZL_SPC_NELSON6 | ZL_SPC_WE3)) && seen >= 5 &&
            fabs(z) > 1) {
            int cnt = 0;

            for (int j = 0; j < 5; j++)
                cnt += z > 0 ? zw[j] > 1 : zw[j] < -1;
            if (cnt >= 4) {
                if (mask & ZL_SPC_NELSON6)
                    rc =
                        fire(s, ZL_SPC_NELSON6, chart, i - 4, i, v, n_v, cap_v);
                if (!rc && (mask & ZL_SPC_WE3))
                    rc = fire(s, ZL_SPC_WE3, chart, i - 4, i, v, n_v, cap_v);
            }
        }
        in1 = fabs(z) < 1 ? in1 + 1 : 0;
        out1 = fabs(z) > 1 ? out1 + 1 : 0;
        if (!rc && (mask & ZL_SPC_NELSON7) && in1 >= 15)
            rc = fire(s, ZL_SPC_NELSON7, chart, i + 1 - in1, i, v, n_v, cap_v);
        if (!rc && (mask & ZL_SPC_NELSON8) && out1 >= 8)
            rc = fire(s, ZL_SPC_NELSON8, chart, i + 1 - out1, i, v, n_v, cap_v);
    }
    return rc;
}
