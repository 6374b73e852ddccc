# Regenerates the files of this directory (R 4.2, surveillance 1.20.3):
#   Rscript gen.R
suppressMessages(library(surveillance))
data(salmonella.agona)
y <- as.vector(salmonella.agona$observed)
write.csv(data.frame(week = seq_along(y), count = y), "salmonella_agona.csv",
          row.names = FALSE)
sts <- new("sts", observed = matrix(y, ncol = 1), freq = 52, start = c(1990, 1))
rng <- (52 * 3 + 3 + 1):length(y)
one <- function(ctl, name) {
  r <- farringtonFlexible(sts, control = modifyList(list(range = rng, b = 3, w = 3,
                                                         alpha = 0.05, limit54 = c(0, 4)), ctl))
  data.frame(method = name, period = rng, expected = sprintf("%.15g", r@control$expected),
             upper = sprintf("%.15g", upperbound(r)), phi = sprintf("%.15g", r@control$phiVector),
             alarm = as.integer(alarms(r)))
}
out <- rbind(one(list(), "delta"),
             one(list(noPeriods = 10, pastWeeksNotIncluded = 26,
                      thresholdMethod = "nbPlugin"), "nbplugin"))
write.csv(out, "farrington_agona_b3.csv", row.names = FALSE, quote = FALSE)
