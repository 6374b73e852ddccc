/*
 * logged_rows.c - stored records against their log leaves (see
 * logged_rows.h).
 */
#include "audit/logged_rows.h"

#include "util/alloc.h"
#include "zhiliang/error.h"
#include "zhiliang/log.h"

#include <stdio.h>
#include <string.h>

int zl_logged_rows_add(struct zl_logged_rows *k, const char *key, int64_t leaf)
{
    int rc;

    if ((rc = zl_grow((void **)&k->keys, &k->cap, k->n + 1, sizeof *k->keys, 64,
                      NULL)) ||
        (rc = zl_grow((void **)&k->leaf, &k->cap_l, k->n + 1, sizeof *k->leaf,
                      64, NULL)))
        return rc;
    if (!(k->keys[k->n] = zl_strdup(key)))
        return ZL_ENOMEM;
    k->leaf[k->n++] = leaf;
    return 0;
}

int zl_logged_rows_check(zl_store *s, const struct zl_logged_rows *k,
                         uint8_t leaf_type, const char *what, const char *table,
                         zl_logged_report_fn report, void *ctx)
{
    int rc = 0;

    for (size_t i = 0; i < k->n && !rc; i++) {
        uint64_t idx = 0;
        uint8_t type = 0;
        char detail[200];

        rc = zl_log_find(s, k->keys[i], &idx, &type, NULL);
        if (rc == ZL_ENOTFOUND) {
            snprintf(detail, sizeof detail,
                     "%s stored without a log leaf (inserted behind the "
                     "log's back)",
                     what);
            rc = report(ctx, "record-unlogged", 0, k->keys[i], detail);
        } else if (!rc && (idx != (uint64_t)k->leaf[i] || type != leaf_type)) {
            snprintf(detail, sizeof detail,
                     "%s.leaf says %lld, the log has the record at %llu", table,
                     (long long)k->leaf[i], (unsigned long long)idx);
            rc = report(ctx, "record-altered", idx, k->keys[i], detail);
        }
    }
    return rc;
}

void zl_logged_rows_free(struct zl_logged_rows *k)
{
    for (size_t i = 0; i < k->n; i++)
        zl_free(k->keys[i]);
    zl_free(k->keys);
    zl_free(k->leaf);
    memset(k, 0, sizeof *k);
}
