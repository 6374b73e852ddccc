/*
 * graph_index.c - the complete in-memory trace index (zl_trace_index_*,
 * see zhiliang/trace.h): the same graph as graph.c's lazy one, loaded
 * whole so a server answers traces without store round trips.
 *
 * A full load is three sequential scans (store_trace.h): events, then the
 * identifier rows (which give both each identifier's rows and each
 * event's identifiers), then sources and destinations. An update loads
 * only the events recorded since the highest record time seen; a new
 * correction makes it load everything again, since rows already indexed
 * for an event now declared erroneous must go. After a load every
 * identifier and row list is moved into one exact-size pool (compact),
 * which is what keeps a large index small. The graph is then `complete`,
 * so the tg_need_* calls of the trace engine return at once.
 */
#include "trace/trace_int.h"

#include "store/store.h"
#include "store/store_correction.h"
#include "store/store_trace.h"
#include "util/alloc.h"

#include <string.h>

struct load_ctx {
    struct tg *g;
    int32_t *fresh;
    size_t n_fresh, cap_fresh;
};

static int load_ev_cb(void *ctx, const struct zl_stored_event *se)
{
    struct load_ctx *c = ctx;
    struct tg *g = c->g;
    int32_t eid = tg_event(g, se->hash, 0);
    int rc;

    if (eid >= 0)
        return 0; /* already indexed */
    eid = tg_event(g, se->hash, 1);
    if (eid < 0)
        return eid;
    if ((rc = tg_meta_from_stored(g, eid, se)) < 0)
        return rc;
    if (se->record_time_ms > g->max_rt)
        g->max_rt = se->record_time_ms;
    if (se->has_error_declaration)
        g->evs[eid].flags |= TG_EV_ERR;
    return tg_push_eid(g, &c->fresh, &c->n_fresh, &c->cap_fresh, eid);
}

/* Move every owned identifier and row list into one exact-size pool. */
static int compact(struct tg *g)
{
    size_t n_refs = 0, n_rows = 0, k = 0;
    struct tg_pool *p, *q;
    struct tg_ref *refs;
    struct tg_row *rows;

    for (size_t i = 0; i < g->n_evs; i++)
        if (g->evs[i].cap_ids)
            n_refs += g->evs[i].n_ids;
    for (size_t i = 0; i < g->n_strs; i++)
        if (g->strs[i].cap_rows)
            n_rows += g->strs[i].n_rows;
    p = zl_malloc(sizeof(*p) + n_refs * sizeof(struct tg_ref));
    q = zl_malloc(sizeof(*q) + n_rows * sizeof(struct tg_row));
    if (p == NULL || q == NULL) {
        zl_free(p);
        zl_free(q);
        return ZL_ENOMEM;
    }
    p->next = q;
    q->next = g->pools;
    g->pools = p;
    g->bytes += sizeof(*p) + n_refs * sizeof(struct tg_ref) + sizeof(*q) +
                n_rows * sizeof(struct tg_row);
    refs = (struct tg_ref *)(void *)p->data;
    rows = (struct tg_row *)(void *)q->data;
    for (size_t i = 0; i < g->n_evs; i++) {
        struct tg_event *e = &g->evs[i];

        if (!e->cap_ids)
            continue;
        tg_sort_ids(e);
        memcpy(&refs[k], e->ids, e->n_ids * sizeof(struct tg_ref));
        zl_free(e->ids);
        g->bytes -= e->cap_ids * sizeof(struct tg_ref);
        e->ids = &refs[k];
        e->cap_ids = 0;
        k += e->n_ids;
    }
    k = 0;
    for (size_t i = 0; i < g->n_strs; i++) {
        struct tg_str *st = &g->strs[i];

        if (!st->cap_rows)
            continue;
        memcpy(&rows[k], st->rows, st->n_rows * sizeof(struct tg_row));
        zl_free(st->rows);
        g->bytes -= st->cap_rows * sizeof(struct tg_row);
        st->rows = &rows[k];
        st->cap_rows = 0;
        k += st->n_rows;
    }
    return 0;
}

/* Load events recorded at or after since (all when since = 0) and link
 * them in: identifier rows, refs, transformation groups. */
static int index_load_since(struct tg *g, zl_store *s, int64_t since)
{
    struct load_ctx c = {g, NULL, 0, 0};
    struct zl_event_filter f;
    int rc;

    memset(&f, 0, sizeof(f));
    f.ge_record_time = since;
    g->complete = 0;
    g->store = s;
    if ((rc = zl_store_events_query(s, &f, load_ev_cb, &c)) < 0)
        goto out;
    if ((rc = tg_need_ids(g, c.fresh, c.n_fresh)) < 0)
        goto out;
    for (size_t i = 0; i < c.n_fresh; i++) {
        int32_t eid = c.fresh[i];
        struct tg_event *e;

        if ((rc = tg_load_refs(g, eid)) < 0)
            goto out;
        e = &g->evs[eid];
        e->flags |= TG_EV_META | TG_EV_IDS;
        for (uint32_t k = 0; k < e->n_ids && !(e->flags & TG_EV_ERR); k++) {
            if ((rc = tg_add_row(g, &g->strs[e->ids[k].x], eid,
                                 e->ids[k].role)) < 0)
                goto out;
            e = &g->evs[eid];
        }
        if (e->tid >= 0) {
            struct tg_str *st = &g->strs[e->tid];

            rc = tg_grow32((void **)&st->tid_ev, &st->cap_tid,
                           (size_t)st->n_tid + 1, sizeof(int32_t), &g->bytes);
            if (rc < 0)
                goto out;
            st->tid_ev[st->n_tid++] = eid;
        }
    }
    for (size_t i = 0; i < g->n_strs; i++)
        g->strs[i].flags |= TG_S_ROWS | TG_S_TID;
    rc = compact(g);
out:
    zl_free(c.fresh);
    g->complete = 1;
    g->store = NULL;
    return rc;
}

/* Full load by three sequential scans (store_trace.h): events, then the
 * identifier rows (which give both each identifier's rows and each
 * event's identifiers), then sources and destinations. */
static int scan_ev_cb(void *ctx, const struct zl_stored_event *se)
{
    struct tg *g = ctx;
    int32_t eid = tg_event(g, se->hash, 1);
    int rc;

    if (eid < 0)
        return eid;
    if ((rc = tg_meta_from_stored(g, eid, se)) < 0)
        return rc;
    g->evs[eid].flags = TG_EV_META | TG_EV_IDS;
    /* a declared-erroneous event stays known but links nothing */
    if (se->has_error_declaration)
        g->evs[eid].flags |= TG_EV_ERR;
    if (se->record_time_ms > g->max_rt)
        g->max_rt = se->record_time_ms;
    if (g->evs[eid].tid >= 0) {
        struct tg_str *st = &g->strs[g->evs[eid].tid];

        rc = tg_grow32((void **)&st->tid_ev, &st->cap_tid,
                       (size_t)st->n_tid + 1, sizeof(int32_t), &g->bytes);
        if (rc < 0)
            return rc;
        st->tid_ev[st->n_tid++] = eid;
    }
    return 0;
}

static int scan_id_cb(void *ctx, const struct zl_id_row *r)
{
    struct tg *g = ctx;
    int32_t eid = tg_event(g, r->hash, 0);
    int32_t sid;
    struct tg_ref ref;
    struct tg_str *st;
    struct tg_event *e;
    int rc;

    if (eid < 0)
        return 0; /* an event stored after the events scan */
    sid = tg_intern(g, r->id, strlen(r->id));
    if (sid < 0)
        return sid;
    ref.role = (uint8_t)r->role;
    ref.has_qty = (uint8_t)(r->has_quantity != 0);
    ref.qty = r->quantity;
    ref.uom = tg_intern0(g, r->uom);
    if (ref.uom < -1)
        return ref.uom;
    st = &g->strs[sid];
    if (!(g->evs[eid].flags & TG_EV_ERR) &&
        (rc = tg_add_row(g, st, eid, (int)r->role)) < 0)
        return rc;
    ref.x = sid;
    e = &g->evs[eid];
    return tg_add_ref(g, &e->ids, &e->n_ids, &e->cap_ids, &ref);
}

static int scan_ref_cb(void *ctx, const uint8_t hash[32], char kind,
                       const char *type, const char *value)
{
    struct tg *g = ctx;
    int32_t eid = tg_event(g, hash, 0);

    if (eid < 0)
        return 0;
    return tg_event_ref(g, eid, kind, type, value);
}

static int index_scan(struct tg *g, zl_store *s)
{
    int rc;

    g->complete = 0;
    if ((rc = zl_store_trace_scan_events(s, 0, scan_ev_cb, g)) < 0 ||
        (rc = zl_store_trace_scan_ids(s, scan_id_cb, g)) < 0 ||
        (rc = zl_store_trace_scan_refs(s, scan_ref_cb, g)) < 0)
        goto out;
    for (size_t i = 0; i < g->n_strs; i++)
        g->strs[i].flags |= TG_S_ROWS | TG_S_TID;
    rc = compact(g);
out:
    g->complete = 1;
    g->store = NULL;
    return rc;
}

int zl_trace_index_load(zl_store *s, zl_trace_index **out)
{
    zl_trace_index *ix = zl_calloc(1, sizeof(*ix));
    int rc;

    *out = NULL;
    if (ix == NULL)
        return ZL_ENOMEM;
    tg_init(&ix->g, s);
    if ((rc = zl_store_correction_count(s, &ix->n_corrections)) < 0 ||
        (rc = index_scan(&ix->g, s)) < 0) {
        zl_trace_index_free(ix);
        return rc;
    }
    *out = ix;
    return 0;
}

int zl_trace_index_update(zl_trace_index *ix, zl_store *s)
{
    int64_t n;
    int rc;

    /* A correction marks an old event erroneous: rows already indexed
     * must go, so the index is loaded again (corrections are rare). */
    if ((rc = zl_store_correction_count(s, &n)) < 0)
        return rc;
    if (n != ix->n_corrections) {
        tg_cleanup(&ix->g);
        tg_init(&ix->g, s);
        ix->n_corrections = n;
        return index_scan(&ix->g, s);
    }
    return index_load_since(&ix->g, s, ix->g.max_rt);
}

void zl_trace_index_free(zl_trace_index *ix)
{
    if (ix == NULL)
        return;
    tg_cleanup(&ix->g);
    zl_free(ix);
}

size_t zl_trace_index_bytes(const zl_trace_index *ix)
{
    return ix->g.bytes;
}

size_t zl_trace_index_events(const zl_trace_index *ix)
{
    return ix->g.n_evs;
}
