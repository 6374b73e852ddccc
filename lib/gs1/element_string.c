/*
 * element_string.c - GS1 element strings, bracketed and as scanners send.
 *
 * Two inputs: the human-readable "(01)09506000134352(10)ABC" and raw
 * scanner data "0109506000134352" "10ABC" GS "21123", where FNC1 arrives as
 * GS (0x1D) and may be preceded by a symbology identifier (]C1 GS1-128,
 * ]e0 GS1 DataBar, ]d2 GS1 DataMatrix, ]Q3 GS1 QR Code, ]J1 GS1 DotCode).
 *
 * Raw data needs the AI table to know where a value ends: AIs with the
 * dictionary's "*" flag (predefined length) have no FNC1 after them; all
 * others end at GS or at the end of data. In bracketed input a '('
 * inside a value (CS82 allows it) is taken literally unless it opens an
 * AI, i.e. 2 to 4 digits and ')': "(21)A(B)(10)X" has serial "A(B)".
 *
 * Element strings have no order, so the primary key is the first key AI
 * found, its key qualifiers are sorted into Digital Link order, and every
 * other AI becomes a data attribute. Then the dictionary's ex= and req=
 * rules are checked over all of them.
 */
#include "gs1_int.h"

#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

#define GS     0x1D
#define MAX_ES 24

struct es_item {
    char ai[5];
    const char *v;
    size_t n;
};

static int unknown_ai(const char *s, size_t n, struct zl_error *err)
{
    size_t k = 0;

    while (k < n && k < 4 && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k < 2) {
        char c = n ? s[0] : '?';
        return zl_error_setf(err, ZL_ESYNTAX, NULL, NULL,
                             "bad character: expected an AI (digits), got '%c'",
                             c > 32 && c < 127 ? c : '?');
    }
    return zl_error_setf(err, ZL_EINVAL, NULL, NULL, "unknown AI '%.*s'",
                         (int)k, s);
}

static int push(struct es_item *items, size_t *n, const char *ai, size_t al,
                const char *v, size_t vn, struct zl_error *err)
{
    if (*n == MAX_ES)
        return zl_error_setf(err, ZL_ELIMIT, NULL, NULL,
                             "too many AIs (at most %d)", MAX_ES);
    memcpy(items[*n].ai, ai, al);
    items[*n].ai[al] = '\0';
    items[*n].v = v;
    items[*n].n = vn;
    (*n)++;
    return 0;
}

static int parse_raw(const char *s, size_t len, struct es_item *items,
                     size_t *count, struct zl_error *err)
{
    size_t pos = 0;
    int rc;

    while (pos < len && s[pos] == GS)
        pos++;
    while (pos < len) {
        size_t al, st, end;
        const struct ai_def *d = ai_find_prefix(s + pos, len - pos, &al);

        if (!d)
            return unknown_ai(s + pos, len - pos, err);
        st = pos + al;
        if (d->pre) {
            size_t fl = ai_fixed_len(d);
            end = st + fl;
            if (end > len)
                return zl_error_setf(
                    err, ZL_EINVAL, NULL, NULL,
                    "wrong length: AI (%.*s) takes %zu characters, got %zu",
                    (int)al, s + pos, fl, len - st);
        } else {
            end = st;
            while (end < len && s[end] != GS)
                end++;
        }
        rc = push(items, count, s + pos, al, s + st, end - st, err);
        if (rc < 0)
            return rc;
        pos = end;
        while (pos < len && s[pos] == GS)
            pos++;
    }
    return 0;
}

/* Length of "(AI)" at s if it opens an AI (2-4 digits in brackets, known
 * or not: an unknown one is reported rather than read as data), else 0. */
static size_t open_ai(const char *s, size_t n, size_t *al)
{
    size_t k = 1;

    if (n < 4 || s[0] != '(')
        return 0;
    while (k < n && k <= 5 && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k >= n || s[k] != ')' || k - 1 < 2 || k - 1 > 4)
        return 0;
    *al = k - 1;
    return k + 1;
}

static int parse_bracketed(const char *s, size_t len, struct es_item *items,
                           size_t *count, struct zl_error *err)
{
    size_t pos = 0;
    int rc;

    while (pos < len) {
        size_t al = 0, hl = open_ai(s + pos, len - pos, &al), st, end;

        if (!hl) {
            size_t k = pos + 1;
            if (s[pos] != '(')
                return zl_error_set(
                    err, ZL_ESYNTAX, NULL,
                    "element string must start with '(' and an AI", s, len);
            while (k < len && s[k] != ')')
                k++;
            if (k >= len)
                return zl_error_set(err, ZL_ESYNTAX, NULL,
                                    "unclosed '(' in element string", s, len);
            return unknown_ai(s + pos + 1, k - pos - 1, err);
        }
        if (!ai_find(s + pos + 1, al))
            return unknown_ai(s + pos + 1, al, err);
        st = pos + hl;
        end = st;
        while (end < len) {
            size_t dummy;
            if (s[end] == '(' && open_ai(s + end, len - end, &dummy))
                break;
            end++;
        }
        rc = push(items, count, s + pos + 1, al, s + st, end - st, err);
        if (rc < 0)
            return rc;
        pos = end;
    }
    return 0;
}

int gs1_parse_es(const char *s, size_t len, struct zl_gs1_id *id,
                 struct zl_error *err)
{
    struct es_item items[MAX_ES];
    unsigned char used[MAX_ES];
    size_t n = 0, i, j, key = (size_t)-1;
    int rc, group = 0;
    const char *orig = s;
    size_t olen = len;

    if (len >= 1 && s[0] == ']') {
        static const char *const ids[] = {"]C1", "]e0", "]d2", "]Q3", "]J1"};
        int ok = 0;
        for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
            if (len >= 3 && memcmp(s, ids[i], 3) == 0)
                ok = 1;
        if (!ok)
            return zl_error_set(
                err, ZL_EUNSUPPORTED, NULL,
                "unsupported symbology identifier (GS1 data starts ]C1, ]e0, "
                "]d2, ]Q3 or ]J1)",
                s, len < 3 ? len : 3);
        s += 3;
        len -= 3;
    }
    if (len == 0)
        return zl_error_set(err, ZL_ESYNTAX, NULL, "empty element string", orig,
                            olen);
    rc = s[0] == '(' ? parse_bracketed(s, len, items, &n, err)
                     : parse_raw(s, len, items, &n, err);
    if (rc < 0)
        goto fail;

    /* Repeated AIs: identical repeats collapse, different values conflict
     * (General Specifications 4.14.1). */
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (!strcmp(items[i].ai, items[j].ai)) {
                if (items[i].n != items[j].n ||
                    memcmp(items[i].v, items[j].v, items[i].n) != 0) {
                    rc = zl_error_setf(
                        err, ZL_EINVAL, NULL, NULL,
                        "AI (%s) appears twice with different values",
                        items[i].ai);
                    goto fail;
                }
                memmove(&items[j], &items[j + 1],
                        (n - j - 1) * sizeof items[0]);
                n--;
                j--;
            }

    for (i = 0; i < n && key == (size_t)-1; i++)
        if (gs1_is_primary_key(items[i].ai))
            key = i;
    if (key == (size_t)-1) {
        char keys[160];
        size_t k, o = 0;

        for (k = 0; k < gs1_ai_count && o + 8 < sizeof keys; k++)
            if (gs1_ai_table[k].dlpkey)
                o += (size_t)snprintf(keys + o, sizeof keys - o, "%s%s",
                                      o ? ", " : "", gs1_ai_table[k].ai);
        rc = zl_error_setf(err, ZL_EINVAL, NULL, NULL,
                           "missing primary key: no GS1 key AI (%s) in the "
                           "element string",
                           keys);
        goto fail;
    }
    rc = gs1_add_ai(id, 0, items[key].ai, strlen(items[key].ai), items[key].v,
                    items[key].n, err);
    if (rc < 0)
        goto fail;
    /* Qualifiers in rank order, then the rest as attributes. A qualifier
     * of another chain than the first one found (10 beside 235) is a data
     * attribute, as it would be in a Digital Link; the dictionary's ex=
     * rules then refuse the pairs that cannot meet ((21) with (235)). */
    memset(used, 0, sizeof used);
    used[key] = 1;
    for (j = 1; j <= ZL_GS1_MAX_AIS; j++)
        for (i = 0; i < n; i++) {
            int g = 0, r = gs1_qualifier_rank(items[key].ai, items[i].ai, &g);
            if (used[i] || r != (int)j || (group && g != group))
                continue;
            group = g;
            used[i] = 1;
            rc = gs1_add_ai(id, 0, items[i].ai, strlen(items[i].ai), items[i].v,
                            items[i].n, err);
            if (rc < 0)
                goto fail;
        }
    for (i = 0; i < n; i++) {
        if (used[i])
            continue;
        rc = gs1_add_ai(id, 1, items[i].ai, strlen(items[i].ai), items[i].v,
                        items[i].n, err);
        if (rc < 0)
            goto fail;
    }
    rc = gs1_check_requires(id, err);
    if (rc < 0)
        goto fail;
    gs1_classify(id);
    return 0;
fail:
    memset(id, 0, sizeof *id);
    return rc;
}

int zl_gs1_to_element_string(const struct zl_gs1_id *id, char *out, size_t cap)
{
    struct gs1_out o;
    size_t i;

    out_init(&o, out, cap);
    for (i = 0; i < id->n_ais + id->n_attrs; i++) {
        const struct zl_gs1_ai *a =
            i < id->n_ais ? &id->ais[i] : &id->attrs[i - id->n_ais];
        out_chr(&o, '(');
        out_str(&o, a->ai);
        out_chr(&o, ')');
        out_str(&o, a->value);
    }
    return out_done(&o);
}

int zl_gs1_to_element_string_raw(const struct zl_gs1_id *id, char *out,
                                 size_t cap)
{
    struct gs1_out o;
    size_t i, total = id->n_ais + id->n_attrs;

    out_init(&o, out, cap);
    for (i = 0; i < total; i++) {
        const struct zl_gs1_ai *a =
            i < id->n_ais ? &id->ais[i] : &id->attrs[i - id->n_ais];
        const struct ai_def *d = ai_find(a->ai, strlen(a->ai));
        out_str(&o, a->ai);
        out_str(&o, a->value);
        if (i + 1 < total && d && !d->pre)
            out_chr(&o, GS);
    }
    return out_done(&o);
}
