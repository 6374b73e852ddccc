/*
 * test_epcis.c - EPCIS 2.0 parsing and validation.
 *
 * Positive: every example capture document GS1 publishes with the EPCIS
 * 2.0 standard (tests/conformance/gs1-epcis/JSON, recursive) is accepted,
 * except two whose refusal is named with the rule they break. Negative:
 * each rule we enforce has a document that breaks it, and the error must
 * carry the exact JSON path, the code and the offending value. Model:
 * struct zl_event fields for a document whose canonical forms we know.
 * Robustness: every allocation failure is reported cleanly, with and
 * without the jansson hooks. Host state: the library leaves jansson's
 * allocator alone unless the host opts in (zl_global_init), then keeps the
 * host's functions for everything outside a parse, and parses give the
 * same answers either way.
 * Bad input
 * corners: bare events need their @context, [] is no document, text from
 * the input in messages is escaped (controls, invalid UTF-8) and a value
 * too large names the limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/alloc.h"
#include "zhiliang/epcis.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "read_file.h"

#define GS1 "tests/conformance/gs1-epcis/JSON"

/* Documents of the GS1 example set we refuse, and why (the standard's rule
 * they break). */
static const struct {
    const char *file, *path, *why;
    int code;
} refused[] = {
    {"EPCISQueryDocument.jsonld", "$.type",
     "a query result, not a capture document (EPCIS 2.0 sec. 8.2.5: "
     "capture takes an EPCISDocument)",
     ZL_EINVAL},
    {"AssociationEvent/AssociationEvent-h.jsonld",
     "$.epcisBody.eventList[0].eventID",
     "the event has the key \"eventID\" twice; RFC 8259 sec. 4 names "
     "SHOULD be unique and JSON-LD 1.1 gives a repeated key no meaning, so "
     "which eventID is meant is undefined",
     ZL_ESYNTAX},
    {"WithSensorData/SensorDataExample8.jsonld",
     "$.epcisBody.eventList[0].sensorElementList[2].sensorReport[0].bizRules",
     "bizRules in a sensorReport: EPCIS 2.0 sec. 7.3.8.3 defines it for "
     "sensorMetadata only (GS1's JSON Schema lists it in both; epcis2.js "
     "refuses it)",
     ZL_EINVAL},
};

/* The stored event text (compacted from the input) must be the same JSON
 * value as the event jansson parsed, plus at most the document's
 * @context, and be compact (no whitespace outside strings). */
static void check_event_json(const char *path, const char *data, size_t len,
                             const zl_epcis_doc *doc)
{
    json_t *root = json_loadb(data, len, 0, NULL), *list;
    size_t i;
    assert_non_null(root);
    list = json_object_get(json_object_get(root, "epcisBody"), "eventList");
    assert_int_equal(json_array_size(list), zl_epcis_doc_count(doc));
    for (i = 0; i < zl_epcis_doc_count(doc); i++) {
        const struct zl_event *e = zl_epcis_doc_event(doc, i);
        json_t *got = json_loadb(e->json, e->json_len, 0, NULL);
        json_t *want = json_deep_copy(json_array_get(list, i));
        if (!got)
            fail_msg("%s event %zu: stored JSON does not parse: %s", path, i,
                     e->json);
        if (json_object_get(got, "@context") &&
            !json_object_get(want, "@context"))
            json_object_set(want, "@context",
                            json_object_get(root, "@context"));
        if (!json_equal(got, want))
            fail_msg("%s event %zu: stored JSON differs: %s", path, i, e->json);
        assert_int_equal(strlen(e->json), e->json_len);
        json_decref(got);
        json_decref(want);
    }
    json_decref(root);
}

static int walk(const char *dir, int *accepted, int *refused_n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    assert_non_null(d);
    while ((de = readdir(d))) {
        char path[1024];
        struct stat st;
        size_t len, k;
        char *data;
        zl_epcis_doc *doc = NULL;
        struct zl_error err;
        int r;
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(path, accepted, refused_n);
            continue;
        }
        if (!strstr(de->d_name, ".jsonld") && !strstr(de->d_name, ".json"))
            continue;
        data = slurp(path, &len);
        assert_non_null(data);
        memset(&err, 0, sizeof err);
        r = zl_epcis_parse(data, len, NULL, &doc, &err);
        for (k = 0; k < sizeof refused / sizeof refused[0]; k++)
            if (strstr(path, refused[k].file))
                break;
        if (k < sizeof refused / sizeof refused[0]) {
            if (r != refused[k].code || strcmp(err.path, refused[k].path))
                fail_msg("%s should be refused (%s) at %s, got %d %s %s", path,
                         refused[k].why, refused[k].path, r, err.path,
                         err.rule);
            (*refused_n)++;
        } else {
            if (r != 0)
                fail_msg("%s refused: %s: %s (value: %s)", path, err.path,
                         err.rule, err.value);
            assert_true(zl_epcis_doc_count(doc) >= 1);
            check_event_json(path, data, len, doc);
            (*accepted)++;
        }
        zl_epcis_doc_free(doc);
        free(data);
    }
    closedir(d);
    return 0;
}

static void test_gs1_examples(void **state)
{
    int accepted = 0, refused_n = 0;
    (void)state;
    walk(GS1, &accepted, &refused_n);
    assert_int_equal(refused_n, 3);
    assert_int_equal(accepted, 44);
}

/* ---- negative cases ---- */
#define HEAD                                                                   \
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"              \
    "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","                      \
    "\"schemaVersion\":\"2.0\",\"creationDate\":"                              \
    "\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":["
#define TAIL "]}}"
#define OK_EV                                                                  \
    "{\"type\":\"ObjectEvent\",\"eventTime\":"                                 \
    "\"2024-01-01T10:00:00.000+08:00\",\"eventTimeZoneOffset\":"               \
    "\"+08:00\",\"action\":\"OBSERVE\",\"epcList\":["                          \
    "\"urn:epc:id:sgtin:0614141.107346.2017\"]}"

struct neg {
    const char *name, *doc, *path;
    int code;
    const char *value; /* substring of err.value, or NULL */
};

static const struct neg negs[] = {
    {"GTIN check digit",
     HEAD OK_EV ",{\"type\":\"ObjectEvent\",\"eventTime\":"
                "\"2024-01-01T10:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
                "\"action\":\"OBSERVE\",\"epcList\":[\"https://id.gs1.org/01/"
                "09506000134352/21/1\",\"https://id.gs1.org/01/09506000134353/"
                "21/1\"]}" TAIL,
     "$.epcisBody.eventList[1].epcList[1]", ZL_ECHECK, "09506000134353"},
    {"missing eventTime",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTimeZoneOffset\":\"+00:00\","
          "\"action\":\"ADD\",\"epcList\":[]}" TAIL,
     "$.epcisBody.eventList[0].eventTime", ZL_EINVAL, NULL},
    {"missing eventTimeZoneOffset",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"action\":\"ADD\",\"epcList\":[]}" TAIL,
     "$.epcisBody.eventList[0].eventTimeZoneOffset", ZL_EINVAL, NULL},
    {"bad action",
     HEAD OK_EV ",{\"type\":\"ObjectEvent\",\"eventTime\":"
                "\"2024-01-01T00:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
                "\"action\":\"UPDATE\",\"epcList\":[]}" TAIL,
     "$.epcisBody.eventList[1].action", ZL_EINVAL, "UPDATE"},
    {"bad timestamp (no offset)",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"ADD\",\"epcList\":[]"
          "}" TAIL,
     "$.epcisBody.eventList[0].eventTime", ZL_EINVAL, "2024-01-01T00:00:00"},
    {"bad timestamp (month 13)",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-13-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"ADD\",\"epcList\":[]"
          "}" TAIL,
     "$.epcisBody.eventList[0].eventTime", ZL_EINVAL, "2024-13"},
    {"wrong event type",
     HEAD "{\"type\":\"ThingEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"ADD\"}" TAIL,
     "$.epcisBody.eventList[0].type", ZL_EINVAL, "ThingEvent"},
    {"wrong document type", "{\"type\":\"EPCISDoc\",\"schemaVersion\":\"2.0\"}",
     "$.type", ZL_EINVAL, "EPCISDoc"},
    {"query document",
     "{\"@context\":[],\"type\":\"EPCISQueryDocument\",\"schemaVersion\":"
     "\"2.0\",\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{}}",
     "$.type", ZL_EINVAL, "EPCISQueryDocument"},
    {"schemaVersion",
     "{\"@context\":[],\"type\":\"EPCISDocument\",\"schemaVersion\":"
     "\"1.2\",\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":"
     "{\"eventList\":[]}}",
     "$.schemaVersion", ZL_EINVAL, "1.2"},
    {"duplicate key",
     HEAD OK_EV ",{\"type\":\"ObjectEvent\",\"eventTime\":"
                "\"2024-01-01T00:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
                "\"action\":\"ADD\",\"action\":\"ADD\",\"epcList\":[]}" TAIL,
     "$.epcisBody.eventList[1].action", ZL_ESYNTAX, NULL},
    {"negative quantity",
     HEAD
     "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
     "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
     "\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:4012345.012345."
     "998877\",\"quantity\":-2,\"uom\":\"KGM\"}]}" TAIL,
     "$.epcisBody.eventList[0].quantityList[0].quantity", ZL_EINVAL, "-2"},
    {"unknown bizStep",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
          "\"epcList\":[],\"bizStep\":\"shiping\"}" TAIL,
     "$.epcisBody.eventList[0].bizStep", ZL_EINVAL, "shiping"},
    {"unknown non-namespaced field",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
          "\"epcList\":[],\"colour\":\"red\"}" TAIL,
     "$.epcisBody.eventList[0].colour", ZL_EINVAL, NULL},
    {"ilmd with OBSERVE",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
          "\"epcList\":[],\"ilmd\":{\"ex:lot\":\"1\"}}" TAIL,
     "$.epcisBody.eventList[0].ilmd", ZL_EINVAL, NULL},
    {"SGLN check digit in readPoint",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
          "\"epcList\":[],\"readPoint\":{\"id\":\"https://id.gs1.org/414/"
          "4012345000055\"}}" TAIL,
     "$.epcisBody.eventList[0].readPoint.id", ZL_ECHECK, NULL},
    {"source without type",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
          "\"epcList\":[],\"sourceList\":[{\"source\":\"urn:epc:id:pgln:"
          "4012345.00001\"}]}" TAIL,
     "$.epcisBody.eventList[0].sourceList[0].type", ZL_EINVAL, NULL},
    {"TransformationEvent without outputs or transformationID",
     HEAD "{\"type\":\"TransformationEvent\",\"eventTime\":"
          "\"2024-01-01T00:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
          "\"inputEPCList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"]}" TAIL,
     "$.epcisBody.eventList[0]", ZL_EINVAL, NULL},
    {"AssociationEvent without parentID",
     HEAD "{\"type\":\"AssociationEvent\",\"eventTime\":"
          "\"2024-01-01T00:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
          "\"action\":\"ADD\",\"childEPCs\":[\"urn:epc:id:giai:4000001.12345\"]"
          "}" TAIL,
     "$.epcisBody.eventList[0].parentID", ZL_EINVAL, NULL},
    {"sensor value not a number",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
          "\"epcList\":[],\"sensorElementList\":[{\"sensorReport\":[{\"type\":"
          "\"Temperature\",\"value\":\"hot\"}]}]}" TAIL,
     "$.epcisBody.eventList[0].sensorElementList[0].sensorReport[0].value",
     ZL_EINVAL, "hot"},
    {"sensorReport without type",
     HEAD "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
          "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
          "\"epcList\":[],\"sensorElementList\":[{\"sensorReport\":[{\"type\":"
          "\"Temperature\",\"value\":1},{\"value\":2}]}]}" TAIL,
     "$.epcisBody.eventList[0].sensorElementList[0].sensorReport[1].type",
     ZL_EINVAL, NULL},
    {"syntax error", HEAD OK_EV "," TAIL, "$.epcisBody.eventList", ZL_ESYNTAX,
     NULL},
};

static void test_negative(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof negs / sizeof negs[0]; i++) {
        zl_epcis_doc *doc = NULL;
        struct zl_error err;
        int r;
        memset(&err, 0, sizeof err);
        r = zl_epcis_parse(negs[i].doc, strlen(negs[i].doc), NULL, &doc, &err);
        if (r != negs[i].code || strcmp(err.path, negs[i].path) ||
            (negs[i].value && !strstr(err.value, negs[i].value)) ||
            err.code != r || !err.rule[0])
            fail_msg("%s: got %d (%s) path %s rule %s value %s; want %d %s",
                     negs[i].name, r, zl_strerror(r), err.path, err.rule,
                     err.value, negs[i].code, negs[i].path);
        assert_null(doc);
    }
}

/* Append to a test document; fails the test when it would not fit. */
static void put(char *d, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *d, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!d)
        fail_msg("out of memory");
    va_start(ap, fmt);
    n = vsnprintf(d + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len)
        fail_msg("test document larger than %zu bytes", cap);
    *len += (size_t)n;
}

static char *make_doc(size_t n_events, size_t depth)
{
    size_t cap = 512 + n_events * (sizeof OK_EV + 1) + depth * 8, i, len = 0;
    char *d = malloc(cap);

    put(d, cap, &len, "%s", HEAD);
    for (i = 0; i < n_events; i++)
        put(d, cap, &len, "%s%s", i ? "," : "", OK_EV);
    if (depth) {
        put(d, cap, &len,
            "%s{\"type\":\"ObjectEvent\",\"ex:deep\":", n_events ? "," : "");
        for (i = 0; i < depth; i++)
            put(d, cap, &len, "[");
        for (i = 0; i < depth; i++)
            put(d, cap, &len, "]");
        put(d, cap, &len, "}");
    }
    put(d, cap, &len, "%s", TAIL);
    return d;
}

static void test_limits(void **state)
{
    struct zl_capture_limits lim = {0, 10, 0};
    zl_epcis_doc *doc = NULL;
    struct zl_error err;
    char *d;
    int r;
    (void)state;
    /* too many events */
    d = make_doc(11, 0);
    r = zl_epcis_parse(d, strlen(d), &lim, &doc, &err);
    assert_int_equal(r, ZL_ELIMIT);
    assert_string_equal(err.path, "$.epcisBody.eventList");
    assert_non_null(strstr(err.rule, "max_events (10)"));
    free(d);
    d = make_doc(10, 0);
    assert_int_equal(zl_epcis_parse(d, strlen(d), &lim, &doc, &err), 0);
    assert_int_equal(zl_epcis_doc_count(doc), 10);
    zl_epcis_doc_free(doc);
    doc = NULL;
    /* too many bytes */
    lim.max_bytes = strlen(d) - 1;
    r = zl_epcis_parse(d, strlen(d), &lim, &doc, &err);
    assert_int_equal(r, ZL_ELIMIT);
    assert_non_null(strstr(err.rule, "max_bytes"));
    free(d);
    /* too deep: document(1) epcisBody(2) eventList(3) event(4), then the
     * arrays of ex:deep */
    lim.max_bytes = 0;
    lim.max_depth = 10;
    d = make_doc(1, 7);
    r = zl_epcis_parse(d, strlen(d), &lim, &doc, &err);
    assert_int_equal(r, ZL_ELIMIT);
    assert_string_equal(err.path,
                        "$.epcisBody.eventList[1].ex:deep[0][0][0][0][0][0]");
    assert_non_null(strstr(err.rule, "max_depth (10)"));
    free(d);
    /* and the default cap holds against a hostile nesting */
    d = make_doc(0, 100000);
    r = zl_epcis_parse(d, strlen(d), NULL, &doc, &err);
    assert_int_equal(r, ZL_ELIMIT);
    free(d);
}

static void test_fields(void **state)
{
    static const char doc_text[] =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
        "epcis-context.jsonld\",{\"ex\":\"https://ns.example.com/\"}],"
        "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
        "\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{"
        "\"eventList\":[{\"type\":\"ObjectEvent\",\"eventID\":\"urn:uuid:1\","
        "\"eventTime\":\"2022-02-16T20:33:31.116-06:00\","
        "\"eventTimeZoneOffset\":\"-06:00\",\"action\":\"OBSERVE\","
        "\"bizStep\":\"shipping\",\"disposition\":\"in_transit\","
        "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"],"
        "\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:4012345."
        "012345.998877\",\"quantity\":200.5,\"uom\":\"KGM\"}],"
        "\"readPoint\":{\"id\":\"urn:epc:id:sgln:0614141.07346.1234\"},"
        "\"bizLocation\":{\"id\":\"urn:epc:id:sgln:0614141.07346.0\"},"
        "\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":"
        "\"http://transaction.acme.com/po/12345678\"}],"
        "\"sourceList\":[{\"type\":\"owning_party\",\"source\":"
        "\"urn:epc:id:pgln:0614141.00001\"}],"
        "\"ex:note\":\"x\"},"
        "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
        "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"ADD\","
        "\"parentID\":\"urn:epc:id:sscc:0614141.1234567890\","
        "\"childEPCs\":[\"urn:epc:id:sgtin:0614141.107346.2018\"]}]}}";
    zl_epcis_doc *doc = NULL;
    struct zl_error err;
    const struct zl_event *e;
    (void)state;
    assert_int_equal(
        zl_epcis_parse(doc_text, sizeof doc_text - 1, NULL, &doc, &err), 0);
    assert_int_equal(zl_epcis_doc_count(doc), 2);
    e = zl_epcis_doc_event(doc, 0);
    assert_int_equal(e->type, ZL_EV_OBJECT);
    assert_string_equal(zl_event_type_name(e->type), "ObjectEvent");
    assert_int_equal(e->action, ZL_ACT_OBSERVE);
    assert_string_equal(zl_action_name(e->action), "OBSERVE");
    assert_string_equal(e->declared_id, "urn:uuid:1");
    assert_int_equal(e->tz_offset_min, -360);
    assert_true(e->event_time_ms == 1645065211116LL);
    assert_string_equal(e->biz_step,
                        "https://ref.gs1.org/cbv/BizStep-shipping");
    assert_string_equal(e->disposition,
                        "https://ref.gs1.org/cbv/Disp-in_transit");
    assert_string_equal(e->read_point,
                        "https://id.gs1.org/414/0614141073467/254/1234");
    assert_string_equal(e->biz_location,
                        "https://id.gs1.org/414/0614141073467");
    assert_int_equal(e->n_ids, 2);
    assert_string_equal(e->ids[0].id,
                        "https://id.gs1.org/01/10614141073464/21/2017");
    assert_int_equal(e->ids[0].role, ZL_ROLE_EPC);
    assert_string_equal(e->ids[1].id,
                        "https://id.gs1.org/01/04012345123456/10/998877");
    assert_int_equal(e->ids[1].role, ZL_ROLE_QTY);
    assert_true(e->ids[1].has_quantity && e->ids[1].quantity == 200.5);
    assert_string_equal(e->ids[1].uom, "KGM");
    assert_int_equal(e->n_biz_transactions, 1);
    assert_string_equal(e->biz_transactions[0].type,
                        "https://ref.gs1.org/cbv/BTT-po");
    assert_int_equal(e->n_sources, 1);
    assert_string_equal(e->sources[0].type,
                        "https://ref.gs1.org/cbv/SDT-owning_party");
    assert_string_equal(e->sources[0].value,
                        "https://id.gs1.org/417/0614141000012");
    /* the document's namespace travels with the event */
    assert_non_null(strstr(e->json, "\"@context\":"));
    assert_non_null(strstr(e->json, "\"ex:note\":\"x\""));
    assert_non_null(strstr(e->prehash, "{https://ns.example.com/}note=x"));
    assert_int_equal(strncmp(e->hash_id, "ni:///sha-256;", 14), 0);
    e = zl_epcis_doc_event(doc, 1);
    assert_int_equal(e->type, ZL_EV_AGGREGATION);
    assert_int_equal(e->n_ids, 2);
    assert_int_equal(e->ids[0].role, ZL_ROLE_PARENT);
    assert_string_equal(e->ids[0].id,
                        "https://id.gs1.org/00/106141412345678908");
    assert_int_equal(e->ids[1].role, ZL_ROLE_CHILD);
    assert_null(zl_epcis_doc_event(doc, 2));
    zl_epcis_doc_free(doc);
}

/* A bare event, alone or in an array, carries its own @context: the rule
 * an EPCISDocument follows (issue 9; before, a bare event without one was
 * taken). The forms with a context parse to the same events. */
#define EV_FIELDS                                                              \
    "\"type\":\"ObjectEvent\",\"eventTime\":"                                  \
    "\"2024-01-01T10:00:00.000+08:00\",\"eventTimeZoneOffset\":"               \
    "\"+08:00\",\"action\":\"OBSERVE\",\"epcList\":["                          \
    "\"urn:epc:id:sgtin:0614141.107346.2017\"]"
#define BARE_EV                                                                \
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"                    \
    "2.0.0/epcis-context.jsonld\"]," EV_FIELDS "}"

static void test_bare_forms(void **state)
{
    static const char one[] =
        "{\"@context\":\"https://ref.gs1.org/"
        "standards/epcis/epcis-context.jsonld\"," EV_FIELDS "}";
    static const char two[] = "[" BARE_EV "," BARE_EV "]";
    static const struct {
        const char *doc, *path, *rule;
    } bad[] = {
        {OK_EV, "$.@context", "carries its own"},
        {"[" OK_EV "]", "$[0].@context", "carries its own"},
        {"[" BARE_EV "," OK_EV "]", "$[1].@context", "carries its own"},
        {"{\"@context\":5," EV_FIELDS "}", "$.@context", "a URI, an object"},
        {"[]", "$", "empty array"},
        {" [ ] ", "$", "empty array"},
    };
    zl_epcis_doc *doc = NULL, *ref = NULL;
    struct zl_error err;
    size_t i;
    (void)state;
    assert_int_equal(zl_epcis_parse(one, sizeof one - 1, NULL, &doc, &err), 0);
    assert_int_equal(zl_epcis_doc_count(doc), 1);
    assert_int_equal(zl_epcis_parse(two, sizeof two - 1, NULL, &ref, &err), 0);
    assert_int_equal(zl_epcis_doc_count(ref), 2);
    assert_memory_equal(zl_epcis_doc_event(ref, 0)->hash,
                        zl_epcis_doc_event(ref, 1)->hash, 32);
    /* the (prefix-free) context does not change the event's hash */
    assert_memory_equal(zl_epcis_doc_event(ref, 0)->hash,
                        zl_epcis_doc_event(doc, 0)->hash, 32);
    zl_epcis_doc_free(ref);
    zl_epcis_doc_free(doc);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        doc = NULL;
        memset(&err, 0, sizeof err);
        if (zl_epcis_parse(bad[i].doc, strlen(bad[i].doc), NULL, &doc, &err) !=
            ZL_EINVAL)
            fail_msg("accepted: %s", bad[i].doc);
        assert_null(doc);
        assert_string_equal(err.path, bad[i].path);
        if (!strstr(err.rule, bad[i].rule))
            fail_msg("%s: %s", bad[i].doc, err.rule);
    }
}

/* ---- text from the input in messages ---- */

/* Valid UTF-8 without C0, DEL or C1 controls: what every message made
 * from input must be (naive: decode each sequence by the table). */
static int clean_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, cp;
        int len = c < 0x80             ? 1
                  : (c & 0xe0) == 0xc0 ? 2
                  : (c & 0xf0) == 0xe0 ? 3
                  : (c & 0xf8) == 0xf0 ? 4
                                       : 0;
        if (!len)
            return 0;
        cp = len == 1 ? c : c & (0x7f >> len);
        for (int k = 1; k < len; k++) {
            if ((p[k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return 0;
        p += len;
    }
    return 1;
}

/* zl_text_escape: known answers, then random bytes must always come out
 * clean, never cut inside a character or escape, and clean text (as the
 * naive model says) must come through unchanged. */
static void test_text_escape(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain 中文", "plain 中文"},
        {"\x1b[31mred", "\\u001b[31mred"},
        {"bell\a", "bell\\u0007"},
        {"del\x7f", "del\\u007f"},
        {"csi\xc2\x9b"
         "2J",
         "csi\\u009b2J"},
        {"nbsp\xc2\xa0", "nbsp\xc2\xa0"},
        {"bad\xff\xfe", "bad\\xff\\xfe"},
        {"cut\xe4\xb8", "cut\\xe4\\xb8"},
        {"overlong\xc0\xaf", "overlong\\xc0\\xaf"},
        {"surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80"},
    };
    char out[64], in[40];
    unsigned seed = 7;
    size_t i, n;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zl_text_escape(out, sizeof out, cases[i].in, (size_t)-1);
        assert_string_equal(out, cases[i].out);
    }
    /* a NUL inside the given length is escaped too */
    zl_text_escape(out, sizeof out, "a\0b", 3);
    assert_string_equal(out, "a\\u0000b");
    /* truncation keeps whole characters and whole escapes */
    zl_text_escape(out, 6, "ab中文", (size_t)-1);
    assert_string_equal(out, "ab中");
    zl_text_escape(out, 8, "ab\x1b", (size_t)-1);
    assert_string_equal(out, "ab");
    for (int round = 0; round < 20000; round++) {
        n = (seed = seed * 1103515245 + 12345) % sizeof in;
        for (i = 0; i < n; i++)
            in[i] = (char)((seed = seed * 1103515245 + 12345) >> 16);
        in[n] = '\0';
        zl_text_escape(out, 1 + (seed >> 20) % sizeof out, in, n);
        if (!clean_text(out))
            fail_msg("round %d: not clean", round);
        if (clean_text(in) && strlen(in) == n && n < 10) {
            zl_text_escape(out, sizeof out, in, n);
            assert_string_equal(out, in);
        }
    }
}

/* Through the parser: control characters from values and keys, invalid
 * UTF-8 in a path (a key jansson refuses, so the path comes from our own
 * scan of the raw text), too long values naming the limit. Every field of
 * the error, and the formatted message, is clean text. */
static void test_error_text(void **state)
{
    static const struct {
        const char *doc, *want; /* substring of the formatted message */
    } cases[] = {
        {HEAD
         "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T10:00:00Z\","
         "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"\\u001b[2J\\u001b]0;x"
         "\\u0007\",\"epcList\":[]}" TAIL,
         "(value: \"\\u001b[2J\\u001b]0;x\\u0007\")"},
        {HEAD
         "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T10:00:00Z\","
         "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
         "\"\\u001b[31mkey\":1,\"epcList\":[]}" TAIL,
         "eventList[0].\\u001b[31mkey:"},
        {HEAD
         "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T10:00:00Z\","
         "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
         "\"epcList\":[\"https://example.com/\\u009b31m\"]}" TAIL,
         "must be an absolute URI (value: \"https://example.com/\\u009b31m\")"},
        {HEAD
         "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T10:00:00Z\","
         "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
         "\"\xff\xfe\":1,\"epcList\":[]}" TAIL,
         "eventList[0].\\xff\\xfe: JSON syntax"},
        {"{\"\xe4\xb8\":{\"a\":[}}", "$.\\xe4\\xb8: JSON syntax"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zl_epcis_doc *doc = NULL;
        struct zl_error err;
        char msg[1024];
        json_t *j;
        memset(&err, 0, sizeof err);
        assert_true(zl_epcis_parse(cases[i].doc, strlen(cases[i].doc), NULL,
                                   &doc, &err) < 0);
        zl_error_format(&err, msg, sizeof msg);
        if (!strstr(msg, cases[i].want))
            fail_msg("case %zu: %s", i, msg);
        assert_true(clean_text(err.path) && clean_text(err.rule) &&
                    clean_text(err.value) && clean_text(msg));
        /* and so a JSON problem can carry every field */
        j = json_pack("{s:s,s:s,s:s,s:s}", "path", err.path, "rule", err.rule,
                      "value", err.value, "detail", msg);
        assert_non_null(j);
        json_decref(j);
    }
}

/* A value too large names the limit it passes. */
static void test_too_large_names_limit(void **state)
{
    size_t big = 9u << 20, len = 0, cap = big + 4096, i;
    char *d = malloc(cap), id[1100];
    zl_epcis_doc *doc = NULL;
    struct zl_error err;
    (void)state;
    assert_non_null(d);
    /* an identifier past the 1023-byte limit */
    memcpy(id, "https://example.com/", 20);
    memset(id + 20, 'a', 1030);
    id[1050] = '\0';
    put(d, cap, &len,
        "%s{\"type\":\"ObjectEvent\",\"eventTime\":"
        "\"2024-01-01T10:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
        "\"action\":\"OBSERVE\",\"epcList\":[\"%s\"]}%s",
        HEAD, id, TAIL);
    memset(&err, 0, sizeof err);
    assert_int_equal(zl_epcis_parse(d, len, NULL, &doc, &err), ZL_EINVAL);
    assert_string_equal(err.path, "$.epcisBody.eventList[0].epcList[0]");
    if (!strstr(err.rule, "1050 bytes is longer than the limit of 1023 bytes"))
        fail_msg("%s", err.rule);
    /* an event whose pre-hash string passes 8 MiB */
    len = 0;
    put(d, cap, &len, "%s",
        "{\"@context\":[\"https://ref.gs1.org/standards/"
        "epcis/2.0.0/epcis-context.jsonld\",{\"ex\":\"https://ex.com/\"}],"
        "\"type\":\"ObjectEvent\",\"eventTime\":\"2024-01-01T10:00:00Z\","
        "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
        "\"epcList\":[],\"ex:big\":\"");
    for (i = 0; i < big; i++)
        d[len++] = 'x';
    put(d, cap, &len, "%s", "\"}");
    memset(&err, 0, sizeof err);
    assert_int_equal(zl_epcis_parse(d, len, NULL, &doc, &err), ZL_ELIMIT);
    if (!strstr(err.rule, "limit of 8388608 bytes"))
        fail_msg("%s", err.rule);
    /* a document @context binding 300 prefixes */
    len = 0;
    put(d, cap, &len, "%s", "{\"@context\":[{");
    for (i = 0; i < 300; i++)
        put(d, cap, &len, "%s\"p%zu\":\"https://p%zu.example/\"", i ? "," : "",
            i, i);
    put(d, cap, &len, "%s",
        "}],\"type\":\"EPCISDocument\","
        "\"schemaVersion\":\"2.0\",\"creationDate\":\"2024-01-01T00:00:00Z\","
        "\"epcisBody\":{\"eventList\":[]}}");
    memset(&err, 0, sizeof err);
    assert_int_equal(zl_epcis_parse(d, len, NULL, &doc, &err), ZL_ELIMIT);
    assert_string_equal(err.path, "$.@context");
    if (!strstr(err.rule, "limit of 256 namespace prefixes"))
        fail_msg("%s", err.rule);
    /* 65 @context objects in one event; then one binding 300 prefixes */
    for (int round = 0; round < 2; round++) {
        size_t nctx = round ? 1 : 65, nb = round ? 300 : 1, k;
        len = 0;
        put(d, cap, &len,
            "%s{\"type\":\"ObjectEvent\",\"eventTime\":"
            "\"2024-01-01T10:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
            "\"action\":\"OBSERVE\",\"epcList\":[]",
            HEAD);
        for (i = 0; i < nctx; i++) {
            put(d, cap, &len, ",\"ex:e%zu\":{\"@context\":{", i);
            for (k = 0; k < nb; k++)
                put(d, cap, &len, "%s\"q%zu\":\"https://q.example/%zu/\"",
                    k ? "," : "", k, i);
            put(d, cap, &len, "%s", "},\"q0:v\":\"1\"}");
        }
        put(d, cap, &len, "}%s", TAIL);
        memset(&err, 0, sizeof err);
        assert_int_equal(zl_epcis_parse(d, len, NULL, &doc, &err), ZL_ELIMIT);
        if (!strstr(err.rule, round ? "prefix bindings in one event, more "
                                      "than the limit of 256"
                                    : "65 @context objects in one event, "
                                      "more than the limit of 64"))
            fail_msg("%s", err.rule);
    }
    free(d);
}

/* Every allocation failure must come back as an error, never a crash or a
 * leak (the ASan build checks the leaks). */
/* uniqueItems on identifier lists against a naive model (pairwise string
 * comparison): random lists drawn from a small pool so that repeats occur
 * within a list, across the lists of one event and across events; only a
 * repeat within one list is an error, and the error names the second
 * occurrence. The pool mixes a GS1 key in two syntaxes, which are the same
 * identifier but different strings (not a uniqueItems violation). */
static void test_unique_items(void **state)
{
    static const char *const pool[] = {
        "urn:epc:id:sgtin:0614141.107346.2017",
        "https://id.gs1.org/01/00614141073467/21/2017",
        "urn:example:item:1",
        "urn:example:item:2",
        "urn:example:item:3",
    };
    unsigned seed = 12345;
    (void)state;
    for (int round = 0; round < 300; round++) {
        size_t cap = 1 << 20, n_ev = 1 + round % 4, len = 0;
        char *d = malloc(cap), want_path[128] = "";
        zl_epcis_doc *doc = NULL;
        struct zl_error err;
        int r;
        assert_non_null(d);
        put(d, cap, &len, "%s", HEAD);
        for (size_t e = 0; e < n_ev; e++) {
            /* long lists only sometimes: they exceed the pool */
            size_t n = round % 10 == 0
                           ? 600
                           : 1 + (seed = seed * 1103515245 + 12345) % 4;
            int unique_pool = round % 3 == 0;
            put(d, cap, &len,
                "%s{\"type\":\"TransformationEvent\",\"eventTime\":"
                "\"2024-01-01T10:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
                "\"inputEPCList\":[",
                e ? "," : "");
            for (int l = 0; l < 2; l++) {
                const char *items[600];
                char num[600][40];
                if (l)
                    put(d, cap, &len, "],\"outputEPCList\":[");
                for (size_t i = 0; i < n; i++) {
                    seed = seed * 1103515245 + 12345;
                    if (unique_pool || n > 5) {
                        /* distinct except, now and then, one repeat */
                        snprintf(num[i], sizeof num[i], "urn:example:n:%zu",
                                 (seed >> 16) % 997 == 0 && i ? i - 1 : i);
                        items[i] = num[i];
                    } else {
                        items[i] = pool[(seed >> 16) % 5];
                    }
                    put(d, cap, &len, "%s\"%s\"", i ? "," : "", items[i]);
                    for (size_t j = 0; j < i && !want_path[0]; j++)
                        if (!strcmp(items[j], items[i]))
                            snprintf(want_path, sizeof want_path,
                                     "$.epcisBody.eventList[%zu].%s[%zu]", e,
                                     l ? "outputEPCList" : "inputEPCList", i);
                }
            }
            put(d, cap, &len, "]}");
        }
        put(d, cap, &len, "%s", TAIL);
        memset(&err, 0, sizeof err);
        r = zl_epcis_parse(d, len, NULL, &doc, &err);
        if (want_path[0]) {
            if (r != ZL_EINVAL || strcmp(err.path, want_path) ||
                !strstr(err.rule, "uniqueItems"))
                fail_msg("round %d: got %d %s %s, want %s", round, r, err.path,
                         err.rule, want_path);
            assert_null(doc);
        } else {
            if (r != 0)
                fail_msg("round %d: refused %s %s", round, err.path, err.rule);
            zl_epcis_doc_free(doc);
        }
        free(d);
    }
}

static void alloc_failures(void)
{
    size_t len;
    char *d = slurp(GS1 "/WithFullCombinationOfFields/"
                        "object_event_all_possible_fields.jsonld",
                    &len);
    long n;
    int ok = 0;
    assert_non_null(d);
    for (n = 0; n < 5000 && !ok; n++) {
        zl_epcis_doc *doc = NULL;
        struct zl_error err;
        int r;
        zl_alloc_fail_after(n);
        r = zl_epcis_parse(d, len, NULL, &doc, &err);
        zl_alloc_fail_after(-1);
        if (r == 0) {
            ok = 1;
            assert_non_null(doc);
        } else {
            assert_null(doc);
            assert_true(r < 0);
        }
        zl_epcis_doc_free(doc);
    }
    assert_true(ok);
    free(d);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    alloc_failures(); /* jansson on its own malloc */
    assert_int_equal(zl_global_init(), 0);
    alloc_failures(); /* JSON trees in the arena */
    zl_global_cleanup();
}

/* A host's own jansson allocator, counting what goes through it. */
static long host_mallocs, host_frees;

static void *host_malloc(size_t n)
{
    host_mallocs++;
    return malloc(n);
}

static void host_free(void *p)
{
    if (p)
        host_frees++;
    free(p);
}

/* Hash IDs of every event of one document, one per line (new). */
static char *hash_ids(const char *doc, size_t len)
{
    zl_epcis_doc *d = NULL;
    struct zl_error err;
    char *out;
    size_t i, n;

    assert_int_equal(zl_epcis_parse(doc, len, NULL, &d, &err), 0);
    n = zl_epcis_doc_count(d);
    out = calloc(n ? n : 1, 96);
    assert_non_null(out);
    for (i = 0; i < n; i++) {
        strcat(out, zl_epcis_doc_event(d, i)->hash_id);
        strcat(out, "\n");
    }
    zl_epcis_doc_free(d);
    return out;
}

static void test_host_allocator(void **state)
{
    size_t len;
    char *d = slurp(GS1 "/WithFullCombinationOfFields/"
                        "object_event_all_possible_fields.jsonld",
                    &len);
    char *plain, *hooked, *replaced;
    json_malloc_t m;
    json_free_t f;
    json_t *mine;
    long parse_mallocs;
    (void)state;
    assert_non_null(d);

    /* without zl_global_init nothing changes hands */
    json_set_alloc_funcs(host_malloc, host_free);
    plain = hash_ids(d, len);
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, host_malloc);
    assert_ptr_equal(f, host_free);
    assert_true(host_mallocs > 0);              /* the parse used jansson */
    assert_int_equal(host_mallocs, host_frees); /* and freed its tree */

    /* with it: the host's values still come from the host's allocator,
     * the parse tree does not */
    assert_int_equal(zl_global_init(), 0);
    assert_int_equal(zl_global_init(), 0); /* idempotent */
    host_mallocs = host_frees = 0;
    mine = json_object();
    assert_non_null(mine);
    assert_true(host_mallocs > 0);
    parse_mallocs = host_mallocs;
    hooked = hash_ids(d, len);
    assert_string_equal(hooked, plain);
    assert_int_equal(host_mallocs, parse_mallocs);
    json_decref(mine);
    assert_int_equal(host_mallocs, host_frees);

    /* the host takes jansson back: parses fall back, still correct */
    json_set_alloc_funcs(host_malloc, host_free);
    host_mallocs = host_frees = 0;
    replaced = hash_ids(d, len);
    assert_string_equal(replaced, plain);
    assert_true(host_mallocs > 0);
    assert_int_equal(host_mallocs, host_frees);

    /* cleanup puts back what zl_global_init found, and only that */
    zl_global_cleanup();
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, host_malloc);
    assert_int_equal(zl_global_init(), 0);
    zl_global_cleanup();
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, host_malloc);
    assert_ptr_equal(f, host_free);

    json_set_alloc_funcs(malloc, free);
    free(plain);
    free(hooked);
    free(replaced);
    free(d);
}

/* Which properties each event type allows (epcis_validate.c encodes them
 * as bitmasks in its field table): every property of any type, put into
 * an event of each type, is refused as "not a property of <type>" exactly
 * when the EPCIS 2.0 JSON Schema's list for that type lacks it. */
static void test_property_matrix(void **state)
{
    static const char *const types[] = {
        "ObjectEvent", "AggregationEvent", "TransactionEvent",
        "TransformationEvent", "AssociationEvent"};
    static const char *const common =
        " eventTime recordTime eventTimeZoneOffset eventID certificationInfo "
        "errorDeclaration ";
    static const char *const own[] = {
        " action epcList quantityList bizStep disposition "
        "persistentDisposition readPoint bizLocation bizTransactionList "
        "sourceList destinationList sensorElementList ilmd ",
        " parentID childEPCs childQuantityList action bizStep disposition "
        "readPoint bizLocation bizTransactionList sourceList destinationList "
        "sensorElementList ",
        " bizTransactionList parentID epcList quantityList action bizStep "
        "disposition readPoint bizLocation sourceList destinationList "
        "sensorElementList ",
        " inputEPCList inputQuantityList outputEPCList outputQuantityList "
        "transformationID bizStep disposition persistentDisposition "
        "readPoint bizLocation bizTransactionList sourceList destinationList "
        "sensorElementList ilmd ",
        " parentID childEPCs childQuantityList action bizStep disposition "
        "readPoint bizLocation bizTransactionList sourceList destinationList "
        "sensorElementList "};
    static const char *const props[] = {"eventTime",
                                        "recordTime",
                                        "eventTimeZoneOffset",
                                        "eventID",
                                        "certificationInfo",
                                        "errorDeclaration",
                                        "action",
                                        "parentID",
                                        "epcList",
                                        "quantityList",
                                        "childEPCs",
                                        "childQuantityList",
                                        "inputEPCList",
                                        "inputQuantityList",
                                        "outputEPCList",
                                        "outputQuantityList",
                                        "transformationID",
                                        "bizStep",
                                        "disposition",
                                        "persistentDisposition",
                                        "readPoint",
                                        "bizLocation",
                                        "bizTransactionList",
                                        "sourceList",
                                        "destinationList",
                                        "sensorElementList",
                                        "ilmd",
                                        "bizRules",
                                        "id",
                                        "quantity"};
    size_t t, p;
    (void)state;
    for (t = 0; t < 5; t++) {
        for (p = 0; p < sizeof props / sizeof props[0]; p++) {
            char doc[1024], word[64], path[96], rule[96];
            zl_epcis_doc *d = NULL;
            struct zl_error err;
            int allowed, no;
            snprintf(word, sizeof word, " %s ", props[p]);
            allowed = strstr(common, word) || strstr(own[t], word);
            snprintf(doc, sizeof doc, HEAD "{\"type\":\"%s\",\"%s\":1}" TAIL,
                     types[t], props[p]);
            memset(&err, 0, sizeof err);
            (void)zl_epcis_parse(doc, strlen(doc), NULL, &d, &err);
            zl_epcis_doc_free(d);
            snprintf(path, sizeof path, "$.epcisBody.eventList[0].%s",
                     props[p]);
            snprintf(rule, sizeof rule, "not a property of %s ", types[t]);
            no = !strcmp(err.path, path) &&
                 !strncmp(err.rule, rule, strlen(rule));
            if (no == allowed)
                fail_msg("%s.%s: %s, want %s (%s: %s)", types[t], props[p],
                         no ? "refused" : "accepted",
                         allowed ? "accepted" : "refused", err.path, err.rule);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gs1_examples),
        cmocka_unit_test(test_negative),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_bare_forms),
        cmocka_unit_test(test_text_escape),
        cmocka_unit_test(test_error_text),
        cmocka_unit_test(test_too_large_names_limit),
        cmocka_unit_test(test_unique_items),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_host_allocator),
        cmocka_unit_test(test_property_matrix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
