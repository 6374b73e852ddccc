/*
 * store_risk.h - storage of risk reports (zhiliang/risk_intake.h):
 * consumer complaints, injury reports, mandatory incident reports, and the
 * personal data of their reporters, kept apart.
 *
 * Two tables. risk_reports(id, kind, received_ms, leaf, day, gtin, lot,
 * enterprise, category, region, json): the public record as RFC 8785 JSON,
 * logged as a ZL_LEAF_COMPLAINT leaf whose index is kept in `leaf`; the
 * typed columns are copies of the record's fields that signals count by.
 * risk_pii(id, salt, nonce, blob): the reporter's personal data, AES-256-GCM
 * ciphertext with its tag (blob), its nonce, and the salt of the
 * commitment the record carries. Nothing in risk_pii is logged or
 * published; lib/risk/pii.c owns every byte of it. lib/risk decides
 * everything; this layer only moves rows. Strings and bytes handed to
 * callbacks are borrowed for the call.
 *
 * Rejected: personal data in the record (the log would keep it forever,
 * and the record is what verify and the public side read); a column per
 * personal field (each would be one more place for plaintext to leak).
 */
#ifndef ZL_STORE_RISK_H
#define ZL_STORE_RISK_H

#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

struct zl_store_risk_report {
    const char *id;      /* "C-...", "I-...", "M-..." */
    const char *kind;    /* "complaint", "injury", "incident" */
    int64_t received_ms; /* when the report was accepted */
    int64_t leaf;        /* its leaf index in the log */
    const char *day;     /* "YYYY-MM-DD" the event occurred */
    const char *gtin, *lot, *enterprise, *category, *region; /* "" if none */
    const char *json; /* canonical JSON, len bytes */
    size_t len;
};
typedef int (*zl_store_risk_cb)(void *ctx,
                                const struct zl_store_risk_report *r);

struct zl_store_risk_pii {
    const char *id;
    const uint8_t *salt;
    size_t salt_len;
    const uint8_t *nonce;
    size_t nonce_len;
    const uint8_t *blob; /* ciphertext || 16-byte tag */
    size_t blob_len;
    const char *key_id; /* the sealing key's id; "" before schema 14 */
};
typedef int (*zl_store_risk_pii_cb)(void *ctx,
                                    const struct zl_store_risk_pii *p);

/* Insert a report, and its personal data when pii is not NULL, inside the
 * caller's transaction: 0, ZL_EEXIST when the id exists, or a store
 * error. */
int zl_store_risk_put(zl_store *s, const struct zl_store_risk_report *r,
                      const struct zl_store_risk_pii *pii);
/* The report id into cb: 0, ZL_ENOTFOUND, cb's value or a store error. */
int zl_store_risk_get(zl_store *s, const char *id, zl_store_risk_cb cb,
                      void *ctx);
/* Every report of kind (NULL: all kinds), by received_ms then id. cb must
 * not use the store (rows may be streaming). 0, cb's value or an error. */
int zl_store_risk_list(zl_store *s, const char *kind, zl_store_risk_cb cb,
                       void *ctx);
/* The personal data of report id: 0, ZL_ENOTFOUND (none was given), cb's
 * value or a store error. */
int zl_store_risk_pii_get(zl_store *s, const char *id, zl_store_risk_pii_cb cb,
                          void *ctx);

/* ---- complaint handling steps and personal-data keys (schema 14) ------
 *
 * risk_steps(report_id, seq, at_ms, leaf, action, actor, json): one row
 * per handling step of a report (review, routing, answer, closing), the
 * record logged as a ZL_LEAF_COMPLAINT leaf "risk-step:<id>/<seq>".
 * risk_keys(key_id, created_ms, retired_ms): the operator keys personal
 * data has been sealed under; retired_ms 0 while in use. risk_pii gains
 * key_id, the id of the key each row is sealed under. */
struct zl_store_risk_step {
    const char *report_id;
    int64_t seq; /* 1, 2, ... per report */
    int64_t at_ms;
    int64_t leaf;
    const char *action, *actor;
    const char *json;
    size_t len;
};
typedef int (*zl_store_risk_step_cb)(void *ctx,
                                     const struct zl_store_risk_step *st);

/* Insert a step in the caller's transaction: 0, ZL_EEXIST (report_id,
 * seq taken) or a store error. */
int zl_store_risk_step_put(zl_store *s, const struct zl_store_risk_step *st);
/* The steps of report_id (NULL: every report's), by report_id then seq.
 * cb must not use the store. 0, cb's value or an error. */
int zl_store_risk_step_list(zl_store *s, const char *report_id,
                            zl_store_risk_step_cb cb, void *ctx);
/* Every personal-data row, by id. cb must not use the store. */
int zl_store_risk_pii_list(zl_store *s, zl_store_risk_pii_cb cb, void *ctx);
/* Replace row p->id's nonce, blob and key_id (salt kept): 0,
 * ZL_ENOTFOUND or a store error. */
int zl_store_risk_pii_update(zl_store *s, const struct zl_store_risk_pii *p);
/* Key key_id: 0 and *retired_ms (0 in use), ZL_ENOTFOUND, or an error. */
int zl_store_risk_key_get(zl_store *s, const char *key_id, int64_t *retired_ms);
/* Record key_id (created now_ms if new) and set its retired_ms and the
 * leaf of its retirement record (-1: not logged, a key in use). */
int zl_store_risk_key_put(zl_store *s, const char *key_id, int64_t now_ms,
                          int64_t retired_ms, int64_t leaf);

/* ---- risk cases and their disposal; logged key retirements (schema 19)
 *
 * risk_dispo(case_id, seq, at_ms, leaf, action, actor, json): one row per
 * record of a risk case (opening, each disposal action, its answer and
 * closing, the case's closing), the same shape as risk_steps (report_id
 * holds the case id), logged as a ZL_LEAF_COMPLAINT leaf
 * "risk-dispo:<case>/<seq>". risk_keys gains leaf: the index of the
 * "risk-key:<key_id>" leaf that logged its retirement, -1 before. */
struct zl_store_risk_key {
    const char *key_id;
    int64_t created_ms, retired_ms, leaf;
};
typedef int (*zl_store_risk_key_cb)(void *ctx,
                                    const struct zl_store_risk_key *k);

/* Insert a record of case st->report_id in the caller's transaction: 0,
 * ZL_EEXIST (case, seq taken) or a store error. */
int zl_store_risk_dispo_put(zl_store *s, const struct zl_store_risk_step *st);
/* The records of case_id (NULL: every case's), by case id then seq. cb
 * must not use the store. 0, cb's value or an error. */
int zl_store_risk_dispo_list(zl_store *s, const char *case_id,
                             zl_store_risk_step_cb cb, void *ctx);
/* Every key row, by key_id. cb must not use the store. */
int zl_store_risk_key_list(zl_store *s, zl_store_risk_key_cb cb, void *ctx);

#endif
