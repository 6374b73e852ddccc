/*
 * epcis_int.h - private parts of the EPCIS module: a bump arena
 * (ep_arena.c), the CBV vocabularies (vocab.c, cbv.c), SHA-256
 * (ep_sha256.c), the pre-hash engine shared by zl_epcis_parse() and
 * zl_epcis_event_hash() (prehash.c), and the pieces of the parser: JSON
 * paths (epcis_path.c), the structural pre-scan (epcis_prescan.c), the
 * identifier cache (epcis_idcache.c), the validator (epcis_validate.c),
 * the stored event text (epcis_minify.c) and the driver (epcis.c).
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
    size_t total; /* bytes allocated so far (chunks) */
};
void ep_arena_init(struct ep_arena *a);
/* Forget all allocations but keep the newest chunk for reuse. */
void ep_arena_reset(struct ep_arena *a);
void ep_arena_cleanup(struct ep_arena *a);
/* Forget all allocations and keep one chunk as large as everything the
 * arena held (if that is at most max bytes), so that the next use of the
 * same size allocates nothing. */
void ep_arena_keep(struct ep_arena *a, size_t max);
/* Move every chunk of src into dst (src is left empty): what was allocated
 * from src is then freed with dst. For the arenas of a parse's threads,
 * whose pieces the document keeps. */
void ep_arena_adopt(struct ep_arena *dst, struct ep_arena *src);
/* 8-byte aligned; NULL on OOM. */
void *ep_alloc(struct ep_arena *a, size_t n);
/* A NUL-terminated copy of s[0..n); NULL on OOM. */
char *ep_strndup(struct ep_arena *a, const char *s, size_t n);

/* The JSON tree of one parse is allocated from an arena (see
 * zl_alloc_json_route): ep_jarena_alloc() is the allocator to route to
 * (ctx: the arena), ep_jarena_get() this thread's arena, kept between
 * parses and freed at thread exit (NULL when thread-local storage fails:
 * the caller then uses an arena of its own). After a parse, keep at most
 * EP_JARENA_KEEP bytes of it (ep_arena_keep). */
#define EP_JARENA_KEEP ((size_t)16 << 20)
void *ep_jarena_alloc(void *ctx, size_t n);
struct ep_arena *ep_jarena_get(void);
/* Free what jansson allocated (json_dumps text) with jansson's current
 * free function: during a routed parse that is the arena's no-op. */
void ep_jfree(void *p);

/* ---- vocabularies ---- */
enum ep_vocab {
    EP_VOC_BIZSTEP,
    EP_VOC_DISP,
    EP_VOC_BTT,
    EP_VOC_SDT,
    EP_VOC_ER,
    EP_VOC_COMP,
    EP_VOC_MEASURE,
    EP_VOC_ALERT,
    EP_VOC_N
};
/* Web URI prefix of a vocabulary ("https://ref.gs1.org/cbv/BizStep-"). */
const char *ep_vocab_prefix(enum ep_vocab v);
/* 1 if s[0..n) is a bare term of vocabulary v ("shipping"). */
int ep_vocab_has(enum ep_vocab v, const char *s, size_t n);
/* The same for the vocabularies tabled in cbv.c (bizStep, disposition,
 * source/destination type): standard words only; 0 for the others. */
int ep_cbv_has(enum ep_vocab v, const char *s, size_t n);

/* ---- pre-hash ---- */
struct ep_ns { /* a JSON-LD @context prefix: "ex" -> URI */
    const char *prefix;
    const char *uri; /* NULL (in a scope only): unbound */
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
    const char **expanded; /* web-vocabulary URIs seen in the document */
    size_t n_expanded;
    const char **ignore; /* repository ignoreFields keys */
    size_t n_ignore;
    int skip_context; /* an @context is no field but binds the
                       * prefixes of its object and below */
    int legacy_ctx;   /* the rule before issue 9, for records
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
int ep_collect_ns_legacy(json_t *context, struct ep_arena *a, struct ep_ns **ns,
                         size_t *n_ns);
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

/* SHA-256 of p[0..n) into out, with the digest fetched once per process.
 * 0, or ZL_ENOMEM when OpenSSL cannot provide or run it. */
int ep_sha256(const void *p, size_t n, uint8_t out[32]);

/* ep_idfast.c: the pre-hash form of common GS1 identifiers without the
 * GS1 parser. ep_id_as_is(): 1 if s[0..n) is a Digital Link whose
 * pre-hash form is itself (zl_gs1_canonical() writes it back or rejects
 * it). ep_id_from_urn(): for an sgtin, sscc, sgln or lgtin EPC URN of a
 * plain shape that zl_gs1_canonical() accepts, writes the same Digital
 * Link into out (cap >= 96, NUL-terminated) and returns its length; 0
 * for anything else (the caller takes the general path). */
int ep_id_as_is(const char *s, size_t n);
size_t ep_id_from_urn(const char *s, size_t n, char *out, size_t cap);

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

/* ---- the parser (epcis*.c) ---- */

/* Largest pre-hash string of one event (ZL_ELIMIT past it). */
#define EP_PREHASH_MAX ((size_t)8 << 20)

/* A parsed document: every string and event lives in its arena. */
struct zl_epcis_doc {
    struct ep_arena a;
    struct zl_event *events;
    size_t n;
};

/* A JSON path for error messages ("$.epcisBody.eventList[3].epcList[0]"),
 * built as the validator descends: push returns the old length, pop goes
 * back to it. A path longer than the buffer is cut (as snprintf would);
 * s is always NUL-terminated. */
struct ep_path {
    char s[256];
    size_t len;
};
/* Set the path to the string s (cut to fit). */
void ep_path_set(struct ep_path *p, const char *s);
/* Append ".k"; returns the length before. */
size_t ep_path_key(struct ep_path *p, const char *k);
/* Append "[i]"; returns the length before. */
size_t ep_path_idx(struct ep_path *p, size_t i);
/* Cut the path back to length old (a value push returned). */
void ep_path_pop(struct ep_path *p, size_t old);

/* Byte ranges [r[i][0], r[i][1]) of the events in the raw text (elements
 * of an "eventList" array at document or query-document depth, or of a
 * top-level array). failed: the list ran out of memory (then it is not
 * to be used); depth: nesting depth of the first event (2, 4 or 6). The
 * caller frees r with zl_free. */
struct ep_slices {
    size_t (*r)[2];
    size_t n, cap;
    int failed;
    size_t depth;
    /* stray: a range lies elsewhere than in exactly one of the three
     * event lists $[i], $.epcisBody.eventList[i] and
     * $.epcisBody.queryResults.resultsBody.eventList[i] (judged by the
     * keys as written, so an escaped key counts as stray), or ranges lie
     * in two of them. When it is 0, the ranges are the object elements
     * of that one list, in order (for a text jansson accepts). */
    int stray;
    int kind; /* that list: 1, 2 or 3 as named above (0: none) */
};
/* Walk the raw text buf[0..len) without building anything. Returns
 * ZL_ELIMIT when nesting passes max_depth, else 0; stops there or at
 * byte offset stop (when stop < len), and either way sets path to the
 * location reached. Malformed text is left for jansson to report. When
 * sl is not NULL it receives the event ranges. */
int ep_prescan(const char *buf, size_t len, size_t max_depth, size_t stop,
               struct ep_path *path, struct ep_slices *sl);
/* Pre-scan (depth cap, event count cap when sl is given) and then load
 * buf with jansson (duplicate keys rejected) into *root. On failure sets
 * err with the path of the problem and returns ZL_ELIMIT or ZL_ESYNTAX. */
int ep_load_json(const char *buf, size_t len, size_t max_depth,
                 size_t max_events, json_t **root, struct zl_error *err,
                 struct ep_slices *sl);
/* The pre-scan half of ep_load_json (depth cap, event count cap when sl
 * is given): the same error, or 0. */
int ep_prescan_doc(const char *buf, size_t len, size_t max_depth,
                   size_t max_events, struct zl_error *err,
                   struct ep_slices *sl);
/* The json_loadb of ep_load_json (duplicate keys rejected), errors
 * included. */
int ep_load_tree(const char *buf, size_t len, json_t **root,
                 struct zl_error *err);

/* One slot of the document-wide identifier cache (see struct ep_vctx). */
struct ep_idc_slot {
    const char *raw; /* the JSON string (lives as long as the tree) */
    size_t len;
    const char *canon; /* doc arena */
    size_t stamp;      /* identifier list that last held the entry */
};

/* Validation state of one parse. */
struct ep_vctx {
    zl_epcis_doc *doc;
    struct zl_error *err;
    struct ep_path path;
    char canon[1024];
    /* identifiers of the current event: JSON string -> canonical form */
    const char **id_raw, **id_canon;
    size_t n_id, cap_id;
    const char *ctxtext; /* "@context":... (and ignoreFields) to add */
    /* Identifiers canonicalised so far in this document, by raw text: the
     * same EPCs and locations recur from event to event (a pack, then its
     * aggregation, then its shipping), and the GS1 parse with check digits
     * was the largest part of validation. Open addressing, mask + 1 slots.
     * stamp marks the identifier list that last held the entry, which
     * makes uniqueItems one lookup. */
    struct ep_idc_slot *idc;
    size_t idc_mask, idc_n, stamp;
    json_t *ign;       /* the document's ignoreFields list, or NULL */
    char ign_key[160]; /* its key, "<prefix>:ignoreFields" */
    /* Where the identifier cache keeps its entries: NULL, the document's
     * arena, with raw pointing into the JSON tree (one tree a document);
     * else this arena, raw a copy (a tree an event, freed after it). */
    struct ep_arena *idc_keep;
};
/* Free what the context owns (not the context, not the document). */
void ep_vctx_cleanup(struct ep_vctx *v);

/* ---- the driver's steps (epcis.c), shared with epcis_hashes.c ---- */
/* Where the events of a document are. */
struct ep_found {
    json_t *events;        /* the array of events, or NULL (single) */
    json_t *single;        /* a lone event as the whole document */
    json_t *ctxj;          /* the document's @context, or NULL */
    json_t *query_results; /* an EPCISQueryDocument's queryResults */
    const char *base;      /* JSON path of the event list */
};
/* Per-parse buffers the events share. */
struct ep_parse_state {
    struct ep_vctx *v;
    struct ep_hashctx hc;
    struct ep_arena scratch, idx_arena;
    struct zl_buf pre;
};
/* lim with each limit it leaves 0 (or all when lim is NULL) at its
 * default (ZL_DEFAULT_MAX_*). */
static inline struct zl_capture_limits
ep_limits(const struct zl_capture_limits *lim)
{
    struct zl_capture_limits l = {ZL_DEFAULT_MAX_BYTES, ZL_DEFAULT_MAX_EVENTS,
                                  ZL_DEFAULT_MAX_DEPTH};

    if (lim && lim->max_bytes)
        l.max_bytes = lim->max_bytes;
    if (lim && lim->max_events)
        l.max_events = lim->max_events;
    if (lim && lim->max_depth)
        l.max_depth = lim->max_depth;
    return l;
}

/* A thread's own parse state beside the document's doc_ps: ps's arenas
 * and pre-hash buffer and doc_ps's hash context, a validator v (errors
 * into err, path "$", the document's ignoreFields list shared) over
 * shadow, a document view of its own. _cleanup frees what _init made
 * (not shadow's arena, which the caller may adopt). */
void ep_thread_state_init(struct ep_parse_state *ps, struct ep_vctx *v,
                          zl_epcis_doc *shadow, struct zl_error *err,
                          const struct ep_parse_state *doc_ps);
void ep_thread_state_cleanup(struct ep_parse_state *ps, struct ep_vctx *v);
/* What the document root is: an EPCISDocument (header validated; or,
 * allow_query, an EPCISQueryDocument), a lone event, or an array of
 * events. 0, or the error in v->err. */
int ep_find_events(struct ep_vctx *v, json_t *root, int allow_query,
                   struct ep_found *fd);
/* The document-level steps after ep_find_events: the event count cap,
 * the document's prefixes and its ignoreFields list (uri ign_ns) into
 * ps->hc and ps->v (a: where they live); *n_events the count. 0, or the
 * error in ps->v->err. */
int ep_doc_setup(struct ep_parse_state *ps, const struct ep_found *fd,
                 json_t *root, size_t max_events, const char *ign_ns,
                 struct ep_arena *a, size_t *n_events);
/* Validate event i of the list (ev, its tree) at its JSON path and
 * prepare ps->hc for its pre-hash; *e is zeroed by the caller and gets
 * arena copies (ps->v->doc's arena). 0, or the error in ps->v->err. */
int ep_event_check(struct ep_parse_state *ps, const struct ep_found *fd,
                   json_t *ev, size_t i, struct zl_event *e);
/* The pre-hash string of the checked event into pre, naming the cap an
 * event passes. 0, or the error in v->err. */
int ep_event_prehash(struct ep_vctx *v, json_t *ev, const struct zl_event *e,
                     const struct ep_hashctx *hc, struct ep_arena *scratch,
                     struct zl_buf *pre);
/* ep_find_ignore: the document-level "<p>:ignoreFields" list of root,
 * p bound to uri in ns (NULL: none); key gets its key. ep_ignore_list:
 * that list's strings (and extra, if not NULL) into hc->ignore. */
void ep_find_ignore(json_t *root, const struct ep_ns *ns, size_t n_ns,
                    const char *uri, json_t **list, char key[160]);
int ep_ignore_list(json_t *ign, const char *extra, struct ep_arena *a,
                   struct ep_hashctx *hc);

/* ---- identifier cache (epcis_idcache.c) ---- */
/* The cache slot of s[0..n): its entry (raw != NULL), or the empty slot
 * it would take; the caller fills an empty slot and counts it in idc_n.
 * Grows the table first when half full; NULL when it cannot grow. */
struct ep_idc_slot *ep_idc_find(struct ep_vctx *v, const char *s, size_t n);
/* Empty the cache when it holds more than max entries (its table keeps
 * its size): between two events only, when what it points to goes too. */
void ep_idc_trim(struct ep_vctx *v, size_t max);
/* Note that the current event's JSON string raw canonicalises to canon
 * (for the pre-hash). 0 or ZL_ENOMEM. */
int ep_id_remember(struct ep_vctx *v, const char *raw, const char *canon);
/* Index the identifiers remembered for the current event by the address
 * of their JSON string into hc->id_raw/id_canon/id_mask (scratch-owned;
 * empty when there are none). 0 or ZL_ENOMEM. */
int ep_id_index(const struct ep_vctx *v, struct ep_arena *scratch,
                struct ep_hashctx *hc);

/* ---- validator (epcis_validate.c) ---- */
/* Set v->err at the current path with rule and the value val (a JSON
 * string as is, anything else compact JSON, NULL none); returns code. */
int ep_fail(struct ep_vctx *v, int code, const char *rule, json_t *val);
/* The same at the path of member key of the current object. */
int ep_fail_key(struct ep_vctx *v, const char *key, int code, const char *rule,
                json_t *val);
/* j must be an ISO 8601 date-time with seconds and zone; *ms and *off
 * (either may be NULL) get its instant and offset. 0 or ep_fail(). */
int ep_want_time(struct ep_vctx *v, json_t *j, int64_t *ms, int *off);
/* Every member of obj is in the NULL-terminated names, or (allow_ext) an
 * extension key with a ':'; else fail at that member naming what. */
int ep_check_names(struct ep_vctx *v, json_t *obj, const char *const *names,
                   int allow_ext, const char *what);
/* The event type named by the JSON string t (1..5), or 0. */
int ep_event_type_of(json_t *t);
/* An event sent without a document must carry its own @context (a URI,
 * an object or an array); 0 when ev is no object (validation says so). */
int ep_bare_context(struct ep_vctx *v, json_t *ev);
/* Validate one event at v->path and fill *e (zeroed by the caller) with
 * arena copies of its canonical values; the identifiers met are
 * remembered for the pre-hash. 0, or a negative code with v->err set. */
int ep_validate_event(struct ep_vctx *v, json_t *ev, struct zl_event *e);

/* ---- stored event text (epcis_minify.c) ---- */
/* Set e->json/json_len to the event's stored text (doc arena): its raw
 * text raw[0..raw_len) minus insignificant whitespace when raw is given,
 * else jansson's compact dump; with the document's @context (ctxj) and
 * ignoreFields list put in front when the document binds prefixes
 * (hc->n_ns) that the event does not bind itself, or merged in front of
 * the event's own @context when it has one. 0 or ZL_ENOMEM. */
int ep_event_text(struct ep_vctx *v, json_t *ev, json_t *ctxj, const char *raw,
                  size_t raw_len, const struct ep_hashctx *hc,
                  struct zl_event *e);

#endif
