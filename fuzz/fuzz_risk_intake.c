/*
 * fuzz_risk_intake.c - libFuzzer target for the risk report checks
 * (zl_risk_check: JSON, dates, GS1 codes, USCCs, ID numbers, the injury
 * code lists, incident deadlines).
 *
 * The first byte picks the kind, the rest is the report. Invariants:
 * nothing crashes or reads out of bounds; the answer is 0 or ZL_EINVAL
 * (ZL_ENOMEM aside); ZL_EINVAL comes with at least one field error, each
 * with a non-empty field and reason, and 0 with none.
 */
#include "zhiliang/risk_intake.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
    if (!cond)
        abort();
}

static int on_error(void *ctx, const struct zl_risk_field_error *e)
{
    must(e->field && *e->field && e->why && *e->why && e->value);
    ++*(int *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t KEY[ZL_RISK_KEY_LEN] = {7};
    struct zl_risk_intake_opts o = {0};
    struct zl_error err;
    int n = 0, rc;

    if (!size)
        return 0;
    o.key = KEY;
    o.now_ms = (int64_t)20793 * 86400000; /* 2026-12-06 */
    rc = zl_risk_check((enum zl_risk_kind)(data[0] % 3), (const char *)data + 1,
                       size - 1, &o, on_error, &n, &err);
    must(rc == 0 || rc == ZL_EINVAL || rc == ZL_ENOMEM);
    must(rc != ZL_EINVAL || n > 0);
    must(rc != 0 || n == 0);
    return 0;
}
