/*
 * cmd_credit.c - `zhiliang credit score HISTORY.json`: an enterprise's
 * credit-risk class (A-D, 国市监信发〔2022〕6号) from its history, with
 * every point explained, the history given as a file; and `zhiliang
 * credit show USCC`, the same from every record the store holds (spot
 * checks, penalties, upheld complaints, recalls; docs/credit.md).
 *
 * HISTORY.json:
 *   {"uscc": "...", "name": "...",
 *    "events": [{"kind": "spot-fail", "date": "2026-03-01",
 *                "serious": true, "active": false, "ref": "..."}]}
 * --config F (JSON; every key optional):
 *   {"points": {"spot-fail": [10, 25], "complaint": 2},
 *    "ageDays": [365, 730, 1095], "ageWeights": [1, 0.5, 0.25],
 *    "thresholds": {"B": 10, "C": 30, "D": 60},
 *    "ratios": {"A": [0, 5], "B": [5, 20], "C": [21, 60], "D": [61, 100]},
 *    "seriousListForcesD": true}
 * JSON stays here; the library takes structs.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/calendar.h"
#include "zhiliang/credit.h"
#include "zhiliang/inspect.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (16u << 20)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zhiliang credit score HISTORY.json [--config F] [--at "
            "DATE] [--json]\n"
            "       zhiliang credit show USCC [--at DATE] [--json] [--store "
            "PATH]\n\n"
            "The enterprise's credit-risk class (A 低, B 一般, C 较高, D 高; "
            "国市监信发〔2022〕6号)\n"
            "from its history of spot checks, recalls, complaints, overdue "
            "reports,\n"
            "penalties and list entries, as of DATE (default today), with "
            "every\n"
            "point and its reason, and the sampling ratio the class gets. "
            "The rule\n"
            "and its defaults: docs/sampling.md, \"Credit classes\". "
            "--config F\n"
            "overrides points, age weights, thresholds and ratios (JSON).\n"
            "show takes the history from the store: published spot checks,\n"
            "overdue rectifications, penalties (registry penalty), upheld\n"
            "complaints (registry finding) and recalls of its products, by\n"
            "the default rule a draw's computed classes use "
            "(docs/credit.md).\n\n"
            "Exit codes: 0 ok, 1 bad file, 2 usage error.\n");
}

static json_t *load_json(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    json_t *v;
    json_error_t je;

    if (cli_read_file(path, FILE_MAX, &data, &len))
        return NULL;
    v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    free(data);
    if (!v || !json_is_object(v)) {
        fprintf(stderr, "zhiliang credit: %s: not a JSON object%s%s\n", path,
                v ? "" : ": ", v ? "" : je.text);
        json_decref(v);
        return NULL;
    }
    return v;
}

static int bad(const char *path, const char *what)
{
    fprintf(stderr, "zhiliang credit: %s: %s\n", path, what);
    return -1;
}

/* A [min, max] or [normal, serious] pair of numbers, or one number. */
static int pair(json_t *v, double out[2])
{
    if (json_is_number(v)) {
        out[0] = out[1] = json_number_value(v);
        return 0;
    }
    if (json_is_array(v) && json_array_size(v) == 2 &&
        json_is_number(json_array_get(v, 0)) &&
        json_is_number(json_array_get(v, 1))) {
        out[0] = json_number_value(json_array_get(v, 0));
        out[1] = json_number_value(json_array_get(v, 1));
        return 0;
    }
    return -1;
}

static int triple(json_t *v, double out[3])
{
    if (!json_is_array(v) || json_array_size(v) != 3)
        return -1;
    for (int i = 0; i < 3; i++) {
        if (!json_is_number(json_array_get(v, (size_t)i)))
            return -1;
        out[i] = json_number_value(json_array_get(v, (size_t)i));
    }
    return 0;
}

static int load_config(const char *path, struct zl_credit_config *cfg)
{
    json_t *root, *v;
    const char *key;
    int rc = -1;

    zl_credit_defaults(cfg);
    if (!path)
        return 0;
    root = load_json(path);
    if (!root)
        return -1;
    json_object_foreach(root, key, v)
    {
        const char *k2;
        json_t *f;
        double t[3], p[2];

        if (!strcmp(key, "points") && json_is_object(v)) {
            json_object_foreach(v, k2, f)
            {
                enum zl_credit_kind k;

                if (zl_credit_kind_parse(k2, &k) || pair(f, p)) {
                    bad(path, "points: a kind with a number or [normal, "
                              "serious]");
                    goto out;
                }
                cfg->points[k][0] = p[0];
                cfg->points[k][1] = p[1];
            }
        } else if (!strcmp(key, "ageDays") && !triple(v, t)) {
            for (int i = 0; i < 3; i++)
                cfg->age_days[i] = (int)t[i];
        } else if (!strcmp(key, "ageWeights") && !triple(v, t)) {
            for (int i = 0; i < 3; i++)
                cfg->age_weight[i] = t[i];
        } else if (!strcmp(key, "thresholds") && json_is_object(v)) {
            json_object_foreach(v, k2, f)
            {
                int c = k2[0] - 'A';

                if (strlen(k2) != 1 || c < 1 || c > 3 || !json_is_number(f)) {
                    bad(path, "thresholds: B, C and D with numbers");
                    goto out;
                }
                cfg->threshold[c - 1] = json_number_value(f);
            }
        } else if (!strcmp(key, "ratios") && json_is_object(v)) {
            json_object_foreach(v, k2, f)
            {
                int c = k2[0] - 'A';

                if (strlen(k2) != 1 || c < 0 || c > 3 || pair(f, p)) {
                    bad(path, "ratios: A to D with [min, max] percent");
                    goto out;
                }
                cfg->ratio_min[c] = p[0];
                cfg->ratio_max[c] = p[1];
            }
        } else if (!strcmp(key, "seriousListForcesD") && json_is_boolean(v))
            cfg->serious_list_forces_d = json_is_true(v);
        else {
            fprintf(stderr,
                    "zhiliang credit: %s: unknown key or bad value: %s\n", path,
                    key);
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

static int load_events(const char *path, json_t *root,
                       struct zl_credit_event **out, size_t *n)
{
    json_t *evs = json_object_get(root, "events"), *e;
    size_t i;

    *out = NULL;
    *n = 0;
    if (!json_is_array(evs))
        return bad(path, "events: an array is required");
    *out = calloc(json_array_size(evs) + 1, sizeof **out);
    if (!*out)
        return bad(path, "out of memory");
    json_array_foreach(evs, i, e)
    {
        struct zl_credit_event *ev = &(*out)[i];
        const char *kind = json_string_value(json_object_get(e, "kind"));
        const char *date = json_string_value(json_object_get(e, "date"));
        json_t *s = json_object_get(e, "serious"),
               *a = json_object_get(e, "active"),
               *r = json_object_get(e, "ref");

        if (!json_is_object(e) || zl_credit_kind_parse(kind, &ev->kind) ||
            !date || zl_day_parse(date, strlen(date), &ev->day) ||
            (s && !json_is_boolean(s)) || (a && !json_is_boolean(a)) ||
            (r && !json_is_string(r))) {
            fprintf(stderr,
                    "zhiliang credit: %s: events[%zu]: needs kind (spot-pass, "
                    "spot-fail, recall, complaint, overdue-report, penalty, "
                    "abnormal-list, serious-list), date YYYY-MM-DD, and "
                    "optional booleans serious, active and string ref\n",
                    path, i);
            free(*out);
            *out = NULL;
            return -1;
        }
        ev->serious = json_is_true(s);
        ev->active = json_is_true(a);
        ev->ref = json_string_value(r);
    }
    *n = json_array_size(evs);
    return 0;
}

static int32_t today_china(void)
{
    return (int32_t)((zl_time_now_ms() + 8 * 3600 * 1000LL) / 86400000);
}

static int credit_score(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"at", required_argument, 0, 'a'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *config = NULL, *at_s = NULL, *uscc, *name;
    struct zl_credit_config cfg;
    struct zl_credit_event *ev = NULL;
    struct zl_credit_result r = {0};
    struct zl_error err = {0};
    json_t *root = NULL;
    size_t n = 0;
    int32_t at;
    int json = 0, c, rc = EXIT_FAIL;
    char ds[11];

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'a': at_s = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (at_s) {
        if (zl_day_parse(at_s, strlen(at_s), &at)) {
            fprintf(stderr, "zhiliang credit: --at: not a date YYYY-MM-DD\n");
            return EXIT_USAGE;
        }
    } else
        at = today_china();
    if (load_config(config, &cfg))
        return EXIT_FAIL;
    root = load_json(argv[optind]);
    if (!root || load_events(argv[optind], root, &ev, &n))
        goto out;
    uscc = json_string_value(json_object_get(root, "uscc"));
    name = json_string_value(json_object_get(root, "name"));
    if (uscc && zl_uscc_validate(uscc, strlen(uscc), &err)) {
        cli_print_error("credit", argv[optind], err.code, &err, json);
        goto out;
    }
    if (zl_credit_score(&cfg, ev, n, at, &r, &err)) {
        cli_print_error("credit", config ? config : argv[optind], err.code,
                        &err, json);
        goto out;
    }
    zl_day_format(at, ds);
    if (json) {
        json_t *lines = json_array();

        for (size_t i = 0; i < r.n_lines; i++) {
            const struct zl_credit_line *l = &r.lines[i];

            json_array_append_new(
                lines, json_pack("{s:s, s:o, s:f, s:f, s:f, s:s}", "kind",
                                 zl_credit_kind_id(ev[l->event].kind), "ref",
                                 cli_json_str(ev[l->event].ref), "points",
                                 l->points, "weight", l->weight, "total",
                                 l->total, "reason", l->reason));
        }
        rc = cli_print_json(
            json_pack("{s:o, s:o, s:s, s:f, s:f, s:s, s:s, s:b, s:[f,f], "
                      "s:o}",
                      "uscc", cli_json_str(uscc), "name", cli_json_str(name),
                      "at", ds, "raw", r.raw, "score", r.score, "class",
                      zl_credit_class_name(r.cls), "risk",
                      zl_credit_class_risk(r.cls), "forcedD", r.forced,
                      "samplingRatio", r.ratio_min, r.ratio_max, "lines",
                      lines),
            JSON_REAL_PRECISION(10));
        goto out;
    }
    printf("%s%s%s as of %s\n", name ? name : "enterprise", uscc ? " " : "",
           uscc ? uscc : "", ds);
    for (size_t i = 0; i < r.n_lines; i++)
        printf("  %+7.2f  %s%s%s\n", r.lines[i].total, r.lines[i].reason,
               ev[i].ref ? "  " : "", ev[i].ref ? ev[i].ref : "");
    printf("  -------\n  %7.2f  risk score%s\n", r.score,
           r.raw < 0 ? " (floored at 0)" : "");
    printf("class %s (%s)%s; thresholds B >= %g, C >= %g, D >= %g\n"
           "sampling ratio for the class: %g-%g %%\n",
           zl_credit_class_name(r.cls), zl_credit_class_risk(r.cls),
           r.forced ? ", forced by the list of serious violations" : "",
           cfg.threshold[0], cfg.threshold[1], cfg.threshold[2], r.ratio_min,
           r.ratio_max);
    rc = EXIT_OK;
out:
    zl_credit_result_cleanup(&r);
    free(ev);
    json_decref(root);
    return rc;
}

static int credit_show(int argc, char **argv)
{
    static const struct option opts[] = {{"store", required_argument, 0, 's'},
                                         {"at", required_argument, 0, 'a'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *store = NULL, *at_s = NULL;
    struct zl_error err = {0};
    struct zl_buf b;
    zl_store *s = NULL;
    json_t *o = NULL, *l;
    json_error_t je;
    int json = 0, c, rc, ret = EXIT_FAIL;
    char day[11];
    size_t i;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store = optarg; break;
        case 'a': at_s = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!at_s)
        zl_day_format(today_china(), day);
    zl_buf_init(&b, 1u << 26);
    if (!(s = cli_open_store(store)))
        goto out;
    rc = zl_credit_show(s, argv[optind], at_s ? at_s : day, &b, &err);
    if (rc) {
        cli_print_error("credit", argv[optind], rc, &err, json);
        goto out;
    }
    if (!(o = json_loadb((const char *)b.data, b.len, 0, &je)))
        goto out;
    if (json) {
        ret = cli_print_json(json_incref(o),
                             JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        goto out;
    }
    printf("%s as of %s (rule %lld, docs/credit.md)\n", argv[optind],
           json_string_value(json_object_get(o, "at")),
           (long long)json_integer_value(json_object_get(o, "rule")));
    json_array_foreach(json_object_get(o, "lines"), i, l) printf(
        "  %+7.2f  %s  %s\n", json_number_value(json_object_get(l, "total")),
        json_string_value(json_object_get(l, "reason")),
        json_string_value(json_object_get(l, "ref")));
    printf("  -------\n  %7.2f  risk score\nclass %s (%s); sampling ratio "
           "%g-%g %%\n",
           json_number_value(json_object_get(o, "score")),
           json_string_value(json_object_get(o, "class")),
           json_string_value(json_object_get(o, "risk")),
           json_number_value(
               json_array_get(json_object_get(o, "samplingRatio"), 0)),
           json_number_value(
               json_array_get(json_object_get(o, "samplingRatio"), 1)));
    ret = EXIT_OK;
out:
    json_decref(o);
    zl_buf_cleanup(&b);
    zl_close(s);
    return ret;
}

int cmd_credit(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "score"))
        return credit_score(argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return credit_show(argc - 1, argv + 1);
    fprintf(stderr, "zhiliang credit: unknown subcommand %s (score, show)\n",
            argv[1]);
    return EXIT_USAGE;
}
