/*
 * cmd_inspect.c - `zhiliang inspect plan|draw|redraw|show|export`:
 * inspection plans and their verifiable 双随机 draws (zhiliang/inspect.h,
 * docs/supervision.md).
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/inspect.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang inspect plan [FILE] [--id ID] [--category CODE]...\n"
        "                             [--region CODE]... [--level 2|4|6]\n"
        "                             [--count N | --permille N] [--team N]\n"
        "                             [--weights A=1,B=2,C=4,D=8]\n"
        "                             [--distance D] [--outside TEXT]\n"
        "                             [--previous PLAN] [--title TEXT]\n"
        "                             [--from DATE --to DATE]\n"
        "                             [--credit registry|computed]\n"
        "       zhiliang inspect draw PLAN [--seeds FILE] [--json]\n"
        "       zhiliang inspect draw --verify PLAN\n"
        "       zhiliang inspect draw --verify --export FILE\n"
        "       zhiliang inspect redraw PLAN --task N --inspector ID"
        " --reason TEXT\n"
        "       zhiliang inspect show PLAN [--json]\n"
        "       zhiliang inspect export PLAN\n"
        "       (all take --store PATH; writers take --as PARTY)\n\n"
        "plan    fix and log a plan (a JSON file, or the options);\n"
        "        --credit computed weights by classes computed from the\n"
        "        published spot checks (scored on the --from day)\n"
        "draw    draw it once the log has grown D records past the plan\n"
        "        (the beacon); --seeds gives the outside public values the\n"
        "        plan named (RFC 3797 form, one source a line)\n"
        "--verify  re-run the draw and every redraw and compare; with\n"
        "        --export FILE from that public export alone (no store)\n"
        "redraw  replace one inspector of a task; nothing is deleted\n"
        "show    the plan, its draw, redraws and current teams\n"
        "export  the public data docs/draw_plan_verify.py re-runs it from\n\n"
        "Exit codes: 0 ok, 1 failure (also: the beacon does not exist yet,\n"
        "or a verify that differs), 2 usage.\n");
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int add_str(json_t *o, const char *k, const char *v)
{
    json_t *a = json_object_get(o, k);

    if (!a) {
        a = json_array();
        if (json_object_set_new(o, k, a))
            return -1;
    }
    return json_array_append_new(a, json_string(v));
}

static int parse_weights(json_t *plan, const char *v)
{
    json_t *w = json_object();

    while (w && *v) {
        char cls[2] = {v[0], 0};
        char *end;
        long n;

        if (v[0] < 'A' || v[0] > 'D' || v[1] != '=')
            break;
        n = strtol(v + 2, &end, 10);
        if (end == v + 2 || n < 0 || n > 1000)
            break;
        json_object_set_new(w, cls, json_integer(n));
        v = *end == ',' ? end + 1 : end;
        if (!*end) {
            json_object_set_new(plan, "weights", w);
            return 0;
        }
    }
    json_decref(w);
    return -1;
}

/* Names for printing: the current registry entries. */
static const char *name_of(zl_store *s, enum zl_sup_kind k, const char *id,
                           char *buf, size_t cap)
{
    char *json = NULL;
    size_t len = 0;
    json_error_t je;
    json_t *o;

    snprintf(buf, cap, "?");
    if (zl_sup_get(s, k, id, &json, &len))
        return buf;
    if ((o = json_loadb(json, len, 0, &je))) {
        snprintf(buf, cap, "%s", jstr(o, "name"));
        json_decref(o);
    }
    zl_free(json);
    return buf;
}

static void print_tasks(zl_store *s, json_t *tasks)
{
    json_t *t, *m;
    size_t i, j;
    char nm[256];

    json_array_foreach(tasks, i, t)
    {
        printf("%4lld  %-16s %s %s\n        team:",
               (long long)json_integer_value(json_object_get(t, "task")),
               jstr(t, "stratum"), jstr(t, "uscc"),
               name_of(s, ZL_SUP_ENTERPRISE, jstr(t, "uscc"), nm, sizeof nm));
        json_array_foreach(json_object_get(t, "team"), j, m) printf(
            "%s %s %s", j ? "," : "", json_string_value(m),
            name_of(s, ZL_SUP_INSPECTOR, json_string_value(m), nm, sizeof nm));
        if (json_is_true(json_object_get(t, "short")))
            printf("  (short: the pool ran out)");
        putchar('\n');
    }
}

static int print_draw(zl_store *s, const char *text, size_t len, int json)
{
    json_error_t je;
    json_t *o = json_loadb(text, len, 0, &je), *st;
    size_t i;

    if (!o)
        return EXIT_FAIL;
    if (json)
        return cli_print_json(o, JSON_INDENT(2));
    printf("plan %s drawn\nkey string: %s\nseed: %s\n", jstr(o, "plan"),
           jstr(o, "key"), jstr(o, "seed"));
    json_array_foreach(json_object_get(o, "strata"), i, st) printf(
        "stratum %-16s population %lld drawn %lld\n", jstr(st, "stratum"),
        (long long)json_integer_value(json_object_get(st, "population")),
        (long long)json_integer_value(json_object_get(st, "drawn")));
    print_tasks(s, json_object_get(o, "tasks"));
    json_decref(o);
    return EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},
        {"as", required_argument, 0, 'a'},
        {"json", no_argument, 0, 'j'},
        {"verify", no_argument, 0, 'V'},
        {"seeds", required_argument, 0, 'S'},
        {"export", required_argument, 0, 'E'},
        {"id", required_argument, 0, 'i'},
        {"title", required_argument, 0, 'T'},
        {"category", required_argument, 0, 'c'},
        {"region", required_argument, 0, 'r'},
        {"level", required_argument, 0, 'l'},
        {"count", required_argument, 0, 'n'},
        {"permille", required_argument, 0, 'p'},
        {"team", required_argument, 0, 't'},
        {"weights", required_argument, 0, 'w'},
        {"distance", required_argument, 0, 'd'},
        {"outside", required_argument, 0, 'o'},
        {"previous", required_argument, 0, 'P'},
        {"from", required_argument, 0, 'F'},
        {"to", required_argument, 0, 'U'},
        {"task", required_argument, 0, 'k'},
        {"inspector", required_argument, 0, 'I'},
        {"reason", required_argument, 0, 'R'},
        {"credit", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *store = NULL, *as = NULL, *seeds_file = NULL, *verb;
    const char *export_file = NULL;
    const char *from = NULL, *to = NULL, *inspector = NULL, *reason = NULL;
    struct zl_error err = {0};
    struct zl_buf out;
    json_t *plan = json_object();
    zl_store *s = NULL;
    char *data = NULL, *seeds = NULL;
    size_t len = 0;
    long task = 0;
    int json = 0, verify = 0, c, rc = 0, ret = EXIT_FAIL;

    zl_buf_init(&out, (size_t)1 << 30);
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        json_decref(plan);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    if (cmd_inspect_spot_verb(verb)) { /* a task's steps: cmd_spotcheck.c */
        json_decref(plan);
        return cmd_inspect_spot(argc - 1, argv + 1);
    }
    if (!strcmp(verb, "risk")) { /* a risk case: cmd_risk_dispose.c */
        json_decref(plan);
        return cmd_inspect_risk(argc - 1, argv + 1);
    }
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'a': as = optarg; break;
        case 'j': json = 1; break;
        case 'V': verify = 1; break;
        case 'S': seeds_file = optarg; break;
        case 'E': export_file = optarg; break;
        case 'i': json_object_set_new(plan, "id", json_string(optarg)); break;
        case 'T':
            json_object_set_new(plan, "title", json_string(optarg));
            break;
        case 'c': add_str(plan, "categories", optarg); break;
        case 'r': add_str(plan, "regions", optarg); break;
        case 'o':
            json_object_set_new(plan, "outside", json_string(optarg));
            break;
        case 'P':
            json_object_set_new(plan, "previous", json_string(optarg));
            break;
        case 'C':
            json_object_set_new(plan, "credit", json_string(optarg));
            break;
        case 'l':
        case 'n':
        case 'p':
        case 't':
        case 'd':
            json_object_set_new(plan,
                                c == 'l'   ? "level"
                                : c == 'n' ? "count"
                                : c == 'p' ? "permille"
                                : c == 't' ? "team"
                                           : "beacon_distance",
                                json_integer(strtoll(optarg, NULL, 10)));
            break;
        case 'w':
            if (parse_weights(plan, optarg)) {
                fprintf(stderr, "zhiliang inspect: --weights A=n,B=n,C=n,D=n"
                                " (0..1000)\n");
                ret = EXIT_USAGE;
                goto out;
            }
            break;
        case 'F': from = optarg; break;
        case 'U': to = optarg; break;
        case 'k': task = strtol(optarg, NULL, 10); break;
        case 'I': inspector = optarg; break;
        case 'R': reason = optarg; break;
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
    if (from || to)
        json_object_set_new(plan, "period",
                            json_pack("{s:s,s:s}", "from", from ? from : "",
                                      "to", to ? to : ""));
    if (!strcmp(verb, "plan")) {
        uint64_t leaf = 0;
        char *text;

        if (optind + 1 == argc) {
            if (cli_read_file(argv[optind], (size_t)1 << 20, &data, &len))
                goto out;
        } else if (optind != argc) {
            usage(stderr);
            ret = EXIT_USAGE;
            goto out;
        }
        if (!(s = cli_open_store(store)))
            goto out;
        text = data ? NULL : json_dumps(plan, JSON_COMPACT);
        rc =
            zl_inspect_plan(s, as, data ? data : text,
                            data ? len : strlen(text ? text : ""), &leaf, &err);
        free(text);
        if (rc) {
            cli_print_error("inspect plan", NULL, rc, &err, 0);
            goto out;
        }
        printf("plan logged at leaf %llu; draw once the log holds its beacon"
               " (see inspect show)\n",
               (unsigned long long)leaf);
        ret = EXIT_OK;
        goto out;
    }
    if (!strcmp(verb, "draw") && verify && export_file) {
        /* from public data alone: no store */
        if (optind != argc && optind + 1 != argc) {
            usage(stderr);
            ret = EXIT_USAGE;
            goto out;
        }
        if (cli_read_file(export_file, (size_t)1 << 31, &data, &len))
            goto out;
        rc = zl_inspect_verify_export(data, len, &out, &err);
        if (out.len)
            fwrite(out.data, 1, out.len, stdout);
        if (rc) {
            cli_print_error("inspect draw --verify", export_file, rc, &err, 0);
            goto out;
        }
        printf("verified from the public export: re-running gives the "
               "published draw\n");
        ret = EXIT_OK;
        goto out;
    }
    if (optind + 1 != argc) {
        usage(stderr);
        ret = EXIT_USAGE;
        goto out;
    }
    if (seeds_file && cli_read_file(seeds_file, (size_t)1 << 16, &seeds, &len))
        goto out;
    if (!(s = cli_open_store(store)))
        goto out;
    if (!strcmp(verb, "draw") && verify) {
        rc = zl_inspect_verify(s, argv[optind], &out, &err);
        if (out.len)
            fwrite(out.data, 1, out.len, stdout);
        if (rc) {
            cli_print_error("inspect draw --verify", NULL, rc, &err, 0);
            goto out;
        }
        printf("verified: re-running gives the logged draw\n");
        ret = EXIT_OK;
    } else if (!strcmp(verb, "draw")) {
        rc = zl_inspect_draw(s, as, argv[optind], seeds, &out, &err);
        if (rc) {
            cli_print_error("inspect draw", NULL, rc, &err, 0);
            goto out;
        }
        ret = print_draw(s, (const char *)out.data, out.len, json);
    } else if (!strcmp(verb, "redraw")) {
        if (task <= 0 || !inspector || !reason) {
            usage(stderr);
            ret = EXIT_USAGE;
            goto out;
        }
        rc = zl_inspect_redraw(s, as, argv[optind], (uint32_t)task, inspector,
                               reason, &out, &err);
        if (rc) {
            cli_print_error("inspect redraw", NULL, rc, &err, 0);
            goto out;
        }
        fwrite(out.data, 1, out.len, stdout);
        putchar('\n');
        ret = EXIT_OK;
    } else if (!strcmp(verb, "show") || !strcmp(verb, "export")) {
        rc = verb[0] == 's' ? zl_inspect_show(s, argv[optind], &out)
                            : zl_inspect_export(s, argv[optind], &out);
        if (rc) {
            fprintf(stderr, "zhiliang inspect %s: %s: %s\n", verb, argv[optind],
                    zl_strerror(rc));
            goto out;
        }
        if (verb[0] == 's' && !json) {
            json_error_t je;
            json_t *o = json_loadb((const char *)out.data, out.len, 0, &je);
            json_t *p = json_object_get(o, "plan");

            printf(
                "plan %s (leaf %lld) by %s: beacon at %lld\n", jstr(p, "id"),
                (long long)json_integer_value(json_object_get(o, "plan_leaf")),
                jstr(p, "by"),
                (long long)(json_integer_value(
                                json_object_get(o, "plan_leaf")) +
                            json_integer_value(
                                json_object_get(p, "beacon_distance"))));
            if (json_is_null(json_object_get(o, "draw")))
                printf("not drawn yet\n");
            else
                print_tasks(s, json_object_get(o, "current"));
            printf("%zu redraws\n",
                   json_array_size(json_object_get(o, "redraws")));
            json_decref(o);
        } else {
            fwrite(out.data, 1, out.len, stdout);
            putchar('\n');
        }
        ret = EXIT_OK;
    } else {
        usage(stderr);
        ret = EXIT_USAGE;
    }
out:
    json_decref(plan);
    zl_buf_cleanup(&out);
    free(data);
    free(seeds);
    zl_close(s);
    return ret;
}
