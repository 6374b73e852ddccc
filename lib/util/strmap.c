/*
 * strmap.c - string-keyed hash table in insertion order (see strmap.h).
 *
 * The index table holds entry numbers, not entries, so growing it moves
 * four bytes per slot and the entry array is only ever appended to (the
 * order iteration sees). FNV-1a is enough: keys are identifiers and hex
 * hashes chosen by the data, not by an adversary who gains from
 * collisions beyond a slower lookup; the load factor stays at or under
 * one half. Rejected: jansson objects, which this replaces (a JSON value
 * per entry, no counter, names limited to UTF-8, and the maps read like
 * documents rather than tables).
 */
#include "util/strmap.h"

#include "util/alloc.h"
#include "zhiliang/error.h"

#include <stdlib.h>
#include <string.h>

uint64_t zl_fnv1a64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t hash_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 32);
}

uint64_t zl_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)n << 56), w = 0;

    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = hash_mix(h, w);
    }
    if (n) {
        w = 0;
        memcpy(&w, s, n);
        h = hash_mix(h, w);
    }
    /* the tables mask the low bits: fold every bit into them */
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 32);
}

void zl_strmap_init(struct zl_strmap *m, size_t max)
{
    memset(m, 0, sizeof *m);
    m->max = max < UINT32_MAX - 1 ? max : UINT32_MAX - 1;
}

void zl_strmap_cleanup(struct zl_strmap *m, void (*free_val)(void *))
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        zl_free(m->e[i].key);
        if (free_val && m->e[i].val)
            free_val(m->e[i].val);
    }
    zl_free(m->e);
    zl_free(m->slot);
    memset(m, 0, sizeof *m);
}

/* The slot holding key (of hash kh), or the empty slot where it would
 * go. */
static size_t probe(const struct zl_strmap *m, const char *key, size_t len,
                    uint64_t kh)
{
    size_t mask = m->n_slots - 1, h = (size_t)kh & mask;

    while (m->slot[h]) {
        const struct zl_strmap_entry *e = &m->e[m->slot[h] - 1];

        if (e->h == kh && e->len == len && !memcmp(e->key, key, len))
            break;
        h = (h + 1) & mask;
    }
    return h;
}

struct zl_strmap_entry *zl_strmap_find(const struct zl_strmap *m,
                                       const char *key)
{
    size_t h, len;

    if (!m->n_slots || !key)
        return NULL;
    len = strlen(key);
    h = probe(m, key, len, zl_hash_bytes(key, len));
    return m->slot[h] ? &m->e[m->slot[h] - 1] : NULL;
}

void *zl_strmap_get(const struct zl_strmap *m, const char *key)
{
    struct zl_strmap_entry *e = zl_strmap_find(m, key);

    return e ? e->val : NULL;
}

static int grow_slots(struct zl_strmap *m)
{
    size_t ns = m->n_slots ? m->n_slots * 2 : 16;
    uint32_t *old = m->slot;
    size_t old_n = m->n_slots;

    m->slot = zl_calloc(ns, sizeof *m->slot);
    if (!m->slot) {
        m->slot = old;
        return ZL_ENOMEM;
    }
    m->n_slots = ns;
    for (size_t i = 0; i < old_n; i++)
        if (old[i]) {
            const struct zl_strmap_entry *e = &m->e[old[i] - 1];
            size_t h = (size_t)e->h & (ns - 1);

            while (m->slot[h]) /* the keys differ: the first free slot */
                h = (h + 1) & (ns - 1);
            m->slot[h] = old[i];
        }
    zl_free(old);
    return 0;
}

struct zl_strmap_entry *zl_strmap_put(struct zl_strmap *m, const char *key,
                                      int *added, int *rc)
{
    size_t len = strlen(key), h = 0;
    int grew = 0;
    uint64_t kh = zl_hash_bytes(key, len);
    struct zl_strmap_entry *e;

    *rc = 0;
    if (added)
        *added = 0;
    if (m->n_slots && m->slot[h = probe(m, key, len, kh)])
        return &m->e[m->slot[h] - 1];
    if (m->n >= m->max) {
        *rc = ZL_ELIMIT;
        return NULL;
    }
    if ((m->n + 1) * 2 > m->n_slots) {
        if ((*rc = grow_slots(m)) != 0)
            return NULL;
        grew = 1;
    }
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 8;
        struct zl_strmap_entry *p = zl_realloc(m->e, nc * sizeof *p);

        if (!p) {
            *rc = ZL_ENOMEM;
            return NULL;
        }
        m->e = p;
        m->cap = nc;
    }
    e = &m->e[m->n];
    if (!(e->key = zl_strndup(key, len))) {
        *rc = ZL_ENOMEM;
        return NULL;
    }
    e->len = len;
    e->val = NULL;
    e->n = 0;
    e->h = kh;
    if (grew) /* else h is still the free slot probe found */
        h = probe(m, key, len, kh);
    m->n++;
    m->slot[h] = (uint32_t)m->n;
    if (added)
        *added = 1;
    return e;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **zl_strmap_sorted_keys(const struct zl_strmap *m, int *rc)
{
    const char **k = zl_calloc(m->n ? m->n : 1, sizeof *k);

    *rc = 0;
    if (!k) {
        *rc = ZL_ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < m->n; i++)
        k[i] = m->e[i].key;
    qsort(k, m->n, sizeof *k, cmp_str);
    return k;
}
