/*
 * cmd_sampling.c - `zhiliang sampling`: the GB/T 2828.1 single sampling
 * plan for a lot, its operating characteristic as a table, and the OC
 * curve as SVG.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/sampling.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang sampling --lot-size N --aql AQL [--level LEVEL]\n"
        "                         [--tightened | --reduced] [--poisson]\n"
        "                         [--svg FILE] [--json]\n\n"
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
        "curve.\n\n"
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

static void print_json(const struct zl_sampling_plan *p, uint64_t lot,
                       enum zl_insp_level lv, int poisson)
{
    json_t *oc = json_array();
    json_t *o;

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
    json_dumpf(o, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(o);
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
    int json = 0, poisson = 0, c;
    char *end;

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
        print_json(&p, lot, lv, poisson);
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
    if (svg)
        printf("\nOC curve: %s\n", svg);
    return EXIT_OK;
}
