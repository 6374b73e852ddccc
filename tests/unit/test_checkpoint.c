/*
 * test_checkpoint.c - signed notes and checkpoints: Ed25519 known answers
 * (RFC 8032 7.1 TEST 1-3) through OpenSSL, the C2SP signed-note known
 * answers (the Go sumdb/note PeterNeumann example signed byte for byte,
 * the C2SP spec example verified), checkpoint round trips and rejection of
 * every kind of damage, and C2SP tlog-proof text.
 */
#include "zhiliang/log.h"

#include "log/log_int.h"
#include "util/alloc.h"
#include "util/codec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rfc8032_vectors.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
    assert_int_equal(zl_hex_decode(s, strlen(s), out, n), 0);
}

static void ed25519_rfc8032(void **state)
{
    (void)state;
    for (size_t i = 0; i < ED_VECTORS_N; i++) {
        uint8_t sk[32], pk[32], want_pk[32], msg[8], sig[64], want[64];
        size_t ml = strlen(ed_vectors[i].msg) / 2;

        unhex(ed_vectors[i].sk, sk, 32);
        unhex(ed_vectors[i].pk, want_pk, 32);
        unhex(ed_vectors[i].msg, msg, ml);
        unhex(ed_vectors[i].sig, want, 64);
        assert_int_equal(zl_ed25519_public(sk, pk), 0);
        assert_memory_equal(pk, want_pk, 32);
        assert_int_equal(zl_ed25519_sign(sk, msg, ml, sig), 0);
        assert_memory_equal(sig, want, 64);
        assert_int_equal(zl_ed25519_verify(pk, msg, ml, sig), 0);
        sig[i * 7] ^= 0x20;
        assert_int_equal(zl_ed25519_verify(pk, msg, ml, sig), ZL_EVERIFY);
    }
}

/* golang.org/x/mod/sumdb/note documentation example. */
static const char GO_SKEY_B64[] =
    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char GO_VKEY[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char GO_TEXT[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
static const char GO_NOTE[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
    "UgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

/* C2SP signed-note specification example. */
static const char SPEC_VKEY[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char SPEC_NOTE[] =
    "This is an example message.\n\n"
    "\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ON"
    "ncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

static void go_seed(uint8_t seed[32])
{
    uint8_t b[40];
    size_t n;

    assert_int_equal(zl_base64_decode(GO_SKEY_B64, strlen(GO_SKEY_B64), b, &n),
                     0);
    assert_int_equal(n, 33);
    assert_int_equal(b[0], 0x01);
    memcpy(seed, b + 1, 32);
}

static void signed_note_known_answers(void **state)
{
    uint8_t seed[32], pub[32], id[4], pid[4], ppub[32];
    char name[64], *note = NULL, *vkey = NULL;
    struct zl_error err = {0};
    size_t tl;

    (void)state;
    go_seed(seed);
    assert_int_equal(zl_ed25519_public(seed, pub), 0);
    assert_int_equal(zl_note_vkey_format("PeterNeumann", pub, &vkey), 0);
    assert_string_equal(vkey, GO_VKEY);
    assert_int_equal(zl_note_keyid("PeterNeumann", pub, id), 0);
    assert_int_equal(zl_log_vkey_parse(GO_VKEY, strlen(GO_VKEY), name,
                                       sizeof name, pid, ppub),
                     0);
    assert_string_equal(name, "PeterNeumann");
    assert_memory_equal(pid, id, 4);
    assert_memory_equal(ppub, pub, 32);
    assert_int_equal(
        zl_note_sign(GO_TEXT, strlen(GO_TEXT), "PeterNeumann", seed, &note), 0);
    assert_string_equal(note, GO_NOTE);
    assert_int_equal(
        zl_note_verify(GO_NOTE, strlen(GO_NOTE), GO_VKEY, &tl, &err), 0);
    assert_int_equal(tl, strlen(GO_TEXT));
    assert_int_equal(
        zl_note_verify(SPEC_NOTE, strlen(SPEC_NOTE), SPEC_VKEY, &tl, &err), 0);
    /* The spec's note is not signed by Peter's key and vice versa. */
    assert_int_equal(
        zl_note_verify(SPEC_NOTE, strlen(SPEC_NOTE), GO_VKEY, &tl, &err),
        ZL_EVERIFY);
    /* Mangled verifier keys are refused (wrong id, wrong algorithm). */
    assert_int_not_equal(
        zl_log_vkey_parse("PeterNeumann+c74f20a4+"
                          "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          66, name, sizeof name, pid, ppub),
        0);
    assert_int_not_equal(
        zl_log_vkey_parse("PeterNeumann+173116ae+"
                          "ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          66, name, sizeof name, pid, ppub),
        0);
    zl_free(note);
    zl_free(vkey);
}

static void make_checkpoint(char **note, char **vkey, uint8_t root[32])
{
    uint8_t seed[32], pub[32];

    go_seed(seed);
    for (int i = 0; i < 32; i++)
        root[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(zl_ed25519_public(seed, pub), 0);
    assert_int_equal(zl_note_vkey_format("zhiliang.example/log", pub, vkey), 0);
    assert_int_equal(
        zl_checkpoint_sign("zhiliang.example/log", 12345, root, seed, note), 0);
}

static void checkpoint_round_trip_and_damage(void **state)
{
    char *note = NULL, *vkey = NULL, *bad;
    uint8_t root[32];
    struct zl_checkpoint cp;
    struct zl_error err = {0};
    size_t len, body;

    (void)state;
    make_checkpoint(&note, &vkey, root);
    len = strlen(note);
    /* Exact C2SP shape: origin, size, base64 root, blank, signature. */
    assert_true(strncmp(note, "zhiliang.example/log\n12345\n", 27) == 0);
    body = (size_t)(strstr(note, "\n\n") - note) + 1;
    assert_int_equal(body, 27 + 45);
    assert_true(
        strncmp(note + body, "\n\xe2\x80\x94 zhiliang.example/log ", 25) == 0);
    assert_int_equal(zl_log_checkpoint_verify(note, len, vkey, &cp, &err), 0);
    assert_int_equal(cp.size, 12345);
    assert_memory_equal(cp.root, root, 32);
    assert_string_equal(cp.origin, "zhiliang.example/log");

    /* Every single-byte change in the note is rejected. */
    bad = zl_strdup(note);
    for (size_t i = 0; i < len; i++) {
        char c = bad[i];

        bad[i] = (char)(c ^ 0x01);
        assert_int_not_equal(
            zl_log_checkpoint_verify(bad, len, vkey, &cp, &err), 0);
        bad[i] = c;
    }
    /* Truncation anywhere is rejected. */
    for (size_t i = 0; i < len; i++)
        assert_int_not_equal(zl_log_checkpoint_verify(note, i, vkey, &cp, &err),
                             0);
    zl_free(bad);
    /* Another log's key does not verify it. */
    assert_int_equal(zl_log_checkpoint_verify(note, len, GO_VKEY, &cp, &err),
                     ZL_EVERIFY);
    zl_free(note);
    zl_free(vkey);
}

static void checkpoint_with_cosignature(void **state)
{
    char *note = NULL, *vkey = NULL, buf[1024];
    uint8_t root[32];
    struct zl_checkpoint cp;
    struct zl_error err = {0};

    (void)state;
    make_checkpoint(&note, &vkey, root);
    /* A witness cosignature line by an unknown key is ignored. */
    snprintf(buf, sizeof buf,
             "%s\xe2\x80\x94 witness.example "
             "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJs"
             "X3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n",
             note);
    assert_int_equal(
        zl_log_checkpoint_verify(buf, strlen(buf), vkey, &cp, &err), 0);
    zl_free(note);
    zl_free(vkey);
}

static void tlog_proof_text(void **state)
{
    char *note = NULL, *vkey = NULL, *text = NULL;
    uint8_t root[32], proof[3][32], got[64][32];
    uint64_t idx;
    size_t n, cpl;
    const char *cpt;
    struct zl_error err = {0};

    (void)state;
    make_checkpoint(&note, &vkey, root);
    memset(proof, 0xab, sizeof proof);
    assert_int_equal(
        zl_log_proof_format(77, (const uint8_t(*)[32])proof, 3, note, &text),
        0);
    assert_true(strncmp(text, "c2sp.org/tlog-proof@v1\nindex 77\n", 32) == 0);
    assert_int_equal(
        zl_log_proof_parse(text, strlen(text), &idx, got, &n, &cpt, &cpl, &err),
        0);
    assert_int_equal(idx, 77);
    assert_int_equal(n, 3);
    assert_memory_equal(got, proof, sizeof proof);
    assert_int_equal(cpl, strlen(note));
    assert_memory_equal(cpt, note, cpl);
    assert_int_not_equal(zl_log_proof_parse("c2sp.org/tlog-proof@v1\nindex 01"
                                            "\n\n",
                                            35, &idx, got, &n, &cpt, &cpl,
                                            &err),
                         0);
    zl_free(text);
    zl_free(note);
    zl_free(vkey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ed25519_rfc8032),
        cmocka_unit_test(signed_note_known_answers),
        cmocka_unit_test(checkpoint_round_trip_and_damage),
        cmocka_unit_test(checkpoint_with_cosignature),
        cmocka_unit_test(tlog_proof_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
