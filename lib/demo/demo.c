/*
 * demo.c - the demo supply chain, generated one production cycle at a time.
 *
 * A dairy cycle is one plant-day: farms commission raw milk lots, milk
 * collection centres receive and pool them into collection lots, tankers
 * carry those (with temperature readings) to the plant, which turns
 * several collection lots into a product batch lot and fills it into
 * serialised cartons (one transformationID for the whole run), packs
 * cartons into cases and cases onto pallets (returnable GRAI pallets when
 * one is back from a DC, else SSCC), ships to distribution centres that
 * unpack and build mixed store pallets (each bound to the store's order by
 * a TransactionEvent), and stores unpack, sell a share of
 * the cartons and destroy or decommission a few. A vegetable cycle has
 * farms harvesting lots, a packing house turning them into serialised
 * 5 kg cases on SSCC pallets, a wholesale market and supermarkets. A drug
 * cycle has a manufacturer packing an API lot into serialised packs, cases
 * and SSCC pallets, wholesalers and pharmacies that dispense.
 *
 * Items, cases and pallets of a batch are consecutive serial ranges, so a
 * cycle needs only a few small arrays (pallets, DC case lists) whatever the
 * batch size: memory stays flat and nothing of a past cycle is kept except
 * the returnable pallet pool. Every random choice draws from one
 * splitmix64 stream in a fixed order, which makes the output a pure
 * function of (seed, scale, per_doc, sectors).
 *
 * Rejected: building an in-memory graph and serialising it (memory grows
 * with scale), printf for every field (five times slower), jansson for
 * output (allocation per value).
 */
#include "demo.h"

#include "demo_int.h"
#include "zhiliang/alloc.h"
#include "zhiliang/buf.h"
#include "zhiliang/error.h"

#include <stdint.h>
#include <string.h>

#define START_MS            1772294400000LL /* 2026-03-01T00:00:00+08:00 */
#define HOUR                3600000LL
#define MINUTE              60000LL
#define DAY                 (24 * HOUR)
#define FILL_MAX            500 /* cartons per filling event */
#define PALLET_CASES        40  /* cases per plant pallet */
#define MIXED_CASES         20  /* cases per DC store pallet */
#define GRAI_POOL           24
#define MAX_TRUTH           32
#define MAX_BATCH           2
#define MAX_CASES_PER_BATCH 6000
#define TRUTH_MAX_SCALE     10000

struct pallet {
    int grai; /* 1: returnable GRAI of the plant, 0: SSCC */
    int pool_slot;
    uint64_t serial;
    int dc;
    uint64_t case0, n_cases; /* case indices within the batch */
};

struct batch {
    int prod;
    int plant;     /* party index */
    int case_sscc; /* cases are SSCCs (else case SGTINs) */
    char lot[24];
    uint64_t item0, n_items;
    uint64_t case0, n_cases; /* case serials */
    size_t n_pal;
    struct pallet *pal;
    int truth[4];
    int n_truth;
};

struct caseref {
    unsigned char b; /* batch index in the cycle */
    uint64_t ci;     /* case index in the batch */
};

struct truth {
    struct zl_buf head;    /* "lot", "batchLots", "items", "cases" */
    struct zl_buf pallets; /* comma-separated list */
};

struct gen {
    const struct zl_demo_opts *o;
    struct demo_cast *c;
    uint64_t rs;
    zl_demo_emit_fn emit;
    void *ctx;
    struct zl_buf doc;
    struct demo_w w;
    size_t per_doc, in_doc, cdate_off;
    int64_t doc_max_time;
    struct zl_demo_stats st;
    uint64_t lot_seq, po_seq, uuid_seq, coll_lots;
    uint64_t next_serial[DEMO_MAX_PRODUCTS];
    uint64_t next_case[DEMO_MAX_PRODUCTS];
    uint64_t next_sscc[DEMO_N_PARTIES];
    int64_t grai_free[GRAI_POOL];
    unsigned grai_cursor;
    uint64_t cases_per_batch;
    struct batch b[MAX_BATCH];
    struct caseref *dc_cases; /* cases arriving at one DC */
    struct truth truth[MAX_TRUTH];
    size_t n_truth;
};

/* ---------------------------------------------------------------- docs */

static void doc_open(struct gen *g)
{
    struct demo_w *w = &g->w;

    W_LIT(w, "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
             "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
             "\"schemaVersion\":\"2.0\",\"creationDate\":\"");
    g->cdate_off = g->doc.len;
    w_time(w, START_MS);
    W_LIT(w, "\",\"epcisBody\":{\"eventList\":[");
    g->doc_max_time = START_MS;
}

/* Close the document, date it after its last event and hand it over. */
static int doc_flush(struct gen *g)
{
    int rc;

    if (!g->in_doc)
        return 0;
    W_LIT(&g->w, "\n]}}\n");
    if (g->w.err)
        return g->w.err;
    demo_fmt_time(g->doc.data + g->cdate_off, g->doc_max_time + MINUTE);
    rc = g->emit(g->ctx, g->doc.data, g->doc.len, g->in_doc);
    g->st.n_docs++;
    g->st.n_bytes += g->doc.len;
    zl_buf_reset(&g->doc);
    g->in_doc = 0;
    return rc;
}

static void ev_begin(struct gen *g, const char *type, int64_t t)
{
    struct demo_w *w = &g->w;

    if (!g->in_doc)
        doc_open(g);
    else
        W_LIT(w, ",");
    W_LIT(w, "\n{\"type\":\"");
    w_str(w, type);
    W_LIT(w, "\",\"eventTime\":\"");
    w_time(w, t);
    W_LIT(w, "\",\"eventTimeZoneOffset\":\"+08:00\"");
    if (t > g->doc_max_time)
        g->doc_max_time = t;
}

static int ev_end(struct gen *g)
{
    W_LIT(&g->w, "}");
    if (g->w.err)
        return g->w.err;
    g->in_doc++;
    g->st.n_events++;
    if (g->in_doc >= g->per_doc)
        return doc_flush(g);
    return 0;
}

/* -------------------------------------------------------------- fields */

static struct demo_party *P(struct gen *g, int i)
{
    return &g->c->p[i];
}

static void f_word(struct gen *g, const char *key, const char *val)
{
    W_LIT(&g->w, ",\"");
    w_str(&g->w, key);
    W_LIT(&g->w, "\":\"");
    w_str(&g->w, val);
    W_LIT(&g->w, "\"");
}

static void f_step(struct gen *g, const char *action, const char *step,
                   const char *disp)
{
    if (action)
        f_word(g, "action", action);
    f_word(g, "bizStep", step);
    if (disp)
        f_word(g, "disposition", disp);
}

/* readPoint (dock or site) and bizLocation (site) of party pi. */
static void f_where(struct gen *g, int pi, int dock)
{
    const struct demo_party *p = P(g, pi);

    W_LIT(&g->w, ",\"readPoint\":{\"id\":");
    w_sgln(&g->w, p->use_dl, p, dock ? p->dock_gln : p->site_gln);
    W_LIT(&g->w, "},\"bizLocation\":{\"id\":");
    w_sgln(&g->w, p->use_dl, p, p->site_gln);
    W_LIT(&g->w, "}");
}

/* readPoint only: goods in transit leave the bizLocation unknown. */
static void f_readpoint(struct gen *g, int pi)
{
    const struct demo_party *p = P(g, pi);

    W_LIT(&g->w, ",\"readPoint\":{\"id\":");
    w_sgln(&g->w, p->use_dl, p, p->dock_gln);
    W_LIT(&g->w, "}");
}

static void sd_entry(struct gen *g, int dl, const char *kind, int pi,
                     int location)
{
    const struct demo_party *p = P(g, pi);

    W_LIT(&g->w, "{\"type\":\"");
    w_str(&g->w, location ? "location" : "owning_party");
    W_LIT(&g->w, "\",\"");
    w_str(&g->w, kind);
    W_LIT(&g->w, "\":");
    if (location)
        w_sgln(&g->w, dl, p, p->site_gln);
    else
        w_pgln(&g->w, dl, p);
    W_LIT(&g->w, "}");
}

/* sourceList / destinationList written by party `writer`. */
static void f_src_dst(struct gen *g, int writer, int from, int to)
{
    int dl = P(g, writer)->use_dl;

    W_LIT(&g->w, ",\"sourceList\":[");
    sd_entry(g, dl, "source", from, 0);
    W_LIT(&g->w, ",");
    sd_entry(g, dl, "source", from, 1);
    W_LIT(&g->w, "],\"destinationList\":[");
    sd_entry(g, dl, "destination", to, 0);
    W_LIT(&g->w, ",");
    sd_entry(g, dl, "destination", to, 1);
    W_LIT(&g->w, "]");
}

/* Purchase order of the buyer and despatch advice of the seller. */
static void f_biztx(struct gen *g, int buyer, int seller, uint64_t no)
{
    W_LIT(&g->w, ",\"bizTransactionList\":[{\"type\":\"po\","
                 "\"bizTransaction\":\"urn:epcglobal:cbv:bt:");
    w_str(&g->w, P(g, buyer)->gln);
    W_LIT(&g->w, ":PO");
    w_u64_pad(&g->w, no, 8);
    W_LIT(&g->w, "\"},{\"type\":\"desadv\",\"bizTransaction\":"
                 "\"urn:epcglobal:cbv:bt:");
    w_str(&g->w, P(g, seller)->gln);
    W_LIT(&g->w, ":DN");
    w_u64_pad(&g->w, no, 8);
    W_LIT(&g->w, "\"}]");
}

/* Cold-chain temperature over [t1, t2] from the carrier's logger. */
static void f_sensor(struct gen *g, int writer, int owner, const char *asset,
                     int64_t t1, int64_t t2)
{
    int lo = 15 + (int)demo_below(&g->rs, 15);      /* 1.5 .. 2.9 C */
    int hi = lo + 10 + (int)demo_below(&g->rs, 20); /* up to 5.8 C */

    if (demo_below(&g->rs, 100) == 0)
        hi += 40; /* a rare excursion */
    W_LIT(&g->w, ",\"sensorElementList\":[{\"sensorMetadata\":{"
                 "\"startTime\":\"");
    w_time(&g->w, t1);
    W_LIT(&g->w, "\",\"endTime\":\"");
    w_time(&g->w, t2);
    W_LIT(&g->w, "\",\"deviceID\":");
    w_giai(&g->w, P(g, writer)->use_dl, P(g, owner), asset);
    W_LIT(&g->w, "},\"sensorReport\":[{\"type\":\"Temperature\","
                 "\"minValue\":");
    w_tenths(&g->w, lo);
    W_LIT(&g->w, ",\"maxValue\":");
    w_tenths(&g->w, hi);
    W_LIT(&g->w, ",\"meanValue\":");
    w_tenths(&g->w, (lo + hi) / 2);
    W_LIT(&g->w, ",\"uom\":\"CEL\"}]}]");
}

static void w_qty(struct gen *g, int dl, int prod, const char *lot,
                  uint64_t milli)
{
    const struct demo_product *d = &g->c->prod[prod];

    W_LIT(&g->w, "{\"epcClass\":");
    w_lgtin(&g->w, dl, d->gtin, P(g, d->owner)->gcp_len, lot);
    W_LIT(&g->w, ",\"quantity\":");
    w_milli(&g->w, milli);
    W_LIT(&g->w, ",\"uom\":\"");
    w_str(&g->w, d->uom);
    W_LIT(&g->w, "\"}");
}

static void make_lot(struct gen *g, char prefix, int64_t t, char out[24])
{
    char tm[29];
    uint64_t n = ++g->lot_seq;
    int i;

    demo_fmt_time(tm, t);
    out[0] = prefix;
    memcpy(out + 1, tm + 2, 2);
    memcpy(out + 3, tm + 5, 2);
    memcpy(out + 5, tm + 8, 2);
    out[7] = '-';
    for (i = 12; i >= 8; i--) {
        out[i] = (char)('0' + n % 10);
        n /= 10;
    }
    out[13] = '\0';
}

static void f_uuid(struct gen *g, const char *key)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = demo_rnd(&g->rs), b = demo_rnd(&g->rs);
    char u[36];
    int i, j = 0;

    a = (a & ~0xF000ULL) | 0x4000ULL;       /* version 4 */
    b = (b & ~(3ULL << 62)) | (2ULL << 62); /* RFC variant */
    for (i = 0; i < 36; i++) {
        uint64_t v = j < 16 ? a >> (60 - 4 * j) : b >> (60 - 4 * (j - 16));

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            u[i] = '-';
            continue;
        }
        u[i] = hex[v & 15];
        j++;
    }
    W_LIT(&g->w, ",\"");
    w_str(&g->w, key);
    W_LIT(&g->w, "\":\"urn:uuid:");
    w_put(&g->w, u, 36);
    W_LIT(&g->w, "\"");
}

/* ----------------------------------------------------- identifiers */

static void w_item(struct gen *g, int dl, const struct batch *b, uint64_t i)
{
    const struct demo_product *d = &g->c->prod[b->prod];

    w_sgtin(&g->w, dl, d->gtin, P(g, d->owner)->gcp_len, b->item0 + i);
}

static void w_case(struct gen *g, int dl, const struct batch *b, uint64_t ci)
{
    const struct demo_product *d = &g->c->prod[b->prod];

    if (b->case_sscc)
        w_sscc(&g->w, dl, P(g, b->plant), b->case0 + ci);
    else
        w_sgtin(&g->w, dl, d->case_gtin, P(g, d->owner)->gcp_len,
                b->case0 + ci);
}

static void w_pallet(struct gen *g, int dl, const struct batch *b,
                     const struct pallet *pl)
{
    if (pl->grai)
        w_grai(&g->w, dl, P(g, b->plant), 1, pl->serial);
    else
        w_sscc(&g->w, dl, P(g, b->plant), pl->serial);
}

/* The n items (cases = 0) or cases (cases = 1) of b from index first,
 * comma-separated: the body of an epcList or childEPCs. */
static void w_range(struct gen *g, int dl, const struct batch *b, int cases,
                    uint64_t first, uint64_t n)
{
    uint64_t k;

    for (k = 0; k < n; k++) {
        if (k)
            W_LIT(&g->w, ",");
        if (cases)
            w_case(g, dl, b, first + k);
        else
            w_item(g, dl, b, first + k);
    }
}

/* An AggregationEvent up to its parentID value, which the caller writes. */
static void agg_begin(struct gen *g, int64_t t)
{
    ev_begin(g, "AggregationEvent", t);
    W_LIT(&g->w, ",\"parentID\":");
}

/* childEPCs of an AggregationEvent: a range as for w_range(). */
static void f_children(struct gen *g, int dl, const struct batch *b, int cases,
                       uint64_t first, uint64_t n)
{
    W_LIT(&g->w, ",\"childEPCs\":[");
    w_range(g, dl, b, cases, first, n);
    W_LIT(&g->w, "]");
}

/* Step and place (party pi, its dock or site), then close the event. */
static int ev_end_at(struct gen *g, const char *action, const char *step,
                     const char *disp, int pi, int dock)
{
    f_step(g, action, step, disp);
    f_where(g, pi, dock);
    return ev_end(g);
}

/* The fields of one leg of a sale from party `from` to party `to` under
 * order po: shipping (recv = 0, read at from's dock, bizLocation unknown)
 * or receiving (recv = 1, at to's dock or site with disposition rdisp),
 * each written in the vocabulary of the party that records it. */
static void f_move(struct gen *g, int recv, int from, int to, uint64_t po,
                   const char *rdisp, int rdock)
{
    if (recv) {
        f_step(g, "OBSERVE", "receiving", rdisp);
        f_where(g, to, rdock);
    } else {
        f_step(g, "OBSERVE", "shipping", "in_transit");
        f_readpoint(g, from);
    }
    f_biztx(g, to, from, po);
    f_src_dst(g, recv ? to : from, from, to);
}

/* ilmd: the lot number and, when date_key is given, that date. */
static void f_ilmd(struct gen *g, const char *lot, const char *date_key,
                   int64_t date)
{
    W_LIT(&g->w, ",\"ilmd\":{\"cbvmda:lotNumber\":\"");
    w_str(&g->w, lot);
    W_LIT(&g->w, "\"");
    if (date_key) {
        W_LIT(&g->w, ",\"");
        w_str(&g->w, date_key);
        W_LIT(&g->w, "\":\"");
        w_date(&g->w, date);
        W_LIT(&g->w, "\"");
    }
    W_LIT(&g->w, "}");
}

/* An ObjectEvent of a quantity of a product lot, up to the end of its
 * quantityList. */
static void qty_begin(struct gen *g, int64_t t, int dl, int prod,
                      const char *lot, uint64_t milli)
{
    ev_begin(g, "ObjectEvent", t);
    W_LIT(&g->w, ",\"epcList\":[],\"quantityList\":[");
    w_qty(g, dl, prod, lot, milli);
    W_LIT(&g->w, "]");
}

/* A farm's harvest (or day's milk) lot commissioned at the farm. */
static int ev_harvest(struct gen *g, int fp, int prod, const char *lot,
                      uint64_t grams, int64_t t)
{
    qty_begin(g, t, P(g, fp)->use_dl, prod, lot, grams);
    f_step(g, "ADD", "commissioning", "active");
    f_where(g, fp, 0);
    W_LIT(&g->w, ",\"ilmd\":{\"cbvmda:lotNumber\":\"");
    w_str(&g->w, lot);
    W_LIT(&g->w, "\",\"cbvmda:harvestStartDate\":\"");
    w_date(&g->w, t);
    W_LIT(&g->w, "\",\"cbvmda:countryOfOrigin\":\"CN\"}");
    return ev_end(g);
}

/* Write into a truth buffer through a temporary writer. */
static int truth_put_items(struct gen *g, struct zl_buf *tb,
                           const struct batch *b, int what)
{
    struct demo_w saved = g->w;
    int rc;

    g->w.b = tb;
    g->w.err = 0;
    w_range(g, 1, b, what, 0, what == 0 ? b->n_items : b->n_cases);
    rc = g->w.err;
    g->w = saved;
    return rc;
}

/* ------------------------------------------------------------- dairy */

/* Farms, collection centre, tanker: one milk collection lot of need_g
 * grams for the batch (the farms' shares in proportion to a day's
 * milk of each, 2 to 20 tonnes, so the lot balances: what the farms
 * deliver is what the plant takes); returns its number in lot and its
 * weight in grams in *grams. */
static int collection_lot(struct gen *g, int64_t t0, int cc_k, uint64_t need_g,
                          uint64_t *grams, int plant, char lot[24],
                          int *truth_ix)
{
    struct demo_cast *c = g->c;
    int cc = c->first[ROLE_CC] + cc_k;
    int nf = 3 + (int)demo_below(&g->rs, 3), f, first_farm;
    int farms[5];
    char flot[5][24];
    uint64_t fg[5], day[5], day_sum = 0, total = 0;
    int64_t t, tf[5];
    int rc, dl;

    first_farm = (int)demo_below(&g->rs, DEMO_N_FARMS / DEMO_N_CC);
    for (f = 0; f < nf; f++) {
        /* farms selling to this CC: k with k % DEMO_N_CC == cc_k */
        int k =
            ((first_farm + f) % (DEMO_N_FARMS / DEMO_N_CC)) * DEMO_N_CC + cc_k;

        farms[f] = k;
        /* a day's milk of the farm: 2 to 20 tonnes */
        day[f] = 2000 + demo_below(&g->rs, 18000);
        day_sum += day[f];
        tf[f] = t0 + 5 * HOUR + (int64_t)demo_below(&g->rs, 90) * MINUTE;
        make_lot(g, 'M', tf[f], flot[f]);
    }
    for (f = 0; f < nf; f++) {
        int fp = c->first[ROLE_FARM] + farms[f];

        fg[f] = f == nf - 1 ? need_g - total : need_g * day[f] / day_sum;
        total += fg[f];
        if ((rc = ev_harvest(g, fp, c->raw_milk[farms[f]], flot[f], fg[f],
                             tf[f])))
            return rc;
    }
    dl = P(g, cc)->use_dl;
    /* receiving at the collection centre */
    t = t0 + 8 * HOUR + (int64_t)cc_k * 10 * MINUTE;
    ev_begin(g, "ObjectEvent", t);
    W_LIT(&g->w, ",\"epcList\":[],\"quantityList\":[");
    for (f = 0; f < nf; f++) {
        if (f)
            W_LIT(&g->w, ",");
        w_qty(g, dl, c->raw_milk[farms[f]], flot[f], fg[f]);
    }
    W_LIT(&g->w, "]");
    f_step(g, "OBSERVE", "receiving", "in_progress");
    f_where(g, cc, 1);
    W_LIT(&g->w, ",\"sourceList\":[");
    for (f = 0; f < nf; f++) {
        if (f)
            W_LIT(&g->w, ",");
        sd_entry(g, dl, "source", c->first[ROLE_FARM] + farms[f], 0);
    }
    W_LIT(&g->w, "],\"destinationList\":[");
    sd_entry(g, dl, "destination", cc, 0);
    W_LIT(&g->w, ",");
    sd_entry(g, dl, "destination", cc, 1);
    W_LIT(&g->w, "]");
    if ((rc = ev_end(g)))
        return rc;
    /* pooling into the milk collection lot */
    t += 40 * MINUTE;
    make_lot(g, 'C', t, lot);
    ev_begin(g, "TransformationEvent", t);
    W_LIT(&g->w, ",\"inputQuantityList\":[");
    for (f = 0; f < nf; f++) {
        if (f)
            W_LIT(&g->w, ",");
        w_qty(g, dl, c->raw_milk[farms[f]], flot[f], fg[f]);
    }
    W_LIT(&g->w, "],\"outputQuantityList\":[");
    w_qty(g, dl, c->pooled_milk[cc_k], lot, total);
    W_LIT(&g->w, "]");
    f_step(g, NULL, "creating_class_instance", "active");
    f_where(g, cc, 0);
    f_ilmd(g, lot, NULL, 0);
    if ((rc = ev_end(g)))
        return rc;
    /* tanker to the plant, temperature logged on the way */
    t += HOUR;
    qty_begin(g, t, dl, c->pooled_milk[cc_k], lot, total);
    f_move(g, 0, cc, plant, ++g->po_seq, NULL, 0);
    if ((rc = ev_end(g)))
        return rc;
    dl = P(g, plant)->use_dl;
    qty_begin(g, t + 4 * HOUR, dl, c->pooled_milk[cc_k], lot, total);
    f_move(g, 1, cc, plant, g->po_seq, "in_progress", 1);
    f_sensor(g, plant, cc, "TANKER-01", t, t + 4 * HOUR);
    if ((rc = ev_end(g)))
        return rc;

    *grams = total;
    *truth_ix = -1;
    if (g->o->truth_lots && g->n_truth < g->o->truth_lots &&
        g->n_truth < MAX_TRUTH && g->coll_lots % 3 == 0) {
        struct truth *tr = &g->truth[g->n_truth];
        struct demo_w saved = g->w;

        zl_buf_init(&tr->head, 256u << 20);
        zl_buf_init(&tr->pallets, 16u << 20);
        g->w.b = &tr->head;
        g->w.err = 0;
        W_LIT(&g->w, "{\"lot\":");
        w_lgtin(&g->w, 1, c->prod[c->pooled_milk[cc_k]].gtin, P(g, cc)->gcp_len,
                lot);
        rc = g->w.err;
        g->w = saved;
        if (rc)
            return rc;
        *truth_ix = (int)g->n_truth++;
    }
    g->coll_lots++;
    return 0;
}

/* Plant: batch lot from collection lots, filling, packing. */
static int plant_batch(struct gen *g, struct batch *b, int64_t t0, int line)
{
    struct demo_cast *c = g->c;
    const struct demo_product *d = &c->prod[b->prod];
    int dl = P(g, b->plant)->use_dl;
    int n_lots = b->n_cases >= 1000 ? 4 : b->n_cases >= 50 ? 3 : 2;
    char clot[4][24];
    uint64_t cg[4], total_milli = b->n_items * d->net_milli;
    /* grams of milk: 1.03 g/mL, 2% lost in processing and filling */
    uint64_t need_g = total_milli * 103 / 98, i;
    int ccs[4], l, rc, ti;
    int64_t t, tfill;
    size_t p;

    b->n_truth = 0;
    for (l = 0; l < n_lots; l++) {
        ccs[l] =
            (int)((g->st.n_cycles + (uint64_t)line + (uint64_t)l) % DEMO_N_CC);
        rc = collection_lot(g, t0, ccs[l],
                            need_g / (uint64_t)n_lots +
                                (l < (int)(need_g % (uint64_t)n_lots)),
                            &cg[l], b->plant, clot[l], &ti);
        if (rc)
            return rc;
        if (ti >= 0)
            b->truth[b->n_truth++] = ti;
    }
    /* the batch lot: all collection lots into one product lot */
    t = t0 + 14 * HOUR + line * HOUR;
    make_lot(g, 'B', t, b->lot);
    ev_begin(g, "TransformationEvent", t);
    W_LIT(&g->w, ",\"inputQuantityList\":[");
    for (l = 0; l < n_lots; l++) {
        if (l)
            W_LIT(&g->w, ",");
        /* each collection lot goes whole into the batch */
        w_qty(g, dl, c->pooled_milk[ccs[l]], clot[l], cg[l]);
    }
    W_LIT(&g->w, "],\"outputQuantityList\":[");
    w_qty(g, dl, b->prod, b->lot, total_milli);
    W_LIT(&g->w, "]");
    f_uuid(g, "transformationID");
    /* the same ID for the filling events: keep it to repeat */
    {
        size_t end = g->doc.len, start;
        char tid[64];

        if (g->w.err)
            return g->w.err;
        start = end - 46; /* "urn:uuid:" + 36 + quote */
        memcpy(tid, g->doc.data + start, 45);
        tid[45] = '\0';
        f_step(g, NULL, "creating_class_instance", "active");
        f_where(g, b->plant, 0);
        f_ilmd(g, b->lot, "cbvmda:bestBeforeDate",
               t + (int64_t)d->shelf_days * DAY);
        if ((rc = ev_end(g)))
            return rc;
        /* filling: batch lot quantity in, serialised cartons out */
        tfill = t + HOUR;
        for (i = 0; i < b->n_items; i += FILL_MAX) {
            uint64_t n = b->n_items - i < FILL_MAX ? b->n_items - i : FILL_MAX;

            ev_begin(g, "TransformationEvent", tfill + (int64_t)i * 150);
            W_LIT(&g->w, ",\"inputQuantityList\":[");
            w_qty(g, dl, b->prod, b->lot, n * d->net_milli);
            W_LIT(&g->w, "],\"outputEPCList\":[");
            w_range(g, dl, b, 0, i, n);
            W_LIT(&g->w, "],\"transformationID\":\"");
            w_str(&g->w, tid);
            W_LIT(&g->w, "\"");
            f_step(g, NULL, "commissioning", "active");
            f_where(g, b->plant, 0);
            f_ilmd(g, b->lot, "cbvmda:bestBeforeDate",
                   t + (int64_t)d->shelf_days * DAY);
            if ((rc = ev_end(g)))
                return rc;
        }
    }
    g->st.n_items += b->n_items;
    /* cartons into cases */
    for (i = 0; i < b->n_cases; i++) {
        agg_begin(g, tfill + (int64_t)((i + 1) * d->per_case) * 150 + MINUTE);
        w_case(g, dl, b, i);
        f_children(g, dl, b, 0, i * d->per_case, d->per_case);
        if ((rc = ev_end_at(g, "ADD", "packing", "in_progress", b->plant, 0)))
            return rc;
    }
    /* cases onto pallets: a returnable GRAI if one is back, else SSCC */
    for (p = 0; p < b->n_pal; p++) {
        struct pallet *pl = &b->pal[p];
        int64_t tp = tfill +
                     (int64_t)((pl->case0 + pl->n_cases) * d->per_case) * 150 +
                     5 * MINUTE;
        unsigned s;

        pl->grai = 0;
        pl->pool_slot = -1;
        if (b->plant == c->first[ROLE_PLANT]) {
            for (s = 0; s < GRAI_POOL; s++) {
                unsigned slot = (g->grai_cursor + s) % GRAI_POOL;

                if (g->grai_free[slot] <= tp) {
                    pl->grai = 1;
                    pl->pool_slot = (int)slot;
                    pl->serial = 1001 + slot;
                    g->grai_free[slot] = INT64_MAX;
                    g->grai_cursor = slot + 1;
                    break;
                }
            }
        }
        if (!pl->grai)
            pl->serial = g->next_sscc[b->plant]++;
        agg_begin(g, tp);
        w_pallet(g, dl, b, pl);
        f_children(g, dl, b, 1, pl->case0, pl->n_cases);
        if ((rc = ev_end_at(g, "ADD", "packing", "in_progress", b->plant, 1)))
            return rc;
    }
    /* ground truth: the lot's items and cases, its plant pallets */
    for (l = 0; l < b->n_truth; l++) {
        struct truth *tr = &g->truth[b->truth[l]];
        struct demo_w saved = g->w;

        g->w.b = &tr->head;
        g->w.err = 0;
        W_LIT(&g->w, ",\"batchLots\":[");
        w_lgtin(&g->w, 1, d->gtin, P(g, d->owner)->gcp_len, b->lot);
        W_LIT(&g->w, "],\"items\":[");
        rc = g->w.err ? g->w.err : truth_put_items(g, &tr->head, b, 0);
        if (!rc) {
            W_LIT(&g->w, "],\"cases\":[");
            rc = g->w.err ? g->w.err : truth_put_items(g, &tr->head, b, 1);
        }
        if (!rc) {
            W_LIT(&g->w, "]");
            g->w.b = &tr->pallets;
            for (p = 0; p < b->n_pal; p++) {
                if (tr->pallets.len)
                    W_LIT(&g->w, ",");
                w_pallet(g, 1, b, &b->pal[p]);
            }
            rc = g->w.err;
        }
        g->w = saved;
        if (rc)
            return rc;
    }
    return 0;
}

/* A sale of 1-3 cartons, or a destroyed / decommissioned one. */
static int store_item_event(struct gen *g, int store, const struct batch *b,
                            const uint64_t *items, int n, int kind, int64_t t)
{
    int dl = P(g, store)->use_dl, k;

    ev_begin(g, "ObjectEvent", t);
    W_LIT(&g->w, ",\"epcList\":[");
    for (k = 0; k < n; k++) {
        if (k)
            W_LIT(&g->w, ",");
        w_item(g, dl, b, items[k]);
    }
    W_LIT(&g->w, "]");
    if (kind == 0)
        f_step(g, "OBSERVE", "retail_selling", "retail_sold");
    else if (kind == 1)
        f_step(g, "DELETE", "destroying", "destroyed");
    else
        f_step(g, "DELETE", "decommissioning", "inactive");
    f_where(g, store, 0);
    return ev_end(g);
}

/* One store pallet: ship, receive, unpack, sell. */
static int store_delivery(struct gen *g, int dc, int store,
                          const struct caseref *cs, size_t n, uint64_t sscc,
                          int64_t t)
{
    struct demo_cast *c = g->c;
    int dl_dc = P(g, dc)->use_dl, dl = P(g, store)->use_dl, rc, pend_n = 0;
    uint64_t po = ++g->po_seq, pend[3] = {0, 0, 0};
    size_t i;
    int64_t tr = t + 3 * HOUR + (int64_t)demo_below(&g->rs, 120) * MINUTE;

    /* the store's order takes the pallet (TransactionEvent ADD) */
    ev_begin(g, "TransactionEvent", t - 20 * MINUTE);
    f_biztx(g, store, dc, po);
    W_LIT(&g->w, ",\"epcList\":[");
    w_sscc(&g->w, dl_dc, P(g, dc), sscc);
    W_LIT(&g->w, "]");
    f_step(g, "ADD", "staging_outbound", "in_progress");
    f_where(g, dc, 1);
    if ((rc = ev_end(g)))
        return rc;
    for (int pass = 0; pass < 2; pass++) {
        ev_begin(g, "ObjectEvent", pass ? tr : t);
        W_LIT(&g->w, ",\"epcList\":[");
        w_sscc(&g->w, pass ? dl : dl_dc, P(g, dc), sscc);
        W_LIT(&g->w, "]");
        f_move(g, pass, dc, store, po, "sellable_not_accessible", 1);
        if (pass)
            f_sensor(g, store, dc, "TRUCK-07", t, tr);
        if ((rc = ev_end(g)))
            return rc;
    }
    tr += 30 * MINUTE;
    agg_begin(g, tr);
    w_sscc(&g->w, dl, P(g, dc), sscc);
    W_LIT(&g->w, ",\"childEPCs\":[");
    for (i = 0; i < n; i++) {
        if (i)
            W_LIT(&g->w, ",");
        w_case(g, dl, &g->b[cs[i].b], cs[i].ci);
    }
    W_LIT(&g->w, "]");
    if ((rc = ev_end_at(g, "DELETE", "unpacking", "sellable_not_accessible",
                        store, 1)))
        return rc;
    for (i = 0; i < n; i++) {
        const struct batch *b = &g->b[cs[i].b];
        const struct demo_product *d = &c->prod[b->prod];
        uint64_t first = cs[i].ci * d->per_case, k;
        int64_t tu = tr + (int64_t)(i + 1) * 2 * MINUTE;
        int64_t span = (int64_t)(d->shelf_days < 10 ? d->shelf_days : 10) * DAY;
        int want = 1 + (int)demo_below(&g->rs, 3);

        agg_begin(g, tu);
        w_case(g, dl, b, cs[i].ci);
        f_children(g, dl, b, 0, first, d->per_case);
        if ((rc = ev_end_at(g, "DELETE", "unpacking", "sellable_accessible",
                            store, 0)))
            return rc;
        pend_n = 0;
        for (k = 0; k < d->per_case; k++) {
            uint64_t r = demo_below(&g->rs, 1000);
            int64_t ts =
                tu + HOUR + (int64_t)demo_below(&g->rs, (uint64_t)span);

            if (r < 600) {
                pend[pend_n++] = first + k;
                if (pend_n == want) {
                    rc = store_item_event(g, store, b, pend, pend_n, 0, ts);
                    if (rc)
                        return rc;
                    pend_n = 0;
                    want = 1 + (int)demo_below(&g->rs, 3);
                }
            } else if (r < 612 || r >= 616) {
                if (r < 612) {
                    uint64_t it = first + k;

                    rc = store_item_event(g, store, b, &it, 1, 1, ts);
                    if (rc)
                        return rc;
                }
            } else {
                uint64_t it = first + k;

                rc = store_item_event(g, store, b, &it, 1, 2, ts);
                if (rc)
                    return rc;
            }
        }
        if (pend_n) {
            rc = store_item_event(g, store, b, pend, pend_n, 0, tu + 2 * HOUR);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Plant -> DC, unpack, mixed store pallets, stores. */
static int distribute(struct gen *g, int nb, int64_t t0)
{
    struct demo_cast *c = g->c;
    int d, k, rc;

    for (d = 0; d < DEMO_N_DC; d++) {
        int dc = c->first[ROLE_DC] + d;
        int plant = g->b[0].plant, dl_p = P(g, plant)->use_dl;
        int dl = P(g, dc)->use_dl, any = 0, stores[DEMO_N_STORES], ns = 0;
        uint64_t po = ++g->po_seq;
        int64_t ts = t0 + DAY + 6 * HOUR + d * 20 * MINUTE;
        int64_t tr = ts + 6 * HOUR + (int64_t)d * HOUR;
        size_t p, n_cases = 0, r, maxc = 0, pi;

        for (k = 0; k < nb; k++)
            for (p = 0; p < g->b[k].n_pal; p++)
                if (g->b[k].pal[p].dc == d)
                    any = 1;
        if (!any)
            continue;
        for (int pass = 0; pass < 2; pass++) {
            int first = 1;

            ev_begin(g, "ObjectEvent", pass ? tr : ts);
            W_LIT(&g->w, ",\"epcList\":[");
            for (k = 0; k < nb; k++)
                for (p = 0; p < g->b[k].n_pal; p++) {
                    if (g->b[k].pal[p].dc != d)
                        continue;
                    if (!first)
                        W_LIT(&g->w, ",");
                    first = 0;
                    w_pallet(g, pass ? dl : dl_p, &g->b[k], &g->b[k].pal[p]);
                }
            W_LIT(&g->w, "]");
            f_move(g, pass, plant, dc, po, "in_progress", 1);
            if (pass)
                f_sensor(g, dc, plant, "REEFER-03", ts, tr);
            if ((rc = ev_end(g)))
                return rc;
        }
        /* unpack inbound pallets; returnable pallets go home */
        for (k = 0; k < nb; k++)
            for (p = 0; p < g->b[k].n_pal; p++) {
                struct pallet *pl = &g->b[k].pal[p];
                int64_t tu = tr + HOUR + (int64_t)p * 3 * MINUTE;

                if (pl->dc != d)
                    continue;
                agg_begin(g, tu);
                w_pallet(g, dl, &g->b[k], pl);
                f_children(g, dl, &g->b[k], 1, pl->case0, pl->n_cases);
                if ((rc = ev_end_at(g, "DELETE", "unpacking", "in_progress", dc,
                                    1)))
                    return rc;
                if (pl->grai)
                    g->grai_free[pl->pool_slot] = tu + 2 * DAY;
                if (pl->n_cases > maxc)
                    maxc = pl->n_cases;
            }
        /* pick cases round-robin over inbound pallets: mixed loads */
        for (r = 0; r < maxc; r++)
            for (k = 0; k < nb; k++)
                for (p = 0; p < g->b[k].n_pal; p++) {
                    const struct pallet *pl = &g->b[k].pal[p];

                    if (pl->dc != d || r >= pl->n_cases)
                        continue;
                    g->dc_cases[n_cases].b = (unsigned char)k;
                    g->dc_cases[n_cases].ci = pl->case0 + r;
                    n_cases++;
                }
        for (k = 0; k < DEMO_N_STORES; k++)
            if (P(g, c->first[ROLE_STORE] + k)->link == d)
                stores[ns++] = c->first[ROLE_STORE] + k;
        for (pi = 0, p = 0; p < n_cases; p += MIXED_CASES, pi++) {
            size_t n = n_cases - p < MIXED_CASES ? n_cases - p : MIXED_CASES;
            uint64_t sscc = g->next_sscc[dc]++;
            int64_t tp = tr + 3 * HOUR + (int64_t)pi * 2 * MINUTE;
            size_t j;

            agg_begin(g, tp);
            w_sscc(&g->w, dl, P(g, dc), sscc);
            W_LIT(&g->w, ",\"childEPCs\":[");
            for (j = 0; j < n; j++) {
                if (j)
                    W_LIT(&g->w, ",");
                w_case(g, dl, &g->b[g->dc_cases[p + j].b],
                       g->dc_cases[p + j].ci);
            }
            W_LIT(&g->w, "]");
            if ((rc = ev_end_at(g, "ADD", "packing", "in_progress", dc, 1)))
                return rc;
            /* truth: this pallet held cases of sampled lots */
            for (k = 0; k < nb; k++) {
                const struct batch *b = &g->b[k];
                int l, has = 0;

                for (j = 0; j < n && !has; j++)
                    has = g->dc_cases[p + j].b == k;
                for (l = 0; has && l < b->n_truth; l++) {
                    struct truth *t = &g->truth[b->truth[l]];
                    struct demo_w saved = g->w;

                    g->w.b = &t->pallets;
                    g->w.err = 0;
                    if (t->pallets.len)
                        W_LIT(&g->w, ",");
                    w_sscc(&g->w, 1, P(g, dc), sscc);
                    rc = g->w.err;
                    g->w = saved;
                    if (rc)
                        return rc;
                }
            }
            rc = store_delivery(g, dc, stores[pi % (size_t)ns], g->dc_cases + p,
                                n, sscc, tp + 5 * HOUR);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int dairy_cycle(struct gen *g, uint64_t cyc)
{
    struct demo_cast *c = g->c;
    int pk = (int)(cyc % DEMO_N_PLANTS), k, rc;
    int64_t t0 = START_MS + (int64_t)(cyc / DEMO_N_PLANTS) * DAY;
    uint64_t ncase = g->cases_per_batch;

    for (k = 0; k < MAX_BATCH; k++) {
        struct batch *b = &g->b[k];
        const struct demo_product *d;
        size_t p;

        b->plant = c->first[ROLE_PLANT] + pk;
        b->prod = c->dairy[pk][(cyc / DEMO_N_PLANTS + (uint64_t)k) % 3];
        d = &c->prod[b->prod];
        b->case_sscc = pk == 0;
        b->n_cases = ncase;
        b->n_items = ncase * d->per_case;
        b->item0 = g->next_serial[b->prod];
        g->next_serial[b->prod] += b->n_items;
        if (b->case_sscc) {
            b->case0 = g->next_sscc[b->plant];
            g->next_sscc[b->plant] += ncase;
        } else {
            b->case0 = g->next_case[b->prod];
            g->next_case[b->prod] += ncase;
        }
        b->n_pal = (size_t)((ncase + PALLET_CASES - 1) / PALLET_CASES);
        for (p = 0; p < b->n_pal; p++) {
            struct pallet *pl = &b->pal[p];

            pl->case0 = (uint64_t)p * PALLET_CASES;
            pl->n_cases = ncase - pl->case0 < PALLET_CASES ? ncase - pl->case0
                                                           : PALLET_CASES;
            /* pallet p of each batch goes to the same DC: mixed loads */
            pl->dc = (int)((p + (size_t)cyc) % DEMO_N_DC);
        }
        rc = plant_batch(g, b, t0, k);
        if (rc)
            return rc;
    }
    return distribute(g, MAX_BATCH, t0);
}

/* -------------------------------------------------------- vegetables */

static int veg_cycle(struct gen *g, uint64_t cyc)
{
    struct demo_cast *c = g->c;
    int pk = (int)(cyc % DEMO_N_PACKERS);
    int packer = c->first[ROLE_PACKER] + pk, dlp = P(g, packer)->use_dl;
    int market = c->first[ROLE_MARKET] + (int)(cyc % DEMO_N_MARKETS);
    int dlm = P(g, market)->use_dl;
    int prod = c->veg[pk][cyc / DEMO_N_PACKERS % 3];
    const struct demo_product *d = &c->prod[prod];
    int64_t t0 = START_MS + (int64_t)(cyc / 2) * DAY, t;
    uint64_t ncase = g->cases_per_batch * 4, i, item0, k, pallets, po;
    int farms[3], f, rc;
    char hlot[3][24], plot[24];
    uint64_t hkg[3];
    struct batch vb;

    memset(&vb, 0, sizeof vb);
    for (f = 0; f < 3; f++) {
        int vf = (int)((cyc + (uint64_t)f * 2) % DEMO_N_VFARMS);
        int fp = c->first[ROLE_VFARM] + vf;

        farms[f] = vf;
        hkg[f] = ncase * 5 / 3 + 5 + demo_below(&g->rs, 20);
        t = t0 + 5 * HOUR + f * 30 * MINUTE;
        make_lot(g, 'H', t, hlot[f]);
        if ((rc = ev_harvest(g, fp, c->harvest[vf], hlot[f], hkg[f] * 1000, t)))
            return rc;
        po = ++g->po_seq;
        qty_begin(g, t + 2 * HOUR, dlp, c->harvest[vf], hlot[f], hkg[f] * 1000);
        f_move(g, 1, fp, packer, po, "in_progress", 1);
        if ((rc = ev_end(g)))
            return rc;
    }
    /* packing house: harvest lots in, serialised 5 kg cases out */
    t = t0 + 10 * HOUR;
    make_lot(g, 'P', t, plot);
    item0 = g->next_serial[prod];
    g->next_serial[prod] += ncase;
    g->st.n_items += ncase;
    vb.prod = prod;
    vb.plant = packer;
    vb.item0 = item0;
    vb.n_items = ncase;
    for (i = 0; i < ncase; i += FILL_MAX) {
        uint64_t n = ncase - i < FILL_MAX ? ncase - i : FILL_MAX;

        ev_begin(g, "TransformationEvent", t + (int64_t)i * 2000);
        W_LIT(&g->w, ",\"inputQuantityList\":[");
        for (f = 0; f < 3; f++) {
            if (f)
                W_LIT(&g->w, ",");
            w_qty(g, dlp, c->harvest[farms[f]], hlot[f],
                  hkg[f] * 1000 * n / ncase);
        }
        W_LIT(&g->w, "],\"outputEPCList\":[");
        w_range(g, dlp, &vb, 0, i, n);
        W_LIT(&g->w, "]");
        f_step(g, NULL, "commissioning", "active");
        f_where(g, packer, 0);
        f_ilmd(g, plot, "cbvmda:bestBeforeDate",
               t + (int64_t)d->shelf_days * DAY);
        if ((rc = ev_end(g)))
            return rc;
    }
    /* SSCC pallets of 50 cases, shipped to the wholesale market */
    pallets = (ncase + 49) / 50;
    {
        uint64_t s0 = g->next_sscc[packer];

        g->next_sscc[packer] += pallets;
        po = ++g->po_seq;
        for (i = 0; i < pallets; i++) {
            uint64_t c0 = i * 50, n = ncase - c0 < 50 ? ncase - c0 : 50;

            agg_begin(g, t + 4 * HOUR + (int64_t)i * MINUTE);
            w_sscc(&g->w, dlp, P(g, packer), s0 + i);
            f_children(g, dlp, &vb, 0, c0, n);
            if ((rc = ev_end_at(g, "ADD", "packing", "in_progress", packer, 1)))
                return rc;
        }
        for (int pass = 0; pass < 2; pass++) {
            int dl = pass ? dlm : dlp;

            ev_begin(g, "ObjectEvent", t + (pass ? 14 : 6) * HOUR);
            W_LIT(&g->w, ",\"epcList\":[");
            for (i = 0; i < pallets; i++) {
                if (i)
                    W_LIT(&g->w, ",");
                w_sscc(&g->w, dl, P(g, packer), s0 + i);
            }
            W_LIT(&g->w, "]");
            f_move(g, pass, packer, market, po, "sellable_accessible", 1);
            if (pass)
                f_sensor(g, market, packer, "REEFER-11", t + 6 * HOUR,
                         t + 14 * HOUR);
            if ((rc = ev_end(g)))
                return rc;
        }
        for (i = 0; i < pallets; i++) {
            uint64_t c0 = i * 50, n = ncase - c0 < 50 ? ncase - c0 : 50;

            agg_begin(g, t + 15 * HOUR + (int64_t)i * MINUTE);
            w_sscc(&g->w, dlm, P(g, packer), s0 + i);
            f_children(g, dlm, &vb, 0, c0, n);
            if ((rc = ev_end_at(g, "DELETE", "unpacking", "sellable_accessible",
                                market, 1)))
                return rc;
        }
    }
    /* market sells cases on to supermarkets (10 a delivery), sold there */
    for (i = 0; i < ncase; i += 10) {
        uint64_t n = ncase - i < 10 ? ncase - i : 10;
        int store =
            c->first[ROLE_STORE] + (int)demo_below(&g->rs, DEMO_N_STORES);
        int dls = P(g, store)->use_dl;
        int64_t ts = t + DAY + (int64_t)demo_below(&g->rs, 8) * HOUR;

        po = ++g->po_seq;
        for (int pass = 0; pass < 2; pass++) {
            int dl = pass ? dls : dlm;

            ev_begin(g, "ObjectEvent", ts + (pass ? 2 * HOUR : 0));
            W_LIT(&g->w, ",\"epcList\":[");
            w_range(g, dl, &vb, 0, i, n);
            W_LIT(&g->w, "]");
            f_move(g, pass, market, store, po, "sellable_accessible", 1);
            if ((rc = ev_end(g)))
                return rc;
        }
        for (k = 0; k < n; k++) {
            uint64_t it = i + k;
            int kind = demo_below(&g->rs, 20) == 0 ? 1 : 0;

            rc = store_item_event(
                g, store, &vb, &it, 1, kind,
                ts + 3 * HOUR + (int64_t)demo_below(&g->rs, 3 * 24) * HOUR);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------- drugs */

/* A manufacturer packs one drug batch from an API lot into serialised
 * packs (50 to a case SGTIN, 20 cases to an SSCC pallet); wholesalers
 * unpack and send cases to pharmacies, which dispense most packs. */
static int drug_cycle(struct gen *g, uint64_t cyc)
{
    struct demo_cast *c = g->c;
    int mk = (int)(cyc % DEMO_N_PHARMA), which = (int)(cyc / 8 % 2);
    int mfr = c->first[ROLE_PHARMA] + mk, dl = P(g, mfr)->use_dl;
    int api = c->api[mk][which], rc;
    int64_t t0 = START_MS + (int64_t)(cyc / 2) * DAY, t;
    uint64_t ncase = g->cases_per_batch / 3 + 1, i, k, npal, s0, po;
    uint64_t api_milli;
    char alot[24];
    struct batch b;
    const struct demo_product *d;
    size_t tid_off;
    char tid[64];

    memset(&b, 0, sizeof b);
    b.prod = c->drug[mk][which];
    b.plant = mfr;
    d = &c->prod[b.prod];
    b.n_cases = ncase;
    b.n_items = ncase * d->per_case;
    b.item0 = g->next_serial[b.prod];
    g->next_serial[b.prod] += b.n_items;
    b.case0 = g->next_case[b.prod];
    g->next_case[b.prod] += ncase;
    api_milli = b.n_items * d->net_milli * 102 / 100 + 1000;

    /* API lot received into the manufacturer's store */
    t = t0 + 7 * HOUR;
    make_lot(g, 'A', t, alot);
    qty_begin(g, t, dl, api, alot, api_milli);
    f_step(g, "ADD", "commissioning", "active");
    f_where(g, mfr, 1);
    f_ilmd(g, alot, NULL, 0);
    if ((rc = ev_end(g)))
        return rc;
    /* packaging line: API in, serialised packs out, one transformation */
    t += 2 * HOUR;
    make_lot(g, 'D', t, b.lot);
    tid[0] = '\0';
    for (i = 0; i < b.n_items; i += FILL_MAX) {
        uint64_t n = b.n_items - i < FILL_MAX ? b.n_items - i : FILL_MAX;

        ev_begin(g, "TransformationEvent", t + (int64_t)i * 400);
        W_LIT(&g->w, ",\"inputQuantityList\":[");
        w_qty(g, dl, api, alot, n * d->net_milli);
        W_LIT(&g->w, "],\"outputEPCList\":[");
        w_range(g, dl, &b, 0, i, n);
        W_LIT(&g->w, "]");
        if (!tid[0]) {
            f_uuid(g, "transformationID");
            if (g->w.err)
                return g->w.err;
            tid_off = g->doc.len - 46;
            memcpy(tid, g->doc.data + tid_off, 45);
            tid[45] = '\0';
        } else {
            W_LIT(&g->w, ",\"transformationID\":\"");
            w_str(&g->w, tid);
            W_LIT(&g->w, "\"");
        }
        f_step(g, NULL, "commissioning", "active");
        f_where(g, mfr, 0);
        f_ilmd(g, b.lot, "cbvmda:itemExpirationDate",
               t + (int64_t)d->shelf_days * DAY);
        if ((rc = ev_end(g)))
            return rc;
    }
    g->st.n_items += b.n_items;
    for (i = 0; i < ncase; i++) {
        agg_begin(g, t + (int64_t)((i + 1) * d->per_case) * 400 + MINUTE);
        w_case(g, dl, &b, i);
        f_children(g, dl, &b, 0, i * d->per_case, d->per_case);
        if ((rc = ev_end_at(g, "ADD", "packing", "in_progress", mfr, 0)))
            return rc;
    }
    npal = (ncase + 19) / 20;
    s0 = g->next_sscc[mfr];
    g->next_sscc[mfr] += npal;
    t += 8 * HOUR;
    for (i = 0; i < npal; i++) {
        uint64_t c0 = i * 20, n = ncase - c0 < 20 ? ncase - c0 : 20;

        agg_begin(g, t + (int64_t)i * MINUTE);
        w_sscc(&g->w, dl, P(g, mfr), s0 + i);
        f_children(g, dl, &b, 1, c0, n);
        if ((rc = ev_end_at(g, "ADD", "packing", "in_progress", mfr, 1)))
            return rc;
    }
    /* every pallet: to a wholesaler, unpacked, cases on to pharmacies */
    for (i = 0; i < npal; i++) {
        int ws =
            c->first[ROLE_WHOLESALER] + (int)((i + cyc) % DEMO_N_WHOLESALERS);
        int dlw = P(g, ws)->use_dl;
        uint64_t c0 = i * 20, n = ncase - c0 < 20 ? ncase - c0 : 20;
        int64_t ts = t + DAY + (int64_t)i * 10 * MINUTE, tr = ts + 5 * HOUR;

        po = ++g->po_seq;
        for (int pass = 0; pass < 2; pass++) {
            int wdl = pass ? dlw : dl;

            ev_begin(g, "ObjectEvent", pass ? tr : ts);
            W_LIT(&g->w, ",\"epcList\":[");
            w_sscc(&g->w, wdl, P(g, mfr), s0 + i);
            W_LIT(&g->w, "]");
            f_move(g, pass, mfr, ws, po, "in_progress", 1);
            if (pass)
                f_sensor(g, ws, mfr, "LOGGER-21", ts, tr);
            if ((rc = ev_end(g)))
                return rc;
        }
        agg_begin(g, tr + HOUR);
        w_sscc(&g->w, dlw, P(g, mfr), s0 + i);
        f_children(g, dlw, &b, 1, c0, n);
        if ((rc = ev_end_at(g, "DELETE", "unpacking", "sellable_not_accessible",
                            ws, 1)))
            return rc;
        for (k = 0; k < n; k++) {
            uint64_t ci = c0 + k, j, first = ci * d->per_case;
            int ph = c->first[ROLE_PHARMACY] +
                     (int)demo_below(&g->rs, DEMO_N_PHARMACIES);
            int dlp = P(g, ph)->use_dl;
            int64_t tsh = tr + 4 * HOUR + (int64_t)k * 5 * MINUTE;
            int64_t trc = tsh + 3 * HOUR;

            po = ++g->po_seq;
            ev_begin(g, "TransactionEvent", tsh - 30 * MINUTE);
            f_biztx(g, ph, ws, po);
            W_LIT(&g->w, ",\"epcList\":[");
            w_case(g, dlw, &b, ci);
            W_LIT(&g->w, "]");
            f_step(g, "ADD", "staging_outbound", "in_progress");
            f_where(g, ws, 1);
            if ((rc = ev_end(g)))
                return rc;
            for (int pass = 0; pass < 2; pass++) {
                ev_begin(g, "ObjectEvent", pass ? trc : tsh);
                W_LIT(&g->w, ",\"epcList\":[");
                w_case(g, pass ? dlp : dlw, &b, ci);
                W_LIT(&g->w, "]");
                f_move(g, pass, ws, ph, po, "sellable_accessible", 0);
                if ((rc = ev_end(g)))
                    return rc;
            }
            agg_begin(g, trc + 20 * MINUTE);
            w_case(g, dlp, &b, ci);
            f_children(g, dlp, &b, 0, first, d->per_case);
            if ((rc = ev_end_at(g, "DELETE", "unpacking", "sellable_accessible",
                                ph, 0)))
                return rc;
            /* dispensing: most packs over the next weeks, a few damaged */
            for (j = 0; j < d->per_case; j++) {
                uint64_t r = demo_below(&g->rs, 100), it = first + j;
                int64_t td =
                    trc + HOUR + (int64_t)demo_below(&g->rs, 30 * 24) * HOUR;

                if (r >= 72)
                    continue;
                ev_begin(g, "ObjectEvent", td);
                W_LIT(&g->w, ",\"epcList\":[");
                w_item(g, dlp, &b, it);
                W_LIT(&g->w, "]");
                if (r < 70)
                    f_step(g, "OBSERVE", "dispensing", "dispensed");
                else
                    f_step(g, "DELETE", "destroying", "destroyed");
                f_where(g, ph, 0);
                if ((rc = ev_end(g)))
                    return rc;
            }
        }
    }
    return 0;
}

/* ----------------------------------------------------------- driver */

static int truth_finish(struct gen *g, struct zl_buf *out)
{
    struct demo_w w = {out, 0};
    size_t i;

    W_LIT(&w, "{\"collectionLots\":[");
    for (i = 0; i < g->n_truth; i++) {
        struct truth *t = &g->truth[i];

        if (i)
            W_LIT(&w, ",\n");
        w_put(&w, t->head.data, t->head.len);
        if (!strstr(t->head.data, "\"items\""))
            W_LIT(&w, ",\"batchLots\":[],\"items\":[],\"cases\":[]");
        W_LIT(&w, ",\"pallets\":[");
        if (t->pallets.len)
            w_put(&w, t->pallets.data, t->pallets.len);
        W_LIT(&w, "]}");
    }
    W_LIT(&w, "]}\n");
    return w.err;
}

int zl_demo_generate(const struct zl_demo_opts *o, zl_demo_emit_fn emit,
                     void *ctx, struct zl_demo_stats *stats)
{
    struct gen *g = NULL;
    struct zl_buf tb;
    uint64_t target, cyc;
    size_t i;
    int rc = 0, k;

    zl_buf_init(&tb, 1u << 30);
    if (!o || !emit || o->scale < 1 || o->scale > 1000000ULL ||
        (o->sectors & ~(unsigned)ZL_DEMO_ALL))
        return ZL_EINVAL;
    if (o->truth_lots && o->scale > TRUTH_MAX_SCALE)
        return ZL_ELIMIT;
    g = zl_calloc(1, sizeof *g);
    if (!g)
        return ZL_ENOMEM;
    g->o = o;
    g->emit = emit;
    g->ctx = ctx;
    g->per_doc = o->per_doc ? o->per_doc : 1000;
    g->rs = o->seed ^ 0x5A4C44454D4FULL; /* "ZLDEMO" */
    zl_buf_init(&g->doc, (size_t)1 << 31);
    g->w.b = &g->doc;
    g->c = zl_malloc(sizeof *g->c);
    g->cases_per_batch = o->scale / 16;
    if (g->cases_per_batch < 1)
        g->cases_per_batch = 1;
    if (g->cases_per_batch > MAX_CASES_PER_BATCH)
        g->cases_per_batch = MAX_CASES_PER_BATCH;
    g->dc_cases =
        zl_calloc(MAX_BATCH * g->cases_per_batch + 1, sizeof *g->dc_cases);
    for (k = 0; k < MAX_BATCH; k++)
        g->b[k].pal = zl_calloc(g->cases_per_batch / PALLET_CASES + 1,
                                sizeof *g->b[k].pal);
    if (!g->c || !g->dc_cases || !g->b[0].pal || !g->b[1].pal) {
        rc = ZL_ENOMEM;
        goto out;
    }
    demo_cast_build(g->c, o->seed);
    for (i = 0; i < DEMO_N_PARTIES; i++)
        g->next_sscc[i] = 1 + demo_below(&g->rs, 100000);
    for (k = 0; k < DEMO_MAX_PRODUCTS; k++) {
        g->next_serial[k] = 10000001 + demo_below(&g->rs, 1000000);
        g->next_case[k] = 100001;
    }
    target = o->scale * 100;
    for (cyc = 0; g->st.n_events < target; cyc++) {
        unsigned sec = o->sectors ? o->sectors : ZL_DEMO_DAIRY, want;
        unsigned on[3], n_on = 0;

        /* dairy leads; every 8 cycles one vegetable and one drug cycle */
        want = cyc % 8 == 3   ? ZL_DEMO_VEGETABLES
               : cyc % 8 == 7 ? ZL_DEMO_DRUGS
                              : ZL_DEMO_DAIRY;
        if (!(sec & want)) {
            if (sec & ZL_DEMO_DAIRY)
                on[n_on++] = ZL_DEMO_DAIRY;
            if (sec & ZL_DEMO_VEGETABLES)
                on[n_on++] = ZL_DEMO_VEGETABLES;
            if (sec & ZL_DEMO_DRUGS)
                on[n_on++] = ZL_DEMO_DRUGS;
            want = on[cyc % n_on];
        }
        rc = want == ZL_DEMO_DAIRY        ? dairy_cycle(g, cyc)
             : want == ZL_DEMO_VEGETABLES ? veg_cycle(g, cyc)
                                          : drug_cycle(g, cyc);
        if (rc)
            goto out;
        g->st.n_cycles++;
    }
    rc = doc_flush(g);
    if (rc)
        goto out;
    if (o->truth_lots) {
        rc = truth_finish(g, &tb);
        if (rc)
            goto out;
    }
out:
    if (stats) {
        *stats = g->st;
        if (!rc && o->truth_lots) {
            stats->truth_len = tb.len;
            stats->truth_json = zl_buf_steal(&tb);
            if (!stats->truth_json)
                rc = ZL_ENOMEM;
        }
    }
    zl_buf_cleanup(&tb);
    for (i = 0; i < MAX_TRUTH; i++) {
        zl_buf_cleanup(&g->truth[i].head);
        zl_buf_cleanup(&g->truth[i].pallets);
    }
    for (k = 0; k < MAX_BATCH; k++)
        zl_free(g->b[k].pal);
    zl_free(g->dc_cases);
    zl_free(g->c);
    zl_buf_cleanup(&g->doc);
    zl_free(g);
    return rc;
}

void zl_demo_free(void *p)
{
    zl_free(p);
}

void zl_demo_stats_cleanup(struct zl_demo_stats *st)
{
    if (!st)
        return;
    zl_free(st->truth_json);
    st->truth_json = NULL;
    st->truth_len = 0;
}
