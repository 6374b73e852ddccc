/*
 * clocks.c - the legal clocks of a spot check (see zhiliang/clocks.h).
 *
 * The defaults are a table: step, period, unit, source, a short quotation
 * and where to read the article. The texts were taken from published
 * copies of the laws (docs/supervision-clocks.md lists them and what was
 * not found); changing a period is a configuration matter, never a code
 * change. A clock is computed on demand from (rule, start, at); there is
 * no state to keep in step with the calendar.
 */
#include "zhiliang/clocks.h"

#include "util/assert.h"

#include <stdio.h>
#include <string.h>

#define URL_PQL "http://www.dmbz.org.cn/huiyipeixun?article_id=414&pagenum=3"
#define URL_O18 "https://www.hefeilaws.com/hf/835502.html"
#define URL_GS                                                                 \
    "https://scjg.ezhou.gov.cn/ztzl/yhyshj/sczr/yyzzbl/202410/"                \
    "t20241029_659705.html"

static const struct {
    const char *id, *title;
    struct zl_clock_rule rule;
} DEFAULTS[ZL_STEP_COUNT] = {
    [ZL_STEP_RETEST_APPLY] =
        {"retest-apply",
         "申请复检 / apply for a re-test",
         {15, 0, ZL_CLOCK_DAYS, 1, "产品质量法 第十五条第三款", URL_PQL,
          "生产者、销售者对抽查检验的结果有异议的，可以自收到检验结果之日起十五"
          "日内向实施监督抽查的产品质量监督部门或者其上级产品质量监督部门申请"
          "复检",
          "the result received by the enterprise"}},
    [ZL_STEP_STOP_SALE] =
        {"stop-sale",
         "停止生产、销售 / stop making and selling the product",
         {0, 0, ZL_CLOCK_DAYS, 0,
          "产品质量监督抽查管理暂行办法（市场监管总局令第18号）第四十五条",
          URL_O18,
          "对检验结论为不合格的产品，被抽样生产者、销售者应当立即停止生产、"
          "销售同一产品",
          "the failing conclusion received"}},
    [ZL_STEP_RECTIFY] =
        {"rectify",
         "整改 / rectify",
         {60, 0, ZL_CLOCK_DAYS, 1,
          "产品质量监督抽查管理暂行办法 第四十六条; 产品质量法 第十七条",
          URL_O18,
          "负责结果处理的市场监督管理部门应当责令不合格产品的被抽样生产者、"
          "销售者自责令之日起六十日内予以改正",
          "the order to rectify (责令改正)"}},
    [ZL_STEP_RECHECK] =
        {"recheck",
         "复查 / recheck",
         {75, 0, ZL_CLOCK_DAYS, 1, "产品质量监督抽查管理暂行办法 第四十七条",
          URL_O18,
          "负责结果处理的市场监督管理部门应当自责令之日起七十五日内按照监督抽"
          "查实施细则组织复查",
          "the order to rectify (责令改正)"}},
    [ZL_STEP_ANNOUNCE] =
        {"announce",
         "公告 / public announcement",
         {-1, 0, ZL_CLOCK_DAYS, 1,
          "产品质量法 第十七条; 产品质量监督抽查管理暂行办法 第四十七条",
          URL_PQL, "逾期不改正的，由省级以上人民政府产品质量监督部门予以公告",
          "the failed recheck"}},
    [ZL_STEP_SECOND_RECHECK] =
        {"second-recheck",
         "公告后复查 / recheck after the announcement",
         {90, 60, ZL_CLOCK_DAYS, 1, "产品质量监督抽查管理暂行办法 第四十八条",
          URL_O18,
          "应当在公告之日起六十日后九十日前对被抽样生产者、销售者组织复查",
          "the public announcement"}},
    [ZL_STEP_SUSPEND] =
        {"suspend",
         "停业整顿 / stop business and rectify",
         {-1, 0, ZL_CLOCK_DAYS, 1,
          "产品质量法 第十七条; 产品质量监督抽查管理暂行办法 第四十八条",
          URL_PQL,
          "公告后经复查仍不合格的，责令停业，限期整顿；整顿期满后经复查产品质"
          "量仍不合格的，吊销营业执照",
          "the order to stop business (责令停业)"}},
    [ZL_STEP_PUBLISH] =
        {"publish",
         "公示 / publish the result",
         {20, 0, ZL_CLOCK_WORKING_DAYS, 0, "企业信息公示暂行条例 第六条",
          URL_GS, "前款规定的企业信息应当自产生之日起20个工作日内予以公示",
          "the result (the information) produced"}},
};

void zl_clock_defaults(struct zl_clock_config *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < ZL_STEP_COUNT; i++)
        cfg->rule[i] = DEFAULTS[i].rule;
}

const char *zl_clock_step_id(enum zl_clock_step step)
{
    return (unsigned)step < ZL_STEP_COUNT ? DEFAULTS[step].id : NULL;
}

const char *zl_clock_step_title(enum zl_clock_step step)
{
    return (unsigned)step < ZL_STEP_COUNT ? DEFAULTS[step].title : NULL;
}

int zl_clock_step_parse(const char *id, enum zl_clock_step *out)
{
    for (int i = 0; id && i < ZL_STEP_COUNT; i++)
        if (!strcmp(id, DEFAULTS[i].id)) {
            *out = (enum zl_clock_step)i;
            return 0;
        }
    return ZL_EINVAL;
}

const char *zl_clock_unit_name(enum zl_clock_unit unit)
{
    return unit == ZL_CLOCK_WORKING_DAYS ? "working-days" : "days";
}

int zl_clock_unit_parse(const char *s, enum zl_clock_unit *out)
{
    if (s && !strcmp(s, "days"))
        *out = ZL_CLOCK_DAYS;
    else if (s && !strcmp(s, "working-days"))
        *out = ZL_CLOCK_WORKING_DAYS;
    else
        return ZL_EINVAL;
    return 0;
}

/* The day `n` units after start under rule r. */
static int offset(const struct zl_clock_rule *r, const zl_calendar *cal,
                  int32_t start, int n, int roll, int32_t *out, int *guessed,
                  struct zl_error *err)
{
    if (r->unit == ZL_CLOCK_WORKING_DAYS)
        return zl_calendar_add_working_days(cal, start, n, out, guessed, err);
    return zl_calendar_add_days(cal, start, n, roll, out, guessed, err);
}

int zl_clock_compute(const struct zl_clock_config *cfg, const zl_calendar *cal,
                     enum zl_clock_step step, int32_t start, int32_t at,
                     struct zl_clock *out, struct zl_error *err)
{
    const struct zl_clock_rule *r;
    int rc, n = 0;

    ZL_ASSERT(cfg && out, ZL_EINVAL);
    memset(out, 0, sizeof *out);
    if ((unsigned)step >= ZL_STEP_COUNT)
        return zl_error_set(err, ZL_EINVAL, "step", "unknown step", NULL, 0);
    r = &cfg->rule[step];
    if (r->days < -1 || r->not_before < 0 ||
        (r->days >= 0 && r->not_before > r->days))
        return zl_error_set(err, ZL_EINVAL, zl_clock_step_id(step),
                            "a period must be -1 (none) or >= 0, and a "
                            "window's start not after its end",
                            NULL, 0);
    if (!cal && (r->unit == ZL_CLOCK_WORKING_DAYS || r->roll))
        return zl_error_set(err, ZL_EINVAL, "calendar",
                            "this rule needs the working-day calendar", NULL,
                            0);
    out->step = step;
    out->start = out->not_before = start;
    out->at = at;
    if (r->not_before) {
        /* A window opens on its day whatever the day is: no roll. */
        rc = offset(r, cal, start, r->not_before, 0, &out->not_before,
                    &out->guessed, err);
        if (rc)
            return rc;
        out->early = at < out->not_before;
    }
    if (r->days < 0)
        return 0;
    rc = offset(r, cal, start, r->days, r->roll, &out->deadline, &out->guessed,
                err);
    if (rc)
        return rc;
    out->has_deadline = 1;
    out->overdue = at > out->deadline;
    if (r->unit == ZL_CLOCK_DAYS) {
        out->left = (int)(out->deadline - at);
        return 0;
    }
    if (at <= out->deadline) {
        rc = zl_calendar_working_days_between(cal, at, out->deadline, &n,
                                              &out->guessed, err);
        out->left = n;
    } else {
        rc = zl_calendar_working_days_between(cal, out->deadline, at, &n,
                                              &out->guessed, err);
        out->left = -n;
    }
    return rc;
}
