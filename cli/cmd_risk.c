/*
 * cmd_risk.c - `zhiliang risk`: outbreak signals in a count series and
 * the Safety Gate risk assessment (zhiliang/risk.h does the computing;
 * this file reads the CSV or JSON, prints and writes the outputs).
 *
 * The series CSV has a header and one row per period, oldest first; the
 * counts come from --count (default: a column named "count", else the
 * last column), and the first column, when it is not the count, labels
 * the periods (a date, a week) in the output. An empty count cell is a
 * missing period.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/buf.h"
#include "zhiliang/risk.h"
#include "zhiliang/spc.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX  ((size_t)1 << 30)
#define ROWS_MAX ((size_t)50000000)
#define JSON_MAX ((size_t)16 << 20)
#define SVG_MAX  ((size_t)256 << 20)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang risk signals SERIES.csv [options]\n"
        "       zhiliang risk assess SCENARIO.json [--json]\n"
        "       zhiliang risk assess --severity S --probability P [--json]\n"
        "       zhiliang risk report complaint|injury|incident --json FILE\n"
        "       zhiliang risk reports | show ID | codes | signals --reports\n"
        "         (risk reports: see `zhiliang risk report --help`)\n"
        "       zhiliang risk review|case|overdue|published|rekey ...\n"
        "       zhiliang risk dispose open|act|answer|done|close|show|list "
        "...\n"
        "         (complaint handling: see `zhiliang risk review --help`)\n"
        "\n"
        "signals: judge each period of a count series (one row a period,\n"
        "oldest first) against its history and list the alarms with their\n"
        "evidence: observed, expected, upper bound (threshold), score.\n"
        "  --method farrington|nbcusum  detector (default farrington)\n"
        "  --count COL       the count column (default: \"count\", else the "
        "last)\n"
        "  --freq N          periods a year: 52 weekly (default), 365 daily\n"
        "  --all             list every judged period, not only alarms\n"
        "  --svg OUT         the series, expected and threshold lines, "
        "alarms\n"
        "  --json            every judged period as JSON\n"
        "farrington (R surveillance::farringtonFlexible, same defaults):\n"
        "  --b YEARS         years of history (default 5)\n"
        "  --w N             half window in periods (default 3)\n"
        "  --alpha A         one-sided level of the bound (default 0.05)\n"
        "  --noufaily        Noufaily et al. 2013: --periods 10 --past 26\n"
        "                    --threshold nbplugin\n"
        "  --periods N       seasonal factor levels (default 1)\n"
        "  --past N          recent periods left out of the fit "
        "(default w)\n"
        "  --threshold delta|nbplugin|muan  upper bound method\n"
        "  --limit54 C/P     alarm only with >= C cases in the last P "
        "periods (5/4)\n"
        "  --no-reweight     do not down-weight past outbreaks\n"
        "  --no-trend        never fit a time trend\n"
        "  --start N         first period to judge (1-based)\n"
        "nbcusum (R surveillance::glrnb with theta given, Hoehle & Paul "
        "2008):\n"
        "  --baseline N      first N periods give the in-control mean "
        "(required)\n"
        "  --kappa K         log of the shift to detect (default log 2)\n"
        "  --h H             alarm threshold; larger: fewer false alarms "
        "(5)\n"
        "  --dispersion A    NB alpha, var = mu + A mu^2 (default: "
        "estimated)\n"
        "  --season P        in-control mean from a Poisson GLM over the "
        "baseline\n"
        "                    with sin/cos terms of period P (52 weekly, "
        "365.25 daily\n"
        "                    for a yearly season, 7 daily for a weekly one)\n"
        "  --harmonics S     sin/cos pairs with --season (default 1)\n"
        "  --trend           a linear trend term with --season\n"
        "\n"
        "assess: EU Safety Gate (RAPEX) risk assessment. SCENARIO.json:\n"
        "  {\"product\": \"...\", \"scenarios\": [{\"name\": \"...\", "
        "\"severity\": 1-4,\n"
        "   \"steps\": [{\"text\": \"...\", \"p\": 0.02 or \"1/50\"}, "
        "...]}, ...]}\n"
        "The overall probability of a scenario is the product of its "
        "steps'; the\n"
        "level (low, medium, high, serious) comes from the matrix of "
        "Commission\n"
        "Implementing Decision (EU) 2019/417 (data/risk); the product's "
        "risk is\n"
        "that of its worst scenario. docs/risk.md gives the methods.\n");
}

/* "1/500", "0.002", "2e-3" -> p; 0 or -1 */
static int parse_prob(const char *s, double *p)
{
    char *e;
    double a = strtod(s, &e), b;

    if (e == s)
        return -1;
    if (*e == '/') {
        const char *d = e + 1;

        b = strtod(d, &e);
        if (e == d || *e || !(b > 0))
            return -1;
        a /= b;
    } else if (*e) {
        return -1;
    }
    *p = a;
    return isfinite(a) ? 0 : -1;
}

static int parse_num(const char *opt, const char *s, double *d)
{
    char *e;

    *d = strtod(s, &e);
    if (e == s || *e || !isfinite(*d)) {
        fprintf(stderr, "zhiliang risk: --%s: not a number: %s\n", opt, s);
        return -1;
    }
    return 0;
}

/* ---- signals --------------------------------------------------------------
 */

enum {
    O_METHOD = 256,
    O_COUNT,
    O_FREQ,
    O_ALL,
    O_SVG,
    O_JSON,
    O_B,
    O_W,
    O_ALPHA,
    O_NOUF,
    O_PERIODS,
    O_PAST,
    O_THRESH,
    O_L54,
    O_NORW,
    O_NOTR,
    O_START,
    O_BASE,
    O_KAPPA,
    O_H,
    O_DISP,
    O_SEASON,
    O_HARM,
    O_CTREND
};

static json_t *num_or_null(double d)
{
    return isfinite(d) ? json_real(d) : json_null();
}

static int signals(int argc, char **argv)
{
    static const struct option opts[] = {{"method", 1, 0, O_METHOD},
                                         {"count", 1, 0, O_COUNT},
                                         {"freq", 1, 0, O_FREQ},
                                         {"all", 0, 0, O_ALL},
                                         {"svg", 1, 0, O_SVG},
                                         {"json", 0, 0, O_JSON},
                                         {"b", 1, 0, O_B},
                                         {"w", 1, 0, O_W},
                                         {"alpha", 1, 0, O_ALPHA},
                                         {"noufaily", 0, 0, O_NOUF},
                                         {"periods", 1, 0, O_PERIODS},
                                         {"past", 1, 0, O_PAST},
                                         {"threshold", 1, 0, O_THRESH},
                                         {"limit54", 1, 0, O_L54},
                                         {"no-reweight", 0, 0, O_NORW},
                                         {"no-trend", 0, 0, O_NOTR},
                                         {"start", 1, 0, O_START},
                                         {"baseline", 1, 0, O_BASE},
                                         {"kappa", 1, 0, O_KAPPA},
                                         {"h", 1, 0, O_H},
                                         {"dispersion", 1, 0, O_DISP},
                                         {"season", 1, 0, O_SEASON},
                                         {"harmonics", 1, 0, O_HARM},
                                         {"trend", 0, 0, O_CTREND},
                                         {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *method = "farrington", *count = NULL, *svg = NULL;
    const char *thresh = NULL, *l54 = NULL, *path;
    int all = 0, json = 0, nouf = 0, norw = 0, notr = 0, ctrend = 0, c;
    int rc = EXIT_FAIL;
    double freq = 52, b = NAN, w = NAN, alpha = NAN, periods = NAN, past = NAN,
           start = NAN, base = NAN, kappa = NAN, h = NAN, disp = NAN,
           season = NAN, harm = NAN;
    struct zl_spc_table t = {0};
    struct zl_risk_signals s = {0};
    struct zl_error err = {0};
    double *y = NULL;
    char *data = NULL;
    size_t len = 0;
    int col, lab;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        double *d = NULL;

        switch (c) {
        case 'h': usage(stdout); return EXIT_OK;
        case O_METHOD: method = optarg; break;
        case O_COUNT: count = optarg; break;
        case O_ALL: all = 1; break;
        case O_SVG: svg = optarg; break;
        case O_JSON: json = 1; break;
        case O_NOUF: nouf = 1; break;
        case O_THRESH: thresh = optarg; break;
        case O_L54: l54 = optarg; break;
        case O_NORW: norw = 1; break;
        case O_NOTR: notr = 1; break;
        case O_FREQ: d = &freq; break;
        case O_B: d = &b; break;
        case O_W: d = &w; break;
        case O_ALPHA: d = &alpha; break;
        case O_PERIODS: d = &periods; break;
        case O_PAST: d = &past; break;
        case O_START: d = &start; break;
        case O_BASE: d = &base; break;
        case O_KAPPA: d = &kappa; break;
        case O_H: d = &h; break;
        case O_DISP: d = &disp; break;
        case O_SEASON: d = &season; break;
        case O_HARM: d = &harm; break;
        case O_CTREND: ctrend = 1; break;
        default: usage(stderr); return EXIT_USAGE;
        }
        if (d) {
            const char *name = "option";

            for (const struct option *q = opts; q->name; q++)
                if (q->val == c)
                    name = q->name;
            if (parse_num(name, optarg, d))
                return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    path = argv[optind];
    if (strcmp(method, "farrington") && strcmp(method, "nbcusum")) {
        fprintf(stderr, "zhiliang risk: --method: farrington or nbcusum\n");
        return EXIT_USAGE;
    }
    if (cli_read_file(path, CSV_MAX, &data, &len))
        return EXIT_FAIL;
    rc = zl_spc_csv_parse(data, len, ROWS_MAX, &t, &err);
    free(data);
    if (rc) {
        cli_print_error("risk", path, rc, &err, json);
        return EXIT_FAIL;
    }
    rc = EXIT_FAIL;
    col = count ? zl_spc_table_column(&t, count)
                : zl_spc_table_column(&t, "count");
    if (col < 0 && !count)
        col = (int)t.n_cols - 1;
    if (col < 0) {
        fprintf(stderr, "zhiliang risk: %s: no column named %s\n", path, count);
        goto out;
    }
    lab = col != 0 ? 0 : -1;
    if (!t.n_rows) {
        fprintf(stderr, "zhiliang risk: %s: no rows\n", path);
        goto out;
    }
    if (!(y = malloc(sizeof(double) * t.n_rows)))
        goto out;
    for (size_t r = 0; r < t.n_rows; r++)
        if (zl_spc_table_number(&t, r, (size_t)col, 1, &y[r], &err)) {
            cli_print_error("risk", path, ZL_EINVAL, &err, json);
            goto out;
        }
    if (!strcmp(method, "farrington")) {
        struct zl_risk_farrington_opts o;

        if (!(freq >= 1 && freq <= 10000)) {
            fprintf(stderr, "zhiliang risk: --freq: 1 to 10000\n");
            goto out;
        }
        zl_risk_farrington_defaults(&o, (int)freq, nouf);
        if (!isnan(b))
            o.b = (int)b;
        if (!isnan(w))
            o.w = (int)w;
        if (!isnan(alpha))
            o.alpha = alpha;
        if (!isnan(periods))
            o.no_periods = (int)periods;
        if (!isnan(past))
            o.past_weeks_not_included = (int)past;
        if (!isnan(start) && start >= 1)
            o.start = (size_t)start - 1;
        if (norw)
            o.reweight = 0;
        if (notr)
            o.trend = 0;
        if (thresh) {
            if (!strcmp(thresh, "delta"))
                o.threshold = ZL_RISK_DELTA;
            else if (!strcmp(thresh, "nbplugin"))
                o.threshold = ZL_RISK_NBPLUGIN;
            else if (!strcmp(thresh, "muan"))
                o.threshold = ZL_RISK_MUAN;
            else {
                fprintf(stderr, "zhiliang risk: --threshold: delta, "
                                "nbplugin or muan\n");
                goto out;
            }
        }
        if (l54 &&
            sscanf(l54, "%d/%d", &o.limit54_cases, &o.limit54_period) != 2) {
            fprintf(stderr, "zhiliang risk: --limit54: C/P, e.g. 5/4\n");
            goto out;
        }
        int frc = zl_risk_farrington(y, t.n_rows, &o, &s, &err);

        if (frc) {
            cli_print_error("risk", path, frc, &err, json);
            goto out;
        }
    } else {
        struct zl_risk_nbcusum_opts o;

        zl_risk_nbcusum_defaults(&o);
        if (isnan(base) || base < 2) {
            fprintf(stderr, "zhiliang risk: nbcusum needs --baseline N\n");
            goto out;
        }
        o.baseline = (size_t)base;
        if (!isnan(kappa))
            o.kappa = kappa;
        if (!isnan(h))
            o.h = h;
        if (!isnan(disp))
            o.alpha = disp;
        if (!isnan(season))
            o.period = season;
        if (!isnan(harm))
            o.harmonics = (int)harm;
        o.trend = ctrend;
        int nrc = zl_risk_nbcusum(y, t.n_rows, &o, &s, &err);

        if (nrc) {
            cli_print_error("risk", path, nrc, &err, json);
            goto out;
        }
    }
    if (svg) {
        struct zl_buf sb;
        int src;

        zl_buf_init(&sb, SVG_MAX);
        src = zl_risk_svg(&sb, y, t.n_rows, &s, path);
        if (src)
            fprintf(stderr, "zhiliang risk: SVG: %s\n", zl_strerror(src));
        else if (cli_write_file("risk", svg, sb.data ? sb.data : "", sb.len))
            src = -1;
        zl_buf_cleanup(&sb);
        if (src)
            goto out;
    }
    if (json) {
        json_t *o = json_object(), *arr = json_array();

        json_object_set_new(o, "method", json_string(method));
        json_object_set_new(o, "alarms", json_integer((json_int_t)s.n_alarms));
        for (size_t i = 0; i < s.n; i++) {
            const struct zl_risk_point *p = &s.pts[i];
            json_t *e = json_object();

            json_object_set_new(e, "period",
                                json_integer((json_int_t)p->t + 1));
            if (lab >= 0)
                json_object_set_new(
                    e, "label",
                    cli_json_str(t.cells[p->t * t.n_cols + (size_t)lab]));
            json_object_set_new(e, "observed", num_or_null(p->observed));
            json_object_set_new(e, "expected", num_or_null(p->expected));
            json_object_set_new(e, "upper", num_or_null(p->upper));
            json_object_set_new(e, "score", num_or_null(p->score));
            json_object_set_new(e, "pvalue", num_or_null(p->pvalue));
            json_object_set_new(e, "dispersion", num_or_null(p->phi));
            json_object_set_new(e, "trend", json_boolean(p->trend));
            json_object_set_new(e, "enough_cases", json_boolean(p->enough));
            json_object_set_new(e, "fitted", json_boolean(p->fitted));
            json_object_set_new(e, "alarm", json_boolean(p->alarm));
            json_array_append_new(arr, e);
        }
        json_object_set_new(o, "periods", arr);
        rc = cli_print_json(o, JSON_REAL_PRECISION(12));
        goto out;
    }
    printf("%s: %zu periods judged, %zu alarm%s (%s)\n", path, s.n, s.n_alarms,
           s.n_alarms == 1 ? "" : "s", method);
    printf("%-12s %8s %10s %10s %9s %10s\n", "period", "observed", "expected",
           "upper", "score", "p-value");
    for (size_t i = 0; i < s.n; i++) {
        const struct zl_risk_point *p = &s.pts[i];
        char name[32];

        if (!all && !p->alarm)
            continue;
        if (lab >= 0)
            snprintf(name, sizeof name, "%s",
                     t.cells[p->t * t.n_cols + (size_t)lab]);
        else
            snprintf(name, sizeof name, "%zu", p->t + 1);
        printf("%-12s %8.0f %10.3f %10.3f %9.3f %10.3g%s\n", name, p->observed,
               p->expected, p->upper, p->score, p->pvalue,
               p->alarm     ? "  ALARM"
               : !p->fitted ? "  (no fit)"
                            : "");
    }
    rc = EXIT_OK;
out:
    free(y);
    zl_risk_signals_cleanup(&s);
    zl_spc_table_cleanup(&t);
    return rc;
}

/* ---- assess ---------------------------------------------------------------
 */

static int json_prob(json_t *v, double *p)
{
    if (json_is_number(v)) {
        *p = json_number_value(v);
        return 0;
    }
    if (json_is_string(v))
        return parse_prob(json_string_value(v), p);
    return -1;
}

static int assess(int argc, char **argv)
{
    static const struct option opts[] = {{"json", 0, 0, 'j'},
                                         {"severity", 1, 0, 's'},
                                         {"probability", 1, 0, 'p'},
                                         {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    int json = 0, c, rc = EXIT_FAIL, sev = 0;
    const char *prob = NULL;
    json_t *doc = NULL, *scs, *out = NULL, *arr;
    struct zl_risk_scenario *sc = NULL;
    double *ps = NULL, one;
    size_t n = 0, nsteps = 0, worst = 0;
    enum zl_risk_level overall;
    struct zl_error err = {0};

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EXIT_OK;
        case 'j': json = 1; break;
        case 's': sev = atoi(optarg) > 0 ? atoi(optarg) : -1; break;
        case 'p': prob = optarg; break;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (prob || sev) {
        if (optind != argc || !prob || !sev) {
            fprintf(stderr, "zhiliang risk assess: give both --severity "
                            "and --probability\n");
            return EXIT_USAGE;
        }
        if (parse_prob(prob, &one)) {
            fprintf(stderr,
                    "zhiliang risk assess: --probability: not a "
                    "probability: %s\n",
                    prob);
            return EXIT_USAGE;
        }
        sc = calloc(1, sizeof *sc);
        if (!sc)
            return EXIT_FAIL;
        sc->severity = sev;
        sc->step_p = &one;
        sc->n_steps = 1;
        n = 1;
    } else {
        json_error_t je;
        char *data = NULL;
        size_t len = 0;

        if (optind + 1 != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (cli_read_file(argv[optind], JSON_MAX, &data, &len))
            return EXIT_FAIL;
        doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
        free(data);
        if (!doc) {
            fprintf(stderr, "zhiliang risk assess: %s: line %d: %s\n",
                    argv[optind], je.line, je.text);
            return EXIT_FAIL;
        }
        scs = json_object_get(doc, "scenarios");
        if (!json_is_array(scs) || !json_array_size(scs)) {
            fprintf(stderr,
                    "zhiliang risk assess: %s: $.scenarios: must be "
                    "a non-empty array\n",
                    argv[optind]);
            goto out;
        }
        n = json_array_size(scs);
        for (size_t i = 0; i < n; i++)
            nsteps += json_array_size(
                json_object_get(json_array_get(scs, i), "steps"));
        sc = calloc(n, sizeof *sc);
        ps = calloc(nsteps + 1, sizeof *ps);
        if (!sc || !ps)
            goto out;
        nsteps = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(scs, i),
                   *st = json_object_get(e, "steps");
            json_t *sv = json_object_get(e, "severity");

            sc[i].name = json_string_value(json_object_get(e, "name"));
            sc[i].severity =
                json_is_integer(sv) ? (int)json_integer_value(sv) : 0;
            sc[i].step_p = ps + nsteps;
            for (size_t j = 0; j < json_array_size(st); j++) {
                json_t *pj = json_object_get(json_array_get(st, j), "p");

                if (json_prob(pj, &ps[nsteps])) {
                    fprintf(stderr,
                            "zhiliang risk assess: %s: "
                            "$.scenarios[%zu].steps[%zu].p: a number "
                            "or \"1/N\"\n",
                            argv[optind], i, j);
                    goto out;
                }
                nsteps++;
                sc[i].n_steps++;
            }
        }
    }
    if (zl_risk_assess(sc, n, &overall, &worst, &err)) {
        cli_print_error("risk assess", doc ? argv[optind] : NULL, ZL_EINVAL,
                        &err, json);
        goto out;
    }
    if (json) {
        out = json_object();
        arr = json_array();
        json_object_set_new(out, "level",
                            json_string(zl_risk_level_name(overall)));
        json_object_set_new(out, "worst_scenario",
                            json_integer((json_int_t)worst));
        json_object_set_new(out, "source",
                            json_string(zl_risk_matrix_source()));
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_object();

            if (sc[i].name)
                json_object_set_new(e, "name", json_string(sc[i].name));
            json_object_set_new(e, "severity", json_integer(sc[i].severity));
            json_object_set_new(e, "probability", json_real(sc[i].probability));
            json_object_set_new(e, "band", json_string(sc[i].band));
            json_object_set_new(e, "level",
                                json_string(zl_risk_level_name(sc[i].level)));
            json_array_append_new(arr, e);
        }
        json_object_set_new(out, "scenarios", arr);
        rc = cli_print_json(out, JSON_REAL_PRECISION(10));
        out = NULL;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *st =
            doc ? json_object_get(
                      json_array_get(json_object_get(doc, "scenarios"), i),
                      "steps")
                : NULL;
        double cum = 1;

        printf("scenario %zu%s%s: severity %d\n", i + 1, sc[i].name ? ": " : "",
               sc[i].name ? sc[i].name : "", sc[i].severity);
        for (size_t j = 0; j < sc[i].n_steps; j++) {
            const char *tx = st ? json_string_value(json_object_get(
                                      json_array_get(st, j), "text"))
                                : NULL;

            cum *= sc[i].step_p[j];
            printf("  step %zu: p = %-10.6g (1/%.4g)  cumulative %.6g  %s\n",
                   j + 1, sc[i].step_p[j], 1 / sc[i].step_p[j], cum,
                   tx ? tx : "");
        }
        printf("  overall probability %.6g (1/%.4g), band \"%s\", "
               "severity %d: %s risk\n",
               sc[i].probability, 1 / sc[i].probability, sc[i].band,
               sc[i].severity, zl_risk_level_name(sc[i].level));
    }
    printf("risk: %s (scenario %zu)\nmatrix: %s\n", zl_risk_level_name(overall),
           worst + 1, zl_risk_matrix_source());
    rc = EXIT_OK;
out:
    json_decref(out);
    json_decref(doc);
    free(sc);
    free(ps);
    return rc;
}

int cmd_risk(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (!sub || cli_is_help(sub)) {
        usage(sub ? stdout : stderr);
        return sub ? EXIT_OK : EXIT_USAGE;
    }
    if (!strcmp(sub, "report") || !strcmp(sub, "reports") ||
        !strcmp(sub, "show") || !strcmp(sub, "codes"))
        return cmd_risk_intake(argc - 1, argv + 1);
    if (!strcmp(sub, "review") || !strcmp(sub, "case") ||
        !strcmp(sub, "overdue") || !strcmp(sub, "published") ||
        !strcmp(sub, "rekey"))
        return cmd_risk_handle(argc - 1, argv + 1);
    if (!strcmp(sub, "dispose"))
        return cmd_risk_dispose(argc - 1, argv + 1);
    for (int i = 2; !strcmp(sub, "signals") && i < argc; i++)
        if (!strcmp(argv[i], "--reports"))
            return cmd_risk_intake(argc - 1, argv + 1);
    if (!strcmp(sub, "signals"))
        return signals(argc - 1, argv + 1);
    if (!strcmp(sub, "assess"))
        return assess(argc - 1, argv + 1);
    fprintf(stderr, "zhiliang risk: unknown subcommand %s\n", sub);
    usage(stderr);
    return EXIT_USAGE;
}
