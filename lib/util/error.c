/*
 * error.c - error names and struct zl_error helpers.
 *
 * Kept tiny on purpose: every module reports through these three functions
 * so messages look the same everywhere ("where: why (value: what)").
 * They are also the one place where text from the input is made safe to
 * print: zl_text_escape() turns control characters into \u00XX and
 * bytes that are not UTF-8 into \xNN (see copy_trunc).
 */
#include "zhiliang/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *zl_strerror(int code)
{
    switch (code) {
    case ZL_OK: return "ok";
    case ZL_EINVAL: return "invalid input";
    case ZL_ESYNTAX: return "syntax error";
    case ZL_ELIMIT: return "limit exceeded";
    case ZL_ENOTFOUND: return "not found";
    case ZL_ESTORE: return "store error";
    case ZL_ECHECK: return "check digit mismatch";
    case ZL_EUNSUPPORTED: return "unsupported";
    case ZL_EVERIFY: return "verification failed";
    case ZL_EEXIST: return "already exists";
    case ZL_EPERM: return "permission denied";
    case ZL_ENOMEM: return "out of memory";
    case ZL_ETAMPER: return "tampering detected";
    case ZL_EBUSY: return "store busy (try again later)";
    case ZL_ETIMEOUT: return "time budget exceeded";
    default: break;
    }
    if (code < 0 && code > ZL_EFIRST)
        return strerror(-code);
    return "unknown error";
}

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 if the
 * bytes there are not one (stray continuation, overlong form, surrogate,
 * above U+10FFFF, or cut short). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp, min;
    size_t len, k;

    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

size_t zl_text_escape(char *out, size_t cap, const char *src, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, o = 0;

    if (!cap)
        return 0;
    if (!src)
        n = 0;
    else if (n == (size_t)-1)
        n = strlen(src);
    while (i < n) {
        size_t len = utf8_seq(s + i, n - i);
        char e[8];
        size_t el = 0;
        unsigned cp = 0;

        if (len == 1)
            cp = s[i];
        else if (len == 2)
            cp = ((s[i] & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
        if (len == 0) { /* not UTF-8: the byte in hex */
            e[0] = '\\', e[1] = 'x', e[2] = hx[s[i] >> 4], e[3] = hx[s[i] & 15];
            el = 4;
            len = 1;
        } else if ((len <= 2 && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)))) {
            /* C0, DEL, C1: terminal control sequences start here */
            e[0] = '\\', e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hx[cp >> 4],
            e[5] = hx[cp & 15];
            el = 6;
        }
        if (el) {
            if (o + el >= cap)
                break;
            memcpy(out + o, e, el);
        } else {
            if (o + len >= cap) /* never cut a character */
                break;
            memcpy(out + o, s + i, len);
            el = len;
        }
        o += el;
        i += len;
    }
    out[o] = '\0';
    return o;
}

/* Every string that enters a struct zl_error is escaped on the way in
 * (zl_text_escape), so a message built from one - on a terminal, in a
 * log, in a JSON problem document - can neither carry control sequences
 * nor be invalid UTF-8, and truncation never splits a character. */
static void copy_trunc(char *dst, size_t cap, const char *src, size_t len)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    zl_text_escape(dst, cap, src, len);
}

int zl_error_set(struct zl_error *err, int code, const char *path,
                 const char *rule, const char *value, size_t vlen)
{
    char tmp[256];

    if (!err)
        return code;
    err->code = code;
    /* the sources may be err's own fields (a caller re-setting a path) */
    copy_trunc(tmp, sizeof tmp, path, (size_t)-1);
    memcpy(err->path, tmp, sizeof err->path);
    copy_trunc(tmp, sizeof tmp, rule, (size_t)-1);
    memcpy(err->rule, tmp, sizeof err->rule);
    copy_trunc(tmp, sizeof tmp, value, vlen);
    memcpy(err->value, tmp, sizeof err->value);
    return code;
}

int zl_error_setf(struct zl_error *err, int code, const char *path,
                  const char *value, const char *fmt, ...)
{
    char rule[sizeof err->rule];
    va_list ap;

    if (!err)
        return code;
    zl_error_set(err, code, path, NULL, value, (size_t)-1);
    va_start(ap, fmt);
    vsnprintf(rule, sizeof rule, fmt, ap);
    va_end(ap);
    copy_trunc(err->rule, sizeof err->rule, rule, (size_t)-1);
    return code;
}

void zl_error_format(const struct zl_error *err, char *out, size_t cap)
{
    char raw[sizeof err->path + sizeof err->rule + sizeof err->value + 32];

    if (!cap)
        return;
    /* Escaped again: the fields of a struct zl_error filled by hand
     * rather than through zl_error_set are held to the same rule. */
    snprintf(raw, sizeof raw, "%s%s%s%s%s%s", err->path[0] ? err->path : "",
             err->path[0] ? ": " : "",
             err->rule[0] ? err->rule : zl_strerror(err->code),
             err->value[0] ? " (value: \"" : "", err->value,
             err->value[0] ? "\")" : "");
    zl_text_escape(out, cap, raw, (size_t)-1);
}
