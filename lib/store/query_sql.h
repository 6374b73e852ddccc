/*
 * query_sql.h - the EPCIS SimpleEventQuery (struct zl_event_filter) as one
 * SQL SELECT text and a list of typed values to bind, for any SQL backend.
 *
 * The builder owns everything that decides which rows come back and in
 * what order (the filters, the identifier prefix ranges, keyset
 * pagination, ORDER BY, LIMIT); a backend only binds the values and runs
 * the text (sqlite_query.c, pg_query.c). What differs between SQL
 * dialects is described by struct zl_query_dialect, so both backends
 * answer a filter with the same rows in the same order.
 */
#ifndef ZL_QUERY_SQL_H
#define ZL_QUERY_SQL_H

#include "store/store.h"

#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

#define ZL_QUERY_MAX_BINDS 512

/* How a dialect writes what differs between SQL engines. */
struct zl_query_dialect {
    /* 0: "?" placeholders (SQLite); 1: "$n::type" (PostgreSQL: numbered
     * and cast, so the server never has to guess a parameter's type). */
    int numbered;
    /* The events columns every SELECT returns (table alias e). */
    const char *event_cols;
    /* 1: text values must be valid UTF-8 (PostgreSQL), so the bounds of
     * a prefix range are computed on characters, not bytes (a pattern
     * cut inside a character still selects the same identifiers); 0:
     * bounds are any bytes (SQLite's BINARY collation). */
    int utf8_bounds;
    /* Appended to the identifier column in prefix ranges so that they
     * compare bytewise whatever the database's collation: "" on SQLite
     * (BINARY is the default), " COLLATE \"C\"" on PostgreSQL. */
    const char *bytewise;
    /* 1: a query on one value of an indexed EQ_ column leads its ORDER
     * BY with that column (query_sql.c, lead_col), so that the planner
     * takes the column's index (PostgreSQL); 0: no need (SQLite). */
    int lead_order;
    /* 1: biz_step, disposition, read_point and biz_location hold numbers
     * of the table vocab(n, v) (SQLite, schema 14), so an EQ_ value is
     * looked up there first; 0: they hold the text (PostgreSQL). */
    int vocab;
    /* The name of an SQL function ids_fn(e.ids, roles, lo, hi, ...) that
     * is 1 when the event's packed identifiers (ids_pack.h) hold one
     * with a role in the bit set roles in a range [lo, hi) (hi NULL: no
     * upper bound), for zl_query_sql_build_walk; NULL: the dialect has
     * none (then patterns always go through event_ids). */
    const char *ids_fn;
    /* 1: the column code holds the identifier as the store's
     * dictionary keeps it (SQLite, schema 26: ident_code.h), which is
     * what its index orders (in the view event_codes, which matches read
     * instead of event_ids): a value is compared as zl_ident_code(?),
     * and a pattern as the ranges of codes zl_ident_prefix_ranges gives
     * (BLOB bounds written as literals); 0: the text in id. */
    int coded_ids;
    /* n > 0: events is found by hash through an index on its column
     * hkey, the hash's first n bytes (SQLite, schema 34), so a hash is
     * compared as that prefix and then whole; and (with coded_ids)
     * MATCH_ values select the events' rids from the occurrences, not
     * their hashes; 0: a plain e.hash = ? (PostgreSQL's hash index). */
    int hash_prefix;
};

enum zl_query_bind_kind {
    ZL_QB_TEXT, /* text[0..len) (not NUL-terminated) */
    ZL_QB_INT,  /* i */
    ZL_QB_HASH  /* blob[0..32) */
};

struct zl_query_bind {
    enum zl_query_bind_kind kind;
    const char *text;
    size_t len;
    int64_t i;
    const uint8_t *blob;
};

/* A built query: sql.data is the NUL-terminated text, binds[0..n) the
 * values of its placeholders in order. Values point into the filter (so
 * it must outlive the query) or into this struct's own storage. */
struct zl_query_sql {
    struct zl_buf sql;
    struct zl_query_bind binds[ZL_QUERY_MAX_BINDS];
    int n;
    int rc;
    uint8_t hashes[ZL_QUERY_MAX_BINDS][32]; /* decoded hash IDs */
    int n_hashes;
    char *owned[ZL_QUERY_MAX_BINDS]; /* computed range bounds */
    int n_owned;
};

/* Build the SELECT for filter f in dialect d into q (caller-allocated,
 * large: allocate it). Returns 0, ZL_ELIMIT when the filter has more
 * values than ZL_QUERY_MAX_BINDS, or ZL_ENOMEM. q must be cleaned up
 * with zl_query_sql_cleanup in every case. */
int zl_query_sql_build(struct zl_query_sql *q, const struct zl_event_filter *f,
                       const struct zl_query_dialect *d);

/* zl_query_sql_build, but with walk = 1 in a dialect that has ids_fn, a
 * MATCH_ parameter whose values are all patterns ("...*") is tested on
 * each candidate event's own identifiers (ids_fn) instead of collecting
 * every matching identifier's events first: the first page in time
 * order is then a walk of events_time that stops after a page, which is
 * what a broad pattern (a GTIN's every serial) needs, and what a narrow
 * one must not get (it would walk until the end). The backend decides
 * with zl_query_sql_ranges. The same rows in the same order either way. */
int zl_query_sql_build_walk(struct zl_query_sql *q,
                            const struct zl_event_filter *f,
                            const struct zl_query_dialect *d, int walk);

/* zl_query_sql_build for the rows numbered rids only ("[12,40,41]": a
 * JSON array of the events.rid values, SQLite's row numbers), read by
 * number whatever indexes the filter's columns have ("FROM events e NOT
 * INDEXED WHERE e.rid IN (SELECT value FROM json_each(?))", SQLite's
 * syntax), with every condition of f still applied and the same order.
 * rids is the first bound value (not in the text, so one filter's
 * batches share one statement) and must outlive q. walk as for
 * zl_query_sql_build_walk: each row tested on its own identifiers (a
 * broad pattern's subquery would collect every match first). */
int zl_query_sql_build_rids(struct zl_query_sql *q,
                            const struct zl_event_filter *f,
                            const struct zl_query_dialect *d, const char *rids,
                            int walk);

/* Call cb with the prefix range [lo, hi) of each pattern of the MATCH_
 * parameters whose values are all patterns (hi NULL when unbounded),
 * as the builder computes it for dialect d; a pattern no identifier can
 * have is skipped. Returns 0, cb's non-zero value or ZL_ENOMEM. */
int zl_query_sql_ranges(const struct zl_event_filter *f,
                        const struct zl_query_dialect *d,
                        int (*cb)(void *ctx, const char *lo, size_t lo_len,
                                  const char *hi, size_t hi_len),
                        void *ctx);

/* Free what q owns (not q itself). NULL-safe. */
void zl_query_sql_cleanup(struct zl_query_sql *q);

/* The filter's identifier lists, the MATCH_ parameters in one order: the
 * five instance lists (epc, anyEPC, parentID, inputEPC, outputEPC) first,
 * then the four class lists. Each entry NULL or NULL-terminated. */
#define ZL_QUERY_ID_LISTS       9
#define ZL_QUERY_INSTANCE_LISTS 5
void zl_query_id_lists(const struct zl_event_filter *f,
                       const char **out[ZL_QUERY_ID_LISTS]);

/* 1 when f names its events by identifier, eventID or transformationID
 * (any MATCH_ list, EQ_eventID or EQ_transformationID not empty): an index
 * on a CBV value or a location is then not the way in. */
int zl_query_names_events(const struct zl_event_filter *f);

/* The number of values in a NULL-terminated list (0 for NULL). */
size_t zl_query_list_len(const char **l);

#endif
