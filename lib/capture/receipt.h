/*
 * receipt.h - capture receipts as records: their canonical bytes, their
 * key, the capture receipt zl_capture logs and the migration receipt of a
 * store upgraded to schema version 4 (store_receipt.h keeps the rows).
 *
 * Canonical bytes (RFC 8785 JCS; the leaf is over them, type
 * ZL_LEAF_CAPTURE):
 *   capture   {"doc":"<sha256 hex>"|null,"events":["<hash hex>",...],
 *              "party":"<id>"|null,"recordTime":"<ISO 8601 ms UTC>",
 *              "type":"capture","v":1}
 *   migration {"groups":[{"events":[...],"party":...,"recordTime":...},
 *              ...],"type":"migration","v":1}
 * "<hash hex>" is the event's 32-byte CBV 2.0 hash in lower-case hex (the
 * events key, as the outbox names it).
 */
#ifndef ZL_CAPTURE_RECEIPT_H
#define ZL_CAPTURE_RECEIPT_H

#include "store/store_receipt.h"
#include "util/buf.h"

/* Most events one migration receipt lists; a store with more gets one
 * migration receipt per this many events (same form). */
#define ZL_RECEIPT_MIGRATION_MAX ((size_t)1 << 20)

/* A receipt's groups read back from the store, owned. */
struct zl_receipt {
    char *key;
    struct zl_receipt_group *g; /* strings and lists owned here */
    size_t n;
    int damaged; /* a group row no writer could make */
};

/* Canonical bytes of one receipt's groups g[0..n) into out: the capture
 * form for one ZL_RECEIPT_CAPTURE group, else the migration form.
 * Returns 0, ZL_EINVAL (a party that is not valid UTF-8, a capture
 * receipt with other than one group), ZL_ELIMIT past out's cap,
 * ZL_ENOMEM. */
int zl_receipt_canon(const struct zl_receipt_group *g, size_t n,
                     struct zl_buf *out);

/* "urn:zhiliang:receipt:<SHA-256 hex of canon>" into key. */
int zl_receipt_key(const void *canon, size_t len, char key[96]);

/* Inside the capture's transaction: store and log the receipt of the n
 * events just stored (n > 0) at record_time_ms by party (may be NULL) from
 * the document whose SHA-256 is doc (may be NULL). */
int zl_receipt_capture(zl_store *s, int64_t record_time_ms, const char *party,
                       const uint8_t doc[32], const uint8_t (*events)[32],
                       size_t n);

/* Schema step 3 -> 4, inside the migration's transaction: log one
 * migration receipt listing every stored event with its current
 * record_time and party, grouped by (record_time, party). Nothing when
 * the store holds no event. */
int zl_receipt_migrate(zl_store *s);

/* The logged record of a correction (leaf type ZL_LEAF_CORRECTION): JCS
 * of {"type":"correction","v":1,"key","target","recordTime","party",
 * "reason"}. The key names the SHA-256 of the corrective event's text, so
 * the leaf commits to that text and to when, by whom and about which
 * event it was submitted (the portal shows the time; the write rule
 * matches the party). Appends to out; 0, ZL_EINVAL (a string that is not
 * UTF-8), ZL_ENOMEM. */
struct zl_correction;
int zl_correction_canon(const struct zl_correction *c, struct zl_buf *out);

/* Read receipt key back (ZL_ENOTFOUND when no row has it). */
int zl_receipt_load(zl_store *s, const char *key, struct zl_receipt *out);
void zl_receipt_cleanup(struct zl_receipt *r);

#endif
