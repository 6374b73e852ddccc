/*
 * test_sign.c - party signatures: RFC 8032 section 7.1 known answers
 * through our API, and signed capture end to end (a good signature stores
 * the document and keeps it; a bad one, an unknown party or a party
 * without a key refuses it and stores nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/codec.h"
#include "zhiliang/party.h"
#include "zhiliang/sign.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rfc8032_vectors.h"
#include "store_fixture.h"

static void b64_of_hex(const char *hex, char *out)
{
    uint8_t b[64];
    size_t n = strlen(hex) / 2;

    assert_int_equal(zl_hex_decode(hex, strlen(hex), b, n), 0);
    zl_base64_encode(b, n, out);
}

static void test_rfc8032(void **state)
{
    (void)state;
    for (size_t i = 0; i < ED_VECTORS_N; i++) {
        char sk[ZL_SIGN_KEY_B64], pk[ZL_SIGN_KEY_B64], pk2[ZL_SIGN_KEY_B64];
        char sig[ZL_SIGN_SIG_B64], sig2[ZL_SIGN_SIG_B64];
        uint8_t msg[8];
        size_t mlen = strlen(ed_vectors[i].msg) / 2;

        zl_hex_decode(ed_vectors[i].msg, strlen(ed_vectors[i].msg), msg, mlen);
        b64_of_hex(ed_vectors[i].sk, sk);
        b64_of_hex(ed_vectors[i].pk, pk);
        b64_of_hex(ed_vectors[i].sig, sig);
        assert_int_equal(zl_sign_public(sk, pk2), 0);
        assert_string_equal(pk, pk2);
        assert_int_equal(zl_sign(sk, msg, mlen, sig2), 0);
        assert_string_equal(sig, sig2); /* Ed25519 is deterministic */
        assert_int_equal(zl_sign_verify(pk, msg, mlen, sig), 0);
        msg[0] ^= 1;
        assert_int_equal(zl_sign_verify(pk, msg, mlen ? mlen : 1, sig),
                         ZL_EVERIFY);
    }
    assert_int_equal(zl_sign_verify("AAAA", "", 0, "AAAA"), ZL_ESYNTAX);
}

static const char DOC[] =
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\"],"
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
    "\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":["
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T08:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":"
    "\"commissioning\","
    "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"],"
    "\"readPoint\":{\"id\":\"urn:epc:id:sgln:0614141.07346.1234\"}}]}}";

struct got {
    char party[64];
    size_t len;
};

static int got_doc(void *ctx, const char *party, const char *sig,
                   const char *doc, size_t len)
{
    struct got *g = ctx;

    (void)sig;
    snprintf(g->party, sizeof g->party, "%s", party);
    g->len = len;
    assert_memory_equal(doc, DOC, len);
    return 0;
}

static void test_signed_capture(void **state)
{
    char path[512], sk[ZL_SIGN_KEY_B64], pk[ZL_SIGN_KEY_B64];
    char other_sk[ZL_SIGN_KEY_B64], other_pk[ZL_SIGN_KEY_B64];
    char sig[ZL_SIGN_SIG_B64], bad[ZL_SIGN_SIG_B64], id[ZL_PARTY_ID_MAX];
    const char *glns[] = {"0614141073467"};
    struct zl_party p = {0};
    struct zl_capture_opts o = {0};
    struct zl_capture_result r;
    struct zl_error err = {0};
    struct got g = {{0}, 0};
    zl_store *s;
    int64_t n;

    (void)state;
    fixture_uri(path, sizeof path, "test-sign");
    zl_store_remove(path);
    assert_int_equal(zl_init(path, NULL, &err), 0);
    assert_int_equal(zl_open(path, &s, &err), 0);
    assert_int_equal(zl_sign_keygen(sk, pk), 0);
    assert_int_equal(zl_sign_keygen(other_sk, other_pk), 0);
    p.name_zh = "测试乳业";
    p.uscc = "91350100M000100Y43";
    p.glns = glns;
    p.n_glns = 1;
    p.pubkey_b64 = pk;
    assert_int_equal(zl_party_add(s, &p, 0, id, &err), 0);
    o.party = id;

    /* Signed by someone else: refused, nothing stored. */
    assert_int_equal(zl_sign(other_sk, DOC, strlen(DOC), bad), 0);
    o.signature_b64 = bad;
    assert_int_equal(zl_capture(s, DOC, strlen(DOC), &o, &r, &err), ZL_EVERIFY);
    assert_string_equal(err.path, "signature");
    assert_int_equal(zl_store_event_count(s, &n), 0);
    assert_int_equal(n, 0);

    /* A signature over other bytes: refused. */
    assert_int_equal(zl_sign(sk, DOC, strlen(DOC) - 1, bad), 0);
    assert_int_equal(zl_capture(s, DOC, strlen(DOC), &o, &r, &err), ZL_EVERIFY);

    /* Unknown party: refused. */
    assert_int_equal(zl_sign(sk, DOC, strlen(DOC), sig), 0);
    o.signature_b64 = sig;
    o.party = "no-such-party";
    assert_int_equal(zl_capture(s, DOC, strlen(DOC), &o, &r, &err),
                     ZL_ENOTFOUND);
    assert_int_equal(zl_store_event_count(s, &n), 0);
    assert_int_equal(n, 0);

    /* The right signature: stored and kept. */
    o.party = id;
    assert_int_equal(zl_capture(s, DOC, strlen(DOC), &o, &r, &err), 0);
    assert_int_equal(r.n_new, 1);
    {
        zl_epcis_doc *d;

        assert_int_equal(zl_epcis_parse(DOC, strlen(DOC), NULL, &d, &err), 0);
        assert_int_equal(zl_signature_for_event(
                             s, zl_epcis_doc_event(d, 0)->hash, got_doc, &g),
                         0);
        zl_epcis_doc_free(d);
    }
    assert_string_equal(g.party, id);
    assert_int_equal(g.len, strlen(DOC));
    zl_close(s);
    zl_store_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_signed_capture),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
