/*
 * party_int.h - what party.c shares with the other registry files
 * (product.c) and nothing outside lib/party uses.
 */
#ifndef ZL_PARTY_INT_H
#define ZL_PARTY_INT_H

#include <stddef.h>

/* 1 when s[0..n) are all ASCII digits (also for n = 0), else 0. */
int zl_party_all_digits(const char *s, size_t n);

#endif
