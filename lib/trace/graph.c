/*
 * graph.c - the event graph the trace engine reads (see trace_int.h):
 * string interning, event table and lazy batched loading from the store.
 * The complete in-memory index that fills the same graph at once is
 * graph_index.c.
 *
 * Interning and the event table are index tables (util/itab.h) of int32
 * ids over growable arrays, so a node is 4 bytes wherever it is referred
 * to. Strings live in an arena of 1 MiB chunks that is freed at once.
 *
 * Lazy loading batches up to BATCH keys per store call, which is one round
 * trip per level and per kind of data on a server backend. Rejected: one
 * query per identifier (a trace of 10 levels over 1000 nodes would make
 * 1000 round trips) and recursive SQL (DESIGN.md: does not distribute).
 *
 * An event's CTE, retail sale and source/destination slots are decided on
 * the enums the store resolved on read (zhiliang/cbv.h), never on URI
 * text: a suffix match made void_shipping a shipment and an ADD with
 * unpacking an initial packing.
 */
#include "trace/trace_int.h"

#include "store/store.h"
#include "store/store_correction.h"
#include "store/store_trace.h"
#include "util/alloc.h"
#include "util/itab.h"
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#define BATCH 512
#define CHUNK ((size_t)1 << 20)

/* FNV-1a with the high bits folded in (the tables mask the low ones). */
static uint64_t hash_bytes(const void *p, size_t n)
{
    uint64_t h = zl_fnv1a64(p, n);

    return h ^ (h >> 29);
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
    nc = *cap ? (size_t)*cap * 2 : 4;
    while (nc < need)
        nc *= 2;
    if (nc > UINT32_MAX)
        return ZL_ELIMIT;
    if (*cap == 0 && *arr != NULL) { /* pooled: copy out (need - 1 used) */
        p = zl_malloc(nc * elem);
        if (p == NULL)
            return ZL_ENOMEM;
        memcpy(p, *arr, (need - 1) * elem);
    } else {
        p = zl_realloc(*arr, nc * elem);
    }
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
    for (size_t i = 0; i < g->n_evs; i++)
        if (g->evs[i].cap_ids)
            zl_free(g->evs[i].ids);
    while (g->pools != NULL) {
        struct tg_pool *p = g->pools;

        g->pools = p->next;
        zl_free(p);
    }
    zl_free(g->strs);
    zl_itab_free(&g->smap);
    zl_free(g->evs);
    zl_itab_free(&g->emap);
    zl_arena_free(&g->arena);
    memset(g, 0, sizeof(*g));
}

static uint64_t str_hash_of(const void *ctx, int32_t sid)
{
    const struct tg *g = ctx;

    return hash_bytes(g->strs[sid].s, g->strs[sid].len);
}

int32_t tg_find(const struct tg *g, const char *s, size_t len)
{
    size_t h;

    if (g->smap.cap == 0)
        return -1;
    for (h = zl_itab_start(&g->smap, hash_bytes(s, len)); g->smap.slot[h];
         h = zl_itab_step(&g->smap, h)) {
        const struct tg_str *e = &g->strs[g->smap.slot[h] - 1];

        if (e->len == len && memcmp(e->s, s, len) == 0)
            return g->smap.slot[h] - 1;
    }
    return -1;
}

int32_t tg_intern(struct tg *g, const char *s, size_t len)
{
    int32_t sid = tg_find(g, s, len);
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
    if (g->complete)
        e->flags = TG_S_ROWS | TG_S_TID;
    zl_itab_put(&g->smap, hash_bytes(s, len), (int32_t)g->n_strs);
    return (int32_t)g->n_strs++;
}

int32_t tg_intern0(struct tg *g, const char *s)
{
    return s == NULL ? -1 : tg_intern(g, s, strlen(s));
}

static uint64_t ev_hash_of(const void *ctx, int32_t eid)
{
    const struct tg *g = ctx;

    return hash_bytes(g->evs[eid].hash, 8);
}

int32_t tg_event(struct tg *g, const uint8_t hash[32], int create)
{
    struct tg_event *e;
    size_t h;
    int rc;

    if (g->emap.cap) {
        for (h = zl_itab_start(&g->emap, hash_bytes(hash, 8)); g->emap.slot[h];
             h = zl_itab_step(&g->emap, h))
            if (memcmp(g->evs[g->emap.slot[h] - 1].hash, hash, 32) == 0)
                return g->emap.slot[h] - 1;
    }
    if (!create)
        return -1;
    if (g->n_evs >= INT32_MAX - 1)
        return ZL_ELIMIT;
    if ((rc = zl_itab_reserve(&g->emap, g->n_evs, 1024, ev_hash_of, g,
                              &g->bytes)) < 0)
        return rc;
    if ((rc = zl_grow((void **)&g->evs, &g->cap_evs, g->n_evs + 1,
                      sizeof(*g->evs), 64, &g->bytes)) < 0)
        return rc;
    e = &g->evs[g->n_evs];
    memset(e, 0, sizeof(*e));
    memcpy(e->hash, hash, 32);
    e->tid = e->biz_step = e->disp = e->bizloc = e->readpt = -1;
    e->so = e->sp = e->sl = e->dso = e->dsp = e->dsl = -1;
    zl_itab_put(&g->emap, hash_bytes(hash, 8), (int32_t)g->n_evs);
    return (int32_t)g->n_evs++;
}

int tg_add_row(struct tg *g, struct tg_str *st, int32_t eid, int role)
{
    int rc = tg_grow32((void **)&st->rows, &st->cap_rows,
                       (size_t)st->n_rows + 1, sizeof(*st->rows), &g->bytes);

    if (rc < 0)
        return rc;
    st->rows[st->n_rows].x = eid;
    st->rows[st->n_rows++].role = (uint8_t)role;
    return 0;
}

int tg_add_ref(struct tg *g, struct tg_ref **arr, uint32_t *n, uint32_t *cap,
               const struct tg_ref *r)
{
    int rc =
        tg_grow32((void **)arr, cap, (size_t)*n + 1, sizeof(**arr), &g->bytes);

    if (rc < 0)
        return rc;
    (*arr)[(*n)++] = *r;
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

/* ---- identifier order within an event -------------------------------------
 */

int tg_role_rank(int role)
{
    if (role == ZL_ROLE_INPUT || role == ZL_ROLE_INPUT_QTY)
        return 0;
    if (role == ZL_ROLE_OUTPUT || role == ZL_ROLE_OUTPUT_QTY)
        return 2;
    return 1;
}

static int cmp_rank(const void *pa, const void *pb)
{
    const struct tg_ref *a = pa, *b = pb;
    int ra = tg_role_rank(a->role), rb = tg_role_rank(b->role);

    if (ra != rb)
        return ra - rb;
    return (a->x > b->x) - (a->x < b->x);
}

/* Inputs first, outputs last (see trace_int.h). */
void tg_sort_ids(struct tg_event *e)
{
    if (e->n_ids > 1)
        qsort(e->ids, e->n_ids, sizeof(*e->ids), cmp_rank);
}

/* ---- lazy loads ---------------------------------------------------------- */

static void ev_basic(struct tg_event *e, const struct zl_id_row *r)
{
    e->type = (uint8_t)r->type;
    e->action = (uint8_t)r->action;
    e->t = r->event_time_ms;
    e->rt = r->record_time_ms;
}

static int row_cb(void *ctx, const struct zl_id_row *r)
{
    struct tg *g = ctx;
    int32_t sid = tg_intern(g, r->id, strlen(r->id));
    int32_t eid;

    if (sid < 0)
        return sid;
    eid = tg_event(g, r->hash, 1);
    if (eid < 0)
        return eid;
    ev_basic(&g->evs[eid], r);
    if (g->strs[sid].flags & TG_S_ROWS)
        return 0; /* loaded by an earlier batch */
    return tg_add_row(g, &g->strs[sid], eid, (int)r->role);
}

int tg_need_rows(struct tg *g, const int32_t *sids, size_t n)
{
    const char *ids[BATCH];
    int32_t got[BATCH];
    size_t k = 0;
    int rc = 0;

    if (g->complete)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !(g->strs[sids[i]].flags & TG_S_ROWS)) {
            int dup = 0;

            for (size_t j = 0; j < k && !dup; j++)
                dup = got[j] == sids[i];
            if (!dup) {
                got[k] = sids[i];
                ids[k++] = g->strs[sids[i]].s;
            }
        }
        if (k > 0 && (k == BATCH || i == n)) {
            rc = zl_store_id_lookup(g->store, ids, k, row_cb, g);
            if (rc < 0)
                return rc;
            for (size_t j = 0; j < k; j++)
                g->strs[got[j]].flags |= TG_S_ROWS;
            k = 0;
        }
    }
    return 0;
}

static int ids_cb(void *ctx, const struct zl_id_row *r)
{
    struct tg *g = ctx;
    int32_t eid = tg_event(g, r->hash, 0);
    int32_t sid;
    struct tg_event *e;
    struct tg_ref ref;

    if (eid < 0 || (g->evs[eid].flags & TG_EV_IDS))
        return 0;
    sid = tg_intern(g, r->id, strlen(r->id));
    if (sid < 0)
        return sid;
    ref.x = sid;
    ref.role = (uint8_t)r->role;
    ref.has_qty = (uint8_t)(r->has_quantity != 0);
    ref.qty = r->quantity;
    ref.uom = tg_intern0(g, r->uom);
    if (ref.uom < -1)
        return ref.uom;
    e = &g->evs[eid];
    ev_basic(e, r);
    return tg_add_ref(g, &e->ids, &e->n_ids, &e->cap_ids, &ref);
}

int tg_need_ids(struct tg *g, const int32_t *eids, size_t n)
{
    uint8_t(*hs)[32] = NULL;
    int32_t got[BATCH];
    size_t k = 0;
    int rc = 0;

    if (g->complete || n == 0)
        return 0;
    hs = zl_malloc(BATCH * 32);
    if (hs == NULL)
        return ZL_ENOMEM;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !(g->evs[eids[i]].flags & TG_EV_IDS)) {
            int dup = 0;

            for (size_t j = 0; j < k && !dup; j++)
                dup = got[j] == eids[i];
            if (!dup) {
                got[k] = eids[i];
                memcpy(hs[k++], g->evs[eids[i]].hash, 32);
            }
        }
        if (k > 0 && (k == BATCH || i == n)) {
            rc = zl_store_event_ids(g->store, (const uint8_t(*)[32])hs, k,
                                    ids_cb, g);
            if (rc < 0)
                goto out;
            for (size_t j = 0; j < k; j++) {
                g->evs[got[j]].flags |= TG_EV_IDS;
                tg_sort_ids(&g->evs[got[j]]);
            }
            k = 0;
        }
    }
    rc = 0;
out:
    zl_free(hs);
    return rc;
}

int tg_meta_from_stored(struct tg *g, int32_t eid,
                        const struct zl_stored_event *se)
{
    struct tg_event *e = &g->evs[eid];
    int32_t v[5];

    v[0] = tg_intern0(g, se->transformation_id);
    v[1] = tg_intern0(g, se->biz_step);
    v[2] = tg_intern0(g, se->disposition);
    v[3] = tg_intern0(g, se->biz_location);
    v[4] = tg_intern0(g, se->read_point);
    for (int i = 0; i < 5; i++)
        if (v[i] < -1)
            return v[i];
    e = &g->evs[eid]; /* interning may not move evs, but stay safe */
    e->tid = v[0];
    e->biz_step = v[1];
    e->disp = v[2];
    e->bizloc = v[3];
    e->readpt = v[4];
    e->tz = (int16_t)se->tz_offset_min;
    e->cte = (uint8_t)zl_cte_classify(se->type, se->action, se->step);
    e->consumer = (uint8_t)tg_consumer(se->step, se->disp);
    e->vstep = (uint8_t)se->step;
    e->vdisp = (uint8_t)se->disp;
    e->type = (uint8_t)se->type;
    e->action = (uint8_t)se->action;
    e->t = se->event_time_ms;
    e->rt = se->record_time_ms;
    return 0;
}

struct meta_ctx {
    struct tg *g;
    int32_t eid;
};

int tg_event_ref(struct tg *g, int32_t eid, char kind, const char *type,
                 const char *value)
{
    struct tg_event *e;
    int32_t sid, *slot = NULL;

    if (kind != 's' && kind != 'd')
        return 0;
    sid = tg_intern0(g, value);
    if (sid < 0)
        return sid;
    e = &g->evs[eid];
    switch (zl_sdt_of(type, type ? strlen(type) : 0)) {
    case ZL_SDT_OWNING_PARTY: slot = kind == 's' ? &e->so : &e->dso; break;
    case ZL_SDT_POSSESSING_PARTY: slot = kind == 's' ? &e->sp : &e->dsp; break;
    case ZL_SDT_LOCATION: slot = kind == 's' ? &e->sl : &e->dsl; break;
    default: break;
    }
    if (slot != NULL && *slot < 0)
        *slot = sid;
    return 0;
}

static int ref_cb(void *ctx, char kind, const char *type, const char *value)
{
    struct meta_ctx *m = ctx;

    return tg_event_ref(m->g, m->eid, kind, type, value);
}

int tg_load_refs(struct tg *g, int32_t eid)
{
    struct meta_ctx m = {g, eid};
    uint8_t h[32];

    memcpy(h, g->evs[eid].hash, 32);
    return zl_store_event_refs(g->store, h, ref_cb, &m);
}

static int refs_cb(void *ctx, const uint8_t hash[32], char kind,
                   const char *type, const char *value)
{
    struct tg *g = ctx;
    int32_t eid = tg_event(g, hash, 0);

    return eid < 0 ? 0 : tg_event_ref(g, eid, kind, type, value);
}

static int meta_cb(void *ctx, const struct zl_stored_event *se)
{
    struct tg *g = ctx;
    int32_t eid = tg_event(g, se->hash, 0);

    return eid < 0 ? 0 : tg_meta_from_stored(g, eid, se);
}

int tg_need_meta(struct tg *g, const int32_t *eids, size_t n)
{
    uint8_t(*hs)[32] = NULL;
    int32_t got[BATCH];
    size_t k = 0;
    int rc = 0;

    if (g->complete || n == 0)
        return 0;
    hs = zl_malloc(BATCH * 32);
    if (hs == NULL)
        return ZL_ENOMEM;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !(g->evs[eids[i]].flags & TG_EV_META)) {
            got[k] = eids[i];
            memcpy(hs[k++], g->evs[eids[i]].hash, 32);
            g->evs[eids[i]].flags |= TG_EV_META; /* once per batch */
        }
        if (k > 0 && (k == BATCH || i == n)) {
            rc = zl_store_trace_events_meta(g->store, (const uint8_t(*)[32])hs,
                                            k, meta_cb, g);
            if (rc == 0)
                rc = zl_store_trace_events_refs(
                    g->store, (const uint8_t(*)[32])hs, k, refs_cb, g);
            if (rc < 0) {
                for (size_t j = 0; j < k; j++)
                    g->evs[got[j]].flags &= (uint8_t)~TG_EV_META;
                goto out;
            }
            k = 0;
        }
    }
    rc = 0;
out:
    zl_free(hs);
    return rc;
}

struct tid_ctx {
    struct tg *g;
    int32_t tid;
};

static int tid_cb(void *ctx, const struct zl_stored_event *se)
{
    struct tid_ctx *c = ctx;
    struct tg *g = c->g;
    int32_t eid = tg_event(g, se->hash, 1);
    struct tg_str *s;
    int rc;

    if (eid < 0)
        return eid;
    if (!(g->evs[eid].flags & TG_EV_META)) {
        if ((rc = tg_meta_from_stored(g, eid, se)) < 0 ||
            (rc = tg_load_refs(g, eid)) < 0)
            return rc;
        g->evs[eid].flags |= TG_EV_META;
    }
    s = &g->strs[c->tid];
    rc = tg_grow32((void **)&s->tid_ev, &s->cap_tid, (size_t)s->n_tid + 1,
                   sizeof(int32_t), &g->bytes);
    if (rc < 0)
        return rc;
    s->tid_ev[s->n_tid++] = eid;
    return 0;
}

int tg_need_tid(struct tg *g, const int32_t *tids, size_t n)
{
    if (g->complete)
        return 0;
    for (size_t i = 0; i < n; i++) {
        struct tid_ctx c = {g, tids[i]};
        int rc;

        if (g->strs[tids[i]].flags & TG_S_TID)
            continue;
        rc = zl_store_events_by_transformation(g->store, g->strs[tids[i]].s,
                                               tid_cb, &c);
        if (rc < 0)
            return rc;
        g->strs[tids[i]].flags |= TG_S_TID;
    }
    return 0;
}

struct loc_ctx {
    struct tg *g;
    int32_t **out;
    size_t *n, *cap;
};

int tg_push_eid(struct tg *g, int32_t **out, size_t *n, size_t *cap,
                int32_t eid)
{
    int rc = zl_grow((void **)out, cap, *n + 1, sizeof(int32_t), 64, &g->bytes);

    if (rc < 0)
        return rc;
    (*out)[(*n)++] = eid;
    return 0;
}

static int loc_cb(void *ctx, const struct zl_stored_event *se)
{
    struct loc_ctx *c = ctx;
    int32_t eid = tg_event(c->g, se->hash, 1);
    int rc;

    if (eid < 0)
        return eid;
    if (!(c->g->evs[eid].flags & TG_EV_META)) {
        if ((rc = tg_meta_from_stored(c->g, eid, se)) < 0 ||
            (rc = tg_load_refs(c->g, eid)) < 0)
            return rc;
        c->g->evs[eid].flags |= TG_EV_META;
    }
    return tg_push_eid(c->g, c->out, c->n, c->cap, eid);
}

int tg_location_events(struct tg *g, const char *loc, int32_t **out, size_t *n,
                       size_t *cap)
{
    struct zl_event_filter f;
    const char *one[2] = {loc, NULL};
    struct loc_ctx c = {g, out, n, cap};
    int32_t sid;
    int rc;

    if (g->complete) {
        sid = tg_find(g, loc, strlen(loc));
        if (sid < 0)
            return 0;
        for (size_t i = 0; i < g->n_evs; i++)
            if (g->evs[i].bizloc == sid || g->evs[i].readpt == sid)
                if ((rc = tg_push_eid(g, out, n, cap, (int32_t)i)) < 0)
                    return rc;
        return 0;
    }
    memset(&f, 0, sizeof(f));
    f.biz_locations = one;
    if ((rc = zl_store_events_query(g->store, &f, loc_cb, &c)) < 0)
        return rc;
    memset(&f, 0, sizeof(f));
    f.read_points = one;
    return zl_store_events_query(g->store, &f, loc_cb, &c);
}
