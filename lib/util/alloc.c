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

void zl_alloc_install_json(void)
{
    json_set_alloc_funcs(zl_malloc, zl_free);
}
