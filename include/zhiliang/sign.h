/*
 * zhiliang/sign.h - detached Ed25519 signatures by parties over the
 * documents they submit.
 *
 * A party registers its public key (`zhiliang party add --pubkey`), signs
 * each EPCIS document it sends (`zhiliang key sign`), and capture checks
 * the signature against the registered key before storing anything; a bad
 * signature refuses the document. Signed documents are kept byte for byte
 * with their signature, so anyone can later show that an event came from
 * that party (zl_signature_for_event) without trusting the operator.
 *
 * Keys and signatures travel as standard base64: a private key is the
 * 32-byte RFC 8032 seed, a public key 32 bytes, a signature 64 bytes.
 */
#ifndef ZL_SIGN_H
#define ZL_SIGN_H

#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZL_SIGN_KEY_B64 48 /* 32 bytes -> 44 chars + NUL, rounded */
#define ZL_SIGN_SIG_B64 92 /* 64 bytes -> 88 chars + NUL, rounded */

/* A new key pair. Returns 0 or ZL_EVERIFY if the crypto library fails. */
int zl_sign_keygen(char priv_b64[ZL_SIGN_KEY_B64],
                   char pub_b64[ZL_SIGN_KEY_B64]);

/* Public key of a private key. */
int zl_sign_public(const char *priv_b64, char pub_b64[ZL_SIGN_KEY_B64]);

/* Sign data[0..len) with the private key. */
int zl_sign(const char *priv_b64, const void *data, size_t len,
            char sig_b64[ZL_SIGN_SIG_B64]);

/* 0 if sig is a valid signature of data by pub; ZL_EVERIFY if not;
 * ZL_ESYNTAX if a key or signature is not valid base64 of the right size. */
int zl_sign_verify(const char *pub_b64, const void *data, size_t len,
                   const char *sig_b64);

/* Check a document's signature against the registered key of party
 * (USCC, party id or GLN). ZL_ENOTFOUND: no such party; ZL_EPERM: the
 * party has no key; ZL_EVERIFY: the signature does not verify. err says
 * which. */
int zl_signature_check_party(zl_store *s, const char *party, const void *doc,
                             size_t len, const char *sig_b64,
                             struct zl_error *err);

/* The signed document an event came in: cb gets the party, the signature
 * and the document bytes (borrowed for the call). ZL_ENOTFOUND if the
 * event was captured unsigned. */
typedef int (*zl_signed_doc_cb)(void *ctx, const char *party,
                                const char *sig_b64, const char *doc,
                                size_t len);
int zl_signature_for_event(zl_store *s, const uint8_t event_hash[32],
                           zl_signed_doc_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
