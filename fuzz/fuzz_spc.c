/*
 * fuzz_spc.c - libFuzzer target for the SPC CSV reader and the charts it
 * feeds.
 *
 * Arbitrary bytes are a CSV file. Invariants: nothing crashes or reads out
 * of bounds; a parsed table has n_rows * n_cols cells, each a
 * NUL-terminated string, and row lines that never decrease; a cell either
 * reads as a finite number or the error names its line and column; the
 * numbers of each column, charted as individuals (and in subgroups of 3
 * when there are enough), give limits that hold the centre, and the
 * chart's SVG is written without error.
 */
#include "zhiliang/buf.h"
#include "zhiliang/spc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
    if (!cond)
        abort();
}

static void chart(const double *x, size_t n, enum zl_spc_chart type)
{
    struct zl_spc_opts o = {.chart = type, .rules = 0xfff, .drop_ooc = 2};
    struct zl_spc_result r;
    struct zl_error err = {0};
    uint32_t sizes[64];
    size_t ng = n;
    struct zl_buf b;

    if (type == ZL_SPC_XBAR_R) {
        ng = n / 3;
        for (size_t i = 0; i < ng; i++)
            sizes[i] = 3;
        n = ng * 3;
    }
    if (zl_spc_chart(x, n, type == ZL_SPC_XBAR_R ? sizes : NULL, ng, &o, &r,
                     &err))
        return;
    for (int k = 0; k < r.n_series; k++) {
        const struct zl_spc_series *s = &r.s[k];

        must(s->n == ng);
        must(!(s->ucl[0] < s->cl[0]) && !(s->lcl[0] > s->cl[0]));
    }
    for (size_t i = 0; i < r.n_v; i++)
        must(r.v[i].first <= r.v[i].last && r.v[i].last < ng);
    zl_buf_init(&b, 1 << 22);
    must(zl_spc_chart_svg(&b, &r, NULL, ZL_SPC_ZH) == 0);
    zl_buf_cleanup(&b);
    zl_spc_result_cleanup(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zl_spc_table t;
    struct zl_error err = {0};
    double x[192];

    if (size > 1 << 16 ||
        zl_spc_csv_parse((const char *)data, size, 1000, &t, &err))
        return 0;
    for (size_t c = 0; c < t.n_cols; c++)
        must(t.names[c] != NULL);
    for (size_t r = 0; r < t.n_rows; r++) {
        must(r == 0 || t.line[r] >= t.line[r - 1]);
        for (size_t c = 0; c < t.n_cols; c++)
            must(strlen(t.cells[r * t.n_cols + c]) <= size);
    }
    for (size_t c = 0; c < t.n_cols; c++) {
        size_t n = 0;

        for (size_t r = 0; r < t.n_rows && n < 192; r++) {
            char where[64];

            if (!zl_spc_table_number(&t, r, c, 0, &x[n], &err)) {
                must(isfinite(x[n]));
                n++;
                continue;
            }
            snprintf(where, sizeof where, "line %zu, column %zu", t.line[r],
                     c + 1);
            must(strstr(err.rule, where) != NULL);
        }
        if (n >= 2)
            chart(x, n, ZL_SPC_IMR);
        if (n >= 6)
            chart(x, n, ZL_SPC_XBAR_R);
    }
    zl_spc_table_cleanup(&t);
    return 0;
}
