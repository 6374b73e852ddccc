/*
 * test_registry.c - the party registry's logged records (lib/party/
 * registry.c) and their checks (lib/audit/registry.c): every write logs
 * the entry's new state in its transaction, verify catches registry rows
 * edited behind Zhiliang's back, reindex puts them back (never a token's
 * hash).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "party/party_int.h"
#include "store/store_party.h"
#include "util/alloc.h"
#include "zhiliang/audit.h"
#include "zhiliang/party.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_NAME "registry"
#include "store_fixture.h"

#define USCC_PLANT "91130102117504341K"
static const char *GLNS[] = {"6940277700002", "6940277700019"};
static const char *PREFIXES[] = {"6940277"};

static const char IMPORT[] =
    "{\"parties\": [{\"id\": \"reg-11\", \"name\": \"北京市监局\","
    " \"kind\": \"regulator\", \"region\": \"11\","
    " \"locations\": [{\"gln\": \"6915669000008\", \"name\": \"办公楼\"}]}],"
    " \"products\": [{\"gtin\": \"6940277700033\", \"name\": \"纯牛奶\","
    " \"brand\": \"长青\", \"netContent\": \"250 mL\", \"shelfLifeDays\": 21,"
    " \"standard\": \"GB 25190\", \"hotline\": \"400-810-5888\"}]}";

static const char BAD_IMPORT[] =
    "{\"products\":[{\"gtin\":\"6940277700033\",\"name\":\"奶\"},"
    " {\"gtin\":\"6940277700040\",\"name\":\"奶\",\"shelfLifeDays\":\"21\"}]}";

static void add_plant(zl_store *s)
{
    struct zl_party p;
    struct zl_error err = {0};

    memset(&p, 0, sizeof p);
    p.name_zh = "长青乳业股份有限公司";
    p.name_en = "Changqing Dairy";
    p.uscc = USCC_PLANT;
    p.glns = GLNS;
    p.n_glns = 2;
    p.prefixes = PREFIXES;
    p.n_prefixes = 1;
    p.region = "1301";
    assert_int_equal(zl_party_add(s, &p, 0, NULL, &err), 0);
}

struct recs {
    int n, parties, products, tokens;
    char last[4096];
};

static int rec_cb(void *ctx, const char *key, long seq, const char *kind,
                  const char *json, size_t len)
{
    struct recs *r = ctx;

    (void)key;
    (void)seq;
    r->n++;
    r->parties += !strcmp(kind, "party");
    r->products += !strcmp(kind, "product");
    r->tokens += !strcmp(kind, "token");
    snprintf(r->last, sizeof r->last, "%.*s", (int)len, json);
    return 0;
}

static int last_of(zl_store *s, const char *key, char *out, size_t cap)
{
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, 1 << 20);
    rc = zl_registry_state(s, key, &b);
    if (!rc)
        snprintf(out, cap, "%.*s", (int)b.len, b.data);
    zl_buf_cleanup(&b);
    return rc;
}

struct outbox {
    int parties, products, tokens;
};

static int outbox_cb(void *ctx, const struct zl_outbox_row *row)
{
    struct outbox *o = ctx;

    o->parties += !strcmp(row->kind, "party");
    o->products += !strcmp(row->kind, "product");
    o->tokens += !strcmp(row->kind, "token");
    return 0;
}

struct issues {
    int n;
    char kinds[1024];
};

static int issue_cb(void *ctx, const struct zl_audit_issue *is)
{
    struct issues *i = ctx;
    size_t l = strlen(i->kinds);

    i->n++;
    snprintf(i->kinds + l, sizeof i->kinds - l, "%s %s|", is->kind,
             is->record_key ? is->record_key : "-");
    return 0;
}

/* An edit behind the library's back (store_fixture.h: SQL valid on both
 * backends). */
static void sql(struct fixture *f, const char *q)
{
    long n = fixture_sql_changes(f->s, q);

    /* an edit that changes nothing would test nothing */
    assert_true(!strncmp(q, "DROP", 4) || n > 0);
}

/* verify fails naming want (kind and key), reindex repairs unless
 * !repairable. */
static void caught(struct fixture *f, const char *want, int repairable)
{
    struct issues is = {0};
    struct zl_audit_stats st;
    struct zl_audit_reindex_stats rs = {0};

    assert_int_equal(zl_audit_verify(f->s, issue_cb, &is, &st), ZL_ETAMPER);
    if (!strstr(is.kinds, want))
        fail_msg("wanted %s, got %s", want, is.kinds);
    assert_int_equal(zl_audit_reindex(f->s, &rs), 0);
    assert_true(rs.registry > 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st),
                     repairable ? 0 : ZL_ETAMPER);
}

static int no_party(void *ctx, const struct zl_party *p)
{
    (void)ctx;
    (void)p;
    return 0;
}

static int no_product(void *ctx, const struct zl_product *p)
{
    (void)ctx;
    (void)p;
    return 0;
}

static void test_writes_are_logged(void **state)
{
    struct fixture *f = *state;
    struct zl_product pr = {.gtin = "6940277700040",
                            .name_zh = "阿莫西林胶囊",
                            .approval = "国药准字H20990001"};
    struct zl_error err = {0};
    struct zl_audit_stats st;
    struct outbox ob = {0};
    struct recs r = {0};
    char tok[ZL_TOKEN_MAX], tid[ZL_TOKEN_ID_MAX], key[64], json[4096];
    size_t np = 0, nq = 0;

    add_plant(f->s);
    assert_int_equal(
        zl_party_import_json(f->s, IMPORT, strlen(IMPORT), &np, &nq, &err), 0);
    assert_int_equal(zl_product_put(f->s, &pr, &err), 0);
    assert_int_equal(zl_token_create(f->s, USCC_PLANT, tok, tid), 0);
    assert_int_equal(zl_token_revoke(f->s, tid), 0);
    assert_int_equal(zl_location_name(f->s, GLNS[1], "二号仓", NULL), 0);

    /* party, imported party (one record with its location named),
     * two products, token created and revoked, a location named */
    assert_int_equal(zl_store_registry_each(f->s, 0, rec_cb, &r), 0);
    assert_int_equal(r.n, 7);
    assert_int_equal(r.parties, 3);
    assert_int_equal(r.products, 2);
    assert_int_equal(r.tokens, 2);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, outbox_cb, &ob), 0);
    assert_int_equal(ob.parties, 3);
    assert_int_equal(ob.products, 2);
    assert_int_equal(ob.tokens, 2);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);
    assert_int_equal(st.leaves, 7);
    assert_int_equal(st.records, 7);

    /* the full state, canonical (RFC 8785: names sorted, no spaces) */
    assert_int_equal(last_of(f->s, "party:reg-11", json, sizeof json), 0);
    assert_string_equal(json, "{\"glns\":[{\"gln\":\"6915669000008\","
                              "\"name_zh\":\"办公楼\"}],\"id\":\"reg-11\","
                              "\"kind\":\"regulator\",\"name_zh\":\"北京市监"
                              "局\",\"prefixes\":[],\"region\":\"11\","
                              "\"type\":\"party\",\"v\":1}");
    assert_int_equal(last_of(f->s, "party:" USCC_PLANT, json, sizeof json), 0);
    assert_non_null(strstr(json, "\"name_zh\":\"二号仓\""));
    assert_non_null(strstr(json, "\"prefixes\":[\"6940277\"]"));
    assert_non_null(strstr(json, "\"region\":\"1301\""));
    /* a token record: id, party, times, never the hash */
    snprintf(key, sizeof key, "token:%s", tid);
    assert_int_equal(last_of(f->s, key, json, sizeof json), 0);
    assert_non_null(strstr(json, "\"party\":\"" USCC_PLANT "\""));
    assert_null(strstr(json, "\"revoked_ms\":0"));
    assert_null(strstr(json, "sha256"));
    assert_null(strstr(json, "hash"));
    /* what the packs declare is in the records */
    assert_int_equal(last_of(f->s, "product:06940277700033", json, sizeof json),
                     0);
    assert_string_equal(json, "{\"brand\":\"长青\",\"gtin\":\"06940277700033\","
                              "\"hotline\":\"400-810-5888\",\"name_zh\":"
                              "\"纯牛奶\",\"net_content\":\"250 mL\","
                              "\"shelf_life_days\":21,\"standard\":"
                              "\"GB 25190\",\"type\":\"product\",\"v\":1}");
    assert_int_equal(last_of(f->s, "product:06940277700040", json, sizeof json),
                     0);
    assert_non_null(strstr(json, "\"approval\":\"国药准字H20990001\""));
}

struct facts {
    char hotline[32], standard[32], approval[32];
    int shelf;
};

static int facts_cb(void *ctx, const struct zl_product *p)
{
    struct facts *fa = ctx;

    snprintf(fa->hotline, sizeof fa->hotline, "%s",
             p->hotline ? p->hotline : "-");
    snprintf(fa->standard, sizeof fa->standard, "%s",
             p->standard ? p->standard : "-");
    snprintf(fa->approval, sizeof fa->approval, "%s",
             p->approval ? p->approval : "-");
    fa->shelf = p->shelf_life_days;
    return 0;
}

/* Each declared field is checked: a bad one names itself and stores
 * nothing; a good product reads back as written. */
static void test_declared_fields(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *field, *standard, *hotline, *approval;
        int shelf;
    } bad[] = {
        {"standard", "gb 25190", NULL, NULL, 0},
        {"hotline", NULL, "400-810-588x", NULL, 0},
        {"hotline", NULL, "1234", NULL, 0},
        {"approvalNumber", NULL, NULL, "国药准字X20990001", 0},
        {"approvalNumber", NULL, NULL, "国药准字H2099000", 0},
        {"approvalNumber", NULL, NULL, "国药证字H20990001", 0},
        {"shelfLifeDays", NULL, NULL, NULL, 36501},
    };
    struct zl_error err;
    struct facts fa;

    add_plant(f->s);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct zl_product pr = {.gtin = "6940277700040",
                                .name_zh = "药",
                                .standard = bad[i].standard,
                                .hotline = bad[i].hotline,
                                .approval = bad[i].approval,
                                .shelf_life_days = bad[i].shelf};
        memset(&err, 0, sizeof err);
        assert_int_equal(zl_product_put(f->s, &pr, &err), ZL_EINVAL);
        assert_string_equal(err.path, bad[i].field);
        assert_int_equal(zl_product_get(f->s, pr.gtin, no_product, NULL),
                         ZL_ENOTFOUND);
    }
    {
        struct zl_product pr = {.gtin = "6940277700040",
                                .name_zh = "阿莫西林胶囊",
                                .standard = "Q/KN 0001S-2026",
                                .hotline = "+86 10 8888 6666",
                                .approval = "国药准字J20990042",
                                .shelf_life_days = 730};
        assert_int_equal(zl_product_put(f->s, &pr, &err), 0);
        assert_int_equal(zl_product_get(f->s, "06940277700040", facts_cb, &fa),
                         0);
        assert_string_equal(fa.hotline, "+86 10 8888 6666");
        assert_string_equal(fa.standard, "Q/KN 0001S-2026");
        assert_string_equal(fa.approval, "国药准字J20990042");
        assert_int_equal(fa.shelf, 730);
    }
    /* a bad field inside an import names the product's path */
    memset(&err, 0, sizeof err);
    assert_int_equal(zl_party_import_json(f->s, BAD_IMPORT, strlen(BAD_IMPORT),
                                          NULL, NULL, &err),
                     ZL_EINVAL);
    assert_non_null(strstr(err.path, "products[1]"));
    assert_non_null(strstr(err.path, "shelfLifeDays"));
    assert_int_equal(zl_product_get(f->s, "6940277700033", no_product, NULL),
                     ZL_ENOTFOUND);
}

/* A registry write whose record cannot be stored changes nothing. */
static void test_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    struct zl_product pr = {.gtin = "6940277700040", .name_zh = "酸奶"};
    struct zl_error err = {0};
    char tok[ZL_TOKEN_MAX], tid[ZL_TOKEN_ID_MAX], pid[ZL_PARTY_ID_MAX];

    add_plant(f->s);
    sql(f, "DROP TABLE registry_records");
    assert_int_not_equal(zl_product_put(f->s, &pr, &err), 0);
    assert_int_equal(zl_product_get(f->s, pr.gtin, no_product, NULL),
                     ZL_ENOTFOUND);
    assert_int_not_equal(zl_token_create(f->s, USCC_PLANT, tok, tid), 0);
    assert_int_equal(zl_token_verify(f->s, tok, strlen(tok), pid), ZL_EPERM);
    assert_int_not_equal(
        zl_party_import_json(f->s, IMPORT, strlen(IMPORT), NULL, NULL, &err),
        0);
    assert_int_equal(zl_party_get(f->s, "reg-11", no_party, NULL),
                     ZL_ENOTFOUND);
}

static void test_edits_caught_and_repaired(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    char tok[ZL_TOKEN_MAX], tid[ZL_TOKEN_ID_MAX], pid[ZL_PARTY_ID_MAX];
    char q[256], before[4096], after[4096];
    struct zl_audit_reindex_stats rs = {0};
    struct zl_audit_stats st;

    add_plant(f->s);
    assert_int_equal(
        zl_party_import_json(f->s, IMPORT, strlen(IMPORT), NULL, NULL, &err),
        0);
    assert_int_equal(zl_token_create(f->s, USCC_PLANT, tok, tid), 0);
    assert_int_equal(zl_token_revoke(f->s, tid), 0);
    assert_int_equal(last_of(f->s, "party:" USCC_PLANT, before, sizeof before),
                     0);

    sql(f, "UPDATE parties SET name_zh = 'x' WHERE id = '" USCC_PLANT "'");
    caught(f, "derived-altered party:" USCC_PLANT, 1);
    assert_int_equal(last_of(f->s, "party:" USCC_PLANT, after, sizeof after),
                     0);
    assert_string_equal(before, after);

    /* a GLN moved to another party: both parties differ */
    sql(f, "UPDATE party_gln SET party_id = 'reg-11' WHERE gln = '"
           "6940277700002'");
    caught(f, "derived-altered party:reg-11", 1);
    sql(f, "INSERT INTO party_prefixes VALUES('6999999', 'reg-11')");
    caught(f, "derived-altered party:reg-11", 1);
    sql(f, "UPDATE party_kinds SET kind = 1 WHERE party_id = '" USCC_PLANT "'");
    caught(f, "derived-altered party:" USCC_PLANT, 1);
    sql(f, "INSERT INTO party_gln VALUES('6900000000005', 'nobody', NULL,"
           " NULL)");
    caught(f, "derived-extra party_gln:6900000000005", 1);
    sql(f, "INSERT INTO parties(id, name_zh) VALUES('attacker', 'a')");
    caught(f, "derived-extra party:attacker", 1);
    sql(f, "UPDATE products SET name_zh = 'x'");
    caught(f, "derived-altered product:06940277700033", 1);
    /* what the pack declares: another hotline, a row for no product */
    sql(f, "UPDATE product_facts SET hotline = '400-000-0000'");
    caught(f, "derived-altered product:06940277700033", 1);
    sql(f, "INSERT INTO product_facts VALUES('06900000000000', NULL,"
           " 'GB 1', NULL, NULL, 0)");
    caught(f, "derived-extra product_facts:06900000000000", 1);
    /* (PostgreSQL keeps no text that is not UTF-8: no such edit there) */
    if (!fixture_is_pg(f->uri)) {
        sql(f, "UPDATE products SET name_zh = CAST(x'ff' AS TEXT)");
        caught(f, "derived-altered product:06940277700033", 1);
    }
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);

    /* a revoked token made active again: caught, and revoked again */
    sql(f, "UPDATE tokens SET revoked_ms = 0");
    assert_int_equal(zl_token_verify(f->s, tok, strlen(tok), pid), 0);
    snprintf(q, sizeof q, "derived-altered token:%s", tid);
    caught(f, q, 1);
    assert_int_equal(zl_token_verify(f->s, tok, strlen(tok), pid), ZL_EPERM);

    /* a token row deleted: its hash is in no record, so it stays gone */
    sql(f, "DELETE FROM tokens");
    assert_int_equal(zl_audit_reindex(f->s, &rs), 0);
    assert_int_equal(rs.tokens_lost, 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), ZL_ETAMPER);
}

static void test_record_edits(void **state)
{
    struct fixture *f = *state;
    struct issues is = {0};
    struct zl_audit_stats st;
    char q[128], blob[32];

    add_plant(f->s);
    sql(f, fixture_is_pg(f->uri)
               ? "UPDATE registry_records SET json = convert_to(replace("
                 "convert_from(json, 'UTF8'), 'Changqing', 'Changqinq'),"
                 " 'UTF8')"
               : "UPDATE registry_records SET json = CAST(replace(CAST(json"
                 " AS TEXT), 'Changqing', 'Changqinq') AS BLOB)");
    assert_int_equal(zl_audit_verify(f->s, issue_cb, &is, &st), ZL_ETAMPER);
    assert_non_null(strstr(is.kinds, "record-altered registry:party:"));
    snprintf(q, sizeof q, "UPDATE registry_records SET json = %s",
             fixture_blob(f->uri, "7b", blob, sizeof blob));
    sql(f, q);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), ZL_ETAMPER);
    snprintf(q, sizeof q, "UPDATE registry_records SET json = %s",
             fixture_blob(f->uri, "", blob, sizeof blob));
    sql(f, q);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), ZL_ETAMPER);
    sql(f, "INSERT INTO registry_records SELECT key, seq + 1, kind, json"
           " FROM registry_records");
    memset(&is, 0, sizeof is);
    assert_int_equal(zl_audit_verify(f->s, issue_cb, &is, &st), ZL_ETAMPER);
    assert_non_null(strstr(is.kinds, "record-unlogged registry:party:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_declared_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_are_logged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edits_caught_and_repaired, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_record_edits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
