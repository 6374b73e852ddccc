/*
 * test_trace.c - the trace engine against a brute-force model on thousands
 * of random small supply chains (trace_gen.h), in both of its modes (store
 * walk and in-memory index), with --depth, --from/--to and --at; plus
 * hand-built chains whose answers are written out here: a reused pallet
 * and goods packed after the pallet shipped, transformations linked by a
 * transformationID with quantities, commissioning that ties items to their
 * lot, tracing a location, and the text/JSON/SVG/DOT renderings; and
 * traces on two handles whose kept graphs must follow each other's
 * commits.
 *
 * ZL_TRACE_SEEDS overrides the number of random chains (default 1500).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trace_gen.h"

#include "util/alloc.h"
#include "util/codec.h"
#include "util/timefmt.h"

#include <jansson.h>

#include <time.h>
#include <unistd.h>

#define FIXTURE_NAME "trace"
#include "store_fixture.h"

static void capture(zl_store *s, const struct gchain *c, int from, int to,
                    int64_t *rt)
{
    struct zl_buf b;
    struct zl_capture_result r;
    struct zl_error err = {0};
    int rc;

    zl_buf_init(&b, 1 << 24);
    g_doc(&b, c, from, to);
    rc = zl_capture(s, b.data, b.len, NULL, &r, &err);
    if (rc != 0) {
        char msg[1024];

        zl_error_format(&err, msg, sizeof msg);
        printf("# capture failed: %s\n# %s\n", msg, b.data);
    }
    assert_int_equal(rc, 0);
    if (rt)
        *rt = r.record_time_ms;
    zl_buf_cleanup(&b);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

static int n_seeds(void)
{
    const char *e = getenv("ZL_TRACE_SEEDS");
    long v = e ? strtol(e, NULL, 10) : 1500;

    return v > 0 ? (int)v : 1500;
}

/* ---- differential
 * ------------------------------------------------------------ */

static int run_compare(zl_store *s, int reindexed, const struct gchain *c,
                       int start, int fwd, int depth, int ok_n, int64_t at,
                       int64_t from, int64_t to)
{
    static struct naive m;
    struct zl_trace_opts o;
    zl_trace *t = NULL;
    struct zl_error err = {0};
    char what[256];
    int rc;

    memset(&o, 0, sizeof o);
    o.dir = fwd ? ZL_TRACE_FORWARD : ZL_TRACE_BACKWARD;
    o.depth = depth;
    o.at_ms = at;
    o.from_ms = from;
    o.to_ms = to;
    rc = zl_trace_run(s, c->ids[start], &o, &t, &err);
    assert_int_equal(rc, 0);
    naive_run(&m, c, &start, 1, fwd, depth, ok_n, from, to);
    snprintf(what, sizeof what, "seed %llu %s %s depth %d at %s window %s %s",
             (unsigned long long)c->seed, fwd ? "forward" : "backward",
             c->ids[start], depth, at ? "cut" : "-", from ? "from" : "-",
             reindexed ? "reindexed" : "captured");
    rc = compare_trace(t, &m, c, what);
    zl_trace_free(t);
    return rc;
}

static void test_random_chains(void **state)
{
    struct fixture *f = *state;
    int seeds = n_seeds(), failures = 0, runs = 0;
    int64_t *cut_rt = calloc((size_t)seeds, sizeof(int64_t));
    int *cut = calloc((size_t)seeds, sizeof(int));
    static struct gchain c;

    for (int sd = 0; sd < seeds; sd++) {
        g_generate(&c, (uint64_t)sd + 1);
        cut[sd] = c.n_ev / 2 + 1;
        if (cut[sd] > c.n_ev)
            cut[sd] = c.n_ev;
        capture(f->s, &c, 0, cut[sd], &cut_rt[sd]);
        if (cut[sd] < c.n_ev) {
            sleep_ms(2);
            capture(f->s, &c, cut[sd], c.n_ev, NULL);
        }
    }
    for (int mode = 0; mode < 2; mode++) {
        /* mode 1: on the trace index rebuilt from the records */
        if (mode == 1)
            assert_int_equal(zl_audit_reindex(f->s, NULL), 0);

        for (int sd = 0; sd < seeds && failures < 5; sd++) {
            g_generate(&c, (uint64_t)sd + 1);
            for (int k = 0; k < 3; k++) {
                int start = g_pick(&c, c.n_ids);
                int used = 0;

                for (int e = 0; e < c.n_ev && !used; e++)
                    for (int r = 0; r < c.ev[e].n; r++)
                        used |= c.ev[e].r[r].id == start;
                if (!used)
                    continue;
                for (int fwd = 0; fwd < 2; fwd++) {
                    int64_t mid = c.ev[c.n_ev / 2].t;

                    runs += 4;
                    failures += run_compare(f->s, mode, &c, start, fwd, 0,
                                            c.n_ev, 0, 0, 0) != 0;
                    failures +=
                        run_compare(f->s, mode, &c, start, fwd,
                                    1 + g_pick(&c, 3), c.n_ev, 0, 0, 0) != 0;
                    failures += run_compare(f->s, mode, &c, start, fwd, 0,
                                            cut[sd], cut_rt[sd], 0, 0) != 0;
                    failures +=
                        run_compare(f->s, mode, &c, start, fwd, 0, c.n_ev, 0,
                                    fwd ? mid : c.t0, fwd ? 0 : mid) != 0;
                }
            }
        }
    }
    printf("# %d seeds, %d traces compared (as captured and reindexed), %d "
           "differences\n",
           seeds, runs, failures);
    free(cut_rt);
    free(cut);
    assert_int_equal(failures, 0);
}

/* A handle keeps the graph its traces read while the index is unwritten
 * (trace.c): a trace after a commit, by another handle or by its own,
 * must see the new events. Handle b traces each chain half captured, then
 * whole after handle a (another connection) captured the rest, then
 * again after b itself captured the next chain; every answer against the
 * model. */
static void test_handle_graph_follows_commits(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    static struct gchain c;
    zl_store *b = NULL;
    int failures = 0, runs = 0;

    assert_int_equal(zl_open(f->uri, &b, &err), 0);
    for (int sd = 2000; sd < 2060; sd++) {
        int cut, start;

        g_generate(&c, (uint64_t)sd);
        cut = c.n_ev / 2 + 1 < c.n_ev ? c.n_ev / 2 + 1 : c.n_ev;
        capture(sd % 2 ? f->s : b, &c, 0, cut, NULL);
        for (int k = 0; k < 4; k++) {
            start = g_pick(&c, c.n_ids);
            for (int fwd = 0; fwd < 2; fwd++, runs += 2) {
                failures +=
                    run_compare(b, 0, &c, start, fwd, 0, cut, 0, 0, 0) != 0;
                failures +=
                    run_compare(f->s, 0, &c, start, fwd, 0, cut, 0, 0, 0) != 0;
            }
        }
        if (cut < c.n_ev)
            capture(sd % 2 ? f->s : b, &c, cut, c.n_ev, NULL);
        for (int k = 0; k < 4; k++) {
            start = g_pick(&c, c.n_ids);
            for (int fwd = 0; fwd < 2; fwd++, runs += 2) {
                failures +=
                    run_compare(b, 0, &c, start, fwd, 0, c.n_ev, 0, 0, 0) != 0;
                failures += run_compare(f->s, 0, &c, start, fwd, 0, c.n_ev, 0,
                                        0, 0) != 0;
            }
        }
    }
    printf("# %d traces on two handles across commits, %d differences\n", runs,
           failures);
    zl_close(b);
    assert_int_equal(failures, 0);
}

/* ---- hand-built chains
 * ------------------------------------------------------------ */

static struct gev *h_ev(struct gchain *c, int type, int action, int64_t dt)
{
    struct gev *e = &c->ev[c->n_ev++];

    memset(e, 0, sizeof(*e));
    e->type = type;
    e->action = action;
    e->t = c->t0 + dt;
    e->tid = e->src = e->dst = e->loc = -1;
    return e;
}

static zl_trace *h_trace(zl_store *s, const char *id, int fwd)
{
    struct zl_trace_opts o;
    zl_trace *t = NULL;
    struct zl_error err = {0};

    memset(&o, 0, sizeof o);
    o.dir = fwd ? ZL_TRACE_FORWARD : ZL_TRACE_BACKWARD;
    assert_int_equal(zl_trace_run(s, id, &o, &t, &err), 0);
    return t;
}

/* "n0 n1 ..." and "e0 e1 ..." sets of a trace in chain numbering. */
static void h_sets(const zl_trace *t, const struct gchain *c, char *nodes,
                   char *events)
{
    int seen_id[G_MAXID] = {0}, seen_ev[G_MAXEV] = {0};

    for (size_t i = 0; i < zl_trace_node_count(t); i++) {
        const struct zl_trace_node *n = zl_trace_node(t, i);

        for (int k = 0; k < c->n_ids; k++)
            if (strcmp(c->ids[k], n->id) == 0)
                seen_id[k] = 1;
        for (size_t j = 0; j < n->n_events; j++)
            for (int k = 0; k < c->n_ev; k++)
                if (c->ev[k].t ==
                    zl_trace_event(t, (size_t)n->events[j])->event_time_ms)
                    seen_ev[k] = 1;
    }
    nodes[0] = events[0] = '\0';
    for (int k = 0; k < c->n_ids; k++)
        if (seen_id[k])
            snprintf(nodes + strlen(nodes), 16, "%sn%d", nodes[0] ? " " : "",
                     k);
    for (int k = 0; k < c->n_ev; k++)
        if (seen_ev[k])
            snprintf(events + strlen(events), 16, "%se%d", events[0] ? " " : "",
                     k);
}

static void expect(zl_store *s, const struct gchain *c, int start, int fwd,
                   const char *nodes, const char *events)
{
    char n[512], e[512];
    zl_trace *t = h_trace(s, c->ids[start], fwd);

    h_sets(t, c, n, e);
    zl_trace_free(t);
    assert_string_equal(n, nodes);
    assert_string_equal(e, events);
}

static void test_pallet_reuse(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct gev *e;
    int A, B, C, P;
    zl_trace *t;

    memset(&c, 0, sizeof c);
    c.seed = 900001;
    c.t0 = G_T0 - 10000000;
    A = g_new_id(&c, GK_ITEM);
    B = g_new_id(&c, GK_ITEM);
    C = g_new_id(&c, GK_ITEM);
    P = g_new_id(&c, GK_SSCC);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 1000);
    e->biz_step = "commissioning";
    g_ref(e, A, ZL_ROLE_EPC, 0);
    g_ref(e, B, ZL_ROLE_EPC, 0);
    g_ref(e, C, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_ADD, 2000); /* e1 pack A */
    g_ref(e, P, ZL_ROLE_PARENT, 0);
    g_ref(e, A, ZL_ROLE_CHILD, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_OBSERVE, 3000); /* e2 ship P */
    e->biz_step = "shipping";
    e->dst = 1;
    g_ref(e, P, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_ADD, 4000); /* e3 pack B late */
    g_ref(e, P, ZL_ROLE_PARENT, 0);
    g_ref(e, B, ZL_ROLE_CHILD, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_OBSERVE, 5000); /* e4 receive P */
    e->biz_step = "receiving";
    e->dst = 1;
    e->loc = 1;
    g_ref(e, P, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_DELETE, 6000); /* e5 unpack all */
    g_ref(e, P, ZL_ROLE_PARENT, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_ADD, 7000); /* e6 reuse: C */
    g_ref(e, P, ZL_ROLE_PARENT, 0);
    g_ref(e, C, ZL_ROLE_CHILD, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_OBSERVE, 8000); /* e7 ship again */
    e->biz_step = "shipping";
    e->dst = 2;
    g_ref(e, P, ZL_ROLE_EPC, 0);
    capture(f->s, &c, 0, c.n_ev, NULL);

    /* A travelled with P's first trip only: not with the reused load */
    expect(f->s, &c, A, 1, "n0 n3", "e0 e1 e2 e4 e5");
    /* B was packed after P shipped: the shipment is not in its history */
    expect(f->s, &c, B, 0, "n1 n3", "e0 e3 e4 e5");
    expect(f->s, &c, C, 1, "n2 n3", "e0 e6 e7");
    /* the pallet itself: everything that was ever in it */
    expect(f->s, &c, P, 0, "n0 n1 n2 n3", "e0 e1 e2 e3 e4 e5 e6 e7");
    /* forward from the pallet: its loads from when they were packed */
    expect(f->s, &c, P, 1, "n0 n1 n2 n3", "e1 e2 e3 e4 e5 e6 e7");

    /* A's last custodian is where P was received while A was inside */
    t = h_trace(f->s, c.ids[A], 1);
    {
        char pb[64];
        const struct zl_trace_node *n = zl_trace_node(t, 0);

        assert_string_equal(n->id, c.ids[A]);
        assert_non_null(n->owner);
        assert_string_equal(n->owner, g_party(1, pb));
        assert_non_null(n->location);
        assert_string_equal(n->location, g_loc(1, pb));
        assert_int_equal(n->reached_consumer, 0);
    }
    zl_trace_free(t);
}

static void test_transformation_id(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct gev *e;
    int L1, L2, L3, M1, M2, M3;
    zl_trace *t;
    int found = 0;

    memset(&c, 0, sizeof c);
    c.seed = 900002;
    c.t0 = G_T0 - 20000000;
    L1 = g_new_id(&c, GK_LOT);
    L2 = g_new_id(&c, GK_LOT);
    L3 = g_new_id(&c, GK_LOT);
    M1 = g_new_id(&c, GK_LOT);
    M2 = g_new_id(&c, GK_LOT);
    M3 = g_new_id(&c, GK_LOT);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 1000);
    g_ref(e, L1, ZL_ROLE_QTY, 100);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 2000);
    g_ref(e, L2, ZL_ROLE_QTY, 50);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 3000);
    g_ref(e, L3, ZL_ROLE_QTY, 20);
    e = h_ev(&c, ZL_EV_TRANSFORMATION, ZL_ACT_NONE, 4000); /* e3 */
    e->tid = 7;
    g_ref(e, L1, ZL_ROLE_INPUT_QTY, 60);
    g_ref(e, L2, ZL_ROLE_INPUT_QTY, 50);
    g_ref(e, M1, ZL_ROLE_OUTPUT_QTY, 100);
    e = h_ev(&c, ZL_EV_TRANSFORMATION, ZL_ACT_NONE, 5000); /* e4 same tid */
    e->tid = 7;
    g_ref(e, L3, ZL_ROLE_INPUT_QTY, 20);
    g_ref(e, M2, ZL_ROLE_OUTPUT_QTY, 30);
    e = h_ev(&c, ZL_EV_TRANSFORMATION, ZL_ACT_NONE, 6000); /* e5 alone */
    g_ref(e, L1, ZL_ROLE_INPUT_QTY, 40);
    g_ref(e, M3, ZL_ROLE_OUTPUT_QTY, 40);
    capture(f->s, &c, 0, c.n_ev, NULL);

    expect(f->s, &c, M1, 0, "n0 n1 n2 n3", "e0 e1 e2 e3 e4");
    expect(f->s, &c, L3, 1, "n2 n3 n4", "e2 e3 e4");
    expect(f->s, &c, L1, 1, "n0 n3 n4 n5", "e0 e3 e4 e5");
    /* backward, an input's own history up to its use counts (e3 too) */
    expect(f->s, &c, M3, 0, "n0 n5", "e0 e3 e5");

    /* how much of L1 went into M1: 60 KGM (not the 40 of e5) */
    t = h_trace(f->s, c.ids[M1], 0);
    for (size_t i = 0; i < zl_trace_edge_count(t); i++) {
        const struct zl_trace_edge *ed = zl_trace_edge(t, i);

        if (strcmp(zl_trace_node(t, (size_t)ed->to)->id, c.ids[L1]) == 0) {
            found = 1;
            assert_int_equal(ed->link, ZL_LINK_TRANSFORMED);
            assert_true(ed->has_quantity);
            assert_true(ed->quantity == 60);
            assert_string_equal(ed->uom, "KGM");
            assert_int_equal(zl_trace_event(t, (size_t)ed->event)->cte,
                             ZL_CTE_TRANSFORMATION);
        }
    }
    assert_true(found);
    zl_trace_free(t);
}

static void test_lot_items_location(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct gev *e;
    int L, I1, I2;
    zl_trace *t;
    struct zl_trace_opts o;
    struct zl_error err = {0};
    char pb[64];

    memset(&c, 0, sizeof c);
    c.seed = 900003;
    c.t0 = G_T0 - 30000000;
    L = g_new_id(&c, GK_LOT);
    I1 = g_new_id(&c, GK_ITEM);
    I2 = g_new_id(&c, GK_ITEM);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 1000);
    e->biz_step = "commissioning";
    e->loc = 7;
    g_ref(e, L, ZL_ROLE_QTY, 2);
    g_ref(e, I1, ZL_ROLE_EPC, 0);
    g_ref(e, I2, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_OBSERVE, 2000);
    e->biz_step = "shipping";
    e->loc = 8;
    g_ref(e, I1, ZL_ROLE_EPC, 0);
    capture(f->s, &c, 0, c.n_ev, NULL);

    expect(f->s, &c, L, 1, "n0 n1 n2", "e0 e1");
    expect(f->s, &c, I2, 0, "n0 n2", "e0");
    expect(f->s, &c, I1, 0, "n0 n1", "e0 e1");

    /* what passed through location 8: I1, from its shipping on */
    memset(&o, 0, sizeof o);
    o.dir = ZL_TRACE_FORWARD;
    assert_int_equal(zl_trace_run(f->s, g_loc(8, pb), &o, &t, &err), 0);
    assert_int_equal(zl_trace_node_count(t), 2);
    assert_int_equal(zl_trace_node(t, 0)->kind, ZL_TK_LOCATION);
    assert_string_equal(zl_trace_node(t, 1)->id, c.ids[I1]);
    assert_int_equal(zl_trace_node(t, 1)->link, ZL_LINK_AT_LOCATION);
    zl_trace_free(t);

    /* any input form: the EPC URN of I1 gives the same trace */
    {
        struct zl_gs1_id gid;
        char urn[128];

        assert_int_equal(zl_gs1_parse(c.ids[I1], strlen(c.ids[I1]), &gid, NULL),
                         0);
        assert_true(zl_gs1_to_urn(&gid, 7, urn, sizeof urn) > 0);
        o.dir = ZL_TRACE_BACKWARD;
        assert_int_equal(zl_trace_run(f->s, urn, &o, &t, &err), 0);
        assert_int_equal(zl_trace_node_count(t), 2);
        assert_string_equal(zl_trace_node(t, 1)->id, c.ids[L]);
        zl_trace_free(t);
    }
    /* an invalid identifier is refused with a reason */
    {
        char bad[96];
        size_t p;

        snprintf(bad, sizeof bad, "%s", c.ids[I1]);
        p = strlen("https://id.gs1.org/01/") + 13; /* GTIN check digit */
        bad[p] = bad[p] == '9' ? '0' : (char)(bad[p] + 1);
        t = NULL;
        assert_int_not_equal(zl_trace_run(f->s, bad, &o, &t, &err), 0);
        assert_null(t);
    }
}

/* The JSON of a trace from id on s. */
static char *trace_json(zl_store *s, const char *id, int fwd)
{
    zl_trace *t = h_trace(s, id, fwd);
    struct zl_buf b;
    char *out;

    zl_buf_init(&b, 1 << 24);
    assert_int_equal(zl_trace_write_json(t, &b), 0);
    assert_int_equal(zl_buf_addc(&b, '\0'), 0);
    out = strdup(b.data);
    zl_buf_cleanup(&b);
    zl_trace_free(t);
    return out;
}

/* A trace decodes an event's identifiers by rank, the side it follows
 * (graph.c): walking back from an output reads a transformation's
 * inputs alone, and the handle keeps that half-decoded event for the
 * traces after it. Each trace here runs on the same handle after one
 * that left an event half-read, the other way, and must give what it
 * gives on a handle of its own (whose graph starts empty), and the sets
 * written out here; the quantities of the side read last come out too.
 * Inputs are listed after the outputs, so no rank is the list's start. */
static void test_partial_loads(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct gev *e;
    int A, B, O, I[5], P;
    zl_trace *t;
    struct zl_error err = {0};
    int seen = 0;
    static const struct {
        int start, fwd; /* start: 0 A, 1 B, 2 O, 3 P, 4.. I[] */
        const char *nodes, *events;
    } runs[] = {
        /* back from an item: e2's inputs read, its outputs not */
        {6, 0, "n0 n1 n6", "e0 e1 e2"},
        /* forward from an input on the same handle: every output */
        {0, 1, "n0 n2 n3 n4 n5 n6 n7 n8", "e0 e2 e3 e4"},
        /* the container's children after the outputs were read */
        {3, 1, "n3 n4 n5", "e3 e4"},
        {5, 0, "n0 n1 n3 n5", "e0 e1 e2 e3 e4"},
        {1, 1, "n1 n2 n3 n4 n5 n6 n7 n8", "e1 e2 e3 e4"},
        {2, 0, "n0 n1 n2", "e0 e1 e2"},
    };

    memset(&c, 0, sizeof c);
    c.seed = 900005;
    c.t0 = G_T0 - 40000000;
    A = g_new_id(&c, GK_LOT);
    B = g_new_id(&c, GK_LOT);
    O = g_new_id(&c, GK_LOT);
    P = g_new_id(&c, GK_SSCC);
    for (int i = 0; i < 5; i++)
        I[i] = g_new_id(&c, GK_ITEM);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 1000); /* e0 */
    g_ref(e, A, ZL_ROLE_QTY, 10);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 1500); /* e1 */
    g_ref(e, B, ZL_ROLE_QTY, 5);
    e = h_ev(&c, ZL_EV_TRANSFORMATION, ZL_ACT_NONE, 3000); /* e2 */
    for (int i = 0; i < 5; i++)
        g_ref(e, I[i], ZL_ROLE_OUTPUT, 0);
    g_ref(e, O, ZL_ROLE_OUTPUT_QTY, 30);
    g_ref(e, A, ZL_ROLE_INPUT_QTY, 10);
    g_ref(e, B, ZL_ROLE_INPUT_QTY, 5);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_ADD, 4000); /* e3 */
    g_ref(e, P, ZL_ROLE_PARENT, 0);
    g_ref(e, I[0], ZL_ROLE_CHILD, 0);
    g_ref(e, I[1], ZL_ROLE_CHILD, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_DELETE, 5000); /* e4 */
    g_ref(e, P, ZL_ROLE_PARENT, 0);
    g_ref(e, I[1], ZL_ROLE_CHILD, 0);
    capture(f->s, &c, 0, c.n_ev, NULL);

    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        const char *id = c.ids[runs[k].start];
        char *shared, *alone;
        zl_store *s = NULL;

        expect(f->s, &c, runs[k].start, runs[k].fwd, runs[k].nodes,
               runs[k].events);
        shared = trace_json(f->s, id, runs[k].fwd);
        assert_int_equal(zl_open(f->uri, &s, &err), 0);
        alone = trace_json(s, id, runs[k].fwd);
        zl_close(s);
        assert_string_equal(shared, alone);
        free(shared);
        free(alone);
    }

    /* the output lot's quantity as created (its own row in e2's outputs)
     * and the link's quantity from A (e2's outputs, read forward) */
    t = h_trace(f->s, c.ids[O], 0);
    assert_string_equal(zl_trace_node(t, 0)->id, c.ids[O]);
    assert_true(zl_trace_node(t, 0)->has_quantity);
    assert_true(zl_trace_node(t, 0)->quantity == 30);
    assert_string_equal(zl_trace_node(t, 0)->uom, "KGM");
    zl_trace_free(t);
    t = h_trace(f->s, c.ids[A], 1);
    for (size_t i = 0; i < zl_trace_edge_count(t); i++) {
        const struct zl_trace_edge *ed = zl_trace_edge(t, i);

        if (strcmp(zl_trace_node(t, (size_t)ed->to)->id, c.ids[O]) == 0) {
            seen = 1;
            assert_true(ed->has_quantity);
            assert_true(ed->quantity == 30);
            assert_string_equal(ed->uom, "KGM");
        }
    }
    assert_true(seen);
    zl_trace_free(t);
}

static void test_renderings(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct zl_buf b;
    zl_trace *t;

    g_generate(&c, 424242);
    capture(f->s, &c, 0, c.n_ev, NULL);
    t = h_trace(f->s, c.ids[0], 1);
    zl_buf_init(&b, 1 << 24);
    assert_int_equal(zl_trace_write_text(t, &b), 0);
    assert_non_null(strstr(b.data, c.ids[0]));
    zl_buf_reset(&b);
    assert_int_equal(zl_trace_write_json(t, &b), 0);
    assert_non_null(strstr(b.data, "\"direction\":\"forward\""));
    {
        json_t *j = json_loads(b.data, 0, NULL);

        assert_non_null(j);
        assert_int_equal(json_array_size(json_object_get(j, "nodes")),
                         zl_trace_node_count(t));
        json_decref(j);
    }
    zl_buf_reset(&b);
    assert_int_equal(zl_trace_write_svg(t, &b), 0);
    assert_non_null(strstr(b.data, "<svg"));
    assert_non_null(strstr(b.data, "</svg>"));
    zl_buf_reset(&b);
    assert_int_equal(zl_trace_write_dot(t, &b), 0);
    assert_non_null(strstr(b.data, "digraph"));
    zl_buf_cleanup(&b);
    zl_trace_free(t);
}

/* ---- the JSON's bytes ------------------------------------------------------
 * zl_trace_write_json writes with appends (trace_out.c); the server
 * answers /api/trace with it, and clients may compare answers byte for
 * byte. The reference here is the form it had before, one zl_buf_printf
 * a field, kept as the oracle: every identifier of random chains, both
 * directions, must come out the same. */
static int ref_jstr(struct zl_buf *b, const char *s)
{
    return s == NULL ? zl_buf_adds(b, "null") : zl_buf_add_json_string(b, s);
}

static int ref_jtime(struct zl_buf *b, int64_t ms)
{
    char tb[32];

    if (ms == INT64_MIN || ms == INT64_MAX)
        return zl_buf_adds(b, "null");
    zl_time_format_utc(ms, tb);
    return ref_jstr(b, tb);
}

static int ref_jkey(struct zl_buf *b, const char *k, const char *v)
{
    int rc;

    if (v == NULL)
        return 0;
    rc = zl_buf_printf(b, ",\"%s\":", k);
    return rc < 0 ? rc : ref_jstr(b, v);
}

static int ref_json(const zl_trace *t, struct zl_buf *b)
{
    int rc = zl_buf_printf(
        b, "{\"direction\":\"%s\",\"nodes\":[",
        zl_trace_options(t)->dir == ZL_TRACE_FORWARD ? "forward" : "backward");

    for (size_t i = 0; rc == 0 && i < zl_trace_node_count(t); i++) {
        const struct zl_trace_node *n = zl_trace_node(t, i);

        rc = zl_buf_printf(b, "%s{\"index\":%zu,\"id\":", i ? "," : "", i);
        rc = rc < 0 ? rc : ref_jstr(b, n->id);
        rc = rc < 0 ? rc
                    : zl_buf_printf(b,
                                    ",\"kind\":\"%s\",\"depth\":%d,"
                                    "\"via\":%d,\"link\":\"%s\"",
                                    zl_trace_kind_name(n->kind), n->depth,
                                    n->via, zl_trace_link_name(n->link));
        rc = rc < 0 ? rc : zl_buf_adds(b, ",\"from\":");
        rc = rc < 0 ? rc : ref_jtime(b, n->first_ms);
        rc = rc < 0 ? rc : zl_buf_adds(b, ",\"to\":");
        rc = rc < 0 ? rc : ref_jtime(b, n->last_ms);
        if (rc == 0 && n->has_quantity)
            rc = zl_buf_printf(b, ",\"quantity\":%.17g", n->quantity);
        rc = rc < 0 ? rc : ref_jkey(b, "uom", n->uom);
        rc = rc < 0 ? rc : ref_jkey(b, "owner", n->owner);
        rc = rc < 0 ? rc : ref_jkey(b, "possessor", n->possessor);
        rc = rc < 0 ? rc : ref_jkey(b, "location", n->location);
        if (rc == 0)
            rc = zl_buf_printf(b,
                               ",\"lastEvent\":%d,\"reachedConsumer\":%s,"
                               "\"events\":[",
                               n->last_event,
                               n->reached_consumer ? "true" : "false");
        for (size_t k = 0; rc == 0 && k < n->n_events; k++)
            rc = zl_buf_printf(b, "%s%d", k ? "," : "", n->events[k]);
        rc = rc < 0 ? rc : zl_buf_adds(b, "]}");
    }
    rc = rc < 0 ? rc : zl_buf_adds(b, "],\"edges\":[");
    for (size_t i = 0; rc == 0 && i < zl_trace_edge_count(t); i++) {
        const struct zl_trace_edge *e = zl_trace_edge(t, i);

        rc = zl_buf_printf(b,
                           "%s{\"from\":%d,\"to\":%d,\"link\":\"%s\","
                           "\"event\":%d",
                           i ? "," : "", e->from, e->to,
                           zl_trace_link_name(e->link), e->event);
        if (rc == 0 && e->has_quantity)
            rc = zl_buf_printf(b, ",\"quantity\":%.17g", e->quantity);
        rc = rc < 0 ? rc : ref_jkey(b, "uom", e->uom);
        rc = rc < 0 ? rc : zl_buf_addc(b, '}');
    }
    rc = rc < 0 ? rc : zl_buf_adds(b, "],\"events\":[");
    for (size_t i = 0; rc == 0 && i < zl_trace_event_count(t); i++) {
        const struct zl_trace_event *e = zl_trace_event(t, i);
        char h[65];
        const char *a = zl_action_name(e->action);

        zl_hex_encode(e->hash, 32, h);
        rc = zl_buf_printf(b,
                           "%s{\"index\":%zu,\"eventID\":\"ni:///sha-256;"
                           "%s?ver=CBV2.0\",\"type\":\"%s\"",
                           i ? "," : "", i, h, zl_event_type_name(e->type));
        rc = rc < 0 ? rc : ref_jkey(b, "action", a);
        rc = rc < 0 ? rc : zl_buf_adds(b, ",\"eventTime\":");
        rc = rc < 0 ? rc : ref_jtime(b, e->event_time_ms);
        rc = rc < 0 ? rc : zl_buf_adds(b, ",\"recordTime\":");
        rc = rc < 0 ? rc : ref_jtime(b, e->record_time_ms);
        rc = rc < 0 ? rc : ref_jkey(b, "bizStep", e->biz_step);
        rc = rc < 0 ? rc : ref_jkey(b, "disposition", e->disposition);
        rc = rc < 0 ? rc : ref_jkey(b, "bizLocation", e->biz_location);
        rc = rc < 0 ? rc : ref_jkey(b, "readPoint", e->read_point);
        rc =
            rc < 0 ? rc : ref_jkey(b, "transformationID", e->transformation_id);
        rc = rc < 0 ? rc : ref_jkey(b, "sourceOwner", e->src_owner);
        rc = rc < 0 ? rc : ref_jkey(b, "sourcePossessor", e->src_possessor);
        rc = rc < 0 ? rc : ref_jkey(b, "sourceLocation", e->src_location);
        rc = rc < 0 ? rc : ref_jkey(b, "destinationOwner", e->dst_owner);
        rc =
            rc < 0 ? rc : ref_jkey(b, "destinationPossessor", e->dst_possessor);
        rc = rc < 0 ? rc : ref_jkey(b, "destinationLocation", e->dst_location);
        rc = rc < 0 ? rc : ref_jkey(b, "cte", zl_cte_name(e->cte));
        rc = rc < 0 ? rc : zl_buf_addc(b, '}');
    }
    return rc < 0 ? rc : zl_buf_adds(b, "]}\n");
}

static void test_json_bytes(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct zl_buf got, want;
    size_t compared = 0, quantities = 0;

    zl_buf_init(&got, 1 << 24);
    zl_buf_init(&want, 1 << 24);
    for (uint64_t sd = 1; sd <= 6; sd++) {
        g_generate(&c, 7000 + sd);
        capture(f->s, &c, 0, c.n_ev, NULL);
        for (int i = 0; i < c.n_ids; i++)
            for (int fwd = 0; fwd < 2; fwd++) {
                zl_trace *t = h_trace(f->s, c.ids[i], fwd);

                zl_buf_reset(&got);
                zl_buf_reset(&want);
                assert_int_equal(zl_trace_write_json(t, &got), 0);
                assert_int_equal(ref_json(t, &want), 0);
                if (got.len != want.len || memcmp(got.data, want.data, got.len))
                    fail_msg("%s %s: the JSON differs from the printf form:\n"
                             "%s\nwant\n%s",
                             c.ids[i], fwd ? "forward" : "backward", got.data,
                             want.data);
                compared++;
                quantities += strstr(got.data, "\"quantity\":") != NULL;
                zl_trace_free(t);
            }
    }
    assert_true(compared > 50);
    assert_true(quantities > 0);
    zl_buf_cleanup(&got);
    zl_buf_cleanup(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pallet_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transformation_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lot_items_location, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_renderings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_graph_follows_commits,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
