/*
 * cmd_convert.c - `zhiliang convert IN.xml [-o OUT.jsonld]`: an EPCIS 1.2
 * or 2.0 XML document as the EPCIS 2.0 JSON-LD document capture takes.
 *
 * Only a client of zl_epcis_xml_to_json: the conversion is the one capture
 * and hash use, so what convert writes is exactly what would be validated
 * and hashed. The output is not validated here (`zhiliang hash --check`
 * does that, on the XML or on the JSON-LD). JSON-LD to XML is not done
 * yet: an input that is not XML is refused with a message saying so.
 */
#include "commands.h"

#include "cli_util.h"
#include "zhiliang/alloc.h"
#include "zhiliang/epcis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: zhiliang convert IN|- [-o OUT]\n"
               "\n"
               "Convert an EPCIS 1.2 or 2.0 XML document (EPCISDocument or\n"
               "EPCISQueryDocument) into the EPCIS 2.0 JSON-LD document that\n"
               "`zhiliang capture` takes, or an EPCIS 2.0 JSON-LD document\n"
               "into EPCIS 2.0 XML (IN is XML when its first character is\n"
               "'<'). Every event keeps its CBV 2.0 hash. Written to OUT\n"
               "(default: standard output).\n"
               "\n"
               "Exit codes: 0 ok, 1 not convertible or I/O error, 2 usage.\n");
}

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *outp = NULL;
    char *data = NULL, *json = NULL;
    size_t len = 0, jlen = 0;
    struct zl_error err;
    FILE *f = NULL;
    int i, rc = EXIT_FAIL, r;

    for (i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            outp = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "zhiliang convert: unknown option %s\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        } else if (!in) {
            in = argv[i];
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!in) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_read_file(in, ZL_DEFAULT_MAX_BYTES, &data, &len) != 0)
        goto out;
    memset(&err, 0, sizeof err);
    r = zl_epcis_is_xml(data, len)
            ? zl_epcis_xml_to_json(data, len, NULL, &json, &jlen, &err)
            : zl_epcis_json_to_xml(data, len, &json, &jlen, &err);
    if (r < 0) {
        cli_print_error("convert", in, r, &err, 0);
        goto out;
    }
    f = outp ? fopen(outp, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "zhiliang convert: %s: cannot open for writing\n",
                outp);
        goto out;
    }
    if (fwrite(json, 1, jlen, f) != jlen || fputc('\n', f) == EOF ||
        (outp ? fclose(f) : fflush(f)) != 0) {
        f = NULL;
        fprintf(stderr, "zhiliang convert: %s: write failed\n",
                outp ? outp : "standard output");
        goto out;
    }
    f = NULL;
    rc = EXIT_OK;
out:
    if (f && outp)
        fclose(f);
    zl_free(json);
    free(data);
    return rc;
}
