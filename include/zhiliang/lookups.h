/*
 * lookups.h - how often a code has been looked up, and since when.
 *
 * A serialised item is meant to be scanned by the one shopper who holds
 * it. When its page says "looked up 37 times, first on 3 March" to the
 * shopper scanning it for the first time, the code has been copied onto
 * other packs (加强产品防伪监督管理). The server counts the public page
 * views of each serialised code in memory and adds them to the store in
 * batches (server/lookups.c); this is the store's side.
 *
 * Counts are telemetry, not records: they are not logged in the Merkle
 * log and `verify` does not check them, and the views of the last few
 * seconds before a crash may be lost. Codes are stored as the portal
 * names them (the canonical GS1 Digital Link URI).
 */
#ifndef ZHILIANG_LOOKUPS_H
#define ZHILIANG_LOOKUPS_H

#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

struct zl_lookup_count {
    uint64_t n;       /* lookups counted */
    int64_t first_ms; /* the first one, Unix milliseconds */
    int64_t last_ms;  /* the latest one */
};

/* One code's lookups to add: n of them, seen from first_ms to last_ms. */
struct zl_lookup {
    const char *code;
    struct zl_lookup_count c;
};

/* Add each v[i].c.n lookups to v[i].code's count (creating it), all n in
 * one write transaction: all are added or none. Returns 0, ZL_EINVAL for
 * an empty code or a zero n (nothing is written), or a store error. */
int zl_lookups_add(zl_store *s, const struct zl_lookup *v, size_t n);

/* The stored count of code into *c. Returns 0, ZL_ENOTFOUND when it has
 * never been counted, or a store error. */
int zl_lookups_get(zl_store *s, const char *code, struct zl_lookup_count *c);

#endif
