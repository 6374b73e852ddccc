/*
 * trace_out.c - text and JSON renderings of a trace, and the names of its
 * enums. (SVG and DOT live in lib/report/.)
 *
 * The text form is a tree: each node under the node that first reached it,
 * with its events in time order (time, type/action, bizStep, where, from
 * whom to whom), so a reader follows the goods by reading down. Further
 * links to an already printed node are shown as "see #n" lines rather than
 * printing the subtree twice (a DAG can be exponential as a tree).
 */
#include "zhiliang/trace.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/timefmt.h"
#include "zhiliang/gs1.h"
#include "zhiliang/party.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *zl_trace_kind_name(enum zl_trace_kind k)
{
    switch (k) {
    case ZL_TK_ITEM: return "item";
    case ZL_TK_LOT: return "lot";
    case ZL_TK_CLASS: return "class";
    case ZL_TK_CONTAINER: return "container";
    case ZL_TK_ASSET: return "asset";
    case ZL_TK_LOCATION: return "location";
    case ZL_TK_PARTY: return "party";
    default: return "other";
    }
}

const char *zl_trace_link_name(enum zl_trace_link l)
{
    switch (l) {
    case ZL_LINK_START: return "start";
    case ZL_LINK_PACKED_IN: return "packed_in";
    case ZL_LINK_CONTAINS: return "contains";
    case ZL_LINK_TRANSFORMED: return "transformed";
    case ZL_LINK_MEMBER: return "member";
    case ZL_LINK_AT_LOCATION: return "at_location";
    }
    return "?";
}

const char *zl_cte_name(enum zl_cte c)
{
    switch (c) {
    case ZL_CTE_SHIPPING: return "shipping";
    case ZL_CTE_RECEIVING: return "receiving";
    case ZL_CTE_TRANSFORMATION: return "transformation";
    case ZL_CTE_INITIAL_PACKING: return "initial_packing";
    case ZL_CTE_HARVESTING: return "harvesting";
    case ZL_CTE_COOLING: return "cooling";
    case ZL_CTE_FIRST_LAND_BASED_RECEIVING: return "first_land_based_receiving";
    default: return NULL;
    }
}

/* How the text form is written: the defaults of zl_trace_write_text, or
 * the reader's (zl_trace_write_text_opts). */
struct text {
    const struct zl_trace_text_opts *o;
    int *first_child, *next_sib;
};

static int fmt_time(struct zl_buf *b, const struct text *x, int64_t ms)
{
    char tb[40];

    if (ms == INT64_MIN || ms == INT64_MAX)
        return zl_buf_adds(b, "-");
    if (!x->o->names) { /* the identifiers' form: instants in UTC */
        zl_time_format_utc(ms, tb);
        return zl_buf_adds(b, tb);
    }
    zl_time_format_local(ms, x->o->zone_min, tb);
    return zl_buf_printf(b, "%.10s %.5s", tb, tb + 11);
}

/* A place or party: its registered name when names are wanted, else (or
 * when unregistered) the identifier. */
static const char *place(const struct text *x, const char *loc)
{
    const char *n =
        x->o->names && loc ? zl_names_place(x->o->names, loc) : NULL;

    return n ? n : loc;
}

static const char *party(const struct text *x, const char *id)
{
    const char *n = x->o->names && id ? zl_names_party(x->o->names, id) : NULL;

    return n ? n : id;
}

/* Whether names are wanted and the party named id holds the place loc. */
static int owner_holds(const struct text *x, const char *id, const char *loc)
{
    const char *holder, *own;

    if (!x->o->names || !loc)
        return 0;
    holder = zl_names_place_holder(x->o->names, loc);
    own = zl_names_party(x->o->names, id);
    return holder && own && strcmp(holder, own) == 0;
}

/* An identifier as people read it (element string) when names are
 * wanted, else as stored. es: at least 512 bytes. */
static const char *ident(const struct text *x, const char *id, char *es)
{
    struct zl_gs1_id g;

    if (x->o->names && id && !zl_gs1_parse(id, strlen(id), &g, NULL) &&
        zl_gs1_to_element_string(&g, es, 512) > 0)
        return es;
    return id;
}

static int text_event(struct zl_buf *b, const struct text *x,
                      const struct zl_trace_event *e, int indent)
{
    int rc = zl_buf_printf(b, "%*s", indent, "");
    const char *a = zl_action_name(e->action);

    rc = rc < 0 ? rc : fmt_time(b, x, e->event_time_ms);
    rc = rc < 0 ? rc
                : zl_buf_printf(b, "  %s%s%s", zl_event_type_name(e->type),
                                a ? " " : "", a ? a : "");
    if (rc == 0 && e->biz_step)
        rc = zl_buf_printf(
            b, "  %s", zl_cbv_short(zl_biz_step_term(e->step), e->biz_step));
    if (rc == 0 && e->disposition)
        rc = zl_buf_printf(
            b, " [%s]",
            zl_cbv_short(zl_disposition_term(e->disp), e->disposition));
    if (rc == 0 && (e->biz_location || e->read_point))
        rc = zl_buf_printf(
            b, "  at %s",
            place(x, e->biz_location ? e->biz_location : e->read_point));
    if (rc == 0 && (e->src_owner || e->src_possessor))
        rc = zl_buf_printf(
            b, "  from %s",
            party(x, e->src_owner ? e->src_owner : e->src_possessor));
    if (rc == 0 && (e->dst_owner || e->dst_possessor))
        rc = zl_buf_printf(
            b, "  to %s",
            party(x, e->dst_owner ? e->dst_owner : e->dst_possessor));
    else if (rc == 0 && e->dst_location)
        rc = zl_buf_printf(b, "  to %s", place(x, e->dst_location));
    if (rc == 0 && e->transformation_id)
        rc = zl_buf_printf(b, "  tid %s", e->transformation_id);
    return rc < 0 ? rc : zl_buf_addc(b, '\n');
}

/* Arrow of the trace direction for child lines. */
static const char *dir_arrow(const zl_trace *t)
{
    return zl_trace_options(t)->dir == ZL_TRACE_FORWARD ? "->" : "<-";
}

static int text_node(const zl_trace *t, struct zl_buf *b, const struct text *x,
                     size_t i, int indent)
{
    const struct zl_trace_node *n = zl_trace_node(t, i);
    size_t shown = 0, cap = x->o->max_children;
    int rc = zl_buf_printf(b, "%*s", indent, "");
    char es[512];

    if (rc == 0 && n->via >= 0)
        rc = zl_buf_printf(b, "%s %s ", dir_arrow(t),
                           zl_trace_link_name(n->link));
    if (rc == 0)
        rc = zl_buf_printf(b, "#%zu %s %s", i, zl_trace_kind_name(n->kind),
                           ident(x, n->id, es));
    if (rc == 0 && n->has_quantity && n->kind != ZL_TK_ITEM)
        rc = zl_buf_printf(b, "  %g%s%s", n->quantity, n->uom ? " " : "",
                           n->uom ? n->uom : "");
    if (rc == 0 && (n->owner || n->location)) {
        /* "place (holder)" already names an owner who holds the place */
        const char *own = n->owner && !owner_holds(x, n->owner, n->location)
                              ? party(x, n->owner)
                              : NULL;

        rc = zl_buf_printf(b, "  last: %s%s%s", own ? own : "",
                           own && n->location ? " @ " : "",
                           n->location ? place(x, n->location) : "");
    }
    if (rc == 0 && n->reached_consumer)
        rc = zl_buf_adds(b, "  (sold to consumers)");
    rc = rc < 0 ? rc : zl_buf_addc(b, '\n');
    for (size_t k = 0; x->o->full && rc == 0 && k < n->n_events; k++)
        rc = text_event(b, x, zl_trace_event(t, (size_t)n->events[k]),
                        indent + 4);
    for (int c = x->first_child[i]; rc == 0 && c >= 0; c = x->next_sib[c]) {
        if (cap && shown == cap) {
            size_t more = 0;

            for (; c >= 0; c = x->next_sib[c])
                more++;
            rc = zl_buf_printf(b, "%*s... and %zu more (--full lists them)\n",
                               indent + 2, "", more);
            break;
        }
        rc = text_node(t, b, x, (size_t)c, indent + 2);
        shown++;
    }
    return rc;
}

/* Up to five distinct names, and how many more there were. */
struct few {
    const char *name[5];
    size_t n, more;
};

static void few_add(struct few *f, const char *name)
{
    size_t k;

    if (!name)
        return;
    for (k = 0; k < f->n; k++)
        if (!strcmp(f->name[k], name))
            return;
    if (f->n < 5)
        f->name[f->n++] = name;
    else
        f->more++; /* may count a repeated name past the five: "about" */
}

/* The answer before the details: how many of what, over which time, and
 * where the trace ends (backward: the origins, the nodes nothing goes
 * further back from, at the place of their first event; forward: the
 * ends' last known places, and how many items were sold). */
static int text_summary(const zl_trace *t, struct zl_buf *b,
                        const struct text *x)
{
    struct zl_trace_summary sum;
    size_t n = zl_trace_node_count(t), ne = zl_trace_event_count(t), ends = 0,
           lots, boxes, i;
    int fwd = zl_trace_options(t)->dir == ZL_TRACE_FORWARD, rc;
    struct few places = {{NULL}, 0, 0};

    zl_trace_summarize(t, &sum);
    lots = sum.lots + sum.classes;
    boxes = sum.containers + sum.assets;
    rc = zl_buf_printf(
        b, "  %zu item%s, %zu lot%s, %zu container%s; %zu event%s", sum.items,
        sum.items == 1 ? "" : "s", lots, lots == 1 ? "" : "s", boxes,
        boxes == 1 ? "" : "s", ne, ne == 1 ? "" : "s");
    if (rc == 0 && ne) {
        rc = zl_buf_adds(b, ", ");
        rc = rc ? rc : fmt_time(b, x, zl_trace_event(t, 0)->event_time_ms);
        rc = rc ? rc : zl_buf_adds(b, " to ");
        rc = rc ? rc : fmt_time(b, x, zl_trace_event(t, ne - 1)->event_time_ms);
    }
    rc = rc ? rc : zl_buf_addc(b, '\n');
    if (fwd && rc == 0 && sum.items_at_consumers)
        rc = zl_buf_printf(b, "  %zu item%s already sold to consumers\n",
                           sum.items_at_consumers,
                           sum.items_at_consumers == 1 ? "" : "s");
    for (i = 0; i < n; i++) {
        const struct zl_trace_node *nd = zl_trace_node(t, i);
        const char *loc = NULL;

        if (x->first_child[i] >= 0 || nd->kind == ZL_TK_LOCATION ||
            nd->kind == ZL_TK_PARTY ||
            (!fwd && (nd->kind == ZL_TK_CONTAINER || nd->kind == ZL_TK_ASSET)))
            continue; /* a pallet the goods rode in is no origin */
        ends++;
        if (fwd) {
            loc = nd->location;
        } else if (nd->n_events) {
            const struct zl_trace_event *e =
                zl_trace_event(t, (size_t)nd->events[0]);

            loc = e->biz_location ? e->biz_location : e->read_point;
        }
        few_add(&places, loc ? place(x, loc) : NULL);
    }
    if (rc == 0 && ends) {
        rc = zl_buf_printf(b, "  %s: %zu, at ",
                           fwd ? "where it went (the ends of the trace)"
                               : "origins (nothing further back)",
                           ends);
        for (i = 0; rc == 0 && i < places.n; i++)
            rc = zl_buf_printf(b, "%s%s", i ? "; " : "", places.name[i]);
        if (rc == 0 && !places.n)
            rc = zl_buf_adds(b, "unknown places");
        if (rc == 0 && places.more)
            rc = zl_buf_printf(b, " and about %zu more", places.more);
        rc = rc ? rc : zl_buf_addc(b, '\n');
    }
    return rc;
}

static const struct zl_trace_text_opts TEXT_DEFAULT = {NULL, 0, 1, 0};

int zl_trace_write_text(const zl_trace *t, struct zl_buf *b)
{
    return zl_trace_write_text_opts(t, &TEXT_DEFAULT, b);
}

int zl_trace_write_text_opts(const zl_trace *t,
                             const struct zl_trace_text_opts *o,
                             struct zl_buf *b)
{
    size_t n = zl_trace_node_count(t);
    int *last = NULL;
    struct text x = {o, NULL, NULL};
    int rc = ZL_ENOMEM;

    x.first_child = zl_malloc((n + 1) * sizeof(int));
    x.next_sib = zl_malloc((n + 1) * sizeof(int));
    last = zl_malloc((n + 1) * sizeof(int));
    if (x.first_child == NULL || x.next_sib == NULL || last == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        x.first_child[i] = x.next_sib[i] = last[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int v = zl_trace_node(t, i)->via;

        if (v < 0)
            continue;
        if (last[v] < 0)
            x.first_child[v] = (int)i;
        else
            x.next_sib[last[v]] = (int)i;
        last[v] = (int)i;
    }
    rc = zl_buf_printf(b, "%s trace: %zu nodes, %zu events\n",
                       zl_trace_options(t)->dir == ZL_TRACE_FORWARD
                           ? "forward (去向可追)"
                           : "backward (来源可查)",
                       n, zl_trace_event_count(t));
    if (rc == 0 && o->names)
        rc = text_summary(t, b, &x);
    if (rc == 0 && o->names && n)
        rc = zl_buf_addc(b, '\n');
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (zl_trace_node(t, i)->via < 0)
            rc = text_node(t, b, &x, i, 0);
out:
    zl_free(x.first_child);
    zl_free(x.next_sib);
    zl_free(last);
    return rc;
}

/* ---- JSON
 * --------------------------------------------------------------------
 * Written with appends, not a format string a field: a server's trace
 * request is this and the walk (a backward trace of a retail item on the
 * 1M-event store: 15 KB, a third of the request's CPU when each field
 * went through zl_buf_printf). The bytes are those the printf form wrote
 * (tests/unit/test_trace.c, test_json_bytes, keeps that form as its
 * reference). */

/* Append a string literal. */
#define LIT(b, s) zl_buf_add(b, s, sizeof s - 1)

/* A JSON string, or null for NULL. */
static int jstr(struct zl_buf *b, const char *s)
{
    return s == NULL ? LIT(b, "null") : zl_buf_add_json_string(b, s);
}

static int jtime(struct zl_buf *b, int64_t ms)
{
    char tb[32];

    if (ms == INT64_MIN || ms == INT64_MAX)
        return LIT(b, "null");
    zl_time_format_utc(ms, tb);
    return jstr(b, tb);
}

/* ,"k":"v" (key: the literal ,"k":) -- nothing when v is NULL: optional
 * members are left out. */
static int jkey_n(struct zl_buf *b, const char *key, size_t n, const char *v)
{
    int rc;

    if (v == NULL)
        return 0;
    rc = zl_buf_add(b, key, n);
    return rc < 0 ? rc : jstr(b, v);
}
#define jkey(b, k, v) jkey_n(b, ",\"" k "\":", sizeof(",\"" k "\":") - 1, v)

/* ,"quantity":q as %.17g writes it (a whole number below 1e17 is its
 * digits: written as an integer, without printf's float conversion). */
static int jquantity(struct zl_buf *b, double q)
{
    char t[40];
    int n;

    if (q > -1e17 && q < 1e17 && q == (double)(long long)q &&
        (q != 0 || !signbit(q))) {
        n = LIT(b, ",\"quantity\":");
        return n < 0 ? n : zl_buf_add_int(b, (long long)q);
    }
    n = snprintf(t, sizeof t, ",\"quantity\":%.17g", q);

    return n < 0 || (size_t)n >= sizeof t ? ZL_EINVAL
                                          : zl_buf_add(b, t, (size_t)n);
}

/* "name" of an enum's name. */
static int jname(struct zl_buf *b, const char *name)
{
    int rc = zl_buf_addc(b, '"');

    rc = rc < 0 ? rc : zl_buf_adds(b, name);
    return rc < 0 ? rc : zl_buf_addc(b, '"');
}

static int json_node(struct zl_buf *b, size_t i, const struct zl_trace_node *n)
{
    int rc = i ? LIT(b, ",{\"index\":") : LIT(b, "{\"index\":");

    rc = rc < 0 ? rc : zl_buf_add_int(b, (long long)i);
    rc = rc < 0 ? rc : LIT(b, ",\"id\":");
    rc = rc < 0 ? rc : jstr(b, n->id);
    rc = rc < 0 ? rc : LIT(b, ",\"kind\":");
    rc = rc < 0 ? rc : jname(b, zl_trace_kind_name(n->kind));
    rc = rc < 0 ? rc : LIT(b, ",\"depth\":");
    rc = rc < 0 ? rc : zl_buf_add_int(b, n->depth);
    rc = rc < 0 ? rc : LIT(b, ",\"via\":");
    rc = rc < 0 ? rc : zl_buf_add_int(b, n->via);
    rc = rc < 0 ? rc : LIT(b, ",\"link\":");
    rc = rc < 0 ? rc : jname(b, zl_trace_link_name(n->link));
    rc = rc < 0 ? rc : LIT(b, ",\"from\":");
    rc = rc < 0 ? rc : jtime(b, n->first_ms);
    rc = rc < 0 ? rc : LIT(b, ",\"to\":");
    rc = rc < 0 ? rc : jtime(b, n->last_ms);
    if (rc == 0 && n->has_quantity)
        rc = jquantity(b, n->quantity);
    rc = rc < 0 ? rc : jkey(b, "uom", n->uom);
    rc = rc < 0 ? rc : jkey(b, "owner", n->owner);
    rc = rc < 0 ? rc : jkey(b, "possessor", n->possessor);
    rc = rc < 0 ? rc : jkey(b, "location", n->location);
    rc = rc < 0 ? rc : LIT(b, ",\"lastEvent\":");
    rc = rc < 0 ? rc : zl_buf_add_int(b, n->last_event);
    rc = rc < 0 ? rc
                : (n->reached_consumer
                       ? LIT(b, ",\"reachedConsumer\":true,\"events\":[")
                       : LIT(b, ",\"reachedConsumer\":false,\"events\":["));
    for (size_t k = 0; rc == 0 && k < n->n_events; k++) {
        if (k)
            rc = zl_buf_addc(b, ',');
        rc = rc < 0 ? rc : zl_buf_add_int(b, n->events[k]);
    }
    return rc < 0 ? rc : LIT(b, "]}");
}

static int json_edge(struct zl_buf *b, size_t i, const struct zl_trace_edge *e)
{
    int rc = i ? LIT(b, ",{\"from\":") : LIT(b, "{\"from\":");

    rc = rc < 0 ? rc : zl_buf_add_int(b, e->from);
    rc = rc < 0 ? rc : LIT(b, ",\"to\":");
    rc = rc < 0 ? rc : zl_buf_add_int(b, e->to);
    rc = rc < 0 ? rc : LIT(b, ",\"link\":");
    rc = rc < 0 ? rc : jname(b, zl_trace_link_name(e->link));
    rc = rc < 0 ? rc : LIT(b, ",\"event\":");
    rc = rc < 0 ? rc : zl_buf_add_int(b, e->event);
    if (rc == 0 && e->has_quantity)
        rc = jquantity(b, e->quantity);
    rc = rc < 0 ? rc : jkey(b, "uom", e->uom);
    return rc < 0 ? rc : zl_buf_addc(b, '}');
}

static int json_event(struct zl_buf *b, size_t i,
                      const struct zl_trace_event *e)
{
    char h[65];
    const char *a = zl_action_name(e->action);
    int rc = i ? LIT(b, ",{\"index\":") : LIT(b, "{\"index\":");

    zl_hex_encode(e->hash, 32, h);
    rc = rc < 0 ? rc : zl_buf_add_int(b, (long long)i);
    rc = rc < 0 ? rc : LIT(b, ",\"eventID\":\"ni:///sha-256;");
    rc = rc < 0 ? rc : zl_buf_add(b, h, 64);
    rc = rc < 0 ? rc : LIT(b, "?ver=CBV2.0\",\"type\":");
    rc = rc < 0 ? rc : jname(b, zl_event_type_name(e->type));
    rc = rc < 0 ? rc : jkey(b, "action", a);
    rc = rc < 0 ? rc : LIT(b, ",\"eventTime\":");
    rc = rc < 0 ? rc : jtime(b, e->event_time_ms);
    rc = rc < 0 ? rc : LIT(b, ",\"recordTime\":");
    rc = rc < 0 ? rc : jtime(b, e->record_time_ms);
    rc = rc < 0 ? rc : jkey(b, "bizStep", e->biz_step);
    rc = rc < 0 ? rc : jkey(b, "disposition", e->disposition);
    rc = rc < 0 ? rc : jkey(b, "bizLocation", e->biz_location);
    rc = rc < 0 ? rc : jkey(b, "readPoint", e->read_point);
    rc = rc < 0 ? rc : jkey(b, "transformationID", e->transformation_id);
    rc = rc < 0 ? rc : jkey(b, "sourceOwner", e->src_owner);
    rc = rc < 0 ? rc : jkey(b, "sourcePossessor", e->src_possessor);
    rc = rc < 0 ? rc : jkey(b, "sourceLocation", e->src_location);
    rc = rc < 0 ? rc : jkey(b, "destinationOwner", e->dst_owner);
    rc = rc < 0 ? rc : jkey(b, "destinationPossessor", e->dst_possessor);
    rc = rc < 0 ? rc : jkey(b, "destinationLocation", e->dst_location);
    rc = rc < 0 ? rc : jkey(b, "cte", zl_cte_name(e->cte));
    return rc < 0 ? rc : zl_buf_addc(b, '}');
}

int zl_trace_write_json(const zl_trace *t, struct zl_buf *b)
{
    int rc = zl_trace_options(t)->dir == ZL_TRACE_FORWARD
                 ? LIT(b, "{\"direction\":\"forward\",\"nodes\":[")
                 : LIT(b, "{\"direction\":\"backward\",\"nodes\":[");

    for (size_t i = 0; rc == 0 && i < zl_trace_node_count(t); i++)
        rc = json_node(b, i, zl_trace_node(t, i));
    rc = rc < 0 ? rc : LIT(b, "],\"edges\":[");
    for (size_t i = 0; rc == 0 && i < zl_trace_edge_count(t); i++)
        rc = json_edge(b, i, zl_trace_edge(t, i));
    rc = rc < 0 ? rc : LIT(b, "],\"events\":[");
    for (size_t i = 0; rc == 0 && i < zl_trace_event_count(t); i++)
        rc = json_event(b, i, zl_trace_event(t, i));
    return rc < 0 ? rc : LIT(b, "]}\n");
}
