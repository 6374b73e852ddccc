/*
 * svg.c - a signal series as SVG (see zhiliang/risk.h): the counts, the
 * expected line, the threshold line, and a vertical marker per alarm,
 * drawn with the shared line-chart writer (lib/report/svg_chart.c) so it
 * reads like the other charts. Periods not judged have no expected or
 * threshold point; the lines start at the first judged period. A missing
 * count (NaN) is left out of the observed line, which joins its
 * neighbours across it.
 */
#include "zhiliang/risk.h"

#include "report/svg_chart.h"
#include "zhiliang/alloc.h"
#include "zhiliang/buf.h"

#include <math.h>
#include <string.h>

#define MAX_ALARM_MARKS 200

int zl_risk_svg(struct zl_buf *b, const double *y, size_t n,
                const struct zl_risk_signals *s, const char *title)
{
    double *xs = NULL, *ys = NULL, *ex = NULL, *ey = NULL, *ux = NULL,
           *uy = NULL;
    double ymax = 1;
    struct zl_svg_series ser[3];
    struct zl_svg_rule rules[MAX_ALARM_MARKS];
    struct zl_svg_chart c;
    size_t no = 0, ne = 0, nu = 0, nr = 0;
    int rc = ZL_ENOMEM;

    if (n < 2)
        return ZL_EINVAL;
    xs = zl_malloc(sizeof(double) * n);
    ys = zl_malloc(sizeof(double) * n);
    ex = zl_malloc(sizeof(double) * (s->n + 1));
    ey = zl_malloc(sizeof(double) * (s->n + 1));
    ux = zl_malloc(sizeof(double) * (s->n + 1));
    uy = zl_malloc(sizeof(double) * (s->n + 1));
    if (!xs || !ys || !ex || !ey || !ux || !uy)
        goto out;
    for (size_t i = 0; i < n; i++) /* a missing period is left out */
        if (isfinite(y[i])) {
            xs[no] = (double)(i + 1);
            ys[no++] = y[i];
            ymax = fmax(ymax, y[i]);
        }
    for (size_t i = 0; i < s->n; i++) {
        const struct zl_risk_point *p = &s->pts[i];

        if (isfinite(p->expected)) {
            ex[ne] = (double)(p->t + 1);
            ey[ne++] = p->expected;
        }
        if (isfinite(p->upper) && p->upper >= 0) {
            ux[nu] = (double)(p->t + 1);
            uy[nu++] = p->upper;
            ymax = fmax(ymax, p->upper);
        }
        if (p->alarm && nr < MAX_ALARM_MARKS)
            rules[nr++] = (struct zl_svg_rule){1, (double)(p->t + 1),
                                               nr ? NULL : "alarm", "#d1242f"};
    }
    memset(ser, 0, sizeof ser);
    ser[0] = (struct zl_svg_series){"observed", xs, ys, no, "#1f6feb", 0};
    ser[1] = (struct zl_svg_series){"expected", ex, ey, ne, "#2da44e", 1};
    ser[2] = (struct zl_svg_series){"threshold", ux, uy, nu, "#bf8700", 0};
    memset(&c, 0, sizeof c);
    c.title = title ? title : "signals";
    c.x_label = "period";
    c.y_label = "count";
    c.x_min = 1;
    c.x_max = (double)n;
    c.y_min = 0;
    c.y_max = ymax * 1.05;
    c.series = ser;
    c.n_series = 3;
    c.rules = rules;
    c.n_rules = nr;
    rc = zl_svg_chart(b, &c);
out:
    zl_free(xs);
    zl_free(ys);
    zl_free(ex);
    zl_free(ey);
    zl_free(ux);
    zl_free(uy);
    return rc;
}
