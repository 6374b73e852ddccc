/*
 * cmd_risk_intake.c - `zhiliang risk report|reports|show|codes` and
 * `zhiliang risk signals --reports`: risk reports in the store
 * (zhiliang/risk_intake.h does the checking, sealing and counting; this
 * file reads files and options and prints).
 *
 * The personal-data key is a file of 64 hex digits the operator holds
 * (`openssl rand -hex 32 > pii.key`), named by --pii-key or
 * $ZHILIANG_PII_KEY. Personal data is shown only by `show --reveal` to a
 * registered regulator (--as) who also has the key.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/alloc.h"
#include "zhiliang/buf.h"
#include "zhiliang/query.h"
#include "zhiliang/calendar.h"
#include "zhiliang/recall.h"
#include "zhiliang/risk.h"
#include "zhiliang/risk_intake.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX ((size_t)1 << 20)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang risk report complaint|injury|incident --json FILE|-\n"
        "                  [--pii-key FILE] [--as PARTY] [--deadline-rule "
        "FILE]\n"
        "                  [--calendar FILE]\n"
        "       zhiliang risk reports [--kind KIND] [--json]\n"
        "       zhiliang risk show ID [--json] [--reveal --as PARTY "
        "--pii-key FILE]\n"
        "       zhiliang risk codes [LIST]\n"
        "       zhiliang risk signals --reports [--kind KIND] [--by DIM]\n"
        "                  [--period day|week] [--baseline N] [--h H]\n"
        "                  [--method nbcusum|farrington] [--alpha A]\n"
        "                  [--season PERIODS] [--svg DIR]\n"
        "                  [--cluster N] [--window MINUTES] [--json]\n"
        "(all take --store PATH)\n\n"
        "report: check a report field by field and store it (nothing is "
        "stored\n"
        "  when a field is wrong; every error is printed with its field). "
        "Personal\n"
        "  data (\"personal\": name, phone, id_number, address) is encrypted "
        "with\n"
        "  the key in --pii-key FILE or $ZHILIANG_PII_KEY (64 hex digits: "
        "openssl\n"
        "  rand -hex 32); the public record holds only a salted commitment.\n"
        "  Incident reports get their legal deadline (default: 2 working days "
        "from\n"
        "  \"discovered\"; --deadline-rule FILE {\"days\":N,\"unit\":"
        "\"working-days\"|\n"
        "  \"days\",\"source\":\"...\"} overrides it) and are flagged late "
        "after it.\n"
        "reports: every stored report, oldest first.\n"
        "show: one report, the product's open recalls and where to trace it.\n"
        "codes: the injury card's code lists (data/injury; see its README for\n"
        "  which lists are verified).\n"
        "signals --reports: count reports per DIM (gtin, lot, enterprise,\n"
        "  category, region; default lot) per period and judge each series "
        "with\n"
        "  the negative binomial CUSUM (baseline: all but the last 7 "
        "periods),\n"
        "  and list complaint clusters: N (default 3) complaints on one lot\n"
        "  within WINDOW minutes (default 60). --method farrington uses "
        "the\n"
        "  Noufaily setting with one year of history (shorter series are\n"
        "  skipped); --season P gives the CUSUM a seasonal in-control "
        "mean\n"
        "  (a Poisson GLM with sin/cos terms of period P periods over the\n"
        "  baseline: 7 for a weekly cycle in daily counts, 365.25 for a "
        "yearly\n"
        "  one); --svg DIR writes each alarming series as "
        "DIR/DIM-N.svg.\n"
        "  The false-alarm rate is tuned by --h (CUSUM threshold, default "
        "5)\n"
        "  and --alpha (Farrington's one-sided level per period, default "
        "0.05);\n"
        "  bench_risk_fa measures the rate each gives (README).\n");
}

/* The key from --pii-key or $ZHILIANG_PII_KEY into key: 1 loaded, 0 none
 * named, -1 named but unreadable (message printed). */
static int load_key(int argc, char **argv, uint8_t key[ZL_RISK_KEY_LEN])
{
    const char *path = cli_opt_val(argc, argv, "--pii-key");
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (!path)
        path = getenv("ZHILIANG_PII_KEY");
    if (!path || !*path)
        return 0;
    if (cli_read_file(path, 4096, &data, &len)) {
        fprintf(stderr, "zhiliang risk: cannot read the key file %s\n", path);
        return -1;
    }
    rc = zl_risk_key_parse(data, len, key);
    memset(data, 0, len);
    free(data);
    if (rc) {
        fprintf(stderr,
                "zhiliang risk: %s is not a key (64 hex digits: openssl "
                "rand -hex 32)\n",
                path);
        return -1;
    }
    return 1;
}

static int print_field_error(void *ctx, const struct zl_risk_field_error *e)
{
    json_t *arr = ctx, *o = json_object();

    json_object_set_new(o, "field", json_string(e->field));
    json_object_set_new(o, "value", json_string(e->value));
    json_object_set_new(o, "why", json_string(e->why));
    return json_array_append_new(arr, o) ? ZL_ENOMEM : 0;
}

static int read_rule(const char *path, struct zl_clock_rule *r)
{
    char *data = NULL;
    size_t len;
    json_t *o, *v;
    json_error_t je;
    int ok = 0;

    zl_risk_incident_rule_default(r);
    if (cli_read_file(path, JSON_MAX, &data, &len))
        return -1;
    o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    free(data);
    if (!o || !json_is_object(o))
        goto out;
    if ((v = json_object_get(o, "days"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 3650)
            goto out;
        r->days = (int)json_integer_value(v);
    }
    if ((v = json_object_get(o, "unit")) &&
        (!json_is_string(v) ||
         zl_clock_unit_parse(json_string_value(v), &r->unit)))
        goto out;
    if ((v = json_object_get(o, "source")) && json_is_string(v)) {
        snprintf(r->source, sizeof r->source, "%s", json_string_value(v));
        r->url[0] = r->quote[0] = '\0';
    }
    if ((v = json_object_get(o, "url")) && json_is_string(v))
        snprintf(r->url, sizeof r->url, "%s", json_string_value(v));
    ok = 1;
out:
    json_decref(o);
    if (!ok)
        fprintf(stderr,
                "zhiliang risk: %s: a deadline rule is {\"days\": N, "
                "\"unit\": \"working-days\"|\"days\", \"source\": \"...\"}\n",
                path);
    return ok ? 0 : -1;
}

static int load_calendar(int argc, char **argv, zl_calendar **cal)
{
    const char *path = cli_opt_val(argc, argv, "--calendar");
    struct zl_error err = {0};
    char *data = NULL;
    size_t len;
    int rc;

    *cal = NULL;
    if (!path)
        return 0;
    if ((rc = zl_calendar_new(cal, &err)))
        return -1;
    if (cli_read_file(path, (size_t)1 << 24, &data, &len))
        return -1;
    rc = zl_calendar_load(*cal, data, len, &err);
    free(data);
    if (rc) {
        cli_print_error("risk report", path, rc, &err, 0);
        return -1;
    }
    zl_calendar_set_fallback(*cal, 1);
    return 0;
}

static int report(int argc, char **argv)
{
    const char *file = cli_opt_val(argc, argv, "--json");
    const char *as = cli_opt_val(argc, argv, "--as");
    const char *rule_file = cli_opt_val(argc, argv, "--deadline-rule");
    uint8_t key[ZL_RISK_KEY_LEN];
    struct zl_risk_intake_opts o = {0};
    struct zl_clock_rule rule;
    struct zl_error err = {0};
    enum zl_risk_kind k;
    zl_calendar *cal = NULL;
    zl_store *s = NULL;
    char id[ZL_RISK_ID_MAX], *data = NULL;
    size_t len;
    int kr, rc = EXIT_FAIL, as_json = cli_has_flag(argc, argv, "--output-json");
    json_t *errs = NULL;

    if (argc < 2 || zl_risk_kind_parse(argv[1], &k) || !file) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((kr = load_key(argc, argv, key)) < 0)
        return EXIT_FAIL;
    if (rule_file && read_rule(rule_file, &rule))
        return EXIT_FAIL;
    if (load_calendar(argc, argv, &cal))
        goto out;
    if (cli_read_file(file, JSON_MAX, &data, &len))
        goto out;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        goto out;
    o.key = kr ? key : NULL;
    o.submitter = as;
    o.cal = cal;
    o.incident_rule = rule_file ? &rule : NULL;
    errs = json_array();
    if (as && k != ZL_RISK_COMPLAINT) {
        struct zl_authz_party me;

        if (zl_authz_party(s, as, &me, &err)) {
            cli_print_error("risk report", as, ZL_ENOTFOUND, &err, 0);
            goto out;
        }
    }
    kr = zl_risk_submit(s, k, data, len, &o, id, print_field_error, errs, &err);
    if (kr == ZL_EINVAL) {
        if (as_json) {
            json_t *r = json_object();

            json_object_set_new(r, "errors", errs);
            errs = NULL;
            cli_print_json(r, 0);
            goto out;
        }
        fprintf(stderr, "zhiliang risk report: %s rejected, nothing stored:\n",
                file);
        for (size_t i = 0; i < json_array_size(errs); i++) {
            json_t *e = json_array_get(errs, i);

            fprintf(stderr, "  %s: %s (value: \"%s\")\n",
                    json_string_value(json_object_get(e, "field")),
                    json_string_value(json_object_get(e, "why")),
                    json_string_value(json_object_get(e, "value")));
        }
        goto out;
    }
    if (kr) {
        cli_print_error("risk report", file, kr, &err, 0);
        goto out;
    }
    if (as_json) {
        char *rec;
        size_t rl;

        if (!zl_risk_report_get(s, id, &rec, &rl)) {
            printf("%.*s\n", (int)rl, rec);
            zl_free(rec);
        }
    } else {
        printf("stored %s %s\n", zl_risk_kind_name(k), id);
    }
    rc = EXIT_OK;
out:
    memset(key, 0, sizeof key);
    json_decref(errs);
    zl_calendar_free(cal);
    zl_close(s);
    free(data);
    return rc;
}

struct list_ctx {
    json_t *arr;
    size_t n;
};

static int list_cb(void *ctx, const struct zl_risk_report_row *r)
{
    struct list_ctx *l = ctx;
    json_t *rec = json_loadb(r->json, r->len, 0, NULL);

    l->n++;
    if (l->arr) {
        json_array_append_new(l->arr, rec ? rec : json_null());
        return 0;
    }
    {
        json_t *inc = json_object_get(rec, "incident");
        const char *late = "";

        if (json_is_true(json_object_get(inc, "late")))
            late = "LATE";
        printf("%-22s %-9s %-10s %-14s %-24s %-6s %-4s %s\n", r->id, r->kind,
               r->day, *r->gtin ? r->gtin : "-", *r->lot ? r->lot : "-",
               *r->region ? r->region : "-", late,
               inc && json_object_get(inc, "deadline")
                   ? json_string_value(json_object_get(inc, "deadline"))
                   : "");
    }
    json_decref(rec);
    return 0;
}

static int reports(int argc, char **argv)
{
    const char *kind = cli_opt_val(argc, argv, "--kind");
    struct list_ctx l = {NULL, 0};
    enum zl_risk_kind k = ZL_RISK_COMPLAINT;
    zl_store *s;
    int rc;

    if (kind && zl_risk_kind_parse(kind, &k)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        return EXIT_FAIL;
    if (cli_has_flag(argc, argv, "--json"))
        l.arr = json_array();
    else
        printf("%-22s %-9s %-10s %-14s %-24s %-6s %-4s %s\n", "id", "kind",
               "occurred", "gtin", "lot", "region", "late", "deadline");
    rc = zl_risk_report_list(s, kind ? (int)k : -1, list_cb, &l);
    zl_close(s);
    if (rc) {
        json_decref(l.arr);
        cli_print_error("risk reports", NULL, rc, NULL, 0);
        return EXIT_FAIL;
    }
    if (l.arr) {
        json_t *o = json_object();

        json_object_set_new(o, "reports", l.arr);
        return cli_print_json(o, 0);
    }
    printf("%zu report%s\n", l.n, l.n == 1 ? "" : "s");
    return EXIT_OK;
}

static int recall_cb(void *ctx, const struct zl_recall_notice *n)
{
    json_t *arr = ctx;
    json_t *o = json_object();

    json_object_set_new(o, "case", json_string(n->case_id));
    json_object_set_new(o, "reason", json_string(n->reason ? n->reason : ""));
    json_object_set_new(o, "hazardClass",
                        json_string(n->hazard_class ? n->hazard_class : ""));
    json_array_append_new(arr, o);
    return 0;
}

static int lot_cb(void *ctx, const char *dl)
{
    return json_array_append_new(ctx, json_string(dl)) ? ZL_ENOMEM : 0;
}

static int show(int argc, char **argv)
{
    const char *id = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    const char *as = cli_opt_val(argc, argv, "--as");
    int reveal = cli_has_flag(argc, argv, "--reveal");
    uint8_t key[ZL_RISK_KEY_LEN];
    char *rec = NULL, *pii = NULL;
    size_t rl, pl;
    zl_store *s = NULL;
    json_t *o = NULL, *recalls = json_array(), *lots = json_array(), *prod;
    int rc = EXIT_FAIL, x, kr = 0;

    if (!id) {
        usage(stderr);
        json_decref(recalls);
        return EXIT_USAGE;
    }
    if (reveal && (kr = load_key(argc, argv, key)) < 0)
        goto out;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store"))))
        goto out;
    if ((x = zl_risk_report_get(s, id, &rec, &rl))) {
        fprintf(stderr, "zhiliang risk show: %s: %s\n", id, zl_strerror(x));
        goto out;
    }
    if (reveal) {
        if (!as || (x = zl_risk_may_reveal(s, as))) {
            fprintf(stderr,
                    "zhiliang risk show: personal data is shown only to a "
                    "registered regulator (--as PARTY)%s\n",
                    as ? ": this party is not one" : "");
            goto out;
        }
        if (!kr) {
            fprintf(stderr, "zhiliang risk show: --reveal needs the key "
                            "(--pii-key FILE or $ZHILIANG_PII_KEY)\n");
            goto out;
        }
        x = zl_risk_pii_reveal(s, id, key, &pii, &pl);
        if (x == ZL_EPERM) {
            fprintf(stderr,
                    "zhiliang risk show: %s: this key has been retired by "
                    "`zhiliang risk rekey`: use the new key\n",
                    id);
            goto out;
        }
        if (x && x != ZL_ENOTFOUND) {
            fprintf(stderr,
                    "zhiliang risk show: %s: the personal data does not open "
                    "(%s): wrong key, or the data or its commitment was "
                    "edited\n",
                    id, zl_strerror(x));
            goto out;
        }
    }
    o = json_loadb(rec, rl, 0, NULL);
    prod = json_object_get(o, "product");
    if (json_object_get(prod, "gs1"))
        zl_recall_status_for(s, json_string_value(json_object_get(prod, "gs1")),
                             recall_cb, recalls);
    if (json_object_get(prod, "lot"))
        zl_query_lots_by_batch(
            s, json_string_value(json_object_get(prod, "lot")), lot_cb, lots);
    if (cli_has_flag(argc, argv, "--json")) {
        json_t *r = json_object();

        json_object_set(r, "report", o);
        json_object_set(r, "recalls", recalls);
        json_object_set(r, "lots", lots);
        if (pii)
            json_object_set_new(r, "personal", json_loadb(pii, pl, 0, NULL));
        rc = cli_print_json(r, 0);
        goto out;
    }
    printf("%s\n", rec);
    if (json_object_get(prod, "gs1")) {
        const char *dl = json_string_value(json_object_get(prod, "gs1"));

        printf("product: %s\n  trace: zhiliang trace %s\n", dl, dl);
        for (size_t i = 0; i < json_array_size(lots); i++)
            printf("  stored lot with this batch code: %s\n",
                   json_string_value(json_array_get(lots, i)));
        if (!json_array_size(recalls))
            printf("  recall: none open\n");
        for (size_t i = 0; i < json_array_size(recalls); i++) {
            json_t *c = json_array_get(recalls, i);

            printf("  recall: %s (class %s) %s\n",
                   json_string_value(json_object_get(c, "case")),
                   json_string_value(json_object_get(c, "hazardClass")),
                   json_string_value(json_object_get(c, "reason")));
        }
    }
    if (pii)
        printf("personal: %s\n", pii);
    rc = EXIT_OK;
out:
    memset(key, 0, sizeof key);
    if (pii) {
        memset(pii, 0, pl);
        zl_free(pii);
    }
    json_decref(o);
    json_decref(recalls);
    json_decref(lots);
    zl_free(rec);
    zl_close(s);
    return rc;
}

static int codes(int argc, char **argv)
{
    static const char *const LISTS[] = {
        "sex",    "cause",     "place",    "activity", "intent",
        "nature", "body_part", "severity", "outcome",  NULL};
    int found = 0;

    for (int i = 0; LISTS[i]; i++) {
        size_t len;
        const char *t;

        if (argc > 1 && strcmp(argv[1], LISTS[i]))
            continue;
        t = zl_risk_code_list(LISTS[i], &len);
        found = 1;
        printf("# %s (data/injury/%s.csv)\n%.*s", LISTS[i], LISTS[i], (int)len,
               t ? t : "");
    }
    if (!found) {
        fprintf(stderr, "zhiliang risk codes: no list %s\n", argv[1]);
        return EXIT_USAGE;
    }
    printf("(see data/injury/README.md: these lists are NOT the official "
           "code lists)\n");
    return EXIT_OK;
}

/* ---- signals over stored reports ---------------------------------------- */

struct cl_ctx {
    json_t *arr;
};

static int cluster_cb(void *ctx, const struct zl_risk_cluster *c)
{
    struct cl_ctx *x = ctx;
    json_t *o = json_object(), *ids = json_array();
    char a[32], b[32];

    for (size_t i = 0; i < c->count; i++)
        json_array_append_new(ids, json_string(c->ids[i]));
    zl_time_format_utc(c->first_ms, a);
    zl_time_format_utc(c->last_ms, b);
    json_object_set_new(o, "type", json_string("cluster"));
    json_object_set_new(o, "lot", json_string(c->lot));
    json_object_set_new(o, "observed", json_integer((json_int_t)c->count));
    json_object_set_new(o, "first", json_string(a));
    json_object_set_new(o, "last", json_string(b));
    json_object_set_new(o, "reports", ids);
    json_array_append_new(x->arr, o);
    return 0;
}

static json_t *strs(char **v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static int signals_reports(int argc, char **argv)
{
    const char *kind = cli_opt_val(argc, argv, "--kind"),
               *by = cli_opt_val(argc, argv, "--by"),
               *period = cli_opt_val(argc, argv, "--period"),
               *bl = cli_opt_val(argc, argv, "--baseline"),
               *hs = cli_opt_val(argc, argv, "--h"),
               *cn = cli_opt_val(argc, argv, "--cluster"),
               *win = cli_opt_val(argc, argv, "--window"),
               *method = cli_opt_val(argc, argv, "--method"),
               *as = cli_opt_val(argc, argv, "--alpha"),
               *svgdir = cli_opt_val(argc, argv, "--svg"),
               *ss = cli_opt_val(argc, argv, "--season");
    struct zl_risk_series_set set = {0};
    struct zl_error err = {0};
    struct cl_ctx cl;
    enum zl_risk_kind k = ZL_RISK_COMPLAINT;
    enum zl_risk_dim dim = ZL_RISK_BY_LOT;
    int pd = 1, rc = EXIT_FAIL, x;
    long baseline = bl ? strtol(bl, NULL, 10) : 0;
    long min_count = cn ? strtol(cn, NULL, 10) : 3;
    double h = hs ? strtod(hs, NULL) : 5, window = win ? strtod(win, NULL) : 60;
    double alpha = as ? strtod(as, NULL) : -1;
    double season = ss ? strtod(ss, NULL) : 0;
    zl_store *s;
    json_t *sig = json_array();
    size_t skipped = 0;

    if ((kind && zl_risk_kind_parse(kind, &k)) ||
        (by && zl_risk_dim_parse(by, &dim)) ||
        (period && strcmp(period, "day") && strcmp(period, "week")) ||
        (bl && baseline < 2) || (cn && min_count < 2) || !(h > 0) ||
        (as && !(alpha > 0 && alpha < 0.5)) || !(window > 0) ||
        (ss && !(season >= 2)) ||
        (method && strcmp(method, "nbcusum") && strcmp(method, "farrington"))) {
        usage(stderr);
        json_decref(sig);
        return EXIT_USAGE;
    }
    if (period && !strcmp(period, "week"))
        pd = 7;
    if (!(s = cli_open_store(cli_opt_val(argc, argv, "--store")))) {
        json_decref(sig);
        return EXIT_FAIL;
    }
    if ((x = zl_risk_series_build(s, kind ? (int)k : -1, dim, pd, -1, &set,
                                  &err))) {
        cli_print_error("risk signals", NULL, x, &err, 0);
        goto out;
    }
    for (size_t i = 0; i < set.n; i++) {
        struct zl_risk_series *sr = &set.s[i];
        struct zl_risk_nbcusum_opts no;
        struct zl_risk_farrington_opts fo;
        struct zl_risk_signals out = {0};
        size_t n = set.n_periods, b;
        int far = method && !strcmp(method, "farrington");

        b = baseline ? (size_t)baseline : n > 14 ? n - 7 : 0;
        if (far) {
            /* one year back (b = 1): series shorter than that are
             * skipped by the detector itself */
            zl_risk_farrington_defaults(&fo, pd == 7 ? 52 : 365, 1);
            fo.b = 1;
            if (alpha > 0)
                fo.alpha = alpha;
            if (zl_risk_farrington(sr->y, n, &fo, &out, NULL)) {
                skipped++;
                continue;
            }
        } else if (!b || b >= n) {
            skipped++;
            continue;
        } else {
            zl_risk_nbcusum_defaults(&no);
            no.baseline = b;
            no.h = h;
            no.period = season;
            if (zl_risk_nbcusum(sr->y, n, &no, &out, NULL)) {
                skipped++;
                continue;
            }
        }
        if (svgdir && out.n_alarms) {
            struct zl_buf svg;
            char path[1024], title[200];
            FILE *fp;

            snprintf(path, sizeof path, "%s/%s-%zu.svg", svgdir,
                     zl_risk_dim_name(dim), i + 1);
            snprintf(title, sizeof title, "%s %s", zl_risk_dim_name(dim),
                     sr->key);
            zl_buf_init(&svg, (size_t)64 << 20);
            if (!zl_risk_svg(&svg, sr->y, n, &out, title) &&
                (fp = fopen(path, "wb"))) {
                fwrite(svg.data, 1, svg.len, fp);
                fclose(fp);
            }
            zl_buf_cleanup(&svg);
        }
        for (size_t j = 0; j < out.n; j++) {
            struct zl_risk_point *p = &out.pts[j];
            json_t *o;
            char d[11];

            if (!p->alarm)
                continue;
            zl_day_format(set.first_day + (int32_t)(p->t * (size_t)pd), d);
            o = json_object();
            json_object_set_new(o, "type",
                                json_string(far ? "farrington" : "nbcusum"));
            json_object_set_new(o, "by", json_string(zl_risk_dim_name(dim)));
            json_object_set_new(o, "key", json_string(sr->key));
            json_object_set_new(o, "period", json_string(d));
            json_object_set_new(o, "observed", json_real(p->observed));
            json_object_set_new(o, "expected", json_real(p->expected));
            json_object_set_new(o, "upper", json_real(p->upper));
            json_object_set_new(o, "score", json_real(p->score));
            json_object_set_new(o, "products", strs(sr->gtins, sr->n_gtins));
            json_object_set_new(o, "lots", strs(sr->lots, sr->n_lots));
            if (p->t == n - 1)
                json_object_set_new(o, "reports", strs(sr->ids, sr->n_ids));
            json_array_append_new(sig, o);
        }
        zl_risk_signals_cleanup(&out);
    }
    cl.arr = sig;
    if ((!kind || k == ZL_RISK_COMPLAINT) &&
        (x = zl_risk_clusters(s, (int64_t)(window * 60000), (size_t)min_count,
                              cluster_cb, &cl))) {
        cli_print_error("risk signals", NULL, x, NULL, 0);
        goto out;
    }
    if (cli_has_flag(argc, argv, "--json")) {
        json_t *o = json_object();

        json_object_set(o, "signals", sig);
        json_object_set_new(o, "series", json_integer((json_int_t)set.n));
        json_object_set_new(o, "periods",
                            json_integer((json_int_t)set.n_periods));
        json_object_set_new(o, "skipped", json_integer((json_int_t)skipped));
        rc = cli_print_json(o, JSON_REAL_PRECISION(6));
        goto out;
    }
    for (size_t i = 0; i < json_array_size(sig); i++) {
        json_t *o = json_array_get(sig, i);
        char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));

        printf("SIGNAL %s\n", line ? line : "");
        free(line);
    }
    printf("%zu signal%s over %zu series of %zu periods (%zu too short to "
           "judge)\n",
           json_array_size(sig), json_array_size(sig) == 1 ? "" : "s", set.n,
           set.n_periods, skipped);
    rc = EXIT_OK;
out:
    json_decref(sig);
    zl_risk_series_cleanup(&set);
    zl_close(s);
    return rc;
}

int cmd_risk_intake(int argc, char **argv)
{
    static const struct cli_verb VERBS[] = {
        {"report", report}, {"reports", reports},         {"show", show},
        {"codes", codes},   {"signals", signals_reports}, {NULL, NULL}};

    return cli_run_verb(argc, argv, VERBS, usage);
}
