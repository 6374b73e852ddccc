/*
 * cmd_trace.c - `zhiliang trace back|forward ID` (来源可查 / 去向可追) and
 * `zhiliang trace scope --lot ID...` (what a recall of those lots covers).
 *
 * Only a client of include/zhiliang/trace.h: parse the options, run the
 * trace, print it as an indented tree (default), JSON, SVG or DOT. With
 * --as PARTY the trace runs over the events that party may read
 * (docs/access.md, "Who reads what"), as the server runs it for its token;
 * without, over every event (local access is operator access).
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/buf.h"
#include "zhiliang/party.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/trace.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOTS 256
#define OUT_CAP  ((size_t)1 << 31)
/* Links listed under one node unless --full. */
#define MAX_CHILDREN 20

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang trace back ID [options]      trace to the sources "
        "(来源可查)\n"
        "       zhiliang trace forward ID [options]   trace to the "
        "destinations (去向可追)\n"
        "       zhiliang trace scope --lot ID [--lot ID...] [--json]\n"
        "                                             what a recall of these "
        "lots covers\n\n"
        "ID is any identifier form (EPC URN, GS1 Digital Link, element "
        "string):\n"
        "an item (SGTIN), a lot (LGTIN), a container (SSCC), a returnable "
        "asset\n"
        "(GRAI) or a location (SGLN: what passed through it).\n\n"
        "Prints a summary (counts, time span, origins or where it went),\n"
        "then one line an item, lot or container: names of places and\n"
        "parties, lots as printed on packs, times in --tz.\n\n"
        "  --full        every event under its node, every link listed\n"
        "  --ids         identifiers as stored and times in UTC, every "
        "event\n"
        "  --tz ZONE     +HH:MM, UTC or Asia/Shanghai (default "
        "$ZHILIANG_TZ,\n"
        "                else Asia/Shanghai)\n"
        "  --from TIME   only events at or after TIME (ISO 8601, or "
        "YYYY-MM-DD\n"
        "                and YYYY-MM-DDTHH:MM read in --tz)\n"
        "  --to TIME     only events at or before TIME\n"
        "  --at TIME     as known then: only events recorded by TIME\n"
        "  --depth N     follow at most N links from the start\n"
        "  --as PARTY    only over the events PARTY may read (docs/access.md)\n"
        "  --json        print the trace as JSON\n"
        "  --svg FILE    draw the trace graph as SVG into FILE\n"
        "  --dot FILE    write the trace graph as Graphviz DOT into FILE\n"
        "  --store PATH  the store\n\n"
        "Example: zhiliang trace back "
        "https://id.gs1.org/01/09506000134352/21/1001\n"
        "Exit codes: 0 ok, 1 failure (bad identifier or store), 2 usage.\n");
}

static json_t *jstr_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

struct as_ctx {
    zl_store *s;
    const struct zl_viewer *v;
    zl_viewer_memo *memo; /* the rule's answers for this trace */
};

static int as_visible(void *ctx, const uint8_t hash[32])
{
    const struct as_ctx *a = ctx;
    int rc = zl_viewer_sees_event_memo(a->s, a->v, a->memo, hash);

    return rc == ZL_ENOTFOUND ? 0 : rc;
}

static int print_scope(const zl_trace *t, const char *const *lots, size_t n,
                       int json)
{
    struct zl_trace_summary sum;
    char tb[32];

    zl_trace_summarize(t, &sum);
    if (json) {
        json_t *o = json_object(), *aff = json_array(), *ctes = json_array(),
               *jl = json_array();
        char *text;

        for (size_t i = 0; i < n; i++)
            json_array_append_new(jl, json_string(lots[i]));
        for (size_t i = 0; i < zl_trace_node_count(t); i++) {
            const struct zl_trace_node *nd = zl_trace_node(t, i);
            json_t *a = json_object();

            json_object_set_new(a, "id", json_string(nd->id));
            json_object_set_new(a, "kind",
                                json_string(zl_trace_kind_name(nd->kind)));
            json_object_set_new(a, "depth", json_integer(nd->depth));
            if (nd->has_quantity)
                json_object_set_new(a, "quantity", json_real(nd->quantity));
            json_object_set_new(a, "uom", jstr_or_null(nd->uom));
            json_object_set_new(a, "owner", jstr_or_null(nd->owner));
            json_object_set_new(a, "possessor", jstr_or_null(nd->possessor));
            json_object_set_new(a, "location", jstr_or_null(nd->location));
            if (nd->last_event >= 0) {
                zl_time_format_utc(
                    zl_trace_event(t, (size_t)nd->last_event)->event_time_ms,
                    tb);
                json_object_set_new(a, "lastEventTime", json_string(tb));
            }
            json_object_set_new(a, "reachedConsumer",
                                json_boolean(nd->reached_consumer));
            json_array_append_new(aff, a);
        }
        for (size_t i = 0; i < zl_trace_event_count(t); i++) {
            const struct zl_trace_event *e = zl_trace_event(t, i);
            json_t *c;

            if (e->cte == ZL_CTE_NONE)
                continue;
            c = json_object();
            json_object_set_new(c, "cte", json_string(zl_cte_name(e->cte)));
            zl_time_format_utc(e->event_time_ms, tb);
            json_object_set_new(c, "eventTime", json_string(tb));
            json_object_set_new(c, "bizLocation",
                                jstr_or_null(e->biz_location));
            json_object_set_new(c, "source", jstr_or_null(e->src_owner));
            json_object_set_new(c, "destination", jstr_or_null(e->dst_owner));
            json_array_append_new(ctes, c);
        }
        json_object_set_new(o, "lots", jl);
        json_object_set_new(o, "items", json_integer((json_int_t)sum.items));
        json_object_set_new(o, "itemsAtConsumers",
                            json_integer((json_int_t)sum.items_at_consumers));
        json_object_set_new(o, "lotsAffected",
                            json_integer((json_int_t)sum.lots));
        json_object_set_new(
            o, "containers",
            json_integer((json_int_t)(sum.containers + sum.assets)));
        json_object_set_new(o, "affected", aff);
        json_object_set_new(o, "ctes", ctes);
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (text == NULL)
            return -1;
        puts(text);
        free(text);
        return 0;
    }
    printf("recall scope of %zu lot%s: %zu item%s (%zu already at "
           "consumers), %zu lot%s, %zu container%s, %zu event%s\n",
           n, n == 1 ? "" : "s", sum.items, sum.items == 1 ? "" : "s",
           sum.items_at_consumers, sum.lots + sum.classes,
           sum.lots + sum.classes == 1 ? "" : "s", sum.containers + sum.assets,
           sum.containers + sum.assets == 1 ? "" : "s", sum.events,
           sum.events == 1 ? "" : "s");
    for (size_t i = 0; i < zl_trace_node_count(t); i++) {
        const struct zl_trace_node *nd = zl_trace_node(t, i);

        printf("%-9s %s", zl_trace_kind_name(nd->kind), nd->id);
        if (nd->has_quantity && nd->kind != ZL_TK_ITEM)
            printf("  %g %s", nd->quantity, nd->uom ? nd->uom : "");
        if (nd->owner)
            printf("  owner %s", nd->owner);
        if (nd->location)
            printf("  at %s", nd->location);
        if (nd->reached_consumer)
            printf("  SOLD");
        putchar('\n');
    }
    return 0;
}

int cmd_trace(int argc, char **argv)
{
    static const struct option opts[] = {{"store", required_argument, 0, 's'},
                                         {"from", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {"at", required_argument, 0, 'a'},
                                         {"depth", required_argument, 0, 'd'},
                                         {"json", no_argument, 0, 'j'},
                                         {"svg", required_argument, 0, 'S'},
                                         {"dot", required_argument, 0, 'D'},
                                         {"lot", required_argument, 0, 'l'},
                                         {"as", required_argument, 0, 'A'},
                                         {"tz", required_argument, 0, 'z'},
                                         {"full", no_argument, 0, 'F'},
                                         {"ids", no_argument, 0, 'i'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *store = NULL, *svg = NULL, *dot = NULL, *verb, *as = NULL;
    char as_id[ZL_PARTY_ID_MAX];
    const char *tz = NULL, *times[3] = {NULL, NULL, NULL};
    struct zl_trace_text_opts text = {NULL, 0, 0, MAX_CHILDREN};
    int ids = 0;
    struct zl_viewer viewer;
    struct as_ctx actx = {NULL, NULL, NULL};
    const char *lots[MAX_LOTS], *start = NULL;
    static char lot_dl[MAX_LOTS][256], start_dl[256];
    size_t n_lots = 0;
    struct zl_trace_opts o;
    struct zl_error err = {0};
    struct zl_buf out;
    zl_store *s = NULL;
    zl_trace *t = NULL;
    int json = 0, c, rc, ret = EXIT_FAIL;

    memset(&o, 0, sizeof o);
    zl_buf_init(&out, OUT_CAP);
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        long v;

        switch (c) {
        case 's': store = optarg; break;
        case 'j': json = 1; break;
        case 'S': svg = optarg; break;
        case 'D': dot = optarg; break;
        case 'A': as = optarg; break;
        case 'f': times[0] = optarg; break;
        case 't': times[1] = optarg; break;
        case 'a': times[2] = optarg; break;
        case 'z': tz = optarg; break;
        case 'F': text.full = 1; break;
        case 'i': ids = 1; break;
        case 'd':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || v < 1 || v > 1000000) {
                fprintf(stderr, "zhiliang trace: bad --depth '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o.depth = (int)v;
            break;
        case 'l':
            if (n_lots == MAX_LOTS) {
                fprintf(stderr, "zhiliang trace: at most %d --lot\n", MAX_LOTS);
                return EXIT_USAGE;
            }
            lots[n_lots++] = optarg;
            break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (cli_zone("trace", tz, &text.zone_min))
        return EXIT_USAGE;
    for (int k = 0; k < 3; k++) {
        int64_t *dst = k == 0 ? &o.from_ms : k == 1 ? &o.to_ms : &o.at_ms;

        if (times[k] && zl_time_parse_in_zone(times[k], strlen(times[k]),
                                              text.zone_min, dst)) {
            fprintf(stderr,
                    "zhiliang trace: bad time '%s' (ISO 8601, or "
                    "2026-03-02 / 2026-03-02T08:30 read in --tz)\n",
                    times[k]);
            return EXIT_USAGE;
        }
    }
    if (ids)
        text.full = 1; /* the raw form: everything, as stored */
    if (text.full)
        text.max_children = 0;
    if (strcmp(verb, "scope") == 0) {
        if (n_lots == 0 || optind != argc) {
            usage(stderr);
            return EXIT_USAGE;
        }
    } else if (strcmp(verb, "back") == 0 || strcmp(verb, "backward") == 0 ||
               strcmp(verb, "forward") == 0) {
        if (optind + 1 != argc || n_lots) {
            usage(stderr);
            return EXIT_USAGE;
        }
        o.dir = verb[0] == 'f' ? ZL_TRACE_FORWARD : ZL_TRACE_BACKWARD;
    } else {
        fprintf(stderr, "zhiliang trace: unknown verb '%s'\n", verb);
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((s = cli_open_store(store)) == NULL)
        goto out;
    if (as) {
        if (!(as = cli_party_arg(s, "trace", as, as_id, 1)))
            goto out;
        if ((rc = zl_viewer_for_party(s, as, &viewer, &err)) != 0) {
            cli_print_error("trace", as, rc, &err, json);
            goto out;
        }
        if (!zl_viewer_reads_events(&viewer)) {
            fprintf(stderr,
                    "zhiliang trace: party %s is an operator: it "
                    "administers parties and tokens and reads no "
                    "events (docs/access.md)\n",
                    viewer.party.id);
            goto out;
        }
        actx.s = s;
        actx.v = &viewer;
        if (zl_viewer_memo_new(&actx.memo)) {
            fprintf(stderr, "zhiliang trace: out of memory\n");
            goto out;
        }
        o.visible = as_visible;
        o.visible_ctx = &actx;
    }
    /* an identifier may be the batch code on a pack alone */
    for (size_t i = 0; i < n_lots; i++)
        if (!(lots[i] = cli_lot_arg(s, "trace", lots[i], lot_dl[i],
                                    sizeof lot_dl[i])))
            goto out;
    if (!n_lots && !(start = cli_lot_arg(s, "trace", argv[optind], start_dl,
                                         sizeof start_dl)))
        goto out;
    if (n_lots)
        rc = zl_trace_scope(s, lots, n_lots, &o, &t, &err);
    else
        rc = zl_trace_run(s, start, &o, &t, &err);
    if (rc != 0) {
        cli_print_error("trace", n_lots ? lots[0] : start, rc, &err, json);
        goto out;
    }
    if (!n_lots && zl_trace_event_count(t) == 0) {
        /* a code nobody recorded: say so, do not print an empty tree */
        fprintf(stderr, "zhiliang trace: no stored event names %s%s\n", start,
                as ? " (that this party may read)" : "");
        goto out;
    }
    if (!json && !ids && zl_names_open(s, 0, &text.names))
        goto out;
    if (svg) {
        if (zl_trace_write_svg_opts(t, &text, &out) != 0 ||
            cli_write_file("trace", svg, out.data, out.len) != 0)
            goto out;
        zl_buf_reset(&out);
    }
    if (dot) {
        if (zl_trace_write_dot(t, &out) != 0 ||
            cli_write_file("trace", dot, out.data, out.len) != 0)
            goto out;
        zl_buf_reset(&out);
    }
    if (n_lots) {
        if (print_scope(t, lots, n_lots, json) != 0)
            goto out;
    } else if ((svg == NULL || strcmp(svg, "-") != 0) &&
               (dot == NULL || strcmp(dot, "-") != 0)) {
        rc = json ? zl_trace_write_json(t, &out)
                  : zl_trace_write_text_opts(t, &text, &out);
        if (rc != 0 || cli_write_file("trace", "-", out.data, out.len) != 0)
            goto out;
    }
    ret = EXIT_OK;
out:
    zl_viewer_memo_free(actx.memo);
    zl_names_close(text.names);
    zl_trace_free(t);
    zl_close(s);
    zl_buf_cleanup(&out);
    return ret;
}
