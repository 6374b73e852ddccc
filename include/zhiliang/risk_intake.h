/*
 * zhiliang/risk_intake.h - risk reports (issue 14): consumer complaints,
 * product injury reports from sentinel hospitals and mandatory incident
 * reports from enterprises; their reporters' personal data, kept apart
 * and encrypted; and the counts that signals are computed over.
 *
 * A report is submitted as JSON (docs/risk-intake.md lists the fields;
 * unknown fields are errors). It is checked field by field: every error
 * goes to the caller's callback with the field, the value and why, and a
 * report with any error stores nothing. An accepted report becomes a
 * public record (RFC 8785 JSON without personal data), logged as a
 * ZL_LEAF_COMPLAINT leaf and stored in risk_reports; a GS1 code in any
 * form zl_gs1_parse accepts is stored as its canonical Digital Link, with
 * its GTIN, lot and serial, so lots, traces and recalls can be looked up.
 *
 * Personal data (name, phone, ID number, address) is never in the record:
 * it is encrypted with AES-256-GCM under the operator's 32-byte key (the
 * report id as associated data) and stored in its own table; the record
 * carries a salted commitment, SHA-256(salt || canonical personal JSON),
 * with the 16-byte salt stored beside the ciphertext. Without a key a
 * report with personal data is refused (ZL_EINVAL naming "personal").
 *
 * Mandatory incident reports carry their legal deadline, computed with
 * the supervision module's clocks (zhiliang/clocks.h) from a rule that is
 * configuration (zl_risk_incident_rule_default gives the cited default);
 * a report made after it is flagged "late".
 *
 * Thread safety: as the store handle. Errors: ZL_EINVAL (fields), store
 * errors, ZL_ENOMEM, ZL_EVERIFY (a key that does not open the data, or
 * data that does not match its commitment).
 */
#ifndef ZL_RISK_INTAKE_H
#define ZL_RISK_INTAKE_H

#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/error.h"
#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_risk_kind {
    ZL_RISK_COMPLAINT = 0, /* a consumer's complaint (anonymous allowed) */
    ZL_RISK_INJURY,        /* a sentinel hospital's injury report */
    ZL_RISK_INCIDENT       /* an enterprise's mandatory incident report */
};

/* "complaint", "injury", "incident"; parse returns 0 or ZL_EINVAL. */
const char *zl_risk_kind_name(enum zl_risk_kind k);
int zl_risk_kind_parse(const char *s, enum zl_risk_kind *k);

#define ZL_RISK_KEY_LEN 32
#define ZL_RISK_ID_MAX  40

/* Read an operator key: 64 hexadecimal digits (surrounding white space
 * ignored) in text[0..len). Returns 0 or ZL_EINVAL. */
int zl_risk_key_parse(const char *text, size_t len,
                      uint8_t key[ZL_RISK_KEY_LEN]);

/* One field error: borrowed strings, valid during the callback. */
struct zl_risk_field_error {
    const char *field; /* "injury.cause", "gs1", "personal.phone" */
    const char *value; /* the value as given (escaped, truncated) */
    const char *why;
};
typedef int (*zl_risk_error_cb)(void *ctx, const struct zl_risk_field_error *e);

struct zl_risk_intake_opts {
    const uint8_t *key;     /* ZL_RISK_KEY_LEN bytes, or NULL */
    const char *submitter;  /* party ID, or NULL (anonymous) */
    int64_t now_ms;         /* 0: the clock */
    const zl_calendar *cal; /* NULL: the embedded calendar */
    /* The incident deadline rule; NULL: the default. */
    const struct zl_clock_rule *incident_rule;
};

/* Check and store one report of kind k from json[0..len). On success 0
 * and id (ZL_RISK_ID_MAX bytes) receives its id. Field errors go to cb
 * (may be NULL) and return ZL_EINVAL with err naming the first; nothing
 * is stored. Writes in the caller's transaction or its own. */
int zl_risk_submit(zl_store *s, enum zl_risk_kind k, const char *json,
                   size_t len, const struct zl_risk_intake_opts *o,
                   char id[ZL_RISK_ID_MAX], zl_risk_error_cb cb, void *ctx,
                   struct zl_error *err);

/* The checks of zl_risk_submit alone: 0 when the report would be
 * accepted, else ZL_EINVAL with every error to cb; touches no store. */
int zl_risk_check(enum zl_risk_kind k, const char *json, size_t len,
                  const struct zl_risk_intake_opts *o, zl_risk_error_cb cb,
                  void *ctx, struct zl_error *err);

/* The public record of report id: *json new (zl_free). 0, ZL_ENOTFOUND. */
int zl_risk_report_get(zl_store *s, const char *id, char **json, size_t *len);

/* Every record of kind (k < 0: all), oldest first. Strings borrowed for
 * the call; a non-zero return stops and is returned. */
struct zl_risk_report_row {
    const char *id, *kind, *day, *gtin, *lot, *enterprise, *category, *region;
    int64_t received_ms, leaf;
    const char *json; /* the public record */
    size_t len;
};
typedef int (*zl_risk_report_cb)(void *ctx, const struct zl_risk_report_row *r);
int zl_risk_report_list(zl_store *s, int k, zl_risk_report_cb cb, void *ctx);

/* The personal data of report id, decrypted with key and checked against
 * the record's commitment: *json new (zl_free), canonical JSON. 0,
 * ZL_ENOTFOUND (no personal data), ZL_EVERIFY (wrong key, or data or
 * commitment edited). Callers decide who may see it (zl_risk_may_reveal). */
int zl_risk_pii_reveal(zl_store *s, const char *id, const uint8_t *key,
                       char **json, size_t *len);

/* 0 if party_id is a registered regulator (the role that may see personal
 * data), ZL_EPERM if registered otherwise, ZL_ENOTFOUND if unknown. */
int zl_risk_may_reveal(zl_store *s, const char *party_id);

/* The injury card's code list `name` ("sex", "cause", "place", "activity",
 * "intent", "nature", "body_part", "severity", "outcome") as the CSV text
 * of data/injury/<name>.csv (static; *len its length), or NULL. */
const char *zl_risk_code_list(const char *name, size_t *len);

/* The default deadline of a mandatory incident report (the rule cited in
 * lib/risk/intake.c and docs/risk-intake.md). */
void zl_risk_incident_rule_default(struct zl_clock_rule *r);

/* For `zhiliang verify`: the canonical bytes of the record logged under
 * record_key ("risk:<id>"), recomputed from the stored row (*canon new),
 * and every stored record checked against the log (report is called for
 * a row without its leaf or with a different leaf index). */
int zl_risk_record_canon(zl_store *s, const char *record_key, char **canon,
                         size_t *len);
typedef int (*zl_risk_audit_fn)(void *ctx, const char *kind, uint64_t index,
                                const char *key, const char *detail);
int zl_risk_audit_rows(zl_store *s, zl_risk_audit_fn report, void *ctx);

/* ---- counts over stored reports ------------------------------------------ */

enum zl_risk_dim {
    ZL_RISK_BY_GTIN = 0,
    ZL_RISK_BY_LOT,
    ZL_RISK_BY_ENTERPRISE,
    ZL_RISK_BY_CATEGORY,
    ZL_RISK_BY_REGION
};
const char *zl_risk_dim_name(enum zl_risk_dim d); /* "gtin", "lot", ... */
int zl_risk_dim_parse(const char *s, enum zl_risk_dim *d);

/* One count series: the reports of one key per period, oldest first,
 * from the first period with a report of any key to the last (or to
 * until). Periods are days or ISO-like weeks (7 days from a Monday). */
struct zl_risk_series {
    char *key;  /* the GTIN, "GTIN/lot", USCC, category or region */
    double *y;  /* n counts */
    char **ids; /* the report ids counted in the last period */
    size_t n_ids;
    char **lots; /* distinct "GTIN/lot" of the key's reports */
    size_t n_lots;
    char **gtins; /* distinct GTINs (products) of the key's reports */
    size_t n_gtins;
};
struct zl_risk_series_set {
    struct zl_risk_series *s;
    size_t n;
    size_t n_periods;
    int32_t first_day; /* day number of period 0's first day */
    int period_days;   /* 1 or 7 */
};
void zl_risk_series_cleanup(struct zl_risk_series_set *set); /* zeroed ok */

/* Build the series of kind (k < 0: all kinds) by dim, periods of
 * period_days (1 or 7), up to day `until` (< 0: the last report's day).
 * Reports without a value for dim are left out. */
int zl_risk_series_build(zl_store *s, int k, enum zl_risk_dim dim,
                         int period_days, int32_t until,
                         struct zl_risk_series_set *out, struct zl_error *err);

/* Clusters: at least min_count complaints on one lot received within
 * window_ms of each other (the first report of each cluster found, in
 * received order). cb gets the lot ("GTIN/lot"), the count, the window's
 * first and last times and the ids (borrowed). */
struct zl_risk_cluster {
    const char *lot;
    size_t count;
    int64_t first_ms, last_ms;
    const char *const *ids;
};
typedef int (*zl_risk_cluster_cb)(void *ctx, const struct zl_risk_cluster *c);
int zl_risk_clusters(zl_store *s, int64_t window_ms, size_t min_count,
                     zl_risk_cluster_cb cb, void *ctx);

/* Published complaint statistics (消费投诉信息公示): counts of complaints
 * by category, region and month ("YYYY-MM"), no free text and no
 * personal data. cb once per (dimension, value, count), dimension
 * "category", "region" or "month", in that order, values ascending. */
typedef int (*zl_risk_stat_cb)(void *ctx, const char *dim, const char *value,
                               long count);
int zl_risk_complaint_stats(zl_store *s, zl_risk_stat_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
