/*
 * zhiliang/dl.h - a shared library opened on first use, its functions
 * called through a table of pointers.
 *
 * libpq, libxml2, libmicrohttpd and libcurl bring ~35 more libraries with
 * them (Kerberos, LDAP, GnuTLS, ICU...). Linked, the dynamic loader maps
 * and relocates all of them before main, for every command: ~6 ms of the
 * CPU of `zhiliang --version`'s ~8 ms, more than a trace on a fresh
 * handle costs. Only a PostgreSQL store needs libpq, EPCIS XML libxml2,
 * `zhiliang serve` libmicrohttpd and its webhooks libcurl, so each is
 * opened by dlopen when first needed and a missing one is an error that
 * names the library and why, not a failure to start. Public because the
 * server (a client of the library) opens its two the same way.
 *
 * A library's shim header (the library's and the server's *_dl.h)
 * includes the library's own header, lists the functions called
 * (an X-macro), declares a table with one member of each function's own
 * type (__typeof__, so the compiler still checks every call) and
 * redirects each name to the table: code calls PQexec(...) as if linked.
 * Its .c file is ZL_DL_LIBRARY(...). A function not listed does not link
 * (the library is not linked), so a list cannot fall behind. The design
 * of systemd's optional libraries (src/shared/dlfcn-util.h).
 *
 * Rejected: linking with --as-needed (the library calls both libpq and
 * libxml2, so both stay needed); a library a backend (the backend is
 * chosen at run time from the store's URI).
 */
#ifndef ZL_PUBLIC_DL_H
#define ZL_PUBLIC_DL_H

#include <stddef.h>

/* One function of a library: its name and where its address goes. */
struct zl_dl_sym {
    const char *name;
    void **slot;
};

/* A library and its table; static storage, zero state. */
struct zl_dl {
    const char *soname;  /* "libpq.so.5" */
    const char *purpose; /* "PostgreSQL stores", for the error */
    const struct zl_dl_sym *syms;
    size_t n_syms;
    int state;     /* 0 not tried, 1 loaded, -1 failed (read atomically) */
    char why[256]; /* what failed (dlerror's text) */
};

/* Open d's library and fill its table, once, by whichever thread calls
 * first. 0, or ZL_EUNSUPPORTED with d->why set (the library or one of
 * its functions is missing); a failure is remembered. */
int zl_dl_load(struct zl_dl *d);

/* The same where no error can be returned (the tables' accessors): when
 * the library cannot be loaded, print the library and why to stderr and
 * exit with status 1. Entry points call zl_dl_load first, so a user sees
 * their command's clear error rather than this. */
void zl_dl_need(struct zl_dl *d);

/* Declare, in a shim header, the table struct NAME_api (a member of each
 * function FUNCS lists, of the function's own type), NAME_load(&why)
 * (open the library: 0, or ZL_EUNSUPPORTED with why set to what is
 * missing) and NAME() (the table, the library opened, or the process
 * exits saying why). */
#define ZL_DL_MEMBER(f) __typeof__(f) *f;
#define ZL_DL_DECLARE(NAME, FUNCS)                                             \
    struct NAME##_api {                                                        \
        FUNCS(ZL_DL_MEMBER)                                                    \
    };                                                                         \
    int NAME##_load(const char **why);                                         \
    const struct NAME##_api *NAME(void);

/* Define NAME_load and NAME (see a shim header) for the table struct
 * NAME_api whose members FUNCS lists, of library SONAME. One a file: the
 * file's static table is dl_table. */
#define ZL_DL_SYM_OF(f) {#f, (void **)&dl_table.f},
#define ZL_DL_LIBRARY(NAME, FUNCS, SONAME, PURPOSE)                            \
    static struct NAME##_api dl_table;                                         \
    static const struct zl_dl_sym dl_syms[] = {FUNCS(ZL_DL_SYM_OF)};           \
    static struct zl_dl dl_lib = {.soname = SONAME,                            \
                                  .purpose = PURPOSE,                          \
                                  .syms = dl_syms,                             \
                                  .n_syms =                                    \
                                      sizeof dl_syms / sizeof dl_syms[0]};     \
    int NAME##_load(const char **why)                                          \
    {                                                                          \
        int rc = zl_dl_load(&dl_lib);                                          \
                                                                               \
        *why = rc ? dl_lib.why : NULL;                                         \
        return rc;                                                             \
    }                                                                          \
    const struct NAME##_api *NAME(void)                                        \
    {                                                                          \
        if (__atomic_load_n(&dl_lib.state, __ATOMIC_ACQUIRE) <= 0)             \
            zl_dl_need(&dl_lib);                                               \
        return &dl_table;                                                      \
    }

#endif
