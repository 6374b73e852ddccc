/*
 * server_int.h - what the server's files share: the request, its arena,
 * the response helpers and the route handlers.
 *
 * A request owns an arena (everything it allocates is freed at once when
 * the connection is done with it), its decoded path segments and query
 * parameters, and a capped body buffer. Handlers fill in one response
 * through the helpers below; the dispatcher queues it.
 */
#ifndef ZL_SERVER_INT_H
#define ZL_SERVER_INT_H

#include "utf8.h"
#include "server.h"

#include "zhiliang/buf.h"
#include "zhiliang/party.h"
#include "zhiliang/zhiliang.h"

#include "mhd_dl.h"
#include <pthread.h>
#include <stdint.h>

/* The request arena is the library's capped arena (zhiliang/arena.h). */

/* ---- server and request ------------------------------------------------- */

#define ZL_MAX_SEGS   32
#define ZL_MAX_PARAMS 64

struct zl_server;

struct zl_kv {
    const char *k, *v;
};

struct zl_req {
    struct zl_server *srv;
    struct MHD_Connection *conn;
    struct zl_arena arena;
    char *raw_uri; /* as received, before any decoding */
    const char *method;
    int started;  /* first callback seen */
    int answered; /* a response was queued */
    /* Decoded path segments (NULL on a decoding error: bad_uri set). */
    const char *segs[ZL_MAX_SEGS];
    size_t n_segs;
    const char *raw_query; /* after '?', or "" */
    struct zl_kv params[ZL_MAX_PARAMS];
    size_t n_params;
    int bad_uri; /* malformed percent-encoding, UTF-8... */
    struct zl_buf body;
    int body_too_big;
    int lang_en;     /* portal language */
    int page_script; /* the page runs /static scripts (CSP) */
    zl_names *names; /* place and party names (portal_names.c) */
    int want_snap;   /* GET/HEAD: reads share one snapshot */
    zl_store *snap;  /* the handle holding it, or NULL */
    int64_t t0_ms;
    const char *uri_at; /* MHD's request-target as the URI log
                           callback saw it, and its strlen then:
                           see zl_req_strict */
    size_t uri_len;
    int q_state; /* query pool: 0 not handed over, 1 queued
                    or running (connection suspended), 2
                    answered by the pool */
    int64_t t_queued;
    /* Response. */
    unsigned status;
    const char *ctype;
    char *resp; /* zl_malloc'ed, handed to MHD */
    size_t resp_len;
    struct zl_kv headers[16];
    size_t n_headers;
    struct MHD_Response *stream_resp; /* a streaming answer (spc_api.c) */
};

struct zl_capture_job;

struct zl_server {
    struct zl_server_opts o;
    char store_path[1024];
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t lock;  /* guards stores[] and jobs */
    zl_store *stores[128]; /* every per-thread handle, closed at exit */
    size_t n_stores;
    struct zl_capture_job *jobs; /* ring of recent capture jobs */
    size_t n_jobs, job_head;
    struct zl_pcache *pcache;     /* rendered public pages (pcache.c) */
    struct zl_qpool *qpool;       /* query workers (server.c) */
    struct zl_checkpointer *ckpt; /* checkpointer.c, or NULL */
    struct zl_lookups *lookups;   /* pending lookup counts (lookups.c) */
    struct zl_subscriber *subs;   /* subscriber.c, or NULL */
};

/* Start the background thread (its own store handle): it writes the
 * pending lookup counts every few seconds and at stop, and signs a
 * checkpoint every o.checkpoint_s seconds while the log grows (unless
 * checkpoints are off). 0 or a negative error. Stop joins it (NULL-safe,
 * idempotent). */
int zl_checkpointer_start(struct zl_server *s);
void zl_checkpointer_stop(struct zl_server *s);

/* Lookup counts of serialised codes (lookups.c). */
struct zl_lookups;
struct zl_lookup_count;
struct zl_lookups *zl_lookups_new(void);    /* NULL on OOM */
void zl_lookups_free(struct zl_lookups *l); /* NULL-safe; drops pending */
/* Count one lookup of code at now_ms and put the code's total so far
 * (stored and pending, this one included) in *total. Returns 0 or the
 * error of reading or writing the store (*total still counts this one). */
int zl_lookups_note(struct zl_lookups *l, zl_store *s, const char *code,
                    int64_t now_ms, struct zl_lookup_count *total);
/* Write every pending count to s in one transaction; on failure they stay
 * pending. 0 or a store error. */
int zl_lookups_flush(struct zl_lookups *l, zl_store *s);

/* The calling thread's store handle (opened on first use), or NULL. For
 * a GET/HEAD request it also opens the request's read snapshot. */
zl_store *zl_srv_store(struct zl_req *r);
/* The same handle without opening the snapshot (a single statement). */
zl_store *zl_srv_store_nosnap(struct zl_req *r);

/* Parameter by name (first occurrence), or NULL. */
const char *zl_req_param(const struct zl_req *r, const char *name);
/* Request header, or NULL. */
const char *zl_req_header(const struct zl_req *r, const char *name);
/* 1 if the Accept header names media type t (exactly, ignoring params). */
int zl_req_accepts(const struct zl_req *r, const char *t);
/* Origin for absolute links: base_url, else "http://" + a sane Host. */
const char *zl_req_origin(struct zl_req *r);

/* Bearer token -> party (ZL_PARTY_ID_MAX). 0, or answers 401 itself and
 * returns non-zero. */
int zl_req_auth(struct zl_req *r, char party[ZL_PARTY_ID_MAX]);
/* The token of the Authorization header ("Bearer TOKEN"), or NULL. */
const char *zl_req_bearer(const struct zl_req *r);

/* The viewer behind the bearer token (docs/access.md, "Who reads what"):
 * 0, or answers itself and returns non-zero: 401 without a valid token,
 * 403 when need_events is set and the token's party reads no raw events
 * (an operator). api.c. */
int zl_req_viewer(struct zl_req *r, struct zl_viewer *v, int need_events);

/* HTTP/1.1 framing and target rules MHD 0.9.75 lets through, checked when
 * the head is complete (version is MHD's): one Host header (exactly one
 * for HTTP/1.1), at most one Content-Length value, not both
 * Content-Length and Transfer-Encoding, no NUL byte in the
 * request-target. 0, or answers 400 (closing the connection) and returns
 * non-zero. */
int zl_req_strict(struct zl_req *r, const char *version);

/* The stop callback of a request's query (zl_query_set_budget), ctx the
 * struct zl_req: -ECONNRESET once the client has closed its side of the
 * connection, else 0. */
int zl_req_client_gone(void *ctx);

/* Answer a failed store or query call: 503 with Retry-After for
 * ZL_EBUSY (the store stayed locked) and ZL_ETIMEOUT (the time budget
 * ran out), 499 for -ECONNRESET (the client left), 500 for anything
 * else. what names the operation. */
void zl_reply_store_error(struct zl_req *r, int rc, const char *what);

/* Responses. body is copied. */
void zl_reply(struct zl_req *r, unsigned status, const char *ctype,
              const char *body, size_t len);
/* Takes body (allocated with zl_malloc, len bytes then a NUL: what
 * zl_buf_steal and zl_query_json give): no copy of a page's 250 KB. */
void zl_reply_take(struct zl_req *r, unsigned status, const char *ctype,
                   char *body, size_t len);
/* Takes b's content. */
void zl_reply_buf(struct zl_req *r, unsigned status, const char *ctype,
                  struct zl_buf *b);
void zl_reply_header(struct zl_req *r, const char *name, const char *value);
/* RFC 7807 problem: type is an EPCIS exception name ("ValidationException")
 * or NULL for "about:blank". */
void zl_reply_problem(struct zl_req *r, unsigned status, const char *type,
                      const char *title, const char *detail);
void zl_reply_redirect(struct zl_req *r, unsigned status, const char *loc);
/* Reply status with o as compact JSON, keys sorted, and drop o's
 * reference (500 when it cannot be written, NULL included). */
struct json_t;
void zl_srv_reply_json(struct zl_req *r, unsigned status, struct json_t *o);

/* Percent-decode s[0..n) strictly into a new arena string: "%" must be
 * followed by two hex digits, "%00" and invalid UTF-8 are refused, plus
 * becomes space when form is set. NULL on error. */
char *zl_pct_decode(struct zl_arena *a, const char *s, size_t n, int form);
/* Percent-encode for a query value (unreserved characters stay). */
int zl_pct_encode(struct zl_buf *b, const char *s);
/* HTML-escape (& < > " '). */
int zl_html_escape(struct zl_buf *b, const char *s);

/* ---- handlers (return after queuing nothing or one response) ----------- */

void zl_h_epcis(struct zl_req *r); /* /capture, /events, ... */
int zl_is_epcis_path(const struct zl_req *r);
/* GET /queries/{name}/events: run the named query `definition` (its JSON
 * object) with the request's parameters, as GET /events (epcis_api.c). */
void zl_epcis_named_query(struct zl_req *r, const char *name,
                          const char *definition);
/* /queries... (queries_api.c): named queries and subscriptions. */
void zl_h_queries(struct zl_req *r);
/* The webhook delivery thread (subscriber.c): its own store handle,
 * follows the outbox; none when o.no_subscriber. Stop joins it
 * (NULL-safe). */
int zl_subscriber_start(struct zl_server *s);
void zl_subscriber_stop(struct zl_server *s);
/* A write request of this server finished: look at the outbox now rather
 * than at the next poll (NULL-safe, cheap). */
void zl_subscriber_wake(struct zl_server *s);
void zl_h_resolver(struct zl_req *r); /* /01/..., /.well-known/gs1resolver */
int zl_is_resolver_path(const struct zl_req *r);
void zl_h_portal(struct zl_req *r); /* /, /search, /recalls, /qr, /static */
void zl_h_api(struct zl_req *r);    /* /api/... */
void zl_h_log(struct zl_req *r);    /* /log, /log/... (log_api.c) */
int zl_is_log_path(const struct zl_req *r);

/* Risk reports (issue 14): /api/risk/... (risk_api.c); and the submission
 * the portal's complaint form shares with it: kind an enum zl_risk_kind,
 * the server's personal-data key, field errors appended to errors (a JSON
 * array) as {field, value, why}, id ZL_RISK_ID_MAX bytes. Returns as
 * zl_risk_submit. */
void zl_h_risk_api(struct zl_req *r);
void zl_h_risk_dispose_api(struct zl_req *r); /* risk_dispose_api.c */
/* A zl_risk_error_cb for both risk APIs: appends {field, value, why} to
 * the json_t array ctx (risk_api.c). */
struct zl_risk_field_error;
int zl_srv_risk_collect(void *ctx, const struct zl_risk_field_error *e);
struct json_t;
int zl_srv_risk_submit(struct zl_req *r, int kind, const char *submitter,
                       const char *json, size_t len, char *id,
                       struct json_t *errors);

/* The label the portal shows for a business step: the CBV table's
 * (zhiliang/cbv.h) Chinese or English one, else one by event type. */
const char *zl_portal_step_label(int lang_en, enum zl_biz_step step,
                                 enum zl_event_type type);

/* Product page for a parsed GS1 identifier (resolver default link). */
struct zl_gs1_id;
void zl_portal_product(struct zl_req *r, const struct zl_gs1_id *id,
                       const char *dl);

/* HTML error page in the request's language. */
void zl_portal_error(struct zl_req *r, unsigned status, const char *zh,
                     const char *en);

/* QR code of text as an SVG document. */
int zl_qr_svg(const char *text, struct zl_buf *out);

/* Embedded web assets (generated from web/). */
/* Embedded web/ files by base name (generated by tools/embed_gen.c):
 * their bytes, NUL-terminated, and *len (may be NULL); NULL if none. */
const unsigned char *zl_asset_find(const char *name, size_t *len);

/* Rendered page cache (pcache.c). zl_data_gen: the server-wide data
 * generation as seen from the calling worker (checks its connection's
 * data_version first); zl_data_changed: bump it after a write. */
struct zl_pcache;
uint64_t zl_data_gen(struct zl_req *r);
void zl_data_changed(void);
/* cap in bytes (entries, keys and bodies); NULL on OOM. */
struct zl_pcache *zl_pcache_new(size_t cap);
void zl_pcache_free(struct zl_pcache *c); /* NULL-safe */
/* A zl_malloc'ed copy of the body cached under key at generation gen
 * (with *len), or NULL (miss, stale or OOM). */
char *zl_pcache_get(struct zl_pcache *c, const char *key, uint64_t gen,
                    size_t *len);
/* Cache a copy of body (too big ones are skipped). */
void zl_pcache_put(struct zl_pcache *c, const char *key, uint64_t gen,
                   const char *body, size_t len);

/* Capture jobs. */
void zl_jobs_free(struct zl_server *s);

#endif
