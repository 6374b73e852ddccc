/*
 * test_subscription.c - named queries and subscription batches
 * (zhiliang/subscription.h, lib/query/subscription.c, store_subs.h), on
 * every backend (store_fixture.h).
 *
 * Known answers from outside: the GS1-Signature is checked against RFC
 * 4231's HMAC-SHA256 test cases 1 and 2. The batches are checked against
 * a naive model: the events a batch holds are exactly the events captured
 * after the subscription that the owner's own GET /events (zl_query_json
 * with its viewer) returns; a batch not acknowledged comes back byte for
 * byte; an acknowledged one never again. Proceed capture is checked
 * against the events the parser accepts one by one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/store.h"
#include "store/store_subs.h"
#include "zhiliang/alloc.h"
#include "zhiliang/audit.h"
#include "zhiliang/buf.h"
#include "zhiliang/party.h"
#include "zhiliang/query.h"
#include "zhiliang/subscription.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/zhiliang.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIXTURE_NAME "test-subscription"
#include "store_fixture.h"

/* ---- RFC 4231 -------------------------------------------------------------
 */

static void test_hmac_rfc4231(void **state)
{
    char key1[20], out[48];

    (void)state;
    memset(key1, 0x0b, sizeof key1);
    /* test case 1: 0xb0344c61...2e32cff7 */
    assert_int_equal(
        zl_hmac_sha256_b64(key1, 20, "Hi There", strlen("Hi There"), out), 0);
    assert_string_equal(out, "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=");
    /* test case 2: 0x5bdcc146...64ec3843 */
    assert_int_equal(zl_hmac_sha256_b64(
                         "Jefe", strlen("Jefe"), "what do ya want for nothing?",
                         strlen("what do ya want for nothing?"), out),
                     0);
    assert_string_equal(out, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

/* ---- named queries --------------------------------------------------------
 */

static int collect_names(void *ctx, const char *name, const char *owner,
                         const char *q)
{
    char *b = ctx;

    (void)q;
    strcat(b, name);
    strcat(b, "@");
    strcat(b, owner);
    strcat(b, ";");
    return 0;
}

static void test_named_queries(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    char *json = NULL, names[512] = "";
    const char *q = "{\"EQ_bizStep\":[\"shipping\",\"receiving\"],"
                    "\"eventType\":[\"ObjectEvent\"]}";

    assert_int_equal(zl_named_query_save(f->s, "b", "p1", q, strlen(q), &err),
                     0);
    assert_int_equal(
        zl_named_query_save(f->s, "b", "p2", "{}", strlen("{}"), &err),
        ZL_EEXIST);
    assert_int_equal(
        zl_named_query_save(f->s, "B", "p2", "{}", strlen("{}"), &err), 0);
    assert_int_equal(
        zl_named_query_save(f->s, "a", NULL, "{}", strlen("{}"), &err), 0);
    /* bad names, bad parameters, pagination, not an object */
    memset(&err, 0, sizeof err);
    assert_int_equal(
        zl_named_query_save(f->s, "a/b", NULL, "{}", strlen("{}"), &err),
        ZL_EINVAL);
    assert_int_equal(
        zl_named_query_save(f->s, "", NULL, "{}", strlen("{}"), &err),
        ZL_EINVAL);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        zl_named_query_save(f->s, "x", NULL, "{\"EQ_bizStepp\":[\"x\"]}",
                            strlen("{\"EQ_bizStepp\":[\"x\"]}"), &err),
        ZL_EINVAL);
    assert_string_equal(err.path, "EQ_bizStepp");
    assert_int_equal(
        zl_named_query_save(f->s, "x", NULL, "{\"EQ_bizStep\":[\"shippin\"]}",
                            strlen("{\"EQ_bizStep\":[\"shippin\"]}"), &err),
        ZL_EINVAL);
    assert_int_equal(zl_named_query_save(f->s, "x", NULL, "{\"perPage\":5}",
                                         strlen("{\"perPage\":5}"), &err),
                     ZL_EINVAL);
    assert_int_equal(
        zl_named_query_save(f->s, "x", NULL, "[]", strlen("[]"), &err),
        ZL_EINVAL);
    /* ownership: another owner's query does not exist for it */
    assert_int_equal(zl_named_query_get(f->s, "b", "p2", &json), ZL_ENOTFOUND);
    assert_null(json);
    assert_int_equal(zl_named_query_get(f->s, "b", "p1", &json), 0);
    assert_string_equal(json, "{\"EQ_bizStep\":[\"shipping\",\"receiving\"],"
                              "\"eventType\":[\"ObjectEvent\"]}");
    zl_free(json);
    assert_int_equal(zl_named_query_get(f->s, "b", NULL, &json), 0);
    zl_free(json);
    /* bytewise name order on every backend */
    assert_int_equal(zl_named_query_list(f->s, NULL, collect_names, names), 0);
    assert_string_equal(names, "B@p2;a@;b@p1;");
    names[0] = '\0';
    assert_int_equal(zl_named_query_list(f->s, "p1", collect_names, names), 0);
    assert_string_equal(names, "b@p1;");
    assert_int_equal(zl_named_query_delete(f->s, "b", "p2"), ZL_ENOTFOUND);
    assert_int_equal(zl_named_query_delete(f->s, "b", "p1"), 0);
    assert_int_equal(zl_named_query_delete(f->s, "b", "p1"), ZL_ENOTFOUND);
}

/* ---- batches --------------------------------------------------------------
 */

static const char *DAIRY_GLNS[] = {"6940277700002"};
static const char *PHARM_GLNS[] = {"6947782500011"};

static void add(zl_store *s, const char *id, const char **glns,
                const char *prefix)
{
    const char *pre[1] = {prefix};
    struct zl_party p;
    struct zl_error err = {0};

    memset(&p, 0, sizeof p);
    p.id = id;
    p.name_zh = "x";
    p.glns = glns;
    p.n_glns = 1;
    p.prefixes = pre;
    p.n_prefixes = 1;
    p.kind = ZL_PARTY_ENTERPRISE;
    p.region = "130102";
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
}

/* Capture one ObjectEvent as party at gln with serial k. */
static void capture(zl_store *s, const char *party, const char *gln,
                    const char *prefix, int k, const char *step)
{
    char doc[2048], gtin[15];
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};
    int rc;

    snprintf(gtin, sizeof gtin, "0%s00099", prefix);
    gtin[13] = (char)('0' + zl_gs1_check_digit(gtin, 13));
    gtin[14] = '\0';
    snprintf(doc, sizeof doc,
             "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
             "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
             "\"schemaVersion\":\"2.0\",\"creationDate\":"
             "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
             "\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"
             "\"%s\",\"eventTime\":\"2026-05-01T01:%02d:00+08:00\","
             "\"eventTimeZoneOffset\":\"+08:00\",\"epcList\":["
             "\"https://id.gs1.org/01/%s/21/S%d\"],\"readPoint\":{\"id\":"
             "\"https://id.gs1.org/414/%s\"}}]}}",
             step, k % 60, gtin, k, gln);
    o.party = party;
    rc = zl_capture(s, doc, strlen(doc), &o, &r, &err);
    if (rc || r.n_new != 1)
        fail_msg("capture %d: %d %s %s", k, rc, err.path, err.rule);
}

/* The eventIDs of an EPCISQueryDocument, sorted, as "a|b|c". */
static void ids_of(const char *doc, size_t len, char *out, size_t cap)
{
    json_error_t je;
    json_t *d = json_loadb(doc, len, 0, &je), *e;
    json_t *list = json_object_get(
        json_object_get(
            json_object_get(json_object_get(d, "epcisBody"), "queryResults"),
            "resultsBody"),
        "eventList");
    const char *v[256];
    size_t i, n = 0;

    assert_non_null(d);
    json_array_foreach(list, i, e)
    {
        if (n < 256)
            v[n++] = json_string_value(json_object_get(e, "eventID"));
    }
    for (i = 1; i < n; i++) /* insertion sort: few */
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            const char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        strncat(out, v[i], cap - strlen(out) - 1);
        if (i + 1 < n)
            strncat(out, "|", cap - strlen(out) - 1);
    }
    json_decref(d);
}

/* What the owner's own query returns, restricted to serials >= from. */
static void oracle(zl_store *s, const char *owner, const char *query,
                   const char *extra_name, const char *extra, char *out,
                   size_t cap)
{
    struct zl_viewer v;
    struct zl_error err = {0};
    zl_query *q = NULL;
    char *json = NULL;
    size_t len = 0;

    assert_int_equal(zl_viewer_for_party(s, owner, &v, &err), 0);
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_named_query_apply(q, query, &err), 0);
    if (extra_name)
        assert_int_equal(zl_query_param(q, extra_name, extra, &err), 0);
    zl_query_set_viewer(q, &v);
    assert_int_equal(
        zl_query_json(s, q, ZL_EPC_AS_CAPTURED, &json, &len, NULL, &err), 0);
    ids_of(json, len, out, cap);
    zl_free(json);
    zl_query_free(q);
}

static void test_batches(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_delivery d, again;
    char id[ZL_SUBSCRIPTION_ID_MAX], id2[ZL_SUBSCRIPTION_ID_MAX];
    char got[8192], want[8192], *json = NULL;
    int64_t t;
    int rc;

    memset(&d, 0, sizeof d);
    memset(&again, 0, sizeof again);
    add(f->s, "dairy", DAIRY_GLNS, "6940277");
    add(f->s, "pharm", PHARM_GLNS, "6947782");
    /* before the subscription: never delivered */
    capture(f->s, "dairy", DAIRY_GLNS[0], "6940277", 1, "inspecting");
    assert_int_equal(
        zl_named_query_save(f->s, "all", "dairy", "{}", strlen("{}"), &err), 0);
    assert_int_equal(
        zl_named_query_save(f->s, "insp", "pharm",
                            "{\"EQ_bizStep\":[\"inspecting\"]}",
                            strlen("{\"EQ_bizStep\":[\"inspecting\"]}"), &err),
        0);
    /* the body's checks */
    memset(&err, 0, sizeof err);
    assert_int_equal(zl_subscription_create(
                         f->s, "all", "dairy",
                         "{\"dest\":\"http://8.8.8.8/x\"}",
                         strlen("{\"dest\":\"http://8.8.8.8/x\"}"), id, &err),
                     ZL_EINVAL);
    assert_int_equal(
        zl_subscription_create(
            f->s, "all", "dairy",
            "{\"dest\":\"http://8.8.8.8/x\",\"stream\":true,"
            "\"schedule\":{\"minute\":\"5\"}}",
            strlen("{\"dest\":\"http://8.8.8.8/x\",\"stream\":true,"
                   "\"schedule\":{\"minute\":\"5\"}}"),
            id, &err),
        ZL_EINVAL);
    assert_int_equal(
        zl_subscription_create(
            f->s, "all", "dairy",
            "{\"dest\":\"http://8.8.8.8/x\",\"schedule\":{\"hour\":"
            "\"[3-25]\"}}",
            strlen("{\"dest\":\"http://8.8.8.8/x\",\"schedule\":{\"hour\":"
                   "\"[3-25]\"}}"),
            id, &err),
        ZL_EINVAL);
    assert_string_equal(err.path, "hour");
    assert_int_equal(
        zl_subscription_create(f->s, "all", "pharm",
                               "{\"dest\":\"http://8.8.8.8/x\","
                               "\"stream\":true}",
                               strlen("{\"dest\":\"http://8.8.8.8/x\","
                                      "\"stream\":true}"),
                               id, &err),
        ZL_ENOTFOUND);
    assert_int_equal(
        zl_subscription_create(f->s, "all", "dairy",
                               "{\"dest\":\"http://8.8.8.8/x\","
                               "\"stream\":true,"
                               "\"signatureToken\":\"k\"}",
                               strlen("{\"dest\":\"http://8.8.8.8/x\","
                                      "\"stream\":true,"
                                      "\"signatureToken\":\"k\"}"),
                               id, &err),
        0);
    assert_int_equal(
        zl_subscription_create(f->s, "insp", "pharm",
                               "{\"dest\":\"http://8.8.8.8/y\","
                               "\"stream\":true}",
                               strlen("{\"dest\":\"http://8.8.8.8/y\","
                                      "\"stream\":true}"),
                               id2, &err),
        0);
    assert_int_equal(zl_subscription_get(f->s, "all", id, "dairy", &json), 0);
    assert_null(strstr(json, "\"k\"")); /* never the secret */
    zl_free(json);
    assert_int_equal(zl_subscription_get(f->s, "all", id, "pharm", &json),
                     ZL_ENOTFOUND);
    assert_int_equal(zl_subscription_get(f->s, "insp", id, "dairy", &json),
                     ZL_ENOTFOUND);
    /* nothing new: nothing due */
    t = 1000000;
    assert_int_equal(zl_subscription_next(f->s, id, t, &d), 0);
    /* both parties capture */
    for (int k = 10; k < 16; k++)
        capture(f->s, k % 2 ? "dairy" : "pharm",
                k % 2 ? DAIRY_GLNS[0] : PHARM_GLNS[0],
                k % 2 ? "6940277" : "6947782", k,
                k % 3 ? "inspecting" : "shipping");
    rc = zl_subscription_next(f->s, id, t, &d);
    assert_int_equal(rc, 1);
    assert_string_equal(d.id, id);
    assert_string_equal(d.dest, "http://8.8.8.8/x");
    /* the owner's own query, after the subscription: serials 11, 13, 15 */
    ids_of(d.body, d.len, got, sizeof got);
    oracle(f->s, "dairy", "{}", "GE_eventTime", "2026-05-01T01:10:00+08:00",
           want, sizeof want);
    assert_string_equal(got, want);
    assert_int_equal(d.n_events, 3);
    {
        char sig[48];
        assert_int_equal(
            zl_hmac_sha256_b64("k", strlen("k"), d.body, d.len, sig), 0);
        assert_string_equal(d.signature, sig);
    }
    /* not acknowledged (the POST failed, or the server died): the same
     * batch again, byte for byte, even after more captures */
    capture(f->s, "dairy", DAIRY_GLNS[0], "6940277", 17, "inspecting");
    assert_int_equal(zl_subscription_next(f->s, id, t + 5000, &again), 1);
    assert_string_equal(again.idempotency_key, d.idempotency_key);
    assert_int_equal(again.len, d.len);
    assert_memory_equal(again.body, d.body, d.len);
    assert_int_equal(zl_subscription_delivered(f->s, &again, t + 5000), 0);
    /* acknowledged: the next batch holds only serial 17 */
    assert_int_equal(zl_subscription_next(f->s, id, t + 6000, &d), 1);
    assert_int_equal(d.n_events, 1);
    assert_non_null(strstr(d.body, "/21/S17\""));
    assert_string_not_equal(d.idempotency_key, again.idempotency_key);
    assert_int_equal(zl_subscription_delivered(f->s, &d, t + 6000), 0);
    assert_int_equal(zl_subscription_next(f->s, id, t + 7000, &d), 0);
    /* pharm: its query (inspecting) under its read rule: 10 and 14 */
    assert_int_equal(zl_subscription_next(f->s, id2, t, &d), 1);
    ids_of(d.body, d.len, got, sizeof got);
    oracle(f->s, "pharm", "{\"EQ_bizStep\":[\"inspecting\"]}", "GE_eventTime",
           "2026-05-01T01:10:00+08:00", want, sizeof want);
    assert_string_equal(got, want);
    assert_int_equal(d.n_events, 2);
    assert_null(strstr(d.body, DAIRY_GLNS[0]));
    assert_string_equal(d.signature, ""); /* no secret, no signature */
    assert_int_equal(zl_subscription_delivered(f->s, &d, t), 0);
    /* rows its owner may not see are passed over, not sent */
    capture(f->s, "dairy", DAIRY_GLNS[0], "6940277", 18, "inspecting");
    assert_int_equal(zl_subscription_next(f->s, id2, t, &d), 2);
    assert_int_equal(zl_subscription_next(f->s, id2, t, &d), 0);
    /* unsubscribed: gone, and deleting the query takes the rest */
    assert_int_equal(zl_subscription_delete(f->s, "insp", id2, "dairy"),
                     ZL_ENOTFOUND);
    assert_int_equal(zl_subscription_delete(f->s, "insp", id2, "pharm"), 0);
    assert_int_equal(zl_subscription_next(f->s, id2, t, &d), ZL_ENOTFOUND);
    assert_int_equal(zl_named_query_delete(f->s, "all", "dairy"), 0);
    assert_int_equal(zl_subscription_next(f->s, id, t, &d), ZL_ENOTFOUND);
    zl_delivery_cleanup(&d);
    zl_delivery_cleanup(&again);
}

/* A batch larger than the chunk of IDs one restricted query takes. */
static void test_big_batch(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_capture_result r;
    struct zl_delivery d;
    struct zl_buf b;
    char id[ZL_SUBSCRIPTION_ID_MAX];
    const char *body = "{\"dest\":\"http://8.8.8.8/x\",\"stream\":true}";

    memset(&d, 0, sizeof d);
    assert_int_equal(zl_named_query_save(f->s, "q", NULL, "{}", 2, &err), 0);
    assert_int_equal(
        zl_subscription_create(f->s, "q", NULL, body, strlen(body), id, &err),
        0);
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(
        zl_buf_adds(&b, "{\"@context\":[\"https://ref.gs1.org/standards/"
                        "epcis/2.0.0/epcis-context.jsonld\"],\"type\":"
                        "\"EPCISDocument\",\"schemaVersion\":\"2.0\","
                        "\"creationDate\":\"2026-04-01T00:00:00Z\","
                        "\"epcisBody\":{\"eventList\":["),
        0);
    for (int k = 0; k < 333; k++)
        assert_int_equal(
            zl_buf_printf(&b,
                          "%s{\"type\":\"ObjectEvent\",\"action\":"
                          "\"OBSERVE\",\"eventTime\":\"2026-05-01T01:00:"
                          "00+08:00\",\"eventTimeZoneOffset\":\"+08:00\","
                          "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346."
                          "%d\"]}",
                          k ? "," : "", k),
            0);
    assert_int_equal(zl_buf_adds(&b, "]}}"), 0);
    assert_int_equal(zl_capture(f->s, b.data, b.len, NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 333);
    zl_buf_cleanup(&b);
    assert_int_equal(zl_subscription_next(f->s, id, 1000, &d), 1);
    assert_int_equal(d.n_events, 333);
    assert_int_equal(zl_subscription_delivered(f->s, &d, 1000), 0);
    assert_int_equal(zl_subscription_next(f->s, id, 1000, &d), 0);
    zl_delivery_cleanup(&d);
}

static void test_schedule(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_delivery d;
    char id[ZL_SUBSCRIPTION_ID_MAX];
    /* 2026-12-06T01:05:00Z is a Sunday (dayOfWeek 7) */
    const int64_t at = 1796519100000LL;
    const char *body = "{\"dest\":\"https://8.8.8.8/s\",\"reportIfEmpty\":true,"
                       "\"schedule\":{\"hour\":\"1\",\"minute\":\"0/5\","
                       "\"dayOfWeek\":\"[6-7]\"}}";

    memset(&d, 0, sizeof d);
    assert_int_equal(
        zl_named_query_save(f->s, "q", NULL, "{}", strlen("{}"), &err), 0);
    assert_int_equal(
        zl_subscription_create(f->s, "q", NULL, body, strlen(body), id, &err),
        0);
    /* off schedule: a second too late, a minute off the step, an hour */
    assert_int_equal(zl_subscription_next(f->s, id, at + 1000, &d), 0);
    assert_int_equal(zl_subscription_next(f->s, id, at + 60000, &d), 0);
    assert_int_equal(zl_subscription_next(f->s, id, at + 3600000, &d), 0);
    /* on it: an empty report (reportIfEmpty), once in that second */
    assert_int_equal(zl_subscription_next(f->s, id, at, &d), 1);
    assert_int_equal(d.n_events, 0);
    assert_non_null(strstr(d.body, "\"eventList\":[]"));
    assert_int_equal(zl_subscription_delivered(f->s, &d, at), 0);
    assert_int_equal(zl_subscription_next(f->s, id, at + 500, &d), 0);
    assert_int_equal(zl_subscription_next(f->s, id, at + 300000, &d), 1);
    zl_delivery_cleanup(&d);
}

/* ---- proceed --------------------------------------------------------------
 */

struct refusals {
    char paths[4][256];
    int n;
};

static void on_refused(void *ctx, size_t index, const struct zl_error *err)
{
    struct refusals *r = ctx;

    (void)index;
    if (r->n < 4)
        snprintf(r->paths[r->n++], sizeof r->paths[0], "%s", err->path);
}

static void test_proceed(void **state)
{
    struct fixture *f = *state;
    static const char DOC[] =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
        "epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":"
        "\"2.0\",\"creationDate\":\"2026-04-01T00:00:00Z\",\"epcisBody\":{"
        "\"eventList\":["
        "{\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"eventTime\":"
        "\"2026-05-01T01:00:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\","
        "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.1\"]},"
        "{\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"eventTime\":"
        "\"not a time\",\"eventTimeZoneOffset\":\"+08:00\","
        "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2\"]},"
        "{\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"eventTime\":"
        "\"2026-05-01T03:00:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\","
        "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.3\"]},"
        "{\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"eventTime\":"
        "\"2026-05-01T04:00:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\","
        "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.4\"],"
        "\"bizStep\":\"no_such_step\"}]}}";
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};
    struct refusals ref = {0};
    int64_t n = 0;

    /* rollback: all or nothing, exactly as before */
    assert_int_not_equal(zl_capture(f->s, DOC, sizeof DOC - 1, NULL, &r, &err),
                         0);
    assert_int_equal(zl_store_event_count(f->s, &n), 0);
    assert_int_equal(n, 0);
    /* proceed: events 0 and 2 stored, 1 and 3 reported by path */
    o.proceed_on_error = 1;
    o.refused = on_refused;
    o.refused_ctx = &ref;
    memset(&err, 0, sizeof err);
    assert_int_equal(zl_capture(f->s, DOC, sizeof DOC - 1, &o, &r, &err), 0);
    assert_int_equal(r.n_events, 4);
    assert_int_equal(r.n_new, 2);
    assert_int_equal(r.n_refused, 2);
    assert_int_equal(ref.n, 2);
    assert_string_equal(ref.paths[0], "$.epcisBody.eventList[1].eventTime");
    assert_string_equal(ref.paths[1], "$.epcisBody.eventList[3].bizStep");
    assert_int_equal(zl_store_event_count(f->s, &n), 0);
    assert_int_equal(n, 2);
    /* a document-level fault still refuses the whole document */
    memset(&err, 0, sizeof err);
    assert_int_not_equal(zl_capture(f->s, "{\"type\":\"EPCISDocument\"}",
                                    strlen("{\"type\":\"EPCISDocument\"}"), &o,
                                    &r, &err),
                         0);
}

/* ---- logged records -------------------------------------------------------
 * Every create and delete is a record verify checks the tables against;
 * the secret is in no record; a store of schema 12 gains a record for
 * each query and subscription it holds when it is migrated.
 */

static int count_issue(void *ctx, const struct zl_audit_issue *is)
{
    (void)is;
    (*(int *)ctx)++;
    return 0;
}

static int issues(zl_store *s)
{
    int n = 0, rc = zl_audit_verify(s, count_issue, &n, NULL);

    assert_true(rc == 0 || rc == ZL_ETAMPER);
    assert_int_equal(rc == ZL_ETAMPER, n > 0);
    return n;
}

static int rec_text(void *ctx, const struct zl_store_subs_rec *r)
{
    struct zl_buf *b = ctx;

    return zl_buf_adds(b, r->entity) || zl_buf_adds(b, r->json) ? ZL_ENOMEM : 0;
}

static void test_logged(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    char id[ZL_SUBSCRIPTION_ID_MAX], id2[ZL_SUBSCRIPTION_ID_MAX], sql[300];
    const char *body = "{\"dest\":\"https://8.8.8.8/a\","
                       "\"signatureToken\":\"s3cr3t-TOKEN-x9\","
                       "\"stream\":true}";
    struct zl_buf b;

    const char *qs = "{\"EQ_bizStep\":[\"shipping\"]}";

    assert_int_equal(zl_named_query_save(f->s, "q", "p1", qs, strlen(qs), &err),
                     0);
    assert_int_equal(zl_named_query_save(f->s, "r", NULL, "{}", 2, &err), 0);
    assert_int_equal(
        zl_subscription_create(f->s, "q", "p1", body, strlen(body), id, &err),
        0);
    assert_int_equal(
        zl_subscription_create(f->s, "r", NULL, body, strlen(body), id2, &err),
        0);
    assert_int_equal(zl_subscription_delete(f->s, "r", id2, NULL), 0);
    assert_int_equal(issues(f->s), 0);
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(zl_store_subs_rec_list(f->s, rec_text, &b), 0);
    assert_int_equal(zl_buf_addc(&b, '\0'), 0);
    assert_null(strstr((char *)b.data, "s3cr3t-TOKEN-x9"));
    assert_non_null(strstr((char *)b.data, "\"op\":\"delete\""));
    zl_buf_cleanup(&b);

    /* edits behind the log's back, each undone by the next statement */
    snprintf(sql, sizeof sql,
             "UPDATE subscriptions SET dest = 'https://x.example/' WHERE"
             " id = '%s'",
             id);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(issues(f->s), 1);
    snprintf(sql, sizeof sql,
             "UPDATE subscriptions SET dest = 'https://8.8.8.8/a',"
             " secret = 'other' WHERE id = '%s'",
             id);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(issues(f->s), 1);
    snprintf(sql, sizeof sql,
             "UPDATE subscriptions SET secret = 's3cr3t-TOKEN-x9', cursor ="
             " cursor + 5 WHERE id = '%s'",
             id);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(issues(f->s), 0); /* the cursor is delivery state */
    assert_int_equal(fixture_sql_changes(f->s,
                                         "UPDATE named_queries SET owner = 'p2'"
                                         " WHERE name = 'q'"),
                     1);
    assert_int_equal(issues(f->s), 1);
    assert_int_equal(fixture_sql_changes(f->s,
                                         "UPDATE named_queries SET owner = 'p1'"
                                         " WHERE name = 'q'"),
                     1);
    assert_int_equal(issues(f->s), 0);
    /* a deleted subscription brought back */
    snprintf(sql, sizeof sql,
             "INSERT INTO subscriptions SELECT '%s', 'r', owner, dest,"
             " secret, spec, created, cursor, pending, notified, last_error,"
             " error_at FROM"
             " subscriptions WHERE id = '%s'",
             id2, id);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(issues(f->s), 1);

    /* deleting the query deletes its subscription, each logged */
    snprintf(sql, sizeof sql, "DELETE FROM subscriptions WHERE id = '%s'", id2);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(zl_named_query_delete(f->s, "q", "p1"), 0);
    assert_int_equal(issues(f->s), 0);
}

/* A schema-14 store with rows and no records: reopening migrates it and
 * logs one record for each, so it verifies. */
static void test_migrate_14(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_store_nq q = {"old", "p1", "{}", 1000};
    struct zl_store_sub r = {"00000000-0000-4000-8000-000000000001",
                             "old",
                             "p1",
                             "https://hooks.example.com/old",
                             "secret",
                             "{\"stream\":true}",
                             2000,
                             0,
                             0,
                             0,
                             "",
                             0};
    int64_t seq = 0;

    assert_int_equal(zl_store_nq_put(f->s, &q), 0);
    assert_int_equal(zl_store_sub_put(f->s, &r), 0);
    assert_int_equal(issues(f->s), 2); /* rows with no record */
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "14", 2),
                     0);
    zl_close(f->s);
    f->s = NULL;
    assert_int_equal(zl_open(f->uri, &f->s, &err), 0);
    assert_int_equal(issues(f->s), 0);
    /* the two records, and the outbox watermark the 22 -> 23 step set
     * (logged at 28) */
    assert_int_equal(zl_store_subs_rec_next(f->s, &seq), 0);
    assert_int_equal(seq, 4);
}

/* ---- webhook destinations -------------------------------------------------
 * Known answers from the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (iana.org/assignments/iana-ipv4-special-registry and
 * iana-ipv6-special-registry): one address inside and the first one past
 * each range that is not globally reachable, and public addresses of
 * well-known services.
 */

static int addr_internal(const char *txt)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;

    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    if (inet_pton(AF_INET, txt, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        return zl_addr_internal((struct sockaddr *)&a4) != NULL;
    }
    assert_int_equal(inet_pton(AF_INET6, txt, &a6.sin6_addr), 1);
    a6.sin6_family = AF_INET6;
    return zl_addr_internal((struct sockaddr *)&a6) != NULL;
}

static void test_webhook_addrs(void **state)
{
    static const struct {
        const char *a;
        int internal;
    } T[] = {
        {"0.0.0.0", 1},
        {"0.255.255.255", 1},
        {"1.0.0.0", 0},
        {"10.0.0.1", 1},
        {"10.255.255.255", 1},
        {"11.0.0.0", 0},
        {"100.63.255.255", 0},
        {"100.64.0.0", 1},
        {"100.127.255.255", 1},
        {"100.128.0.0", 0},
        {"127.0.0.1", 1},
        {"127.255.255.254", 1},
        {"128.0.0.0", 0},
        {"169.254.169.254", 1},
        {"169.255.0.0", 0},
        {"172.15.255.255", 0},
        {"172.16.0.0", 1},
        {"172.31.255.255", 1},
        {"172.32.0.0", 0},
        {"192.0.0.8", 1},
        {"192.0.2.1", 1},
        {"192.168.0.1", 1},
        {"192.169.0.0", 0},
        {"198.18.0.1", 1},
        {"198.19.255.255", 1},
        {"198.20.0.0", 0},
        {"198.51.100.7", 1},
        {"203.0.113.9", 1},
        {"224.0.0.1", 1},
        {"239.255.255.250", 1},
        {"240.0.0.1", 1},
        {"255.255.255.255", 1},
        {"8.8.8.8", 0},
        {"1.1.1.1", 0},
        {"223.5.5.5", 0},
        {"::", 1},
        {"::1", 1},
        {"::2", 0},
        {"::ffff:127.0.0.1", 1},
        {"::ffff:10.1.1.1", 1},
        {"::ffff:8.8.8.8", 0},
        {"64:ff9b::a00:1", 1},
        {"64:ff9b::808:808", 0},
        {"::127.0.0.1", 1},
        {"100::1", 1},
        {"2001:db8::1", 1},
        {"2001::1", 1},
        {"fc00::1", 1},
        {"fdff:ffff::1", 1},
        {"fe00::1", 0},
        {"fe80::1", 1},
        {"febf::1", 1},
        {"fec0::1", 1},
        {"ff02::1", 1},
        {"2400:3200::1", 0},
        {"2001:4860:4860::8888", 0},
    };
    char why[300];
    struct sockaddr_in a4;

    (void)state;
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (addr_internal(T[i].a) != T[i].internal)
            fail_msg("%s: internal %d, want %d", T[i].a, !T[i].internal,
                     T[i].internal);
    /* the operator's list lets chosen ranges through, and only them */
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a4.sin_addr);
    assert_int_equal(
        zl_webhook_addr_ok("", (struct sockaddr *)&a4, why, sizeof why),
        ZL_EPERM);
    assert_non_null(strstr(why, "127.0.0.1, a loopback"));
    assert_int_equal(zl_webhook_addr_ok("10.0.0.0/8,127.0.0.1/32",
                                        (struct sockaddr *)&a4, NULL, 0),
                     0);
    assert_int_equal(
        zl_webhook_addr_ok("127.0.0.2/32,::1", (struct sockaddr *)&a4, NULL, 0),
        ZL_EPERM);
}

static void test_webhook_dest(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    char id[ZL_SUBSCRIPTION_ID_MAX], *list = NULL;
    const char *b1 = "{\"dest\":\"http://127.0.0.1:9/x\",\"stream\":true}";
    const char *b2 = "{\"dest\":\"http://[::ffff:a00:1]/\",\"stream\":true}";
    int64_t seq0 = 0, seq1 = 0;

    assert_int_equal(zl_named_query_save(f->s, "q", NULL, "{}", 2, &err), 0);
    assert_int_equal(zl_store_subs_rec_next(f->s, &seq0), 0);
    err.code = 0;
    assert_int_equal(
        zl_subscription_create(f->s, "q", NULL, b1, strlen(b1), id, &err),
        ZL_EINVAL);
    assert_string_equal(err.path, "dest");
    assert_non_null(strstr(err.rule, "loopback"));
    assert_int_equal(
        zl_subscription_create(f->s, "q", NULL, b2, strlen(b2), id, &err),
        ZL_EINVAL);
    assert_non_null(strstr(err.rule, "private (RFC 1918)"));
    /* nothing stored, nothing logged */
    assert_int_equal(zl_store_subs_rec_next(f->s, &seq1), 0);
    assert_int_equal(seq0, seq1);
    /* bad lists are refused whole */
    assert_int_equal(zl_webhook_allow_set(f->s, "127.0.0.1/33", &err),
                     ZL_EINVAL);
    assert_int_equal(zl_webhook_allow_set(f->s, "127.0.0.1,", &err), ZL_EINVAL);
    assert_int_equal(zl_webhook_allow_get(f->s, &list), 0);
    assert_string_equal(list, "");
    zl_free(list);
    assert_int_equal(zl_webhook_allow_set(f->s, "127.0.0.0/8", &err), 0);
    assert_int_equal(
        zl_subscription_create(f->s, "q", NULL, b1, strlen(b1), id, &err), 0);
    assert_int_equal(
        zl_subscription_create(f->s, "q", NULL, b2, strlen(b2), id, &err),
        ZL_EINVAL);
    assert_int_equal(zl_webhook_allow_set(f->s, "none", &err), 0);
    assert_int_equal(zl_webhook_allow_get(f->s, &list), 0);
    assert_string_equal(list, "");
    zl_free(list);
}

/* A name that does not resolve is refused at creation (RFC 6761: .invalid
 * never resolves); an internal range allowed for one party is allowed for
 * that party's subscriptions only. */
static void test_webhook_dest_party(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    char id[ZL_SUBSCRIPTION_ID_MAX], *list = NULL;
    const char *bad = "{\"dest\":\"https://no-such-host.invalid/x\","
                      "\"stream\":true}";
    const char *lo = "{\"dest\":\"http://127.0.0.1:9/x\",\"stream\":true}";

    add(f->s, "dairy", DAIRY_GLNS, "6940277");
    add(f->s, "pharm", PHARM_GLNS, "6947782");
    assert_int_equal(zl_named_query_save(f->s, "qd", "dairy", "{}", 2, &err),
                     0);
    assert_int_equal(zl_named_query_save(f->s, "qp", "pharm", "{}", 2, &err),
                     0);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        zl_subscription_create(f->s, "qd", "dairy", bad, strlen(bad), id, &err),
        ZL_EINVAL);
    assert_string_equal(err.path, "dest");
    assert_non_null(strstr(err.rule, "does not resolve"));
    assert_non_null(strstr(err.rule, "no-such-host.invalid"));
    /* the dairy's own range */
    assert_int_equal(
        zl_webhook_allow_party_set(f->s, "nobody", "127.0.0.1/32", &err),
        ZL_ENOTFOUND);
    assert_int_equal(
        zl_webhook_allow_party_set(f->s, "dairy", "127.0.0.1/40", &err),
        ZL_EINVAL);
    assert_int_equal(
        zl_webhook_allow_party_set(f->s, "dairy", "127.0.0.1/32", &err), 0);
    assert_int_equal(zl_webhook_allow_party_get(f->s, "dairy", &list), 0);
    assert_string_equal(list, "127.0.0.1/32");
    zl_free(list);
    assert_int_equal(zl_webhook_allow_get(f->s, &list), 0);
    assert_string_equal(list, ""); /* the store-wide list unchanged */
    zl_free(list);
    assert_int_equal(
        zl_subscription_create(f->s, "qd", "dairy", lo, strlen(lo), id, &err),
        0);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        zl_subscription_create(f->s, "qp", "pharm", lo, strlen(lo), id, &err),
        ZL_EINVAL);
    assert_non_null(strstr(err.rule, "loopback"));
    /* the store-wide list and the party's together */
    assert_int_equal(zl_webhook_allow_set(f->s, "10.0.0.0/8", &err), 0);
    assert_int_equal(zl_webhook_allow_for(f->s, "dairy", &list), 0);
    assert_string_equal(list, "10.0.0.0/8,127.0.0.1/32");
    zl_free(list);
    assert_int_equal(zl_webhook_allow_for(f->s, "pharm", &list), 0);
    assert_string_equal(list, "10.0.0.0/8");
    zl_free(list);
    assert_int_equal(zl_webhook_allow_party_set(f->s, "dairy", "none", &err),
                     0);
    assert_int_equal(zl_webhook_allow_for(f->s, "dairy", &list), 0);
    assert_string_equal(list, "10.0.0.0/8");
    zl_free(list);
}

/* ---- corrections ------------------------------------------------------------
 * An event declared erroneous after it was delivered goes out again, with
 * its errorDeclaration, to each subscription whose query selects it and
 * whose owner may read it; to no other.
 */

/* Everything subscription id has to deliver now, bodies concatenated
 * into out (acknowledged as they come). The number of deliveries. */
static int drain(zl_store *s, const char *id, char *out, size_t cap)
{
    struct zl_delivery d;
    int n = 0, rc;

    memset(&d, 0, sizeof d);
    out[0] = '\0';
    while ((rc = zl_subscription_next(s, id, zl_time_now_ms(), &d)) > 0) {
        if (rc == 1) {
            strncat(out, d.body, cap - strlen(out) - 1);
            assert_int_equal(zl_subscription_delivered(s, &d, 0), 0);
            n++;
        }
    }
    assert_int_equal(rc, 0);
    zl_delivery_cleanup(&d);
    return n;
}

static void nap_ms(long ms)
{
    struct timespec t = {0, ms * 1000000L};
    nanosleep(&t, NULL);
}

/* The model of a stream: owner's own run of named query `all` or `pall`
 * (every event it may read) recorded at or after since_ms. */
static void run_as(zl_store *s, const char *owner, int64_t since_ms, char *out,
                   size_t cap)
{
    char t[32];

    zl_time_format_utc(since_ms, t);
    oracle(s, owner, "{}", "GE_recordTime", t, out, cap);
}

/* Everything stream q has now, bodies concatenated into out. The number
 * of messages. */
static int stream_drain(zl_store *s, zl_query_stream *q, char *out, size_t cap)
{
    char *body = NULL;
    size_t len = 0, n = 0;
    int k = 0, rc;

    out[0] = '\0';
    while ((rc = zl_query_stream_next(s, q, zl_time_now_ms(), &body, &len,
                                      &n)) > 0) {
        if (rc == 1) {
            assert_true(n > 0);
            strncat(out, body, cap - strlen(out) - 1);
            zl_free(body);
            k++;
        }
    }
    assert_int_equal(rc, 0);
    return k;
}

#define CORR_EV                                                                \
    "{\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\",\"bizStep\":"            \
    "\"inspecting\",\"eventTime\":\"2026-05-01T01:00:00+08:00\","              \
    "\"eventTimeZoneOffset\":\"+08:00\",\"epcList\":[\"https://id.gs1.org/"    \
    "01/06940277000997/21/C1\"],\"readPoint\":{\"id\":\"https://id.gs1."       \
    "org/414/6940277700002\"}%s}"

#define CORR_DOC                                                               \
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"              \
    "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","                      \
    "\"schemaVersion\":\"2.0\",\"creationDate\":"                              \
    "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[%s]}}"

static void test_corrections(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    char s1[ZL_SUBSCRIPTION_ID_MAX], s2[ZL_SUBSCRIPTION_ID_MAX],
        s3[ZL_SUBSCRIPTION_ID_MAX], s4[ZL_SUBSCRIPTION_ID_MAX], got[16384],
        doc[2048], evj[1024];
    zl_query_stream *late = NULL;
    const char *body = "{\"dest\":\"https://8.8.8.8/c\","
                       "\"stream\":true}";
    const char *qi = "{\"EQ_bizStep\":[\"inspecting\"]}";
    const char *qs = "{\"EQ_bizStep\":[\"shipping\"]}";

    add(f->s, "dairy", DAIRY_GLNS, "6940277");
    add(f->s, "pharm", PHARM_GLNS, "6947782");
    assert_int_equal(
        zl_named_query_save(f->s, "insp", "dairy", qi, strlen(qi), &err), 0);
    assert_int_equal(
        zl_named_query_save(f->s, "ship", "dairy", qs, strlen(qs), &err), 0);
    assert_int_equal(zl_named_query_save(f->s, "pall", "pharm", "{}", 2, &err),
                     0);
    assert_int_equal(zl_subscription_create(f->s, "insp", "dairy", body,
                                            strlen(body), s1, &err),
                     0);
    assert_int_equal(zl_subscription_create(f->s, "ship", "dairy", body,
                                            strlen(body), s2, &err),
                     0);
    assert_int_equal(zl_subscription_create(f->s, "pall", "pharm", body,
                                            strlen(body), s3, &err),
                     0);
    o.party = "dairy";
    snprintf(evj, sizeof evj, CORR_EV, "");
    snprintf(doc, sizeof doc, CORR_DOC, evj);
    memset(&r, 0, sizeof r);
    assert_int_equal(zl_capture(f->s, doc, strlen(doc), &o, &r, &err), 0);
    assert_int_equal(drain(f->s, s1, got, sizeof got), 1);
    assert_null(strstr(got, "errorDeclaration"));
    assert_int_equal(drain(f->s, s2, got, sizeof got), 0);
    assert_int_equal(drain(f->s, s3, got, sizeof got), 0);
    /* a subscription on the same query made after the event was recorded
     * (and delivered): it never had the event, so not its correction */
    nap_ms(2);
    assert_int_equal(zl_subscription_create(f->s, "insp", "dairy", body,
                                            strlen(body), s4, &err),
                     0);
    zl_query_stream_open(f->s, "insp", "dairy", -1, &late, &err);
    assert_non_null(late);

    /* the correction, as the standard has it: the same event with an
     * errorDeclaration */
    snprintf(evj, sizeof evj, CORR_EV,
             ",\"errorDeclaration\":{\"declarationTime\":"
             "\"2026-05-02T08:00:00+08:00\",\"reason\":\"incorrect_data\"}");
    snprintf(doc, sizeof doc, CORR_DOC, evj);
    memset(&r, 0, sizeof r);
    assert_int_equal(zl_capture(f->s, doc, strlen(doc), &o, &r, &err), 0);
    assert_int_equal(r.n_corrected, 1);
    assert_int_equal(drain(f->s, s1, got, sizeof got), 1);
    assert_non_null(strstr(got, "\"errorDeclaration\""));
    assert_non_null(strstr(got, "incorrect_data"));
    assert_int_equal(drain(f->s, s2, got, sizeof got), 0); /* not its query */
    assert_int_equal(drain(f->s, s3, got, sizeof got), 0); /* cannot read it */
    assert_int_equal(drain(f->s, s4, got, sizeof got), 0); /* came later */
    assert_int_equal(stream_drain(f->s, late, got, sizeof got), 0);
    zl_query_stream_free(late);
    /* and only once */
    assert_int_equal(drain(f->s, s1, got, sizeof got), 0);
}

/* ---- live streams
 * ------------------------------------------------------------
 * zl_query_stream_*: what a streaming subscription would deliver, the
 * same naive model (the owner's own run of the query, restricted to what
 * was captured after the stream opened), with no row stored.
 */

static void test_stream(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    zl_query_stream *sd = NULL, *sp = NULL, *since = NULL;
    char got[16384], ids[4096], want[4096];
    int64_t n0 = 0, n1 = 0, t_mid;

    add(f->s, "dairy", DAIRY_GLNS, "6940277");
    add(f->s, "pharm", PHARM_GLNS, "6947782");
    capture(f->s, "dairy", DAIRY_GLNS[0], "6940277", 1, "inspecting");
    assert_int_equal(zl_named_query_save(f->s, "all", "dairy", "{}", 2, &err),
                     0);
    assert_int_equal(zl_named_query_save(f->s, "pall", "pharm", "{}", 2, &err),
                     0);
    assert_int_equal(zl_query_stream_open(f->s, "pall", "dairy", -1, &sd, &err),
                     ZL_ENOTFOUND); /* another party's query */
    assert_int_equal(zl_query_stream_open(f->s, "all", "dairy", -1, &sd, &err),
                     0);
    assert_int_equal(zl_query_stream_open(f->s, "pall", "pharm", -1, &sp, &err),
                     0);
    assert_int_equal(zl_store_subs_rec_next(f->s, &n0), 0);
    assert_int_equal(stream_drain(f->s, sd, got, sizeof got), 0);
    nap_ms(2);
    t_mid = zl_time_now_ms();
    capture(f->s, "dairy", DAIRY_GLNS[0], "6940277", 2, "inspecting");
    capture(f->s, "pharm", PHARM_GLNS[0], "6947782", 3, "inspecting");
    capture(f->s, "dairy", DAIRY_GLNS[0], "6940277", 4, "shipping");
    assert_int_equal(stream_drain(f->s, sd, got, sizeof got), 1);
    assert_null(strstr(got, "subscriptionID"));
    assert_non_null(strstr(got, "\"queryName\":\"all\""));
    ids_of(got, strlen(got), ids, sizeof ids);
    /* the model: the dairy's own run, less the event before the stream */
    run_as(f->s, "dairy", t_mid, want, sizeof want);
    assert_string_equal(ids, want);
    assert_null(strstr(got, "S3")); /* the pharmacy's */
    assert_int_equal(stream_drain(f->s, sp, got, sizeof got), 1);
    ids_of(got, strlen(got), ids, sizeof ids);
    run_as(f->s, "pharm", t_mid, want, sizeof want);
    assert_string_equal(ids, want);
    /* nothing twice */
    assert_int_equal(stream_drain(f->s, sd, got, sizeof got), 0);
    /* from a record time: the same events again, to a new stream */
    assert_int_equal(
        zl_query_stream_open(f->s, "all", "dairy", t_mid, &since, &err), 0);
    assert_int_equal(stream_drain(f->s, since, got, sizeof got), 1);
    ids_of(got, strlen(got), ids, sizeof ids);
    run_as(f->s, "dairy", t_mid, want, sizeof want);
    assert_string_equal(ids, want);
    /* nothing was stored or logged for them */
    assert_int_equal(zl_store_subs_rec_next(f->s, &n1), 0);
    assert_int_equal(n0, n1);
    /* a deleted query ends its streams */
    assert_int_equal(zl_named_query_delete(f->s, "all", "dairy"), 0);
    {
        char *body = NULL;
        size_t len = 0, n = 0;
        assert_int_equal(
            zl_query_stream_next(f->s, sd, zl_time_now_ms(), &body, &len, &n),
            ZL_ENOTFOUND);
    }
    zl_query_stream_free(sd);
    zl_query_stream_free(sp);
    zl_query_stream_free(since);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test_setup_teardown(test_named_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proceed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_14, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrections, setup, teardown),
        cmocka_unit_test(test_webhook_addrs),
        cmocka_unit_test_setup_teardown(test_webhook_dest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dest_party, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
