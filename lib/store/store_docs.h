/*
 * store_docs.h - signed documents kept byte for byte (see sign.h).
 *
 * signed_docs(doc_hash) holds each signed document once with its party and
 * signature; event_docs links every event of it to the document, so an
 * event's origin can be re-proved from the party's key alone.
 */
#ifndef ZL_STORE_DOCS_H
#define ZL_STORE_DOCS_H

#include "store/store.h"
#include "zhiliang/sign.h"

/* Keep a signed document (idempotent). Inside the capture transaction. */
int zl_store_signed_doc_put(zl_store *s, const uint8_t doc_hash[32],
                            const char *party, const char *sig_b64,
                            const char *doc, size_t len);

/* Link an event to the signed document it came in (idempotent). */
int zl_store_event_doc_link(zl_store *s, const uint8_t event_hash[32],
                            const uint8_t doc_hash[32]);

int zl_store_signed_doc_for_event(zl_store *s, const uint8_t event_hash[32],
                                  zl_signed_doc_cb cb, void *ctx);

#endif
