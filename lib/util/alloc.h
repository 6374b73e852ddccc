/*
 * alloc.h - the one allocation wrapper (declared in zhiliang/alloc.h, which
 * exports it) and what only the library and its white-box tests use.
 *
 * Every allocation in libzhiliang goes through zl_malloc/zl_calloc/
 * zl_realloc/zl_strndup so tests can make the N-th allocation fail
 * (zl_alloc_fail_after) and check that every error path cleans up.
 */
#ifndef ZL_ALLOC_H
#define ZL_ALLOC_H

#include "zhiliang/alloc.h"

#include <stddef.h>

/* Grow the array *arr of elements of size elem to hold need of them,
 * doubling from first; adds the growth to *bytes unless bytes is NULL.
 * 0 or ZL_ENOMEM (*arr and *cap unchanged). */
int zl_grow(void **arr, size_t *cap, size_t need, size_t elem, size_t first,
            size_t *bytes);

/* Testing: make allocation number n (counting from the next one, 0-based)
 * and every later one fail. n < 0 turns failure injection off. */
void zl_alloc_fail_after(long n);

/* Until called again with fn = NULL, jansson allocations made by the
 * calling thread come from fn(ctx, n) (a bump arena) and jansson frees on
 * this thread do nothing; other threads are unaffected. Only possible when
 * the host installed the hooks (zl_global_init) and they are still in
 * place: returns 0 when routing is on, ZL_EUNSUPPORTED when it is not
 * (then jansson allocates and frees as usual and the caller must free its
 * JSON values itself). While routing is on, the caller must not let any
 * jansson value or string allocated meanwhile outlive the arena, nor free
 * on this thread a jansson value allocated before. fn = NULL always
 * returns 0. */
int zl_alloc_json_route(void *(*fn)(void *ctx, size_t n), void *ctx);

#endif
