/*
 * buf.h - growable byte buffer with a hard cap (curl's dynbuf shape).
 *
 * Every buffer that grows from input is created with a maximum size; an
 * append that would pass it fails with ZL_ELIMIT and leaves the buffer as
 * it was, so a hostile input can cost at most `max` bytes. The content is
 * always NUL-terminated for convenience (the NUL is not counted in len).
 */
#ifndef ZL_BUF_H
#define ZL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct zl_buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, excluding the terminating NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* hard cap on len */
};

/* Start empty with the given cap. Allocates nothing. */
void zl_buf_init(struct zl_buf *b, size_t max);
/* Free the content; b may then be reused after zl_buf_init. NULL-safe. */
void zl_buf_cleanup(struct zl_buf *b);
/* Drop the content, keep the allocation. */
void zl_buf_reset(struct zl_buf *b);
/* Append; 0, ZL_ELIMIT past max, ZL_ENOMEM. */
int zl_buf_add(struct zl_buf *b, const void *p, size_t n);
int zl_buf_adds(struct zl_buf *b, const char *s);
int zl_buf_addc(struct zl_buf *b, char c);
int zl_buf_printf(struct zl_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int zl_buf_vprintf(struct zl_buf *b, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* Take ownership of the content (caller frees with zl_free); b is left
 * empty. Returns "" allocated if the buffer was empty, NULL on OOM. */
char *zl_buf_steal(struct zl_buf *b);

#endif
