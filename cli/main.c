/*
 * main.c - the `zhiliang` command: dispatch to a subcommand group.
 *
 * Groups are compiled in when their file exists (cli/meson.build defines
 * HAVE_CMD_<GROUP>), so the tool always builds while modules land.
 */
#include "commands.h"

#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
#ifdef HAVE_CMD_INIT
    {"init", cmd_init, "create a store (SQLite, WAL) with its signing key"},
#endif
#ifdef HAVE_CMD_CAPTURE
    {"capture", cmd_capture, "validate and store EPCIS 2.0 documents"},
#endif
#ifdef HAVE_CMD_EVENTS
    {"events", cmd_events, "query stored events (EPCIS 2.0 query parameters)"},
#endif
#ifdef HAVE_CMD_HASH
    {"hash", cmd_hash, "print the CBV 2.0 event hash ID of every event"},
#endif
#ifdef HAVE_CMD_ID
    {"id", cmd_id, "check and convert GS1 identifiers and USCCs"},
#endif
#ifdef HAVE_CMD_DEMO
    {"demo", cmd_demo, "generate a realistic demo supply chain"},
#endif
#ifdef HAVE_CMD_TRACE
    {"trace", cmd_trace, "trace back to sources or forward to destinations"},
#endif
#ifdef HAVE_CMD_RECALL
    {"recall", cmd_recall, "recall scope and recall cases"},
#endif
#ifdef HAVE_CMD_LOG
    {"log", cmd_log, "Merkle log: checkpoints and proofs"},
#endif
#ifdef HAVE_CMD_VERIFY
    {"verify", cmd_verify, "recheck every record against the log"},
#endif
#ifdef HAVE_CMD_REINDEX
    {"reindex", cmd_reindex, "rebuild derived data from the records"},
#endif
#ifdef HAVE_CMD_PARTY
    {"party", cmd_party, "register enterprises and their keys"},
#endif
#ifdef HAVE_CMD_KEY
    {"key", cmd_key, "a party's signing key: generate, sign, verify"},
#endif
#ifdef HAVE_CMD_TOKEN
    {"token", cmd_token, "create and revoke API tokens"},
#endif
#ifdef HAVE_CMD_DRAW
    {"draw", cmd_draw, "verifiable random selection (RFC 3797, log beacon)"},
#endif
#ifdef HAVE_CMD_SAMPLING
    {"sampling", cmd_sampling, "GB/T 2828.1 sampling plans and OC curves"},
#endif
#ifdef HAVE_CMD_SERVE
    {"serve", cmd_serve, "run the HTTP server and public portal"},
#endif
    {NULL, NULL, NULL}
};

static void usage(FILE *f)
{
    fprintf(f, "usage: zhiliang <command> [options]   (zhiliang <command> --help)\n\n"
               "Zhiliang %s - quality traceability: EPCIS 2.0 capture, trace,\n"
               "recall and a tamper-evident log.\n\ncommands:\n",
            ZL_VERSION);
    for (size_t i = 0; commands[i].name; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --store PATH (default $ZHILIANG_STORE,"
               " then ./zhiliang.db).\nExit codes: 0 ok, 1 failure, 2 usage"
               " error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("zhiliang %s\n", ZL_VERSION);
        return 0;
    }
    for (size_t i = 0; commands[i].name; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "zhiliang: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
