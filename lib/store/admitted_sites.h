/*
 * admitted_sites.h - the sites a read rule admits (a regulator's region;
 * an enterprise's own places and trade values), kept on the store handle
 * between queries, and the key a filter reads in a sites index. The
 * backend-neutral half of the sites index (docs/scale.md, schemas 22 and
 * 30): the backend numbers the locations, parties and trade values
 * (SQLite's vocab, site_parties and trade_values; PostgreSQL's
 * site_vocab and site_parties) and says when its rule-relevant tables
 * changed (rule_gen); this file asks the rule and keeps the answers.
 */
#ifndef ZL_ADMITTED_SITES_H
#define ZL_ADMITTED_SITES_H

#include "store/store.h"
#include "store/store_audit.h"

#include <stddef.h>
#include <stdint.h>

struct zl_site_set {
    int64_t *k;
    size_t n, cap;
};

/* Append k to ss: 0 or ZL_ENOMEM. */
int zl_site_add(struct zl_site_set *ss, int64_t k);

/* What f->admits admits: the location and party sites (2n for location
 * n, 2n + 1 for party n, as the sites indexes key them) and, for an
 * enterprise's rule (f->admits_trade), the bizSteps whose events at its
 * locations give it custody and the bizSteps whose events decide custody
 * (decides: where custody's candidates end; location numbers), and the
 * source/destination values that name it (trade numbers); top: the
 * largest location, party and trade numbers asked about. */
struct zl_admitted {
    struct zl_site_set sites, steps, decides, trade;
    int64_t top[3];
};

void zl_admitted_cleanup(struct zl_admitted *a);

/* Where a backend's numbered values come from. */
struct zl_sites_source {
    /* Two numbers that move whenever the store may have changed as this
     * handle sees it (SQLite: data_version and the connection's changes);
     * NULL: none, so the rule's generation and the new rows are read on
     * every query. 0 or an error. */
    int (*stamp)(zl_store *s, int64_t out[2]);
    /* rule_gen: moves on every change to what the rule reads and to any
     * numbered value but a new one at the top. 0 or an error. */
    int (*gen)(zl_store *s, int64_t *out);
    /* cb(ctx, n, v) for each value of table t (0 locations, 1 parties, 2
     * trade values) numbered past after, in number order; cb may use the
     * store. 0, cb's value or an error. */
    int (*each_past)(zl_store *s, int t, int64_t after,
                     int (*cb)(void *ctx, int64_t n, const char *v), void *ctx);
    /* Optional: called before the first value of an asking is asked
     * about, and after its last (PostgreSQL reads the GLN owners the rule
     * looks up in one statement meanwhile). 0 or an error. */
    int (*ask_begin)(zl_store *s);
    void (*ask_end)(zl_store *s);
};

/* A handle's kept answer for one admits_key. extra is a backend's own
 * data kept with it (SQLite: an enterprise's custody candidates), freed
 * by extra_free whenever the entry is asked again from the start. */
struct zl_sites_entry {
    char key[64];          /* "" when unused */
    int64_t stamp[2], gen; /* gen < 0: nothing kept */
    uint64_t used;
    struct zl_admitted a;
    void *extra;
    void (*extra_free)(void *extra);
};

/* What f->admits admits, appended to out (its marks set): from the
 * handle's entry for f->admits_key, brought up to date (only the values
 * numbered past its marks asked about while src's gen stays), or,
 * without a key, every value asked. 0 or an error. */
int zl_sites_admitted(zl_store *s, const struct zl_event_filter *f,
                      const struct zl_sites_source *src,
                      struct zl_admitted *out);

/* The handle's entry for key, just brought up to date by
 * zl_sites_admitted; NULL when there is none. */
struct zl_sites_entry *zl_sites_entry_find(zl_store *s, const char *key);

/* The key f reads in a sites index: *attr 0 (every event of a site,
 * *value NULL), 1 or 2 (its bizStep or disposition *value), 3 or 4 (its
 * readPoint or bizLocation *value, one the rule does not admit: an
 * admitted location's own range answers that). 0, 1 when f is not a
 * query the index answers better than the plain scan (identifiers,
 * eventIDs, several values, an admitted location, a row limit, record
 * time order, transactions, sources, destinations), or admits' error. */
int zl_sites_key_of(const struct zl_event_filter *f, int *attr,
                    const char **value);

/* The event-time bounds [*lo, *hi] a sites-index query of f reads
 * (inclusive; *lo and *hi come in as the widest), from its GE_/LT_
 * eventTime and its page token's position (desc: newest first). */
void zl_sites_bounds(const struct zl_event_filter *f, int desc, int64_t *lo,
                     int64_t *hi);

/* The candidates in a sites-index query's first batch: f->expect (the
 * page the caller takes) when set, else dflt; ZL_QUERY_SITES_BATCH in
 * the environment sets it instead (the tests use 1, splitting every tie
 * across batches). At least 1. */
size_t zl_sites_first_batch(const struct zl_event_filter *f, size_t dflt);

/* A sites index's key: site's range for attribute attr and value (a
 * number of the backend's). */
static inline int64_t zl_sites_key(int64_t site, int attr, int64_t value)
{
    return (int64_t)(((uint64_t)(site * 4 + attr) << 32) + (uint64_t)value);
}

/* ---- what verify says (both backends' checks) ---------------------------
 * Each calls cb(ctx, event, detail) with the words every backend uses;
 * event names the event in its backend's terms ("rid 12", "hash 3f..."),
 * NULL for the index as a whole. They return cb's value. */
int zl_sites_report_missing(zl_store_sites_issue_cb cb, void *ctx,
                            const char *event, int64_t want, int64_t found);
int zl_sites_report_extra(zl_store_sites_issue_cb cb, void *ctx,
                          const char *table, int64_t have, int64_t want);

/* The trade index's (both backends' checks): a trigger missing; count
 * of an event's rows missing; count references whose value has no number
 * (nothing said for 0); count rows no reference accounts for (nothing
 * said for 0). */
int zl_trade_report_missing(zl_store_sites_issue_cb cb, void *ctx,
                            const char *event, int64_t count);
int zl_trade_report_unnumbered(zl_store_sites_issue_cb cb, void *ctx,
                               int64_t count);
int zl_trade_report_extra(zl_store_sites_issue_cb cb, void *ctx, int64_t count);

#endif
