/*
 * zhiliang/switching.h - the switching rules of GB/T 2828.1-2012 (= ISO
 * 2859-1:1999 clause 9) for a series of lots from one enterprise and
 * product: which severity (normal, tightened, reduced) the next lot gets,
 * driven by the recorded results on original inspection.
 *
 *   normal -> tightened    2 of 5 or fewer consecutive lots not accepted
 *                          (9.3.1)
 *   tightened -> normal    5 consecutive lots accepted (9.3.2)
 *   normal -> reduced      switching score >= 30, production steady, and
 *                          the responsible authority approves (9.3.3)
 *   reduced -> normal      a lot not accepted, production irregular or
 *                          delayed, or other conditions (9.3.4)
 *   tightened -> stop      5 lots not accepted, cumulated, while on
 *                          tightened inspection (9.4); resumed on
 *                          tightened after the supplier's corrective
 *                          action is accepted
 *
 * The switching score (9.3.3.1, single sampling) starts at 0 when normal
 * inspection starts and is updated after each lot on normal inspection:
 * when the plan's Ac is 2 or more, +3 if the lot would also have been
 * accepted with the AQL one step tighter, else reset to 0; when Ac is 0
 * or 1, +2 if the lot is accepted, else reset to 0. "One step tighter"
 * is the next smaller AQL column at the same sample size: in Table 2-A the
 * acceptance numbers step along 0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44, so
 * it is the previous number of that series (the test suite checks this
 * against the table).
 *
 * The state is a caller-owned struct; no allocation, no I/O.
 */
#ifndef ZL_SWITCHING_H
#define ZL_SWITCHING_H

#include "zhiliang/error.h"
#include "zhiliang/sampling.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_switch_state {
    ZL_SWITCH_NORMAL,
    ZL_SWITCH_TIGHTENED,
    ZL_SWITCH_REDUCED,
    ZL_SWITCH_DISCONTINUED
};

enum zl_switch_reason {
    ZL_SWR_NONE,             /* no switch after this lot */
    ZL_SWR_TWO_OF_FIVE,      /* normal -> tightened (9.3.1) */
    ZL_SWR_FIVE_ACCEPTED,    /* tightened -> normal (9.3.2) */
    ZL_SWR_SCORE,            /* normal -> reduced (9.3.3) */
    ZL_SWR_NOT_ACCEPTED,     /* reduced -> normal: a lot not accepted */
    ZL_SWR_IRREGULAR,        /* reduced -> normal: production irregular */
    ZL_SWR_OTHER,            /* reduced -> normal: other conditions */
    ZL_SWR_FIVE_ON_TIGHTENED /* tightened -> discontinued (9.4) */
};

struct zl_switch {
    enum zl_switch_state state;
    int score;              /* switching score (meaningful on normal) */
    unsigned window;        /* recent lots on normal, bit 0 the latest:
                               1 = not accepted */
    int window_n;           /* lots in the window, at most 5 */
    int accepted_run;       /* consecutive lots accepted on tightened */
    int rejected_tightened; /* lots not accepted since tightened began */
    int reduced_approved;   /* the authority finds reduced desirable */
    uint32_t lots;          /* lots recorded */
};

/* One lot's result on original inspection (resubmitted lots are not
 * recorded: the standard ignores them for switching). */
struct zl_switch_lot {
    uint32_t nonconforming; /* nonconforming items (or nonconformities)
                               found in the sample */
    int irregular;          /* production irregular or delayed */
    int other;              /* other conditions warrant normal (9.3.4 c) */
};

/* What recording a lot did. */
struct zl_switch_step {
    enum zl_switch_state before, after;
    int accepted;
    int score; /* the switching score after the lot (0 off normal) */
    enum zl_switch_reason reason;
};

/* Start on normal inspection (9.2) with score 0. reduced_approved: the
 * responsible authority considers reduced inspection desirable
 * (9.3.3.2 c); without it the score never switches to reduced. */
void zl_switch_init(struct zl_switch *s, int reduced_approved);

/* The severity the next lot is inspected at. Returns 0, or ZL_EINVAL when
 * inspection is discontinued (no plan applies until zl_switch_resume). */
int zl_switch_severity(const struct zl_switch *s, enum zl_severity *sev);

/* Record a lot inspected with plan (which must be the plan of
 * zl_switch_severity: same severity, else ZL_EINVAL) and update s. out
 * (may be NULL) tells what happened. Returns 0 or ZL_EINVAL (discontinued,
 * wrong severity; err says which). */
int zl_switch_record(struct zl_switch *s, const struct zl_sampling_plan *plan,
                     const struct zl_switch_lot *lot,
                     struct zl_switch_step *out, struct zl_error *err);

/* After discontinuation, the supplier's corrective action accepted by the
 * authority: inspection resumes on tightened (9.4). Returns 0 or ZL_EINVAL
 * when not discontinued. */
int zl_switch_resume(struct zl_switch *s);

/* The acceptance number one AQL step tighter at the same sample size, for
 * a normal plan's Ac (see the file comment); -1 for Ac 0. */
int zl_switch_tighter_ac(uint32_t ac);

/* "normal", "tightened", "reduced", "discontinued"; a reason in words. */
const char *zl_switch_state_name(enum zl_switch_state st);
const char *zl_switch_reason_text(enum zl_switch_reason r);

#ifdef __cplusplus
}
#endif

#endif
