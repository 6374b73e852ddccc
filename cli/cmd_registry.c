/*
 * cmd_registry.c - `zhiliang registry import|put|list|show`: the
 * supervision registries of enterprises, inspectors and product
 * categories (zhiliang/inspect.h, docs/supervision.md); and
 * `registry penalty|finding`, the administrative penalties and complaint
 * findings computed credit classes weigh (docs/credit.md).
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/inspect.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zhiliang registry import KIND FILE [--csv] [--as PARTY]"
            " [--json]\n"
            "       zhiliang registry put KIND FILE [--as PARTY]\n"
            "       zhiliang registry list KIND [--json]\n"
            "       zhiliang registry show KIND ID\n"
            "       zhiliang registry penalty USCC --decision NO --date D\n"
            "                [--authority A] [--summary S] [--serious] "
            "[--revoked]\n"
            "       zhiliang registry finding REPORT --upheld|--rejected "
            "--date D\n"
            "                [--basis B]\n"
            "       (all take --store PATH)\n\n"
            "KIND is enterprise, inspector or category.\n"
            "import  a JSON array of entries, or a CSV file (--csv, or a\n"
            "        name ending in .csv) with a header row; all or\n"
            "        nothing: every row with an error is listed (line,\n"
            "        field, why) and nothing is stored\n"
            "put     one entry (a JSON object)\n"
            "list    the current entries (--json: their records)\n"
            "show    one entry's current record (canonical JSON)\n"
            "penalty an administrative penalty (行政处罚) by its decision\n"
            "        number and date; --revoked records it set aside\n"
            "finding the regulator's finding on a consumer complaint\n"
            "        (zhiliang risk reports): upheld (属实) or rejected\n"
            "--as    write as this registered party (the write rule of\n"
            "        docs/access.md); without it, as the store operator\n\n"
            "Exit codes: 0 ok, 1 failure (invalid rows, refused), 2 usage.\n");
}

struct errs {
    const char *file;
    json_t *arr;
};

static int on_error(void *ctx, const struct zl_sup_row_error *e)
{
    struct errs *x = ctx;

    if (x->arr)
        return json_array_append_new(
                   x->arr,
                   json_pack("{s:I,s:s,s:s,s:s?}", "line", (json_int_t)e->line,
                             "field", e->field ? e->field : "", "why",
                             e->why ? e->why : "", "value", e->value))
                   ? -1
                   : 0;
    fprintf(stderr, "%s:%zu: %s: %s", x->file, e->line,
            e->field && *e->field ? e->field : "(row)", e->why ? e->why : "");
    if (e->value && *e->value)
        fprintf(stderr, " (value: \"%s\")", e->value);
    fputc('\n', stderr);
    return 0;
}

struct list_ctx {
    json_t *arr;
    enum zl_sup_kind k;
};

static int list_cb(void *ctx, const char *json, size_t len)
{
    struct list_ctx *l = ctx;
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);

    if (!o)
        return -1;
    if (l->arr)
        return json_array_append_new(l->arr, o) ? -1 : 0;
    switch (l->k) {
    case ZL_SUP_ENTERPRISE:
        printf("%s  %s  %s  credit %s  %zu categories\n",
               json_string_value(json_object_get(o, "uscc")),
               json_string_value(json_object_get(o, "region")),
               json_string_value(json_object_get(o, "name")),
               json_string_value(json_object_get(o, "credit")),
               json_array_size(json_object_get(o, "categories")));
        break;
    case ZL_SUP_INSPECTOR:
        printf("%s  %s  %s  %s\n", json_string_value(json_object_get(o, "id")),
               json_string_value(json_object_get(o, "region")),
               json_string_value(json_object_get(o, "name")),
               json_string_value(json_object_get(o, "unit")));
        break;
    case ZL_SUP_CATEGORY:
        printf("%s  %s  %s  %zu test items\n",
               json_string_value(json_object_get(o, "code")),
               json_string_value(json_object_get(o, "standard")),
               json_string_value(json_object_get(o, "name_zh")),
               json_array_size(json_object_get(o, "items")));
        break;
    }
    json_decref(o);
    return 0;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);

    return n >= m && !strcmp(s + n - m, suf);
}

/* `registry penalty USCC ...` and `registry finding REPORT ...`: the
 * options become the JSON object the library validates. */
static int evidence(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"as", required_argument, 0, 'a'},
        {"decision", required_argument, 0, 'd'},
        {"date", required_argument, 0, 'D'},
        {"authority", required_argument, 0, 'A'},
        {"summary", required_argument, 0, 'S'},
        {"basis", required_argument, 0, 'b'},
        {"serious", no_argument, 0, 'x'},
        {"revoked", no_argument, 0, 'r'},
        {"upheld", no_argument, 0, 'u'},
        {"rejected", no_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *store = NULL, *as = NULL, *verb = argv[0];
    int penalty = !strcmp(verb, "penalty"), c, rc, ret = EXIT_FAIL;
    json_t *o = json_object();
    struct zl_error err = {0};
    zl_store *s = NULL;
    char *j = NULL;

    if (!o)
        return EXIT_FAIL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'a': as = optarg; break;
        case 'd':
            json_object_set_new(o, "decision", json_string(optarg));
            break;
        case 'D': json_object_set_new(o, "date", json_string(optarg)); break;
        case 'A':
            json_object_set_new(o, "authority", json_string(optarg));
            break;
        case 'S': json_object_set_new(o, "summary", json_string(optarg)); break;
        case 'b': json_object_set_new(o, "basis", json_string(optarg)); break;
        case 'x': json_object_set_new(o, "serious", json_true()); break;
        case 'r': json_object_set_new(o, "revoked", json_true()); break;
        case 'u':
            json_object_set_new(o, "outcome", json_string("upheld"));
            break;
        case 'R':
            json_object_set_new(o, "outcome", json_string("rejected"));
            break;
        case 'h':
            usage(stdout);
            ret = EXIT_OK;
            goto out;
        default:
            usage(stderr);
            ret = EXIT_USAGE;
            goto out;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        ret = EXIT_USAGE;
        goto out;
    }
    /* a non-UTF-8 argument leaves json_string NULL: the field stays
     * unset and the library names it */
    json_object_set_new(o, penalty ? "uscc" : "report",
                        json_string(argv[optind]));
    if (!(j = json_dumps(o, JSON_COMPACT)) || !(s = cli_open_store(store)))
        goto out;
    rc = penalty ? zl_sup_penalty_put(s, as, j, strlen(j), &err)
                 : zl_sup_finding_put(s, as, j, strlen(j), &err);
    if (rc) {
        cli_print_error("registry", verb, rc, &err, 0);
        goto out;
    }
    ret = EXIT_OK;
out:
    free(j);
    json_decref(o);
    zl_close(s);
    return ret;
}

int cmd_registry(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'}, {"as", required_argument, 0, 'a'},
        {"csv", no_argument, 0, 'c'},         {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    const char *store = NULL, *as = NULL, *verb;
    struct zl_error err = {0};
    enum zl_sup_kind k;
    zl_store *s = NULL;
    char *data = NULL;
    size_t len = 0;
    int json = 0, csv = 0, c, rc, ret = EXIT_FAIL;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    argc--;
    argv++;
    if (!strcmp(verb, "penalty") || !strcmp(verb, "finding"))
        return evidence(argc, argv);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'a': as = optarg; break;
        case 'c': csv = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc || zl_sup_kind_parse(argv[optind], &k)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(verb, "import") || !strcmp(verb, "put")) {
        const char *file;

        if (optind + 2 != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        file = argv[optind + 1];
        if (cli_read_file(file, (size_t)1 << 30, &data, &len))
            return EXIT_FAIL;
        if (!(s = cli_open_store(store)))
            goto out;
        if (!strcmp(verb, "put")) {
            rc = zl_sup_put(s, as, k, data, len, &err);
            if (rc) {
                cli_print_error("registry", file, rc, &err, 0);
                goto out;
            }
            ret = EXIT_OK;
        } else {
            struct errs x = {file, json ? json_array() : NULL};
            size_t stored = 0;

            rc = zl_sup_import(s, as, k, data, len,
                               csv || ends_with(file, ".csv"), on_error, &x,
                               &stored);
            if (json) {
                cli_print_json(json_pack("{s:b,s:I,s:o}", "ok", !rc, "stored",
                                         (json_int_t)stored, "errors", x.arr),
                               0);
            } else if (rc) {
                fprintf(stderr, "zhiliang registry: %s: %s; nothing stored\n",
                        file, zl_strerror(rc));
            } else {
                printf("%zu %s entries stored (unchanged ones skipped)\n",
                       stored, zl_sup_kind_name(k));
            }
            ret = rc ? EXIT_FAIL : EXIT_OK;
        }
    } else if (!strcmp(verb, "list")) {
        struct list_ctx l = {json ? json_array() : NULL, k};

        if (optind + 1 != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (!(s = cli_open_store(store)))
            goto out;
        rc = zl_sup_list(s, k, list_cb, &l);
        if (rc) {
            json_decref(l.arr);
            cli_print_error("registry", NULL, rc, NULL, 0);
            goto out;
        }
        if (l.arr)
            cli_print_json(l.arr, JSON_INDENT(2));
        ret = EXIT_OK;
    } else if (!strcmp(verb, "show")) {
        char *rec = NULL;
        size_t n = 0;

        if (optind + 2 != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (!(s = cli_open_store(store)))
            goto out;
        rc = zl_sup_get(s, k, argv[optind + 1], &rec, &n);
        if (rc) {
            fprintf(stderr, "zhiliang registry: %s %s: %s\n",
                    zl_sup_kind_name(k), argv[optind + 1], zl_strerror(rc));
            goto out;
        }
        fwrite(rec, 1, n, stdout);
        putchar('\n');
        zl_free(rec);
        ret = EXIT_OK;
    } else {
        usage(stderr);
        return EXIT_USAGE;
    }
out:
    free(data);
    zl_close(s);
    return ret;
}
