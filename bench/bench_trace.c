/*
 * bench_trace.c - trace and recall scope latency on the demo chain, side by
 * side with the same questions asked as recursive SQL.
 *
 *   bench_trace [--scale S] [--store PATH] [--queries N] [--resume]
 *               [--build-only] [--drop-caches] [--as-is]
 *
 * 1. The store: PATH (default /tmp/zl-bench-trace-S.db) is built once from
 *    the demo generator (about 100*S events, seed 1) through zl_capture and
 *    reused by later runs. PATH.complete is written when the whole chain is
 *    in; a store without it (an interrupted build) is finished first (the
 *    chain captured again into it, the events it holds skipped as
 *    duplicates), never measured half-built; --resume does that for any
 *    store. The build prints the capture rate of each successive million
 *    (wall and CPU) beside the average: capture must not slow as the store
 *    grows. --build-only stops there. The cold start is measured with
 *    the store's own pages out of the page cache (posix_fadvise
 *    DONTNEED on the file: as after a reboot, for this file alone), and
 *    again on a second handle with them back in it (as on a server that
 *    has been answering); --drop-caches (root) empties the whole
 *    kernel's page cache instead. --as-is measures an
 *    incomplete store as it is (and says so), without finishing it.
 * 2. Samples: N retail-sold items (ObjectEvent retail_selling) and the
 *    milk collection lots (outputs of creating_class_instance at the
 *    collection centres, lot numbers starting with C).
 * 3. Zhiliang, exactly as the CLI, the server and the portal call it
 *    (zl_trace_run / zl_trace_scope on an open store, which read the
 *    store's persistent trace index): the cold start (open the store and
 *    run the first trace), backward and forward trace of each item on one
 *    open handle (a server worker's case: the handle keeps what earlier
 *    traces read while the index is unwritten), median and p99; the same
 *    on a handle opened for each trace (a CLI command's case, first 100
 *    items); recall scope of the collection lots (items reached, time);
 *    the index's size on disk per event and the process's peak RSS.
 * 4. Recursive SQL, same process, same store file (with an index on
 *    event_occ(ev, role) added for it): WITH RECURSIVE over the interned
 *    identifiers (idents, event_occ) and events
 *    following the same links (container, transformation
 *    by event and by transformationID, class -> instance) but WITHOUT the
 *    time windows, which SQL cannot express cheaply: it does less work than
 *    the engine and returns a superset. Ratio = SQL time / engine time.
 */
#include "demo.h"
#include "zhiliang/recall.h"
#include "zhiliang/trace.h"
#include "zhiliang/zhiliang.h"

#include "store/ident_code.h"
#include "store/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    size_t i;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_d);
    i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* ---- building the store ----------------------------------------------------
 */

struct cap_ctx {
    zl_store *s;
    uint64_t events;
    double t0;
    double t_mark;    /* wall time at the last million */
    double cpu_mark;  /* CPU time at the last million */
    uint64_t ev_mark; /* events at the last million */
};

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int emit(void *ctx, const char *doc, size_t len, size_t n_events)
{
    struct cap_ctx *c = ctx;
    struct zl_error err = {0};
    int rc = zl_capture(c->s, doc, len, NULL, NULL, &err);

    if (rc != 0) {
        char msg[512];

        zl_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "capture failed: %s\n", msg);
        return rc;
    }
    c->events += n_events;
    if (c->events % 1000000 < n_events) {
        /* the rate of this million beside the average so far: capture's
         * cost must not grow with the store (issue 11) */
        double t = now(), cpu = cpu_now(), n = (double)(c->events - c->ev_mark);
        double la[1] = {0};

        getloadavg(la, 1);
        fprintf(stderr,
                "  %llu events captured: this million %.0f events/s "
                "(%.0f per CPU-second), average %.0f/s, load %.1f\n",
                (unsigned long long)c->events, n / (t - c->t_mark),
                n / (cpu - c->cpu_mark), (double)c->events / (t - c->t0),
                la[0]);
        c->t_mark = t;
        c->cpu_mark = cpu;
        c->ev_mark = c->events;
    }
    return 0;
}

/* Generate the chain and capture it into path: a new store, or (resume)
 * an existing one, where the events already there are skipped as
 * duplicates, so an interrupted build can be finished. */
static int build_store(const char *path, uint64_t scale, int resume)
{
    struct zl_error err = {0};
    struct zl_demo_opts o;
    struct cap_ctx c = {0};
    int rc;

    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.scale = scale;
    o.per_doc = 5000;
    if ((!resume && (rc = zl_init(path, "bench.local/log", &err)) != 0) ||
        (rc = zl_open(path, &c.s, &err)) != 0) {
        fprintf(stderr, "cannot create %s: %s\n", path, zl_strerror(rc));
        return rc;
    }
    c.t0 = c.t_mark = now();
    c.cpu_mark = cpu_now();
    rc = zl_demo_generate(&o, emit, &c, NULL);
    printf("store built: %llu events captured in %.1f s (%.0f events/s)\n",
           (unsigned long long)c.events, now() - c.t0,
           (double)c.events / (now() - c.t0));
    zl_close(c.s);
    return rc;
}

/* ---- samples
 * ----------------------------------------------------------------- */

struct idlist {
    char **v;
    size_t n, cap;
};

/* Sample identifiers straight from the tables (works on every schema
 * version of the store): the identifiers in `role` of the first `max`
 * events with this bizStep, containing `contains` if given. */
static void sample(sqlite3 *db, const char *step, int role, size_t max,
                   const char *contains, struct idlist *out)
{
    static const char SQL[] =
        "SELECT DISTINCT i.id FROM event_ids i WHERE i.role = ?2 AND i.hash IN"
        " (SELECT hash FROM events WHERE biz_step ="
        " (SELECT n FROM vocab WHERE v = ?1) LIMIT ?3)";
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db, SQL, -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, step, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, role);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    while (out->n < out->cap && sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);

        if (id && (!contains || strstr(id, contains)))
            out->v[out->n++] = strdup(id);
    }
    sqlite3_finalize(st);
}

/* Drop path's pages (and its WAL's) from the kernel's page cache: the
 * state after a reboot, for this file alone (no root needed; only clean
 * pages go, so sync first). */
static void evict_file(const char *path)
{
    char wal[4096];
    const char *files[2] = {path, wal};

    snprintf(wal, sizeof wal, "%s-wal", path);
    sync();
    for (int i = 0; i < 2; i++) {
        int fd = open(files[i], O_RDONLY);

        if (fd < 0)
            continue;
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
}

/* ---- recursive SQL
 * ---------------------------------------------------------------- */

/* roles: 1 epc 2 parent 3 child 4 input 5 output 6 qty 7 childqty
 * 8 inputqty 9 outputqty; types: 1 object 2 aggregation 5 association */
/* Over the interned tables (SQLite since schema 12): r holds identifier
 * numbers (idents.n); an occurrence names its event by events.rid. */
#define SQL_CONTAINER /* child -> parent, ADD aggregations/associations */     \
    " UNION SELECT p.n FROM r JOIN event_occ c ON c.n = r.n"                   \
    "  AND c.role IN (3,7) JOIN events ce ON ce.rid = c.ev"                    \
    "  AND ce.action = 1 AND ce.type IN (2,5)"                                 \
    "  JOIN event_occ p ON p.ev = c.ev AND p.role = 2"
#define SQL_STEP(FROM, TO, CLASS, INSTANCE) /* transformations, classes */     \
    " UNION SELECT t.n FROM r JOIN event_occ f ON f.n = r.n"                   \
    "  AND f.role IN " FROM " JOIN event_occ t ON t.ev = f.ev"                 \
    "  AND t.role IN " TO                                                      \
    " UNION SELECT t.n FROM r JOIN event_occ f ON f.n = r.n"                   \
    "  AND f.role IN " FROM " JOIN events e ON e.rid = f.ev"                   \
    "  JOIN events e2 ON e2.transformation_id = e.transformation_id"           \
    "  JOIN event_occ t ON t.ev = e2.rid AND t.role IN " TO                    \
    " UNION SELECT q.n FROM r JOIN event_occ x ON x.n = r.n"                   \
    "  AND x.role = " CLASS " JOIN events xe ON xe.rid = x.ev"                 \
    "  AND xe.type = 1 AND xe.action = 1"                                      \
    "  JOIN event_occ q ON q.ev = x.ev AND q.role = " INSTANCE
#define SQL_TRACE(STEPS)                                                       \
    "WITH RECURSIVE r(n) AS (SELECT n FROM idents WHERE code = "               \
    "?1" SQL_CONTAINER STEPS ")"                                               \
    " SELECT (SELECT count(*) FROM r),"                                        \
    " (SELECT count(DISTINCT ev) FROM event_occ WHERE n IN r)"

static const char SQL_BACK[] = SQL_TRACE(SQL_STEP("(5,9)", "(4,8)", "1", "6"));
static const char SQL_FWD[] = SQL_TRACE(SQL_STEP("(4,8)", "(5,9)", "6", "1"));

static double sql_run(sqlite3_stmt *st, const char *id, long *nodes,
                      long *events)
{
    double t0 = now();

    unsigned char code[512];
    size_t len = strlen(id), n = 0;

    sqlite3_reset(st);
    /* the identifier as idents keeps it since schema 26 */
    if (len <= sizeof code && (n = zl_ident_encode(id, len, code)))
        sqlite3_bind_blob(st, 1, code, (int)n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *nodes = sqlite3_column_int64(st, 0);
        *events = sqlite3_column_int64(st, 1);
    }
    return now() - t0;
}

/* ---- engine runs
 * --------------------------------------------------------------------- */

static double trace_run(zl_store *s, const char *id, enum zl_trace_dir dir,
                        size_t *nodes, size_t *events, size_t *items)
{
    struct zl_trace_opts o;
    struct zl_trace_summary sum;
    struct zl_error err = {0};
    zl_trace *t = NULL;
    double t0 = now(), dt;
    int rc;

    memset(&o, 0, sizeof o);
    o.dir = dir;
    rc = zl_trace_run(s, id, &o, &t, &err);
    dt = now() - t0;
    if (rc != 0) {
        fprintf(stderr, "trace %s: %s\n", id, zl_strerror(rc));
        return dt;
    }
    zl_trace_summarize(t, &sum);
    *nodes = zl_trace_node_count(t);
    *events = zl_trace_event_count(t);
    if (items)
        *items = sum.items;
    zl_trace_free(t);
    return dt;
}

static void lat_block(const char *label, zl_store *s, sqlite3_stmt *sql,
                      const struct idlist *items, enum zl_trace_dir dir,
                      double *p50_out, double *p99_out)
{
    size_t n = items->n;
    double *te = calloc(n + 1, sizeof(double)),
           *ts = calloc(n + 1, sizeof(double));
    size_t nodes = 0, events = 0, sum_nodes = 0, sum_events = 0;
    long sn = 0, se = 0, sum_sn = 0;
    double e50, e99, s50 = 0, s99 = 0;

    for (size_t i = 0; i < n; i++) {
        te[i] = trace_run(s, items->v[i], dir, &nodes, &events, NULL);
        sum_nodes += nodes;
        sum_events += events;
        if (sql) {
            ts[i] = sql_run(sql, items->v[i], &sn, &se);
            sum_sn += sn;
        }
    }
    e50 = pct(te, n, 0.5);
    e99 = pct(te, n, 0.99);
    printf(
        "%-34s median %8.3f ms  p99 %8.3f ms  (%.1f nodes, %.1f events avg)\n",
        label, e50 * 1e3, e99 * 1e3, (double)sum_nodes / (double)(n ? n : 1),
        (double)sum_events / (double)(n ? n : 1));
    if (sql) {
        s50 = pct(ts, n, 0.5);
        s99 = pct(ts, n, 0.99);
        printf("%-34s median %8.3f ms  p99 %8.3f ms  (%.1f ids avg, no time "
               "windows)\n",
               "  recursive SQL", s50 * 1e3, s99 * 1e3,
               (double)sum_sn / (double)(n ? n : 1));
        printf("%-34s median %6.1fx  p99 %6.1fx\n", "  ratio SQL/engine",
               s50 / e50, s99 / e99);
    }
    if (p50_out)
        *p50_out = e50;
    if (p99_out)
        *p99_out = e99;
    free(te);
    free(ts);
}

/* Each trace on a handle opened for it (what one CLI command pays, less
 * the process start): the handle's graph (trace.c) starts empty, so
 * nothing an earlier trace read is reused. Open time not counted. */
static void fresh_block(const char *label, const char *path,
                        const struct idlist *items, size_t max,
                        enum zl_trace_dir dir)
{
    size_t n = items->n < max ? items->n : max, nodes = 0, events = 0;
    double *te = calloc(n + 1, sizeof(double)),
           *to = calloc(n + 1, sizeof(double));
    struct zl_error err = {0};

    for (size_t i = 0; i < n; i++) {
        zl_store *s = NULL;
        double t0 = now();

        if (zl_open(path, &s, &err) != 0)
            break;
        te[i] = trace_run(s, items->v[i], dir, &nodes, &events, NULL);
        to[i] = now() - t0;
        zl_close(s);
    }
    printf("%-34s median %8.3f ms  p99 %8.3f ms  (%zu traces; with the open "
           "%.3f / %.3f ms)\n",
           label, pct(te, n, 0.5) * 1e3, pct(te, n, 0.99) * 1e3, n,
           pct(to, n, 0.5) * 1e3, pct(to, n, 0.99) * 1e3);
    free(te);
    free(to);
}

/* 1 if the store has an index of that name, 0 if not, -1 on error. */
static int has_index(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'index'"
                           " AND name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Bytes the persistent trace index holds on disk (SQLite's dbstat), or
 * -1 when this SQLite lacks it. */
static double index_bytes(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    double v = -1;

    if (sqlite3_prepare_v2(db,
                           "SELECT sum(pgsize) FROM dbstat WHERE name IN"
                           " ('trace_keys', 'trace_keys_h', 'trace_events',"
                           " 'trace_adj')",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    zl_global_init(); /* as the CLI and server: JSON trees in an arena */
    uint64_t scale = 1000;
    size_t queries = 1000;
    int resume = 0, build_only = 0, drop_caches = 0, had_ix = 0, as_is = 0,
        incomplete = 0;
    char path[512] = "", mark[600];
    struct idlist items = {0}, lots = {0};
    struct stat stb;
    struct rusage ru;
    zl_store *s = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *qb = NULL, *qf = NULL;
    struct zl_error err = {0};
    int64_t n_events = 0;
    double t0, t_open, t_first, ixb;
    size_t a, b;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
            scale = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            snprintf(path, sizeof path, "%s", argv[++i]);
        else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
            queries = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--resume") == 0)
            resume = 1;
        else if (strcmp(argv[i], "--build-only") == 0)
            build_only = 1;
        else if (strcmp(argv[i], "--drop-caches") == 0)
            drop_caches = 1;
        else if (strcmp(argv[i], "--as-is") == 0)
            as_is = 1;
        else {
            fprintf(stderr, "usage: bench_trace [--scale S] [--store PATH] "
                            "[--queries N] [--resume] [--build-only] "
                            "[--drop-caches] [--as-is]\n");
            return 2;
        }
    }
    if (scale == 0 || queries == 0)
        return 2;
    if (path[0] == '\0')
        snprintf(path, sizeof path, "/tmp/zl-bench-trace-%llu.db",
                 (unsigned long long)scale);
    /* PATH.complete is written only when the whole chain is in: a store
     * without it (an interrupted build) is finished first, never measured
     * half-built. */
    snprintf(mark, sizeof mark, "%s.complete", path);
    if (as_is && stat(path, &stb) == 0 && stat(mark, &stb) != 0 &&
        (incomplete = 1))
        printf("store %s: INCOMPLETE (no %s), measured as it is\n", path, mark);
    else if (stat(path, &stb) != 0) {
        if (build_store(path, scale, 0) != 0)
            return 1;
    } else if (resume || stat(mark, &stb) != 0) {
        if (!resume)
            fprintf(stderr, "%s: no %s, finishing the build\n", path, mark);
        if (build_store(path, scale, 1) != 0)
            return 1;
    } else
        printf("store %s: complete, reused (%s)\n", path, mark);
    if (!incomplete && stat(mark, &stb) != 0) {
        FILE *f = fopen(mark, "w");

        if (f) {
            fprintf(f, "scale %llu seed 1\n", (unsigned long long)scale);
            fclose(f);
        }
    }
    if (build_only)
        return 0;
    { /* a store from an older build: to the current schema first */
        struct zl_error e = {0};
        zl_store *m = NULL;

        if (zl_open(path, &m, &e) != 0) {
            fprintf(stderr, "%s: %s\n", path, e.rule);
            return 1;
        }
        zl_close(m);
    }

    /* The store keeps an event's identifiers packed in its row; recursive
     * SQL needs the occurrences indexed by event to join, so the bench adds
     * that index (event_occ(ev, role)) to its own store file (once) to give
     * SQL a fair chance. A store from an older build is brought to the
     * current schema by zl_open first (build_store or the open below). */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 3600000) != SQLITE_OK ||
        (had_ix = has_index(db, "bench_event_occ_ev")) < 0 || (t0 = now(), 0) ||
        sqlite3_exec(db,
                     "CREATE INDEX IF NOT EXISTS bench_event_occ_ev"
                     " ON event_occ(ev, role)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQL_BACK, -1, &qb, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQL_FWD, -1, &qf, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    if (!had_ix)
        printf("index event_occ(ev, role) for the recursive SQL: built in %.1f "
               "s (dropped at exit)\n",
               now() - t0);
    {
        double la[3] = {0};

        getloadavg(la, 3);
        printf("load average %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    }
    items.cap = queries;
    items.v = calloc(queries, sizeof(char *));
    sample(db, "https://ref.gs1.org/cbv/BizStep-retail_selling", ZL_ROLE_EPC,
           queries, NULL, &items);
    lots.cap = 8;
    lots.v = calloc(8, sizeof(char *));
    sample(db, "https://ref.gs1.org/cbv/BizStep-creating_class_instance",
           ZL_ROLE_OUTPUT_QTY, 64, "/10/C", &lots);
    if (items.n == 0) {
        fprintf(stderr, "no retail items in %s\n", path);
        return 1;
    }

    /* cold start: what a CLI command pays before its first answer; with
     * --drop-caches (root) the kernel's page cache is emptied first, so the
     * store is read from disk as after a reboot (slows the whole machine
     * for a while: once per run) */
    if (drop_caches) {
        FILE *f;

        sync();
        f = fopen("/proc/sys/vm/drop_caches", "w");
        if (!f || fputs("3\n", f) < 0 || fclose(f) != 0)
            fprintf(stderr, "cannot drop the page cache (not root?)\n");
        else
            printf("page cache dropped\n");
    } else
        evict_file(path);
    t0 = now();
    if (zl_open(path, &s, &err) != 0) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    t_open = now() - t0;
    t_first =
        trace_run(s, items.v[items.n - 1], ZL_TRACE_BACKWARD, &a, &b, NULL);
    zl_store_event_count(s, &n_events);
    ixb = index_bytes(db);
    printf("store %s: %lld events; trace index %.1f MB on disk, %.0f "
           "bytes/event\n",
           path, (long long)n_events, ixb / 1e6,
           ixb / (double)(n_events ? n_events : 1));
    printf("samples: %zu sold items, %zu milk collection lots\n", items.n,
           lots.n);
    printf("cold start, the store's pages %s: open %.2f ms + first "
           "backward trace %.2f ms = %.2f ms\n",
           drop_caches ? "and every other dropped" : "evicted", t_open * 1e3,
           t_first * 1e3, (t_open + t_first) * 1e3);
    { /* the same on a second handle, the pages now cached: a new CLI
       * command on a server that has been answering */
        zl_store *s2 = NULL;

        t0 = now();
        if (zl_open(path, &s2, &err) == 0) {
            t_open = now() - t0;
            t_first = trace_run(s2, items.v[items.n > 1 ? items.n - 2 : 0],
                                ZL_TRACE_BACKWARD, &a, &b, NULL);
            printf("cold start, page cache holding them: open %.2f ms + first "
                   "backward trace %.2f ms = %.2f ms\n",
                   t_open * 1e3, t_first * 1e3, (t_open + t_first) * 1e3);
            zl_close(s2);
        }
    }
    printf("\n");

    /* warm the page cache for both sides */
    for (size_t i = 0; i < items.n && i < 50; i++) {
        long x, y;

        trace_run(s, items.v[i], ZL_TRACE_BACKWARD, &a, &b, NULL);
        sql_run(qb, items.v[i], &x, &y);
    }
    printf("== retail item traces (zl_trace_run, as the CLI and server)\n");
    lat_block("backward", s, qb, &items, ZL_TRACE_BACKWARD, NULL, NULL);
    lat_block("forward", s, qf, &items, ZL_TRACE_FORWARD, NULL, NULL);
    fresh_block("backward, fresh handle each", path, &items, 100,
                ZL_TRACE_BACKWARD);
    fresh_block("forward, fresh handle each", path, &items, 100,
                ZL_TRACE_FORWARD);

    printf("\n== recall scope of milk collection lots (forward trace, the walk "
           "recall scope makes)\n");
    for (size_t i = 0; i < lots.n && i < 4; i++) {
        size_t nodes = 0, events = 0, n_items = 0;
        double te, tsql;
        long sn = 0, se = 0;

        double tsc, trc, crc = 0, csql;
        zl_trace *t = NULL;
        zl_recall_scope *sc = NULL;
        const char *one[1] = {lots.v[i]};

        te = trace_run(s, lots.v[i], ZL_TRACE_FORWARD, &nodes, &events,
                       &n_items);
        /* the server's scope (/api/trace?scope) and the CLI's `recall
         * scope` model (custodians resolved, rows grouped; no text) */
        tsc = now();
        {
            struct zl_trace_opts o;

            memset(&o, 0, sizeof o);
            o.dir = ZL_TRACE_FORWARD;
            if (zl_trace_scope(s, one, 1, &o, &t, &err) != 0)
                fprintf(stderr, "scope %s failed\n", lots.v[i]);
        }
        tsc = now() - tsc;
        zl_trace_free(t);
        { /* `recall scope` opens its own handle: so does this one */
            zl_store *rs = NULL;

            trc = 0;
            if (zl_open(path, &rs, &err) == 0) {
                trc = now();
                crc = cpu_now();
                if (zl_recall_scope_compute(rs, one, 1, &sc, &err) != 0)
                    fprintf(stderr, "recall scope %s failed\n", lots.v[i]);
                trc = now() - trc;
                crc = cpu_now() - crc;
                zl_recall_scope_free(sc);
                zl_close(rs);
            }
        }
        csql = cpu_now();
        tsql = sql_run(qf, lots.v[i], &sn, &se);
        csql = cpu_now() - csql;
        printf("%s\n  %zu items, %zu nodes, %zu events: engine %.1f ms "
               "(%.0f items/ms; zl_trace_scope %.1f ms, "
               "zl_recall_scope_compute on a new handle %.1f ms), recursive "
               "SQL %.1f ms "
               "(%ld ids) -> SQL/engine %.1fx\n",
               lots.v[i], n_items, nodes, events, te * 1e3,
               (double)n_items / (te * 1e3), tsc * 1e3, trc * 1e3, tsql * 1e3,
               sn, tsql / te);
        /* CPU time: what a shared machine's load does not distort */
        printf("  CPU: zl_recall_scope_compute on a new handle %.1f ms (%.0f "
               "items/ms), recursive SQL %.1f ms -> SQL/scope %.1fx\n",
               crc * 1e3, (double)n_items / (crc * 1e3), csql * 1e3,
               csql / crc);
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("\npeak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    {
        double la[3] = {0};

        getloadavg(la, 3);
        printf("load average %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    }
    sqlite3_finalize(qb);
    sqlite3_finalize(qf);
    /* a user's store has no such index: leave the file as found, so the
     * query benchmarks that follow measure what users get */
    if (!had_ix && sqlite3_exec(db, "DROP INDEX IF EXISTS bench_event_occ_ev",
                                NULL, NULL, NULL) != SQLITE_OK)
        fprintf(stderr, "sql: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    zl_close(s);
    for (size_t i = 0; i < items.n; i++)
        free(items.v[i]);
    for (size_t i = 0; i < lots.n; i++)
        free(lots.v[i]);
    free(items.v);
    free(lots.v);
    return 0;
}
