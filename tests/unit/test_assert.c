/*
 * test_assert.c - ZL_ASSERT's release behaviour: this file is compiled
 * with NDEBUG (tests/meson.build), so a broken contract returns the given
 * value instead of aborting (debug builds abort; every other unit test
 * runs with that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/assert.h"

struct box {
    int v[4];
    size_t n;
};

static const int *item(const struct box *b, size_t i)
{
    ZL_ASSERT(b && i < b->n, NULL);
    return &b->v[i];
}

static int check(int x)
{
    ZL_ASSERT(x > 0, -22);
    return 0;
}

static void test_release_returns(void **state)
{
    struct box b = {{1, 2, 3, 4}, 3};

    (void)state;
    assert_non_null(item(&b, 2));
    assert_int_equal(*item(&b, 2), 3);
    assert_null(item(&b, 3)); /* past n: NULL, not v[3] */
    assert_null(item(NULL, 0));
    assert_int_equal(check(1), 0);
    assert_int_equal(check(0), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_returns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
