/*
 * buf.c - growable byte buffer with a hard cap.
 *
 * Doubling growth keeps appends amortised O(1); the cap check comes before
 * any allocation so a refused append changes nothing.
 */
#include "util/buf.h"

#include "util/alloc.h"
#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

void zl_buf_init(struct zl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void zl_buf_cleanup(struct zl_buf *b)
{
    if (!b)
        return;
    zl_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void zl_buf_reset(struct zl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int ensure(struct zl_buf *b, size_t extra)
{
    size_t need, ncap;
    char *p;

    if (extra > b->max || b->len > b->max - extra)
        return ZL_ELIMIT;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    p = zl_realloc(b->data, ncap);
    if (!p)
        return ZL_ENOMEM;
    b->data = p;
    b->cap = ncap;
    return 0;
}

int zl_buf_add(struct zl_buf *b, const void *p, size_t n)
{
    int rc = ensure(b, n);

    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int zl_buf_adds(struct zl_buf *b, const char *s)
{
    return zl_buf_add(b, s, strlen(s));
}

int zl_buf_addc(struct zl_buf *b, char c)
{
    return zl_buf_add(b, &c, 1);
}

int zl_buf_vprintf(struct zl_buf *b, const char *fmt, va_list ap)
{
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    va_list ap2;
    int n, rc;

    /* Formatted once when it fits the room already allocated (cap is at
     * most max + 1, so what fits is within the cap), else measured by
     * that first call and written again after growing. */
    va_copy(ap2, ap);
    n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (room)
        b->data[b->len + (n >= 0 && (size_t)n < room ? (size_t)n : 0)] = '\0';
    if (n < 0)
        return ZL_EINVAL;
    if ((size_t)n < room) {
        b->len += (size_t)n;
        return 0;
    }
    rc = ensure(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int zl_buf_printf(struct zl_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = zl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *zl_buf_steal(struct zl_buf *b)
{
    char *p = b->data;

    if (!p)
        p = zl_strndup("", 0);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

int zl_buf_add_int(struct zl_buf *b, long long v)
{
    char t[24], *p = t + sizeof t;
    unsigned long long u =
        v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return zl_buf_add(b, p, (size_t)(t + sizeof t - p));
}

int zl_buf_add_uvarint(struct zl_buf *b, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;

    do {
        t[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return zl_buf_add(b, t, n);
}
