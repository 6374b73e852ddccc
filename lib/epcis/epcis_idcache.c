/*
 * epcis_idcache.c - identifiers canonicalised once per document, and the
 * per-event index the pre-hash looks them up in.
 *
 * What: two tables. The document-wide cache maps the raw text of an
 * identifier to its canonical form (GS1 keys in any syntax become
 * Digital Link on id.gs1.org), because the same EPCs and locations recur
 * from event to event (a pack, then its aggregation, then its shipping)
 * and the GS1 parse with check digits was the largest part of
 * validation; a stamp per entry names the identifier list that last held
 * it, which makes JSON Schema's uniqueItems one lookup. The per-event
 * list (id_raw/id_canon) remembers which JSON strings of this event were
 * canonicalised, and ep_id_index() turns it into a table keyed by the
 * string's address, so the pre-hash does not run the GS1 parser again.
 *
 * Why this way: open addressing with linear probing, FNV-1a on the text
 * for the cache and the pointer itself for the per-event index (the
 * strings are jansson's, alive as long as the tree). Rejected: the
 * general util/strmap (it copies every key and keeps insertion order;
 * here keys are borrowed, order is irrelevant and the copy per new
 * identifier would cost what the cache saves), and caching by
 * canonical form (the raw text is what arrives, and what uniqueItems
 * compares).
 */
#include "epcis/epcis_int.h"

#include "util/alloc.h"

#include <string.h>

static size_t idc_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

struct ep_idc_slot *ep_idc_find(struct ep_vctx *v, const char *s, size_t n)
{
    size_t h;

    if (v->idc_n * 2 >= v->idc_mask) {
        size_t nm = v->idc_mask ? v->idc_mask * 2 + 1 : 255;
        struct ep_idc_slot *t = zl_calloc(nm + 1, sizeof *t);

        if (!t)
            return NULL;
        for (size_t i = 0; v->idc && i <= v->idc_mask; i++) {
            if (!v->idc[i].raw)
                continue;
            h = idc_hash(v->idc[i].raw, v->idc[i].len) & nm;
            while (t[h].raw)
                h = (h + 1) & nm;
            t[h] = v->idc[i];
        }
        zl_free(v->idc);
        v->idc = t;
        v->idc_mask = nm;
    }
    for (h = idc_hash(s, n) & v->idc_mask; v->idc[h].raw;
         h = (h + 1) & v->idc_mask)
        if (v->idc[h].len == n && !memcmp(v->idc[h].raw, s, n))
            return &v->idc[h];
    return &v->idc[h];
}

void ep_idc_trim(struct ep_vctx *v, size_t max)
{
    if (v->idc_n <= max)
        return;
    memset(v->idc, 0, (v->idc_mask + 1) * sizeof *v->idc);
    v->idc_n = 0;
}

int ep_id_remember(struct ep_vctx *v, const char *raw, const char *canon)
{
    if (v->n_id == v->cap_id) {
        size_t nc = v->cap_id ? v->cap_id * 2 : 64;
        const char **a = zl_realloc(v->id_raw, nc * sizeof *a);
        const char **b;
        if (!a)
            return ZL_ENOMEM;
        v->id_raw = a;
        b = zl_realloc(v->id_canon, nc * sizeof *b);
        if (!b)
            return ZL_ENOMEM;
        v->id_canon = b;
        v->cap_id = nc;
    }
    v->id_raw[v->n_id] = raw;
    v->id_canon[v->n_id++] = canon;
    return 0;
}

int ep_id_index(const struct ep_vctx *v, struct ep_arena *scratch,
                struct ep_hashctx *hc)
{
    size_t slots = 16, i;
    hc->id_raw = hc->id_canon = NULL;
    hc->id_mask = 0;
    if (!v->n_id)
        return 0;
    while (slots < v->n_id * 2)
        slots *= 2;
    hc->id_raw = ep_alloc(scratch, slots * sizeof *hc->id_raw);
    hc->id_canon = ep_alloc(scratch, slots * sizeof *hc->id_canon);
    if (!hc->id_raw || !hc->id_canon)
        return ZL_ENOMEM;
    memset(hc->id_raw, 0, slots * sizeof *hc->id_raw);
    hc->id_mask = slots - 1;
    for (i = 0; i < v->n_id; i++) {
        size_t h =
            ((size_t)(uintptr_t)v->id_raw[i] >> 3) * 0x9E3779B97F4A7C15ull;
        for (h &= hc->id_mask; hc->id_raw[h]; h = (h + 1) & hc->id_mask)
            ;
        hc->id_raw[h] = v->id_raw[i];
        hc->id_canon[h] = v->id_canon[i];
    }
    return 0;
}

void ep_vctx_cleanup(struct ep_vctx *v)
{
    zl_free(v->id_raw);
    zl_free(v->id_canon);
    zl_free(v->idc);
    v->id_raw = v->id_canon = NULL;
    v->idc = NULL;
}
