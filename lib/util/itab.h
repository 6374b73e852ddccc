/*
 * itab.h - the open-addressing index of the in-memory graphs: a hash
 * table whose slots hold an index into the caller's own array (+ 1, so
 * 0 is empty), the keys staying in the caller's records. A slot is 4
 * bytes, which is what lets the trace index hold millions of identifiers
 * and events (strmap, the string-keyed table, costs a key copy and a
 * 32-byte entry more per key).
 *
 * Power-of-two size, at most half full, linear probing. Growth is here
 * (zl_itab_reserve re-places every index, hashing it through the
 * caller's callback); lookups are the caller's loop over zl_itab_start /
 * zl_itab_step, since only the caller knows how to compare its keys:
 *
 *     for (i = zl_itab_start(t, h); t->slot[i]; i = zl_itab_step(t, i))
 *         if (key_of(t->slot[i] - 1) == key)
 *             return t->slot[i] - 1;
 *
 * Used by lib/trace (graph.c: identifiers and events; trace.c: nodes and
 * events of one trace) and lib/recall (scope.c: an event's line for a
 * node).
 */
#ifndef ZL_ITAB_H
#define ZL_ITAB_H

#include <stddef.h>
#include <stdint.h>

struct zl_itab {
    int32_t *slot; /* index + 1, 0 = empty; NULL until the first reserve */
    size_t cap;    /* number of slots: 0 or a power of two */
};

/* The hash of the entry at index idx of the caller's array. */
typedef uint64_t (*zl_itab_hash_fn)(const void *ctx, int32_t idx);

/* Make room for one entry more than count: when (count + 1) * 2 > cap,
 * the table doubles (to first slots, a power of two, when empty) and
 * every index in it is placed again by hash_of(ctx, index). 0 or
 * ZL_ENOMEM (the table unchanged). When bytes is not NULL it grows by
 * the slots added. */
int zl_itab_reserve(struct zl_itab *t, size_t count, size_t first,
                    zl_itab_hash_fn hash_of, const void *ctx, size_t *bytes);

/* Place index idx, of hash h (room reserved, idx not in the table). */
void zl_itab_put(struct zl_itab *t, uint64_t h, int32_t idx);

/* Free the slots; the table is then empty. NULL-safe. */
void zl_itab_free(struct zl_itab *t);

/* Where the probe for hash h starts, and the slot after slot i. Only for
 * a table with cap > 0. */
static inline size_t zl_itab_start(const struct zl_itab *t, uint64_t h)
{
    return (size_t)h & (t->cap - 1);
}
static inline size_t zl_itab_step(const struct zl_itab *t, size_t i)
{
    return (i + 1) & (t->cap - 1);
}

#endif
