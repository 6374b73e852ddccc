/*
 * checkpointer.c - the server signs the log's state while it grows.
 *
 * One thread with its own store handle wakes every o.checkpoint_s seconds
 * and, when the log has grown past the latest signed checkpoint, signs a
 * new one (zl_log_checkpoint_issue). So every record is covered by a
 * published checkpoint within seconds of its capture, and the public
 * endpoints (log_api.c) only read. A store without a log key has nothing
 * to sign: the thread says so once and keeps waiting (keys can be added
 * while the server runs).
 *
 * The same thread writes the portal's pending lookup counts (lookups.c)
 * every FLUSH_S seconds and once more when it stops, so it always runs,
 * signing or not.
 *
 * Rejected: signing on demand inside GET /log/proof (a read that writes,
 * and as many checkpoints as there are curious clients); signing in the
 * capture transaction (a signature per capture, and captures that fail
 * when signing does).
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/error.h"
#include "zhiliang/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FLUSH_S 2 /* seconds between writes of the lookup counts */

struct zl_checkpointer {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    unsigned every_s; /* 0: no signing */
    struct zl_lookups *lookups;
    char path[1024];
    int quiet;
};

/* One round: sign when the log grew. Returns 0 or the error to report. */
static int round_once(zl_store *st)
{
    struct zl_checkpoint cp = {0};
    struct zl_error err = {0};
    uint64_t size = 0;
    char *note = NULL;
    int rc = zl_log_size(st, &size);

    if (rc || size == 0)
        return rc;
    rc = zl_log_checkpoint_latest(st, &note);
    if (!rc)
        rc = zl_log_checkpoint_parse(note, strlen(note), &cp, &err);
    zl_free(note);
    note = NULL;
    if (rc && rc != ZL_ENOTFOUND)
        return rc;
    if (!rc && cp.size >= size)
        return 0;
    rc = zl_log_checkpoint_issue(st, &note);
    zl_free(note);
    if (!rc)
        zl_data_changed(); /* the home and log pages show the size */
    return rc;
}

static void *run(void *arg)
{
    struct zl_checkpointer *c = arg;
    zl_store *st = NULL;
    struct zl_error err;
    time_t next_sign = 0;
    int last = 0, stop = 0;

    while (!stop) {
        struct timespec until;
        int rc;

        if (!st && zl_open(c->path, &st, &err))
            st = NULL;
        if (st)
            zl_lookups_flush(c->lookups, st); /* failures retry next round */
        if (c->every_s && time(NULL) >= next_sign) {
            rc = st ? round_once(st) : ZL_ESTORE;
            if (rc && rc != last && !c->quiet)
                fprintf(stderr,
                        "zhiliang serve: cannot sign a checkpoint: %s\n",
                        rc == ZL_ENOTFOUND ? "the store has no log key "
                                             "(zhiliang init / key)"
                                           : zl_strerror(rc));
            last = rc;
            next_sign = time(NULL) + c->every_s;
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += FLUSH_S;
        pthread_mutex_lock(&c->mu);
        while (!c->stop &&
               pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
            ;
        stop = c->stop;
        pthread_mutex_unlock(&c->mu);
    }
    if (st) /* the last views before shutdown */
        zl_lookups_flush(c->lookups, st);
    zl_close(st);
    return NULL;
}

int zl_checkpointer_start(struct zl_server *s)
{
    struct zl_checkpointer *c;

    if (!(c = zl_calloc(1, sizeof *c)))
        return ZL_ENOMEM;
    c->every_s = s->o.checkpoint_s == ZL_CHECKPOINT_OFF ? 0 : s->o.checkpoint_s;
    c->lookups = s->lookups;
    c->quiet = s->o.quiet;
    snprintf(c->path, sizeof c->path, "%s", s->store_path);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->th, NULL, run, c)) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        zl_free(c);
        return ZL_ENOMEM;
    }
    s->ckpt = c;
    return 0;
}

void zl_checkpointer_stop(struct zl_server *s)
{
    struct zl_checkpointer *c = s ? s->ckpt : NULL;

    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    zl_free(c);
    s->ckpt = NULL;
}
