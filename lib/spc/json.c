/*
 * json.c - a chart's result as JSON (zl_spc_result_json): what `zhiliang
 * spc chart --json` prints.
 *
 * Written straight to the output by the JSON writer (util/jw.h), not
 * built as a jansson tree first: a chart of a million measurements is a
 * million points, and the tree cost 15 times the chart's own time and
 * 800 MB (1.5 s and 811 MB RSS against 0.12 s for the text report). The
 * bytes are those the tree's compact dump gave, to 15 significant digits,
 * members in the order below; a value jansson cannot hold (json_real of a
 * NaN or an infinity) leaves its member out, as it did, except a point's
 * statistic, which is null when the point has none.
 */
#include "zhiliang/spc.h"

#include "util/buf.h"
#include "util/jw.h"

#include <math.h>

/* k: v, when v is a number jansson can hold. */
static void real_member(struct zl_jw *w, const char *k, double v)
{
    if (isfinite(v)) {
        zl_jw_key(w, k);
        zl_jw_real(w, v);
    }
}

static void point(struct zl_jw *w, const struct zl_spc_series *s, size_t i)
{
    zl_jw_open(w, '{');
    if (isnan(s->stat[i])) {
        zl_jw_key(w, "stat");
        zl_jw_null(w);
    } else
        real_member(w, "stat", s->stat[i]);
    if (s->varying) {
        real_member(w, "cl", s->cl[i]);
        real_member(w, "lcl", s->lcl[i]);
        real_member(w, "ucl", s->ucl[i]);
    }
    if (s->flags[i]) {
        zl_jw_key(w, "rules");
        zl_jw_open(w, '[');
        for (unsigned b = 1; b <= ZL_SPC_WE4; b <<= 1)
            if (s->flags[i] & b)
                zl_jw_str(w, zl_spc_rule_name(b));
        zl_jw_close(w);
    }
    zl_jw_close(w);
}

static void series(struct zl_jw *w, const struct zl_spc_series *s)
{
    zl_jw_open(w, '{');
    zl_jw_key(w, "name");
    zl_jw_str(w, s->name);
    if (!s->varying) {
        real_member(w, "cl", s->cl[0]);
        real_member(w, "lcl", s->lcl[0]);
        real_member(w, "ucl", s->ucl[0]);
    }
    zl_jw_key(w, "points");
    zl_jw_open(w, '[');
    for (size_t i = 0; i < s->n; i++)
        point(w, s, i);
    zl_jw_close(w);
    zl_jw_close(w);
}

static void violation(struct zl_jw *w, const struct zl_spc_result *r,
                      const struct zl_spc_violation *v)
{
    zl_jw_open(w, '{');
    zl_jw_key(w, "rule");
    zl_jw_str(w, zl_spc_rule_name(v->rule));
    zl_jw_key(w, "chart");
    zl_jw_str(w, r->s[v->chart].name);
    zl_jw_key(w, "first");
    zl_jw_int(w, (long long)v->first + 1);
    zl_jw_key(w, "last");
    zl_jw_int(w, (long long)v->last + 1);
    zl_jw_key(w, "en");
    zl_jw_str(w, zl_spc_rule_text(v->rule, ZL_SPC_EN));
    zl_jw_key(w, "zh");
    zl_jw_str(w, zl_spc_rule_text(v->rule, ZL_SPC_ZH));
    zl_jw_close(w);
}

int zl_spc_result_json(const struct zl_spc_result *r, struct zl_buf *out)
{
    struct zl_jw w;

    zl_jw_init(&w, out, JSON_COMPACT | JSON_REAL_PRECISION(15));
    zl_jw_open(&w, '{');
    zl_jw_key(&w, "chart");
    zl_jw_str(&w, zl_spc_chart_name(r->chart));
    real_member(&w, "center", r->center);
    if (r->sigma > 0) {
        real_member(&w, "sigma", r->sigma);
        zl_jw_key(&w, "sigmaMethod");
        zl_jw_str(&w, zl_spc_sigma_name(r->sigma_method));
    }
    zl_jw_key(&w, "groups");
    zl_jw_int(&w, (long long)r->n_groups);
    zl_jw_key(&w, "groupsUsed");
    zl_jw_int(&w, (long long)r->n_used);
    zl_jw_key(&w, "excluded");
    zl_jw_open(&w, '[');
    for (size_t i = 0; i < r->n_groups; i++)
        if (r->excluded[i])
            zl_jw_int(&w, (long long)i + 1);
    zl_jw_close(&w);
    zl_jw_key(&w, "series");
    zl_jw_open(&w, '[');
    for (int k = 0; k < r->n_series; k++)
        series(&w, &r->s[k]);
    zl_jw_close(&w);
    zl_jw_key(&w, "violations");
    zl_jw_open(&w, '[');
    for (size_t i = 0; i < r->n_v; i++)
        violation(&w, r, &r->v[i]);
    zl_jw_close(&w);
    zl_jw_close(&w);
    return zl_jw_done(&w);
}
