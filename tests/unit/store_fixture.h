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
 *
 * Tests that edit a store behind the library's back (verify must catch
 * it) do so with fixture_sql_changes() on the store's own connection, in
 * SQL valid on both backends; the few dialect differences (blob literals,
 * blob <-> text) go through fixture_blob() and fixture_is_pg().
 */
#ifndef ZL_TEST_STORE_FIXTURE_H
#define ZL_TEST_STORE_FIXTURE_H

#include "store/pg_int.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "zhiliang/zhiliang.h"

#include <libpq-fe.h>
#include <sqlite3.h>

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

/* Whether uri names a PostgreSQL store. */
static inline int fixture_is_pg(const char *uri)
{
    return !strncmp(uri, "postgres://", 11) ||
           !strncmp(uri, "postgresql://", 13);
}

/* 32 zero bytes, for fixture_blob(). */
#define FIXTURE_ZEROS32                                                        \
    "0000000000000000000000000000000000000000000000000000000000000000"

/* The SQL literal of the blob whose hex digits are hex, on uri's backend
 * (x'..' on SQLite, '\x..'::bytea on PostgreSQL), in out; returns out. */
static inline const char *fixture_blob(const char *uri, const char *hex,
                                       char *out, size_t cap)
{
    int n = fixture_is_pg(uri) ? snprintf(out, cap, "'\\x%s'::bytea", hex)
                               : snprintf(out, cap, "x'%s'", hex);

    if (n < 0 || (size_t)n >= cap)
        fail_msg("blob literal too long: %s", hex);
    return out;
}

/* Run sql (one or more statements) on s's own connection, behind the
 * library's back; returns the number of rows the statements changed
 * (fails the test when one is refused). */
static inline long fixture_sql_changes(zl_store *s, const char *sql)
{
    long n = 0;

    if (!strcmp(zl_store_backend_name(s), "postgresql")) {
        PGconn *c = zl_pg_of(s)->conn;
        PGresult *r;
        int bad = 0;

        if (!PQsendQuery(c, sql))
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        while ((r = PQgetResult(c))) {
            ExecStatusType st = PQresultStatus(r);

            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                bad = 1;
            else if (*PQcmdTuples(r) && st == PGRES_COMMAND_OK)
                n += strtol(PQcmdTuples(r), NULL, 10);
            PQclear(r);
        }
        if (bad)
            fail_msg("%s: refused: %s", sql, PQerrorMessage(c));
    } else {
        sqlite3 *db = zl_sqlite_db(s);
        int before = sqlite3_total_changes(db);

        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            fail_msg("%s: refused: %s", sql, sqlite3_errmsg(db));
        n = sqlite3_total_changes(db) - before;
    }
    return n;
}

/* A zl_demo_generate document callback: capture the document into the
 * store ctx, which must accept it. */
static inline int fixture_capture_doc(void *ctx, const char *doc, size_t len,
                                      size_t n)
{
    struct zl_capture_result r;
    struct zl_error err = {0};

    (void)n;
    assert_int_equal(zl_capture(ctx, doc, len, NULL, &r, &err), 0);
    return 0;
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
