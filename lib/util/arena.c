/*
 * arena.c - the one capped bump arena (see zhiliang/arena.h).
 *
 * Chunks are a singly linked list, newest first; a piece is cut from the
 * newest chunk or a new chunk is started (the rest of the old one is
 * left: pieces are small next to a chunk, so little is lost, and no free
 * list is needed). Aligned pieces round their size up to 16 bytes, packed
 * strings take exactly n + 1; both count in `total` against the cap.
 * Rejected: one arena per module (the server's request arena, the trace
 * graph's string chunks and the EPCIS parser's were three copies of this
 * loop with three cap and accounting rules).
 */
#include "zhiliang/arena.h"

#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_CHUNK 8192

struct zl_arena_chunk {
    struct zl_arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void zl_arena_init_chunk(struct zl_arena *a, size_t max, size_t chunk)
{
    a->head = NULL;
    a->total = 0;
    a->max = max;
    a->chunk = chunk ? chunk : DEFAULT_CHUNK;
    a->held = 0;
}

void zl_arena_init(struct zl_arena *a, size_t max)
{
    zl_arena_init_chunk(a, max, 0);
}

void zl_arena_free(struct zl_arena *a)
{
    struct zl_arena_chunk *c, *n;

    if (!a)
        return;
    for (c = a->head; c; c = n) {
        n = c->next;
        zl_free(c);
    }
    a->head = NULL;
    a->total = 0;
    a->held = 0;
}

/* need bytes from the newest chunk at an offset rounded up to align (a
 * power of two); a new chunk when they do not fit. */
static void *take(struct zl_arena *a, size_t need, size_t align)
{
    struct zl_arena_chunk *c = a->head;
    size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0, cap;

    if (a->total + need < a->total || a->total + need > a->max)
        return NULL;
    if (!c || at > c->cap || c->cap - at < need) {
        cap = need > a->chunk ? need : a->chunk;
        if (cap > (size_t)-1 - sizeof *c)
            return NULL;
        c = zl_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
        a->held += sizeof *c + cap;
        at = 0;
    }
    c->used = at + need;
    a->total += need;
    return c->data + at;
}

void *zl_arena_alloc(struct zl_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;

    if (need < n)
        return NULL;
    return take(a, need, 16);
}

char *zl_arena_strndup(struct zl_arena *a, const char *s, size_t n)
{
    char *d = n < (size_t)-1 ? zl_arena_alloc(a, n + 1) : NULL;

    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *zl_arena_strndup_packed(struct zl_arena *a, const char *s, size_t n)
{
    char *d = n < (size_t)-1 ? take(a, n + 1, 1) : NULL;

    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *zl_arena_printf(struct zl_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *d;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(d = zl_arena_alloc(a, (size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}
