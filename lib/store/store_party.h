/*
 * store_party.h - storage of parties, their GLNs, products and API tokens.
 *
 * Small reference tables (DESIGN.md: registries are reference tables in a
 * distributed deployment), so plain keyed rows: parties(id), party_gln(gln
 * -> party), products(gtin), tokens(id -> party, sha256 hex),
 * party_prefixes(prefix -> party), party_kinds(party -> kind, region). The
 * logic (validation, hashing, JSON import, location checks) lives in
 * lib/party/party.c; this layer only moves rows.
 */
#ifndef ZL_STORE_PARTY_H
#define ZL_STORE_PARTY_H

#include "zhiliang/party.h"

/* Insert (replace = 0: ZL_EEXIST if the ID exists) or replace a party and
 * its GLN, Company Prefix and kind rows. A GLN or prefix already held by
 * another party gives ZL_EEXIST. */
int zl_store_party_put(zl_store *s, const struct zl_party *p, int replace);
/* By ID, USCC or GLN. */
int zl_store_party_get(zl_store *s, const char *key, zl_party_cb cb, void *ctx);
int zl_store_party_list(zl_store *s, zl_party_cb cb, void *ctx);
/* Party holding gln: 0 with party_id filled, or ZL_ENOTFOUND. */
int zl_store_gln_owner(zl_store *s, const char *gln,
                       char party_id[ZL_PARTY_ID_MAX]);

/* Party holding the longest Company Prefix (4-12 digits) that starts
 * digits (a GS1 key): 0 with party_id and prefix (13 bytes) filled, or
 * ZL_ENOTFOUND. */
int zl_store_prefix_owner(zl_store *s, const char *digits,
                          char party_id[ZL_PARTY_ID_MAX], char prefix[13]);

/* Set the names of a GLN row: 0 or ZL_ENOTFOUND. */
int zl_store_location_name(zl_store *s, const char *gln, const char *name_zh,
                           const char *name_en);
int zl_store_location_get(zl_store *s, const char *gln, zl_location_cb cb,
                          void *ctx);

int zl_store_product_put(zl_store *s, const struct zl_product *p);
int zl_store_product_get(zl_store *s, const char *gtin14, zl_product_cb cb,
                         void *ctx);
int zl_store_product_list(zl_store *s, zl_product_cb cb, void *ctx);

int zl_store_token_put(zl_store *s, const char *id, const char *party_id,
                       const char *hash_hex, int64_t created_ms);
/* Revoke: 0 or ZL_ENOTFOUND. */
int zl_store_token_revoke(zl_store *s, const char *id, int64_t now_ms);
/* Token row by ID: fills party_id and hash_hex (65 bytes); *revoked_ms 0
 * if active. ZL_ENOTFOUND if no such token. */
int zl_store_token_get(zl_store *s, const char *id,
                       char party_id[ZL_PARTY_ID_MAX], char hash_hex[65],
                       int64_t *revoked_ms);
int zl_store_token_list(zl_store *s, const char *party_id, zl_token_cb cb,
                        void *ctx);

/* ---- registry records (lib/party/registry.c) ---- */

typedef int (*zl_store_registry_cb)(void *ctx, const char *key, long seq,
                                    const char *kind, const char *json,
                                    size_t len);
typedef int (*zl_store_registry_key_cb)(void *ctx, const char *key);
/* Store a record under key with the next seq (1 for a new key): *seq. */
int zl_store_registry_put(zl_store *s, const char *key, const char *kind,
                          const char *json, size_t len, long *seq);
/* Record (key, seq): *json (NUL-terminated, caller frees), or
 * ZL_ENOTFOUND. */
int zl_store_registry_get(zl_store *s, const char *key, long seq, char **json,
                          size_t *len);
/* Every record (last_only 0) or the last of each key (1), by key. */
int zl_store_registry_each(zl_store *s, int last_only, zl_store_registry_cb cb,
                           void *ctx);
/* Delete every row of parties, party_gln, party_prefixes, party_kinds and
 * products (reindex rewrites them from the records). */
int zl_store_registry_clear(zl_store *s);
/* Set a token row's party and times (never its hash): 0 or ZL_ENOTFOUND. */
int zl_store_token_restore(zl_store *s, const char *id, const char *party_id,
                           int64_t created_ms, int64_t revoked_ms);
/* GLN, prefix and kind rows of no party: cb(ctx, "<table>:<key>"). */
int zl_store_registry_orphans(zl_store *s, zl_store_registry_key_cb cb,
                              void *ctx);

#endif
