/*
 * sort.h - sorting arrays of 64-bit integers in place (ids a trace reads
 * in batches: key ids, event numbers, identifier numbers).
 *
 * qsort calls its comparison through a pointer for every step (~25
 * instructions a comparison with glibc's merge sort, and a malloc'd
 * buffer): on a trace's batches of a few hundred ids that was a tenth of
 * a backward trace on a new handle. Here the comparison is inline.
 */
#ifndef ZL_UTIL_SORT_H
#define ZL_UTIL_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sort v[0..n) ascending, in place: introsort (quicksort, median of
 * three; heapsort past 2 log2 n levels, so never quadratic; insertion
 * sort below 16 elements). Not stable (equal integers are alike). */
void zl_sort_i64(int64_t *v, size_t n);

/* 1 when v[0..n) is ascending (repeats allowed). */
int zl_sorted_i64(const int64_t *v, size_t n);

#endif
