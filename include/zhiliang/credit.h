/*
 * zhiliang/credit.h - enterprise credit-risk classes (企业信用风险分类) for
 * supervision: A 信用风险低, B 信用风险一般, C 信用风险较高, D 信用风险高,
 * the four classes of 市场监管总局关于推进企业信用风险分类管理进一步提升
 * 监管效能的意见 (国市监信发〔2022〕6号), which has regions weight their
 * random checks (双随机) by class.
 *
 * The opinion names the kinds of information a classification draws on
 * (enterprise attributes, dynamic information, supervision information,
 * related parties, public evaluation) but publishes no formula; SAMR's
 * national indicator system is not public text. So this is our rule, made
 * to be explained line by line, over the supervision information this
 * system holds: spot-check results, recalls, complaints, overdue
 * mandatory reports, administrative penalties, the abnormal operation list
 * (经营异常名录) and the list of serious violations (严重违法失信名单).
 *
 *   risk score = sum over events of points(kind, serious) x weight(age)
 *
 * A passed spot check carries negative points (a good record lowers the
 * risk); the total is floored at 0. weight(age) is 1 for events in the last
 * year, 1/2 in the year before, 1/4 in the third year, 0 after; an entry
 * still on the abnormal operation list counts in full whatever its age.
 * The class comes from thresholds on the score; the serious-violations
 * list forces D (configurable). Every number is configuration: regions
 * set their own points, thresholds and the sampling ratio per class (one
 * city draws A <= 5 %, B 5-20 %, C 21-60 %, D 61-100 %).
 */
#ifndef ZL_CREDIT_H
#define ZL_CREDIT_H

#include "zhiliang/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_credit_class { ZL_CREDIT_A, ZL_CREDIT_B, ZL_CREDIT_C, ZL_CREDIT_D };

enum zl_credit_kind {
    ZL_CREDIT_SPOT_PASS,       /* a spot check passed */
    ZL_CREDIT_SPOT_FAIL,       /* failed; serious = a serious quality problem
                                  (产品质量法 art. 17 para. 2) */
    ZL_CREDIT_RECALL,          /* a recall; serious = ordered (责令召回) */
    ZL_CREDIT_COMPLAINT,       /* a substantiated complaint */
    ZL_CREDIT_OVERDUE_REPORT,  /* a mandatory report filed late or not at
                                  all (annual report, recall report...) */
    ZL_CREDIT_PENALTY,         /* an administrative penalty; serious = a
                                  heavy one (large fine, licence revoked) */
    ZL_CREDIT_ABNORMAL,        /* listed in 经营异常名录 */
    ZL_CREDIT_SERIOUS_LIST,    /* listed in 严重违法失信名单 */
    ZL_CREDIT_OVERDUE_RECTIFY, /* a spot check's rectification not done by
                                  its deadline (产品质量监督抽查管理暂行办法
                                  art. 46: 60 days from the order) */
    ZL_CREDIT_KIND_COUNT
};

struct zl_credit_event {
    enum zl_credit_kind kind;
    int32_t day;     /* day number (zhiliang/calendar.h) of the event */
    int serious;     /* the kind's serious variant */
    int active;      /* lists: still listed on the day scored */
    const char *ref; /* borrowed: its identifier, for the explanation */
};

struct zl_credit_config {
    double points[ZL_CREDIT_KIND_COUNT][2]; /* [kind][serious] */
    int age_days[3];      /* ages (days) ending each weight band */
    double age_weight[3]; /* weights of the bands; older events: 0 */
    double threshold[3];  /* the score from which B, C, D start */
    double ratio_min[4], ratio_max[4]; /* sampling ratio per class, % */
    int serious_list_forces_d;
};

/* One line of the explanation: an event's contribution. */
struct zl_credit_line {
    size_t event;  /* index into the history */
    double points; /* the kind's points */
    double weight; /* the age weight applied */
    double total;  /* points x weight */
    char reason[200];
};

struct zl_credit_result {
    double raw;   /* the sum before the floor */
    double score; /* max(raw, 0) */
    enum zl_credit_class cls;
    int forced;                   /* D forced by the serious list */
    double ratio_min, ratio_max;  /* the class's sampling ratio, % */
    struct zl_credit_line *lines; /* one per event, in history order */
    size_t n_lines;
};

/* The documented defaults (docs/sampling.md, "Credit classes"). */
void zl_credit_defaults(struct zl_credit_config *cfg);

/* Check a configuration: thresholds ascending and positive, weights in
 * [0, 1], ratio ranges within 0..100 with min <= max. 0 or ZL_EINVAL
 * (err names the field). */
int zl_credit_config_check(const struct zl_credit_config *cfg,
                           struct zl_error *err);

/* Score events[0..n) as of day at. out->lines is new: free with
 * zl_credit_result_cleanup. Returns 0, ZL_EINVAL (a bad configuration,
 * an unknown kind, an event after at; err says which), ZL_ELIMIT (more
 * than 100000 events) or ZL_ENOMEM. */
int zl_credit_score(const struct zl_credit_config *cfg,
                    const struct zl_credit_event *events, size_t n, int32_t at,
                    struct zl_credit_result *out, struct zl_error *err);

/* Frees out's lines; out may be NULL or already cleaned. */
void zl_credit_result_cleanup(struct zl_credit_result *out);

/* The class (and, when score is not NULL, the floored score) alone, by
 * the same code as zl_credit_score without writing any line: for scoring
 * millions of enterprises. The configuration is not checked here (check
 * it once with zl_credit_config_check). Returns 0, ZL_EINVAL (an unknown
 * kind or an event after at; err names it) or ZL_ELIMIT. */
int zl_credit_classify(const struct zl_credit_config *cfg,
                       const struct zl_credit_event *events, size_t n,
                       int32_t at, enum zl_credit_class *cls, double *score,
                       struct zl_error *err);

/* "A".."D"; the risk level in Chinese and English ("低 / low"). */
const char *zl_credit_class_name(enum zl_credit_class c);
const char *zl_credit_class_risk(enum zl_credit_class c);

/* A kind's identifier ("spot-fail") and back. parse: 0 or ZL_EINVAL. */
const char *zl_credit_kind_id(enum zl_credit_kind k);
int zl_credit_kind_parse(const char *id, enum zl_credit_kind *out);

#ifdef __cplusplus
}
#endif

#endif
