/*
 * zhiliang-verify.c - a standalone offline verifier for Zhiliang log
 * proofs: anyone holding a record, its proof and the log operator's
 * verifier key can check, without a store or the zhiliang tool, that the
 * record is in the log under a checkpoint the operator signed.
 *
 * It links only the pure verification code of lib/log (merkle.c,
 * checkpoint.c) and lib/util, never the store. Accepts C2SP tlog-proof
 * text (as `zhiliang log prove` prints) or the JSON of `log prove --json`.
 */
#include "zhiliang/codec.h"
#include "zhiliang/log.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (64u << 20)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang-verify --proof FILE [--checkpoint FILE]\n"
        "                       (--record FILE [--leaf-type T] | --leaf-hex "
        "HEX)\n"
        "                       --key KEYFILE [--json]\n\n"
        "Check offline that a record is in a Zhiliang log: the checkpoint is\n"
        "signed by the key in KEYFILE (a C2SP verifier key\n"
        "name+keyid+base64, as `zhiliang log key` prints) and the inclusion\n"
        "proof leads from the record's leaf to the checkpoint's root.\n"
        "  --proof FILE       C2SP tlog-proof text or `log prove --json` "
        "output\n"
        "  --checkpoint FILE  signed checkpoint (default: the one in the "
        "proof)\n"
        "  --record FILE      the record's canonical bytes (events: the CBV "
        "2.0\n"
        "                     pre-hash string; a trailing newline, as\n"
        "                     `zhiliang hash --prehash > FILE` leaves, is\n"
        "                     ignored when the record verifies without it)\n"
        "  --leaf-type T      1 event (default), 2 recall, 3 party,\n"
        "                     4 inspection, 5 complaint, 6 correction,\n"
        "                     7 capture receipt\n"
        "  --leaf-hex HEX     the leaf hash instead of the record (64 hex)\n"
        "Exit codes: 0 proof valid, 1 invalid or unreadable, 2 usage.\n");
}

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    size_t cap = 4096, n = 0;
    char *buf = NULL;

    *data = NULL;
    if (!f) {
        perror(path);
        return -1;
    }
    for (;;) {
        char *nb;
        size_t r;

        if (n + 1 >= cap || !buf) {
            if (buf)
                cap *= 2;
            if (cap > FILE_MAX) {
                fprintf(stderr, "%s: larger than %u bytes\n", path, FILE_MAX);
                goto fail;
            }
            nb = realloc(buf, cap);
            if (!nb)
                goto fail;
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        perror(path);
        goto fail;
    }
    buf[n] = '\0';
    if (f != stdin)
        fclose(f);
    *data = buf;
    *len = n;
    return 0;
fail:
    free(buf);
    if (f != stdin)
        fclose(f);
    return -1;
}

static void report_error(const char *file, int rc, const struct zl_error *e)
{
    char msg[1024];

    if (e->code) {
        zl_error_format(e, msg, sizeof msg);
        fprintf(stderr, "zhiliang-verify: %s: %s\n", file, msg);
    } else {
        fprintf(stderr, "zhiliang-verify: %s: %s\n", file, zl_strerror(rc));
    }
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"proof", required_argument, NULL, 'p'},
        {"checkpoint", required_argument, NULL, 'c'},
        {"record", required_argument, NULL, 'r'},
        {"leaf-type", required_argument, NULL, 't'},
        {"leaf-hex", required_argument, NULL, 'x'},
        {"key", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *o_proof = NULL, *o_cp = NULL, *o_rec = NULL, *o_hex = NULL;
    const char *o_key = NULL;
    char *ptext = NULL, *ctext = NULL, *key = NULL, *rec = NULL, *end;
    size_t plen, clen = 0, klen, rlen = 0;
    uint8_t leaf[32];
    unsigned long type = ZL_LEAF_EVENT;
    struct zl_checkpoint ck;
    struct zl_error err = {0};
    uint64_t idx = 0;
    int c, json = 0, rc, ex = 1;

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'p': o_proof = optarg; break;
        case 'c': o_cp = optarg; break;
        case 'r': o_rec = optarg; break;
        case 'x': o_hex = optarg; break;
        case 'k': o_key = optarg; break;
        case 'j': json = 1; break;
        case 't':
            type = strtoul(optarg, &end, 10);
            if (*end || !*optarg || type > 255) {
                usage(stderr);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || !o_proof || !o_key || !o_rec == !o_hex) {
        usage(stderr);
        return 2;
    }
    if (read_file(o_proof, &ptext, &plen) || read_file(o_key, &key, &klen) ||
        (o_cp && read_file(o_cp, &ctext, &clen)) ||
        (o_rec && read_file(o_rec, &rec, &rlen)))
        goto out;
    if (o_hex) {
        if (zl_hex_decode(o_hex, strlen(o_hex), leaf, 32)) {
            fprintf(stderr,
                    "zhiliang-verify: --leaf-hex needs 64 hex digits\n");
            ex = 2;
            goto out;
        }
    } else if ((rc = zl_log_leaf_hash((uint8_t)type, rec, rlen, leaf))) {
        report_error(o_rec, rc, &err);
        goto out;
    }
    rc = zl_log_proof_check(ptext, plen, ctext, clen, leaf, key, &ck, &idx,
                            &err);
    if (rc == ZL_EVERIFY && rec && rlen && rec[rlen - 1] == '\n') {
        /* `zhiliang hash --prehash > file` ends the pre-hash with a
         * newline no pre-hash has: try the record without it, and say so,
         * rather than call a genuine record tampered. */
        size_t cut = rlen - 1 - (rlen > 1 && rec[rlen - 2] == '\r');
        struct zl_error e2 = {0};

        if (!zl_log_leaf_hash((uint8_t)type, rec, cut, leaf) &&
            !zl_log_proof_check(ptext, plen, ctext, clen, leaf, key, &ck, &idx,
                                &e2)) {
            rc = 0;
            if (!json)
                fprintf(stderr,
                        "note: %s: the trailing newline was ignored "
                        "(the record is the bytes before it)\n",
                        o_rec);
        }
    }
    if (rc && rc != ZL_EVERIFY) {
        report_error(rc == ZL_EINVAL || !o_cp ? o_proof : o_cp, rc, &err);
        goto out;
    }
    if (json)
        printf("{\"valid\": %s, \"origin\": \"%s\", \"leaf_index\": %" PRIu64
               ", \"tree_size\": %" PRIu64 "}\n",
               rc ? "false" : "true", ck.origin, idx, ck.size);
    else if (!rc)
        printf("OK: leaf %" PRIu64 " is in %s at tree size %" PRIu64
               " (checkpoint signature valid)\n",
               idx, ck.origin, ck.size);
    else
        fprintf(stderr,
                "FAILED: the leaf is not at index %" PRIu64
                " of the signed tree of size %" PRIu64 "\n",
                idx, ck.size);
    ex = rc ? 1 : 0;
out:
    free(ptext);
    free(ctext);
    free(key);
    free(rec);
    return ex;
}
