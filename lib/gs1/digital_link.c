/*
 * digital_link.c - GS1 Digital Link URIs (GS1 Digital Link standard 1.2).
 *
 * Input: any scheme-http(s) URI on any host; the path may start with any
 * prefix (a resolver's own segments), then the primary key AI and its
 * value, then key qualifier pairs in the prescribed order; the query string
 * carries data attributes (numeric AIs), other parameters (linkType, ...)
 * are ignored. The short names of Digital Link 1.0/1.1 (gtin, lot, ser...)
 * are accepted because EPCIS documents in the wild still use them.
 *
 * Which AIs are keys, their qualifier chains and which AIs may be data
 * attributes come from GS1's Barcode Syntax Dictionary (dlpkey and the "?"
 * flag). Strict by default, as GS1's syntax engine (docs/gs1.md has the
 * reasons): a GTIN in 14 digits, no trailing slash, each AI once, no raw
 * character that a URI must percent-encode, no '+' in a query value.
 *
 * Finding the primary key: the first segment that names a primary key and
 * leaves an even number of segments (key/value, qualifier/value...) wins;
 * if it fails to parse, later candidates are tried, and when none parses the
 * first one's error is reported. A URI "claims" to be GS1 (for
 * zl_gs1_canonical) only when such a key is followed by a value beginning
 * with four digits, so https://example.com/blog/01/hello stays a private URI.
 *
 * Output is the canonical form on https://id.gs1.org. Percent-encoding
 * follows the CBV 2.0 reference event hash generator exactly, since the
 * event hash depends on these bytes: everything outside A-Z a-z 0-9 - . _
 * ' ; = is encoded, upper-case hex.
 */
#include "gs1_int.h"

#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

#define MAX_SEGS 48

struct seg {
    const char *p;
    size_t n;
};

static const struct {
    const char *name, *ai;
} short_names[] = {
    {"gtin", "01"},   {"itip", "8006"},  {"cpid", "8010"}, {"gln", "414"},
    {"party", "417"}, {"gsrnp", "8017"}, {"gsrn", "8018"}, {"gcn", "255"},
    {"sscc", "00"},   {"gdti", "253"},   {"ginc", "401"},  {"gsin", "402"},
    {"grai", "8003"}, {"giai", "8004"},  {"cpv", "22"},    {"lot", "10"},
    {"ser", "21"},    {"glnx", "254"},   {"cpsn", "8011"}, {"srin", "8019"},
};

static int is_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* The AI a path segment names (numeric or short name) into ai[5];
 * returns 1 if the segment looks like an AI (numeric 2-4 digits or a short
 * name), 0 otherwise. */
static int seg_ai(const struct seg *g, char ai[5])
{
    size_t i;

    if (g->n >= 2 && g->n <= 4 && is_digits(g->p, g->n)) {
        memcpy(ai, g->p, g->n);
        ai[g->n] = '\0';
        return 1;
    }
    for (i = 0; i < sizeof short_names / sizeof short_names[0]; i++)
        if (strlen(short_names[i].name) == g->n &&
            memcmp(short_names[i].name, g->p, g->n) == 0) {
            strcpy(ai, short_names[i].ai);
            return 1;
        }
    return 0;
}

/* 1 if id already holds ai, as key, qualifier or attribute. */
static int has_ai(const struct zl_gs1_id *id, const char *ai)
{
    size_t i;

    for (i = 0; i < id->n_attrs; i++)
        if (!strcmp(id->attrs[i].ai, ai))
            return 1;
    return gs1_find_ai(id, ai) >= 0;
}

static int add_value(struct zl_gs1_id *id, int attr, const char *ai,
                     const struct seg *v, struct zl_error *err)
{
    char buf[128];
    int n;

    /* Each AI at most once in a Digital Link URI: GS1's syntax engine
     * rejects a repeat even with the same value, and a URI has one
     * canonical form. */
    if (has_ai(id, ai))
        return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                             "AI (%s) appears twice in the Digital Link URI",
                             ai);
    n = gs1_pct_decode(v->p, v->n, buf, sizeof buf, err);
    if (n < 0)
        return n;
    /* The URI syntax writes a GTIN in 14 digits; GTIN-8, -12 and -13 are
     * padded with zeros (GS1 Digital Link: URI Syntax 1.2+, and the
     * default of GS1's syntax engine, whose option for zero-suppressed
     * GTINs calls them non-standard). */
    if (!strcmp(ai, "01") && (n == 8 || n == 12 || n == 13) &&
        is_digits(buf, (size_t)n))
        return zl_error_setf(err, ZL_EINVAL, NULL, buf,
                             "zero-suppressed GTIN: a Digital Link URI "
                             "writes the GTIN in 14 digits "
                             "(%.*s%s)",
                             14 - n, "000000", buf);
    return gs1_add_ai(id, attr, ai, strlen(ai), buf, (size_t)n, err);
}

static int parse_path_from(const struct seg *segs, size_t nseg, size_t i,
                           struct zl_gs1_id *id, struct zl_error *err)
{
    char key[5], q[5];
    int last_rank = 0, first_group = 0, rc;
    const char *last_q = NULL;
    size_t j;

    memset(id, 0, sizeof *id);
    seg_ai(&segs[i], key);
    rc = add_value(id, 0, key, &segs[i + 1], err);
    if (rc < 0)
        return rc;
    for (j = i + 2; j + 1 < nseg; j += 2) {
        int group = 0, rank;

        if (!seg_ai(&segs[j], q))
            return zl_error_set(
                err, ZL_ESYNTAX, NULL,
                "path segment after the primary key is not an AI", segs[j].p,
                segs[j].n);
        rank = gs1_qualifier_rank(key, q, &group);
        if (!rank) {
            if (!ai_find(q, strlen(q)))
                return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                     "unknown AI '%s'", q);
            if (gs1_is_primary_key(q))
                return zl_error_setf(
                    err, ZL_EINVAL, NULL, NULL,
                    "only one primary key is allowed: (%s) after (%s)", q, key);
            return zl_error_setf(
                err, ZL_EINVAL, NULL, NULL,
                "AI (%s) is not a key qualifier of (%s): data attributes "
                "go in the query string",
                q, key);
        }
        if (first_group && group != first_group)
            return zl_error_setf(
                err, ZL_EINVAL, NULL, NULL,
                "key qualifier (%s) cannot be combined with (%s)", q, last_q);
        if (rank <= last_rank)
            return zl_error_setf(
                err, ZL_EINVAL, NULL, NULL,
                "key qualifier order: (%s) must come before (%s)", q, last_q);
        first_group = group;
        last_rank = rank;
        rc = add_value(id, 0, q, &segs[j + 1], err);
        if (rc < 0)
            return rc;
        last_q = id->ais[id->n_ais - 1].ai;
    }
    gs1_classify(id);
    return 0;
}

static int parse_query(const char *p, size_t n, struct zl_gs1_id *id,
                       struct zl_error *err)
{
    size_t i = 0;
    int path_group = 0;

    /* The chain the path chose (01: 22,10,21 or 235). */
    if (id->n_ais > 1)
        gs1_qualifier_rank(id->ais[0].ai, id->ais[1].ai, &path_group);
    while (i < n) {
        size_t start = i, eq = (size_t)-1;
        struct seg v;
        char ai[5];
        int rc, group = 0;
        const struct ai_def *d;

        while (i < n && p[i] != '&') {
            if (p[i] == '=' && eq == (size_t)-1)
                eq = i;
            i++;
        }
        if (eq != (size_t)-1 && is_digits(p + start, eq - start)) {
            size_t an = eq - start;
            if (an < 2 || an > 4 || !(d = ai_find(p + start, an)))
                return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                     "unknown AI '%.*s'",
                                     (int)(an > 8 ? 8 : an), p + start);
            memcpy(ai, p + start, an);
            ai[an] = '\0';
            /* A key qualifier of the path's chain goes in the path; one of
             * another chain (10 after /235/) is a data attribute, as in
             * GS1's syntax engine. */
            if (gs1_qualifier_rank(id->ais[0].ai, ai, &group) &&
                (!path_group || group == path_group))
                return zl_error_setf(
                    err, ZL_EINVAL, NULL, NULL,
                    "AI (%s) is a key qualifier of (%s): it belongs in the "
                    "path",
                    ai, id->ais[0].ai);
            if (!d->dlattr && !has_ai(id, ai))
                return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                     "AI (%s) is not a Digital Link data "
                                     "attribute (GS1 Barcode Syntax "
                                     "Dictionary)",
                                     ai);
            v.p = p + eq + 1;
            v.n = i - eq - 1;
            /* In a query string '+' means a space (HTML form encoding),
             * which no AI allows: write %2B for a plus sign. */
            if (memchr(v.p, '+', v.n))
                return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                     "'+' in the value of AI (%s) means a "
                                     "space in a query string; write %%2B",
                                     ai);
            rc = add_value(id, 1, ai, &v, err);
            if (rc < 0)
                return rc;
        }
        i++; /* skip '&' */
    }
    return 0;
}

/* Characters a URI may carry unencoded (RFC 3986 section 2: unreserved,
 * reserved and '%'); anything else must be percent-encoded. */
static int uri_char(int c)
{
    /* In ASCII: ! then # to ; contiguous, =, ? to [ , ], _, a-z, ~. */
    return c == '!' || (c >= '#' && c <= ';') || c == '=' ||
           (c >= '?' && c <= '[') || c == ']' || c == '_' ||
           (c >= 'a' && c <= 'z') || c == '~';
}

int gs1_parse_dl(const char *s, size_t len, struct zl_gs1_id *id, int *claims,
                 struct zl_error *err)
{
    struct seg segs[MAX_SEGS];
    struct zl_error first;
    size_t i, nseg = 0, pos, path_end, qstart = 0, qend = 0;
    int have_first = 0, rc, trailing = 0;
    size_t bad_char;

    memset(&first, 0, sizeof first);
    for (bad_char = 0; bad_char < len; bad_char++)
        if (!uri_char((unsigned char)s[bad_char]))
            break;
    pos = (size_t)((const char *)memchr(s, ':', len) - s) + 3;
    if (pos > len)
        return zl_error_set(err, ZL_ESYNTAX, NULL, "URI has no host", s, len);
    i = pos;
    while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
        i++;
    if (i == pos)
        return zl_error_set(err, ZL_ESYNTAX, NULL, "URI has no host", s, len);
    path_end = i;
    while (path_end < len && s[path_end] != '?' && s[path_end] != '#')
        path_end++;
    if (path_end < len && s[path_end] == '?') {
        qstart = path_end + 1;
        qend = qstart;
        while (qend < len && s[qend] != '#')
            qend++;
    }
    while (i < path_end) {
        size_t st = ++i; /* skip '/' */
        while (i < path_end && s[i] != '/')
            i++;
        if (nseg == MAX_SEGS)
            return zl_error_set(err, ZL_ESYNTAX, NULL, "too many path segments",
                                s, len);
        segs[nseg].p = s + st;
        segs[nseg].n = i - st;
        nseg++;
    }
    if (nseg > 0 && segs[nseg - 1].n == 0) {
        nseg--; /* trailing slash: an error once the URI claims a key */
        trailing = 1;
    }

    for (i = 0; i < nseg; i++) {
        char ai[5];

        if (!seg_ai(&segs[i], ai) || !gs1_is_primary_key(ai))
            continue;
        if (i + 1 < nseg && segs[i + 1].n >= 4 && is_digits(segs[i + 1].p, 4))
            *claims = 1;
        if (i + 1 >= nseg || (nseg - i) % 2 != 0) {
            if (!have_first) {
                zl_error_setf(&first, ZL_EINVAL, NULL, NULL,
                              i + 1 >= nseg
                                  ? "missing value after primary key (%s)"
                                  : "missing value after a key qualifier of "
                                    "(%s)",
                              ai);
                have_first = 1;
            }
            continue;
        }
        rc = parse_path_from(segs, nseg, i, id, have_first ? NULL : &first);
        if (rc == 0 && (bad_char < len || trailing)) {
            memset(id, 0, sizeof *id);
            *claims = 1;
            if (trailing)
                return zl_error_set(err, ZL_ESYNTAX, NULL,
                                    "a Digital Link URI does not end in '/'", s,
                                    len);
            return zl_error_setf(
                err, ZL_ESYNTAX, NULL, NULL,
                "bad character 0x%02X in URI: it must be percent-encoded "
                "(RFC 3986 section 2)",
                (unsigned)(unsigned char)s[bad_char]);
        }
        if (rc == 0) {
            rc = parse_query(s + qstart, qend - qstart, id, err);
            return rc < 0 ? rc : gs1_check_requires(id, err);
        }
        if (!have_first) {
            first.code = rc;
            have_first = 1;
        }
    }
    if (!have_first)
        return zl_error_set(err, ZL_ESYNTAX, NULL,
                            "no GS1 primary key in the URI path", s, len);
    memset(id, 0, sizeof *id);
    if (err) {
        *err = first;
        if (!err->value[0])
            zl_error_set(err, first.code, NULL, first.rule, s, len);
    }
    return first.code;
}

/* Write v percent-encoded; literal are the characters the reference event
 * hash generator leaves alone in a path (unreserved plus ' ; =). */
static void put_enc(struct gs1_out *o, const char *v, int query)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)v;

    for (; *p; p++) {
        int c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '\'' || (!query && (c == ';' || c == '='))) {
            out_chr(o, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            out_mem(o, e, 3);
        }
    }
}

int zl_gs1_to_dl(const struct zl_gs1_id *id, int with_attrs, char *out,
                 size_t cap)
{
    struct gs1_out o;
    size_t i;
    int first = 1;

    out_init(&o, out, cap);
    if (!id->n_ais)
        return ZL_EINVAL;
    out_str(&o, "https://id.gs1.org");
    for (i = 0; i < id->n_ais; i++) {
        out_chr(&o, '/');
        out_str(&o, id->ais[i].ai);
        out_chr(&o, '/');
        put_enc(&o, id->ais[i].value, 0);
    }
    /* Only the dictionary's Digital Link data attributes ("?") can be
     * written; an id with others has no Digital Link with attributes
     * (leaving them out could break a req= rule of those kept). */
    for (i = 0; with_attrs && i < id->n_attrs; i++) {
        const struct ai_def *d =
            ai_find(id->attrs[i].ai, strlen(id->attrs[i].ai));
        if (!d || !d->dlattr)
            return ZL_EINVAL;
    }
    if (with_attrs)
        for (i = 0; i < id->n_attrs; i++) {
            out_chr(&o, first ? '?' : '&');
            first = 0;
            out_str(&o, id->attrs[i].ai);
            out_chr(&o, '=');
            put_enc(&o, id->attrs[i].value, 1);
        }
    return out_done(&o);
}
