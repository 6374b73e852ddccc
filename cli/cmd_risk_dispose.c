/*
 * cmd_risk_dispose.c - `zhiliang risk dispose open|act|answer|done|close|
 * show|list`: risk cases and their disposal (zhiliang/risk_dispose.h
 * decides; this file reads options and prints). `zhiliang inspect risk
 * TASK` is `risk dispose open --from-task TASK`.
 *
 * Every option is checked against the verb's own list: an unknown or
 * misplaced one is a usage error, so a typo never stores a record without
 * the field it meant to give.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/alloc.h"
#include "zhiliang/buf.h"
#include "zhiliang/calendar.h"
#include "zhiliang/risk_dispose.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang risk dispose open (--from-task PLAN:N | --from-report "
        "ID |\n"
        "                  --from-signal TEXT | --from-assessment TEXT | "
        "--from-other TEXT)\n"
        "                  --hazard TEXT [--hazard-en TEXT] [--enterprise "
        "USCC]\n"
        "                  [--gtin GTIN] [--lot GS1-LOT] [--region CODE] "
        "[--as PARTY]\n"
        "       zhiliang risk dispose act CASE "
        "warning|recall|spotcheck|notice\n"
        "                  [--title T --title-en T] [--text T] [--text-en T]\n"
        "                  [--class 1|2|3] [--task PLAN:N] [--due YYYY-MM-DD]\n"
        "                  [--deadlines FILE] [--as PARTY]\n"
        "       zhiliang risk dispose answer CASE N --answer TEXT --as PARTY\n"
        "       zhiliang risk dispose done CASE N [--result pass|fail] "
        "[--note TEXT]\n"
        "                  [--as PARTY]\n"
        "       zhiliang risk dispose close CASE --outcome TEXT "
        "[--outcome-en TEXT]\n"
        "                  [--as PARTY]\n"
        "       zhiliang risk dispose show CASE [--json] [--public] "
        "[--at DAY]\n"
        "       zhiliang risk dispose list [--open|--closed|--overdue] "
        "[--public] [--json]\n"
        "                  [--at DAY]\n"
        "(all take --store PATH)\n\n"
        "A risk case (风险处置) is opened from a failed spot-check task, a "
        "report,\n"
        "a signal, an assessment or other source, with its subject "
        "(enterprise,\n"
        "product, lot) and hazard. Actions: a consumer warning on the "
        "portal (zh\n"
        "and en title and text), a recall (opened through the recall "
        "module for\n"
        "the case's lot, --class 1-3), a targeted spot check (--task links "
        "a task),\n"
        "a notice to the enterprise (--text; the enterprise answers with "
        "its own\n"
        "party). Each action has a deadline (defaults: warning 30 days, "
        "recall 90\n"
        "days, spotcheck 20 working days, notice 10 working days; "
        "--deadlines\n"
        "FILE {\"notice\": {\"days\": N, \"unit\": \"working-days\"|\"days\", "
        "\"source\": \"...\"}}\n"
        "or --due) and is closed by `done`; the case by `close` once every "
        "action\n"
        "is done. Without --as the store operator writes. "
        "docs/risk-dispose.md.\n");
}

/* Is every "--x" of argv (from argv[first]) one of names (each taking a
 * value unless listed in flags)? Prints the first that is not. */
static int opts_ok(int argc, char **argv, int first, const char *const *names,
                   const char *const *flags)
{
    for (int i = first; i < argc; i++) {
        int known = 0;

        if (strncmp(argv[i], "--", 2)) {
            fprintf(stderr, "zhiliang risk dispose: unexpected argument %s\n",
                    argv[i]);
            return 0;
        }
        for (int k = 0; flags && flags[k]; k++)
            if (!strcmp(argv[i], flags[k]))
                known = 1;
        if (known)
            continue;
        for (int k = 0; names[k]; k++)
            if (!strcmp(argv[i], names[k]))
                known = 2;
        if (!known) {
            fprintf(stderr, "zhiliang risk dispose %s: unknown option %s\n",
                    argv[0], argv[i]);
            return 0;
        }
        if (++i >= argc) {
            fprintf(stderr, "zhiliang risk dispose %s: %s needs a value\n",
                    argv[0], argv[i - 1]);
            return 0;
        }
    }
    return 1;
}

static int print_error(void *ctx, const struct zl_risk_field_error *e)
{
    (void)ctx;
    fprintf(stderr, "  %s: %s (value: \"%s\")\n", e->field, e->why, e->value);
    return 0;
}

/* Report rc of verb on what: field errors were printed by print_error. */
static int finish(const char *verb, const char *what, int rc,
                  struct zl_error *err)
{
    char cmd[40];

    if (!rc)
        return EXIT_OK;
    snprintf(cmd, sizeof cmd, "risk dispose %s", verb);
    if (rc == ZL_EINVAL && err->code)
        fprintf(stderr,
                "zhiliang risk dispose %s: %s refused, nothing stored (the "
                "fields above)\n",
                verb, what ? what : "");
    else
        cli_print_error(cmd, what, rc, err, 0);
    return EXIT_FAIL;
}

static int open_case(int argc, char **argv)
{
    static const char *const N[] = {"--from-task",   "--from-report",
                                    "--from-signal", "--from-assessment",
                                    "--from-other",  "--hazard",
                                    "--hazard-en",   "--enterprise",
                                    "--gtin",        "--lot",
                                    "--region",      "--as",
                                    "--store",       NULL};
    static const char *const SRC[][2] = {{"--from-task", "task"},
                                         {"--from-report", "report"},
                                         {"--from-signal", "signal"},
                                         {"--from-assessment", "assessment"},
                                         {"--from-other", "other"}};
    struct zl_dispo_open_in in = {0};
    struct zl_error err = {0};
    char id[ZL_DISPO_ID_MAX];
    zl_store *s;
    int rc, n_src = 0;

    if (!opts_ok(argc, argv, 1, N, NULL)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof SRC / sizeof SRC[0]; i++)
        if (cli_opt_val(argc, argv, SRC[i][0])) {
            in.source = SRC[i][1];
            in.ref = cli_opt_val(argc, argv, SRC[i][0]);
            n_src++;
        }
    if (n_src != 1) {
        fprintf(stderr, "zhiliang risk dispose open: give exactly one "
                        "--from-task, --from-report, --from-signal, "
                        "--from-assessment or --from-other\n");
        return EXIT_USAGE;
    }
    in.hazard = cli_opt_val(argc, argv, "--hazard");
    in.hazard_en = cli_opt_val(argc, argv, "--hazard-en");
    in.enterprise = cli_opt_val(argc, argv, "--enterprise");
    in.gtin = cli_opt_val(argc, argv, "--gtin");
    in.lot = cli_opt_val(argc, argv, "--lot");
    in.region = cli_opt_val(argc, argv, "--region");
    in.actor = cli_opt_val(argc, argv, "--as");
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    rc = zl_dispo_open(s, &in, id, print_error, NULL, &err);
    zl_close(s);
    if (!rc)
        printf("%s\n", id);
    return finish("open", "case", rc, &err);
}

static int load_rules(const char *path, struct zl_dispo_deadlines *d)
{
    struct zl_error err = {0};
    char *data = NULL;
    size_t len = 0;
    int rc;

    zl_dispo_deadlines_default(d);
    if (!path)
        return 0;
    if (cli_read_file(path, (size_t)1 << 20, &data, &len))
        return -1;
    rc = zl_dispo_deadlines_parse(data, len, d, &err);
    free(data);
    if (rc)
        cli_print_error("risk dispose act", path, rc, &err, 0);
    return rc ? -1 : 0;
}

static int act(int argc, char **argv)
{
    static const char *const N[] = {
        "--title", "--title-en",  "--text", "--text-en", "--class", "--task",
        "--due",   "--deadlines", "--as",   "--store",   NULL};
    struct zl_dispo_act_in in = {0};
    struct zl_dispo_deadlines rules;
    struct zl_error err = {0};
    const char *cls;
    zl_store *s;
    int n = 0, rc;

    if (argc < 3 || zl_dispo_kind_parse(argv[2], &in.kind) ||
        !opts_ok(argc, argv, 3, N, NULL)) {
        if (argc >= 3 && zl_dispo_kind_parse(argv[2], &in.kind))
            fprintf(stderr,
                    "zhiliang risk dispose act: %s is not an action (warning, "
                    "recall, spotcheck, notice)\n",
                    argv[2]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (load_rules(cli_opt_val(argc, argv, "--deadlines"), &rules))
        return EXIT_FAIL;
    in.rules = &rules;
    in.title = cli_opt_val(argc, argv, "--title");
    in.title_en = cli_opt_val(argc, argv, "--title-en");
    in.text = cli_opt_val(argc, argv, "--text");
    in.text_en = cli_opt_val(argc, argv, "--text-en");
    in.task = cli_opt_val(argc, argv, "--task");
    in.due = cli_opt_val(argc, argv, "--due");
    in.actor = cli_opt_val(argc, argv, "--as");
    if ((cls = cli_opt_val(argc, argv, "--class"))) {
        char *end;
        long v = strtol(cls, &end, 10);

        in.hazard_class = *end || end == cls ? -1 : (int)v;
        if (in.hazard_class < 1 || in.hazard_class > 3) {
            fprintf(stderr,
                    "zhiliang risk dispose act: --class %s: the recall's "
                    "hazard class is 1, 2 or 3\n",
                    cls);
            return EXIT_USAGE;
        }
    }
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    rc = zl_dispo_act(s, argv[1], &in, &n, print_error, NULL, &err);
    zl_close(s);
    if (!rc)
        printf("%s: action %d %s\n", argv[1], n, argv[2]);
    return finish("act", argv[1], rc, &err);
}

static int action_no(const char *v, int *n)
{
    char *end;
    long x = strtol(v, &end, 10);

    if (end == v || *end || x < 1 || x > 100000) {
        fprintf(stderr,
                "zhiliang risk dispose: %s is not an action number (see "
                "`risk dispose show CASE`)\n",
                v);
        return -1;
    }
    *n = (int)x;
    return 0;
}

static int answer(int argc, char **argv)
{
    static const char *const N[] = {"--answer", "--as", "--store", NULL};
    struct zl_error err = {0};
    zl_store *s;
    int n, rc;

    if (argc < 3 || !opts_ok(argc, argv, 3, N, NULL)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (action_no(argv[2], &n))
        return EXIT_USAGE;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    rc = zl_dispo_answer(s, argv[1], n, cli_opt_val(argc, argv, "--as"),
                         cli_opt_val(argc, argv, "--answer"), 0, print_error,
                         NULL, &err);
    zl_close(s);
    if (!rc)
        printf("%s: action %d answered\n", argv[1], n);
    return finish("answer", argv[1], rc, &err);
}

static int done(int argc, char **argv)
{
    static const char *const N[] = {"--result", "--note", "--as", "--store",
                                    NULL};
    struct zl_error err = {0};
    zl_store *s;
    int n, rc;

    if (argc < 3 || !opts_ok(argc, argv, 3, N, NULL)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (action_no(argv[2], &n))
        return EXIT_USAGE;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    rc = zl_dispo_done(s, argv[1], n, cli_opt_val(argc, argv, "--as"),
                       cli_opt_val(argc, argv, "--result"),
                       cli_opt_val(argc, argv, "--note"), 0, print_error, NULL,
                       &err);
    zl_close(s);
    if (!rc)
        printf("%s: action %d done\n", argv[1], n);
    return finish("done", argv[1], rc, &err);
}

static int close_case(int argc, char **argv)
{
    static const char *const N[] = {"--outcome", "--outcome-en", "--as",
                                    "--store", NULL};
    struct zl_error err = {0};
    zl_store *s;
    int rc;

    if (argc < 2 || !opts_ok(argc, argv, 2, N, NULL)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    rc = zl_dispo_close(s, argv[1], cli_opt_val(argc, argv, "--as"),
                        cli_opt_val(argc, argv, "--outcome"),
                        cli_opt_val(argc, argv, "--outcome-en"), 0, print_error,
                        NULL, &err);
    zl_close(s);
    if (!rc)
        printf("%s: closed\n", argv[1]);
    return finish("close", argv[1], rc, &err);
}

static const char *js(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static void print_case(json_t *c, int long_form)
{
    json_t *a;
    size_t i;

    printf("%s  %-6s opened %s%s%s  %s%s%s%s%s\n", js(c, "case"),
           js(c, "state"), js(c, "opened"), *js(c, "closed") ? ", closed " : "",
           js(c, "closed"), js(c, "enterprise"), *js(c, "gtin") ? " " : "",
           js(c, "gtin"), *js(c, "batch") ? " lot " : "", js(c, "batch"));
    if (long_form) {
        printf("  from %s%s%s\n  hazard: %s\n", js(c, "source"),
               *js(c, "ref") ? " " : "", js(c, "ref"), js(c, "hazard"));
        if (*js(c, "outcome"))
            printf("  outcome: %s\n", js(c, "outcome"));
    }
    json_array_foreach(json_object_get(c, "actions"), i, a)
    {
        printf("  %lld %-9s %-4s taken %s, due %s%s%s%s%s%s\n",
               (long long)json_integer_value(json_object_get(a, "n")),
               js(a, "kind"), js(a, "state"), js(a, "taken"), js(a, "deadline"),
               json_is_true(json_object_get(a, "overdue")) ? " OVERDUE" : "",
               *js(a, "recall") ? ", recall " : "", js(a, "recall"),
               *js(a, "done") ? ", done " : "", js(a, "done"));
        if (long_form && *js(a, "answer"))
            printf("    answer (%s): %s\n", js(a, "answered"), js(a, "answer"));
    }
}

/* --at YYYY-MM-DD: judge overdue as of that day (China's date); 0 now,
 * -1 after an error message. */
static int64_t at_ms(int argc, char **argv)
{
    const char *v = cli_opt_val(argc, argv, "--at");
    int32_t d;

    if (!v)
        return 0;
    if (zl_day_parse(v, strlen(v), &d)) {
        fprintf(stderr, "zhiliang risk dispose: --at %s: a date YYYY-MM-DD\n",
                v);
        return -1;
    }
    return (int64_t)d * 86400000 + 12 * 3600000; /* noon UTC: that day */
}

static int show(int argc, char **argv)
{
    static const char *const F[] = {"--json", "--public", NULL};
    static const char *const N[] = {"--store", "--at", NULL};
    int64_t at;
    struct zl_error err = {0};
    struct zl_buf b;
    zl_store *s;
    int rc;

    if (argc < 2 || !opts_ok(argc, argv, 2, N, F)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((at = at_ms(argc, argv)) < 0)
        return EXIT_USAGE;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    zl_buf_init(&b, (size_t)64 << 20);
    rc = zl_dispo_json(s, argv[1], cli_has_flag(argc, argv, "--public"), at, &b,
                       &err);
    zl_close(s);
    if (!rc) {
        if (cli_has_flag(argc, argv, "--json")) {
            printf("%.*s\n", (int)b.len, (const char *)b.data);
        } else {
            json_t *c = json_loadb((const char *)b.data, b.len, 0, NULL);

            print_case(c, 1);
            json_decref(c);
        }
    }
    zl_buf_cleanup(&b);
    return finish("show", argv[1], rc, &err);
}

static int list(int argc, char **argv)
{
    static const char *const F[] = {"--json",   "--public",  "--open",
                                    "--closed", "--overdue", NULL};
    static const char *const N[] = {"--store", "--at", NULL};
    struct zl_error err = {0};
    struct zl_buf b;
    const char *which = "all";
    zl_store *s;
    int64_t at;
    int rc;

    if (!opts_ok(argc, argv, 1, N, F)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((at = at_ms(argc, argv)) < 0)
        return EXIT_USAGE;
    if (cli_has_flag(argc, argv, "--open"))
        which = "open";
    if (cli_has_flag(argc, argv, "--closed"))
        which = "closed";
    if (cli_has_flag(argc, argv, "--overdue"))
        which = "overdue";
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    zl_buf_init(&b, (size_t)256 << 20);
    rc = zl_dispo_list(s, which, cli_has_flag(argc, argv, "--public"), at, &b,
                       &err);
    zl_close(s);
    if (!rc) {
        if (cli_has_flag(argc, argv, "--json")) {
            printf("%.*s\n", (int)b.len, (const char *)b.data);
        } else {
            json_t *arr = json_loadb((const char *)b.data, b.len, 0, NULL), *c;
            size_t i;

            json_array_foreach(arr, i, c) print_case(c, 0);
            printf("%zu risk case(s)\n", json_array_size(arr));
            json_decref(arr);
        }
    }
    zl_buf_cleanup(&b);
    return finish("list", NULL, rc, &err);
}

int cmd_risk_dispose(int argc, char **argv)
{
    static const struct cli_verb VERBS[] = {
        {"open", open_case}, {"act", act},          {"answer", answer},
        {"done", done},      {"close", close_case}, {"show", show},
        {"list", list},      {NULL, NULL}};

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return cli_run_verb(argc - 1, argv + 1, VERBS, usage);
}

int cmd_inspect_risk(int argc, char **argv)
{
    char **v;
    int rc;

    if (argc < 2 || cli_is_help(argv[1])) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: zhiliang inspect risk TASK --hazard TEXT "
                "[--hazard-en TEXT] [--as PARTY]\n"
                "  opens a risk case from a failed task: `zhiliang risk "
                "dispose open --from-task TASK`\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!(v = calloc((size_t)argc + 3, sizeof *v)))
        return EXIT_FAIL;
    v[0] = "open";
    v[1] = "--from-task";
    v[2] = argv[1];
    for (int i = 2; i < argc; i++)
        v[i + 1] = argv[i];
    rc = open_case(argc + 1, v);
    free(v);
    return rc;
}
