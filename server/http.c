/*
 * http.c - strict percent-decoding, response helpers (the request arena
 * is the library's, zhiliang/arena.h).
 *
 * Decoding is ours, not libmicrohttpd's: MHD unescapes the path before a
 * handler sees it, which would turn a Digital Link lot "AB%2FC" into two
 * path segments and let "%zz" through unchanged. The server takes the raw
 * URI from MHD's URI log callback, splits it on '/' and '&' first and then
 * decodes each piece, refusing malformed escapes, NUL and invalid UTF-8,
 * so handlers only ever see well-formed UTF-8 strings.
 *
 * Also here: the HTTP/1.1 rules MHD does not enforce (zl_req_strict), the
 * client-gone check long queries poll, and the mapping of a busy store or
 * a spent budget to 503 + Retry-After.
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/error.h"

#include <jansson.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>

/* ---- encoding ----------------------------------------------------------- */

char *zl_pct_decode(struct zl_arena *a, const char *s, size_t n, int form)
{
    char *d = zl_arena_alloc(a, n + 1);
    size_t i, j = 0;
    uint8_t v;

    if (!d)
        return NULL;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i < 3 || zl_hex_decode(s + i + 1, 2, &v, 1))
                return NULL;
            d[j++] = (char)v;
            i += 2;
        } else if (form && s[i] == '+') {
            d[j++] = ' ';
        } else {
            d[j++] = s[i];
        }
    }
    d[j] = '\0';
    return zl_utf8_valid(d, j) ? d : NULL;
}

int zl_pct_encode(struct zl_buf *b, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    int rc = 0;

    for (; *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            rc = zl_buf_addc(b, (char)c);
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            rc = zl_buf_add(b, e, 3);
        }
    }
    return rc;
}

int zl_html_escape(struct zl_buf *b, const char *s)
{
    return zl_buf_add_xml(b, s, (size_t)-1, 1);
}

/* ---- request accessors ----------------------------------------------------
 */

const char *zl_req_param(const struct zl_req *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i].k, name) == 0)
            return r->params[i].v;
    return NULL;
}

const char *zl_req_header(const struct zl_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int zl_req_accepts(const struct zl_req *r, const char *t)
{
    const char *a = zl_req_header(r, "Accept"), *p;
    size_t tl = strlen(t);

    if (!a)
        return 0;
    for (p = a; (p = strcasestr(p, t)) != NULL; p += tl) {
        char after = p[tl];
        int start_ok = p == a || p[-1] == ',' || p[-1] == ' ';
        if (start_ok &&
            (after == '\0' || after == ',' || after == ';' || after == ' '))
            return 1;
    }
    return 0;
}

const char *zl_req_origin(struct zl_req *r)
{
    const char *h = zl_req_header(r, "Host");
    size_t i, n;

    if (r->srv->o.base_url)
        return r->srv->o.base_url;
    if (!h || !(n = strlen(h)) || n > 255)
        return zl_arena_printf(&r->arena, "http://127.0.0.1:%u", r->srv->port);
    /* A Host header lands in Link headers and HTML: allow only the
     * characters of a host name, IPv6 literal and port. */
    for (i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' ||
              c == '[' || c == ']'))
            return zl_arena_printf(&r->arena, "http://127.0.0.1:%u",
                                   r->srv->port);
    }
    return zl_arena_printf(&r->arena, "http://%s", h);
}

const char *zl_req_bearer(const struct zl_req *r)
{
    const char *h = zl_req_header(r, "Authorization");

    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return h;
}

int zl_req_auth(struct zl_req *r, char party[ZL_PARTY_ID_MAX])
{
    const char *h = zl_req_bearer(r);
    zl_store *s;
    int rc;

    if (!h) {
        zl_reply_header(r, "WWW-Authenticate", "Bearer realm=\"zhiliang\"");
        zl_reply_problem(r, 401, "SecurityException", "Unauthorized",
                         "a bearer token is required "
                         "(zhiliang token create --party ID)");
        return 1;
    }
    if (!(s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, "ImplementationException", "Store unavailable",
                         NULL);
        return 1;
    }
    rc = zl_token_verify(s, h, strlen(h), party);
    if (rc == ZL_EPERM) {
        zl_reply_header(r, "WWW-Authenticate",
                        "Bearer realm=\"zhiliang\", error=\"invalid_token\"");
        zl_reply_problem(r, 401, "SecurityException", "Unauthorized",
                         "unknown or revoked token");
        return 1;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "Store failed");
        return 1;
    }
    return 0;
}

/* ---- strictness, budgets ------------------------------------------------ */

struct head_scan {
    unsigned hosts, lengths, chunked;
    const char *length; /* the first Content-Length value */
    int length_bad;     /* two different values, or not digits */
};

static int digits_only(const char *v)
{
    const char *p = v;

    while (*p >= '0' && *p <= '9')
        p++;
    return p > v && *p == '\0';
}

static enum MHD_Result head_cb(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
    struct head_scan *h = cls;

    (void)kind;
    if (!key)
        return MHD_YES;
    if (!strcasecmp(key, "Host")) {
        h->hosts++;
    } else if (!strcasecmp(key, "Content-Length")) {
        /* the same digits twice are one length; two values, a list or a
         * sign are refused */
        if (!value || !digits_only(value) ||
            (h->length && strcmp(h->length, value)))
            h->length_bad = 1;
        h->lengths++;
        if (!h->length)
            h->length = value;
    } else if (!strcasecmp(key, "Transfer-Encoding")) {
        h->chunked++;
    }
    return MHD_YES;
}

/* See zl_req_strict. The layout is that of MHD's request-line parser up
 * to 0.9.75 (the version this was checked against); for other versions
 * the test is left out rather than risk refusing good requests. */
static int nul_in_target(const struct zl_req *r, uintptr_t u, uintptr_t v,
                         const char *version)
{
#if MHD_VERSION <= 0x00097500
    return r->uri_at && version && *version && v > u &&
           v - u <= r->srv->o.header_limit && v - u != r->uri_len + 1 &&
           version[-1] == '\0';
#else
    (void)r, (void)u, (void)v, (void)version;
    return 0;
#endif
}

int zl_req_strict(struct zl_req *r, const char *version)
{
    struct head_scan h;
    const char *why = NULL;
    uintptr_t u = (uintptr_t)r->uri_at, v = (uintptr_t)version;

    memset(&h, 0, sizeof h);
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, head_cb, &h);
    /* A NUL in the request-target: MHD hands the target on as a C string,
     * cut at the NUL, and puts the version string right after the
     * target's end in the same buffer. A version that starts further on
     * than one byte past what the URI callback saw means the target went
     * on past a NUL. (Only judged when both lie in the connection's
     * header memory; other MHD layouts are not second-guessed.) */
    if (nul_in_target(r, u, v, version))
        why = "NUL byte in the request-target";
    else if (h.hosts > 1)
        why = "more than one Host header";
    else if (h.hosts == 0 && version && !strcasecmp(version, "HTTP/1.1"))
        why = "an HTTP/1.1 request needs a Host header";
    else if (h.length_bad)
        why = "conflicting or malformed Content-Length headers";
    else if (h.lengths && h.chunked)
        why = "both Content-Length and Transfer-Encoding";
    if (!why)
        return 0;
    /* The framing of the rest of the stream cannot be trusted. */
    zl_reply_header(r, "Connection", "close");
    zl_reply_problem(r, 400, NULL, "Bad Request", why);
    return 1;
}

int zl_req_client_gone(void *ctx)
{
    struct zl_req *r = ctx;
    const union MHD_ConnectionInfo *ci;
    char c;
    ssize_t n;

    if (!r->conn)
        return 0;
    ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return 0;
    /* Peek: a pipelined request stays unread; end of stream or a reset
     * means nobody waits for the answer. A client that half-closes after
     * its request looks the same and is treated the same. */
    n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 ||
        (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        return -ECONNRESET;
    return 0;
}

void zl_reply_store_error(struct zl_req *r, int rc, const char *what)
{
    if (rc == ZL_EBUSY) {
        zl_reply_header(r, "Retry-After", "2");
        zl_reply_problem(r, 503, "ImplementationException", "Store busy",
                         "the store is locked by a write in progress; "
                         "retry shortly");
    } else if (rc == ZL_ETIMEOUT) {
        zl_reply_header(r, "Retry-After", "5");
        zl_reply_problem(
            r, 503, "QueryTooComplexException", "Query budget exceeded",
            zl_arena_printf(&r->arena,
                            "the query ran past its %u ms budget; narrow it "
                            "(an exact identifier or a longer pattern, a "
                            "time range, a smaller perPage) or retry later",
                            r->srv->o.query_ms));
    } else if (rc == -ECONNRESET) {
        /* nobody reads this; the status tells the access log (nginx's
         * "client closed request") */
        zl_reply_problem(r, 499, NULL, "Client Closed Request",
                         "the client went away; the query was stopped");
    } else {
        zl_reply_problem(r, 500, "ImplementationException", what,
                         zl_strerror(rc));
    }
}

/* ---- responses ---------------------------------------------------------- */

void zl_reply_header(struct zl_req *r, const char *name, const char *value)
{
    if (r->n_headers < sizeof r->headers / sizeof r->headers[0]) {
        r->headers[r->n_headers].k = name;
        r->headers[r->n_headers].v = value;
        r->n_headers++;
    }
}

static void set_body(struct zl_req *r, unsigned status, const char *ctype,
                     char *body, size_t len)
{
    zl_free(r->resp);
    r->status = status;
    r->ctype = ctype;
    r->resp = body;
    r->resp_len = len;
}

void zl_reply(struct zl_req *r, unsigned status, const char *ctype,
              const char *body, size_t len)
{
    char *c = zl_malloc(len + 1);

    if (c) {
        memcpy(c, body, len);
        c[len] = '\0';
    }
    set_body(r, c ? status : 500, ctype, c, c ? len : 0);
}

void zl_reply_take(struct zl_req *r, unsigned status, const char *ctype,
                   char *body, size_t len)
{
    set_body(r, status, ctype, body, len);
}

void zl_reply_buf(struct zl_req *r, unsigned status, const char *ctype,
                  struct zl_buf *b)
{
    size_t len = b->len;
    char *c = zl_buf_steal(b);

    set_body(r, c ? status : 500, ctype, c, c ? len : 0);
}

static const char *status_title(unsigned s)
{
    switch (s) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 406: return "Not Acceptable";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 503: return "Service Unavailable";
    default: return s >= 500 ? "Internal Server Error" : "Error";
    }
}

static int json_str(struct zl_buf *b, const char *s)
{
    return zl_buf_add_json_string(b, s ? s : "");
}

/* s as it may go into a JSON string: itself when it is valid UTF-8, else
 * an escaped copy in the arena (zl_text_escape), so a problem document is
 * valid JSON whatever bytes an error message picked up. */
static const char *utf8_text(struct zl_req *r, const char *s)
{
    size_t n, cap;
    char *d;

    if (!s || zl_utf8_valid(s, (n = strlen(s))))
        return s;
    cap = n * 4 + 1;
    if (!(d = zl_arena_alloc(&r->arena, cap)))
        return "";
    zl_text_escape(d, cap, s, n);
    return d;
}

void zl_reply_problem(struct zl_req *r, unsigned status, const char *type,
                      const char *title, const char *detail)
{
    struct zl_buf b;
    char t[96];

    title = utf8_text(r, title);
    detail = utf8_text(r, detail);

    zl_buf_init(&b, 8192);
    if (type)
        snprintf(t, sizeof t, "epcisException:%s", type);
    else
        snprintf(t, sizeof t, "about:blank");
    if (zl_buf_adds(&b, "{\"type\":") || json_str(&b, t) ||
        zl_buf_adds(&b, ",\"title\":") ||
        json_str(&b, title ? title : status_title(status)) ||
        zl_buf_printf(&b, ",\"status\":%u", status) ||
        (detail && (zl_buf_adds(&b, ",\"detail\":") || json_str(&b, detail))) ||
        zl_buf_adds(&b, "}")) {
        zl_buf_cleanup(&b);
        zl_reply(r, status, "application/problem+json", "{}", 2);
        return;
    }
    zl_reply_buf(r, status, "application/problem+json", &b);
}

void zl_reply_redirect(struct zl_req *r, unsigned status, const char *loc)
{
    zl_reply_header(r, "Location", loc);
    zl_reply(r, status, "text/plain; charset=utf-8", "", 0);
}

void zl_srv_reply_json(struct zl_req *r, unsigned status, json_t *o)
{
    char *t = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    if (!t) {
        zl_reply_problem(r, 500, NULL, "Internal Server Error", NULL);
    } else {
        zl_reply(r, status, "application/json", t, strlen(t));
        free(t);
    }
    json_decref(o);
}
