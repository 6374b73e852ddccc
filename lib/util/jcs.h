/*
 * jcs.h - RFC 8785 JSON Canonicalization Scheme (JCS) for jansson values.
 *
 * The canonical form is what a record's log leaf is computed over, so it
 * must be a function of the JSON value alone and never of a library's
 * printer settings: object members sorted by the UTF-16 code units of
 * their names, no whitespace, strings with only the escapes RFC 8785
 * 3.2.2.2 requires, numbers as ECMAScript's Number.prototype.toString
 * prints the IEEE-754 double (3.2.2.3: shortest round-trip digits).
 *
 * zl_json_legacy_dump is the other, frozen form: what jansson 2.14
 * printed with JSON_SORT_KEYS | JSON_COMPACT, which is how recall records
 * were canonicalised before JCS. It exists only so those stored records
 * stay verifiable whatever a later jansson prints.
 */
#ifndef ZL_JCS_H
#define ZL_JCS_H

#include <jansson.h>
#include <stddef.h>

struct zl_buf;

/* Room for any number zl_jcs_number writes, NUL included
 * ("-1.7976931348623157e+308" is 24 characters). */
#define ZL_JCS_NUM_MAX 32

/* Append the RFC 8785 form of v to out. Integers are read as the double
 * they denote, as JCS does; one whose magnitude is above 2^53 is refused
 * (it would not survive the trip through a double). Returns 0, ZL_EINVAL
 * (NaN, an infinity, such an integer, invalid UTF-8 in a string or a
 * name), ZL_ELIMIT past out's cap, ZL_ENOMEM. out may hold a partial
 * form after a failure. */
int zl_jcs_dump(const json_t *v, struct zl_buf *out);

/* The RFC 8785 form of v as a new string (zl_free) in *out and *len, at
 * most cap bytes. Returns 0 or as zl_jcs_dump (nothing in *out then). */
int zl_jcs_dump_new(const json_t *v, size_t cap, char **out, size_t *len);

/* d as ECMAScript Number::toString prints it ("1e+21", "5e-7", "0" for
 * -0). Returns the length written to out (NUL-terminated), or ZL_EINVAL
 * for NaN and the infinities (which JSON cannot carry). */
int zl_jcs_number(double d, char out[ZL_JCS_NUM_MAX]);

/* Append v as jansson 2.14 dumped it with JSON_SORT_KEYS | JSON_COMPACT
 * (names in byte order, reals "%.17g" with ".0" added to integral ones
 * and the exponent's '+' and leading zeros dropped, control characters
 * as "\u00XX" with upper-case hex). Frozen: for verifying records made
 * before JCS. Returns 0, ZL_EINVAL, ZL_ELIMIT, ZL_ENOMEM. */
int zl_json_legacy_dump(const json_t *v, struct zl_buf *out);

#endif
