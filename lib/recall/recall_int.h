/*
 * recall_int.h - parts of the recall module shared by scope.c and case.c.
 *
 * A scope keeps its JSON document (jansson) so a case can embed the
 * summary and custodians in its "open" record without a second model.
 */
#ifndef ZL_RECALL_INT_H
#define ZL_RECALL_INT_H

#include "zhiliang/recall.h"

#include <jansson.h>

enum { ZL_FSMA_COLS = 19 };

struct zl_fsma_row {
    int64_t ms;
    char *col[ZL_FSMA_COLS];
};

struct zl_recall_scope {
    json_t *doc;   /* the object zl_recall_scope_json prints */
    json_t *ids;   /* sorted affected identifiers (borrowed from doc's
                      nodes is not possible: own array) */
    json_t *gtins; /* sorted distinct GTINs of affected products */
    struct zl_fsma_row *rows;
    size_t n_rows;
};

#endif
