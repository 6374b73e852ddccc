/*
 * alloc.c - allocation wrapper with failure injection.
 *
 * The countdown is a plain global read without locks: failure injection is
 * a single-threaded testing aid, and in production the counter stays < 0
 * so the only cost is one well-predicted branch.
 */
#include "util/alloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;

static int should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

void zl_alloc_fail_after(long n) { fail_countdown = n; }

void *zl_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *zl_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *zl_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *zl_strndup(const char *s, size_t len)
{
    char *d = zl_malloc(len + 1);

    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *zl_strdup(const char *s) { return zl_strndup(s, strlen(s)); }

void zl_free(void *p) { free(p); }

/* jansson's allocator is process-global, so a per-parse arena is chosen
 * per thread: the server parses documents on several threads at once. */
static _Thread_local void *(*route_fn)(void *ctx, size_t n);
static _Thread_local void *route_ctx;

static void *json_malloc_routed(size_t n)
{
    return route_fn ? route_fn(route_ctx, n) : zl_malloc(n);
}

static void json_free_routed(void *p)
{
    if (!route_fn)
        zl_free(p);
}

void zl_alloc_json_route(void *(*fn)(void *ctx, size_t n), void *ctx)
{
    route_fn = fn;
    route_ctx = ctx;
}

void zl_alloc_install_json(void)
{
    json_set_alloc_funcs(json_malloc_routed, json_free_routed);
}
