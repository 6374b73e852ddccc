/*
 * zhiliang/trace.h - backward trace (来源可查), forward trace (去向可追)
 * and recall scope over the captured EPCIS events.
 *
 * The model. A trace walks states (identifier, time window, down): "we
 * follow identifier X during window W". Starting from X with the window
 * given by --from/--to (default: all time) and down = 1, each state
 *
 *   R0 touches every event of X whose eventTime lies in W (a container
 *      followed only as a carrier, down = 0, does not count the packing or
 *      unpacking of other goods as its own events);
 *   R1 goes up: while X was a child of P (AggregationEvent or
 *      AssociationEvent ADD at s, until the first DELETE of X from P or of
 *      all of P's children at d: membership [s, d-1]), P is followed over
 *      W intersected with that membership, down = 0 (P's shipping and
 *      receiving then apply to X, the other goods in P do not); the DELETE
 *      that ends the membership is touched when it lies in W;
 *   R2 goes down (down = 1 only: the start and what it contained): each
 *      child C whose membership meets W is followed, forward from
 *      max(W.start, s), backward until min(W.end, d-1), down = 1;
 *   R3 crosses transformations: forward, an input (inputEPCList or
 *      inputQuantityList) of event E with time in W reaches every output of
 *      every event sharing E's transformationID (or of E alone), followed
 *      from that output event's time on; backward, an output reaches every
 *      input, followed until that input event's time;
 *   R4 links a class and its instances: an ObjectEvent ADD (commissioning)
 *      listing a class (quantityList) and instances (epcList) makes those
 *      instances members of the class: forward class -> instances from the
 *      event time, backward instance -> class until the event time.
 *
 * States are processed level by level (level = number of R1..R4 steps from
 * a start; --depth caps it); a node reached again with a window already
 * covered adds nothing, so the walk ends. Each level issues one batched
 * lookup per kind of data (identifier rows, event identifiers, events of a
 * transformationID) through lib/store/store.h, never recursive SQL, so it
 * runs on any backend. The same model is implemented naively (bitmaps over
 * time and full scans of all events) in tests/unit/test_trace.c.
 *
 * A location (SGLN) as start means "what passed through it": every event
 * whose bizLocation or readPoint is that location starts a state for each
 * identifier in it, forward from (backward until) that event's time.
 *
 * Times are UTC milliseconds; --at T ignores events recorded after T.
 *
 * Results: a zl_trace holds nodes (identifiers reached), edges (how each
 * was reached) and events (touched), each addressed by index. Strings in
 * them are borrowed from the trace and live until zl_trace_free.
 *
 * Every trace reads the store's persistent trace index (store_tix.h in the
 * library): a handful of primary-key reads a level, written in the same
 * transaction as the events, so nothing needs loading first and no trace
 * sees a stale graph.
 */
#ifndef ZL_TRACE_H
#define ZL_TRACE_H

#include "zhiliang/buf.h"
#include "zhiliang/epcis.h"
#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zl_trace zl_trace;

enum zl_trace_dir { ZL_TRACE_BACKWARD = 0, ZL_TRACE_FORWARD = 1 };

enum zl_trace_kind {
    ZL_TK_OTHER = 0,
    ZL_TK_ITEM,      /* SGTIN and other instance keys */
    ZL_TK_LOT,       /* LGTIN: GTIN + lot */
    ZL_TK_CLASS,     /* GTIN alone or other class forms */
    ZL_TK_CONTAINER, /* SSCC */
    ZL_TK_ASSET,     /* GRAI (returnable asset) */
    ZL_TK_LOCATION,  /* SGLN */
    ZL_TK_PARTY      /* PGLN */
};

/* How a node was reached from another (edge kinds). */
enum zl_trace_link {
    ZL_LINK_START = 0,
    ZL_LINK_PACKED_IN,   /* from a child to the container it was in (R1) */
    ZL_LINK_CONTAINS,    /* from a container to its content (R2) */
    ZL_LINK_TRANSFORMED, /* input -> output forward, output -> input back */
    ZL_LINK_MEMBER,      /* class -> instance forward, back instance -> class */
    ZL_LINK_AT_LOCATION  /* from a location start to what passed there */
};

/* FSMA 204 critical tracking events: enum zl_cte in zhiliang/cbv.h,
 * decided by zl_cte_classify (zhiliang/epcis.h). */

struct zl_trace_opts {
    enum zl_trace_dir dir;
    int64_t from_ms, to_ms; /* event time window; 0 = unbounded */
    int64_t at_ms;          /* only events recorded by then; 0 = all */
    int depth;              /* max levels; 0 = unlimited */
    size_t max_nodes;       /* cap on nodes reached; 0 = 50 million */
    /* A viewer's trace (docs/access.md, "Who reads what"): when set, only
     * events for which visible(visible_ctx, hash) returns 1 take part;
     * the others are as if never captured (a node reached only through
     * them is not reached, custodians come from visible events). Asked
     * once per event per trace; a negative return ends the trace with
     * that error. NULL: every event. */
    int (*visible)(void *visible_ctx, const uint8_t hash[32]);
    void *visible_ctx;
};

struct zl_trace_node {
    const char *id; /* canonical identifier */
    enum zl_trace_kind kind;
    int depth;                 /* level first reached; 0 for starts */
    int via;                   /* node that first reached it, -1 at start */
    enum zl_trace_link link;   /* how via reached it */
    int via_event;             /* event of that link, -1 at start */
    int64_t first_ms, last_ms; /* hull of the windows it was followed in */
    /* Quantity of a lot or class as created or carried (output quantity,
     * commissioned quantity), 1 EA for an instance. */
    int has_quantity;
    double quantity;
    const char *uom; /* UN/CEFACT code or NULL */
    /* Latest touched event on its own or on a container carrying it. */
    int last_event; /* event index or -1 */
    /* Last known custodian: destination owning_party and possessing_party
     * of the latest event naming them, and the bizLocation (else the
     * destination location) of the latest event naming a place, on the
     * node's own events and those of containers while it was inside.
     * May be NULL. */
    const char *owner, *possessor, *location;
    int reached_consumer; /* a touched event (own or carrier's) is
                             retail_selling or disposition retail_sold */
    size_t n_events;      /* touched events of this node */
    const int *events;    /* indices, by event time */
};

struct zl_trace_edge {
    int from, to; /* node indices */
    enum zl_trace_link link;
    int event;        /* event index */
    int has_quantity; /* quantity of `to` (or `from` for inputs) */
    double quantity;
    const char *uom;
};

struct zl_trace_event {
    uint8_t hash[32];
    enum zl_event_type type;
    enum zl_action action;
    int64_t event_time_ms, record_time_ms;
    int tz_offset_min;
    const char *biz_step, *disposition, *biz_location, *read_point;
    enum zl_biz_step step; /* biz_step and disposition resolved */
    enum zl_disposition disp;
    const char *transformation_id;
    /* Source and destination lists, by CBV type (NULL if absent). */
    const char *src_owner, *src_possessor, *src_location;
    const char *dst_owner, *dst_possessor, *dst_location;
    enum zl_cte cte;
    int consumer; /* retail_selling or disposition retail_sold */
};

/* Trace from one identifier (any form: EPC URN, Digital Link, element
 * string; canonicalised with zl_gs1_canonical). *out is new
 * (zl_trace_free). Returns 0 (an identifier never seen gives a trace with
 * the start node alone, or no node at all on an index), ZL_EINVAL for a bad
 * identifier (err filled), ZL_ELIMIT past max_nodes, ZL_ESTORE. */
int zl_trace_run(zl_store *s, const char *id, const struct zl_trace_opts *o,
                 zl_trace **out, struct zl_error *err);

/* The same from several identifiers at once (all at depth 0). */
int zl_trace_run_many(zl_store *s, const char *const *ids, size_t n,
                      const struct zl_trace_opts *o, zl_trace **out,
                      struct zl_error *err);

/* Recall scope: forward from the given lots (dir is forced forward),
 * everything downstream with custodians. Same ownership as zl_trace_run. */
int zl_trace_scope(zl_store *s, const char *const *lots, size_t n,
                   const struct zl_trace_opts *o, zl_trace **out,
                   struct zl_error *err);

void zl_trace_free(zl_trace *t); /* NULL-safe */

size_t zl_trace_node_count(const zl_trace *t);
size_t zl_trace_edge_count(const zl_trace *t);
size_t zl_trace_event_count(const zl_trace *t);
/* Borrowed, valid until zl_trace_free; i < the matching count (checked:
 * a debug build aborts, a release build returns NULL). Events are
 * numbered in event time order (ties: order of discovery). */
const struct zl_trace_node *zl_trace_node(const zl_trace *t, size_t i);
const struct zl_trace_edge *zl_trace_edge(const zl_trace *t, size_t i);
const struct zl_trace_event *zl_trace_event(const zl_trace *t, size_t i);
/* The options the trace was computed with (dir, window...). */
const struct zl_trace_opts *zl_trace_options(const zl_trace *t);

/* Summary counts of a scope or trace, by node kind. */
struct zl_trace_summary {
    size_t items, lots, classes, containers, assets, other;
    size_t items_at_consumers; /* items with reached_consumer */
    size_t events;
};
void zl_trace_summarize(const zl_trace *t, struct zl_trace_summary *sum);

/* ---- output ------------------------------------------------------------- */

/* Indented readable tree (parties, locations, times, biz steps): every
 * event, identifiers as stored, times in UTC. */
int zl_trace_write_text(const zl_trace *t, struct zl_buf *out);

/* The same for a person. With names set: a summary first (counts, the
 * time span, the origins of a backward trace or where a forward one went,
 * with place names), identifiers as element strings, places and parties
 * by registered name, times at zone_min minutes east of UTC. full: every
 * event under its node (else one line a node). max_children: links
 * listed under one node before "... and N more" (0: all). */
struct zl_names;
struct zl_trace_text_opts {
    struct zl_names *names; /* or NULL: identifiers, UTC, no summary */
    int zone_min;
    int full;
    size_t max_children;
};
int zl_trace_write_text_opts(const zl_trace *t,
                             const struct zl_trace_text_opts *o,
                             struct zl_buf *out);
/* JSON object {"direction", "start", "nodes":[...], "edges":[...],
 * "events":[...]}. */
int zl_trace_write_json(const zl_trace *t, struct zl_buf *out);
/* SVG picture: layered left to right by depth, alike nodes (same kind,
 * parent, holder and place; three or more) drawn as one box, a legend
 * (lib/report/trace_svg.c). With o->names: parties and places named,
 * identifiers as element strings, labels in Chinese, times at
 * o->zone_min; o NULL: identifiers as stored, English, UTC. */
int zl_trace_write_svg_opts(const zl_trace *t,
                            const struct zl_trace_text_opts *o,
                            struct zl_buf *out);
/* zl_trace_write_svg_opts with o NULL. */
int zl_trace_write_svg(const zl_trace *t, struct zl_buf *out);
/* Graphviz DOT (lib/report/trace_dot.c). */
int zl_trace_write_dot(const zl_trace *t, struct zl_buf *out);

/* Short names for output: "item", "packed_in", "shipping"... */
const char *zl_trace_kind_name(enum zl_trace_kind k);
const char *zl_trace_link_name(enum zl_trace_link l);
const char *zl_cte_name(enum zl_cte c);

#ifdef __cplusplus
}
#endif
#endif
