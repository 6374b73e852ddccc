/*
 * cmd_sampling.c - `zhiliang sampling`: the GB/T 2828.1 single sampling
 * plan for a lot, its operating characteristic as a table, and the OC
 * curve as SVG.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/sampling.h"
#include "zhiliang/switching.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang sampling --lot-size N --aql AQL [--level LEVEL]\n"
        "       zhiliang sampling switch HISTORY.csv --aql AQL ... (see "
        "switch --help)\n"
        "                         [--tightened | --reduced] [--poisson]\n"
        "                         [--svg FILE] [--oc-table[=POINTS]] "
        "[--json]\n\n"
        "The GB/T 2828.1-2012 (ISO 2859-1) single sampling plan for a lot of "
        "N\n"
        "items: the sample size code letter (Table 1), and from Table 2-A\n"
        "(normal), 2-B (--tightened) or 2-C (--reduced) the sample size n, "
        "the\n"
        "acceptance number Ac and the rejection number Re, following the\n"
        "table's arrows. LEVEL: I, II (default), III, S-1 to S-4. AQL: a\n"
        "column of the tables, 0.010 to 1000.\n\n"
        "Also prints the operating characteristic: the quality accepted with\n"
        "probability 95 %%, 50 %% and 10 %% (percent nonconforming, binomial;\n"
        "--poisson: nonconformities per 100 items). --svg writes the OC "
        "curve;\n"
        "--oc-table prints it as POINTS (default 21) rows of quality and "
        "Pa, from\n"
        "0 to the quality accepted with probability 1 %%.\n\n"
        "Exit codes: 0 ok, 1 no plan or the SVG cannot be written, 2 usage "
        "error.\n");
}

static const double PA_POINTS[] = {0.99, 0.95, 0.90, 0.75, 0.50,
                                   0.25, 0.10, 0.05, 0.01};
#define N_PA (sizeof PA_POINTS / sizeof PA_POINTS[0])

static int write_svg(const struct zl_sampling_plan *p, int poisson,
                     const char *path)
{
    char *svg = NULL;
    size_t len = 0;
    FILE *f;
    int ok;

    if (zl_sampling_oc_svg(p, poisson, &svg, &len))
        return -1;
    f = fopen(path, "wb");
    ok = f && fwrite(svg, 1, len, f) == len;
    if (f && fclose(f))
        ok = 0;
    zl_free(svg);
    if (!ok)
        fprintf(stderr, "zhiliang sampling: cannot write %s\n", path);
    return ok ? 0 : -1;
}

/* The OC curve as a table: Pa at `points` qualities evenly spaced from 0
 * to the quality accepted with probability 1 % (the SVG's range). */
static double oc_step(const struct zl_sampling_plan *p, int poisson, int points)
{
    return zl_sampling_quality_at(p, 0.01, poisson) / (points - 1);
}

static void print_json(const struct zl_sampling_plan *p, uint64_t lot,
                       enum zl_insp_level lv, int poisson, int points)
{
    json_t *oc = json_array(), *table = json_array();
    json_t *o;
    double step = points ? oc_step(p, poisson, points) : 0;

    for (int i = 0; i < points; i++)
        json_array_append_new(table,
                              json_pack("{s:f, s:f}", "quality", i * step, "pa",
                                        zl_sampling_pa(p, i * step, poisson)));

    for (size_t i = 0; i < N_PA; i++)
        json_array_append_new(
            oc, json_pack("{s:f, s:f}", "pa", PA_POINTS[i], "quality",
                          zl_sampling_quality_at(p, PA_POINTS[i], poisson)));
    o = json_pack(
        "{s:I, s:s, s:s, s:s, s:s#, s:s#, s:i, s:i, s:i, s:b, s:s, s:o}",
        "lotSize", (json_int_t)lot, "level", zl_sampling_level_name(lv),
        "severity", zl_sampling_severity_name(p->severity), "aql", p->aql_text,
        "codeLetter", &p->code_letter, (size_t)1, "planLetter", &p->plan_letter,
        (size_t)1, "n", (int)p->n, "ac", (int)p->ac, "re", (int)p->re,
        "hundredPercent", p->hundred_percent, "quality",
        poisson ? "nonconformities per 100 items" : "percent nonconforming",
        "oc", oc);
    if (points)
        json_object_set_new(o, "ocTable", table);
    else
        json_decref(table);
    json_dumpf(o, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(o);
}

/* ---- sampling switch ---------------------------------------------------- */

#define HISTORY_MAX (16u << 20)

static void switch_usage(FILE *f)
{
    fprintf(f,
            "usage: zhiliang sampling switch HISTORY.csv --aql AQL [--level "
            "LEVEL]\n"
            "                                [--reduced-ok] [--lot-size N] "
            "[--json]\n\n"
            "Applies the GB/T 2828.1 (ISO 2859-1 clause 9) switching rules "
            "to one\n"
            "enterprise's and product's lots in order, and prints each lot's "
            "plan,\n"
            "verdict, switching score and state, then the plan for the next "
            "lot.\n"
            "HISTORY.csv: lot,lot_size,nonconforming[,event] with a header "
            "row;\n"
            "event: empty, irregular (production irregular or delayed), "
            "other\n"
            "(other conditions warrant normal) or resume (after "
            "discontinuation,\n"
            "the supplier's corrective action accepted: this lot on "
            "tightened).\n"
            "--reduced-ok: the responsible authority approves reduced "
            "inspection.\n"
            "--lot-size: the next lot's size (default: the last lot's).\n\n"
            "Exit codes: 0 ok, 1 bad history or no plan, 2 usage error.\n");
}

static int split_csv(char *line, char **f, int max)
{
    int n = 0;

    while (n < max) {
        char *c = strchr(line, ',');

        f[n++] = line;
        if (!c)
            break;
        *c = '\0';
        line = c + 1;
    }
    return n;
}

static int parse_u64(const char *s, unsigned long long *v)
{
    char *end;

    if (!*s || *s == '-')
        return -1;
    *v = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

static json_t *plan_json(const struct zl_sampling_plan *p)
{
    return json_pack("{s:s, s:s#, s:i, s:i, s:i}", "severity",
                     zl_sampling_severity_name(p->severity), "planLetter",
                     &p->plan_letter, (size_t)1, "n", (int)p->n, "ac",
                     (int)p->ac, "re", (int)p->re);
}

static int sampling_switch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"aql", required_argument, 0, 'a'},
        {"level", required_argument, 0, 'l'},
        {"lot-size", required_argument, 0, 'N'},
        {"reduced-ok", no_argument, 0, 'r'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    enum zl_insp_level lv = ZL_LEVEL_II;
    struct zl_switch sw;
    struct zl_error err = {0};
    unsigned long long next_lot = 0, last_lot = 0;
    double aql = -1;
    const char *aql_s = NULL;
    int json = 0, reduced_ok = 0, c, rc = EXIT_FAIL, lineno = 0;
    char *data = NULL, *line, *save = NULL, *end;
    size_t len;
    json_t *lots = NULL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            aql = strtod(optarg, &end);
            aql_s = optarg;
            if (*end || !*optarg || aql <= 0) {
                fprintf(stderr, "zhiliang sampling: --aql: not a positive "
                                "number\n");
                return EXIT_USAGE;
            }
            break;
        case 'l':
            if (zl_sampling_level_parse(optarg, &lv)) {
                fprintf(stderr,
                        "zhiliang sampling: --level: %s is not I, "
                        "II, III or S-1 to S-4\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'N':
            if (parse_u64(optarg, &next_lot) || next_lot < 2) {
                fprintf(stderr, "zhiliang sampling: --lot-size: not a lot "
                                "size\n");
                return EXIT_USAGE;
            }
            break;
        case 'r': reduced_ok = 1; break;
        case 'j': json = 1; break;
        case 'h': switch_usage(stdout); return EXIT_OK;
        default: switch_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || aql < 0) {
        switch_usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_read_file(argv[optind], HISTORY_MAX, &data, &len))
        return EXIT_FAIL;
    zl_switch_init(&sw, reduced_ok);
    if (json)
        lots = json_array();
    else
        printf("GB/T 2828.1 switching, level %s, AQL %s%s\n"
               "lot               size  plan        n  Ac Re    d  verdict   "
               "score  next\n",
               zl_sampling_level_name(lv), aql_s,
               reduced_ok ? ", reduced inspection approved" : "");
    for (line = strtok_r(data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[5];
        int nf;
        unsigned long long lot_size, d;
        struct zl_switch_lot lot = {0};
        struct zl_switch_step st;
        struct zl_sampling_plan p;
        enum zl_severity sev;
        size_t ll = strlen(line);

        lineno++;
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        if (!ll || line[0] == '#' || (lineno == 1 && !strncmp(line, "lot", 3)))
            continue;
        nf = split_csv(line, f, 5);
        if (nf < 3 || nf > 4 || parse_u64(f[1], &lot_size) || lot_size < 2 ||
            parse_u64(f[2], &d) || d > UINT32_MAX) {
            fprintf(stderr,
                    "zhiliang sampling: %s: line %d: expected "
                    "lot,lot_size,nonconforming[,event]\n",
                    argv[optind], lineno);
            goto out;
        }
        if (nf == 4 && *f[3]) {
            if (!strcmp(f[3], "irregular"))
                lot.irregular = 1;
            else if (!strcmp(f[3], "other"))
                lot.other = 1;
            else if (!strcmp(f[3], "resume")) {
                if (zl_switch_resume(&sw)) {
                    fprintf(stderr,
                            "zhiliang sampling: %s: line %d: resume, but "
                            "inspection is not discontinued\n",
                            argv[optind], lineno);
                    goto out;
                }
            } else {
                fprintf(stderr,
                        "zhiliang sampling: %s: line %d: unknown event %s\n",
                        argv[optind], lineno, f[3]);
                goto out;
            }
        }
        if (zl_switch_severity(&sw, &sev)) {
            fprintf(stderr,
                    "zhiliang sampling: %s: line %d: lot %s submitted while "
                    "inspection is discontinued (GB/T 2828.1 9.4); mark the "
                    "lot \"resume\" once the supplier's corrective action is "
                    "accepted\n",
                    argv[optind], lineno, f[0]);
            goto out;
        }
        if (zl_sampling_plan(lot_size, lv, aql, sev, &p, &err)) {
            cli_print_error("sampling", argv[optind], err.code, &err, json);
            goto out;
        }
        lot.nonconforming = (uint32_t)d;
        if (zl_switch_record(&sw, &p, &lot, &st, &err)) {
            cli_print_error("sampling", argv[optind], err.code, &err, json);
            goto out;
        }
        last_lot = lot_size;
        if (json) {
            json_t *o = json_pack(
                "{s:s, s:I, s:I, s:o, s:b, s:i, s:s, s:s, s:s}", "lot", f[0],
                "lotSize", (json_int_t)lot_size, "nonconforming", (json_int_t)d,
                "plan", plan_json(&p), "accepted", st.accepted, "score",
                st.score, "state", zl_switch_state_name(st.after), "switch",
                st.reason ? zl_switch_state_name(st.after) : "", "reason",
                zl_switch_reason_text(st.reason));

            json_array_append_new(lots, o);
        } else
            printf("%-16s %5llu  %-9s %4u %3u %2u %4llu  %-8s  %5d  %s%s%s\n",
                   f[0], lot_size, zl_sampling_severity_name(p.severity), p.n,
                   p.ac, p.re, d, st.accepted ? "accepted" : "NOT acc.",
                   st.score, zl_switch_state_name(st.after),
                   st.reason ? ": " : "", zl_switch_reason_text(st.reason));
    }
    if (!next_lot)
        next_lot = last_lot;
    {
        enum zl_severity sev;
        struct zl_sampling_plan p;
        int have = 0;

        if (!zl_switch_severity(&sw, &sev) && next_lot) {
            if (zl_sampling_plan(next_lot, lv, aql, sev, &p, &err)) {
                cli_print_error("sampling", NULL, err.code, &err, json);
                goto out;
            }
            have = 1;
        }
        if (json) {
            rc = cli_print_json(
                json_pack("{s:s, s:s, s:b, s:o, s:s, s:i, s:o}", "level",
                          zl_sampling_level_name(lv), "aql",
                          have ? p.aql_text : "", "reducedApproved", reduced_ok,
                          "lots", lots, "state", zl_switch_state_name(sw.state),
                          "score", sw.state == ZL_SWITCH_NORMAL ? sw.score : 0,
                          "next", have ? plan_json(&p) : json_null()),
                0);
            lots = NULL;
            goto out;
        }
        if (have)
            printf("\nnext lot (%llu): %s inspection, letter %c, n = %u, Ac = "
                   "%u, Re = %u\n",
                   next_lot, zl_sampling_severity_name(sev), p.plan_letter, p.n,
                   p.ac, p.re);
        else if (sw.state == ZL_SWITCH_DISCONTINUED)
            printf("\ninspection discontinued (GB/T 2828.1 9.4): no lot is "
                   "accepted under the standard until the supplier's "
                   "corrective action is accepted; then tightened.\n");
        rc = EXIT_OK;
    }
out:
    json_decref(lots);
    free(data);
    return rc;
}

int cmd_sampling(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lot-size", required_argument, 0, 'N'},
        {"aql", required_argument, 0, 'a'},
        {"level", required_argument, 0, 'l'},
        {"tightened", no_argument, 0, 't'},
        {"reduced", no_argument, 0, 'r'},
        {"poisson", no_argument, 0, 'p'},
        {"svg", required_argument, 0, 'g'},
        {"oc-table", optional_argument, 0, 'T'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    enum zl_insp_level lv = ZL_LEVEL_II;
    enum zl_severity sev = ZL_INSP_NORMAL;
    struct zl_sampling_plan p;
    struct zl_error err = {0};
    const char *svg = NULL;
    unsigned long long lot = 0;
    double aql = -1;
    int json = 0, poisson = 0, c, points = 0;
    char *end;

    if (argc > 1 && !strcmp(argv[1], "switch"))
        return sampling_switch(argc - 1, argv + 1);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'N':
            lot = strtoull(optarg, &end, 10);
            if (*end || !*optarg || optarg[0] == '-') {
                fprintf(stderr,
                        "zhiliang sampling: --lot-size: not a count: "
                        "%s\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'a':
            aql = strtod(optarg, &end);
            if (*end || !*optarg || aql <= 0) {
                fprintf(stderr,
                        "zhiliang sampling: --aql: not a positive "
                        "number: %s\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'l':
            if (zl_sampling_level_parse(optarg, &lv)) {
                fprintf(stderr,
                        "zhiliang sampling: --level: %s is not I, II, "
                        "III or S-1 to S-4\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 't': sev = ZL_INSP_TIGHTENED; break;
        case 'r': sev = ZL_INSP_REDUCED; break;
        case 'p': poisson = 1; break;
        case 'g': svg = optarg; break;
        case 'T':
            points = 21;
            if (optarg) {
                points = (int)strtol(optarg, &end, 10);
                if (*end || points < 2 || points > 1001) {
                    fprintf(stderr, "zhiliang sampling: --oc-table: 2 to "
                                    "1001 points\n");
                    return EXIT_USAGE;
                }
            }
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc || !lot || aql < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (zl_sampling_plan(lot, lv, aql, sev, &p, &err)) {
        cli_print_error("sampling", NULL, err.code, &err, json);
        return EXIT_FAIL;
    }
    if (svg && write_svg(&p, poisson, svg))
        return EXIT_FAIL;
    if (json) {
        print_json(&p, lot, lv, poisson, points);
        return EXIT_OK;
    }
    printf("GB/T 2828.1-2012 %s inspection, level %s, AQL %s, lot of %llu\n"
           "code letter %c",
           zl_sampling_severity_name(sev), zl_sampling_level_name(lv),
           p.aql_text, lot, p.code_letter);
    if (p.plan_letter != p.code_letter)
        printf(" -> plan of letter %c (following the table's arrow)",
               p.plan_letter);
    printf("\nsample n = %u, accept if nonconforming <= Ac = %u, "
           "reject if >= Re = %u\n",
           p.n, p.ac, p.re);
    if (p.hundred_percent)
        printf("the plan's sample is not smaller than the lot: inspect every "
               "item\n");
    printf("\noperating characteristic (%s):\n     Pa   quality\n",
           poisson ? "nonconformities per 100 items" : "percent nonconforming");
    for (size_t i = 0; i < N_PA; i++)
        printf("  %4.0f %%  %8.3f\n", PA_POINTS[i] * 100,
               zl_sampling_quality_at(&p, PA_POINTS[i], poisson));
    if (points) {
        double step = oc_step(&p, poisson, points);

        printf("\nOC curve table (%s, Pa):\n",
               poisson ? "nonconformities per 100 items"
                       : "percent nonconforming");
        for (int i = 0; i < points; i++)
            printf("  %10.6f  %.9f\n", i * step,
                   zl_sampling_pa(&p, i * step, poisson));
    }
    if (svg)
        printf("\nOC curve: %s\n", svg);
    return EXIT_OK;
}
