/*
 * counts.c - counts over stored risk reports (zhiliang/risk_intake.h):
 * the series the detectors of signals.c judge, complaint clusters on one
 * lot, and the published complaint statistics.
 *
 * Everything is read once in received order and grouped in memory by
 * sorting (key, day): a year of national complaints is a few million
 * short rows, and one sort beats a hash table nobody has to size. The
 * series share one period grid (period 0 starts at the first report's
 * day, or its Monday for weeks) so the same index is the same period in
 * every series and the evidence of a signal can be put side by side.
 *
 * Rejected: SQL GROUP BY in each backend (twice the code, and the
 * periods' arithmetic would be written in two SQL dialects).
 */
#include "zhiliang/risk_intake.h"

#include "util/alloc.h"
#include "zhiliang/alloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const DIMS[] = {"gtin", "lot", "enterprise", "category",
                                   "region"};

const char *zl_risk_dim_name(enum zl_risk_dim d)
{
    return (unsigned)d < 5 ? DIMS[d] : "?";
}

int zl_risk_dim_parse(const char *s, enum zl_risk_dim *d)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, DIMS[i])) {
            *d = (enum zl_risk_dim)i;
            return 0;
        }
    return ZL_EINVAL;
}

struct item {
    char *key, *id, *lot, *gtin;
    int32_t day;
    int64_t ms;
};

struct items {
    struct item *v;
    size_t n, cap;
    enum zl_risk_dim dim;
    int complaints_only;
};

static void items_free(struct items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        zl_free(it->v[i].key);
        zl_free(it->v[i].id);
        zl_free(it->v[i].lot);
        zl_free(it->v[i].gtin);
    }
    zl_free(it->v);
}

static int collect_cb(void *ctx, const struct zl_risk_report_row *r)
{
    struct items *it = ctx;
    const char *vals[5] = {r->gtin, r->lot, r->enterprise, r->category,
                           r->region};
    const char *key = vals[it->dim];
    struct item *x;
    int32_t day;
    int rc;

    if (!key || !*key || zl_day_parse(r->day, strlen(r->day), &day))
        return 0;
    if ((rc = zl_grow((void **)&it->v, &it->cap, it->n + 1, sizeof *it->v, 256,
                      NULL)))
        return rc;
    x = &it->v[it->n];
    x->key = zl_strdup(key);
    x->id = zl_strdup(r->id);
    x->lot = zl_strdup(r->lot ? r->lot : "");
    x->gtin = zl_strdup(r->gtin ? r->gtin : "");
    x->day = day;
    x->ms = r->received_ms;
    it->n++;
    return x->key && x->id && x->lot && x->gtin ? 0 : ZL_ENOMEM;
}

static int by_key_day(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int by_key_ms(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    if (x->ms != y->ms)
        return x->ms < y->ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

void zl_risk_series_cleanup(struct zl_risk_series_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        struct zl_risk_series *s = &set->s[i];

        zl_free(s->key);
        zl_free(s->y);
        for (size_t j = 0; j < s->n_ids; j++)
            zl_free(s->ids[j]);
        zl_free(s->ids);
        for (size_t j = 0; j < s->n_lots; j++)
            zl_free(s->lots[j]);
        zl_free(s->lots);
        for (size_t j = 0; j < s->n_gtins; j++)
            zl_free(s->gtins[j]);
        zl_free(s->gtins);
    }
    zl_free(set->s);
    memset(set, 0, sizeof *set);
}

static int add_unique(char ***arr, size_t *n, const char *v)
{
    size_t cap = *n;

    if (!*v)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*arr)[i], v))
            return 0;
    if (zl_grow((void **)arr, &cap, *n + 1, sizeof **arr, *n + 1, NULL))
        return ZL_ENOMEM;
    if (!((*arr)[*n] = zl_strdup(v)))
        return ZL_ENOMEM;
    (*n)++;
    return 0;
}

int zl_risk_series_build(zl_store *s, int k, enum zl_risk_dim dim,
                         int period_days, int32_t until,
                         struct zl_risk_series_set *out, struct zl_error *err)
{
    struct items it = {NULL, 0, 0, dim, 0};
    int32_t first = INT32_MAX, last = INT32_MIN;
    size_t nkeys = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if (period_days != 1 && period_days != 7)
        return zl_error_set(err, ZL_EINVAL, "period", "must be day or week",
                            NULL, 0);
    if ((unsigned)dim > ZL_RISK_BY_REGION)
        return zl_error_set(err, ZL_EINVAL, "by", "unknown dimension", NULL, 0);
    if ((rc = zl_risk_report_list(s, k, collect_cb, &it)))
        goto out;
    for (size_t i = 0; i < it.n; i++) {
        first = it.v[i].day < first ? it.v[i].day : first;
        last = it.v[i].day > last ? it.v[i].day : last;
    }
    if (!it.n)
        goto out;
    if (until >= 0)
        last = until;
    if (period_days == 7) /* back to Monday (day 0 was a Thursday) */
        first -= (int32_t)(zl_day_weekday(first) - 1);
    if (last < first) {
        rc = zl_error_set(err, ZL_EINVAL, "until", "is before the first report",
                          NULL, 0);
        goto out;
    }
    out->first_day = first;
    out->period_days = period_days;
    out->n_periods = (size_t)((last - first) / period_days) + 1;
    qsort(it.v, it.n, sizeof *it.v, by_key_day);
    for (size_t i = 0; i < it.n; i++)
        nkeys += !i || strcmp(it.v[i].key, it.v[i - 1].key);
    if (!(out->s = zl_calloc(nkeys ? nkeys : 1, sizeof *out->s))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < it.n && !rc; i++) {
        struct zl_risk_series *sr;
        size_t p;

        if (!i || strcmp(it.v[i].key, it.v[i - 1].key)) {
            sr = &out->s[out->n++];
            if (!(sr->key = zl_strdup(it.v[i].key)) ||
                !(sr->y = zl_calloc(out->n_periods, sizeof *sr->y))) {
                rc = ZL_ENOMEM;
                break;
            }
        }
        sr = &out->s[out->n - 1];
        if (it.v[i].day < first || it.v[i].day > last)
            continue;
        p = (size_t)((it.v[i].day - first) / period_days);
        sr->y[p] += 1;
        rc = add_unique(&sr->lots, &sr->n_lots, it.v[i].lot);
        if (!rc)
            rc = add_unique(&sr->gtins, &sr->n_gtins, it.v[i].gtin);
        if (!rc && p == out->n_periods - 1)
            rc = add_unique(&sr->ids, &sr->n_ids, it.v[i].id);
    }
out:
    items_free(&it);
    if (rc)
        zl_risk_series_cleanup(out);
    return rc;
}

int zl_risk_clusters(zl_store *s, int64_t window_ms, size_t min_count,
                     zl_risk_cluster_cb cb, void *ctx)
{
    struct items it = {NULL, 0, 0, ZL_RISK_BY_LOT, 1};
    const char **ids = NULL;
    int rc;

    if (min_count < 2 || window_ms <= 0)
        return ZL_EINVAL;
    if ((rc = zl_risk_report_list(s, ZL_RISK_COMPLAINT, collect_cb, &it)))
        goto out;
    qsort(it.v, it.n, sizeof *it.v, by_key_ms);
    if (!(ids = zl_calloc(it.n + 1, sizeof *ids))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < it.n && !rc;) {
        size_t j = i;

        while (j + 1 < it.n && !strcmp(it.v[j + 1].key, it.v[i].key) &&
               it.v[j + 1].ms - it.v[i].ms <= window_ms)
            j++;
        if (j - i + 1 >= min_count) {
            struct zl_risk_cluster c;

            for (size_t q = i; q <= j; q++)
                ids[q - i] = it.v[q].id;
            c.lot = it.v[i].key;
            c.count = j - i + 1;
            c.first_ms = it.v[i].ms;
            c.last_ms = it.v[j].ms;
            c.ids = ids;
            rc = cb(ctx, &c);
            i = j + 1;
        } else {
            i++;
        }
    }
out:
    zl_free(ids);
    items_free(&it);
    return rc;
}

/* ---- published statistics --------------------------------------------- */

struct stat_rows {
    char **v[3];
    size_t n[3], cap[3];
};

static int push(struct stat_rows *st, int d, const char *v, size_t n)
{
    int rc;

    if (!n)
        return 0;
    if ((rc = zl_grow((void **)&st->v[d], &st->cap[d], st->n[d] + 1,
                      sizeof *st->v[d], 64, NULL)))
        return rc;
    if (!(st->v[d][st->n[d]] = zl_strndup(v, n)))
        return ZL_ENOMEM;
    st->n[d]++;
    return 0;
}

static int stat_cb(void *ctx, const struct zl_risk_report_row *r)
{
    struct stat_rows *st = ctx;
    int rc;

    if ((rc = push(st, 0, r->category, strlen(r->category))) ||
        (rc = push(st, 1, r->region, strlen(r->region))))
        return rc;
    return push(st, 2, r->day, strlen(r->day) >= 7 ? 7 : 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int zl_risk_complaint_stats(zl_store *s, zl_risk_stat_cb cb, void *ctx)
{
    static const char *const NAME[3] = {"category", "region", "month"};
    struct stat_rows st;
    int rc;

    memset(&st, 0, sizeof st);
    rc = zl_risk_report_list(s, ZL_RISK_COMPLAINT, stat_cb, &st);
    for (int d = 0; d < 3 && !rc; d++) {
        if (st.n[d])
            qsort(st.v[d], st.n[d], sizeof *st.v[d], cmp_str);
        for (size_t i = 0; i < st.n[d] && !rc;) {
            size_t j = i;

            while (j < st.n[d] && !strcmp(st.v[d][j], st.v[d][i]))
                j++;
            rc = cb(ctx, NAME[d], st.v[d][i], (long)(j - i));
            i = j;
        }
    }
    for (int d = 0; d < 3; d++) {
        for (size_t i = 0; i < st.n[d]; i++)
            zl_free(st.v[d][i]);
        zl_free(st.v[d]);
    }
    return rc;
}
