/*
 * bench_capture.c - capture throughput end to end against a naive loop.
 *
 * 1. The demo generator writes N events (default 1,000,000) as documents
 *    of 1,000 events into a temp directory (not timed).
 * 2. Zhiliang: a fresh store; each document read from its file and given
 *    to zl_capture (parse, validate, hash, store, log leaf): events/s,
 *    peak RSS of that process, store bytes per event.
 * 3. Stage shares: zl_epcis_parse alone over the same documents (parse +
 *    validate + canonicalise + hash) vs the full capture; the rest is
 *    store rows + log.
 * 4. Naive baseline, same run: the same documents parsed with jansson and
 *    inserted into SQLite by a prepared-statement loop (event row + one row
 *    per EPC, one transaction per document, same WAL/synchronous settings),
 *    no validation, no hashing, no log.
 * Each side runs in its own child process so peak memory is its own.
 *
 * --threads 2 runs capture as `zhiliang capture` does by default: the
 * next document read and parsed (zl_capture_parse) on a second thread
 * while this one is stored (zl_capture_store); --threads 1 (the default
 * here, and main's only path) calls zl_capture.
 *
 * --batch N captures N documents per commit (zl_capture_batch_begin: each
 * document a savepoint), as `zhiliang capture` does with several files;
 * the naive loop keeps one transaction per document. --keep leaves the
 * store (e.g. for sqlite3's dbstat); --only runs one side in-process (for
 * perf) and reports its CPU seconds too.
 *
 * --store PATH captures into that existing store instead of a fresh one
 * (it is written to: give a copy), so the store stage's cost at a size
 * shows beside the same documents into an empty store; --seed N changes
 * the demo chain (default 42) so its events are not already in a store
 * built from another seed. Store bytes an event are then the file's
 * growth.
 */
#include "demo.h"
#include "zhiliang/epcis.h"
#include "zhiliang/zhiliang.h"

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[256];
static size_t n_docs;
static size_t batch;    /* --batch N: documents per group commit (0: none) */
static int keep_dir;    /* --keep: leave the store for inspection */
static int threads = 1; /* --threads 2: parse the next document meanwhile */
static size_t chunk;    /* --chunk N: a line every N events (growth) */
static const char *store_path; /* --store PATH: an existing store */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int emit(void *ctx, const char *doc, size_t len, size_t n)
{
    char path[300];
    FILE *f;

    (void)ctx;
    (void)n;
    snprintf(path, sizeof path, "%s/doc-%06zu.jsonld", dir, n_docs++);
    f = fopen(path, "wb");
    if (!f || fwrite(doc, 1, len, f) != len)
        return -1;
    fclose(f);
    return 0;
}

static char *read_doc(size_t i, size_t *len)
{
    char path[300];
    struct stat st;
    FILE *f;
    char *buf;

    snprintf(path, sizeof path, "%s/doc-%06zu.jsonld", dir, i);
    if (stat(path, &st) || !(f = fopen(path, "rb")))
        return NULL;
    buf = malloc((size_t)st.st_size + 1);
    if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[st.st_size] = '\0';
    *len = (size_t)st.st_size;
    return buf;
}

static long long file_size(const char *p)
{
    struct stat st;

    return stat(p, &st) ? 0 : (long long)st.st_size;
}

/* Result of one child: written to a pipe as text. */
struct result {
    double seconds;
    size_t events;
    long long bytes;
    double store_cpu, parse_cpu; /* --threads 2: each thread's CPU s */
    double store_stage;          /* zl_capture_store + commits, CPU s */
};

static double thread_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This thread's system CPU seconds (the kernel's share: page reads and
 * writes, syncs), beside thread_cpu's total. */
static double thread_sys(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_THREAD, &ru))
        return 0;
    return (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* --chunk: the store stage's cost over the last chunk of events, so its
 * growth with the store shows (the store stage alone: zl_capture_store's
 * CPU on this thread, the parse stage's measured apart). */
struct chunk_clock {
    size_t events;         /* at the last line */
    double wall, cpu, sys; /* the same */
    double store, parse;   /* this thread's CPU in each stage, running */
};

static void chunk_line(struct chunk_clock *c, size_t events, double t,
                       double store_cpu, double parse_cpu)
{
    double cpu = thread_cpu(), sys = thread_sys();
    double n = (double)(events - c->events);

    if (n <= 0)
        return;
    printf("  chunk to %8zu events: %6.2f s wall, %6.2f CPU s (sys %5.2f);"
           " store %5.1f us/event, parse %5.1f us/event\n",
           events, t - c->wall, cpu - c->cpu, sys - c->sys,
           1e6 * (store_cpu - c->store) / n, 1e6 * (parse_cpu - c->parse) / n);
    fflush(stdout);
    c->events = events;
    c->wall = t;
    c->cpu = cpu;
    c->sys = sys;
    c->store = store_cpu;
    c->parse = parse_cpu;
}

/* The parse stage of one document, on the pipeline's second thread. */
struct prep {
    size_t i;
    char *doc;
    size_t len;
    zl_capture_doc *d;
    int rc;
    struct zl_error err;
    double cpu; /* this stage's CPU s */
};

static void *prep_run(void *arg)
{
    struct prep *p = arg;
    double c0 = thread_cpu();

    p->doc = read_doc(p->i, &p->len);
    p->rc = p->doc ? zl_capture_parse(p->doc, p->len, NULL, &p->d, &p->err)
                   : ZL_ENOTFOUND;
    p->cpu = thread_cpu() - c0;
    return NULL;
}

static int child_zhiliang(struct result *r)
{
    char path[300];
    struct zl_error err = {0};
    struct prep cur = {0}, next = {0};
    pthread_t th;
    zl_store *s;
    double t0, c0;
    struct chunk_clock cc = {0};
    double store_cpu = 0, parse_cpu = 0; /* one thread: each stage's */

    long long bytes0 = 0;

    if (store_path) {
        snprintf(path, sizeof path, "%s", store_path);
        bytes0 = file_size(path);
        if (zl_open(path, &s, &err))
            return 1;
    } else {
        snprintf(path, sizeof path, "%s/bench.db", dir);
        if (zl_init(path, "bench.local/log", &err) || zl_open(path, &s, &err))
            return 1;
    }
    t0 = now();
    c0 = thread_cpu();
    cc.wall = t0;
    cc.cpu = c0;
    cc.sys = thread_sys();
    if (threads == 2 && n_docs) {
        prep_run(&cur);
        c0 += cur.cpu; /* the first parse: not overlapped, the parse's */
        r->parse_cpu += cur.cpu;
    }
    for (size_t i = 0; i < n_docs; i++) {
        struct zl_capture_result res;
        int rc, started = 0;

        if (batch && i % batch == 0 && zl_capture_batch_begin(s))
            return 1;
        if (threads == 2) {
            /* document i was parsed meanwhile; i + 1 now, i stored */
            memset(&next, 0, sizeof next);
            next.i = i + 1;
            if (i + 1 < n_docs &&
                !(started = !pthread_create(&th, NULL, prep_run, &next)))
                return 1;
            double c1 = thread_cpu();

            rc = cur.rc ? cur.rc
                        : zl_capture_store(s, cur.d, NULL, &res, &cur.err);
            store_cpu += thread_cpu() - c1;
            err = cur.err;
            zl_capture_doc_free(cur.d);
            free(cur.doc);
            if (started)
                pthread_join(th, NULL);
            r->parse_cpu += next.cpu;
            cur = next;
        } else {
            /* zl_capture's two stages, timed apart */
            size_t len;
            char *doc = read_doc(i, &len);
            zl_capture_doc *d = NULL;
            double c1 = thread_cpu(), c2;

            rc = doc ? zl_capture_parse(doc, len, NULL, &d, &err) : 1;
            c2 = thread_cpu();
            parse_cpu += c2 - c1;
            if (!rc)
                rc = zl_capture_store(s, d, NULL, &res, &err);
            store_cpu += thread_cpu() - c2;
            zl_capture_doc_free(d);
            free(doc);
        }
        if (rc) {
            fprintf(stderr, "capture failed at doc %zu: %s %s %s\n", i,
                    err.path, err.rule, err.value);
            return 1;
        }
        r->events += res.n_new;
        if (batch && (i % batch == batch - 1 || i + 1 == n_docs)) {
            double c1 = thread_cpu();

            if (zl_capture_batch_commit(s))
                return 1;
            store_cpu += thread_cpu() - c1;
        }
        if (chunk &&
            (r->events / chunk != cc.events / chunk || i + 1 == n_docs) &&
            (!batch || i % batch == batch - 1 || i + 1 == n_docs))
            chunk_line(&cc, r->events, now(), store_cpu,
                       threads == 2 ? r->parse_cpu : parse_cpu);
    }
    r->seconds = now() - t0;
    r->store_cpu = thread_cpu() - c0;
    r->store_stage = store_cpu;
    zl_close(s);
    r->bytes = file_size(path) - bytes0;
    strcat(path, "-wal");
    r->bytes += file_size(path);
    return 0;
}

static int child_parse_only(struct result *r)
{
    double t0 = now(), io = 0;

    for (size_t i = 0; i < n_docs; i++) {
        struct zl_error err = {0};
        zl_epcis_doc *d;
        size_t len;
        double t1 = now();
        char *doc = read_doc(i, &len);

        io += now() - t1;
        if (!doc || zl_epcis_parse(doc, len, NULL, &d, &err))
            return 1;
        r->events += zl_epcis_doc_count(d);
        zl_epcis_doc_free(d);
        free(doc);
    }
    r->seconds = now() - t0 - io;
    return 0;
}

static const char *EPC_LISTS[] = {"epcList", "childEPCs", "inputEPCList",
                                  "outputEPCList", NULL};

static int child_naive(struct result *r)
{
    char path[300];
    sqlite3 *db;
    sqlite3_stmt *ev, *ep;
    double t0;

    snprintf(path, sizeof path, "%s/naive.db", dir);
    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 1;
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE events(id INTEGER PRIMARY KEY, type TEXT,"
                 " event_time TEXT, biz_step TEXT, json TEXT);"
                 "CREATE TABLE epcs(epc TEXT, event INTEGER);"
                 "CREATE INDEX epcs_epc ON epcs(epc);",
                 NULL, NULL, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO events(type, event_time, biz_step, json)"
                       " VALUES(?,?,?,?)",
                       -1, &ev, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO epcs(epc, event) VALUES(?,?)", -1, &ep,
                       NULL);
    t0 = now();
    for (size_t i = 0; i < n_docs; i++) {
        size_t len, k;
        char *doc = read_doc(i, &len);
        json_t *j = doc ? json_loadb(doc, len, 0, NULL) : NULL, *e;
        json_t *list =
            json_object_get(json_object_get(j, "epcisBody"), "eventList");

        if (!j)
            return 1;
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        json_array_foreach(list, k, e)
        {
            char *txt = json_dumps(e, JSON_COMPACT);
            sqlite3_int64 id;

            sqlite3_bind_text(ev, 1,
                              json_string_value(json_object_get(e, "type")), -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(
                ev, 2, json_string_value(json_object_get(e, "eventTime")), -1,
                SQLITE_STATIC);
            sqlite3_bind_text(ev, 3,
                              json_string_value(json_object_get(e, "bizStep")),
                              -1, SQLITE_STATIC);
            sqlite3_bind_text(ev, 4, txt, -1, SQLITE_STATIC);
            sqlite3_step(ev);
            sqlite3_reset(ev);
            free(txt);
            id = sqlite3_last_insert_rowid(db);
            for (int l = 0; EPC_LISTS[l]; l++) {
                size_t m;
                json_t *x;

                json_array_foreach(json_object_get(e, EPC_LISTS[l]), m, x)
                {
                    sqlite3_bind_text(ep, 1, json_string_value(x), -1,
                                      SQLITE_STATIC);
                    sqlite3_bind_int64(ep, 2, id);
                    sqlite3_step(ep);
                    sqlite3_reset(ep);
                }
            }
            r->events++;
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        json_decref(j);
        free(doc);
    }
    r->seconds = now() - t0;
    sqlite3_finalize(ev);
    sqlite3_finalize(ep);
    sqlite3_close(db);
    r->bytes = file_size(path);
    return 0;
}

/* Run fn in a child; returns its result, peak RSS in KiB and CPU seconds
 * (user + system, the honest figure on a shared, loaded machine). */
static int in_child(int (*fn)(struct result *), struct result *r, long *rss_kb,
                    double *cpu)
{
    int fds[2], st;
    pid_t pid;
    struct rusage ru;

    if (pipe(fds))
        return 1;
    pid = fork();
    if (pid == 0) {
        struct result cr = {0};
        int rc = fn(&cr);

        if (write(fds[1], &cr, sizeof cr) != (ssize_t)sizeof cr)
            rc = 1;
        _exit(rc);
    }
    close(fds[1]);
    if (read(fds[0], r, sizeof *r) != (ssize_t)sizeof *r)
        memset(r, 0, sizeof *r);
    close(fds[0]);
    if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        return 1;
    *rss_kb = ru.ru_maxrss;
    *cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    return 0;
}

/* CPU seconds (user + system) of this process so far. */
static double cpu_self(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void cleanup(void)
{
    char cmd[400];

    if (keep_dir) {
        fprintf(stderr, "kept %s\n", dir);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    uint64_t events = 1000000;
    const char *only = NULL;
    struct zl_demo_opts o = {0};
    struct zl_demo_stats st = {0};
    struct result full = {0}, parse = {0}, naive = {0};
    long rss_full = 0, rss_parse = 0, rss_naive = 0;
    double cpu_full = 0, cpu_parse = 0, cpu_naive = 0;
    double t0;
    int bad = 0;

    zl_global_init(); /* as the CLI and server: JSON trees in an arena */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--events") && i + 1 < argc)
            events = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i]; /* zhiliang | parse | naive: for profiling */
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]) == 2 ? 2 : 1;
        else if (!strcmp(argv[i], "--chunk") && i + 1 < argc)
            chunk = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--store") && i + 1 < argc)
            store_path = argv[++i];
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            o.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--keep"))
            keep_dir = 1;
        else {
            fprintf(stderr, "usage: bench_capture [--events N] [--batch N] "
                            "[--threads 1|2] [--chunk N] [--keep] "
                            "[--store PATH] [--seed N] "
                            "[--only zhiliang|parse|naive]\n");
            return 2;
        }
    }
    snprintf(dir, sizeof dir, "%s/zl-bench-capture-%d",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    if (mkdir(dir, 0700))
        return 1;
    if (!o.seed)
        o.seed = 42;
    o.scale = events / 100 ? events / 100 : 1;
    o.per_doc = 1000;
    t0 = now();
    if (zl_demo_generate(&o, emit, NULL, &st)) {
        fprintf(stderr, "generation failed\n");
        cleanup();
        return 1;
    }
    printf("bench_capture: %llu events in %zu documents of <= 1000 "
           "(%.1f MB JSON), generated in %.1f s\n",
           (unsigned long long)st.n_events, n_docs, st.n_bytes / 1e6,
           now() - t0);
    if (only) {
        struct result r = {0};
        int (*fn)(struct result *) = !strcmp(only, "zhiliang") ? child_zhiliang
                                     : !strcmp(only, "parse") ? child_parse_only
                                     : !strcmp(only, "naive") ? child_naive
                                                              : NULL;

        double c0 = cpu_self(), c1;

        if (!fn || fn(&r)) {
            cleanup();
            return 1;
        }
        c1 = cpu_self() - c0;
        printf("%s: %.0f events/s, %.2f s wall, %.2f CPU s (%.0f events/CPU-s)"
               "\n",
               only, r.events / r.seconds, r.seconds, c1, r.events / c1);
        if (!strcmp(only, "zhiliang"))
            printf("  store stage: %.2f CPU s, %.1f us/event\n", r.store_stage,
                   1e6 * r.store_stage / (double)r.events);
        if (threads == 2)
            printf("  pipeline: store thread %.2f CPU s, parse thread %.2f "
                   "CPU s\n",
                   r.store_cpu, r.parse_cpu);
        cleanup();
        return 0;
    }
    bad = in_child(child_zhiliang, &full, &rss_full, &cpu_full) ||
          in_child(child_parse_only, &parse, &rss_parse, &cpu_parse) ||
          in_child(child_naive, &naive, &rss_naive, &cpu_naive);
    if (bad) {
        fprintf(stderr, "a benchmark child failed\n");
        cleanup();
        return 1;
    }
    printf("\n%-44s %10s %8s %8s %10s %9s\n", "", "events/s", "wall s", "CPU s",
           "ev/CPU-s", "peak RSS");
    printf("%-44s %10.0f %8.2f %8.2f %10.0f %6ld MB\n",
           batch && threads == 2 ? "zhiliang capture, batches, 2 threads"
           : batch               ? "zhiliang capture, batches (group commit)"
           : threads == 2        ? "zhiliang capture, 2 threads (pipeline)"
                          : "zhiliang capture (parse+validate+hash+store+log)",
           full.events / full.seconds, full.seconds, cpu_full,
           full.events / cpu_full, rss_full / 1024);
    printf("  store stage (zl_capture_store and commits): %.2f CPU s, %.1f "
           "us/event\n",
           full.store_stage, 1e6 * full.store_stage / (double)full.events);
    if (threads == 2) {
        double crit =
            full.store_cpu > full.parse_cpu ? full.store_cpu : full.parse_cpu;

        printf("  pipeline: store thread %.2f CPU s, parse thread %.2f CPU s;"
               " on two idle cores at most %.0f events/s\n",
               full.store_cpu, full.parse_cpu, full.events / crit);
    }
    printf("%-44s %10.0f %8.2f %8.2f %10.0f %6ld MB\n",
           "naive jansson+SQLite loop (peer)", naive.events / naive.seconds,
           naive.seconds, cpu_naive, naive.events / cpu_naive,
           rss_naive / 1024);
    printf("%-44s %10.0f %8.2f %8.2f %10.0f %6ld MB\n",
           "  stage: parse+validate+canonicalise+hash",
           parse.events / parse.seconds, parse.seconds, cpu_parse,
           parse.events / cpu_parse, rss_parse / 1024);
    printf("\ncost ratio zhiliang/naive: %.2fx wall, %.2fx CPU "
           "(target <= 2x)\n",
           full.seconds / naive.seconds, cpu_full / cpu_naive);
    printf("stage shares of capture time: parse+validate+hash %.0f%%, "
           "store+log %.0f%%\n",
           100 * parse.seconds / full.seconds,
           100 * (full.seconds - parse.seconds) / full.seconds);
    printf("store bytes per event: zhiliang %.0f%s, naive %.0f\n",
           (double)full.bytes / full.events,
           store_path ? " (the file's growth: its free pages go first)" : "",
           (double)naive.bytes / naive.events);
    cleanup();
    return 0;
}
