/*
 * alloc.c - allocation wrapper with failure injection.
 *
 * The countdown is a plain global read without locks: failure injection is
 * a single-threaded testing aid, and in production the counter stays < 0
 * so the only cost is one well-predicted branch.
 *
 * The second half holds the jansson hooks a host may opt into
 * (zl_global_init): the library itself never changes jansson's
 * process-wide allocator.
 */
#include "util/alloc.h"

#include "zhiliang/error.h"

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

void zl_alloc_fail_after(long n)
{
    fail_countdown = n;
}

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

char *zl_strdup(const char *s)
{
    return zl_strndup(s, strlen(s));
}

void zl_free(void *p)
{
    free(p);
}

/* ---- jansson hooks (zl_global_init) ------------------------------------
 *
 * jansson's allocator is process-global, so the library only installs its
 * hooks when the host asks (zl_global_init); a library that swapped a
 * process-wide allocator behind its host's back would break any host that
 * set its own, or that links another jansson user. Rejected: chaining
 * silently on first parse (still a change of process state the host did
 * not ask for, and a host setting its own funcs later would then free our
 * arena nodes with its free).
 *
 * Outside a routed parse the hooks call the functions found at install
 * time; jansson's defaults (malloc, free) are reached through zl_malloc and
 * zl_free so that failure injection covers JSON allocations too. Inside
 * one, the per-parse arena is chosen per thread: the server parses
 * documents on several threads at once. */
static json_malloc_t prev_malloc;
static json_free_t prev_free;
static int hooks_installed;
static _Thread_local void *(*route_fn)(void *ctx, size_t n);
static _Thread_local void *route_ctx;

static void *json_malloc_routed(size_t n)
{
    if (route_fn)
        return route_fn(route_ctx, n);
    return prev_malloc ? prev_malloc(n) : zl_malloc(n);
}

static void json_free_routed(void *p)
{
    if (route_fn)
        return;
    if (prev_free)
        prev_free(p);
    else
        zl_free(p);
}

int zl_global_init(void)
{
    json_malloc_t m;
    json_free_t f;

    json_get_alloc_funcs(&m, &f);
    if (m == json_malloc_routed)
        return 0;
    prev_malloc = m == malloc ? NULL : m;
    prev_free = f == free ? NULL : f;
    json_set_alloc_funcs(json_malloc_routed, json_free_routed);
    hooks_installed = 1;
    return 0;
}

void zl_global_cleanup(void)
{
    json_malloc_t m;
    json_free_t f;

    if (!hooks_installed)
        return;
    json_get_alloc_funcs(&m, &f);
    if (m == json_malloc_routed)
        json_set_alloc_funcs(prev_malloc ? prev_malloc : malloc,
                             prev_free ? prev_free : free);
    prev_malloc = NULL;
    prev_free = NULL;
    hooks_installed = 0;
}

int zl_alloc_json_route(void *(*fn)(void *ctx, size_t n), void *ctx)
{
    json_malloc_t m;
    json_free_t f;

    if (fn) {
        /* the hooks may never have been installed, or the host may have
         * replaced them since: then jansson allocates as usual */
        json_get_alloc_funcs(&m, &f);
        if (m != json_malloc_routed || f != json_free_routed)
            return ZL_EUNSUPPORTED;
    }
    route_fn = fn;
    route_ctx = fn ? ctx : NULL;
    return 0;
}

int zl_grow(void **arr, size_t *cap, size_t need, size_t elem, size_t first,
            size_t *bytes)
{
    size_t nc;
    void *p;

    if (need <= *cap)
        return 0;
    nc = *cap ? *cap * 2 : first;
    while (nc < need)
        nc *= 2;
    p = zl_realloc(*arr, nc * elem);
    if (p == NULL)
        return ZL_ENOMEM;
    if (bytes)
        *bytes += (nc - *cap) * elem;
    *arr = p;
    *cap = nc;
    return 0;
}
