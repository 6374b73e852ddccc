/*
 * test_cbv.c - CBV 2.0 vocabularies as enums (zhiliang/cbv.h) and the
 * FSMA 204 CTE classifier.
 *
 * The table is checked against the standard as published: every bizStep,
 * disposition and source/destination type that GS1's EPCIS 2.0 JSON Schema
 * lists maps to a standard row and back through all three forms (bare
 * word, web URI, urn:epcglobal:cbv), the JSON-LD context expands each word
 * to the table's URI, and the table has no standard word the schema lacks.
 * Then every bizStep through the classifier, against a model written here
 * from the FSMA 204 definitions; every bizStep and disposition through
 * the parser (struct zl_event) and through capture, store, read and trace
 * (store walk and in-memory index), which
 * is where void_shipping used to become a shipment; and EQ_bizStep /
 * EQ_disposition in each form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "zhiliang/audit.h"
#include "zhiliang/query.h"
#include "zhiliang/trace.h"

#include "util/buf.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define FIXTURE_NAME "cbv"
#include "store_fixture.h"

#define CONF        "tests/conformance/gs1-epcis/"
#define BS_URI      "https://ref.gs1.org/cbv/BizStep-"
#define DISP_URI    "https://ref.gs1.org/cbv/Disp-"
#define SERIAL      "https://id.gs1.org/01/09506000134352/21/S1"
#define HARVEST_URI "https://voc.zhiliang.example/bizstep/harvesting"
#define COOL_URI    "urn:example:steps:cooling"

/* One vocabulary seen through the API, so one test body serves three. */
struct voc {
    const char *schema_def, *context, *uri, *urn;
    int none, other, n_std;
    int (*of)(const char *, size_t);
    const struct zl_cbv_term *(*term)(int);
};

static int step_of(const char *s, size_t n)
{
    return (int)zl_biz_step_of(s, n);
}
static int disp_of(const char *s, size_t n)
{
    return (int)zl_disposition_of(s, n);
}
static int sdt_of(const char *s, size_t n)
{
    return (int)zl_sdt_of(s, n);
}
static const struct zl_cbv_term *step_term(int v)
{
    return zl_biz_step_term((enum zl_biz_step)v);
}
static const struct zl_cbv_term *disp_term(int v)
{
    return zl_disposition_term((enum zl_disposition)v);
}
static const struct zl_cbv_term *sdt_term(int v)
{
    return zl_sdt_term((enum zl_sdt)v);
}

static const struct voc VOCS[] = {
    {"bizStep", "cbv-context-bizstep.jsonld", BS_URI,
     "urn:epcglobal:cbv:bizstep:", ZL_BIZ_STEP_NONE, ZL_BIZ_STEP_OTHER, 41,
     step_of, step_term},
    {"disposition", "cbv-context-disposition.jsonld", DISP_URI,
     "urn:epcglobal:cbv:disp:", ZL_DISP_NONE, ZL_DISP_OTHER, 33, disp_of,
     disp_term},
    {"source-dest-type", "cbv-context-sourcedest-type.jsonld",
     "https://ref.gs1.org/cbv/SDT-", "urn:epcglobal:cbv:sdt:", ZL_SDT_NONE,
     ZL_SDT_OTHER, 3, sdt_of, sdt_term},
};

static int of_str(const struct voc *vc, const char *s)
{
    return vc->of(s, strlen(s));
}

/* Every word of the schema and the context is a standard row, in every
 * form, and back; no standard row is missing from the schema. */
static void test_table_is_the_standard(void **state)
{
    json_error_t je;
    json_t *schema = json_load_file(CONF "EPCIS-JSON-Schema.json", 0, &je);

    (void)state;
    assert_non_null(schema);
    for (size_t k = 0; k < sizeof VOCS / sizeof VOCS[0]; k++) {
        const struct voc *vc = &VOCS[k];
        json_t *def = json_object_get(json_object_get(schema, "definitions"),
                                      vc->schema_def);
        json_t *words = json_object_get(
            json_array_get(json_object_get(def, "anyOf"), 1), "enum");
        json_t *root, *ctx, *w, *val;
        const char *key;
        char path[200], buf[200];
        size_t i;
        int n_std = 0, n_ctx = 0;

        assert_true(json_array_size(words) > 0);
        json_array_foreach(words, i, w)
        {
            const char *word = json_string_value(w);
            int v = of_str(vc, word);
            const struct zl_cbv_term *t = vc->term(v);

            assert_true(v != vc->none && v != vc->other);
            assert_non_null(t);
            assert_true(t->standard);
            assert_string_equal(t->word, word);
            snprintf(buf, sizeof buf, "%s%s", vc->uri, word);
            assert_string_equal(t->uri, buf);
            assert_int_equal(of_str(vc, buf), v);
            snprintf(buf, sizeof buf, "%s%s", vc->urn, word);
            assert_string_equal(t->urn, buf);
            assert_int_equal(of_str(vc, buf), v);
        }
        for (int v = vc->none + 1; v < vc->other; v++) {
            const struct zl_cbv_term *t = vc->term(v);

            assert_non_null(t);
            assert_true(t->zh[0] && t->en[0]);
            if (!t->standard)
                continue;
            n_std++;
            /* the table's own standard words are the schema's */
            json_array_foreach(
                words, i, w) if (!strcmp(json_string_value(w), t->word)) break;
            assert_true(i < json_array_size(words));
        }
        assert_int_equal(n_std, (int)json_array_size(words));
        assert_int_equal(n_std, vc->n_std);
        assert_null(vc->term(vc->none));
        assert_null(vc->term(vc->other));

        snprintf(path, sizeof path, CONF "JSON-LD-Context/%s", vc->context);
        root = json_load_file(path, 0, &je);
        ctx = json_object_get(root, "@context");
        assert_non_null(ctx);
        json_object_foreach(ctx, key, val)
        {
            const char *exp = json_string_value(val);
            int v;

            if (key[0] == '@' || !strcmp(key, "cbv"))
                continue;
            n_ctx++;
            v = of_str(vc, key);
            assert_non_null(vc->term(v));
            assert_true(exp && !strncmp(exp, "cbv:", 4));
            snprintf(buf, sizeof buf, "https://ref.gs1.org/cbv/%s", exp + 4);
            assert_string_equal(vc->term(v)->uri, buf);
        }
        assert_int_equal(n_ctx, n_std);
        json_decref(root);
    }
    json_decref(schema);
}

/* Standard rows sorted (the lookup is a binary search) and first;
 * non-standard rows only as the whole last segment of a private URI. */
static void test_lookup(void **state)
{
    const struct zl_cbv_term *prev = NULL;
    char buf[200];

    (void)state;
    for (int v = ZL_BIZ_STEP_NONE + 1; v < ZL_BIZ_STEP_OTHER; v++) {
        const struct zl_cbv_term *t = zl_biz_step_term((enum zl_biz_step)v);

        if (t->standard) {
            assert_true(prev == NULL || prev->standard);
            assert_true(prev == NULL || strcmp(prev->word, t->word) < 0);
            assert_int_equal(zl_biz_step_of(t->word, strlen(t->word)), v);
        } else {
            assert_null(t->uri);
            assert_null(t->urn);
            assert_int_equal(zl_biz_step_of(t->word, strlen(t->word)),
                             ZL_BIZ_STEP_OTHER);
            snprintf(buf, sizeof buf, "https://x.example/steps/%s", t->word);
            assert_int_equal(zl_biz_step_of(buf, strlen(buf)), v);
            snprintf(buf, sizeof buf, "urn:x:%s", t->word);
            assert_int_equal(zl_biz_step_of(buf, strlen(buf)), v);
            snprintf(buf, sizeof buf, "https://x.example/s#%s", t->word);
            assert_int_equal(zl_biz_step_of(buf, strlen(buf)), v);
            snprintf(buf, sizeof buf, BS_URI "%s", t->word);
            assert_int_equal(zl_biz_step_of(buf, strlen(buf)),
                             ZL_BIZ_STEP_OTHER);
            snprintf(buf, sizeof buf, "https://x.example/void_%s", t->word);
            assert_int_equal(zl_biz_step_of(buf, strlen(buf)),
                             ZL_BIZ_STEP_OTHER);
        }
        prev = t;
    }
    for (int v = ZL_DISP_NONE + 1; v < ZL_DISP_OTHER; v++) {
        const struct zl_cbv_term *t =
            zl_disposition_term((enum zl_disposition)v);
        assert_true(
            v == 1 ||
            strcmp(zl_disposition_term((enum zl_disposition)(v - 1))->word,
                   t->word) < 0);
    }
    assert_int_equal(zl_biz_step_of(NULL, 0), ZL_BIZ_STEP_NONE);
    assert_int_equal(zl_biz_step_of("", 0), ZL_BIZ_STEP_NONE);
    assert_int_equal(zl_biz_step_of("void_shipping", 13),
                     ZL_BIZ_STEP_VOID_SHIPPING);
    assert_int_equal(zl_biz_step_of("shipping_now", 8), ZL_BIZ_STEP_SHIPPING);
    assert_int_equal(zl_biz_step_of("shippin", 7), ZL_BIZ_STEP_OTHER);
    assert_int_equal(zl_biz_step_of("shippingx", 9), ZL_BIZ_STEP_OTHER);
    assert_int_equal(zl_biz_step_of("other", 5), ZL_BIZ_STEP_CBV_OTHER);
    /* a private URI is its own value, whatever its tail */
    assert_int_equal(zl_biz_step_of("https://x.example/shipping", 26),
                     ZL_BIZ_STEP_OTHER);
    assert_int_equal(zl_biz_step_of(BS_URI, strlen(BS_URI)), ZL_BIZ_STEP_OTHER);
    assert_int_equal(
        zl_disposition_of(BS_URI "recalled", strlen(BS_URI "recalled")),
        ZL_DISP_OTHER);
    assert_int_equal(zl_disposition_of("urn:epcglobal:cbv:disp:recalled", 31),
                     ZL_DISP_RECALLED);
    assert_string_equal(
        zl_cbv_short(zl_biz_step_term(ZL_BIZ_STEP_SHIPPING), BS_URI "shipping"),
        "shipping");
    assert_string_equal(
        zl_cbv_short(zl_biz_step_term(ZL_BIZ_STEP_HARVESTING), HARVEST_URI),
        HARVEST_URI);
    assert_string_equal(zl_cbv_short(NULL, "urn:x:y"), "urn:x:y");
    assert_int_equal(zl_event_type_of("TransformationEvent", 19),
                     ZL_EV_TRANSFORMATION);
    assert_int_equal(zl_event_type_of("Transformation", 14), 0);
    assert_int_equal(zl_action_of("OBSERVE", 7), ZL_ACT_OBSERVE);
    assert_int_equal(zl_action_of("ADDX", 3), ZL_ACT_ADD);
    assert_int_equal(zl_action_of("add", 3), ZL_ACT_NONE);
}

/* The FSMA 204 model, from the definitions of 21 CFR 1.1310 and the
 * words alone (not the enums the classifier switches on). */
static enum zl_cte model_cte(int type, int action, const char *word)
{
    if (type == ZL_EV_TRANSFORMATION)
        return ZL_CTE_TRANSFORMATION;
    if (!word)
        return ZL_CTE_NONE;
    if (!strcmp(word, "shipping"))
        return ZL_CTE_SHIPPING;
    if (!strcmp(word, "receiving"))
        return ZL_CTE_RECEIVING;
    if (!strcmp(word, "harvesting"))
        return ZL_CTE_HARVESTING;
    if (!strcmp(word, "cooling"))
        return ZL_CTE_COOLING;
    if (!strcmp(word, "first_land_based_receiving"))
        return ZL_CTE_FIRST_LAND_BASED_RECEIVING;
    if (type == ZL_EV_OBJECT && action == ZL_ACT_ADD &&
        (!strcmp(word, "commissioning") || !strcmp(word, "packing")))
        return ZL_CTE_INITIAL_PACKING;
    return ZL_CTE_NONE;
}

static void test_cte_every_step(void **state)
{
    (void)state;
    for (int v = ZL_BIZ_STEP_NONE; v <= ZL_BIZ_STEP_OTHER; v++) {
        const struct zl_cbv_term *t = zl_biz_step_term((enum zl_biz_step)v);

        for (int ty = ZL_EV_OBJECT; ty <= ZL_EV_ASSOCIATION; ty++)
            for (int a = ZL_ACT_NONE; a <= ZL_ACT_DELETE; a++)
                assert_int_equal(zl_cte_classify((enum zl_event_type)ty,
                                                 (enum zl_action)a,
                                                 (enum zl_biz_step)v),
                                 model_cte(ty, a, t ? t->word : NULL));
    }
    /* the two wrong answers of the suffix match */
    assert_int_equal(zl_cte_classify(ZL_EV_OBJECT, ZL_ACT_OBSERVE,
                                     ZL_BIZ_STEP_VOID_SHIPPING),
                     ZL_CTE_NONE);
    assert_int_equal(
        zl_cte_classify(ZL_EV_OBJECT, ZL_ACT_ADD, ZL_BIZ_STEP_UNPACKING),
        ZL_CTE_NONE);
    assert_int_equal(
        zl_cte_classify(ZL_EV_AGGREGATION, ZL_ACT_ADD, ZL_BIZ_STEP_PACKING),
        ZL_CTE_NONE);
    assert_string_equal(zl_cte_name(ZL_CTE_COOLING), "cooling");
    assert_string_equal(zl_cte_name(ZL_CTE_FIRST_LAND_BASED_RECEIVING),
                        "first_land_based_receiving");
}

/* ---- through capture, store and trace ----------------------------------- */

#define N_STD_STEPS 41
#define N_STD_DISPS 33

static const char *std_word(int i, int disp)
{
    int n = 0;

    for (int v = 1;; v++) {
        const struct zl_cbv_term *t =
            disp ? zl_disposition_term((enum zl_disposition)v)
                 : zl_biz_step_term((enum zl_biz_step)v);
        if (!t)
            return NULL;
        if (t->standard && n++ == i)
            return t->word;
    }
}

/* Every standard step with ADD and OBSERVE (82 events, the dispositions
 * cycling through all 33), then a private harvesting and a private
 * cooling step, and a private URI ending in "shipping". */
static int build_doc(struct zl_buf *b)
{
    int n = 0, rc;

    rc = zl_buf_adds(b, "{\"@context\":[\"https://ref.gs1.org/standards/"
                        "epcis/epcis-context.jsonld\"],\"type\":"
                        "\"EPCISDocument\",\"schemaVersion\":\"2.0\","
                        "\"creationDate\":\"2026-01-01T00:00:00Z\","
                        "\"epcisBody\":{\"eventList\":[");
    for (int i = 0; i < N_STD_STEPS + 3; i++)
        for (int a = 0; a < 2; a++, n++) {
            const char *step = i < N_STD_STEPS        ? std_word(i, 0)
                               : i == N_STD_STEPS     ? HARVEST_URI
                               : i == N_STD_STEPS + 1 ? COOL_URI
                                                      : "https://x.example/"
                                                        "shipping";
            rc = rc ? rc
                    : zl_buf_printf(
                          b,
                          "%s{\"type\":\"ObjectEvent\",\"eventTime\":"
                          "\"2026-01-01T01:%02d:%02d.000Z\","
                          "\"eventTimeZoneOffset\":\"+08:00\",\"epcList\":"
                          "[\"" SERIAL "\"],\"action\":\"%s\","
                          "\"bizStep\":\"%s\",\"disposition\":\"%s\"}",
                          n ? "," : "", n / 60, n % 60, a ? "OBSERVE" : "ADD",
                          step, std_word(n % N_STD_DISPS, 1));
        }
    return rc ? rc : zl_buf_adds(b, "]}}");
}

static void capture_all(zl_store *s)
{
    struct zl_buf b;
    struct zl_capture_result r;
    struct zl_error err = {0};
    int rc;

    zl_buf_init(&b, 1 << 20);
    assert_int_equal(build_doc(&b), 0);
    rc = zl_capture(s, b.data, b.len, NULL, &r, &err);
    if (rc) {
        char msg[1024];

        zl_error_format(&err, msg, sizeof msg);
        printf("# capture failed: %s\n", msg);
    }
    assert_int_equal(rc, 0);
    zl_buf_cleanup(&b);
}

/* The parser resolves each event's values once, next to the URI. */
static void test_parse_resolves(void **state)
{
    struct zl_buf b;
    struct zl_error err = {0};
    zl_epcis_doc *doc = NULL;

    (void)state;
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(build_doc(&b), 0);
    assert_int_equal(zl_epcis_parse(b.data, b.len, NULL, &doc, &err), 0);
    assert_int_equal(zl_epcis_doc_count(doc), 2 * (N_STD_STEPS + 3));
    for (size_t i = 0; i < zl_epcis_doc_count(doc); i++) {
        const struct zl_event *e = zl_epcis_doc_event(doc, i);
        const struct zl_cbv_term *st = zl_biz_step_term(e->step);
        const struct zl_cbv_term *dt = zl_disposition_term(e->disp);
        size_t k = i / 2;

        assert_non_null(dt);
        assert_string_equal(dt->word, std_word((int)(i % N_STD_DISPS), 1));
        assert_string_equal(e->disposition, dt->uri);
        if (k < N_STD_STEPS) {
            assert_string_equal(st->word, std_word((int)k, 0));
            assert_string_equal(e->biz_step, st->uri);
        } else if (k == N_STD_STEPS) {
            assert_int_equal(e->step, ZL_BIZ_STEP_HARVESTING);
            assert_string_equal(e->biz_step, HARVEST_URI);
        } else if (k == N_STD_STEPS + 1) {
            assert_int_equal(e->step, ZL_BIZ_STEP_COOLING);
            assert_string_equal(e->biz_step, COOL_URI);
        } else {
            assert_int_equal(e->step, ZL_BIZ_STEP_OTHER);
            assert_string_equal(e->biz_step, "https://x.example/shipping");
        }
    }
    zl_epcis_doc_free(doc);
    zl_buf_cleanup(&b);
}

static void check_trace(zl_store *s)
{
    struct zl_trace_opts o;
    struct zl_error err = {0};
    zl_trace *t = NULL;
    int seen_disp[ZL_DISP_COUNT] = {0}, n_cte[8] = {0};
    size_t i;

    memset(&o, 0, sizeof o);
    o.dir = ZL_TRACE_FORWARD;
    assert_int_equal(zl_trace_run(s, SERIAL, &o, &t, &err), 0);
    assert_int_equal(zl_trace_event_count(t), 2 * (N_STD_STEPS + 3));
    for (i = 0; i < zl_trace_event_count(t); i++) {
        const struct zl_trace_event *e = zl_trace_event(t, i);
        const struct zl_cbv_term *st = zl_biz_step_term(e->step);
        const struct zl_cbv_term *dt = zl_disposition_term(e->disp);
        const char *word;

        assert_non_null(e->biz_step);
        assert_non_null(dt);
        assert_true(dt->standard);
        assert_string_equal(e->disposition, dt->uri);
        seen_disp[e->disp] = 1;
        if (!strncmp(e->biz_step, BS_URI, strlen(BS_URI))) {
            word = e->biz_step + strlen(BS_URI);
            assert_non_null(st);
            assert_string_equal(st->word, word);
            assert_string_equal(st->uri, e->biz_step);
        } else if (!strcmp(e->biz_step, HARVEST_URI)) {
            word = "harvesting";
            assert_int_equal(e->step, ZL_BIZ_STEP_HARVESTING);
        } else if (!strcmp(e->biz_step, COOL_URI)) {
            word = "cooling";
            assert_int_equal(e->step, ZL_BIZ_STEP_COOLING);
        } else {
            word = NULL; /* kept as given, not CBV shipping */
            assert_string_equal(e->biz_step, "https://x.example/shipping");
            assert_int_equal(e->step, ZL_BIZ_STEP_OTHER);
        }
        assert_int_equal(e->cte, model_cte(e->type, e->action, word));
        n_cte[e->cte]++;
        assert_int_equal(e->consumer,
                         (word && !strcmp(word, "retail_selling")) ||
                             e->disp == ZL_DISP_RETAIL_SOLD);
    }
    for (int v = ZL_DISP_NONE + 1; v < ZL_DISP_OTHER; v++)
        assert_true(seen_disp[v]);
    assert_int_equal(n_cte[ZL_CTE_SHIPPING], 2); /* not void_shipping */
    assert_int_equal(n_cte[ZL_CTE_RECEIVING], 2);
    assert_int_equal(n_cte[ZL_CTE_INITIAL_PACKING], 2); /* not unpacking */
    assert_int_equal(n_cte[ZL_CTE_HARVESTING], 2);
    assert_int_equal(n_cte[ZL_CTE_COOLING], 2);
    zl_trace_free(t);
}

static void test_capture_to_trace(void **state)
{
    struct fixture *fx = *state;
    capture_all(fx->s);
    check_trace(fx->s);
    /* the same on the trace index rebuilt from the records */
    assert_int_equal(zl_audit_reindex(fx->s, NULL), 0);
    check_trace(fx->s);
}

/* Source/destination types by the table: a private type whose URI ends
 * in "location" or "owning_party" names no CBV location or owner. */
static void test_source_dest_types(void **state)
{
    static const char doc[] =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
        "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
        "\"schemaVersion\":\"2.0\","
        "\"creationDate\":\"2026-01-01T00:00:00Z\",\"epcisBody\":{"
        "\"eventList\":[{\"type\":\"ObjectEvent\",\"eventTime\":"
        "\"2026-01-01T00:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","
        "\"epcList\":[\"" SERIAL "\"],\"action\":\"OBSERVE\","
        "\"bizStep\":\"shipping\",\"sourceList\":["
        "{\"type\":\"https://x.example/sdt/my_location\",\"source\":"
        "\"https://id.gs1.org/414/6901234000139\"},"
        "{\"type\":\"https://x.example/sdt/co_owning_party\",\"source\":"
        "\"https://id.gs1.org/417/6901234000023\"},"
        "{\"type\":\"location\",\"source\":"
        "\"https://id.gs1.org/414/6901234000122\"}],"
        "\"destinationList\":[{\"type\":\"owning_party\","
        "\"destination\":\"https://id.gs1.org/417/6901234000023\"}]}]}}";
    struct fixture *fx = *state;
    struct zl_capture_result r;
    struct zl_error err = {0};
    struct zl_trace_opts o;
    zl_trace *t = NULL;
    const struct zl_trace_event *e;

    if (zl_capture(fx->s, doc, sizeof doc - 1, NULL, &r, &err) != 0) {
        char msg[1024];

        zl_error_format(&err, msg, sizeof msg);
        fail_msg("capture failed: %s", msg);
    }
    memset(&o, 0, sizeof o);
    assert_int_equal(zl_trace_run(fx->s, SERIAL, &o, &t, &err), 0);
    assert_int_equal(zl_trace_event_count(t), 1);
    e = zl_trace_event(t, 0);
    assert_int_equal(e->cte, ZL_CTE_SHIPPING);
    assert_string_equal(e->src_location,
                        "https://id.gs1.org/414/6901234000122");
    assert_null(e->src_owner);
    assert_string_equal(e->dst_owner, "https://id.gs1.org/417/6901234000023");
    zl_trace_free(t);
}

/* ---- query ------------------------------------------------------------ */

static int count_cb(void *ctx, const char *json, size_t len)
{
    (void)json;
    (void)len;
    ++*(int *)ctx;
    return 0;
}

static int count(zl_store *s, const char *name, const char *value)
{
    zl_query *q = NULL;
    struct zl_error err = {0};
    int n = 0;

    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_query_param(q, name, value, &err), 0);
    assert_int_equal(
        zl_query_each(s, q, ZL_EPC_AS_CAPTURED, count_cb, &n, NULL, &err), 0);
    zl_query_free(q);
    return n;
}

static void test_query_forms(void **state)
{
    struct fixture *fx = *state;
    char buf[200];

    capture_all(fx->s);
    for (int i = 0; i < N_STD_STEPS; i++) {
        const char *w = std_word(i, 0);

        assert_int_equal(count(fx->s, "EQ_bizStep", w), 2);
        snprintf(buf, sizeof buf, BS_URI "%s", w);
        assert_int_equal(count(fx->s, "EQ_bizStep", buf), 2);
        snprintf(buf, sizeof buf, "urn:epcglobal:cbv:bizstep:%s", w);
        assert_int_equal(count(fx->s, "EQ_bizStep", buf), 2);
    }
    for (int i = 0; i < N_STD_DISPS; i++) {
        const char *w = std_word(i, 1);
        /* event n has disposition n % 33 of 88 events */
        int want = (88 - i + N_STD_DISPS - 1) / N_STD_DISPS;

        assert_int_equal(count(fx->s, "EQ_disposition", w), want);
        snprintf(buf, sizeof buf, DISP_URI "%s", w);
        assert_int_equal(count(fx->s, "EQ_disposition", buf), want);
        snprintf(buf, sizeof buf, "urn:epcglobal:cbv:disp:%s", w);
        assert_int_equal(count(fx->s, "EQ_disposition", buf), want);
    }
    assert_int_equal(count(fx->s, "EQ_bizStep", HARVEST_URI), 2);
    {
        /* A value in the CBV's own namespace that is no CBV word would
         * match nothing (capture refuses it): refused, naming the
         * nearest word when there is one. */
        static const char *const typo[][3] = {
            {"EQ_bizStep", "shiping", "'shipping'"},
            {"EQ_bizStep", "recieving", "'receiving'"},
            {"EQ_bizStep", BS_URI "shippingg", "'shipping'"},
            {"EQ_bizStep", "urn:epcglobal:cbv:bizstep:comissioning",
             "'commissioning'"},
            {"EQ_disposition", "in_transt", "'in_transit'"},
            {"EQ_disposition", "sellable_acessible", "'sellable_accessible'"},
            {"EQ_bizStep", "harvesting", "full URI"},
            {"EQ_bizStep", "xyz", "full URI"},
        };
        for (size_t k = 0; k < sizeof typo / sizeof typo[0]; k++) {
            zl_query *q = NULL;
            struct zl_error err = {0};

            assert_int_equal(zl_query_new(&q), 0);
            assert_int_equal(zl_query_param(q, typo[k][0], typo[k][1], &err),
                             ZL_EINVAL);
            if (!strstr(err.rule, typo[k][2]))
                fail_msg("%s=%s: rule '%s' lacks %s", typo[k][0], typo[k][1],
                         err.rule, typo[k][2]);
            zl_query_free(q);
        }
        /* private vocabularies pass untouched */
        assert_int_equal(count(fx->s, "EQ_bizStep", "https://example.com/x"),
                         0);
    }
    assert_int_equal(count(fx->s, "EQ_bizStep", "shipping|void_shipping"), 4);
    assert_int_equal(count(fx->s, "EQ_action", "ADD"), 44);
    assert_int_equal(count(fx->s, "eventType", "ObjectEvent|AggregationEvent"),
                     88);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_the_standard),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_cte_every_step),
        cmocka_unit_test(test_parse_resolves),
        cmocka_unit_test_setup_teardown(test_capture_to_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_dest_types, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_query_forms, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
