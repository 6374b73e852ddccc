/*
 * cbv.c - CBV 2.0 vocabularies as enums (zhiliang/cbv.h): the tables
 * generated from the X-macro lists, the one lookup from a string to an
 * enum, and the FSMA 204 critical tracking event classifier.
 *
 * Why enums: matching URIs by string suffix gave wrong answers
 * (BizStep-void_shipping ends in "shipping", BizStep-unpacking in
 * "packing"). A value is now resolved once, by exact comparison of the
 * whole word, and everything downstream switches on the enum.
 *
 * The lookup: the CBV web URI prefix, the urn:epcglobal:cbv prefix or no
 * ':' at all (a bare word) lead to a binary search among the standard
 * words (sorted in the table; a unit test checks it). Any other string is
 * a private URI, compared whole-segment against the few non-standard rows.
 * Rejected: a hash table built at first use (needs once-initialisation
 * for 41 words that a binary search finds in six comparisons).
 */
#include "zhiliang/cbv.h"

#include "epcis/epcis_int.h"
#include "zhiliang/epcis.h"

#include <string.h>

#define BS_URI   "https://ref.gs1.org/cbv/BizStep-"
#define BS_URN   "urn:epcglobal:cbv:bizstep:"
#define DISP_URI "https://ref.gs1.org/cbv/Disp-"
#define DISP_URN "urn:epcglobal:cbv:disp:"
#define SDT_URI  "https://ref.gs1.org/cbv/SDT-"
#define SDT_URN  "urn:epcglobal:cbv:sdt:"

/* A standard row gets its URI forms, a non-standard one none. */
#define FORM_1(prefix, w) prefix w
#define FORM_0(prefix, w) NULL
#define ROW(uri, urn, w, s, z, e)                                              \
    {w, FORM_##s(uri, w), FORM_##s(urn, w), s, z, e},

static const struct zl_cbv_term steps[] = {
#define X(n, w, s, z, e) ROW(BS_URI, BS_URN, w, s, z, e)
    ZL_CBV_BIZ_STEPS(X)
#undef X
};
static const struct zl_cbv_term disps[] = {
#define X(n, w, s, z, e) ROW(DISP_URI, DISP_URN, w, s, z, e)
    ZL_CBV_DISPOSITIONS(X)
#undef X
};
static const struct zl_cbv_term sdts[] = {
#define X(n, w, s, z, e) ROW(SDT_URI, SDT_URN, w, s, z, e)
    ZL_CBV_SDTS(X)
#undef X
};

#define COUNT_STD(n, w, s, z, e) +s
#define N_OF(a)                  (sizeof(a) / sizeof((a)[0]))

struct vocab {
    const struct zl_cbv_term *t;
    size_t n, n_std;       /* rows; standard rows (the first, sorted) */
    const char *uri, *urn; /* prefixes */
};

static const struct vocab v_steps = {
    steps, N_OF(steps), 0 ZL_CBV_BIZ_STEPS(COUNT_STD), BS_URI, BS_URN};
static const struct vocab v_disps = {
    disps, N_OF(disps), 0 ZL_CBV_DISPOSITIONS(COUNT_STD), DISP_URI, DISP_URN};
static const struct vocab v_sdts = {sdts, N_OF(sdts), 0 ZL_CBV_SDTS(COUNT_STD),
                                    SDT_URI, SDT_URN};

_Static_assert(ZL_BIZ_STEP_OTHER == N_OF(steps) + 1, "enum follows table");
_Static_assert(ZL_DISP_OTHER == N_OF(disps) + 1, "enum follows table");
_Static_assert(ZL_SDT_OTHER == N_OF(sdts) + 1, "enum follows table");
_Static_assert(ZL_BIZ_STEP_COUNT <= 256 && ZL_DISP_COUNT <= 256,
               "the trace index keeps them in a byte");

/* Row number + 1 of standard word s[0..n), or 0. */
static size_t find_std(const struct vocab *v, const char *s, size_t n)
{
    size_t lo = 0, hi = v->n_std;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *w = v->t[mid].word;
        size_t wl = strlen(w);
        int c = memcmp(s, w, n < wl ? n : wl);

        if (c == 0)
            c = n < wl ? -1 : n > wl;
        if (c == 0)
            return mid + 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

static int has_prefix(const char *s, size_t n, const char *p, size_t *pl)
{
    *pl = strlen(p);
    return n > *pl && memcmp(s, p, *pl) == 0;
}

/* 0 for none, 1..n for a row, n + 1 for a value of no row. */
static size_t resolve(const struct vocab *v, const char *s, size_t n)
{
    const char *seg;
    size_t pl, k, i, sl;

    if (s == NULL || n == 0)
        return 0;
    if (has_prefix(s, n, v->uri, &pl) || has_prefix(s, n, v->urn, &pl) ||
        (pl = 0, memchr(s, ':', n) == NULL)) {
        k = find_std(v, s + pl, n - pl);
        return k ? k : v->n + 1;
    }
    seg = s + n;
    while (seg > s && seg[-1] != '/' && seg[-1] != ':' && seg[-1] != '#')
        seg--;
    sl = (size_t)(s + n - seg);
    for (i = v->n_std; i < v->n; i++)
        if (strlen(v->t[i].word) == sl && memcmp(v->t[i].word, seg, sl) == 0)
            return i + 1;
    return v->n + 1;
}

/* Levenshtein distance of a[0..an) and b, capped: stops counting past
 * cap (returns cap + 1). Words are short (< 64 bytes). */
static size_t edits(const char *a, size_t an, const char *b, size_t cap)
{
    size_t bn = strlen(b), row[64], i, j;

    if (an >= 64 || bn >= 64)
        return cap + 1;
    for (j = 0; j <= bn; j++)
        row[j] = j;
    for (i = 1; i <= an; i++) {
        size_t diag = row[0], best;

        row[0] = i;
        best = row[0];
        for (j = 1; j <= bn; j++) {
            size_t up = row[j], d = diag + (a[i - 1] != b[j - 1]);

            if (row[j - 1] + 1 < d)
                d = row[j - 1] + 1;
            if (up + 1 < d)
                d = up + 1;
            diag = up;
            row[j] = d;
            if (d < best)
                best = d;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[bn];
}

/* The standard word nearest to the value's word part (after a CBV
 * prefix), if within 2 edits and a third of its length; else NULL. */
static const char *suggest(const struct vocab *v, const char *s, size_t n)
{
    const char *best = NULL;
    size_t pl, i, bd;

    if (!s)
        return NULL;
    if (has_prefix(s, n, v->uri, &pl) || has_prefix(s, n, v->urn, &pl)) {
        s += pl;
        n -= pl;
    }
    bd = n / 3 < 2 ? n / 3 : 2;
    for (i = 0; i < v->n_std; i++) {
        size_t d = edits(s, n, v->t[i].word, bd);

        if (d <= bd && (!best || d < bd)) {
            best = v->t[i].word;
            bd = d;
        }
    }
    return best;
}

const char *zl_biz_step_suggest(const char *s, size_t n)
{
    return suggest(&v_steps, s, n);
}

const char *zl_disposition_suggest(const char *s, size_t n)
{
    return suggest(&v_disps, s, n);
}

static const struct zl_cbv_term *term(const struct vocab *v, int x)
{
    if (x < 1 || (size_t)x > v->n)
        return NULL;
    return &v->t[x - 1];
}

enum zl_biz_step zl_biz_step_of(const char *s, size_t n)
{
    return (enum zl_biz_step)resolve(&v_steps, s, n);
}

enum zl_disposition zl_disposition_of(const char *s, size_t n)
{
    return (enum zl_disposition)resolve(&v_disps, s, n);
}

enum zl_sdt zl_sdt_of(const char *s, size_t n)
{
    return (enum zl_sdt)resolve(&v_sdts, s, n);
}

const struct zl_cbv_term *zl_biz_step_term(enum zl_biz_step v)
{
    return term(&v_steps, (int)v);
}

const struct zl_cbv_term *zl_disposition_term(enum zl_disposition v)
{
    return term(&v_disps, (int)v);
}

const struct zl_cbv_term *zl_sdt_term(enum zl_sdt v)
{
    return term(&v_sdts, (int)v);
}

const char *zl_cbv_short(const struct zl_cbv_term *t, const char *s)
{
    return t != NULL && t->standard ? t->word : s;
}

int ep_cbv_has(enum ep_vocab voc, const char *s, size_t n)
{
    switch (voc) {
    case EP_VOC_BIZSTEP: return find_std(&v_steps, s, n) != 0;
    case EP_VOC_DISP: return find_std(&v_disps, s, n) != 0;
    case EP_VOC_SDT: return find_std(&v_sdts, s, n) != 0;
    default: return 0;
    }
}

enum zl_event_type zl_event_type_of(const char *s, size_t n)
{
    int t;

    for (t = ZL_EV_OBJECT; t <= ZL_EV_ASSOCIATION; t++) {
        const char *w = zl_event_type_name((enum zl_event_type)t);

        if (s && strlen(w) == n && memcmp(w, s, n) == 0)
            return (enum zl_event_type)t;
    }
    return (enum zl_event_type)0;
}

enum zl_action zl_action_of(const char *s, size_t n)
{
    int a;

    for (a = ZL_ACT_ADD; a <= ZL_ACT_DELETE; a++) {
        const char *w = zl_action_name((enum zl_action)a);

        if (s && strlen(w) == n && memcmp(w, s, n) == 0)
            return (enum zl_action)a;
    }
    return ZL_ACT_NONE;
}

/*
 * FSMA 204, 21 CFR part 1 subpart S. The definitions are in 1.1310; the
 * records each event needs in 1.1325 (harvesting and cooling), 1.1330
 * (initial packing), 1.1335 (first land-based receiving from a fishing
 * vessel), 1.1340 (shipping), 1.1345 (receiving), 1.1350 (transformation).
 *
 * - Transformation "involves manufacturing/processing a food or changing
 *   a food ... or its packaging": an EPCIS TransformationEvent, whatever
 *   its bizStep.
 * - Shipping is "arranged for transport ... from one location to another"
 *   and receiving is receipt "after being transported": bizStep shipping
 *   and receiving. void_shipping cancels a shipping event and is none.
 * - Initial packing is "packing a raw agricultural commodity ... for the
 *   first time": a new lot or new items come into being, i.e. an
 *   ObjectEvent ADD with bizStep commissioning or packing. An ADD with
 *   unpacking or repackaging is none (repacking is a transformation when
 *   recorded as one), and packing into a case or pallet (AggregationEvent)
 *   creates no food.
 * - Harvesting, cooling and first land-based receiving have no CBV 2.0
 *   business step; they are the non-standard rows of the table, named by
 *   a private bizStep URI.
 */
enum zl_cte zl_cte_classify(enum zl_event_type type, enum zl_action action,
                            enum zl_biz_step step)
{
    if (type == ZL_EV_TRANSFORMATION)
        return ZL_CTE_TRANSFORMATION;
    switch (step) {
    case ZL_BIZ_STEP_SHIPPING: return ZL_CTE_SHIPPING;
    case ZL_BIZ_STEP_RECEIVING: return ZL_CTE_RECEIVING;
    case ZL_BIZ_STEP_HARVESTING: return ZL_CTE_HARVESTING;
    case ZL_BIZ_STEP_COOLING: return ZL_CTE_COOLING;
    case ZL_BIZ_STEP_FIRST_LAND_BASED_RECEIVING:
        return ZL_CTE_FIRST_LAND_BASED_RECEIVING;
    case ZL_BIZ_STEP_COMMISSIONING:
    case ZL_BIZ_STEP_PACKING:
        return type == ZL_EV_OBJECT && action == ZL_ACT_ADD
                   ? ZL_CTE_INITIAL_PACKING
                   : ZL_CTE_NONE;
    default: return ZL_CTE_NONE;
    }
}
