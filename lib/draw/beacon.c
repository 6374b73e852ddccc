/*
 * beacon.c - the log beacon: randomness for a draw taken from the record
 * log after the draw's plan was logged (see zhiliang/draw.h).
 *
 * Why the log and not a generator: an unseeded or operator-seeded
 * generator leaves the public to trust whoever pressed the button; a
 * notary and a video prove only that somebody pressed it. The Merkle root
 * at a size past the plan depends on every record logged in between, is
 * signed in checkpoints that mirrors keep, and cannot change afterwards
 * without breaking the consistency proofs everyone can check. What it does
 * not rule out is an operator who delays or reorders submissions to steer
 * the root: plans that must resist the operator too name an outside source
 * as well (a lottery draw after the plan's date), and the key string takes
 * both (docs/draws.md).
 */
#include "zhiliang/draw.h"

#include "zhiliang/codec.h"
#include "zhiliang/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int zl_draw_beacon_text(const struct zl_draw_beacon *b, char *out, size_t cap)
{
    char leaf[65], root[65];
    int n;

    zl_hex_encode(b->plan_leaf, 32, leaf);
    zl_hex_encode(b->root, 32, root);
    n = snprintf(out, cap, "zl1:%s:%" PRIu64 ":%s./", leaf, b->size, root);
    if (n < 0 || (size_t)n >= cap)
        return ZL_ELIMIT;
    return n;
}

int zl_draw_beacon_from_log(zl_store *s, uint64_t plan_index, uint64_t size,
                            struct zl_draw_beacon *b, struct zl_error *err)
{
    uint64_t have = 0;
    int rc;

    if (size <= plan_index)
        return zl_error_set(err, ZL_EINVAL, "size",
                            "the beacon must lie after the plan's leaf", NULL,
                            0);
    rc = zl_log_size(s, &have);
    if (rc)
        return zl_error_set(err, rc, NULL, "cannot read the log size", NULL, 0);
    if (have < size)
        return zl_error_setf(err, ZL_ENOTFOUND, "size", NULL,
                             "the log holds %" PRIu64 " records; the seed "
                             "exists once it reaches %" PRIu64,
                             have, size);
    memset(b, 0, sizeof *b);
    b->plan_index = plan_index;
    b->size = size;
    rc = zl_log_leaf(s, plan_index, b->plan_leaf);
    if (!rc)
        rc = zl_log_root(s, size, b->root);
    if (rc)
        return zl_error_set(err, rc, NULL, "cannot read the log", NULL, 0);
    return 0;
}

int zl_draw_beacon_check(const struct zl_draw_beacon *b, const char *note,
                         size_t note_len, const char *vkey,
                         const uint8_t (*consistency)[32], size_t n_cons,
                         const uint8_t (*inclusion)[32], size_t n_incl,
                         struct zl_error *err)
{
    struct zl_checkpoint ck;
    int rc;

    if (b->size <= b->plan_index)
        return zl_error_set(err, ZL_EVERIFY, "size",
                            "the beacon does not lie after the plan", NULL, 0);
    rc = zl_log_checkpoint_verify(note, note_len, vkey, &ck, err);
    if (rc)
        return rc;
    if (ck.size < b->size)
        return zl_error_setf(err, ZL_EVERIFY, "checkpoint", NULL,
                             "checkpoint size %" PRIu64
                             " is before the beacon size %" PRIu64,
                             ck.size, b->size);
    if (zl_log_verify_consistency(b->size, ck.size, b->root, ck.root,
                                  consistency, n_cons))
        return zl_error_set(err, ZL_EVERIFY, "root",
                            "the beacon root is not a prefix of the signed "
                            "checkpoint (consistency proof fails)",
                            NULL, 0);
    if (zl_log_verify_inclusion(b->plan_index, b->size, b->plan_leaf, inclusion,
                                n_incl, b->root))
        return zl_error_set(err, ZL_EVERIFY, "plan",
                            "the plan's leaf is not in the beacon tree "
                            "(inclusion proof fails)",
                            NULL, 0);
    return 0;
}
