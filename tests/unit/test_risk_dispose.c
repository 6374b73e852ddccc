/*
 * test_risk_dispose.c - risk cases and their disposal
 * (zhiliang/risk_dispose.h) on every backend (store_fixture.h).
 *
 * The deadlines of the default rules over the 2026 National Day holidays,
 * against a separate Python count over data/calendar/cn-2026.csv (10
 * working days from Mon 28 Sep is Fri 16 Oct, 20 is Fri 30 Oct; 30
 * calendar days is 28 Oct); overdue judged on the deadline (not yet) and
 * the day after; who may write each record, each refusal storing nothing;
 * the closing rules (a notice closed without an answer needs a note, a
 * spot check needs its result, the case waits for every action); the
 * public form leaving out the reference, the notice, the answer and the
 * notes; which warnings reach a product and a lot; verify over the
 * records, then naming an edited one.
 */
#define FIXTURE_NAME "risk_dispose"

#include "zhiliang/risk_dispose.h"

#include "store/store.h"
#include "store/store_risk.h"
#include "zhiliang/audit.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_fixture.h"

#define USCC  "91350100M000100Y43"
#define OTHER "91130102117504341K"
#define GTIN  "09506000134352"

static int64_t at(int y, int m, int d, int hh)
{
    return (zl_days_from_civil(y, m, d) * 86400 + hh * 3600) * 1000;
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

static void parties(zl_store *s)
{
    struct zl_party reg = {0}, gd = {0}, ent = {0}, oth = {0};
    char pid[ZL_PARTY_ID_MAX];
    struct zl_error err = {0};

    reg.id = "reg-11";
    reg.name_zh = "北京市市场监督管理局";
    reg.kind = ZL_PARTY_REGULATOR;
    reg.region = "11";
    gd.id = "reg-44";
    gd.name_zh = "广东省市场监督管理局";
    gd.kind = ZL_PARTY_REGULATOR;
    gd.region = "44";
    ent.id = "ent-1";
    ent.name_zh = "某电器公司";
    ent.uscc = USCC;
    oth.id = "ent-2";
    oth.name_zh = "另一公司";
    oth.uscc = OTHER;
    assert_int_equal(zl_party_add(s, &reg, 0, pid, &err), 0);
    assert_int_equal(zl_party_add(s, &gd, 0, pid, &err), 0);
    assert_int_equal(zl_party_add(s, &ent, 0, pid, &err), 0);
    assert_int_equal(zl_party_add(s, &oth, 0, pid, &err), 0);
}

static void open_case(zl_store *s, const char *lot, int64_t now,
                      char id[ZL_DISPO_ID_MAX])
{
    struct zl_dispo_open_in in = {0};
    struct zl_error err = {0};

    in.actor = "reg-11";
    in.source = "signal";
    in.ref = "3 complaints about one lot in 2 days";
    in.enterprise = USCC;
    in.gtin = GTIN;
    in.lot = lot;
    in.region = "110105";
    in.hazard = "壶底漏电";
    in.now_ms = now;
    assert_int_equal(zl_dispo_open(s, &in, id, NULL, NULL, &err), 0);
}

static int act(zl_store *s, const char *id, enum zl_dispo_kind k,
               const char *actor, int64_t now, struct errs *e)
{
    struct zl_dispo_act_in in = {0};
    struct zl_error err = {0};
    int n = 0, rc;

    in.actor = actor;
    in.kind = k;
    in.now_ms = now;
    if (k == ZL_DISPO_WARNING) {
        in.title = "停止使用";
        in.title_en = "Stop using it";
        in.text = "壶底可能漏电";
        in.text_en = "The base may leak current";
    } else {
        in.text = "请十个工作日内报告整改措施";
    }
    rc = zl_dispo_act(s, id, &in, &n, err_cb, e, &err);
    return rc ? -rc : n;
}

static json_t *get(zl_store *s, const char *id, int pub, int64_t now)
{
    struct zl_buf b;
    struct zl_error err = {0};
    json_t *o = NULL;

    zl_buf_init(&b, (size_t)1 << 20);
    if (!zl_dispo_json(s, id, pub, now, &b, &err))
        o = json_loadb((const char *)b.data, b.len, 0, NULL);
    zl_buf_cleanup(&b);
    return o;
}

static const char *deadline_of(json_t *c, int n)
{
    size_t i;
    json_t *a;

    json_array_foreach(json_object_get(c, "actions"), i, a)
    {
        if (json_integer_value(json_object_get(a, "n")) == n)
            return json_string_value(json_object_get(a, "deadline"));
    }
    return NULL;
}

static int count_cb(void *ctx, const struct zl_store_risk_step *st)
{
    (void)st;
    ++*(int64_t *)ctx;
    return 0;
}

static int64_t n_records(zl_store *s)
{
    int64_t n = 0;

    assert_int_equal(zl_store_risk_dispo_list(s, NULL, count_cb, &n), 0);
    return n;
}

static int issues_cb(void *ctx, const struct zl_audit_issue *i)
{
    (void)i;
    ++*(int *)ctx;
    return 0;
}

/* ---- deadlines and overdue ------------------------------------------------
 */

static void test_deadlines(void **state)
{
    struct fixture *f = *state;
    char id[ZL_DISPO_ID_MAX];
    int64_t t = at(2026, 9, 28, 2); /* Mon 28 Sep, 10:00 in China */
    int nw, nn, ns;
    json_t *c;
    struct zl_buf b;
    struct zl_error err = {0};

    parties(f->s);
    open_case(f->s, NULL, t, id);
    nw = act(f->s, id, ZL_DISPO_WARNING, "reg-11", t, NULL);
    nn = act(f->s, id, ZL_DISPO_NOTICE, "reg-11", t, NULL);
    ns = act(f->s, id, ZL_DISPO_SPOTCHECK, "reg-11", t, NULL);
    assert_int_equal(nw, 2);
    assert_int_equal(nn, 3);
    assert_int_equal(ns, 4);
    c = get(f->s, id, 0, at(2026, 10, 16, 2));
    assert_non_null(c);
    assert_string_equal(deadline_of(c, nw), "2026-10-28"); /* 30 days */
    assert_string_equal(deadline_of(c, nn), "2026-10-16"); /* 10 working */
    assert_string_equal(deadline_of(c, ns), "2026-10-30"); /* 20 working */
    /* on its deadline the notice is not overdue yet ... */
    assert_false(json_is_true(json_object_get(c, "overdue")));
    json_decref(c);
    /* ... the day after it is, and the case is listed */
    c = get(f->s, id, 0, at(2026, 10, 17, 2));
    assert_true(json_is_true(json_object_get(c, "overdue")));
    json_decref(c);
    zl_buf_init(&b, (size_t)1 << 20);
    assert_int_equal(
        zl_dispo_list(f->s, "overdue", 0, at(2026, 10, 17, 2), &b, &err), 0);
    assert_non_null(strstr((const char *)b.data, id));
    b.len = 0;
    assert_int_equal(
        zl_dispo_list(f->s, "overdue", 0, at(2026, 10, 16, 2), &b, &err), 0);
    assert_null(strstr((const char *)b.data, id));
    zl_buf_cleanup(&b);
}

/* ---- who writes, refusals, closing ----------------------------------------
 */

static void test_flow(void **state)
{
    struct fixture *f = *state;
    char id[ZL_DISPO_ID_MAX];
    struct zl_error err = {0};
    struct errs e = {0};
    int64_t t = at(2026, 11, 2, 2);
    int nn, nw, ns, issues = 0;
    int64_t before;
    json_t *c;
    char *dump;

    parties(f->s);
    open_case(f->s, "(01)" GTIN "(10)K1", t, id);
    /* the wrong parties: nothing stored */
    before = n_records(f->s);
    assert_int_equal(act(f->s, id, ZL_DISPO_NOTICE, "ent-1", t, NULL),
                     -ZL_EPERM);
    assert_int_equal(act(f->s, id, ZL_DISPO_NOTICE, "reg-44", t, NULL),
                     -ZL_EPERM);
    assert_int_equal(act(f->s, id, ZL_DISPO_NOTICE, "nobody", t, NULL),
                     -ZL_ENOTFOUND);
    assert_int_equal(n_records(f->s), before);
    nw = act(f->s, id, ZL_DISPO_WARNING, "reg-11", t, NULL);
    nn = act(f->s, id, ZL_DISPO_NOTICE, "reg-11", t, NULL);
    ns = act(f->s, id, ZL_DISPO_SPOTCHECK, NULL, t, NULL); /* store operator */
    assert_true(nw > 0 && nn > 0 && ns > 0);
    /* a regulator of the region closes what it may not answer for others */
    before = n_records(f->s);
    assert_int_equal(
        zl_dispo_answer(f->s, id, nn, "ent-2", "x", t, err_cb, &e, &err),
        ZL_EPERM);
    assert_int_equal(
        zl_dispo_answer(f->s, id, nw, "ent-1", "x", t, err_cb, &e, &err),
        ZL_EINVAL);
    assert_true(has_field(&e, "action"));
    e.n = 0;
    /* a notice without an answer closes only with a note */
    assert_int_equal(
        zl_dispo_done(f->s, id, nn, "reg-11", NULL, NULL, t, err_cb, &e, &err),
        ZL_EINVAL);
    assert_true(has_field(&e, "note"));
    e.n = 0;
    /* a spot check closes with its result */
    assert_int_equal(zl_dispo_done(f->s, id, ns, "reg-11", "maybe", NULL, t,
                                   err_cb, &e, &err),
                     ZL_EINVAL);
    assert_true(has_field(&e, "result"));
    e.n = 0;
    /* the case waits for every action */
    assert_int_equal(
        zl_dispo_close(f->s, id, "reg-11", "结案", NULL, t, err_cb, &e, &err),
        ZL_EINVAL);
    assert_true(has_field(&e, "action"));
    e.n = 0;
    assert_int_equal(n_records(f->s), before);
    /* the enterprise answers its notice, once */
    assert_int_equal(zl_dispo_answer(f->s, id, nn, "ent-1",
                                     "已停产整改企业答复", t, err_cb, &e, &err),
                     0);
    assert_int_equal(
        zl_dispo_answer(f->s, id, nn, "ent-1", "again", t, err_cb, &e, &err),
        ZL_EINVAL);
    e.n = 0;
    assert_int_equal(
        zl_dispo_done(f->s, id, nn, "reg-11", NULL, NULL, t, err_cb, &e, &err),
        0);
    assert_int_equal(zl_dispo_done(f->s, id, ns, "reg-11", "pass",
                                   "其他批次合格备注", t, err_cb, &e, &err),
                     0);
    assert_int_equal(
        zl_dispo_done(f->s, id, nw, "reg-11", NULL, NULL, t, err_cb, &e, &err),
        0);
    /* public only once closed */
    assert_null(get(f->s, id, 1, t));
    assert_int_equal(zl_dispo_close(f->s, id, "reg-11", "企业整改完毕",
                                    "Corrected", t, err_cb, &e, &err),
                     0);
    assert_int_equal(act(f->s, id, ZL_DISPO_NOTICE, "reg-11", t, &e),
                     -ZL_EINVAL);
    c = get(f->s, id, 1, t);
    assert_non_null(c);
    dump = json_dumps(c, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"state\":\"closed\""));
    assert_null(strstr(dump, "3 complaints")); /* the reference */
    assert_null(strstr(dump, "十个工作日"));   /* the notice */
    assert_null(strstr(dump, "企业答复"));     /* the answer */
    assert_null(strstr(dump, "备注"));         /* a note */
    assert_null(strstr(dump, "reg-11"));       /* the actors */
    free(dump);
    json_decref(c);
    /* verify agrees, then names an edited record */
    assert_int_equal(zl_audit_verify(f->s, issues_cb, &issues, NULL), 0);
    assert_int_equal(issues, 0);
    assert_int_equal(
        fixture_sql_changes(f->s, "UPDATE risk_dispo SET json = "
                                  "replace(json, '企业整改完毕', '无问题') "
                                  "WHERE action = 'close'"),
        1);
    assert_int_not_equal(zl_audit_verify(f->s, issues_cb, &issues, NULL), 0);
    assert_true(issues > 0);
}

/* ---- warnings reach the product and the lot --------------------------------
 */

struct seen {
    int n;
    char last[ZL_DISPO_ID_MAX];
};

static int warn_cb(void *ctx, const struct zl_dispo_warning *w)
{
    struct seen *s = ctx;

    s->n++;
    snprintf(s->last, sizeof s->last, "%s", w->case_id);
    return 0;
}

static void test_warnings(void **state)
{
    struct fixture *f = *state;
    char on_lot[ZL_DISPO_ID_MAX], on_product[ZL_DISPO_ID_MAX];
    struct zl_error err = {0};
    struct seen s = {0};
    int64_t t = at(2026, 11, 2, 2);
    int n;

    parties(f->s);
    open_case(f->s, "(01)" GTIN "(10)K1", t, on_lot);
    open_case(f->s, NULL, t + 1000, on_product);
    n = act(f->s, on_lot, ZL_DISPO_WARNING, "reg-11", t, NULL);
    act(f->s, on_product, ZL_DISPO_WARNING, "reg-11", t, NULL);
    assert_int_equal(zl_dispo_warnings(f->s, GTIN, "K1", warn_cb, &s), 0);
    assert_int_equal(s.n, 2); /* its lot's and the product's */
    s.n = 0;
    assert_int_equal(zl_dispo_warnings(f->s, GTIN, "K2", warn_cb, &s), 0);
    assert_int_equal(s.n, 1); /* the product's only */
    assert_string_equal(s.last, on_product);
    s.n = 0;
    assert_int_equal(
        zl_dispo_warnings(f->s, "09506000134369", NULL, warn_cb, &s), 0);
    assert_int_equal(s.n, 0);
    /* withdrawn when done */
    assert_int_equal(zl_dispo_done(f->s, on_lot, n, "reg-11", NULL, NULL, t,
                                   NULL, NULL, &err),
                     0);
    s.n = 0;
    assert_int_equal(zl_dispo_warnings(f->s, GTIN, "K1", warn_cb, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last, on_product);
}

/* ---- opening: subjects and sources -------------------------------------- */

static void test_open_refused(void **state)
{
    struct fixture *f = *state;
    struct zl_dispo_open_in in = {0};
    struct zl_error err = {0};
    struct errs e = {0};
    char id[ZL_DISPO_ID_MAX];

    parties(f->s);
    in.actor = "reg-11";
    in.source = "rumour";
    in.gtin = "09506000134353"; /* bad check digit */
    in.lot = "(01)09506000134369(10)K1";
    in.hazard = "";
    assert_int_equal(zl_dispo_open(f->s, &in, id, err_cb, &e, &err), ZL_EINVAL);
    assert_true(has_field(&e, "source"));
    assert_true(has_field(&e, "gtin"));
    assert_true(has_field(&e, "hazard"));
    e.n = 0;
    in.source = "report";
    in.ref = "C-20260101-000000000000";
    in.gtin = GTIN;
    in.hazard = "x";
    assert_int_equal(zl_dispo_open(f->s, &in, id, err_cb, &e, &err), ZL_EINVAL);
    assert_true(has_field(&e, "ref"));
    assert_true(has_field(&e, "lot")); /* a batch of another GTIN */
    assert_int_equal(n_records(f->s), 0);
    assert_string_equal(id, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deadlines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
