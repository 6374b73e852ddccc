/*
 * credit_records.c - the supervision records a computed credit class
 * weighs besides the spot checks (zhiliang/inspect.h, docs/credit.md):
 * administrative penalties (行政处罚) and the regulator's finding on a
 * consumer complaint (投诉举报处理结果).
 *
 * A penalty is one record under "penalty:<USCC>:<decision number>", the
 * decision number (行政处罚决定书文号) making it unique and a later record
 * of the same key its correction (revoked on review, 行政复议/诉讼撤销):
 * nothing is deleted, and the class of a draw fixed before the correction
 * keeps what was logged before it. A finding is one record under
 * "finding:<report id>" naming a complaint of lib/risk and its outcome,
 * upheld or rejected; the USCC comes from the complaint itself, so a
 * finding cannot move a complaint onto another enterprise. Both are
 * logged ZL_LEAF_INSPECTION leaves in sup_records like the registries, so
 * verify and the draw's cut at the plan's leaf treat them alike.
 *
 * The write rule is the registries': a regulator whose region covers the
 * enterprise's, or an operator. The enterprise must be in the registry
 * (its region decides who may write, and a class is only ever computed
 * for registered enterprises).
 *
 * Rejected: a status field on the complaint in lib/risk (the intake's
 * records are the reporter's words; the regulator's finding is another
 * party's act, with its own date and writer), and penalties as free text
 * in the enterprise entry (an entry is replaced whole, so a penalty would
 * vanish from the current state when the entry is next edited).
 */
#include "supervise/sup_int.h"

#include "party/party_int.h"
#include "store/store_sup.h"
#include "util/alloc.h"
#include "zhiliang/calendar.h"
#include "zhiliang/gs1.h"
#include "zhiliang/risk_intake.h"

#include <stdio.h>
#include <string.h>

#define DECISION_MAX 64
#define TEXT_MAX     512

static int setn(json_t *o, const char *k, json_t *v)
{
    return v && !json_object_set_new(o, k, v) ? 0 : ZL_ENOMEM;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int only(json_t *in, const char *const *ok, struct zl_error *err)
{
    const char *k;
    json_t *v;

    if (!json_is_object(in))
        return zl_error_set(err, ZL_EINVAL, "", "must be a JSON object", NULL,
                            0);
    json_object_foreach(in, k, v)
    {
        size_t i;

        for (i = 0; ok[i] && strcmp(k, ok[i]); i++)
            ;
        if (!ok[i])
            return zl_error_set(err, ZL_EINVAL, k, "unknown field", k,
                                (size_t)-1);
    }
    return 0;
}

/* A string field: required or not, at most max bytes, no control
 * characters (and no ':' when it is part of a key). */
static int text(json_t *in, const char *k, int required, size_t max,
                int keypart, const char **out, struct zl_error *err)
{
    json_t *v = json_object_get(in, k);

    *out = NULL;
    if (!v || json_is_null(v))
        return required
                   ? zl_error_set(err, ZL_EINVAL, k, "is required", NULL, 0)
                   : 0;
    if (!json_is_string(v) || !*(*out = json_string_value(v)))
        return zl_error_set(err, ZL_EINVAL, k, "must be a non-empty string",
                            NULL, 0);
    if (strlen(*out) > max)
        return zl_error_setf(err, ZL_EINVAL, k, *out, "longer than %zu bytes",
                             max);
    for (const unsigned char *p = (const unsigned char *)*out; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (keypart && *p == ':'))
            return zl_error_set(err, ZL_EINVAL, k,
                                keypart ? "control characters and ':' are "
                                          "not allowed"
                                        : "control characters are not allowed",
                                *out, (size_t)-1);
    return 0;
}

static int date_field(json_t *in, int32_t *day, struct zl_error *err)
{
    const char *d;
    int rc = text(in, "date", 1, 10, 0, &d, err);

    if (!rc && zl_day_parse(d, strlen(d), day))
        rc = zl_error_set(err, ZL_EINVAL, "date", "not a date YYYY-MM-DD", d,
                          (size_t)-1);
    return rc;
}

static int flag(json_t *in, const char *k, int *out, struct zl_error *err)
{
    json_t *v = json_object_get(in, k);

    *out = 0;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return zl_error_set(err, ZL_EINVAL, k, "must be true or false", NULL,
                            0);
    *out = json_is_true(v);
    return 0;
}

/* The registered enterprise's region into region (for the write rule). */
static int enterprise_region(zl_store *s, const char *path, const char *uscc,
                             char region[ZL_REGION_MAX], struct zl_error *err)
{
    char *json = NULL;
    size_t len = 0;
    json_error_t je;
    json_t *o;
    int rc = zl_sup_get(s, ZL_SUP_ENTERPRISE, uscc, &json, &len);

    if (rc == ZL_ENOTFOUND)
        return zl_error_set(err, ZL_ENOTFOUND, path,
                            "the enterprise is not in the registry (zhiliang "
                            "registry put enterprise)",
                            uscc, (size_t)-1);
    if (rc)
        return rc;
    o = json_loadb(json, len, 0, &je);
    zl_free(json);
    if (!o)
        return ZL_ESTORE;
    snprintf(region, ZL_REGION_MAX, "%s", jstr(o, "region"));
    json_decref(o);
    return 0;
}

/* Log rec (taken) under key after the write rule, in a transaction. */
static int write_rec(zl_store *s, const char *writer, const char *key,
                     const char *kind, const char *region, json_t *rec,
                     struct zl_error *err)
{
    struct sup_writer w;
    int rc, own = 0;

    if ((rc = sup_writer_get(s, writer, &w, err)) ||
        (rc = sup_may_write(&w, region, kind, err))) {
        json_decref(rec);
        return rc;
    }
    if ((rc = zl_registry_tx_begin(s, &own))) {
        json_decref(rec);
        return rc;
    }
    rc = sup_append(s, key, rec, 1, NULL, NULL);
    return zl_registry_tx_end(s, own, rc);
}

int zl_sup_penalty_put(zl_store *s, const char *writer, const char *json,
                       size_t len, struct zl_error *err)
{
    static const char *const OK[] = {"uscc",      "decision", "date",
                                     "authority", "serious",  "revoked",
                                     "summary",   NULL};
    const char *uscc, *decision, *authority, *summary;
    char key[SUP_ID_MAX + 40], region[ZL_REGION_MAX];
    json_error_t je;
    json_t *in, *rec = NULL;
    int32_t day;
    int serious, revoked, rc;

    in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!in)
        return zl_error_set(err, ZL_ESYNTAX, "", je.text, NULL, 0);
    if ((rc = only(in, OK, err)) ||
        (rc = text(in, "uscc", 1, 18, 1, &uscc, err)) ||
        (rc = zl_uscc_validate(uscc, strlen(uscc), err)) ||
        (rc = text(in, "decision", 1, DECISION_MAX, 1, &decision, err)) ||
        (rc = date_field(in, &day, err)) ||
        (rc = text(in, "authority", 0, TEXT_MAX, 0, &authority, err)) ||
        (rc = text(in, "summary", 0, TEXT_MAX, 0, &summary, err)) ||
        (rc = flag(in, "serious", &serious, err)) ||
        (rc = flag(in, "revoked", &revoked, err)))
        goto out;
    if ((rc = enterprise_region(s, "uscc", uscc, region, err)))
        goto out;
    rc = ZL_ENOMEM;
    if (!(rec = json_object()) || setn(rec, "type", json_string("penalty")) ||
        setn(rec, "v", json_integer(SUP_RECORD_V)) ||
        setn(rec, "uscc", json_string(uscc)) ||
        setn(rec, "decision", json_string(decision)) ||
        setn(rec, "date", json_string(jstr(in, "date"))) ||
        setn(rec, "serious", json_boolean(serious)) ||
        setn(rec, "revoked", json_boolean(revoked)) ||
        (authority && setn(rec, "authority", json_string(authority))) ||
        (summary && setn(rec, "summary", json_string(summary))))
        goto out;
    snprintf(key, sizeof key, "penalty:%s:%s", uscc, decision);
    rc = write_rec(s, writer, key, "penalty", region, rec, err);
    rec = NULL;
out:
    json_decref(rec);
    json_decref(in);
    return rc;
}

int zl_sup_finding_put(zl_store *s, const char *writer, const char *json,
                       size_t len, struct zl_error *err)
{
    static const char *const OK[] = {"report", "outcome", "date", "basis",
                                     NULL};
    const char *report, *outcome, *basis, *uscc;
    char key[SUP_ID_MAX + 40], region[ZL_REGION_MAX], *rj = NULL;
    size_t rlen = 0;
    json_error_t je;
    json_t *in, *rep = NULL, *rec = NULL;
    int32_t day, occurred;
    int rc;

    in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!in)
        return zl_error_set(err, ZL_ESYNTAX, "", je.text, NULL, 0);
    if ((rc = only(in, OK, err)) ||
        (rc = text(in, "report", 1, SUP_ID_MAX, 1, &report, err)) ||
        (rc = text(in, "outcome", 1, 16, 0, &outcome, err)) ||
        (rc = date_field(in, &day, err)) ||
        (rc = text(in, "basis", 0, TEXT_MAX, 0, &basis, err)))
        goto out;
    if (strcmp(outcome, "upheld") && strcmp(outcome, "rejected")) {
        rc = zl_error_set(err, ZL_EINVAL, "outcome",
                          "must be upheld (属实) or rejected (不属实)", outcome,
                          (size_t)-1);
        goto out;
    }
    rc = zl_risk_report_get(s, report, &rj, &rlen);
    if (rc == ZL_ENOTFOUND) {
        rc = zl_error_set(err, ZL_ENOTFOUND, "report",
                          "no such risk report (zhiliang risk reports)", report,
                          (size_t)-1);
        goto out;
    }
    if (rc)
        goto out;
    if (!(rep = json_loadb(rj, rlen, 0, &je))) {
        rc = ZL_ESTORE;
        goto out;
    }
    if (strcmp(jstr(rep, "kind"), "complaint")) {
        rc = zl_error_set(err, ZL_EINVAL, "report",
                          "is not a consumer complaint (only complaints get "
                          "a finding here)",
                          report, (size_t)-1);
        goto out;
    }
    uscc = jstr(rep, "enterprise");
    if (!*uscc) {
        rc = zl_error_set(err, ZL_EINVAL, "report",
                          "the complaint names no enterprise (USCC), so no "
                          "credit class can carry it",
                          report, (size_t)-1);
        goto out;
    }
    if (strlen(jstr(rep, "occurred")) >= 10 &&
        !zl_day_parse(jstr(rep, "occurred"), 10, &occurred) && day < occurred) {
        rc = zl_error_set(err, ZL_EINVAL, "date",
                          "is before the day the complaint's event occurred",
                          jstr(in, "date"), (size_t)-1);
        goto out;
    }
    if ((rc = enterprise_region(s, "report", uscc, region, err)))
        goto out;
    rc = ZL_ENOMEM;
    if (!(rec = json_object()) || setn(rec, "type", json_string("finding")) ||
        setn(rec, "v", json_integer(SUP_RECORD_V)) ||
        setn(rec, "report", json_string(report)) ||
        setn(rec, "uscc", json_string(uscc)) ||
        setn(rec, "outcome", json_string(outcome)) ||
        setn(rec, "date", json_string(jstr(in, "date"))) ||
        (basis && setn(rec, "basis", json_string(basis))))
        goto out;
    snprintf(key, sizeof key, "finding:%s", report);
    rc = write_rec(s, writer, key, "finding", region, rec, err);
    rec = NULL;
out:
    json_decref(rec);
    json_decref(rep);
    json_decref(in);
    zl_free(rj);
    return rc;
}
