/*
 * trace_svg.c - a trace graph as SVG, written by hand (no library).
 *
 * Layout: layered left to right by depth (the level at which the trace
 * first reached a node), boxes stacked in discovery order within a column,
 * so reading left to right follows the trace outwards from the start.
 *
 * What a person needs from the picture decides the rest:
 * - Many alike are one box. Nodes of the same kind reached from the same
 *   node, last held by the same party at the same place, are drawn as one
 *   box when there are at least GROUP_MIN of them ("24 items, (21)1001 …
 *   1024, 15 sold"): a forward trace of a batch of 1,000 cartons is one
 *   box that says so, not 1,000 boxes. Edges between two boxes are drawn
 *   once, with their count.
 * - Names, not codes: with a names lookup (zhiliang/party.h), parties and
 *   places are named ("呼和浩特市乳品生产基地 (瑞雪乳业)") and identifiers are
 *   GS1 element strings; without one, identifiers as stored.
 * - A legend says what the colours (kinds) and line styles (links) mean,
 *   so edges need no label of their own; an edge is labelled only with
 *   its count when it stands for several.
 * - Text never runs out of its box: strings are cut to the box's width,
 *   measured in display columns (a CJK character is two), at a character
 *   boundary, with an ellipsis.
 * Rejected: a force layout (unstable between runs, so golden files and
 * users' eyes cannot compare two pictures) and Graphviz as a dependency
 * (DOT is written separately for those who have it).
 *
 * Large traces are cut at MAX_BOXES boxes with a note saying how many
 * nodes were left out; the JSON output holds everything.
 */
#include "zhiliang/gs1.h"
#include "zhiliang/party.h"
#include "zhiliang/trace.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BOXES 400
#define GROUP_MIN 3   /* alike nodes drawn as one box from this many */
#define COL_W     440 /* box + room for the edges between columns */
#define BOX_W     360
#define BOX_H     64
#define ROW_H     80
#define MARGIN    30
#define TOP       96 /* title and legend */
#define TEXT_COLS 56 /* display columns of an 11px line in a box */

/* ---- text ---------------------------------------------------------------- */

/* Bytes of the UTF-8 sequence starting with c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* s escaped for XML, cut to cols display columns (East Asian wide
 * characters, U+1100 and up here, count two) with an ellipsis. */
static int xml_text(struct zl_buf *b, const char *s, int cols)
{
    size_t n = 0, k;
    int w = 0, rc;

    if (s == NULL)
        return 0;
    while (s[n]) {
        k = utf8_len((unsigned char)s[n]);
        int cw = k >= 3 ? 2 : 1;

        if (w + cw > cols)
            break;
        for (size_t j = 1; j < k; j++) /* never split a sequence */
            if (!s[n + j])
                k = j;
        w += cw;
        n += k;
    }
    rc = zl_buf_add_xml(b, s, n, 0);
    if (rc == 0 && s[n])
        rc = zl_buf_adds(b, "\xe2\x80\xa6"); /* ellipsis */
    return rc;
}

/* An identifier as people read it: its element string when names are
 * wanted and it parses, else without the resolver host. es: 256 bytes. */
static const char *show_id(const struct zl_trace_text_opts *o, const char *id,
                           char *es)
{
    static const char dl[] = "https://id.gs1.org/";
    struct zl_gs1_id g;

    if (!id)
        return "";
    if (o && o->names && !zl_gs1_parse(id, strlen(id), &g, NULL) &&
        zl_gs1_to_element_string(&g, es, 256) > 0)
        return es;
    if (strncmp(id, dl, sizeof(dl) - 1) == 0)
        return id + sizeof(dl) - 1;
    return id;
}

/* ---- what is drawn ------------------------------------------------------- */

static const char *fill_of(enum zl_trace_kind k)
{
    switch (k) {
    case ZL_TK_ITEM: return "#e8f1fb";
    case ZL_TK_LOT:
    case ZL_TK_CLASS: return "#fdf0dc";
    case ZL_TK_CONTAINER: return "#e6f4e6";
    case ZL_TK_ASSET: return "#eee6f4";
    case ZL_TK_LOCATION: return "#f4e6e6";
    default: return "#f2f2f2";
    }
}

/* Kinds as a legend and a box name them, in Chinese and English. */
static const char *kind_label(enum zl_trace_kind k, int zh)
{
    switch (k) {
    case ZL_TK_ITEM: return zh ? "单品" : "item";
    case ZL_TK_LOT: return zh ? "批次" : "lot";
    case ZL_TK_CLASS: return zh ? "品类" : "class";
    case ZL_TK_CONTAINER: return zh ? "物流单元" : "container";
    case ZL_TK_ASSET: return zh ? "周转器具" : "asset";
    case ZL_TK_LOCATION: return zh ? "地点" : "location";
    case ZL_TK_PARTY: return zh ? "企业" : "party";
    default: return zh ? "其他" : "other";
    }
}

/* Line style of a link: transformations solid, packing dashed, the rest
 * dotted. */
static const char *dash_of(enum zl_trace_link l)
{
    switch (l) {
    case ZL_LINK_TRANSFORMED: return "";
    case ZL_LINK_PACKED_IN:
    case ZL_LINK_CONTAINS: return " stroke-dasharray=\"7 4\"";
    default: return " stroke-dasharray=\"2 3\"";
    }
}

/* A box: one node, or GROUP_MIN or more alike nodes. */
struct box {
    int first;  /* its first node (discovery order) */
    int lo, hi; /* its nodes with the least and greatest identifier */
    size_t n;   /* nodes in it */
    size_t sold;
    size_t n_events;
    int64_t first_ms, last_ms;
};

/* An edge between two boxes, drawn once. */
struct bedge {
    int from, to; /* boxes */
    enum zl_trace_link link;
    size_t n;
};

static int str_cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Order that brings alike nodes together: depth, parent, kind, holder,
 * place, then discovery order. */
static const zl_trace *sort_t;

static int alike_cmp(const void *pa, const void *pb)
{
    const struct zl_trace_node *a = zl_trace_node(sort_t, *(const int *)pa),
                               *b = zl_trace_node(sort_t, *(const int *)pb);
    int c;

    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    if (a->via != b->via)
        return a->via < b->via ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if ((c = str_cmp(a->owner, b->owner)) ||
        (c = str_cmp(a->location, b->location)))
        return c;
    return *(const int *)pa < *(const int *)pb ? -1 : 1;
}

static int alike(const struct zl_trace_node *a, const struct zl_trace_node *b)
{
    return a->depth == b->depth && a->via == b->via && a->kind == b->kind &&
           a->depth > 0 && !str_cmp(a->owner, b->owner) &&
           !str_cmp(a->location, b->location);
}

/* Box of each node (box_of[i]), boxes in discovery order of their first
 * node. Returns the number of boxes, or -1 on OOM. */
static int make_boxes(const zl_trace *t, size_t n, int *box_of,
                      struct box **out)
{
    int *ord = zl_calloc(n + 1, sizeof *ord), *lead = NULL;
    struct box *bx = NULL;
    size_t i, j, nb = 0;

    if (!ord || !(lead = zl_calloc(n + 1, sizeof *lead)) ||
        !(bx = zl_calloc(n + 1, sizeof *bx))) {
        zl_free(ord);
        zl_free(lead);
        zl_free(bx);
        return -1;
    }
    for (i = 0; i < n; i++)
        ord[i] = (int)i;
    sort_t = t;
    qsort(ord, n, sizeof *ord, alike_cmp);
    /* lead[i]: the first node of i's group, or i itself */
    for (i = 0; i < n; i = j) {
        for (j = i + 1;
             j < n && alike(zl_trace_node(t, ord[i]), zl_trace_node(t, ord[j]));
             j++)
            ;
        for (size_t k = i; k < j; k++)
            lead[ord[k]] = j - i >= GROUP_MIN ? ord[i] : ord[k];
    }
    for (i = 0; i < n; i++) {
        const struct zl_trace_node *nd = zl_trace_node(t, i);
        struct box *b;

        if (lead[i] == (int)i) {
            b = &bx[nb];
            box_of[i] = (int)nb++;
            b->first = b->lo = b->hi = (int)i;
            b->first_ms = INT64_MAX;
            b->last_ms = INT64_MIN;
        } else {
            box_of[i] = box_of[lead[i]];
            b = &bx[box_of[i]];
            if (str_cmp(nd->id, zl_trace_node(t, b->lo)->id) < 0)
                b->lo = (int)i;
            if (str_cmp(nd->id, zl_trace_node(t, b->hi)->id) > 0)
                b->hi = (int)i;
        }
        b->n++;
        b->sold += nd->reached_consumer != 0;
        b->n_events += nd->n_events;
        if (nd->first_ms != INT64_MIN && nd->first_ms < b->first_ms)
            b->first_ms = nd->first_ms;
        if (nd->last_ms != INT64_MAX && nd->last_ms > b->last_ms)
            b->last_ms = nd->last_ms;
    }
    zl_free(ord);
    zl_free(lead);
    *out = bx;
    return (int)nb;
}

/* ---- drawing ------------------------------------------------------------- */

struct draw {
    const zl_trace *t;
    const struct zl_trace_text_opts *o; /* may be NULL */
    struct zl_buf *b;
    int zh;
};

/* "YYYY-MM-DD HH:MM" in the reader's zone, or "" when unknown. */
static void when(const struct draw *d, int64_t ms, char out[40])
{
    if (ms == INT64_MIN || ms == INT64_MAX) {
        out[0] = '\0';
        return;
    }
    zl_time_format_local(ms, d->o ? d->o->zone_min : 0, out);
    out[16] = '\0';
    out[10] = ' ';
}

/* Who holds it where, as people say it: "place (holder)", or "party @
 * place" when another party owns it there. */
static int holder_line(const struct draw *d, const struct zl_trace_node *nd)
{
    struct zl_names *nm = d->o ? d->o->names : NULL;
    const char *own = nd->owner, *place = nd->location, *holder = NULL;
    char es[256];
    int rc = 0;

    if (nm) {
        const char *po = own ? zl_names_party(nm, own) : NULL;
        const char *pp = place ? zl_names_place(nm, place) : NULL;

        holder = place ? zl_names_place_holder(nm, place) : NULL;
        if (po && holder && !strcmp(po, holder))
            own = NULL; /* "place (holder)" names it */
        else if (po)
            own = po;
        if (pp)
            place = pp;
    }
    if (own)
        rc = xml_text(d->b, show_id(d->o, own, es), place ? 26 : TEXT_COLS);
    if (rc == 0 && own && place)
        rc = zl_buf_adds(d->b, " @ ");
    if (rc == 0 && place)
        rc = xml_text(d->b, show_id(d->o, place, es), own ? 32 : TEXT_COLS);
    return rc;
}

static int draw_box(const struct draw *d, const struct box *bx, int x, int y)
{
    const struct zl_trace_node *nd = zl_trace_node(d->t, bx->first);
    struct zl_buf *b = d->b;
    char es[256], t1[40], t2[40];
    int rc;

    rc = zl_buf_printf(b,
                       "<g><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                       "rx=\"6\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%d\""
                       "/>\n",
                       x, y, BOX_W, BOX_H, fill_of(nd->kind),
                       nd->via < 0 ? "#c00" : "#888", nd->via < 0 ? 2 : 1);
    if (bx->n > 1) { /* the stack of alike nodes behind it */
        rc = rc < 0 ? rc
                    : zl_buf_printf(b,
                                    "<path d=\"M%d %d h%d v%d\" fill=\"none\" "
                                    "stroke=\"#888\"/>\n",
                                    x + 4, y - 4, BOX_W, BOX_H);
    }
    rc = rc < 0 ? rc
                : zl_buf_printf(b,
                                "<text x=\"%d\" y=\"%d\"><tspan "
                                "font-weight=\"bold\">",
                                x + 6, y + 15);
    if (rc == 0 && bx->n > 1)
        rc = zl_buf_printf(b, d->zh ? "%zu 件%s" : "%zu %ss", bx->n,
                           kind_label(nd->kind, d->zh));
    else if (rc == 0)
        rc = zl_buf_adds(b, kind_label(nd->kind, d->zh));
    rc = rc < 0 ? rc : zl_buf_adds(b, "</tspan> ");
    if (rc == 0 && bx->n == 1)
        rc = xml_text(b, show_id(d->o, nd->id, es), 44);
    if (rc == 0 && bx->n > 1) { /* the range: least … tail of greatest */
        char lo[256];           /* es is reused for the greatest */
        const char *hi, *tail;

        snprintf(lo, sizeof lo, "%s",
                 show_id(d->o, zl_trace_node(d->t, bx->lo)->id, es));
        hi = show_id(d->o, zl_trace_node(d->t, bx->hi)->id, es);
        tail = strrchr(hi, ')');
        rc = xml_text(b, lo, 24);
        rc = rc < 0 ? rc : zl_buf_adds(b, " \xe2\x80\xa6 ");
        rc = rc < 0 ? rc : xml_text(b, tail ? tail + 1 : hi, 13);
    }
    if (rc == 0 && nd->has_quantity && nd->kind != ZL_TK_ITEM && bx->n == 1)
        rc = zl_buf_printf(b, " (%g%s%s)", nd->quantity, nd->uom ? " " : "",
                           nd->uom ? nd->uom : "");
    rc = rc < 0 ? rc
                : zl_buf_printf(b,
                                "</text>\n<text x=\"%d\" y=\"%d\" "
                                "fill=\"#333\">",
                                x + 6, y + 31);
    rc = rc < 0 ? rc : holder_line(d, nd);
    when(d, bx->first_ms, t1);
    when(d, bx->last_ms, t2);
    if (t1[0] && t2[0] && !memcmp(t1, t2, 10))
        memmove(t2, t2 + 11, 6); /* the same day: its time only */
    rc = rc < 0 ? rc
                : zl_buf_printf(b,
                                "</text>\n<text x=\"%d\" y=\"%d\" "
                                "fill=\"#666\" font-size=\"10\">%s%s%s  ",
                                x + 6, y + 48, t1,
                                t1[0] && t2[0] ? " \xe2\x80\x93 " : "", t2);
    if (rc == 0)
        rc = zl_buf_printf(b, d->zh ? "%zu 个事件" : "%zu event%s",
                           bx->n_events, d->zh || bx->n_events == 1 ? "" : "s");
    if (rc == 0 && bx->sold)
        rc = bx->n > 1 ? zl_buf_printf(b,
                                       d->zh ? " · <tspan fill=\"#c00\">已售 "
                                               "%zu</tspan>"
                                             : " · <tspan fill=\"#c00\">%zu "
                                               "sold</tspan>",
                                       bx->sold)
                       : zl_buf_adds(b, d->zh ? " · <tspan fill=\"#c00\">已售"
                                                "</tspan>"
                                              : " · <tspan fill=\"#c00\">sold"
                                                "</tspan>");
    return rc < 0 ? rc : zl_buf_adds(b, "</text></g>\n");
}

/* Title, and the legend: what colours and lines mean. */
static int draw_head(const struct draw *d, const int *kinds_seen)
{
    static const enum zl_trace_kind kinds[] = {
        ZL_TK_ITEM,  ZL_TK_LOT,      ZL_TK_CLASS, ZL_TK_CONTAINER,
        ZL_TK_ASSET, ZL_TK_LOCATION, ZL_TK_PARTY, ZL_TK_OTHER};
    static const struct {
        enum zl_trace_link l;
        const char *zh, *en;
    } links[] = {{ZL_LINK_TRANSFORMED, "加工转化", "transformed"},
                 {ZL_LINK_PACKED_IN, "装入/拆出", "packed / unpacked"},
                 {ZL_LINK_MEMBER, "其他关联", "other links"}};
    struct zl_buf *b = d->b;
    int x = MARGIN, y = MARGIN + 34, rc;

    rc = zl_buf_printf(
        b,
        "<text x=\"%d\" y=\"%d\" font-size=\"15\" "
        "font-weight=\"bold\">%s</text>\n",
        MARGIN, MARGIN + 6,
        zl_trace_options(d->t)->dir == ZL_TRACE_FORWARD
            ? (d->zh ? "去向可追 · 正向追踪" : "Forward trace (去向可追)")
            : (d->zh ? "来源可查 · 反向追溯" : "Backward trace (来源可查)"));
    for (size_t i = 0; rc == 0 && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!kinds_seen[kinds[i]])
            continue;
        rc = zl_buf_printf(
            b,
            "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" "
            "rx=\"2\" fill=\"%s\" stroke=\"#888\"/><text x=\"%d\" "
            "y=\"%d\">%s</text>\n",
            x, y - 10, fill_of(kinds[i]), x + 19, y,
            kind_label(kinds[i], d->zh));
        x += d->zh ? 86 : 96;
    }
    rc = rc < 0 ? rc
                : zl_buf_printf(b,
                                "<rect x=\"%d\" y=\"%d\" width=\"14\" "
                                "height=\"12\" rx=\"2\" fill=\"white\" "
                                "stroke=\"#c00\" stroke-width=\"2\"/><text "
                                "x=\"%d\" y=\"%d\">%s</text>\n",
                                x, y - 10, x + 19, y, d->zh ? "起点" : "start");
    x = MARGIN;
    y += 22;
    for (size_t i = 0; rc == 0 && i < sizeof links / sizeof links[0]; i++) {
        rc = zl_buf_printf(b,
                           "<path d=\"M%d %d h30\" stroke=\"#777\"%s/><text "
                           "x=\"%d\" y=\"%d\">%s</text>\n",
                           x, y - 4, dash_of(links[i].l), x + 36, y,
                           d->zh ? links[i].zh : links[i].en);
        x += d->zh ? 120 : 150;
    }
    if (rc == 0)
        rc = zl_buf_printf(
            b, "<text x=\"%d\" y=\"%d\" fill=\"#666\">%s</text>\n", x, y,
            d->zh ? "叠放的框：同一来源、同一持有方的多件，合为一框"
                  : "stacked box: several alike, one box");
    return rc;
}

/* Edges between boxes, once each, under the boxes. */
static int draw_edges(const struct draw *d, const int *box_of, int nb,
                      const int *x, const int *y)
{
    size_t ne = zl_trace_edge_count(d->t), n = 0;
    struct bedge *v = zl_calloc(ne + 1, sizeof *v);
    int rc = 0;

    if (!v)
        return ZL_ENOMEM;
    for (size_t i = 0; i < ne; i++) {
        const struct zl_trace_edge *e = zl_trace_edge(d->t, i);
        int f = box_of[e->from], to = box_of[e->to];
        size_t k;

        if (f >= nb || to >= nb || f == to)
            continue;
        for (k = n; k > 0; k--) /* most repeats are of the latest */
            if (v[k - 1].from == f && v[k - 1].to == to &&
                v[k - 1].link == e->link)
                break;
        if (k)
            v[k - 1].n++;
        else
            v[n++] = (struct bedge){f, to, e->link, 1};
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int x1 = x[v[i].from] + BOX_W, y1 = y[v[i].from] + BOX_H / 2;
        int x2 = x[v[i].to], y2 = y[v[i].to] + BOX_H / 2;

        if (x2 <= x1) { /* same or earlier column: into its top or bottom */
            x2 = x[v[i].to] + BOX_W / 2;
            y2 = y[v[i].to] + (y[v[i].to] > y1 ? 0 : BOX_H);
        }
        rc =
            zl_buf_printf(d->b,
                          "<path d=\"M%d %d C%d %d %d %d %d %d\" fill=\"none\" "
                          "stroke=\"#777\"%s marker-end=\"url(#arrow)\"/>\n",
                          x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2,
                          dash_of(v[i].link));
        if (rc == 0 && v[i].n > 1)
            rc = zl_buf_printf(d->b,
                               "<text x=\"%d\" y=\"%d\" fill=\"#555\" "
                               "font-size=\"10\" text-anchor=\"end\">"
                               "\xc3\x97%zu</text>\n",
                               x2 - 8, y2 - 4, v[i].n);
    }
    zl_free(v);
    return rc;
}

int zl_trace_write_svg_opts(const zl_trace *t,
                            const struct zl_trace_text_opts *o,
                            struct zl_buf *b)
{
    size_t n = zl_trace_node_count(t);
    struct draw d = {t, o, b, o && o->names};
    int *box_of = NULL, *x = NULL, *y = NULL, *col_rows = NULL;
    int kinds_seen[ZL_TK_PARTY + 1] = {0};
    int nb, shown, max_depth = 0, max_rows = 0, rc = ZL_ENOMEM, w, h;
    struct box *bx = NULL;

    if (!(box_of = zl_calloc(n + 1, sizeof *box_of)) ||
        (nb = make_boxes(t, n, box_of, &bx)) < 0)
        goto out;
    shown = nb < MAX_BOXES ? nb : MAX_BOXES;
    if (!(x = zl_calloc((size_t)shown + 1, sizeof *x)) ||
        !(y = zl_calloc((size_t)shown + 1, sizeof *y)) ||
        !(col_rows = zl_calloc((size_t)shown + 2, sizeof *col_rows)))
        goto out;
    for (int i = 0; i < shown; i++) {
        const struct zl_trace_node *nd = zl_trace_node(t, bx[i].first);
        int dp = nd->depth > shown ? shown : nd->depth;

        x[i] = MARGIN + dp * COL_W;
        y[i] = TOP + col_rows[dp] * ROW_H;
        col_rows[dp]++;
        if (dp > max_depth)
            max_depth = dp;
        if (col_rows[dp] > max_rows)
            max_rows = col_rows[dp];
        if ((unsigned)nd->kind <= ZL_TK_PARTY)
            kinds_seen[nd->kind] = 1;
    }
    w = 2 * MARGIN + max_depth * COL_W + BOX_W;
    if (w < 900)
        w = 900; /* room for the legend */
    h = TOP + (max_rows ? max_rows : 1) * ROW_H + MARGIN;
    rc = zl_buf_printf(
        b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        "viewBox=\"0 0 %d %d\" font-family=\"'Noto Sans CJK SC','Source Han "
        "Sans SC','PingFang SC','Microsoft YaHei',sans-serif\" "
        "font-size=\"11\">\n"
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" "
        "refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
        "<path d=\"M0 0L10 5L0 10z\" fill=\"#777\"/></marker></defs>\n"
        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
        w, h, w, h);
    rc = rc < 0 ? rc : draw_head(&d, kinds_seen);
    rc = rc < 0 ? rc : draw_edges(&d, box_of, shown, x, y);
    for (int i = 0; rc == 0 && i < shown; i++)
        rc = draw_box(&d, &bx[i], x[i], y[i]);
    if (rc == 0 && shown < nb) {
        size_t left = 0;

        for (size_t i = 0; i < n; i++)
            left += box_of[i] >= shown;
        rc = zl_buf_printf(b,
                           "<text x=\"%d\" y=\"%d\" fill=\"#c00\">%zu %s"
                           "</text>\n",
                           MARGIN, h - 10, left,
                           d.zh ? "个节点未画出（见 --json）"
                                : "more nodes not drawn (see --json)");
    }
    rc = rc < 0 ? rc : zl_buf_adds(b, "</svg>\n");
out:
    zl_free(box_of);
    zl_free(bx);
    zl_free(x);
    zl_free(y);
    zl_free(col_rows);
    return rc;
}

int zl_trace_write_svg(const zl_trace *t, struct zl_buf *out)
{
    return zl_trace_write_svg_opts(t, NULL, out);
}
