/*
 * cmd_draw.c - `zhiliang draw`: publicly verifiable random selection.
 *
 *   pick    RFC 3797 selection from seed sources and/or a log beacon
 *   beacon  a plan's log beacon with the evidence to check it offline
 *   check   check such evidence against the operator's key (no store)
 *
 * The output of `pick` has the reference tool's layout (index, MD5, div,
 * selected), so a regulator's draw can be compared line by line with any
 * other RFC 3797 implementation; docs/draws.md walks through it.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/codec.h"
#include "zhiliang/draw.h"
#include "zhiliang/log.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (16 << 20)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: zhiliang draw pick --names FILE [--seeds FILE] [--beacon "
        "TEXT]\n"
        "                          [--count N] [--json]\n"
        "       zhiliang draw beacon (--plan-index I | --plan-record KEY)\n"
        "                          --size S [--store PATH] [--json]\n"
        "       zhiliang draw check --evidence FILE --key VKEY [--json]\n\n"
        "pick: select N of the names in FILE (one per line, in published\n"
        "order) by RFC 3797. The key string is built from the seed file (one\n"
        "source per line, '#' comments, decimal numbers such as lottery\n"
        "results) followed by the beacon text, if given. Prints the key and\n"
        "each step: index, MD5, names left, position selected, name.\n\n"
        "beacon: the randomness a logged plan fixed for itself: the Merkle\n"
        "root of the log at tree size S, which must lie after the plan's "
        "leaf.\n"
        "Until the log reaches S the seed does not exist (exit 1, says so).\n"
        "--json prints the evidence for `draw check`: the beacon, a signed\n"
        "checkpoint, a consistency proof to it and the plan's inclusion "
        "proof.\n\n"
        "check: verify that evidence offline with the operator's verifier key\n"
        "(text or file, as printed by `zhiliang log key`).\n\n"
        "Exit codes: 0 ok, 1 failure or not yet available, 2 usage error.\n");
}

/* Names: one per line, trailing blanks and CR dropped; a final newline
 * does not make an empty name. names[] points into text. */
static size_t split_names(char *text, size_t len, char ***out)
{
    size_t n = 0, cap = 0, i = 0;
    char **names = NULL;

    while (i < len) {
        char *line = text + i, *nl = memchr(line, '\n', len - i), *e;

        e = nl ? nl : text + len;
        i = (size_t)(e - text) + 1;
        *e = '\0';
        while (e > line && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t'))
            *--e = '\0';
        if (n == cap) {
            char **nn = realloc(names, (cap ? cap * 2 : 64) * sizeof *nn);

            if (!nn)
                break;
            names = nn;
            cap = cap ? cap * 2 : 64;
        }
        names[n++] = line;
    }
    *out = names;
    return n;
}

struct pick_opts {
    const char *names, *seeds, *beacon;
    unsigned long count;
    int json;
};

static int run_pick(const struct pick_opts *o)
{
    char *seeds = NULL, *ntext = NULL, **names = NULL;
    char key[ZL_RFC3797_KEY_MAX] = "";
    size_t slen = 0, nlen = 0, klen = 0, n, i;
    uint32_t *picks = NULL, count;
    uint8_t(*md5)[16] = NULL;
    struct zl_error err = {0};
    json_t *out = NULL, *steps = NULL;
    int rc = EXIT_FAIL;

    if (cli_read_file(o->names, FILE_MAX, &ntext, &nlen) ||
        (o->seeds && cli_read_file(o->seeds, 1 << 20, &seeds, &slen)))
        goto out;
    if (o->seeds && zl_rfc3797_key(seeds, slen, key, sizeof key, &klen, &err)) {
        cli_print_error("draw", o->seeds, err.code, &err, o->json);
        goto out;
    }
    if (o->beacon) {
        size_t bl = strlen(o->beacon);

        if (klen + bl + 1 > sizeof key) {
            fprintf(stderr, "zhiliang draw: --beacon: longer than %zu bytes\n",
                    sizeof key - klen - 1);
            goto out;
        }
        memcpy(key + klen, o->beacon, bl + 1);
        klen += bl;
    }
    n = split_names(ntext, nlen, &names);
    if (!n || n > ZL_RFC3797_MAX_POOL) {
        fprintf(stderr,
                "zhiliang draw: %s: %zu names (RFC 3797 takes 1 to "
                "%d)\n",
                o->names, n, ZL_RFC3797_MAX_POOL);
        goto out;
    }
    count = o->count < n ? (uint32_t)o->count : (uint32_t)n;
    picks = calloc(count ? count : 1, sizeof *picks);
    md5 = calloc(count ? count : 1, sizeof *md5);
    if (!picks || !md5 ||
        zl_rfc3797_select(key, klen, (uint32_t)n, count, picks, md5)) {
        fprintf(stderr, "zhiliang draw: selection failed\n");
        goto out;
    }
    if (o->json) {
        out = json_pack("{s:s, s:I, s:[]}", "key", key, "pool", (json_int_t)n,
                        "picks");
        steps = json_object_get(out, "picks");
    } else {
        printf("Key string is %s\n\n"
               " index        hex value of MD5        div  selected\n",
               key);
    }
    for (i = 0; i < count; i++) {
        char hex[33];

        zl_hex_encode(md5[i], 16, hex);
        for (char *c = hex; *c; c++)
            if (*c >= 'a')
                *c = (char)(*c - 'a' + 'A');
        if (o->json)
            json_array_append_new(steps,
                                  json_pack("{s:I, s:s, s:I, s:I, s:s}", "step",
                                            (json_int_t)i + 1, "md5", hex,
                                            "div", (json_int_t)(n - i),
                                            "position", (json_int_t)picks[i],
                                            "name", names[picks[i] - 1]));
        else
            printf(" %4zu  %s  %2zu  -> %2u <- %s\n", i + 1, hex, n - i,
                   picks[i], names[picks[i] - 1]);
    }
    if (out) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    rc = EXIT_OK;
out:
    json_decref(out);
    free(seeds);
    free(ntext);
    free(names);
    free(picks);
    free(md5);
    return rc;
}

static json_t *hashes_json(const uint8_t (*h)[32], size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++) {
        char hex[65];

        zl_hex_encode(h[i], 32, hex);
        json_array_append_new(a, json_string(hex));
    }
    return a;
}

struct beacon_opts {
    const char *store, *plan_record;
    long long plan_index, size;
    int json;
};

static int run_beacon(const struct beacon_opts *o)
{
    uint8_t cons[ZL_LOG_MAX_PROOF][32], incl[ZL_LOG_MAX_PROOF][32];
    size_t nc = 0, ni = 0;
    struct zl_draw_beacon b;
    struct zl_checkpoint ck;
    struct zl_error err = {0};
    char text[200], leaf[65], root[65], *note = NULL;
    uint64_t plan = 0;
    zl_store *s;
    int rc = EXIT_FAIL, r;

    s = cli_open_store(o->store);
    if (!s)
        return EXIT_FAIL;
    if (o->plan_record) {
        r = zl_log_find(s, o->plan_record, &plan, NULL, NULL);
        if (r) {
            fprintf(stderr, "zhiliang draw: plan record '%s': %s\n",
                    o->plan_record, zl_strerror(r));
            goto out;
        }
    } else {
        plan = (uint64_t)o->plan_index;
    }
    r = zl_draw_beacon_from_log(s, plan, (uint64_t)o->size, &b, &err);
    if (r) {
        cli_print_error("draw", NULL, r, &err, o->json);
        goto out;
    }
    zl_draw_beacon_text(&b, text, sizeof text);
    /* Evidence: the latest checkpoint (one is signed now if none covers
     * the beacon yet) and the two proofs. */
    r = zl_log_checkpoint_latest(s, &note);
    if (!r && (zl_log_checkpoint_parse(note, strlen(note), &ck, &err) ||
               ck.size < b.size)) {
        zl_free(note);
        note = NULL;
        r = ZL_ENOTFOUND;
    }
    if (r == ZL_ENOTFOUND)
        r = zl_log_checkpoint_issue(s, &note);
    if (!r)
        r = zl_log_checkpoint_parse(note, strlen(note), &ck, &err);
    if (!r)
        r = zl_log_prove_consistency(s, b.size, ck.size, cons, &nc);
    if (!r)
        r = zl_log_prove_inclusion(s, b.plan_index, b.size, incl, &ni);
    if (r) {
        fprintf(stderr, "zhiliang draw: cannot build the evidence: %s\n",
                zl_strerror(r));
        goto out;
    }
    zl_hex_encode(b.plan_leaf, 32, leaf);
    zl_hex_encode(b.root, 32, root);
    if (o->json) {
        json_t *j = json_pack(
            "{s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:o}", "plan_index",
            (json_int_t)b.plan_index, "plan_leaf", leaf, "size",
            (json_int_t)b.size, "root", root, "text", text, "checkpoint", note,
            "consistency", hashes_json((const uint8_t(*)[32])cons, nc),
            "inclusion", hashes_json((const uint8_t(*)[32])incl, ni));

        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    } else {
        printf("plan leaf %llu, beacon at tree size %llu\n"
               "root      %s\nbeacon    %s\n"
               "(checkpoint at size %llu; --json prints the proofs)\n",
               (unsigned long long)b.plan_index, (unsigned long long)b.size,
               root, text, (unsigned long long)ck.size);
    }
    rc = EXIT_OK;
out:
    zl_free(note);
    zl_close(s);
    return rc;
}

/* hashes[] from a JSON array of hex strings; -1 if malformed. */
static int hashes_from_json(json_t *a, uint8_t (*h)[32], size_t *n)
{
    size_t i;
    json_t *x;

    if (!json_is_array(a) || json_array_size(a) > ZL_LOG_MAX_PROOF)
        return -1;
    json_array_foreach(a, i, x)
    {
        const char *v = json_string_value(x);

        if (!v || zl_hex_decode(v, strlen(v), h[i], 32))
            return -1;
    }
    *n = json_array_size(a);
    return 0;
}

static int hex32(json_t *o, const char *name, uint8_t out[32])
{
    const char *v = json_string_value(json_object_get(o, name));

    return v && !zl_hex_decode(v, strlen(v), out, 32) ? 0 : -1;
}

static int run_check(const char *evidence, const char *keyarg, int json)
{
    uint8_t cons[ZL_LOG_MAX_PROOF][32], incl[ZL_LOG_MAX_PROOF][32];
    size_t nc = 0, ni = 0, elen = 0, klen = 0;
    struct zl_draw_beacon b = {0};
    struct zl_error err = {0};
    char *etext = NULL, *vkey = NULL, text[200];
    json_t *e = NULL, *x;
    const char *note;
    int rc = EXIT_FAIL, r;

    if (cli_read_file(evidence, FILE_MAX, &etext, &elen))
        goto out;
    if (strchr(keyarg, '+')) {
        vkey = strdup(keyarg);
        klen = vkey ? strlen(vkey) : 0;
    } else if (cli_read_file(keyarg, 4096, &vkey, &klen)) {
        goto out;
    }
    while (vkey && klen && (vkey[klen - 1] == '\n' || vkey[klen - 1] == ' '))
        vkey[--klen] = '\0';
    e = json_loadb(etext, elen, JSON_REJECT_DUPLICATES, NULL);
    x = json_object_get(e, "plan_index");
    note = json_string_value(json_object_get(e, "checkpoint"));
    if (!json_is_integer(x) || json_integer_value(x) < 0 ||
        !json_is_integer(json_object_get(e, "size")) || !note ||
        hex32(e, "plan_leaf", b.plan_leaf) || hex32(e, "root", b.root) ||
        hashes_from_json(json_object_get(e, "consistency"), cons, &nc) ||
        hashes_from_json(json_object_get(e, "inclusion"), incl, &ni)) {
        fprintf(stderr,
                "zhiliang draw: %s: not beacon evidence (expected "
                "the JSON of `zhiliang draw beacon --json`)\n",
                evidence);
        goto out;
    }
    b.plan_index = (uint64_t)json_integer_value(x);
    b.size = (uint64_t)json_integer_value(json_object_get(e, "size"));
    r = zl_draw_beacon_check(&b, note, strlen(note), vkey,
                             (const uint8_t(*)[32])cons, nc,
                             (const uint8_t(*)[32])incl, ni, &err);
    if (r) {
        cli_print_error("draw", evidence, r, &err, json);
        goto out;
    }
    zl_draw_beacon_text(&b, text, sizeof text);
    if (json) {
        json_t *j = json_pack("{s:b, s:s}", "ok", 1, "text", text);

        json_dumpf(j, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(j);
    } else {
        printf("beacon verified: plan leaf %llu lies before tree size %llu, "
               "whose root the signed checkpoint commits to\nbeacon text %s\n",
               (unsigned long long)b.plan_index, (unsigned long long)b.size,
               text);
    }
    rc = EXIT_OK;
out:
    json_decref(e);
    free(etext);
    free(vkey);
    return rc;
}

int cmd_draw(int argc, char **argv)
{
    static const struct option opts[] = {
        {"names", required_argument, 0, 'n'},
        {"seeds", required_argument, 0, 'S'},
        {"beacon", required_argument, 0, 'b'},
        {"count", required_argument, 0, 'c'},
        {"plan-index", required_argument, 0, 'p'},
        {"plan-record", required_argument, 0, 'r'},
        {"size", required_argument, 0, 'z'},
        {"evidence", required_argument, 0, 'e'},
        {"key", required_argument, 0, 'k'},
        {"store", required_argument, 0, 's'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct pick_opts po = {0};
    struct beacon_opts bo = {0};
    const char *evidence = NULL, *key = NULL, *verb;
    char *end;
    int c;

    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    verb = argv[1];
    po.count = 12; /* the reference tool's default */
    bo.plan_index = -1;
    bo.size = -1;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': po.names = optarg; break;
        case 'S': po.seeds = optarg; break;
        case 'b': po.beacon = optarg; break;
        case 'c':
            po.count = strtoul(optarg, &end, 10);
            if (*end || !*optarg || optarg[0] == '-') {
                fprintf(stderr, "zhiliang draw: --count: not a number: %s\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'p':
        case 'z':
            *(c == 'p' ? &bo.plan_index : &bo.size) = strtoll(optarg, &end, 10);
            if (*end || !*optarg || optarg[0] == '-') {
                fprintf(stderr, "zhiliang draw: --%s: not a number: %s\n",
                        c == 'p' ? "plan-index" : "size", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'r': bo.plan_record = optarg; break;
        case 'e': evidence = optarg; break;
        case 'k': key = optarg; break;
        case 's': bo.store = optarg; break;
        case 'j': po.json = bo.json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc)
        goto bad;
    if (!strcmp(verb, "pick") && po.names && (po.seeds || po.beacon))
        return run_pick(&po);
    if (!strcmp(verb, "beacon") && bo.size >= 0 &&
        ((bo.plan_index >= 0) != (bo.plan_record != NULL)))
        return run_beacon(&bo);
    if (!strcmp(verb, "check") && evidence && key)
        return run_check(evidence, key, po.json);
bad:
    usage(stderr);
    return EXIT_USAGE;
}
