/*
 * bench_spc.c - figures for the SPC chart-and-rules pass, beside R.
 *
 *   1. X-bar/R with all eight Nelson rules on both charts over N
 *      measurements in subgroups of 5 (default 10^7: 2x10^6 subgroups).
 *   2. I-MR with all eight Nelson rules over N individuals.
 *
 * Each is zl_spc_chart from the measurements in memory to the limits,
 * flags and violations, best of 3 runs. The same data are written to a
 * file and R (Rscript, base R only, vectorised: colMeans, pmax/pmin over
 * the rows of the subgroup matrix, run rules as windowed sums of cumsum)
 * computes the same limits and flags in the same run; R's time excludes
 * reading the file. Both report how many points each rule flagged, and
 * the counts must agree (a correctness check of the pass being timed;
 * the first moving range does not exist, so R tests the MR chart from the
 * second point, where our pass restarts its runs).
 * Without Rscript the R column is skipped with a message.
 *
 * usage: bench_spc [N [DIR]]   defaults 10000000, /tmp
 */
#include "zhiliang/spc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252u;

static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

/* In-control noise with an occasional sustained shift, so every rule has
 * something to find. */
static void make_data(double *x, size_t n)
{
    double shift = 0;

    for (size_t i = 0; i < n; i += 2) {
        double r = sqrt(-2 * log(urand())), t = 2 * M_PI * urand();

        if (i % 5000 == 0)
            shift = urand() < 0.2 ? (urand() - 0.5) * 3 : 0;
        x[i] = 10 + shift + r * cos(t);
        if (i + 1 < n)
            x[i + 1] = 10 + shift + r * sin(t);
    }
}

/* Points flagged per Nelson rule, both charts together. */
static void count_flags(const struct zl_spc_result *r, long cnt[8])
{
    memset(cnt, 0, 8 * sizeof *cnt);
    for (int k = 0; k < r->n_series; k++)
        for (size_t i = 0; i < r->s[k].n; i++)
            for (int b = 0; b < 8; b++)
                cnt[b] += (r->s[k].flags[i] >> b) & 1;
}

static double run(const char *what, const double *x, size_t n,
                  const uint32_t *sizes, size_t ng, enum zl_spc_chart chart,
                  long cnt[8], double *cpu)
{
    struct zl_spc_opts o = {.chart = chart, .rules = ZL_SPC_RULES_NELSON};
    struct zl_spc_result r;
    struct zl_error err = {0};
    double best = 1e30, best_cpu = 1e30;

    for (int rep = 0; rep < 3; rep++) {
        double t0 = now(), c0 = cpu_now(), dt;
        int rc = zl_spc_chart(x, n, sizes, ng, &o, &r, &err);

        dt = now() - t0;
        if (cpu_now() - c0 < best_cpu)
            best_cpu = cpu_now() - c0;
        if (rc) {
            fprintf(stderr, "bench_spc: %s: %s %s\n", what, zl_strerror(rc),
                    err.rule);
            exit(1);
        }
        if (dt < best)
            best = dt;
        if (rep == 2) {
            count_flags(&r, cnt);
            printf("%-26s %6.3f s wall, %6.3f s CPU: %6.1f M "
                   "measurements/s (CPU: %.1f M/s); centre %.4f, sigma %.4f, "
                   "%zu violations\n",
                   what, best, best_cpu, n / best / 1e6, n / best_cpu / 1e6,
                   r.center, r.sigma, r.n_v);
        }
        zl_spc_result_cleanup(&r);
    }
    *cpu = best_cpu;
    return best;
}

static const char R_SCRIPT[] =
    "args <- commandArgs(TRUE); n <- as.numeric(args[2])\n"
    "x <- readBin(args[1], 'double', n)\n"
    "rules <- function(s, cl, sd, lcl, ucl) {\n"
    "  z <- (s - cl) / sd; m <- length(s)\n"
    "  win <- function(v, k) { c <- cumsum(c(0, v)); w <- c[-(1:k)] - "
    "c[1:(m - k + 1)]; c(rep(NA, k - 1), w) }\n"
    "  side <- sign(s - cl); d <- c(0, sign(diff(s)))\n"
    "  alt <- c(0, as.integer(d[-1] * d[-m] == -1))\n"
    "  f <- integer(8)\n"
    "  f[1] <- sum(s > ucl | s < lcl)\n"
    "  f[2] <- sum(win(side > 0, 9) == 9 | win(side < 0, 9) == 9, na.rm = "
    "TRUE)\n"
    "  f[3] <- sum(win(d > 0, 5) == 5 | win(d < 0, 5) == 5, na.rm = TRUE)\n"
    "  f[4] <- sum(win(alt, 12) == 12, na.rm = TRUE)\n"
    "  f[5] <- sum((z > 2 & win(z > 2, 3) >= 2) | (z < -2 & win(z < -2, 3) "
    ">= 2), na.rm = TRUE)\n"
    "  f[6] <- sum((z > 1 & win(z > 1, 5) >= 4) | (z < -1 & win(z < -1, 5) "
    ">= 4), na.rm = TRUE)\n"
    "  f[7] <- sum(win(abs(z) < 1, 15) == 15, na.rm = TRUE)\n"
    "  f[8] <- sum(win(abs(z) > 1, 8) == 8, na.rm = TRUE)\n"
    "  f }\n"
    "d2 <- function(k) integrate(function(w) 1 - sapply(w, function(ww) "
    "integrate(function(u) k * dnorm(u) * (pnorm(u + ww) - pnorm(u))^(k - "
    "1), -Inf, Inf, rel.tol = 1e-12)$value), 0, Inf, rel.tol = 1e-12)$value\n"
    "d3 <- function(k) sqrt(integrate(function(w) 2 * w * (1 - sapply(w, "
    "function(ww) integrate(function(u) k * dnorm(u) * (pnorm(u + ww) - "
    "pnorm(u))^(k - 1), -Inf, Inf, rel.tol = 1e-12)$value)), 0, Inf, "
    "rel.tol = 1e-12)$value - d2(k)^2)\n"
    "K <- c(d2(5), d3(5), d2(2), d3(2))\n"
    "cpu <- function(t) t[['user.self']] + t[['sys.self']]\n"
    "t1 <- system.time({\n"
    "  m <- matrix(x, nrow = 5); xb <- colMeans(m)\n"
    "  hi <- m[1, ]; lo <- m[1, ]\n"
    "  for (i in 2:5) { hi <- pmax(hi, m[i, ]); lo <- pmin(lo, m[i, ]) }\n"
    "  R <- hi - lo; sg <- mean(R) / K[1]; cl <- mean(xb)\n"
    "  f1 <- rules(xb, cl, sg / sqrt(5), cl - 3 * sg / sqrt(5), cl + 3 * sg "
    "/ sqrt(5)) +\n"
    "        rules(R, K[1] * sg, K[2] * sg, max(0, (K[1] - 3 * K[2]) * sg), "
    "(K[1] + 3 * K[2]) * sg)\n"
    "})\n"
    "t2 <- system.time({\n"
    "  mr <- abs(diff(x)); sg <- mean(mr) / K[3]; cl <- mean(x)\n"
    "  f2 <- rules(x, cl, sg, cl - 3 * sg, cl + 3 * sg) +\n"
    "        rules(mr, K[3] * sg, K[4] * sg, max(0, (K[3] - 3 * K[4]) * sg), "
    "(K[3] + 3 * K[4]) * sg)\n"
    "})\n"
    "cat('xbar', t1[['elapsed']], cpu(t1), f1, '\\n')\n"
    "cat('imr', t2[['elapsed']], cpu(t2), f2, '\\n')\n";

/* Run R on the data file; fills its times and counts. 0, or -1 if R is
 * missing or failed. */
static int run_r(const char *dir, const double *x, size_t n, double t[2],
                 double tc[2], long cnt[2][8])
{
    char data[512], script[512], cmd[1400], line[512];
    FILE *f;
    int got = 0;

    if (system("command -v Rscript >/dev/null 2>&1")) {
        printf("R: Rscript not installed, peer skipped (apt-get install "
               "r-base-core)\n");
        return -1;
    }
    snprintf(data, sizeof data, "%s/bench_spc_%ld.bin", dir, (long)getpid());
    snprintf(script, sizeof script, "%s/bench_spc_%ld.R", dir, (long)getpid());
    f = fopen(data, "wb");
    if (!f || fwrite(x, sizeof *x, n, f) != n || fclose(f)) {
        fprintf(stderr, "bench_spc: cannot write %s\n", data);
        return -1;
    }
    f = fopen(script, "w");
    if (!f || fputs(R_SCRIPT, f) < 0 || fclose(f)) {
        fprintf(stderr, "bench_spc: cannot write %s\n", script);
        return -1;
    }
    snprintf(cmd, sizeof cmd, "Rscript %s %s %zu", script, data, n);
    f = popen(cmd, "r");
    while (f && fgets(line, sizeof line, f)) {
        int k = !strncmp(line, "xbar", 4)  ? 0
                : !strncmp(line, "imr", 3) ? 1
                                           : -1;
        char *p = strchr(line, ' ');

        if (k < 0 || !p)
            continue;
        t[k] = strtod(p, &p);
        tc[k] = strtod(p, &p);
        for (int b = 0; b < 8; b++)
            cnt[k][b] = strtol(p, &p, 10);
        got++;
    }
    if (f)
        pclose(f);
    unlink(data);
    unlink(script);
    return got == 2 ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    double *x, t_ours[2], t_r[2], c_ours[2], c_r[2];
    uint32_t *sizes;
    long cnt[2][8], rcnt[2][8];
    int have_r;

    n -= n % 5;
    x = malloc(n * sizeof *x);
    sizes = malloc(n / 5 * sizeof *sizes);
    if (!x || !sizes || n < 100)
        return 1;
    for (size_t i = 0; i < n / 5; i++)
        sizes[i] = 5;
    make_data(x, n);
    printf("bench_spc: %zu measurements, all 8 Nelson rules on both charts\n",
           n);
    t_ours[0] = run("X-bar/R, subgroups of 5", x, n, sizes, n / 5,
                    ZL_SPC_XBAR_R, cnt[0], &c_ours[0]);
    t_ours[1] = run("I-MR", x, n, NULL, n, ZL_SPC_IMR, cnt[1], &c_ours[1]);
    have_r = !run_r(dir, x, n, t_r, c_r, rcnt);
    for (int k = 0; k < 2; k++) {
        int same = 1;

        printf("%s flags per rule (zhiliang):", k ? "I-MR  " : "X-bar/R");
        for (int b = 0; b < 8; b++)
            printf(" %ld", cnt[k][b]);
        printf("\n");
        if (!have_r)
            continue;
        for (int b = 0; b < 8; b++)
            same &= cnt[k][b] == rcnt[k][b];
        printf("%s flags per rule (R):       ", k ? "I-MR  " : "X-bar/R");
        for (int b = 0; b < 8; b++)
            printf(" %ld", rcnt[k][b]);
        printf("  %s\n", same ? "(same)" : "(DIFFERENT)");
        printf("%s: R %.3f s wall, %.3f s CPU; zhiliang %.3f s wall, %.3f s "
               "CPU: %.0fx faster (wall), %.0fx (CPU)\n",
               k ? "I-MR" : "X-bar/R", t_r[k], c_r[k], t_ours[k], c_ours[k],
               t_r[k] / t_ours[k], c_r[k] / c_ours[k]);
    }
    free(x);
    free(sizes);
    return 0;
}
