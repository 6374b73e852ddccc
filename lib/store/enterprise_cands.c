/*
 * enterprise_cands.c - an enterprise's trade and custody candidates,
 * what both backends do with the rows they read (enterprise_cands.h).
 *
 * An enterprise sees, besides its sites' events, the events naming it as
 * a source or destination (trade) and the events about goods it held
 * just before them (custody; docs/access.md, rules 3 and 4). Trade is a
 * fact of the event: the trade index's ranges for the values the rule
 * admits. Custody is not (a shipment captured late changes who held the
 * goods at every later event), but it has a superset that is: an event
 * can be about goods the party held just before it only if it names an
 * identifier that an event at or before its time shipped to the party (a
 * destination the rule admits) or received at one of its locations (a
 * bizStep the rule admits, 's', at a location it admits). So a backend
 * reads, once:
 *   1. the sources: the trade index's destination ranges of the admitted
 *      values and the sites index's (admitted location, admitted step)
 *      ranges, up to the query's upper time bound (zl_cands_source_keys);
 *   2. their identifiers (events.ids), each with its sources' times
 *      (zl_cands_ids_*);
 *   3. each identifier's occurrences in custody's spells (zl_spell_*),
 *      within the query's bounds;
 *   4. every event of each admitted trade value, as source and as
 *      destination;
 * sorted and made distinct: one more stream for the merge, held in
 * memory and kept on the handle with the admitted sites (zl_cands_for).
 * The row test (keep) still decides every candidate. Its cost grows with
 * the goods the party ever received and their events while it held
 * them, not with the store.
 */
#include "store/enterprise_cands.h"

#include "store/ids_pack.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

int zl_cands_add(struct zl_cands *o, const int64_t *row)
{
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 256;
        int64_t(*p)[ZL_CAND_COLS] = zl_realloc(o->r, nc * sizeof *p);

        if (!p)
            return ZL_ENOMEM;
        o->r = p;
        o->cap = nc;
    }
    memcpy(o->r[o->n++], row, sizeof *o->r);
    return 0;
}

void zl_cands_cleanup(struct zl_cands *o)
{
    zl_free(o->r);
    zl_free(o->names);
    memset(o, 0, sizeof *o);
}

int zl_cands_cmp_time(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;

    return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0])
                        : (x[1] > y[1]) - (x[1] < y[1]);
}

int zl_cands_cmp_ev(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;

    return (x[1] > y[1]) - (x[1] < y[1]);
}

void zl_cands_distinct(struct zl_cands *o,
                       int (*cmp)(const void *, const void *))
{
    size_t w = 0;

    if (o->n)
        qsort(o->r, o->n, sizeof *o->r, cmp);
    for (size_t i = 0; i < o->n; i++)
        if (!w || cmp(o->r[i], o->r[w - 1]))
            memmove(o->r[w++], o->r[i], sizeof *o->r);
    o->n = w;
}

int zl_cands_source_keys(const struct zl_admitted *ad,
                         struct zl_site_set *trade, struct zl_site_set *sites)
{
    int rc = 0;

    for (size_t i = 0; i < ad->trade.n && !rc; i++)
        rc = zl_site_add(trade, ad->trade.k[i] * 2 + 1);
    for (size_t i = 0; i < ad->sites.n && !rc; i++)
        for (size_t j = 0; !(ad->sites.k[i] & 1) && j < ad->steps.n && !rc; j++)
            rc = zl_site_add(sites,
                             zl_sites_key(ad->sites.k[i], 1, ad->steps.k[j]));
    return rc;
}

/* ---- the sources' identifiers ----------------------------------------- */

void zl_cands_ids_init(struct zl_cands_ids *c)
{
    memset(c, 0, sizeof *c);
    zl_strmap_init(&c->ids, (size_t)1 << 24);
}

void zl_cands_ids_cleanup(struct zl_cands_ids *c)
{
    zl_strmap_cleanup(&c->ids, NULL);
    zl_cands_cleanup(&c->pairs);
}

struct id_source {
    struct zl_cands_ids *c;
    int64_t t;
};

static int source_id_cb(void *ctx, const struct zl_id_row *r)
{
    struct id_source *is = ctx;
    struct zl_strmap_entry *e;
    int64_t row[ZL_CAND_COLS] = {0};
    int rc = 0;

    if (!(e = zl_strmap_put(&is->c->ids, r->id, NULL, &rc)))
        return rc ? rc : ZL_ENOMEM;
    row[0] = (int64_t)(e - is->c->ids.e);
    row[1] = is->t;
    return zl_cands_add(&is->c->pairs, row);
}

int zl_cands_ids_add(struct zl_cands_ids *c, const uint8_t *p, size_t n,
                     const struct zl_ids_names *names, int64_t t)
{
    struct id_source is = {c, t};
    struct zl_id_row row;

    memset(&row, 0, sizeof row);
    return p && n ? zl_ids_unpack(p, n, names, ZL_ID_ROLES_ALL, &row,
                                  source_id_cb, &is)
                  : 0;
}

void zl_cands_ids_sort(struct zl_cands_ids *c)
{
    zl_cands_distinct(&c->pairs, zl_cands_cmp_time);
}

int zl_cands_ids_next(const struct zl_cands_ids *c, size_t *a, size_t *b)
{
    const struct zl_cands *p = &c->pairs;

    *a = *b;
    if (*a >= p->n)
        return 0;
    for (*b = *a; *b < p->n && p->r[*b][0] == p->r[*a][0]; (*b)++)
        ;
    return 1;
}

/* ---- custody's spells ------------------------------------------------- */

int zl_cands_step_decides(const struct zl_admitted *ad, int64_t step)
{
    for (size_t i = 0; i < ad->decides.n; i++)
        if (ad->decides.k[i] == step)
            return 1;
    return 0;
}

void zl_spell_start(struct zl_spell *sp, const int64_t (*src)[ZL_CAND_COLS],
                    size_t n)
{
    sp->src = src;
    sp->n = n;
    sp->j = 0;
    sp->from = 0;
    sp->cut = INT64_MAX;
    sp->open = 0;
}

int zl_spell_row(struct zl_spell *sp, int64_t t, int decides)
{
    if (sp->open && t > sp->cut)
        sp->open = 0; /* custody passed on at the cut */
    for (; sp->j < sp->n && sp->src[sp->j][1] <= t; sp->j++) {
        sp->open = 1;
        sp->from = sp->src[sp->j][1];
        sp->cut = INT64_MAX;
    }
    if (!sp->open)
        return 0;
    if (sp->cut == INT64_MAX && t > sp->from && decides)
        sp->cut = t;
    return 1;
}

/* ---- the list kept on the handle -------------------------------------- */

/* An enterprise's candidates at every time, in time order, kept with its
 * admitted sites' entry (zl_sites_entry.extra), read while the store was
 * as stamp[] says (the source's stamp, then rule_gen). */
struct kept {
    struct zl_cands l;
    int64_t stamp[3];
};

static void kept_free(void *p)
{
    struct kept *k = p;

    if (k)
        zl_cands_cleanup(&k->l);
    zl_free(k);
}

int zl_cands_for(zl_store *s, const struct zl_event_filter *f,
                 const struct zl_cands_source *src,
                 const struct zl_admitted *ad, int desc, int64_t lo, int64_t hi,
                 int attr, int64_t value, struct zl_cands_slice *out)
{
    struct zl_sites_entry *e =
        f->admits_key ? zl_sites_entry_find(s, f->admits_key) : NULL;
    const struct zl_cands *l = &out->own;
    struct kept *kept;
    int64_t st[2];
    size_t a = 0, b, w = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if (!e || e->gen < 0) {
        if ((rc = src->read(s, ad, lo, hi, &out->own)))
            return rc;
    } else {
        if ((rc = src->stamp(s, st)))
            return rc;
        kept = e->extra;
        if (!kept || kept->stamp[0] != st[0] || kept->stamp[1] != st[1] ||
            kept->stamp[2] != e->gen) {
            kept_free(e->extra);
            e->extra = NULL;
            if (!(kept = zl_calloc(1, sizeof *kept)))
                return ZL_ENOMEM;
            if ((rc = src->read(s, ad, INT64_MIN, INT64_MAX, &kept->l))) {
                kept_free(kept);
                return rc;
            }
            kept->stamp[0] = st[0];
            kept->stamp[1] = st[1];
            kept->stamp[2] = e->gen;
            e->extra = kept;
            e->extra_free = kept_free;
        }
        l = &kept->l;
    }
    out->names = (const uint8_t(*)[32])l->names;
    /* the rows in [lo, hi]: [a, b) */
    for (size_t k = l->n; k > 0;) {
        size_t h = k / 2;

        if (l->r[a + h][0] < lo) {
            a += h + 1;
            k -= h + 1;
        } else
            k = h;
    }
    for (b = a; b < l->n && l->r[b][0] <= hi; b++)
        ;
    if (b > a && !(out->rows = zl_malloc((b - a) * sizeof *out->rows)))
        return ZL_ENOMEM;
    for (size_t i = 0; i < b - a; i++) {
        const int64_t *r = l->r[desc ? b - 1 - i : a + i];

        if (attr && r[1 + attr] != value && r[1 + attr] >= 0)
            continue; /* the read-back's filter would refuse it */
        out->rows[w][0] = r[0];
        out->rows[w][1] = r[1];
        w++;
    }
    out->n = w;
    return 0;
}

void zl_cands_slice_cleanup(struct zl_cands_slice *sl)
{
    zl_free(sl->rows);
    zl_cands_cleanup(&sl->own);
    sl->rows = NULL;
    sl->n = 0;
    sl->names = NULL;
}
