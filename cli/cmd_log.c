/*
 * cmd_log.c - `zhiliang log`: checkpoints, inclusion and consistency proofs,
 * offline proof verification and the operator's verifier key.
 *
 * Proofs are printed as C2SP tlog-proof text by default (what a consumer
 * keeps next to a record and checks offline with `log verify-proof` or the
 * standalone zhiliang-verify) and as JSON with --json. Proofs are always
 * against a signed checkpoint: `prove` signs a new one first if the tree
 * grew, so the proof never refers to an unsigned root.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/codec.h"
#include "zhiliang/log.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (1 << 20)
/* parse_opts: --help was printed, exit 0 without running the verb. */
#define HELP_SHOWN (-1)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang log checkpoint [--json] [--store PATH]\n"
        "       zhiliang log prove --record ID [--json] [--store PATH]\n"
        "       zhiliang log consistency --from N --to M [--json] [--store "
        "PATH]\n"
        "       zhiliang log verify-proof --proof FILE [--checkpoint FILE]\n"
        "                 (--record FILE [--leaf-type T] | --leaf-hex HEX)\n"
        "                 --key KEYFILE [--json]\n"
        "       zhiliang log key [--store PATH]\n\n"
        "The tamper-evident log (RFC 9162 Merkle tree, C2SP checkpoints).\n"
        "  checkpoint    sign a checkpoint if the log grew, print the latest\n"
        "  prove         inclusion proof of a record (its event hash ID) in\n"
        "                the latest checkpoint, as C2SP tlog-proof text\n"
        "  consistency   proof that tree size M extends tree size N\n"
        "  verify-proof  check a proof offline (no store): the checkpoint is\n"
        "                signed by KEYFILE's key (a C2SP verifier key, as\n"
        "                printed by `log key`) and the leaf is under its "
        "root.\n"
        "                --record FILE holds the record's canonical bytes "
        "(for\n"
        "                events the CBV 2.0 pre-hash string), --leaf-type its\n"
        "                type (1 event, 2 recall, 3 party, 4 inspection,\n"
        "                5 complaint; default 1); --leaf-hex is the 32-byte\n"
        "                leaf hash in hex. --checkpoint defaults to the one "
        "in\n"
        "                the tlog-proof.\n"
        "  key           print the operator's verifier key\n\n"
        "Exit codes: 0 ok (proof valid), 1 failure (proof invalid, not\n"
        "found, store error), 2 usage.\n");
}

static json_t *proof_json(const uint8_t (*p)[32], size_t n)
{
    json_t *a = json_array();
    char hx[65];

    for (size_t i = 0; i < n; i++) {
        zl_hex_encode(p[i], 32, hx);
        json_array_append_new(a, json_string(hx));
    }
    return a;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII);

    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(j);
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "zhiliang log: %s: %s\n", what, zl_strerror(rc));
    return EXIT_FAIL;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;

    if (!s || !*s || *s == '-')
        return -1;
    *v = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

struct opts {
    const char *store, *record, *proof, *checkpoint, *leaf_hex, *key;
    const char *from, *to, *leaf_type;
    int json;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"store", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"record", required_argument, NULL, 'r'},
        {"proof", required_argument, NULL, 'p'},
        {"checkpoint", required_argument, NULL, 'c'},
        {"leaf-hex", required_argument, NULL, 'x'},
        {"leaf-type", required_argument, NULL, 't'},
        {"key", required_argument, NULL, 'k'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's': o->store = optarg; break;
        case 'j': o->json = 1; break;
        case 'r': o->record = optarg; break;
        case 'p': o->proof = optarg; break;
        case 'c': o->checkpoint = optarg; break;
        case 'x': o->leaf_hex = optarg; break;
        case 't': o->leaf_type = optarg; break;
        case 'k': o->key = optarg; break;
        case 'f': o->from = optarg; break;
        case 'T': o->to = optarg; break;
        case 'h': usage(stdout); return HELP_SHOWN;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

static int checkpoint_json(const char *note)
{
    struct zl_checkpoint cp;
    struct zl_error err = {0};
    char hx[65];
    json_t *j;

    if (zl_log_checkpoint_parse(note, strlen(note), &cp, &err))
        return fail("stored checkpoint unreadable", ZL_ESTORE);
    zl_hex_encode(cp.root, 32, hx);
    j = json_pack("{s:s, s:I, s:s, s:s}", "origin", cp.origin, "tree_size",
                  (json_int_t)cp.size, "root_hex", hx, "note", note);
    print_json(j);
    return EXIT_OK;
}

static int do_checkpoint(const struct opts *o)
{
    zl_store *s = cli_open_store(o->store);
    char *note = NULL;
    int rc, ex;

    if (!s)
        return EXIT_FAIL;
    rc = zl_log_checkpoint_issue(s, &note);
    if (rc)
        ex = fail("cannot issue a checkpoint", rc);
    else if (o->json)
        ex = checkpoint_json(note);
    else {
        fputs(note, stdout);
        ex = EXIT_OK;
    }
    zl_free(note);
    zl_close(s);
    return ex;
}

static int do_prove(const struct opts *o)
{
    zl_store *s = NULL;
    char *note = NULL, *text = NULL, hx[65];
    uint8_t leaf[32], type = 0, proof[ZL_LOG_MAX_PROOF][32];
    struct zl_checkpoint cp;
    struct zl_error err = {0};
    uint64_t idx;
    size_t n;
    int rc, ex = EXIT_FAIL;

    if (!o->record) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!(s = cli_open_store(o->store)))
        return EXIT_FAIL;
    rc = zl_log_find(s, o->record, &idx, &type, leaf);
    if (rc) {
        fprintf(stderr, "zhiliang log prove: %s: %s\n", o->record,
                rc == ZL_ENOTFOUND ? "no such record in the log"
                                   : zl_strerror(rc));
        goto out;
    }
    if ((rc = zl_log_checkpoint_issue(s, &note)) ||
        (rc = zl_log_checkpoint_parse(note, strlen(note), &cp, &err)) ||
        (rc = zl_log_prove_inclusion(s, idx, cp.size, proof, &n)) ||
        (rc = zl_log_proof_format(idx, (const uint8_t(*)[32])proof, n, note,
                                  &text))) {
        fail("cannot build the proof", rc);
        goto out;
    }
    if (o->json) {
        char rh[65];

        zl_hex_encode(leaf, 32, hx);
        zl_hex_encode(cp.root, 32, rh);
        print_json(json_pack("{s:s, s:I, s:i, s:s, s:I, s:s, s:o, s:s, s:s}",
                             "record", o->record, "leaf_index", (json_int_t)idx,
                             "leaf_type", type, "leaf_hash", hx, "tree_size",
                             (json_int_t)cp.size, "root_hex", rh, "proof",
                             proof_json((const uint8_t(*)[32])proof, n),
                             "checkpoint", note, "tlog_proof", text));
    } else {
        fputs(text, stdout);
    }
    ex = EXIT_OK;
out:
    zl_free(text);
    zl_free(note);
    zl_close(s);
    return ex;
}

static int do_consistency(const struct opts *o)
{
    zl_store *s = NULL;
    uint8_t proof[ZL_LOG_MAX_PROOF][32], r1[32], r2[32];
    uint64_t a, b;
    size_t n;
    int rc, ex = EXIT_FAIL;

    if (parse_u64(o->from, &a) || parse_u64(o->to, &b) || a > b) {
        fprintf(stderr, "zhiliang log consistency: need --from N --to M with "
                        "N <= M\n");
        return EXIT_USAGE;
    }
    if (!(s = cli_open_store(o->store)))
        return EXIT_FAIL;
    if ((rc = zl_log_prove_consistency(s, a, b, proof, &n)) ||
        (rc = zl_log_root(s, a, r1)) || (rc = zl_log_root(s, b, r2))) {
        fail(rc == ZL_EINVAL ? "size beyond the log" : "cannot build the proof",
             rc);
        goto out;
    }
    if (o->json) {
        char h1[65], h2[65];

        zl_hex_encode(r1, 32, h1);
        zl_hex_encode(r2, 32, h2);
        print_json(json_pack("{s:I, s:I, s:s, s:s, s:o}", "size1",
                             (json_int_t)a, "size2", (json_int_t)b, "root1_hex",
                             h1, "root2_hex", h2, "proof",
                             proof_json((const uint8_t(*)[32])proof, n)));
    } else {
        char hx[65];

        zl_hex_encode(r1, 32, hx);
        printf("size1 %" PRIu64 "\nroot1 %s\n", a, hx);
        zl_hex_encode(r2, 32, hx);
        printf("size2 %" PRIu64 "\nroot2 %s\n", b, hx);
        for (size_t i = 0; i < n; i++) {
            zl_hex_encode(proof[i], 32, hx);
            printf("%s\n", hx);
        }
    }
    ex = EXIT_OK;
out:
    zl_close(s);
    return ex;
}

static int do_key(const struct opts *o)
{
    zl_store *s = cli_open_store(o->store);
    char *vkey = NULL;
    int rc;

    if (!s)
        return EXIT_FAIL;
    rc = zl_log_public_key(s, &vkey);
    if (!rc) {
        if (o->json)
            print_json(json_pack("{s:s}", "verifier_key", vkey));
        else
            printf("%s\n", vkey);
    }
    zl_free(vkey);
    zl_close(s);
    return rc ? fail("no operator key", rc) : EXIT_OK;
}

static int do_verify_proof(const struct opts *o)
{
    char *ptext = NULL, *ctext = NULL, *key = NULL, *rec = NULL;
    size_t plen, clen = 0, klen, rlen;
    uint8_t leaf[32];
    struct zl_checkpoint ck;
    struct zl_error err = {0};
    uint64_t idx = 0, type = ZL_LEAF_EVENT;
    int rc, ex = EXIT_FAIL;

    if (!o->proof || !o->key || (!o->record == !o->leaf_hex) ||
        (o->leaf_type && (parse_u64(o->leaf_type, &type) || type > 255))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_read_file(o->proof, FILE_MAX, &ptext, &plen) ||
        cli_read_file(o->key, 4096, &key, &klen) ||
        (o->checkpoint &&
         cli_read_file(o->checkpoint, FILE_MAX, &ctext, &clen)) ||
        (o->record && cli_read_file(o->record, 64 << 20, &rec, &rlen)))
        goto out;
    if (o->leaf_hex) {
        if (zl_hex_decode(o->leaf_hex, strlen(o->leaf_hex), leaf, 32)) {
            fprintf(stderr, "zhiliang log verify-proof: --leaf-hex needs 64 "
                            "hex digits\n");
            ex = EXIT_USAGE;
            goto out;
        }
    } else if ((rc = zl_log_leaf_hash((uint8_t)type, rec, rlen, leaf))) {
        fail("hashing the record", rc);
        goto out;
    }
    rc = zl_log_proof_check(ptext, plen, ctext, clen, leaf, key, &ck, &idx,
                            &err);
    if (rc && rc != ZL_EVERIFY) {
        cli_print_error("log verify-proof", o->proof, rc, &err, o->json);
        goto out;
    }
    if (o->json) {
        char hx[65];

        zl_hex_encode(leaf, 32, hx);
        print_json(json_pack("{s:b, s:s, s:I, s:I, s:s}", "valid", rc == 0,
                             "origin", ck.origin, "leaf_index", (json_int_t)idx,
                             "tree_size", (json_int_t)ck.size, "leaf_hash",
                             hx));
    } else if (rc == 0) {
        printf("OK: leaf %" PRIu64 " is in %s at tree size %" PRIu64
               " (checkpoint signature valid)\n",
               idx, ck.origin, ck.size);
    } else {
        fprintf(stderr,
                "FAILED: the leaf is not at index %" PRIu64
                " of the signed tree of size %" PRIu64 "\n",
                idx, ck.size);
    }
    ex = rc ? EXIT_FAIL : EXIT_OK;
out:
    free(ptext);
    free(ctext);
    free(key);
    free(rec);
    return ex;
}

int cmd_log(int argc, char **argv)
{
    struct opts o;
    const char *verb;
    int rc;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    rc = parse_opts(argc - 1, argv + 1, &o);
    if (rc)
        return rc == HELP_SHOWN ? EXIT_OK : rc;
    if (!strcmp(verb, "checkpoint"))
        return do_checkpoint(&o);
    if (!strcmp(verb, "prove"))
        return do_prove(&o);
    if (!strcmp(verb, "consistency"))
        return do_consistency(&o);
    if (!strcmp(verb, "verify-proof"))
        return do_verify_proof(&o);
    if (!strcmp(verb, "key"))
        return do_key(&o);
    fprintf(stderr, "zhiliang log: unknown command '%s'\n", verb);
    usage(stderr);
    return EXIT_USAGE;
}
