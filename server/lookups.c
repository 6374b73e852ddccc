/*
 * lookups.c - counting the public lookups of serialised codes.
 *
 * A serial's page says how many times the code has been looked up and
 * when first (zhiliang/lookups.h says why). Writing a row per page view
 * would put a store commit on the portal's hottest path, so views are
 * counted in memory, per code, and the background thread (checkpointer.c)
 * adds them to the store every few seconds and once more at shutdown, in
 * one transaction. A page shows the stored count plus what is pending
 * here, so a shopper who scans twice sees 2 at once. A flush holds
 * `flushing` (written) from taking the pending counts until the store has
 * them, and a page reads both under it (read), so no page sees the counts
 * in flight in neither place.
 *
 * Memory is bounded: at most MAX_PENDING codes wait; a view of another
 * code while the table is full is written to the store at once. A failed
 * write puts its counts back. The views of the last seconds before a
 * crash are lost: these are counts, not records.
 *
 * Rejected: a write per view (one commit per scan, and PostgreSQL round
 * trips on a page the cache otherwise answers from memory); counting in
 * the page cache (a cached page is shared by every viewer).
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/error.h"
#include "zhiliang/lookups.h"

#include <string.h>

#define N_BUCKETS   1024u
#define MAX_PENDING 65536u

struct pending {
    struct pending *next;
    struct zl_lookup_count c;
    char code[]; /* NUL-terminated */
};

struct zl_lookups {
    pthread_rwlock_t flushing; /* written while counts move to the store */
    pthread_mutex_t mu;
    struct pending *b[N_BUCKETS];
    size_t n;
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

struct zl_lookups *zl_lookups_new(void)
{
    struct zl_lookups *l = zl_calloc(1, sizeof *l);
    pthread_rwlockattr_t a;

    if (l) {
        pthread_mutex_init(&l->mu, NULL);
        /* the flush first: pages stream without pause on a busy portal */
        pthread_rwlockattr_init(&a);
        pthread_rwlockattr_setkind_np(
            &a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
        pthread_rwlock_init(&l->flushing, &a);
        pthread_rwlockattr_destroy(&a);
    }
    return l;
}

/* Detach every pending count (caller holds mu): a list, or NULL. */
static struct pending *take_all(struct zl_lookups *l)
{
    struct pending *all = NULL, *p;
    size_t i;

    for (i = 0; i < N_BUCKETS; i++)
        while ((p = l->b[i])) {
            l->b[i] = p->next;
            p->next = all;
            all = p;
        }
    l->n = 0;
    return all;
}

static void free_list(struct pending *p)
{
    while (p) {
        struct pending *next = p->next;

        zl_free(p);
        p = next;
    }
}

void zl_lookups_free(struct zl_lookups *l)
{
    if (!l)
        return;
    free_list(take_all(l));
    pthread_mutex_destroy(&l->mu);
    pthread_rwlock_destroy(&l->flushing);
    zl_free(l);
}

/* Add c to code's pending count (caller holds mu); 0, or -1 when full or
 * out of memory. */
static int add_pending(struct zl_lookups *l, const char *code,
                       const struct zl_lookup_count *c)
{
    struct pending **slot = &l->b[hash(code) % N_BUCKETS], *p;
    size_t len = strlen(code);

    for (p = *slot; p; p = p->next)
        if (strcmp(p->code, code) == 0)
            break;
    if (!p) {
        if (l->n >= MAX_PENDING || !(p = zl_calloc(1, sizeof *p + len + 1)))
            return -1;
        memcpy(p->code, code, len + 1);
        p->c.first_ms = c->first_ms;
        p->next = *slot;
        *slot = p;
        l->n++;
    }
    p->c.n += c->n;
    if (c->first_ms < p->c.first_ms)
        p->c.first_ms = c->first_ms;
    if (c->last_ms > p->c.last_ms)
        p->c.last_ms = c->last_ms;
    return 0;
}

int zl_lookups_note(struct zl_lookups *l, zl_store *s, const char *code,
                    int64_t now_ms, struct zl_lookup_count *total)
{
    struct zl_lookup one = {code, {1, now_ms, now_ms}};
    struct pending *p;
    int rc, queued;

    pthread_rwlock_rdlock(&l->flushing);
    rc = zl_lookups_get(s, code, total);
    if (rc == ZL_ENOTFOUND)
        rc = 0;
    pthread_mutex_lock(&l->mu);
    queued = add_pending(l, code, &one.c) == 0;
    for (p = l->b[hash(code) % N_BUCKETS]; queued && p; p = p->next)
        if (strcmp(p->code, code) == 0) {
            if (!total->n || p->c.first_ms < total->first_ms)
                total->first_ms = p->c.first_ms;
            total->n += p->c.n;
            total->last_ms = p->c.last_ms;
            break;
        }
    pthread_mutex_unlock(&l->mu);
    if (!queued) { /* full: this one goes to the store now */
        int wrc = zl_lookups_add(s, &one, 1);

        if (!total->n)
            total->first_ms = now_ms;
        total->n += 1;
        total->last_ms = now_ms;
        rc = rc ? rc : wrc;
    }
    pthread_rwlock_unlock(&l->flushing);
    return rc;
}

int zl_lookups_flush(struct zl_lookups *l, zl_store *s)
{
    struct pending *all, *p;
    struct zl_lookup *v;
    size_t n = 0, i = 0;
    int rc;

    pthread_rwlock_wrlock(&l->flushing);
    pthread_mutex_lock(&l->mu);
    n = l->n;
    all = take_all(l);
    pthread_mutex_unlock(&l->mu);
    if (!all) {
        pthread_rwlock_unlock(&l->flushing);
        return 0;
    }
    if (!(v = zl_calloc(n, sizeof *v)))
        rc = ZL_ENOMEM;
    else {
        for (p = all; p; p = p->next, i++) {
            v[i].code = p->code;
            v[i].c = p->c;
        }
        rc = zl_lookups_add(s, v, n);
        zl_free(v);
    }
    if (rc) { /* put them back for the next round */
        pthread_mutex_lock(&l->mu);
        for (p = all; p; p = p->next)
            add_pending(l, p->code, &p->c);
        pthread_mutex_unlock(&l->mu);
    }
    pthread_rwlock_unlock(&l->flushing);
    free_list(all);
    return rc;
}
