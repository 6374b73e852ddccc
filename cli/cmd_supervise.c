/*
 * cmd_supervise.c - `zhiliang supervise`: the legal clocks of a spot check
 * and the working-day calendar they count on.
 *
 *   supervise clocks   [--config F] [--json]
 *   supervise deadline STEP START [--at DATE] [--config F] [--calendar F]
 *                      [--fallback] [--json]
 *   supervise calendar FROM TO [--calendar F] [--fallback] [--json]
 *
 * The configuration file is JSON, read here and handed to the library as
 * a struct (the library sees no JSON):
 *   {"clocks": {"rectify": {"days": 30, "unit": "days", "roll": true,
 *               "notBefore": 0, "source": "...", "url": "..."}}}
 * Every key is optional; unknown steps and keys are errors, so a typo
 * never leaves a default silently in force.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX (1u << 20)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zhiliang supervise clocks [--config F] [--json]\n"
            "       zhiliang supervise deadline STEP START [--at DATE] "
            "[--config F]\n"
            "                [--calendar F] [--fallback] [--json]\n"
            "       zhiliang supervise calendar FROM TO [--calendar F] "
            "[--fallback] [--json]\n\n"
            "clocks: the legal clocks of a product spot check (监督抽查) with "
            "their\n"
            "periods and sources (docs/supervision-clocks.md).\n"
            "deadline: the deadline of STEP started on START (YYYY-MM-DD), "
            "and whether\n"
            "it is overdue on DATE (default: today, China time). STEP: "
            "retest-apply,\n"
            "stop-sale, rectify, recheck, announce, second-recheck, suspend, "
            "publish.\n"
            "calendar: the days off and make-up working days between FROM "
            "and TO and\n"
            "the number of working days after FROM up to TO.\n\n"
            "--config F: JSON overriding periods ({\"clocks\": {\"rectify\": "
            "{\"days\": 30}}}).\n"
            "--calendar F: an operator's holiday file (date,kind,name CSV) "
            "loaded over\n"
            "the built-in years. --fallback: count a year without holiday "
            "data as\n"
            "weekends only (the result is marked guessed) instead of "
            "failing.\n\n"
            "Exit codes: 0 ok, 1 failure (no calendar data, bad file), 2 "
            "usage error.\n");
}

static int load_config(const char *path, struct zl_clock_config *cfg)
{
    char *data = NULL;
    size_t len = 0;
    json_t *root = NULL, *clocks, *v;
    json_error_t je;
    const char *key;
    int rc = -1;

    zl_clock_defaults(cfg);
    if (!path)
        return 0;
    if (cli_read_file(path, CONFIG_MAX, &data, &len))
        return -1;
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        fprintf(stderr, "zhiliang supervise: %s: not a JSON object (%s)\n",
                path, root ? "" : je.text);
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "clocks")) {
            fprintf(stderr, "zhiliang supervise: %s: unknown key \"%s\"\n",
                    path, key);
            goto out;
        }
    }
    clocks = json_object_get(root, "clocks");
    if (clocks && !json_is_object(clocks)) {
        fprintf(stderr, "zhiliang supervise: %s: clocks is not an object\n",
                path);
        goto out;
    }
    json_object_foreach(clocks, key, v)
    {
        enum zl_clock_step st;
        struct zl_clock_rule *r;
        const char *k2;
        json_t *f;

        if (zl_clock_step_parse(key, &st) || !json_is_object(v)) {
            fprintf(stderr,
                    "zhiliang supervise: %s: clocks.%s: not a step with an "
                    "object\n",
                    path, key);
            goto out;
        }
        r = &cfg->rule[st];
        json_object_foreach(v, k2, f)
        {
            int ok = 1;

            if (!strcmp(k2, "days") && json_is_integer(f) &&
                json_integer_value(f) >= -1 && json_integer_value(f) <= 3660)
                r->days = (int)json_integer_value(f);
            else if (!strcmp(k2, "notBefore") && json_is_integer(f) &&
                     json_integer_value(f) >= 0 &&
                     json_integer_value(f) <= 3660)
                r->not_before = (int)json_integer_value(f);
            else if (!strcmp(k2, "unit") && json_is_string(f))
                ok = !zl_clock_unit_parse(json_string_value(f), &r->unit);
            else if (!strcmp(k2, "roll") && json_is_boolean(f))
                r->roll = json_is_true(f);
            else if (!strcmp(k2, "source") && json_is_string(f))
                snprintf(r->source, sizeof r->source, "%s",
                         json_string_value(f));
            else if (!strcmp(k2, "url") && json_is_string(f))
                snprintf(r->url, sizeof r->url, "%s", json_string_value(f));
            else if (!strcmp(k2, "quote") && json_is_string(f))
                snprintf(r->quote, sizeof r->quote, "%s", json_string_value(f));
            else
                ok = 0;
            if (!ok) {
                fprintf(stderr,
                        "zhiliang supervise: %s: clocks.%s.%s: unknown key "
                        "or bad value\n",
                        path, key, k2);
                goto out;
            }
        }
    }
    rc = 0;
out:
    json_decref(root);
    free(data);
    return rc;
}

static zl_calendar *open_calendar(const char *path, int fallback, int json)
{
    zl_calendar *cal = NULL;
    struct zl_error err = {0};
    char *data = NULL;
    size_t len = 0;
    int rc;

    rc = zl_calendar_new(&cal, &err);
    if (!rc && path) {
        if (cli_read_file(path, CONFIG_MAX, &data, &len)) {
            zl_calendar_free(cal);
            return NULL;
        }
        rc = zl_calendar_load(cal, data, len, &err);
        free(data);
    }
    if (rc) {
        cli_print_error("supervise", path, rc, &err, json);
        zl_calendar_free(cal);
        return NULL;
    }
    zl_calendar_set_fallback(cal, fallback);
    return cal;
}

static json_t *rule_json(enum zl_clock_step st, const struct zl_clock_rule *r)
{
    return json_pack(
        "{s:s, s:s, s:o, s:i, s:s, s:b, s:s, s:s, s:s, s:s}", "step",
        zl_clock_step_id(st), "title", zl_clock_step_title(st), "days",
        r->days < 0 ? json_null() : json_integer(r->days), "notBefore",
        r->not_before, "unit", zl_clock_unit_name(r->unit), "roll", r->roll,
        "startsAt", r->starts_at, "source", r->source, "url", r->url, "quote",
        r->quote);
}

static int do_clocks(const struct zl_clock_config *cfg, int json)
{
    if (json) {
        json_t *a = json_array();

        for (int i = 0; i < ZL_STEP_COUNT; i++)
            json_array_append_new(
                a, rule_json((enum zl_clock_step)i, &cfg->rule[i]));
        return cli_print_json(json_pack("{s:o}", "clocks", a), 0);
    }
    for (int i = 0; i < ZL_STEP_COUNT; i++) {
        const struct zl_clock_rule *r = &cfg->rule[i];

        printf("%-15s %s\n", zl_clock_step_id((enum zl_clock_step)i),
               zl_clock_step_title((enum zl_clock_step)i));
        if (r->days < 0)
            printf("                no statutory period (the authority sets "
                   "it)");
        else if (r->days == 0)
            printf("                at once on");
        else if (r->not_before)
            printf("                from %d to %d %s", r->not_before, r->days,
                   r->unit == ZL_CLOCK_WORKING_DAYS ? "working days" : "days");
        else
            printf("                %d %s", r->days,
                   r->unit == ZL_CLOCK_WORKING_DAYS ? "working days" : "days");
        printf("%s %s\n                source: %s\n                %s\n",
               r->days ? " after" : "", r->starts_at, r->source, r->url);
    }
    return EXIT_OK;
}

static int parse_day_arg(const char *what, const char *s, int32_t *d)
{
    if (zl_day_parse(s, strlen(s), d)) {
        fprintf(stderr, "zhiliang supervise: %s: not a date YYYY-MM-DD: %s\n",
                what, s);
        return -1;
    }
    return 0;
}

static int32_t today_china(void)
{
    int64_t ms = zl_time_now_ms() + 8 * 3600 * 1000LL;

    return (int32_t)(ms / 86400000);
}

static int do_deadline(const struct zl_clock_config *cfg, zl_calendar *cal,
                       const char *step_s, const char *start_s,
                       const char *at_s, int json)
{
    enum zl_clock_step st;
    struct zl_clock c;
    struct zl_error err = {0};
    int32_t start, at;
    char ds[11], ss[11], as[11], nb[11];
    int rc;

    if (zl_clock_step_parse(step_s, &st)) {
        fprintf(stderr, "zhiliang supervise: unknown step %s\n", step_s);
        return EXIT_USAGE;
    }
    if (parse_day_arg("START", start_s, &start))
        return EXIT_USAGE;
    if (at_s) {
        if (parse_day_arg("--at", at_s, &at))
            return EXIT_USAGE;
    } else
        at = today_china();
    rc = zl_clock_compute(cfg, cal, st, start, at, &c, &err);
    if (rc) {
        cli_print_error("supervise", NULL, rc, &err, json);
        return EXIT_FAIL;
    }
    zl_day_format(c.start, ss);
    zl_day_format(c.at, as);
    zl_day_format(c.deadline, ds);
    zl_day_format(c.not_before, nb);
    if (c.guessed)
        fprintf(stderr,
                "zhiliang supervise: warning: a year without holiday data was "
                "counted as weekends only\n");
    if (json) {
        const struct zl_clock_rule *r = &cfg->rule[st];

        return cli_print_json(
            json_pack(
                "{s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:s, s:b, "
                "s:s, s:s}",
                "step", zl_clock_step_id(st), "start", ss, "at", as, "deadline",
                c.has_deadline ? json_string(ds) : json_null(), "notBefore",
                r->not_before ? json_string(nb) : json_null(), "overdue",
                c.overdue, "early", c.early, "left",
                c.has_deadline ? json_integer(c.left) : json_null(), "unit",
                zl_clock_unit_name(r->unit), "guessed", c.guessed, "source",
                r->source, "url", r->url),
            0);
    }
    printf("%s (%s), started %s\n", zl_clock_step_id(st),
           zl_clock_step_title(st), ss);
    if (!c.has_deadline) {
        printf("no statutory period: the authority sets the deadline\n");
        return EXIT_OK;
    }
    if (cfg->rule[st].not_before)
        printf("window opens %s\n", nb);
    printf("deadline %s (%s)\n", ds, cfg->rule[st].source);
    if (c.overdue)
        printf("OVERDUE on %s by %d %s\n", as, -c.left,
               cfg->rule[st].unit == ZL_CLOCK_WORKING_DAYS ? "working days"
                                                           : "days");
    else if (c.early)
        printf("on %s: too early, the window has not opened\n", as);
    else
        printf("on %s: %d %s left\n", as, c.left,
               cfg->rule[st].unit == ZL_CLOCK_WORKING_DAYS ? "working days"
                                                           : "days");
    return EXIT_OK;
}

static int do_calendar(zl_calendar *cal, const char *from_s, const char *to_s,
                       int json)
{
    int32_t from, to;
    struct zl_error err = {0};
    json_t *days = json ? json_array() : NULL;
    int n = 0, guessed = 0, rc;
    char ds[11];

    if (parse_day_arg("FROM", from_s, &from) || parse_day_arg("TO", to_s, &to))
        return EXIT_USAGE;
    if (to < from || to - from > 3660) {
        fprintf(stderr, "zhiliang supervise: TO must follow FROM within 10 "
                        "years\n");
        return EXIT_USAGE;
    }
    for (int32_t d = from + 1; d <= to; d++) {
        enum zl_day_kind k;
        const char *name;

        rc = zl_calendar_day(cal, d, &k, &name, &guessed, &err);
        if (rc) {
            json_decref(days);
            cli_print_error("supervise", NULL, rc, &err, json);
            return EXIT_FAIL;
        }
        n += k == ZL_DAY_WORK || k == ZL_DAY_MAKEUP;
        if (k != ZL_DAY_HOLIDAY && k != ZL_DAY_MAKEUP)
            continue;
        zl_day_format(d, ds);
        if (json)
            json_array_append_new(
                days, json_pack("{s:s, s:s, s:s}", "date", ds, "kind",
                                k == ZL_DAY_HOLIDAY ? "holiday" : "workday",
                                "name", name ? name : ""));
        else
            printf("%s %-8s %s\n", ds,
                   k == ZL_DAY_HOLIDAY ? "holiday" : "workday",
                   name ? name : "");
    }
    if (guessed)
        fprintf(stderr,
                "zhiliang supervise: warning: a year without holiday data was "
                "counted as weekends only\n");
    if (json)
        return cli_print_json(json_pack("{s:s, s:s, s:i, s:b, s:o}", "from",
                                        from_s, "to", to_s, "workingDays", n,
                                        "guessed", guessed, "days", days),
                              0);
    printf("%d working days after %s up to %s\n", n, from_s, to_s);
    return EXIT_OK;
}

int cmd_supervise(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"calendar", required_argument, 0, 'C'},
        {"at", required_argument, 0, 'a'},
        {"fallback", no_argument, 0, 'f'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *config = NULL, *calendar = NULL, *at = NULL, *sub;
    struct zl_clock_config cfg;
    zl_calendar *cal = NULL;
    int json = 0, fallback = 0, c, rc, nargs;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    sub = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'C': calendar = optarg; break;
        case 'a': at = optarg; break;
        case 'f': fallback = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    nargs = argc - optind;
    if ((!strcmp(sub, "clocks") && nargs != 0) ||
        (!strcmp(sub, "deadline") && nargs != 2) ||
        (!strcmp(sub, "calendar") && nargs != 2) ||
        (strcmp(sub, "clocks") && strcmp(sub, "deadline") &&
         strcmp(sub, "calendar"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (load_config(config, &cfg))
        return EXIT_FAIL;
    if (!strcmp(sub, "clocks"))
        return do_clocks(&cfg, json);
    cal = open_calendar(calendar, fallback, json);
    if (!cal)
        return EXIT_FAIL;
    if (!strcmp(sub, "deadline"))
        rc = do_deadline(&cfg, cal, argv[optind], argv[optind + 1], at, json);
    else
        rc = do_calendar(cal, argv[optind], argv[optind + 1], json);
    zl_calendar_free(cal);
    return rc;
}
