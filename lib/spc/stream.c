/*
 * stream.c - live SPC streams in the store (zhiliang/spc_stream.h).
 *
 * An append call is one transaction: validate every measurement (nothing
 * is written when one is bad), load the checker's state, push the values
 * through it (check.c: O(1) each, the series is never read back), write
 * the measurements, one batch record, the alarms and the new state.
 *
 * What is logged, and why. The stream's definition and every alarm are
 * ZL_LEAF_SPC leaves: they are what a quality engineer or a regulator
 * acts on ("the bore went out of control at 10:42, lot X"), so editing
 * one after the fact must show. Measurements are not a leaf each (at
 * 100k/s the log would be mostly measurements, and a leaf costs two
 * SHA-256 and two node rows); instead each append call logs one batch
 * record whose points_sha256 covers every measurement of the call (seq,
 * time, value in C99 hex so it is exact, code, operator). zhiliang
 * verify recomputes that digest from the stored rows, so an edited,
 * deleted or inserted measurement shows as an altered batch record, and
 * an edited alarm as an altered alarm record.
 *
 * The checker's state (spc_state) is not logged: it follows from the
 * measurements and the definition.
 *
 * Who may append: the stream's owning party (its tokens, on the server),
 * or the store operator working on the store directly (as NULL).
 */
#include "zhiliang/spc_stream.h"

#include "audit/logged_rows.h"
#include "party/party_int.h"
#include "spc/spc_stream_int.h"
#include "store/store.h"
#include "store/store_spc.h"
#include "util/alloc.h"
#include "util/jcs.h"
#include "util/timefmt.h"
#include "zhiliang/buf.h"
#include "zhiliang/gs1.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"

#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define RECORD_MAX ((size_t)1 << 20)
#define TEXT_MAX   200
#define APPEND_MAX 1000000

static const char *series_name(enum zl_spc_chart c, int k)
{
    switch (c) {
    case ZL_SPC_XBAR_R: return k ? "R" : "xbar";
    case ZL_SPC_XBAR_S: return k ? "S" : "xbar";
    case ZL_SPC_IMR: return k ? "MR" : "I";
    case ZL_SPC_EWMA: return "EWMA";
    case ZL_SPC_CUSUM: return k ? "C-" : "C+";
    default: return zl_spc_chart_name(c);
    }
}

static int is_attr(enum zl_spc_chart c)
{
    return c == ZL_SPC_P || c == ZL_SPC_NP || c == ZL_SPC_C || c == ZL_SPC_U;
}

/* A number, or null for NaN (CUSUM has no lower limit): JSON has no NaN. */
static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static double num_get(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

int spc_stream_name_ok(const char *v)
{
    size_t n = v ? strlen(v) : 0;

    if (n < 1 || n > ZL_SPC_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Printable UTF-8 text of at most max bytes, no control characters. */
static int text_ok(const char *v, size_t max)
{
    size_t n = strlen(v);

    if (n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return 0;
    {
        json_t *j = json_string(v); /* NULL when v is not UTF-8 */
        int ok = j != NULL;

        json_decref(j);
        return ok;
    }
}

int spc_code_canon(const char *code, char *out, size_t cap,
                   struct zl_error *err)
{
    struct zl_gs1_id id;
    int rc;

    if ((rc = zl_gs1_parse(code, strlen(code), &id, err)) < 0)
        return rc;
    rc = zl_gs1_to_dl(&id, 0, out, cap);
    return rc < 0 ? rc : 0;
}

/* ---- logging records ------------------------------------------------------
 */

/* JCS of rec (taken) logged as "spc:<stream>:<kind>:<seq>" and stored;
 * *json (may be NULL) gets a new copy of the bytes. */
static int log_record(zl_store *s, const char *stream, const char *kind,
                      int64_t seq, json_t *rec, char **json, size_t *len)
{
    struct zl_store_spc_record r = {0};
    struct zl_buf b;
    char key[ZL_SPC_NAME_MAX + 64];
    uint64_t idx = 0;
    int rc;

    zl_buf_init(&b, RECORD_MAX);
    if (!rec) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_jcs_dump(rec, &b)) || (rc = zl_buf_addc(&b, '\0')))
        goto out;
    b.len--;
    snprintf(key, sizeof key, "spc:%s:%s:%lld", stream, kind, (long long)seq);
    if ((rc = zl_log_append(s, ZL_LEAF_SPC, key, b.data, b.len, &idx)))
        goto out;
    r.stream = stream;
    r.kind = kind;
    r.seq = seq;
    r.leaf = (int64_t)idx;
    r.json = (const char *)b.data;
    r.len = b.len;
    if ((rc = zl_store_spc_record_put(s, &r)))
        goto out;
    if (json) {
        *len = b.len;
        *json = zl_buf_steal(&b);
        rc = *json ? 0 : ZL_ENOMEM;
    }
out:
    json_decref(rec);
    zl_buf_cleanup(&b);
    return rc;
}

/* ---- streams ----------------------------------------------------------------
 */

struct owner {
    char id[ZL_PARTY_ID_MAX];
};

static int owner_cb(void *ctx, const struct zl_party *p)
{
    struct owner *o = ctx;

    snprintf(o->id, sizeof o->id, "%s", p->id);
    return 0;
}

static json_t *limits_json(const struct zl_spc_limits *l)
{
    json_t *a = json_array();

    for (int k = 0; a && k < l->n_series; k++) {
        json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:o}", "series",
                              series_name(l->chart, k), "cl", num(l->cl[k]),
                              "lcl", num(l->lcl[k]), "ucl", num(l->ucl[k]),
                              "sd", num(l->sd[k]));

        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static int rules_text(unsigned mask, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (int b = 0; b < 12; b++)
        if (mask & (1u << b)) {
            int w = snprintf(out + n, cap - n, "%s%s", n ? "," : "",
                             zl_spc_rule_name(1u << b));

            if (w < 0 || (size_t)w >= cap - n)
                return ZL_ELIMIT;
            n += (size_t)w;
        }
    if (!n)
        snprintf(out, cap, "none");
    return 0;
}

int zl_spc_stream_create(zl_store *s, const struct zl_spc_stream_def *d,
                         struct zl_error *err)
{
    struct zl_spc_limits lim;
    struct zl_spc_check ck;
    struct zl_store_spc_state st = {0};
    struct owner ow = {{0}};
    struct zl_buf sb;
    char code[512] = "", rtext[160];
    json_t *rec = NULL;
    unsigned rules;
    int rc, own = 0, found = 0;

    if (!spc_stream_name_ok(d->name))
        return zl_error_set(err, ZL_EINVAL, "name",
                            "must be 1 to 64 of A-Z a-z 0-9 . _ -", d->name,
                            (size_t)-1);
    if (!d->characteristic || !*d->characteristic ||
        !text_ok(d->characteristic, TEXT_MAX))
        return zl_error_set(err, ZL_EINVAL, "characteristic",
                            "is required: what is measured, up to 200 bytes "
                            "of text",
                            NULL, 0);
    if (d->unit && !text_ok(d->unit, 32))
        return zl_error_set(err, ZL_EINVAL, "unit",
                            "must be up to 32 bytes of text", d->unit,
                            (size_t)-1);
    if ((rc = zl_spc_limits_fixed_ex(d->chart, d->n, d->center, d->sigma,
                                     d->nsigma, d->a, d->b, &lim, err)))
        return rc;
    if (d->rules & ~0xfffu)
        return zl_error_set(err, ZL_EINVAL, "rules", "unknown rule bits", NULL,
                            0);
    rules = d->rules;
    /* EWMA and CUSUM points are not independent: only their limits are
     * tested (as zl_spc_chart does), one rule */
    if (d->chart == ZL_SPC_EWMA || d->chart == ZL_SPC_CUSUM)
        rules = ZL_SPC_NELSON1;
    rules_text(rules, rtext, sizeof rtext);
    if (d->code && *d->code &&
        (rc = spc_code_canon(d->code, code, sizeof code, err)))
        return rc;
    if (d->owner) {
        rc = zl_party_get(s, d->owner, owner_cb, &ow);
        if (rc == ZL_ENOTFOUND)
            return zl_error_set(err, rc, "owner", "is not a registered party",
                                d->owner, (size_t)-1);
        if (rc)
            return zl_error_set(err, rc, "owner", "store failed", NULL, 0);
    }
    rec = json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:s,s:I,s:I,s:o}",
                    "v", 1, "type", "spc-stream", "name", d->name,
                    "characteristic", d->characteristic, "chart",
                    zl_spc_chart_name(lim.chart), "n", lim.n, "center",
                    lim.center, "sigma", lim.sigma, "nsigma", lim.nsigma,
                    "rules", rtext, "rules_mask", (json_int_t)rules, "created",
                    (json_int_t)zl_time_now_ms(), "limits", limits_json(&lim));
    if (rec && lim.chart == ZL_SPC_EWMA) {
        json_object_set_new(rec, "lambda", json_real(lim.lambda));
        json_object_set_new(rec, "L", json_real(lim.L));
    }
    if (rec && lim.chart == ZL_SPC_CUSUM) {
        json_object_set_new(rec, "k", json_real(lim.k));
        json_object_set_new(rec, "h", json_real(lim.h));
        json_object_set_new(rec, "sides", json_string("two-sided"));
    }
    if (rec && d->unit && *d->unit)
        json_object_set_new(rec, "unit", json_string(d->unit));
    if (rec && d->owner)
        json_object_set_new(rec, "owner", json_string(ow.id));
    if (rec && *code)
        json_object_set_new(rec, "code", json_string(code));
    if ((rc = zl_registry_tx_begin(s, &own))) {
        json_decref(rec);
        return zl_error_set(err, rc, NULL, "store failed", zl_strerror(rc),
                            (size_t)-1);
    }
    zl_spc_check_init(&ck, &lim, rules);
    zl_buf_init(&sb, 1 << 16);
    rc = zl_store_spc_state_get(s, d->name, &st);
    if (rc == 0) {
        found = 1;
        zl_free(st.state);
        rc = ZL_EEXIST;
    } else if (rc == ZL_ENOTFOUND) {
        rc = 0;
    }
    if (!rc)
        rc = log_record(s, d->name, "stream", 1, rec, NULL, NULL);
    else
        json_decref(rec);
    if (!rc && !(rc = zl_spc_check_save(&ck, &sb))) {
        memset(&st, 0, sizeof st);
        st.state = (char *)sb.data;
        st.len = sb.len;
        rc = zl_store_spc_state_put(s, d->name, &st);
    }
    zl_buf_cleanup(&sb);
    rc = zl_registry_tx_end(s, own, rc);
    if (rc == ZL_EEXIST || found)
        return zl_error_set(err, ZL_EEXIST, "name",
                            "a stream of this name exists", d->name,
                            (size_t)-1);
    if (rc)
        return zl_error_set(err, rc, NULL, "store failed", zl_strerror(rc),
                            (size_t)-1);
    return 0;
}

/* The limits a definition or revision record logged (exact: JCS numbers
 * round-trip), so an append does not recompute the chart constants. */
static int limits_parse(json_t *o, enum zl_spc_chart chart, int n, double a,
                        double b, struct zl_spc_limits *l)
{
    json_t *v = json_object_get(o, "limits");
    double center = num_get(o, "center"), sigma = num_get(o, "sigma");
    double nsigma = num_get(o, "nsigma");

    if (!(json_is_array(v) && json_array_size(v) >= 1 &&
          json_array_size(v) <= 2))
        return zl_spc_limits_fixed_ex(chart, n, center, sigma, nsigma, a, b, l,
                                      NULL);
    memset(l, 0, sizeof *l);
    l->chart = chart;
    l->n = n;
    l->center = center;
    l->sigma = sigma;
    l->nsigma = nsigma;
    if (chart == ZL_SPC_EWMA) {
        l->lambda = a;
        l->L = b;
    } else if (chart == ZL_SPC_CUSUM) {
        l->k = a;
        l->h = b;
    }
    l->n_series = (int)json_array_size(v);
    for (int k = 0; k < l->n_series; k++) {
        json_t *e = json_array_get(v, (size_t)k);

        l->cl[k] = num_get(e, "cl");
        l->lcl[k] = num_get(e, "lcl");
        l->ucl[k] = num_get(e, "ucl");
        l->sd[k] = num_get(e, "sd");
    }
    return 0;
}

/* The definition record's JSON into st (strings into st->mem). */
static int def_parse(const char *json, size_t len, struct zl_spc_stream *st)
{
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    const char *keys[] = {"name", "characteristic", "unit", "owner", "code"};
    const char **dst[] = {&st->def.name, &st->def.characteristic, &st->def.unit,
                          &st->def.owner, &st->def.code};
    size_t need = 0, off = 0;
    int rc = 0;

    if (!o)
        return ZL_EINVAL;
    for (size_t i = 0; i < 5; i++) {
        const char *s = json_string_value(json_object_get(o, keys[i]));

        need += s ? strlen(s) + 1 : 0;
    }
    zl_free(st->mem);
    if (!(st->mem = zl_malloc(need + 1))) {
        json_decref(o);
        return ZL_ENOMEM;
    }
    for (size_t i = 0; i < 5; i++) {
        const char *s = json_string_value(json_object_get(o, keys[i]));

        *dst[i] = NULL;
        if (s) {
            size_t n = strlen(s) + 1;

            memcpy(st->mem + off, s, n);
            *dst[i] = st->mem + off;
            off += n;
        }
    }
    if (zl_spc_chart_parse(json_string_value(json_object_get(o, "chart"))
                               ? json_string_value(json_object_get(o, "chart"))
                               : "",
                           &st->def.chart))
        rc = ZL_EINVAL;
    st->def.n = (int)json_integer_value(json_object_get(o, "n"));
    st->def.center = json_number_value(json_object_get(o, "center"));
    st->def.sigma = json_number_value(json_object_get(o, "sigma"));
    st->def.nsigma = json_number_value(json_object_get(o, "nsigma"));
    st->def.rules =
        (unsigned)json_integer_value(json_object_get(o, "rules_mask"));
    if (st->def.chart == ZL_SPC_EWMA) {
        st->def.a = num_get(o, "lambda");
        st->def.b = num_get(o, "L");
    } else if (st->def.chart == ZL_SPC_CUSUM) {
        st->def.a = num_get(o, "k");
        st->def.b = num_get(o, "h");
    }
    st->limits_version = 1;
    st->created_ms = json_integer_value(json_object_get(o, "created"));
    /* the limits as logged at creation (exact: JCS numbers round-trip), so
     * an append does not recompute the chart constants */
    if (!rc)
        rc = limits_parse(o, st->def.chart, st->def.n, st->def.a, st->def.b,
                          &st->lim);
    json_decref(o);
    return rc ? ZL_EINVAL : 0;
}

static int def_cb(void *ctx, const struct zl_store_spc_record *r)
{
    struct zl_spc_stream *st = ctx;

    return def_parse(r->json, r->len, st);
}

static int load_counts(zl_store *s, struct zl_spc_stream *st)
{
    struct zl_store_spc_state v;
    int rc = zl_store_spc_state_get(s, st->def.name, &v);

    if (rc)
        return rc;
    st->n_values = v.n_values;
    st->n_points = v.n_points;
    st->n_alarms = v.n_alarms;
    st->n_batches = v.n_batches;
    zl_free(v.state);
    return 0;
}

/* A revision record: the last one read wins (they come in version order). */
static int rev_cb(void *ctx, const struct zl_store_spc_record *r)
{
    struct zl_spc_stream *st = ctx;
    json_error_t je;
    json_t *o = json_loadb(r->json, r->len, 0, &je);
    int rc;

    if (!o)
        return ZL_EINVAL;
    rc = limits_parse(o, st->def.chart, st->def.n, st->def.a, st->def.b,
                      &st->lim);
    if (!rc) {
        st->def.center = st->lim.center;
        st->def.sigma = st->lim.sigma;
        st->limits_version = r->seq;
    }
    json_decref(o);
    return rc;
}

static int stream_get(zl_store *s, const char *name, struct zl_spc_stream *st)
{
    int rc;

    memset(st, 0, sizeof *st);
    if (!spc_stream_name_ok(name))
        return ZL_ENOTFOUND;
    rc = zl_store_spc_records(s, name, "stream", 0, 1, def_cb, st);
    if (!rc && !st->mem)
        rc = ZL_ENOTFOUND;
    if (!rc)
        rc = zl_store_spc_records(s, name, "limits", 0, 0, rev_cb, st);
    if (!rc)
        rc = load_counts(s, st);
    if (rc)
        zl_spc_stream_cleanup(st);
    return rc;
}

int zl_spc_stream_get(zl_store *s, const char *name, struct zl_spc_stream *st)
{
    return stream_get(s, name, st);
}

void zl_spc_stream_cleanup(struct zl_spc_stream *st)
{
    if (!st)
        return;
    zl_free(st->mem);
    memset(st, 0, sizeof *st);
}

struct list {
    zl_spc_stream_cb cb;
    void *ctx;
    zl_store *s;
};

static int list_cb(void *ctx, const struct zl_store_spc_record *r)
{
    struct list *l = ctx;
    struct zl_spc_stream st;
    int rc;

    memset(&st, 0, sizeof st);
    rc = def_parse(r->json, r->len, &st);
    if (!rc)
        rc = zl_store_spc_records(l->s, st.def.name, "limits", 0, 0, rev_cb,
                                  &st);
    if (!rc)
        rc = load_counts(l->s, &st);
    if (!rc)
        rc = l->cb(l->ctx, &st);
    zl_spc_stream_cleanup(&st);
    return rc;
}

int zl_spc_stream_list(zl_store *s, zl_spc_stream_cb cb, void *ctx)
{
    struct list l = {cb, ctx, s};

    return zl_store_spc_records(s, NULL, "stream", 0, 0, list_cb, &l);
}

/* ---- append -------------------------------------------------------------- */

/* The digest of a batch's measurements: one line each. */
static int digest_line(EVP_MD_CTX *md, const struct zl_store_spc_point *p)
{
    char line[1024];
    /* a sample's own size (schema 16) is a sixth field; without one the
     * line is as before, so older batches still verify */
    int n = p->size
                ? snprintf(line, sizeof line, "%lld\t%lld\t%a\t%s\t%s\t%lld\n",
                           (long long)p->seq, (long long)p->t_ms, p->value,
                           p->code, p->oper, (long long)p->size)
                : snprintf(line, sizeof line, "%lld\t%lld\t%a\t%s\t%s\n",
                           (long long)p->seq, (long long)p->t_ms, p->value,
                           p->code, p->oper);

    if (n < 0)
        return ZL_EINVAL;
    if ((size_t)n >= sizeof line) /* long codes: hash the parts */
        return EVP_DigestUpdate(md, p->code, strlen(p->code)) == 1 &&
                       EVP_DigestUpdate(md, p->oper, strlen(p->oper)) == 1
                   ? 0
                   : ZL_ENOMEM;
    return EVP_DigestUpdate(md, line, (size_t)n) == 1 ? 0 : ZL_ENOMEM;
}

static void hex(const uint8_t *h, size_t n, char *out)
{
    static const char X[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = X[h[i] >> 4];
        out[2 * i + 1] = X[h[i] & 15];
    }
    out[2 * n] = '\0';
}

struct pending_alarm {
    int64_t seq;
    char *json;
    size_t len;
};

/* The name and explanation of what fired: the run rule's, or for EWMA and
 * CUSUM (which test their limits only) which limit was crossed. */
static void fired_text(const struct zl_spc_stream *st,
                       const struct zl_spc_fired *f,
                       const struct zl_spc_point *pt, const char **rule,
                       const char **en, const char **zh)
{
    *rule = zl_spc_rule_name(f->rule);
    *en = zl_spc_rule_text(f->rule, ZL_SPC_EN);
    *zh = zl_spc_rule_text(f->rule, ZL_SPC_ZH);
    if (st->lim.chart == ZL_SPC_EWMA && pt->stat[0] > pt->ucl[0]) {
        *rule = "EWMA above UCL";
        *en = "The exponentially weighted moving average of the recent "
              "measurements is above its upper control limit: the process "
              "mean has probably shifted upward, a small sustained shift that "
              "a Shewhart chart is slow to see. Look for what changed when "
              "the average began to climb (material lot, setting, tool wear).";
        *zh = "指数加权移动平均（EWMA）高于上控制限：过程均值很可能已向上"
              "偏移，这类小而持续的偏移休哈特图难以及时发现。请查找平均值"
              "开始上升时发生的变化（原料批次、设定、刀具磨损等）。";
    } else if (st->lim.chart == ZL_SPC_EWMA) {
        *rule = "EWMA below LCL";
        *en = "The exponentially weighted moving average of the recent "
              "measurements is below its lower control limit: the process "
              "mean has probably shifted downward, a small sustained shift "
              "that a Shewhart chart is slow to see. Look for what changed "
              "when the average began to fall (material lot, setting, tool "
              "wear).";
        *zh = "指数加权移动平均（EWMA）低于下控制限：过程均值很可能已向下"
              "偏移，这类小而持续的偏移休哈特图难以及时发现。请查找平均值"
              "开始下降时发生的变化（原料批次、设定、刀具磨损等）。";
    } else if (st->lim.chart == ZL_SPC_CUSUM && f->chart == 0) {
        *rule = "CUSUM upper";
        *en = "The upper cumulative sum C+ has passed the decision interval "
              "h: the process mean has shifted upward by about k sigma or "
              "more. The shift began about when C+ last left zero; look for "
              "what changed then.";
        *zh = "上侧累积和 C+ 已超过决策区间 h：过程均值已向上偏移约 k 个"
              "标准差或更多。偏移大约始于 C+ 最后一次离开零的时候，请查找"
              "那时发生的变化。";
    } else if (st->lim.chart == ZL_SPC_CUSUM) {
        *rule = "CUSUM lower";
        *en = "The lower cumulative sum C- has passed the decision interval "
              "h: the process mean has shifted downward by about k sigma or "
              "more. The shift began about when C- last left zero; look for "
              "what changed then.";
        *zh = "下侧累积和 C- 已超过决策区间 h：过程均值已向下偏移约 k 个"
              "标准差或更多。偏移大约始于 C- 最后一次离开零的时候，请查找"
              "那时发生的变化。";
    }
}

struct codes_acc {
    json_t *arr;
};

static int codes_add(json_t *arr, const char *code)
{
    size_t i;
    json_t *v;

    if (!*code)
        return 0;
    json_array_foreach(arr, i,
                       v) if (!strcmp(json_string_value(v), code)) return 0;
    return json_array_append_new(arr, json_string(code)) ? ZL_ENOMEM : 0;
}

static int codes_cb(void *ctx, const struct zl_store_spc_point *p)
{
    return codes_add(ctx, p->code);
}

/* The distinct codes of measurements first..last (seq): those of this
 * call from pts, the earlier ones (a subgroup begun in an earlier call)
 * from the store. */
static int point_codes(zl_store *s, const char *name,
                       const struct zl_store_spc_point *pts, int64_t first,
                       int64_t last, json_t *arr)
{
    int rc = 0;

    if (first < pts[0].seq)
        rc = zl_store_spc_points(s, name, first, pts[0].seq, codes_cb, arr);
    for (int64_t q = first < pts[0].seq ? pts[0].seq : first; q <= last && !rc;
         q++)
        rc = codes_add(arr, pts[q - pts[0].seq].code);
    return rc;
}

static json_t *alarm_json(const struct zl_spc_stream *st,
                          const struct zl_spc_check *ck,
                          const struct zl_spc_fired *f,
                          const struct zl_spc_point *pt, int64_t seq,
                          const struct zl_store_spc_point *m, int64_t batch,
                          json_t *codes)
{
    int k = f->chart;
    json_t *vals = json_array(), *o;
    char t[32];
    const char *rule, *en, *zh;
    size_t nc = json_array_size(codes);

    fired_text(st, f, pt, &rule, &en, &zh);
    for (int64_t i = f->first; vals && i <= f->last; i++)
        if (f->last - i < 16)
            json_array_append_new(vals, num(ck->hist[k][i % 16]));
    zl_time_format_utc(m->t_ms, t);
    o = json_pack(
        "{s:i,s:s,s:s,s:I,s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:s,s:I,"
        "s:I,s:I,s:s,s:s,s:I}",
        "v", 1, "type", "spc-alarm", "stream", st->def.name, "alarm",
        (json_int_t)seq, "rule", rule, "chart", series_name(st->lim.chart, k),
        "first", (json_int_t)(f->first + 1), "last", (json_int_t)(f->last + 1),
        "values", vals, "cl", num(pt->cl[k]), "lcl", num(pt->lcl[k]), "ucl",
        num(pt->ucl[k]), "time", t, "measurement", (json_int_t)m->seq, "batch",
        (json_int_t)batch, "time_ms", (json_int_t)m->t_ms, "text_en", en,
        "text_zh", zh, "limits_version", (json_int_t)st->limits_version);
    if (o && m->size)
        json_object_set_new(o, "sample_size", json_integer(m->size));
    if (o && nc) {
        /* every lot or item measured in the point that fired */
        struct zl_buf en_b, zh_b;
        size_t i;
        json_t *v;

        zl_buf_init(&en_b, 1 << 16);
        zl_buf_init(&zh_b, 1 << 16);
        zl_buf_printf(&en_b,
                      "The measured lot%s or item%s: ", nc > 1 ? "s" : "",
                      nc > 1 ? "s" : "");
        zl_buf_printf(&zh_b, "被测批次或单品：");
        json_array_foreach(codes, i, v)
            zl_buf_printf(&en_b, "%s%s", i ? ", " : "", json_string_value(v));
        json_array_foreach(codes, i, v)
            zl_buf_printf(&zh_b, "%s%s", i ? "、" : "", json_string_value(v));
        zl_buf_printf(&en_b, ". Trace it:");
        zl_buf_printf(&zh_b, "。追溯去向：");
        json_array_foreach(codes, i, v) zl_buf_printf(
            &en_b, " zhiliang trace forward '%s';", json_string_value(v));
        json_array_foreach(codes, i, v) zl_buf_printf(
            &zh_b, " zhiliang trace forward '%s'；", json_string_value(v));
        zl_buf_printf(&en_b,
                      " if the nonconformity reached customers, recall it: "
                      "zhiliang recall open --lot '%s' --reason '...' "
                      "--hazard-class II",
                      json_string_value(json_array_get(codes, 0)));
        zl_buf_printf(&zh_b,
                      "若不合格品已流向客户，发起召回：zhiliang recall open "
                      "--lot '%s' --reason '...' --hazard-class II",
                      json_string_value(json_array_get(codes, 0)));
        if (*m->code)
            json_object_set_new(o, "code", json_string(m->code));
        else
            json_object_set(o, "code", json_array_get(codes, 0));
        json_object_set(o, "codes", codes);
        if (zl_buf_addc(&en_b, '\0') || zl_buf_addc(&zh_b, '\0')) {
            json_decref(o);
            o = NULL;
        } else {
            json_object_set_new(o, "action_en",
                                json_string((const char *)en_b.data));
            json_object_set_new(o, "action_zh",
                                json_string((const char *)zh_b.data));
        }
        zl_buf_cleanup(&en_b);
        zl_buf_cleanup(&zh_b);
    }
    return o;
}

int zl_spc_append(zl_store *s, const char *name, const char *as,
                  const struct zl_spc_meas *m, size_t n,
                  struct zl_spc_append_result *res, zl_spc_alarm_cb on_alarm,
                  void *ctx, struct zl_error *err)
{
    struct zl_spc_stream st;
    struct zl_spc_check ck;
    struct zl_store_spc_state sv = {0};
    struct zl_store_spc_point *pts = NULL;
    char **codes = NULL;
    struct pending_alarm *al = NULL;
    size_t n_al = 0, cap_al = 0;
    struct zl_buf sb;
    EVP_MD_CTX *md = NULL;
    int64_t now = zl_time_now_ms(), batch = 0;
    int rc, own = 0, in_tx = 0;

    memset(res, 0, sizeof *res);
    memset(&st, 0, sizeof st);
    zl_buf_init(&sb, 1 << 16);
    rc = zl_spc_stream_get(s, name, &st);
    if (rc == ZL_ENOTFOUND) {
        zl_error_set(err, rc, "stream", "no such stream", name, (size_t)-1);
        goto out;
    }
    if (rc) {
        zl_error_set(err, rc, NULL, "store failed", zl_strerror(rc),
                     (size_t)-1);
        goto out;
    }
    if (as && (!st.def.owner || strcmp(as, st.def.owner))) {
        rc = zl_error_setf(err, ZL_EPERM, "stream", name,
                           "only the stream's owner (%s) may append to it",
                           st.def.owner ? st.def.owner
                                        : "the store operator, locally");
        goto out;
    }
    if (n == 0 || n > APPEND_MAX) {
        rc = zl_error_setf(err, ZL_EINVAL, "measurements", NULL,
                           "%zu measurements: give 1 to %d", n, APPEND_MAX);
        goto out;
    }
    pts = zl_calloc(n, sizeof *pts);
    codes = zl_calloc(n, sizeof *codes);
    if (!pts || !codes) {
        rc = ZL_ENOMEM;
        goto out;
    }
    /* validate everything before writing anything */
    zl_spc_check_init(&ck, &st.lim, st.def.rules);
    for (size_t i = 0; i < n; i++) {
        const char *raw = m[i].code && *m[i].code ? m[i].code : st.def.code;
        char path[48];
        double x = m[i].value;

        snprintf(path, sizeof path, "measurements[%zu]", i);
        /* what zl_spc_check_push refuses, refused before anything is
         * written */
        int64_t ns = m[i].size > 0 ? m[i].size : st.lim.n;

        if (m[i].size < 0 || m[i].size > 1000000000 ||
            (m[i].size > 0 && m[i].size != st.lim.n &&
             !zl_spc_size_varies(st.lim.chart))) {
            rc = zl_error_setf(
                err, ZL_EINVAL, path, NULL, "sample size %lld: %s",
                (long long)m[i].size,
                zl_spc_size_varies(st.lim.chart)
                    ? "must be a whole number from 1 to 10^9"
                    : "only p, np and u streams take a sample size per "
                      "measurement");
            goto out;
        }
        if (!isfinite(x) ||
            (is_attr(st.lim.chart) && (x < 0 || ((st.lim.chart == ZL_SPC_P ||
                                                  st.lim.chart == ZL_SPC_NP) &&
                                                 x > (double)ns)))) {
            rc = zl_error_setf(err, ZL_EINVAL, path, NULL, "value %g: %s",
                               m[i].value,
                               is_attr(st.lim.chart)
                                   ? "a count must be a finite number from 0 "
                                     "(to the sample size for p and np)"
                                   : "not a finite number");
            goto out;
        }
        if (m[i].t_ms < 0) {
            rc = zl_error_setf(err, ZL_EINVAL, path, NULL, "time before 1970");
            goto out;
        }
        if (m[i].oper && !text_ok(m[i].oper, 64)) {
            rc = zl_error_setf(err, ZL_EINVAL, path, NULL,
                               "operator: up to 64 bytes of text");
            goto out;
        }
        if (raw && i > 0 && m[i - 1].code == m[i].code && codes[i - 1]) {
            codes[i] = codes[i - 1]; /* the same code as before: shared */
        } else if (raw) {
            char dl[512];
            struct zl_error ge = {0};

            if (spc_code_canon(raw, dl, sizeof dl, &ge)) {
                rc = zl_error_setf(err, ZL_EINVAL, path, raw,
                                   "code is not a valid GS1 identifier: %s",
                                   ge.rule[0] ? ge.rule : "unreadable");
                goto out;
            }
            if (!(codes[i] = zl_strdup(dl))) {
                rc = ZL_ENOMEM;
                goto out;
            }
        }
    }
    if ((rc = zl_registry_tx_begin(s, &own))) {
        zl_error_set(err, rc, NULL, "store failed", zl_strerror(rc),
                     (size_t)-1);
        goto out;
    }
    in_tx = 1;
    /* a revision committed since the stream was read: its limits (the
     * state below was reset for them) */
    if ((rc = zl_store_spc_records(s, name, "limits", st.limits_version, 0,
                                   rev_cb, &st)))
        goto out;
    zl_spc_check_init(&ck, &st.lim, st.def.rules);
    if ((rc = zl_store_spc_state_get(s, name, &sv)))
        goto out;
    if (zl_spc_check_load(&ck, sv.state, sv.len)) {
        rc = ZL_ESTORE;
        zl_error_set(err, rc, "spc_state", "unreadable checker state", name,
                     (size_t)-1);
        goto out;
    }
    batch = sv.n_batches + 1;
    if (!(md = EVP_MD_CTX_new()) ||
        EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        struct zl_spc_point pt;
        struct zl_store_spc_point *p = &pts[i];
        json_t *pcodes = NULL;

        p->seq = sv.n_values + 1 + (int64_t)i;
        p->t_ms = m[i].t_ms ? m[i].t_ms : now;
        p->value = m[i].value;
        p->code = codes[i] ? codes[i] : "";
        p->oper = m[i].oper ? m[i].oper : "";
        p->batch = batch;
        p->size = m[i].size > 0 && m[i].size != st.lim.n ? m[i].size : 0;
        if ((rc = digest_line(md, p)))
            break;
        if (zl_spc_check_push_n(&ck, m[i].value, p->size, &pt) != 1)
            continue;
        res->points++;
        for (size_t j = 0; j < pt.n_fired && !rc; j++) {
            const struct zl_spc_fired *f = &pt.fired[j];
            json_t *o;

            if (!f->is_new)
                continue;
            /* Western Electric 1-3 test what Nelson 1, 5, 6 test: when both
             * are selected the Nelson alarm stands for both */
            if ((f->rule == ZL_SPC_WE1 && (st.def.rules & ZL_SPC_NELSON1)) ||
                (f->rule == ZL_SPC_WE2 && (st.def.rules & ZL_SPC_NELSON5)) ||
                (f->rule == ZL_SPC_WE3 && (st.def.rules & ZL_SPC_NELSON6)))
                continue;
            if (zl_grow((void **)&al, &cap_al, n_al + 1, sizeof *al, 8, NULL)) {
                rc = ZL_ENOMEM;
                break;
            }
            al[n_al].seq = sv.n_alarms + 1 + (int64_t)n_al;
            if (!pcodes) {
                int64_t per =
                    st.lim.chart == ZL_SPC_IMR || is_attr(st.lim.chart)
                        ? 1
                        : st.lim.n;

                if (!(pcodes = json_array()) ||
                    (rc = point_codes(s, name, pts, p->seq - per + 1, p->seq,
                                      pcodes))) {
                    rc = rc ? rc : ZL_ENOMEM;
                    break;
                }
            }
            o = alarm_json(&st, &ck, f, &pt, al[n_al].seq, p, batch, pcodes);
            rc = log_record(s, name, "alarm", al[n_al].seq, o, &al[n_al].json,
                            &al[n_al].len);
            if (!rc)
                n_al++;
        }
        json_decref(pcodes);
    }
    if (!rc) {
        uint8_t h[32];
        unsigned hl = 0;
        char hx[65], t[32];
        json_t *o;

        if (EVP_DigestFinal_ex(md, h, &hl) != 1) {
            rc = ZL_ENOMEM;
            goto out;
        }
        hex(h, 32, hx);
        zl_time_format_utc(now, t);
        o = json_pack("{s:i,s:s,s:s,s:I,s:I,s:I,s:s,s:s,s:I}", "v", 1, "type",
                      "spc-batch", "stream", name, "batch", (json_int_t)batch,
                      "first", (json_int_t)pts[0].seq, "n", (json_int_t)n,
                      "points_sha256", hx, "time", t, "alarms",
                      (json_int_t)n_al);
        if (o && as)
            json_object_set_new(o, "party", json_string(as));
        rc = log_record(s, name, "batch", batch, o, NULL, NULL);
    }
    if (!rc)
        rc = zl_store_spc_points_put(s, name, pts, n);
    if (!rc && !(rc = zl_spc_check_save(&ck, &sb))) {
        struct zl_store_spc_state nv = {sv.n_values + (int64_t)n,
                                        ck.n_points,
                                        sv.n_alarms + (int64_t)n_al,
                                        batch,
                                        (char *)sb.data,
                                        sb.len};

        rc = zl_store_spc_state_put(s, name, &nv);
    }
    if (rc && err && !err->rule[0])
        zl_error_set(err, rc, NULL, "store failed", zl_strerror(rc),
                     (size_t)-1);
out:
    if (in_tx)
        rc = zl_registry_tx_end(s, own, rc);
    if (!rc) {
        res->first_seq = pts[0].seq;
        res->n = (int64_t)n;
        res->alarms = (int64_t)n_al;
        res->batch = batch;
        for (size_t i = 0; i < n_al && on_alarm; i++) {
            struct zl_spc_alarm a = {name, al[i].seq, 0, al[i].json, al[i].len};

            if (on_alarm(ctx, &a))
                break;
        }
    }
    EVP_MD_CTX_free(md);
    for (size_t i = 0; i < n_al; i++)
        zl_free(al[i].json);
    zl_free(al);
    for (size_t i = 0; codes && i < n; i++)
        if (codes[i] && (i == 0 || codes[i] != codes[i - 1]))
            zl_free(codes[i]);
    zl_free(codes);
    zl_free(pts);
    zl_free(sv.state);
    zl_buf_cleanup(&sb);
    zl_spc_stream_cleanup(&st);
    return rc;
}

/* ---- reading --------------------------------------------------------------
 */

struct alarms {
    zl_spc_alarm_cb cb;
    void *ctx;
};

static int alarm_cb(void *ctx, const struct zl_store_spc_record *r)
{
    struct alarms *a = ctx;
    struct zl_spc_alarm x = {r->stream, r->seq, r->leaf, r->json, r->len};

    return a->cb(a->ctx, &x);
}

int zl_spc_alarms(zl_store *s, const char *name, int64_t after, size_t limit,
                  zl_spc_alarm_cb cb, void *ctx)
{
    struct alarms a = {cb, ctx};

    return zl_store_spc_records(s, name, "alarm", after, limit, alarm_cb, &a);
}

struct meas {
    zl_spc_stored_cb cb;
    void *ctx;
};

static int meas_cb(void *ctx, const struct zl_store_spc_point *p)
{
    struct meas *x = ctx;
    struct zl_spc_stored m = {p->seq,  p->t_ms, p->batch, p->value,
                              p->code, p->oper, p->size};

    return x->cb(x->ctx, &m);
}

int zl_spc_measurements(zl_store *s, const char *name, int64_t from, int64_t to,
                        zl_spc_stored_cb cb, void *ctx)
{
    struct meas x = {cb, ctx};

    return zl_store_spc_points(s, name, from, to, meas_cb, &x);
}

struct vals {
    double *v;
    uint32_t *sz;
    size_t n, cap, cap_sz;
    int64_t dflt;
};

static int vals_cb(void *ctx, const struct zl_store_spc_point *p)
{
    struct vals *x = ctx;

    if (zl_grow((void **)&x->v, &x->cap, x->n + 1, sizeof *x->v, 1024, NULL) ||
        zl_grow((void **)&x->sz, &x->cap_sz, x->n + 1, sizeof *x->sz, 1024,
                NULL))
        return ZL_ENOMEM;
    x->sz[x->n] = (uint32_t)(p->size > 0 ? p->size : x->dflt);
    x->v[x->n++] = p->value;
    return 0;
}

/* Points from..to (1-based, inclusive; to 0: the last complete one) of a
 * stream as zl_spc_chart's input; *sizes NULL for individuals. */
static int series_load(zl_store *s, const struct zl_spc_stream *st,
                       int64_t from, int64_t to, struct vals *x,
                       uint32_t **sizes, size_t *ng, int *per_out)
{
    int per =
        st->lim.chart == ZL_SPC_IMR || is_attr(st->lim.chart) ? 1 : st->lim.n;
    int rc;

    *sizes = NULL;
    *ng = 0;
    *per_out = per;
    x->dflt = st->lim.n;
    if (to <= 0 || to > st->n_points)
        to = st->n_points;
    if (from < 1 || from > to)
        return ZL_EINVAL;
    if ((rc = zl_store_spc_points(s, st->def.name, (from - 1) * per + 1,
                                  to * per + 1, vals_cb, x)))
        return rc;
    *ng = x->n / (size_t)per;
    if (is_attr(st->lim.chart)) {
        *sizes = x->sz;
        x->sz = NULL;
    } else if (per > 1) {
        if (!(*sizes = zl_malloc((*ng + 1) * sizeof **sizes)))
            return ZL_ENOMEM;
        for (size_t i = 0; i < *ng; i++)
            (*sizes)[i] = (uint32_t)per;
    }
    return 0;
}

static void opts_of(const struct zl_spc_stream *st, struct zl_spc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->chart = st->lim.chart;
    o->nsigma = st->lim.nsigma;
    o->rules = st->def.rules;
    if (st->lim.chart == ZL_SPC_EWMA) {
        o->lambda = st->lim.lambda;
        o->L = st->lim.L;
    } else if (st->lim.chart == ZL_SPC_CUSUM) {
        o->k = st->lim.k;
        o->h = st->lim.h;
    }
}

int zl_spc_stream_chart(zl_store *s, const char *name, size_t last,
                        struct zl_spc_result *r, struct zl_error *err)
{
    struct zl_spc_stream st;
    struct zl_spc_opts o;
    struct vals x = {0};
    uint32_t *sizes = NULL;
    size_t ng = 0;
    int rc = zl_spc_stream_get(s, name, &st), per = 1;

    memset(r, 0, sizeof *r);
    if (rc)
        return zl_error_set(err, rc, "stream",
                            rc == ZL_ENOTFOUND ? "no such stream"
                                               : "store failed",
                            name, (size_t)-1);
    if (st.n_points >= 1) {
        int64_t from = 1;

        if (last && st.n_points > (int64_t)last)
            from = st.n_points - (int64_t)last + 1;
        if ((rc = series_load(s, &st, from, 0, &x, &sizes, &ng, &per)))
            goto out;
    }
    if (ng < 2) {
        rc = zl_error_setf(err, ZL_EINVAL, "stream", name,
                           "%zu point(s) so far: a chart needs two", ng);
        goto out;
    }
    /* against the current limits (the latest version) */
    opts_of(&st, &o);
    o.fixed_center = 1;
    o.center = st.lim.center;
    o.fixed_sigma = !is_attr(st.lim.chart);
    o.sigma = o.fixed_sigma ? st.lim.sigma : 0;
    rc = zl_spc_chart(x.v, ng * (size_t)per, sizes, ng, &o, r, err);
out:
    zl_free(sizes);
    zl_free(x.v);
    zl_free(x.sz);
    zl_spc_stream_cleanup(&st);
    return rc;
}

/* ---- limit revisions ----------------------------------------------------- */

int zl_spc_stream_revise(zl_store *s, const char *name, const char *as,
                         const struct zl_spc_revision *rv, int64_t *version,
                         struct zl_error *err)
{
    struct zl_spc_stream st;
    struct zl_spc_limits lim;
    struct zl_spc_check ck;
    struct zl_store_spc_state sv = {0};
    struct zl_buf sb;
    double center = rv->center, sigma = rv->sigma;
    int64_t ver = 0, from = rv->from, to = rv->to;
    json_t *rec;
    char t[32];
    int rc, own = 0;

    zl_buf_init(&sb, 1 << 16);
    rc = zl_spc_stream_get(s, name, &st);
    if (rc)
        return zl_error_set(err, rc, "stream",
                            rc == ZL_ENOTFOUND ? "no such stream"
                                               : "store failed",
                            name, (size_t)-1);
    if (as && (!st.def.owner || strcmp(as, st.def.owner))) {
        rc = zl_error_setf(err, ZL_EPERM, "stream", name,
                           "only the stream's owner (%s) may revise its "
                           "limits",
                           st.def.owner ? st.def.owner
                                        : "the store operator, locally");
        goto out;
    }
    if (!rv->reason || !*rv->reason || !text_ok(rv->reason, TEXT_MAX)) {
        rc = zl_error_set(err, ZL_EINVAL, "reason",
                          "is required: why the limits change, up to 200 "
                          "bytes of text",
                          NULL, 0);
        goto out;
    }
    if (from > 0) {
        /* Phase I over the stream's own points, by the batch chart */
        struct zl_spc_opts o;
        struct zl_spc_result r;
        struct vals x = {0};
        uint32_t *sizes = NULL;
        size_t ng = 0;
        int per = 1;

        if (to <= 0)
            to = st.n_points;
        if (to > st.n_points || from > to || to - from + 1 < 2) {
            rc = zl_error_setf(err, ZL_EINVAL, "phase1", NULL,
                               "points %lld..%lld: the stream has %lld "
                               "complete point(s); give a range of at least "
                               "two of them",
                               (long long)from, (long long)to,
                               (long long)st.n_points);
            goto out;
        }
        rc = series_load(s, &st, from, to, &x, &sizes, &ng, &per);
        memset(&r, 0, sizeof r);
        if (!rc) {
            opts_of(&st, &o);
            o.drop_ooc = rv->drop_ooc;
            rc = zl_spc_chart(x.v, ng * (size_t)per, sizes, ng, &o, &r, err);
        }
        center = r.center;
        sigma = r.sigma;
        zl_spc_result_cleanup(&r);
        zl_free(sizes);
        zl_free(x.v);
        zl_free(x.sz);
        if (rc) {
            if (!err || !err->rule[0])
                zl_error_set(err, rc, "phase1", "cannot estimate", NULL, 0);
            goto out;
        }
    }
    if ((rc = zl_spc_limits_fixed_ex(st.lim.chart, st.lim.n, center, sigma,
                                     st.lim.nsigma, st.def.a, st.def.b, &lim,
                                     err)))
        goto out;
    ver = st.limits_version + 1;
    zl_time_format_utc(zl_time_now_ms(), t);
    rec = json_pack(
        "{s:i,s:s,s:s,s:I,s:I,s:f,s:f,s:f,s:s,s:s,s:o,s:I}", "v", 1, "type",
        "spc-limits", "stream", name, "version", (json_int_t)ver, "replaces",
        (json_int_t)(ver - 1), "center", lim.center, "sigma", lim.sigma,
        "nsigma", lim.nsigma, "reason", rv->reason, "time", t, "limits",
        limits_json(&lim), "from_point", (json_int_t)(st.n_points + 1));
    if (rec && from > 0) {
        json_object_set_new(rec, "phase1",
                            json_pack("{s:I,s:I,s:i}", "from", (json_int_t)from,
                                      "to", (json_int_t)to, "drop_ooc",
                                      rv->drop_ooc));
    } else if (rec) {
        json_object_set_new(rec, "given", json_true());
    }
    if (rec && as)
        json_object_set_new(rec, "party", json_string(as));
    if ((rc = zl_registry_tx_begin(s, &own))) {
        json_decref(rec);
        zl_error_set(err, rc, NULL, "store failed", zl_strerror(rc),
                     (size_t)-1);
        goto out;
    }
    rc = log_record(s, name, "limits", ver, rec, NULL, NULL);
    /* the checker takes the new limits from the next point on */
    if (!rc)
        rc = zl_store_spc_state_get(s, name, &sv);
    if (!rc) {
        zl_spc_check_init(&ck, &st.lim, st.def.rules);
        rc = zl_spc_check_load(&ck, sv.state, sv.len) ? ZL_ESTORE : 0;
    }
    if (!rc) {
        zl_spc_check_relimit(&ck, &lim);
        rc = zl_spc_check_save(&ck, &sb);
    }
    if (!rc) {
        zl_free(sv.state);
        sv.state = (char *)sb.data;
        sv.len = sb.len;
        rc = zl_store_spc_state_put(s, name, &sv);
        sv.state = NULL;
    }
    rc = zl_registry_tx_end(s, own, rc);
    if (rc == ZL_EEXIST)
        zl_error_set(err, rc, "stream",
                     "its limits were revised at the same time; try again",
                     name, (size_t)-1);
    else if (rc)
        zl_error_set(err, rc, NULL, "store failed", zl_strerror(rc),
                     (size_t)-1);
    if (!rc && version)
        *version = ver;
out:
    zl_free(sv.state);
    zl_buf_cleanup(&sb);
    zl_spc_stream_cleanup(&st);
    return rc;
}

struct hist_ctx {
    zl_spc_alarm_cb cb;
    void *ctx;
};

static int hist_cb(void *ctx, const struct zl_store_spc_record *r)
{
    struct hist_ctx *h = ctx;
    struct zl_spc_alarm a = {r->stream, strcmp(r->kind, "stream") ? r->seq : 1,
                             r->leaf, r->json, r->len};

    return h->cb(h->ctx, &a);
}

int zl_spc_limits_history(zl_store *s, const char *name, zl_spc_alarm_cb cb,
                          void *ctx)
{
    struct hist_ctx h = {cb, ctx};
    int rc;

    if (!spc_stream_name_ok(name))
        return ZL_ENOTFOUND;
    rc = zl_store_spc_records(s, name, "stream", 0, 1, hist_cb, &h);
    return rc ? rc : zl_store_spc_records(s, name, "limits", 0, 0, hist_cb, &h);
}

/* ---- verify ---------------------------------------------------------------
 */

struct copy {
    char *json;
    size_t len;
    int64_t leaf;
    int found;
};

static int copy_cb(void *ctx, const struct zl_store_spc_record *r)
{
    struct copy *c = ctx;

    c->json = zl_strndup(r->json, r->len);
    c->len = r->len;
    c->leaf = r->leaf;
    c->found = 1;
    return c->json ? 1 : ZL_ENOMEM;
}

struct dig {
    EVP_MD_CTX *md;
    int64_t n;
};

static int dig_cb(void *ctx, const struct zl_store_spc_point *p)
{
    struct dig *d = ctx;

    d->n++;
    return digest_line(d->md, p);
}

/* Parse "spc:<stream>:<kind>:<seq>". */
static int split_key(const char *key, char *stream, char *kind, int64_t *seq)
{
    const char *a, *b;
    char *e;

    if (strncmp(key, "spc:", 4))
        return ZL_ENOTFOUND;
    a = strchr(key + 4, ':');
    b = a ? strchr(a + 1, ':') : NULL;
    if (!a || !b || (size_t)(a - key - 4) > ZL_SPC_NAME_MAX ||
        (size_t)(b - a - 1) >= 16)
        return ZL_ENOTFOUND;
    memcpy(stream, key + 4, (size_t)(a - key - 4));
    stream[a - key - 4] = '\0';
    memcpy(kind, a + 1, (size_t)(b - a - 1));
    kind[b - a - 1] = '\0';
    *seq = strtoll(b + 1, &e, 10);
    return *e || *seq < 1 ? ZL_ENOTFOUND : 0;
}

int zl_spc_record_canon(zl_store *s, const char *record_key, char **canon,
                        size_t *len)
{
    char stream[ZL_SPC_NAME_MAX + 1], kind[16];
    struct copy c = {0};
    json_error_t je;
    json_t *o;
    int64_t seq;
    int rc;

    *canon = NULL;
    if ((rc = split_key(record_key, stream, kind, &seq)))
        return rc;
    rc = zl_store_spc_records(s, stream, kind, seq - 1, 1, copy_cb, &c);
    if (rc < 0)
        return rc;
    if (!c.found)
        return ZL_ENOTFOUND;
    o = json_loadb(c.json, c.len, 0, &je);
    if (!o) { /* hashed as it is: the leaf check names it */
        *canon = c.json;
        *len = c.len;
        return 0;
    }
    zl_free(c.json);
    if (!strcmp(kind, "batch")) {
        /* the digest as the stored measurements give it now */
        int64_t first = json_integer_value(json_object_get(o, "first"));
        int64_t n = json_integer_value(json_object_get(o, "n"));
        struct dig d = {EVP_MD_CTX_new(), 0};
        uint8_t h[32];
        unsigned hl = 0;
        char hx[65];

        rc = d.md && EVP_DigestInit_ex(d.md, EVP_sha256(), NULL) == 1
                 ? 0
                 : ZL_ENOMEM;
        if (!rc)
            rc = zl_store_spc_points(s, stream, first, first + n, dig_cb, &d);
        if (!rc && EVP_DigestFinal_ex(d.md, h, &hl) != 1)
            rc = ZL_ENOMEM;
        EVP_MD_CTX_free(d.md);
        if (rc) {
            json_decref(o);
            return rc;
        }
        hex(h, 32, hx);
        if (d.n != n)
            snprintf(hx, sizeof hx, "%lld measurement(s) stored",
                     (long long)d.n);
        json_object_set_new(o, "points_sha256", json_string(hx));
    }
    rc = zl_jcs_dump_new(o, RECORD_MAX * 4, canon, len);
    json_decref(o);
    return rc;
}

static int rowkeys_cb(void *ctx, const struct zl_store_spc_record *r)
{
    char lk[ZL_SPC_NAME_MAX + 64];

    snprintf(lk, sizeof lk, "spc:%s:%s:%lld", r->stream, r->kind,
             (long long)r->seq);
    return zl_logged_rows_add(ctx, lk, r->leaf);
}

int zl_spc_audit_rows(zl_store *s, zl_spc_report_fn report, void *ctx)
{
    static const char *const KINDS[] = {"stream", "batch", "alarm", "limits"};
    struct zl_logged_rows k = {0};
    int rc = 0;

    for (size_t i = 0; i < 4 && !rc; i++)
        rc = zl_store_spc_records(s, NULL, KINDS[i], 0, 0, rowkeys_cb, &k);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    if (!rc)
        rc = zl_logged_rows_check(s, &k, ZL_LEAF_SPC, "SPC record",
                                  "spc_records", report, ctx);
    zl_logged_rows_free(&k);
    return rc;
}
