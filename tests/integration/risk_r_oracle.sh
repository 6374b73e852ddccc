#!/usr/bin/env bash
# risk_r_oracle.sh - R's surveillance package (Debian's r-cran-surveillance)
# as an independent oracle for `zhiliang risk signals`: the same series
# are judged by zhiliang and by surveillance, and every judged period
# compared.
#
#  - farringtonFlexible on the package's own salmonella.agona (weekly,
#    1990-1995) and on a seeded synthetic weekly series (7 years, yearly
#    seasonality, negative binomial noise, three injected outbreaks and a
#    trend), in four settings: the original method (delta threshold,
#    window only), the same without reweighting or trend, Noufaily's
#    improved method (noPeriods 10, pastWeeksNotIncluded 26, nbPlugin)
#    and the muan threshold; limit54 left at 5/4 in one run and 0/4 in the
#    others so every period is judged. Compared: expected, upper bound,
#    the p-value and the alarm of every period.
#  - glrnb with theta (a known shift, the NB likelihood-ratio CUSUM) and
#    mu0 / alpha from the baseline: the statistic, the cases needed for an
#    alarm and the alarms; and with a seasonal mu0 (`--season 52`, one
#    harmonic; two with a trend) from R's own Poisson glm over the
#    baseline, alpha by moments from its residuals.
# Tolerance: relative 1e-6 on continuous values (the fits agree to about
# 1e-11: R's QR and our Cholesky solve the same least-squares problems),
# integer bounds and alarms exactly.
# Skipped (77) when R or its surveillance package is missing: install
# them with scripts/install-deps.sh --test.
set -euo pipefail
. "$(dirname "$0")/store_common.sh"
zl_skip_on_pg "uses no store: the same run as on SQLite"
ZL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v Rscript >/dev/null || { echo "# skipped: Rscript not installed"; exit 77; }
command -v python3 >/dev/null || { echo "# skipped: python3 not installed"; exit 77; }
Rscript -e 'library(surveillance)' >/dev/null 2>&1 || { echo "# skipped: R package surveillance not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

# ---- the series and R's answers ------------------------------------------
cat > oracle.R <<'REOF'
suppressMessages(library(surveillance))
data(salmonella.agona)
agona <- as.vector(salmonella.agona$observed)
set.seed(20261206)
n <- 7 * 52; t <- 1:n
mu <- exp(1.5 + 0.002 * t + 0.6 * sin(2 * pi * t / 52) + 0.3 * cos(2 * pi * t / 52))
syn <- rnbinom(n, mu = mu, size = 4)
for (s in c(290, 320, 350)) syn[s:(s + 3)] <- syn[s:(s + 3)] + rpois(4, 4 * mu[s:(s + 3)])
series <- list(agona = agona, syn = syn)
settings <- list(
  delta = list(limit54 = c(0, 4)),
  delta54 = list(),
  plain = list(reweight = FALSE, trend = FALSE, limit54 = c(0, 4)),
  noufaily = list(noPeriods = 10, pastWeeksNotIncluded = 26,
                  thresholdMethod = "nbPlugin", limit54 = c(0, 4)),
  muan = list(noPeriods = 10, pastWeeksNotIncluded = 26,
              thresholdMethod = "muan", limit54 = c(0, 4)))
for (nm in names(series)) {
  y <- series[[nm]]
  write.csv(data.frame(week = seq_along(y), count = y), paste0(nm, ".csv"),
            row.names = FALSE)
  sts <- new("sts", observed = matrix(y, ncol = 1), freq = 52, start = c(2000, 1))
  for (b in c(3, 5)) {
    rng <- (52 * b + 3 + 1):length(y)
    for (st in names(settings)) {
      ctl <- modifyList(list(range = rng, b = b, w = 3, alpha = 0.05), settings[[st]])
      r <- suppressWarnings(farringtonFlexible(sts, control = ctl))
      write.csv(data.frame(period = rng, expected = as.vector(r@control$expected),
                           upper = as.vector(upperbound(r)),
                           pvalue = as.vector(r@control$pvalue),
                           alarm = as.integer(as.vector(alarms(r)))),
                sprintf("R_%s_b%d_%s.csv", nm, b, st), row.names = FALSE)
    }
  }
  base <- 104; m <- mean(y[1:base]); a <- max(0, (var(y[1:base]) - m) / m^2)
  rng <- (base + 1):length(y)
  for (h in c(2.5, 5)) {
    g <- glrnb(sts, control = list(range = rng, mu0 = rep(m, length(rng)), alpha = a,
                                   theta = log(2), c.ARL = h, ret = "value"))
    gc <- glrnb(sts, control = list(range = rng, mu0 = rep(m, length(rng)), alpha = a,
                                    theta = log(2), c.ARL = h, ret = "cases"))
    write.csv(data.frame(period = rng, score = as.vector(upperbound(g)),
                         upper = as.vector(upperbound(gc)),
                         alarm = as.integer(as.vector(alarms(g)))),
              sprintf("R_%s_cusum_h%s.csv", nm, h), row.names = FALSE)
  }
  # The seasonal in-control mean: R's own glm (Poisson, intercept, one
  # yearly harmonic, and a second harmonic with a trend) over the baseline,
  # predicted for the judged weeks, alpha by moments from its residuals;
  # glrnb then judges with that mu0.
  for (sp in list(c(1, 0), c(2, 1))) {
    tt <- seq_along(y); d <- data.frame(y = y, t = tt)
    f <- "y ~ 1"
    if (sp[2] == 1) f <- paste(f, "+ t")
    for (k in seq_len(sp[1])) {
      d[[paste0("s", k)]] <- sin(2 * pi * k * tt / 52)
      d[[paste0("c", k)]] <- cos(2 * pi * k * tt / 52)
      f <- paste0(f, " + s", k, " + c", k)
    }
    fit <- glm(as.formula(f), family = poisson, data = d[1:base, ])
    mu <- as.vector(predict(fit, newdata = d, type = "response"))
    ab <- max(0, sum((y[1:base] - mu[1:base])^2 - mu[1:base]) / sum(mu[1:base]^2))
    g <- glrnb(sts, control = list(range = rng, mu0 = mu[rng], alpha = ab,
                                   theta = log(2), c.ARL = 5, ret = "value"))
    gc <- glrnb(sts, control = list(range = rng, mu0 = mu[rng], alpha = ab,
                                    theta = log(2), c.ARL = 5, ret = "cases"))
    write.csv(data.frame(period = rng, score = as.vector(upperbound(g)),
                         upper = as.vector(upperbound(gc)),
                         alarm = as.integer(as.vector(alarms(g)))),
              sprintf("R_%s_cusum_season%d%s.csv", nm, sp[1],
                      if (sp[2] == 1) "t" else ""), row.names = FALSE)
  }
}
REOF
Rscript oracle.R

# ---- ours ------------------------------------------------------------------
for nm in agona syn; do
  for b in 3 5; do
    "$ZL" risk signals $nm.csv --b $b --limit54 0/4 --json > Z_${nm}_b${b}_delta.json
    "$ZL" risk signals $nm.csv --b $b --json > Z_${nm}_b${b}_delta54.json
    "$ZL" risk signals $nm.csv --b $b --limit54 0/4 --no-reweight --no-trend --json \
      > Z_${nm}_b${b}_plain.json
    "$ZL" risk signals $nm.csv --b $b --limit54 0/4 --noufaily --json > Z_${nm}_b${b}_noufaily.json
    "$ZL" risk signals $nm.csv --b $b --limit54 0/4 --noufaily --threshold muan --json \
      > Z_${nm}_b${b}_muan.json
  done
  for h in 2.5 5; do
    "$ZL" risk signals $nm.csv --method nbcusum --baseline 104 --h $h --json \
      > Z_${nm}_cusum_h$h.json
  done
  "$ZL" risk signals $nm.csv --method nbcusum --baseline 104 --season 52 --json \
    > Z_${nm}_cusum_season1.json
  "$ZL" risk signals $nm.csv --method nbcusum --baseline 104 --season 52 \
    --harmonics 2 --trend --json > Z_${nm}_cusum_season2t.json
done

# ---- compare -------------------------------------------------------------
python3 - <<'PEOF'
import csv, glob, json, math, sys
bad = total = 0
worst = {}
for rf in sorted(glob.glob("R_*.csv")):
    key = rf[2:-4]
    z = {p["period"]: p for p in json.load(open("Z_%s.json" % key))["periods"]}
    rows = list(csv.DictReader(open(rf)))
    nb = 0; w = 0.0; alarms = 0
    cusum = "cusum" in key
    for r in rows:
        p = z.get(int(r["period"]))
        if p is None:
            nb += 1; continue
        alarms += r["alarm"] == "1"
        if (r["alarm"] == "1") != p["alarm"]:
            nb += 1
            print("%s period %s: alarm R %s zhiliang %s" % (key, r["period"], r["alarm"], p["alarm"]))
        fields = ("score", "upper") if cusum else ("expected", "upper", "pvalue")
        for f in fields:
            if r[f] in ("NA", ""):
                # R leaves expected/upper NA where limit54 forbids judging
                if not cusum and not p["enough_cases"]:
                    continue
                nb += 1; print("%s period %s: %s NA in R" % (key, r["period"], f)); continue
            a, b = p[f], float(r[f])
            if a is None:
                nb += 1; print("%s period %s: %s missing" % (key, r["period"], f)); continue
            rel = abs(a - b) / max(abs(b), 1e-9)
            if abs(a - b) > 1e-12:
                w = max(w, rel)
            if rel > 1e-6 and abs(a - b) > 1e-9:
                nb += 1
                print("%s period %s: %s R %.12g zhiliang %.12g" % (key, r["period"], f, b, a))
    total += len(rows); bad += nb
    print("%-24s %4d periods, %3d alarms (R), max relative difference %.2g, %d disagree"
          % (key, len(rows), alarms, w, nb))
# Detection on the synthetic series (outbreaks injected at weeks 290, 320
# and 350, four weeks each): delay to the first alarm and alarms outside
# the outbreaks per year judged, for the record (R agrees, checked above).
for zf in sorted(glob.glob("Z_syn_*.json")):
    ps = json.load(open(zf))["periods"]
    judged = {p["period"] for p in ps}
    al = {p["period"] for p in ps if p["alarm"]}
    delays = []
    for s in (290, 320, 350):
        if s in judged:
            hit = [t - s for t in range(s, s + 4) if t in al]
            delays.append(str(hit[0]) if hit else "missed")
    inside = {t for s in (290, 320, 350) for t in range(s, s + 4)}
    print("%-26s detection delay (weeks) %-16s false alarms/year %.1f"
          % (zf[2:-5], ",".join(delays), len(al - inside) / (len(ps) / 52)))
print("risk_r_oracle: %d of %d periods agree" % (total - bad, total))
sys.exit(1 if bad else 0)
PEOF
