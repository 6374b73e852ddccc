/*
 * ws.c - WebSocket streams of named queries, as the EPCIS 2.0 REST
 * binding offers them: GET /queries/{name}/events?stream=true with
 * "Upgrade: websocket" answers 101 and then sends, as one text message
 * each, an EPCISQueryDocument for every batch of newly captured events
 * the query selects and the caller may read (zl_query_stream_*, the
 * batches of a streaming subscription without its row).
 *
 * The handshake (RFC 6455 section 4.2) is checked here and answered
 * through libmicrohttpd's upgrade support; after the 101 MHD hands us the
 * socket and the framing (section 5) is ours (client frames are decoded
 * in ws_frame.c, which is fuzzed): server frames unmasked,
 * client frames must be masked; pings are answered, a close is echoed
 * and the connection then closed; fragmented client messages are
 * followed (their content is not used: a client has nothing to say to a
 * stream), and a malformed frame, an unmasked one, a control frame over
 * 125 bytes or fragmented, a client message over ZL_WS_IN_MSG_MAX, or bytes
 * that are not UTF-8 in a close reason end the connection with 1002,
 * 1009 or 1007 as section 7.4.1 assigns them.
 *
 * One thread (started with the first stream) owns every stream: it
 * polls the sockets and an eventfd that the server's own writes poke
 * (zl_ws_wake), reads the outbox's last seq once per round with its own
 * store handle and builds batches only for streams behind it. Sockets
 * are non-blocking with a small send buffer, and each stream's unsent
 * bytes are capped (QUEUE_MAX): while a stream holds more than that no
 * batch is built for it (its events wait in the store), and one that
 * stays over the cap for SLOW_MS is closed (1008, "too slow"); its
 * client reconnects with initialRecordTime. So a client that stops
 * reading costs at most its cap and one batch, and never delays another
 * stream or any HTTP request (those run on MHD's workers, not here). The number
 * of streams is capped too (MAX_STREAMS; 503 past it).
 *
 * A stream's cursor is memory only (nothing is stored or logged): after
 * a reconnect the client asks for initialRecordTime = the last
 * recordTime it received; the 101 carries GS1-Query-Min-Record-Time, the
 * time the stream starts from.
 *
 * Rejected: a thread per stream (a thousand idle threads, and each would
 * query the store); blocking writes (one stalled client would stop every
 * stream); persisting stream cursors (the binding makes a WebSocket
 * subscription last as long as its connection; a webhook subscription is
 * the durable kind).
 */
#include "ws.h"
#include "ws_frame.h"

#include "zhiliang/alloc.h"
#include "zhiliang/codec.h"
#include "zhiliang/error.h"
#include "zhiliang/subscription.h"
#include "zhiliang/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_STREAMS 32
#define QUEUE_MAX   ((size_t)1 << 20) /* unsent bytes per stream */
#define SNDBUF      65536             /* the kernel's share */
#define POLL_MS     20
#define CHECK_MS    1000  /* a quiet stream looks for its query */
#define PING_MS     30000 /* keep-alive */
#define PENDING_MS  30000 /* a 101 not taken up by then is forgotten */
#define SLOW_MS     10000 /* over its queue cap this long: dropped */
#define ROUNDS      16    /* batches per stream per round */
#define READS       8     /* reads per stream per round */
#define WS_GUID     "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum st { PENDING, OPEN, CLOSING, DEAD };

struct stream {
    uint64_t serial; /* the upgrade callback's key */
    enum st state;
    MHD_socket fd;
    struct MHD_UpgradeResponseHandle *urh;
    zl_query_stream *q;
    char *token; /* the bearer token it opened with, checked each
                    CHECK_MS: a revoked one ends the stream */
    char *out;   /* unsent frames */
    size_t out_len, out_cap, out_off;
    uint8_t *in; /* received, not yet parsed */
    size_t in_len;
    struct zl_ws_reader rd; /* the fragmented message being received */
    int sent_close;
    int64_t opened_ms, checked_ms, ping_ms, closing_ms;
    int64_t over_ms; /* since when it holds more than queue_max unsent */
    struct stream *next;
};

static struct {
    pthread_mutex_t mu;
    pthread_t th;
    int running, stop, efd;
    char path[1024];
    int quiet;
    struct stream *list;
    size_t n;
    uint64_t serial;
    size_t max, queue_max;
    int64_t slow_ms;
} hub = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, -1, "", 0, NULL, 0, 0, 0, 0, 0};

/* ---- frames ------------------------------------------------------------- */

static int out_add(struct stream *s, const void *p, size_t n)
{
    if (s->out_len + n > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 4096;
        char *o;
        while (cap < s->out_len + n)
            cap *= 2;
        if (!(o = zl_realloc(s->out, cap)))
            return ZL_ENOMEM;
        s->out = o;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, p, n);
    s->out_len += n;
    return 0;
}

/* Queue one unfragmented, unmasked frame (section 5.2). */
static int frame(struct stream *s, unsigned opcode, const void *p, size_t n)
{
    uint8_t h[10];
    size_t hl;

    h[0] = (uint8_t)(0x80 | opcode);
    if (n < 126) {
        h[1] = (uint8_t)n;
        hl = 2;
    } else if (n < 65536) {
        h[1] = 126;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hl = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
        hl = 10;
    }
    return out_add(s, h, hl) || out_add(s, p, n) ? ZL_ENOMEM : 0;
}

/* Start the closing handshake with code and reason (once). */
static void send_close(struct stream *s, unsigned code, const char *why)
{
    uint8_t b[125];
    size_t n = strlen(why);

    if (s->sent_close)
        return;
    if (n > sizeof b - 2)
        n = sizeof b - 2;
    b[0] = (uint8_t)(code >> 8);
    b[1] = (uint8_t)code;
    memcpy(b + 2, why, n);
    s->sent_close = 1;
    s->state = CLOSING;
    s->closing_ms = zl_time_now_ms();
    if (frame(s, 0x8, b, n + 2))
        s->state = DEAD;
}

/* A protocol error: close with code and drop the connection once the
 * close frame is out (reap flushes it). */
static void fail(struct stream *s, unsigned code, const char *why)
{
    send_close(s, code, why);
    s->state = DEAD;
}

/* Write what the socket takes now. */
static void flush_out(struct stream *s)
{
    while (s->out_off < s->out_len) {
        ssize_t w = send(s->fd, s->out + s->out_off, s->out_len - s->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            s->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w < 0 && errno == EINTR)
            continue;
        s->state = DEAD;
        return;
    }
    if (s->out_off == s->out_len) {
        s->out_off = s->out_len = 0;
        /* the closing handshake is done when our close is out and the
         * client's came back */
    } else if (s->out_off > (s->out_cap >> 1)) {
        memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
        s->out_len -= s->out_off;
        s->out_off = 0;
    }
}

static size_t unsent(const struct stream *s)
{
    return s->out_len - s->out_off;
}

/* Parse the frames in s->in (section 5.2, ws_frame.c), keeping a partial
 * one; a bad frame closes the stream. */
static void parse_in(struct stream *s)
{
    size_t off = 0;

    while (s->state == OPEN || s->state == CLOSING) {
        struct zl_ws_frame f;
        const char *why;
        unsigned code;
        long used = zl_ws_frame_next(&s->rd, s->in + off, s->in_len - off, &f,
                                     &code, &why);

        if (used < 0) {
            fail(s, code, why);
            break;
        }
        if (used == 0)
            break;
        off += (size_t)used;
        if (f.op == 9) {
            /* a client that pings without reading our pongs fills its
             * queue like one that does not read its events */
            if (unsent(s) > hub.queue_max) {
                fail(s, 1008, "too slow: pongs unread");
                break;
            }
            if (!s->sent_close && frame(s, 0xA, f.payload, f.len))
                s->state = DEAD;
        } else if (f.op == 8) {
            /* echo the client's code (section 5.5.1) */
            send_close(s, f.close_code, "");
            s->state = DEAD; /* once our close is flushed */
            break;
        }
        /* a data message or a pong: nothing for a stream to do with it */
    }
    if (off) {
        memmove(s->in, s->in + off, s->in_len - off);
        s->in_len -= off;
    }
}

static void read_in(struct stream *s)
{
    size_t cap = ZL_WS_IN_MSG_MAX + 16;
    ssize_t r;

    if (!s->in && !(s->in = zl_malloc(cap))) {
        s->state = DEAD;
        return;
    }
    /* a bounded share of each round: a client that sends without pause
     * does not keep the thread from the other streams */
    for (int i = 0; i < READS; i++) {
        if (s->in_len == cap) {
            fail(s, 1009, "message too big");
            return;
        }
        r = recv(s->fd, s->in + s->in_len, cap - s->in_len, MSG_DONTWAIT);
        if (r > 0) {
            s->in_len += (size_t)r;
            parse_in(s);
            if (s->state == DEAD)
                return;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0 && errno == EINTR)
            continue;
        s->state = DEAD; /* gone without a close, or reset */
        return;
    }
}

/* ---- the thread --------------------------------------------------------- */

static void stream_free(struct stream *s)
{
    if (!s)
        return;
    zl_query_stream_free(s->q);
    if (s->token)
        memset(s->token, 0, strlen(s->token));
    zl_free(s->token);
    zl_free(s->out);
    zl_free(s->in);
    zl_free(s);
}

/* Unlink and free the dead (and long-pending) streams; with the lock. */
static void reap(int64_t now, int all)
{
    struct stream **pp = &hub.list, *s;

    while ((s = *pp)) {
        int gone = all || s->state == DEAD ||
                   (s->state == PENDING && now - s->opened_ms > PENDING_MS);
        if (!gone) {
            pp = &s->next;
            continue;
        }
        *pp = s->next;
        hub.n--;
        if (s->urh) {
            /* let a close frame already queued go out first */
            if (unsent(s))
                flush_out(s);
            shutdown(s->fd, SHUT_RDWR);
            MHD_upgrade_action(s->urh, MHD_UPGRADE_ACTION_CLOSE);
        }
        stream_free(s);
    }
}

/* Queue what is new for s (its query, its caller's read rule). */
static void feed(zl_store *st, struct stream *s, int64_t last, int64_t now)
{
    /* no more batches while a stream holds more than its cap unsent (the
     * events wait in the store, its cursor stays); one that stays so for
     * slow_ms is dropped */
    if (unsent(s) > hub.queue_max) {
        if (!s->over_ms) {
            s->over_ms = now;
        } else if (now - s->over_ms >= hub.slow_ms) {
            if (!hub.quiet)
                fprintf(stderr,
                        "zhiliang serve: websocket stream dropped: the "
                        "client reads too slowly (%zu bytes unsent for "
                        "%lld ms)\n",
                        unsent(s), (long long)(now - s->over_ms));
            fail(s, 1008, "too slow: reconnect with initialRecordTime");
        }
        return;
    }
    s->over_ms = 0;
    if (zl_query_stream_cursor(s->q) >= last && now - s->checked_ms < CHECK_MS)
        return;
    if (now - s->checked_ms >= CHECK_MS) {
        char party[ZL_PARTY_ID_MAX];
        if (zl_token_verify(st, s->token, strlen(s->token), party) ==
            ZL_EPERM) {
            send_close(s, 1008, "token revoked");
            return;
        }
    }
    s->checked_ms = now;
    for (int i = 0; i < ROUNDS && s->state == OPEN; i++) {
        char *body = NULL;
        size_t len = 0, n = 0;
        int rc;

        if (unsent(s) > hub.queue_max)
            break; /* the next round sees how it drains */
        rc = zl_query_stream_next(st, s->q, now, &body, &len, &n);
        if (rc == 2)
            continue;
        if (rc == ZL_ENOTFOUND) {
            send_close(s, 1000, "query deleted");
            break;
        }
        if (rc < 0) {
            if (!hub.quiet)
                fprintf(stderr, "zhiliang serve: websocket stream: %s\n",
                        zl_strerror(rc));
            break;
        }
        if (rc == 0)
            break;
        if (frame(s, 0x1, body, len))
            s->state = DEAD;
        zl_free(body);
        flush_out(s);
    }
}

static void *run(void *arg)
{
    zl_store *st = NULL;
    struct pollfd *pf = NULL;
    struct stream **who = NULL;
    struct zl_error err;

    (void)arg;
    if (!(pf = zl_calloc(hub.max + 1, sizeof *pf)) ||
        !(who = zl_calloc(hub.max + 1, sizeof *who)))
        goto out;
    pthread_mutex_lock(&hub.mu);
    while (!hub.stop) {
        int64_t now = zl_time_now_ms(), last = 0;
        size_t n = 1;
        uint64_t v;

        reap(now, 0);
        pf[0].fd = hub.efd;
        pf[0].events = POLLIN;
        for (struct stream *s = hub.list; s && n <= hub.max; s = s->next) {
            if (s->state == PENDING)
                continue;
            pf[n].fd = s->fd;
            pf[n].events = (short)(POLLIN | (unsent(s) ? POLLOUT : 0));
            pf[n].revents = 0;
            who[n++] = s;
        }
        pthread_mutex_unlock(&hub.mu);
        /* streams are only unlinked by this thread, so who[] stays valid
         * while the lock is down */
        poll(pf, n, POLL_MS);
        if (pf[0].revents & POLLIN)
            (void)!read(hub.efd, &v, sizeof v);
        now = zl_time_now_ms();
        for (size_t i = 1; i < n; i++) {
            struct stream *s = who[i];
            if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
                read_in(s);
            if (s->state != DEAD && unsent(s))
                flush_out(s);
            if (s->state == OPEN && now - s->ping_ms > PING_MS) {
                s->ping_ms = now;
                if (frame(s, 0x9, "", 0))
                    s->state = DEAD;
            }
        }
        if (!st && zl_open(hub.path, &st, &err))
            st = NULL;
        if (st && n > 1 && zl_query_stream_head(st, &last))
            last = 0;
        for (size_t i = 1; st && i < n; i++)
            if (who[i]->state == OPEN)
                feed(st, who[i], last, now);
        /* a close we sent, flushed, with nothing more to say: done */
        for (size_t i = 1; i < n; i++)
            if (who[i]->state == CLOSING && now - who[i]->closing_ms > 5000)
                who[i]->state = DEAD;
        pthread_mutex_lock(&hub.mu);
    }
    for (struct stream *s = hub.list; s; s = s->next)
        if (s->state == OPEN) {
            send_close(s, 1001, "server shutting down");
            flush_out(s);
        }
    reap(0, 1);
    pthread_mutex_unlock(&hub.mu);
out:
    zl_free(pf);
    zl_free(who);
    zl_close(st);
    return NULL;
}

/* ---- handshake ---------------------------------------------------------- */

/* 1 if the comma-separated header value h lists token t. */
static int lists_token(const char *h, const char *t)
{
    size_t tl = strlen(t);

    while (h && *h) {
        const char *e;
        size_t n;
        while (*h == ' ' || *h == '\t' || *h == ',')
            h++;
        e = h;
        while (*e && *e != ',')
            e++;
        n = (size_t)(e - h);
        while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
            n--;
        if (n == tl && !strncasecmp(h, t, tl))
            return 1;
        h = e;
    }
    return 0;
}

int zl_ws_requested(const struct zl_req *r)
{
    return lists_token(zl_req_header(r, "Upgrade"), "websocket");
}

static void on_upgrade(void *cls, struct MHD_Connection *c, void *con_cls,
                       const char *extra, size_t extra_len, MHD_socket fd,
                       struct MHD_UpgradeResponseHandle *urh)
{
    uint64_t serial = (uint64_t)(uintptr_t)cls;
    struct stream *s;
    int sb = SNDBUF, fl;

    (void)c;
    (void)con_cls;
    pthread_mutex_lock(&hub.mu);
    for (s = hub.list; s && s->serial != serial; s = s->next)
        ;
    if (!s || s->state != PENDING || hub.stop ||
        (extra_len && !(s->in = zl_malloc(ZL_WS_IN_MSG_MAX + 16))) ||
        extra_len > ZL_WS_IN_MSG_MAX) {
        pthread_mutex_unlock(&hub.mu);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        return;
    }
    s->fd = fd;
    s->urh = urh;
    if (extra_len) {
        memcpy(s->in, extra, extra_len);
        s->in_len = extra_len;
    }
    fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    s->state = OPEN;
    s->ping_ms = s->checked_ms = zl_time_now_ms();
    pthread_mutex_unlock(&hub.mu);
    zl_ws_wake();
}

static int start_locked(struct zl_req *r)
{
    const char *m = getenv("ZL_WS_MAX"), *q = getenv("ZL_WS_QUEUE_BYTES");
    const char *w = getenv("ZL_WS_SLOW_MS");

    if (hub.running)
        return 0;
    if (hub.stop) /* shutting down: no new thread */
        return ZL_EBUSY;
    hub.max = m && atol(m) > 0 ? (size_t)atol(m) : MAX_STREAMS;
    hub.queue_max = q && atol(q) > 0 ? (size_t)atol(q) : QUEUE_MAX;
    hub.slow_ms = w && atol(w) > 0 ? atol(w) : SLOW_MS;
    hub.quiet = r->srv->o.quiet;
    snprintf(hub.path, sizeof hub.path, "%s", r->srv->store_path);
    if (hub.efd < 0 && (hub.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        return ZL_ENOMEM;
    if (pthread_create(&hub.th, NULL, run, NULL))
        return ZL_ENOMEM;
    hub.running = 1;
    return 0;
}

/* The bearer token as zl_req_auth took it (it was checked there). */
static const char *bearer(struct zl_req *r)
{
    const char *h = zl_req_header(r, "Authorization");

    if (!h || strlen(h) < 7)
        return "";
    for (h += 7; *h == ' ';)
        h++;
    return h;
}

static void bad(struct zl_req *r, unsigned status, const char *why)
{
    zl_reply_problem(r, status,
                     status == 400 ? "SubscriptionControlsException" : NULL,
                     status == 426 ? "Upgrade Required" : "Bad Request", why);
}

void zl_ws_upgrade(struct zl_req *r, zl_store *st, const char *party)
{
    static const char *const allowed[] = {"stream", "initialRecordTime",
                                          "reportIfEmpty", NULL};
    static const char *const sched[] = {
        "second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek", NULL};
    const char *key = zl_req_header(r, "Sec-WebSocket-Key");
    const char *ver = zl_req_header(r, "Sec-WebSocket-Version");
    const char *irt = zl_req_param(r, "initialRecordTime");
    const char *ev = zl_req_param(r, "stream");
    uint8_t raw[32], md[EVP_MAX_MD_SIZE];
    unsigned mdl = 0;
    size_t rawl = sizeof raw;
    char accept[64], buf[128], t[32];
    int64_t since = -1;
    int off = 0;
    struct zl_error err;
    struct stream *s = NULL;
    struct MHD_Response *resp;
    int rc;

    memset(&err, 0, sizeof err);
    if (strcmp(r->method, "GET")) {
        bad(r, 400, "a WebSocket handshake is a GET");
        return;
    }
    if (!lists_token(zl_req_header(r, "Connection"), "upgrade")) {
        bad(r, 400, "a WebSocket handshake carries Connection: Upgrade");
        return;
    }
    if (!ver || strcmp(ver, "13")) {
        zl_reply_header(r, "Sec-WebSocket-Version", "13");
        bad(r, 426, "Sec-WebSocket-Version 13 (RFC 6455) is the one spoken");
        return;
    }
    if (!key || strlen(key) != 24 || zl_base64_decode(key, 24, raw, &rawl) ||
        rawl != 16) {
        bad(r, 400, "Sec-WebSocket-Key is 16 bytes in base64");
        return;
    }
    for (size_t i = 0; i < r->n_params; i++) {
        size_t k;
        for (k = 0; allowed[k] && strcmp(allowed[k], r->params[i].k); k++)
            ;
        if (!allowed[k]) {
            for (k = 0; sched[k] && strcmp(sched[k], r->params[i].k); k++)
                ;
            bad(r, 400,
                sched[k] ? "a WebSocket subscription here streams "
                           "(stream=true); a schedule is offered for "
                           "webhook subscriptions"
                         : zl_arena_printf(&r->arena,
                                           "unknown parameter %s of a "
                                           "WebSocket subscription",
                                           r->params[i].k));
            return;
        }
    }
    if (!ev || strcmp(ev, "true")) {
        bad(r, 400, "a WebSocket subscription sets stream=true");
        return;
    }
    if ((ev = zl_req_param(r, "reportIfEmpty")) && strcmp(ev, "true") &&
        strcmp(ev, "false")) {
        bad(r, 400, "reportIfEmpty is true or false");
        return;
    }
    if (irt && zl_time_parse(irt, strlen(irt), &since, &off)) {
        bad(r, 400,
            "initialRecordTime is an ISO 8601 date-time with an "
            "offset");
        return;
    }
    if (!(s = zl_calloc(1, sizeof *s))) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        return;
    }
    s->fd = MHD_INVALID_SOCKET;
    if (!(s->token = zl_strdup(bearer(r)))) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        goto fail;
    }
    rc = zl_query_stream_open(st, r->segs[1], party, since, &s->q, &err);
    if (rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 404, "NoSuchResourceException", "No such query",
                         NULL);
        goto fail;
    }
    if (rc == ZL_EINVAL) {
        zl_error_format(&err, buf, sizeof buf);
        bad(r, 400, zl_arena_printf(&r->arena, "%s", buf));
        goto fail;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Cannot open the stream");
        goto fail;
    }
    /* Sec-WebSocket-Accept: base64(SHA-1(key + GUID)) (section 4.2.2) */
    snprintf(buf, sizeof buf, "%s%s", key, WS_GUID);
    if (!EVP_Digest(buf, strlen(buf), md, &mdl, EVP_sha1(), NULL) ||
        mdl != 20) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        goto fail;
    }
    zl_base64_encode(md, 20, accept);
    pthread_mutex_lock(&hub.mu);
    if (hub.n >= (hub.running ? hub.max : MAX_STREAMS) ||
        (rc = start_locked(r)) || hub.n >= hub.max) {
        pthread_mutex_unlock(&hub.mu);
        zl_reply_header(r, "Retry-After", "30");
        zl_reply_problem(r, 503, NULL, "Service Unavailable",
                         "too many WebSocket streams open; retry later");
        goto fail;
    }
    s->serial = ++hub.serial;
    s->state = PENDING;
    s->opened_ms = zl_time_now_ms();
    resp = MHD_create_response_for_upgrade(on_upgrade,
                                           (void *)(uintptr_t)s->serial);
    if (!resp) {
        pthread_mutex_unlock(&hub.mu);
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        goto fail;
    }
    s->next = hub.list;
    hub.list = s;
    hub.n++;
    pthread_mutex_unlock(&hub.mu);
    zl_time_format_utc(since >= 0 ? since : s->opened_ms, t);
    r->stream_resp = resp;
    r->status = 101;
    r->ctype = NULL;
    zl_reply_header(r, "Upgrade", "websocket");
    zl_reply_header(r, "Sec-WebSocket-Accept",
                    zl_arena_printf(&r->arena, "%s", accept));
    zl_reply_header(r, "GS1-Query-Min-Record-Time",
                    zl_arena_printf(&r->arena, "%s", t));
    return;
fail:
    stream_free(s);
}

void zl_ws_wake(void)
{
    uint64_t one = 1;

    if (hub.efd >= 0)
        (void)!write(hub.efd, &one, sizeof one);
}

void zl_ws_stop(void)
{
    int running;

    pthread_mutex_lock(&hub.mu);
    running = hub.running;
    hub.stop = 1;
    pthread_mutex_unlock(&hub.mu);
    if (!running)
        return;
    zl_ws_wake();
    pthread_join(hub.th, NULL);
    pthread_mutex_lock(&hub.mu);
    hub.running = 0;
    pthread_mutex_unlock(&hub.mu);
}
