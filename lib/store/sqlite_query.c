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
 */
#include "store/sqlite_int.h"
#include "util/buf.h"
#include "store/ids_pack.h"
#include "store/query_sql.h"

#include "util/alloc.h"
#include "zhiliang/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Identifiers matched by a query's patterns from which it walks events
 * instead of collecting the matches first (see above). */
#define WALK_IDENTS 5000

static const struct zl_query_dialect DIALECT = {
    .numbered = 0,
    .event_cols = ZL_SQLITE_EVENT_COLS,
    .utf8_bounds = 0,
    .bytewise = "", /* BINARY is the default collation */
    .lead_order = 0,
    .vocab = 1,
    .ids_fn = "zl_ids_match",
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

/* 1 when the packed identifiers (argv[0]) hold one with a role in the
 * bit set argv[1] inside one of the ranges [lo, hi) that follow, compared
 * bytewise as the BINARY collation does; 0 otherwise (also for a blob
 * that does not unpack: verify reports those). */
static void ids_match_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    struct ids_match m = {argv, argc, 0};
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
    sqlite3_result_int(
        cx,
        p && n > 0 && zl_ids_unpack(p, (size_t)n, &row, ids_match_cb, &m) == 1);
}

int zl_sqlite_query_setup(zl_store *s)
{
    return sqlite3_create_function_v2(
               zl_sqlite_db(s), "zl_ids_match", -1,
               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
               ids_match_fn, NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : ZL_ESTORE;
}

/* ---- the plan ------------------------------------------------------------ */

struct count {
    zl_store *s;
    int64_t n;
};

/* Add the identifiers in [lo, hi) to c->n, reading at most what is left
 * to WALK_IDENTS. */
static int count_range(void *ctx, const char *lo, size_t lo_len, const char *hi,
                       size_t hi_len)
{
    /* two texts: "?2 IS NULL OR id < ?2" would not bound the index range */
    static const char SQL_HI[] =
        "SELECT count(*) FROM (SELECT 1 FROM idents WHERE id >= ?1"
        " AND id < ?2 LIMIT ?3)";
    static const char SQL_OPEN[] =
        "SELECT count(*) FROM (SELECT 1 FROM idents WHERE id >= ?1"
        " LIMIT ?3)";
    struct count *c = ctx;
    sqlite3_stmt *st = zl_sqlite_stmt(c->s, hi ? SQL_HI : SQL_OPEN);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, lo, (int)lo_len, SQLITE_STATIC);
    if (hi)
        sqlite3_bind_text(st, 2, hi, (int)hi_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, WALK_IDENTS - c->n);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        c->n += sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW)
        return ZL_ESTORE;
    return c->n >= WALK_IDENTS; /* enough: stop counting */
}

/* 1 when f's patterns reach WALK_IDENTS identifiers, 0 if not, or an
 * error. */
static int broad_patterns(zl_store *s, const struct zl_event_filter *f)
{
    struct count c = {s, 0};
    int rc = zl_query_sql_ranges(f, &DIALECT, count_range, &c);

    return rc < 0 ? rc : c.n >= WALK_IDENTS;
}

/* ---- the read rule's hint (zl_event_filter.admits) ------------------------
 * A regulator sees an event by its capturing party, bizLocation or
 * readPoint; when few of a filter's matches are in its region, testing
 * each match in C (keep) read every match (1M events, EQ_bizStep: none
 * within 10 s). So the values the rule admits go into the SQL once per
 * query: every vocab entry (steps, dispositions and locations; the rule
 * refuses all but its region's locations) is asked once, and every
 * registered party ID; the condition then reads
 *   biz_location IN (L) OR read_point IN (L) OR biz_location > MAX OR
 *   read_point > MAX OR (party IS NOT NULL AND party NOT IN (P_out))
 * with L the admitted locations, MAX the largest vocab number seen (a
 * location added since is let through) and P_out the registered IDs the
 * rule refuses (a party column holding anything else, a USCC or an
 * unregistered name, is let through). It only ever admits more than the
 * rule: keep still decides each row. ZL_QUERY_NO_PUSHDOWN in the
 * environment turns it off (the tests and benches compare both). */

static int add_text_lit(struct zl_buf *b, const char *t)
{
    int rc = zl_buf_add(b, "'", 1);

    for (const char *p = t; !rc && *p; p++)
        rc = *p == '\'' ? zl_buf_add(b, "''", 2) : zl_buf_add(b, p, 1);
    return rc ? rc : zl_buf_add(b, "'", 1);
}

/* 1 when f names events by a point lookup (eventID, an exact identifier):
 * a handful of rows, fewer than the condition costs to build (~0.3 ms,
 * a third of such a request over HTTP). */
static int point_lookup(const struct zl_event_filter *f)
{
    const char **lists[] = {f->match_epc, f->match_any_epc, f->match_parent_id,
                            f->match_input_epc, f->match_output_epc};

    if (f->event_ids && f->event_ids[0])
        return 1;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        for (const char **v = lists[i]; v && *v; v++)
            if (**v && (*v)[strlen(*v) - 1] != '*')
                return 1;
    return 0;
}

/* The condition for f->admits into b (NUL-terminated): 0 or an error. */
static int admits_sql(zl_store *s, const struct zl_event_filter *f,
                      struct zl_buf *b)
{
    static const char VOCAB_ALL[] = "SELECT n, v FROM vocab";
    static const char PARTY_IDS[] = "SELECT id FROM parties";
    struct zl_buf locs, outs;
    sqlite3_stmt *st;
    int64_t max = 0;
    char num[32];
    int rc = 0, src, a;

    zl_buf_init(&locs, (size_t)16 << 20);
    zl_buf_init(&outs, (size_t)16 << 20);
    if (!(st = zl_sqlite_stmt(s, VOCAB_ALL))) {
        rc = ZL_ESTORE;
        goto out;
    }
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 0);
        char *v = zl_strdup((const char *)sqlite3_column_text(st, 1));

        if (!v) {
            rc = ZL_ENOMEM;
            break;
        }
        if (n > max)
            max = n;
        a = f->admits(f->admits_ctx, 'l', v);
        zl_free(v);
        if (a < 0)
            rc = a;
        else if (a) {
            snprintf(num, sizeof num, "%s%lld", locs.len ? "," : "",
                     (long long)n);
            rc = zl_buf_add(&locs, num, strlen(num));
        }
    }
    sqlite3_reset(st);
    if (rc)
        goto out;
    if (!(st = zl_sqlite_stmt(s, PARTY_IDS))) {
        rc = ZL_ESTORE;
        goto out;
    }
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        char *id = zl_strdup((const char *)sqlite3_column_text(st, 0));

        if (!id) {
            rc = ZL_ENOMEM;
            break;
        }
        if ((a = f->admits(f->admits_ctx, 'p', id)) < 0)
            rc = a;
        else if (!a && !(rc = outs.len ? zl_buf_add(&outs, ",", 1) : 0))
            rc = add_text_lit(&outs, id);
        zl_free(id);
    }
    sqlite3_reset(st);
    if (rc)
        goto out;
    if (locs.len)
        rc = zl_buf_printf(b,
                           "e.biz_location IN (%.*s) OR e.read_point IN"
                           " (%.*s) OR ",
                           (int)locs.len, locs.data, (int)locs.len, locs.data);
    if (!rc)
        rc = zl_buf_printf(b,
                           "e.biz_location > %lld OR e.read_point > %lld OR"
                           " (e.party IS NOT NULL AND e.party NOT IN (%.*s))",
                           (long long)max, (long long)max, (int)outs.len,
                           outs.len ? outs.data : "");
    if (!rc)
        rc = zl_buf_add(b, "", 1);
out:
    zl_buf_cleanup(&locs);
    zl_buf_cleanup(&outs);
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

int zl_sqlite_events_query(zl_store *s, const struct zl_event_filter *f,
                           zl_event_cb cb, void *ctx)
{
    struct budget bud = {f, 0, 0};
    struct zl_query_sql *q = NULL;
    sqlite3_stmt *st = NULL;
    struct zl_buf scratch; /* compressed events' JSON */
    struct zl_buf hint;    /* the rule's condition (admits_sql) */
    struct zl_event_filter g = *f;
    int rc;

    if (f->deadline_ms && zl_time_now_ms() > f->deadline_ms)
        return ZL_ETIMEOUT; /* the budget is spent before the query starts */
    if (!(q = zl_malloc(sizeof *q)))
        return ZL_ENOMEM;
    zl_buf_init(&scratch, (size_t)64 << 20);
    zl_buf_init(&hint, (size_t)32 << 20);
    if (f->admits && f->keep && !point_lookup(f) &&
        !getenv("ZL_QUERY_NO_PUSHDOWN")) {
        if ((rc = admits_sql(s, f, &hint)))
            goto out;
        g.sql_and = hint.data;
    }
    if ((rc = broad_patterns(s, &g)) < 0 ||
        (rc = zl_query_sql_build_walk(q, &g, &DIALECT, rc)))
        goto out;
    if (sqlite3_prepare_v2(zl_sqlite_db(s), q->sql.data, -1, &st, NULL) !=
        SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
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
    {
        struct zl_stored_event ev;
        int src;

        if (f->deadline_ms || f->stop)
            sqlite3_progress_handler(zl_sqlite_db(s), PROGRESS_OPS, progress,
                                     &bud);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            if (f->keep) {
                /* the test before the JSON: a refused row costs no
                 * decompression */
                rc = zl_sqlite_row_event(s, st, &ev, NULL);
                if (!rc && (rc = f->keep(f->keep_ctx, &ev)) == 0)
                    continue;
                if (rc < 0)
                    goto out;
            }
            rc = zl_sqlite_row_event(s, st, &ev, &scratch);
            if (!rc)
                rc = cb(ctx, &ev);
            if (rc)
                goto out;
        }
        rc = src == SQLITE_DONE        ? 0
             : src == SQLITE_INTERRUPT ? (bud.rc ? bud.rc : ZL_ETIMEOUT)
             : src == SQLITE_BUSY || src == SQLITE_LOCKED ? ZL_EBUSY
                                                          : ZL_ESTORE;
    }
out:
    zl_buf_cleanup(&scratch);
    zl_buf_cleanup(&hint);
    sqlite3_progress_handler(zl_sqlite_db(s), 0, NULL, NULL);
    sqlite3_finalize(st);
    if (q)
        zl_query_sql_cleanup(q);
    zl_free(q);
    return rc;
}
