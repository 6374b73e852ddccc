/*
 * store_ext.c - the dispatchers of the modules built on the store
 * (store_log.h, store_trace.h, store_party.h, store_recall.h,
 * store_docs.h): each finds its module's table in the handle's backend
 * (backend.h) and calls through it, or answers ZL_EUNSUPPORTED when the
 * backend lacks the module.
 *
 * Schema hooks are not called from here: each module table carries its
 * own, and store.c walks the backend's modules[] when it creates a store.
 */
#include "store/backend.h"

#include <string.h>

#define LOG(s)    ZL_STORE_MODULE(s, ZL_STORE_MOD_LOG, zl_store_log_ops)
#define TRACE(s)  ZL_STORE_MODULE(s, ZL_STORE_MOD_TRACE, zl_store_trace_ops)
#define PARTY(s)  ZL_STORE_MODULE(s, ZL_STORE_MOD_PARTY, zl_store_party_ops)
#define RECALL(s) ZL_STORE_MODULE(s, ZL_STORE_MOD_RECALL, zl_store_recall_ops)
#define DOCS(s)   ZL_STORE_MODULE(s, ZL_STORE_MOD_DOCS, zl_store_docs_ops)
#define AUDIT(s)  ZL_STORE_MODULE(s, ZL_STORE_MOD_AUDIT, zl_store_audit_ops)
#define CORR(s)                                                                \
    ZL_STORE_MODULE(s, ZL_STORE_MOD_CORRECTION, zl_store_correction_ops)
#define RECEIPT(s)                                                             \
    ZL_STORE_MODULE(s, ZL_STORE_MOD_RECEIPT, zl_store_receipt_ops)
#define SUP(s) ZL_STORE_MODULE(s, ZL_STORE_MOD_SUPERVISE, zl_store_sup_ops)
#define LOOKUPS(s)                                                             \
    ZL_STORE_MODULE(s, ZL_STORE_MOD_LOOKUPS, zl_store_lookups_ops)

/* Call fn of module table m with the handle and the rest of the
 * arguments, or answer ZL_EUNSUPPORTED when the backend lacks m. */
#define DISPATCH(m, fn, ...) ((m) ? (m)->fn(__VA_ARGS__) : ZL_EUNSUPPORTED)

/* ---- log ----------------------------------------------------------------- */

int zl_store_log_in_tx(zl_store *s)
{
    return zl_store_in_tx(s);
}

int zl_store_log_leaf_put(zl_store *s, uint64_t index, uint8_t leaf_type,
                          const char *record_key, const uint8_t hash[32])
{
    return DISPATCH(LOG(s), leaf_put, s, index, leaf_type, record_key, hash);
}

int zl_store_log_node_put(zl_store *s, unsigned level, uint64_t index,
                          const uint8_t hash[32])
{
    return DISPATCH(LOG(s), node_put, s, level, index, hash);
}

int zl_store_log_node_get(zl_store *s, unsigned level, uint64_t index,
                          uint8_t hash[32])
{
    return DISPATCH(LOG(s), node_get, s, level, index, hash);
}

int zl_store_log_node_kept(zl_store *s, unsigned level)
{
    return !LOG(s) || !LOG(s)->node_kept || LOG(s)->node_kept(s, level);
}

int zl_store_log_tail(zl_store *s, uint64_t *size, uint8_t last[32])
{
    return DISPATCH(LOG(s), tail, s, size, last);
}

int zl_store_log_find(zl_store *s, const char *record_key, uint64_t *index,
                      uint8_t *leaf_type, uint8_t hash[32])
{
    return DISPATCH(LOG(s), find, s, record_key, index, leaf_type, hash);
}

int zl_store_log_leaves(zl_store *s, zl_store_log_leaf_cb cb, void *ctx)
{
    return DISPATCH(LOG(s), leaves, s, cb, ctx);
}

int zl_store_log_checkpoint_put(zl_store *s, uint64_t size,
                                const uint8_t root[32], const char *note,
                                int64_t issued_ms)
{
    return DISPATCH(LOG(s), checkpoint_put, s, size, root, note, issued_ms);
}

int zl_store_log_checkpoint_get(zl_store *s, uint64_t size, char **note)
{
    *note = NULL;
    return DISPATCH(LOG(s), checkpoint_get, s, size, note);
}

int zl_store_log_checkpoints(zl_store *s, zl_store_log_checkpoint_cb cb,
                             void *ctx)
{
    return DISPATCH(LOG(s), checkpoints, s, cb, ctx);
}

int zl_store_log_bytes(zl_store *s, uint64_t *bytes)
{
    *bytes = 0;
    return DISPATCH(LOG(s), bytes, s, bytes);
}

/* ---- trace scans --------------------------------------------------------- */

int zl_store_trace_scan_events(zl_store *s, int64_t since_rt, zl_event_cb cb,
                               void *ctx)
{
    return DISPATCH(TRACE(s), scan_events, s, since_rt, cb, ctx);
}

int zl_store_trace_scan_ids(zl_store *s, zl_id_cb cb, void *ctx)
{
    return DISPATCH(TRACE(s), scan_ids, s, cb, ctx);
}

int zl_store_trace_scan_refs(zl_store *s, zl_trace_ref_cb cb, void *ctx)
{
    return DISPATCH(TRACE(s), scan_refs, s, cb, ctx);
}

int zl_store_trace_events_meta(zl_store *s, const uint8_t (*hashes)[32],
                               size_t n, zl_event_cb cb, void *ctx)
{
    return DISPATCH(TRACE(s), events_meta, s, hashes, n, cb, ctx);
}

int zl_store_trace_events_refs(zl_store *s, const uint8_t (*hashes)[32],
                               size_t n, zl_trace_ref_cb cb, void *ctx)
{
    return DISPATCH(TRACE(s), events_refs, s, hashes, n, cb, ctx);
}

/* ---- parties, products, tokens ------------------------------------------- */

int zl_store_party_put(zl_store *s, const struct zl_party *p, int replace)
{
    return DISPATCH(PARTY(s), party_put, s, p, replace);
}

int zl_store_party_get(zl_store *s, const char *key, zl_party_cb cb, void *ctx)
{
    return DISPATCH(PARTY(s), party_get, s, key, cb, ctx);
}

int zl_store_party_list(zl_store *s, zl_party_cb cb, void *ctx)
{
    return DISPATCH(PARTY(s), party_list, s, cb, ctx);
}

int zl_store_gln_owner(zl_store *s, const char *gln,
                       char party_id[ZL_PARTY_ID_MAX])
{
    return DISPATCH(PARTY(s), gln_owner, s, gln, party_id);
}

int zl_store_location_name(zl_store *s, const char *gln, const char *name_zh,
                           const char *name_en)
{
    return DISPATCH(PARTY(s), location_name, s, gln, name_zh, name_en);
}

int zl_store_location_get(zl_store *s, const char *gln, zl_location_cb cb,
                          void *ctx)
{
    return DISPATCH(PARTY(s), location_get, s, gln, cb, ctx);
}

int zl_store_product_put(zl_store *s, const struct zl_product *p)
{
    return DISPATCH(PARTY(s), product_put, s, p);
}

int zl_store_product_get(zl_store *s, const char *gtin14, zl_product_cb cb,
                         void *ctx)
{
    return DISPATCH(PARTY(s), product_get, s, gtin14, cb, ctx);
}

int zl_store_product_list(zl_store *s, zl_product_cb cb, void *ctx)
{
    return DISPATCH(PARTY(s), product_list, s, cb, ctx);
}

int zl_store_token_put(zl_store *s, const char *id, const char *party_id,
                       const char *hash_hex, int64_t created_ms)
{
    return DISPATCH(PARTY(s), token_put, s, id, party_id, hash_hex, created_ms);
}

int zl_store_token_revoke(zl_store *s, const char *id, int64_t now_ms)
{
    return DISPATCH(PARTY(s), token_revoke, s, id, now_ms);
}

int zl_store_token_get(zl_store *s, const char *id,
                       char party_id[ZL_PARTY_ID_MAX], char hash_hex[65],
                       int64_t *revoked_ms)
{
    return DISPATCH(PARTY(s), token_get, s, id, party_id, hash_hex, revoked_ms);
}

int zl_store_token_list(zl_store *s, const char *party_id, zl_token_cb cb,
                        void *ctx)
{
    return DISPATCH(PARTY(s), token_list, s, party_id, cb, ctx);
}

/* ---- recall cases -------------------------------------------------------- */

int zl_store_recall_record_put(zl_store *s, const char *case_id, long seq,
                               const char *kind, const char *json, size_t len)
{
    return DISPATCH(RECALL(s), record_put, s, case_id, seq, kind, json, len);
}

int zl_store_recall_record_get(zl_store *s, const char *case_id, long seq,
                               char **json, size_t *len)
{
    *json = NULL;
    return DISPATCH(RECALL(s), record_get, s, case_id, seq, json, len);
}

int zl_store_recall_records(zl_store *s, const char *case_id,
                            zl_store_recall_record_cb cb, void *ctx)
{
    return DISPATCH(RECALL(s), records, s, case_id, cb, ctx);
}

int zl_store_recall_all_keys(zl_store *s, zl_store_recall_key_cb cb, void *ctx)
{
    return DISPATCH(RECALL(s), all_keys, s, cb, ctx);
}

int zl_store_recall_last_seq(zl_store *s, const char *case_id, long *seq)
{
    return DISPATCH(RECALL(s), last_seq, s, case_id, seq);
}

int zl_store_recall_case_put(zl_store *s, const struct zl_store_recall_case *r)
{
    return DISPATCH(RECALL(s), case_put, s, r);
}

int zl_store_recall_case_list(zl_store *s, const char *case_id, int open_only,
                              zl_store_recall_case_cb cb, void *ctx)
{
    return DISPATCH(RECALL(s), case_list, s, case_id, open_only, cb, ctx);
}

int zl_store_recall_ids_put(zl_store *s, const char *case_id,
                            const char *const *ids, size_t n)
{
    return DISPATCH(RECALL(s), ids_put, s, case_id, ids, n);
}

int zl_store_recall_cases_for_id(zl_store *s, const char *id,
                                 zl_store_recall_case_cb cb, void *ctx)
{
    return DISPATCH(RECALL(s), cases_for_id, s, id, cb, ctx);
}

int zl_store_recall_cases_with_id(zl_store *s, const char *id,
                                  zl_store_recall_case_cb cb, void *ctx)
{
    return DISPATCH(RECALL(s), cases_with_id, s, id, cb, ctx);
}

/* ---- signed documents ---------------------------------------------------- */

int zl_store_signed_doc_put(zl_store *s, const uint8_t doc_hash[32],
                            const char *party, const char *sig_b64,
                            const char *doc, size_t len)
{
    return DISPATCH(DOCS(s), signed_doc_put, s, doc_hash, party, sig_b64, doc,
                    len);
}

int zl_store_event_doc_link(zl_store *s, const uint8_t event_hash[32],
                            const uint8_t doc_hash[32])
{
    return DISPATCH(DOCS(s), event_doc_link, s, event_hash, doc_hash);
}

int zl_store_signed_doc_for_event(zl_store *s, const uint8_t event_hash[32],
                                  zl_signed_doc_cb cb, void *ctx)
{
    return DISPATCH(DOCS(s), signed_doc_for_event, s, event_hash, cb, ctx);
}

/* ---- audit (verify and reindex) ------------------------------------------ */

int zl_store_derived_counts(zl_store *s, struct zl_store_derived_counts *c)
{
    return DISPATCH(AUDIT(s), derived_counts, s, c);
}

int zl_store_sites_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx)
{
    const struct zl_store_audit_ops *m = AUDIT(s);

    return m && m->sites_check ? m->sites_check(s, cb, ctx) : 0;
}

int zl_store_trade_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx)
{
    const struct zl_store_audit_ops *m = AUDIT(s);

    return m && m->trade_check ? m->trade_check(s, cb, ctx) : 0;
}

int zl_store_id_row_get(zl_store *s, const char *id, int64_t event_time_ms,
                        const uint8_t hash[32], enum zl_id_role role,
                        zl_id_cb cb, void *ctx)
{
    return DISPATCH(AUDIT(s), id_row_get, s, id, event_time_ms, hash, role, cb,
                    ctx);
}

int zl_store_signed_docs_all(zl_store *s, zl_store_doc_cb cb, void *ctx)
{
    return DISPATCH(AUDIT(s), signed_docs_all, s, cb, ctx);
}

int zl_store_doc_link_exists(zl_store *s, const uint8_t event_hash[32],
                             const uint8_t doc_hash[32])
{
    return DISPATCH(AUDIT(s), doc_link_exists, s, event_hash, doc_hash);
}

int zl_store_derived_clear(zl_store *s)
{
    int rc = DISPATCH(AUDIT(s), derived_clear, s);

    return rc ? rc : zl_tix_clear(s);
}

int zl_store_event_replace(zl_store *s, const struct zl_event *ev,
                           int64_t record_time_ms, const char *party)
{
    int rc = DISPATCH(AUDIT(s), event_replace, s, ev, record_time_ms, party);

    return rc ? rc : zl_tix_add(s, ev, record_time_ms);
}

int zl_store_recall_ids_of(zl_store *s, const char *case_id,
                           int (*cb)(void *ctx, const char *id), void *ctx)
{
    return DISPATCH(AUDIT(s), recall_ids_of, s, case_id, cb, ctx);
}

/* ---- corrections -----------------------------------------------------------
 */

int zl_store_correction_put(zl_store *s, const struct zl_correction *c)
{
    int rc = DISPATCH(CORR(s), put, s, c);

    return rc ? rc : zl_tix_mark_erroneous(s, c->target);
}

int zl_store_correction_get(zl_store *s, const char *key, zl_correction_cb cb,
                            void *ctx)
{
    return DISPATCH(CORR(s), get, s, key, cb, ctx);
}

int zl_store_corrections_of(zl_store *s, const uint8_t target[32],
                            zl_correction_cb cb, void *ctx)
{
    return DISPATCH(CORR(s), of, s, target, cb, ctx);
}

int zl_store_corrections_for_id(zl_store *s, const char *id,
                                zl_correction_cb cb, void *ctx)
{
    return DISPATCH(CORR(s), for_id, s, id, cb, ctx);
}

int zl_store_correction_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                             void *ctx)
{
    return DISPATCH(CORR(s), keys, s, cb, ctx);
}

int zl_store_correction_count(zl_store *s, int64_t *n)
{
    *n = 0;
    return DISPATCH(CORR(s), count, s, n);
}

int zl_store_prefix_owner(zl_store *s, const char *digits,
                          char party_id[ZL_PARTY_ID_MAX], char prefix[13])
{
    return DISPATCH(PARTY(s), prefix_owner, s, digits, party_id, prefix);
}

int zl_store_registry_put(zl_store *s, const char *key, const char *kind,
                          const char *json, size_t len, long *seq)
{
    return DISPATCH(PARTY(s), registry_put, s, key, kind, json, len, seq);
}

int zl_store_registry_get(zl_store *s, const char *key, long seq, char **json,
                          size_t *len)
{
    return DISPATCH(PARTY(s), registry_get, s, key, seq, json, len);
}

int zl_store_registry_each(zl_store *s, int last_only, zl_store_registry_cb cb,
                           void *ctx)
{
    return DISPATCH(PARTY(s), registry_each, s, last_only, cb, ctx);
}

int zl_store_registry_clear(zl_store *s)
{
    return DISPATCH(PARTY(s), registry_clear, s);
}

int zl_store_token_restore(zl_store *s, const char *id, const char *party_id,
                           int64_t created_ms, int64_t revoked_ms)
{
    return DISPATCH(PARTY(s), token_restore, s, id, party_id, created_ms,
                    revoked_ms);
}

int zl_store_registry_orphans(zl_store *s, zl_store_registry_key_cb cb,
                              void *ctx)
{
    return DISPATCH(PARTY(s), registry_orphans, s, cb, ctx);
}

/* ---- capture receipts ------------------------------------------------------
 */

int zl_store_receipt_put(zl_store *s, const struct zl_receipt_group *g)
{
    return DISPATCH(RECEIPT(s), put, s, g);
}

int zl_store_receipt_get(zl_store *s, const char *key, zl_receipt_group_cb cb,
                         void *ctx)
{
    return DISPATCH(RECEIPT(s), get, s, key, cb, ctx);
}

int zl_store_receipt_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                          void *ctx)
{
    return DISPATCH(RECEIPT(s), keys, s, cb, ctx);
}

/* ---- supervision records ------------------------------------------------- */

int zl_store_sup_put(zl_store *s, const struct zl_store_sup_record *r)
{
    return DISPATCH(SUP(s), put, s, r);
}

int zl_store_sup_get(zl_store *s, const char *key, long seq, zl_store_sup_cb cb,
                     void *ctx)
{
    return DISPATCH(SUP(s), get, s, key, seq, cb, ctx);
}

int zl_store_sup_last_seq(zl_store *s, const char *key, long *seq)
{
    *seq = 0;
    return DISPATCH(SUP(s), last_seq, s, key, seq);
}

int zl_store_sup_range(zl_store *s, const char *lo, const char *hi,
                       int64_t before, zl_store_sup_cb cb, void *ctx)
{
    return DISPATCH(SUP(s), range, s, lo, hi, before, cb, ctx);
}

int zl_store_sup_by_uscc(zl_store *s, const char *uscc, zl_store_sup_cb cb,
                         void *ctx)
{
    return DISPATCH(SUP(s), by_uscc, s, uscc, cb, ctx);
}

int zl_store_sup_set_uscc(zl_store *s, const char *key, long seq,
                          const char *uscc)
{
    return DISPATCH(SUP(s), set_uscc, s, key, seq, uscc);
}

/* ---- code lookup counts -------------------------------------------------- */

int zl_lookups_add(zl_store *s, const struct zl_lookup *v, size_t n)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++)
        if (!v[i].code || !*v[i].code || v[i].c.n == 0)
            return ZL_EINVAL;
    if (!LOOKUPS(s))
        return ZL_EUNSUPPORTED;
    if ((rc = zl_store_begin(s)))
        return rc;
    for (i = 0; i < n && !rc; i++)
        rc = LOOKUPS(s)->add(s, v[i].code, &v[i].c);
    if (rc) {
        zl_store_rollback(s);
        return rc;
    }
    return zl_store_commit(s);
}

int zl_lookups_get(zl_store *s, const char *code, struct zl_lookup_count *c)
{
    memset(c, 0, sizeof *c);
    if (!code || !*code)
        return ZL_EINVAL;
    return DISPATCH(LOOKUPS(s), get, s, code, c);
}
