/*
 * cmd_query.c - `zhiliang query save|list|run|delete`: the EPCIS 2.0 REST
 * binding's named queries (zhiliang/subscription.h) from the command line.
 *
 * Local access to the store is operator access: every query, every event.
 * With --as PARTY a command acts as that party does through the server:
 * it saves queries as theirs, sees only theirs, and runs them under its
 * read rule (docs/access.md).
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/party.h"
#include "zhiliang/subscription.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang query save NAME [--file F | NAME=VALUE ...]\n"
        "       zhiliang query list [--json]\n"
        "       zhiliang query run NAME [--xml] [NAME=VALUE ...]\n"
        "       zhiliang query delete NAME\n"
        "       zhiliang query subscribe NAME --dest URL [--secret S]\n"
        "                [--schedule JSON] [--recalls]\n"
        "       zhiliang query webhook-allow [--party ID] [CIDR[,CIDR...] | "
        "none]\n"
        "options of each: [--store PATH] [--as PARTY]\n\n"
        "Named queries, as the EPCIS 2.0 REST binding's /queries: a set of\n"
        "query parameters (see `zhiliang events --help`) saved under a\n"
        "name, run later with the runner's read rule; the server's\n"
        "/queries/{name}/subscriptions send their results to webhooks.\n"
        "  save      NAME=VALUE pairs (lists pipe-delimited), or --file F\n"
        "            holding the binding's query object ({\"EQ_bizStep\":\n"
        "            [\"shipping\"]}); F may be - for stdin\n"
        "  list      name and definition of each query\n"
        "  run       print the EPCISQueryDocument (--xml: EPCIS 2.0 XML);\n"
        "            extra NAME=VALUE pairs narrow it (perPage=N...)\n"
        "  delete    the query and its subscriptions\n"
        "  subscribe a webhook for the query's results (`zhiliang serve`\n"
        "            delivers): streaming, or on --schedule "
        "({\"hour\":\"1\"});\n"
        "            --secret signs each delivery (GS1-Signature); prints\n"
        "            the subscription's ID. A dest whose host resolves to a\n"
        "            loopback, private, link-local or other internal\n"
        "            address is refused, then and at each delivery, unless\n"
        "            allowed:\n"
        "  webhook-allow  the internal addresses webhooks may reach\n"
        "            (operator only): comma-separated addresses or CIDR\n"
        "            ranges (127.0.0.1/32,10.1.0.0/16), none to allow none;\n"
        "            without an argument, prints the current list; with\n"
        "            --party ID, the list of that party's webhooks only\n"
        "            (added to the store-wide one)\n"
        "  --as PARTY  act as PARTY (its queries, its read rule); without\n"
        "            it, every query and every event (operator access)\n\n"
        "Example: zhiliang query save shipped EQ_bizStep=shipping\n"
        "Exit codes: 0 ok, 1 failure (unknown query, bad parameter, store),\n"
        "2 usage.\n");
}

/* NAME=VALUE pairs as the binding's query object (lists as arrays). */
static json_t *pairs_json(int argc, char **argv, int from)
{
    json_t *o = json_object();

    for (int i = from; o && i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        json_t *arr;
        char *p;

        if (!eq || eq == argv[i]) {
            fprintf(stderr, "zhiliang query: '%s' is not NAME=VALUE\n",
                    argv[i]);
            json_decref(o);
            return NULL;
        }
        *eq = '\0';
        if (!strncmp(argv[i], "EXISTS_", 7))
            json_object_set_new(o, argv[i], json_true());
        else if (!strncmp(argv[i], "GE_", 3) || !strncmp(argv[i], "LT_", 3) ||
                 !strcmp(argv[i], "orderBy") ||
                 !strcmp(argv[i], "orderDirection") ||
                 !strcmp(argv[i], "eventCountLimit") ||
                 !strcmp(argv[i], "maxEventCount"))
            json_object_set_new(o, argv[i], json_string(eq + 1));
        else {
            arr = json_array();
            for (p = eq + 1; arr;) {
                char *bar = strchr(p, '|');
                json_array_append_new(
                    arr, json_stringn(p, bar ? (size_t)(bar - p) : strlen(p)));
                if (!bar)
                    break;
                p = bar + 1;
            }
            json_object_set_new(o, argv[i], arr);
        }
        *eq = '=';
    }
    return o;
}

static int print_cb(void *ctx, const char *name, const char *owner,
                    const char *query)
{
    json_t *arr = ctx;
    json_error_t je;

    if (arr)
        return json_array_append_new(
                   arr, json_pack("{s:s, s:s, s:o}", "name", name, "owner",
                                  owner, "query", json_loads(query, 0, &je)))
                   ? ZL_ENOMEM
                   : 0;
    printf("%-24s %-20s %s\n", name, owner[0] ? owner : "(local)", query);
    return 0;
}

int cmd_query(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"as", required_argument, 0, 'a'},
        {"file", required_argument, 0, 'f'},
        {"json", no_argument, 0, 'j'},
        {"xml", no_argument, 0, 'x'},
        {"dest", required_argument, 0, 'd'},
        {"secret", required_argument, 0, 'k'},
        {"schedule", required_argument, 0, 'S'},
        {"recalls", no_argument, 0, 'r'},
        {"party", required_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *store = NULL, *as = NULL, *file = NULL, *verb, *name = NULL;
    const char *dest = NULL, *secret = NULL, *schedule = NULL, *party = NULL;
    int recalls = 0;
    struct zl_error err = {0};
    struct zl_viewer viewer;
    const char *owner = NULL;
    zl_store *s = NULL;
    zl_query *q = NULL;
    json_t *jq = NULL, *list = NULL;
    char *text = NULL, *def = NULL, *out = NULL, *next = NULL, *fdata = NULL;
    size_t flen = 0, len = 0;
    int c, rc, json = 0, xml = 0, code = EXIT_FAIL;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'a': as = optarg; break;
        case 'f': file = optarg; break;
        case 'j': json = 1; break;
        case 'x': xml = 1; break;
        case 'd': dest = optarg; break;
        case 'k': secret = optarg; break;
        case 'S': schedule = optarg; break;
        case 'r': recalls = 1; break;
        case 'P': party = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (party && strcmp(verb, "webhook-allow")) {
        fprintf(stderr, "zhiliang query: --party is webhook-allow's (the "
                        "other verbs act as a party with --as)\n");
        return EXIT_USAGE;
    }
    if (!strcmp(verb, "webhook-allow")) {
        if (as || optind + 1 < argc) {
            fprintf(stderr, "zhiliang query: webhook-allow is the "
                            "operator's (no --as) and takes one list\n");
            return EXIT_USAGE;
        }
        if (!(s = cli_open_store(store)))
            return EXIT_FAIL;
        if (optind < argc) {
            rc = zl_webhook_allow_party_set(s, party, argv[optind], &err);
            if (rc)
                cli_print_error("query", argv[optind], rc, &err, 0);
        } else if (!(rc = zl_webhook_allow_party_get(s, party, &out))) {
            puts(out[0] ? out : "none");
        }
        code = rc ? EXIT_FAIL : EXIT_OK;
        goto out;
    }
    if (strcmp(verb, "list")) {
        if (optind >= argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        name = argv[optind++];
    }
    if (strcmp(verb, "save") && strcmp(verb, "list") && strcmp(verb, "run") &&
        strcmp(verb, "delete") && (strcmp(verb, "subscribe") || !dest)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!(s = cli_open_store(store)))
        return EXIT_FAIL;
    if (as) {
        if ((rc = zl_viewer_for_party(s, as, &viewer, &err))) {
            cli_print_error("query", as, rc, &err, 0);
            goto out;
        }
        owner = viewer.party.id;
    }
    if (!strcmp(verb, "save")) {
        if (file) {
            if (cli_read_file(file, 1 << 20, &fdata, &flen))
                goto out;
            rc = zl_named_query_save(s, name, owner, fdata, flen, &err);
        } else {
            if (!(jq = pairs_json(argc, argv, optind))) {
                code = EXIT_USAGE;
                goto out;
            }
            text = json_dumps(jq, JSON_COMPACT);
            rc = text ? zl_named_query_save(s, name, owner, text, strlen(text),
                                            &err)
                      : ZL_ENOMEM;
        }
        if (rc) {
            cli_print_error("query", name, rc, &err, 0);
            goto out;
        }
        printf("saved query %s\n", name);
    } else if (!strcmp(verb, "list")) {
        list = json ? json_array() : NULL;
        if ((rc = zl_named_query_list(s, owner, print_cb, list))) {
            cli_print_error("query", NULL, rc, &err, 0);
            goto out;
        }
        if (json) {
            code = cli_print_json(list, 0);
            list = NULL;
            goto out;
        }
    } else if (!strcmp(verb, "subscribe")) {
        char id[ZL_SUBSCRIPTION_ID_MAX];
        json_error_t je;
        json_t *sch = schedule ? json_loads(schedule, 0, &je) : NULL;

        jq = json_pack("{s:s, s:b}", "dest", dest, "recalls", recalls);
        if (jq && secret)
            json_object_set_new(jq, "signatureToken", json_string(secret));
        if (jq && sch)
            json_object_set_new(jq, "schedule", sch);
        else if (jq && !schedule)
            json_object_set_new(jq, "stream", json_true());
        else
            json_decref(sch);
        text = jq && (!schedule || sch) ? json_dumps(jq, JSON_COMPACT) : NULL;
        if (!text) {
            fprintf(stderr, "zhiliang query: --schedule is a JSON object\n");
            code = EXIT_USAGE;
            goto out;
        }
        rc = zl_subscription_create(s, name, owner, text, strlen(text), id,
                                    &err);
        if (rc) {
            cli_print_error("query", name, rc, &err, 0);
            goto out;
        }
        puts(id);
    } else if (!strcmp(verb, "delete")) {
        if ((rc = zl_named_query_delete(s, name, owner))) {
            cli_print_error("query", name, rc, &err, 0);
            goto out;
        }
        printf("deleted query %s\n", name);
    } else {
        if ((rc = zl_named_query_get(s, name, owner, &def)) ||
            (rc = zl_query_new(&q)) ||
            (rc = zl_named_query_apply(q, def, &err))) {
            cli_print_error("query", name, rc, &err, 0);
            goto out;
        }
        for (int i = optind; i < argc; i++) {
            char *eq = strchr(argv[i], '=');
            if (!eq) {
                fprintf(stderr, "zhiliang query: '%s' is not NAME=VALUE\n",
                        argv[i]);
                code = EXIT_USAGE;
                goto out;
            }
            *eq = '\0';
            rc = zl_query_param(q, argv[i], eq + 1, &err);
            *eq = '=';
            if (rc) {
                cli_print_error("query", NULL, rc, &err, 0);
                code = EXIT_USAGE;
                goto out;
            }
        }
        if (as)
            zl_query_set_viewer(q, &viewer);
        rc = zl_query_json(s, q, ZL_EPC_AS_CAPTURED, &out, &len, &next, &err);
        if (!rc) { /* the document names the query, as the server's does */
            size_t nl = 0;
            char *renamed = zl_query_doc_rename(out, len, name, &nl);

            if (renamed) {
                zl_free(out);
                out = renamed;
                len = nl;
            }
        }
        if (!rc && xml) {
            char *x = NULL;
            size_t xl = 0;
            rc = zl_epcis_json_to_xml(out, len, &x, &xl, &err);
            zl_free(out);
            out = x;
            len = xl;
        }
        if (rc) {
            cli_print_error("query", name, rc, &err, 0);
            goto out;
        }
        fwrite(out, 1, len, stdout);
        putchar('\n');
        if (next)
            fprintf(stderr, "more: nextPageToken=%s\n", next);
    }
    code = EXIT_OK;
out:
    json_decref(list);
    json_decref(jq);
    free(text);
    free(fdata);
    zl_free(def);
    zl_free(out);
    zl_free(next);
    zl_query_free(q);
    zl_close(s);
    return code;
}
