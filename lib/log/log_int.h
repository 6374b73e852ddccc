/*
 * log_int.h - private parts of lib/log shared by checkpoint.c and
 * logstore.c (signing needs the private key, which only the store holds).
 */
#ifndef ZL_LOG_INT_H
#define ZL_LOG_INT_H

#include <stddef.h>
#include <stdint.h>

/* C2SP signed-note key ID: SHA-256(name || 0x0A || 0x01 || pub)[0..4). */
int zl_note_keyid(const char *name, const uint8_t pub[32], uint8_t id[4]);

/* "<name>+<8 hex>+<base64(0x01 || pub)>". *out is new (zl_free). */
int zl_note_vkey_format(const char *name, const uint8_t pub[32], char **out);

/* Ed25519 public key of a raw 32-byte private key (seed). */
int zl_ed25519_public(const uint8_t priv[32], uint8_t pub[32]);
/* Ed25519 signature (RFC 8032, pure) of msg by the raw private key. */
int zl_ed25519_sign(const uint8_t priv[32], const void *msg, size_t len,
                    uint8_t sig[64]);
/* 0 if sig verifies, ZL_EVERIFY if not. */
int zl_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
                      const uint8_t sig[64]);

/* Sign a note: text (non-empty lines each ending in '\n') + "\n— <name>
 * <base64(keyid || sig)>\n". *note is new. */
int zl_note_sign(const char *text, size_t len, const char *name,
                 const uint8_t priv[32], char **note);
/* Verify that note carries a valid signature by vkey; *textlen gets the
 * signed text's length. 0, ZL_ESYNTAX, ZL_EVERIFY (err filled). */
struct zl_error;
int zl_note_verify(const char *note, size_t len, const char *vkey,
                   size_t *textlen, struct zl_error *err);

/* Build and sign a checkpoint note: "<origin>\n<size>\n<b64 root>\n\n—
 * <origin> <b64(keyid || sig)>\n". The key name is the origin. *note new. */
int zl_checkpoint_sign(const char *origin, uint64_t size,
                       const uint8_t root[32], const uint8_t priv[32],
                       char **note);

/* A valid key name / origin: non-empty, printable ASCII or UTF-8, no
 * whitespace, no '+', at most 255 bytes. */
int zl_note_name_ok(const char *name, size_t len);

#endif
