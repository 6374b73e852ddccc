/*
 * cmd_risk_handle.c - `zhiliang risk review|case|overdue|published|rekey`:
 * complaint handling, deadlines, the published statistics and the
 * rotation of the personal-data key (zhiliang/risk_handle.h decides; this
 * file reads options and prints).
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/alloc.h"
#include "zhiliang/calendar.h"
#include "zhiliang/risk_dispose.h"
#include "zhiliang/risk_handle.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f, "usage: zhiliang risk review ID "
           "accept|reject|merge|route|answer|close\n"
           "                  --as PARTY [--reason TEXT] [--into ID]\n"
           "                  [--enterprise USCC] [--answer TEXT]\n"
           "                  [--outcome agreement|settled|no-agreement|"
           "withdrawn|terminated]\n"
           "       zhiliang risk case ID [--json] [--deadlines FILE]\n"
           "       zhiliang risk overdue [--json] [--deadlines FILE]\n"
           "       zhiliang risk published [--json] [--deadlines FILE]\n"
           "       zhiliang risk rekey --old-key FILE --new-key FILE\n"
           "(all take --store PATH)\n\n"
           "review: one handling step of a complaint, logged. A regulator "
           "accepts,\n"
           "  rejects (--reason), merges a duplicate (--into the complaint "
           "kept),\n"
           "  routes to the enterprise (--enterprise, default the one named) "
           "and\n"
           "  closes (--outcome); the enterprise routed to (or a regulator)\n"
           "  answers (--answer).\n"
           "case: a complaint's state, steps and deadlines.\n"
           "overdue: complaints past their deadline to be accepted (7 working "
           "days\n"
           "  from receipt) or closed (45 working days from acceptance), "
           "总局令第20号\n"
           "  arts. 14 and 21; incident reports made after their deadline;\n"
           "  and risk-case actions past theirs (`risk dispose`).\n"
           "  --deadlines FILE: {\"accept\": {\"days\": N, \"unit\": "
           "\"working-days\"|\"days\",\n"
           "  \"source\": \"...\"}, \"close\": {...}} overrides either.\n"
           "published: the public complaint statistics (消费投诉信息公示) per\n"
           "  enterprise, product and category: counts, handled share, "
           "median days\n"
           "  to close. No text and no personal data.\n"
           "rekey: re-seal every row of personal data under the new key in "
           "one\n"
           "  transaction and retire the old key (64 hex digits each).\n");
}

static int rule_from(json_t *o, struct zl_clock_rule *r)
{
    json_t *v;

    if (!json_is_object(o))
        return -1;
    if ((v = json_object_get(o, "days"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 3650)
            return -1;
        r->days = (int)json_integer_value(v);
    }
    if ((v = json_object_get(o, "unit")) &&
        (!json_is_string(v) ||
         zl_clock_unit_parse(json_string_value(v), &r->unit)))
        return -1;
    if ((v = json_object_get(o, "source"))) {
        if (!json_is_string(v))
            return -1;
        snprintf(r->source, sizeof r->source, "%s", json_string_value(v));
        r->url[0] = r->quote[0] = '\0';
    }
    if ((v = json_object_get(o, "url")) && json_is_string(v))
        snprintf(r->url, sizeof r->url, "%s", json_string_value(v));
    return 0;
}

/* --deadlines FILE into d (the defaults otherwise): 0 or -1 (printed). */
static int load_deadlines(int argc, char **argv, struct zl_risk_deadlines *d)
{
    const char *path = cli_opt_val(argc, argv, "--deadlines");
    char *data = NULL;
    size_t len;
    json_t *o, *v;
    const char *k;
    int bad = 0;

    zl_risk_deadlines_default(d);
    if (!path)
        return 0;
    if (cli_read_file(path, (size_t)1 << 20, &data, &len))
        return -1;
    o = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
    free(data);
    if (!json_is_object(o))
        bad = 1;
    json_object_foreach(o, k, v)
    {
        if (!strcmp(k, "accept"))
            bad |= rule_from(v, &d->accept) != 0;
        else if (!strcmp(k, "close"))
            bad |= rule_from(v, &d->close) != 0;
        else
            bad = 1;
    }
    json_decref(o);
    if (bad)
        fprintf(stderr,
                "zhiliang risk: %s: deadlines are {\"accept\": {\"days\": N, "
                "\"unit\": \"working-days\"|\"days\", \"source\": \"...\"}, "
                "\"close\": {...}}\n",
                path);
    return bad ? -1 : 0;
}

static int collect_error(void *ctx, const struct zl_risk_field_error *e)
{
    char line[600];

    snprintf(line, sizeof line, "  %s: %s (value: \"%s\")", e->field, e->why,
             e->value);
    return json_array_append_new(ctx, json_string(line)) ? ZL_ENOMEM : 0;
}

static int review(int argc, char **argv)
{
    struct zl_risk_step_in in = {0};
    struct zl_error err = {0};
    zl_store *s;
    json_t *errs;
    int seq = 0, rc;

    if (argc < 3 || zl_risk_action_parse(argv[2], &in.action)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    in.actor = cli_opt_val(argc, argv, "--as");
    in.reason = cli_opt_val(argc, argv, "--reason");
    in.into = cli_opt_val(argc, argv, "--into");
    in.enterprise = cli_opt_val(argc, argv, "--enterprise");
    in.answer = cli_opt_val(argc, argv, "--answer");
    in.outcome = cli_opt_val(argc, argv, "--outcome");
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    errs = json_array();
    rc = zl_risk_step(s, argv[1], &in, &seq, collect_error, errs, &err);
    if (rc == ZL_EINVAL) {
        fprintf(stderr,
                "zhiliang risk review: %s %s refused, nothing stored:\n",
                argv[1], argv[2]);
        for (size_t i = 0; i < json_array_size(errs); i++)
            fprintf(stderr, "%s\n", json_string_value(json_array_get(errs, i)));
    } else if (rc) {
        cli_print_error("risk review", argv[1], rc, &err, 0);
    } else {
        printf("%s: step %d %s\n", argv[1], seq, argv[2]);
    }
    json_decref(errs);
    zl_close(s);
    return rc ? EXIT_FAIL : EXIT_OK;
}

static void day_str(int32_t d, char out[11])
{
    if (d < 0)
        snprintf(out, 11, "-");
    else
        zl_day_format(d, out);
}

static json_t *case_json(const struct zl_risk_case *c)
{
    json_t *o = json_object();
    char d[11];

    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "state", json_string(c->state));
    json_object_set_new(o, "enterprise", json_string(c->enterprise));
    json_object_set_new(o, "steps", json_integer(c->n_steps));
    if (c->outcome[0])
        json_object_set_new(o, "outcome", json_string(c->outcome));
    if (c->merged_into[0])
        json_object_set_new(o, "mergedInto", json_string(c->merged_into));
    day_str(c->accept_deadline, d);
    json_object_set_new(o, "acceptBy", json_string(d));
    json_object_set_new(o, "acceptOverdue", json_boolean(c->accept_overdue));
    if (c->close_deadline >= 0) {
        day_str(c->close_deadline, d);
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

static int show_case(int argc, char **argv)
{
    struct zl_risk_deadlines dl;
    struct zl_risk_case_opts o = {0};
    struct zl_risk_case c;
    struct zl_error err = {0};
    zl_store *s;
    json_t *j, *steps;
    int rc;

    if (argc < 2 || argv[1][0] == '-') {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (load_deadlines(argc, argv, &dl))
        return EXIT_FAIL;
    o.rules = &dl;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    if ((rc = zl_risk_case_get(s, argv[1], &o, &c, &err))) {
        cli_print_error("risk case", argv[1], rc, &err, 0);
        zl_close(s);
        return EXIT_FAIL;
    }
    j = case_json(&c);
    steps = json_array();
    rc = zl_risk_steps(s, argv[1], step_cb, steps);
    json_object_set_new(j, "history", steps);
    if (cli_has_flag(argc, argv, "--json")) {
        cli_print_json(j, 0);
    } else {
        printf("%s %s (enterprise %s), accept by %s%s", c.id, c.state,
               c.enterprise[0] ? c.enterprise : "-",
               json_string_value(json_object_get(j, "acceptBy")),
               c.accept_overdue ? " OVERDUE" : "");
        if (c.close_deadline >= 0)
            printf(", close by %s%s",
                   json_string_value(json_object_get(j, "closeBy")),
                   c.close_overdue ? " OVERDUE" : "");
        printf("\n");
        for (size_t i = 0; i < json_array_size(steps); i++) {
            json_t *st = json_array_get(steps, i);

            printf("  %lld %s %s by %s -> %s\n",
                   (long long)json_integer_value(json_object_get(st, "seq")),
                   json_string_value(json_object_get(st, "at")),
                   json_string_value(json_object_get(st, "action")),
                   json_string_value(json_object_get(st, "actor")),
                   json_string_value(json_object_get(st, "state")));
        }
        json_decref(j);
    }
    zl_close(s);
    return rc ? EXIT_FAIL : EXIT_OK;
}

struct od {
    json_t *arr;
};

static int overdue_case(void *ctx, const struct zl_risk_case *c)
{
    struct od *x = ctx;
    int pending_accept = c->accept_overdue && !c->decided_ms;
    int pending_close = c->close_overdue && !c->closed_ms;
    int late = (c->accept_overdue && c->decided_ms) ||
               (c->close_overdue && c->closed_ms);
    json_t *o;

    if (!pending_accept && !pending_close && !late)
        return 0;
    o = case_json(c);
    json_object_set_new(o, "kind", json_string("complaint"));
    json_object_set_new(o, "flag",
                        json_string(pending_accept  ? "accept-overdue"
                                    : pending_close ? "close-overdue"
                                                    : "handled-late"));
    return json_array_append_new(x->arr, o) ? ZL_ENOMEM : 0;
}

static int overdue_incident(void *ctx, const struct zl_risk_report_row *r)
{
    struct od *x = ctx;
    json_t *rec = json_loadb(r->json, r->len, 0, NULL);
    json_t *inc = json_object_get(rec, "incident"), *o;

    if (!json_is_true(json_object_get(inc, "late"))) {
        json_decref(rec);
        return 0;
    }
    o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "kind", json_string("incident"));
    json_object_set_new(o, "flag", json_string("reported-late"));
    json_object_set(o, "discovered", json_object_get(inc, "discovered"));
    json_object_set(o, "deadline", json_object_get(inc, "deadline"));
    json_object_set(o, "rule", json_object_get(inc, "rule"));
    json_object_set_new(o, "enterprise", json_string(r->enterprise));
    json_decref(rec);
    return json_array_append_new(x->arr, o) ? ZL_ENOMEM : 0;
}

/* Disposal actions of open risk cases past their deadline
 * (zhiliang/risk_dispose.h): one row per action, "CASE/N". */
static int overdue_actions(zl_store *s, struct od *x, struct zl_error *err)
{
    struct zl_buf b;
    json_t *arr, *c, *a;
    size_t i, j;
    int rc;

    zl_buf_init(&b, (size_t)256 << 20);
    rc = zl_dispo_list(s, "overdue", 0, 0, &b, err);
    arr = rc ? NULL : json_loadb((const char *)b.data, b.len, 0, NULL);
    zl_buf_cleanup(&b);
    json_array_foreach(arr, i, c)
    {
        json_array_foreach(json_object_get(c, "actions"), j, a)
        {
            json_t *o;
            char id[80];

            if (!json_is_true(json_object_get(a, "overdue")))
                continue;
            snprintf(id, sizeof id, "%s/%lld",
                     json_string_value(json_object_get(c, "case")),
                     (long long)json_integer_value(json_object_get(a, "n")));
            o = json_object();
            json_object_set_new(o, "id", json_string(id));
            json_object_set_new(o, "kind", json_string("risk-action"));
            json_object_set_new(o, "flag", json_string("action-overdue"));
            json_object_set(o, "action", json_object_get(a, "kind"));
            json_object_set(o, "deadline", json_object_get(a, "deadline"));
            json_object_set(o, "rule", json_object_get(a, "source"));
            json_object_set(o, "enterprise", json_object_get(c, "enterprise"));
            if (json_array_append_new(x->arr, o))
                rc = ZL_ENOMEM;
        }
    }
    json_decref(arr);
    return rc;
}

static int overdue(int argc, char **argv)
{
    struct zl_risk_deadlines dl;
    struct zl_risk_case_opts o = {0};
    struct zl_error err = {0};
    struct od x = {json_array()};
    zl_store *s;
    int rc;

    if (load_deadlines(argc, argv, &dl)) {
        json_decref(x.arr);
        return EXIT_FAIL;
    }
    o.rules = &dl;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store")))) {
        json_decref(x.arr);
        return EXIT_FAIL;
    }
    rc = zl_risk_cases(s, &o, overdue_case, &x, &err);
    if (!rc)
        rc = zl_risk_report_list(s, ZL_RISK_INCIDENT, overdue_incident, &x);
    if (!rc)
        rc = overdue_actions(s, &x, &err);
    zl_close(s);
    if (rc) {
        cli_print_error("risk overdue", NULL, rc, &err, 0);
        json_decref(x.arr);
        return EXIT_FAIL;
    }
    if (cli_has_flag(argc, argv, "--json")) {
        json_t *out = json_object();

        json_object_set_new(out, "overdue", x.arr);
        json_object_set_new(out, "acceptRule", json_string(dl.accept.source));
        json_object_set_new(out, "closeRule", json_string(dl.close.source));
        return cli_print_json(out, 0);
    }
    for (size_t i = 0; i < json_array_size(x.arr); i++) {
        json_t *e = json_array_get(x.arr, i);
        const char *flag = json_string_value(json_object_get(e, "flag"));

        printf("%-22s %-9s %-15s %s\n",
               json_string_value(json_object_get(e, "id")),
               json_string_value(json_object_get(e, "kind")), flag,
               !strcmp(flag, "reported-late") || !strcmp(flag, "action-overdue")
                   ? json_string_value(json_object_get(e, "deadline"))
               : !strcmp(flag, "close-overdue")
                   ? json_string_value(json_object_get(e, "closeBy"))
                   : json_string_value(json_object_get(e, "acceptBy")));
    }
    printf("%zu overdue (accept: %d %s, %s; close: %d %s, %s)\n",
           json_array_size(x.arr), dl.accept.days,
           dl.accept.unit == ZL_CLOCK_WORKING_DAYS ? "working days" : "days",
           dl.accept.source, dl.close.days,
           dl.close.unit == ZL_CLOCK_WORKING_DAYS ? "working days" : "days",
           dl.close.source);
    json_decref(x.arr);
    return EXIT_OK;
}

static int pub_cb(void *ctx, const struct zl_risk_pub_row *r)
{
    json_t *o = json_object();

    json_object_set_new(o, "dim", json_string(r->dim));
    json_object_set_new(o, "value", json_string(r->value));
    if (r->suppressed) { /* the same form as /complaints?format=json */
        static const char *const K[] = {
            "complaints", "duplicates",   "accepted",
            "rejected",   "closed",       "resolved",
            "overdue",    "handledShare", "medianDaysToClose",
            NULL};

        for (int i = 0; K[i]; i++)
            json_object_set_new(o, K[i], json_null());
        json_object_set_new(o, "suppressed", json_true());
        json_object_set_new(o, "lessThan", json_integer(r->threshold));
        return json_array_append_new(ctx, o) ? ZL_ENOMEM : 0;
    }
    json_object_set_new(o, "complaints", json_integer(r->complaints));
    json_object_set_new(o, "duplicates", json_integer(r->duplicates));
    json_object_set_new(o, "accepted", json_integer(r->accepted));
    json_object_set_new(o, "rejected", json_integer(r->rejected));
    json_object_set_new(o, "closed", json_integer(r->closed));
    json_object_set_new(o, "resolved", json_integer(r->resolved));
    json_object_set_new(o, "overdue", json_integer(r->overdue));
    json_object_set_new(o, "handledShare",
                        isnan(r->handled) ? json_null()
                                          : json_real(r->handled));
    json_object_set_new(o, "medianDaysToClose",
                        isnan(r->median_days) ? json_null()
                                              : json_real(r->median_days));
    return json_array_append_new(ctx, o) ? ZL_ENOMEM : 0;
}

static int published(int argc, char **argv)
{
    struct zl_risk_deadlines dl;
    struct zl_risk_case_opts o = {0};
    struct zl_error err = {0};
    json_t *arr = json_array();
    zl_store *s;
    int rc;

    if (load_deadlines(argc, argv, &dl)) {
        json_decref(arr);
        return EXIT_FAIL;
    }
    o.rules = &dl;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store")))) {
        json_decref(arr);
        return EXIT_FAIL;
    }
    rc = zl_risk_publication(s, &o, pub_cb, arr, &err);
    zl_close(s);
    if (rc) {
        cli_print_error("risk published", NULL, rc, &err, 0);
        json_decref(arr);
        return EXIT_FAIL;
    }
    if (cli_has_flag(argc, argv, "--json")) {
        json_t *out = json_object();

        json_object_set_new(out, "rows", arr);
        return cli_print_json(out, JSON_REAL_PRECISION(6));
    }
    printf("%-10s %-20s %5s %4s %5s %5s %5s %5s %5s %7s %6s\n", "by", "value",
           "compl", "dup", "acc", "rej", "closed", "resolv", "overdue",
           "handled", "days");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        json_t *h = json_object_get(e, "handledShare"),
               *d = json_object_get(e, "medianDaysToClose");

        if (json_is_true(json_object_get(e, "suppressed"))) {
            printf(
                "%-10s %-20s    <%lld (fewer complaints are not "
                "published)\n",
                json_string_value(json_object_get(e, "dim")),
                json_string_value(json_object_get(e, "value")),
                (long long)json_integer_value(json_object_get(e, "lessThan")));
            continue;
        }

        printf("%-10s %-20s %5lld %4lld %5lld %5lld %5lld %5lld %5lld ",
               json_string_value(json_object_get(e, "dim")),
               json_string_value(json_object_get(e, "value")),
               (long long)json_integer_value(json_object_get(e, "complaints")),
               (long long)json_integer_value(json_object_get(e, "duplicates")),
               (long long)json_integer_value(json_object_get(e, "accepted")),
               (long long)json_integer_value(json_object_get(e, "rejected")),
               (long long)json_integer_value(json_object_get(e, "closed")),
               (long long)json_integer_value(json_object_get(e, "resolved")),
               (long long)json_integer_value(json_object_get(e, "overdue")));
        if (json_is_real(h))
            printf("%6.0f%% ", 100 * json_real_value(h));
        else
            printf("%7s ", "-");
        if (json_is_real(d))
            printf("%6.1f\n", json_real_value(d));
        else
            printf("%6s\n", "-");
    }
    json_decref(arr);
    return EXIT_OK;
}

static int read_key(const char *path, uint8_t key[ZL_RISK_KEY_LEN])
{
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (!path || cli_read_file(path, 4096, &data, &len)) {
        fprintf(stderr, "zhiliang risk rekey: cannot read the key file %s\n",
                path ? path : "(none given)");
        return -1;
    }
    rc = zl_risk_key_parse(data, len, key);
    memset(data, 0, len);
    free(data);
    if (rc)
        fprintf(stderr,
                "zhiliang risk rekey: %s is not a key (64 hex digits: "
                "openssl rand -hex 32)\n",
                path);
    return rc ? -1 : 0;
}

static int rekey(int argc, char **argv)
{
    uint8_t old_key[ZL_RISK_KEY_LEN], new_key[ZL_RISK_KEY_LEN];
    char oid[17], nid[17];
    struct zl_error err = {0};
    size_t n = 0;
    zl_store *s;
    int rc = EXIT_FAIL, x;

    if (!cli_opt_val(argc, argv, "--old-key") ||
        !cli_opt_val(argc, argv, "--new-key")) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (read_key(cli_opt_val(argc, argv, "--old-key"), old_key) ||
        read_key(cli_opt_val(argc, argv, "--new-key"), new_key))
        goto out;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        goto out;
    x = zl_risk_rekey(s, old_key, new_key, zl_time_now_ms(), &n, &err);
    zl_close(s);
    if (x) {
        cli_print_error("risk rekey", NULL, x, &err, 0);
        goto out;
    }
    zl_risk_key_id(old_key, oid);
    zl_risk_key_id(new_key, nid);
    printf("re-sealed %zu personal-data row%s under key %s; key %s retired\n",
           n, n == 1 ? "" : "s", nid, oid);
    rc = EXIT_OK;
out:
    memset(old_key, 0, sizeof old_key);
    memset(new_key, 0, sizeof new_key);
    return rc;
}

int cmd_risk_handle(int argc, char **argv)
{
    static const struct cli_verb VERBS[] = {
        {"review", review},       {"case", show_case}, {"overdue", overdue},
        {"published", published}, {"rekey", rekey},    {NULL, NULL}};

    return cli_run_verb(argc, argv, VERBS, usage);
}
