/*
 * epcis_int.h - private parts of the EPCIS module: a bump arena, the CBV
 * vocabularies, and the pre-hash engine shared by zl_epcis_parse() and
 * zl_epcis_event_hash().
 *
 * The pre-hash engine reproduces the CBV 2.0 "event hash ID" algorithm as
 * the reference generator (RalphTro/epcis-event-hash-generator) computes it
 * on JSON-LD input: the event is turned into a tree of (name, value,
 * children) triples shaped like the XML binding, then written out in the
 * canonical property order with values canonicalised (UTC milliseconds,
 * numbers without padding, GS1 keys as Digital Link on id.gs1.org, CBV
 * short names as web URIs), leftovers and user extensions sorted.
 */
#ifndef ZL_EPCIS_INT_H
#define ZL_EPCIS_INT_H

#include "util/buf.h"
#include "zhiliang/epcis.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* ---- arena: many small allocations, one free ---- */
struct ep_chunk;
struct ep_arena {
    struct ep_chunk *head;
    size_t total;            /* bytes allocated so far (chunks) */
};
void ep_arena_init(struct ep_arena *a);
/* Forget all allocations but keep the newest chunk for reuse. */
void ep_arena_reset(struct ep_arena *a);
void ep_arena_cleanup(struct ep_arena *a);
/* Forget all allocations and keep one chunk as large as everything the
 * arena held (if that is at most max bytes), so that the next use of the
 * same size allocates nothing. */
void ep_arena_keep(struct ep_arena *a, size_t max);
/* 8-byte aligned; NULL on OOM. */
void *ep_alloc(struct ep_arena *a, size_t n);
char *ep_strndup(struct ep_arena *a, const char *s, size_t n);

/* ---- vocabularies ---- */
enum ep_vocab {
    EP_VOC_BIZSTEP, EP_VOC_DISP, EP_VOC_BTT, EP_VOC_SDT, EP_VOC_ER,
    EP_VOC_COMP, EP_VOC_MEASURE, EP_VOC_ALERT, EP_VOC_N
};
/* Web URI prefix of a vocabulary ("https://ref.gs1.org/cbv/BizStep-"). */
const char *ep_vocab_prefix(enum ep_vocab v);
/* 1 if s[0..n) is a bare term of vocabulary v ("shipping"). */
int ep_vocab_has(enum ep_vocab v, const char *s, size_t n);
/* The same for the vocabularies tabled in cbv.c (bizStep, disposition,
 * source/destination type): standard words only; 0 for the others. */
int ep_cbv_has(enum ep_vocab v, const char *s, size_t n);

/* ---- pre-hash ---- */
struct ep_ns {               /* a JSON-LD @context prefix: "ex" -> URI */
    const char *prefix;
    const char *uri;         /* NULL (in a scope only): unbound */
};

/* Caps on @context work per event (ZL_ELIMIT past them): prefix bindings
 * in scope at once, and @context objects in one event. Real documents
 * use a handful of each; the caps keep a hostile one linear. */
#define EP_MAX_PREFIXES 256
#define EP_MAX_CONTEXTS 64

/* Document-wide inputs of the pre-hash (the reference looks at the whole
 * document when it expands bare CBV terms and namespace prefixes). */
struct ep_hashctx {
    const struct ep_ns *ns;
    size_t n_ns;
    const char **expanded;   /* web-vocabulary URIs seen in the document */
    size_t n_expanded;
    const char **ignore;     /* repository ignoreFields keys */
    size_t n_ignore;
    int skip_context;        /* an @context is no field but binds the
                              * prefixes of its object and below */
    int legacy_ctx;          /* the rule before issue 9, for records
                              * stored under it: only the event's own
                              * top-level @context is skipped (nested ones
                              * hash as fields) and binds nothing */
    /* Identifiers already canonicalised by validation, keyed by the
     * address of the JSON string (so the pre-hash does not run the GS1
     * parser twice): open addressing, mask + 1 slots, NULL keys empty. */
    const char **id_raw;
    const char **id_canon;
    size_t id_mask;
};

/* Collect namespace prefixes from a JSON-LD @context value: an object of
 * "prefix": "uri" terms, or an array of such objects applied in order (a
 * later binding overrides, "prefix": null unbinds, a null entry clears
 * everything before it); remote contexts (strings) and expanded term
 * definitions bind nothing here. One entry per prefix, no NULL uri; at
 * most EP_MAX_PREFIXES (else ZL_ELIMIT). Arena-owned. */
int ep_collect_ns(json_t *context, struct ep_arena *a, struct ep_ns **ns,
                  size_t *n_ns);
/* Apply one more @context to (*ns, *n_ns) (capacity *cap), with the
 * rules of ep_collect_ns() but appending (a later entry for the same
 * prefix wins, a NULL uri unbinds: search from the end); the arrays live
 * in the arena. */
int ep_ns_apply(json_t *context, struct ep_arena *a, struct ep_ns **ns,
                size_t *n_ns, size_t *cap);
/* The rule before issue 9 (see legacy_ctx): only the objects inside an
 * @context array bind, with string values; nothing unbinds. */
int ep_collect_ns_legacy(json_t *context, struct ep_arena *a,
                         struct ep_ns **ns, size_t *n_ns);
/* A growable copy of n_from bindings, for ep_ns_apply(). */
int ep_ns_copy(const struct ep_ns *from, size_t n_from, struct ep_arena *a,
               struct ep_ns **ns, size_t *n_ns, size_t *cap);
/* Add to (*exp, *n) the expanded web-vocabulary URIs an event yields
 * (bare terms at vocabulary positions, full CBV/GS1 voc URIs anywhere but
 * in an @context, unless legacy_ctx).
 * *cap is the array capacity; arrays live in the arena. */
int ep_collect_expanded(json_t *event, struct ep_arena *a, const char ***exp,
                        size_t *n, size_t *cap, int legacy_ctx);

/* Write the pre-hash string of one event into out (which is reset first).
 * scratch is reset and used for the event tree. */
int ep_prehash(json_t *event, const char *type, const struct ep_hashctx *hc,
               struct ep_arena *scratch, struct zl_buf *out);

/* SHA-256 with the digest fetched once per process. */
int ep_sha256(const void *p, size_t n, uint8_t out[32]);
/* "ni:///sha-256;<hex>?ver=CBV2.0" */

/* Canonical CBV value: "shipping" -> https://ref.gs1.org/cbv/BizStep-
 * shipping, urn:epcglobal:cbv:... -> web URI; other URIs unchanged.
 * Returns a pointer into the arena or NULL on OOM. */
const char *ep_cbv_canonical(enum ep_vocab v, const char *s, size_t n,
                             struct ep_arena *a);

/* Python float() syntax and str() of the resulting number, the way the
 * reference canonicalises every value: returns 1 and writes out (NUL-
 * terminated, cap >= 400) when s is numeric and finite, else 0. */
int ep_canon_number(const char *s, size_t n, char *out, size_t cap);
/* Same for a double already parsed. */
void ep_format_double(double d, char *out, size_t cap);

#endif
