/*
 * buf.h - growable byte buffer with a hard cap (curl's dynbuf shape). The
 * type and its functions are public (the library writes its outputs into
 * it), see zhiliang/buf.h.
 */
#ifndef ZL_BUF_H
#define ZL_BUF_H

#include "zhiliang/buf.h"

#include <stdint.h>

/* Append v as an unsigned LEB128 varint (7 bits a byte, low first; the
 * library's compact formats: events.ids, the trace index). 0, ZL_ENOMEM or
 * ZL_ELIMIT. Library-internal. */
int zl_buf_add_uvarint(struct zl_buf *b, uint64_t v);

/* Append v in decimal, the bytes printf's "%lld" writes, without a format
 * string to parse (a trace's JSON writes a few thousand integers). 0,
 * ZL_ENOMEM or ZL_ELIMIT. Library-internal. */
int zl_buf_add_int(struct zl_buf *b, long long v);

#endif
