/*
 * portal_int.h - what the portal's files (server/portal*.c) share, and
 * nothing the rest of the server needs (that is in server_int.h: the
 * route handler, the product page the resolver calls, the error page and
 * the step labels the unit test reads).
 *
 * The portal is split one concept a file:
 *   portal.c           the router: which page a path is, static assets
 *   portal_template.c  web/layout.html filled with escaped values, the
 *                      headers every page carries, the error page
 *   portal_labels.c    the words, times and codes a page prints
 *   portal_names.c     master data names (places, parties, products) with
 *                      a per-request cache
 *   portal_home.c      home, /search and /qr: the ways to a product page
 *   portal_product.c   the product page (recall banner, facts, path)
 *   portal_recalls.c   /recalls
 *   portal_results.c   /results (published spot-check results)
 *   portal_inspections.c  /inspections (plans and draws, their export)
 *
 * Escaping: every value goes through zl_html_escape (http.c), the
 * server's one HTML escaper, directly or via zl_portal_add_esc; the
 * template only receives escaped text.
 */
#ifndef ZL_PORTAL_INT_H
#define ZL_PORTAL_INT_H

#include "server_int.h"

#include <stdint.h>

/* The request's language picks one of two literals (borrowed, static).
 * Short because nearly every string on a page goes through it. */
static inline const char *T(const struct zl_req *r, const char *zh,
                            const char *en)
{
    return r->lang_en ? en : zh;
}

/* ---- template (portal_template.c) ------------------------------------- */

/* Answer with web/layout.html around body (already escaped HTML, not
 * taken): title is escaped here. A missing template or OOM answers 500
 * text. */
void zl_portal_page(struct zl_req *r, unsigned status, const char *title,
                    struct zl_buf *body);
/* The headers every HTML page carries (CSP, Content-Language); also set
 * on a page served from the page cache. */
void zl_portal_headers(struct zl_req *r);
/* Append before, then v HTML-escaped, then after (before and after are
 * literal HTML). 0 or the buffer's error. */
int zl_portal_add_esc(struct zl_buf *b, const char *before, const char *v,
                      const char *after);

/* ---- labels (portal_labels.c) ------------------------------------------ */

/* "YYYY-MM-DD HH:MM" in the event's own offset (tz minutes east). */
void zl_portal_fmt_time(int64_t ms, int tz, char out[24]);
/* The value of application identifier ai ("01", "10", ...) in id
 * (borrowed from id), or NULL. */
const char *zl_portal_ai_value(const struct zl_gs1_id *id, const char *ai);
/* Path part of a canonical Digital Link ("https://id.gs1.org/01/..." ->
 * "/01/..."), borrowed from dl; "/" when there is none. */
const char *zl_portal_dl_path(const char *dl);

/* ---- names (portal_names.c) --------------------------------------------- */

/* "Site name (Party name)" for a location identifier in the request's
 * language, or NULL when the GLN is not registered (unregistered places
 * are not named publicly). Arena memory; looked up once per request. */
/* The party holding a place, by name; NULL when unregistered. */
const char *zl_portal_place_holder(struct zl_req *r, zl_store *s,
                                   const char *loc);
const char *zl_portal_place_name(struct zl_req *r, zl_store *s,
                                 const char *loc);
/* The name of the party owning a party-GLN identifier, or NULL. Same
 * rules as zl_portal_place_name. */
const char *zl_portal_party_name(struct zl_req *r, zl_store *s,
                                 const char *pgln);

/* A product's names and what its pack declares, from master data (arena
 * copies, NULL or 0 when absent; see struct zl_product). */
struct zl_portal_product_names {
    char *zh, *en, *brand, *brand_en;
    char *net_content, *standard, *hotline, *approval;
    int shelf_life_days;
};
/* Fill *pn for gtin (all NULL when gtin is NULL or not registered). */
void zl_portal_product_names(struct zl_req *r, zl_store *s, const char *gtin,
                             struct zl_portal_product_names *pn);

/* Who made a product: the registered owner of the Company Prefix of GS1
 * key id (any form), its address, USCC and SC production licence (from
 * the supervision registry), in the reader's language; strings in r's
 * arena, all NULL when nobody registered the prefix. */
struct zl_portal_maker {
    const char *name, *address, *uscc, *licence;
};
void zl_portal_maker(struct zl_req *r, zl_store *s, const char *id,
                     struct zl_portal_maker *m);

/* ---- pages --------------------------------------------------------------- */

void zl_portal_home(struct zl_req *r);    /* portal_home.c */
void zl_portal_search(struct zl_req *r);  /* portal_home.c */
void zl_portal_qr(struct zl_req *r);      /* portal_home.c */
void zl_portal_recalls(struct zl_req *r); /* portal_recalls.c */
void zl_portal_recall_case(struct zl_req *r, const char *case_id);
void zl_portal_results(struct zl_req *r); /* portal_results.c */

/* /enterprises/{USCC}: an enterprise's public supervision history
 * (portal_enterprise.c). */
void zl_portal_enterprise(struct zl_req *r, const char *uscc);

/* /warnings: active consumer warnings and closed risk cases; and the
 * warning box of a product, lot or item page (lot NULL: any lot of the
 * product), appended to b (nothing when none is active). 0 or b's error.
 * portal_warnings.c (issue 14). */
void zl_portal_warnings(struct zl_req *r);
int zl_portal_warnings_section(struct zl_req *r, zl_store *s, const char *gtin,
                               const char *lot, struct zl_buf *b);

/* /complain and /complaints (portal_complain.c, issue 14). */
void zl_portal_complain(struct zl_req *r);

/* /inspections and below (portal_inspections.c). */
void zl_portal_inspections(struct zl_req *r);
/* The published spot checks of the product gtin as a section appended
 * to b (nothing when there are none or gtin is NULL). 0 or b's error. */
int zl_portal_inspections_section(struct zl_req *r, zl_store *s,
                                  const char *gtin, struct zl_buf *b);

#endif
