/*
 * spc_api.c - live SPC streams over HTTP (zhiliang/spc_stream.h):
 *
 *   POST /api/spc/{stream}          append measurements (JSON), owner's token
 *   GET  /api/spc/{stream}          definition, limits, recent series, alarms
 *   GET  /api/spc/{stream}/alarms   the alarms (?after=N)
 *   GET  /api/spc/{stream}/events   new alarms and measurements as
 *                                   server-sent events
 *   POST /api/spc/{stream}/ticket   a short-lived ticket for the above
 *   POST /api/spc/{stream}/limits   revise the limits (owner's token)
 *   GET  /api/spc/{stream}/chart.svg  the chart against the current limits
 *
 * Who: appending takes the stream owner's token (zl_spc_append decides:
 * ZL_EPERM is 403); reading takes a token of the owner or of a regulator
 * (docs/access.md: a regulator reads quality records in its work; other
 * enterprises do not read a competitor's process data).
 *
 * Server-sent events without a thread per client. The response is an MHD
 * callback response; when the callback has nothing to send it suspends
 * its connection (allowed from a content reader) and returns 0, so no MHD
 * worker waits on a client. One hub thread wakes every POLL_MS (and at
 * once when an append on this server raised an alarm), reads the new
 * alarms of the watched streams with its own store handle (so alarms from
 * `zhiliang spc append` or another server on the same store arrive too),
 * queues the bytes for each client and resumes its connection. Bounded:
 * at most MAX_CLIENTS streams open (503 past that), a heartbeat comment
 * every BEAT_MS so proxies and dead peers are noticed, and each stream
 * ends after LIFE_MS (the client reconnects with Last-Event-ID; the
 * EventSource API does this by itself). Suspend and resume happen under
 * the hub's lock, so the hub never resumes a connection that is not yet
 * suspended; zl_spc_events_stop resumes them all before MHD_stop_daemon.
 *
 * Tickets: a browser's EventSource cannot send an Authorization header,
 * so the stream page could not follow its own feed. The rule
 * (docs/spc.md, "Live page"): a request that carries a bearer token
 * allowed to read the stream (the stream page itself, or POST .../ticket)
 * gets a ticket: the stream, the party, an expiry TICKET_TTL_MS ahead and
 * the end of its chain, signed with HMAC-SHA256 under a key this server
 * process draws at random when it starts. GET requests under
 * /api/spc/{stream} accept ?ticket= instead of a token: a bad signature or
 * an expired ticket is 401, a ticket for another stream 403, and the
 * party must still be one that may read the stream (owner or regulator,
 * checked again at every use). An open event stream sends a fresh ticket
 * with each heartbeat (event "ticket"), so the page reconnects with a
 * valid one; renewals never extend the chain past TICKET_CHAIN_MS from
 * the bearer request, after which the page must be reloaded with the
 * token. Tickets never outlive the server process (a restart voids them)
 * and carry no token. Rejected: an HttpOnly session cookie (a login and
 * CSRF rules for every portal page, for one feed) and the token in the
 * URL (long-lived, logged by proxies).
 *
 * Rejected: a reader callback that waits on a condition variable (it
 * holds an MHD worker, and with the epoll pool that stalls every other
 * connection of the worker); WebSocket (an upgrade handler and framing
 * for a one-way feed).
 */
#include "spc_server.h"

#include "zhiliang/alloc.h"
#include "zhiliang/spc_stream.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CLIENTS 64
#define POLL_MS     200
#define BEAT_MS     15000
#define OUT_MAX     ((size_t)256 << 10)
#define SERIES_MAX  5000
#define MEAS_BATCH  200
/* a ticket lives 2 minutes; renewals over an open stream until 12 hours
 * after the bearer request that began the chain */
#define TICKET_TTL_MS   120000
#define TICKET_CHAIN_MS (12 * 3600000LL)

/* ---- tickets --------------------------------------------------------------
 */

static unsigned char tk_key[32];
static int tk_ok;
static pthread_once_t tk_once = PTHREAD_ONCE_INIT;

static void tk_init(void)
{
    tk_ok = RAND_bytes(tk_key, sizeof tk_key) == 1;
}

static void tk_mac(const char *payload, size_t n, unsigned char mac[32])
{
    static const char DOMAIN[] = "zhiliang spc events ticket v1\n";
    unsigned char buf[512];
    unsigned ml = 0;

    memcpy(buf, DOMAIN, sizeof DOMAIN - 1);
    memcpy(buf + sizeof DOMAIN - 1, payload, n);
    if (!HMAC(EVP_sha256(), tk_key, (int)sizeof tk_key, buf,
              sizeof DOMAIN - 1 + n, mac, &ml))
        memset(mac, 0, 32);
}

static void tk_hex(const unsigned char *p, size_t n, char *out)
{
    static const char X[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = X[p[i] >> 4];
        out[2 * i + 1] = X[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int tk_unhex(const char *h, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n / 2; i++) {
        int v = 0;

        for (int j = 0; j < 2; j++) {
            char c = h[2 * i + (size_t)j];

            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= c - '0';
            else if (c >= 'a' && c <= 'f')
                v |= c - 'a' + 10;
            else
                return -1;
        }
        out[i] = (unsigned char)v;
    }
    return n % 2 ? -1 : 0;
}

int zl_spc_ticket_make(const char *stream, const char *party, int64_t chain,
                       char *out, int64_t *expires)
{
    char payload[200];
    unsigned char mac[32];
    /* test hook: a shorter life (never a longer one) */
    const char *env = getenv("ZL_SPC_TICKET_TTL_S");
    int64_t ttl = env && atol(env) > 0 && atol(env) * 1000 < TICKET_TTL_MS
                      ? atol(env) * 1000
                      : TICKET_TTL_MS;
    int64_t now = zl_time_now_ms(), exp = now + ttl;
    int n;

    pthread_once(&tk_once, tk_init);
    if (!tk_ok)
        return ZL_EVERIFY;
    if (exp > chain)
        exp = chain;
    if (exp <= now)
        return ZL_EPERM; /* the chain has ended */
    n = snprintf(payload, sizeof payload, "%s\n%s\n%lld\n%lld", stream, party,
                 (long long)exp, (long long)chain);
    if (n < 0 || (size_t)n >= sizeof payload)
        return ZL_ELIMIT;
    tk_mac(payload, (size_t)n, mac);
    tk_hex((const unsigned char *)payload, (size_t)n, out);
    out[2 * n] = '.';
    tk_hex(mac, 32, out + 2 * n + 1);
    if (expires)
        *expires = exp;
    return 0;
}

/* The ticket t for stream name: 0 with party and chain, else answered
 * (401: unreadable, forged or expired; 403: another stream's). */
static int ticket_check(struct zl_req *r, const char *name, const char *t,
                        char party[ZL_PARTY_ID_MAX], int64_t *chain)
{
    const char *dot = strchr(t, '.');
    unsigned char payload[201], mac[32], want[32];
    size_t pn = dot ? (size_t)(dot - t) : 0;
    char *f[4], *save = NULL;
    int64_t exp;

    pthread_once(&tk_once, tk_init);
    if (!tk_ok || !dot || pn > 400 || strlen(dot + 1) != 64 ||
        tk_unhex(t, pn, payload) || tk_unhex(dot + 1, 64, mac))
        goto bad;
    tk_mac((const char *)payload, pn / 2, want);
    if (CRYPTO_memcmp(mac, want, 32))
        goto bad;
    payload[pn / 2] = '\0';
    f[0] = strtok_r((char *)payload, "\n", &save);
    for (int i = 1; i < 4; i++)
        f[i] = f[i - 1] ? strtok_r(NULL, "\n", &save) : NULL;
    if (!f[3])
        goto bad;
    exp = strtoll(f[2], NULL, 10);
    *chain = strtoll(f[3], NULL, 10);
    if (exp <= zl_time_now_ms()) {
        zl_reply_header(r, "WWW-Authenticate",
                        "Bearer realm=\"zhiliang\", error=\"invalid_token\"");
        zl_reply_problem(r, 401, "SecurityException", "Unauthorized",
                         "the ticket has expired: get a new one "
                         "(POST /api/spc/{stream}/ticket with a token, or "
                         "reload the stream page)");
        return 1;
    }
    if (strcmp(f[0], name)) {
        zl_reply_problem(r, 403, "SecurityException", "Forbidden",
                         "the ticket is for another stream");
        return 1;
    }
    snprintf(party, ZL_PARTY_ID_MAX, "%s", f[1]);
    return 0;
bad:
    zl_reply_header(r, "WWW-Authenticate",
                    "Bearer realm=\"zhiliang\", error=\"invalid_token\"");
    zl_reply_problem(r, 401, "SecurityException", "Unauthorized",
                     "not a ticket of this server (tickets end when the "
                     "server restarts)");
    return 1;
}

/* ---- who may read ---------------------------------------------------------
 */

/* 0 when the token's party may read the stream (*st filled, caller
 * cleans it up), else answered. */
int zl_spc_may_read_as(struct zl_req *r, const char *name,
                       struct zl_spc_stream *st, char *party, int64_t *chain)
{
    struct zl_viewer v;
    const char *t = zl_req_param(r, "ticket");
    zl_store *s;
    int rc;

    memset(st, 0, sizeof *st);
    if (t && !zl_req_header(r, "Authorization") && r->n_segs >= 3 &&
        !strcmp(r->segs[0], "api") &&
        (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))) {
        struct zl_error err = {0};

        if (ticket_check(r, name, t, party, chain))
            return 1;
        if (!(s = zl_srv_store(r))) {
            zl_reply_problem(r, 500, "ImplementationException",
                             "Store unavailable", NULL);
            return 1;
        }
        /* the party as it is now: still registered, still allowed */
        rc = zl_viewer_for_party(s, party, &v, &err);
        if (rc == ZL_ENOTFOUND) {
            zl_reply_problem(r, 401, "SecurityException", "Unauthorized",
                             "the ticket's party is not registered");
            return 1;
        }
        if (rc) {
            zl_reply_store_error(r, rc, "Store failed");
            return 1;
        }
    } else {
        if (zl_req_viewer(r, &v, 0))
            return 1;
        s = zl_srv_store(r);
        snprintf(party, ZL_PARTY_ID_MAX, "%s",
                 v.role == ZL_VIEW_PARTY ? v.party.id : "");
        *chain = zl_time_now_ms() + TICKET_CHAIN_MS;
    }
    rc = s ? zl_spc_stream_get(s, name, st) : ZL_ESTORE;
    if (rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 404, NULL, "Not Found", "no such SPC stream");
        return 1;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Store failed");
        return 1;
    }
    if (v.role == ZL_VIEW_PARTY &&
        ((st->def.owner && !strcmp(st->def.owner, v.party.id)) ||
         v.party.kind == ZL_PARTY_REGULATOR))
        return 0;
    zl_spc_stream_cleanup(st);
    zl_reply_problem(r, 403, "SecurityException", "Forbidden",
                     "an SPC stream is read by its owner and by regulators");
    return 1;
}

int zl_spc_may_read(struct zl_req *r, const char *name,
                    struct zl_spc_stream *st)
{
    char party[ZL_PARTY_ID_MAX];
    int64_t chain;

    return zl_spc_may_read_as(r, name, st, party, &chain);
}

/* ---- the hub of event streams -------------------------------------------- */

struct sse {
    struct sse *next;
    uint64_t id;
    struct MHD_Connection *conn;
    char stream[ZL_SPC_NAME_MAX + 1];
    int64_t after;   /* last alarm sent */
    int64_t m_after; /* last measurement sent */
    char party[ZL_PARTY_ID_MAX];
    int64_t chain; /* tickets renewed until then */
    int64_t t_open, t_beat;
    char *out;
    size_t len, off;
    int suspended, ended;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int running, stopping, poke;
    struct sse *clients;
    unsigned n;
    uint64_t next_id;
    char store_path[1024];
    int64_t life_ms, beat_ms;
} hub = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int out_add(struct sse *c, const char *p, size_t n)
{
    char *q;

    if (c->len - c->off + n > OUT_MAX)
        return ZL_ELIMIT;
    if (c->off) { /* drop what was sent */
        memmove(c->out, c->out + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    if (!(q = zl_realloc(c->out, c->len + n)))
        return ZL_ENOMEM;
    c->out = q;
    memcpy(c->out + c->len, p, n);
    c->len += n;
    return 0;
}

/* Resume every listed connection (outside the lock: the hub only lists a
 * connection it found suspended, and a suspended one cannot close). */
static void resume_all(struct MHD_Connection **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        MHD_resume_connection(v[i]);
}

struct fetched {
    char stream[ZL_SPC_NAME_MAX + 1];
    int64_t after, m_after;
    char **ev; /* "id: ..\nevent: alarm\ndata: ..\n\n" */
    int64_t *seq;
    size_t n;
    char **mev; /* "event: measurement\ndata: ..\n\n" */
    int64_t *mseq;
    size_t nm;
};

static int push_ev(char ***ev, int64_t **seq, size_t *n, char *e, int64_t sq)
{
    char **v = zl_realloc(*ev, (*n + 1) * sizeof *v);
    int64_t *q = v ? zl_realloc(*seq, (*n + 1) * sizeof *q) : NULL;

    if (v)
        *ev = v;
    if (q)
        *seq = q;
    if (!v || !q) {
        zl_free(e);
        return ZL_ENOMEM;
    }
    (*ev)[*n] = e;
    (*seq)[(*n)++] = sq;
    return 0;
}

/* A new measurement as an event (no id: Last-Event-ID counts alarms). */
static int fetch_meas_cb(void *ctx, const struct zl_spc_stored *m)
{
    struct fetched *f = ctx;
    char t[32], *txt, *e;
    json_t *o;
    size_t cap;

    if (f->nm >= MEAS_BATCH)
        return 1;
    zl_time_format_utc(m->t_ms, t);
    o = json_pack("{s:I,s:f,s:s}", "seq", (json_int_t)m->seq, "value", m->value,
                  "time", t);
    if (o && *m->code)
        json_object_set_new(o, "code", json_string(m->code));
    if (o && m->size)
        json_object_set_new(o, "n", json_integer(m->size));
    txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!txt)
        return ZL_ENOMEM;
    cap = strlen(txt) + 48;
    if ((e = zl_malloc(cap)))
        snprintf(e, cap, "event: measurement\ndata: %s\n\n", txt);
    free(txt);
    return e ? push_ev(&f->mev, &f->mseq, &f->nm, e, m->seq) : ZL_ENOMEM;
}

static int fetch_cb(void *ctx, const struct zl_spc_alarm *a)
{
    struct fetched *f = ctx;
    size_t cap = a->len + 64;
    char *e = zl_malloc(cap);

    if (!e)
        return ZL_ENOMEM;
    snprintf(e, cap, "id: %lld\nevent: alarm\ndata: %.*s\n\n",
             (long long)a->seq, (int)a->len, a->json);
    return push_ev(&f->ev, &f->seq, &f->n, e, a->seq);
}

/* A renewed ticket for the client's next connection (its chain allowing). */
static void ticket_event(struct sse *c)
{
    char t[ZL_SPC_TICKET_MAX], line[ZL_SPC_TICKET_MAX + 32];
    int n;

    if (!c->party[0] ||
        zl_spc_ticket_make(c->stream, c->party, c->chain, t, NULL))
        return;
    n = snprintf(line, sizeof line, "event: ticket\ndata: %s\n\n", t);
    if (n > 0 && (size_t)n < sizeof line)
        out_add(c, line, (size_t)n);
}

static void *hub_main(void *arg)
{
    zl_store *s = NULL;
    struct zl_error err;

    (void)arg;
    pthread_mutex_lock(&hub.mu);
    while (!hub.stopping) {
        struct timespec ts;
        struct fetched *f = NULL;
        struct MHD_Connection *wake[MAX_CLIENTS];
        size_t nf = 0, nw = 0;
        int64_t now;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += POLL_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        if (!hub.poke)
            pthread_cond_timedwait(&hub.cv, &hub.mu, &ts);
        hub.poke = 0;
        if (hub.stopping)
            break;
        /* the streams watched, each from the lowest alarm any client has */
        f = zl_calloc(hub.n + 1, sizeof *f);
        for (struct sse *c = hub.clients; f && c; c = c->next) {
            size_t i;

            for (i = 0; i < nf && strcmp(f[i].stream, c->stream); i++)
                ;
            if (i == nf) {
                snprintf(f[nf].stream, sizeof f[nf].stream, "%s", c->stream);
                f[nf].m_after = c->m_after;
                f[nf++].after = c->after;
            } else {
                if (c->after < f[i].after)
                    f[i].after = c->after;
                if (c->m_after < f[i].m_after)
                    f[i].m_after = c->m_after;
            }
        }
        pthread_mutex_unlock(&hub.mu);
        if (!s && nf && zl_open(hub.store_path, &s, &err))
            s = NULL;
        for (size_t i = 0; s && i < nf; i++) {
            zl_spc_alarms(s, f[i].stream, f[i].after, 100, fetch_cb, &f[i]);
            struct zl_spc_stream st;

            /* a feed behind a fast stream skips to its latest measurements
             * (the page shows the newest; counts come with each event) */
            if (!zl_spc_stream_get(s, f[i].stream, &st)) {
                if (st.n_values - MEAS_BATCH > f[i].m_after)
                    f[i].m_after = st.n_values - MEAS_BATCH;
                zl_spc_stream_cleanup(&st);
            }
            zl_spc_measurements(s, f[i].stream, f[i].m_after + 1, 0,
                                fetch_meas_cb, &f[i]);
        }
        pthread_mutex_lock(&hub.mu);
        now = zl_time_now_ms();
        for (struct sse *c = hub.clients; c; c = c->next) {
            int more = 0;

            for (size_t i = 0; f && i < nf; i++) {
                if (strcmp(f[i].stream, c->stream))
                    continue;
                for (size_t j = 0; j < f[i].nm; j++)
                    if (f[i].mseq[j] > c->m_after &&
                        !out_add(c, f[i].mev[j], strlen(f[i].mev[j]))) {
                        c->m_after = f[i].mseq[j];
                        more = 1;
                    }
                for (size_t j = 0; j < f[i].n; j++)
                    if (f[i].seq[j] > c->after &&
                        !out_add(c, f[i].ev[j], strlen(f[i].ev[j]))) {
                        c->after = f[i].seq[j];
                        more = 1;
                    }
            }
            if (now - c->t_beat >= hub.beat_ms &&
                !out_add(c, ": beat\n\n", 8)) {
                c->t_beat = now;
                more = 1;
                ticket_event(c);
            }
            if (now - c->t_open >= hub.life_ms)
                c->ended = more = 1;
            if (more && c->suspended && nw < MAX_CLIENTS) {
                c->suspended = 0;
                wake[nw++] = c->conn;
            }
        }
        pthread_mutex_unlock(&hub.mu);
        resume_all(wake, nw);
        for (size_t i = 0; f && i < nf; i++) {
            for (size_t j = 0; j < f[i].n; j++)
                zl_free(f[i].ev[j]);
            for (size_t j = 0; j < f[i].nm; j++)
                zl_free(f[i].mev[j]);
            zl_free(f[i].ev);
            zl_free(f[i].seq);
            zl_free(f[i].mev);
            zl_free(f[i].mseq);
        }
        zl_free(f);
        pthread_mutex_lock(&hub.mu);
    }
    pthread_mutex_unlock(&hub.mu);
    zl_close(s);
    return NULL;
}

void zl_spc_events_poke(void)
{
    pthread_mutex_lock(&hub.mu);
    hub.poke = 1;
    pthread_cond_signal(&hub.cv);
    pthread_mutex_unlock(&hub.mu);
}

void zl_spc_events_stop(void)
{
    struct MHD_Connection *wake[MAX_CLIENTS];
    size_t nw = 0;
    int running;

    pthread_mutex_lock(&hub.mu);
    hub.stopping = 1;
    running = hub.running;
    for (struct sse *c = hub.clients; c; c = c->next) {
        c->ended = 1;
        if (c->suspended && nw < MAX_CLIENTS) {
            c->suspended = 0;
            wake[nw++] = c->conn;
        }
    }
    pthread_cond_signal(&hub.cv);
    pthread_mutex_unlock(&hub.mu);
    resume_all(wake, nw);
    if (running)
        pthread_join(hub.th, NULL);
    /* a later server in this process starts a hub of its own; streams
     * still listed are ended and go when MHD frees their responses */
    pthread_mutex_lock(&hub.mu);
    hub.running = 0;
    hub.stopping = 0;
    pthread_mutex_unlock(&hub.mu);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sse *c = cls;
    ssize_t n = 0;

    (void)pos;
    pthread_mutex_lock(&hub.mu);
    if (c->len > c->off) {
        size_t k = c->len - c->off < max ? c->len - c->off : max;

        memcpy(buf, c->out + c->off, k);
        c->off += k;
        n = (ssize_t)k;
    } else if (c->ended || hub.stopping) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        c->suspended = 1;
        MHD_suspend_connection(c->conn);
    }
    pthread_mutex_unlock(&hub.mu);
    return n;
}

static void sse_free(void *cls)
{
    struct sse *c = cls;

    pthread_mutex_lock(&hub.mu);
    for (struct sse **p = &hub.clients; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            hub.n--;
            break;
        }
    pthread_mutex_unlock(&hub.mu);
    zl_free(c->out);
    zl_free(c);
}

static void events(struct zl_req *r, const char *name)
{
    struct zl_spc_stream st;
    struct MHD_Response *resp;
    struct sse *c;
    const char *last = zl_req_header(r, "Last-Event-ID");
    const char *after = zl_req_param(r, "after");
    /* test hooks: a shorter life, a lower bound (never above the
     * built-in ones) */
    const char *env = getenv("ZL_SSE_LIFE_S"), *cap = getenv("ZL_SSE_MAX");
    unsigned max = cap && atoi(cap) > 0 && atoi(cap) < MAX_CLIENTS
                       ? (unsigned)atoi(cap)
                       : MAX_CLIENTS;
    const char *beat = getenv("ZL_SSE_BEAT_S");
    char party[ZL_PARTY_ID_MAX];
    int64_t from, chain = 0, m_from;
    int full;

    if (zl_spc_may_read_as(r, name, &st, party, &chain))
        return;
    from = st.n_alarms;
    m_from = st.n_values;
    zl_spc_stream_cleanup(&st);
    if (last || after) {
        char *e;
        long long v = strtoll(last ? last : after, &e, 10);

        if (*e || v < 0) {
            zl_reply_problem(r, 400, NULL, "Bad Request",
                             "Last-Event-ID / after: an alarm number");
            return;
        }
        from = v;
    }
    if (!(c = zl_calloc(1, sizeof *c))) {
        zl_reply_problem(r, 500, NULL, "Out of memory", NULL);
        return;
    }
    c->conn = r->conn;
    snprintf(c->stream, sizeof c->stream, "%s", name);
    /* a feed opened with a ticket is sent renewals; one opened with a
     * token needs none */
    if (zl_req_param(r, "ticket") && !zl_req_header(r, "Authorization"))
        snprintf(c->party, sizeof c->party, "%s", party);
    c->chain = chain;
    c->after = from;
    c->m_after = m_from;
    c->t_open = c->t_beat = zl_time_now_ms();
    /* a first chunk at once: the headers reach the client now */
    if (out_add(c, "retry: 2000\n: zhiliang spc events\n\n", 35)) {
        zl_free(c);
        zl_reply_problem(r, 500, NULL, "Out of memory", NULL);
        return;
    }
    ticket_event(c);
    pthread_mutex_lock(&hub.mu);
    full = hub.n >= max || hub.stopping || hub.n + 2 > r->srv->o.max_conn / 2;
    if (!full && !hub.running) {
        snprintf(hub.store_path, sizeof hub.store_path, "%s",
                 r->srv->store_path);
        hub.life_ms = env && atol(env) > 0 ? atol(env) * 1000 : 30 * 60000;
        hub.beat_ms = beat && atol(beat) > 0 && atol(beat) * 1000 < BEAT_MS
                          ? atol(beat) * 1000
                          : BEAT_MS;
        hub.running = pthread_create(&hub.th, NULL, hub_main, NULL) == 0;
        full = !hub.running;
    }
    if (!full) {
        c->id = ++hub.next_id;
        c->next = hub.clients;
        hub.clients = c;
        hub.n++;
    }
    pthread_mutex_unlock(&hub.mu);
    if (full) {
        zl_free(c->out);
        zl_free(c);
        zl_reply_header(r, "Retry-After", "30");
        zl_reply_problem(r, 503, NULL, "Service Unavailable",
                         "too many event streams open; retry later");
        return;
    }
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read,
                                             c, sse_free);
    if (!resp) {
        sse_free(c);
        zl_reply_problem(r, 500, NULL, "Out of memory", NULL);
        return;
    }
    r->stream_resp = resp;
    r->status = 200;
    r->ctype = "text/event-stream; charset=utf-8";
    zl_reply_header(r, "Cache-Control", "no-store");
    zl_reply_header(r, "X-Accel-Buffering", "no");
}

/* ---- append ----------------------------------------------------------------
 */

static int bad(struct zl_req *r, const char *path, const char *why)
{
    zl_reply_problem(
        r, 400, "ValidationException", "Bad measurements",
        zl_arena_printf(&r->arena, "%s: %s (nothing was stored)", path, why));
    return 1;
}

/* One measurement from JSON: a number, or {"value", "code", "time",
 * "operator", "n"} (n: a p, np or u sample's own size). */
static int meas_of(struct zl_req *r, json_t *v, size_t i, const char *dcode,
                   const char *doper, struct zl_spc_meas *m)
{
    char path[48];
    json_t *x;
    const char *t;

    snprintf(path, sizeof path, "measurements[%zu]", i);
    m->code = dcode;
    m->oper = doper;
    if (json_is_number(v)) {
        m->value = json_number_value(v);
        return 0;
    }
    if (!json_is_object(v))
        return bad(r, path, "must be a number or an object with a value");
    x = json_object_get(v, "value");
    if (!json_is_number(x))
        return bad(r, path, "value: must be a number");
    m->value = json_number_value(x);
    if ((x = json_object_get(v, "code")) && !json_is_null(x)) {
        if (!json_is_string(x))
            return bad(r, path, "code: must be a string");
        m->code = json_string_value(x);
    }
    if ((x = json_object_get(v, "operator")) && !json_is_null(x)) {
        if (!json_is_string(x))
            return bad(r, path, "operator: must be a string");
        m->oper = json_string_value(x);
    }
    if ((x = json_object_get(v, "n")) && !json_is_null(x)) {
        if (!json_is_integer(x) || json_integer_value(x) < 1)
            return bad(r, path, "n: a sample size is a whole number from 1");
        m->size = json_integer_value(x);
    }
    if ((x = json_object_get(v, "time")) && !json_is_null(x)) {
        t = json_string_value(x);
        if (!t || zl_time_parse(t, strlen(t), &m->t_ms, NULL))
            return bad(r, path, "time: must be an RFC 3339 date-time");
    }
    return 0;
}

struct alarm_list {
    json_t *arr;
};

/* Where the lot of an alarm leads: its trace both ways, the scope a
 * recall of it would have, its page on this server. */
static json_t *lot_links(const char *code)
{
    struct zl_buf q;
    json_t *o = NULL;

    zl_buf_init(&q, 4096);
    if (!zl_pct_encode(&q, code) && !zl_buf_addc(&q, '\0')) {
        const char *e = (const char *)q.data;

        o = json_pack("{s:s+,s:s+,s:s+}", "trace_forward",
                      "/api/trace/forward?id=", e, "trace_back",
                      "/api/trace/back?id=", e, "recall_scope",
                      "/api/scope?lot=", e);
        if (o && !strncmp(code, "https://id.gs1.org/", 19))
            json_object_set_new(o, "page", json_string(code + 18));
    }
    zl_buf_cleanup(&q);
    return o;
}

static int collect(void *ctx, const struct zl_spc_alarm *a)
{
    struct alarm_list *l = ctx;
    json_error_t je;
    json_t *o = json_loadb(a->json, a->len, 0, &je);
    const char *code = json_string_value(json_object_get(o, "code"));

    if (o && code)
        json_object_set_new(o, "links", lot_links(code));
    return o && !json_array_append_new(l->arr, o) ? 0 : ZL_ENOMEM;
}

static void append(struct zl_req *r, const char *name)
{
    char party[ZL_PARTY_ID_MAX];
    json_error_t je;
    json_t *doc = NULL, *arr, *x, *out;
    struct zl_spc_meas *m = NULL;
    struct zl_spc_append_result res;
    struct zl_error err = {0};
    struct alarm_list al = {NULL};
    const char *dcode = NULL, *doper = NULL;
    zl_store *s;
    size_t n;
    int rc;

    if (zl_req_auth(r, party))
        return;
    doc = json_loadb(r->body.data ? (const char *)r->body.data : "",
                     r->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!doc || !json_is_object(doc)) {
        bad(r, "body",
            doc ? "must be a JSON object"
                : zl_arena_printf(&r->arena, "not JSON: %s at line %d", je.text,
                                  je.line));
        goto out;
    }
    arr = json_object_get(doc, "measurements");
    if (!arr)
        arr = json_object_get(doc, "values");
    if (!json_is_array(arr) || !(n = json_array_size(arr))) {
        bad(r, "measurements", "a non-empty array is required");
        goto out;
    }
    if ((x = json_object_get(doc, "code")) && json_is_string(x))
        dcode = json_string_value(x);
    else if (x && !json_is_null(x)) {
        bad(r, "code", "must be a string");
        goto out;
    }
    if ((x = json_object_get(doc, "operator")) && json_is_string(x))
        doper = json_string_value(x);
    if (!(m = zl_calloc(n, sizeof *m))) {
        zl_reply_problem(r, 500, NULL, "Out of memory", NULL);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (meas_of(r, json_array_get(arr, i), i, dcode, doper, &m[i]))
            goto out;
    if (!(s = zl_srv_store_nosnap(r))) {
        zl_reply_problem(r, 500, "ImplementationException", "Store unavailable",
                         NULL);
        goto out;
    }
    al.arr = json_array();
    rc = zl_spc_append(s, name, party, m, n, &res, collect, &al, &err);
    if (rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 404, NULL, "Not Found", "no such SPC stream");
    } else if (rc == ZL_EPERM) {
        zl_reply_problem(r, 403, "SecurityException", "Forbidden", err.rule);
    } else if (rc == ZL_EINVAL) {
        char msg[900];

        zl_error_format(&err, msg, sizeof msg);
        zl_reply_problem(
            r, 400, "ValidationException", "Bad measurements",
            zl_arena_printf(&r->arena, "%s (nothing was stored)", msg));
    } else if (rc) {
        zl_reply_store_error(r, rc, "Store failed");
    } else {
        out = json_pack("{s:s,s:I,s:I,s:I,s:I,s:O}", "stream", name, "first",
                        (json_int_t)res.first_seq, "stored", (json_int_t)res.n,
                        "points", (json_int_t)res.points, "batch",
                        (json_int_t)res.batch, "alarms", al.arr);
        if (out) {
            char *txt = json_dumps(out, JSON_COMPACT);

            if (txt)
                zl_reply(r, 200, "application/json", txt, strlen(txt));
            free(txt);
            json_decref(out);
        }
        if (res.alarms)
            zl_spc_events_poke();
    }
out:
    json_decref(al.arr);
    json_decref(doc);
    zl_free(m);
}

/* ---- reading --------------------------------------------------------------
 */

struct series {
    json_t *arr;
};

static int series_cb(void *ctx, const struct zl_spc_stored *m)
{
    struct series *x = ctx;
    char t[32];
    json_t *o;

    zl_time_format_utc(m->t_ms, t);
    o = json_pack("{s:I,s:s,s:f}", "seq", (json_int_t)m->seq, "time", t,
                  "value", m->value);
    if (o && *m->code)
        json_object_set_new(o, "code", json_string(m->code));
    if (o && *m->oper)
        json_object_set_new(o, "operator", json_string(m->oper));
    if (o && m->size)
        json_object_set_new(o, "n", json_integer(m->size));
    return o && !json_array_append_new(x->arr, o) ? 0 : ZL_ENOMEM;
}

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static void reply_json(struct zl_req *r, json_t *o)
{
    char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;

    if (txt)
        zl_reply(r, 200, "application/json", txt, strlen(txt));
    else
        zl_reply_problem(r, 500, NULL, "Out of memory", NULL);
    free(txt);
    json_decref(o);
}

static void show(struct zl_req *r, const char *name, int alarms_only)
{
    struct zl_spc_stream st;
    struct alarm_list al = {json_array()};
    struct series se = {json_array()};
    const char *after = zl_req_param(r, "after");
    zl_store *s;
    json_t *o, *lim = json_array();
    int rc;

    if (zl_spc_may_read(r, name, &st)) {
        json_decref(al.arr);
        json_decref(se.arr);
        json_decref(lim);
        return;
    }
    s = zl_srv_store(r);
    rc = zl_spc_alarms(s, name, after ? strtoll(after, NULL, 10) : 0, 0,
                       collect, &al);
    if (!rc && !alarms_only)
        rc = zl_spc_measurements(
            s, name,
            st.n_values > SERIES_MAX ? st.n_values - SERIES_MAX + 1 : 1, 0,
            series_cb, &se);
    if (rc) {
        zl_reply_store_error(r, rc, "Store failed");
        json_decref(al.arr);
        json_decref(se.arr);
        json_decref(lim);
        zl_spc_stream_cleanup(&st);
        return;
    }
    if (alarms_only) {
        o = json_pack("{s:s,s:o}", "stream", name, "alarms", al.arr);
        json_decref(se.arr);
        json_decref(lim);
    } else {
        for (int k = 0; lim && k < st.lim.n_series; k++)
            json_array_append_new(lim, json_pack("{s:o,s:o,s:o}", "cl",
                                                 jnum(st.lim.cl[k]), "lcl",
                                                 jnum(st.lim.lcl[k]), "ucl",
                                                 jnum(st.lim.ucl[k])));
        o = json_pack("{s:s,s:s,s:s,s:i,s:f,s:f,s:I,s:I,s:I,s:o,s:o,s:o}",
                      "stream", name, "characteristic", st.def.characteristic,
                      "chart", zl_spc_chart_name(st.def.chart), "n", st.lim.n,
                      "center", st.lim.center, "sigma", st.lim.sigma,
                      "measurement_count", (json_int_t)st.n_values,
                      "point_count", (json_int_t)st.n_points, "alarm_count",
                      (json_int_t)st.n_alarms, "limits", lim, "measurements",
                      se.arr, "alarms", al.arr);
        if (o)
            json_object_set_new(o, "limits_version",
                                json_integer(st.limits_version));
        if (o && st.def.unit)
            json_object_set_new(o, "unit", json_string(st.def.unit));
        if (o && st.def.owner)
            json_object_set_new(o, "owner", json_string(st.def.owner));
    }
    zl_spc_stream_cleanup(&st);
    reply_json(r, o);
}

/* POST /api/spc/{stream}/ticket: a bearer token that may read the stream
 * gets a ticket for its GET endpoints (the browser's EventSource). */
static void ticket(struct zl_req *r, const char *name)
{
    struct zl_spc_stream st;
    char party[ZL_PARTY_ID_MAX], t[ZL_SPC_TICKET_MAX], when[32];
    int64_t chain = 0, exp = 0;
    json_t *o;

    if (zl_spc_may_read_as(r, name, &st, party, &chain))
        return;
    zl_spc_stream_cleanup(&st);
    if (!party[0] || zl_spc_ticket_make(name, party, chain, t, &exp)) {
        zl_reply_problem(r, 500, NULL, "Cannot make a ticket", NULL);
        return;
    }
    zl_time_format_utc(exp, when);
    o = json_pack(
        "{s:s,s:s,s:s+}", "ticket", t, "expires", when, "events",
        zl_arena_printf(&r->arena, "/api/spc/%s/events?ticket=", name), t);
    zl_reply_header(r, "Cache-Control", "no-store");
    reply_json(r, o);
}

/* POST /api/spc/{stream}/limits {"reason", "center", "sigma"} or
 * {"reason", "from", "to", "drop_ooc"}: a new limits version (the
 * owner's token; zl_spc_stream_revise decides). */
static void revise(struct zl_req *r, const char *name)
{
    char party[ZL_PARTY_ID_MAX];
    struct zl_spc_revision rv;
    struct zl_spc_stream st;
    struct zl_error err = {0};
    json_error_t je;
    json_t *doc, *x;
    int64_t ver = 0;
    int rc;

    if (zl_req_auth(r, party))
        return;
    memset(&rv, 0, sizeof rv);
    doc = json_loadb(r->body.data ? (const char *)r->body.data : "",
                     r->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(doc)) {
        json_decref(doc);
        zl_reply_problem(r, 400, "ValidationException", "Bad revision",
                         "body: a JSON object with a reason and either "
                         "center (and sigma) or from and to");
        return;
    }
    rv.reason = json_string_value(json_object_get(doc, "reason"));
    if ((x = json_object_get(doc, "from")))
        rv.from = json_is_integer(x) && json_integer_value(x) > 0
                      ? json_integer_value(x)
                      : -1;
    rv.to = json_integer_value(json_object_get(doc, "to"));
    rv.drop_ooc = (int)json_integer_value(json_object_get(doc, "drop_ooc"));
    x = json_object_get(doc, "center");
    if ((rv.from == 0 && !json_is_number(x)) || rv.from < 0 ||
        (rv.from > 0 && x) || rv.drop_ooc < 0 || rv.drop_ooc > 100) {
        json_decref(doc);
        zl_reply_problem(r, 400, "ValidationException", "Bad revision",
                         "give center (and sigma), or from and to (point "
                         "numbers; drop_ooc 0..100), not both");
        return;
    }
    rv.center = json_number_value(x);
    rv.sigma = json_number_value(json_object_get(doc, "sigma"));
    rc = zl_spc_stream_revise(zl_srv_store_nosnap(r), name, party, &rv, &ver,
                              &err);
    json_decref(doc);
    if (rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 404, NULL, "Not Found", "no such SPC stream");
    } else if (rc == ZL_EPERM) {
        zl_reply_problem(r, 403, "SecurityException", "Forbidden", err.rule);
    } else if (rc == ZL_EINVAL) {
        char msg[900];

        zl_error_format(&err, msg, sizeof msg);
        zl_reply_problem(r, 400, "ValidationException", "Bad revision",
                         zl_arena_printf(&r->arena, "%s", msg));
    } else if (rc) {
        zl_reply_store_error(r, rc, "Store failed");
    } else if (zl_spc_stream_get(zl_srv_store_nosnap(r), name, &st) == 0) {
        json_t *lim = json_array();

        for (int k = 0; lim && k < st.lim.n_series; k++)
            json_array_append_new(lim, json_pack("{s:o,s:o,s:o}", "cl",
                                                 jnum(st.lim.cl[k]), "lcl",
                                                 jnum(st.lim.lcl[k]), "ucl",
                                                 jnum(st.lim.ucl[k])));
        reply_json(r,
                   json_pack("{s:s,s:I,s:f,s:f,s:I,s:o}", "stream", name,
                             "limits_version", (json_int_t)ver, "center",
                             st.lim.center, "sigma", st.lim.sigma, "from_point",
                             (json_int_t)(st.n_points + 1), "limits", lim));
        zl_spc_stream_cleanup(&st);
    } else {
        zl_reply_problem(r, 500, NULL, "Store failed", NULL);
    }
}

/* GET /api/spc/{stream}/chart.svg[?last=N&lang=en]: the stored series
 * against the current limits, as on the stream page. */
static void chart_svg(struct zl_req *r, const char *name)
{
    struct zl_spc_stream st;
    struct zl_spc_result res;
    struct zl_error err = {0};
    struct zl_buf b;
    const char *last = zl_req_param(r, "last");
    long n = last ? strtol(last, NULL, 10) : 500;

    if (zl_spc_may_read(r, name, &st))
        return;
    if (n < 2 || n > 100000)
        n = 500;
    memset(&res, 0, sizeof res);
    if (zl_spc_stream_chart(zl_srv_store(r), name, (size_t)n, &res, &err)) {
        zl_spc_stream_cleanup(&st);
        zl_reply_problem(r, 409, NULL, "No chart yet",
                         "not enough points for a chart");
        return;
    }
    zl_buf_init(&b, (size_t)16 << 20);
    if (zl_spc_chart_svg(&b, &res, st.def.characteristic,
                         r->lang_en ? ZL_SPC_EN : ZL_SPC_ZH))
        zl_reply_problem(r, 500, NULL, "Out of memory", NULL);
    else {
        zl_reply_header(r, "Cache-Control", "no-store");
        zl_reply(r, 200, "image/svg+xml", (const char *)b.data, b.len);
    }
    zl_buf_cleanup(&b);
    zl_spc_result_cleanup(&res);
    zl_spc_stream_cleanup(&st);
}

void zl_h_spc_api(struct zl_req *r)
{
    size_t n = r->n_segs;
    const char *name = n >= 3 ? r->segs[2] : "";
    int get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");

    if (n == 3 && !strcmp(r->method, "POST"))
        append(r, name);
    else if (n == 3 && get)
        show(r, name, 0);
    else if (n == 4 && get && !strcmp(r->segs[3], "alarms"))
        show(r, name, 1);
    else if (n == 4 && get && !strcmp(r->segs[3], "events"))
        events(r, name);
    else if (n == 4 && get && !strcmp(r->segs[3], "chart.svg"))
        chart_svg(r, name);
    else if (n == 4 && !strcmp(r->method, "POST") &&
             !strcmp(r->segs[3], "ticket"))
        ticket(r, name);
    else if (n == 4 && !strcmp(r->method, "POST") &&
             !strcmp(r->segs[3], "limits"))
        revise(r, name);
    else if (n == 3 || n == 4) {
        zl_reply_header(r, "Allow",
                        n == 3 ? "GET, HEAD, POST"
                        : !strcmp(r->segs[3], "ticket") ||
                                !strcmp(r->segs[3], "limits")
                            ? "POST"
                            : "GET, HEAD");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
    } else
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
}
