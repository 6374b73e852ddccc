/*
 * store_lookups.h - storage of code lookup counts (zhiliang/lookups.h).
 *
 * One table, code_lookups(code PRIMARY KEY, n, first_ms, last_ms),
 * updated by upsert: n adds up, first_ms keeps the least, last_ms the
 * greatest. A hot code is one row updated in place, so the table grows
 * with the number of distinct codes looked up, not with page views.
 */
#ifndef ZL_STORE_LOOKUPS_H
#define ZL_STORE_LOOKUPS_H

#include "zhiliang/lookups.h"

#endif
