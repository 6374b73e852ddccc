/*
 * gs1_int.h - private parts shared by the GS1 module's files.
 *
 * ai.c owns the application identifier table and value validation; the
 * three syntaxes (urn.c, digital_link.c, element_string.c) parse into a
 * struct zl_gs1_id through the helpers here, so every syntax checks values
 * with the same rules and reports them with the same words.
 */
#ifndef ZL_GS1_INT_H
#define ZL_GS1_INT_H

#include "zhiliang/gs1.h"

#include <stddef.h>

/* The AI table is generated at build time from GS1's Barcode Syntax
 * Dictionary (data/gs1/gs1-syntax-dictionary.txt) by
 * tools/gen_gs1_tables.py, which refuses a dictionary beyond these limits
 * (today's has at most 5 components per AI and 3 linters per component). */
#define AI_MAX_COMPS 8
#define AI_MAX_LINTS 4

/* One component of an AI's value, as the dictionary writes it ("N3,iso3166",
 * "[N..12]"): type N digits, X GS1 AI encodable character set 82, Y
 * character set 39 (# - / 0-9 A-Z), Z base64url; a length range; optional
 * components ("[...]") may be left out once the data is exhausted. lint
 * holds indexes + 1 into gs1_lint_names, 0 = none. */
struct ai_comp {
    char type;
    unsigned char min, max;
    unsigned char opt;
    unsigned char lint[AI_MAX_LINTS];
};

/* One row of the AI table: pre is the dictionary's flag "*" (predefined
 * length: a scanner sends no FNC1 after it), dlattr its flag "?" (allowed
 * as a Digital Link data attribute). req, ex and dlpkey are the
 * dictionary's attributes as written: req "01+21,02 37" is one group per
 * req= (space separated), each satisfied by any comma alternative whose
 * '+'-joined AIs are all present; ex "255,37" lists AIs or patterns ('n' =
 * any digit) that must not appear; dlpkey is NULL for a non-key, "" for a
 * key without qualifiers, "22,10,21|235" for ordered qualifier chains. */
struct ai_def {
    char ai[5];
    unsigned char pre;
    unsigned char dlattr;
    unsigned char ncomp;
    struct ai_comp comp[AI_MAX_COMPS];
    const char *req;
    const char *ex;
    const char *dlpkey;
    const char *title;
};

/* Generated tables (gs1_tables.c), sorted by AI / by numeric code. */
extern const struct ai_def gs1_ai_table[];
extern const size_t gs1_ai_count;
/* Row + 1 of each 2-, 3- and 4-digit AI, indexed by its number; 0 = none. */
extern const unsigned short gs1_ai_index2[100];
extern const unsigned short gs1_ai_index3[1000];
extern const unsigned short gs1_ai_index4[10000];
extern const char *const gs1_lint_names[];
extern const size_t gs1_lint_count;
extern const char gs1_iso3166[][6]; /* "156CN" */
extern const size_t gs1_iso3166_count;
extern const char gs1_iso4217[][7]; /* "156CNY" */
extern const size_t gs1_iso4217_count;

/* Run the dictionary linter `name` over s[0..n): 0 if the content is
 * valid, ZL_EINVAL / ZL_ECHECK with err naming the AI, or ZL_EUNSUPPORTED
 * for a linter the library does not implement. For tests and the AI
 * checker. */
int gs1_lint(const char *name, const char *ai, const char *s, size_t n,
             struct zl_error *err);
/* 1 if the linter name is implemented. */
int gs1_lint_known(const char *name);

/* Look up the AI at the start of s (n bytes available). On success returns
 * the row and sets *ai_len to the AI's digit count; NULL if no AI matches. */
const struct ai_def *ai_find_prefix(const char *s, size_t n, size_t *ai_len);
/* Look up an exact AI string ("01", "3103"). NULL if unknown. */
const struct ai_def *ai_find(const char *ai, size_t n);
/* Fixed total value length of the AI, or 0 if variable. */
size_t ai_fixed_len(const struct ai_def *d);
/* Largest value length. */
size_t ai_max_len(const struct ai_def *d);
/* Validate a value for an AI; fills err with the exact rule broken. */
int ai_check_value(const struct ai_def *d, const char *ai, const char *v,
                   size_t n, struct zl_error *err);

/* Value of a hex digit (either case), or -1. */
int gs1_hexval(int c);
/* 1 if s[0..len) starts with p (lowercase ASCII), ignoring ASCII case. */
int gs1_ieq_prefix(const char *s, size_t len, const char *p);

/* Character classes. */
int gs1_cs82(int c);
int gs1_cs39(int c);

/* Primary keys and their qualifier chains (the dictionary's dlpkey). */
int gs1_is_primary_key(const char *ai);
/* Rank (1..) of qual in key's chain and its group (alternative chains, as
 * 01: 22,10,21 or 235); 0 if qual is not a qualifier of key. */
int gs1_qualifier_rank(const char *key, const char *qual, int *group);
/* Set id->scheme and is_class from its key and qualifiers. */
void gs1_classify(struct zl_gs1_id *id);
/* The dictionary's req= and ex= rules over every AI of the id (key,
 * qualifiers and attributes): ZL_EINVAL naming the rule broken. */
int gs1_check_requires(const struct zl_gs1_id *id, struct zl_error *err);
/* Index of AI in id->ais, or -1. */
int gs1_find_ai(const struct zl_gs1_id *id, const char *ai);

/* Append an AI to ais (or attrs if attr), validating its value. */
int gs1_add_ai(struct zl_gs1_id *id, int attr, const char *ai, size_t ailen,
               const char *v, size_t n, struct zl_error *err);

/* Syntax-specific parsers (s is known to have the syntax's prefix).
 * dl: *claims set to 1 when the URI names a GS1 primary key. */
int gs1_parse_urn(const char *s, size_t len, struct zl_gs1_id *id,
                  struct zl_error *err);
int gs1_parse_dl(const char *s, size_t len, struct zl_gs1_id *id, int *claims,
                 struct zl_error *err);
int gs1_parse_es(const char *s, size_t len, struct zl_gs1_id *id,
                 struct zl_error *err);

/* Output helpers: a bounded writer that remembers overflow. */
struct gs1_out {
    char *p;
    size_t cap, len;
    int over;
};
void out_init(struct gs1_out *o, char *p, size_t cap);
void out_mem(struct gs1_out *o, const char *s, size_t n);
void out_str(struct gs1_out *o, const char *s);
void out_chr(struct gs1_out *o, char c);
/* Returns len or ZL_ELIMIT, NUL-terminating when there is room. */
int out_done(struct gs1_out *o);

/* Percent-decode s[0..n) into out (cap); returns decoded length or a
 * negative error with err filled. */
int gs1_pct_decode(const char *s, size_t n, char *out, size_t cap,
                   struct zl_error *err);

#endif
