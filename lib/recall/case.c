/*
 * case.c - recall cases (see zhiliang/recall.h): open, notify, progress,
 * close, each step one record stored and logged in one transaction.
 *
 * A record is a JSON object {"case", "seq", "type", "time", "v", ...}.
 * Its canonical bytes are both what is stored and the leaf input, so
 * zl_recall_record_canon recomputes the leaf from the stored row by
 * parsing and canonicalising it again: an edit to the row changes the
 * leaf; an edit that keeps the JSON meaning but changes spacing does not
 * (the record says the same thing).
 *
 * Record formats. "v": 2 (every record written now) means the canonical
 * bytes are RFC 8785 (JCS, lib/util/jcs.c): a standard fixed to the last
 * digit of a number, so no library upgrade can change them and make
 * `zhiliang verify` cry tampering. A record without "v" is format 1,
 * written before JCS as jansson's json_dumps(JSON_SORT_KEYS |
 * JSON_COMPACT) printed it; its leaf is over those bytes. The two forms
 * agree for names and strings without control characters and for
 * integers, but not for fractions (jansson printed "%.17g":
 * 0.10000000000000001 where JCS has 0.1) nor for control characters
 * (\u001F against \u001f), so format-1 records are recomputed with
 * zl_json_legacy_dump, a frozen copy of jansson 2.14's printer checked
 * against it byte for byte in test_jcs.c. The marker sits inside the
 * hashed bytes: removing or changing it changes what the record says and
 * so the leaf. A "v" this code does not know is recomputed as the stored
 * bytes themselves (a later format that stores its canonical bytes still
 * verifies; an edited row still shows as altered).
 * Rejected: re-logging old records in the new form (the log is
 * append-only and its old leaves are signed), and a format column beside
 * the row (the record would no longer say alone how it is hashed).
 *
 * State is never stored apart from the records: status replays them. The
 * recall_cases row (status, lots, GTINs) and the recall_ids index are
 * derived data written in the same transaction, for listings and the
 * portal's banner lookup.
 *
 * The open record lists the enterprises the case is about, "enterprises":
 * the USCCs of its GTINs' Company Prefix owners when it opens (since
 * schema 18), so credit (docs/credit.md) does not follow a later registry
 * change; recall_ids maps "uscc:<USCC>" to the case for each, or "uscc:"
 * for an older case without the list (the per-enterprise credit index,
 * lib/supervise/credit_index.c).
 *
 * Rejected: a progress record holding the running totals. Each record
 * holds only what happened at that step (recovered 40 more), so replaying
 * is a sum and two stations reporting at once cannot overwrite each other.
 */
#include "zhiliang/recall.h"

#include "recall/recall_int.h"
#include "store/store.h"
#include "store/store_recall.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/jcs.h"
#include "util/strmap.h"
#include "util/timefmt.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"

#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX        128
#define PARTY_MAX_ARGS 100000
#define RECORD_V       2          /* record format: JCS canonical bytes */
#define RECORD_MAX     (1u << 29) /* cap on one record's canonical bytes */
#define MAP_MAX_LOTS   1000000    /* distinct lots listed from one case */

const char *zl_hazard_name(enum zl_hazard_class h)
{
    switch (h) {
    case ZL_HAZARD_I: return "I";
    case ZL_HAZARD_II: return "II";
    case ZL_HAZARD_III: return "III";
    }
    return NULL;
}

/* Set a new value; 1 on allocation failure (v NULL included), else 0. */
static int oset(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v) ? 1 : 0;
}

static json_t *num(double v)
{
    if (v >= -9e15 && v <= 9e15 && v == (double)(long long)v)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static int uuid_v4(char out[ZL_RECALL_ID_MAX])
{
    unsigned char b[16];

    if (RAND_bytes(b, sizeof b) != 1)
        return ZL_ENOMEM;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, ZL_RECALL_ID_MAX,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

/* Registry party ID for a party named by ID, USCC, GLN or PGLN; the
 * argument itself when the registry does not know it. */
static int party_id_cb(void *ctx, const struct zl_party *p)
{
    snprintf(ctx, ZL_PARTY_ID_MAX, "%s", p->id);
    return 0;
}

static int party_key(zl_store *s, const char *arg, char out[ZL_PARTY_ID_MAX])
{
    char gln[14];
    int rc;

    out[0] = 0;
    rc = zl_party_get(s, arg, party_id_cb, out);
    if (rc == ZL_ENOTFOUND && zl_party_location_gln(arg, gln) == 0)
        rc = zl_party_get(s, gln, party_id_cb, out);
    if (rc == ZL_ENOTFOUND || (!rc && !out[0])) {
        if (strlen(arg) >= ZL_PARTY_ID_MAX)
            return ZL_EINVAL;
        snprintf(out, ZL_PARTY_ID_MAX, "%s", arg);
        return 0;
    }
    return rc;
}

/* ---- records ------------------------------------------------------------ */

/* Complete rec (case, seq, type, time), store it and log its leaf. Must
 * run inside the caller's transaction. */
static int append(zl_store *s, const char *case_id, const char *type,
                  json_t *rec, int64_t now)
{
    char key[KEY_MAX], tbuf[32];
    struct zl_buf canon;
    long seq;
    int rc;

    rc = zl_store_recall_last_seq(s, case_id, &seq);
    if (rc)
        return rc;
    seq++;
    zl_time_format_utc(now, tbuf);
    if (json_object_set_new(rec, "case", json_string(case_id)) ||
        json_object_set_new(rec, "seq", json_integer(seq)) ||
        json_object_set_new(rec, "type", json_string(type)) ||
        json_object_set_new(rec, "time", json_string(tbuf)) ||
        json_object_set_new(rec, "v", json_integer(RECORD_V)))
        return ZL_ENOMEM;
    zl_buf_init(&canon, RECORD_MAX);
    rc = zl_jcs_dump(rec, &canon);
    if (rc)
        goto out;
    snprintf(key, sizeof key, "recall:%s:%ld", case_id, seq);
    rc = zl_store_recall_record_put(s, case_id, seq, type, canon.data,
                                    canon.len);
    if (!rc)
        rc = zl_log_append(s, ZL_LEAF_RECALL, key, canon.data, canon.len, NULL);
    if (!rc) /* subscriptions and page caches follow recall steps too */
        rc = zl_store_outbox_append(s, "recall", key, now);
out:
    zl_buf_cleanup(&canon);
    return rc;
}

/* append() in a transaction of its own, with the case row updated to *ri
 * when ri is given; rolled back on any failure. */
static int append_tx(zl_store *s, const char *case_id, const char *type,
                     json_t *rec, int64_t now,
                     const struct zl_store_recall_case *ri)
{
    int rc = zl_store_begin(s);

    if (rc)
        return rc;
    rc = append(s, case_id, type, rec, now);
    if (!rc && ri)
        rc = zl_store_recall_case_put(s, ri);
    if (!rc)
        rc = zl_store_commit(s);
    if (rc)
        zl_store_rollback(s);
    return rc;
}

int zl_recall_record_canon(zl_store *s, const char *record_key, char **canon,
                           size_t *len)
{
    char case_id[ZL_RECALL_ID_MAX];
    const char *p, *colon;
    char *raw = NULL, *end;
    size_t rlen = 0;
    json_t *j = NULL, *v;
    struct zl_buf b;
    long seq;
    int rc;

    *canon = NULL;
    if (strncmp(record_key, "recall:", 7))
        return ZL_ENOTFOUND;
    p = record_key + 7;
    colon = strrchr(p, ':');
    if (!colon || (size_t)(colon - p) >= sizeof case_id)
        return ZL_ENOTFOUND;
    memcpy(case_id, p, (size_t)(colon - p));
    case_id[colon - p] = 0;
    seq = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1)
        return ZL_ENOTFOUND;
    rc = zl_store_recall_record_get(s, case_id, seq, &raw, &rlen);
    if (rc)
        goto out;
    j = json_loadb(raw, rlen, JSON_REJECT_DUPLICATES, NULL);
    v = json_object_get(j, "v");
    if (!j ||
        (v && !(json_is_integer(v) && json_integer_value(v) == RECORD_V))) {
        /* no longer JSON, or a format we cannot recompute: hand back
         * the bytes, so the leaf check decides */
        *canon = raw;
        *len = rlen;
        raw = NULL;
        goto out;
    }
    zl_buf_init(&b, RECORD_MAX);
    rc = v ? zl_jcs_dump(j, &b) : zl_json_legacy_dump(j, &b);
    if (rc == ZL_EINVAL) { /* edited into something with no canon form */
        rc = 0;
        *canon = raw;
        *len = rlen;
        raw = NULL;
    } else if (!rc) {
        *len = b.len;
        if (!(*canon = zl_buf_steal(&b)))
            rc = ZL_ENOMEM;
    }
    zl_buf_cleanup(&b);
out:
    json_decref(j);
    zl_free(raw);
    return rc;
}

struct key_ctx {
    zl_recall_key_cb cb;
    void *ctx;
};

static int key_cb(void *vctx, const char *case_id, long seq)
{
    struct key_ctx *k = vctx;
    char key[KEY_MAX];

    snprintf(key, sizeof key, "recall:%s:%ld", case_id, seq);
    return k->cb(k->ctx, key);
}

int zl_recall_record_keys(zl_store *s, zl_recall_key_cb cb, void *ctx)
{
    struct key_ctx k = {cb, ctx};

    return zl_store_recall_all_keys(s, key_cb, &k);
}

/* ---- state replay ------------------------------------------------------- */

/* What one party's records add up to. recovered is per unit, in the
 * order the units were first reported. */
struct pstate {
    int notified, acknowledged;
    struct recovered {
        char *uom;
        double q;
    } * rec;
    size_t n_rec;
};

struct state {
    json_t *open;             /* the open record */
    struct zl_strmap parties; /* party -> struct pstate */
    json_t *close;            /* the close record or NULL */
    long n;
};

static void pstate_free(void *p)
{
    struct pstate *ps = p;

    for (size_t i = 0; i < ps->n_rec; i++)
        zl_free(ps->rec[i].uom);
    zl_free(ps->rec);
    zl_free(ps);
}

static struct pstate *party_state(struct state *st, const char *party, int *rc)
{
    struct zl_strmap_entry *e = zl_strmap_put(&st->parties, party, NULL, rc);

    if (e && !e->val && !(e->val = zl_calloc(1, sizeof(struct pstate))))
        *rc = ZL_ENOMEM;
    return *rc ? NULL : e->val;
}

/* Add q units of uom to what ps recovered. */
static int add_recovered(struct pstate *ps, const char *uom, double q)
{
    struct recovered *r;
    size_t i;

    for (i = 0; i < ps->n_rec && strcmp(ps->rec[i].uom, uom); i++)
        ;
    if (i == ps->n_rec) {
        if (i >= PARTY_MAX_ARGS)
            return ZL_ELIMIT;
        r = zl_realloc(ps->rec, (i + 1) * sizeof *r);
        if (!r)
            return ZL_ENOMEM;
        ps->rec = r;
        if (!(r[i].uom = zl_strdup(uom)))
            return ZL_ENOMEM;
        r[i].q = 0;
        ps->n_rec++;
    }
    ps->rec[i].q += q;
    return 0;
}

/* What ps recovered in uom (0 when nothing). */
static double recovered_in(const struct pstate *ps, const char *uom)
{
    for (size_t i = 0; ps && i < ps->n_rec; i++)
        if (!strcmp(ps->rec[i].uom, uom))
            return ps->rec[i].q;
    return 0;
}

static int replay_cb(void *ctx, long seq, const char *kind, const char *json,
                     size_t len)
{
    struct state *st = ctx;
    json_t *r = json_loadb(json, len, 0, NULL);
    struct pstate *ps;
    const char *party;
    int rc = 0;

    (void)seq;
    if (!r)
        return ZL_ESTORE;
    st->n++;
    party = json_string_value(json_object_get(r, "party"));
    if (!strcmp(kind, "open")) {
        json_decref(st->open);
        st->open = r;
        return 0;
    }
    if (!strcmp(kind, "close")) {
        json_decref(st->close);
        st->close = r;
        return 0;
    }
    if (!party) {
        json_decref(r);
        return ZL_ESTORE;
    }
    if (!(ps = party_state(st, party, &rc))) {
        json_decref(r);
        return rc;
    }
    if (!strcmp(kind, "notify"))
        ps->notified = 1;
    if (!strcmp(kind, "progress")) {
        const char *uom = json_string_value(json_object_get(r, "uom"));
        json_t *q = json_object_get(r, "recovered");

        if (json_is_true(json_object_get(r, "acknowledged")))
            ps->acknowledged = 1;
        if (uom && q)
            rc = add_recovered(ps, uom, json_number_value(q));
    }
    json_decref(r);
    return rc;
}

static void state_cleanup(struct state *st)
{
    json_decref(st->open);
    zl_strmap_cleanup(&st->parties, pstate_free);
    json_decref(st->close);
    memset(st, 0, sizeof *st);
}

static int load_state(zl_store *s, const char *case_id, struct state *st)
{
    int rc;

    memset(st, 0, sizeof *st);
    zl_strmap_init(&st->parties, PARTY_MAX_ARGS);
    rc = zl_store_recall_records(s, case_id, replay_cb, st);
    if (!rc && !st->open)
        rc = ZL_ENOTFOUND;
    return rc;
}

/* The custodians array of the open record's scope (borrowed). */
static json_t *custodians(const struct state *st)
{
    return json_object_get(json_object_get(st->open, "scope"), "custodians");
}

/* The custodian entry of party in the open record's scope, or NULL. */
static json_t *custodian(const struct state *st, const char *party)
{
    size_t i;
    json_t *c;

    json_array_foreach(custodians(st), i, c)
    {
        const char *p = json_string_value(json_object_get(c, "party"));

        if (p && !strcmp(p, party))
            return c;
    }
    return NULL;
}

/* A custodian's main unit: the one with most held + sold. */
static json_t *main_holding(json_t *cust)
{
    json_t *best = NULL, *h;
    double bq = -1;
    size_t i;

    json_array_foreach(json_object_get(cust, "holdings"), i, h)
    {
        double q = json_number_value(json_object_get(h, "held")) +
                   json_number_value(json_object_get(h, "sold"));

        if (q > bq) {
            bq = q;
            best = h;
        }
    }
    return best;
}

/* ---- steps -------------------------------------------------------------- */

static int check_open(struct state *st, const char *case_id,
                      struct zl_error *err)
{
    if (st->close)
        return zl_error_set(err, ZL_EINVAL, "case", "the case is closed",
                            case_id, (size_t)-1);
    return 0;
}

int zl_recall_open(zl_store *s, const char *const *lots, size_t n,
                   const char *reason, enum zl_hazard_class hazard,
                   char case_id[ZL_RECALL_ID_MAX], struct zl_error *err)
{
    struct zl_recall_texts t = {reason, NULL, NULL, NULL};

    return zl_recall_open_texts(s, lots, n, &t, hazard, case_id, err);
}

static int enterprise_ids(json_t *open, struct zl_recall_derived *d);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int uscc_cb(void *ctx, const struct zl_party *p)
{
    snprintf(ctx, 19, "%s", p->uscc ? p->uscc : "");
    return 0;
}

/* The enterprises a case is about, recorded when it opens: the USCC of
 * the party owning each scope GTIN's GS1 Company Prefix, as the party
 * registry says now, sorted and distinct (a JSON array, new; [] when no
 * owner is registered with a USCC). Credit (lib/supervise/credit_link.c)
 * uses them, so a later registry change does not move an old recall. */
static json_t *case_enterprises(zl_store *s, const zl_recall_scope *sc)
{
    json_t *seen = json_object(), *out = json_array();
    const char **v = NULL;
    const char *k;
    json_t *x;
    size_t n = 0, i = 0;

    if (!seen || !out)
        goto fail;
    for (i = 0; i < sc->n_gtins; i++) {
        char pid[ZL_PARTY_ID_MAX], uscc[19] = "";

        if (zl_party_prefix_owner(s, sc->gtins[i], pid, NULL) ||
            zl_party_get(s, pid, uscc_cb, uscc) || strlen(uscc) != 18)
            continue;
        if (json_object_set_new(seen, uscc, json_true()))
            goto fail;
    }
    /* json_object_foreach's order is not sorted: sort the keys */
    if (!(v = zl_calloc(json_object_size(seen) + 1, sizeof *v)))
        goto fail;
    json_object_foreach(seen, k, x) v[n++] = k;
    qsort(v, n, sizeof *v, cmp_str);
    for (i = 0; i < n; i++)
        if (json_array_append_new(out, json_string(v[i])))
            goto fail;
    zl_free(v);
    json_decref(seen);
    return out;
fail:
    zl_free(v);
    json_decref(seen);
    json_decref(out);
    return NULL;
}

/* Set key to v in o unless v is NULL or empty; non-zero on OOM. */
static int oset_text(json_t *o, const char *key, const char *v)
{
    return v && *v && json_object_set_new(o, key, json_string(v));
}

int zl_recall_open_texts(zl_store *s, const char *const *lots, size_t n,
                         const struct zl_recall_texts *t,
                         enum zl_hazard_class hazard,
                         char case_id[ZL_RECALL_ID_MAX], struct zl_error *err)
{
    const char *reason = t ? t->reason : NULL;
    zl_recall_scope *sc = NULL;
    json_t *rec = NULL, *scope, *lots_j = NULL, *gtins_j = NULL;
    char *lots_txt = NULL, *gtins_txt = NULL;
    int64_t now = zl_time_now_ms();
    int rc, in_tx = 0;

    if (!reason || !reason[0])
        return zl_error_set(err, ZL_EINVAL, "reason",
                            "a recall states its reason", NULL, 0);
    if (!zl_hazard_name(hazard))
        return zl_error_set(err, ZL_EINVAL, "hazardClass",
                            "hazard class is I, II or III", NULL, 0);
    rc = zl_recall_scope_compute(s, lots, n, &sc, err);
    if (rc)
        goto out;
    rc = uuid_v4(case_id);
    if (rc)
        goto out;
    lots_j = zl_recall_strings_json(sc->lots, sc->n_lots);
    gtins_j = zl_recall_strings_json(sc->gtins, sc->n_gtins);
    scope = zl_recall_scope_record(sc);
    rec = json_pack("{s:s,s:s}", "reason", reason, "hazardClass",
                    zl_hazard_name(hazard));
    if (rec && (oset_text(rec, "reasonEn", t->reason_en) |
                oset(rec, "enterprises", case_enterprises(s, sc)) |
                oset_text(rec, "advice", t->advice) |
                oset_text(rec, "adviceEn", t->advice_en) |
                json_object_set(rec, "lots", lots_j) |
                json_object_set_new(rec, "scope", scope))) {
        json_decref(rec);
        rec = NULL;
    } else if (!rec) {
        json_decref(scope);
    }
    lots_txt = lots_j ? json_dumps(lots_j, JSON_COMPACT) : NULL;
    gtins_txt = gtins_j ? json_dumps(gtins_j, JSON_COMPACT) : NULL;
    if (!rec || !lots_txt || !gtins_txt) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_store_begin(s)) != 0)
        goto out;
    in_tx = 1;
    rc = append(s, case_id, "open", rec, now);
    if (!rc) {
        struct zl_store_recall_case ri = {
            case_id, "open", reason,   zl_hazard_name(hazard),
            now,     0,      lots_txt, gtins_txt};

        rc = zl_store_recall_case_put(s, &ri);
    }
    if (!rc)
        rc = zl_store_recall_ids_put(s, case_id, sc->ids, sc->n_ids);
    if (!rc) { /* the credit index: the enterprises recorded above */
        struct zl_recall_derived e = {0};

        rc = enterprise_ids(rec, &e);
        if (!rc)
            rc = zl_store_recall_ids_put(s, case_id, (const char *const *)e.ids,
                                         e.n_ids);
        zl_recall_derived_cleanup(&e);
    }
    if (!rc)
        rc = zl_store_commit(s);
    if (!rc)
        in_tx = 0;
out:
    if (in_tx)
        zl_store_rollback(s);
    if (rc)
        case_id[0] = 0;
    zl_free(lots_txt);
    zl_free(gtins_txt);
    json_decref(rec);
    json_decref(lots_j);
    json_decref(gtins_j);
    zl_recall_scope_free(sc);
    return rc;
}

int zl_recall_notify(zl_store *s, const char *case_id,
                     const char *const *parties, size_t n, size_t *n_notified,
                     struct zl_error *err)
{
    struct state st;
    char(*keys)[ZL_PARTY_ID_MAX] = NULL; /* the given parties, resolved */
    const char **targets = NULL;         /* into keys or the open record */
    json_t *c;
    int64_t now = zl_time_now_ms();
    size_t i, nt = 0, count = 0;
    int rc, in_tx = 0;

    if (n_notified)
        *n_notified = 0;
    rc = load_state(s, case_id, &st);
    if (rc || (rc = check_open(&st, case_id, err)) != 0)
        goto out;
    if (parties && n) {
        if (n > PARTY_MAX_ARGS) {
            rc = ZL_ELIMIT;
            goto out;
        }
        keys = zl_calloc(n, sizeof *keys);
        targets = zl_calloc(n, sizeof *targets);
        if (!keys || !targets) {
            rc = ZL_ENOMEM;
            goto out;
        }
        for (i = 0; i < n; i++) {
            if ((rc = party_key(s, parties[i], keys[i])) != 0) {
                zl_error_set(err, rc, "party", "not a party identifier",
                             parties[i], (size_t)-1);
                goto out;
            }
            targets[nt++] = keys[i];
        }
    } else {
        targets =
            zl_calloc(json_array_size(custodians(&st)) + 1, sizeof *targets);
        if (!targets) {
            rc = ZL_ENOMEM;
            goto out;
        }
        json_array_foreach(custodians(&st), i, c)
        {
            const char *p = json_string_value(json_object_get(c, "party"));

            if (p && strcmp(p, "unknown"))
                targets[nt++] = p;
        }
    }
    if ((rc = zl_store_begin(s)) != 0)
        goto out;
    in_tx = 1;
    for (i = 0; i < nt; i++) {
        const char *p = targets[i];
        json_t *cu = custodian(&st, p);
        json_t *rec = json_pack("{s:s}", "party", p);

        if (!rec) {
            rc = ZL_ENOMEM;
            break;
        }
        if (cu && json_object_get(cu, "name") &&
            json_object_set(rec, "name", json_object_get(cu, "name")))
            rc = ZL_ENOMEM;
        if (!rc)
            rc = append(s, case_id, "notify", rec, now);
        json_decref(rec);
        if (rc)
            break;
        count++;
    }
    if (!rc)
        rc = zl_store_commit(s);
    if (!rc) {
        in_tx = 0;
        if (n_notified)
            *n_notified = count;
    }
out:
    if (in_tx)
        zl_store_rollback(s);
    zl_free(keys);
    zl_free(targets);
    state_cleanup(&st);
    return rc;
}

int zl_recall_progress(zl_store *s, const char *case_id, const char *party,
                       int ack, int has_recovered, double recovered,
                       const char *uom, struct zl_error *err)
{
    struct state st;
    char key[ZL_PARTY_ID_MAX];
    json_t *rec = NULL;
    struct pstate *ps;
    int rc;

    rc = load_state(s, case_id, &st);
    if (rc || (rc = check_open(&st, case_id, err)) != 0)
        goto out;
    if (!ack && !has_recovered) {
        rc = zl_error_set(err, ZL_EINVAL, "progress",
                          "give an acknowledgement or a recovered quantity",
                          NULL, 0);
        goto out;
    }
    if (has_recovered && !(recovered >= 0 && recovered < 1e15)) {
        rc = zl_error_set(err, ZL_EINVAL, "recovered",
                          "a recovered quantity is >= 0", NULL, 0);
        goto out;
    }
    if (!party || (rc = party_key(s, party, key)) != 0) {
        rc = zl_error_set(err, ZL_EINVAL, "party", "not a party identifier",
                          party, (size_t)-1);
        goto out;
    }
    ps = zl_strmap_get(&st.parties, key);
    if (!ps || !ps->notified) {
        rc = zl_error_set(err, ZL_EINVAL, "party",
                          "this party was not notified of the recall", key,
                          (size_t)-1);
        goto out;
    }
    rec = json_pack("{s:s}", "party", key);
    if (!rec) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (ack && oset(rec, "acknowledged", json_true())) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (has_recovered) {
        json_t *h = main_holding(custodian(&st, key));

        if (!uom)
            uom = h ? json_string_value(json_object_get(h, "uom")) : "EA";
        if (oset(rec, "recovered", num(recovered)) |
            oset(rec, "uom", json_string(uom))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    rc = append_tx(s, case_id, "progress", rec, zl_time_now_ms(), NULL);
out:
    json_decref(rec);
    state_cleanup(&st);
    return rc;
}

static int case_row_cb(void *ctx, const struct zl_store_recall_case *r)
{
    struct zl_store_recall_case *o = ctx;

    o->opened_ms = r->opened_ms;
    return 0;
}

int zl_recall_close(zl_store *s, const char *case_id, const char *summary,
                    int force, const char *force_reason, struct zl_error *err)
{
    struct state st;
    json_t *rec = NULL, *pending = NULL;
    char *lots_txt = NULL, *gtins_txt = NULL;
    struct zl_store_recall_case ri = {0};
    int64_t now = zl_time_now_ms();
    int rc;

    rc = load_state(s, case_id, &st);
    if (rc || (rc = check_open(&st, case_id, err)) != 0)
        goto out;
    if (!summary || !summary[0]) {
        rc = zl_error_set(err, ZL_EINVAL, "summary",
                          "closing a recall needs a summary", NULL, 0);
        goto out;
    }
    if (force && (!force_reason || !force_reason[0])) {
        rc = zl_error_set(err, ZL_EINVAL, "force",
                          "forcing a close needs a reason", NULL, 0);
        goto out;
    }
    pending = json_array();
    if (!pending) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < zl_strmap_count(&st.parties); i++) {
        const struct zl_strmap_entry *e = zl_strmap_at(&st.parties, i);
        const struct pstate *ps = e->val;

        if (ps->notified && !ps->acknowledged &&
            json_array_append_new(pending, json_string(e->key))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if (json_array_size(pending) && !force) {
        rc =
            zl_error_setf(err, ZL_EINVAL, "party",
                          json_string_value(json_array_get(pending, 0)),
                          "%zu notified part%s not acknowledged (use"
                          " --force with a reason)",
                          json_array_size(pending),
                          json_array_size(pending) == 1 ? "y has" : "ies have");
        goto out;
    }
    rec = json_pack("{s:s,s:b}", "summary", summary, "forced", force ? 1 : 0);
    if (!rec) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (force && (oset(rec, "forceReason", json_string(force_reason)) ||
                  json_object_set(rec, "unacknowledged", pending))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    lots_txt = json_dumps(json_object_get(st.open, "lots"), JSON_COMPACT);
    gtins_txt =
        json_dumps(json_object_get(json_object_get(st.open, "scope"), "gtins"),
                   JSON_COMPACT);
    if (!lots_txt || !gtins_txt) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_store_recall_case_list(s, case_id, 0, case_row_cb, &ri);
    if (rc)
        goto out;
    ri.case_id = case_id;
    ri.status = "closed";
    ri.reason = json_string_value(json_object_get(st.open, "reason"));
    ri.hazard_class =
        json_string_value(json_object_get(st.open, "hazardClass"));
    ri.closed_ms = now;
    ri.lots_json = lots_txt;
    ri.gtins_json = gtins_txt;
    rc = append_tx(s, case_id, "close", rec, now, &ri);
out:
    zl_free(lots_txt);
    zl_free(gtins_txt);
    json_decref(rec);
    json_decref(pending);
    state_cleanup(&st);
    return rc;
}

/* ---- derived rows ---------------------------------------------------------
 */

static char *dup_str(const char *v)
{
    return v ? zl_strndup(v, strlen(v)) : NULL;
}

static int64_t record_ms(json_t *rec)
{
    const char *t = json_string_value(json_object_get(rec, "time"));
    int64_t ms = 0;
    int off = 0;

    if (!t || zl_time_parse(t, strlen(t), &ms, &off))
        return 0;
    return ms;
}

/* The credit index's identifiers of a case (lib/supervise/
 * credit_index.c): "uscc:<USCC>" for each enterprise the open record
 * lists, or "uscc:" alone when it lists none because it was written
 * before cases recorded them (credit then asks today's registry). */
static int enterprise_ids(json_t *open, struct zl_recall_derived *d)
{
    json_t *e = json_object_get(open, "enterprises"), *v;
    char **grown;
    size_t i;

    grown = zl_realloc(d->ids,
                       (d->n_ids + json_array_size(e) + 1) * sizeof *d->ids);
    if (!grown)
        return ZL_ENOMEM;
    d->ids = grown;
    if (!json_is_array(e))
        return (d->ids[d->n_ids] = dup_str("uscc:")) ? (d->n_ids++, 0)
                                                     : ZL_ENOMEM;
    json_array_foreach(e, i, v)
    {
        char id[32];

        if (!json_is_string(v) || strlen(json_string_value(v)) != 18)
            continue;
        snprintf(id, sizeof id, "uscc:%s", json_string_value(v));
        if (!(d->ids[d->n_ids] = dup_str(id)))
            return ZL_ENOMEM;
        d->n_ids++;
    }
    return 0;
}

int zl_recall_derive(zl_store *s, const char *case_id,
                     struct zl_recall_derived *d)
{
    struct state st;
    json_t *scope, *ids, *v;
    size_t i;
    int rc;

    memset(d, 0, sizeof *d);
    rc = load_state(s, case_id, &st);
    if (rc)
        goto out;
    scope = json_object_get(st.open, "scope");
    ids = json_object_get(scope, "ids");
    d->reason = dup_str(json_string_value(json_object_get(st.open, "reason")));
    d->hazard =
        dup_str(json_string_value(json_object_get(st.open, "hazardClass")));
    d->lots_json = json_dumps(json_object_get(st.open, "lots"), JSON_COMPACT);
    d->gtins_json = json_dumps(json_object_get(scope, "gtins"), JSON_COMPACT);
    d->ids = zl_calloc(json_array_size(ids) + 1, sizeof *d->ids);
    if (!d->reason || !d->hazard || !d->lots_json || !d->gtins_json ||
        !d->ids) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(ids, i, v)
    {
        if (json_is_string(v) &&
            !(d->ids[d->n_ids++] = dup_str(json_string_value(v)))) {
            rc = ZL_ENOMEM;
            goto out;
        }
    }
    if ((rc = enterprise_ids(st.open, d)))
        goto out;
    d->row.case_id = case_id;
    d->row.status = st.close ? "closed" : "open";
    d->row.reason = d->reason;
    d->row.hazard_class = d->hazard;
    d->row.opened_ms = record_ms(st.open);
    d->row.closed_ms = st.close ? record_ms(st.close) : 0;
    d->row.lots_json = d->lots_json;
    d->row.gtins_json = d->gtins_json;
out:
    state_cleanup(&st);
    if (rc)
        zl_recall_derived_cleanup(d);
    return rc;
}

void zl_recall_derived_cleanup(struct zl_recall_derived *d)
{
    for (size_t i = 0; d->ids && i < d->n_ids; i++)
        zl_free(d->ids[i]);
    zl_free(d->ids);
    zl_free(d->reason);
    zl_free(d->hazard);
    zl_free(d->lots_json);
    zl_free(d->gtins_json);
    memset(d, 0, sizeof *d);
}

/* ---- status ------------------------------------------------------------- */

/* What a zl_recall_status owns: the replayed state its strings point
 * into, and its arrays. */
struct status_priv {
    struct zl_recall_status pub;
    struct state st;
    const char **lots;
};

void zl_recall_status_free(struct zl_recall_status *pub)
{
    struct status_priv *p;

    if (!pub)
        return;
    p = pub->internal_;
    zl_free(pub->parties);
    zl_free(pub->overall);
    zl_free(p->lots);
    state_cleanup(&p->st);
    zl_free(p);
}

static uint64_t count_of(json_t *o, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(o, k));

    return v > 0 ? (uint64_t)v : 0;
}

/* One party's line: its main unit and quantities from the scope, its
 * steps from the records. */
static void party_line(const struct state *st, const char *party,
                       struct zl_recall_party_status *ps)
{
    json_t *cu = custodian(st, party), *h = main_holding(cu);
    const struct pstate *rs = zl_strmap_get(&st->parties, party);

    ps->party = party;
    ps->name = json_string_value(json_object_get(cu, "name"));
    ps->notified = rs && rs->notified;
    ps->acknowledged = rs && rs->acknowledged;
    ps->uom = h ? json_string_value(json_object_get(h, "uom")) : NULL;
    if (!ps->uom) /* not in scope: the unit it reported first */
        ps->uom = rs && rs->n_rec ? rs->rec[0].uom : "EA";
    ps->held = h ? json_number_value(json_object_get(h, "held")) : 0;
    ps->sold = h ? json_number_value(json_object_get(h, "sold")) : 0;
    ps->distributed = ps->held + ps->sold;
    ps->recovered = recovered_in(rs, ps->uom);
    ps->effectiveness =
        ps->distributed > 0 ? ps->recovered / ps->distributed : NAN;
}

/* Add a party's line to the total of its unit. */
static void add_total(struct zl_recall_status *out,
                      const struct zl_recall_party_status *ps)
{
    struct zl_recall_unit_total *t = NULL;

    for (size_t i = 0; i < out->n_overall && !t; i++)
        if (!strcmp(out->overall[i].uom, ps->uom))
            t = &out->overall[i];
    if (!t) {
        t = &out->overall[out->n_overall++];
        *t = (struct zl_recall_unit_total){ps->uom, 0, 0, NAN};
    }
    t->distributed = t->distributed + ps->held + ps->sold;
    t->recovered += ps->recovered;
}

int zl_recall_status_get(zl_store *s, const char *case_id,
                         struct zl_recall_status **out)
{
    struct status_priv *p;
    struct zl_recall_status *st;
    struct zl_strmap all;
    const char **keys = NULL;
    json_t *sum, *lots, *c;
    double best = -1;
    size_t i, n;
    int rc;

    *out = NULL;
    zl_strmap_init(&all, (size_t)PARTY_MAX_ARGS * 2);
    p = zl_calloc(1, sizeof *p);
    if (!p)
        return ZL_ENOMEM;
    st = &p->pub;
    st->internal_ = p;
    rc = load_state(s, case_id, &p->st);
    if (rc)
        goto out;
    snprintf(st->case_id, sizeof st->case_id, "%s", case_id);
    st->closed = p->st.close != NULL;
    st->reason = json_string_value(json_object_get(p->st.open, "reason"));
    st->reason_en = json_string_value(json_object_get(p->st.open, "reasonEn"));
    st->advice = json_string_value(json_object_get(p->st.open, "advice"));
    st->advice_en = json_string_value(json_object_get(p->st.open, "adviceEn"));
    st->hazard_class =
        json_string_value(json_object_get(p->st.open, "hazardClass"));
    st->opened = json_string_value(json_object_get(p->st.open, "time"));
    if (p->st.close) {
        st->closed_at = json_string_value(json_object_get(p->st.close, "time"));
        st->close_summary =
            json_string_value(json_object_get(p->st.close, "summary"));
        st->forced = json_is_true(json_object_get(p->st.close, "forced"));
    }
    st->records = (uint64_t)p->st.n;
    lots = json_object_get(p->st.open, "lots");
    p->lots = zl_calloc(json_array_size(lots) + 1, sizeof *p->lots);
    if (!p->lots) {
        rc = ZL_ENOMEM;
        goto out;
    }
    json_array_foreach(lots, i, c) if (json_is_string(c))
        p->lots[st->n_lots++] = json_string_value(c);
    st->lots = p->lots;
    sum = json_object_get(json_object_get(p->st.open, "scope"), "summary");
    st->summary = (struct zl_recall_summary){
        count_of(sum, "items"),   count_of(sum, "lots"),
        count_of(sum, "classes"), count_of(sum, "containers"),
        count_of(sum, "assets"),  count_of(sum, "itemsAtConsumers"),
        count_of(sum, "events")};
    /* every party: the custodians and the notified ones, by ID */
    json_array_foreach(custodians(&p->st), i, c)
    {
        const char *party = json_string_value(json_object_get(c, "party"));

        if (party && !zl_strmap_put(&all, party, NULL, &rc))
            goto out;
    }
    for (i = 0; i < zl_strmap_count(&p->st.parties); i++)
        if (!zl_strmap_put(&all, zl_strmap_at(&p->st.parties, i)->key, NULL,
                           &rc))
            goto out;
    keys = zl_strmap_sorted_keys(&all, &rc);
    if (!keys)
        goto out;
    n = zl_strmap_count(&all);
    st->parties = zl_calloc(n ? n : 1, sizeof *st->parties);
    st->overall = zl_calloc(n ? n : 1, sizeof *st->overall);
    if (!st->parties || !st->overall) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        /* the party strings must outlive `all`: use the record's copy */
        struct zl_strmap_entry *e = zl_strmap_find(&p->st.parties, keys[i]);
        json_t *cu = custodian(&p->st, keys[i]);
        const char *party =
            e ? e->key : json_string_value(json_object_get(cu, "party"));

        party_line(&p->st, party, &st->parties[i]);
        add_total(st, &st->parties[i]);
    }
    st->n_parties = n;
    st->effectiveness = NAN;
    for (i = 0; i < st->n_overall; i++) {
        struct zl_recall_unit_total *t = &st->overall[i];

        if (t->distributed > 0)
            t->effectiveness = t->recovered / t->distributed;
        if (t->distributed > best) {
            best = t->distributed;
            st->effectiveness_uom = t->uom;
            st->effectiveness = t->effectiveness;
        }
    }
out:
    zl_free(keys);
    zl_strmap_cleanup(&all, NULL);
    if (rc)
        zl_recall_status_free(st);
    else
        *out = st;
    return rc;
}

/* ---- listing and the portal -------------------------------------------- */

/* A stored JSON array of strings as borrowed pointers into *owner (new,
 * json_decref). Not an array (a damaged row): no strings. */
static int string_list(const char *text, json_t **owner, const char ***out,
                       size_t *n)
{
    json_t *a = json_loads(text ? text : "[]", 0, NULL), *v;
    size_t i;

    *owner = a;
    *n = 0;
    *out = zl_calloc(json_array_size(a) + 1, sizeof **out);
    if (!*out)
        return ZL_ENOMEM;
    json_array_foreach(a, i, v) if (json_is_string(v))(*out)[(*n)++] =
        json_string_value(v);
    return 0;
}

struct list_ctx {
    zl_recall_info_cb cb;
    void *ctx;
};

/* A stored summary row -> the public zl_recall_info. */
static int info_cb(void *vctx, const struct zl_store_recall_case *r)
{
    struct list_ctx *lc = vctx;
    struct zl_recall_info ri = {r->case_id,   r->status,
                                r->reason,    r->hazard_class,
                                r->opened_ms, r->closed_ms,
                                NULL,         0,
                                NULL,         0};
    const char **lots = NULL, **gtins = NULL;
    json_t *lj = NULL, *gj = NULL;
    int rc;

    rc = string_list(r->lots_json, &lj, &lots, &ri.n_lots);
    if (!rc)
        rc = string_list(r->gtins_json, &gj, &gtins, &ri.n_gtins);
    if (!rc) {
        ri.lots = lots;
        ri.gtins = gtins;
        rc = lc->cb ? lc->cb(lc->ctx, &ri) : 0;
    }
    zl_free(lots);
    zl_free(gtins);
    json_decref(lj);
    json_decref(gj);
    return rc;
}

int zl_recall_list(zl_store *s, int open_only, zl_recall_info_cb cb, void *ctx)
{
    struct list_ctx lc = {cb, ctx};

    return zl_store_recall_case_list(s, NULL, open_only, info_cb, &lc);
}

const char *zl_recall_action(const char *hazard_class, int lang_en)
{
    if (hazard_class && !strcmp(hazard_class, "I"))
        return lang_en ? "Serious hazard: stop eating or using this product "
                         "now and return it to the place of purchase or "
                         "contact the producer."
                       : "严重危害：请立即停止食用或使用，将产品退回购买处或"
                         "联系生产者。";
    if (hazard_class && !strcmp(hazard_class, "II"))
        return lang_en ? "May harm health: stop eating or using this product "
                         "and return it to the place of purchase."
                       : "可能危害健康：请停止食用或使用，退回购买处。";
    return lang_en ? "Unlikely to harm health but does not comply with the "
                     "rules: stop using it and contact the seller for a "
                     "refund or exchange."
                   : "不太可能危害健康，但不符合规定：请停止使用并联系销售者"
                     "退换。";
}

/* The open record of a case, alone (recall_records stops after it). */
struct open_rec {
    json_t *open;
};

static int open_rec_cb(void *ctx, long seq, const char *kind, const char *json,
                       size_t len)
{
    struct open_rec *o = ctx;

    (void)seq;
    if (strcmp(kind, "open"))
        return 0;
    o->open = json_loadb(json, len, 0, NULL);
    return o->open ? 1 : ZL_ESTORE;
}

/* The cases a notice is for, copied out of the store's iteration: their
 * texts are in their open records, read once it is over. */
struct notice_row {
    char *case_id, *reason, *hazard_class;
    int64_t opened_ms;
};

struct notice_ctx {
    struct notice_row *v;
    size_t n, cap;
};

static int notice_cb(void *vctx, const struct zl_store_recall_case *r)
{
    struct notice_ctx *nc = vctx;
    struct notice_row *row;

    if (nc->n == nc->cap) {
        size_t cap = nc->cap ? nc->cap * 2 : 4;
        struct notice_row *v = zl_realloc(nc->v, cap * sizeof *v);

        if (!v)
            return ZL_ENOMEM;
        nc->v = v;
        nc->cap = cap;
    }
    row = &nc->v[nc->n];
    row->case_id = dup_str(r->case_id);
    row->reason = dup_str(r->reason);
    row->hazard_class = dup_str(r->hazard_class);
    row->opened_ms = r->opened_ms;
    nc->n++;
    return row->case_id && row->reason && row->hazard_class ? 0 : ZL_ENOMEM;
}

/* Tell cb about one case, with the texts of its open record. */
static int notify_one(zl_store *s, const struct notice_row *row,
                      zl_recall_notice_cb cb, void *ctx)
{
    struct zl_recall_notice no = {
        row->case_id, row->reason, row->hazard_class, row->opened_ms, NULL,
        NULL,         NULL};
    struct open_rec o = {NULL};
    int rc = zl_store_recall_records(s, row->case_id, open_rec_cb, &o);

    if (rc < 0)
        return rc;
    no.reason_en = json_string_value(json_object_get(o.open, "reasonEn"));
    no.action_zh = json_string_value(json_object_get(o.open, "advice"));
    no.action_en = json_string_value(json_object_get(o.open, "adviceEn"));
    if (!no.action_zh)
        no.action_zh = zl_recall_action(row->hazard_class, 0);
    if (!no.action_en)
        no.action_en = zl_recall_action(row->hazard_class, 1);
    rc = cb(ctx, &no);
    json_decref(o.open);
    return rc;
}

int zl_recall_status_for(zl_store *s, const char *id, zl_recall_notice_cb cb,
                         void *ctx)
{
    char canon[1024];
    struct notice_ctx nc = {NULL, 0, 0};
    size_t i;
    int w, rc;

    if (!id)
        return ZL_EINVAL;
    w = zl_gs1_canonical(id, strlen(id), canon, sizeof canon, NULL);
    if (w < 0)
        return ZL_EINVAL;
    rc = zl_store_recall_cases_for_id(s, canon, notice_cb, &nc);
    for (i = 0; rc == 0 && cb && i < nc.n; i++)
        rc = notify_one(s, &nc.v[i], cb, ctx);
    for (i = 0; i < nc.n; i++) {
        zl_free(nc.v[i].case_id);
        zl_free(nc.v[i].reason);
        zl_free(nc.v[i].hazard_class);
    }
    zl_free(nc.v);
    return rc < 0 ? rc : (int)nc.n;
}

/* ---- the lots on packs -------------------------------------------------- */

struct open_ids {
    struct zl_strmap ids; /* open case IDs that may hold the GTIN */
    const char *case_id, *gtin;
};

static int open_case_cb(void *ctx, const struct zl_store_recall_case *r)
{
    struct open_ids *o = ctx;
    int rc = 0;

    if (o->case_id && strcmp(o->case_id, r->case_id))
        return 0;
    if (o->gtin && (!r->gtins_json || !strstr(r->gtins_json, o->gtin)))
        return 0; /* its scope names no item of this product */
    return zl_strmap_put(&o->ids, r->case_id, NULL, &rc) ? 0 : rc;
}

int zl_recall_pack_lots(zl_store *s, const char *case_id, const char *gtin,
                        zl_recall_pack_lot_cb cb, void *ctx)
{
    struct open_ids o;
    int rc, total = 0;

    if (gtin && strlen(gtin) != 14)
        return ZL_EINVAL;
    o.case_id = case_id;
    o.gtin = gtin;
    zl_strmap_init(&o.ids, 4096);
    rc = zl_store_recall_case_list(s, NULL, 1, open_case_cb, &o);
    for (size_t i = 0; !rc && i < zl_strmap_count(&o.ids); i++) {
        const char *cid = zl_strmap_at(&o.ids, i)->key;
        struct zl_strmap lots;
        struct state st;
        json_t *n;
        size_t k;

        if ((rc = load_state(s, cid, &st)))
            break;
        zl_strmap_init(&lots, MAP_MAX_LOTS);
        /* the scope's identifiers: lots are the ones with a batch */
        json_array_foreach(
            json_object_get(json_object_get(st.open, "scope"), "ids"), k, n)
        {
            const char *id = json_string_value(n);
            const char *g = id ? strstr(id, "/01/") : NULL;
            int added = 0;

            if (!g || !strstr(g, "/10/") || (gtin && strncmp(g + 4, gtin, 14)))
                continue;
            if (!zl_strmap_put(&lots, id, &added, &rc))
                break;
        }
        for (k = 0; !rc && k < zl_strmap_count(&lots); k++) {
            const char *dl = zl_strmap_at(&lots, k)->key;
            const char *g = strstr(dl, "/01/");
            char gt[15];
            struct zl_recall_pack_lot pl;

            if (!g || strlen(g) < 4 + 14 + 4)
                continue;
            memcpy(gt, g + 4, 14);
            gt[14] = '\0';
            pl.case_id = cid;
            pl.gtin = gt;
            pl.lot = strstr(dl, "/10/") + 4;
            pl.dl = dl;
            total++;
            if (cb && (rc = cb(ctx, &pl)))
                break;
        }
        zl_strmap_cleanup(&lots, NULL);
        state_cleanup(&st);
    }
    zl_strmap_cleanup(&o.ids, NULL);
    return rc ? rc : total;
}
