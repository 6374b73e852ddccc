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

/* Walk a packed blob of n bytes, calling cb with r (whose hash, type,
 * action and times the caller filled in) completed by each occurrence;
 * strings in r are borrowed for the call. Returns 0, cb's non-zero value,
 * ZL_ENOMEM, or ZL_ESTORE for a malformed blob. */
int zl_ids_unpack(const uint8_t *p, size_t n, struct zl_id_row *r, zl_id_cb cb,
                  void *ctx);

#endif
