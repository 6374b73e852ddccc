/*
 * demo.h - a realistic, deterministic demo supply chain: the interface of
 * libzhiliang-demo, a small static library of its own (not part of
 * libzhiliang, not installed) that the CLI (`zhiliang demo`), the tests and
 * the benchmarks link. It uses only the public API (include/zhiliang/).
 *
 * Generates GS1 EPCIS 2.0 JSON-LD documents for Chinese supply chains
 * (dairy: farms, milk collection centres, a UHT plant, distribution
 * centres, stores; vegetables: farms, packing houses, wholesale markets,
 * supermarkets; drugs: manufacturers, wholesalers, pharmacies) plus their
 * master data (parties with unified social credit codes, GLNs, addresses;
 * products by GTIN). It feeds the README's main job, the tests and every
 * benchmark.
 *
 * Determinism: the same options give byte-identical output on every
 * machine (own PRNG, no clock, no locale). Memory stays flat whatever the
 * scale: the chain is generated one production cycle (one plant-day) at a
 * time and documents are handed to the caller as soon as they are full.
 *
 * Scale: generation stops at the end of the first production cycle that
 * brings the count to 100 * scale events, so scale 1 gives ~150 events,
 * 1000 ~100,000 and 100000 ~10.1 million (7 GB of JSON; measured ~0.7-1.7
 * million events/s, 11 MB RSS). Batch sizes grow with scale: cases per
 * product batch = clamp(scale / 16, 1, 6000) with 24 cartons per case, so
 * from scale ~96000 on a UHT batch holds 144,000 cartons fed by four milk
 * collection lots. Scale is capped at 1,000,000. With ZL_DEMO_ALL, six of
 * every eight cycles are dairy, one vegetables, one drugs.
 */
#ifndef ZL_DEMO_H
#define ZL_DEMO_H

#include "zhiliang/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_demo_sector {
    ZL_DEMO_DAIRY = 1,
    ZL_DEMO_VEGETABLES = 2,
    ZL_DEMO_DRUGS = 4,
    ZL_DEMO_ALL = 7,
};

struct zl_demo_opts {
    uint64_t seed;
    uint64_t scale;   /* >= 1; events ~= 100 * scale */
    size_t per_doc;   /* events per document, 0 = 1000 */
    unsigned sectors; /* enum zl_demo_sector bits, 0 = dairy */
    /* Ground truth: record the downstream of this many sample milk
     * collection lots (0 = none). Refused (ZL_ELIMIT) past scale 10000,
     * where the lists would be too long to be useful. */
    size_t truth_lots;
};

struct zl_demo_stats {
    uint64_t n_events;
    uint64_t n_docs;
    uint64_t n_bytes;  /* document bytes handed to emit */
    uint64_t n_items;  /* serialised consumer items commissioned */
    uint64_t n_cycles; /* production cycles generated */
    /* When opts.truth_lots > 0: a JSON object (new; free with
     * zl_demo_stats_cleanup) {"collectionLots":[{"lot":DL,"batchLots":[..],
     * "items":[..],"cases":[..],"pallets":[..]}...]}. Identifiers are in
     * canonical Digital Link form (https://id.gs1.org/...). items are the
     * serialised cartons made from the lot; cases and pallets are every
     * container that ever held one of them (co-packed goods from other
     * lots are not listed). */
    char *truth_json;
    size_t truth_len;
};

/* Called once per finished document. doc (len bytes, NUL-terminated) is
 * borrowed: valid only during the call. A non-zero return stops the
 * generation and is returned by zl_demo_generate. */
typedef int (*zl_demo_emit_fn)(void *ctx, const char *doc, size_t len,
                               size_t n_events);

/* Generate the chain described by o, handing each EPCISDocument (at most
 * per_doc events) to emit. stats may be NULL; when given it is filled
 * (zero it first or call zl_demo_stats_cleanup after). Returns 0, ZL_EINVAL
 * for bad options, ZL_ELIMIT, ZL_ENOMEM, or emit's non-zero return. */
int zl_demo_generate(const struct zl_demo_opts *o, zl_demo_emit_fn emit,
                     void *ctx, struct zl_demo_stats *stats);

/* Master data for the same options (parties depend on the seed only):
 * {"parties":[{"uscc","nameZh","nameEn","role","gln","gcp",
 * "identifierSyntax":"epc-urn"|"digital-link","locations":[{"gln",
 * "nameZh","nameEn"}],"address":{"province","city","street"}}...],
 * "products":[{"gtin","nameZh","nameEn","brandZh","brandEn","netContent",
 * "shelfLifeDays","owner"}...]}. *out is new (zl_demo_free). */
int zl_demo_parties_json(const struct zl_demo_opts *o, char **out, size_t *len);

/* Supervision registries for the same seed (docs/supervision.md), as the
 * JSON arrays `zhiliang registry import` reads: which 0 the product
 * categories (GB 19301, GB 25190, GB 19645, GB 19302, GB 2763 with their
 * test items), 1 the enterprises (the chain's food parties by USCC and
 * GLN, and 300 more in the same cities), 2 300 inspectors. *out is new
 * (zl_demo_free). */
int zl_demo_registry_json(const struct zl_demo_opts *o, int which, char **out,
                          size_t *len);

/* Free memory returned by this module. NULL-safe. */
void zl_demo_free(void *p);
void zl_demo_stats_cleanup(struct zl_demo_stats *st);

/* GB 32100-2015 check character for the first 17 characters of a unified
 * social credit code, or 0 if a character is outside the code's charset.
 * GB 11714 check character for the first 8 characters of an organisation
 * code ('0'-'9' or 'X'), or 0 on a bad character. Exposed for tests. */
char zl_demo_uscc_check(const char *s17);
char zl_demo_orgcode_check(const char *s8);

#ifdef __cplusplus
}
#endif
#endif
