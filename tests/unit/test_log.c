/*
 * test_log.c - the Merkle log: RFC 6962 conformance vectors, SHA-256 known
 * answers, a differential test of roots and proofs against a naive
 * recursive model of RFC 9162 on thousands of random trees (every proof
 * verifies, every one-bit change is rejected), and the store-backed log
 * (append inside transactions, rollback, a second connection, proofs,
 * checkpoints and tamper detection by zl_log_verify_all).
 */
#include "zhiliang/log.h"

#include "log/merkle.h"
#include "store/backend.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "store/store_log.h"
#include "store/tables.h"
#include "util/alloc.h"
#include "util/codec.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_fixture.h"

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

static void hex32(const char *s, uint8_t out[32])
{
    assert_int_equal(zl_hex_decode(s, strlen(s), out, 32), 0);
}

/* In-memory tree: every complete aligned node, filled by the frontier's
 * emit callback (levels >= 1) and by hand (level 0). get() fails loudly
 * when asked for a node that is not complete, which the node-source
 * contract forbids. */
struct memtree {
    uint64_t n;
    uint8_t (*lv[64])[32];
    uint64_t cap[64];
};

static void mt_put(struct memtree *t, unsigned level, uint64_t index,
                   const uint8_t h[32])
{
    if (index >= t->cap[level]) {
        uint64_t nc = t->cap[level] ? t->cap[level] * 2 : 16;

        while (nc <= index)
            nc *= 2;
        t->lv[level] = realloc(t->lv[level], nc * 32);
        assert_non_null(t->lv[level]);
        t->cap[level] = nc;
    }
    memcpy(t->lv[level][index], h, 32);
}

static int mt_emit(void *ctx, unsigned level, uint64_t index,
                   const uint8_t h[32])
{
    mt_put(ctx, level, index, h);
    return 0;
}

static int mt_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    struct memtree *t = ctx;

    if (level >= 64 || ((index + 1) << level) > t->n ||
        ((index + 1) << level) >> level != index + 1)
        return ZL_ENOTFOUND;
    memcpy(out, t->lv[level][index], 32);
    return 0;
}

static void mt_free(struct memtree *t)
{
    for (int i = 0; i < 64; i++)
        free(t->lv[i]);
    memset(t, 0, sizeof *t);
}

/* ---- the naive model (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1 verbatim) ------- */

static uint64_t split(uint64_t n)
{
    uint64_t k = 1;

    while (k * 2 < n)
        k *= 2;
    return k;
}

static void naive_mth(struct zl_hasher *h, const uint8_t (*d)[32], uint64_t n,
                      uint8_t out[32])
{
    uint8_t l[32], r[32];
    uint64_t k;

    if (n == 0) {
        assert_int_equal(zl_sha256(h, "", 0, out), 0);
        return;
    }
    if (n == 1) {
        memcpy(out, d[0], 32);
        return;
    }
    k = split(n);
    naive_mth(h, d, k, l);
    naive_mth(h, d + k, n - k, r);
    assert_int_equal(zl_merkle_node(h, l, r, out), 0);
}

static void naive_path(struct zl_hasher *h, uint64_t m, const uint8_t (*d)[32],
                       uint64_t n, uint8_t (*out)[32], size_t *cnt)
{
    uint64_t k;

    if (n == 1)
        return;
    k = split(n);
    if (m < k) {
        naive_path(h, m, d, k, out, cnt);
        naive_mth(h, d + k, n - k, out[(*cnt)++]);
    } else {
        naive_path(h, m - k, d + k, n - k, out, cnt);
        naive_mth(h, d, k, out[(*cnt)++]);
    }
}

static void naive_subproof(struct zl_hasher *h, uint64_t m,
                           const uint8_t (*d)[32], uint64_t n, int b,
                           uint8_t (*out)[32], size_t *cnt)
{
    uint64_t k;

    if (m == n) {
        if (!b)
            naive_mth(h, d, n, out[(*cnt)++]);
        return;
    }
    k = split(n);
    if (m <= k) {
        naive_subproof(h, m, d, k, b, out, cnt);
        naive_mth(h, d + k, n - k, out[(*cnt)++]);
    } else {
        naive_subproof(h, m - k, d + k, n - k, 0, out, cnt);
        naive_mth(h, d, k, out[(*cnt)++]);
    }
}

/* ---- known answers ----------------------------------------------------- */

static void sha256_known_answers(void **state)
{
    struct zl_hasher h;
    uint8_t got[32], want[32];
    static const char m2[] =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

    (void)state;
    assert_int_equal(zl_hasher_init(&h), 0);
    /* FIPS 180-2 B.1 */
    hex32("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
          want);
    assert_int_equal(zl_sha256(&h, "abc", 3, got), 0);
    assert_memory_equal(got, want, 32);
    /* FIPS 180-2 B.2 (448-bit message) */
    hex32("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
          want);
    assert_int_equal(zl_sha256(&h, m2, 56, got), 0);
    assert_memory_equal(got, want, 32);
    /* Empty string (the root of an empty tree). */
    hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          want);
    assert_int_equal(zl_sha256(&h, "", 0, got), 0);
    assert_memory_equal(got, want, 32);
    zl_hasher_cleanup(&h);
}

/* Leaf hash of a typed record is SHA-256(0x00 || type || canon). */
static void leaf_hash_layout(void **state)
{
    struct zl_hasher h;
    uint8_t a[32], b[32], buf[4] = {0x00, ZL_LEAF_RECALL, 'x', 'y'};

    (void)state;
    assert_int_equal(zl_hasher_init(&h), 0);
    assert_int_equal(zl_log_leaf_hash(ZL_LEAF_RECALL, "xy", 2, a), 0);
    assert_int_equal(zl_sha256(&h, buf, 4, b), 0);
    assert_memory_equal(a, b, 32);
    assert_int_equal(zl_log_leaf_hash_raw(buf + 1, 3, a), 0);
    assert_memory_equal(a, b, 32);
    zl_hasher_cleanup(&h);
}

/* ---- RFC 6962 conformance ------------------------------------------------ */

static json_t *load_vectors(void)
{
    json_error_t e;
    json_t *v = json_load_file(
        ZL_SOURCE_ROOT "/tests/conformance/rfc6962/vectors.json", 0, &e);

    if (!v)
        fail_msg("vectors.json: %s", e.text);
    return v;
}

static size_t json_proof(json_t *arr, uint8_t (*out)[32])
{
    size_t i;
    json_t *x;

    json_array_foreach(arr, i, x) hex32(json_string_value(x), out[i]);
    return json_array_size(arr);
}

static void conformance_rfc6962(void **state)
{
    json_t *v = load_vectors(), *leaves, *roots, *x;
    struct memtree t = {0};
    struct zl_frontier f = {0};
    struct zl_hasher h;
    uint8_t root[32], want[32], proof[64][32], exp[64][32];
    size_t i, n, en;

    (void)state;
    assert_int_equal(zl_hasher_init(&h), 0);
    leaves = json_object_get(v, "leaf_inputs_hex");
    roots = json_object_get(v, "root_by_tree_size_hex");
    assert_int_equal(json_array_size(roots), 9);
    hex32(json_string_value(json_array_get(roots, 0)), want);
    assert_int_equal(zl_frontier_root(&f, &h, root), 0);
    assert_memory_equal(root, want, 32);
    json_array_foreach(leaves, i, x)
    {
        const char *hx = json_string_value(x);
        uint8_t in[64], leaf[32];
        size_t il = strlen(hx) / 2;

        assert_int_equal(zl_hex_decode(hx, strlen(hx), in, il), 0);
        assert_int_equal(zl_merkle_leaf(&h, -1, in, il, leaf), 0);
        mt_put(&t, 0, i, leaf);
        t.n = i + 1;
        assert_int_equal(zl_frontier_add(&f, &h, leaf, mt_emit, &t), 0);
        hex32(json_string_value(json_array_get(roots, i + 1)), want);
        assert_int_equal(zl_frontier_root(&f, &h, root), 0);
        assert_memory_equal(root, want, 32);
        assert_int_equal(zl_merkle_root(&h, mt_get, &t, i + 1, root), 0);
        assert_memory_equal(root, want, 32);
    }
    json_array_foreach(json_object_get(v, "inclusion_proofs"), i, x)
    {
        uint64_t idx = json_integer_value(json_object_get(x, "leaf_index"));
        uint64_t size = json_integer_value(json_object_get(x, "tree_size"));

        en = json_proof(json_object_get(x, "proof_hex"), exp);
        assert_int_equal(
            zl_merkle_inclusion(&h, mt_get, &t, idx, size, proof, &n), 0);
        assert_int_equal(n, en);
        assert_memory_equal(proof, exp, 32 * n);
        hex32(json_string_value(json_array_get(roots, size)), want);
        assert_int_equal(zl_log_verify_inclusion(idx, size, t.lv[0][idx],
                                                 (const uint8_t(*)[32])exp, en,
                                                 want),
                         0);
    }
    json_array_foreach(json_object_get(v, "consistency_proofs"), i, x)
    {
        uint64_t s1 = json_integer_value(json_object_get(x, "size1"));
        uint64_t s2 = json_integer_value(json_object_get(x, "size2"));
        uint8_t r1[32];

        en = json_proof(json_object_get(x, "proof_hex"), exp);
        assert_int_equal(
            zl_merkle_consistency(&h, mt_get, &t, s1, s2, proof, &n), 0);
        assert_int_equal(n, en);
        assert_memory_equal(proof, exp, 32 * n);
        hex32(json_string_value(json_array_get(roots, s1)), r1);
        hex32(json_string_value(json_array_get(roots, s2)), want);
        assert_int_equal(zl_log_verify_consistency(
                             s1, s2, r1, want, (const uint8_t(*)[32])exp, en),
                         0);
        assert_int_equal(zl_log_verify_consistency(
                             s1, s2, want, r1, (const uint8_t(*)[32])exp, en),
                         ZL_EVERIFY);
    }
    mt_free(&t);
    zl_hasher_cleanup(&h);
    json_decref(v);
}

/* ---- differential -------------------------------------------------------- */

static void flip_each(struct zl_hasher *h, uint8_t (*p)[32], size_t n,
                      int (*check)(void *, const uint8_t (*)[32], size_t),
                      void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        unsigned bit = (unsigned)rnd_below(256);

        p[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(check(ctx, (const uint8_t(*)[32])p, n), ZL_EVERIFY);
        p[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    (void)h;
}

struct incl_ctx {
    struct zl_hasher *h;
    uint64_t idx, size;
    const uint8_t *leaf, *root;
};

static int check_incl(void *c, const uint8_t (*p)[32], size_t n)
{
    struct incl_ctx *x = c;

    return zl_merkle_verify_inclusion(x->h, x->idx, x->size, x->leaf, p, n,
                                      x->root);
}

struct cons_ctx {
    struct zl_hasher *h;
    uint64_t s1, s2;
    const uint8_t *r1, *r2;
};

static int check_cons(void *c, const uint8_t (*p)[32], size_t n)
{
    struct cons_ctx *x = c;

    return zl_merkle_verify_consistency(x->h, x->s1, x->s2, x->r1, x->r2, p, n);
}

static void differential_random_trees(void **state)
{
    struct zl_hasher h;
    unsigned trees = 0;
    uint64_t proofs = 0;

    (void)state;
    assert_int_equal(zl_hasher_init(&h), 0);
    for (int iter = 0; iter < 2500; iter++) {
        uint64_t n = iter < 300 ? (uint64_t)iter + 1
                                : 1 + rnd_below(iter % 5 ? 200 : 3000);
        struct memtree t = {0};
        struct zl_frontier f = {0};
        uint8_t root[32], naive[32], proof[64][32], exp[64][32];
        size_t pn, en;

        for (uint64_t i = 0; i < n; i++) {
            uint8_t rec[48], leaf[32];
            size_t rl = rnd_below(sizeof rec);

            for (size_t j = 0; j < rl; j++)
                rec[j] = (uint8_t)rnd();
            assert_int_equal(
                zl_merkle_leaf(&h, (int)(1 + i % 5), rec, rl, leaf), 0);
            mt_put(&t, 0, i, leaf);
            t.n = i + 1;
            assert_int_equal(zl_frontier_add(&f, &h, leaf, mt_emit, &t), 0);
        }
        naive_mth(&h, (const uint8_t(*)[32])t.lv[0], n, naive);
        assert_int_equal(zl_frontier_root(&f, &h, root), 0);
        assert_memory_equal(root, naive, 32);
        assert_int_equal(zl_merkle_root(&h, mt_get, &t, n, root), 0);
        assert_memory_equal(root, naive, 32);
        /* Reloading the frontier from stored nodes gives the same state. */
        {
            struct zl_frontier g;

            assert_int_equal(zl_frontier_load(&g, mt_get, &t, n), 0);
            assert_int_equal(zl_frontier_root(&g, &h, root), 0);
            assert_memory_equal(root, naive, 32);
        }
        for (int k = 0; k < 3; k++) {
            uint64_t m = rnd_below(n + 1), idx = rnd_below(n);
            uint8_t rm[32];
            struct incl_ctx ic = {&h, idx, n, t.lv[0][idx], naive};
            struct cons_ctx cc;

            /* prefix root */
            naive_mth(&h, (const uint8_t(*)[32])t.lv[0], m, rm);
            assert_int_equal(zl_merkle_root(&h, mt_get, &t, m, root), 0);
            assert_memory_equal(root, rm, 32);
            /* inclusion */
            en = 0;
            naive_path(&h, idx, (const uint8_t(*)[32])t.lv[0], n, exp, &en);
            assert_int_equal(
                zl_merkle_inclusion(&h, mt_get, &t, idx, n, proof, &pn), 0);
            assert_int_equal(pn, en);
            assert_memory_equal(proof, exp, 32 * pn);
            assert_int_equal(check_incl(&ic, (const uint8_t(*)[32])proof, pn),
                             0);
            flip_each(&h, proof, pn, check_incl, &ic);
            if (pn) {
                assert_int_equal(
                    check_incl(&ic, (const uint8_t(*)[32])proof, pn - 1),
                    ZL_EVERIFY);
            }
            assert_int_equal(
                check_incl(&ic, (const uint8_t(*)[32])proof, pn + 1),
                ZL_EVERIFY);
            {
                uint8_t bad[32];

                memcpy(bad, t.lv[0][idx], 32);
                bad[rnd_below(32)] ^= (uint8_t)(1u << rnd_below(8));
                ic.leaf = bad;
                assert_int_equal(
                    check_incl(&ic, (const uint8_t(*)[32])proof, pn),
                    ZL_EVERIFY);
            }
            /* consistency m -> n */
            en = 0;
            if (m > 0 && m < n)
                naive_subproof(&h, m, (const uint8_t(*)[32])t.lv[0], n, 1, exp,
                               &en);
            assert_int_equal(
                zl_merkle_consistency(&h, mt_get, &t, m, n, proof, &pn), 0);
            assert_int_equal(pn, en);
            assert_memory_equal(proof, exp, 32 * pn);
            cc = (struct cons_ctx){&h, m, n, rm, naive};
            assert_int_equal(check_cons(&cc, (const uint8_t(*)[32])proof, pn),
                             0);
            flip_each(&h, proof, pn, check_cons, &cc);
            if (m > 0) {
                uint8_t bad[32];

                memcpy(bad, rm, 32);
                bad[rnd_below(32)] ^= (uint8_t)(1u << rnd_below(8));
                cc.r1 = bad;
                assert_int_equal(
                    check_cons(&cc, (const uint8_t(*)[32])proof, pn),
                    ZL_EVERIFY);
                cc.r1 = rm;
                memcpy(bad, naive, 32);
                bad[rnd_below(32)] ^= (uint8_t)(1u << rnd_below(8));
                cc.r2 = bad;
                assert_int_equal(
                    check_cons(&cc, (const uint8_t(*)[32])proof, pn),
                    ZL_EVERIFY);
            }
            proofs += 2;
        }
        trees++;
        mt_free(&t);
    }
    print_message("differential: %u trees, %llu proofs checked\n", trees,
                  (unsigned long long)proofs);
    zl_hasher_cleanup(&h);
}

static void verify_rejects_nonsense(void **state)
{
    uint8_t z[32] = {0}, p[2][32] = {{0}};

    (void)state;
    assert_int_equal(zl_log_verify_inclusion(0, 0, z, NULL, 0, z), ZL_EVERIFY);
    assert_int_equal(zl_log_verify_inclusion(5, 5, z, NULL, 0, z), ZL_EVERIFY);
    assert_int_equal(zl_log_verify_inclusion(0, 1, z, NULL, 0, z), 0);
    assert_int_equal(
        zl_log_verify_inclusion(0, 1, z, (const uint8_t(*)[32])p, 1, z),
        ZL_EVERIFY);
    assert_int_equal(zl_log_verify_consistency(3, 2, z, z, NULL, 0),
                     ZL_EVERIFY);
    assert_int_equal(zl_log_verify_consistency(2, 2, z, z, NULL, 0), 0);
    assert_int_equal(
        zl_log_verify_consistency(2, 2, z, z, (const uint8_t(*)[32])p, 1),
        ZL_EVERIFY);
    assert_int_equal(zl_log_verify_consistency(0, 7, z, z, NULL, 0), 0);
    assert_int_equal(zl_log_verify_consistency(1, 7, z, z, NULL, 0),
                     ZL_EVERIFY);
}

/* ---- the log in a store
 * ------------------------------------------------------ */

/* A store of the backend under test (store_fixture.h), one per call. */
struct tmpdb {
    char path[512]; /* its URI */
};

static void tmp_path(struct tmpdb *t)
{
    static int n;
    char name[32];

    snprintf(name, sizeof name, "log-%d", n++);
    fixture_uri(t->path, sizeof t->path, name);
    zl_store_remove(t->path);
}

static void tmp_remove(struct tmpdb *t)
{
    zl_store_remove(t->path);
}

static zl_store *open_store(const char *path, int create)
{
    struct zl_error err = {0};
    zl_store *s = NULL;
    int rc = zl_store_open(path, create ? ZL_STORE_CREATE : ZL_STORE_EXISTING,
                           &s, &err);

    if (rc)
        fail_msg("zl_store_open: %s %s", zl_strerror(rc), err.rule);
    return s;
}

static void record_bytes(uint64_t i, char *buf, size_t cap, size_t *len,
                         char *key, size_t kcap)
{
    *len = (size_t)snprintf(buf, cap, "record-%llu-%llu", (unsigned long long)i,
                            (unsigned long long)(i * 2654435761u % 1000));
    snprintf(key, kcap, "key-%llu", (unsigned long long)i);
}

static void append_n(zl_store *s, uint64_t from, uint64_t n,
                     uint8_t (*leaves)[32])
{
    for (uint64_t i = from; i < from + n; i++) {
        char buf[64], key[32];
        size_t len;
        uint64_t idx;

        record_bytes(i, buf, sizeof buf, &len, key, sizeof key);
        assert_int_equal(zl_log_append(s, ZL_LEAF_EVENT, key, buf, len, &idx),
                         0);
        assert_int_equal(idx, i);
        assert_int_equal(zl_log_leaf_hash(ZL_LEAF_EVENT, buf, len, leaves[i]),
                         0);
    }
}

static void store_append_prove_checkpoint(void **state)
{
    struct tmpdb db;
    zl_store *s, *s2;
    enum { N = 300 };
    static uint8_t leaves[N + 50][32];
    struct zl_hasher h;
    uint8_t root[32], naive[32], proof[64][32];
    char *note = NULL, *note2 = NULL, *vkey = NULL, *text = NULL;
    struct zl_checkpoint cp;
    struct zl_error err = {0};
    uint64_t size, idx;
    size_t n;

    (void)state;
    assert_int_equal(zl_hasher_init(&h), 0);
    tmp_path(&db);
    s = open_store(db.path, 1);
    assert_int_equal(zl_log_init_keys(s, "zhiliang.example/log"), 0);
    assert_int_equal(zl_log_init_keys(s, "zhiliang.example/log"), ZL_EEXIST);
    /* Outside a transaction the append is refused. */
    assert_int_equal(zl_log_append(s, ZL_LEAF_EVENT, "k", "x", 1, NULL),
                     ZL_EINVAL);
    /* Empty log checkpoint. */
    assert_int_equal(zl_log_checkpoint_issue(s, &note), 0);
    assert_int_equal(zl_log_public_key(s, &vkey), 0);
    assert_int_equal(
        zl_log_checkpoint_verify(note, strlen(note), vkey, &cp, &err), 0);
    assert_int_equal(cp.size, 0);
    zl_free(note);

    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 0, 200, leaves);
    assert_int_equal(zl_store_commit(s), 0);
    /* Rolled-back appends leave no trace, and the frontier recovers. */
    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 200, 37, leaves);
    assert_int_equal(zl_store_rollback(s), 0);
    zl_log_on_rollback(s);
    assert_int_equal(zl_log_size(s, &size), 0);
    assert_int_equal(size, 200);
    /* A second connection appends; the first must notice. */
    s2 = open_store(db.path, 0);
    assert_int_equal(zl_store_begin(s2), 0);
    append_n(s2, 200, 50, leaves);
    assert_int_equal(zl_store_commit(s2), 0);
    zl_store_close(s2);
    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 250, N - 250, leaves);
    assert_int_equal(zl_store_commit(s), 0);

    assert_int_equal(zl_log_size(s, &size), 0);
    assert_int_equal(size, N);
    for (uint64_t m = 0; m <= N; m += 7) {
        naive_mth(&h, (const uint8_t(*)[32])leaves, m, naive);
        assert_int_equal(zl_log_root(s, m, root), 0);
        assert_memory_equal(root, naive, 32);
    }
    naive_mth(&h, (const uint8_t(*)[32])leaves, N, naive);
    for (uint64_t i = 0; i < N; i += 13) {
        assert_int_equal(zl_log_prove_inclusion(s, i, N, proof, &n), 0);
        assert_int_equal(zl_log_verify_inclusion(i, N, leaves[i],
                                                 (const uint8_t(*)[32])proof, n,
                                                 naive),
                         0);
    }
    assert_int_equal(zl_log_prove_consistency(s, 123, N, proof, &n), 0);
    naive_mth(&h, (const uint8_t(*)[32])leaves, 123, root);
    assert_int_equal(zl_log_verify_consistency(123, N, root, naive,
                                               (const uint8_t(*)[32])proof, n),
                     0);
    assert_int_equal(zl_log_prove_inclusion(s, N, N, proof, &n), ZL_EINVAL);
    assert_int_equal(zl_log_prove_inclusion(s, 0, N + 1, proof, &n), ZL_EINVAL);
    assert_int_equal(zl_log_find(s, "key-77", &idx, NULL, root), 0);
    assert_int_equal(idx, 77);
    assert_memory_equal(root, leaves[77], 32);
    assert_int_equal(zl_log_find(s, "nope", &idx, NULL, NULL), ZL_ENOTFOUND);

    /* Checkpoint at N: signed, verifiable, root matches, stored once. */
    assert_int_equal(zl_log_checkpoint_issue(s, &note), 0);
    assert_int_equal(
        zl_log_checkpoint_verify(note, strlen(note), vkey, &cp, &err), 0);
    assert_int_equal(cp.size, N);
    assert_memory_equal(cp.root, naive, 32);
    assert_string_equal(cp.origin, "zhiliang.example/log");
    assert_int_equal(zl_log_checkpoint_issue(s, &note2), 0);
    assert_string_equal(note, note2);
    zl_free(note2);
    assert_int_equal(zl_log_checkpoint_latest(s, &note2), 0);
    assert_string_equal(note, note2);
    zl_free(note2);

    /* A tlog-proof for leaf 42 verifies offline, and not for leaf 43. */
    assert_int_equal(zl_log_prove_inclusion(s, 42, N, proof, &n), 0);
    assert_int_equal(
        zl_log_proof_format(42, (const uint8_t(*)[32])proof, n, note, &text),
        0);
    assert_int_equal(zl_log_proof_verify(text, strlen(text), leaves[42], vkey,
                                         &idx, &size, &err),
                     0);
    assert_int_equal(idx, 42);
    assert_int_equal(size, N);
    assert_int_equal(zl_log_proof_verify(text, strlen(text), leaves[43], vkey,
                                         NULL, NULL, &err),
                     ZL_EVERIFY);
    zl_free(text);
    zl_free(note);
    zl_free(vkey);
    zl_store_close(s);
    tmp_remove(&db);
    zl_hasher_cleanup(&h);
}

/* The copier's rows of log_node, in key order from after (NULL: all). */
struct node_rows {
    int64_t level[600], idx[600];
    uint8_t hash[600][32];
    size_t n;
};

static int node_row_cb(void *ctx, const struct zl_store_value *row)
{
    struct node_rows *r = ctx;

    assert_true(r->n < 600);
    assert_int_equal(row[0].type, ZL_VALUE_INT);
    assert_int_equal(row[1].type, ZL_VALUE_INT);
    assert_int_equal(row[2].type, ZL_VALUE_BLOB);
    assert_int_equal(row[2].len, 32);
    r->level[r->n] = row[0].i;
    r->idx[r->n] = row[1].i;
    memcpy(r->hash[r->n++], row[2].p, 32);
    return 0;
}

/* Every inner node of the tree, stored or (SQLite: schema 32) derived on
 * read, equals the naive subtree hash, by node_get and by the copier's
 * row read (all at once and in pages of 7 rows); only the kept levels
 * have rows. */
static void store_nodes_every_level(void **state)
{
    enum { N = 300 };
    static uint8_t leaves[N][32];
    const struct zl_store_table *t = zl_store_table_find("log_node");
    struct node_rows *all = calloc(1, sizeof *all),
                     *paged = calloc(1, sizeof *paged);
    struct zl_error err = {0};
    struct zl_hasher h;
    struct tmpdb db;
    uint8_t got[32], want[32];
    size_t at = 0, kept = 0;
    zl_store *s;

    (void)state;
    assert_non_null(all);
    assert_non_null(paged);
    assert_int_equal(zl_hasher_init(&h), 0);
    tmp_path(&db);
    s = open_store(db.path, 1);
    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 0, N, leaves);
    assert_int_equal(zl_store_commit(s), 0);

    assert_int_equal(s->be->rows_read(s, t, NULL, 0, node_row_cb, all, &err),
                     0);
    for (unsigned level = 1; level < 9; level++) {
        uint64_t width = (uint64_t)1 << level;

        kept += zl_store_log_node_kept(s, level) ? N / width : 0;
        for (uint64_t i = 0; i < N / width; i++, at++) {
            naive_mth(&h, (const uint8_t(*)[32])leaves + i * width, width,
                      want);
            assert_int_equal(zl_store_log_node_get(s, level, i, got), 0);
            assert_memory_equal(got, want, 32);
            assert_true(at < all->n);
            assert_int_equal(all->level[at], level);
            assert_int_equal(all->idx[at], (int64_t)i);
            assert_memory_equal(all->hash[at], want, 32);
        }
        /* the incomplete node at the right edge is no node */
        assert_int_equal(zl_store_log_node_get(s, level, N / width, got),
                         ZL_ENOTFOUND);
    }
    assert_int_equal(all->n, at);
    assert_true(kept < at || strcmp(zl_store_backend_name(s), "sqlite"));
    /* pages of 7 rows, each after the previous page's last key */
    for (;;) {
        struct zl_store_value after[2];
        size_t before = paged->n;

        memset(after, 0, sizeof after);
        after[0].type = after[1].type = ZL_VALUE_INT;
        if (before) {
            after[0].i = paged->level[before - 1];
            after[1].i = paged->idx[before - 1];
        }
        assert_int_equal(s->be->rows_read(s, t, before ? after : NULL, 7,
                                          node_row_cb, paged, &err),
                         0);
        assert_true(paged->n - before <= 7);
        if (paged->n == before)
            break;
    }
    assert_int_equal(paged->n, all->n);
    assert_memory_equal(paged->level, all->level,
                        all->n * sizeof all->level[0]);
    assert_memory_equal(paged->idx, all->idx, all->n * sizeof all->idx[0]);
    assert_memory_equal(paged->hash, all->hash, all->n * 32);
    if (!strcmp(zl_store_backend_name(s), "sqlite")) {
        sqlite3_stmt *st = NULL, *q = NULL;
        uint64_t idx;
        int lookups = 0;

        /* a lookup by key searches log_leaf_key (on the key itself since
         * schema 36), no scan of log_leaf */
        for (uint64_t i = 0; i < N; i += 29) {
            char key[32];

            snprintf(key, sizeof key, "key-%llu", (unsigned long long)i);
            assert_int_equal(zl_log_find(s, key, &idx, NULL, got), 0);
            assert_int_equal(idx, i);
            assert_memory_equal(got, leaves[i], 32);
        }
        while ((q = sqlite3_next_stmt(zl_sqlite_db(s), q)))
            if (strstr(sqlite3_sql(q), "WHERE record_key = ?1")) {
                lookups++;
                assert_int_equal(
                    sqlite3_stmt_status(q, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0),
                    0);
            }
        assert_true(lookups > 0);

        assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(s),
                                            "SELECT count(*) FROM log_node", -1,
                                            &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int64(st, 0), (int64_t)kept);
        sqlite3_finalize(st);
    }
    zl_store_close(s);
    tmp_remove(&db);
    zl_hasher_cleanup(&h);
    free(all);
    free(paged);
}

/* Rows the transaction wrote are read back before it commits, and a
 * second leaf at a taken index is refused: at once on SQLite, at the
 * commit on PostgreSQL (whose log rows wait for it), which then fails
 * and leaves nothing of the transaction. */
static void store_duplicate_leaf_refused(void **state)
{
    static uint8_t leaves[8][32];
    struct tmpdb db;
    struct zl_hasher h;
    uint8_t got[32], root[32], naive[32], x[32] = {1};
    uint64_t size;
    zl_store *s;
    int rc;

    (void)state;
    assert_int_equal(zl_hasher_init(&h), 0);
    tmp_path(&db);
    s = open_store(db.path, 1);
    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 0, 5, leaves);
    assert_int_equal(zl_log_size(s, &size), 0);
    assert_int_equal(size, 5);
    assert_int_equal(zl_log_leaf(s, 4, got), 0);
    assert_memory_equal(got, leaves[4], 32);
    append_n(s, 5, 1, leaves);
    assert_int_equal(zl_store_commit(s), 0);

    assert_int_equal(zl_store_begin(s), 0);
    assert_int_equal(zl_store_log_leaf_put(s, 6, ZL_LEAF_EVENT, "new", x), 0);
    rc = zl_store_log_leaf_put(s, 2, ZL_LEAF_EVENT, "dup", x);
    if (!rc)
        rc = zl_store_commit(s);
    assert_int_equal(rc, ZL_EEXIST);
    assert_int_equal(zl_store_rollback(s), 0);
    assert_int_equal(zl_log_size(s, &size), 0);
    assert_int_equal(size, 6);

    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 6, 2, leaves);
    assert_int_equal(zl_store_commit(s), 0);
    naive_mth(&h, (const uint8_t(*)[32])leaves, 8, naive);
    assert_int_equal(zl_log_root(s, 8, root), 0);
    assert_memory_equal(root, naive, 32);
    zl_store_close(s);
    tmp_remove(&db);
    zl_hasher_cleanup(&h);
}

/* ---- zl_log_verify_all ------------------------------------------------------
 */

struct src_ctx {
    char buf[64];
    uint64_t changed; /* record whose bytes are now different */
    uint64_t gone;    /* record no longer stored */
};

static int src_cb(void *ctx, uint8_t type, const char *key, const void **canon,
                  size_t *len)
{
    struct src_ctx *c = ctx;
    char k[32];
    uint64_t i = strtoull(key + 4, NULL, 10);

    assert_int_equal(type, ZL_LEAF_EVENT);
    if (i == c->gone)
        return ZL_ENOTFOUND;
    record_bytes(i, c->buf, sizeof c->buf, len, k, sizeof k);
    if (i == c->changed)
        c->buf[0] = 'R';
    *canon = c->buf;
    return 0;
}

struct issues {
    int count[16];
    uint64_t last_index[16];
};

static int report_cb(void *ctx, const struct zl_log_issue *is)
{
    struct issues *x = ctx;

    x->count[is->kind]++;
    x->last_index[is->kind] = is->index;
    return 0;
}

/* Tamper with the stored rows behind the library's back. */
static void raw_exec(const char *path, const char *sql)
{
    zl_store *s = open_store(path, 0);

    if (zl_store_exec_sql(s, sql))
        fail_msg("%s: refused", sql);
    zl_store_close(s);
}

static int run_verify(const char *path, struct src_ctx *src, struct issues *is)
{
    zl_store *s = open_store(path, 0);
    struct zl_log_verify_stats st;
    int rc;

    memset(is, 0, sizeof *is);
    rc = zl_log_verify_all(s, src_cb, src, report_cb, is, &st);
    zl_store_close(s);
    return rc;
}

static void verify_all_detects_tampering(void **state)
{
    struct tmpdb db;
    static uint8_t leaves[100][32];
    struct src_ctx src = {.changed = UINT64_MAX, .gone = UINT64_MAX};
    struct issues is;
    char *note, sql[160], zeros[96];
    zl_store *s;

    (void)state;
    tmp_path(&db);
    s = open_store(db.path, 1);
    assert_int_equal(zl_log_init_keys(s, "test.log"), 0);
    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 0, 40, leaves);
    assert_int_equal(zl_store_commit(s), 0);
    assert_int_equal(zl_log_checkpoint_issue(s, &note), 0);
    zl_free(note);
    assert_int_equal(zl_store_begin(s), 0);
    append_n(s, 40, 60, leaves);
    assert_int_equal(zl_store_commit(s), 0);
    assert_int_equal(zl_log_checkpoint_issue(s, &note), 0);
    zl_free(note);
    zl_store_close(s);

    assert_int_equal(run_verify(db.path, &src, &is), 0);

    src.changed = 17;
    assert_int_equal(run_verify(db.path, &src, &is), ZL_ETAMPER);
    assert_int_equal(is.count[ZL_LOGV_LEAF_CHANGED], 1);
    assert_int_equal(is.last_index[ZL_LOGV_LEAF_CHANGED], 17);
    src.changed = UINT64_MAX;
    src.gone = 3;
    assert_int_equal(run_verify(db.path, &src, &is), ZL_ETAMPER);
    assert_int_equal(is.count[ZL_LOGV_RECORD_MISSING], 1);
    src.gone = UINT64_MAX;

    /* An interior node rewritten in the store (SQLite keeps every 4th
     * level: sqlite_log.c). */
    snprintf(sql, sizeof sql,
             "UPDATE log_node SET hash = %s WHERE level = 4 AND idx = 1",
             fixture_blob(db.path, FIXTURE_ZEROS32, zeros, sizeof zeros));
    raw_exec(db.path, sql);
    assert_int_equal(run_verify(db.path, &src, &is), ZL_ETAMPER);
    assert_int_equal(is.count[ZL_LOGV_NODE_CHANGED], 1);
    assert_int_equal(is.last_index[ZL_LOGV_NODE_CHANGED], 1);
    raw_exec(db.path, "DELETE FROM log_node WHERE level = 4 AND idx = 1");
    assert_int_equal(run_verify(db.path, &src, &is), ZL_ETAMPER);
    assert_int_equal(is.count[ZL_LOGV_NODE_MISSING], 1);

    /* A leaf hash rewritten to match a rewritten record: the record check
     * passes, but the signed checkpoints no longer match. */
    snprintf(sql, sizeof sql, "UPDATE log_leaf SET hash = %s WHERE idx = 70",
             zeros);
    raw_exec(db.path, sql);
    assert_int_equal(run_verify(db.path, &src, &is), ZL_ETAMPER);
    assert_int_equal(is.count[ZL_LOGV_CHECKPOINT_ROOT], 1);
    assert_int_equal(is.last_index[ZL_LOGV_CHECKPOINT_ROOT], 100);

    /* A leaf deleted from the middle. */
    raw_exec(db.path, "DELETE FROM log_leaf WHERE idx = 50");
    assert_int_equal(run_verify(db.path, &src, &is), ZL_ETAMPER);
    assert_int_equal(is.count[ZL_LOGV_LEAF_GAP], 1);
    assert_int_equal(is.last_index[ZL_LOGV_LEAF_GAP], 50);

    /* A checkpoint note edited: its signature fails. */
    raw_exec(db.path, "UPDATE log_checkpoint SET note ="
                      " replace(note, 'test.log\n40', 'test.log\n41')"
                      " WHERE size = 40");
    assert_int_equal(run_verify(db.path, &src, &is), ZL_ETAMPER);
    assert_int_equal(is.count[ZL_LOGV_CHECKPOINT_SIG], 1);
    tmp_remove(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_known_answers),
        cmocka_unit_test(leaf_hash_layout),
        cmocka_unit_test(conformance_rfc6962),
        cmocka_unit_test(differential_random_trees),
        cmocka_unit_test(verify_rejects_nonsense),
        cmocka_unit_test(store_append_prove_checkpoint),
        cmocka_unit_test(store_duplicate_leaf_refused),
        cmocka_unit_test(store_nodes_every_level),
        cmocka_unit_test(verify_all_detects_tampering),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
