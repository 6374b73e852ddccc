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
};

const char *zl_gs1_scheme_name(enum zl_gs1_scheme s)
{
    if ((unsigned)s >= sizeof scheme_names / sizeof scheme_names[0] ||
        !scheme_names[s])
        return "unknown";
    return scheme_names[s];
}

static const char *const primary_keys[] = {
    "00",  "01",   "253",  "255",  "401",  "402",  "414",
    "417", "8003", "8004", "8006", "8010", "8017", "8018",
};

int gs1_is_primary_key(const char *ai)
{
    size_t i;

    for (i = 0; i < sizeof primary_keys / sizeof primary_keys[0]; i++)
        if (strcmp(ai, primary_keys[i]) == 0)
            return 1;
    return 0;
}

/* Key qualifier chains of GS1 Digital Link: each qualifier is optional but
 * they come in this order; 01 has two alternative chains. */
static const struct {
    const char *key, *qual;
    int rank, group;
} qual_table[] = {
    {"01", "22", 1, 1},     {"01", "10", 2, 1},     {"01", "21", 3, 1},
    {"01", "235", 1, 2},    {"8006", "22", 1, 1},   {"8006", "10", 2, 1},
    {"8006", "21", 3, 1},   {"414", "254", 1, 1},   {"8010", "8011", 1, 1},
    {"8017", "8019", 1, 1}, {"8018", "8019", 1, 1},
};

int gs1_qualifier_rank(const char *key, const char *qual, int *group)
{
    size_t i;

    for (i = 0; i < sizeof qual_table / sizeof qual_table[0]; i++)
        if (strcmp(key, qual_table[i].key) == 0 &&
            strcmp(qual, qual_table[i].qual) == 0) {
            if (group)
                *group = qual_table[i].group;
            return qual_table[i].rank;
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

/* AIs that qualify a key and mean nothing without one (the "req" rules of
 * the GS1 Barcode Syntax Dictionary, for the AIs Zhiliang sees). */
static const struct {
    const char *ai, *keys[5];
} requires_table[] = {
    {"21", {"01", "03", "8006", NULL}},
    {"22", {"01", "8006", NULL}},
    {"10", {"01", "02", "03", "8006", "8026"}},
    {"235", {"01", NULL}},
    {"254", {"414", NULL}},
    {"8011", {"8010", NULL}},
    {"8019", {"8017", "8018", NULL}},
    {"250", {"01", "8006", NULL}},
    {"251", {"01", "8006", NULL}},
};

int gs1_check_requires(const struct zl_gs1_id *id, struct zl_error *err)
{
    size_t i, r, k;

    for (i = 0; i < id->n_attrs; i++)
        for (r = 0; r < sizeof requires_table / sizeof requires_table[0]; r++) {
            const char *const *keys = requires_table[r].keys;
            char list[64];
            size_t o = 0;
            int found = 0;

            if (strcmp(id->attrs[i].ai, requires_table[r].ai) != 0)
                continue;
            for (k = 0; k < 5 && keys[k]; k++) {
                const char *sep = k == 0                       ? ""
                                  : (k + 1 < 5 && keys[k + 1]) ? ", "
                                                               : " or ";
                size_t a;

                if (!strcmp(id->ais[0].ai, keys[k]))
                    found = 1;
                for (a = 0; a < id->n_attrs; a++)
                    if (!strcmp(id->attrs[a].ai, keys[k]))
                        found = 1;
                o += (size_t)snprintf(list + o, sizeof list - o, "%s(%s)", sep,
                                      keys[k]);
            }
            if (!found)
                return zl_error_setf(
                    err, ZL_EINVAL, NULL, id->attrs[i].value,
                    "missing key: AI (%s) is only valid with %s, not with "
                    "(%s)",
                    id->attrs[i].ai, list, id->ais[0].ai);
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

static int parse_syntax(const char *s, size_t len, struct zl_gs1_id *id,
                        int *claims, struct zl_error *err)
{
    memset(id, 0, sizeof *id);
    *claims = 0;
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
                     int *claims, struct zl_error *err)
{
    int rc;

    if (err)
        err->value[0] = '\0';
    rc = parse_syntax(s, len, id, claims, err);
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
    return parse_any(s, len, id, &claims, err);
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

    rc = parse_any(s, len, &id, &claims, err);
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
