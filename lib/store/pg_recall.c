/*
 * pg_recall.c - store_recall.h on PostgreSQL: a recall case's logged
 * records, its summary row and the index of the identifiers it covers.
 * The twin of sqlite_recall.c; conventions in pg_int.h.
 *
 * Schema: the SQLite tables with PostgreSQL types and the same primary
 * keys. recall_records(case_id, seq) holds each step's canonical JSON
 * text: the case UUID is the distribution key (every read of a case is by
 * it) and seq, chosen by lib/recall, orders the steps, so there is no
 * sequence object. recall_cases(case_id) is the summary the listings read.
 * recall_ids(id, case_id) answers "is this identifier under recall?" with
 * one primary-key descent. The keys lead with what every read gives
 * (case_id; id), so the tables can be distributed by it, and there are no
 * foreign keys.
 *
 * A record put twice is ZL_EEXIST through ON CONFLICT DO NOTHING and the
 * affected-row count, not a failing INSERT (which would abort the
 * PostgreSQL transaction). Key columns are text COLLATE "C", like
 * event_ids.id: rows come in SQLite's bytewise order whatever the
 * database's collation, and recall_ids.id compares with event_ids.id.
 *
 * Rejected, as on SQLite: a case's state in mutable columns of its own
 * (the state is replayed from the logged records; the summary row is
 * derived and rebuilt by reindex).
 */
#include "store/pg_int.h"

#include "util/alloc.h"

#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS recall_records("
    " case_id text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " kind text NOT NULL, json text NOT NULL, PRIMARY KEY(case_id, seq));"
    "CREATE TABLE IF NOT EXISTS recall_cases("
    " case_id text COLLATE \"C\" PRIMARY KEY, status text NOT NULL,"
    " reason text NOT NULL,"
    " hazard text NOT NULL, opened_ms bigint NOT NULL,"
    " closed_ms bigint NOT NULL DEFAULT 0, lots text NOT NULL,"
    " gtins text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS recall_ids("
    " id text COLLATE \"C\" NOT NULL, case_id text COLLATE \"C\" NOT NULL,"
    " PRIMARY KEY(id, case_id));";

static int recall_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static int record_put(zl_store *s, const char *case_id, long seq,
                      const char *kind, const char *json, size_t len)
{
    static const char SQL[] =
        "INSERT INTO recall_records(case_id, seq, kind, json)"
        " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, case_id);
    zl_pg_int(&p, seq);
    zl_pg_text(&p, kind);
    zl_pg_textn(&p, json, len);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

static int record_get(zl_store *s, const char *case_id, long seq, char **json,
                      size_t *len)
{
    static const char SQL[] = "SELECT json FROM recall_records"
                              " WHERE case_id = $1 AND seq = $2";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, case_id);
    zl_pg_int(&p, seq);
    return zl_pg_get_value(s, SQL, &p, json, len);
}

static int records(zl_store *s, const char *case_id,
                   zl_store_recall_record_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT seq, kind, json FROM recall_records"
                              " WHERE case_id = $1 ORDER BY seq";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, case_id);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
        rc = cb(ctx, (long)zl_pg_i64(r, i, 0), zl_pg_str_or_empty(r, i, 1),
                zl_pg_str_or_empty(r, i, 2), zl_pg_len(r, i, 2));
    PQclear(r);
    return rc;
}

static int all_keys(zl_store *s, zl_store_recall_key_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT case_id, seq FROM recall_records"
                              " ORDER BY case_id, seq";
    PGresult *r;
    int rc;

    /* the whole result is in memory: cb may run other recall queries */
    if (!(r = zl_pg_run(s, SQL, NULL, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
        rc = cb(ctx, zl_pg_str_or_empty(r, i, 0), (long)zl_pg_i64(r, i, 1));
    PQclear(r);
    return rc;
}

static int last_seq(zl_store *s, const char *case_id, long *seq)
{
    int64_t v = 0;
    int rc = zl_pg_get_i64_text(s,
                                "SELECT coalesce(max(seq), 0) FROM"
                                " recall_records WHERE case_id = $1",
                                case_id, &v);

    if (!rc)
        *seq = (long)v;
    return rc;
}

static int case_put(zl_store *s, const struct zl_store_recall_case *c)
{
    static const char SQL[] =
        "INSERT INTO recall_cases(case_id, status, reason, hazard, opened_ms,"
        " closed_ms, lots, gtins) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT(case_id) DO UPDATE SET status = excluded.status,"
        " reason = excluded.reason, hazard = excluded.hazard,"
        " opened_ms = excluded.opened_ms, closed_ms = excluded.closed_ms,"
        " lots = excluded.lots, gtins = excluded.gtins";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, c->case_id);
    zl_pg_text(&p, c->status);
    zl_pg_text(&p, c->reason);
    zl_pg_text(&p, c->hazard_class);
    zl_pg_int(&p, c->opened_ms);
    zl_pg_int(&p, c->closed_ms);
    zl_pg_text(&p, c->lots_json);
    zl_pg_text(&p, c->gtins_json);
    return zl_pg_do(s, SQL, &p, NULL);
}

#define CASE_COLS                                                              \
    "c.case_id, c.status, c.reason, c.hazard, c.opened_ms,"                    \
    " c.closed_ms, c.lots, c.gtins"

/* Run sql (rows of CASE_COLS) and call cb (may be NULL) per case; *found
 * counts them. */
static int each_case(zl_store *s, const char *sql, const struct zl_pg_params *p,
                     zl_store_recall_case_cb cb, void *ctx, int *found)
{
    int rc;
    PGresult *r = zl_pg_run(s, sql, p, &rc);

    if (!r)
        return rc;
    *found = PQntuples(r);
    for (int i = 0, n = PQntuples(r); i < n && cb && !rc; i++) {
        struct zl_store_recall_case c = {
            zl_pg_str_or_empty(r, i, 0), zl_pg_str_or_empty(r, i, 1),
            zl_pg_str_or_empty(r, i, 2), zl_pg_str_or_empty(r, i, 3),
            zl_pg_i64(r, i, 4),          zl_pg_i64(r, i, 5),
            zl_pg_str_or_empty(r, i, 6), zl_pg_str_or_empty(r, i, 7)};

        rc = cb(ctx, &c);
    }
    PQclear(r);
    return rc;
}

static int case_list(zl_store *s, const char *case_id, int open_only,
                     zl_store_recall_case_cb cb, void *ctx)
{
    static const char ONE[] = "SELECT " CASE_COLS " FROM recall_cases c"
                              " WHERE c.case_id = $1";
    static const char ALL[] = "SELECT " CASE_COLS " FROM recall_cases c"
                              " WHERE ($1::bigint = 0 OR c.status = 'open')"
                              " ORDER BY c.opened_ms DESC, c.case_id";
    struct zl_pg_params p;
    int rc, found = 0;

    zl_pg_params_init(&p);
    if (case_id)
        zl_pg_text(&p, case_id);
    else
        zl_pg_int(&p, open_only ? 1 : 0);
    rc = each_case(s, case_id ? ONE : ALL, &p, cb, ctx, &found);
    if (!rc && case_id && !found)
        return ZL_ENOTFOUND;
    return rc;
}

static int ids_put(zl_store *s, const char *case_id, const char *const *ids,
                   size_t n)
{
    static const char SQL[] = "INSERT INTO recall_ids(id, case_id)"
                              " VALUES($1, $2) ON CONFLICT DO NOTHING";
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        struct zl_pg_params p;

        zl_pg_params_init(&p);
        zl_pg_text(&p, ids[i]);
        zl_pg_text(&p, case_id);
        rc = zl_pg_do(s, SQL, &p, NULL);
    }
    return rc;
}

static int cases_for_id(zl_store *s, const char *id, zl_store_recall_case_cb cb,
                        void *ctx)
{
    static const char SQL[] = "SELECT " CASE_COLS " FROM recall_ids i"
                              " JOIN recall_cases c ON c.case_id = i.case_id"
                              " WHERE i.id = $1 AND c.status = 'open'"
                              " ORDER BY c.opened_ms DESC, c.case_id";
    struct zl_pg_params p;
    int found = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    return each_case(s, SQL, &p, cb, ctx, &found);
}

static int cases_with_id(zl_store *s, const char *id,
                         zl_store_recall_case_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " CASE_COLS " FROM recall_ids i"
                              " JOIN recall_cases c ON c.case_id = i.case_id"
                              " WHERE i.id = $1"
                              " ORDER BY c.opened_ms DESC, c.case_id";
    struct zl_pg_params p;
    int found = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    return each_case(s, SQL, &p, cb, ctx, &found);
}

const struct zl_store_recall_ops zl_pg_recall_ops = {
    .base = {.name = "recall", .schema = recall_schema},
    .record_put = record_put,
    .record_get = record_get,
    .records = records,
    .all_keys = all_keys,
    .last_seq = last_seq,
    .case_put = case_put,
    .case_list = case_list,
    .ids_put = ids_put,
    .cases_for_id = cases_for_id,
    .cases_with_id = cases_with_id,
};
