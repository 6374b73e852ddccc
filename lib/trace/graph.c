/*
 * graph.c - the event graph the trace engine reads (see trace_int.h):
 * string interning, event table and lazy batched loading from the store's
 * persistent trace index (store_tix.h).
 *
 * Interning and the event table are index tables (util/itab.h) of int32
 * ids over growable arrays, so a node is 4 bytes wherever it is referred
 * to. Strings live in an arena of 1 MiB chunks that is freed at once.
 *
 * Lazy loading asks for all the keys of one step of a level in one batch
 * (their entries, then the records of the events they name, then the
 * strings of keys not seen yet), which is one round trip per step on a
 * server backend. Rejected: one query per identifier (a trace of 10 levels
 * over 1000 nodes would make 1000 round trips); recursive SQL (DESIGN.md:
 * does not distribute); a graph loaded whole into memory before tracing
 * (800 bytes an event and minutes to load at 10M events).
 *
 * An event's CTE, retail sale and source/destination slots are decided on
 * the enums the store resolved on read (zhiliang/cbv.h), never on URI
 * text: a suffix match made void_shipping a shipment and an ADD with
 * unpacking an initial packing.
 */
#include "trace/trace_int.h"

#include "store/store_tix.h"
#include "util/alloc.h"
#include "util/itab.h"
#include "util/sort.h"
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK ((size_t)1 << 20)

/* The strings' table hash (util/strmap.h: in memory only). */
static uint64_t hash_bytes(const void *p, size_t n)
{
    return zl_hash_bytes(p, n);
}

/* A packed copy of s[0..len) in the graph's arena, counted in g->bytes. */
static char *arena_dup(struct tg *g, const char *s, size_t len)
{
    size_t held = g->arena.held;
    char *p = zl_arena_strndup_packed(&g->arena, s, len);

    g->bytes += g->arena.held - held;
    return p;
}

/* Grow an array of elem-sized items to hold at least need. */
int tg_grow32(void **arr, uint32_t *cap, size_t need, size_t elem,
              size_t *bytes)
{
    size_t nc;
    void *p;

    if (need <= *cap)
        return 0;
    /* a first size asked for is given exactly (rows sized by run) */
    nc = *cap ? (size_t)*cap * 2 : (need > 4 ? need : 4);
    while (nc < need)
        nc *= 2;
    if (nc > UINT32_MAX)
        return ZL_ELIMIT;
    p = zl_realloc(*arr, nc * elem);
    if (p == NULL)
        return ZL_ENOMEM;
    *bytes += (nc - *cap) * elem;
    *arr = p;
    *cap = (uint32_t)nc;
    return 0;
}

int tg_init(struct tg *g, zl_store *s)
{
    memset(g, 0, sizeof(*g));
    zl_arena_init_chunk(&g->arena, (size_t)-1, CHUNK);
    g->store = s;
    return 0;
}

void tg_cleanup(struct tg *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n_strs; i++) {
        if (g->strs[i].cap_rows)
            zl_free(g->strs[i].rows);
        zl_free(g->strs[i].tid_ev);
    }
    zl_free(g->strs);
    zl_itab_free(&g->smap);
    zl_free(g->evs);
    zl_itab_free(&g->kmap);
    zl_itab_free(&g->xmap);
    zl_arena_free(&g->arena);
    memset(g, 0, sizeof(*g));
}

void tg_mark(struct tg *g, uint64_t gen)
{
    g->token = gen;
    if (zl_tix_epoch(g->store, &g->epoch) ||
        zl_tix_last_eid(g->store, &g->last_eid))
        g->last_eid = -1;
}

/* The most events added since a graph was read that tg_refresh reads to
 * keep it: past this, a new graph costs less than finding what to drop. */
#define REFRESH_MAX 65536

/* The key ids an added event names (its identifiers and its
 * transformationID), appended to the kids vector ctx. */
struct named {
    int64_t *kid;
    size_t n, cap;
};

static int named_push(struct named *nm, int64_t kid)
{
    if (kid <= 0)
        return 0;
    if (zl_grow((void **)&nm->kid, &nm->cap, nm->n + 1, sizeof(*nm->kid), 256,
                NULL))
        return ZL_ENOMEM;
    nm->kid[nm->n++] = kid;
    return 0;
}

static int named_cb(void *ctx, const struct zl_tix_event *e)
{
    struct named *nm = ctx;
    struct zl_tix_ids_rd rd;
    struct zl_tix_ref x;
    int rc;

    zl_tix_ids_begin(&rd, e->ids_p, e->ids_len, e->n_ids);
    while ((rc = zl_tix_ids_next(&rd, &x)) == 1)
        if ((rc = named_push(nm, x.kid)) < 0)
            return rc;
    return rc < 0 ? rc : named_push(nm, e->key[ZL_TIX_TID]);
}

static int cmp_kid(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

    return (a > b) - (a < b);
}

int tg_refresh(struct tg *g, uint64_t gen)
{
    struct named nm = {0};
    int64_t last, *eids;
    uint64_t epoch;
    int rc;

    if (g->last_eid < 0 || zl_tix_epoch(g->store, &epoch) ||
        epoch != g->epoch || zl_tix_last_eid(g->store, &last) ||
        last < g->last_eid || last - g->last_eid > REFRESH_MAX)
        return 1;
    if (!(eids = zl_malloc((size_t)(last - g->last_eid + 1) * sizeof(*eids))))
        return 1;
    for (int64_t e = g->last_eid + 1; e <= last; e++)
        eids[e - g->last_eid - 1] = e;
    rc = zl_tix_event_keys(g->store, eids, (size_t)(last - g->last_eid),
                           named_cb, &nm);
    zl_free(eids);
    if (rc) {
        zl_free(nm.kid);
        return 1;
    }
    qsort(nm.kid, nm.n, sizeof(*nm.kid), cmp_kid);
    for (size_t i = 0; i < g->n_strs; i++) {
        struct tg_str *st = &g->strs[i];

        /* a key the index lacked (it may have it now: asked again), or
         * one an added event names */
        if (st->kid == -1 ||
            (st->kid > 0 && nm.n &&
             bsearch(&st->kid, nm.kid, nm.n, sizeof(*nm.kid), cmp_kid))) {
            if (st->kid == -1)
                st->kid = 0;
            st->flags &=
                (uint8_t) ~(TG_S_ROWS | TG_S_TID | TG_S_SORTED | TG_S_PACKED);
            st->n_rows = 0;
            st->n_tid = 0;
        }
    }
    zl_free(nm.kid);
    g->token = gen;
    g->last_eid = last;
    return 0;
}

void tg_unref(struct tg *g)
{
    if (g && atomic_fetch_sub(&g->refs, 1) == 1) {
        tg_cleanup(g);
        zl_free(g);
    }
}

static uint64_t str_hash_of(const void *ctx, int32_t sid)
{
    const struct tg *g = ctx;

    return g->strs[sid].h;
}

/* tg_find with the string's hash h (hash_bytes) already made. */
static int32_t find_h(const struct tg *g, const char *s, size_t len, uint64_t h)
{
    if (g->smap.cap == 0)
        return -1;
    for (size_t i = zl_itab_start(&g->smap, h); g->smap.slot[i];
         i = zl_itab_step(&g->smap, i)) {
        const struct tg_str *e = &g->strs[g->smap.slot[i] - 1];

        if (e->h == h && e->len == len && memcmp(e->s, s, len) == 0)
            return g->smap.slot[i] - 1;
    }
    return -1;
}

int32_t tg_find(const struct tg *g, const char *s, size_t len)
{
    return g->smap.cap == 0 ? -1 : find_h(g, s, len, hash_bytes(s, len));
}

int32_t tg_intern(struct tg *g, const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    int32_t sid = find_h(g, s, len, h);
    struct tg_str *e;
    int rc;

    if (sid >= 0)
        return sid;
    if (g->n_strs >= INT32_MAX - 1)
        return ZL_ELIMIT;
    if ((rc = zl_itab_reserve(&g->smap, g->n_strs, 1024, str_hash_of, g,
                              &g->bytes)) < 0)
        return rc;
    if ((rc = zl_grow((void **)&g->strs, &g->cap_strs, g->n_strs + 1,
                      sizeof(*g->strs), 64, &g->bytes)) < 0)
        return rc;
    e = &g->strs[g->n_strs];
    memset(e, 0, sizeof(*e));
    e->s = arena_dup(g, s, len);
    if (e->s == NULL)
        return ZL_ENOMEM;
    e->len = (uint32_t)len;
    e->kind = (uint8_t)tg_classify(e->s);
    e->h = h;
    zl_itab_put(&g->smap, e->h, (int32_t)g->n_strs);
    return (int32_t)g->n_strs++;
}

int tg_name(struct tg *g, int32_t sid, const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    int32_t other = find_h(g, s, len, h); /* then found by its key */
    struct tg_str *e;
    int rc;

    if (other < 0 && (rc = zl_itab_reserve(&g->smap, g->n_strs, 1024,
                                           str_hash_of, g, &g->bytes)) < 0)
        return rc;
    e = &g->strs[sid];
    if (!(e->s = arena_dup(g, s, len)))
        return ZL_ENOMEM;
    e->len = (uint32_t)len;
    e->kind = (uint8_t)tg_classify(e->s);
    e->h = h;
    if (other < 0)
        zl_itab_put(&g->smap, e->h, sid);
    return 0;
}

int tg_add_row(struct tg *g, struct tg_str *st, int32_t eid, int role)
{
    int rc = tg_grow32((void **)&st->rows, &st->cap_rows,
                       (size_t)st->n_rows + 1, sizeof(*st->rows), &g->bytes);

    if (rc < 0)
        return rc;
    st->rows[st->n_rows].x = eid;
    st->rows[st->n_rows++].role = (uint8_t)role;
    st->flags &= (uint8_t)~TG_S_SORTED; /* until tg_need_rows sorts them */
    return 0;
}

/* ---- classification --------------------------------------------------------
 */

enum zl_trace_kind tg_classify(const char *id)
{
    static const char dl[] = "https://id.gs1.org/";
    const char *p;

    if (strncmp(id, dl, sizeof(dl) - 1) != 0)
        return ZL_TK_OTHER;
    p = id + sizeof(dl) - 1;
    if (strncmp(p, "01/", 3) == 0) {
        const char *q = strchr(p + 3, '/');

        if (q == NULL)
            return ZL_TK_CLASS;
        if (strncmp(q, "/10/", 4) == 0)
            return strstr(q, "/21/") ? ZL_TK_ITEM : ZL_TK_LOT;
        return ZL_TK_ITEM;
    }
    if (strncmp(p, "00/", 3) == 0)
        return ZL_TK_CONTAINER;
    if (strncmp(p, "8003/", 5) == 0)
        return strlen(p + 5) > 14 ? ZL_TK_ASSET : ZL_TK_CLASS;
    if (strncmp(p, "8004/", 5) == 0)
        return ZL_TK_ASSET;
    if (strncmp(p, "414/", 4) == 0)
        return ZL_TK_LOCATION;
    if (strncmp(p, "417/", 4) == 0)
        return ZL_TK_PARTY;
    return ZL_TK_OTHER;
}

int tg_consumer(enum zl_biz_step step, enum zl_disposition disp)
{
    return step == ZL_BIZ_STEP_RETAIL_SELLING || disp == ZL_DISP_RETAIL_SOLD;
}

/* ---- lazy loads from the persistent index (store_tix.h) -------------------
 * Strings carry their key id once known (kid; -1: the index has no such
 * key) and events their index id (xeid); kmap and xmap find them back.
 * One record read gives an event's identifiers (by key id), times and
 * vocabulary: an event enters the graph with them (load_x); strings are
 * read only for what a trace shows (tg_need_names, tg_need_meta). */

static uint64_t mix64(int64_t v)
{
    uint64_t x = (uint64_t)v * 0x9E3779B97F4A7C15ull;

    return x ^ (x >> 29);
}

static uint64_t kid_hash_of(const void *ctx, int32_t sid)
{
    const struct tg *g = ctx;

    return mix64(g->strs[sid].kid);
}

static uint64_t xeid_hash_of(const void *ctx, int32_t eid)
{
    const struct tg *g = ctx;

    return mix64(g->evs[eid].xeid);
}

int32_t tg_sid_of_kid(const struct tg *g, int64_t kid)
{
    if (g->kmap.cap == 0 || kid <= 0)
        return -1;
    for (size_t h = zl_itab_start(&g->kmap, mix64(kid)); g->kmap.slot[h];
         h = zl_itab_step(&g->kmap, h))
        if (g->strs[g->kmap.slot[h] - 1].kid == kid)
            return g->kmap.slot[h] - 1;
    return -1;
}

/* Record that sid is key kid. */
static int set_kid(struct tg *g, int32_t sid, int64_t kid)
{
    int rc;

    g->strs[sid].kid = kid;
    if (kid <= 0 || tg_sid_of_kid(g, kid) >= 0)
        return 0;
    if ((rc = zl_itab_reserve(&g->kmap, g->n_kmap, 1024, kid_hash_of, g,
                              &g->bytes)) < 0)
        return rc;
    zl_itab_put(&g->kmap, mix64(kid), sid);
    g->n_kmap++;
    return 0;
}

/* The event of index id xeid, created (empty) when missing. */
/* The sid of key kid, created without its string when new (named later
 * by tg_need_names: a trace reads many more identifiers than it shows). */
static int32_t sid_for_kid(struct tg *g, int64_t kid)
{
    int32_t sid = tg_sid_of_kid(g, kid);
    int rc;

    if (sid >= 0)
        return sid;
    if (g->n_strs >= INT32_MAX - 1)
        return ZL_ELIMIT;
    if ((rc = zl_grow((void **)&g->strs, &g->cap_strs, g->n_strs + 1,
                      sizeof(*g->strs), 64, &g->bytes)) < 0)
        return rc;
    memset(&g->strs[g->n_strs], 0, sizeof(*g->strs));
    sid = (int32_t)g->n_strs++;
    return (rc = set_kid(g, sid, kid)) < 0 ? rc : sid;
}

/* The event of index id xeid, or -1. */
static int32_t find_x(const struct tg *g, int64_t xeid)
{
    if (g->xmap.cap)
        for (size_t h = zl_itab_start(&g->xmap, mix64(xeid)); g->xmap.slot[h];
             h = zl_itab_step(&g->xmap, h))
            if (g->evs[g->xmap.slot[h] - 1].xeid == xeid)
                return g->xmap.slot[h] - 1;
    return -1;
}

/* The event of index id xeid, created (empty) when missing. */
static int32_t event_of_x(struct tg *g, int64_t xeid)
{
    struct tg_event *e;
    int32_t eid = find_x(g, xeid);
    int rc;

    if (eid >= 0)
        return eid;
    if (g->n_evs >= INT32_MAX - 1)
        return ZL_ELIMIT;
    if ((rc = zl_itab_reserve(&g->xmap, g->n_evs, 1024, xeid_hash_of, g,
                              &g->bytes)) < 0 ||
        (rc = zl_grow((void **)&g->evs, &g->cap_evs, g->n_evs + 1,
                      sizeof(*g->evs), 64, &g->bytes)) < 0)
        return rc;
    e = &g->evs[g->n_evs];
    memset(e, 0, sizeof(*e));
    e->xeid = xeid;
    e->tid = e->biz_step = e->disp = e->bizloc = e->readpt = -1;
    e->so = e->sp = e->sl = e->dso = e->dsp = e->dsl = -1;
    zl_itab_put(&g->xmap, mix64(xeid), (int32_t)g->n_evs);
    return (int32_t)g->n_evs++;
}

/* Resolve the key ids of sids[0..n) not yet looked up (one batch). */
int tg_need_keys(struct tg *g, const int32_t *sids, size_t n)
{
    const char **keys = NULL;
    size_t *lens = NULL, k = 0;
    int32_t *which = NULL;
    int64_t *kids = NULL;
    int rc = 0;

    if (!n)
        return 0;
    keys = zl_malloc(n * sizeof(*keys));
    lens = zl_malloc(n * sizeof(*lens));
    which = zl_malloc(n * sizeof(*which));
    kids = zl_malloc(n * sizeof(*kids));
    if (!keys || !lens || !which || !kids) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct tg_str *st = &g->strs[sids[i]];

        if (st->kid != 0)
            continue;
        st->kid = -2; /* asked in this batch */
        which[k] = sids[i];
        keys[k] = st->s;
        lens[k++] = st->len;
    }
    if (k && (rc = zl_tix_find_keys(g->store, keys, lens, k, kids)) < 0)
        goto out;
    for (size_t i = 0; i < k && rc >= 0; i++)
        rc = set_kid(g, which[i], kids[i] ? kids[i] : -1);
out:
    if (rc < 0)
        for (size_t i = 0; i < k; i++)
            if (g->strs[which[i]].kid == -2)
                g->strs[which[i]].kid = 0;
    zl_free(keys);
    zl_free(lens);
    zl_free(which);
    zl_free(kids);
    return rc < 0 ? rc : 0;
}

int32_t tg_ref_sid(struct tg *g, struct tg_ref *r)
{
    return r->x >= 0 ? r->x : (r->x = sid_for_kid(g, r->kid));
}

int32_t tg_by_key(struct tg *g, int32_t sid)
{
    int32_t k = g->strs[sid].kid > 0 ? tg_sid_of_kid(g, g->strs[sid].kid) : -1;
    int rc;

    if (k < 0 || k == sid)
        return sid;
    /* known by its key alone so far (a graph kept from earlier traces) */
    if (!g->strs[k].s &&
        (rc = tg_name(g, k, g->strs[sid].s, g->strs[sid].len)) < 0)
        return rc;
    return k;
}

/* Records read, waiting to enter the graph in content order; their
 * identifiers' codes already copied into the graph's arena. */
struct recs {
    struct tg *g;
    struct zl_tix_event *ev;
    size_t n, cap;
    int64_t *unknown; /* key ids without a string yet */
    size_t n_unknown, cap_unknown;
};

static int want_kid(struct recs *r, int64_t kid)
{
    int32_t sid = kid > 0 ? tg_sid_of_kid(r->g, kid) : -1;

    if (kid <= 0 || (sid >= 0 && r->g->strs[sid].s))
        return 0;
    if (zl_grow((void **)&r->unknown, &r->cap_unknown, r->n_unknown + 1,
                sizeof(*r->unknown), 64, NULL))
        return ZL_ENOMEM;
    r->unknown[r->n_unknown++] = kid;
    return 0;
}

static int rec_cb(void *ctx, const struct zl_tix_event *e)
{
    struct recs *r = ctx;
    struct zl_tix_event *x;
    size_t held = r->g->arena.held;

    if (e->n_ids > UINT32_MAX || e->ids_len > UINT32_MAX)
        return ZL_ELIMIT;
    if (zl_grow((void **)&r->ev, &r->cap, r->n + 1, sizeof(*r->ev), 64, NULL))
        return ZL_ENOMEM;
    x = &r->ev[r->n++];
    *x = *e;
    /* the codes outlive the callback; decoded by rank when asked */
    x->ids_p = NULL;
    if (e->ids_len && !(x->ids_p = zl_arena_alloc(&r->g->arena, e->ids_len)))
        return ZL_ENOMEM;
    if (e->ids_len)
        memcpy((void *)x->ids_p, e->ids_p, e->ids_len);
    r->g->bytes += r->g->arena.held - held;
    return 0;
}

static int key_cb(void *ctx, int64_t kid, const char *key, size_t len)
{
    struct tg *g = ctx;
    int32_t sid = tg_sid_of_kid(g, kid);

    if (sid >= 0) /* a sid known by its key alone: name it */
        return g->strs[sid].s ? 0 : tg_name(g, sid, key, len);
    sid = tg_intern(g, key, len);
    return sid < 0 ? sid : set_kid(g, sid, kid);
}

static int fill_event(struct tg *g, const struct zl_tix_event *x)
{
    int32_t eid = event_of_x(g, x->eid), tid;
    struct tg_event *e;

    if (eid < 0)
        return eid;
    e = &g->evs[eid];
    if (e->flags & TG_EV_IDS)
        return 0;
    memcpy(e->hash, x->hash, 32);
    e->type = (uint8_t)x->type;
    e->action = (uint8_t)x->action;
    e->t = x->event_time_ms;
    e->rt = x->record_time_ms;
    e->tz = (int16_t)x->tz_offset_min;
    e->vstep = (uint8_t)x->step;
    e->vdisp = (uint8_t)x->disp;
    e->cte = (uint8_t)zl_cte_classify(x->type, x->action, x->step);
    e->consumer = (uint8_t)tg_consumer(x->step, x->disp);
    memcpy(e->mk, x->key, sizeof e->mk);
    /* the transformationID groups events: its key id is enough to follow
     * it (named, like every string, only when shown) */
    tid = x->key[ZL_TIX_TID] ? sid_for_kid(g, x->key[ZL_TIX_TID]) : -1;
    if (tid < -1)
        return tid;
    e = &g->evs[eid];
    e->tid = tid;
    e->n_ids = (uint32_t)x->n_ids;
    e->code = x->ids_p;
    e->n_code = (uint32_t)x->ids_len;
    e->flags |= TG_EV_IDS | (x->erroneous ? TG_EV_ERR : 0);
    if (!e->n_ids) /* nothing to decode */
        e->flags |=
            TG_EV_COUNTED | TG_EV_RANK | TG_EV_RANK << 1 | TG_EV_RANK << 2;
    return 0;
}

/* Units met while decoding, named in one batch (name_units). */
struct units {
    int32_t *sid;
    size_t n, cap;
};

/* Decode rank k of event eid into the graph's arena (its units as sids,
 * those without a string yet listed in u). */
static int decode_rank(struct tg *g, int32_t eid, int k, struct units *u)
{
    struct tg_event *e = &g->evs[eid];
    struct zl_tix_ids_rd rd;
    struct zl_tix_ref x;
    struct tg_ref *out;
    uint32_t n[TG_N_RANKS] = {0, 0, 0}, pos = 0, at = 0;
    size_t held = g->arena.held;
    int64_t uom_kid = 0;
    int32_t uom_sid = -1;
    int rc;

    if (e->flags & (TG_EV_RANK << k))
        return 0;
    /* a pass to count each rank (the codes are a few bytes an
     * identifier; counted once an event), then one to keep the rank's:
     * no scratch array, nothing grown */
    if (!(e->flags & TG_EV_COUNTED)) {
        uint32_t by_role[32] = {0};

        if ((rc = zl_tix_ids_count(e->code, e->n_code, e->n_ids, by_role)) < 0)
            return rc;
        n[0] = by_role[ZL_ROLE_INPUT] + by_role[ZL_ROLE_INPUT_QTY];
        n[2] = by_role[ZL_ROLE_OUTPUT] + by_role[ZL_ROLE_OUTPUT_QTY];
        n[1] = e->n_ids - n[0] - n[2]; /* tg_role_rank's other roles */
        memcpy(e->n_rank, n, sizeof n);
        e->flags |= TG_EV_COUNTED;
    }
    memcpy(n, e->n_rank, sizeof n);
    out = n[k] ? zl_arena_alloc(&g->arena, n[k] * sizeof(*out)) : NULL;
    if (n[k] && !out)
        return ZL_ENOMEM;
    g->bytes += g->arena.held - held;
    zl_tix_ids_begin(&rd, e->code, e->n_code, e->n_ids);
    for (; at < n[k] && (rc = zl_tix_ids_next(&rd, &x)) == 1; pos++) {
        struct tg_ref *r;

        if (tg_role_rank(x.role) != k)
            continue;
        r = &out[at++];
        if (x.uom != uom_kid) { /* one unit for most of a list */
            uom_kid = x.uom;
            uom_sid = uom_kid > 0 ? sid_for_kid(g, uom_kid) : -1;
            if (uom_sid < -1)
                return uom_sid;
            if (uom_sid >= 0 && !g->strs[uom_sid].s &&
                zl_grow((void **)&u->sid, &u->cap, u->n + 1, sizeof(*u->sid),
                        16, NULL))
                return ZL_ENOMEM;
            if (uom_sid >= 0 && !g->strs[uom_sid].s)
                u->sid[u->n++] = uom_sid;
        }
        r->x = -1; /* a sid when followed (tg_ref_sid) */
        r->uom = uom_sid;
        r->kid = x.kid;
        r->qty = x.qty;
        r->pos = pos;
        r->role = x.role;
        r->has_qty = x.has_qty;
    }
    if (rc < 0)
        return rc;
    e = &g->evs[eid]; /* sid_for_kid grows strs, not evs: same event */
    e->rank[k] = out;
    e->flags |= (uint8_t)(TG_EV_RANK << k);
    return 0;
}

/* Name the units u lists (a unit the index has no string for stays
 * without one: shown as none, as a missing key always was). */
static int name_units(struct tg *g, struct units *u)
{
    struct recs r = {.g = g};
    int rc = 0;

    for (size_t i = 0; i < u->n && !rc; i++)
        if (!g->strs[u->sid[i]].s)
            rc = want_kid(&r, g->strs[u->sid[i]].kid);
    if (!rc && r.n_unknown)
        rc = zl_tix_key_strings(g->store, r.unknown, r.n_unknown, key_cb, g);
    zl_free(r.unknown);
    zl_free(u->sid);
    u->sid = NULL;
    u->n = u->cap = 0;
    return rc < 0 ? rc : (rc > 0 ? ZL_ESTORE : 0);
}

int tg_need_ids(struct tg *g, const int32_t *eids, size_t n, int rank)
{
    struct units u = {0};
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++)
        if (g->evs[eids[i]].flags & TG_EV_IDS)
            rc = decode_rank(g, eids[i], rank, &u);
    if (rc) {
        zl_free(u.sid);
        return rc;
    }
    return name_units(g, &u);
}

int tg_ids(struct tg *g, int32_t eid, int rank, struct tg_ref **out,
           uint32_t *n)
{
    struct tg_event *e = &g->evs[eid];
    int rc;

    if (!(e->flags & (TG_EV_RANK << rank))) {
        if (!(e->flags & TG_EV_IDS)) { /* never read: no identifiers */
            *out = NULL;
            *n = 0;
            return 0;
        }
        if ((rc = tg_need_ids(g, &eid, 1, rank)) < 0)
            return rc;
        e = &g->evs[eid];
    }
    *out = e->rank[rank];
    *n = e->n_rank[rank];
    return 0;
}

/* Content order of records: event time, then hash. Local event ids are
 * handed out in this order, so a trace's answer never depends on the
 * index's own ids (which a rebuild renumbers). */
static int rec_order(const void *x, const void *y, void *ctx)
{
    const struct recs *r = ctx;
    const struct zl_tix_event *a = &r->ev[*(const size_t *)x],
                              *b = &r->ev[*(const size_t *)y];

    if (a->event_time_ms != b->event_time_ms)
        return a->event_time_ms < b->event_time_ms ? -1 : 1;
    return memcmp(a->hash, b->hash, 32);
}

/* Load the events of index ids x[0..n) (sorted in place) not loaded yet:
 * their records, identifiers left coded (decoded by rank when a trace
 * follows them: tg_ids). */
static int load_x(struct tg *g, int64_t *x, size_t n)
{
    struct recs r = {.g = g};
    size_t k = 0, *order = NULL;
    int rc = 0;

    /* the events not in the graph yet, each once (hundreds of entries
     * name one filling event, not next to each other): only those are
     * sorted */
    for (size_t i = 0; i < n; i++)
        if ((k == 0 || x[i] != x[k - 1]) && find_x(g, x[i]) < 0)
            x[k++] = x[i];
    if (k > 256) { /* a set of those seen (ids are > 0; 0 kept apart) */
        size_t cap = 512, m = 0;
        int64_t *set;

        while (cap < 2 * k)
            cap *= 2;
        if (!(set = zl_calloc(cap, sizeof(*set))))
            return ZL_ENOMEM;
        for (size_t i = 0; i < k; i++) {
            size_t h = mix64(x[i]) & (cap - 1);

            if (x[i] == 0) {
                x[m++] = x[i];
                continue;
            }
            while (set[h] && set[h] != x[i])
                h = (h + 1) & (cap - 1);
            if (!set[h]) {
                set[h] = x[i];
                x[m++] = x[i];
            }
        }
        zl_free(set);
        k = m;
    }
    zl_sort_i64(x, k);
    n = k;
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || x[i] != x[k - 1])
            x[k++] = x[i];
    if (!k)
        return 0;
    rc = zl_tix_events(g->store, x, k, rec_cb, &r);
    if (!rc && r.n) {
        int sorted = 1;

        if (!(order = zl_malloc(r.n * sizeof(*order))))
            rc = ZL_ENOMEM;
        for (size_t i = 0; i < r.n && !rc; i++) {
            order[i] = i;
            if (i && sorted && rec_order(&order[i - 1], &order[i], &r) > 0)
                sorted = 0;
        }
        /* numbered as captured, records mostly come in time order */
        if (!rc && !sorted)
            qsort_r(order, r.n, sizeof(*order), rec_order, &r);
    }
    for (size_t i = 0; i < r.n && !rc; i++)
        rc = fill_event(g, &r.ev[order[i]]);
    zl_free(order);
    zl_free(r.ev);
    return rc < 0 ? rc : (rc > 0 ? ZL_ESTORE : 0);
}

int tg_need_names(struct tg *g, const int32_t *sids, size_t n)
{
    struct recs r = {.g = g};
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++)
        if (!g->strs[sids[i]].s)
            rc = want_kid(&r, g->strs[sids[i]].kid);
    if (!rc && r.n_unknown)
        rc = zl_tix_key_strings(g->store, r.unknown, r.n_unknown, key_cb, g);
    for (size_t i = 0; i < n && !rc; i++)
        if (!g->strs[sids[i]].s)
            rc = ZL_ESTORE; /* a record names a key that is not there */
    zl_free(r.unknown);
    return rc < 0 ? rc : (rc > 0 ? ZL_ESTORE : 0);
}

/* The strings beside the identifiers (tid, bizStep, locations, parties)
 * of events eids[0..n): one batch for those not seen yet. */
int tg_need_meta(struct tg *g, const int32_t *eids, size_t n)
{
    struct recs r = {.g = g};
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        const struct tg_event *e = &g->evs[eids[i]];

        if (!(e->flags & TG_EV_META))
            for (int k = 0; k < ZL_TIX_N_STR && !rc; k++)
                rc = want_kid(&r, e->mk[k]);
    }
    if (!rc && r.n_unknown)
        rc = zl_tix_key_strings(g->store, r.unknown, r.n_unknown, key_cb, g);
    for (size_t i = 0; i < n && !rc; i++) {
        struct tg_event *e = &g->evs[eids[i]];
        int32_t *slot[ZL_TIX_N_STR] = {
            &e->tid, &e->biz_step, &e->disp, &e->bizloc, &e->readpt, &e->so,
            &e->sp,  &e->sl,       &e->dso,  &e->dsp,    &e->dsl};

        if (e->flags & TG_EV_META)
            continue;
        for (int k = 0; k < ZL_TIX_N_STR; k++)
            *slot[k] = tg_sid_of_kid(g, e->mk[k]);
        e->flags |= TG_EV_META;
    }
    zl_free(r.unknown);
    return rc < 0 ? rc : (rc > 0 ? ZL_ESTORE : 0);
}

/* Index entries of some keys, read in one batch. */
struct hits {
    struct tg *g;
    int lo, hi; /* roles kept */
    struct hit {
        int64_t xeid;
        int32_t sid, eid;
        int role;
    } * v;
    size_t n, cap;
    int64_t *x; /* the hits' index event ids */
};

static int hit_cb(void *ctx, int64_t kid, int64_t xeid, int role)
{
    struct hits *h = ctx;

    if (role < h->lo || role > h->hi)
        return 0;
    if (zl_grow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v), 64, NULL))
        return ZL_ENOMEM;
    h->v[h->n++] = (struct hit){xeid, tg_sid_of_kid(h->g, kid), -1, role};
    return 0;
}

/* The entries of sids[0..n) with roles lo..hi, their events loaded. */
static int read_hits(struct tg *g, const int32_t *sids, size_t n, int lo,
                     int hi, struct hits *h)
{
    int64_t *kids;
    size_t k = 0;
    int rc;

    memset(h, 0, sizeof(*h));
    h->g = g;
    h->lo = lo;
    h->hi = hi;
    if ((rc = tg_need_keys(g, sids, n)) < 0)
        return rc;
    if (!(kids = zl_malloc((n ? n : 1) * sizeof(*kids))))
        return ZL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (g->strs[sids[i]].kid > 0)
            kids[k++] = g->strs[sids[i]].kid;
    rc = zl_tix_rows(g->store, kids, k, lo, hi, hit_cb, h);
    zl_free(kids);
    if (!rc && h->n && !(h->x = zl_malloc(h->n * sizeof(*h->x))))
        rc = ZL_ENOMEM;
    for (size_t i = 0; i < h->n && !rc; i++)
        h->x[i] = h->v[i].xeid;
    if (!rc)
        rc = load_x(g, h->x, h->n);
    /* an entry whose record is missing (a damaged index) links nothing */
    for (size_t i = 0; i < h->n && !rc; i++)
        h->v[i].eid = find_x(g, h->v[i].xeid);
    return rc < 0 ? rc : 0;
}

static void hits_free(struct hits *h)
{
    zl_free(h->v);
    zl_free(h->x);
}

/* Occurrence order within an identifier: event time, then hash, then
 * role (what the identifier rows were ordered by). */
static int row_cmp(const void *x, const void *y, void *ctx)
{
    const struct tg *g = ctx;
    const struct tg_row *a = x, *b = y;
    const struct tg_event *ea = &g->evs[a->x], *eb = &g->evs[b->x];
    int c;

    if (ea->t != eb->t)
        return ea->t < eb->t ? -1 : 1;
    if ((c = memcmp(ea->hash, eb->hash, 32)))
        return c;
    return (int)a->role - (int)b->role;
}

/* 1 when st's rows are in row_cmp's order already (the store gives an
 * identifier's occurrences by event time: mostly they are). */
static int rows_sorted(const struct tg *g, const struct tg_str *st)
{
    for (uint32_t i = 1; i < st->n_rows; i++)
        if (row_cmp(&st->rows[i - 1], &st->rows[i], (void *)g) > 0)
            return 0;
    return 1;
}

/* 1 when one of st's rows adds it to a container (TG_S_PACKED). */
static int rows_pack(const struct tg *g, const struct tg_str *st)
{
    for (uint32_t i = 0; i < st->n_rows; i++) {
        const struct tg_event *e = &g->evs[st->rows[i].x];
        int role = st->rows[i].role;

        if ((e->type == ZL_EV_AGGREGATION || e->type == ZL_EV_ASSOCIATION) &&
            e->action == ZL_ACT_ADD &&
            (role == ZL_ROLE_CHILD || role == ZL_ROLE_CHILD_QTY))
            return 1;
    }
    return 0;
}

/* The sids of sids[0..n) without `done` in their flags, each once, in
 * *todo (new, zl_free) with *k. 0 or ZL_ENOMEM. */
static int todo_of(struct tg *g, const int32_t *sids, size_t n, unsigned done,
                   int32_t **todo, size_t *k)
{
    *k = 0;
    if (!(*todo = zl_malloc((n ? n : 1) * sizeof(**todo))))
        return ZL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct tg_str *st = &g->strs[sids[i]];

        if (st->flags & (done | TG_S_ASKED))
            continue;
        st->flags |= TG_S_ASKED;
        (*todo)[(*k)++] = sids[i];
    }
    for (size_t i = 0; i < *k; i++)
        g->strs[(*todo)[i]].flags &= (uint8_t)~TG_S_ASKED;
    return 0;
}

int tg_need_rows(struct tg *g, const int32_t *sids, size_t n)
{
    struct hits h;
    int32_t *todo;
    size_t k;
    int rc;

    if (!n)
        return 0;
    if ((rc = todo_of(g, sids, n, TG_S_ROWS, &todo, &k)) < 0)
        return rc;
    rc = read_hits(g, todo, k, ZL_ROLE_EPC, ZL_ROLE_OUTPUT_QTY, &h);
    /* a key's entries come together: its rows are sized once a run, not
     * doubled from 4 (a lot's hundreds of rows moved eight times) */
    for (size_t i = 0, j; i < h.n && rc >= 0; i = j) {
        for (j = i + 1; j < h.n && h.v[j].sid == h.v[i].sid; j++)
            ;
        if (h.v[i].sid >= 0) {
            struct tg_str *st = &g->strs[h.v[i].sid];

            rc = tg_grow32((void **)&st->rows, &st->cap_rows,
                           (size_t)st->n_rows + (j - i), sizeof(*st->rows),
                           &g->bytes);
        }
        for (size_t m = i; m < j && rc >= 0; m++)
            if (h.v[m].sid >= 0 && h.v[m].eid >= 0 &&
                !(g->evs[h.v[m].eid].flags & TG_EV_ERR))
                rc = tg_add_row(g, &g->strs[h.v[m].sid], h.v[m].eid,
                                h.v[m].role);
    }
    for (size_t i = 0; i < k && rc >= 0; i++) {
        struct tg_str *st = &g->strs[todo[i]];

        st->flags |= TG_S_ROWS | TG_S_SORTED;
        if (st->n_rows > 1 && !rows_sorted(g, st))
            qsort_r(st->rows, st->n_rows, sizeof(*st->rows), row_cmp, g);
        if (rows_pack(g, st))
            st->flags |= TG_S_PACKED;
    }
    hits_free(&h);
    zl_free(todo);
    return rc < 0 ? rc : 0;
}

int tg_need_tid(struct tg *g, const int32_t *tids, size_t n)
{
    struct hits h;
    int32_t *todo;
    size_t k;
    int rc;

    if (!n)
        return 0;
    if ((rc = todo_of(g, tids, n, TG_S_TID, &todo, &k)) < 0)
        return rc;
    rc = read_hits(g, todo, k, ZL_TIX_ROLE_TID, ZL_TIX_ROLE_TID, &h);
    for (size_t i = 0; i < h.n && rc >= 0; i++) {
        struct tg_str *st;

        if (h.v[i].sid < 0 || h.v[i].eid < 0)
            continue;
        st = &g->strs[h.v[i].sid];
        rc = tg_grow32((void **)&st->tid_ev, &st->cap_tid,
                       (size_t)st->n_tid + 1, sizeof(int32_t), &g->bytes);
        if (rc >= 0)
            st->tid_ev[st->n_tid++] = h.v[i].eid;
    }
    for (size_t i = 0; i < k && rc >= 0; i++)
        g->strs[todo[i]].flags |= TG_S_TID;
    hits_free(&h);
    zl_free(todo);
    return rc < 0 ? rc : 0;
}

int tg_push_eid(struct tg *g, int32_t **out, size_t *n, size_t *cap,
                int32_t eid)
{
    int rc = zl_grow((void **)out, cap, *n + 1, sizeof(int32_t), 64, &g->bytes);

    if (rc < 0)
        return rc;
    (*out)[(*n)++] = eid;
    return 0;
}

int tg_location_events(struct tg *g, const char *loc, int32_t **out, size_t *n,
                       size_t *cap)
{
    struct hits h;
    int32_t sid;
    int rc;

    if ((sid = tg_intern(g, loc, strlen(loc))) < 0)
        return sid;
    rc = read_hits(g, &sid, 1, ZL_TIX_ROLE_BIZLOC, ZL_TIX_ROLE_READPT, &h);
    for (size_t i = 0; i < h.n && rc >= 0; i++)
        if (h.v[i].eid >= 0 && (i == 0 || h.v[i].eid != h.v[i - 1].eid))
            rc = tg_push_eid(g, out, n, cap, h.v[i].eid);
    hits_free(&h);
    return rc < 0 ? rc : 0;
}
