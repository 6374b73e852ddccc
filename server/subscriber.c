/*
 * subscriber.c - the server delivers query subscriptions to their
 * webhooks (zhiliang/subscription.h decides what each delivery holds).
 *
 * One thread with its own store handle polls every POLL_MS: for each
 * subscription it asks zl_subscription_next for the due batch, POSTs it
 * with libcurl (GS1-Signature, Idempotency-Key) and, on a 2xx only,
 * records it with zl_subscription_delivered, which moves the cursor. A
 * failure (network, timeout, non-2xx) leaves the cursor where it was and
 * backs that subscription off exponentially (BACKOFF_MIN_MS doubling up
 * to BACKOFF_MAX_MS); the retry sends the same batch, which the library
 * recorded before the first attempt, so nothing is lost or re-batched,
 * and a kill -9 between the receiver's 2xx and the cursor's commit
 * re-sends that one batch with the same Idempotency-Key (at least once on
 * the wire, exactly once for a receiver that keys on it).
 *
 * Rejected: delivering inside the capture request (a slow webhook would
 * slow every capture, and a crash after the commit would lose the
 * delivery); a thread per subscription (thousands of idle threads); a
 * notification from the capture path instead of the outbox (the outbox is
 * the only channel that survives a restart, and it also carries captures
 * made by other processes on the same store). This server's own write
 * requests wake the thread at once (zl_subscriber_wake); POLL_MS bounds
 * the delay for the others.
 * One subscription's slow receiver delays the others by at most its
 * timeout per round (TIMEOUT_MS): a known limit.
 */
#include "server_int.h"
#include "ws.h"

#include "zhiliang/alloc.h"
#include "zhiliang/error.h"
#include "zhiliang/subscription.h"
#include "zhiliang/timefmt.h"

#include "curl_dl.h"
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_MS        20
#define TIMEOUT_MS     10000
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 60000
#define MAX_SUBS       4096
#define MAX_ROUNDS     64 /* batches per subscription per poll */

struct backoff {
    char id[ZL_SUBSCRIPTION_ID_MAX];
    int64_t until_ms;
    int64_t wait_ms;
};

struct zl_subscriber {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, quiet, woken;
    char path[1024];
    CURL *curl;
    struct backoff *bo; /* MAX_SUBS */
    size_t n_bo;
    char **ids; /* this round's subscriptions */
    size_t n_ids;
};

static struct backoff *backoff_of(struct zl_subscriber *c, const char *id)
{
    for (size_t i = 0; i < c->n_bo; i++)
        if (!strcmp(c->bo[i].id, id))
            return &c->bo[i];
    if (c->n_bo >= MAX_SUBS)
        return NULL;
    memset(&c->bo[c->n_bo], 0, sizeof c->bo[0]);
    snprintf(c->bo[c->n_bo].id, sizeof c->bo[0].id, "%s", id);
    return &c->bo[c->n_bo++];
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* The address policy at the socket (lib/query/webhook.c): libcurl asks
 * us for each socket it would connect, with the address it resolved, so a
 * name that now resolves to an internal address is refused here whatever
 * it resolved to when the subscription was made (DNS rebinding). */
struct sock_check {
    const char *allow; /* the store's webhook.allow_internal */
    char why[300];
    int refused;
};

static curl_socket_t open_socket(void *ctx, curlsocktype purpose,
                                 struct curl_sockaddr *a)
{
    struct sock_check *k = ctx;

    if (purpose == CURLSOCKTYPE_IPCXN &&
        zl_webhook_addr_ok(k->allow, &a->addr, k->why, sizeof k->why)) {
        k->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* POST d: the HTTP status, or 0 when none came back (why says why;
 * *refused set when the address policy refused every address). */
static long post(struct zl_subscriber *c, const struct zl_delivery *d,
                 const char *allow, int *refused, char *why, size_t why_cap)
{
    struct curl_slist *h = NULL;
    struct sock_check k = {allow, "", 0};
    char line[160];
    long status = 0;
    CURLcode cc;

    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "GS1-EPCIS-Version: 2.0.0");
    snprintf(line, sizeof line, "Idempotency-Key: %s", d->idempotency_key);
    h = curl_slist_append(h, line);
    if (d->signature[0]) {
        snprintf(line, sizeof line, "GS1-Signature: %s", d->signature);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c->curl, CURLOPT_URL, d->dest);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)d->len);
    curl_easy_setopt(c->curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c->curl, CURLOPT_OPENSOCKETDATA, &k);
    cc = curl_easy_perform(c->curl);
    *refused = cc != CURLE_OK && k.refused;
    if (cc == CURLE_OK)
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    else if (*refused)
        snprintf(why, why_cap, "refused to connect to %s", k.why);
    else
        snprintf(why, why_cap, "%s", curl_easy_strerror(cc));
    curl_slist_free_all(h);
    return status;
}

/* Wait before trying b's subscription again: BACKOFF_MIN_MS, doubling
 * up to BACKOFF_MAX_MS while failures last. */
static void back_off(struct backoff *b)
{
    if (!b)
        return;
    b->wait_ms = b->wait_ms ? b->wait_ms * 2 : BACKOFF_MIN_MS;
    if (b->wait_ms > BACKOFF_MAX_MS)
        b->wait_ms = BACKOFF_MAX_MS;
    b->until_ms = zl_time_now_ms() + b->wait_ms;
}

/* Deliver what is due for subscription id. */
static void serve_one(struct zl_subscriber *c, zl_store *st, const char *id)
{
    struct backoff *b = backoff_of(c, id);
    struct zl_delivery d;
    int64_t now = zl_time_now_ms();
    char *allow = NULL;

    memset(&d, 0, sizeof d);
    if (b && b->until_ms > now)
        return;
    for (int round = 0; round < MAX_ROUNDS; round++) {
        char why[400] = "";
        long status;
        int refused = 0;
        int rc = zl_subscription_next(st, id, zl_time_now_ms(), &d);

        if (rc == 2)
            continue;
        if (rc <= 0) {
            /* a store error, or an owner whose party is gone: not every
             * POLL_MS */
            if (rc < 0 && rc != ZL_ENOTFOUND) {
                back_off(b);
                if (!c->quiet)
                    fprintf(stderr,
                            "zhiliang serve: subscription %s: cannot "
                            "prepare a delivery: %s\n",
                            id, zl_strerror(rc));
            }
            break;
        }
        /* read for each batch: the operator may change it while we run;
         * the store's list and the owner's own (lib/query/webhook.c) */
        zl_free(allow);
        if (zl_webhook_allow_for(st, d.owner, &allow))
            allow = NULL; /* nothing internal is allowed */
        status = post(c, &d, allow ? allow : "", &refused, why, sizeof why);
        if (status >= 200 && status < 300) {
            zl_subscription_delivered(st, &d, zl_time_now_ms());
            if (b)
                b->wait_ms = 0;
            zl_delivery_cleanup(&d);
            continue;
        }
        back_off(b);
        /* a refusal is the operator's business even under --quiet: the
         * batch waits (never dropped) until the policy or dest changes */
        zl_subscription_failed(st, id, why[0] ? why : "HTTP status",
                               why[0] ? 0 : status, zl_time_now_ms());
        if (!c->quiet || refused)
            fprintf(stderr,
                    "zhiliang serve: subscription %s: delivery to %s failed "
                    "(%s%ld), retry in %lld ms\n",
                    id, d.dest, why[0] ? why : "HTTP ", why[0] ? 0L : status,
                    (long long)(b ? b->wait_ms : 0));
        break;
    }
    zl_free(allow);
    zl_delivery_cleanup(&d);
}

static int collect(void *ctx, const char *id)
{
    struct zl_subscriber *c = ctx;
    char **n;

    if (c->n_ids >= MAX_SUBS)
        return 0;
    n = zl_realloc(c->ids, (c->n_ids + 1) * sizeof *n);
    if (!n)
        return ZL_ENOMEM;
    c->ids = n;
    if (!(c->ids[c->n_ids] = zl_strdup(id)))
        return ZL_ENOMEM;
    c->n_ids++;
    return 0;
}

static void clear_ids(struct zl_subscriber *c)
{
    for (size_t i = 0; i < c->n_ids; i++)
        zl_free(c->ids[i]);
    c->n_ids = 0;
}

static void *run(void *arg)
{
    struct zl_subscriber *c = arg;
    zl_store *st = NULL;
    struct zl_error err;

    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        struct timespec until;

        pthread_mutex_unlock(&c->mu);
        if (!st && zl_open(c->path, &st, &err))
            st = NULL;
        if (st && !zl_subscription_ids(st, collect, c))
            for (size_t i = 0; i < c->n_ids && !c->stop; i++)
                serve_one(c, st, c->ids[i]);
        clear_ids(c);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)POLL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&c->mu);
        while (!c->stop && !c->woken &&
               pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
            ;
        c->woken = 0;
    }
    pthread_mutex_unlock(&c->mu);
    zl_close(st);
    return NULL;
}

int zl_subscriber_start(struct zl_server *s)
{
    struct zl_subscriber *c;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ZL_ENOMEM;
    if (!(c = zl_calloc(1, sizeof *c)) ||
        !(c->bo = zl_calloc(MAX_SUBS, sizeof *c->bo)) ||
        !(c->curl = curl_easy_init())) {
        if (c)
            zl_free(c->bo);
        zl_free(c);
        curl_global_cleanup();
        return ZL_ENOMEM;
    }
    c->quiet = s->o.quiet;
    snprintf(c->path, sizeof c->path, "%s", s->store_path);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    /* no proxy from the environment: the address checked at the socket
     * must be the receiver's, not a proxy's */
    curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "zhiliang-subscriber");
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->th, NULL, run, c)) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        curl_easy_cleanup(c->curl);
        zl_free(c->bo);
        zl_free(c);
        curl_global_cleanup();
        return ZL_ENOMEM;
    }
    s->subs = c;
    return 0;
}

void zl_subscriber_wake(struct zl_server *s)
{
    struct zl_subscriber *c = s ? s->subs : NULL;

    zl_ws_wake(); /* the WebSocket streams follow the same outbox */
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->woken = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void zl_subscriber_stop(struct zl_server *s)
{
    struct zl_subscriber *c = s ? s->subs : NULL;

    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    curl_easy_cleanup(c->curl);
    clear_ids(c);
    zl_free(c->ids);
    zl_free(c->bo);
    zl_free(c);
    s->subs = NULL;
    curl_global_cleanup();
}
