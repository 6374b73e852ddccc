/*
 * store_correction.h - corrections: events declared erroneous after they
 * were stored.
 *
 * An EPCIS 2.0 corrective event carries errorDeclaration and, by CBV 2.0,
 * hashes to the same eventID as the event it withdraws, so it cannot be a
 * second row of events. It is kept as a row of its own, corrections(key,
 * target, record_time, party, reason, json), logged under its key, and
 * marks the target (events.has_error = 1): from then on queries find the
 * target with EXISTS_errorDeclaration and traces leave it out. Nothing is
 * deleted. key is "urn:zhiliang:correction:<SHA-256 hex of json>", so the
 * same correction sent twice is one record.
 */
#ifndef ZL_STORE_CORRECTION_H
#define ZL_STORE_CORRECTION_H

#include "store/store.h"

#define ZL_CORRECTION_KEY_PREFIX "urn:zhiliang:correction:"

struct zl_correction {
    const char *key;
    uint8_t target[32];
    int64_t record_time_ms;
    const char *party;  /* or NULL (operator) */
    const char *reason; /* declarationReason URI, or NULL */
    const char *json;
    size_t json_len; /* the corrective event */
};
typedef int (*zl_correction_cb)(void *ctx, const struct zl_correction *c);

/* Store a correction and mark its target erroneous, inside a
 * transaction. ZL_EEXIST (nothing written) when key is stored already. */
int zl_store_correction_put(zl_store *s, const struct zl_correction *c);
/* By key (cb once) or ZL_ENOTFOUND. */
int zl_store_correction_get(zl_store *s, const char *key, zl_correction_cb cb,
                            void *ctx);
/* Every correction of the event target, oldest first. */
int zl_store_corrections_of(zl_store *s, const uint8_t target[32],
                            zl_correction_cb cb, void *ctx);
/* Every correction of an event naming identifier id, oldest first. */
int zl_store_corrections_for_id(zl_store *s, const char *id,
                                zl_correction_cb cb, void *ctx);
/* Every correction's key (for verify's record pass). */
int zl_store_correction_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                             void *ctx);
/* Number of corrections (changes when one is added). */
int zl_store_correction_count(zl_store *s, int64_t *n);

#endif
