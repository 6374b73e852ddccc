/*
 * dl.c - libraries opened on first use (see zhiliang/dl.h).
 */
#include "zhiliang/dl.h"

#include "zhiliang/error.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t dl_mu = PTHREAD_MUTEX_INITIALIZER;

/* Open the library and fill every slot, or say what failed in d->why. */
static int dl_open(struct zl_dl *d)
{
    void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);

    if (!h) {
        snprintf(d->why, sizeof d->why, "%s", dlerror());
        return -1;
    }
    for (size_t i = 0; i < d->n_syms; i++) {
        dlerror();
        *d->syms[i].slot = dlsym(h, d->syms[i].name);
        if (!*d->syms[i].slot) {
            const char *e = dlerror();

            snprintf(d->why, sizeof d->why, "%s: no %s (%s)", d->soname,
                     d->syms[i].name, e ? e : "NULL");
            dlclose(h);
            return -1;
        }
    }
    return 1; /* the handle stays open for the process's life */
}

int zl_dl_load(struct zl_dl *d)
{
    int st = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);

    if (!st) {
        pthread_mutex_lock(&dl_mu);
        if (!(st = __atomic_load_n(&d->state, __ATOMIC_RELAXED))) {
            st = dl_open(d);
            __atomic_store_n(&d->state, st, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&dl_mu);
    }
    return st > 0 ? 0 : ZL_EUNSUPPORTED;
}

void zl_dl_need(struct zl_dl *d)
{
    if (zl_dl_load(d) == 0)
        return;
    fprintf(stderr, "zhiliang: %s cannot be loaded (needed for %s): %s\n",
            d->soname, d->purpose, d->why);
    exit(1);
}
