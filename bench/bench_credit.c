/*
 * bench_credit.c - credit classes (docs/credit.md) for a nation's
 * enterprises: 5 million of them and their records, scored in one pass
 * over the records in enterprise order, beside the naive twin that asks
 * the database for each enterprise's records in turn (a prepared,
 * indexed per-enterprise query), in the same run, on the same SQLite
 * file; both score with zl_credit_classify (the default rule, the code
 * zl_credit_score runs without writing its explanation lines) and must
 * give every enterprise the same class.
 *
 *   bench_credit [--enterprises N] [--db PATH] [--peer N]
 *
 * The records: three enterprises in ten have any (one to six each: 1.5
 * million enterprises and 5.25 million records at N = 5M): spot check
 * passed 40 %, failed 15 %, rectification overdue 5 %, penalty 15 %,
 * upheld complaint 15 %, recall 10 %; a fifth of the failures, penalties
 * and recalls serious; dated up to four years before the scoring day. A
 * record is (enterprise, kind, day, serious), the columns the rule reads;
 * an enterprise with none is A. --peer N runs the naive loop on the first
 * N enterprises only and scales by N (default: all).
 *
 * What it does not measure: the draw's own path (lib/supervise/
 * credit_link.c) reads the same records as logged JSON and parses each;
 * it has the one-pass shape measured here, not its JSON cost.
 */
#include "zhiliang/credit.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_EV 16

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rs = 0x243F6A8885A308D3ULL;

static uint64_t below(uint64_t n)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (z ^ (z >> 31)) % n;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_credit: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static const enum zl_credit_kind KIND[] = {
    ZL_CREDIT_SPOT_PASS, ZL_CREDIT_SPOT_FAIL, ZL_CREDIT_OVERDUE_RECTIFY,
    ZL_CREDIT_PENALTY,   ZL_CREDIT_COMPLAINT, ZL_CREDIT_RECALL};

static int pick_kind(void)
{
    uint64_t x = below(100);

    return x < 40 ? 0 : x < 55 ? 1 : x < 60 ? 2 : x < 75 ? 3 : x < 90 ? 4 : 5;
}

struct tally {
    long cls[4];
    uint64_t check; /* sum over enterprises of (id + 1) x class: A adds 0 */
};

static void score(const struct zl_credit_config *cfg,
                  const struct zl_credit_event *ev, size_t n, int32_t at,
                  long id, struct tally *t)
{
    enum zl_credit_class c;
    struct zl_error err = {0};

    if (zl_credit_classify(cfg, ev, n, at, &c, NULL, &err)) {
        fprintf(stderr, "bench_credit: score: %s\n", err.rule);
        exit(1);
    }
    t->cls[c]++;
    t->check += ((uint64_t)id + 1) * (uint64_t)c;
}

int main(int argc, char **argv)
{
    long n_ent = 5000000, peer = -1, n_rec = 0, with = 0;
    char path[256];
    const char *db_path = NULL;
    struct zl_credit_config cfg;
    struct zl_credit_event ev[MAX_EV];
    struct tally ours = {{0}, 0}, naive = {{0}, 0};
    sqlite3 *db;
    sqlite3_stmt *st;
    const int32_t at = 20819; /* 2027-01-01 */
    double t0, t_gen, t_ours, t_peer;
    long cur = -1;
    size_t n = 0;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--enterprises"))
            n_ent = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--db"))
            db_path = argv[i + 1];
        else if (!strcmp(argv[i], "--peer"))
            peer = strtol(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_credit [--enterprises N] [--db "
                            "PATH] [--peer N]\n");
            return 2;
        }
    }
    if (peer < 0 || peer > n_ent)
        peer = n_ent;
    if (!db_path) {
        snprintf(path, sizeof path, "/tmp/bench_credit_%d.db", (int)getpid());
        db_path = path;
    }
    unlink(db_path);
    zl_credit_defaults(&cfg);
    if (sqlite3_open(db_path, &db) != SQLITE_OK)
        die(db, "open");
    sqlite3_exec(db,
                 "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                 "CREATE TABLE rec(ent INTEGER NOT NULL, kind INTEGER NOT "
                 "NULL, day INTEGER NOT NULL, serious INTEGER NOT NULL);"
                 "BEGIN",
                 NULL, NULL, NULL);

    /* ---- the records ------------------------------------------------- */
    t0 = now();
    if (sqlite3_prepare_v2(db, "INSERT INTO rec VALUES (?, ?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        die(db, "prepare insert");
    /* inserted in random enterprise order, as records arrive over years */
    for (long e = 0; e < n_ent; e++) {
        long id = (long)((uint64_t)e * 2654435761u % (uint64_t)n_ent);
        int k;

        if (below(10) >= 3)
            continue;
        with++;
        k = 1 + (int)below(6);
        for (int j = 0; j < k; j++) {
            int kind = pick_kind();

            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int(st, 2, kind);
            sqlite3_bind_int(st, 3, at - (int32_t)below(1461));
            sqlite3_bind_int(
                st, 4, (kind == 1 || kind == 3 || kind == 5) && below(5) == 0);
            if (sqlite3_step(st) != SQLITE_DONE)
                die(db, "insert");
            sqlite3_reset(st);
            n_rec++;
        }
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(db,
                     "CREATE INDEX rec_ent ON rec(ent, kind, day, serious); "
                     "COMMIT; ANALYZE",
                     NULL, NULL, NULL) != SQLITE_OK)
        die(db, "index");
    t_gen = now() - t0;
    printf("%ld enterprises, %ld with records, %ld records (generated and "
           "indexed in %.1f s)\n",
           n_ent, with, n_rec, t_gen);

    /* ---- ours: one pass in enterprise order --------------------------- */
    t0 = now();
    if (sqlite3_prepare_v2(db,
                           "SELECT ent, kind, day, serious FROM rec "
                           "ORDER BY ent",
                           -1, &st, NULL) != SQLITE_OK)
        die(db, "prepare scan");
    while (sqlite3_step(st) == SQLITE_ROW) {
        long id = (long)sqlite3_column_int64(st, 0);

        if (id != cur) {
            if (n)
                score(&cfg, ev, n, at, cur, &ours);
            cur = id;
            n = 0;
        }
        if (n < MAX_EV) {
            ev[n].kind = KIND[sqlite3_column_int(st, 1)];
            ev[n].day = sqlite3_column_int(st, 2);
            ev[n].serious = sqlite3_column_int(st, 3);
            ev[n].active = 0;
            ev[n].ref = NULL;
            n++;
        }
    }
    if (n)
        score(&cfg, ev, n, at, cur, &ours);
    sqlite3_finalize(st);
    /* the enterprises without a record: A, scored like the others */
    {
        long scored = ours.cls[0] + ours.cls[1] + ours.cls[2] + ours.cls[3];

        ours.cls[0] += n_ent - scored;
    }
    t_ours = now() - t0;

    /* ---- the peer: one indexed query per enterprise -------------------- */
    t0 = now();
    if (sqlite3_prepare_v2(db,
                           "SELECT kind, day, serious FROM rec WHERE ent = ?",
                           -1, &st, NULL) != SQLITE_OK)
        die(db, "prepare peer");
    for (long id = 0; id < peer; id++) {
        n = 0;
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW && n < MAX_EV) {
            ev[n].kind = KIND[sqlite3_column_int(st, 0)];
            ev[n].day = sqlite3_column_int(st, 1);
            ev[n].serious = sqlite3_column_int(st, 2);
            ev[n].active = 0;
            ev[n].ref = NULL;
            n++;
        }
        sqlite3_reset(st);
        score(&cfg, ev, n, at, id, &naive);
    }
    sqlite3_finalize(st);
    t_peer = now() - t0;

    printf("ours  (one pass in enterprise order): %.2f s, %.0f "
           "enterprises/s; A %ld B %ld C %ld D %ld\n",
           t_ours, n_ent / t_ours, ours.cls[0], ours.cls[1], ours.cls[2],
           ours.cls[3]);
    printf("naive (a query per enterprise, %ld of them): %.2f s, %.0f "
           "enterprises/s%s\n",
           peer, t_peer, peer / t_peer, peer < n_ent ? " (scaled below)" : "");
    printf("naive for all %ld: %.1f s; ours is %.1fx faster\n", n_ent,
           t_peer * (double)n_ent / (double)peer,
           t_peer * (double)n_ent / (double)peer / t_ours);
    if (peer == n_ent) {
        int same = !memcmp(ours.cls, naive.cls, sizeof ours.cls) &&
                   ours.check == naive.check;

        printf("classes identical: %s\n", same ? "yes" : "NO");
        if (!same)
            return 1;
    }
    printf("peak RSS %ld kB\n", rss_kb());
    sqlite3_close(db);
    unlink(db_path);
    return 0;
}
