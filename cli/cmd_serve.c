/*
 * cmd_serve.c - `zhiliang serve`: run the HTTP server (server/server.h).
 */
#include "cli_util.h"
#include "commands.h"

#include "server.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang serve [--listen HOST:PORT] [--store PATH]\n"
        "                      [--threads N] [--max-body BYTES]\n"
        "                      [--max-events N] [--per-ip N]\n"
        "                      [--timeout SECONDS] [--base-url URL] [--quiet]\n"
        "                      [--query-budget MS] [--query-workers N]\n"
        "                      [--checkpoint-every SECONDS]\n\n"
        "Serve the EPCIS 2.0 REST binding (/capture, /events...), the GS1\n"
        "Digital Link resolver (/01/{gtin}/10/{lot}...), the public portal\n"
        "(Chinese, ?lang=en for English) and the JSON API (/api/...).\n"
        "Writes and raw queries need a bearer token (zhiliang token create).\n"
        "Stops cleanly on SIGTERM or SIGINT.\n\n"
        "  --listen HOST:PORT  default 127.0.0.1:8080; port 0 picks a free\n"
        "                      port (printed as \"listening on URL\")\n"
        "  --store PATH        default $ZHILIANG_STORE, then ./zhiliang.db\n"
        "  --threads N         worker threads (default: one per CPU, >= 2)\n"
        "  --max-body BYTES    largest request body, 413 past it (16 MiB)\n"
        "  --max-events N      events per capture (default 10000)\n"
        "  --per-ip N          connections per client address (64)\n"
        "  --timeout SECONDS   idle connection timeout (30)\n"
        "  --base-url URL      public origin for absolute links and QR codes\n"
        "  --quiet             no access log on stderr\n"
        "  --query-budget MS   time budget of one event query; 503 with\n"
        "                      Retry-After past it (5000)\n"
        "  --query-workers N   threads for event queries and /api/ calls,\n"
        "                      apart from those serving the public pages "
        "(2)\n"
        "  --checkpoint-every SECONDS\n"
        "                      sign a log checkpoint this often while the\n"
        "                      log grows (10; 0 = never): /log/proof covers\n"
        "                      a record once a checkpoint does\n\n"
        "Exit codes: 0 stopped by a signal, 1 failure, 2 usage error.\n");
}

static int num(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;

    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno || *end || !*s || *out > max ? -1 : 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'},
        {"store", required_argument, 0, 's'},
        {"threads", required_argument, 0, 't'},
        {"max-body", required_argument, 0, 'b'},
        {"max-events", required_argument, 0, 'e'},
        {"per-ip", required_argument, 0, 'p'},
        {"timeout", required_argument, 0, 'T'},
        {"base-url", required_argument, 0, 'u'},
        {"quiet", no_argument, 0, 'q'},
        {"query-budget", required_argument, 0, 'Q'},
        {"query-workers", required_argument, 0, 'W'},
        {"checkpoint-every", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct zl_server_opts o;
    unsigned long long v;
    const char *store = NULL;
    int c;

    memset(&o, 0, sizeof o);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': o.listen = optarg; break;
        case 's': store = optarg; break;
        case 'u': o.base_url = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'C':
            if (num(optarg, 86400, &v)) {
                fprintf(stderr, "zhiliang serve: bad number: %s\n", optarg);
                return EXIT_USAGE;
            }
            o.checkpoint_s = v ? (unsigned)v : ZL_CHECKPOINT_OFF;
            break;
        case 't':
        case 'b':
        case 'e':
        case 'p':
        case 'T':
        case 'Q':
        case 'W':
            if (num(optarg, c == 'b' ? (1ull << 32) : 1000000, &v) || !v) {
                fprintf(stderr, "zhiliang serve: bad number: %s\n", optarg);
                return EXIT_USAGE;
            }
            if (c == 't')
                o.threads = (unsigned)v;
            if (c == 'b')
                o.max_body = (size_t)v;
            if (c == 'e')
                o.max_events = (size_t)v;
            if (c == 'p')
                o.per_ip = (unsigned)v;
            if (c == 'T')
                o.timeout_s = (unsigned)v;
            if (c == 'Q')
                o.query_ms = (unsigned)v;
            if (c == 'W')
                o.query_workers = (unsigned)v;
            break;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    o.store_path = cli_store_path(store);
    return zl_server_run(&o) == 0 ? EXIT_OK : EXIT_FAIL;
}
