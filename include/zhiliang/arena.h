/*
 * zhiliang/arena.h - a bump arena with a hard cap: many small pieces
 * (a request's decoded strings, a graph's interned identifiers) freed in
 * one go.
 *
 * Pieces come from chunks of at least `chunk` bytes (8 KiB unless
 * zl_arena_init_chunk says otherwise); a piece larger than that gets a
 * chunk of its own. Nothing is freed before zl_arena_free. `total` counts
 * the bytes handed out (alignment padding included); an allocation that
 * would take it past `max` fails, so a hostile input can cost at most
 * `max` bytes of pieces. `held` counts what the chunks take from the heap
 * (headers included), for memory reports.
 *
 * Threads: an arena is used by one thread at a time.
 */
#ifndef ZL_PUBLIC_ARENA_H
#define ZL_PUBLIC_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zl_arena_chunk;
struct zl_arena {
    struct zl_arena_chunk *head;
    size_t total, max; /* bytes handed out, and the cap */
    size_t chunk;      /* smallest chunk allocated */
    size_t held;       /* heap taken by the chunks */
};

/* Start empty (allocates nothing) with the cap max and 8 KiB chunks. */
void zl_arena_init(struct zl_arena *a, size_t max);
/* The same with chunks of at least chunk bytes (0: 8 KiB). */
void zl_arena_init_chunk(struct zl_arena *a, size_t max, size_t chunk);
/* Free every piece at once; the arena is then empty and reusable under
 * the same cap. NULL-safe. */
void zl_arena_free(struct zl_arena *a);

/* n bytes, 16-byte aligned; NULL when out of memory or past the cap. */
void *zl_arena_alloc(struct zl_arena *a, size_t n);
/* A NUL-terminated copy of s[0..n) (16-byte aligned), or NULL. */
char *zl_arena_strndup(struct zl_arena *a, const char *s, size_t n);
/* The same packed: no alignment, so many short strings take no padding
 * (for tables of identifiers), or NULL. */
char *zl_arena_strndup_packed(struct zl_arena *a, const char *s, size_t n);
/* A formatted string in the arena, or NULL. */
char *zl_arena_printf(struct zl_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
