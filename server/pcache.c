/*
 * pcache.c - the rendered public page cache and the store's data
 * generation.
 *
 * A shopper's QR scan opens the product page, which costs a backward trace
 * plus master data lookups; the same page is asked again and again while
 * the data does not change. Pages are cached whole (the HTML body) under
 * the raw request URI (path and query: the page is a function of the URI
 * and the stored data only), tagged with the data generation they were
 * rendered at, in an LRU bounded in bytes and shared by all workers
 * behind one mutex (a hit holds it for a hash lookup and a copy).
 *
 * The data generation is a server-wide counter bumped whenever stored data
 * may have changed: (1) a worker sees its handle's change token move
 * (zl_store_change_token: any commit, by another connection such as the
 * CLI's `zhiliang recall open`, `party import`, a capture by another
 * worker..., or its own), checked at every lookup; (2) a request other
 * than GET/HEAD finishes (at once, before any lookup). A page tagged
 * with an older generation is a miss. A page is only ever tagged with a
 * generation read before its data was read, so it is never newer-tagged
 * than its content.
 *
 * Rejected: a time-to-live (a recall banner must show at once); keying on
 * the Merkle log size (misses master data edits, which append no leaf).
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/store.h"

#include <stdatomic.h>
#include <string.h>

#define PC_BUCKETS   4096u
#define PC_MAX_ENTRY ((size_t)1 << 20)

struct pc_entry {
    struct pc_entry *hnext;       /* hash chain */
    struct pc_entry *prev, *next; /* LRU list, head = most recent */
    uint64_t gen;
    uint32_t hash;
    size_t key_len, len;
    char *key, *body;
};

struct zl_pcache {
    pthread_mutex_t lock;
    struct pc_entry *buckets[PC_BUCKETS];
    struct pc_entry *head, *tail;
    size_t bytes, cap;
    uint64_t hits, misses;
};

static atomic_uint_fast64_t g_gen = 1;
static _Thread_local uint64_t tl_dv;
static _Thread_local int tl_dv_ok;

uint64_t zl_data_gen(struct zl_req *r)
{
    zl_store *s = zl_srv_store_nosnap(r);
    uint64_t dv;

    if (!s || zl_store_change_token(s, &dv)) {
        /* Cannot tell: never match a cached page. */
        return atomic_fetch_add(&g_gen, 1) + 1;
    }
    if (!tl_dv_ok || dv != tl_dv) {
        tl_dv = dv;
        tl_dv_ok = 1;
        atomic_fetch_add(&g_gen, 1);
    }
    return atomic_load(&g_gen);
}

void zl_data_changed(void)
{
    atomic_fetch_add(&g_gen, 1);
}

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

struct zl_pcache *zl_pcache_new(size_t cap)
{
    struct zl_pcache *c = zl_calloc(1, sizeof *c);

    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->cap = cap;
    return c;
}

static void unlink_lru(struct zl_pcache *c, struct pc_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(struct zl_pcache *c, struct pc_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static size_t entry_bytes(const struct pc_entry *e)
{
    return sizeof *e + e->key_len + e->len + 2;
}

static void drop(struct zl_pcache *c, struct pc_entry *e)
{
    struct pc_entry **pp = &c->buckets[e->hash % PC_BUCKETS];

    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    unlink_lru(c, e);
    c->bytes -= entry_bytes(e);
    zl_free(e->key);
    zl_free(e->body);
    zl_free(e);
}

static struct pc_entry *find(struct zl_pcache *c, const char *key, size_t n,
                             uint32_t h)
{
    struct pc_entry *e;

    for (e = c->buckets[h % PC_BUCKETS]; e; e = e->hnext)
        if (e->hash == h && e->key_len == n && !memcmp(e->key, key, n))
            return e;
    return NULL;
}

void zl_pcache_free(struct zl_pcache *c)
{
    if (!c)
        return;
    while (c->head)
        drop(c, c->head);
    pthread_mutex_destroy(&c->lock);
    zl_free(c);
}

char *zl_pcache_get(struct zl_pcache *c, const char *key, uint64_t gen,
                    size_t *len)
{
    size_t n = strlen(key);
    uint32_t h = fnv(key, n);
    struct pc_entry *e;
    char *out = NULL;

    if (!c)
        return NULL;
    pthread_mutex_lock(&c->lock);
    e = find(c, key, n, h);
    if (e && e->gen != gen) {
        drop(c, e); /* stale: rendered from older data */
        e = NULL;
    }
    if (e && (out = zl_malloc(e->len + 1))) {
        memcpy(out, e->body, e->len + 1);
        *len = e->len;
        unlink_lru(c, e);
        push_front(c, e);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return out;
}

void zl_pcache_put(struct zl_pcache *c, const char *key, uint64_t gen,
                   const char *body, size_t len)
{
    size_t n = strlen(key);
    uint32_t h = fnv(key, n);
    struct pc_entry *e, *old;

    if (!c || len > PC_MAX_ENTRY || len + n > c->cap / 4)
        return;
    e = zl_calloc(1, sizeof *e);
    if (!e)
        return;
    e->key = zl_malloc(n + 1);
    e->body = zl_malloc(len + 1);
    if (!e->key || !e->body) {
        zl_free(e->key);
        zl_free(e->body);
        zl_free(e);
        return;
    }
    memcpy(e->key, key, n + 1);
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->key_len = n;
    e->len = len;
    e->hash = h;
    e->gen = gen;
    pthread_mutex_lock(&c->lock);
    if ((old = find(c, key, n, h)))
        drop(c, old);
    while (c->tail && c->bytes + entry_bytes(e) > c->cap)
        drop(c, c->tail);
    e->hnext = c->buckets[h % PC_BUCKETS];
    c->buckets[h % PC_BUCKETS] = e;
    push_front(c, e);
    c->bytes += entry_bytes(e);
    pthread_mutex_unlock(&c->lock);
}
