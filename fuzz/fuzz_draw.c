/*
 * fuzz_draw.c - libFuzzer target for the RFC 3797 seed parser and the
 * selection it feeds.
 *
 * Arbitrary bytes are seed text. Invariants: nothing crashes or reads out
 * of bounds; an accepted key is NUL-terminated, of the length reported,
 * made only of digits, '.' and '/', and every source ends in "./"; the
 * selection from it is a set of distinct positions inside the pool whose
 * first picks do not depend on how many are asked for.
 */
#include "zhiliang/draw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char key[ZL_RFC3797_KEY_MAX];
    uint32_t picks[64], again[8];
    uint8_t seen[300] = {0};
    struct zl_error err = {0};
    size_t klen = 0, i;
    uint32_t pool;

    if (zl_rfc3797_key((const char *)data, size, key, sizeof key, &klen, &err))
        return 0;
    must(klen == strlen(key) && klen >= 2);
    for (i = 0; i < klen; i++)
        must((key[i] >= '0' && key[i] <= '9') || key[i] == '.' ||
             key[i] == '/');
    must(key[klen - 1] == '/' && key[klen - 2] == '.');
    pool = 1 + (uint32_t)(size % 299);
    must(!zl_rfc3797_select(key, klen, pool, pool < 64 ? pool : 64, picks,
                            NULL));
    for (i = 0; i < (pool < 64 ? pool : 64); i++) {
        must(picks[i] >= 1 && picks[i] <= pool && !seen[picks[i]]);
        seen[picks[i]] = 1;
    }
    must(!zl_rfc3797_select(key, klen, pool, pool < 8 ? pool : 8, again, NULL));
    must(!memcmp(again, picks, (pool < 8 ? pool : 8) * sizeof again[0]));
    return 0;
}
