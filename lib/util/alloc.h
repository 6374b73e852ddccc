/*
 * alloc.h - the one allocation wrapper.
 *
 * Every allocation in libzhiliang goes through zl_malloc/zl_calloc/
 * zl_realloc/zl_strndup so tests can make the N-th allocation fail
 * (zl_alloc_fail_after) and check that every error path cleans up.
 * jansson is pointed at the same wrappers by zl_alloc_install_json().
 */
#ifndef ZL_ALLOC_H
#define ZL_ALLOC_H

#include <stddef.h>

void *zl_malloc(size_t n);
void *zl_calloc(size_t count, size_t size);
void *zl_realloc(void *p, size_t n);
/* Copy len bytes of s and add a NUL. Returns new memory or NULL. */
char *zl_strndup(const char *s, size_t len);
char *zl_strdup(const char *s);
void zl_free(void *p);

/* Testing: make allocation number n (counting from the next one, 0-based)
 * and every later one fail. n < 0 turns failure injection off. */
void zl_alloc_fail_after(long n);

/* Route jansson's allocations through the wrappers (idempotent). */
void zl_alloc_install_json(void);

/* Until called again with fn = NULL, jansson allocations made by the
 * calling thread come from fn(ctx, n) (a bump arena) and jansson frees on
 * this thread do nothing; other threads are unaffected. The caller must
 * not let any jansson value or string allocated meanwhile outlive the
 * arena, nor free on this thread a jansson value allocated before. Needs
 * zl_alloc_install_json() (which installs the routing functions). */
void zl_alloc_json_route(void *(*fn)(void *ctx, size_t n), void *ctx);

#endif
