/*
 * query_sql.c - the EPCIS 2.0 SimpleEventQuery parameters turned into one
 * SELECT with bound values, for every SQL backend (contract in
 * query_sql.h).
 *
 * The SQL text is assembled from fixed fragments only; every value goes
 * through a binding, so no user text reaches the SQL parser. Identifier
 * matches (MATCH_*) become uncorrelated IN subqueries on event_ids, whose
 * primary key starts with the identifier: an exact ID is a point lookup
 * and a pattern ("...*") a range scan [prefix, successor of prefix).
 * Pagination is keyset (event_time, hash) rather than OFFSET, so page N
 * costs the same as page 1. EQ_eventID values that are our hash IDs
 * ("ni:///sha-256;<64 hex>?ver=CBV2.0", or the bare hex) are decoded here
 * and compared as the 32-byte key, one descent of the hash index.
 *
 * Prefix ranges compare bytes (SQLite's BINARY, PostgreSQL's "C"), and in
 * UTF-8 byte order is code point order, so the same range selects the
 * same identifiers on both. PostgreSQL refuses text that is not UTF-8,
 * and a pattern may be cut inside a character ("...\xe7*") or hold bytes
 * no identifier can contain: in that dialect the bounds are computed on
 * code points (the first and the one-past-last character a complete
 * identifier could have there), and a prefix no UTF-8 string can start
 * with matches nothing - which is also what the byte range finds, since
 * stored identifiers are UTF-8 (the JSON parser rejects anything else).
 *
 * Rejected: one builder per backend (two copies of the EPCIS semantics
 * drift apart); LIKE 'prefix%' (escaping, and neither engine turns a
 * bound LIKE pattern into an index range reliably).
 */
#include "store/query_sql.h"

#include "store/ident_code.h"
#include "util/alloc.h"
#include "zhiliang/codec.h"

#include <stdio.h>
#include <string.h>

struct qctx {
    struct zl_query_sql *q;
    const struct zl_query_dialect *d;
    int walk; /* patterns tested per event (zl_query_sql_build_walk) */
};

static void add(struct qctx *c, const char *frag)
{
    if (!c->q->rc)
        c->q->rc = zl_buf_adds(&c->q->sql, frag);
}

/* The next bind slot with its placeholder written, or NULL (q->rc set). */
static struct zl_query_bind *bind(struct qctx *c, enum zl_query_bind_kind k)
{
    static const char *const CAST[] = {"text", "bigint", "bytea"};
    struct zl_query_sql *q = c->q;
    struct zl_query_bind *b;

    if (q->rc)
        return NULL;
    if (q->n >= ZL_QUERY_MAX_BINDS) {
        q->rc = ZL_ELIMIT;
        return NULL;
    }
    b = &q->binds[q->n++];
    memset(b, 0, sizeof *b);
    b->kind = k;
    if (c->d->numbered)
        q->rc = zl_buf_printf(&q->sql, "$%d::%s", q->n, CAST[k]);
    else
        add(c, "?");
    return b;
}

static void bind_text(struct qctx *c, const char *t, size_t len)
{
    struct zl_query_bind *b = bind(c, ZL_QB_TEXT);

    if (b) {
        b->text = t;
        b->len = len;
    }
}

static void bind_int(struct qctx *c, int64_t v)
{
    struct zl_query_bind *b = bind(c, ZL_QB_INT);

    if (b)
        b->i = v;
}

static void bind_hash(struct qctx *c, const uint8_t *blob)
{
    struct zl_query_bind *b = bind(c, ZL_QB_HASH);

    if (b)
        b->blob = blob;
}

/* A buffer of len bytes owned by q (freed by zl_query_sql_cleanup), for
 * a computed bind value; NULL when out of memory (q->rc set). */
static void *keep(struct qctx *c, size_t len)
{
    struct zl_query_sql *q = c->q;
    char *p;

    if (q->rc)
        return NULL;
    if (q->n_owned >= ZL_QUERY_MAX_BINDS) {
        q->rc = ZL_ELIMIT;
        return NULL;
    }
    if (!(p = zl_malloc(len))) {
        q->rc = ZL_ENOMEM;
        return NULL;
    }
    q->owned[q->n_owned++] = p;
    return p;
}

/* The hash of a hash ID: the 64 lower-case hex digits after ';' (or the
 * whole value) up to an optional '?'. 0 when v is not one (then it can
 * only be a declared eventID). */
static int hash_of_id(const char *v, uint8_t out[32])
{
    const char *p = strchr(v, ';');
    const char *hx = p ? p + 1 : v;
    size_t hl = strcspn(hx, "?");

    if (hl != 64)
        return 0;
    for (size_t i = 0; i < hl; i++)
        if (!((hx[i] >= '0' && hx[i] <= '9') || (hx[i] >= 'a' && hx[i] <= 'f')))
            return 0;
    return zl_hex_decode(hx, hl, out, 32) == 0;
}

size_t zl_query_list_len(const char **l)
{
    size_t n = 0;

    while (l && l[n])
        n++;
    return n;
}

void zl_query_id_lists(const struct zl_event_filter *f,
                       const char **out[ZL_QUERY_ID_LISTS])
{
    out[0] = f->match_epc;
    out[1] = f->match_any_epc;
    out[2] = f->match_parent_id;
    out[3] = f->match_input_epc;
    out[4] = f->match_output_epc;
    out[5] = f->match_epc_class;
    out[6] = f->match_input_epc_class;
    out[7] = f->match_output_epc_class;
    out[8] = f->match_any_epc_class;
}

int zl_query_names_events(const struct zl_event_filter *f)
{
    const char **lists[ZL_QUERY_ID_LISTS];

    if (zl_query_list_len(f->event_ids) ||
        zl_query_list_len(f->transformation_ids))
        return 1;
    zl_query_id_lists(f, lists);
    for (size_t i = 0; i < ZL_QUERY_ID_LISTS; i++)
        if (zl_query_list_len(lists[i]))
            return 1;
    return 0;
}

/* The column that leads the ORDER BY (NULL: none), in a dialect that
 * asks for one (lead_order): an EQ_ parameter with a query index
 * (events(col, event_time), schema 6) and one value, in an event time
 * order, when no identifier narrows the rows more. Every row then has
 * that value, so "col, event_time, hash" is the same order as
 * "event_time, hash", and one that only the column's index gives: the
 * first page is a range scan that stops after a page. PostgreSQL's
 * planner, which assumes a value spreads evenly over time, otherwise
 * walked events_time and filtered: retail_selling, on 71% of the demo's
 * events but none of its first 7,400, cost 4-9 ms instead of 0.2. The
 * value is bound as the range col >= v AND col <= v (the same rows):
 * the planner drops an ORDER BY key equated to a constant, and would be
 * back to choosing events_time. SQLite's planner takes the column's
 * index for col = v by itself. Locations come first (usually the
 * narrower). */
static const char *lead_col(const struct zl_event_filter *f,
                            const struct zl_query_dialect *d)
{
    if (!d->lead_order || f->order_by == ZL_ORDER_RECORD_TIME ||
        zl_query_names_events(f))
        return NULL;
    if (zl_query_list_len(f->biz_locations) == 1)
        return "e.biz_location";
    if (zl_query_list_len(f->read_points) == 1)
        return "e.read_point";
    if (zl_query_list_len(f->dispositions) == 1)
        return "e.disposition";
    if (zl_query_list_len(f->biz_steps) == 1)
        return "e.biz_step";
    return NULL;
}

/* col IN (?, ?, ...), or col >= ? AND col <= ? for the lead column
 * (lead_col says why). */
static void in_list(struct qctx *c, const char *col, const char **vals,
                    const char *lead)
{
    size_t n = zl_query_list_len(vals);

    if (!n)
        return;
    if (col == lead) {
        add(c, " AND ");
        add(c, col);
        add(c, " >= ");
        bind_text(c, vals[0], strlen(vals[0]));
        add(c, " AND ");
        add(c, col);
        add(c, " <= ");
        bind_text(c, vals[0], strlen(vals[0]));
        return;
    }
    add(c, " AND ");
    add(c, col);
    add(c, " IN (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            add(c, ",");
        bind_text(c, vals[i], strlen(vals[i]));
    }
    add(c, ")");
}

/* The vocab form of in_list (dialect vocab): col = (SELECT n FROM vocab
 * WHERE v = ?) for one value, an uncorrelated scalar subquery that the
 * engine evaluates once and then uses as the constant of an equality on
 * the column's index (col, event_time), so the first page in time order
 * is still a range scan that stops after a page; IN (SELECT n ... WHERE
 * v IN (...)) for several. A value vocab lacks matches nothing. */
static void in_vocab(struct qctx *c, const char *col, const char **vals)
{
    size_t n = zl_query_list_len(vals);

    if (!n)
        return;
    add(c, " AND ");
    add(c, col);
    if (n == 1) {
        add(c, " = (SELECT n FROM vocab WHERE v = ");
        bind_text(c, vals[0], strlen(vals[0]));
        add(c, ")");
        return;
    }
    add(c, " IN (SELECT n FROM vocab WHERE v IN (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            add(c, ",");
        bind_text(c, vals[i], strlen(vals[i]));
    }
    add(c, "))");
}

/* in_list for one of the four vocab columns, in the dialect's form. */
static void in_coded(struct qctx *c, const char *col, const char **vals,
                     const char *lead)
{
    if (c->d->vocab)
        in_vocab(c, col, vals);
    else
        in_list(c, col, vals, lead);
}

/* A set of enum zl_id_role values as bits. */
#define ROLE(r) (1u << (r))

/* ---- prefix ranges --------------------------------------------------------
 * A range is [lo, hi) with hi absent when nothing is above every string
 * with the prefix; "none" when no identifier can have the prefix. lo and
 * hi are buffers of n + 4 bytes for a prefix of n.
 */
struct range {
    int none, has_hi;
    char *lo, *hi;
    size_t lo_len, hi_len;
};

/* Bytes: the successor of p[0..n) in memcmp order is p without its
 * trailing 0xFF bytes and with the last byte left raised by one; none
 * when p is empty or all 0xFF. */
static void range_bytes(const char *p, size_t n, struct range *r)
{
    size_t k = n;

    while (k && (unsigned char)p[k - 1] == 0xff)
        k--;
    memcpy(r->lo, p, n);
    r->lo_len = n;
    if ((r->has_hi = k != 0)) {
        memcpy(r->hi, p, k);
        r->hi[k - 1] = (char)((unsigned char)r->hi[k - 1] + 1);
        r->hi_len = k;
    }
}

static int surrogate(uint32_t cp)
{
    return cp >= 0xd800 && cp <= 0xdfff;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The code point after cp, skipping the surrogates. */
static uint32_t cp_next(uint32_t cp)
{
    return cp == 0xd7ff ? 0xe000 : cp + 1;
}

/* The length of the sequence a lead byte starts (0: not a lead byte) and
 * the code points such a sequence may hold. */
static size_t utf8_lead(unsigned char b, uint32_t *min, uint32_t *max)
{
    if (b < 0x80) {
        *min = 0, *max = 0x7f;
        return 1;
    }
    if (b >= 0xc2 && b <= 0xdf) {
        *min = 0x80, *max = 0x7ff;
        return 2;
    }
    if (b >= 0xe0 && b <= 0xef) {
        *min = 0x800, *max = 0xffff;
        return 3;
    }
    if (b >= 0xf0 && b <= 0xf4) {
        *min = 0x10000, *max = 0x10ffff;
        return 4;
    }
    return 0;
}

/* The code points [*lo, *hi] of the valid characters whose encoding
 * starts with s[0..k) (0 < k <= the sequence's length, *len). 0 when
 * there is none. */
static int utf8_span(const unsigned char *s, size_t k, size_t *len,
                     uint32_t *lo, uint32_t *hi)
{
    uint32_t min, max, a, b;

    *len = utf8_lead(s[0], &min, &max);
    if (!*len)
        return 0;
    if (k > *len)
        k = *len;
    a = b = *len == 1 ? s[0] : s[0] & (0x7fu >> *len);
    for (size_t i = 1; i < *len; i++) {
        if (i < k && (s[i] & 0xc0) != 0x80)
            return 0;
        a = a << 6 | (i < k ? s[i] & 0x3fu : 0);
        b = b << 6 | (i < k ? s[i] & 0x3fu : 0x3fu);
    }
    *lo = a > min ? a : min;
    *hi = b < max ? b : max;
    if (surrogate(*lo))
        *lo = 0xe000;
    if (surrogate(*hi))
        *hi = 0xd7ff;
    return *lo <= *hi;
}

/* Characters: p[0..n) is a run of complete characters then at most one
 * started one. The range is [the complete part and the first character
 * the started one can become, the complete part and the character after
 * the last it can become); with no started one, the upper bound raises
 * the last character by one (dropping trailing U+10FFFFs). */
static void range_utf8(const char *p, size_t n, struct range *r)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t at = 0, len = 0, last_at = 0;
    uint32_t lo = 0, hi = 0, last_cp = 0;
    int partial = 0, has_last = 0;

    while (at < n) {
        if (!utf8_span(u + at, n - at, &len, &lo, &hi)) {
            r->none = 1;
            return;
        }
        if (n - at < len) {
            partial = 1;
            break;
        }
        if (lo != hi) { /* a complete character is one code point */
            r->none = 1;
            return;
        }
        if (lo < 0x10ffff) {
            last_at = at;
            last_cp = lo;
            has_last = 1;
        }
        at += len;
    }
    memcpy(r->lo, p, at);
    r->lo_len = at;
    if (partial) {
        r->lo_len += utf8_put(lo, r->lo + at);
        if (hi < 0x10ffff) {
            memcpy(r->hi, p, at);
            r->hi_len = at + utf8_put(cp_next(hi), r->hi + at);
            r->has_hi = 1;
            return;
        }
    }
    if (has_last) {
        memcpy(r->hi, p, last_at);
        r->hi_len = last_at + utf8_put(cp_next(last_cp), r->hi + last_at);
        r->has_hi = 1;
    }
}

/* A BLOB literal x'...' of b[0..n): code bounds are the store's own
 * bytes (hex digits only in the SQL). */
static void add_blob(struct qctx *c, const void *b, size_t n)
{
    const unsigned char *p = b;

    add(c, "x'");
    for (size_t i = 0; i < n && !c->q->rc; i++)
        c->q->rc = zl_buf_printf(&c->q->sql, "%02x", p[i]);
    add(c, "'");
}

struct coded {
    struct qctx *c;
    int first;
};

/* One range of codes: TEXT bounds bound (kept by q), BLOB ones literal;
 * a TEXT range with no upper bound stops below the first BLOB. */
static int coded_range(void *ctx, int blob, const void *lo, size_t lo_len,
                       const void *hi, size_t hi_len)
{
    struct coded *k = ctx;
    struct qctx *c = k->c;
    char *t;

    add(c, k->first ? "(x.code >= " : " OR (x.code >= ");
    k->first = 0;
    if (blob) {
        add_blob(c, lo, lo_len);
        add(c, " AND x.code < ");
        add_blob(c, hi, hi_len);
    } else {
        if (!(t = keep(c, lo_len + hi_len + 1)))
            return c->q->rc;
        memcpy(t, lo, lo_len);
        bind_text(c, t, lo_len);
        add(c, " AND x.code < ");
        if (hi) {
            memcpy(t + lo_len, hi, hi_len);
            bind_text(c, t + lo_len, hi_len);
        } else {
            add(c, "x''");
        }
    }
    add(c, ")");
    return c->q->rc;
}

/* One pattern's range term, "(x.id >= lo AND x.id < hi)", or on a
 * dialect with coded_ids the ranges of codes it covers. */
static void prefix_term(struct qctx *c, const char *p, size_t n)
{
    struct range r;

    if (c->d->coded_ids) {
        struct coded k = {c, 1};
        int rc;

        add(c, "(");
        rc = zl_ident_prefix_ranges(p, n, coded_range, &k);
        if (rc && !c->q->rc)
            c->q->rc = rc;
        add(c, ")");
        return;
    }
    memset(&r, 0, sizeof r);
    if (!(r.lo = keep(c, n + 4)) || !(r.hi = keep(c, n + 4)))
        return;
    if (c->d->utf8_bounds)
        range_utf8(p, n, &r);
    else
        range_bytes(p, n, &r);
    if (r.none) {
        add(c, "1 = 0");
        return;
    }
    add(c, "(x.id");
    add(c, c->d->bytewise);
    add(c, " >= ");
    bind_text(c, r.lo, r.lo_len);
    if (r.has_hi) {
        add(c, " AND x.id");
        add(c, c->d->bytewise);
        add(c, " < ");
        bind_text(c, r.hi, r.hi_len);
    }
    add(c, ")");
}

/* 1 when vals (non-empty) are all patterns. */
static int all_patterns(const char **vals)
{
    size_t n = zl_query_list_len(vals);

    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(vals[i]);

        if (!len || vals[i][len - 1] != '*')
            return 0;
    }
    return n != 0;
}

/* The walk form of match_ids (zl_query_sql_build_walk): AND ids_fn(e.ids,
 * roles, lo, hi, ...), each bound an argument (NULL for no upper one); a
 * list of patterns no identifier can have matches nothing. */
static void match_walk(struct qctx *c, const char **vals, unsigned roles)
{
    size_t n = zl_query_list_len(vals), live = 0;

    add(c, " AND ");
    add(c, c->d->ids_fn);
    add(c, "(e.ids, ");
    bind_int(c, (int64_t)roles);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(vals[i]) - 1;
        struct range r;

        memset(&r, 0, sizeof r);
        if (!(r.lo = keep(c, len + 4)) || !(r.hi = keep(c, len + 4)))
            return;
        if (c->d->utf8_bounds)
            range_utf8(vals[i], len, &r);
        else
            range_bytes(vals[i], len, &r);
        if (r.none)
            continue;
        live++;
        add(c, ", ");
        bind_text(c, r.lo, r.lo_len);
        add(c, ", ");
        if (r.has_hi)
            bind_text(c, r.hi, r.hi_len);
        else
            add(c, "NULL");
    }
    add(c, live ? ")" : ") AND 1 = 0");
}

/* e.hash IN (SELECT hash FROM event_ids WHERE role IN roles AND (id = ?
 * OR id >= prefix AND id < successor ...)): an uncorrelated subquery, so
 * the engine evaluates it once, as point lookups and range scans of
 * event_ids' primary key (which starts with the identifier), into a set
 * of hashes that then drives the event lookups. A correlated EXISTS
 * re-ran the range scan for every event: a broad pattern (all of
 * https://id.gs1.org/) cost events x matching identifiers. */
static void match_ids(struct qctx *c, const char **vals, unsigned roles)
{
    size_t n = zl_query_list_len(vals);
    const char *sep = "";

    if (!n)
        return;
    if (c->walk && c->d->ids_fn && all_patterns(vals)) {
        match_walk(c, vals, roles);
        return;
    }
    if (c->d->coded_ids && c->d->hash_prefix)
        add(c, " AND e.rid IN (SELECT o.ev FROM event_occ o JOIN idents x"
               " ON x.n = o.n WHERE o.role IN (");
    else
        add(c, c->d->coded_ids
                   ? " AND e.hash IN (SELECT x.hash FROM event_codes x"
                     " WHERE x.role IN ("
                   : " AND e.hash IN (SELECT x.hash FROM event_ids x"
                     " WHERE x.role IN (");
    for (unsigned r = 1; r < 32; r++)
        if (roles & ROLE(r)) {
            if (!c->q->rc)
                c->q->rc = zl_buf_printf(&c->q->sql, "%s%u", sep, r);
            sep = ",";
        }
    add(c, ") AND (");
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(vals[i]);

        if (i)
            add(c, " OR ");
        if (len && vals[i][len - 1] == '*') {
            prefix_term(c, vals[i], len - 1);
        } else {
            add(c, c->d->coded_ids ? "x.code = zl_ident_code(" : "x.id = ");
            bind_text(c, vals[i], len);
            if (c->d->coded_ids)
                add(c, ")");
        }
    }
    add(c, "))");
}

/* " OR e.hash = ?" in the dialect's way (hash_prefix). */
static void hash_is(struct qctx *c, const uint8_t *h)
{
    int n = c->d->hash_prefix;

    if (!n) {
        add(c, " OR e.hash = ");
        bind_hash(c, h);
        return;
    }
    add(c, " OR (e.hkey = substr(");
    bind_hash(c, h);
    if (!c->q->rc)
        c->q->rc = zl_buf_printf(&c->q->sql, ", 1, %d) AND +e.hash = ", n);
    bind_hash(c, h);
    add(c, ")");
}

static void match_refs(struct qctx *c, const char *kind,
                       const struct zl_typed_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        add(c, " AND EXISTS (SELECT 1 FROM event_refs r WHERE r.hash = e.hash"
               " AND r.kind = ");
        bind_text(c, kind, 1);
        add(c, " AND r.type = ");
        bind_text(c, refs[i].type, strlen(refs[i].type));
        if (refs[i].value) {
            add(c, " AND r.value = ");
            bind_text(c, refs[i].value, strlen(refs[i].value));
        }
        add(c, ")");
    }
}

static void bitset_in(struct qctx *c, const char *col, unsigned bits)
{
    int first = 1;

    if (!bits)
        return;
    add(c, " AND ");
    add(c, col);
    add(c, " IN (");
    for (int i = 0; i < 16; i++) {
        if (bits & (1u << i)) {
            if (!first)
                add(c, ",");
            bind_int(c, i);
            first = 0;
        }
    }
    add(c, ")");
}

static void time_range(struct qctx *c, const char *col, int64_t ge, int64_t lt)
{
    if (ge) {
        add(c, " AND ");
        add(c, col);
        add(c, " >= ");
        bind_int(c, ge);
    }
    if (lt) {
        add(c, " AND ");
        add(c, col);
        add(c, " < ");
        bind_int(c, lt);
    }
}

static void event_ids(struct qctx *c, const char **ids)
{
    struct zl_query_sql *q = c->q;

    if (!zl_query_list_len(ids))
        return;
    /* A value may be the declared eventID or our hash ID, so both columns
     * are checked; each term is an index lookup. */
    add(c, " AND (");
    for (size_t i = 0; ids[i]; i++) {
        if (i)
            add(c, " OR ");
        add(c, "e.declared_id = ");
        bind_text(c, ids[i], strlen(ids[i]));
        if (q->n_hashes < ZL_QUERY_MAX_BINDS &&
            hash_of_id(ids[i], q->hashes[q->n_hashes])) {
            hash_is(c, q->hashes[q->n_hashes++]);
        }
    }
    add(c, ")");
}

int zl_query_sql_build(struct zl_query_sql *q, const struct zl_event_filter *f,
                       const struct zl_query_dialect *d)
{
    return zl_query_sql_build_walk(q, f, d, 0);
}

int zl_query_sql_ranges(const struct zl_event_filter *f,
                        const struct zl_query_dialect *d,
                        int (*cb)(void *ctx, const char *lo, size_t lo_len,
                                  const char *hi, size_t hi_len),
                        void *ctx)
{
    const char **lists[ZL_QUERY_ID_LISTS];
    int rc = 0;

    zl_query_id_lists(f, lists);
    for (size_t k = 0; k < ZL_QUERY_ID_LISTS && !rc; k++) {
        if (!all_patterns(lists[k]))
            continue;
        for (size_t i = 0; lists[k][i] && !rc; i++) {
            size_t len = strlen(lists[k][i]) - 1;
            struct range r;

            memset(&r, 0, sizeof r);
            r.lo = zl_malloc(len + 4);
            r.hi = zl_malloc(len + 4);
            if (!r.lo || !r.hi) {
                rc = ZL_ENOMEM;
            } else {
                if (d->utf8_bounds)
                    range_utf8(lists[k][i], len, &r);
                else
                    range_bytes(lists[k][i], len, &r);
                if (!r.none)
                    rc = cb(ctx, r.lo, r.lo_len, r.has_hi ? r.hi : NULL,
                            r.hi_len);
            }
            zl_free(r.lo);
            zl_free(r.hi);
        }
    }
    return rc;
}

static int build(struct zl_query_sql *q, const struct zl_event_filter *f,
                 const struct zl_query_dialect *d, int walk, const char *rids)
{
    struct qctx c = {q, d, walk};
    const char *tcol =
        f->order_by == ZL_ORDER_RECORD_TIME ? "e.record_time" : "e.event_time";
    const char *lead = lead_col(f, d);

    memset(q, 0, sizeof *q);
    zl_buf_init(&q->sql, 1 << 20);
    add(&c, "SELECT ");
    add(&c, d->event_cols);
    if (rids) {
        /* NOT INDEXED: the numbers, never an index on another column;
         * bound, not written into the text: the text stays the same from
         * one batch to the next, so its statement is prepared once */
        add(&c, " FROM events e NOT INDEXED WHERE e.rid IN (SELECT value"
                " FROM json_each(");
        bind_text(&c, rids, strlen(rids));
        add(&c, "))");
    } else {
        add(&c, " FROM events e WHERE 1 = 1");
    }
    bitset_in(&c, "e.type", f->event_types);
    bitset_in(&c, "e.action", f->actions);
    time_range(&c, "e.event_time", f->ge_event_time, f->lt_event_time);
    time_range(&c, "e.record_time", f->ge_record_time, f->lt_record_time);
    in_coded(&c, "e.biz_step", f->biz_steps, lead);
    in_coded(&c, "e.disposition", f->dispositions, lead);
    in_coded(&c, "e.read_point", f->read_points, lead);
    in_coded(&c, "e.biz_location", f->biz_locations, lead);
    event_ids(&c, f->event_ids);
    match_ids(&c, f->match_epc, ROLE(ZL_ROLE_EPC) | ROLE(ZL_ROLE_CHILD));
    match_ids(&c, f->match_any_epc,
              ROLE(ZL_ROLE_EPC) | ROLE(ZL_ROLE_PARENT) | ROLE(ZL_ROLE_CHILD) |
                  ROLE(ZL_ROLE_INPUT) | ROLE(ZL_ROLE_OUTPUT));
    match_ids(&c, f->match_parent_id, ROLE(ZL_ROLE_PARENT));
    match_ids(&c, f->match_input_epc, ROLE(ZL_ROLE_INPUT));
    match_ids(&c, f->match_output_epc, ROLE(ZL_ROLE_OUTPUT));
    match_ids(&c, f->match_epc_class,
              ROLE(ZL_ROLE_QTY) | ROLE(ZL_ROLE_CHILD_QTY));
    match_ids(&c, f->match_input_epc_class, ROLE(ZL_ROLE_INPUT_QTY));
    match_ids(&c, f->match_output_epc_class, ROLE(ZL_ROLE_OUTPUT_QTY));
    match_ids(&c, f->match_any_epc_class,
              ROLE(ZL_ROLE_QTY) | ROLE(ZL_ROLE_CHILD_QTY) |
                  ROLE(ZL_ROLE_INPUT_QTY) | ROLE(ZL_ROLE_OUTPUT_QTY));
    in_list(&c, "e.transformation_id", f->transformation_ids, NULL);
    match_refs(&c, "b", f->biz_transactions, f->n_biz_transactions);
    match_refs(&c, "s", f->sources, f->n_sources);
    match_refs(&c, "d", f->destinations, f->n_destinations);
    if (f->exists_error_declaration)
        add(&c, " AND e.has_error = 1");
    if (f->sql_and) {
        add(&c, " AND (");
        add(&c, f->sql_and);
        add(&c, ")");
    }
    if (f->has_after) {
        /* the bound alone first: an index range (the OR below is not) */
        add(&c, " AND ");
        add(&c, tcol);
        add(&c, f->order_desc ? " <= " : " >= ");
        bind_int(&c, f->after_time);
        add(&c, " AND (");
        add(&c, tcol);
        add(&c, f->order_desc ? " < " : " > ");
        bind_int(&c, f->after_time);
        add(&c, " OR (");
        add(&c, tcol);
        add(&c, " = ");
        bind_int(&c, f->after_time);
        add(&c, f->order_desc ? " AND e.hash < " : " AND e.hash > ");
        bind_hash(&c, f->after_hash);
        add(&c, "))");
    }
    add(&c, " ORDER BY ");
    if (lead) {
        add(&c, lead);
        add(&c, f->order_desc ? " DESC, " : ", ");
    }
    add(&c, tcol);
    add(&c, f->order_desc ? " DESC, e.hash DESC" : ", e.hash");
    if (f->limit) {
        add(&c, " LIMIT ");
        bind_int(&c, (int64_t)f->limit);
    }
    return q->rc;
}

int zl_query_sql_build_walk(struct zl_query_sql *q,
                            const struct zl_event_filter *f,
                            const struct zl_query_dialect *d, int walk)
{
    return build(q, f, d, walk, NULL);
}

int zl_query_sql_build_rids(struct zl_query_sql *q,
                            const struct zl_event_filter *f,
                            const struct zl_query_dialect *d, const char *rids,
                            int walk)
{
    return build(q, f, d, walk, rids);
}

void zl_query_sql_cleanup(struct zl_query_sql *q)
{
    if (!q)
        return;
    for (int i = 0; i < q->n_owned; i++)
        zl_free(q->owned[i]);
    q->n_owned = 0;
    zl_buf_cleanup(&q->sql);
}
