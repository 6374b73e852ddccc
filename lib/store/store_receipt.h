/*
 * store_receipt.h - capture receipts: the logged record of an event's
 * capture metadata (record_time, capturing party), which the CBV 2.0
 * event hash leaves out.
 *
 * A receipt is one logged record (leaf type ZL_LEAF_CAPTURE) made of one
 * or more groups; each group names a record time, a party (or none: the
 * operator), the document's SHA-256 (or none) and the events stored under
 * them. A capture receipt has one group (zl_capture writes it in the
 * capture's transaction); the migration receipt written when a store is
 * upgraded to schema version 4 has one group per (record_time, party) of
 * the events that existed then. The row keeps only what the canonical
 * bytes are rebuilt from (lib/capture/receipt.h), so an edit of any
 * column changes the recomputed leaf. key is "urn:zhiliang:receipt:"
 * followed by the SHA-256 hex of the canonical bytes.
 */
#ifndef ZL_STORE_RECEIPT_H
#define ZL_STORE_RECEIPT_H

#include "store/store.h"

#define ZL_RECEIPT_KEY_PREFIX "urn:zhiliang:receipt:"

enum zl_receipt_kind { ZL_RECEIPT_CAPTURE = 0, ZL_RECEIPT_MIGRATION = 1 };

struct zl_receipt_group {
    const char *key;
    enum zl_receipt_kind kind;
    long grp; /* 0.. within the receipt */
    int64_t record_time_ms;
    const char *party;  /* or NULL */
    const uint8_t *doc; /* 32 bytes, or NULL */
    const uint8_t (*events)[32];
    size_t n_events;
    int damaged; /* read back: a column no writer could have stored */
};
typedef int (*zl_receipt_group_cb)(void *ctx, const struct zl_receipt_group *g);

/* Store one group of a receipt (inside a transaction). ZL_EEXIST when
 * (key, grp) is stored already. */
int zl_store_receipt_put(zl_store *s, const struct zl_receipt_group *g);
/* The groups of receipt key in grp order (cb per group, borrowed), or
 * ZL_ENOTFOUND. */
int zl_store_receipt_get(zl_store *s, const char *key, zl_receipt_group_cb cb,
                         void *ctx);
/* Every receipt's key once (verify's record pass). */
int zl_store_receipt_keys(zl_store *s, int (*cb)(void *ctx, const char *key),
                          void *ctx);

#endif
