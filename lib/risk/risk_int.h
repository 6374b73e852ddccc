/*
 * risk_int.h - what the files of lib/risk share and nobody else sees.
 */
#ifndef ZL_RISK_INT_H
#define ZL_RISK_INT_H

#include <stddef.h>

/* Most columns a Farrington model has: intercept, trend and up to
 * RK_MAXP - 2 seasonal factor levels. */
#define RK_MAXP 24

struct rk_glm {
    double beta[RK_MAXP];
    double cov[RK_MAXP * RK_MAXP]; /* (X'WX)^-1, unscaled */
    int p;
    double df;      /* residual degrees of freedom */
    double disp;    /* Pearson dispersion estimate (may be below 1) */
    double disp_se; /* the dispersion that scales standard errors */
    int converged;
};

/* Fit log E[y] = X beta, quasi-Poisson, prior weights pw, x row-major
 * n x p. mu[n] receives the fitted means, h[n] the hat values. Returns 0
 * (check g->converged) or -1 for a singular or diverging fit. */
int rk_glm_fit(struct rk_glm *g, const double *x, const double *y,
               const double *pw, size_t n, int p, double *mu, double *h);

#endif
