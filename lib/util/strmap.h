/*
 * strmap.h - a string-keyed hash table that keeps insertion order.
 *
 * For the maps a module builds while it works (identifier -> resolved
 * party, "event|id" -> quantity, GTIN -> product): keys are copied in,
 * values are the caller's pointers, and entries stay in the order they
 * were added so iteration is deterministic. Open addressing over an
 * index table (half full at most); the entries themselves live in one
 * array, so iterating is a loop over zl_strmap_at(m, 0 .. n-1). Capped
 * like every growable buffer here: past `max` entries a put fails with
 * ZL_ELIMIT.
 */
#ifndef ZL_STRMAP_H
#define ZL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct zl_strmap_entry {
    char *key;   /* owned by the map, NUL-terminated */
    size_t len;  /* strlen(key) */
    void *val;   /* the caller's; NULL when just added */
    long long n; /* a counter for the caller (0 when just added) */
    uint64_t h;  /* zl_hash_bytes(key, len): kept for growth */
};

struct zl_strmap {
    struct zl_strmap_entry *e; /* entries, in insertion order */
    size_t n, cap;
    uint32_t *slot; /* entry index + 1, 0 = empty */
    size_t n_slots; /* power of two */
    size_t max;
};

/* 64-bit FNV-1a of p[0..n): the byte-string hash the store keeps (the
 * log's key_hash column, the trace index's trace_keys.h), so it must
 * never change; zl_hash_bytes is the faster one for tables in memory.
 * Not for untrusted keys where flooding matters: every table using it
 * is capped. */
uint64_t zl_fnv1a64(const void *p, size_t n);

/* A hash of p[0..n) for tables in memory only (this map, the trace
 * graph's strings): eight bytes a step, ~5x faster than zl_fnv1a64 on a
 * 60-byte identifier. Never stored: it may change between builds. Not
 * for untrusted keys where flooding matters (the tables are capped). */
uint64_t zl_hash_bytes(const void *p, size_t n);

/* Start empty (allocates nothing) holding at most max entries. */
void zl_strmap_init(struct zl_strmap *m, size_t max);
/* Free the keys and tables, and each value with free_val when it is not
 * NULL. NULL-safe; the map may be reused after zl_strmap_init. */
void zl_strmap_cleanup(struct zl_strmap *m, void (*free_val)(void *));

/* The entry for key, or NULL. Borrowed until the next put. */
struct zl_strmap_entry *zl_strmap_find(const struct zl_strmap *m,
                                       const char *key);
/* The value for key, or NULL (absent, or a NULL value). */
void *zl_strmap_get(const struct zl_strmap *m, const char *key);
/* The entry for key, added (val NULL, n 0) when absent; *added (may be
 * NULL) says which. Returns NULL on failure with *rc = ZL_ENOMEM or
 * ZL_ELIMIT. Borrowed until the next put. */
struct zl_strmap_entry *zl_strmap_put(struct zl_strmap *m, const char *key,
                                      int *added, int *rc);

/* Number of entries, and entry i (0 <= i < count) in insertion order. */
static inline size_t zl_strmap_count(const struct zl_strmap *m)
{
    return m->n;
}
static inline struct zl_strmap_entry *zl_strmap_at(const struct zl_strmap *m,
                                                   size_t i)
{
    return &m->e[i];
}

/* The keys in byte order (strcmp), as a new array of borrowed pointers
 * (zl_free the array; the strings live as long as the map). NULL with
 * *rc = ZL_ENOMEM on failure; an empty map gives a non-NULL array. */
const char **zl_strmap_sorted_keys(const struct zl_strmap *m, int *rc);

#endif
