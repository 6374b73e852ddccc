/*
 * itab.c - growth and insertion for the index tables (see itab.h).
 *
 * Growth walks the old slots and places each index again in a table of
 * twice the size; the caller's hash callback is called only here, so the
 * lookup loops stay inline in the callers. Rejected: one generic table
 * with a compare callback on every probe (an indirect call per probe on
 * the trace hot path) and four hand-written copies of this loop (what
 * lib/trace had).
 */
#include "util/itab.h"

#include "util/alloc.h"
#include "zhiliang/error.h"

#include <string.h>

int zl_itab_reserve(struct zl_itab *t, size_t count, size_t first,
                    zl_itab_hash_fn hash_of, const void *ctx, size_t *bytes)
{
    size_t cap, i, h;
    int32_t *m;

    if ((count + 1) * 2 <= t->cap)
        return 0;
    cap = t->cap ? t->cap * 2 : first;
    if (cap > (size_t)-1 / sizeof(*m))
        return ZL_ENOMEM;
    m = zl_calloc(cap, sizeof(*m));
    if (m == NULL)
        return ZL_ENOMEM;
    for (i = 0; i < t->cap; i++) {
        if (!t->slot[i])
            continue;
        h = (size_t)hash_of(ctx, t->slot[i] - 1) & (cap - 1);
        while (m[h])
            h = (h + 1) & (cap - 1);
        m[h] = t->slot[i];
    }
    if (bytes)
        *bytes += (cap - t->cap) * sizeof(*m);
    zl_free(t->slot);
    t->slot = m;
    t->cap = cap;
    return 0;
}

void zl_itab_put(struct zl_itab *t, uint64_t h, int32_t idx)
{
    size_t i = zl_itab_start(t, h);

    while (t->slot[i])
        i = zl_itab_step(t, i);
    t->slot[i] = idx + 1;
}

void zl_itab_free(struct zl_itab *t)
{
    if (t == NULL)
        return;
    zl_free(t->slot);
    t->slot = NULL;
    t->cap = 0;
}
