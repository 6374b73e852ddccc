/*
 * credit_index.c - the per-enterprise credit index: which records are
 * about which enterprise, so that `zhiliang credit show USCC` and the
 * portal's /enterprises/USCC read that enterprise's records only
 * (docs/credit.md, "The per-enterprise index").
 *
 * What is indexed, and where:
 *
 *   spot-check task steps    sup_records.uscc = the task's enterprise, as
 *   ("task:PLAN:N")          the plan's draw record (draw:PLAN seq 1)
 *                            lists it
 *   penalties                sup_records.uscc = the USCC in the key
 *   ("penalty:USCC:DEC")     ("penalty:<uscc>:<decision>")
 *   complaint findings       sup_records.uscc = the enterprise of the
 *   ("finding:REPORT")       complaint the finding is on (risk_reports)
 *   every other record       sup_records.uscc = "" (not indexed)
 *   recall cases             recall_ids rows "uscc:<USCC>" for each
 *                            enterprise the case recorded when it was
 *                            opened (lib/recall/case.c), or one row
 *                            "uscc:" when the case is older than that
 *                            and recorded none (credit then falls back
 *                            to today's Company Prefix owners)
 *
 * The column is written in the same transaction as the record it indexes
 * (sup_append), checked by `zhiliang verify` (zl_credit_index_check: a
 * value that disagrees with what the records say is reported as
 * "index-altered", like any tampering), and rebuilt from the records by
 * `zhiliang reindex` and by the schema 18 upgrade (zl_credit_index_build).
 * The recall rows are part of the recall case's derived identifiers, so
 * verify and reindex cover them with the rest of recall_ids.
 *
 * Chosen: a column with a partial index on the existing tables (rows
 * with "" cost the index nothing) and the existing recall_ids table,
 * rather than a new table. A task step's record does not name its
 * enterprise (the draw does, for all tasks at once), so an expression
 * index over the JSON could not find it; penalties would have needed
 * nothing (the key begins with the USCC), but one column gives one
 * query for the three kinds. Rejected: a credit_index(uscc, key) table
 * (one more table to copy, migrate and check, for what one column
 * holds), and storing the class itself (a second state that could
 * disagree with the records: the class stays computed from them).
 */
#include "supervise/sup_int.h"

#include "recall/recall_int.h"
#include "store/store_recall.h"
#include "store/store_risk.h"
#include "store/store_sup.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int complaint_cb(void *ctx, const struct zl_store_risk_report *r)
{
    if (!strcmp(r->kind, "complaint"))
        snprintf(ctx, 19, "%s", r->enterprise ? r->enterprise : "");
    return 0;
}

int sup_index_of(zl_store *s, const char *key, char uscc[19])
{
    uscc[0] = '\0';
    if (!strncmp(key, "penalty:", 8)) {
        const char *u = key + 8, *c = strchr(u, ':');

        if (c && c - u == 18)
            memcpy(uscc, u, 18), uscc[18] = '\0';
        return 0;
    }
    if (!strncmp(key, "finding:", 8)) {
        int rc = zl_store_risk_get(s, key + 8, complaint_cb, uscc);

        return rc == ZL_ENOTFOUND || rc == ZL_EUNSUPPORTED ? 0 : rc;
    }
    return 0; /* tasks: the caller knows the enterprise (sup_append_ix) */
}

/* ---- the whole index against the records --------------------------------
 */

/* "PLAN:N" -> USCC from every plan's draw record (seq 1). */
static int draws_cb(void *ctx, const struct zl_store_sup_record *r)
{
    json_t *map = ctx, *o, *t;
    json_error_t je;
    size_t i;
    char name[SUP_ID_MAX + 24];

    if (r->seq != 1)
        return 0;
    if (!(o = json_loadb(r->json, r->len, 0, &je)))
        return 0; /* an edited draw record: verify names it already */
    json_array_foreach(json_object_get(o, "tasks"), i, t)
    {
        snprintf(name, sizeof name, "%s:%lld", r->key + 5,
                 (long long)json_integer_value(json_object_get(t, "task")));
        if (json_object_set_new(map, name, json_string(jstr(t, "uscc")))) {
            json_decref(o);
            return ZL_ENOMEM;
        }
    }
    json_decref(o);
    return 0;
}

struct diff {
    char *key;
    long seq;
    int64_t leaf;
    char have[24], want[19];
    int deferred; /* a finding: want is looked up after the scan */
};

struct walk {
    json_t *tasks; /* "PLAN:N" -> USCC */
    struct diff *d;
    size_t n, cap;
};

static int push(struct walk *w, const struct zl_store_sup_record *r,
                const char *want, int deferred)
{
    struct diff *d;

    if (zl_grow((void **)&w->d, &w->cap, w->n + 1, sizeof *w->d, 64, NULL))
        return ZL_ENOMEM;
    d = &w->d[w->n];
    if (!(d->key = zl_strndup(r->key, strlen(r->key))))
        return ZL_ENOMEM;
    d->seq = r->seq;
    d->leaf = r->leaf;
    snprintf(d->have, sizeof d->have, "%s", r->uscc ? r->uscc : "");
    snprintf(d->want, sizeof d->want, "%s", want);
    d->deferred = deferred;
    w->n++;
    return 0;
}

static int rows_cb(void *ctx, const struct zl_store_sup_record *r)
{
    struct walk *w = ctx;
    const char *have = r->uscc ? r->uscc : "", *want = "";
    char pen[19];

    if (!strncmp(r->key, "finding:", 8))
        return push(w, r, "", 1); /* needs the store: after the scan */
    if (!strncmp(r->key, "task:", 5))
        want = jstr(w->tasks, r->key + 5);
    else if (!strncmp(r->key, "penalty:", 8)) {
        sup_index_of(NULL, r->key, pen);
        want = pen;
    }
    return strcmp(have, want) ? push(w, r, want, 0) : 0;
}

/* Every row whose uscc column is not what the records say, in w->d
 * (findings resolved). */
static int index_diff(zl_store *s, struct walk *w)
{
    size_t i, k = 0;
    int rc;

    memset(w, 0, sizeof *w);
    if (!(w->tasks = json_object()))
        return ZL_ENOMEM;
    rc = zl_store_sup_range(s, "draw:", "draw;", -1, draws_cb, w->tasks);
    if (!rc)
        rc = zl_store_sup_range(s, "", "\x7f", -1, rows_cb, w);
    for (i = 0; !rc && i < w->n; i++) {
        struct diff *d = &w->d[i];

        if (d->deferred && !(rc = sup_index_of(s, d->key, d->want)) &&
            !strcmp(d->have, d->want)) {
            zl_free(d->key);
            continue;
        }
        w->d[k++] = *d;
    }
    if (!rc)
        w->n = k;
    return rc;
}

static void walk_free(struct walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        zl_free(w->d[i].key);
    zl_free(w->d);
    json_decref(w->tasks);
}

/* Case ids from "recall:<case>:1" record keys. */
static int case_key_cb(void *ctx, const char *record_key)
{
    size_t n = strlen(record_key);

    if (n < 10 || strncmp(record_key, "recall:", 7) ||
        strcmp(record_key + n - 2, ":1"))
        return 0;
    return json_array_append_new(ctx, json_stringn(record_key + 7, n - 9))
               ? ZL_ENOMEM
               : 0;
}

/* Each recall case's "uscc:" identifiers (the rest of recall_ids is the
 * recall module's and was there before). */
static int recall_ids_build(zl_store *s)
{
    json_t *cases = json_array(), *c;
    size_t i, j;
    int rc;

    if (!cases)
        return ZL_ENOMEM;
    rc = zl_recall_record_keys(s, case_key_cb, cases);
    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    json_array_foreach(cases, i, c)
    {
        struct zl_recall_derived d;
        const char **v;
        size_t n = 0;

        if (rc)
            break;
        if ((rc = zl_recall_derive(s, json_string_value(c), &d))) {
            if (rc == ZL_ENOTFOUND || rc == ZL_ESTORE)
                rc = 0; /* an edited record: verify names it */
            continue;
        }
        if (!(v = zl_calloc(d.n_ids + 1, sizeof *v)))
            rc = ZL_ENOMEM;
        for (j = 0; v && j < d.n_ids; j++)
            if (!strncmp(d.ids[j], "uscc:", 5))
                v[n++] = d.ids[j];
        if (v)
            rc = zl_store_recall_ids_put(s, json_string_value(c), v, n);
        zl_free(v);
        zl_recall_derived_cleanup(&d);
    }
    json_decref(cases);
    return rc;
}

int zl_credit_index_build(zl_store *s, uint64_t *fixed)
{
    struct walk w;
    size_t i;
    int rc = recall_ids_build(s);

    if (!rc)
        rc = index_diff(s, &w);
    else
        memset(&w, 0, sizeof w);

    if (rc == ZL_EUNSUPPORTED)
        rc = 0;
    for (i = 0; !rc && i < w.n; i++)
        rc = zl_store_sup_set_uscc(s, w.d[i].key, w.d[i].seq, w.d[i].want);
    if (!rc && fixed)
        *fixed = w.n;
    walk_free(&w);
    return rc;
}

int zl_credit_index_check(zl_store *s, zl_sup_report_fn report, void *ctx)
{
    struct walk w;
    size_t i;
    int rc = index_diff(s, &w);

    if (rc == ZL_EUNSUPPORTED) {
        walk_free(&w);
        return 0;
    }
    for (i = 0; !rc && i < w.n; i++) {
        char lk[SUP_ID_MAX * 3 + 64], detail[160];

        snprintf(lk, sizeof lk, "sup:%s:%ld", w.d[i].key, w.d[i].seq);
        snprintf(detail, sizeof detail,
                 "sup_records.uscc (the credit index) is \"%s\" where the "
                 "records say \"%s\" (`zhiliang reindex` rebuilds it)",
                 w.d[i].have, w.d[i].want);
        rc = report(ctx, "index-altered", (uint64_t)w.d[i].leaf, lk, detail);
    }
    walk_free(&w);
    return rc;
}
