/*
 * fuzz_registry.c - libFuzzer target for the registries' imports: the
 * parties-and-products JSON of `zhiliang party import`
 * (zl_party_import_json, with every declared product field) and the
 * supervision registries' CSV and JSON (zl_sup_import: enterprises,
 * inspectors, product categories).
 *
 * The first byte picks the import (0: parties and products; 1-3: an
 * enterprise, inspector or category file, CSV when bit 2 is set), the
 * rest is the file. One store, made at the first input in a temporary
 * directory, takes every input, so later inputs meet what earlier ones
 * stored. Invariants: nothing crashes or reads out of bounds; a refused
 * import names a rule (or, for the supervision files, each row error has
 * a field and a reason), an accepted one none.
 */
#include "zhiliang/inspect.h"
#include "zhiliang/party.h"
#include "zhiliang/zhiliang.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
    if (!cond)
        abort();
}

static zl_store *store(void)
{
    static zl_store *s;
    static char dir[] = "/tmp/zl-fuzz-registry-XXXXXX";
    char path[64];

    if (s)
        return s;
    must(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/s.db", dir);
    must(zl_init(path, "fuzz.test/log", NULL) == 0);
    must(zl_open(path, &s, NULL) == 0);
    return s;
}

static int on_row(void *ctx, const struct zl_sup_row_error *e)
{
    must(e->field && e->why && *e->why);
    ++*(int *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data + 1;
    struct zl_error err;
    size_t stored = 0;
    int rc, n = 0;

    if (!size)
        return 0;
    memset(&err, 0, sizeof err);
    if (data[0] % 4 == 0) {
        rc = zl_party_import_json(store(), doc, size - 1, NULL, NULL, &err);
        must(rc == 0 || err.rule[0]);
        return 0;
    }
    rc = zl_sup_import(store(), NULL, (enum zl_sup_kind)(data[0] % 4 - 1), doc,
                       size - 1, (data[0] & 4) != 0, on_row, &n, &stored);
    must(rc != 0 || n == 0);
    must(rc != ZL_EINVAL || n > 0);
    return 0;
}
