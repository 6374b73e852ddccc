/*
 * cmd_hash.c - `zhiliang hash FILE|-`: the CBV 2.0 event hash ID of every
 * event of an EPCIS 2.0 document, one line per event in document order.
 *
 * Validation is the same as capture's (zl_epcis_parse), so `hash --check`
 * doubles as a validator: it prints "valid" or the error with its JSON
 * path. The differential oracle test against epcis2.js uses that mode.
 *
 * The events are hashed one at a time (zl_epcis_hash_each: no tree of the
 * whole document), and what they print is held until the document is
 * known valid: an invalid document prints nothing but its error, as when
 * the whole document was parsed first.
 */
#include "commands.h"

#include "cli_util.h"
#include "zhiliang/buf.h"
#include "zhiliang/epcis.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang hash [--prehash] [--check] [--json]\n"
        "                     [--ignore-fields-extension URI]\n"
        "                     [--max-bytes N] [--max-events N]\n"
        "                     [--threads N] FILE|-\n"
        "\n"
        "Validate an EPCIS document (JSON, JSON-LD, or XML of EPCIS\n"
        "1.2 or 2.0) and print the\n"
        "CBV 2.0 event hash ID (ni:///sha-256;...?ver=CBV2.0) of each\n"
        "event, one per line, in document order.\n"
        "\n"
        "  --prehash  print the canonical pre-hash strings instead\n"
        "  --check    only validate: print \"valid\" or the error\n"
        "  --json     print a JSON array of {hashID, prehash} objects\n"
        "  --ignore-fields-extension URI\n"
        "             honour the repository extension of the hash\n"
        "             algorithm: fields named in a document-level\n"
        "             \"<p>:ignoreFields\" list, p bound to URI in the\n"
        "             @context, do not count in the hash (the reference\n"
        "             corpus uses https://repository-x.example.com/)\n"
        "  --max-bytes N, --max-events N\n"
        "             the document limits, as for capture (defaults\n"
        "             %zu bytes, %zu events)\n"
        "  --threads N\n"
        "             parse, validate and hash the events of a document of\n"
        "             %d or more events on N threads (default: the\n"
        "             online CPUs, at most 8); the output is the same\n"
        "\n"
        "Exit codes: 0 ok, 1 invalid document or I/O error, 2 usage.\n",
        ZL_DEFAULT_MAX_BYTES, ZL_DEFAULT_MAX_EVENTS, ZL_EPCIS_PAR_MIN_EVENTS);
}

/* What the events print, held until the document is known valid. */
struct hash_out {
    int prehash;
    json_t *arr;      /* --json: the array */
    struct zl_buf *b; /* else: the lines */
};

static int add_event(void *ctx, const struct zl_event_hash *h)
{
    struct hash_out *o = ctx;
    if (o->arr) {
        json_t *pre = json_stringn(h->prehash, h->prehash_len);
        return json_array_append_new(
                   o->arr,
                   json_pack("{s:o,s:o}", "hashID", cli_json_str(h->hash_id),
                             "prehash", pre ? pre : cli_json_str(h->prehash)))
                   ? ZL_ENOMEM
                   : 0;
    }
    if (!o->b)
        return 0; /* --check */
    if (o->prehash)
        return zl_buf_add(o->b, h->prehash, h->prehash_len) < 0 ||
                       zl_buf_addc(o->b, '\n') < 0
                   ? ZL_ENOMEM
                   : 0;
    return zl_buf_adds(o->b, h->hash_id) < 0 || zl_buf_addc(o->b, '\n') < 0
               ? ZL_ENOMEM
               : 0;
}

int cmd_hash(int argc, char **argv)
{
    const char *file = NULL;
    struct zl_epcis_opts po = {NULL, 0, NULL, 0};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    struct zl_capture_limits lim = {0, 0, 0};
    int prehash = 0, check = 0, json = 0, i, rc = EXIT_FAIL, r;
    char *data = NULL;
    size_t len = 0, n = 0;
    struct hash_out out = {0, NULL, NULL};
    struct zl_buf lines;
    struct zl_error err;

    for (i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--prehash")) {
            prehash = 1;
        } else if (!strcmp(argv[i], "--check")) {
            check = 1;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--ignore-fields-extension") &&
                   i + 1 < argc) {
            po.ignore_fields_ns = argv[++i];
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[i + 1], &end, 10);
            if (*end || v < 1 || v > 64) {
                fprintf(stderr, "zhiliang hash: --threads needs 1 to 64\n");
                return EXIT_USAGE;
            }
            ncpu = v;
            i++;
        } else if ((!strcmp(argv[i], "--max-bytes") ||
                    !strcmp(argv[i], "--max-events")) &&
                   i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[i + 1], &end, 10);
            if (*end || !v || argv[i + 1][0] == '-') {
                fprintf(stderr, "zhiliang hash: %s needs a positive number\n",
                        argv[i]);
                return EXIT_USAGE;
            }
            if (argv[i][6] == 'b')
                lim.max_bytes = (size_t)v;
            else
                lim.max_events = (size_t)v;
            po.limits = &lim;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "zhiliang hash: unknown option %s\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        } else if (!file) {
            file = argv[i];
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!file) {
        usage(stderr);
        return EXIT_USAGE;
    }
    zl_buf_init(&lines, SIZE_MAX / 2); /* bounded by the document */
    if (cli_read_file(file,
                      lim.max_bytes ? lim.max_bytes : ZL_DEFAULT_MAX_BYTES,
                      &data, &len) != 0)
        goto out;
    memset(&err, 0, sizeof err);
    /* a query result has events to hash but is no capture document */
    po.allow_query = !check;
    po.threads = ncpu > 8 ? 8 : (ncpu < 1 ? 1 : (int)ncpu);
    out.prehash = prehash;
    if (!check && json && !(out.arr = json_array()))
        goto out;
    if (!check && !json)
        out.b = &lines;
    r = zl_epcis_hash_each(data, len, &po, add_event, &out, &n, &err);
    if (r < 0) {
        if (check && !json) {
            char msg[1024];
            zl_error_format(&err, msg, sizeof msg);
            printf("invalid: %s\n", msg);
        } else {
            cli_print_error("hash", file, r, &err, json);
        }
        goto out;
    }
    if (check) {
        if (json)
            rc = cli_print_json(
                json_pack("{s:b,s:I}", "valid", 1, "events", (json_int_t)n), 0);
        else
            printf("valid\n");
        if (!json)
            rc = EXIT_OK;
        goto out;
    }
    if (json) {
        rc = cli_print_json(out.arr, 0);
        out.arr = NULL;
        goto out;
    }
    if (lines.len && fwrite(lines.data, 1, lines.len, stdout) != lines.len)
        goto out;
    rc = EXIT_OK;
out:
    json_decref(out.arr);
    zl_buf_cleanup(&lines);
    free(data);
    return rc;
}
