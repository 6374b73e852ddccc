/*
 * fsma_csv.c - the FSMA 204 sortable spreadsheet of a recall scope
 * (zl_recall_scope_csv): RFC 4180 CSV, CRLF line ends, a header row and
 * then the scope's rows in the order scope.c sorted them.
 *
 * The rows are computed in lib/recall/scope.c (one per event, TLC and
 * unit); this file only writes them. The header names follow the FDA's
 * sortable spreadsheet template and are in the order of the column enum
 * in scope.c. A field is quoted only when it holds a comma, a quote or a
 * line break, quotes doubled.
 */
#include "zhiliang/recall.h"

#include "recall/recall_int.h"
#include "util/buf.h"

#include <string.h>

static const char *const fsma_header[ZL_FSMA_COLS] = {
    "Event Date",
    "Event Time",
    "CTE Type",
    "Traceability Lot Code (TLC)",
    "Product Description",
    "GTIN",
    "Quantity",
    "Unit of Measure",
    "Location Description",
    "Ship-from Location",
    "Ship-to Location",
    "Immediate Previous Source",
    "Immediate Subsequent Recipient",
    "TLC Source Location",
    "Reference Document Type",
    "Reference Document Number",
    "Transformation Role",
    "Transformation Input TLCs",
    "Event ID"};

static int csv_field(struct zl_buf *b, const char *v, int last)
{
    int rc = 0;

    if (strpbrk(v, ",\"\r\n")) {
        rc = zl_buf_addc(b, '"');
        for (const char *p = v; *p && !rc; p++)
            rc = *p == '"' ? zl_buf_add(b, "\"\"", 2) : zl_buf_addc(b, *p);
        if (!rc)
            rc = zl_buf_addc(b, '"');
    } else {
        rc = zl_buf_adds(b, v);
    }
    if (!rc)
        rc = last ? zl_buf_add(b, "\r\n", 2) : zl_buf_addc(b, ',');
    return rc;
}

/* See zhiliang/recall.h. */
int zl_recall_scope_csv(const zl_recall_scope *sc, struct zl_buf *out)
{
    int rc = 0;

    for (int k = 0; k < ZL_FSMA_COLS && !rc; k++)
        rc = csv_field(out, fsma_header[k], k == ZL_FSMA_COLS - 1);
    for (size_t i = 0; i < sc->n_rows && !rc; i++)
        for (int k = 0; k < ZL_FSMA_COLS && !rc; k++)
            rc = csv_field(out, sc->rows[i].col[k], k == ZL_FSMA_COLS - 1);
    return rc;
}
