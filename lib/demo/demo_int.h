/*
 * demo_int.h - private parts of the demo generator shared by its files.
 *
 * parties.c builds the cast (parties, locations, products) from the seed
 * and renders master data; writer.c is the sticky-error JSON writer with
 * the identifier renderings (EPC URN or GS1 Digital Link, chosen per
 * writing party as real data mixes both); demo.c runs the chain.
 *
 * The writer keeps the first error and ignores later writes, so the event
 * code reads top to bottom and checks once per event (curl's dynbuf cap
 * gives the error when a document would pass its size limit).
 */
#ifndef ZL_DEMO_INT_H
#define ZL_DEMO_INT_H

#include "demo.h"
#include "zhiliang/buf.h"

#include <stddef.h>
#include <stdint.h>

/* ---- PRNG: splitmix64, tiny and the same everywhere ---- */
static inline uint64_t demo_rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0); the modulo bias is irrelevant here. */
static inline uint64_t demo_below(uint64_t *s, uint64_t n)
{
    return demo_rnd(s) % n;
}

/* ---- cast ---- */
enum demo_role {
    ROLE_FARM,
    ROLE_CC,
    ROLE_PLANT,
    ROLE_DC,
    ROLE_STORE,
    ROLE_VFARM,
    ROLE_PACKER,
    ROLE_MARKET,
    ROLE_PHARMA,
    ROLE_WHOLESALER,
    ROLE_PHARMACY,
    ROLE_COUNT
};

struct demo_party {
    int role;
    int use_dl;        /* writes identifiers as Digital Link URIs */
    int gcp_len;       /* 7..9 */
    char gcp[10];      /* GS1 company prefix (690..699) */
    char gln[14];      /* party GLN (PGLN), location reference 0 */
    char site_gln[14]; /* main site, location reference 1 */
    char dock_gln[14]; /* dock / cold store, location reference 2 */
    char uscc[19];
    char name_zh[96];
    char name_en[128];
    const char *province_zh;
    const char *city_zh, *city_en;
    char street_zh[96];
    int link; /* farm -> CC index, store -> DC index */
};

struct demo_product {
    char gtin[15];      /* GTIN-14 of the consumer unit (indicator 0) */
    char case_gtin[15]; /* GTIN-14 of its case (indicator 1) */
    int owner;          /* party index */
    const char *name_zh, *name_en, *brand_zh, *brand_en, *net_content;
    const char *uom;    /* unit of bulk quantities: LTR or KGM */
    unsigned net_milli; /* content of one unit in thousandths of uom */
    unsigned shelf_days;
    unsigned per_case;
    const char *standard; /* 执行标准, or NULL */
    char hotline[16];     /* the maker's consumer line; "" for bulk goods */
    char approval[24];    /* a drug's 批准文号 (year 2099: never issued) */
};

#define DEMO_N_FARMS       24
#define DEMO_N_CC          4
#define DEMO_N_PLANTS      2
#define DEMO_N_DC          3
#define DEMO_N_STORES      10
#define DEMO_N_VFARMS      8
#define DEMO_N_PACKERS     2
#define DEMO_N_MARKETS     2
#define DEMO_N_PHARMA      2
#define DEMO_N_WHOLESALERS 2
#define DEMO_N_PHARMACIES  6
#define DEMO_N_PARTIES                                                         \
    (DEMO_N_FARMS + DEMO_N_CC + DEMO_N_PLANTS + DEMO_N_DC + DEMO_N_STORES +    \
     DEMO_N_VFARMS + DEMO_N_PACKERS + DEMO_N_MARKETS + DEMO_N_PHARMA +         \
     DEMO_N_WHOLESALERS + DEMO_N_PHARMACIES)
#define DEMO_MAX_PRODUCTS 64

struct demo_cast {
    struct demo_party p[DEMO_N_PARTIES];
    int first[ROLE_COUNT]; /* index of the first party of each role */
    int count[ROLE_COUNT];
    struct demo_product prod[DEMO_MAX_PRODUCTS];
    int n_prod;
    int raw_milk[DEMO_N_FARMS];  /* product index per farm */
    int pooled_milk[DEMO_N_CC];  /* product index per CC */
    int dairy[DEMO_N_PLANTS][3]; /* consumer products per plant */
    int harvest[DEMO_N_VFARMS];  /* product index per vegetable farm */
    int veg[DEMO_N_PACKERS][3];  /* packed produce per packing house */
    int drug[DEMO_N_PHARMA][2];  /* finished packs per manufacturer */
    int api[DEMO_N_PHARMA][2];   /* bulk active ingredient per drug */
};

/* Build the cast from the seed. Never fails. */
void demo_cast_build(struct demo_cast *c, uint64_t seed);
const char *demo_role_name(int role);

/* GS1 mod-10 check digit over n digits. */
char demo_gs1_check(const char *d, size_t n);

/* ---- writer ---- */
struct demo_w {
    struct zl_buf *b;
    int err;
};

void w_put(struct demo_w *w, const char *s, size_t n);
#define W_LIT(w, lit) w_put((w), (lit), sizeof(lit) - 1)
void w_str(struct demo_w *w, const char *s); /* raw, no escaping */
void w_u64(struct demo_w *w, uint64_t v);
void w_u64_pad(struct demo_w *w, uint64_t v, int width);
void w_milli(struct demo_w *w, uint64_t milli); /* 12.345 as a number */
void w_tenths(struct demo_w *w, int tenths);    /* -1.5 as a number */
/* "YYYY-MM-DDTHH:MM:SS.mmm+08:00" (29 chars, unquoted). */
void w_time(struct demo_w *w, int64_t ms);
/* The same into t (not terminated). */
void demo_fmt_time(char t[29], int64_t ms);
/* "YYYY-MM-DD" of the local (+08:00) date. */
void w_date(struct demo_w *w, int64_t ms);
void w_json_str(struct demo_w *w, const char *s); /* quoted, escaped */

/* Identifiers, quoted, as URN or Digital Link (dl != 0). */
void w_sgtin(struct demo_w *w, int dl, const char *gtin14, int gcp_len,
             uint64_t serial);
void w_lgtin(struct demo_w *w, int dl, const char *gtin14, int gcp_len,
             const char *lot);
/* SSCC: extension digit + serial reference of 16 - gcp_len digits. */
void w_sscc(struct demo_w *w, int dl, const struct demo_party *p,
            uint64_t serial);
void w_sgln(struct demo_w *w, int dl, const struct demo_party *p,
            const char *gln13);
void w_pgln(struct demo_w *w, int dl, const struct demo_party *p);
void w_grai(struct demo_w *w, int dl, const struct demo_party *p,
            unsigned asset_type, uint64_t serial);
void w_giai(struct demo_w *w, int dl, const struct demo_party *p,
            const char *asset_ref);

#endif
