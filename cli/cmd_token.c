/*
 * cmd_token.c - `zhiliang token create|revoke|list`: API bearer tokens.
 *
 * The token text is printed once, at creation; the store keeps only its
 * SHA-256, so a lost token is revoked and replaced, never recovered.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/party.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f, "usage: zhiliang token create --party ID [--store PATH] [--json]\n"
           "       zhiliang token revoke TOKEN-ID [--store PATH] [--json]\n"
           "       zhiliang token list [--party ID] [--store PATH] [--json]\n\n"
           "create  make a bearer token for a registered party (ID, USCC or\n"
           "        GLN) and print it once; the server then lets it capture\n"
           "        events at that party's locations and query events\n"
           "revoke  stop a token from working (by the ID printed at creation)\n"
           "list    show tokens (IDs, parties, dates; never the secrets)\n\n"
           "Exit codes: 0 ok, 1 failure (unknown party or token), 2 usage.\n");
}

struct list_ctx {
    json_t *arr; /* --json: the tokens so far; NULL for text */
};

static int list_cb(void *ctx, const struct zl_token_info *t)
{
    struct list_ctx *l = ctx;

    if (l->arr)
        return json_array_append_new(
                   l->arr, json_pack("{s:s,s:o,s:I,s:I}", "id", t->id, "party",
                                     cli_json_str(t->party_id), "createdMs",
                                     (json_int_t)t->created_ms, "revokedMs",
                                     (json_int_t)t->revoked_ms))
                   ? ZL_ENOMEM
                   : 0;
    printf("%s  %-24s %s\n", t->id, t->party_id,
           t->revoked_ms ? "revoked" : "active");
    return 0;
}

int cmd_token(int argc, char **argv)
{
    static const struct option opts[] = {{"party", required_argument, 0, 'p'},
                                         {"store", required_argument, 0, 's'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *party = NULL, *store = NULL, *verb;
    char token[ZL_TOKEN_MAX], tid[ZL_TOKEN_ID_MAX], pid[ZL_PARTY_ID_MAX];
    int json = 0, c, rc, ret = EXIT_FAIL;
    zl_store *s = NULL;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': party = optarg; break;
        case 's': store = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!strcmp(verb, "create")) {
        if (!party || optind != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (!(s = cli_open_store(store)) ||
            !(party = cli_party_arg(s, "token", party, pid, 1)))
            goto out;
        rc = zl_token_create(s, party, token, tid);
        if (rc) {
            fprintf(stderr, "zhiliang token: %s: %s\n", party,
                    rc == ZL_ENOTFOUND ? "no such party" : zl_strerror(rc));
            goto out;
        }
        if (json)
            cli_print_json(json_pack("{s:s,s:o,s:s}", "id", tid, "party",
                                     cli_json_str(party), "token", token),
                           0);
        else
            printf("%s\n", token);
        if (!json)
            fprintf(stderr, "token id %s (shown once: store it now)\n", tid);
    } else if (!strcmp(verb, "revoke")) {
        if (optind + 1 != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (!(s = cli_open_store(store)))
            goto out;
        rc = zl_token_revoke(s, argv[optind]);
        if (rc) {
            fprintf(stderr, "zhiliang token: %s: %s\n", argv[optind],
                    rc == ZL_ENOTFOUND ? "no such token" : zl_strerror(rc));
            goto out;
        }
        if (json)
            cli_print_json(json_pack("{s:o,s:b}", "id",
                                     cli_json_str(argv[optind]), "revoked", 1),
                           0);
    } else if (!strcmp(verb, "list")) {
        struct list_ctx l = {NULL};
        if (optind != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (!(s = cli_open_store(store)))
            goto out;
        if (json && !(l.arr = json_array()))
            goto out;
        rc = zl_token_list(s, party, list_cb, &l);
        if (rc) {
            json_decref(l.arr);
            fprintf(stderr, "zhiliang token: %s\n", zl_strerror(rc));
            goto out;
        }
        if (json && cli_print_json(l.arr, 0) != EXIT_OK)
            goto out;
    } else {
        usage(stderr);
        return EXIT_USAGE;
    }
    ret = EXIT_OK;
out:
    zl_close(s);
    return ret;
}
