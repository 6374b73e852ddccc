/*
 * cmd_party.c - `zhiliang party add|list|import`: the registry of parties
 * (enterprises with their USCC, GLNs and signing key) and products.
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
        f,
        "usage: zhiliang party add --name NAME [--name-en NAME] [--uscc CODE]\n"
        "                          [--gln GLN]... [--role ROLE] [--id ID]\n"
        "                          [--address TEXT] [--pubkey FILE]\n"
        "                          [--prefix GCP]... [--kind KIND]\n"
        "                          [--region CODE]\n"
        "       zhiliang party list [--json]\n"
        "       zhiliang party import FILE [--json]\n"
        "       (all take --store PATH)\n\n"
        "add     register a party; its ID is the USCC (checked per\n"
        "        GB 32100) unless --id is given; each --gln is a site whose\n"
        "        events the party's tokens may capture; --pubkey reads a\n"
        "        base64 Ed25519 public key (32 bytes) from FILE; each\n"
        "        --prefix is a GS1 Company Prefix (4-12 digits) licensed to\n"
        "        it: it owns the goods keyed under it (docs/access.md);\n"
        "        --kind enterprise (default), regulator or operator;\n"
        "        --region its GB/T 2260 code (required for a regulator)\n"
        "list    parties with their GLNs\n"
        "import  parties and products from JSON (the parties.json that\n"
        "        `zhiliang demo` writes), replacing entries with the same\n"
        "        ID or GTIN; all or nothing; a product may declare\n"
        "        netContent, shelfLifeDays, standard (执行标准), hotline and\n"
        "        a drug's approvalNumber (批准文号), each checked\n"
        "        (docs/products.md)\n\n"
        "Exit codes: 0 ok, 1 failure (invalid data, duplicate), 2 usage.\n");
}

struct list_ctx {
    json_t *arr; /* --json: the parties so far; NULL for text */
};

/* A registry string as JSON; an absent one prints as "". */
static json_t *jstr(const char *s)
{
    return cli_json_str(s ? s : "");
}

static int list_cb(void *ctx, const struct zl_party *p)
{
    struct list_ctx *l = ctx;
    json_t *glns;
    size_t i;

    if (!l->arr) {
        printf("%-22s %s", p->id, p->name_zh);
        if (p->name_en)
            printf(" / %s", p->name_en);
        for (i = 0; i < p->n_glns; i++)
            printf("%s%s", i ? "," : "  GLN ", p->glns[i]);
        for (i = 0; i < p->n_prefixes; i++)
            printf("%s%s", i ? "," : "  GCP ", p->prefixes[i]);
        if (p->kind != ZL_PARTY_ENTERPRISE)
            printf("  %s %s", zl_party_kind_name(p->kind),
                   p->region ? p->region : "");
        putchar('\n');
        return 0;
    }
    glns = json_array();
    for (i = 0; i < p->n_glns && glns; i++)
        if (json_array_append_new(glns, jstr(p->glns[i]))) {
            json_decref(glns);
            glns = NULL;
        }
    return json_array_append_new(
               l->arr, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "id", jstr(p->id),
                                 "nameZh", jstr(p->name_zh), "nameEn",
                                 jstr(p->name_en), "uscc", jstr(p->uscc),
                                 "role", jstr(p->role), "glns", glns))
               ? ZL_ENOMEM
               : 0;
}

static int read_pubkey(const char *path, char out[64])
{
    char *data = NULL;
    size_t len = 0, i, n = 0;

    if (cli_read_file(path, 4096, &data, &len))
        return -1;
    for (i = 0; i < len && n < 63; i++)
        if (data[i] != '\n' && data[i] != '\r' && data[i] != ' ')
            out[n++] = data[i];
    out[n] = '\0';
    free(data);
    return 0;
}

int cmd_party(int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, 0, 'n'},
                                         {"name-en", required_argument, 0, 'N'},
                                         {"uscc", required_argument, 0, 'u'},
                                         {"gln", required_argument, 0, 'g'},
                                         {"role", required_argument, 0, 'r'},
                                         {"id", required_argument, 0, 'i'},
                                         {"address", required_argument, 0, 'a'},
                                         {"pubkey", required_argument, 0, 'k'},
                                         {"prefix", required_argument, 0, 'P'},
                                         {"kind", required_argument, 0, 'K'},
                                         {"region", required_argument, 0, 'R'},
                                         {"store", required_argument, 0, 's'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *glns[ZL_PARTY_MAX_GLNS], *store = NULL, *verb;
    const char *prefixes[ZL_PARTY_MAX_PREFIXES];
    char key[64], id[ZL_PARTY_ID_MAX];
    struct zl_party p;
    struct zl_error err = {0};
    zl_store *s = NULL;
    int json = 0, c, rc, ret = EXIT_FAIL;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    argc--;
    argv++;
    memset(&p, 0, sizeof p);
    p.glns = glns;
    p.prefixes = prefixes;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': p.name_zh = optarg; break;
        case 'N': p.name_en = optarg; break;
        case 'u': p.uscc = optarg; break;
        case 'r': p.role = optarg; break;
        case 'i': p.id = optarg; break;
        case 'a': p.address_zh = optarg; break;
        case 'g':
            if (p.n_glns == ZL_PARTY_MAX_GLNS) {
                fprintf(stderr, "zhiliang party: too many --gln\n");
                return EXIT_USAGE;
            }
            glns[p.n_glns++] = optarg;
            break;
        case 'P':
            if (p.n_prefixes == ZL_PARTY_MAX_PREFIXES) {
                fprintf(stderr, "zhiliang party: too many --prefix\n");
                return EXIT_USAGE;
            }
            prefixes[p.n_prefixes++] = optarg;
            break;
        case 'K':
            if (zl_party_kind_parse(optarg, &p.kind)) {
                fprintf(stderr, "zhiliang party: --kind is enterprise, "
                                "regulator or operator\n");
                return EXIT_USAGE;
            }
            break;
        case 'R': p.region = optarg; break;
        case 'k':
            if (read_pubkey(optarg, key))
                return EXIT_FAIL;
            p.pubkey_b64 = key;
            break;
        case 's': store = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!strcmp(verb, "add")) {
        if (!p.name_zh || optind != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (!(s = cli_open_store(store)))
            goto out;
        if ((rc = zl_party_add(s, &p, 0, id, &err))) {
            cli_print_error("party", NULL, rc, &err, json);
            goto out;
        }
        if (json)
            cli_print_json(json_pack("{s:s}", "id", id), 0);
        else
            printf("%s\n", id);
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
        rc = zl_party_list(s, list_cb, &l);
        if (rc) {
            json_decref(l.arr);
            fprintf(stderr, "zhiliang party: %s\n", zl_strerror(rc));
            goto out;
        }
        if (json && cli_print_json(l.arr, 0) != EXIT_OK)
            goto out;
    } else if (!strcmp(verb, "import")) {
        char *data = NULL;
        size_t len = 0, np = 0, nq = 0;
        if (optind + 1 != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (cli_read_file(argv[optind], (size_t)64 << 20, &data, &len))
            goto out;
        if (!(s = cli_open_store(store))) {
            free(data);
            goto out;
        }
        rc = zl_party_import_json(s, data, len, &np, &nq, &err);
        free(data);
        if (rc) {
            cli_print_error("party", argv[optind], rc, &err, json);
            goto out;
        }
        if (json)
            cli_print_json(json_pack("{s:I,s:I}", "parties", (json_int_t)np,
                                     "products", (json_int_t)nq),
                           0);
        else
            printf("imported %zu parties, %zu products\n", np, nq);
    } else {
        usage(stderr);
        return EXIT_USAGE;
    }
    ret = EXIT_OK;
out:
    zl_close(s);
    return ret;
}
