/*
 * cmd_reindex.c - `zhiliang reindex`: rebuild every derived row of the
 * store from the logged records (after `zhiliang verify` reported derived
 * data that disagrees with them, or after an upgrade changed an index).
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/audit.h"

#include <getopt.h>
#include <jansson.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang reindex [--store PATH] [--json]\n\n"
        "Rebuild the derived data (events' index columns and identifier\n"
        "lists, the identifier index, bizTransaction/source/destination\n"
        "rows, links to signed documents, recall case rows) from the\n"
        "records themselves, in\n"
        "one transaction. Records that were edited (they no longer hash to\n"
        "their log leaf) cannot be rebuilt from: they are counted as\n"
        "skipped, and `zhiliang verify` keeps reporting them.\n\n"
        "Exit codes: 0 rebuilt, 1 failure (nothing changed), 2 usage error.\n");
}

int cmd_reindex(int argc, char **argv)
{
    static const struct option opts[] = {{"store", required_argument, 0, 's'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct zl_audit_reindex_stats st = {0};
    const char *store = NULL;
    zl_store *s;
    int json = 0, c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    s = cli_open_store(store);
    if (!s)
        return EXIT_FAIL;
    rc = zl_audit_reindex(s, &st);
    zl_close(s);
    if (rc) {
        fprintf(stderr, "zhiliang reindex: %s (nothing changed)\n",
                zl_strerror(rc));
        return EXIT_FAIL;
    }
    if (json) {
        json_t *o = json_pack(
            "{s:I, s:I, s:I, s:I, s:I}", "events", (json_int_t)st.events,
            "documents", (json_int_t)st.documents, "recallCases",
            (json_int_t)st.cases, "metadataRestored", (json_int_t)st.metadata,
            "skipped", (json_int_t)st.skipped);

        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else {
        printf("reindexed %llu events, %llu signed documents and %llu "
               "recall cases",
               (unsigned long long)st.events, (unsigned long long)st.documents,
               (unsigned long long)st.cases);
        if (st.metadata)
            printf("; capture time or party of %llu events restored from "
                   "their receipts",
                   (unsigned long long)st.metadata);
        if (st.registry)
            printf("; %llu registry entries rewritten from their records",
                   (unsigned long long)st.registry);
        if (st.tokens_lost)
            printf("; %llu API tokens lost (their rows are gone and a token "
                   "secret cannot be rebuilt: create new ones)",
                   (unsigned long long)st.tokens_lost);
        if (st.skipped)
            printf("; %llu edited records skipped (see zhiliang verify)",
                   (unsigned long long)st.skipped);
        putchar('\n');
    }
    return EXIT_OK;
}
