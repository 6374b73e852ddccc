/*
 * ident_code.h - an identifier as SQLite's dictionary of identifiers
 * (idents.code, schema 26) stores it: the GS1 Digital Link and EPC URN
 * forms as a short BLOB, anything else as its TEXT (the format is
 * described in ident_code.c).
 */
#ifndef ZL_STORE_IDENT_CODE_H
#define ZL_STORE_IDENT_CODE_H

#include "util/buf.h"

#include <stddef.h>

/* The code of id[0..len) into out (room for len bytes: a code is never
 * longer than its text): returns its length when the code is a BLOB, 0
 * when the identifier is stored as its own TEXT (out untouched). Every
 * identifier has exactly one code, and zl_ident_decode gives its text
 * back. */
size_t zl_ident_encode(const char *id, size_t len, unsigned char *out);

/* Append the text of the BLOB code[0..n) to out (a code of no known form
 * reads as its bytes, as the SQL in zl_ident_decode_sql does). 0,
 * ZL_ENOMEM or ZL_ELIMIT. */
int zl_ident_decode(const void *code, size_t n, struct zl_buf *out);

/* Append to out an SQL expression giving the text of the identifier
 * whose code is in column col (plain SQL: the sqlite3 shell reads it). */
int zl_ident_decode_sql(const char *col, struct zl_buf *out);

/* Called for each range of codes: [lo, hi) compared as BLOBs when blob,
 * as TEXT when not; hi NULL: up to the first BLOB (TEXT sorts below every
 * BLOB in SQLite). Non-zero stops the walk and is returned. */
typedef int (*zl_ident_range_cb)(void *ctx, int blob, const void *lo,
                                 size_t lo_len, const void *hi, size_t hi_len);

/* The ranges of codes whose identifiers start with prefix p[0..n): one
 * of TEXT codes and at most one a BLOB form (none where no identifier of
 * that form can start with p). Together they select exactly the
 * identifiers with the prefix. 0, cb's value, or ZL_ENOMEM. */
int zl_ident_prefix_ranges(const char *p, size_t n, zl_ident_range_cb cb,
                           void *ctx);

#endif
