/*
 * cmd_migrate.c - `zhiliang migrate`: copy a store to another store, on
 * another backend or the same, with its log intact (zl_store_copy).
 *
 * Progress goes to stderr when it is a terminal, at most five times a
 * second. An interrupted copy (Ctrl-C, a crash) is continued by running
 * the same command again; the library keeps the position in the target.
 */
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct show {
    double t0, last;
    int tty;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang migrate --to URI [--from URI] [--batch N] [--json]\n"
        "         [--quiet]\n\n"
        "Copy a store to another store - SQLite to PostgreSQL, PostgreSQL to\n"
        "SQLite, or SQLite to SQLite - with every record, its log, the\n"
        "log's checkpoints and the operator's signing key as they are: the\n"
        "target's `zhiliang log checkpoint` prints the source's, and\n"
        "`zhiliang verify` passes on it when it passes on the source.\n\n"
        "  --from URI    the store to copy (default $ZHILIANG_STORE, then\n"
        "                ./zhiliang.db); opening it upgrades an older schema\n"
        "  --store URI   the same as --from\n"
        "  --to URI      the new store: created when missing, else it must\n"
        "                be empty or hold an unfinished copy of the source\n"
        "  --batch N     rows per transaction on the target (default 5000)\n"
        "  --json        print a JSON summary\n"
        "  --quiet       no progress\n\n"
        "Store URIs: PATH or sqlite:PATH; postgresql://[user@]host[:port]/db\n"
        "?schema=NAME (a store is a schema of the database).\n\n"
        "Stop writers to the source while it is copied. A copy that was\n"
        "interrupted (Ctrl-C, kill, crash) continues where it stopped when\n"
        "the same command runs again, and copies no row twice; until it\n"
        "finishes the target is not usable (meta keys migrate.* mark it).\n"
        "A source whose log grew since the copy began is refused: remove\n"
        "the target and copy again.\n\n"
        "Exit codes: 0 copied and the target's log checked against the\n"
        "source's, 1 failure (the error names the store and table; re-run\n"
        "to continue), 2 usage error.\n");
}

static int progress(void *ctx, const struct zl_store_copy_progress *p)
{
    struct show *sh = ctx;
    double t = now_s(), dt = t - sh->t0;

    if (sh->tty && t - sh->last >= 0.2) {
        sh->last = t;
        fprintf(stderr,
                "\rtable %zu/%zu %-16.16s %12llu rows  %llu in all, %.0f "
                "rows/s   ",
                p->table_index + 1, p->n_tables, p->table,
                (unsigned long long)p->table_rows, (unsigned long long)p->rows,
                dt > 0 ? (double)p->rows / dt : 0.0);
    }
    return 0;
}

int cmd_migrate(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, 0, 'f'},
                                         {"store", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {"batch", required_argument, 0, 'b'},
                                         {"json", no_argument, 0, 'j'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct zl_store_copy_opts o = {0};
    struct zl_store_copy_result res;
    struct zl_error err = {0};
    struct show sh = {0};
    const char *from = NULL, *to = NULL;
    int json = 0, quiet = 0, c, rc;
    char root[65];
    double dt;

    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'b': {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);

            if (*end || !v || v > 1000000) {
                fprintf(stderr, "zhiliang migrate: --batch needs a number "
                                "from 1 to 1000000\n");
                return EXIT_USAGE;
            }
            o.batch = (size_t)v;
            break;
        }
        case 'j': json = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc || !to) {
        usage(stderr);
        return EXIT_USAGE;
    }
    from = cli_store_path(from);
    sh.tty = !quiet && !json && isatty(2);
    sh.t0 = sh.last = now_s();
    o.progress = progress;
    o.progress_ctx = &sh;
    rc = zl_store_copy(from, to, &o, &res, &err);
    dt = now_s() - sh.t0;
    if (sh.tty)
        fprintf(stderr, "\r%*s\r", 100, "");
    if (rc) {
        cli_print_error("migrate", NULL, rc, &err, json);
        if (!json && res.rows)
            fprintf(stderr,
                    "zhiliang migrate: %llu rows were copied before the "
                    "failure; run the same command again to continue\n",
                    (unsigned long long)res.rows);
        return EXIT_FAIL;
    }
    zl_hex_encode(res.log_root, 32, root);
    if (json)
        return cli_print_json(
            json_pack("{s:o,s:o,s:I,s:I,s:b,s:I,s:s,s:f}", "from",
                      cli_json_str(from), "to", cli_json_str(to), "tables",
                      (json_int_t)res.tables, "rows", (json_int_t)res.rows,
                      "resumed", res.resumed, "logSize",
                      (json_int_t)res.log_size, "logRoot", root, "seconds",
                      (double)(long long)(dt * 1000 + 0.5) / 1000),
            JSON_REAL_PRECISION(9));
    printf("%s %llu rows of %zu tables from %s to %s in %.2f s "
           "(%.0f rows/s)\n",
           res.resumed ? "finished an interrupted copy:" : "copied",
           (unsigned long long)res.rows, res.tables, from, to, dt,
           dt > 0 ? (double)res.rows / dt : 0.0);
    printf("log: %llu records, root %s (checked on the target)\n",
           (unsigned long long)res.log_size, root);
    return EXIT_OK;
}
