/*
 * zhiliang/party.h - parties, product master data, API tokens and the
 * location check that binds a token to the places its party answers for.
 *
 * A party is an enterprise, farm, plant, carrier, shop or regulator. Its ID
 * is its unified social credit code (GB 32100) when it has one, else the ID
 * given at registration. Each party holds the GLNs (GS1 Global Location
 * Numbers) of its sites; one GLN belongs to at most one party, which is
 * what lets the server decide whether a token may write an event that
 * happened "at" a place.
 *
 * Tokens are bearer secrets "zlt_<id>_<secret>" bound to one party. Only
 * the SHA-256 of the whole token is stored, so a leaked database does not
 * leak working tokens; the token text is shown once, at creation. The
 * <id> part is public (it names the token in `token revoke ID`).
 *
 * Products map a GTIN to the names a consumer sees (Chinese and English),
 * the brand and what the pack declares: net content, shelf life, the
 * product standard (执行标准), the maker's consumer hotline and, for a
 * drug, its approval number (批准文号); the public portal shows only these
 * master-data fields.
 *
 * Strings handed to callbacks are borrowed: valid during the callback.
 */
#ifndef ZL_PARTY_H
#define ZL_PARTY_H

#include "zhiliang/epcis.h"
#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZL_PARTY_ID_MAX       64 /* bytes including NUL */
#define ZL_TOKEN_MAX          96 /* "zlt_" + 16 hex + "_" + 43 base64url + NUL */
#define ZL_TOKEN_ID_MAX       17 /* 16 hex + NUL */
#define ZL_PARTY_MAX_GLNS     64
#define ZL_PARTY_MAX_PREFIXES 64
#define ZL_REGION_MAX         7 /* GB/T 2260: 2, 4 or 6 digits + NUL */

/* What a party's tokens may do (docs/access.md). */
enum zl_party_kind {
    ZL_PARTY_ENTERPRISE = 0, /* states events about its own goods/places */
    ZL_PARTY_REGULATOR = 1,  /* recalls and inspections in its region */
    ZL_PARTY_OPERATOR = 2    /* administers parties and tokens only */
};

struct zl_party {
    const char *id;          /* NULL on input: USCC, else "gln:<first GLN>" */
    const char *name_zh;     /* required */
    const char *name_en;     /* or NULL */
    const char *uscc;        /* 18-char GB 32100 code, or NULL */
    const char *role;        /* "farm", "processor", "retailer"... or NULL */
    const char *address_zh;  /* or NULL */
    const char *address_en;  /* or NULL */
    const char *const *glns; /* 13-digit GLNs with valid check digit */
    size_t n_glns;
    const char *pubkey_b64; /* Ed25519 public key (32 bytes base64), or NULL */
    /* GS1 Company Prefixes (4-12 digits) licensed to the party: it owns
     * every GTIN, SSCC, GRAI... key that starts with one. One prefix
     * belongs to at most one party. */
    const char *const *prefixes;
    size_t n_prefixes;
    enum zl_party_kind kind;
    const char *region; /* GB/T 2260 code (2, 4 or 6 digits): the
                           region a regulator answers for (required
                           for regulators), or where an enterprise is
                           registered; NULL if unknown */
};

struct zl_product {
    const char *gtin; /* 14 digits (shorter GTINs are left-padded) */
    const char *name_zh;
    const char *name_en;  /* or NULL */
    const char *brand;    /* or NULL */
    const char *brand_en; /* or NULL */
    /* What the pack declares; each NULL (or 0) when not registered. */
    const char *net_content; /* as printed, "250 mL" (at most 32 bytes) */
    const char *standard;    /* 执行标准, "GB 25190" (a standard's code:
                                an ASCII capital first, at most 64 bytes) */
    const char *hotline;     /* consumer service number, "400-810-5888":
                                digits, spaces and hyphens, an optional
                                leading "+", 5 to 15 digits */
    const char *approval;    /* a drug's 批准文号, "国药准字H20990001":
                                国药准字, H, Z, S or J, a 4-digit year and a
                                4-digit number (docs/products.md) */
    int shelf_life_days;     /* 保质期 in days, 1..36500; 0 unknown */
};

/* A site of a party: one of its GLNs, with the name a consumer sees. */
struct zl_location {
    const char *gln;
    const char *party_id;
    const char *name_zh; /* or NULL */
    const char *name_en; /* or NULL */
};
typedef int (*zl_location_cb)(void *ctx, const struct zl_location *l);

typedef int (*zl_party_cb)(void *ctx, const struct zl_party *p);
typedef int (*zl_product_cb)(void *ctx, const struct zl_product *p);

/* Register a party (replace = 1: overwrite one with the same ID, used by
 * imports so they can be re-run). Validates the USCC (zl_uscc_validate),
 * each GLN's length and check digit, each Company Prefix (4-12 digits),
 * the kind and region (a regulator needs one) and the public key's
 * encoding. Returns 0, ZL_EINVAL/ZL_ECHECK with err, ZL_EEXIST when the
 * ID exists (replace = 0) or a GLN or prefix belongs to another party. id_out
 * (may be NULL, ZL_PARTY_ID_MAX bytes) receives the ID the party was stored
 * under. */
int zl_party_add(zl_store *s, const struct zl_party *p, int replace,
                 char *id_out, struct zl_error *err);

/* Parse "enterprise", "regulator" or "operator": 0 or ZL_EINVAL. */
int zl_party_kind_parse(const char *s, enum zl_party_kind *out);
const char *zl_party_kind_name(enum zl_party_kind k);

/* The party whose Company Prefix is the longest one starting the GS1 key
 * of identifier id (an EPC, EPC class or parentID in any syntax
 * zl_gs1_parse accepts; for GTINs and SSCCs the key is read after the
 * indicator or extension digit). party_id gets its ID and prefix_out
 * (13 bytes, may be NULL) the matching prefix. ZL_ENOTFOUND when no
 * registered prefix matches or id is not a GS1 key. */
int zl_party_prefix_owner(zl_store *s, const char *id,
                          char party_id[ZL_PARTY_ID_MAX], char *prefix_out);

/* Find a party by ID, USCC or GLN; cb called once, or ZL_ENOTFOUND. */
int zl_party_get(zl_store *s, const char *key, zl_party_cb cb, void *ctx);

/* The party people mean by q: its ID, USCC or GLN (as zl_party_get), or
 * else its registered name, Chinese or English: the one party whose name
 * is q exactly (English case-insensitively), else the one whose name
 * contains q. id gets its ID. Returns 0; ZL_EINVAL when q names several
 * (err's rule lists up to five, "ID name; ..."); ZL_ENOTFOUND when
 * nothing matches; or a store error. Names are matched by a scan of the
 * registry: for people at a command line, not for a hot path. */
int zl_party_find(zl_store *s, const char *q, char id[ZL_PARTY_ID_MAX],
                  struct zl_error *err);

/* Name a GLN of a registered party (ZL_ENOTFOUND if no party holds it). */
int zl_location_name(zl_store *s, const char *gln, const char *name_zh,
                     const char *name_en);
/* Location by GLN (13 digits) or any SGLN/PGLN form, or ZL_ENOTFOUND. */
int zl_location_get(zl_store *s, const char *loc, zl_location_cb cb, void *ctx);

/* Every party in ID order. */
int zl_party_list(zl_store *s, zl_party_cb cb, void *ctx);

/* Store (insert or replace) a product, a logged registry record.
 * Validates the GTIN check digit and each declared field as struct
 * zl_product describes it; ZL_EINVAL/ZL_ECHECK with err naming the field
 * and the rule, nothing stored. */
int zl_product_put(zl_store *s, const struct zl_product *p,
                   struct zl_error *err);
/* Product by GTIN (8, 12, 13 or 14 digits), or ZL_ENOTFOUND. */
int zl_product_get(zl_store *s, const char *gtin, zl_product_cb cb, void *ctx);
int zl_product_list(zl_store *s, zl_product_cb cb, void *ctx);

/* Import master data from JSON text, as `zhiliang demo` writes it
 * (zl_demo_parties_json) or in a plainer form:
 *   {"parties": [{"id"?, "uscc"?, "role"?, "pubkey"?,
 *                 "nameZh"/"nameEn" | "name": {"zh","en"} | "name_zh"...,
 *                 "address": {"province","city","street"} | {"zh","en"}
 *                            | "...",
 *                 "gln"?, "glns"?: [...], "companyPrefixes"?: [...],
 *                 "kind"?: "enterprise"|"regulator"|"operator",
 *                 "region"?: "<GB/T 2260 code>",
 *                 "locations"?: [{"gln","nameZh","nameEn"}]}],
 *    "products": [{"gtin", "nameZh"/"nameEn" (or as above),
 *                  "brandZh"/"brandEn" | "brand", "netContent"?,
 *                  "shelfLifeDays"?, "standard"?, "hotline"?,
 *                  "approvalNumber"?}]}
 * in one transaction (all or nothing), replacing existing entries with the
 * same ID/GTIN. Counts go to n_parties/n_products (may be NULL). */
int zl_party_import_json(zl_store *s, const char *buf, size_t len,
                         size_t *n_parties, size_t *n_products,
                         struct zl_error *err);

/* ---- tokens ------------------------------------------------------------ */

/* Create a token for an existing party (ZL_ENOTFOUND otherwise). token
 * gets the secret text (show it once; it is not stored), token_id its
 * public ID. */
int zl_token_create(zl_store *s, const char *party_id, char token[ZL_TOKEN_MAX],
                    char token_id[ZL_TOKEN_ID_MAX]);

/* Revoke by token ID: 0, or ZL_ENOTFOUND. Revoking twice is not an error. */
int zl_token_revoke(zl_store *s, const char *token_id);

/* Check a presented token (tok[0..len), not NUL-terminated). On success
 * party_id (ZL_PARTY_ID_MAX bytes) names its party. Unknown, malformed or
 * revoked tokens give ZL_EPERM; the comparison of hashes is constant-time. */
int zl_token_verify(zl_store *s, const char *tok, size_t len,
                    char party_id[ZL_PARTY_ID_MAX]);

struct zl_token_info {
    const char *id, *party_id;
    int64_t created_ms;
    int64_t revoked_ms; /* 0 if active */
};
typedef int (*zl_token_cb)(void *ctx, const struct zl_token_info *t);
/* Tokens (never their secrets) of one party, or of all when party_id is
 * NULL. */
int zl_token_list(zl_store *s, const char *party_id, zl_token_cb cb, void *ctx);

/* ---- access control ---------------------------------------------------- */

/* The GLN (13 digits) of a location identifier: an SGLN or PGLN in any
 * syntax zl_gs1_parse accepts. Returns 0 or ZL_EINVAL when it is not one. */
int zl_party_location_gln(const char *loc, char gln[14]);

/* May party_id write this event? Its readPoint and bizLocation, when
 * present, must be GLNs of the party; when the event names sources or
 * destinations, the party must be among them (as the shipper in a source
 * or the receiver in a destination): a party may record handing goods to
 * another party, but not events at places it does not answer for.
 * Returns 0, ZL_EPERM with err naming the field (path relative to the
 * event, e.g. "bizLocation.id"), or a store error. */
int zl_party_check_event(zl_store *s, const char *party_id,
                         const struct zl_event *ev, struct zl_error *err);

/* The write rule of docs/access.md, the one place it is decided: may
 * party_id state ev? An enterprise may when every location the event
 * names is its own, it is among the sources/destinations the event
 * names, and each identifier is owned by it (Company Prefix), held by it
 * (custody by the latest shipping/receiving event naming it) or handled
 * at its own location; commissioning another owner's identifiers and
 * recalling goods it neither owns nor holds are refused even at its own
 * location; an event with no location needs ownership or custody of
 * every identifier. A regulator may state recall and inspection events
 * about goods whose owner or holder is registered in its region. An
 * operator states no events. Returns 0, ZL_EPERM with err naming the
 * identifier (value), its path in the event and the rule, ZL_ENOTFOUND
 * (err set) when party_id is not registered, or a store error. */
int zl_authz_check_event(zl_store *s, const char *party_id,
                         const struct zl_event *ev, struct zl_error *err);

/* The same for many events of one capture: the party resolved once by
 * zl_authz_party (0, or ZL_ENOTFOUND with err set), then checked per event
 * by zl_authz_check_event_as. */
struct zl_authz_party {
    char id[ZL_PARTY_ID_MAX];
    enum zl_party_kind kind;
    char region[ZL_REGION_MAX]; /* "" if unknown */
};
int zl_authz_party(zl_store *s, const char *party_id,
                   struct zl_authz_party *out, struct zl_error *err);
int zl_authz_check_event_as(zl_store *s, const struct zl_authz_party *me,
                            const struct zl_event *ev, struct zl_error *err);

/* ---- names for people ------------------------------------------------- */

/* The names people know places and parties by (lib/party/names.c), for
 * pages, tables and traces. A handle caches every answer; the strings it
 * returns are borrowed until zl_names_close. Chinese names, English ones
 * with lang_en where registered. */
typedef struct zl_names zl_names;
int zl_names_open(zl_store *s, int lang_en, zl_names **out); /* 0/ENOMEM */
void zl_names_close(zl_names *n);                            /* NULL-safe */

/* A place (readPoint/bizLocation in any form: SGLN URN, Digital Link
 * /414/, GLN): "site (party)", or the one of them registered; NULL when
 * the place is not registered. */
const char *zl_names_place(zl_names *n, const char *loc);

/* The party that holds a place (its registered site's party); NULL when
 * the place or its party is not registered. */
const char *zl_names_place_holder(zl_names *n, const char *loc);

/* A party given by a party GLN in any form, its ID or its USCC; NULL
 * when not registered. */
const char *zl_names_party(zl_names *n, const char *party);

/* ---- read visibility --------------------------------------------------- */

/* Who is reading (docs/access.md, "Who reads what"). The read rule is
 * decided in one place, zl_viewer_sees_event; queries (zl_query_set_viewer),
 * traces (zl_trace_opts.visible) and the server's endpoints all ask it. */
enum zl_viewer_role {
    ZL_VIEW_PUBLIC = 0, /* no token: public pages only, no raw events */
    ZL_VIEW_LOCAL = 1,  /* local access to the store file (the CLI
                           without --as): the store operator, everything */
    ZL_VIEW_PARTY = 2   /* a registered party; its kind decides */
};

/* Caller-allocated; filled by zl_viewer_init or zl_viewer_for_party and
 * read-only afterwards (so one viewer may serve many threads). */
struct zl_viewer {
    enum zl_viewer_role role;
    struct zl_authz_party party;      /* ZL_VIEW_PARTY: id, kind,
                                         region ("" if unknown) */
    char uscc[19];                    /* "" if none */
    char glns[ZL_PARTY_MAX_GLNS][14]; /* the party's sites */
    size_t n_glns;
};

/* A viewer without a party: ZL_VIEW_PUBLIC or ZL_VIEW_LOCAL. */
void zl_viewer_init(struct zl_viewer *v, enum zl_viewer_role role);

/* The viewer for registered party party_id (ID, USCC or GLN): 0, or
 * ZL_ENOTFOUND with err set, or a store error. */
int zl_viewer_for_party(zl_store *s, const char *party_id, struct zl_viewer *v,
                        struct zl_error *err);

/* 1 if v may read raw events at all (the store operator, enterprises,
 * regulators), 0 for the public and operator parties (they administer
 * parties and tokens; the server answers 403 to them). */
int zl_viewer_reads_events(const struct zl_viewer *v);

/* 1 if GB/T 2260 code `code` lies in region `region` (region is a prefix
 * of it: "13" covers "1301" and "130102"); 0 when either is empty. */
int zl_region_covers(const char *region, const char *code);

/* The read rule: may v see the stored event with this hash (its full
 * text, extensions and all)?
 *   store operator (ZL_VIEW_LOCAL): every event;
 *   enterprise: events it captured; events whose readPoint or
 *     bizLocation is one of its GLNs; events naming it as a source or
 *     destination (by one of its GLNs, SGLN or PGLN form, or by its ID or
 *     USCC); events about goods it held just before the event (custody by
 *     the write rule: zl_authz_check_event's holder);
 *   regulator: events whose capturing party, or the party holding the
 *     readPoint's or bizLocation's GLN, is registered in its region
 *     (zl_region_covers);
 *   operator party, public: none.
 * Returns 1 visible, 0 not, ZL_ENOTFOUND when no such event is stored,
 * or a store error. Decided from the registries and the stored events
 * only, so the answer for a given store is the same in the CLI and the
 * server. */
int zl_viewer_sees_event(zl_store *s, const struct zl_viewer *v,
                         const uint8_t hash[32]);

/* A memo of the read rule's registry answers (is this party, this
 * location's owner, in the regulator's region?) for one query or trace:
 * the rule then looks each party and location up once instead of once
 * per event. It holds what the registries said when it was filled, so
 * keep one for one request only; it is not thread-safe. zl_viewer_memo_new
 * returns 0 or ZL_ENOMEM; zl_viewer_memo_free(NULL) is a no-op. */
typedef struct zl_viewer_memo zl_viewer_memo;
int zl_viewer_memo_new(zl_viewer_memo **out);
void zl_viewer_memo_free(zl_viewer_memo *m);

/* A memo for one request of v that may hold answers from v's earlier
 * requests on the same handle: a party's memo (a regulator's by region,
 * an enterprise's by party) is kept on s while the store is unchanged
 * (zl_store_change_token: any commit by any connection or process, or a
 * change by this handle, starts it again), so its answers are those the
 * store gives now; it also keeps zl_viewer_sees_event_memo's answer per
 * event (up to 65,536 events). Any other viewer gets a new one. Give it back
 * with zl_viewer_memo_put (never zl_viewer_memo_free), on the same handle,
 * before the next get. _get: 0 or ZL_ENOMEM; _put(s, NULL) is a no-op. */
int zl_viewer_memo_get(zl_store *s, const struct zl_viewer *v,
                       zl_viewer_memo **out);
void zl_viewer_memo_put(zl_store *s, zl_viewer_memo *m);

/* zl_viewer_sees_event through memo m (NULL: none); the same answers. */
int zl_viewer_sees_event_memo(zl_store *s, const struct zl_viewer *v,
                              zl_viewer_memo *m, const uint8_t hash[32]);

/* For a regulator v: 1 if a stored event whose capturing party (kind
 * 'p') or whose readPoint or bizLocation (kind 'l') is str is visible to
 * v by that field alone, 0 if not, or a store error; 0 for other
 * viewers and NULL str. The rule's own test, one field at a time, so a
 * store can narrow a scan to the values it admits (issue 11). */
int zl_viewer_region_admits(zl_store *s, const struct zl_viewer *v,
                            zl_viewer_memo *m, char kind, const char *str);

/* For an enterprise v (docs/access.md, rules 1-4), the rule one value at
 * a time (zl_event_filter.admits with admits_trade, issue 11): 1 if str
 * names v as capturing party (kind 'p'), as a location of its own ('l':
 * a readPoint or bizLocation, and where custody's receipts happen), as a
 * source or destination ('t'), or is the bizStep whose events at its
 * locations give it custody ('s'); else 0 (also for NULL str). Each 1 is
 * a superset of the rule's own test on that field. Kind 'c' is the other
 * way round: 1 only for a bizStep whose events (not declared erroneous)
 * decide custody for the events after them (shipping, receiving), so a
 * store may end an identifier's custody candidates at the first such
 * event after a receipt; a 1 there must never be wider than the rule's.
 * Only a hint where zl_viewer_party_hints(v) is 1 (else 0 for every
 * value). */
int zl_viewer_party_admits(const struct zl_viewer *v, char kind,
                           const char *str);
/* 1 when zl_viewer_party_admits is a hint for v: an enterprise whose
 * GLNs the viewer holds all (fewer than ZL_PARTY_MAX_GLNS), else 0. */
int zl_viewer_party_hints(const struct zl_viewer *v);

/* 1 if party_id (ID, USCC or GLN) is v itself, or, for a regulator, a
 * party registered in its region; 0 otherwise (also for unknown
 * parties), or a store error. For endpoints that answer about parties
 * rather than events (recall cases). */
int zl_viewer_answers_for(zl_store *s, const struct zl_viewer *v,
                          const char *party_id);

#ifdef __cplusplus
}
#endif
#endif
