/*
 * constants.c - control chart constants computed from their definitions
 * (see zhiliang/spc.h), never typed in.
 *
 * d2 = E[R] and d3 = sd(R) for the range R of n standard normal values:
 * with F(w) = P(R <= w) = n * integral phi(x) (Phi(x + w) - Phi(x))^(n-1)
 * dx, E[R] = integral_0^inf (1 - F(w)) dw and E[R^2] = integral_0^inf 2w
 * (1 - F(w)) dw. The inner integral runs over the whole line with a
 * smooth integrand that decays like phi, where the trapezoid rule
 * converges geometrically (step 1/16 on [-8.5, 8.5] is exact to ~1e-12);
 * the outer one starts at w = 0 where the integrand is not periodic, so it
 * uses composite Simpson with step 1/64 up to w = 14 (error ~1e-10).
 * About 2e5 evaluations of Phi per n: a few milliseconds, so each size is
 * computed once per process and kept (under a lock: thread-safe).
 *
 * c4 = sqrt(2/(n-1)) Gamma(n/2) / Gamma((n-1)/2), through lgamma so large
 * n does not overflow. The published tables (Montgomery, Appendix VI;
 * ASTM E2587) round these to 3 or 4 places; tests/unit/test_spc.c checks
 * every one against tests/conformance/spc/constants_montgomery.csv.
 */
#include "zhiliang/spc.h"

#include "spc/spc_int.h"

#include <math.h>
#include <pthread.h>

#define X_LO (-8.5)
#define X_H  (1.0 / 16)
#define X_N  272 /* (8.5 - -8.5) / X_H */
#define W_H  (1.0 / 64)
#define W_N  896 /* 14 / W_H, even for Simpson */

double zl_spc_c4(int n)
{
    if (n < 2)
        return NAN;
    return sqrt(2.0 / (n - 1)) * exp(lgamma(n / 2.0) - lgamma((n - 1) / 2.0));
}

/* P(R > w) for n standard normals, phi and Phi sampled on the x grid. */
static double range_tail(int n, double w, const double *phi, const double *Phi)
{
    double s = 0;

    for (int i = 0; i <= X_N; i++) {
        double x = X_LO + i * X_H;
        double d = zl_spc_pnorm(x + w) - Phi[i];

        if (phi[i] > 0 && d > 0)
            s += phi[i] * pow(d, n - 1);
    }
    s *= n * X_H;
    return s >= 1 ? 0 : 1 - s;
}

/* Computed values, kept for the life of the process: a chart call needs
 * one or two sizes, and recomputing them each time (a few ms) would
 * dominate small charts. The lock is held while computing so each size is
 * computed once. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static double cache_d2[ZL_SPC_MAX_N + 1], cache_d3[ZL_SPC_MAX_N + 1];
static unsigned char cache_have[ZL_SPC_MAX_N + 1];

static void range_moments(int n, double *d2, double *d3);

int spc_range_moments(int n, double *d2, double *d3)
{
    if (n < 2 || n > ZL_SPC_MAX_N)
        return ZL_EINVAL;
    pthread_mutex_lock(&cache_lock);
    if (!cache_have[n]) {
        range_moments(n, &cache_d2[n], &cache_d3[n]);
        cache_have[n] = 1;
    }
    *d2 = cache_d2[n];
    *d3 = cache_d3[n];
    pthread_mutex_unlock(&cache_lock);
    return 0;
}

static void range_moments(int n, double *d2, double *d3)
{
    double phi[X_N + 1], Phi[X_N + 1], e1 = 0, e2 = 0;

    for (int i = 0; i <= X_N; i++) {
        double x = X_LO + i * X_H;

        phi[i] = exp(-0.5 * x * x) / sqrt(2 * M_PI);
        Phi[i] = zl_spc_pnorm(x);
    }
    for (int j = 0; j <= W_N; j++) {
        double w = j * W_H, t = range_tail(n, w, phi, Phi);
        double c = (j == 0 || j == W_N) ? 1 : (j & 1) ? 4 : 2;

        e1 += c * t;
        e2 += c * 2 * w * t;
    }
    e1 *= W_H / 3;
    e2 *= W_H / 3;
    *d2 = e1;
    *d3 = sqrt(e2 - e1 * e1);
}

int zl_spc_constants(int n, struct zl_spc_constants *out)
{
    double d2, d3, c4, b;
    int rc = spc_range_moments(n, &d2, &d3);

    if (rc)
        return rc;
    c4 = zl_spc_c4(n);
    out->n = n;
    out->d2 = d2;
    out->d3 = d3;
    out->c4 = c4;
    out->A2 = 3 / (d2 * sqrt(n));
    out->A3 = 3 / (c4 * sqrt(n));
    b = 3 * sqrt(1 - c4 * c4) / c4;
    out->B3 = fmax(0, 1 - b);
    out->B4 = 1 + b;
    out->D3 = fmax(0, 1 - 3 * d3 / d2);
    out->D4 = 1 + 3 * d3 / d2;
    return 0;
}
