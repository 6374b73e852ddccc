/*
 * cmd_recall.c - `zhiliang recall`: recall scope (JSON, report, FSMA 204
 * sortable spreadsheet) and recall cases from opening to closure.
 *
 * Only a client of zhiliang/recall.h: every subcommand parses its options,
 * calls one library function and prints the result (text or --json).
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/buf.h"
#include "zhiliang/recall.h"
#include "zhiliang/timefmt.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS   4096
#define LOT_DL_MAX 256

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang recall <verb> [options]\n\n"
        "  scope --lot ID [--lot ID...] [--json] [--csv FILE] [--report]\n"
        "        everything downstream of the lots: lots, items, containers,\n"
        "        custodians, what reached consumers. --csv writes the FDA\n"
        "        FSMA 204 electronic sortable spreadsheet (\"-\" = stdout);\n"
        "        --excel starts it with a UTF-8 byte order mark so that\n"
        "        spreadsheet programs read its Chinese names right.\n"
        "  open --lot ID [--lot ID...] --reason TEXT --hazard-class I|II|III "
        "[--json]\n"
        "        [--reason-en TEXT] [--advice TEXT] [--advice-en TEXT]\n"
        "        open a recall case (prints its ID, a UUID). The reason in\n"
        "        Chinese and, apart, in English; advice: what holders should\n"
        "        do (default: the hazard class's standard advice)\n"
        "  notify CASE [--party ID ...]    record notifications (default:\n"
        "        every custodian in scope)\n"
        "  progress CASE --party ID [--ack] [--recovered QTY [--uom U]]\n"
        "  status CASE [--json]            who was notified, acknowledged,\n"
        "        recovered; effectiveness = recovered / distributed\n"
        "  close CASE --summary TEXT [--force REASON]\n"
        "        refused while a notified party has not acknowledged,\n"
        "        unless forced with a reason\n"
        "  list [--open] [--json]\n\n"
        "  --store PATH    the store\n"
        "Every step is a record in the tamper-evident log.\n"
        "Exit codes: 0 ok, 1 failure, 2 usage.\n");
}

struct opts {
    const char *store, *reason, *hazard, *csv, *summary, *force, *uom;
    const char *reason_en, *advice, *advice_en;
    const char *recovered;
    const char *lots[MAX_ARGS];
    char lot_dl[MAX_ARGS][LOT_DL_MAX]; /* lots found by batch code */
    size_t n_lots;
    const char *parties[MAX_ARGS];
    char party_ids[MAX_ARGS][ZL_PARTY_ID_MAX]; /* parties given by name */
    size_t n_parties;
    int json, report, ack, open_only, excel;
    const char *pos[4];
    size_t n_pos;
};

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"store", required_argument, NULL, 's'},
        {"lot", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"csv", required_argument, NULL, 'c'},
        {"report", no_argument, NULL, 'r'},
        {"excel", no_argument, NULL, 'E'},
        {"reason", required_argument, NULL, 'R'},
        {"reason-en", required_argument, NULL, 'e'},
        {"advice", required_argument, NULL, 'A'},
        {"advice-en", required_argument, NULL, 'V'},
        {"hazard-class", required_argument, NULL, 'H'},
        {"party", required_argument, NULL, 'p'},
        {"ack", no_argument, NULL, 'a'},
        {"recovered", required_argument, NULL, 'q'},
        {"uom", required_argument, NULL, 'u'},
        {"summary", required_argument, NULL, 'S'},
        {"force", required_argument, NULL, 'f'},
        {"open", no_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's': o->store = optarg; break;
        case 'l':
            if (o->n_lots == MAX_ARGS)
                return EXIT_USAGE;
            o->lots[o->n_lots++] = optarg;
            break;
        case 'j': o->json = 1; break;
        case 'c': o->csv = optarg; break;
        case 'r': o->report = 1; break;
        case 'E': o->excel = 1; break;
        case 'R': o->reason = optarg; break;
        case 'e': o->reason_en = optarg; break;
        case 'A': o->advice = optarg; break;
        case 'V': o->advice_en = optarg; break;
        case 'H': o->hazard = optarg; break;
        case 'p':
            if (o->n_parties == MAX_ARGS)
                return EXIT_USAGE;
            o->parties[o->n_parties++] = optarg;
            break;
        case 'a': o->ack = 1; break;
        case 'q': o->recovered = optarg; break;
        case 'u': o->uom = optarg; break;
        case 'S': o->summary = optarg; break;
        case 'f': o->force = optarg; break;
        case 'o': o->open_only = 1; break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    while (optind < argc) {
        if (o->n_pos == 4) {
            usage(stderr);
            return EXIT_USAGE;
        }
        o->pos[o->n_pos++] = argv[optind++];
    }
    return 0;
}

static int do_scope(zl_store *s, struct opts *o)
{
    struct zl_error err = {0};
    zl_recall_scope *sc = NULL;
    struct zl_buf b;
    int rc, code = EXIT_FAIL;

    zl_buf_init(&b, (size_t)1 << 31);
    rc = zl_recall_scope_compute(s, o->lots, o->n_lots, &sc, &err);
    if (rc) {
        cli_print_error("recall scope", NULL, rc, &err, o->json);
        goto out;
    }
    if (o->csv) {
        if ((o->excel && (rc = zl_buf_adds(&b, "\xef\xbb\xbf")) != 0) ||
            (rc = zl_recall_scope_csv(sc, &b)) != 0 ||
            cli_write_file("recall", o->csv, b.data, b.len))
            goto out;
        zl_buf_reset(&b);
    }
    if (o->json) {
        if ((rc = zl_recall_scope_json(sc, &b)) != 0 ||
            cli_write_file("recall", "-", b.data, b.len))
            goto out;
        zl_buf_reset(&b);
    }
    if (o->report || (!o->json && !o->csv)) {
        if ((rc = zl_recall_scope_report(sc, &b)) != 0 ||
            cli_write_file("recall", "-", b.data, b.len))
            goto out;
    }
    code = EXIT_OK;
out:
    if (rc && code == EXIT_FAIL && !err.code)
        fprintf(stderr, "zhiliang recall scope: %s\n", zl_strerror(rc));
    zl_buf_cleanup(&b);
    zl_recall_scope_free(sc);
    return code;
}

static int parse_hazard(const char *h)
{
    if (!h)
        return 0;
    if (!strcmp(h, "I") || !strcmp(h, "1"))
        return ZL_HAZARD_I;
    if (!strcmp(h, "II") || !strcmp(h, "2"))
        return ZL_HAZARD_II;
    if (!strcmp(h, "III") || !strcmp(h, "3"))
        return ZL_HAZARD_III;
    return 0;
}

static int fail(const char *verb, int rc, const struct zl_error *err, int json)
{
    char cmd[64];

    snprintf(cmd, sizeof cmd, "recall %s", verb);
    cli_print_error(cmd, NULL, rc, err, json);
    return EXIT_FAIL;
}

static int do_open(zl_store *s, struct opts *o)
{
    struct zl_error err = {0};
    char id[ZL_RECALL_ID_MAX];
    int h = parse_hazard(o->hazard), rc;

    if (!o->n_lots || !o->reason || !h) {
        fprintf(stderr, "zhiliang recall open: needs --lot, --reason and"
                        " --hazard-class I|II|III\n");
        return EXIT_USAGE;
    }
    rc =
        zl_recall_open_texts(s, o->lots, o->n_lots,
                             &(struct zl_recall_texts){o->reason, o->reason_en,
                                                       o->advice, o->advice_en},
                             h, id, &err);
    if (rc)
        return fail("open", rc, &err, o->json);
    if (o->json)
        return cli_print_json(json_pack("{s:s}", "case", id), 0);
    else
        printf("%s\n", id);
    return EXIT_OK;
}

/* --party values given by name become IDs (cli_party_arg). */
static int resolve_parties(zl_store *s, const char *cmd, struct opts *o,
                           int strict)
{
    for (size_t i = 0; i < o->n_parties; i++)
        if (!(o->parties[i] = cli_party_arg(s, cmd, o->parties[i],
                                            o->party_ids[i], strict)))
            return -1;
    return 0;
}

static int do_notify(zl_store *s, struct opts *o)
{
    struct zl_error err = {0};
    size_t n = 0;
    int rc;

    if (resolve_parties(s, "recall notify", o, 0))
        return EXIT_FAIL;
    rc = zl_recall_notify(s, o->pos[1], o->n_parties ? o->parties : NULL,
                          o->n_parties, &n, &err);
    if (rc)
        return fail("notify", rc, &err, o->json);
    if (o->json)
        return cli_print_json(json_pack("{s:o,s:I}", "case",
                                        cli_json_str(o->pos[1]), "notified",
                                        (json_int_t)n),
                              0);
    else
        printf("%zu part%s notified\n", n, n == 1 ? "y" : "ies");
    return EXIT_OK;
}

static int do_progress(zl_store *s, struct opts *o)
{
    struct zl_error err = {0};
    double q = 0;
    int rc;

    if (o->n_parties != 1 || (!o->ack && !o->recovered)) {
        fprintf(stderr, "zhiliang recall progress: needs one --party and"
                        " --ack and/or --recovered QTY\n");
        return EXIT_USAGE;
    }
    if (o->recovered) {
        char *end;

        errno = 0;
        q = strtod(o->recovered, &end);
        if (errno || *end || end == o->recovered || !isfinite(q) || q < 0) {
            fprintf(stderr, "zhiliang recall progress: --recovered takes a"
                            " quantity >= 0\n");
            return EXIT_USAGE;
        }
    }
    if (resolve_parties(s, "recall progress", o, 0))
        return EXIT_FAIL;
    rc = zl_recall_progress(s, o->pos[1], o->parties[0], o->ack,
                            o->recovered != NULL, q, o->uom, &err);
    if (rc)
        return fail("progress", rc, &err, o->json);
    if (o->json)
        return cli_print_json(
            json_pack("{s:o,s:b}", "case", cli_json_str(o->pos[1]), "ok", 1),
            0);
    else
        printf("recorded\n");
    return EXIT_OK;
}

/* A quantity: an integer when whole, as the recall records print them. */
static json_t *jstrings(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n && a; i++)
        if (json_array_append_new(a, json_string(v[i]))) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

static void pct(double v, char out[16])
{
    if (!isnan(v))
        snprintf(out, 16, "%.1f%%", 100 * v);
    else
        snprintf(out, 16, "-");
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int do_status(zl_store *s, struct opts *o)
{
    struct zl_recall_status *st = NULL;
    char e[16];
    size_t i;
    int rc;

    rc = zl_recall_status_get(s, o->pos[1], &st);
    if (rc)
        return fail("status", rc, NULL, o->json);
    if (o->json) {
        struct zl_buf t;

        zl_buf_init(&t, (size_t)1 << 30);
        rc = zl_recall_status_json(st, &t);
        zl_recall_status_free(st);
        if (!rc)
            printf("%s\n", t.data);
        zl_buf_cleanup(&t);
        return rc ? EXIT_FAIL : EXIT_OK;
    }
    printf("召回案件 / Recall case %s\n状态 / Status: %s\n"
           "原因 / Reason: %s%s%s\n危害等级 / Hazard class: %s\n"
           "开启 / Opened: %s\n",
           st->case_id, st->closed ? "closed" : "open", or_empty(st->reason),
           st->reason_en ? " / " : "", or_empty(st->reason_en),
           or_empty(st->hazard_class), or_empty(st->opened));
    if (st->advice || st->advice_en)
        printf("建议 / Advice: %s%s%s\n", or_empty(st->advice),
               st->advice && st->advice_en ? " / " : "",
               or_empty(st->advice_en));
    if (st->closed)
        printf("结案 / Closed: %s (%s)\n", or_empty(st->closed_at),
               or_empty(st->close_summary));
    printf("\n各方 / Parties:\n  %-40s %-8s %-6s %-5s %12s %12s %9s\n", "party",
           "notified", "acked", "uom", "distributed", "recovered", "effect.");
    for (i = 0; i < st->n_parties; i++) {
        const struct zl_recall_party_status *p = &st->parties[i];

        pct(p->effectiveness, e);
        printf("  %-40s %-8s %-6s %-5s %12g %12g %9s\n", p->party,
               p->notified ? "yes" : "no", p->acknowledged ? "yes" : "no",
               p->uom, p->distributed, p->recovered, e);
        if (p->name)
            printf("    %s\n", p->name);
    }
    printf("\n总体 / Overall:\n");
    for (i = 0; i < st->n_overall; i++) {
        const struct zl_recall_unit_total *t = &st->overall[i];

        pct(t->effectiveness, e);
        printf("  %-5s recovered %g of %g distributed: %s\n", t->uom,
               t->recovered, t->distributed, e);
    }
    pct(st->effectiveness, e);
    printf("召回有效率 / Effectiveness: %s\n", e);
    zl_recall_status_free(st);
    return EXIT_OK;
}

static int do_close(zl_store *s, struct opts *o)
{
    struct zl_error err = {0};
    int rc;

    if (!o->summary) {
        fprintf(stderr, "zhiliang recall close: needs --summary TEXT\n");
        return EXIT_USAGE;
    }
    rc = zl_recall_close(s, o->pos[1], o->summary, o->force != NULL, o->force,
                         &err);
    if (rc)
        return fail("close", rc, &err, o->json);
    if (o->json)
        return cli_print_json(json_pack("{s:o,s:s}", "case",
                                        cli_json_str(o->pos[1]), "status",
                                        "closed"),
                              0);
    else
        printf("closed %s\n", o->pos[1]);
    return EXIT_OK;
}

static int list_cb(void *ctx, const struct zl_recall_info *r)
{
    json_t *arr = ctx, *o;
    char opened[32], closed[32] = "";

    zl_time_format_utc(r->opened_ms, opened);
    if (r->closed_ms)
        zl_time_format_utc(r->closed_ms, closed);
    if (!arr) {
        printf("%s  %-6s %-3s %s  %s\n", r->case_id, r->status, r->hazard_class,
               opened, r->reason);
        return 0;
    }
    o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "case", r->case_id, "status",
                  r->status, "reason", r->reason, "hazardClass",
                  r->hazard_class, "opened", opened, "lots",
                  jstrings(r->lots, r->n_lots), "gtins",
                  jstrings(r->gtins, r->n_gtins));
    if (o && closed[0])
        json_object_set_new(o, "closed", json_string(closed));
    return o ? json_array_append_new(arr, o) : -1;
}

static int do_list(zl_store *s, struct opts *o)
{
    json_t *arr = o->json ? json_array() : NULL;
    int rc;

    rc = zl_recall_list(s, o->open_only, list_cb, arr);
    if (rc) {
        json_decref(arr);
        return fail("list", rc, NULL, o->json);
    }
    if (arr) {
        char *t = json_dumps(arr, JSON_INDENT(2));

        if (t)
            printf("%s\n", t);
        free(t);
        json_decref(arr);
    }
    return EXIT_OK;
}

int cmd_recall(int argc, char **argv)
{
    struct opts *o;
    zl_store *s = NULL;
    const char *verb;
    int code;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    o = calloc(1, sizeof *o);
    if (!o)
        return EXIT_FAIL;
    code = parse(argc - 1, argv + 1, o);
    if (code) {
        free(o);
        return code < 0 ? EXIT_OK : code;
    }
    verb = argv[1];
    {
        int needs_case = !strcmp(verb, "notify") || !strcmp(verb, "progress") ||
                         !strcmp(verb, "status") || !strcmp(verb, "close");
        int known = needs_case || !strcmp(verb, "scope") ||
                    !strcmp(verb, "open") || !strcmp(verb, "list");

        /* parse() collected positionals after the verb into pos[0..] */
        if (!known || o->n_pos != (size_t)needs_case ||
            ((!strcmp(verb, "scope") || !strcmp(verb, "open")) && !o->n_lots)) {
            usage(stderr);
            free(o);
            return EXIT_USAGE;
        }
        if (needs_case)
            o->pos[1] = o->pos[0];
        o->pos[0] = verb;
    }
    s = cli_open_store(o->store);
    if (!s) {
        free(o);
        return EXIT_FAIL;
    }
    /* lots may be given by the batch code on the pack alone */
    for (size_t i = 0; i < o->n_lots; i++) {
        const char *lot =
            cli_lot_arg(s, "recall", o->lots[i], o->lot_dl[i], LOT_DL_MAX);

        if (!lot) {
            zl_close(s);
            free(o);
            return EXIT_FAIL;
        }
        o->lots[i] = lot;
    }
    if (!strcmp(verb, "scope"))
        code = do_scope(s, o);
    else if (!strcmp(verb, "open"))
        code = do_open(s, o);
    else if (!strcmp(verb, "notify"))
        code = do_notify(s, o);
    else if (!strcmp(verb, "progress"))
        code = do_progress(s, o);
    else if (!strcmp(verb, "status"))
        code = do_status(s, o);
    else if (!strcmp(verb, "close"))
        code = do_close(s, o);
    else
        code = do_list(s, o);
    zl_close(s);
    free(o);
    return code;
}
