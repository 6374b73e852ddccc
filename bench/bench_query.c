/*
 * bench_query.c - the first page of GET /events for each EPCIS query
 * parameter alone, in process, on any store.
 *
 *   bench_query URI [--secs S] [--samples N] [--peer] [--only NAME]
 *               [--dump FILE]
 *
 * 1. Samples: N events (default 512) picked at uniformly random event
 *    times from the store (URI: a SQLite path or postgresql://...), so a
 *    value is asked for as often as events carry it: "packing" more than
 *    "shipping", a busy readPoint more than a quiet one.
 * 2. For each parameter (EQ_bizStep, MATCH_epc, GE_recordTime, ...) the
 *    query is that parameter with a sample's value, ordered by eventTime,
 *    perPage=100: zl_query_param then zl_query_each, the calls `zhiliang
 *    events` and GET /events make. Run for S seconds (default 2; at least
 *    MIN_RUNS queries) cycling through the samples: p50, p99, queries/s
 *    (one thread) and the events per page.
 * 3. --peer: the same queries again, same process, same store, inside a
 *    transaction that first drops the indexes that exist only to serve
 *    these queries (PEER_DROP) and is rolled back afterwards: the plain
 *    SQL as the planner runs it without them, printed beside. On SQLite
 *    that is the previous schema's query exactly. On PostgreSQL it is
 *    not: a one-value EQ_ query leads its ORDER BY with that column
 *    (query_sql.c), which without the column's index sorts every match;
 *    there, compare with bench_query built at the previous commit on a
 *    version-5 store (the README's figures were taken so).
 *
 * 4. --dump FILE: no timing; each parameter's page for each sample value,
 *    in the order above, written to FILE ("name=value" then the events'
 *    JSON, one a line), so that two builds' answers can be compared byte
 *    for byte (cmp) on the same store.
 *
 * Rejected: a copy of the store without the indexes (gigabytes per run,
 * and the copy's page cache is not the store's).
 */
#include "zhiliang/alloc.h"
#include "zhiliang/codec.h"
#include "zhiliang/query.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/zhiliang.h"

#include "store/store.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIN_RUNS 5
#define MAX_RUNS 100000

/* The indexes that exist for these queries only (schema version 6). */
static const char *const PEER_DROP[] = {
    "events_step_time",
    "events_disp_time",
    "events_rp_time",
    "events_loc_time",
};

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

static double pct(const double *v, size_t n, double p)
{
    return n ? v[(size_t)(p * (double)(n - 1) + 0.5)] : 0;
}

/* ---- samples ------------------------------------------------------------- */

struct sample {
    json_t *ev;    /* the event as captured */
    char rt[32];   /* its recordTime */
    char hid[100]; /* its hash ID */
};

struct pick {
    struct sample *out;
    int got;
};

static int keep_one(void *ctx, const struct zl_stored_event *ev)
{
    struct pick *p = ctx;
    char hex[65];

    if (!(p->out->ev = json_loadb(ev->json, ev->json_len, 0, NULL)))
        return ZL_ENOMEM;
    zl_time_format_utc(ev->record_time_ms, p->out->rt);
    zl_hex_encode(ev->hash, 32, hex);
    snprintf(p->out->hid, sizeof p->out->hid, "ni:///sha-256;%s?ver=CBV2.0",
             hex);
    p->got = 1;
    return 1;
}

static int64_t edge_time(zl_store *s, int desc)
{
    struct zl_event_filter f;
    struct sample one = {0};
    struct pick p = {&one, 0};
    int64_t t = 0;
    int ms_off;

    memset(&f, 0, sizeof f);
    f.order_by = ZL_ORDER_EVENT_TIME;
    f.order_desc = desc;
    f.limit = 1;
    zl_store_events_query(s, &f, keep_one, &p);
    if (p.got) {
        const char *et =
            json_string_value(json_object_get(one.ev, "eventTime"));

        if (et)
            zl_time_parse(et, strlen(et), &t, &ms_off);
        json_decref(one.ev);
    }
    return t;
}

/* N events at uniformly random event times in [t0, t1]. */
static size_t take_samples(zl_store *s, struct sample *out, size_t n)
{
    int64_t t0 = edge_time(s, 0), t1 = edge_time(s, 1);
    size_t got = 0;

    srand(1);
    for (size_t i = 0; i < n; i++) {
        struct zl_event_filter f;
        struct pick p = {&out[got], 0};
        double u = (double)rand() / RAND_MAX;

        memset(&f, 0, sizeof f);
        f.order_by = ZL_ORDER_EVENT_TIME;
        f.ge_event_time = t0 + (int64_t)(u * (double)(t1 - t0));
        f.limit = 1;
        zl_store_events_query(s, &f, keep_one, &p);
        got += (size_t)p.got;
    }
    return got;
}

/* ---- the parameters ------------------------------------------------------ */

static const char *str(json_t *ev, const char *key)
{
    return json_string_value(json_object_get(ev, key));
}

static const char *id_of(json_t *ev, const char *key)
{
    return json_string_value(json_object_get(json_object_get(ev, key), "id"));
}

static const char *first_of(json_t *ev, const char *list, const char *key)
{
    json_t *e = json_array_get(json_object_get(ev, list), 0);

    return key ? json_string_value(json_object_get(e, key))
               : json_string_value(e);
}

static const char *any_epc(json_t *ev)
{
    static const char *const L[] = {"epcList", "childEPCs", "inputEPCList",
                                    "outputEPCList"};
    const char *v = str(ev, "parentID");

    for (size_t i = 0; !v && i < 4; i++)
        v = first_of(ev, L[i], NULL);
    return v;
}

static const char *any_class(json_t *ev)
{
    static const char *const L[] = {"quantityList", "childQuantityList",
                                    "inputQuantityList", "outputQuantityList"};
    const char *v = NULL;

    for (size_t i = 0; !v && i < 4; i++)
        v = first_of(ev, L[i], "epcClass");
    return v;
}

/* An identifier's class as a pattern: the serial cut off and '*'
 * (urn:epc:id:sgtin:C.I.S -> urn:epc:idpat:sgtin:C.I.*, a Digital Link
 * .../21/S -> .../21/\*, a lot .../10/L -> .../10/\*); none for other
 * URNs. */
static const char *pattern_of(const char *id, char *buf, size_t n)
{
    const char *cut;

    if (!id)
        return NULL;
    if (!strncmp(id, "urn:epc:id:sgtin:", 17) && (cut = strrchr(id, '.'))) {
        snprintf(buf, n, "urn:epc:idpat:%.*s*", (int)(cut + 1 - (id + 11)),
                 id + 11);
        return buf;
    }
    if (!strncmp(id, "https://", 8) && (cut = strrchr(id, '/'))) {
        snprintf(buf, n, "%.*s*", (int)(cut + 1 - id), id);
        return buf;
    }
    return NULL; /* other schemes' pattern URNs differ (no class part) */
}

/* The value of parameter `name` taken from sample sm, or NULL when the
 * event has none. buf holds computed values. */
static const char *value_of(const char *name, const struct sample *sm,
                            char *buf, size_t n)
{
    json_t *ev = sm->ev;
    const char *v;

    if (!strcmp(name, "eventType"))
        return str(ev, "type");
    if (!strcmp(name, "EQ_action"))
        return str(ev, "action");
    if (!strcmp(name, "EQ_bizStep"))
        return str(ev, "bizStep");
    if (!strcmp(name, "EQ_disposition"))
        return str(ev, "disposition");
    if (!strcmp(name, "EQ_readPoint"))
        return id_of(ev, "readPoint");
    if (!strcmp(name, "EQ_bizLocation"))
        return id_of(ev, "bizLocation");
    if (!strcmp(name, "GE_eventTime") || !strcmp(name, "LT_eventTime"))
        return str(ev, "eventTime");
    if (!strcmp(name, "GE_recordTime") || !strcmp(name, "LT_recordTime"))
        return sm->rt;
    if (!strcmp(name, "EQ_eventID"))
        return sm->hid;
    if (!strcmp(name, "EQ_transformationID"))
        return str(ev, "transformationID");
    if (!strcmp(name, "MATCH_epc"))
        return (v = first_of(ev, "epcList", NULL))
                   ? v
                   : first_of(ev, "childEPCs", NULL);
    if (!strcmp(name, "MATCH_anyEPC"))
        return any_epc(ev);
    if (!strcmp(name, "MATCH_anyEPC*"))
        return pattern_of(any_epc(ev), buf, n);
    if (!strcmp(name, "MATCH_parentID"))
        return str(ev, "parentID");
    if (!strcmp(name, "MATCH_inputEPC"))
        return first_of(ev, "inputEPCList", NULL);
    if (!strcmp(name, "MATCH_outputEPC"))
        return first_of(ev, "outputEPCList", NULL);
    if (!strcmp(name, "MATCH_epcClass"))
        return (v = first_of(ev, "quantityList", "epcClass"))
                   ? v
                   : first_of(ev, "childQuantityList", "epcClass");
    if (!strcmp(name, "MATCH_anyEPCClass"))
        return any_class(ev);
    if (!strcmp(name, "MATCH_anyEPCClass*"))
        return pattern_of(any_class(ev), buf, n);
    return NULL;
}

static const char *const PARAMS[] = {
    "eventType",      "EQ_action",         "EQ_bizStep",
    "EQ_disposition", "EQ_readPoint",      "EQ_bizLocation",
    "GE_eventTime",   "LT_eventTime",      "GE_recordTime",
    "LT_recordTime",  "EQ_eventID",        "EQ_transformationID",
    "MATCH_epc",      "MATCH_anyEPC",      "MATCH_anyEPC*",
    "MATCH_parentID", "MATCH_inputEPC",    "MATCH_outputEPC",
    "MATCH_epcClass", "MATCH_anyEPCClass", "MATCH_anyEPCClass*",
};

/* ---- timing -------------------------------------------------------------- */

struct figures {
    size_t runs;
    double p50, p99, qps, rows;
    int rc;
};

static int count_cb(void *ctx, const char *json, size_t len)
{
    (void)json;
    (void)len;
    ++*(size_t *)ctx;
    return 0;
}

static FILE *dump; /* --dump: the pages go here */

static int dump_cb(void *ctx, const char *json, size_t len)
{
    ++*(size_t *)ctx;
    fwrite(json, 1, len, dump);
    fputc('\n', dump);
    return 0;
}

/* One query: `name` (without a trailing '*', which marks a pattern
 * variant) = v, first page of 100 by eventTime (with --dump, the second
 * page too, from the first's token). */
static int one_query(zl_store *s, const char *name, const char *v, size_t *rows)
{
    struct zl_error err = {0};
    char pname[64];
    char *next = NULL;
    zl_query *q = NULL;
    int rc;

    snprintf(pname, sizeof pname, "%.*s", (int)strcspn(name, "*"), name);
    for (int page = 0; page < (dump ? 2 : 1); page++) {
        zl_query_free(q);
        q = NULL;
        if ((rc = zl_query_new(&q)) ||
            (rc = zl_query_param(q, pname, v, &err)) ||
            (rc = zl_query_param(q, "perPage", "100", &err)) ||
            (rc = zl_query_param(q, "orderBy", "eventTime", &err)) ||
            (page && (rc = zl_query_param(q, "nextPageToken", next, &err))))
            goto out;
        zl_free(next);
        next = NULL;
        if (dump)
            fprintf(dump, "%s=%s page %d\n", pname, v, page + 1);
        rc = zl_query_each(s, q, ZL_EPC_AS_CAPTURED, dump ? dump_cb : count_cb,
                           rows, &next, &err);
        if (rc || !next)
            break;
        if (dump)
            fprintf(dump, "next=%s\n", next);
    }
out:
    if (rc) {
        char msg[400];

        zl_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s=%s: %s\n", pname, v, msg);
    }
    zl_free(next);
    zl_query_free(q);
    return rc;
}

static void run(zl_store *s, const char *name, const char *const *vals,
                size_t nv, double secs, struct figures *fg)
{
    double *lat = malloc(MAX_RUNS * sizeof *lat), t0 = now(), t;
    size_t rows = 0, i = 0;

    memset(fg, 0, sizeof *fg);
    if (!lat) {
        fg->rc = ZL_ENOMEM;
        return;
    }
    for (; i < MAX_RUNS && (i < MIN_RUNS || now() - t0 < secs); i++) {
        t = now();
        if ((fg->rc = one_query(s, name, vals[i % nv], &rows)))
            break;
        lat[i] = now() - t;
    }
    t = now() - t0;
    qsort(lat, i, sizeof *lat, cmp_d);
    fg->runs = i;
    fg->p50 = pct(lat, i, 0.50) * 1e3;
    fg->p99 = pct(lat, i, 0.99) * 1e3;
    fg->qps = (double)i / t;
    fg->rows = i ? (double)rows / (double)i : 0;
    free(lat);
}

static int drop_peer_indexes(zl_store *s)
{
    int rc = zl_store_begin(s);

    for (size_t i = 0; !rc && i < sizeof PEER_DROP / sizeof PEER_DROP[0]; i++) {
        char sql[128];

        snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS %s", PEER_DROP[i]);
        rc = zl_store_exec_sql(s, sql);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct zl_error err = {0};
    const char *uri = NULL, *only = NULL;
    size_t n_samples = 512, got;
    struct sample *sm;
    double secs = 2;
    int peer = 0;
    zl_store *s = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--secs") && i + 1 < argc)
            secs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc)
            n_samples = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--peer"))
            peer = 1;
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            if (!(dump = fopen(argv[++i], "w"))) {
                perror(argv[i]);
                return 2;
            }
        } else if (argv[i][0] != '-' && !uri)
            uri = argv[i];
        else {
            fprintf(stderr, "usage: bench_query URI [--secs S] [--samples N]"
                            " [--peer] [--only NAME] [--dump FILE]\n");
            return 2;
        }
    }
    if (!uri || !n_samples) {
        fprintf(stderr, "bench_query: a store URI is required\n");
        return 2;
    }
    if (zl_open(uri, &s, &err)) {
        char msg[400];

        zl_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "bench_query: %s\n", msg);
        return 1;
    }
    if (!(sm = calloc(n_samples, sizeof *sm)))
        return 1;
    got = take_samples(s, sm, n_samples);
    printf("store %s: %zu sample events; first page of 100 by eventTime,"
           " %.1f s per parameter\n",
           uri, got, secs);
    printf("%-20s %6s %5s %9s %9s %8s", "parameter", "values", "rows", "p50 ms",
           "p99 ms", "q/s");
    if (peer)
        printf("  | peer: %9s %9s %8s  %s", "p50 ms", "p99 ms", "q/s",
               "p50 ratio");
    printf("\n");
    for (size_t k = 0; k < sizeof PARAMS / sizeof PARAMS[0]; k++) {
        const char *name = PARAMS[k];
        const char **vals = calloc(got ? got : 1, sizeof *vals);
        char(*bufs)[512] = calloc(got ? got : 1, sizeof *bufs);
        struct figures a, b;
        size_t nv = 0;

        if (!vals || !bufs)
            return 1;
        if (only && strcmp(only, name)) {
            free(vals);
            free(bufs);
            continue;
        }
        for (size_t i = 0; i < got; i++)
            if ((vals[nv] = value_of(name, &sm[i], bufs[nv], sizeof bufs[nv])))
                nv++;
        printf("%-20s %6zu", name, nv);
        if (!nv) {
            printf("  (no sample event has one)\n");
        } else if (dump) {
            size_t rows = 0;
            int rc = 0;

            for (size_t i = 0; i < nv && !rc; i++)
                rc = one_query(s, name, vals[i], &rows);
            printf(" %5zu rows dumped%s\n", rows, rc ? " (error)" : "");
        } else {
            run(s, name, vals, nv, secs, &a);
            printf(" %5.0f %9.3f %9.3f %8.0f", a.rows, a.p50, a.p99, a.qps);
            if (a.rc)
                printf(" (%s)", zl_strerror(a.rc));
            if (peer) {
                if (drop_peer_indexes(s)) {
                    printf("  | peer: cannot drop the indexes");
                } else {
                    run(s, name, vals, nv, secs, &b);
                    printf("  | peer: %9.3f %9.3f %8.0f  %8.1fx", b.p50, b.p99,
                           b.qps, a.p50 > 0 ? b.p50 / a.p50 : 0);
                }
                zl_store_rollback(s);
            }
            printf("\n");
        }
        fflush(stdout);
        free(vals);
        free(bufs);
    }
    for (size_t i = 0; i < got; i++)
        json_decref(sm[i].ev);
    free(sm);
    zl_close(s);
    if (dump)
        fclose(dump);
    return 0;
}
