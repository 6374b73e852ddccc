/*
 * csv.c - the CSV tables SPC reads (see zhiliang/spc.h).
 *
 * Two passes over the text: the first counts rows and cells and checks the
 * quoting, the second copies every cell, unquoted and NUL-terminated, into
 * one allocation (text length plus one byte a cell), so a table is three
 * allocations whatever its size and a bad file fails before anything is
 * copied. Numbers are parsed only when a chart asks for a column, where
 * the error can say which line, which column and what was there: what a
 * quality engineer needs to fix a spreadsheet export.
 */
#include "zhiliang/spc.h"

#include "util/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void zl_spc_table_cleanup(struct zl_spc_table *t)
{
    if (!t)
        return;
    zl_free(t->names);
    zl_free(t->line);
    zl_free(t->mem);
    memset(t, 0, sizeof *t);
}

/* Walk the text: call out for every cell (copy != NULL) or only count.
 * Returns 0 or ZL_ESYNTAX. */
struct walk {
    const char *p, *end;
    size_t line;
    size_t rows, cells, max_cols;
    char *copy;    /* where cell text goes, or NULL */
    char **cellv;  /* cell pointers, or NULL */
    size_t *linev; /* row start lines, or NULL */
    size_t n_cols; /* header width (second pass) */
};

static int walk(struct walk *w, struct zl_error *err)
{
    size_t col = 0;
    int row_open = 0;

    while (w->p < w->end) {
        char *dst = w->copy;
        size_t cell_line = w->line;

        if (!row_open) {
            /* blank lines between rows are skipped */
            if (*w->p == '\n' || *w->p == '\r') {
                if (*w->p == '\n')
                    w->line++;
                w->p++;
                continue;
            }
            row_open = 1;
            col = 0;
            if (w->linev && w->rows)
                w->linev[w->rows - 1] = w->line;
        }
        if (w->p < w->end && *w->p == '"') {
            w->p++;
            for (;;) {
                if (w->p >= w->end)
                    return zl_error_setf(err, ZL_ESYNTAX, NULL, NULL,
                                         "line %zu: a quoted cell is not "
                                         "closed",
                                         cell_line);
                if (*w->p == '"') {
                    if (w->p + 1 < w->end && w->p[1] == '"') {
                        if (dst)
                            *dst++ = '"';
                        w->p += 2;
                        continue;
                    }
                    w->p++;
                    break;
                }
                if (*w->p == '\n')
                    w->line++;
                if (dst)
                    *dst++ = *w->p;
                w->p++;
            }
            if (w->p < w->end && *w->p != ',' && *w->p != '\n' && *w->p != '\r')
                return zl_error_setf(err, ZL_ESYNTAX, NULL, NULL,
                                     "line %zu, column %zu: text after a "
                                     "closing quote",
                                     w->line, col + 1);
        } else {
            while (w->p < w->end && *w->p != ',' && *w->p != '\n' &&
                   *w->p != '\r') {
                if (*w->p == '"')
                    return zl_error_setf(err, ZL_ESYNTAX, NULL, NULL,
                                         "line %zu, column %zu: a quote "
                                         "inside an unquoted cell",
                                         w->line, col + 1);
                if (dst)
                    *dst++ = *w->p;
                w->p++;
            }
        }
        if (w->copy) {
            *dst++ = '\0';
            if (w->cellv && w->rows == 0)
                w->cellv[col] = w->copy; /* header */
            else if (w->cellv && col < w->n_cols)
                w->cellv[w->n_cols + (w->rows - 1) * w->n_cols + col] = w->copy;
            w->copy = dst;
        }
        col++;
        w->cells++;
        if (w->rows > 0 && w->n_cols && col > w->n_cols)
            return zl_error_setf(err, ZL_ESYNTAX, NULL, NULL,
                                 "line %zu: %zu cells, the header has %zu",
                                 cell_line, col, w->n_cols);
        if (w->p < w->end && *w->p == ',') {
            w->p++;
            if (w->p == w->end || *w->p == '\n' || *w->p == '\r')
                continue; /* a trailing empty cell: handled below */
            continue;
        }
        /* end of row */
        if (w->p < w->end && *w->p == '\r')
            w->p++;
        if (w->p < w->end && *w->p == '\n') {
            w->p++;
            w->line++;
        }
        if (w->rows == 0 && !w->n_cols)
            w->n_cols = col;
        if (col > w->max_cols)
            w->max_cols = col;
        w->rows++;
        row_open = 0;
    }
    if (row_open) {
        if (w->rows == 0 && !w->n_cols)
            w->n_cols = col;
        w->rows++;
    }
    return 0;
}

int zl_spc_csv_parse(const char *text, size_t len, size_t max_rows,
                     struct zl_spc_table *t, struct zl_error *err)
{
    struct walk w = {0};
    size_t nc, nr, total;
    char **cellv = NULL;
    int rc;

    memset(t, 0, sizeof *t);
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
        text += 3;
        len -= 3;
    }
    w.p = text;
    w.end = text + len;
    w.line = 1;
    rc = walk(&w, err);
    if (rc)
        return rc;
    if (w.rows == 0)
        return zl_error_setf(err, ZL_ESYNTAX, NULL, NULL,
                             "empty file: no header line");
    nc = w.n_cols;
    nr = w.rows - 1;
    if (nr > max_rows)
        return zl_error_setf(err, ZL_ELIMIT, NULL, NULL, "more than %zu rows",
                             max_rows);
    total = nc + nr * nc;
    cellv = zl_calloc(total ? total : 1, sizeof *cellv);
    t->line = zl_calloc(nr ? nr : 1, sizeof *t->line);
    t->mem = zl_malloc(len + w.cells + 1);
    if (!cellv || !t->line || !t->mem) {
        zl_free(cellv);
        zl_spc_table_cleanup(t);
        return ZL_ENOMEM;
    }
    t->mem[0] = '\0';
    memset(&w, 0, sizeof w);
    w.p = text;
    w.end = text + len;
    w.line = 1;
    w.copy = t->mem + 1; /* mem[0] = "" for padded cells */
    w.cellv = cellv;
    w.linev = t->line;
    w.n_cols = nc;
    rc = walk(&w, err);
    if (rc) {
        zl_free(cellv);
        zl_spc_table_cleanup(t);
        return rc;
    }
    for (size_t i = 0; i < total; i++)
        if (!cellv[i])
            cellv[i] = t->mem;
    t->n_cols = nc;
    t->n_rows = nr;
    t->names = cellv;
    t->cells = cellv + nc;
    return 0;
}

int zl_spc_table_column(const struct zl_spc_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (!strcmp(t->names[i], name))
            return (int)i;
    for (size_t i = 0; i < t->n_cols; i++)
        if (!strcasecmp(t->names[i], name))
            return (int)i;
    return -1;
}

int zl_spc_table_number(const struct zl_spc_table *t, size_t row, size_t col,
                        int empty_ok, double *out, struct zl_error *err)
{
    const char *s = t->cells[row * t->n_cols + col], *b = s;
    char *end;
    double x;

    while (*b == ' ' || *b == '\t')
        b++;
    if (!*b) {
        *out = NAN;
        if (empty_ok)
            return 0;
        return zl_error_setf(err, ZL_EINVAL, t->names[col], s,
                             "line %zu, column %zu (%s): empty cell",
                             t->line[row], col + 1, t->names[col]);
    }
    errno = 0;
    x = strtod(b, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == b || *end || errno == ERANGE || !isfinite(x))
        return zl_error_setf(err, ZL_EINVAL, t->names[col], s,
                             "line %zu, column %zu (%s): not a number: %s",
                             t->line[row], col + 1, t->names[col], s);
    *out = x;
    return 0;
}
