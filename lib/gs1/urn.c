/*
 * urn.c - EPC pure identity, class and pattern URNs (GS1 EPC Tag Data
 * Standard 2.x, sections 6 and 8).
 *
 * An EPC URN says where the GS1 Company Prefix ends (the first '.'), which
 * no other syntax does; parsing it records gcp_len so the URN can be
 * written back, and rendering a URN from a Digital Link needs that length
 * from the caller. Each scheme's reference component has a fixed digit
 * count given the company prefix length (sgtin: indicator + item reference
 * = 13 - L, sscc: extension + serial reference = 17 - L, sgln/grai/gdti/
 * sgcn/pgln: 12 - L, gsrn: 17 - L, gsin: 16 - L); an impossible split is
 * reported as such rather than guessed.
 *
 * Escapes (TDS 2.0 section 6.3): a serial may use the GS1 AI encodable
 * character set 82; " % & / < > ? must be written %22 %25 %26 %2F %3C %3E
 * %3F, any other character may be escaped too. Class URNs: only the
 * CBV 2.0 classes are accepted: urn:epc:class:lgtin and idpat URNs with a
 * '*' in place of the serial (sgtin, upui, grai, gdti, sgcn, cpi, itip).
 */
#include "gs1_int.h"

#include "zhiliang/error.h"

#include <string.h>

#define MAX_COMPS 5

struct part {
    const char *p;
    size_t n;
};

enum kind { K_ID, K_CLASS, K_IDPAT };

static int digits(const struct part *c)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        if (c->p[i] < '0' || c->p[i] > '9')
            return 0;
    return 1;
}

/* The components of each scheme, for messages. */
static const char *layout(const char *scheme)
{
    static const struct {
        const char *scheme, *parts;
    } t[] = {
        {"sgtin", "company prefix.indicator and item reference.serial"},
        {"upui", "company prefix.indicator and item reference.TPX"},
        {"lgtin", "company prefix.indicator and item reference.lot"},
        {"itip", "company prefix.indicator and item reference.piece.total."
                 "serial"},
        {"sscc", "company prefix.extension and serial reference"},
        {"sgln", "company prefix.location reference.extension"},
        {"pgln", "company prefix.party reference"},
        {"grai", "company prefix.asset type.serial"},
        {"gdti", "company prefix.document type.serial"},
        {"sgcn", "company prefix.coupon reference.serial"},
        {"giai", "company prefix.asset reference"},
        {"ginc", "company prefix.consignment reference"},
        {"gsrn", "company prefix.service reference"},
        {"gsrnp", "company prefix.service reference"},
        {"gsin", "company prefix.shipper reference"},
        {"cpi", "company prefix.component/part reference.serial"},
    };
    size_t i;

    for (i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(t[i].scheme, scheme))
            return t[i].parts;
    return "?";
}

/* Split at the first want-1 dots; the last part takes the rest (serials may
 * contain '.'). */
static int split(const char *s, size_t n, size_t want, struct part *parts,
                 const char *scheme, int idpat, struct zl_error *err)
{
    size_t k = 0, st = 0, i;

    for (i = 0; i < n && k + 1 < want; i++) {
        if (s[i] == '.') {
            parts[k].p = s + st;
            parts[k].n = i - st;
            k++;
            st = i + 1;
        }
    }
    if (k + 1 != want)
        return zl_error_setf(
            err, ZL_ESYNTAX, NULL, NULL,
            "missing component: a%s %s EPC URN is %s%s (%zu parts "
            "separated by '.'), got %zu",
            idpat ? " pattern" : "n", scheme, layout(scheme),
            idpat ? " with '*' for the serial" : "", want, k + 1);
    parts[k].p = s + st;
    parts[k].n = n - st;
    return 0;
}

static int check_gcp(const struct part *g, struct zl_error *err)
{
    if (!digits(g))
        return zl_error_set(err, ZL_EINVAL, NULL,
                            "bad character: the GS1 "
                            "Company Prefix must be digits",
                            g->p, g->n);
    if (g->n < 6 || g->n > 12)
        return zl_error_setf(
            err, ZL_EINVAL, NULL, NULL,
            "impossible company prefix split: the GS1 Company Prefix must "
            "have 6 to 12 digits, got %zu",
            g->n);
    return 0;
}

/* A digit reference whose length is total - L. */
static int check_ref(const struct part *g, const struct part *r, size_t total,
                     const char *what, struct zl_error *err)
{
    if (!digits(r))
        return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                             "bad character: the %s must be digits", what);
    if (g->n + r->n != total)
        return zl_error_setf(
            err, ZL_EINVAL, NULL, NULL,
            "impossible company prefix split: with a %zu-digit company "
            "prefix the %s must have %zu digits, got %zu",
            g->n, what, total - g->n, r->n);
    return 0;
}

/* Undo TDS escapes into out; cs39: the CPI reference charset. */
static int unescape(const struct part *c, char *out, size_t cap, int cs39,
                    const char *what, struct zl_error *err)
{
    size_t i, o = 0;

    for (i = 0; i < c->n; i++) {
        int ch = (unsigned char)c->p[i];
        if (ch == '%') {
            int h = i + 2 < c->n ? gs1_hexval((unsigned char)c->p[i + 1]) : -1;
            int l = i + 2 < c->n ? gs1_hexval((unsigned char)c->p[i + 2]) : -1;
            if (h < 0 || l < 0)
                return zl_error_setf(
                    err, ZL_ESYNTAX, NULL, NULL,
                    "bad escape in %s: '%%' must be followed by two hex "
                    "digits",
                    what);
            ch = h * 16 + l;
            i += 2;
            if (cs39 ? !gs1_cs39(ch) : !gs1_cs82(ch))
                return zl_error_setf(
                    err, ZL_EINVAL, NULL, NULL,
                    "bad character: escape %%%02X in %s is not in the GS1 "
                    "character set %s",
                    (unsigned)ch, what, cs39 ? "39" : "82");
        } else if (cs39 ? !(gs1_cs39(ch) && ch != '#' && ch != '/')
                        : !(gs1_cs82(ch) && !strchr("\"%&/<>?", ch))) {
            if (ch > 32 && ch < 127)
                return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                     "bad character '%c' in %s of an EPC URN%s",
                                     ch, what,
                                     (cs39 && (ch == '#' || ch == '/')) ||
                                             (!cs39 && strchr("\"&/<>?", ch))
                                         ? " (it must be percent-escaped)"
                                         : "");
            return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                 "bad character 0x%02X in %s of an EPC URN",
                                 (unsigned)ch, what);
        }
        if (o + 1 >= cap)
            return zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                 "wrong length: %s is too long", what);
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return (int)o;
}

/* Concatenate parts, append the GS1 check digit over them. */
static size_t with_check(char *buf, const char *a, size_t an, const char *b,
                         size_t bn, const char *c, size_t cn)
{
    size_t n = 0;

    memcpy(buf + n, a, an);
    n += an;
    memcpy(buf + n, b, bn);
    n += bn;
    memcpy(buf + n, c, cn);
    n += cn;
    buf[n] = (char)('0' + zl_gs1_check_digit(buf, n));
    return n + 1;
}

static int add(struct zl_gs1_id *id, int attr, const char *ai, const char *v,
               size_t n, struct zl_error *err)
{
    return gs1_add_ai(id, attr, ai, strlen(ai), v, n, err);
}

/* GTIN-14 from company prefix and indicator + item reference. */
static size_t gtin_from(char *buf, const struct part *g, const struct part *r)
{
    return with_check(buf, r->p, 1, g->p, g->n, r->p + 1, r->n - 1);
}

static int is_star(const struct part *c)
{
    return c->n == 1 && c->p[0] == '*';
}

static int ieq(const char *a, size_t an, const char *b)
{
    return an == strlen(b) && gs1_ieq_prefix(a, an, b);
}

int gs1_parse_urn(const char *s, size_t len, struct zl_gs1_id *id,
                  struct zl_error *err)
{
    struct part c[MAX_COMPS];
    const char *p = s + 8, *end = s + len, *colon, *body, *sch;
    size_t schn, bn;
    enum kind kind;
    char buf[128], ser[128];
    size_t n;
    int rc, sn;

    colon = memchr(p, ':', (size_t)(end - p));
    if (!colon)
        return zl_error_set(err, ZL_ESYNTAX, NULL,
                            "EPC URN must be "
                            "urn:epc:id:, urn:epc:class: or urn:epc:idpat:",
                            s, len);
    if (ieq(p, (size_t)(colon - p), "id"))
        kind = K_ID;
    else if (ieq(p, (size_t)(colon - p), "class"))
        kind = K_CLASS;
    else if (ieq(p, (size_t)(colon - p), "idpat"))
        kind = K_IDPAT;
    else
        return zl_error_set(err, ZL_EUNSUPPORTED, NULL,
                            "EPC URN must be "
                            "urn:epc:id:, urn:epc:class: or urn:epc:idpat: "
                            "(tag and raw URNs carry no GS1 key as such)",
                            s, len);
    sch = colon + 1;
    colon = memchr(sch, ':', (size_t)(end - sch));
    if (!colon)
        return zl_error_set(err, ZL_ESYNTAX, NULL, "EPC URN has no scheme", s,
                            len);
    schn = (size_t)(colon - sch);
    body = colon + 1;
    bn = (size_t)(end - body);

#define SPLIT(k)                                                               \
    do {                                                                       \
        rc = split(body, bn, (k), c, scheme, kind == K_IDPAT, err);            \
        if (rc < 0)                                                            \
            goto fail;                                                         \
        rc = check_gcp(&c[0], err);                                            \
        if (rc < 0)                                                            \
            goto fail;                                                         \
    } while (0)
#define TRY(x)                                                                 \
    do {                                                                       \
        rc = (x);                                                              \
        if (rc < 0)                                                            \
            goto fail;                                                         \
    } while (0)
#define STAR(i)                                                                \
    do {                                                                       \
        if (!is_star(&c[i])) {                                                 \
            rc = zl_error_set(err, ZL_EUNSUPPORTED, NULL,                      \
                              "only a '*' in place of "                        \
                              "the serial is supported in an EPC pattern URN", \
                              s, len);                                         \
            goto fail;                                                         \
        }                                                                      \
    } while (0)

    {
        char scheme[8];
        if (schn == 0 || schn >= sizeof scheme) {
            rc = zl_error_set(err, ZL_EUNSUPPORTED, NULL, "unknown EPC scheme",
                              sch, schn);
            goto fail;
        }
        for (n = 0; n < schn; n++)
            scheme[n] =
                (char)((sch[n] >= 'A' && sch[n] <= 'Z') ? sch[n] - 'A' + 'a'
                                                        : sch[n]);
        scheme[schn] = '\0';

        if (kind == K_CLASS) {
            if (strcmp(scheme, "lgtin") != 0) {
                rc = zl_error_set(err, ZL_EUNSUPPORTED, NULL,
                                  "unknown EPC class scheme (only lgtin)", sch,
                                  schn);
                goto fail;
            }
            SPLIT(3);
            TRY(check_ref(&c[0], &c[1], 13, "indicator and item reference",
                          err));
            n = gtin_from(buf, &c[0], &c[1]);
            TRY(add(id, 0, "01", buf, n, err));
            TRY(sn = unescape(&c[2], ser, sizeof ser, 0, "lot", err));
            TRY(add(id, 0, "10", ser, (size_t)sn, err));
        } else if (!strcmp(scheme, "sgtin") || !strcmp(scheme, "upui")) {
            SPLIT(3);
            TRY(check_ref(&c[0], &c[1], 13, "indicator and item reference",
                          err));
            n = gtin_from(buf, &c[0], &c[1]);
            TRY(add(id, 0, "01", buf, n, err));
            if (kind == K_IDPAT) {
                STAR(2);
            } else {
                TRY(sn = unescape(&c[2], ser, sizeof ser, 0, "serial", err));
                TRY(add(id, 0, scheme[0] == 's' ? "21" : "235", ser, (size_t)sn,
                        err));
            }
        } else if (!strcmp(scheme, "itip")) {
            SPLIT(5);
            TRY(check_ref(&c[0], &c[1], 13, "indicator and item reference",
                          err));
            if (c[2].n != 2 || c[3].n != 2 || !digits(&c[2]) ||
                !digits(&c[3])) {
                rc = zl_error_set(err, ZL_EINVAL, NULL,
                                  "wrong length: ITIP "
                                  "piece and total must be two digits each",
                                  s, len);
                goto fail;
            }
            n = gtin_from(buf, &c[0], &c[1]);
            memcpy(buf + n, c[2].p, 2);
            memcpy(buf + n + 2, c[3].p, 2);
            TRY(add(id, 0, "8006", buf, n + 4, err));
            if (kind == K_IDPAT) {
                STAR(4);
            } else {
                TRY(sn = unescape(&c[4], ser, sizeof ser, 0, "serial", err));
                TRY(add(id, 0, "21", ser, (size_t)sn, err));
            }
        } else if (kind == K_ID && !strcmp(scheme, "sscc")) {
            SPLIT(2);
            TRY(check_ref(&c[0], &c[1], 17, "extension and serial reference",
                          err));
            n = with_check(buf, c[1].p, 1, c[0].p, c[0].n, c[1].p + 1,
                           c[1].n - 1);
            TRY(add(id, 0, "00", buf, n, err));
        } else if (kind == K_ID &&
                   (!strcmp(scheme, "sgln") || !strcmp(scheme, "pgln"))) {
            int sgln = scheme[0] == 's';
            SPLIT(sgln ? 3 : 2);
            TRY(check_ref(&c[0], &c[1], 12,
                          sgln ? "location reference" : "party reference",
                          err));
            n = with_check(buf, c[0].p, c[0].n, c[1].p, c[1].n, "", 0);
            TRY(add(id, 0, sgln ? "414" : "417", buf, n, err));
            if (sgln && !(c[2].n == 1 && c[2].p[0] == '0')) {
                TRY(sn = unescape(&c[2], ser, sizeof ser, 0, "extension", err));
                TRY(add(id, 0, "254", ser, (size_t)sn, err));
            }
        } else if (!strcmp(scheme, "grai") || !strcmp(scheme, "gdti") ||
                   !strcmp(scheme, "sgcn")) {
            const char *ai = scheme[1] == 'r'   ? "8003"
                             : scheme[1] == 'd' ? "253"
                                                : "255";
            SPLIT(3);
            TRY(check_ref(&c[0], &c[1], 12,
                          scheme[1] == 'r'   ? "asset type"
                          : scheme[1] == 'd' ? "document type"
                                             : "coupon reference",
                          err));
            if (ai[0] == '8')
                n = with_check(buf, "0", 1, c[0].p, c[0].n, c[1].p, c[1].n);
            else
                n = with_check(buf, c[0].p, c[0].n, c[1].p, c[1].n, "", 0);
            if (kind == K_IDPAT) {
                STAR(2);
            } else {
                if (c[2].n == 0) {
                    rc = zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                       "wrong length: %s serial is empty",
                                       scheme);
                    goto fail;
                }
                if (ai[2] == '5' && !digits(&c[2])) {
                    rc = zl_error_set(err, ZL_EINVAL, NULL,
                                      "bad character: "
                                      "SGCN serial must be digits",
                                      c[2].p, c[2].n);
                    goto fail;
                }
                TRY(sn = unescape(&c[2], ser, sizeof ser, 0, "serial", err));
                if (n + (size_t)sn >= sizeof buf) {
                    rc = zl_error_set(err, ZL_EINVAL, NULL,
                                      "wrong length: serial too long", s, len);
                    goto fail;
                }
                memcpy(buf + n, ser, (size_t)sn);
                n += (size_t)sn;
            }
            TRY(add(id, 0, ai, buf, n, err));
        } else if (kind == K_ID &&
                   (!strcmp(scheme, "giai") || !strcmp(scheme, "ginc"))) {
            SPLIT(2);
            memcpy(buf, c[0].p, c[0].n);
            TRY(sn = unescape(&c[1], buf + c[0].n, sizeof buf - c[0].n, 0,
                              scheme[2] == 'a' ? "asset reference"
                                               : "consignment reference",
                              err));
            if (sn == 0) {
                rc = zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                                   "wrong length: "
                                   "%s reference is empty",
                                   scheme);
                goto fail;
            }
            TRY(add(id, 0, scheme[2] == 'a' ? "8004" : "401", buf,
                    c[0].n + (size_t)sn, err));
        } else if (kind == K_ID &&
                   (!strcmp(scheme, "gsrn") || !strcmp(scheme, "gsrnp") ||
                    !strcmp(scheme, "gsin"))) {
            int gsin = scheme[2] == 'i';
            SPLIT(2);
            TRY(check_ref(&c[0], &c[1], gsin ? 16 : 17,
                          gsin ? "shipper reference" : "service reference",
                          err));
            n = with_check(buf, c[0].p, c[0].n, c[1].p, c[1].n, "", 0);
            TRY(add(id, 0,
                    gsin               ? "402"
                    : scheme[4] == 'p' ? "8017"
                                       : "8018",
                    buf, n, err));
        } else if (!strcmp(scheme, "cpi")) {
            SPLIT(3);
            memcpy(buf, c[0].p, c[0].n);
            TRY(sn = unescape(&c[1], buf + c[0].n, sizeof buf - c[0].n, 1,
                              "component/part reference", err));
            if (sn == 0) {
                rc = zl_error_set(err, ZL_EINVAL, NULL,
                                  "wrong length: "
                                  "component/part reference is empty",
                                  s, len);
                goto fail;
            }
            TRY(add(id, 0, "8010", buf, c[0].n + (size_t)sn, err));
            if (kind == K_IDPAT) {
                STAR(2);
            } else {
                if (!digits(&c[2])) {
                    rc = zl_error_set(err, ZL_EINVAL, NULL,
                                      "bad character: "
                                      "CPI serial must be digits",
                                      c[2].p, c[2].n);
                    goto fail;
                }
                TRY(add(id, 0, "8011", c[2].p, c[2].n, err));
            }
        } else {
            rc = zl_error_setf(err, ZL_EUNSUPPORTED, NULL, NULL,
                               "unknown EPC scheme '%s'%s", scheme,
                               kind == K_IDPAT ? " for a pattern URN" : "");
            goto fail;
        }
    }
#undef SPLIT
#undef TRY
#undef STAR
    id->gcp_len = (int)c[0].n;
    gs1_classify(id);
    return 0;
fail:
    if (err && !err->value[0]) {
        size_t k = len < sizeof err->value - 1 ? len : sizeof err->value - 1;
        memcpy(err->value, s, k);
        err->value[k] = '\0';
    }
    memset(id, 0, sizeof *id);
    return rc;
}

/* Write a value with TDS escapes. */
static void put_esc(struct gs1_out *o, const char *v, size_t n, int cs39)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        int c = (unsigned char)v[i];
        int esc = cs39 ? (c == '#' || c == '/')
                       : (!gs1_cs82(c) || strchr("\"%&/<>?", c) != NULL);
        if (esc) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            out_mem(o, e, 3);
        } else {
            out_chr(o, (char)c);
        }
    }
}

int zl_gs1_to_urn(const struct zl_gs1_id *id, int gcp_len, char *out,
                  size_t cap)
{
    struct gs1_out o;
    size_t L, vn, i;
    const char *v, *q;
    int qi;

    if (!id || !id->n_ais)
        return ZL_EINVAL;
    if (gcp_len <= 0)
        gcp_len = id->gcp_len;
    if (gcp_len <= 0)
        return ZL_EUNSUPPORTED;
    if (gcp_len < 6 || gcp_len > 12)
        return ZL_EINVAL;
    L = (size_t)gcp_len;
    v = id->ais[0].value;
    vn = strlen(v);
    out_init(&o, out, cap);

    switch (id->scheme) {
    case ZL_GS1_SGTIN:
    case ZL_GS1_LGTIN:
    case ZL_GS1_GTIN:
    case ZL_GS1_UPUI:
    case ZL_GS1_ITIP:
    case ZL_GS1_ITIP_CLASS: {
        int itip = id->scheme == ZL_GS1_ITIP || id->scheme == ZL_GS1_ITIP_CLASS;
        out_str(&o, id->scheme == ZL_GS1_LGTIN        ? "urn:epc:class:lgtin:"
                    : id->scheme == ZL_GS1_GTIN       ? "urn:epc:idpat:sgtin:"
                    : id->scheme == ZL_GS1_UPUI       ? "urn:epc:id:upui:"
                    : id->scheme == ZL_GS1_ITIP       ? "urn:epc:id:itip:"
                    : id->scheme == ZL_GS1_ITIP_CLASS ? "urn:epc:idpat:itip:"
                                                      : "urn:epc:id:sgtin:");
        out_mem(&o, v + 1, L);
        out_chr(&o, '.');
        out_chr(&o, v[0]);
        out_mem(&o, v + 1 + L, 12 - L);
        if (itip) {
            out_chr(&o, '.');
            out_mem(&o, v + 14, 2);
            out_chr(&o, '.');
            out_mem(&o, v + 16, 2);
        }
        out_chr(&o, '.');
        q = id->scheme == ZL_GS1_LGTIN  ? "10"
            : id->scheme == ZL_GS1_UPUI ? "235"
                                        : "21";
        qi = gs1_find_ai(id, q);
        if (id->scheme == ZL_GS1_GTIN || id->scheme == ZL_GS1_ITIP_CLASS)
            out_chr(&o, '*');
        else if (qi >= 0)
            put_esc(&o, id->ais[qi].value, strlen(id->ais[qi].value), 0);
        break;
    }
    case ZL_GS1_SSCC:
        out_str(&o, "urn:epc:id:sscc:");
        out_mem(&o, v + 1, L);
        out_chr(&o, '.');
        out_chr(&o, v[0]);
        out_mem(&o, v + 1 + L, 16 - L);
        break;
    case ZL_GS1_SGLN:
    case ZL_GS1_PGLN:
        out_str(&o, id->scheme == ZL_GS1_SGLN ? "urn:epc:id:sgln:"
                                              : "urn:epc:id:pgln:");
        out_mem(&o, v, L);
        out_chr(&o, '.');
        out_mem(&o, v + L, 12 - L);
        if (id->scheme == ZL_GS1_SGLN) {
            qi = gs1_find_ai(id, "254");
            out_chr(&o, '.');
            if (qi >= 0)
                put_esc(&o, id->ais[qi].value, strlen(id->ais[qi].value), 0);
            else
                out_chr(&o, '0');
        }
        break;
    case ZL_GS1_GRAI:
    case ZL_GS1_GRAI_CLASS:
        out_str(&o, id->scheme == ZL_GS1_GRAI ? "urn:epc:id:grai:"
                                              : "urn:epc:idpat:grai:");
        out_mem(&o, v + 1, L);
        out_chr(&o, '.');
        out_mem(&o, v + 1 + L, 12 - L);
        out_chr(&o, '.');
        if (id->scheme == ZL_GS1_GRAI)
            put_esc(&o, v + 14, vn - 14, 0);
        else
            out_chr(&o, '*');
        break;
    case ZL_GS1_GDTI:
    case ZL_GS1_GDTI_CLASS:
    case ZL_GS1_SGCN:
    case ZL_GS1_SGCN_CLASS: {
        int cls =
            id->scheme == ZL_GS1_GDTI_CLASS || id->scheme == ZL_GS1_SGCN_CLASS;
        int gdti = id->scheme == ZL_GS1_GDTI || id->scheme == ZL_GS1_GDTI_CLASS;
        out_str(&o, cls ? "urn:epc:idpat:" : "urn:epc:id:");
        out_str(&o, gdti ? "gdti:" : "sgcn:");
        out_mem(&o, v, L);
        out_chr(&o, '.');
        out_mem(&o, v + L, 12 - L);
        out_chr(&o, '.');
        if (cls)
            out_chr(&o, '*');
        else
            put_esc(&o, v + 13, vn - 13, 0);
        break;
    }
    case ZL_GS1_GIAI:
    case ZL_GS1_GINC:
    case ZL_GS1_CPI:
    case ZL_GS1_CPI_CLASS:
        if (L >= vn)
            return ZL_EINVAL;
        for (i = 0; i < L; i++)
            if (v[i] < '0' || v[i] > '9')
                return ZL_EINVAL;
        out_str(&o, id->scheme == ZL_GS1_GIAI   ? "urn:epc:id:giai:"
                    : id->scheme == ZL_GS1_GINC ? "urn:epc:id:ginc:"
                    : id->scheme == ZL_GS1_CPI  ? "urn:epc:id:cpi:"
                                                : "urn:epc:idpat:cpi:");
        out_mem(&o, v, L);
        out_chr(&o, '.');
        put_esc(&o, v + L, vn - L,
                id->scheme == ZL_GS1_CPI || id->scheme == ZL_GS1_CPI_CLASS);
        if (id->scheme == ZL_GS1_CPI) {
            qi = gs1_find_ai(id, "8011");
            out_chr(&o, '.');
            if (qi >= 0)
                out_str(&o, id->ais[qi].value);
        } else if (id->scheme == ZL_GS1_CPI_CLASS) {
            out_str(&o, ".*");
        }
        break;
    case ZL_GS1_GSRN:
    case ZL_GS1_GSRNP:
    case ZL_GS1_GSIN:
        out_str(&o, id->scheme == ZL_GS1_GSRN    ? "urn:epc:id:gsrn:"
                    : id->scheme == ZL_GS1_GSRNP ? "urn:epc:id:gsrnp:"
                                                 : "urn:epc:id:gsin:");
        out_mem(&o, v, L);
        out_chr(&o, '.');
        out_mem(&o, v + L, vn - 1 - L);
        break;
    default: return ZL_EUNSUPPORTED;
    }
    return out_done(&o);
}
