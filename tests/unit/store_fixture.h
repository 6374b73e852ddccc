/*
 * store_fixture.h - a fresh temporary store for each cmocka test:
 * `setup` creates and opens it (struct fixture in *state), `teardown`
 * closes and removes it. Include after <cmocka.h>; each test file names
 * its own store via FIXTURE_NAME before including (default "test"), and
 * may set the log origin with FIXTURE_ORIGIN (default "test.local/log").
 *
 * The backend comes from the environment, so one suite runs against every
 * backend: $ZL_TEST_STORE_URI is a store URI template whose one "%s" is
 * replaced by a name unique to the test process (tests/meson.build sets
 * it per test setup; unset means SQLite files in $TMPDIR or /tmp).
 * fixture_uri() gives tests that need more stores more such URIs.
 */
#ifndef ZL_TEST_STORE_FIXTURE_H
#define ZL_TEST_STORE_FIXTURE_H

#include "store/store.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "test"
#endif
#ifndef FIXTURE_ORIGIN
#define FIXTURE_ORIGIN "test.local/log"
#endif

struct fixture {
    char uri[512];
    /* The store's file when the backend keeps one (SQLite), else "": for
     * the few tests that look at the bytes on disk. */
    char path[256];
    zl_store *s;
};

/* A store URI for name (made unique per process) from the template. */
static inline void fixture_uri(char *out, size_t cap, const char *name)
{
    const char *tpl = getenv("ZL_TEST_STORE_URI");
    char dflt[400], unique[128];
    const char *mark;
    int n;

    if (!tpl || !*tpl) {
        const char *tmp = getenv("TMPDIR");

        snprintf(dflt, sizeof dflt, "sqlite:%s/zl-%%s.db",
                 tmp && *tmp ? tmp : "/tmp");
        tpl = dflt;
    }
    mark = strstr(tpl, "%s");
    if (!mark)
        fail_msg("ZL_TEST_STORE_URI needs one %%s: %s", tpl);
    snprintf(unique, sizeof unique, "%s-%d", name, (int)getpid());
    n = snprintf(out, cap, "%.*s%s%s", (int)(mark - tpl), tpl, unique,
                 mark + 2);
    if (n < 0 || (size_t)n >= cap)
        fail_msg("store URI too long: %s", tpl);
}

/* The file behind an SQLite URI (sqlite:PATH or a plain path), else "". */
static inline void fixture_file(const char *uri, char *out, size_t cap)
{
    const char *p = !strncmp(uri, "sqlite:", 7) ? uri + 7
                    : strstr(uri, "://")        ? ""
                                                : uri;
    size_t n = strlen(p);

    if (n >= cap)
        fail_msg("store path too long: %s", p);
    memcpy(out, p, n + 1);
}

static inline int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct zl_error err = {0};

    assert_non_null(f);
    fixture_uri(f->uri, sizeof f->uri, FIXTURE_NAME);
    fixture_file(f->uri, f->path, sizeof f->path);
    zl_store_remove(f->uri);
    assert_int_equal(zl_init(f->uri, FIXTURE_ORIGIN, &err), 0);
    assert_int_equal(zl_open(f->uri, &f->s, &err), 0);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fixture *f = *state;

    zl_close(f->s);
    zl_store_remove(f->uri);
    free(f);
    return 0;
}

#endif
