/*
 * enterprise_cands.h - an enterprise's trade and custody candidates: the
 * backend-neutral half of reading them (docs/scale.md, "An enterprise's
 * pages through its candidates (schema 27)" and "on PostgreSQL (schema
 * 31)"). A backend reads the rows (SQLite: sqlite_query.c, one cached
 * statement per range and identifier; PostgreSQL: pg_trade.c, three
 * statements in all); this file holds what both do with them: the rows'
 * shape and order, the keys the sources are read under, the identifiers
 * of the sources, custody's spells (where a walk of an identifier's
 * occurrences keeps, cuts and starts again), and the list kept on the
 * handle with the admitted sites and sliced for each query.
 */
#ifndef ZL_ENTERPRISE_CANDS_H
#define ZL_ENTERPRISE_CANDS_H

#include "store/ids_pack.h"
#include "store/admitted_sites.h"
#include "util/strmap.h"

#include <stddef.h>
#include <stdint.h>

/* A candidate row: time, event number, then the event's bizStep,
 * disposition, readPoint and bizLocation (the backend's location
 * numbers, as admitted_sites numbers them; 0 for none, -1 unknown). */
#define ZL_CAND_COLS 6

/* Rows, and for a backend whose events have no numbers (PostgreSQL: a
 * hash names an event) the events' names: an event's number is then its
 * name's index in names, which are in byte order, so (time, number) order
 * is (time, name) order. */
struct zl_cands {
    int64_t (*r)[ZL_CAND_COLS];
    size_t n, cap;
    uint8_t (*names)[32];
    size_t n_names;
};

/* Append row (ZL_CAND_COLS values): 0 or ZL_ENOMEM. */
int zl_cands_add(struct zl_cands *o, const int64_t *row);
/* Free o's rows and names (o itself is the caller's). */
void zl_cands_cleanup(struct zl_cands *o);
/* Orders for zl_cands_distinct: by (time, event), by event alone. */
int zl_cands_cmp_time(const void *a, const void *b);
int zl_cands_cmp_ev(const void *a, const void *b);
/* Sort o by cmp and drop rows cmp finds equal to the one before. */
void zl_cands_distinct(struct zl_cands *o,
                       int (*cmp)(const void *, const void *));

/* The keys custody's sources are read under: each trade value's
 * destination range in the trade index (*trade), and each admitted
 * location's range for each bizStep whose events there give the party
 * custody in the sites index (*sites). Appended: 0 or ZL_ENOMEM. */
int zl_cands_source_keys(const struct zl_admitted *ad,
                         struct zl_site_set *trade, struct zl_site_set *sites);

/* Every identifier of a source event, numbered in ids, with the
 * source's time: rows (identifier number, time) appended to pairs. */
struct zl_cands_ids {
    struct zl_strmap ids;
    struct zl_cands pairs;
};

void zl_cands_ids_init(struct zl_cands_ids *c);
void zl_cands_ids_cleanup(struct zl_cands_ids *c);
/* The identifiers packed in p[0..n) (events.ids, zl_ids_pack; names for
 * a version 3 blob) of a source at time t, into c: 0 or an error. */
int zl_cands_ids_add(struct zl_cands_ids *c, const uint8_t *p, size_t n,
                     const struct zl_ids_names *names, int64_t t);
/* c's pairs sorted by identifier, then time: for each identifier
 * (rows [*a, *b), identifier number pairs.r[*a][0]) its sources' times
 * in pairs.r[*a .. *b)[1]. Call with *b = 0 first; 1 while there is one,
 * 0 at the end. */
void zl_cands_ids_sort(struct zl_cands_ids *c);
int zl_cands_ids_next(const struct zl_cands_ids *c, size_t *a, size_t *b);

/* 1 if step (a location number) is a bizStep ad says decides custody. */
int zl_cands_step_decides(const struct zl_admitted *ad, int64_t step);

/* Custody's spells of one identifier: from each source's time up to and
 * including the time of its first deciding event (a bizStep in
 * ad->decides, not declared erroneous) later than that source's time.
 * The rule (authz.c) asks about the latest deciding event before an
 * event in the identifier's (time, hash) order; cutting by time alone,
 * ties included on both ends, keeps every event that order can admit
 * whatever it does with ties: an event later than the cut's time has the
 * cut's event, or a later decider, before it. A later source opens the
 * identifier again. The walk gives the identifier's occurrences in time
 * order to zl_spell_row. */
struct zl_spell {
    const int64_t (*src)[ZL_CAND_COLS]; /* src[j][1]: the sources' times */
    size_t n, j;                        /* j: the next source */
    int64_t from, cut;
    int open;
};

/* Start a walk over the sources src[0..n) (times ascending, distinct). */
void zl_spell_start(struct zl_spell *sp, const int64_t (*src)[ZL_CAND_COLS],
                    size_t n);
/* The occurrence at time t, which decides custody or not: 1 when it is
 * in a spell (a candidate), 0 when none is open at t (nothing is until
 * the next source, src[sp->j][1], if sp->j < sp->n: a reader may skip
 * there). */
int zl_spell_row(struct zl_spell *sp, int64_t t, int decides);

/* Where a backend's candidates come from. */
struct zl_cands_source {
    /* Two numbers that move whenever the store may have changed as this
     * handle sees it: a kept list is read again when they do. 0 or an
     * error. */
    int (*stamp)(zl_store *s, int64_t out[2]);
    /* The trade and custody candidates for ad within [lo, hi] into out,
     * in time order, distinct, with their events' columns (and names,
     * for a backend without event numbers): 0 or an error. */
    int (*read)(zl_store *s, const struct zl_admitted *ad, int64_t lo,
                int64_t hi, struct zl_cands *out);
};

/* A query's slice of the candidates: rows (time, event number) in the
 * merge's order, and the names of the list they come from (NULL for a
 * backend with event numbers). */
struct zl_cands_slice {
    int64_t (*rows)[2];
    size_t n;
    const uint8_t (*names)[32];
    struct zl_cands own; /* the list, when none is kept */
};

/* The candidates for f (its admitted values ad) within [lo, hi] whose
 * column attr (0 none, 1 bizStep, 2 disposition, 3 readPoint, 4
 * bizLocation) is value, in the order desc says, into out. With
 * f->admits_key, from the handle's entry for it (zl_sites_admitted has
 * just brought it up to date): the candidates at every time, read once
 * and kept while src's stamp and rule_gen stay; without a key, read for
 * the bounds. A row whose column the read-back's filter would refuse is
 * left out. 0 or an error; zl_cands_slice_cleanup in every case. */
int zl_cands_for(zl_store *s, const struct zl_event_filter *f,
                 const struct zl_cands_source *src,
                 const struct zl_admitted *ad, int desc, int64_t lo, int64_t hi,
                 int attr, int64_t value, struct zl_cands_slice *out);
void zl_cands_slice_cleanup(struct zl_cands_slice *sl);

#endif
