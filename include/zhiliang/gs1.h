/*
 * zhiliang/gs1.h - GS1 identifiers: check digits, EPC URN, GS1 Digital Link,
 * element strings, and Chinese unified social credit codes (GB 32100-2015).
 *
 * One parsed form (struct zl_gs1_id) with three renderings. Parsing accepts
 * any of the three input syntaxes and says exactly why an invalid one is
 * invalid (struct zl_error: rule + value). The canonical form that Zhiliang
 * stores, and that the CBV 2.0 event hash uses, is the GS1 Digital Link URI
 * on https://id.gs1.org with only the key and its key qualifiers.
 *
 * A Digital Link or element string does not say where the GS1 Company
 * Prefix ends, which the EPC URN needs; parse leaves gcp_len = 0 in that
 * case and zl_gs1_to_urn() then needs a length from the caller.
 */
#ifndef ZL_GS1_H
#define ZL_GS1_H

#include "zhiliang/error.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zl_gs1_scheme {
    ZL_GS1_NONE = 0,
    ZL_GS1_SGTIN,      /* (01)+(21) instance */
    ZL_GS1_SSCC,       /* (00) */
    ZL_GS1_SGLN,       /* (414)[+(254)] */
    ZL_GS1_GRAI,       /* (8003) */
    ZL_GS1_GIAI,       /* (8004) */
    ZL_GS1_GSRN,       /* (8018) */
    ZL_GS1_GSRNP,      /* (8017) */
    ZL_GS1_GDTI,       /* (253) */
    ZL_GS1_CPI,        /* (8010)+(8011) */
    ZL_GS1_SGCN,       /* (255) */
    ZL_GS1_GINC,       /* (401) */
    ZL_GS1_GSIN,       /* (402) */
    ZL_GS1_ITIP,       /* (8006)+(21) */
    ZL_GS1_UPUI,       /* (01)+(235) */
    ZL_GS1_PGLN,       /* (417) */
    ZL_GS1_LGTIN,      /* class: (01)+(10) */
    ZL_GS1_GTIN,       /* class: (01) alone, e.g. urn:epc:idpat:sgtin:C.I.* */
    ZL_GS1_GRAI_CLASS, /* class: (8003) without serial (idpat:grai) */
    ZL_GS1_ITIP_CLASS, /* class: (8006) without serial (idpat:itip) */
    ZL_GS1_CPI_CLASS,  /* class: (8010) without serial (idpat:cpi) */
    ZL_GS1_GDTI_CLASS, /* class: (253) without serial (idpat:gdti) */
    ZL_GS1_SGCN_CLASS, /* class: (255) without serial (idpat:sgcn) */
    ZL_GS1_GMN,        /* (8013) global model number: no EPC URN */
    ZL_GS1_PAYTO,      /* (415)[+(8020)] pay-to GLN, payment slip: no EPC */
};

#define ZL_GS1_MAX_AIS 8

/* One application identifier and its value, as in an element string. */
struct zl_gs1_ai {
    char ai[5];     /* "01", "21", "414", "8003"... NUL-terminated */
    char value[96]; /* value with check digit where the AI has one */
};

struct zl_gs1_id {
    enum zl_gs1_scheme scheme;
    int is_class; /* 1 for LGTIN, GTIN and other class forms */
    int gcp_len;  /* GS1 Company Prefix digits, 0 if unknown */
    size_t n_ais; /* primary key first, then key qualifiers */
    struct zl_gs1_ai ais[ZL_GS1_MAX_AIS];
    size_t n_attrs; /* Digital Link data attributes (?17=...) */
    struct zl_gs1_ai attrs[ZL_GS1_MAX_AIS];
};

/* Parse an EPC URN (urn:epc:id:/class:/idpat:), a Digital Link URI (any
 * host, any path prefix before the primary key, qualifiers, ?query data
 * attributes; the Digital Link 1.0 short names gtin, lot, ser... too), or
 * an element string (bracketed "(01)..(10).." or raw scanner data with
 * FNC1 as GS (0x1D), optionally after a "]C1", "]e0", "]d2", "]Q3" or
 * "]J1" symbology identifier), a Digital Link URI after "]Q1", "]d1" or
 * "]J0", a bare GTIN (8, 12, 13 or 14 digits with a valid check digit, or
 * after "]E0"/"]E4"), or 18 digits of an SSCC that read as nothing else.
 * Verifies every AI against GS1's Barcode Syntax Dictionary (lengths,
 * character sets, the dictionary's content checks: check digits, dates,
 * ISO country and currency codes...), its req= and ex= rules ((21) without
 * (01), (01) with (02)...), qualifier order, the strict Digital Link rules
 * of docs/gs1.md, and the company prefix split. Returns 0, or ZL_ESYNTAX /
 * ZL_EINVAL / ZL_ECHECK / ZL_EUNSUPPORTED / ZL_ELIMIT (more than ZL_GS1_MAX_AIS
 * AIs) with err saying why: err->rule names the rule broken ("bad check digit
 * in AI (01): expected 2, got 3"), err->value the offending value (err may be
 * NULL). Never reads past s[len-1]; allocates nothing. */
int zl_gs1_parse(const char *s, size_t len, struct zl_gs1_id *id,
                 struct zl_error *err);

/* Canonical Digital Link: "https://id.gs1.org/01/09506000134352/10/ABC".
 * Every key qualifier that id holds, in the order GS1 Digital Link
 * prescribes; data attributes are left out unless with_attrs. With
 * with_attrs, an id holding an attribute that GS1's Barcode Syntax
 * Dictionary does not allow in a Digital Link (no "?" flag, e.g. (8200),
 * (8020) beside (415)) has no Digital Link: ZL_EINVAL. Values are
 * percent-encoded as DL requires (! " # % & ( ) * + , / : < > ? and anything
 * outside the GS1 character sets; ' ; = stay literal, as in the CBV 2.0
 * reference event hash generator).
 * Returns bytes written (excluding NUL), ZL_ELIMIT if cap is too small or
 * ZL_EINVAL (above). */
int zl_gs1_to_dl(const struct zl_gs1_id *id, int with_attrs, char *out,
                 size_t cap);

/* EPC URN: urn:epc:id:sgtin:0614141.107346.2017, urn:epc:class:lgtin:...,
 * urn:epc:idpat:sgtin:C.I.* for a bare GTIN class. gcp_len overrides
 * id->gcp_len when > 0; with neither, returns ZL_EUNSUPPORTED. Returns bytes
 * written or a negative error (ZL_EINVAL if gcp_len cannot split the key). */
int zl_gs1_to_urn(const struct zl_gs1_id *id, int gcp_len, char *out,
                  size_t cap);

/* Human-readable element string "(01)09506000134352(10)ABC". */
int zl_gs1_to_element_string(const struct zl_gs1_id *id, char *out, size_t cap);

/* Convenience for canonicalising identifiers found in EPCIS documents:
 * a GS1 identifier in any form becomes its canonical Digital Link as the
 * CBV 2.0 event hash defines it ("constrained"): only the finest level of
 * identification, so (22) CPV is dropped and (10) lot is dropped when (21)
 * serial is present, and no data attributes. Any other URI is copied
 * unchanged (EPCIS allows private URIs). Returns bytes written, or a
 * negative error with err filled when the input claims to be GS1
 * (urn:epc:..., a DL path with a known primary AI or short name followed by
 * a value starting with four digits) but is invalid. */
int zl_gs1_canonical(const char *s, size_t len, char *out, size_t cap,
                     struct zl_error *err);

/* GS1 mod-10 check digit over the first n digits of s ('0'..'9').
 * Returns 0..9, or -1 if a non-digit is found. */
int zl_gs1_check_digit(const char *s, size_t n);

/* Name of a scheme ("sgtin", "lgtin"...). */
const char *zl_gs1_scheme_name(enum zl_gs1_scheme s);

/* Raw element string as a scanner sends it: AIs concatenated, FNC1 written
 * as GS (0x1D) after each variable-length value that is not last, no
 * symbology identifier. Returns bytes written or ZL_ELIMIT. */
int zl_gs1_to_element_string_raw(const struct zl_gs1_id *id, char *out,
                                 size_t cap);

/* Title of an AI from the table ("GTIN", "BATCH/LOT"...), NULL if unknown. */
const char *zl_gs1_ai_title(const char *ai);

/* Validate a GB 32100-2015 unified social credit code (18 chars: registry
 * authority, entity type, 6-digit region code, 9-char organisation code
 * with its own GB 11714 check, and the mod-31 check character; the letters
 * I O Z S V are never used). Returns 0 or ZL_EINVAL/ZL_ECHECK with err. */
int zl_uscc_validate(const char *s, size_t len, struct zl_error *err);

#ifdef __cplusplus
}
#endif
#endif
