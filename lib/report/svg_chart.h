/*
 * svg_chart.h - line charts as SVG, for every chart the library draws:
 * the OC curve of a sampling plan now, control charts (SPC) next.
 *
 * The caller describes axes and series; the chart fixes the look (size,
 * margins, grid, fonts that have CJK glyphs) so all of Zhiliang's charts
 * read alike. Labels are XML-escaped here.
 */
#ifndef ZL_SVG_CHART_H
#define ZL_SVG_CHART_H

#include "util/buf.h"

#include <stddef.h>

struct zl_svg_series {
    const char *label;   /* legend text, or NULL */
    const double *x, *y; /* n points, x ascending */
    size_t n;
    const char *color; /* CSS colour, e.g. "#1f6feb" */
    int dashed;
};

/* A horizontal or vertical reference line (a control limit, an AQL). */
struct zl_svg_rule {
    int vertical; /* 0: y = at, 1: x = at */
    double at;
    const char *label;
    const char *color;
};

struct zl_svg_chart {
    const char *title, *x_label, *y_label;
    double x_min, x_max, y_min, y_max;
    const struct zl_svg_series *series;
    size_t n_series;
    const struct zl_svg_rule *rules;
    size_t n_rules;
};

/* Append the chart as a standalone SVG document to b. Returns 0 or
 * ZL_ELIMIT / ZL_ENOMEM from the buffer; ZL_EINVAL for an empty range. */
int zl_svg_chart(struct zl_buf *b, const struct zl_svg_chart *c);

#endif
