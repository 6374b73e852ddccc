/*
 * cmd_hash.c - `zhiliang hash FILE|-`: the CBV 2.0 event hash ID of every
 * event of an EPCIS 2.0 document, one line per event in document order.
 *
 * Validation is the same as capture's (zl_epcis_parse), so `hash --check`
 * doubles as a validator: it prints "valid" or the error with its JSON
 * path. The differential oracle test against epcis2.js uses that mode.
 */
#include "commands.h"

#include "cli_util.h"
#include "zhiliang/epcis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
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
            "             validate and hash the events of a document of\n"
            "             %d or more events on N threads (default: the\n"
            "             online CPUs, at most 8); the output is the same\n"
            "\n"
            "Exit codes: 0 ok, 1 invalid document or I/O error, 2 usage.\n",
            ZL_DEFAULT_MAX_BYTES, ZL_DEFAULT_MAX_EVENTS,
            ZL_EPCIS_PAR_MIN_EVENTS);
}

int cmd_hash(int argc, char **argv)
{
    const char *file = NULL;
    struct zl_epcis_opts po = {NULL, 0, NULL, 0};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    struct zl_capture_limits lim = {0, 0, 0};
    int prehash = 0, check = 0, json = 0, i, rc = EXIT_FAIL, r;
    char *data = NULL;
    size_t len = 0, k, n;
    zl_epcis_doc *doc = NULL;
    json_t *arr = NULL;
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
    if (cli_read_file(file,
                      lim.max_bytes ? lim.max_bytes : ZL_DEFAULT_MAX_BYTES,
                      &data, &len) != 0)
        goto out;
    memset(&err, 0, sizeof err);
    /* a query result has events to hash but is no capture document */
    po.allow_query = !check;
    po.threads = ncpu > 8 ? 8 : (ncpu < 1 ? 1 : (int)ncpu);
    r = zl_epcis_is_xml(data, len)
            ? zl_epcis_parse_xml(data, len, &po, &doc, &err)
            : zl_epcis_parse_opts(data, len, &po, &doc, &err);
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
    n = zl_epcis_doc_count(doc);
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
    if (json && !(arr = json_array()))
        goto out;
    for (k = 0; k < n; k++) {
        const struct zl_event *e = zl_epcis_doc_event(doc, k);
        if (json) {
            json_t *pre = json_stringn(e->prehash, e->prehash_len);

            if (json_array_append_new(
                    arr,
                    json_pack("{s:o,s:o}", "hashID", cli_json_str(e->hash_id),
                              "prehash", pre ? pre : cli_json_str(e->prehash))))
                goto out;
        } else if (prehash) {
            fwrite(e->prehash, 1, e->prehash_len, stdout);
            putchar('\n');
        } else {
            printf("%s\n", e->hash_id);
        }
    }
    if (json) {
        rc = cli_print_json(arr, 0);
        arr = NULL;
        goto out;
    }
    rc = EXIT_OK;
out:
    json_decref(arr);
    zl_epcis_doc_free(doc);
    free(data);
    return rc;
}
