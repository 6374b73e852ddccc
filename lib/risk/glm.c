/*
 * glm.c - a quasi-Poisson log-linear GLM fitted by iteratively reweighted
 * least squares, for the Farrington detector (lib/risk/signals.c).
 *
 * Written to follow R's glm.fit step for step so that the results match
 * surveillance::farringtonFlexible (which calls glm): start at
 * mu = y + 0.1, working response z = eta + (y - mu)/mu, working weights
 * prior * mu, converged when |dev - dev_old| / (|dev| + 0.1) < 1e-8, at
 * most 25 iterations. The covariance (X'WX)^-1, the hat values and the
 * dispersion use the working weights of the last iteration, as R's
 * summary.glm and hatvalues do. Models are small (at most a dozen
 * columns), so the normal equations are solved by Cholesky on a dense
 * matrix; R uses a QR of the weighted design, which differs only in the
 * last digits for well-conditioned designs like these.
 */
#include "risk/risk_int.h"

#include <math.h>
#include <string.h>

/* a (p x p, symmetric positive definite) -> its inverse, in place.
 * Returns -1 when not positive definite. */
static int spd_inverse(double *a, int p)
{
    double l[RK_MAXP * RK_MAXP], inv[RK_MAXP * RK_MAXP];

    memset(l, 0, sizeof l);
    for (int j = 0; j < p; j++) {
        double s = a[j * p + j];

        for (int k = 0; k < j; k++)
            s -= l[j * p + k] * l[j * p + k];
        if (!(s > 1e-12 * (fabs(a[j * p + j]) + 1e-300)))
            return -1;
        l[j * p + j] = sqrt(s);
        for (int i = j + 1; i < p; i++) {
            double t = a[i * p + j];

            for (int k = 0; k < j; k++)
                t -= l[i * p + k] * l[j * p + k];
            l[i * p + j] = t / l[j * p + j];
        }
    }
    /* columns of the inverse: solve L L' x = e_c */
    for (int c = 0; c < p; c++) {
        double y[RK_MAXP];

        for (int i = 0; i < p; i++) {
            double t = i == c ? 1 : 0;

            for (int k = 0; k < i; k++)
                t -= l[i * p + k] * y[k];
            y[i] = t / l[i * p + i];
        }
        for (int i = p - 1; i >= 0; i--) {
            double t = y[i];

            for (int k = i + 1; k < p; k++)
                t -= l[k * p + i] * inv[k * p + c];
            inv[i * p + c] = t / l[i * p + i];
        }
    }
    memcpy(a, inv, sizeof(double) * (size_t)p * (size_t)p);
    return 0;
}

static double poisson_dev(const double *y, const double *mu, const double *pw,
                          size_t n)
{
    double d = 0;

    for (size_t i = 0; i < n; i++) {
        double r = y[i] > 0 ? y[i] * log(y[i] / mu[i]) : 0;

        d += pw[i] * 2 * (r - (y[i] - mu[i]));
    }
    return d;
}

int rk_glm_fit(struct rk_glm *g, const double *x, const double *y,
               const double *pw, size_t n, int p, double *mu, double *h)
{
    double xtwx[RK_MAXP * RK_MAXP], xtwz[RK_MAXP], dev, devold;
    double *w = h; /* working weights live in h until the hat values */

    if (p < 1 || p > RK_MAXP || n <= (size_t)p)
        return -1;
    for (size_t i = 0; i < n; i++)
        mu[i] = y[i] + 0.1;
    devold = poisson_dev(y, mu, pw, n);
    g->converged = 0;
    for (int it = 1; it <= 25; it++) {
        memset(xtwx, 0, sizeof xtwx);
        memset(xtwz, 0, sizeof xtwz);
        for (size_t i = 0; i < n; i++) {
            const double *xi = x + i * (size_t)p;
            double eta = log(mu[i]), z = eta + (y[i] - mu[i]) / mu[i];

            w[i] = pw[i] * mu[i];
            for (int a = 0; a < p; a++) {
                xtwz[a] += w[i] * xi[a] * z;
                for (int c = 0; c <= a; c++)
                    xtwx[a * p + c] += w[i] * xi[a] * xi[c];
            }
        }
        for (int a = 0; a < p; a++)
            for (int c = a + 1; c < p; c++)
                xtwx[a * p + c] = xtwx[c * p + a];
        if (spd_inverse(xtwx, p) != 0)
            return -1;
        for (int a = 0; a < p; a++) {
            g->beta[a] = 0;
            for (int c = 0; c < p; c++)
                g->beta[a] += xtwx[a * p + c] * xtwz[c];
        }
        for (size_t i = 0; i < n; i++) {
            const double *xi = x + i * (size_t)p;
            double eta = 0;

            for (int a = 0; a < p; a++)
                eta += xi[a] * g->beta[a];
            mu[i] = exp(eta);
        }
        dev = poisson_dev(y, mu, pw, n);
        if (!isfinite(dev))
            return -1;
        if (fabs(dev - devold) / (fabs(dev) + 0.1) < 1e-8) {
            g->converged = 1;
            break;
        }
        devold = dev;
    }
    memcpy(g->cov, xtwx, sizeof(double) * (size_t)p * (size_t)p);
    g->p = p;
    g->df = (double)n - p;
    /* Pearson dispersion with the last working weights (summary.glm) */
    g->disp = 0;
    for (size_t i = 0; i < n; i++) {
        double r = (y[i] - mu[i]) / mu[i];

        g->disp += w[i] * r * r;
    }
    g->disp /= g->df;
    g->disp_se = g->disp;
    for (size_t i = 0; i < n; i++) {
        const double *xi = x + i * (size_t)p;
        double q = 0;

        for (int a = 0; a < p; a++)
            for (int c = 0; c < p; c++)
                q += xi[a] * g->cov[a * p + c] * xi[c];
        h[i] = w[i] * q;
    }
    return 0;
}
