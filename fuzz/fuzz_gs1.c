/*
 * fuzz_gs1.c - libFuzzer target for the GS1 parsers.
 *
 * Feeds arbitrary bytes to zl_gs1_parse, zl_gs1_canonical and
 * zl_uscc_validate, and on every input that parses checks the invariants
 * the rest of Zhiliang relies on: each rendering fits and NUL-terminates,
 * the Digital Link (with attributes) and the raw element string parse back
 * to the same Digital Link (bare keys, scanner input, the dictionary's
 * req=/ex= rules and the Digital Link strictness all on this path), an EPC URN
 * written with any company prefix length parses back to the same key, and
 * canonical output is itself a fixed point. A broken invariant aborts, which
 * libFuzzer reports.
 */
#include "zhiliang/gs1.h"

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
    const char *s = (const char *)data;
    struct zl_gs1_id id, back;
    struct zl_error err;
    char dl[1024], dl2[1024], es[1024], urn[1024], canon[1024], c2[1024];
    int n, L, attrs;

    if (zl_gs1_parse(s, size, &id, &err) == 0) {
        must(id.n_ais >= 1 && id.n_ais <= ZL_GS1_MAX_AIS);
        /* with attributes when all of them can be Digital Link data
         * attributes, else the key and qualifiers alone */
        attrs = zl_gs1_to_dl(&id, 1, dl, sizeof dl) != ZL_EINVAL;
        n = zl_gs1_to_dl(&id, attrs, dl, sizeof dl);
        must(n > 0 && (size_t)n == strlen(dl));
        must(zl_gs1_parse(dl, (size_t)n, &back, &err) == 0);
        must(zl_gs1_to_dl(&back, attrs, dl2, sizeof dl2) == n);
        must(strcmp(dl, dl2) == 0);

        /* behind ]C1, so that all digits are not read as a bare key */
        memcpy(es, "]C1", 3);
        n = zl_gs1_to_element_string_raw(&id, es + 3, sizeof es - 3);
        must(n > 0);
        must(zl_gs1_parse(es, (size_t)n + 3, &back, &err) == 0);
        zl_gs1_to_dl(&back, attrs, dl2, sizeof dl2);
        must(strcmp(dl, dl2) == 0);
        must(zl_gs1_to_element_string(&id, es, sizeof es) > 0);

        for (L = 6; L <= 12; L++) {
            n = zl_gs1_to_urn(&id, L, urn, sizeof urn);
            if (n < 0)
                continue;
            must(zl_gs1_parse(urn, (size_t)n, &back, &err) == 0);
            must(back.scheme == id.scheme);
            must(strcmp(back.ais[0].value, id.ais[0].value) == 0);
        }
        /* small buffers fail cleanly */
        must(zl_gs1_to_dl(&id, 0, dl2, 8) == ZL_ELIMIT);
    }
    n = zl_gs1_canonical(s, size, canon, sizeof canon, &err);
    if (n > 0 && strncmp(canon, "https://id.gs1.org/", 19) == 0) {
        must(zl_gs1_canonical(canon, (size_t)n, c2, sizeof c2, &err) == n);
        must(strcmp(canon, c2) == 0);
    }
    zl_uscc_validate(s, size, &err);
    return 0;
}
