/*
 * test_capture.c - zl_init/zl_capture/queries end to end on a temp store:
 * atomicity (every allocation failure leaves all or nothing), idempotence,
 * validation errors store nothing, limits, crash survival, and the EPCIS
 * query parameters including keyset pagination.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/alloc.h"
#include "zhiliang/audit.h"
#include "zhiliang/log.h"
#include "zhiliang/query.h"
#include "zhiliang/zhiliang.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Three events by three parties: a commissioning, a packing aggregation
 * and a shipping event with a purchase order and source/destination. */
static const char DOC[] =
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\"],"
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
    "\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":["
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T08:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":"
    "\"commissioning\","
    "\"disposition\":\"active\",\"epcList\":[\"urn:epc:id:sgtin:0614141.107346."
    "2017\","
    "\"urn:epc:id:sgtin:0614141.107346.2018\"],"
    "\"readPoint\":{\"id\":\"urn:epc:id:sgln:0614141.07346.1234\"}},"
    "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-03-01T09:00:00.000+08:"
    "00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":"
    "\"packing\","
    "\"parentID\":\"urn:epc:id:sscc:0614141.1234567890\","
    "\"childEPCs\":[\"urn:epc:id:sgtin:0614141.107346.2017\","
    "\"urn:epc:id:sgtin:0614141.107346.2018\"]},"
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-02T10:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"bizStep\":"
    "\"shipping\","
    "\"disposition\":\"in_transit\",\"epcList\":[\"urn:epc:id:sscc:0614141."
    "1234567890\"],"
    "\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":\"urn:"
    "epcglobal:cbv:bt:0614141073467:PO-77\"}],"
    "\"sourceList\":[{\"type\":\"owning_party\",\"source\":\"urn:epc:id:pgln:"
    "0614141.00001\"}],"
    "\"destinationList\":[{\"type\":\"owning_party\",\"destination\":\"urn:epc:"
    "id:pgln:0614141.00002\"}]}"
    "]}}";

/* The same document with a bad character in the first childEPC. */
static const char *bad_doc(void)
{
    static char buf[sizeof DOC + 16];
    char *p;

    memcpy(buf, DOC, sizeof DOC);
    p = strstr(buf, "\"childEPCs\":[\"urn:epc:id:sgtin:0614141.107346.2017\"");
    assert_non_null(p);
    /* An invalid company prefix/item split: 14 digits instead of 13. */
    p = strstr(p, "107346.2017");
    memcpy(p, "1073X6", 6);
    return buf;
}

#define FIXTURE_NAME "capture"
#include "store_fixture.h"

static int64_t count(zl_store *s)
{
    int64_t n = -1;

    assert_int_equal(zl_store_event_count(s, &n), 0);
    return n;
}

static uint64_t log_size(zl_store *s)
{
    uint64_t n = 0;

    assert_int_equal(zl_log_size(s, &n), 0);
    return n;
}

static void test_capture_idempotent(void **state)
{
    struct fixture *f = *state;
    struct zl_capture_result r;
    struct zl_error err = {0};

    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, &r, &err), 0);
    assert_int_equal(r.n_events, 3);
    assert_int_equal(r.n_new, 3);
    assert_int_equal(count(f->s), 3);
    /* three events and the capture receipt listing them */
    assert_int_equal(log_size(f->s), 4);
    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 0);
    assert_int_equal(r.n_duplicate, 3);
    assert_int_equal(count(f->s), 3);
    assert_int_equal(log_size(f->s), 4);
}

static void test_invalid_stores_nothing(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    const char *bad = bad_doc();
    int rc = zl_capture(f->s, bad, strlen(bad), NULL, NULL, &err);

    assert_true(rc < 0);
    assert_non_null(strstr(err.path, "eventList[1]"));
    assert_non_null(strstr(err.path, "childEPCs[0]"));
    assert_true(err.rule[0] != '\0');
    assert_int_equal(count(f->s), 0);
    assert_int_equal(log_size(f->s), 0);
}

static void test_limits(void **state)
{
    struct fixture *f = *state;
    struct zl_capture_limits lim = {0, 2, 0};
    struct zl_capture_opts o = {0};
    struct zl_error err = {0};

    o.limits = &lim;
    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), &o, NULL, &err),
                     ZL_ELIMIT);
    assert_int_equal(count(f->s), 0);
    lim.max_events = 0;
    lim.max_bytes = 100;
    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), &o, NULL, &err),
                     ZL_ELIMIT);
    assert_int_equal(count(f->s), 0);
}

/* Fail the n-th allocation for n = 0, 1, ... until a capture succeeds:
 * after every failed attempt the store must be exactly as before. */
static void test_alloc_failure_atomic(void **state)
{
    struct fixture *f = *state;
    int done = 0;

    for (long n = 0; n < 100000 && !done; n++) {
        struct zl_error err = {0};
        int rc;

        zl_alloc_fail_after(n);
        rc = zl_capture(f->s, DOC, strlen(DOC), NULL, NULL, &err);
        zl_alloc_fail_after(-1);
        if (rc == 0) {
            done = 1;
            assert_int_equal(count(f->s), 3);
            assert_int_equal(log_size(f->s), 4);
        } else {
            assert_int_equal(count(f->s), 0);
            assert_int_equal(log_size(f->s), 0);
        }
    }
    assert_true(done);
}

/* A capture acknowledged by a process that then dies without closing
 * the store is still there. */
static void test_survives_crash(void **state)
{
    struct fixture *f = *state;
    pid_t pid = fork();
    int st;

    assert_true(pid >= 0);
    if (pid == 0) {
        zl_store *s;

        if (zl_open(f->uri, &s, NULL) ||
            zl_capture(s, DOC, strlen(DOC), NULL, NULL, NULL))
            _exit(1);
        _exit(0); /* no zl_close: no checkpoint, no clean shutdown */
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    zl_close(f->s);
    assert_int_equal(zl_open(f->uri, &f->s, NULL), 0);
    assert_int_equal(count(f->s), 3);
    assert_int_equal(log_size(f->s), 4);
}

struct collect {
    size_t n;
    char times[16][40];
};

static int collect_cb(void *ctx, const char *json, size_t len)
{
    struct collect *c = ctx;
    const char *t = strstr(json, "\"eventTime\":\"");

    (void)len;
    assert_non_null(strstr(json, "\"recordTime\""));
    assert_non_null(strstr(json, "\"eventID\""));
    if (c->n < 16 && t)
        snprintf(c->times[c->n], 40, "%.29s", t + 13);
    c->n++;
    return 0;
}

/* Run a query given as "name=value" strings; returns the match count. */
static size_t run(zl_store *s, const char *const *params, char **next)
{
    zl_query *q;
    struct zl_error err = {0};
    struct collect c = {0};

    assert_int_equal(zl_query_new(&q), 0);
    for (size_t i = 0; params[i]; i++) {
        char name[64];
        const char *eq = strchr(params[i], '=');

        snprintf(name, sizeof name, "%.*s", (int)(eq - params[i]), params[i]);
        assert_int_equal(zl_query_param(q, name, eq + 1, &err), 0);
    }
    assert_int_equal(
        zl_query_each(s, q, ZL_EPC_AS_CAPTURED, collect_cb, &c, next, &err), 0);
    zl_query_free(q);
    return c.n;
}

#define Q(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_queries(void **state)
{
    struct fixture *f = *state;
    zl_query *q;
    struct zl_error err = {0};
    char *next = NULL;

    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, NULL, &err), 0);
    assert_int_equal(run(f->s, Q("eventType=ObjectEvent"), NULL), 2);
    assert_int_equal(
        run(f->s, Q("eventType=AggregationEvent|ObjectEvent"), NULL), 3);
    assert_int_equal(run(f->s, Q("EQ_bizStep=shipping"), NULL), 1);
    assert_int_equal(
        run(f->s, Q("EQ_bizStep=urn:epcglobal:cbv:bizstep:packing"), NULL), 1);
    assert_int_equal(run(f->s, Q("EQ_action=ADD"), NULL), 2);
    assert_int_equal(run(f->s, Q("EQ_disposition=in_transit|active"), NULL), 2);
    assert_int_equal(
        run(f->s, Q("MATCH_epc=urn:epc:id:sgtin:0614141.107346.2017"), NULL),
        2);
    /* The same item as a Digital Link with another host. */
    assert_int_equal(
        run(f->s, Q("MATCH_epc=https://example.com/01/10614141073464/21/2018"),
            NULL),
        2);
    assert_int_equal(
        run(f->s, Q("MATCH_epc=urn:epc:idpat:sgtin:0614141.107346.*"), NULL),
        2);
    assert_int_equal(
        run(f->s, Q("MATCH_anyEPC=urn:epc:id:sscc:0614141.1234567890"), NULL),
        2);
    assert_int_equal(
        run(f->s, Q("MATCH_parentID=urn:epc:id:sscc:0614141.1234567890"), NULL),
        1);
    assert_int_equal(
        run(f->s, Q("EQ_readPoint=urn:epc:id:sgln:0614141.07346.1234"), NULL),
        1);
    assert_int_equal(
        run(f->s,
            Q("EQ_bizTransaction_po=urn:epcglobal:cbv:bt:0614141073467:PO-77"),
            NULL),
        1);
    assert_int_equal(run(f->s, Q("EQ_bizTransaction_po=nope"), NULL), 0);
    assert_int_equal(
        run(f->s, Q("EQ_source_owning_party=urn:epc:id:pgln:0614141.00001"),
            NULL),
        1);
    assert_int_equal(
        run(f->s,
            Q("EQ_destination_owning_party=urn:epc:id:pgln:0614141.00001"),
            NULL),
        0);
    assert_int_equal(
        run(f->s, Q("GE_eventTime=2024-03-01T09:00:00+08:00"), NULL), 2);
    assert_int_equal(run(f->s, Q("LT_eventTime=2024-03-01T01:00:00Z"), NULL),
                     1);
    assert_int_equal(run(f->s, Q("GE_recordTime=2000-01-01T00:00:00Z"), NULL),
                     3);
    assert_int_equal(run(f->s, Q("EXISTS_errorDeclaration=true"), NULL), 0);
    assert_int_equal(run(f->s, Q("eventCountLimit=2"), NULL), 2);
    assert_int_equal(
        run(f->s, Q("eventType=ObjectEvent", "EQ_bizStep=packing"), NULL), 0);

    /* Pagination: perPage=1 walks all three events in order, once each. */
    {
        const char *order[3];
        char tok[200];
        size_t pages = 0;

        for (;;) {
            struct collect c = {0};

            assert_int_equal(zl_query_new(&q), 0);
            assert_int_equal(zl_query_param(q, "perPage", "1", &err), 0);
            assert_int_equal(zl_query_param(q, "orderDirection", "DESC", &err),
                             0);
            if (pages)
                assert_int_equal(zl_query_param(q, "nextPageToken", tok, &err),
                                 0);
            assert_int_equal(
                zl_query_each(f->s, q, 0, collect_cb, &c, &next, &err), 0);
            zl_query_free(q);
            assert_int_equal(c.n, 1);
            order[pages++] = strstr(c.times[0], "2024-03-02") ? "ship"
                             : strstr(c.times[0], "09:00")    ? "pack"
                                                              : "commission";
            if (!next)
                break;
            snprintf(tok, sizeof tok, "%s", next);
            zl_free(next);
            next = NULL;
            assert_true(pages < 3);
        }
        assert_int_equal(pages, 3);
        assert_string_equal(order[0], "ship");
        assert_string_equal(order[1], "pack");
        assert_string_equal(order[2], "commission");
    }

    /* Errors name the parameter. */
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_query_param(q, "EQ_nonsense", "x", &err), ZL_EINVAL);
    assert_string_equal(err.path, "EQ_nonsense");
    assert_int_equal(zl_query_param(q, "GE_eventTime", "yesterday", &err),
                     ZL_EINVAL);
    assert_int_equal(zl_query_param(q, "eventType", "FooEvent", &err),
                     ZL_EINVAL);
    assert_int_equal(
        zl_query_param(q, "MATCH_epc", "urn:epc:id:sgtin:0614141.107346", &err),
        ZL_EINVAL);
    zl_query_free(q);

    /* maxEventCount refuses a too-large result. */
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_query_param(q, "maxEventCount", "2", &err), 0);
    {
        char *json = NULL;

        assert_int_equal(zl_query_json(f->s, q, 0, &json, NULL, NULL, &err),
                         ZL_ELIMIT);
        zl_free(json);
    }
    zl_query_free(q);
}

/* DOC with every event a month later: three other events. */
static const char *later_doc(void)
{
    static char buf[sizeof DOC];
    char *p;

    memcpy(buf, DOC, sizeof DOC);
    while ((p = strstr(buf, "2024-03-0")))
        p[6] = '5';
    return buf;
}

/* Group commit: in a batch each document is a savepoint. A bad one is
 * refused as usual and changes nothing; duplicates stay duplicates
 * within the batch; nothing is visible to another handle before the
 * commit; the log verifies afterwards. */
static void test_batch(void **state)
{
    struct fixture *f = *state;
    struct zl_capture_result r;
    struct zl_error err = {0};
    const char *bad = bad_doc(), *later = later_doc();
    struct zl_audit_stats st;
    zl_store *other;

    assert_int_equal(zl_capture_batch_commit(f->s), ZL_EINVAL);
    assert_int_equal(zl_capture_batch_begin(f->s), 0);
    assert_int_equal(zl_capture_batch_begin(f->s), ZL_EINVAL);
    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 3);
    assert_int_equal(r.log_size, 4);
    assert_true(zl_capture(f->s, bad, strlen(bad), NULL, &r, &err) < 0);
    assert_non_null(strstr(err.path, "eventList[1]"));
    assert_non_null(strstr(err.path, "childEPCs[0]"));
    assert_int_equal(r.n_new, 0);
    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, &r, &err), 0);
    assert_int_equal(r.n_duplicate, 3);
    assert_int_equal(r.log_size, 4);
    assert_int_equal(zl_capture(f->s, later, strlen(later), NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 3);
    assert_int_equal(r.log_size, 8);
    /* not committed yet: another handle sees nothing */
    assert_int_equal(zl_open(f->uri, &other, NULL), 0);
    assert_int_equal(count(other), 0);
    assert_int_equal(zl_capture_batch_commit(f->s), 0);
    assert_int_equal(count(other), 6);
    assert_int_equal(log_size(other), 8);
    zl_close(other);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);
    assert_int_equal(st.leaves, 8);
    /* an aborted batch leaves nothing */
    assert_int_equal(zl_capture_batch_begin(f->s), 0);
    assert_int_equal(
        zl_capture(f->s, bad_doc(), strlen(bad_doc()), NULL, &r, &err) < 0, 1);
    zl_capture_batch_abort(f->s);
    assert_int_equal(count(f->s), 6);
}

/* Inside a batch, a document whose capture fails at any allocation is
 * undone to its savepoint: the batch keeps exactly the documents before
 * it, and goes on; or, when the failure hit the trace index's write
 * after the document's savepoint was released, the whole batch is gone
 * (nothing of it stored, its commit says so). Never part of a document. */
static void test_batch_alloc_failure_atomic(void **state)
{
    struct fixture *f = *state;
    const char *later = later_doc();
    struct zl_audit_stats st;
    int done = 0;

    assert_int_equal(zl_capture_batch_begin(f->s), 0);
    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, NULL, NULL), 0);
    for (long n = 0; n < 100000 && !done; n++) {
        struct zl_error err = {0};
        int rc;

        zl_alloc_fail_after(n);
        rc = zl_capture(f->s, later, strlen(later), NULL, NULL, &err);
        zl_alloc_fail_after(-1);
        if (!zl_store_in_tx(f->s)) { /* the batch was dropped whole */
            assert_true(rc < 0);
            assert_int_equal(zl_capture_batch_commit(f->s), ZL_EINVAL);
            assert_int_equal(count(f->s), 0);
            assert_int_equal(log_size(f->s), 0);
            assert_int_equal(zl_capture_batch_begin(f->s), 0);
            assert_int_equal(
                zl_capture(f->s, DOC, strlen(DOC), NULL, NULL, NULL), 0);
            continue;
        }
        if (rc == 0) {
            done = 1;
            assert_int_equal(count(f->s), 6);
            assert_int_equal(log_size(f->s), 8);
        } else {
            assert_int_equal(count(f->s), 3);
            assert_int_equal(log_size(f->s), 4);
        }
    }
    assert_true(done);
    assert_int_equal(zl_capture_batch_commit(f->s), 0);
    assert_int_equal(count(f->s), 6);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);
    assert_int_equal(st.leaves, 8);
}

/* The two stages of zl_capture (zl_capture_parse on another thread,
 * zl_capture_store here), as `zhiliang capture` pipelines them: the
 * same events at the same log indices as zl_capture gives (DOC's three
 * at 0-2, its receipt 3, later's at 4-6), the same error for a bad
 * document with nothing stored, a parsed document stored twice is a
 * duplicate, and the log verifies. */
struct parse_job {
    const char *doc;
    zl_capture_doc *d;
    struct zl_error err;
    int rc;
};

static void *parse_thread(void *arg)
{
    struct parse_job *j = arg;

    j->rc = zl_capture_parse(j->doc, strlen(j->doc), NULL, &j->d, &j->err);
    return NULL;
}

static void parse_on_thread(struct parse_job *j, const char *doc)
{
    pthread_t th;

    memset(j, 0, sizeof *j);
    j->doc = doc;
    assert_int_equal(pthread_create(&th, NULL, parse_thread, j), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
}

static void assert_leaf_at(zl_store *s, const char *doc, size_t i,
                           uint64_t want)
{
    zl_epcis_doc *d = NULL;
    uint64_t idx = (uint64_t)-1;
    uint8_t type = 0, leaf[32];

    assert_int_equal(zl_epcis_parse(doc, strlen(doc), NULL, &d, NULL), 0);
    assert_int_equal(
        zl_log_find(s, zl_epcis_doc_event(d, i)->hash_id, &idx, &type, leaf),
        0);
    assert_int_equal(idx, want);
    assert_int_equal(type, ZL_LEAF_EVENT);
    zl_epcis_doc_free(d);
}

static void test_two_stages(void **state)
{
    struct fixture *f = *state;
    struct zl_capture_result r;
    struct zl_error err = {0}, serial = {0};
    struct parse_job a, b, bad;
    struct zl_audit_stats st;
    const char *later = later_doc();

    /* a bad document: the error zl_capture gives, nothing stored */
    assert_true(
        zl_capture(f->s, bad_doc(), strlen(bad_doc()), NULL, &r, &serial) < 0);
    parse_on_thread(&bad, bad_doc());
    assert_true(bad.rc < 0);
    assert_null(bad.d);
    assert_string_equal(bad.err.path, serial.path);
    assert_string_equal(bad.err.rule, serial.rule);
    assert_int_equal(count(f->s), 0);
    assert_int_equal(log_size(f->s), 0);

    parse_on_thread(&a, DOC);
    assert_int_equal(a.rc, 0);
    assert_int_equal(zl_capture_batch_begin(f->s), 0);
    parse_on_thread(&b, later); /* while a's rows are being written */
    assert_int_equal(zl_capture_store(f->s, a.d, NULL, &r, &err), 0);
    assert_int_equal(r.n_events, 3);
    assert_int_equal(r.n_new, 3);
    assert_int_equal(r.log_size, 4);
    assert_int_equal(b.rc, 0);
    assert_int_equal(zl_capture_store(f->s, b.d, NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 3);
    assert_int_equal(r.log_size, 8);
    /* the same parsed document again: duplicates, nothing logged */
    assert_int_equal(zl_capture_store(f->s, a.d, NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 0);
    assert_int_equal(r.n_duplicate, 3);
    assert_int_equal(r.log_size, 8);
    assert_int_equal(zl_capture_batch_commit(f->s), 0);
    zl_capture_doc_free(a.d);
    zl_capture_doc_free(b.d);
    zl_capture_doc_free(NULL);
    for (size_t i = 0; i < 3; i++) {
        assert_leaf_at(f->s, DOC, i, i);
        assert_leaf_at(f->s, later, i, 4 + i);
    }
    assert_int_equal(count(f->s), 6);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);
    assert_int_equal(st.leaves, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_capture_idempotent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invalid_stores_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure_atomic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_survives_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_alloc_failure_atomic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_two_stages, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
