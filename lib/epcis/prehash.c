/*
 * prehash.c - the CBV 2.0 event hash pre-hash string.
 *
 * CBV 2.0 section "Event hash ID" defines the hash over a canonical
 * string; its reference implementation (RalphTro/epcis-event-hash-
 * generator, whose test corpus we pass) fixes every detail the prose
 * leaves open. We follow that implementation step by step, on the jansson
 * tree, without a JSON-LD processor:
 *
 *  1. Tree, in the XML binding's shape, built in one walk. Each event
 *     becomes (name, value, children) triples as the XML binding would
 *     give them: an array under key k yields one child named k per
 *     element; keys with a prefix declared in @context become
 *     "{uri}local"; string values with such a prefix are expanded; bare
 *     CBV terms are replaced by the web URI the JSON-LD context gives
 *     them. Members named "...List" are grouped under one list node whose
 *     children lose the "List" suffix; bizTransaction/source/destination
 *     elements become (type, value) pairs (the reference takes the first
 *     two children of the element, sorted in Python tuple order unless
 *     the element holds bizTransaction, source or destination: only these
 *     subtrees are sorted, nothing else reads the children's order);
 *     childEPCs are grouped; inputEPC/outputEPC become epc, quantity
 *     elements become quantityElement.
 *  2. Output. "eventType=" + type, then the fields of the canonical
 *     property order (values sorted within a field, nested user extensions
 *     appended to their parent), then everything left over except
 *     recordTime, eventID, type and errorDeclaration, sorted. Values are
 *     stripped and canonicalised: timestamps (field name contains "time",
 *     not "offset") to UTC milliseconds rounded half-even from
 *     microseconds; numbers as Python prints them after float(); GS1 keys
 *     to Digital Link at the lowest granularity (serial, no lot, no CPV).
 *
 * Everything is allocated from a scratch arena reset per event; the output
 * is one capped zl_buf; sorting rewrites regions of that buffer in place,
 * so no per-piece strings are allocated.
 *
 * Speed (this runs once per captured event and once per event checked):
 * the common GS1 identifiers reach their Digital Link form without the
 * GS1 parser (ep_idfast.c), integers, the usual doubles, plain decimal
 * strings and timestamps are written without printf or strtod (each fast path
 * falls back to the general code for what it cannot decide, so the text is the
 * same), short lists are sorted by insertion, each JSON object is read from
 * jansson once, the canonical order tables are looked up by a collision-free
 * hash instead of scanned per child, appends to the output are inline, and
 * values that cannot be numbers skip the number parser at their first
 * byte, and an object's children come from one arena block; final Digital
 * Links and plain EPC URNs skip the other value tests, a set of the
 * prefixes' first bytes answers most colons, ordered() sorts only the
 * children an order entry names, and small pieces come from an inline bump
 * block. The cost is instructions, not cache misses (docs/hash-speed.md).
 * test_event_hash checks every path against the reference generator's own
 * answers on 999 random events and nine of rare shapes (quirks.jsonld).
 * Rejected: hashing while writing (the sorts rewrite earlier output) and a tree
 * of our own built by the parser (the pre-hash must also run on trees it did
 * not build: zl_epcis_event_hash, stored events).
 */
#include "epcis/epcis_int.h"

#include "util/alloc.h"
#include "util/timefmt.h"
#include "zhiliang/gs1.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ph_node {
    const char *name;
    size_t nlen;
    const char *val;
    size_t vlen;
    struct ph_node **kids;
    size_t nk;
    unsigned char removed;
    unsigned char pair;
};

struct ph {
    const struct ep_hashctx *hc;
    struct ep_arena *a;
    struct zl_buf *out;
    /* The prefixes in scope: the document's, then those of every
     * @context met on the way down to the current node (JSON-LD embedded
     * contexts: an object's own @context binds its keys and everything
     * below it). Arena-owned; a new array per object with a @context. */
    const struct ep_ns *ns;
    size_t n_ns;
    size_t n_ctx; /* @context objects met (EP_MAX_CONTEXTS) */
    size_t *xlen; /* strlen of each hc->expanded[i], computed once */
    /* bit b set: some prefix in ns starts with byte b (ns_lookup_at()'s
     * filter: most colons end "https" or "urn", bound by nobody) */
    uint64_t ns_first[4];
    /* ph_alloc()'s current block, carved from the arena a */
    char *bump, *bump_end;
};

/* ep_alloc(p->a, n) with the common case inline: the pre-hash makes
 * some sixty small allocations an event, and the call was a visible
 * share. Pieces up to a quarter of a block come from a block of
 * PH_BLOCK bytes taken from the arena; larger ones straight from it.
 * Everything is freed with the arena, as before. */
#define PH_BLOCK ((size_t)8192)
static void *ph_refill(struct ph *p, size_t n)
{
    char *b;
    if (!(b = ep_alloc(p->a, PH_BLOCK)))
        return NULL;
    p->bump = b + n;
    p->bump_end = b + PH_BLOCK;
    return b;
}

static inline void *ph_alloc(struct ph *p, size_t n)
{
    if (n > PH_BLOCK / 4)
        return ep_alloc(p->a, n);
    n = n ? (n + 7) & ~(size_t)7 : 8;
    if (n <= (size_t)(p->bump_end - p->bump)) {
        void *r = p->bump;
        p->bump += n;
        return r;
    }
    return ph_refill(p, n);
}

/* ---- canonical property order (reference PROP_ORDER) ---- */
struct ph_order {
    const char *name;
    size_t len;
    const struct ph_order *sub;
    size_t nsub;
    /* a timestamp: the name holds "time" but not "offset", ignoring
     * case (the reference's test on the field name) */
    int is_time;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* The longest order table (o_event); ordered() sizes a count array by it. */
#define EP_ORDER_MAX 32
static const struct ph_order o_epc[] = {{"epc", 3, NULL, 0, 0}};
static const struct ph_order o_qe_fields[] = {{"epcClass", 8, NULL, 0, 0},
                                              {"quantity", 8, NULL, 0, 0},
                                              {"uom", 3, NULL, 0, 0}};
static const struct ph_order o_qe[] = {
    {"quantityElement", 15, o_qe_fields, N(o_qe_fields), 0}};
static const struct ph_order o_pd[] = {{"set", 3, NULL, 0, 0},
                                       {"unset", 5, NULL, 0, 0}};
static const struct ph_order o_id[] = {{"id", 2, NULL, 0, 0}};
/* The reference's order for the three typed lists never matches a child
 * (its pairs are not named), so the lists fall through to the leftovers;
 * an order of length zero with a non-NULL pointer reproduces that. */
static const struct ph_order o_none[] = {{"", 0, NULL, 0, 0}};
static const struct ph_order o_meta[] = {
    {"time", 4, NULL, 0, 1},
    {"startTime", 9, NULL, 0, 1},
    {"endTime", 7, NULL, 0, 1},
    {"deviceID", 8, NULL, 0, 0},
    {"deviceMetadata", 14, NULL, 0, 0},
    {"rawData", 7, NULL, 0, 0},
    {"dataProcessingMethod", 20, NULL, 0, 0},
    {"bizRules", 8, NULL, 0, 0}};
static const struct ph_order o_report[] = {
    {"type", 4, NULL, 0, 0},
    {"exception", 9, NULL, 0, 0},
    {"deviceID", 8, NULL, 0, 0},
    {"deviceMetadata", 14, NULL, 0, 0},
    {"rawData", 7, NULL, 0, 0},
    {"dataProcessingMethod", 20, NULL, 0, 0},
    {"time", 4, NULL, 0, 1},
    {"microorganism", 13, NULL, 0, 0},
    {"chemicalSubstance", 17, NULL, 0, 0},
    {"value", 5, NULL, 0, 0},
    {"component", 9, NULL, 0, 0},
    {"stringValue", 11, NULL, 0, 0},
    {"booleanValue", 12, NULL, 0, 0},
    {"hexBinaryValue", 14, NULL, 0, 0},
    {"uriValue", 8, NULL, 0, 0},
    {"minValue", 8, NULL, 0, 0},
    {"maxValue", 8, NULL, 0, 0},
    {"meanValue", 9, NULL, 0, 0},
    {"sDev", 4, NULL, 0, 0},
    {"percRank", 8, NULL, 0, 0},
    {"percValue", 9, NULL, 0, 0},
    {"uom", 3, NULL, 0, 0},
    {"coordinateReferenceSystem", 25, NULL, 0, 0}};
static const struct ph_order o_se_fields[] = {
    {"sensorMetadata", 14, o_meta, N(o_meta), 0},
    {"sensorReport", 12, o_report, N(o_report), 0}};
static const struct ph_order o_se[] = {
    {"sensorElement", 13, o_se_fields, N(o_se_fields), 0}};
static const struct ph_order o_event[] = {
    {"eventTime", 9, NULL, 0, 1},
    {"eventTimeZoneOffset", 19, NULL, 0, 0},
    {"certificationInfo", 17, NULL, 0, 0},
    {"parentID", 8, NULL, 0, 0},
    {"epcList", 7, o_epc, N(o_epc), 0},
    {"inputEPCList", 12, o_epc, N(o_epc), 0},
    {"childEPCs", 9, o_epc, N(o_epc), 0},
    {"quantityList", 12, o_qe, N(o_qe), 0},
    {"childQuantityList", 17, o_qe, N(o_qe), 0},
    {"inputQuantityList", 17, o_qe, N(o_qe), 0},
    {"outputEPCList", 13, o_epc, N(o_epc), 0},
    {"outputQuantityList", 18, o_qe, N(o_qe), 0},
    {"action", 6, NULL, 0, 0},
    {"transformationID", 16, NULL, 0, 0},
    {"bizStep", 7, NULL, 0, 0},
    {"disposition", 11, NULL, 0, 0},
    {"persistentDisposition", 21, o_pd, N(o_pd), 0},
    {"readPoint", 9, o_id, N(o_id), 0},
    {"bizLocation", 11, o_id, N(o_id), 0},
    {"bizTransactionList", 18, o_none, 0, 0},
    {"sourceList", 10, o_none, 0, 0},
    {"destinationList", 15, o_none, 0, 0},
    {"sensorElementList", 17, o_se, N(o_se), 0},
};

/* ---- small helpers ---- */
/* 1 if the node is named exactly s[0..l); NAME_IS() passes the length of
 * a literal, so no strlen() runs per call (this test runs on every node
 * in build() and generic()). */
static int name_is_n(const struct ph_node *n, const char *s, size_t l)
{
    return n->nlen == l &&
           (l == 0 || (n->name[0] == s[0] && memcmp(n->name, s, l) == 0));
}
#define NAME_IS(n, lit) name_is_n((n), "" lit, sizeof(lit) - 1)

/* zl_buf_add() with the common case inline: the pre-hash is written in
 * many pieces of a few bytes (a name, "=", a value), and the call with
 * its capacity checks was a visible share of it. Room for the bytes and
 * the NUL below the cap and the allocation: copy here; else the library
 * call grows the buffer (or fails) as usual. */
static inline int out_add(struct zl_buf *b, const char *s, size_t n)
{
    if (b->data && n < b->cap - b->len && b->len + n <= b->max) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return zl_buf_add(b, s, n);
}

/* One byte ('=' after each name): no memcpy call for it. */
static inline int out_addc(struct zl_buf *b, char c)
{
    if (b->data && 1 < b->cap - b->len && b->len + 1 <= b->max) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return zl_buf_add(b, &c, 1);
}

static inline int out_adds(struct zl_buf *b, const char *s)
{
    return out_add(b, s, strlen(s));
}

/* The first needle in h[0..hl), or NULL: memchr for its first byte, then
 * one memcmp per candidate. The naive memcmp at every offset was a
 * visible part of the pre-hash (it runs on every value and name), and
 * glibc's memmem() costs its setup on these short strings. */
static const char *mem_find(const char *h, size_t hl, const char *needle,
                            size_t nl)
{
    const char *p = h, *end = h + hl;
    if (nl == 0)
        return h;
    while (nl <= (size_t)(end - p) &&
           (p = memchr(p, needle[0], (size_t)(end - p) - nl + 1)) != NULL) {
        if (memcmp(p, needle, nl) == 0)
            return p;
        p++;
    }
    return NULL;
}

static int mem_has(const char *h, size_t hl, const char *needle)
{
    return mem_find(h, hl, needle, strlen(needle)) != NULL;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static int cmp_str(const char *a, size_t al, const char *b, size_t bl)
{
    int c;
    /* most names and values differ in their first byte: no call then */
    if (al && bl && a[0] != b[0])
        return (unsigned char)a[0] < (unsigned char)b[0] ? -1 : 1;
    c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return al < bl ? -1 : (al > bl ? 1 : 0);
}

/* ---- numbers, the way Python's float() and str() see them ---- */
static size_t shortest_digits(double d, char *out, size_t cap, int expo)
{
    int p;
    for (p = 1; p <= 17; p++) {
        if (expo)
            snprintf(out, cap, "%.*e", p - 1, d);
        else
            snprintf(out, cap, "%.*g", p, d);
        if (strtod(out, NULL) == d)
            break;
    }
    return strlen(out);
}

/* The decimal digits of v (v < 10^19) at out; their count. */
static size_t put_u64(char *out, uint64_t v)
{
    char t[24];
    size_t n = 0, i;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    return n;
}

/* An integral d with |d| < 2^53 as "%.0f" prints it (suffix appended),
 * or 0 when d is not such a number (zero too: its sign needs printf). */
static size_t fast_integral(double d, char *out, size_t cap, const char *suffix)
{
    size_t k = 0, sl = strlen(suffix);
    double a = fabs(d);
    if (d == 0 || !(a < 9007199254740992.0) || d != floor(d) || cap < 24 + sl)
        return 0;
    if (d < 0)
        out[k++] = '-';
    k += put_u64(out + k, (uint64_t)a);
    memcpy(out + k, suffix, sl + 1);
    return k + sl;
}

/* shortest_digits(d, ..., 0) without snprintf for a non-integral d with
 * 1e-4 <= |d| < 1e15 and at most 15 significant digits: 0 (not decided
 * here, use the general path) or the length written.
 *
 * Why it is the same text: for p <= 15, p-digit decimals of one
 * exponent are further apart than two doubles near them, so at most one
 * of them reads back as d, and if one does, the correctly rounded one
 * that "%.*g" prints does (it is no further from d). c / 10^k (or
 * c * 10^-k) with c < 2^53 and an exact power of ten is one correctly
 * rounded operation, the double strtod() would give for that decimal.
 * The scaled value's rounding error is far below 1, so the decimal, if
 * any, is m - 1, m or m + 1. With -4 <= exponent < p "%g" writes fixed
 * notation without trailing zeros. */
static size_t fast_g(double d, char *out, size_t cap)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                 1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                 1e14, 1e15, 1e16, 1e17, 1e18};
    static const double neg[] = {1e0, 1e-1, 1e-2, 1e-3, 1e-4};
    double a = fabs(d);
    char dg[24];
    int X, p;
    uint64_t c = 0;
    size_t k = 0, i, nd;
    if (!(a >= 1e-4 && a < 1e15) || a == floor(a) || cap < 40)
        return 0;
    for (X = 14; X > 0 && a < p10[X]; X--)
        ;
    if (X == 0)
        for (; X > -4 && a < neg[-X]; X--)
            ;
    for (p = 1; p <= 15; p++) {
        int sh = p - 1 - X; /* value = c / 10^sh */
        double sc = sh >= 0 ? a * p10[sh] : a / p10[-sh];
        int64_t m = llround(sc), t;
        for (t = m - 1; t <= m + 1; t++) {
            double v;
            if (t <= 0)
                continue;
            v = sh >= 0 ? (double)t / p10[sh] : (double)t * p10[-sh];
            if (v != a)
                continue;
            if (!((double)t >= p10[p - 1] && (double)t < p10[p]))
                return 0; /* exponent misjudged: leave it to printf */
            c = (uint64_t)t;
            goto found;
        }
    }
    return 0;
found:
    nd = put_u64(dg, c);
    while (nd > 1 && dg[nd - 1] == '0') /* none expected; as %g */
        nd--;
    if (d < 0)
        out[k++] = '-';
    if (X >= 0) {
        for (i = 0; i <= (size_t)X; i++)
            out[k++] = i < nd ? dg[i] : '0';
        if (nd > (size_t)X + 1) {
            out[k++] = '.';
            for (; i < nd; i++)
                out[k++] = dg[i];
        }
    } else {
        out[k++] = '0';
        out[k++] = '.';
        for (i = 0; i < (size_t)(-X - 1); i++)
            out[k++] = '0';
        for (i = 0; i < nd; i++)
            out[k++] = dg[i];
    }
    out[k] = '\0';
    return k;
}

void ep_format_double(double d, char *out, size_t cap)
{
    if (d == floor(d) && fabs(d) < 1e300) {
        if (d == 0)
            snprintf(out, cap, "0");
        else if (!fast_integral(d, out, cap, ""))
            snprintf(out, cap, "%.0f", d);
        return;
    }
    if (!fast_g(d, out, cap))
        shortest_digits(d, out, cap, 0);
}

/* Python repr() of a float: the text the reference sees for a JSON real. */
static void python_repr(double d, char *out, size_t cap)
{
    if (isnan(d)) {
        snprintf(out, cap, "nan");
    } else if (isinf(d)) {
        snprintf(out, cap, d < 0 ? "-inf" : "inf");
    } else if (d == floor(d) && fabs(d) < 1e16) {
        if (!fast_integral(d, out, cap, ".0"))
            snprintf(out, cap, "%.1f", d);
    } else if (fabs(d) >= 1e16 || (d != 0 && fabs(d) < 1e-4)) {
        shortest_digits(d, out, cap, 1);
    } else if (!fast_g(d, out, cap)) {
        shortest_digits(d, out, cap, 0);
    }
}

static size_t digitpart(const char *s, size_t n, size_t i, char *o, size_t *ol,
                        size_t ocap)
{
    size_t start = i;
    while (i < n) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (*ol + 1 >= ocap)
                return (size_t)-1;
            o[(*ol)++] = s[i++];
        } else if (s[i] == '_' && i > start && i + 1 < n && s[i + 1] >= '0' &&
                   s[i + 1] <= '9') {
            i++;
        } else {
            break;
        }
    }
    return i - start;
}

/* ep_canon_number() of a plain decimal ([sign] digits '.' digits, no
 * exponent, no '_') with at most 15 significant digits whose value is
 * not integral and at least 1e-4: 1 and the text in out, or 0 (not
 * decided here). Such a decimal is the shortest that reads back as its
 * double (two decimals of 15 digits or fewer never read as the same
 * double), and "%g" writes it in fixed notation (exponent -4 to 14), so
 * ep_format_double() would print its digits without the leading zeros of
 * the integer part, the trailing zeros of the fraction and a '+'. The
 * strtod() and the digit search were most of the cost of a quantity. */
static int plain_decimal(const char *s, size_t n, char *out, size_t cap)
{
    size_t i = 0, ib, ie, fb, fe, o = 0, sig, lead0 = 0;
    int neg = 0;
    if (s[0] == '+' || s[0] == '-')
        neg = s[i++] == '-';
    for (ib = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        ;
    ie = i;
    if (i == n || s[i] != '.')
        return 0;
    for (fb = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        ;
    if (i != n || (ie == ib && n == fb))
        return 0;
    fe = n;
    while (ib < ie && s[ib] == '0') /* integer part: no leading zeros */
        ib++;
    while (fe > fb && s[fe - 1] == '0') /* fraction: no trailing zeros */
        fe--;
    if (fe == fb)
        return 0; /* integral: ep_format_double()'s other path */
    if (ib == ie) /* below 1: the fraction's leading zeros do not count */
        while (fb + lead0 < fe && s[fb + lead0] == '0')
            lead0++;
    sig = (ie - ib) + (fe - fb) - lead0;
    if (sig > 15 || lead0 > 3 || cap < sig + lead0 + 5)
        return 0;
    if (neg)
        out[o++] = '-';
    if (ib == ie)
        out[o++] = '0';
    memcpy(out + o, s + ib, ie - ib);
    o += ie - ib;
    out[o++] = '.';
    memcpy(out + o, s + fb, fe - fb);
    o += fe - fb;
    out[o] = '\0';
    return 1;
}

int ep_canon_number(const char *s, size_t n, char *out, size_t cap)
{
    char tmp[400];
    size_t i = 0, tl = 0, d1, d2 = 0;
    double v;
    if (n == 0 || n >= sizeof tmp)
        return 0;
    /* float() takes no other first byte (the value is stripped; "inf"
     * and "nan" are not finite): most values are names and URIs */
    if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' ||
          s[0] == '.'))
        return 0;
    /* fast path: a plain integer that a double holds exactly */
    if (n <= 15 && cap > 16) {
        size_t k = (s[0] == '-' || s[0] == '+'), j;
        for (j = k; j < n && s[j] >= '0' && s[j] <= '9'; j++)
            ;
        if (j == n && n > k) {
            size_t o = 0;
            while (k + 1 < n && s[k] == '0')
                k++;
            if (s[0] == '-' && !(n - k == 1 && s[k] == '0'))
                out[o++] = '-';
            memcpy(out + o, s + k, n - k);
            out[o + n - k] = '\0';
            return 1;
        }
        if (s[0] > '9' && s[0] != '.' && s[0] != '+' && s[0] != '-')
            return 0; /* cannot start a number */
    }
    if (plain_decimal(s, n, out, cap))
        return 1;
    if (s[i] == '+' || s[i] == '-')
        tmp[tl++] = s[i++];
    d1 = digitpart(s, n, i, tmp, &tl, sizeof tmp);
    if (d1 == (size_t)-1)
        return 0;
    i += d1;
    if (i < n && s[i] == '.') {
        tmp[tl++] = s[i++];
        d2 = digitpart(s, n, i, tmp, &tl, sizeof tmp);
        if (d2 == (size_t)-1)
            return 0;
        i += d2;
    }
    if (d1 == 0 && d2 == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t d3;
        tmp[tl++] = s[i++];
        if (i < n && (s[i] == '+' || s[i] == '-'))
            tmp[tl++] = s[i++];
        d3 = digitpart(s, n, i, tmp, &tl, sizeof tmp);
        if (d3 == 0 || d3 == (size_t)-1)
            return 0;
        i += d3;
    }
    if (i != n)
        return 0;
    tmp[tl] = '\0';
    v = strtod(tmp, NULL);
    if (!isfinite(v))
        return 0;
    ep_format_double(v, out, cap);
    return 1;
}

/* ---- timestamps: dateutil parse, to UTC, microseconds rounded half-even
 * to milliseconds ---- */
static int dig(const char *s, size_t n, size_t i, int k, int *v)
{
    int r = 0, j;
    if (i + (size_t)k > n)
        return 0;
    for (j = 0; j < k; j++) {
        if (s[i + j] < '0' || s[i + j] > '9')
            return 0;
        r = r * 10 + (s[i + j] - '0');
    }
    *v = r;
    return 1;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Two digits of v (0..99) at o. */
static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/* zl_time_format_utc() without snprintf for years 0 to 9999 (all that a
 * four-digit year and an offset give but the first and last hours). */
static void format_utc(int64_t ms, char out[32])
{
    int64_t secs, days;
    int y, m, d, rem;
    if (ms < 0 || ms >= INT64_C(253402300800000)) { /* 10000-01-01 */
        zl_time_format_utc(ms, out);
        return;
    }
    secs = ms / 1000;
    days = secs / 86400;
    rem = (int)(secs - days * 86400);
    zl_civil_from_days(days, &y, &m, &d);
    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, rem / 3600);
    out[13] = ':';
    put2(out + 14, rem / 60 % 60);
    out[16] = ':';
    put2(out + 17, rem % 60);
    out[19] = '.';
    out[20] = (char)('0' + (int)(ms % 1000) / 100);
    put2(out + 21, (int)(ms % 100));
    out[23] = 'Z';
    out[24] = '\0';
}

static int fix_timestamp(const char *s, size_t n, char out[32])
{
    int Y, M, D, h, mi, sec = 0, oh = 0, om = 0, sign = 1;
    int64_t us = 0, ms, total;
    size_t i = 0;
    if (!dig(s, n, 0, 4, &Y) || n < 16 || s[4] != '-' || !dig(s, n, 5, 2, &M) ||
        s[7] != '-' || !dig(s, n, 8, 2, &D) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !dig(s, n, 11, 2, &h) || s[13] != ':' || !dig(s, n, 14, 2, &mi))
        return 0;
    i = 16;
    if (i < n && s[i] == ':') {
        if (!dig(s, n, i + 1, 2, &sec))
            return 0;
        i += 3;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            int k = 0;
            i++;
            if (i >= n || s[i] < '0' || s[i] > '9')
                return 0;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (k < 6) {
                    us = us * 10 + (s[i] - '0');
                    k++;
                }
                i++;
            }
            while (k++ < 6)
                us *= 10;
        }
    }
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || sec > 59)
        return 0;
    if (i < n) {
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            sign = s[i] == '-' ? -1 : 1;
            if (!dig(s, n, i + 1, 2, &oh))
                return 0;
            i += 3;
            if (i < n && s[i] == ':')
                i++;
            if (i < n) {
                if (!dig(s, n, i, 2, &om))
                    return 0;
                i += 2;
            }
            if (i != n || oh > 23 || om > 59)
                return 0;
        } else {
            return 0;
        }
    }
    ms = us / 1000;
    {
        int64_t rem = us % 1000;
        if (rem > 500 || (rem == 500 && (ms & 1)))
            ms++;
    }
    total = ((days_from_civil(Y, M, D) * 24 + h) * 60 + mi) * 60 + sec;
    total -= (int64_t)sign * (oh * 60 + om) * 60;
    format_utc(total * 1000 + ms, out);
    return 1;
}

/* ---- identifiers: GS1 keys to Digital Link, lowest granularity ---- */
static int looks_gs1(const char *s, size_t n)
{
    if (!memchr(s, '.', n))
        return 0;
    /* vocabulary URIs are frequent and never GS1 keys */
    if ((n > 20 && !memcmp(s, "https://ref.gs1.org/", 20)) ||
        (n > 20 && !memcmp(s, "https://gs1.org/voc/", 20)))
        return 0;
    return (n > 8 && memcmp(s, "urn:epc:", 8) == 0) ||
           (n > 7 && memcmp(s, "http://", 7) == 0) ||
           (n > 8 && memcmp(s, "https://", 8) == 0);
}

/* Remove "/<ai>/<value>" from a DL path in place; pat is "/<ai>/". */
static size_t drop_segment(char *u, size_t len, const char *pat)
{
    size_t pl = strlen(pat);
    char *p = (char *)mem_find(u, len, pat, pl), *e;
    if (!p)
        return len;
    e = memchr(p + pl, '/', (size_t)(u + len - (p + pl)));
    if (!e)
        e = u + len;
    memmove(p, e, (size_t)(u + len - e) + 1);
    return len - (size_t)(e - p);
}

static const char *cached_id(const struct ep_hashctx *hc, const char *s)
{
    size_t h;
    if (!hc->id_raw)
        return NULL;
    h = ((size_t)(uintptr_t)s >> 3) * 0x9E3779B97F4A7C15ull;
    for (h &= hc->id_mask; hc->id_raw[h]; h = (h + 1) & hc->id_mask)
        if (hc->id_raw[h] == s)
            return hc->id_canon[h];
    return NULL;
}

static int gtin_keyed(const char *c, size_t len)
{
    return (len >= 22 && !memcmp(c, "https://id.gs1.org/01/", 22)) ||
           (len >= 24 && !memcmp(c, "https://id.gs1.org/8006/", 24));
}

/* 1 if "/22/" or "/10/" occurs in c[0..len): one pass instead of two
 * mem_find() calls, which stop at every '/' of the Digital Link. */
static int has_22_or_10(const char *c, size_t len)
{
    size_t i;
    for (i = 0; i + 4 <= len; i++)
        if (c[i] == '/' && c[i + 3] == '/' &&
            ((c[i + 1] == '2' && c[i + 2] == '2') ||
             (c[i + 1] == '1' && c[i + 2] == '0')))
            return 1;
    return 0;
}

static int add_identifier(struct ph *p, const char *s, size_t n)
{
    char dl[512];
    int r;
    size_t len;
    const char *c;
    if (ep_id_as_is(s, n))
        return out_add(p->out, s, n);
    c = cached_id(p->hc, s);
    if (c && (len = strlen(c)) < sizeof dl) {
        /* nothing to trim: most cached forms */
        if (!gtin_keyed(c, len) || !has_22_or_10(c, len))
            return out_add(p->out, c, len);
        memcpy(dl, c, len + 1);
        r = (int)len;
    } else if ((len = ep_id_from_urn(s, n, dl, sizeof dl)) > 0) {
        return out_add(p->out, dl, len); /* nothing to trim */
    } else {
        r = zl_gs1_canonical(s, n, dl, sizeof dl, NULL);
    }
    if (r < 0)
        return out_add(p->out, s, n);
    len = (size_t)r;
    if (gtin_keyed(dl, len)) {
        len = drop_segment(dl, len, "/22/");
        if (mem_find(dl, len, "/21/", 4) || mem_find(dl, len, "/235/", 5))
            len = drop_segment(dl, len, "/10/");
    }
    return out_add(p->out, dl, len);
}

/* Canonicalise a stripped value and append it.
 *
 * The two commonest identifier shapes go straight to their answer: a
 * Digital Link already final (ep_id_as_is(): "https://id.gs1.org/", an
 * AI, digits and letters, so no "urn:epcglobal:cbv:" in it, no number,
 * and looks_gs1() would send it to add_identifier(), which writes it
 * back), and an EPC URN that ep_id_from_urn() takes and the identifier
 * index does not hold (digits, dots and letters after "urn:epc:", so
 * the same reasoning; add_identifier() would call ep_id_from_urn() on
 * it too). Skipping the CBV-term search, the number test and
 * looks_gs1() for them was a tenth of the pre-hash. */
static int add_canonical(struct ph *p, const char *s, size_t n)
{
    char num[400];
    const char *u;
    if (s[0] == 'h' && n >= 26 && s[8] == 'i' && ep_id_as_is(s, n))
        return out_add(p->out, s, n);
    if (s[0] == 'u' && n > 16 && !memcmp(s, "urn:epc:", 8) &&
        !cached_id(p->hc, s)) {
        char dl[512];
        size_t len = ep_id_from_urn(s, n, dl, sizeof dl);
        if (len > 0)
            return out_add(p->out, dl, len);
    }
    if (n > 18 && (u = mem_find(s, n, "urn:epcglobal:cbv:", 18)) != NULL) {
        static const char *const m[][2] = {
            {"urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"},
            {"urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"},
            {"urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"},
            {"urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"},
            {"urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"},
        };
        /* every replacement is at most 7 bytes longer than the 21 or
         * more it replaces: 2n bounds the result */
        char *tmp = ph_alloc(p, 2 * n + 1);
        size_t i = (size_t)(u - s), o = i, k;
        if (!tmp)
            return ZL_ENOMEM;
        memcpy(tmp, s, i);
        while (i < n) {
            const char *nx;
            k = N(m);
            if (s[i] == 'u' && n - i > 18 &&
                !memcmp(s + i, "urn:epcglobal:cbv:", 18))
                for (k = 0; k < N(m); k++) {
                    size_t ml = strlen(m[k][0]);
                    if (n - i >= ml && memcmp(s + i, m[k][0], ml) == 0) {
                        size_t rl = strlen(m[k][1]);
                        memcpy(tmp + o, m[k][1], rl);
                        o += rl;
                        i += ml;
                        break;
                    }
                }
            if (k < N(m))
                continue;
            /* no term here: copy up to the next 'u' in one piece */
            nx = memchr(s + i + 1, 'u', n - i - 1);
            k = nx ? (size_t)(nx - s) - i : n - i;
            memcpy(tmp + o, s + i, k);
            o += k;
            i += k;
        }
        tmp[o] = '\0';
        s = tmp;
        n = o;
    }
    if (ep_canon_number(s, n, num, sizeof num))
        return out_adds(p->out, num);
    if (looks_gs1(s, n))
        return add_identifier(p, s, n);
    return out_add(p->out, s, n);
}

/* Python's str.strip() of the ASCII whitespace; all of it is at or
 * below ' ', which most first and last bytes are not. */
static inline void strip(const char **s, size_t *n)
{
    while (*n && (unsigned char)**s <= ' ' && is_ws(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && (unsigned char)(*s)[*n - 1] <= ' ' && is_ws((*s)[*n - 1]))
        (*n)--;
}

/* ---- step 1: tree ---- */
/* p->ns_first for the prefixes now in scope (p->ns). */
static void ns_first_set(struct ph *p)
{
    size_t i;
    memset(p->ns_first, 0, sizeof p->ns_first);
    for (i = 0; i < p->n_ns; i++) {
        unsigned char b = (unsigned char)p->ns[i].prefix[0];
        p->ns_first[b >> 6] |= (uint64_t)1 << (b & 63);
    }
}

/* The URI bound to the prefix of s, which ends at its first ':' c (NULL:
 * none, so no prefix); *plen its length. */
static inline const char *ns_lookup_at(const struct ph *p, const char *s,
                                       const char *c, size_t *plen)
{
    size_t i, pl;
    unsigned char b;
    if (!c)
        return NULL;
    pl = (size_t)(c - s);
    b = (unsigned char)s[0];
    if (pl && !(p->ns_first[b >> 6] >> (b & 63) & 1))
        return NULL;            /* no prefix in scope starts with this byte */
    for (i = p->n_ns; i-- > 0;) /* the innermost binding wins */
        if ((pl == 0 || p->ns[i].prefix[0] == s[0]) &&
            strncmp(p->ns[i].prefix, s, pl) == 0 &&
            p->ns[i].prefix[pl] == '\0') {
            *plen = pl;
            return p->ns[i].uri; /* NULL: unbound there */
        }
    return NULL;
}

static const char *ns_lookup(const struct ph *p, const char *s, size_t n,
                             size_t *plen)
{
    return p->n_ns ? ns_lookup_at(p, s, memchr(s, ':', n), plen) : NULL;
}

/* The node name of JSON key k: "{uri}local" when its prefix is bound in
 * scope, else k itself. */
static int key_name(struct ph *p, const char *k, size_t kl, const char **name,
                    size_t *nlen)
{
    size_t pl;
    const char *uri = ns_lookup(p, k, kl, &pl);
    if (uri) {
        size_t ul = strlen(uri), rl = kl - pl - 1;
        char *s = ph_alloc(p, ul + rl + 3);
        if (!s)
            return ZL_ENOMEM;
        s[0] = '{';
        memcpy(s + 1, uri, ul);
        s[ul + 1] = '}';
        memcpy(s + ul + 2, k + pl + 1, rl);
        s[ul + 2 + rl] = '\0';
        *name = s;
        *nlen = ul + 2 + rl;
    } else {
        *name = k;
        *nlen = kl;
    }
    return 0;
}

static int set_string_value(struct ph *p, struct ph_node *nd, const char *v,
                            size_t vl)
{
    const struct ep_hashctx *hc = p->hc;
    const char *hit = NULL, *colon = memchr(v, ':', vl);
    size_t i, hits = 0, pl;
    const char *uri;
    if (hc->n_expanded && !colon) {
        for (i = 0; i < hc->n_expanded; i++) {
            const char *x = hc->expanded[i];
            size_t xl = p->xlen[i];
            if (xl > vl && (vl == 0 || x[xl - 1] == v[vl - 1]) &&
                memcmp(x + xl - vl, v, vl) == 0 &&
                (x[xl - vl - 1] == '-' || x[xl - vl - 1] == '/')) {
                hit = x;
                hits++;
            }
        }
        if (hits == 1) {
            v = hit;
            vl = strlen(hit);
            colon = memchr(v, ':', vl);
        }
    }
    uri = p->n_ns ? ns_lookup_at(p, v, colon, &pl) : NULL;
    if (uri) {
        size_t ul = strlen(uri), rl = vl - pl - 1;
        char *s = ph_alloc(p, ul + rl + 1);
        if (!s)
            return ZL_ENOMEM;
        memcpy(s, uri, ul);
        memcpy(s + ul, v + pl + 1, rl);
        s[ul + rl] = '\0';
        v = s;
        vl = ul + rl;
    }
    nd->val = v;
    nd->vlen = vl;
    return 0;
}

static int node_cmp(const struct ph_node *a, const struct ph_node *b);

static int kids_cmp(const struct ph_node *a, const struct ph_node *b)
{
    size_t i;
    for (i = 0; i < a->nk && i < b->nk; i++) {
        int c = node_cmp(a->kids[i], b->kids[i]);
        if (c)
            return c;
    }
    return a->nk < b->nk ? -1 : (a->nk > b->nk ? 1 : 0);
}

static int node_cmp(const struct ph_node *a, const struct ph_node *b)
{
    int c = cmp_str(a->name, a->nlen, b->name, b->nlen);
    if (c)
        return c;
    c = cmp_str(a->val, a->vlen, b->val, b->vlen);
    if (c)
        return c;
    return kids_cmp(a, b);
}

static int node_qcmp(const void *x, const void *y)
{
    return node_cmp(*(struct ph_node *const *)x, *(struct ph_node *const *)y);
}

static int build(struct ph *p, json_t *j, struct ph_node *nd, int top, int raw,
                 size_t depth);

/* A JSON key that keeps its object in document order (the reference's
 * typed-list entries). */
static int is_pair_key(const char *k)
{
    return (k[0] == 'b' && !strcmp(k, "bizTransaction")) ||
           (k[0] == 's' && !strcmp(k, "source")) ||
           (k[0] == 'd' && !strcmp(k, "destination"));
}

static int is_pair_list(const char *n, size_t l)
{
    return (l == 10 && !memcmp(n, "sourceList", 10)) ||
           (l == 15 && !memcmp(n, "destinationList", 15)) ||
           (l == 18 && !memcmp(n, "bizTransactionList", 18));
}

/* The XML binding's element names (step 1): inputEPC and outputEPC are
 * epc, the quantity elements quantityElement. On a node whose children
 * are built. */
static inline void rename_element(struct ph_node *nd)
{
    /* most names have none of the five lengths */
    if (nd->nlen < 8 || nd->nlen > 14 || (nd->nlen > 9 && nd->nlen < 13))
        return;
    if (NAME_IS(nd, "inputEPC") || NAME_IS(nd, "outputEPC")) {
        nd->name = "epc";
        nd->nlen = 3;
    } else if (NAME_IS(nd, "inputQuantity") || NAME_IS(nd, "outputQuantity") ||
               NAME_IS(nd, "childQuantity") ||
               (NAME_IS(nd, "quantity") && nd->nk > 0)) {
        nd->name = "quantityElement";
        nd->nlen = 15;
    }
}

/* The child array of nd for n children, and the n nodes themselves in
 * one allocation (*blk): one arena call per object or array instead of
 * one per child. */
static int alloc_kids(struct ph *p, struct ph_node *nd, size_t n,
                      struct ph_node **blk)
{
    size_t m = n ? n : 1;
    nd->kids = ph_alloc(p, m * (sizeof *nd->kids + sizeof **blk));
    if (!nd->kids)
        return ZL_ENOMEM;
    *blk = (struct ph_node *)(void *)(nd->kids + m);
    return 0;
}

/* Child node c (storage from alloc_kids()) for v, named name (NULL: an
 * array element, no name), put in *slot. */
static int build_child(struct ph *p, json_t *v, const char *name, size_t nlen,
                       struct ph_node *c, struct ph_node **slot, int raw,
                       size_t depth)
{
    int r;
    memset(c, 0, sizeof *c);
    c->name = "";
    c->val = "";
    /* a string leaf, most nodes: without the call to build() */
    if (json_is_string(v) && depth < 256)
        r = set_string_value(p, c, json_string_value(v), json_string_length(v));
    else
        r = build(p, v, c, 0, raw, depth + 1);
    if (r < 0)
        return r;
    if (name) {
        c->name = name;
        c->nlen = nlen;
    }
    if (!raw)
        rename_element(c);
    *slot = c;
    return 0;
}

static int skip_key(struct ph *p, const char *k, int top)
{
    size_t i;
    switch (k[0]) {
    case '#':
        if (!strcmp(k, "#text"))
            return 1;
        break;
    case 'r':
        if (!strcmp(k, "rdfs:comment"))
            return 1;
        break;
    case 'c':
        if (!strcmp(k, "comment"))
            return 1;
        break;
    case '@':
        if (!strncmp(k, "@xmlns", 6))
            return 1;
        /* An @context anywhere is JSON-LD machinery that binds prefixes
         * (see build()), not event data. */
        if (p->hc->skip_context && !strcmp(k, "@context") &&
            (top || !p->hc->legacy_ctx))
            return 1;
        break;
    default: break;
    }
    if (top)
        for (i = 0; i < p->hc->n_ignore; i++)
            if (!strcmp(k, p->hc->ignore[i]))
                return 1;
    return 0;
}

/* The child nodes of member k: v of an object, one per element when v is
 * an array (all named by k), into c[] and slot[]; *made their count. */
static int build_members(struct ph *p, const char *k, size_t kl, json_t *v,
                         struct ph_node *c, struct ph_node **slot, size_t *made,
                         int raw, size_t depth)
{
    const char *name;
    size_t nlen, i, na;
    int r;
    *made = 0;
    /* one name for all the elements of an array */
    if ((r = key_name(p, k, kl, &name, &nlen)) < 0)
        return r;
    if (!json_is_array(v)) {
        if ((r = build_child(p, v, name, nlen, c, slot, raw, depth)) < 0)
            return r;
        *made = 1;
        return 0;
    }
    na = json_array_size(v);
    for (i = 0; i < na; i++)
        if ((r = build_child(p, json_array_get(v, i), name, nlen, &c[i],
                             &slot[i], raw, depth)) < 0)
            return r;
    *made = na;
    return 0;
}

/* The children of an object in the XML binding's shape (step 1), built
 * straight into it: members named "...List" are grouped under one list
 * node (one per name, after the other children, in order of first
 * appearance) whose elements lose the "List" suffix; the elements of
 * bizTransactionList, sourceList and destinationList become pairs (the
 * first two children of the element in build order, nameless, kept as
 * built: raw, sorted unless they hold a typed entry) and childEPCs
 * elements become "epc" leaves under one childEPCs node, last. keys,
 * vals: the nkeys members to build, n children at most. */
static int build_corrected(struct ph *p, struct ph_node *nd, const char **keys,
                           json_t **vals, size_t nkeys, size_t n, size_t depth)
{
    struct ph_node *blk, *grp, *cepc = NULL, **tmp;
    size_t m, nb = 0, np = 0, ng = 0, made, i, g;
    int r;
    /* kids: the children, the groups (one a key at most), childEPCs;
     * blk: the element nodes, then the group nodes; tmp: where each
     * member's nodes land before they go to their group */
    nd->kids = ph_alloc(p, (n + nkeys + 1) * sizeof *nd->kids);
    blk = ph_alloc(p, (n + nkeys + 1) * sizeof *blk);
    tmp = ph_alloc(p, (n ? n : 1) * sizeof *tmp);
    if (!nd->kids || !blk || !tmp)
        return ZL_ENOMEM;
    grp = blk + n;
    for (m = 0; m < nkeys; m++) {
        const char *k = keys[m];
        size_t kl = strlen(k);
        struct ph_node *to = NULL;
        int pair = 0;
        /* an empty array gives no child, so no group either */
        if (json_is_array(vals[m]) && json_array_size(vals[m]) == 0)
            continue;
        /* the key's suffix decides, as the node name's would: a bound
         * prefix only changes what comes before the ':' */
        if (kl >= 4 && !memcmp(k + kl - 4, "List", 4)) {
            const char *name;
            size_t nlen;
            if ((r = key_name(p, k, kl, &name, &nlen)) < 0)
                return r;
            for (g = 0; g < ng; g++)
                if (cmp_str(grp[g].name, grp[g].nlen, name, nlen) == 0)
                    to = &grp[g];
            if (!to) {
                if (ng == 64)
                    return ZL_ELIMIT;
                to = &grp[ng++];
                memset(to, 0, sizeof *to);
                to->name = name;
                to->nlen = nlen;
                to->val = "";
                to->kids = ph_alloc(p, (n ? n : 1) * sizeof *to->kids);
                if (!to->kids)
                    return ZL_ENOMEM;
            }
            pair = is_pair_list(name, nlen);
        } else if (kl == 9 && !memcmp(k, "childEPCs", 9)) {
            if (!cepc) {
                cepc = &grp[nkeys];
                memset(cepc, 0, sizeof *cepc);
                cepc->name = "childEPCs";
                cepc->nlen = 9;
                cepc->val = "";
                cepc->kids = ph_alloc(p, (n ? n : 1) * sizeof *cepc->kids);
                if (!cepc->kids)
                    return ZL_ENOMEM;
            }
            to = cepc;
        }
        if (!to) {
            if ((r = build_members(p, k, kl, vals[m], blk + nb, nd->kids + np,
                                   &made, 0, depth)) < 0)
                return r;
            nb += made;
            np += made;
            continue;
        }
        if ((r = build_members(p, k, kl, vals[m], blk + nb, tmp, &made, pair,
                               depth)) < 0)
            return r;
        for (i = 0; i < made; i++) {
            struct ph_node *e = tmp[i];
            if (to == cepc) { /* an epc leaf with the element's value */
                e->name = "epc";
                e->nlen = 3;
                e->nk = 0;
            } else if (pair) {
                e->pair = 1;
                e->name = "";
                e->nlen = 0;
                e->val = "";
                e->vlen = 0;
                if (e->nk > 2)
                    e->nk = 2;
            } else {
                e->nlen -= 4;
                rename_element(e);
            }
            to->kids[to->nk++] = e;
        }
        nb += made;
    }
    for (g = 0; g < ng; g++)
        nd->kids[np++] = &grp[g];
    if (cepc)
        nd->kids[np++] = cepc;
    nd->nk = np;
    return 0;
}

/* Sort siblings into node_cmp() order. Lists are short (a dozen fields,
 * a few identifiers): insertion sort there, without qsort's indirect
 * calls; nodes that compare equal are identical, so stability does not
 * matter. */
static void sort_nodes(struct ph_node **a, size_t n)
{
    size_t i, j;
    if (n > 24) {
        qsort(a, n, sizeof *a, node_qcmp);
        return;
    }
    for (i = 1; i < n; i++) {
        struct ph_node *x = a[i];
        for (j = i; j > 0 && node_cmp(a[j - 1], x) > 0; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

static int build(struct ph *p, json_t *j, struct ph_node *nd, int top, int raw,
                 size_t depth)
{
    char num[64];
    struct ph_node *blk;
    int r, sort = 1;
    size_t n = 0, i;
    if (depth > 256)
        return ZL_ELIMIT;
    switch (json_typeof(j)) {
    case JSON_STRING:
        return set_string_value(p, nd, json_string_value(j),
                                json_string_length(j));
    case JSON_INTEGER: {
        json_int_t iv = json_integer_value(j);
        size_t k = 0;
        if (iv < 0)
            num[k++] = '-';
        k += put_u64(num + k, iv < 0 ? 0 - (uint64_t)iv : (uint64_t)iv);
        num[k] = '\0';
        goto scalar;
    }
    case JSON_REAL:
        python_repr(json_real_value(j), num, sizeof num);
        goto scalar;
    case JSON_TRUE:
        nd->val = "True";
        nd->vlen = 4;
        return 0;
    case JSON_FALSE:
        nd->val = "False";
        nd->vlen = 5;
        return 0;
    case JSON_NULL:
        nd->val = "None";
        nd->vlen = 4;
        return 0;
    case JSON_ARRAY:
        n = json_array_size(j);
        if ((r = alloc_kids(p, nd, n, &blk)) < 0)
            return r;
        for (i = 0; i < n; i++) {
            json_t *e = json_array_get(j, i);
            if ((r = build_child(p, e, NULL, 0, &blk[i], &nd->kids[i], raw,
                                 depth)) < 0)
                return r;
            if (raw && json_is_string(e) &&
                (!strcmp(json_string_value(e), "bizTransaction") ||
                 !strcmp(json_string_value(e), "source") ||
                 !strcmp(json_string_value(e), "destination")))
                sort = 0;
        }
        nd->nk = n;
        break;
    case JSON_OBJECT: {
        const char *k, **keys;
        json_t *v, *text = NULL, *ctx = NULL, **vals;
        void *it;
        const struct ep_ns *outer = p->ns;
        size_t n_outer = p->n_ns, nkeys = 0, m = json_object_size(j);
        /* one pass over jansson's table finds #text and @context (a
         * lookup each per object cost more than the pass), counts the
         * children and keeps the members for the second loop */
        keys = ph_alloc(p, (m ? m : 1) * (sizeof *keys + sizeof *vals));
        if (!keys)
            return ZL_ENOMEM;
        vals = (json_t **)(void *)(keys + (m ? m : 1));
        /* jansson's iterator directly: json_object_foreach() makes five
         * library calls per member, this three */
        for (it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
            k = json_object_iter_key(it);
            v = json_object_iter_value(it);
            if (k[0] == '#' && !strcmp(k, "#text"))
                text = v;
            else if (k[0] == '@' && !strcmp(k, "@context"))
                ctx = v;
            if (nkeys == m || skip_key(p, k, top))
                continue;
            keys[nkeys] = k;
            vals[nkeys++] = v;
            n += json_is_array(v) ? json_array_size(v) : 1;
        }
        if (ctx && p->hc->skip_context && !p->hc->legacy_ctx) {
            struct ep_ns *in = NULL;
            size_t n_in = 0, cap = 0;
            if (++p->n_ctx > EP_MAX_CONTEXTS)
                return ZL_ELIMIT;
            if ((r = ep_ns_copy(outer, n_outer, p->a, &in, &n_in, &cap)) < 0 ||
                (r = ep_ns_apply(ctx, p->a, &in, &n_in, &cap)) < 0)
                return r;
            p->ns = in;
            p->n_ns = n_in;
            ns_first_set(p);
        }
        if (json_is_string(text)) {
            nd->val = json_string_value(text);
            nd->vlen = json_string_length(text);
        }
        if (raw) {
            if ((r = alloc_kids(p, nd, n, &blk)) < 0)
                return r;
            for (m = 0, n = 0; m < nkeys; m++) {
                if (is_pair_key(keys[m]))
                    sort = 0;
                if ((r = build_members(p, keys[m], strlen(keys[m]), vals[m],
                                       blk + n, nd->kids + n, &i, 1, depth)) <
                    0)
                    return r;
                n += i;
            }
            nd->nk = n;
        } else if ((r = build_corrected(p, nd, keys, vals, nkeys, n, depth)) <
                   0) {
            return r;
        }
        if (p->ns != outer || p->n_ns != n_outer) {
            p->ns = outer;
            p->n_ns = n_outer;
            ns_first_set(p);
        }
        break;
    }
    default: return 0;
    }
    /* Only the kids of the elements of a typed list are read in their
     * order (the first two make the pair, see build_corrected()), and
     * node_cmp() compares those subtrees: elsewhere ordered() sorts what
     * it writes for each field of the canonical order, and generic()
     * sorts its pieces unless one is named bizTransaction, source or
     * destination, and then the object was not sorted either (document
     * order, as here). Sorting every object was a tenth of the pre-hash. */
    if (raw && sort && !top && nd->nk > 1)
        sort_nodes(nd->kids, nd->nk);
    return 0;
scalar : {
    size_t l = strlen(num);
    char *s = ep_strndup(p->a, num, l);
    if (!s)
        return ZL_ENOMEM;
    nd->val = s;
    nd->vlen = l;
    return 0;
}
}

/* ---- step 3: output ---- */
struct piece {
    size_t off, len;
};

static int piece_cmp(const void *x, const void *y, void *ctx)
{
    const struct piece *a = x, *b = y;
    const char *base = ctx;
    return cmp_str(base + a->off, a->len, base + b->off, b->len);
}

/* Sort the pieces (which tile out[start..]) and rewrite them in order. */
static int sort_region(struct ph *p, size_t start, struct piece *pc, size_t n)
{
    size_t len = p->out->len - start, i, at = start;
    char *copy;
    if (n < 2)
        return 0;
    if (n > 24) {
        qsort_r(pc, n, sizeof *pc, piece_cmp, p->out->data);
    } else { /* short lists, as sort_nodes() */
        int moved = 0;
        for (i = 1; i < n; i++) {
            struct piece x = pc[i];
            size_t j;
            for (j = i; j > 0 && piece_cmp(&pc[j - 1], &x, p->out->data) > 0;
                 j--)
                pc[j] = pc[j - 1];
            pc[j] = x;
            moved |= j != i;
        }
        if (!moved) /* already in order (often): nothing to rewrite */
            return 0;
    }
    copy = ph_alloc(p, len);
    if (!copy)
        return ZL_ENOMEM;
    memcpy(copy, p->out->data + start, len);
    for (i = 0; i < n; i++) {
        memcpy(p->out->data + at, copy + (pc[i].off - start), pc[i].len);
        at += pc[i].len;
    }
    return 0;
}

static size_t active_count(const struct ph_node *nd)
{
    size_t i, c = 0;
    for (i = 0; i < nd->nk; i++)
        c += !nd->kids[i]->removed;
    return c;
}

static int generic(struct ph *p, struct ph_node **list, size_t n);

static int generic_kids(struct ph *p, struct ph_node *nd)
{
    struct ph_node **act;
    size_t i, m = 0;
    if (nd->nk == 0)
        return 0;
    act = ph_alloc(p, nd->nk * sizeof *act);
    if (!act)
        return ZL_ENOMEM;
    for (i = 0; i < nd->nk; i++)
        if (!nd->kids[i]->removed)
            act[m++] = nd->kids[i];
    return generic(p, act, m);
}

static int generic(struct ph *p, struct ph_node **list, size_t n)
{
    struct piece *pc;
    size_t start = p->out->len, i;
    int r, sort = 1;
    if (n == 0)
        return 0;
    pc = ph_alloc(p, n * sizeof *pc);
    if (!pc)
        return ZL_ENOMEM;
    for (i = 0; i < n; i++) {
        struct ph_node *c = list[i];
        size_t s0 = p->out->len;
        if (c->pair) {
            if ((r = generic(p, c->kids, c->nk)) < 0)
                return r;
        } else {
            const char *v = c->val;
            size_t vl = c->vlen;
            if (NAME_IS(c, "bizTransaction") || NAME_IS(c, "source") ||
                NAME_IS(c, "destination"))
                sort = 0;
            if ((r = out_add(p->out, c->name, c->nlen)) < 0)
                return r;
            strip(&v, &vl);
            if (vl) {
                if ((r = out_addc(p->out, '=')) < 0 ||
                    (r = add_canonical(p, v, vl)) < 0)
                    return r;
            }
            if ((r = generic_kids(p, c)) < 0)
                return r;
        }
        pc[i].off = s0;
        pc[i].len = p->out->len - s0;
    }
    if (n > 1 && sort)
        return sort_region(p, start, pc, n);
    return 0;
}

static int ordered(struct ph *p, struct ph_node *parent,
                   const struct ph_order *order, size_t norder);

static int child_string(struct ph *p, struct ph_node *c,
                        const struct ph_order *o)
{
    size_t start = p->out->len, m1;
    const char *v = c->val;
    size_t vl = c->vlen;
    int r;
    if ((r = out_add(p->out, c->name, c->nlen)) < 0)
        return r;
    m1 = p->out->len;
    strip(&v, &vl);
    if (vl) {
        char ts[32];
        /* c is named o->name */
        int is_time = o->is_time;
        if ((r = out_addc(p->out, '=')) < 0)
            return r;
        if (is_time) {
            if (fix_timestamp(v, vl, ts))
                r = out_adds(p->out, ts);
            else
                r = out_add(p->out, v, vl);
        } else {
            r = add_canonical(p, v, vl);
        }
        if (r < 0)
            return r;
    }
    if (o->sub && (r = ordered(p, c, o->sub, o->nsub)) < 0)
        return r;
    if (p->out->len == m1)
        p->out->len = start, p->out->data[start] = '\0';
    return 0;
}

/* Which entry of an order table names child c (norder: none). The three
 * long tables (the event's, sensor reports', sensor metadata's) are
 * looked up in a small hash of (length, first and last byte) built once;
 * scanning 23 names for each of an event's two dozen children was most
 * of ordered(). A table whose keys collided in that hash would keep the
 * scan (none does: test_event_hash's random events fail if a lookup
 * goes wrong, which they cannot notice on the scan). */
#define ORD_HBITS 8
static const struct ph_order *const ord_tab[] = {o_event, o_report, o_meta};
static const size_t ord_ntab[] = {N(o_event), N(o_report), N(o_meta)};
static unsigned char ord_ix[N(ord_tab)][1u << ORD_HBITS];
static int ord_ok[N(ord_tab)];
static pthread_once_t ord_once = PTHREAD_ONCE_INIT;

static size_t ord_hash(const char *name, size_t len)
{
    /* found by search: no two names of one table collide ("minValue" and
     * "maxValue" need the second byte) */
    return (len + (unsigned char)name[0] * 5u + (unsigned char)name[len - 1] +
            (unsigned char)name[len > 1] * 31u) &
           ((1u << ORD_HBITS) - 1);
}

static void ord_init(void)
{
    size_t t, k;
    for (t = 0; t < N(ord_tab); t++) {
        ord_ok[t] = 1;
        for (k = 0; k < ord_ntab[t]; k++) {
            size_t h = ord_hash(ord_tab[t][k].name, ord_tab[t][k].len);
            if (ord_ix[t][h])
                ord_ok[t] = 0;
            ord_ix[t][h] = (unsigned char)(k + 1);
        }
    }
}

/* Which hashed table order is (N(ord_tab): none, or not usable; scan
 * it): once per ordered() call, not once per child. */
static size_t order_table(const struct ph_order *order)
{
    size_t t;
    for (t = 0; t < N(ord_tab); t++)
        if (order == ord_tab[t])
            break;
    if (t == N(ord_tab) || pthread_once(&ord_once, ord_init) != 0 || !ord_ok[t])
        return N(ord_tab);
    return t;
}

/* t: order_table(order). */
static size_t order_find(const struct ph_order *order, size_t norder, size_t t,
                         const struct ph_node *c)
{
    size_t k;
    if (c->nlen == 0 || t == N(ord_tab))
        goto scan;
    k = ord_ix[t][ord_hash(c->name, c->nlen)];
    if (k && c->nlen == order[k - 1].len &&
        memcmp(c->name, order[k - 1].name, c->nlen) == 0)
        return k - 1;
    return norder;
scan:
    for (k = 0; k < norder; k++)
        if (c->nlen == order[k].len &&
            memcmp(c->name, order[k].name, c->nlen) == 0)
            break;
    return k;
}

/* 1 if name[0..n) holds "eventTime" or "action": the reference's test
 * for the event's own level, where user extensions are not moved after
 * their parent's fields. One byte loop instead of two searches. */
static int names_event_field(const char *name, size_t n)
{
    size_t i;
    for (i = 0; i + 6 <= n; i++)
        if ((name[i] == 'a' && !memcmp(name + i, "action", 6)) ||
            (name[i] == 'e' && i + 9 <= n && !memcmp(name + i, "eventTime", 9)))
            return 1;
    return 0;
}

/* Sort the (slot << 40 | child index) keys of ordered() into slot order,
 * document order within a slot. They are mostly in order already (an
 * event's fields come in about the canonical order, a list's elements
 * all share one slot): one pass checks, insertion sort for short lists,
 * qsort for long ones (no two keys are equal). */
static int key_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static void sort_keys(uint64_t *e, size_t n)
{
    size_t i, j;
    for (i = 1; i < n && e[i - 1] < e[i]; i++)
        ;
    if (i >= n)
        return;
    if (n > 24) {
        qsort(e, n, sizeof *e, key_cmp);
        return;
    }
    for (; i < n; i++) {
        uint64_t x = e[i];
        for (j = i; j > 0 && e[j - 1] > x; j--)
            e[j] = e[j - 1];
        e[j] = x;
    }
}

static int ordered(struct ph *p, struct ph_node *parent,
                   const struct ph_order *order, size_t norder)
{
    struct ph_node **exts = NULL;
    struct piece *pc;
    size_t next = 0, i, k, at, ne = 0, nact = 0, tab, n = parent->nk;
    uint64_t *ent;
    int r, top = 0;
    if (n == 0)
        return 0;
    if (norder > EP_ORDER_MAX)
        return ZL_ELIMIT; /* the tables below never are */
    /* user extensions nested in this element go after its own fields,
     * unless a sibling names an event field (the event's own level) */
    for (i = 0; i < n; i++) {
        struct ph_node *c = parent->kids[i];
        if (c->removed)
            continue;
        nact++;
        if (!top && !c->pair && names_event_field(c->name, c->nlen))
            top = 1;
    }
    if (nact > 1 && !top) {
        for (i = 0; i < n; i++) {
            struct ph_node *c = parent->kids[i];
            if (!c->removed && !c->pair && memchr(c->name, '{', c->nlen) &&
                mem_has(c->name, c->nlen, "/}")) {
                if (!exts) {
                    exts = ph_alloc(p, n * sizeof *exts);
                    if (!exts)
                        return ZL_ENOMEM;
                }
                exts[next++] = c;
                c->removed = 1;
            }
        }
    }
    /* the two work arrays in one allocation */
    pc = ph_alloc(p, n * (sizeof *pc + sizeof *ent));
    if (!pc)
        return ZL_ENOMEM;
    ent = (uint64_t *)(void *)(pc + n);
    /* Each child that an order entry names, keyed by (entry, position),
     * sorted: the same visits as one scan of all children per entry,
     * without walking the entries that name no child (most of them). */
    tab = order_table(order);
    for (i = 0; i < n; i++) {
        struct ph_node *c = parent->kids[i];
        if (c->removed || c->pair)
            continue;
        k = order_find(order, norder, tab, c);
        if (k < norder)
            ent[ne++] = (uint64_t)k << 40 | i;
    }
    sort_keys(ent, ne);
    for (at = 0; at < ne;) {
        size_t start = p->out->len, np = 0;
        k = (size_t)(ent[at] >> 40);
        for (; at < ne && (size_t)(ent[at] >> 40) == k; at++) {
            struct ph_node *c =
                parent->kids[(size_t)(ent[at] & (((uint64_t)1 << 40) - 1))];
            size_t s0 = p->out->len;
            if ((r = child_string(p, c, &order[k])) < 0)
                return r;
            if (p->out->len > s0) {
                pc[np].off = s0;
                pc[np++].len = p->out->len - s0;
            }
            if (active_count(c) == 0)
                c->removed = 1;
        }
        if (np > 1 && (r = sort_region(p, start, pc, np)) < 0)
            return r;
    }
    if (next)
        return generic(p, exts, next);
    return 0;
}

int ep_prehash(json_t *event, const char *type, const struct ep_hashctx *hc,
               struct ep_arena *scratch, struct zl_buf *out)
{
    struct ph p;
    struct ph_node root, **rest;
    size_t i, n = 0;
    int r;
    p.hc = hc;
    p.a = scratch;
    p.out = out;
    p.ns = hc->ns;
    p.n_ns = hc->n_ns;
    p.n_ctx = 0;
    p.bump = p.bump_end = NULL;
    ns_first_set(&p);
    ep_arena_reset(scratch);
    zl_buf_reset(out);
    p.xlen = NULL;
    if (hc->n_expanded) {
        if (!(p.xlen = ep_alloc(scratch, hc->n_expanded * sizeof *p.xlen)))
            return ZL_ENOMEM;
        for (i = 0; i < hc->n_expanded; i++)
            p.xlen[i] = strlen(hc->expanded[i]);
    }
    memset(&root, 0, sizeof root);
    root.name = type;
    root.nlen = strlen(type);
    root.val = "";
    if ((r = build(&p, event, &root, 1, 0, 0)) < 0)
        return r;
    if ((r = out_adds(out, "eventType=")) < 0 || (r = out_adds(out, type)) < 0)
        return r;
    {
        struct ph_order top = {"", 0, o_event, N(o_event), 0};
        if ((r = ordered(&p, &root, top.sub, top.nsub)) < 0)
            return r;
    }
    rest = ep_alloc(scratch, (root.nk ? root.nk : 1) * sizeof *rest);
    if (!rest)
        return ZL_ENOMEM;
    for (i = 0; i < root.nk; i++) {
        struct ph_node *c = root.kids[i];
        if (c->removed || NAME_IS(c, "recordTime") || NAME_IS(c, "eventID") ||
            NAME_IS(c, "type") || NAME_IS(c, "errorDeclaration"))
            continue;
        rest[n++] = c;
    }
    if ((r = generic(&p, rest, n)) < 0)
        return r;
    if (!out->data)
        return out_adds(out, "");
    return 0;
}

/* ---- document-wide inputs ---- */
int ep_ns_copy(const struct ep_ns *from, size_t n_from, struct ep_arena *a,
               struct ep_ns **ns, size_t *n_ns, size_t *cap)
{
    *ns = NULL;
    *n_ns = 0;
    *cap = 0;
    if (n_from == 0)
        return 0;
    if (!(*ns = ep_alloc(a, n_from * sizeof **ns)))
        return ZL_ENOMEM;
    memcpy(*ns, from, n_from * sizeof **ns);
    *n_ns = *cap = n_from;
    return 0;
}

/* Bind (uri != NULL) or unbind (uri == NULL) one prefix. Deduplicating
 * (append = 0: the document's bindings, which find_ignore() reads too)
 * keeps one entry per prefix and no NULL; appending (the scopes of
 * build()) is O(1) and relies on ns_lookup() searching from the end, so
 * a hostile event cannot make every nested @context cost its size times
 * the bindings in scope. Either way at most EP_MAX_PREFIXES entries. */
static int ns_set(struct ep_arena *a, struct ep_ns **ns, size_t *n, size_t *cap,
                  const char *prefix, const char *uri, int append)
{
    size_t j = *n;
    if (!append) {
        for (j = 0; j < *n; j++)
            if (!strcmp((*ns)[j].prefix, prefix))
                break;
        if (j < *n) {
            if (uri) {
                (*ns)[j].uri = uri;
            } else {
                memmove(*ns + j, *ns + j + 1, (*n - j - 1) * sizeof **ns);
                (*n)--;
            }
            return 0;
        }
        if (!uri)
            return 0;
    }
    if (*n >= EP_MAX_PREFIXES)
        return ZL_ELIMIT;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct ep_ns *nn = ep_alloc(a, nc * sizeof *nn);
        if (!nn)
            return ZL_ENOMEM;
        if (*n)
            memcpy(nn, *ns, *n * sizeof *nn);
        *ns = nn;
        *cap = nc;
    }
    (*ns)[*n].prefix = prefix;
    (*ns)[*n].uri = uri;
    (*n)++;
    return 0;
}

static int ns_apply_one(json_t *c, struct ep_arena *a, struct ep_ns **ns,
                        size_t *n, size_t *cap, int append)
{
    const char *k;
    json_t *v;
    int r;
    if (json_is_null(c)) { /* "@context": null resets */
        *n = 0;
        return 0;
    }
    if (!json_is_object(c)) /* a remote context: not fetched */
        return 0;
    json_object_foreach(c, k, v)
    {
        if (k[0] == '@')
            continue;
        if (json_is_string(v))
            r = ns_set(a, ns, n, cap, k, json_string_value(v), append);
        else if (json_is_null(v)) /* "ex": null unbinds */
            r = ns_set(a, ns, n, cap, k, NULL, append);
        else
            r = 0;
        if (r < 0)
            return r;
    }
    return 0;
}

static int ns_apply(json_t *context, struct ep_arena *a, struct ep_ns **ns,
                    size_t *n_ns, size_t *cap, int append)
{
    size_t i;
    int r;
    if (!json_is_array(context))
        return ns_apply_one(context, a, ns, n_ns, cap, append);
    for (i = 0; i < json_array_size(context); i++)
        if ((r = ns_apply_one(json_array_get(context, i), a, ns, n_ns, cap,
                              append)) < 0)
            return r;
    return 0;
}

int ep_ns_apply(json_t *context, struct ep_arena *a, struct ep_ns **ns,
                size_t *n_ns, size_t *cap)
{
    return ns_apply(context, a, ns, n_ns, cap, 1);
}

int ep_collect_ns_legacy(json_t *context, struct ep_arena *a, struct ep_ns **ns,
                         size_t *n_ns)
{
    size_t i, cap = 0;
    int r;
    *ns = NULL;
    *n_ns = 0;
    if (!json_is_array(context))
        return 0;
    for (i = 0; i < json_array_size(context); i++) {
        json_t *c = json_array_get(context, i), *v;
        const char *k;
        if (!json_is_object(c))
            continue;
        json_object_foreach(c, k, v)
        {
            if (json_is_string(v) && k[0] != '@' &&
                (r = ns_set(a, ns, n_ns, &cap, k, json_string_value(v), 0)) < 0)
                return r;
        }
    }
    return 0;
}

int ep_collect_ns(json_t *context, struct ep_arena *a, struct ep_ns **ns,
                  size_t *n_ns)
{
    size_t cap = 0;
    *ns = NULL;
    *n_ns = 0;
    return ns_apply(context, a, ns, n_ns, &cap, 0);
}

static int add_expanded(struct ep_arena *a, const char ***exp, size_t *n,
                        size_t *cap, const char *s, size_t sl, const char *pre)
{
    size_t i, pl = pre ? strlen(pre) : 0;
    char *v;
    for (i = 0; i < *n; i++)
        if (strlen((*exp)[i]) == pl + sl &&
            (!pl || !memcmp((*exp)[i], pre, pl)) &&
            !memcmp((*exp)[i] + pl, s, sl))
            return 0;
    if (*n >= 4096)
        return 0;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        const char **ne = ep_alloc(a, nc * sizeof *ne);
        if (!ne)
            return ZL_ENOMEM;
        if (*n)
            memcpy(ne, *exp, *n * sizeof *ne);
        *exp = ne;
        *cap = nc;
    }
    v = ep_alloc(a, pl + sl + 1);
    if (!v)
        return ZL_ENOMEM;
    if (pl)
        memcpy(v, pre, pl);
    memcpy(v + pl, s, sl);
    v[pl + sl] = '\0';
    (*exp)[(*n)++] = v;
    return 0;
}

static int vocab_value(json_t *v, enum ep_vocab voc, struct ep_arena *a,
                       const char ***exp, size_t *n, size_t *cap)
{
    const char *s;
    size_t sl;
    if (!json_is_string(v))
        return 0;
    s = json_string_value(v);
    sl = json_string_length(v);
    if (ep_vocab_has(voc, s, sl))
        return add_expanded(a, exp, n, cap, s, sl, ep_vocab_prefix(voc));
    if (sl > 4 && !memcmp(s, "cbv:", 4))
        return add_expanded(a, exp, n, cap, s + 4, sl - 4,
                            "https://ref.gs1.org/cbv/");
    if (sl > 4 && !memcmp(s, "gs1:", 4))
        return add_expanded(a, exp, n, cap, s + 4, sl - 4,
                            "https://gs1.org/voc/");
    return 0;
}

static int walk_full_uris(json_t *j, struct ep_arena *a, const char ***exp,
                          size_t *n, size_t *cap, size_t depth, int legacy)
{
    int r;
    if (depth > 256)
        return 0;
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        size_t sl = json_string_length(j);
        if ((sl > 23 && !memcmp(s, "https://ref.gs1.org/cbv", 23)) ||
            (sl > 19 && !memcmp(s, "https://gs1.org/voc", 19)))
            return add_expanded(a, exp, n, cap, s, sl, NULL);
    } else if (json_is_array(j)) {
        size_t i;
        for (i = 0; i < json_array_size(j); i++)
            if ((r = walk_full_uris(json_array_get(j, i), a, exp, n, cap,
                                    depth + 1, legacy)) < 0)
                return r;
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            /* a context's URIs are prefix bindings, not values */
            if (!legacy && !strcmp(k, "@context"))
                continue;
            if ((r = walk_full_uris(v, a, exp, n, cap, depth + 1, legacy)) < 0)
                return r;
        }
    }
    return 0;
}

int ep_collect_expanded(json_t *ev, struct ep_arena *a, const char ***exp,
                        size_t *n, size_t *cap, int legacy_ctx)
{
    static const struct {
        const char *list, *key;
        enum ep_vocab v;
    } typed[] = {{"bizTransactionList", "type", EP_VOC_BTT},
                 {"sourceList", "type", EP_VOC_SDT},
                 {"destinationList", "type", EP_VOC_SDT}};
    json_t *x, *pd, *sel;
    size_t i, j, k;
    int r;
    if (!json_is_object(ev))
        return 0;
    if ((r = vocab_value(json_object_get(ev, "bizStep"), EP_VOC_BIZSTEP, a, exp,
                         n, cap)) < 0 ||
        (r = vocab_value(json_object_get(ev, "disposition"), EP_VOC_DISP, a,
                         exp, n, cap)) < 0)
        return r;
    pd = json_object_get(ev, "persistentDisposition");
    for (k = 0; k < 2 && json_is_object(pd); k++) {
        x = json_object_get(pd, k ? "unset" : "set");
        for (i = 0; i < json_array_size(x); i++)
            if ((r = vocab_value(json_array_get(x, i), EP_VOC_DISP, a, exp, n,
                                 cap)) < 0)
                return r;
    }
    for (k = 0; k < N(typed); k++) {
        x = json_object_get(ev, typed[k].list);
        for (i = 0; i < json_array_size(x); i++)
            if ((r = vocab_value(
                     json_object_get(json_array_get(x, i), typed[k].key),
                     typed[k].v, a, exp, n, cap)) < 0)
                return r;
    }
    x = json_object_get(ev, "errorDeclaration");
    if (json_is_object(x) && (r = vocab_value(json_object_get(x, "reason"),
                                              EP_VOC_ER, a, exp, n, cap)) < 0)
        return r;
    sel = json_object_get(ev, "sensorElementList");
    for (i = 0; i < json_array_size(sel); i++) {
        json_t *rep = json_object_get(json_array_get(sel, i), "sensorReport");
        for (j = 0; j < json_array_size(rep); j++) {
            json_t *rp = json_array_get(rep, j);
            if ((r = vocab_value(json_object_get(rp, "type"), EP_VOC_MEASURE, a,
                                 exp, n, cap)) < 0 ||
                (r = vocab_value(json_object_get(rp, "exception"), EP_VOC_ALERT,
                                 a, exp, n, cap)) < 0 ||
                (r = vocab_value(json_object_get(rp, "component"), EP_VOC_COMP,
                                 a, exp, n, cap)) < 0)
                return r;
        }
    }
    return walk_full_uris(ev, a, exp, n, cap, 0, legacy_ctx);
}
