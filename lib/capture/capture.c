/*
 * capture.c - zl_capture: one EPCIS document into the store and the log.
 *
 * Pipeline: parse + validate the whole document first (nothing touches
 * the store until every event is known good), then one write transaction
 * in which each new event gets its rows and its Merkle log leaf. Only the
 * commit makes any of it visible, so a crash at any point leaves either
 * the whole document or none of it, and store and log always agree.
 *
 * Idempotence: an event whose CBV 2.0 hash is already stored is counted
 * as a duplicate and skipped, so capturing a document twice changes
 * nothing (not even the log). The exception is a corrective event: it
 * carries errorDeclaration, which the CBV 2.0 hash leaves out, so it
 * hashes to the event it withdraws. It becomes a correction record
 * (store_correction.h) with its own log leaf, keyed by the SHA-256 of its
 * text, so the same correction twice is again a duplicate.
 *
 * Authority: when the options name a party, every event passes the write
 * rule (zl_authz_check_event, docs/access.md) before the transaction, so
 * the command line and the HTTP server cannot disagree about it.
 *
 * Receipt: the events a capture stores are listed, with the capture's
 * record time, party and document hash, in one capture receipt
 * (receipt.h), logged in the same transaction, so verify can check the
 * capture metadata the CBV 2.0 hash leaves out. One leaf a document.
 *
 * Each new event also gets an outbox row (kind "event", key its hash in
 * hex) in the same transaction, so followers of the outbox see exactly
 * the committed events.
 */
#include "zhiliang/zhiliang.h"

#include "capture/proceed.h"
#include "capture/receipt.h"
#include "store/store.h"
#include "store/store_correction.h"
#include "store/store_docs.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/timefmt.h"
#include "zhiliang/codec.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "zhiliang/sign.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <string.h>

/* err's path, relative to event i, becomes the document path. */
static void absolute_path(struct zl_error *err, size_t i)
{
    char rel[200];

    if (!err || !strncmp(err->path, "$.", 2))
        return;
    snprintf(rel, sizeof rel, "%.199s", err->path);
    snprintf(err->path, sizeof err->path, "$.epcisBody.eventList[%zu]%s%s", i,
             rel[0] ? "." : "", rel);
}

/* The write rule for the options' party, then the caller's hook; under
 * proceed a refused event is marked in refused[] instead of failing the
 * capture. Errors other than a refusal always fail it. */
static int authorize(zl_store *s, const struct zl_capture_opts *o,
                     const char *buf, size_t len, const zl_epcis_doc *doc,
                     char *refused, size_t *n_refused, struct zl_error *err)
{
    size_t n = zl_epcis_doc_count(doc);
    struct zl_authz_party me;
    int rc;

    if (!o || (!o->authorize && !o->party))
        return 0;
    if (o->party && (rc = zl_authz_party(s, o->party, &me, err)))
        return rc;
    if (o->authorize &&
        (rc = o->authorize(o->authorize_ctx, buf, len, NULL, 0, err)))
        return rc < 0 ? rc : ZL_EPERM;
    for (size_t i = 0; i < n; i++) {
        const struct zl_event *ev = zl_epcis_doc_event(doc, i);

        rc = o->party ? zl_authz_check_event_as(s, &me, ev, err) : 0;
        if (!rc && o->authorize)
            rc = o->authorize(o->authorize_ctx, buf, len, ev, i, err);
        if (!rc)
            continue;
        if (rc > 0)
            rc = ZL_EPERM;
        if (rc != ZL_EPERM)
            return rc;
        absolute_path(err, i);
        if (o->refused)
            o->refused(o->refused_ctx, i, err);
        if (!o->proceed_on_error)
            return rc;
        refused[i] = 1;
        (*n_refused)++;
    }
    return 0;
}

/* A corrective event for a stored one: its own record and log leaf. */
static int store_correction(zl_store *s, const struct zl_event *ev,
                            const struct zl_capture_opts *o,
                            struct zl_capture_result *res)
{
    struct zl_correction c;
    uint8_t d[32];
    unsigned int dl = 32;
    char key[64 + 32];
    int rc;

    if (EVP_Digest(ev->json, ev->json_len, d, &dl, EVP_sha256(), NULL) != 1)
        return ZL_ENOMEM;
    memcpy(key, ZL_CORRECTION_KEY_PREFIX, sizeof ZL_CORRECTION_KEY_PREFIX);
    zl_hex_encode(d, 32, key + sizeof ZL_CORRECTION_KEY_PREFIX - 1);
    memset(&c, 0, sizeof c);
    c.key = key;
    memcpy(c.target, ev->hash, 32);
    c.record_time_ms = res->record_time_ms;
    c.party = o ? o->party : NULL;
    c.reason = ev->error_declaration_reason;
    c.json = ev->json;
    c.json_len = ev->json_len;
    rc = zl_store_correction_put(s, &c);
    if (rc == ZL_EEXIST) {
        res->n_duplicate++;
        return 0;
    }
    if (!rc) {
        struct zl_buf canon;

        zl_buf_init(&canon, 4096);
        rc = zl_correction_canon(&c, &canon);
        if (!rc)
            rc = zl_log_append(s, ZL_LEAF_CORRECTION, key, canon.data,
                               canon.len, NULL);
        zl_buf_cleanup(&canon);
    }
    if (!rc) /* followers re-read the corrected event: key its hash */
        rc = zl_store_outbox_append(s, "correction", key, res->record_time_ms);
    if (!rc)
        res->n_corrected++;
    return rc;
}

/* Keep a signed document and link its events to it (the signature was
 * checked before the transaction began). */
static int keep_signed(zl_store *s, const char *buf, size_t len,
                       const uint8_t doc_hash[32], const zl_epcis_doc *doc,
                       const struct zl_capture_opts *o)
{
    size_t n = zl_epcis_doc_count(doc);
    int rc;

    rc = zl_store_signed_doc_put(s, doc_hash, o->party, o->signature_b64, buf,
                                 len);
    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_store_event_doc_link(s, zl_epcis_doc_event(doc, i)->hash,
                                     doc_hash);
    return rc;
}

/* The events stored are listed in stored[] (room for every event). */
static int store_events(zl_store *s, const zl_epcis_doc *doc,
                        const char *refused, const struct zl_capture_opts *o,
                        struct zl_capture_result *res, uint8_t (*stored)[32])
{
    size_t n = zl_epcis_doc_count(doc);
    char hex[65];
    int rc;

    for (size_t i = 0; i < n; i++) {
        const struct zl_event *ev = zl_epcis_doc_event(doc, i);

        if (refused && refused[i])
            continue;
        /* the insert is the existence check: ZL_EEXIST = already stored */
        rc =
            zl_store_event_put(s, ev, res->record_time_ms, o ? o->party : NULL);
        if (rc == ZL_EEXIST && ev->has_error_declaration) {
            if ((rc = store_correction(s, ev, o, res)))
                return rc;
            continue;
        }
        if (rc == ZL_EEXIST) {
            res->n_duplicate++;
            continue;
        }
        if (rc)
            return rc;
        rc = zl_log_append(s, ZL_LEAF_EVENT, ev->hash_id, ev->prehash,
                           ev->prehash_len, NULL);
        if (rc)
            return rc;
        zl_hex_encode(ev->hash, 32, hex);
        rc = zl_store_outbox_append(s, "event", hex, res->record_time_ms);
        if (rc)
            return rc;
        memcpy(stored[res->n_new], ev->hash, 32);
        res->n_new++;
        if (o && o->progress && (i + 1) % 4096 == 0)
            o->progress(o->progress_ctx, i + 1, n);
    }
    return 0;
}

/* A parsed document waiting for its store stage (zl_capture_parse). */
struct zl_capture_doc {
    const char *buf; /* the caller's bytes, alive until the store stage */
    size_t len;
    zl_epcis_doc *doc;
    struct zl_capture_split *split; /* proceed: the valid events' document */
    uint8_t doc_hash[32];
};

void zl_capture_doc_free(zl_capture_doc *d)
{
    if (!d)
        return;
    zl_capture_split_free(d->split);
    zl_epcis_doc_free(d->doc);
    zl_free(d);
}

int zl_capture_parse(const char *buf, size_t len,
                     const struct zl_capture_opts *opts, zl_capture_doc **out,
                     struct zl_error *err)
{
    zl_capture_doc *d = zl_calloc(1, sizeof *d);
    unsigned int hl = 32;
    int rc;

    *out = NULL;
    if (!d)
        return ZL_ENOMEM;
    d->buf = buf;
    d->len = len;
    /* XML (EPCIS 1.2/2.0 binding) or JSON: told apart by the first byte */
    if (zl_epcis_is_xml(buf, len)) {
        struct zl_epcis_opts xo = {opts ? opts->limits : NULL, 0, NULL, 0};
        rc = zl_epcis_parse_xml(buf, len, &xo, &d->doc, err);
    } else {
        rc = zl_epcis_parse(buf, len, opts ? opts->limits : NULL, &d->doc, err);
    }
    /* proceed: keep the valid events, report each invalid one (proceed.c) */
    if (rc && rc != ZL_ESYNTAX && rc != ZL_ELIMIT && rc != ZL_ENOMEM && opts &&
        opts->proceed_on_error)
        rc = zl_capture_split(buf, len, opts, &d->doc, &d->split, rc, err);
    if (!rc && EVP_Digest(buf, len, d->doc_hash, &hl, EVP_sha256(), NULL) != 1)
        rc = ZL_ENOMEM;
    if (rc) {
        zl_capture_doc_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

int zl_capture_store(zl_store *s, const zl_capture_doc *d,
                     const struct zl_capture_opts *opts,
                     struct zl_capture_result *res, struct zl_error *err)
{
    const zl_epcis_doc *doc = d->doc;
    const char *buf = d->buf;
    size_t len = d->len;
    char *refused = NULL;
    uint8_t(*stored)[32] = NULL;
    struct zl_capture_result local;
    int rc, nested;

    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    if (d->split) {
        opts = &d->split->opts;
        res->n_refused = d->split->n_refused;
    }
    res->n_events = zl_epcis_doc_count(doc);
    refused = zl_calloc(res->n_events + 1, 1);
    stored = zl_malloc((res->n_events + 1) * sizeof *stored);
    if (!refused || !stored) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (opts && opts->signature_b64) {
        rc = zl_signature_check_party(s, opts->party, buf, len,
                                      opts->signature_b64, err);
        if (rc)
            goto out;
    }
    rc = authorize(s, opts, buf, len, doc, refused, &res->n_refused, err);
    if (rc)
        goto out;
    res->record_time_ms = zl_time_now_ms();
    /* in a caller's batch (zl_capture_batch_begin) the document is a
     * savepoint of the batch's transaction, else a transaction */
    nested = zl_store_in_tx(s);
    rc = nested ? zl_store_savepoint(s) : zl_store_begin(s);
    if (rc)
        goto out;
    rc = store_events(s, doc, refused, opts, res, stored);
    if (!rc && res->n_new)
        rc = zl_receipt_capture(s, res->record_time_ms,
                                opts ? opts->party : NULL, d->doc_hash,
                                (const uint8_t(*)[32])stored, res->n_new);
    if (!rc && opts && opts->signature_b64)
        rc = keep_signed(s, buf, len, d->doc_hash, doc, opts);
    if (!rc)
        rc = nested ? zl_store_release(s) : zl_store_commit(s);
    if (rc) {
        if (nested)
            zl_store_rollback_to(s);
        else
            zl_store_rollback(s);
        res->n_new = res->n_duplicate = res->n_corrected = 0;
        if (err && !err->code)
            zl_error_set(err, rc, "", "the store refused the write",
                         zl_strerror(rc), (size_t)-1);
        goto out;
    }
    if (opts && opts->progress)
        opts->progress(opts->progress_ctx, res->n_events, res->n_events);
    zl_log_size(s, &res->log_size);
out:
    if (d->split)
        res->n_events = d->split->n_total;
    zl_free(refused);
    zl_free(stored);
    return rc;
}

int zl_capture(zl_store *s, const char *buf, size_t len,
               const struct zl_capture_opts *opts,
               struct zl_capture_result *res, struct zl_error *err)
{
    zl_capture_doc *d = NULL;
    int rc = zl_capture_parse(buf, len, opts, &d, err);

    if (rc) {
        if (res)
            memset(res, 0, sizeof *res);
        return rc;
    }
    rc = zl_capture_store(s, d, opts, res, err);
    zl_capture_doc_free(d);
    return rc;
}

int zl_capture_batch_begin(zl_store *s)
{
    int rc;

    if (zl_store_in_tx(s))
        return ZL_EINVAL;
    if ((rc = zl_store_bulk(s)))
        return rc;
    return zl_store_begin(s);
}

int zl_capture_batch_commit(zl_store *s)
{
    int rc;

    if (!zl_store_in_tx(s))
        return ZL_EINVAL;
    if ((rc = zl_store_commit(s)))
        zl_store_rollback(s);
    return rc;
}

void zl_capture_batch_abort(zl_store *s)
{
    zl_store_rollback(s);
}
