/*
 * test_supervise_pure.c - the supervision rules that need no store: the
 * working-day calendar against the State Council's notices for 2025 and
 * 2026 (dates counted by hand from the notices' text, not from our data
 * files), the legal clocks, GB/T 2828.1 switching on scripted histories
 * and the credit score.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/credit.h"
#include "zhiliang/switching.h"

#include "read_file.h"

#include <stdlib.h>
#include <string.h>

static int32_t D(const char *s)
{
    int32_t d = 0;

    assert_int_equal(zl_day_parse(s, strlen(s), &d), 0);
    return d;
}

static void assert_day(int32_t got, const char *want)
{
    char buf[11];

    zl_day_format(got, buf);
    assert_string_equal(buf, want);
}

static zl_calendar *cal_new(void)
{
    zl_calendar *cal = NULL;
    struct zl_error err = {0};

    assert_int_equal(zl_calendar_new(&cal, &err), 0);
    assert_non_null(cal);
    return cal;
}

static void test_days(void **state)
{
    int32_t d;
    char buf[11];

    (void)state;
    assert_int_equal(D("1970-01-01"), 0);
    assert_int_equal(zl_day_weekday(D("1970-01-01")), 4);
    /* The notice: 2月15日（周日）, 2月14日（周六）, 10月1日（周四）. */
    assert_int_equal(zl_day_weekday(D("2026-02-15")), 7);
    assert_int_equal(zl_day_weekday(D("2026-02-14")), 6);
    assert_int_equal(zl_day_weekday(D("2026-10-01")), 4);
    assert_int_equal(zl_day_weekday(D("2025-01-28")), 2); /* 除夕、周二 */
    assert_int_equal(zl_day_parse("2024-02-29", 10, &d), 0);
    assert_int_equal(zl_day_parse("2025-02-29", 10, &d), ZL_EINVAL);
    assert_int_equal(zl_day_parse("2025-13-01", 10, &d), ZL_EINVAL);
    assert_int_equal(zl_day_parse("2025-1-01", 9, &d), ZL_EINVAL);
    assert_int_equal(zl_day_parse("2025/01/01", 10, &d), ZL_EINVAL);
    zl_day_format(D("2026-12-31"), buf);
    assert_string_equal(buf, "2026-12-31");
    assert_int_equal(zl_day_year(D("2026-12-31")), 2026);
    assert_int_equal(zl_day_year(D("2027-01-01")), 2027);
}

static void test_calendar_kinds(void **state)
{
    zl_calendar *cal = cal_new();
    enum zl_day_kind k;
    const char *name = NULL;
    int w = -1, years[8];

    (void)state;
    assert_int_equal(zl_calendar_years(cal, years, 8), 2);
    assert_int_equal(years[0], 2025);
    assert_int_equal(years[1], 2026);
    assert_int_equal(
        zl_calendar_day(cal, D("2026-02-17"), &k, &name, NULL, NULL), 0);
    assert_int_equal(k, ZL_DAY_HOLIDAY);
    assert_non_null(name);
    assert_non_null(strstr(name, "春节"));
    assert_int_equal(
        zl_calendar_day(cal, D("2026-02-28"), &k, &name, NULL, NULL), 0);
    assert_int_equal(k, ZL_DAY_MAKEUP);
    assert_int_equal(
        zl_calendar_day(cal, D("2026-03-07"), &k, &name, NULL, NULL), 0);
    assert_int_equal(k, ZL_DAY_WEEKEND);
    assert_null(name);
    assert_int_equal(
        zl_calendar_day(cal, D("2026-03-09"), &k, &name, NULL, NULL), 0);
    assert_int_equal(k, ZL_DAY_WORK);
    /* 2025: 1月27日 (Monday before 除夕) is an ordinary working day. */
    assert_int_equal(
        zl_calendar_is_working(cal, D("2025-01-27"), &w, NULL, NULL), 0);
    assert_int_equal(w, 1);
    assert_int_equal(
        zl_calendar_is_working(cal, D("2025-01-26"), &w, NULL, NULL), 0);
    assert_int_equal(w, 1); /* 1月26日（周日）上班 */
    assert_int_equal(
        zl_calendar_is_working(cal, D("2025-10-08"), &w, NULL, NULL), 0);
    assert_int_equal(w, 0); /* 10月1日至8日 */
    zl_calendar_free(cal);
    zl_calendar_free(NULL);
}

static void test_calendar_spring_festival(void **state)
{
    zl_calendar *cal = cal_new();
    struct zl_error err = {0};
    int32_t out;
    int n, guessed = 0;

    (void)state;
    /* From Friday 13 February 2026: the make-up Saturday the 14th is the
     * first working day, the holiday runs 15-23, the 24th is the second. */
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-02-13"), 1, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2026-02-14");
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-02-13"), 2, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2026-02-24");
    /* 20 working days from 10 February 2026 (publication clock): 11, 12,
     * 13, 14 (Sat, make-up), 24, 25, 26, 27, 28 (Sat, make-up), 2-6 and
     * 9-13 March, 16 March. Counted by hand from the notice. */
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-02-10"), 20,
                                                  &out, &guessed, &err),
                     0);
    assert_day(out, "2026-03-16");
    assert_int_equal(zl_calendar_working_days_between(cal, D("2026-02-10"),
                                                      D("2026-03-16"), &n,
                                                      &guessed, &err),
                     0);
    assert_int_equal(n, 20);
    assert_int_equal(zl_calendar_working_days_between(cal, D("2026-02-13"),
                                                      D("2026-02-28"), &n,
                                                      &guessed, &err),
                     0);
    assert_int_equal(n, 6);
    assert_int_equal(zl_calendar_working_days_between(cal, D("2026-02-28"),
                                                      D("2026-02-13"), &n,
                                                      &guessed, &err),
                     0);
    assert_int_equal(n, 0);
    /* 15 calendar days from 31 January end on Sunday 15 February, a
     * holiday: the period ends on the next working day (民法典 art. 203). */
    assert_int_equal(
        zl_calendar_add_days(cal, D("2026-01-31"), 15, 1, &out, &guessed, &err),
        0);
    assert_day(out, "2026-02-24");
    assert_int_equal(
        zl_calendar_add_days(cal, D("2026-01-31"), 15, 0, &out, &guessed, &err),
        0);
    assert_day(out, "2026-02-15");
    /* 2025: from Saturday 25 January the make-up Sunday 26th comes first,
     * then Monday 27th, then the holiday 28 Jan - 4 Feb, then the 5th. */
    assert_int_equal(zl_calendar_add_working_days(cal, D("2025-01-25"), 3, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2025-02-05");
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-02-13"), 0, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2026-02-13");
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-02-13"), -1,
                                                  &out, &guessed, &err),
                     ZL_EINVAL);
    assert_int_equal(guessed, 0);
    zl_calendar_free(cal);
}

static void test_calendar_year_boundary(void **state)
{
    zl_calendar *cal = cal_new();
    struct zl_error err = {0};
    int32_t out;
    int n, guessed = 0;

    (void)state;
    /* Wednesday 31 Dec 2025 + 1 working day: 1-3 January 2026 off, Sunday
     * 4 January a make-up working day. */
    assert_int_equal(zl_calendar_add_working_days(cal, D("2025-12-31"), 1, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2026-01-04");
    assert_int_equal(zl_calendar_working_days_between(cal, D("2025-12-29"),
                                                      D("2026-01-05"), &n,
                                                      &guessed, &err),
                     0);
    assert_int_equal(n, 4); /* 30, 31 Dec; 4, 5 Jan */
    /* 2026 into 2027: no data for 2027, and no silent guess. */
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-12-31"), 1, &out,
                                                  &guessed, &err),
                     ZL_ENOTFOUND);
    assert_string_equal(err.value, "2027");
    assert_int_equal(zl_calendar_has_year(cal, 2027), 0);
    /* Fallback: weekends only, marked as guessed. 1 Jan 2027 is a Friday. */
    zl_calendar_set_fallback(cal, 1);
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-12-31"), 2, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2027-01-04");
    assert_int_equal(guessed, 1);
    /* A 2026 count stays unguessed in fallback mode. */
    guessed = 0;
    assert_int_equal(zl_calendar_add_working_days(cal, D("2026-02-13"), 2, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2026-02-24");
    assert_int_equal(guessed, 0);
    zl_calendar_free(cal);
}

static void test_calendar_operator_file(void **state)
{
    zl_calendar *cal = cal_new();
    struct zl_error err = {0};
    static const char good[] = "# test file\n"
                               "date,kind,name\n"
                               "2026-02-16,holiday,Only day\r\n"
                               "2027-02-06,holiday,春节\n"
                               "2027-02-20,workday,调休\n";
    static const char monday[] = "date,kind,name\n2027-02-08,workday,x\n";
    static const char twice[] =
        "date,kind,name\n2027-02-06,holiday,x\n2027-02-06,holiday,y\n";
    static const char kind[] = "2027-02-06,vacation,x\n";
    int w, guessed = 0;
    int32_t out;

    (void)state;
    assert_int_equal(zl_calendar_load(cal, monday, sizeof monday - 1, &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "line 2");
    assert_int_equal(zl_calendar_load(cal, twice, sizeof twice - 1, &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "line 3");
    assert_int_equal(zl_calendar_load(cal, kind, sizeof kind - 1, &err),
                     ZL_EINVAL);
    /* Nothing changed by the failures. */
    assert_int_equal(zl_calendar_has_year(cal, 2027), 0);
    assert_int_equal(zl_calendar_load(cal, good, sizeof good - 1, &err), 0);
    assert_int_equal(zl_calendar_has_year(cal, 2027), 1);
    /* 2026 was replaced whole: the 17th is now an ordinary Tuesday, the
     * 16th the only holiday, the make-up Saturday gone. */
    assert_int_equal(
        zl_calendar_is_working(cal, D("2026-02-17"), &w, NULL, NULL), 0);
    assert_int_equal(w, 1);
    assert_int_equal(
        zl_calendar_is_working(cal, D("2026-02-16"), &w, NULL, NULL), 0);
    assert_int_equal(w, 0);
    assert_int_equal(
        zl_calendar_is_working(cal, D("2026-02-14"), &w, NULL, NULL), 0);
    assert_int_equal(w, 0);
    /* 2025 untouched. */
    assert_int_equal(
        zl_calendar_is_working(cal, D("2025-01-26"), &w, NULL, NULL), 0);
    assert_int_equal(w, 1);
    assert_int_equal(zl_calendar_add_working_days(cal, D("2027-02-05"), 1, &out,
                                                  &guessed, &err),
                     0);
    assert_day(out, "2027-02-08");
    assert_int_equal(guessed, 0);
    zl_calendar_free(cal);
}

static void test_clocks(void **state)
{
    zl_calendar *cal = cal_new();
    struct zl_clock_config cfg;
    struct zl_clock c;
    struct zl_error err = {0};
    enum zl_clock_step st;

    (void)state;
    zl_clock_defaults(&cfg);
    /* Every step has an id that parses back, a source and a URL. */
    for (int i = 0; i < ZL_STEP_COUNT; i++) {
        assert_int_equal(
            zl_clock_step_parse(zl_clock_step_id((enum zl_clock_step)i), &st),
            0);
        assert_int_equal(st, i);
        assert_true(strlen(cfg.rule[i].source) > 0);
        assert_true(!strncmp(cfg.rule[i].url, "http", 4));
    }
    assert_int_equal(zl_clock_step_parse("retest", &st), ZL_EINVAL);
    /* Re-test: 15 days (产品质量法 art. 15), from 31 Jan 2026 the 15th day
     * is Sunday 15 Feb in the Spring Festival: the period ends on the 24th. */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_RETEST_APPLY,
                                      D("2026-01-31"), D("2026-02-24"), &c,
                                      &err),
                     0);
    assert_day(c.deadline, "2026-02-24");
    assert_int_equal(c.overdue, 0);
    assert_int_equal(c.left, 0);
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_RETEST_APPLY,
                                      D("2026-01-31"), D("2026-02-25"), &c,
                                      &err),
                     0);
    assert_int_equal(c.overdue, 1);
    assert_int_equal(c.left, -1);
    /* An ordinary one: 3 March 2026 + 15 = 18 March, a Wednesday. */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_RETEST_APPLY,
                                      D("2026-03-03"), D("2026-03-10"), &c,
                                      &err),
                     0);
    assert_day(c.deadline, "2026-03-18");
    assert_int_equal(c.left, 8);
    /* Publication: 20 working days across the Spring Festival. */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_PUBLISH,
                                      D("2026-02-10"), D("2026-02-13"), &c,
                                      &err),
                     0);
    assert_day(c.deadline, "2026-03-16");
    assert_int_equal(c.left, 17); /* 20 minus 11, 12, 13 February */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_PUBLISH,
                                      D("2026-02-10"), D("2026-03-17"), &c,
                                      &err),
                     0);
    assert_int_equal(c.overdue, 1);
    assert_int_equal(c.left, -1);
    /* Rectify 60 days, recheck 75 days from the order (Order 18 art. 46,
     * 47): order 2 March 2026 -> 1 May (a holiday: rolls to 6 May) and
     * 16 May (a Saturday: rolls to Monday 18 May). */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_RECTIFY,
                                      D("2026-03-02"), D("2026-03-02"), &c,
                                      &err),
                     0);
    assert_day(c.deadline, "2026-05-06");
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_RECHECK,
                                      D("2026-03-02"), D("2026-03-02"), &c,
                                      &err),
                     0);
    assert_day(c.deadline, "2026-05-18");
    /* The second recheck's window: 60 to 90 days after the announcement. */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_SECOND_RECHECK,
                                      D("2026-06-01"), D("2026-07-01"), &c,
                                      &err),
                     0);
    assert_day(c.not_before, "2026-07-31");
    assert_day(c.deadline, "2026-08-31");
    assert_int_equal(c.early, 1);
    /* No statutory period: no deadline, never overdue. */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_SUSPEND,
                                      D("2026-06-01"), D("2027-07-01"), &c,
                                      &err),
                     0);
    assert_int_equal(c.has_deadline, 0);
    assert_int_equal(c.overdue, 0);
    /* Configuration wins: a region gives 30 working days to rectify. */
    cfg.rule[ZL_STEP_RECTIFY].days = 30;
    cfg.rule[ZL_STEP_RECTIFY].unit = ZL_CLOCK_WORKING_DAYS;
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_RECTIFY,
                                      D("2026-02-10"), D("2026-02-10"), &c,
                                      &err),
                     0);
    assert_day(c.deadline, "2026-03-30");
    cfg.rule[ZL_STEP_RECTIFY].not_before = 40;
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_RECTIFY,
                                      D("2026-02-10"), D("2026-02-10"), &c,
                                      &err),
                     ZL_EINVAL);
    /* A calendar-day rule without roll needs no calendar. */
    assert_int_equal(zl_clock_compute(&cfg, NULL, ZL_STEP_STOP_SALE,
                                      D("2026-02-15"), D("2026-02-16"), &c,
                                      &err),
                     0);
    assert_day(c.deadline, "2026-02-15");
    assert_int_equal(c.overdue, 1);
    assert_int_equal(zl_clock_compute(&cfg, NULL, ZL_STEP_PUBLISH,
                                      D("2026-02-15"), D("2026-02-16"), &c,
                                      &err),
                     ZL_EINVAL);
    /* Into a year without data. */
    assert_int_equal(zl_clock_compute(&cfg, cal, ZL_STEP_PUBLISH,
                                      D("2026-12-20"), D("2026-12-21"), &c,
                                      &err),
                     ZL_ENOTFOUND);
    zl_calendar_free(cal);
}

/* ---- switching --------------------------------------------------------- */

/* Feed lots (nonconforming counts) at lot size 1000, level II, the given
 * AQL, each with the plan of the current severity; return the state and
 * check the step of the last lot. */
static void feed(struct zl_switch *s, double aql, const int *d, size_t n,
                 struct zl_switch_step *last)
{
    for (size_t i = 0; i < n; i++) {
        struct zl_sampling_plan p;
        struct zl_switch_lot lot = {0};
        enum zl_severity sev;

        assert_int_equal(zl_switch_severity(s, &sev), 0);
        assert_int_equal(
            zl_sampling_plan(1000, ZL_LEVEL_II, aql, sev, &p, NULL), 0);
        lot.nonconforming = (uint32_t)d[i];
        assert_int_equal(zl_switch_record(s, &p, &lot, last, NULL), 0);
    }
}

static void test_switch_tightened(void **state)
{
    struct zl_switch s;
    struct zl_switch_step st;
    /* Lot 1000, II, AQL 1.0: normal J n 80 Ac 2, tightened n 80 Ac 1. */
    static const int far[] = {3, 0, 0, 0, 0, 3};
    static const int two_of_five[] = {3, 0, 0, 0, 3};
    static const int two_of_two[] = {0, 0, 3, 3};
    static const int four_ok[] = {0, 1, 0, 0};

    (void)state;
    zl_switch_init(&s, 1);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    /* Two not accepted six lots apart: never 2 within 5 consecutive. */
    feed(&s, 1.0, far, 6, &st);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    assert_int_equal(st.accepted, 0);
    zl_switch_init(&s, 1);
    feed(&s, 1.0, two_of_five, 4, &st);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    feed(&s, 1.0, two_of_five + 4, 1, &st);
    assert_int_equal(st.before, ZL_SWITCH_NORMAL);
    assert_int_equal(st.after, ZL_SWITCH_TIGHTENED);
    assert_int_equal(st.reason, ZL_SWR_TWO_OF_FIVE);
    zl_switch_init(&s, 1);
    feed(&s, 1.0, two_of_two, 4, &st);
    assert_int_equal(s.state, ZL_SWITCH_TIGHTENED);
    /* Back to normal after 5 consecutive accepted; on tightened Ac is 1,
     * so 1 nonconforming is accepted and 2 is not. */
    feed(&s, 1.0, four_ok, 4, &st);
    assert_int_equal(s.state, ZL_SWITCH_TIGHTENED);
    {
        static const int two[] = {2};
        static const int five_ok[] = {0, 0, 0, 0, 1};

        feed(&s, 1.0, two, 1, &st); /* breaks the run */
        assert_int_equal(st.accepted, 0);
        feed(&s, 1.0, five_ok, 4, &st);
        assert_int_equal(s.state, ZL_SWITCH_TIGHTENED);
        feed(&s, 1.0, five_ok + 4, 1, &st);
        assert_int_equal(st.after, ZL_SWITCH_NORMAL);
        assert_int_equal(st.reason, ZL_SWR_FIVE_ACCEPTED);
        assert_int_equal(s.score, 0);
    }
}

static void test_switch_discontinue(void **state)
{
    struct zl_switch s;
    struct zl_switch_step st;
    struct zl_sampling_plan p;
    struct zl_switch_lot lot = {0};
    struct zl_error err = {0};
    enum zl_severity sev;
    static const int to_t[] = {3, 3};
    /* On tightened: not accepted 5 times cumulatively, with accepted lots
     * between (never 5 in a row). */
    static const int mix[] = {2, 0, 0, 5, 0, 2, 0, 0, 0, 2};

    (void)state;
    zl_switch_init(&s, 0);
    feed(&s, 1.0, to_t, 2, &st);
    assert_int_equal(s.state, ZL_SWITCH_TIGHTENED);
    feed(&s, 1.0, mix, 9, &st);
    assert_int_equal(s.state, ZL_SWITCH_TIGHTENED);
    assert_int_equal(s.rejected_tightened, 3);
    {
        static const int more[] = {2, 2};

        feed(&s, 1.0, more, 1, &st);
        assert_int_equal(s.state, ZL_SWITCH_TIGHTENED);
        feed(&s, 1.0, more + 1, 1, &st);
    }
    assert_int_equal(st.after, ZL_SWITCH_DISCONTINUED);
    assert_int_equal(st.reason, ZL_SWR_FIVE_ON_TIGHTENED);
    assert_int_equal(zl_switch_severity(&s, &sev), ZL_EINVAL);
    assert_int_equal(
        zl_sampling_plan(1000, ZL_LEVEL_II, 1.0, ZL_INSP_TIGHTENED, &p, NULL),
        0);
    assert_int_equal(zl_switch_record(&s, &p, &lot, &st, &err), ZL_EINVAL);
    assert_int_equal(zl_switch_resume(&s), 0);
    assert_int_equal(s.state, ZL_SWITCH_TIGHTENED);
    assert_int_equal(s.rejected_tightened, 0);
    assert_int_equal(zl_switch_resume(&s), ZL_EINVAL);
    /* The plan must match the state. */
    assert_int_equal(
        zl_sampling_plan(1000, ZL_LEVEL_II, 1.0, ZL_INSP_NORMAL, &p, NULL), 0);
    assert_int_equal(zl_switch_record(&s, &p, &lot, &st, &err), ZL_EINVAL);
}

static void test_switch_reduced(void **state)
{
    struct zl_switch s;
    struct zl_switch_step st;
    struct zl_sampling_plan p;
    struct zl_switch_lot lot = {0};
    static const int ones[15] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const int two[] = {2};

    (void)state;
    /* Ac 2 (AQL 1.0, letter J): +3 when the lot has <= 1 nonconforming
     * (the Ac of AQL 0.65 at n 80), so 10 such lots give 30. */
    zl_switch_init(&s, 1);
    feed(&s, 1.0, ones, 9, &st);
    assert_int_equal(st.score, 27);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    feed(&s, 1.0, ones, 1, &st);
    assert_int_equal(st.after, ZL_SWITCH_REDUCED);
    assert_int_equal(st.reason, ZL_SWR_SCORE);
    assert_int_equal(st.score, 30);
    /* Accepted with 2 but not at the tighter AQL: the score restarts. */
    zl_switch_init(&s, 1);
    feed(&s, 1.0, ones, 8, &st);
    feed(&s, 1.0, two, 1, &st);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.score, 0);
    feed(&s, 1.0, ones, 9, &st);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    feed(&s, 1.0, ones, 1, &st);
    assert_int_equal(s.state, ZL_SWITCH_REDUCED);
    /* Without the authority's approval the score alone does not switch. */
    zl_switch_init(&s, 0);
    feed(&s, 1.0, ones, 15, &st);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    assert_int_equal(st.score, 45);
    /* Ac 1 (AQL 0.65, letter J: n 80, Ac 1): +2 per accepted lot, so 15
     * lots; a lot with 2 nonconforming resets it. */
    zl_switch_init(&s, 1);
    feed(&s, 0.65, ones, 14, &st);
    assert_int_equal(st.score, 28);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    feed(&s, 0.65, ones, 1, &st);
    assert_int_equal(s.state, ZL_SWITCH_REDUCED);
    /* Production irregular at the 30th point: no switch yet. */
    zl_switch_init(&s, 1);
    feed(&s, 1.0, ones, 9, &st);
    assert_int_equal(
        zl_sampling_plan(1000, ZL_LEVEL_II, 1.0, ZL_INSP_NORMAL, &p, NULL), 0);
    lot.nonconforming = 0;
    lot.irregular = 1;
    assert_int_equal(zl_switch_record(&s, &p, &lot, &st, NULL), 0);
    assert_int_equal(s.state, ZL_SWITCH_NORMAL);
    assert_int_equal(st.score, 30);
    lot.irregular = 0;
    assert_int_equal(zl_switch_record(&s, &p, &lot, &st, NULL), 0);
    assert_int_equal(s.state, ZL_SWITCH_REDUCED);
    /* Reduced (J at 1.0: n 32, Ac 1): 1 is accepted, 2 is not -> normal. */
    assert_int_equal(
        zl_sampling_plan(1000, ZL_LEVEL_II, 1.0, ZL_INSP_REDUCED, &p, NULL), 0);
    assert_int_equal(p.n, 32);
    assert_int_equal(p.ac, 1);
    lot.nonconforming = 1;
    assert_int_equal(zl_switch_record(&s, &p, &lot, &st, NULL), 0);
    assert_int_equal(s.state, ZL_SWITCH_REDUCED);
    lot.nonconforming = 2;
    assert_int_equal(zl_switch_record(&s, &p, &lot, &st, NULL), 0);
    assert_int_equal(st.after, ZL_SWITCH_NORMAL);
    assert_int_equal(st.reason, ZL_SWR_NOT_ACCEPTED);
    assert_int_equal(s.score, 0);
}

static void test_switch_reduced_exits(void **state)
{
    static const int ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    struct zl_switch s;
    struct zl_switch_step st;
    struct zl_sampling_plan p;
    struct zl_switch_lot lot = {0};

    (void)state;
    assert_int_equal(
        zl_sampling_plan(1000, ZL_LEVEL_II, 1.0, ZL_INSP_REDUCED, &p, NULL), 0);
    for (int which = 0; which < 2; which++) {
        zl_switch_init(&s, 1);
        feed(&s, 1.0, ones, 10, &st);
        assert_int_equal(s.state, ZL_SWITCH_REDUCED);
        memset(&lot, 0, sizeof lot);
        if (which)
            lot.other = 1;
        else
            lot.irregular = 1;
        assert_int_equal(zl_switch_record(&s, &p, &lot, &st, NULL), 0);
        assert_int_equal(st.accepted, 1);
        assert_int_equal(st.after, ZL_SWITCH_NORMAL);
        assert_int_equal(st.reason, which ? ZL_SWR_OTHER : ZL_SWR_IRREGULAR);
    }
    for (int r = ZL_SWR_NONE; r <= ZL_SWR_FIVE_ON_TIGHTENED; r++)
        assert_non_null(zl_switch_reason_text((enum zl_switch_reason)r));
    assert_string_equal(zl_switch_state_name(ZL_SWITCH_DISCONTINUED),
                        "discontinued");
}

/* "One AQL step tighter" against the standard's Table 2-A (the corpus):
 * wherever a cell holds Ac >= 2, the cell one column to the left in the
 * same row holds zl_switch_tighter_ac(Ac). */
static void test_switch_tighter_ac(void **state)
{
    char *t = slurp(
        ZL_SOURCE_ROOT "/tests/conformance/gbt2828/table2a_normal.csv", NULL);
    char *line, *save, prev_letter = 0;
    int prev_ac = -2, checked = 0;

    (void)state;
    assert_non_null(t);
    for (line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[4], *p = line;
        int ac = -2;

        for (int i = 0; i < 4; i++) {
            f[i] = p;
            p = p ? strchr(p, ',') : NULL;
            if (p)
                *p++ = '\0';
        }
        if (!f[3] || !strchr(f[3], '/'))
            ac = -2;
        else
            ac = atoi(f[3]);
        if (f[0][0] == prev_letter && ac >= 2) {
            assert_int_equal(zl_switch_tighter_ac((uint32_t)ac), prev_ac);
            checked++;
        }
        prev_letter = f[0][0];
        prev_ac = ac;
    }
    assert_true(checked > 50);
    assert_int_equal(zl_switch_tighter_ac(0), -1);
    assert_int_equal(zl_switch_tighter_ac(1), 0);
    free(t);
}

/* ---- credit ------------------------------------------------------------ */

static void test_credit(void **state)
{
    struct zl_credit_config cfg;
    struct zl_credit_result r;
    struct zl_error err = {0};
    int32_t at = D("2026-06-30");
    struct zl_credit_event ev[] = {
        {ZL_CREDIT_SPOT_FAIL, D("2026-03-01"), 1, 0, "T-1"}, /* 25 x 1 */
        {ZL_CREDIT_SPOT_PASS, D("2025-09-01"), 0, 0, "T-2"}, /* -2 x 1 */
        {ZL_CREDIT_RECALL, D("2025-03-01"), 1, 0, "R-1"},    /* 15 x .5 */
        {ZL_CREDIT_COMPLAINT, D("2024-05-01"), 0, 0, "C-1"}, /* 2 x .25 */
        {ZL_CREDIT_PENALTY, D("2022-01-01"), 1, 0, "P-1"},   /* 30 x 0 */
        {ZL_CREDIT_ABNORMAL, D("2021-01-01"), 0, 1, "A-1"},  /* 15 x 1 */
    };
    enum zl_credit_kind k;

    (void)state;
    zl_credit_defaults(&cfg);
    assert_int_equal(zl_credit_config_check(&cfg, &err), 0);
    assert_int_equal(zl_credit_score(&cfg, ev, 6, at, &r, &err), 0);
    assert_int_equal(r.n_lines, 6);
    assert_true(r.lines[0].total == 25);
    assert_true(r.lines[1].total == -2);
    assert_true(r.lines[2].total == 7.5);
    assert_true(r.lines[3].total == 0.5);
    assert_true(r.lines[4].total == 0);
    assert_true(r.lines[5].total == 15);
    assert_non_null(strstr(r.lines[0].reason, "serious quality problem"));
    assert_non_null(strstr(r.lines[5].reason, "still listed"));
    assert_non_null(strstr(r.lines[4].reason, "older than"));
    assert_true(r.score == 46);
    assert_int_equal(r.cls, ZL_CREDIT_C);
    assert_true(r.ratio_min == 21 && r.ratio_max == 60);
    zl_credit_result_cleanup(&r);
    /* Off the abnormal list: the old entry no longer counts. */
    ev[5].active = 0;
    assert_int_equal(zl_credit_score(&cfg, ev, 6, at, &r, &err), 0);
    assert_true(r.score == 31);
    assert_int_equal(r.cls, ZL_CREDIT_C);
    zl_credit_result_cleanup(&r);
    /* Without the recall: 21.5, class B (10 <= s < 30). */
    ev[2] = ev[1];
    assert_int_equal(zl_credit_score(&cfg, ev, 6, at, &r, &err), 0);
    assert_true(r.score == 21.5);
    assert_int_equal(r.cls, ZL_CREDIT_B);
    zl_credit_result_cleanup(&r);
    /* Only passes: the raw sum is negative, the score 0, class A. */
    assert_int_equal(zl_credit_score(&cfg, ev + 1, 2, at, &r, &err), 0);
    assert_true(r.raw == -4 && r.score == 0);
    assert_int_equal(r.cls, ZL_CREDIT_A);
    assert_true(r.ratio_max == 5);
    zl_credit_result_cleanup(&r);
    /* Thresholds are inclusive: exactly 10 is B. */
    {
        struct zl_credit_event one = {ZL_CREDIT_SPOT_FAIL, D("2026-06-01"), 0,
                                      0, NULL};

        assert_int_equal(zl_credit_score(&cfg, &one, 1, at, &r, &err), 0);
        assert_true(r.score == 10);
        assert_int_equal(r.cls, ZL_CREDIT_B);
        zl_credit_result_cleanup(&r);
        /* Age 365 days is in the second band. */
        one.day = at - 365;
        assert_int_equal(zl_credit_score(&cfg, &one, 1, at, &r, &err), 0);
        assert_true(r.score == 5);
        zl_credit_result_cleanup(&r);
    }
    /* The serious-violations list forces D whatever the score. */
    {
        struct zl_credit_event sl = {ZL_CREDIT_SERIOUS_LIST, D("2026-01-01"), 0,
                                     1, "S-1"};

        cfg.points[ZL_CREDIT_SERIOUS_LIST][0] = 0;
        assert_int_equal(zl_credit_score(&cfg, &sl, 1, at, &r, &err), 0);
        assert_true(r.score == 0);
        assert_int_equal(r.forced, 1);
        assert_int_equal(r.cls, ZL_CREDIT_D);
        zl_credit_result_cleanup(&r);
        cfg.serious_list_forces_d = 0;
        assert_int_equal(zl_credit_score(&cfg, &sl, 1, at, &r, &err), 0);
        assert_int_equal(r.cls, ZL_CREDIT_A);
        zl_credit_result_cleanup(&r);
    }
    /* Errors. */
    ev[0].day = at + 1;
    assert_int_equal(zl_credit_score(&cfg, ev, 1, at, &r, &err), ZL_EINVAL);
    assert_string_equal(err.path, "events[0]");
    assert_null(r.lines);
    zl_credit_defaults(&cfg);
    cfg.threshold[1] = 5;
    assert_int_equal(zl_credit_config_check(&cfg, &err), ZL_EINVAL);
    zl_credit_defaults(&cfg);
    cfg.ratio_min[2] = 70;
    assert_int_equal(zl_credit_config_check(&cfg, &err), ZL_EINVAL);
    assert_int_equal(zl_credit_kind_parse("spot-fail", &k), 0);
    assert_int_equal(k, ZL_CREDIT_SPOT_FAIL);
    assert_int_equal(zl_credit_kind_parse("fail", &k), ZL_EINVAL);
    assert_string_equal(zl_credit_class_name(ZL_CREDIT_D), "D");
    zl_credit_result_cleanup(NULL);
}

/* zl_credit_classify against zl_credit_score, and both against a naive
 * model written here from docs/credit.md's table: 2,000 random histories
 * (every kind, serious or not, listed or not, up to four years old). */
static double naive_points(enum zl_credit_kind k, int serious)
{
    static const double P[ZL_CREDIT_KIND_COUNT][2] = {
        [ZL_CREDIT_SPOT_PASS] = {-2, -2},
        [ZL_CREDIT_SPOT_FAIL] = {10, 25},
        [ZL_CREDIT_RECALL] = {5, 15},
        [ZL_CREDIT_COMPLAINT] = {2, 2},
        [ZL_CREDIT_OVERDUE_REPORT] = {5, 5},
        [ZL_CREDIT_PENALTY] = {10, 30},
        [ZL_CREDIT_ABNORMAL] = {15, 15},
        [ZL_CREDIT_SERIOUS_LIST] = {60, 60},
        [ZL_CREDIT_OVERDUE_RECTIFY] = {10, 10},
    };

    return P[k][serious];
}

static void test_credit_classify(void **state)
{
    struct zl_credit_config cfg;
    struct zl_credit_event ev[8];
    uint64_t x = 88172645463325252ULL;
    const int32_t at = 20819;

    (void)state;
    zl_credit_defaults(&cfg);
    for (int round = 0; round < 2000; round++) {
        struct zl_credit_result r;
        enum zl_credit_class c;
        double sc = -1, sum = 0;
        size_t n;
        int forced = 0, want;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        n = x % 8;
        for (size_t i = 0; i < n; i++) {
            int age;

            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            ev[i].kind = (enum zl_credit_kind)(x % ZL_CREDIT_KIND_COUNT);
            ev[i].serious = (int)(x >> 8) & 1;
            ev[i].active = (int)(x >> 9) & 1;
            age = (int)((x >> 12) % 1500);
            ev[i].day = at - age;
            ev[i].ref = NULL;
            {
                int listed = (ev[i].kind == ZL_CREDIT_ABNORMAL ||
                              ev[i].kind == ZL_CREDIT_SERIOUS_LIST) &&
                             ev[i].active;
                double w = listed       ? 1
                           : age < 365  ? 1
                           : age < 730  ? 0.5
                           : age < 1095 ? 0.25
                                        : 0;

                sum += naive_points(ev[i].kind, ev[i].serious) * w;
                forced |= ev[i].kind == ZL_CREDIT_SERIOUS_LIST && listed;
            }
        }
        sum = sum > 0 ? sum : 0;
        want = forced || sum >= 60 ? 3 : sum >= 30 ? 2 : sum >= 10 ? 1 : 0;
        assert_int_equal(zl_credit_score(&cfg, ev, n, at, &r, NULL), 0);
        assert_int_equal(zl_credit_classify(&cfg, ev, n, at, &c, &sc, NULL), 0);
        assert_int_equal((int)r.cls, want);
        assert_int_equal((int)c, want);
        assert_true(sc == r.score && sc == sum);
        zl_credit_result_cleanup(&r);
    }
    ev[0].kind = ZL_CREDIT_PENALTY;
    ev[0].day = at + 1;
    ev[0].serious = 0;
    {
        enum zl_credit_class c;
        struct zl_error err = {0};

        assert_int_equal(zl_credit_classify(&cfg, ev, 1, at, &c, NULL, &err),
                         ZL_EINVAL);
        assert_string_equal(err.path, "events[0]");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_calendar_kinds),
        cmocka_unit_test(test_calendar_spring_festival),
        cmocka_unit_test(test_calendar_year_boundary),
        cmocka_unit_test(test_calendar_operator_file),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_switch_tightened),
        cmocka_unit_test(test_switch_discontinue),
        cmocka_unit_test(test_switch_reduced),
        cmocka_unit_test(test_switch_reduced_exits),
        cmocka_unit_test(test_switch_tighter_ac),
        cmocka_unit_test(test_credit),
        cmocka_unit_test(test_credit_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
