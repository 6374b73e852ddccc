/*
 * sort.c - in-place sorting of 64-bit integers (sort.h).
 *
 * Introsort: quicksort on the median of three, the smaller side first
 * by recursion and the larger by the loop (stack depth log2 n); past
 * 2 log2 n partitions a range is heap-sorted instead, so no input is
 * quadratic; ranges below 16 elements are left for one insertion-sort
 * pass at the end (each element is then at most 16 places from home).
 */
#include "util/sort.h"

#define SMALL 16

static void swap(int64_t *a, int64_t *b)
{
    int64_t t = *a;

    *a = *b;
    *b = t;
}

static void sift_down(int64_t *v, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= n)
            return;
        if (c + 1 < n && v[c + 1] > v[c])
            c++;
        if (v[i] >= v[c])
            return;
        swap(&v[i], &v[c]);
        i = c;
    }
}

static void heap_sort(int64_t *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t k = n; k-- > 1;) {
        swap(&v[0], &v[k]);
        sift_down(v, 0, k);
    }
}

static void intro(int64_t *v, size_t n, int depth)
{
    while (n > SMALL) {
        size_t i = 0, j = n - 1, m = n / 2;
        int64_t p;

        if (depth-- == 0) {
            heap_sort(v, n);
            return;
        }
        /* median of three to v[m], the ends as sentinels */
        if (v[m] < v[0])
            swap(&v[m], &v[0]);
        if (v[j] < v[0])
            swap(&v[j], &v[0]);
        if (v[j] < v[m])
            swap(&v[j], &v[m]);
        p = v[m];
        /* Hoare partition: v[0..i) <= p <= v[j+1..n) */
        for (;;) {
            while (v[i] < p)
                i++;
            while (v[j] > p)
                j--;
            if (i >= j)
                break;
            swap(&v[i++], &v[j--]);
        }
        /* [0, j] and [j+1, n): the smaller by recursion */
        if (j + 1 < n - j - 1) {
            intro(v, j + 1, depth);
            v += j + 1;
            n -= j + 1;
        } else {
            intro(v + j + 1, n - j - 1, depth);
            n = j + 1;
        }
    }
}

void zl_sort_i64(int64_t *v, size_t n)
{
    int depth = 0;

    if (n < 2)
        return;
    for (size_t k = n; k > 1; k >>= 1)
        depth += 2;
    intro(v, n, depth);
    for (size_t i = 1; i < n; i++) {
        int64_t x = v[i];
        size_t k = i;

        for (; k > 0 && v[k - 1] > x; k--)
            v[k] = v[k - 1];
        v[k] = x;
    }
}

int zl_sorted_i64(const int64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[i - 1])
            return 0;
    return 1;
}
