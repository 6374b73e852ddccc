/*
 * store_fixture.h - a fresh temporary store for each cmocka test:
 * `setup` creates and opens it (struct fixture in *state), `teardown`
 * closes it and removes the file with its WAL and shared-memory files.
 * Include after <cmocka.h>; each test file names its own store via
 * FIXTURE_NAME before including (default "test"), and may set the log
 * origin with FIXTURE_ORIGIN (default "test.local/log").
 */
#ifndef ZL_TEST_STORE_FIXTURE_H
#define ZL_TEST_STORE_FIXTURE_H

#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "test"
#endif
#ifndef FIXTURE_ORIGIN
#define FIXTURE_ORIGIN "test.local/log"
#endif

struct fixture {
    char path[256];
    zl_store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct zl_error err = {0};

    assert_non_null(f);
    snprintf(f->path, sizeof f->path, "/tmp/zl-%s-%d.db", FIXTURE_NAME,
             (int)getpid());
    unlink(f->path);
    assert_int_equal(zl_init(f->path, FIXTURE_ORIGIN, &err), 0);
    assert_int_equal(zl_open(f->path, &f->s, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[300];

    zl_close(f->s);
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

#endif
