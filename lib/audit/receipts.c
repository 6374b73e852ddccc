/*
 * receipts.c - capture metadata against the capture receipts.
 *
 * An event's record_time and capturing party are not in its record (the
 * CBV 2.0 hash leaves them out); the capture receipt logged with it
 * states them (lib/capture/receipt.h). Here every receipt whose row still
 * recomputes to its logged leaf is read, in log order, and each event it
 * lists is mapped to the receipt's record time and party; the first
 * receipt that lists an event wins (a later one can only come from an
 * event row deleted and captured again). verify compares each events row
 * with the map, reindex writes the map's values back.
 *
 * A receipt that no longer matches its leaf (an events row it lists was
 * deleted or edited) leaves its events unanchored; the map marks them
 * with that receipt, so verify reports them once for the receipt, with
 * their number, not once an event (a document of 5,000 events made 5,000
 * lines for one deleted row).
 *
 * The map holds 48 bytes an event (an open-addressing table keyed by the
 * event hash, which is already uniformly distributed): 48 MB at 1M events.
 * Rejected: an index row per listed event in the store (a B-tree insert
 * per event at every capture, for a lookup verify makes once a run).
 */
#include "audit/audit_int.h"

#include "capture/receipt.h"
#include "util/alloc.h"
#include "zhiliang/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct meta_slot {
    uint8_t hash[32];
    int64_t rt;
    const char *party; /* owned by the map's party list, or NULL */
    int used;
    int seen;   /* audit_meta_seen: an events row with the hash was met */
    int failed; /* 0, or 1 + the failed receipt listing it (unanchored) */
};

/* A receipt that no longer matches its leaf, and how many events rows
 * verify met that only it lists. */
struct failed_receipt {
    uint64_t index; /* its leaf */
    char *key;
    uint64_t unanchored;
};

struct audit_meta {
    struct meta_slot *v;
    size_t cap, n; /* cap a power of two, n < cap / 2 */
    char **parties;
    size_t n_parties;
    struct failed_receipt *failed;
    size_t n_failed;
};

static uint64_t slot_of(const uint8_t h[32])
{
    uint64_t x;

    memcpy(&x, h, sizeof x);
    return x;
}

static int grow(struct audit_meta *m)
{
    size_t cap = m->cap ? m->cap * 2 : 4096;
    struct meta_slot *v = zl_calloc(cap, sizeof *v);

    if (!v)
        return ZL_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        size_t j;

        if (!m->v[i].used)
            continue;
        for (j = slot_of(m->v[i].hash) & (cap - 1); v[j].used;
             j = (j + 1) & (cap - 1))
            ;
        v[j] = m->v[i];
    }
    zl_free(m->v);
    m->v = v;
    m->cap = cap;
    return 0;
}

static struct meta_slot *find_slot(const struct audit_meta *m,
                                   const uint8_t h[32])
{
    size_t j;

    if (!m->cap)
        return NULL;
    for (j = slot_of(h) & (m->cap - 1); m->v[j].used;
         j = (j + 1) & (m->cap - 1))
        if (!memcmp(m->v[j].hash, h, 32))
            return &m->v[j];
    return &m->v[j]; /* the free slot it would take */
}

static int intern(struct audit_meta *m, const char *party, const char **out)
{
    void *p;

    *out = NULL;
    if (!party)
        return 0;
    for (size_t i = m->n_parties; i > 0; i--)
        if (!strcmp(m->parties[i - 1], party)) {
            *out = m->parties[i - 1];
            return 0;
        }
    p = zl_realloc(m->parties, (m->n_parties + 1) * sizeof *m->parties);
    if (!p)
        return ZL_ENOMEM;
    m->parties = p;
    if (!(m->parties[m->n_parties] = zl_strdup(party)))
        return ZL_ENOMEM;
    *out = m->parties[m->n_parties++];
    return 0;
}

/* First receipt wins: an event already mapped keeps its values. failed:
 * 0 for a receipt that verifies, else 1 + its place in m->failed (its
 * events are marked unanchored, after every verified receipt's). */
static int map_group(struct audit_meta *m, const struct zl_receipt_group *g,
                     int failed)
{
    const char *party;
    int rc = intern(m, g->party, &party);

    for (size_t i = 0; i < g->n_events && !rc; i++) {
        struct meta_slot *sl;

        if ((m->n + 1) * 2 > m->cap && (rc = grow(m)))
            break;
        sl = find_slot(m, g->events[i]);
        if (sl->used)
            continue;
        memcpy(sl->hash, g->events[i], 32);
        sl->rt = g->record_time_ms;
        sl->party = party;
        sl->used = 1;
        sl->failed = failed;
        m->n++;
    }
    return rc;
}

int audit_receipt_canon(zl_store *s, const char *key, char **canon, size_t *len)
{
    struct zl_receipt r;
    struct zl_buf b;
    int rc = zl_receipt_load(s, key, &r);

    if (rc)
        return rc;
    zl_buf_init(&b, (size_t)1 << 31);
    rc = zl_receipt_canon(r.g, r.n, &b);
    /* A row no writer could make (a torn list, a doc that is not a hash,
     * a missing group) must not recompute to the logged leaf by chance:
     * the trailing byte makes it differ. */
    if (!rc && r.damaged)
        rc = zl_buf_addc(&b, '!');
    if (rc == ZL_EINVAL) { /* an edited party that is not UTF-8 */
        zl_buf_reset(&b);
        rc = zl_buf_adds(&b, "(not canonical)");
    }
    zl_receipt_cleanup(&r);
    if (rc) {
        zl_buf_cleanup(&b);
        return rc;
    }
    *len = b.len;
    *canon = zl_buf_steal(&b);
    return *canon ? 0 : ZL_ENOMEM;
}

struct rk {
    uint64_t index;
    char *key;
};

struct rk_list {
    struct rk *v;
    size_t n, cap;
};

struct verified {
    struct zl_store *s;
    struct rk_list ok, failed; /* receipts that match their leaf, or not */
};

static int rk_push(struct rk_list *l, uint64_t index, const char *key)
{
    if (zl_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, 256, NULL))
        return ZL_ENOMEM;
    l->v[l->n].index = index;
    if (!(l->v[l->n].key = zl_strdup(key)))
        return ZL_ENOMEM;
    l->n++;
    return 0;
}

static void rk_free(struct rk_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        zl_free(l->v[i].key);
    zl_free(l->v);
}

/* A receipt counts only if its row still recomputes to its leaf; one
 * that does not is kept aside (its events are unanchored because of it). */
static int verified_cb(void *ctx, const char *key)
{
    struct verified *w = ctx;
    uint8_t leaf[32], stored[32], type = 0;
    uint64_t index = 0;
    char *canon = NULL;
    size_t len = 0;
    int rc = zl_log_find(w->s, key, &index, &type, stored);

    if (rc == ZL_ENOTFOUND)
        return 0;
    if (!rc)
        rc = audit_receipt_canon(w->s, key, &canon, &len);
    if (!rc)
        rc = zl_log_leaf_hash(ZL_LEAF_CAPTURE, canon, len, leaf);
    zl_free(canon);
    if (rc || type != ZL_LEAF_CAPTURE)
        return rc;
    return rk_push(memcmp(leaf, stored, 32) ? &w->failed : &w->ok, index, key);
}

static int rk_cmp(const void *x, const void *y)
{
    const struct rk *a = x, *b = y;

    return a->index < b->index ? -1 : a->index > b->index;
}

/* Map the events of the receipts in l in log order; failed: l lists the
 * receipts that no longer match their leaves, whose keys m->failed takes. */
static int map_receipts(zl_store *s, struct audit_meta *m, struct rk_list *l,
                        int failed)
{
    int rc = 0;

    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, rk_cmp);
    if (failed && l->n && !(m->failed = zl_calloc(l->n, sizeof *m->failed)))
        return ZL_ENOMEM;
    for (size_t i = 0; i < l->n && !rc; i++) {
        struct zl_receipt r;

        if (!(rc = zl_receipt_load(s, l->v[i].key, &r))) {
            for (size_t k = 0; k < r.n && !rc; k++)
                rc = map_group(m, &r.g[k], failed ? (int)i + 1 : 0);
            zl_receipt_cleanup(&r);
        }
        if (failed) {
            m->failed[i].index = l->v[i].index;
            m->failed[i].key = l->v[i].key; /* the map owns it now */
            l->v[i].key = NULL;
            m->n_failed++;
        }
    }
    return rc;
}

int audit_meta_build(zl_store *s, struct audit_meta **out)
{
    struct verified w = {s, {NULL, 0, 0}, {NULL, 0, 0}};
    struct audit_meta *m = zl_calloc(1, sizeof *m);
    int rc = m ? zl_store_receipt_keys(s, verified_cb, &w) : ZL_ENOMEM;

    if (!rc)
        rc = map_receipts(s, m, &w.ok, 0);
    if (!rc)
        rc = map_receipts(s, m, &w.failed, 1);
    rk_free(&w.ok);
    rk_free(&w.failed);
    if (rc) {
        audit_meta_free(m);
        m = NULL;
    }
    *out = m;
    return rc;
}

int audit_meta_get(const struct audit_meta *m, const uint8_t hash[32],
                   int64_t *record_time_ms, const char **party)
{
    const struct meta_slot *sl = m ? find_slot(m, hash) : NULL;

    if (!sl || !sl->used || sl->failed)
        return 0;
    *record_time_ms = sl->rt;
    *party = sl->party;
    return 1;
}

int audit_meta_seen(struct audit_meta *m, const uint8_t hash[32])
{
    struct meta_slot *sl = m ? find_slot(m, hash) : NULL;
    int was;

    if (!sl || !sl->used || sl->failed)
        return 0;
    was = sl->seen;
    sl->seen = 1;
    return was;
}

int audit_meta_unanchored_by(struct audit_meta *m, const uint8_t hash[32])
{
    struct meta_slot *sl = m ? find_slot(m, hash) : NULL;

    if (!sl || !sl->used || !sl->failed)
        return 0;
    m->failed[sl->failed - 1].unanchored++;
    return 1;
}

int audit_meta_report_failed(struct audit *a)
{
    char detail[300];
    int rc = 0;

    for (size_t i = 0; a->meta && i < a->meta->n_failed && !rc; i++) {
        const struct failed_receipt *f = &a->meta->failed[i];

        if (!f->unanchored)
            continue;
        snprintf(detail, sizeof detail,
                 "%llu stored event%s this capture receipt lists: it no "
                 "longer matches its leaf, so their record time and "
                 "capturing party are unproven",
                 (unsigned long long)f->unanchored,
                 f->unanchored == 1 ? "" : "s");
        rc = audit_report(a, "metadata-unanchored", f->index, f->key, detail);
    }
    return rc;
}

void audit_meta_free(struct audit_meta *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_failed; i++)
        zl_free(m->failed[i].key);
    zl_free(m->failed);
    for (size_t i = 0; i < m->n_parties; i++)
        zl_free(m->parties[i]);
    zl_free(m->parties);
    zl_free(m->v);
    zl_free(m);
}
