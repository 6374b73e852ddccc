/*
 * test_credit_draw.c - a draw weighted by credit classes computed from the
 * published spot checks (lib/supervise/credit_link.c) on every backend
 * (store_fixture.h).
 *
 * Six enterprises all registered as class B. Plan P1 draws three of them;
 * task 1 fails (aflatoxin M1 0.62 > 0.5 µg/kg, GB 19301-2010), is
 * notified on 2026-02-05 and published, never rectified; task 2 passes
 * and is published; task 3 fails but is not published. Plan P2, with
 * "credit": "computed" and its period from 2026-05-01, then scores by
 * hand (docs/sampling.md's default rule, every event under a year old,
 * weight 1):
 *   task 1's enterprise: spot-fail 10 + overdue-rectification 10 (the 60
 *                        days of Order 18 art. 46 from 2026-02-05 end on
 *                        2026-04-06, a 清明 holiday in the State Council's
 *                        notice, so the deadline is 04-07 and the event
 *                        04-08, before 05-01) = 20: B (10 <= 20 < 30)
 *   task 2's enterprise: spot-pass -2, floored at 0: A
 *   task 3's and the rest: no published event: A
 * so the registry's B is replaced for five of the six. The draw states
 * the snapshot, verify re-runs it from the store, the export re-runs it
 * from public data alone, and an export whose class differs from the
 * snapshot fails; records logged after P2 do not move it.
 */
#define FIXTURE_NAME "credit_draw"

#include "zhiliang/inspect.h"
#include "zhiliang/log.h"
#include "zhiliang/audit.h"
#include "zhiliang/party.h"
#include "zhiliang/recall.h"
#include "zhiliang/zhiliang.h"
#include "recall/recall_int.h"
#include "store/store.h"
#include "store/store_recall.h"
#include "supervise/sup_int.h"
#include "util/jcs.h"
#include "zhiliang/risk_intake.h"
#include "zhiliang/spotcheck.h"

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
#include "sup_fixture.h"

/* The schema a store had before the credit index (its step 17 -> 18): a
 * store set back to it upgrades through that step and every later one. */
#define SCHEMA_BEFORE_CREDIT_INDEX 17

static void same_both_ways(zl_store *s, const char *u, const char *day);
static void upgrade_keeps(struct fixture *f, char (*u)[19], size_t n,
                          const char *day);

/* zl_spot_results for enterprise u (the index path) gives the rows the
 * unfiltered list has for u, n_min of them at least. */
static void spot_same(zl_store *s, const char *u, size_t n_min)
{
    struct zl_spot_filter flt = {0};
    struct zl_error err = {0};
    struct zl_buf a, b;
    json_t *all, *one, *want, *r;
    json_error_t je;
    size_t i;

    zl_buf_init(&a, 1 << 22);
    zl_buf_init(&b, 1 << 22);
    assert_int_equal(zl_spot_results(s, NULL, NULL, NULL, &a, &err), 0);
    flt.uscc = u;
    assert_int_equal(zl_spot_results(s, &flt, NULL, NULL, &b, &err), 0);
    all = json_loadb((const char *)a.data, a.len, 0, &je);
    one = json_loadb((const char *)b.data, b.len, 0, &je);
    assert_non_null(all);
    assert_non_null(one);
    want = json_array();
    json_array_foreach(json_object_get(all, "results"), i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "uscc")), u))
            json_array_append(want, r);
    }
    assert_true(json_array_size(want) >= n_min);
    assert_true(json_equal(want, json_object_get(one, "results")));
    json_decref(want);
    json_decref(all);
    json_decref(one);
    zl_buf_cleanup(&a);
    zl_buf_cleanup(&b);
}

static void grow(zl_store *s, int n)
{
    char j[256];
    static int serial;

    for (int i = 0; i < n; i++) {
        snprintf(j, sizeof j,
                 "{\"code\":\"X%d\",\"name_zh\":\"x\",\"standard\":\"s\","
                 "\"items\":[{\"item\":\"a\",\"name_zh\":\"a\",\"max\":\"1\","
                 "\"unit\":\"u\",\"method\":\"m\"}]}",
                 ++serial);
        put(s, ZL_SUP_CATEGORY, j);
    }
}

static void step(zl_store *s, const char *task, const char *st,
                 const char *json)
{
    struct zl_error err = {0};

    if (zl_spot_record(s, NULL, task, st, json, strlen(json), NULL, NULL, NULL,
                       &err))
        fail_msg("%s %s: %s: %s", task, st, err.path, err.rule);
}

static json_t *load(struct zl_buf *b)
{
    json_error_t je;
    json_t *o = json_loadb((const char *)b->data, b->len, 0, &je);

    assert_non_null(o);
    return o;
}

/* One task of P1 through sample, report (aflatoxin value), notify and,
 * when published, publish. Its USCC into uscc. */
static void spot(zl_store *s, json_t *draw, int n, const char *afla,
                 int published, char uscc[19])
{
    json_t *t = json_array_get(json_object_get(draw, "tasks"), (size_t)n - 1);
    char task[16], j[512];

    snprintf(uscc, 19, "%s", json_string_value(json_object_get(t, "uscc")));
    snprintf(task, sizeof task, "P1:%d", n);
    snprintf(j, sizeof j,
             "{\"date\":\"2026-01-20\",\"product\":\"生牛乳\",\"lot\":"
             "\"(01)06901234567892(10)B%d\",\"quantity\":4,\"codes\":["
             "\"(01)06901234567892(10)B%d(21)1\"],\"samplers\":[\"%s\"]}",
             n, n,
             json_string_value(json_array_get(json_object_get(t, "team"), 0)));
    step(s, task, "sample", j);
    snprintf(j, sizeof j,
             "{\"date\":\"2026-02-04\",\"report_no\":\"R%d\",\"lab\":\"L\","
             "\"items\":[{\"item\":\"protein\",\"value\":\"3.05\"},"
             "{\"item\":\"aflatoxin_m1\",\"value\":\"%s\"}]}",
             n, afla);
    step(s, task, "report", j);
    step(s, task, "notify", "{\"date\":\"2026-02-05\"}");
    if (published)
        step(s, task, "publish", "{\"date\":\"2026-02-10\"}");
}

static const char *cls_of(json_t *export, const char *uscc)
{
    size_t i;
    json_t *e;

    json_array_foreach(json_object_get(export, "enterprises"), i, e) if (
        !strcmp(json_string_value(json_object_get(e, "uscc")),
                uscc)) return json_string_value(json_object_get(e, "credit"));
    return "(absent)";
}

static void test_computed_credit(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_buf out, ex;
    const char *p1 = "{\"id\":\"P1\",\"categories\":[\"RAW_MILK\"],"
                     "\"regions\":[\"13\"],\"count\":3,\"team\":2,"
                     "\"beacon_distance\":2}";
    const char *p2 = "{\"id\":\"P2\",\"categories\":[\"RAW_MILK\"],"
                     "\"regions\":[\"13\"],\"count\":2,\"team\":2,"
                     "\"beacon_distance\":2,\"credit\":\"computed\","
                     "\"period\":{\"from\":\"2026-05-01\",\"to\":"
                     "\"2026-05-31\"}}";
    const char *bad = "{\"id\":\"P3\",\"categories\":[\"RAW_MILK\"],"
                      "\"regions\":[\"13\"],\"count\":2,\"credit\":"
                      "\"computed\"}";
    char j[512], u[19], fail1[19], pass2[19], unpub3[19];
    json_t *d, *cr, *c, *x;
    size_t n_b = 0, i;

    put(f->s, ZL_SUP_CATEGORY,
        "{\"code\":\"RAW_MILK\",\"name_zh\":\"生乳\",\"standard\":\"GB "
        "19301-2010\",\"items\":[{\"item\":\"protein\",\"name_zh\":\"蛋白质\","
        "\"min\":\"2.8\",\"unit\":\"g/100g\",\"method\":\"GB 5009.5\"},"
        "{\"item\":\"aflatoxin_m1\",\"name_zh\":\"黄曲霉毒素M1\",\"max\":"
        "\"0.5\",\"unit\":\"µg/kg\",\"method\":\"GB 5009.24\"}]}");
    for (unsigned k = 0; k < 6; k++) {
        make_uscc("130102", 700 + k, u);
        snprintf(j, sizeof j,
                 "{\"uscc\":\"%s\",\"name\":\"乳企%u\",\"region\":\"130102\","
                 "\"categories\":[\"RAW_MILK\"],\"credit\":\"B\"}",
                 u, k);
        put(f->s, ZL_SUP_ENTERPRISE, j);
        snprintf(j, sizeof j,
                 "{\"id\":\"I%u\",\"name\":\"检查员%u\",\"unit\":\"X%u\","
                 "\"region\":\"130102\",\"qualifications\":[\"RAW_MILK\"]}",
                 k, k, k);
        put(f->s, ZL_SUP_INSPECTOR, j);
    }
    /* computed classes need a scoring day */
    assert_int_equal(zl_inspect_plan(f->s, NULL, bad, strlen(bad), NULL, &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "credit");

    zl_buf_init(&out, 1 << 22);
    zl_buf_init(&ex, 1 << 22);
    assert_int_equal(zl_inspect_plan(f->s, NULL, p1, strlen(p1), NULL, &err),
                     0);
    grow(f->s, 2);
    assert_int_equal(zl_inspect_draw(f->s, NULL, "P1", NULL, &out, &err), 0);
    d = load(&out);
    spot(f->s, d, 1, "0.62", 1, fail1);
    spot(f->s, d, 2, "0.20", 1, pass2);
    spot(f->s, d, 3, "0.70", 0, unpub3);
    json_decref(d);

    assert_int_equal(zl_inspect_plan(f->s, NULL, p2, strlen(p2), NULL, &err),
                     0);
    grow(f->s, 2);
    zl_buf_reset(&out);
    assert_int_equal(zl_inspect_draw(f->s, NULL, "P2", NULL, &out, &err), 0);
    d = load(&out);
    cr = json_object_get(d, "credit");
    assert_string_equal(json_string_value(json_object_get(cr, "source")),
                        "computed");
    assert_string_equal(json_string_value(json_object_get(cr, "day")),
                        "2026-05-01");
    c = json_object_get(json_object_get(cr, "classes"), fail1);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "class")), "B");
    assert_int_equal(json_array_size(json_object_get(c, "events")), 2);
    x = json_array_get(json_object_get(c, "events"), 1);
    assert_string_equal(json_string_value(json_object_get(x, "kind")),
                        "overdue-rectification");
    assert_string_equal(json_string_value(json_object_get(x, "date")),
                        "2026-04-08");
    c = json_object_get(json_object_get(cr, "classes"), pass2);
    assert_string_equal(json_string_value(json_object_get(c, "class")), "A");
    /* the unpublished failure never reaches the public snapshot */
    assert_null(json_object_get(json_object_get(cr, "classes"), unpub3));
    json_decref(d);

    assert_int_equal(zl_inspect_verify(f->s, "P2", NULL, &err), 0);
    assert_int_equal(zl_inspect_export(f->s, "P2", &ex), 0);
    d = load(&ex);
    assert_string_equal(cls_of(d, fail1), "B");
    assert_string_equal(cls_of(d, pass2), "A");
    assert_string_equal(cls_of(d, unpub3), "A");
    json_array_foreach(json_object_get(d, "enterprises"), i, x) n_b +=
        !strcmp(json_string_value(json_object_get(x, "credit")), "B");
    assert_int_equal((int)n_b, 1); /* the registry said B for all six */
    assert_int_equal(
        zl_inspect_verify_export((const char *)ex.data, ex.len, NULL, &err), 0);
    /* an export whose class is not the snapshot's */
    json_array_foreach(
        json_object_get(d, "enterprises"), i,
        x) if (!strcmp(json_string_value(json_object_get(x, "uscc")), pass2))
        json_object_set_new(x, "credit", json_string("D"));
    {
        char *t = json_dumps(d, JSON_COMPACT);

        assert_non_null(t);
        assert_int_equal(zl_inspect_verify_export(t, strlen(t), NULL, &err),
                         ZL_EVERIFY);
        assert_string_equal(err.path, "credit");
        free(t);
    }
    json_decref(d);

    /* after the plan: a rectification of task 1 and the third result
     * published. The draw of P2 stands: verify re-runs it identically. */
    step(f->s, "P1:1", "rectify", "{\"date\":\"2026-04-01\"}");
    step(f->s, "P1:3", "publish", "{\"date\":\"2026-02-12\"}");
    assert_int_equal(zl_inspect_verify(f->s, "P2", NULL, &err), 0);
    /* credit show through the index: what the scan of everything gives */
    for (const char *day = "2026-02-20"; day;
         day = strcmp(day, "2026-02-20") ? NULL : "2026-06-01") {
        same_both_ways(f->s, fail1, day);
        same_both_ways(f->s, pass2, day);
        same_both_ways(f->s, unpub3, day);
    }
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* an enterprise's published results through the index: the rows the
     * whole list has for it */
    spot_same(f->s, fail1, 1);
    spot_same(f->s, pass2, 1);
    spot_same(f->s, unpub3, 1);
    {
        char u3[3][19];

        memcpy(u3[0], fail1, 19);
        memcpy(u3[1], pass2, 19);
        memcpy(u3[2], unpub3, 19);
        upgrade_keeps(f, u3, 3, "2026-06-01");
        spot_same(f->s, fail1, 1);
    }
    zl_buf_cleanup(&out);
    zl_buf_cleanup(&ex);
}

/* ---- rule 2: penalties and upheld complaints ------------------------------
 *
 * Six enterprises registered as A, none with a spot check. Logged before
 * plan P2 (credit rule 2 by default, scored on 2026-05-01, every event
 * under a year old, weight 1; docs/credit.md):
 *   E0  a serious penalty (30)                                -> 30: C
 *   E1  a penalty (10); a second penalty, then revoked (0)    -> 10: B
 *   E2  an upheld complaint (2) and a penalty (10)            -> 12: B
 *   E3  a rejected complaint; a complaint with no finding     ->  0: A
 *   E4  a penalty dated after the scoring day (2026-06-01)    ->  0: A
 *   E5  a penalty logged after P2 was fixed                   ->  0: A
 * Plan P1, the same scope with "credit_rule": 1 (spot checks only), gives
 * all six A. `credit show` as of today counts E5's penalty too.
 */

/* credit show through the per-enterprise index and through the scan of
 * every record (the path before the index) give the same bytes. */
static void same_both_ways(zl_store *s, const char *u, const char *day)
{
    struct zl_error err = {0};
    struct zl_buf a, b;

    zl_buf_init(&a, 1 << 22);
    zl_buf_init(&b, 1 << 22);
    assert_int_equal(sup_credit_show(s, u, day, 1, &a, &err), 0);
    assert_int_equal(sup_credit_show(s, u, day, 0, &b, &err), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    zl_buf_cleanup(&a);
    zl_buf_cleanup(&b);
}

/* A store from before the credit index (schema 17: no sup_records.uscc,
 * no "uscc:" recall identifiers) upgraded on open: verify passes and
 * credit show gives each enterprise of u[0..n) what it gave before. */
static void upgrade_keeps(struct fixture *f, char (*u)[19], size_t n,
                          const char *day)
{
    struct zl_error err = {0};
    struct zl_buf before[8], after;
    char v[16];
    int ver = 0;

    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        zl_buf_init(&before[i], 1 << 22);
        assert_int_equal(zl_credit_show(f->s, u[i], day, &before[i], &err), 0);
    }
    assert_int_equal(zl_store_exec_sql(f->s,
                                       "DROP INDEX sup_records_uscc;"
                                       "ALTER TABLE sup_records DROP COLUMN"
                                       " uscc;"
                                       "DELETE FROM recall_ids WHERE id LIKE"
                                       " 'uscc:%'"),
                     0);
    snprintf(v, sizeof v, "%d", SCHEMA_BEFORE_CREDIT_INDEX);
    assert_int_equal(
        zl_store_meta_set(f->s, "store.schema_version", v, strlen(v)), 0);
    zl_close(f->s);
    assert_int_equal(zl_open(f->uri, &f->s, &err), 0);
    assert_int_equal(zl_store_schema_version(f->s, &ver), 0);
    assert_int_equal(ver, ZL_STORE_SCHEMA_VERSION);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        zl_buf_init(&after, 1 << 22);
        assert_int_equal(zl_credit_show(f->s, u[i], day, &after, &err), 0);
        assert_int_equal(after.len, before[i].len);
        assert_memory_equal(after.data, before[i].data, after.len);
        same_both_ways(f->s, u[i], day);
        zl_buf_cleanup(&after);
        zl_buf_cleanup(&before[i]);
    }
}

static void put_ok(int rc, const struct zl_error *err)
{
    if (rc)
        fail_msg("%d %s: %s", rc, err->path, err->rule);
}

static void penalty(zl_store *s, const char *u, const char *no,
                    const char *date, const char *extra)
{
    struct zl_error err = {0};
    char j[512];

    snprintf(j, sizeof j,
             "{\"uscc\":\"%s\",\"decision\":\"%s\",\"date\":\"%s\","
             "\"authority\":\"石家庄市市场监督管理局\"%s}",
             u, no, date, extra);
    put_ok(zl_sup_penalty_put(s, NULL, j, strlen(j), &err), &err);
}

static void complaint(zl_store *s, const char *u, char id[ZL_RISK_ID_MAX])
{
    struct zl_risk_intake_opts o = {0};
    struct zl_error err = {0};
    char j[256];

    o.now_ms = 1772668800000LL; /* 2026-03-05T00:00:00Z */
    snprintf(j, sizeof j,
             "{\"occurred\":\"2026-03-01\",\"region\":\"130102\","
             "\"enterprise\":\"%s\",\"description\":\"牛奶有异味\"}",
             u);
    put_ok(zl_risk_submit(s, ZL_RISK_COMPLAINT, j, strlen(j), &o, id, NULL,
                          NULL, &err),
           &err);
}

static void finding(zl_store *s, const char *id, const char *outcome)
{
    struct zl_error err = {0};
    char j[256];

    snprintf(j, sizeof j,
             "{\"report\":\"%s\",\"outcome\":\"%s\",\"date\":\"2026-03-20\"}",
             id, outcome);
    put_ok(zl_sup_finding_put(s, NULL, j, strlen(j), &err), &err);
}

static const char *snap_class(json_t *d, const char *u)
{
    json_t *c = json_object_get(
        json_object_get(json_object_get(d, "credit"), "classes"), u);

    return c ? json_string_value(json_object_get(c, "class")) : "A";
}

static void test_rule2_evidence(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_buf out;
    const char *p1 = "{\"id\":\"P1\",\"categories\":[\"RAW_MILK\"],"
                     "\"regions\":[\"13\"],\"count\":6,\"team\":2,"
                     "\"beacon_distance\":2,\"credit\":\"computed\","
                     "\"credit_rule\":1,\"period\":{\"from\":\"2026-05-01\","
                     "\"to\":\"2026-05-31\"}}";
    const char *p2 = "{\"id\":\"P2\",\"categories\":[\"RAW_MILK\"],"
                     "\"regions\":[\"13\"],\"count\":6,\"team\":2,"
                     "\"beacon_distance\":2,\"credit\":\"computed\","
                     "\"period\":{\"from\":\"2026-05-01\",\"to\":"
                     "\"2026-05-31\"}}";
    char e[6][19], j[512], c2[ZL_RISK_ID_MAX], c3[ZL_RISK_ID_MAX],
        c3b[ZL_RISK_ID_MAX], bad[19];
    json_t *d, *ev;

    put(f->s, ZL_SUP_CATEGORY,
        "{\"code\":\"RAW_MILK\",\"name_zh\":\"生乳\",\"standard\":\"GB "
        "19301-2010\",\"items\":[{\"item\":\"protein\",\"name_zh\":\"蛋白质\","
        "\"min\":\"2.8\",\"unit\":\"g/100g\",\"method\":\"GB 5009.5\"}]}");
    for (unsigned k = 0; k < 6; k++) {
        make_uscc("130102", 800 + k, e[k]);
        snprintf(j, sizeof j,
                 "{\"uscc\":\"%s\",\"name\":\"乳企%u\",\"region\":\"130102\","
                 "\"categories\":[\"RAW_MILK\"],\"credit\":\"A\"}",
                 e[k], k);
        put(f->s, ZL_SUP_ENTERPRISE, j);
        snprintf(j, sizeof j,
                 "{\"id\":\"I%u\",\"name\":\"检查员%u\",\"unit\":\"X%u\","
                 "\"region\":\"130102\",\"qualifications\":[\"RAW_MILK\"]}",
                 k, k, k);
        put(f->s, ZL_SUP_INSPECTOR, j);
    }

    /* clear errors, nothing stored */
    make_uscc("130102", 999, bad);
    snprintf(j, sizeof j,
             "{\"uscc\":\"%s\",\"decision\":\"X1\",\"date\":\"2026-03-01\"}",
             bad);
    assert_int_equal(zl_sup_penalty_put(f->s, NULL, j, strlen(j), &err),
                     ZL_ENOTFOUND);
    assert_string_equal(err.path, "uscc");
    snprintf(j, sizeof j,
             "{\"uscc\":\"%s\",\"decision\":\"a:b\",\"date\":\"2026-03-01\"}",
             e[0]);
    assert_int_equal(zl_sup_penalty_put(f->s, NULL, j, strlen(j), &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "decision");
    snprintf(j, sizeof j,
             "{\"uscc\":\"%s\",\"decision\":\"X1\",\"date\":\"2026-02-30\"}",
             e[0]);
    assert_int_equal(zl_sup_penalty_put(f->s, NULL, j, strlen(j), &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "date");
    snprintf(j, sizeof j,
             "{\"uscc\":\"%s\",\"decision\":\"X1\",\"date\":\"2026-03-01\","
             "\"fine\":5}",
             e[0]);
    assert_int_equal(zl_sup_penalty_put(f->s, NULL, j, strlen(j), &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "fine");
    snprintf(j, sizeof j,
             "{\"report\":\"C-NOPE\",\"outcome\":\"upheld\",\"date\":"
             "\"2026-03-20\"}");
    assert_int_equal(zl_sup_finding_put(f->s, NULL, j, strlen(j), &err),
                     ZL_ENOTFOUND);
    assert_string_equal(err.path, "report");

    penalty(f->s, e[0], "冀石市监处罚〔2026〕1号", "2026-03-01",
            ",\"serious\":true");
    penalty(f->s, e[1], "冀石市监处罚〔2026〕2号", "2026-03-02", "");
    penalty(f->s, e[1], "冀石市监处罚〔2026〕3号", "2026-03-03", "");
    penalty(f->s, e[1], "冀石市监处罚〔2026〕3号", "2026-03-03",
            ",\"revoked\":true");
    complaint(f->s, e[2], c2);
    finding(f->s, c2, "upheld");
    penalty(f->s, e[2], "冀石市监处罚〔2026〕4号", "2026-03-04", "");
    complaint(f->s, e[3], c3);
    finding(f->s, c3, "rejected");
    complaint(f->s, e[3], c3b);
    snprintf(j, sizeof j,
             "{\"report\":\"%s\",\"outcome\":\"maybe\",\"date\":"
             "\"2026-03-20\"}",
             c3b);
    assert_int_equal(zl_sup_finding_put(f->s, NULL, j, strlen(j), &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "outcome");
    penalty(f->s, e[4], "冀石市监处罚〔2026〕5号", "2026-06-01", "");

    zl_buf_init(&out, 1 << 22);
    assert_int_equal(zl_inspect_plan(f->s, NULL, p1, strlen(p1), NULL, &err),
                     0);
    assert_int_equal(zl_inspect_plan(f->s, NULL, p2, strlen(p2), NULL, &err),
                     0);
    penalty(f->s, e[5], "冀石市监处罚〔2026〕6号", "2026-03-06",
            ",\"serious\":true");
    grow(f->s, 2);

    assert_int_equal(zl_inspect_draw(f->s, NULL, "P2", NULL, &out, &err), 0);
    d = load(&out);
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(d, "credit"), "rule")),
                     2);
    assert_string_equal(snap_class(d, e[0]), "C");
    assert_string_equal(snap_class(d, e[1]), "B");
    assert_string_equal(snap_class(d, e[2]), "B");
    assert_string_equal(snap_class(d, e[3]), "A");
    assert_string_equal(snap_class(d, e[4]), "A");
    assert_string_equal(snap_class(d, e[5]), "A");
    ev = json_object_get(
        json_object_get(
            json_object_get(json_object_get(d, "credit"), "classes"), e[2]),
        "events");
    assert_int_equal(json_array_size(ev), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(ev, 0), "kind")),
        "penalty");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(ev, 1), "kind")),
        "complaint");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(ev, 1), "ref")), c2);
    json_decref(d);
    assert_int_equal(zl_inspect_verify(f->s, "P2", NULL, &err), 0);

    /* rule 1: spot checks only, so every class is A */
    zl_buf_reset(&out);
    assert_int_equal(zl_inspect_draw(f->s, NULL, "P1", NULL, &out, &err), 0);
    d = load(&out);
    assert_null(json_object_get(json_object_get(d, "credit"), "rule"));
    assert_int_equal(json_object_size(json_object_get(
                         json_object_get(d, "credit"), "classes")),
                     0);
    json_decref(d);
    assert_int_equal(zl_inspect_verify(f->s, "P1", NULL, &err), 0);

    /* after the plans: the upheld finding becomes rejected. P2 stands. */
    finding(f->s, c2, "rejected");
    assert_int_equal(zl_inspect_verify(f->s, "P2", NULL, &err), 0);

    /* credit show: today's records, E5's serious penalty included */
    zl_buf_reset(&out);
    assert_int_equal(zl_credit_show(f->s, e[5], "2026-05-01", &out, &err), 0);
    d = load(&out);
    assert_string_equal(json_string_value(json_object_get(d, "class")), "C");
    assert_int_equal(json_array_size(json_object_get(d, "lines")), 1);
    assert_true(json_number_value(json_object_get(d, "score")) == 30);
    json_decref(d);
    zl_buf_reset(&out);
    assert_int_equal(zl_credit_show(f->s, e[2], "2026-05-01", &out, &err), 0);
    d = load(&out);
    assert_string_equal(json_string_value(json_object_get(d, "class")), "B");
    assert_true(json_number_value(json_object_get(d, "score")) == 10);
    json_decref(d);
    assert_int_equal(zl_credit_show(f->s, "91XX", "2026-05-01", &out, &err),
                     ZL_EINVAL);
    assert_int_equal(zl_credit_show(f->s, bad, "2026-05-01", &out, &err),
                     ZL_ENOTFOUND);
    assert_string_equal(err.path, "uscc");
    assert_int_equal(zl_credit_show(f->s, e[0], "2026-5-1", &out, &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "at");
    zl_buf_cleanup(&out);
    /* the index gives each enterprise what the scan of everything gives */
    for (unsigned k = 0; k < 6; k++) {
        same_both_ways(f->s, e[k], "2026-05-01");
        same_both_ways(f->s, e[k], "2026-03-03");
    }
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    upgrade_keeps(f, e, 6, "2026-05-01");
}

/* ---- recalls: the enterprise recorded when the case opens ---------------- */

static const char RDOC[] =
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":"
    "\"2.0\",\"creationDate\":\"2026-03-01T00:00:00Z\",\"epcisBody\":{"
    "\"eventList\":[{\"type\":\"ObjectEvent\",\"eventTime\":"
    "\"2026-03-01T08:00:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\","
    "\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"quantityList\":[{"
    "\"epcClass\":\"https://id.gs1.org/01/06901234567892/10/B1120\","
    "\"quantity\":100,\"uom\":\"EA\"}]}]}}";

static void party(zl_store *s, const char *id, const char *u,
                  const char *prefix)
{
    struct zl_party p = {0};
    struct zl_error err = {0};
    const char *pre[1] = {prefix};

    p.id = id;
    p.name_zh = id;
    p.uscc = u;
    p.prefixes = prefix ? pre : NULL;
    p.n_prefixes = prefix ? 1 : 0;
    p.kind = ZL_PARTY_ENTERPRISE;
    put_ok(zl_party_add(s, &p, 1, NULL, &err), &err);
}

static int lines_of(zl_store *s, const char *u, const char *kind)
{
    struct zl_error err = {0};
    struct zl_buf out;
    json_t *d, *l;
    size_t i;
    int n = 0;

    zl_buf_init(&out, 1 << 22);
    assert_int_equal(zl_credit_show(s, u, "2026-12-31", &out, &err), 0);
    d = load(&out);
    json_array_foreach(json_object_get(d, "lines"), i, l)
    {
        n += !strcmp(json_string_value(json_object_get(l, "kind")), kind);
    }
    json_decref(d);
    zl_buf_cleanup(&out);
    same_both_ways(s, u, "2026-12-31");
    return n;
}

/* Log a copy of case c's open record without "enterprises", as cases
 * were written before they recorded them, under case id legacy. */
static void legacy_case(zl_store *s, const char *c, const char *legacy)
{
    struct zl_recall_derived d;
    struct zl_buf b;
    char *json = NULL, key[128];
    size_t len = 0;
    json_error_t je;
    json_t *o;

    assert_int_equal(zl_store_recall_record_get(s, c, 1, &json, &len), 0);
    o = json_loadb(json, len, 0, &je);
    assert_non_null(o);
    free(json);
    assert_int_equal(json_object_del(o, "enterprises"), 0);
    json_object_set_new(o, "case", json_string(legacy));
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(zl_jcs_dump(o, &b), 0);
    json_decref(o);
    snprintf(key, sizeof key, "recall:%s:1", legacy);
    assert_int_equal(zl_store_begin(s), 0);
    assert_int_equal(zl_store_recall_record_put(s, legacy, 1, "open",
                                                (const char *)b.data, b.len),
                     0);
    assert_int_equal(zl_log_append(s, ZL_LEAF_RECALL, key, b.data, b.len, NULL),
                     0);
    /* its outbox row, as the writer appends it (verify pairs them) */
    assert_int_equal(zl_store_outbox_append(s, "recall", key, 1), 0);
    assert_int_equal(zl_recall_derive(s, legacy, &d), 0);
    assert_int_equal(zl_store_recall_case_put(s, &d.row), 0);
    /* the identifiers an older store has: the scope's, no "uscc:" row */
    for (size_t i = 0; i < d.n_ids; i++)
        if (strncmp(d.ids[i], "uscc:", 5))
            assert_int_equal(zl_store_recall_ids_put(
                                 s, legacy, (const char *const *)&d.ids[i], 1),
                             0);
    zl_recall_derived_cleanup(&d);
    assert_int_equal(zl_store_commit(s), 0);
    zl_buf_cleanup(&b);
}

static void test_recall_enterprise(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_capture_result res;
    struct zl_audit_stats st;
    const char *lots[1] = {"https://id.gs1.org/01/06901234567892/10/B1120"};
    char ua[19], ub[19], j[256], id[ZL_RECALL_ID_MAX];
    char *json = NULL;
    size_t len = 0;
    json_error_t je;
    json_t *o;

    make_uscc("130102", 900, ua);
    make_uscc("130102", 901, ub);
    for (int k = 0; k < 2; k++) {
        snprintf(j, sizeof j,
                 "{\"uscc\":\"%s\",\"name\":\"乳企%d\",\"region\":"
                 "\"130102\",\"categories\":[],\"credit\":\"A\"}",
                 k ? ub : ua, k);
        put(f->s, ZL_SUP_ENTERPRISE, j);
    }
    party(f->s, "maker-a", ua, "6901234");
    party(f->s, "maker-b", ub, NULL);
    put_ok(zl_capture(f->s, RDOC, strlen(RDOC), NULL, &res, &err), &err);
    put_ok(zl_recall_open(f->s, lots, 1, "检出致病菌", ZL_HAZARD_I, id, &err),
           &err);
    /* the open record names the enterprise, as the registry says now */
    assert_int_equal(zl_store_recall_record_get(f->s, id, 1, &json, &len), 0);
    o = json_loadb(json, len, 0, &je);
    free(json);
    assert_non_null(o);
    assert_int_equal(json_array_size(json_object_get(o, "enterprises")), 1);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(o, "enterprises"), 0)),
        ua);
    json_decref(o);
    assert_int_equal(lines_of(f->s, ua, "recall"), 1);
    assert_int_equal(lines_of(f->s, ub, "recall"), 0);

    /* the prefix moves to B: the old recall stays A's */
    party(f->s, "maker-a", ua, NULL);
    party(f->s, "maker-b", ub, "6901234");
    assert_int_equal(lines_of(f->s, ua, "recall"), 1);
    assert_int_equal(lines_of(f->s, ub, "recall"), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);

    /* a case written before cases recorded their enterprise: verify wants
     * its "uscc:" row (the upgrade adds it), then credit asks today's
     * registry, which says B */
    legacy_case(f->s, id, "legacy-case-1");
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), ZL_ETAMPER);
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(zl_credit_index_build(f->s, NULL), 0);
    assert_int_equal(zl_store_commit(f->s), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, &st), 0);
    assert_int_equal(lines_of(f->s, ua, "recall"), 1);
    assert_int_equal(lines_of(f->s, ub, "recall"), 1);
    {
        char u2[2][19];

        memcpy(u2[0], ua, 19);
        memcpy(u2[1], ub, 19);
        upgrade_keeps(f, u2, 2, "2026-12-31");
    }
    assert_int_equal(lines_of(f->s, ua, "recall"), 1);
    assert_int_equal(lines_of(f->s, ub, "recall"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_computed_credit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule2_evidence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recall_enterprise, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
