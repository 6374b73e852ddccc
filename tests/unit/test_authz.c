/*
 * test_authz.c - the write rule (docs/access.md) and corrections, through
 * zl_capture as the CLI and the server call it.
 *
 * Cast: a dairy (Company Prefix 6940277, three GLNs), a farm (6915669,
 * two GLNs), a retailer (one GLN, no prefix), two regulators (Hebei, where
 * dairy and farm are registered, and Beijing) and an operator. Each case
 * captures a small EPCIS document under one party and checks the answer,
 * the refused identifier and that nothing was stored; the corrections
 * case runs capture, correct, query, trace and verify end to end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "zhiliang/audit.h"
#include "zhiliang/gs1.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "util/buf.h"
#include "zhiliang/query.h"
#include "zhiliang/recall.h"
#include "zhiliang/trace.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIXTURE_NAME "test-authz"
#include "store_fixture.h"

#define USCC_DAIRY "91130102117504341K"
#define USCC_FARM  "91130102211618732R"
static const char *DAIRY_GLNS[] = {"6940277700002", "6940277700019",
                                   "6940277700026"};
static const char *FARM_GLNS[] = {"6915669000008", "6915669000015"};
static const char *SHOP_GLNS[] = {"6904642000005"};

/* GTIN-14 "0" + prefix + item reference, with its check digit. */
static void gtin(const char *prefix, const char *item, char out[15])
{
    snprintf(out, 15, "0%s%s", prefix, item);
    out[13] = (char)('0' + zl_gs1_check_digit(out, 13));
    out[14] = '\0';
}

/* SSCC-18: extension 3, prefix, serial reference, check digit. */
static void sscc(const char *prefix, const char *serial, char out[19])
{
    snprintf(out, 19, "3%s%s", prefix, serial);
    out[17] = (char)('0' + zl_gs1_check_digit(out, 17));
    out[18] = '\0';
}

static char G_DAIRY[15], G_FARM[15], G_OTHER[15], S_DAIRY[19];

static void add_cast(zl_store *s)
{
    static const char *dp[] = {"6940277"}, *fp[] = {"6915669"};
    struct zl_party p;
    struct zl_error err = {0};

    gtin("6940277", "10001", G_DAIRY);
    gtin("6915669", "20002", G_FARM);
    gtin("6940288", "30003", G_OTHER);
    sscc("6940277", "000000123", S_DAIRY);
    memset(&p, 0, sizeof p);
    p.name_zh = "长青乳业";
    p.uscc = USCC_DAIRY;
    p.glns = DAIRY_GLNS;
    p.n_glns = 3;
    p.prefixes = dp;
    p.n_prefixes = 1;
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
    memset(&p, 0, sizeof p);
    p.name_zh = "牧场";
    p.uscc = USCC_FARM;
    p.glns = FARM_GLNS;
    p.n_glns = 2;
    p.prefixes = fp;
    p.n_prefixes = 1;
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
    memset(&p, 0, sizeof p);
    p.id = "shop";
    p.name_zh = "超市";
    p.glns = SHOP_GLNS;
    p.n_glns = 1;
    p.region = "110105";
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
    memset(&p, 0, sizeof p);
    p.id = "reg-hebei";
    p.name_zh = "河北省市场监督管理局";
    p.kind = ZL_PARTY_REGULATOR;
    p.region = "13";
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
    p.id = "reg-beijing";
    p.name_zh = "北京市市场监督管理局";
    p.region = "11";
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
    memset(&p, 0, sizeof p);
    p.id = "op";
    p.name_zh = "平台运营";
    p.kind = ZL_PARTY_OPERATOR;
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
}

#define HEAD                                                                   \
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"              \
    "epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":"    \
    "\"2.0\",\"creationDate\":\"2026-05-01T00:00:00Z\",\"epcisBody\":{"        \
    "\"eventList\":["
#define TAIL "]}}"

static char doc[8192];

/* An ObjectEvent: action, bizStep, disposition (or NULL), location GLN (or
 * NULL), then the body fields (epcList/quantityList...) as JSON text. */
static const char *object_event(const char *action, const char *step,
                                const char *disp, const char *gln,
                                const char *body, const char *extra)
{
    char loc[256] = "", d[128] = "";

    if (gln)
        snprintf(loc, sizeof loc,
                 ",\"readPoint\":{\"id\":\"https://id.gs1.org/414/%s\"},"
                 "\"bizLocation\":{\"id\":\"https://id.gs1.org/414/%s\"}",
                 gln, gln);
    if (disp)
        snprintf(d, sizeof d, ",\"disposition\":\"%s\"", disp);
    snprintf(doc, sizeof doc,
             HEAD
             "{\"type\":\"ObjectEvent\",\"eventTime\":"
             "\"2026-05-01T08:00:00+08:00\",\"eventTimeZoneOffset\":"
             "\"+08:00\",\"action\":\"%s\",\"bizStep\":\"%s\"%s,%s%s%s}" TAIL,
             action, step, d, body, loc, extra ? extra : "");
    return doc;
}

static int capture_as(zl_store *s, const char *party, const char *text,
                      struct zl_capture_result *res, struct zl_error *err)
{
    struct zl_capture_opts o = {0};

    memset(err, 0, sizeof *err);
    o.party = party;
    return zl_capture(s, text, strlen(text), &o, res, err);
}

static int64_t n_events(zl_store *s)
{
    int64_t n = 0;

    assert_int_equal(zl_store_event_count(s, &n), 0);
    return n;
}

/* Refused with ZL_EPERM, the path names role, the value the identifier,
 * the rule docs/access.md, and nothing stored. */
static void refused(zl_store *s, const char *party, const char *text,
                    const char *role, const char *id)
{
    struct zl_capture_result r;
    struct zl_error err;
    int64_t before = n_events(s);

    assert_int_equal(capture_as(s, party, text, &r, &err), ZL_EPERM);
    if (role && !strstr(err.path, role))
        fail_msg("path %s does not name %s", err.path, role);
    if (id && !strstr(err.value, id))
        fail_msg("value %s does not name %s", err.value, id);
    assert_non_null(strstr(err.rule, "docs/access.md"));
    assert_int_equal(n_events(s), before);
}

static void accepted(zl_store *s, const char *party, const char *text)
{
    struct zl_capture_result r;
    struct zl_error err;
    int rc = capture_as(s, party, text, &r, &err);

    if (rc)
        fail_msg("refused: %d %s %s %s", rc, err.path, err.rule, err.value);
    assert_int_equal(r.n_new + r.n_duplicate + r.n_corrected, r.n_events);
}

static void test_prefixes(void **state)
{
    struct fixture *f = *state;
    static const char *bad[] = {"123"}, *longp[] = {"1234567890123"},
                      *taken[] = {"6940277"}, *nested[] = {"694027"};
    char owner[ZL_PARTY_ID_MAX], pre[13], id[128];
    struct zl_party p;
    struct zl_error err = {0};

    add_cast(f->s);
    memset(&p, 0, sizeof p);
    p.id = "x";
    p.name_zh = "x";
    p.prefixes = bad;
    p.n_prefixes = 1;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EINVAL);
    p.prefixes = longp;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EINVAL);
    p.prefixes = taken;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EEXIST);
    /* a shorter prefix may belong to another party: the longest wins */
    p.prefixes = nested;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), 0);
    snprintf(id, sizeof id, "https://id.gs1.org/01/%s/21/7", G_DAIRY);
    assert_int_equal(zl_party_prefix_owner(f->s, id, owner, pre), 0);
    assert_string_equal(owner, USCC_DAIRY);
    assert_string_equal(pre, "6940277");
    snprintf(id, sizeof id, "https://id.gs1.org/01/%s/10/L1", G_OTHER);
    assert_int_equal(zl_party_prefix_owner(f->s, id, owner, pre), ZL_ENOTFOUND);
    snprintf(id, sizeof id, "https://id.gs1.org/00/%s", S_DAIRY);
    assert_int_equal(zl_party_prefix_owner(f->s, id, owner, NULL), 0);
    assert_string_equal(owner, USCC_DAIRY);
    assert_int_equal(zl_party_prefix_owner(f->s, "urn:example:x", owner, NULL),
                     ZL_ENOTFOUND);
    /* a regulator needs its region */
    memset(&p, 0, sizeof p);
    p.id = "reg";
    p.name_zh = "reg";
    p.kind = ZL_PARTY_REGULATOR;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EINVAL);
    p.region = "1x";
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EINVAL);
}

struct kind_got {
    enum zl_party_kind kind;
    char region[8];
    size_t n_prefixes;
    char prefix[16];
};

static int kind_cb(void *ctx, const struct zl_party *p)
{
    struct kind_got *g = ctx;

    g->kind = p->kind;
    snprintf(g->region, sizeof g->region, "%s", p->region ? p->region : "");
    g->n_prefixes = p->n_prefixes;
    snprintf(g->prefix, sizeof g->prefix, "%s",
             p->n_prefixes ? p->prefixes[0] : "");
    return 0;
}

static void test_import(void **state)
{
    struct fixture *f = *state;
    static const char J[] =
        "{\"parties\":[{\"id\":\"a\",\"nameZh\":\"甲\",\"gln\":"
        "\"6940277700002\","
        "\"companyPrefixes\":[\"6940277\",\"69402771\"]},"
        "{\"id\":\"r\",\"nameZh\":\"监管\",\"kind\":\"regulator\","
        "\"region\":\"13\"}]}";
    static const char BAD[] =
        "{\"parties\":[{\"id\":\"b\",\"nameZh\":\"乙\",\"kind\":\"king\"}]}";
    struct kind_got g = {0};
    struct zl_error err = {0};
    size_t np = 0;

    assert_int_equal(zl_party_import_json(f->s, J, strlen(J), &np, NULL, &err),
                     0);
    assert_int_equal(np, 2);
    assert_int_equal(zl_party_get(f->s, "a", kind_cb, &g), 0);
    assert_int_equal(g.kind, ZL_PARTY_ENTERPRISE);
    assert_int_equal(g.n_prefixes, 2);
    assert_string_equal(g.prefix, "6940277");
    assert_int_equal(zl_party_get(f->s, "r", kind_cb, &g), 0);
    assert_int_equal(g.kind, ZL_PARTY_REGULATOR);
    assert_string_equal(g.region, "13");
    assert_int_equal(
        zl_party_import_json(f->s, BAD, strlen(BAD), NULL, NULL, &err),
        ZL_EINVAL);
    assert_string_equal(err.path, "$.parties[0].kind");
}

static void test_owner_location_stranger(void **state)
{
    struct fixture *f = *state;
    char body[1024], id[256], cls[256], par[256];

    add_cast(f->s);
    snprintf(id, sizeof id, "https://id.gs1.org/01/%s/21/1001", G_DAIRY);
    snprintf(cls, sizeof cls, "https://id.gs1.org/01/%s/10/LOT7", G_DAIRY);
    snprintf(par, sizeof par, "https://id.gs1.org/00/%s", S_DAIRY);

    /* owner: commissioning at its own site, and an event with no place */
    snprintf(body, sizeof body, "\"epcList\":[\"%s\"]", id);
    accepted(f->s, USCC_DAIRY,
             object_event("ADD", "commissioning", "active", DAIRY_GLNS[1], body,
                          NULL));
    accepted(f->s, USCC_DAIRY,
             object_event("OBSERVE", "inspecting", NULL, NULL, body, NULL));
    /* location: the shop observes the dairy's item at its own GLN */
    accepted(
        f->s, "shop",
        object_event("OBSERVE", "storing", NULL, SHOP_GLNS[0], body, NULL));
    /* ... but a location is no licence to recall another's goods */
    refused(f->s, "shop",
            object_event("OBSERVE", "holding", "recalled", SHOP_GLNS[0], body,
                         NULL),
            "epcList", id);
    /* ... nor to commission under another's Company Prefix */
    snprintf(body, sizeof body,
             "\"epcList\":[\"https://id.gs1.org/01/%s/21/9\"]", G_DAIRY);
    refused(f->s, USCC_FARM,
            object_event("ADD", "commissioning", "active", FARM_GLNS[0], body,
                         NULL),
            "epcList", G_DAIRY);
    /* the issue's attack: the farm recalls the dairy's item, no place */
    snprintf(body, sizeof body, "\"epcList\":[\"%s\"]", id);
    refused(f->s, USCC_FARM,
            object_event("OBSERVE", "holding", "recalled", NULL, body, NULL),
            "epcList", id);
    /* every identifier kind, stated without a place by a stranger */
    refused(f->s, USCC_FARM,
            object_event("OBSERVE", "storing", NULL, NULL, body, NULL),
            "epcList", id);
    snprintf(body, sizeof body,
             "\"epcList\":[],\"quantityList\":[{\"epcClass\":\"%s\","
             "\"quantity\":5,\"uom\":\"KGM\"}]",
             cls);
    refused(f->s, USCC_FARM,
            object_event("OBSERVE", "storing", NULL, NULL, body, NULL),
            "quantityList", cls);
    snprintf(doc, sizeof doc,
             HEAD "{\"type\":\"AggregationEvent\",\"eventTime\":"
                  "\"2026-05-01T08:00:00+08:00\",\"eventTimeZoneOffset\":"
                  "\"+08:00\",\"action\":\"OBSERVE\",\"parentID\":\"%s\","
                  "\"childEPCs\":[\"https://id.gs1.org/01/%s/21/5\"]}" TAIL,
             par, G_FARM);
    refused(f->s, USCC_FARM, doc, "parentID", S_DAIRY);
    snprintf(doc, sizeof doc,
             HEAD "{\"type\":\"TransformationEvent\",\"eventTime\":"
                  "\"2026-05-01T08:00:00+08:00\",\"eventTimeZoneOffset\":"
                  "\"+08:00\",\"inputEPCList\":[\"%s\"],\"outputEPCList\":"
                  "[\"https://id.gs1.org/01/%s/21/6\"]}" TAIL,
             id, G_FARM);
    refused(f->s, USCC_FARM, doc, "inputEPCList", id);
    /* an output under another's prefix, even at the farm's own site */
    snprintf(doc, sizeof doc,
             HEAD "{\"type\":\"TransformationEvent\",\"eventTime\":"
                  "\"2026-05-01T08:00:00+08:00\",\"eventTimeZoneOffset\":"
                  "\"+08:00\",\"inputEPCList\":[\"https://id.gs1.org/01/%s/21/"
                  "6\"],\"outputEPCList\":[\"https://id.gs1.org/01/%s/21/77\"],"
                  "\"readPoint\":{\"id\":\"https://id.gs1.org/414/%s\"}}" TAIL,
             G_FARM, G_DAIRY, FARM_GLNS[0]);
    refused(f->s, USCC_FARM, doc, "outputEPCList", G_DAIRY);
    /* the farm's own goods without a place: fine */
    snprintf(body, sizeof body,
             "\"epcList\":[\"https://id.gs1.org/01/%s/21/6\"]", G_FARM);
    accepted(f->s, USCC_FARM,
             object_event("OBSERVE", "storing", NULL, NULL, body, NULL));
    /* another party's location: the place rule names the field */
    refused(f->s, USCC_FARM,
            object_event("OBSERVE", "storing", NULL, DAIRY_GLNS[0], body, NULL),
            "readPoint", NULL);
}

static void test_holder(void **state)
{
    struct fixture *f = *state;
    char body[512], id[256], ship[1024];

    add_cast(f->s);
    snprintf(id, sizeof id, "https://id.gs1.org/01/%s/21/2002", G_DAIRY);
    snprintf(body, sizeof body, "\"epcList\":[\"%s\"]", id);
    /* before it was shipped to the shop, the shop holds nothing */
    refused(f->s, "shop",
            object_event("OBSERVE", "holding", "recalled", NULL, body, NULL),
            "epcList", id);
    /* the dairy ships it to the shop */
    snprintf(ship, sizeof ship,
             ",\"sourceList\":[{\"type\":\"location\",\"source\":"
             "\"https://id.gs1.org/414/%s\"}],"
             "\"destinationList\":[{\"type\":\"location\",\"destination\":"
             "\"https://id.gs1.org/414/%s\"}]",
             DAIRY_GLNS[2], SHOP_GLNS[0]);
    accepted(f->s, USCC_DAIRY,
             object_event("OBSERVE", "shipping", "in_transit", DAIRY_GLNS[2],
                          body, ship));
    /* now the shop holds it: it may state events about it anywhere,
     * including a recall of what it holds */
    accepted(f->s, "shop",
             object_event("OBSERVE", "holding", "recalled", NULL, body, NULL));
    /* the farm still does not */
    refused(f->s, USCC_FARM,
            object_event("OBSERVE", "storing", NULL, NULL, body, NULL),
            "epcList", id);
    /* the Beijing regulator may now recall it: its holder (the shop,
     * region 110105) is in its region, though its owner is not */
    accepted(f->s, "reg-beijing",
             object_event("OBSERVE", "holding", "recalled", NULL, body, NULL));
}

static void test_receiver_holds(void **state)
{
    struct fixture *f = *state;
    char body[512], id[256];

    add_cast(f->s);
    snprintf(id, sizeof id, "https://id.gs1.org/01/%s/10/L9", G_OTHER);
    snprintf(body, sizeof body,
             "\"epcList\":[],\"quantityList\":[{\"epcClass\":\"%s\","
             "\"quantity\":2,\"uom\":\"KGM\"}]",
             id);
    /* unregistered prefix: the farm receives it at its own site ... */
    accepted(f->s, USCC_FARM,
             object_event("OBSERVE", "receiving", "in_progress", FARM_GLNS[1],
                          body, NULL));
    /* ... and then holds it */
    accepted(f->s, USCC_FARM,
             object_event("OBSERVE", "storing", NULL, NULL, body, NULL));
    refused(f->s, "shop",
            object_event("OBSERVE", "storing", NULL, NULL, body, NULL),
            "quantityList", id);
}

static void test_regulator_operator(void **state)
{
    struct fixture *f = *state;
    char body[512], id[256], shop_id[256];

    add_cast(f->s);
    snprintf(id, sizeof id, "https://id.gs1.org/01/%s/10/LOTR", G_DAIRY);
    snprintf(body, sizeof body,
             "\"epcList\":[],\"quantityList\":[{\"epcClass\":\"%s\"}]", id);
    /* the dairy is registered in Hebei (USCC region 130102) */
    accepted(f->s, "reg-hebei",
             object_event("OBSERVE", "holding", "recalled", NULL, body, NULL));
    accepted(f->s, "reg-hebei",
             object_event("OBSERVE", "inspecting", "non_conformant",
                          DAIRY_GLNS[0], body, NULL));
    refused(f->s, "reg-beijing",
            object_event("OBSERVE", "holding", "recalled", NULL, body, NULL),
            "quantityList", id);
    /* regulators record recalls and inspections, not trade */
    refused(f->s, "reg-hebei",
            object_event("OBSERVE", "shipping", NULL, NULL, body, NULL),
            "bizStep", NULL);
    /* goods of no registered owner, held by nobody: out of any region */
    snprintf(shop_id, sizeof shop_id, "https://id.gs1.org/01/%s/10/Q", G_OTHER);
    snprintf(body, sizeof body,
             "\"epcList\":[],\"quantityList\":[{\"epcClass\":\"%s\"}]",
             shop_id);
    refused(f->s, "reg-hebei",
            object_event("OBSERVE", "holding", "recalled", NULL, body, NULL),
            "quantityList", shop_id);
    /* the operator writes no events, even about nobody's goods */
    refused(f->s, "op",
            object_event("OBSERVE", "storing", NULL, NULL, body, NULL), "party",
            "op");
    /* an unregistered party */
    {
        struct zl_capture_result r;
        struct zl_error err;

        assert_int_equal(capture_as(f->s, "nobody",
                                    object_event("OBSERVE", "storing", NULL,
                                                 NULL, body, NULL),
                                    &r, &err),
                         ZL_ENOTFOUND);
    }
    /* the store operator's own load (no party) is not checked */
    accepted(f->s, NULL,
             object_event("OBSERVE", "storing", NULL, NULL, body, NULL));
}

/* ---- corrections ----------------------------------------------------------
 */

struct collect {
    char *text;
    size_t n;
};

static int collect_cb(void *ctx, const char *json, size_t len)
{
    struct collect *c = ctx;

    free(c->text);
    c->text = strndup(json, len);
    c->n++;
    return 0;
}

static size_t query_err(zl_store *s, const char *epc_class, char **last)
{
    struct collect c = {NULL, 0};
    struct zl_error err = {0};
    zl_query *q = NULL;

    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_query_param(q, "EXISTS_errorDeclaration", "", &err), 0);
    assert_int_equal(zl_query_param(q, "MATCH_epcClass", epc_class, &err), 0);
    assert_int_equal(
        zl_query_each(s, q, ZL_EPC_AS_CAPTURED, collect_cb, &c, NULL, &err), 0);
    zl_query_free(q);
    *last = c.text;
    return c.n;
}

static int trace_has_recall(zl_store *s, const char *id)
{
    struct zl_trace_opts o;
    struct zl_error err = {0};
    zl_trace *t = NULL;
    int found = 0;

    memset(&o, 0, sizeof o);
    o.dir = ZL_TRACE_BACKWARD;
    assert_int_equal(zl_trace_run(s, id, &o, &t, &err), 0);
    for (size_t i = 0; i < zl_trace_event_count(t); i++) {
        const char *d = zl_trace_event(t, i)->disposition;
        if (d && strstr(d, "recalled"))
            found = 1;
    }
    zl_trace_free(t);
    return found;
}

static void test_correction(void **state)
{
    struct fixture *f = *state;
    char body[512], id[256], wrong[sizeof doc], fix[sizeof doc];
    struct zl_capture_result r;
    struct zl_error err;
    struct zl_audit_stats st;
    uint64_t size0, size1;
    char *last = NULL;

    add_cast(f->s);
    snprintf(id, sizeof id, "https://id.gs1.org/01/%s/10/LOTC", G_DAIRY);
    snprintf(body, sizeof body,
             "\"epcList\":[],\"quantityList\":[{\"epcClass\":\"%s\","
             "\"quantity\":10,\"uom\":\"KGM\"}]",
             id);
    accepted(f->s, USCC_DAIRY,
             object_event("ADD", "commissioning", "active", DAIRY_GLNS[0], body,
                          NULL));
    /* a wrong recall by the dairy */
    snprintf(wrong, sizeof wrong, "%s",
             object_event("OBSERVE", "holding", "recalled", DAIRY_GLNS[0], body,
                          NULL));
    accepted(f->s, USCC_DAIRY, wrong);
    assert_true(trace_has_recall(f->s, id));
    assert_int_equal(query_err(f->s, id, &last), 0);
    free(last);

    snprintf(fix, sizeof fix, "%s",
             object_event("OBSERVE", "holding", "recalled", DAIRY_GLNS[0], body,
                          ",\"errorDeclaration\":{\"declarationTime\":"
                          "\"2026-05-02T08:00:00+08:00\",\"reason\":"
                          "\"incorrect_data\"}"));
    /* a stranger may not withdraw it (no place of its own, no goods) */
    {
        char s2[sizeof doc];
        snprintf(s2, sizeof s2, "%s",
                 object_event("OBSERVE", "holding", "recalled", NULL, body,
                              ",\"errorDeclaration\":{\"declarationTime\":"
                              "\"2026-05-02T08:00:00+08:00\"}"));
        refused(f->s, USCC_FARM, s2, "quantityList", id);
    }
    assert_int_equal(zl_log_size(f->s, &size0), 0);
    assert_int_equal(capture_as(f->s, USCC_DAIRY, fix, &r, &err), 0);
    assert_int_equal(r.n_corrected, 1);
    assert_int_equal(r.n_new, 0);
    assert_int_equal(zl_log_size(f->s, &size1), 0);
    assert_int_equal(size1, size0 + 1); /* its own leaf */
    /* the same correction again changes nothing */
    assert_int_equal(capture_as(f->s, USCC_DAIRY, fix, &r, &err), 0);
    assert_int_equal(r.n_corrected, 0);
    assert_int_equal(r.n_duplicate, 1);
    assert_int_equal(zl_log_size(f->s, &size1), 0);
    assert_int_equal(size1, size0 + 1);

    /* queries: EXISTS_errorDeclaration finds it, with the declaration */
    assert_int_equal(query_err(f->s, id, &last), 1);
    assert_non_null(strstr(last, "\"errorDeclaration\""));
    assert_non_null(strstr(last, "incorrect_data"));
    free(last);
    /* traces leave it out, as captured and after a rebuilt index */
    assert_false(trace_has_recall(f->s, id));
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_false(trace_has_recall(f->s, id));
    /* the original is still there (nothing deleted) and verify passes */
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);
    assert_int_equal(st.issues, 0);

    /* an edited correction is caught */
    assert_int_equal(fixture_sql_changes(f->s,
                                         "UPDATE corrections SET json ="
                                         " replace(json, 'incorrect_data',"
                                         " 'did_not_occur')"),
                     1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), ZL_ETAMPER);
    assert_true(st.issues > 0);
}

/* Does a forward trace from id reach node? */
static int reaches(zl_store *s, const char *id, const char *node)
{
    struct zl_trace_opts o;
    struct zl_error err = {0};
    zl_trace *t = NULL;
    int found = 0;

    memset(&o, 0, sizeof o);
    o.dir = ZL_TRACE_FORWARD;
    assert_int_equal(zl_trace_run(s, id, &o, &t, &err), 0);
    for (size_t i = 0; i < zl_trace_node_count(t); i++)
        if (!strcmp(zl_trace_node(t, i)->id, node))
            found = 1;
    zl_trace_free(t);
    return found;
}

static int scope_names(zl_store *s, const char *lot, const char *node)
{
    const char *lots[1] = {lot};
    zl_recall_scope *sc = NULL;
    struct zl_error err = {0};
    struct zl_buf b;
    int found;

    assert_int_equal(zl_recall_scope_compute(s, lots, 1, &sc, &err), 0);
    zl_buf_init(&b, (size_t)1 << 24);
    assert_int_equal(zl_recall_scope_json(sc, &b), 0);
    assert_int_equal(zl_buf_addc(&b, '\0'), 0);
    found = strstr(b.data, node) != NULL;
    zl_buf_cleanup(&b);
    zl_recall_scope_free(sc);
    return found;
}

/* A wrong transformation links a lot to another; once corrected, traces
 * (lazy and indexed) and the recall scope no longer follow it. */
static void test_correction_edges(void **state)
{
    struct fixture *f = *state;
    char in[256], out[256], tr[2048], fix[2048];
    struct zl_capture_result r;
    struct zl_error err;
    struct zl_audit_stats st;
    char body[512];

    add_cast(f->s);
    snprintf(in, sizeof in, "https://id.gs1.org/01/%s/10/IN1", G_DAIRY);
    snprintf(out, sizeof out, "https://id.gs1.org/01/%s/10/OUT1", G_DAIRY);
    snprintf(body, sizeof body,
             "\"epcList\":[],\"quantityList\":[{\"epcClass\":\"%s\","
             "\"quantity\":10,\"uom\":\"KGM\"}]",
             in);
    accepted(f->s, USCC_DAIRY,
             object_event("ADD", "commissioning", "active", DAIRY_GLNS[0], body,
                          NULL));
#define TRANSFORM(extra)                                                       \
    HEAD "{\"type\":\"TransformationEvent\",\"eventTime\":"                    \
         "\"2026-05-01T09:00:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\","   \
         "\"bizStep\":\"commissioning\",\"inputQuantityList\":[{\"epcClass\":" \
         "\"%s\",\"quantity\":10,\"uom\":\"KGM\"}],\"outputQuantityList\":"    \
         "[{\"epcClass\":\"%s\",\"quantity\":10,\"uom\":\"KGM\"}],"            \
         "\"bizLocation\":{\"id\":\"https://id.gs1.org/414/%s\"}" extra        \
         "}" TAIL
    snprintf(tr, sizeof tr, TRANSFORM(""), in, out, DAIRY_GLNS[0]);
    snprintf(fix, sizeof fix,
             TRANSFORM(",\"errorDeclaration\":{\"declarationTime\":"
                       "\"2026-05-02T08:00:00+08:00\"}"),
             in, out, DAIRY_GLNS[0]);
#undef TRANSFORM
    accepted(f->s, USCC_DAIRY, tr);
    assert_true(reaches(f->s, in, out));
    assert_true(scope_names(f->s, in, out));
    assert_int_equal(capture_as(f->s, USCC_DAIRY, fix, &r, &err), 0);
    assert_int_equal(r.n_corrected, 1);
    assert_false(reaches(f->s, in, out));
    assert_false(scope_names(f->s, in, out));
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_false(reaches(f->s, in, out));
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);
}

struct seen {
    size_t n, index;
    char path[256];
};

static void on_refused(void *ctx, size_t index, const struct zl_error *err)
{
    struct seen *sn = ctx;

    sn->n++;
    sn->index = index;
    snprintf(sn->path, sizeof sn->path, "%s", err->path);
}

/* Under proceed the allowed events are stored and each refusal reported
 * with its absolute path. */
static void test_proceed(void **state)
{
    struct fixture *f = *state;
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};
    struct seen sn = {0, 0, ""};
    char text[8192], mine[2048], theirs[2048], *a, *b;

    add_cast(f->s);
    snprintf(mine, sizeof mine,
             "\"epcList\":[\"https://id.gs1.org/01/%s/21/1\"]", G_FARM);
    snprintf(theirs, sizeof theirs,
             "\"epcList\":[\"https://id.gs1.org/01/%s/21/1\"]", G_DAIRY);
    /* two single-event documents spliced into one with two events */
    a = strdup(object_event("OBSERVE", "storing", NULL, NULL, mine, NULL));
    b = strdup(object_event("OBSERVE", "storing", NULL, NULL, theirs, NULL));
    a[strlen(a) - strlen(TAIL)] = '\0';
    snprintf(text, sizeof text, "%s,%s", a, strstr(b, "eventList\":[") + 12);
    free(a);
    free(b);
    o.party = USCC_FARM;
    o.proceed_on_error = 1;
    o.refused = on_refused;
    o.refused_ctx = &sn;
    assert_int_equal(zl_capture(f->s, text, strlen(text), &o, &r, &err), 0);
    assert_int_equal(r.n_events, 2);
    assert_int_equal(r.n_new, 1);
    assert_int_equal(r.n_refused, 1);
    assert_int_equal(sn.n, 1);
    assert_int_equal(sn.index, 1);
    assert_string_equal(sn.path, "$.epcisBody.eventList[1].epcList");
    /* rollback: the same document stores nothing */
    o.proceed_on_error = 0;
    sn.n = 0;
    assert_int_equal(zl_capture(f->s, text, strlen(text), &o, &r, &err),
                     ZL_EPERM);
    assert_int_equal(sn.n, 1);
    assert_int_equal(n_events(f->s), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prefixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_location_stranger, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regulator_operator, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_correction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_correction_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proceed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
