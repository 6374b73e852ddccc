/*
 * test_demo.c - the demo supply-chain generator.
 *
 * The generator is checked from the outside, through its documents only:
 * a naive model written here (JSON via jansson, identifiers canonicalised
 * by hand from the EPC Tag Data Standard rules, a brute-force forward
 * closure) recomputes what the generator claims in truth.json. Check
 * digits and USCCs are verified with code written independently of the
 * generator's (different loop shape), plus the gs1 module's validators.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo.h"
#include "zhiliang/epcis.h"
#include "zhiliang/gs1.h"
#include "util/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* snprintf that fails the test instead of truncating */
#define SNP(buf, cap, ...)                                                     \
    do {                                                                       \
        int n_ = snprintf((buf), (cap), __VA_ARGS__);                          \
        if (n_ < 0 || (size_t)n_ >= (size_t)(cap))                             \
            fail_msg("identifier too long");                                   \
    } while (0)

/* ------------------------------------------------------------ helpers */

struct collect {
    json_t *events; /* array of every event */
    size_t docs, max_per_doc, events_seen;
    uint64_t fnv;
    size_t stop_after; /* docs; 0 = never */
    int parse_epcis;   /* run zl_epcis_parse on each document */
    int parse_failures;
};

static int collect_emit(void *ctx, const char *doc, size_t len, size_t n)
{
    struct collect *c = ctx;
    json_error_t je;
    json_t *root, *list;
    size_t i;

    c->docs++;
    c->events_seen += n;
    if (n > c->max_per_doc)
        c->max_per_doc = n;
    for (i = 0; i < len; i++) {
        c->fnv ^= (unsigned char)doc[i];
        c->fnv *= 0x100000001b3ULL;
    }
    assert_int_equal(strlen(doc), len);
    root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        fail_msg("document %zu is not JSON: %s at %d", c->docs, je.text,
                 je.position);
    assert_string_equal(json_string_value(json_object_get(root, "type")),
                        "EPCISDocument");
    assert_string_equal(
        json_string_value(json_object_get(root, "schemaVersion")), "2.0");
    list = json_object_get(json_object_get(root, "epcisBody"), "eventList");
    assert_non_null(list);
    assert_int_equal(json_array_size(list), n);
    if (c->events)
        json_array_extend(c->events, list);
    json_decref(root);
    if (c->parse_epcis) {
        zl_epcis_doc *d = NULL;
        struct zl_error err;
        int rc;

        memset(&err, 0, sizeof err);
        rc = zl_epcis_parse(doc, len, NULL, &d, &err);
        if (rc) {
            char msg[1024];

            zl_error_format(&err, msg, sizeof msg);
            print_error("zl_epcis_parse: %s\n", msg);
            c->parse_failures++;
        } else {
            assert_int_equal(zl_epcis_doc_count(d), n);
        }
        zl_epcis_doc_free(d);
    }
    if (c->stop_after && c->docs >= c->stop_after)
        return 1;
    return 0;
}

static int noop_emit(void *ctx, const char *doc, size_t len, size_t n)
{
    uint64_t *sum = ctx;

    (void)doc;
    (void)n;
    *sum += len;
    return 0;
}

static struct zl_demo_opts opts(uint64_t seed, uint64_t scale)
{
    struct zl_demo_opts o;

    memset(&o, 0, sizeof o);
    o.seed = seed;
    o.scale = scale;
    return o;
}

static uint64_t run_hash(uint64_t seed, uint64_t scale, unsigned sectors,
                         struct zl_demo_stats *st)
{
    struct collect c;
    struct zl_demo_opts o = opts(seed, scale);

    memset(&c, 0, sizeof c);
    c.fnv = 0xcbf29ce484222325ULL;
    o.sectors = sectors;
    o.per_doc = 300;
    assert_int_equal(zl_demo_generate(&o, collect_emit, &c, st), 0);
    assert_int_equal(c.events_seen, st->n_events);
    assert_int_equal(c.docs, st->n_docs);
    return c.fnv;
}

/* GS1 mod 10, written independently of the generator: weights from the
 * left, 3 on positions with the same parity as the check position - 1. */
static int naive_check_ok(const char *d, size_t n)
{
    int sum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    for (i = 0; i + 1 < n; i++)
        sum += (d[i] - '0') * (((n - 1 - i) % 2) ? 3 : 1);
    return (10 - sum % 10) % 10 == d[n - 1] - '0';
}

/* Copy the i-th '.'-separated field of s into out. */
static int field(const char *s, int i, char *out, size_t cap)
{
    const char *e;

    while (i-- > 0) {
        s = strchr(s, '.');
        if (!s)
            return -1;
        s++;
    }
    e = strchr(s, '.');
    if (!e)
        e = s + strlen(s);
    if ((size_t)(e - s) >= cap)
        return -1;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return 0;
}

static void with_check(char *key)
{
    int sum = 0;
    size_t n = strlen(key), i;

    for (i = 0; i < n; i++)
        sum += (key[i] - '0') * (((n - i) % 2) ? 3 : 1);
    key[n] = (char)('0' + (10 - sum % 10) % 10);
    key[n + 1] = '\0';
}

struct idcount {
    int sgtin, lgtin, sscc, sgln, pgln, grai, giai, dl, urn;
};

/* Canonical "AI/value[/AI/value]" form of a GS1 identifier (EPC URN or
 * id.gs1.org Digital Link); "" for anything else. Fails the test on a
 * bad check digit. */
static void canon(const char *s, char *out, size_t cap, struct idcount *ct)
{
    char a[64], b[64], c[64], key[192];
    const char *dl = "https://id.gs1.org/";

    out[0] = '\0';
    if (!strncmp(s, dl, strlen(dl))) {
        const char *r = s + strlen(dl);
        size_t kl = 0;

        if (ct)
            ct->dl++;
        if (!strncmp(r, "01/", 3))
            kl = 14;
        else if (!strncmp(r, "00/", 3))
            kl = 18;
        if (kl) {
            if (!naive_check_ok(r + 3, kl))
                fail_msg("bad check digit: %s", s);
        } else if (!strncmp(r, "414/", 4) || !strncmp(r, "417/", 4)) {
            if (!naive_check_ok(r + 4, 13))
                fail_msg("bad check digit: %s", s);
        } else if (!strncmp(r, "8003/", 5)) {
            if (r[5] != '0' || !naive_check_ok(r + 6, 13))
                fail_msg("bad GRAI: %s", s);
        }
        SNP(out, cap, "%s", r);
        return;
    }
    if (strncmp(s, "urn:epc:", 8))
        return;
    if (ct)
        ct->urn++;
#define P(pfx) (!strncmp(s, pfx, strlen(pfx)) ? (s += strlen(pfx), 1) : 0)
    if (P("urn:epc:id:sgtin:") || P("urn:epc:class:lgtin:")) {
        int lot = strstr(s - 6, "lgtin") != NULL;

        assert_int_equal(field(s, 0, a, sizeof a), 0);
        assert_int_equal(field(s, 1, b, sizeof b), 0);
        assert_int_equal(field(s, 2, c, sizeof c), 0);
        assert_int_equal(strlen(a) + strlen(b), 13);
        SNP(key, sizeof key, "%c%s%s", b[0], a, b + 1);
        with_check(key);
        SNP(out, cap, "01/%s/%s/%s", key, lot ? "10" : "21", c);
        if (ct) {
            if (lot)
                ct->lgtin++;
            else
                ct->sgtin++;
        }
    } else if (P("urn:epc:id:sscc:")) {
        assert_int_equal(field(s, 0, a, sizeof a), 0);
        assert_int_equal(field(s, 1, b, sizeof b), 0);
        assert_int_equal(strlen(a) + strlen(b), 17);
        SNP(key, sizeof key, "%c%s%s", b[0], a, b + 1);
        with_check(key);
        SNP(out, cap, "00/%s", key);
        if (ct)
            ct->sscc++;
    } else if (P("urn:epc:id:sgln:") || P("urn:epc:id:pgln:")) {
        int party = strstr(s - 5, "pgln") != NULL;

        assert_int_equal(field(s, 0, a, sizeof a), 0);
        assert_int_equal(field(s, 1, b, sizeof b), 0);
        assert_int_equal(strlen(a) + strlen(b), 12);
        SNP(key, sizeof key, "%s%s", a, b);
        with_check(key);
        if (!party) {
            assert_int_equal(field(s, 2, c, sizeof c), 0);
            assert_string_equal(c, "0");
        }
        SNP(out, cap, "%s/%s", party ? "417" : "414", key);
        if (ct) {
            if (party)
                ct->pgln++;
            else
                ct->sgln++;
        }
    } else if (P("urn:epc:id:grai:")) {
        assert_int_equal(field(s, 0, a, sizeof a), 0);
        assert_int_equal(field(s, 1, b, sizeof b), 0);
        assert_int_equal(field(s, 2, c, sizeof c), 0);
        assert_int_equal(strlen(a) + strlen(b), 12);
        SNP(key, sizeof key, "%s%s", a, b);
        with_check(key);
        SNP(out, cap, "8003/0%s%s", key, c);
        if (ct)
            ct->grai++;
    } else if (P("urn:epc:id:giai:")) {
        assert_int_equal(field(s, 0, a, sizeof a), 0);
        assert_int_equal(field(s, 1, b, sizeof b), 0);
        SNP(out, cap, "8004/%s%s", a, b);
        if (ct)
            ct->giai++;
    } else {
        fail_msg("unexpected EPC URN %s", s);
    }
#undef P
}

/* Every string in v that is a GS1 identifier: check digits, and the gs1
 * module agrees it is valid. */
static void walk_ids(json_t *v, struct idcount *ct, int *gs1_checked)
{
    size_t i;
    const char *k;
    json_t *x;
    char out[256];

    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        canon(s, out, sizeof out, ct);
        if (out[0] && *gs1_checked < 4000 && strncmp(out, "8004/", 5)) {
            struct zl_gs1_id id;
            struct zl_error err;

            memset(&err, 0, sizeof err);
            if (zl_gs1_parse(s, strlen(s), &id, &err))
                fail_msg("zl_gs1_parse rejects %s: %s", s, err.rule);
            (*gs1_checked)++;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) walk_ids(x, ct, gs1_checked);
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, x) walk_ids(x, ct, gs1_checked);
    }
}

/* --------------------------------------------------------------- tests */

/* First, so the RSS high-water mark is not set by other tests. */
static void test_memory_flat(void **state)
{
    struct zl_demo_opts o = opts(3, 50);
    struct zl_demo_stats st;
    struct rusage r0, r1;
    uint64_t bytes = 0;

    (void)state;
    memset(&st, 0, sizeof st);
    assert_int_equal(zl_demo_generate(&o, noop_emit, &bytes, &st), 0);
    getrusage(RUSAGE_SELF, &r0);
    o.scale = 3000; /* ~300k events, ~200 MB of JSON */
    assert_int_equal(zl_demo_generate(&o, noop_emit, &bytes, &st), 0);
    getrusage(RUSAGE_SELF, &r1);
    print_message("scale 3000: %llu events, %llu bytes, max RSS %ld -> %ld "
                  "KiB\n",
                  (unsigned long long)st.n_events,
                  (unsigned long long)st.n_bytes, r0.ru_maxrss, r1.ru_maxrss);
    assert_true(st.n_bytes > 100u << 20);
    assert_true(r1.ru_maxrss - r0.ru_maxrss < 8 * 1024);
}

static void test_uscc_check(void **state)
{
    char *md = NULL;
    size_t len = 0, i;
    json_t *root, *parties, *p;
    struct zl_demo_opts o = opts(42, 1);
    static const char ch[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                              29, 25, 13, 8,  24, 10, 30, 28};

    (void)state;
    /* known answer: a published example code */
    assert_int_equal(zl_demo_uscc_check("91350100M000100Y4"), '3');
    assert_int_equal(zl_demo_orgcode_check("M000100Y"), '4');
    assert_int_equal(zl_demo_uscc_check("91350100M000100I4"), 0);

    assert_int_equal(zl_demo_parties_json(&o, &md, &len), 0);
    root = json_loadb(md, len, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root);
    parties = json_object_get(root, "parties");
    assert_true(json_array_size(parties) >= 40);
    json_array_foreach(parties, i, p)
    {
        const char *u = json_string_value(json_object_get(p, "uscc"));
        const char *gln = json_string_value(json_object_get(p, "gln"));
        const char *gcp = json_string_value(json_object_get(p, "gcp"));
        int sum = 0, k, osum = 0, oc;
        struct zl_error err;

        assert_non_null(u);
        assert_int_equal(strlen(u), 18);
        for (k = 0; k < 17; k++) {
            const char *q = strchr(ch, u[k]);

            assert_non_null(q);
            sum += (int)(q - ch) * w[k];
        }
        assert_int_equal(u[17], ch[(31 - sum % 31) % 31]);
        for (k = 0; k < 8; k++) {
            static const int ow[8] = {3, 7, 9, 10, 5, 8, 4, 2};
            char c = u[8 + k];

            osum += (c <= '9' ? c - '0' : c - 'A' + 10) * ow[k];
        }
        oc = 11 - osum % 11;
        assert_int_equal(u[16], oc == 10 ? 'X' : oc == 11 ? '0' : '0' + oc);
        memset(&err, 0, sizeof err);
        if (zl_uscc_validate(u, 18, &err))
            fail_msg("zl_uscc_validate rejects %s: %s", u, err.rule);
        assert_true(naive_check_ok(gln, 13));
        assert_true(strlen(gcp) >= 7 && strlen(gcp) <= 9);
        assert_true(gcp[0] == '6' && gcp[1] == '9');
        assert_memory_equal(gln, gcp, strlen(gcp));
        assert_non_null(json_string_value(json_object_get(p, "nameZh")));
        assert_non_null(json_string_value(json_object_get(p, "nameEn")));
        assert_non_null(
            json_object_get(json_object_get(p, "address"), "street"));
    }
    json_array_foreach(json_object_get(root, "products"), i, p) assert_true(
        naive_check_ok(json_string_value(json_object_get(p, "gtin")), 14));
    json_decref(root);
    zl_demo_free(md);
}

static void test_determinism(void **state)
{
    struct zl_demo_stats a, b, c;
    uint64_t h1, h2, h3, h4;

    (void)state;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    h1 = run_hash(7, 20, ZL_DEMO_ALL, &a);
    h2 = run_hash(7, 20, ZL_DEMO_ALL, &b);
    h3 = run_hash(8, 20, ZL_DEMO_ALL, &c);
    assert_true(h1 == h2);
    assert_int_equal(a.n_bytes, b.n_bytes);
    assert_int_equal(a.n_events, b.n_events);
    assert_true(h1 != h3);
    h4 = run_hash(7, 20, ZL_DEMO_DAIRY, &c);
    assert_true(h1 != h4);
}

static void test_scale(void **state)
{
    static const uint64_t scales[] = {1, 10, 100, 1000};
    uint64_t prev = 0, bytes = 0;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        struct zl_demo_opts o = opts(1, scales[i]);
        struct zl_demo_stats st;

        memset(&st, 0, sizeof st);
        assert_int_equal(zl_demo_generate(&o, noop_emit, &bytes, &st), 0);
        print_message("scale %llu: %llu events, %llu docs\n",
                      (unsigned long long)scales[i],
                      (unsigned long long)st.n_events,
                      (unsigned long long)st.n_docs);
        assert_true(st.n_events >= 100 * scales[i]);
        assert_true(st.n_events <= 100 * scales[i] * 3 / 2 + 200);
        assert_true(st.n_events > prev);
        assert_int_equal(st.n_docs, (st.n_events + 999) / 1000);
        prev = st.n_events;
    }
    {
        struct zl_demo_opts o = opts(1, 0);

        assert_int_equal(zl_demo_generate(&o, noop_emit, &bytes, NULL),
                         ZL_EINVAL);
        o.scale = 20000;
        o.truth_lots = 2;
        assert_int_equal(zl_demo_generate(&o, noop_emit, &bytes, NULL),
                         ZL_ELIMIT);
    }
}

/* Every document is JSON and valid EPCIS per zl_epcis_parse; every GS1
 * key has a valid check digit; both syntaxes occur; the chain has the
 * event types, steps and fields the brief asks for. */
static void test_content(void **state)
{
    struct collect c;
    struct zl_demo_opts o = opts(11, 40);
    struct zl_demo_stats st;
    struct idcount ct;
    json_t *ev;
    size_t i;
    int types[5] = {0}, gs1_checked = 0;
    int sensor = 0, biztx = 0, srcdst = 0, ilmd_bb = 0, sold = 0, destroyed = 0,
        delete_agg = 0, transf_id = 0, qty = 0, grai = 0, dispensed = 0,
        expiry = 0;
    static const char *const tn[5] = {"ObjectEvent", "AggregationEvent",
                                      "TransactionEvent", "TransformationEvent",
                                      "AssociationEvent"};

    (void)state;
    memset(&c, 0, sizeof c);
    memset(&ct, 0, sizeof ct);
    memset(&st, 0, sizeof st);
    c.events = json_array();
    c.parse_epcis = 1;
    o.per_doc = 250;
    o.sectors = ZL_DEMO_ALL;
    assert_int_equal(zl_demo_generate(&o, collect_emit, &c, &st), 0);
    assert_int_equal(c.parse_failures, 0);
    assert_true(c.max_per_doc <= 250);
    json_array_foreach(c.events, i, ev)
    {
        const char *t = json_string_value(json_object_get(ev, "type"));
        const char *bs = json_string_value(json_object_get(ev, "bizStep"));
        const char *ds = json_string_value(json_object_get(ev, "disposition"));
        const char *act = json_string_value(json_object_get(ev, "action"));
        const char *tm = json_string_value(json_object_get(ev, "eventTime"));
        json_t *pid = json_object_get(ev, "parentID");
        int k;

        for (k = 0; k < 5; k++)
            if (t && !strcmp(t, tn[k]))
                types[k]++;
        assert_non_null(tm);
        assert_int_equal(strlen(tm), 29);
        assert_string_equal(tm + 23, "+08:00");
        assert_string_equal(
            json_string_value(json_object_get(ev, "eventTimeZoneOffset")),
            "+08:00");
        assert_null(json_object_get(ev, "recordTime"));
        sensor += json_object_get(ev, "sensorElementList") != NULL;
        biztx += json_object_get(ev, "bizTransactionList") != NULL;
        srcdst += json_object_get(ev, "sourceList") != NULL &&
                  json_object_get(ev, "destinationList") != NULL;
        ilmd_bb += json_object_get(json_object_get(ev, "ilmd"),
                                   "cbvmda:bestBeforeDate") != NULL;
        transf_id += json_object_get(ev, "transformationID") != NULL;
        qty += json_object_get(ev, "quantityList") != NULL ||
               json_object_get(ev, "inputQuantityList") != NULL;
        sold += bs && ds && !strcmp(bs, "retail_selling") &&
                !strcmp(ds, "retail_sold");
        destroyed += ds && !strcmp(ds, "destroyed");
        dispensed +=
            bs && ds && !strcmp(bs, "dispensing") && !strcmp(ds, "dispensed");
        expiry += json_object_get(json_object_get(ev, "ilmd"),
                                  "cbvmda:itemExpirationDate") != NULL;
        delete_agg += t && act && !strcmp(t, "AggregationEvent") &&
                      !strcmp(act, "DELETE");
        grai += pid && strstr(json_string_value(pid), "grai") != NULL;
        grai += pid && strstr(json_string_value(pid), "/8003/") != NULL;
        walk_ids(ev, &ct, &gs1_checked);
    }
    print_message("types O%d A%d T%d X%d; ids: sgtin %d lgtin %d sscc %d "
                  "sgln %d pgln %d grai %d giai %d, urn %d dl %d\n",
                  types[0], types[1], types[2], types[3], ct.sgtin, ct.lgtin,
                  ct.sscc, ct.sgln, ct.pgln, ct.grai, ct.giai, ct.urn, ct.dl);
    for (i = 0; i < 4; i++)
        assert_true(types[i] > 0);
    assert_true(sensor && biztx && srcdst && ilmd_bb && sold && destroyed &&
                delete_agg && transf_id && qty && grai && dispensed && expiry);
    assert_true(ct.sgtin && ct.lgtin && ct.sscc && ct.sgln && ct.pgln &&
                ct.grai && ct.giai);
    assert_true(ct.urn > 1000 && ct.dl > 1000);
    assert_true(gs1_checked > 1000);
    json_decref(c.events);
}

/* Hash-set helpers over jansson objects. */
static void set_add(json_t *set, const char *k)
{
    json_object_set_new(set, k, json_true());
}

static void ids_of(json_t *arr, const char *member, json_t *set)
{
    size_t i;
    json_t *x;
    char out[256];

    json_array_foreach(arr, i, x)
    {
        json_t *v = member ? json_object_get(x, member) : x;

        canon(json_string_value(v), out, sizeof out, NULL);
        assert_true(out[0] != '\0');
        set_add(set, out);
    }
}

static int set_equal_to_list(json_t *set, json_t *list)
{
    size_t i;
    json_t *x;
    char out[256];

    if (json_object_size(set) != json_array_size(list))
        return 0;
    json_array_foreach(list, i, x)
    {
        canon(json_string_value(x), out, sizeof out, NULL);
        if (!json_object_get(set, out))
            return 0;
    }
    return 1;
}

/* The generator's truth.json against a brute-force forward closure over
 * the generated events: transformations (grouped by transformationID),
 * then containers (every parent an item or case was ever added to). */
static void test_truth_downstream(void **state)
{
    struct collect c;
    struct zl_demo_opts o = opts(5, 200);
    struct zl_demo_stats st;
    json_t *truth, *lots, *lot, *ev, *groups, *g;
    size_t i, j;
    const char *k;

    (void)state;
    memset(&c, 0, sizeof c);
    memset(&st, 0, sizeof st);
    c.events = json_array();
    o.truth_lots = 4;
    assert_int_equal(zl_demo_generate(&o, collect_emit, &c, &st), 0);
    assert_non_null(st.truth_json);
    truth =
        json_loadb(st.truth_json, st.truth_len, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(truth);
    lots = json_object_get(truth, "collectionLots");
    assert_int_equal(json_array_size(lots), 4);

    /* transformation groups: id -> {"in": set, "out": set} */
    groups = json_object();
    json_array_foreach(c.events, i, ev)
    {
        char idbuf[64];
        const char *tid;

        if (strcmp(json_string_value(json_object_get(ev, "type")),
                   "TransformationEvent"))
            continue;
        tid = json_string_value(json_object_get(ev, "transformationID"));
        if (!tid) {
            snprintf(idbuf, sizeof idbuf, "#%zu", i);
            tid = idbuf;
        }
        g = json_object_get(groups, tid);
        if (!g) {
            g = json_pack("{s:o,s:o}", "in", json_object(), "out",
                          json_object());
            json_object_set_new(groups, tid, g);
        }
        if (json_object_get(ev, "inputQuantityList"))
            ids_of(json_object_get(ev, "inputQuantityList"), "epcClass",
                   json_object_get(g, "in"));
        if (json_object_get(ev, "inputEPCList"))
            ids_of(json_object_get(ev, "inputEPCList"), NULL,
                   json_object_get(g, "in"));
        if (json_object_get(ev, "outputQuantityList"))
            ids_of(json_object_get(ev, "outputQuantityList"), "epcClass",
                   json_object_get(g, "out"));
        if (json_object_get(ev, "outputEPCList"))
            ids_of(json_object_get(ev, "outputEPCList"), NULL,
                   json_object_get(g, "out"));
    }
    json_array_foreach(lots, i, lot)
    {
        json_t *reach = json_object(), *items = json_object();
        json_t *cases = json_object(), *pallets = json_object();
        char start[256];
        int grew = 1;

        canon(json_string_value(json_object_get(lot, "lot")), start,
              sizeof start, NULL);
        assert_true(!strncmp(start, "01/", 3));
        set_add(reach, start);
        while (grew) { /* naive fixpoint */
            grew = 0;
            json_object_foreach(groups, k, g)
            {
                const char *in;
                json_t *x, *y;
                int hit = 0;

                json_object_foreach(json_object_get(g, "in"), in,
                                    x) if (json_object_get(reach, in)) hit = 1;
                if (!hit)
                    continue;
                json_object_foreach(json_object_get(g, "out"), in,
                                    y) if (!json_object_get(reach, in))
                {
                    set_add(reach, in);
                    grew = 1;
                }
            }
        }
        json_object_foreach(reach, k, g) if (strstr(k, "/21/"))
            set_add(items, k);
        /* containers: two rounds of "parent of something we hold" */
        for (j = 0; j < 2; j++) {
            json_t *from = j == 0 ? items : cases,
                   *to = j == 0 ? cases : pallets;
            size_t e;

            json_array_foreach(c.events, e, ev)
            {
                json_t *kids = json_object_get(ev, "childEPCs"), *x;
                size_t q;
                char out[256];

                if (!kids ||
                    strcmp(json_string_value(json_object_get(ev, "action")),
                           "ADD"))
                    continue;
                json_array_foreach(kids, q, x)
                {
                    canon(json_string_value(x), out, sizeof out, NULL);
                    if (json_object_get(from, out)) {
                        canon(
                            json_string_value(json_object_get(ev, "parentID")),
                            out, sizeof out, NULL);
                        set_add(to, out);
                        break;
                    }
                }
            }
        }
        print_message("lot %s: %zu items, %zu cases, %zu pallets\n", start,
                      json_object_size(items), json_object_size(cases),
                      json_object_size(pallets));
        assert_true(json_object_size(items) > 0);
        assert_true(set_equal_to_list(items, json_object_get(lot, "items")));
        assert_true(set_equal_to_list(cases, json_object_get(lot, "cases")));
        assert_true(
            set_equal_to_list(pallets, json_object_get(lot, "pallets")));
        json_decref(reach);
        json_decref(items);
        json_decref(cases);
        json_decref(pallets);
    }
    json_decref(groups);
    json_decref(truth);
    json_decref(c.events);
    zl_demo_stats_cleanup(&st);
}

/* Returnable GRAI pallets are reused, and never loaded twice without
 * being unpacked in between. */
static void test_grai_reuse(void **state)
{
    struct collect c;
    struct zl_demo_opts o = opts(9, 60);
    struct zl_demo_stats st;
    json_t *per = json_object(), *ev, *lst;
    size_t i;
    const char *k;
    int reused = 0;

    (void)state;
    memset(&c, 0, sizeof c);
    memset(&st, 0, sizeof st);
    c.events = json_array();
    assert_int_equal(zl_demo_generate(&o, collect_emit, &c, &st), 0);
    json_array_foreach(c.events, i, ev)
    {
        const char *pid = json_string_value(json_object_get(ev, "parentID"));
        char key[256];

        if (!pid || (!strstr(pid, ":grai:") && !strstr(pid, "/8003/")))
            continue;
        canon(pid, key, sizeof key, NULL);
        lst = json_object_get(per, key);
        if (!lst) {
            lst = json_array();
            json_object_set_new(per, key, lst);
        }
        json_array_append_new(
            lst, json_pack("[s,s]",
                           json_string_value(json_object_get(ev, "eventTime")),
                           json_string_value(json_object_get(ev, "action"))));
    }
    json_object_foreach(per, k, lst)
    {
        size_t n = json_array_size(lst), a, b;
        int adds = 0;

        /* sort by time (same offset everywhere: strings sort as times) */
        for (a = 1; a < n; a++)
            for (b = a; b > 0; b--) {
                json_t *x = json_array_get(lst, b - 1),
                       *y = json_array_get(lst, b);

                if (strcmp(json_string_value(json_array_get(x, 0)),
                           json_string_value(json_array_get(y, 0))) <= 0)
                    break;
                json_incref(x);
                json_array_set(lst, b - 1, y);
                json_array_set_new(lst, b, x);
            }
        for (a = 0; a < n; a++) {
            const char *act =
                json_string_value(json_array_get(json_array_get(lst, a), 1));

            assert_string_equal(act, a % 2 ? "DELETE" : "ADD");
            adds += a % 2 == 0;
        }
        if (adds >= 2)
            reused++;
    }
    print_message("%zu GRAIs, %d reused\n", json_object_size(per), reused);
    assert_true(reused > 0);
    json_decref(per);
    json_decref(c.events);
}

/* At scale >= 100000 one collection lot reaches >= 100,000 cartons: the
 * first batch is checked from the first documents only. */
static void test_big_lot(void **state)
{
    struct collect c;
    struct zl_demo_opts o = opts(1, 100000);
    json_t *ev;
    size_t i;
    const char *tid = NULL;
    size_t cartons = 0, coll_inputs = 0;

    (void)state;
    memset(&c, 0, sizeof c);
    c.events = json_array();
    c.stop_after = 2;
    assert_int_equal(zl_demo_generate(&o, collect_emit, &c, NULL), 1);
    json_array_foreach(c.events, i, ev)
    {
        const char *t =
            json_string_value(json_object_get(ev, "transformationID"));
        json_t *in = json_object_get(ev, "inputQuantityList"), *x;
        size_t q;

        if (!t)
            continue;
        if (!tid) {
            tid = t;
            json_array_foreach(in, q, x) coll_inputs +=
                strstr(json_string_value(json_object_get(x, "epcClass")),
                       "/10/C") ||
                strstr(json_string_value(json_object_get(x, "epcClass")), ".C");
        }
        if (!strcmp(t, tid))
            cartons += json_array_size(json_object_get(ev, "outputEPCList"));
    }
    print_message("first batch: %zu collection lots -> %zu cartons\n",
                  coll_inputs, cartons);
    assert_true(coll_inputs >= 2);
    assert_true(cartons >= 100000);
    json_decref(c.events);
}

static void test_speed(void **state)
{
    struct zl_demo_opts o = opts(2, 5000);
    struct zl_demo_stats st;
    struct timespec t0, t1;
    uint64_t bytes = 0;
    double s, rate;

    (void)state;
    memset(&st, 0, sizeof st);
    /* CPU time, so other processes on a busy CI machine do not count */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    assert_int_equal(zl_demo_generate(&o, noop_emit, &bytes, &st), 0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    rate = (double)st.n_events / s;
    print_message("%llu events, %.1f MB in %.3f s CPU: %.0f events/s, %.0f MB/s"
                  "\n",
                  (unsigned long long)st.n_events, bytes / 1e6, s, rate,
                  bytes / 1e6 / s);
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
    assert_true(rate >= 500000);
#endif
}

/* Every allocation failure is reported as ZL_ENOMEM and leaks nothing
 * (the ASan build checks the leaks). */
static void test_alloc_failure(void **state)
{
    long n;
    int rc, failed = 0;

    (void)state;
    for (n = 0; n < 64; n++) {
        struct zl_demo_opts o = opts(4, 30);
        struct zl_demo_stats st;
        uint64_t bytes = 0;
        char *md = NULL;
        size_t len = 0;

        memset(&st, 0, sizeof st);
        o.truth_lots = 2;
        o.per_doc = 100;
        zl_alloc_fail_after(n);
        rc = zl_demo_generate(&o, noop_emit, &bytes, &st);
        zl_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == ZL_ENOMEM);
        failed += rc != 0;
        zl_demo_stats_cleanup(&st);
        zl_alloc_fail_after(n);
        rc = zl_demo_parties_json(&o, &md, &len);
        zl_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == ZL_ENOMEM);
        assert_true(rc != 0 || md != NULL);
        zl_demo_free(md);
    }
    assert_true(failed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_flat),
        cmocka_unit_test(test_uscc_check),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_content),
        cmocka_unit_test(test_truth_downstream),
        cmocka_unit_test(test_grai_reuse),
        cmocka_unit_test(test_big_lot),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_alloc_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
