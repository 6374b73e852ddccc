/*
 * logstore.c - the Merkle log kept in the store: appends, roots, proofs,
 * operator keys, checkpoints and the full re-verification.
 *
 * Appends keep the right frontier (one node per set bit of the size) in a
 * per-handle state so a leaf costs its own hash plus, amortised, one node
 * hash and one node row. The first append of a write transaction checks
 * the frontier against the stored tail (size and last leaf hash, one
 * indexed read): after a rollback, or after another connection appended,
 * they disagree and the frontier is reloaded from stored nodes (at most 64
 * reads). Later appends of the same transaction (zl_store_tx_id unchanged
 * since the last check, the state still valid) skip the read: the
 * writers' lock keeps other writers out until the transaction ends, so
 * the tail moved only by our own appends, which the frontier followed. A
 * failed append marks the state invalid and zl_log_on_rollback() drops
 * it, so either re-reads. Rejected: trusting the in-memory frontier
 * across transactions (a rolled-back append, or another process's, would
 * corrupt every later root) and recomputing the frontier on every append
 * (64 reads a leaf).
 *
 * Roots and proofs are built from stored nodes by merkle.c (O(log n)
 * reads; a backend may derive some levels on read from the level below,
 * as SQLite does for three levels in four).
 *
 * What zl_log_verify_all checks: every leaf hash against its record
 * recomputed (LEAF_CHANGED, RECORD_MISSING), the leaf indexes for gaps
 * and the keys for duplicates, the tree rebuilt from the stored leaf
 * hashes against every node the backend stores (zl_store_log_node_kept:
 * a derived node has no row, and would equal the recomputation by
 * construction, so it is not read), every checkpoint's signature and its
 * root against the rebuilt tree at its size, and successive checkpoints
 * for consistency. An edited leaf hash is caught against its record and
 * the stored node above it, an edited or deleted node row against the
 * rebuilt tree, an edited key as a record missing or changed. The private key
 * lives in the store's meta as base64 of the 32-byte Ed25519 seed and is wiped
 * from memory after each use.
 */
#include "zhiliang/log.h"

#include "log/log_int.h"
#include "log/merkle.h"
#include "store/store_log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/timefmt.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define META_ORIGIN "log.origin"
#define META_KEY    "log.private_key"

struct log_state {
    struct zl_hasher h;
    struct zl_frontier f;
    uint8_t last[32]; /* hash of leaf f.size - 1 when f.size > 0 */
    uint64_t tx;      /* zl_store_tx_id when last checked against the tail */
    int valid;
};

static void state_free(void *p)
{
    struct log_state *st = p;

    if (!st)
        return;
    zl_hasher_cleanup(&st->h);
    zl_free(st);
}

/* The key of the log's state in the store's module registry. */
static const char STATE_KEY = 0;

static int get_state(zl_store *s, struct log_state **out)
{
    struct log_state *st = zl_store_module_state(s, &STATE_KEY);
    int rc;

    if (!st) {
        st = zl_calloc(1, sizeof *st);
        if (!st)
            return ZL_ENOMEM;
        if ((rc = zl_hasher_init(&st->h))) {
            zl_free(st);
            return rc;
        }
        if ((rc = zl_store_module_set(s, &STATE_KEY, st, state_free))) {
            state_free(st);
            return rc;
        }
    }
    *out = st;
    return 0;
}

static int get_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    int rc = zl_store_log_node_get(ctx, level, index, out);

    /* A node the tree needs is absent: the store is damaged. */
    return rc == ZL_ENOTFOUND ? ZL_ETAMPER : rc;
}

static int emit_node(void *ctx, unsigned level, uint64_t index,
                     const uint8_t hash[32])
{
    return zl_store_log_node_put(ctx, level, index, hash);
}

/* Make st->f match the stored tree: trusted as is when valid and checked
 * earlier in the open transaction, else checked against the tail. */
static int sync_state(zl_store *s, struct log_state *st)
{
    uint64_t tx = zl_store_tx_id(s), size;
    uint8_t last[32];
    int rc;

    if (st->valid && tx && st->tx == tx)
        return 0;
    st->tx = 0;
    if ((rc = zl_store_log_tail(s, &size, last)))
        return rc;
    if (st->valid && st->f.size == size &&
        (size == 0 || !memcmp(last, st->last, 32))) {
        st->tx = tx;
        return 0;
    }
    st->valid = 0;
    if ((rc = zl_frontier_load(&st->f, get_node, s, size)))
        return rc;
    if (size)
        memcpy(st->last, last, 32);
    st->valid = 1;
    st->tx = tx;
    return 0;
}

void zl_log_on_rollback(zl_store *s)
{
    struct log_state *st = s ? zl_store_module_state(s, &STATE_KEY) : NULL;

    if (st)
        st->valid = 0;
}

int zl_log_append(zl_store *s, uint8_t leaf_type, const char *record_key,
                  const void *canon, size_t canon_len, uint64_t *leaf_index)
{
    struct log_state *st;
    uint8_t leaf[32];
    uint64_t idx;
    int rc;

    if (!record_key || (!canon && canon_len))
        return ZL_EINVAL;
    if (!zl_store_log_in_tx(s))
        return ZL_EINVAL; /* the record and its leaf must commit together */
    if ((rc = get_state(s, &st)) || (rc = sync_state(s, st)))
        return rc;
    idx = st->f.size;
    if (idx >= (uint64_t)INT64_MAX)
        return ZL_ELIMIT;
    if ((rc = zl_merkle_leaf(&st->h, leaf_type, canon, canon_len, leaf)))
        return rc;
    /* From here a failure leaves rows the caller must roll back; the
     * frontier is marked stale so it is reloaded whatever happens. */
    st->valid = 0;
    if ((rc = zl_store_log_leaf_put(s, idx, leaf_type, record_key, leaf)) ||
        (rc = zl_frontier_add(&st->f, &st->h, leaf, emit_node, s)))
        return rc;
    memcpy(st->last, leaf, 32);
    st->valid = 1;
    if (leaf_index)
        *leaf_index = idx;
    return 0;
}

int zl_log_size(zl_store *s, uint64_t *size)
{
    uint8_t last[32];

    return zl_store_log_tail(s, size, last);
}

/* The log's state, for a question about its first size leaves: ZL_EINVAL
 * if the log is shorter. */
static int state_upto(zl_store *s, uint64_t size, struct log_state **st)
{
    uint64_t cur;
    int rc;

    if ((rc = get_state(s, st)) || (rc = zl_log_size(s, &cur)))
        return rc;
    return size > cur ? ZL_EINVAL : 0;
}

int zl_log_root(zl_store *s, uint64_t size, uint8_t root[32])
{
    struct log_state *st;
    int rc;

    if ((rc = state_upto(s, size, &st)))
        return rc;
    return zl_merkle_root(&st->h, get_node, s, size, root);
}

int zl_log_find(zl_store *s, const char *record_key, uint64_t *index,
                uint8_t *leaf_type, uint8_t leaf_hash[32])
{
    return zl_store_log_find(s, record_key, index, leaf_type, leaf_hash);
}

int zl_log_leaf(zl_store *s, uint64_t index, uint8_t leaf_hash[32])
{
    return zl_store_log_node_get(s, 0, index, leaf_hash);
}

int zl_log_prove_inclusion(zl_store *s, uint64_t index, uint64_t size,
                           uint8_t (*proof)[32], size_t *n)
{
    struct log_state *st;
    int rc;

    *n = 0;
    if ((rc = state_upto(s, size, &st)))
        return rc;
    if (index >= size)
        return ZL_EINVAL;
    return zl_merkle_inclusion(&st->h, get_node, s, index, size, proof, n);
}

int zl_log_prove_consistency(zl_store *s, uint64_t size1, uint64_t size2,
                             uint8_t (*proof)[32], size_t *n)
{
    struct log_state *st;
    int rc;

    *n = 0;
    if ((rc = state_upto(s, size2, &st)))
        return rc;
    if (size1 > size2)
        return ZL_EINVAL;
    return zl_merkle_consistency(&st->h, get_node, s, size1, size2, proof, n);
}

/* ---- keys ------------------------------------------------------------------
 */

static int load_key(zl_store *s, char **origin, uint8_t priv[32])
{
    char *o = NULL, *k = NULL;
    uint8_t tmp[48];
    size_t ol, kl, n;
    int rc;

    *origin = NULL;
    if ((rc = zl_store_meta_get(s, META_ORIGIN, &o, &ol)) ||
        (rc = zl_store_meta_get(s, META_KEY, &k, &kl)))
        goto out;
    if (kl != 44 || zl_base64_decode(k, kl, tmp, &n) || n != 32) {
        rc = ZL_ESTORE;
        goto out;
    }
    memcpy(priv, tmp, 32);
    *origin = o;
    o = NULL;
out:
    OPENSSL_cleanse(tmp, sizeof tmp);
    if (k)
        OPENSSL_cleanse(k, kl);
    zl_free(k);
    zl_free(o);
    return rc;
}

int zl_log_init_keys(zl_store *s, const char *origin)
{
    EVP_PKEY *k = NULL;
    uint8_t priv[32];
    char b64[48];
    char *v = NULL;
    size_t n = 32, vl;
    int rc;

    if (!origin || !zl_note_name_ok(origin, strlen(origin)))
        return ZL_EINVAL;
    rc = zl_store_meta_get(s, META_KEY, &v, &vl);
    zl_free(v);
    if (rc == 0)
        return ZL_EEXIST;
    if (rc != ZL_ENOTFOUND)
        return rc;
    k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!k || !EVP_PKEY_get_raw_private_key(k, priv, &n) || n != 32) {
        rc = ZL_EUNSUPPORTED;
        goto out;
    }
    zl_base64_encode(priv, 32, b64);
    if ((rc = zl_store_meta_set(s, META_ORIGIN, origin, strlen(origin))) ||
        (rc = zl_store_meta_set(s, META_KEY, b64, 44)))
        goto out;
out:
    OPENSSL_cleanse(priv, sizeof priv);
    OPENSSL_cleanse(b64, sizeof b64);
    EVP_PKEY_free(k);
    return rc;
}

int zl_log_public_key(zl_store *s, char **vkey)
{
    uint8_t priv[32], pub[32];
    char *origin = NULL;
    int rc;

    *vkey = NULL;
    if ((rc = load_key(s, &origin, priv)) ||
        (rc = zl_ed25519_public(priv, pub)))
        goto out;
    rc = zl_note_vkey_format(origin, pub, vkey);
out:
    OPENSSL_cleanse(priv, sizeof priv);
    zl_free(origin);
    return rc;
}

/* ---- checkpoints ------------------------------------------------------------
 */

int zl_log_checkpoint_issue(zl_store *s, char **note)
{
    uint8_t priv[32], root[32];
    char *origin = NULL;
    uint64_t size;
    int rc, own_tx = 0;

    *note = NULL;
    if (!zl_store_log_in_tx(s)) {
        if ((rc = zl_store_begin(s)))
            return rc;
        own_tx = 1;
    }
    if ((rc = zl_log_size(s, &size)))
        goto out;
    rc = zl_store_log_checkpoint_get(s, size, note);
    if (rc != ZL_ENOTFOUND)
        goto out;
    if ((rc = zl_log_root(s, size, root)) ||
        (rc = load_key(s, &origin, priv)) ||
        (rc = zl_checkpoint_sign(origin, size, root, priv, note)) ||
        (rc = zl_store_log_checkpoint_put(s, size, root, *note,
                                          zl_time_now_ms())))
        goto out;
out:
    OPENSSL_cleanse(priv, sizeof priv);
    zl_free(origin);
    if (own_tx) {
        if (!rc)
            rc = zl_store_commit(s);
        if (rc)
            zl_store_rollback(s);
    }
    if (rc) {
        zl_free(*note);
        *note = NULL;
    }
    return rc;
}

int zl_log_checkpoint_latest(zl_store *s, char **note)
{
    return zl_store_log_checkpoint_get(s, UINT64_MAX, note);
}

/* ---- full verification
 * --------------------------------------------------------- */

struct cp_rec {
    uint64_t size;
    uint8_t root[32]; /* as signed in the note (column if unparsable) */
    int sig_ok;
};

struct verify_ctx {
    zl_store *s;
    struct zl_hasher h;
    struct zl_frontier f; /* tree rebuilt from stored leaf hashes */
    zl_log_leaf_source_cb recompute;
    void *rctx;
    zl_log_report_cb report;
    void *pctx;
    struct zl_log_verify_stats stats;
    struct cp_rec *cps;
    size_t n_cps, cap_cps, next_cp;
    int broken; /* a gap: the rebuilt tree is meaningless */
    int stop;   /* the report callback asked to stop */
    const char *vkey;
};

static int issue(struct verify_ctx *v, enum zl_log_issue_kind kind,
                 uint64_t index, unsigned level, const char *key,
                 const char *detail)
{
    struct zl_log_issue is = {kind, index, level, key, detail};
    int rc;

    v->stats.issues++;
    if (v->report && (rc = v->report(v->pctx, &is))) {
        v->stop = 1;
        return rc;
    }
    return 0;
}

static int collect_cp(void *ctx, uint64_t size, const uint8_t root[32],
                      const char *note, size_t len)
{
    struct verify_ctx *v = ctx;
    struct zl_checkpoint cp;
    struct cp_rec *r;
    char msg[600];
    int rc;

    if (v->n_cps == v->cap_cps) {
        size_t nc = v->cap_cps ? v->cap_cps * 2 : 16;
        struct cp_rec *p = zl_realloc(v->cps, nc * sizeof *p);

        if (!p)
            return ZL_ENOMEM;
        v->cps = p;
        v->cap_cps = nc;
    }
    r = &v->cps[v->n_cps++];
    r->size = size;
    memcpy(r->root, root, 32);
    r->sig_ok = 0;
    v->stats.checkpoints++;
    {
        struct zl_error err = {0};

        rc = zl_log_checkpoint_verify(note, len, v->vkey, &cp, &err);
        if (rc) {
            snprintf(msg, sizeof msg, "%s: %s", err.path, err.rule);
            return issue(v, ZL_LOGV_CHECKPOINT_SIG, size, 0, NULL, msg);
        }
    }
    if (cp.size != size || memcmp(cp.root, root, 32)) {
        memcpy(r->root, cp.root, 32);
        return issue(v, ZL_LOGV_CHECKPOINT_ROOT, size, 0, NULL,
                     "stored size/root columns differ from the signed note");
    }
    r->sig_ok = 1;
    return 0;
}

/* Compare the rebuilt tree with every checkpoint at its current size. */
static int check_cps_at_size(struct verify_ctx *v)
{
    uint8_t root[32];
    int rc;

    while (v->next_cp < v->n_cps && v->cps[v->next_cp].size <= v->f.size) {
        struct cp_rec *r = &v->cps[v->next_cp++];

        if (v->broken || r->size != v->f.size)
            continue;
        if ((rc = zl_frontier_root(&v->f, &v->h, root)))
            return rc;
        if (memcmp(root, r->root, 32) &&
            (rc = issue(v, ZL_LOGV_CHECKPOINT_ROOT, r->size, 0, NULL,
                        "signed root differs from the root recomputed from "
                        "the stored leaves")))
            return rc;
    }
    return 0;
}

static int verify_emit(void *ctx, unsigned level, uint64_t index,
                       const uint8_t hash[32])
{
    struct verify_ctx *v = ctx;
    uint8_t stored[32];
    int rc;

    /* a derived level has no row: it is the recomputation itself */
    if (!zl_store_log_node_kept(v->s, level))
        return 0;
    rc = zl_store_log_node_get(v->s, level, index, stored);
    v->stats.nodes++;
    if (rc == ZL_ENOTFOUND)
        return issue(v, ZL_LOGV_NODE_MISSING, index, level, NULL,
                     "interior node missing");
    if (rc)
        return rc;
    if (memcmp(stored, hash, 32))
        return issue(v, ZL_LOGV_NODE_CHANGED, index, level, NULL,
                     "stored interior node differs from recomputation");
    return 0;
}

static int verify_leaf(void *ctx, uint64_t index, uint8_t leaf_type,
                       const char *key, const uint8_t hash[32])
{
    struct verify_ctx *v = ctx;
    const void *canon = NULL;
    uint8_t again[32];
    uint64_t first;
    size_t len = 0;
    char msg[128];
    int rc;

    v->stats.leaves++;
    if (index != v->f.size) {
        snprintf(msg, sizeof msg, "leaves %" PRIu64 "..%" PRIu64 " missing",
                 v->f.size, index - 1);
        if (!v->broken)
            rc = issue(v, ZL_LOGV_LEAF_GAP, v->f.size, 0, NULL, msg);
        else
            rc = 0;
        v->broken = 1;
        v->f.size = index; /* keep counting; the tree is no longer checked */
        if (rc)
            return rc;
    }
    if (!key)
        key = "";
    if (!zl_store_log_find(v->s, key, &first, NULL, NULL) && first != index &&
        (rc = issue(v, ZL_LOGV_LEAF_DUPLICATE, index, 0, key,
                    "record logged again at a later index")))
        return rc;
    rc = v->recompute ? v->recompute(v->rctx, leaf_type, key, &canon, &len)
                      : ZL_ENOTFOUND;
    if (rc == ZL_ENOTFOUND) {
        if ((rc = issue(v, ZL_LOGV_RECORD_MISSING, index, 0, key,
                        "the logged record is no longer stored")))
            return rc;
    } else if (rc) {
        return rc;
    } else {
        if ((rc = zl_merkle_leaf(&v->h, leaf_type, canon, len, again)))
            return rc;
        if (memcmp(again, hash, 32) &&
            (rc = issue(v, ZL_LOGV_LEAF_CHANGED, index, 0, key,
                        "record no longer hashes to its logged leaf")))
            return rc;
    }
    if (v->broken) {
        v->f.size = index + 1;
        return 0;
    }
    /* The tree is rebuilt from the stored leaf hashes so each kind of
     * tampering is reported once where it happened (a changed record as a
     * leaf, a changed leaf hash as nodes and checkpoint roots). */
    if ((rc = zl_frontier_add(&v->f, &v->h, hash, verify_emit, v)))
        return rc;
    return check_cps_at_size(v);
}

int zl_log_verify_all(zl_store *s, zl_log_leaf_source_cb recompute, void *rctx,
                      zl_log_report_cb report, void *pctx,
                      struct zl_log_verify_stats *stats)
{
    struct verify_ctx v;
    uint8_t(*proof)[32] = NULL;
    char *vkey = NULL;
    size_t n;
    int rc;

    memset(&v, 0, sizeof v);
    v.s = s;
    v.recompute = recompute;
    v.rctx = rctx;
    v.report = report;
    v.pctx = pctx;
    if ((rc = zl_hasher_init(&v.h)))
        goto out;
    proof = zl_malloc(ZL_LOG_MAX_PROOF * 32);
    if (!proof) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_log_public_key(s, &vkey)))
        goto out;
    v.vkey = vkey;
    if ((rc = zl_store_log_checkpoints(s, collect_cp, &v)) ||
        (rc = check_cps_at_size(&v)) ||
        (rc = zl_store_log_leaves(s, verify_leaf, &v)))
        goto out;
    /* Checkpoints past the last stored leaf: leaves were cut off. */
    for (; v.next_cp < v.n_cps; v.next_cp++)
        if ((rc = issue(&v, ZL_LOGV_CHECKPOINT_ROOT, v.cps[v.next_cp].size, 0,
                        NULL, "checkpoint is larger than the stored log")))
            goto out;
    /* Successive signed checkpoints must be consistent (append-only). */
    for (size_t i = 1; i < v.n_cps; i++) {
        struct cp_rec *a = &v.cps[i - 1], *b = &v.cps[i];

        if (!a->sig_ok || !b->sig_ok || v.broken)
            continue;
        rc = zl_merkle_consistency(&v.h, get_node, s, a->size, b->size, proof,
                                   &n);
        if (!rc)
            rc = zl_merkle_verify_consistency(&v.h, a->size, b->size, a->root,
                                              b->root,
                                              (const uint8_t(*)[32])proof, n);
        if (rc == ZL_EVERIFY || rc == ZL_ETAMPER)
            rc = issue(&v, ZL_LOGV_CHECKPOINT_CONSISTENCY, b->size, 0, NULL,
                       "checkpoint is not an append-only extension of the "
                       "previous one");
        if (rc)
            goto out;
    }
out:
    if (v.stop && rc > 0)
        rc = 0;
    if (stats)
        *stats = v.stats;
    zl_free(proof);
    zl_free(vkey);
    zl_free(v.cps);
    zl_hasher_cleanup(&v.h);
    if (!rc && v.stats.issues)
        rc = ZL_ETAMPER;
    return rc;
}
