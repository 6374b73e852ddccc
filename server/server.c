/*
 * server.c - the daemon: libmicrohttpd setup, request lifecycle, routing,
 * per-thread store handles and graceful shutdown.
 *
 * MHD runs an epoll thread pool (MHD_USE_EPOLL_INTERNAL_THREAD with
 * MHD_OPTION_THREAD_POOL_SIZE); each worker opens its own zl_store on first
 * use and keeps it in thread-local storage, since a handle serves one
 * thread at a time and SQLite's WAL lets readers run beside the writer.
 * Handles are also listed in the server so they are closed after
 * MHD_stop_daemon has joined the workers.
 *
 * Lifecycle of a request: the URI log callback starts the request in its
 * connection's state (allocated when the connection opens, freed when it
 * closes) and keeps the raw URI; the first access callback only records that
 * headers are complete (refusing an announced oversized body at once); upload
 * callbacks append to a capped buffer; the final callback (upload size 0)
 * dispatches and queues the response. Answering on that second call keeps
 * the connection alive; answering on the first would make MHD close it.
 *
 * Shutdown: SIGTERM/SIGINT are blocked in every thread and collected with
 * sigwait in the main one; then MHD_quiesce_daemon stops accepting and
 * MHD_stop_daemon waits for the workers, so a capture in flight commits or
 * rolls back before the store is closed.
 *
 * Queries get a pool of their own. Requests that query the events
 * (/events..., /epcs/x/events..., /api/... traces and recalls) are not run
 * on an MHD worker: the worker suspends the connection and hands the
 * request to a small pool of query threads (query_workers, a bounded
 * queue; when it is full the answer is 503 + Retry-After at once). The
 * query thread runs the handler, then resumes the connection and the MHD
 * worker queues the response. So however many heavy queries arrive, the
 * MHD workers stay free for the public pages (portal, resolver), which
 * never wait behind a query. Each query also runs under a time budget
 * (query_ms, 503 past it) and stops when its client goes away.
 *
 * Rejected: one shared store handle behind a mutex (serialises every
 * reader); a thread per connection (slowloris would pin threads); a
 * semaphore bounding queries on the MHD workers (a worker busy with a
 * query still cannot accept, so public pages queued behind short
 * queries: 1.3 s under six hostile clients on two workers).
 */
#include "curl_dl.h"
#include "server_int.h"
#include "spc_server.h"
#include "ws.h"

#include "zhiliang/alloc.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/error.h"
#include "zhiliang/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Rendered public pages kept in memory (pcache.c). */
#define PAGE_CACHE_BYTES ((size_t)64 << 20)

static _Thread_local zl_store *tl_store;

zl_store *zl_srv_store_nosnap(struct zl_req *r)
{
    struct zl_server *s = r->srv;
    struct zl_error err;
    zl_store *st = NULL;

    if (!tl_store) {
        pthread_mutex_lock(&s->lock);
        if (s->n_stores < sizeof s->stores / sizeof s->stores[0] &&
            zl_open(s->store_path, &st, &err) == 0) {
            s->stores[s->n_stores++] = st;
            tl_store = st;
        }
        pthread_mutex_unlock(&s->lock);
    }
    return tl_store;
}

zl_store *zl_srv_store(struct zl_req *r)
{
    zl_srv_store_nosnap(r);
    /* A read-only request's statements share one read snapshot (one
     * lock/unlock instead of one per statement), taken on first use so
     * requests that never touch the store pay nothing. */
    if (tl_store && r->want_snap && !r->snap &&
        zl_store_snapshot_begin(tl_store) == 0)
        r->snap = tl_store;
    return tl_store;
}

/* ---- URI splitting ------------------------------------------------------- */

static void parse_uri(struct zl_req *r)
{
    const char *u = r->raw_uri, *q = strchr(u, '?'), *p, *e;
    size_t plen = q ? (size_t)(q - u) : strlen(u);
    char *v;

    r->raw_query = q ? q + 1 : "";
    if (plen == 0 || u[0] != '/') {
        r->bad_uri = 1;
        return;
    }
    for (p = u + 1; p < u + plen;) {
        e = memchr(p, '/', (size_t)(u + plen - p));
        if (!e)
            e = u + plen;
        if (e > p) { /* empty segments ("//") are skipped */
            if (r->n_segs == ZL_MAX_SEGS ||
                !(v = zl_pct_decode(&r->arena, p, (size_t)(e - p), 0))) {
                r->bad_uri = 1;
                return;
            }
            r->segs[r->n_segs++] = v;
        }
        p = e + 1;
    }
    for (p = r->raw_query; *p;) {
        const char *amp = strchr(p, '&'), *eq;
        char *k;
        e = amp ? amp : p + strlen(p);
        if (e > p) {
            eq = memchr(p, '=', (size_t)(e - p));
            if (r->n_params == ZL_MAX_PARAMS ||
                !(k = zl_pct_decode(&r->arena, p, (size_t)((eq ? eq : e) - p),
                                    1)) ||
                !(v = eq ? zl_pct_decode(&r->arena, eq + 1,
                                         (size_t)(e - eq - 1), 1)
                         : zl_arena_strndup(&r->arena, "", 0))) {
                r->bad_uri = 1;
                return;
            }
            r->params[r->n_params].k = k;
            r->params[r->n_params].v = v;
            r->n_params++;
        }
        p = amp ? amp + 1 : e;
    }
}

/* ---- dispatch --------------------------------------------------------------
 */

/* Requests that run on the query pool: they query the events. */
static int is_query(const struct zl_req *r)
{
    if (r->bad_uri || r->n_segs == 0 ||
        (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")))
        return 0;
    if (!strcmp(r->segs[0], "api"))
        return 1;
    return strcmp(r->segs[0], "capture") && zl_is_epcis_path(r);
}

static void dispatch(struct zl_req *r)
{
    const char *lang = NULL;

    if (r->bad_uri) {
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "malformed URI (percent-encoding, UTF-8 or too many "
                         "segments/parameters)");
        return;
    }
    lang = zl_req_param(r, "lang");
    r->lang_en = lang && strcmp(lang, "en") == 0;
    if (r->n_segs > 1 && !strcmp(r->segs[0], "api") &&
        !strcmp(r->segs[1], "risk"))
        zl_h_risk_api(r); /* risk_api.c (issue 14) */
    else if (r->n_segs > 0 && strcmp(r->segs[0], "api") == 0)
        zl_h_api(r);
    else if (zl_is_log_path(r))
        zl_h_log(r);
    else if (zl_is_epcis_path(r))
        zl_h_epcis(r);
    else if (zl_is_resolver_path(r))
        zl_h_resolver(r);
    else
        zl_h_portal(r);
    if (!r->resp && r->status == 0)
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
}

static enum MHD_Result queue(struct zl_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t i;
    char *body = r->resp;

    r->resp = NULL;
    resp = r->stream_resp; /* server-sent events (spc_api.c), else: */
    r->stream_resp = NULL;
    if (resp)
        zl_free(body);
    else
        resp = MHD_create_response_from_buffer_with_free_callback(
            r->resp_len, body ? body : (char *)"", body ? zl_free : NULL);
    if (!resp) {
        zl_free(body);
        return MHD_NO;
    }
    if (r->ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    MHD_add_response_header(resp, "GS1-EPCIS-Version", "2.0.0");
    MHD_add_response_header(resp, "GS1-CBV-Version", "2.0.0");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (i = 0; i < r->n_headers; i++)
        if (r->headers[i].v)
            MHD_add_response_header(resp, r->headers[i].k, r->headers[i].v);
    ret = MHD_queue_response(r->conn, r->status ? r->status : 500, resp);
    MHD_destroy_response(resp);
    r->answered = 1;
    return ret;
}

/* The request-target as the access log shows it: at most 200 bytes,
 * anything that looks like an API token ("zlt_...", or the value of a
 * token-like parameter) replaced by "[redacted]", control characters and
 * invalid UTF-8 escaped (zl_text_escape), so neither a secret nor a
 * terminal escape sequence reaches the log. The Authorization header is
 * never logged. */
static void log_target(const char *u, char *out, size_t cap)
{
    static const char *const secret_keys[] = {
        "access_token=", "token=",         "api_key=",
        "apikey=",       "authorization=", NULL};
    char red[256];
    size_t ul = strlen(u), i = 0, o = 0, n = ul < 200 ? ul : 200;

    /* red holds at most 200 bytes of u plus "[redacted]" markers: each
     * step below writes at most 14 + 10 bytes and stops 25 short */
    while (i < n && o + 25 < sizeof red) {
        size_t skip = 0, k;
        if (!strncmp(u + i, "zlt_", 4) || !strncmp(u + i, "zlt%5F", 6) ||
            !strncmp(u + i, "zlt%5f", 6))
            skip = 1;
        for (k = 0; !skip && secret_keys[k]; k++) {
            size_t kl = strlen(secret_keys[k]); /* at most 14 */
            if ((i == 0 || u[i - 1] == '?' || u[i - 1] == '&') &&
                !strncasecmp(u + i, secret_keys[k], kl)) {
                memcpy(red + o, u + i, kl);
                o += kl;
                i += kl;
                skip = 1;
            }
        }
        if (skip) {
            memcpy(red + o, "[redacted]", 10);
            o += 10;
            while (i < ul && u[i] != '&' && u[i] != '#')
                i++;
            continue;
        }
        red[o++] = u[i++];
    }
    red[o] = '\0';
    zl_text_escape(out, cap, red, o);
}

/* ---- query pool ------------------------------------------------------------
 */

#define QPOOL_QUEUE 64

struct zl_qpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th[64];
    unsigned n_th;
    struct zl_req *q[QPOOL_QUEUE];
    size_t head, len;
    int stopping;
};

static void read_request(struct zl_req *r)
{
    dispatch(r);
    if (r->snap)
        zl_store_snapshot_end(r->snap);
    r->snap = NULL;
}

static void *qpool_main(void *arg)
{
    struct zl_server *s = arg;
    struct zl_qpool *p = s->qpool;

    for (;;) {
        struct zl_req *r;
        int stopping;

        pthread_mutex_lock(&p->mu);
        while (!p->len && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->len) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        r = p->q[p->head];
        p->head = (p->head + 1) % QPOOL_QUEUE;
        p->len--;
        stopping = p->stopping;
        pthread_mutex_unlock(&p->mu);
        if (stopping) {
            zl_reply_header(r, "Retry-After", "5");
            zl_reply_problem(r, 503, NULL, "Service Unavailable",
                             "the server is shutting down");
        } else if (zl_time_now_ms() - r->t_queued > s->o.query_ms) {
            zl_reply_header(r, "Retry-After", "5");
            zl_reply_problem(r, 503, "ImplementationException",
                             "Service Unavailable",
                             zl_arena_printf(&r->arena,
                                             "the query waited past its %u ms "
                                             "budget for a free query worker; "
                                             "retry later",
                                             s->o.query_ms));
        } else {
            read_request(r);
        }
        /* the MHD worker answers once resumed: r is not ours after this */
        r->q_state = 2;
        MHD_resume_connection(r->conn);
    }
}

/* Hand r to the query pool and suspend its connection: 0, or answers 503
 * (queue full, pool stopped) itself and returns non-zero. */
static int qpool_submit(struct zl_server *s, struct zl_req *r)
{
    struct zl_qpool *p = s->qpool;
    int ok;

    pthread_mutex_lock(&p->mu);
    ok = !p->stopping && p->len < QPOOL_QUEUE;
    if (ok) {
        r->q_state = 1;
        r->t_queued = zl_time_now_ms();
        /* suspended before any query thread can resume it */
        MHD_suspend_connection(r->conn);
        p->q[(p->head + p->len) % QPOOL_QUEUE] = r;
        p->len++;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (ok)
        return 0;
    zl_reply_header(r, "Retry-After", "2");
    zl_reply_problem(r, 503, NULL, "Service Unavailable",
                     "every query worker is busy and the queue is full; "
                     "retry shortly (the public pages keep answering)");
    return 1;
}

static int qpool_start(struct zl_server *s)
{
    struct zl_qpool *p = zl_calloc(1, sizeof *p);
    unsigned i;

    if (!p)
        return ZL_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    s->qpool = p;
    for (i = 0; i < s->o.query_workers; i++) {
        if (pthread_create(&p->th[i], NULL, qpool_main, s))
            break;
        p->n_th++;
    }
    return p->n_th ? 0 : ZL_ENOMEM;
}

/* Answer what is queued (503), let running queries finish (each resumes
 * its connection: MHD must not be stopped with one suspended), join. */
static void qpool_stop(struct zl_server *s)
{
    struct zl_qpool *p = s->qpool;
    unsigned i;

    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->n_th; i++)
        pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    zl_free(p);
    s->qpool = NULL;
}

static void access_log(struct zl_req *r)
{
    char target[1400];

    if (r->srv->o.quiet)
        return;
    log_target(r->raw_uri ? r->raw_uri : "", target, sizeof target);
    fprintf(stderr, "%s %s %u %zu %lldms\n", r->method ? r->method : "-",
            target, r->status, r->resp_len,
            (long long)(zl_time_now_ms() - r->t0_ms));
}

/* Per-connection state: the request in progress lives here rather than in
 * its own allocation, because MHD does not call the completion callback
 * for a request it abandons after the URI callback (e.g. a request line
 * whose arguments overflow the connection's memory pool). The connection
 * notification (opened/closed) is always delivered, so whatever a
 * request left behind is freed when its connection closes at the latest. */
struct zl_conn {
    struct zl_req req;
    int in_use;
};

static void req_cleanup(struct zl_req *r)
{
    zl_names_close(r->names);
    zl_arena_free(&r->arena);
    zl_buf_cleanup(&r->body);
    zl_free(r->resp);
    zl_free(r->raw_uri);
    if (r->stream_resp)
        MHD_destroy_response(r->stream_resp);
    memset(r, 0, sizeof *r);
}

static void conn_cb(void *cls, struct MHD_Connection *c, void **socket_ctx,
                    enum MHD_ConnectionNotificationCode code)
{
    struct zl_conn *k = *socket_ctx;

    (void)cls;
    (void)c;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_ctx = zl_calloc(1, sizeof(struct zl_conn));
        return;
    }
    if (k) {
        if (k->in_use)
            req_cleanup(&k->req);
        zl_free(k);
    }
    *socket_ctx = NULL;
}

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct zl_conn *k = ci ? ci->socket_context : NULL;
    struct zl_req *r;

    if (!k)
        return NULL;
    r = &k->req;
    if (k->in_use) /* a previous request was abandoned by MHD */
        req_cleanup(r);
    k->in_use = 1;
    r->srv = cls;
    r->t0_ms = zl_time_now_ms();
    zl_arena_init(&r->arena, 4u << 20);
    r->raw_uri = zl_strdup(uri ? uri : "");
    r->uri_at = uri;
    r->uri_len = uri ? strlen(uri) : 0;
    zl_buf_init(&r->body, r->srv->o.max_body);
    if (!r->raw_uri) {
        k->in_use = 0;
        return NULL;
    }
    return r;
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct zl_req *r = *con_cls;
    struct zl_conn *k;

    (void)cls;
    (void)c;
    (void)toe;
    if (!r)
        return;
    k = (struct zl_conn *)r; /* req is the first member */
    req_cleanup(r);
    k->in_use = 0;
    *con_cls = NULL;
}

static int body_method(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
           strcmp(m, "PATCH") == 0;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
    struct zl_req *r = *con_cls;
    enum MHD_Result ret;

    (void)cls;
    (void)url;
    if (!r)
        return MHD_NO;
    r->conn = conn;
    r->method = method;
    if (!r->started) {
        const char *cl = MHD_lookup_connection_value(
            conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        r->started = 1;
        if (zl_req_strict(r, version)) {
            /* answered on the first call: MHD closes the connection */
            ret = queue(r);
            access_log(r);
            return ret;
        }
        if (cl && body_method(method)) {
            char *end;
            unsigned long long n;
            errno = 0;
            n = strtoull(cl, &end, 10);
            if (errno || *end || n > r->srv->o.max_body) {
                /* Refuse before reading: MHD then closes the connection
                 * instead of draining a body we will not keep. */
                zl_reply_problem(r, 413, "CaptureLimitExceededException",
                                 "Payload Too Large",
                                 "the body exceeds "
                                 "GS1-EPCIS-Capture-File-Size-Limit");
                ret = queue(r);
                access_log(r);
                return ret;
            }
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->answered && !r->body_too_big &&
            zl_buf_add(&r->body, upload_data, *upload_size))
            r->body_too_big = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered || r->q_state == 1)
        return MHD_YES;
    if (r->q_state == 2) /* resumed: the query pool made the answer */
        goto answer;
    if (zl_time_now_ms() - r->t0_ms > (int64_t)r->srv->o.timeout_s * 4000) {
        /* The idle timeout resets with every byte; this bounds the whole
         * request (head and body) at four times it, so a client trickling
         * bytes cannot hold a worker's attention indefinitely. */
        zl_reply_header(r, "Connection", "close");
        zl_reply_problem(r, 408, NULL, "Request Timeout",
                         "the request took too long to arrive");
    } else if (r->body_too_big) {
        zl_reply_problem(r, 413, "CaptureLimitExceededException",
                         "Payload Too Large",
                         "the body exceeds GS1-EPCIS-Capture-File-Size-Limit");
    } else if (strcmp(method, "GET") && strcmp(method, "HEAD") &&
               strcmp(method, "POST") && strcmp(method, "OPTIONS") &&
               strcmp(method, "DELETE")) {
        zl_reply_header(r, "Allow", "GET, HEAD, POST, DELETE, OPTIONS");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
    } else if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
        r->want_snap = 1; /* read-only: see zl_srv_store */
        parse_uri(r);
        if (!is_query(r))
            read_request(r);
        else if (qpool_submit(r->srv, r) == 0)
            return MHD_YES; /* suspended until a query thread is done */
    } else {
        parse_uri(r);
        dispatch(r);
        zl_data_changed(); /* this worker's own commits */
        zl_subscriber_wake(r->srv);
    }
answer:
    ret = queue(r);
    access_log(r);
    return ret;
}

/* ---- listen address --------------------------------------------------------
 */

static int parse_listen(const char *l, struct sockaddr_storage *ss,
                        socklen_t *sl)
{
    char host[256];
    const char *colon;
    size_t hl;
    char *end;
    unsigned long port;
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof *ss);
    if (l[0] == '[') {
        const char *rb = strchr(l, ']');
        if (!rb || rb[1] != ':')
            return ZL_EINVAL;
        hl = (size_t)(rb - l - 1);
        if (hl >= sizeof host)
            return ZL_EINVAL;
        memcpy(host, l + 1, hl);
        colon = rb + 1;
    } else {
        colon = strrchr(l, ':');
        if (!colon)
            return ZL_EINVAL;
        hl = (size_t)(colon - l);
        if (hl >= sizeof host)
            return ZL_EINVAL;
        memcpy(host, l, hl);
    }
    host[hl] = '\0';
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno || *end || colon[1] == '\0' || port > 65535)
        return ZL_EINVAL;
    if (inet_pton(AF_INET, hl ? host : "0.0.0.0", &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *sl = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *sl = sizeof *a6;
        return 0;
    }
    return ZL_EINVAL;
}

int zl_server_run(const struct zl_server_opts *o)
{
    struct zl_server *s = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    sigset_t set, old;
    const union MHD_DaemonInfo *info;
    struct zl_error err;
    zl_store *probe = NULL;
    const char *why;
    unsigned flags;
    int rc, sig = 0;
    size_t i;

    s = zl_calloc(1, sizeof *s);
    if (!s)
        return ZL_ENOMEM;
    pthread_mutex_init(&s->lock, NULL);
    s->o = *o;
    if (!s->o.listen)
        s->o.listen = "127.0.0.1:8080";
    snprintf(s->store_path, sizeof s->store_path, "%s",
             o->store_path ? o->store_path : zl_default_store_path());
    if (!s->o.threads) {
        /* One worker per CPU: on 2 cores, 2 workers gave the product page
         * the same req/s as 4 with a p99 of 6-8 ms instead of 9-33 ms
         * (fewer runnable threads than cores + client). */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->o.threads = n < 2 ? 2 : n > 64 ? 64 : (unsigned)n;
    }
    if (s->o.threads > 64)
        s->o.threads = 64;
    if (!s->o.max_body)
        s->o.max_body = (size_t)16 << 20;
    if (!s->o.max_events)
        s->o.max_events = 10000;
    if (!s->o.header_limit)
        s->o.header_limit = (size_t)32 << 10;
    if (!s->o.per_ip)
        s->o.per_ip = 64;
    if (!s->o.max_conn)
        s->o.max_conn = 1024;
    if (!s->o.timeout_s)
        s->o.timeout_s = 30;
    if (!s->o.query_ms)
        s->o.query_ms = 5000;
    if (!s->o.query_workers)
        s->o.query_workers = 2;
    if (s->o.query_workers > 64)
        s->o.query_workers = 64;
    if (!s->o.checkpoint_s)
        s->o.checkpoint_s = 10;
    if (!(s->pcache = zl_pcache_new(PAGE_CACHE_BYTES)) ||
        !(s->lookups = zl_lookups_new())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_mhd_load(&why)) || (rc = zl_curl_load(&why))) {
        fprintf(stderr, "zhiliang serve: %s\n", why);
        goto out;
    }
    if ((rc = parse_listen(s->o.listen, &ss, &sl))) {
        fprintf(stderr, "zhiliang serve: bad --listen %s (want HOST:PORT)\n",
                s->o.listen);
        goto out;
    }
    /* Fail early and clearly if the store is missing or broken. */
    if ((rc = zl_open(s->store_path, &probe, &err))) {
        fprintf(stderr, "zhiliang serve: cannot open store %s: %s\n",
                s->store_path, zl_strerror(rc));
        goto out;
    }
    zl_close(probe);

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = qpool_start(s)) || /* signals blocked: threads inherit */
        (rc = zl_checkpointer_start(s)) || (rc = zl_subscriber_start(s))) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
            MHD_ALLOW_SUSPEND_RESUME |
            MHD_ALLOW_UPGRADE; /* WebSocket streams (ws.c) */
    if (!s->o.quiet)
        flags |= MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, access_cb, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)s->o.threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)s->o.max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)s->o.per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)s->o.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        s->o.header_limit, MHD_OPTION_URI_LOG_CALLBACK, uri_cb, s,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
        MHD_OPTION_NOTIFY_CONNECTION, conn_cb, s, MHD_OPTION_END);
    if (!s->d) {
        fprintf(stderr, "zhiliang serve: cannot listen on %s\n", s->o.listen);
        rc = -EADDRINUSE;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    {
        char host[INET6_ADDRSTRLEN] = "127.0.0.1";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
                      sizeof host);
        else
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
                      sizeof host);
        printf(ss.ss_family == AF_INET6 ? "listening on http://[%s]:%u\n"
                                        : "listening on http://%s:%u\n",
               host, s->port);
        fflush(stdout);
    }
    while (sigwait(&set, &sig) != 0)
        ;
    if (!s->o.quiet)
        fprintf(stderr, "zhiliang serve: signal %d, shutting down\n", sig);
    {
        MHD_socket lfd = MHD_quiesce_daemon(s->d);
        qpool_stop(s);        /* no suspended connection may outlive this */
        zl_spc_events_stop(); /* nor an event stream's */
        zl_ws_stop();         /* nor a WebSocket's */
        MHD_stop_daemon(s->d);
        if (lfd != MHD_INVALID_SOCKET)
            close(lfd);
    }
    s->d = NULL;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    rc = 0;
out:
    zl_subscriber_stop(s);
    zl_checkpointer_stop(s);
    qpool_stop(s);
    for (i = 0; i < s->n_stores; i++)
        zl_close(s->stores[i]);
    zl_jobs_free(s);
    zl_pcache_free(s->pcache);
    zl_lookups_free(s->lookups);
    pthread_mutex_destroy(&s->lock);
    zl_free(s);
    return rc;
}
