/*
 * logged_rows.h - checking that a module's stored records sit where the
 * log says.
 *
 * The supervision, SPC and risk modules each keep their records in a
 * table with the index of the log leaf each was logged as. `verify`
 * rebuilds every leaf from its record (verify.c); this is the other
 * direction: every stored record must be named by a leaf of the module's
 * type at the index the row claims, so a row inserted behind the log's
 * back, or one whose leaf index was edited, is reported. A module
 * collects (key, leaf) pairs with zl_logged_rows_add while it lists its
 * rows, then calls zl_logged_rows_check.
 */
#ifndef ZL_AUDIT_LOGGED_ROWS_H
#define ZL_AUDIT_LOGGED_ROWS_H

#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

struct zl_logged_rows {
    char **keys;   /* the records' log keys */
    int64_t *leaf; /* the leaf index each row claims */
    size_t n, cap, cap_l;
};

/* verify's issue callback: kind "record-unlogged" or "record-altered". */
typedef int (*zl_logged_report_fn)(void *ctx, const char *kind, uint64_t index,
                                   const char *key, const char *detail);

/* Remember record key (copied) claiming leaf. 0 or ZL_ENOMEM. */
int zl_logged_rows_add(struct zl_logged_rows *k, const char *key, int64_t leaf);

/* Report each remembered record the log does not hold at its claimed
 * index with type leaf_type. what names the records in words ("SPC
 * record"), table their table. Returns 0, report's non-zero value or a
 * store error. */
int zl_logged_rows_check(zl_store *s, const struct zl_logged_rows *k,
                         uint8_t leaf_type, const char *what, const char *table,
                         zl_logged_report_fn report, void *ctx);

void zl_logged_rows_free(struct zl_logged_rows *k); /* empties it */

#endif
