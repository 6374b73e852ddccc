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

/* One row of the AI table (GS1 General Specifications, section 3.2).
 * format is the GS1 Syntax Dictionary notation, components joined by '+':
 * N digits, X GS1 AI encodable character set 82, Y character set 39
 * (# - / 0-9 A-Z); "N14" fixed, "X..20" 1 to 20, "X0..17" 0 to 17; flags
 * after a component: 'k' check digit (mod 10) over it, 'd' date YYMMDD,
 * 't' date and time YYMMDDHHMM, 'z' first digit must be 0. */
struct ai_def {
    char ai[5];         /* "01", "310" for the 310n family */
    unsigned char fam;  /* 1: ai is three digits + a decimal digit n */
    unsigned char nmax; /* largest n for a family */
    unsigned char pre;  /* 1: predefined length, no FNC1 after it */
    const char *format;
    const char *title;
};

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

/* Primary keys and their qualifier chains (GS1 Digital Link 1.2 §4). */
int gs1_is_primary_key(const char *ai);
/* Rank (1..) of qual in key's chain and its group (alternative chains, as
 * 01: 22,10,21 or 235); 0 if qual is not a qualifier of key. */
int gs1_qualifier_rank(const char *key, const char *qual, int *group);
/* Set id->scheme and is_class from its key and qualifiers. */
void gs1_classify(struct zl_gs1_id *id);
/* Data attributes that need a key the id lacks ((21) with (00)...):
 * ZL_EINVAL naming the keys it needs. */
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
