/*
 * test_risk_intake.c - risk reports (zhiliang/risk_intake.h) on every
 * backend (store_fixture.h): intake with per-field errors and nothing
 * stored on bad input, the GS1 code in several forms stored canonical,
 * injury codes, incident deadlines across the 2026 National Day holidays
 * (dates worked out by hand from the State Council notice in
 * data/calendar/cn-2026.csv), personal data sealed (the commitment
 * recomputed here with OpenSSL, not the library's helper; a wrong key and
 * an edited blob refused; the stored bytes never hold the phone number),
 * verify naming an edited report, and the counts against a naive count.
 */
#define FIXTURE_NAME "risk_intake"

#include "zhiliang/risk_intake.h"

#include "store/store.h"
#include "store/store_risk.h"
#include "util/alloc.h"
#include "zhiliang/audit.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_fixture.h"

static const uint8_t KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static int64_t at(int y, int m, int d, int hh, int mm)
{
    return (zl_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60) * 1000;
}

struct errs {
    char fields[16][64];
    int n;
};

static int err_cb(void *ctx, const struct zl_risk_field_error *e)
{
    struct errs *x = ctx;

    if (x->n < 16)
        snprintf(x->fields[x->n++], 64, "%s", e->field);
    return 0;
}

static int has_field(const struct errs *x, const char *f)
{
    for (int i = 0; i < x->n; i++)
        if (!strcmp(x->fields[i], f))
            return 1;
    return 0;
}

static int submit(zl_store *s, enum zl_risk_kind k, const char *json,
                  int64_t now, char id[ZL_RISK_ID_MAX], struct errs *e)
{
    struct zl_risk_intake_opts o = {0};
    struct zl_error err = {0};

    o.key = KEY;
    o.now_ms = now;
    return zl_risk_submit(s, k, json, strlen(json), &o, id, err_cb, e, &err);
}

static int count_cb(void *ctx, const struct zl_risk_report_row *r)
{
    (void)r;
    ++*(int *)ctx;
    return 0;
}

static int n_reports(zl_store *s)
{
    int n = 0;

    assert_int_equal(zl_risk_report_list(s, -1, count_cb, &n), 0);
    return n;
}

static json_t *record(zl_store *s, const char *id)
{
    char *j;
    size_t n;
    json_t *o;

    assert_int_equal(zl_risk_report_get(s, id, &j, &n), 0);
    o = json_loadb(j, n, 0, NULL);
    zl_free(j);
    assert_non_null(o);
    return o;
}

static const char *path_str(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);

    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

/* ---- bad input: every error named, nothing stored ----------------------- */

static void test_bad_input_stores_nothing(void **state)
{
    struct fixture *f = *state;
    struct errs e = {0};
    char id[ZL_RISK_ID_MAX];
    uint64_t size0 = 0, size1 = 0;
    int rc;

    assert_int_equal(zl_log_size(f->s, &size0), 0);
    rc = submit(f->s, ZL_RISK_COMPLAINT,
                "{\"occurred\":\"2026-02-30\",\"region\":\"1101\","
                "\"gs1\":\"(01)09506000134353\",\"descripton\":\"x\","
                "\"personal\":{\"phone\":\"call me\",\"id_number\":"
                "\"11010519491231002Y\"}}",
                at(2026, 12, 6, 9, 0), id, &e);
    assert_int_equal(rc, ZL_EINVAL);
    assert_string_equal(id, "");
    assert_true(has_field(&e, "occurred"));    /* no 30 February */
    assert_true(has_field(&e, "gs1"));         /* check digit 2, not 3 */
    assert_true(has_field(&e, "descripton"));  /* unknown field */
    assert_true(has_field(&e, "description")); /* required, absent */
    assert_true(has_field(&e, "personal.phone"));
    assert_true(has_field(&e, "personal.id_number"));
    assert_false(has_field(&e, "region"));
    assert_int_equal(n_reports(f->s), 0);
    assert_int_equal(zl_log_size(f->s, &size1), 0);
    assert_true(size0 == size1);
    /* the checks alone give the same errors and touch no store */
    {
        struct errs e2 = {0};
        struct zl_risk_intake_opts o = {0};
        const char *j = "{\"occurred\":\"2026-02-30\",\"region\":\"1101\","
                        "\"gs1\":\"(01)09506000134353\",\"descripton\":"
                        "\"x\",\"personal\":{\"phone\":\"call me\","
                        "\"id_number\":\"11010519491231002Y\"}}";

        o.key = KEY;
        o.now_ms = at(2026, 12, 6, 9, 0);
        assert_int_equal(zl_risk_check(ZL_RISK_COMPLAINT, j, strlen(j), &o,
                                       err_cb, &e2, NULL),
                         ZL_EINVAL);
        assert_int_equal(e2.n, e.n);
        j = "{\"occurred\":\"2026-12-01\",\"description\":\"x\"}";
        assert_int_equal(zl_risk_check(ZL_RISK_COMPLAINT, j, strlen(j), &o,
                                       err_cb, &e2, NULL),
                         0);
    }

    /* a future date, not JSON, and personal data without a key */
    memset(&e, 0, sizeof e);
    assert_int_equal(submit(f->s, ZL_RISK_COMPLAINT,
                            "{\"occurred\":\"2027-01-01\",\"description\":"
                            "\"x\"}",
                            at(2026, 12, 6, 9, 0), id, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "occurred"));
    {
        /* at 17:00 UTC it is already the 7th in China: that date is
         * today there; at 15:59 UTC it is still the future (checked
         * without storing) */
        struct zl_risk_intake_opts o = {0};
        const char *j = "{\"occurred\":\"2026-12-07\",\"description\":\"x\"}";

        o.now_ms = at(2026, 12, 6, 17, 0);
        memset(&e, 0, sizeof e);
        assert_int_equal(zl_risk_check(ZL_RISK_COMPLAINT, j, strlen(j), &o,
                                       err_cb, &e, NULL),
                         0);
        o.now_ms = at(2026, 12, 6, 15, 59);
        assert_int_equal(zl_risk_check(ZL_RISK_COMPLAINT, j, strlen(j), &o,
                                       err_cb, &e, NULL),
                         ZL_EINVAL);
        assert_true(has_field(&e, "occurred"));
    }
    memset(&e, 0, sizeof e);
    assert_int_equal(submit(f->s, ZL_RISK_COMPLAINT,
                            "{\"occurred\":", at(2026, 12, 6, 9, 0), id, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "$"));
    {
        struct zl_risk_intake_opts o = {0};
        const char *j = "{\"occurred\":\"2026-12-01\",\"description\":\"x\","
                        "\"personal\":{\"name\":\"李四\"}}";

        memset(&e, 0, sizeof e);
        assert_int_equal(zl_risk_submit(f->s, ZL_RISK_COMPLAINT, j, strlen(j),
                                        &o, id, err_cb, &e, NULL),
                         ZL_EINVAL);
        assert_true(has_field(&e, "personal"));
    }
    assert_int_equal(n_reports(f->s), 0);
}

/* ---- GS1 forms: one canonical code -------------------------------------- */

static void test_gs1_forms(void **state)
{
    struct fixture *f = *state;
    static const char *const FORMS[] = {
        "(01)09506000134352(10)ABC1",
        "https://example.com/01/09506000134352/10/ABC1",
        "010950600013435210ABC1",
    };
    char id[ZL_RISK_ID_MAX], j[300];

    for (size_t i = 0; i < 3; i++) {
        struct errs e = {0};
        json_t *o;

        snprintf(j, sizeof j,
                 "{\"occurred\":\"2026-12-01\",\"description\":\"x\","
                 "\"gs1\":\"%s\"}",
                 FORMS[i]);
        assert_int_equal(submit(f->s, ZL_RISK_COMPLAINT, j,
                                at(2026, 12, 6, 9, (int)i), id, &e),
                         0);
        assert_int_equal(id[0], 'C');
        o = record(f->s, id);
        assert_string_equal(path_str(o, "product", "gs1"),
                            "https://id.gs1.org/01/09506000134352/10/ABC1");
        assert_string_equal(path_str(o, "product", "gtin"), "09506000134352");
        assert_string_equal(path_str(o, "product", "lot"), "ABC1");
        json_decref(o);
    }
    assert_int_equal(n_reports(f->s), 3);
}

/* ---- injury codes ------------------------------------------------------- */

static void test_injury_codes(void **state)
{
    struct fixture *f = *state;
    struct errs e = {0};
    char id[ZL_RISK_ID_MAX];
    json_t *o;

    assert_int_equal(
        submit(f->s, ZL_RISK_INJURY,
               "{\"occurred\":\"2026-12-02\",\"hospital\":\"H1\","
               "\"injury\":{\"sex\":\"女\",\"age\":4,\"cause\":\"烧烫伤\","
               "\"place\":\"home\",\"activity\":\"休闲活动\",\"intent\":"
               "\"非故意\",\"nature\":\"挫伤、擦伤\",\"body_part\":\"上肢\","
               "\"severity\":\"轻度\",\"outcome\":\"discharged\"}}",
               at(2026, 12, 6, 9, 0), id, &e),
        0);
    o = record(f->s, id);
    /* labels stored as their codes */
    assert_string_equal(path_str(o, "injury", "sex"), "2");
    assert_string_equal(path_str(o, "injury", "cause"), "burn");
    assert_string_equal(path_str(o, "injury", "intent"), "unintentional");
    assert_string_equal(path_str(o, "injury", "nature"), "contusion");
    json_decref(o);

    assert_int_equal(
        submit(f->s, ZL_RISK_INJURY,
               "{\"occurred\":\"2026-12-02\",\"hospital\":\"H1\","
               "\"injury\":{\"sex\":\"3\",\"age\":151,\"cause\":\"跌到\","
               "\"place\":\"home\",\"activity\":\"sports\",\"intent\":"
               "\"unintentional\",\"nature\":\"other\",\"body_part\":"
               "\"head\",\"severity\":\"mild\"}}",
               at(2026, 12, 6, 9, 0), id, &e),
        ZL_EINVAL);
    assert_true(has_field(&e, "injury.sex"));
    assert_true(has_field(&e, "injury.age"));
    assert_true(has_field(&e, "injury.cause"));
    assert_true(has_field(&e, "injury.outcome")); /* missing */
    assert_false(has_field(&e, "injury.place"));
    assert_int_equal(n_reports(f->s), 1);
    /* injury fields on a complaint */
    memset(&e, 0, sizeof e);
    assert_int_equal(submit(f->s, ZL_RISK_COMPLAINT,
                            "{\"occurred\":\"2026-12-02\",\"description\":"
                            "\"x\",\"injury\":{}}",
                            at(2026, 12, 6, 9, 0), id, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "injury"));
}

/* ---- incident deadlines across the 2026 National Day ------------------- */

static void incident(zl_store *s, const char *discovered, int64_t now,
                     const char *deadline, int late)
{
    struct errs e = {0};
    char id[ZL_RISK_ID_MAX], j[300];
    json_t *o, *inc;

    snprintf(j, sizeof j,
             "{\"occurred\":\"2026-09-20\",\"discovered\":\"%s\","
             "\"enterprise\":\"91350100M000100Y43\",\"description\":\"fire\","
             "\"injured\":1}",
             discovered);
    assert_int_equal(submit(s, ZL_RISK_INCIDENT, j, now, id, &e), 0);
    assert_int_equal(id[0], 'M');
    o = record(s, id);
    inc = json_object_get(o, "incident");
    assert_string_equal(json_string_value(json_object_get(inc, "deadline")),
                        deadline);
    assert_int_equal(json_is_true(json_object_get(inc, "late")), late);
    assert_null(json_object_get(inc, "deadlineGuessed"));
    json_decref(o);
}

static void test_incident_deadlines(void **state)
{
    struct fixture *f = *state;
    struct errs e = {0};
    char id[ZL_RISK_ID_MAX];

    /* Wed 30 Sep; 1-7 Oct holidays; Thu 8 and Fri 9 Oct the two working
     * days: due 9 Oct; reported on the 9th on time, on the 10th late */
    incident(f->s, "2026-09-30", at(2026, 10, 9, 23, 59), "2026-10-09", 0);
    incident(f->s, "2026-09-30", at(2026, 10, 10, 0, 1), "2026-10-09", 1);
    /* Thu 24 Sep; 25-27 Mid-Autumn; Mon 28, Tue 29: due 29 Sep */
    incident(f->s, "2026-09-24", at(2026, 9, 29, 12, 0), "2026-09-29", 0);
    /* an ordinary week: Mon 16 Nov -> Wed 18 Nov */
    incident(f->s, "2026-11-16", at(2026, 11, 30, 12, 0), "2026-11-18", 1);
    /* enterprise required; discovered before it happened */
    assert_int_equal(submit(f->s, ZL_RISK_INCIDENT,
                            "{\"occurred\":\"2026-09-20\",\"discovered\":"
                            "\"2026-09-19\",\"description\":\"x\"}",
                            at(2026, 10, 1, 0, 0), id, &e),
                     ZL_EINVAL);
    assert_true(has_field(&e, "enterprise"));
    assert_true(has_field(&e, "discovered"));
    /* a configured rule: 10 calendar days */
    {
        struct zl_clock_rule r;
        struct zl_risk_intake_opts o = {0};
        const char *j = "{\"occurred\":\"2026-11-01\",\"discovered\":"
                        "\"2026-11-02\",\"enterprise\":\"91350100M000100Y43\","
                        "\"description\":\"x\"}";
        json_t *rec;

        zl_risk_incident_rule_default(&r);
        assert_int_equal(r.days, 2);
        assert_int_equal(r.unit, ZL_CLOCK_WORKING_DAYS);
        r.days = 10;
        r.unit = ZL_CLOCK_DAYS;
        o.incident_rule = &r;
        o.now_ms = at(2026, 11, 5, 0, 0);
        assert_int_equal(zl_risk_submit(f->s, ZL_RISK_INCIDENT, j, strlen(j),
                                        &o, id, NULL, NULL, NULL),
                         0);
        rec = record(f->s, id);
        assert_string_equal(path_str(rec, "incident", "deadline"),
                            "2026-11-12");
        json_decref(rec);
    }
}

/* ---- personal data ------------------------------------------------------ */

static int pii_row_cb(void *ctx, const struct zl_risk_report_row *r)
{
    (void)ctx;
    assert_null(strstr(r->json, "13900139000"));
    assert_null(strstr(r->json, "王五"));
    return 0;
}

struct salt {
    uint8_t salt[64];
    size_t len;
};

static int salt_cb(void *ctx, const struct zl_store_risk_pii *p)
{
    struct salt *s = ctx;

    assert_true(p->salt_len <= sizeof s->salt);
    memcpy(s->salt, p->salt, p->salt_len);
    s->len = p->salt_len;
    /* the ciphertext is not the plaintext */
    assert_null(memmem(p->blob, p->blob_len, "13900139000", 11));
    return 0;
}

static void test_personal_data(void **state)
{
    struct fixture *f = *state;
    struct errs e = {0};
    char id[ZL_RISK_ID_MAX], *pii = NULL;
    size_t n;
    uint8_t wrong[32], digest[32];
    json_t *o;
    struct zl_party reg = {0}, ent = {0};
    char pid[ZL_PARTY_ID_MAX];
    struct zl_error err = {0};
    int rc;

    assert_int_equal(
        submit(f->s, ZL_RISK_COMPLAINT,
               "{\"occurred\":\"2026-12-01\",\"description\":\"hot\","
               "\"personal\":{\"name\":\"王五\",\"phone\":\"13900139000\","
               "\"id_number\":\"11010519491231002X\",\"address\":\"北京\"}}",
               at(2026, 12, 6, 9, 0), id, &e),
        0);
    o = record(f->s, id);
    assert_null(json_object_get(json_object_get(o, "personal"), "phone"));
    assert_int_equal(strlen(path_str(o, "personal", "commitment")), 64);
    assert_int_equal(zl_risk_report_list(f->s, -1, pii_row_cb, NULL), 0);

    assert_int_equal(zl_risk_pii_reveal(f->s, id, KEY, &pii, &n), 0);
    assert_string_equal(pii, "{\"address\":\"北京\",\"id_number\":"
                             "\"11010519491231002X\",\"name\":\"王五\","
                             "\"phone\":\"13900139000\"}");
    /* the commitment, recomputed here: SHA-256(salt || canon), the salt
     * read back through the store seam */
    {
        struct salt s = {{0}, 0};
        unsigned int dl = 0;
        char hexd[65];
        EVP_MD_CTX *c = EVP_MD_CTX_new();

        assert_int_equal(zl_store_risk_pii_get(f->s, id, salt_cb, &s), 0);
        assert_int_equal(s.len, 16);
        assert_non_null(c);
        assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
        assert_int_equal(EVP_DigestUpdate(c, s.salt, s.len), 1);
        assert_int_equal(EVP_DigestUpdate(c, pii, n), 1);
        assert_int_equal(EVP_DigestFinal_ex(c, digest, &dl), 1);
        EVP_MD_CTX_free(c);
        for (int i = 0; i < 32; i++)
            snprintf(hexd + 2 * i, 3, "%02x", digest[i]);
        assert_string_equal(hexd, path_str(o, "personal", "commitment"));
    }
    zl_free(pii);
    memcpy(wrong, KEY, 32);
    wrong[0] ^= 1;
    assert_int_equal(zl_risk_pii_reveal(f->s, id, wrong, &pii, &n), ZL_EVERIFY);
    assert_null(pii);

    /* who may see it: regulators only */
    reg.id = "reg-11";
    reg.name_zh = "北京市市场监督管理局";
    reg.kind = ZL_PARTY_REGULATOR;
    reg.region = "11";
    ent.id = "ent-1";
    ent.name_zh = "某企业";
    assert_int_equal(zl_party_add(f->s, &reg, 0, pid, &err), 0);
    assert_int_equal(zl_party_add(f->s, &ent, 0, pid, &err), 0);
    assert_int_equal(zl_risk_may_reveal(f->s, "reg-11"), 0);
    assert_int_equal(zl_risk_may_reveal(f->s, "ent-1"), ZL_EPERM);
    assert_int_equal(zl_risk_may_reveal(f->s, "nobody"), ZL_ENOTFOUND);

    /* an edited ciphertext no longer opens (the first byte always
     * changes: setting it to 00 did nothing 1 run in 256) */
    rc = (int)fixture_sql_changes(
        f->s, fixture_is_pg(f->uri)
                  ? "UPDATE risk_pii SET blob = "
                    "set_byte(blob, 0, get_byte(blob, 0) # 1)"
                  : "UPDATE risk_pii SET blob = CASE WHEN substr(blob, 1, 1) "
                    "= x'00' THEN x'01' ELSE x'00' END || substr(blob, 2)");
    assert_int_equal(rc, 1);
    assert_int_equal(zl_risk_pii_reveal(f->s, id, KEY, &pii, &n), ZL_EVERIFY);
    json_decref(o);
}

/* ---- verify names an edited report -------------------------------------- */

struct issues {
    int n;
    char kind[64];
};

static int issue_cb(void *ctx, const struct zl_audit_issue *i)
{
    struct issues *x = ctx;

    if (!x->n++)
        snprintf(x->kind, sizeof x->kind, "%s", i->kind);
    return 0;
}

static void test_verify_catches_edit(void **state)
{
    struct fixture *f = *state;
    struct errs e = {0};
    struct issues is = {0};
    char id[ZL_RISK_ID_MAX], sql[300];

    assert_int_equal(submit(f->s, ZL_RISK_COMPLAINT,
                            "{\"occurred\":\"2026-12-01\",\"description\":"
                            "\"the kettle leaks\",\"region\":\"110105\"}",
                            at(2026, 12, 6, 9, 0), id, &e),
                     0);
    assert_int_equal(zl_audit_verify(f->s, issue_cb, &is, NULL), 0);
    snprintf(sql, sizeof sql,
             "UPDATE risk_reports SET json = replace(json, 'leaks', "
             "'is fine') WHERE id = '%s'",
             id);
    assert_int_equal(fixture_sql_changes(f->s, sql), 1);
    assert_int_equal(zl_audit_verify(f->s, issue_cb, &is, NULL), ZL_ETAMPER);
    assert_true(is.n >= 1);
}

/* ---- counts: series, clusters, statistics against a naive count -------- */

struct cl {
    size_t n, count;
    char lot[64];
};

static int cluster_cb(void *ctx, const struct zl_risk_cluster *c)
{
    struct cl *x = ctx;

    if (!x->n++) {
        x->count = c->count;
        snprintf(x->lot, sizeof x->lot, "%s", c->lot);
    }
    assert_true(c->last_ms - c->first_ms <= 4 * 3600000);
    return 0;
}

struct st {
    char lines[400];
};

static int stat_cb(void *ctx, const char *dim, const char *value, long count)
{
    struct st *x = ctx;
    size_t n = strlen(x->lines);

    snprintf(x->lines + n, sizeof x->lines - n, "%s %s %ld;", dim, value,
             count);
    return 0;
}

static void test_counts(void **state)
{
    struct fixture *f = *state;
    struct zl_risk_series_set set = {0};
    char id[ZL_RISK_ID_MAX], j[400];
    /* lot A: 3 complaints within 40 minutes on 5 Dec (a cluster); lot B:
     * 3 complaints 2 hours apart (none); one on lot A on 1 Dec */
    static const struct {
        const char *lot, *day;
        int h, m;
    } R[] = {{"A", "2026-12-01", 8, 0},  {"A", "2026-12-05", 9, 0},
             {"A", "2026-12-05", 9, 20}, {"A", "2026-12-05", 9, 40},
             {"B", "2026-12-05", 8, 0},  {"B", "2026-12-05", 10, 0},
             {"B", "2026-12-05", 12, 0}};

    for (size_t i = 0; i < sizeof R / sizeof R[0]; i++) {
        struct errs e = {0};
        int y, mo, d;

        sscanf(R[i].day, "%d-%d-%d", &y, &mo, &d);
        snprintf(j, sizeof j,
                 "{\"occurred\":\"%s\",\"description\":\"x\",\"category\":"
                 "\"toys\",\"region\":\"%s\",\"gs1\":"
                 "\"(01)09506000134352(10)%s\"}",
                 R[i].day, i % 2 ? "110105" : "310101", R[i].lot);
        assert_int_equal(submit(f->s, ZL_RISK_COMPLAINT, j,
                                at(y, mo, d, R[i].h, R[i].m), id, &e),
                         0);
    }
    assert_int_equal(
        zl_risk_series_build(f->s, -1, ZL_RISK_BY_LOT, 1, -1, &set, NULL), 0);
    assert_int_equal(set.n, 2);
    assert_int_equal(set.n_periods, 5); /* 1 Dec .. 5 Dec */
    assert_string_equal(set.s[0].key, "09506000134352/A");
    assert_true(set.s[0].y[0] == 1 && set.s[0].y[4] == 3);
    assert_true(set.s[0].y[1] == 0 && set.s[0].y[3] == 0);
    assert_string_equal(set.s[1].key, "09506000134352/B");
    assert_true(set.s[1].y[4] == 3 && set.s[1].y[0] == 0);
    assert_int_equal(set.s[0].n_ids, 3);
    assert_int_equal(set.s[0].n_gtins, 1);
    assert_string_equal(set.s[0].gtins[0], "09506000134352");
    zl_risk_series_cleanup(&set);
    /* weekly: 1 Dec 2026 is a Tuesday, so period 0 starts Mon 30 Nov and
     * all seven fall in it */
    assert_int_equal(
        zl_risk_series_build(f->s, -1, ZL_RISK_BY_GTIN, 7, -1, &set, NULL), 0);
    assert_int_equal(set.n, 1);
    assert_int_equal(set.n_periods, 1);
    assert_true(set.s[0].y[0] == 7);
    zl_risk_series_cleanup(&set);

    {
        struct cl c = {0, 0, ""};

        assert_int_equal(zl_risk_clusters(f->s, 3600000, 3, cluster_cb, &c), 0);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.count, 3);
        assert_string_equal(c.lot, "09506000134352/A");
        c.n = 0; /* a 4-hour window takes lot B's three (8:00-12:00) too */
        assert_int_equal(zl_risk_clusters(f->s, 4 * 3600000, 3, cluster_cb, &c),
                         0);
        assert_int_equal(c.n, 2);
    }
    {
        struct st x = {0};

        assert_int_equal(zl_risk_complaint_stats(f->s, stat_cb, &x), 0);
        /* naive: 7 toys; regions alternate 310101 (4) and 110105 (3);
         * all in 2026-12 */
        assert_string_equal(x.lines, "category toys 7;region 110105 3;"
                                     "region 310101 4;month 2026-12 7;");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_input_stores_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gs1_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injury_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident_deadlines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_personal_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_catches_edit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
