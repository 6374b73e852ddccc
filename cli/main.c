/*
 * main.c - the `zhiliang` command: dispatch to a subcommand group.
 *
 * Each group is cli/cmd_<group>.c (commands.h). The table below is also
 * what `zhiliang --help` lists, and the build turns that list and each
 * group's --help into the zhiliang(1) man page (packaging/man/mkman.py).
 *
 * The library's jansson hooks are switched on here (zl_global_init): this
 * program owns its process, and captures parse faster with them.
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
    {"init", cmd_init, "create a store (SQLite, WAL) with its signing key"},
    {"capture", cmd_capture, "validate and store EPCIS 2.0 documents"},
    {"events", cmd_events, "query stored events (EPCIS 2.0 query parameters)"},
    {"query", cmd_query, "named queries: save, list, run, delete"},
    {"hash", cmd_hash, "print the CBV 2.0 event hash ID of every event"},
    {"convert", cmd_convert, "EPCIS XML (1.2/2.0) to JSON-LD and back"},
    {"id", cmd_id, "check and convert GS1 identifiers and USCCs"},
    {"demo", cmd_demo, "generate a realistic demo supply chain"},
    {"trace", cmd_trace, "trace back to sources or forward to destinations"},
    {"recall", cmd_recall, "recall scope and recall cases"},
    {"log", cmd_log, "Merkle log: checkpoints and proofs"},
    {"verify", cmd_verify, "recheck every record against the log"},
    {"reindex", cmd_reindex, "rebuild derived data from the records"},
    {"migrate", cmd_migrate, "copy a store to another (SQLite, PostgreSQL)"},
    {"party", cmd_party, "register enterprises and their keys"},
    {"product", cmd_product, "register a product and what its pack declares"},
    {"key", cmd_key, "a party's signing key: generate, sign, verify"},
    {"token", cmd_token, "create and revoke API tokens"},
    {"draw", cmd_draw, "verifiable random selection (RFC 3797, log beacon)"},
    {"registry", cmd_registry,
     "supervision registries: enterprises, inspectors, categories"},
    {"inspect", cmd_inspect,
     "inspection plans and their verifiable draws (双随机)"},
    {"sampling", cmd_sampling, "GB/T 2828.1 sampling plans and OC curves"},
    {"supervise", cmd_supervise, "spot-check legal clocks, working days"},
    {"credit", cmd_credit, "credit-risk class A-D with every point explained"},
    {"spc", cmd_spc, "control charts, capability, gauge R&R, Pareto"},
    {"risk", cmd_risk, "outbreak signals, Safety Gate risk assessment"},
    {"serve", cmd_serve, "run the HTTP server and public portal"},
    {NULL, NULL, NULL}};

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang <command> [options]   (zhiliang <command> --help)\n\n"
        "Zhiliang %s - quality traceability: EPCIS 2.0 capture, trace,\n"
        "recall and a tamper-evident log.\n\ncommands:\n",
        ZL_VERSION);
    for (size_t i = 0; commands[i].name; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --store PATH (default $ZHILIANG_STORE,"
               " then ./zhiliang.db).\nA store is an SQLite file (PATH or"
               " sqlite:PATH) or a schema of a PostgreSQL\ndatabase"
               " (postgresql://USER@HOST:PORT/DB?schema=NAME).\n"
               "Exit codes: 0 ok, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    zl_global_init();
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
