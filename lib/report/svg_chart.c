/*
 * svg_chart.c - line charts as SVG (see svg_chart.h), written by hand.
 *
 * Fixed 640x400 canvas with a plot area inside margins, five grid lines
 * on each axis with tick labels at "nice" steps (1, 2 or 5 times a power
 * of ten), series as polylines. Rejected: a plotting library (none in
 * Debian that writes SVG from C without pulling in a toolkit) and
 * gnuplot as a run-time dependency.
 */
#include "report/svg_chart.h"

#include "zhiliang/error.h"

#include <math.h>
#include <stdio.h>

#define W  640
#define H  400
#define ML 64 /* left margin: y tick labels and axis title */
#define MR 24
#define MT 40
#define MB 56

static int esc(struct zl_buf *b, const char *s)
{
    return zl_buf_add_xml(b, s, (size_t)-1, 0);
}

static double px(const struct zl_svg_chart *c, double x)
{
    return ML + (x - c->x_min) / (c->x_max - c->x_min) * (W - ML - MR);
}

static double py(const struct zl_svg_chart *c, double y)
{
    return H - MB - (y - c->y_min) / (c->y_max - c->y_min) * (H - MT - MB);
}

/* A tick step giving about five intervals over span. */
static double nice_step(double span)
{
    double raw = span / 5, p = pow(10, floor(log10(raw))), f = raw / p;

    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static int axes(struct zl_buf *b, const struct zl_svg_chart *c)
{
    double sx = nice_step(c->x_max - c->x_min);
    double sy = nice_step(c->y_max - c->y_min), v;
    int rc = 0;

    for (v = ceil(c->x_min / sx) * sx; v <= c->x_max + sx * 1e-9 && !rc;
         v += sx)
        rc = zl_buf_printf(b,
                           "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                           "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" "
                           "text-anchor=\"middle\">%g</text>\n",
                           px(c, v), MT, px(c, v), H - MB, px(c, v),
                           H - MB + 16, v);
    for (v = ceil(c->y_min / sy) * sy; v <= c->y_max + sy * 1e-9 && !rc;
         v += sy)
        rc = zl_buf_printf(b,
                           "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                           "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                           "text-anchor=\"end\">%g</text>\n",
                           ML, py(c, v), W - MR, py(c, v), ML - 6, py(c, v) + 4,
                           v);
    if (!rc)
        rc = zl_buf_printf(b,
                           "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                           "fill=\"none\" stroke=\"#333\"/>\n",
                           ML, MT, W - ML - MR, H - MT - MB);
    if (!rc)
        rc = zl_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                           (W + ML - MR) / 2, H - 14);
    if (!rc)
        rc = esc(b, c->x_label);
    if (!rc)
        rc = zl_buf_printf(b,
                           "</text>\n<text transform=\"translate(16,%d) "
                           "rotate(-90)\" text-anchor=\"middle\">",
                           (H + MT - MB) / 2);
    if (!rc)
        rc = esc(b, c->y_label);
    if (!rc)
        rc = zl_buf_adds(b, "</text>\n");
    return rc;
}

static int series(struct zl_buf *b, const struct zl_svg_chart *c,
                  const struct zl_svg_series *s, size_t idx)
{
    int rc = zl_buf_printf(b,
                           "<polyline fill=\"none\" stroke=\"%s\" "
                           "stroke-width=\"2\"%s points=\"",
                           s->color ? s->color : "#1f6feb",
                           s->dashed ? " stroke-dasharray=\"6 4\"" : "");

    for (size_t i = 0; i < s->n && !rc; i++)
        rc = zl_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", px(c, s->x[i]),
                           py(c, s->y[i]));
    if (!rc)
        rc = zl_buf_adds(b, "\"/>\n");
    if (!rc && s->label) {
        rc = zl_buf_printf(b,
                           "<line x1=\"%d\" y1=\"%zu\" x2=\"%d\" y2=\"%zu\" "
                           "stroke=\"%s\" stroke-width=\"2\"/><text x=\"%d\" "
                           "y=\"%zu\">",
                           W - MR - 170, MT + 16 + idx * 18, W - MR - 146,
                           MT + 16 + idx * 18, s->color ? s->color : "#1f6feb",
                           W - MR - 140, MT + 20 + idx * 18);
        if (!rc)
            rc = esc(b, s->label);
        if (!rc)
            rc = zl_buf_adds(b, "</text>\n");
    }
    return rc;
}

static int rule(struct zl_buf *b, const struct zl_svg_chart *c,
                const struct zl_svg_rule *r)
{
    double x1 = r->vertical ? px(c, r->at) : ML;
    double x2 = r->vertical ? px(c, r->at) : W - MR;
    double y1 = r->vertical ? MT : py(c, r->at);
    double y2 = r->vertical ? H - MB : py(c, r->at);
    int rc = zl_buf_printf(
        b,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
        "y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"3 3\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">",
        x1, y1, x2, y2, r->color ? r->color : "#c00", x1 + 4,
        y1 + (r->vertical ? 14 : -4), r->color ? r->color : "#c00");

    if (!rc)
        rc = esc(b, r->label);
    if (!rc)
        rc = zl_buf_adds(b, "</text>\n");
    return rc;
}

int zl_svg_chart(struct zl_buf *b, const struct zl_svg_chart *c)
{
    int rc;

    if (!(c->x_max > c->x_min) || !(c->y_max > c->y_min))
        return ZL_EINVAL;
    rc =
        zl_buf_printf(b,
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                      "height=\"%d\" viewBox=\"0 0 %d %d\" "
                      "font-family=\"'Noto Sans CJK SC','WenQuanYi Micro Hei',"
                      "sans-serif\" font-size=\"12\">\n"
                      "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
                      "<text x=\"%d\" y=\"24\" font-size=\"15\" "
                      "font-weight=\"bold\">",
                      W, H, W, H, ML);
    if (!rc)
        rc = esc(b, c->title);
    if (!rc)
        rc = zl_buf_adds(b, "</text>\n");
    if (!rc)
        rc = axes(b, c);
    for (size_t i = 0; i < c->n_rules && !rc; i++)
        rc = rule(b, c, &c->rules[i]);
    for (size_t i = 0; i < c->n_series && !rc; i++)
        rc = series(b, c, &c->series[i], i);
    if (!rc)
        rc = zl_buf_adds(b, "</svg>\n");
    return rc;
}
