/*
 * trace_dot.c - a trace graph in Graphviz DOT, for those who lay out with
 * dot(1): left to right, one box per node (kind, identifier, quantity,
 * last custodian), edges labelled with the link and the event's bizStep.
 * All nodes are written; strings are escaped for DOT's quoted IDs.
 */
#include "zhiliang/trace.h"

#include "util/buf.h"

#include <string.h>

static int dot_str(struct zl_buf *b, const char *s)
{
    int rc = 0;

    for (; rc == 0 && s != NULL && *s; s++) {
        if (*s == '"' || *s == '\\')
            rc = zl_buf_addc(b, '\\');
        rc = rc < 0 ? rc : zl_buf_addc(b, *s == '\n' ? ' ' : *s);
    }
    return rc;
}

int zl_trace_write_dot(const zl_trace *t, struct zl_buf *b)
{
    int rc = zl_buf_adds(b, "digraph trace {\n  rankdir=LR;\n"
                            "  node [shape=box, style=rounded, fontsize=10];\n"
                            "  edge [fontsize=9];\n");

    for (size_t i = 0; rc == 0 && i < zl_trace_node_count(t); i++) {
        const struct zl_trace_node *n = zl_trace_node(t, i);

        rc = zl_buf_printf(b, "  n%zu [label=\"%s\\n", i,
                           zl_trace_kind_name(n->kind));
        rc = rc < 0 ? rc : dot_str(b, n->id);
        if (rc == 0 && n->has_quantity && n->kind != ZL_TK_ITEM)
            rc =
                zl_buf_printf(b, "\\n%g %s", n->quantity, n->uom ? n->uom : "");
        if (rc == 0 && (n->owner || n->location)) {
            rc = zl_buf_adds(b, "\\n");
            rc = rc < 0 ? rc : dot_str(b, n->owner ? n->owner : n->location);
        }
        rc = rc < 0 ? rc
                    : zl_buf_printf(b, "\"%s];\n",
                                    n->via < 0 ? ", penwidth=2" : "");
    }
    for (size_t i = 0; rc == 0 && i < zl_trace_edge_count(t); i++) {
        const struct zl_trace_edge *e = zl_trace_edge(t, i);
        const struct zl_trace_event *ev = zl_trace_event(t, (size_t)e->event);

        rc = zl_buf_printf(b, "  n%d -> n%d [label=\"%s", e->from, e->to,
                           zl_trace_link_name(e->link));
        if (rc == 0 && ev->biz_step) {
            rc = zl_buf_adds(b, "\\n");
            rc = rc < 0 ? rc
                        : dot_str(b, zl_cbv_short(zl_biz_step_term(ev->step),
                                                  ev->biz_step));
        }
        if (rc == 0 && e->has_quantity)
            rc =
                zl_buf_printf(b, "\\n%g %s", e->quantity, e->uom ? e->uom : "");
        rc = rc < 0 ? rc : zl_buf_adds(b, "\"];\n");
    }
    return rc < 0 ? rc : zl_buf_adds(b, "}\n");
}
