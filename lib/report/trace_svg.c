/*
 * trace_svg.c - a trace graph as SVG, written by hand (no library).
 *
 * Layout: layered left to right by depth (the level at which the trace
 * first reached a node), nodes stacked in discovery order within a column,
 * so reading left to right follows the trace outwards from the start.
 * Edges are cubic curves from the right side of a node to the left side of
 * the next, labelled with the link and the event's bizStep. Each node box
 * shows its kind, identifier, quantity, last known party/place and window.
 * Rejected: a force layout (unstable between runs, so golden files and
 * users' eyes cannot compare two pictures) and Graphviz as a dependency
 * (DOT is written separately for those who have it).
 *
 * Large traces are cut at MAX_NODES nodes with a note saying how many were
 * left out; the JSON output holds everything.
 */
#include "zhiliang/trace.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/timefmt.h"

#include <string.h>

#define MAX_NODES 400
#define COL_W     510 /* box + room for the edge labels between columns */
#define BOX_W     340 /* fits a lot or SSCC with its quantity at 11px */
#define BOX_H     64
#define ROW_H     80
#define MARGIN    30

/* Text with XML special characters escaped, cut to max characters. */
static int xml_text(struct zl_buf *b, const char *s, size_t max)
{
    size_t n;
    int rc;

    if (s == NULL)
        return 0;
    for (n = 0; n < max && s[n]; n++)
        ;
    rc = zl_buf_add_xml(b, s, n, 0);
    if (rc == 0 && s[n])
        rc = zl_buf_adds(b, "\xe2\x80\xa6"); /* ellipsis */
    return rc;
}

/* The identifier without the resolver host: "01/0950.../21/123". */
static const char *short_id(const char *id)
{
    static const char dl[] = "https://id.gs1.org/";

    if (id != NULL && strncmp(id, dl, sizeof(dl) - 1) == 0)
        return id + sizeof(dl) - 1;
    return id;
}

static const char *fill_of(enum zl_trace_kind k)
{
    switch (k) {
    case ZL_TK_ITEM: return "#e8f1fb";
    case ZL_TK_LOT: return "#fdf0dc";
    case ZL_TK_CLASS: return "#fdf0dc";
    case ZL_TK_CONTAINER: return "#e6f4e6";
    case ZL_TK_ASSET: return "#eee6f4";
    case ZL_TK_LOCATION: return "#f4e6e6";
    default: return "#f2f2f2";
    }
}

static void day(int64_t ms, char out[32])
{
    if (ms == INT64_MIN || ms == INT64_MAX) {
        memcpy(out, "\xe2\x80\xa6", 4);
        return;
    }
    zl_time_format_utc(ms, out);
    out[16] = '\0'; /* YYYY-MM-DDTHH:MM */
    out[10] = ' ';
}

int zl_trace_write_svg(const zl_trace *t, struct zl_buf *b)
{
    size_t n = zl_trace_node_count(t), shown = n < MAX_NODES ? n : MAX_NODES;
    int *col_rows = NULL, *x = NULL, *y = NULL, max_depth = 0, max_rows = 0;
    int rc = ZL_ENOMEM, w, h;

    col_rows = zl_calloc(shown + 1, sizeof(int));
    x = zl_calloc(shown + 1, sizeof(int));
    y = zl_calloc(shown + 1, sizeof(int));
    if (col_rows == NULL || x == NULL || y == NULL)
        goto out;
    for (size_t i = 0; i < shown; i++) {
        int d = zl_trace_node(t, i)->depth;

        if (d > (int)shown)
            d = (int)shown;
        x[i] = MARGIN + d * COL_W;
        y[i] = MARGIN + 30 + col_rows[d] * ROW_H;
        col_rows[d]++;
        if (d > max_depth)
            max_depth = d;
        if (col_rows[d] > max_rows)
            max_rows = col_rows[d];
    }
    w = 2 * MARGIN + (max_depth + 1) * COL_W;
    h = 2 * MARGIN + 30 + (max_rows ? max_rows : 1) * ROW_H + 20;
    rc = zl_buf_printf(
        b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
        "<text x=\"%d\" y=\"%d\" font-size=\"14\" "
        "font-weight=\"bold\">%s</text>\n",
        w, h, w, h, MARGIN, MARGIN,
        zl_trace_options(t)->dir == ZL_TRACE_FORWARD
            ? "Forward trace 去向可追"
            : "Backward trace 来源可查");
    /* edges first, under the boxes */
    for (size_t i = 0; rc == 0 && i < zl_trace_edge_count(t); i++) {
        const struct zl_trace_edge *e = zl_trace_edge(t, i);
        const struct zl_trace_event *ev;
        int x1, y1, x2, y2;

        if ((size_t)e->from >= shown || (size_t)e->to >= shown)
            continue;
        ev = zl_trace_event(t, (size_t)e->event);
        x1 = x[e->from] + BOX_W;
        y1 = y[e->from] + BOX_H / 2;
        x2 = x[e->to];
        y2 = y[e->to] + BOX_H / 2;
        if (x2 <= x1) { /* same or earlier column: loop around */
            x2 = x[e->to] + BOX_W / 2;
            y2 = y[e->to] + (y[e->to] > y1 ? 0 : BOX_H);
        }
        rc =
            zl_buf_printf(b,
                          "<path d=\"M%d %d C%d %d %d %d %d %d\" "
                          "fill=\"none\" stroke=\"#777\" "
                          "marker-end=\"url(#arrow)\"/>\n",
                          x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2);
        if (rc == 0)
            rc = zl_buf_printf(b,
                               "<text x=\"%d\" y=\"%d\" fill=\"#555\" "
                               "font-size=\"9\" text-anchor=\"middle\">%s",
                               (x1 + x2) / 2, (y1 + y2) / 2 - 3,
                               zl_trace_link_name(e->link));
        if (rc == 0 && ev->biz_step) {
            rc = zl_buf_adds(b, " \xc2\xb7 ");
            rc = rc < 0 ? rc
                        : xml_text(b,
                                   zl_cbv_short(zl_biz_step_term(ev->step),
                                                ev->biz_step),
                                   24);
        }
        if (rc == 0 && e->has_quantity)
            rc = zl_buf_printf(b, " %g%s%s", e->quantity, e->uom ? " " : "",
                               e->uom ? e->uom : "");
        rc = rc < 0 ? rc : zl_buf_adds(b, "</text>\n");
    }
    if (rc == 0)
        rc = zl_buf_adds(b, "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" "
                            "refX=\"10\" refY=\"5\" markerWidth=\"6\" "
                            "markerHeight=\"6\" orient=\"auto\"><path "
                            "d=\"M0 0L10 5L0 10z\" fill=\"#777\"/></marker>"
                            "</defs>\n");
    for (size_t i = 0; rc == 0 && i < shown; i++) {
        const struct zl_trace_node *nd = zl_trace_node(t, i);
        char t1[32], t2[32];

        rc = zl_buf_printf(b,
                           "<g><rect x=\"%d\" y=\"%d\" width=\"%d\" "
                           "height=\"%d\" rx=\"6\" fill=\"%s\" stroke=\"%s\" "
                           "stroke-width=\"%d\"/>\n<text x=\"%d\" y=\"%d\">"
                           "<tspan font-weight=\"bold\">%s</tspan> ",
                           x[i], y[i], BOX_W, BOX_H, fill_of(nd->kind),
                           nd->via < 0 ? "#c00" : "#888", nd->via < 0 ? 2 : 1,
                           x[i] + 6, y[i] + 14, zl_trace_kind_name(nd->kind));
        rc = rc < 0 ? rc : xml_text(b, short_id(nd->id), 34);
        if (rc == 0 && nd->has_quantity && nd->kind != ZL_TK_ITEM)
            rc = zl_buf_printf(b, " (%g%s%s)", nd->quantity, nd->uom ? " " : "",
                               nd->uom ? nd->uom : "");
        rc = rc < 0 ? rc
                    : zl_buf_printf(b,
                                    "</text>\n<text x=\"%d\" y=\"%d\" "
                                    "fill=\"#333\">",
                                    x[i] + 6, y[i] + 29);
        if (rc == 0 && nd->owner)
            rc = xml_text(b, short_id(nd->owner), 20);
        if (rc == 0 && nd->owner && nd->location)
            rc = zl_buf_adds(b, " @ ");
        if (rc == 0 && nd->location)
            rc = xml_text(b, short_id(nd->location), 22);
        day(nd->first_ms, t1);
        day(nd->last_ms, t2);
        rc = rc < 0 ? rc
                    : zl_buf_printf(b,
                                    "</text>\n<text x=\"%d\" y=\"%d\" "
                                    "fill=\"#666\" font-size=\"9\">%s \xe2"
                                    "\x80\x93 %s  %zu events%s</text></g>\n",
                                    x[i] + 6, y[i] + 44, t1, t2, nd->n_events,
                                    nd->reached_consumer ? "  sold" : "");
    }
    if (rc == 0 && shown < n)
        rc = zl_buf_printf(b,
                           "<text x=\"%d\" y=\"%d\" fill=\"#c00\">%zu more "
                           "nodes not drawn (see --json)</text>\n",
                           MARGIN, h - 10, n - shown);
    rc = rc < 0 ? rc : zl_buf_adds(b, "</svg>\n");
out:
    zl_free(col_rows);
    zl_free(x);
    zl_free(y);
    return rc;
}
