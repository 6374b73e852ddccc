/*
 * spc_int.h - helpers shared by the files of lib/spc (not public).
 */
#ifndef ZL_SPC_INT_H
#define ZL_SPC_INT_H

#include "zhiliang/spc.h"

/* d2 and d3 for subgroups of n by numerical integration (constants.c).
 * Returns 0 or ZL_EINVAL for n outside 2..ZL_SPC_MAX_N. */
int spc_range_moments(int n, double *d2, double *d3);

/* Constants for the subgroup sizes one computation meets, computed on
 * first use (a chart has one or a few sizes; computing all 49 would cost
 * a tenth of a second). */
struct spc_ktab {
    unsigned char have[ZL_SPC_MAX_N + 1];
    double d2[ZL_SPC_MAX_N + 1], d3[ZL_SPC_MAX_N + 1], c4[ZL_SPC_MAX_N + 1];
};
/* Fill t for n (2..ZL_SPC_MAX_N) if not yet done. 0 or ZL_EINVAL. */
int spc_ktab_need(struct spc_ktab *t, int n);

/* Shared by the SVG writers: the label text of a chart, in a language. */
const char *spc_series_label(const char *name, enum zl_spc_lang lang);

#endif
