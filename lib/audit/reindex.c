/*
 * reindex.c - zl_audit_reindex: rebuild every derived row from the
 * records (see zhiliang/audit.h).
 *
 * One transaction: the identifier index, the refs and the signed-document
 * links are emptied, then each stored event's row is written again from
 * its parsed record (keeping its capture metadata), and each signed
 * document whose bytes and signature still check is linked to its events
 * again. Each event's record_time and party are taken from the first
 * capture receipt that lists it and still matches its leaf (receipts.c);
 * an event no receipt lists keeps its own. A crash leaves the store as it
 * was. Records that no longer hash
 * to their key (edited JSON, a changed signed document) cannot be
 * repaired from themselves: they are counted as skipped and `zhiliang
 * verify` keeps naming them.
 *
 * Event hashes are collected first (32 bytes an event) so that rewriting
 * rows never runs under an open scan of the same table.
 */
#include "zhiliang/audit.h"

#include "audit/audit_int.h"
#include "store/store_audit.h"
#include "store/store_docs.h"
#include "recall/recall_int.h"
#include "supervise/sup_int.h"
#include "util/alloc.h"
#include "zhiliang/sign.h"

#include <openssl/evp.h>
#include <string.h>

struct collect {
    uint8_t (*hash)[32];
    size_t n, cap;
};

static int collect_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct collect *c = ctx;

    if (zl_grow((void **)&c->hash, &c->cap, c->n + 1, sizeof *c->hash, 4096,
                NULL))
        return ZL_ENOMEM;
    memcpy(c->hash[c->n++], ev->hash, 32);
    return 0;
}

struct rewrite {
    zl_store *s;
    struct zl_audit_reindex_stats *st;
    struct audit_meta *meta;
};

static int rewrite_cb(void *ctx, const struct zl_stored_event *row)
{
    struct rewrite *r = ctx;
    zl_epcis_doc *d = audit_reparse(row);
    struct zl_event ev;
    const char *mparty;
    char *party;
    int64_t rt;
    int rc;

    if (!d) {
        r->st->skipped++;
        return 0;
    }
    /* capture metadata: as the first receipt listing the event says */
    rt = row->record_time_ms;
    mparty = row->party;
    if (audit_meta_get(r->meta, row->hash, &rt, &mparty) &&
        (rt != row->record_time_ms ||
         (mparty ? !row->party || strcmp(mparty, row->party) : !!row->party)))
        r->st->metadata++;
    /* row's strings are borrowed from the statement the replace resets */
    party = mparty ? zl_strndup(mparty, strlen(mparty)) : NULL;
    if (mparty && !party) {
        zl_epcis_doc_free(d);
        return ZL_ENOMEM;
    }
    ev = *zl_epcis_doc_event(d, 0);
    rc = audit_corrected(r->s, row->hash);
    if (rc > 0) /* a correction declared it erroneous */
        ev.has_error_declaration = 1;
    if (rc >= 0)
        rc = zl_store_event_replace(r->s, &ev, rt, party);
    if (!rc)
        r->st->events++;
    zl_free(party);
    zl_epcis_doc_free(d);
    return rc;
}

static int relink_cb(void *ctx, const uint8_t doc_hash[32], const char *party,
                     const char *sig, const char *doc, size_t len)
{
    struct rewrite *r = ctx;
    struct zl_error err = {0};
    zl_epcis_doc *d = NULL;
    unsigned hl = 32;
    uint8_t h[32];
    int rc = 0;

    if (EVP_Digest(doc, len, h, &hl, EVP_sha256(), NULL) != 1 ||
        memcmp(h, doc_hash, 32) ||
        zl_signature_check_party(r->s, party, doc, len, sig, &err) ||
        zl_epcis_parse(doc, len, NULL, &d, &err)) {
        r->st->skipped++;
        return 0;
    }
    for (size_t i = 0; i < zl_epcis_doc_count(d) && !rc; i++)
        rc = zl_store_event_doc_link(r->s, zl_epcis_doc_event(d, i)->hash,
                                     doc_hash);
    if (!rc)
        r->st->documents++;
    zl_epcis_doc_free(d);
    return rc;
}

/* Signed documents are read into memory first for the same reason as the
 * events: relinking writes the table the scan would still be reading. */
struct docs {
    struct doc {
        uint8_t hash[32];
        char *party, *sig, *bytes;
        size_t len;
    } * v;
    size_t n, cap;
};

static int keep_doc(void *ctx, const uint8_t doc_hash[32], const char *party,
                    const char *sig, const char *doc, size_t len)
{
    struct docs *ds = ctx;
    struct doc *d;

    if (zl_grow((void **)&ds->v, &ds->cap, ds->n + 1, sizeof *ds->v, 64, NULL))
        return ZL_ENOMEM;
    d = &ds->v[ds->n];
    memcpy(d->hash, doc_hash, 32);
    d->party = zl_strndup(party ? party : "", party ? strlen(party) : 0);
    d->sig = zl_strndup(sig ? sig : "", sig ? strlen(sig) : 0);
    d->bytes = zl_strndup(doc ? doc : "", doc ? len : 0);
    d->len = doc ? len : 0;
    ds->n++;
    return d->party && d->sig && d->bytes ? 0 : ZL_ENOMEM;
}

/* Each recall case's row and identifier index, from its records. */
static int rebuild_cases(zl_store *s, struct zl_audit_reindex_stats *st)
{
    struct zl_strmap cases;
    int rc = audit_recall_cases(s, &cases);

    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < zl_strmap_count(&cases); i++) {
        const char *id = zl_strmap_at(&cases, i)->key;
        struct zl_recall_derived d;

        rc = zl_recall_derive(s, id, &d);
        if (rc == ZL_ENOTFOUND) {
            st->skipped++;
            rc = 0;
            continue;
        }
        if (!rc)
            rc = zl_store_recall_case_put(s, &d.row);
        if (!rc)
            rc = zl_store_recall_ids_put(s, id, (const char *const *)d.ids,
                                         d.n_ids);
        if (!rc)
            st->cases++;
        zl_recall_derived_cleanup(&d);
    }
    zl_strmap_cleanup(&cases, NULL);
    return rc;
}

static int tix_add_cb(void *ctx, const struct zl_stored_event *row)
{
    zl_epcis_doc *d = audit_reparse(row);
    struct zl_event ev;
    int rc;

    if (!d)
        return 0; /* an edited record: verify names it */
    ev = *zl_epcis_doc_event(d, 0);
    ev.has_error_declaration = row->has_error_declaration;
    rc = zl_tix_add((zl_store *)ctx, &ev, row->record_time_ms);
    zl_epcis_doc_free(d);
    return rc;
}

int audit_tix_build(zl_store *s)
{
    struct zl_event_filter all = {0};
    struct collect c = {0};
    int rc = zl_store_events_query(s, &all, collect_cb, &c);

    if (!rc)
        rc = zl_tix_clear(s);
    for (size_t i = 0; i < c.n && !rc; i++)
        rc = zl_store_event_get(s, c.hash[i], tix_add_cb, s);
    zl_free(c.hash);
    return rc;
}

int zl_audit_reindex(zl_store *s, struct zl_audit_reindex_stats *stats)
{
    struct zl_audit_reindex_stats st = {0};
    struct zl_event_filter all = {0};
    struct collect c = {0};
    struct docs ds = {0};
    struct rewrite r = {s, &st, NULL};
    int rc;

    rc = zl_store_begin(s);
    if (rc)
        return rc;
    /* the registry first: signed documents are relinked with the keys it
     * states */
    rc = audit_registry_reindex(s, &st.registry, &st.skipped, &st.tokens_lost);
    if (!rc)
        rc = audit_meta_build(s, &r.meta);
    if (!rc)
        rc = zl_store_events_query(s, &all, collect_cb, &c);
    if (!rc)
        rc = zl_store_signed_docs_all(s, keep_doc, &ds);
    if (!rc)
        rc = zl_store_derived_clear(s);
    for (size_t i = 0; i < c.n && !rc; i++)
        rc = zl_store_event_get(s, c.hash[i], rewrite_cb, &r);
    for (size_t i = 0; i < ds.n && !rc; i++)
        rc = relink_cb(&r, ds.v[i].hash, ds.v[i].party, ds.v[i].sig,
                       ds.v[i].bytes, ds.v[i].len);
    if (!rc)
        rc = rebuild_cases(s, &st);
    if (!rc) /* the credit index (lib/supervise/credit_index.c) */
        rc = zl_credit_index_build(s, NULL);
    if (!rc)
        rc = zl_store_commit(s);
    else
        zl_store_rollback(s);
    for (size_t i = 0; i < ds.n; i++) {
        zl_free(ds.v[i].party);
        zl_free(ds.v[i].sig);
        zl_free(ds.v[i].bytes);
    }
    zl_free(ds.v);
    zl_free(c.hash);
    audit_meta_free(r.meta);
    if (stats)
        *stats = st;
    return rc;
}
