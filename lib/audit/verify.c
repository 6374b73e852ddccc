/*
 * verify.c - zl_audit_verify: every record against the log (see audit.h).
 *
 * Two passes. The log pass walks the leaves in order and asks us for each
 * leaf's record, recomputed from the store (so an edited field shows as a
 * changed leaf and a deleted row as a missing record). The record pass
 * walks the stored events and recall records and checks each has a leaf (so a row inserted
 * behind the log's back is named too). Recomputing from the stored JSON,
 * not from a stored pre-hash, is the point: the auditor trusts only the
 * record and the signed checkpoints.
 */
#include "zhiliang/audit.h"

#include "store/store.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "zhiliang/log.h"
#include "zhiliang/recall.h"

#include <stdio.h>
#include <string.h>

struct audit {
    zl_store *s;
    zl_audit_cb cb;
    void *ctx;
    struct zl_audit_stats st;
    char *canon;          /* last recomputed pre-hash (owned) */
    char *json;           /* event JSON copied out of the store row */
    size_t json_len;
    int fail;             /* negative error that stops verification */
};

static int report(struct audit *a, const char *kind, uint64_t index,
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

static int recompute(void *ctx, uint8_t leaf_type, const char *key,
                     const void **canon, size_t *len)
{
    struct audit *a = ctx;
    uint8_t hash[32], again[32];
    char hash_id[96];
    struct zl_error err = {0};
    int rc;

    if (leaf_type == ZL_LEAF_RECALL) {
        zl_free(a->canon);
        a->canon = NULL;
        rc = zl_recall_record_canon(a->s, key, &a->canon, len);
        if (!rc)
            a->st.records++;
        *canon = a->canon;
        return rc;
    }
    if (leaf_type != ZL_LEAF_EVENT)
        return ZL_EUNSUPPORTED;
    if (key_to_hash(key, hash))
        return ZL_ENOTFOUND;
    rc = zl_store_event_get(a->s, hash, copy_json, a);
    if (rc)
        return rc;
    a->st.records++;
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
    return 0;
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

    return report(a, kind_name(is->kind), is->index, is->record_key,
                  is->detail);
}

/* A stored record must have its leaf; one without was slipped in
 * behind the log's back. */
static int check_key_logged(void *ctx, const char *key)
{
    struct audit *a = ctx;
    int rc = zl_log_find(a->s, key, NULL, NULL, NULL);

    if (rc == ZL_ENOTFOUND)
        return report(a, "record-unlogged", 0, key,
                      "record stored without a log leaf (inserted behind"
                      " the log's back)");
    return rc;
}

static int check_event_logged(void *ctx, const struct zl_stored_event *ev)
{
    char key[96];

    zl_event_hash_id(ev->hash, key);
    return check_key_logged(ctx, key);
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
    rc = zl_log_verify_all(s, recompute, &a, on_log_issue, &a, &ls);
    if (rc && rc != ZL_ETAMPER)
        goto out;
    a.st.leaves = ls.leaves;
    a.st.checkpoints = ls.checkpoints;
    rc = zl_store_events_query(s, &all, check_event_logged, &a);
    if (!rc)
        rc = zl_recall_record_keys(s, check_key_logged, &a);
    if (rc)
        goto out;
    rc = a.st.issues ? ZL_ETAMPER : 0;
out:
    if (stats)
        *stats = a.st;
    zl_free(a.canon);
    zl_free(a.json);
    return rc;
}
