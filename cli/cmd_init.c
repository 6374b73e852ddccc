/*
 * cmd_init.c - `zhiliang init`: create a store.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/log.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang init [--store PATH] [--origin NAME] [--json]\n\n"
        "Create a new Zhiliang store with the event tables, the Merkle log\n"
        "and the operator's Ed25519 signing key for log checkpoints: an\n"
        "SQLite database in WAL mode (a path), or a schema of a PostgreSQL\n"
        "database (postgresql://USER@HOST:PORT/DB?schema=NAME, default\n"
        "schema zhiliang). Refuses to overwrite an existing store.\n\n"
        "  --store PATH   where (default $ZHILIANG_STORE, then ./zhiliang.db)\n"
        "  --origin NAME  log origin line in checkpoints (default\n"
        "                 zhiliang.local/log); also the signing key's name\n"
        "  --json         print the result as JSON\n\n"
        "Exit codes: 0 created, 1 failure, 2 usage error.\n");
}

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {{"store", required_argument, 0, 's'},
                                         {"origin", required_argument, 0, 'o'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *store = NULL, *origin = NULL, *path;
    struct zl_error err = {0};
    char *vkey = NULL;
    zl_store *s = NULL;
    int json = 0, c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'o': origin = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    path = cli_store_path(store);
    rc = zl_init(path, origin, &err);
    if (rc) {
        cli_print_error("init", NULL, rc, &err, json);
        return EXIT_FAIL;
    }
    s = cli_open_store(path);
    if (s)
        zl_log_public_key(s, &vkey);
    if (json)
        cli_print_json(json_pack("{s:o,s:s}", "store", cli_json_str(path),
                                 "verifierKey", vkey ? vkey : ""),
                       0);
    else
        printf("created store %s\nlog verifier key: %s\n", path,
               vkey ? vkey : "?");
    zl_free(vkey);
    zl_close(s);
    return EXIT_OK;
}
