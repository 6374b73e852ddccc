/*
 * recall_int.h - parts of the recall module shared by scope.c, case.c,
 * recall_json.c and the writers in lib/report (fsma_csv.c, recall_report.c).
 *
 * A scope is a typed model: nodes, custodians with their holdings, the
 * FSMA rows, counts. JSON is made from it only where JSON is the output:
 * zl_recall_scope_json, and the "open" record of a case, which embeds the
 * summary and custodians (zl_recall_scope_record). Every string in the
 * model is interned in `strs` and lives as long as the scope.
 */
#ifndef ZL_RECALL_INT_H
#define ZL_RECALL_INT_H

#include "store/store_recall.h"
#include "util/strmap.h"
#include "zhiliang/recall.h"

#include <jansson.h>

enum { ZL_FSMA_COLS = 19 };

struct zl_fsma_row {
    int64_t ms;
    char *col[ZL_FSMA_COLS];
};

/* How much of one unit a custodian holds and has sold to consumers. */
struct zl_recall_holding {
    const char *uom;
    double held, sold;
};

/* A custodian with its registry details (NULL when unknown); party is
 * the registry ID, the identifier itself, or "unknown". */
struct zl_recall_custodian {
    const char *party, *name, *name_en, *gln, *address;
    struct zl_recall_holding *holdings; /* sorted by uom */
    size_t n_holdings;
};

/* An affected lot, item, class, container or asset. Optional strings are
 * NULL when absent. */
struct zl_recall_node {
    const char *id, *kind;
    int depth, reached_consumer, terminal;
    const char *tlc, *gtin; /* products only */
    int has_quantity;
    double quantity;
    const char *uom; /* with has_quantity */
    const char *custodian, *custodian_name;
    const char *location, *location_description, *last_event_time;
};

struct zl_recall_cte_count {
    const char *cte;
    long long n;
};

struct zl_recall_scope {
    struct zl_strmap strs; /* interned strings (keys only) */
    const char **lots;     /* the recalled lots, as the trace named them */
    size_t n_lots;
    struct zl_recall_summary summary;
    struct zl_recall_node *nodes; /* sorted by id */
    size_t n_nodes;
    struct zl_recall_custodian *custodians; /* sorted by party */
    size_t n_custodians;
    struct zl_recall_cte_count *ctes; /* in first-seen order */
    size_t n_ctes;
    const char **ids; /* node IDs, sorted (the recall_ids index) */
    size_t n_ids;
    const char **gtins; /* distinct GTINs of affected products, sorted */
    size_t n_gtins;
    struct zl_fsma_row *rows;
    size_t n_rows;
};

/* {"summary", "custodians", "ids", "gtins"} for a case's "open" record
 * (new), or NULL when out of memory. */
json_t *zl_recall_scope_record(const zl_recall_scope *sc);

/* What a case's derived rows (recall_cases, recall_ids) must hold, as
 * its records say: replayed from the open and close records exactly as
 * zl_recall_open and zl_recall_close write the rows. Strings are new;
 * zl_recall_derived_cleanup frees them. ZL_ENOTFOUND when the case has
 * no open record. verify compares, reindex rewrites. */
struct zl_recall_derived {
    struct zl_store_recall_case row; /* strings owned below */
    char *reason, *hazard, *lots_json, *gtins_json;
    char **ids;
    size_t n_ids;
};
int zl_recall_derive(zl_store *s, const char *case_id,
                     struct zl_recall_derived *d);
void zl_recall_derived_cleanup(struct zl_recall_derived *d);

/* A quantity as the CSV rows and the text report print it ("%.15g"),
 * NUL-terminated in out. */
void zl_recall_fmt_num(double v, char out[48]);

/* A JSON array of the strings v[0..n) (new), or NULL. */
json_t *zl_recall_strings_json(const char *const *v, size_t n);

#endif
