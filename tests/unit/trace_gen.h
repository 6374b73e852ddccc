/*
 * trace_gen.h - random small supply chains and a brute-force trace, shared
 * by test_trace.c and test_recall.c (included, not linked: each test is one
 * executable).
 *
 * The generator makes chains with the awkward cases the engine must get
 * right: packing after a shipment, unpacking one child or all, containers
 * reused for a new load, nesting, class-level (lot) children, association
 * events, multi-input transformations and events linked by a shared
 * transformationID, commissioning that ties items to their lot, shipping
 * and retail events. It renders them as EPCIS 2.0 JSON for zl_capture and
 * keeps them in memory for the naive model.
 *
 * The naive model is the rule set of zhiliang/trace.h executed as plainly
 * as possible: time is a row of booleans (one per millisecond of the
 * chain), every level scans every event, memberships are recomputed by
 * scanning every event. It shares no code with the engine.
 */
#ifndef ZL_TRACE_GEN_H
#define ZL_TRACE_GEN_H

#include "test_rng.h"
#include "util/buf.h"
#include "util/timefmt.h"
#include "zhiliang/gs1.h"
#include "zhiliang/trace.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G_MAXID  200
#define G_MAXEV  64
#define G_MAXREF 10
#define G_T0     1700000000000LL

enum { GK_ITEM, GK_LOT, GK_SSCC, GK_GRAI };

struct gref {
    int id, role, has_qty;
    double qty;
};

struct gev {
    int type, action;
    int64_t t;
    struct gref r[G_MAXREF];
    int n;
    int tid;              /* -1 or tid number */
    const char *biz_step; /* short CBV name or NULL */
    int src, dst;         /* party numbers or -1 */
    int loc;              /* location number or -1 */
};

struct gchain {
    uint64_t seed, rng;
    int64_t t0;
    char ids[G_MAXID][96];
    int kind[G_MAXID];
    int n_ids;
    struct gev ev[G_MAXEV];
    int n_ev;
    int n_tids;
};

static uint64_t g_rand(struct gchain *c)
{
    return test_xorshift64(&c->rng);
}

static int g_pick(struct gchain *c, int n)
{
    return (int)(g_rand(c) % (uint64_t)n);
}

static void g_digits_cd(char *out, const char *body)
{
    size_t n = strlen(body);

    memcpy(out, body, n);
    out[n] = (char)('0' + zl_gs1_check_digit(body, n));
    out[n + 1] = '\0';
}

static int g_new_id(struct gchain *c, int kind)
{
    int i = c->n_ids;
    char body[32], key[40];
    unsigned long long seed = (unsigned long long)c->seed;

    if (i >= G_MAXID)
        return -1;
    c->kind[i] = kind;
    switch (kind) {
    case GK_ITEM:
        snprintf(body, sizeof body, "00614141%05d", 10 + g_pick(c, 3));
        g_digits_cd(key, body);
        snprintf(c->ids[i], sizeof c->ids[i],
                 "https://id.gs1.org/01/%s/21/S%llux%d", key, seed, i);
        break;
    case GK_LOT:
        snprintf(body, sizeof body, "00614141%05d", 20 + g_pick(c, 3));
        g_digits_cd(key, body);
        snprintf(c->ids[i], sizeof c->ids[i],
                 "https://id.gs1.org/01/%s/10/L%llux%d", key, seed, i);
        break;
    case GK_SSCC:
        snprintf(body, sizeof body, "00614141%09llu",
                 (seed * 200 + (unsigned long long)i) % 1000000000ull);
        g_digits_cd(key, body);
        snprintf(c->ids[i], sizeof c->ids[i], "https://id.gs1.org/00/%s", key);
        break;
    default:
        snprintf(body, sizeof body, "0061414100001");
        g_digits_cd(key, body);
        snprintf(c->ids[i], sizeof c->ids[i],
                 "https://id.gs1.org/8003/%sA%llux%d", key, seed, i);
        break;
    }
    {
        char canon[96];
        int n = zl_gs1_canonical(c->ids[i], strlen(c->ids[i]), canon,
                                 sizeof canon, NULL);

        if (n > 0)
            memcpy(c->ids[i], canon, (size_t)n + 1);
    }
    return c->n_ids++;
}

/* Digital Link of GLN number n in a 9-digit company block, under AI ai
 * (417 party, 414 location). */
static const char *g_gln(int n, const char *block, const char *ai, char buf[64])
{
    char body[32], key[40];

    snprintf(body, sizeof body, "%s%03d", block, n);
    g_digits_cd(key, body);
    snprintf(buf, 64, "https://id.gs1.org/%s/%s", ai, key);
    return buf;
}

static const char *g_party(int n, char buf[64])
{
    return g_gln(n, "061414100", "417", buf);
}

static const char *g_loc(int n, char buf[64])
{
    return g_gln(n, "061414199", "414", buf);
}

static struct gev *g_ev(struct gchain *c, int type, int action)
{
    struct gev *e = &c->ev[c->n_ev++];

    memset(e, 0, sizeof(*e));
    e->type = type;
    e->action = action;
    e->tid = -1;
    e->src = e->dst = e->loc = -1;
    e->t = c->t0 + (c->n_ev > 1 ? c->ev[c->n_ev - 2].t - c->t0 : 0) + 1 +
           g_pick(c, 3);
    return e;
}

static void g_ref(struct gev *e, int id, int role, double qty)
{
    for (int i = 0; i < e->n; i++)
        if (e->r[i].id == id)
            return; /* an identifier once per event */
    if (e->n >= G_MAXREF)
        return;
    e->r[e->n].id = id;
    e->r[e->n].role = role;
    e->r[e->n].has_qty = qty > 0;
    e->r[e->n].qty = qty;
    e->n++;
}

/* Pick an existing identifier of one of the kinds in mask, or -1. */
static int g_existing(struct gchain *c, unsigned mask, int not )
{
    int cand[G_MAXID], n = 0;

    for (int i = 0; i < c->n_ids; i++)
        if ((mask >> c->kind[i]) & 1u && i != not )
            cand[n++] = i;
    return n ? cand[g_pick(c, n)] : -1;
}

static void g_generate(struct gchain *c, uint64_t seed)
{
    int target;

    memset(c, 0, sizeof(*c));
    c->seed = seed;
    c->rng = seed * 0x9e3779b97f4a7c15ull + 0x1234567ull;
    if (c->rng == 0)
        c->rng = 1;
    c->t0 = G_T0 + (int64_t)seed * 1000;
    target = 6 + g_pick(c, 36);
    while (c->n_ev < target && c->n_ids < G_MAXID - 12) {
        int op = g_pick(c, 100);
        struct gev *e;

        if (op < 12 || c->n_ids < 2) {
            int lot = g_new_id(c, GK_LOT), k = g_pick(c, 4);

            e = g_ev(c, ZL_EV_OBJECT, ZL_ACT_ADD);
            e->biz_step = "commissioning";
            e->loc = g_pick(c, 3);
            g_ref(e, lot, ZL_ROLE_QTY, 10 + g_pick(c, 90));
            for (int i = 0; i < k; i++)
                g_ref(e, g_new_id(c, GK_ITEM), ZL_ROLE_EPC, 0);
        } else if (op < 20) {
            int k = 1 + g_pick(c, 3);

            e = g_ev(c, ZL_EV_OBJECT, ZL_ACT_ADD);
            e->biz_step = "commissioning";
            for (int i = 0; i < k; i++)
                g_ref(e, g_new_id(c, GK_ITEM), ZL_ROLE_EPC, 0);
        } else if (op < 42) {
            int p = g_pick(c, 10) < 6
                        ? g_existing(c, 1u << GK_SSCC | 1u << GK_GRAI, -1)
                        : -1;
            int assoc = g_pick(c, 7) == 0, k = 1 + g_pick(c, 3);

            if (p < 0)
                p = g_new_id(c, g_pick(c, 4) == 0 ? GK_GRAI : GK_SSCC);
            e = g_ev(c, assoc ? ZL_EV_ASSOCIATION : ZL_EV_AGGREGATION,
                     ZL_ACT_ADD);
            e->biz_step = assoc ? "assembling" : "packing";
            g_ref(e, p, ZL_ROLE_PARENT, 0);
            for (int i = 0; i < k; i++) {
                int ch = g_existing(c,
                                    assoc ? 1u << GK_ITEM
                                          : (1u << GK_ITEM | 1u << GK_LOT |
                                             1u << GK_SSCC | 1u << GK_GRAI),
                                    p);

                if (ch < 0)
                    continue;
                g_ref(e, ch,
                      c->kind[ch] == GK_LOT ? ZL_ROLE_CHILD_QTY : ZL_ROLE_CHILD,
                      c->kind[ch] == GK_LOT ? 1 + g_pick(c, 9) : 0);
            }
            if (e->n < 2)
                c->n_ev--;
        } else if (op < 54) {
            /* unpack: one container, all children or some it ever had */
            int p = g_existing(c, 1u << GK_SSCC | 1u << GK_GRAI, -1);
            int had[G_MAXID], nh = 0;

            if (p < 0)
                continue;
            for (int i = 0; i < c->n_ev; i++) {
                const struct gev *a = &c->ev[i];

                if ((a->type != ZL_EV_AGGREGATION &&
                     a->type != ZL_EV_ASSOCIATION) ||
                    a->action != ZL_ACT_ADD || a->r[0].id != p)
                    continue;
                for (int k = 1; k < a->n; k++)
                    had[nh++] = a->r[k].id;
            }
            if (nh == 0)
                continue;
            e = g_ev(c,
                     g_pick(c, 8) == 0 ? ZL_EV_ASSOCIATION : ZL_EV_AGGREGATION,
                     ZL_ACT_DELETE);
            e->biz_step = "unpacking";
            g_ref(e, p, ZL_ROLE_PARENT, 0);
            if (g_pick(c, 10) < 6) {
                int k = 1 + g_pick(c, 2);

                for (int i = 0; i < k; i++) {
                    int ch = had[g_pick(c, nh)];

                    g_ref(e, ch,
                          c->kind[ch] == GK_LOT ? ZL_ROLE_CHILD_QTY
                                                : ZL_ROLE_CHILD,
                          c->kind[ch] == GK_LOT ? 1 : 0);
                }
            }
        } else if (op < 70) {
            int k = 1 + g_pick(c, 2);

            e = g_ev(c, ZL_EV_OBJECT, ZL_ACT_OBSERVE);
            e->biz_step = g_pick(c, 2) ? "shipping" : "receiving";
            e->src = g_pick(c, 4);
            e->dst = g_pick(c, 4);
            e->loc = g_pick(c, 3);
            for (int i = 0; i < k; i++) {
                int x = g_existing(
                    c, 1u << GK_ITEM | 1u << GK_SSCC | 1u << GK_GRAI, -1);

                if (x >= 0)
                    g_ref(e, x, ZL_ROLE_EPC, 0);
            }
            if (e->n == 0)
                c->n_ev--;
        } else if (op < 84) {
            int ni = 1 + g_pick(c, 3), no = 1 + g_pick(c, 2);

            e = g_ev(c, ZL_EV_TRANSFORMATION, ZL_ACT_NONE);
            e->biz_step = "commissioning";
            if (g_pick(c, 10) < 4) {
                if (c->n_tids == 0 || g_pick(c, 2) == 0)
                    e->tid = c->n_tids++;
                else
                    e->tid = g_pick(c, c->n_tids);
            }
            for (int i = 0; i < ni; i++) {
                int x = g_existing(c, 1u << GK_ITEM | 1u << GK_LOT, -1);

                if (x >= 0)
                    g_ref(e, x,
                          c->kind[x] == GK_LOT ? ZL_ROLE_INPUT_QTY
                                               : ZL_ROLE_INPUT,
                          c->kind[x] == GK_LOT ? 1 + g_pick(c, 20) : 0);
            }
            for (int i = 0; i < no; i++) {
                int lot = g_pick(c, 2);
                int x = g_new_id(c, lot ? GK_LOT : GK_ITEM);

                g_ref(e, x, lot ? ZL_ROLE_OUTPUT_QTY : ZL_ROLE_OUTPUT,
                      lot ? 1 + g_pick(c, 50) : 0);
            }
        } else if (op < 90) {
            int x = g_existing(c, 1u << GK_ITEM, -1);

            if (x < 0)
                continue;
            e = g_ev(c, ZL_EV_OBJECT, ZL_ACT_OBSERVE);
            e->biz_step = "retail_selling";
            e->loc = 5;
            g_ref(e, x, ZL_ROLE_EPC, 0);
        } else if (op < 95) {
            int x = g_existing(c, 1u << GK_ITEM, -1);

            if (x < 0)
                continue;
            e = g_ev(c, ZL_EV_OBJECT, ZL_ACT_DELETE);
            e->biz_step = "decommissioning";
            g_ref(e, x, ZL_ROLE_EPC, 0);
        } else {
            int p = g_existing(c, 1u << GK_SSCC, -1);
            int ch = g_existing(c, 1u << GK_ITEM, -1);

            if (p < 0 || ch < 0)
                continue;
            e = g_ev(c, ZL_EV_AGGREGATION, ZL_ACT_OBSERVE);
            e->biz_step = "inspecting";
            g_ref(e, p, ZL_ROLE_PARENT, 0);
            g_ref(e, ch, ZL_ROLE_CHILD, 0);
        }
    }
}

/* ---- JSON ------------------------------------------------------------------
 */

/* The event's ids of one role as the list `name`: EPCs, or (qty) quantity
 * elements; nothing when it has none. */
static void g_list(struct zl_buf *b, const struct gchain *c,
                   const struct gev *e, int role, const char *name, int qty)
{
    int n = 0;

    for (int i = 0; i < e->n; i++)
        n += e->r[i].role == role;
    if (n == 0)
        return;
    zl_buf_printf(b, ",\"%s\":[", name);
    n = 0;
    for (int i = 0; i < e->n; i++) {
        if (e->r[i].role != role)
            continue;
        if (qty)
            zl_buf_printf(b,
                          "%s{\"epcClass\":\"%s\",\"quantity\":%g,"
                          "\"uom\":\"KGM\"}",
                          n++ ? "," : "", c->ids[e->r[i].id], e->r[i].qty);
        else
            zl_buf_printf(b, "%s\"%s\"", n++ ? "," : "", c->ids[e->r[i].id]);
    }
    zl_buf_adds(b, "]");
}

static const char *g_type_name(int t)
{
    switch (t) {
    case ZL_EV_OBJECT: return "ObjectEvent";
    case ZL_EV_AGGREGATION: return "AggregationEvent";
    case ZL_EV_TRANSACTION: return "TransactionEvent";
    case ZL_EV_TRANSFORMATION: return "TransformationEvent";
    default: return "AssociationEvent";
    }
}

static void g_event_json(struct zl_buf *b, const struct gchain *c, int i)
{
    const struct gev *e = &c->ev[i];
    static const char *acts[] = {"", "ADD", "OBSERVE", "DELETE"};
    char tb[32], pb[64];

    zl_time_format_utc(e->t, tb);
    zl_buf_printf(b,
                  "{\"type\":\"%s\",\"eventTime\":\"%s\","
                  "\"eventTimeZoneOffset\":\"+00:00\"",
                  g_type_name(e->type), tb);
    if (e->type != ZL_EV_TRANSFORMATION)
        zl_buf_printf(b, ",\"action\":\"%s\"", acts[e->action]);
    for (int k = 0; k < e->n; k++)
        if (e->r[k].role == ZL_ROLE_PARENT)
            zl_buf_printf(b, ",\"parentID\":\"%s\"", c->ids[e->r[k].id]);
    g_list(b, c, e, ZL_ROLE_EPC, "epcList", 0);
    g_list(b, c, e, ZL_ROLE_CHILD, "childEPCs", 0);
    g_list(b, c, e, ZL_ROLE_INPUT, "inputEPCList", 0);
    g_list(b, c, e, ZL_ROLE_OUTPUT, "outputEPCList", 0);
    g_list(b, c, e, ZL_ROLE_QTY, "quantityList", 1);
    g_list(b, c, e, ZL_ROLE_CHILD_QTY, "childQuantityList", 1);
    g_list(b, c, e, ZL_ROLE_INPUT_QTY, "inputQuantityList", 1);
    g_list(b, c, e, ZL_ROLE_OUTPUT_QTY, "outputQuantityList", 1);
    if (e->tid >= 0)
        zl_buf_printf(b,
                      ",\"transformationID\":\"urn:uuid:00000000-0000-4000-"
                      "8000-%06llx%06x\"",
                      (unsigned long long)c->seed % 0xffffffu, e->tid);
    if (e->biz_step)
        zl_buf_printf(b, ",\"bizStep\":\"https://ref.gs1.org/cbv/BizStep-%s\"",
                      e->biz_step);
    if (e->loc >= 0)
        zl_buf_printf(b, ",\"bizLocation\":{\"id\":\"%s\"}", g_loc(e->loc, pb));
    if (e->src >= 0)
        zl_buf_printf(b,
                      ",\"sourceList\":[{\"type\":\"https://ref.gs1.org/cbv/"
                      "SDT-owning_party\",\"source\":\"%s\"}]",
                      g_party(e->src, pb));
    if (e->dst >= 0)
        zl_buf_printf(b,
                      ",\"destinationList\":[{\"type\":\"https://ref.gs1.org/"
                      "cbv/SDT-owning_party\",\"destination\":\"%s\"}]",
                      g_party(e->dst, pb));
    zl_buf_adds(b, "}");
}

/* Document of events [from, to). */
static void g_doc(struct zl_buf *b, const struct gchain *c, int from, int to)
{
    zl_buf_reset(b);
    zl_buf_adds(b, "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
                   "2.0.0/epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
                   "\"schemaVersion\":\"2.0\",\"creationDate\":"
                   "\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[");
    for (int i = from; i < to; i++) {
        if (i > from)
            zl_buf_addc(b, ',');
        g_event_json(b, c, i);
    }
    zl_buf_adds(b, "]}}");
}

/* ---- the naive model
 * ----------------------------------------------------------- */

struct naive {
    int n_slots;
    unsigned char cov_p[G_MAXID][G_MAXEV * 4 + 8];
    unsigned char cov_d[G_MAXID][G_MAXEV * 4 + 8];
    unsigned char fr_p[G_MAXID][G_MAXEV * 4 + 8];
    unsigned char fr_d[G_MAXID][G_MAXEV * 4 + 8];
    unsigned char nx_p[G_MAXID][G_MAXEV * 4 + 8];
    unsigned char nx_d[G_MAXID][G_MAXEV * 4 + 8];
    int depth[G_MAXID]; /* -1 = not reached */
    int touched[G_MAXEV];
};

static int n_slot(const struct gchain *c, int64_t t)
{
    return (int)(t - c->t0) + 1;
}

static int n_is_agg(int type)
{
    return type == ZL_EV_AGGREGATION || type == ZL_EV_ASSOCIATION;
}

/* Membership of child ch in parent p from ADD event a: last slot f and
 * the ending DELETE event (or -1). */
static int n_member_end(const struct gchain *c, int ok_n, int ch, int p, int a,
                        int *edel, int last)
{
    int best = -1;

    for (int i = 0; i < ok_n; i++) {
        const struct gev *e = &c->ev[i];
        int names_child = 0, names_ch = 0, is_parent = 0;

        if (i == a || !n_is_agg(e->type) || e->action != ZL_ACT_DELETE ||
            e->t < c->ev[a].t)
            continue;
        for (int k = 0; k < e->n; k++) {
            if (e->r[k].role == ZL_ROLE_PARENT && e->r[k].id == p)
                is_parent = 1;
            if (e->r[k].role == ZL_ROLE_CHILD ||
                e->r[k].role == ZL_ROLE_CHILD_QTY) {
                names_child = 1;
                names_ch |= e->r[k].id == ch;
            }
        }
        if (!is_parent || (names_child && !names_ch))
            continue;
        if (best < 0 || e->t < c->ev[best].t)
            best = i;
    }
    *edel = best;
    return best < 0 ? last : n_slot(c, c->ev[best].t) - 1;
}

static void n_set(unsigned char *row, int a, int b)
{
    for (int v = a; v <= b; v++)
        row[v] = 1;
}

/* Run the model. starts: identifier numbers. ok_n: only events [0, ok_n)
 * exist (the --at cut). from/to: 0 or a time window. */
static void naive_run(struct naive *m, const struct gchain *c,
                      const int *starts, int n_starts, int fwd, int depth,
                      int ok_n, int64_t from, int64_t to)
{
    int last, lo, hi, level = 0, any;

    memset(m, 0, sizeof(*m));
    m->n_slots = n_slot(c, c->ev[c->n_ev - 1].t) + 2;
    last = m->n_slots - 1;
    lo = from ? n_slot(c, from) : 0;
    hi = to ? n_slot(c, to) : last;
    for (int i = 0; i < G_MAXID; i++)
        m->depth[i] = -1;
    for (int s = 0; s < n_starts; s++) {
        m->depth[starts[s]] = 0;
        n_set(m->fr_p[starts[s]], lo, hi);
        n_set(m->fr_d[starts[s]], lo, hi);
        n_set(m->cov_p[starts[s]], lo, hi);
        n_set(m->cov_d[starts[s]], lo, hi);
    }
    do {
        memset(m->nx_p, 0, sizeof(m->nx_p));
        memset(m->nx_d, 0, sizeof(m->nx_d));
        for (int i = 0; i < ok_n; i++) {
            const struct gev *e = &c->ev[i];
            int u = n_slot(c, e->t), parent = -1;

            for (int k = 0; k < e->n; k++)
                if (e->r[k].role == ZL_ROLE_PARENT)
                    parent = e->r[k].id;
            for (int k = 0; k < e->n; k++) {
                int x = e->r[k].id, role = e->r[k].role;
                int child = role == ZL_ROLE_CHILD || role == ZL_ROLE_CHILD_QTY;

                if (n_is_agg(e->type) && role == ZL_ROLE_PARENT) {
                    if (m->fr_d[x][u])
                        m->touched[i] = 1;
                    if (e->action != ZL_ACT_ADD)
                        continue;
                    for (int j = 0; j < e->n; j++) {
                        int ch = e->r[j].id, edel, f, v;

                        if (e->r[j].role != ZL_ROLE_CHILD &&
                            e->r[j].role != ZL_ROLE_CHILD_QTY)
                            continue;
                        f = n_member_end(c, ok_n, ch, x, i, &edel, last);
                        if (fwd) {
                            for (v = u; v <= f && !m->fr_d[x][v]; v++)
                                ;
                            if (v <= f) {
                                n_set(m->nx_p[ch], v, last);
                                n_set(m->nx_d[ch], v, last);
                            }
                        } else {
                            for (v = f; v >= u && !m->fr_d[x][v]; v--)
                                ;
                            if (v >= u) {
                                n_set(m->nx_p[ch], 0, v);
                                n_set(m->nx_d[ch], 0, v);
                            }
                        }
                    }
                    continue;
                }
                if (m->fr_p[x][u])
                    m->touched[i] = 1;
                if (n_is_agg(e->type) && child && e->action == ZL_ACT_ADD &&
                    parent >= 0) {
                    int edel,
                        f = n_member_end(c, ok_n, x, parent, i, &edel, last);

                    for (int v = u; v <= f; v++)
                        if (m->fr_p[x][v])
                            m->nx_p[parent][v] = 1;
                    if (edel >= 0 && m->fr_p[x][n_slot(c, c->ev[edel].t)])
                        m->touched[edel] = 1;
                    continue;
                }
                if (!m->fr_p[x][u])
                    continue;
                if ((fwd &&
                     (role == ZL_ROLE_INPUT || role == ZL_ROLE_INPUT_QTY)) ||
                    (!fwd &&
                     (role == ZL_ROLE_OUTPUT || role == ZL_ROLE_OUTPUT_QTY))) {
                    for (int j = 0; j < ok_n; j++) {
                        const struct gev *o = &c->ev[j];

                        if (!(j == i || (e->tid >= 0 && o->tid == e->tid)))
                            continue;
                        for (int q = 0; q < o->n; q++) {
                            int r = o->r[q].role;

                            if (fwd && (r == ZL_ROLE_OUTPUT ||
                                        r == ZL_ROLE_OUTPUT_QTY))
                                n_set(m->nx_p[o->r[q].id], n_slot(c, o->t),
                                      last);
                            if (!fwd &&
                                (r == ZL_ROLE_INPUT || r == ZL_ROLE_INPUT_QTY))
                                n_set(m->nx_p[o->r[q].id], 0, n_slot(c, o->t));
                        }
                    }
                    continue;
                }
                if (e->type == ZL_EV_OBJECT && e->action == ZL_ACT_ADD &&
                    role == (fwd ? ZL_ROLE_QTY : ZL_ROLE_EPC)) {
                    for (int q = 0; q < e->n; q++) {
                        if (e->r[q].role != (fwd ? ZL_ROLE_EPC : ZL_ROLE_QTY))
                            continue;
                        if (fwd)
                            n_set(m->nx_p[e->r[q].id], u, last);
                        else
                            n_set(m->nx_p[e->r[q].id], 0, u);
                    }
                }
            }
        }
        level++;
        any = 0;
        memset(m->fr_p, 0, sizeof(m->fr_p));
        memset(m->fr_d, 0, sizeof(m->fr_d));
        if (depth > 0 && level > depth)
            break;
        for (int x = 0; x < c->n_ids; x++) {
            for (int v = 0; v <= last; v++) {
                int inwin = v >= lo && v <= hi;

                if (inwin && m->nx_p[x][v] && !m->cov_p[x][v]) {
                    m->cov_p[x][v] = m->fr_p[x][v] = 1;
                    any = 1;
                    if (m->depth[x] < 0)
                        m->depth[x] = level;
                }
                if (inwin && m->nx_d[x][v] && !m->cov_d[x][v]) {
                    m->cov_d[x][v] = m->fr_d[x][v] = 1;
                    any = 1;
                }
            }
        }
    } while (any);
}

/* Compare an engine trace with the model; prints the first difference and
 * returns 0 if equal. */
static int compare_trace(const zl_trace *t, const struct naive *m,
                         const struct gchain *c, const char *what)
{
    int seen_ev[G_MAXEV] = {0}, seen_id[G_MAXID] = {0};

    for (size_t i = 0; i < zl_trace_event_count(t); i++) {
        const struct zl_trace_event *e = zl_trace_event(t, i);
        int found = -1;

        for (int k = 0; k < c->n_ev; k++)
            if (c->ev[k].t == e->event_time_ms)
                found = k;
        if (found < 0) {
            printf("# %s: engine event at %lld not in chain\n", what,
                   (long long)e->event_time_ms);
            return -1;
        }
        /* events named only by edges (link events outside every window)
         * are not touched events: count only those a node lists */
    }
    for (size_t i = 0; i < zl_trace_node_count(t); i++) {
        const struct zl_trace_node *n = zl_trace_node(t, i);
        int found = -1;

        for (int k = 0; k < c->n_ids; k++)
            if (strcmp(c->ids[k], n->id) == 0)
                found = k;
        if (found < 0) {
            printf("# %s: engine node %s not in chain\n", what, n->id);
            return -1;
        }
        seen_id[found] = 1;
        if (m->depth[found] != n->depth) {
            printf("# %s: node %s depth engine %d naive %d\n", what, n->id,
                   n->depth, m->depth[found]);
            return -1;
        }
        for (size_t k = 0; k < n->n_events; k++) {
            const struct zl_trace_event *e =
                zl_trace_event(t, (size_t)n->events[k]);

            for (int j = 0; j < c->n_ev; j++)
                if (c->ev[j].t == e->event_time_ms)
                    seen_ev[j] = 1;
        }
    }
    for (int k = 0; k < c->n_ids; k++) {
        if ((m->depth[k] >= 0) != seen_id[k]) {
            printf("# %s: node %s naive depth %d, engine %s\n", what, c->ids[k],
                   m->depth[k], seen_id[k] ? "has it" : "misses it");
            return -1;
        }
    }
    for (int k = 0; k < c->n_ev; k++) {
        if (m->touched[k] != seen_ev[k]) {
            printf("# %s: event %d (t+%lld, %s) naive %d engine %d\n", what, k,
                   (long long)(c->ev[k].t - c->t0), g_type_name(c->ev[k].type),
                   m->touched[k], seen_ev[k]);
            return -1;
        }
    }
    return 0;
}

#endif
