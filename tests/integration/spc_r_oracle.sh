#!/usr/bin/env bash
# spc_r_oracle.sh - R (base R and the spc package, Debian's r-base-core and
# r-cran-spc) as an independent oracle for `zhiliang spc`: the same data
# are charted by zhiliang and computed in R, and every number compared.
#
#  - d2 and d3 by R's integrate() (its own quadrature, not ours), the
#    X-bar/R, X-bar/S (variable subgroup sizes, all four estimators of
#    qcc), I-MR, p (variable n), u, EWMA and CUSUM statistics and limits
#    written in vectorised base R from their textbook definitions;
#  - EWMA and two-sided CUSUM average run lengths against spc's
#    xewma.arl(sided = "two") and xcusum.arl(sided = "two");
#  - gauge R&R against aov() on the crossed two-way model;
#  - capability indices, and the Anderson-Darling statistic and p-value
#    written in base R as nortest::ad.test computes them.
# Skipped (77) when R or its spc package is missing: install them with
# scripts/install-deps.sh --test.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v Rscript >/dev/null || { echo "# skipped: Rscript not installed"; exit 77; }
Rscript -e 'library(spc)' >/dev/null 2>&1 || { echo "# skipped: R package spc not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

# ---- the data and R's answers --------------------------------------------
cat > oracle.R <<'REOF'
suppressMessages(library(spc))
set.seed(20261206)
out <- character()
put <- function(k, v) out <<- c(out, sprintf("%s %.15g", k, v))
d2f <- function(n) integrate(function(w) 1 - sapply(w, function(ww)
  integrate(function(x) n * dnorm(x) * (pnorm(x + ww) - pnorm(x))^(n - 1),
            -Inf, Inf, rel.tol = 1e-12)$value), 0, Inf, rel.tol = 1e-12)$value
e2f <- function(n) integrate(function(w) 2 * w * (1 - sapply(w, function(ww)
  integrate(function(x) n * dnorm(x) * (pnorm(x + ww) - pnorm(x))^(n - 1),
            -Inf, Inf, rel.tol = 1e-12)$value)), 0, Inf, rel.tol = 1e-12)$value
c4f <- function(n) sqrt(2 / (n - 1)) * exp(lgamma(n / 2) - lgamma((n - 1) / 2))
D2 <- D3 <- numeric(25)
for (n in 2:25) { D2[n] <- d2f(n); D3[n] <- sqrt(e2f(n) - D2[n]^2)
  put(sprintf("d2_%d", n), D2[n]); put(sprintf("d3_%d", n), D3[n]) }

# variables, variable subgroup sizes 3..7
sizes <- sample(3:7, 40, replace = TRUE)
g <- rep(seq_along(sizes), sizes)
x <- 50 + rnorm(sum(sizes), sd = 2) + rep(rnorm(40, sd = 0.5), sizes)
write.csv(data.frame(g = g, value = x), "var.csv", row.names = FALSE)
xb <- tapply(x, g, mean); R <- tapply(x, g, function(v) diff(range(v)))
S <- tapply(x, g, sd); n <- sizes
center <- sum(n * xb) / sum(n)
put("center", center)
sig <- c(uwave_r = mean(R / D2[n]), uwave_sd = mean(S / c4f(n)),
         mvlue_r = sum((D2[n]/D3[n])^2 * R / D2[n]) / sum((D2[n]/D3[n])^2),
         mvlue_sd = sum(c4f(n)^2/(1-c4f(n)^2) * S / c4f(n)) / sum(c4f(n)^2/(1-c4f(n)^2)),
         rmsdf = sqrt(sum((n - 1) * S^2) / sum(n - 1)) / c4f(sum(n - 1) + 1))
for (k in names(sig)) put(paste0("sigma_", k), sig[[k]])
s <- sig[["uwave_sd"]]
put("xbar_ucl_1", center + 3 * s / sqrt(n[1])); put("xbar_lcl_7", center - 3 * s / sqrt(n[7]))
put("s_ucl_1", s * (c4f(n[1]) + 3 * sqrt(1 - c4f(n[1])^2)))
sr <- sig[["uwave_r"]]
put("r_ucl_2", sr * (D2[n[2]] + 3 * D3[n[2]])); put("r_cl_2", sr * D2[n[2]])

# individuals
y <- 10 + cumsum(rnorm(300, sd = 0.05)) + rnorm(300)
write.csv(data.frame(value = y), "ind.csv", row.names = FALSE)
mr <- abs(diff(y)); si <- mean(mr) / D2[2]
put("i_center", mean(y)); put("i_sigma", si); put("i_ucl", mean(y) + 3 * si)
put("mr_ucl", si * (D2[2] + 3 * D3[2]))
# EWMA lambda 0.2, L 3 and CUSUM k 0.5, h 4 on the same data
lam <- 0.2; z <- numeric(300); zz <- mean(y)
for (i in 1:300) { zz <- lam * y[i] + (1 - lam) * zz; z[i] <- zz }
put("ewma_last", z[300]); put("ewma_ucl_3", mean(y) + 3 * si * sqrt(lam/(2-lam)*(1-(1-lam)^6)))
cp <- cm <- 0; zs <- (y - mean(y)) / si
for (i in 1:300) { cp <- max(0, cp + zs[i] - 0.5); cm <- max(0, cm - zs[i] - 0.5) }
put("cusum_cp_last", cp); put("cusum_cm_last", cm)

# live streams (zhiliang spc append, fixed target 0 and sigma 1): where an
# EWMA (lambda 0.1, L 2.814) and a two-sided CUSUM (k 0.5, h 4) stream
# raise their alarms, in base R: an alarm at each point that begins a run
# of points beyond a limit (the exact, time-varying EWMA limits)
w <- rnorm(400); w[201:400] <- w[201:400] + 0.8
write.csv(data.frame(value = w), "stream.csv", row.names = FALSE)
starts <- function(out) { i <- which(out); if (length(i)) i[c(TRUE, diff(i) > 1)] else integer() }
putrun <- function(k, a) { put(paste0(k, "_n"), length(a)); put(paste0(k, "_first"), if (length(a)) a[1] else 0)
  put(paste0(k, "_sum"), sum(a)) }
lam <- 0.1; zz <- 0; ew <- numeric(400)
for (i in 1:400) { zz <- lam * w[i] + (1 - lam) * zz; ew[i] <- zz }
lim <- 2.814 * sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2 * (1:400))))
putrun("st_ewma", starts(ew > lim | ew < -lim))
cp <- cm <- numeric(400); a <- b <- 0
for (i in 1:400) { a <- max(0, a + w[i] - 0.5); b <- max(0, b - w[i] - 0.5); cp[i] <- a; cm[i] <- b }
putrun("st_cusum_up", starts(cp > 4)); putrun("st_cusum_lo", starts(cm > 4))

# attributes: p with variable n, u
pn <- sample(80:120, 30, replace = TRUE); d <- rbinom(30, pn, 0.08)
write.csv(data.frame(s = 1:30, d = d, n = pn), "p.csv", row.names = FALSE)
pb <- sum(d) / sum(pn); put("p_center", pb)
put("p_ucl_4", pb + 3 * sqrt(pb * (1 - pb) / pn[4]))
put("p_lcl_4", max(0, pb - 3 * sqrt(pb * (1 - pb) / pn[4])))
un <- sample(5:15, 25, replace = TRUE); cc <- rpois(25, 2 * un)
write.csv(data.frame(s = 1:25, c = cc, n = un), "u.csv", row.names = FALSE)
ub <- sum(cc) / sum(un); put("u_center", ub); put("u_ucl_5", ub + 3 * sqrt(ub / un[5]))

# ARLs: spc package
for (a in list(c(0.5, 3.071, 0), c(0.5, 3.071, 1), c(0.1, 2.814, 0), c(0.1, 2.814, 0.5),
               c(0.05, 2.615, 0), c(0.25, 2.998, 2)))
  put(sprintf("ewma_arl_%g_%g_%g", a[1], a[2], a[3]), xewma.arl(a[1], a[2], a[3], sided = "two"))
for (a in list(c(0.5, 4, 0), c(0.5, 4, 1), c(0.5, 5, 0), c(0.5, 5, 1.5), c(1, 2.5, 0), c(0.25, 8, 0.5)))
  put(sprintf("cusum_arl_%g_%g_%g", a[1], a[2], a[3]), xcusum.arl(a[1], a[2], a[3], sided = "two"))

# gauge R&R: 10 parts, 3 operators, 3 replicates, aov()
pe <- rnorm(10, sd = 1); oe <- c(0, 0.15, -0.1); ie <- matrix(rnorm(30, sd = 0.05), 10)
gr <- expand.grid(r = 1:3, o = 1:3, p = 1:10)
gr$y <- 20 + pe[gr$p] + oe[gr$o] + ie[cbind(gr$p, gr$o)] + rnorm(90, sd = 0.1)
write.csv(data.frame(part = gr$p, operator = c("A", "B", "C")[gr$o], value = gr$y),
          "grr.csv", row.names = FALSE)
a <- summary(aov(y ~ factor(p) * factor(o), data = gr))[[1]]
put("g_ss_part", a[1, 2]); put("g_ss_oper", a[2, 2]); put("g_ss_inter", a[3, 2]); put("g_ss_err", a[4, 2])
put("g_p_inter", a[3, 5])
msp <- a[1, 3]; mso <- a[2, 3]; mspo <- a[3, 3]; mse <- a[4, 3]
if (a[3, 5] > 0.25) {
  a2 <- summary(aov(y ~ factor(p) + factor(o), data = gr))[[1]]
  mse <- a2[3, 3]; vo <- max(0, (a2[2, 3] - mse) / 30); vp <- max(0, (a2[1, 3] - mse) / 9); vi <- 0
} else {
  vi <- max(0, (mspo - mse) / 3); vo <- max(0, (mso - mspo) / 30); vp <- max(0, (msp - mspo) / 9)
}
vgrr <- mse + vo + vi
put("g_var_grr", vgrr); put("g_var_part", vp); put("g_pct_grr", 100 * sqrt(vgrr / (vgrr + vp)))
put("g_ndc", floor(1.41 * sqrt(vp / vgrr)))

# capability and Anderson-Darling (nortest::ad.test's formulas)
cx <- rnorm(150, 5, 0.2)
write.csv(data.frame(value = cx), "cap.csv", row.names = FALSE)
sw <- mean(abs(diff(cx))) / D2[2]; so <- sd(cx); m <- mean(cx)
put("cap_cp", (5.8 - 4.4) / (6 * sw)); put("cap_cpk", min(5.8 - m, m - 4.4) / (3 * sw))
put("cap_pp", (5.8 - 4.4) / (6 * so)); put("cap_ppk", min(5.8 - m, m - 4.4) / (3 * so))
put("cap_pp_lo", (5.8 - 4.4) / (6 * so) * sqrt(qchisq(0.025, 149) / 149))
put("cap_cpm", (5.8 - 4.4) / (6 * sqrt(so^2 + (m - 5)^2)))
put("cap_ppm_overall", 1e6 * (pnorm((4.4 - m) / so) + pnorm((m - 5.8) / so)))
xs <- sort(cx); nn <- length(xs); zz <- pnorm((xs - m) / so)
A <- -nn - mean((2 * seq_len(nn) - 1) * (log(zz) + log(1 - rev(zz))))
AA <- (1 + 0.75/nn + 2.25/nn^2) * A
pv <- if (AA < 0.2) 1 - exp(-13.436 + 101.14*AA - 223.73*AA^2) else if (AA < 0.34)
  1 - exp(-8.318 + 42.796*AA - 59.938*AA^2) else if (AA < 0.6)
  exp(0.9177 - 4.279*AA - 1.38*AA^2) else exp(1.2937 - 5.709*AA + 0.0186*AA^2)
put("cap_ad", A); put("cap_ad_p", pv)
writeLines(out, "expected.txt")
REOF
Rscript oracle.R

# ---- zhiliang's answers --------------------------------------------------
{
  "$ZL" spc constants | awk 'NR>1{printf "d2_%d %s\nd3_%d %s\n", $1, $2, $1, $3}'
  for e in UWAVE-R UWAVE-SD MVLUE-R MVLUE-SD RMSDF; do
    "$ZL" spc chart xbar-s var.csv --subgroup g --estimator $e --json |
      jq -r --arg k "sigma_$(echo $e | tr 'A-Z-' 'a-z_')" '"\($k) \(.sigma)"'
  done
  "$ZL" spc chart xbar-s var.csv --subgroup g --json |
    jq -r '"center \(.center)", "xbar_ucl_1 \(.series[0].points[0].ucl)",
           "xbar_lcl_7 \(.series[0].points[6].lcl)", "s_ucl_1 \(.series[1].points[0].ucl)"'
  "$ZL" spc chart xbar-r var.csv --subgroup g --json |
    jq -r '"r_ucl_2 \(.series[1].points[1].ucl)", "r_cl_2 \(.series[1].points[1].cl)"'
  "$ZL" spc chart imr ind.csv --json |
    jq -r '"i_center \(.center)", "i_sigma \(.sigma)", "i_ucl \(.series[0].ucl)", "mr_ucl \(.series[1].ucl)"'
  "$ZL" spc chart ewma ind.csv --lambda 0.2 --L 3 --json |
    jq -r '"ewma_last \(.series[0].points[-1].stat)", "ewma_ucl_3 \(.series[0].points[2].ucl)"'
  "$ZL" spc chart cusum ind.csv --k 0.5 --h 4 --json |
    jq -r '"cusum_cp_last \(.series[0].points[-1].stat)", "cusum_cm_last \(.series[1].points[-1].stat)"'
  "$ZL" spc chart p p.csv --value d --n-col n --json |
    jq -r '"p_center \(.center)", "p_ucl_4 \(.series[0].points[3].ucl)", "p_lcl_4 \(.series[0].points[3].lcl)"'
  "$ZL" spc chart u u.csv --value c --n-col n --json |
    jq -r '"u_center \(.center)", "u_ucl_5 \(.series[0].points[4].ucl)"'
  S="--store $T/s.db"
  "$ZL" init $S >/dev/null
  "$ZL" spc stream create ew --chart ewma --characteristic w --center 0 --sigma 1 --lambda 0.1 --L 2.814 $S >/dev/null
  "$ZL" spc stream create cu --chart cusum --characteristic w --center 0 --sigma 1 --k 0.5 --h 4 $S >/dev/null
  # in three calls, so the checker's state is saved and reloaded between
  for st in ew cu; do
    head -121 stream.csv >s1.csv; { echo value; sed -n 122,300p stream.csv; } >s2.csv; { echo value; sed -n '301,$p' stream.csv; } >s3.csv
    for f in s1 s2 s3; do "$ZL" spc append $st --csv $f.csv $S >/dev/null; done
  done
  run() { jq -r --arg k "$1" '[.[] | .last] | "\($k)_n \(length)", "\($k)_first \(.[0] // 0)", "\($k)_sum \(add // 0)"'; }
  "$ZL" spc alarms ew --json $S | run st_ewma
  "$ZL" spc alarms cu --json $S | jq '[.[] | select(.rule == "CUSUM upper")]' | run st_cusum_up
  "$ZL" spc alarms cu --json $S | jq '[.[] | select(.rule == "CUSUM lower")]' | run st_cusum_lo
  for a in "0.5 3.071 0" "0.5 3.071 1" "0.1 2.814 0" "0.1 2.814 0.5" "0.05 2.615 0" "0.25 2.998 2"; do
    set -- $a
    "$ZL" spc arl ewma $1 $2 $3 | awk -v k="ewma_arl_$1_$2_$3" 'NR==2{print k, $2}'
  done
  for a in "0.5 4 0" "0.5 4 1" "0.5 5 0" "0.5 5 1.5" "1 2.5 0" "0.25 8 0.5"; do
    set -- $a
    "$ZL" spc arl cusum $1 $2 $3 | awk -v k="cusum_arl_$1_$2_$3" 'NR==2{print k, $2}'
  done
  "$ZL" spc gauge grr.csv --part part --operator operator --json |
    jq -r '"g_var_grr \(.varGRR)", "g_var_part \(.varPart)", "g_pct_grr \(.pctGRR)", "g_ndc \(.ndc)",
           "g_ss_part \(.anova.part.ss)", "g_ss_oper \(.anova.operator.ss)",
           "g_ss_inter \(.anova.interaction.ss)", "g_ss_err \(.anova.error.ss)",
           "g_p_inter \(.anova.interaction.p)"'
  "$ZL" spc capability cap.csv --lsl 4.4 --usl 5.8 --target 5 --json |
    jq -r '"cap_cp \(.cp.est)", "cap_cpk \(.cpk.est)", "cap_pp \(.pp.est)", "cap_ppk \(.ppk.est)",
           "cap_pp_lo \(.pp.lo)", "cap_cpm \(.cpm.est)", "cap_ppm_overall \(.ppmExpectedOverall)",
           "cap_ad \(.andersonDarling)", "cap_ad_p \(.adP)"'
} > ours.txt

# ---- compare -------------------------------------------------------------
python3 - <<'PEOF'
import sys
exp = dict(l.split() for l in open("expected.txt"))
ours = dict(l.split() for l in open("ours.txt"))
# the constants are printed to 8 decimals; the ARLs are two different
# quadratures of one integral equation (spc: 40 nodes, ours 120) and
# agree to ~1e-5; everything else is the same arithmetic
tol = lambda k: 1e-7 if k.startswith(("d2_", "d3_")) else 1e-6 if "_arl_" in k else 1e-8
bad = 0
for k, v in exp.items():
    if k not in ours:
        print("missing", k); bad += 1; continue
    a, b = float(ours[k]), float(v)
    rel = abs(a - b) / max(abs(b), 1e-12)
    ok = rel <= tol(k) or abs(a - b) <= 1e-12
    if not ok:
        bad += 1
    print("%-24s R %-20.10g zhiliang %-20.10g %s" % (k, b, a, "ok" if ok else "DIFFERS"))
print("spc_r_oracle: %d of %d values agree" % (len(exp) - bad, len(exp)))
sys.exit(1 if bad else 0)
PEOF
