/*
 * zhiliang/epcis.h - EPCIS 2.0 documents and events: parse, validate,
 * canonicalise, and the CBV 2.0 event hash.
 *
 * A document (JSON or JSON-LD) is parsed and validated as a whole: either
 * every event is valid and the document is returned, or the first error is
 * reported with its JSON path, rule and value and nothing is returned. Each
 * event comes out as a struct zl_event whose strings point into the
 * document (borrowed: valid until zl_epcis_doc_free).
 *
 * Identifiers in struct zl_event are canonical (GS1 keys as Digital Link
 * on id.gs1.org, CBV values as full URIs such as
 * https://ref.gs1.org/cbv/BizStep-shipping) so the store and the trace
 * engine compare plain strings. The event's original JSON is kept too, as
 * compact JSON text, for output exactly as captured. bizStep and
 * disposition are also resolved once to enums (zhiliang/cbv.h), which is
 * what every decision on them (CTE kind, retail sale, labels) switches on.
 */
#ifndef ZL_EPCIS_H
#define ZL_EPCIS_H

#include "zhiliang/cbv.h"
#include "zhiliang/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_event_type {
    ZL_EV_OBJECT = 1,
    ZL_EV_AGGREGATION = 2,
    ZL_EV_TRANSACTION = 3,
    ZL_EV_TRANSFORMATION = 4,
    ZL_EV_ASSOCIATION = 5
};

enum zl_action {
    ZL_ACT_NONE = 0,
    ZL_ACT_ADD = 1,
    ZL_ACT_OBSERVE = 2,
    ZL_ACT_DELETE = 3
};

/* The role an identifier plays in an event. Instance roles name one
 * physical thing (EPC); class roles name a class or lot (quantity lists). */
enum zl_id_role {
    ZL_ROLE_EPC = 1,    /* epcList (Object, Transaction) */
    ZL_ROLE_PARENT = 2, /* parentID (Aggregation, Transaction, Association) */
    ZL_ROLE_CHILD = 3,  /* childEPCs */
    ZL_ROLE_INPUT = 4,  /* inputEPCList */
    ZL_ROLE_OUTPUT = 5, /* outputEPCList */
    ZL_ROLE_QTY = 6,    /* quantityList epcClass */
    ZL_ROLE_CHILD_QTY = 7, /* childQuantityList epcClass */
    ZL_ROLE_INPUT_QTY = 8, /* inputQuantityList epcClass */
    ZL_ROLE_OUTPUT_QTY = 9 /* outputQuantityList epcClass */
};

struct zl_event_id {
    const char *id; /* canonical identifier */
    enum zl_id_role role;
    int has_quantity; /* quantity lists: 1 if "quantity" was present */
    double quantity;
    const char *uom; /* UN/CEFACT unit code or NULL */
};

/* A bizTransaction, source or destination: type (canonical CBV URI or the
 * user's own URI) and value. */
struct zl_typed_ref {
    const char *type;
    const char *value;
};

struct zl_event {
    enum zl_event_type type;
    uint8_t hash[32];        /* CBV 2.0 event hash (SHA-256 of prehash) */
    char hash_id[96];        /* "ni:///sha-256;<hex>?ver=CBV2.0" */
    const char *declared_id; /* the event's own eventID, or NULL */
    int64_t event_time_ms;   /* UTC ms since epoch */
    int tz_offset_min;       /* eventTimeZoneOffset */
    int64_t record_time_ms;  /* 0 if absent (set by the store at capture) */
    enum zl_action action;   /* NONE for Transformation */
    const char *biz_step;    /* canonical URI or NULL */
    const char *disposition;
    enum zl_biz_step step;    /* biz_step resolved (zhiliang/cbv.h) */
    enum zl_disposition disp; /* disposition resolved */
    const char *read_point;   /* canonical (SGLN as DL) or NULL */
    const char *biz_location;
    const char *transformation_id;
    const char *certification_info; /* or NULL */
    int has_error_declaration;
    const char *error_declaration_reason;    /* or NULL */
    const char *const *corrective_event_ids; /* NULL-terminated or NULL */

    struct zl_event_id *ids;
    size_t n_ids;
    struct zl_typed_ref *biz_transactions;
    size_t n_biz_transactions;
    struct zl_typed_ref *sources;
    size_t n_sources;
    struct zl_typed_ref *destinations;
    size_t n_destinations;

    const char *json; /* the event as compact JSON text, as given;
                         when the document's @context binds
                         namespace prefixes, that @context is
                         added as the first key (followed by the
                         event's own entries, if it has an
                         @context) so the event stays
                         self-contained (its hash can be
                         recomputed by zl_epcis_event_hash) */
    size_t json_len;
    const char *prehash; /* CBV 2.0 canonical pre-hash string */
    size_t prehash_len;
};

/* Limits on what one document may cost. Zero fields take the defaults. */
struct zl_capture_limits {
    size_t max_bytes;  /* default 64 MiB */
    size_t max_events; /* default 100000 */
    size_t max_depth;  /* JSON nesting, default 64 */
};
#define ZL_DEFAULT_MAX_BYTES  ((size_t)64 << 20)
#define ZL_DEFAULT_MAX_EVENTS ((size_t)100000)
#define ZL_DEFAULT_MAX_DEPTH  ((size_t)64)

typedef struct zl_epcis_doc zl_epcis_doc;

/* Parse and validate an EPCISDocument (or a bare event list / single event
 * as the REST binding allows) from buf[0..len). On success *out is new (free
 * with zl_epcis_doc_free). On failure returns ZL_ESYNTAX, ZL_EINVAL,
 * ZL_ELIMIT, ZL_ECHECK or ZL_ENOMEM, fills err and sets *out = NULL.
 * lim may be NULL for the defaults. */
int zl_epcis_parse(const char *buf, size_t len,
                   const struct zl_capture_limits *lim, zl_epcis_doc **out,
                   struct zl_error *err);

/* As zl_epcis_parse, but an EPCISQueryDocument (a query result: events in
 * epcisBody.queryResults.resultsBody.eventList) is accepted too. For
 * hashing and verifying events received from a query, never for capture. */
int zl_epcis_parse_any(const char *buf, size_t len,
                       const struct zl_capture_limits *lim, zl_epcis_doc **out,
                       struct zl_error *err);

/* Options of zl_epcis_parse_opts and zl_epcis_event_hash_opts. Zero is
 * the default for every field (what zl_epcis_parse does). */
struct zl_epcis_opts {
    const struct zl_capture_limits *limits; /* NULL = defaults */
    int allow_query;                        /* 1: as zl_epcis_parse_any */
    /* The "ignoreFields" repository extension of the CBV 2.0 event hash
     * (as the reference generator, epcis-event-hash-generator, implements
     * it): a repository that adds fields of its own to the events it
     * serves (its copy of the hash, a capture ID) names them in a
     * document-level list "<p>:ignoreFields", p being a prefix the
     * document's @context binds to the repository's namespace, and those
     * fields then do not count in any event's hash. The namespace belongs
     * to the repository that wrote the document, so it is given here (for
     * the reference corpus: "https://repository-x.example.com/"); NULL
     * (the default) recognises no such list, every field counts. An event
     * parsed with it keeps the list in its json, so rehash that json with
     * the same option. Capture never sets it: our own repository adds no
     * such fields. Borrowed for the duration of the call. */
    const char *ignore_fields_ns;
    /* Threads for the per-event pass of zl_epcis_parse_opts (validate,
     * pre-hash, SHA-256, keep the text): 0 or 1 is the caller's thread
     * alone; n > 1 splits the events of a document of at least
     * ZL_EPCIS_PAR_MIN_EVENTS events into up to n (at most 8) runs of
     * consecutive events, one a thread. The JSON parse before it stays on
     * the caller's thread. The document, and the error of a document
     * that fails (its first failing event, as with one thread), are the
     * same either way. zl_epcis_hash_each takes it too (there each
     * event's JSON parse is on the threads as well). Ignored by
     * zl_epcis_event_hash_opts. */
    int threads;
};
/* Fewer events than this are parsed on one thread whatever
 * zl_epcis_opts.threads says: starting threads would cost more. */
#define ZL_EPCIS_PAR_MIN_EVENTS 2048

/* zl_epcis_parse / zl_epcis_parse_any with options (o may be NULL). */
int zl_epcis_parse_opts(const char *buf, size_t len,
                        const struct zl_epcis_opts *o, zl_epcis_doc **out,
                        struct zl_error *err);

/* One event's CBV 2.0 hash, as zl_epcis_hash_each hands it over. */
struct zl_event_hash {
    size_t index;        /* position in the document's event list */
    uint8_t hash[32];    /* SHA-256 of prehash */
    char hash_id[96];    /* "ni:///sha-256;<hex>?ver=CBV2.0" */
    const char *prehash; /* canonical pre-hash string, NUL-terminated */
    size_t prehash_len;
};
/* Receives one event's hash; a negative return stops the walk, which
 * then returns that value. h is borrowed for the call only. */
typedef int (*zl_epcis_hash_fn)(void *ctx, const struct zl_event_hash *h);

/* The hash of every event of the document buf[0..len) (EPCIS JSON or
 * XML), validated exactly as zl_epcis_parse_opts (or, XML,
 * zl_epcis_parse_xml) with the same options would, without keeping the
 * document: a JSON document's events are parsed, validated and hashed
 * one at a time (o->threads: on up to that many threads, as there), and
 * fn gets them in document order, on the caller's thread, never two at
 * once. Returns 0 (*n_events, may be NULL, the count), or the code and
 * err the parse would give for the same bytes and options. fn may have
 * been called for the events before the first failing one when it fails:
 * a caller that must print nothing for an invalid document holds what fn
 * gets until 0 is returned. */
int zl_epcis_hash_each(const char *buf, size_t len,
                       const struct zl_epcis_opts *o, zl_epcis_hash_fn fn,
                       void *ctx, size_t *n_events, struct zl_error *err);

/* The XML binding (EPCIS 1.2 and 2.0, lib/epcis/epcis_xml.c).
 *
 * zl_epcis_xml_to_json: convert an EPCISDocument or EPCISQueryDocument in
 * XML (namespace urn:epcglobal:epcis:xsd:2 or :1) from buf[0..len) into
 * the EPCIS 2.0 JSON-LD document zl_epcis_parse takes: 1.2's extension
 * wrappers flattened, lists as arrays, user extensions as "prefix:name"
 * with the prefixes in @context. *json is new (zl_free), NUL-terminated,
 * *json_len (may be NULL) its length. The parser reads no network, no DTD
 * (a DOCTYPE is refused) and expands no entity; lim (may be NULL) caps
 * the document's bytes, element depth and events. Fails with ZL_ESYNTAX
 * (not well-formed), ZL_EINVAL, ZL_ELIMIT or ZL_ENOMEM, err naming the
 * element path and line ("/epcis:EPCISDocument/EPCISBody/EventList/
 * ObjectEvent[2]/epcList", rule "line 17: ..."). The events are not
 * validated here: that is zl_epcis_parse's work. */
int zl_epcis_xml_to_json(const char *buf, size_t len,
                         const struct zl_capture_limits *lim, char **json,
                         size_t *json_len, struct zl_error *err);

/* zl_epcis_parse_opts for an XML document: convert, then parse and
 * validate the JSON-LD, so an event has the same hash as its JSON twin.
 * A validation error is reported on the event's element path and start
 * line, followed by the JSON path inside the event. */
int zl_epcis_parse_xml(const char *buf, size_t len,
                       const struct zl_epcis_opts *o, zl_epcis_doc **out,
                       struct zl_error *err);

/* The inverse: an EPCIS 2.0 JSON-LD EPCISDocument from json[0..len) as an
 * EPCIS 2.0 XML document (bare CBV terms as their web URIs, "p:name"
 * extensions in the namespace @context binds p to, sensor properties as
 * attributes), which zl_epcis_parse_xml reads back to the same event
 * hashes. *xml is new (zl_free), xml_len may be NULL. Elements follow the
 * JSON's order, not the XSD's sequence. Fails with ZL_ESYNTAX (not JSON),
 * ZL_EINVAL (no eventList, an event without a known type), ZL_ELIMIT or
 * ZL_ENOMEM. The events are not validated. */
int zl_epcis_json_to_xml(const char *json, size_t len, char **xml,
                         size_t *xml_len, struct zl_error *err);

/* 1 if buf[0..len) looks like XML (its first byte after an optional
 * UTF-8 byte order mark and white space is '<'), else 0. */
int zl_epcis_is_xml(const char *buf, size_t len);

void zl_epcis_doc_free(zl_epcis_doc *doc); /* NULL-safe */
size_t zl_epcis_doc_count(const zl_epcis_doc *doc);
/* Borrowed: valid until zl_epcis_doc_free. i < zl_epcis_doc_count. */
const struct zl_event *zl_epcis_doc_event(const zl_epcis_doc *doc, size_t i);

/* Compute the CBV 2.0 pre-hash string and hash of one event given as JSON
 * text (an element of eventList). *prehash is new (zl_free). Used by the
 * `hash` command and by the log verifier to recompute a leaf from the stored
 * event alone. hash_id gets "ni:///sha-256;...?ver=CBV2.0". */
int zl_epcis_event_hash(const char *json, size_t len, char **prehash,
                        size_t *prehash_len, uint8_t hash[32], char hash_id[96],
                        struct zl_error *err);
/* The same with options (o may be NULL; only ignore_fields_ns applies). */
int zl_epcis_event_hash_opts(const char *json, size_t len,
                             const struct zl_epcis_opts *o, char **prehash,
                             size_t *prehash_len, uint8_t hash[32],
                             char hash_id[96], struct zl_error *err);

/* The same under the @context rule of stores written before issue 9
 * (where a prefix was declared changed the hash): only the event's own
 * top-level @context counts, only objects inside an @context array bind,
 * and an @context nested in an extension value is hashed as a field. For
 * verifiers: a record stored then still matches its logged leaf. */
int zl_epcis_event_hash_legacy(const char *json, size_t len, char **prehash,
                               size_t *prehash_len, uint8_t hash[32],
                               char hash_id[96], struct zl_error *err);

/* Write the CBV 2.0 event hash ID "ni:///sha-256;<64 hex>?ver=CBV2.0"
 * of hash into out (NUL-terminated, 90 bytes used). */
void zl_event_hash_id(const uint8_t hash[32], char out[96]);

const char *zl_event_type_name(enum zl_event_type t); /* "ObjectEvent" */
const char *zl_action_name(enum zl_action a);         /* "ADD" or NULL */
/* The inverses: the enum of s[0..n) ("ObjectEvent", "ADD"), or 0 when s
 * names none. */
enum zl_event_type zl_event_type_of(const char *s, size_t n);
enum zl_action zl_action_of(const char *s, size_t n);

/* The FSMA 204 critical tracking event an EPCIS event records, decided on
 * the resolved vocabulary alone (lib/epcis/cbv.c says which rule of 21 CFR
 * 1.1310-1.1350 each case follows). void_shipping is no shipping and an
 * ADD with bizStep unpacking no initial packing. */
enum zl_cte zl_cte_classify(enum zl_event_type type, enum zl_action action,
                            enum zl_biz_step step);

#ifdef __cplusplus
}
#endif
#endif
