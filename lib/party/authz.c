/*
 * authz.c - the write rule (docs/access.md): may this party state this
 * event?
 *
 * One function, zl_authz_check_event, decides for every way an event
 * enters the store under a party's name (zl_capture applies it whenever
 * its options name a party, so `capture --party` and the HTTP capture
 * path cannot disagree). The rule reads only the registries (GLNs,
 * Company Prefixes, kinds, regions) and the stored trace:
 *
 *   owner     the Company Prefix of the identifier's GS1 key is
 *             registered to the party (longest prefix wins);
 *   holder    the latest shipping or receiving event naming the
 *             identifier (declared-erroneous events left out) shipped it
 *             to the party (a destination of its GLNs) or received it at
 *             one of its GLNs;
 *   location  the event happens at the party's own readPoint/bizLocation.
 *
 * Owning or holding is a fact about the goods; a location is only a fact
 * about the place. So a location covers ordinary observations there, but
 * not commissioning a key under another party's Company Prefix (that
 * would put another brand's name on goods it never made) nor declaring
 * goods recalled (the red banner on the public page): those need the
 * owner, the holder or a regulator. An event that names no location
 * makes claims only about goods, so every identifier needs owner or
 * holder.
 *
 * Custody is looked up per identifier at capture time, reading at most
 * CUSTODY_EVENTS events back from the latest one. Rejected: a custody
 * table maintained at capture (another derived table for verify to check,
 * and it would not follow corrections without a rebuild).
 */
#include "zhiliang/party.h"

#include "party/party_int.h"
#include "store/store.h"
#include "store/store_party.h"
#include "store/store_trace.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

#define CUSTODY_EVENTS 256   /* shipping/receiving candidates examined */
#define CUSTODY_ROWS   65536 /* occurrences of one identifier kept */
#define MAX_HOLDERS    8

static const char CBV[] = "https://ref.gs1.org/cbv/";

static int copy_who(void *ctx, const struct zl_party *p)
{
    struct zl_authz_party *w = ctx;

    snprintf(w->id, sizeof w->id, "%s", p->id);
    w->kind = p->kind;
    w->region[0] = '\0';
    if (p->region)
        snprintf(w->region, sizeof w->region, "%s", p->region);
    else if (p->uscc && strlen(p->uscc) == 18)
        /* GB 32100: characters 3-8 are the GB/T 2260 registration code */
        snprintf(w->region, sizeof w->region, "%.6s", p->uscc + 2);
    return 0;
}

static int cbv_is(const char *v, const char *kind, const char *name)
{
    size_t k = strlen(kind);

    if (!v)
        return 0;
    if (!strncmp(v, CBV, sizeof CBV - 1))
        v += sizeof CBV - 1;
    return !strncmp(v, kind, k) && !strcmp(v + k, name);
}

static const char *role_path(enum zl_id_role r)
{
    switch (r) {
    case ZL_ROLE_EPC: return "epcList";
    case ZL_ROLE_PARENT: return "parentID";
    case ZL_ROLE_CHILD: return "childEPCs";
    case ZL_ROLE_INPUT: return "inputEPCList";
    case ZL_ROLE_OUTPUT: return "outputEPCList";
    case ZL_ROLE_QTY: return "quantityList.epcClass";
    case ZL_ROLE_CHILD_QTY: return "childQuantityList.epcClass";
    case ZL_ROLE_INPUT_QTY: return "inputQuantityList.epcClass";
    case ZL_ROLE_OUTPUT_QTY: return "outputQuantityList.epcClass";
    }
    return "";
}

/* Party holding the GLN of loc (any GLN form): 0 with owner filled,
 * ZL_ENOTFOUND, or a store error. */
static int gln_party(zl_store *s, const char *loc, char owner[ZL_PARTY_ID_MAX])
{
    char gln[14];

    if (!loc || zl_party_location_gln(loc, gln))
        return ZL_ENOTFOUND;
    return zl_store_gln_owner(s, gln, owner);
}

/* ---- custody ------------------------------------------------------------ */

/* The events naming one identifier, oldest first (bounded). */
struct rows {
    uint8_t (*h)[32];
    size_t n, cap;
};

static int row_cb(void *ctx, const struct zl_id_row *r)
{
    struct rows *w = ctx;

    if (w->n && !memcmp(w->h[w->n - 1], r->hash, 32))
        return 0; /* same event, another role */
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        void *p;

        if (w->cap >= CUSTODY_ROWS) {
            /* keep the latest: drop the oldest half */
            memmove(w->h, w->h + w->n / 2, (w->n - w->n / 2) * 32);
            w->n -= w->n / 2;
            goto add;
        }
        p = zl_realloc(w->h, cap * 32);
        if (!p)
            return ZL_ENOMEM;
        w->h = p;
        w->cap = cap;
    }
add:
    memcpy(w->h[w->n++], r->hash, 32);
    return 0;
}

struct holders {
    zl_store *s;
    char id[MAX_HOLDERS][ZL_PARTY_ID_MAX];
    size_t n;
    int found; /* a shipping/receiving event was seen */
};

static void add_holder(struct holders *h, const char *id)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->id[i], id))
            return;
    if (h->n < MAX_HOLDERS)
        snprintf(h->id[h->n++], ZL_PARTY_ID_MAX, "%s", id);
}

/* Each destination GLN's party holds the goods. */
static int dest_cb(void *ctx, char kind, const char *type, const char *value)
{
    struct holders *h = ctx;
    char owner[ZL_PARTY_ID_MAX];
    int rc;

    (void)type;
    if (kind != 'd')
        return 0;
    rc = gln_party(h->s, value, owner);
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    add_holder(h, owner);
    return 0;
}

int zl_authz_step_receives(const char *biz_step)
{
    return cbv_is(biz_step, "BizStep-", "receiving") ||
           (biz_step && !strcmp(biz_step, "receiving"));
}

static int step_ships(const char *biz_step)
{
    return cbv_is(biz_step, "BizStep-", "shipping") ||
           (biz_step && !strcmp(biz_step, "shipping"));
}

int zl_authz_step_decides(const char *biz_step)
{
    return step_ships(biz_step) || zl_authz_step_receives(biz_step);
}

/* Candidate event, latest first: the first shipping or receiving event
 * (not declared erroneous) decides. */
static int custody_event_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct holders *h = ctx;
    char owner[ZL_PARTY_ID_MAX];
    int recv, rc;

    if (ev->has_error_declaration)
        return 0;
    if (!zl_authz_step_decides(ev->biz_step))
        return 0;
    recv = zl_authz_step_receives(ev->biz_step);
    h->found = 1;
    if (recv) {
        const char *where =
            ev->biz_location ? ev->biz_location : ev->read_point;
        rc = gln_party(h->s, where, owner);
        if (rc && rc != ZL_ENOTFOUND)
            return rc;
        if (!rc)
            add_holder(h, owner);
    }
    return zl_store_event_refs(h->s, ev->hash, dest_cb, h);
}

/* The custodians of id by the trace: the parties the latest shipping
 * event shipped it to, or the party whose site the latest receiving
 * event received it at (and its destinations). With before set, "latest"
 * means the latest before that event in the identifier's event-time
 * order (none when that event is not among the rows kept). h->n = 0 when
 * no such event names id. */
static int custodians_before(zl_store *s, const char *id, const uint8_t *before,
                             struct holders *h)
{
    struct rows w = {NULL, 0, 0};
    const char *ids[1] = {id};
    size_t looked = 0, end;
    int rc;

    memset(h, 0, sizeof *h);
    h->s = s;
    rc = zl_store_id_lookup(s, ids, 1, row_cb, &w);
    end = w.n;
    if (before) {
        while (end > 0 && memcmp(w.h[end - 1], before, 32))
            end--;
        if (end > 0)
            end--; /* the event itself does not count */
    }
    for (size_t i = end; !rc && i > 0 && !h->found && looked < CUSTODY_EVENTS;
         i--, looked++) {
        /* the row without its JSON (custody reads none of it); an
         * absent event is skipped */
        rc = zl_store_trace_events_meta(s, (const uint8_t(*)[32])w.h[i - 1], 1,
                                        custody_event_cb, h);
    }
    zl_free(w.h);
    return rc;
}

static int custodians(zl_store *s, const char *id, struct holders *h)
{
    return custodians_before(s, id, NULL, h);
}

static int holds(const struct holders *h, const char *party)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->id[i], party))
            return 1;
    return 0;
}

int zl_authz_held_before(zl_store *s, const char *id, const uint8_t before[32],
                         const char *party_id, int *held)
{
    struct holders h;
    int rc = custodians_before(s, id, before, &h);

    *held = rc == 0 && holds(&h, party_id);
    return rc;
}

/* ---- custody through a cache (the read rule) ----------------------------
 * A viewer's trace or page asks custody for hundreds of (identifier,
 * event) pairs, and they share identifiers and candidate events: the
 * events around a retail item, the lots they name. custodians_before reads
 * the identifier's rows and then the candidates one store call at a time,
 * for every pair. The cache keeps what those calls read, for one
 * request:
 *
 *   per identifier  its rows exactly as row_cb keeps them (the same
 *                   CUSTODY_ROWS bound), with a table from event hash to
 *                   its last row (custodians_before's backward memcmp);
 *   per event       whether it decides custody (a shipping or receiving
 *                   event not declared erroneous; absent events do not)
 *                   and, when it does, whether the party is among its
 *                   holders (custody_event_cb itself, so the MAX_HOLDERS
 *                   bound and the holders' order are the same).
 *
 * The walk then is custodians_before's: back from the event, at most
 * CUSTODY_EVENTS rows looked at, the first deciding row decides. Unknown
 * candidates are read in batches of one zl_store_trace_events_meta call
 * (4, then 16, then 64 at a time: the decider is usually the row just
 * before), and a decider's holders with the same lookups as before.
 * The answers are the uncached path's as long as the store does not
 * change during the request (the memo's contract). Bounded: past
 * CUST_MAX_ROWS cached rows, identifiers are read and dropped per call. */
#define CUST_MAX_ROWS (4u << 20)

enum { EV_UNKNOWN = 0, EV_NOT_DECIDING, EV_HELD, EV_NOT_HELD };

struct cust_id {
    char *id;
    uint8_t (*h)[32];
    size_t n;
    uint32_t *pos; /* row index + 1 by event hash, open addressing */
    size_t pos_mask;
};

struct cust_ev {
    uint8_t hash[32];
    unsigned char state; /* EV_*; EV_UNKNOWN marks a free slot */
};

struct zl_custody {
    char party[ZL_PARTY_ID_MAX]; /* the party the event states are for */
    struct cust_id *ids;         /* open addressing by identifier */
    size_t ids_cap, ids_used;
    struct cust_ev *evs; /* open addressing by event hash */
    size_t evs_cap, evs_used;
    size_t rows; /* rows kept over all identifiers */
};

int zl_custody_new(zl_custody **out)
{
    return (*out = zl_calloc(1, sizeof **out)) ? 0 : ZL_ENOMEM;
}

static void cust_id_clear(struct cust_id *e)
{
    zl_free(e->id);
    zl_free(e->h);
    zl_free(e->pos);
    memset(e, 0, sizeof *e);
}

size_t zl_custody_rows(const zl_custody *c)
{
    return c ? c->rows : 0;
}

void zl_custody_free(zl_custody *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ids_cap; i++)
        cust_id_clear(&c->ids[i]);
    zl_free(c->ids);
    zl_free(c->evs);
    zl_free(c);
}

static uint64_t str_hash(const char *str)
{
    uint64_t h = 1469598103934665603ull;

    for (const char *p = str; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* An event hash is SHA-256: its first bytes are already uniform. */
static uint64_t ev_key(const uint8_t h[32])
{
    uint64_t k;

    memcpy(&k, h, sizeof k);
    return k;
}

/* The index of h in e's rows: its last row, or -1. */
static long id_pos(const struct cust_id *e, const uint8_t h[32])
{
    for (size_t i = (size_t)ev_key(h) & e->pos_mask;;
         i = (i + 1) & e->pos_mask) {
        uint32_t p = e->pos[i];

        if (!p)
            return -1;
        if (!memcmp(e->h[p - 1], h, 32))
            return (long)p - 1;
    }
}

/* Fill e->pos from e->h (later rows overwrite earlier ones of the same
 * event, so each hash finds its last row). */
static int id_index(struct cust_id *e)
{
    size_t cap = 16;

    while (cap < e->n * 2)
        cap *= 2;
    if (!(e->pos = zl_calloc(cap, sizeof *e->pos)))
        return ZL_ENOMEM;
    e->pos_mask = cap - 1;
    for (size_t r = 0; r < e->n; r++) {
        size_t i = (size_t)ev_key(e->h[r]) & e->pos_mask;

        while (e->pos[i] && memcmp(e->h[e->pos[i] - 1], e->h[r], 32))
            i = (i + 1) & e->pos_mask;
        e->pos[i] = (uint32_t)r + 1;
    }
    return 0;
}

static int ids_grow(zl_custody *c)
{
    size_t cap = c->ids_cap ? c->ids_cap * 2 : 64;
    struct cust_id *t = zl_calloc(cap, sizeof *t);

    if (!t)
        return ZL_ENOMEM;
    for (size_t k = 0; k < c->ids_cap; k++) {
        size_t i;

        if (!c->ids[k].id)
            continue;
        for (i = (size_t)str_hash(c->ids[k].id) & (cap - 1); t[i].id;
             i = (i + 1) & (cap - 1))
            ;
        t[i] = c->ids[k];
    }
    zl_free(c->ids);
    c->ids = t;
    c->ids_cap = cap;
    return 0;
}

/* The cached entry of id, or NULL. */
static struct cust_id *cust_find(const zl_custody *c, const char *id)
{
    if (!c->ids_cap)
        return NULL;
    for (size_t i = (size_t)str_hash(id) & (c->ids_cap - 1); c->ids[i].id;
         i = (i + 1) & (c->ids_cap - 1))
        if (!strcmp(c->ids[i].id, id))
            return &c->ids[i];
    return NULL;
}

/* Make *tmp id's entry from the rows w (taken) and keep it in c when there
 * is room: *out is the kept entry (tmp emptied) or tmp itself, which the
 * caller clears. */
static int cust_keep(zl_custody *c, const char *id, struct rows *w,
                     struct cust_id *tmp, struct cust_id **out)
{
    struct cust_id *e;
    size_t i;
    int rc;

    memset(tmp, 0, sizeof *tmp);
    tmp->h = w->h;
    tmp->n = w->n;
    w->h = NULL;
    if ((rc = id_index(tmp)) || !(tmp->id = zl_strdup(id))) {
        cust_id_clear(tmp);
        return rc ? rc : ZL_ENOMEM;
    }
    *out = tmp;
    if (c->rows + tmp->n > CUST_MAX_ROWS)
        return 0; /* not kept */
    if (c->ids_used * 2 >= c->ids_cap && ids_grow(c))
        return 0; /* no room: used once, as when the cache is full */
    for (i = (size_t)str_hash(id) & (c->ids_cap - 1); c->ids[i].id;
         i = (i + 1) & (c->ids_cap - 1))
        ;
    e = &c->ids[i];
    *e = *tmp;
    memset(tmp, 0, sizeof *tmp);
    c->ids_used++;
    c->rows += e->n;
    *out = e;
    return 0;
}

/* The cached rows of id, read on first use. *tmp receives an entry the
 * caller must clear when the cache is full (then it is not kept). */
static int cust_rows(zl_store *s, zl_custody *c, const char *id,
                     struct cust_id **out, struct cust_id *tmp)
{
    struct rows w = {NULL, 0, 0};
    int rc;

    if ((*out = cust_find(c, id)) != NULL)
        return 0;
    if ((rc = zl_store_id_event_hashes(s, id, row_cb, &w))) {
        zl_free(w.h);
        return rc;
    }
    return cust_keep(c, id, &w, tmp, out);
}

/* Rows of a batch of identifiers, split by identifier: they come grouped,
 * in the order asked (store.h), so a row belongs to the first identifier
 * at or after the current one that it names. */
struct batch_rows {
    const char *const *ids;
    struct rows *w;
    size_t n, cur;
};

static int batch_row_cb(void *ctx, const struct zl_id_row *r)
{
    struct batch_rows *b = ctx;

    while (b->cur < b->n && strcmp(b->ids[b->cur], r->id))
        b->cur++;
    if (b->cur == b->n)
        return ZL_ESTORE; /* not in the order asked */
    return row_cb(&b->w[b->cur], r);
}

int zl_custody_prefetch(zl_store *s, zl_custody *c, const char *const *ids,
                        size_t n)
{
    const char *ask[64];
    struct rows w[64];
    struct batch_rows b = {ask, w, 0, 0};
    int rc = 0;

    if (!c)
        return 0;
    for (size_t i = 0; i < n && b.n < 64; i++) {
        int dup = cust_find(c, ids[i]) != NULL;

        for (size_t k = 0; k < b.n && !dup; k++)
            dup = !strcmp(ask[k], ids[i]);
        if (!dup)
            ask[b.n++] = ids[i];
    }
    if (b.n < 2)
        return 0; /* the walk reads one as it goes */
    memset(w, 0, sizeof w);
    rc = zl_store_id_lookup(s, ask, b.n, batch_row_cb, &b);
    for (size_t k = 0; k < b.n; k++) {
        struct cust_id tmp, *e;

        if (!rc)
            rc = cust_keep(c, ask[k], &w[k], &tmp, &e);
        if (!rc)
            cust_id_clear(&tmp);
        zl_free(w[k].h);
    }
    return rc;
}

static struct cust_ev *ev_slot(zl_custody *c, const uint8_t h[32])
{
    size_t i;

    for (i = (size_t)ev_key(h) & (c->evs_cap - 1);
         c->evs[i].state != EV_UNKNOWN && memcmp(c->evs[i].hash, h, 32);
         i = (i + 1) & (c->evs_cap - 1))
        ;
    return &c->evs[i];
}

static int ev_state(const zl_custody *c, const uint8_t h[32])
{
    return c->evs_cap ? ev_slot((zl_custody *)c, h)->state : EV_UNKNOWN;
}

static int ev_set(zl_custody *c, const uint8_t h[32], int state)
{
    struct cust_ev *e;

    if ((c->evs_used + 1) * 2 > c->evs_cap) {
        size_t cap = c->evs_cap ? c->evs_cap * 2 : 256;
        struct cust_ev *t = zl_calloc(cap, sizeof *t), *old = c->evs;
        size_t old_cap = c->evs_cap;

        if (!t)
            return ZL_ENOMEM;
        c->evs = t;
        c->evs_cap = cap;
        for (size_t k = 0; k < old_cap; k++)
            if (old[k].state != EV_UNKNOWN)
                *ev_slot(c, old[k].hash) = old[k];
        zl_free(old);
    }
    e = ev_slot(c, h);
    if (e->state == EV_UNKNOWN) {
        memcpy(e->hash, h, 32);
        c->evs_used++;
    }
    e->state = (unsigned char)state;
    return 0;
}

/* One batch of candidate events: their rows' fields custody_event_cb
 * reads, copied (it calls the store, which a meta callback may not). */
#define CUST_BATCH 64

struct cust_batch {
    uint8_t h[CUST_BATCH][32];
    char *step[CUST_BATCH], *rp[CUST_BATCH], *bl[CUST_BATCH];
    int err[CUST_BATCH], found[CUST_BATCH];
    size_t n;
};

static int batch_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct cust_batch *b = ctx;

    for (size_t k = 0; k < b->n; k++) {
        if (b->found[k] || memcmp(b->h[k], ev->hash, 32))
            continue;
        b->found[k] = 1;
        b->err[k] = ev->has_error_declaration;
        if ((ev->biz_step && !(b->step[k] = zl_strdup(ev->biz_step))) ||
            (ev->read_point && !(b->rp[k] = zl_strdup(ev->read_point))) ||
            (ev->biz_location && !(b->bl[k] = zl_strdup(ev->biz_location))))
            return ZL_ENOMEM;
        return 0;
    }
    return 0;
}

/* Decide the events of b (all unknown to c) for party. */
static int cust_fill(zl_store *s, zl_custody *c, struct cust_batch *b,
                     const char *party)
{
    int rc = zl_store_trace_events_meta(s, (const uint8_t(*)[32])b->h, b->n,
                                        batch_cb, b);

    for (size_t k = 0; !rc && k < b->n; k++) {
        struct zl_stored_event ev;
        struct holders h;
        int state = EV_NOT_DECIDING;

        if (b->found[k]) {
            memset(&ev, 0, sizeof ev);
            memcpy(ev.hash, b->h[k], 32);
            ev.has_error_declaration = b->err[k];
            ev.biz_step = b->step[k];
            ev.read_point = b->rp[k];
            ev.biz_location = b->bl[k];
            memset(&h, 0, sizeof h);
            h.s = s;
            if ((rc = custody_event_cb(&h, &ev)))
                break;
            if (h.found)
                state = holds(&h, party) ? EV_HELD : EV_NOT_HELD;
        }
        rc = ev_set(c, b->h[k], state);
    }
    for (size_t k = 0; k < b->n; k++) {
        zl_free(b->step[k]);
        zl_free(b->rp[k]);
        zl_free(b->bl[k]);
    }
    return rc;
}

int zl_authz_held_before_cached(zl_store *s, zl_custody *c, const char *id,
                                const uint8_t before[32], const char *party_id,
                                int *held)
{
    struct cust_id *e = NULL, tmp;
    size_t want = 4, lo;
    long end;
    int rc;

    *held = 0;
    if (!c)
        return zl_authz_held_before(s, id, before, party_id, held);
    if (strcmp(c->party, party_id)) {
        /* the event states are one party's */
        zl_free(c->evs);
        c->evs = NULL;
        c->evs_cap = c->evs_used = 0;
        snprintf(c->party, sizeof c->party, "%s", party_id);
    }
    memset(&tmp, 0, sizeof tmp);
    if ((rc = cust_rows(s, c, id, &e, &tmp)))
        return rc;
    end = id_pos(e, before); /* the event itself does not count */
    lo = end > CUSTODY_EVENTS ? (size_t)end - CUSTODY_EVENTS : 0;
    for (long i = end - 1; i >= (long)lo; i--) {
        int st = ev_state(c, e->h[i]);

        if (st == EV_UNKNOWN) {
            struct cust_batch *b = zl_calloc(1, sizeof *b);

            if (!b) {
                rc = ZL_ENOMEM;
                break;
            }
            /* this row and the unknown ones before it in the window */
            for (long j = i; j >= (long)lo && b->n < want; j--) {
                int dup = 0;

                if (ev_state(c, e->h[j]) != EV_UNKNOWN)
                    continue;
                for (size_t k = 0; k < b->n && !dup; k++)
                    dup = !memcmp(b->h[k], e->h[j], 32);
                if (!dup)
                    memcpy(b->h[b->n++], e->h[j], 32);
            }
            want = want * 4 > CUST_BATCH ? CUST_BATCH : want * 4;
            rc = cust_fill(s, c, b, party_id);
            zl_free(b);
            if (rc)
                break;
            st = ev_state(c, e->h[i]);
        }
        if (st == EV_NOT_DECIDING)
            continue;
        *held = st == EV_HELD;
        break;
    }
    cust_id_clear(&tmp);
    if (rc)
        *held = 0;
    return rc;
}

/* ---- the rule ----------------------------------------------------------- */

static int is_recall(const struct zl_event *ev)
{
    return cbv_is(ev->disposition, "Disp-", "recalled") ||
           (ev->disposition && !strcmp(ev->disposition, "recalled"));
}

/* Statements a regulator makes: recalls, holds and inspections. */
static int is_regulatory(const struct zl_event *ev)
{
    static const char *const steps[] = {"inspecting", "holding", "recalling",
                                        "destroying", NULL};
    static const char *const disps[] = {"recalled",       "conformant",
                                        "non_conformant", "non_sellable_other",
                                        "destroyed",      NULL};

    for (size_t i = 0; steps[i]; i++)
        if (cbv_is(ev->biz_step, "BizStep-", steps[i]))
            return 1;
    for (size_t i = 0; disps[i]; i++)
        if (cbv_is(ev->disposition, "Disp-", disps[i]))
            return 1;
    return 0;
}

/* Does the event create the identity of id (in role)? A transformation
 * creates its outputs (whatever its bizStep: a commissioning
 * transformation consumes inputs of other owners); an ObjectEvent creates
 * its EPCs and classes when it adds them or commissions them. */
static int creates(const struct zl_event *ev, enum zl_id_role role)
{
    if (role == ZL_ROLE_OUTPUT || role == ZL_ROLE_OUTPUT_QTY)
        return 1;
    if (ev->type != ZL_EV_OBJECT ||
        (role != ZL_ROLE_EPC && role != ZL_ROLE_QTY))
        return 0;
    return ev->action == ZL_ACT_ADD ||
           cbv_is(ev->biz_step, "BizStep-", "commissioning");
}

/* Places and parties an enterprise may name: its own. */
static int check_places(zl_store *s, const char *party,
                        const struct zl_event *ev, struct zl_error *err)
{
    int rc = zl_party_check_event(s, party, ev, err);

    if (rc == ZL_EPERM && err) {
        char rule[256];

        snprintf(rule, sizeof rule,
                 "%.150s (rule: a party states events at its own locations"
                 " and about its own trade; docs/access.md)",
                 err->rule);
        snprintf(err->rule, sizeof err->rule, "%s", rule);
    }
    return rc;
}

static int check_enterprise(zl_store *s, const struct zl_authz_party *me,
                            const struct zl_event *ev, struct zl_error *err)
{
    char owner[ZL_PARTY_ID_MAX];
    struct holders h;
    int located = ev->read_point || ev->biz_location;
    int recall = is_recall(ev);
    int rc;

    if ((rc = check_places(s, me->id, ev, err)))
        return rc;
    for (size_t i = 0; i < ev->n_ids; i++) {
        const struct zl_event_id *id = &ev->ids[i];
        int mine;

        rc = zl_party_prefix_owner(s, id->id, owner, NULL);
        if (rc && rc != ZL_ENOTFOUND)
            return rc;
        mine = rc == 0 && !strcmp(owner, me->id);
        if (mine)
            continue;
        if (rc == 0 && creates(ev, id->role))
            return zl_error_setf(err, ZL_EPERM, role_path(id->role), id->id,
                                 "its GS1 Company Prefix is registered to "
                                 "party %.64s: only the owner commissions "
                                 "or produces it (rule: owner; "
                                 "docs/access.md)",
                                 owner);
        if (located && !recall)
            continue;
        if ((rc = custodians(s, id->id, &h)))
            return rc;
        if (holds(&h, me->id))
            continue;
        if (recall)
            return zl_error_set(err, ZL_EPERM, role_path(id->role),
                                "only its owner, its holder or a regulator "
                                "may declare it recalled (rule: owner or "
                                "holder; docs/access.md)",
                                id->id, (size_t)-1);
        return zl_error_set(err, ZL_EPERM, role_path(id->role),
                            "the event names no location of the party, and "
                            "the party neither owns it (Company Prefix) nor "
                            "holds it (shipped to or received by it) (rule: "
                            "owner, holder or own location; docs/access.md)",
                            id->id, (size_t)-1);
    }
    return 0;
}

/* 1 if party_id is registered in region (a prefix of its region code). */
static int in_region(zl_store *s, const char *party_id, const char *region,
                     int *out)
{
    struct zl_authz_party w;
    int rc = zl_party_get(s, party_id, copy_who, &w);

    *out = 0;
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    *out = w.region[0] && !strncmp(w.region, region, strlen(region));
    return 0;
}

static int check_regulator(zl_store *s, const struct zl_authz_party *me,
                           const struct zl_event *ev, struct zl_error *err)
{
    char owner[ZL_PARTY_ID_MAX];
    struct holders h;
    int rc, ok;

    if (!is_regulatory(ev))
        return zl_error_set(err, ZL_EPERM, "bizStep",
                            "a regulator states recalls, holds and "
                            "inspections (bizStep inspecting/holding/"
                            "recalling/destroying or disposition recalled/"
                            "conformant/non_conformant...) only "
                            "(rule: regulator; docs/access.md)",
                            ev->biz_step, (size_t)-1);
    if (ev->n_ids == 0)
        return zl_error_set(err, ZL_EPERM, "epcList",
                            "a regulator's event names the goods it is "
                            "about (rule: regulator; docs/access.md)",
                            NULL, 0);
    for (size_t i = 0; i < ev->n_ids; i++) {
        const struct zl_event_id *id = &ev->ids[i];

        ok = 0;
        rc = zl_party_prefix_owner(s, id->id, owner, NULL);
        if (rc && rc != ZL_ENOTFOUND)
            return rc;
        if (!rc && (rc = in_region(s, owner, me->region, &ok)))
            return rc;
        if (!ok) {
            if ((rc = custodians(s, id->id, &h)))
                return rc;
            for (size_t k = 0; k < h.n && !ok; k++)
                if ((rc = in_region(s, h.id[k], me->region, &ok)))
                    return rc;
        }
        if (!ok)
            return zl_error_setf(err, ZL_EPERM, role_path(id->role), id->id,
                                 "neither its owner nor its holder is "
                                 "registered in the regulator's region %.8s "
                                 "(rule: regulator; docs/access.md)",
                                 me->region);
    }
    return 0;
}

/* A correction (errorDeclaration on a stored event) by the party that
 * captured the original. */
struct orig {
    const char *party;
    int mine;
};

static int orig_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct orig *o = ctx;

    o->mine = ev->party && !strcmp(ev->party, o->party);
    return 0;
}

int zl_authz_party(zl_store *s, const char *party_id,
                   struct zl_authz_party *out, struct zl_error *err)
{
    int rc = zl_party_get(s, party_id, copy_who, out);

    if (rc == ZL_ENOTFOUND)
        return zl_error_set(err, ZL_ENOTFOUND, "party",
                            "no such party (rule: only registered parties "
                            "write; docs/access.md)",
                            party_id, (size_t)-1);
    return rc;
}

int zl_authz_check_event_as(zl_store *s, const struct zl_authz_party *me,
                            const struct zl_event *ev, struct zl_error *err)
{
    int rc;

    if (ev->has_error_declaration) {
        struct orig o = {me->id, 0};

        rc = zl_store_event_get(s, ev->hash, orig_cb, &o);
        if (rc && rc != ZL_ENOTFOUND)
            return rc;
        if (!rc && o.mine)
            return 0;
    }
    switch (me->kind) {
    case ZL_PARTY_ENTERPRISE: return check_enterprise(s, me, ev, err);
    case ZL_PARTY_REGULATOR: return check_regulator(s, me, ev, err);
    case ZL_PARTY_OPERATOR: break;
    }
    return zl_error_set(err, ZL_EPERM, "party",
                        "an operator administers parties and tokens and "
                        "does not state events on others' behalf (rule: "
                        "operator; docs/access.md)",
                        me->id, (size_t)-1);
}

int zl_authz_check_event(zl_store *s, const char *party_id,
                         const struct zl_event *ev, struct zl_error *err)
{
    struct zl_authz_party me;
    int rc = zl_authz_party(s, party_id, &me, err);

    return rc ? rc : zl_authz_check_event_as(s, &me, ev, err);
}
