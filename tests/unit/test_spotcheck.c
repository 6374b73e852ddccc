/*
 * test_spotcheck.c - a drawn task followed to closure (zhiliang/spotcheck.h)
 * on every backend (store_fixture.h).
 *
 * The deadlines are checked against dates worked out by hand from the
 * State Council's 2026 holiday notice (data/calendar/cn-2026.csv quotes
 * it), not against the calendar code: a report on 2026-02-04 across the
 * Spring Festival, a 15-day re-test window ending on a holiday, a 60-day
 * rectification ending on 清明. The limits are GB 19301-2010's (raw milk:
 * protein >= 2.8 g/100g, aflatoxin M1 <= 0.5 µg/kg).
 */
#define FIXTURE_NAME "spotcheck"

#include "zhiliang/spotcheck.h"

#include "store/store.h"
#include "zhiliang/audit.h"
#include "zhiliang/inspect.h"
#include "zhiliang/log.h"

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

#define LOT  "(01)06901234567892(10)B1"
#define CODE "(01)06901234567892(10)B1(21)7"

/* A registry, a plan of two tasks in 130102, its draw. *sampler gets a
 * member of task 1's team (static storage). */
static void prepare(zl_store *s, const char **sampler)
{
    static char who[16];
    struct zl_error err = {0};
    struct zl_buf out;
    const char *plan = "{\"id\":\"P1\",\"categories\":[\"RAW_MILK\"],"
                       "\"regions\":[\"13\"],\"count\":2,\"team\":2,"
                       "\"beacon_distance\":2}";
    json_error_t je;
    json_t *d;
    char j[512], u[19];

    put(s, ZL_SUP_CATEGORY,
        "{\"code\":\"RAW_MILK\",\"name_zh\":\"生乳\",\"standard\":\"GB "
        "19301-2010\",\"items\":[{\"item\":\"protein\",\"name_zh\":\"蛋白质\","
        "\"min\":\"2.8\",\"unit\":\"g/100g\",\"method\":\"GB 5009.5\"},"
        "{\"item\":\"aflatoxin_m1\",\"name_zh\":\"黄曲霉毒素M1\",\"max\":"
        "\"0.5\",\"unit\":\"µg/kg\",\"method\":\"GB 5009.24\"}]}");
    for (unsigned i = 0; i < 6; i++) {
        make_uscc("130102", 500 + i, u);
        snprintf(j, sizeof j,
                 "{\"uscc\":\"%s\",\"name\":\"乳企%u\",\"region\":\"130102\","
                 "\"categories\":[\"RAW_MILK\"],\"credit\":\"B\"}",
                 u, i);
        put(s, ZL_SUP_ENTERPRISE, j);
    }
    for (unsigned i = 0; i < 6; i++) {
        snprintf(j, sizeof j,
                 "{\"id\":\"I%u\",\"name\":\"检查员%u\",\"unit\":\"X%u\","
                 "\"region\":\"130102\",\"qualifications\":[\"RAW_MILK\"]}",
                 i, i, i);
        put(s, ZL_SUP_INSPECTOR, j);
    }
    assert_int_equal(zl_inspect_plan(s, NULL, plan, strlen(plan), NULL, &err),
                     0);
    put(s, ZL_SUP_CATEGORY,
        "{\"code\":\"X1\",\"name_zh\":\"x\",\"standard\":\"s\",\"items\":[{"
        "\"item\":\"a\",\"name_zh\":\"a\",\"max\":\"1\",\"unit\":\"u\","
        "\"method\":\"m\"}]}");
    put(s, ZL_SUP_CATEGORY,
        "{\"code\":\"X2\",\"name_zh\":\"x\",\"standard\":\"s\",\"items\":[{"
        "\"item\":\"a\",\"name_zh\":\"a\",\"max\":\"1\",\"unit\":\"u\","
        "\"method\":\"m\"}]}");
    zl_buf_init(&out, 1 << 20);
    assert_int_equal(zl_inspect_draw(s, NULL, "P1", NULL, &out, &err), 0);
    d = json_loadb((const char *)out.data, out.len, 0, &je);
    assert_non_null(d);
    assert_int_equal(json_array_size(json_object_get(d, "tasks")), 2);
    snprintf(who, sizeof who, "%s",
             json_string_value(json_array_get(
                 json_object_get(json_array_get(json_object_get(d, "tasks"), 0),
                                 "team"),
                 0)));
    *sampler = who;
    json_decref(d);
    zl_buf_cleanup(&out);
}

static int step(zl_store *s, const char *task, const char *st, const char *json,
                struct zl_error *err)
{
    memset(err, 0, sizeof *err);
    return zl_spot_record(s, NULL, task, st, json, strlen(json), NULL, NULL,
                          NULL, err);
}

static int32_t day(const char *d)
{
    int32_t x = 0;

    assert_int_equal(zl_day_parse(d, strlen(d), &x), 0);
    return x;
}

static json_t *view(zl_store *s, const char *task, const char *at)
{
    struct zl_buf out;
    struct zl_error err = {0};
    json_error_t je;
    json_t *v;

    zl_buf_init(&out, 1 << 20);
    assert_int_equal(zl_spot_task(s, task, NULL, NULL, day(at), &out, &err), 0);
    v = json_loadb((const char *)out.data, out.len, 0, &je);
    assert_non_null(v);
    zl_buf_cleanup(&out);
    return v;
}

static const char *deadline(json_t *v, const char *st)
{
    size_t i;
    json_t *o;

    json_array_foreach(json_object_get(v, "open"), i, o) if (
        !strcmp(json_string_value(json_object_get(o, "step")),
                st)) return json_string_value(json_object_get(o, "deadline"));
    return "(not open)";
}

static void test_failed_to_closure(void **state)
{
    struct fixture *f = *state;
    struct zl_error err;
    struct zl_buf out;
    const char *who;
    char j[512];
    uint64_t n0, n1;
    json_t *v, *r, *it;
    json_error_t je;

    prepare(f->s, &who);
    /* out of order, bad input: refused, nothing logged */
    assert_int_equal(zl_log_size(f->s, &n0), 0);
    assert_int_equal(
        step(f->s, "P1:1", "report",
             "{\"date\":\"2026-02-04\",\"report_no\":\"R1\",\"lab\":\"L\","
             "\"items\":[{\"item\":\"protein\",\"value\":\"3\"},{\"item\":"
             "\"aflatoxin_m1\",\"value\":\"0.1\"}]}",
             &err),
        ZL_EINVAL);
    assert_non_null(strstr(err.rule, "no sampling record"));
    snprintf(j, sizeof j,
             "{\"date\":\"2026-01-20\",\"product\":\"生牛乳\",\"lot\":\"%s\","
             "\"quantity\":4,\"codes\":[\"(01)06901234567893(10)B1(21)7\"],"
             "\"samplers\":[\"%s\"]}",
             LOT, who);
    assert_int_equal(step(f->s, "P1:1", "sample", j, &err), ZL_EINVAL);
    assert_string_equal(err.path, "codes[0]");
    snprintf(j, sizeof j,
             "{\"date\":\"2026-01-20\",\"product\":\"生牛乳\",\"lot\":\"%s\","
             "\"quantity\":4,\"codes\":[\"%s\"],\"samplers\":[\"NOBODY\"]}",
             LOT, CODE);
    assert_int_equal(step(f->s, "P1:1", "sample", j, &err), ZL_EINVAL);
    assert_string_equal(err.path, "samplers");
    assert_int_equal(
        step(f->s, "P1:9", "notify", "{\"date\":\"2026-02-05\"}", &err),
        ZL_ENOTFOUND);
    assert_int_equal(step(f->s, "P1:1", "bogus", "{}", &err), ZL_EINVAL);
    assert_int_equal(zl_log_size(f->s, &n1), 0);
    assert_true(n0 == n1);

    snprintf(j, sizeof j,
             "{\"date\":\"2026-01-20\",\"product\":\"生牛乳\",\"lot\":\"%s\","
             "\"quantity\":4,\"codes\":[\"%s\"],\"samplers\":[\"%s\"]}",
             LOT, CODE, who);
    assert_int_equal(step(f->s, "P1:1", "sample", j, &err), 0);
    assert_int_equal(step(f->s, "P1:1", "sample", j, &err), ZL_EEXIST);
    /* 0.62 > 0.5: aflatoxin fails; 2.8 is exactly the protein minimum */
    assert_int_equal(
        step(f->s, "P1:1", "report",
             "{\"date\":\"2026-02-04\",\"report_no\":\"JC-42\",\"lab\":\"河北"
             "省食品检验研究院\",\"tester\":\"张三\",\"items\":[{\"item\":"
             "\"protein\",\"value\":\"2.8\"},{\"item\":\"aflatoxin_m1\","
             "\"value\":\"0.62\"}]}",
             &err),
        0);
    assert_int_equal(
        step(f->s, "P1:1", "stop-sale", "{\"date\":\"2026-02-05\"}", &err),
        ZL_EINVAL);
    assert_int_equal(
        step(f->s, "P1:1", "notify", "{\"date\":\"2026-02-03\"}", &err),
        ZL_EINVAL); /* before the report */
    assert_int_equal(
        step(f->s, "P1:1", "notify", "{\"date\":\"2026-02-05\"}", &err), 0);

    v = view(f->s, "P1:1", "2026-02-10");
    assert_string_equal(json_string_value(json_object_get(v, "verdict")),
                        "fail");
    it = json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(v, "steps"), 1),
                            "items"),
            0),
        "verdict");
    assert_string_equal(json_string_value(it), "pass"); /* 2.8 >= 2.8 */
    /* by hand: 02-05 + 15 = 02-20 (春节) -> 02-24; + 60 = 04-06 (清明) ->
     * 04-07; + 75 = 04-21; 20 working days after 02-04, counting the
     * make-up Saturdays 02-14 and 02-28 and skipping 02-15..23: 03-10 */
    assert_string_equal(deadline(v, "retest-apply"), "2026-02-24");
    assert_string_equal(deadline(v, "stop-sale"), "2026-02-05");
    assert_string_equal(deadline(v, "rectify"), "2026-04-07");
    assert_string_equal(deadline(v, "recheck"), "2026-04-21");
    assert_string_equal(deadline(v, "publish"), "2026-03-10");
    assert_true(json_is_true(json_object_get(v, "overdue"))); /* stop-sale */
    json_decref(v);

    assert_int_equal(
        step(f->s, "P1:1", "retest", "{\"date\":\"2026-02-25\"}", &err),
        ZL_EINVAL);
    assert_non_null(strstr(err.rule, "2026-02-24"));
    assert_int_equal(step(f->s, "P1:1", "recheck",
                          "{\"date\":\"2026-03-01\",\"verdict\":\"pass\"}",
                          &err),
                     ZL_EINVAL);
    assert_int_equal(step(f->s, "P1:1", "retest",
                          "{\"date\":\"2026-02-24\",\"outcome\":\"upheld\"}",
                          &err),
                     0);
    assert_int_equal(
        step(f->s, "P1:1", "stop-sale", "{\"date\":\"2026-02-05\"}", &err), 0);
    assert_int_equal(step(f->s, "P1:1", "rectify",
                          "{\"date\":\"2026-03-20\",\"measures\":\"m\"}", &err),
                     0);
    assert_int_equal(step(f->s, "P1:1", "publish",
                          "{\"date\":\"2026-03-09\",\"handling\":\"责令整改\"}",
                          &err),
                     0);
    assert_int_equal(step(f->s, "P1:1", "recheck",
                          "{\"date\":\"2026-04-08\",\"verdict\":\"pass\"}",
                          &err),
                     0);
    v = view(f->s, "P1:1", "2026-04-30");
    assert_string_equal(json_string_value(json_object_get(v, "status")),
                        "closed");
    assert_int_equal(json_array_size(json_object_get(v, "steps")), 8);
    json_decref(v);
    v = view(f->s, "P1:1", "2026-04-01"); /* before the recheck */
    assert_string_equal(json_string_value(json_object_get(v, "status")),
                        "open");
    json_decref(v);

    /* task 2 passes and is published a day after its deadline */
    {
        /* a sampler of the task's own team */
        char *m;

        v = view(f->s, "P1:2", "2026-01-21");
        m = json_dumps(json_array_get(json_object_get(v, "team"), 0),
                       JSON_ENCODE_ANY);
        snprintf(j, sizeof j,
                 "{\"date\":\"2026-01-21\",\"product\":\"生牛乳\",\"lot\":"
                 "\"%s\",\"quantity\":2,\"codes\":[\"%s\"],\"samplers\":[%s]}",
                 LOT, CODE, m);
        free(m);
        json_decref(v);
    }
    assert_int_equal(step(f->s, "P1:2", "sample", j, &err), 0);
    assert_int_equal(
        step(f->s, "P1:2", "report",
             "{\"date\":\"2026-02-04\",\"report_no\":\"JC-43\",\"lab\":\"L\","
             "\"items\":[{\"item\":\"protein\",\"value\":\"3.1\"},{\"item\":"
             "\"aflatoxin_m1\",\"value\":\"0.5\"}]}",
             &err),
        0);
    assert_int_equal(
        step(f->s, "P1:2", "notify", "{\"date\":\"2026-02-05\"}", &err), 0);
    assert_int_equal(
        step(f->s, "P1:2", "rectify", "{\"date\":\"2026-02-06\"}", &err),
        ZL_EINVAL); /* a pass needs no follow-up */
    assert_int_equal(
        step(f->s, "P1:2", "publish", "{\"date\":\"2026-03-11\"}", &err), 0);

    zl_buf_init(&out, 1 << 20);
    assert_int_equal(zl_spot_results(f->s, NULL, NULL, NULL, &out, &err), 0);
    r = json_loadb((const char *)out.data, out.len, 0, &je);
    assert_non_null(r);
    assert_int_equal(json_array_size(json_object_get(r, "results")), 2);
    it = json_array_get(json_object_get(r, "results"), 0);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(it, "failed_items"), 0), "value")),
        "0.62");
    assert_true(json_is_true(json_object_get(it, "published_on_time")));
    it = json_array_get(json_object_get(r, "results"), 1);
    assert_true(json_is_false(json_object_get(it, "published_on_time")));
    assert_true(
        json_real_value(json_object_get(
            json_object_get(
                json_object_get(json_object_get(r, "pass_rate"), "by_category"),
                "RAW_MILK"),
            "rate")) == 0.5);
    /* nothing unpublished: no inspector, tester, sampler */
    zl_buf_addc(&out, '\0');
    assert_null(strstr((const char *)out.data, who));
    assert_null(strstr((const char *)out.data, "检查员"));
    assert_null(strstr((const char *)out.data, "张三"));
    assert_null(strstr((const char *)out.data, "samplers"));
    json_decref(r);
    zl_buf_reset(&out);
    {
        struct zl_spot_filter flt = {"RAW_MILK", "44", 0, 0, NULL, NULL};

        assert_int_equal(zl_spot_results(f->s, &flt, NULL, NULL, &out, &err),
                         0);
        r = json_loadb((const char *)out.data, out.len, 0, &je);
        assert_int_equal(json_array_size(json_object_get(r, "results")), 0);
        json_decref(r);
    }
    zl_buf_reset(&out);
    assert_int_equal(zl_spot_results_csv(f->s, NULL, &out, &err), 0);
    zl_buf_addc(&out, '\0');
    assert_non_null(strstr((const char *)out.data,
                           "aflatoxin_m1,黄曲霉毒素M1,0.62,,0.5,µg/kg"));
    zl_buf_cleanup(&out);

    /* the log accounts for every step; an edited step is caught */
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_true(fixture_sql_changes(
                    f->s, "UPDATE sup_records SET json = replace(json, "
                          "'\"0.62\"', '\"0.42\"') WHERE key = 'task:P1:1'"
                          " AND seq = 2") == 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), ZL_ETAMPER);
}

static void test_tasks_list(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct zl_buf out;
    const char *who;
    json_t *a;
    json_error_t je;

    prepare(f->s, &who);
    zl_buf_init(&out, 1 << 20);
    assert_int_equal(
        zl_spot_tasks(f->s, NULL, NULL, day("2026-02-01"), 0, &out, &err), 0);
    a = json_loadb((const char *)out.data, out.len, 0, &je);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(a, 1), "task")),
        "P1:2");
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_array_get(a, 0), "open"), 0),
            "step")),
        "sample");
    json_decref(a);
    /* no period in the plan: sampling has no deadline, nothing overdue */
    zl_buf_reset(&out);
    assert_int_equal(
        zl_spot_tasks(f->s, NULL, NULL, day("2026-12-01"), 1, &out, &err), 0);
    assert_int_equal((int)out.len, 2); /* [] */
    zl_buf_cleanup(&out);
}

/* The law's sequence after a failed recheck (Order 18 art. 47-48, 产品质量
 * 法 art. 17): announce, recheck 60-90 days after the announcement, stop
 * of business, recheck at the end of its period; each a logged record,
 * out-of-order ones refused, no fourth recheck. Deadlines by hand: the
 * announcement on 2026-03-25 opens the second recheck's window on
 * 2026-05-24 (day 60) and closes it on 2026-06-23 (day 90, a Tuesday:
 * no roll; 端午 is 06-19..21). */
static void test_rechecks(void **state)
{
    struct fixture *f = *state;
    struct zl_error err;
    struct zl_buf out;
    const char *who;
    char j[512];
    json_t *v, *r, *h;

    prepare(f->s, &who);
    snprintf(j, sizeof j,
             "{\"date\":\"2026-01-20\",\"product\":\"生牛乳\",\"lot\":\"%s\","
             "\"quantity\":4,\"codes\":[\"%s\"],\"samplers\":[\"%s\"]}",
             LOT, CODE, who);
    assert_int_equal(step(f->s, "P1:1", "sample", j, &err), 0);
    assert_int_equal(
        step(f->s, "P1:1", "report",
             "{\"date\":\"2026-02-04\",\"report_no\":\"JC-42\",\"lab\":\"L\","
             "\"items\":[{\"item\":\"protein\",\"value\":\"3\"},{\"item\":"
             "\"aflatoxin_m1\",\"value\":\"0.62\"}]}",
             &err),
        0);
    assert_int_equal(
        step(f->s, "P1:1", "notify", "{\"date\":\"2026-02-05\"}", &err), 0);
    assert_int_equal(
        step(f->s, "P1:1", "publish", "{\"date\":\"2026-02-20\"}", &err), 0);
    assert_int_equal(
        step(f->s, "P1:1", "rectify", "{\"date\":\"2026-03-01\"}", &err), 0);
    assert_int_equal(
        step(f->s, "P1:1", "announce", "{\"date\":\"2026-03-02\"}", &err),
        ZL_EINVAL); /* nothing failed a recheck yet */
    assert_int_equal(step(f->s, "P1:1", "recheck",
                          "{\"date\":\"2026-03-20\",\"verdict\":\"fail\"}",
                          &err),
                     0);
    assert_int_equal(step(f->s, "P1:1", "recheck",
                          "{\"date\":\"2026-03-21\",\"verdict\":\"pass\"}",
                          &err),
                     ZL_EINVAL);
    assert_non_null(strstr(err.rule, "announced"));
    assert_int_equal(
        step(f->s, "P1:1", "suspend", "{\"date\":\"2026-03-21\"}", &err),
        ZL_EINVAL);
    v = view(f->s, "P1:1", "2026-03-21");
    assert_string_equal(deadline(v, "second-recheck"), "(not open)");
    json_decref(v);
    assert_int_equal(
        step(f->s, "P1:1", "announce", "{\"date\":\"2026-03-19\"}", &err),
        ZL_EINVAL); /* before the recheck it announces */
    assert_int_equal(step(f->s, "P1:1", "announce",
                          "{\"date\":\"2026-03-25\",\"ref\":\"2026年第3号\"}",
                          &err),
                     0);
    v = view(f->s, "P1:1", "2026-03-26");
    assert_string_equal(deadline(v, "second-recheck"), "2026-06-23");
    json_decref(v);
    assert_int_equal(step(f->s, "P1:1", "recheck",
                          "{\"date\":\"2026-05-30\",\"verdict\":\"fail\"}",
                          &err),
                     0);
    assert_int_equal(
        step(f->s, "P1:1", "announce", "{\"date\":\"2026-05-31\"}", &err),
        ZL_EEXIST);
    assert_int_equal(step(f->s, "P1:1", "suspend",
                          "{\"date\":\"2026-06-01\",\"until\":\"2026-05-01\"}",
                          &err),
                     ZL_EINVAL); /* a period ending before it starts */
    assert_int_equal(step(f->s, "P1:1", "suspend",
                          "{\"date\":\"2026-06-01\",\"until\":\"2026-08-31\"}",
                          &err),
                     0);
    v = view(f->s, "P1:1", "2026-09-02");
    assert_string_equal(deadline(v, "recheck"), "2026-08-31");
    json_decref(v);
    assert_int_equal(step(f->s, "P1:1", "recheck",
                          "{\"date\":\"2026-09-01\",\"verdict\":\"fail\"}",
                          &err),
                     0);
    assert_int_equal(step(f->s, "P1:1", "recheck",
                          "{\"date\":\"2026-09-02\",\"verdict\":\"pass\"}",
                          &err),
                     ZL_EEXIST);
    assert_non_null(strstr(err.rule, "revoking"));
    /* the public handling lists every recheck, the announcement and the
     * stop of business in order */
    zl_buf_init(&out, 1 << 20);
    memset(&err, 0, sizeof err);
    assert_int_equal(zl_spot_results(f->s, NULL, NULL, NULL, &out, &err), 0);
    v = json_loadb((const char *)out.data, out.len, 0, NULL);
    assert_non_null(v);
    r = json_array_get(json_object_get(v, "results"), 0);
    h = json_object_get(r, "handling");
    assert_int_equal(json_array_size(h), 6);
    assert_string_equal(json_string_value(json_array_get(h, 1)),
                        "复查 / recheck 2026-03-20: fail");
    assert_string_equal(json_string_value(json_array_get(h, 2)),
                        "公告 / announced 2026-03-25 2026年第3号");
    assert_string_equal(json_string_value(json_array_get(h, 4)),
                        "停业整顿 / business stopped 2026-06-01 – 2026-08-31");
    assert_string_equal(json_string_value(json_array_get(h, 5)),
                        "复查 / recheck 2026-09-01: fail");
    json_decref(v);
    zl_buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_failed_to_closure, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tasks_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rechecks, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
