/*
 * sup_fixture.h - helpers the supervision tests share: valid unified
 * social credit codes made up for a region (the check characters of GB
 * 11714 and GB 32100 as the demo generator computes them, lib/demo), and
 * a registry entry put that fails the test on error. Include after
 * <cmocka.h>.
 */
#ifndef ZL_TEST_SUP_FIXTURE_H
#define ZL_TEST_SUP_FIXTURE_H

#include "demo.h"
#include "zhiliang/inspect.h"

#include <stdio.h>
#include <string.h>

/* A valid USCC (GB 32100) for region (6 digits) and serial n. */
static inline void make_uscc(const char *region, unsigned n, char out[19])
{
    snprintf(out, 19, "91%.6s%08u", region, n % 100000000u);
    out[16] = zl_demo_orgcode_check(out + 8);
    out[17] = zl_demo_uscc_check(out);
    out[18] = '\0';
}

/* Put one registry entry of kind k as the operator; fails the test on an
 * error, naming its field and rule. */
static inline void put(zl_store *s, enum zl_sup_kind k, const char *json)
{
    struct zl_error err = {0};

    if (zl_sup_put(s, NULL, k, json, strlen(json), &err))
        fail_msg("put: %s: %s", err.path, err.rule);
}

#endif
