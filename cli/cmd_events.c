/*
 * cmd_events.c - `zhiliang events`: query stored events with the EPCIS
 * 2.0 query parameters, printed as a table or an EPCISQueryDocument.
 *
 * Local access to the store file is operator access: every event. With
 * --as PARTY the query runs under that party's read rule (docs/access.md,
 * "Who reads what"), exactly as the server runs it for the party's token.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/party.h"
#include "zhiliang/query.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang events [--store PATH] [--json] [--epc-format dl|urn]\n"
        "                       [--as PARTY] [NAME=VALUE ...]\n\n"
        "List stored events matching EPCIS 2.0 query parameters (as in\n"
        "GS1's REST binding; lists are pipe-delimited):\n"
        "  eventType=ObjectEvent|AggregationEvent|TransactionEvent|\n"
        "            TransformationEvent|AssociationEvent\n"
        "  GE_eventTime, LT_eventTime, GE_recordTime, LT_recordTime (ISO "
        "8601)\n"
        "  EQ_action=ADD|OBSERVE|DELETE  EQ_bizStep=shipping  "
        "EQ_disposition=...\n"
        "  EQ_readPoint, EQ_bizLocation, EQ_eventID, EQ_transformationID\n"
        "  MATCH_epc, MATCH_anyEPC, MATCH_parentID, MATCH_inputEPC,\n"
        "  MATCH_outputEPC, MATCH_epcClass, MATCH_inputEPCClass,\n"
        "  MATCH_outputEPCClass, MATCH_anyEPCClass (any identifier form;\n"
        "  patterns like urn:epc:idpat:sgtin:0614141.107346.*)\n"
        "  EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type>\n"
        "  EXISTS_errorDeclaration=true\n"
        "  orderBy=eventTime|recordTime  orderDirection=ASC|DESC\n"
        "  eventCountLimit=N  maxEventCount=N  perPage=N  nextPageToken=T\n\n"
        "  --json            print an EPCIS 2.0 EPCISQueryDocument\n"
        "  --epc-format F    dl (GS1 Digital Link) or urn (EPC URN) output\n"
        "  --as PARTY        only what PARTY may read (docs/access.md); "
        "without\n"
        "                    it, every event (local access is operator "
        "access)\n"
        "  --store PATH      the store\n\n"
        "Example: zhiliang events EQ_bizStep=shipping "
        "MATCH_anyEPC=urn:epc:id:sscc:0614141.1234567890\n"
        "Exit codes: 0 ok, 1 failure (bad parameter or store), 2 usage.\n");
}

static const char *short_uri(const char *v)
{
    const char *dash;

    if (!v)
        return "-";
    if (!strncmp(v, "https://ref.gs1.org/cbv/", 24) &&
        (dash = strchr(v + 24, '-')))
        return dash + 1;
    return v;
}

static int print_row(void *ctx, const char *json, size_t len)
{
    json_t *j = json_loadb(json, len, 0, NULL), *v;
    const char *lists[] = {
        "epcList",           "childEPCs",          "inputEPCList",
        "outputEPCList",     "quantityList",       "childQuantityList",
        "inputQuantityList", "outputQuantityList", NULL};
    const char *first = NULL;
    size_t nids = 0;

    (void)ctx;
    if (!j)
        return 0;
    for (int k = 0; lists[k]; k++) {
        size_t i;
        json_t *e;

        json_array_foreach(json_object_get(j, lists[k]), i, e)
        {
            const char *id =
                json_is_string(e)
                    ? json_string_value(e)
                    : json_string_value(json_object_get(e, "epcClass"));

            if (id && !first)
                first = id;
            nids++;
        }
    }
    v = json_object_get(j, "parentID");
    printf("%-29s %-19s %-8s %-18s %s%s",
           json_string_value(json_object_get(j, "eventTime")),
           json_string_value(json_object_get(j, "type")),
           json_string_value(json_object_get(j, "action"))
               ? json_string_value(json_object_get(j, "action"))
               : "-",
           short_uri(json_string_value(json_object_get(j, "bizStep"))),
           v ? "parent " : "", v ? json_string_value(v) : "");
    if (first)
        printf("%s%s", v ? " " : "", first);
    if (nids > 1)
        printf(" (+%zu more)", nids - 1);
    putchar('\n');
    json_decref(j);
    return 0;
}

int cmd_events(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"json", no_argument, 0, 'j'},
        {"epc-format", required_argument, 0, 'f'},
        {"as", required_argument, 0, 'a'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *store = NULL, *as = NULL;
    struct zl_viewer viewer;
    enum zl_epc_format fmt = ZL_EPC_AS_CAPTURED;
    struct zl_error err = {0};
    zl_query *q = NULL;
    zl_store *s = NULL;
    char *out = NULL, *next = NULL;
    int json = 0, c, rc, code = EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'j': json = 1; break;
        case 'a': as = optarg; break;
        case 'f':
            if (!strcmp(optarg, "dl"))
                fmt = ZL_EPC_DIGITAL_LINK;
            else if (!strcmp(optarg, "urn"))
                fmt = ZL_EPC_URN;
            else {
                fprintf(stderr, "zhiliang events: --epc-format is dl or urn\n");
                return EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (zl_query_new(&q))
        return EXIT_FAIL;
    for (int i = optind; i < argc; i++) {
        char *eq = strchr(argv[i], '=');

        if (!eq) {
            fprintf(stderr, "zhiliang events: '%s' is not NAME=VALUE\n",
                    argv[i]);
            code = EXIT_USAGE;
            goto out;
        }
        *eq = '\0';
        rc = zl_query_param(q, argv[i], eq + 1, &err);
        *eq = '=';
        if (rc) {
            cli_print_error("events", NULL, rc, &err, 0);
            code = EXIT_USAGE;
            goto out;
        }
    }
    s = cli_open_store(store);
    if (!s)
        goto out;
    if (as) {
        if ((rc = zl_viewer_for_party(s, as, &viewer, &err))) {
            cli_print_error("events", as, rc, &err, 0);
            goto out;
        }
        if (!zl_viewer_reads_events(&viewer)) {
            fprintf(stderr,
                    "zhiliang events: party %s is an operator: it "
                    "administers parties and tokens and reads no "
                    "events (docs/access.md)\n",
                    viewer.party.id);
            goto out;
        }
        zl_query_set_viewer(q, &viewer);
    }
    if (json) {
        size_t len;

        rc = zl_query_json(s, q, fmt, &out, &len, &next, &err);
        if (!rc) {
            fwrite(out, 1, len, stdout);
            putchar('\n');
        }
    } else {
        rc = zl_query_each(s, q, fmt, print_row, NULL, &next, &err);
    }
    if (rc) {
        cli_print_error("events", NULL, rc, &err, 0);
        goto out;
    }
    if (next)
        fprintf(stderr, "more: nextPageToken=%s\n", next);
    code = EXIT_OK;
out:
    zl_free(out);
    zl_free(next);
    zl_query_free(q);
    zl_close(s);
    return code;
}
