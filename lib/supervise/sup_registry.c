/*
 * sup_registry.c - the supervision registries: enterprises, inspectors,
 * product categories (zhiliang/inspect.h, docs/supervision.md).
 *
 * An entry is validated field by field and rebuilt as its record: only
 * the known fields, lists sorted and without duplicates where order means
 * nothing (categories, GLNs, qualifications, conflicts), defaults filled
 * (credit class "B"). The record, RFC 8785 JSON with "type" and "v", is
 * logged as a ZL_LEAF_INSPECTION leaf and stored in sup_records (key
 * "enterprise:<uscc>", "inspector:<id>", "category:<code>"); the last
 * record of a key is the entry. So the state a draw reads can be taken
 * at any past leaf, and verify needs nothing but the rows and the log.
 *
 * Imports check every row before writing any: a file with an error
 * stores nothing, and every error is reported with its line, field and
 * reason. CSV rows are turned into the same JSON objects first, so there
 * is one validator.
 *
 * Rejected: accepting unknown fields silently (a misspelt "qualifcations"
 * would register an inspector with no qualification and the draw would
 * never pick him, with nobody told).
 */
#include "audit/logged_rows.h"
#include "party/party_int.h"
#include "supervise/sup_int.h"

#include "store/store.h"
#include "store/store_sup.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "util/strmap.h"
#include "zhiliang/gs1.h"
#include "zhiliang/log.h"
#include "zhiliang/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_ROWS 10000000
#define TEXT_MAX        512

static const char *const KIND[] = {"enterprise", "inspector", "category"};

const char *zl_sup_kind_name(enum zl_sup_kind k)
{
    return (unsigned)k < 3 ? KIND[k] : "?";
}

int zl_sup_kind_parse(const char *s, enum zl_sup_kind *k)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, KIND[i])) {
            *k = (enum zl_sup_kind)i;
            return 0;
        }
    return ZL_EINVAL;
}

int sup_id_ok(const char *v, size_t max)
{
    size_t n = strlen(v);

    if (!n || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* ---- writers -------------------------------------------------------------
 */

int sup_writer_get(zl_store *s, const char *writer, struct sup_writer *w,
                   struct zl_error *err)
{
    struct zl_authz_party p;
    int rc;

    memset(w, 0, sizeof *w);
    if (!writer) {
        w->local = 1;
        w->kind = ZL_PARTY_OPERATOR;
        return 0;
    }
    if ((rc = zl_authz_party(s, writer, &p, err)))
        return rc;
    w->kind = p.kind;
    memcpy(w->id, p.id, sizeof w->id);
    memcpy(w->region, p.region, sizeof w->region);
    return 0;
}

int sup_may_write(const struct sup_writer *w, const char *region,
                  const char *what, struct zl_error *err)
{
    if (w->local || w->kind == ZL_PARTY_OPERATOR)
        return 0;
    if (w->kind == ZL_PARTY_REGULATOR && region &&
        zl_region_covers(w->region, region))
        return 0;
    return zl_error_setf(
        err, ZL_EPERM, what, region,
        "%s may not write this (rule: regulators write registries and "
        "plans inside their region, operators everything, categories "
        "operators only; docs/access.md)",
        w->kind == ZL_PARTY_REGULATOR ? "a regulator outside its region"
                                      : "an enterprise");
}

/* ---- records -------------------------------------------------------------
 */

struct same {
    const char *bytes;
    size_t len;
    int equal;
};

static int same_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct same *x = ctx;

    x->equal = r->len == x->len && !memcmp(r->json, x->bytes, r->len);
    return 0;
}

const char *sup_record_kind(const json_t *rec)
{
    const char *type = json_string_value(json_object_get(rec, "type"));

    if (type && !strcmp(type, "spot"))
        return json_string_value(json_object_get(rec, "step"));
    return type;
}

int zl_sup_canon_kind(const void *canon, size_t len, char *kind, size_t cap)
{
    json_t *o = json_loadb(canon, len, 0, NULL);
    const char *k = o ? sup_record_kind(o) : NULL;
    int rc = k && strlen(k) < cap ? 0 : ZL_ENOTFOUND;

    if (!rc)
        memcpy(kind, k, strlen(k) + 1);
    json_decref(o);
    return rc;
}

int sup_append(zl_store *s, const char *key, json_t *rec, int unchanged_skip,
               uint64_t *leaf, long *seq)
{
    return sup_append_ix(s, key, rec, unchanged_skip, NULL, leaf, seq);
}

int sup_append_ix(zl_store *s, const char *key, json_t *rec, int unchanged_skip,
                  const char *task_uscc, uint64_t *leaf, long *seq)
{
    const char *kind = rec ? sup_record_kind(rec) : NULL;

    struct zl_store_sup_record r = {0};
    char ix[19];
    struct zl_buf b;
    char lkey[SUP_ID_MAX * 3 + 64];
    uint64_t idx = 0;
    long last = 0;
    int rc;

    zl_buf_init(&b, SUP_RECORD_MAX);
    if (seq)
        *seq = 0;
    if (!rec || !kind) {
        rc = rec ? ZL_EINVAL : ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_jcs_dump(rec, &b)) || (rc = zl_buf_addc(&b, '\0')))
        goto out;
    b.len--;
    if ((rc = zl_store_sup_last_seq(s, key, &last)))
        goto out;
    if (unchanged_skip && last) {
        struct same x = {(const char *)b.data, b.len, 0};

        if ((rc = zl_store_sup_get(s, key, last, same_cb, &x)))
            goto out;
        if (x.equal)
            goto out;
    }
    snprintf(lkey, sizeof lkey, "sup:%s:%ld", key, last + 1);
    if ((rc = zl_log_append(s, ZL_LEAF_INSPECTION, lkey, b.data, b.len, &idx)))
        goto out;
    r.key = key;
    r.seq = last + 1;
    r.kind = kind;
    r.leaf = (int64_t)idx;
    r.json = (const char *)b.data;
    r.len = b.len;
    /* the credit index (credit_index.c), in the record's transaction */
    if (!strncmp(key, "task:", 5))
        snprintf(ix, sizeof ix, "%s", task_uscc ? task_uscc : "");
    else if ((rc = sup_index_of(s, key, ix)))
        goto out;
    r.uscc = ix;
    if ((rc = zl_store_sup_put(s, &r)))
        goto out;
    rc = zl_store_outbox_append(s, kind, key, zl_time_now_ms());
    if (leaf)
        *leaf = idx;
    if (seq)
        *seq = r.seq;
out:
    json_decref(rec);
    zl_buf_cleanup(&b);
    return rc;
}

/* ---- validation ----------------------------------------------------------
 */

static int need_str(json_t *in, const char *k, int required, size_t max,
                    const char **out, struct zl_error *err)
{
    json_t *v = json_object_get(in, k);

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return zl_error_set(err, ZL_EINVAL, k, "is required", NULL, 0);
        return 0;
    }
    if (!json_is_string(v))
        return zl_error_set(err, ZL_EINVAL, k, "must be a string", NULL, 0);
    *out = json_string_value(v);
    if (!**out && required)
        return zl_error_set(err, ZL_EINVAL, k, "must not be empty", NULL, 0);
    if (strlen(*out) > max)
        return zl_error_setf(err, ZL_EINVAL, k, *out, "longer than %zu bytes",
                             max);
    return 0;
}

static int digits(const char *v, size_t n)
{
    if (strlen(v) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

static int region_ok(const char *v, int six_only)
{
    return digits(v, 6) || (!six_only && (digits(v, 2) || digits(v, 4)));
}

/* A decimal limit: -?digits(.digits)? */
static int decimal_ok(const char *v)
{
    size_t i = v[0] == '-', d = 0;

    for (; v[i] >= '0' && v[i] <= '9'; i++)
        d++;
    if (!d)
        return 0;
    if (v[i] == '.') {
        size_t f = 0;

        for (i++; v[i] >= '0' && v[i] <= '9'; i++)
            f++;
        if (!f)
            return 0;
    }
    return v[i] == '\0';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a),
                  json_string_value(*(json_t *const *)b));
}

/* Every element must pass check; out: sorted, duplicates dropped. */
enum list_check { L_CODE, L_USCC, L_GLN, L_CATEGORY };

struct cat_seen {
    int found;
};

static int cat_cb(void *ctx, const struct zl_store_sup_record *r)
{
    (void)r;
    ((struct cat_seen *)ctx)->found = 1;
    return 0;
}

static int list_field(zl_store *s, json_t *in, const char *k, int required,
                      enum list_check chk, json_t **out, struct zl_error *err)
{
    json_t *v = json_object_get(in, k), **a = NULL;
    size_t n, i, m = 0;
    int rc = 0;

    *out = json_array();
    if (!*out)
        return ZL_ENOMEM;
    if (!v || json_is_null(v)) {
        if (required)
            return zl_error_set(err, ZL_EINVAL, k, "is required", NULL, 0);
        return 0;
    }
    if (!json_is_array(v))
        return zl_error_set(err, ZL_EINVAL, k, "must be an array of strings",
                            NULL, 0);
    n = json_array_size(v);
    if (n > 4096)
        return zl_error_set(err, ZL_ELIMIT, k, "more than 4096 entries", NULL,
                            0);
    if (required && !n)
        return zl_error_set(err, ZL_EINVAL, k, "must not be empty", NULL, 0);
    if (n && !(a = zl_malloc(n * sizeof *a)))
        return ZL_ENOMEM;
    for (i = 0; i < n && !rc; i++) {
        json_t *e = json_array_get(v, i);
        const char *x = json_string_value(e);
        char path[80];

        snprintf(path, sizeof path, "%s[%zu]", k, i);
        if (!x) {
            rc =
                zl_error_set(err, ZL_EINVAL, path, "must be a string", NULL, 0);
            break;
        }
        switch (chk) {
        case L_CODE:
        case L_CATEGORY:
            if (!sup_id_ok(x, 32))
                rc = zl_error_set(err, ZL_EINVAL, path,
                                  "a code is 1-32 of A-Z a-z 0-9 . _ -", x,
                                  (size_t)-1);
            if (!rc && chk == L_CATEGORY) {
                struct cat_seen cs = {0};
                char key[80];

                snprintf(key, sizeof key, "category:%s", x);
                rc = zl_store_sup_get(s, key, 0, cat_cb, &cs);
                if (rc == ZL_ENOTFOUND)
                    rc = zl_error_set(err, ZL_EINVAL, path,
                                      "no such product category registered", x,
                                      (size_t)-1);
            }
            break;
        case L_USCC: {
            struct zl_error e2 = {0};

            if (zl_uscc_validate(x, strlen(x), &e2))
                rc = zl_error_setf(err, ZL_EINVAL, path, x,
                                   "not a valid USCC (GB 32100): %s", e2.rule);
            break;
        }
        case L_GLN:
            if (!digits(x, 13) || zl_gs1_check_digit(x, 12) != x[12] - '0')
                rc = zl_error_set(err, ZL_EINVAL, path,
                                  "a GLN is 13 digits with its GS1 check digit",
                                  x, (size_t)-1);
            break;
        }
        a[i] = e;
    }
    if (!rc && n) {
        qsort(a, n, sizeof *a, cmp_str);
        for (i = 0; i < n && !rc; i++)
            if (!i ||
                strcmp(json_string_value(a[i - 1]), json_string_value(a[i])))
                rc = json_array_append(*out, a[i]) ? ZL_ENOMEM : 0, m++;
    }
    zl_free(a);
    return rc;
}

static int only_fields(json_t *in, const char *const *ok, const char *where,
                       struct zl_error *err)
{
    const char *k;
    json_t *v;

    if (!json_is_object(in))
        return zl_error_set(err, ZL_EINVAL, where, "must be a JSON object",
                            NULL, 0);
    json_object_foreach(in, k, v)
    {
        size_t i;

        for (i = 0; ok[i]; i++)
            if (!strcmp(k, ok[i]))
                break;
        if (!ok[i])
            return zl_error_set(err, ZL_EINVAL, k, "unknown field", k,
                                (size_t)-1);
    }
    return 0;
}

static int setn(json_t *o, const char *k, json_t *v)
{
    return v && !json_object_set_new(o, k, v) ? 0 : ZL_ENOMEM;
}

static int set_s(json_t *o, const char *k, const char *v)
{
    return v ? setn(o, k, json_string(v)) : 0;
}

static json_t *record_head(const char *type)
{
    json_t *o = json_object();

    if (o && (setn(o, "type", json_string(type)) ||
              setn(o, "v", json_integer(SUP_RECORD_V)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int enterprise_rec(zl_store *s, json_t *in, json_t **rec, char *id,
                          char *region, struct zl_error *err)
{
    static const char *const OK[] = {"uscc",     "name", "region", "categories",
                                     "licences", "glns", "credit", NULL};
    static const char *const LOK[] = {"type", "number", "office", "unit", NULL};
    const char *uscc, *name, *reg, *credit;
    json_t *o = NULL, *cats = NULL, *glns = NULL, *lic = NULL, *lin;
    struct zl_error e2 = {0};
    int rc;

    if ((rc = only_fields(in, OK, "", err)) ||
        (rc = need_str(in, "uscc", 1, 18, &uscc, err)) ||
        (rc = need_str(in, "name", 1, TEXT_MAX, &name, err)) ||
        (rc = need_str(in, "region", 1, 6, &reg, err)) ||
        (rc = need_str(in, "credit", 0, 1, &credit, err)))
        goto out;
    if (zl_uscc_validate(uscc, strlen(uscc), &e2)) {
        rc = zl_error_setf(err, ZL_EINVAL, "uscc", uscc,
                           "not a valid USCC (GB 32100): %s", e2.rule);
        goto out;
    }
    if (!region_ok(reg, 1)) {
        rc = zl_error_set(err, ZL_EINVAL, "region",
                          "an enterprise's region is a 6-digit GB/T 2260 code",
                          reg, (size_t)-1);
        goto out;
    }
    if (credit && (strlen(credit) != 1 || credit[0] < 'A' || credit[0] > 'D')) {
        rc = zl_error_set(err, ZL_EINVAL, "credit",
                          "a credit class is A, B, C or D", credit, (size_t)-1);
        goto out;
    }
    if ((rc = list_field(s, in, "categories", 0, L_CATEGORY, &cats, err)) ||
        (rc = list_field(s, in, "glns", 0, L_GLN, &glns, err)))
        goto out;
    if (!(lic = json_array())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    lin = json_object_get(in, "licences");
    if (lin && !json_is_null(lin)) {
        size_t i;
        json_t *l;

        if (!json_is_array(lin)) {
            rc = zl_error_set(err, ZL_EINVAL, "licences",
                              "must be an array of objects", NULL, 0);
            goto out;
        }
        json_array_foreach(lin, i, l)
        {
            const char *t, *num, *off, *unit;
            json_t *lo;
            char path[64];

            snprintf(path, sizeof path, "licences[%zu]", i);
            if ((rc = only_fields(l, LOK, path, err)) ||
                (rc = need_str(l, "type", 1, 16, &t, err)) ||
                (rc = need_str(l, "number", 1, 64, &num, err)) ||
                (rc = need_str(l, "office", 1, TEXT_MAX, &off, err)) ||
                (rc = need_str(l, "unit", 1, 128, &unit, err)))
                goto out;
            if (!strcmp(t, "SC") &&
                (strncmp(num, "SC", 2) || !digits(num + 2, 14))) {
                rc = zl_error_set(err, ZL_EINVAL, path,
                                  "an SC food production licence number is "
                                  "SC and 14 digits",
                                  num, (size_t)-1);
                goto out;
            }
            if (!(lo = json_object()) || json_array_append_new(lic, lo) ||
                set_s(lo, "type", t) || set_s(lo, "number", num) ||
                set_s(lo, "office", off) || set_s(lo, "unit", unit)) {
                rc = ZL_ENOMEM;
                goto out;
            }
        }
    }
    if (!(o = record_head("enterprise")) || set_s(o, "uscc", uscc) ||
        set_s(o, "name", name) || set_s(o, "region", reg) ||
        set_s(o, "credit", credit ? credit : "B") ||
        setn(o, "categories", json_incref(cats)) ||
        setn(o, "glns", json_incref(glns)) ||
        setn(o, "licences", json_incref(lic))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    snprintf(id, SUP_ID_MAX + 1, "%s", uscc);
    snprintf(region, ZL_REGION_MAX, "%s", reg);
    *rec = o;
    o = NULL;
out:
    json_decref(o);
    json_decref(cats);
    json_decref(glns);
    json_decref(lic);
    return rc;
}

static int inspector_rec(zl_store *s, json_t *in, json_t **rec, char *id,
                         char *region, struct zl_error *err)
{
    static const char *const OK[] = {
        "id", "name", "unit", "region", "qualifications", "conflicts", NULL};
    static const char *const COK[] = {"relatives", "employers", "enterprises",
                                      NULL};
    const char *iid, *name, *unit, *reg;
    json_t *o = NULL, *q = NULL, *c = NULL, *cin, *l[3] = {0};
    int rc;

    if ((rc = only_fields(in, OK, "", err)) ||
        (rc = need_str(in, "id", 1, SUP_ID_MAX, &iid, err)) ||
        (rc = need_str(in, "name", 1, TEXT_MAX, &name, err)) ||
        (rc = need_str(in, "unit", 1, 128, &unit, err)) ||
        (rc = need_str(in, "region", 1, 6, &reg, err)))
        goto out;
    if (!sup_id_ok(iid, SUP_ID_MAX)) {
        rc = zl_error_set(err, ZL_EINVAL, "id",
                          "an inspector id is 1-64 of A-Z a-z 0-9 . _ -", iid,
                          (size_t)-1);
        goto out;
    }
    if (!region_ok(reg, 0)) {
        rc = zl_error_set(err, ZL_EINVAL, "region",
                          "a GB/T 2260 code of 2, 4 or 6 digits", reg,
                          (size_t)-1);
        goto out;
    }
    if ((rc = list_field(s, in, "qualifications", 1, L_CATEGORY, &q, err)))
        goto out;
    cin = json_object_get(in, "conflicts");
    if (cin && json_is_null(cin))
        cin = NULL;
    if (cin && (rc = only_fields(cin, COK, "conflicts", err)))
        goto out;
    if (!(c = json_object())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        json_t *empty = json_object();

        rc = empty ? list_field(s, cin ? cin : empty, COK[i], 0, L_USCC, &l[i],
                                err)
                   : ZL_ENOMEM;
        json_decref(empty);
        if (rc) {
            if (err && err->code == rc) {
                char p[sizeof err->path];
                size_t pl = strlen(err->path);

                if (pl + 11 > sizeof p)
                    pl = sizeof p - 11;
                memcpy(p, "conflicts.", 10);
                memcpy(p + 10, err->path, pl);
                p[10 + pl] = '\0';
                memcpy(err->path, p, sizeof p);
            }
            goto out;
        }
        if (setn(c, COK[i], json_incref(l[i]))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (!(o = record_head("inspector")) || set_s(o, "id", iid) ||
        set_s(o, "name", name) || set_s(o, "unit", unit) ||
        set_s(o, "region", reg) || setn(o, "qualifications", json_incref(q)) ||
        setn(o, "conflicts", json_incref(c))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    snprintf(id, SUP_ID_MAX + 1, "%s", iid);
    snprintf(region, ZL_REGION_MAX, "%s", reg);
    *rec = o;
    o = NULL;
out:
    json_decref(o);
    json_decref(q);
    json_decref(c);
    for (int i = 0; i < 3; i++)
        json_decref(l[i]);
    return rc;
}

static int category_rec(json_t *in, json_t **rec, char *id,
                        struct zl_error *err)
{
    static const char *const OK[] = {"code",     "name_zh", "name_en",
                                     "standard", "items",   NULL};
    static const char *const IOK[] = {"item", "name_zh", "name_en", "min",
                                      "max",  "unit",    "method",  NULL};
    const char *code, *zh, *en, *std;
    json_t *o = NULL, *items = NULL, *iin, *it;
    size_t i;
    int rc;

    if ((rc = only_fields(in, OK, "", err)) ||
        (rc = need_str(in, "code", 1, 32, &code, err)) ||
        (rc = need_str(in, "name_zh", 1, TEXT_MAX, &zh, err)) ||
        (rc = need_str(in, "name_en", 0, TEXT_MAX, &en, err)) ||
        (rc = need_str(in, "standard", 1, 128, &std, err)))
        goto out;
    if (!sup_id_ok(code, 32)) {
        rc = zl_error_set(err, ZL_EINVAL, "code",
                          "a code is 1-32 of A-Z a-z 0-9 . _ -", code,
                          (size_t)-1);
        goto out;
    }
    iin = json_object_get(in, "items");
    if (!json_is_array(iin) || !json_array_size(iin)) {
        rc =
            zl_error_set(err, ZL_EINVAL, "items",
                         "a category needs its test items (an array)", NULL, 0);
        goto out;
    }
    if (!(items = json_array())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(iin, i, it)
    {
        const char *item, *izh, *ien, *mn, *mx, *unit, *method;
        char path[64];
        json_t *io;

        snprintf(path, sizeof path, "items[%zu]", i);
        if ((rc = only_fields(it, IOK, path, err)) ||
            (rc = need_str(it, "item", 1, 64, &item, err)) ||
            (rc = need_str(it, "name_zh", 1, TEXT_MAX, &izh, err)) ||
            (rc = need_str(it, "name_en", 0, TEXT_MAX, &ien, err)) ||
            (rc = need_str(it, "min", 0, 32, &mn, err)) ||
            (rc = need_str(it, "max", 0, 32, &mx, err)) ||
            (rc = need_str(it, "unit", 1, 32, &unit, err)) ||
            (rc = need_str(it, "method", 1, 128, &method, err)))
            goto out;
        if ((mn && !decimal_ok(mn)) || (mx && !decimal_ok(mx)) ||
            (!mn && !mx)) {
            rc = zl_error_set(err, ZL_EINVAL, path,
                              "a test item needs a decimal min, max or both",
                              mn ? mn : mx, (size_t)-1);
            goto out;
        }
        if (!(io = json_object()) || json_array_append_new(items, io) ||
            set_s(io, "item", item) || set_s(io, "name_zh", izh) ||
            set_s(io, "name_en", ien) || set_s(io, "min", mn) ||
            set_s(io, "max", mx) || set_s(io, "unit", unit) ||
            set_s(io, "method", method)) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (!(o = record_head("category")) || set_s(o, "code", code) ||
        set_s(o, "name_zh", zh) || set_s(o, "name_en", en) ||
        set_s(o, "standard", std) || setn(o, "items", json_incref(items))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    snprintf(id, SUP_ID_MAX + 1, "%s", code);
    *rec = o;
    o = NULL;
out:
    json_decref(o);
    json_decref(items);
    return rc;
}

/* Validate one entry into its record, key and region (national: ""). */
static int entry_rec(zl_store *s, enum zl_sup_kind k, json_t *in, json_t **rec,
                     char key[SUP_ID_MAX + 32], char region[ZL_REGION_MAX],
                     struct zl_error *err)
{
    char id[SUP_ID_MAX + 1] = "";
    int rc;

    *rec = NULL;
    region[0] = '\0';
    switch (k) {
    case ZL_SUP_ENTERPRISE:
        rc = enterprise_rec(s, in, rec, id, region, err);
        break;
    case ZL_SUP_INSPECTOR:
        rc = inspector_rec(s, in, rec, id, region, err);
        break;
    case ZL_SUP_CATEGORY: rc = category_rec(in, rec, id, err); break;
    default: return ZL_EINVAL;
    }
    if (!rc)
        snprintf(key, SUP_ID_MAX + 32, "%s:%s", KIND[k], id);
    return rc;
}

int zl_sup_put(zl_store *s, const char *writer, enum zl_sup_kind k,
               const char *json, size_t len, struct zl_error *err)
{
    struct sup_writer w;
    json_error_t je;
    json_t *in = NULL, *rec = NULL;
    char key[SUP_ID_MAX + 32], region[ZL_REGION_MAX];
    int rc, own = 0;

    if ((rc = sup_writer_get(s, writer, &w, err)))
        return rc;
    in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!in)
        return zl_error_set(err, ZL_ESYNTAX, "", je.text, NULL, 0);
    if ((rc = entry_rec(s, k, in, &rec, key, region, err)) ||
        (rc = sup_may_write(&w, k == ZL_SUP_CATEGORY ? NULL : region, KIND[k],
                            err)))
        goto out;
    if (!(rc = zl_registry_tx_begin(s, &own))) {
        rc = sup_append(s, key, rec, 1, NULL, NULL);
        rec = NULL;
        rc = zl_registry_tx_end(s, own, rc);
    }
out:
    json_decref(rec);
    json_decref(in);
    return rc;
}

/* ---- import --------------------------------------------------------------
 */

struct row {
    json_t *obj;
    size_t line;
};

struct rows {
    struct row *r;
    size_t n, cap;
};

/* One RFC 4180 field from p (quoted or not); *end past it. Returns the
 * field (new) or NULL on ZL_ENOMEM / an unterminated quote (*bad). */
static char *csv_field(const char **p, const char *end, size_t *line, int *bad)
{
    struct zl_buf b;
    const char *q = *p;
    char *out;

    zl_buf_init(&b, 1 << 20);
    if (q < end && *q == '"') {
        for (q++;; q++) {
            if (q >= end) {
                *bad = 1;
                zl_buf_cleanup(&b);
                return NULL;
            }
            if (*q == '"') {
                if (q + 1 < end && q[1] == '"') {
                    q++;
                } else {
                    q++;
                    break;
                }
            }
            if (*q == '\n')
                (*line)++;
            if (zl_buf_addc(&b, *q))
                goto nomem;
        }
    } else {
        for (; q < end && *q != ',' && *q != '\n' && *q != '\r'; q++)
            if (zl_buf_addc(&b, *q))
                goto nomem;
    }
    if (zl_buf_addc(&b, '\0'))
        goto nomem;
    *p = q;
    out = zl_buf_steal(&b);
    zl_buf_cleanup(&b);
    return out;
nomem:
    zl_buf_cleanup(&b);
    return NULL;
}

/* "a;b; c" -> ["a","b","c"] (empty items dropped). */
static json_t *split_list(const char *v)
{
    json_t *a = json_array();

    while (a && *v) {
        const char *e = strchr(v, ';');
        size_t n = e ? (size_t)(e - v) : strlen(v);

        while (n && (*v == ' ' || *v == '\t'))
            v++, n--;
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        if (n && json_array_append_new(a, json_stringn(v, n))) {
            json_decref(a);
            return NULL;
        }
        v = e ? e + 1 : v + strlen(v);
    }
    return a;
}

static int is_list_col(enum zl_sup_kind k, const char *c)
{
    static const char *const L[] = {
        "categories",  "glns",           "relatives", "employers",
        "enterprises", "qualifications", NULL};

    (void)k;
    for (int i = 0; L[i]; i++)
        if (!strcmp(c, L[i]))
            return 1;
    return 0;
}

/* Turn one CSV row (cols/vals) into an entry, merging into the previous
 * entry when it continues it (same uscc: one more licence; same code:
 * one more test item). */
static int csv_row(enum zl_sup_kind k, char **cols, char **vals, size_t n,
                   size_t line, struct rows *rs, const char **why,
                   const char **field)
{
    json_t *o = json_object(), *sub = json_object(), *conf = json_object();
    const char *idcol = k == ZL_SUP_ENTERPRISE  ? "uscc"
                        : k == ZL_SUP_INSPECTOR ? "id"
                                                : "code";
    const char *id = NULL;
    int rc = 0;

    if (!o || !sub || !conf) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const char *c = cols[i], *v = vals[i];

        if (!*v)
            continue;
        if (!strcmp(c, idcol))
            id = v;
        if (k == ZL_SUP_ENTERPRISE && !strncmp(c, "licence_", 8))
            rc = setn(sub, c + 8, json_string(v));
        else if (k == ZL_SUP_CATEGORY &&
                 (!strncmp(c, "item_", 5) || !strcmp(c, "item") ||
                  !strcmp(c, "min") || !strcmp(c, "max") ||
                  !strcmp(c, "unit") || !strcmp(c, "method")))
            rc = setn(sub, !strncmp(c, "item_", 5) ? c + 5 : c, json_string(v));
        else if (k == ZL_SUP_INSPECTOR &&
                 (!strcmp(c, "relatives") || !strcmp(c, "employers") ||
                  !strcmp(c, "enterprises")))
            rc = setn(conf, c, split_list(v));
        else if (is_list_col(k, c))
            rc = setn(o, c, split_list(v));
        else
            rc = setn(o, c, json_string(v));
    }
    if (rc)
        goto out;
    if (!id) {
        *field = idcol;
        *why = "is required";
        rc = ZL_EINVAL;
        goto out;
    }
    if (k == ZL_SUP_INSPECTOR && json_object_size(conf))
        rc = setn(o, "conflicts", json_incref(conf));
    if (k != ZL_SUP_INSPECTOR && json_object_size(sub)) {
        const char *lk = k == ZL_SUP_ENTERPRISE ? "licences" : "items";
        struct row *prev = rs->n ? &rs->r[rs->n - 1] : NULL;
        const char *pid =
            prev ? json_string_value(json_object_get(prev->obj, idcol)) : NULL;

        if (prev && pid && !strcmp(pid, id)) {
            /* a continuation row: only its licence / item counts */
            json_t *arr = json_object_get(prev->obj, lk);

            rc = arr && json_array_append(arr, sub) ? ZL_ENOMEM : 0;
            goto out;
        }
        rc = setn(o, lk, json_array());
        if (!rc)
            rc = json_array_append(json_object_get(o, lk), sub) ? ZL_ENOMEM : 0;
    }
    if (rc)
        goto out;
    if ((rc = zl_grow((void **)&rs->r, &rs->cap, rs->n + 1, sizeof *rs->r, 64,
                      NULL)))
        goto out;
    rs->r[rs->n].obj = o;
    rs->r[rs->n++].line = line;
    o = NULL;
out:
    json_decref(o);
    json_decref(sub);
    json_decref(conf);
    return rc;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zl_free(v[i]);
    zl_free(v);
}

/* Parse a whole CSV file into rows; syntax errors go to cb. */
static int csv_parse(enum zl_sup_kind k, const char *data, size_t len,
                     struct rows *rs, zl_sup_error_cb cb, void *ctx,
                     size_t *n_err)
{
    const char *p = data, *end = data + len;
    char **cols = NULL, **vals = NULL;
    size_t n_cols = 0, cap_c = 0, line = 1;
    int rc = 0, header = 1;

    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (p < end && !rc) {
        size_t n = 0, cap_v = 0, row_line = line;
        int bad = 0;

        vals = NULL;
        for (;;) {
            char *f = csv_field(&p, end, &line, &bad);

            if (!f) {
                rc = bad ? 0 : ZL_ENOMEM;
                break;
            }
            if ((rc = zl_grow((void **)&vals, &cap_v, n + 1, sizeof *vals, 16,
                              NULL))) {
                zl_free(f);
                break;
            }
            vals[n++] = f;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            break;
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++, line++;
        if (rc || bad) {
            struct zl_sup_row_error e = {row_line, "", "unterminated quote",
                                         NULL};

            free_strs(vals, n);
            vals = NULL;
            if (!rc) {
                (*n_err)++;
                rc = cb ? cb(ctx, &e) : 0;
            }
            break;
        }
        if (n == 1 && !vals[0][0]) { /* blank line */
            free_strs(vals, n);
            vals = NULL;
            continue;
        }
        if (header) {
            cols = vals;
            n_cols = n;
            cap_c = cap_v;
            vals = NULL;
            header = 0;
            continue;
        }
        if (n != n_cols) {
            struct zl_sup_row_error e = {row_line, "", "wrong number of fields",
                                         NULL};

            (*n_err)++;
            rc = cb ? cb(ctx, &e) : 0;
        } else {
            const char *why = NULL, *field = "";

            rc = csv_row(k, cols, vals, n, row_line, rs, &why, &field);
            if (rc == ZL_EINVAL) {
                struct zl_sup_row_error e = {row_line, field, why, NULL};

                (*n_err)++;
                rc = cb ? cb(ctx, &e) : 0;
            }
        }
        free_strs(vals, n);
        vals = NULL;
        if (rs->n > IMPORT_MAX_ROWS)
            rc = ZL_ELIMIT;
    }
    (void)cap_c;
    free_strs(cols, n_cols);
    return rc;
}

int zl_sup_import(zl_store *s, const char *writer, enum zl_sup_kind k,
                  const char *data, size_t len, int csv, zl_sup_error_cb cb,
                  void *ctx, size_t *stored)
{
    struct rows rs = {0};
    struct sup_writer w;
    struct zl_error err = {0};
    json_t **recs = NULL;
    char(*keys)[SUP_ID_MAX + 32] = NULL;
    struct zl_strmap seen;
    size_t n_err = 0;
    int rc, own = 0;

    *stored = 0;
    zl_strmap_init(&seen, IMPORT_MAX_ROWS + 1);
    if ((rc = sup_writer_get(s, writer, &w, &err))) {
        struct zl_sup_row_error e = {0, "writer", err.rule, writer};

        if (cb)
            cb(ctx, &e);
        return rc;
    }
    if (csv) {
        rc = csv_parse(k, data, len, &rs, cb, ctx, &n_err);
    } else {
        json_error_t je;
        json_t *a = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je), *v;
        size_t i;

        if (!a || !json_is_array(a)) {
            struct zl_sup_row_error e = {
                a ? 0 : (size_t)je.line, "",
                a ? "must be a JSON array of entries" : je.text, NULL};

            n_err++;
            rc = cb ? cb(ctx, &e) : 0;
        }
        json_array_foreach(a, i, v)
        {
            if ((rc = zl_grow((void **)&rs.r, &rs.cap, rs.n + 1, sizeof *rs.r,
                              64, NULL)))
                break;
            rs.r[rs.n].obj = json_incref(v);
            rs.r[rs.n++].line = i + 1;
        }
        json_decref(a);
    }
    if (rc)
        goto out;
    if (rs.n && (!(recs = zl_calloc(rs.n, sizeof *recs)) ||
                 !(keys = zl_calloc(rs.n, sizeof *keys)))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < rs.n && !rc; i++) {
        char region[ZL_REGION_MAX];
        int r2;

        memset(&err, 0, sizeof err);
        r2 = entry_rec(s, k, rs.r[i].obj, &recs[i], keys[i], region, &err);
        if (!r2)
            r2 = sup_may_write(&w, k == ZL_SUP_CATEGORY ? NULL : region,
                               KIND[k], &err);
        if (!r2) {
            int added = 0;

            if (zl_strmap_put(&seen, keys[i], &added, &r2) && !added)
                r2 = zl_error_set(&err, ZL_EINVAL, "",
                                  "the same entry twice in one file", keys[i],
                                  (size_t)-1);
        }
        if (r2 == ZL_EINVAL || r2 == ZL_EPERM || r2 == ZL_ELIMIT) {
            struct zl_sup_row_error e = {rs.r[i].line, err.path, err.rule,
                                         err.value};

            n_err++;
            rc = cb ? cb(ctx, &e) : 0;
        } else {
            rc = r2;
        }
    }
    if (!rc && n_err)
        rc = ZL_EINVAL;
    if (rc || (rc = zl_registry_tx_begin(s, &own)))
        goto out;
    for (size_t i = 0; i < rs.n && !rc; i++) {
        long seq = 0;

        rc = sup_append(s, keys[i], recs[i], 1, NULL, &seq);
        recs[i] = NULL;
        if (seq)
            (*stored)++;
    }
    rc = zl_registry_tx_end(s, own, rc);
    if (rc)
        *stored = 0;
out:
    for (size_t i = 0; i < rs.n; i++) {
        json_decref(rs.r[i].obj);
        if (recs)
            json_decref(recs[i]);
    }
    zl_free(rs.r);
    zl_free(recs);
    zl_free(keys);
    zl_strmap_cleanup(&seen, NULL);
    return rc;
}

/* ---- reading -------------------------------------------------------------
 */

struct copy {
    char *json;
    size_t len;
};

static int copy_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct copy *c = ctx;

    c->json = zl_strndup(r->json, r->len);
    c->len = r->len;
    return c->json ? 0 : ZL_ENOMEM;
}

int zl_sup_get(zl_store *s, enum zl_sup_kind k, const char *id, char **json,
               size_t *len)
{
    struct copy c = {0};
    char key[SUP_ID_MAX + 32];
    int rc;

    *json = NULL;
    if ((unsigned)k > 2 || strlen(id) > SUP_ID_MAX)
        return ZL_ENOTFOUND;
    snprintf(key, sizeof key, "%s:%s", KIND[k], id);
    rc = zl_store_sup_get(s, key, 0, copy_cb, &c);
    if (!rc) {
        *json = c.json;
        if (len)
            *len = c.len;
    }
    return rc;
}

/* Records of one kind, the last of each key (they come key then seq). */
struct last {
    zl_sup_json_cb cb;
    void *ctx;
    char key[SUP_ID_MAX + 32];
    char *json;
    size_t len;
};

static int last_flush(struct last *l)
{
    int rc = 0;

    if (l->json)
        rc = l->cb(l->ctx, l->json, l->len);
    zl_free(l->json);
    l->json = NULL;
    return rc;
}

static int last_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct last *l = ctx;
    int rc = 0;

    if (l->json && strcmp(l->key, r->key))
        rc = last_flush(l);
    if (rc)
        return rc;
    zl_free(l->json);
    snprintf(l->key, sizeof l->key, "%s", r->key);
    l->json = zl_strndup(r->json, r->len);
    l->len = r->len;
    return l->json ? 0 : ZL_ENOMEM;
}

int zl_sup_list(zl_store *s, enum zl_sup_kind k, zl_sup_json_cb cb, void *ctx)
{
    struct last l = {cb, ctx, "", NULL, 0};
    char lo[32], hi[32];
    int rc;

    if ((unsigned)k > 2)
        return ZL_EINVAL;
    snprintf(lo, sizeof lo, "%s:", KIND[k]);
    snprintf(hi, sizeof hi, "%s;", KIND[k]);
    rc = zl_store_sup_range(s, lo, hi, -1, last_cb, &l);
    if (!rc)
        rc = last_flush(&l);
    zl_free(l.json);
    return rc;
}

/* ---- the snapshot a draw reads -------------------------------------------
 */

struct load {
    struct sup_snapshot *snap;
    int with_conflicts;
    int kind; /* 0 enterprises, 1 inspectors */
    char key[SUP_ID_MAX + 32];
    json_t *pending;
    int rc;
};

/* A list of strings of a record, borrowed from it, as a new array. */
static int str_list(json_t *a, const char *const **out, size_t *n)
{
    const char **v = NULL;
    size_t i, m = json_array_size(a);

    *out = NULL;
    *n = 0;
    if (!m)
        return 0;
    if (!(v = zl_malloc(m * sizeof *v)))
        return ZL_ENOMEM;
    for (i = 0; i < m; i++)
        v[i] = json_string_value(json_array_get(a, i));
    for (i = 0; i < m; i++)
        if (!v[i]) {
            zl_free(v);
            return ZL_EINVAL;
        }
    *out = v;
    *n = m;
    return 0;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_one(struct load *l, json_t *o)
{
    struct sup_snapshot *sn = l->snap;
    int rc;

    if (l->kind == 0) {
        struct zl_dp_enterprise *e;
        json_t *lic = json_object_get(o, "licences"), *x;
        const char **units = NULL;
        size_t i;

        if ((rc = zl_grow((void **)&sn->ent, &sn->cap_ent, sn->n_ent + 1,
                          sizeof *sn->ent, 256, NULL)) ||
            (rc = zl_grow((void **)&sn->ent_json, &sn->cap_ej, sn->n_ent + 1,
                          sizeof *sn->ent_json, 256, NULL)))
            return rc;
        e = &sn->ent[sn->n_ent];
        memset(e, 0, sizeof *e);
        sn->ent_json[sn->n_ent++] = o;
        e->uscc = jstr(o, "uscc");
        e->region = jstr(o, "region");
        e->credit = jstr(o, "credit")[0];
        if ((rc = str_list(json_object_get(o, "categories"), &e->cats,
                           &e->n_cats)))
            return rc;
        if (json_array_size(lic) &&
            !(units = zl_malloc(json_array_size(lic) * sizeof *units)))
            return ZL_ENOMEM;
        json_array_foreach(lic, i, x) units[i] = jstr(x, "unit");
        e->units = units;
        e->n_units = json_array_size(lic);
        return 0;
    } else {
        struct zl_dp_inspector *x;
        json_t *c = json_object_get(o, "conflicts");

        if ((rc = zl_grow((void **)&sn->insp, &sn->cap_insp, sn->n_insp + 1,
                          sizeof *sn->insp, 256, NULL)) ||
            (rc = zl_grow((void **)&sn->insp_json, &sn->cap_ij, sn->n_insp + 1,
                          sizeof *sn->insp_json, 256, NULL)))
            return rc;
        x = &sn->insp[sn->n_insp];
        memset(x, 0, sizeof *x);
        sn->insp_json[sn->n_insp++] = o;
        x->id = jstr(o, "id");
        x->unit = jstr(o, "unit");
        x->region = jstr(o, "region");
        if ((rc = str_list(json_object_get(o, "qualifications"), &x->quals,
                           &x->n_quals)))
            return rc;
        if (l->with_conflicts) {
            size_t n = 0, m = 0;
            const char **v;

            for (int i = 0; i < 3; i++)
                n += json_array_size(json_object_get(c, i == 0 ? "relatives"
                                                        : i == 1
                                                            ? "employers"
                                                            : "enterprises"));
            if (!n)
                return 0;
            if (!(v = zl_malloc(n * sizeof *v)))
                return ZL_ENOMEM;
            for (int i = 0; i < 3; i++) {
                json_t *a = json_object_get(c, i == 0   ? "relatives"
                                               : i == 1 ? "employers"
                                                        : "enterprises");
                size_t j;
                json_t *u;

                json_array_foreach(a, j, u) v[m++] =
                    json_string_value(u) ? json_string_value(u) : "";
            }
            qsort(v, m, sizeof *v, cmp_cstr);
            x->conflicts = v;
            x->n_conflicts = m;
        }
        return 0;
    }
}

static int load_flush(struct load *l)
{
    json_t *o = l->pending;
    int rc;
    size_t before = l->kind == 0 ? l->snap->n_ent : l->snap->n_insp;

    l->pending = NULL;
    if (!o)
        return 0;
    rc = load_one(l, o);
    if (rc && (l->kind == 0 ? l->snap->n_ent : l->snap->n_insp) == before)
        json_decref(o); /* not yet the snapshot's */
    return rc;
}

static int load_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct load *l = ctx;
    json_error_t je;
    int rc = 0;

    if (l->pending && strcmp(l->key, r->key))
        rc = load_flush(l);
    if (rc)
        return rc;
    json_decref(l->pending);
    snprintf(l->key, sizeof l->key, "%s", r->key);
    l->pending = json_loadb(r->json, r->len, 0, &je);
    return l->pending ? 0 : ZL_ESTORE;
}

int sup_snapshot_load(zl_store *s, int64_t before, int with_conflicts,
                      struct sup_snapshot *snap)
{
    struct load l;
    int rc;

    memset(snap, 0, sizeof *snap);
    memset(&l, 0, sizeof l);
    l.snap = snap;
    l.with_conflicts = with_conflicts;
    rc = zl_store_sup_range(s, "enterprise:", "enterprise;", before, load_cb,
                            &l);
    if (!rc)
        rc = load_flush(&l);
    json_decref(l.pending);
    l.pending = NULL;
    l.kind = 1;
    l.key[0] = '\0';
    if (!rc)
        rc = zl_store_sup_range(s, "inspector:", "inspector;", before, load_cb,
                                &l);
    if (!rc)
        rc = load_flush(&l);
    json_decref(l.pending);
    return rc;
}

void sup_snapshot_free(struct sup_snapshot *sn)
{
    if (!sn)
        return;
    for (size_t i = 0; i < sn->n_ent; i++) {
        zl_free((void *)sn->ent[i].cats);
        zl_free((void *)sn->ent[i].units);
        json_decref(sn->ent_json[i]);
    }
    for (size_t i = 0; i < sn->n_insp; i++) {
        zl_free((void *)sn->insp[i].quals);
        zl_free((void *)sn->insp[i].conflicts);
        json_decref(sn->insp_json[i]);
    }
    zl_free(sn->ent);
    zl_free(sn->ent_json);
    zl_free(sn->insp);
    zl_free(sn->insp_json);
    memset(sn, 0, sizeof *sn);
}

/* ---- verify --------------------------------------------------------------
 */

int zl_sup_record_canon(zl_store *s, const char *record_key, char **canon,
                        size_t *len)
{
    const char *colon = strrchr(record_key, ':');
    struct copy c = {0};
    char key[SUP_ID_MAX + 40];
    json_error_t je;
    json_t *o;
    long seq;
    int rc;

    *canon = NULL;
    if (strncmp(record_key, "sup:", 4) || !colon ||
        (size_t)(colon - record_key - 4) >= sizeof key)
        return ZL_ENOTFOUND;
    memcpy(key, record_key + 4, (size_t)(colon - record_key - 4));
    key[colon - record_key - 4] = '\0';
    seq = strtol(colon + 1, NULL, 10);
    if (seq < 1 || (rc = zl_store_sup_get(s, key, seq, copy_cb, &c)))
        return seq < 1 ? ZL_ENOTFOUND : rc;
    o = json_loadb(c.json, c.len, 0, &je);
    if (!o) { /* hashed as it is: the leaf check names it */
        *canon = c.json;
        *len = c.len;
        return 0;
    }
    rc = zl_jcs_dump_new(o, SUP_RECORD_MAX * 4, canon, len);
    json_decref(o);
    zl_free(c.json);
    return rc;
}

struct audit_rows {
    struct zl_logged_rows k;
    zl_sup_report_fn report;
    void *ctx;
};

/* Each row's log key for the leaf check, and its kind against its
 * record's (a record that no longer parses is the leaf check's). */
static int rowkeys_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct audit_rows *a = ctx;
    char lk[SUP_ID_MAX + 64], kind[64], detail[200];
    int rc;

    snprintf(lk, sizeof lk, "sup:%s:%ld", r->key, r->seq);
    if (!zl_sup_canon_kind(r->json, r->len, kind, sizeof kind) &&
        strcmp(kind, r->kind)) {
        snprintf(detail, sizeof detail,
                 "sup_records.kind is %.60s, the record's %s", r->kind, kind);
        if ((rc = a->report(a->ctx, "record-altered", (uint64_t)r->leaf, lk,
                            detail)))
            return rc;
    }
    return zl_logged_rows_add(&a->k, lk, r->leaf);
}

int zl_sup_audit_rows(zl_store *s, zl_sup_report_fn report, void *ctx)
{
    struct audit_rows a = {.report = report, .ctx = ctx};
    struct zl_logged_rows *k = &a.k;
    int rc = zl_store_sup_range(s, "", "\x7f", -1, rowkeys_cb, &a);

    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    if (!rc)
        rc =
            zl_logged_rows_check(s, k, ZL_LEAF_INSPECTION, "supervision record",
                                 "sup_records", report, ctx);
    if (!rc)
        rc = zl_credit_index_check(s, report, ctx);
    zl_logged_rows_free(k);
    return rc;
}
