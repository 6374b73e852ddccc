/*
 * test_recall.c - recall scope (zl_trace_scope): a hand-built dairy chain
 * whose scope is written out (items made from the lot, the containers that
 * carried them but not the other goods in them, last custodians, what was
 * sold, the CTEs), and the scope of several lots at once against the
 * brute-force model of trace_gen.h on random chains (store and index).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trace_gen.h"
#include "zhiliang/recall.h"
#include "util/buf.h"

#include <jansson.h>
#include <string.h>

#include <unistd.h>

#define FIXTURE_NAME "recall"
#include "store_fixture.h"

static void capture(zl_store *s, const struct gchain *c)
{
    struct zl_buf b;
    struct zl_error err = {0};

    zl_buf_init(&b, 1 << 24);
    g_doc(&b, c, 0, c->n_ev);
    assert_int_equal(zl_capture(s, b.data, b.len, NULL, NULL, &err), 0);
    zl_buf_cleanup(&b);
}

static struct gev *h_ev(struct gchain *c, int type, int action, int64_t dt,
                        const char *step)
{
    struct gev *e = &c->ev[c->n_ev++];

    memset(e, 0, sizeof(*e));
    e->type = type;
    e->action = action;
    e->t = c->t0 + dt;
    e->tid = e->src = e->dst = e->loc = -1;
    e->biz_step = step;
    return e;
}

static const struct zl_trace_node *find(const zl_trace *t, const char *id)
{
    for (size_t i = 0; i < zl_trace_node_count(t); i++)
        if (strcmp(zl_trace_node(t, i)->id, id) == 0)
            return zl_trace_node(t, i);
    return NULL;
}

static void test_dairy_scope(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct gev *e;
    int M, P, I1, I2, I3, Q, J, C, Pal;
    const struct zl_trace_node *n;
    struct zl_trace_summary sum;
    zl_trace *t = NULL;
    struct zl_error err = {0};
    const char *lots[1];
    char pb[64];
    int ctes[8] = {0};

    memset(&c, 0, sizeof c);
    c.seed = 800001;
    c.t0 = G_T0 - 50000000;
    M = g_new_id(&c, GK_LOT);
    P = g_new_id(&c, GK_LOT);
    I1 = g_new_id(&c, GK_ITEM);
    I2 = g_new_id(&c, GK_ITEM);
    I3 = g_new_id(&c, GK_ITEM);
    Q = g_new_id(&c, GK_LOT);
    J = g_new_id(&c, GK_ITEM);
    C = g_new_id(&c, GK_SSCC);
    Pal = g_new_id(&c, GK_SSCC);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 1000, "commissioning"); /* e0 */
    e->loc = 0;
    g_ref(e, M, ZL_ROLE_QTY, 1000);
    e = h_ev(&c, ZL_EV_TRANSFORMATION, ZL_ACT_NONE, 2000, "commissioning");
    g_ref(e, M, ZL_ROLE_INPUT_QTY, 500);
    g_ref(e, P, ZL_ROLE_OUTPUT_QTY, 480);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 3000, "commissioning"); /* e2 */
    e->loc = 1;
    g_ref(e, P, ZL_ROLE_QTY, 3);
    g_ref(e, I1, ZL_ROLE_EPC, 0);
    g_ref(e, I2, ZL_ROLE_EPC, 0);
    g_ref(e, I3, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 4000, "commissioning"); /* e3 */
    g_ref(e, Q, ZL_ROLE_QTY, 1);
    g_ref(e, J, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_ADD, 5000, "packing"); /* e4 */
    g_ref(e, C, ZL_ROLE_PARENT, 0);
    g_ref(e, I1, ZL_ROLE_CHILD, 0);
    g_ref(e, I2, ZL_ROLE_CHILD, 0);
    g_ref(e, J, ZL_ROLE_CHILD, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_ADD, 6000, "packing"); /* e5 */
    g_ref(e, Pal, ZL_ROLE_PARENT, 0);
    g_ref(e, C, ZL_ROLE_CHILD, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_OBSERVE, 7000, "shipping"); /* e6 */
    e->src = 0;
    e->dst = 1;
    e->loc = 1;
    g_ref(e, Pal, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_OBSERVE, 8000, "receiving"); /* e7 */
    e->src = 0;
    e->dst = 1;
    e->loc = 2;
    g_ref(e, Pal, ZL_ROLE_EPC, 0);
    e = h_ev(&c, ZL_EV_AGGREGATION, ZL_ACT_DELETE, 9000, "unpacking"); /* e8 */
    g_ref(e, C, ZL_ROLE_PARENT, 0);
    g_ref(e, I1, ZL_ROLE_CHILD, 0);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_OBSERVE, 10000, "retail_selling");
    e->loc = 5;
    g_ref(e, I1, ZL_ROLE_EPC, 0);
    capture(f->s, &c);

    lots[0] = c.ids[M];
    assert_int_equal(zl_trace_scope(f->s, lots, 1, NULL, &t, &err), 0);
    assert_int_equal(zl_trace_node_count(t), 7);
    assert_non_null(find(t, c.ids[P]));
    assert_non_null(find(t, c.ids[C]));
    assert_non_null(find(t, c.ids[Pal]));
    assert_null(find(t, c.ids[J])); /* other goods in the same case */
    assert_null(find(t, c.ids[Q]));
    zl_trace_summarize(t, &sum);
    assert_int_equal(sum.items, 3);
    assert_int_equal(sum.items_at_consumers, 1);
    assert_int_equal(sum.lots, 2);
    assert_int_equal(sum.containers, 2);

    n = find(t, c.ids[P]);
    assert_true(n->has_quantity && n->quantity == 480);
    assert_string_equal(n->uom, "KGM");

    n = find(t, c.ids[I1]);
    assert_true(n->reached_consumer);
    assert_string_equal(n->location, g_loc(5, pb));
    assert_string_equal(n->owner, g_party(1, pb));

    n = find(t, c.ids[I2]); /* still in the case, on the pallet */
    assert_false(n->reached_consumer);
    assert_string_equal(n->owner, g_party(1, pb));
    assert_string_equal(n->location, g_loc(2, pb));

    n = find(t, c.ids[I3]); /* never left the plant */
    assert_null(n->owner);
    assert_string_equal(n->location, g_loc(1, pb));

    for (size_t i = 0; i < zl_trace_event_count(t); i++)
        ctes[zl_trace_event(t, i)->cte]++;
    assert_int_equal(ctes[ZL_CTE_TRANSFORMATION], 1);
    assert_int_equal(ctes[ZL_CTE_SHIPPING], 1);
    assert_int_equal(ctes[ZL_CTE_RECEIVING], 1);
    /* commissioning of M (the start) and of P's items */
    assert_int_equal(ctes[ZL_CTE_INITIAL_PACKING], 2);
    zl_trace_free(t);

    /* M (1000 KGM) went half into P: whoever holds M still holds the other
     * 500 KGM and is a custodian to notify; P (480 KGM, turned into items
     * whole by its own commissioning) is counted by its items. */
    {
        zl_recall_scope *sc = NULL;
        struct zl_buf j;
        json_t *doc, *cu;
        size_t i, k;
        double kgm = 0;

        assert_int_equal(zl_recall_scope_compute(f->s, lots, 1, &sc, &err), 0);
        zl_buf_init(&j, 1 << 22);
        assert_int_equal(zl_recall_scope_json(sc, &j), 0);
        doc = json_loadb(j.data, j.len, 0, NULL);
        assert_non_null(doc);
        json_array_foreach(json_object_get(doc, "custodians"), i, cu)
        {
            json_t *h;

            json_array_foreach(
                json_object_get(cu, "holdings"), k,
                h) if (!strcmp(json_string_value(json_object_get(h, "uom")),
                               "KGM")) kgm +=
                json_number_value(json_object_get(h, "held"));
        }
        assert_true(kgm == 500);
        json_decref(doc);
        zl_buf_cleanup(&j);
        zl_recall_scope_free(sc);
    }
}

/* An event may list one identifier twice in one role (a
 * transformation's inputQuantityList with the lot on two lines): the
 * store keeps one occurrence an identifier and role (event_occ's key on
 * SQLite, the trace index's records on both backends), its first line.
 * Of the lot's 1,000 KGM, 500 went into P: its holder still holds 500
 * (P's 480 are held by no known party). Both backends must agree. */
static void test_scope_duplicate_line(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    struct gev *e;
    int M, P;
    const char *lots[1];
    zl_recall_scope *sc = NULL;
    struct zl_error err = {0};
    struct zl_buf j;
    json_t *doc, *cu, *h;
    size_t i, k;
    double kgm = 0;

    memset(&c, 0, sizeof c);
    c.seed = 800002;
    c.t0 = G_T0 - 40000000;
    M = g_new_id(&c, GK_LOT);
    P = g_new_id(&c, GK_LOT);
    e = h_ev(&c, ZL_EV_OBJECT, ZL_ACT_ADD, 1000, "commissioning");
    e->loc = 0;
    g_ref(e, M, ZL_ROLE_QTY, 1000);
    e = h_ev(&c, ZL_EV_TRANSFORMATION, ZL_ACT_NONE, 2000, "commissioning");
    g_ref(e, M, ZL_ROLE_INPUT_QTY, 500);
    g_ref(e, M, ZL_ROLE_INPUT_QTY, 300);
    g_ref(e, P, ZL_ROLE_OUTPUT_QTY, 480);
    capture(f->s, &c);

    lots[0] = c.ids[M];
    assert_int_equal(zl_recall_scope_compute(f->s, lots, 1, &sc, &err), 0);
    zl_buf_init(&j, 1 << 20);
    assert_int_equal(zl_recall_scope_json(sc, &j), 0);
    doc = json_loadb(j.data, j.len, 0, NULL);
    assert_non_null(doc);
    json_array_foreach(json_object_get(doc, "custodians"), i, cu)
    {
        if (!strcmp(json_string_value(json_object_get(cu, "party")), "unknown"))
            continue;
        json_array_foreach(json_object_get(cu, "holdings"), k, h)
        {
            kgm += json_number_value(json_object_get(h, "held"));
        }
    }
    assert_true(kgm == 500);
    json_decref(doc);
    zl_buf_cleanup(&j);
    zl_recall_scope_free(sc);
}

static void test_scope_random(void **state)
{
    struct fixture *f = *state;
    static struct gchain c;
    static struct naive m;
    int seeds = 400, failures = 0, runs = 0;

    for (int sd = 0; sd < seeds; sd++) {
        g_generate(&c, (uint64_t)sd + 5000);
        capture(f->s, &c);
    }
    for (int mode = 0; mode < 2; mode++) {
        /* mode 1: on the trace index rebuilt from the records */
        if (mode == 1)
            assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
        for (int sd = 0; sd < seeds && failures < 5; sd++) {
            int starts[3], n = 0;
            const char *ids[3];
            zl_trace *t = NULL;
            struct zl_trace_opts o;
            struct zl_error err = {0};
            char what[128];

            g_generate(&c, (uint64_t)sd + 5000);
            for (int k = 0; k < c.n_ids && n < 3; k++)
                if (c.kind[k] == GK_LOT && g_pick(&c, 2) == 0) {
                    starts[n] = k;
                    ids[n++] = c.ids[k];
                }
            if (n == 0)
                continue;
            memset(&o, 0, sizeof o);
            assert_int_equal(zl_trace_scope(f->s, ids, (size_t)n, &o, &t, &err),
                             0);
            naive_run(&m, &c, starts, n, 1, 0, c.n_ev, 0, 0);
            snprintf(what, sizeof what, "scope seed %d (%d lots, %s)",
                     sd + 5000, n, mode ? "reindexed" : "captured");
            failures += compare_trace(t, &m, &c, what) != 0;
            runs++;
            zl_trace_free(t);
        }
    }
    printf("# %d scopes compared, %d differences\n", runs, failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dairy_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_duplicate_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scope_random, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
