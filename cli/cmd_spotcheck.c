/*
 * cmd_spotcheck.c - `zhiliang inspect sample|report|notify|retest|
 * stop-sale|rectify|recheck|publish|recall|task|tasks|results`: a drawn
 * task followed to closure with its legal clocks, and the published
 * results (zhiliang/spotcheck.h, docs/supervision.md). cmd_inspect.c
 * hands these verbs here.
 *
 * A step's fields come from options (--date, --product, --code ...,
 * --item NAME=VALUE) or a JSON file; options win. The library validates
 * everything, so this file only maps options to fields and prints.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/spotcheck.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang inspect sample TASK [FILE] --date D --product TEXT\n"
        "                 --lot GS1-LOT --quantity N --code GS1... "
        "--sampler ID...\n"
        "                 [--unit U] [--place TEXT]\n"
        "       zhiliang inspect report TASK [FILE] --date D --no REPORT-NO\n"
        "                 --lab TEXT [--tester NAME] --item NAME=VALUE[@METHOD]"
        "...\n"
        "       zhiliang inspect notify TASK --date D\n"
        "       zhiliang inspect retest TASK --date D "
        "[--outcome upheld|overturned]\n"
        "       zhiliang inspect stop-sale TASK --date D [--scope TEXT]\n"
        "       zhiliang inspect rectify TASK --date D [--measures TEXT]\n"
        "       zhiliang inspect recheck TASK --date D --verdict pass|fail"
        " [--no R]\n"
        "       zhiliang inspect publish TASK --date D [--handling TEXT]\n"
        "       zhiliang inspect announce TASK --date D [--ref TEXT]\n"
        "       zhiliang inspect suspend TASK --date D [--until D]\n"
        "       zhiliang inspect recall TASK --reason TEXT [--hazard 1|2|3]"
        " [--date D]\n"
        "       zhiliang inspect task TASK [--at DATE] [--json]\n"
        "       zhiliang inspect tasks [--overdue] [--at DATE] [--json]\n"
        "       zhiliang inspect results [--category C] [--region R]\n"
        "                 [--from D --to D] [--csv] [--json]\n"
        "       (all take --store PATH and --calendar FILE; steps take "
        "--as PARTY)\n\n"
        "TASK is PLAN:N, task N of a drawn plan. Each step is a logged "
        "record;\n"
        "a step out of order is refused with the reason. A failed recheck is\n"
        "announced and rechecked again, then the business stopped (suspend)\n"
        "and rechecked a third time (Order 18 art. 47-48; 产品质量法 art. "
        "17).\n"
        "task and tasks show\n"
        "each open step's legal deadline (working days per the calendar) as\n"
        "of --at (default today), overdue steps flagged. results lists the\n"
        "published results only, with the pass rate (批次合格率) by category,\n"
        "region and month.\n\n"
        "Exit codes: 0 ok, 1 failure, 2 usage.\n");
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

static int is_step(const char *v)
{
    static const char *const S[] = {
        "sample",    "report",  "notify",   "retest",  "rectify", "recheck",
        "stop-sale", "publish", "announce", "suspend", NULL};

    for (size_t i = 0; S[i]; i++)
        if (!strcmp(S[i], v))
            return 1;
    return 0;
}

int cmd_inspect_spot_verb(const char *verb)
{
    return is_step(verb) || !strcmp(verb, "recall") || !strcmp(verb, "task") ||
           !strcmp(verb, "tasks") || !strcmp(verb, "results");
}

static int32_t today(void)
{
    return (int32_t)(time(NULL) / 86400);
}

static int add_item(json_t *in, const char *v)
{
    const char *eq = strchr(v, '='), *at;
    json_t *items = json_object_get(in, "items"), *o;

    if (!eq || eq == v || !eq[1])
        return -1;
    at = strchr(eq, '@');
    if (!items) {
        items = json_array();
        if (json_object_set_new(in, "items", items))
            return -1;
    }
    o = json_object();
    json_object_set_new(o, "item", json_stringn(v, (size_t)(eq - v)));
    json_object_set_new(
        o, "value",
        json_stringn(eq + 1, at ? (size_t)(at - eq - 1) : strlen(eq + 1)));
    if (at && at[1])
        json_object_set_new(o, "method", json_string(at + 1));
    return json_array_append_new(items, o);
}

static int add_to(json_t *in, const char *k, const char *v)
{
    json_t *a = json_object_get(in, k);

    if (!a) {
        a = json_array();
        if (json_object_set_new(in, k, a))
            return -1;
    }
    return json_array_append_new(a, json_string(v));
}

static void print_task(json_t *t)
{
    size_t i;
    json_t *x;

    printf("task %s  %s %s  region %s  category %s\n", jstr(t, "task"),
           jstr(t, "uscc"), jstr(t, "enterprise"), jstr(t, "region"),
           jstr(t, "category"));
    printf("verdict %s  status %s%s\n",
           json_is_null(json_object_get(t, "verdict")) ? "(none yet)"
                                                       : jstr(t, "verdict"),
           jstr(t, "status"),
           json_is_true(json_object_get(t, "overdue")) ? "  OVERDUE" : "");
    json_array_foreach(json_object_get(t, "steps"), i, x)
        printf("  %2lld %-10s %s  leaf %lld%s%s\n",
               (long long)json_integer_value(json_object_get(x, "seq")),
               jstr(x, "step"), jstr(x, "date"),
               (long long)json_integer_value(json_object_get(x, "leaf")),
               *jstr(x, "verdict") ? "  verdict " : "", jstr(x, "verdict"));
    printf("open steps as of %s:%s\n", jstr(t, "at"),
           json_array_size(json_object_get(t, "open")) ? "" : " none");
    json_array_foreach(json_object_get(t, "open"), i, x)
    {
        json_t *left = json_object_get(x, "left");

        printf("  %-14s deadline %s", jstr(x, "step"),
               json_is_null(json_object_get(x, "deadline"))
                   ? "(none set)"
                   : jstr(x, "deadline"));
        if (left)
            printf(" (%lld %s left)", (long long)json_integer_value(left),
                   jstr(x, "unit"));
        printf("%s%s  %s%s%s\n",
               json_is_true(json_object_get(x, "optional")) ? "  optional" : "",
               json_is_true(json_object_get(x, "overdue")) ? "  OVERDUE" : "",
               jstr(x, "title"), *jstr(x, "source") ? " - " : "",
               jstr(x, "source"));
    }
}

static void print_results(json_t *o)
{
    static const char *const G[] = {"by_category", "by_region", "by_period",
                                    NULL};
    size_t i, j;
    json_t *r, *it;

    json_array_foreach(json_object_get(o, "results"), i, r)
    {
        printf("%s  %s %s  %s  lot %s  %s  %s  published %s\n", jstr(r, "task"),
               jstr(r, "enterprise"), jstr(r, "uscc"), jstr(r, "product"),
               jstr(r, "lot"), jstr(r, "report_no"),
               !strcmp(jstr(r, "verdict"), "pass") ? "合格 pass"
                                                   : "不合格 FAIL",
               jstr(r, "published"));
        json_array_foreach(json_object_get(r, "failed_items"), j, it)
            printf("    %s %s: %s %s (limit%s%s%s%s)\n", jstr(it, "item"),
                   jstr(it, "name_zh"), jstr(it, "value"), jstr(it, "unit"),
                   *jstr(it, "min") ? " >= " : "", jstr(it, "min"),
                   *jstr(it, "max") ? " <= " : "", jstr(it, "max"));
        json_array_foreach(json_object_get(r, "handling"), j, it)
            printf("    handling: %s\n", json_string_value(it));
    }
    for (i = 0; G[i]; i++) {
        const char *k;
        json_t *g;

        printf("pass rate %s:\n", G[i] + 3);
        json_object_foreach(
            json_object_get(json_object_get(o, "pass_rate"), G[i]), k, g)
            printf("  %-12s %lld/%lld  %.1f%%\n", k,
                   (long long)json_integer_value(json_object_get(g, "passed")),
                   (long long)json_integer_value(json_object_get(g, "batches")),
                   100.0 * json_number_value(json_object_get(g, "rate")));
    }
}

static int parse_day(const char *opt, const char *v, int32_t *d)
{
    if (zl_day_parse(v, strlen(v), d)) {
        fprintf(stderr, "zhiliang inspect: %s: a date YYYY-MM-DD: %s\n", opt,
                v);
        return -1;
    }
    return 0;
}

int cmd_inspect_spot(int argc, char **argv)
{
    static const char *const TEXT[] = {
        "date",  "product",  "lot",     "unit",     "place",
        "scope", "measures", "verdict", "handling", "outcome",
        "lab",   "tester",   "ref",     "until",    NULL};
    const char *verb = argv[0], *store = NULL, *as = NULL, *task = NULL;
    const char *file = NULL, *reason = NULL, *calfile = NULL;
    struct zl_spot_filter f = {0};
    struct zl_error err = {0};
    struct zl_buf out;
    json_t *in = json_object(), *o = NULL;
    zl_store *s = NULL;
    zl_calendar *cal = NULL;
    char *data = NULL;
    size_t len = 0;
    int32_t at = today();
    int json = 0, csv = 0, overdue = 0, hazard = 2, rc, ret = EXIT_FAIL;

    zl_buf_init(&out, (size_t)1 << 30);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k;

        if (cli_is_help(a)) {
            usage(stdout);
            ret = EXIT_OK;
            goto out;
        }
        if (strncmp(a, "--", 2)) {
            if (!task && strcmp(verb, "tasks") && strcmp(verb, "results"))
                task = a;
            else if (!file && is_step(verb))
                file = a;
            else
                goto bad;
            continue;
        }
        a += 2;
        if (!strcmp(a, "json") || !strcmp(a, "csv") || !strcmp(a, "overdue")) {
            *(a[0] == 'j' ? &json : a[0] == 'c' ? &csv : &overdue) = 1;
            continue;
        }
        if (!v)
            goto bad;
        i++;
        for (k = 0; TEXT[k] && strcmp(TEXT[k], a); k++)
            ;
        if (TEXT[k] && (is_step(verb) || !strcmp(verb, "recall")))
            json_object_set_new(in, a, json_string(v));
        else if (!strcmp(a, "no") && is_step(verb))
            json_object_set_new(in, "report_no", json_string(v));
        else if (!strcmp(a, "quantity") && is_step(verb)) {
            char *end;
            long long q = strtoll(v, &end, 10);

            if (*end || end == v)
                goto bad;
            json_object_set_new(in, "quantity", json_integer(q));
        } else if (!strcmp(a, "code") && is_step(verb))
            add_to(in, "codes", v);
        else if (!strcmp(a, "sampler") && is_step(verb))
            add_to(in, "samplers", v);
        else if (!strcmp(a, "item") && is_step(verb)) {
            if (add_item(in, v)) {
                fprintf(stderr,
                        "zhiliang inspect: --item NAME=VALUE[@METHOD]:"
                        " %s\n",
                        v);
                ret = EXIT_USAGE;
                goto out;
            }
        } else if (!strcmp(a, "store"))
            store = v;
        else if (!strcmp(a, "as"))
            as = v;
        else if (!strcmp(a, "calendar"))
            calfile = v;
        else if (!strcmp(a, "reason"))
            reason = v;
        else if (!strcmp(a, "hazard"))
            hazard = atoi(v);
        else if (!strcmp(a, "category"))
            f.category = v;
        else if (!strcmp(a, "region"))
            f.region = v;
        else if (!strcmp(a, "at") || !strcmp(a, "from") || !strcmp(a, "to")) {
            if (parse_day(a, v,
                          !strcmp(a, "at")     ? &at
                          : !strcmp(a, "from") ? &f.from
                                               : &f.to)) {
                ret = EXIT_USAGE;
                goto out;
            }
        } else
            goto bad;
    }
    if (!task && strcmp(verb, "tasks") && strcmp(verb, "results"))
        goto bad;
    if ((rc = zl_calendar_new(&cal, &err))) {
        cli_print_error("inspect", NULL, rc, &err, 0);
        goto out;
    }
    if (calfile) {
        if (cli_read_file(calfile, (size_t)1 << 22, &data, &len))
            goto out;
        if ((rc = zl_calendar_load(cal, data, len, &err))) {
            cli_print_error("inspect", calfile, rc, &err, 0);
            goto out;
        }
        free(data);
        data = NULL;
    }
    if (file) {
        json_error_t je;
        json_t *fj;
        const char *k;
        json_t *v;

        if (cli_read_file(file, (size_t)1 << 22, &data, &len))
            goto out;
        if (!(fj = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)) ||
            !json_is_object(fj)) {
            fprintf(stderr, "zhiliang inspect %s: %s: a JSON object: %s\n",
                    verb, file, fj ? "" : je.text);
            json_decref(fj);
            goto out;
        }
        json_object_foreach(in, k, v) json_object_set(fj, k, v);
        json_decref(in);
        in = fj;
    }
    if (!(s = cli_open_store(store)))
        goto out;
    if (is_step(verb)) {
        char *txt = json_dumps(in, JSON_COMPACT);

        rc = zl_spot_record(s, as, task, verb, txt ? txt : "",
                            strlen(txt ? txt : ""), NULL, cal, &out, &err);
        free(txt);
        if (rc) {
            cli_print_error(verb, NULL, rc, &err, json);
            goto out;
        }
        if (json) {
            fwrite(out.data, 1, out.len, stdout);
            putchar('\n');
        } else {
            json_error_t je;

            o = json_loadb((const char *)out.data, out.len, 0, &je);
            printf("%s %s recorded%s%s\n", verb, task,
                   *jstr(o, "verdict") ? ": " : "", jstr(o, "verdict"));
        }
        ret = EXIT_OK;
    } else if (!strcmp(verb, "recall")) {
        char id[37];

        if (!reason || hazard < 1 || hazard > 3) {
            fprintf(stderr, "zhiliang inspect recall: --reason TEXT and "
                            "--hazard 1, 2 or 3\n");
            ret = EXIT_USAGE;
            goto out;
        }
        if ((rc = zl_spot_recall(s, as, task,
                                 jstr(in, "date")[0] ? jstr(in, "date") : NULL,
                                 reason, hazard, id, &err))) {
            cli_print_error("inspect recall", NULL, rc, &err, json);
            goto out;
        }
        if (json)
            printf("{\"case\":\"%s\",\"task\":\"%s\"}\n", id, task);
        else
            printf("recall case %s opened for the lot sampled in %s\n", id,
                   task);
        ret = EXIT_OK;
    } else {
        if (!strcmp(verb, "task"))
            rc = zl_spot_task(s, task, NULL, cal, at, &out, &err);
        else if (!strcmp(verb, "tasks"))
            rc = zl_spot_tasks(s, NULL, cal, at, overdue, &out, &err);
        else if (csv)
            rc = zl_spot_results_csv(s, &f, &out, &err);
        else
            rc = zl_spot_results(s, &f, NULL, cal, &out, &err);
        if (rc) {
            cli_print_error(verb, NULL, rc, &err, 0);
            goto out;
        }
        if (json || csv) {
            fwrite(out.data, 1, out.len, stdout);
            if (!csv)
                putchar('\n');
        } else {
            json_error_t je;
            size_t i;
            json_t *t;

            o = json_loadb((const char *)out.data, out.len, 0, &je);
            if (!strcmp(verb, "task"))
                print_task(o);
            else if (!strcmp(verb, "results"))
                print_results(o);
            else
                json_array_foreach(o, i, t)
                {
                    json_t *first =
                        json_array_get(json_object_get(t, "open"), 0);

                    printf("%-14s %s %-10s %-5s %-6s next %s %s%s\n",
                           jstr(t, "task"), jstr(t, "uscc"),
                           jstr(t, "category"),
                           json_is_null(json_object_get(t, "verdict"))
                               ? "-"
                               : jstr(t, "verdict"),
                           jstr(t, "status"), first ? jstr(first, "step") : "-",
                           first ? jstr(first, "deadline") : "",
                           json_is_true(json_object_get(t, "overdue"))
                               ? "  OVERDUE"
                               : "");
                }
        }
        ret = EXIT_OK;
    }
    goto out;
bad:
    usage(stderr);
    ret = EXIT_USAGE;
out:
    json_decref(in);
    json_decref(o);
    zl_buf_cleanup(&out);
    zl_calendar_free(cal);
    free(data);
    zl_close(s);
    return ret;
}
