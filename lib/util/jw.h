/*
 * jw.h - a JSON writer that appends straight to a zl_buf, laid out
 * exactly as jansson's json_dump lays out a tree with JSON_INDENT(n)
 * (library-internal).
 *
 * For outputs too large to build as a jansson tree first: a recall
 * scope's 100,000 nodes cost a tree of a million allocations, most of
 * `recall scope --json`'s time. The bytes are the ones jansson would
 * dump, so a reader (or a test) cannot tell which made them; the writer
 * does not sort keys: the caller writes them in the order it wants
 * printed (in byte order, to match JSON_SORT_KEYS). zl_jw_json writes a
 * jansson value in place, for the small parts that are trees anyway.
 *
 * Errors are sticky (curl's dynbuf shape): the first failed append is
 * kept, every later call does nothing, and zl_jw_done returns it. So a
 * writer is called without a check on every line.
 *
 *   struct zl_jw w;
 *   zl_jw_init(&w, out, JSON_INDENT(2));
 *   zl_jw_open(&w, '{');
 *   zl_jw_key(&w, "id");  zl_jw_str(&w, id);
 *   zl_jw_key(&w, "n");   zl_jw_int(&w, n);
 *   zl_jw_close(&w);
 *   rc = zl_jw_done(&w);
 */
#ifndef ZL_JW_H
#define ZL_JW_H

#include "util/buf.h"

#include <jansson.h>
#include <stddef.h>

#define ZL_JW_MAX_DEPTH 32

struct zl_jw {
    struct zl_buf *b;
    size_t flags; /* jansson's dump flags: JSON_INDENT, _COMPACT, _REAL_... */
    int indent;   /* spaces a level, JSON_INDENT's n */
    int depth;    /* containers open */
    int rc;       /* the first error, 0 while none */
    char close[ZL_JW_MAX_DEPTH]; /* '}' or ']' of each open container */
    unsigned char members[ZL_JW_MAX_DEPTH]; /* 1 once it has a member */
    unsigned char after_key; /* a key was written, its value is next */
};

/* Start writing to b, laid out as json_dump lays out with flags: their
 * JSON_INDENT(n), JSON_COMPACT and JSON_REAL_PRECISION(p); the others are
 * for zl_jw_json only. */
void zl_jw_init(struct zl_jw *w, struct zl_buf *b, size_t flags);
/* Open an object ('{') or array ('['), as a value. Deeper than
 * ZL_JW_MAX_DEPTH is ZL_ELIMIT. */
void zl_jw_open(struct zl_jw *w, char brace);
/* Close the innermost open container. */
void zl_jw_close(struct zl_jw *w);
/* An object member's key; its value is the next value written. */
void zl_jw_key(struct zl_jw *w, const char *k);
/* Values. zl_jw_str: s as jansson escapes it (s UTF-8, not NULL).
 * zl_jw_real: as jansson prints a real with the writer's precision; v
 * must be finite. zl_jw_json: v dumped with the writer's flags and
 * extra's (JSON_SORT_KEYS, say), laid out at the writer's depth; v NULL
 * (a tree that could not be built) is ZL_ENOMEM. */
void zl_jw_str(struct zl_jw *w, const char *s);
void zl_jw_int(struct zl_jw *w, long long v);
void zl_jw_real(struct zl_jw *w, double v);
void zl_jw_bool(struct zl_jw *w, int v);
void zl_jw_null(struct zl_jw *w);
void zl_jw_json(struct zl_jw *w, const json_t *v, size_t extra);
/* The first error (ZL_ENOMEM, ZL_ELIMIT, ZL_EINVAL for a misuse such as
 * a close with nothing open), or 0 when every call succeeded and every
 * container was closed. */
int zl_jw_done(const struct zl_jw *w);

#endif
