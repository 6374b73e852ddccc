/*
 * verify.c - zl_audit_verify: every record against the log (see audit.h).
 *
 * Two passes. The log pass walks the leaves in order and asks us for each
 * leaf's record, recomputed from the store (so an edited field shows as a
 * changed leaf and a deleted row as a missing record). The record pass
 * walks the stored events and recall records and checks each has a leaf (so a
 * row inserted behind the log's back is named too). A capture receipt
 * (ZL_LEAF_CAPTURE) is recomputed from its rows; each event's record_time and
 * party must be what the first receipt listing it says (receipts.c), since no
 * event record states them. Recomputing from the stored JSON, not from a stored
 * pre-hash, is the point: the auditor trusts only the record and the signed
 * checkpoints. A recall record is recomputed by zl_recall_record_canon: RFC
 * 8785 canonical JSON for records marked "v": 2, the frozen pre-JCS form for
 * older ones (lib/recall/case.c), so neither depends on what the installed
 * jansson prints. A party registry record (ZL_LEAF_PARTY) is recomputed as
 * the JCS of its stored row, and the registry tables are compared with the
 * last record of each entry (registry.c). A supervision record
 * (ZL_LEAF_INSPECTION: registries, plans, draws) is the JCS of its row,
 * and each row's leaf column must say where the log has it
 * (lib/supervise/sup_registry.c). Named queries and subscriptions
 * (ZL_LEAF_SUBS) are the JCS of their subs_records row, and the
 * named_queries and subscriptions tables must say what the last record of
 * each says (lib/query/subs_log.c).
 */
#include "zhiliang/audit.h"

#include "audit/audit_int.h"
#include "capture/receipt.h"
#include "party/party_int.h"
#include "query/subs_log.h"
#include "store/store.h"
#include "store/store_correction.h"
#include "store/store_receipt.h"
#include "spc/spc_stream_int.h"
#include "supervise/sup_int.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/timefmt.h"
#include "zhiliang/log.h"
#include "zhiliang/recall.h"
#include "zhiliang/risk_intake.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int audit_report(struct audit *a, const char *kind, uint64_t index,
                 const char *key, const char *detail)
{
    struct zl_audit_issue is = {kind, index, key, detail};

    a->st.issues++;
    return a->cb ? a->cb(a->ctx, &is) : 0;
}

/* "ni:///sha-256;<64 hex>?ver=CBV2.0" -> 32 bytes. */
static int key_to_hash(const char *key, uint8_t hash[32])
{
    const char *p = strchr(key, ';');

    if (!p || strlen(p + 1) < 64)
        return ZL_EINVAL;
    return zl_hex_decode(p + 1, 64, hash, 32);
}

static int copy_json(void *ctx, const struct zl_stored_event *ev)
{
    struct audit *a = ctx;

    zl_free(a->json);
    a->json = zl_strndup(ev->json, ev->json_len);
    a->json_len = ev->json_len;
    return a->json ? 0 : ZL_ENOMEM;
}

/* A correction's record is its corrective event's text; it must still
 * hash (CBV 2.0) to the event it corrects, and that event must be
 * marked erroneous. */
struct corr {
    struct audit *a;
    struct zl_correction c; /* strings owned below */
    char *key, *party, *reason;
};

static char *dup_opt(const char *v)
{
    return v ? zl_strndup(v, strlen(v)) : NULL;
}

static int copy_correction(void *ctx, const struct zl_correction *c)
{
    struct corr *k = ctx;

    zl_free(k->a->json);
    k->a->json = zl_strndup(c->json, c->json_len);
    k->a->json_len = c->json_len;
    k->a->record_ms = c->record_time_ms;
    k->c = *c;
    k->c.key = k->key = dup_opt(c->key);
    k->c.party = k->party = dup_opt(c->party);
    k->c.reason = k->reason = dup_opt(c->reason);
    k->c.json = NULL;
    return k->a->json && k->key && (k->party || !c->party) &&
                   (k->reason || !c->reason)
               ? 0
               : ZL_ENOMEM;
}

static int marked_cb(void *ctx, const struct zl_stored_event *ev)
{
    *(int *)ctx = ev->has_error_declaration;
    return 0;
}

/* A correction's leaf, from its row: its text must still hash to the
 * event it corrects and to its key, the event must still be marked, and
 * the record (zl_correction_canon) commits to time, party and reason. */
static int recompute_correction(struct audit *a, const char *key,
                                const void **canon, size_t *len)
{
    struct corr k = {a, {0}, NULL, NULL, NULL};
    struct zl_error err = {0};
    struct zl_buf b;
    uint8_t again[32], sha[32];
    unsigned sl = 32;
    char hash_id[96], hex[65];
    size_t plen, pl = strlen(ZL_CORRECTION_KEY_PREFIX);
    int rc, marked = 0;

    rc = zl_store_correction_get(a->s, key, copy_correction, &k);
    if (rc)
        goto out;
    a->st.records++;
    zl_free(a->canon);
    a->canon = NULL;
    rc = ZL_ENOTFOUND; /* from here: altered, retargeted or unmarked */
    if (zl_epcis_event_hash(a->json, a->json_len, &a->canon, &plen, again,
                            hash_id, &err) ||
        memcmp(again, k.c.target, 32) ||
        zl_store_event_get(a->s, k.c.target, marked_cb, &marked) || !marked ||
        EVP_Digest(a->json, a->json_len, sha, &sl, EVP_sha256(), NULL) != 1)
        goto out;
    zl_hex_encode(sha, 32, hex);
    if (strncmp(key, ZL_CORRECTION_KEY_PREFIX, pl) || strcmp(key + pl, hex))
        goto out;
    zl_free(a->canon);
    a->canon = NULL;
    zl_buf_init(&b, 4096);
    rc = zl_correction_canon(&k.c, &b);
    if (!rc) {
        *len = b.len;
        a->canon = zl_buf_steal(&b);
        rc = a->canon ? 0 : ZL_ENOMEM;
    }
    zl_buf_cleanup(&b);
    *canon = a->canon;
out:
    zl_free(k.key);
    zl_free(k.party);
    zl_free(k.reason);
    return rc;
}

/* The module that rebuilds the canonical bytes of a record logged as a
 * leaf of leaf_type from what it stores, or NULL (events and corrections
 * are rebuilt here). */
typedef int (*record_canon_fn)(zl_store *s, const char *key, char **canon,
                               size_t *len);

static record_canon_fn record_canon_of(uint8_t leaf_type)
{
    switch (leaf_type) {
    case ZL_LEAF_RECALL: return zl_recall_record_canon;
    case ZL_LEAF_PARTY: return zl_registry_record_canon;
    case ZL_LEAF_INSPECTION: return zl_sup_record_canon;
    case ZL_LEAF_SPC: return zl_spc_record_canon;        /* lib/spc/stream.c */
    case ZL_LEAF_COMPLAINT: return zl_risk_record_canon; /* lib/risk */
    case ZL_LEAF_CAPTURE: return audit_receipt_canon;
    case ZL_LEAF_SUBS: return zl_subs_record_canon; /* lib/query/subs_log.c */
    default: return NULL;
    }
}

/* An event whose stored hash is not its record's (the CBV hash of its
 * JSON). The leaf names its event by rid on SQLite (schema 36), so the key
 * read back is whatever events.hash holds, and an edited hash (with its
 * hkey, so the event is still found) would pass the leaf's check: reported
 * here when the record still matches its leaf (an edited record is the
 * log pass's record-altered). */
static int hash_altered(struct audit *a, const char *key, const void *canon,
                        size_t len)
{
    uint8_t stored[32], leaf[32];
    int rc = zl_log_find(a->s, key, NULL, NULL, stored);

    if (rc == ZL_ENOTFOUND)
        return 0; /* no leaf: the event pass reports it unlogged */
    if (rc || (rc = zl_log_leaf_hash(ZL_LEAF_EVENT, canon, len, leaf)))
        return rc;
    if (memcmp(leaf, stored, 32))
        return 0;
    return audit_report(a, "event-hash-altered", 0, key,
                        "events.hash is not the CBV hash of the stored event");
}

static int recompute_record(struct audit *a, uint8_t leaf_type, const char *key,
                            const void **canon, size_t *len)
{
    record_canon_fn record_canon = record_canon_of(leaf_type);
    uint8_t hash[32], again[32];
    char hash_id[96];
    struct zl_error err = {0};
    int rc;

    if (record_canon) {
        zl_free(a->canon);
        a->canon = NULL;
        rc = record_canon(a->s, key, &a->canon, len);
        if (!rc)
            a->st.records++;
        *canon = a->canon;
        return rc;
    }
    if (leaf_type == ZL_LEAF_CORRECTION)
        return recompute_correction(a, key, canon, len);
    if (leaf_type != ZL_LEAF_EVENT)
        return ZL_EUNSUPPORTED;
    if (key_to_hash(key, hash))
        return ZL_ENOTFOUND;
    rc = zl_store_event_get(a->s, hash, copy_json, a);
    if (rc)
        return rc;
    a->st.records++;
    { /* the record time its capture receipt proves (-1: none) */
        const char *party;

        audit_meta_get(a->meta, hash, &a->record_ms, &party);
    }
    zl_free(a->canon);
    a->canon = NULL;
    rc = zl_epcis_event_hash(a->json, a->json_len, &a->canon, len, again,
                             hash_id, &err);
    if (rc)
        return ZL_ENOTFOUND; /* stored JSON no longer even parses */
    if (memcmp(again, hash, 32)) {
        /* Stored under the @context rule before issue 9: it must still
         * match under that rule (a preimage of its own hash either way). */
        char *old = NULL;
        size_t old_len = 0;

        if (zl_epcis_event_hash_legacy(a->json, a->json_len, &old, &old_len,
                                       again, hash_id, &err) == 0 &&
            !memcmp(again, hash, 32)) {
            zl_free(a->canon);
            a->canon = old;
            *len = old_len;
        } else {
            zl_free(old);
        }
    }
    *canon = a->canon;
    return memcmp(again, hash, 32) ? hash_altered(a, key, *canon, *len) : 0;
}

/* A leaf's record recomputed from the store (the log pass's source), and
 * the leaf checked against the outbox. */
static int recompute(void *ctx, uint8_t leaf_type, const char *key,
                     const void **canon, size_t *len)
{
    struct audit *a = ctx;
    int rc, orc;

    a->record_ms = -1;
    rc = recompute_record(a, leaf_type, key, canon, len);
    if ((rc == 0 || rc == ZL_ENOTFOUND) &&
        (orc = audit_outbox_leaf(a, leaf_type, key, a->record_ms,
                                 rc ? NULL : *canon, rc ? 0 : *len)))
        return orc;
    return rc;
}

static const char *kind_name(enum zl_log_issue_kind k)
{
    switch (k) {
    case ZL_LOGV_LEAF_CHANGED: return "record-altered";
    case ZL_LOGV_RECORD_MISSING: return "record-missing";
    case ZL_LOGV_LEAF_GAP: return "leaf-gap";
    case ZL_LOGV_LEAF_DUPLICATE: return "leaf-duplicate";
    case ZL_LOGV_NODE_CHANGED: return "node-changed";
    case ZL_LOGV_NODE_MISSING: return "node-missing";
    case ZL_LOGV_CHECKPOINT_SIG: return "checkpoint-signature";
    case ZL_LOGV_CHECKPOINT_ROOT: return "checkpoint-root";
    case ZL_LOGV_CHECKPOINT_CONSISTENCY: return "checkpoint-consistency";
    }
    return "log-issue";
}

static int on_log_issue(void *ctx, const struct zl_log_issue *is)
{
    struct audit *a = ctx;

    return audit_report(a, kind_name(is->kind), is->index, is->record_key,
                        is->detail);
}

/* A stored record must have its leaf; one without was slipped in
 * behind the log's back. */
static int check_key_logged(void *ctx, const char *key)
{
    struct audit *a = ctx;
    int rc = zl_log_find(a->s, key, NULL, NULL, NULL);

    if (rc == ZL_ENOTFOUND)
        return audit_report(a, "record-unlogged", 0, key,
                            "record stored without a log leaf (inserted behind"
                            " the log's back)");
    return rc;
}

/* The events row's capture metadata against the first receipt listing
 * the event. */
static int check_metadata(struct audit *a, const char *key,
                          const struct zl_stored_event *ev)
{
    char detail[400], t1[32], t2[32];
    const char *party = NULL;
    int64_t rt = 0;

    if (!audit_meta_get(a->meta, ev->hash, &rt, &party)) {
        if (audit_meta_unanchored_by(a->meta, ev->hash))
            return 0; /* counted for its receipt, reported after the events */
        return audit_report(a, "metadata-unanchored", 0, key,
                            "no capture receipt that verifies lists this "
                            "event: its record time and capturing party "
                            "are unproven");
    }
    if (audit_meta_seen(a->meta, ev->hash))
        return audit_report(a, "record-duplicated", 0, key,
                            "a second events row with this hash (written"
                            " behind the store's back)");
    if (rt != ev->record_time_ms) {
        zl_time_format_utc(ev->record_time_ms, t1);
        zl_time_format_utc(rt, t2);
        snprintf(detail, sizeof detail,
                 "events.record_time: stored %s, the capture receipt says %s",
                 t1, t2);
        return audit_report(a, "metadata-altered", 0, key, detail);
    }
    if (party ? !ev->party || strcmp(party, ev->party) : ev->party != NULL) {
        snprintf(detail, sizeof detail,
                 "events.party: stored %.150s, the capture receipt says %.150s",
                 ev->party ? ev->party : "(none)", party ? party : "(none)");
        return audit_report(a, "metadata-altered", 0, key, detail);
    }
    return 0;
}

static int sup_report(void *ctx, const char *kind, uint64_t index,
                      const char *key, const char *detail)
{
    return audit_report(ctx, kind, index, key, detail);
}

/* Each stored event: it has its leaf, its capture metadata is the one
 * its receipt states, and its derived rows say what its record says. */
static int check_event(void *ctx, const struct zl_stored_event *ev)
{
    struct audit *a = ctx;
    uint64_t before = a->st.issues;
    char key[96];
    int rc;

    zl_event_hash_id(ev->hash, key);
    rc = check_key_logged(ctx, key);
    /* an unlogged event is named once, as unlogged */
    if (!rc && a->st.issues == before)
        rc = check_metadata(ctx, key, ev);
    if (!rc)
        rc = audit_event_derived(ctx, ev);
    return rc;
}

int zl_audit_record_canon(zl_store *s, uint8_t leaf_type, const char *key,
                          char **canon, size_t *len)
{
    struct audit a = {0};
    const void *c = NULL;
    int rc;

    a.s = s;
    *canon = NULL;
    *len = 0;
    rc = recompute(&a, leaf_type, key, &c, len);
    if (!rc && c == a.canon) {
        *canon = a.canon; /* hand the owned copy over */
        a.canon = NULL;
    } else if (!rc) {
        *canon = zl_strndup(c, *len);
        rc = *canon ? 0 : ZL_ENOMEM;
    }
    zl_free(a.canon);
    zl_free(a.json);
    return rc;
}

int zl_audit_verify(zl_store *s, zl_audit_cb cb, void *ctx,
                    struct zl_audit_stats *stats)
{
    struct audit a = {0};
    struct zl_log_verify_stats ls = {0};
    struct zl_event_filter all = {0};
    int rc;

    a.s = s;
    a.cb = cb;
    a.ctx = ctx;
    /* the receipts first: an event's outbox row must carry the record
     * time its receipt proves */
    rc = audit_meta_build(s, &a.meta);
    if (!rc)
        rc = audit_outbox_begin(&a);
    if (!rc)
        rc = zl_log_verify_all(s, recompute, &a, on_log_issue, &a, &ls);
    if (rc && rc != ZL_ETAMPER)
        goto out;
    if ((rc = audit_outbox_end(&a)))
        goto out;
    a.st.leaves = ls.leaves;
    a.st.checkpoints = ls.checkpoints;
    rc = zl_store_events_query(s, &all, check_event, &a);
    if (!rc)
        rc = audit_meta_report_failed(&a);
    if (!rc)
        rc = zl_recall_record_keys(s, check_key_logged, &a);
    if (!rc)
        rc = zl_store_correction_keys(s, check_key_logged, &a);
    if (!rc)
        rc = zl_store_receipt_keys(s, check_key_logged, &a);
    if (!rc)
        rc = audit_registry_keys(s, check_key_logged, &a);
    if (!rc)
        rc = zl_sup_audit_rows(s, sup_report, &a);
    if (!rc)
        rc = zl_spc_audit_rows(s, sup_report, &a);
    if (!rc)
        rc = zl_risk_audit_rows(s, sup_report, &a);
    if (!rc)
        rc = zl_subs_audit_rows(s, sup_report, &a);
    if (!rc)
        rc = audit_derived_totals(&a);
    if (!rc)
        rc = audit_registry(&a);
    if (rc)
        goto out;
    rc = a.st.issues ? ZL_ETAMPER : 0;
out:
    if (stats)
        *stats = a.st;
    audit_meta_free(a.meta);
    audit_outbox_free(&a);
    zl_tix_check_cleanup(&a.tix);
    zl_free(a.canon);
    zl_free(a.json);
    return rc;
}

/* The newest stored checkpoint must verify with the anchor key. */
static int check_key(struct audit *a, const char *vkey)
{
    struct zl_error err = {0};
    struct zl_checkpoint ck;
    char *stored = NULL, *note = NULL;
    size_t n;
    int rc = zl_log_public_key(a->s, &stored);

    if (rc)
        return rc;
    n = strlen(stored);
    while (n && (stored[n - 1] == '\n' || stored[n - 1] == ' '))
        n--;
    if (strlen(vkey) != n || memcmp(stored, vkey, n))
        rc = audit_report(a, "anchor-key", 0, NULL,
                          "the store's signing key is not the key given: "
                          "checkpoints it signs prove nothing to you");
    if (!rc && !zl_log_checkpoint_latest(a->s, &note) &&
        zl_log_checkpoint_verify(note, strlen(note), vkey, &ck, &err))
        rc = audit_report(a, "anchor-signature", 0, NULL,
                          "the newest stored checkpoint is not signed by the "
                          "key given");
    zl_free(note);
    zl_free(stored);
    return rc;
}

/* The anchor checkpoint: signed, not ahead of the log, same root. */
static int check_checkpoint(struct audit *a, const struct zl_audit_anchor *an)
{
    struct zl_error err = {0};
    struct zl_checkpoint ck;
    char *stored = NULL, detail[300];
    uint8_t root[32];
    uint64_t size = 0;
    int rc = 0;

    if (!an->vkey && (rc = zl_log_public_key(a->s, &stored)))
        return rc;
    if (zl_log_checkpoint_verify(an->checkpoint, an->checkpoint_len,
                                 an->vkey ? an->vkey : stored, &ck, &err)) {
        snprintf(detail, sizeof detail,
                 "the checkpoint given does not verify: %.200s", err.rule);
        rc = audit_report(a, "anchor-signature", 0, NULL, detail);
        goto out;
    }
    rc = zl_log_size(a->s, &size);
    if (rc)
        goto out;
    if (ck.size > size) {
        snprintf(detail, sizeof detail,
                 "the checkpoint given covers %llu records, the log holds "
                 "only %llu: records were removed",
                 (unsigned long long)ck.size, (unsigned long long)size);
        rc = audit_report(a, "anchor-ahead", ck.size, NULL, detail);
        goto out;
    }
    rc = zl_log_root(a->s, ck.size, root);
    if (!rc && memcmp(root, ck.root, 32))
        rc = audit_report(a, "anchor-root", ck.size, NULL,
                          "the log's root at the checkpoint's size differs "
                          "from the one signed: history was rewritten");
out:
    zl_free(stored);
    return rc;
}

static int forward(void *ctx, const struct zl_audit_issue *is)
{
    struct audit *a = ctx;

    return a->cb ? a->cb(a->ctx, is) : 0;
}

int zl_audit_verify_anchored(zl_store *s, const struct zl_audit_anchor *an,
                             zl_audit_cb cb, void *ctx,
                             struct zl_audit_stats *stats)
{
    struct audit a = {0};
    int rc;

    a.s = s;
    a.cb = cb;
    a.ctx = ctx;
    rc = zl_audit_verify(s, forward, &a, &a.st);
    if (rc && rc != ZL_ETAMPER)
        goto out;
    rc = 0;
    if (an && an->vkey)
        rc = check_key(&a, an->vkey);
    if (!rc && an && an->checkpoint)
        rc = check_checkpoint(&a, an);
    if (!rc)
        rc = a.st.issues ? ZL_ETAMPER : 0;
out:
    if (stats)
        *stats = a.st;
    return rc;
}
