/*
 * cmd_product.c - `zhiliang product add|show|list`: the product registry,
 * GTIN by GTIN: the names a shopper reads and what the pack declares (net
 * content, shelf life, 执行标准, hotline, a drug's 批准文号).
 *
 * `party import` loads many products from JSON; this is for the quality
 * engineer who registers or corrects one. Every write is a logged
 * registry record (zl_product_put checks each field and names the one
 * that breaks its rule); `add` of a registered GTIN replaces it whole, so
 * a field left out is cleared, as the record says.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/party.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zhiliang product add --gtin G --name NAME [--name-en N]\n"
            "                            [--brand B] [--brand-en B]\n"
            "                            [--net-content TEXT] "
            "[--shelf-life DAYS]\n"
            "                            [--standard CODE] [--hotline PHONE]\n"
            "                            [--approval NUMBER] [--store PATH]\n"
            "       zhiliang product show GTIN [--store PATH] [--json]\n"
            "       zhiliang product list [--store PATH] [--json]\n\n"
            "add   register a product (or replace it whole): the GTIN (8, "
            "12, 13\n"
            "      or 14 digits, check digit verified), its names and brand, "
            "and\n"
            "      what its pack declares: --net-content as printed (\"250 "
            "mL\"),\n"
            "      --shelf-life in days, --standard the product standard "
            "(执行标准,\n"
            "      \"GB 25190\"), --hotline the consumer service number, "
            "--approval\n"
            "      a drug's approval number (批准文号, "
            "国药准字H20990001);\n"
            "      the rules are in docs/products.md\n"
            "show  one product, by GTIN in any length\n"
            "list  every product, by GTIN\n\n"
            "Exit codes: 0 ok, 1 failure (invalid field, unknown GTIN), 2 "
            "usage.\n");
}

/* The product as JSON, the names the import takes (party.h). */
static json_t *product_json(const struct zl_product *p)
{
    json_t *o = json_object();
    const struct {
        const char *key, *value;
    } f[] = {{"gtin", p->gtin},
             {"nameZh", p->name_zh},
             {"nameEn", p->name_en},
             {"brandZh", p->brand},
             {"brandEn", p->brand_en},
             {"netContent", p->net_content},
             {"standard", p->standard},
             {"hotline", p->hotline},
             {"approvalNumber", p->approval}};

    for (size_t i = 0; o && i < sizeof f / sizeof f[0]; i++)
        if (f[i].value &&
            json_object_set_new(o, f[i].key, json_string(f[i].value)))
            goto fail;
    if (o && p->shelf_life_days &&
        json_object_set_new(o, "shelfLifeDays",
                            json_integer(p->shelf_life_days)))
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

/* One product as labelled lines, for people. */
static void print_product(const struct zl_product *p)
{
    const struct {
        const char *label, *value;
    } f[] = {{"name", p->name_zh},
             {"name (en)", p->name_en},
             {"brand", p->brand},
             {"brand (en)", p->brand_en},
             {"net content", p->net_content},
             {"standard", p->standard},
             {"hotline", p->hotline},
             {"approval", p->approval}};

    printf("%s\n", p->gtin);
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].value)
            printf("  %-12s %s\n", f[i].label, f[i].value);
    if (p->shelf_life_days)
        printf("  %-12s %d day%s\n", "shelf life", p->shelf_life_days,
               p->shelf_life_days == 1 ? "" : "s");
}

struct out_ctx {
    json_t *arr; /* --json: the products so far; NULL for text */
};

static int out_cb(void *ctx, const struct zl_product *p)
{
    struct out_ctx *o = ctx;
    json_t *j;

    if (!o->arr) {
        print_product(p);
        return 0;
    }
    j = product_json(p);
    return j && !json_array_append_new(o->arr, j) ? 0 : ZL_ENOMEM;
}

int cmd_product(int argc, char **argv)
{
    static const struct option opts[] = {
        {"gtin", required_argument, 0, 'g'},
        {"name", required_argument, 0, 'n'},
        {"name-en", required_argument, 0, 'N'},
        {"brand", required_argument, 0, 'b'},
        {"brand-en", required_argument, 0, 'B'},
        {"net-content", required_argument, 0, 'c'},
        {"shelf-life", required_argument, 0, 'l'},
        {"standard", required_argument, 0, 'S'},
        {"hotline", required_argument, 0, 't'},
        {"approval", required_argument, 0, 'a'},
        {"store", required_argument, 0, 's'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct zl_product p;
    struct zl_error err = {0};
    struct out_ctx o = {NULL};
    const char *store = NULL, *verb;
    zl_store *s = NULL;
    int json = 0, c, rc = 0, ret = EXIT_FAIL;
    char *end;
    long days;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    argc--;
    argv++;
    memset(&p, 0, sizeof p);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'g': p.gtin = optarg; break;
        case 'n': p.name_zh = optarg; break;
        case 'N': p.name_en = optarg; break;
        case 'b': p.brand = optarg; break;
        case 'B': p.brand_en = optarg; break;
        case 'c': p.net_content = optarg; break;
        case 'S': p.standard = optarg; break;
        case 't': p.hotline = optarg; break;
        case 'a': p.approval = optarg; break;
        case 'l':
            days = strtol(optarg, &end, 10);
            if (*end || end == optarg || days < 1 || days > 36500) {
                fprintf(stderr,
                        "zhiliang product: --shelf-life: a whole number of "
                        "days, 1 to 36500 (value: \"%s\")\n",
                        optarg);
                return EXIT_USAGE;
            }
            p.shelf_life_days = (int)days;
            break;
        case 's': store = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (strcmp(verb, "add") && strcmp(verb, "show") && strcmp(verb, "list")) {
        fprintf(stderr, "zhiliang product: unknown command '%s'\n", verb);
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((!strcmp(verb, "add") && (!p.gtin || !p.name_zh || optind != argc)) ||
        (!strcmp(verb, "show") && optind + 1 != argc) ||
        (!strcmp(verb, "list") && optind != argc)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!(s = cli_open_store(store)))
        goto out;
    if (json && strcmp(verb, "add") && !(o.arr = json_array()))
        goto out;
    if (!strcmp(verb, "add")) {
        if ((rc = zl_product_put(s, &p, &err))) {
            cli_print_error("product", NULL, rc, &err, json);
            goto out;
        }
        if (!json)
            printf("registered %s\n", p.gtin);
        else
            cli_print_json(json_pack("{s:s}", "gtin", p.gtin), 0);
        ret = EXIT_OK;
        goto out;
    }
    rc = !strcmp(verb, "show") ? zl_product_get(s, argv[optind], out_cb, &o)
                               : zl_product_list(s, out_cb, &o);
    if (rc == ZL_ENOTFOUND) {
        fprintf(stderr,
                "zhiliang product: no product registered with GTIN %s\n",
                argv[optind]);
        goto out;
    }
    if (rc) {
        fprintf(stderr, "zhiliang product: %s\n", zl_strerror(rc));
        goto out;
    }
    if (o.arr) {
        ret = cli_print_json(!strcmp(verb, "show")
                                 ? json_incref(json_array_get(o.arr, 0))
                                 : json_incref(o.arr),
                             0);
        goto out;
    }
    ret = EXIT_OK;
out:
    json_decref(o.arr);
    zl_close(s);
    return ret;
}
