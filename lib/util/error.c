/*
 * error.c - error names and struct zl_error helpers.
 *
 * Kept tiny on purpose: every module reports through these three functions
 * so messages look the same everywhere ("where: why (value: what)").
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
    default: break;
    }
    if (code < 0 && code > ZL_EFIRST)
        return strerror(-code);
    return "unknown error";
}

static void copy_trunc(char *dst, size_t cap, const char *src, size_t len)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    if (len == (size_t)-1)
        len = strlen(src);
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

int zl_error_set(struct zl_error *err, int code, const char *path,
                 const char *rule, const char *value, size_t vlen)
{
    if (!err)
        return code;
    err->code = code;
    copy_trunc(err->path, sizeof err->path, path, (size_t)-1);
    copy_trunc(err->rule, sizeof err->rule, rule, (size_t)-1);
    copy_trunc(err->value, sizeof err->value, value, vlen);
    return code;
}

int zl_error_setf(struct zl_error *err, int code, const char *path,
                  const char *value, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    zl_error_set(err, code, path, NULL, value, (size_t)-1);
    va_start(ap, fmt);
    vsnprintf(err->rule, sizeof err->rule, fmt, ap);
    va_end(ap);
    return code;
}

void zl_error_format(const struct zl_error *err, char *out, size_t cap)
{
    if (!cap)
        return;
    snprintf(out, cap, "%s%s%s%s%s%s", err->path[0] ? err->path : "",
             err->path[0] ? ": " : "",
             err->rule[0] ? err->rule : zl_strerror(err->code),
             err->value[0] ? " (value: \"" : "", err->value,
             err->value[0] ? "\")" : "");
}
