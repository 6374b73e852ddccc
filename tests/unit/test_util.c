/*
 * test_util.c - capped buffers, ISO 8601 times, hex and base64, and the
 * JSON writer (jw.c) against jansson's own dump as its oracle, and
 * libraries opened on first use (dl.c).
 * Base64 vectors are RFC 4648 section 10; time answers were computed
 * independently with `date -u -d ... +%s%3N`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/alloc.h"
#include "zhiliang/arena.h"
#include "zhiliang/dl.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/itab.h"
#include "util/sort.h"
#include "util/jw.h"
#include "util/strmap.h"
#include "test_rng.h"
#include "util/timefmt.h"
#include "zhiliang/error.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_buf_cap(void **state)
{
    struct zl_buf b;

    (void)state;
    zl_buf_init(&b, 10);
    assert_int_equal(zl_buf_adds(&b, "hello"), 0);
    assert_int_equal(zl_buf_adds(&b, "world"), 0);
    assert_int_equal(b.len, 10);
    assert_int_equal(zl_buf_addc(&b, '!'), ZL_ELIMIT);
    assert_int_equal(b.len, 10); /* a refused append changes nothing */
    assert_string_equal(b.data, "helloworld");
    zl_buf_reset(&b);
    assert_int_equal(zl_buf_printf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(b.data, "42-x");
    assert_int_equal(zl_buf_printf(&b, "%s", "0123456789"), ZL_ELIMIT);
    assert_string_equal(b.data, "42-x");
    zl_buf_cleanup(&b);
    zl_buf_cleanup(NULL);
}

/* zl_buf_add_int writes what "%lld" writes; zl_buf_printf formats in
 * place when the room is there and grows when not, the NUL after the
 * text either way, and refuses past the cap without a change. */
static void test_buf_numbers(void **state)
{
    static const long long V[] = {0,
                                  1,
                                  -1,
                                  9,
                                  10,
                                  -10,
                                  99,
                                  100,
                                  2147483647,
                                  -2147483648LL,
                                  1234567890123LL,
                                  LLONG_MAX,
                                  LLONG_MIN};
    struct zl_buf b, p;
    char t[32];

    (void)state;
    zl_buf_init(&b, 1 << 16);
    zl_buf_init(&p, 1 << 16);
    for (size_t i = 0; i < sizeof V / sizeof V[0]; i++) {
        assert_int_equal(zl_buf_add_int(&b, V[i]), 0);
        assert_int_equal(zl_buf_addc(&b, ','), 0);
        snprintf(t, sizeof t, "%lld,", V[i]);
        assert_int_equal(zl_buf_adds(&p, t), 0);
    }
    assert_string_equal(b.data, p.data);
    /* in place: the room is there after a reset */
    zl_buf_reset(&b);
    assert_int_equal(zl_buf_printf(&b, "%s-%d", "ab", 7), 0);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "ab-7");
    /* longer than the room: grown, the whole text */
    for (int i = 0; i < 200; i++)
        assert_int_equal(zl_buf_printf(&b, "%05d", i), 0);
    assert_int_equal(b.len, 4 + 200 * 5);
    assert_memory_equal(b.data + b.len - 5, "00199", 6);
    zl_buf_cleanup(&b);
    /* past the cap with the room allocated: refused, nothing changed */
    zl_buf_init(&b, 8);
    assert_int_equal(zl_buf_adds(&b, "12345"), 0);
    zl_buf_reset(&b);
    assert_int_equal(zl_buf_adds(&b, "12"), 0);
    assert_int_equal(zl_buf_printf(&b, "%s", "abcdefg"), ZL_ELIMIT);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "12");
    assert_int_equal(zl_buf_add_int(&b, 1234567), ZL_ELIMIT);
    assert_string_equal(b.data, "12");
    zl_buf_cleanup(&b);
    zl_buf_cleanup(&p);
}

static void test_buf_oom(void **state)
{
    struct zl_buf b;

    (void)state;
    zl_buf_init(&b, 1000);
    zl_alloc_fail_after(0);
    assert_int_equal(zl_buf_adds(&b, "x"), ZL_ENOMEM);
    zl_alloc_fail_after(-1);
    assert_int_equal(b.len, 0);
    assert_int_equal(zl_buf_adds(&b, "x"), 0);
    zl_buf_cleanup(&b);
}

static void test_time(void **state)
{
    int64_t ms;
    int off;
    char out[40];
    static const struct {
        const char *in;
        int64_t ms;
        int off;
    } ok[] = {
        {"1970-01-01T00:00:00Z", 0, 0},
        {"2022-02-16T20:33:31.116000-06:00", 1645065211116LL, -360},
        {"2022-02-17T02:33:31.116Z", 1645065211116LL, 0},
        {"2024-02-29T23:59:59.9995+08:00", 1709222400000LL, 480},
        {"2005-04-03T20:33:31.1164-06:00", 1112582011116LL, -360},
        {"2005-04-03T20:33:31.1165-06:00", 1112582011117LL, -360},
        {"2000-03-01T00:00:00+00:00", 951868800000LL, 0},
    };
    static const char *bad[] = {
        "2022-02-16T20:33:31",
        "2022-02-30T00:00:00Z",
        "2022-13-01T00:00:00Z",
        "2022-02-16 20:33:31Z",
        "2022-02-16T24:00:00Z",
        "2022-02-16T20:33:31.Z",
        "2022-02-16T20:33:31+8:00",
        "2022-02-16T20:33:31Zjunk",
        "",
    };

    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(zl_time_parse(ok[i].in, strlen(ok[i].in), &ms, &off),
                         0);
        assert_int_equal(ms, ok[i].ms);
        assert_int_equal(off, ok[i].off);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(zl_time_parse(bad[i], strlen(bad[i]), &ms, &off),
                         ZL_ESYNTAX);
    zl_time_format_utc(1645065211116LL, out);
    assert_string_equal(out, "2022-02-17T02:33:31.116Z");
    zl_time_format_local(1645065211116LL, -360, out);
    assert_string_equal(out, "2022-02-16T20:33:31.116-06:00");
    zl_time_format_utc(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    zl_time_format_local(253402300799999LL, 840, out);
    assert_string_equal(out, "0000-01-01T13:59:59.999+14:00"); /* mod 10^4 */
    /* every field's digits: what is written reads back as the same time */
    for (int64_t t = -62135596800000LL; t < 253402300799999LL;
         t += 7919LL * 3600 * 1000 + 12345) {
        int64_t back;

        zl_time_format_local(t, (int)(t % 841), out);
        assert_int_equal(zl_time_parse(out, strlen(out), &back, &off), 0);
        assert_int_equal(back, t);
        assert_int_equal(off, (int)(t % 841));
    }

    /* Times as people type them, read in a zone (+08:00 here): the
     * expected values are the full forms' own. */
    {
        static const char *const same[][2] = {
            {"2026-03-02", "2026-03-02T00:00:00+08:00"},
            {"2026-03-02T08:30", "2026-03-02T08:30:00+08:00"},
            {"2026-03-02T08:30:15", "2026-03-02T08:30:15+08:00"},
            {"2026-03-02T08:30:15Z", "2026-03-02T08:30:15Z"},
            {"2026-03-02T08:30:15-05:00", "2026-03-02T08:30:15-05:00"},
        };
        static const char *const refused[] = {
            "2026-3-2",   "2026-03-02T8:30",     "2026-03-02 08:30",
            "2026-02-30", "2026-03-02T08:30+08", "03/02/2026",
            "",
        };
        int64_t want;

        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
            assert_int_equal(
                zl_time_parse(same[i][1], strlen(same[i][1]), &want, &off), 0);
            assert_int_equal(
                zl_time_parse_in_zone(same[i][0], strlen(same[i][0]), 480, &ms),
                0);
            assert_int_equal(ms, want);
        }
        assert_int_equal(zl_time_parse_in_zone("2026-03-02", 10, 0, &ms), 0);
        assert_int_equal(ms, 1772409600000LL); /* midnight UTC */
        assert_int_equal(zl_time_parse_in_zone("2026-03-02", 10, -330, &ms), 0);
        assert_int_equal(ms, 1772409600000LL + 330 * 60000LL);
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
            assert_int_equal(
                zl_time_parse_in_zone(refused[i], strlen(refused[i]), 480, &ms),
                ZL_ESYNTAX);
    }
}

static void test_base64(void **state)
{
    static const char *plain[] = {"",     "f",     "fo",    "foo",
                                  "foob", "fooba", "foobar"};
    static const char *enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    char out[64];
    uint8_t dec[64];
    size_t n;

    (void)state;
    for (size_t i = 0; i < 7; i++) {
        zl_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out);
        assert_string_equal(out, enc[i]);
        assert_int_equal(zl_base64_decode(enc[i], strlen(enc[i]), dec, &n), 0);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(dec, plain[i], n);
    }
    assert_int_equal(zl_base64_decode("Zm9", 3, dec, &n), ZL_ESYNTAX);
    assert_int_equal(zl_base64_decode("Zm$v", 4, dec, &n), ZL_ESYNTAX);
}

static void test_hex(void **state)
{
    uint8_t b[4] = {0xde, 0xad, 0x00, 0x7f}, d[4];
    char s[9];

    (void)state;
    zl_hex_encode(b, 4, s);
    assert_string_equal(s, "dead007f");
    assert_int_equal(zl_hex_decode("DEAD007F", 8, d, 4), 0);
    assert_memory_equal(b, d, 4);
    assert_int_equal(zl_hex_decode("dead007", 7, d, 4), ZL_ESYNTAX);
    assert_int_equal(zl_hex_decode("deadg07f", 8, d, 4), ZL_ESYNTAX);
}

static void test_error_format(void **state)
{
    struct zl_error e = {0};
    char msg[512];

    (void)state;
    assert_int_equal(zl_error_set(&e, ZL_ECHECK, "$.epcList[0]",
                                  "bad check digit", "urn:x", 5),
                     ZL_ECHECK);
    zl_error_format(&e, msg, sizeof msg);
    assert_string_equal(msg,
                        "$.epcList[0]: bad check digit (value: \"urn:x\")");
    assert_string_equal(zl_strerror(-2), "No such file or directory");
    assert_string_equal(zl_strerror(ZL_ELIMIT), "limit exceeded");
}

/* The map against a naive model: a list searched linearly. */
static void test_strmap(void **state)
{
    struct zl_strmap m;
    static char keys[3000][16];
    long long model[3000] = {0};
    const char **sorted;
    int rc, added;

    (void)state;
    zl_strmap_init(&m, 2500);
    for (int i = 0; i < 3000; i++)
        snprintf(keys[i], sizeof keys[i], "k%d", (i * 7919) % 2600);
    for (int i = 0; i < 3000; i++) {
        struct zl_strmap_entry *e = zl_strmap_put(&m, keys[i], &added, &rc);
        int first = 1;

        for (int j = 0; j < i; j++)
            if (!strcmp(keys[j], keys[i]))
                first = 0;
        if (!e) {
            /* only a new key past the cap is refused */
            assert_int_equal(rc, ZL_ELIMIT);
            assert_true(first);
            assert_int_equal(zl_strmap_count(&m), 2500);
            continue;
        }
        assert_int_equal(added, first);
        e->n++;
        model[i] = e->n;
    }
    for (int i = 0; i < 3000; i++) {
        struct zl_strmap_entry *e = zl_strmap_find(&m, keys[i]);
        long long want = 0;

        for (int j = 0; j < 3000; j++)
            if (!strcmp(keys[j], keys[i]) && model[j] > want)
                want = model[j];
        assert_int_equal(e ? e->n : 0, want);
    }
    assert_string_equal(zl_strmap_at(&m, 0)->key, keys[0]); /* order kept */
    assert_null(zl_strmap_get(&m, "absent"));
    sorted = zl_strmap_sorted_keys(&m, &rc);
    assert_non_null(sorted);
    for (size_t i = 1; i < zl_strmap_count(&m); i++)
        assert_true(strcmp(sorted[i - 1], sorted[i]) < 0);
    zl_free(sorted);
    zl_strmap_cleanup(&m, NULL);
    zl_strmap_cleanup(NULL, NULL);
}

/* The one JSON string and XML/HTML escapers (lib/util/escape.c). */
static void test_escape(void **state)
{
    struct zl_buf b, small;

    (void)state;
    zl_buf_init(&b, 1 << 16);
    assert_int_equal(zl_buf_add_json_string(&b, ""), 0);
    assert_int_equal(
        zl_buf_add_json_string(&b, "a\"b\\c\n\x01\x1f\x7f\xe7\x89\x9b"), 0);
    assert_string_equal(b.data, "\"\"\"a\\\"b\\\\c\\u000a\\u0001\\u001f"
                                "\x7f\xe7\x89\x9b\"");
    zl_buf_reset(&b);
    assert_int_equal(zl_buf_add_xml(&b, "a<b>&\"c'd", (size_t)-1, 0), 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c'd");
    zl_buf_reset(&b);
    assert_int_equal(zl_buf_add_xml(&b, "'x'&y", (size_t)-1, 1), 0);
    assert_string_equal(b.data, "&#39;x&#39;&amp;y");
    zl_buf_reset(&b);
    assert_int_equal(zl_buf_add_xml(&b, "a&bcd", 2, 0), 0); /* a prefix */
    assert_int_equal(zl_buf_add_xml(&b, NULL, 5, 0), 0);    /* nothing */
    assert_string_equal(b.data, "a&amp;");
    zl_buf_cleanup(&b);
    /* The cap holds: an escape that does not fit fails. */
    zl_buf_init(&small, 8);
    assert_int_equal(zl_buf_add_json_string(&small, "ab\x01"), ZL_ELIMIT);
    zl_buf_cleanup(&small);
    zl_buf_init(&small, 4);
    assert_int_equal(zl_buf_add_xml(&small, "<<", (size_t)-1, 0), ZL_ELIMIT);
    zl_buf_cleanup(&small);
}

/* The calendar (zl_days_from_civil / zl_civil_from_days) round-trips. */
static void test_civil(void **state)
{
    static const int64_t days[] = {-719468, -1,    0,     1,     59,
                                   60,      10957, 11016, 19000, 2932896};
    int y, m, d;

    (void)state;
    assert_int_equal(zl_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(zl_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(zl_days_from_civil(1969, 12, 31), -1);
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        zl_civil_from_days(days[i], &y, &m, &d);
        assert_int_equal(zl_days_from_civil(y, m, d), days[i]);
    }
    zl_civil_from_days(11016, &y, &m, &d);
    assert_int_equal(y * 10000 + m * 100 + d, 20000229);
}

/* The capped arena (lib/util/arena.c): packed strings take no padding,
 * aligned pieces stay aligned after them, the cap and `held` hold. */
static void test_arena(void **state)
{
    struct zl_arena a;
    char *p, *q;
    void *x;

    (void)state;
    zl_arena_init_chunk(&a, 64, 32);
    p = zl_arena_strndup_packed(&a, "abc", 3);
    q = zl_arena_strndup_packed(&a, "de", 2);
    assert_string_equal(p, "abc");
    assert_string_equal(q, "de");
    assert_ptr_equal(q, p + 4); /* packed */
    assert_int_equal(a.total, 7);
    x = zl_arena_alloc(&a, 5); /* aligned after them */
    assert_non_null(x);
    assert_int_equal((uintptr_t)x % 16, 0);
    assert_int_equal(a.total, 7 + 16);
    assert_null(zl_arena_alloc(&a, 48));     /* past the cap of 64 */
    assert_non_null(zl_arena_alloc(&a, 24)); /* 32 more: a new chunk */
    assert_int_equal(a.total, 55);
    assert_true(a.held >= 2 * 32);
    assert_null(zl_arena_strndup_packed(&a, "123456789", 9)); /* 65 */
    assert_string_equal(zl_arena_strndup_packed(&a, "12345678", 8),
                        "12345678");                 /* exactly 64 */
    assert_null(zl_arena_strndup_packed(&a, "", 0)); /* full */
    zl_arena_free(&a);
    assert_int_equal(a.total, 0);
    assert_int_equal(a.held, 0);
    assert_string_equal(zl_arena_strndup(&a, "again", 5), "again");
    zl_arena_free(&a);
    zl_arena_free(NULL);
}

/* The index table (lib/util/itab.c): keys in the caller's array, found
 * again after every growth; a key never added is not found. */
static uint64_t itab_hash(const void *ctx, int32_t idx)
{
    const uint32_t *keys = ctx;

    return keys[idx] * 0x9e3779b97f4a7c15ull;
}

static int32_t itab_find(const struct zl_itab *t, const uint32_t *keys,
                         uint32_t key)
{
    size_t h;

    if (t->cap == 0)
        return -1;
    for (h = zl_itab_start(t, key * 0x9e3779b97f4a7c15ull); t->slot[h];
         h = zl_itab_step(t, h))
        if (keys[t->slot[h] - 1] == key)
            return t->slot[h] - 1;
    return -1;
}

static void test_itab(void **state)
{
    static uint32_t keys[5000];
    struct zl_itab t = {NULL, 0};
    size_t bytes = 0;

    (void)state;
    assert_int_equal(itab_find(&t, keys, 7), -1);
    for (int32_t i = 0; i < 5000; i++) {
        keys[i] = (uint32_t)i * 7919u + 3u;
        assert_int_equal(
            zl_itab_reserve(&t, (size_t)i, 16, itab_hash, keys, &bytes), 0);
        zl_itab_put(&t, itab_hash(keys, i), i);
    }
    assert_true(t.cap >= 2 * 5000);
    assert_int_equal(bytes, t.cap * sizeof(int32_t));
    for (int32_t i = 0; i < 5000; i++)
        assert_int_equal(itab_find(&t, keys, keys[i]), i);
    assert_int_equal(itab_find(&t, keys, 1), -1);
    /* a failed growth leaves the table as it was */
    zl_alloc_fail_after(0);
    assert_int_equal(zl_itab_reserve(&t, t.cap, 16, itab_hash, keys, NULL),
                     ZL_ENOMEM);
    zl_alloc_fail_after(-1);
    assert_int_equal(itab_find(&t, keys, keys[4999]), 4999);
    zl_itab_free(&t);
    assert_int_equal(t.cap, 0);
    zl_itab_free(NULL);
}

/* ---- jw: the JSON writer against jansson's dump -------------------------- */

static uint64_t jw_rng = 88172645463325252ULL;

static unsigned jw_rand(unsigned n)
{
    return (unsigned)(test_xorshift64(&jw_rng) % n);
}

/* A string with the bytes jansson escapes, some UTF-8 and plain text. */
static void jw_text(char *t, size_t cap)
{
    static const char *const parts[] = {"a",
                                        "Zh",
                                        " ",
                                        "\"",
                                        "\\",
                                        "/",
                                        "\n",
                                        "\t",
                                        "\r",
                                        "\b",
                                        "\f",
                                        "\x01",
                                        "\x1f",
                                        "\x7f",
                                        "\xe8\xb4\xa8",
                                        "\xe9\x87\x8f",
                                        "0",
                                        ""};
    size_t n = 0, k = jw_rand(6);

    t[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        const char *p = parts[jw_rand(sizeof parts / sizeof parts[0])];

        if (n + strlen(p) + 1 < cap) {
            memcpy(t + n, p, strlen(p) + 1);
            n += strlen(p);
        }
    }
}

/* The JSON escaper on longer strings (its eight-bytes-a-step scan, a
 * special byte at every offset of a step): jansson reads each output back
 * to the input, and only '"', '\\' and control bytes were escaped. */
static void test_escape_random(void **state)
{
    struct zl_buf b;

    (void)state;
    zl_buf_init(&b, 1 << 16);
    for (int round = 0; round < 3000; round++) {
        char t[256], part[64];
        size_t n = 0, extra = 0;
        json_error_t je;
        json_t *v;

        t[0] = '\0';
        for (unsigned i = 0, k = jw_rand(12); i < k; i++) {
            jw_text(part, sizeof part);
            if (jw_rand(2)) /* a plain run of 0..23 bytes between */
                snprintf(part + strlen(part), sizeof part - strlen(part),
                         "%.*s", (int)jw_rand(24), "abcdefghijklmnopqrstuvw");
            if (n + strlen(part) + 1 < sizeof t) {
                memcpy(t + n, part, strlen(part) + 1);
                n += strlen(part);
            }
        }
        for (size_t i = 0; i < n; i++)
            extra += (unsigned char)t[i] < 0x20    ? 5
                     : t[i] == '"' || t[i] == '\\' ? 1
                                                   : 0;
        zl_buf_reset(&b);
        assert_int_equal(zl_buf_add_json_string(&b, t), 0);
        assert_int_equal(b.len, n + 2 + extra);
        v = json_loadb(b.data, b.len, JSON_DECODE_ANY, &je);
        assert_non_null(v);
        assert_string_equal(json_string_value(v), t);
        json_decref(v);
    }
    zl_buf_cleanup(&b);
}

static json_t *jw_tree(int depth)
{
    static const double reals[] = {0.1,  -0.0,       3.0,      1e20,
                                   1e-5, 1.5e300,    2.5,      -7e-300,
                                   1e16, 123456.789, 1.0 / 3.0};
    char t[64];
    unsigned pick = jw_rand(depth > 3 ? 6 : 8);
    json_t *v;

    switch (pick) {
    case 0: jw_text(t, sizeof t); return json_string(t);
    case 1: return json_integer((json_int_t)jw_rand(2000000) - 1000000);
    case 2:
        return json_real(reals[jw_rand(sizeof reals / sizeof reals[0])] *
                         (jw_rand(3) ? 1 : jw_rand(1000) / 7.0));
    case 3: return json_boolean(jw_rand(2));
    case 4: return json_null();
    case 5: return json_integer(jw_rand(2) ? INT64_MAX : INT64_MIN);
    case 6:
        v = json_array();
        for (unsigned i = 0, n = jw_rand(4); i < n; i++)
            json_array_append_new(v, jw_tree(depth + 1));
        return v;
    default:
        v = json_object();
        for (unsigned i = 0, n = jw_rand(4); i < n; i++) {
            jw_text(t, sizeof t);
            json_object_set_new(v, t, jw_tree(depth + 1));
        }
        return v;
    }
}

/* Write v through the writer's primitives; an object's member whose key
 * starts with "Zh" goes through zl_jw_json (a tree written in place). */
static void jw_walk(struct zl_jw *w, const json_t *v)
{
    const char *k;
    json_t *m;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        zl_jw_open(w, '{');
        json_object_foreach((json_t *)v, k, m)
        {
            zl_jw_key(w, k);
            if (!strncmp(k, "Zh", 2))
                zl_jw_json(w, m, 0);
            else
                jw_walk(w, m);
        }
        zl_jw_close(w);
        break;
    case JSON_ARRAY:
        zl_jw_open(w, '[');
        json_array_foreach(v, i, m) jw_walk(w, m);
        zl_jw_close(w);
        break;
    case JSON_STRING: zl_jw_str(w, json_string_value(v)); break;
    case JSON_INTEGER: zl_jw_int(w, json_integer_value(v)); break;
    case JSON_REAL: zl_jw_real(w, json_real_value(v)); break;
    case JSON_TRUE: zl_jw_bool(w, 1); break;
    case JSON_FALSE: zl_jw_bool(w, 0); break;
    case JSON_NULL: zl_jw_null(w); break;
    }
}

static void test_jw(void **state)
{
    static const size_t layouts[] = {0, JSON_COMPACT, JSON_INDENT(2),
                                     JSON_INDENT(4) | JSON_COMPACT};
    static const int precisions[] = {0, 15, 10};

    (void)state;
    for (int round = 0; round < 3000; round++) {
        json_t *v = jw_tree(0);
        size_t flags = layouts[round % 4] |
                       JSON_REAL_PRECISION(precisions[(round / 4) % 3]);
        char *want = json_dumps(v, flags | JSON_ENCODE_ANY);
        struct zl_buf b;
        struct zl_jw w;

        zl_buf_init(&b, 1 << 20);
        zl_jw_init(&w, &b, flags);
        jw_walk(&w, v);
        assert_int_equal(zl_jw_done(&w), 0);
        assert_non_null(want);
        if (strcmp(b.data, want))
            fail_msg("round %d:\njansson: %s\nwriter:  %s", round, want,
                     b.data);
        free(want);
        zl_buf_cleanup(&b);
        json_decref(v);
    }
}

static void test_jw_misuse(void **state)
{
    struct zl_buf b;
    struct zl_jw w;

    (void)state;
    zl_buf_init(&b, 64);
    zl_jw_init(&w, &b, JSON_INDENT(2));
    zl_jw_open(&w, '{');
    zl_jw_int(&w, 1); /* a member without its key */
    assert_int_equal(zl_jw_done(&w), ZL_EINVAL);
    zl_buf_reset(&b);
    zl_jw_init(&w, &b, JSON_INDENT(2));
    zl_jw_open(&w, '[');
    assert_int_equal(zl_jw_done(&w), ZL_EINVAL); /* left open */
    zl_jw_close(&w);
    assert_int_equal(zl_jw_done(&w), 0);
    zl_buf_reset(&b);
    zl_jw_init(&w, &b, 0);
    zl_jw_open(&w, '[');
    for (int i = 0; i < 40; i++) /* past the cap: sticky, nothing more */
        zl_jw_str(&w, "0123456789");
    assert_int_equal(zl_jw_done(&w), ZL_ELIMIT);
    assert_true(b.len <= 64);
    zl_buf_cleanup(&b);
}

/* A library opened on first use: its table filled by name; a missing
 * library or function is ZL_EUNSUPPORTED saying which, every time. */
static double (*dl_cos)(double);
static double (*dl_none)(double);

static void test_dl(void **state)
{
    const struct zl_dl_sym ok_syms[] = {{"cos", (void **)&dl_cos}};
    const struct zl_dl_sym bad_syms[] = {{"cos", (void **)&dl_cos},
                                         {"zl_no_such_fn", (void **)&dl_none}};
    struct zl_dl ok = {.soname = "libm.so.6",
                       .purpose = "a test",
                       .syms = ok_syms,
                       .n_syms = 1};
    struct zl_dl no_lib = {.soname = "libzl-no-such.so.9",
                           .purpose = "a test",
                           .syms = ok_syms,
                           .n_syms = 1};
    struct zl_dl no_fn = {.soname = "libm.so.6",
                          .purpose = "a test",
                          .syms = bad_syms,
                          .n_syms = 2};

    (void)state;
    assert_int_equal(zl_dl_load(&ok), 0);
    assert_non_null(dl_cos);
    assert_true(fabs(dl_cos(0.0) - 1.0) < 1e-12);
    assert_int_equal(zl_dl_load(&ok), 0); /* once */
    for (int i = 0; i < 2; i++) {         /* a failure is remembered */
        assert_int_equal(zl_dl_load(&no_lib), ZL_EUNSUPPORTED);
        assert_non_null(strstr(no_lib.why, "libzl-no-such.so.9"));
        assert_int_equal(zl_dl_load(&no_fn), ZL_EUNSUPPORTED);
        assert_non_null(strstr(no_fn.why, "zl_no_such_fn"));
    }
}

static int i64_order(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

    return (a > b) - (a < b);
}

/* zl_sort_i64 against qsort: random arrays of every small size and some
 * large, with many repeats, sorted, reversed, all equal, sawtooth and
 * extreme values. */
static void test_sort_i64(void **state)
{
    static int64_t a[5000], b[5000];
    uint64_t rng = 12345;

    (void)state;
    for (int round = 0; round < 600; round++) {
        size_t n = round < 300 ? (size_t)round % 70 : 1 + (size_t)round * 8;
        int shape = round % 7;

        for (size_t i = 0; i < n; i++) {
            uint64_t r = test_xorshift64(&rng);

            switch (shape) {
            case 0: a[i] = (int64_t)r; break;
            case 1: a[i] = (int64_t)(r % 5) - 2; break;
            case 2: a[i] = (int64_t)i; break;
            case 3: a[i] = -(int64_t)i; break;
            case 4: a[i] = 7; break;
            case 5: a[i] = (int64_t)(i % 17); break;
            default: a[i] = r & 1 ? INT64_MAX : INT64_MIN; break;
            }
        }
        memcpy(b, a, n * sizeof(*a));
        zl_sort_i64(a, n);
        if (n)
            qsort(b, n, sizeof(*b), i64_order);
        assert_memory_equal(a, b, n * sizeof(*a));
        assert_true(zl_sorted_i64(a, n));
    }
    a[0] = 2;
    a[1] = 1;
    assert_false(zl_sorted_i64(a, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strmap),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_escape_random),
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_itab),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_numbers),
        cmocka_unit_test(test_buf_oom),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_jw),
        cmocka_unit_test(test_jw_misuse),
        cmocka_unit_test(test_dl),
        cmocka_unit_test(test_sort_i64),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
