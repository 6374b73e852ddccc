/*
 * risk_dispose_api.c - /api/risk/cases and /api/risk/warnings: risk cases
 * and their disposal over HTTP (zhiliang/risk_dispose.h).
 *
 *   GET  /api/risk/warnings[?gtin=&lot=]   public: active consumer
 *                                          warnings (zh and en)
 *   GET  /api/risk/cases[?state=open|closed|overdue]
 *                                          without a token: closed cases,
 *                                          public fields; a regulator or
 *                                          operator: every case, whole
 *   GET  /api/risk/cases/{id}              the same per case; the
 *                                          enterprise a case names sees it
 *                                          whole (the notice it answers)
 *   POST /api/risk/cases                   open {"source", "ref",
 *                                          "enterprise", "gtin", "lot",
 *                                          "region", "hazard", "hazard_en"}
 *   POST /api/risk/cases/{id}/actions      {"kind", "title", "title_en",
 *                                          "text", "text_en", "class",
 *                                          "task", "due"}
 *   POST /api/risk/cases/{id}/actions/{n}/answer  {"answer"}: the
 *                                          enterprise, with its own token
 *   POST /api/risk/cases/{id}/actions/{n}/done    {"result", "note"}
 *   POST /api/risk/cases/{id}/close        {"outcome", "outcome_en"}
 *
 * Writes take the bearer token's party as the actor; the library checks
 * it (a regulator of the case's region or an operator; the enterprise
 * only answers). Bad fields answer 400 {"errors": [{"field", "value",
 * "why"}], "stored": false}; the wrong party 403; a case or action that
 * is not there 404; a record number taken at the same moment 409. Nothing
 * is stored unless 201. Deadlines: the defaults, or the file named by
 * ZHILIANG_RISK_DEADLINES (read at each action).
 */
#include "server_int.h"

#include "zhiliang/alloc.h"
#include "zhiliang/party.h"
#include "zhiliang/risk_dispose.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reply_buf(struct zl_req *r, struct zl_buf *b)
{
    zl_reply(r, 200, "application/json", (const char *)b->data, b->len);
}

static const char *js(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The party behind the token, or "" without one (answers 401 itself for
 * a bad token and returns non-zero). */
static int who(struct zl_req *r, char party[ZL_PARTY_ID_MAX])
{
    party[0] = '\0';
    if (!zl_req_header(r, "Authorization"))
        return 0;
    return zl_req_auth(r, party);
}

struct kind_of {
    enum zl_party_kind kind;
    char uscc[19];
};

static int kind_cb(void *ctx, const struct zl_party *p)
{
    struct kind_of *k = ctx;

    k->kind = p->kind;
    snprintf(k->uscc, sizeof k->uscc, "%s", p->uscc ? p->uscc : "");
    return 0;
}

/* Does party read whole cases (a regulator or an operator)? */
static int reads_all(zl_store *s, const char *party, struct kind_of *k)
{
    memset(k, 0, sizeof *k);
    k->kind = ZL_PARTY_ENTERPRISE;
    if (!party[0] || zl_party_get(s, party, kind_cb, k))
        return 0;
    return k->kind == ZL_PARTY_REGULATOR || k->kind == ZL_PARTY_OPERATOR;
}

/* Reply to a write's rc. */
static void write_reply(struct zl_req *r, int rc, json_t *errors,
                        const struct zl_error *err, json_t *ok)
{
    json_t *o;

    if (rc == ZL_EINVAL && json_array_size(errors)) {
        o = json_object();
        json_object_set_new(o, "errors", json_incref(errors));
        json_object_set_new(o, "stored", json_false());
        zl_srv_reply_json(r, 400, o);
    } else if (rc == ZL_EINVAL) {
        zl_reply_problem(r, 400, NULL, "Bad Request", err->rule);
    } else if (rc == ZL_EPERM) {
        zl_reply_problem(r, 403, NULL, "Forbidden", err->rule);
    } else if (rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 404, NULL, "Not Found", err->rule);
    } else if (rc == ZL_EEXIST) {
        zl_reply_problem(r, 409, NULL, "Conflict",
                         "another record was written on this case at the same "
                         "time: read it again and retry");
    } else if (rc) {
        zl_reply_store_error(r, rc, "store the record");
    } else {
        zl_srv_reply_json(r, 201, json_incref(ok));
    }
}

static json_t *body_json(struct zl_req *r)
{
    json_t *o;

    if (r->body_too_big) {
        zl_reply_problem(r, 413, NULL, "Payload Too Large", NULL);
        return NULL;
    }
    o = json_loadb(r->body.data ? (const char *)r->body.data : "", r->body.len,
                   JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "the body is a JSON object (docs/risk-dispose.md)");
        return NULL;
    }
    return o;
}

/* Every member of o is one of names: else answers 400 naming it. */
static int members_ok(struct zl_req *r, json_t *o, const char *const *names)
{
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v)
    {
        int known = 0;

        for (int i = 0; names[i]; i++)
            known |= !strcmp(k, names[i]);
        if (!known || (!json_is_string(v) && strcmp(k, "class"))) {
            json_t *e = json_object(), *errs = json_array(), *out;
            json_t *one = json_object();

            json_object_set_new(one, "field", json_string(k));
            json_object_set_new(one, "value", json_string(""));
            json_object_set_new(one, "why",
                                json_string(known ? "must be a string"
                                                  : "is not a field here"));
            json_array_append_new(errs, one);
            out = e;
            json_object_set_new(out, "errors", errs);
            json_object_set_new(out, "stored", json_false());
            zl_srv_reply_json(r, 400, out);
            return 0;
        }
    }
    return 1;
}

static void open_case(struct zl_req *r, zl_store *s, const char *party)
{
    static const char *const F[] = {"source", "ref",       "enterprise",
                                    "gtin",   "lot",       "region",
                                    "hazard", "hazard_en", NULL};
    struct zl_dispo_open_in in = {0};
    struct zl_error err = {0};
    char id[ZL_DISPO_ID_MAX] = "";
    json_t *o = body_json(r), *errors, *ok;
    int rc;

    if (!o || !members_ok(r, o, F)) {
        json_decref(o);
        return;
    }
    in.actor = party;
    in.source = js(o, "source");
    in.ref = js(o, "ref");
    in.enterprise = js(o, "enterprise");
    in.gtin = js(o, "gtin");
    in.lot = js(o, "lot");
    in.region = js(o, "region");
    in.hazard = js(o, "hazard");
    in.hazard_en = js(o, "hazard_en");
    errors = json_array();
    rc = zl_dispo_open(s, &in, id, zl_srv_risk_collect, errors, &err);
    ok = json_pack("{s:s}", "case", id);
    write_reply(r, rc, errors, &err, ok);
    json_decref(ok);
    json_decref(errors);
    json_decref(o);
}

static int load_rules(struct zl_dispo_deadlines *d)
{
    const char *path = getenv("ZHILIANG_RISK_DEADLINES");
    char buf[8192];
    struct zl_error err = {0};
    size_t n;
    FILE *f;

    zl_dispo_deadlines_default(d);
    if (!path || !*path)
        return 0;
    if (!(f = fopen(path, "rb")))
        return -1;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return zl_dispo_deadlines_parse(buf, n, d, &err) ? -1 : 0;
}

static void act(struct zl_req *r, zl_store *s, const char *party,
                const char *id)
{
    static const char *const F[] = {"kind", "title",   "title_en",
                                    "text", "text_en", "class",
                                    "task", "due",     NULL};
    struct zl_dispo_act_in in = {0};
    struct zl_dispo_deadlines rules;
    struct zl_error err = {0};
    json_t *o = body_json(r), *errors, *ok, *cls;
    int n = 0, rc;

    if (!o || !members_ok(r, o, F)) {
        json_decref(o);
        return;
    }
    if (!js(o, "kind") || zl_dispo_kind_parse(js(o, "kind"), &in.kind)) {
        json_decref(o);
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "\"kind\" is warning, recall, spotcheck or notice");
        return;
    }
    cls = json_object_get(o, "class");
    if (cls && (!json_is_integer(cls) || json_integer_value(cls) < 1 ||
                json_integer_value(cls) > 3)) {
        json_decref(o);
        zl_reply_problem(r, 400, NULL, "Bad Request",
                         "\"class\" is the recall's hazard class: 1, 2 or 3");
        return;
    }
    if (load_rules(&rules)) {
        json_decref(o);
        zl_reply_problem(r, 500, NULL, "Internal Server Error",
                         "ZHILIANG_RISK_DEADLINES does not read as deadlines");
        return;
    }
    in.rules = &rules;
    in.actor = party;
    in.hazard_class = cls ? (int)json_integer_value(cls) : 0;
    in.title = js(o, "title");
    in.title_en = js(o, "title_en");
    in.text = js(o, "text");
    in.text_en = js(o, "text_en");
    in.task = js(o, "task");
    in.due = js(o, "due");
    errors = json_array();
    rc = zl_dispo_act(s, id, &in, &n, zl_srv_risk_collect, errors, &err);
    ok = json_pack("{s:s,s:i,s:s}", "case", id, "n", n, "kind",
                   zl_dispo_kind_name(in.kind));
    write_reply(r, rc, errors, &err, ok);
    json_decref(ok);
    json_decref(errors);
    json_decref(o);
}

static void step(struct zl_req *r, zl_store *s, const char *party,
                 const char *id, const char *n_s, const char *what)
{
    static const char *const FA[] = {"answer", NULL};
    static const char *const FD[] = {"result", "note", NULL};
    static const char *const FC[] = {"outcome", "outcome_en", NULL};
    struct zl_error err = {0};
    json_t *o = body_json(r), *errors, *ok;
    char *end = NULL;
    long n = n_s ? strtol(n_s, &end, 10) : 0;
    int rc;

    if (!o)
        return;
    if (!members_ok(r, o,
                    !strcmp(what, "answer") ? FA
                    : !strcmp(what, "done") ? FD
                                            : FC)) {
        json_decref(o);
        return;
    }
    if (n_s && (end == n_s || *end || n < 1 || n > 100000)) {
        json_decref(o);
        zl_reply_problem(r, 404, NULL, "Not Found", "no such action number");
        return;
    }
    errors = json_array();
    if (!strcmp(what, "answer"))
        rc = zl_dispo_answer(s, id, (int)n, party, js(o, "answer"), 0,
                             zl_srv_risk_collect, errors, &err);
    else if (!strcmp(what, "done"))
        rc = zl_dispo_done(s, id, (int)n, party, js(o, "result"), js(o, "note"),
                           0, zl_srv_risk_collect, errors, &err);
    else
        rc = zl_dispo_close(s, id, party, js(o, "outcome"), js(o, "outcome_en"),
                            0, zl_srv_risk_collect, errors, &err);
    ok = json_pack("{s:s,s:s}", "case", id, "recorded", what);
    if (n_s)
        json_object_set_new(ok, "n", json_integer(n));
    write_reply(r, rc, errors, &err, ok);
    json_decref(ok);
    json_decref(errors);
    json_decref(o);
}

static void get_cases(struct zl_req *r, zl_store *s, const char *party,
                      const char *id)
{
    struct kind_of k;
    struct zl_error err = {0};
    struct zl_buf b;
    int full = reads_all(s, party, &k), rc;

    zl_buf_init(&b, (size_t)256 << 20);
    if (id) {
        rc = zl_dispo_json(s, id, !full, 0, &b, &err);
        if (rc == ZL_ENOTFOUND && !full && k.uscc[0]) {
            /* the enterprise a case names reads it whole */
            struct zl_buf w;
            json_t *c;

            zl_buf_init(&w, (size_t)64 << 20);
            if (!zl_dispo_json(s, id, 0, 0, &w, &err) &&
                (c = json_loadb((const char *)w.data, w.len, 0, NULL))) {
                if (js(c, "enterprise") && !strcmp(js(c, "enterprise"), k.uscc))
                    rc = zl_buf_add(&b, w.data, w.len);
                json_decref(c);
            }
            zl_buf_cleanup(&w);
        }
    } else {
        const char *st = zl_req_param(r, "state");

        if (st && strcmp(st, "open") && strcmp(st, "closed") &&
            strcmp(st, "overdue")) {
            zl_buf_cleanup(&b);
            zl_reply_problem(r, 400, NULL, "Bad Request",
                             "state is open, closed or overdue");
            return;
        }
        rc = zl_dispo_list(s, st ? st : "all", !full, 0, &b, &err);
    }
    if (rc == ZL_ENOTFOUND)
        zl_reply_problem(r, 404, NULL, "Not Found",
                         "no such risk case (without a regulator's token: "
                         "no such closed case)");
    else if (rc)
        zl_reply_store_error(r, rc, "read the risk cases");
    else
        reply_buf(r, &b);
    zl_buf_cleanup(&b);
}

struct wl {
    json_t *arr;
};

static int warn_cb(void *ctx, const struct zl_dispo_warning *w)
{
    json_t *o = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "case",
                          w->case_id, "n", w->n, "gtin", w->gtin, "lot", w->lot,
                          "enterprise", w->enterprise, "title", w->title,
                          "titleEn", w->title_en, "text", w->text, "textEn",
                          w->text_en, "since", w->since);

    return !o || json_array_append_new(ctx, o) ? ZL_ENOMEM : 0;
}

static void warnings(struct zl_req *r, zl_store *s)
{
    json_t *arr = json_array();
    int rc = zl_dispo_warnings(s, zl_req_param(r, "gtin"),
                               zl_req_param(r, "lot"), warn_cb, arr);

    if (rc) {
        json_decref(arr);
        zl_reply_store_error(r, rc, "read the warnings");
        return;
    }
    zl_srv_reply_json(r, 200, json_pack("{s:o}", "warnings", arr));
}

void zl_h_risk_dispose_api(struct zl_req *r)
{
    const char *m = r->method;
    int get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
    int post = !strcmp(m, "POST");
    char party[ZL_PARTY_ID_MAX];
    zl_store *s;
    size_t n = r->n_segs;

    if (!strcmp(r->segs[2], "warnings")) {
        if (n != 3) {
            zl_reply_problem(r, 404, NULL, "Not Found", NULL);
            return;
        }
        if (!get) {
            zl_reply_header(r, "Allow", "GET, HEAD");
            zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
            return;
        }
        if (!(s = zl_srv_store_nosnap(r))) {
            zl_reply_store_error(r, ZL_ESTORE, "open the store");
            return;
        }
        warnings(r, s);
        return;
    }
    /* cases */
    if (!(n == 3 || n == 4 || (n == 5 && !strcmp(r->segs[4], "actions")) ||
          (n == 5 && !strcmp(r->segs[4], "close")) ||
          (n == 7 && !strcmp(r->segs[4], "actions") &&
           (!strcmp(r->segs[6], "answer") || !strcmp(r->segs[6], "done"))))) {
        zl_reply_problem(r, 404, NULL, "Not Found", NULL);
        return;
    }
    if ((n <= 4 && !get && !(post && n == 3)) || (n > 4 && !post)) {
        zl_reply_header(r, "Allow",
                        n == 3   ? "GET, HEAD, POST"
                        : n == 4 ? "GET, HEAD"
                                 : "POST");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
        return;
    }
    if (post ? zl_req_auth(r, party) : who(r, party))
        return;
    if (!(s = zl_srv_store_nosnap(r))) {
        zl_reply_store_error(r, ZL_ESTORE, "open the store");
        return;
    }
    if (get)
        get_cases(r, s, party, n == 4 ? r->segs[3] : NULL);
    else if (n == 3)
        open_case(r, s, party);
    else if (n == 5 && !strcmp(r->segs[4], "actions"))
        act(r, s, party, r->segs[3]);
    else if (n == 5)
        step(r, s, party, r->segs[3], NULL, "close");
    else
        step(r, s, party, r->segs[3], r->segs[5], r->segs[6]);
}
