/*
 * cmd_spc_stream.c - `zhiliang spc stream|append|alarms`: live measurement
 * streams kept in the store (zhiliang/spc_stream.h does the checking and
 * the storing; this file reads arguments and CSV and prints).
 *
 * A stream's limits are fixed when it is created: given (--center,
 * --sigma) or estimated from Phase I data by the same code as `zhiliang
 * spc chart` (--phase1 FILE). Appending never changes them; `stream
 * revise` adds a new logged limits version (given values or a Phase I
 * range of the stream's own points, with a reason). Bad input is
 * refused whole: the library validates every measurement before it writes
 * one, so a CSV with a bad row on line 900 stores nothing.
 */
#include "cmd_spc_stream.h"

#include "cli_util.h"

#include "zhiliang/buf.h"
#include "zhiliang/spc_stream.h"
#include "zhiliang/timefmt.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX  ((size_t)512 << 20)
#define ROWS_MAX ((size_t)1000000)
#define SVG_MAX  ((size_t)64 << 20)

enum {
    O_CHART = 1000,
    O_CHAR,
    O_UNIT,
    O_SIZE,
    O_CENTER,
    O_SIGMA,
    O_NSIGMA,
    O_RULES,
    O_OWNER,
    O_CODE,
    O_PHASE1,
    O_COLUMN,
    O_STORE,
    O_JSON,
    O_SVG,
    O_LANG,
    O_CSV,
    O_OPER,
    O_AS,
    O_AFTER,
    O_DROP,
    O_LAST,
    O_LAMBDA,
    O_LW,
    O_K,
    O_H,
    O_REASON,
    O_POINTS
};

static const struct option OPTS[] = {
    {"chart", required_argument, NULL, O_CHART},
    {"characteristic", required_argument, NULL, O_CHAR},
    {"unit", required_argument, NULL, O_UNIT},
    {"size", required_argument, NULL, O_SIZE},
    {"center", required_argument, NULL, O_CENTER},
    {"sigma", required_argument, NULL, O_SIGMA},
    {"nsigma", required_argument, NULL, O_NSIGMA},
    {"rules", required_argument, NULL, O_RULES},
    {"owner", required_argument, NULL, O_OWNER},
    {"code", required_argument, NULL, O_CODE},
    {"phase1", required_argument, NULL, O_PHASE1},
    {"column", required_argument, NULL, O_COLUMN},
    {"drop-ooc", required_argument, NULL, O_DROP},
    {"store", required_argument, NULL, O_STORE},
    {"json", no_argument, NULL, O_JSON},
    {"svg", required_argument, NULL, O_SVG},
    {"lang", required_argument, NULL, O_LANG},
    {"csv", required_argument, NULL, O_CSV},
    {"operator", required_argument, NULL, O_OPER},
    {"as", required_argument, NULL, O_AS},
    {"after", required_argument, NULL, O_AFTER},
    {"last", required_argument, NULL, O_LAST},
    {"lambda", required_argument, NULL, O_LAMBDA},
    {"L", required_argument, NULL, O_LW},
    {"k", required_argument, NULL, O_K},
    {"h", required_argument, NULL, O_H},
    {"reason", required_argument, NULL, O_REASON},
    {"points", required_argument, NULL, O_POINTS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

struct args {
    const char *chart, *characteristic, *unit, *rules, *owner, *code;
    const char *phase1, *column, *store, *svg, *csv, *oper, *as;
    const char *reason, *points;
    double size, center, sigma, nsigma, after, drop, last;
    double lambda, lw, k, h;
    int has_center, has_sigma, json, en;
    int n_pos;
    char **pos;
};

void cmd_spc_stream_usage(FILE *f)
{
    fprintf(
        f,
        "       zhiliang spc stream create NAME --chart T --characteristic "
        "TEXT\n"
        "             [--size n] (--center X [--sigma S] | --phase1 FILE "
        "[--column C])\n"
        "             [--rules nelson|we|LIST] [--unit U] [--owner PARTY] "
        "[--code GS1]\n"
        "             ewma: [--lambda 0.2] [--L 3]; cusum (two-sided): [--k "
        "0.5] [--h 4]\n"
        "       zhiliang spc stream revise NAME --reason TEXT\n"
        "             (--center X [--sigma S] | --points A:B [--drop-ooc N]) "
        "[--as PARTY]\n"
        "       zhiliang spc stream list [--json]\n"
        "       zhiliang spc stream show NAME [--json] [--svg OUT [--last N]] "
        "[--lang zh|en]\n"
        "       zhiliang spc append STREAM [VALUE[/n]...] [--csv FILE "
        "[--column C]]\n"
        "             (p, np, u: COUNT/n or a CSV column n gives a sample's "
        "own size)\n"
        "             [--code GS1] [--operator OP] [--as PARTY] [--json]\n"
        "       zhiliang spc alarms [STREAM] [--after N] [--json]\n");
}

static int num(const char *opt, const char *s, double *out)
{
    char *end;

    *out = strtod(s, &end);
    if (end == s || *end || !isfinite(*out)) {
        fprintf(stderr, "zhiliang spc: --%s: not a number: %s\n", opt, s);
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, struct args *a)
{
    int c;

    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", OPTS, NULL)) != -1) {
        const char *v = optarg;
        int rc = 0;

        switch (c) {
        case O_CHART: a->chart = v; break;
        case O_CHAR: a->characteristic = v; break;
        case O_UNIT: a->unit = v; break;
        case O_SIZE: rc = num("size", v, &a->size); break;
        case O_CENTER:
            rc = num("center", v, &a->center);
            a->has_center = 1;
            break;
        case O_SIGMA:
            rc = num("sigma", v, &a->sigma);
            a->has_sigma = 1;
            break;
        case O_NSIGMA: rc = num("nsigma", v, &a->nsigma); break;
        case O_RULES: a->rules = v; break;
        case O_OWNER: a->owner = v; break;
        case O_CODE: a->code = v; break;
        case O_PHASE1: a->phase1 = v; break;
        case O_COLUMN: a->column = v; break;
        case O_DROP: rc = num("drop-ooc", v, &a->drop); break;
        case O_STORE: a->store = v; break;
        case O_JSON: a->json = 1; break;
        case O_SVG: a->svg = v; break;
        case O_LANG: a->en = !strcmp(v, "en"); break;
        case O_CSV: a->csv = v; break;
        case O_OPER: a->oper = v; break;
        case O_AS: a->as = v; break;
        case O_AFTER: rc = num("after", v, &a->after); break;
        case O_LAST: rc = num("last", v, &a->last); break;
        case O_LAMBDA: rc = num("lambda", v, &a->lambda); break;
        case O_LW: rc = num("L", v, &a->lw); break;
        case O_K: rc = num("k", v, &a->k); break;
        case O_H: rc = num("h", v, &a->h); break;
        case O_REASON: a->reason = v; break;
        case O_POINTS: a->points = v; break;
        case 'h': cmd_spc_stream_usage(stdout); return 1;
        default:
            fprintf(stderr, "zhiliang spc: unknown or incomplete option %s\n",
                    argv[optind - 1]);
            return -1;
        }
        if (rc)
            return -1;
    }
    a->pos = argv + optind;
    a->n_pos = argc - optind;
    return 0;
}

static int load_csv(const char *path, struct zl_spc_table *t)
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

static int value_col(const struct zl_spc_table *t, const char *path,
                     const char *name)
{
    int c = zl_spc_table_column(t, name ? name : "value");

    if (c < 0 && !name && t->n_cols == 1)
        c = 0;
    if (c < 0)
        fprintf(stderr, "zhiliang spc: %s: no column named %s (use --column)\n",
                path, name ? name : "value");
    return c;
}

/* Phase I: the center and sigma zl_spc_chart estimates from FILE. */
static int phase1(const struct args *a, enum zl_spc_chart t, int n,
                  double *center, double *sigma)
{
    struct zl_spc_table tab;
    struct zl_spc_opts o;
    struct zl_spc_result r;
    struct zl_error err = {0};
    double *v = NULL;
    uint32_t *sz = NULL;
    size_t ng;
    int col, rc = -1,
             variables = !(t == ZL_SPC_P || t == ZL_SPC_NP || t == ZL_SPC_C ||
                           t == ZL_SPC_U);

    memset(&tab, 0, sizeof tab);
    memset(&r, 0, sizeof r);
    if (load_csv(a->phase1, &tab))
        return -1;
    if ((col = value_col(&tab, a->phase1, a->column)) < 0)
        goto out;
    v = malloc((tab.n_rows + 1) * sizeof *v);
    sz = malloc((tab.n_rows + 1) * sizeof *sz);
    if (!v || !sz)
        goto out;
    for (size_t i = 0; i < tab.n_rows; i++)
        if (zl_spc_table_number(&tab, i, (size_t)col, 0, &v[i], &err)) {
            fprintf(stderr, "zhiliang spc: %s: %s\n", a->phase1, err.rule);
            goto out;
        }
    ng = variables && t != ZL_SPC_IMR ? tab.n_rows / (size_t)n : tab.n_rows;
    if ((t == ZL_SPC_EWMA || t == ZL_SPC_CUSUM) && n <= 1)
        n = 1;
    for (size_t i = 0; i < ng; i++)
        sz[i] = (uint32_t)n;
    memset(&o, 0, sizeof o);
    o.chart = t;
    o.drop_ooc = (int)a->drop;
    o.lambda = a->lambda;
    o.L = a->lw;
    o.k = a->k;
    o.h = a->h;
    if (zl_spc_chart(v, variables && t != ZL_SPC_IMR ? ng * (size_t)n : ng,
                     t == ZL_SPC_IMR || (variables && n == 1) ? NULL : sz, ng,
                     &o, &r, &err)) {
        cli_print_error("spc", a->phase1, err.code, &err, 0);
        goto out;
    }
    *center = r.center;
    *sigma = r.sigma;
    rc = 0;
out:
    zl_spc_result_cleanup(&r);
    zl_spc_table_cleanup(&tab);
    free(v);
    free(sz);
    return rc;
}

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *stream_json(const struct zl_spc_stream *st)
{
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:I,s:I,s:I,s:I}", "name", st->def.name,
        "characteristic", st->def.characteristic, "chart",
        zl_spc_chart_name(st->def.chart), "n", st->lim.n, "center",
        st->lim.center, "sigma", st->lim.sigma, "nsigma", st->lim.nsigma,
        "measurements", (json_int_t)st->n_values, "points",
        (json_int_t)st->n_points, "alarms", (json_int_t)st->n_alarms, "batches",
        (json_int_t)st->n_batches);
    json_t *lim = json_array();
    char rules[200] = "";
    size_t n = 0;

    for (int b = 0; b < 12; b++)
        if (st->def.rules & (1u << b))
            n += (size_t)snprintf(rules + n, sizeof rules - n, "%s%s",
                                  n ? "," : "", zl_spc_rule_name(1u << b));
    for (int k = 0; lim && k < st->lim.n_series; k++)
        json_array_append_new(
            lim, json_pack("{s:o,s:o,s:o}", "cl", jnum(st->lim.cl[k]), "lcl",
                           jnum(st->lim.lcl[k]), "ucl", jnum(st->lim.ucl[k])));
    if (!o)
        return NULL;
    json_object_set_new(o, "limits_version", json_integer(st->limits_version));
    if (st->def.chart == ZL_SPC_EWMA) {
        json_object_set_new(o, "lambda", json_real(st->lim.lambda));
        json_object_set_new(o, "L", json_real(st->lim.L));
    } else if (st->def.chart == ZL_SPC_CUSUM) {
        json_object_set_new(o, "k", json_real(st->lim.k));
        json_object_set_new(o, "h", json_real(st->lim.h));
    }
    json_object_set_new(o, "limits", lim);
    json_object_set_new(o, "rules", json_string(rules));
    if (st->def.unit)
        json_object_set_new(o, "unit", json_string(st->def.unit));
    if (st->def.owner)
        json_object_set_new(o, "owner", json_string(st->def.owner));
    if (st->def.code)
        json_object_set_new(o, "code", json_string(st->def.code));
    return o;
}

static void stream_print(const struct zl_spc_stream *st)
{
    printf("%s  %s%s%s%s  chart %s, n %d, center %.6g", st->def.name,
           st->def.characteristic, st->def.unit ? " (" : "",
           st->def.unit ? st->def.unit : "", st->def.unit ? ")" : "",
           zl_spc_chart_name(st->def.chart), st->lim.n, st->lim.center);
    if (st->def.chart < ZL_SPC_P || st->def.chart == ZL_SPC_EWMA ||
        st->def.chart == ZL_SPC_CUSUM)
        printf(", sigma %.6g", st->lim.sigma);
    if (st->def.chart == ZL_SPC_EWMA)
        printf(", lambda %.6g, L %.6g", st->lim.lambda, st->lim.L);
    if (st->def.chart == ZL_SPC_CUSUM)
        printf(", k %.6g, h %.6g (two-sided)", st->lim.k, st->lim.h);
    printf(", limits version %lld", (long long)st->limits_version);
    printf("\n  %lld measurement(s), %lld point(s), %lld alarm(s)",
           (long long)st->n_values, (long long)st->n_points,
           (long long)st->n_alarms);
    if (st->def.owner)
        printf(", owner %s", st->def.owner);
    printf("\n");
}

static int stream_create(struct args *a, zl_store *s)
{
    struct zl_spc_stream_def d;
    struct zl_error err = {0};
    int rc;

    memset(&d, 0, sizeof d);
    if (a->n_pos != 1 || !a->chart || !a->characteristic) {
        fprintf(stderr, "zhiliang spc stream create: NAME, --chart and "
                        "--characteristic are required\n");
        return EXIT_USAGE;
    }
    if (zl_spc_chart_parse(a->chart, &d.chart)) {
        fprintf(stderr,
                "zhiliang spc stream create: --chart: unknown chart "
                "%s (xbar-r, xbar-s, imr, p, np, c, u, ewma, cusum)\n",
                a->chart);
        return EXIT_USAGE;
    }
    d.name = a->pos[0];
    d.characteristic = a->characteristic;
    d.unit = a->unit;
    d.n = a->size > 0 ? (int)a->size
                      : (d.chart == ZL_SPC_IMR || d.chart == ZL_SPC_EWMA ||
                                 d.chart == ZL_SPC_CUSUM
                             ? 1
                             : 0);
    d.a = d.chart == ZL_SPC_EWMA ? a->lambda : a->k;
    d.b = d.chart == ZL_SPC_EWMA ? a->lw : a->h;
    if ((d.chart == ZL_SPC_EWMA && (a->k || a->h)) ||
        (d.chart == ZL_SPC_CUSUM && (a->lambda || a->lw)) ||
        (d.chart != ZL_SPC_EWMA && d.chart != ZL_SPC_CUSUM &&
         (a->k || a->h || a->lambda || a->lw))) {
        fprintf(stderr, "zhiliang spc stream create: --lambda and --L are for "
                        "ewma streams, --k and --h for cusum streams\n");
        return EXIT_USAGE;
    }
    if (a->size != floor(a->size) || a->size < 0 || a->size > 1e9) {
        fprintf(stderr, "zhiliang spc stream create: --size: a whole number "
                        "please\n");
        return EXIT_USAGE;
    }
    d.nsigma = a->nsigma;
    d.owner = a->owner;
    d.code = a->code;
    d.rules = ZL_SPC_RULES_NELSON;
    if (a->rules && zl_spc_rules_parse(a->rules, &d.rules)) {
        fprintf(stderr,
                "zhiliang spc stream create: --rules: unknown rule "
                "set %s\n",
                a->rules);
        return EXIT_USAGE;
    }
    if (a->phase1) {
        if (a->has_center) {
            fprintf(stderr, "zhiliang spc stream create: give --phase1 or "
                            "--center, not both\n");
            return EXIT_USAGE;
        }
        if (phase1(a, d.chart, d.n, &d.center, &d.sigma))
            return EXIT_FAIL;
    } else if (a->has_center) {
        d.center = a->center;
        d.sigma = a->sigma;
    } else {
        fprintf(stderr, "zhiliang spc stream create: the limits need "
                        "--center (and --sigma) or --phase1 FILE\n");
        return EXIT_USAGE;
    }
    if ((rc = zl_spc_stream_create(s, &d, &err))) {
        cli_print_error("spc stream create", NULL, rc, &err, a->json);
        return EXIT_FAIL;
    }
    {
        struct zl_spc_stream st;

        if (zl_spc_stream_get(s, d.name, &st))
            return EXIT_FAIL;
        if (a->json)
            rc = cli_print_json(stream_json(&st), 0);
        else {
            printf("created stream ");
            stream_print(&st);
            for (int k = 0; k < st.lim.n_series; k++)
                printf("  limits %d: LCL %.6g  CL %.6g  UCL %.6g%s\n", k + 1,
                       st.lim.lcl[k], st.lim.cl[k], st.lim.ucl[k],
                       st.lim.chart == ZL_SPC_EWMA ? " (steady state)" : "");
        }
        zl_spc_stream_cleanup(&st);
    }
    return rc ? EXIT_FAIL : EXIT_OK;
}

static int list_cb(void *ctx, const struct zl_spc_stream *st)
{
    json_t *arr = ctx;

    if (arr)
        return json_array_append_new(arr, stream_json(st)) ? ZL_ENOMEM : 0;
    stream_print(st);
    return 0;
}

static int stream_list(struct args *a, zl_store *s)
{
    json_t *arr = a->json ? json_array() : NULL;
    int rc = zl_spc_stream_list(s, list_cb, arr);

    if (rc) {
        json_decref(arr);
        cli_print_error("spc stream list", NULL, rc, NULL, 0);
        return EXIT_FAIL;
    }
    return arr ? cli_print_json(arr, 0) : EXIT_OK;
}

static int write_svg(const char *path, struct zl_buf *b)
{
    FILE *f = !strcmp(path, "-") ? stdout : fopen(path, "wb");
    int ok;

    if (!f) {
        fprintf(stderr, "zhiliang spc: %s: cannot write\n", path);
        return -1;
    }
    ok = fwrite(b->data, 1, b->len, f) == b->len;
    if (f != stdout)
        ok &= fclose(f) == 0;
    if (!ok)
        fprintf(stderr, "zhiliang spc: %s: write failed\n", path);
    return ok ? 0 : -1;
}

/* The limits history: version 1 (the definition) and each revision. */
static int hist_cb(void *ctx, const struct zl_spc_alarm *h)
{
    json_t *arr = ctx, *o, *lim, *e;
    json_error_t je;
    size_t i;

    if (!(o = json_loadb(h->json, h->len, 0, &je)))
        return ZL_ENOMEM;
    if (arr) {
        json_t *x = json_pack("{s:I,s:I}", "version", (json_int_t)h->seq,
                              "leaf", (json_int_t)h->leaf);

        json_object_update_missing(x, o);
        json_object_del(x, "type");
        json_decref(o);
        return json_array_append_new(arr, x) ? ZL_ENOMEM : 0;
    }
    printf("  limits v%lld", (long long)h->seq);
    if (h->seq == 1) {
        char t[32];

        zl_time_format_utc(json_integer_value(json_object_get(o, "created")),
                           t);
        printf("  %s  at creation", t);
    } else {
        json_t *p1 = json_object_get(o, "phase1");

        printf("  %s  from point %lld, ",
               json_string_value(json_object_get(o, "time")),
               (long long)json_integer_value(json_object_get(o, "from_point")));
        if (p1)
            printf("Phase I over points %lld..%lld",
                   (long long)json_integer_value(json_object_get(p1, "from")),
                   (long long)json_integer_value(json_object_get(p1, "to")));
        else
            printf("given values");
    }
    printf(": center %.6g", json_number_value(json_object_get(o, "center")));
    if (json_number_value(json_object_get(o, "sigma")) > 0)
        printf(", sigma %.6g", json_number_value(json_object_get(o, "sigma")));
    lim = json_object_get(o, "limits");
    json_array_foreach(lim, i, e)
    {
        json_t *lo = json_object_get(e, "lcl");

        printf("; %s ", json_string_value(json_object_get(e, "series")));
        if (json_is_number(lo))
            printf("%.6g..", json_number_value(lo));
        printf("%.6g", json_number_value(json_object_get(e, "ucl")));
    }
    printf("\n");
    if (json_string_value(json_object_get(o, "reason")))
        printf("    reason: %s\n",
               json_string_value(json_object_get(o, "reason")));
    json_decref(o);
    return 0;
}

static int stream_revise(struct args *a, zl_store *s)
{
    struct zl_spc_revision rv;
    struct zl_error err = {0};
    int64_t ver = 0;
    int rc;

    memset(&rv, 0, sizeof rv);
    if (a->n_pos != 1 || !a->reason) {
        fprintf(stderr, "zhiliang spc stream revise: NAME and --reason are "
                        "required\n");
        return EXIT_USAGE;
    }
    if (!!a->points == !!a->has_center) {
        fprintf(stderr, "zhiliang spc stream revise: give --center X [--sigma "
                        "S] or --points A:B (a Phase I range of the stream's "
                        "own points)\n");
        return EXIT_USAGE;
    }
    rv.reason = a->reason;
    rv.center = a->center;
    rv.sigma = a->sigma;
    rv.drop_ooc = (int)a->drop;
    if (a->points) {
        long long f = 0, t = 0;
        int used = 0;

        if (sscanf(a->points, "%lld:%lld%n", &f, &t, &used) != 2 ||
            a->points[used] || f < 1 || t < f) {
            fprintf(stderr,
                    "zhiliang spc stream revise: --points: A:B with 1 <= A "
                    "<= B (point numbers, as alarms give them): %s\n",
                    a->points);
            return EXIT_USAGE;
        }
        rv.from = f;
        rv.to = t;
    }
    if ((rc = zl_spc_stream_revise(s, a->pos[0], a->as, &rv, &ver, &err))) {
        cli_print_error("spc stream revise", NULL, rc, &err, a->json);
        return EXIT_FAIL;
    }
    {
        struct zl_spc_stream st;

        if (zl_spc_stream_get(s, a->pos[0], &st))
            return EXIT_FAIL;
        if (a->json) {
            json_t *o = stream_json(&st);

            rc = cli_print_json(o, 0);
        } else {
            printf("limits version %lld of %s, from point %lld on:\n",
                   (long long)ver, st.def.name, (long long)st.n_points + 1);
            for (int k = 0; k < st.lim.n_series; k++)
                printf("  limits %d: LCL %.6g  CL %.6g  UCL %.6g\n", k + 1,
                       st.lim.lcl[k], st.lim.cl[k], st.lim.ucl[k]);
        }
        zl_spc_stream_cleanup(&st);
    }
    return rc ? EXIT_FAIL : EXIT_OK;
}

static int stream_show(struct args *a, zl_store *s)
{
    struct zl_spc_stream st;
    int rc;

    if (a->n_pos != 1) {
        fprintf(stderr, "zhiliang spc stream show: NAME is required\n");
        return EXIT_USAGE;
    }
    if ((rc = zl_spc_stream_get(s, a->pos[0], &st))) {
        fprintf(stderr, "zhiliang spc stream show: %s: %s\n", a->pos[0],
                rc == ZL_ENOTFOUND ? "no such stream" : zl_strerror(rc));
        return EXIT_FAIL;
    }
    if (a->svg) {
        struct zl_spc_result r;
        struct zl_error err = {0};
        struct zl_buf b;
        char title[400];

        snprintf(title, sizeof title, "%s: %s%s%s%s", st.def.name,
                 st.def.characteristic, st.def.unit ? " (" : "",
                 st.def.unit ? st.def.unit : "", st.def.unit ? ")" : "");
        if ((rc = zl_spc_stream_chart(s, st.def.name, (size_t)a->last, &r,
                                      &err))) {
            cli_print_error("spc stream show", a->svg, rc, &err, 0);
            zl_spc_stream_cleanup(&st);
            return EXIT_FAIL;
        }
        zl_buf_init(&b, SVG_MAX);
        rc = zl_spc_chart_svg(&b, &r, title, a->en ? ZL_SPC_EN : ZL_SPC_ZH);
        if (!rc)
            rc = write_svg(a->svg, &b);
        zl_buf_cleanup(&b);
        zl_spc_result_cleanup(&r);
        if (rc) {
            zl_spc_stream_cleanup(&st);
            return EXIT_FAIL;
        }
    }
    if (a->json) {
        json_t *o = stream_json(&st), *h = json_array();

        rc = zl_spc_limits_history(s, st.def.name, hist_cb, h);
        if (o)
            json_object_set_new(o, "limits_history", h);
        else
            json_decref(h);
        rc = rc ? rc : cli_print_json(o, 0);
    } else if (!a->svg || strcmp(a->svg, "-")) {
        stream_print(&st);
        rc = zl_spc_limits_history(s, st.def.name, hist_cb, NULL);
    }
    zl_spc_stream_cleanup(&st);
    return rc ? EXIT_FAIL : EXIT_OK;
}

/* ---- alarms ---------------------------------------------------------------
 */

struct alarm_out {
    json_t *arr;
    int en;
    size_t n;
};

static void alarm_print(const struct zl_spc_alarm *al, int en)
{
    json_error_t je;
    json_t *o = json_loadb(al->json, al->len, 0, &je);
    const char *action;

    if (!o)
        return;
    printf("ALARM %s #%lld  %s on %s, points %lld..%lld, at %s (measurement "
           "%lld)\n  %s\n",
           al->stream, (long long)al->seq,
           json_string_value(json_object_get(o, "rule")),
           json_string_value(json_object_get(o, "chart")),
           (long long)json_integer_value(json_object_get(o, "first")),
           (long long)json_integer_value(json_object_get(o, "last")),
           json_string_value(json_object_get(o, "time")),
           (long long)json_integer_value(json_object_get(o, "measurement")),
           json_string_value(json_object_get(o, en ? "text_en" : "text_zh")));
    action =
        json_string_value(json_object_get(o, en ? "action_en" : "action_zh"));
    if (action)
        printf("  %s\n", action);
    json_decref(o);
}

static int alarm_cb(void *ctx, const struct zl_spc_alarm *al)
{
    struct alarm_out *x = ctx;
    json_error_t je;

    x->n++;
    if (x->arr) {
        json_t *o = json_loadb(al->json, al->len, 0, &je);

        if (o)
            json_object_set_new(o, "leaf", json_integer(al->leaf));
        return o && !json_array_append_new(x->arr, o) ? 0 : ZL_ENOMEM;
    }
    alarm_print(al, x->en);
    return 0;
}

static int alarms(struct args *a, zl_store *s)
{
    struct alarm_out x = {a->json ? json_array() : NULL, a->en, 0};
    const char *name = a->n_pos > 0 ? a->pos[0] : NULL;
    int rc;

    if (name) {
        struct zl_spc_stream st;

        if ((rc = zl_spc_stream_get(s, name, &st))) {
            fprintf(stderr, "zhiliang spc alarms: %s: %s\n", name,
                    rc == ZL_ENOTFOUND ? "no such stream" : zl_strerror(rc));
            json_decref(x.arr);
            return EXIT_FAIL;
        }
        zl_spc_stream_cleanup(&st);
    }
    rc = zl_spc_alarms(s, name, (int64_t)a->after, 0, alarm_cb, &x);
    if (rc) {
        json_decref(x.arr);
        cli_print_error("spc alarms", NULL, rc, NULL, 0);
        return EXIT_FAIL;
    }
    if (x.arr)
        return cli_print_json(x.arr, 0);
    if (!x.n)
        printf("no alarms\n");
    return EXIT_OK;
}

/* ---- append ---------------------------------------------------------------
 */

static int print_new_alarm(void *ctx, const struct zl_spc_alarm *al)
{
    struct alarm_out *x = ctx;

    return alarm_cb(x, al);
}

static int append(struct args *a, zl_store *s)
{
    struct zl_spc_table tab;
    struct zl_spc_meas *m = NULL;
    struct zl_spc_append_result res;
    struct zl_error err = {0};
    struct alarm_out x = {a->json ? json_array() : NULL, a->en, 0};
    size_t n = 0;
    int rc = EXIT_FAIL;

    memset(&tab, 0, sizeof tab);
    if (a->n_pos < 1) {
        fprintf(stderr, "zhiliang spc append: STREAM is required\n");
        json_decref(x.arr);
        return EXIT_USAGE;
    }
    if (a->csv && a->n_pos > 1) {
        fprintf(stderr, "zhiliang spc append: give values or --csv, not "
                        "both\n");
        json_decref(x.arr);
        return EXIT_USAGE;
    }
    if (a->csv) {
        int vc, cc, tc, oc, nc;

        if (load_csv(a->csv, &tab) ||
            (vc = value_col(&tab, a->csv, a->column)) < 0)
            goto out;
        nc = zl_spc_table_column(&tab, "n");
        cc = zl_spc_table_column(&tab, "code");
        tc = zl_spc_table_column(&tab, "time");
        oc = zl_spc_table_column(&tab, "operator");
        n = tab.n_rows;
        if (!(m = calloc(n + 1, sizeof *m)))
            goto out;
        for (size_t i = 0; i < n; i++) {
            const char *cell;

            if (zl_spc_table_number(&tab, i, (size_t)vc, 0, &m[i].value,
                                    &err)) {
                fprintf(stderr, "zhiliang spc append: %s: %s\n", a->csv,
                        err.rule);
                goto out;
            }
            m[i].code = a->code;
            m[i].oper = a->oper;
            if (nc >= 0 && *tab.cells[i * tab.n_cols + (size_t)nc]) {
                double sz;

                if (zl_spc_table_number(&tab, i, (size_t)nc, 0, &sz, &err) ||
                    sz < 1 || sz != floor(sz) || sz > 1e9) {
                    fprintf(stderr,
                            "zhiliang spc append: %s: line %zu, column n: "
                            "a sample size is a whole number from 1: %s\n",
                            a->csv, tab.line[i],
                            tab.cells[i * tab.n_cols + (size_t)nc]);
                    goto out;
                }
                m[i].size = (int64_t)sz;
            }
            if (cc >= 0 && *(cell = tab.cells[i * tab.n_cols + (size_t)cc]))
                m[i].code = cell;
            if (oc >= 0 && *(cell = tab.cells[i * tab.n_cols + (size_t)oc]))
                m[i].oper = cell;
            if (tc >= 0 && *(cell = tab.cells[i * tab.n_cols + (size_t)tc]) &&
                zl_time_parse(cell, strlen(cell), &m[i].t_ms, NULL)) {
                fprintf(stderr,
                        "zhiliang spc append: %s: line %zu, column time: "
                        "not an RFC 3339 time: %s\n",
                        a->csv, tab.line[i], cell);
                goto out;
            }
        }
    } else {
        n = (size_t)(a->n_pos - 1);
        if (!(m = calloc(n + 1, sizeof *m)))
            goto out;
        for (size_t i = 0; i < n; i++) {
            char *end;
            const char *v = a->pos[i + 1];

            m[i].value = strtod(v, &end);
            if (end != v && *end == '/') { /* COUNT/n */
                char *e2;
                long long sz = strtoll(end + 1, &e2, 10);

                if (e2 == end + 1 || *e2 || sz < 1) {
                    fprintf(stderr,
                            "zhiliang spc append: value %zu: COUNT/n needs a "
                            "sample size n of at least 1: %s (nothing was "
                            "stored)\n",
                            i + 1, v);
                    rc = EXIT_USAGE;
                    goto out;
                }
                m[i].size = sz;
                end = e2;
            }
            if (end == v || *end) {
                fprintf(stderr,
                        "zhiliang spc append: value %zu: not a number: %s "
                        "(nothing was stored)\n",
                        i + 1, v);
                rc = EXIT_USAGE;
                goto out;
            }
            m[i].code = a->code;
            m[i].oper = a->oper;
        }
    }
    if ((rc = zl_spc_append(s, a->pos[0], a->as, m, n, &res, print_new_alarm,
                            &x, &err))) {
        cli_print_error("spc append", a->csv, rc, &err, a->json);
        fprintf(stderr, "zhiliang spc append: nothing was stored\n");
        rc = EXIT_FAIL;
        goto out;
    }
    if (x.arr) {
        json_t *o = json_pack(
            "{s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "stream", a->pos[0], "first",
            (json_int_t)res.first_seq, "stored", (json_int_t)res.n, "points",
            (json_int_t)res.points, "batch", (json_int_t)res.batch,
            "alarm_count", (json_int_t)res.alarms, "alarms", x.arr);

        x.arr = NULL;
        rc = cli_print_json(o, 0);
    } else {
        printf("stored %lld measurement(s) in %s (%lld..%lld, batch %lld): "
               "%lld point(s), %lld alarm(s)\n",
               (long long)res.n, a->pos[0], (long long)res.first_seq,
               (long long)(res.first_seq + res.n - 1), (long long)res.batch,
               (long long)res.points, (long long)res.alarms);
        rc = EXIT_OK;
    }
out:
    json_decref(x.arr);
    free(m);
    zl_spc_table_cleanup(&tab);
    return rc;
}

int cmd_spc_live(int argc, char **argv)
{
    const char *sub = argv[0];
    struct args a;
    zl_store *s;
    int rc, verb = 0;

    if (!strcmp(sub, "stream")) {
        if (argc < 2 ||
            (strcmp(argv[1], "create") && strcmp(argv[1], "list") &&
             strcmp(argv[1], "show") && strcmp(argv[1], "revise"))) {
            fprintf(stderr, "usage:\n");
            cmd_spc_stream_usage(stderr);
            return EXIT_USAGE;
        }
        verb = argv[1][0];
        argc--;
        argv++;
    }
    if ((rc = parse(argc, argv, &a)))
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (!(s = cli_open_store(a.store)))
        return EXIT_FAIL;
    if (verb == 'c')
        rc = stream_create(&a, s);
    else if (verb == 'l')
        rc = stream_list(&a, s);
    else if (verb == 's')
        rc = stream_show(&a, s);
    else if (verb == 'r')
        rc = stream_revise(&a, s);
    else if (!strcmp(sub, "append"))
        rc = append(&a, s);
    else
        rc = alarms(&a, s);
    zl_close(s);
    return rc;
}
