/*
 * test_receipt.c - capture receipts: their canonical bytes are exactly
 * RFC 8785 (checked against zl_jcs_dump of the same value), a capture
 * logs one receipt for the events it stored and none for duplicates,
 * verify names an edited record_time or party and an event no receipt
 * lists, and reindex puts the receipt's values back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture/receipt.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/jcs.h"
#include "zhiliang/audit.h"
#include "zhiliang/codec.h"
#include "zhiliang/log.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/zhiliang.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define FIXTURE_NAME "receipt"
#include "store_fixture.h"

static const char DOC[] =
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\"],"
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
    "\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":["
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T08:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":"
    "\"commissioning\","
    "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"]},"
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-02T10:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"bizStep\":"
    "\"shipping\","
    "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"]}"
    "]}}";

static json_t *hex_list(const uint8_t (*h)[32], size_t n)
{
    json_t *a = json_array();
    char hex[65];

    for (size_t i = 0; i < n; i++) {
        zl_hex_encode(h[i], 32, hex);
        json_array_append_new(a, json_string(hex));
    }
    return a;
}

static void assert_same_as_jcs(const struct zl_receipt_group *g, size_t n,
                               json_t *value)
{
    struct zl_buf mine, jcs;

    zl_buf_init(&mine, 1 << 20);
    zl_buf_init(&jcs, 1 << 20);
    assert_int_equal(zl_receipt_canon(g, n, &mine), 0);
    assert_int_equal(zl_jcs_dump(value, &jcs), 0);
    assert_int_equal(mine.len, jcs.len);
    assert_memory_equal(mine.data, jcs.data, jcs.len);
    zl_buf_cleanup(&mine);
    zl_buf_cleanup(&jcs);
    json_decref(value);
}

static void test_canon_is_jcs(void **state)
{
    static const uint8_t ev[3][32] = {{1, 2, 3}, {0xff, 0xee}, {0x10}};
    static const uint8_t doc[32] = {0xab, 0xcd};
    struct zl_receipt_group g[2];
    char t0[32], t1[32], hex[65];

    (void)state;
    memset(g, 0, sizeof g);
    g[0].kind = ZL_RECEIPT_CAPTURE;
    g[0].record_time_ms = 1733453999123LL;
    g[0].party = "长青乳业 \"A\"\\\x01";
    g[0].doc = doc;
    g[0].events = ev;
    g[0].n_events = 3;
    zl_time_format_utc(g[0].record_time_ms, t0);
    zl_hex_encode(doc, 32, hex);
    assert_same_as_jcs(g, 1,
                       json_pack("{s:s, s:o, s:s, s:s, s:s, s:i}", "type",
                                 "capture", "events", hex_list(ev, 3), "party",
                                 g[0].party, "recordTime", t0, "doc", hex, "v",
                                 1));
    g[0].party = NULL;
    g[0].doc = NULL;
    assert_same_as_jcs(g, 1,
                       json_pack("{s:s, s:o, s:n, s:s, s:n, s:i}", "type",
                                 "capture", "events", hex_list(ev, 3), "party",
                                 "recordTime", t0, "doc", "v", 1));
    /* the migration form: groups of (record time, party) */
    g[0].kind = g[1].kind = ZL_RECEIPT_MIGRATION;
    g[0].n_events = 2;
    g[1].record_time_ms = 1;
    g[1].party = "91350100M000100Y43";
    g[1].events = ev + 2;
    g[1].n_events = 1;
    zl_time_format_utc(1, t1);
    assert_same_as_jcs(
        g, 2,
        json_pack("{s:s, s:i, s:[{s:o, s:n, s:s}, {s:o, s:s, s:s}]}", "type",
                  "migration", "v", 1, "groups", "events", hex_list(ev, 2),
                  "party", "recordTime", t0, "events", hex_list(ev + 2, 1),
                  "party", g[1].party, "recordTime", t1));
}

struct issues {
    int altered, unanchored, other;
    char unanchored_detail[300]; /* the last one's */
};

static int on_issue(void *ctx, const struct zl_audit_issue *is)
{
    struct issues *x = ctx;

    if (!strcmp(is->kind, "metadata-altered"))
        x->altered++;
    else if (!strcmp(is->kind, "metadata-unanchored")) {
        x->unanchored++;
        snprintf(x->unanchored_detail, sizeof x->unanchored_detail, "%s",
                 is->detail);
    } else
        x->other++;
    return 0;
}

static uint64_t log_size(zl_store *s)
{
    uint64_t n = 0;

    assert_int_equal(zl_log_size(s, &n), 0);
    return n;
}

static void test_capture_receipt(void **state)
{
    struct fixture *f = *state;
    struct zl_capture_result r;
    struct zl_audit_reindex_stats rs;
    struct zl_error err = {0};
    struct issues x = {0};

    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 2);
    assert_int_equal(log_size(f->s), 3); /* two events, one receipt */
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* a duplicate capture stores nothing and lists nothing */
    assert_int_equal(zl_capture(f->s, DOC, strlen(DOC), NULL, &r, &err), 0);
    assert_int_equal(r.n_new, 0);
    assert_int_equal(log_size(f->s), 3);

    /* record time and party edited behind the log's back */
    assert_int_equal(
        zl_store_exec_sql(f->s,
                          "UPDATE events SET record_time = 5 WHERE hash ="
                          " (SELECT hash FROM events ORDER BY hash LIMIT 1);"
                          "UPDATE events SET party = 'someone' WHERE hash ="
                          " (SELECT hash FROM events ORDER BY hash DESC"
                          " LIMIT 1)"),
        0);
    assert_int_equal(zl_audit_verify(f->s, on_issue, &x, NULL), ZL_ETAMPER);
    assert_int_equal(x.altered, 2);
    assert_int_equal(x.unanchored, 0);
    /* and one more place holds the receipt's time: on PostgreSQL the
     * identifier index row, which keeps a copy (SQLite's interned
     * occurrences show the event's own); on SQLite the event's outbox
     * row, which since schema 38 reads it from the event */
    assert_int_equal(x.other, 1);
    assert_int_equal(zl_audit_reindex(f->s, &rs), 0);
    assert_int_equal(rs.metadata, 2);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);

    /* a receipt edited behind the log's back anchors nothing: its events
     * are unanchored, reported once for the receipt with their number */
    assert_int_equal(zl_store_exec_sql(f->s, "UPDATE receipts SET record_time"
                                             " = record_time + 1"),
                     0);
    memset(&x, 0, sizeof x);
    assert_int_equal(zl_audit_verify(f->s, on_issue, &x, NULL), ZL_ETAMPER);
    assert_int_equal(x.unanchored, 1);
    assert_non_null(strstr(x.unanchored_detail, "2 stored events"));
    assert_int_equal(x.other, 1); /* the receipt's own record-altered */
    assert_int_equal(zl_store_exec_sql(f->s, "UPDATE receipts SET record_time"
                                             " = record_time - 1"),
                     0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);

    /* without its receipt, an event's metadata is unanchored */
    assert_int_equal(zl_store_exec_sql(f->s, "DELETE FROM receipts"), 0);
    memset(&x, 0, sizeof x);
    assert_int_equal(zl_audit_verify(f->s, on_issue, &x, NULL), ZL_ETAMPER);
    assert_int_equal(x.unanchored, 2);
    assert_int_equal(x.other, 1); /* the receipt's own record-missing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canon_is_jcs),
        cmocka_unit_test_setup_teardown(test_capture_receipt, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
