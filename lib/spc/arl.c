/*
 * arl.c - average run lengths of EWMA and CUSUM charts (see
 * zhiliang/spc.h).
 *
 * Both solve the integral equation for the ARL as a function of the
 * chart's current value by the Nystrom method: the integral is replaced by
 * a Gauss-Legendre rule on the in-control interval and the linear system
 * (I - K) L = 1 is solved by Gaussian elimination. This is the method of
 * Crowder (1987) and of R's spc package (xewma.arl, xcusum.arl), which the
 * oracle test compares against; the Markov chain of Brook and Evans (1972)
 * converges much more slowly in the number of states (error O(1/N^2) with
 * N in the hundreds, against geometric convergence here), so it was not
 * used. 120 nodes give the ARLs of the published tables to 5 digits.
 */
#include "zhiliang/spc.h"

#include "util/alloc.h"

#include <math.h>

#define NODES 120

static double dnorm(double x)
{
    return exp(-0.5 * x * x) / sqrt(2 * M_PI);
}

/* Gauss-Legendre nodes and weights on [a, b] (Newton on P_n). */
static void gauss_legendre(int n, double a, double b, double *x, double *w)
{
    for (int i = 0; i < (n + 1) / 2; i++) {
        double z = cos(M_PI * (i + 0.75) / (n + 0.5)), pp = 0, z1;

        do {
            double p1 = 1, p2 = 0;

            for (int j = 1; j <= n; j++) {
                double p3 = p2;

                p2 = p1;
                p1 = ((2.0 * j - 1) * z * p2 - (j - 1.0) * p3) / j;
            }
            pp = n * (z * p1 - p2) / (z * z - 1);
            z1 = z;
            z = z1 - p1 / pp;
        } while (fabs(z - z1) > 1e-15);
        x[i] = 0.5 * (a + b) - 0.5 * (b - a) * z;
        x[n - 1 - i] = 0.5 * (a + b) + 0.5 * (b - a) * z;
        w[i] = w[n - 1 - i] = (b - a) / ((1 - z * z) * pp * pp);
    }
}

/* Solve A x = rhs (n x n, row-major, destroyed) in place into rhs.
 * Returns 0, or -1 if singular. */
static int solve(double *A, double *rhs, int n)
{
    for (int c = 0; c < n; c++) {
        int p = c;

        for (int r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
                p = r;
        if (A[p * n + c] == 0)
            return -1;
        if (p != c) {
            for (int k = 0; k < n; k++) {
                double t = A[c * n + k];

                A[c * n + k] = A[p * n + k];
                A[p * n + k] = t;
            }
            double t = rhs[c];
            rhs[c] = rhs[p];
            rhs[p] = t;
        }
        for (int r = c + 1; r < n; r++) {
            double f = A[r * n + c] / A[c * n + c];

            if (f == 0)
                continue;
            for (int k = c; k < n; k++)
                A[r * n + k] -= f * A[c * n + k];
            rhs[r] -= f * rhs[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = rhs[r];

        for (int k = r + 1; k < n; k++)
            s -= A[r * n + k] * rhs[k];
        rhs[r] = s / A[r * n + r];
    }
    return 0;
}

double zl_spc_ewma_arl(double lambda, double L, double mu)
{
    int n = NODES;
    double c, x[NODES], w[NODES], *A, Lv[NODES], arl;

    if (!(lambda > 0 && lambda <= 1) || !(L > 0))
        return NAN;
    c = L * sqrt(lambda / (2 - lambda));
    A = zl_malloc(sizeof(double) * n * n);
    if (!A)
        return NAN;
    gauss_legendre(n, -c, c, x, w);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            A[i * n + j] =
                (i == j) -
                w[j] / lambda *
                    dnorm((x[j] - (1 - lambda) * x[i]) / lambda - mu);
        Lv[i] = 1;
    }
    if (solve(A, Lv, n)) {
        zl_free(A);
        return NAN;
    }
    arl = 1;
    for (int j = 0; j < n; j++)
        arl += w[j] / lambda * dnorm(x[j] / lambda - mu) * Lv[j];
    zl_free(A);
    return arl;
}

/* Upper one-sided CUSUM: unknowns L(0) (index 0) and L at the nodes. */
static double cusum_upper(double k, double h, double mu)
{
    int n = NODES, m = NODES + 1;
    double x[NODES + 1], w[NODES], *A, Lv[NODES + 1], res;

    A = zl_malloc(sizeof(double) * m * m);
    if (!A)
        return NAN;
    gauss_legendre(n, 0, h, x + 1, w);
    x[0] = 0;
    for (int i = 0; i < m; i++) {
        double z = x[i];

        A[i * m + 0] = (i == 0) - zl_spc_pnorm(k - z - mu);
        for (int j = 1; j < m; j++)
            A[i * m + j] = (i == j) - w[j - 1] * dnorm(x[j] - z + k - mu);
        Lv[i] = 1;
    }
    res = solve(A, Lv, m) ? NAN : Lv[0];
    zl_free(A);
    return res;
}

double zl_spc_cusum_arl(double k, double h, double mu, int two_sided)
{
    double up, lo;

    if (!(h > 0) || !(k >= 0))
        return NAN;
    up = cusum_upper(k, h, mu);
    if (!two_sided)
        return up;
    lo = cusum_upper(k, h, -mu);
    return 1 / (1 / up + 1 / lo);
}
