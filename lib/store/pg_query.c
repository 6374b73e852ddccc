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
 * Rejected: single-row mode (the callback could not use the connection
 * while rows stream in, and verify's callback does); internal keyset
 * paging (each page re-runs the identifier subqueries and, without an
 * (event_time, hash) index, a sort: quadratic on a broad filter).
 */
#include "store/pg_int.h"
#include "store/query_sql.h"

#include "util/alloc.h"
#include "zhiliang/timefmt.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
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
 * or keep's error. */
static int each_row(const PGresult *r, const struct zl_event_filter *f,
                    zl_event_cb cb, void *ctx)
{
    struct zl_stored_event ev;
    int rc = 0;

    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
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
        rc = each_row(r, f, cb, ctx);
        PQclear(r);
    }
    /* in a transaction the failure aborted, the cursor is gone with it */
    if (PQtransactionStatus(zl_pg_of(s)->conn) != PQTRANS_INERROR)
        PQclear(PQexec(zl_pg_of(s)->conn, closer));
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
            rc = each_row(r, f, cb, ctx);
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
