/*
 * http.c - request arena, strict percent-decoding, response helpers.
 *
 * Decoding is ours, not libmicrohttpd's: MHD unescapes the path before a
 * handler sees it, which would turn a Digital Link lot "AB%2FC" into two
 * path segments and let "%zz" through unchanged. The server takes the raw
 * URI from MHD's URI log callback, splits it on '/' and '&' first and then
 * decodes each piece, refusing malformed escapes, NUL and invalid UTF-8,
 * so handlers only ever see well-formed UTF-8 strings.
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- arena -------------------------------------------------------------- */

struct zl_arena_chunk {
    struct zl_arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void zl_arena_init(struct zl_arena *a, size_t max)
{
    a->head = NULL;
    a->total = 0;
    a->max = max;
}

void zl_arena_free(struct zl_arena *a)
{
    struct zl_arena_chunk *c, *n;

    if (!a)
        return;
    for (c = a->head; c; c = n) {
        n = c->next;
        zl_free(c);
    }
    a->head = NULL;
    a->total = 0;
}

void *zl_arena_alloc(struct zl_arena *a, size_t n)
{
    struct zl_arena_chunk *c = a->head;
    size_t need = (n + 15) & ~(size_t)15, cap;
    void *p;

    if (need < n || a->total + need > a->max)
        return NULL;
    if (!c || c->cap - c->used < need) {
        cap = need > 8192 ? need : 8192;
        c = zl_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    p = c->data + c->used;
    c->used += need;
    a->total += need;
    return p;
}

char *zl_arena_strndup(struct zl_arena *a, const char *s, size_t n)
{
    char *d = zl_arena_alloc(a, n + 1);

    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *zl_arena_printf(struct zl_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *d;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(d = zl_arena_alloc(a, (size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

/* ---- encoding ----------------------------------------------------------- */

int zl_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k, len;
    unsigned c, cp, min;

    while (i < n) {
        c = p[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *zl_pct_decode(struct zl_arena *a, const char *s, size_t n, int form)
{
    char *d = zl_arena_alloc(a, n + 1);
    size_t i, j = 0;
    int h, l;

    if (!d)
        return NULL;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i < 3 || (h = hexval(s[i + 1])) < 0 ||
                (l = hexval(s[i + 2])) < 0)
                return NULL;
            d[j++] = (char)(h * 16 + l);
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
    int rc = 0;
    const char *run = s;

    if (!s)
        return 0;
    for (; *s && !rc; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: break;
        }
        if (e) {
            rc = zl_buf_add(b, run, (size_t)(s - run));
            if (!rc)
                rc = zl_buf_adds(b, e);
            run = s + 1;
        }
    }
    if (!rc)
        rc = zl_buf_add(b, run, (size_t)(s - run));
    return rc;
}

/* ---- request accessors ---------------------------------------------------- */

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
        if (start_ok && (after == '\0' || after == ',' || after == ';' ||
                         after == ' '))
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

int zl_req_auth(struct zl_req *r, char party[ZL_PARTY_ID_MAX])
{
    const char *h = zl_req_header(r, "Authorization");
    zl_store *s;
    int rc;

    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        zl_reply_header(r, "WWW-Authenticate", "Bearer realm=\"zhiliang\"");
        zl_reply_problem(r, 401, "SecurityException", "Unauthorized",
                         "a bearer token is required "
                         "(zhiliang token create --party ID)");
        return 1;
    }
    h += 7;
    while (*h == ' ')
        h++;
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
        zl_reply_problem(r, 500, "ImplementationException", "Store failed",
                         zl_strerror(rc));
        return 1;
    }
    return 0;
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
    default: return s >= 500 ? "Internal Server Error" : "Error";
    }
}

static int json_str(struct zl_buf *b, const char *s)
{
    static const char hx[] = "0123456789abcdef";
    int rc = zl_buf_addc(b, '"');

    for (; s && *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rc = zl_buf_add(b, e, 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
            rc = zl_buf_add(b, e, 6);
        } else {
            rc = zl_buf_addc(b, (char)c);
        }
    }
    return rc ? rc : zl_buf_addc(b, '"');
}

void zl_reply_problem(struct zl_req *r, unsigned status, const char *type,
                      const char *title, const char *detail)
{
    struct zl_buf b;
    char t[96];

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
