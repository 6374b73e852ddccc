/*
 * switching.c - GB/T 2828.1 / ISO 2859-1 switching rules (see
 * zhiliang/switching.h).
 *
 * A small state machine over a caller-owned struct. The "2 of 5 or fewer
 * consecutive lots" rule keeps the last five results on normal inspection
 * as bits, so the question is a popcount; the window, the score and the
 * tightened counters restart whenever the state they belong to starts.
 * Rejected: replaying the whole history for every lot (simple, but the
 * history would have to live somewhere; the struct is the history's
 * summary and can be stored with the enterprise).
 */
#include "zhiliang/switching.h"

#include "util/assert.h"

#include <string.h>

static const uint32_t AC_SERIES[] = {0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44};
#define N_AC (sizeof AC_SERIES / sizeof AC_SERIES[0])

int zl_switch_tighter_ac(uint32_t ac)
{
    if (ac == 0)
        return -1;
    for (size_t i = 1; i < N_AC; i++)
        if (AC_SERIES[i] >= ac)
            return (int)AC_SERIES[i - 1];
    return (int)AC_SERIES[N_AC - 1];
}

const char *zl_switch_state_name(enum zl_switch_state st)
{
    switch (st) {
    case ZL_SWITCH_NORMAL: return "normal";
    case ZL_SWITCH_TIGHTENED: return "tightened";
    case ZL_SWITCH_REDUCED: return "reduced";
    case ZL_SWITCH_DISCONTINUED: return "discontinued";
    }
    return NULL;
}

const char *zl_switch_reason_text(enum zl_switch_reason r)
{
    switch (r) {
    case ZL_SWR_NONE: return "";
    case ZL_SWR_TWO_OF_FIVE:
        return "2 of 5 or fewer consecutive lots not accepted (9.3.1)";
    case ZL_SWR_FIVE_ACCEPTED:
        return "5 consecutive lots accepted on tightened (9.3.2)";
    case ZL_SWR_SCORE:
        return "switching score reached 30, production steady, approved "
               "(9.3.3)";
    case ZL_SWR_NOT_ACCEPTED: return "a lot not accepted on reduced (9.3.4 a)";
    case ZL_SWR_IRREGULAR: return "production irregular or delayed (9.3.4 b)";
    case ZL_SWR_OTHER: return "other conditions warrant normal (9.3.4 c)";
    case ZL_SWR_FIVE_ON_TIGHTENED:
        return "5 lots not accepted on tightened: inspection discontinued "
               "(9.4)";
    }
    return NULL;
}

static void start_normal(struct zl_switch *s)
{
    s->state = ZL_SWITCH_NORMAL;
    s->score = 0;
    s->window = 0;
    s->window_n = 0;
}

static void start_tightened(struct zl_switch *s)
{
    s->state = ZL_SWITCH_TIGHTENED;
    s->score = 0;
    s->accepted_run = 0;
    s->rejected_tightened = 0;
}

void zl_switch_init(struct zl_switch *s, int reduced_approved)
{
    if (!s)
        return;
    memset(s, 0, sizeof *s);
    start_normal(s);
    s->reduced_approved = !!reduced_approved;
}

int zl_switch_severity(const struct zl_switch *s, enum zl_severity *sev)
{
    ZL_ASSERT(s && sev, ZL_EINVAL);
    switch (s->state) {
    case ZL_SWITCH_NORMAL: *sev = ZL_INSP_NORMAL; return 0;
    case ZL_SWITCH_TIGHTENED: *sev = ZL_INSP_TIGHTENED; return 0;
    case ZL_SWITCH_REDUCED: *sev = ZL_INSP_REDUCED; return 0;
    case ZL_SWITCH_DISCONTINUED: break;
    }
    return ZL_EINVAL;
}

int zl_switch_resume(struct zl_switch *s)
{
    ZL_ASSERT(s, ZL_EINVAL);
    if (s->state != ZL_SWITCH_DISCONTINUED)
        return ZL_EINVAL;
    start_tightened(s);
    return 0;
}

static int popcount5(unsigned w)
{
    int n = 0;

    for (int i = 0; i < 5; i++)
        n += (w >> i) & 1u;
    return n;
}

int zl_switch_record(struct zl_switch *s, const struct zl_sampling_plan *plan,
                     const struct zl_switch_lot *lot,
                     struct zl_switch_step *out, struct zl_error *err)
{
    struct zl_switch_step st = {0};
    enum zl_severity sev;
    int accepted;

    ZL_ASSERT(s && plan && lot, ZL_EINVAL);
    if (zl_switch_severity(s, &sev))
        return zl_error_set(err, ZL_EINVAL, "state",
                            "inspection is discontinued (9.4): resume after "
                            "the supplier's corrective action is accepted",
                            NULL, 0);
    if (plan->severity != sev)
        return zl_error_setf(err, ZL_EINVAL, "plan", NULL,
                             "the lot must be inspected on %s inspection",
                             zl_sampling_severity_name(sev));
    accepted = lot->nonconforming <= plan->ac;
    st.before = s->state;
    st.accepted = accepted;
    s->lots++;
    switch (s->state) {
    case ZL_SWITCH_NORMAL:
        if (plan->ac >= 2)
            s->score = (int)lot->nonconforming <= zl_switch_tighter_ac(plan->ac)
                           ? s->score + 3
                           : 0;
        else
            s->score = accepted ? s->score + 2 : 0;
        s->window = ((s->window << 1) | (unsigned)!accepted) & 0x1fu;
        if (s->window_n < 5)
            s->window_n++;
        if (popcount5(s->window) >= 2) {
            start_tightened(s);
            st.reason = ZL_SWR_TWO_OF_FIVE;
        } else if (s->score >= 30 && !lot->irregular && s->reduced_approved) {
            s->state = ZL_SWITCH_REDUCED;
            st.reason = ZL_SWR_SCORE;
        }
        break;
    case ZL_SWITCH_TIGHTENED:
        if (accepted) {
            if (++s->accepted_run == 5) {
                start_normal(s);
                st.reason = ZL_SWR_FIVE_ACCEPTED;
            }
        } else {
            s->accepted_run = 0;
            if (++s->rejected_tightened == 5) {
                s->state = ZL_SWITCH_DISCONTINUED;
                st.reason = ZL_SWR_FIVE_ON_TIGHTENED;
            }
        }
        break;
    case ZL_SWITCH_REDUCED:
        st.reason = !accepted        ? ZL_SWR_NOT_ACCEPTED
                    : lot->irregular ? ZL_SWR_IRREGULAR
                    : lot->other     ? ZL_SWR_OTHER
                                     : ZL_SWR_NONE;
        if (st.reason != ZL_SWR_NONE)
            start_normal(s);
        break;
    case ZL_SWITCH_DISCONTINUED: break;
    }
    st.after = s->state;
    st.score = s->state == ZL_SWITCH_NORMAL || st.reason == ZL_SWR_SCORE
                   ? s->score
                   : 0;
    if (out)
        *out = st;
    return 0;
}
