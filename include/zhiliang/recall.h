/*
 * zhiliang/recall.h - defective product recalls (缺陷产品召回): the scope of
 * a recall, the FDA FSMA 204 electronic sortable spreadsheet, and recall
 * cases run from opening to closure, every step a record in the log.
 *
 * Scope. zl_recall_scope_compute runs the trace engine forward from the
 * recalled lots (zl_trace_scope) and turns its nodes into what a recall
 * coordinator needs: every affected lot, item and container with its
 * quantity, its last known custodian resolved through the party registry
 * (name, GLN, address), whether it reached consumers, and totals by
 * custodian ("who holds how much"). Holdings count only terminal product
 * forms (an item, or a lot that was neither transformed further nor
 * instantiated into items in scope), so milk that became cartons is not
 * counted twice.
 *
 * FSMA 204. The CSV has one row per (critical tracking event, traceability
 * lot code) touching the scope, with the key data elements of 21 CFR 1
 * Subpart S (1.1325-1.1350): TLC, quantity and unit, product description,
 * location descriptions, date, previous source / subsequent recipient, TLC
 * source, reference documents, and for transformations the row's role
 * (input/output) and every input lot code. Items map to the lot they were
 * commissioned from; containers (and cases carrying their own SGTIN) to
 * the in-scope goods they carried. Rows are sorted by event time, then
 * TLC. Quoting follows RFC 4180 (CRLF line ends). Columns: Event Date,
 * Event Time, CTE Type, Traceability Lot Code (TLC), Product Description,
 * GTIN, Quantity, Unit of Measure, Location Description, Ship-from
 * Location, Ship-to Location, Immediate Previous Source, Immediate
 * Subsequent Recipient, TLC Source Location, Reference Document Type,
 * Reference Document Number, Transformation Role, Transformation Input
 * TLCs, Event ID. A location or party is described as "name (English
 * name) site, GLN n, address" from the registry, or "GLN n" alone.
 *
 * Custodian of a node: the possessing party of its last transfer, else
 * the owning party, else the party holding its last location's GLN.
 *
 * Cases. A case is a list of records (open, notify, progress, close),
 * each stored and appended to the Merkle log (leaf type ZL_LEAF_RECALL) in
 * one transaction, under record key "recall:<case>:<seq>" (seq from 1).
 * A record's canonical bytes are its RFC 8785 (JCS) canonical JSON
 * (records logged before JCS keep their earlier form: lib/recall/case.c);
 * the state of a case (who was notified, acknowledged, how much was
 * recovered) is recomputed by replaying its records, so the log alone
 * accounts for it. Case IDs are random UUID v4 made here.
 */
#ifndef ZL_RECALL_H
#define ZL_RECALL_H

#include "zhiliang/buf.h"
#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zl_recall_scope zl_recall_scope;

#define ZL_RECALL_ID_MAX 37 /* UUID text + NUL */

/* ---- scope ------------------------------------------------------------- */

/* Compute the scope of recalling lots[0..n) (any identifier form). *out is
 * new (zl_recall_scope_free). Returns 0, ZL_EINVAL for a bad identifier,
 * ZL_ENOTFOUND for a lot no stored event names (err filled), ZL_ELIMIT,
 * ZL_ESTORE, ZL_ENOMEM. */
int zl_recall_scope_compute(zl_store *s, const char *const *lots, size_t n,
                            zl_recall_scope **out, struct zl_error *err);
void zl_recall_scope_free(zl_recall_scope *sc); /* NULL-safe */

/* JSON object (2-space indented, sorted keys, trailing newline):
 * {"lots", "summary", "custodians":[{"party","name","nameEn","gln",
 *  "address","holdings":[{"uom","held","sold"}]}], "nodes":[...],
 *  "cteCounts"}. Deterministic: same store, same bytes. */
int zl_recall_scope_json(const zl_recall_scope *sc, struct zl_buf *out);
/* FSMA 204 sortable spreadsheet (header row + data rows, RFC 4180). */
int zl_recall_scope_csv(const zl_recall_scope *sc, struct zl_buf *out);
/* Readable report, Chinese and English headings. */
int zl_recall_scope_report(const zl_recall_scope *sc, struct zl_buf *out);
/* Number of CSV data rows. */
size_t zl_recall_scope_rows(const zl_recall_scope *sc);

/* ---- cases ------------------------------------------------------------- */

enum zl_hazard_class { ZL_HAZARD_I = 1, ZL_HAZARD_II = 2, ZL_HAZARD_III = 3 };

/* Open a case: compute the scope, store the "open" record (lots, reason,
 * hazard class, scope summary, custodians, affected identifiers) and its
 * leaf. case_id gets the new UUID. Returns 0, ZL_EINVAL (empty reason, bad
 * lot, hazard out of range; err filled), or a store/log error (nothing
 * stored). */
int zl_recall_open(zl_store *s, const char *const *lots, size_t n,
                   const char *reason, enum zl_hazard_class hazard,
                   char case_id[ZL_RECALL_ID_MAX], struct zl_error *err);

/* What a case says to people, per language: the reason (required; in
 * Chinese, or the only language given) and, optionally, its English, and
 * what holders should do (advice; NULL: the hazard class's standard
 * advice, zl_recall_action). Pages show each in the reader's language
 * and fall back to the other. */
struct zl_recall_texts {
    const char *reason, *reason_en;
    const char *advice, *advice_en;
};

/* zl_recall_open with the texts of t (zl_recall_open is this with the
 * reason alone). Same returns. */
int zl_recall_open_texts(zl_store *s, const char *const *lots, size_t n,
                         const struct zl_recall_texts *t,
                         enum zl_hazard_class hazard,
                         char case_id[ZL_RECALL_ID_MAX], struct zl_error *err);

/* Record one notification per party (party IDs, USCCs, GLNs or PGLNs as
 * given; resolved to the registry's party ID when known). parties NULL or
 * n 0: every custodian of the scope. *n_notified (may be NULL) gets the
 * count. ZL_ENOTFOUND for an unknown case, ZL_EINVAL for a closed one. */
int zl_recall_notify(zl_store *s, const char *case_id,
                     const char *const *parties, size_t n, size_t *n_notified,
                     struct zl_error *err);

/* Record a party's progress: ack = 1 acknowledges; has_recovered adds
 * `recovered` units of uom (NULL = the party's main unit in scope) to what
 * it returned. The party must have been notified (ZL_EINVAL otherwise). */
int zl_recall_progress(zl_store *s, const char *case_id, const char *party,
                       int ack, int has_recovered, double recovered,
                       const char *uom, struct zl_error *err);

/* Close the case. Refused (ZL_EINVAL, err naming the party) while a
 * notified party has not acknowledged, unless force with a non-empty
 * force_reason. summary must be non-empty. */
int zl_recall_close(zl_store *s, const char *case_id, const char *summary,
                    int force, const char *force_reason, struct zl_error *err);

/* A party's part in a case: every custodian of the scope and every
 * party notified. Quantities are in uom, the party's main unit in scope
 * (most held + sold; else the unit it reported, else "EA"). */
struct zl_recall_party_status {
    const char *party; /* registry party ID (or the identifier given) */
    const char *name;  /* its name in the scope; NULL when unknown */
    int notified, acknowledged;
    const char *uom;
    double held, sold;    /* at this custodian, from the scope */
    double distributed;   /* held + sold */
    double recovered;     /* sum of the progress records, in uom */
    double effectiveness; /* recovered / distributed; NaN if distributed 0 */
};

/* Totals over the parties for one unit. */
struct zl_recall_unit_total {
    const char *uom;
    double distributed, recovered;
    double effectiveness; /* NaN when distributed is 0 */
};

/* The scope summary an "open" record keeps. */
struct zl_recall_summary {
    uint64_t items, lots, classes, containers, assets, items_at_consumers,
        events;
};

/* A case's state, replayed from its records. Every pointer is owned by
 * the status and valid until zl_recall_status_free. */
struct zl_recall_status {
    char case_id[ZL_RECALL_ID_MAX];
    int closed; /* 0 open, 1 closed */
    const char *reason;
    const char *reason_en;     /* NULL when only one was given */
    const char *advice;        /* NULL: the class's standard advice */
    const char *advice_en;     /* likewise */
    const char *hazard_class;  /* "I", "II", "III" */
    const char *opened;        /* UTC time of the open record */
    const char *closed_at;     /* of the close record; NULL while open */
    const char *close_summary; /* NULL while open */
    int forced;                /* closed with --force */
    const char *const *lots;   /* recalled lots */
    size_t n_lots;
    struct zl_recall_summary summary;
    struct zl_recall_party_status *parties; /* by party ID */
    size_t n_parties;
    struct zl_recall_unit_total *overall; /* by unit */
    size_t n_overall;
    /* the headline: effectiveness for the unit with most distributed
     * (effectiveness_uom NULL and effectiveness NaN when there is none) */
    const char *effectiveness_uom;
    double effectiveness;
    uint64_t records; /* records replayed */
    void *internal_;  /* the records the strings point into */
};

/* Replay a case: *out is new (zl_recall_status_free). effectiveness =
 * recovered / distributed (distributed = held + sold at that custodian,
 * in its main unit); overall per unit. Returns 0, ZL_ENOTFOUND for an
 * unknown case, ZL_ESTORE, ZL_ENOMEM. */
int zl_recall_status_get(zl_store *s, const char *case_id,
                         struct zl_recall_status **out);
void zl_recall_status_free(struct zl_recall_status *st); /* NULL-safe */
/* A case's status as the JSON object `recall status --json` prints and
 * GET /api/recalls/{id} returns (2-space indented, sorted keys, no
 * trailing newline): {"case","status","reason","hazardClass","opened",
 * "records","parties":[{"party","name","notified","acknowledged","uom",
 * "held","sold","distributed","recovered","effectiveness"}],"overall",
 * "lots","summary","effectiveness","effectivenessUom", and when closed
 * "closed","closeSummary","forced"}; a ratio with nothing distributed is
 * null. Appends to out; 0 or ZL_ENOMEM (also when out's cap is hit). */
int zl_recall_status_json(const struct zl_recall_status *st,
                          struct zl_buf *out);

/* Cases, newest first. Strings and arrays borrowed during the callback. */
struct zl_recall_info {
    const char *case_id;
    const char *status; /* "open" or "closed" */
    const char *reason;
    const char *hazard_class;     /* "I", "II", "III" */
    int64_t opened_ms, closed_ms; /* closed_ms 0 while open */
    const char *const *lots;      /* recalled lots */
    size_t n_lots;
    const char *const *gtins; /* affected GTINs (14 digits), sorted */
    size_t n_gtins;
};
typedef int (*zl_recall_info_cb)(void *ctx, const struct zl_recall_info *r);
int zl_recall_list(zl_store *s, int open_only, zl_recall_info_cb cb, void *ctx);

/* What a holder of the goods should do, by hazard class ("I", "II",
 * "III"; anything else reads as III), in Chinese or English (static). */
const char *zl_recall_action(const char *hazard_class, int lang_en);

/* For shoppers, who hold a pack and read its batch code: the lots an open
 * recall case reaches (every lot in its scope: the retail lots made from
 * a recalled raw lot, not only that raw lot; an item known only by its
 * serial adds none), of case case_id or every open case (NULL), of
 * product gtin (14
 * digits) or of every product (NULL). cb
 * once per case and lot (strings borrowed for the call; lot is the batch
 * code, dl the lot's Digital Link); a non-zero return stops and is
 * returned. Returns the number of lots, or a negative error. */
struct zl_recall_pack_lot {
    const char *case_id, *gtin, *lot, *dl;
};
typedef int (*zl_recall_pack_lot_cb)(void *ctx,
                                     const struct zl_recall_pack_lot *l);
int zl_recall_pack_lots(zl_store *s, const char *case_id, const char *gtin,
                        zl_recall_pack_lot_cb cb, void *ctx);

/* For the portal: is identifier id (any form; canonicalised) in the scope
 * of an open recall? cb is called once per such case with the notice
 * (borrowed strings). Returns the number of open cases found (0 = not
 * under recall), or a negative error. cb may be NULL. */
struct zl_recall_notice {
    const char *case_id, *reason, *hazard_class;
    int64_t opened_ms;
    const char *action_zh, *action_en; /* what a holder should do */
    const char *reason_en;             /* NULL when only one was given */
};
typedef int (*zl_recall_notice_cb)(void *ctx, const struct zl_recall_notice *n);
int zl_recall_status_for(zl_store *s, const char *id, zl_recall_notice_cb cb,
                         void *ctx);

/* The canonical bytes of the record logged under record_key
 * ("recall:<case>:<seq>"), recomputed from the stored record: for
 * `zhiliang verify`. *canon is new (zl_free). ZL_ENOTFOUND if absent. */
int zl_recall_record_canon(zl_store *s, const char *record_key, char **canon,
                           size_t *len);

/* Every stored record's key, case by case in seq order (for `zhiliang
 * verify`'s check that each record has a leaf). key is borrowed for the
 * call; a non-zero return stops and is passed back. */
typedef int (*zl_recall_key_cb)(void *ctx, const char *record_key);
int zl_recall_record_keys(zl_store *s, zl_recall_key_cb cb, void *ctx);

const char *zl_hazard_name(enum zl_hazard_class h); /* "I".. or NULL */

#ifdef __cplusplus
}
#endif
#endif
