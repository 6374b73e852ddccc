/*
 * svg.c - control charts, capability histograms and Pareto charts as SVG
 * a person puts in a report (see zhiliang/spc.h).
 *
 * lib/report/svg_chart.c draws line charts as a whole document with one
 * plot area; a control chart needs two stacked panels (X-bar over R), a
 * marker per point coloured by the rules, zone lines and limits that step
 * with the subgroup size, and a Pareto chart needs bars and a second
 * axis. So this file has its own small panel writer with the same look
 * (fonts with CJK glyphs, grey grid, "nice" tick steps, 1-2-5) rather than
 * growing the shared one for a single user. 760 px wide: at A4 width
 * (17 cm of text) a 12 px label prints at about 2.7 mm.
 *
 * Charts of more than MAX_PTS points show the last MAX_PTS (the title
 * says so): an SVG of 10^7 circles is not something a person reads.
 */
#include "zhiliang/spc.h"

#include "spc/spc_int.h"
#include "zhiliang/buf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W       760
#define ML      70
#define MR      90 /* right margin: limit labels */
#define PANEL_H 300
#define MT      44
#define MAX_PTS 2000

struct panel {
    double x0, x1, y0, y1; /* data ranges */
    int top, h;            /* pixel box */
    int left, right;
};

static double px(const struct panel *p, double x)
{
    return p->left + (x - p->x0) / (p->x1 - p->x0) * (p->right - p->left);
}

static double py(const struct panel *p, double y)
{
    return p->top + p->h - (y - p->y0) / (p->y1 - p->y0) * p->h;
}

static double nice_step(double span)
{
    double raw = span / 5, e = pow(10, floor(log10(raw))), f = raw / e;

    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * e;
}

/* Decimals that tell ticks step apart: 0.005 -> 3. */
static int step_decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);

    return d < 0 ? 0 : d > 10 ? 10 : d;
}

static int esc(struct zl_buf *b, const char *s)
{
    return zl_buf_add_xml(b, s, (size_t)-1, 0);
}

static int doc_start(struct zl_buf *b, int h, const char *title)
{
    int rc = zl_buf_printf(
        b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
        "height=\"%d\" viewBox=\"0 0 %d %d\" "
        "font-family=\"'Noto Sans CJK SC','WenQuanYi Micro Hei',"
        "sans-serif\" font-size=\"12\">\n"
        "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
        "<text x=\"%d\" y=\"26\" font-size=\"16\" font-weight=\"bold\">",
        W, h, W, h, ML);

    if (!rc)
        rc = esc(b, title);
    if (!rc)
        rc = zl_buf_adds(b, "</text>\n");
    return rc;
}

/* Grid, ticks, frame and axis titles of a panel. */
static int axes(struct zl_buf *b, const struct panel *p, const char *xl,
                const char *yl, int x_ticks)
{
    double sy = nice_step(p->y1 - p->y0), v;
    int rc = 0;

    for (v = ceil(p->y0 / sy) * sy; v <= p->y1 + sy * 1e-9 && !rc; v += sy)
        rc = zl_buf_printf(b,
                           "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                           "stroke=\"#e5e5e5\"/><text x=\"%d\" y=\"%.1f\" "
                           "text-anchor=\"end\">%.*f</text>\n",
                           p->left, py(p, v), p->right, py(p, v), p->left - 6,
                           py(p, v) + 4, step_decimals(sy),
                           fabs(v) < sy * 1e-9 ? 0 : v);
    if (x_ticks) {
        double sx = nice_step(p->x1 - p->x0);

        if (sx < 1)
            sx = 1;
        for (v = ceil(p->x0 / sx) * sx; v <= p->x1 + 1e-9 && !rc; v += sx)
            rc = zl_buf_printf(b,
                               "<text x=\"%.1f\" y=\"%d\" "
                               "text-anchor=\"middle\">%.0f</text>\n",
                               px(p, v), p->top + p->h + 16, v);
    }
    if (!rc)
        rc = zl_buf_printf(b,
                           "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                           "fill=\"none\" stroke=\"#333\"/>\n",
                           p->left, p->top, p->right - p->left, p->h);
    if (!rc && xl) {
        rc = zl_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                           (p->left + p->right) / 2, p->top + p->h + 34);
        if (!rc)
            rc = esc(b, xl);
        if (!rc)
            rc = zl_buf_adds(b, "</text>\n");
    }
    if (!rc && yl) {
        rc = zl_buf_printf(b,
                           "<text transform=\"translate(18,%d) rotate(-90)\" "
                           "text-anchor=\"middle\">",
                           p->top + p->h / 2);
        if (!rc)
            rc = esc(b, yl);
        if (!rc)
            rc = zl_buf_adds(b, "</text>\n");
    }
    return rc;
}

const char *spc_series_label(const char *name, enum zl_spc_lang lang)
{
    static const char *const T[][3] = {
        {"xbar", "Subgroup mean (X-bar)", "子组均值 (X̄)"},
        {"R", "Range (R)", "极差 (R)"},
        {"S", "Standard deviation (S)", "标准差 (S)"},
        {"I", "Individual value (I)", "单值 (I)"},
        {"MR", "Moving range (MR)", "移动极差 (MR)"},
        {"p", "Fraction nonconforming (p)", "不合格品率 (p)"},
        {"np", "Number nonconforming (np)", "不合格品数 (np)"},
        {"c", "Nonconformities (c)", "缺陷数 (c)"},
        {"u", "Nonconformities per unit (u)", "单位缺陷数 (u)"},
        {"EWMA", "EWMA", "指数加权移动平均 (EWMA)"},
        {"C+", "Upper CUSUM (C+, sigma units)", "上侧累积和 (C+，σ单位)"},
        {"C-", "Lower CUSUM (C-, sigma units)", "下侧累积和 (C-，σ单位)"}};

    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (!strcmp(T[i][0], name))
            return T[i][lang == ZL_SPC_ZH ? 2 : 1];
    return name;
}

static const char *chart_title(enum zl_spc_chart c, enum zl_spc_lang lang)
{
    static const char *const T[][2] = {
        {"X-bar and R control chart", "均值-极差控制图 (X̄-R)"},
        {"X-bar and S control chart", "均值-标准差控制图 (X̄-S)"},
        {"Individuals and moving range chart", "单值-移动极差控制图 (I-MR)"},
        {"p chart (fraction nonconforming)", "不合格品率控制图 (p)"},
        {"np chart (number nonconforming)", "不合格品数控制图 (np)"},
        {"c chart (nonconformities)", "缺陷数控制图 (c)"},
        {"u chart (nonconformities per unit)", "单位缺陷数控制图 (u)"},
        {"EWMA control chart", "指数加权移动平均控制图 (EWMA)"},
        {"Tabular CUSUM chart", "累积和控制图 (CUSUM)"}};

    return T[c][lang == ZL_SPC_ZH];
}

/* A line through (i, arr at i) for the shown points: a step line when
 * the limits vary, two points when they do not. */
static int limit_line(struct zl_buf *b, const struct panel *p,
                      const struct zl_spc_series *s, const double *arr,
                      double k, const double *sd, size_t from,
                      const char *style)
{
    int rc = zl_buf_printf(b, "<polyline fill=\"none\" %s points=\"", style);

    if (!s->varying) {
        double y = arr[0] + (sd ? k * sd[0] : 0);

        if (!rc)
            rc = zl_buf_printf(b, "%d,%.1f %d,%.1f", p->left, py(p, y),
                               p->right, py(p, y));
    } else {
        for (size_t i = from; i < s->n && !rc; i++) {
            double y = arr[i] + (sd ? k * sd[i] : 0);

            if (!isfinite(y))
                continue;
            rc = zl_buf_printf(b, "%.1f,%.1f %.1f,%.1f ", px(p, i + 0.5),
                               py(p, y), px(p, i + 1.5), py(p, y));
        }
    }
    if (!rc)
        rc = zl_buf_adds(b, "\"/>\n");
    return rc;
}

static int label_at(struct zl_buf *b, const struct panel *p, double y,
                    const char *what, double v, const char *color)
{
    if (!isfinite(y) || y < p->y0 || y > p->y1)
        return 0;
    return zl_buf_printf(b,
                         "<text x=\"%d\" y=\"%.1f\" fill=\"%s\">%s %.5g"
                         "</text>\n",
                         p->right + 4, py(p, y) + 4, color, what, v);
}

static int series_panel(struct zl_buf *b, const struct zl_spc_result *r, int k,
                        int top, enum zl_spc_lang lang)
{
    const struct zl_spc_series *s = &r->s[k];
    size_t from = s->n > MAX_PTS ? s->n - MAX_PTS : 0, last = s->n - 1;
    struct panel p = {0};
    double lo = INFINITY, hi = -INFINITY;
    int rc, zones = r->chart != ZL_SPC_EWMA && r->chart != ZL_SPC_CUSUM;

    for (size_t i = from; i < s->n; i++) {
        double v[3] = {s->stat[i], ZL_SPC_AT(s, s->lcl, i),
                       ZL_SPC_AT(s, s->ucl, i)};

        for (int j = 0; j < 3; j++)
            if (isfinite(v[j])) {
                lo = fmin(lo, v[j]);
                hi = fmax(hi, v[j]);
            }
    }
    if (!(hi > lo)) {
        hi = lo + 1;
        lo -= 1;
    }
    p.x0 = from + 0.5;
    p.x1 = s->n + 0.5;
    p.y0 = lo - 0.08 * (hi - lo);
    p.y1 = hi + 0.08 * (hi - lo);
    p.top = top;
    p.h = PANEL_H - 60;
    p.left = ML;
    p.right = W - MR;
    rc =
        axes(b, &p, lang == ZL_SPC_ZH ? "子组 / 样本序号" : "Subgroup / sample",
             spc_series_label(s->name, lang), 1);
    /* zones at 1 and 2 sigma, then limits and centre */
    for (int z = -2; z <= 2 && !rc && zones; z++)
        if (z)
            rc = limit_line(b, &p, s, s->cl, z, s->sd, from,
                            "stroke=\"#9bbf9b\" stroke-dasharray=\"2 4\"");
    if (!rc)
        rc = limit_line(b, &p, s, s->ucl, 0, NULL, from,
                        "stroke=\"#c62828\" stroke-dasharray=\"6 3\"");
    if (!rc)
        rc = limit_line(b, &p, s, s->lcl, 0, NULL, from,
                        "stroke=\"#c62828\" stroke-dasharray=\"6 3\"");
    if (!rc)
        rc = limit_line(b, &p, s, s->cl, 0, NULL, from, "stroke=\"#2e7d32\"");
    if (!rc)
        rc = label_at(b, &p, ZL_SPC_AT(s, s->ucl, last), "UCL",
                      ZL_SPC_AT(s, s->ucl, last), "#c62828");
    if (!rc)
        rc = label_at(b, &p, ZL_SPC_AT(s, s->cl, last), "CL",
                      ZL_SPC_AT(s, s->cl, last), "#2e7d32");
    if (!rc)
        rc = label_at(b, &p, ZL_SPC_AT(s, s->lcl, last), "LCL",
                      ZL_SPC_AT(s, s->lcl, last), "#c62828");
    /* the statistic */
    if (!rc)
        rc = zl_buf_adds(b, "<polyline fill=\"none\" stroke=\"#1f4e8c\" "
                            "stroke-width=\"1.2\" points=\"");
    for (size_t i = from; i < s->n && !rc; i++)
        if (isfinite(s->stat[i]))
            rc = zl_buf_printf(b, "%.1f,%.1f ", px(&p, i + 1.0),
                               py(&p, s->stat[i]));
    if (!rc)
        rc = zl_buf_adds(b, "\"/>\n");
    for (size_t i = from; i < s->n && !rc; i++) {
        if (!isfinite(s->stat[i]))
            continue;
        rc = zl_buf_printf(
            b,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" "
            "fill=\"%s\"><title>%zu: %.6g</title></circle>\n",
            px(&p, i + 1.0), py(&p, s->stat[i]), s->flags[i] ? "4" : "2.5",
            s->flags[i] ? "#d32f2f" : "#1f4e8c", i + 1, s->stat[i]);
        if (!rc && s->flags[i]) {
            /* the rule numbers above the point: "1", "2,5", "W4" */
            rc = zl_buf_printf(b,
                               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                               "fill=\"#d32f2f\" text-anchor=\"middle\">",
                               px(&p, i + 1.0), py(&p, s->stat[i]) - 7);
            for (unsigned bit = 0, first = 1; bit < 12 && !rc; bit++)
                if (s->flags[i] & (1u << bit)) {
                    rc = zl_buf_printf(b, "%s%s%u", first ? "" : ",",
                                       bit >= 8 ? "W" : "",
                                       bit >= 8 ? bit - 7 : bit + 1);
                    first = 0;
                }
            if (!rc)
                rc = zl_buf_adds(b, "</text>\n");
        }
    }
    return rc;
}

int zl_spc_chart_svg(struct zl_buf *b, const struct zl_spc_result *r,
                     const char *title, enum zl_spc_lang lang)
{
    char t[256];
    int h = MT + r->n_series * PANEL_H + 40, rc;
    size_t shown = r->n_groups > MAX_PTS ? MAX_PTS : r->n_groups;

    if (!r->n_series || !r->n_groups)
        return ZL_EINVAL;
    if (!title)
        title = chart_title(r->chart, lang);
    if (shown < r->n_groups)
        snprintf(t, sizeof t,
                 lang == ZL_SPC_ZH ? "%s（最后 %zu / %zu 点）"
                                   : "%s (last %zu of %zu points)",
                 title, shown, r->n_groups);
    else
        snprintf(t, sizeof t, "%s", title);
    rc = doc_start(b, h, t);
    for (int k = 0; k < r->n_series && !rc; k++)
        rc = series_panel(b, r, k, MT + k * PANEL_H, lang);
    if (!rc) {
        /* legend: what the marks mean */
        rc = zl_buf_printf(
            b,
            "<g font-size=\"11\"><circle cx=\"%d\" cy=\"%d\" r=\"4\" "
            "fill=\"#d32f2f\"/><text x=\"%d\" y=\"%d\">%s</text></g>\n",
            ML + 4, h - 16, ML + 12, h - 12,
            lang == ZL_SPC_ZH
                ? "红点：判异规则触发（数字为 Nelson 规则号，W 为西电规则号）；"
                  "虚线：控制限与 1σ、2σ 区"
                : "Red: a run rule fired (numbers: Nelson rules, W: Western "
                  "Electric); dashed: control limits and 1, 2 sigma zones");
    }
    if (!rc)
        rc = zl_buf_adds(b, "</svg>\n");
    return rc;
}

int zl_spc_capability_svg(struct zl_buf *b, const struct zl_spc_capability *c,
                          const struct zl_spc_cap_opts *o, const char *title,
                          enum zl_spc_lang lang)
{
    struct panel p = {0};
    uint32_t top = 1;
    double lo = c->bin_lo, hi = c->bin_lo + c->bin_w * c->n_bins, ymax;
    double marks[3] = {o->lsl, o->usl, o->target};
    const char *mnames[3] = {"LSL", "USL", "T"};
    int rc;

    if (!c->n_bins)
        return ZL_EINVAL;
    for (int i = 0; i < 3; i++)
        if (isfinite(marks[i])) {
            lo = fmin(lo, marks[i]);
            hi = fmax(hi, marks[i]);
        }
    for (size_t i = 0; i < c->n_bins; i++)
        top = c->bins[i] > top ? c->bins[i] : top;
    ymax = top;
    {
        /* the fitted normal density, scaled to counts */
        double peak = c->n * c->bin_w / (c->sd_overall * sqrt(2 * M_PI));

        if (c->sd_overall > 0 && c->method == ZL_SPC_NN_NONE)
            ymax = fmax(ymax, peak);
    }
    p.x0 = lo - 0.05 * (hi - lo);
    p.x1 = hi + 0.05 * (hi - lo);
    p.y0 = 0;
    p.y1 = ymax * 1.1;
    p.top = MT;
    p.h = 320;
    p.left = ML;
    p.right = W - MR;
    rc = doc_start(b, MT + 320 + 90,
                   title               ? title
                   : lang == ZL_SPC_ZH ? "过程能力分析"
                                       : "Process capability");
    if (!rc)
        rc = axes(b, &p, lang == ZL_SPC_ZH ? "测量值" : "Measurement",
                  lang == ZL_SPC_ZH ? "频数" : "Count", 0);
    {
        double sx = nice_step(p.x1 - p.x0), v;

        for (v = ceil(p.x0 / sx) * sx; v <= p.x1 && !rc; v += sx)
            rc = zl_buf_printf(b,
                               "<text x=\"%.1f\" y=\"%d\" "
                               "text-anchor=\"middle\">%.*f</text>\n",
                               px(&p, v), p.top + p.h + 16, step_decimals(sx),
                               fabs(v) < sx * 1e-9 ? 0 : v);
    }
    for (size_t i = 0; i < c->n_bins && !rc; i++) {
        double x0 = c->bin_lo + i * c->bin_w;

        rc = zl_buf_printf(b,
                           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\" fill=\"#90afd4\" "
                           "stroke=\"#1f4e8c\"/>\n",
                           px(&p, x0), py(&p, c->bins[i]),
                           px(&p, x0 + c->bin_w) - px(&p, x0),
                           py(&p, 0) - py(&p, c->bins[i]));
    }
    if (!rc && c->sd_overall > 0 && c->method == ZL_SPC_NN_NONE) {
        rc = zl_buf_adds(b, "<polyline fill=\"none\" stroke=\"#333\" "
                            "stroke-width=\"1.5\" points=\"");
        for (int i = 0; i <= 200 && !rc; i++) {
            double x = p.x0 + (p.x1 - p.x0) * i / 200,
                   z = (x - c->mean) / c->sd_overall;
            double y = c->n * c->bin_w * exp(-0.5 * z * z) /
                       (c->sd_overall * sqrt(2 * M_PI));

            rc = zl_buf_printf(b, "%.1f,%.1f ", px(&p, x), py(&p, y));
        }
        if (!rc)
            rc = zl_buf_adds(b, "\"/>\n");
    }
    for (int i = 0; i < 3 && !rc; i++)
        if (isfinite(marks[i]))
            rc = zl_buf_printf(
                b,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                "y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" "
                "stroke-dasharray=\"6 3\"/><text x=\"%.1f\" "
                "y=\"%d\" fill=\"%s\" "
                "text-anchor=\"middle\">%s %.5g</text>\n",
                px(&p, marks[i]), p.top, px(&p, marks[i]), p.top + p.h,
                i == 2 ? "#2e7d32" : "#c62828", px(&p, marks[i]), p.top - 4,
                i == 2 ? "#2e7d32" : "#c62828", mnames[i], marks[i]);
    if (!rc) {
        char line[200];

        if (isnan(c->cpk.est))
            snprintf(line, sizeof line, "n = %zu   Pp = %.3g   Ppk = %.3g",
                     c->n, c->pp.est, c->ppk.est);
        else
            snprintf(line, sizeof line,
                     "n = %zu   Cp = %.3g   Cpk = %.3g   Pp = %.3g   Ppk = "
                     "%.3g",
                     c->n, c->cp.est, c->cpk.est, c->pp.est, c->ppk.est);
        rc = zl_buf_printf(b, "<text x=\"%d\" y=\"%d\">", ML, p.top + p.h + 44);
        if (!rc)
            rc = esc(b, line);
        if (!rc)
            rc = zl_buf_adds(b, "</text>\n</svg>\n");
    }
    return rc;
}

int zl_spc_pareto_svg(struct zl_buf *b, const char *const *names,
                      const double *counts, size_t n, const char *title,
                      enum zl_spc_lang lang)
{
    struct panel p = {0};
    double total = 0, cum = 0, bw;
    int rc;

    if (!n)
        return ZL_EINVAL;
    for (size_t i = 0; i < n; i++)
        total += counts[i];
    if (!(total > 0))
        return ZL_EINVAL;
    p.x0 = 0;
    p.x1 = (double)n;
    p.y0 = 0;
    p.y1 = total;
    p.top = MT;
    p.h = 320;
    p.left = ML;
    p.right = W - MR;
    bw = (p.right - p.left) / (double)n;
    rc = doc_start(b, MT + 320 + 110,
                   title               ? title
                   : lang == ZL_SPC_ZH ? "缺陷原因排列图 (Pareto)"
                                       : "Pareto chart of defect causes");
    if (!rc)
        rc = axes(b, &p, NULL, lang == ZL_SPC_ZH ? "频数" : "Count", 0);
    /* right axis: cumulative percent */
    for (int pc = 0; pc <= 100 && !rc; pc += 20)
        rc = zl_buf_printf(b, "<text x=\"%d\" y=\"%.1f\">%d%%</text>\n",
                           p.right + 6, py(&p, total * pc / 100) + 4, pc);
    for (size_t i = 0; i < n && !rc; i++) {
        double x = p.left + i * bw;

        rc = zl_buf_printf(b,
                           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\" fill=\"#90afd4\" "
                           "stroke=\"#1f4e8c\"/>"
                           "<text transform=\"translate(%.1f,%d) "
                           "rotate(30)\" font-size=\"11\">",
                           x + bw * 0.1, py(&p, counts[i]), bw * 0.8,
                           py(&p, 0) - py(&p, counts[i]), x + bw * 0.3,
                           p.top + p.h + 14);
        if (!rc)
            rc = esc(b, names[i]);
        if (!rc)
            rc = zl_buf_adds(b, "</text>\n");
    }
    if (!rc)
        rc = zl_buf_adds(b, "<polyline fill=\"none\" stroke=\"#c62828\" "
                            "stroke-width=\"2\" points=\"");
    for (size_t i = 0; i < n && !rc; i++) {
        cum += counts[i];
        rc = zl_buf_printf(b, "%.1f,%.1f ", p.left + (i + 0.5) * bw,
                           py(&p, cum));
    }
    if (!rc)
        rc = zl_buf_adds(b, "\"/>\n</svg>\n");
    return rc;
}
