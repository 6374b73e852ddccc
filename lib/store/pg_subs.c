/*
 * pg_subs.c - store_subs.h on PostgreSQL, the twin of sqlite_subs.c;
 * conventions in pg_int.h.
 *
 * Keys are text COLLATE "C" so listings come in the same bytewise order
 * as on SQLite. A taken name or id is ZL_EEXIST through ON CONFLICT DO
 * NOTHING and the affected-row count (an error would abort the
 * transaction). Reads take the whole (small) result before calling back,
 * so callbacks may use the store. The outbox's last seq flushes the rows
 * the handle holds back first.
 */
#include "store/pg_int.h"
#include "store/subs_ops.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS named_queries("
    " name text COLLATE \"C\" PRIMARY KEY, owner text NOT NULL,"
    " query text NOT NULL, created bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS subscriptions("
    " id text COLLATE \"C\" PRIMARY KEY, query_name text NOT NULL,"
    " owner text NOT NULL, dest text NOT NULL, secret text NOT NULL,"
    " spec text NOT NULL, created bigint NOT NULL, cursor bigint NOT NULL,"
    " pending bigint NOT NULL, notified bigint NOT NULL,"
    " last_error text NOT NULL DEFAULT '', error_at bigint NOT NULL"
    " DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS subs_records("
    " seq bigint PRIMARY KEY, entity text NOT NULL, leaf bigint NOT NULL,"
    " json text NOT NULL);";

static int subs_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

/* ---- named queries --------------------------------------------------------
 */

static int nq_put(zl_store *s, const struct zl_store_nq *q)
{
    static const char SQL[] =
        "INSERT INTO named_queries(name, owner, query, created)"
        " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, q->name);
    zl_pg_text(&p, q->owner ? q->owner : "");
    zl_pg_text(&p, q->query);
    zl_pg_int(&p, q->created_ms);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

static int nq_rows(PGresult *r, zl_store_nq_cb cb, void *ctx, int *found)
{
    struct zl_store_nq q;
    int rc = 0;

    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        q.name = zl_pg_str_or_empty(r, i, 0);
        q.owner = zl_pg_str_or_empty(r, i, 1);
        q.query = zl_pg_str_or_empty(r, i, 2);
        q.created_ms = zl_pg_i64(r, i, 3);
        if (found)
            *found = 1;
        rc = cb(ctx, &q);
    }
    PQclear(r);
    return rc;
}

static int nq_get(zl_store *s, const char *name, zl_store_nq_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT name, owner, query, created FROM"
                              " named_queries WHERE name = $1";
    struct zl_pg_params p;
    PGresult *r;
    int rc, found = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, name);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = nq_rows(r, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int nq_list(zl_store *s, const char *owner, zl_store_nq_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT name, owner, query, created FROM named_queries"
        " WHERE $1::text IS NULL OR owner = $1::text ORDER BY name";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, owner);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    return nq_rows(r, cb, ctx, NULL);
}

static int nq_delete(zl_store *s, const char *name)
{
    static const char DEL_SUBS[] =
        "DELETE FROM subscriptions WHERE query_name = $1";
    static const char DEL[] = "DELETE FROM named_queries WHERE name = $1";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, name);
    if ((rc = zl_pg_do(s, DEL_SUBS, &p, NULL)) ||
        (rc = zl_pg_do(s, DEL, &p, &n)))
        return rc;
    return n ? 0 : ZL_ENOTFOUND;
}

/* ---- subscriptions --------------------------------------------------------
 */

static int sub_put(zl_store *s, const struct zl_store_sub *r)
{
    static const char SQL[] =
        "INSERT INTO subscriptions(id, query_name, owner, dest, secret, spec,"
        " created, cursor, pending, notified)"
        " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, r->id);
    zl_pg_text(&p, r->query_name);
    zl_pg_text(&p, r->owner ? r->owner : "");
    zl_pg_text(&p, r->dest);
    zl_pg_text(&p, r->secret ? r->secret : "");
    zl_pg_text(&p, r->spec);
    zl_pg_int(&p, r->created_ms);
    zl_pg_int(&p, r->cursor);
    zl_pg_int(&p, r->pending);
    zl_pg_int(&p, r->notified_ms);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

static int sub_rows(PGresult *r, zl_store_sub_cb cb, void *ctx, int *found)
{
    struct zl_store_sub x;
    int rc = 0;

    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        x.id = zl_pg_str_or_empty(r, i, 0);
        x.query_name = zl_pg_str_or_empty(r, i, 1);
        x.owner = zl_pg_str_or_empty(r, i, 2);
        x.dest = zl_pg_str_or_empty(r, i, 3);
        x.secret = zl_pg_str_or_empty(r, i, 4);
        x.spec = zl_pg_str_or_empty(r, i, 5);
        x.created_ms = zl_pg_i64(r, i, 6);
        x.cursor = zl_pg_i64(r, i, 7);
        x.pending = zl_pg_i64(r, i, 8);
        x.notified_ms = zl_pg_i64(r, i, 9);
        x.last_error = zl_pg_str_or_empty(r, i, 10);
        x.error_ms = zl_pg_i64(r, i, 11);
        if (found)
            *found = 1;
        rc = cb(ctx, &x);
    }
    PQclear(r);
    return rc;
}

#define SUB_COLS                                                               \
    "SELECT id, query_name, owner, dest, secret, spec, created, cursor,"       \
    " pending, notified, last_error, error_at FROM subscriptions"

static int sub_get(zl_store *s, const char *id, zl_store_sub_cb cb, void *ctx)
{
    static const char SQL[] = SUB_COLS " WHERE id = $1";
    struct zl_pg_params p;
    PGresult *r;
    int rc, found = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = sub_rows(r, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int sub_list(zl_store *s, const char *query_name, zl_store_sub_cb cb,
                    void *ctx)
{
    static const char SQL[] = SUB_COLS " WHERE $1::text IS NULL OR"
                                       " query_name = $1::text ORDER BY id";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, query_name);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    return sub_rows(r, cb, ctx, NULL);
}

static int sub_delete(zl_store *s, const char *id)
{
    static const char SQL[] = "DELETE FROM subscriptions WHERE id = $1";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_ENOTFOUND;
}

static int sub_progress(zl_store *s, const char *id, int64_t cursor,
                        int64_t pending, int64_t notified_ms)
{
    static const char SQL[] =
        "UPDATE subscriptions SET cursor = $2::bigint, pending = $3::bigint,"
        " notified = CASE WHEN $4::bigint = 0 THEN notified ELSE $4::bigint"
        " END, last_error = CASE WHEN $4::bigint = 0 THEN last_error ELSE ''"
        " END, error_at = CASE WHEN $4::bigint = 0 THEN error_at ELSE 0 END"
        " WHERE id = $1";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    zl_pg_int(&p, cursor);
    zl_pg_int(&p, pending);
    zl_pg_int(&p, notified_ms);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_ENOTFOUND;
}

static int sub_error(zl_store *s, const char *id, const char *why,
                     int64_t at_ms)
{
    static const char SQL[] = "UPDATE subscriptions SET last_error = $2,"
                              " error_at = $3 WHERE id = $1";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    zl_pg_text(&p, why);
    zl_pg_int(&p, at_ms);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_ENOTFOUND;
}

static int upgrade(zl_store *s)
{
    return zl_pg_exec(s, "ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS"
                         " last_error text NOT NULL DEFAULT '';"
                         "ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS"
                         " error_at bigint NOT NULL DEFAULT 0;");
}

static int outbox_last(zl_store *s, int64_t *seq)
{
    static const char SQL[] = "SELECT COALESCE(MAX(seq), 0)::bigint FROM"
                              " outbox";
    int rc = zl_pg_flush(s);

    return rc ? rc : zl_pg_get_i64(s, SQL, NULL, seq);
}

/* ---- logged records -------------------------------------------------------
 * The log's rows are held back until commit (pg_int.h), but nothing here
 * reads them: a record's leaf index is known when it is appended.
 */

static int rec_next(zl_store *s, int64_t *seq)
{
    static const char SQL[] = "SELECT (COALESCE(MAX(seq), 0) + 1)::bigint"
                              " FROM subs_records";

    return zl_pg_get_i64(s, SQL, NULL, seq);
}

static int rec_put(zl_store *s, const struct zl_store_subs_rec *r)
{
    static const char SQL[] =
        "INSERT INTO subs_records(seq, entity, leaf, json)"
        " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_int(&p, r->seq);
    zl_pg_text(&p, r->entity);
    zl_pg_int(&p, r->leaf);
    zl_pg_text(&p, r->json);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

static int rec_rows(PGresult *r, zl_store_subs_rec_cb cb, void *ctx, int *found)
{
    struct zl_store_subs_rec x;
    int rc = 0;

    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        x.seq = zl_pg_i64(r, i, 0);
        x.entity = zl_pg_str_or_empty(r, i, 1);
        x.leaf = zl_pg_i64(r, i, 2);
        x.json = zl_pg_str_or_empty(r, i, 3);
        if (found)
            *found = 1;
        rc = cb(ctx, &x);
    }
    PQclear(r);
    return rc;
}

static int rec_get(zl_store *s, int64_t seq, zl_store_subs_rec_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT seq, entity, leaf, json FROM"
                              " subs_records WHERE seq = $1";
    struct zl_pg_params p;
    PGresult *r;
    int rc, found = 0;

    zl_pg_params_init(&p);
    zl_pg_int(&p, seq);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = rec_rows(r, cb, ctx, &found);
    return rc ? rc : found ? 0 : ZL_ENOTFOUND;
}

static int rec_list(zl_store *s, zl_store_subs_rec_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT seq, entity, leaf, json FROM"
                              " subs_records ORDER BY seq";
    PGresult *r;
    int rc;

    if (!(r = zl_pg_run(s, SQL, NULL, &rc)))
        return rc;
    return rec_rows(r, cb, ctx, NULL);
}

const struct zl_store_subs_ops zl_pg_subs_ops = {
    .base = {.name = "subscriptions", .schema = subs_schema},
    .nq_put = nq_put,
    .nq_get = nq_get,
    .nq_list = nq_list,
    .nq_delete = nq_delete,
    .sub_put = sub_put,
    .sub_get = sub_get,
    .sub_list = sub_list,
    .sub_delete = sub_delete,
    .sub_progress = sub_progress,
    .outbox_last = outbox_last,
    .sub_error = sub_error,
    .upgrade = upgrade,
    .rec_next = rec_next,
    .rec_put = rec_put,
    .rec_get = rec_get,
    .rec_list = rec_list,
};
