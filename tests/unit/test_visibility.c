/*
 * test_visibility.c - the read rule (docs/access.md, "Who reads what"):
 * zl_viewer_sees_event for every (viewer, event) pair of a small chain,
 * checked against a table written from the rule; then the same rule as
 * queries (filtered inside the scan: counts and pages over visible events)
 * and traces (zl_trace_opts.visible: hidden events link nothing) apply it.
 *
 * Chain (one event per hour, E1..E6):
 *   E1 farm commissions lot MILK at its site
 *   E2 farm ships MILK to the dairy (destination: the dairy's PGLN)
 *   E3 dairy turns MILK into lot PROD at its site
 *   E4 dairy ships PROD to the shop (destination: the shop's SGLN)
 *   E5 dairy declares PROD recalled at its site (the shop holds it)
 *   E6 stored by the store operator (no party), no location, about PROD
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo/demo.h"
#include "party/party_int.h"
#include "store/store.h"
#include "store/store_party.h"
#include "store/store_trace.h"
#include "zhiliang/buf.h"
#include "zhiliang/gs1.h"
#include "zhiliang/party.h"
#include "zhiliang/query.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/trace.h"
#include "zhiliang/zhiliang.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIXTURE_NAME "test-visibility"
#include "store_fixture.h"

#define USCC_DAIRY "91130102117504341K" /* registered in 130102 (Hebei) */
#define USCC_FARM  "91130102211618732R"
static const char *DAIRY_GLNS[] = {"6940277700002"};
static const char *FARM_GLNS[] = {"6915669000008"};
static const char *SHOP_GLNS[] = {"6904642000005"};
static const char *PHARM_GLNS[] = {"6947782500011"};

#define N_EV 6
static uint8_t H[N_EV + 1][32]; /* H[k] = hash of Ek */
static char MILK[96], PROD[96];

static void add(zl_store *s, const char *id, const char *uscc,
                const char **glns, size_t n, const char *prefix,
                enum zl_party_kind kind, const char *region)
{
    const char *pre[1] = {prefix};
    struct zl_party p;
    struct zl_error err = {0};

    memset(&p, 0, sizeof p);
    p.id = id;
    p.uscc = uscc;
    p.name_zh = "x";
    p.glns = glns;
    p.n_glns = n;
    p.prefixes = prefix ? pre : NULL;
    p.n_prefixes = prefix ? 1 : 0;
    p.kind = kind;
    p.region = region;
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
}

static void capture(zl_store *s, const char *party, int hour, const char *body)
{
    char doc[4096];
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};
    int rc;

    snprintf(doc, sizeof doc,
             "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
             "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
             "\"schemaVersion\":\"2.0\",\"creationDate\":"
             "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
             "\"eventTime\":\"2026-05-01T%02d:00:00+08:00\","
             "\"eventTimeZoneOffset\":\"+08:00\",%s}]}}",
             hour, body);
    o.party = party;
    rc = zl_capture(s, doc, strlen(doc), &o, &r, &err);
    if (rc)
        fail_msg("E%d refused: %d %s %s %s", hour, rc, err.path, err.rule,
                 err.value);
}

static int hash_cb(void *ctx, const struct zl_stored_event *ev)
{
    size_t *k = ctx;

    memcpy(H[++*k], ev->hash, 32);
    return 0;
}

/* GTIN-14: "0" + 12 digits + check digit. */
static const char *gtin(const char *digits12, char out[15])
{
    snprintf(out, 15, "0%s", digits12);
    out[13] = (char)('0' + zl_gs1_check_digit(out, 13));
    out[14] = '\0';
    return out;
}

static void chain(zl_store *s)
{
    char b[2048], g1[15], g2[15];
    struct zl_event_filter f;
    size_t k = 0;

    add(s, NULL, USCC_DAIRY, DAIRY_GLNS, 1, "6940277", ZL_PARTY_ENTERPRISE,
        NULL);
    add(s, NULL, USCC_FARM, FARM_GLNS, 1, "6915669", ZL_PARTY_ENTERPRISE, NULL);
    add(s, "shop", NULL, SHOP_GLNS, 1, NULL, ZL_PARTY_ENTERPRISE, "110105");
    add(s, "pharm", NULL, PHARM_GLNS, 1, NULL, ZL_PARTY_ENTERPRISE, "310115");
    add(s, "reg-hebei", NULL, NULL, 0, NULL, ZL_PARTY_REGULATOR, "13");
    add(s, "reg-1301", NULL, NULL, 0, NULL, ZL_PARTY_REGULATOR, "1301");
    add(s, "reg-beijing", NULL, NULL, 0, NULL, ZL_PARTY_REGULATOR, "11");
    add(s, "op", NULL, NULL, 0, NULL, ZL_PARTY_OPERATOR, NULL);
    snprintf(MILK, sizeof MILK, "https://id.gs1.org/01/%s/10/M1",
             gtin("691566920002", g1));
    snprintf(PROD, sizeof PROD, "https://id.gs1.org/01/%s/10/P1",
             gtin("694027710001", g2));
#define AT(g)                                                                  \
    "\"readPoint\":{\"id\":\"https://id.gs1.org/414/" g "\"},"                 \
    "\"bizLocation\":{\"id\":\"https://id.gs1.org/414/" g "\"}"
#define QTY(list, id)                                                          \
    "\"" list "\":[{\"epcClass\":\"%s\",\"quantity\":5,"                       \
    "\"uom\":\"KGM\"}]"
    snprintf(
        b, sizeof b,
        "\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":"
        "\"commissioning\"," QTY("quantityList", x) "," AT("6915669000008"),
        MILK);
    capture(s, USCC_FARM, 1, b);
    snprintf(
        b, sizeof b,
        "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"
        "\"shipping\"," QTY(
            "quantityList",
            x) ",\"readPoint\":{\"id\":"
               "\"https://id.gs1.org/414/6915669000008\"},\"sourceList\":[{"
               "\"type\":\"owning_party\",\"source\":\"https://id.gs1.org/417/"
               "6915669000008\"}],\"destinationList\":[{\"type\":"
               "\"owning_party\",\"destination\":\"https://id.gs1.org/417/"
               "6940277700002\"}]",
        MILK);
    capture(s, USCC_FARM, 2, b);
    snprintf(
        b, sizeof b,
        "\"type\":\"TransformationEvent\"," QTY("inputQuantityList", x) "," QTY(
            "outputQuantityList",
            y) "," AT("6940277700002") ",\"bizTransactionList\":[{\"type\":"
                                       "\"po\",\"bizTransaction\":"
                                       "\"urn:epcglobal:cbv:bt:6940277700002:"
                                       "PO-1\"}]",
        MILK, PROD);
    capture(s, USCC_DAIRY, 3, b);
    snprintf(
        b, sizeof b,
        "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"
        "\"shipping\"," QTY(
            "quantityList",
            x) ",\"readPoint\":{\"id\":"
               "\"https://id.gs1.org/414/6940277700002\"},\"sourceList\":[{"
               "\"type\":\"owning_party\",\"source\":\"https://id.gs1.org/417/"
               "6940277700002\"}],\"destinationList\":[{\"type\":"
               "\"location\",\"destination\":\"https://id.gs1.org/414/"
               "6904642000005\"}]",
        PROD);
    capture(s, USCC_DAIRY, 4, b);
    snprintf(b, sizeof b,
             "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"
             "\"holding\",\"disposition\":\"recalled\"," QTY(
                 "quantityList", x) "," AT("6940277700002"),
             PROD);
    capture(s, USCC_DAIRY, 5, b);
    snprintf(b, sizeof b,
             "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"
             "\"inspecting\"," QTY("quantityList", x),
             PROD);
    capture(s, NULL, 6, b);
    memset(&f, 0, sizeof f);
    f.order_by = ZL_ORDER_EVENT_TIME;
    assert_int_equal(zl_store_events_query(s, &f, hash_cb, &k), 0);
    assert_int_equal(k, N_EV);
}

/* Who sees what, written from the rule (docs/access.md): a string of the
 * event numbers each viewer sees. */
static const struct {
    const char *party;
    const char *sees;
} TABLE[] = {
    {USCC_FARM, "12"},      /* own; E3 names MILK but the dairy held it */
    {USCC_DAIRY, "2345"},   /* destination of E2 (PGLN), own E3..E5 */
    {"shop", "456"},        /* destination of E4 (SGLN); held PROD at E5, E6 */
    {"pharm", ""},          /* unrelated */
    {"reg-hebei", "12345"}, /* capturing party registered in 13xxxx */
    {"reg-1301", "12345"},  /* 1301 covers 130102 */
    {"reg-beijing", ""},    /* the shop (110105) captured nothing; E6 has no
                               party and no location */
    {"op", ""},             /* operators read no events */
};

static void test_rule_table(void **state)
{
    struct fixture *f = *state;
    struct zl_viewer v;
    struct zl_error err = {0};

    chain(f->s);
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        assert_int_equal(zl_viewer_for_party(f->s, TABLE[i].party, &v, &err),
                         0);
        for (int k = 1; k <= N_EV; k++) {
            int want = strchr(TABLE[i].sees, '0' + k) != NULL;
            int got = zl_viewer_sees_event(f->s, &v, H[k]);

            if (got != want)
                fail_msg("%s sees E%d: got %d, want %d", TABLE[i].party, k, got,
                         want);
        }
        /* through one memo for every event, twice: the second pass
         * answers from what the first kept */
        {
            zl_viewer_memo *m = NULL;

            assert_int_equal(zl_viewer_memo_new(&m), 0);
            for (int pass = 0; pass < 2; pass++)
                for (int k = N_EV; k >= 1; k--) {
                    int want = strchr(TABLE[i].sees, '0' + k) != NULL;
                    int got = zl_viewer_sees_event_memo(f->s, &v, m, H[k]);

                    if (got != want)
                        fail_msg("%s sees E%d through a memo (pass %d): got "
                                 "%d, want %d",
                                 TABLE[i].party, k, pass, got, want);
                }
            zl_viewer_memo_free(m);
        }
    }
    zl_viewer_init(&v, ZL_VIEW_LOCAL);
    for (int k = 1; k <= N_EV; k++)
        assert_int_equal(zl_viewer_sees_event(f->s, &v, H[k]), 1);
    assert_true(zl_viewer_reads_events(&v));
    zl_viewer_init(&v, ZL_VIEW_PUBLIC);
    for (int k = 1; k <= N_EV; k++)
        assert_int_equal(zl_viewer_sees_event(f->s, &v, H[k]), 0);
    assert_false(zl_viewer_reads_events(&v));
    assert_int_equal(zl_viewer_for_party(f->s, "op", &v, &err), 0);
    assert_false(zl_viewer_reads_events(&v));
    assert_int_equal(zl_viewer_for_party(f->s, "nobody", &v, &err),
                     ZL_ENOTFOUND);
    /* a viewer found by one of its GLNs is that party */
    assert_int_equal(zl_viewer_for_party(f->s, "6904642000005", &v, &err), 0);
    assert_string_equal(v.party.id, "shop");
    memset(H[0], 0xab, 32);
    assert_int_equal(zl_viewer_sees_event(f->s, &v, H[0]), ZL_ENOTFOUND);
}

/* ---- the custody cache (party_int.h, zl_authz_held_before_cached) ------
 * Differential: the cache against the uncached custody walk, on a demo
 * chain (generated, not written here) for every (enterprise, event,
 * identifier of the event) triple, asked in reverse time order through one
 * cache so that later answers come from what earlier ones kept; then the
 * read rule itself, every enterprise and event, with and without a memo.
 * Then the walk's bound (CUSTODY_EVENTS, 256 rows looked at): a shipment
 * followed by 254..257 location-less observations of the goods. */
struct all_evs {
    uint8_t (*h)[32];
    size_t n, cap;
};

static int all_evs_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct all_evs *a = ctx;

    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->h = realloc(a->h, a->cap * 32);
        assert_non_null(a->h);
    }
    memcpy(a->h[a->n++], ev->hash, 32);
    return 0;
}

struct ent_list {
    char id[64][ZL_PARTY_ID_MAX];
    size_t n;
};

static int ent_cb(void *ctx, const struct zl_party *p)
{
    struct ent_list *l = ctx;

    if (p->kind == ZL_PARTY_ENTERPRISE && l->n < 64)
        snprintf(l->id[l->n++], ZL_PARTY_ID_MAX, "%s", p->id);
    return 0;
}

struct id_list {
    char id[64][128];
    size_t n;
};

static int id_list_cb(void *ctx, const struct zl_id_row *r)
{
    struct id_list *l = ctx;

    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->id[i], r->id))
            return 0;
    if (l->n < 64 && strlen(r->id) < 128)
        snprintf(l->id[l->n++], 128, "%s", r->id);
    return 0;
}

/* A dairy demo chain (seed, scale; documents of 100 events) with its
 * parties registered, captured into f's store. */
static void demo_dairy(struct fixture *f, uint64_t seed, int scale)
{
    struct zl_demo_opts o = {0};
    struct zl_error err = {0};
    char *pj = NULL;
    size_t pl = 0, np = 0, npr = 0;

    o.seed = seed;
    o.scale = scale;
    o.per_doc = 100;
    o.sectors = ZL_DEMO_DAIRY;
    assert_int_equal(zl_demo_parties_json(&o, &pj, &pl), 0);
    assert_int_equal(zl_party_import_json(f->s, pj, pl, &np, &npr, &err), 0);
    zl_demo_free(pj);
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
}

static void test_custody_cache(void **state)
{
    struct fixture *f = *state;
    struct all_evs a = {NULL, 0, 0};
    struct ent_list *ents = calloc(1, sizeof *ents);
    struct zl_error err = {0};
    size_t held_n = 0, free_n = 0, seen_n = 0;
    size_t stride = 1;

    assert_non_null(ents);
    demo_dairy(f, 5, 2);
    assert_int_equal(zl_store_trace_scan_events(f->s, 0, all_evs_cb, &a), 0);
    assert_true(a.n > 150);
    assert_int_equal(zl_party_list(f->s, ent_cb, ents), 0);
    assert_true(ents->n >= 4);
    /* the uncached walk costs a round trip a row on a server backend:
     * there, the first 10 parties (retailers and farms: both answers)
     * and every other event */
    if (strcmp(zl_store_backend_name(f->s), "sqlite")) {
        stride = 2;
        if (ents->n > 10)
            ents->n = 10;
    }
    for (size_t p = 0; p < ents->n; p++) {
        zl_custody *c = NULL;
        zl_viewer_memo *m = NULL;
        struct zl_viewer v;

        assert_int_equal(zl_custody_new(&c), 0);
        for (size_t k = a.n; k-- > 0;) {
            struct id_list ids = {.n = 0};

            if (k % stride)
                continue;

            assert_int_equal(
                zl_store_event_ids(f->s, (const uint8_t(*)[32])a.h[k], 1,
                                   ZL_ID_ROLES_ALL, id_list_cb, &ids),
                0);
            /* every other party: the event's identifiers read in one
             * batch first (what the rule does on a server backend) */
            if (p % 2) {
                const char *ask[64];

                for (size_t i = 0; i < ids.n; i++)
                    ask[i] = ids.id[i];
                assert_int_equal(zl_custody_prefetch(f->s, c, ask, ids.n), 0);
            }
            for (size_t i = 0; i < ids.n; i++) {
                int want = -1, got = -1;

                assert_int_equal(zl_authz_held_before(f->s, ids.id[i], a.h[k],
                                                      ents->id[p], &want),
                                 0);
                assert_int_equal(zl_authz_held_before_cached(f->s, c, ids.id[i],
                                                             a.h[k],
                                                             ents->id[p], &got),
                                 0);
                if (got != want)
                    fail_msg("custody of %s for %s at event %zu: cached %d, "
                             "uncached %d",
                             ids.id[i], ents->id[p], k, got, want);
                held_n += want == 1;
                free_n += want == 0;
            }
        }
        zl_custody_free(c);
        /* the read rule with and without a memo, in two orders */
        assert_int_equal(zl_viewer_for_party(f->s, ents->id[p], &v, &err), 0);
        assert_int_equal(zl_viewer_memo_new(&m), 0);
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = 0; j < a.n; j++) {
                size_t k = pass ? j : a.n - 1 - j;
                int want = zl_viewer_sees_event(f->s, &v, a.h[k]);
                int got = zl_viewer_sees_event_memo(f->s, &v, m, a.h[k]);

                if (got != want)
                    fail_msg("%s sees event %zu: memo %d, rule %d", ents->id[p],
                             k, got, want);
                seen_n += pass == 0 && want == 1;
            }
        zl_viewer_memo_free(m);
    }
    /* the chain exercises both answers */
    assert_true(held_n > 10);
    assert_true(free_n > held_n);
    assert_true(seen_n > 0);
    free(a.h);
    free(ents);
}

/* One location-less observation of MILK by the store operator, at
 * min minutes and 30 seconds after 02:00. */
static void observe_at(zl_store *s, int min)
{
    char b[1024], doc[2048];
    struct zl_capture_result r;
    struct zl_error err = {0};

    snprintf(b, sizeof b,
             "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"
             "\"inspecting\",\"quantityList\":[{\"epcClass\":\"%s\","
             "\"quantity\":5,\"uom\":\"KGM\"}]",
             MILK);
    snprintf(doc, sizeof doc,
             "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
             "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
             "\"schemaVersion\":\"2.0\",\"creationDate\":"
             "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
             "\"eventTime\":\"2026-05-01T%02d:%02d:30+08:00\","
             "\"eventTimeZoneOffset\":\"+08:00\",%s}]}}",
             2 + min / 60, min % 60, b);
    assert_int_equal(zl_capture(s, doc, strlen(doc), NULL, &r, &err), 0);
}

static void test_custody_bound(void **state)
{
    struct fixture *f = *state;
    struct zl_event_filter q;
    struct all_evs a = {NULL, 0, 0};
    zl_custody *c = NULL;

    /* E1..E6 (E2: the farm ships MILK to the dairy at 02:00), then 258
     * observations at 02:01:30..06:18:30 */
    chain(f->s);
    for (int min = 1; min <= 258; min++)
        observe_at(f->s, min);
    memset(&q, 0, sizeof q);
    q.order_by = ZL_ORDER_EVENT_TIME;
    assert_int_equal(zl_store_events_query(f->s, &q, all_evs_cb, &a), 0);
    assert_int_equal(a.n, N_EV + 258);
    assert_int_equal(zl_custody_new(&c), 0);
    /* MILK's rows: E1, E2 (shipping), E3 (transformation, 03:00:00), and
     * the observations; the one at minute m has m - 1 observations and,
     * from minute 60 on, E3 between it and E2, and is held while E2 is
     * among the 256 rows looked at. Asked latest first through one cache,
     * and each without it. */
    for (int min = 258; min >= 250; min--) {
        const uint8_t *h = NULL;
        int between = (min - 1) + (min >= 60), want = between < 256, got = -1,
            plain = -1;

        /* the observation at minute min: events are in time order, E1..E3
         * at 01:00..03:00 among them */
        {
            size_t obs = 0;
            for (size_t k = 0; k < a.n && !h; k++) {
                if (memcmp(a.h[k], H[1], 32) && memcmp(a.h[k], H[2], 32) &&
                    memcmp(a.h[k], H[3], 32) && memcmp(a.h[k], H[4], 32) &&
                    memcmp(a.h[k], H[5], 32) && memcmp(a.h[k], H[6], 32) &&
                    ++obs == (size_t)min)
                    h = a.h[k];
            }
        }
        assert_non_null(h);
        assert_int_equal(
            zl_authz_held_before_cached(f->s, c, MILK, h, USCC_DAIRY, &got), 0);
        assert_int_equal(
            zl_authz_held_before(f->s, MILK, h, USCC_DAIRY, &plain), 0);
        if (got != want || plain != want)
            fail_msg("observation %d (%d rows back to the shipment): cached "
                     "%d, uncached %d, want %d",
                     min, between + 1, got, plain, want);
    }
    zl_custody_free(c);
    free(a.h);
}

static void test_region_covers(void **state)
{
    (void)state;
    assert_true(zl_region_covers("13", "130102"));
    assert_true(zl_region_covers("1301", "130102"));
    assert_true(zl_region_covers("130102", "130102"));
    assert_false(zl_region_covers("1302", "130102"));
    assert_false(zl_region_covers("130102", "13"));
    assert_false(zl_region_covers("", "130102"));
    assert_false(zl_region_covers("13", ""));
    assert_false(zl_region_covers(NULL, "13"));
}

static int count_cb(void *ctx, const char *json, size_t len)
{
    (void)json;
    (void)len;
    (*(size_t *)ctx)++;
    return 0;
}

/* Events of a query as viewer, walking every page of size per_page. */
static size_t walk(zl_store *s, const struct zl_viewer *v, const char *per,
                   size_t *pages)
{
    struct zl_error err = {0};
    char *next = NULL, tok[128] = "";
    size_t n = 0;

    *pages = 0;
    do {
        zl_query *q;

        assert_int_equal(zl_query_new(&q), 0);
        zl_query_set_viewer(q, v);
        if (per)
            assert_int_equal(zl_query_param(q, "perPage", per, &err), 0);
        if (tok[0])
            assert_int_equal(zl_query_param(q, "nextPageToken", tok, &err), 0);
        zl_free(next);
        next = NULL;
        assert_int_equal(
            zl_query_each(s, q, ZL_EPC_AS_CAPTURED, count_cb, &n, &next, &err),
            0);
        zl_query_free(q);
        (*pages)++;
        snprintf(tok, sizeof tok, "%s", next ? next : "");
    } while (next && *pages < 20);
    zl_free(next);
    return n;
}

static void test_query(void **state)
{
    struct fixture *f = *state;
    struct zl_viewer v;
    struct zl_error err = {0};
    zl_query *q;
    size_t n, pages;

    chain(f->s);
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        assert_int_equal(zl_viewer_for_party(f->s, TABLE[i].party, &v, &err),
                         0);
        assert_int_equal(walk(f->s, &v, NULL, &pages), strlen(TABLE[i].sees));
        /* pages of one: each page full, and exactly as many as events */
        n = walk(f->s, &v, "1", &pages);
        assert_int_equal(n, strlen(TABLE[i].sees));
        assert_int_equal(pages, n ? n : 1);
    }
    assert_int_equal(walk(f->s, NULL, "2", &pages), N_EV);
    assert_int_equal(pages, 3);
    /* eventCountLimit and maxEventCount count visible events */
    assert_int_equal(zl_viewer_for_party(f->s, "shop", &v, &err), 0);
    assert_int_equal(zl_query_new(&q), 0);
    zl_query_set_viewer(q, &v);
    assert_int_equal(zl_query_param(q, "eventCountLimit", "2", &err), 0);
    n = 0;
    assert_int_equal(
        zl_query_each(f->s, q, ZL_EPC_AS_CAPTURED, count_cb, &n, NULL, &err),
        0);
    assert_int_equal(n, 2);
    zl_query_free(q);
    assert_int_equal(zl_query_new(&q), 0);
    zl_query_set_viewer(q, &v);
    assert_int_equal(zl_query_param(q, "maxEventCount", "3", &err), 0);
    n = 0;
    assert_int_equal(
        zl_query_each(f->s, q, ZL_EPC_AS_CAPTURED, count_cb, &n, NULL, &err),
        0);
    assert_int_equal(n, 3);
    zl_query_free(q);
    assert_int_equal(zl_query_new(&q), 0);
    zl_query_set_viewer(q, &v);
    assert_int_equal(zl_query_param(q, "maxEventCount", "2", &err), 0);
    assert_int_equal(
        zl_query_each(f->s, q, ZL_EPC_AS_CAPTURED, count_cb, &n, NULL, &err),
        ZL_ELIMIT);
    zl_query_free(q);
}

struct vis {
    zl_store *s;
    const struct zl_viewer *v;
};

static int visible(void *ctx, const uint8_t hash[32])
{
    const struct vis *c = ctx;

    return zl_viewer_sees_event(c->s, c->v, hash);
}

/* 1 if the trace has a node for id. */
static int has_node(const zl_trace *t, const char *id)
{
    for (size_t i = 0; i < zl_trace_node_count(t); i++)
        if (!strcmp(zl_trace_node(t, i)->id, id))
            return 1;
    return 0;
}

static void trace_as(zl_store *s, const char *party, enum zl_trace_dir dir,
                     const char *start, size_t *events, int *reached,
                     const char *other)
{
    struct zl_trace_opts o;
    struct zl_viewer v;
    struct zl_error err = {0};
    struct vis c = {s, &v};
    zl_trace *t = NULL;

    memset(&o, 0, sizeof o);
    o.dir = dir;
    if (party) {
        assert_int_equal(zl_viewer_for_party(s, party, &v, &err), 0);
        o.visible = visible;
        o.visible_ctx = &c;
    }
    assert_int_equal(zl_trace_run(s, start, &o, &t, &err), 0);
    *events = zl_trace_event_count(t);
    *reached = has_node(t, other);
    zl_trace_free(t);
}

static void test_trace(void **state)
{
    struct fixture *f = *state;
    size_t n;
    int reached;

    chain(f->s);
    trace_as(f->s, NULL, ZL_TRACE_FORWARD, MILK, &n, &reached, PROD);
    assert_int_equal(n, 6);
    assert_true(reached);
    /* the farm sees MILK reach the dairy (E1, E2), not what became of it */
    trace_as(f->s, USCC_FARM, ZL_TRACE_FORWARD, MILK, &n, &reached, PROD);
    assert_int_equal(n, 2);
    assert_false(reached);
    /* the dairy: E2..E5 */
    trace_as(f->s, USCC_DAIRY, ZL_TRACE_FORWARD, MILK, &n, &reached, PROD);
    assert_int_equal(n, 4);
    assert_true(reached);
    /* the shop traces PROD back: E4..E6, not the dairy's transformation */
    trace_as(f->s, "shop", ZL_TRACE_BACKWARD, PROD, &n, &reached, MILK);
    assert_int_equal(n, 3);
    assert_false(reached);
    trace_as(f->s, "pharm", ZL_TRACE_BACKWARD, PROD, &n, &reached, MILK);
    assert_int_equal(n, 0);
    assert_false(reached);
}

/* ---- the regulator's condition in the SQL (issue 11) ----------------------
 * 240 events, one a minute, most at out-of-region sites (the shop's
 * readPoint, the pharmacy's bizLocation) or an unregistered GLN, a few
 * visible to reg-hebei each by one path only: the farm's site as
 * bizLocation, the dairy's site as readPoint, the dairy as capturing
 * party with no location. The pages with the store's pushed-down
 * condition must equal the row test alone (ZL_QUERY_NO_PUSHDOWN) and the
 * count written from the pattern. */
#define N_SPREAD 240

/* The schema version before the step that adds the sites index (SQLite,
 * PostgreSQL). */
#define SCHEMA_BEFORE_SITES    21
#define SCHEMA_BEFORE_PG_SITES 27

static int spread_kind(int i)
{
    if (i % 29 == 3)
        return 1; /* bizLocation in the region */
    if (i % 31 == 7)
        return 2; /* readPoint in the region */
    if (i % 43 == 5)
        return 3; /* captured by a party in the region, no location */
    return i % 17 == 0 ? 4 : 0; /* unregistered GLN, or out of region */
}

static void spread(zl_store *s)
{
    char body[1024], g[15], g2[15], loose[14], doc[2048];
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};

    chain(s);
    snprintf(loose, sizeof loose, "690000000001");
    loose[12] = (char)('0' + zl_gs1_check_digit(loose, 12));
    loose[13] = '\0';
    gtin("690000000002", g);
    gtin("694027710001", g2); /* the dairy's prefix: it may capture */
    for (int i = 0; i < N_SPREAD; i++) {
        int k = spread_kind(i);
        const char *rp = k == 2 ? DAIRY_GLNS[0] : SHOP_GLNS[0];
        const char *bl = k == 1 ? FARM_GLNS[0] : k == 4 ? loose : PHARM_GLNS[0];
        char where[256] = "";

        if (k != 3)
            snprintf(where, sizeof where,
                     ",\"readPoint\":{\"id\":\"https://id.gs1.org/414/%s\"},"
                     "\"bizLocation\":{\"id\":\"https://id.gs1.org/414/"
                     "%s\"}",
                     rp, bl);
        snprintf(body, sizeof body,
                 "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\","
                 "\"epcList\":[\"https://id.gs1.org/01/%s/21/S%d\"],"
                 "\"bizStep\":\"%s\"%s%s",
                 k == 3 ? g2 : g, i, i % 2 ? "retail_selling" : "shipping",
                 i % 3 ? "" : ",\"disposition\":\"in_transit\"", where);
        snprintf(doc, sizeof doc,
                 "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
                 "2.0.0/epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
                 "\"schemaVersion\":\"2.0\",\"creationDate\":"
                 "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
                 "\"eventTime\":\"2026-06-01T%02d:%02d:00Z\","
                 "\"eventTimeZoneOffset\":\"+00:00\",%s}]}}",
                 i / 60, i % 60 - i % 3, body); /* ties: three a minute */
        o.party = k == 3 ? USCC_DAIRY : NULL;
        if (zl_capture(s, doc, strlen(doc), &o, &r, &err))
            fail_msg("spread %d refused: %s %s %s", i, err.path, err.rule,
                     err.value);
    }
}

struct page_text {
    struct zl_buf all;
    size_t n;
};

static int text_cb(void *ctx, const char *json, size_t len)
{
    struct page_text *t = ctx;

    t->n++;
    assert_int_equal(zl_buf_add(&t->all, json, len), 0);
    return zl_buf_addc(&t->all, '\n');
}

/* Every page (perPage per) of the query param=value (and param2=value2
 * when param2 is set) as party, into t. */
static void pages_as(zl_store *s, const char *party, const char *param,
                     const char *value, const char *param2, const char *value2,
                     const char *per, struct page_text *t)
{
    struct zl_viewer v;
    struct zl_error err = {0};
    char *next = NULL, tok[128] = "";
    int pages = 0;

    assert_int_equal(zl_viewer_for_party(s, party, &v, &err), 0);
    do {
        zl_query *q;

        assert_int_equal(zl_query_new(&q), 0);
        zl_query_set_viewer(q, &v);
        assert_int_equal(zl_query_param(q, "perPage", per, &err), 0);
        if (param)
            assert_int_equal(zl_query_param(q, param, value, &err), 0);
        if (param2)
            assert_int_equal(zl_query_param(q, param2, value2, &err), 0);
        if (tok[0])
            assert_int_equal(zl_query_param(q, "nextPageToken", tok, &err), 0);
        zl_free(next);
        next = NULL;
        assert_int_equal(
            zl_query_each(s, q, ZL_EPC_AS_CAPTURED, text_cb, t, &next, &err),
            0);
        zl_query_free(q);
        snprintf(tok, sizeof tok, "%s", next ? next : "");
    } while (next && ++pages < 200);
    zl_free(next);
}

/* The modes a regulator's query can run in (sqlite_query.c): the sites
 * index merged (the default), the same in batches of one candidate (so
 * every tie of times is split across batches), the region's condition in
 * the plain scan, and the row test alone. Each must give the same pages. */
static const struct {
    const char *name, *value;
} MODES[][2] = {
    {{NULL, NULL}, {NULL, NULL}},
    {{"ZL_QUERY_SITES_BATCH", "1"}, {NULL, NULL}},
    {{"ZL_QUERY_NO_SITES", "1"}, {NULL, NULL}},
    {{"ZL_QUERY_NO_PUSHDOWN", "1"}, {NULL, NULL}},
    /* every pattern broad: the candidates tested on their identifiers */
    {{"ZL_QUERY_WALK_IDENTS", "1"}, {NULL, NULL}},
    {{"ZL_QUERY_WALK_IDENTS", "1"}, {"ZL_QUERY_SITES_BATCH", "1"}},
};
#define N_MODES (sizeof MODES / sizeof MODES[0])

static void set_mode(size_t m)
{
    unsetenv("ZL_QUERY_SITES_BATCH");
    unsetenv("ZL_QUERY_NO_SITES");
    unsetenv("ZL_QUERY_NO_PUSHDOWN");
    unsetenv("ZL_QUERY_WALK_IDENTS");
    for (size_t i = 0; i < 2; i++)
        if (MODES[m][i].name)
            setenv(MODES[m][i].name, MODES[m][i].value, 1);
}

#define SHOP_DL  "https://id.gs1.org/414/6904642000005"
#define PHARM_DL "https://id.gs1.org/414/6947782500011"
#define DAIRY_DL "https://id.gs1.org/414/6940277700002"

static void test_pushdown(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *party, *param, *value, *param2, *value2, *per;
        int hebei; /* 1: reg-hebei's answer, checked against the pattern */
    } Q[] = {
        {"reg-hebei", NULL, NULL, NULL, NULL, "7", 1},
        {"reg-hebei", "EQ_bizStep", "retail_selling", NULL, NULL, "7", 1},
        {"reg-hebei", "GE_eventTime", "2026-06-01T01:00:00Z", NULL, NULL, "7",
         1},
        {"reg-hebei", "EQ_bizStep", "shipping", "orderDirection", "DESC", "5",
         0},
        {"reg-hebei", "EQ_disposition", "in_transit", NULL, NULL, "4", 0},
        {"reg-hebei", "LT_eventTime", "2026-06-01T02:30:00Z", "GE_eventTime",
         "2026-06-01T00:31:00Z", "3", 0},
        /* readPoint and bizLocation the region does not hold: the events
         * there it sees by their other location (sites attributes 3, 4) */
        {"reg-hebei", "EQ_readPoint", SHOP_DL, NULL, NULL, "4", 0},
        {"reg-hebei", "EQ_bizLocation", PHARM_DL, NULL, NULL, "4", 0},
        {"reg-hebei", "EQ_readPoint", DAIRY_DL, "EQ_bizStep", "shipping", "2",
         0},
        {"reg-hebei", "eventType", "ObjectEvent", "orderDirection", "DESC", "6",
         0},
        /* class patterns: the region's events tested on their items */
        {"reg-hebei", "MATCH_anyEPC", "https://id.gs1.org/01/*", NULL, NULL,
         "7", 0},
        {"reg-hebei", "MATCH_epc", "https://id.gs1.org/01/06940277100*",
         "orderDirection", "DESC", "3", 0},
        {"reg-hebei", "MATCH_epc", "https://id.gs1.org/01/0690000000002*",
         "EQ_bizStep", "retail_selling", "4", 0},
        {"reg-1301", NULL, NULL, NULL, NULL, "7", 0},
        {"reg-beijing", "EQ_bizStep", "shipping", NULL, NULL, "7", 0},
    };

    spread(f->s);
    for (size_t i = 0; i < sizeof Q / sizeof Q[0]; i++) {
        struct page_text t[N_MODES];
        size_t want = 0;

        for (size_t m = 0; m < N_MODES; m++) {
            zl_buf_init(&t[m].all, (size_t)8 << 20);
            t[m].n = 0;
            set_mode(m);
            pages_as(f->s, Q[i].party, Q[i].param, Q[i].value, Q[i].param2,
                     Q[i].value2, Q[i].per, &t[m]);
        }
        set_mode(0);
        for (size_t m = 1; m < N_MODES; m++) {
            if (t[m].n != t[0].n || t[m].all.len != t[0].all.len)
                fail_msg("query %zu, mode %zu: %zu events, %zu bytes; the"
                         " sites index %zu, %zu",
                         i, m, t[m].n, t[m].all.len, t[0].n, t[0].all.len);
            assert_memory_equal(t[m].all.data, t[0].all.data, t[0].all.len);
        }
        /* every query but reg-beijing's sees something: the comparison
         * is not between empty pages */
        if (strcmp(Q[i].party, "reg-beijing"))
            assert_true(t[0].n > 0);
        if (Q[i].hebei) {
            for (int e = 0; e < N_SPREAD; e++)
                want += spread_kind(e) && spread_kind(e) != 4 &&
                        (!Q[i].param || (Q[i].param[0] == 'E' && e % 2) ||
                         (Q[i].param[0] == 'G' && e >= 60));
            /* the chain's E1-E5 are in Hebei too; EQ_bizStep and the
             * time bound leave them out */
            assert_int_equal(t[0].n, want + (Q[i].param ? 0 : 5));
        }
        for (size_t m = 0; m < N_MODES; m++)
            zl_buf_cleanup(&t[m].all);
    }
    /* the admitted sites a query keeps for the next are dropped when the
     * store changes: a party registered in the region since, and an
     * event at its site, are in the next answer */
    {
        static char gln[14] = "690123400001";
        const char *HB2[] = {gln};
        struct page_text t[2];
        char doc[1024];
        struct zl_capture_opts o = {0};
        struct zl_capture_result r;
        struct zl_error err = {0};

        for (size_t k = 0; k < 2; k++) {
            zl_buf_init(&t[k].all, (size_t)8 << 20);
            t[k].n = 0;
        }
        gln[12] = (char)('0' + zl_gs1_check_digit(gln, 12));
        pages_as(f->s, "reg-hebei", NULL, NULL, NULL, NULL, "50", &t[0]);
        add(f->s, "hb2", NULL, HB2, 1, NULL, ZL_PARTY_ENTERPRISE, "130104");
        snprintf(doc, sizeof doc,
                 "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
                 "2.0.0/epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
                 "\"schemaVersion\":\"2.0\",\"creationDate\":"
                 "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
                 "\"eventTime\":\"2026-06-02T00:00:00Z\","
                 "\"eventTimeZoneOffset\":\"+00:00\",\"type\":"
                 "\"ObjectEvent\",\"action\":\"OBSERVE\",\"epcList\":["
                 "\"https://id.gs1.org/01/06900000000021/21/HB2\"],"
                 "\"bizLocation\":{\"id\":\"https://id.gs1.org/414/%s\"}}]}}",
                 HB2[0]);
        if (zl_capture(f->s, doc, strlen(doc), &o, &r, &err))
            fail_msg("hb2 refused: %s %s %s", err.path, err.rule, err.value);
        pages_as(f->s, "reg-hebei", NULL, NULL, NULL, NULL, "50", &t[1]);
        assert_int_equal(t[1].n, t[0].n + 1);
        for (size_t k = 0; k < 2; k++)
            zl_buf_cleanup(&t[k].all);
    }
    /* The index is the merge's only way to the rows (SQLite's since
     * schema 22, PostgreSQL's since 30). Emptied behind the store's back,
     * the region's pages lose their events; rewriting the rows (what
     * reindex's upsert does) fires the update trigger, which puts them
     * back. */
    {
        int pg = fixture_is_pg(f->uri);
        struct page_text t[2];

        assert_int_equal(zl_store_exec_sql(f->s, "DELETE FROM event_sites"), 0);
        for (size_t k = 0; k < 2; k++) {
            zl_buf_init(&t[k].all, (size_t)8 << 20);
            t[k].n = 0;
        }
        pages_as(f->s, "reg-hebei", "EQ_bizStep", "retail_selling", NULL, NULL,
                 "7", &t[0]);
        set_mode(3);
        pages_as(f->s, "reg-hebei", "EQ_bizStep", "retail_selling", NULL, NULL,
                 "7", &t[1]);
        set_mode(0);
        assert_int_equal(t[0].n, 0);
        assert_true(t[1].n > 0);
        assert_int_equal(
            zl_store_exec_sql(f->s, "UPDATE events SET party = party"), 0);
        zl_buf_reset(&t[0].all);
        t[0].n = 0;
        pages_as(f->s, "reg-hebei", "EQ_bizStep", "retail_selling", NULL, NULL,
                 "7", &t[0]);
        assert_int_equal(t[0].n, t[1].n);
        assert_memory_equal(t[0].all.data, t[1].all.data, t[1].all.len);
        /* the migration step fills it from the stored events: the store
         * set back before the step, its index and triggers gone, answers
         * the same once reopened */
        {
            struct zl_error err = {0};
            char v[16];
            int ver = 0;

            assert_int_equal(
                zl_store_exec_sql(f->s, pg ? "DROP TRIGGER event_sites_t ON"
                                             " events;"
                                             "DROP TABLE event_sites;"
                                             "DROP TABLE site_parties;"
                                             "DROP TABLE site_vocab"
                                           : "DROP TRIGGER event_sites_ai;"
                                             "DROP TRIGGER event_sites_au;"
                                             "DROP TRIGGER event_sites_ad;"
                                             "DROP TABLE event_sites;"
                                             "DROP TABLE site_parties"),
                0);
            snprintf(v, sizeof v, "%d",
                     pg ? SCHEMA_BEFORE_PG_SITES : SCHEMA_BEFORE_SITES);
            assert_int_equal(
                zl_store_meta_set(f->s, "store.schema_version", v, strlen(v)),
                0);
            zl_close(f->s);
            assert_int_equal(zl_open(f->uri, &f->s, &err), 0);
            assert_int_equal(zl_store_schema_version(f->s, &ver), 0);
            assert_int_equal(ver, ZL_STORE_SCHEMA_VERSION);
            zl_buf_reset(&t[0].all);
            t[0].n = 0;
            pages_as(f->s, "reg-hebei", "EQ_bizStep", "retail_selling", NULL,
                     NULL, "7", &t[0]);
            assert_int_equal(t[0].n, t[1].n);
            assert_memory_equal(t[0].all.data, t[1].all.data, t[1].all.len);
        }
        for (size_t k = 0; k < 2; k++)
            zl_buf_cleanup(&t[k].all);
    }
}

/* ---- the admitted sites kept across captures (schema 24) ------------------
 * admitted_sites.c keeps the sites a regulator's rule admitted (for
 * SQLite's index and, since schema 30, PostgreSQL's) and, after a
 * capture, asks the rule only about the locations and parties new since;
 * a change to what the rule reads (a party registered, moved to another
 * region, or its region edited behind the store's back) makes it ask about
 * every one again. The rule is counted here through the filter's own
 * admits (the store API a query calls), and the pages are compared with
 * the row test alone (ZL_QUERY_NO_PUSHDOWN). */
struct counted {
    zl_store *s;
    struct zl_viewer v;
    zl_viewer_memo *memo;
    size_t calls;
    char asked[128];   /* the last string asked about */
    const char *watch; /* a string whose asking is counted apart */
    size_t watch_calls;
};

static int counted_admits(void *ctx, char kind, const char *str)
{
    struct counted *c = ctx;

    c->calls++;
    snprintf(c->asked, sizeof c->asked, "%s", str);
    if (c->watch && !strcmp(c->watch, str))
        c->watch_calls++;
    return zl_viewer_region_admits(c->s, &c->v, c->memo, kind, str);
}

static int counted_keep(void *ctx, const struct zl_stored_event *ev)
{
    struct counted *c = ctx;

    return zl_viewer_sees_stored_memo(c->s, &c->v, c->memo, ev);
}

static int count_ev(void *ctx, const struct zl_stored_event *ev)
{
    (void)ev;
    ++*(size_t *)ctx;
    return 0;
}

/* reg-hebei's events through the store's query with the counted rule: the
 * number of events; c->calls counts the rule's questions of this query. */
static size_t counted_query(struct counted *c)
{
    struct zl_event_filter f;
    size_t n = 0;

    memset(&f, 0, sizeof f);
    f.order_by = ZL_ORDER_EVENT_TIME;
    f.keep = counted_keep;
    f.keep_ctx = c;
    f.admits = counted_admits;
    f.admits_ctx = c;
    f.admits_key = "test: region 13";
    c->calls = 0;
    c->watch_calls = 0;
    assert_int_equal(zl_store_events_query(c->s, &f, count_ev, &n), 0);
    return n;
}

/* One event at bizLocation loc (a full identifier), the hour h of 3 June. */
static void capture_at(zl_store *s, const char *loc, int h, const char *serial)
{
    char doc[1536];
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};

    snprintf(doc, sizeof doc,
             "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
             "2.0.0/epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
             "\"schemaVersion\":\"2.0\",\"creationDate\":"
             "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
             "\"eventTime\":\"2026-06-03T%02d:00:00Z\","
             "\"eventTimeZoneOffset\":\"+00:00\",\"type\":"
             "\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"
             "\"shipping\",\"epcList\":["
             "\"https://id.gs1.org/01/06900000000021/21/%s\"],"
             "\"readPoint\":{\"id\":\"" SHOP_DL "\"},"
             "\"bizLocation\":{\"id\":\"%s\"}}]}}",
             h, serial, loc);
    if (zl_capture(s, doc, strlen(doc), &o, &r, &err))
        fail_msg("%s refused: %s %s %s", serial, err.path, err.rule, err.value);
}

/* reg-hebei's pages (every event, 9 a page) through the sites index, the
 * region's condition in the scan (both from the kept sites) and the row
 * test alone: the same, and their number. */
static size_t hebei_pages(zl_store *s)
{
    struct page_text t[3];
    size_t n;

    for (size_t k = 0; k < 3; k++) {
        zl_buf_init(&t[k].all, (size_t)8 << 20);
        t[k].n = 0;
        set_mode(k + (k > 0)); /* modes 0, 2, 3 */
        pages_as(s, "reg-hebei", NULL, NULL, NULL, NULL, "9", &t[k]);
    }
    set_mode(0);
    for (size_t k = 0; k < 2; k++) {
        if (t[k].n != t[2].n || t[k].all.len != t[2].all.len)
            fail_msg("kept sites, mode %zu: %zu events, the row test alone"
                     " %zu",
                     k, t[k].n, t[2].n);
        assert_memory_equal(t[k].all.data, t[2].all.data, t[2].all.len);
    }
    n = t[0].n;
    for (size_t k = 0; k < 3; k++)
        zl_buf_cleanup(&t[k].all);
    return n;
}

/* The pharmacy's registry entry moved to Hebei (region 130105): a change
 * to what a regulator's rule reads. */
static void pharm_in_hebei(struct zl_party *p)
{
    memset(p, 0, sizeof *p);
    p->id = "pharm";
    p->name_zh = "x";
    p->glns = PHARM_GLNS;
    p->n_glns = 1;
    p->kind = ZL_PARTY_ENTERPRISE;
    p->region = "130105";
}
static void test_sites_kept(void **state)
{
    struct fixture *f = *state;
    struct counted c;
    struct zl_error err = {0};
    const char *FARM_SUB = "https://id.gs1.org/414/6915669000008/254/7";
    const char *PHARM_SUB = "https://id.gs1.org/414/6947782500011/254/1";
    size_t all, n0, n1, n2, p0;

    spread(f->s);
    memset(&c, 0, sizeof c);
    c.s = f->s;
    assert_int_equal(zl_viewer_for_party(f->s, "reg-hebei", &c.v, &err), 0);
    assert_int_equal(zl_viewer_memo_new(&c.memo), 0);
    n0 = counted_query(&c);
    all = c.calls; /* every location and party, once */
    p0 = hebei_pages(f->s);
    assert_int_equal(n0, p0);
    assert_true(all > 5);
    /* (c) a capture at known places: nobody is asked about anything */
    capture_at(f->s, SHOP_DL, 1, "K1");
    assert_int_equal(counted_query(&c), n0);
    assert_int_equal(c.calls, 0);
    /* (a) new places of known parties: the farm's (Hebei) is admitted,
     * the pharmacy's (Shanghai) refused; only they are asked about */
    capture_at(f->s, FARM_SUB, 2, "K2");
    capture_at(f->s, PHARM_SUB, 3, "K3");
    n1 = counted_query(&c);
    assert_int_equal(n1, n0 + 1);
    assert_int_equal(c.calls, 2);
    assert_string_equal(c.asked, PHARM_SUB);
    assert_int_equal(hebei_pages(f->s), p0 + 1);
    /* (b) the pharmacy moves to Hebei: its old places are asked about
     * again, and its events (the spread's bizLocations) come in */
    {
        struct zl_party p;

        pharm_in_hebei(&p);
        assert_int_equal(zl_party_add(f->s, &p, 1, NULL, &err), 0);
    }
    c.watch = PHARM_DL;
    zl_viewer_memo_free(c.memo); /* the memo is one request's */
    assert_int_equal(zl_viewer_memo_new(&c.memo), 0);
    assert_true(counted_query(&c) > n1 + 1);
    assert_int_equal(c.watch_calls, 1);
    assert_true(hebei_pages(f->s) > p0 + 2);
    /* the shop (Beijing) moved to Hebei behind the store's back, by a
     * direct SQL edit of its region: the kept sites follow (the edit
     * must add events: sites kept too long only ever admit too many,
     * which the row test hides) */
    n2 = counted_query(&c);
    assert_int_equal(zl_store_exec_sql(f->s, "UPDATE party_kinds SET region"
                                             " = '130106' WHERE party_id ="
                                             " 'shop'"),
                     0);
    zl_viewer_memo_free(c.memo);
    assert_int_equal(zl_viewer_memo_new(&c.memo), 0);
    assert_true(counted_query(&c) > n2);
    assert_true(hebei_pages(f->s) > n2);
    zl_viewer_memo_free(c.memo);
}

/* ---- the rule's memo kept between requests --------------------------------
 * A regulator's answers (is this party, this location's owner, in the
 * region?) are kept on the handle from one request to the next while the
 * store is unchanged (zl_viewer_memo_get): the next pages ask the registry
 * nothing; a registry change by another process, and one by this
 * handle's own connection through SQL, must each be in the next pages
 * (each adds events: an answer kept too long would hide them). */

/* How many times the handle has looked a GLN's owner up (SQLite: its
 * cached statement's runs; the rule's location answers start there). */
static int owner_lookups(zl_store *s)
{
    sqlite3 *db = zl_sqlite_db(s);

    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st;
         st = sqlite3_next_stmt(db, st))
        if (!strcmp(sqlite3_sql(st),
                    "SELECT party_id FROM party_gln WHERE gln=?"))
            return sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0);
    return 0;
}

static void test_memo_kept(void **state)
{
    struct fixture *f = *state;
    int sqlite = !strcmp(zl_store_backend_name(f->s), "sqlite"), st, l0;
    size_t p0, p1;
    pid_t pid;

    spread(f->s);
    p0 = hebei_pages(f->s);
    assert_true(p0 > 0);
    /* nothing changed: the rule asks the registry nothing */
    l0 = sqlite ? owner_lookups(f->s) : 0;
    assert_int_equal(hebei_pages(f->s), p0);
    if (sqlite) {
        assert_true(l0 > 0);
        assert_int_equal(owner_lookups(f->s), l0);
    }
    /* another process moves the pharmacy (Shanghai) to Hebei */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct zl_party p;
        zl_store *o = NULL;

        pharm_in_hebei(&p);
        if (zl_open(f->uri, &o, NULL) || zl_party_add(o, &p, 1, NULL, NULL))
            _exit(1);
        zl_close(o);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    p1 = hebei_pages(f->s);
    assert_true(p1 > p0);
    /* this handle's connection moves the shop (Beijing) to Hebei by SQL,
     * outside a transaction: no commit of its own to count */
    assert_true(fixture_sql_changes(f->s, "UPDATE party_kinds SET region ="
                                          " '130106' WHERE party_id ="
                                          " 'shop'") >= 1);
    assert_true(hebei_pages(f->s) > p1);
}

/* ---- the rule's answers by event, kept between requests --------------------
 * A kept memo keeps each event's answer (visibility.c, verdict_get): a
 * server's next trace for the same party asks the store nothing about an
 * event an earlier one asked about, and the answers are the table's; a
 * registry change by another process (the dairy registered in Beijing)
 * must be in the next request's answers. */

/* Runs of the handle's statement that reads an event's row for the rule
 * (SQLite: sqlite_trace.c's events_meta). */
static int meta_reads(zl_store *s)
{
    sqlite3 *db = zl_sqlite_db(s);
    int n = 0;

    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st;
         st = sqlite3_next_stmt(db, st))
        if (!strncmp(sqlite3_sql(st), "SELECT hash, type, action,", 26) &&
            strstr(sqlite3_sql(st), "FROM events WHERE hkey"))
            n += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0);
    return n;
}

/* "345": the events party sees through a kept memo, one request. */
static void kept_answers(zl_store *s, const char *party, char out[N_EV + 1])
{
    struct zl_viewer v;
    struct zl_error err = {0};
    zl_viewer_memo *m = NULL;
    size_t n = 0;

    assert_int_equal(zl_viewer_for_party(s, party, &v, &err), 0);
    assert_int_equal(zl_viewer_memo_get(s, &v, &m), 0);
    for (int k = 1; k <= N_EV; k++) {
        int rc = zl_viewer_sees_event_memo(s, &v, m, H[k]);

        assert_true(rc == 0 || rc == 1);
        if (rc)
            out[n++] = (char)('0' + k);
    }
    out[n] = '\0';
    zl_viewer_memo_put(s, m);
}

static void test_verdicts_kept(void **state)
{
    struct fixture *f = *state;
    int sqlite = !strcmp(zl_store_backend_name(f->s), "sqlite"), st, r0 = 0;
    char got[N_EV + 1];
    pid_t pid;

    chain(f->s);
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        if (!strcmp(TABLE[i].party, "op"))
            continue; /* reads no events: the server answers 403 first */
        for (int pass = 0; pass < 2; pass++) {
            if (sqlite)
                r0 = meta_reads(f->s);
            kept_answers(f->s, TABLE[i].party, got);
            if (strcmp(got, TABLE[i].sees))
                fail_msg("%s through a kept memo (pass %d): sees \"%s\", "
                         "want \"%s\"",
                         TABLE[i].party, pass, got, TABLE[i].sees);
            /* the first request reads the rows, the second none */
            if (sqlite && pass == 1 && meta_reads(f->s) != r0)
                fail_msg("%s: the second request read %d event rows again",
                         TABLE[i].party, meta_reads(f->s) - r0);
            if (sqlite && pass == 0 && meta_reads(f->s) == r0)
                fail_msg("%s: the first request read no event row",
                         TABLE[i].party);
        }
    }
    /* another process registers the dairy in Beijing (110105): its
     * captures E3..E5 are now the Beijing regulator's */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *pre[1] = {"6940277"};
        struct zl_party p;
        zl_store *o = NULL;

        memset(&p, 0, sizeof p);
        p.uscc = USCC_DAIRY;
        p.name_zh = "x";
        p.glns = DAIRY_GLNS;
        p.n_glns = 1;
        p.prefixes = pre;
        p.n_prefixes = 1;
        p.kind = ZL_PARTY_ENTERPRISE;
        p.region = "110105";
        if (zl_open(f->uri, &o, NULL) || zl_party_add(o, &p, 1, NULL, NULL))
            _exit(1);
        zl_close(o);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    kept_answers(f->s, "reg-beijing", got);
    assert_string_equal(got, "345");
    kept_answers(f->s, "reg-hebei", got);
    assert_string_equal(got, "12");
}

/* ---- an enterprise's pages through its candidates (schema 27) -----------
 * sqlite_query.c narrows an enterprise's pages to its candidates: its
 * sites' and captures' events (the sites index), the events naming it as
 * a source or destination (the trade index, sqlite_trade.c) and custody's
 * candidates (the events of goods it was shipped or received, from each
 * receipt to the goods' next shipment or receipt elsewhere: custody's
 * spells, below). Differential, on a generated demo chain: every page of each
 * filter kind (bizStep, disposition, readPoint, bizLocation, time bounds,
 * none), both directions, for every enterprise that sees something (farms,
 * collection stations, the dairy plant, the distribution centres, the
 * shops), in four modes (the merge, the merge in batches of one, no
 * sites, the row test alone: ZL_QUERY_NO_PUSHDOWN) must be the same,
 * with two receipts' goods leaving and coming back (spells()).
 * Without the trade and custody candidates (ZL_QUERY_NO_TRADE_CUSTODY)
 * some pages must lose events. A location-less observation captured after
 * a page must be in its receiver's next page (custody alone; the kept
 * candidates read again). On SQLite the trade index emptied behind the
 * store's back must lose events too, and the references' rewrite (its
 * update trigger, what reindex's rewrite does through the insert one)
 * brings them back. */
#define N_RECEIPTS 24

struct times {
    int64_t t[4096];
    size_t n;
    char rp[128], bl[128];
    uint8_t rh[N_RECEIPTS][32]; /* receipts, at most one an hour */
    int64_t rt[N_RECEIPTS];
    char rbl[N_RECEIPTS][128]; /* their bizLocations ("" for none) */
    size_t n_r;
};

static int times_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct times *c = ctx;

    if (c->n < sizeof c->t / sizeof c->t[0])
        c->t[c->n++] = ev->event_time_ms;
    /* a readPoint and a bizLocation of receipts: the DCs' and shops' */
    if (ev->biz_step && strstr(ev->biz_step, "receiving")) {
        if (!c->rp[0] && ev->read_point)
            snprintf(c->rp, sizeof c->rp, "%s", ev->read_point);
        if (ev->biz_location)
            snprintf(c->bl, sizeof c->bl, "%s", ev->biz_location);
        if (c->n_r < N_RECEIPTS &&
            (!c->n_r || ev->event_time_ms > c->rt[c->n_r - 1] + 3600000)) {
            memcpy(c->rh[c->n_r], ev->hash, 32);
            snprintf(c->rbl[c->n_r], sizeof c->rbl[0], "%s",
                     ev->biz_location ? ev->biz_location : "");
            c->rt[c->n_r++] = ev->event_time_ms;
        }
    }
    return 0;
}

/* The first identifier of an event, and whether it names a class. */
struct first_id {
    char id[160];
    int cls;
};

static int first_id_cb(void *ctx, const struct zl_id_row *r)
{
    struct first_id *c = ctx;

    if (c->id[0] || strlen(r->id) >= sizeof c->id)
        return 0;
    snprintf(c->id, sizeof c->id, "%s", r->id);
    c->cls = r->role >= ZL_ROLE_QTY;
    return 0;
}

/* Capture one ObjectEvent (OBSERVE) at t, by the store operator, with
 * fields (its bizStep, identifiers, places...). */
static void capture_object(zl_store *s, int64_t t, const char *fields)
{
    char when[32], doc[1536];
    struct zl_capture_result r;
    struct zl_error err = {0};

    zl_time_format_utc(t, when);
    snprintf(doc, sizeof doc,
             "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
             "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
             "\"schemaVersion\":\"2.0\",\"creationDate\":"
             "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
             "\"eventTime\":\"%s\",\"eventTimeZoneOffset\":\"+08:00\","
             "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",%s}]}}",
             when, fields);
    if (zl_capture(s, doc, strlen(doc), NULL, &r, &err))
        fail_msg("event refused: %s %s %s (%s)", err.path, err.rule, err.value,
                 fields);
}

/* Capture one location-less ObjectEvent (inspecting, in_transit) at t,
 * by the store operator, with what (its identifier and party fields). */
static void capture_inspection(zl_store *s, int64_t t, const char *what)
{
    char fields[1024];

    snprintf(fields, sizeof fields,
             "\"bizStep\":\"inspecting\",\"disposition\":\"in_transit\",%s",
             what);
    capture_object(s, t, fields);
}

/* A location-less observation by the store operator of goods no one
 * received, naming the dairy plant (the demo's 91130102117504341K) as its
 * source: the plant sees it by trade alone (rule 3). */
static void source_only(zl_store *s, int64_t t)
{
    char g[15], what[256];

    gtin("690000000002", g);
    snprintf(what, sizeof what,
             "\"epcList\":[\"https://id.gs1.org/01/%s/21/SRC\"],"
             "\"sourceList\":[{\"type\":\"owning_party\",\"source\":"
             "\"https://id.gs1.org/417/6940277700002\"}]",
             g);
    capture_inspection(s, t, what);
}

/* The first identifier of the receipt rh into fi, and as event fields
 * (an epcList or a quantityList) into what. */
static void received_what(zl_store *s, const uint8_t rh[32],
                          struct first_id *fi, char what[256])
{
    memset(fi, 0, sizeof *fi);
    assert_int_equal(zl_store_event_ids(s, (const uint8_t(*)[32])rh, 1,
                                        ZL_ID_ROLES_ALL, first_id_cb, fi),
                     0);
    assert_true(fi->id[0] != '\0');
    if (fi->cls)
        snprintf(what, 256,
                 "\"quantityList\":[{\"epcClass\":\"%s\",\"quantity\":1,"
                 "\"uom\":\"KGM\"}]",
                 fi->id);
    else
        snprintf(what, 256, "\"epcList\":[\"%s\"]", fi->id);
}

/* A location-less observation by the store operator of the first
 * identifier of the receipt rh, at its time + dt_ms: its receiver sees it
 * by custody alone (rule 4), unless dt_ms < 0. */
static void observe_received(zl_store *s, const uint8_t rh[32], int64_t t,
                             int64_t dt_ms)
{
    struct first_id fi;
    char what[256];

    received_what(s, rh, &fi, what);
    capture_inspection(s, t + dt_ms, what);
}

/* ---- custody's spells ------------------------------------------------------
 * Custody ends at the identifier's next shipping or receiving event that
 * does not give the goods to the party, and a later one that does gives
 * them back (rule 4; the store cuts its candidates there, sqlite_query.c
 * custody_walk). spells() writes such a history for the first identifier
 * X of a receipt at t (by the store operator, no location unless said;
 * ticks of a second after t):
 *   0    three observations: ties with the receipt
 *   10   a shipment (bare `shipping`) with no destination: no one holds X
 *        after it; with twelve observations at the same time, which the rule
 *        orders by hash: before the shipment (seen) or after it (not)
 *   15   an observation: not seen
 *   20   a receipt (`receiving`) at the receipt's bizLocation: X is back
 *   25   a shipment declared erroneous: it decides nothing
 *   30   an observation: seen (the spell from 20)
 *   35   a shipment (the CBV URI) with no destination; 40 an observation,
 *        not seen
 * The receipt must be X's last event for a minute (picked so). The pages
 * of every mode must agree on all of it (test_enterprise_pages); a cut
 * too early (at the cut's time exclusive, at the erroneous shipment, or
 * no second spell) loses events the rule admits. */
#define TICK_MS 1000

struct spell {
    char id[160], party[ZL_PARTY_ID_MAX];
    int64_t t;
};

/* The events of X (c->id) at time c->t and their bizSteps. */
struct at_time {
    const char *id;
    int64_t t;
    uint8_t h[16][32];
    size_t n;
};

static int at_time_cb(void *ctx, const struct zl_id_row *r)
{
    struct at_time *c = ctx;

    if (r->event_time_ms == c->t && c->n < 16 &&
        (!c->n || memcmp(c->h[c->n - 1], r->hash, 32)))
        memcpy(c->h[c->n++], r->hash, 32);
    return 0;
}

struct step_of {
    char step[64];
};

static int step_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct step_of *c = ctx;

    snprintf(c->step, sizeof c->step, "%s", ev->biz_step ? ev->biz_step : "");
    return 0;
}

/* How many observations (inspecting) of sp's identifier at t + tick
 * ticks its party sees (*seen) and does not (*unseen), by the rule. */
static void spell_seen(zl_store *s, const struct spell *sp, int tick,
                       size_t *seen, size_t *unseen)
{
    struct at_time at = {sp->id, sp->t + tick * TICK_MS, {{0}}, 0};
    const char *ids[1] = {sp->id};
    struct zl_viewer v;

    *seen = *unseen = 0;
    assert_int_equal(zl_viewer_for_party(s, sp->party, &v, NULL), 0);
    assert_int_equal(zl_store_id_lookup(s, ids, 1, at_time_cb, &at), 0);
    for (size_t i = 0; i < at.n; i++) {
        struct step_of so = {{0}};
        int rc;

        assert_int_equal(zl_store_trace_events_meta(
                             s, (const uint8_t(*)[32])at.h[i], 1, step_cb, &so),
                         0);
        if (!strstr(so.step, "inspecting"))
            continue;
        rc = zl_viewer_sees_event(s, &v, at.h[i]);
        assert_true(rc == 0 || rc == 1);
        if (rc)
            (*seen)++;
        else
            (*unseen)++;
    }
}

/* Whether X has an event in (t, t + 60 ticks]. */
struct quiet {
    int64_t t;
    int busy;
};

static int quiet_cb(void *ctx, const struct zl_id_row *r)
{
    struct quiet *c = ctx;

    c->busy |=
        r->event_time_ms > c->t && r->event_time_ms <= c->t + 60 * TICK_MS;
    return 0;
}

/* spells() for receipt rh at t, at bizLocation bl: 1 and *sp filled, or
 * 0 when the receipt does not qualify (X not quiet for a minute, or its
 * place no party's). */
static int spells(zl_store *s, const uint8_t rh[32], int64_t t, const char *bl,
                  struct spell *sp)
{
    struct first_id fi;
    struct quiet q = {t, 0};
    char what[256], fields[1024], gln[14], when[32];
    const char *ids[1];

    received_what(s, rh, &fi, what);
    ids[0] = fi.id;
    assert_int_equal(zl_store_id_lookup(s, ids, 1, quiet_cb, &q), 0);
    if (q.busy || zl_party_location_gln(bl, gln) ||
        zl_store_gln_owner(s, gln, sp->party))
        return 0;
    snprintf(sp->id, sizeof sp->id, "%s", fi.id);
    sp->t = t;
    /* observations differ by a business transaction (the hash); those at
     * 10 are stored after the shipment, so a store's own order of ties
     * (the row number) puts every one after it: only the rule's hash
     * order says which come before */
    for (int k = 0; k < 15; k++) {
        if (k == 3) {
            snprintf(fields, sizeof fields, "\"bizStep\":\"shipping\",%s",
                     what);
            capture_object(s, t + 10 * TICK_MS, fields);
        }
        snprintf(fields, sizeof fields,
                 "\"bizStep\":\"inspecting\",\"bizTransactionList\":[{"
                 "\"type\":\"po\",\"bizTransaction\":"
                 "\"urn:epcglobal:cbv:bt:6940277700002:T%d\"}],%s",
                 k, what);
        capture_object(s, t + (k < 3 ? 0 : 10) * TICK_MS, fields);
    }
    snprintf(fields, sizeof fields, "\"bizStep\":\"inspecting\",%s", what);
    capture_object(s, t + 15 * TICK_MS, fields);
    snprintf(fields, sizeof fields,
             "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":\"%s\"},%s", bl,
             what);
    capture_object(s, t + 20 * TICK_MS, fields);
    zl_time_format_utc(t + 26 * TICK_MS, when);
    snprintf(fields, sizeof fields,
             "\"bizStep\":\"shipping\",\"errorDeclaration\":{"
             "\"declarationTime\":\"%s\",\"reason\":\"incorrect_data\"},%s",
             when, what);
    capture_object(s, t + 25 * TICK_MS, fields);
    snprintf(fields, sizeof fields, "\"bizStep\":\"inspecting\",%s", what);
    capture_object(s, t + 30 * TICK_MS, fields);
    snprintf(fields, sizeof fields,
             "\"bizStep\":\"https://ref.gs1.org/cbv/BizStep-shipping\",%s",
             what);
    capture_object(s, t + 35 * TICK_MS, fields);
    snprintf(fields, sizeof fields, "\"bizStep\":\"inspecting\",%s", what);
    capture_object(s, t + 40 * TICK_MS, fields);
    return 1;
}

/* The rule on spells()' history: what its comment says is seen is. */
static void spells_check(zl_store *s, const struct spell *sp)
{
    size_t seen, unseen;

    spell_seen(s, sp, 10, &seen, &unseen);
    assert_true(seen > 0 && unseen > 0); /* ties on both sides of the cut */
    spell_seen(s, sp, 15, &seen, &unseen);
    assert_true(seen == 0 && unseen == 1);
    spell_seen(s, sp, 30, &seen, &unseen);
    assert_true(seen == 1 && unseen == 0);
    spell_seen(s, sp, 40, &seen, &unseen);
    assert_true(seen == 0 && unseen == 1);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Every page of query q as party in mode m (MODES, then 4: the merge
 * without custody's candidates) into t. */
static void ent_pages(zl_store *s, const char *party, const char *const *q,
                      size_t m, struct page_text *t)
{
    zl_buf_reset(&t->all);
    t->n = 0;
    if (m < N_MODES)
        set_mode(m);
    else {
        set_mode(0);
        setenv("ZL_QUERY_NO_TRADE_CUSTODY", "1", 1);
    }
    pages_as(s, party, q[0], q[1], q[2], q[3], q[4], t);
    unsetenv("ZL_QUERY_NO_TRADE_CUSTODY");
    set_mode(0);
}

static void test_enterprise_pages(void **state)
{
    struct fixture *f = *state;
    struct ent_list *ents = calloc(1, sizeof *ents);
    struct times *tm = calloc(1, sizeof *tm);
    struct page_text t[N_MODES + 1];
    char t1[32], t2[32];
    size_t seen = 0, goods_only = 0, parties = 0, n_spells = 0;
    struct spell sp[2];

    assert_non_null(ents);
    assert_non_null(tm);
    demo_dairy(f, 1, 3);
    assert_int_equal(zl_store_trace_scan_events(f->s, 0, times_cb, tm), 0);
    assert_true(tm->n > 200);
    /* the demo's events all happen at a party's site: observations with
     * no location, no party and no trade, which custody alone shows */
    assert_true(tm->n_r >= 4);
    /* goods that leave and come back, for two receipts (not the one
     * observed again below; before the observations, which break a
     * minute's quiet) */
    for (size_t i = 2; i < tm->n_r && n_spells < 2; i++)
        if (tm->rbl[i][0] &&
            spells(f->s, tm->rh[i], tm->rt[i], tm->rbl[i], &sp[n_spells]))
            spells_check(f->s, &sp[n_spells++]);
    assert_int_equal(n_spells, 2);
    for (size_t i = 0; i < tm->n_r; i++)
        observe_received(f->s, tm->rh[i], tm->rt[i], i % 3 ? 60000 : -60000);
    source_only(f->s, tm->rt[2] + 30000);
    assert_true(tm->rp[0] && tm->bl[0]);
    qsort(tm->t, tm->n, sizeof tm->t[0], cmp_i64);
    zl_time_format_utc(tm->t[tm->n / 3], t1);
    zl_time_format_utc(tm->t[2 * tm->n / 3], t2);
    assert_int_equal(zl_party_list(f->s, ent_cb, ents), 0);
    {
        const char *const Q[][5] = {
            {NULL, NULL, NULL, NULL, "7"},
            {"EQ_bizStep", "receiving", NULL, NULL, "5"},
            {"EQ_bizStep", "retail_selling", NULL, NULL, "7"},
            {"EQ_bizStep", "shipping", "orderDirection", "DESC", "4"},
            {"EQ_bizStep", "inspecting", NULL, NULL, "2"},
            {"EQ_disposition", "in_transit", NULL, NULL, "6"},
            {"EQ_readPoint", tm->rp, NULL, NULL, "3"},
            {"EQ_bizLocation", tm->bl, "orderDirection", "DESC", "3"},
            {"GE_eventTime", t1, NULL, NULL, "7"},
            {"LT_eventTime", t2, "orderDirection", "DESC", "5"},
            {"GE_eventTime", t1, "LT_eventTime", t2, "4"},
            {"eventType", "ObjectEvent", "orderDirection", "DESC", "9"},
        };

        for (size_t m = 0; m <= N_MODES; m++)
            zl_buf_init(&t[m].all, (size_t)8 << 20);
        for (size_t p = 0; p < ents->n; p++) {
            /* the parties that see something */
            ent_pages(f->s, ents->id[p], Q[0], 0, &t[0]);
            if (!t[0].n)
                continue;
            parties++;
            for (size_t i = 0; i < sizeof Q / sizeof Q[0]; i++) {
                for (size_t m = 0; m <= N_MODES; m++)
                    ent_pages(f->s, ents->id[p], Q[i], m, &t[m]);
                for (size_t m = 1; m < N_MODES; m++) {
                    if (t[m].n != t[0].n || t[m].all.len != t[0].all.len)
                        fail_msg("%s, query %zu, mode %zu: %zu events, %zu"
                                 " bytes; the merge %zu, %zu",
                                 ents->id[p], i, m, t[m].n, t[m].all.len,
                                 t[0].n, t[0].all.len);
                    assert_memory_equal(t[m].all.data, t[0].all.data,
                                        t[0].all.len);
                }
                seen += t[0].n;
                assert_true(t[N_MODES].n <= t[0].n);
                goods_only += t[0].n - t[N_MODES].n;
            }
        }
        for (size_t m = 0; m <= N_MODES; m++)
            zl_buf_cleanup(&t[m].all);
    }
    print_message("%zu parties, %zu events, %zu by trade or custody alone\n",
                  parties, seen, goods_only);
    /* farms, stations, the plant, DCs and shops */
    assert_true(parties >= 10u);
    assert_true(seen > 0);
    {
        struct page_text u[2];
        const char *const all[5] = {NULL, NULL, NULL, NULL, "50"};
        size_t lost = 0;

        size_t *before = calloc(ents->n, sizeof *before), n0, who = ents->n;

        /* rules 3 and 4 show: some events only the trade and custody
         * candidates reach */
        assert_true(goods_only > 0);
        for (size_t k = 0; k < 2; k++)
            zl_buf_init(&u[k].all, (size_t)8 << 20);
        /* the candidates a handle keeps are read again after a capture:
         * one more observation of received goods is in its receiver's
         * next page. The receiver (the row test alone, which keeps
         * nothing, tells who), its candidates kept by a page, a second
         * observation, its next page. */
        assert_non_null(before);
        for (size_t p = 0; p < ents->n; p++) {
            ent_pages(f->s, ents->id[p], all, 3, &u[1]);
            before[p] = u[1].n;
        }
        observe_received(f->s, tm->rh[1], tm->rt[1], 120000);
        for (size_t p = 0; p < ents->n && who == ents->n; p++) {
            ent_pages(f->s, ents->id[p], all, 3, &u[1]);
            if (u[1].n > before[p])
                who = p;
        }
        assert_true(who < ents->n);
        ent_pages(f->s, ents->id[who], all, 0, &u[0]);
        n0 = u[0].n;
        observe_received(f->s, tm->rh[1], tm->rt[1], 180000);
        ent_pages(f->s, ents->id[who], all, 0, &u[0]);
        ent_pages(f->s, ents->id[who], all, 3, &u[1]);
        assert_int_equal(u[0].n, n0 + 1);
        assert_int_equal(u[0].n, u[1].n);
        /* inside a read snapshot, as the server reads (on PostgreSQL the
         * kept list's stamp is read in a transaction there), after a
         * capture: the same pages */
        observe_received(f->s, tm->rh[1], tm->rt[1], 240000);
        assert_int_equal(zl_store_snapshot_begin(f->s), 0);
        ent_pages(f->s, ents->id[who], all, 0, &u[0]);
        assert_int_equal(zl_store_snapshot_end(f->s), 0);
        ent_pages(f->s, ents->id[who], all, 3, &u[1]);
        assert_int_equal(u[0].n, n0 + 2);
        assert_int_equal(u[0].n, u[1].n);
        assert_memory_equal(u[0].all.data, u[1].all.data, u[1].all.len);
        free(before);
        /* the trade index emptied: some enterprise's pages lose events */
        assert_int_equal(zl_store_exec_sql(f->s, "DELETE FROM event_trade"), 0);
        for (size_t p = 0; p < ents->n; p++) {
            ent_pages(f->s, ents->id[p], all, 0, &u[0]);
            ent_pages(f->s, ents->id[p], all, 3, &u[1]);
            assert_true(u[0].n <= u[1].n);
            lost += u[1].n - u[0].n;
        }
        assert_true(lost > 0);
        /* the references rewritten (the update trigger): all back */
        assert_int_equal(
            zl_store_exec_sql(f->s, "UPDATE event_refs SET value = value"), 0);
        for (size_t p = 0; p < ents->n; p++) {
            ent_pages(f->s, ents->id[p], all, 0, &u[0]);
            ent_pages(f->s, ents->id[p], all, 3, &u[1]);
            assert_int_equal(u[0].n, u[1].n);
            assert_memory_equal(u[0].all.data, u[1].all.data, u[1].all.len);
        }
        for (size_t k = 0; k < 2; k++)
            zl_buf_cleanup(&u[k].all);
    }
    free(ents);
    free(tm);
}

/* ---- capture's sites rows written in C (schema 29) -----------------------
 * Capture computes its events' sites rows in C (sqlite_sites.c) while the
 * INSERT trigger skips; every other writer keeps the trigger. The same
 * captures into a second store whose capture leaves the rows to the
 * trigger (zl_sqlite_sites_by_trigger) must give the same index and the
 * same party numbers, row for row: the chain (readPoint = bizLocation,
 * two capturing parties), spread (readPoint <> bizLocation, a party and
 * no location, with and without a disposition), a readPoint alone, a
 * bizLocation alone without a bizStep, and in a batch a document again
 * (its events duplicates: no rows) beside a refused one. */

/* The sites index and its parties as text, ordered. */
static void sites_dump(zl_store *s, struct zl_buf *out)
{
    static const char *const SQL[] = {
        "SELECT k, event_time, ev FROM event_sites ORDER BY k, event_time, ev",
        "SELECT n, v FROM site_parties ORDER BY n"};
    sqlite3 *db = zl_sqlite_db(s);

    for (size_t q = 0; q < 2; q++) {
        sqlite3_stmt *st;

        assert_int_equal(sqlite3_prepare_v2(db, SQL[q], -1, &st, NULL),
                         SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char row[160];
            int n = snprintf(row, sizeof row, "%d %lld %s %lld\n", (int)q,
                             (long long)sqlite3_column_int64(st, 0),
                             (const char *)sqlite3_column_text(st, 1),
                             q ? 0LL : (long long)sqlite3_column_int64(st, 2));

            assert_int_equal(zl_buf_add(out, row, (size_t)n), 0);
        }
        sqlite3_finalize(st);
    }
}

static void sites_doc(zl_store *s, const char *time, const char *body,
                      int want_new)
{
    char doc[2048];
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};

    snprintf(doc, sizeof doc,
             "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
             "2.0.0/epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
             "\"schemaVersion\":\"2.0\",\"creationDate\":"
             "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
             "\"eventTime\":\"%s\",\"eventTimeZoneOffset\":\"+00:00\","
             "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",%s}]}}",
             time, body);
    if (want_new < 0) {
        assert_true(zl_capture(s, doc, strlen(doc), &o, &r, &err) < 0);
        return;
    }
    if (zl_capture(s, doc, strlen(doc), &o, &r, &err))
        fail_msg("sites doc refused: %s %s %s", err.path, err.rule, err.value);
    assert_int_equal(r.n_new, (size_t)want_new);
}

static void sites_captures(zl_store *s)
{
    char rp[256], bl[256];

    spread(s); /* the chain, then spread's events */
    snprintf(rp, sizeof rp,
             "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.1\"],"
             "\"bizStep\":\"receiving\",\"readPoint\":{\"id\":\"https://"
             "id.gs1.org/414/%s\"}",
             SHOP_GLNS[0]);
    snprintf(bl, sizeof bl,
             "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2\"],"
             "\"disposition\":\"in_progress\",\"bizLocation\":{\"id\":"
             "\"https://id.gs1.org/414/%s\"}",
             PHARM_GLNS[0]);
    assert_int_equal(zl_capture_batch_begin(s), 0);
    sites_doc(s, "2026-06-03T00:00:00Z", rp, 1);
    sites_doc(s, "2026-06-03T00:01:00Z", "\"epcList\":[\"not an EPC\"]", -1);
    sites_doc(s, "2026-06-03T00:02:00Z", bl, 1);
    sites_doc(s, "2026-06-03T00:00:00Z", rp, 0); /* a duplicate */
    assert_int_equal(zl_capture_batch_commit(s), 0);
}

static void test_sites_in_c(void **state)
{
    struct fixture *f = *state;
    char uri[512];
    zl_store *t;
    struct zl_error err = {0};
    struct zl_buf c_rows, trigger_rows;

    if (fixture_is_pg(f->uri))
        skip(); /* PostgreSQL keeps its index by a trigger (pg_sites.c) */
    fixture_uri(uri, sizeof uri, "test-visibility-trigger");
    zl_store_remove(uri);
    assert_int_equal(zl_init(uri, FIXTURE_ORIGIN, &err), 0);
    assert_int_equal(zl_open(uri, &t, &err), 0);
    zl_sqlite_sites_by_trigger(t, 1);
    sites_captures(f->s);
    sites_captures(t);
    zl_buf_init(&c_rows, (size_t)8 << 20);
    zl_buf_init(&trigger_rows, (size_t)8 << 20);
    sites_dump(f->s, &c_rows);
    sites_dump(t, &trigger_rows);
    /* every kind of row is there: attributes 1-3, attribute 0 (value 0)
     * of a location's site and of a party's, and attribute 4 (site * 4 +
     * 4 reads as the next site's attribute 0, with the bizLocation as its
     * value) */
    {
        static const char *const KIND[] = {
            "(k >> 32) % 4 = 1",
            "(k >> 32) % 4 = 2",
            "(k >> 32) % 4 = 3",
            "(k >> 32) % 8 = 0 AND k % 4294967296 = 0",
            "(k >> 32) % 8 = 4 AND k % 4294967296 = 0",
            "(k >> 32) % 4 = 0 AND k % 4294967296 <> 0"};

        for (size_t i = 0; i < sizeof KIND / sizeof KIND[0]; i++) {
            char sql[160];
            sqlite3_stmt *st;

            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM event_sites WHERE %s", KIND[i]);
            assert_int_equal(
                sqlite3_prepare_v2(zl_sqlite_db(f->s), sql, -1, &st, NULL),
                SQLITE_OK);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            if (sqlite3_column_int64(st, 0) == 0)
                fail_msg("no sites rows where %s", KIND[i]);
            sqlite3_finalize(st);
        }
    }
    assert_int_equal(c_rows.len, trigger_rows.len);
    assert_memory_equal(c_rows.data, trigger_rows.data, c_rows.len);
    zl_buf_cleanup(&c_rows);
    zl_buf_cleanup(&trigger_rows);
    zl_close(t);
    zl_store_remove(uri);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rule_table, setup, teardown),
        cmocka_unit_test(test_region_covers),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pushdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sites_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memo_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verdicts_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custody_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custody_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enterprise_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sites_in_c, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
