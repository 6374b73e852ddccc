/*
 * risk_api.c - /api/risk: risk reports over HTTP (zhiliang/risk_intake.h).
 *
 *   POST /api/risk/complaints  public, anonymous: a consumer complaint
 *   POST /api/risk/injury      bearer token of a party whose role is
 *                              "hospital" (a sentinel hospital), or a
 *                              regulator
 *   POST /api/risk/incident    bearer token of the enterprise the report
 *                              names (its USCC), or a regulator
 *   GET  /api/risk/reports     regulators: the public records
 *                              (?kind=...), never personal data
 *   GET  /api/risk/case/{id}   a regulator, or the enterprise the
 *                              complaint names or was routed to: its
 *                              state, deadlines and steps
 *   POST /api/risk/case/{id}   one handling step {"action", "reason",
 *                              "into", "enterprise", "answer",
 *                              "outcome"}, taken as the token's party
 *                              (zl_risk_step checks the role)
 *
 * POST /api/risk/complaints is rate limited per client address (a token
 * bucket, ratelimit.c): 429 with Retry-After when the bucket is empty.
 *
 * Bodies are JSON as `zhiliang risk report` reads. A report with any bad
 * field answers 400 with every error ({"errors": [{"field", "value",
 * "why"}]}) and stores nothing; 201 {"id"} when stored. Limits are the
 * server's (body size, connections per IP). Personal data is accepted
 * only when the operator started the server with ZHILIANG_PII_KEY naming
 * its key file (read again whenever it changes: a rotation needs no
 * restart); there is no endpoint that returns it (the CLI's `risk
 * show --reveal` is the one way, for a regulator holding the key).
 */
#include "server_int.h"

#include "ratelimit.h"

#include "zhiliang/party.h"
#include "zhiliang/risk_handle.h"
#include "zhiliang/risk_intake.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The operator's key file (ZHILIANG_PII_KEY), read again whenever it
 * changes: each request compares the file's identity (device, inode,
 * size, modification time to the nanosecond) with the one loaded, so an
 * operator who runs `zhiliang risk rekey` and then puts the new key in
 * place (a rename, or a rewrite) is served with it from the next request,
 * without a restart. A file that cannot be read keeps the last key. */
static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t pii_key[ZL_RISK_KEY_LEN];
static int have_key, key_seen;
static struct stat key_st;

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void load_key(const char *path, const struct stat *st)
{
    char text[256];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f)
        return;
    n = fread(text, 1, sizeof text, f);
    fclose(f);
    have_key = !zl_risk_key_parse(text, n, pii_key);
    memset(text, 0, sizeof text);
    key_st = *st;
    key_seen = 1;
    if (!have_key)
        fprintf(stderr,
                "zhiliang serve: ZHILIANG_PII_KEY %s is not a key: "
                "personal data will be refused\n",
                path);
}

/* The current key into out: 1, or 0 when there is none. */
static int pii_key_get(uint8_t out[ZL_RISK_KEY_LEN])
{
    const char *path = getenv("ZHILIANG_PII_KEY");
    struct stat st;
    int ok;

    if (!path || !*path)
        return 0;
    pthread_mutex_lock(&key_mu);
    if (!stat(path, &st) && (!key_seen || !same_file(&st, &key_st)))
        load_key(path, &st);
    ok = have_key;
    if (ok)
        memcpy(out, pii_key, ZL_RISK_KEY_LEN);
    pthread_mutex_unlock(&key_mu);
    return ok;
}

int zl_srv_risk_collect(void *ctx, const struct zl_risk_field_error *e)
{
    json_t *o = json_object();

    json_object_set_new(o, "field", json_string(e->field));
    json_object_set_new(o, "value", json_string(e->value));
    json_object_set_new(o, "why", json_string(e->why));
    return json_array_append_new(ctx, o) ? ZL_ENOMEM : 0;
}

int zl_srv_risk_submit(struct zl_req *r, int kind, const char *submitter,
                       const char *json, size_t len, char *id,
                       struct json_t *errors)
{
    enum zl_risk_kind k = (enum zl_risk_kind)kind;
    struct zl_risk_intake_opts o = {0};
    struct zl_error err = {0};
    zl_store *s = zl_srv_store_nosnap(r);
    uint8_t key[ZL_RISK_KEY_LEN];
    int rc;

    if (!s)
        return ZL_ESTORE;
    o.key = pii_key_get(key) ? key : NULL;
    o.submitter = submitter;
    rc = zl_risk_submit(s, k, json, len, &o, id, zl_srv_risk_collect, errors,
                        &err);
    memset(key, 0, sizeof key);
    return rc;
}

struct who {
    enum zl_party_kind kind;
    char role[32], uscc[19];
};

static int who_cb(void *ctx, const struct zl_party *p)
{
    struct who *w = ctx;

    w->kind = p->kind;
    snprintf(w->role, sizeof w->role, "%s", p->role ? p->role : "");
    snprintf(w->uscc, sizeof w->uscc, "%s", p->uscc ? p->uscc : "");
    return 0;
}

/* May party submit a report of kind k naming enterprise (may be NULL)? */
static int may_submit(zl_store *s, const char *party, enum zl_risk_kind k,
                      const char *enterprise)
{
    struct who w = {0};

    if (zl_party_get(s, party, who_cb, &w))
        return 0;
    if (w.kind == ZL_PARTY_REGULATOR)
        return 1;
    if (w.kind != ZL_PARTY_ENTERPRISE)
        return 0;
    if (k == ZL_RISK_INJURY)
        return !strcmp(w.role, "hospital");
    return enterprise && w.uscc[0] && !strcmp(enterprise, w.uscc);
}

static void submit(struct zl_req *r, enum zl_risk_kind k)
{
    char party[ZL_PARTY_ID_MAX] = "", id[ZL_RISK_ID_MAX];
    json_t *errors, *o;
    const char *body = (const char *)r->body.data;
    int rc;

    if (k == ZL_RISK_COMPLAINT) {
        unsigned wait = zl_ratelimit_complaint(r);
        char why[160];

        if (wait) {
            snprintf(why, sizeof why,
                     "too many complaints from this address: try again in "
                     "%u s",
                     wait);
            zl_reply_problem(r, 429, NULL, "Too Many Requests", why);
            return;
        }
    }
    if (r->body_too_big) {
        zl_reply_problem(r, 413, NULL, "Payload Too Large", NULL);
        return;
    }
    if (k != ZL_RISK_COMPLAINT) {
        zl_store *s = zl_srv_store_nosnap(r);
        json_t *in;
        const char *ent;

        if (zl_req_auth(r, party))
            return;
        in = json_loadb(body ? body : "", r->body.len, 0, NULL);
        ent = json_string_value(json_object_get(in, "enterprise"));
        rc = s && may_submit(s, party, k, ent);
        json_decref(in);
        if (!rc) {
            zl_reply_problem(
                r, 403, NULL, "Forbidden",
                k == ZL_RISK_INJURY
                    ? "injury reports come from a sentinel hospital (a "
                      "party with role \"hospital\") or a regulator"
                    : "an incident report comes from the enterprise it "
                      "names (\"enterprise\" is its USCC) or a regulator");
            return;
        }
    }
    errors = json_array();
    rc = zl_srv_risk_submit(r, k, party[0] ? party : NULL, body ? body : "",
                            r->body.len, id, errors);
    if (rc == ZL_EINVAL) {
        o = json_object();
        json_object_set_new(o, "errors", errors);
        json_object_set_new(o, "stored", json_false());
        zl_srv_reply_json(r, 400, o);
        return;
    }
    json_decref(errors);
    if (rc == ZL_EPERM) { /* the server's key was retired by a rotation */
        zl_reply_problem(r, 503, NULL, "Service Unavailable",
                         "personal data cannot be stored now: the server's "
                         "personal-data key has been retired (the operator "
                         "puts the new key in the server's key file, read "
                         "again at the next request); send the report "
                         "without personal data or try later");
        return;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "store the report");
        return;
    }
    o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "kind", json_string(zl_risk_kind_name(k)));
    zl_srv_reply_json(r, 201, o);
}

static int list_cb(void *ctx, const struct zl_risk_report_row *row)
{
    json_t *rec = json_loadb(row->json, row->len, 0, NULL);

    return json_array_append_new(ctx, rec ? rec : json_null()) ? ZL_ENOMEM : 0;
}

static void reports(struct zl_req *r)
{
    struct zl_viewer v;
    const char *kind = zl_req_param(r, "kind");
    enum zl_risk_kind k = ZL_RISK_COMPLAINT;
    zl_store *s;
    json_t *arr, *o;
    int rc;

    if (zl_req_viewer(r, &v, 1))
        return;
    if (v.role != ZL_VIEW_PARTY || v.party.kind != ZL_PARTY_REGULATOR) {
        zl_reply_problem(r, 403, NULL, "Forbidden",
                         "risk reports are for regulators");
        return;
    }
    if (kind && zl_risk_kind_parse(kind, &k)) {
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "kind is complaint, injury or incident");
        return;
    }
    if (!(s = zl_srv_store(r))) {
        zl_reply_store_error(r, ZL_ESTORE, "open the store");
        return;
    }
    arr = json_array();
    if ((rc = zl_risk_report_list(s, kind ? (int)k : -1, list_cb, arr))) {
        json_decref(arr);
        zl_reply_store_error(r, rc, "list the reports");
        return;
    }
    o = json_object();
    json_object_set_new(o, "reports", arr);
    zl_srv_reply_json(r, 200, o);
}

static json_t *case_json(const struct zl_risk_case *c)
{
    json_t *o = json_object();
    char d[11];

    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "state", json_string(c->state));
    json_object_set_new(o, "enterprise", json_string(c->enterprise));
    if (c->outcome[0])
        json_object_set_new(o, "outcome", json_string(c->outcome));
    if (c->merged_into[0])
        json_object_set_new(o, "mergedInto", json_string(c->merged_into));
    if (c->accept_deadline >= 0) {
        zl_day_format(c->accept_deadline, d);
        json_object_set_new(o, "acceptBy", json_string(d));
        json_object_set_new(o, "acceptOverdue",
                            json_boolean(c->accept_overdue));
    }
    if (c->close_deadline >= 0) {
        zl_day_format(c->close_deadline, d);
        json_object_set_new(o, "closeBy", json_string(d));
        json_object_set_new(o, "closeOverdue", json_boolean(c->close_overdue));
    }
    return o;
}

static int step_cb(void *ctx, int64_t seq, const char *json, size_t len)
{
    json_t *rec = json_loadb(json, len, 0, NULL);

    (void)seq;
    return json_array_append_new(ctx, rec ? rec : json_null()) ? ZL_ENOMEM : 0;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* GET or POST /api/risk/case/{id}. */
static void handle_case(struct zl_req *r, const char *id)
{
    char party[ZL_PARTY_ID_MAX] = "";
    struct zl_risk_case c;
    struct zl_risk_step_in in = {0};
    struct zl_error err = {0};
    struct who w = {0};
    zl_store *s;
    json_t *o, *in_j, *errors;
    int rc, seq = 0, post = !strcmp(r->method, "POST");

    if (zl_req_auth(r, party))
        return;
    if (!(s = zl_srv_store_nosnap(r))) {
        zl_reply_store_error(r, ZL_ESTORE, "open the store");
        return;
    }
    zl_party_get(s, party, who_cb, &w);
    if ((rc = zl_risk_case_get(s, id, NULL, &c, &err))) {
        zl_reply_problem(r, rc == ZL_ENOTFOUND ? 404 : 500, NULL,
                         rc == ZL_ENOTFOUND ? "Not Found" : "Store error",
                         rc == ZL_ENOTFOUND ? "no such complaint" : NULL);
        return;
    }
    if (!post) {
        if (w.kind != ZL_PARTY_REGULATOR &&
            !(w.uscc[0] && !strcmp(w.uscc, c.enterprise))) {
            zl_reply_problem(r, 403, NULL, "Forbidden",
                             "a complaint's handling is for regulators and "
                             "the enterprise it concerns");
            return;
        }
        o = case_json(&c);
        errors = json_array();
        zl_risk_steps(s, id, step_cb, errors);
        json_object_set_new(o, "history", errors);
        zl_srv_reply_json(r, 200, o);
        return;
    }
    if (r->body_too_big) {
        zl_reply_problem(r, 413, NULL, "Payload Too Large", NULL);
        return;
    }
    in_j = json_loadb(r->body.data ? (const char *)r->body.data : "",
                      r->body.len, 0, NULL);
    if (!json_is_object(in_j) || !jstr(in_j, "action") ||
        zl_risk_action_parse(jstr(in_j, "action"), &in.action)) {
        json_decref(in_j);
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "a JSON object with \"action\": accept, reject, "
                         "merge, route, answer or close");
        return;
    }
    in.actor = party;
    in.reason = jstr(in_j, "reason");
    in.into = jstr(in_j, "into");
    in.enterprise = jstr(in_j, "enterprise");
    in.answer = jstr(in_j, "answer");
    in.outcome = jstr(in_j, "outcome");
    errors = json_array();
    rc = zl_risk_step(s, id, &in, &seq, zl_srv_risk_collect, errors, &err);
    json_decref(in_j);
    if (rc == ZL_EINVAL) {
        o = json_object();
        json_object_set_new(o, "errors", errors);
        json_object_set_new(o, "stored", json_false());
        zl_srv_reply_json(r, 400, o);
        return;
    }
    json_decref(errors);
    if (rc == ZL_EPERM || rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 403, NULL, "Forbidden", err.rule);
        return;
    }
    if (rc == ZL_EEXIST) { /* another step took this number first */
        zl_reply_problem(r, 409, NULL, "Conflict",
                         "another step was taken on this complaint at the "
                         "same time: read it again and retry");
        return;
    }
    if (rc) {
        zl_reply_store_error(r, rc, "store the step");
        return;
    }
    o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "seq", json_integer(seq));
    json_object_set_new(o, "action",
                        json_string(zl_risk_action_name(in.action)));
    zl_srv_reply_json(r, 201, o);
}

void zl_h_risk_api(struct zl_req *r)
{
    const char *m = r->method, *what = r->n_segs == 3 ? r->segs[2] : "";

    if (r->n_segs >= 3 &&
        (!strcmp(r->segs[2], "cases") || !strcmp(r->segs[2], "warnings"))) {
        zl_h_risk_dispose_api(r); /* risk cases: risk_dispose_api.c */
        return;
    }
    if (r->n_segs == 4 && !strcmp(r->segs[2], "case")) {
        if (strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "POST")) {
            zl_reply_header(r, "Allow", "GET, HEAD, POST");
            zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
            return;
        }
        handle_case(r, r->segs[3]);
        return;
    }
    if (r->n_segs != 3) {
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
        return;
    }
    if (!strcmp(what, "reports")) {
        if (strcmp(m, "GET") && strcmp(m, "HEAD")) {
            zl_reply_header(r, "Allow", "GET, HEAD");
            zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
            return;
        }
        reports(r);
        return;
    }
    if (strcmp(what, "complaints") && strcmp(what, "injury") &&
        strcmp(what, "incident")) {
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
        return;
    }
    if (strcmp(m, "POST")) {
        zl_reply_header(r, "Allow", "POST");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
        return;
    }
    submit(r, !strcmp(what, "complaints") ? ZL_RISK_COMPLAINT
              : !strcmp(what, "injury")   ? ZL_RISK_INJURY
                                          : ZL_RISK_INCIDENT);
}
