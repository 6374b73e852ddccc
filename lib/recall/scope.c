/*
 * scope.c - recall scope: what a recall of some lots reaches, who holds it,
 * and the FSMA 204 sortable spreadsheet (see zhiliang/recall.h).
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
 * per identifier (a jansson object is the cache).
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
#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/timefmt.h"
#include "zhiliang/party.h"
#include "zhiliang/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lists in the readable report stop here; --json has everything. */
#define REPORT_LIST_MAX 40

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

static const char *const fsma_header[ZL_FSMA_COLS] = {
    "Event Date",
    "Event Time",
    "CTE Type",
    "Traceability Lot Code (TLC)",
    "Product Description",
    "GTIN",
    "Quantity",
    "Unit of Measure",
    "Location Description",
    "Ship-from Location",
    "Ship-to Location",
    "Immediate Previous Source",
    "Immediate Subsequent Recipient",
    "TLC Source Location",
    "Reference Document Type",
    "Reference Document Number",
    "Transformation Role",
    "Transformation Input TLCs",
    "Event ID"};

struct ctx {
    zl_store *s;
    const zl_trace *t;
    json_t *cache;    /* identifier -> resolved party/location object */
    json_t *evqty;    /* "<hex hash>|<id>" -> [quantity, uom, role] */
    json_t *evin;     /* "<hex hash>" -> {input id: true} */
    json_t *products; /* GTIN -> {"name", "nameEn"} */
    int *tlc;         /* node -> TLC node (or -1) */
    int *terminal;
    int **kids; /* container -> packed children (node indices) */
    size_t *n_kids, *cap_kids;
    int *stamp;
    int cur;
    int oom; /* sticky: an allocation or lookup failed */
};

static int is_product(enum zl_trace_kind k)
{
    return k == ZL_TK_ITEM || k == ZL_TK_LOT || k == ZL_TK_CLASS;
}

static int is_carrier(enum zl_trace_kind k)
{
    return k == ZL_TK_CONTAINER || k == ZL_TK_ASSET;
}

static json_t *num(double v)
{
    if (v >= -9e15 && v <= 9e15 && v == (double)(long long)v)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static void fmt_num(double v, char out[48])
{
    snprintf(out, 48, "%.15g", v);
}

/* The 14-digit GTIN in a canonical Digital Link, or 0. */
static int gtin_of(const char *id, char gtin[15])
{
    const char *p = id ? strstr(id, "/01/") : NULL;

    if (!p || strlen(p + 4) < 14)
        return 0;
    memcpy(gtin, p + 4, 14);
    gtin[14] = 0;
    for (int i = 0; i < 14; i++)
        if (gtin[i] < '0' || gtin[i] > '9')
            return 0;
    return 1;
}

/* Set o[k] = v when v is non-empty; 1 on allocation failure, else 0. */
static int set_str(json_t *o, const char *k, const char *v)
{
    return v && v[0] && json_object_set_new(o, k, json_string(v)) ? 1 : 0;
}

/* Set a new value; 1 on allocation failure (v NULL included), else 0. */
static int oset(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v) ? 1 : 0;
}

static int party_cb(void *vctx, const struct zl_party *p)
{
    json_t *o = vctx;

    int bad = set_str(o, "party", p->id) | set_str(o, "name", p->name_zh) |
              set_str(o, "nameEn", p->name_en) |
              set_str(o, "address", p->address_zh);

    if (!json_object_get(o, "gln") && p->n_glns)
        bad |= set_str(o, "gln", p->glns[0]);
    return bad ? ZL_ENOMEM : 0;
}

static int loc_cb(void *vctx, const struct zl_location *l)
{
    json_t *o = vctx;

    int bad = set_str(o, "party", l->party_id) |
              set_str(o, "site", l->name_zh) | set_str(o, "siteEn", l->name_en);

    return bad ? ZL_ENOMEM : 0;
}

/* Resolve a party or location identifier to {"party","name","nameEn",
 * "gln","address","site","siteEn"} (borrowed from the cache). Unknown
 * identifiers give {"party": id, "gln"?}. */
static json_t *resolve(struct ctx *c, const char *id, int is_location)
{
    json_t *o;
    char gln[14];
    int rc = 0;

    if (!id)
        return NULL;
    if ((o = json_object_get(c->cache, id)) != NULL)
        return o;
    o = json_object();
    if (!o || json_object_set_new(c->cache, id, o)) {
        c->oom = 1;
        return NULL;
    }
    if (zl_party_location_gln(id, gln) == 0) {
        c->oom |= set_str(o, "gln", gln);
        if (is_location) {
            rc = zl_location_get(c->s, gln, loc_cb, o);
            if (rc == 0 && json_object_get(o, "party"))
                rc = zl_party_get(
                    c->s, json_string_value(json_object_get(o, "party")),
                    party_cb, o);
            else if (rc == ZL_ENOTFOUND)
                rc = zl_party_get(c->s, gln, party_cb, o);
        } else {
            rc = zl_party_get(c->s, gln, party_cb, o);
        }
    }
    if (rc && rc != ZL_ENOTFOUND)
        c->oom = 1; /* a store error or no memory: fail the scope */
    if (!json_object_get(o, "party"))
        c->oom |= set_str(o, "party", id);
    return o;
}

/* "name (nameEn) site, GLN g, address" from a resolved object. */
static int describe(json_t *o, struct zl_buf *b)
{
    const char *name, *en, *site, *gln, *addr, *party;
    int rc = 0;

    zl_buf_reset(b);
    if (!o)
        return zl_buf_add(b, "", 0);
    name = json_string_value(json_object_get(o, "name"));
    en = json_string_value(json_object_get(o, "nameEn"));
    site = json_string_value(json_object_get(o, "site"));
    gln = json_string_value(json_object_get(o, "gln"));
    addr = json_string_value(json_object_get(o, "address"));
    party = json_string_value(json_object_get(o, "party"));
    if (name) {
        rc = zl_buf_adds(b, name);
        if (!rc && en)
            rc = zl_buf_printf(b, " (%s)", en);
        if (!rc && site)
            rc = zl_buf_printf(b, " %s", site);
    } else if (!gln && party) {
        rc = zl_buf_adds(b, party);
    }
    if (!rc && gln)
        rc = zl_buf_printf(b, "%sGLN %s", b->len ? ", " : "", gln);
    if (!rc && addr)
        rc = zl_buf_printf(b, ", %s", addr);
    if (!rc && !b->data)
        rc = zl_buf_add(b, "", 0);
    return rc;
}

static char *describe_dup(struct ctx *c, const char *id, int is_location,
                          int *rc)
{
    struct zl_buf b;
    char *r;

    if (!id)
        return zl_strdup("");
    zl_buf_init(&b, 1 << 16);
    *rc = describe(resolve(c, id, is_location), &b);
    r = *rc ? NULL : zl_buf_steal(&b);
    zl_buf_cleanup(&b);
    if (!r && !*rc)
        *rc = ZL_ENOMEM;
    return r;
}

/* ---- per-event identifier quantities ------------------------------------ */

static int evqty_cb(void *vctx, const struct zl_id_row *row)
{
    struct ctx *c = vctx;
    char key[1100], hex[65];
    json_t *v, *in;

    zl_hex_encode(row->hash, 32, hex);
    snprintf(key, sizeof key, "%s|%s", hex, row->id);
    v = row->has_quantity
            ? json_pack("[fs?i]", row->quantity, row->uom, (int)row->role)
            : json_pack("[nni]", (int)row->role);
    if (!v || json_object_set_new(c->evqty, key, v))
        return ZL_ENOMEM;
    if (row->role != ZL_ROLE_INPUT && row->role != ZL_ROLE_INPUT_QTY)
        return 0;
    if (!(in = json_object_get(c->evin, hex))) {
        in = json_object();
        if (!in || json_object_set_new(c->evin, hex, in))
            return ZL_ENOMEM;
    }
    return json_object_set_new(in, row->id, json_true()) ? ZL_ENOMEM : 0;
}

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
    for (size_t i = 0; i < ne; i++) {
        const struct zl_trace_event *e = zl_trace_event(c->t, i);

        if (e->cte != ZL_CTE_NONE)
            memcpy(h[k++], e->hash, 32);
    }
    for (size_t i = 0; i < k && !rc; i += 256)
        rc = zl_store_event_ids(c->s, (const uint8_t(*)[32])h + i,
                                k - i < 256 ? k - i : 256, evqty_cb, c);
    zl_free(h);
    return rc;
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

static int structure(struct ctx *c)
{
    size_t nn = zl_trace_node_count(c->t), ne = zl_trace_edge_count(c->t);
    int rc;

    c->tlc = zl_calloc(nn ? nn : 1, sizeof(int));
    c->terminal = zl_calloc(nn ? nn : 1, sizeof(int));
    c->stamp = zl_calloc(nn ? nn : 1, sizeof(int));
    c->kids = zl_calloc(nn ? nn : 1, sizeof(int *));
    c->n_kids = zl_calloc(nn ? nn : 1, sizeof(size_t));
    c->cap_kids = zl_calloc(nn ? nn : 1, sizeof(size_t));
    if (!c->tlc || !c->terminal || !c->stamp || !c->kids || !c->n_kids ||
        !c->cap_kids)
        return ZL_ENOMEM;
    for (size_t i = 0; i < nn; i++) {
        const struct zl_trace_node *n = zl_trace_node(c->t, i);

        c->tlc[i] =
            n->kind == ZL_TK_LOT || n->kind == ZL_TK_CLASS ? (int)i : -1;
        c->terminal[i] = is_product(n->kind);
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
            char g1[15], g2[15];

            if (e->link != want || to->kind != ZL_TK_ITEM ||
                c->tlc[e->to] >= 0 ||
                (from->kind != ZL_TK_LOT && from->kind != ZL_TK_CLASS))
                continue;
            if (pass == 1 && (!gtin_of(from->id, g1) || !gtin_of(to->id, g2) ||
                              strcmp(g1, g2)))
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

static json_t *custodian_of(struct ctx *c, const struct zl_trace_node *n)
{
    if (n->possessor)
        return resolve(c, n->possessor, 0);
    if (n->owner)
        return resolve(c, n->owner, 0);
    if (n->location)
        return resolve(c, n->location, 1);
    return NULL;
}

static const char *uom_of(const struct zl_trace_node *n)
{
    return n->uom ? n->uom : "EA";
}

static int add_holding(json_t *cust, json_t *party, const char *uom, double q,
                       int sold)
{
    const char *key = json_string_value(json_object_get(party, "party"));
    json_t *o = json_object_get(cust, key), *h, *v;
    const char *field = sold ? "sold" : "held";

    if (!o) {
        o = json_deep_copy(party);
        if (!o || json_object_set_new(cust, key, o))
            return ZL_ENOMEM;
        json_object_del(o, "site");
        json_object_del(o, "siteEn");
        if (oset(o, "holdings", json_object()))
            return ZL_ENOMEM;
    }
    h = json_object_get(json_object_get(o, "holdings"), uom);
    if (!h) {
        h = json_pack("{s:s,s:i,s:i}", "uom", uom, "held", 0, "sold", 0);
        if (!h || json_object_set_new(json_object_get(o, "holdings"), uom, h))
            return ZL_ENOMEM;
    }
    v = json_object_get(h, field);
    return json_object_set_new(h, field, num(json_number_value(v) + q))
               ? ZL_ENOMEM
               : 0;
}

/* Object of objects -> array in key order (json_object_foreach is in
 * insertion order; sort the keys). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The values (keys_only = 0) or the keys (keys_only = 1, as strings) of obj
 * as an array in key order (new), or NULL. */
static json_t *sorted_by_key(json_t *obj, int keys_only)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = zl_calloc(n ? n : 1, sizeof(char *));
    const char *k;
    json_t *v, *arr = json_array();

    if (!keys || !arr) {
        zl_free(keys);
        json_decref(arr);
        return NULL;
    }
    json_object_foreach(obj, k, v) keys[i++] = k;
    qsort(keys, n, sizeof(char *), cmp_str);
    for (i = 0; i < n; i++)
        if (keys_only ? json_array_append_new(arr, json_string(keys[i]))
                      : json_array_append(arr, json_object_get(obj, keys[i]))) {
            json_decref(arr);
            arr = NULL;
            break;
        }
    zl_free(keys);
    return arr;
}

static json_t *sorted_values(json_t *obj) { return sorted_by_key(obj, 0); }

/* Keys of obj as a sorted array of strings (new), or NULL. */
static json_t *sorted_keys(json_t *obj) { return sorted_by_key(obj, 1); }

static int build_custodians(struct ctx *c, json_t *doc)
{
    size_t nn = zl_trace_node_count(c->t);
    json_t *cust = json_object(), *arr, *unknown;
    size_t i;
    json_t *v;
    int rc = 0;

    unknown = json_pack("{s:s}", "party", "unknown");
    if (!cust || !unknown) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < nn && !rc; i++) {
        const struct zl_trace_node *n = zl_trace_node(c->t, i);
        json_t *p;

        if (!c->terminal[i])
            continue;
        p = custodian_of(c, n);
        rc =
            add_holding(cust, p ? p : unknown, uom_of(n),
                        n->has_quantity ? n->quantity : 1, n->reached_consumer);
    }
    if (rc)
        goto out;
    arr = sorted_values(cust);
    if (!arr) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(arr, i, v)
    {
        json_t *hs = sorted_values(json_object_get(v, "holdings"));

        if (!hs) {
            rc = ZL_ENOMEM;
            break;
        }
        if (json_object_set_new(v, "holdings", hs)) {
            rc = ZL_ENOMEM;
            break;
        }
    }
    if (oset(doc, "custodians", arr))
        rc = ZL_ENOMEM;
out:
    json_decref(cust);
    json_decref(unknown);
    return rc;
}

/* ---- nodes -------------------------------------------------------------- */

static int build_nodes(struct ctx *c, zl_recall_scope *sc)
{
    size_t nn = zl_trace_node_count(c->t);
    json_t *nodes = json_object(), *gt = json_object(), *arr = NULL;
    json_t *v;
    int rc = 0;

    if (!nodes || !gt) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nn; i++) {
        const struct zl_trace_node *n = zl_trace_node(c->t, i);
        json_t *o, *cu;
        char tbuf[40], gtin[15];

        if (!is_product(n->kind) && !is_carrier(n->kind))
            continue;
        o = json_pack("{s:s,s:s,s:i,s:b,s:b}", "id", n->id, "kind",
                      zl_trace_kind_name(n->kind), "depth", n->depth,
                      "reachedConsumer", n->reached_consumer, "terminal",
                      c->terminal[i]);
        if (!o || json_object_set_new(nodes, n->id, o)) {
            rc = ZL_ENOMEM;
            goto out;
        }
        if (is_product(n->kind)) {
            c->oom |= oset(o, "tlc", json_string(tlc_id(c, (int)i)));
            if (gtin_of(n->id, gtin))
                c->oom |= oset(o, "gtin", json_string(gtin)) |
                          oset(gt, gtin, json_true());
        }
        if (n->has_quantity)
            c->oom |= oset(o, "quantity", num(n->quantity)) |
                      oset(o, "uom", json_string(uom_of(n)));
        if ((cu = custodian_of(c, n)) != NULL &&
            json_object_set(o, "custodian", json_object_get(cu, "party")))
            c->oom = 1;
        c->oom |= set_str(o, "location", n->location);
        if (cu)
            c->oom |= set_str(o, "custodianName",
                              json_string_value(json_object_get(cu, "name")));
        if (n->location) {
            int drc = 0;
            char *d = describe_dup(c, n->location, 1, &drc);

            c->oom |= !d || set_str(o, "locationDescription", d);
            zl_free(d);
        }
        if (n->last_event >= 0) {
            const struct zl_trace_event *e =
                zl_trace_event(c->t, (size_t)n->last_event);

            zl_time_format_local(e->event_time_ms, e->tz_offset_min, tbuf);
            c->oom |= oset(o, "lastEventTime", json_string(tbuf));
        }
    }
    arr = sorted_values(nodes);
    sc->ids = json_array();
    sc->gtins = json_array();
    if (!arr || !sc->ids || !sc->gtins) {
        rc = ZL_ENOMEM;
        goto out;
    }
    {
        size_t i;

        json_array_foreach(
            arr, i, v) if (json_array_append(sc->ids, json_object_get(v, "id")))
            c->oom = 1;
    }
    json_decref(sc->gtins);
    if (!(sc->gtins = sorted_keys(gt))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    c->oom |= oset(sc->doc, "nodes", arr);
    arr = NULL;
out:
    json_decref(arr);
    json_decref(nodes);
    json_decref(gt);
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
        if (!strcmp(gs->g[i].tlc, tlc) && !strcmp(gs->g[i].uom, uom) &&
            !strcmp(gs->g[i].role, role)) {
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

static int add_product(struct ctx *c, struct groups *gs,
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
            rc = add_product(c, gs, e, c->kids[node][k], 0, depth + 1);
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
        char key[1100], hex[65];
        json_t *v;

        zl_hex_encode(e->hash, 32, hex);
        snprintf(key, sizeof key, "%s|%s", hex, n->id);
        if ((v = json_object_get(c->evqty, key)) != NULL) {
            json_int_t r = json_integer_value(json_array_get(v, 2));

            if (json_is_number(json_array_get(v, 0)))
                q = json_number_value(json_array_get(v, 0));
            if (json_string_value(json_array_get(v, 1)))
                uom = json_string_value(json_array_get(v, 1));
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

struct refs {
    struct zl_buf types, numbers;
    json_t *list;
};

static int ref_cb(void *vctx, char kind, const char *type, const char *value)
{
    struct refs *r = vctx;
    json_t *o;

    if (kind != 'b' || !value)
        return 0;
    o = json_pack("[ss]", type ? type : "", value);
    return !o || json_array_append_new(r->list, o) ? ZL_ENOMEM : 0;
}

static int cmp_ref(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int d = strcmp(json_string_value(json_array_get(x, 0)),
                   json_string_value(json_array_get(y, 0)));

    return d ? d
             : strcmp(json_string_value(json_array_get(x, 1)),
                      json_string_value(json_array_get(y, 1)));
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
    struct refs r;
    size_t n, i;
    json_t **items = NULL;
    int rc;

    zl_buf_init(&r.types, 1 << 16);
    zl_buf_init(&r.numbers, 1 << 16);
    r.list = json_array();
    if (!r.list) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_store_event_refs(c->s, e->hash, ref_cb, &r);
    if (rc)
        goto out;
    n = json_array_size(r.list);
    items = zl_calloc(n ? n : 1, sizeof(json_t *));
    if (!items) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++)
        items[i] = json_array_get(r.list, i);
    qsort(items, n, sizeof(json_t *), cmp_ref);
    for (i = 0; i < n && !rc; i++) {
        char t[32];

        doc_type(json_string_value(json_array_get(items[i], 0)), t);
        rc = zl_buf_printf(&r.types, "%s%s", i ? "; " : "", t);
        if (!rc)
            rc = zl_buf_printf(
                &r.numbers, "%s%s", i ? "; " : "",
                doc_number(json_string_value(json_array_get(items[i], 1))));
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
    zl_free(items);
    json_decref(r.list);
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

static int emit_rows(struct ctx *c, zl_recall_scope *sc,
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
        json_t *in, *arr, *v;
        size_t i;

        zl_hex_encode(e->hash, 32, hx);
        in = json_object_get(c->evin, hx);
        if (in) {
            if (!(arr = sorted_keys(in))) {
                rc = ZL_ENOMEM;
                goto out;
            }
            json_array_foreach(arr, i, v) if (!rc) rc =
                zl_buf_printf(&ib, "%s%s", i ? "; " : "", json_string_value(v));
            json_decref(arr);
            if (rc)
                goto out;
            inputs = ib.data;
        }
    }
    zl_time_format_local(e->event_time_ms, e->tz_offset_min, tbuf);
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
            json_t *pr = json_object_get(c->products, gtin);
            const char *zh = json_string_value(json_object_get(pr, "name"));
            const char *en = json_string_value(json_object_get(pr, "nameEn"));

            if (zh && en)
                snprintf(pdesc, sizeof pdesc, "%s (%s)", zh, en);
            else if (zh)
                snprintf(pdesc, sizeof pdesc, "%s", zh);
        } else {
            gtin[0] = 0;
        }
        fmt_num(gs->g[i].qty, qbuf);
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
    json_t *o = vctx;

    return set_str(o, "name", p->name_zh) | set_str(o, "nameEn", p->name_en)
               ? ZL_ENOMEM
               : 0;
}

/* Look up the products (by GTIN) emit_rows names. */
static int load_products(struct ctx *c, zl_recall_scope *sc)
{
    size_t i;
    json_t *g;

    json_array_foreach(sc->gtins, i, g)
    {
        json_t *o = json_object();
        int rc;

        if (!o || json_object_set_new(c->products, json_string_value(g), o))
            return ZL_ENOMEM;
        rc = zl_product_get(c->s, json_string_value(g), product_cb, o);
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

static int build_rows(struct ctx *c, zl_recall_scope *sc, json_t *ctes)
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
                    rc = add_product(c, &gs, e, pairs[b].node, 1, 0);
            }
        if (!rc)
            rc = emit_rows(c, sc, e, &gs);
        if (!rc && gs.n)
            rc = json_object_set_new(
                     ctes, name,
                     json_integer(
                         json_integer_value(json_object_get(ctes, name)) + 1))
                     ? ZL_ENOMEM
                     : 0;
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
    json_decref(sc->doc);
    json_decref(sc->ids);
    json_decref(sc->gtins);
    zl_free(sc);
}

int zl_recall_scope_compute(zl_store *s, const char *const *lots, size_t n,
                            zl_recall_scope **out, struct zl_error *err)
{
    struct zl_trace_opts o = {0};
    struct ctx c = {0};
    struct zl_trace_summary sum;
    zl_recall_scope *sc = NULL;
    json_t *starts, *ctes;
    zl_trace *t = NULL;
    size_t nn;
    int rc;

    *out = NULL;
    if (!n)
        return zl_error_set(err, ZL_EINVAL, "lots", "a recall names lots", NULL,
                            0);
    o.dir = ZL_TRACE_FORWARD;
    rc = zl_trace_scope(s, lots, n, &o, &t, err);
    if (rc)
        goto out;
    c.s = s;
    c.t = t;
    c.cache = json_object();
    c.evqty = json_object();
    c.evin = json_object();
    c.products = json_object();
    sc = zl_calloc(1, sizeof *sc);
    if (!sc || !c.cache || !c.evqty || !c.evin || !c.products ||
        !(sc->doc = json_object())) {
        rc = ZL_ENOMEM;
        goto out;
    }
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
    starts = json_array();
    for (size_t i = 0; i < nn && starts; i++)
        if (zl_trace_node(t, i)->depth == 0 &&
            json_array_append_new(starts, json_string(zl_trace_node(t, i)->id)))
            c.oom = 1;
    c.oom |= oset(sc->doc, "lots", starts);
    zl_trace_summarize(t, &sum);
    c.oom |= oset(sc->doc, "summary",
                  json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "items",
                            (json_int_t)sum.items, "lots", (json_int_t)sum.lots,
                            "classes", (json_int_t)sum.classes, "containers",
                            (json_int_t)sum.containers, "assets",
                            (json_int_t)sum.assets, "itemsAtConsumers",
                            (json_int_t)sum.items_at_consumers, "events",
                            (json_int_t)sum.events));
    if ((rc = build_nodes(&c, sc)) != 0 ||
        (rc = build_custodians(&c, sc->doc)) != 0 ||
        (rc = load_products(&c, sc)) != 0)
        goto out;
    ctes = json_object();
    if (!ctes || json_object_set_new(sc->doc, "cteCounts", ctes)) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = build_rows(&c, sc, ctes);
    if (!rc)
        c.oom |=
            oset(sc->doc, "fsmaRows", json_integer((json_int_t)sc->n_rows));
    if (!rc && c.oom)
        rc = ZL_ENOMEM;
out:
    if (c.kids)
        for (size_t i = 0; i < zl_trace_node_count(t); i++)
            zl_free(c.kids[i]);
    zl_free(c.kids);
    zl_free(c.n_kids);
    zl_free(c.cap_kids);
    zl_free(c.tlc);
    zl_free(c.terminal);
    zl_free(c.stamp);
    json_decref(c.cache);
    json_decref(c.evqty);
    json_decref(c.evin);
    json_decref(c.products);
    zl_trace_free(t);
    if (rc)
        zl_recall_scope_free(sc);
    else
        *out = sc;
    return rc;
}

size_t zl_recall_scope_rows(const zl_recall_scope *sc)
{
    return sc ? sc->n_rows : 0;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return zl_buf_add(data, buf, size) ? -1 : 0;
}

int zl_recall_scope_json(const zl_recall_scope *sc, struct zl_buf *out)
{
    if (json_dump_callback(sc->doc, dump_cb, out,
                           JSON_INDENT(2) | JSON_SORT_KEYS |
                               JSON_REAL_PRECISION(15)))
        return ZL_ENOMEM;
    return zl_buf_addc(out, '\n');
}

static int csv_field(struct zl_buf *b, const char *v, int last)
{
    int rc = 0;

    if (strpbrk(v, ",\"\r\n")) {
        rc = zl_buf_addc(b, '"');
        for (const char *p = v; *p && !rc; p++)
            rc = *p == '"' ? zl_buf_add(b, "\"\"", 2) : zl_buf_addc(b, *p);
        if (!rc)
            rc = zl_buf_addc(b, '"');
    } else {
        rc = zl_buf_adds(b, v);
    }
    if (!rc)
        rc = last ? zl_buf_add(b, "\r\n", 2) : zl_buf_addc(b, ',');
    return rc;
}

int zl_recall_scope_csv(const zl_recall_scope *sc, struct zl_buf *out)
{
    int rc = 0;

    for (int k = 0; k < ZL_FSMA_COLS && !rc; k++)
        rc = csv_field(out, fsma_header[k], k == ZL_FSMA_COLS - 1);
    for (size_t i = 0; i < sc->n_rows && !rc; i++)
        for (int k = 0; k < ZL_FSMA_COLS && !rc; k++)
            rc = csv_field(out, sc->rows[i].col[k], k == ZL_FSMA_COLS - 1);
    return rc;
}

static const char *sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int zl_recall_scope_report(const zl_recall_scope *sc, struct zl_buf *out)
{
    json_t *sum = json_object_get(sc->doc, "summary"), *v, *h;
    size_t i, j, n;
    const char *k;
    int rc;

    rc = zl_buf_adds(out, "召回范围报告 / Recall scope report\n"
                          "================================\n\n"
                          "召回批次 / Recalled lots:\n");
    json_array_foreach(json_object_get(sc->doc, "lots"), i, v) if (!rc) rc =
        zl_buf_printf(out, "  %s\n", json_string_value(v));
    if (!rc)
        rc = zl_buf_printf(
            out,
            "\n汇总 / Summary:\n"
            "  单品 items: %lld   批次 lots: %lld   类别 classes: %lld\n"
            "  容器 containers: %lld   周转器具 assets: %lld\n"
            "  已售给消费者的单品 items sold to consumers: %lld\n"
            "  涉及事件 events: %lld   FSMA 204 记录行 rows: %zu\n",
            (long long)json_integer_value(json_object_get(sum, "items")),
            (long long)json_integer_value(json_object_get(sum, "lots")),
            (long long)json_integer_value(json_object_get(sum, "classes")),
            (long long)json_integer_value(json_object_get(sum, "containers")),
            (long long)json_integer_value(json_object_get(sum, "assets")),
            (long long)json_integer_value(
                json_object_get(sum, "itemsAtConsumers")),
            (long long)json_integer_value(json_object_get(sum, "events")),
            sc->n_rows);
    if (!rc)
        rc = zl_buf_adds(out,
                         "\n按持有方 / By custodian (who holds how much):\n");
    json_array_foreach(json_object_get(sc->doc, "custodians"), i, v)
    {
        if (rc)
            break;
        rc = zl_buf_printf(out, "  %s%s%s%s [%s]%s%s%s%s\n",
                           sget(v, "name") ? sget(v, "name") : "",
                           sget(v, "nameEn") ? " (" : "",
                           sget(v, "nameEn") ? sget(v, "nameEn") : "",
                           sget(v, "nameEn") ? ")" : "", sget(v, "party"),
                           sget(v, "gln") ? " GLN " : "",
                           sget(v, "gln") ? sget(v, "gln") : "",
                           sget(v, "address") ? ", " : "",
                           sget(v, "address") ? sget(v, "address") : "");
        json_array_foreach(json_object_get(v, "holdings"), j, h)
        {
            char a[48], b[48];

            if (rc)
                break;
            fmt_num(json_number_value(json_object_get(h, "held")), a);
            fmt_num(json_number_value(json_object_get(h, "sold")), b);
            rc = zl_buf_printf(
                out, "      持有 held: %s %s   已售 sold to consumers: %s %s\n",
                a, sget(h, "uom"), b, sget(h, "uom"));
        }
    }
    if (!rc)
        rc = zl_buf_adds(out, "\n已售给消费者 / Items sold to consumers:\n");
    j = 0;
    json_array_foreach(json_object_get(sc->doc, "nodes"), i, v)
    {
        if (rc)
            break;
        if (!json_is_true(json_object_get(v, "reachedConsumer")) ||
            !json_is_true(json_object_get(v, "terminal")))
            continue;
        if (j++ < REPORT_LIST_MAX)
            rc = zl_buf_printf(out, "  %s  (%s)\n", sget(v, "id"),
                               sget(v, "custodian") ? sget(v, "custodian")
                                                    : "?");
    }
    if (!rc && !j)
        rc = zl_buf_adds(out, "  无 none\n");
    if (!rc && j > REPORT_LIST_MAX)
        rc = zl_buf_printf(out, "  ... 另有 %zu 件 / %zu more (see --json)\n",
                           j - REPORT_LIST_MAX, j - REPORT_LIST_MAX);
    if (!rc)
        rc = zl_buf_adds(
            out, "\n关键追踪事件 / Critical tracking events (FSMA 204):\n");
    json_object_foreach(json_object_get(sc->doc, "cteCounts"), k, v)
    {
        if (rc)
            break;
        rc = zl_buf_printf(out, "  %-16s %lld\n", k,
                           (long long)json_integer_value(v));
    }
    if (!rc)
        rc = zl_buf_adds(
            out, "\n受影响对象 / Affected lots, items and containers:\n");
    n = json_array_size(json_object_get(sc->doc, "nodes"));
    json_array_foreach(json_object_get(sc->doc, "nodes"), i, v)
    {
        char q[48] = "";

        if (rc || i >= REPORT_LIST_MAX)
            break;
        if (json_object_get(v, "quantity"))
            fmt_num(json_number_value(json_object_get(v, "quantity")), q);
        rc = zl_buf_printf(out, "  %-9s %s %s%s%s -> %s\n", sget(v, "kind"),
                           sget(v, "id"), q, q[0] ? " " : "",
                           q[0] ? sget(v, "uom") : "",
                           sget(v, "custodian") ? sget(v, "custodian") : "?");
    }
    if (!rc && n > REPORT_LIST_MAX)
        rc = zl_buf_printf(out, "  ... 另有 %zu 项 / %zu more (see --json)\n",
                           n - REPORT_LIST_MAX, n - REPORT_LIST_MAX);
    return rc;
}
