/*
 * zhiliang/risk_handle.h - handling consumer complaints (issue 14): the
 * regulator's review, routing to the enterprise, its answer and the
 * closing, each a logged step; the deadlines the rules set and the
 * complaints past them; the published statistics (消费投诉信息公示); and
 * the rotation of the operator's personal-data key.
 *
 * A complaint moves received -> accepted | rejected | merged; accepted ->
 * routed -> answered; accepted, routed or answered -> closed (with an
 * outcome). Every step is checked (the actor's role, the state the
 * complaint is in, each field), recorded as RFC 8785 JSON, logged as a
 * ZL_LEAF_COMPLAINT leaf "risk-step:<id>/<seq>" and stored in risk_steps
 * in one transaction: a refused step stores nothing. The state is the fold
 * of the steps, never a column that could drift from them.
 *
 * Deadlines are configuration (struct zl_risk_deadlines) with their cited
 * source; the default is 市场监督管理投诉举报处理暂行办法 (国家市场监督
 * 管理总局令第20号, 2019): art. 14, accept or refuse within 7 working
 * days of receipt; art. 21, mediation ends when no agreement is reached
 * within 45 working days of acceptance (docs/risk-handling.md).
 *
 * Publication follows the content of 市场监督管理投诉信息公示暂行规则
 * (SAMR, 2023) and the earlier 12315 pilots (counts per operator, the
 * complaints accepted, solved and their share, handling time), but
 * stricter: no complainant, no free text, no single complaint; only
 * counts, shares and the median days to close per enterprise, product
 * (GTIN) and category.
 *
 * Thread safety: as the store handle. Errors: ZL_EINVAL (fields, with
 * the callback), ZL_EPERM (the actor's role), ZL_ENOTFOUND, store errors.
 */
#ifndef ZL_RISK_HANDLE_H
#define ZL_RISK_HANDLE_H

#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/risk_intake.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_risk_action {
    ZL_RISK_ACCEPT = 0, /* regulator: take the complaint up */
    ZL_RISK_REJECT,     /* regulator: refuse it (reason required) */
    ZL_RISK_MERGE,      /* regulator: a duplicate of `into` */
    ZL_RISK_ROUTE,      /* regulator: send it to the enterprise */
    ZL_RISK_ANSWER,     /* the enterprise routed to (or a regulator) */
    ZL_RISK_CLOSE       /* regulator: closed with an outcome */
};
/* "accept", "reject", "merge", "route", "answer", "close"; parse: 0 or
 * ZL_EINVAL. */
const char *zl_risk_action_name(enum zl_risk_action a);
int zl_risk_action_parse(const char *s, enum zl_risk_action *a);

/* The outcomes a complaint closes with: "agreement" (调解达成协议),
 * "settled" (the parties settled, 和解), "no-agreement" (终止调解),
 * "withdrawn" (撤回投诉), "terminated" (other termination). The first two
 * count as resolved. */
int zl_risk_outcome_ok(const char *s);

struct zl_risk_step_in {
    enum zl_risk_action action;
    const char *actor;      /* party ID, required */
    const char *reason;     /* reject: required; any: a note */
    const char *into;       /* merge: the complaint kept */
    const char *enterprise; /* route: USCC (default: the complaint's) */
    const char *answer;     /* answer: required */
    const char *outcome;    /* close: required */
    int64_t now_ms;         /* 0: the clock */
};

/* Apply one step to complaint id: 0 and *seq (may be NULL) its number.
 * Field and state errors go to cb and return ZL_EINVAL; ZL_EPERM when the
 * actor may not take this step; ZL_ENOTFOUND for an unknown complaint.
 * Nothing is stored unless 0. Own transaction or the caller's. */
int zl_risk_step(zl_store *s, const char *id, const struct zl_risk_step_in *in,
                 int *seq, zl_risk_error_cb cb, void *ctx,
                 struct zl_error *err);

/* The configured deadlines (rules of zhiliang/clocks.h: days, unit,
 * source, url, quote). */
struct zl_risk_deadlines {
    struct zl_clock_rule accept; /* from receipt to accept/reject/merge */
    struct zl_clock_rule close;  /* from acceptance to closing */
};
void zl_risk_deadlines_default(struct zl_risk_deadlines *d);

/* One complaint's handling, the fold of its steps. */
struct zl_risk_case {
    char id[ZL_RISK_ID_MAX];
    char state[12];      /* received accepted rejected merged routed answered
                            closed */
    char enterprise[19]; /* routed to, else the complaint's; "" none */
    char gtin[15];
    char category[72];
    char outcome[16];
    char merged_into[ZL_RISK_ID_MAX];
    int64_t received_ms, decided_ms, closed_ms; /* 0 not yet */
    int n_steps;
    int32_t accept_deadline, close_deadline; /* day numbers; -1 none */
    int accept_overdue, close_overdue;       /* as of now_ms */
};

struct zl_risk_case_opts {
    const struct zl_risk_deadlines *rules; /* NULL: the default */
    const zl_calendar *cal;                /* NULL: the embedded one */
    int64_t now_ms;                        /* 0: the clock */
    /* publication: a row naming fewer complaints (duplicates included)
     * is suppressed; 0: ZL_RISK_PUB_MIN_COUNT, 1: none */
    int min_count;
};

/* The smallest count published (docs/risk-handling.md, "Small counts"):
 * one or two complaints about a small enterprise or product can point to
 * the person who made them, so such rows are shown as "<3". */
#define ZL_RISK_PUB_MIN_COUNT 3

/* The case of complaint id: 0, ZL_ENOTFOUND (or not a complaint). */
int zl_risk_case_get(zl_store *s, const char *id,
                     const struct zl_risk_case_opts *o,
                     struct zl_risk_case *out, struct zl_error *err);
/* Every complaint's case, oldest first. */
typedef int (*zl_risk_case_cb)(void *ctx, const struct zl_risk_case *c);
int zl_risk_cases(zl_store *s, const struct zl_risk_case_opts *o,
                  zl_risk_case_cb cb, void *ctx, struct zl_error *err);
/* The steps of complaint id, oldest first: their records (borrowed). */
typedef int (*zl_risk_step_cb)(void *ctx, int64_t seq, const char *json,
                               size_t len);
int zl_risk_steps(zl_store *s, const char *id, zl_risk_step_cb cb, void *ctx);

/* One published row (消费投诉信息公示): dim "enterprise", "product" or
 * "category", its value, and counts over the complaints that name it.
 * Duplicates merged into another complaint are counted apart and not in
 * complaints. */
struct zl_risk_pub_row {
    const char *dim, *value;
    long complaints;    /* excluding merged duplicates */
    long duplicates;    /* merged into another */
    long accepted;      /* accepted at some point */
    long rejected;      /* not accepted */
    long closed;        /* closed */
    long resolved;      /* closed with agreement or settled */
    long overdue;       /* past a deadline now, not yet handled */
    double handled;     /* (closed + rejected) / complaints */
    double median_days; /* receipt to closing, closed ones; NaN if none */
    /* 1 when complaints + duplicates < threshold: every count above is
     * then 0 and both ratios NaN (withheld, shown as "<threshold") */
    int suppressed;
    int threshold;
};
typedef int (*zl_risk_pub_cb)(void *ctx, const struct zl_risk_pub_row *r);
/* Rows by dim (enterprise, product, category), values ascending. */
int zl_risk_publication(zl_store *s, const struct zl_risk_case_opts *o,
                        zl_risk_pub_cb cb, void *ctx, struct zl_error *err);

/* ---- personal-data keys ---------------------------------------------------
 */

/* The key's id: the first 8 bytes of SHA-256("zhiliang-pii-key" || key)
 * as 16 hex digits (never the key itself). */
void zl_risk_key_id(const uint8_t key[ZL_RISK_KEY_LEN], char id[17]);

/* 0 when key may seal and open personal data: ZL_EPERM when it has been
 * retired by zl_risk_rekey. */
int zl_risk_key_usable(zl_store *s, const uint8_t key[ZL_RISK_KEY_LEN]);

/* Re-seal every personal-data row under new_key in one transaction: each
 * row is opened with old_key (rows sealed under another key, or that do
 * not open, abort the whole rotation: ZL_EVERIFY with err naming the
 * row), sealed again with a fresh nonce (the salt and so the logged
 * commitment are kept) and stored with new_key's id; old_key is then
 * recorded as retired. *n receives the rows re-sealed. ZL_EINVAL when the
 * keys are equal, ZL_EPERM when either is already retired. */
int zl_risk_rekey(zl_store *s, const uint8_t old_key[ZL_RISK_KEY_LEN],
                  const uint8_t new_key[ZL_RISK_KEY_LEN], int64_t now_ms,
                  size_t *n, struct zl_error *err);

#ifdef __cplusplus
}
#endif

#endif
