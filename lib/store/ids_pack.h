/*
 * ids_pack.h - one event's identifier occurrences packed into one blob
 * (events.ids on every backend; the format is described in ids_pack.c).
 */
#ifndef ZL_STORE_IDS_PACK_H
#define ZL_STORE_IDS_PACK_H

#include "store/store.h"
#include "util/buf.h"

/* Append ev's identifier occurrences to b (nothing when it has none).
 * Returns 0, ZL_EINVAL (a uom over 255 bytes) or ZL_ENOMEM. */
int zl_ids_pack(const struct zl_event *ev, struct zl_buf *b);

/* The first byte of a version 3 blob. */
#define ZL_IDS_V3 0xB3

/* Append ev's occurrences as version 3 (ids_pack.c): ns[i] is the
 * backend's number of ev->ids[i]'s identifier. Returns as zl_ids_pack. */
int zl_ids_pack_numbered(const struct zl_event *ev, const int64_t *ns,
                         struct zl_buf *b);

/* The backend's identifiers by number, for version 3 blobs: name sets
 * *id to the text of identifier n (valid until its next call) and
 * returns 0, or ZL_ESTORE when there is no such number, or another error. */
struct zl_ids_names {
    int (*name)(void *ctx, int64_t n, const char **id);
    void *ctx;
};

/* Walk a packed blob of n bytes, calling cb with r (whose hash, type,
 * action and times the caller filled in) completed by each occurrence
 * whose role is in roles (the others are skipped unnamed); strings in r
 * are borrowed for the call. Returns 0, cb's non-zero value, ZL_ENOMEM,
 * or ZL_ESTORE for a malformed blob (or a version 3 one without names,
 * or with a number names lacks among the roles asked). */
int zl_ids_unpack(const uint8_t *p, size_t n, const struct zl_ids_names *names,
                  zl_id_roles roles, struct zl_id_row *r, zl_id_cb cb,
                  void *ctx);

/* The occurrences of a version 3 blob as (identifier number, role), to
 * cb in order: 0, cb's non-zero value, ZL_ESTORE for a malformed blob,
 * ZL_EUNSUPPORTED for a blob of another version. */
int zl_ids_numbers(const uint8_t *p, size_t n,
                   int (*cb)(void *ctx, int64_t number, int role), void *ctx);

/* The number of identifier id in the backend (0 or an error). */
typedef int (*zl_ids_number_fn)(void *ctx, const char *id, int64_t *n);

/* Append to out the blob p[0..n) (any version; names for version 3)
 * packed again: as version 3 with each identifier's number from number,
 * or as version 2 when number is NULL. Returns 0, zl_ids_unpack's errors
 * or number's. */
int zl_ids_repack(const uint8_t *p, size_t n, const struct zl_ids_names *names,
                  zl_ids_number_fn number, void *nctx, struct zl_buf *out);

#endif
