/*
 * cmd_spc.c - `zhiliang spc`: control charts, capability, gauge R&R and
 * Pareto analysis from CSV files (zhiliang/spc.h does the computing; this
 * file reads the CSV into arrays, prints and writes the outputs).
 *
 * The CSV shapes a quality engineer exports: long (one measurement a row,
 * subgroups by a column or by consecutive blocks of --size) or wide (one
 * subgroup a row, --wide); attribute charts take a count column and a
 * sample-size column or --size. Every number is read through
 * zl_spc_table_number so a bad cell is reported with its line, column and
 * text. Phase I limits can be saved as JSON (--save-limits) and read back
 * for Phase II (--limits).
 */
#include "cli_util.h"
#include "cmd_spc_stream.h"
#include "commands.h"

#include "zhiliang/spc.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX  ((size_t)2 << 30) /* 2 GiB of CSV */
#define ROWS_MAX ((size_t)200000000)
#define SVG_MAX  ((size_t)256 << 20)
/* a chart's JSON: ~47 bytes a point, 10M points in 470 MB */
#define JSON_MAX ((size_t)4 << 30)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang spc chart TYPE DATA.csv [options]\n"
        "       zhiliang spc capability DATA.csv --lsl X --usl Y [options]\n"
        "       zhiliang spc gauge DATA.csv --part COL --operator COL "
        "--value COL [options]\n"
        "       zhiliang spc pareto DATA.csv --category COL [--count COL] "
        "[options]\n"
        "       zhiliang spc arl ewma LAMBDA L [SHIFT...] | cusum K H "
        "[SHIFT...]\n"
        "       zhiliang spc constants [N]\n\n"
        "Statistical process control (docs/spc.md has every formula).\n\n"
        "chart TYPE: xbar-r, xbar-s, imr, p, np, c, u, ewma, cusum.\n"
        "  --value COL       the measurement or count column (default: a "
        "column\n"
        "                    named value, else the last one not used "
        "otherwise)\n"
        "  --subgroup COL    consecutive rows with equal COL form a subgroup;"
        "\n"
        "                    with --wide, the row label column (left out)\n"
        "  --size N          subgroups of N consecutive rows; for p, np, u: "
        "the\n"
        "                    sample size of every row\n"
        "  --wide            one subgroup a row: every other column is a\n"
        "                    measurement (empty cells allowed)\n"
        "  --n-col COL       p, np, u: the sample size column\n"
        "  --phase1 A:B      estimate from groups A..B (1-based), test all\n"
        "  --drop-ooc[=N]    drop groups beyond the limits from the "
        "estimate\n"
        "                    and estimate again, N passes (default 1)\n"
        "  --limits FILE     Phase II: centre and sigma from a --save-limits "
        "file\n"
        "  --center X, --sigma S   Phase II: fixed centre (p-bar, c-bar, "
        "u-bar\n"
        "                    for attribute charts) and process sigma\n"
        "  --save-limits FILE      write the estimated centre and sigma\n"
        "  --estimator NAME  UWAVE-R, UWAVE-SD, MVLUE-R, MVLUE-SD, RMSDF "
        "(sigma\n"
        "                    of X-bar charts; individuals use the moving "
        "range)\n"
        "  --rules SET       we (default), nelson, none, or a list such as\n"
        "                    nelson1,nelson5,we4 (n1..n8 also)\n"
        "  --nsigma K        Shewhart limit width (default 3)\n"
        "  --lambda L, --L W EWMA weight (0.2) and limit width (3)\n"
        "  --k K, --h H      CUSUM reference value (0.5) and decision "
        "interval (4),\n"
        "                    in sigma units\n\n"
        "capability: --value COL (default as above), --lsl, --usl, "
        "--target,\n"
        "  --sigma S (within sigma, default: moving range, or subgroups "
        "with\n"
        "  --subgroup/--size), --method normal|boxcox|percentile|auto,\n"
        "  --conf 0.95. Cp, Cpk, Cpm, Pp, Ppk with confidence intervals,\n"
        "  ppm expected and observed, Anderson-Darling normality.\n\n"
        "gauge: crossed gauge R&R by ANOVA (AIAG MSA 4th ed.): --part COL\n"
        "  --operator COL --value COL [--tolerance T] [--alpha 0.25]. %%GRR,\n"
        "  %%tolerance, ndc.\n\n"
        "pareto: --category COL, --count COL (default: count rows).\n\n"
        "Every command: --svg FILE (chart as SVG), --lang en|zh (SVG and\n"
        "explanations), --title TEXT, --json.\n\n"
        "Exit codes: 0 ok (a chart out of control is still 0: see the\n"
        "violations), 1 bad data or a file that cannot be read or written,\n"
        "2 usage error.\n\nLive streams (limits fixed, each measurement "
        "checked as it arrives):\n");
    cmd_spc_stream_usage(f);
}

enum {
    O_VALUE = 256,
    O_SUBGROUP,
    O_SIZE,
    O_WIDE,
    O_NCOL,
    O_PHASE1,
    O_DROP,
    O_LIMITS,
    O_CENTER,
    O_SIGMA,
    O_SAVE,
    O_EST,
    O_RULES,
    O_NSIGMA,
    O_LAMBDA,
    O_LW,
    O_K,
    O_H,
    O_SVG,
    O_LANG,
    O_TITLE,
    O_JSON,
    O_LSL,
    O_USL,
    O_TARGET,
    O_METHOD,
    O_CONF,
    O_PART,
    O_OPER,
    O_TOL,
    O_ALPHA,
    O_CAT,
    O_COUNT,
    O_HELP
};

static const struct option OPTS[] = {
    {"value", required_argument, 0, O_VALUE},
    {"subgroup", required_argument, 0, O_SUBGROUP},
    {"size", required_argument, 0, O_SIZE},
    {"wide", no_argument, 0, O_WIDE},
    {"n-col", required_argument, 0, O_NCOL},
    {"phase1", required_argument, 0, O_PHASE1},
    {"drop-ooc", optional_argument, 0, O_DROP},
    {"limits", required_argument, 0, O_LIMITS},
    {"center", required_argument, 0, O_CENTER},
    {"sigma", required_argument, 0, O_SIGMA},
    {"save-limits", required_argument, 0, O_SAVE},
    {"estimator", required_argument, 0, O_EST},
    {"rules", required_argument, 0, O_RULES},
    {"nsigma", required_argument, 0, O_NSIGMA},
    {"lambda", required_argument, 0, O_LAMBDA},
    {"L", required_argument, 0, O_LW},
    {"k", required_argument, 0, O_K},
    {"h", required_argument, 0, O_H},
    {"svg", required_argument, 0, O_SVG},
    {"lang", required_argument, 0, O_LANG},
    {"title", required_argument, 0, O_TITLE},
    {"json", no_argument, 0, O_JSON},
    {"lsl", required_argument, 0, O_LSL},
    {"usl", required_argument, 0, O_USL},
    {"target", required_argument, 0, O_TARGET},
    {"method", required_argument, 0, O_METHOD},
    {"conf", required_argument, 0, O_CONF},
    {"part", required_argument, 0, O_PART},
    {"operator", required_argument, 0, O_OPER},
    {"tolerance", required_argument, 0, O_TOL},
    {"alpha", required_argument, 0, O_ALPHA},
    {"category", required_argument, 0, O_CAT},
    {"count", required_argument, 0, O_COUNT},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0}};

struct args {
    const char *value, *subgroup, *ncol, *limits, *save, *svg, *title;
    const char *part, *oper, *cat, *count;
    size_t size;
    int wide, json, drop, have_center, have_sigma;
    size_t p1_from, p1_to;
    double center, sigma, nsigma, lambda, L, k, h;
    double lsl, usl, target, conf, tol, alpha;
    enum zl_spc_sigma est;
    enum zl_spc_nonnormal method;
    unsigned rules;
    enum zl_spc_lang lang;
};

static int num_arg(const char *opt, const char *s, double *out)
{
    char *end;
    double x = strtod(s, &end);

    if (!*s || *end || !isfinite(x)) {
        fprintf(stderr, "zhiliang spc: --%s: not a number: %s\n", opt, s);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    int c;
    double d;
    char *end;

    memset(a, 0, sizeof *a);
    a->rules = ZL_SPC_RULES_WE;
    a->lsl = a->usl = a->target = NAN;
    a->alpha = 0.25;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", OPTS, NULL)) != -1) {
        const char *name = "";

        for (const struct option *o = OPTS; o->name; o++)
            if (o->val == c)
                name = o->name;
        switch (c) {
        case O_VALUE: a->value = optarg; break;
        case O_SUBGROUP: a->subgroup = optarg; break;
        case O_NCOL: a->ncol = optarg; break;
        case O_WIDE: a->wide = 1; break;
        case O_SIZE:
            a->size = strtoul(optarg, &end, 10);
            if (*end || !*optarg || optarg[0] == '-' || !a->size) {
                fprintf(stderr, "zhiliang spc: --size: not a count: %s\n",
                        optarg);
                return -1;
            }
            break;
        case O_PHASE1: {
            unsigned long x, y;

            x = strtoul(optarg, &end, 10);
            if (*end != ':' || !x)
                goto bad_phase;
            y = strtoul(end + 1, &end, 10);
            if (*end || y < x)
                goto bad_phase;
            a->p1_from = x - 1;
            a->p1_to = y;
            break;
        bad_phase:
            fprintf(stderr,
                    "zhiliang spc: --phase1: want A:B with 1 <= A <= "
                    "B: %s\n",
                    optarg);
            return -1;
        }
        case O_DROP:
            a->drop = 1;
            if (optarg) {
                a->drop = (int)strtol(optarg, &end, 10);
                if (*end || a->drop < 1 || a->drop > 100) {
                    fprintf(stderr, "zhiliang spc: --drop-ooc: 1..100: %s\n",
                            optarg);
                    return -1;
                }
            }
            break;
        case O_LIMITS: a->limits = optarg; break;
        case O_SAVE: a->save = optarg; break;
        case O_SVG: a->svg = optarg; break;
        case O_TITLE: a->title = optarg; break;
        case O_JSON: a->json = 1; break;
        case O_PART: a->part = optarg; break;
        case O_OPER: a->oper = optarg; break;
        case O_CAT: a->cat = optarg; break;
        case O_COUNT: a->count = optarg; break;
        case O_EST:
            if (zl_spc_sigma_parse(optarg, &a->est)) {
                fprintf(stderr,
                        "zhiliang spc: --estimator: UWAVE-R, "
                        "UWAVE-SD, MVLUE-R, MVLUE-SD or RMSDF: %s\n",
                        optarg);
                return -1;
            }
            break;
        case O_RULES:
            if (zl_spc_rules_parse(optarg, &a->rules)) {
                fprintf(stderr,
                        "zhiliang spc: --rules: unknown rule set: "
                        "%s\n",
                        optarg);
                return -1;
            }
            break;
        case O_LANG:
            if (!strcmp(optarg, "zh"))
                a->lang = ZL_SPC_ZH;
            else if (!strcmp(optarg, "en"))
                a->lang = ZL_SPC_EN;
            else {
                fprintf(stderr, "zhiliang spc: --lang: en or zh: %s\n", optarg);
                return -1;
            }
            break;
        case O_METHOD:
            if (!strcmp(optarg, "normal"))
                a->method = ZL_SPC_NN_NONE;
            else if (!strcmp(optarg, "boxcox"))
                a->method = ZL_SPC_NN_BOXCOX;
            else if (!strcmp(optarg, "percentile"))
                a->method = ZL_SPC_NN_PERCENTILE;
            else if (!strcmp(optarg, "auto"))
                a->method = ZL_SPC_NN_AUTO;
            else {
                fprintf(stderr,
                        "zhiliang spc: --method: normal, boxcox, "
                        "percentile or auto: %s\n",
                        optarg);
                return -1;
            }
            break;
        case O_HELP:
        case 'h': usage(stdout); return 1;
        case O_CENTER:
        case O_SIGMA:
        case O_NSIGMA:
        case O_LAMBDA:
        case O_LW:
        case O_K:
        case O_H:
        case O_LSL:
        case O_USL:
        case O_TARGET:
        case O_CONF:
        case O_TOL:
        case O_ALPHA:
            if (num_arg(name, optarg, &d))
                return -1;
            switch (c) {
            case O_CENTER: a->center = d, a->have_center = 1; break;
            case O_SIGMA: a->sigma = d, a->have_sigma = 1; break;
            case O_NSIGMA: a->nsigma = d; break;
            case O_LAMBDA: a->lambda = d; break;
            case O_LW: a->L = d; break;
            case O_K: a->k = d; break;
            case O_H: a->h = d; break;
            case O_LSL: a->lsl = d; break;
            case O_USL: a->usl = d; break;
            case O_TARGET: a->target = d; break;
            case O_CONF: a->conf = d; break;
            case O_TOL: a->tol = d; break;
            default: a->alpha = d; break;
            }
            break;
        default: usage(stderr); return -1;
        }
    }
    return 0;
}

static int load_table(const char *path, struct zl_spc_table *t)
{
    char *data = NULL;
    size_t len = 0;
    struct zl_error err = {0};
    int rc;

    if (cli_read_file(path, CSV_MAX, &data, &len))
        return -1;
    rc = zl_spc_csv_parse(data, len, ROWS_MAX, t, &err);
    free(data);
    if (rc) {
        cli_print_error("spc", path, rc, &err, 0);
        return -1;
    }
    return 0;
}

static int column(const struct zl_spc_table *t, const char *path,
                  const char *name)
{
    int c = zl_spc_table_column(t, name);

    if (c < 0)
        fprintf(stderr, "zhiliang spc: %s: no column named %s\n", path, name);
    return c;
}

/* The value column: --value, else "value", else the last column that is
 * not otherwise used. */
static int value_column(const struct zl_spc_table *t, const char *path,
                        const struct args *a)
{
    if (a->value)
        return column(t, path, a->value);
    if (zl_spc_table_column(t, "value") >= 0)
        return zl_spc_table_column(t, "value");
    for (size_t i = t->n_cols; i-- > 0;) {
        const char *n = t->names[i];

        if ((a->subgroup && !strcmp(n, a->subgroup)) ||
            (a->ncol && !strcmp(n, a->ncol)))
            continue;
        return (int)i;
    }
    fprintf(stderr, "zhiliang spc: %s: no value column (use --value)\n", path);
    return -1;
}

struct series_in {
    double *v;
    uint32_t *sizes;
    size_t nv, ng;
};

static void series_in_free(struct series_in *s)
{
    free(s->v);
    free(s->sizes);
}

static int bad_cell(const char *path, const struct zl_error *err)
{
    fprintf(stderr, "zhiliang spc: %s: %s\n", path, err->rule);
    return -1;
}

/* Measurements and subgroup sizes (variables charts). */
static int read_variables(const struct zl_spc_table *t, const char *path,
                          const struct args *a, int individuals,
                          struct series_in *s)
{
    struct zl_error err = {0};
    int sg = -1, vc;

    s->v = malloc((t->n_rows * (a->wide ? t->n_cols : 1) + 1) * sizeof *s->v);
    s->sizes = malloc((t->n_rows * (a->wide ? 1 : 1) + 1) * sizeof *s->sizes);
    if (!s->v || !s->sizes) {
        fprintf(stderr, "zhiliang spc: out of memory\n");
        return -1;
    }
    if (a->subgroup && (sg = column(t, path, a->subgroup)) < 0)
        return -1;
    if (a->wide) {
        for (size_t r = 0; r < t->n_rows; r++) {
            uint32_t n = 0;

            for (size_t c = 0; c < t->n_cols; c++) {
                double x;

                if ((int)c == sg)
                    continue;
                if (zl_spc_table_number(t, r, c, 1, &x, &err))
                    return bad_cell(path, &err);
                if (!isnan(x)) {
                    s->v[s->nv++] = x;
                    n++;
                }
            }
            if (!n) {
                fprintf(stderr,
                        "zhiliang spc: %s: line %zu: no "
                        "measurement in the row\n",
                        path, t->line[r]);
                return -1;
            }
            s->sizes[s->ng++] = n;
        }
        return 0;
    }
    if ((vc = value_column(t, path, a)) < 0)
        return -1;
    for (size_t r = 0; r < t->n_rows; r++) {
        if (zl_spc_table_number(t, r, (size_t)vc, 0, &s->v[s->nv], &err))
            return bad_cell(path, &err);
        s->nv++;
        if (individuals && !a->size && sg < 0)
            s->sizes[s->ng++] = 1;
        else if (sg >= 0) {
            if (r && !strcmp(t->cells[r * t->n_cols + sg],
                             t->cells[(r - 1) * t->n_cols + sg]))
                s->sizes[s->ng - 1]++;
            else
                s->sizes[s->ng++] = 1;
        } else if (a->size) {
            if (r % a->size)
                s->sizes[s->ng - 1]++;
            else
                s->sizes[s->ng++] = 1;
        } else {
            fprintf(stderr, "zhiliang spc: subgroups: give --subgroup COL, "
                            "--size N or --wide\n");
            return -1;
        }
    }
    if (a->size && !individuals && s->nv % a->size)
        fprintf(stderr,
                "zhiliang spc: %s: warning: the last subgroup has "
                "%u of %zu measurements\n",
                path, (unsigned)s->sizes[s->ng - 1], a->size);
    return 0;
}

/* Counts and sample sizes (attribute charts). */
static int read_attributes(const struct zl_spc_table *t, const char *path,
                           const struct args *a, enum zl_spc_chart type,
                           struct series_in *s)
{
    struct zl_error err = {0};
    int vc, nc = -1;

    if (a->ncol && (nc = column(t, path, a->ncol)) < 0)
        return -1;
    if ((vc = value_column(t, path, a)) < 0)
        return -1;
    if (type != ZL_SPC_C && nc < 0 && !a->size) {
        fprintf(stderr,
                "zhiliang spc: %s chart: give the sample size "
                "(--n-col COL or --size N)\n",
                zl_spc_chart_name(type));
        return -1;
    }
    s->v = malloc((t->n_rows + 1) * sizeof *s->v);
    s->sizes = malloc((t->n_rows + 1) * sizeof *s->sizes);
    if (!s->v || !s->sizes) {
        fprintf(stderr, "zhiliang spc: out of memory\n");
        return -1;
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        double n = a->size ? (double)a->size : 1;

        if (zl_spc_table_number(t, r, (size_t)vc, 0, &s->v[r], &err))
            return bad_cell(path, &err);
        if (nc >= 0) {
            if (zl_spc_table_number(t, r, (size_t)nc, 0, &n, &err))
                return bad_cell(path, &err);
            if (n < 1 || n != floor(n) || n > 4e9) {
                fprintf(stderr,
                        "zhiliang spc: %s: line %zu, column %d "
                        "(%s): not a sample size: %s\n",
                        path, t->line[r], nc + 1, t->names[nc],
                        t->cells[r * t->n_cols + nc]);
                return -1;
            }
        }
        s->sizes[r] = (uint32_t)n;
    }
    s->nv = s->ng = t->n_rows;
    return 0;
}

static int write_buf(const char *path, struct zl_buf *b, int rc)
{
    if (rc) {
        fprintf(stderr, "zhiliang spc: SVG: %s\n", zl_strerror(rc));
        return -1;
    }
    return cli_write_file("spc", path, b->data ? b->data : "", b->len);
}

/* Phase II parameters from a --save-limits file. */
static int read_limits(const char *path, enum zl_spc_chart type,
                       struct zl_spc_opts *o)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *c, *s;
    enum zl_spc_chart jt;
    int rc = -1;

    if (!j) {
        fprintf(stderr, "zhiliang spc: %s: line %d: %s\n", path, je.line,
                je.text);
        return -1;
    }
    c = json_object_get(j, "center");
    s = json_object_get(j, "sigma");
    if (!json_is_string(json_object_get(j, "chart")) ||
        zl_spc_chart_parse(json_string_value(json_object_get(j, "chart")),
                           &jt) ||
        !json_is_number(c))
        fprintf(stderr,
                "zhiliang spc: %s: not a limits file (chart, "
                "center, sigma)\n",
                path);
    else if (jt != type)
        fprintf(stderr, "zhiliang spc: %s: limits of a %s chart, not %s\n",
                path, zl_spc_chart_name(jt), zl_spc_chart_name(type));
    else {
        o->fixed_center = 1;
        o->center = json_number_value(c);
        if (json_is_number(s) && json_number_value(s) > 0) {
            o->fixed_sigma = 1;
            o->sigma = json_number_value(s);
        }
        rc = 0;
    }
    json_decref(j);
    return rc;
}

/* r as JSON on stdout (zl_spc_result_json), and a newline. */
static int print_result_json(const struct zl_spc_result *r)
{
    struct zl_buf b;
    int rc, ret = EXIT_FAIL;

    zl_buf_init(&b, JSON_MAX);
    if ((rc = zl_spc_result_json(r, &b)) != 0)
        fprintf(stderr, "zhiliang spc: JSON: %s\n", zl_strerror(rc));
    else if (fwrite(b.data, 1, b.len, stdout) == b.len &&
             fputc('\n', stdout) != EOF)
        ret = EXIT_OK;
    else
        fprintf(stderr, "zhiliang spc: cannot write the JSON output\n");
    zl_buf_cleanup(&b);
    return ret;
}

static void print_result(const struct zl_spc_result *r, enum zl_spc_lang lang)
{
    printf("%s chart: %zu groups, %zu used for the estimate\n",
           zl_spc_chart_name(r->chart), r->n_groups, r->n_used);
    printf("centre %.6g", r->center);
    if (r->sigma > 0)
        printf(", sigma %.6g (%s)", r->sigma,
               zl_spc_sigma_name(r->sigma_method));
    printf("\n");
    for (int k = 0; k < r->n_series; k++) {
        const struct zl_spc_series *s = &r->s[k];

        if (s->varying)
            printf("%-5s limits vary with the subgroup size (see --json)\n",
                   s->name);
        else
            printf("%-5s CL %.6g  LCL %.6g  UCL %.6g\n", s->name, s->cl[0],
                   s->lcl[0], s->ucl[0]);
    }
    if (r->n_used < r->n_groups) {
        size_t shown = 0;

        printf("left out of the estimate:");
        for (size_t i = 0; i < r->n_groups && shown < 40; i++)
            if (r->excluded[i]) {
                printf(" %zu", i + 1);
                shown++;
            }
        printf("%s\n", shown == 40 ? " ..." : "");
    }
    if (!r->n_v) {
        printf("no rule violated: in statistical control\n");
        return;
    }
    printf("%zu violation(s):\n", r->n_v);
    for (size_t i = 0; i < r->n_v && i < 200; i++) {
        const struct zl_spc_violation *v = &r->v[i];

        if (v->first == v->last)
            printf("  %-8s %-4s point %zu: %s\n", zl_spc_rule_name(v->rule),
                   r->s[v->chart].name, v->first + 1,
                   zl_spc_rule_text(v->rule, lang));
        else
            printf("  %-8s %-4s points %zu-%zu: %s\n",
                   zl_spc_rule_name(v->rule), r->s[v->chart].name, v->first + 1,
                   v->last + 1, zl_spc_rule_text(v->rule, lang));
    }
    if (r->n_v > 200)
        printf("  ... %zu more (see --json)\n", r->n_v - 200);
}

static int spc_chart(int argc, char **argv)
{
    struct args a;
    struct zl_spc_table t = {0};
    struct series_in in = {0};
    struct zl_spc_opts o = {0};
    struct zl_spc_result r = {0};
    struct zl_error err = {0};
    enum zl_spc_chart type;
    int rc, ret = EXIT_FAIL, variables;

    rc = parse_args(argc, argv, &a);
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (argc - optind != 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (zl_spc_chart_parse(argv[optind], &type)) {
        fprintf(stderr,
                "zhiliang spc chart: unknown chart type %s (xbar-r, "
                "xbar-s, imr, p, np, c, u, ewma, cusum)\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    variables = type == ZL_SPC_XBAR_R || type == ZL_SPC_XBAR_S ||
                type == ZL_SPC_IMR || type == ZL_SPC_EWMA ||
                type == ZL_SPC_CUSUM;
    o.chart = type;
    o.sigma_method = a.est;
    o.est_from = a.p1_from;
    o.est_to = a.p1_to;
    o.drop_ooc = a.drop;
    o.rules = a.rules;
    o.nsigma = a.nsigma;
    o.lambda = a.lambda;
    o.L = a.L;
    o.k = a.k;
    o.h = a.h;
    if (a.limits && read_limits(a.limits, type, &o))
        return EXIT_FAIL;
    if (a.have_center) {
        o.fixed_center = 1;
        o.center = a.center;
    }
    if (a.have_sigma) {
        o.fixed_sigma = 1;
        o.sigma = a.sigma;
    }
    if (load_table(argv[optind + 1], &t))
        goto out;
    rc = variables ? read_variables(
                         &t, argv[optind + 1], &a,
                         type == ZL_SPC_IMR ||
                             ((type == ZL_SPC_EWMA || type == ZL_SPC_CUSUM) &&
                              !a.subgroup && !a.size && !a.wide),
                         &in)
                   : read_attributes(&t, argv[optind + 1], &a, type, &in);
    if (rc)
        goto out;
    rc = zl_spc_chart(in.v, in.nv, in.sizes, in.ng, &o, &r, &err);
    if (rc) {
        cli_print_error("spc chart", argv[optind + 1], rc, &err, a.json);
        goto out;
    }
    if (a.save) {
        json_t *l = json_pack("{s:s, s:f, s:f, s:f, s:I}", "chart",
                              zl_spc_chart_name(type), "center", r.center,
                              "sigma", r.sigma, "meanSize", r.mean_n,
                              "groupsUsed", (json_int_t)r.n_used);
        char *s =
            l ? json_dumps(l, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
        int wrc = s ? cli_write_file("spc", a.save, s, strlen(s)) : -1;

        free(s);
        json_decref(l);
        if (wrc)
            goto out;
    }
    if (a.svg) {
        struct zl_buf b;

        zl_buf_init(&b, SVG_MAX);
        rc = write_buf(a.svg, &b, zl_spc_chart_svg(&b, &r, a.title, a.lang));
        zl_buf_cleanup(&b);
        if (rc)
            goto out;
    }
    if (a.json)
        ret = print_result_json(&r);
    else {
        print_result(&r, a.lang);
        ret = EXIT_OK;
    }
out:
    zl_spc_result_cleanup(&r);
    series_in_free(&in);
    zl_spc_table_cleanup(&t);
    return ret;
}

static json_t *ci_json(const struct zl_spc_ci *c)
{
    if (isnan(c->est))
        return json_null();
    return json_pack("{s:f, s:f, s:f}", "est", c->est, "lo", c->lo, "hi",
                     c->hi);
}

static void ci_print(const char *name, const struct zl_spc_ci *c)
{
    if (isnan(c->est))
        printf("%-4s  -\n", name);
    else
        printf("%-4s  %.3f   (%.3f, %.3f)\n", name, c->est, c->lo, c->hi);
}

static int spc_capability(int argc, char **argv)
{
    struct args a;
    struct zl_spc_table t = {0};
    struct series_in in = {0};
    struct zl_spc_cap_opts o = {0};
    struct zl_spc_capability c;
    struct zl_error err = {0};
    int rc, ret = EXIT_FAIL;
    const char *path;

    rc = parse_args(argc, argv, &a);
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (argc - optind != 1 || (isnan(a.lsl) && isnan(a.usl))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    path = argv[optind];
    if (load_table(path, &t))
        goto out;
    if (read_variables(&t, path, &a, !a.subgroup && !a.size && !a.wide, &in))
        goto out;
    o.lsl = a.lsl;
    o.usl = a.usl;
    o.target = a.target;
    o.sigma_within = a.have_sigma ? a.sigma : 0;
    if (in.ng < in.nv) {
        o.sizes = in.sizes;
        o.n_groups = in.ng;
    }
    o.conf = a.conf;
    o.nonnormal = a.method;
    rc = zl_spc_capability(in.v, in.nv, &o, &c, &err);
    if (rc) {
        cli_print_error("spc capability", path, rc, &err, a.json);
        goto out;
    }
    if (a.svg) {
        struct zl_buf b;

        zl_buf_init(&b, SVG_MAX);
        rc = write_buf(a.svg, &b,
                       zl_spc_capability_svg(&b, &c, &o, a.title, a.lang));
        zl_buf_cleanup(&b);
        if (rc)
            goto out;
    }
    if (a.json) {
        static const char *const M[] = {"normal", "boxcox", "percentile",
                                        "auto"};
        json_t *j = json_pack(
            "{s:I, s:f, s:f, s:f, s:o, s:o, s:o, s:o, s:o, s:f, s:f, s:f, "
            "s:f, s:f, s:s}",
            "n", (json_int_t)c.n, "mean", c.mean, "sdWithin", c.sd_within,
            "sdOverall", c.sd_overall, "cp", ci_json(&c.cp), "cpk",
            ci_json(&c.cpk), "cpm", ci_json(&c.cpm), "pp", ci_json(&c.pp),
            "ppk", ci_json(&c.ppk), "ppmExpectedWithin", c.ppm_exp_within,
            "ppmExpectedOverall", c.ppm_exp_overall, "ppmObserved", c.ppm_obs,
            "andersonDarling", c.ad, "adP", c.ad_p, "method", M[c.method]);

        if (j && c.method == ZL_SPC_NN_BOXCOX)
            json_object_set_new(j, "boxcoxLambda", json_real(c.boxcox_lambda));
        ret = cli_print_json(j, JSON_REAL_PRECISION(15));
        goto out;
    }
    printf("n %zu, mean %.6g, sd within %.6g, sd overall %.6g\n", c.n, c.mean,
           c.sd_within, c.sd_overall);
    if (c.method == ZL_SPC_NN_BOXCOX)
        printf("Box-Cox transformation, lambda %.3f: indices on the "
               "transformed scale\n",
               c.boxcox_lambda);
    else if (c.method == ZL_SPC_NN_PERCENTILE)
        printf("percentile method (ISO 22514-2): Pp, Ppk from the 0.135 "
               "%%, 50 %% and 99.865 %% points\n");
    printf("index estimate  (%.0f %% interval)\n",
           100 * (a.conf > 0 ? a.conf : 0.95));
    ci_print("Cp", &c.cp);
    ci_print("Cpk", &c.cpk);
    ci_print("Cpm", &c.cpm);
    ci_print("Pp", &c.pp);
    ci_print("Ppk", &c.ppk);
    printf("ppm outside: expected %.1f (within), %.1f (overall); observed "
           "%.1f\n",
           c.ppm_exp_within, c.ppm_exp_overall, c.ppm_obs);
    printf("Anderson-Darling A2 %.4f, p %.4f%s\n", c.ad, c.ad_p,
           c.ad_p < 0.05 ? ": not normal at 5 %" : "");
    ret = EXIT_OK;
out:
    series_in_free(&in);
    zl_spc_table_cleanup(&t);
    return ret;
}

/* Distinct values of a column in order of first appearance. */
static size_t level_of(char ***levels, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*levels)[i], s))
            return i;
    (*levels)[*n] = (char *)s;
    return (*n)++;
}

static int spc_gauge(int argc, char **argv)
{
    struct args a;
    struct zl_spc_table t = {0};
    struct zl_spc_gauge g;
    struct zl_error err = {0};
    char **parts = NULL, **opers = NULL;
    size_t np = 0, no = 0, *cnt = NULL, reps = 0;
    double *y = NULL;
    int pc, oc, vc, rc, ret = EXIT_FAIL;
    const char *path;

    rc = parse_args(argc, argv, &a);
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (argc - optind != 1 || !a.part || !a.oper) {
        usage(stderr);
        return EXIT_USAGE;
    }
    path = argv[optind];
    if (load_table(path, &t))
        goto out;
    if ((pc = column(&t, path, a.part)) < 0 ||
        (oc = column(&t, path, a.oper)) < 0)
        goto out;
    a.subgroup = a.part;
    a.ncol = a.oper;
    if ((vc = value_column(&t, path, &a)) < 0)
        goto out;
    parts = calloc(t.n_rows + 1, sizeof *parts);
    opers = calloc(t.n_rows + 1, sizeof *opers);
    if (!parts || !opers)
        goto out;
    for (size_t r = 0; r < t.n_rows; r++) {
        level_of(&parts, &np, t.cells[r * t.n_cols + pc]);
        level_of(&opers, &no, t.cells[r * t.n_cols + oc]);
    }
    if (np < 2 || no < 1 || t.n_rows % (np * no)) {
        fprintf(stderr,
                "zhiliang spc gauge: %s: %zu rows for %zu parts x %zu "
                "operators: not a balanced crossed study\n",
                path, t.n_rows, np, no);
        goto out;
    }
    reps = t.n_rows / (np * no);
    y = malloc(t.n_rows * sizeof *y);
    cnt = calloc(np * no, sizeof *cnt);
    if (!y || !cnt)
        goto out;
    for (size_t r = 0; r < t.n_rows; r++) {
        size_t p = level_of(&parts, &np, t.cells[r * t.n_cols + pc]);
        size_t o = level_of(&opers, &no, t.cells[r * t.n_cols + oc]);
        double x;

        if (zl_spc_table_number(&t, r, (size_t)vc, 0, &x, &err)) {
            bad_cell(path, &err);
            goto out;
        }
        if (cnt[p * no + o] >= reps) {
            fprintf(stderr,
                    "zhiliang spc gauge: %s: line %zu: part %s, "
                    "operator %s measured more than %zu times\n",
                    path, t.line[r], parts[p], opers[o], reps);
            goto out;
        }
        y[(p * no + o) * reps + cnt[p * no + o]++] = x;
    }
    rc = zl_spc_gauge_rr(y, np, no, reps, a.tol, a.alpha, &g, &err);
    if (rc) {
        cli_print_error("spc gauge", path, rc, &err, a.json);
        goto out;
    }
    if (a.json) {
        json_t *j = json_pack(
            "{s:I, s:I, s:I, s:b, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, "
            "s:f, s:f, s:i}",
            "parts", (json_int_t)np, "operators", (json_int_t)no, "replicates",
            (json_int_t)reps, "interactionPooled", g.pooled, "varRepeatability",
            g.var_repeat, "varReproducibility", g.var_reprod, "varGRR",
            g.var_grr, "varPart", g.var_part, "varTotal", g.var_total, "pctGRR",
            g.pct_grr, "pctRepeatability", g.pct_repeat, "pctReproducibility",
            g.pct_reprod, "pctPart", g.pct_part, "pctTolerance",
            a.tol > 0 ? g.pct_tol_grr : 0.0, "ndc", g.ndc);

        const struct zl_spc_anova_row *rows[] = {&g.part, &g.oper, &g.inter,
                                                 &g.error, &g.total};
        const char *names[] = {"part", "operator", "interaction", "error",
                               "total"};
        json_t *an = json_object();

        for (int i = 0; i < 5; i++) {
            json_t *rj = json_object();

            json_object_set_new(rj, "df", json_real(rows[i]->df));
            json_object_set_new(rj, "ss", json_real(rows[i]->ss));
            if (!isnan(rows[i]->ms))
                json_object_set_new(rj, "ms", json_real(rows[i]->ms));
            if (!isnan(rows[i]->f)) {
                json_object_set_new(rj, "f", json_real(rows[i]->f));
                json_object_set_new(rj, "p", json_real(rows[i]->p));
            }
            json_object_set_new(an, names[i], rj);
        }
        if (j)
            json_object_set_new(j, "anova", an);
        else
            json_decref(an);
        ret = cli_print_json(j, JSON_REAL_PRECISION(15));
        goto out;
    }
    printf("gauge R&R (ANOVA, AIAG MSA 4th ed.): %zu parts, %zu operators, "
           "%zu replicates\n",
           np, no, reps);
    printf("source        df        SS          MS          F       p\n");
    {
        const struct zl_spc_anova_row *rows[] = {&g.part, &g.oper, &g.inter,
                                                 &g.error, &g.total};
        const char *names[] = {"part", "operator", "part*oper", "repeatability",
                               "total"};

        for (int i = 0; i < 5; i++) {
            if (i == 2 && g.pooled)
                continue;
            printf("%-13s %3.0f  %10.6g  %10.6g", names[i], rows[i]->df,
                   rows[i]->ss, rows[i]->ms);
            if (!isnan(rows[i]->f))
                printf("  %8.3f  %.4f", rows[i]->f, rows[i]->p);
            printf("\n");
        }
    }
    if (g.pooled)
        printf("(interaction p > %.2f: pooled into repeatability)\n", a.alpha);
    printf("\n%-16s %12s %12s\n", "component", "variance", "% study var");
    printf("%-16s %12.6g %11.2f%%\n", "total gauge R&R", g.var_grr, g.pct_grr);
    printf("%-16s %12.6g %11.2f%%\n", "  repeatability", g.var_repeat,
           g.pct_repeat);
    printf("%-16s %12.6g %11.2f%%\n", "  reproducibility", g.var_reprod,
           g.pct_reprod);
    printf("%-16s %12.6g %11.2f%%\n", "part-to-part", g.var_part, g.pct_part);
    printf("%-16s %12.6g %11.2f%%\n", "total", g.var_total, 100.0);
    if (a.tol > 0)
        printf("%%tolerance (6 sd / %g): %.2f%%\n", a.tol, g.pct_tol_grr);
    printf("number of distinct categories (ndc): %d\n", g.ndc);
    printf("%s\n", g.pct_grr < 10   ? "%GRR under 10 %: acceptable"
                   : g.pct_grr < 30 ? "%GRR 10-30 %: may be acceptable"
                                    : "%GRR over 30 %: not acceptable");
    ret = EXIT_OK;
out:
    free(parts);
    free(opers);
    free(cnt);
    free(y);
    zl_spc_table_cleanup(&t);
    return ret;
}

struct cat {
    const char *name;
    double count;
};

static int cat_cmp(const void *x, const void *y)
{
    const struct cat *a = x, *b = y;

    if (a->count != b->count)
        return a->count < b->count ? 1 : -1;
    return strcmp(a->name, b->name);
}

static int spc_pareto(int argc, char **argv)
{
    struct args a;
    struct zl_spc_table t = {0};
    struct zl_error err = {0};
    struct cat *cats = NULL;
    size_t n = 0;
    double total = 0, cum = 0;
    int cc, kc = -1, ret = EXIT_FAIL, rc;
    const char *path;

    rc = parse_args(argc, argv, &a);
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (argc - optind != 1 || !a.cat) {
        usage(stderr);
        return EXIT_USAGE;
    }
    path = argv[optind];
    if (load_table(path, &t))
        goto out;
    if ((cc = column(&t, path, a.cat)) < 0 ||
        (a.count && (kc = column(&t, path, a.count)) < 0))
        goto out;
    cats = calloc(t.n_rows + 1, sizeof *cats);
    if (!cats)
        goto out;
    for (size_t r = 0; r < t.n_rows; r++) {
        const char *name = t.cells[r * t.n_cols + cc];
        double k = 1;
        size_t i;

        if (kc >= 0 && zl_spc_table_number(&t, r, (size_t)kc, 0, &k, &err)) {
            bad_cell(path, &err);
            goto out;
        }
        if (k < 0) {
            fprintf(stderr,
                    "zhiliang spc pareto: %s: line %zu: negative "
                    "count %g\n",
                    path, t.line[r], k);
            goto out;
        }
        for (i = 0; i < n && strcmp(cats[i].name, name); i++)
            ;
        if (i == n)
            cats[n++].name = name;
        cats[i].count += k;
        total += k;
    }
    if (!n || !(total > 0)) {
        fprintf(stderr, "zhiliang spc pareto: %s: nothing counted\n", path);
        goto out;
    }
    qsort(cats, n, sizeof *cats, cat_cmp);
    if (a.svg) {
        const char **names = calloc(n, sizeof *names);
        double *counts = calloc(n, sizeof *counts);
        struct zl_buf b;

        if (!names || !counts) {
            free(names);
            free(counts);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            names[i] = cats[i].name;
            counts[i] = cats[i].count;
        }
        zl_buf_init(&b, SVG_MAX);
        rc =
            write_buf(a.svg, &b,
                      zl_spc_pareto_svg(&b, names, counts, n, a.title, a.lang));
        zl_buf_cleanup(&b);
        free(names);
        free(counts);
        if (rc)
            goto out;
    }
    if (a.json) {
        json_t *arr = json_array();

        for (size_t i = 0; i < n; i++) {
            cum += cats[i].count;
            json_array_append_new(arr,
                                  json_pack("{s:o, s:f, s:f, s:f}", "category",
                                            cli_json_str(cats[i].name), "count",
                                            cats[i].count, "percent",
                                            100 * cats[i].count / total,
                                            "cumulative", 100 * cum / total));
        }
        ret = cli_print_json(
            json_pack("{s:f, s:o}", "total", total, "categories", arr),
            JSON_REAL_PRECISION(15));
        goto out;
    }
    printf("%-24s %10s %8s %8s\n", "category", "count", "%", "cum %");
    for (size_t i = 0; i < n; i++) {
        cum += cats[i].count;
        printf("%-24s %10g %7.1f%% %7.1f%%\n", cats[i].name, cats[i].count,
               100 * cats[i].count / total, 100 * cum / total);
    }
    ret = EXIT_OK;
out:
    free(cats);
    zl_spc_table_cleanup(&t);
    return ret;
}

static int spc_arl(int argc, char **argv)
{
    double p1, p2, mu;
    int ewma;

    if (argc < 4 || (strcmp(argv[1], "ewma") && strcmp(argv[1], "cusum"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    ewma = !strcmp(argv[1], "ewma");
    if (num_arg(ewma ? "lambda" : "k", argv[2], &p1) ||
        num_arg(ewma ? "L" : "h", argv[3], &p2))
        return EXIT_USAGE;
    if (ewma ? !(p1 > 0 && p1 <= 1 && p2 > 0) : !(p1 >= 0 && p2 > 0)) {
        fprintf(stderr, "zhiliang spc arl: parameters out of range\n");
        return EXIT_USAGE;
    }
    printf("shift  ARL (%s, %s %g, %s %g, two-sided)\n", argv[1],
           ewma ? "lambda" : "k", p1, ewma ? "L" : "h", p2);
    for (int i = argc > 4 ? 4 : 3; i < (argc > 4 ? argc : 4); i++) {
        mu = 0;
        if (argc > 4 && num_arg("shift", argv[i], &mu))
            return EXIT_USAGE;
        printf("%5g  %.8g\n", mu,
               ewma ? zl_spc_ewma_arl(p1, p2, mu)
                    : zl_spc_cusum_arl(p1, p2, mu, 1));
    }
    return EXIT_OK;
}

static int spc_constants(int argc, char **argv)
{
    int lo = 2, hi = 25;

    if (argc > 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (argc == 2) {
        char *end;
        long n = strtol(argv[1], &end, 10);

        if (*end || n < 2 || n > ZL_SPC_MAX_N) {
            fprintf(stderr, "zhiliang spc constants: n from 2 to %d\n",
                    ZL_SPC_MAX_N);
            return EXIT_USAGE;
        }
        lo = hi = (int)n;
    }
    printf(" n          d2          d3          c4          A2          A3"
           "          B3          B4          D3          D4\n");
    for (int n = lo; n <= hi; n++) {
        struct zl_spc_constants k;

        zl_spc_constants(n, &k);
        printf("%2d  %10.8f  %10.8f  %10.8f  %10.8f  %10.8f  %10.8f  %10.8f  "
               "%10.8f  %10.8f\n",
               n, k.d2, k.d3, k.c4, k.A2, k.A3, k.B3, k.B4, k.D3, k.D4);
    }
    return EXIT_OK;
}

int cmd_spc(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (!sub || cli_is_help(sub)) {
        usage(sub ? stdout : stderr);
        return sub ? EXIT_OK : EXIT_USAGE;
    }
    if (!strcmp(sub, "chart"))
        return spc_chart(argc - 1, argv + 1);
    if (!strcmp(sub, "capability"))
        return spc_capability(argc - 1, argv + 1);
    if (!strcmp(sub, "gauge"))
        return spc_gauge(argc - 1, argv + 1);
    if (!strcmp(sub, "pareto"))
        return spc_pareto(argc - 1, argv + 1);
    if (!strcmp(sub, "arl"))
        return spc_arl(argc - 1, argv + 1);
    if (!strcmp(sub, "constants"))
        return spc_constants(argc - 1, argv + 1);
    if (!strcmp(sub, "stream") || !strcmp(sub, "append") ||
        !strcmp(sub, "alarms")) /* live streams: cmd_spc_stream.c */
        return cmd_spc_live(argc - 1, argv + 1);
    fprintf(stderr, "zhiliang spc: unknown subcommand %s\n", sub);
    usage(stderr);
    return EXIT_USAGE;
}
