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

/* zl_viewer_sees_event for a stored event row (borrowed): 1 visible, 0
 * not, or a negative store error. */
int zl_viewer_sees_stored(zl_store *s, const struct zl_viewer *v,
                          const struct zl_stored_event *ev);

#endif
