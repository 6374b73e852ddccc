/*
 * pg_query.c - zl_store_events_query on PostgreSQL: the SELECT that
 * query_sql.c builds for the filter (the SQLite backend runs the same
 * one, so both answer with the same rows in the same order), bound and
 * run here under the filter's work budget.
 *
 * The text is different for each filter, so it goes through
 * PQexecParams (one parse and plan per query, which the query's own work
 * dwarfs) with binary parameters and results, not through the prepared
 * statement cache of pg_conn.c, which is keyed by literal.
 *
 * A query with a small LIMIT (a page) is read in one result. Anything
 * larger (an export, verify's walk over every event) goes through a
 * cursor fetched PAGE rows at a time, so the client holds one page, not
 * the table. The cursor is WITH HOLD: outside a transaction the server
 * keeps the result for us, and the callback may run statements of its
 * own, even a transaction, between pages (a plain cursor would need a
 * transaction of ours that the callback's COMMIT would end).
 *
 * The budget: the statement is sent asynchronously and the socket polled
 * in short ticks; past deadline_ms, or when stop says so, the server is
 * asked to cancel it, as SQLite's progress handler interrupts a step.
 * A cancelled statement inside the caller's transaction aborts that
 * transaction (PostgreSQL has no statement-level interrupt): the caller
 * gets ZL_ETIMEOUT or stop's value and must roll back, as after any
 * failed statement here.
 *
 * A regulator's query (the filter's admits hint) with a key in the sites
 * index (schema 30, pg_sites.c) reads the candidates of its admitted
 * sites instead (sites_query, below); an enterprise's (schema 31) merges
 * them with its trade and custody candidates (pg_trade.c,
 * enterprise_cands.c), as on SQLite. The row test still decides every
 * row.
 *
 * Rejected: single-row mode (the callback could not use the connection
 * while rows stream in, and verify's callback does); internal keyset
 * paging (each page re-runs the identifier subqueries and, without an
 * (event_time, hash) index, a sort: quadratic on a broad filter).
 */
#include "store/pg_int.h"
#include "store/admitted_sites.h"
#include "store/enterprise_cands.h"
#include "store/query_sql.h"

#include "util/alloc.h"
#include "zhiliang/timefmt.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE    1000 /* rows per FETCH; a LIMIT up to this is one result */
#define TICK_MS 20   /* how often a running statement's budget is checked */

static const struct zl_query_dialect DIALECT = {
    .numbered = 1,
    .event_cols = ZL_PG_EVENT_COLS,
    .utf8_bounds = 1,
    .bytewise = " COLLATE \"C\"",
    .lead_order = 1,
};

/* The query's parameters in libpq's form. */
struct params {
    int n;
    const char *v[ZL_QUERY_MAX_BINDS];
    int len[ZL_QUERY_MAX_BINDS];
    int fmt[ZL_QUERY_MAX_BINDS];
    char num[ZL_QUERY_MAX_BINDS][24];
};

static void to_params(const struct zl_query_sql *q, struct params *p)
{
    p->n = q->n;
    for (int i = 0; i < q->n; i++) {
        const struct zl_query_bind *b = &q->binds[i];

        switch (b->kind) {
        case ZL_QB_TEXT: /* binary text is the bytes themselves */
            p->v[i] = b->len ? b->text : "";
            p->len[i] = (int)b->len;
            p->fmt[i] = 1;
            break;
        case ZL_QB_INT:
            snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)b->i);
            p->v[i] = p->num[i];
            p->len[i] = 0;
            p->fmt[i] = 0;
            break;
        case ZL_QB_HASH:
            p->v[i] = (const char *)b->blob;
            p->len[i] = 32;
            p->fmt[i] = 1;
            break;
        }
    }
}

/* Our error for a failed result (as pg_conn.c maps them). */
static int fail_rc(const PGresult *r)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    if (st &&
        (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03")))
        return ZL_EBUSY;
    if (st && !strcmp(st, "53200"))
        return ZL_ENOMEM;
    return ZL_ESTORE;
}

/* The budget's verdict now: 0 to go on, else the error to stop with. */
static int budget_spent(const struct zl_event_filter *f)
{
    int rc;

    if (f->deadline_ms && zl_time_now_ms() > f->deadline_ms)
        return ZL_ETIMEOUT;
    if (f->stop && (rc = f->stop(f->stop_ctx)) != 0)
        return rc;
    return 0;
}

/* Wait for the statement sent on c to finish, cancelling it when the
 * budget runs out. Returns 0 (results ready for PQgetResult) or the
 * budget's error (the statement cancelled and its results drained). */
static int wait_budget(PGconn *c, const struct zl_event_filter *f)
{
    int rc = 0;

    while (PQisBusy(c)) {
        struct pollfd pfd = {PQsocket(c), POLLIN, 0};

        if ((rc = budget_spent(f)))
            break;
        if (poll(&pfd, 1, TICK_MS) < 0 || !PQconsumeInput(c))
            return 0; /* the connection failed: PQgetResult says so */
    }
    if (rc) {
        PGcancel *cn = PQgetCancel(c);
        char why[128];
        PGresult *r;

        if (cn) {
            PQcancel(cn, why, sizeof why);
            PQfreeCancel(cn);
        }
        while ((r = PQgetResult(c)))
            PQclear(r);
    }
    return rc;
}

/* Run sql with p (NULL: none) under f's budget. Returns the result (binary;
 * PQclear it), or NULL with *rc set. */
static PGresult *run(zl_store *s, const char *sql, const struct params *p,
                     const struct zl_event_filter *f, int *rc)
{
    PGconn *c = zl_pg_of(s)->conn;
    PGresult *r = NULL, *next;

    *rc = 0;
    if (!f->deadline_ms && !f->stop) {
        r = p ? PQexecParams(c, sql, p->n, NULL, p->v, p->len, p->fmt, 1)
              : PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);
    } else {
        if ((*rc = budget_spent(f)))
            return NULL;
        if (!(p ? PQsendQueryParams(c, sql, p->n, NULL, p->v, p->len, p->fmt, 1)
                : PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 1))) {
            *rc = ZL_ESTORE;
            return NULL;
        }
        if ((*rc = wait_budget(c, f)))
            return NULL;
        r = PQgetResult(c);
        while ((next = PQgetResult(c)))
            PQclear(next);
    }
    if (!r || (PQresultStatus(r) != PGRES_TUPLES_OK &&
               PQresultStatus(r) != PGRES_COMMAND_OK)) {
        *rc = fail_rc(r);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Hand each row of r that f->keep keeps to cb. Returns 0, cb's value
 * or keep's error. The rows are the handle's batch meanwhile
 * (struct zl_pg_batch). */
static int each_row(zl_store *s, const PGresult *r,
                    const struct zl_event_filter *f, zl_event_cb cb, void *ctx)
{
    struct zl_pg_batch b;
    struct zl_stored_event ev;
    int rc = 0;

    zl_pg_batch_push(s, &b, r, 0); /* ZL_PG_EVENT_COLS: the hash first */
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        b.row = i;
        zl_pg_row_event(r, i, &ev);
        if (f->keep) {
            const char *json = ev.json;
            size_t len = ev.json_len;

            ev.json = NULL; /* as on SQLite: keep reads no JSON */
            ev.json_len = 0;
            if ((rc = f->keep(f->keep_ctx, &ev)) <= 0)
                continue; /* 0: skipped; an error ends the loop */
            ev.json = json;
            ev.json_len = len;
        }
        rc = cb(ctx, &ev);
    }
    zl_pg_batch_pop(s, &b);
    return rc;
}

/* The query through a cursor, PAGE rows at a time. */
static int by_cursor(zl_store *s, const struct zl_query_sql *q,
                     const struct params *p, const struct zl_event_filter *f,
                     zl_event_cb cb, void *ctx)
{
    /* unique among the queries running on this connection (a callback
     * may run a query of its own): the address of this one's text */
    char name[40], fetch[80], closer[64];
    struct zl_buf decl;
    PGresult *r;
    int rc, rows = PAGE;

    snprintf(name, sizeof name, "zl_q%lx", (unsigned long)(uintptr_t)q);
    snprintf(fetch, sizeof fetch, "FETCH FORWARD %d FROM %s", PAGE, name);
    snprintf(closer, sizeof closer, "CLOSE %s", name);
    zl_buf_init(&decl, (size_t)1 << 21);
    rc = zl_buf_printf(&decl, "DECLARE %s NO SCROLL CURSOR WITH HOLD FOR %s",
                       name, q->sql.data);
    if (rc) {
        zl_buf_cleanup(&decl);
        return rc;
    }
    r = run(s, decl.data, p, f, &rc);
    zl_buf_cleanup(&decl);
    if (!r)
        return rc;
    PQclear(r);
    while (!rc && rows == PAGE) {
        if (!(r = run(s, fetch, NULL, f, &rc)))
            break;
        rows = PQntuples(r);
        rc = each_row(s, r, f, cb, ctx);
        PQclear(r);
    }
    /* in a transaction the failure aborted, the cursor is gone with it */
    if (PQtransactionStatus(zl_pg_of(s)->conn) != PQTRANS_INERROR)
        PQclear(PQexec(zl_pg_of(s)->conn, closer));
    return rc;
}

/* ---- a regulator's pages through event_sites (schema 30) -------------------
 * The admitted sites' ranges for the filter's key (admitted_sites.h),
 * merged in time order by the server: one statement takes, from each
 * range, its first rows past the last candidate (LATERAL, LIMIT n), and
 * keeps the first n of them all, distinct (an event reached by two sites
 * is one candidate). The batch is read back by hash with the whole filter
 * and the plain query's order (time, then hash), each row through the row
 * test; the next batch starts just past the last candidate, in the same
 * (time, hash) order, so ties are never split and never repeated. Every
 * visible match is a candidate, so the pages are the plain query's. A
 * batch holds the page the caller takes (zl_event_filter.expect; else
 * FIRST_BATCH candidates), doubling up to LAST_BATCH
 * (ZL_QUERY_SITES_BATCH in the environment sets the first: the tests use
 * 1). Past MAX_SITES admitted sites the plain scan answers.
 * Rejected: SQLite's merge in C, one statement per range read (a round
 * trip for each of up to 2,048 ranges before the first row). */
#define MAX_SITES   2048
#define FIRST_BATCH 128
#define LAST_BATCH  8192

/* The read-back: the hashes are the way in, never a column's index. */
static const struct zl_query_dialect BY_HASH = {
    .numbered = 1,
    .event_cols = ZL_PG_EVENT_COLS,
    .utf8_bounds = 1,
    .bytewise = " COLLATE \"C\"",
    .lead_order = 0,
};

/* sql with p (zl_pg_params: arrays) under f's budget, as run. */
static PGresult *run_pg(zl_store *s, const char *sql,
                        const struct zl_pg_params *pp,
                        const struct zl_event_filter *f, int *rc)
{
    struct params *p = zl_malloc(sizeof *p);
    PGresult *r;

    if (!p) {
        *rc = ZL_ENOMEM;
        return NULL;
    }
    p->n = pp->n;
    for (int i = 0; i < pp->n; i++) {
        p->v[i] = pp->v[i];
        p->len[i] = pp->len[i];
        p->fmt[i] = pp->fmt[i];
    }
    r = run(s, sql, p, f, rc);
    zl_free(p);
    return r;
}

/* The filter's key in event_sites: 0 with *attr, *value (a site_vocab
 * number), 1 when it has none or its value is in no event, or an error. */
static int sites_key(zl_store *s, const struct zl_event_filter *f, int *attr,
                     int64_t *value)
{
    static const char SQL[] = "SELECT n FROM site_vocab WHERE v = $1::text";
    struct zl_pg_params p;
    const char *v = NULL;
    PGresult *r;
    int rc = zl_sites_key_of(f, attr, &v);

    *value = 0;
    if (rc || !v)
        return rc;
    zl_pg_params_init(&p);
    zl_pg_text(&p, v);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    if (PQntuples(r) == 1)
        *value = zl_pg_i64(r, 0, 0);
    else
        rc = 1;
    PQclear(r);
    return rc;
}

/* A candidate of a batch: its time and its event's hash. */
struct cand {
    int64_t t;
    uint8_t h[32];
};

/* <0, 0, >0 as x comes before, with or after y in the merge's order
 * (desc: newest first). */
static int cand_cmp(int64_t xt, const uint8_t *xh, int64_t yt,
                    const uint8_t *yh, int desc)
{
    int c = xt != yt ? (xt > yt) - (xt < yt) : memcmp(xh, yh, 32);

    return desc ? -c : c;
}

/* f answered through event_sites and, for an enterprise, its trade and
 * custody candidates (above): *used 1 when it answered (then the return
 * is 0, cb's value or an error), 0 when the plain query should (no key,
 * too many sites; 0 or an error). */
static int sites_query(zl_store *s, const struct zl_event_filter *f,
                       zl_event_cb cb, void *ctx, int *used)
{
    static const char ASC[] =
        "SELECT DISTINCT x.event_time, x.hash FROM unnest($1::bigint[])"
        " AS a(k), LATERAL (SELECT event_time, hash FROM event_sites"
        " WHERE k = a.k AND event_time >= $2::bigint"
        " AND event_time <= $3::bigint AND (event_time, hash) >"
        " ($2::bigint, $4::bytea) ORDER BY event_time, hash"
        " LIMIT $5::bigint) AS x ORDER BY 1, 2 LIMIT $5::bigint";
    static const char DESC[] =
        "SELECT DISTINCT x.event_time, x.hash FROM unnest($1::bigint[])"
        " AS a(k), LATERAL (SELECT event_time, hash FROM event_sites"
        " WHERE k = a.k AND event_time >= $2::bigint"
        " AND event_time <= $3::bigint AND (event_time, hash) <"
        " ($3::bigint, $4::bytea) ORDER BY event_time DESC, hash DESC"
        " LIMIT $5::bigint) AS x ORDER BY 1 DESC, 2 DESC LIMIT $5::bigint";
    static const uint8_t TOP[33] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct zl_admitted ad = {0};
    struct zl_cands_slice cust = {0};
    struct zl_event_filter g = *f;
    struct zl_query_sql *q = NULL;
    struct params *qp = NULL;
    struct zl_buf keys, hashes;
    struct cand *sb = NULL; /* the batch's sites candidates */
    uint8_t last[32];
    size_t last_len = 0, batch, ci = 0;
    int64_t value, lo = INT64_MIN, hi = INT64_MAX;
    int attr, rc, desc = f->order_desc, more;

    *used = 0;
    batch = zl_sites_first_batch(f, FIRST_BATCH);
    if ((rc = sites_key(s, f, &attr, &value)) != 0)
        return rc < 0 ? rc : 0;
    if ((rc = zl_sites_admitted(s, f, &zl_pg_sites_source, &ad)))
        return rc;
    if (ad.sites.n > MAX_SITES) {
        zl_admitted_cleanup(&ad);
        return 0;
    }
    *used = 1;
    zl_sites_bounds(f, desc, &lo, &hi);
    zl_buf_init(&keys, (size_t)1 << 20);
    zl_buf_init(&hashes, (size_t)8 << 20);
    /* an enterprise's trade and custody candidates, one stream
     * (ZL_QUERY_NO_TRADE_CUSTODY: the tests show that they matter) */
    if (f->admits_trade && !getenv("ZL_QUERY_NO_TRADE_CUSTODY") &&
        (rc = zl_cands_for(s, f, &zl_pg_cands_source, &ad, desc, lo, hi, attr,
                           value, &cust)))
        goto out;
    if (!(q = zl_calloc(1, sizeof *q)) || !(qp = zl_malloc(sizeof *qp))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    g.sql_and = NULL;
    g.limit = 0;
    more = ad.sites.n > 0;
    while (!rc && (more || ci < cust.n)) {
        size_t ns = 0, si = 0, taken = 0;
        int64_t last_t = 0;

        if (more) {
            struct zl_pg_params p;
            PGresult *r;

            zl_buf_reset(&keys);
            zl_pg_params_init(&p);
            rc = zl_pg_array_begin(&keys, ZL_PG_OID_INT8, ad.sites.n);
            for (size_t i = 0; i < ad.sites.n && !rc; i++)
                rc = zl_pg_array_i64(&keys,
                                     zl_sites_key(ad.sites.k[i], attr, value));
            if ((rc = zl_pg_array_end(&p, &keys, rc)))
                break;
            zl_pg_int(&p, lo);
            zl_pg_int(&p, hi);
            if (last_len)
                zl_pg_blob(&p, last, last_len);
            else
                zl_pg_blob(&p, desc ? TOP : (const uint8_t *)"", desc ? 33 : 0);
            zl_pg_int(&p, (int64_t)batch);
            if (!(r = run_pg(s, desc ? DESC : ASC, &p, f, &rc)))
                break;
            ns = (size_t)PQntuples(r);
            more = ns == batch;
            if (ns && !(sb = zl_realloc(sb, ns * sizeof *sb)))
                rc = ZL_ENOMEM;
            for (size_t i = 0; i < ns && !rc; i++) {
                if (zl_pg_len(r, (int)i, 1) != 32) {
                    rc = ZL_ESTORE;
                    break;
                }
                sb[i].t = zl_pg_i64(r, (int)i, 0);
                memcpy(sb[i].h, zl_pg_bytes(r, (int)i, 1), 32);
            }
            PQclear(r);
            if (rc)
                break;
        }
        /* the first batch candidates of the sites' and the trade and
         * custody stream, merged: the sites' next ones are all past the
         * last of this batch (there are batch of them up to it) */
        zl_buf_reset(&hashes);
        while (taken < batch && !rc) {
            const struct cand *x = si < ns ? &sb[si] : NULL;
            const uint8_t *h;
            int c = 0;

            if (ci < cust.n)
                c = x ? cand_cmp(x->t, x->h, cust.rows[ci][0],
                                 cust.names[cust.rows[ci][1]], desc)
                      : 1;
            else if (!x)
                break;
            if (c <= 0) {
                last_t = x->t;
                h = x->h;
                si++;
                if (!c)
                    ci++;
            } else {
                last_t = cust.rows[ci][0];
                h = cust.names[cust.rows[ci++][1]];
            }
            memcpy(last, h, 32);
            last_len = 32;
            rc = zl_buf_adds(&hashes, taken++ ? ",'\\x" : "'\\x");
            for (size_t j = 0; j < 32 && !rc; j++)
                rc = zl_buf_printf(&hashes, "%02x", h[j]);
            if (!rc)
                rc = zl_buf_addc(&hashes, '\'');
        }
        if (rc || !taken)
            break;
        if (si < ns)
            more = 1; /* read again past the last taken */
        if (desc)
            hi = last_t;
        else
            lo = last_t;
        if ((rc = zl_buf_addc(&hashes, '\0')))
            break;
        {
            char *in = zl_malloc(hashes.len + 16);
            PGresult *r;

            if (!in) {
                rc = ZL_ENOMEM;
                break;
            }
            snprintf(in, hashes.len + 16, "e.hash IN (%s)", hashes.data);
            g.sql_and = in;
            rc = zl_query_sql_build(q, &g, &BY_HASH);
            if (!rc) {
                to_params(q, qp);
                if ((r = run(s, q->sql.data, qp, f, &rc))) {
                    rc = each_row(s, r, f, cb, ctx);
                    PQclear(r);
                }
            }
            zl_query_sql_cleanup(q);
            zl_free(in);
            g.sql_and = NULL;
        }
        if (batch < LAST_BATCH)
            batch *= 2;
    }
out:
    zl_free(q);
    zl_free(qp);
    zl_free(sb);
    zl_buf_cleanup(&keys);
    zl_buf_cleanup(&hashes);
    zl_cands_slice_cleanup(&cust);
    zl_admitted_cleanup(&ad);
    return rc;
}

int zl_pg_events_query(zl_store *s, const struct zl_event_filter *f,
                       zl_event_cb cb, void *ctx)
{
    struct zl_query_sql *q = NULL;
    struct params *p = NULL;
    PGresult *r;
    int rc;

    if (f->deadline_ms && zl_time_now_ms() > f->deadline_ms)
        return ZL_ETIMEOUT; /* the budget is spent before the query starts */
    /* a regulator's or an enterprise's (ZL_QUERY_NO_PUSHDOWN and
     * ZL_QUERY_NO_SITES: the row test alone decides) */
    if (f->admits && f->keep && !getenv("ZL_QUERY_NO_PUSHDOWN") &&
        !getenv("ZL_QUERY_NO_SITES")) {
        int used = 0;

        rc = sites_query(s, f, cb, ctx, &used);
        if (rc || used)
            return rc;
    }
    q = zl_calloc(1, sizeof *q);
    p = zl_malloc(sizeof *p);
    if (!q || !p) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_query_sql_build(q, f, &DIALECT)))
        goto out;
    to_params(q, p);
    if (f->limit && f->limit <= PAGE) {
        if ((r = run(s, q->sql.data, p, f, &rc))) {
            rc = each_row(s, r, f, cb, ctx);
            PQclear(r);
        }
    } else {
        rc = by_cursor(s, q, p, f, cb, ctx);
    }
out:
    if (q)
        zl_query_sql_cleanup(q);
    zl_free(q);
    zl_free(p);
    return rc;
}
