/*
 * party_int.h - what the party module shares with the rest of the library
 * but not with its users: a digit check shared by the registry files
 * (party.c, product.c), the custody question of the write rule
 * (authz.c), asked by the read rule (visibility.c), and the read rule on
 * an event row already in hand, asked by queries (lib/query) so that the
 * filter runs inside the scan.
 */
#ifndef ZL_PARTY_INT_H
#define ZL_PARTY_INT_H

#include "store/store.h"
#include "zhiliang/party.h"

#include <stddef.h>

/* 1 when s[0..n) are all ASCII digits (also for n = 0), else 0. */
int zl_party_all_digits(const char *s, size_t n);

/* Did party_id hold identifier id just before the event with hash
 * `before` (by the write rule's custody: the latest shipping or receiving
 * event naming id earlier in its event-time order shipped it to the party
 * or received it at one of its GLNs)? before NULL: now. *held gets 1 or
 * 0. Returns 0 or a store error (then *held is 0). */
int zl_authz_held_before(zl_store *s, const char *id, const uint8_t before[32],
                         const char *party_id, int *held);

/* 1 when biz_step is the receiving step (CBV URI or bare name): such an
 * event at a party's GLN makes it hold the goods, for the custody above.
 * The read rule's hint names it to the store (zl_viewer_party_admits). */
int zl_authz_step_receives(const char *biz_step);

/* 1 when biz_step is the shipping or the receiving step (CBV URI or bare
 * name): an event with it, not declared erroneous, decides custody for
 * the events after it (the latest such event before an event names the
 * holders). The read rule's hint names it to the store
 * (zl_viewer_party_admits, 'c'), which cuts custody's candidates there. */
int zl_authz_step_decides(const char *biz_step);

/* A cache of custody for one request (authz.c): the rows of the
 * identifiers asked about and which candidate events decide custody for
 * the party asked about. Its answers are zl_authz_held_before's while the
 * store does not change; keep one for one request, not across writes. Not
 * thread-safe. zl_custody_new: 0 or ZL_ENOMEM; zl_custody_free(NULL) is a
 * no-op. */
typedef struct zl_custody zl_custody;
int zl_custody_new(zl_custody **out);
void zl_custody_free(zl_custody *c);
/* The occurrences c holds, over all identifiers (NULL: 0). */
size_t zl_custody_rows(const zl_custody *c);

/* Read the rows of those of ids[0..n) that c does not hold yet (at most
 * 64) in one zl_store_id_lookup: one round trip on a server backend where
 * the walk would make one an identifier. Answers do not change. c NULL: a
 * no-op. 0 or a store error. */
int zl_custody_prefetch(zl_store *s, zl_custody *c, const char *const *ids,
                        size_t n);

/* zl_authz_held_before through cache c (NULL: none); before is not
 * NULL. */
int zl_authz_held_before_cached(zl_store *s, zl_custody *c, const char *id,
                                const uint8_t before[32], const char *party_id,
                                int *held);

/* zl_viewer_sees_event for a stored event row (borrowed): 1 visible, 0
 * not, or a negative store error. */
int zl_viewer_sees_stored(zl_store *s, const struct zl_viewer *v,
                          const struct zl_stored_event *ev);

/* zl_viewer_sees_stored through memo m (NULL: none; zhiliang/party.h). */
int zl_viewer_sees_stored_memo(zl_store *s, const struct zl_viewer *v,
                               zl_viewer_memo *m,
                               const struct zl_stored_event *ev);

/* ---- registry records (registry.c) ---- */

struct zl_buf;

/* Begin a transaction unless one is open (*own says which), and end it:
 * commit when own and rc is 0, roll back when own and rc is not; rc or
 * the commit's error. */
int zl_registry_tx_begin(zl_store *s, int *own);
int zl_registry_tx_end(zl_store *s, int own, int rc);

/* The record of an entry's state (RFC 8785, "type", "v": 1) appended to
 * out: a party with the names of its GLNs (read from s), a product, a
 * token (never its hash). 0 or a negative error. */
int zl_registry_party_json(zl_store *s, const struct zl_party *p,
                           struct zl_buf *out);
int zl_registry_product_json(const struct zl_product *p, struct zl_buf *out);
int zl_registry_token_json(const struct zl_token_info *t, struct zl_buf *out);

/* The record of key's current rows ("party:<id>", "product:<gtin14>",
 * "token:<id>") appended to out; ZL_ENOTFOUND if the entry has no row. */
int zl_registry_state(zl_store *s, const char *key, struct zl_buf *out);

/* Store the record of key's current rows (next seq), log it as leaf
 * "registry:<key>:<seq>" and add an outbox row. Must run inside the
 * caller's transaction. */
int zl_registry_log(zl_store *s, const char *key);

/* A registry leaf's canonical bytes from its stored row (*canon new):
 * the JCS of the parsed row, or the raw row when it is not JSON (so the
 * leaf check fails). ZL_ENOTFOUND if the row or the key is not there. */
int zl_registry_record_canon(zl_store *s, const char *leaf_key, char **canon,
                             size_t *len);

/* Log every party, product and token as it is (the upgrade to schema 5
 * anchors the registry at that point). Inside the migration's
 * transaction. */
int zl_registry_migrate(zl_store *s);

/* Write the rows a record states (reindex; the tables were cleared): a
 * party with its GLNs, names, prefixes and kind, a product, or a token's
 * party and times (ZL_ENOTFOUND if the token row is gone: its hash cannot
 * be rebuilt). ZL_EINVAL for a record that does not parse. */
int zl_registry_restore(zl_store *s, const char *json, size_t len);

#endif
