/*
 * gs1.c - the parsed GS1 identifier: keys, qualifiers, schemes, dispatch.
 *
 * A struct zl_gs1_id is the same whatever syntax it came from: the primary
 * key AI first, its key qualifiers in Digital Link order, then data
 * attributes apart. Each syntax file (urn.c, digital_link.c,
 * element_string.c) only translates to and from that; the scheme is then
 * derived from which AIs are present, never from the syntax, so that
 * urn:epc:id:sgtin, /01/../21/.. and (01)..(21).. all become the same id.
 *
 * Nothing here allocates: values live in the fixed arrays of the struct,
 * and every output is written into a caller's buffer with a bound.
 */
#include "gs1_int.h"

#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

static const char *const scheme_names[] = {
    [ZL_GS1_NONE] = "none",
    [ZL_GS1_SGTIN] = "sgtin",
    [ZL_GS1_SSCC] = "sscc",
    [ZL_GS1_SGLN] = "sgln",
    [ZL_GS1_GRAI] = "grai",
    [ZL_GS1_GIAI] = "giai",
    [ZL_GS1_GSRN] = "gsrn",
    [ZL_GS1_GSRNP] = "gsrnp",
    [ZL_GS1_GDTI] = "gdti",
    [ZL_GS1_CPI] = "cpi",
    [ZL_GS1_SGCN] = "sgcn",
    [ZL_GS1_GINC] = "ginc",
    [ZL_GS1_GSIN] = "gsin",
    [ZL_GS1_ITIP] = "itip",
    [ZL_GS1_UPUI] = "upui",
    [ZL_GS1_PGLN] = "pgln",
    [ZL_GS1_LGTIN] = "lgtin",
    [ZL_GS1_GTIN] = "gtin",
    [ZL_GS1_GRAI_CLASS] = "grai-class",
    [ZL_GS1_ITIP_CLASS] = "itip-class",
    [ZL_GS1_CPI_CLASS] = "cpi-class",
    [ZL_GS1_GDTI_CLASS] = "gdti-class",
    [ZL_GS1_SGCN_CLASS] = "sgcn-class",
    [ZL_GS1_GMN] = "gmn",
    [ZL_GS1_PAYTO] = "payto",
};

const char *zl_gs1_scheme_name(enum zl_gs1_scheme s)
{
    if ((unsigned)s >= sizeof scheme_names / sizeof scheme_names[0] ||
        !scheme_names[s])
        return "unknown";
    return scheme_names[s];
}

int gs1_is_primary_key(const char *ai)
{
    const struct ai_def *d = ai_find(ai, strlen(ai));

    return d && d->dlpkey;
}

/* Qualifier chains come from the dictionary's dlpkey attribute: "22,10,21|
 * 235" is two alternative chains, each optional but ordered. */
int gs1_qualifier_rank(const char *key, const char *qual, int *group)
{
    const struct ai_def *d = ai_find(key, strlen(key));
    const char *p;
    size_t ql = strlen(qual);
    int g = 1, rank = 1;

    if (!d || !d->dlpkey)
        return 0;
    for (p = d->dlpkey; *p;) {
        size_t k = strcspn(p, ",|");
        if (k == ql && !memcmp(p, qual, ql)) {
            if (group)
                *group = g;
            return rank;
        }
        p += k;
        if (*p == '|') {
            g++;
            rank = 0;
        }
        if (*p)
            p++;
        rank++;
    }
    return 0;
}

int gs1_find_ai(const struct zl_gs1_id *id, const char *ai)
{
    size_t i;

    for (i = 0; i < id->n_ais; i++)
        if (strcmp(id->ais[i].ai, ai) == 0)
            return (int)i;
    return -1;
}

void gs1_classify(struct zl_gs1_id *id)
{
    const char *k = id->n_ais ? id->ais[0].ai : "";
    size_t vlen = id->n_ais ? strlen(id->ais[0].value) : 0;
    enum zl_gs1_scheme s = ZL_GS1_NONE;

    if (!strcmp(k, "00"))
        s = ZL_GS1_SSCC;
    else if (!strcmp(k, "01"))
        s = gs1_find_ai(id, "21") >= 0    ? ZL_GS1_SGTIN
            : gs1_find_ai(id, "235") >= 0 ? ZL_GS1_UPUI
            : gs1_find_ai(id, "10") >= 0  ? ZL_GS1_LGTIN
                                          : ZL_GS1_GTIN;
    else if (!strcmp(k, "414"))
        s = ZL_GS1_SGLN;
    else if (!strcmp(k, "417"))
        s = ZL_GS1_PGLN;
    else if (!strcmp(k, "8003"))
        s = vlen > 14 ? ZL_GS1_GRAI : ZL_GS1_GRAI_CLASS;
    else if (!strcmp(k, "8004"))
        s = ZL_GS1_GIAI;
    else if (!strcmp(k, "8017"))
        s = ZL_GS1_GSRNP;
    else if (!strcmp(k, "8018"))
        s = ZL_GS1_GSRN;
    else if (!strcmp(k, "253"))
        s = vlen > 13 ? ZL_GS1_GDTI : ZL_GS1_GDTI_CLASS;
    else if (!strcmp(k, "255"))
        s = vlen > 13 ? ZL_GS1_SGCN : ZL_GS1_SGCN_CLASS;
    else if (!strcmp(k, "401"))
        s = ZL_GS1_GINC;
    else if (!strcmp(k, "402"))
        s = ZL_GS1_GSIN;
    else if (!strcmp(k, "8006"))
        s = gs1_find_ai(id, "21") >= 0 ? ZL_GS1_ITIP : ZL_GS1_ITIP_CLASS;
    else if (!strcmp(k, "8010"))
        s = gs1_find_ai(id, "8011") >= 0 ? ZL_GS1_CPI : ZL_GS1_CPI_CLASS;
    else if (!strcmp(k, "8013"))
        s = ZL_GS1_GMN;
    else if (!strcmp(k, "415"))
        s = ZL_GS1_PAYTO;
    id->scheme = s;
    id->is_class = s == ZL_GS1_LGTIN || s == ZL_GS1_GTIN ||
                   s == ZL_GS1_GRAI_CLASS || s == ZL_GS1_ITIP_CLASS ||
                   s == ZL_GS1_CPI_CLASS || s == ZL_GS1_GDTI_CLASS ||
                   s == ZL_GS1_SGCN_CLASS;
}

int gs1_add_ai(struct zl_gs1_id *id, int attr, const char *ai, size_t ailen,
               const char *v, size_t n, struct zl_error *err)
{
    const struct ai_def *d = ai_find(ai, ailen);
    struct zl_gs1_ai *slot;
    size_t *count = attr ? &id->n_attrs : &id->n_ais, i;
    int rc;

    if (!d)
        return zl_error_setf(err, ZL_EINVAL, NULL, NULL, "unknown AI '%.*s'",
                             (int)(ailen > 8 ? 8 : ailen), ai);
    if (*count >= ZL_GS1_MAX_AIS)
        return zl_error_setf(err, ZL_ELIMIT, NULL, NULL,
                             "too many AIs (at most %d %s)", ZL_GS1_MAX_AIS,
                             attr ? "data attributes" : "key and qualifiers");
    slot = attr ? &id->attrs[*count] : &id->ais[*count];
    if (n >= sizeof slot->value)
        return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                             "wrong length: AI (%.*s) value of %zu characters "
                             "is too long",
                             (int)ailen, ai, n);
    /* A repeated AI is one value said twice, or a contradiction (General
     * Specifications 4.14.1). */
    for (i = 0; i < id->n_ais + id->n_attrs; i++) {
        const struct zl_gs1_ai *o =
            i < id->n_ais ? &id->ais[i] : &id->attrs[i - id->n_ais];
        if (strlen(o->ai) == ailen && !memcmp(o->ai, ai, ailen)) {
            if (strlen(o->value) == n && !memcmp(o->value, v, n))
                return 0;
            return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                 "AI (%s) appears twice with different "
                                 "values",
                                 o->ai);
        }
    }
    memcpy(slot->ai, ai, ailen);
    slot->ai[ailen] = '\0';
    memcpy(slot->value, v, n);
    slot->value[n] = '\0';
    rc = ai_check_value(d, slot->ai, slot->value, n, err);
    if (rc < 0)
        return rc;
    (*count)++;
    return 0;
}

/* Every AI of an id, key and qualifiers first. */
static const struct zl_gs1_ai *nth_ai(const struct zl_gs1_id *id, size_t i)
{
    return i < id->n_ais ? &id->ais[i] : &id->attrs[i - id->n_ais];
}

/* A dictionary pattern: an AI, or digits with 'n' for any digit ("31nn"). */
static int pat_match(const char *pat, size_t pn, const char *ai)
{
    size_t i;

    if (strlen(ai) != pn)
        return 0;
    for (i = 0; i < pn; i++)
        if (pat[i] != ai[i] && !(pat[i] == 'n' && ai[i] >= '0' && ai[i] <= '9'))
            return 0;
    return 1;
}

/* Index of the first AI of id matching pattern, other than skip; -1. */
static int find_pat(const struct zl_gs1_id *id, const char *pat, size_t pn,
                    size_t skip)
{
    size_t i;

    for (i = 0; i < id->n_ais + id->n_attrs; i++)
        if (i != skip && pat_match(pat, pn, nth_ai(id, i)->ai))
            return (int)i;
    return -1;
}

/* "01,03,8006" -> "(01), (03) or (8006)"; "01+21" -> "(01) with (21)". */
static void describe_alts(char *out, size_t cap, const char *p, size_t n)
{
    struct gs1_out o;
    size_t i, alts = 1, seen = 0;

    for (i = 0; i < n; i++)
        alts += p[i] == ',';
    out_init(&o, out, cap);
    out_chr(&o, '(');
    for (i = 0; i < n; i++) {
        if (p[i] == ',') {
            seen++;
            out_str(&o, seen + 1 == alts ? ") or (" : "), (");
        } else if (p[i] == '+') {
            out_str(&o, ") with (");
        } else {
            out_chr(&o, p[i]);
        }
    }
    out_chr(&o, ')');
    if (out_done(&o) < 0 && cap)
        snprintf(out, cap, "%.*s", (int)n, p);
}

/* One req= group "01+21,02,35nn": any alternative whose '+' parts are all
 * present. */
static int req_met(const struct zl_gs1_id *id, const char *p, size_t n)
{
    size_t a = 0;

    while (a < n) {
        size_t e = a, q;
        int all = 1;

        while (e < n && p[e] != ',')
            e++;
        for (q = a; q < e;) {
            size_t k = q;
            while (k < e && p[k] != '+')
                k++;
            if (find_pat(id, p + q, k - q, (size_t)-1) < 0)
                all = 0;
            q = k + 1;
        }
        if (all)
            return 1;
        a = e + 1;
    }
    return 0;
}

int gs1_check_requires(const struct zl_gs1_id *id, struct zl_error *err)
{
    size_t i, total = id->n_ais + id->n_attrs;
    char list[96];

    /* ex= over every AI first, then req=, as GS1's syntax engine does, so
     * that a forbidden pair is named as such even when a requisite is
     * missing too. "An AI is not exclusive of itself even if it matches a
     * pattern" (the dictionary's header). */
    for (i = 0; i < total; i++) {
        const struct zl_gs1_ai *a = nth_ai(id, i);
        const struct ai_def *d = ai_find(a->ai, strlen(a->ai));
        const char *p;

        for (p = d ? d->ex : NULL; p && *p;) {
            size_t k = strcspn(p, ",");
            int j = find_pat(id, p, k, i);

            if (j >= 0)
                return zl_error_setf(err, ZL_EINVAL, NULL, a->value,
                                     "invalid pair: AI (%s) cannot be used "
                                     "with (%s)",
                                     a->ai, nth_ai(id, (size_t)j)->ai);
            p += k;
            if (*p)
                p++;
        }
    }
    for (i = 0; i < total; i++) {
        const struct zl_gs1_ai *a = nth_ai(id, i);
        const struct ai_def *d = ai_find(a->ai, strlen(a->ai));
        const char *p;

        for (p = d ? d->req : NULL; p && *p;) {
            size_t k = strcspn(p, " ");

            if (!req_met(id, p, k)) {
                describe_alts(list, sizeof list, p, k);
                if (id->n_ais)
                    return zl_error_setf(err, ZL_EINVAL, NULL, a->value,
                                         "missing key: AI (%s) is only valid "
                                         "with %s, not with (%s)",
                                         a->ai, list, id->ais[0].ai);
                return zl_error_setf(err, ZL_EINVAL, NULL, a->value,
                                     "missing key: AI (%s) is only valid "
                                     "with %s",
                                     a->ai, list);
            }
            p += k;
            if (*p)
                p++;
        }
    }
    return 0;
}

int gs1_ieq_prefix(const char *s, size_t len, const char *p)
{
    size_t i, n = strlen(p);

    if (len < n)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != p[i])
            return 0;
    }
    return 1;
}

static int all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* A bare key as printed under a barcode or typed by hand: 8, 12, 13 or 14
 * digits with a valid GTIN check digit are a GTIN (what EAN/UPC carry);
 * 18 digits with a valid check digit are an SSCC only when no other
 * reading exists (a raw element string such as (8004)+14 digits, or a
 * unified social credit code of 18 digits), so that nothing accepted
 * before changes meaning.
 * Returns 1 and fills id when taken, 0 when not a bare key, <0 on error. */
static int parse_bare(const char *s, size_t len, struct zl_gs1_id *id,
                      struct zl_error *err)
{
    char v[20];
    struct zl_gs1_id alt;
    int rc;

    if (!all_digits(s, len))
        return 0;
    if (len == 8 || len == 12 || len == 13 || len == 14) {
        if (zl_gs1_check_digit(s, len - 1) != s[len - 1] - '0')
            return 0;
        memset(v, '0', 14 - len);
        memcpy(v + 14 - len, s, len);
        rc = gs1_add_ai(id, 0, "01", 2, v, 14, err);
        if (rc < 0)
            return rc;
        gs1_classify(id);
        return 1;
    }
    if (len != 18 || zl_gs1_check_digit(s, 17) != s[17] - '0')
        return 0;
    /* Another reading keeps its meaning: a raw element string (as before
     * bare keys were read) or a unified social credit code (zhiliang id
     * tries those next). */
    memset(&alt, 0, sizeof alt);
    if (gs1_parse_es(s, len, &alt, NULL) == 0 ||
        zl_uscc_validate(s, len, NULL) == 0)
        return 0;
    rc = gs1_add_ai(id, 0, "00", 2, s, len, err);
    if (rc < 0)
        return rc;
    gs1_classify(id);
    return 1;
}

/* Symbology identifiers (ISO/IEC 15424) of carriers that hold a GS1
 * Digital Link URI as plain data: QR Code, Data Matrix, DotCode. */
static int dl_carrier(const char *s, size_t len)
{
    return len >= 3 && (!memcmp(s, "]Q1", 3) || !memcmp(s, "]d1", 3) ||
                        !memcmp(s, "]J0", 3));
}

static int parse_syntax(const char *s, size_t len, struct zl_gs1_id *id,
                        int *claims, int bare, struct zl_error *err)
{
    int rc;

    memset(id, 0, sizeof *id);
    *claims = 0;
    if (dl_carrier(s, len)) {
        s += 3;
        len -= 3;
        if (!gs1_ieq_prefix(s, len, "http://") &&
            !gs1_ieq_prefix(s, len, "https://"))
            return zl_error_set(err, ZL_EUNSUPPORTED, NULL,
                                "]Q1, ]d1 and ]J0 carry GS1 data only as a "
                                "Digital Link URI (http:// or https://)",
                                s, len);
        *claims = 1;
        rc = gs1_parse_dl(s, len, id, claims, err);
        if (rc < 0 && err && !err->value[0])
            zl_error_set(err, rc, NULL, err->rule, s, len);
        return rc;
    }
    /* EAN-13 / UPC-A (]E0) and EAN-8 (]E4) carry a bare GTIN. */
    if (len >= 3 && (!memcmp(s, "]E0", 3) || !memcmp(s, "]E4", 3))) {
        size_t want = s[2] == '0' ? 13 : 8;
        *claims = 1;
        if (len - 3 == want && all_digits(s + 3, want)) {
            rc = parse_bare(s + 3, want, id, err);
            if (rc != 0)
                return rc < 0 ? rc : 0;
            return zl_error_setf(err, ZL_ECHECK, NULL, NULL,
                                 "bad check digit in GTIN-%zu: expected %d, "
                                 "got %c",
                                 want, zl_gs1_check_digit(s + 3, want - 1),
                                 s[3 + want - 1]);
        }
        return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                             "%.3s carries %zu digits", s, want);
    }
    if (bare) {
        rc = parse_bare(s, len, id, err);
        if (rc != 0) {
            *claims = 1;
            return rc < 0 ? rc : 0;
        }
    }
    if (gs1_ieq_prefix(s, len, "urn:epc:")) {
        *claims = 1;
        return gs1_parse_urn(s, len, id, err);
    }
    if (gs1_ieq_prefix(s, len, "http://") || gs1_ieq_prefix(s, len, "https://"))
        return gs1_parse_dl(s, len, id, claims, err);
    if (len > 0 && (s[0] == '(' || s[0] == ']' || s[0] == 0x1D ||
                    (s[0] >= '0' && s[0] <= '9'))) {
        *claims = 1;
        return gs1_parse_es(s, len, id, err);
    }
    return zl_error_set(err, ZL_ESYNTAX, NULL,
                        "not a GS1 identifier: expected an EPC URN "
                        "(urn:epc:...), a Digital Link URI (https://...) or "
                        "an element string ((01)... or raw AI data)",
                        s, len);
}

/* Parse, and name the whole input as the value when the rule broken has
 * no narrower one. */
static int parse_any(const char *s, size_t len, struct zl_gs1_id *id,
                     int *claims, int bare, struct zl_error *err)
{
    int rc;

    if (err)
        err->value[0] = '\0';
    rc = parse_syntax(s, len, id, claims, bare, err);
    if (rc < 0 && err && !err->value[0]) {
        size_t k = len < sizeof err->value - 1 ? len : sizeof err->value - 1;
        memcpy(err->value, s, k);
        err->value[k] = '\0';
    }
    return rc;
}

int zl_gs1_parse(const char *s, size_t len, struct zl_gs1_id *id,
                 struct zl_error *err)
{
    int claims;
    struct zl_gs1_id tmp;

    if (!id)
        id = &tmp;
    return parse_any(s, len, id, &claims, 1, err);
}

void out_init(struct gs1_out *o, char *p, size_t cap)
{
    o->p = p;
    o->cap = cap;
    o->len = 0;
    o->over = 0;
}

void out_mem(struct gs1_out *o, const char *s, size_t n)
{
    if (o->over || o->cap == 0 || n > o->cap - 1 - o->len) {
        o->over = 1;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

void out_str(struct gs1_out *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

void out_chr(struct gs1_out *o, char c)
{
    out_mem(o, &c, 1);
}

int out_done(struct gs1_out *o)
{
    if (o->over) {
        if (o->cap)
            o->p[0] = '\0';
        return ZL_ELIMIT;
    }
    o->p[o->len] = '\0';
    return (int)o->len;
}

int gs1_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int gs1_pct_decode(const char *s, size_t n, char *out, size_t cap,
                   struct zl_error *err)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int h, l;
            if (i + 2 >= n)
                return zl_error_set(
                    err, ZL_ESYNTAX, NULL,
                    "bad percent-encoding: '%' must be followed by two hex "
                    "digits",
                    s, n);
            h = gs1_hexval((unsigned char)s[i + 1]);
            l = gs1_hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return zl_error_set(
                    err, ZL_ESYNTAX, NULL,
                    "bad percent-encoding: '%' must be followed by two hex "
                    "digits",
                    s, n);
            c = h * 16 + l;
            i += 2;
        }
        if (o + 1 >= cap)
            return zl_error_set(err, ZL_EINVAL, NULL,
                                "wrong length: value is too long", s, n);
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (int)o;
}

/* The CBV 2.0 event hash keeps only the finest level of identification. */
static void constrain(struct zl_gs1_id *id)
{
    size_t i, j = 0;
    int has21 = gs1_find_ai(id, "21") >= 0;

    for (i = 0; i < id->n_ais; i++) {
        if (i > 0 && (!strcmp(id->ais[i].ai, "22") ||
                      (has21 && !strcmp(id->ais[i].ai, "10"))))
            continue;
        id->ais[j++] = id->ais[i];
    }
    id->n_ais = j;
    id->n_attrs = 0;
    gs1_classify(id);
}

int zl_gs1_canonical(const char *s, size_t len, char *out, size_t cap,
                     struct zl_error *err)
{
    struct zl_gs1_id id;
    struct gs1_out o;
    int claims = 0, rc;

    /* No bare keys here: an EPCIS field holds a URI, and 13 digits in one
     * are not read as a GTIN. */
    rc = parse_any(s, len, &id, &claims, 0, err);
    if (rc < 0) {
        if (claims)
            return rc;
        out_init(&o, out, cap);
        out_mem(&o, s, len);
        rc = out_done(&o);
        if (rc < 0)
            zl_error_set(err, rc, NULL, "output buffer too small", NULL, 0);
        return rc;
    }
    constrain(&id);
    rc = zl_gs1_to_dl(&id, 0, out, cap);
    if (rc < 0)
        zl_error_set(err, rc, NULL, "output buffer too small", NULL, 0);
    return rc;
}
