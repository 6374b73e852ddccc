/*
 * fuzz_epcis_xml.c - libFuzzer target for the EPCIS XML binding
 * (lib/epcis/epcis_xml.c).
 *
 * Arbitrary bytes go to zl_epcis_xml_to_json and zl_epcis_parse_xml
 * (small caps, so the limit paths are explored too). Invariants, each
 * aborting when broken: a failure leaves no output and a filled, terminated
 * error; a conversion is valid JSON without duplicate keys (jansson with
 * JSON_REJECT_DUPLICATES reads it back); a parse agrees with the JSON
 * path on the converted text, event for event; and every event of a
 * parsed document rehashes from its stored JSON alone to the same hash
 * (what the log verifier does).
 */
#include "zhiliang/epcis.h"

#include "util/alloc.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
    if (!cond)
        abort();
}

static void error_ok(int r, const struct zl_error *err)
{
    must(err->code == r);
    must(memchr(err->path, '\0', sizeof err->path) != NULL);
    must(memchr(err->rule, '\0', sizeof err->rule) != NULL && err->rule[0]);
    must(memchr(err->value, '\0', sizeof err->value) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zl_capture_limits lim = {1 << 20, 64, 32};
    struct zl_epcis_opts o = {&lim, 0, NULL, 0};
    zl_epcis_doc *doc = NULL, *jdoc = NULL;
    struct zl_error err;
    char *json = NULL;
    size_t jlen = 0, i;
    int r, rj = -1;

    memset(&err, 0, sizeof err);
    r = zl_epcis_xml_to_json((const char *)data, size, &lim, &json, &jlen,
                             &err);
    if (r < 0) {
        must(json == NULL);
        error_ok(r, &err);
    } else {
        json_t *j = json_loadb(json, jlen, JSON_REJECT_DUPLICATES, NULL);
        must(j != NULL && strlen(json) == jlen);
        json_decref(j);
        memset(&err, 0, sizeof err);
        rj = zl_epcis_parse(json, jlen, NULL, &jdoc, &err);
    }

    memset(&err, 0, sizeof err);
    r = zl_epcis_parse_xml((const char *)data, size, &o, &doc, &err);
    if (r < 0) {
        must(doc == NULL);
        error_ok(r, &err);
    } else {
        must(doc != NULL);
        /* the same events as the converted text through the JSON path */
        must(rj == 0 && zl_epcis_doc_count(jdoc) == zl_epcis_doc_count(doc));
        for (i = 0; i < zl_epcis_doc_count(doc); i++) {
            const struct zl_event *e = zl_epcis_doc_event(doc, i);
            char *pre = NULL, id[96];
            size_t pl = 0;
            uint8_t h[32];
            must(memcmp(e->hash, zl_epcis_doc_event(jdoc, i)->hash, 32) == 0);
            if (zl_epcis_event_hash(e->json, e->json_len, &pre, &pl, h, id,
                                    &err) == 0) {
                if (!memmem(e->json, e->json_len, "ignoreFields", 12))
                    must(memcmp(h, e->hash, 32) == 0 &&
                         strcmp(id, e->hash_id) == 0);
                zl_free(pre);
            }
        }
    }
    zl_epcis_doc_free(doc);
    zl_epcis_doc_free(jdoc);
    zl_free(json);
    return 0;
}
