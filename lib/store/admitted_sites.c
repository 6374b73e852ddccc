/*
 * admitted_sites.c - the sites a read rule admits, kept on the handle
 * (admitted_sites.h), for both backends' sites indexes.
 *
 * Asking the rule about every location cost a third of a regulator's
 * request, and with 10^5 locations and capture never quiet it was most of
 * a first page (docs/scale.md, schema 24). So the answers are kept on the
 * handle (zl_store_module_state), for up to SITES_KEYS admits_keys (the
 * least recently used goes), across captures, and brought up to date, not
 * made again:
 *   - nothing changed (the backend's stamp, when it has one): the entry
 *     answers;
 *   - rule_gen unchanged (the backend's triggers bump it on every write to
 *     parties, party_gln and party_kinds, which are all the regulator's
 *     rule reads, zl_viewer_region_admits, and on any change to the
 *     numbered values but a new one at the top): only the values numbered
 *     past the entry's high-water marks are asked about and added;
 *   - else every value is asked again.
 * Triggers, not the tables' sizes or largest numbers: an edit in place (a
 * party's region) moves neither, and an edit behind the store's back
 * fires them too; a trigger dropped, verify reports and reindex makes
 * again. What they cannot catch: rule_gen itself set back by hand after
 * such an edit, and a change the handle made and rolled back outside the
 * store's transactions (the store's rollbacks drop every module state).
 * The rule asked is the one f->admits_key names: a key must name
 * everything its answers depend on besides these tables.
 */
#include "store/admitted_sites.h"

#include "store/query_sql.h"
#include "util/alloc.h"
#include "zhiliang/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SITES_KEYS 8

struct sites_cache {
    struct zl_sites_entry e[SITES_KEYS];
    uint64_t tick;
};

static const char SITES_CACHE_KEY = 0;

int zl_site_add(struct zl_site_set *ss, int64_t k)
{
    if (ss->n == ss->cap) {
        size_t nc = ss->cap ? ss->cap * 2 : 64;
        int64_t *p = zl_realloc(ss->k, nc * sizeof *p);

        if (!p)
            return ZL_ENOMEM;
        ss->k = p;
        ss->cap = nc;
    }
    ss->k[ss->n++] = k;
    return 0;
}

void zl_admitted_cleanup(struct zl_admitted *a)
{
    zl_free(a->sites.k);
    zl_free(a->steps.k);
    zl_free(a->decides.k);
    zl_free(a->trade.k);
}

/* Empty a, to be asked again from the first number. */
static void admitted_reset(struct zl_admitted *a)
{
    a->sites.n = a->steps.n = a->decides.n = a->trade.n = 0;
    a->top[0] = a->top[1] = a->top[2] = INT64_MIN;
}

/* Forget what e keeps, its backend's data too. */
static void entry_reset(struct zl_sites_entry *e)
{
    admitted_reset(&e->a);
    if (e->extra && e->extra_free)
        e->extra_free(e->extra);
    e->extra = NULL;
    e->extra_free = NULL;
    e->gen = -1;
}

static void sites_cache_free(void *p)
{
    struct sites_cache *c = p;

    for (size_t i = 0; c && i < SITES_KEYS; i++) {
        entry_reset(&c->e[i]);
        zl_admitted_cleanup(&c->e[i].a);
    }
    zl_free(c);
}

struct ask {
    zl_store *s;
    const struct zl_sites_source *src;
    const struct zl_event_filter *f;
    struct zl_admitted *e;
    int t, begun;
};

/* Ask the rule about value v numbered n of table a->t. */
static int ask_cb(void *ctx, int64_t n, const char *v)
{
    struct ask *a = ctx;
    const struct zl_event_filter *f = a->f;
    char *copy = zl_strdup(v); /* the rule may run statements of its own */
    int yes, step = 0, decides = 0, rc = 0;

    if (!copy)
        return ZL_ENOMEM;
    if (!a->begun && a->src->ask_begin) {
        a->begun = 1;
        if ((rc = a->src->ask_begin(a->s))) {
            zl_free(copy);
            return rc;
        }
    }
    /* the filter's budget: a backend whose rule asks the server for each
     * value (PostgreSQL) would otherwise run past it here */
    if (f->deadline_ms && !(n & 255) && zl_time_now_ms() > f->deadline_ms) {
        zl_free(copy);
        return ZL_ETIMEOUT;
    }
    yes = f->admits(f->admits_ctx, "lpt"[a->t], copy);
    if (yes >= 0 && a->t == 0 && f->admits_trade)
        step = f->admits(f->admits_ctx, 's', copy);
    if (yes >= 0 && step >= 0 && a->t == 0 && f->admits_trade)
        decides = f->admits(f->admits_ctx, 'c', copy);
    zl_free(copy);
    if (yes < 0 || step < 0 || decides < 0)
        return yes < 0 ? yes : step < 0 ? step : decides;
    if (yes)
        rc = zl_site_add(a->t == 2 ? &a->e->trade : &a->e->sites,
                         a->t == 2 ? n : 2 * n + a->t);
    if (!rc && step)
        rc = zl_site_add(&a->e->steps, n);
    if (!rc && decides)
        rc = zl_site_add(&a->e->decides, n);
    a->e->top[a->t] = n;
    return rc;
}

/* Ask f->admits about every location, party and (for an enterprise's
 * rule) trade value numbered past e's marks: 0 or an error. */
static int sites_ask(zl_store *s, const struct zl_event_filter *f,
                     const struct zl_sites_source *src, struct zl_admitted *e)
{
    struct ask a = {s, src, f, e, 0, 0};
    int rc = 0;

    for (a.t = 0; a.t < (f->admits_trade ? 3 : 2) && !rc; a.t++)
        rc = src->each_past(s, a.t, e->top[a.t], ask_cb, &a);
    if (a.begun && src->ask_end)
        src->ask_end(s);
    return rc;
}

/* The entry for key in c: the one holding it, else the least recently
 * used, emptied and named key. */
static struct zl_sites_entry *sites_entry(struct sites_cache *c,
                                          const char *key)
{
    struct zl_sites_entry *old = &c->e[0];

    for (size_t i = 0; i < SITES_KEYS; i++) {
        if (c->e[i].key[0] && !strcmp(c->e[i].key, key))
            return &c->e[i];
        if (c->e[i].used < old->used)
            old = &c->e[i];
    }
    entry_reset(old);
    snprintf(old->key, sizeof old->key, "%s", key);
    return old;
}

/* Append the sets of from to to's, and take its marks. */
static int admitted_add(struct zl_admitted *to, const struct zl_admitted *from)
{
    int rc = 0;

    for (size_t i = 0; i < from->sites.n && !rc; i++)
        rc = zl_site_add(&to->sites, from->sites.k[i]);
    for (size_t i = 0; i < from->steps.n && !rc; i++)
        rc = zl_site_add(&to->steps, from->steps.k[i]);
    for (size_t i = 0; i < from->decides.n && !rc; i++)
        rc = zl_site_add(&to->decides, from->decides.k[i]);
    for (size_t i = 0; i < from->trade.n && !rc; i++)
        rc = zl_site_add(&to->trade, from->trade.k[i]);
    memcpy(to->top, from->top, sizeof to->top);
    return rc;
}

int zl_sites_admitted(zl_store *s, const struct zl_event_filter *f,
                      const struct zl_sites_source *src,
                      struct zl_admitted *out)
{
    struct sites_cache *c;
    struct zl_sites_entry *e;
    int64_t st[2] = {0, 0}, gen = 0;
    int rc;

    if (!f->admits_key || strlen(f->admits_key) >= sizeof e->key) {
        struct zl_admitted one;

        memset(&one, 0, sizeof one);
        admitted_reset(&one);
        rc = sites_ask(s, f, src, &one);
        if (!rc)
            rc = admitted_add(out, &one);
        zl_admitted_cleanup(&one);
        return rc;
    }
    if (src->stamp && (rc = src->stamp(s, st)))
        return rc;
    if (!(c = zl_store_module_state(s, &SITES_CACHE_KEY))) {
        if (!(c = zl_calloc(1, sizeof *c)))
            return ZL_ENOMEM;
        for (size_t i = 0; i < SITES_KEYS; i++)
            entry_reset(&c->e[i]);
        if (zl_store_module_set(s, &SITES_CACHE_KEY, c, sites_cache_free)) {
            sites_cache_free(c);
            return ZL_ENOMEM;
        }
    }
    e = sites_entry(c, f->admits_key);
    e->used = ++c->tick;
    if (e->gen < 0 || !src->stamp || e->stamp[0] != st[0] ||
        e->stamp[1] != st[1]) {
        if ((rc = src->gen(s, &gen)))
            goto fail;
        if (e->gen != gen) /* the rule's tables changed: ask again */
            entry_reset(e);
        /* read before the rows: a change meanwhile is seen next time */
        e->gen = gen;
        e->stamp[0] = st[0];
        e->stamp[1] = st[1];
        if ((rc = sites_ask(s, f, src, &e->a)))
            goto fail;
    }
    return admitted_add(out, &e->a);
fail:
    if (rc == ZL_ETIMEOUT && e->gen == gen) {
        /* the budget ran out while asking (10^5 locations, each a round
         * trip on PostgreSQL): what was asked stays, up to the marks,
         * and the next query asks from there */
        e->stamp[0] = e->stamp[1] = INT64_MIN;
        return rc;
    }
    entry_reset(e);
    e->key[0] = '\0';
    return rc;
}

struct zl_sites_entry *zl_sites_entry_find(zl_store *s, const char *key)
{
    struct sites_cache *c = zl_store_module_state(s, &SITES_CACHE_KEY);

    for (size_t i = 0; c && key && i < SITES_KEYS; i++)
        if (c->e[i].key[0] && !strcmp(c->e[i].key, key))
            return &c->e[i];
    return NULL;
}

int zl_sites_key_of(const struct zl_event_filter *f, int *attr,
                    const char **value)
{
    size_t bl = zl_query_list_len(f->biz_locations),
           rp = zl_query_list_len(f->read_points);
    size_t st = zl_query_list_len(f->biz_steps),
           dp = zl_query_list_len(f->dispositions);
    int a;

    if (f->order_by == ZL_ORDER_RECORD_TIME || f->limit ||
        f->n_biz_transactions || f->n_sources || f->n_destinations || bl > 1 ||
        rp > 1 || st > 1 || dp > 1 || zl_query_names_events(f))
        return 1;
    *attr = 0;
    *value = NULL;
    if (bl || rp) {
        *value = bl ? f->biz_locations[0] : f->read_points[0];
        if ((a = f->admits(f->admits_ctx, 'l', *value)) != 0)
            return a < 0 ? a : 1;
        *attr = bl ? 4 : 3;
    } else if (st || dp) {
        *attr = st ? 1 : 2;
        *value = st ? f->biz_steps[0] : f->dispositions[0];
    }
    return 0;
}

/* ---- what verify says ---------------------------------------------------- */

int zl_sites_report_missing(zl_store_sites_issue_cb cb, void *ctx,
                            const char *event, int64_t want, int64_t found)
{
    char detail[200];

    snprintf(detail, sizeof detail,
             "%lld of the event's %lld rows are missing (a regulator"
             " would not see it; `zhiliang reindex` rebuilds them)",
             (long long)(want - found), (long long)want);
    return cb(ctx, event, detail);
}

int zl_sites_report_extra(zl_store_sites_issue_cb cb, void *ctx,
                          const char *table, int64_t have, int64_t want)
{
    char detail[200];

    snprintf(detail, sizeof detail,
             "%s holds %lld rows, the events account for %lld"
             " (rows inserted or left behind; `zhiliang reindex`"
             " rebuilds it)",
             table, (long long)have, (long long)want);
    return cb(ctx, NULL, detail);
}

int zl_trade_report_missing(zl_store_sites_issue_cb cb, void *ctx,
                            const char *event, int64_t count)
{
    char detail[200];

    snprintf(detail, sizeof detail,
             "%lld of the event's trade index rows are missing (a party"
             " it names as source or destination would not see it;"
             " `zhiliang reindex` rebuilds them)",
             (long long)count);
    return cb(ctx, event, detail);
}

int zl_trade_report_unnumbered(zl_store_sites_issue_cb cb, void *ctx,
                               int64_t count)
{
    char detail[200];

    if (!count)
        return 0;
    snprintf(detail, sizeof detail,
             "%lld sources or destinations have no number in"
             " trade_values (a value edited; `zhiliang reindex`"
             " rebuilds it)",
             (long long)count);
    return cb(ctx, NULL, detail);
}

int zl_trade_report_extra(zl_store_sites_issue_cb cb, void *ctx, int64_t count)
{
    char detail[200];

    if (!count)
        return 0;
    snprintf(detail, sizeof detail,
             "event_trade holds %lld rows that no source or"
             " destination accounts for (`zhiliang reindex`"
             " rebuilds it)",
             (long long)count);
    return cb(ctx, NULL, detail);
}

void zl_sites_bounds(const struct zl_event_filter *f, int desc, int64_t *lo,
                     int64_t *hi)
{
    if (f->ge_event_time)
        *lo = f->ge_event_time;
    if (f->lt_event_time)
        *hi = f->lt_event_time - 1;
    if (f->has_after && !desc && f->after_time > *lo)
        *lo = f->after_time;
    if (f->has_after && desc && f->after_time < *hi)
        *hi = f->after_time;
}

size_t zl_sites_first_batch(const struct zl_event_filter *f, size_t dflt)
{
    const char *env = getenv("ZL_QUERY_SITES_BATCH");
    size_t batch = env         ? (size_t)strtoul(env, NULL, 10)
                   : f->expect ? f->expect
                               : dflt;

    return batch ? batch : 1;
}
