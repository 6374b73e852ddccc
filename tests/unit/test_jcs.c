/*
 * test_jcs.c - RFC 8785 canonical JSON (lib/util/jcs.c).
 *
 * Known answers from the standard: the Appendix B number table (IEEE-754
 * bit patterns and the text RFC 8785 expects, NaN and Infinity refused),
 * the 3.2.2 example object and the 3.2.3 sorting example, copied from the
 * RFC text. The other whole documents are the test data published with
 * the RFC by its first author (github.com/cyberphone/
 * json-canonicalization, testdata/input and testdata/output: structures,
 * arrays, weird, french, unicode).
 *
 * Differential checks: random doubles must read back (strtod) to the same
 * double with no more significant digits than the shortest "%.*g" that
 * reads back (a naive model), and the frozen legacy form must equal what
 * the installed jansson prints for random documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/jcs.h"
#include "zhiliang/error.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 8785 Appendix B: "IEEE-754 hex" -> "expected output". */
static const struct {
    uint64_t bits;
    const char *want; /* NULL: an error (NaN, Infinity) */
} appendix_b[] = {
    {0x0000000000000000ULL, "0"},
    {0x8000000000000000ULL, "0"}, /* minus zero */
    {0x0000000000000001ULL, "5e-324"},
    {0x8000000000000001ULL, "-5e-324"},
    {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
    {0xffefffffffffffffULL, "-1.7976931348623157e+308"},
    {0x4340000000000000ULL, "9007199254740992"},
    {0xc340000000000000ULL, "-9007199254740992"},
    {0x4430000000000000ULL, "295147905179352830000"},
    {0x7fffffffffffffffULL, NULL}, /* NaN */
    {0x7ff0000000000000ULL, NULL}, /* Infinity */
    {0x44b52d02c7e14af5ULL, "9.999999999999997e+22"},
    {0x44b52d02c7e14af6ULL, "1e+23"},
    {0x44b52d02c7e14af7ULL, "1.0000000000000001e+23"},
    {0x444b1ae4d6e2ef4eULL, "999999999999999700000"},
    {0x444b1ae4d6e2ef4fULL, "999999999999999900000"},
    {0x444b1ae4d6e2ef50ULL, "1e+21"},
    {0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7"},
    {0x3eb0c6f7a0b5ed8dULL, "0.000001"},
    {0x41b3de4355555553ULL, "333333333.3333332"},
    {0x41b3de4355555554ULL, "333333333.33333325"},
    {0x41b3de4355555555ULL, "333333333.3333333"},
    {0x41b3de4355555556ULL, "333333333.3333334"},
    {0x41b3de4355555557ULL, "333333333.33333343"},
    {0xbecbf647612f3696ULL, "-0.0000033333333333333333"},
    {0x43143ff3c1cb0959ULL, "1424953923781206.2"},
};

static double from_bits(uint64_t b)
{
    double d;

    memcpy(&d, &b, sizeof d);
    return d;
}

static void test_appendix_b(void **state)
{
    char out[ZL_JCS_NUM_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof appendix_b / sizeof *appendix_b; i++) {
        int w = zl_jcs_number(from_bits(appendix_b[i].bits), out);

        if (!appendix_b[i].want) {
            assert_int_equal(w, ZL_EINVAL);
            continue;
        }
        assert_int_equal(w, (int)strlen(appendix_b[i].want));
        assert_string_equal(out, appendix_b[i].want);
    }
    assert_int_equal(zl_jcs_number(-INFINITY, out), ZL_EINVAL);
    /* ECMAScript layout boundaries */
    zl_jcs_number(5e-7, out);
    assert_string_equal(out, "5e-7");
    zl_jcs_number(1e-6, out);
    assert_string_equal(out, "0.000001");
    zl_jcs_number(1e21, out);
    assert_string_equal(out, "1e+21");
    zl_jcs_number(1e20, out);
    assert_string_equal(out, "100000000000000000000");
    zl_jcs_number(0.1, out);
    assert_string_equal(out, "0.1");
    zl_jcs_number(-12.5, out);
    assert_string_equal(out, "-12.5");
    zl_jcs_number(123e-20, out);
    assert_string_equal(out, "1.23e-18");
}

/* Canonical form of text (parsed by jansson) must be want. */
static void check_doc(const char *text, const char *want)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    struct zl_buf b;

    if (!j)
        fail_msg("test input does not parse: %s", je.text);
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(zl_jcs_dump(j, &b), 0);
    assert_string_equal(b.data, want);
    zl_buf_cleanup(&b);
    json_decref(j);
}

static void test_rfc_examples(void **state)
{
    (void)state;
    /* RFC 8785 3.2.2 */
    check_doc("{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3,"
              " 0.000000000000000000000000001],\n"
              "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022"
              "\\u005c\\\\\\\"\\/\",\n"
              "  \"literals\": [null, true, false]\n}",
              "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,"
              "1e+30,4.5,0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B"
              "\\\"\\\\\\\\\\\"/\"}");
    /* RFC 8785 3.2.3: sorted on UTF-16 code units, so the emoji (a
     * surrogate pair, 0xD83D..) sorts before U+FB33 */
    check_doc("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\","
              " \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\","
              " \"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji: Grinning Face\","
              " \"\\u0080\": \"Control\","
              " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}",
              "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":"
              "\"Control\",\"\xc3\xb6\":\"Latin Small Letter O With "
              "Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":"
              "\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet"
              " With Dagesh\"}");
}

static void test_published_testdata(void **state)
{
    (void)state;
    /* structures */
    check_doc("{\"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},"
              " \"10\": { }, \"\": \"empty\", \"a\": { },"
              " \"111\": [ {\"e\": \"yes\",\"E\": \"no\" } ], \"A\": { }}",
              "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},"
              "\"10\":{},\"111\":[{\"E\":\"no\",\"e\":\"yes\"}],\"A\":{},"
              "\"a\":{}}");
    /* arrays */
    check_doc("[56, {\"d\": true, \"10\": null, \"1\": [ ]}]",
              "[56,{\"1\":[],\"10\":null,\"d\":true}]");
    /* weird */
    check_doc(
        "{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\","
        " \"\\u000a\": \"Newline\", \"1\": \"One\","
        " \"\\u0080\": \"Control\\u007f\", \"\\ud83d\\ude02\": \"Smiley\","
        " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\","
        " \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\","
        " \"</script>\": \"Browser Challenge\"}",
        "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\","
        "\"</script>\":\"Browser Challenge\",\"\xc2\x80\":\"Control\x7f\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
        "\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x82\":\"Smiley\","
        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    /* french: no locale collation */
    check_doc("{\"peach\": \"This sorting order\", \"p\xc3\xa9\x63h\xc3\xa9\":"
              " \"is wrong according to French\", \"p\xc3\xaa\x63he\":"
              " \"but canonicalization MUST\", \"sin\": \"ignore locale\"}",
              "{\"peach\":\"This sorting order\",\"p\xc3\xa9\x63h\xc3\xa9\":"
              "\"is wrong according to French\",\"p\xc3\xaa\x63he\":"
              "\"but canonicalization MUST\",\"sin\":\"ignore locale\"}");
    /* unicode: no normalisation */
    check_doc("{\"Unnormalized Unicode\":\"A\\u030a\"}",
              "{\"Unnormalized Unicode\":\"A\xcc\x8a\"}");
}

static void test_escapes_and_limits(void **state)
{
    struct zl_buf b;
    json_t *j;

    (void)state;
    /* every control character: short form or lower-case \u00xx */
    check_doc("\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f \\u007f/\"",
              "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f \x7f/\"");
    check_doc("[-0.0, 1e21, 5e-7, 9007199254740992, -9007199254740992, 2.0]",
              "[0,1e+21,5e-7,9007199254740992,-9007199254740992,2]");
    /* an integer past 2^53 would change on its way through a double */
    zl_buf_init(&b, 1 << 10);
    j = json_integer(9007199254740993LL);
    assert_int_equal(zl_jcs_dump(j, &b), ZL_EINVAL);
    json_decref(j);
    /* the buffer cap holds */
    zl_buf_reset(&b);
    b.max = 4;
    j = json_pack("{s:s}", "key", "value");
    assert_int_equal(zl_jcs_dump(j, &b), ZL_ELIMIT);
    json_decref(j);
    zl_buf_cleanup(&b);
}

/* xorshift64*: reproducible without touching the process's rand(). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

/* Significant digits of a JCS number ("-1.25e+3" -> 3). */
static int sig_digits(const char *s)
{
    int n = 0, lead = 1, zeros = 0;

    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (lead && *s == '0')
            continue;
        lead = 0;
        if (*s == '0') {
            zeros++;
        } else {
            n += zeros + 1;
            zeros = 0;
        }
    }
    return n;
}

static void check_double(double d)
{
    char out[ZL_JCS_NUM_MAX], g[40];
    int p;

    if (isnan(d) || isinf(d))
        return;
    assert_true(zl_jcs_number(d, out) > 0);
    if (strtod(out, NULL) != d)
        fail_msg("%.17g printed as %s", d, out);
    /* the naive model: the fewest %.*g digits that read back */
    for (p = 1; p <= 17; p++) {
        snprintf(g, sizeof g, "%.*g", p, d);
        if (strtod(g, NULL) == d)
            break;
    }
    if (d != 0 && sig_digits(out) > p)
        fail_msg("%.17g printed as %s, longer than %s", d, out, g);
}

static void test_random_doubles(void **state)
{
    uint64_t s = 0x9e3779b97f4a7c15ULL;

    (void)state;
    for (int i = 0; i < 40000; i++) {
        uint64_t r = rnd(&s);

        check_double(from_bits(r)); /* any bit pattern */
        /* and numbers a record holds: quantities with a few decimals */
        check_double((double)(int64_t)(r % 100000000) / 1000.0);
    }
    for (uint64_t b = 0; b < 2000; b++) /* subnormals, powers of two */
        check_double(from_bits(0x0010000000000000ULL + b));
    for (int e = -1074; e <= 1023; e++)
        check_double(ldexp(1.0, e));
}

/* A random document of strings, names, integers and reals. */
static json_t *random_doc(uint64_t *s, int depth)
{
    static const char *const bits[] = {"a",
                                       "B",
                                       "\x01",
                                       "\x1f",
                                       "\"",
                                       "\\",
                                       "/",
                                       "\x7f",
                                       "\xc3\xb6",
                                       "\xe2\x82\xac",
                                       "\xef\xac\xb3",
                                       "\xf0\x9f\x98\x80",
                                       "\n",
                                       "9",
                                       ""};
    uint64_t r = rnd(s);
    char str[64];
    json_t *o;

    str[0] = 0;
    for (int i = 0; i < (int)(r % 5); i++)
        strcat(str, bits[rnd(s) % (sizeof bits / sizeof *bits)]);
    switch (depth > 3 ? r % 4 : r % 6) {
    case 0: return json_string(str);
    case 1: return json_integer((json_int_t)(rnd(s) % 2000000) - 1000000);
    case 2: return json_real(from_bits(rnd(s) & 0xbfffffffffffffffULL));
    case 3: return json_real((double)(int64_t)(rnd(s) % 100000) / 8.0);
    case 4:
        o = json_array();
        for (int i = 0; i < (int)(rnd(s) % 4); i++)
            json_array_append_new(o, random_doc(s, depth + 1));
        return o;
    default:
        o = json_object();
        for (int i = 0; i < (int)(rnd(s) % 5); i++) {
            char name[32] = "";

            for (int k = 0; k < (int)(rnd(s) % 3); k++)
                strcat(name, bits[rnd(s) % (sizeof bits / sizeof *bits)]);
            json_object_set_new(o, name, random_doc(s, depth + 1));
        }
        return o;
    }
}

static void test_legacy_matches_jansson(void **state)
{
    uint64_t s = 42;

    (void)state;
    for (int i = 0; i < 5000; i++) {
        json_t *j = random_doc(&s, 0);
        char *want =
            json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
        struct zl_buf b;

        assert_non_null(want);
        zl_buf_init(&b, 1 << 20);
        assert_int_equal(zl_json_legacy_dump(j, &b), 0);
        if (strcmp(b.data, want))
            fail_msg("legacy %s, jansson %s", b.data, want);
        zl_buf_cleanup(&b);
        free(want);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appendix_b),
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_published_testdata),
        cmocka_unit_test(test_escapes_and_limits),
        cmocka_unit_test(test_random_doubles),
        cmocka_unit_test(test_legacy_matches_jansson),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
