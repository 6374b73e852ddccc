/*
 * zhiliang/buf.h - a growable byte buffer with a hard cap, the type the
 * library writes its text outputs into (trace pictures, recall reports,
 * CSV) and that clients may use for their own output (curl's dynbuf shape).
 *
 * Ownership. The caller owns the struct (usually on its stack) and, after
 * zl_buf_init, the memory it points to: release it with zl_buf_cleanup, or
 * take it with zl_buf_steal (then free it with zl_free). A library function
 * that writes into a buffer only appends; on failure it may leave a partial
 * append, the buffer stays valid and must still be cleaned up.
 *
 * Caps. Every buffer has a maximum length chosen at init; an append that
 * would pass it fails with ZL_ELIMIT and leaves the buffer as it was, so a
 * hostile input can cost at most `max` bytes. The content is always
 * NUL-terminated once something was appended (the NUL is not counted in
 * len). `data` is NULL until the first append.
 *
 * Threads: a buffer is used by one thread at a time.
 */
#ifndef ZL_PUBLIC_BUF_H
#define ZL_PUBLIC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zl_buf {
    char *data; /* NULL until the first append */
    size_t len; /* bytes used, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard cap on len */
};

/* Start empty with the given cap. Allocates nothing, cannot fail. */
void zl_buf_init(struct zl_buf *b, size_t max);
/* Free the content; b may then be reused after zl_buf_init. NULL-safe. */
void zl_buf_cleanup(struct zl_buf *b);
/* Drop the content, keep the allocation. */
void zl_buf_reset(struct zl_buf *b);
/* Append. Return 0, ZL_ELIMIT past max (nothing appended), ZL_ENOMEM. */
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
/* Append s as a JSON string literal: in double quotes, '"' and '\\'
 * backslashed, bytes below 0x20 as \u00XX (lower-case hex), every other
 * byte as it is (s must already be UTF-8; nothing is checked). s must not
 * be NULL. Returns 0, ZL_ELIMIT or ZL_ENOMEM (a partial append may stay). */
int zl_buf_add_json_string(struct zl_buf *b, const char *s);

/* Append s[0..n) (n = (size_t)-1: up to the NUL) as XML or HTML text:
 * & < > " become &amp; &lt; &gt; &quot;, and ' becomes &#39; when apos
 * is non-zero (needed in single-quoted attributes). Other bytes are
 * copied. s NULL appends nothing. Returns 0, ZL_ELIMIT or ZL_ENOMEM (a
 * partial append may stay). */
int zl_buf_add_xml(struct zl_buf *b, const char *s, size_t n, int apos);

/* Take the content: the result is new (free with zl_free) and b is left
 * empty, ready for appends under the same cap. Returns an allocated ""
 * if the buffer was empty, NULL on out of memory (b unchanged). */
char *zl_buf_steal(struct zl_buf *b);

#ifdef __cplusplus
}
#endif
#endif
