/*
 * test_ratelimit.c - the token bucket of the public complaint endpoints
 * (server/ratelimit.h) on a clock of the test's own: a burst is allowed,
 * the next request waits exactly until one token has refilled (worked out
 * by hand: 6 a minute is one token every 10 s), addresses do not share a
 * bucket, the bucket never holds more than the burst after a long idle,
 * and a full table evicts without losing a busy address's state.
 */
#include "ratelimit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const uint8_t A[4] = {192, 0, 2, 1}, B[4] = {192, 0, 2, 2};

static void test_burst_then_wait(void **state)
{
    int64_t t = 1000000;

    (void)state;
    zl_ratelimit_reset();
    for (int i = 0; i < 10; i++)
        assert_int_equal(zl_ratelimit_take_key(A, 4, t, 10, 6), 0);
    /* empty: one token every 10 s */
    assert_int_equal(zl_ratelimit_take_key(A, 4, t, 10, 6), 10);
    assert_int_equal(zl_ratelimit_take_key(A, 4, t + 4000, 10, 6), 6);
    assert_int_equal(zl_ratelimit_take_key(A, 4, t + 9999, 10, 6), 1);
    assert_int_equal(zl_ratelimit_take_key(A, 4, t + 10000, 10, 6), 0);
    assert_int_equal(zl_ratelimit_take_key(A, 4, t + 10000, 10, 6), 10);
    /* another address has its own bucket */
    assert_int_equal(zl_ratelimit_take_key(B, 4, t + 10000, 10, 6), 0);
}

static void test_idle_caps_at_burst(void **state)
{
    int64_t t = 5000000;
    int ok = 0;

    (void)state;
    zl_ratelimit_reset();
    assert_int_equal(zl_ratelimit_take_key(A, 4, t, 3, 6), 0);
    /* a day idle: still only 3 at once */
    t += 86400000;
    while (!zl_ratelimit_take_key(A, 4, t, 3, 6))
        ok++;
    assert_int_equal(ok, 3);
}

static void test_many_addresses(void **state)
{
    int64_t t = 9000000;
    uint8_t k[16] = {0x20, 0x01, 0x0d, 0xb8};

    (void)state;
    zl_ratelimit_reset();
    /* A is emptied, then 20,000 other addresses pass once each: the table
     * (4,096 slots) evicts the fullest buckets, never A's empty one
     * among its probes unless all are empty too */
    for (int i = 0; i < 2; i++)
        assert_int_equal(zl_ratelimit_take_key(A, 4, t, 2, 6), 0);
    assert_true(zl_ratelimit_take_key(A, 4, t, 2, 6) > 0);
    for (uint32_t i = 0; i < 20000; i++) {
        memcpy(k + 12, &i, 4);
        assert_int_equal(zl_ratelimit_take_key(k, 16, t, 2, 6), 0);
    }
    assert_true(zl_ratelimit_take_key(A, 4, t, 2, 6) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_wait),
        cmocka_unit_test(test_idle_caps_at_burst),
        cmocka_unit_test(test_many_addresses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
