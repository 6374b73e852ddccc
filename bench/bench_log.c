/*
 * bench_log.c - figures for the Merkle log.
 *
 *   1. Tree maintenance vs hashing alone: the same records hashed as leaves
 *      by OpenSSL alone, then hashed and added to the tree (frontier update
 *      plus emitting every completed node). Target: ratio <= 2.
 *   2. zl_log_append throughput with the SQLite store (batched
 *      transactions), and log storage bytes per record.
 *   3. Proof generation latency (median, p99) at a large tree built in bulk
 *      through the store's leaf/node functions.
 *
 * usage: bench_log [APPENDS [BIG_TREE_LEAVES [DIR]]]
 *        defaults 1000000, 10000000, /tmp
 */
#include "zhiliang/log.h"

#include "log/merkle.h"
#include "store/store.h"
#include "store/store_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252u;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_log: %s: %s\n", what, zl_strerror(rc));
    exit(1);
}

static int emit_mem(void *ctx, unsigned level, uint64_t index,
                    const uint8_t h[32])
{
    uint8_t *sink = ctx;

    memcpy(sink + ((index * 31 + level) & 1023) * 32, h, 32);
    return 0;
}

static void bench_tree(size_t reclen, uint64_t n)
{
    struct zl_hasher h;
    struct zl_frontier *f = calloc(1, sizeof *f);
    uint8_t *rec = malloc(reclen * 1024), leaf[32], acc = 0;
    static uint8_t sink[1024 * 32];
    double t0, t_hash, t_tree;

    if (zl_hasher_init(&h) || !f || !rec)
        die("init", ZL_ENOMEM);
    for (size_t i = 0; i < reclen * 1024; i++)
        rec[i] = (uint8_t)rnd();
    /* Best of 5 interleaved runs each: the machine is shared. */
    t_hash = t_tree = 1e30;
    for (int run = 0; run < 5; run++) {
        double t;

        t0 = now();
        for (uint64_t i = 0; i < n; i++) {
            zl_merkle_leaf(&h, ZL_LEAF_EVENT, rec + (i & 1023) * reclen, reclen,
                           leaf);
            acc ^= leaf[0];
        }
        t = now() - t0;
        if (t < t_hash)
            t_hash = t;
        memset(f, 0, sizeof *f);
        t0 = now();
        for (uint64_t i = 0; i < n; i++) {
            zl_merkle_leaf(&h, ZL_LEAF_EVENT, rec + (i & 1023) * reclen, reclen,
                           leaf);
            zl_frontier_add(f, &h, leaf, emit_mem, sink);
        }
        t = now() - t0;
        if (t < t_tree)
            t_tree = t;
    }
    zl_frontier_root(f, &h, leaf);
    printf("  record %4zu B: leaf hashing alone %8.0f leaves/s | hashing + "
           "tree update %8.0f leaves/s\n"
           "      (leaf hash + tree) / leaf hash = %.2fx %s; tree update alone"
           " = %.2fx leaf hashing (chk %02x%02x)\n",
           reclen, n / t_hash, n / t_tree, t_tree / t_hash,
           t_tree / t_hash <= 2.0 ? "(<= 2x: ok)" : "(> 2x)",
           (t_tree - t_hash) / t_hash, acc, leaf[0]);
    zl_hasher_cleanup(&h);
    free(rec);
    free(f);
}

static zl_store *open_fresh(const char *path)
{
    struct zl_error err = {0};
    char p[600];
    zl_store *s = NULL;
    int rc;

    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    if ((rc = zl_store_open(path, 1, &s, &err)))
        die(err.rule, rc);
    return s;
}

static void remove_db(const char *path)
{
    char p[600];

    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static uint64_t file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static void bench_append(const char *dir, uint64_t n, uint64_t batch)
{
    char path[512], key[96], rec[300];
    zl_store *s;
    uint64_t bytes = 0;
    double t0, t, c0;
    int rc;

    snprintf(path, sizeof path, "%s/bench_log_append.db", dir);
    s = open_fresh(path);
    memset(rec, 'x', sizeof rec);
    c0 = cpu_now();
    t0 = now();
    for (uint64_t i = 0; i < n; i++) {
        if (i % batch == 0 && (rc = zl_store_begin(s)))
            die("begin", rc);
        /* A realistic record key: an event hash ID. */
        snprintf(key, sizeof key,
                 "ni:///sha-256;%016" PRIx64 "%016" PRIx64 "%016" PRIx64
                 "%016" PRIx64 "?ver=CBV2.0",
                 rnd(), rnd(), rnd(), rnd());
        memcpy(rec, &i, sizeof i);
        if ((rc = zl_log_append(s, ZL_LEAF_EVENT, key, rec, sizeof rec, NULL)))
            die("append", rc);
        if ((i % batch == batch - 1 || i == n - 1) && (rc = zl_store_commit(s)))
            die("commit", rc);
    }
    t = now() - t0;
    c0 = cpu_now() - c0;
    zl_store_log_bytes(s, &bytes);
    zl_store_close(s);
    printf(
        "  %" PRIu64 " appends (300 B records, %" PRIu64 " per transaction,"
        " synchronous=FULL): %.0f leaves/s wall, %.0f leaves per CPU-second\n",
        n, batch, n / t, n / c0);
    if (bytes)
        printf("  log storage: %.1f bytes/record (leaf row + record-key index "
               "+ interior nodes, SQLite dbstat)\n",
               (double)bytes / n);
    printf("  store file: %.1f bytes/record (log tables only)\n",
           (double)file_size(path) / n);
    remove_db(path);
}

struct bulk {
    zl_store *s;
};

static int emit_store(void *ctx, unsigned level, uint64_t index,
                      const uint8_t h[32])
{
    return zl_store_log_node_put(ctx, level, index, h);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void bench_proofs(const char *dir, uint64_t n)
{
    char path[512], key[32];
    struct zl_hasher h;
    struct zl_frontier *f = calloc(1, sizeof *f);
    uint8_t leaf[32], root[32], proof[ZL_LOG_MAX_PROOF][32];
    enum { Q = 20000 };
    static double lat[Q], cpu[Q];
    zl_store *s;
    double t0;
    size_t pn;
    int rc;

    snprintf(path, sizeof path, "%s/bench_log_big.db", dir);
    s = open_fresh(path);
    if (zl_hasher_init(&h) || !f)
        die("init", ZL_ENOMEM);
    t0 = now();
    for (uint64_t i = 0; i < n; i++) {
        if (i % 100000 == 0 && (rc = zl_store_begin(s)))
            die("begin", rc);
        snprintf(key, sizeof key, "r%" PRIu64, i);
        zl_merkle_leaf(&h, ZL_LEAF_EVENT, &i, sizeof i, leaf);
        if ((rc = zl_store_log_leaf_put(s, i, ZL_LEAF_EVENT, key, leaf)) ||
            (rc = zl_frontier_add(f, &h, leaf, emit_store, s)))
            die("bulk", rc);
        if ((i % 100000 == 99999 || i == n - 1) && (rc = zl_store_commit(s)))
            die("commit", rc);
        if (i && i % 10000000 == 0)
            fprintf(stderr, "  ... %" PRIu64 " leaves\n", i);
    }
    printf("  bulk build of %" PRIu64 " leaves: %.1f s, file %.2f GB "
           "(%.1f bytes/leaf with short keys)\n",
           n, now() - t0, file_size(path) / 1e9, (double)file_size(path) / n);
    zl_frontier_root(f, &h, root);
    zl_store_close(s);
    {
        struct zl_error err = {0};

        if ((rc = zl_store_open(path, 0, &s, &err)))
            die("reopen", rc);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int q = 0; q < Q; q++) {
            uint64_t idx = rnd() % n;

            double c1 = cpu_now();

            t0 = now();
            if (pass == 0)
                rc = zl_log_prove_inclusion(s, idx, n, proof, &pn);
            else
                rc = zl_log_prove_consistency(s, idx + 1, n, proof, &pn);
            lat[q] = now() - t0;
            cpu[q] = cpu_now() - c1;
            if (rc)
                die("prove", rc);
            if (pass == 0 && q < 100) {
                zl_log_leaf(s, idx, leaf);
                if (zl_log_verify_inclusion(
                        idx, n, leaf, (const uint8_t(*)[32])proof, pn, root))
                    die("proof does not verify", ZL_EVERIFY);
            }
        }
        qsort(lat, Q, sizeof lat[0], cmp_d);
        qsort(cpu, Q, sizeof cpu[0], cmp_d);
        printf("  %s proof at %" PRIu64 " leaves (%d random, %zu hashes "
               "last): wall median %.1f us, p99 %.1f us; CPU median %.1f us,"
               " p99 %.1f us\n",
               pass ? "consistency" : "inclusion", n, Q, pn, lat[Q / 2] * 1e6,
               lat[Q * 99 / 100] * 1e6, cpu[Q / 2] * 1e6,
               cpu[Q * 99 / 100] * 1e6);
    }
    zl_store_close(s);
    zl_hasher_cleanup(&h);
    free(f);
    remove_db(path);
}

int main(int argc, char **argv)
{
    uint64_t appends = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint64_t big = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
    const char *dir = argc > 3 ? argv[3] : "/tmp";

    printf("== tree maintenance vs leaf hashing (OpenSSL SHA-256, same run)\n");
    bench_tree(64, 2000000);
    bench_tree(300, 1000000);
    bench_tree(1000, 500000);
    printf("== zl_log_append with the SQLite store\n");
    if (appends) {
        bench_append(dir, appends, 1000);
        bench_append(dir, appends, 10000);
    }
    printf("== proof generation\n");
    if (big)
        bench_proofs(dir, big);
    return 0;
}
