/*
 * recall_report.c - the readable recall scope report (zl_recall_scope_report):
 * Chinese and English side by side, for a person deciding what to pull.
 *
 * Sections: recalled lots, summary counts, holdings by custodian, items
 * sold to consumers, CTE counts, affected objects. Long lists stop after
 * REPORT_LIST_MAX lines with a "... N more" line; `--json` has everything.
 * The model is computed in lib/recall/scope.c; this file only prints it.
 */
#include "zhiliang/recall.h"

#include "recall/recall_int.h"
#include "util/buf.h"

#include <stddef.h>

/* Lists in the readable report stop here; --json has everything. */
#define REPORT_LIST_MAX 40

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* See zhiliang/recall.h. */
int zl_recall_scope_report(const zl_recall_scope *sc, struct zl_buf *out)
{
    const struct zl_recall_summary *sum = &sc->summary;
    size_t i, j;
    int rc;

    rc = zl_buf_adds(out, "召回范围报告 / Recall scope report\n"
                          "================================\n\n"
                          "召回批次 / Recalled lots:\n");
    for (i = 0; i < sc->n_lots && !rc; i++)
        rc = zl_buf_printf(out, "  %s\n", sc->lots[i]);
    if (!rc)
        rc = zl_buf_printf(
            out,
            "\n汇总 / Summary:\n"
            "  单品 items: %lld   批次 lots: %lld   类别 classes: %lld\n"
            "  容器 containers: %lld   周转器具 assets: %lld\n"
            "  已售给消费者的单品 items sold to consumers: %lld\n"
            "  涉及事件 events: %lld   FSMA 204 记录行 rows: %zu\n",
            (long long)sum->items, (long long)sum->lots,
            (long long)sum->classes, (long long)sum->containers,
            (long long)sum->assets, (long long)sum->items_at_consumers,
            (long long)sum->events, sc->n_rows);
    if (!rc)
        rc = zl_buf_adds(out,
                         "\n按持有方 / By custodian (who holds how much):\n");
    for (i = 0; i < sc->n_custodians && !rc; i++) {
        const struct zl_recall_custodian *v = &sc->custodians[i];

        rc = zl_buf_printf(out, "  %s%s%s%s [%s]%s%s%s%s\n", or_empty(v->name),
                           v->name_en ? " (" : "", or_empty(v->name_en),
                           v->name_en ? ")" : "", v->party,
                           v->gln ? " GLN " : "", or_empty(v->gln),
                           v->address ? ", " : "", or_empty(v->address));
        for (j = 0; j < v->n_holdings && !rc; j++) {
            const struct zl_recall_holding *h = &v->holdings[j];
            char a[48], b[48];

            zl_recall_fmt_num(h->held, a);
            zl_recall_fmt_num(h->sold, b);
            rc = zl_buf_printf(
                out, "      持有 held: %s %s   已售 sold to consumers: %s %s\n",
                a, h->uom, b, h->uom);
        }
    }
    if (!rc)
        rc = zl_buf_adds(out, "\n已售给消费者 / Items sold to consumers:\n");
    j = 0;
    for (i = 0; i < sc->n_nodes && !rc; i++) {
        const struct zl_recall_node *v = &sc->nodes[i];

        if (!v->reached_consumer || !v->terminal)
            continue;
        if (j++ < REPORT_LIST_MAX)
            rc = zl_buf_printf(out, "  %s  (%s)\n", v->id,
                               v->custodian ? v->custodian : "?");
    }
    if (!rc && !j)
        rc = zl_buf_adds(out, "  无 none\n");
    if (!rc && j > REPORT_LIST_MAX)
        rc = zl_buf_printf(out, "  ... 另有 %zu 件 / %zu more (see --json)\n",
                           j - REPORT_LIST_MAX, j - REPORT_LIST_MAX);
    if (!rc)
        rc = zl_buf_adds(
            out, "\n关键追踪事件 / Critical tracking events (FSMA 204):\n");
    for (i = 0; i < sc->n_ctes && !rc; i++)
        rc = zl_buf_printf(out, "  %-16s %lld\n", sc->ctes[i].cte,
                           sc->ctes[i].n);
    if (!rc)
        rc = zl_buf_adds(
            out, "\n受影响对象 / Affected lots, items and containers:\n");
    for (i = 0; i < sc->n_nodes && i < REPORT_LIST_MAX && !rc; i++) {
        const struct zl_recall_node *v = &sc->nodes[i];
        char q[48] = "";

        if (v->has_quantity)
            zl_recall_fmt_num(v->quantity, q);
        rc = zl_buf_printf(out, "  %-9s %s %s%s%s -> %s\n", v->kind, v->id, q,
                           q[0] ? " " : "", q[0] ? or_empty(v->uom) : "",
                           v->custodian ? v->custodian : "?");
    }
    if (!rc && sc->n_nodes > REPORT_LIST_MAX)
        rc = zl_buf_printf(out, "  ... 另有 %zu 项 / %zu more (see --json)\n",
                           sc->n_nodes - REPORT_LIST_MAX,
                           sc->n_nodes - REPORT_LIST_MAX);
    return rc;
}
