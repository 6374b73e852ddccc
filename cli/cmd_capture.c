/*
 * cmd_capture.c - `zhiliang capture`: store EPCIS 2.0 documents.
 *
 * Each document is one transaction (all its events or none); a directory
 * is captured file by file in name order, so a failure names the file and
 * everything before it stays stored. Progress goes to stderr when it is a
 * terminal.
 */
#include "cli_util.h"
#include "commands.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct totals {
    size_t docs, failed, events, fresh, dup, corrected;
    double t0;
    int tty, json;
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
        "usage: zhiliang capture [options] FILE|DIR|- ...\n\n"
        "Validate EPCIS 2.0 documents (JSON or JSON-LD) and store every\n"
        "event with its CBV 2.0 event hash and a Merkle log leaf. Each\n"
        "document is stored whole or not at all; capturing it again\n"
        "changes nothing. A directory is captured file by file (*.json,\n"
        "*.jsonld, in name order).\n\n"
        "  --store PATH      the store (default $ZHILIANG_STORE, then "
        "./zhiliang.db)\n"
        "  --party ID        capture as this party (ID, USCC or GLN): every\n"
        "                    event must pass the write rule (docs/access.md);\n"
        "                    without it the capture is the store operator's\n"
        "                    own load (local access to the store file)\n"
        "  --signature SIG   the party's detached Ed25519 signature over the\n"
        "                    document (base64, or a file holding it; from\n"
        "                    `zhiliang key sign`); a bad one refuses the "
        "document\n"
        "  --max-bytes N     capture file size limit (default %zu)\n"
        "  --max-events N    capture limit, events per document (default %zu)\n"
        "  --keep-going      continue with the next file after a refused one\n"
        "  --json            one JSON line per document and a summary\n"
        "  --quiet           no progress\n\n"
        "Exit codes: 0 all stored, 1 a document was refused or the store\n"
        "failed (the error names the file, JSON path, rule and value),\n"
        "2 usage error.\n",
        ZL_DEFAULT_MAX_BYTES, ZL_DEFAULT_MAX_EVENTS);
}

static void progress(const struct totals *t, const char *name)
{
    double dt = now_s() - t->t0;

    fprintf(stderr,
            "\r%zu documents, %zu events (%zu new) %.0f events/s  %-40.40s",
            t->docs, t->events, t->fresh, dt > 0 ? t->events / dt : 0.0, name);
}

static int capture_one(zl_store *s, const char *path,
                       const struct zl_capture_opts *o, struct totals *t)
{
    struct zl_capture_result res;
    struct zl_error err = {0};
    char *data;
    size_t len;
    int rc = cli_read_file(path, o->limits->max_bytes, &data, &len);

    if (rc) {
        t->failed++;
        return rc;
    }
    rc = zl_capture(s, data, len, o, &res, &err);
    free(data);
    t->docs++;
    if (rc) {
        t->failed++;
        if (t->tty)
            fputc('\n', stderr);
        cli_print_error("capture", path, rc, &err, t->json);
        return rc;
    }
    t->events += res.n_events;
    t->fresh += res.n_new;
    t->dup += res.n_duplicate;
    t->corrected += res.n_corrected;
    if (t->json)
        cli_print_json(json_pack("{s:o,s:I,s:I,s:I,s:I}", "file",
                                 cli_json_str(path), "events",
                                 (json_int_t)res.n_events, "new",
                                 (json_int_t)res.n_new, "duplicates",
                                 (json_int_t)res.n_duplicate, "logSize",
                                 (json_int_t)res.log_size),
                       0);
    else if (t->tty)
        progress(t, path);
    return 0;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);

    return a >= b && !strcmp(s + a - b, suf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int capture_dir(zl_store *s, const char *dir,
                       const struct zl_capture_opts *o, struct totals *t,
                       int keep_going)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    if (!d) {
        fprintf(stderr, "zhiliang capture: cannot open directory %s\n", dir);
        return ZL_ENOTFOUND;
    }
    while ((e = readdir(d))) {
        char *p;

        if (!has_suffix(e->d_name, ".json") &&
            !has_suffix(e->d_name, ".jsonld"))
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);

            if (!nn) {
                rc = ZL_ENOMEM;
                break;
            }
            names = nn;
        }
        size_t plen = strlen(dir) + strlen(e->d_name) + 2;

        p = malloc(plen);
        if (!p) {
            rc = ZL_ENOMEM;
            break;
        }
        snprintf(p, plen, "%s/%s", dir, e->d_name);
        names[n++] = p;
    }
    closedir(d);
    if (!rc)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = capture_one(s, names[i], o, t);
        if (rc && keep_going)
            rc = 0;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int cmd_capture(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"party", required_argument, 0, 'p'},
        {"signature", required_argument, 0, 'S'},
        {"max-bytes", required_argument, 0, 'B'},
        {"max-events", required_argument, 0, 'E'},
        {"keep-going", no_argument, 0, 'k'},
        {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct zl_capture_limits lim = {ZL_DEFAULT_MAX_BYTES, ZL_DEFAULT_MAX_EVENTS,
                                    ZL_DEFAULT_MAX_DEPTH};
    struct zl_capture_opts o = {0};
    struct totals t = {0};
    const char *store = NULL;
    char sig[128];
    int keep_going = 0, quiet = 0, c, rc = 0;
    zl_store *s;
    double dt;

    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        char *end;

        switch (c) {
        case 's': store = optarg; break;
        case 'p': o.party = optarg; break;
        case 'S':
            if (cli_read_b64_arg(optarg, sig, sizeof sig)) {
                fprintf(stderr, "zhiliang capture: cannot read signature %s\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.signature_b64 = sig;
            break;
        case 'B':
        case 'E': {
            unsigned long long v = strtoull(optarg, &end, 10);

            if (*end || !v) {
                fprintf(stderr,
                        "zhiliang capture: --%s needs a positive number\n",
                        c == 'B' ? "max-bytes" : "max-events");
                return EXIT_USAGE;
            }
            if (c == 'B')
                lim.max_bytes = (size_t)v;
            else
                lim.max_events = (size_t)v;
            break;
        }
        case 'k': keep_going = 1; break;
        case 'j': t.json = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind == argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    o.limits = &lim;
    s = cli_open_store(store);
    if (!s)
        return EXIT_FAIL;
    t.tty = !quiet && !t.json && isatty(2);
    t.t0 = now_s();
    for (int i = optind; i < argc; i++) {
        struct stat st;
        int r;

        if (strcmp(argv[i], "-") && stat(argv[i], &st) == 0 &&
            S_ISDIR(st.st_mode))
            r = capture_dir(s, argv[i], &o, &t, keep_going);
        else
            r = capture_one(s, argv[i], &o, &t);
        if (r && !rc)
            rc = r;
        if (r && !keep_going)
            break;
    }
    dt = now_s() - t.t0;
    if (t.tty)
        fputc('\n', stderr);
    if (t.json)
        cli_print_json(
            json_pack("{s:I,s:I,s:I,s:I,s:I,s:f}", "documents",
                      (json_int_t)t.docs, "failed", (json_int_t)t.failed,
                      "events", (json_int_t)t.events, "new",
                      (json_int_t)t.fresh, "duplicates", (json_int_t)t.dup,
                      "seconds", (double)(long long)(dt * 1000 + 0.5) / 1000),
            JSON_REAL_PRECISION(9));
    else
        printf("captured %zu documents (%zu refused): %zu events, %zu new, "
               "%zu already stored, %.2f s (%.0f events/s)\n",
               t.docs - (t.failed > t.docs ? t.docs : t.failed), t.failed,
               t.events, t.fresh, t.dup, dt, dt > 0 ? t.events / dt : 0.0);
    if (!t.json && t.corrected)
        printf("%zu stored events declared erroneous (corrections)\n",
               t.corrected);
    zl_close(s);
    return rc || t.failed ? EXIT_FAIL : EXIT_OK;
}
