/*
 * ratelimit.c - token buckets per client address (ratelimit.h).
 *
 * The public complaint endpoints take anonymous writes, and each one is a
 * logged record kept for ever, so a script that posts thousands is the
 * obvious abuse; the connection limits (per_ip, max_conn) bound how many
 * at once, not how many over time. A bucket holds up to BURST tokens and
 * refills at PER_MINUTE a minute; a POST takes one, and with none left the
 * answer is 429 Too Many Requests with Retry-After, the seconds until the
 * next token (RFC 6585 section 4, RFC 9110 section 10.2.3), before the
 * body is parsed or anything is stored.
 *
 * Buckets live in a fixed table of SLOTS entries, open addressing over 8
 * probes; when all 8 are taken by other addresses the fullest bucket
 * (the longest idle) is evicted, so memory is fixed whatever the number
 * of addresses, and an evicted address starts again with a full bucket
 * (the limit errs on the side of the consumer). The key is the peer
 * address of the TCP connection: behind a reverse proxy every client is
 * the proxy, so such a deployment must limit at the proxy (X-Forwarded-For
 * is not trusted: any client can write it).
 *
 * Rejected: a sliding-window log per address (memory grows with the
 * rate); a global limit (one abuser would silence every consumer).
 */
#include "ratelimit.h"

#include "server_int.h"

#include "mhd_dl.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define SLOTS  4096
#define PROBES 8
#define KEYMAX 16

struct bucket {
    uint8_t key[KEYMAX];
    uint8_t len; /* 0: empty slot */
    double tokens;
    int64_t at_ms; /* when tokens was computed */
};

static struct bucket table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t hash(const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static void refill(struct bucket *b, int64_t now_ms, double burst,
                   double per_minute)
{
    if (now_ms > b->at_ms) {
        b->tokens += (double)(now_ms - b->at_ms) * per_minute / 60000.0;
        if (b->tokens > burst)
            b->tokens = burst;
    }
    b->at_ms = now_ms;
}

unsigned zl_ratelimit_take_key(const void *key, size_t len, int64_t now_ms,
                               double burst, double per_minute)
{
    const uint8_t *k = key;
    struct bucket *b = NULL, *victim = NULL;
    uint32_t h;
    unsigned wait = 0;

    if (len > KEYMAX)
        len = KEYMAX;
    h = hash(k, len);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < PROBES && !b; i++) {
        struct bucket *x = &table[(h + (uint32_t)i) % SLOTS];

        if (x->len == len && !memcmp(x->key, k, len)) {
            b = x;
        } else if (!x->len) {
            victim = x;
            break;
        } else {
            refill(x, now_ms, burst, per_minute);
            if (!victim || (victim->len && x->tokens > victim->tokens))
                victim = x;
        }
    }
    if (!b) {
        b = victim;
        memcpy(b->key, k, len);
        b->len = (uint8_t)len;
        b->tokens = burst;
        b->at_ms = now_ms;
    }
    refill(b, now_ms, burst, per_minute);
    if (b->tokens >= 1 - 1e-9) { /* refills in steps sum to 1 inexactly */
        b->tokens = b->tokens > 1 ? b->tokens - 1 : 0;
    } else {
        double s = (1 - b->tokens) * 60.0 / per_minute;

        wait = (unsigned)s + ((double)(unsigned)s < s);
        if (wait < 1)
            wait = 1;
    }
    pthread_mutex_unlock(&lock);
    return wait;
}

void zl_ratelimit_reset(void)
{
    pthread_mutex_lock(&lock);
    memset(table, 0, sizeof table);
    pthread_mutex_unlock(&lock);
}

static pthread_once_t conf_once = PTHREAD_ONCE_INIT;
static double conf_burst = 10, conf_rate = 6;

static void conf_load(void)
{
    const char *e = getenv("ZHILIANG_COMPLAINT_RATE");
    double b, r;

    if (e && sscanf(e, "%lf:%lf", &b, &r) == 2 && b >= 0 && r >= 0) {
        conf_burst = b;
        conf_rate = r;
    } else if (e && *e) {
        fprintf(stderr,
                "zhiliang serve: ZHILIANG_COMPLAINT_RATE=%s is not "
                "BURST:PER_MINUTE; using 10:6\n",
                e);
    }
}

unsigned zl_ratelimit_complaint(struct zl_req *r)
{
    const union MHD_ConnectionInfo *ci;
    const struct sockaddr *sa;
    const void *key;
    size_t len;
    unsigned wait;

    pthread_once(&conf_once, conf_load);
    if (conf_burst <= 0 || !r->conn)
        return 0;
    ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !(sa = ci->client_addr))
        return 0;
    if (sa->sa_family == AF_INET) {
        key = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        len = 4;
    } else if (sa->sa_family == AF_INET6) {
        key = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        len = 16;
    } else {
        return 0;
    }
    wait = zl_ratelimit_take_key(key, len, zl_time_now_ms(), conf_burst,
                                 conf_rate > 0 ? conf_rate : 1e-9);
    if (!wait)
        return 0;
    /* zl_reply_header keeps the pointer: the value lives in the arena */
    zl_reply_header(r, "Retry-After", zl_arena_printf(&r->arena, "%u", wait));
    return wait;
}
