/*
 * assess.c - the Safety Gate (RAPEX) risk assessment (see
 * zhiliang/risk.h): injury scenarios, their overall probability as the
 * product of the steps' probabilities, and the risk level from the
 * matrix of severity (1-4) by probability band.
 *
 * The matrix is data (data/risk/safety_gate_matrix.csv, with its source
 * in data/risk/README.md), embedded at build time and parsed on each call:
 * eight rows cost less than a lock around a parsed cache, and no global
 * state keeps the library reentrant. A malformed embedded table is a build
 * defect; it answers ZL_EUNSUPPORTED rather than a wrong level.
 */
#include "zhiliang/risk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const unsigned char *rk_risk_table(const char *name, size_t *len);

#define TABLE "safety_gate_matrix.csv"

const char *zl_risk_level_name(enum zl_risk_level l)
{
    switch (l) {
    case ZL_RISK_LOW: return "low";
    case ZL_RISK_MEDIUM: return "medium";
    case ZL_RISK_HIGH: return "high";
    case ZL_RISK_SERIOUS: return "serious";
    }
    return "?";
}

const char *zl_risk_matrix_source(void)
{
    return "Commission Implementing Decision (EU) 2019/417, Annex, Part III "
           "(risk assessment guidelines for consumer products), "
           "determination of the risk level";
}

static int level_of(const char *s, size_t n, enum zl_risk_level *l)
{
    static const char *const names[] = {"low", "medium", "high", "serious"};

    for (int i = 0; i < 4; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) {
            *l = (enum zl_risk_level)i;
            return 0;
        }
    return -1;
}

int zl_risk_level(int severity, double probability, enum zl_risk_level *out,
                  char *band, size_t band_cap, struct zl_error *err)
{
    size_t len;
    const char *t = (const char *)rk_risk_table(TABLE, &len), *end, *line;

    if (severity < 1 || severity > 4)
        return zl_error_set(err, ZL_EINVAL, "severity", "must be 1, 2, 3 or 4",
                            NULL, 0);
    if (!(probability > 0 && probability <= 1))
        return zl_error_set(err, ZL_EINVAL, "probability", "must be in (0, 1]",
                            NULL, 0);
    if (!t)
        return ZL_EUNSUPPORTED;
    end = t + len;
    line = memchr(t, '\n', len); /* skip the header */
    while (line && line + 1 < end) {
        const char *f[6], *nl;
        size_t fl[6];
        int nf = 0;
        const char *p = line + 1;

        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        while (nf < 6 && p <= nl) {
            const char *c = memchr(p, ',', (size_t)(nl - p));

            if (!c)
                c = nl;
            f[nf] = p;
            fl[nf++] = (size_t)(c - p);
            p = c + 1;
        }
        if (nf == 6) {
            char num[32];
            double above;
            char *e;

            if (fl[1] == 0 || fl[1] >= sizeof num)
                return ZL_EUNSUPPORTED;
            memcpy(num, f[1], fl[1]);
            num[fl[1]] = 0;
            above = strtod(num, &e);
            if (*e)
                return ZL_EUNSUPPORTED;
            if (probability > above || above == 0) {
                if (level_of(f[1 + severity], fl[1 + severity], out) != 0)
                    return ZL_EUNSUPPORTED;
                if (band && band_cap) {
                    size_t n = fl[0] < band_cap - 1 ? fl[0] : band_cap - 1;

                    memcpy(band, f[0], n);
                    band[n] = 0;
                }
                return 0;
            }
        }
        line = nl < end ? nl : NULL;
    }
    return ZL_EUNSUPPORTED;
}

int zl_risk_assess(struct zl_risk_scenario *sc, size_t n,
                   enum zl_risk_level *overall, size_t *worst,
                   struct zl_error *err)
{
    if (n == 0)
        return zl_error_set(err, ZL_EINVAL, "scenarios",
                            "at least one scenario", NULL, 0);
    *overall = ZL_RISK_LOW;
    *worst = 0;
    for (size_t i = 0; i < n; i++) {
        double p = 1;
        char path[64];
        int rc;

        if (sc[i].n_steps == 0)
            return zl_error_setf(err, ZL_EINVAL, "scenarios", NULL,
                                 "scenario %zu has no steps", i);
        for (size_t j = 0; j < sc[i].n_steps; j++) {
            if (!(sc[i].step_p[j] > 0 && sc[i].step_p[j] <= 1)) {
                snprintf(path, sizeof path, "scenarios[%zu].steps[%zu]", i, j);
                return zl_error_set(err, ZL_EINVAL, path,
                                    "probability must be in (0, 1]", NULL, 0);
            }
            p *= sc[i].step_p[j];
        }
        sc[i].probability = p;
        rc = zl_risk_level(sc[i].severity, p, &sc[i].level, sc[i].band,
                           sizeof sc[i].band, err);
        if (rc != 0) {
            if (err && rc == ZL_EINVAL) {
                snprintf(path, sizeof path, "scenarios[%zu].severity", i);
                snprintf(err->path, sizeof err->path, "%s", path);
            }
            return rc;
        }
        if (sc[i].level > *overall) {
            *overall = sc[i].level;
            *worst = i;
        }
    }
    return 0;
}
