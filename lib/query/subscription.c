/*
 * subscription.c - named queries and webhook subscriptions
 * (zhiliang/subscription.h): definitions, checks, and what each delivery
 * holds. Sending is the server's (server/subscriber.c, libcurl); this file
 * decides the batches, so the same logic is testable without a network.
 *
 * A batch is a run of outbox rows (cursor, hi]. Its events are found by
 * running the named query restricted to the batch's event hashes
 * (EQ_eventID = their hash IDs, in chunks under the query module's list
 * cap) under the owner's viewer, so the owner's read rule and the query's
 * own filters decide together, exactly as GET /queries/{name}/events
 * would. Before the POST the batch's end is committed as `pending`; a
 * retry re-reads exactly (cursor, pending], so the same batch goes out
 * again with the same Idempotency-Key (the receiver can drop it) and no
 * event moves to another batch. The cursor moves only after a 2xx.
 *
 * Rejected: rerunning the whole query with GE_recordTime = the last
 * delivery's time (record times are the writer's clock: two captures in
 * one millisecond, or a clock step, would lose or repeat events; the
 * outbox seq is exact); remembering deliveries in memory (a restart would
 * lose or repeat them).
 */
#include "zhiliang/subscription.h"

#include "query/subs_log.h"
#include "store/store.h"
#include "store/store_correction.h"
#include "store/store_recall.h"
#include "store/store_subs.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "zhiliang/codec.h"
#include "zhiliang/epcis.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* event IDs per restricted query: two binds each, under
 * ZL_QUERY_MAX_BINDS with room for the named query's own values */
#define CHUNK          100
#define STREAM_ROWS    500   /* outbox rows per streaming batch */
#define SCHEDULE_ROWS  20000 /* per scheduled run */
#define MAX_BODY       ((size_t)64 << 20)
#define MAX_QUERY_TEXT 65536

/* ---- named queries ------------------------------------------------------ */

/* A transaction of our own unless the caller holds one: each change and
 * its log record (subs_log.c) land together. */
static int tx_begin(zl_store *s, int *own)
{
    *own = !zl_store_in_tx(s);
    return *own ? zl_store_begin(s) : 0;
}

static int tx_end(zl_store *s, int own, int rc)
{
    if (!own)
        return rc;
    if (!rc)
        rc = zl_store_commit(s);
    if (rc)
        zl_store_rollback(s);
    return rc;
}

static int name_ok(const char *n)
{
    size_t i;

    if (!n)
        return 0;
    for (i = 0; n[i]; i++)
        if (i >= ZL_QUERY_NAME_MAX - 1 ||
            !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789._-",
                    n[i]))
            return 0;
    return i > 0 && strcmp(n, ".") && strcmp(n, "..");
}

/* One parameter of the query object as the text zl_query_param takes. */
static int param_text(const char *key, json_t *v, struct zl_buf *b,
                      struct zl_error *err)
{
    size_t i;
    json_t *x;

    b->len = 0;
    if (json_is_string(v))
        return zl_buf_add(b, json_string_value(v), json_string_length(v));
    if (json_is_integer(v))
        return zl_buf_printf(b, "%lld", (long long)json_integer_value(v));
    if (json_is_true(v) && !strncmp(key, "EXISTS_", 7))
        return zl_buf_adds(b, "true");
    if (!json_is_array(v) || !json_array_size(v))
        return zl_error_set(err, ZL_EINVAL, key,
                            "a query value is a string, a number or a "
                            "non-empty array of strings",
                            NULL, 0);
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x) || strchr(json_string_value(x), '|'))
            return zl_error_set(err, ZL_EINVAL, key,
                                "list values are strings without '|'", NULL, 0);
        if ((i && zl_buf_addc(b, '|')) ||
            zl_buf_add(b, json_string_value(x), json_string_length(x)))
            return ZL_ENOMEM;
    }
    return 0;
}

static int apply_obj(zl_query *q, json_t *obj, struct zl_error *err)
{
    const char *k;
    json_t *v;
    struct zl_buf b;
    int rc = 0;

    if (!json_is_object(obj))
        return zl_error_set(err, ZL_EINVAL, "query",
                            "the query is a JSON object of parameters", NULL,
                            0);
    zl_buf_init(&b, MAX_QUERY_TEXT);
    json_object_foreach(obj, k, v)
    {
        if ((rc = param_text(k, v, &b, err)) || (rc = zl_buf_addc(&b, '\0')))
            break;
        if ((rc = zl_query_param(q, k, b.data, err)))
            break;
    }
    zl_buf_cleanup(&b);
    return rc == ZL_ENOMEM && err && !err->code
               ? zl_error_set(err, ZL_EINVAL, "query", "query too large", NULL,
                              0)
               : rc;
}

int zl_named_query_apply(zl_query *q, const char *query_json,
                         struct zl_error *err)
{
    json_error_t je;
    json_t *o = json_loads(query_json, JSON_REJECT_DUPLICATES, &je);
    int rc = apply_obj(q, o, err);

    json_decref(o);
    return rc;
}

int zl_named_query_save(zl_store *s, const char *name, const char *owner,
                        const char *query_json, size_t len,
                        struct zl_error *err)
{
    json_error_t je;
    json_t *o = NULL;
    zl_query *q = NULL;
    char *canon = NULL;
    int rc;

    if (!name_ok(name))
        return zl_error_set(err, ZL_EINVAL, "name",
                            "a query name is 1-64 characters of A-Z a-z 0-9 "
                            ". _ -",
                            name, (size_t)-1);
    o = json_loadb(query_json, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        rc = zl_error_set(err, ZL_EINVAL, "query", "not valid JSON", je.text,
                          (size_t)-1);
        goto out;
    }
    if (json_object_get(o, "nextPageToken") || json_object_get(o, "perPage")) {
        rc = zl_error_set(err, ZL_EINVAL,
                          json_object_get(o, "perPage") ? "perPage"
                                                        : "nextPageToken",
                          "pagination belongs to a run of the query "
                          "(GET /queries/{name}/events), not to its "
                          "definition",
                          NULL, 0);
        goto out;
    }
    if ((rc = zl_query_new(&q)) || (rc = apply_obj(q, o, err)))
        goto out;
    if (!(canon = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    {
        struct zl_store_nq row = {name, owner ? owner : "", canon,
                                  zl_time_now_ms()};
        int own = 0;

        if (!(rc = tx_begin(s, &own))) {
            rc = zl_store_nq_put(s, &row);
            if (!rc)
                rc = zl_subs_log_query(s, &row, 0, row.created_ms);
            rc = tx_end(s, own, rc);
        }
    }
    if (rc == ZL_EEXIST)
        zl_error_set(err, rc, "name", "a query of this name exists", name,
                     (size_t)-1);
out:
    free(canon);
    zl_query_free(q);
    json_decref(o);
    return rc;
}

struct nq_one {
    const char *owner;
    char *json;
    int hidden;
};

static int nq_one_cb(void *ctx, const struct zl_store_nq *q)
{
    struct nq_one *o = ctx;

    if (o->owner && strcmp(o->owner, q->owner)) {
        o->hidden = 1;
        return 0;
    }
    o->json = zl_strdup(q->query);
    return o->json ? 0 : ZL_ENOMEM;
}

int zl_named_query_get(zl_store *s, const char *name, const char *owner,
                       char **json)
{
    struct nq_one o = {owner, NULL, 0};
    int rc;

    *json = NULL;
    if (!name_ok(name))
        return ZL_ENOTFOUND;
    rc = zl_store_nq_get(s, name, nq_one_cb, &o);
    if (!rc && o.hidden)
        rc = ZL_ENOTFOUND;
    if (rc) {
        zl_free(o.json);
        return rc;
    }
    *json = o.json;
    return 0;
}

struct nq_each {
    zl_named_query_cb cb;
    void *ctx;
};

static int nq_each_cb(void *ctx, const struct zl_store_nq *q)
{
    struct nq_each *e = ctx;

    return e->cb(e->ctx, q->name, q->owner, q->query);
}

int zl_named_query_list(zl_store *s, const char *owner, zl_named_query_cb cb,
                        void *ctx)
{
    struct nq_each e = {cb, ctx};

    return zl_store_nq_list(s, owner, nq_each_cb, &e);
}

struct nq_del {
    zl_store *s;
    int64_t now_ms;
    char *owner; /* the deleted query's */
};

static int sub_del_log(void *ctx, const struct zl_store_sub *r)
{
    struct nq_del *d = ctx;

    return zl_subs_log_sub(d->s, r, 1, d->now_ms);
}

static int nq_owner_cb(void *ctx, const struct zl_store_nq *q)
{
    struct nq_del *d = ctx;

    d->owner = zl_strdup(q->owner);
    return d->owner ? 0 : ZL_ENOMEM;
}

char *zl_query_doc_rename(const char *json, size_t len, const char *name,
                          size_t *out_len)
{
    static const char K[] = "\"queryName\":\"SimpleEventQuery\"";
    const char *at = memmem(json, len, K, sizeof K - 1);
    struct zl_buf b;

    if (!at || !name_ok(name))
        return NULL;
    zl_buf_init(&b, len + 256);
    if (zl_buf_add(&b, json, (size_t)(at - json)) ||
        zl_buf_printf(&b, "\"queryName\":\"%s\"", name) ||
        zl_buf_add(&b, at + sizeof K - 1,
                   len - (size_t)(at - json) - (sizeof K - 1))) {
        zl_buf_cleanup(&b);
        return NULL;
    }
    *out_len = b.len;
    return zl_buf_steal(&b);
}

int zl_named_query_delete(zl_store *s, const char *name, const char *owner)
{
    struct nq_del d = {s, zl_time_now_ms(), NULL};
    char *json = NULL;
    int rc = zl_named_query_get(s, name, owner, &json), own = 0;

    zl_free(json);
    if (rc)
        return rc;
    if ((rc = tx_begin(s, &own)))
        return rc;
    /* each subscription on it goes with it, each by its own record */
    rc = zl_store_nq_get(s, name, nq_owner_cb, &d);
    if (!rc)
        rc = zl_store_sub_list(s, name, sub_del_log, &d);
    if (!rc)
        rc = zl_store_nq_delete(s, name);
    if (!rc) {
        struct zl_store_nq q = {name, d.owner, "", 0};

        rc = zl_subs_log_query(s, &q, 1, d.now_ms);
    }
    zl_free(d.owner);
    return tx_end(s, own, rc);
}

/* ---- schedules -----------------------------------------------------------
 * A field is a list of elements separated by commas; an element is a
 * number, a range "[a-b]" (the binding's pattern) or a step "a/b" (from
 * a on, every b: the binding's example "0/30"). An absent field matches
 * every value, except second, which is 0 when absent (a schedule without
 * seconds fires once a minute, not sixty times).
 */

static const struct {
    const char *name;
    int lo, hi;
} FIELDS[] = {{"second", 0, 59},     {"minute", 0, 59}, {"hour", 0, 23},
              {"dayOfMonth", 1, 31}, {"month", 1, 12},  {"dayOfWeek", 1, 7}};

static int num(const char **p, int *v)
{
    char *end;
    long x;

    if (**p < '0' || **p > '9')
        return -1;
    x = strtol(*p, &end, 10);
    if (end - *p > 2)
        return -1;
    *v = (int)x;
    *p = end;
    return 0;
}

/* 1 if value matches field text f, 0 if not, -1 if f is malformed or out
 * of [lo, hi]. */
static int field_match(const char *f, int lo, int hi, int value)
{
    const char *p = f;
    int hit = 0;

    if (!*p)
        return -1;
    for (;;) {
        int a, b;

        if (*p == '[') {
            p++;
            if (num(&p, &a) || *p++ != '-' || num(&p, &b) || *p++ != ']' ||
                a > b)
                return -1;
            hit |= value >= a && value <= b;
        } else {
            if (num(&p, &a))
                return -1;
            b = a;
            if (*p == '/') {
                int step;
                p++;
                if (num(&p, &step) || step <= 0)
                    return -1;
                hit |= value >= a && (value - a) % step == 0;
                b = a;
            } else {
                hit |= value == a;
            }
        }
        if (a < lo || b > hi)
            return -1;
        if (!*p)
            return hit;
        if (*p++ != ',')
            return -1;
    }
}

/* The schedule object's field as text (strings or numbers), or NULL. */
static const char *field_text(json_t *sch, const char *name, char buf[16])
{
    json_t *v = json_object_get(sch, name);

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, 16, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return v ? "" : NULL; /* "" fails the check */
}

/* 1 if the schedule fires in the second of t_s (UTC), 0 if not, -1 if
 * malformed (err names the field). */
static int schedule_match(json_t *sch, int64_t t_s, struct zl_error *err)
{
    time_t t = (time_t)t_s;
    struct tm tm;
    int vals[6], all = 1;

    gmtime_r(&t, &tm);
    vals[0] = tm.tm_sec;
    vals[1] = tm.tm_min;
    vals[2] = tm.tm_hour;
    vals[3] = tm.tm_mday;
    vals[4] = tm.tm_mon + 1;
    vals[5] = (tm.tm_wday + 6) % 7 + 1;
    if (!json_is_object(sch))
        return zl_error_set(err, ZL_EINVAL, "schedule", "schedule is an object",
                            NULL, 0),
               -1;
    for (size_t i = 0; i < 6; i++) {
        char buf[16];
        const char *f = field_text(sch, FIELDS[i].name, buf);
        int m = f ? field_match(f, FIELDS[i].lo, FIELDS[i].hi, vals[i])
                  : (i == 0 ? vals[0] == 0 : 1);
        if (m < 0) {
            zl_error_set(err, ZL_EINVAL, FIELDS[i].name,
                         "a schedule field is numbers, [a-b] ranges or a/b "
                         "steps, separated by commas, within its range",
                         f, (size_t)-1);
            return -1;
        }
        all &= m;
    }
    return all;
}

/* ---- subscriptions ------------------------------------------------------ */

/* A subscription row copied out of the store's callback. */
struct sub {
    char id[ZL_SUBSCRIPTION_ID_MAX];
    char *query_name, *owner, *dest, *secret, *last_error;
    json_t *spec;
    int64_t created_ms, cursor, pending, notified_ms, error_ms;
};

static void sub_clear(struct sub *x)
{
    zl_free(x->query_name);
    zl_free(x->owner);
    zl_free(x->dest);
    zl_free(x->secret);
    zl_free(x->last_error);
    json_decref(x->spec);
    memset(x, 0, sizeof *x);
}

static int sub_copy(void *ctx, const struct zl_store_sub *r)
{
    struct sub *x = ctx;
    json_error_t je;

    snprintf(x->id, sizeof x->id, "%s", r->id);
    x->query_name = zl_strdup(r->query_name);
    x->owner = zl_strdup(r->owner);
    x->dest = zl_strdup(r->dest);
    x->secret = zl_strdup(r->secret);
    x->spec = json_loads(r->spec, 0, &je);
    x->created_ms = r->created_ms;
    x->cursor = r->cursor;
    x->pending = r->pending;
    x->notified_ms = r->notified_ms;
    x->last_error = zl_strdup(r->last_error ? r->last_error : "");
    x->error_ms = r->error_ms;
    return x->query_name && x->owner && x->dest && x->secret && x->spec &&
                   x->last_error
               ? 0
               : ZL_ENOMEM;
}

static int sub_load(zl_store *s, const char *id, struct sub *x)
{
    int rc;

    memset(x, 0, sizeof *x);
    rc = zl_store_sub_get(s, id, sub_copy, x);
    if (rc)
        sub_clear(x);
    return rc;
}

static int uuid4(char out[ZL_SUBSCRIPTION_ID_MAX])
{
    uint8_t r[16];
    char h[33];

    if (RAND_bytes(r, sizeof r) != 1)
        return ZL_ENOMEM;
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    zl_hex_encode(r, 16, h);
    snprintf(out, ZL_SUBSCRIPTION_ID_MAX, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8,
             h + 12, h + 16, h + 20);
    return 0;
}

static int url_ok(const char *u)
{
    size_t n = strlen(u);

    if (n > 2000 || strpbrk(u, " \r\n\t\"<>\\^`{|}"))
        return 0;
    return (!strncmp(u, "http://", 7) && n > 7) ||
           (!strncmp(u, "https://", 8) && n > 8);
}

int zl_subscription_create(zl_store *s, const char *query_name,
                           const char *owner, const char *body, size_t len,
                           char id[ZL_SUBSCRIPTION_ID_MAX],
                           struct zl_error *err)
{
    json_error_t je;
    json_t *in = NULL, *spec = NULL, *v, *qo = NULL;
    char *qjson = NULL, *spec_txt = NULL;
    const char *dest, *secret = "";
    int64_t cursor = 0, irt = -1;
    int rc, stream, has_sched;

    id[0] = '\0';
    if ((rc = zl_named_query_get(s, query_name, owner, &qjson)))
        return rc;
    in = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(in)) {
        rc = zl_error_set(err, ZL_EINVAL, "", "the body is a JSON object",
                          je.text, (size_t)-1);
        goto out;
    }
    v = json_object_get(in, "dest");
    dest = json_string_value(v);
    if (!dest || !url_ok(dest)) {
        rc = zl_error_set(err, ZL_EINVAL, "dest",
                          "dest is the http(s) URL of the webhook", dest,
                          (size_t)-1);
        goto out;
    }
    if ((rc = zl_webhook_dest_check_for(s, owner, dest, err)))
        goto out;
    v = json_object_get(in, "signatureToken");
    if (v && !json_is_string(v)) {
        rc = zl_error_set(err, ZL_EINVAL, "signatureToken",
                          "signatureToken is a string", NULL, 0);
        goto out;
    }
    if (v)
        secret = json_string_value(v);
    stream = json_is_true(json_object_get(in, "stream"));
    has_sched = json_object_get(in, "schedule") != NULL;
    if (stream == has_sched ||
        (json_object_get(in, "stream") &&
         !json_is_boolean(json_object_get(in, "stream")))) {
        rc = zl_error_set(err, ZL_EINVAL, "stream",
                          "a subscription sets either \"stream\": true or a "
                          "\"schedule\"",
                          NULL, 0);
        goto out;
    }
    if (has_sched &&
        schedule_match(json_object_get(in, "schedule"), 0, err) < 0) {
        rc = ZL_EINVAL;
        goto out;
    }
    v = json_object_get(in, "reportIfEmpty");
    if ((v && !json_is_boolean(v)) ||
        (json_object_get(in, "recalls") &&
         !json_is_boolean(json_object_get(in, "recalls")))) {
        rc = zl_error_set(err, ZL_EINVAL, v ? "reportIfEmpty" : "recalls",
                          "a boolean", NULL, 0);
        goto out;
    }
    v = json_object_get(in, "initialRecordTime");
    if (v && (!json_is_string(v) ||
              zl_time_parse(json_string_value(v), json_string_length(v), &irt,
                            NULL))) {
        rc = zl_error_set(err, ZL_EINVAL, "initialRecordTime",
                          "an ISO 8601 date-time with an offset",
                          json_string_value(v), (size_t)-1);
        goto out;
    }
    /* the batch's events are named by EQ_eventID: a query that names
     * events itself would OR its own list into every batch */
    qo = json_loads(qjson, 0, &je);
    if (json_object_get(qo, "EQ_eventID")) {
        rc = zl_error_set(err, ZL_EINVAL, "EQ_eventID",
                          "a subscription cannot stand on a query naming "
                          "events by EQ_eventID",
                          NULL, 0);
        goto out;
    }
    if (irt < 0 && (rc = zl_store_outbox_last(s, &cursor)))
        goto out;
    spec = json_pack("{s:b, s:b, s:b}", "stream", stream, "reportIfEmpty",
                     json_is_true(json_object_get(in, "reportIfEmpty")),
                     "recalls", json_is_true(json_object_get(in, "recalls")));
    if (spec && has_sched)
        json_object_set(spec, "schedule", json_object_get(in, "schedule"));
    if (spec && irt >= 0)
        json_object_set_new(spec, "initialRecordTime", json_integer(irt));
    if (!spec || !(spec_txt = json_dumps(spec, JSON_COMPACT)) ||
        (rc = uuid4(id))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    {
        struct zl_store_sub r = {id,
                                 query_name,
                                 owner ? owner : "",
                                 dest,
                                 secret,
                                 spec_txt,
                                 zl_time_now_ms(),
                                 cursor,
                                 cursor,
                                 0,
                                 "",
                                 0};
        int own = 0;

        if (!(rc = tx_begin(s, &own))) {
            rc = zl_store_sub_put(s, &r);
            if (!rc)
                rc = zl_subs_log_sub(s, &r, 0, r.created_ms);
            rc = tx_end(s, own, rc);
        }
    }
out:
    if (rc)
        id[0] = '\0';
    free(spec_txt);
    zl_free(qjson);
    json_decref(qo);
    json_decref(spec);
    json_decref(in);
    return rc;
}

static json_t *sub_json(const struct sub *x)
{
    char t[32];
    json_t *o, *v;

    zl_time_format_utc(x->created_ms, t);
    o = json_pack("{s:s, s:s, s:s, s:s}", "subscriptionID", x->id, "queryName",
                  x->query_name, "dest", x->dest, "createdAt", t);
    if (!o)
        return NULL;
    if ((v = json_object_get(x->spec, "schedule"))) {
        json_object_set(o, "schedule", v);
        json_object_set(o, "reportIfEmpty",
                        json_object_get(x->spec, "reportIfEmpty"));
    } else {
        json_object_set_new(o, "stream", json_true());
    }
    if (json_is_true(json_object_get(x->spec, "recalls")))
        json_object_set_new(o, "recalls", json_true());
    if ((v = json_object_get(x->spec, "initialRecordTime"))) {
        zl_time_format_utc(json_integer_value(v), t);
        json_object_set_new(o, "initialRecordTime", json_string(t));
    }
    if (x->notified_ms) {
        zl_time_format_utc(x->notified_ms, t);
        json_object_set_new(o, "lastNotifiedAt", json_string(t));
    }
    if (x->error_ms && x->last_error[0]) {
        /* a Zhiliang extension: why the pending batch has not arrived */
        zl_time_format_utc(x->error_ms, t);
        json_object_set_new(
            o, "lastError",
            json_pack("{s:s, s:s}", "at", t, "reason", x->last_error));
    }
    return o;
}

static int visible(const struct sub *x, const char *query_name,
                   const char *owner)
{
    return !strcmp(x->query_name, query_name) &&
           (!owner || !strcmp(owner, x->owner));
}

int zl_subscription_get(zl_store *s, const char *query_name, const char *id,
                        const char *owner, char **json)
{
    struct sub x;
    json_t *o;
    int rc;

    *json = NULL;
    if ((rc = sub_load(s, id, &x)))
        return rc;
    if (!visible(&x, query_name, owner)) {
        sub_clear(&x);
        return ZL_ENOTFOUND;
    }
    o = sub_json(&x);
    *json = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    sub_clear(&x);
    return *json ? 0 : ZL_ENOMEM;
}

struct list_ctx {
    const char *owner;
    json_t *arr;
};

static int list_cb(void *ctx, const struct zl_store_sub *r)
{
    struct list_ctx *l = ctx;
    struct sub x;
    int rc;

    memset(&x, 0, sizeof x);
    if (l->owner && strcmp(l->owner, r->owner))
        return 0;
    if (!(rc = sub_copy(&x, r)))
        rc = json_array_append_new(l->arr, sub_json(&x)) ? ZL_ENOMEM : 0;
    sub_clear(&x);
    return rc;
}

int zl_subscription_list(zl_store *s, const char *query_name, const char *owner,
                         char **json)
{
    struct list_ctx l = {owner, json_array()};
    char *q = NULL;
    int rc;

    *json = NULL;
    if ((rc = zl_named_query_get(s, query_name, owner, &q)))
        goto out;
    if (!l.arr) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_store_sub_list(s, query_name, list_cb, &l);
    if (!rc && !(*json = json_dumps(l.arr, JSON_COMPACT)))
        rc = ZL_ENOMEM;
out:
    zl_free(q);
    json_decref(l.arr);
    return rc;
}

int zl_subscription_delete(zl_store *s, const char *query_name, const char *id,
                           const char *owner)
{
    struct sub x;
    int rc, own = 0;

    if ((rc = sub_load(s, id, &x)))
        return rc;
    if (!visible(&x, query_name, owner)) {
        sub_clear(&x);
        return ZL_ENOTFOUND;
    }
    if (!(rc = tx_begin(s, &own))) {
        struct zl_store_sub r = {0};

        r.id = x.id;
        r.query_name = x.query_name;
        r.owner = x.owner;
        rc = zl_store_sub_delete(s, id);
        if (!rc)
            rc = zl_subs_log_sub(s, &r, 1, zl_time_now_ms());
        rc = tx_end(s, own, rc);
    }
    sub_clear(&x);
    return rc;
}

struct ids_ctx {
    zl_subscription_id_cb cb;
    void *ctx;
};

static int ids_cb(void *ctx, const struct zl_store_sub *r)
{
    struct ids_ctx *c = ctx;

    return c->cb(c->ctx, r->id);
}

int zl_subscription_ids(zl_store *s, zl_subscription_id_cb cb, void *ctx)
{
    struct ids_ctx c = {cb, ctx};

    return zl_store_sub_list(s, NULL, ids_cb, &c);
}

/* ---- batches ------------------------------------------------------------ */

struct rows {
    int64_t lo, hi, limit_seq; /* rows (lo, limit_seq] (0: no bound) */
    size_t max;
    int64_t since_ms; /* initialRecordTime, -1 none */
    int64_t last_ms;  /* created_ms of the batch's last row */
    int want_recalls;
    uint8_t (*hashes)[32];
    size_t n_hashes;
    char **recalls;
    size_t n_recalls;
    char **corrections; /* outbox keys of corrections in the rows */
    size_t n_corrections;
    size_t n;
    int rc;
};

static int row_cb(void *ctx, const struct zl_outbox_row *row)
{
    struct rows *r = ctx;

    if (r->limit_seq && (int64_t)row->seq > r->limit_seq)
        return 1;
    r->hi = (int64_t)row->seq;
    r->last_ms = row->created_ms;
    r->n++;
    if (!strcmp(row->kind, "event") && row->created_ms >= r->since_ms &&
        strlen(row->key) == 64) {
        if (!zl_hex_decode(row->key, 64, r->hashes[r->n_hashes], 32))
            r->n_hashes++;
    } else if (!strcmp(row->kind, "recall") && r->want_recalls) {
        if (!(r->recalls[r->n_recalls] = zl_strdup(row->key)))
            return r->rc = ZL_ENOMEM;
        r->n_recalls++;
    } else if (!strcmp(row->kind, "correction") &&
               row->created_ms >= r->since_ms) {
        if (!(r->corrections[r->n_corrections] = zl_strdup(row->key)))
            return r->rc = ZL_ENOMEM;
        r->n_corrections++;
    }
    return 0;
}

static int target_cb(void *ctx, const struct zl_correction *c)
{
    memcpy(ctx, c->target, 32);
    return 0;
}

static int record_ms_cb(void *ctx, const struct zl_stored_event *ev)
{
    *(int64_t *)ctx = ev->record_time_ms;
    return 0;
}

/* A correction declares a stored event erroneous: the batch carries that
 * event again (the query now gives it with its errorDeclaration), so a
 * subscriber whose query selects it learns of the correction. Only an
 * event recorded within the subscription's range (at or after start_ms:
 * its creation, or its initialRecordTime) comes again: one recorded
 * before it began was never among what the subscription considers (the
 * REST binding's openapi.yaml, GS1-Query-InitialRecordTime: it
 * "constrain[s] what resources are considered when processing a query
 * subscription ... If omitted, the default value is the current time"),
 * and the declaration amends that event, it is not a new event (it has
 * the same eventID). Such a subscriber finds it by running the query
 * with EXISTS_errorDeclaration or GE_errorDeclarationTime. Once per
 * batch, after the rows are read (the callbacks of the outbox read may
 * not use the store). */
static int add_corrected(zl_store *s, struct rows *r, int64_t start_ms)
{
    for (size_t i = 0; i < r->n_corrections; i++) {
        uint8_t h[32];
        int64_t rec_ms = 0;
        size_t k;
        int rc = zl_store_correction_get(s, r->corrections[i], target_cb, h);

        if (rc == ZL_ENOTFOUND)
            continue;
        if (!rc)
            rc = zl_store_event_get(s, h, record_ms_cb, &rec_ms);
        if (rc == ZL_ENOTFOUND || (!rc && rec_ms < start_ms))
            continue;
        if (rc)
            return rc;
        for (k = 0; k < r->n_hashes && memcmp(r->hashes[k], h, 32); k++)
            ;
        if (k == r->n_hashes)
            memcpy(r->hashes[r->n_hashes++], h, 32);
    }
    return 0;
}

static void rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->n_recalls; i++)
        zl_free(r->recalls[i]);
    zl_free(r->recalls);
    for (size_t i = 0; i < r->n_corrections; i++)
        zl_free(r->corrections[i]);
    zl_free(r->corrections);
    zl_free(r->hashes);
}

struct emit {
    struct zl_buf *b;
    size_t n;
};

static int emit_cb(void *ctx, const char *json, size_t len)
{
    struct emit *e = ctx;
    int rc = e->n ? zl_buf_addc(e->b, ',') : 0;

    e->n++;
    return rc ? rc : zl_buf_add(e->b, json, len);
}

/* The events of hashes[0..n) that the named query and viewer select. */
static int batch_events(zl_store *s, const char *qjson,
                        const struct zl_viewer *viewer,
                        const uint8_t (*hashes)[32], size_t n, struct emit *e)
{
    struct zl_error err;
    struct zl_buf ids;
    int rc = 0;

    zl_buf_init(&ids, (size_t)CHUNK * 100);
    for (size_t i = 0; i < n && !rc; i += CHUNK) {
        zl_query *q = NULL;
        size_t m = n - i < CHUNK ? n - i : CHUNK;

        ids.len = 0;
        for (size_t k = 0; k < m && !rc; k++) {
            char hid[96];
            zl_event_hash_id(hashes[i + k], hid);
            rc = (k && zl_buf_addc(&ids, '|')) || zl_buf_adds(&ids, hid);
        }
        if (rc || (rc = zl_buf_addc(&ids, '\0')))
            break;
        memset(&err, 0, sizeof err);
        if (!(rc = zl_query_new(&q)) &&
            !(rc = zl_named_query_apply(q, qjson, &err)) &&
            !(rc = zl_query_param(q, "EQ_eventID", ids.data, &err))) {
            zl_query_set_viewer(q, viewer);
            rc =
                zl_query_each(s, q, ZL_EPC_AS_CAPTURED, emit_cb, e, NULL, &err);
        }
        zl_query_free(q);
    }
    zl_buf_cleanup(&ids);
    return rc;
}

/* Recall-opened notices among keys ("recall:<case>:<seq>") for owner ("":
 * every one). */
static int batch_recalls(zl_store *s, const char *owner, char **keys, size_t n,
                         json_t *out)
{
    for (size_t i = 0; i < n; i++) {
        char *c = keys[i] + 7, *colon = strrchr(keys[i], ':'), *json = NULL;
        json_t *rec, *cu;
        json_error_t je;
        size_t len, k;
        int hit = !owner[0];

        if (strncmp(keys[i], "recall:", 7) || !colon || colon <= c)
            continue;
        *colon = '\0';
        if (zl_store_recall_record_get(s, c, strtol(colon + 1, NULL, 10), &json,
                                       &len)) {
            *colon = ':';
            continue;
        }
        *colon = ':';
        rec = json_loadb(json, len, 0, &je);
        zl_free(json);
        if (!rec)
            continue;
        if (strcmp(json_string_value(json_object_get(rec, "type"))
                       ? json_string_value(json_object_get(rec, "type"))
                       : "",
                   "open")) {
            json_decref(rec);
            continue;
        }
        json_array_foreach(
            json_object_get(json_object_get(rec, "scope"), "custodians"), k, cu)
        {
            const char *p = json_string_value(json_object_get(cu, "party"));
            if (p && !strcmp(p, owner))
                hit = 1;
        }
        if (hit && json_array_append_new(out, json_pack("{s:s, s:O}", "type",
                                                        "RecallOpened",
                                                        "record", rec))) {
            json_decref(rec);
            return ZL_ENOMEM;
        }
        json_decref(rec);
    }
    return 0;
}

void zl_delivery_cleanup(struct zl_delivery *d)
{
    if (!d)
        return;
    zl_free(d->dest);
    zl_free(d->body);
    zl_free(d->owner);
    memset(d, 0, sizeof *d);
}

int zl_hmac_sha256_b64(const char *key, size_t key_len, const void *msg,
                       size_t len, char out[48])
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;

    if (!HMAC(EVP_sha256(), key, (int)key_len, msg, len, mac, &ml) || ml != 32)
        return ZL_ENOMEM;
    zl_base64_encode(mac, 32, out);
    return 0;
}

/* What a body names: the query, the subscription (NULL for a live
 * stream, which has no ID) and the owner whose read rule applies. */
struct about {
    const char *query_name, *sub_id, *owner;
};

/* Build d's body for rows (lo, hi] of x. */
static int build(zl_store *s, const struct about *x, const char *qjson,
                 struct rows *r, int64_t now_ms, struct zl_delivery *d)
{
    struct zl_viewer viewer;
    struct zl_error err;
    struct zl_buf b;
    struct emit e = {&b, 0};
    json_t *recalls = json_array();
    char now[32], *rj = NULL;
    int rc;

    memset(&err, 0, sizeof err);
    if (!recalls)
        return ZL_ENOMEM;
    if (x->owner[0])
        rc = zl_viewer_for_party(s, x->owner, &viewer, &err);
    else {
        zl_viewer_init(&viewer, ZL_VIEW_LOCAL);
        rc = 0;
    }
    zl_buf_init(&b, MAX_BODY);
    /* creationDate: the batch's last change, so that a retry of the batch
     * is the same body byte for byte (the receiver may compare) */
    zl_time_format_utc(r->n ? r->last_ms : now_ms, now);
    if (!rc)
        rc = zl_buf_printf(
            &b,
            "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
            "epcis-context.jsonld\"],\"type\":\"EPCISQueryDocument\","
            "\"schemaVersion\":\"2.0\",\"creationDate\":\"%s\",\"epcisBody\":"
            "{\"queryResults\":{\"queryName\":\"%s\",%s%s%s"
            "\"resultsBody\":{\"eventList\":[",
            now, x->query_name, x->sub_id ? "\"subscriptionID\":\"" : "",
            x->sub_id ? x->sub_id : "", x->sub_id ? "\"," : "");
    if (!rc && r->n_hashes)
        rc = batch_events(s, qjson, &viewer, (const uint8_t(*)[32])r->hashes,
                          r->n_hashes, &e);
    if (!rc && r->n_recalls)
        rc = batch_recalls(s, x->owner, r->recalls, r->n_recalls, recalls);
    if (!rc)
        rc = zl_buf_adds(&b, "]}}}");
    if (!rc && json_array_size(recalls)) {
        /* a Zhiliang extension member beside epcisBody */
        rj = json_dumps(recalls, JSON_COMPACT);
        rc = rj ? zl_buf_printf(&b, ",\"zhiliang:recalls\":%s", rj) : ZL_ENOMEM;
    }
    if (!rc)
        rc = zl_buf_addc(&b, '}');
    d->n_events = e.n;
    d->n_recalls = json_array_size(recalls);
    free(rj);
    json_decref(recalls);
    if (rc) {
        zl_buf_cleanup(&b);
        return rc;
    }
    d->len = b.len;
    d->body = zl_buf_steal(&b);
    return d->body ? 0 : ZL_ENOMEM;
}

int zl_subscription_next(zl_store *s, const char *id, int64_t now_ms,
                         struct zl_delivery *d)
{
    struct sub x;
    struct about ab;
    struct rows r;
    json_t *sched, *irt;
    char *qjson = NULL;
    int rc, retry, report;

    zl_delivery_cleanup(d);
    memset(&r, 0, sizeof r);
    if ((rc = sub_load(s, id, &x)))
        return rc;
    sched = json_object_get(x.spec, "schedule");
    report = sched && json_is_true(json_object_get(x.spec, "reportIfEmpty"));
    retry = x.pending > x.cursor;
    if (!retry && sched &&
        (now_ms / 1000 == x.notified_ms / 1000 ||
         schedule_match(sched, now_ms / 1000, NULL) != 1)) {
        rc = 0; /* not due */
        goto out;
    }
    if ((rc = zl_named_query_get(s, x.query_name, NULL, &qjson)))
        goto out;
    irt = json_object_get(x.spec, "initialRecordTime");
    r.lo = r.hi = x.cursor;
    r.limit_seq = retry ? x.pending : 0;
    r.max = retry   ? (size_t)(x.pending - x.cursor)
            : sched ? SCHEDULE_ROWS
                    : STREAM_ROWS;
    r.since_ms = irt ? json_integer_value(irt) : -1;
    r.want_recalls = json_is_true(json_object_get(x.spec, "recalls"));
    r.hashes = zl_malloc((r.max + 1) * sizeof *r.hashes);
    r.recalls = zl_calloc(r.max + 1, sizeof *r.recalls);
    r.corrections = zl_calloc(r.max + 1, sizeof *r.corrections);
    if (!r.hashes || !r.recalls || !r.corrections) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_store_outbox_read(s, (uint64_t)x.cursor, r.max, row_cb, &r);
    if (rc == 1)
        rc = 0;
    if (!rc)
        rc = r.rc;
    if (!rc)
        rc = add_corrected(s, &r, r.since_ms >= 0 ? r.since_ms : x.created_ms);
    if (rc)
        goto out;
    if (retry)
        r.hi = x.pending;
    if (r.hi == x.cursor && !report) {
        if (sched) /* the run happened: not again this second */
            rc = zl_store_sub_progress(s, id, x.cursor, x.cursor, now_ms);
        goto out; /* rc 0: nothing to do */
    }
    snprintf(d->id, sizeof d->id, "%s", x.id);
    d->lo = x.cursor;
    d->hi = r.hi;
    ab.query_name = x.query_name;
    ab.sub_id = x.id;
    ab.owner = x.owner;
    if ((rc = build(s, &ab, qjson, &r, now_ms, d)))
        goto out;
    if (!d->n_events && !d->n_recalls && !report) {
        /* nothing the owner may see matched: pass the rows over */
        zl_delivery_cleanup(d);
        rc = zl_store_sub_progress(s, id, r.hi, r.hi, sched ? now_ms : 0);
        rc = rc ? rc : 2;
        goto out;
    }
    if (!(d->dest = zl_strdup(x.dest)) || !(d->owner = zl_strdup(x.owner))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if (x.secret[0] && (rc = zl_hmac_sha256_b64(x.secret, strlen(x.secret),
                                                d->body, d->len, d->signature)))
        goto out;
    /* an empty scheduled report covers no rows: its run names it */
    if (d->lo == d->hi)
        snprintf(d->idempotency_key, sizeof d->idempotency_key,
                 "%s:%lld-%lld@%lld", x.id, (long long)d->lo, (long long)d->hi,
                 (long long)(now_ms / 1000));
    else
        snprintf(d->idempotency_key, sizeof d->idempotency_key, "%s:%lld-%lld",
                 x.id, (long long)d->lo, (long long)d->hi);
    /* the batch's end, before it is sent: a retry sends the same batch */
    if (!retry && (rc = zl_store_sub_progress(s, id, x.cursor, r.hi, 0)))
        goto out;
    rc = 1;
out:
    if (rc != 1)
        zl_delivery_cleanup(d);
    rows_free(&r);
    zl_free(qjson);
    sub_clear(&x);
    return rc;
}

int zl_subscription_failed(zl_store *s, const char *id, const char *why,
                           long status, int64_t now_ms)
{
    char b[512];

    if (status)
        snprintf(b, sizeof b, "HTTP %ld from the receiver", status);
    else
        snprintf(b, sizeof b, "%s", why ? why : "delivery failed");
    return zl_store_sub_error(s, id, b, now_ms ? now_ms : 1);
}

int zl_subscription_delivered(zl_store *s, const struct zl_delivery *d,
                              int64_t now_ms)
{
    return zl_store_sub_progress(s, d->id, d->hi, d->hi, now_ms ? now_ms : 1);
}

/* ---- live streams --------------------------------------------------------
 * A stream is a subscription without a row: the same batches (rows
 * (cursor, hi] of the outbox, the named query restricted to their events
 * under the owner's read rule), but the cursor lives in the caller's
 * memory and moves as soon as a batch is built. The server sends it on a
 * WebSocket; a dropped connection forgets it.
 */

struct zl_query_stream {
    char name[ZL_QUERY_NAME_MAX];
    char *owner;
    int64_t cursor, start_ms, since_ms;
};

int zl_query_stream_open(zl_store *s, const char *query_name, const char *owner,
                         int64_t since_ms, zl_query_stream **out,
                         struct zl_error *err)
{
    zl_query_stream *q;
    json_error_t je;
    json_t *qo;
    char *qjson = NULL;
    int rc;

    *out = NULL;
    if ((rc = zl_named_query_get(s, query_name, owner, &qjson)))
        return rc;
    qo = json_loads(qjson, 0, &je);
    zl_free(qjson);
    if (json_object_get(qo, "EQ_eventID")) {
        json_decref(qo);
        return zl_error_set(err, ZL_EINVAL, "EQ_eventID",
                            "a subscription cannot stand on a query naming "
                            "events by EQ_eventID",
                            NULL, 0);
    }
    json_decref(qo);
    if (!(q = zl_calloc(1, sizeof *q)) ||
        !(q->owner = zl_strdup(owner ? owner : ""))) {
        zl_free(q);
        return ZL_ENOMEM;
    }
    snprintf(q->name, sizeof q->name, "%s", query_name);
    q->since_ms = since_ms;
    q->start_ms = since_ms >= 0 ? since_ms : zl_time_now_ms();
    if (since_ms < 0 && (rc = zl_store_outbox_last(s, &q->cursor))) {
        zl_query_stream_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

int zl_query_stream_head(zl_store *s, int64_t *seq)
{
    return zl_store_outbox_last(s, seq);
}

int64_t zl_query_stream_cursor(const zl_query_stream *q)
{
    return q ? q->cursor : 0;
}

int zl_query_stream_next(zl_store *s, zl_query_stream *q, int64_t now_ms,
                         char **body, size_t *len, size_t *n_events)
{
    struct zl_delivery d;
    struct about ab = {q->name, NULL, q->owner};
    struct rows r;
    char *qjson = NULL;
    int rc;

    *body = NULL;
    *len = 0;
    *n_events = 0;
    memset(&d, 0, sizeof d);
    memset(&r, 0, sizeof r);
    /* read each time: a deleted query (or one that changed hands) ends
     * the stream, as DELETE /queries/{name} unsubscribes every
     * subscriber */
    if ((rc = zl_named_query_get(s, q->name, q->owner, &qjson)))
        return rc;
    r.lo = r.hi = q->cursor;
    r.max = STREAM_ROWS;
    r.since_ms = q->since_ms;
    r.hashes = zl_malloc((r.max + 1) * sizeof *r.hashes);
    r.recalls = zl_calloc(r.max + 1, sizeof *r.recalls);
    r.corrections = zl_calloc(r.max + 1, sizeof *r.corrections);
    if (!r.hashes || !r.recalls || !r.corrections) {
        rc = ZL_ENOMEM;
        goto out;
    }
    rc = zl_store_outbox_read(s, (uint64_t)q->cursor, r.max, row_cb, &r);
    if (rc == 1)
        rc = 0;
    if (!rc)
        rc = r.rc;
    if (!rc)
        rc = add_corrected(s, &r, q->start_ms);
    if (rc || r.hi == q->cursor)
        goto out; /* rc 0: nothing new */
    if ((rc = build(s, &ab, qjson, &r, now_ms, &d)))
        goto out;
    q->cursor = r.hi;
    if (!d.n_events) {
        rc = 2;
        goto out;
    }
    *body = d.body;
    *len = d.len;
    *n_events = d.n_events;
    d.body = NULL;
    rc = 1;
out:
    zl_delivery_cleanup(&d);
    rows_free(&r);
    zl_free(qjson);
    return rc;
}

void zl_query_stream_free(zl_query_stream *q)
{
    if (!q)
        return;
    zl_free(q->owner);
    zl_free(q);
}
