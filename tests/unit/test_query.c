/*
 * test_query.c - the query module's guards: strict count parameters
 * (perPage, eventCountLimit, maxEventCount), identifier patterns answered
 * by the store's range scans checked against a brute-force prefix match
 * (a naive model: every stored identifier compared byte by byte), the
 * EQ_ parameters paged in both directions against the unfiltered order
 * (a naive model: the events filtered one by one), the
 * work budget (deadline and stop callback), the output cap, and a store
 * locked by another writer reported as ZL_EBUSY rather than a store
 * error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define FIXTURE_NAME "query"
#include "store_fixture.h"

#include "store/sqlite_int.h"
#include "util/buf.h"
#include "util/timefmt.h"
#include "zhiliang/query.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

/* ---- count parameters --------------------------------------------------- */

static void test_count_params(void **state)
{
    static const char *const names[] = {"perPage", "eventCountLimit",
                                        "maxEventCount"};
    static const char *const bad[] = {
        "-1",
        "0",
        "+5",
        " 5",
        "5 ",
        "1e3",
        "",
        "0x10",
        "5.0",
        "100000001",
        "1234567890123456789012345678901234567890",
        "18446744073709551617",
        "٣"};
    static const char *const good[] = {"1", "100000000", "007"};
    size_t i, k;

    (void)state;
    for (k = 0; k < 3; k++) {
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            zl_query *q = NULL;
            struct zl_error err;
            memset(&err, 0, sizeof err);
            assert_int_equal(zl_query_new(&q), 0);
            if (zl_query_param(q, names[k], bad[i], &err) != ZL_EINVAL)
                fail_msg("%s=%s accepted", names[k], bad[i]);
            /* the parameter is named, so a client knows what to fix */
            assert_string_equal(err.path, names[k]);
            zl_query_free(q);
        }
        for (i = 0; i < sizeof good / sizeof good[0]; i++) {
            zl_query *q = NULL;
            struct zl_error err;
            assert_int_equal(zl_query_new(&q), 0);
            assert_int_equal(zl_query_param(q, names[k], good[i], &err), 0);
            zl_query_free(q);
        }
    }
}

/* ---- patterns against a naive model ------------------------------------ */

/* Identifiers that are kept as captured (not GS1 keys, so there is no
 * canonical form to model): ASCII, '~' (just below the 0x7F the old upper
 * bound used), multi-byte UTF-8 right after a shared prefix, and ids that
 * are prefixes of others. */
static const char *const IDS[] = {
    "https://example.com/a",
    "https://example.com/a/1",
    "https://example.com/a/2",
    "https://example.com/ab",
    "https://example.com/a~",
    "https://example.com/a~b",
    "https://example.com/牛奶/1",
    "https://example.com/牛奶/2",
    "https://example.com/牛肉",
    "https://example.com/b",
    "https://example.org/a",
    "https://example.com0",
    "urn:example:x",
    "urn:example:x1",
    "urn:example:y",
    "urn:exampl",
};
#define N_IDS    (sizeof IDS / sizeof IDS[0])
#define N_EVENTS 64

/* Event i lists the identifiers whose bit is set in mask(i). */
static unsigned mask(size_t i)
{
    return (unsigned)((i * 2654435761u) >> 7) & ((1u << N_IDS) - 1);
}

/* An EPCIS document written into a buffer: its head; the head of an
 * ObjectEvent at minute i of 2024-01-02 (up to its epcList's opening
 * bracket); its end, captured into s unless rc already failed (b freed). */
static int doc_head(struct zl_buf *b)
{
    return zl_buf_adds(b, "{\"@context\":[\"https://ref.gs1.org/standards/"
                          "epcis/2.0.0/epcis-context.jsonld\"],\"type\":"
                          "\"EPCISDocument\",\"schemaVersion\":\"2.0\","
                          "\"creationDate\":\"2024-01-01T00:00:00Z\","
                          "\"epcisBody\":{\"eventList\":[");
}

static int minute_event_head(struct zl_buf *b, int i)
{
    return zl_buf_printf(b,
                         "%s{\"type\":\"ObjectEvent\",\"eventTime\":"
                         "\"2024-01-02T00:%02d:00Z\","
                         "\"eventTimeZoneOffset\":\"+00:00\","
                         "\"action\":\"OBSERVE\",\"epcList\":[",
                         i ? "," : "", i);
}

static int doc_capture(zl_store *s, struct zl_buf *b, int rc)
{
    struct zl_error err;

    if (!rc)
        rc = zl_buf_adds(b, "]}}");
    if (!rc)
        rc = zl_capture(s, b->data, b->len, NULL, NULL, &err);
    zl_buf_cleanup(b);
    return rc;
}

/* N_EVENTS events in hour h of 2024-01-01. */
static int put_events_at(zl_store *s, unsigned h)
{
    struct zl_buf b;
    size_t i, k;
    int rc, first;

    zl_buf_init(&b, 1 << 22);
    rc = doc_head(&b);
    for (i = 0; i < N_EVENTS && !rc; i++) {
        rc = zl_buf_printf(&b,
                           "%s{\"type\":\"ObjectEvent\",\"eventTime\":"
                           "\"2024-01-01T%02u:%02zu:%02zuZ\","
                           "\"eventTimeZoneOffset\":\"+00:00\","
                           "\"action\":\"OBSERVE\",\"epcList\":[",
                           i ? "," : "", h, i / 60, i % 60);
        for (k = 0, first = 1; k < N_IDS && !rc; k++)
            if (mask(i) & (1u << k)) {
                rc = zl_buf_printf(&b, "%s\"%s\"", first ? "" : ",", IDS[k]);
                first = 0;
            }
        if (!rc)
            rc = zl_buf_adds(&b, "]}");
    }
    rc = doc_capture(s, &b, rc);
    return rc;
}

static int put_events(zl_store *s)
{
    return put_events_at(s, 0);
}

struct seen {
    unsigned events; /* how many */
    char minute[N_EVENTS];
};

static int seen_cb(void *ctx, const char *json, size_t len)
{
    struct seen *s = ctx;
    const char *t = strstr(json, "\"eventTime\":\"2024-01-01T00:");
    unsigned mm, ss;

    (void)len;
    assert_non_null(t);
    assert_int_equal(sscanf(t + 27, "%2u:%2u", &mm, &ss), 2);
    assert_true(mm * 60 + ss < N_EVENTS);
    s->minute[mm * 60 + ss] = 1;
    s->events++;
    return 0;
}

static void check_pattern(zl_store *st, const char *prefix, size_t pl)
{
    char value[256];
    struct seen got, want;
    struct zl_error err;
    zl_query *q = NULL;
    size_t i, k;

    memset(&got, 0, sizeof got);
    memset(&want, 0, sizeof want);
    for (i = 0; i < N_EVENTS; i++)
        for (k = 0; k < N_IDS; k++)
            if ((mask(i) & (1u << k)) && strlen(IDS[k]) >= pl &&
                memcmp(IDS[k], prefix, pl) == 0 && !want.minute[i]) {
                want.minute[i] = 1;
                want.events++;
            }
    snprintf(value, sizeof value, "%.*s*", (int)pl, prefix);
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_query_param(q, "MATCH_epc", value, &err), 0);
    assert_int_equal(
        zl_query_each(st, q, ZL_EPC_AS_CAPTURED, seen_cb, &got, NULL, &err), 0);
    zl_query_free(q);
    if (got.events != want.events ||
        memcmp(got.minute, want.minute, sizeof got.minute))
        fail_msg("MATCH_epc=%s: %u events, the naive model %u", value,
                 got.events, want.events);
}

static void test_patterns_vs_naive(void **state)
{
    struct fixture *f = *state;
    size_t k, pl;

    assert_int_equal(put_events(f->s), 0);
    /* every prefix of every identifier, cut at every byte (mid-character
     * too: a pattern is bytes to the store) */
    for (k = 0; k < N_IDS; k++)
        for (pl = 1; pl <= strlen(IDS[k]); pl++)
            check_pattern(f->s, IDS[k], pl);
    check_pattern(f->s, "\xff", 1); /* above everything */
    check_pattern(f->s, "https://example.com/\xe7\xff", 22);
}

/* ---- broad patterns ------------------------------------------------------
 * A pattern that reaches thousands of identifiers (a GTIN's serials) is
 * answered by walking events in time order and testing each event's own
 * identifiers (sqlite_query.c: at 5,000 identifiers), a narrow one by
 * collecting its identifiers' events: both against a naive model, page
 * by page in both directions. N_BROAD events, one a minute: event i
 * lists BROAD_PER serials of class A when i % 3 == 0 (5,600 in all, past
 * the walk's threshold), three of class B when i % 3 == 1, and carries
 * an identifier of class A as a quantity's class when i % 3 == 2 (which
 * MATCH_epc must not match, and MATCH_anyEPCClass must). */
#define N_BROAD   42
#define BROAD_PER 400

/* The identifiers of put_broad: class A's serials (event i, serial k),
 * class B's, the quantity class, and the patterns asked. */
struct broad_ids {
    const char *a, *b, *q; /* prefixes of A's and B's serials */
    const char *sep;       /* between an A serial's two numbers */
    const char *a_pat, *all_pat, *b_pat, *q_pat, *none_pat;
};

/* Text identifiers (no coded form: idents keeps their TEXT). */
static const struct broad_ids TEXT_IDS = {
    "https://example.com/A/21/",      "https://example.com/B/21/",
    "https://example.com/A/21/q",     "-",
    "https://example.com/A/*",        "https://example.com/*",
    "https://example.com/B/*",        "https://example.com/A/21/q*",
    "https://example.com/A/21/\xff*",
};

/* GS1 Digital Link items and a lot, coded in idents (ident_code.c): A's
 * serials of digits of both parities and with a letter (three forms),
 * B's with a dash; the walk tests their codes against the patterns'
 * ranges of codes. */
static const struct broad_ids CODED_IDS = {
    "https://id.gs1.org/01/09506000134352/21/",
    "https://id.gs1.org/01/09506000134369/21/",
    "https://id.gs1.org/01/09506000134352/10/q",
    "",
    "https://id.gs1.org/01/09506000134352/*",
    "https://id.gs1.org/*",
    "https://id.gs1.org/01/09506000134369/*",
    "https://id.gs1.org/01/09506000134352/10/q*",
    "https://id.gs1.org/01/09506000134352/21/\xff*",
};

static int put_broad(zl_store *s, const struct broad_ids *ids)
{
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, 1 << 24);
    rc = doc_head(&b);
    for (int i = 0; i < N_BROAD && !rc; i++) {
        rc = minute_event_head(&b, i);
        for (int k = 0; !rc && i % 3 == 0 && k < BROAD_PER; k++)
            rc = zl_buf_printf(&b, "%s\"%s%d%s%d%s\"", k ? "," : "", ids->a, i,
                               ids->sep, k,
                               k % 7 == 3 ? "x" : ""); /* a letter */
        for (int k = 0; !rc && i % 3 == 1 && k < 3; k++)
            rc = zl_buf_printf(&b, "%s\"%s%d-%d\"", k ? "," : "", ids->b, i, k);
        if (!rc)
            rc = zl_buf_adds(&b, "]");
        if (!rc && i % 3 == 2)
            rc = zl_buf_printf(&b,
                               ",\"quantityList\":[{\"epcClass\":"
                               "\"%s\",\"quantity\":1}]",
                               ids->q);
        if (!rc)
            rc = zl_buf_adds(&b, "}");
    }
    rc = doc_capture(s, &b, rc);
    return rc;
}

struct broad {
    int n;
    int at[N_BROAD];
};

static int broad_cb(void *ctx, const char *json, size_t len)
{
    struct broad *o = ctx;
    const char *t = strstr(json, "\"eventTime\":\"2024-01-02T00:");

    (void)len;
    assert_non_null(t);
    assert_true(o->n < N_BROAD);
    o->at[o->n++] = atoi(t + 27);
    return 0;
}

/* Every page of name=value at perPage=per in direction dir, against the
 * events i (in time order) for which want(i). */
static void check_broad(zl_store *s, const char *name, const char *value,
                        int per, const char *dir, int (*want)(int))
{
    char tok[200], pp[16];
    struct zl_error err;
    struct broad got;
    char *next = NULL;
    int pages = 0, n = 0;

    memset(&got, 0, sizeof got);
    snprintf(pp, sizeof pp, "%d", per);
    do {
        zl_query *q = NULL;

        assert_int_equal(zl_query_new(&q), 0);
        assert_int_equal(zl_query_param(q, name, value, &err), 0);
        assert_int_equal(zl_query_param(q, "perPage", pp, &err), 0);
        assert_int_equal(zl_query_param(q, "orderDirection", dir, &err), 0);
        if (pages)
            assert_int_equal(zl_query_param(q, "nextPageToken", tok, &err), 0);
        assert_int_equal(zl_query_each(s, q, ZL_EPC_AS_CAPTURED, broad_cb, &got,
                                       &next, &err),
                         0);
        zl_query_free(q);
        if (next)
            snprintf(tok, sizeof tok, "%s", next);
        zl_free(next);
        assert_true(++pages <= N_BROAD + 1);
    } while (next);
    for (int k = 0; k < N_BROAD; k++) {
        int i = dir[0] == 'A' ? k : N_BROAD - 1 - k;

        if (!want(i))
            continue;
        if (n >= got.n || got.at[n] != i)
            fail_msg("%s=%s (%s, perPage %d): answer %d is minute %d, the "
                     "model's is %d",
                     name, value, dir, per, n, n < got.n ? got.at[n] : -1, i);
        n++;
    }
    if (n != got.n)
        fail_msg("%s=%s: %d events, the model %d", name, value, got.n, n);
}

static int class_a(int i)
{
    return i % 3 == 0;
}

static int class_b(int i)
{
    return i % 3 == 1;
}

static int qty_a(int i)
{
    return i % 3 == 2;
}

static int with_ids(int i)
{
    return i % 3 != 2;
}

static int none(int i)
{
    (void)i;
    return 0;
}

static void check_broads(zl_store *s, const struct broad_ids *ids)
{
    static const char *const DIRS[] = {"ASC", "DESC"};
    char both[200];

    assert_int_equal(put_broad(s, ids), 0);
    for (int d = 0; d < 2; d++)
        for (int per = 1; per <= 8; per += 7) {
            /* broad (walk) */
            check_broad(s, "MATCH_epc", ids->a_pat, per, DIRS[d], class_a);
            check_broad(s, "MATCH_epc", ids->all_pat, per, DIRS[d], with_ids);
            check_broad(s, "MATCH_anyEPCClass", ids->a_pat, per, DIRS[d],
                        qty_a); /* the roles count */
            /* narrow (collected) */
            check_broad(s, "MATCH_epc", ids->b_pat, per, DIRS[d], class_b);
            check_broad(s, "MATCH_epcClass", ids->q_pat, per, DIRS[d], qty_a);
        }
    /* a list of a broad and a narrow pattern; one no identifier can have */
    snprintf(both, sizeof both, "%s|%s", ids->a_pat, ids->b_pat);
    check_broad(s, "MATCH_epc", both, 5, "ASC", with_ids);
    check_broad(s, "MATCH_epc", ids->none_pat, 5, "ASC", none);
}

static void test_broad_patterns_vs_naive(void **state)
{
    struct fixture *f = *state;

    check_broads(f->s, &TEXT_IDS);
}

/* The same with coded identifiers (schema 26's forms). */
static void test_broad_coded_vs_naive(void **state)
{
    struct fixture *f = *state;

    check_broads(f->s, &CODED_IDS);
}

/* ---- the walk's memo of idents blocks ------------------------------------
 * The walk reads a block of idents numbers whole at its second number
 * (sqlite_query.c, walk_number_cb). N_REUSE events a minute apart: the
 * first lists 200 serials of class A (consecutive numbers), each later
 * one a new serial of class B and then one of the first event's serials,
 * so its B misses and its A is met in a block the walk has touched: the
 * whole block read then, and its masks decide the events after. With
 * every pattern broad (ZL_QUERY_WALK_IDENTS=1), all pages both ways. */
#define N_REUSE 21

static int put_reuse(zl_store *s)
{
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, 1 << 22);
    rc = doc_head(&b);
    for (int i = 0; i < N_REUSE && !rc; i++) {
        rc = minute_event_head(&b, i);
        for (int k = 0; !rc && !i && k < 200; k++)
            rc = zl_buf_printf(&b,
                               "%s\"https://id.gs1.org/01/09506000134352/"
                               "21/%d\"",
                               k ? "," : "", 1000 + k);
        if (!rc && i)
            rc = zl_buf_printf(&b,
                               "\"https://id.gs1.org/01/09506000134369/21/%d\","
                               "\"https://id.gs1.org/01/09506000134352/21/%d\"",
                               i, 1000 + (i * 37) % 200);
        if (!rc)
            rc = zl_buf_adds(&b, "]}");
    }
    rc = doc_capture(s, &b, rc);
    return rc;
}

static int reuse_all(int i)
{
    return i < N_REUSE;
}

static int reuse_b(int i)
{
    return i >= 1 && i < N_REUSE;
}

static void test_walk_blocks_vs_naive(void **state)
{
    static const char *const DIRS[] = {"ASC", "DESC"};
    struct fixture *f = *state;

    assert_int_equal(put_reuse(f->s), 0);
    setenv("ZL_QUERY_WALK_IDENTS", "1", 1);
    for (int d = 0; d < 2; d++)
        for (int per = 1; per <= 8; per += 7) {
            check_broad(f->s, "MATCH_epc",
                        "https://id.gs1.org/01/09506000134352/*", per, DIRS[d],
                        reuse_all);
            check_broad(f->s, "MATCH_epc",
                        "https://id.gs1.org/01/09506000134369/*", per, DIRS[d],
                        reuse_b);
        }
    unsetenv("ZL_QUERY_WALK_IDENTS");
}

/* ---- EQ_ parameters and their order, against a naive model ------------
 * N_ORD events, two to a minute (so ties on eventTime are broken by the
 * hash), each with a bizStep, disposition, readPoint and bizLocation
 * from short cycles. A query with one EQ_ value may lead its ORDER BY with
 * that column (query_sql.c, lead_col): every page must still come in the
 * order of the unfiltered query, which the model filters event by event.
 */
#define N_ORD 60
static const char *const STEPS[] = {"shipping", "receiving", "packing"};
static const char *const DISPS[] = {"in_transit", "active", "in_progress",
                                    "sellable_accessible"};
#define RP(i)  ((i) % 5)
#define LOC(i) ((i) % 2)

static int put_ordered(zl_store *s)
{
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, 1 << 20);
    rc = doc_head(&b);
    for (int i = 0; i < N_ORD && !rc; i++)
        rc = zl_buf_printf(
            &b,
            "%s{\"type\":\"ObjectEvent\",\"eventTime\":"
            "\"2024-01-01T00:%02d:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
            "\"action\":\"OBSERVE\",\"epcList\":[\"urn:epc:id:sgtin:0614141."
            "107346.%d\"],\"bizStep\":\"%s\",\"disposition\":\"%s\","
            "\"readPoint\":{\"id\":\"urn:epc:id:sgln:0614141.07346.%d\"},"
            "\"bizLocation\":{\"id\":\"urn:epc:id:sgln:0614141.00888.%d\"}}",
            i ? "," : "", (i * 7 % N_ORD) / 2, i, STEPS[i % 3], DISPS[i % 4],
            RP(i), LOC(i));
    rc = doc_capture(s, &b, rc);
    return rc;
}

struct ord {
    int n;
    int at[N_ORD * 2]; /* event numbers in the order they came */
};

static int ord_cb(void *ctx, const char *json, size_t len)
{
    struct ord *o = ctx;
    const char *p = strstr(json, "sgtin:0614141.107346.");

    (void)len;
    assert_non_null(p);
    assert_true(o->n < N_ORD * 2);
    o->at[o->n++] = atoi(p + 21);
    return 0;
}

/* Every page of params (NAME=VALUE, NULL-terminated) at perPage=4, in
 * direction dir, into o. */
static void walk(zl_store *s, const char *const *params, const char *dir,
                 struct ord *o)
{
    char tok[200], name[64];
    struct zl_error err;
    char *next = NULL;
    int pages = 0;

    memset(o, 0, sizeof *o);
    do {
        zl_query *q = NULL;

        assert_int_equal(zl_query_new(&q), 0);
        for (size_t i = 0; params[i]; i++) {
            const char *eq = strchr(params[i], '=');

            snprintf(name, sizeof name, "%.*s", (int)(eq - params[i]),
                     params[i]);
            assert_int_equal(zl_query_param(q, name, eq + 1, &err), 0);
        }
        assert_int_equal(zl_query_param(q, "perPage", "4", &err), 0);
        assert_int_equal(zl_query_param(q, "orderDirection", dir, &err), 0);
        if (pages)
            assert_int_equal(zl_query_param(q, "nextPageToken", tok, &err), 0);
        assert_int_equal(
            zl_query_each(s, q, ZL_EPC_AS_CAPTURED, ord_cb, o, &next, &err), 0);
        zl_query_free(q);
        if (next)
            snprintf(tok, sizeof tok, "%s", next);
        zl_free(next);
        assert_true(++pages <= N_ORD);
    } while (next);
}

/* Does event i match the model of query k? */
static int model(int k, int i)
{
    switch (k) {
    case 0: return i % 3 == 0;                /* shipping */
    case 1: return i % 4 == 1;                /* active */
    case 2: return RP(i) == 3;                /* readPoint 3 */
    case 3: return LOC(i) == 1;               /* bizLocation 1 */
    case 4: return LOC(i) == 0 && i % 3 == 1; /* + receiving */
    case 5: return i % 3 != 2;                /* shipping|receiving */
    case 6: return RP(i) == 2 && (i * 7 % N_ORD) / 2 >= 10;
    case 7: return i % 3 == 0 && i == 12;     /* + MATCH_epc */
    default: return i % 4 == 2 && i % 3 == 2; /* two single values */
    }
}

/* Every query of queries (n of them) paged in both directions against
 * the unfiltered order of the events put, filtered by matches(k, event). */
static void check_order(zl_store *s, const char *const *const *queries, int n,
                        int (*matches)(int k, int i))
{
    static const char *const NONE[] = {NULL};
    static const char *const DIRS[] = {"ASC", "DESC"};
    struct ord all, got;

    for (int d = 0; d < 2; d++) {
        walk(s, NONE, DIRS[d], &all);
        assert_int_equal(all.n, N_ORD);
        for (int k = 0; k < n; k++) {
            int want = 0;

            walk(s, queries[k], DIRS[d], &got);
            for (int j = 0; j < all.n; j++) {
                if (!matches(k, all.at[j]))
                    continue;
                if (want >= got.n || got.at[want] != all.at[j])
                    fail_msg("query %d %s: row %d is event %d, the model's"
                             " is %d",
                             k, DIRS[d], want, want < got.n ? got.at[want] : -1,
                             all.at[j]);
                want++;
            }
            if (want != got.n)
                fail_msg("query %d %s: %d events, the model %d", k, DIRS[d],
                         got.n, want);
            assert_true(want > 0);
        }
    }
}

static void test_eq_order_vs_naive(void **state)
{
    const char *const *const QUERIES[] = {
        (const char *const[]){"EQ_bizStep=shipping", NULL},
        (const char *const[]){"EQ_disposition=active", NULL},
        (const char *const[]){"EQ_readPoint=urn:epc:id:sgln:0614141.07346.3",
                              NULL},
        (const char *const[]){"EQ_bizLocation=urn:epc:id:sgln:0614141.00888.1",
                              NULL},
        (const char *const[]){"EQ_bizLocation=urn:epc:id:sgln:0614141.00888.0",
                              "EQ_bizStep=receiving", NULL},
        (const char *const[]){"EQ_bizStep=shipping|receiving", NULL},
        (const char *const[]){"EQ_readPoint=urn:epc:id:sgln:0614141.07346.2",
                              "GE_eventTime=2024-01-01T00:10:00Z", NULL},
        (const char *const[]){"EQ_bizStep=shipping",
                              "MATCH_epc=urn:epc:id:sgtin:0614141.107346.12",
                              NULL},
        (const char *const[]){"EQ_disposition=in_progress",
                              "EQ_bizStep=packing", NULL},
    };
    struct fixture *f = *state;

    assert_int_equal(put_ordered(f->s), 0);
    check_order(f->s, QUERIES, (int)(sizeof QUERIES / sizeof QUERIES[0]),
                model);
}

/* ---- EQ_action and EQ_transformationID (schema 37) ---------------------
 * The same N_ORD events' times (two to a minute), each fifth a
 * TransformationEvent with one of two transformationIDs, the others
 * ObjectEvents whose action cycles through ADD, OBSERVE, DELETE. A
 * transformationID is answered from an index in (value, event time)
 * order (events_tid), an action by the walk in time order: every page
 * must still come in the unfiltered query's order, ties included.
 */
static const char *const ACTS[] = {"ADD", "OBSERVE", "DELETE"};
#define IS_TX(i)  ((i) % 5 == 4)
#define TID(i)    ((i) / 5 % 2)
#define MINUTE(i) ((i)*7 % N_ORD / 2)

static int put_actions(zl_store *s)
{
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, 1 << 20);
    rc = doc_head(&b);
    for (int i = 0; i < N_ORD && !rc; i++) {
        rc = zl_buf_printf(&b,
                           "%s{\"eventTime\":\"2024-01-01T00:%02d:00Z\","
                           "\"eventTimeZoneOffset\":\"+00:00\","
                           "\"bizStep\":\"%s\",",
                           i ? "," : "", MINUTE(i), STEPS[i / 2 % 3]);
        if (!rc && IS_TX(i))
            rc = zl_buf_printf(&b,
                               "\"type\":\"TransformationEvent\","
                               "\"transformationID\":\"urn:uuid:00000000-0000-"
                               "4000-8000-00000000000%d\",\"inputEPCList\":["
                               "\"urn:epc:id:sgtin:0614141.107346.%d\"]}",
                               TID(i), i);
        else if (!rc)
            rc = zl_buf_printf(&b,
                               "\"type\":\"ObjectEvent\",\"action\":\"%s\","
                               "\"epcList\":[\"urn:epc:id:sgtin:0614141."
                               "107346.%d\"]}",
                               ACTS[i % 3], i);
    }
    rc = doc_capture(s, &b, rc);
    return rc;
}

static int model_actions(int k, int i)
{
    int obj = !IS_TX(i);

    switch (k) {
    case 0: return obj && i % 3 == 0; /* ADD */
    case 1: return obj && i % 3 == 1; /* OBSERVE */
    case 2: return obj && i % 3 == 2; /* DELETE */
    case 3: return obj && i % 3 != 1; /* ADD|DELETE */
    case 4: return obj && i % 3 == 1 && MINUTE(i) >= 10;
    case 5: return obj && i % 3 == 0 && i / 2 % 3 == 0; /* + shipping */
    case 6: return obj && i % 3 == 2 && i == 5;         /* + MATCH_epc */
    case 7: return !obj && TID(i) == 0;
    case 8: return !obj && TID(i) == 1 && MINUTE(i) < 20;
    default: return !obj; /* both IDs */
    }
}

#define TX_ID "urn:uuid:00000000-0000-4000-8000-00000000000"

static void test_action_tid_order_vs_naive(void **state)
{
    const char *const *const QUERIES[] = {
        (const char *const[]){"EQ_action=ADD", NULL},
        (const char *const[]){"EQ_action=OBSERVE", NULL},
        (const char *const[]){"EQ_action=DELETE", NULL},
        (const char *const[]){"EQ_action=ADD|DELETE", NULL},
        (const char *const[]){"EQ_action=OBSERVE",
                              "GE_eventTime=2024-01-01T00:10:00Z", NULL},
        (const char *const[]){"EQ_action=ADD", "EQ_bizStep=shipping", NULL},
        (const char *const[]){"EQ_action=DELETE",
                              "MATCH_epc=urn:epc:id:sgtin:0614141.107346.5",
                              NULL},
        (const char *const[]){"EQ_transformationID=" TX_ID "0", NULL},
        (const char *const[]){"EQ_transformationID=" TX_ID "1",
                              "LT_eventTime=2024-01-01T00:20:00Z", NULL},
        (const char *const[]){"EQ_transformationID=" TX_ID "0|" TX_ID "1",
                              NULL},
    };
    struct fixture *f = *state;

    assert_int_equal(put_actions(f->s), 0);
    check_order(f->s, QUERIES, (int)(sizeof QUERIES / sizeof QUERIES[0]),
                model_actions);
}

/* ---- budget ---------------------------------------------------------------
 */

static int stop_now(void *ctx)
{
    (*(int *)ctx)++;
    return -ECONNRESET;
}

static void test_budget(void **state)
{
    struct fixture *f = *state;
    struct zl_error err;
    zl_query *q = NULL;
    char *json = NULL;
    size_t len;
    int calls = 0;

    assert_int_equal(put_events(f->s), 0);
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_query_param(q, "MATCH_anyEPC", "https://*", &err), 0);
    /* a deadline already past: nothing is returned */
    zl_query_set_budget(q, zl_time_now_ms() - 1, 0, NULL, NULL);
    assert_int_equal(
        zl_query_json(f->s, q, ZL_EPC_AS_CAPTURED, &json, &len, NULL, &err),
        ZL_ETIMEOUT);
    assert_null(json);
    /* the stop callback's value comes back (polled while rows are made) */
    zl_query_set_budget(q, 0, 0, stop_now, &calls);
    assert_int_equal(
        zl_query_json(f->s, q, ZL_EPC_AS_CAPTURED, &json, &len, NULL, &err),
        -ECONNRESET);
    assert_true(calls > 0);
    assert_null(json);
    /* an output cap: 413 material, naming perPage */
    memset(&err, 0, sizeof err);
    zl_query_set_budget(q, 0, 2048, NULL, NULL);
    assert_int_equal(
        zl_query_json(f->s, q, ZL_EPC_AS_CAPTURED, &json, &len, NULL, &err),
        ZL_ELIMIT);
    assert_string_equal(err.path, "perPage");
    assert_non_null(strstr(err.rule, "2048 bytes"));
    /* a generous budget changes nothing */
    zl_query_set_budget(q, zl_time_now_ms() + 60000, 0, NULL, NULL);
    assert_int_equal(
        zl_query_json(f->s, q, ZL_EPC_AS_CAPTURED, &json, &len, NULL, &err), 0);
    assert_non_null(strstr(json, "eventList\":[{"));
    zl_free(json);
    zl_query_free(q);
}

/* The store's own budget, below the query module: a spent deadline stops
 * the query before it starts, and the stop callback is polled from inside
 * the statement (SQLite's progress handler) while it sorts. */
static int count_cb(void *ctx, const struct zl_stored_event *ev)
{
    (void)ev;
    (*(size_t *)ctx)++;
    return 0;
}

static void test_store_budget(void **state)
{
    struct fixture *f = *state;
    static const char *pat[] = {"https://*", NULL};
    struct zl_event_filter flt;
    size_t n = 0;
    unsigned h;
    int calls = 0;

    for (h = 0; h < 20; h++)
        assert_int_equal(put_events_at(f->s, h), 0);
    memset(&flt, 0, sizeof flt);
    flt.match_any_epc = pat;
    flt.order_by = ZL_ORDER_EVENT_TIME;
    flt.deadline_ms = 1; /* long past */
    assert_int_equal(zl_store_events_query(f->s, &flt, count_cb, &n),
                     ZL_ETIMEOUT);
    assert_int_equal(n, 0);
    flt.deadline_ms = 0;
    flt.stop = stop_now;
    flt.stop_ctx = &calls;
    /* ~1200 events found and sorted before the first row comes out */
    assert_int_equal(zl_store_events_query(f->s, &flt, count_cb, &n),
                     -ECONNRESET);
    assert_int_equal(n, 0);
    assert_true(calls > 0);
    flt.stop = NULL;
    assert_int_equal(zl_store_events_query(f->s, &flt, count_cb, &n), 0);
    assert_true(n > 1000);
}

/* The budget interrupts any statement that runs while the query does,
 * the read rule's own (keep) too; whatever error such a statement's
 * caller then returns, the query answers with the budget's value, never
 * a store error (the server's 503, not 500). SQLite: PostgreSQL cancels
 * the query's own statement only. */
struct armed {
    zl_store *s;
    int armed;
};

static int stop_armed(void *ctx)
{
    return ((struct armed *)ctx)->armed ? -ECONNRESET : 0;
}

static int keep_slow(void *ctx, const struct zl_stored_event *ev)
{
    struct armed *a = ctx;

    (void)ev;
    a->armed = 1; /* stop from now on: inside the statement below */
    return zl_store_exec_sql(a->s, "SELECT count(*) FROM events a, events b,"
                                   " events c");
}

static void test_budget_in_keep(void **state)
{
    struct fixture *f = *state;
    static const char *pat[] = {"https://*", NULL};
    struct zl_event_filter flt;
    struct armed a = {f->s, 0};
    size_t n = 0;

    if (fixture_is_pg(f->uri))
        skip();
    for (unsigned h = 0; h < 4; h++)
        assert_int_equal(put_events_at(f->s, h), 0);
    memset(&flt, 0, sizeof flt);
    flt.match_any_epc = pat;
    flt.stop = stop_armed;
    flt.stop_ctx = &a;
    flt.keep = keep_slow;
    flt.keep_ctx = &a;
    assert_int_equal(zl_store_events_query(f->s, &flt, count_cb, &n),
                     -ECONNRESET);
    assert_int_equal(n, 0);
}

/* ---- a locked store ------------------------------------------------------ */

static void test_busy(void **state)
{
    struct fixture *f = *state;
    sqlite3 *other = NULL;
    struct zl_error err;
    int rc;

    if (fixture_is_pg(f->uri)) {
        /* another handle holds the writers' advisory lock of the schema;
         * our handle waits lock_timeout, 50 ms here */
        zl_store *o = NULL;

        memset(&err, 0, sizeof err);
        assert_int_equal(zl_open(f->uri, &o, &err), 0);
        assert_int_equal(zl_store_begin(o), 0);
        assert_int_equal(zl_store_exec_sql(f->s, "SET lock_timeout = 50"), 0);
        assert_int_equal(zl_store_begin(f->s), ZL_EBUSY);
        assert_int_equal(put_events(f->s), ZL_EBUSY);
        assert_int_equal(zl_store_rollback(o), 0);
        zl_close(o);
        assert_int_equal(put_events(f->s), 0);
        return;
    }
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    /* our handle waits 10 s by default; the test does not */
    assert_int_equal(zl_sqlite_exec(f->s, "PRAGMA busy_timeout=50"), 0);
    assert_int_equal(zl_store_begin(f->s), ZL_EBUSY);
    memset(&err, 0, sizeof err);
    rc = put_events(f->s);
    assert_int_equal(rc, ZL_EBUSY);
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(put_events(f->s), 0);
    (void)err;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_params),
        cmocka_unit_test_setup_teardown(test_patterns_vs_naive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_broad_coded_vs_naive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_walk_blocks_vs_naive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_broad_patterns_vs_naive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_eq_order_vs_naive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_action_tid_order_vs_naive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_in_keep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
