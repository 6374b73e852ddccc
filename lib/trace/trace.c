/*
 * trace.c - the trace engine: backward and forward traces and recall scope
 * over the event graph (trace_int.h), following the model written down in
 * include/zhiliang/trace.h (rules R0..R4).
 *
 * A node keeps two sets of time windows already followed: `plain` (rules
 * R0, R1, R3, R4) and `down` (packing rows of a container and R2). A new
 * state only contributes the parts of its window not yet covered, so each
 * (identifier, instant) is expanded at most once per set and the walk
 * ends; all the rules are unions over instants, so splitting a window into
 * uncovered pieces gives exactly the closure. Windows are closed integer
 * millisecond intervals; memberships are [ADD time, DELETE time - 1].
 *
 * Level by level: before expanding the pieces of level k, the engine asks
 * the graph for everything they will read (rows of their identifiers, the
 * identifier lists of those events, transformationID groups, the rows of
 * the containers they were in) in batches, then expands them in memory.
 *
 * Rejected: recursive SQL (not distributable, and SQLite cannot express the
 * time windows cheaply); ignoring time (links an item to a pallet's loads
 * before it was packed and to the next load of a reused container).
 */
#include "zhiliang/trace.h"

#include "store/store.h"
#include "trace/trace_int.h"
#include "util/alloc.h"
#include "util/assert.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NEG               (INT64_MIN / 4)
#define POS               (INT64_MAX / 4)
#define DEFAULT_MAX_NODES ((size_t)50000000)

struct iv {
    int64_t a, b;
};

/* Most nodes are followed in one window: it is kept inline (cap = 0). */
struct ivset {
    struct iv *v;
    uint32_t n, cap;
    struct iv one;
};

static struct iv *ivs(struct ivset *s)
{
    return s->cap ? s->v : &s->one;
}

struct tnode {
    int32_t sid;
    struct ivset plain, down;
    struct zl_trace_node pub;
    int *evs; /* slice of zl_trace.csr */
    uint32_t n_evs;
    int first_out; /* first PACKED_IN edge from this node, -1 */
};

/* A touch: node touched event (index); gathered in one array and turned
 * into per-node slices at the end (no allocation per node). */
struct tpair {
    int32_t node, ev;
};

struct xedge {
    struct zl_trace_edge pub;
    int64_t a, b; /* window of a PACKED_IN edge */
    int next_out;
};

struct u64set {
    uint64_t *v;
    size_t n, cap;
};

struct piece {
    int32_t node;
    int64_t a, b;
    int down; /* 0: plain rules, 1: down rules */
};

struct pvec {
    struct piece *v;
    size_t n, cap;
};

struct zl_trace {
    struct tg *g; /* the handle's cached graph, or this trace's own */
    struct zl_trace_opts opts;
    int64_t from, to;
    size_t max_nodes;
    struct tnode *nodes;
    size_t n_nodes, cap_nodes;
    struct zl_itab nmap; /* sid -> node */
    struct xedge *edges;
    size_t n_edges, cap_edges;
    struct u64set eset;  /* edges made: (from, to, event, link) */
    struct u64set gdone; /* (transformationID, node) groups expanded */
    struct zl_trace_event *events;
    int32_t *ev_eid;
    size_t n_events, cap_events;
    struct zl_itab evmap; /* eid -> event */
    struct pvec cur, next;
    int level;
    struct tpair *tp;
    size_t n_tp, cap_tp;
    int *csr;
    uint8_t *vis;
    size_t vis_cap; /* eid -> 0 ?, 1 yes, 2 no */
    int vis_rc;     /* first error of opts.visible */
};

/* ---- small containers -----------------------------------------------------
 */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* The node of an identifier and the event of a graph event, as index
 * tables (util/itab.h) over t->nodes and t->ev_eid. */
static uint64_t node_hash_of(const void *ctx, int32_t node)
{
    const struct zl_trace *t = ctx;

    return mix((uint64_t)t->nodes[node].sid);
}

static uint64_t ev_hash_of(const void *ctx, int32_t idx)
{
    const struct zl_trace *t = ctx;

    return mix((uint64_t)t->ev_eid[idx]);
}

static int32_t nmap_get(const struct zl_trace *t, int32_t sid)
{
    size_t h;

    if (t->nmap.cap == 0)
        return -1;
    for (h = zl_itab_start(&t->nmap, mix((uint64_t)sid)); t->nmap.slot[h];
         h = zl_itab_step(&t->nmap, h))
        if (t->nodes[t->nmap.slot[h] - 1].sid == sid)
            return t->nmap.slot[h] - 1;
    return -1;
}

static int nmap_put(struct zl_trace *t, int32_t sid, int32_t node)
{
    int rc = zl_itab_reserve(&t->nmap, t->n_nodes, 256, node_hash_of, t, NULL);

    if (rc < 0)
        return rc;
    zl_itab_put(&t->nmap, mix((uint64_t)sid), node);
    return 0;
}

static int32_t evmap_get(const struct zl_trace *t, int32_t eid)
{
    size_t h;

    if (t->evmap.cap == 0)
        return -1;
    for (h = zl_itab_start(&t->evmap, mix((uint64_t)eid)); t->evmap.slot[h];
         h = zl_itab_step(&t->evmap, h))
        if (t->ev_eid[t->evmap.slot[h] - 1] == eid)
            return t->evmap.slot[h] - 1;
    return -1;
}

static int evmap_put(struct zl_trace *t, int32_t eid, int32_t idx)
{
    int rc = zl_itab_reserve(&t->evmap, (size_t)idx, 256, ev_hash_of, t, NULL);

    if (rc < 0)
        return rc;
    zl_itab_put(&t->evmap, mix((uint64_t)eid), idx);
    return 0;
}

/* Set of uint64 keys; 0 is never a key. Returns 1 if added, 0 if there. */
static int set_add(struct u64set *st, uint64_t key)
{
    size_t h;

    if (key == 0)
        key = 1;
    if ((st->n + 1) * 2 > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 256;
        uint64_t *m = zl_calloc(cap, sizeof(*m));

        if (m == NULL)
            return ZL_ENOMEM;
        for (size_t i = 0; i < st->cap; i++) {
            if (!st->v[i])
                continue;
            h = mix(st->v[i]) & (cap - 1);
            while (m[h])
                h = (h + 1) & (cap - 1);
            m[h] = st->v[i];
        }
        zl_free(st->v);
        st->v = m;
        st->cap = cap;
    }
    h = mix(key) & (st->cap - 1);
    while (st->v[h]) {
        if (st->v[h] == key)
            return 0;
        h = (h + 1) & (st->cap - 1);
    }
    st->v[h] = key;
    st->n++;
    return 1;
}

/* Add [a,b] to s; append the parts that were not covered to out as pieces
 * of node/down. */
static int ivset_add(struct ivset *s, int64_t a, int64_t b, int32_t node,
                     int down, struct pvec *out)
{
    struct iv *v = ivs(s);
    int64_t cur = a;
    uint32_t i, lo, hi;
    int rc;

    for (i = 0; i < s->n && cur <= b; i++) {
        if (v[i].b < cur)
            continue;
        if (v[i].a > b)
            break;
        if (v[i].a > cur) {
            if ((rc = zl_grow((void **)&out->v, &out->cap, out->n + 1,
                              sizeof(*out->v), 16, NULL)) < 0)
                return rc;
            out->v[out->n++] = (struct piece){node, cur, v[i].a - 1, down};
        }
        cur = v[i].b + 1;
    }
    if (cur <= b) {
        if ((rc = zl_grow((void **)&out->v, &out->cap, out->n + 1,
                          sizeof(*out->v), 16, NULL)) < 0)
            return rc;
        out->v[out->n++] = (struct piece){node, cur, b, down};
    }
    /* merge: intervals lo..hi-1 touch or overlap [a,b] */
    for (lo = 0; lo < s->n && v[lo].b + 1 < a; lo++)
        ;
    for (hi = lo; hi < s->n && v[hi].a <= b + 1; hi++) {
        if (v[hi].a < a)
            a = v[hi].a;
        if (v[hi].b > b)
            b = v[hi].b;
    }
    if (hi == lo) {
        if (s->cap == 0 && s->n >= 1) {
            struct iv *nv = zl_malloc(4 * sizeof(*nv));

            if (nv == NULL)
                return ZL_ENOMEM;
            nv[0] = s->one;
            s->v = nv;
            s->cap = 4;
        } else if (s->cap != 0) {
            size_t cap = s->cap;

            if ((rc = zl_grow((void **)&s->v, &cap, (size_t)s->n + 1,
                              sizeof(*s->v), 16, NULL)) < 0)
                return rc;
            s->cap = (uint32_t)cap;
        }
        v = ivs(s);
        memmove(&v[lo + 1], &v[lo], (s->n - lo) * sizeof(*v));
        s->n++;
    } else if (hi - lo > 1) {
        memmove(&v[lo + 1], &v[hi], (s->n - hi) * sizeof(*v));
        s->n -= hi - lo - 1;
    }
    v[lo] = (struct iv){a, b};
    return 0;
}

/* ---- classification ------------------------------------------------------ */

static int is_agg(const struct tg_event *e)
{
    return e->type == ZL_EV_AGGREGATION || e->type == ZL_EV_ASSOCIATION;
}

static int is_child_role(int role)
{
    return role == ZL_ROLE_CHILD || role == ZL_ROLE_CHILD_QTY;
}

static int is_input_role(int role)
{
    return role == ZL_ROLE_INPUT || role == ZL_ROLE_INPUT_QTY;
}

static int is_output_role(int role)
{
    return role == ZL_ROLE_OUTPUT || role == ZL_ROLE_OUTPUT_QTY;
}

/* The ranks of an event's identifiers (tg_role_rank). */
#define RANK_IN    0
#define RANK_OTHER 1
#define RANK_OUT   2

/* A viewer's trace sees only the events opts.visible allows (asked once
 * per event; an error is kept for the end of the trace and hides the
 * event meanwhile). */
static int ev_visible(struct zl_trace *t, int32_t eid)
{
    size_t need = (size_t)eid + 1;
    int rc;

    if (need > t->vis_cap) {
        size_t cap = t->vis_cap ? t->vis_cap : 64;
        uint8_t *v;

        while (cap < need)
            cap *= 2;
        if (!(v = zl_realloc(t->vis, cap))) {
            t->vis_rc = t->vis_rc ? t->vis_rc : ZL_ENOMEM;
            return 0;
        }
        memset(v + t->vis_cap, 0, cap - t->vis_cap);
        t->vis = v;
        t->vis_cap = cap;
    }
    if (!t->vis[eid]) {
        rc = t->opts.visible(t->opts.visible_ctx, t->g->evs[eid].hash);
        if (rc < 0 && !t->vis_rc)
            t->vis_rc = rc;
        t->vis[eid] = rc == 1 ? 1 : 2;
    }
    return t->vis[eid] == 1;
}

static int ev_ok(struct zl_trace *t, int32_t eid)
{
    if (t->opts.at_ms != 0 && t->g->evs[eid].rt > t->opts.at_ms)
        return 0;
    return !t->opts.visible || ev_visible(t, eid);
}

/* The parent of aggregation eid: its sid, -1 when none, or a negative
 * ZL_E* code below -1. */
static int32_t parent_of(struct tg *g, int32_t eid)
{
    struct tg_ref *ids;
    uint32_t n;
    int rc = tg_ids(g, eid, RANK_OTHER, &ids, &n);

    if (rc < 0)
        return rc;
    for (uint32_t i = 0; i < n; i++)
        if (ids[i].role == ZL_ROLE_PARENT)
            return tg_ref_sid(g, &ids[i]);
    return -1;
}

/* The first of sid's rows at or after time a, when they are in time order
 * (TG_S_SORTED), else 0. */
static uint32_t rows_from(const struct tg *g, int32_t sid, int64_t a)
{
    const struct tg_str *s = &g->strs[sid];
    uint32_t lo = 0, hi = s->n_rows;

    if (!(s->flags & TG_S_SORTED))
        return 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (g->evs[s->rows[mid].x].t < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first of sid's rows a walk of the window [a, ...] must look at:
 * rows before a do nothing, unless one packs the string into a container
 * (TG_S_PACKED: that membership may last into the window). A lot reached
 * over ten windows is then read once in all, not once a window. */
static uint32_t first_row(const struct tg *g, int32_t sid, int64_t a)
{
    return g->strs[sid].flags & TG_S_PACKED ? 0 : rows_from(g, sid, a);
}

/* End of child c's membership in p that began with event add at time s:
 * the first later DELETE from p naming c or naming no child. Sets *d
 * (POS if none) and *edel (-1 if none). Needs rows(p); reads the
 * identifiers of those DELETEs. 0 or a negative ZL_E* code. */
static int member_end(struct zl_trace *t, int32_t p, int32_t c, int64_t s,
                      int32_t add, int64_t *d, int32_t *edel)
{
    struct tg *g = t->g;
    int sorted = (g->strs[p].flags & TG_S_SORTED) != 0;
    /* Rows in time order (a returnable crate's thousands, asked once for
     * each child it ever carried): start at the first at or after s and
     * stop past the first end found. */
    uint32_t i = rows_from(g, p, s);

    *d = POS;
    *edel = -1;
    for (; i < g->strs[p].n_rows; i++) {
        struct tg_row r = g->strs[p].rows[i];
        const struct tg_event *e = &g->evs[r.x];
        int names_child = 0, names_c = 0;
        struct tg_ref *ids;
        uint32_t n;
        int rc;

        if (sorted && e->t > *d)
            break; /* every later row is later than the end found */
        if (r.role != ZL_ROLE_PARENT || r.x == add || !is_agg(e) ||
            e->action != ZL_ACT_DELETE || e->t < s || !ev_ok(t, r.x))
            continue;
        /* children are neither inputs nor outputs */
        if ((rc = tg_ids(g, r.x, RANK_OTHER, &ids, &n)) < 0)
            return rc;
        e = &g->evs[r.x];
        for (uint32_t k = 0; k < n; k++) {
            if (is_child_role(ids[k].role)) {
                names_child = 1;
                if (ids[k].kid == g->strs[c].kid) {
                    names_c = 1;
                    break; /* the rest cannot change the answer */
                }
            }
        }
        if (names_child && !names_c)
            continue;
        if (e->t < *d || (e->t == *d && r.x < *edel)) {
            *d = e->t;
            *edel = r.x;
        }
    }
    return 0;
}

/* ---- nodes, edges, events ---------------------------------------------------
 */

static int node_get(struct zl_trace *t, int32_t sid, int depth, int via,
                    enum zl_trace_link link, int via_event, int32_t *out)
{
    int32_t n = nmap_get(t, sid);
    struct tnode *nd;
    int rc;

    if (n >= 0) {
        *out = n;
        return 0;
    }
    if (t->n_nodes >= t->max_nodes)
        return ZL_ELIMIT;
    if ((rc = zl_grow((void **)&t->nodes, &t->cap_nodes, t->n_nodes + 1,
                      sizeof(*t->nodes), 16, NULL)) < 0)
        return rc;
    nd = &t->nodes[t->n_nodes];
    memset(nd, 0, sizeof(*nd));
    nd->sid = sid;
    nd->first_out = -1;
    /* id and kind: at finish, when every node's string is loaded at once */
    nd->pub.depth = depth;
    nd->pub.via = via;
    nd->pub.link = link;
    nd->pub.via_event = via_event;
    nd->pub.last_event = -1;
    if ((rc = nmap_put(t, sid, (int32_t)t->n_nodes)) < 0)
        return rc;
    *out = (int32_t)t->n_nodes++;
    return 0;
}

static int touch(struct zl_trace *t, int32_t node, int32_t eid)
{
    int32_t idx = evmap_get(t, eid);
    size_t cap;
    int rc;

    if (idx < 0) {
        if ((rc = zl_grow((void **)&t->events, &t->cap_events, t->n_events + 1,
                          sizeof(*t->events), 16, NULL)) < 0)
            return rc;
        cap = t->n_events;
        if ((rc = zl_grow((void **)&t->ev_eid, &cap, t->n_events + 1,
                          sizeof(*t->ev_eid), 16, NULL)) < 0)
            return rc;
        idx = (int32_t)t->n_events;
        t->ev_eid[idx] = eid;
        if ((rc = evmap_put(t, eid, idx)) < 0)
            return rc;
        t->n_events++;
    }
    if ((rc = zl_grow((void **)&t->tp, &t->cap_tp, t->n_tp + 1, sizeof(*t->tp),
                      16, NULL)) < 0)
        return rc;
    t->tp[t->n_tp++] = (struct tpair){node, idx};
    return 0;
}

/* Follow sid over [a,b] (clamped to the trace window) at level lvl. */
static int reach(struct zl_trace *t, int32_t sid, int64_t a, int64_t b,
                 int down, int lvl, int32_t from, enum zl_trace_link link,
                 int32_t eid, const struct tg_ref *qref)
{
    int32_t n;
    struct tnode *nd;
    int rc;

    if (a < t->from)
        a = t->from;
    if (b > t->to)
        b = t->to;
    if (a > b || (t->opts.depth > 0 && lvl > t->opts.depth))
        return 0;
    if ((rc = node_get(t, sid, lvl, from, link, eid, &n)) < 0)
        return rc;
    if (from >= 0 && from != n) {
        uint64_t key = mix(((uint64_t)(uint32_t)from << 32) | (uint32_t)n) ^
                       (uint64_t)(uint32_t)eid ^ ((uint64_t)link << 60);

        rc = set_add(&t->eset, key);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            struct xedge *e;

            if ((rc = zl_grow((void **)&t->edges, &t->cap_edges, t->n_edges + 1,
                              sizeof(*t->edges), 16, NULL)) < 0)
                return rc;
            e = &t->edges[t->n_edges];
            memset(e, 0, sizeof(*e));
            e->pub.from = from;
            e->pub.to = n;
            e->pub.link = link;
            e->pub.event = eid; /* eid for now; mapped at the end */
            if (qref != NULL && qref->has_qty) {
                e->pub.has_quantity = 1;
                e->pub.quantity = qref->qty;
                e->pub.uom = tg_s(t->g, qref->uom);
            }
            e->a = a;
            e->b = b;
            e->next_out = -1;
            t->n_edges++;
        }
    }
    nd = &t->nodes[n];
    if ((rc = ivset_add(&nd->plain, a, b, n, 0, &t->next)) < 0)
        return rc;
    if (down) {
        nd = &t->nodes[n];
        if ((rc = ivset_add(&nd->down, a, b, n, 1, &t->next)) < 0)
            return rc;
    }
    return 0;
}

/* ---- one level --------------------------------------------------------------
 */

struct ivec {
    int32_t *v;
    size_t n, cap;
};

static int ivec_push(struct ivec *v, int32_t x)
{
    int rc =
        zl_grow((void **)&v->v, &v->cap, v->n + 1, sizeof(int32_t), 16, NULL);

    if (rc < 0)
        return rc;
    v->v[v->n++] = x;
    return 0;
}

/* Fetch what expanding t->cur will read: the rows of its identifiers
 * (their events come whole with them), the transformation groups it
 * follows, and the rows of the containers its memberships were in. */
static int prefetch(struct zl_trace *t)
{
    struct tg *g = t->g;
    struct ivec sids = {0}, tev = {0}, tids = {0}, par = {0};
    int rc;

    /* each string once, however many of the level's windows it has */
    for (size_t i = 0; i < t->cur.n; i++) {
        int32_t sid = t->nodes[t->cur.v[i].node].sid;

        if (g->strs[sid].flags & TG_S_SEEN)
            continue;
        g->strs[sid].flags |= TG_S_SEEN;
        if ((rc = ivec_push(&sids, sid)) < 0)
            goto out;
    }
    if ((rc = tg_need_rows(g, sids.v, sids.n)) < 0)
        goto out;
    for (size_t i = 0; i < sids.n; i++) {
        const struct tg_str *s = &g->strs[sids.v[i]];

        for (uint32_t k = 0; k < s->n_rows; k++) {
            int role = s->rows[k].role;

            /* transformation groups are followed from an input forward
             * and from an output backward (expand_transform) */
            if ((t->opts.dir == ZL_TRACE_FORWARD ? is_input_role(role)
                                                 : is_output_role(role)) &&
                (rc = ivec_push(&tev, s->rows[k].x)) < 0)
                goto out;
        }
    }
    for (size_t i = 0; i < tev.n; i++)
        if (g->evs[tev.v[i]].tid >= 0 &&
            (rc = ivec_push(&tids, g->evs[tev.v[i]].tid)) < 0)
            goto out;
    if ((rc = tg_need_tid(g, tids.v, tids.n)) < 0)
        goto out;
    /* the side of those transformations the level follows, and the other
     * identifiers (parents, children, commissioned quantities) of the
     * aggregations and object events met: decoded in one batch each, so
     * their units are named in one round trip */
    for (size_t i = 0; i < tids.n; i++) {
        const struct tg_str *s = &g->strs[tids.v[i]];

        for (uint32_t k = 0; k < s->n_tid; k++)
            if ((rc = ivec_push(&tev, s->tid_ev[k])) < 0)
                goto out;
    }
    if ((rc = tg_need_ids(g, tev.v, tev.n,
                          t->opts.dir == ZL_TRACE_FORWARD ? RANK_OUT
                                                          : RANK_IN)) < 0)
        goto out;
    tev.n = 0;
    for (size_t i = 0; i < sids.n; i++)
        for (uint32_t k = 0; k < g->strs[sids.v[i]].n_rows; k++) {
            int32_t x = g->strs[sids.v[i]].rows[k].x;

            if ((is_agg(&g->evs[x]) || (g->evs[x].type == ZL_EV_OBJECT &&
                                        g->evs[x].action == ZL_ACT_ADD)) &&
                (rc = ivec_push(&tev, x)) < 0)
                goto out;
        }
    if ((rc = tg_need_ids(g, tev.v, tev.n, RANK_OTHER)) < 0)
        goto out;
    /* parents of the memberships, for the ends of those memberships */
    for (size_t i = 0; i < sids.n; i++) {
        /* g->strs moves as parent_of makes sids: indexed each time */
        for (uint32_t k = 0; k < g->strs[sids.v[i]].n_rows; k++) {
            struct tg_row r = g->strs[sids.v[i]].rows[k];
            int32_t p;

            if (!is_agg(&g->evs[r.x]) || !is_child_role(r.role))
                continue;
            if ((p = parent_of(g, r.x)) < -1) {
                rc = p;
                goto out;
            }
            if (p >= 0 && (rc = ivec_push(&par, p)) < 0)
                goto out;
        }
    }
    if ((rc = tg_need_rows(g, par.v, par.n)) < 0)
        goto out;
    /* the children those containers' unpackings name */
    tev.n = 0;
    for (size_t i = 0; i < par.n; i++)
        for (uint32_t k = 0; k < g->strs[par.v[i]].n_rows; k++) {
            int32_t x = g->strs[par.v[i]].rows[k].x;

            if (is_agg(&g->evs[x]) && (rc = ivec_push(&tev, x)) < 0)
                goto out;
        }
    rc = tg_need_ids(g, tev.v, tev.n, RANK_OTHER);
out:
    for (size_t i = 0; i < sids.n; i++)
        g->strs[sids.v[i]].flags &= (uint8_t)~TG_S_SEEN;
    zl_free(sids.v);
    zl_free(tev.v);
    zl_free(tids.v);
    zl_free(par.v);
    return rc;
}

/* Follow sid onward from an event at time tm in the trace's direction:
 * over [tm, end] forward, [start, tm] backward. */
static int reach_on(struct zl_trace *t, int32_t sid, int64_t tm, int down,
                    int lvl, int32_t from, enum zl_trace_link link, int32_t eid,
                    const struct tg_ref *qref)
{
    if (t->opts.dir == ZL_TRACE_FORWARD)
        return reach(t, sid, tm, POS, down, lvl, from, link, eid, qref);
    return reach(t, sid, NEG, tm, down, lvl, from, link, eid, qref);
}

static int expand_transform(struct zl_trace *t, int32_t node, int32_t eid,
                            int lvl)
{
    struct tg *g = t->g;
    int fwd = t->opts.dir == ZL_TRACE_FORWARD;
    const struct tg_event *e = &g->evs[eid];
    const int32_t *grp = &eid;
    size_t n_grp = 1;
    int rc;

    if (e->tid >= 0) {
        /* A transformationID group gives the same outputs (inputs) to a
         * node whichever of its rows triggers it: expand it once per node
         * (a lot feeding 100 filling events of one run would otherwise
         * walk the run's 100,000 items 100 times). */
        rc = set_add(&t->gdone,
                     ((uint64_t)(uint32_t)e->tid << 32) | (uint32_t)node);
        if (rc <= 0)
            return rc;
        grp = g->strs[e->tid].tid_ev;
        n_grp = g->strs[e->tid].n_tid;
    }
    for (size_t i = 0; i < n_grp; i++) {
        int32_t x = grp[i];
        struct tg_ref *ids;
        uint32_t n_ids;

        if (!ev_ok(t, x))
            continue;
        /* only the side followed is decoded: the outputs forward (from
         * the last), the inputs backward */
        if ((rc = tg_ids(g, x, fwd ? RANK_OUT : RANK_IN, &ids, &n_ids)) < 0)
            return rc;
        for (uint32_t j = 0; j < n_ids; j++) {
            uint32_t k = fwd ? n_ids - 1 - j : j;
            struct tg_ref r = ids[k];
            int64_t ot = g->evs[x].t;

            if ((r.x = tg_ref_sid(g, &ids[k])) < 0)
                return r.x;
            rc = reach_on(t, r.x, ot, 0, lvl + 1, node, ZL_LINK_TRANSFORMED, x,
                          &r);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int expand_plain(struct zl_trace *t, const struct piece *pc, int lvl)
{
    struct tg *g = t->g;
    int fwd = t->opts.dir == ZL_TRACE_FORWARD;
    int32_t node = pc->node, sid = t->nodes[node].sid;
    int sorted = (g->strs[sid].flags & TG_S_SORTED) != 0;
    int rc;

    for (uint32_t i = first_row(g, sid, pc->a); i < g->strs[sid].n_rows; i++) {
        struct tg_row r = g->strs[sid].rows[i];
        const struct tg_event *e = &g->evs[r.x];
        int64_t tm = e->t;
        int in = tm >= pc->a && tm <= pc->b;

        if (sorted && tm > pc->b)
            break; /* a later row's membership starts past the window too */
        if (!ev_ok(t, r.x))
            continue;
        if (is_agg(e) && r.role == ZL_ROLE_PARENT)
            continue;
        if (in && (rc = touch(t, node, r.x)) < 0)
            return rc;
        if (is_agg(e) && is_child_role(r.role) && e->action == ZL_ACT_ADD) {
            int32_t p = parent_of(g, r.x), edel;
            int64_t d, f;

            if (p < -1)
                return p;
            if (p < 0)
                continue;
            if ((rc = member_end(t, p, sid, tm, r.x, &d, &edel)) < 0)
                return rc;
            f = d == POS ? POS : d - 1;
            rc = reach(t, p, tm > pc->a ? tm : pc->a, f < pc->b ? f : pc->b, 0,
                       lvl + 1, node, ZL_LINK_PACKED_IN, r.x, NULL);
            if (rc < 0)
                return rc;
            if (edel >= 0 && d >= pc->a && d <= pc->b &&
                (rc = touch(t, node, edel)) < 0)
                return rc;
            continue;
        }
        if (!in)
            continue;
        if ((fwd && is_input_role(r.role)) ||
            (!fwd && is_output_role(r.role))) {
            if ((rc = expand_transform(t, node, r.x, lvl)) < 0)
                return rc;
            continue;
        }
        if (e->type == ZL_EV_OBJECT && e->action == ZL_ACT_ADD &&
            r.role == (fwd ? ZL_ROLE_QTY : ZL_ROLE_EPC)) {
            int want = fwd ? ZL_ROLE_EPC : ZL_ROLE_QTY;
            struct tg_ref *ids;
            uint32_t n_ids;

            if ((rc = tg_ids(g, r.x, RANK_OTHER, &ids, &n_ids)) < 0)
                return rc;
            for (uint32_t k = 0; k < n_ids; k++) {
                struct tg_ref o = ids[k];

                if (o.role != want)
                    continue;
                if ((o.x = tg_ref_sid(g, &ids[k])) < 0)
                    return o.x;
                rc = reach_on(t, o.x, tm, 0, lvl + 1, node, ZL_LINK_MEMBER, r.x,
                              &o);
                if (rc < 0)
                    return rc;
            }
        }
    }
    return 0;
}

static int expand_down(struct zl_trace *t, const struct piece *pc, int lvl)
{
    struct tg *g = t->g;
    int fwd = t->opts.dir == ZL_TRACE_FORWARD;
    int32_t node = pc->node, sid = t->nodes[node].sid;
    struct tg_ref *ids;
    uint32_t n_ids;
    int rc;

    for (uint32_t i = 0; i < g->strs[sid].n_rows; i++) {
        struct tg_row r = g->strs[sid].rows[i];
        const struct tg_event *e = &g->evs[r.x];
        int64_t tm = e->t;

        if (!ev_ok(t, r.x) || !is_agg(e) || r.role != ZL_ROLE_PARENT)
            continue;
        if (tm >= pc->a && tm <= pc->b && (rc = touch(t, node, r.x)) < 0)
            return rc;
        if (e->action != ZL_ACT_ADD)
            continue;
        if ((rc = tg_ids(g, r.x, RANK_OTHER, &ids, &n_ids)) < 0)
            return rc;
        for (uint32_t k = 0; k < n_ids; k++) {
            struct tg_ref c = ids[k];
            int32_t edel;
            int64_t d, f;

            if (!is_child_role(c.role))
                continue;
            if ((c.x = tg_ref_sid(g, &ids[k])) < 0)
                return c.x;
            if ((rc = member_end(t, sid, c.x, tm, r.x, &d, &edel)) < 0)
                return rc;
            f = d == POS ? POS : d - 1;
            if (f < pc->a || tm > pc->b)
                continue;
            rc = fwd ? reach(t, c.x, tm > pc->a ? tm : pc->a, POS, 1, lvl + 1,
                             node, ZL_LINK_CONTAINS, r.x, &c)
                     : reach(t, c.x, NEG, f < pc->b ? f : pc->b, 1, lvl + 1,
                             node, ZL_LINK_CONTAINS, r.x, &c);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int run_levels(struct zl_trace *t)
{
    int rc;

    while (t->next.n > 0) {
        struct pvec tmp = t->cur;

        t->cur = t->next;
        t->next = tmp;
        t->next.n = 0;
        if ((rc = prefetch(t)) < 0)
            return rc;
        for (size_t i = 0; i < t->cur.n; i++) {
            struct piece pc = t->cur.v[i];

            rc = pc.down ? expand_down(t, &pc, t->level)
                         : expand_plain(t, &pc, t->level);
            if (rc < 0)
                return rc;
        }
        t->level++;
    }
    return 0;
}

/* ---- finishing
 * ---------------------------------------------------------------- */

static int cmp_int(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;

    return (a > b) - (a < b);
}

struct tkey {
    int64_t t;
    int32_t old;
};

static int cmp_tkey(const void *pa, const void *pb)
{
    const struct tkey *a = pa, *b = pb;

    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return (a->old > b->old) - (a->old < b->old);
}

/* What the path of a node says last: the latest event, the latest one
 * naming a receiving party, the latest one naming a place. */
struct pathinfo {
    int any, party, place;
    int consumer;
};

static int later(const struct zl_trace *t, int cand, int cur)
{
    return cur < 0 ||
           t->events[cand].event_time_ms > t->events[cur].event_time_ms;
}

/* Scan node's events during [a,b], and those of the containers carrying
 * it then (PACKED_IN edges, whose windows say when it was inside). */
static void path_last(const struct zl_trace *t, int32_t node, int64_t a,
                      int64_t b, int guard, struct pathinfo *pi)
{
    const struct tnode *nd = &t->nodes[node];

    for (uint32_t i = 0; i < nd->n_evs; i++) {
        int ix = nd->evs[i];
        const struct zl_trace_event *e = &t->events[ix];

        if (e->event_time_ms < a || e->event_time_ms > b)
            continue;
        if (e->consumer)
            pi->consumer = 1;
        if (later(t, ix, pi->any))
            pi->any = ix;
        if ((e->dst_owner || e->dst_possessor) && later(t, ix, pi->party))
            pi->party = ix;
        if ((e->biz_location || e->dst_location) && later(t, ix, pi->place))
            pi->place = ix;
    }
    if (guard <= 0)
        return;
    for (int k = nd->first_out; k >= 0; k = t->edges[k].next_out) {
        const struct xedge *x = &t->edges[k];
        int64_t ea = x->a > a ? x->a : a, eb = x->b < b ? x->b : b;

        if (ea <= eb)
            path_last(t, x->pub.to, ea, eb, guard - 1, pi);
    }
}

static void fill_event(const struct tg *g, int32_t eid,
                       struct zl_trace_event *e)
{
    const struct tg_event *s = &g->evs[eid];

    memset(e, 0, sizeof(*e));
    memcpy(e->hash, s->hash, 32);
    e->type = (enum zl_event_type)s->type;
    e->action = (enum zl_action)s->action;
    e->event_time_ms = s->t;
    e->record_time_ms = s->rt;
    e->tz_offset_min = s->tz;
    e->biz_step = tg_s(g, s->biz_step);
    e->disposition = tg_s(g, s->disp);
    e->step = (enum zl_biz_step)s->vstep;
    e->disp = (enum zl_disposition)s->vdisp;
    e->biz_location = tg_s(g, s->bizloc);
    e->read_point = tg_s(g, s->readpt);
    e->transformation_id = tg_s(g, s->tid);
    e->src_owner = tg_s(g, s->so);
    e->src_possessor = tg_s(g, s->sp);
    e->src_location = tg_s(g, s->sl);
    e->dst_owner = tg_s(g, s->dso);
    e->dst_possessor = tg_s(g, s->dsp);
    e->dst_location = tg_s(g, s->dsl);
    e->cte = (enum zl_cte)s->cte;
    e->consumer = s->consumer;
}

/* Add eid to the event table if missing; *idx its index. */
static int event_slot(struct zl_trace *t, int32_t eid, int32_t *idx)
{
    size_t cap;
    int rc;

    *idx = evmap_get(t, eid);
    if (*idx >= 0)
        return 0;
    if ((rc = zl_grow((void **)&t->events, &t->cap_events, t->n_events + 1,
                      sizeof(*t->events), 16, NULL)) < 0)
        return rc;
    cap = t->n_events;
    if ((rc = zl_grow((void **)&t->ev_eid, &cap, t->n_events + 1,
                      sizeof(*t->ev_eid), 16, NULL)) < 0)
        return rc;
    *idx = (int32_t)t->n_events;
    t->ev_eid[*idx] = eid;
    if ((rc = evmap_put(t, eid, *idx)) < 0)
        return rc;
    t->n_events++;
    return 0;
}

/* Renumber events by (time, discovery): event lists then sort as ints. */
static int renumber(struct zl_trace *t)
{
    struct tkey *k = zl_malloc((t->n_events + 1) * sizeof(*k));
    int32_t *newpos = zl_malloc((t->n_events + 1) * sizeof(*newpos));
    struct zl_trace_event *ev = zl_malloc((t->n_events + 1) * sizeof(*ev));
    int32_t *eid = zl_malloc((t->n_events + 1) * sizeof(*eid));
    int rc = ZL_ENOMEM;

    if (k == NULL || newpos == NULL || ev == NULL || eid == NULL)
        goto out;
    for (size_t i = 0; i < t->n_events; i++)
        k[i] = (struct tkey){t->events[i].event_time_ms, (int32_t)i};
    qsort(k, t->n_events, sizeof(*k), cmp_tkey);
    for (size_t i = 0; i < t->n_events; i++) {
        newpos[k[i].old] = (int32_t)i;
        ev[i] = t->events[k[i].old];
        eid[i] = t->ev_eid[k[i].old];
    }
    /* via_event holds a graph event id: map it while evmap still matches */
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].pub.via_event >= 0)
            t->nodes[i].pub.via_event =
                newpos[evmap_get(t, t->nodes[i].pub.via_event)];
    zl_free(t->events);
    zl_free(t->ev_eid);
    t->events = ev;
    t->ev_eid = eid;
    t->cap_events = t->n_events + 1;
    ev = NULL;
    eid = NULL;
    for (size_t i = 0; i < t->n_tp; i++)
        t->tp[i].ev = newpos[t->tp[i].ev];
    for (size_t i = 0; i < t->n_edges; i++)
        t->edges[i].pub.event = newpos[t->edges[i].pub.event];
    rc = 0;
out:
    zl_free(k);
    zl_free(newpos);
    zl_free(ev);
    zl_free(eid);
    return rc;
}

/* Turn the touch pairs into one array of per-node slices. */
static int build_csr(struct zl_trace *t)
{
    size_t *start = zl_calloc(t->n_nodes + 1, sizeof(size_t));

    if (start == NULL)
        return ZL_ENOMEM;
    t->csr = zl_malloc((t->n_tp + 1) * sizeof(int));
    if (t->csr == NULL) {
        zl_free(start);
        return ZL_ENOMEM;
    }
    for (size_t i = 0; i < t->n_tp; i++)
        start[t->tp[i].node + 1]++;
    for (size_t i = 0; i < t->n_nodes; i++) {
        start[i + 1] += start[i];
        t->nodes[i].evs = t->csr + start[i];
        t->nodes[i].n_evs = 0;
    }
    for (size_t i = 0; i < t->n_tp; i++) {
        struct tnode *nd = &t->nodes[t->tp[i].node];

        nd->evs[nd->n_evs++] = t->tp[i].ev;
    }
    zl_free(start);
    return 0;
}

static int finish(struct zl_trace *t)
{
    struct tg *g = t->g;
    int32_t *sids = zl_malloc((t->n_nodes + 1) * sizeof(*sids));
    int rc;

    if (sids == NULL)
        return ZL_ENOMEM;
    for (size_t i = 0; i < t->n_nodes; i++)
        sids[i] = t->nodes[i].sid;
    rc = tg_need_names(g, sids, t->n_nodes);
    zl_free(sids);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct tg_str *st = &g->strs[t->nodes[i].sid];

        t->nodes[i].pub.id = st->s;
        t->nodes[i].pub.kind = (enum zl_trace_kind)st->kind;
    }

    for (size_t i = 0; i < t->n_edges; i++) {
        int32_t idx;

        if ((rc = event_slot(t, t->edges[i].pub.event, &idx)) < 0)
            return rc;
        t->edges[i].pub.event = idx;
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        int32_t idx;

        if (t->nodes[i].pub.via_event >= 0 &&
            (rc = event_slot(t, t->nodes[i].pub.via_event, &idx)) < 0)
            return rc;
    }
    if ((rc = tg_need_meta(g, t->ev_eid, t->n_events)) < 0)
        return rc;
    for (size_t i = 0; i < t->n_events; i++)
        fill_event(g, t->ev_eid[i], &t->events[i]);
    if ((rc = renumber(t)) < 0)
        return rc;
    for (size_t i = 0; i < t->n_edges; i++) {
        struct xedge *x = &t->edges[i];

        if (x->pub.link == ZL_LINK_PACKED_IN) {
            x->next_out = t->nodes[x->pub.from].first_out;
            t->nodes[x->pub.from].first_out = (int)i;
        }
    }
    if ((rc = build_csr(t)) < 0)
        return rc;
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct tnode *nd = &t->nodes[i];
        uint32_t k, w = 0;

        if (nd->n_evs > 24) {
            qsort(nd->evs, nd->n_evs, sizeof(int), cmp_int);
        } else { /* most nodes touch a handful of events */
            for (k = 1; k < nd->n_evs; k++) {
                int v = nd->evs[k];
                uint32_t j = k;

                for (; j > 0 && nd->evs[j - 1] > v; j--)
                    nd->evs[j] = nd->evs[j - 1];
                nd->evs[j] = v;
            }
        }
        for (k = 0; k < nd->n_evs; k++)
            if (w == 0 || nd->evs[w - 1] != nd->evs[k])
                nd->evs[w++] = nd->evs[k];
        nd->n_evs = w;
        nd->pub.events = nd->evs;
        nd->pub.n_events = nd->n_evs;
        if (nd->plain.n > 0) {
            int64_t a = ivs(&nd->plain)[0].a;
            int64_t b = ivs(&nd->plain)[nd->plain.n - 1].b;

            nd->pub.first_ms = a <= NEG ? INT64_MIN : a;
            nd->pub.last_ms = b >= POS ? INT64_MAX : b;
        }
    }
    /* quantities: from the link that reached the node, else its own rows */
    for (size_t i = 0; i < t->n_edges; i++) {
        const struct xedge *x = &t->edges[i];
        struct tnode *nd = &t->nodes[x->pub.to];

        if (x->pub.has_quantity && !nd->pub.has_quantity &&
            x->pub.link != ZL_LINK_PACKED_IN) {
            nd->pub.has_quantity = 1;
            nd->pub.quantity = x->pub.quantity;
            nd->pub.uom = x->pub.uom;
        }
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct tnode *nd = &t->nodes[i];
        const struct tg_str *s = &g->strs[nd->sid];
        struct pathinfo pi = {-1, -1, -1, 0};

        if (nd->pub.kind == ZL_TK_ITEM && !nd->pub.has_quantity) {
            nd->pub.has_quantity = 1;
            nd->pub.quantity = 1;
        }
        for (uint32_t k = 0; k < s->n_rows && !nd->pub.has_quantity; k++) {
            struct tg_row row = s->rows[k];
            struct tg_ref *ids;
            uint32_t n_ids;

            if ((row.role != ZL_ROLE_QTY && row.role != ZL_ROLE_OUTPUT_QTY) ||
                (t->opts.visible && !ev_ok(t, row.x)))
                continue;
            if ((rc = tg_ids(g, row.x, tg_role_rank(row.role), &ids, &n_ids)) <
                0)
                return rc;
            s = &g->strs[nd->sid]; /* a unit named may move strs */
            for (uint32_t j = 0; j < n_ids; j++) {
                if (ids[j].kid == s->kid && ids[j].has_qty &&
                    ids[j].role == row.role) {
                    nd->pub.has_quantity = 1;
                    nd->pub.quantity = ids[j].qty;
                    nd->pub.uom = tg_s(g, ids[j].uom);
                    break;
                }
            }
        }
        for (uint32_t k = 0; k < nd->plain.n; k++)
            path_last(t, (int32_t)i, ivs(&nd->plain)[k].a, ivs(&nd->plain)[k].b,
                      16, &pi);
        nd->pub.last_event = pi.any;
        nd->pub.reached_consumer = pi.consumer;
        if (pi.party >= 0) {
            nd->pub.owner = t->events[pi.party].dst_owner;
            nd->pub.possessor = t->events[pi.party].dst_possessor;
        }
        if (pi.place >= 0) {
            const struct zl_trace_event *e = &t->events[pi.place];

            nd->pub.location =
                e->biz_location ? e->biz_location : e->dst_location;
        }
    }
    return 0;
}

/* ---- entry points
 * --------------------------------------------------------------- */

void zl_trace_free(zl_trace *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].plain.cap)
            zl_free(t->nodes[i].plain.v);
        if (t->nodes[i].down.cap)
            zl_free(t->nodes[i].down.v);
    }
    zl_free(t->tp);
    zl_free(t->csr);
    zl_free(t->nodes);
    zl_itab_free(&t->nmap);
    zl_free(t->edges);
    zl_free(t->eset.v);
    zl_free(t->gdone.v);
    zl_free(t->events);
    zl_free(t->ev_eid);
    zl_itab_free(&t->evmap);
    zl_free(t->cur.v);
    zl_free(t->next.v);
    zl_free(t->vis);
    tg_unref(t->g);
    zl_free(t);
}

static int start_location(zl_trace *t, int32_t sid)
{
    struct tg *g = t->g;
    int32_t *evs = NULL, loc;
    size_t n = 0, cap = 0;
    int rc;

    if ((rc = node_get(t, sid, 0, -1, ZL_LINK_START, -1, &loc)) < 0)
        goto out;
    if ((rc = tg_location_events(g, g->strs[sid].s, &evs, &n, &cap)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int32_t eid = evs[i];
        int64_t tm = g->evs[eid].t;

        if (!ev_ok(t, eid) || tm < t->from || tm > t->to)
            continue;
        if ((rc = touch(t, loc, eid)) < 0)
            goto out;
        for (int rank = 0; rank < TG_N_RANKS; rank++) {
            struct tg_ref *ids;
            uint32_t n_ids;

            if ((rc = tg_ids(g, eid, rank, &ids, &n_ids)) < 0)
                goto out;
            for (uint32_t k = 0; k < n_ids; k++) {
                struct tg_ref r = ids[k];

                if ((r.x = tg_ref_sid(g, &ids[k])) < 0) {
                    rc = r.x;
                    goto out;
                }
                rc = reach_on(t, r.x, tm, 1, 1, loc, ZL_LINK_AT_LOCATION, eid,
                              &r);
                if (rc < 0)
                    goto out;
            }
        }
    }
    t->level = 1;
    rc = 0;
out:
    zl_free(evs);
    return rc;
}

/* ---- the handle's graph --------------------------------------------- */

/* What a trace reads from the index (keys, entries, decoded records, the
 * strings it shows) stays in a graph kept per store handle and shared by
 * the traces that follow, as long as the index's generation
 * (zl_tix_generation: moved by every transaction that writes the index,
 * on any connection) is the one the graph was read at. A long-lived
 * handle (a server worker) thus reads the upstream of a batch once, not
 * once per item. The generation is read inside the trace's read snapshot,
 * so the graph never holds more than the state it names. When the
 * generation has moved only because events were added (the index's epoch,
 * zl_tix_epoch, is the same; SQLite, whose event ids grow commit by
 * commit), the graph is kept and brought up to date instead: the strings
 * the added events name lose their rows, read again when a trace next
 * needs them (tg_refresh). A server that is also capturing thus keeps
 * what its traces read between captures, where it would start afresh
 * after each. Bounded: past
 * GRAPH_MAX bytes (or after any error, which may leave a load half done)
 * the graph is dropped after the trace and the next one starts afresh;
 * traces still holding it keep it alive (the strings of their answers
 * live in its arena) by reference count. Inside a write transaction a
 * trace reads into a graph of its own, as uncommitted rows must not
 * outlive a rollback. Rejected: the store's change token (it moves on
 * every commit to any table, and on PostgreSQL with any transaction of
 * the server, other schemas included: measured, the graph never
 * survived from one trace to the next there). */

#define GRAPH_MAX ((size_t)128 << 20)

static const int GRAPH_KEY = 0;

static struct tg *graph_new(zl_store *s)
{
    struct tg *g = zl_malloc(sizeof(*g));

    if (g == NULL)
        return NULL;
    tg_init(g, s);
    atomic_init(&g->refs, 1);
    return g;
}

static void graph_unref_cb(void *p)
{
    tg_unref(p);
}

/* The graph a trace on s reads into (a reference for the trace). */
static struct tg *graph_get(zl_store *s)
{
    struct tg *g;
    uint64_t token;

    if (zl_store_in_tx(s) || zl_tix_generation(s, &token))
        return graph_new(s);
    g = zl_store_module_state(s, &GRAPH_KEY);
    if (g && (g->token == token || !tg_refresh(g, token))) {
        atomic_fetch_add(&g->refs, 1);
        return g;
    }
    if (!(g = graph_new(s)))
        return NULL;
    tg_mark(g, token);
    atomic_fetch_add(&g->refs, 1); /* the handle's */
    if (zl_store_module_set(s, &GRAPH_KEY, g, graph_unref_cb))
        atomic_fetch_sub(&g->refs, 1);
    return g;
}

/* After a trace on s with graph g ended with rc. */
static void graph_done(zl_store *s, struct tg *g, int rc)
{
    if (g && zl_store_module_state(s, &GRAPH_KEY) == g &&
        (rc < 0 || g->bytes > GRAPH_MAX))
        zl_store_module_set(s, &GRAPH_KEY, NULL, NULL);
}

static int run_many(zl_store *s, const char *const *ids, size_t n,
                    const struct zl_trace_opts *o, zl_trace **out,
                    struct zl_error *err)
{
    zl_trace *t = zl_calloc(1, sizeof(*t));
    int32_t *starts = NULL;
    char canon[512];
    int rc;

    *out = NULL;
    if (t == NULL)
        return ZL_ENOMEM;
    if (o != NULL)
        t->opts = *o;
    if (!(t->g = graph_get(s))) {
        zl_free(t);
        return ZL_ENOMEM;
    }
    t->from = t->opts.from_ms ? t->opts.from_ms : NEG;
    t->to = t->opts.to_ms ? t->opts.to_ms : POS;
    t->max_nodes = t->opts.max_nodes ? t->opts.max_nodes : DEFAULT_MAX_NODES;
    if (!(starts = zl_malloc((n + 1) * sizeof(*starts)))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int len =
            zl_gs1_canonical(ids[i], strlen(ids[i]), canon, sizeof(canon), err);

        if (len < 0) {
            rc = len == ZL_ELIMIT ? ZL_EINVAL : len;
            goto out;
        }
        if ((starts[i] = tg_intern(t->g, canon, (size_t)len)) < 0) {
            rc = starts[i];
            goto out;
        }
    }
    /* the starts' keys in one batch, before any record names a key */
    if ((rc = tg_need_keys(t->g, starts, n)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int32_t sid = tg_by_key(t->g, starts[i]);

        if (sid < 0) {
            rc = sid;
            goto out;
        }
        if (t->g->strs[sid].kind == ZL_TK_LOCATION)
            rc = start_location(t, sid);
        else
            rc = reach(t, sid, NEG, POS, 1, 0, -1, ZL_LINK_START, -1, NULL);
        if (rc < 0)
            goto out;
    }
    if ((rc = run_levels(t)) < 0 || (rc = finish(t)) < 0)
        goto out;
    if ((rc = t->vis_rc) < 0)
        goto out;
    zl_free(starts);
    graph_done(s, t->g, 0);
    *out = t;
    return 0;
out:
    zl_free(starts);
    graph_done(s, t->g, rc);
    zl_trace_free(t);
    return rc;
}

/* A trace makes many small reads: inside one read snapshot they see one
 * state of the store and, on SQLite, share one lock instead of taking one
 * a statement (unless the caller holds a transaction or snapshot). */
int zl_trace_run_many(zl_store *s, const char *const *ids, size_t n,
                      const struct zl_trace_opts *o, zl_trace **out,
                      struct zl_error *err)
{
    int snap = zl_store_snapshot_begin(s) == 0;
    int rc = run_many(s, ids, n, o, out, err);

    if (snap)
        zl_store_snapshot_end(s);
    return rc;
}

int zl_trace_run(zl_store *s, const char *id, const struct zl_trace_opts *o,
                 zl_trace **out, struct zl_error *err)
{
    const char *one[1] = {id};

    return zl_trace_run_many(s, one, 1, o, out, err);
}

int zl_trace_scope(zl_store *s, const char *const *lots, size_t n,
                   const struct zl_trace_opts *o, zl_trace **out,
                   struct zl_error *err)
{
    struct zl_trace_opts f;

    memset(&f, 0, sizeof(f));
    if (o != NULL)
        f = *o;
    f.dir = ZL_TRACE_FORWARD;
    return zl_trace_run_many(s, lots, n, &f, out, err);
}

int zl_trace_event_refs(const zl_trace *t, size_t ev, zl_trace_ref_cb cb,
                        void *ctx)
{
    struct tg *g = t->g;
    int32_t eid = t->ev_eid[ev];
    int rc = 0;

    for (int rank = 0; rank < TG_N_RANKS && !rc; rank++) {
        struct tg_ref *ids;
        uint32_t n;

        /* a side the walk did not follow is decoded now (its units
         * named from the store the trace read) */
        if ((rc = tg_ids(g, eid, rank, &ids, &n)) < 0)
            return rc;
        for (uint32_t i = 0; i < n && !rc; i++) {
            const struct tg_ref *r = &ids[i];
            int32_t sid = r->x >= 0 ? r->x : tg_sid_of_kid(g, r->kid);
            const char *uom = tg_s(g, r->uom);
            struct zl_trace_ref x = {sid >= 0 ? nmap_get(t, sid) : -1,
                                     r->pos,
                                     r->role,
                                     r->has_qty,
                                     r->qty,
                                     uom && uom[0] ? uom : NULL};

            rc = cb(ctx, &x);
        }
    }
    return rc;
}

size_t zl_trace_node_count(const zl_trace *t)
{
    ZL_ASSERT(t, 0);
    return t->n_nodes;
}

size_t zl_trace_edge_count(const zl_trace *t)
{
    ZL_ASSERT(t, 0);
    return t->n_edges;
}

size_t zl_trace_event_count(const zl_trace *t)
{
    ZL_ASSERT(t, 0);
    return t->n_events;
}

const struct zl_trace_node *zl_trace_node(const zl_trace *t, size_t i)
{
    ZL_ASSERT(t && i < t->n_nodes, NULL);
    return &t->nodes[i].pub;
}

const struct zl_trace_edge *zl_trace_edge(const zl_trace *t, size_t i)
{
    ZL_ASSERT(t && i < t->n_edges, NULL);
    return &t->edges[i].pub;
}

const struct zl_trace_event *zl_trace_event(const zl_trace *t, size_t i)
{
    ZL_ASSERT(t && i < t->n_events, NULL);
    return &t->events[i];
}

const struct zl_trace_opts *zl_trace_options(const zl_trace *t)
{
    ZL_ASSERT(t, NULL);
    return &t->opts;
}

void zl_trace_summarize(const zl_trace *t, struct zl_trace_summary *sum)
{
    memset(sum, 0, sizeof(*sum));
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct zl_trace_node *n = &t->nodes[i].pub;

        switch (n->kind) {
        case ZL_TK_ITEM:
            sum->items++;
            if (n->reached_consumer)
                sum->items_at_consumers++;
            break;
        case ZL_TK_LOT: sum->lots++; break;
        case ZL_TK_CLASS: sum->classes++; break;
        case ZL_TK_CONTAINER: sum->containers++; break;
        case ZL_TK_ASSET: sum->assets++; break;
        default: sum->other++; break;
        }
    }
    sum->events = t->n_events;
}
