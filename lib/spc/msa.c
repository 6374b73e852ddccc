/*
 * msa.c - gauge repeatability and reproducibility by the ANOVA method
 * (AIAG, Measurement Systems Analysis, 4th ed., 2010, chapter III-B), for
 * a balanced crossed study (see zhiliang/spc.h).
 *
 * Two-way ANOVA with interaction: parts and operators random. Variance
 * components from the expected mean squares: repeatability = MS_E,
 * interaction = (MS_PO - MS_E)/r, operator = (MS_O - MS_PO)/(p r), part =
 * (MS_P - MS_PO)/(o r), negative estimates set to 0 (AIAG). When the
 * interaction is not significant (p above alpha_pool, 0.25 as Minitab and
 * common practice) it is pooled with the error and the model refitted
 * without it. %GRR compares standard deviations (not variances): 100
 * sd_GRR / sd_total; %tolerance is 100 * 6 sd_GRR / (USL - LSL); ndc =
 * 1.41 sd_part / sd_GRR truncated (AIAG), at least 1. The ANOVA is checked
 * against R's aov in tests/integration/spc_r_oracle.sh.
 */
#include "zhiliang/spc.h"

#include "util/alloc.h"

#include <math.h>
#include <string.h>

static void row(struct zl_spc_anova_row *r, double df, double ss)
{
    r->df = df;
    r->ss = ss;
    r->ms = df > 0 ? ss / df : NAN;
    r->f = r->p = NAN;
}

static void test(struct zl_spc_anova_row *r, const struct zl_spc_anova_row *d)
{
    if (r->df > 0 && d->df > 0 && d->ms > 0) {
        r->f = r->ms / d->ms;
        r->p = zl_spc_pf_upper(r->f, r->df, d->df);
    }
}

int zl_spc_gauge_rr(const double *y, size_t P, size_t O, size_t R, double tol,
                    double alpha_pool, struct zl_spc_gauge *g,
                    struct zl_error *err)
{
    double *pm = NULL, *om = NULL, gm = 0, ssp = 0, sso = 0, sspo = 0, sse = 0,
           sst = 0, n = (double)(P * O * R), sd_grr, sd_tot;
    int rc = 0;

    memset(g, 0, sizeof *g);
    if (P < 2 || O < 1 || R < 2)
        return zl_error_setf(err, ZL_EINVAL, "study", NULL,
                             "%zu parts, %zu operators, %zu replicates: need "
                             "at least 2 parts and 2 replicates",
                             P, O, R);
    pm = zl_calloc(P, sizeof *pm);
    om = zl_calloc(O, sizeof *om);
    if (!pm || !om) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < P * O * R; i++) {
        if (!isfinite(y[i])) {
            rc = zl_error_setf(err, ZL_EINVAL, "values", NULL,
                               "measurement %zu is not a finite number", i + 1);
            goto out;
        }
        gm += y[i];
    }
    gm /= n;
    for (size_t p = 0; p < P; p++)
        for (size_t o = 0; o < O; o++) {
            double cm = 0;

            for (size_t r = 0; r < R; r++)
                cm += y[(p * O + o) * R + r];
            pm[p] += cm;
            om[o] += cm;
        }
    for (size_t p = 0; p < P; p++) {
        pm[p] /= (double)(O * R);
        ssp += (pm[p] - gm) * (pm[p] - gm);
    }
    for (size_t o = 0; o < O; o++) {
        om[o] /= (double)(P * R);
        sso += (om[o] - gm) * (om[o] - gm);
    }
    ssp *= (double)(O * R);
    sso *= (double)(P * R);
    for (size_t p = 0; p < P; p++)
        for (size_t o = 0; o < O; o++) {
            const double *c = y + (p * O + o) * R;
            double cm = 0, d;

            for (size_t r = 0; r < R; r++)
                cm += c[r];
            cm /= (double)R;
            d = cm - pm[p] - om[o] + gm;
            sspo += R * d * d;
            for (size_t r = 0; r < R; r++) {
                sse += (c[r] - cm) * (c[r] - cm);
                sst += (c[r] - gm) * (c[r] - gm);
            }
        }
    g->parts = P;
    g->opers = O;
    g->reps = R;
    row(&g->part, P - 1.0, ssp);
    row(&g->oper, O - 1.0, sso);
    row(&g->inter, (P - 1.0) * (O - 1.0), sspo);
    row(&g->error, P * O * (R - 1.0), sse);
    row(&g->total, n - 1, sst);
    test(&g->inter, &g->error);
    g->pooled = O < 2 || (alpha_pool > 0 && g->inter.p > alpha_pool);
    if (g->pooled) {
        row(&g->error, g->error.df + g->inter.df, sse + sspo);
        test(&g->part, &g->error);
        test(&g->oper, &g->error);
        g->var_repeat = g->error.ms;
        g->var_inter = 0;
        g->var_oper = O < 2 ? 0 : fmax(0, (g->oper.ms - g->error.ms) / (P * R));
        g->var_part = fmax(0, (g->part.ms - g->error.ms) / (O * R));
    } else {
        test(&g->part, &g->inter);
        test(&g->oper, &g->inter);
        g->var_repeat = g->error.ms;
        g->var_inter = fmax(0, (g->inter.ms - g->error.ms) / R);
        g->var_oper = fmax(0, (g->oper.ms - g->inter.ms) / (P * R));
        g->var_part = fmax(0, (g->part.ms - g->inter.ms) / (O * R));
    }
    g->var_reprod = g->var_oper + g->var_inter;
    g->var_grr = g->var_repeat + g->var_reprod;
    g->var_total = g->var_grr + g->var_part;
    sd_grr = sqrt(g->var_grr);
    sd_tot = sqrt(g->var_total);
    g->pct_grr = 100 * sd_grr / sd_tot;
    g->pct_repeat = 100 * sqrt(g->var_repeat) / sd_tot;
    g->pct_reprod = 100 * sqrt(g->var_reprod) / sd_tot;
    g->pct_part = 100 * sqrt(g->var_part) / sd_tot;
    g->pct_tol_grr = tol > 0 ? 100 * 6 * sd_grr / tol : NAN;
    g->ndc = sd_grr > 0 ? (int)floor(1.41 * sqrt(g->var_part) / sd_grr) : 1;
    if (g->ndc < 1)
        g->ndc = 1;
out:
    zl_free(pm);
    zl_free(om);
    return rc;
}
