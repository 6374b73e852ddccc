/*
 * intake_int.h - what the intake files of lib/risk (intake.c, pii.c,
 * counts.c) share and nobody else sees.
 */
#ifndef ZL_RISK_INTAKE_INT_H
#define ZL_RISK_INTAKE_INT_H

#include <stddef.h>
#include <stdint.h>

#define PII_SALT_LEN  16
#define PII_NONCE_LEN 12
#define PII_TAG_LEN   16

/* Encrypt canon[0..len) for report id under key (AES-256-GCM, id as
 * associated data, a fresh random nonce and salt): blob receives len +
 * PII_TAG_LEN bytes (ciphertext then tag), commit the salted commitment
 * SHA-256(salt || canon). Returns 0, ZL_ENOMEM or ZL_EVERIFY (the
 * library refused). */
int rk_pii_seal(const uint8_t key[32], const char *id, const char *canon,
                size_t len, uint8_t salt[PII_SALT_LEN],
                uint8_t nonce[PII_NONCE_LEN], uint8_t *blob,
                uint8_t commit[32]);

/* Seal canon again for report id under key with a fresh nonce (the salt,
 * and so the commitment, stay as they were): blob receives len +
 * PII_TAG_LEN bytes. 0, ZL_ELIMIT or ZL_EVERIFY. */
int rk_pii_reseal(const uint8_t key[32], const char *id, const char *canon,
                  size_t len, uint8_t nonce[PII_NONCE_LEN], uint8_t *blob);

/* Decrypt blob[0..blob_len) into out (blob_len - PII_TAG_LEN bytes):
 * 0, or ZL_EVERIFY when the key, id, nonce or bytes are not the ones
 * sealed. */
int rk_pii_open(const uint8_t key[32], const char *id, const uint8_t *nonce,
                size_t nonce_len, const uint8_t *blob, size_t blob_len,
                uint8_t *out);

/* SHA-256(salt || data) into out. 0 or ZL_ENOMEM. */
int rk_pii_commit(const uint8_t *salt, size_t salt_len, const void *data,
                  size_t len, uint8_t out[32]);

/* n random bytes: 0 or ZL_EVERIFY. */
int rk_random(uint8_t *out, size_t n);

/* verify: the canonical bytes (JCS, at most max) of the row ref =
 * "<id>/<seq>" of a step table, read through list
 * (zl_store_risk_step_list or zl_store_risk_dispo_list); a row that is not
 * JSON comes back as it is, for the leaf check to name. 0, ZL_ENOTFOUND,
 * store errors. */
struct zl_store;
struct zl_store_risk_step;
typedef int (*rk_step_list_fn)(struct zl_store *s, const char *id,
                               int (*cb)(void *ctx,
                                         const struct zl_store_risk_step *st),
                               void *ctx);
int rk_step_canon(struct zl_store *s, const char *ref, rk_step_list_fn list,
                  size_t max, char **canon, size_t *len);

/* verify (dispose.c, rekey.c): the canonical record "risk-dispo:<ref>"
 * and "risk-key:<key id>" rebuilt from its row; 0, ZL_ENOTFOUND, store
 * errors. */
int rk_dispo_canon(struct zl_store *s, const char *ref, char **canon,
                   size_t *len);
int rk_key_canon(struct zl_store *s, const char *key_id, char **canon,
                 size_t *len);
/* The (key, leaf) of every risk_dispo row and logged key retirement into
 * rows (a struct zl_logged_rows). */
int rk_dispo_keys(struct zl_store *s, void *rows);
/* Schema 18 -> 19: log a retirement record for each key retired before
 * retirements were logged. 0 or a store error. */
int zl_risk_keys_migrate(struct zl_store *s);

#endif
