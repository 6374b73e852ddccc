/*
 * scope.c - recall scope: what a recall of some lots reaches, who holds it,
 * and the rows of the FSMA 204 sortable spreadsheet (see zhiliang/recall.h).
 * The outputs are elsewhere: recall_json.c (JSON and a case's record),
 * lib/report/fsma_csv.c (the spreadsheet) and lib/report/recall_report.c
 * (the bilingual text report).
 *
 * The walk itself is the trace engine's (zl_trace_scope). This file only
 * interprets its nodes and events:
 *   - each product node gets a traceability lot code: a lot is its own
 *     TLC, an item takes the lot it was instantiated from (MEMBER edge) or
 *     made from (TRANSFORMED edge from a lot);
 *   - a container's contents are the in-scope nodes packed into it
 *     (reverse PACKED_IN edges, transitively), so a pallet's shipping row
 *     names the lots it carried and not the co-packed goods the trace
 *     engine already left out;
 *   - holdings count terminal forms only (no outgoing TRANSFORMED or
 *     MEMBER edge), so the same milk is not counted as lot and as cartons.
 * Party, location and product names come from the registry, resolved once
 * per identifier (a string hash table is the cache). The result is a
 * typed model (recall_int.h); JSON is made from it only in
 * zl_recall_scope_json and for a case's "open" record (recall_json.c).
 *
 * Rejected: one CSV row per identifier per event. A case of 24 cartons
 * would give 24 identical rows; FSMA records are kept per lot code, so
 * rows are grouped by (event, TLC, unit) with quantities summed, each
 * product counted once per event even when listed directly and inside a
 * container.
 */
#include "zhiliang/recall.h"

#include "recall/recall_int.h"
#include "store/store.h"
#include "trace/trace_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/itab.h"
#include "util/strmap.h"
#include "util/timefmt.h"
#include "zhiliang/party.h"
#include "zhiliang/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caps on the working maps (entries); a scope is bounded by the trace
 * engine's own limits long before these. */
#define MAP_MAX ((size_t)1 << 26)

enum {
    C_DATE,
    C_TIME,
    C_CTE,
    C_TLC,
    C_PRODUCT,
    C_GTIN,
    C_QTY,
    C_UOM,
    C_LOC,
    C_FROM,
    C_TO,
    C_PREV,
    C_NEXT,
    C_TLC_SRC,
    C_DOC_TYPE,
    C_DOC_NO,
    C_ROLE,
    C_INPUTS,
    C_EVENT
};

/* A party or location identifier resolved through the registry; strings
 * interned in the scope, NULL when the registry does not say. */
struct resolved {
    const char *party; /* registry party ID, else the identifier */
    const char *name, *name_en, *gln, *address, *site, *site_en;
    const char *desc; /* describe()'s text, interned once made */
};

/* One identifier's line in one event (the event_ids row). */
struct evqty {
    int has_quantity;
    double quantity;
    const char *uom; /* NULL when the event gives none */
    int role;        /* enum zl_id_role */
    uint32_t pos;    /* its place in the event's list: the later wins */
};

/* (trace event, trace node) -> struct evqty: the lines in an array,
 * found through an index table (util/itab.h) by the key
 * event << 32 | node. */
struct qline {
    uint64_t key;
    struct evqty val;
};
struct qmap {
    struct qline *v;
    size_t n, cap;
    struct zl_itab idx;
};

/* A custodian while holdings are summed (uom -> struct zl_recall_holding). */
struct cust {
    const struct resolved *who;
    struct zl_strmap holdings;
};

struct ctx {
    zl_store *s;
    const zl_trace *t;
    zl_recall_scope *sc;       /* strings are interned in sc->strs */
    struct zl_strmap cache;    /* identifier -> struct resolved */
    struct qmap evqty;         /* (event, node) -> its line in the event */
    struct zl_strmap evin;     /* "<hex hash>" -> struct zl_strmap (set) */
    const char **evtime;       /* event -> its local time, interned */
    struct zl_strmap products; /* GTIN -> struct resolved (name, name_en) */
    int *tlc;                  /* node -> TLC node (or -1) */
    const char **gtin;         /* node -> its GTIN's digits (gtin_at) */
    int *terminal;
    int **kids; /* container -> packed children (node indices) */
    size_t *n_kids, *cap_kids;
    int *stamp;
    int cur;
    int oom; /* sticky: an allocation or lookup failed */
    /* memos of the per-node work (a scope has 100,000s of nodes and a
     * handful of kinds, units, lots, holders): keyed by the address of
     * strings that live as long as the trace or the program */
    struct {
        const char *s, *v;
    } pin[256];
    struct {
        const char *id; /* resolve()'s answers, by identifier address */
        const struct resolved *o;
    } rmemo[64];
};

/* s interned in the scope (NULL for NULL; sets c->oom on failure). */
static const char *intern(struct ctx *c, const char *s)
{
    struct zl_strmap_entry *e;
    int rc;

    if (!s)
        return NULL;
    e = zl_strmap_put(&c->sc->strs, s, NULL, &rc);
    if (!e) {
        c->oom = 1;
        return NULL;
    }
    return e->key;
}

/* intern() for a string whose address keeps its content while the scope
 * is built (the trace's strings, literals): remembered by address. */
static const char *intern_pinned(struct ctx *c, const char *s)
{
    size_t h = ((uintptr_t)s >> 3) * 0x9E3779B1u >> 24 & 255;

    if (s && c->pin[h].s == s)
        return c->pin[h].v;
    c->pin[h].s = s;
    c->pin[h].v = intern(c, s);
    if (!c->pin[h].v)
        c->pin[h].s = NULL;
    return c->pin[h].v;
}

/* s interned, or NULL when s is NULL or empty (the registry's "unset"). */
static const char *intern_nonempty(struct ctx *c, const char *s)
{
    return s && s[0] ? intern(c, s) : NULL;
}

static void set_free(void *p)
{
    zl_strmap_cleanup(p, NULL);
    zl_free(p);
}

static void cust_free(void *p)
{
    struct cust *cu = p;

    zl_strmap_cleanup(&cu->holdings, zl_free);
    zl_free(cu);
}

static int is_product(enum zl_trace_kind k)
{
    return k == ZL_TK_ITEM || k == ZL_TK_LOT || k == ZL_TK_CLASS;
}

static int is_carrier(enum zl_trace_kind k)
{
    return k == ZL_TK_CONTAINER || k == ZL_TK_ASSET;
}

/* A quantity printed as %.15g (CSV rows and the text report). */
void zl_recall_fmt_num(double v, char out[48])
{
    snprintf(out, 48, "%.15g", v);
}

/* Where the 14-digit GTIN of a Digital Link starts in id, or NULL. */
static const char *gtin_at(const char *id)
{
    static const char DL[] = "https://id.gs1.org/01/";
    const char *p;

    if (!id)
        return NULL;
    /* the canonical form first: its first "/01/" is at a known place */
    p = strncmp(id, DL, sizeof DL - 1) == 0 ? id + sizeof DL - 5
                                            : strstr(id, "/01/");
    if (!p)
        return NULL;
    for (int i = 0; i < 14; i++) /* a NUL stops it too */
        if (p[4 + i] < '0' || p[4 + i] > '9')
            return NULL;
    return p + 4;
}

/* The 14-digit GTIN in a canonical Digital Link, or 0. */
static int gtin_of(const char *id, char gtin[15])
{
    const char *p = gtin_at(id);

    if (!p)
        return 0;
    memcpy(gtin, p, 14);
    gtin[14] = 0;
    return 1;
}

struct resolve_ctx {
    struct ctx *c;
    struct resolved *o;
};

static int party_cb(void *vctx, const struct zl_party *p)
{
    struct resolve_ctx *r = vctx;
    struct resolved *o = r->o;
    const char *v;

    if ((v = intern_nonempty(r->c, p->id)) != NULL)
        o->party = v;
    if ((v = intern_nonempty(r->c, p->name_zh)) != NULL)
        o->name = v;
    if ((v = intern_nonempty(r->c, p->name_en)) != NULL)
        o->name_en = v;
    if ((v = intern_nonempty(r->c, p->address_zh)) != NULL)
        o->address = v;
    if (!o->gln && p->n_glns)
        o->gln = intern_nonempty(r->c, p->glns[0]);
    return r->c->oom ? ZL_ENOMEM : 0;
}

static int loc_cb(void *vctx, const struct zl_location *l)
{
    struct resolve_ctx *r = vctx;
    struct resolved *o = r->o;
    const char *v;

    if ((v = intern_nonempty(r->c, l->party_id)) != NULL)
        o->party = v;
    if ((v = intern_nonempty(r->c, l->name_zh)) != NULL)
        o->site = v;
    if ((v = intern_nonempty(r->c, l->name_en)) != NULL)
        o->site_en = v;
    return r->c->oom ? ZL_ENOMEM : 0;
}

/* Resolve a party or location identifier (borrowed from the cache, which
 * is keyed by identifier alone: the first lookup decides). Unknown
 * identifiers give {party: id, gln?}. NULL for NULL id or no memory. */
static const struct resolved *resolve(struct ctx *c, const char *id,
                                      int is_location)
{
    struct zl_strmap_entry *e;
    struct resolve_ctx r;
    struct resolved *o;
    char gln[14];
    size_t slot;
    int rc = 0;

    if (!id)
        return NULL;
    slot = ((uintptr_t)id >> 3) * 0x9E3779B1u >> 24 & 63;
    if (c->rmemo[slot].id == id) /* the trace's strings: one address each */
        return c->rmemo[slot].o;
    e = zl_strmap_put(&c->cache, id, NULL, &rc);
    if (!e || (!e->val && !(e->val = zl_calloc(1, sizeof(struct resolved))))) {
        c->oom = 1;
        return NULL;
    }
    o = e->val;
    if (o->party) /* resolved before */
        return o;
    r = (struct resolve_ctx){c, o};
    if (zl_party_location_gln(id, gln) == 0) {
        o->gln = intern_nonempty(c, gln);
        if (is_location) {
            rc = zl_location_get(c->s, gln, loc_cb, &r);
            if (rc == 0 && o->party)
                rc = zl_party_get(c->s, o->party, party_cb, &r);
            else if (rc == ZL_ENOTFOUND)
                rc = zl_party_get(c->s, gln, party_cb, &r);
        } else {
            rc = zl_party_get(c->s, gln, party_cb, &r);
        }
    }
    if (rc && rc != ZL_ENOTFOUND)
        c->oom = 1; /* a store error or no memory: fail the scope */
    if (!o->party)
        o->party = intern(c, id);
    if (!c->oom) {
        c->rmemo[slot].id = id;
        c->rmemo[slot].o = o;
    }
    return o;
}

/* "name (nameEn) site, GLN g, address" from a resolved identifier. */
static int describe(const struct resolved *o, struct zl_buf *b)
{
    int rc = 0;

    zl_buf_reset(b);
    if (!o)
        return zl_buf_add(b, "", 0);
    if (o->name) {
        rc = zl_buf_adds(b, o->name);
        if (!rc && o->name_en)
            rc = zl_buf_printf(b, " (%s)", o->name_en);
        if (!rc && o->site)
            rc = zl_buf_printf(b, " %s", o->site);
    } else if (!o->gln && o->party) {
        rc = zl_buf_adds(b, o->party);
    }
    if (!rc && o->gln)
        rc = zl_buf_printf(b, "%sGLN %s", b->len ? ", " : "", o->gln);
    if (!rc && o->address)
        rc = zl_buf_printf(b, ", %s", o->address);
    if (!rc && !b->data)
        rc = zl_buf_add(b, "", 0);
    return rc;
}

/* describe() of id, made once per identifier (the cache's entry keeps
 * it); NULL when out of memory or the store failed (*rc or c->oom). */
static const char *describe_of(struct ctx *c, const char *id, int is_location,
                               int *rc)
{
    struct resolved *o = (struct resolved *)resolve(c, id, is_location);
    struct zl_buf b;

    if (o && o->desc)
        return o->desc;
    zl_buf_init(&b, 1 << 16);
    *rc = describe(o, &b);
    if (!*rc) {
        const char *d = intern(c, b.data);

        if (o)
            o->desc = d;
        zl_buf_cleanup(&b);
        return d;
    }
    zl_buf_cleanup(&b);
    return NULL;
}

static char *describe_dup(struct ctx *c, const char *id, int is_location,
                          int *rc)
{
    const char *d;
    char *r;

    if (!id)
        return zl_strdup("");
    d = describe_of(c, id, is_location, rc);
    r = d ? zl_strdup(d) : NULL;
    if (!r && !*rc)
        *rc = ZL_ENOMEM;
    return r;
}

/* ---- per-event identifier quantities ------------------------------------ */

static uint64_t qmix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    return x ^ (x >> 33);
}

static uint64_t qkey(size_t ev, int node)
{
    return ((uint64_t)ev << 32) | (uint32_t)node;
}

static uint64_t qline_hash_of(const void *m, int32_t i)
{
    return qmix(((const struct qmap *)m)->v[i].key);
}

/* The index of key k's line in m, or -1. */
static int32_t qmap_find(const struct qmap *m, uint64_t k)
{
    const struct zl_itab *t = &m->idx;

    if (!t->cap)
        return -1;
    for (size_t i = zl_itab_start(t, qmix(k)); t->slot[i];
         i = zl_itab_step(t, i))
        if (m->v[t->slot[i] - 1].key == k)
            return t->slot[i] - 1;
    return -1;
}

/* The line of node in trace event ev, or NULL when the event does not
 * name it (or is no CTE). */
static const struct evqty *evqty_get(const struct ctx *c, size_t ev, int node)
{
    int32_t i = qmap_find(&c->evqty, qkey(ev, node));

    return i < 0 ? NULL : &c->evqty.v[i].val;
}

struct qctx {
    struct ctx *c;
    size_t ev;
};

static int evqty_cb(void *vctx, const struct zl_trace_ref *r)
{
    struct qctx *q = vctx;
    struct qmap *m = &q->c->evqty;
    uint64_t k;
    int32_t i;
    int rc;

    if (r->node < 0) /* only the trace's nodes are ever looked up */
        return 0;
    k = qkey(q->ev, r->node);
    if ((i = qmap_find(m, k)) < 0) {
        if ((rc = zl_itab_reserve(&m->idx, m->n, 1024, qline_hash_of, m,
                                  NULL)) ||
            (rc = zl_grow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v),
                          1024, NULL)))
            return rc;
        i = (int32_t)m->n++;
        zl_itab_put(&m->idx, qmix(k), i);
    } else if (m->v[i].val.pos > r->pos) {
        return 0; /* a later line for the same identifier wins */
    }
    m->v[i] = (struct qline){
        k,
        {r->has_quantity, r->has_quantity ? r->quantity : 0,
         r->has_quantity ? intern(q->c, r->uom) : NULL, r->role, r->pos}};
    return q->c->oom ? ZL_ENOMEM : 0;
}

/* The input identifiers of a transformation (its FSMA row lists them,
 * products in scope or not): the event's row, for those events alone,
 * input roles only (its outputs, often thousands of items, left unnamed). */
static int evin_cb(void *vctx, const struct zl_id_row *row)
{
    struct ctx *c = vctx;
    struct zl_strmap_entry *e;
    struct zl_strmap *in;
    char hex[65];
    int rc;

    zl_hex_encode(row->hash, 32, hex);
    if (!(e = zl_strmap_put(&c->evin, hex, NULL, &rc)))
        return rc;
    if (!e->val) {
        if (!(e->val = zl_calloc(1, sizeof(struct zl_strmap))))
            return ZL_ENOMEM;
        zl_strmap_init(e->val, MAP_MAX);
    }
    in = e->val;
    return zl_strmap_put(in, row->id, NULL, &rc) ? 0 : rc;
}

/* What each event with a CTE gives each node it names (the trace's own
 * copy of the event's identifiers), and the inputs of transformations. */
static int load_event_quantities(struct ctx *c)
{
    size_t ne = zl_trace_event_count(c->t), k = 0;
    uint8_t(*h)[32];
    int rc = 0;

    if (!ne)
        return 0;
    h = zl_calloc(ne, 32);
    if (!h)
        return ZL_ENOMEM;
    for (size_t i = 0; i < ne && !rc; i++) {
        const struct zl_trace_event *e = zl_trace_event(c->t, i);
        struct qctx q = {c, i};

        if (e->cte == ZL_CTE_NONE)
            continue;
        rc = zl_trace_event_refs(c->t, i, evqty_cb, &q);
        if (e->cte == ZL_CTE_TRANSFORMATION)
            memcpy(h[k++], e->hash, 32);
    }
    for (size_t i = 0; i < k && !rc; i += 256)
        rc = zl_store_event_ids(
            c->s, (const uint8_t(*)[32])h + i, k - i < 256 ? k - i : 256,
            ZL_ID_ROLE(ZL_ROLE_INPUT) | ZL_ID_ROLE(ZL_ROLE_INPUT_QTY), evin_cb,
            c);
    zl_free(h);
    return rc;
}

/* Event ev's local time as the rows and nodes print it, formatted once
 * (interned; NULL when out of memory). */
static const char *ev_time(struct ctx *c, size_t ev)
{
    if (!c->evtime[ev]) {
        const struct zl_trace_event *e = zl_trace_event(c->t, ev);
        char tbuf[40];

        zl_time_format_local(e->event_time_ms, e->tz_offset_min, tbuf);
        c->evtime[ev] = intern(c, tbuf);
    }
    return c->evtime[ev];
}

/* ---- structure: TLCs, terminal forms, contents -------------------------- */

static int add_kid(struct ctx *c, int parent, int kid)
{
    if (c->n_kids[parent] == c->cap_kids[parent]) {
        size_t nc = c->cap_kids[parent] ? 2 * c->cap_kids[parent] : 4;
        int *p = zl_realloc(c->kids[parent], nc * sizeof(int));

        if (!p)
            return ZL_ENOMEM;
        c->kids[parent] = p;
        c->cap_kids[parent] = nc;
    }
    for (size_t i = 0; i < c->n_kids[parent]; i++)
        if (c->kids[parent][i] == kid)
            return 0;
    c->kids[parent][c->n_kids[parent]++] = kid;
    return 0;
}

static const char *uom_of(const struct zl_trace_node *n)
{
    return n->uom ? n->uom : "EA";
}

static int structure(struct ctx *c)
{
    size_t nn = zl_trace_node_count(c->t), ne = zl_trace_edge_count(c->t);
    int rc;

    c->tlc = zl_calloc(nn ? nn : 1, sizeof(int));
    c->gtin = zl_calloc(nn ? nn : 1, sizeof(*c->gtin));
    c->terminal = zl_calloc(nn ? nn : 1, sizeof(int));
    c->stamp = zl_calloc(nn ? nn : 1, sizeof(int));
    c->kids = zl_calloc(nn ? nn : 1, sizeof(int *));
    c->n_kids = zl_calloc(nn ? nn : 1, sizeof(size_t));
    c->cap_kids = zl_calloc(nn ? nn : 1, sizeof(size_t));
    if (!c->tlc || !c->gtin || !c->terminal || !c->stamp || !c->kids ||
        !c->n_kids || !c->cap_kids)
        return ZL_ENOMEM;
    for (size_t i = 0; i < nn; i++) {
        const struct zl_trace_node *n = zl_trace_node(c->t, i);

        c->tlc[i] =
            n->kind == ZL_TK_LOT || n->kind == ZL_TK_CLASS ? (int)i : -1;
        c->terminal[i] = is_product(n->kind);
        c->gtin[i] = gtin_at(n->id); /* once a node, not once an edge */
    }
    /* An item's lot: the class it is an instance of (MEMBER), else a lot
     * of the same GTIN it was made from (a transformationID shared by
     * several steps links it to the raw material too), else any lot it
     * was made from. */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < ne; i++) {
            const struct zl_trace_edge *e = zl_trace_edge(c->t, i);
            const struct zl_trace_node *from =
                zl_trace_node(c->t, (size_t)e->from);
            const struct zl_trace_node *to = zl_trace_node(c->t, (size_t)e->to);
            enum zl_trace_link want =
                pass ? ZL_LINK_TRANSFORMED : ZL_LINK_MEMBER;

            if (e->link != want || to->kind != ZL_TK_ITEM ||
                c->tlc[e->to] >= 0 ||
                (from->kind != ZL_TK_LOT && from->kind != ZL_TK_CLASS))
                continue;
            if (pass == 1 && (!c->gtin[e->from] || !c->gtin[e->to] ||
                              memcmp(c->gtin[e->from], c->gtin[e->to], 14)))
                continue;
            c->tlc[e->to] = e->from;
        }
    }
    for (size_t i = 0; i < ne; i++) {
        const struct zl_trace_edge *e = zl_trace_edge(c->t, i);

        if (e->link == ZL_LINK_TRANSFORMED || e->link == ZL_LINK_MEMBER)
            c->terminal[e->from] = 0;

        if (e->link == ZL_LINK_PACKED_IN &&
            (rc = add_kid(c, e->to, e->from)) != 0)
            return rc;
        if (e->link == ZL_LINK_CONTAINS &&
            (rc = add_kid(c, e->from, e->to)) != 0)
            return rc;
    }
    /* A trade item that carried others (a case with its own SGTIN) is a
     * container here: its contents are counted, not the case too. */
    for (size_t i = 0; i < nn; i++)
        if (c->n_kids[i])
            c->terminal[i] = 0;
    return 0;
}

static const char *tlc_id(struct ctx *c, int node)
{
    int l = c->tlc[node];

    return zl_trace_node(c->t, (size_t)(l >= 0 ? l : node))->id;
}

/* ---- custodians --------------------------------------------------------- */

static const struct resolved *custodian_of(struct ctx *c,
                                           const struct zl_trace_node *n)
{
    if (n->possessor)
        return resolve(c, n->possessor, 0);
    if (n->owner)
        return resolve(c, n->owner, 0);
    if (n->location)
        return resolve(c, n->location, 1);
    return NULL;
}

/* The last holding add_holding found, by holder and unit address (a
 * run of nodes mostly shares both). */
struct hold_memo {
    const struct resolved *who;
    const char *uom;
    struct zl_recall_holding *h;
};

static int add_holding(struct ctx *c, struct zl_strmap *custs,
                       const struct resolved *who, const char *uom, double q,
                       int sold, struct hold_memo *m)
{
    struct zl_recall_holding *h;
    struct zl_strmap_entry *e;
    struct cust *cu;
    int rc = 0;

    if (m->h && m->who == who && m->uom == uom) {
        h = m->h;
        goto add;
    }
    if (!(e = zl_strmap_put(custs, who->party, NULL, &rc)))
        return rc;
    if (!e->val) {
        if (!(cu = zl_calloc(1, sizeof *cu)))
            return ZL_ENOMEM;
        cu->who = who;
        zl_strmap_init(&cu->holdings, MAP_MAX);
        e->val = cu;
    }
    cu = e->val;
    if (!(e = zl_strmap_put(&cu->holdings, uom, NULL, &rc)))
        return rc;
    if (!e->val) {
        if (!(h = zl_calloc(1, sizeof *h)))
            return ZL_ENOMEM;
        h->uom = intern(c, uom);
        e->val = h;
    }
    h = e->val;
    *m = (struct hold_memo){who, uom, h};
add:
    if (sold)
        h->sold += q;
    else
        h->held += q;
    return c->oom ? ZL_ENOMEM : 0;
}

/* How much of lot n its transformations took as input (the events'
 * inputQuantityList, in the lot's own unit); -1 when a use is of unknown
 * size or unit (then nothing is known to remain). */
static double consumed(struct ctx *c, const struct zl_trace_node *n, int node)
{
    double used = 0;

    for (size_t k = 0; k < n->n_events; k++) {
        const struct zl_trace_event *e =
            zl_trace_event(c->t, (size_t)n->events[k]);
        const struct evqty *v;

        if (e->type != ZL_EV_TRANSFORMATION)
            continue;
        v = evqty_get(c, (size_t)n->events[k], node);
        if (!v || (v->role != ZL_ROLE_INPUT_QTY && v->role != ZL_ROLE_INPUT))
            continue; /* an output of this event, not an input */
        if (!v->has_quantity || strcmp(v->uom ? v->uom : "EA", uom_of(n)))
            return -1;
        used += v->quantity;
    }
    return used;
}

static int build_custodians(struct ctx *c, zl_recall_scope *sc)
{
    size_t nn = zl_trace_node_count(c->t), i;
    struct resolved unknown = {"unknown", NULL, NULL, NULL,
                               NULL,      NULL, NULL, NULL};
    struct zl_strmap custs;
    struct hold_memo memo = {NULL, NULL, NULL};
    const char **keys = NULL;
    int rc = 0;

    zl_strmap_init(&custs, MAP_MAX);
    for (i = 0; i < nn && !rc; i++) {
        const struct zl_trace_node *n = zl_trace_node(c->t, i);
        const struct resolved *p = custodian_of(c, n);
        double q = n->has_quantity ? n->quantity : 1;

        /* A lot only partly used as input is still held, the rest of it,
         * by whoever held it last: they must be told too. */
        if (!c->terminal[i]) {
            double used = consumed(c, n, (int)i);

            if (n->kind != ZL_TK_LOT && n->kind != ZL_TK_CLASS)
                continue;
            /* not an input at all (a lot stands for its items), an input
             * of unknown size, or used up */
            if (!n->has_quantity || used <= 0 || used >= n->quantity)
                continue;
            q = n->quantity - used;
        }
        rc = add_holding(c, &custs, p ? p : &unknown, uom_of(n), q,
                         n->reached_consumer, &memo);
    }
    if (rc || !(keys = zl_strmap_sorted_keys(&custs, &rc)))
        goto out;
    sc->custodians =
        zl_calloc(zl_strmap_count(&custs) + 1, sizeof *sc->custodians);
    if (!sc->custodians) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < zl_strmap_count(&custs) && !rc; i++) {
        const struct cust *cu = zl_strmap_get(&custs, keys[i]);
        struct zl_recall_custodian *o = &sc->custodians[sc->n_custodians++];
        const char **uoms = zl_strmap_sorted_keys(&cu->holdings, &rc);
        size_t k, nh = zl_strmap_count(&cu->holdings);

        o->party = intern(c, cu->who->party);
        o->name = cu->who->name;
        o->name_en = cu->who->name_en;
        o->gln = cu->who->gln;
        o->address = cu->who->address;
        o->holdings = uoms ? zl_calloc(nh + 1, sizeof *o->holdings) : NULL;
        if (!o->holdings) {
            zl_free(uoms);
            rc = ZL_ENOMEM;
            break;
        }
        for (k = 0; k < nh; k++)
            o->holdings[k] = *(struct zl_recall_holding *)zl_strmap_get(
                &cu->holdings, uoms[k]);
        o->n_holdings = nh;
        zl_free(uoms);
    }
    if (!rc && c->oom)
        rc = ZL_ENOMEM;
out:
    zl_free(keys);
    zl_strmap_cleanup(&custs, cust_free);
    return rc;
}

/* ---- nodes -------------------------------------------------------------- */

static int cmp_node(const void *a, const void *b)
{
    return strcmp(((const struct zl_recall_node *)a)->id,
                  ((const struct zl_recall_node *)b)->id);
}

static int build_nodes(struct ctx *c, zl_recall_scope *sc)
{
    size_t nn = zl_trace_node_count(c->t);
    struct zl_strmap gt;
    const char *last_gtin = NULL;
    int rc = 0;

    zl_strmap_init(&gt, MAP_MAX);
    sc->nodes = zl_calloc(nn + 1, sizeof *sc->nodes);
    c->evtime = zl_calloc(zl_trace_event_count(c->t) + 1, sizeof(*c->evtime));
    if (!sc->nodes || !c->evtime) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nn; i++) {
        const struct zl_trace_node *n = zl_trace_node(c->t, i);
        struct zl_recall_node *o;
        const struct resolved *cu;
        char gtin[15];

        if (!is_product(n->kind) && !is_carrier(n->kind))
            continue;
        o = &sc->nodes[sc->n_nodes++];
        o->id = intern(c, n->id);
        o->kind = intern_pinned(c, zl_trace_kind_name(n->kind));
        o->depth = n->depth;
        o->reached_consumer = n->reached_consumer != 0;
        o->terminal = c->terminal[i] != 0;
        if (is_product(n->kind)) {
            o->tlc =
                c->tlc[i] >= 0 ? intern_pinned(c, tlc_id(c, (int)i)) : o->id;
            if (c->gtin[i]) {
                memcpy(gtin, c->gtin[i], 14);
                gtin[14] = 0;
                if (last_gtin && !strcmp(last_gtin, gtin)) {
                    o->gtin = last_gtin; /* interned, and in the set */
                } else {
                    o->gtin = last_gtin = intern(c, gtin);
                    if (!zl_strmap_put(&gt, gtin, NULL, &rc))
                        goto out;
                }
            }
        }
        if (n->has_quantity) {
            o->has_quantity = 1;
            o->quantity = n->quantity;
            o->uom = intern_pinned(c, uom_of(n));
        }
        if ((cu = custodian_of(c, n)) != NULL) {
            o->custodian = cu->party;
            o->custodian_name = cu->name;
        }
        o->location = n->location && n->location[0]
                          ? intern_pinned(c, n->location)
                          : NULL;
        if (n->location) {
            int drc = 0;
            const char *d = describe_of(c, n->location, 1, &drc);

            c->oom |= !d;
            o->location_description = d && d[0] ? d : NULL;
        }
        if (n->last_event >= 0) /* formatted once per event */
            o->last_event_time = ev_time(c, (size_t)n->last_event);
    }
    if (c->oom) { /* a NULL string would reach the sort */
        rc = ZL_ENOMEM;
        goto out;
    }
    qsort(sc->nodes, sc->n_nodes, sizeof *sc->nodes, cmp_node);
    sc->ids = zl_calloc(sc->n_nodes + 1, sizeof *sc->ids);
    if (!sc->ids || !(sc->gtins = zl_strmap_sorted_keys(&gt, &rc))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < sc->n_nodes; i++)
        sc->ids[sc->n_ids++] = sc->nodes[i].id;
    /* the GTIN strings must outlive the set: intern them */
    sc->n_gtins = zl_strmap_count(&gt);
    for (size_t i = 0; i < sc->n_gtins; i++)
        sc->gtins[i] = intern(c, sc->gtins[i]);
out:
    zl_strmap_cleanup(&gt, NULL);
    return rc;
}

/* ---- FSMA rows ---------------------------------------------------------- */

struct pair {
    int ev, node;
};

static int cmp_pair(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;

    if (x->ev != y->ev)
        return x->ev < y->ev ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

struct group {
    const char *tlc, *uom;
    const char *role; /* "input", "output" or "" */
    int tlc_node;
    double qty;
};

struct groups {
    struct group *g;
    size_t n, cap;
};

static int group_add(struct groups *gs, const char *tlc, int tlc_node,
                     const char *uom, const char *role, double q)
{
    for (size_t i = 0; i < gs->n; i++)
        if ((gs->g[i].tlc == tlc || !strcmp(gs->g[i].tlc, tlc)) &&
            (gs->g[i].uom == uom || !strcmp(gs->g[i].uom, uom)) &&
            (gs->g[i].role == role || !strcmp(gs->g[i].role, role))) {
            gs->g[i].qty += q;
            return 0;
        }
    if (gs->n == gs->cap) {
        size_t nc = gs->cap ? gs->cap * 2 : 8;
        struct group *p = zl_realloc(gs->g, nc * sizeof *p);

        if (!p)
            return ZL_ENOMEM;
        gs->g = p;
        gs->cap = nc;
    }
    gs->g[gs->n++] = (struct group){tlc, uom, role, tlc_node, q};
    return 0;
}

static int add_product(struct ctx *c, struct groups *gs, int ev,
                       const struct zl_trace_event *e, int node, int direct,
                       int depth)
{
    const struct zl_trace_node *n = zl_trace_node(c->t, (size_t)node);
    double q = n->has_quantity ? n->quantity : 1;
    const char *uom = uom_of(n), *role = "";
    int rc = 0;

    if (c->stamp[node] == c->cur || depth > 64)
        return 0;
    c->stamp[node] = c->cur;
    if (is_carrier(n->kind) || c->n_kids[node]) {
        size_t before = gs->n;

        for (size_t k = 0; k < c->n_kids[node] && !rc; k++)
            rc = add_product(c, gs, ev, e, c->kids[node][k], 0, depth + 1);
        if (!rc && gs->n == before && direct)
            rc = group_add(gs, n->id, node, "", "", 1);
        return rc;
    }
    if (!is_product(n->kind))
        return 0;
    /* an instance of a lot already counted in this event */
    if (n->kind == ZL_TK_ITEM && c->tlc[node] >= 0 &&
        c->stamp[c->tlc[node]] == c->cur)
        return 0;
    if (direct) {
        const struct evqty *v;

        if ((v = evqty_get(c, (size_t)ev, node)) != NULL) {
            int r = v->role;

            if (v->has_quantity)
                q = v->quantity;
            if (v->uom)
                uom = v->uom;
            if (e->cte == ZL_CTE_TRANSFORMATION)
                role = r == ZL_ROLE_INPUT || r == ZL_ROLE_INPUT_QTY ? "input"
                       : r == ZL_ROLE_OUTPUT || r == ZL_ROLE_OUTPUT_QTY
                           ? "output"
                           : "";
        }
    }
    return group_add(gs, tlc_id(c, node),
                     c->tlc[node] >= 0 ? c->tlc[node] : node, uom, role, q);
}

/* An event's business transaction references: (type, value) pairs. */
struct ref {
    char *type, *value;
};

struct refs {
    struct zl_buf types, numbers;
    struct ref *list;
    size_t n, cap;
};

static int ref_cb(void *vctx, char kind, const char *type, const char *value)
{
    struct refs *r = vctx;
    struct ref *x;

    if (kind != 'b' || !value)
        return 0;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 8;

        if (nc > 1u << 20 || !(x = zl_realloc(r->list, nc * sizeof *x)))
            return nc > 1u << 20 ? ZL_ELIMIT : ZL_ENOMEM;
        r->list = x;
        r->cap = nc;
    }
    x = &r->list[r->n];
    x->type = zl_strdup(type ? type : "");
    x->value = zl_strdup(value);
    if (!x->type || !x->value) {
        zl_free(x->type);
        zl_free(x->value);
        return ZL_ENOMEM;
    }
    r->n++;
    return 0;
}

static int cmp_ref(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    int d = strcmp(x->type, y->type);

    return d ? d : strcmp(x->value, y->value);
}

/* "https://ref.gs1.org/cbv/BTT-po" or "po" -> "PO" */
static void doc_type(const char *t, char out[32])
{
    const char *p = strrchr(t, '-');
    size_t i = 0;

    p = p ? p + 1 : (strrchr(t, '/') ? strrchr(t, '/') + 1 : t);
    if (!strcmp(p, "inv"))
        p = "invoice";
    for (; p[i] && i < 31; i++)
        out[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
    out[i] = 0;
    if (!strcmp(out, "INVOICE"))
        memcpy(out, "Invoice", 8);
}

/* "urn:epcglobal:cbv:bt:<gln>:<number>" -> "<number>"; else as is. */
static const char *doc_number(const char *v)
{
    if (!strncmp(v, "urn:epcglobal:cbv:bt:", 21) && strrchr(v, ':'))
        return strrchr(v, ':') + 1;
    return v;
}

static int event_refs(struct ctx *c, const struct zl_trace_event *e,
                      char **types, char **numbers)
{
    struct refs r = {0};
    size_t i;
    int rc;

    zl_buf_init(&r.types, 1 << 16);
    zl_buf_init(&r.numbers, 1 << 16);
    rc = zl_store_event_refs(c->s, e->hash, ref_cb, &r);
    if (rc)
        goto out;
    if (r.n)
        qsort(r.list, r.n, sizeof *r.list, cmp_ref);
    for (i = 0; i < r.n && !rc; i++) {
        char t[32];

        doc_type(r.list[i].type, t);
        rc = zl_buf_printf(&r.types, "%s%s", i ? "; " : "", t);
        if (!rc)
            rc = zl_buf_printf(&r.numbers, "%s%s", i ? "; " : "",
                               doc_number(r.list[i].value));
    }
    if (!rc) {
        rc = zl_buf_add(&r.types, "", 0) || zl_buf_add(&r.numbers, "", 0)
                 ? ZL_ENOMEM
                 : 0;
    }
    if (!rc) {
        *types = zl_buf_steal(&r.types);
        *numbers = zl_buf_steal(&r.numbers);
        if (!*types || !*numbers)
            rc = ZL_ENOMEM;
    }
out:
    for (i = 0; i < r.n; i++) {
        zl_free(r.list[i].type);
        zl_free(r.list[i].value);
    }
    zl_free(r.list);
    zl_buf_cleanup(&r.types);
    zl_buf_cleanup(&r.numbers);
    return rc;
}

/* Where a TLC was assigned: the location of the first creating event
 * (initial packing, first land-based receiving, transformation: 21 CFR
 * 1.1320(a); and harvesting) of its node. */
static const char *tlc_source(struct ctx *c, int node)
{
    const struct zl_trace_node *n = zl_trace_node(c->t, (size_t)node);

    for (size_t k = 0; k < n->n_events; k++) {
        const struct zl_trace_event *e =
            zl_trace_event(c->t, (size_t)n->events[k]);

        if (e->cte == ZL_CTE_INITIAL_PACKING || e->cte == ZL_CTE_HARVESTING ||
            e->cte == ZL_CTE_TRANSFORMATION ||
            e->cte == ZL_CTE_FIRST_LAND_BASED_RECEIVING)
            return e->biz_location ? e->biz_location : e->read_point;
    }
    return NULL;
}

static int emit_rows(struct ctx *c, zl_recall_scope *sc, int ev,
                     const struct zl_trace_event *e, struct groups *gs)
{
    char *types = NULL, *numbers = NULL;
    const char *inputs = NULL;
    struct zl_buf ib;
    char tbuf[40], qbuf[48], gtin[15];
    const char *loc, *prev = NULL, *next = NULL;
    int rc;

    if (!gs->n)
        return 0;
    zl_buf_init(&ib, 1 << 20);
    rc = event_refs(c, e, &types, &numbers);
    if (rc)
        goto out;
    if (e->cte == ZL_CTE_TRANSFORMATION) {
        char hx[65];
        const struct zl_strmap *in;
        const char **keys;

        zl_hex_encode(e->hash, 32, hx);
        in = zl_strmap_get(&c->evin, hx);
        if (in) {
            if (!(keys = zl_strmap_sorted_keys(in, &rc)))
                goto out;
            for (size_t i = 0; i < zl_strmap_count(in) && !rc; i++)
                rc = zl_buf_printf(&ib, "%s%s", i ? "; " : "", keys[i]);
            zl_free(keys);
            if (rc)
                goto out;
            inputs = ib.data;
        }
    }
    if (!ev_time(c, (size_t)ev)) {
        rc = ZL_ENOMEM;
        goto out;
    }
    snprintf(tbuf, sizeof tbuf, "%s", ev_time(c, (size_t)ev));
    loc = e->biz_location              ? e->biz_location
          : e->cte == ZL_CTE_SHIPPING  ? e->src_location
          : e->cte == ZL_CTE_RECEIVING ? e->dst_location
                                       : e->read_point;
    if (e->cte == ZL_CTE_RECEIVING)
        prev = e->src_owner ? e->src_owner : e->src_possessor;
    if (e->cte == ZL_CTE_SHIPPING)
        next = e->dst_owner ? e->dst_owner : e->dst_possessor;
    for (size_t i = 0; i < gs->n && !rc; i++) {
        struct zl_fsma_row *r;
        char pdesc[600] = "";
        char *col[ZL_FSMA_COLS] = {0};

        if (sc->n_rows % 64 == 0) {
            struct zl_fsma_row *p =
                zl_realloc(sc->rows, (sc->n_rows + 64) * sizeof *p);

            if (!p) {
                rc = ZL_ENOMEM;
                break;
            }
            sc->rows = p;
        }
        r = &sc->rows[sc->n_rows];
        memset(r, 0, sizeof *r);
        r->ms = e->event_time_ms;
        sc->n_rows++;
        if (gtin_of(gs->g[i].tlc, gtin)) {
            const struct resolved *pr = zl_strmap_get(&c->products, gtin);
            const char *zh = pr ? pr->name : NULL;
            const char *en = pr ? pr->name_en : NULL;

            if (zh && en)
                snprintf(pdesc, sizeof pdesc, "%s (%s)", zh, en);
            else if (zh)
                snprintf(pdesc, sizeof pdesc, "%s", zh);
        } else {
            gtin[0] = 0;
        }
        zl_recall_fmt_num(gs->g[i].qty, qbuf);
        col[C_DATE] = zl_strndup(tbuf, 10);
        col[C_TIME] = zl_strdup(tbuf);
        col[C_CTE] = zl_strdup(zl_cte_name(e->cte));
        col[C_TLC] = zl_strdup(gs->g[i].tlc);
        col[C_PRODUCT] = zl_strdup(pdesc);
        col[C_GTIN] = zl_strdup(gtin);
        col[C_QTY] = zl_strdup(gs->g[i].uom[0] ? qbuf : "");
        col[C_UOM] = zl_strdup(gs->g[i].uom);
        col[C_LOC] = describe_dup(c, loc, 1, &rc);
        if (!rc)
            col[C_FROM] = describe_dup(c,
                                       e->cte == ZL_CTE_SHIPPING ||
                                               e->cte == ZL_CTE_RECEIVING
                                           ? e->src_location
                                           : NULL,
                                       1, &rc);
        if (!rc)
            col[C_TO] = describe_dup(c,
                                     e->cte == ZL_CTE_SHIPPING ||
                                             e->cte == ZL_CTE_RECEIVING
                                         ? e->dst_location
                                         : NULL,
                                     1, &rc);
        if (!rc)
            col[C_PREV] = describe_dup(c, prev, 0, &rc);
        if (!rc)
            col[C_NEXT] = describe_dup(c, next, 0, &rc);
        if (!rc)
            col[C_TLC_SRC] =
                describe_dup(c, tlc_source(c, gs->g[i].tlc_node), 1, &rc);
        col[C_DOC_TYPE] = zl_strdup(types);
        col[C_DOC_NO] = zl_strdup(numbers);
        col[C_ROLE] = zl_strdup(gs->g[i].role);
        col[C_INPUTS] =
            zl_strdup(!strcmp(gs->g[i].role, "output") && inputs ? inputs : "");
        {
            char id[120];

            zl_event_hash_id(e->hash, id);
            col[C_EVENT] = zl_strdup(id);
        }
        for (int k = 0; k < ZL_FSMA_COLS; k++) {
            r->col[k] = col[k];
            if (!col[k] && !rc)
                rc = ZL_ENOMEM;
        }
    }
out:
    zl_buf_cleanup(&ib);
    zl_free(types);
    zl_free(numbers);
    return rc;
}

static int product_cb(void *vctx, const struct zl_product *p)
{
    struct resolve_ctx *r = vctx;

    r->o->name = intern_nonempty(r->c, p->name_zh);
    r->o->name_en = intern_nonempty(r->c, p->name_en);
    return r->c->oom ? ZL_ENOMEM : 0;
}

/* Look up the products (by GTIN) emit_rows names. */
static int load_products(struct ctx *c, zl_recall_scope *sc)
{
    for (size_t i = 0; i < sc->n_gtins; i++) {
        struct zl_strmap_entry *e;
        struct resolve_ctx r;
        int rc;

        if (!(e = zl_strmap_put(&c->products, sc->gtins[i], NULL, &rc)))
            return rc;
        if (!e->val && !(e->val = zl_calloc(1, sizeof(struct resolved))))
            return ZL_ENOMEM;
        r = (struct resolve_ctx){c, e->val};
        rc = zl_product_get(c->s, sc->gtins[i], product_cb, &r);
        if (rc && rc != ZL_ENOTFOUND)
            return rc;
    }
    return 0;
}

static int cmp_row(const void *a, const void *b)
{
    const struct zl_fsma_row *x = a, *y = b;
    int d;

    if (x->ms != y->ms)
        return x->ms < y->ms ? -1 : 1;
    if ((d = strcmp(x->col[C_TLC], y->col[C_TLC])) != 0)
        return d;
    if ((d = strcmp(x->col[C_CTE], y->col[C_CTE])) != 0)
        return d;
    if ((d = strcmp(x->col[C_EVENT], y->col[C_EVENT])) != 0)
        return d;
    if ((d = strcmp(x->col[C_ROLE], y->col[C_ROLE])) != 0)
        return d;
    return strcmp(x->col[C_UOM], y->col[C_UOM]);
}

static int build_rows(struct ctx *c, zl_recall_scope *sc,
                      struct zl_strmap *ctes)
{
    size_t nn = zl_trace_node_count(c->t), np = 0, cap = 0;
    struct pair *pairs = NULL;
    struct groups gs = {0};
    int rc = 0;

    for (size_t i = 0; i < nn; i++) {
        const struct zl_trace_node *n = zl_trace_node(c->t, i);

        if (!is_product(n->kind) && !is_carrier(n->kind))
            continue;
        for (size_t k = 0; k < n->n_events; k++) {
            if (zl_trace_event(c->t, (size_t)n->events[k])->cte == ZL_CTE_NONE)
                continue;
            if (np == cap) {
                size_t nc = cap ? cap * 2 : 256;
                struct pair *p = zl_realloc(pairs, nc * sizeof *p);

                if (!p) {
                    rc = ZL_ENOMEM;
                    goto out;
                }
                pairs = p;
                cap = nc;
            }
            pairs[np++] = (struct pair){n->events[k], (int)i};
        }
    }
    qsort(pairs, np, sizeof *pairs, cmp_pair);
    for (size_t a = 0; a < np && !rc;) {
        size_t b = a;
        const struct zl_trace_event *e =
            zl_trace_event(c->t, (size_t)pairs[a].ev);
        const char *name = zl_cte_name(e->cte);

        c->cur++;
        gs.n = 0;
        /* Lots listed directly first (their quantity in this event wins
         * and their instances listed beside them are not counted again),
         * then items, then what containers carried. */
        for (int pass = 0; pass < 3; pass++)
            for (b = a; b < np && pairs[b].ev == pairs[a].ev && !rc; b++) {
                enum zl_trace_kind k =
                    zl_trace_node(c->t, (size_t)pairs[b].node)->kind;
                int want = c->n_kids[pairs[b].node] || !is_product(k) ? 2
                           : k == ZL_TK_ITEM                          ? 1
                                                                      : 0;

                if (want == pass)
                    rc = add_product(c, &gs, pairs[a].ev, e, pairs[b].node, 1,
                                     0);
            }
        if (!rc)
            rc = emit_rows(c, sc, pairs[a].ev, e, &gs);
        if (!rc && gs.n) {
            struct zl_strmap_entry *ce = zl_strmap_put(ctes, name, NULL, &rc);

            if (ce)
                ce->n++;
        }
        a = b;
    }
    if (!rc)
        qsort(sc->rows, sc->n_rows, sizeof *sc->rows, cmp_row);
out:
    zl_free(pairs);
    zl_free(gs.g);
    return rc;
}

/* ---- public ------------------------------------------------------------- */

void zl_recall_scope_free(zl_recall_scope *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->n_rows; i++)
        for (int k = 0; k < ZL_FSMA_COLS; k++)
            zl_free(sc->rows[i].col[k]);
    zl_free(sc->rows);
    for (size_t i = 0; i < sc->n_custodians; i++)
        zl_free(sc->custodians[i].holdings);
    zl_free(sc->custodians);
    zl_free(sc->nodes);
    zl_free(sc->ctes);
    zl_free(sc->lots);
    zl_free(sc->ids);
    zl_free(sc->gtins);
    zl_strmap_cleanup(&sc->strs, NULL);
    zl_free(sc);
}

static void ctx_cleanup(struct ctx *c)
{
    if (c->kids)
        for (size_t i = 0; i < zl_trace_node_count(c->t); i++)
            zl_free(c->kids[i]);
    zl_free(c->kids);
    zl_free(c->n_kids);
    zl_free(c->cap_kids);
    zl_free(c->tlc);
    zl_free(c->gtin);
    zl_free(c->terminal);
    zl_free(c->stamp);
    zl_strmap_cleanup(&c->cache, zl_free);
    zl_free(c->evqty.v);
    zl_itab_free(&c->evqty.idx);
    zl_free(c->evtime);
    zl_strmap_cleanup(&c->evin, set_free);
    zl_strmap_cleanup(&c->products, zl_free);
}

static int scope_compute(zl_store *s, const char *const *lots, size_t n,
                         zl_recall_scope **out, struct zl_error *err)
{
    struct zl_trace_opts o = {0};
    struct ctx c = {0};
    struct zl_trace_summary sum;
    struct zl_strmap ctes;
    zl_recall_scope *sc = NULL;
    zl_trace *t = NULL;
    size_t nn;
    int rc;

    *out = NULL;
    if (!n)
        return zl_error_set(err, ZL_EINVAL, "lots", "a recall names lots", NULL,
                            0);
    zl_strmap_init(&ctes, MAP_MAX);
    zl_strmap_init(&c.cache, MAP_MAX);
    zl_strmap_init(&c.evin, MAP_MAX);
    zl_strmap_init(&c.products, MAP_MAX);
    o.dir = ZL_TRACE_FORWARD;
    rc = zl_trace_scope(s, lots, n, &o, &t, err);
    if (rc)
        goto out;
    c.s = s;
    c.t = t;
    sc = zl_calloc(1, sizeof *sc);
    if (!sc) {
        rc = ZL_ENOMEM;
        goto out;
    }
    zl_strmap_init(&sc->strs, MAP_MAX);
    c.sc = sc;
    nn = zl_trace_node_count(t);
    /* a lot no event names is a typo or another system's: say so rather
     * than recall nothing */
    for (size_t i = 0; i < nn; i++) {
        const struct zl_trace_node *nd = zl_trace_node(t, i);

        if (nd->depth == 0 && nd->n_events == 0) {
            rc = zl_error_set(err, ZL_ENOTFOUND, "lot",
                              "no captured event names this lot", nd->id,
                              (size_t)-1);
            goto out;
        }
    }
    if ((rc = structure(&c)) != 0 || (rc = load_event_quantities(&c)) != 0)
        goto out;
    sc->lots = zl_calloc(nn + 1, sizeof *sc->lots);
    if (!sc->lots) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nn; i++)
        if (zl_trace_node(t, i)->depth == 0)
            sc->lots[sc->n_lots++] = intern(&c, zl_trace_node(t, i)->id);
    zl_trace_summarize(t, &sum);
    sc->summary = (struct zl_recall_summary){
        sum.items,      sum.lots,   sum.classes,
        sum.containers, sum.assets, sum.items_at_consumers,
        sum.events};
    if (c.oom || (rc = build_nodes(&c, sc)) != 0 ||
        (rc = build_custodians(&c, sc)) != 0 ||
        (rc = load_products(&c, sc)) != 0)
        goto out;
    rc = build_rows(&c, sc, &ctes);
    if (!rc) {
        sc->ctes = zl_calloc(zl_strmap_count(&ctes) + 1, sizeof *sc->ctes);
        if (!sc->ctes)
            rc = ZL_ENOMEM;
        for (size_t i = 0; !rc && i < zl_strmap_count(&ctes); i++) {
            const struct zl_strmap_entry *e = zl_strmap_at(&ctes, i);

            sc->ctes[sc->n_ctes++] =
                (struct zl_recall_cte_count){intern(&c, e->key), e->n};
        }
    }
    if (!rc && c.oom)
        rc = ZL_ENOMEM;
out:
    if (!rc && c.oom)
        rc = ZL_ENOMEM;
    ctx_cleanup(&c);
    zl_strmap_cleanup(&ctes, NULL);
    zl_trace_free(t);
    if (rc)
        zl_recall_scope_free(sc);
    else
        *out = sc;
    return rc;
}

/* The walk and every read after it (each event's quantities and units,
 * products, custodians, places) in one read snapshot, so that the scope
 * is of one state of the store: the walk leaves sides of events coded and
 * their units are named after it, which a `zhiliang reindex` between the
 * two (it renumbers the trace index's keys) could otherwise make wrong.
 * Inside a caller's transaction or snapshot, that one holds. */
int zl_recall_scope_compute(zl_store *s, const char *const *lots, size_t n,
                            zl_recall_scope **out, struct zl_error *err)
{
    int snap = zl_store_snapshot_begin(s) == 0;
    int rc = scope_compute(s, lots, n, out, err);

    if (snap)
        zl_store_snapshot_end(s);
    return rc;
}

size_t zl_recall_scope_rows(const zl_recall_scope *sc)
{
    return sc ? sc->n_rows : 0;
}
