/*
 * cmd_key.c - `zhiliang key`: a party's signing key and its signatures.
 *
 * An enterprise generates its key pair once, registers the public half
 * (`zhiliang party add --pubkey PREFIX.pub`), and signs each document it
 * submits (`zhiliang key sign`); `zhiliang capture --party ID --signature
 * FILE` then refuses the document unless the signature verifies.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/sign.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang key generate --out PREFIX\n"
        "       zhiliang key sign --key PREFIX.key FILE|-\n"
        "       zhiliang key verify --pub PREFIX.pub --signature SIG FILE|-\n\n"
        "Ed25519 keys for parties that sign what they submit.\n"
        "  generate  writes PREFIX.key (private, mode 0600) and PREFIX.pub\n"
        "            (register it with `zhiliang party add --pubkey`)\n"
        "  sign      prints the base64 detached signature of FILE's bytes\n"
        "            (give it to `zhiliang capture --signature`)\n"
        "  verify    checks a signature (a file or the base64 itself)\n\n"
        "Exit codes: 0 ok, 1 failure or a signature that does not verify,\n"
        "2 usage error.\n");
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "wx");

    if (!f) {
        fprintf(stderr, "zhiliang key: cannot create %s (exists?)\n", path);
        return -1;
    }
    chmod(path, mode);
    fprintf(f, "%s\n", text);
    return fclose(f);
}

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return NULL;
}

int cmd_key(int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : "";
    const char *file = argc > 2 && argv[argc - 1][0] != '-' ? argv[argc - 1]
                       : argc > 2 && !strcmp(argv[argc - 1], "-") ? "-"
                                                                  : NULL;
    char priv[ZL_SIGN_KEY_B64], pub[ZL_SIGN_KEY_B64], sig[ZL_SIGN_SIG_B64];
    char *data = NULL;
    size_t len;
    int rc = EXIT_FAIL;

    if (argc < 2 || cli_is_help(verb)) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return EXIT_OK;
        }
    if (!strcmp(verb, "generate")) {
        const char *prefix = opt(argc, argv, "--out");
        char path[1024];

        if (!prefix) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (zl_sign_keygen(priv, pub))
            return EXIT_FAIL;
        snprintf(path, sizeof path, "%s.key", prefix);
        if (write_file(path, priv, 0600))
            return EXIT_FAIL;
        snprintf(path, sizeof path, "%s.pub", prefix);
        if (write_file(path, pub, 0644))
            return EXIT_FAIL;
        printf("public key %s\nwrote %s.key and %s.pub\n", pub, prefix, prefix);
        return EXIT_OK;
    }
    if (!file || (strcmp(verb, "sign") && strcmp(verb, "verify"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_read_file(file, (size_t)1 << 30, &data, &len))
        return EXIT_FAIL;
    if (!strcmp(verb, "sign")) {
        const char *k = opt(argc, argv, "--key");

        if (!k || cli_read_b64_arg(k, priv, sizeof priv)) {
            usage(stderr);
            rc = EXIT_USAGE;
        } else if (zl_sign(priv, data, len, sig)) {
            fprintf(stderr, "zhiliang key sign: %s is not a private key\n", k);
        } else {
            printf("%s\n", sig);
            rc = EXIT_OK;
        }
    } else {
        const char *p = opt(argc, argv, "--pub"),
                   *sg = opt(argc, argv, "--signature");
        int v;

        if (!p || !sg || cli_read_b64_arg(p, pub, sizeof pub) ||
            cli_read_b64_arg(sg, sig, sizeof sig)) {
            usage(stderr);
            rc = EXIT_USAGE;
        } else if ((v = zl_sign_verify(pub, data, len, sig)) == 0) {
            printf("signature ok\n");
            rc = EXIT_OK;
        } else {
            printf("signature INVALID: %s\n", v == ZL_ESYNTAX
                                                  ? "malformed key or signature"
                                                  : "does not verify");
        }
    }
    free(data);
    return rc;
}
