/*
 * ep_arena.c - the bump arena of the EPCIS module, and the per-thread
 * arena jansson allocates a parse's JSON tree from.
 *
 * What: 8-byte aligned pieces of 16 KiB+ chunks (each new chunk twice
 * the last while that is under 16 MiB); every string of a parsed
 * document lives in one arena, freed at once by zl_epcis_doc_free().
 * ep_arena_keep() keeps one chunk as large as a whole parse needed, so
 * that the next parse of the same size allocates nothing.
 *
 * Why here and not lib/util: the arena's contract (reset keeps the newest
 * chunk, keep() sizes one chunk to the high-water mark, no per-piece
 * free) is tuned to the parser's pattern and measured with it; moving it
 * to lib/util as "the one capped arena" is the util consolidation's call
 * (issue 8), and its callers only see ep_arena_* here.
 *
 * Rejected: malloc per string (a document holds tens of thousands of
 * strings, each would need its own free and its own error path), and a
 * fixed-size pool (event sizes vary by orders of magnitude). Not capped
 * itself: what goes in is bounded by the capture limits (max_bytes,
 * max_events) and EP_PREHASH_MAX.
 */
#include "epcis/epcis_int.h"

#include "util/alloc.h"

#include <pthread.h>
#include <string.h>
struct ep_chunk {
    struct ep_chunk *next;
    size_t used, cap;
    _Alignas(8) char data[];
};

#define EP_CHUNK_MIN ((size_t)16384)

void ep_arena_init(struct ep_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void ep_arena_reset(struct ep_arena *a)
{
    struct ep_chunk *c = a->head, *next;
    if (!c)
        return;
    next = c->next;
    while (next) {
        struct ep_chunk *n2 = next->next;
        zl_free(next);
        next = n2;
    }
    c->next = NULL;
    c->used = 0;
    a->total = c->cap;
}

void ep_arena_keep(struct ep_arena *a, size_t max)
{
    size_t want = a->total;
    struct ep_chunk *c;

    if (a->head && !a->head->next && a->head->cap >= want) {
        a->head->used = 0;
        return;
    }
    ep_arena_cleanup(a);
    if (want == 0 || want > max)
        return;
    c = zl_malloc(sizeof *c + want);
    if (!c)
        return;
    c->cap = want;
    c->used = 0;
    c->next = NULL;
    a->head = c;
    a->total = want;
}

void ep_arena_adopt(struct ep_arena *dst, struct ep_arena *src)
{
    struct ep_chunk *tail = src->head;
    if (!tail)
        return;
    while (tail->next)
        tail = tail->next;
    /* behind dst's current chunk, which stays the one ep_alloc fills */
    if (dst->head) {
        tail->next = dst->head->next;
        dst->head->next = src->head;
    } else {
        dst->head = src->head;
    }
    dst->total += src->total;
    src->head = NULL;
    src->total = 0;
}

void ep_arena_cleanup(struct ep_arena *a)
{
    struct ep_chunk *c = a->head;
    while (c) {
        struct ep_chunk *n = c->next;
        zl_free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *ep_alloc(struct ep_arena *a, size_t n)
{
    struct ep_chunk *c = a->head;
    n = (n + 7) & ~(size_t)7;
    if (n == 0)
        n = 8;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > EP_CHUNK_MIN ? n : EP_CHUNK_MIN;
        if (c && c->cap * 2 > cap && c->cap < ((size_t)1 << 24))
            cap = c->cap * 2 > n ? c->cap * 2 : n;
        c = zl_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += cap;
    }
    c->used += n;
    return c->data + c->used - n;
}

char *ep_strndup(struct ep_arena *a, const char *s, size_t n)
{
    char *r = ep_alloc(a, n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

/* ---- the JSON tree's arena ---- */
void ep_jfree(void *p)
{
    json_malloc_t m;
    json_free_t f;

    json_get_alloc_funcs(&m, &f);
    f(p);
}

void *ep_jarena_alloc(void *ctx, size_t n)
{
    return ep_alloc(ctx, n);
}

/* Each thread keeps its JSON arena's memory between parses (at most
 * EP_JARENA_KEEP bytes, freed when the thread exits): fresh multi-megabyte
 * chunks come from mmap, and their page faults cost as much as the
 * per-node mallocs the arena saves. */
static pthread_key_t jarena_key;
static pthread_once_t jarena_once = PTHREAD_ONCE_INIT;
static int jarena_key_ok;

static void jarena_destroy(void *p)
{
    ep_arena_cleanup(p);
    zl_free(p);
}

static void jarena_key_init(void)
{
    jarena_key_ok = pthread_key_create(&jarena_key, jarena_destroy) == 0;
}

struct ep_arena *ep_jarena_get(void)
{
    struct ep_arena *a;

    pthread_once(&jarena_once, jarena_key_init);
    if (!jarena_key_ok)
        return NULL;
    a = pthread_getspecific(jarena_key);
    if (a)
        return a;
    a = zl_malloc(sizeof *a);
    if (!a)
        return NULL;
    ep_arena_init(a);
    if (pthread_setspecific(jarena_key, a) != 0) {
        zl_free(a);
        return NULL;
    }
    return a;
}
