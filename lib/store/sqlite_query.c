/*
 * sqlite_query.c - zl_store_events_query on SQLite: the SELECT that
 * query_sql.c builds for the filter, bound and stepped here under the
 * filter's work budget (SQLite's progress handler).
 */
#include "store/sqlite_int.h"
#include "util/buf.h"
#include "store/query_sql.h"

#include "util/alloc.h"
#include "zhiliang/timefmt.h"

static const struct zl_query_dialect DIALECT = {
    .numbered = 0,
    .event_cols = ZL_SQLITE_EVENT_COLS,
    .utf8_bounds = 0,
    .bytewise = "", /* BINARY is the default collation */
    .lead_order = 0,
    .vocab = 1,
};

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
    int rc;

    if (f->deadline_ms && zl_time_now_ms() > f->deadline_ms)
        return ZL_ETIMEOUT; /* the budget is spent before the query starts */
    if (!(q = zl_malloc(sizeof *q)))
        return ZL_ENOMEM;
    zl_buf_init(&scratch, (size_t)64 << 20);
    if ((rc = zl_query_sql_build(q, f, &DIALECT)))
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
    sqlite3_progress_handler(zl_sqlite_db(s), 0, NULL, NULL);
    sqlite3_finalize(st);
    if (q)
        zl_query_sql_cleanup(q);
    zl_free(q);
    return rc;
}
