/*
 * sqlite_query.c - zl_store_events_query on SQLite: the SELECT that
 * query_sql.c builds for the filter, bound and stepped here under the
 * filter's work budget (SQLite's progress handler).
 *
 * Identifier patterns: a pattern that many identifiers share (a GTIN's
 * serials, https://id.gs1.org/01/<GTIN>/21/ and "*": 1.5M identifiers at 1M
 * demo events) cost 1.5-4.4 s as an IN subquery, which collects every
 * occurrence of every matching identifier before the first row. When the
 * patterns of a query reach WALK_IDENTS identifiers (counted in idents,
 * at most that many entries read), the query is built in its walk form
 * instead (query_sql.h): events in time order, each tested on its own
 * packed identifiers by zl_ids_match, stopping after a page. A narrow
 * pattern keeps the subquery (a walk would read events until the end to
 * find its few). Same rows, same order: only the plan differs.
 *
 * A regulator's query (the filter's admits hint) goes through the sites
 * index when its filter has a key there (schema 22, described above
 * SITES_OF): the admitted sites' ranges merged in time order, read back
 * by row number. Otherwise the region goes into the SQL as a condition
 * (admits_sql). Either way the row test (keep) decides every row.
 *
 * An enterprise's query (admits with admits_trade, schema 27) merges its
 * own sites' ranges with those of the trade index (sqlite_trade.c) for
 * the values that name it and with custody's candidates ("an enterprise's
 * candidates", above sites_query); without a plan it keeps the row test
 * alone (the region's condition would admit too little).
 */
#include "store/sqlite_int.h"
#include "util/buf.h"
#include "store/ids_pack.h"
#include "store/ident_code.h"
#include "store/admitted_sites.h"
#include "store/enterprise_cands.h"
#include "store/query_sql.h"

#include "util/alloc.h"
#include "util/itab.h"
#include "util/strmap.h"
#include "zhiliang/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Identifiers matched by a query's patterns from which it walks events
 * instead of collecting the matches first (see above). */
#define WALK_IDENTS 5000

/* WALK_IDENTS, or ZL_QUERY_WALK_IDENTS from the environment (the tests
 * make a handful of identifiers broad, to compare the plans). */
static int64_t walk_idents(void)
{
    const char *env = getenv("ZL_QUERY_WALK_IDENTS");
    long long v = env ? atoll(env) : 0;

    return v > 0 ? (int64_t)v : WALK_IDENTS;
}

static const struct zl_query_dialect DIALECT = {
    .numbered = 0,
    .event_cols = ZL_SQLITE_EVENT_COLS,
    .utf8_bounds = 0,
    .bytewise = "", /* BINARY is the default collation */
    .lead_order = 0,
    .vocab = 1,
    .ids_fn = "zl_ids_match",
    .coded_ids = 1,
    .hash_prefix = ZL_SQLITE_HKEY_BYTES,
};

/* ---- zl_ids_match(ids, roles, lo1, hi1, lo2, hi2, ...) ---------------- */

struct ids_match {
    sqlite3_value **argv;
    int argc;
    int64_t roles;
};

static int ids_match_cb(void *ctx, const struct zl_id_row *r)
{
    const struct ids_match *m = ctx;
    size_t n = strlen(r->id);

    if ((unsigned)r->role >= 63 || !(m->roles >> r->role & 1))
        return 0;
    for (int i = 2; i + 1 < m->argc; i += 2) {
        const void *lo = sqlite3_value_blob(m->argv[i]);
        size_t lo_len = (size_t)sqlite3_value_bytes(m->argv[i]);
        int c = memcmp(r->id, lo ? lo : "", n < lo_len ? n : lo_len);

        if (c < 0 || (c == 0 && n < lo_len))
            continue; /* below lo */
        if (sqlite3_value_type(m->argv[i + 1]) != SQLITE_NULL) {
            const void *hi = sqlite3_value_blob(m->argv[i + 1]);
            size_t hi_len = (size_t)sqlite3_value_bytes(m->argv[i + 1]);

            c = memcmp(r->id, hi ? hi : "", n < hi_len ? n : hi_len);
            if (c > 0 || (c == 0 && n >= hi_len))
                continue; /* at or above hi */
        }
        return 1;
    }
    return 0;
}

/* What a walk statement knows of the identifiers it has tested, by
 * number (a version 3 list names them so): whether each matched. Kept as
 * the statement's auxiliary data on its roles argument (a bound
 * constant), so one statement's rows share it and a reset drops it.
 *
 * An identifier is tested on its code (schema 26), against the ranges of
 * codes the patterns cover (zl_ident_prefix_ranges, as the subquery form
 * and the count read them), not on its text: no decoding. And idents is
 * read a block of SEEN_BLOCK numbers at a time, in number order (one
 * descent, then the next rows): numbers are given in capture order, so
 * the identifiers of the events a walk reads in time order sit in a few
 * blocks (a commissioning's serials are consecutive numbers). One lookup
 * of idents by number for each new identifier (schema 38's first walk)
 * cost 1M demo events' pages of a GTIN's serials 69-98 ms at p99 against
 * 11-12 ms when lists spelled their identifiers. */
#define SEEN_BLOCK 64

struct code_range {
    int blob;
    size_t lo, lo_len, hi, hi_len; /* offsets into match_seen.bytes */
    int has_hi;
};

/* What the walk knows of one block of identifier numbers. */
struct seen_block {
    int64_t blk;    /* block number: identifier number / SEEN_BLOCK */
    uint64_t known; /* the block's numbers idents has */
    uint64_t hit;   /* ... and, of those, the ones that match */
    uint8_t full;   /* 1: the whole block read; 0: known's numbers only */
};

struct match_seen {
    struct zl_itab t;
    struct seen_block *b;
    size_t count, cap;
    struct code_range *r;
    size_t nr, rcap;
    struct zl_buf bytes;
    size_t last; /* the block looked up last, + 1 (0: none) */
    int ready;
};

static uint64_t seen_hash(int64_t n)
{
    return (uint64_t)n * 0x9E3779B97F4A7C15ull;
}

static uint64_t seen_hash_at(const void *ctx, int32_t idx)
{
    return seen_hash(((const struct match_seen *)ctx)->b[idx].blk);
}

static void seen_free(void *p)
{
    struct match_seen *m = p;

    zl_itab_free(&m->t);
    zl_free(m->b);
    zl_free(m->r);
    zl_buf_cleanup(&m->bytes);
    zl_free(m);
}

static int seen_range(void *ctx, int blob, const void *lo, size_t lo_len,
                      const void *hi, size_t hi_len)
{
    struct match_seen *m = ctx;
    struct code_range *r;
    int rc;

    if (zl_grow((void **)&m->r, &m->rcap, m->nr + 1, sizeof *m->r, 8, NULL))
        return ZL_ENOMEM;
    r = &m->r[m->nr];
    r->blob = blob;
    r->lo = m->bytes.len;
    r->lo_len = lo_len;
    r->has_hi = hi != NULL;
    if ((rc = zl_buf_add(&m->bytes, lo, lo_len)))
        return rc;
    r->hi = m->bytes.len;
    r->hi_len = hi ? hi_len : 0;
    if (hi && (rc = zl_buf_add(&m->bytes, hi, hi_len)))
        return rc;
    m->nr++;
    return 0;
}

/* The ranges of codes of the walk's patterns: each prefix is a lo
 * argument (range_bytes gives the prefix itself). 0 or an error. */
static int seen_ready(struct match_seen *m, int argc, sqlite3_value **argv)
{
    int rc = 0;

    if (m->ready)
        return 0;
    zl_buf_cleanup(&m->bytes); /* a failed try's */
    zl_buf_init(&m->bytes, (size_t)1 << 20);
    m->nr = 0;
    for (int i = 2; i + 1 < argc && !rc; i += 2) {
        const char *lo = sqlite3_value_blob(argv[i]);

        rc = zl_ident_prefix_ranges(
            lo ? lo : "", (size_t)sqlite3_value_bytes(argv[i]), seen_range, m);
    }
    m->ready = !rc;
    return rc;
}

/* 1 when the code p[0..n) (a BLOB when blob) is in one of m's ranges:
 * bytewise, as SQLite's BINARY collation, TEXT below every BLOB. */
static int code_in(const struct match_seen *m, int blob, const unsigned char *p,
                   size_t n)
{
    for (size_t i = 0; i < m->nr; i++) {
        const struct code_range *r = &m->r[i];
        const unsigned char *lo = (const unsigned char *)m->bytes.data + r->lo;
        const unsigned char *hi = (const unsigned char *)m->bytes.data + r->hi;
        int c;

        if (r->blob != blob)
            continue;
        /* most codes differ from a range's bounds in their first byte */
        if (n && r->lo_len && r->has_hi && r->hi_len &&
            (p[0] < lo[0] || p[0] > hi[0]))
            continue;
        c = memcmp(p, lo, n < r->lo_len ? n : r->lo_len);
        if (c < 0 || (c == 0 && n < r->lo_len))
            continue; /* below lo */
        if (r->has_hi) {
            c = memcmp(p, hi, n < r->hi_len ? n : r->hi_len);
            if (c > 0 || (c == 0 && n >= r->hi_len))
                continue; /* at or above hi */
        }
        return 1;
    }
    return 0;
}

/* Read idents' numbers [from, to) of block b: which are there into
 * *known, which of those match m's ranges into *hit (bits of the block).
 * 0 or an error. */
static int seen_read(zl_store *s, const struct match_seen *m, int64_t b,
                     int64_t from, int64_t to, uint64_t *known, uint64_t *hit)
{
    static const char SQL[] = "SELECT n, code FROM idents WHERE n >= ?1"
                              " AND n < ?2";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int64_t first = b * SEEN_BLOCK;
    int rc;

    *known = *hit = 0;
    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 0);
        const unsigned char *p = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        uint64_t bit = (uint64_t)1 << (n - first);

        *known |= bit;
        if (code_in(m, sqlite3_column_type(st, 1) == SQLITE_BLOB,
                    p ? p : (const unsigned char *)"", len))
            *hit |= bit;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE        ? 0
           : rc == SQLITE_INTERRUPT ? ZL_ETIMEOUT
                                    : ZL_ESTORE;
}

struct ids_walk {
    struct ids_match *m;
    struct match_seen *seen;
    zl_store *s;
};

/* 1 when identifier n (in a role the walk asks for) matches; 0; or an
 * error (< 0; ZL_ESTORE for a number idents lacks, which verify
 * reports). */
static int walk_number_cb(void *ctx, int64_t n, int role)
{
    struct ids_walk *w = ctx;
    struct match_seen *m = w->seen;
    int64_t b = n / SEEN_BLOCK, first = b * SEEN_BLOCK;
    uint64_t known, hit, bit = (uint64_t)1 << (n % SEEN_BLOCK);
    size_t i, k = 0;
    int rc, found = 0;

    if ((unsigned)role >= 63 || !(w->m->roles >> role & 1))
        return 0;
    if (n < 0)
        return ZL_ESTORE;
    /* an event's numbers are mostly in the block of the one before */
    if (m->last && m->b[m->last - 1].blk == b) {
        k = m->last - 1;
        found = 1;
    }
    for (i = !found && m->t.cap ? zl_itab_start(&m->t, seen_hash(b)) : 0;
         !found && m->t.cap && m->t.slot[i]; i = zl_itab_step(&m->t, i))
        if (m->b[m->t.slot[i] - 1].blk == b) {
            k = (size_t)m->t.slot[i] - 1;
            found = 1;
            m->last = k + 1;
        }
    if (found) {
        struct seen_block *sb = &m->b[k];

        if (!(sb->known & bit) && !sb->full) {
            /* a second number of the block: all of it, in one read */
            if ((rc = seen_read(w->s, m, b, first, first + SEEN_BLOCK,
                                &sb->known, &sb->hit)))
                return rc;
            sb->full = 1;
        }
        return sb->known & bit ? (sb->hit & bit) != 0 : ZL_ESTORE;
    }
    /* a block's first number alone: a short walk meets scattered ones */
    if ((rc = seen_read(w->s, m, b, n, n + 1, &known, &hit)))
        return rc;
    if (m->count < INT32_MAX - 1 &&
        !zl_grow((void **)&m->b, &m->cap, m->count + 1, sizeof *m->b, 256,
                 NULL) &&
        !zl_itab_reserve(&m->t, m->count, 256, seen_hash_at, m, NULL)) {
        m->b[m->count] = (struct seen_block){b, known, hit, 0};
        zl_itab_put(&m->t, seen_hash(b), (int32_t)m->count);
        m->last = ++m->count;
    } /* else not kept: read again next time */
    return known & bit ? (hit & bit) != 0 : ZL_ESTORE;
}

/* 1 when the packed identifiers (argv[0]) hold one with a role in the
 * bit set argv[1] inside one of the ranges [lo, hi) that follow, compared
 * bytewise as the BINARY collation does; 0 otherwise (also for a blob
 * that does not unpack: verify reports those). */
static void ids_match_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    struct ids_match m = {argv, argc, 0};
    struct zl_sqlite_idnames nm;
    struct zl_id_row row;
    const uint8_t *p;
    int n;

    if (argc < 2) {
        sqlite3_result_int(cx, 0);
        return;
    }
    m.roles = sqlite3_value_int64(argv[1]);
    p = sqlite3_value_blob(argv[0]);
    n = sqlite3_value_bytes(argv[0]);
    memset(&row, 0, sizeof row);
    zl_sqlite_idnames_init(&nm, sqlite3_user_data(cx));
    if (p && n > 0 && p[0] == ZL_IDS_V3) {
        struct ids_walk w = {&m, sqlite3_get_auxdata(cx, 1),
                             sqlite3_user_data(cx)};

        if (!w.seen && (w.seen = zl_calloc(1, sizeof *w.seen)))
            sqlite3_set_auxdata(cx, 1, w.seen, seen_free);
        /* set_auxdata frees it at once when it cannot keep it */
        if ((w.seen = sqlite3_get_auxdata(cx, 1)) != NULL &&
            !seen_ready(w.seen, argc, argv))
            sqlite3_result_int(
                cx, zl_ids_numbers(p, (size_t)n, walk_number_cb, &w) == 1);
        else
            sqlite3_result_int(cx, zl_ids_unpack(p, (size_t)n, &nm.names,
                                                 (zl_id_roles)m.roles, &row,
                                                 ids_match_cb, &m) == 1);
    } else
        sqlite3_result_int(cx, p && n > 0 &&
                                   zl_ids_unpack(p, (size_t)n, &nm.names,
                                                 (zl_id_roles)m.roles, &row,
                                                 ids_match_cb, &m) == 1);
    zl_sqlite_idnames_cleanup(&nm);
}

int zl_sqlite_query_setup(zl_store *s)
{
    return sqlite3_create_function_v2(
               zl_sqlite_db(s), "zl_ids_match", -1,
               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, s,
               ids_match_fn, NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : ZL_ESTORE;
}

/* ---- the plan ------------------------------------------------------------ */

struct count {
    zl_store *s;
    int64_t n;
    int64_t walk; /* walk_idents() */
};

/* Add the identifiers whose codes are in [lo, hi) to c->n (hi NULL: up
 * to the first BLOB), reading at most what is left to WALK_IDENTS. */
static int count_codes(void *ctx, int blob, const void *lo, size_t lo_len,
                       const void *hi, size_t hi_len)
{
    static const char SQL[] =
        "SELECT count(*) FROM (SELECT 1 FROM idents WHERE code >= ?1"
        " AND code < ?2 LIMIT ?3)";
    struct count *c = ctx;
    sqlite3_stmt *st = zl_sqlite_stmt(c->s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    if (blob) {
        sqlite3_bind_blob(st, 1, lo, (int)lo_len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, hi, (int)hi_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_text(st, 1, lo, (int)lo_len, SQLITE_STATIC);
        if (hi)
            sqlite3_bind_text(st, 2, hi, (int)hi_len, SQLITE_STATIC);
        else
            sqlite3_bind_zeroblob(st, 2, 0);
    }
    sqlite3_bind_int64(st, 3, c->walk - c->n);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        c->n += sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW)
        return ZL_ESTORE;
    return c->n >= c->walk; /* enough: stop counting */
}

/* Add the identifiers in the prefix range [lo, hi) to c->n: lo is the
 * pattern's prefix (range_bytes), whose ranges of codes are counted. */
static int count_range(void *ctx, const char *lo, size_t lo_len, const char *hi,
                       size_t hi_len)
{
    (void)hi;
    (void)hi_len;
    return zl_ident_prefix_ranges(lo, lo_len, count_codes, ctx);
}

/* 1 when f's patterns reach WALK_IDENTS identifiers, 0 if not, or an
 * error. */
static int broad_patterns(zl_store *s, const struct zl_event_filter *f)
{
    struct count c = {s, 0, walk_idents()};
    int rc = zl_query_sql_ranges(f, &DIALECT, count_range, &c);

    return rc < 0 ? rc : c.n >= c.walk;
}

/* ---- the read rule's hint (zl_event_filter.admits) ------------------------
 * A regulator sees an event by its capturing party, bizLocation or
 * readPoint; when few of a filter's matches are in its region, testing
 * each match in C (keep) read every match (1M events, EQ_bizStep: none
 * within 10 s). So the values the rule admits go into the SQL once per
 * query: the sites the rule admits (admitted sites, below: every vocab
 * entry and every capturing party in site_parties asked once, and kept
 * on the handle); the condition then reads
 *   biz_location IN (L) OR read_point IN (L) OR biz_location > MAX OR
 *   read_point > MAX OR party IN (SELECT v FROM site_parties WHERE n IN
 *   (P) OR n > PMAX)
 * with L the admitted locations, MAX the largest vocab number asked about
 * (a location added since is let through), P the admitted parties and
 * PMAX the largest site_parties number asked about (the events' trigger
 * puts every capturing party there). It only ever admits more than the
 * rule: keep still decides each row. ZL_QUERY_NO_PUSHDOWN in the
 * environment turns it off (the tests and benches compare both). */

/* 1 when f names events by a point lookup (eventID, an exact identifier):
 * a handful of rows, fewer than the condition costs to build (~0.3 ms,
 * a third of such a request over HTTP). */
static int point_lookup(const struct zl_event_filter *f)
{
    const char **lists[ZL_QUERY_ID_LISTS];

    if (f->event_ids && f->event_ids[0])
        return 1;
    zl_query_id_lists(f, lists);
    for (size_t i = 0; i < ZL_QUERY_INSTANCE_LISTS; i++)
        for (const char **v = lists[i]; v && *v; v++)
            if (**v && (*v)[strlen(*v) - 1] != '*')
                return 1;
    return 0;
}

static int admits_sql(zl_store *s, const struct zl_event_filter *f,
                      struct zl_buf *b);

/* ---- the sites index (schema 22) -------------------------------------------
 * A regulator sees an event by its sites: the capturing party and the
 * readPoint and bizLocation, each admitted or not by the registry at the
 * time of the query. The rule cannot be stored (a party's region or a
 * GLN's owner may change), but the sites are facts of the event, so they
 * are what the index holds: event_sites(k, event_time, ev), one row per
 * site of the event and key attribute, with
 *   k = ((site * 4 + attr) << 32) + value
 *   site  = 2 * vocab number of a location, 2 * n + 1 for a party (n in
 *           site_parties, the capturing parties' strings as events.party
 *           holds them);
 *   attr  = 0 (value 0): every event of the site;
 *           1, 2: its bizStep, disposition (vocab numbers);
 *           3, 4: its readPoint, bizLocation, for the sites other than
 *           that location itself (a query on a location the rule admits
 *           reads the location's own index: every event there is seen).
 * A query then reads the union of the admitted sites' ranges for its
 * attribute, each in time order (zl_sqlite_events_query's merge), and
 * stops after a page, whatever share of the filter's matches lie in the
 * region. Triggers on events keep the rows (capture, reindex's rewrite,
 * migrate's copy all write events), so no writer can forget them; they
 * only ever make a candidate: the row test (keep) decides each row.
 * Capture alone writes its new events' rows in C, the same rows, while
 * the INSERT trigger skips (schema 29, sqlite_sites.c).
 * Rejected: the region at capture (registries change; the rows would go
 * stale), one index per filter column and site column (events(biz_step,
 * biz_location, event_time) and eleven more), and custody (an event
 * captured late with an earlier time changes who held the goods at every
 * later event: not a fact of the event). */
#define SITES_OF(BL, RP, PARTY)                                                \
    "SELECT " BL " * 2 AS s WHERE " BL " IS NOT NULL"                          \
    " UNION ALL SELECT " RP " * 2 WHERE " RP " IS NOT NULL AND " RP            \
    " * 2 IS NOT " BL " * 2"                                                   \
    " UNION ALL SELECT n * 2 + 1 FROM site_parties WHERE v = " PARTY
#define ATTRS_OF(BL, RP, ST, DP)                                               \
    "SELECT 0 AS a, 0 AS v, NULL AS self"                                      \
    " UNION ALL SELECT 1, " ST ", NULL WHERE " ST " IS NOT NULL"               \
    " UNION ALL SELECT 2, " DP ", NULL WHERE " DP " IS NOT NULL"               \
    " UNION ALL SELECT 3, " RP ", " RP " * 2 WHERE " RP " IS NOT NULL"         \
    " UNION ALL SELECT 4, " BL ", " BL " * 2 WHERE " BL " IS NOT NULL"
#define KEYS_OF(BL, RP, ST, DP, PARTY)                                         \
    "SELECT ((s.s * 4 + a.a) << 32) + a.v AS k FROM (" SITES_OF(               \
        BL, RP, PARTY) ") AS s JOIN (" ATTRS_OF(BL, RP, ST,                    \
                                                DP) ") AS a"                   \
                                                    " ON a.self IS NULL OR "   \
                                                    "a.self <> s.s"
/* No OR IGNORE: inside a trigger, the conflict clause of the statement
 * that fired it (capture's upsert) overrides the trigger's own. The
 * sites are distinct by construction (UNION ALL: no temporary table per
 * event; the two locations compared as the numbers the keys are made of,
 * so even a location edited into text behind the store's back, which
 * verify reports, gives one site), and an event's rows are new when it
 * is (the update and delete triggers remove the old ones first). */
#define PARTY_ADD(PARTY)                                                       \
    "INSERT INTO site_parties(v) SELECT " PARTY " WHERE " PARTY                \
    " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM site_parties WHERE v = " PARTY \
    ");"
#define SITES_INTO(VERB, RID, T, BL, RP, ST, DP, PARTY)                        \
    VERB " INTO event_sites(k, event_time, ev) SELECT k, " T ", " RID          \
         " FROM (" KEYS_OF(BL, RP, ST, DP, PARTY) ");"
#define SITES_ADD(RID, T, BL, RP, ST, DP, PARTY)                               \
    SITES_INTO("INSERT", RID, T, BL, RP, ST, DP, PARTY)
#define SITES_DEL(RID, T, BL, RP, ST, DP, PARTY)                               \
    "DELETE FROM event_sites WHERE event_time = " T " AND ev = " RID           \
    " AND k IN (" KEYS_OF(BL, RP, ST, DP, PARTY) ");"
#define ADD_NEW                                                                \
    SITES_ADD("new.rid", "new.event_time", "new.biz_location",                 \
              "new.read_point", "new.biz_step", "new.disposition",             \
              "new.party")
#define DEL_OLD                                                                \
    SITES_DEL("old.rid", "old.event_time", "old.biz_location",                 \
              "old.read_point", "old.biz_step", "old.disposition",             \
              "old.party")

#define SITE_BUMPS(T)                                                          \
    ZL_SQLITE_RULE_BUMP("rule_gen_" T "_i", "INSERT", T,                       \
                        "new.n < (SELECT max(n) FROM " T ")")                  \
    ZL_SQLITE_RULE_BUMP("rule_gen_" T "_u", "UPDATE", T, "1")                  \
    ZL_SQLITE_RULE_BUMP("rule_gen_" T "_d", "DELETE", T, "1")

static const char SITES_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS site_parties(n INTEGER PRIMARY KEY,"
    " v TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS event_sites(k INTEGER NOT NULL,"
    " event_time INTEGER NOT NULL, ev INTEGER NOT NULL,"
    " PRIMARY KEY(k, event_time, ev)) WITHOUT ROWID;"
    /* WHEN (schema 29): capture writes its events' rows in C
     * (sqlite_sites.c) and turns the trigger off while its insert steps */
    "CREATE TRIGGER IF NOT EXISTS event_sites_ai AFTER INSERT ON events"
    " WHEN (SELECT by_trigger FROM zl_sites_mode)"
    " BEGIN " PARTY_ADD("new.party") ADD_NEW
    " END;"
    "CREATE TRIGGER IF NOT EXISTS event_sites_au AFTER UPDATE OF event_time,"
    " biz_step, disposition, read_point, biz_location, party ON events"
    " BEGIN " DEL_OLD PARTY_ADD("new.party") ADD_NEW
    " END;"
    "CREATE TRIGGER IF NOT EXISTS event_sites_ad AFTER DELETE ON events"
    " BEGIN " DEL_OLD " END;";
/* schema 24: a site's number must keep naming the same location or party
 * while a query keeps the sites the rule admitted (admitted sites, below):
 * any change but a new row at the top bumps rule_gen */
static const char SITES_GEN[] =
    ZL_SQLITE_RULE_GEN SITE_BUMPS("vocab") SITE_BUMPS("site_parties");

int zl_sqlite_sites_schema(zl_store *s)
{
    int rc = zl_sqlite_exec(s, SITES_SCHEMA);

    return rc ? rc : zl_sqlite_exec(s, SITES_GEN);
}

int zl_sqlite_sites_remake(zl_store *s)
{
    int rc = zl_sqlite_triggers_remake(s, SITES_SCHEMA);

    if (!rc)
        rc = zl_sqlite_triggers_remake(s, SITES_GEN);
    return rc ? rc : zl_sqlite_triggers_remake(s, zl_sqlite_party_rule_sql);
}

int zl_sqlite_sites_migrate(zl_store *s)
{
    static const char ALL[] =
        "SELECT rid, event_time, biz_location, read_point, biz_step,"
        " disposition, party FROM events";
    /* OR IGNORE: the step may run again over rows it wrote */
    static const char ADD[] = PARTY_ADD("?7") SITES_INTO(
        "INSERT OR IGNORE", "?1", "?2", "?3", "?4", "?5", "?6", "?7");
    sqlite3 *db = zl_sqlite_db(s);
    sqlite3_stmt *sel = NULL, *party = NULL, *add = NULL;
    const char *tail = NULL;
    int rc = zl_sqlite_sites_schema(s), src;

    /* rows the triggers wrote while earlier steps rewrote events (their
     * rids and vocab numbers renumbered since) are not this store's: the
     * index is made again from the events as they now are */
    if (!rc)
        rc = zl_sqlite_exec(s, "DELETE FROM event_sites;"
                               " DELETE FROM site_parties");
    if (rc)
        return rc;
    /* ADD is two statements: the party's number, then the rows */
    if (sqlite3_prepare_v2(db, ALL, -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, ADD, -1, &party, &tail) != SQLITE_OK ||
        sqlite3_prepare_v2(db, tail, -1, &add, NULL) != SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    while (!rc && (src = sqlite3_step(sel)) == SQLITE_ROW) {
        for (int i = 0; i < 7; i++) {
            sqlite3_bind_value(add, i + 1, sqlite3_column_value(sel, i));
            if (i == 6)
                sqlite3_bind_value(party, 7, sqlite3_column_value(sel, i));
        }
        if (sqlite3_step(party) != SQLITE_DONE ||
            sqlite3_step(add) != SQLITE_DONE)
            rc = ZL_ESTORE;
        sqlite3_reset(party);
        sqlite3_reset(add);
    }
    if (!rc && src != SQLITE_DONE)
        rc = ZL_ESTORE;
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(party);
    sqlite3_finalize(add);
    return rc;
}

/* What the triggers of the sites index and rule_gen keep (verify). */
static const char KEEPS[] = "the sites index or a regulator's kept sites";

int zl_sqlite_sites_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx)
{
    static const char ALL[] =
        "SELECT rid, event_time, biz_location, read_point, biz_step,"
        " disposition, party FROM events";
    /* the keys the event's columns make, and whether each row is there */
    static const char KEYS[] =
        "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM event_sites"
        " WHERE k = x.k AND event_time = ?2 AND ev = ?1)), 0)"
        " FROM (" KEYS_OF("?3", "?4", "?5", "?6", "?7") ") AS x";
    static const char COUNT[] = "SELECT count(*) FROM event_sites";
    sqlite3 *db = zl_sqlite_db(s);
    sqlite3_stmt *sel = NULL, *keys = NULL, *count = NULL;
    int64_t want = 0, have = 0;
    int rc = 0, src;

    /* a trigger dropped or edited would let the index or a regulator's
     * kept sites go stale without a word */
    if ((rc = zl_sqlite_triggers_check(s, SITES_SCHEMA, KEEPS, cb, ctx)) ||
        (rc = zl_sqlite_triggers_check(s, SITES_GEN, KEEPS, cb, ctx)) ||
        (rc = zl_sqlite_triggers_check(s, zl_sqlite_party_rule_sql, KEEPS, cb,
                                       ctx)))
        return rc;
    if (sqlite3_prepare_v2(db, ALL, -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, KEYS, -1, &keys, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, COUNT, -1, &count, NULL) != SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    while (!rc && (src = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t n, found;

        for (int i = 0; i < 7; i++)
            sqlite3_bind_value(keys, i + 1, sqlite3_column_value(sel, i));
        if (sqlite3_step(keys) != SQLITE_ROW) {
            rc = ZL_ESTORE;
            break;
        }
        n = sqlite3_column_int64(keys, 0);
        found = sqlite3_column_int64(keys, 1);
        sqlite3_reset(keys);
        want += n;
        if (found < n) {
            char ev[32];

            snprintf(ev, sizeof ev, "rid %lld",
                     (long long)sqlite3_column_int64(sel, 0));
            rc = zl_sites_report_missing(cb, ctx, ev, n, found);
        }
    }
    if (!rc && src != SQLITE_DONE)
        rc = ZL_ESTORE;
    if (!rc && sqlite3_step(count) == SQLITE_ROW)
        have = sqlite3_column_int64(count, 0);
    else if (!rc)
        rc = ZL_ESTORE;
    if (!rc && have > want)
        rc = zl_sites_report_extra(cb, ctx, "event_sites", have, want);
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(keys);
    sqlite3_finalize(count);
    return rc;
}

/* The filter's work budget, checked by SQLite every PROGRESS_OPS virtual
 * machine instructions (well under a millisecond); the stop callback,
 * which may cost a system call, only every STOP_EVERY checks. */
#define PROGRESS_OPS 8192
#define STOP_EVERY   64

struct budget {
    const struct zl_event_filter *f;
    unsigned calls;
    int rc;
};

static int progress(void *ctx)
{
    struct budget *b = ctx;

    if (b->f->deadline_ms && zl_time_now_ms() > b->f->deadline_ms) {
        b->rc = ZL_ETIMEOUT;
        return 1;
    }
    if (b->f->stop && b->calls++ % STOP_EVERY == 0 &&
        (b->rc = b->f->stop(b->f->stop_ctx)) != 0)
        return 1;
    return 0;
}

/* Bind q's values to st. */
static void bind_all(sqlite3_stmt *st, const struct zl_query_sql *q)
{
    for (int i = 0; i < q->n; i++) {
        const struct zl_query_bind *b = &q->binds[i];

        switch (b->kind) {
        case ZL_QB_TEXT:
            sqlite3_bind_text(st, i + 1, b->text, (int)b->len, SQLITE_STATIC);
            break;
        case ZL_QB_INT: sqlite3_bind_int64(st, i + 1, b->i); break;
        case ZL_QB_HASH:
            sqlite3_bind_blob(st, i + 1, b->blob, 32, SQLITE_STATIC);
            break;
        }
    }
}

/* Run the built query q: each row through f->keep (before its JSON) and
 * then cb. 0 at the end of the rows, cb's or keep's non-zero value, or
 * an error. */
static int run_rows(zl_store *s, const struct zl_query_sql *q,
                    const struct zl_event_filter *f, struct budget *bud,
                    struct zl_buf *scratch, zl_event_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zl_stored_event ev;
    int rc = 0, src;

    if (!(st = zl_sqlite_stmt_text(s, q->sql.data, q->sql.len)))
        return ZL_ESTORE;
    bind_all(st, q);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (f->keep) {
            /* the test before the JSON: a refused row costs no
             * decompression */
            uint64_t epoch;

            if ((rc = zl_sqlite_row_event(s, st, &ev, NULL)) < 0)
                goto out;
            epoch = zl_sqlite_vocab_epoch(s);
            if ((rc = f->keep(f->keep_ctx, &ev)) == 0)
                continue;
            if (rc < 0)
                goto out;
            /* the row's columns as read, unless the rule's own reads
             * may have freed their texts */
            rc = zl_sqlite_vocab_epoch(s) == epoch
                     ? zl_sqlite_row_json(s, st, &ev, scratch)
                     : zl_sqlite_row_event(s, st, &ev, scratch);
        } else
            rc = zl_sqlite_row_event(s, st, &ev, scratch);
        if (!rc)
            rc = cb(ctx, &ev);
        if (rc)
            goto out;
    }
    rc = src == SQLITE_DONE        ? 0
         : src == SQLITE_INTERRUPT ? (bud->rc ? bud->rc : ZL_ETIMEOUT)
         : src == SQLITE_BUSY || src == SQLITE_LOCKED ? ZL_EBUSY
                                                      : ZL_ESTORE;
out:
    zl_sqlite_stmt_text_done(s, st);
    return rc;
}

/* ---- a regulator's pages through event_sites --------------------------- */

/* Streams past which the merge is not tried (each is a prepared
 * statement): the plain scan with the region's condition answers. */
#define MAX_SITE_STREAMS 2048
/* Candidates in the first batch when the caller's page is not known
 * (zl_sites_first_batch); each later batch doubles, up to the last. */
#define FIRST_BATCH 128
#define LAST_BATCH  8192

/* The vocab number of v in *n: 0, 1 when vocab has no such value, or an
 * error. */
static int vocab_n(zl_store *s, const char *v, int64_t *n)
{
    static const char SQL[] = "SELECT n FROM vocab WHERE v = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : ZL_ESTORE;
}

/* The attribute and value of f's key in event_sites (the comment above
 * SITES_OF; zl_sites_key_of says which filters have one): 0, 1 when f has
 * none or its value is in no event, or an error. */
static int sites_attr(zl_store *s, const struct zl_event_filter *f, int *attr,
                      int64_t *value)
{
    const char *v = NULL;
    int rc = zl_sites_key_of(f, attr, &v);

    *value = 0;
    return rc || !v ? rc : vocab_n(s, v, value);
}

/* ---- admitted sites (admitted_sites.c) -------------------------------------
 * The numbered values are vocab's (every location; vocab numbers are
 * never reused: AUTOINCREMENT), site_parties' and trade_values'. The
 * stamp is PRAGMA data_version, which a commit by another connection
 * moves, and the connection's sqlite3_total_changes, which counts what is
 * not committed yet too; rule_gen's triggers are in sqlite_int.h. */

static int sq_stamp(zl_store *s, int64_t out[2])
{
    static const char VERSION[] = "PRAGMA data_version";

    out[1] = (int64_t)sqlite3_total_changes(zl_sqlite_db(s));
    return zl_sqlite_get_i64(s, VERSION, &out[0]);
}

static int sq_gen(zl_store *s, int64_t *out)
{
    static const char GEN[] = "SELECT n FROM rule_gen";

    return zl_sqlite_get_i64(s, GEN, out);
}

static int sq_each_past(zl_store *s, int t, int64_t after,
                        int (*cb)(void *ctx, int64_t n, const char *v),
                        void *ctx)
{
    static const char LOCS[] = "SELECT n, v FROM vocab WHERE n > ?1 ORDER BY n";
    static const char PARTIES[] =
        "SELECT n, v FROM site_parties WHERE n > ?1 ORDER BY n";
    static const char TRADE[] =
        "SELECT n, v FROM trade_values WHERE n > ?1 ORDER BY n";
    const char *const sql[3] = {LOCS, PARTIES, TRADE};
    sqlite3_stmt *st = zl_sqlite_stmt(s, sql[t]);
    int rc = 0, src;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, after);
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
        rc = cb(ctx, sqlite3_column_int64(st, 0),
                (const char *)sqlite3_column_text(st, 1));
    if (!rc && src != SQLITE_DONE)
        rc = src == SQLITE_INTERRUPT ? ZL_ETIMEOUT : ZL_ESTORE;
    sqlite3_reset(st);
    return rc;
}

static const struct zl_sites_source SQ_SITES = {
    .stamp = sq_stamp,
    .gen = sq_gen,
    .each_past = sq_each_past,
};

/* What f->admits admits, into out (appended; its marks set): the
 * handle's kept answer for f->admits_key, brought up to date. */
static int admitted_sites(zl_store *s, const struct zl_event_filter *f,
                          struct zl_admitted *out)
{
    return zl_sites_admitted(s, f, &SQ_SITES, out);
}

/* The condition for f->admits (the comment above point_lookup) into b,
 * NUL-terminated: 0 or an error. */
static int admits_sql(zl_store *s, const struct zl_event_filter *f,
                      struct zl_buf *b)
{
    struct zl_admitted ad = {0};
    struct zl_buf locs, parts;
    int rc = admitted_sites(s, f, &ad);

    zl_buf_init(&locs, (size_t)16 << 20);
    zl_buf_init(&parts, (size_t)16 << 20);
    for (size_t i = 0; i < ad.sites.n && !rc; i++) {
        struct zl_buf *to = ad.sites.k[i] & 1 ? &parts : &locs;

        rc = zl_buf_printf(to, "%s%lld", to->len ? "," : "",
                           (long long)(ad.sites.k[i] >> 1));
    }
    if (!rc && locs.len)
        rc = zl_buf_printf(b,
                           "e.biz_location IN (%.*s) OR e.read_point IN"
                           " (%.*s) OR ",
                           (int)locs.len, locs.data, (int)locs.len, locs.data);
    if (!rc)
        rc = zl_buf_printf(b,
                           "e.biz_location > %lld OR e.read_point > %lld OR"
                           " e.party IN (SELECT v FROM site_parties WHERE n"
                           " IN (%.*s) OR n > %lld)",
                           (long long)ad.top[0], (long long)ad.top[0],
                           (int)parts.len, parts.len ? parts.data : "",
                           (long long)ad.top[1]);
    if (!rc)
        rc = zl_buf_add(b, "", 1);
    zl_buf_cleanup(&locs);
    zl_buf_cleanup(&parts);
    zl_admitted_cleanup(&ad);
    return rc;
}

/* A site's range, read FETCH_FIRST rows at a time (doubling up to
 * FETCH_LAST) through one cached statement, from just past the last row
 * read: no statement of its own, so a region of many sites costs no
 * prepare per site. */
#define FETCH_FIRST 32
#define FETCH_LAST  1024

struct stream {
    int64_t k;
    size_t first;      /* rows of the first read */
    int64_t (*row)[2]; /* rows read: time, event number */
    size_t n, at, fetch;
    int done;    /* nothing past row[n - 1] */
    int started; /* row[n - 1] is where the next read starts */
};

/* The range's rows past m's last into m->row: 0 or an error. */
static int stream_fill(zl_store *s, struct stream *m, int desc, int64_t lo,
                       int64_t hi)
{
    static const char ASC[] =
        "SELECT event_time, ev FROM event_sites WHERE k = ?1"
        " AND event_time >= ?2 AND event_time <= ?3"
        " AND (event_time > ?2 OR ev > ?4) ORDER BY event_time, ev LIMIT ?5";
    static const char DESC[] =
        "SELECT event_time, ev FROM event_sites WHERE k = ?1"
        " AND event_time >= ?2 AND event_time <= ?3"
        " AND (event_time < ?3 OR ev < ?4)"
        " ORDER BY event_time DESC, ev DESC LIMIT ?5";
    sqlite3_stmt *st = zl_sqlite_stmt(s, desc ? DESC : ASC);
    int64_t last_ev = desc ? INT64_MAX : INT64_MIN;
    int src;

    if (!st)
        return ZL_ESTORE;
    if (m->started) {
        int64_t t = m->row[m->n - 1][0];

        last_ev = m->row[m->n - 1][1];
        if (desc)
            hi = t;
        else
            lo = t;
    }
    if (m->fetch < FETCH_LAST) {
        size_t nf = m->fetch ? m->fetch * 2 : m->first;
        int64_t(*r)[2] = zl_realloc(m->row, nf * sizeof *r);

        if (!r)
            return ZL_ENOMEM;
        m->row = r;
        m->fetch = nf;
    }
    sqlite3_bind_int64(st, 1, m->k);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    sqlite3_bind_int64(st, 4, last_ev);
    sqlite3_bind_int64(st, 5, (int64_t)m->fetch);
    m->n = m->at = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        m->row[m->n][0] = sqlite3_column_int64(st, 0);
        m->row[m->n][1] = sqlite3_column_int64(st, 1);
        m->n++;
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return src == SQLITE_INTERRUPT ? ZL_ETIMEOUT : ZL_ESTORE;
    m->done = m->n < m->fetch;
    m->started = m->n > 0;
    return 0;
}

/* Move m past its head: 1 with a head, 0 at its end, or an error. */
static int stream_next(zl_store *s, struct stream *m, int desc, int64_t lo,
                       int64_t hi)
{
    int rc;

    if (++m->at < m->n)
        return 1;
    if (m->done)
        return 0;
    if ((rc = stream_fill(s, m, desc, lo, hi)))
        return rc;
    return m->n > 0;
}

/* ---- an enterprise's candidates (schema 27) --------------------------------
 * What they are and how they are read: enterprise_cands.c. Here, SQLite's
 * reads: one cached statement per range, per source's identifiers and per
 * identifier's walk (event_occ, clustered by identifier number, so in
 * time order). */

/* The current row of st (cols columns) as a candidate row: time, event
 * number, then the event's columns when st has them (0 for NULL, -1 for
 * a value that is not a number). */
static void occ_row(sqlite3_stmt *st, int cols, int64_t *row)
{
    for (int i = 0; i < ZL_CAND_COLS; i++) {
        int t = i < cols ? sqlite3_column_type(st, i) : SQLITE_TEXT;

        row[i] = t == SQLITE_INTEGER ? sqlite3_column_int64(st, i)
                 : t == SQLITE_NULL  ? 0
                                     : -1;
    }
}

/* A statement's final step code as an error: 0 for SQLITE_DONE. */
static int step_error(int src)
{
    return src == SQLITE_DONE        ? 0
           : src == SQLITE_INTERRUPT ? ZL_ETIMEOUT
                                     : ZL_ESTORE;
}

/* st's rows (time, event number, and the event's columns when st has
 * them) into o: 0 or an error. */
static int occ_read(sqlite3_stmt *st, struct zl_cands *o)
{
    int rc = 0, src, cols = sqlite3_column_count(st);

    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t row[ZL_CAND_COLS];

        occ_row(st, cols, row);
        rc = zl_cands_add(o, row);
    }
    if (!rc)
        rc = step_error(src);
    sqlite3_reset(st);
    return rc;
}

/* The rows of range k of event_trade (trade) or event_sites up to hi. */
static int range_upto(zl_store *s, int trade, int64_t k, int64_t hi,
                      struct zl_cands *o)
{
    static const char SITES[] =
        "SELECT event_time, ev FROM event_sites WHERE k = ?1"
        " AND event_time <= ?2";
    static const char TRADE[] =
        "SELECT event_time, ev FROM event_trade WHERE k = ?1"
        " AND event_time <= ?2";
    sqlite3_stmt *st = zl_sqlite_stmt(s, trade ? TRADE : SITES);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, k);
    sqlite3_bind_int64(st, 2, hi);
    return occ_read(st, o);
}

/* Custody's candidates of one identifier (key, len), whose sources are at
 * the times src[0..n)[1] (ascending, distinct), within [lo, hi], into out
 * (its spells: enterprise_cands.h). One statement walks the rows in time
 * order (event_occ's key: by day, schema 33, each day's rows sorted by
 * the event's time as they are read) and is started again at the next
 * source after a cut, so the rows between two custody spells are not
 * read. The days bound the key range, the event's own time the rows. */
static int custody_walk(zl_store *s, const struct zl_admitted *ad,
                        const char *key, size_t len,
                        const int64_t (*src)[ZL_CAND_COLS], size_t n,
                        int64_t lo, int64_t hi, struct zl_cands *out)
{
    static const char OCC[] =
        "SELECT e.event_time, o.ev, e.biz_step, e.disposition, e.read_point,"
        " e.biz_location, e.has_error FROM event_occ o"
        " JOIN events e ON e.rid = o.ev"
        " WHERE o.n = (SELECT n FROM idents WHERE code = zl_ident_code(?1))"
        " AND o.day >= ?2 / " ZL_SQLITE_OCC_DAY
        " AND o.day <= ?3 / " ZL_SQLITE_OCC_DAY
        " AND e.event_time >= ?2 AND e.event_time <= ?3"
        " ORDER BY o.day, e.event_time, o.ev";
    sqlite3_stmt *st = zl_sqlite_stmt(s, OCC);
    struct zl_spell sp;
    int rc = 0, src_rc = SQLITE_DONE;

    if (!st)
        return ZL_ESTORE;
    zl_spell_start(&sp, src, n);
    sqlite3_bind_text(st, 1, key, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, hi);
    while (!rc && sp.j < n) {
        sqlite3_bind_int64(st, 2, src[sp.j][1]);
        while (!rc && (src_rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t row[ZL_CAND_COLS];

            occ_row(st, ZL_CAND_COLS, row);
            if (!zl_spell_row(&sp, row[0],
                              sqlite3_column_type(st, 6) == SQLITE_INTEGER &&
                                  sqlite3_column_int64(st, 6) == 0 &&
                                  zl_cands_step_decides(ad, row[2])))
                break; /* start again at the next source */
            if (row[0] >= lo)
                rc = zl_cands_add(out, row);
        }
        sqlite3_reset(st);
        if (!rc && src_rc != SQLITE_ROW)
            rc = step_error(src_rc);
        if (src_rc == SQLITE_DONE)
            break; /* every row up to hi read */
    }
    sqlite3_clear_bindings(st);
    return rc;
}

/* The trade and custody candidates for ad within [lo, hi] into out, in
 * time order, distinct, with their events' columns (zl_cands_source's
 * read): 0 or an error. */
static int sq_cands_read(zl_store *s, const struct zl_admitted *ad, int64_t lo,
                         int64_t hi, struct zl_cands *out)
{
    static const char IDS[] = "SELECT ids FROM events WHERE rid = ?1";
    /* with the columns a query's key filters on (as custody_walk's), so
     * that a kept list answers EQ_bizStep and the like without reading
     * rows it cannot match */
    static const char TRADE[] =
        "SELECT t.event_time, t.ev, e.biz_step, e.disposition, e.read_point,"
        " e.biz_location FROM event_trade t JOIN events e ON e.rid = t.ev"
        " WHERE t.k = ?1 AND t.event_time >= ?2 AND t.event_time <= ?3";
    struct zl_cands src = {0};
    struct zl_site_set tk = {0}, sk = {0};
    struct zl_cands_ids ids;
    struct zl_sqlite_idnames nm;
    size_t a, b = 0;
    int rc = zl_cands_source_keys(ad, &tk, &sk);

    zl_cands_ids_init(&ids);
    zl_sqlite_idnames_init(&nm, s);
    for (size_t i = 0; i < tk.n && !rc; i++)
        rc = range_upto(s, 1, tk.k[i], hi, &src);
    for (size_t i = 0; i < sk.n && !rc; i++)
        rc = range_upto(s, 0, sk.k[i], hi, &src);
    /* by event, the earliest time first: each source read once */
    if (!rc)
        zl_cands_distinct(&src, zl_cands_cmp_ev);
    for (size_t i = 0; i < src.n && !rc; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, IDS);
        int src_rc;

        if (!st) {
            rc = ZL_ESTORE;
            break;
        }
        sqlite3_bind_int64(st, 1, src.r[i][1]);
        if ((src_rc = sqlite3_step(st)) == SQLITE_ROW) {
            const uint8_t *p = sqlite3_column_blob(st, 0);
            int n = sqlite3_column_bytes(st, 0);

            if (n > 0)
                rc = zl_cands_ids_add(&ids, p, (size_t)n, &nm.names,
                                      src.r[i][0]);
        } else if (src_rc != SQLITE_DONE)
            rc = src_rc == SQLITE_INTERRUPT ? ZL_ETIMEOUT : ZL_ESTORE;
        sqlite3_reset(st);
    }
    /* each identifier's sources in time order, then its custody spells */
    if (!rc)
        zl_cands_ids_sort(&ids);
    while (!rc && zl_cands_ids_next(&ids, &a, &b)) {
        const struct zl_strmap_entry *e =
            zl_strmap_at(&ids.ids, (size_t)ids.pairs.r[a][0]);

        rc = custody_walk(s, ad, e->key, e->len,
                          (const int64_t(*)[ZL_CAND_COLS])(ids.pairs.r + a),
                          b - a, lo, hi, out);
    }
    /* trade: every event of each admitted value, as source and as
     * destination */
    for (size_t i = 0; i < 2 * ad->trade.n && !rc; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, TRADE);

        if (!st) {
            rc = ZL_ESTORE;
            break;
        }
        sqlite3_bind_int64(st, 1, ad->trade.k[i / 2] * 2 + (int64_t)(i % 2));
        sqlite3_bind_int64(st, 2, lo);
        sqlite3_bind_int64(st, 3, hi);
        rc = occ_read(st, out);
    }
    if (!rc)
        zl_cands_distinct(out, zl_cands_cmp_time);
    zl_cands_ids_cleanup(&ids);
    zl_sqlite_idnames_cleanup(&nm);
    zl_cands_cleanup(&src);
    zl_free(tk.k);
    zl_free(sk.k);
    return rc;
}

/* The kept list's stamp is the admitted sites' (data_version, this
 * connection's changes: any capture makes the candidates read again). */
static const struct zl_cands_source SQ_CANDS = {
    .stamp = sq_stamp,
    .read = sq_cands_read,
};

/* 1 when f's identifier lists are all patterns and reach WALK_IDENTS
 * identifiers (broad_patterns): then *keyed is f without them, for the
 * sites index's key (zl_sites_key_of takes no identifier filter), and
 * each candidate is tested on its own identifiers (the walk form of the
 * read-back; as a subquery each batch collected every match of the
 * pattern first: at 10M events a GTIN's serials are millions of
 * occurrences). 0 otherwise, or an error. */
static int broad_only(zl_store *s, const struct zl_event_filter *f,
                      struct zl_event_filter *keyed)
{
    const char **lists[ZL_QUERY_ID_LISTS];
    size_t n = 0;
    int rc;

    zl_query_id_lists(f, lists);
    for (size_t i = 0; i < ZL_QUERY_ID_LISTS; i++)
        for (const char **v = lists[i]; v && *v; v++, n++)
            if (!**v || (*v)[strlen(*v) - 1] != '*')
                return 0;
    if (!n || (rc = broad_patterns(s, f)) <= 0)
        return n ? rc : 0;
    *keyed = *f;
    keyed->match_epc = keyed->match_any_epc = keyed->match_parent_id = NULL;
    keyed->match_input_epc = keyed->match_output_epc = NULL;
    keyed->match_epc_class = keyed->match_input_epc_class = NULL;
    keyed->match_output_epc_class = keyed->match_any_epc_class = NULL;
    return 1;
}

/* f answered through event_sites: the admitted sites' ranges for f's key
 * (and, for an enterprise, its trade values' ranges and custody's
 * candidates: above) merged in time order (then by event number, so an event
 * reached by two sites comes twice in a row and is taken once), taken in
 * batches that end on a change of time (so ties are never split), each batch
 * read back as rows by number with the whole filter and ordered as the plain
 * query orders them (time, then hash). Every visible match is a candidate, and
 * batches cover consecutive time ranges, so the rows come out as the
 * plain query gives them. *used is 1 when it answered (then the return
 * is 0, cb's value or an error), 0 when the plain query should (no
 * plan; 0 or an error). */
static int sites_query(zl_store *s, const struct zl_event_filter *f,
                       struct budget *bud, struct zl_buf *scratch,
                       zl_event_cb cb, void *ctx, int *used)
{
    struct zl_admitted ad = {0};
    struct stream *m = NULL;
    struct zl_query_sql *q = NULL;
    struct zl_event_filter g = *f, keyed;
    struct zl_buf rids;
    struct zl_cands_slice cust = {0};
    int64_t value, lo = INT64_MIN, hi = INT64_MAX;
    size_t live = 0, n_m = 0, n_streams, batch, first;
    int attr, rc, desc = f->order_desc, broad = 0;

    *used = 0;
    batch = zl_sites_first_batch(f, FIRST_BATCH);
    zl_buf_init(&rids, (size_t)1 << 20);
    /* broad patterns only: the region's events in time order, each
     * tested on its identifiers (below); the plain scan with the
     * region's condition walked every event of the store (1M demo
     * events, a GTIN the region never sees: 1.6 s) */
    if ((rc = broad_only(s, f, &keyed)) < 0)
        return rc;
    broad = rc;
    if ((rc = sites_attr(s, broad ? &keyed : f, &attr, &value)) != 0)
        return rc < 0 ? rc : 0;
    if ((rc = admitted_sites(s, f, &ad)))
        goto out;
    /* an enterprise's trade and custody candidates, one stream
     * (ZL_QUERY_NO_TRADE_CUSTODY: the tests show that they matter) */
    n_streams = ad.sites.n + (f->admits_trade ? 1 : 0);
    if (f->admits_trade && getenv("ZL_QUERY_NO_TRADE_CUSTODY"))
        n_streams--;
    if (n_streams > MAX_SITE_STREAMS)
        goto out;
    *used = 1;
    zl_sites_bounds(f, desc, &lo, &hi);
    if (!(m = zl_calloc(n_streams ? n_streams : 1, sizeof *m)) ||
        !(q = zl_calloc(1, sizeof *q))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    /* each range's first read: about its share of the first batch (a
     * page of 100 over 16 sites read 32 rows of each, 512 index rows for
     * 101 candidates), doubling on each later read of a range the merge
     * takes more from; the tests' batches of one read one row at first */
    first = batch < FETCH_FIRST ? 1 : batch / (n_streams ? n_streams : 1) + 2;
    if (first > FETCH_FIRST)
        first = FETCH_FIRST;
    for (size_t i = 0; i < n_streams; i++) {
        if (i < ad.sites.n)
            m[n_m].k = (int64_t)(((uint64_t)(ad.sites.k[i] * 4 + attr) << 32) +
                                 (uint64_t)value);
        else { /* trade and custody, read whole */
            if ((rc = zl_cands_for(s, f, &SQ_CANDS, &ad, desc, lo, hi, attr,
                                   value, &cust)))
                goto out;
            m[n_m].row = cust.rows;
            m[n_m].n = cust.n;
            m[n_m].done = m[n_m].started = 1;
            cust.rows = NULL;
            n_m++;
            live += m[n_m - 1].n > 0;
            continue;
        }
        m[n_m].first = first;
        if ((rc = stream_fill(s, &m[n_m], desc, lo, hi)))
            goto out;
        n_m++;
        if (m[n_m - 1].n)
            live++;
    }
    /* the live streams first */
    for (size_t i = 0, k = 0; i < n_m; i++)
        if (m[i].n) {
            struct stream t = m[k];

            m[k++] = m[i];
            m[i] = t;
        }
    g.sql_and = NULL;
    g.limit = 0;
    while (live && !rc) {
        size_t n = 0;
        int64_t last_t = 0, last_ev = 0;

        zl_buf_reset(&rids);
        if ((rc = zl_buf_addc(&rids, '[')))
            goto out;
        while (live) {
            size_t b = 0;
            int64_t bt, bev;
            char num[24];

            for (size_t i = 1; i < live; i++) {
                int64_t it = m[i].row[m[i].at][0], iev = m[i].row[m[i].at][1];

                bt = m[b].row[m[b].at][0];
                bev = m[b].row[m[b].at][1];
                if (desc ? (it > bt || (it == bt && iev > bev))
                         : (it < bt || (it == bt && iev < bev)))
                    b = i;
            }
            bt = m[b].row[m[b].at][0];
            bev = m[b].row[m[b].at][1];
            if (n >= batch && bt != last_t)
                break;
            if (!n || bt != last_t || bev != last_ev) {
                snprintf(num, sizeof num, "%s%lld", n ? "," : "",
                         (long long)bev);
                if ((rc = zl_buf_adds(&rids, num)))
                    goto out;
                n++;
            }
            last_t = bt;
            last_ev = bev;
            if ((rc = stream_next(s, &m[b], desc, lo, hi)) < 0)
                goto out;
            if (!rc) { /* ended: swap with the last live one */
                struct stream t = m[b];

                m[b] = m[--live];
                m[live] = t;
            }
        }
        if (!n)
            break;
        if ((rc = zl_buf_add(&rids, "]", 2)))
            goto out;
        rc = zl_query_sql_build_rids(q, &g, &DIALECT, rids.data, broad);
        if (!rc)
            rc = run_rows(s, q, f, bud, scratch, cb, ctx);
        zl_query_sql_cleanup(q);
        if (batch < LAST_BATCH)
            batch *= 2;
    }
out:
    for (size_t i = 0; m && i < n_m; i++)
        zl_free(m[i].row);
    zl_free(m);
    zl_free(q);
    zl_cands_slice_cleanup(&cust);
    zl_admitted_cleanup(&ad);
    zl_buf_cleanup(&rids);
    return rc;
}

int zl_sqlite_events_query(zl_store *s, const struct zl_event_filter *f,
                           zl_event_cb cb, void *ctx)
{
    struct budget bud = {f, 0, 0};
    struct zl_query_sql *q = NULL;
    struct zl_buf scratch; /* compressed events' JSON */
    struct zl_buf hint;    /* the rule's condition (admits_sql) */
    struct zl_event_filter g = *f;
    int rc, pushdown, used = 0;

    if (f->deadline_ms && zl_time_now_ms() > f->deadline_ms)
        return ZL_ETIMEOUT; /* the budget is spent before the query starts */
    zl_buf_init(&scratch, (size_t)64 << 20);
    zl_buf_init(&hint, (size_t)32 << 20);
    if (f->deadline_ms || f->stop)
        sqlite3_progress_handler(zl_sqlite_db(s), PROGRESS_OPS, progress, &bud);
    pushdown = f->admits && f->keep && !point_lookup(f) &&
               !getenv("ZL_QUERY_NO_PUSHDOWN");
    if (pushdown && !getenv("ZL_QUERY_NO_SITES") &&
        ((rc = sites_query(s, f, &bud, &scratch, cb, ctx, &used)) < 0 || used))
        goto out;
    if (!(q = zl_calloc(1, sizeof *q))) { /* cleaned up even unbuilt */
        rc = ZL_ENOMEM;
        goto out;
    }
    /* the condition holds the sites only: an enterprise's rule admits
     * more (trade, custody), so its row test alone decides here */
    if (pushdown && !f->admits_trade) {
        if ((rc = admits_sql(s, f, &hint)))
            goto out;
        g.sql_and = hint.data;
    }
    if ((rc = broad_patterns(s, &g)) < 0 ||
        (rc = zl_query_sql_build_walk(q, &g, &DIALECT, rc)))
        goto out;
    rc = run_rows(s, q, f, &bud, &scratch, cb, ctx);
out:
    /* The budget interrupts whatever statement runs, the read rule's and
     * a first row's dictionary load too, whose callers see only a failed
     * step: their error is the budget's. */
    if (rc < 0 && bud.rc)
        rc = bud.rc;
    zl_buf_cleanup(&scratch);
    zl_buf_cleanup(&hint);
    sqlite3_progress_handler(zl_sqlite_db(s), 0, NULL, NULL);
    if (q)
        zl_query_sql_cleanup(q);
    zl_free(q);
    return rc;
}
