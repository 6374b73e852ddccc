/*
 * rules.c - the Western Electric and Nelson run rules (see
 * zhiliang/spc.h) and their explanations in English and Chinese.
 *
 * One pass over the points with a few counters (run on one side, trend,
 * alternation, runs inside and outside 1 sigma) and the last five zone
 * values, so testing all twelve rules costs O(1) per point: the chart pass
 * stays memory-bound. Zones use z = (stat - cl) / sd at each point, so
 * they follow limits that vary with the subgroup size; rule 1 compares
 * with the limits themselves, so a lower limit floored at 0 (R, p charts)
 * is the one tested.
 *
 * Conventions (the rules' texts leave them open; docs/spc.md):
 * a point on the centre line breaks a run on one side; equal neighbours
 * break a trend and an alternation; the window rules (2 of 3, 4 of 5) fire
 * only at a point that is itself in the zone, so each excursion is
 * reported where it completes. A rule fires at every point where its
 * condition holds; consecutive or overlapping firings of one rule on one
 * chart are merged into one violation covering all the points involved.
 * Points whose statistic is NaN (the first moving range) are skipped and
 * reset every run.
 */
#include "zhiliang/spc.h"

#include "spc/spc_int.h"
#include "util/alloc.h"

#include <math.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static const char *const RULE_NAMES[12] = {
    "nelson1", "nelson2", "nelson3", "nelson4", "nelson5", "nelson6",
    "nelson7", "nelson8", "we1",     "we2",     "we3",     "we4"};

static const char *const RULE_EN[12] = {
    "One point beyond the 3-sigma control limits: a special cause is likely "
    "(a sudden shift, a bad part, a measurement error).",
    "Nine points in a row on the same side of the centre line: the process "
    "mean has probably shifted.",
    "Six points in a row steadily increasing or decreasing: a trend, such as "
    "tool wear or drift.",
    "Fourteen points in a row alternating up and down: systematic "
    "alternation, such as two machines or operators taking turns.",
    "Two of three points in a row beyond 2 sigma on the same side: an early "
    "sign of a shift.",
    "Four of five points in a row beyond 1 sigma on the same side: a small "
    "sustained shift.",
    "Fifteen points in a row within 1 sigma of the centre line: less "
    "variation than the limits assume (stratified sampling or wrong "
    "limits).",
    "Eight points in a row beyond 1 sigma on either side: a mixture of two "
    "processes.",
    "One point beyond the 3-sigma control limits: a special cause is likely.",
    "Two of three points in a row beyond 2 sigma on the same side: an early "
    "sign of a shift.",
    "Four of five points in a row beyond 1 sigma on the same side: a small "
    "sustained shift.",
    "Eight points in a row on the same side of the centre line: the process "
    "mean has probably shifted."};

static const char *const RULE_ZH[12] = {
    "有1个点超出3σ控制限：很可能存在特殊原因（突变、不良件或测量错误）。",
    "连续9点落在中心线同一侧：过程均值可能已经偏移。",
    "连续6点持续上升或下降：存在趋势，例如刀具磨损或漂移。",
    "连续14点交替上下：存在系统性交替，例如两台设备或两名操作者轮换。",
    "连续3点中有2点落在中心线同一侧2σ以外：偏移的早期信号。",
    "连续5点中有4点落在中心线同一侧1σ以外：存在小而持续的偏移。",
    "连续15点落在中心线两侧1σ以内：波动小于控制限的假设（分层抽样或控制限有误"
    "）。",
    "连续8点落在中心线两侧1σ以外：两个过程的混合。",
    "有1个点超出3σ控制限：很可能存在特殊原因。",
    "连续3点中有2点落在中心线同一侧2σ以外：偏移的早期信号。",
    "连续5点中有4点落在中心线同一侧1σ以外：存在小而持续的偏移。",
    "连续8点落在中心线同一侧：过程均值可能已经偏移。"};

static int rule_index(unsigned rule)
{
    for (int i = 0; i < 12; i++)
        if (rule == 1u << i)
            return i;
    return -1;
}

const char *zl_spc_rule_name(unsigned rule)
{
    int i = rule_index(rule);

    return i < 0 ? NULL : RULE_NAMES[i];
}

const char *zl_spc_rule_text(unsigned rule, enum zl_spc_lang lang)
{
    int i = rule_index(rule);

    if (i < 0)
        return NULL;
    return lang == ZL_SPC_ZH ? RULE_ZH[i] : RULE_EN[i];
}

int zl_spc_rules_parse(const char *s, unsigned *mask)
{
    unsigned m = 0;

    if (!strcasecmp(s, "we")) {
        *mask = ZL_SPC_RULES_WE;
        return 0;
    }
    if (!strcasecmp(s, "nelson") || !strcasecmp(s, "all")) {
        *mask = ZL_SPC_RULES_NELSON;
        return 0;
    }
    if (!strcasecmp(s, "none")) {
        *mask = 0;
        return 0;
    }
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        int found = -1;

        for (int i = 0; i < 12 && found < 0; i++)
            if (strlen(RULE_NAMES[i]) == len &&
                !strncasecmp(s, RULE_NAMES[i], len))
                found = i;
        if (found < 0 && len == 2 && (s[0] == 'n' || s[0] == 'N') &&
            s[1] >= '1' && s[1] <= '8')
            found = s[1] - '1';
        if (found < 0)
            return ZL_EINVAL;
        m |= 1u << found;
        s += len;
        if (*s == ',')
            s++;
    }
    *mask = m;
    return 0;
}

/* The last violation of each rule on the chart being tested: index + 1
 * into the violations, 0 for none. */
struct open_v {
    size_t idx[12];
};

/* Record that rule fired at point i involving points [first, i]: extend
 * the rule's last violation on this chart if it touches, else start one.
 * (An earlier version searched back through the violations and stopped at
 * any violation ending 15 points before first, which split a long
 * violation of one rule when another rule's violation lay in between; the
 * live checker of check.c found it.) */
static int fire(struct zl_spc_series *s, unsigned rule, int chart, size_t first,
                size_t i, struct zl_spc_violation **v, size_t *n_v,
                size_t *cap_v, struct open_v *ov)
{
    int b = rule_index(rule);

    s->flags[i] |= (uint16_t)rule;
    if (ov->idx[b]) {
        struct zl_spc_violation *p = &(*v)[ov->idx[b] - 1];

        if (first <= p->last + 1) {
            p->last = i;
            return 0;
        }
    }
    if (*n_v == *cap_v &&
        zl_grow((void **)v, cap_v, *n_v + 1, sizeof **v, 64, NULL))
        return ZL_ENOMEM;
    (*v)[*n_v].rule = rule;
    (*v)[*n_v].chart = chart;
    (*v)[*n_v].first = first;
    (*v)[*n_v].last = i;
    (*n_v)++;
    ov->idx[b] = *n_v;
    return 0;
}

/* Points in the zone among the last k of a history register. */
static const unsigned char POP5[32] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4, 1, 2, 2, 3, 2, 3,
                                       3, 4, 2, 3, 3, 4, 3, 4, 4, 5};

/* The slow path, taken only at a point where some rule fired: record
 * each rule with the first point of its run or window. */
static int fire_all(struct zl_spc_series *s, unsigned f, int chart, size_t i,
                    const size_t run[12], struct zl_spc_violation **v,
                    size_t *n_v, size_t *cap_v, struct open_v *ov)
{
    int rc = 0;

    /* the rules that fired, lowest bit first (as a loop over 12 bits, in
     * the same order, without testing the ones that did not) */
    while (f && !rc) {
        unsigned b = (unsigned)__builtin_ctz(f);

        f &= f - 1;
        rc = fire(s, 1u << b, chart, i + 1 - run[b], i, v, n_v, cap_v, ov);
    }
    return rc;
}

/* The reference pass, one point at a time: any series (NaN points,
 * zones that come and go with a varying sd). */
static int rules_scalar(struct zl_spc_series *s, unsigned mask, int chart,
                        struct zl_spc_violation **v, size_t *n_v, size_t *cap_v,
                        struct open_v *ov)
{
    /* runs ending at the current point, counted in points (trend and
     * alternation: in differences) */
    size_t above = 0, below = 0, up = 0, down = 0, alt = 0, in1 = 0, out1 = 0,
           seen = 0;
    /* zone histories: bit 0 is the current point */
    unsigned h2p = 0, h2m = 0, h1p = 0, h1m = 0;
    double prev = NAN;
    int psd = 0;
    double cl = s->cl[0], lcl = s->lcl[0], ucl = s->ucl[0];
    double inv = 1 / s->sd[0];
    int zones = isfinite(inv) && inv > 0, rc = 0;

    for (size_t i = 0; i < s->n && !rc; i++) {
        double x = s->stat[i], z, d;
        size_t run[12];
        unsigned f;
        int gt, lt, sd, ac;

        if (s->varying) {
            cl = s->cl[i];
            lcl = s->lcl[i];
            ucl = s->ucl[i];
            inv = 1 / s->sd[i];
            zones = isfinite(inv) && inv > 0;
        }
        if (isnan(x)) {
            s->flags[i] = 0;
            above = below = up = down = alt = in1 = out1 = seen = 0;
            h2p = h2m = h1p = h1m = 0;
            prev = NAN;
            psd = 0;
            continue;
        }
        /* branch-free: with in-control data every comparison below is a
         * coin toss, and mispredicted branches cost more than the rest of
         * the pass together */
        gt = x > cl;
        lt = x < cl;
        above = (above + 1) & -(size_t)gt;
        below = (below + 1) & -(size_t)lt;
        d = x - prev; /* NaN at the first point: no comparison holds */
        sd = (d > 0) - (d < 0);
        up = (up + 1) & -(size_t)(sd > 0);
        down = (down + 1) & -(size_t)(sd < 0);
        ac = sd != 0 && sd == -psd;
        alt = ((alt + 1) & -(size_t)ac) | (size_t)(sd != 0 && !ac);
        psd = sd;
        prev = x;
        f = (unsigned)(x > ucl || x < lcl) * (ZL_SPC_NELSON1 | ZL_SPC_WE1);
        f |= (unsigned)((above | below) >= 9) * ZL_SPC_NELSON2;
        f |= (unsigned)((above | below) >= 8) * ZL_SPC_WE4;
        f |= (unsigned)((up | down) >= 5) * ZL_SPC_NELSON3;
        f |= (unsigned)(alt >= 13) * ZL_SPC_NELSON4;
        if (zones) {
            unsigned p2, m2, p1, m1;

            z = (x - cl) * inv;
            p2 = z > 2;
            m2 = z < -2;
            p1 = z > 1;
            m1 = z < -1;
            h2p = (h2p << 1 | p2) & 31;
            h2m = (h2m << 1 | m2) & 31;
            h1p = (h1p << 1 | p1) & 31;
            h1m = (h1m << 1 | m1) & 31;
            seen += seen < 5;
            in1 = (in1 + 1) & -(size_t)(!p1 & !m1 & (z != 1) & (z != -1));
            out1 = (out1 + 1) & -(size_t)(p1 | m1);
            f |= (unsigned)(seen >= 3 && ((p2 & (POP5[h2p & 7] >= 2)) |
                                          (m2 & (POP5[h2m & 7] >= 2)))) *
                 (ZL_SPC_NELSON5 | ZL_SPC_WE2);
            f |= (unsigned)(seen >= 5 && ((p1 & (POP5[h1p] >= 4)) |
                                          (m1 & (POP5[h1m] >= 4)))) *
                 (ZL_SPC_NELSON6 | ZL_SPC_WE3);
            f |= (unsigned)(in1 >= 15) * ZL_SPC_NELSON7;
            f |= (unsigned)(out1 >= 8) * ZL_SPC_NELSON8;
        } else {
            in1 = out1 = seen = 0;
            h2p = h2m = h1p = h1m = 0;
        }
        f &= mask;
        s->flags[i] = (uint16_t)f;
        if (!f)
            continue;
        run[0] = run[8] = 1;
        run[1] = run[11] = above | below;
        run[2] = (up | down) + 1;
        run[3] = alt + 1;
        run[4] = run[9] = 3;
        run[5] = run[10] = 5;
        run[6] = in1;
        run[7] = out1;
        rc = fire_all(s, f, chart, i, run, v, n_v, cap_v, ov);
    }
    return rc;
}

#if defined(__GNUC__)
/*
 * The fast pass: 64 points at a time as bit words (bit j = point base +
 * j). A run rule is an AND of shifted words ("9 in a row above" = the
 * above-word ANDed with itself shifted by 1..8, the previous word
 * supplying the bits shifted in), a window rule a few ANDs and ORs; only
 * at points where something fired does the pass look at single bits, and
 * the run lengths there (for the violation's first point) come from
 * counting leading ones. Taken when the series has no NaN past its first
 * point and zones everywhere or nowhere; rules_scalar otherwise. Checked
 * point by point against a naive model in test_spc.c.
 */
enum { QG, QL, QU, QD, QA, QP2, QM2, QP1, QM1, QIN, QOUT, NQ };

static uint64_t shl(uint64_t w, uint64_t prev, int k)
{
    return (w << k) | (prev >> (64 - k));
}

/* All of the k points ending at each bit. */
static uint64_t run_and(uint64_t w, uint64_t prev, int k)
{
    uint64_t r = w;

    for (int i = 1; i < k; i++)
        r &= shl(w, prev, i);
    return r;
}

/* Length of the run of ones ending at bit j of w; carry: the run at the
 * end of the previous word. */
static size_t run_at(uint64_t w, int j, size_t carry)
{
    uint64_t m = ~w & (j == 63 ? ~(uint64_t)0 : ((uint64_t)2 << j) - 1);

    if (!m)
        return (size_t)j + 1 + carry;
    return (size_t)(j - (63 - __builtin_clzll(m)));
}

static size_t run_end(uint64_t w, size_t carry)
{
    return ~w ? (size_t)__builtin_clzll(~w) : carry + 64;
}

/* Set bit j of the words for one point. */
static inline void bits(double x, double cl, double lcl, double ucl, double inv,
                        int zones, size_t j, double *px, uint64_t *q,
                        uint64_t *o)
{
    double z = (x - cl) * inv;

    *o |= (uint64_t)(x > ucl || x < lcl) << j;
    q[QG] |= (uint64_t)(x > cl) << j;
    q[QL] |= (uint64_t)(x < cl) << j;
    q[QU] |= (uint64_t)(x > *px) << j;
    q[QD] |= (uint64_t)(x < *px) << j;
    *px = x;
    if (zones) {
        q[QP2] |= (uint64_t)(z > 2) << j;
        q[QM2] |= (uint64_t)(z < -2) << j;
        q[QP1] |= (uint64_t)(z > 1) << j;
        q[QM1] |= (uint64_t)(z < -1) << j;
        q[QIN] |= (uint64_t)(fabs(z) < 1) << j;
    }
}

#if defined(__SSE2__)
/* bits() for pairs of points with constant limits and zones: x[-1] must
 * exist (the point before). Returns how many points it did (m rounded
 * down to even). */
static size_t bits_sse2(const double *x, size_t m, double cl, double lcl,
                        double ucl, double inv, uint64_t *q, uint64_t *o,
                        int *nan)
{
    const __m128d CL = _mm_set1_pd(cl), LCL = _mm_set1_pd(lcl),
                  UCL = _mm_set1_pd(ucl), INV = _mm_set1_pd(inv),
                  TWO = _mm_set1_pd(2), MTWO = _mm_set1_pd(-2),
                  ONE = _mm_set1_pd(1), MONE = _mm_set1_pd(-1),
                  ABS = _mm_castsi128_pd(_mm_set1_epi64x(INT64_MAX));
    uint64_t g = 0, l = 0, u = 0, d = 0, p2 = 0, m2 = 0, p1 = 0, m1 = 0, in = 0,
             out = 0;
    int bad = 0;
    size_t j;

    for (j = 0; j + 2 <= m; j += 2) {
        __m128d X = _mm_loadu_pd(x + j), P = _mm_loadu_pd(x + j - 1);
        __m128d Z = _mm_mul_pd(_mm_sub_pd(X, CL), INV);

#define BITS(w, v) (w) |= (uint64_t)_mm_movemask_pd(v) << j
        BITS(out, _mm_or_pd(_mm_cmpgt_pd(X, UCL), _mm_cmplt_pd(X, LCL)));
        BITS(g, _mm_cmpgt_pd(X, CL));
        BITS(l, _mm_cmplt_pd(X, CL));
        BITS(u, _mm_cmpgt_pd(X, P));
        BITS(d, _mm_cmplt_pd(X, P));
        BITS(p2, _mm_cmpgt_pd(Z, TWO));
        BITS(m2, _mm_cmplt_pd(Z, MTWO));
        BITS(p1, _mm_cmpgt_pd(Z, ONE));
        BITS(m1, _mm_cmplt_pd(Z, MONE));
        BITS(in, _mm_cmplt_pd(_mm_and_pd(Z, ABS), ONE));
#undef BITS
        bad |= _mm_movemask_pd(_mm_cmpunord_pd(X, X));
    }
    *o |= out;
    q[QG] |= g;
    q[QL] |= l;
    q[QU] |= u;
    q[QD] |= d;
    q[QP2] |= p2;
    q[QM2] |= m2;
    q[QP1] |= p1;
    q[QM1] |= m1;
    q[QIN] |= in;
    *nan |= bad;
    return j;
}
#endif

/* Returns 1 if the series is not for this pass (then the caller runs
 * rules_scalar, which rewrites every flag). */
static int rules_words(struct zl_spc_series *s, unsigned mask, int chart,
                       struct zl_spc_violation **v, size_t *n_v, size_t *cap_v,
                       struct open_v *ov, int *rc)
{
    size_t start = 0, carry[NQ] = {0};
    uint64_t prev[NQ] = {0};
    double px = NAN;
    int zones0;

    *rc = 0;
    if (s->n && isnan(s->stat[0])) {
        s->flags[0] = 0;
        start = 1;
    }
    if (start >= s->n)
        return 1;
    zones0 = isfinite(1 / ZL_SPC_AT(s, s->sd, start)) &&
             1 / ZL_SPC_AT(s, s->sd, start) > 0;
    for (size_t i = start; i < s->n; i++) {
        double sd = ZL_SPC_AT(s, s->sd, i);

        if (isnan(s->stat[i]) || (isfinite(1 / sd) && 1 / sd > 0) != zones0)
            return 1;
        if (!s->varying)
            break; /* the NaN check of the rest is in the loop below */
    }
    for (size_t base = start; base < s->n && !*rc; base += 64) {
        size_t m = s->n - base < 64 ? s->n - base : 64;
        uint64_t q[NQ] = {0}, o = 0, f[12], any;

        if (s->varying)
            for (size_t j = 0; j < m; j++) {
                size_t i = base + j;

                if (isnan(s->stat[i]))
                    return 1;
                bits(s->stat[i], s->cl[i], s->lcl[i], s->ucl[i], 1 / s->sd[i],
                     zones0, j, &px, q, &o);
            }
        else {
            double cl = s->cl[0], lcl = s->lcl[0], ucl = s->ucl[0];
            double inv = 1 / s->sd[0];
            int nan = 0;
            size_t j = 0;

#if defined(__SSE2__)
            if (zones0 && base > 0) {
                j = bits_sse2(s->stat + base, m, cl, lcl, ucl, inv, q, &o,
                              &nan);
                px = s->stat[base + j - 1];
            }
#endif
            for (; j < m; j++) {
                nan |= isnan(s->stat[base + j]);
                bits(s->stat[base + j], cl, lcl, ucl, inv, zones0, j, &px, q,
                     &o);
            }
            if (nan)
                return 1;
        }
        q[QOUT] = q[QP1] | q[QM1];
        q[QA] = (q[QU] & shl(q[QD], prev[QD], 1)) |
                (q[QD] & shl(q[QU], prev[QU], 1));
        f[0] = f[8] = o;
        f[1] = run_and(q[QG], prev[QG], 9) | run_and(q[QL], prev[QL], 9);
        f[11] = run_and(q[QG], prev[QG], 8) | run_and(q[QL], prev[QL], 8);
        f[2] = run_and(q[QU], prev[QU], 5) | run_and(q[QD], prev[QD], 5);
        f[3] = run_and(q[QA], prev[QA], 12);
        f[4] = f[9] =
            (q[QP2] & (shl(q[QP2], prev[QP2], 1) | shl(q[QP2], prev[QP2], 2))) |
            (q[QM2] & (shl(q[QM2], prev[QM2], 1) | shl(q[QM2], prev[QM2], 2)));
        {
            uint64_t w5 = 0;

            for (int side = QP1; side <= QM1; side++) {
                uint64_t a = shl(q[side], prev[side], 1);
                uint64_t b = shl(q[side], prev[side], 2);
                uint64_t c = shl(q[side], prev[side], 3);
                uint64_t d = shl(q[side], prev[side], 4);

                w5 |= q[side] &
                      ((a & b & c) | (a & b & d) | (a & c & d) | (b & c & d));
            }
            f[5] = f[10] = w5;
        }
        f[6] = run_and(q[QIN], prev[QIN], 15);
        f[7] = run_and(q[QOUT], prev[QOUT], 8);
        if (base == start) {
            /* windows need their points: 3 for 2-of-3, 5 for 4-of-5 */
            f[4] &= f[9] &= ~(uint64_t)3;
            f[5] &= f[10] &= ~(uint64_t)15;
        }
        any = 0;
        for (int b = 0; b < 12; b++) {
            if (!(mask & (1u << b)))
                f[b] = 0;
            any |= f[b];
        }
        for (size_t j = 0; j < m; j++)
            s->flags[base + j] = 0;
        while (any && !*rc) {
            int j = __builtin_ctzll(any);
            unsigned fl = 0;
            size_t run[12], g, l;

            any &= any - 1;
            for (int b = 0; b < 12; b++)
                fl |= (unsigned)((f[b] >> j) & 1) << b;
            s->flags[base + j] = (uint16_t)fl;
            g = run_at(q[QG], j, carry[QG]);
            l = run_at(q[QL], j, carry[QL]);
            run[0] = run[8] = 1;
            run[1] = run[11] = (q[QG] >> j) & 1 ? g : l;
            run[2] = ((q[QU] >> j) & 1 ? run_at(q[QU], j, carry[QU])
                                       : run_at(q[QD], j, carry[QD])) +
                     1;
            run[3] = run_at(q[QA], j, carry[QA]) + 2;
            run[4] = run[9] = 3;
            run[5] = run[10] = 5;
            run[6] = run_at(q[QIN], j, carry[QIN]);
            run[7] = run_at(q[QOUT], j, carry[QOUT]);
            *rc = fire_all(s, fl, chart, base + j, run, v, n_v, cap_v, ov);
        }
        for (int k = 0; k < NQ; k++) {
            if (m < 64)
                break; /* the last word: nothing follows */
            carry[k] = run_end(q[k], carry[k]);
            prev[k] = q[k];
        }
    }
    return 0;
}
#endif

int zl_spc_rules_apply(struct zl_spc_series *s, unsigned mask, int chart,
                       struct zl_spc_violation **v, size_t *n_v, size_t *cap_v)
{
    struct open_v ov, ov0;

    /* violations of this chart already listed may be extended */
    memset(&ov, 0, sizeof ov);
    for (size_t j = 0; j < *n_v; j++)
        if ((*v)[j].chart == chart && rule_index((*v)[j].rule) >= 0)
            ov.idx[rule_index((*v)[j].rule)] = j + 1;
    ov0 = ov;
#if defined(__GNUC__)
    size_t n0 = *n_v;
    int rc;

    if (!rules_words(s, mask, chart, v, n_v, cap_v, &ov, &rc))
        return rc;
    *n_v = n0; /* a NaN met half-way: start again, one point at a time */
    ov = ov0;
#endif
    return rules_scalar(s, mask, chart, v, n_v, cap_v, &ov);
}
