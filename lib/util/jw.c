/*
 * jw.c - the JSON writer of jw.h: jansson's layout without its tree.
 *
 * The layout copied is jansson 2.14's json_dump (dump.c), which the
 * unit test holds it to on generated trees (test_util, "jw"):
 *   - a container with members: its brace, then each member on a line
 *     of its own indented one level deeper, members separated by ",",
 *     the closing brace on a line at the container's own level; without
 *     an indent the separator is ", " and there are no line breaks;
 *   - an empty container: "{}" or "[]";
 *   - a key: the string, then ": " (":" with JSON_COMPACT, which also
 *     makes the separator without an indent ",");
 *   - strings: '"' and '\\' backslashed, \b \f \n \r \t short, other
 *     bytes below 0x20 as \u00XX (upper-case hex), the rest as they are;
 *   - reals: "%.*g", ".0" added when that reads as an integer, and the
 *     exponent without '+' or leading zeros.
 */
#include "util/jw.h"

#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

void zl_jw_init(struct zl_jw *w, struct zl_buf *b, size_t flags)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->flags = flags;
    w->indent = (int)(flags & 0x1F);
}

static void add(struct zl_jw *w, const char *p, size_t n)
{
    if (!w->rc)
        w->rc = zl_buf_add(w->b, p, n);
}

/* A line break and depth levels of indent, or, without an indent, the
 * space after a separator (space non-zero). */
static void newline(struct zl_jw *w, int depth, int space)
{
    static const char spaces[] = "                                ";
    size_t n = (size_t)depth * (size_t)w->indent;

    if (!w->indent) {
        if (space && !(w->flags & JSON_COMPACT))
            add(w, " ", 1);
        return;
    }
    add(w, "\n", 1);
    for (; n > 0; n -= n < 32 ? n : 32)
        add(w, spaces, n < 32 ? n : 32);
}

/* Before a value: inside a container, its separator and line; after a
 * key, nothing. */
static void before_value(struct zl_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth == 0)
        return;
    if (w->close[w->depth - 1] == '}') { /* a value needs its key first */
        if (!w->rc)
            w->rc = ZL_EINVAL;
        return;
    }
    if (w->members[w->depth - 1])
        add(w, ",", 1);
    newline(w, w->depth, w->members[w->depth - 1]);
    w->members[w->depth - 1] = 1;
}

void zl_jw_open(struct zl_jw *w, char brace)
{
    before_value(w);
    if (w->depth == ZL_JW_MAX_DEPTH) {
        if (!w->rc)
            w->rc = ZL_ELIMIT;
        return;
    }
    add(w, &brace, 1);
    w->close[w->depth] = brace == '{' ? '}' : ']';
    w->members[w->depth] = 0;
    w->depth++;
}

void zl_jw_close(struct zl_jw *w)
{
    if (w->depth == 0 || w->after_key) {
        if (!w->rc)
            w->rc = ZL_EINVAL;
        return;
    }
    w->depth--;
    if (w->members[w->depth])
        newline(w, w->depth, 0);
    add(w, &w->close[w->depth], 1);
}

/* s as a JSON string, escaped as jansson escapes it. */
static void string(struct zl_jw *w, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    const char *run = s;

    add(w, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[6] = {'\\', (char)c, '0', '0', hx[c >> 4], hx[c & 15]};
        size_t n = 2;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        add(w, run, (size_t)(s - run));
        run = s + 1;
        switch (c) {
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        case '"':
        case '\\': break;
        default: e[1] = 'u'; n = 6;
        }
        add(w, e, n);
    }
    add(w, run, (size_t)(s - run));
    add(w, "\"", 1);
}

void zl_jw_key(struct zl_jw *w, const char *k)
{
    int d = w->depth - 1;

    if (d < 0 || w->close[d] != '}' || w->after_key) {
        if (!w->rc)
            w->rc = ZL_EINVAL;
        return;
    }
    if (w->members[d])
        add(w, ",", 1);
    newline(w, w->depth, w->members[d]);
    w->members[d] = 1;
    string(w, k);
    add(w, ": ", w->flags & JSON_COMPACT ? 1 : 2);
    w->after_key = 1;
}

void zl_jw_str(struct zl_jw *w, const char *s)
{
    before_value(w);
    string(w, s);
}

void zl_jw_int(struct zl_jw *w, long long v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", v);

    before_value(w);
    add(w, t, (size_t)n);
}

void zl_jw_real(struct zl_jw *w, double v)
{
    int precision = (int)((w->flags >> 11) & 0x1F); /* JSON_REAL_PRECISION */
    char t[40], *e;
    int n = snprintf(t, sizeof t - 2, "%.*g", precision ? precision : 17, v);

    before_value(w);
    if (n < 0 || (size_t)n >= sizeof t - 2) {
        if (!w->rc)
            w->rc = ZL_EINVAL;
        return;
    }
    if (!strchr(t, '.') && !strchr(t, 'e')) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    if ((e = strchr(t, 'e')) != NULL) { /* e+05 -> e5, e-05 -> e-5 */
        char *from = e + 1, *to = e + 1;

        if (*from == '+')
            from++;
        else if (*from == '-')
            from = ++to;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(t);
    }
    add(w, t, (size_t)n);
}

void zl_jw_bool(struct zl_jw *w, int v)
{
    before_value(w);
    add(w, v ? "true" : "false", v ? 4 : 5);
}

void zl_jw_null(struct zl_jw *w)
{
    before_value(w);
    add(w, "null", 4);
}

/* jansson's output, indented by the writer's depth after every line
 * break (a dump has no other '\n': strings escape theirs). */
static int dump_cb(const char *p, size_t n, void *data)
{
    struct zl_jw *w = data;
    const char *nl;

    while ((nl = memchr(p, '\n', n)) != NULL) {
        size_t k = (size_t)(nl - p);

        add(w, p, k);
        newline(w, w->depth, 0);
        p += k + 1;
        n -= k + 1;
    }
    add(w, p, n);
    return w->rc ? -1 : 0;
}

void zl_jw_json(struct zl_jw *w, const json_t *v, size_t extra)
{
    before_value(w);
    if (w->rc)
        return;
    if (!v) {
        w->rc = ZL_ENOMEM; /* a tree that could not be built */
        return;
    }
    if (json_dump_callback(v, dump_cb, w, w->flags | extra | JSON_ENCODE_ANY) &&
        !w->rc)
        w->rc = ZL_ENOMEM;
}

int zl_jw_done(const struct zl_jw *w)
{
    if (w->rc)
        return w->rc;
    return w->depth || w->after_key ? ZL_EINVAL : 0;
}
