/*
 * server.h - the Zhiliang HTTP server: EPCIS 2.0 REST binding, GS1 Digital
 * Link resolver, public portal (一公开) and the JSON API.
 *
 * One call runs the server until SIGTERM or SIGINT; `zhiliang serve` is a
 * thin wrapper. The server is a client of libzhiliang's public API only.
 */
#ifndef ZL_SERVER_H
#define ZL_SERVER_H

#include <stddef.h>

struct zl_server_opts {
    const char *listen;     /* "host:port" (IPv4 or [IPv6]), default
                               "127.0.0.1:8080"; port 0 = ephemeral */
    const char *store_path; /* default zl_default_store_path() */
    unsigned threads;       /* worker threads, 0 = one per online CPU
                               (at least 2; clamped 1..64) */
    size_t max_body;        /* bytes, 0 = 16 MiB (413 past it) */
    size_t max_events;      /* per capture, 0 = 10000 */
    size_t header_limit;    /* per-connection memory for the request
                               head, 0 = 32 KiB (431 past it) */
    unsigned per_ip;        /* connections per client IP, 0 = 64 */
    unsigned max_conn;      /* connections in all, 0 = 1024 */
    unsigned timeout_s;     /* idle connection timeout, 0 = 30 */
    const char *base_url;   /* public origin for absolute links
                               ("https://trace.example.cn"), or NULL to
                               use the request's Host */
    int quiet;              /* no access log on stderr */
    unsigned query_ms;      /* time budget of one event query (from
                               its arrival), 0 = 5000; 503 +
                               Retry-After past it */
    unsigned query_workers; /* threads that run event queries and
                               /api/ calls, apart from the workers
                               serving the public pages, 0 = 2 (at most
                               64); 64 more may wait, past that 503 */
    unsigned checkpoint_s;  /* sign a checkpoint this often while the
                               log grows (checkpointer.c), 0 = 10;
                               ZL_CHECKPOINT_OFF = never */
};

#define ZL_CHECKPOINT_OFF 0xffffffffu

/* Run until SIGTERM/SIGINT. Prints "listening on http://HOST:PORT" on
 * stdout once the socket is bound (the port actually bound when 0 was
 * asked). On a signal stops accepting, lets requests in flight finish
 * (a capture commits or rolls back as a whole) and returns 0; returns a
 * negative error if the store cannot be opened or the socket bound. */
int zl_server_run(const struct zl_server_opts *o);

#endif
