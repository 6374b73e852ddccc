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
    fprintf(f,
        "usage: zhiliang-verify --proof FILE [--checkpoint FILE]\n"
        "                       (--record FILE [--leaf-type T] | --leaf-hex HEX)\n"
        "                       --key KEYFILE [--json]\n\n"
        "Check offline that a record is in a Zhiliang log: the checkpoint is\n"
        "signed by the key in KEYFILE (a C2SP verifier key\n"
        "name+keyid+base64, as `zhiliang log key` prints) and the inclusion\n"
        "proof leads from the record's leaf to the checkpoint's root.\n"
        "  --proof FILE       C2SP tlog-proof text or `log prove --json` output\n"
        "  --checkpoint FILE  signed checkpoint (default: the one in the proof)\n"
        "  --record FILE      the record's canonical bytes (events: the CBV 2.0\n"
        "                     pre-hash string)\n"
        "  --leaf-type T      1 event (default), 2 recall, 3 party,\n"
        "                     4 inspection, 5 complaint\n"
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

static int nib(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int unhex32(const char *s, uint8_t out[32])
{
    if (strlen(s) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        int hi = nib(s[2 * i]), lo = nib(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int read_proof(const char *text, size_t len, uint64_t *idx,
                      uint8_t (*proof)[32], size_t *n, const char **cp,
                      size_t *cplen, json_t **j, struct zl_error *err)
{
    json_t *a, *x;
    size_t i;

    *j = NULL;
    if (len && text[0] != '{')
        return zl_log_proof_parse(text, len, idx, proof, n, cp, cplen, err);
    *j = json_loadb(text, len, 0, NULL);
    a = json_object_get(*j, "proof");
    x = json_object_get(*j, "leaf_index");
    if (!json_is_array(a) || !json_is_integer(x) ||
        json_array_size(a) > ZL_LOG_MAX_PROOF || json_integer_value(x) < 0)
        return zl_error_set(err, ZL_ESYNTAX, "$",
                            "expected leaf_index and proof", NULL, 0);
    *idx = (uint64_t)json_integer_value(x);
    *n = json_array_size(a);
    json_array_foreach(a, i, x) {
        const char *s = json_string_value(x);

        if (!s || unhex32(s, proof[i]))
            return zl_error_set(err, ZL_ESYNTAX, "$.proof",
                                "hash must be 64 hex digits", s, (size_t)-1);
    }
    *cp = json_string_value(json_object_get(*j, "checkpoint"));
    *cplen = *cp ? strlen(*cp) : 0;
    return 0;
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
    const char *o_key = NULL, *cp = NULL;
    char *ptext = NULL, *ctext = NULL, *key = NULL, *rec = NULL, *end;
    size_t plen, clen = 0, klen, rlen = 0, n = 0, cplen = 0;
    uint8_t proof[ZL_LOG_MAX_PROOF][32], leaf[32];
    unsigned long type = ZL_LEAF_EVENT;
    struct zl_checkpoint ck;
    struct zl_error err = {0};
    json_t *pj = NULL;
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
    while (klen && (key[klen - 1] == '\n' || key[klen - 1] == '\r' ||
                    key[klen - 1] == ' '))
        key[--klen] = '\0';
    if (o_hex) {
        if (unhex32(o_hex, leaf)) {
            fprintf(stderr, "zhiliang-verify: --leaf-hex needs 64 hex digits\n");
            ex = 2;
            goto out;
        }
    } else if ((rc = zl_log_leaf_hash((uint8_t)type, rec, rlen, leaf))) {
        report_error(o_rec, rc, &err);
        goto out;
    }
    if ((rc = read_proof(ptext, plen, &idx, proof, &n, &cp, &cplen, &pj,
                         &err))) {
        report_error(o_proof, rc, &err);
        goto out;
    }
    if (ctext) {
        cp = ctext;
        cplen = clen;
    }
    if (!cp) {
        fprintf(stderr, "zhiliang-verify: no checkpoint (give --checkpoint)\n");
        ex = 2;
        goto out;
    }
    if ((rc = zl_log_checkpoint_verify(cp, cplen, key, &ck, &err))) {
        report_error(o_cp ? o_cp : o_proof, rc, &err);
        goto out;
    }
    rc = zl_log_verify_inclusion(idx, ck.size, leaf,
                                 (const uint8_t(*)[32])proof, n, ck.root);
    if (json)
        printf("{\"valid\": %s, \"origin\": \"%s\", \"leaf_index\": %" PRIu64
               ", \"tree_size\": %" PRIu64 "}\n",
               rc ? "false" : "true", ck.origin, idx, ck.size);
    else if (!rc)
        printf("OK: leaf %" PRIu64 " is in %s at tree size %" PRIu64
               " (checkpoint signature valid)\n", idx, ck.origin, ck.size);
    else
        fprintf(stderr, "FAILED: the leaf is not at index %" PRIu64
                        " of the signed tree of size %" PRIu64 "\n",
                idx, ck.size);
    ex = rc ? 1 : 0;
out:
    json_decref(pj);
    free(ptext);
    free(ctext);
    free(key);
    free(rec);
    return ex;
}
