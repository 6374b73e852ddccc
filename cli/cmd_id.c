/*
 * cmd_id.c - `zhiliang id CODE...`: check and convert identifiers.
 *
 * Takes GS1 identifiers in any of the three syntaxes (EPC URN, Digital
 * Link URI, element string, bracketed or raw with GS as FNC1) and Chinese
 * unified social credit codes, says whether each is valid and why not, and
 * prints every form. Several codes may be given; with --json each one is a
 * JSON object on its own line (JSON Lines), which is what the Digital Link
 * oracle test feeds on. Exit 1 when any code is invalid.
 *
 * An 18-character code with a letter is taken as a USCC; 18 digits are
 * tried as GS1 first (the library reads them as an SSCC only when they are
 * neither a raw element string nor a valid USCC) and then as a USCC. Bare
 * GTINs (8, 12, 13, 14 digits with a valid check digit) are the library's
 * reading too, so the CLI and the portal take the same inputs.
 */
#include "cli_util.h"
#include "commands.h"

#include "zhiliang/gs1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs(
        "usage: zhiliang id [--gcp-len N] [--json] CODE...\n\n"
        "Check and convert GS1 identifiers and unified social credit codes.\n"
        "CODE is an EPC URN (urn:epc:id:sgtin:0614141.107346.2017), a GS1\n"
        "Digital Link URI (https://example.com/01/09506000134352/10/ABC),\n"
        "an element string ((01)09506000134352(10)ABC, or raw scanner data\n"
        "with GS as FNC1 and an optional ]C1 ]e0 ]d2 ]Q3 ]J1 prefix), scanner\n"
        "data ]Q1 ]d1 ]J0 carrying a Digital Link URI, a bare GTIN of 8, 12,\n"
        "13 or 14 digits (6940277700019; ]E0 ]E4 too), 18 digits of an SSCC\n"
        "that read as nothing else, or an 18-character unified social\n"
        "credit code (GB 32100-2015).\n\n"
        "Prints the scheme and every form: EPC URN, canonical Digital Link,\n"
        "element string. A Digital Link or element string does not say how\n"
        "long the GS1 Company Prefix is: give --gcp-len N (6-12) to get the\n"
        "EPC URN.\n\n"
        "options:\n"
        "  --gcp-len N   GS1 Company Prefix length for the EPC URN\n"
        "  --json        one JSON object per code (JSON Lines)\n"
        "  -h, --help    this help\n\n"
        "An invalid code prints \"invalid: <rule> (value: ...)\".\n"
        "Exit codes: 0 all valid, 1 some code invalid, 2 usage error.\n",
        f);
}

static json_t *json_ai_list(const struct zl_gs1_ai *a, size_t n)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < n && arr; i++)
        if (json_array_append_new(arr, json_pack("{s:o,s:o}", "ai",
                                                 cli_json_str(a[i].ai), "value",
                                                 cli_json_str(a[i].value)))) {
            json_decref(arr);
            arr = NULL;
        }
    return arr;
}

/* Printable copy of the input for messages (GS shown as <GS>). */
static void show(char *out, size_t cap, const char *s)
{
    size_t o = 0;

    for (; *s && o + 5 < cap; s++) {
        if (*s == 0x1D) {
            memcpy(out + o, "<GS>", 4);
            o += 4;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

static int report_invalid(const char *code, const struct zl_error *err,
                          int json)
{
    char shown[300];

    if (json) {
        cli_print_json(json_pack("{s:o,s:b,s:{s:s,s:o,s:o}}", "input",
                                 cli_json_str(code), "valid", 0, "error",
                                 "code", zl_strerror(err->code), "rule",
                                 cli_json_str(err->rule), "value",
                                 cli_json_str(err->value)),
                       0);
    } else {
        show(shown, sizeof shown, err->value[0] ? err->value : code);
        printf("invalid: %s (value: %s)\n", err->rule, shown);
    }
    return 1;
}

static const char *authority_name(char c)
{
    switch (c) {
    case '1': return "机构编制 establishment administration";
    case '2': return "外交 foreign affairs";
    case '3': return "司法行政 justice";
    case '4': return "文化 culture";
    case '5': return "民政 civil affairs";
    case '6': return "旅游 tourism";
    case '7': return "宗教 religious affairs";
    case '8': return "工会 trade unions";
    case '9': return "工商 market regulation";
    case 'A':
        return "中央军委改革和编制办公室 CMC reform and establishment office";
    case 'N': return "农业 agriculture";
    default: return "其他 other";
    }
}

static int do_uscc(const char *code, int json)
{
    struct zl_error err;

    memset(&err, 0, sizeof err);
    if (zl_uscc_validate(code, strlen(code), &err) < 0)
        return report_invalid(code, &err, json);
    if (json) {
        cli_print_json(json_pack("{s:o,s:b,s:s,s:s#,s:s#,s:s#,s:s#,s:s#}",
                                 "input", cli_json_str(code), "valid", 1,
                                 "scheme", "uscc", "authority", code, 1,
                                 "entity_type", code + 1, 1, "division",
                                 code + 2, 6, "organisation_code", code + 8, 9,
                                 "check", code + 17, 1),
                       0);
    } else {
        printf("scheme:                  uscc (unified social credit code, "
               "GB 32100-2015)\n"
               "registration authority:  %c (%s)\n"
               "entity type:             %c\n"
               "administrative division: %.6s\n"
               "organisation code:       %.9s (GB 11714)\n"
               "check character:         %c\n",
               code[0], authority_name(code[0]), code[1], code + 2, code + 8,
               code[17]);
    }
    return 0;
}

static int looks_like_uscc(const char *s, int *digits_only)
{
    size_t i, n = strlen(s);
    int letter = 0;

    if (n != 18)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            letter = 1;
        else if (c < '0' || c > '9')
            return 0;
    }
    *digits_only = !letter;
    return 1;
}

static int do_gs1(const char *code, int gcp_len, int json)
{
    struct zl_gs1_id id;
    struct zl_error err;
    char dl[1024], dla[2048], canon[1024], es[1024], raw[1024], urn[1024];
    char shown[1100];
    int urc, dla_rc, digits_only = 0;

    memset(&err, 0, sizeof err);
    if (zl_gs1_parse(code, strlen(code), &id, &err) < 0) {
        if (looks_like_uscc(code, &digits_only))
            return do_uscc(code, json);
        return report_invalid(code, &err, json);
    }
    zl_gs1_to_dl(&id, 0, dl, sizeof dl);
    dla_rc = zl_gs1_to_dl(&id, 1, dla, sizeof dla);
    /* From the Digital Link, so inputs that are not URIs (bare GTINs,
     * scanner data) get their canonical form too. */
    zl_gs1_canonical(dl, strlen(dl), canon, sizeof canon, NULL);
    zl_gs1_to_element_string(&id, es, sizeof es);
    zl_gs1_to_element_string_raw(&id, raw, sizeof raw);
    urc = zl_gs1_to_urn(&id, gcp_len, urn, sizeof urn);

    if (json) {
        cli_print_json(
            json_pack("{s:o,s:b,s:s,s:b,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
                      "s:o}",
                      "input", cli_json_str(code), "valid", 1, "scheme",
                      zl_gs1_scheme_name(id.scheme), "is_class", id.is_class,
                      "gcp_len", gcp_len > 0 ? gcp_len : id.gcp_len, "key",
                      json_ai_list(id.ais, 1), "qualifiers",
                      json_ai_list(id.ais + 1, id.n_ais - 1), "attributes",
                      json_ai_list(id.attrs, id.n_attrs), "digital_link",
                      cli_json_str(dl), "digital_link_with_attributes",
                      dla_rc >= 0 ? cli_json_str(dla) : json_null(),
                      "canonical", cli_json_str(canon), "element_string",
                      cli_json_str(es), "element_string_raw", cli_json_str(raw),
                      "epc_urn", urc >= 0 ? cli_json_str(urn) : json_null()),
            0);
        return 0;
    }
    printf("scheme:             %s%s\n", zl_gs1_scheme_name(id.scheme),
           id.is_class ? " (class)" : "");
    if (urc >= 0)
        printf("EPC URN:            %s\n", urn);
    else if (id.scheme == ZL_GS1_GMN || id.scheme == ZL_GS1_PAYTO ||
             id.scheme == ZL_GS1_NONE)
        printf("EPC URN:            (none: no EPC URN scheme for this "
               "key)\n");
    else if (urc == ZL_EUNSUPPORTED && !gcp_len && !id.gcp_len)
        printf("EPC URN:            (give --gcp-len N: the company prefix "
               "length is not in the input)\n");
    else if (urc == ZL_EUNSUPPORTED)
        printf("EPC URN:            (none: TDS has no EPC for this key)\n");
    else
        printf("EPC URN:            (--gcp-len %d cannot split this key)\n",
               gcp_len > 0 ? gcp_len : id.gcp_len);
    printf("Digital Link:       %s\n", dl);
    if (id.n_attrs && dla_rc >= 0)
        printf("  with attributes:  %s\n", dla);
    else if (id.n_attrs)
        printf("  with attributes:  (none: an attribute is not a Digital "
               "Link data attribute)\n");
    if (strcmp(canon, dl) != 0)
        printf("CBV 2.0 canonical:  %s\n", canon);
    printf("element string:     %s\n", es);
    show(shown, sizeof shown, raw);
    printf("raw (FNC1 = <GS>):  %s\n", shown);
    return 0;
}

int cmd_id(int argc, char **argv)
{
    int json = 0, gcp_len = 0, i, ncodes = 0, bad = 0, codes_only = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--gcp-len") || !strncmp(a, "--gcp-len=", 10)) {
            const char *v =
                a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            long n = v ? strtol(v, &end, 10) : 0;
            if (!v || !*v || *end || n < 6 || n > 12) {
                fprintf(stderr, "zhiliang id: --gcp-len takes a number from "
                                "6 to 12\n");
                return 2;
            }
            gcp_len = (int)n;
        } else if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "zhiliang id: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            ncodes++;
        }
    }
    if (i < argc)
        ncodes += argc - i;
    if (ncodes == 0) {
        usage(stderr);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int digits_only = 0;

        if (!codes_only) {
            if (!strcmp(a, "--")) {
                codes_only = 1;
                continue;
            }
            if (!strcmp(a, "--gcp-len")) {
                i++;
                continue;
            }
            if (!strcmp(a, "--json") || !strncmp(a, "--gcp-len=", 10))
                continue;
        }
        if (!json && ncodes > 1) {
            char shown[1100];
            show(shown, sizeof shown, a);
            printf("%s%s\n", i > 1 ? "\n" : "", shown);
        }
        if (looks_like_uscc(a, &digits_only) && !digits_only)
            bad |= do_uscc(a, json);
        else
            bad |= do_gs1(a, gcp_len, json);
    }
    return bad ? 1 : 0;
}
