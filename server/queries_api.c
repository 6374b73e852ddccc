/*
 * queries_api.c - the EPCIS 2.0 REST binding's named queries and
 * subscriptions:
 *
 *   POST   /queries                         {"name", "query"} -> 201
 *   GET    /queries                         the caller's queries
 *   GET    /queries/{name}                  {"name", "query"}
 *   DELETE /queries/{name}                  204 (its subscriptions too)
 *   GET    /queries/{name}/events           run it (as GET /events)
 *          ... with Upgrade: websocket      a live stream (ws.c)
 *   POST   /queries/{name}/subscriptions    webhook -> 201 + Location
 *   GET    /queries/{name}/subscriptions[/{id}]
 *   DELETE /queries/{name}/subscriptions/{id}
 *
 * Names are store-wide, each query belongs to the party that made it and
 * only that party sees, runs, subscribes to or deletes it (another
 * party's is a 404 like a missing one: names do not leak). A run and
 * every delivery go through the runner's read rule (docs/access.md), so
 * a named query never shows what GET /events would not. Delivery itself
 * is subscriber.c's.
 */
#include "server_int.h"
#include "ws.h"

#include "zhiliang/alloc.h"
#include "zhiliang/subscription.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void reply_json_text(struct zl_req *r, unsigned status, char *json)
{
    if (!json) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        return;
    }
    zl_reply(r, status, "application/json", json, strlen(json));
    zl_free(json);
}

static void reply_rc(struct zl_req *r, int rc, const struct zl_error *err,
                     const char *what)
{
    char d[900];

    if (rc == ZL_ENOTFOUND) {
        zl_reply_problem(r, 404, "NoSuchResourceException", what, NULL);
        return;
    }
    if (rc == ZL_EEXIST) {
        zl_reply_problem(r, 409, "ResourceAlreadyExistsException", what,
                         err ? err->value : NULL);
        return;
    }
    if (rc == ZL_EINVAL || rc == ZL_ELIMIT) {
        zl_error_format(err, d, sizeof d);
        zl_reply_problem(r, 400,
                         r->n_segs > 2 ? "SubscriptionControlsException"
                                       : "QueryParameterException",
                         what, d);
        return;
    }
    zl_reply_store_error(r, rc, what);
}

static int json_body(struct zl_req *r)
{
    const char *ct = zl_req_header(r, "Content-Type");

    if (!ct || (strncmp(ct, "application/json", 16) &&
                strncmp(ct, "application/ld+json", 19))) {
        zl_reply_problem(r, 415, "UnsupportedMediaTypeException",
                         "Unsupported Media Type", "send application/json");
        return 0;
    }
    return 1;
}

static void create_query(struct zl_req *r, zl_store *s, const char *party)
{
    struct zl_error err;
    json_error_t je;
    json_t *in;
    const char *name;
    char *q = NULL, *loc;
    int rc;

    memset(&err, 0, sizeof err);
    if (!json_body(r))
        return;
    in = json_loadb(r->body.data ? r->body.data : "", r->body.len,
                    JSON_REJECT_DUPLICATES, &je);
    name = json_string_value(json_object_get(in, "name"));
    if (!name || !json_is_object(json_object_get(in, "query")) ||
        !(q = json_dumps(json_object_get(in, "query"), JSON_COMPACT))) {
        zl_reply_problem(r, 400, "QueryParameterException", "Bad query",
                         "the body is {\"name\": \"...\", \"query\": {...}}");
        goto out;
    }
    rc = zl_named_query_save(s, name, party, q, strlen(q), &err);
    if (rc) {
        reply_rc(r, rc, &err, rc == ZL_EEXIST ? "Query exists" : "Bad query");
        goto out;
    }
    loc = zl_arena_printf(&r->arena, "/queries/%s", name);
    zl_reply_header(r, "Location", loc);
    zl_reply(r, 201, "application/json", "", 0);
out:
    zl_free(q);
    json_decref(in);
}

struct list_ctx {
    json_t *arr;
};

static int list_cb(void *ctx, const char *name, const char *owner,
                   const char *query)
{
    struct list_ctx *l = ctx;
    json_error_t je;
    json_t *q = json_loads(query, 0, &je);

    (void)owner;
    if (!q || json_array_append_new(
                  l->arr, json_pack("{s:s, s:o}", "name", name, "query", q)))
        return ZL_ENOMEM;
    return 0;
}

static void list_queries(struct zl_req *r, zl_store *s, const char *party)
{
    struct list_ctx l = {json_array()};
    int rc = l.arr ? zl_named_query_list(s, party, list_cb, &l) : ZL_ENOMEM;

    if (rc)
        reply_rc(r, rc, NULL, "Cannot list queries");
    else
        reply_json_text(r, 200, json_dumps(l.arr, JSON_COMPACT));
    json_decref(l.arr);
}

static void get_query(struct zl_req *r, zl_store *s, const char *party)
{
    char *q = NULL;
    json_error_t je;
    json_t *o;
    int rc = zl_named_query_get(s, r->segs[1], party, &q);

    if (rc) {
        reply_rc(r, rc, NULL, "No such query");
        return;
    }
    o = json_pack("{s:s, s:o}", "name", r->segs[1], "query",
                  json_loads(q, 0, &je));
    zl_free(q);
    reply_json_text(r, 200, o ? json_dumps(o, JSON_COMPACT) : NULL);
    json_decref(o);
}

static void subscribe(struct zl_req *r, zl_store *s, const char *party)
{
    char id[ZL_SUBSCRIPTION_ID_MAX], *json = NULL, *loc;
    struct zl_error err;
    int rc;

    memset(&err, 0, sizeof err);
    if (!json_body(r))
        return;
    rc = zl_subscription_create(s, r->segs[1], party,
                                r->body.data ? r->body.data : "", r->body.len,
                                id, &err);
    if (rc) {
        reply_rc(r, rc, &err,
                 rc == ZL_ENOTFOUND ? "No such query" : "Bad subscription");
        return;
    }
    if ((rc = zl_subscription_get(s, r->segs[1], id, party, &json))) {
        reply_rc(r, rc, NULL, "Subscription failed");
        return;
    }
    loc = zl_arena_printf(&r->arena, "/queries/%s/subscriptions/%s", r->segs[1],
                          id);
    zl_reply_header(r, "Location", loc);
    reply_json_text(r, 201, json);
}

void zl_h_queries(struct zl_req *r)
{
    char party[ZL_PARTY_ID_MAX];
    const char *m = r->method;
    int get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
    int post = !strcmp(m, "POST"), del = !strcmp(m, "DELETE");
    size_t n = r->n_segs;
    struct zl_viewer viewer;
    char *json = NULL;
    zl_store *s;
    int rc;

    if (!strcmp(m, "OPTIONS")) {
        zl_reply_header(r, "Allow",
                        n == 1   ? "OPTIONS, GET, POST"
                        : n == 2 ? "OPTIONS, GET, DELETE"
                        : n == 4 ? "OPTIONS, GET, DELETE"
                                 : "OPTIONS, GET, POST");
        zl_reply(r, 204, NULL, "", 0);
        return;
    }
    /* the caller must read events: a query (and a subscription) runs
     * under its read rule; an operator's token gets 403 */
    if (zl_req_viewer(r, &viewer, 1))
        return;
    snprintf(party, sizeof party, "%s", viewer.party.id);
    if (!(s = zl_srv_store(r))) {
        zl_reply_problem(r, 500, "ImplementationException", NULL, NULL);
        return;
    }
    if (n == 1 && post) {
        create_query(r, s, party);
    } else if (n == 1 && get) {
        list_queries(r, s, party);
    } else if (n == 2 && get) {
        get_query(r, s, party);
    } else if (n == 2 && del) {
        rc = zl_named_query_delete(s, r->segs[1], party);
        if (rc)
            reply_rc(r, rc, NULL, "No such query");
        else
            zl_reply(r, 204, NULL, "", 0);
    } else if (n == 3 && get && !strcmp(r->segs[2], "events") &&
               zl_ws_requested(r)) {
        zl_ws_upgrade(r, s, party); /* ws.c */
    } else if (n == 3 && get && !strcmp(r->segs[2], "events")) {
        if ((rc = zl_named_query_get(s, r->segs[1], party, &json))) {
            reply_rc(r, rc, NULL, "No such query");
            return;
        }
        zl_epcis_named_query(r, r->segs[1], json);
        zl_free(json);
    } else if (n == 3 && !strcmp(r->segs[2], "subscriptions") && post) {
        subscribe(r, s, party);
    } else if (n == 3 && !strcmp(r->segs[2], "subscriptions") && get) {
        rc = zl_subscription_list(s, r->segs[1], party, &json);
        if (rc)
            reply_rc(r, rc, NULL, "No such query");
        else
            reply_json_text(r, 200, json);
    } else if (n == 4 && !strcmp(r->segs[2], "subscriptions") && get) {
        rc = zl_subscription_get(s, r->segs[1], r->segs[3], party, &json);
        if (rc)
            reply_rc(r, rc, NULL, "No such subscription");
        else
            reply_json_text(r, 200, json);
    } else if (n == 4 && !strcmp(r->segs[2], "subscriptions") && del) {
        rc = zl_subscription_delete(s, r->segs[1], r->segs[3], party);
        if (rc)
            reply_rc(r, rc, NULL, "No such subscription");
        else
            zl_reply(r, 204, NULL, "", 0);
    } else {
        zl_reply_header(r, "Allow", "OPTIONS, GET, POST, DELETE");
        zl_reply_problem(r, 405, NULL, "Method Not Allowed", NULL);
    }
}
