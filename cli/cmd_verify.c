/*
 * cmd_verify.c - `zhiliang verify`: recheck every record against the log
 * and name each one that was altered, removed, reordered or slipped in.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/audit.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang verify [--store PATH] [--key VKEY] [--checkpoint "
        "FILE]\n"
        "                       [--json]\n\n"
        "Recompute every log leaf from the stored records (for events, the\n"
        "CBV 2.0 pre-hash of the stored JSON), rebuild the Merkle tree,\n"
        "check every signed checkpoint and that they are consistent, and\n"
        "check every stored event has its leaf, and recompute every derived\n"
        "row (index columns, identifier index, refs, signed-document links)\n"
        "from the records. Each problem is printed with the record it\n"
        "concerns; `zhiliang reindex` repairs derived rows.\n\n"
        "Outside anchors (obtained elsewhere than this store):\n"
        "  --key VKEY         the operator's published verifier key (text or\n"
        "                     file): the store's key must be it\n"
        "  --checkpoint FILE  a signed checkpoint seen earlier: the log must\n"
        "                     still hold it (not rolled back, not "
        "rewritten)\n\n"
        "Exit codes: 0 everything matches, 1 tampering found or the check\n"
        "failed, 2 usage error.\n");
}

static int print_issue(void *ctx, const struct zl_audit_issue *is)
{
    int json = *(int *)ctx;

    if (json) {
        cli_print_json(json_pack("{s:s, s:I, s:o, s:o}", "issue", is->kind,
                                 "index", (json_int_t)is->index, "record",
                                 cli_json_str(is->record_key), "detail",
                                 cli_json_str(is->detail)),
                       0);
    } else {
        printf("%-22s leaf %-8llu %s%s%s\n", is->kind,
               (unsigned long long)is->index,
               is->record_key ? is->record_key : "",
               is->record_key && is->detail ? ": " : "",
               is->detail ? is->detail : "");
    }
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"key", required_argument, 0, 'k'},
        {"checkpoint", required_argument, 0, 'c'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *store = NULL, *key = NULL, *cpfile = NULL;
    struct zl_audit_anchor an = {0};
    char *keytext = NULL, *cptext = NULL;
    size_t keylen = 0;
    struct zl_audit_stats st = {0};
    zl_store *s;
    int json = 0, c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'k': key = optarg; break;
        case 'c': cpfile = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (key && strchr(key, '+')) {
        keytext = strdup(key);
    } else if (key && cli_read_file(key, 4096, &keytext, &keylen)) {
        return EXIT_FAIL;
    }
    if (cpfile && cli_read_file(cpfile, 1 << 20, &cptext, &an.checkpoint_len)) {
        free(keytext);
        return EXIT_FAIL;
    }
    if (keytext) {
        keylen = strlen(keytext);
        while (keylen &&
               (keytext[keylen - 1] == '\n' || keytext[keylen - 1] == ' '))
            keytext[--keylen] = '\0';
    }
    an.vkey = keytext;
    an.checkpoint = cptext;
    s = cli_open_store(store);
    if (!s) {
        free(keytext);
        free(cptext);
        return EXIT_FAIL;
    }
    rc = zl_audit_verify_anchored(s, &an, print_issue, &json, &st);
    zl_close(s);
    free(keytext);
    free(cptext);
    if (json)
        cli_print_json(json_pack("{s:b,s:I,s:I,s:I,s:I}", "ok", rc == 0,
                                 "leaves", (json_int_t)st.leaves, "records",
                                 (json_int_t)st.records, "checkpoints",
                                 (json_int_t)st.checkpoints, "issues",
                                 (json_int_t)st.issues),
                       0);
    else if (rc == 0)
        printf("verified: %llu leaves, %llu records, %llu checkpoints: all "
               "match\n",
               (unsigned long long)st.leaves, (unsigned long long)st.records,
               (unsigned long long)st.checkpoints);
    else if (rc == ZL_ETAMPER)
        printf("TAMPERING: %llu issues in %llu leaves\n",
               (unsigned long long)st.issues, (unsigned long long)st.leaves);
    else
        fprintf(stderr, "zhiliang verify: %s\n", zl_strerror(rc));
    return rc ? EXIT_FAIL : EXIT_OK;
}
