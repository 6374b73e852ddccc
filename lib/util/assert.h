/*
 * assert.h - ZL_ASSERT: a contract check at API entry points and
 * accessors, after SQLite's defensive checks that "assert in debug and
 * hold in release".
 *
 * In debug builds (NDEBUG unset: meson's debug and debugoptimized build
 * types) a broken contract prints what and where and aborts, so tests and
 * fuzzers stop at the caller's mistake. In release builds it returns the
 * given value instead (an error code, or NULL for accessors), so a wrong
 * index from a host program is an error, not a read out of bounds.
 *
 *     const struct zl_trace_node *zl_trace_node(const zl_trace *t, size_t i)
 *     {
 *         ZL_ASSERT(t && i < t->n_nodes, NULL);
 *         ...
 */
#ifndef ZL_ASSERT_H
#define ZL_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#ifdef NDEBUG
#define ZL_ASSERT(cond, ret)                                                   \
    do {                                                                       \
        if (!(cond))                                                           \
            return ret;                                                        \
    } while (0)
#else
#define ZL_ASSERT(cond, ret)                                                   \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: %s: contract broken: %s\n", __FILE__,      \
                    __LINE__, __func__, #cond);                                \
            abort();                                                           \
        }                                                                      \
    } while (0)
#endif

#endif
