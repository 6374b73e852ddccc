/*
 * zhiliang/codec.h - hex and base64 (standard alphabet, padded) encodings.
 *
 * Used for hashes in IDs, checkpoints (base64 roots) and keys. Decoders are
 * strict: wrong length, bad characters or bad padding return ZL_ESYNTAX.
 */
#ifndef ZL_PUBLIC_CODEC_H
#define ZL_PUBLIC_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void zl_hex_encode(const uint8_t *p, size_t n, char *out);
/* Decode exactly 2*n hex chars (either case) into out[n]. */
int zl_hex_decode(const char *s, size_t len, uint8_t *out, size_t n);

/* Base64 of n bytes into out (4*ceil(n/3)+1 bytes). Returns chars written. */
size_t zl_base64_encode(const uint8_t *p, size_t n, char *out);
/* Decode; *outlen gets the byte count; out must hold 3*len/4 bytes. */
int zl_base64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen);

#endif
