/*
 * test_draw.c - RFC 3797 selection against the RFC's worked example and
 * the real 2022 IETF NomCom selection (tests/conformance/rfc3797, data we
 * did not write), the Fenwick selection against the reference code's
 * linear walk, and the log beacon against a real store and its proofs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define FIXTURE_NAME "draw"
#include "read_file.h"
#include "store_fixture.h"

#include "store/store.h"
#include "zhiliang/codec.h"
#include "zhiliang/draw.h"
#include "zhiliang/log.h"

#include <openssl/evp.h>
#include <string.h>

#define CORPUS ZL_SOURCE_ROOT "/tests/conformance/rfc3797/"

/* Lines of a file with trailing blanks stripped (the names' form). */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text;

    while (p && *p && n < max) {
        char *nl = strchr(p, '\n'), *e;

        if (nl)
            *nl = '\0';
        e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\r'))
            *--e = '\0';
        lines[n++] = p;
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* Check every step line " i  HEX  div  -> pos <- [name]" of a results
 * file against our selection; returns the number of steps checked. */
static size_t check_results(const char *set, const char *expect_key)
{
    char path[512], *seeds, *names_text, *results, *lines[400];
    char *names[70000], key[ZL_RFC3797_KEY_MAX];
    size_t slen, klen = 0, nnames, nlines, i, steps = 0;
    uint32_t picks[400], count;
    uint8_t md5[400][16];
    struct zl_error err = {0};

    snprintf(path, sizeof path, CORPUS "%s.seeds", set);
    seeds = slurp(path, &slen);
    assert_non_null(seeds);
    assert_int_equal(zl_rfc3797_key(seeds, slen, key, sizeof key, &klen, &err),
                     0);
    if (expect_key)
        assert_string_equal(key, expect_key);
    snprintf(path, sizeof path, CORPUS "%s.names", set);
    names_text = slurp(path, NULL);
    assert_non_null(names_text);
    nnames = split_lines(names_text, names, 70000);
    snprintf(path, sizeof path, CORPUS "%s.results", set);
    results = slurp(path, NULL);
    assert_non_null(results);
    nlines = split_lines(results, lines, 400);
    count = nnames < 300 ? (uint32_t)nnames : 300;
    assert_int_equal(
        zl_rfc3797_select(key, klen, (uint32_t)nnames, count, picks, md5), 0);
    for (i = 0; i < nlines; i++) {
        unsigned idx, div, pos;
        char hex[33], got[33];
        int off = 0;

        if (sscanf(lines[i], " %u %32s %u -> %u <-%n", &idx, hex, &div, &pos,
                   &off) != 4)
            continue;
        assert_true(idx >= 1 && idx <= count);
        zl_hex_encode(md5[idx - 1], 16, got);
        for (char *c = got; *c; c++)
            if (*c >= 'a')
                *c = (char)(*c - 'a' + 'A');
        assert_string_equal(got, hex);
        assert_int_equal(div, nnames - (idx - 1));
        assert_int_equal(picks[idx - 1], pos);
        if (lines[i][off] == ' ' && lines[i][off + 1])
            assert_string_equal(names[pos - 1], lines[i] + off + 1);
        steps++;
    }
    free(seeds);
    free(names_text);
    free(results);
    return steps;
}

static void test_rfc3797_worked_example(void **state)
{
    (void)state;
    /* RFC 3797 section 6: 16 steps, the last five shown as positions. */
    assert_int_equal(check_results("ref", NULL), 16);
}

static void test_rfc3797_ietf_2022(void **state)
{
    char *res = slurp(CORPUS "2022.results", NULL), *k, *e;
    char expect[512];

    (void)state;
    assert_non_null(res);
    k = strstr(res, "Key string is ");
    assert_non_null(k);
    k += strlen("Key string is ");
    e = strchr(k, '\n');
    assert_non_null(e);
    while (e > k && e[-1] == ' ')
        e--;
    snprintf(expect, sizeof expect, "%.*s", (int)(e - k), k);
    free(res);
    assert_int_equal(check_results("2022", expect), 10);
}

static void test_rfc3797_key_canonical(void **state)
{
    const char *in = "# comment\n  0012 7 000 \r\n\n9\t8\n# x\n";
    char key[64];
    size_t n = 0;
    struct zl_error err = {0};

    (void)state;
    assert_int_equal(zl_rfc3797_key(in, strlen(in), key, sizeof key, &n, &err),
                     0);
    assert_string_equal(key, "0.7.12./8.9./");
    assert_int_equal(n, strlen(key));
    /* Values beyond 64 bits still sort numerically. */
    in = "123456789012345678901 99999999999999999999\n";
    assert_int_equal(zl_rfc3797_key(in, strlen(in), key, sizeof key, &n, &err),
                     ZL_ELIMIT);
    in = "12345678901234567890 9999999999999999999\n";
    assert_int_equal(zl_rfc3797_key(in, strlen(in), key, sizeof key, &n, &err),
                     0);
    assert_string_equal(key, "9999999999999999999.12345678901234567890./");
    in = "1 2\n3 x4\n";
    assert_int_equal(zl_rfc3797_key(in, strlen(in), key, sizeof key, &n, &err),
                     ZL_ESYNTAX);
    assert_string_equal(err.path, "line 2");
    in = "-5\n";
    assert_int_equal(zl_rfc3797_key(in, strlen(in), key, sizeof key, &n, &err),
                     ZL_ESYNTAX);
    in = "# only comments\n\n";
    assert_int_equal(zl_rfc3797_key(in, strlen(in), key, sizeof key, &n, &err),
                     ZL_EINVAL);
    in = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n";
    assert_int_equal(zl_rfc3797_key(in, strlen(in), key, 16, &n, &err),
                     ZL_ELIMIT);
}

/* The reference code's walk, with its own MD5: skip picked names and
 * count off (digest mod remaining) of those left. */
static void naive_select(const char *key, size_t klen, uint32_t pool,
                         uint32_t count, uint32_t *picks)
{
    uint8_t *taken = calloc(pool + 1, 1);
    uint32_t i;

    assert_non_null(taken);
    for (i = 0; i < count; i++) {
        unsigned char c[2] = {(unsigned char)(i >> 8), (unsigned char)i};
        unsigned char msg[128], d[16];
        uint64_t k = 0;
        uint32_t j;

        assert_true(klen + 4 <= sizeof msg);
        memcpy(msg, c, 2);
        memcpy(msg + 2, key, klen);
        memcpy(msg + 2 + klen, c, 2);
        assert_int_equal(EVP_Digest(msg, klen + 4, d, NULL, EVP_md5(), NULL),
                         1);
        for (int b = 0; b < 16; b++)
            k = (k * 256 + d[b]) % (pool - i);
        for (j = 1; j <= pool; j++) {
            if (taken[j])
                continue;
            if (k-- == 0)
                break;
        }
        taken[j] = 1;
        picks[i] = j;
    }
    free(taken);
}

static void test_rfc3797_fenwick_matches_walk(void **state)
{
    uint32_t pools[] = {1, 2, 3, 7, 16, 17, 100, 255, 256, 257, 1000};
    uint32_t spare[8];
    char key[64];
    size_t p;

    (void)state;
    for (p = 0; p < sizeof pools / sizeof pools[0]; p++) {
        uint32_t pool = pools[p], count = pool < 200 ? pool : 200;
        uint32_t fast[300], slow[300];

        snprintf(key, sizeof key, "%u.%u./", pool, pool * 7 + 3);
        assert_int_equal(
            zl_rfc3797_select(key, strlen(key), pool, count, fast, NULL), 0);
        naive_select(key, strlen(key), pool, count, slow);
        assert_memory_equal(fast, slow, count * sizeof fast[0]);
    }
    assert_int_equal(zl_rfc3797_select("1./", 3, 3, 4, spare, NULL), ZL_EINVAL);
    assert_int_equal(zl_rfc3797_select("1./", 3, 0, 0, spare, NULL), ZL_EINVAL);
    assert_int_equal(zl_rfc3797_select("1./", 3, 70000, 1, spare, NULL),
                     ZL_EINVAL);
}

/* Append n records as leaves, as any logged writer does. */
static void append_records(zl_store *s, int from, int n)
{
    int i;

    assert_int_equal(zl_store_begin(s), 0);
    for (i = from; i < from + n; i++) {
        char key[32], body[64];

        snprintf(key, sizeof key, "rec-%d", i);
        snprintf(body, sizeof body, "{\"record\":%d}", i);
        assert_int_equal(zl_log_append(s, 2, key, body, strlen(body), NULL), 0);
    }
    assert_int_equal(zl_store_commit(s), 0);
}

#define PROOF(p) ((const uint8_t(*)[32])(p))

static void test_beacon(void **state)
{
    struct fixture *f = *state;
    struct zl_draw_beacon b, b2;
    struct zl_error err = {0};
    uint8_t cons[ZL_LOG_MAX_PROOF][32], incl[ZL_LOG_MAX_PROOF][32];
    size_t nc = 0, ni = 0;
    char *note = NULL, *vkey = NULL, text[200];
    int n;

    append_records(f->s, 0, 5); /* the plan is leaf 4 */
    /* The seed does not exist before the log reaches the beacon size. */
    assert_int_equal(zl_draw_beacon_from_log(f->s, 4, 9, &b, &err),
                     ZL_ENOTFOUND);
    assert_int_equal(zl_draw_beacon_from_log(f->s, 4, 4, &b, &err), ZL_EINVAL);
    append_records(f->s, 5, 4);
    assert_int_equal(zl_draw_beacon_from_log(f->s, 4, 9, &b, &err), 0);
    append_records(f->s, 9, 7); /* later records do not change it */
    assert_int_equal(zl_draw_beacon_from_log(f->s, 4, 9, &b2, &err), 0);
    assert_memory_equal(&b, &b2, sizeof b);
    n = zl_draw_beacon_text(&b, text, sizeof text);
    assert_true(n > 0);
    assert_int_equal(strncmp(text, "zl1:", 4), 0);
    assert_string_equal(text + n - 2, "./");
    assert_int_equal(zl_draw_beacon_text(&b, text, 20), ZL_ELIMIT);

    /* Offline check with a signed checkpoint at 16 and the two proofs. */
    assert_int_equal(zl_log_checkpoint_issue(f->s, &note), 0);
    assert_int_equal(zl_log_public_key(f->s, &vkey), 0);
    assert_int_equal(zl_log_prove_consistency(f->s, 9, 16, cons, &nc), 0);
    assert_int_equal(zl_log_prove_inclusion(f->s, 4, 9, incl, &ni), 0);
    assert_int_equal(zl_draw_beacon_check(&b, note, strlen(note), vkey,
                                          PROOF(cons), nc, PROOF(incl), ni,
                                          &err),
                     0);
    /* A different root, plan leaf or key is caught. */
    b2 = b;
    b2.root[0] ^= 1;
    assert_int_equal(zl_draw_beacon_check(&b2, note, strlen(note), vkey,
                                          PROOF(cons), nc, PROOF(incl), ni,
                                          &err),
                     ZL_EVERIFY);
    b2 = b;
    b2.plan_leaf[31] ^= 1;
    assert_int_equal(zl_draw_beacon_check(&b2, note, strlen(note), vkey,
                                          PROOF(cons), nc, PROOF(incl), ni,
                                          &err),
                     ZL_EVERIFY);
    assert_string_equal(err.path, "plan");
    b2 = b;
    b2.plan_index = 9;
    assert_int_equal(zl_draw_beacon_check(&b2, note, strlen(note), vkey,
                                          PROOF(cons), nc, PROOF(incl), ni,
                                          &err),
                     ZL_EVERIFY);
    *(strchr(note, '\n') + 1) = '9'; /* signed body changed: 16 -> 96 */
    assert_int_not_equal(zl_draw_beacon_check(&b, note, strlen(note), vkey,
                                              PROOF(cons), nc, PROOF(incl), ni,
                                              &err),
                         0);
    zl_free(note);
    zl_free(vkey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3797_worked_example),
        cmocka_unit_test(test_rfc3797_ietf_2022),
        cmocka_unit_test(test_rfc3797_key_canonical),
        cmocka_unit_test(test_rfc3797_fenwick_matches_walk),
        cmocka_unit_test_setup_teardown(test_beacon, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
