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

#include "zhiliang/gs1.h"
#include "zhiliang/timefmt.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

/* Rows a table shows unless the query bounds its size itself. */
#define TABLE_PAGE "50"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang events [--store PATH] [--json] [--epc-format dl|urn]\n"
        "                       [--as PARTY] [--tz ZONE] [--ids] "
        "[NAME=VALUE ...]\n\n"
        "List stored events matching EPCIS 2.0 query parameters (as in\n"
        "GS1's REST binding; lists are pipe-delimited):\n"
        "  eventType=ObjectEvent|AggregationEvent|TransactionEvent|\n"
        "            TransformationEvent|AssociationEvent\n"
        "  GE_eventTime, LT_eventTime, GE_recordTime, LT_recordTime (ISO "
        "8601;\n"
        "            2026-03-02 or 2026-03-02T08:30 are read in --tz)\n"
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
        "  --json            print an EPCIS 2.0 EPCISQueryDocument (every\n"
        "                    match unless perPage=N; the table shows 50)\n"
        "  --tz ZONE         times in ZONE: +HH:MM, UTC or Asia/Shanghai\n"
        "                    (default $ZHILIANG_TZ, else Asia/Shanghai)\n"
        "  --ids             places as identifiers, not registered names\n"
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

/* What the table needs across rows. */
struct table {
    zl_names *names; /* NULL with --ids */
    int zone_min;
    size_t rows;
};

#define W_TIME  16
#define W_STEP  16
#define W_WHERE 30
#define W_WHAT  44

/* One cell and the space after it. */
static void cell(const char *s, int width)
{
    cli_print_cell(s, width);
    putchar(' ');
}

static void print_header(const struct table *t)
{
    char z[7], h[32];

    cli_zone_name(t->zone_min, z);
    snprintf(h, sizeof h, "TIME (%s)", z);
    cell(h, W_TIME);
    cell("STEP", W_STEP);
    cell("WHERE", W_WHERE);
    cell("WHAT", W_WHAT);
    puts("EVENT ID");
}

/* One event: time in the reader's zone, step, place (its registered name
 * unless --ids), the first identifier (+ how many more), the event ID
 * (last, so `awk '{print $NF}'` hands it to `zhiliang log prove`). */
static int print_row(void *ctx, const char *json, size_t len)
{
    struct table *t = ctx;
    json_t *j = json_loadb(json, len, 0, NULL), *v;
    const char *lists[] = {"parentID",           "epcList",
                           "childEPCs",          "inputEPCList",
                           "outputEPCList",      "quantityList",
                           "childQuantityList",  "inputQuantityList",
                           "outputQuantityList", NULL};
    const char *first = NULL, *where, *name = NULL, *step;
    char when[20], what[600];
    size_t nids = 0;
    int64_t ms = 0;
    int off;

    if (!j)
        return 0;
    for (int k = 0; lists[k]; k++) {
        size_t i;
        json_t *e, *l = json_object_get(j, lists[k]);

        if (json_is_string(l)) { /* parentID */
            first = json_string_value(l);
            nids++;
        }
        json_array_foreach(l, i, e)
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
    v = json_object_get(j, "eventTime");
    if (json_is_string(v))
        zl_time_parse(json_string_value(v), json_string_length(v), &ms, &off);
    cli_time(ms, t->zone_min, when);
    where = json_string_value(
        json_object_get(json_object_get(j, "bizLocation"), "id"));
    if (!where)
        where = json_string_value(
            json_object_get(json_object_get(j, "readPoint"), "id"));
    if (where && t->names)
        name = zl_names_place(t->names, where);
    step = json_string_value(json_object_get(j, "bizStep"));
    if (!step) /* no step: the kind of event says what happened */
        step = json_string_value(json_object_get(j, "type"));
    if (first && t->names) { /* as printed on packs: (01)...(10)... */
        struct zl_gs1_id id;
        char es[512];

        if (!zl_gs1_parse(first, strlen(first), &id, NULL) &&
            zl_gs1_to_element_string(&id, es, sizeof es) > 0)
            first = es;
        snprintf(what, sizeof what, nids > 1 ? "%s (+%zu)" : "%s", first,
                 nids - 1);
    } else {
        snprintf(what, sizeof what, nids > 1 ? "%s (+%zu)" : "%s",
                 first ? first : "-", nids - 1);
    }
    cell(when, W_TIME);
    cell(short_uri(step), W_STEP);
    cell(name ? name : where, W_WHERE);
    cell(what, W_WHAT);
    v = json_object_get(j, "eventID");
    puts(json_is_string(v) ? json_string_value(v) : "-");
    t->rows++;
    json_decref(j);
    return 0;
}

/* 1 if the arguments bound the result's size themselves. */
static int sized(int argc, char **argv, int from)
{
    for (int i = from; i < argc; i++)
        if (!strncmp(argv[i], "perPage=", 8) ||
            !strncmp(argv[i], "eventCountLimit=", 16) ||
            !strncmp(argv[i], "maxEventCount=", 14) ||
            !strncmp(argv[i], "nextPageToken=", 14))
            return 1;
    return 0;
}

int cmd_events(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"json", no_argument, 0, 'j'},
        {"epc-format", required_argument, 0, 'f'},
        {"as", required_argument, 0, 'a'},
        {"tz", required_argument, 0, 'z'},
        {"ids", no_argument, 0, 'i'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *store = NULL, *as = NULL, *tz = NULL;
    char as_id[ZL_PARTY_ID_MAX];
    struct table table = {NULL, 0, 0};
    struct zl_viewer viewer;
    enum zl_epc_format fmt = ZL_EPC_AS_CAPTURED;
    struct zl_error err = {0};
    zl_query *q = NULL;
    zl_store *s = NULL;
    char *out = NULL, *next = NULL;
    int json = 0, ids = 0, c, rc, code = EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'j': json = 1; break;
        case 'a': as = optarg; break;
        case 'z': tz = optarg; break;
        case 'i': ids = 1; break;
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
    if (cli_zone("events", tz, &table.zone_min))
        return EXIT_USAGE;
    if (zl_query_new(&q))
        return EXIT_FAIL;
    zl_query_set_zone(q, table.zone_min);
    /* A person reading a table gets a page, not the whole store. */
    if (!json && !sized(argc, argv, optind) &&
        zl_query_param(q, "perPage", TABLE_PAGE, &err)) {
        code = EXIT_FAIL;
        goto out;
    }
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
        if (!(as = cli_party_arg(s, "events", as, as_id, 1)))
            goto out;
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
        int tty = isatty(STDOUT_FILENO);

        if (!ids && zl_names_open(s, 0, &table.names))
            goto out;
        if (tty)
            print_header(&table);
        rc = zl_query_each(s, q, fmt, print_row, &table, &next, &err);
        /* the count goes with the table on a terminal, to stderr when
         * the rows are piped on */
        if (!rc)
            fprintf(tty ? stdout : stderr, "%zu event%s%s%s%s\n", table.rows,
                    table.rows == 1 ? "" : "s",
                    next ? " (more: nextPageToken=" : "", next ? next : "",
                    next ? ")" : "");
    }
    if (rc) {
        cli_print_error("events", NULL, rc, &err, 0);
        goto out;
    }
    if (next && json)
        fprintf(stderr, "more: nextPageToken=%s\n", next);
    code = EXIT_OK;
out:
    zl_names_close(table.names);
    zl_free(out);
    zl_free(next);
    zl_query_free(q);
    zl_close(s);
    return code;
}
