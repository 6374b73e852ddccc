/*
 * zhiliang/alloc.h - the library's allocator, and the one process-wide
 * setting a host may opt into.
 *
 * Memory. Whatever the library returns as "new" (a string, a stolen
 * buffer) is freed with zl_free, never with free(): the library may be
 * built with another allocator. zl_malloc and friends are exported so that
 * clients allocating memory the library will free (or that goes beside the
 * library's own in a struct) use the same heap, as sqlite3_malloc does.
 * They return NULL on failure, never abort; a request of 0 bytes returns a
 * unique pointer.
 *
 * Process-wide state. The library changes no process-wide state of its
 * host unless asked. jansson (the JSON parser underneath) has one
 * allocator per process (json_set_alloc_funcs); an EPCIS parse is about
 * 15% faster when its JSON tree comes from a per-thread arena freed in one
 * go instead of a malloc and a free per node, which needs hooks in that
 * allocator. zl_global_init installs them; without it every function works
 * the same, only parses are slower. See zl_global_init for the contract.
 */
#ifndef ZL_PUBLIC_ALLOC_H
#define ZL_PUBLIC_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *zl_malloc(size_t n);
void *zl_calloc(size_t count, size_t size);
void *zl_realloc(void *p, size_t n);
/* Copy len bytes of s and add a NUL: new memory, or NULL. */
char *zl_strndup(const char *s, size_t len);
char *zl_strdup(const char *s);
/* Free memory the library returned as "new" or zl_malloc gave. NULL-safe. */
void zl_free(void *p);

/* Opt in to the library's jansson allocation hooks (curl_global_init
 * style). Call once at program start, before any other thread exists and
 * before the program makes any JSON value of its own, and only if the
 * program does not need jansson's allocator for itself afterwards.
 *
 * What it does: json_set_alloc_funcs with functions that, inside a
 * library parse on the calling thread, allocate from that parse's arena
 * and, everywhere else, call the functions that were installed before
 * (jansson's malloc/free unless the host set its own), so the host's own
 * JSON values keep their allocator. Idempotent; returns 0.
 *
 * Without it the library never touches jansson's allocator. If the host
 * replaces the hooks later (json_set_alloc_funcs), the library notices at
 * the next parse and falls back to ordinary allocation. */
int zl_global_init(void);

/* Put back the jansson allocator found by zl_global_init. Call at the end,
 * when no thread uses the library or jansson any more. NULL-safe in spirit:
 * does nothing without a previous zl_global_init. */
void zl_global_cleanup(void);

#ifdef __cplusplus
}
#endif
#endif
