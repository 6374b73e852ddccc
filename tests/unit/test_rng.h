/*
 * test_rng.h - the unit tests' one pseudo-random generator: Marsaglia's
 * xorshift64 (13, 7, 17), so a test's generated inputs are the same on
 * every run and every machine, from the seed it keeps. Not for anything
 * but tests (and never 0 as a seed: it stays 0).
 */
#ifndef ZL_TEST_RNG_H
#define ZL_TEST_RNG_H

#include <stdint.h>

/* The next value of the sequence *state is at (and advance it). */
static inline uint64_t test_xorshift64(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* A double in (0, 1), from the top 53 bits. */
static inline double test_unit_real(uint64_t *state)
{
    return ((double)(test_xorshift64(state) >> 11) + 0.5) / 9007199254740992.0;
}

#endif
