/*
 * pg_audit.c - store_audit.h on PostgreSQL: the lookups and counts that
 * let verify compare the derived tables with the records, and the
 * clearing that lets reindex rebuild them. The twin of sqlite_audit.c;
 * conventions in pg_int.h.
 *
 * The module keeps no tables of its own: it reads and clears those of the
 * core (event_ids, event_refs), of the signed documents (signed_docs,
 * event_docs) and of recall cases (recall_cases, recall_ids), under the
 * same names and columns as on SQLite. Counts are count(*), a bigint.
 * Every document is read in doc_hash order (SQLite reads its rowid order,
 * which PostgreSQL has no twin of; the callers do not depend on it).
 *
 * Rejected: TRUNCATE for derived_clear. It is faster on big tables but
 * takes an ACCESS EXCLUSIVE lock that blocks every reader until reindex
 * commits, where DELETE lets readers keep their snapshot.
 */
#include "store/pg_int.h"

#include "util/alloc.h"

#include <string.h>

/* The count sql answers into *out. */
static int count(zl_store *s, const char *sql, uint64_t *out)
{
    int64_t v = 0;
    int rc = zl_pg_get_i64(s, sql, NULL, &v);

    *out = (uint64_t)v;
    return rc;
}

static int derived_counts(zl_store *s, struct zl_store_derived_counts *c)
{
    static const char IDS[] = "SELECT count(*) FROM event_ids";
    static const char REFS[] = "SELECT count(*) FROM event_refs";
    static const char LINKS[] = "SELECT count(*) FROM event_docs";
    static const char DOCS[] = "SELECT count(*) FROM signed_docs";
    static const char CASES[] = "SELECT count(*) FROM recall_cases";
    static const char RIDS[] = "SELECT count(*) FROM recall_ids";
    int rc = count(s, IDS, &c->id_rows);

    if (!rc)
        rc = count(s, REFS, &c->ref_rows);
    if (!rc)
        rc = count(s, LINKS, &c->doc_links);
    if (!rc)
        rc = count(s, DOCS, &c->signed_docs);
    if (!rc)
        rc = count(s, CASES, &c->recall_cases);
    if (!rc)
        rc = count(s, RIDS, &c->recall_ids);
    return rc;
}

/* ---- identifier rows, read ahead ---------------------------------------
 * verify asks for each identifier row of each event (about ten an event
 * in the demo), a round trip each. While a walk's batch is in hand, the
 * rows its events' identifier lists (events.ids, read ahead too) say they
 * have are asked in one statement, answered whether found or not; a row
 * the list does not name (events.ids altered, or the question is about
 * another event) is read alone as before. */

/* The keys asked: each (id, time, hash, role) of the events read ahead. */
struct asked {
    char **ids;
    int64_t *time, *role;
    uint8_t (*hash)[32];
    size_t n, cap[4];
};

static int asked_cb(void *ctx, const struct zl_id_row *row)
{
    struct asked *a = ctx;
    size_t need = a->n + 1;

    if (zl_grow((void **)&a->ids, &a->cap[0], need, sizeof *a->ids, 256,
                NULL) ||
        zl_grow((void **)&a->time, &a->cap[1], need, sizeof *a->time, 256,
                NULL) ||
        zl_grow((void **)&a->role, &a->cap[2], need, sizeof *a->role, 256,
                NULL) ||
        zl_grow((void **)&a->hash, &a->cap[3], need, sizeof *a->hash, 256,
                NULL) ||
        !(a->ids[a->n] = zl_strdup(row->id)))
        return ZL_ENOMEM;
    a->time[a->n] = row->event_time_ms;
    a->role[a->n] = (int64_t)row->role;
    memcpy(a->hash[a->n], row->hash, 32);
    a->n++;
    return 0;
}

/* $1..$4: ids, times, hashes and roles of every identifier row that the
 * lists of the events read ahead with the one named name give. */
static int bind_asked(zl_store *s, const void *name, struct zl_pg_params *p,
                      struct zl_buf *arr)
{
    struct asked a;
    PGresult *r;
    int lo, hi, done,
        rc = zl_pg_ahead(s, ZL_PG_AHEAD_IDS, ZL_PG_IDS_AHEAD, name, &r, &lo,
                         &hi, &done);

    memset(&a, 0, sizeof a);
    if (!rc && !done)
        rc = ZL_ESTORE; /* cannot be: name is the row under test */
    if (!rc)
        rc = zl_pg_ids_to_cb(r, 0, PQntuples(r), ZL_ID_ROLES_ALL, asked_cb, &a);
    if (!rc)
        rc = zl_pg_text_array(p, &arr[0], (const char *const *)a.ids, a.n);
    if (!rc)
        rc = zl_pg_i64_array(p, &arr[1], a.time, a.n);
    if (!rc)
        rc = zl_pg_hash_array(p, &arr[2], (const uint8_t(*)[32])a.hash, a.n);
    if (!rc)
        rc = zl_pg_i64_array(p, &arr[3], a.role, a.n);
    for (size_t i = 0; i < a.n; i++)
        zl_free(a.ids[i]);
    zl_free(a.ids);
    zl_free(a.time);
    zl_free(a.role);
    zl_free(a.hash);
    return rc;
}

/* Row i of r (type, action, record_time, qty, uom from column col) as the
 * identifier row id of (time, hash, role), to cb. */
static int id_row_to_cb(const PGresult *r, int i, int col, const char *id,
                        int64_t event_time_ms, const uint8_t hash[32],
                        enum zl_id_role role, zl_id_cb cb, void *ctx)
{
    struct zl_id_row row;

    memset(&row, 0, sizeof row);
    row.id = id;
    row.role = role;
    memcpy(row.hash, hash, 32);
    row.event_time_ms = event_time_ms;
    row.type = (enum zl_event_type)zl_pg_i64(r, i, col);
    row.action = (enum zl_action)zl_pg_i64(r, i, col + 1);
    row.record_time_ms = zl_pg_i64(r, i, col + 2);
    row.has_quantity = !zl_pg_isnull(r, i, col + 3);
    row.quantity = row.has_quantity ? zl_pg_f64(r, i, col + 3) : 0;
    row.uom = zl_pg_str(r, i, col + 4);
    return cb(ctx, &row);
}

/* id_row_get from the rows asked ahead: *done = 0 when the key was not
 * asked. */
static int id_row_ahead(zl_store *s, const char *id, int64_t event_time_ms,
                        const uint8_t hash[32], enum zl_id_role role,
                        zl_id_cb cb, void *ctx, int *done)
{
    static const char AHEAD[] =
        "SELECT q.h, q.id, q.t, q.r, i.type, i.action, i.record_time,"
        " i.qty, i.uom, i.id IS NOT NULL"
        " FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bigint[])"
        " AS q(id, t, h, r) LEFT JOIN event_ids i ON i.id = q.id"
        " AND i.event_time = q.t AND i.hash = q.h AND i.role = q.r"
        " ORDER BY q.h";
    PGresult *r;
    int lo, hi,
        rc = zl_pg_ahead_with(s, ZL_PG_AHEAD_ID_ROWS, AHEAD, bind_asked, hash,
                              &r, &lo, &hi, done);

    if (rc || !*done)
        return rc;
    for (int i = lo; i < hi; i++)
        if (zl_pg_i64(r, i, 2) == event_time_ms &&
            zl_pg_i64(r, i, 3) == (int64_t)role &&
            !strcmp(zl_pg_str_or_empty(r, i, 1), id))
            return zl_pg_i64(r, i, 9) ? id_row_to_cb(r, i, 4, id, event_time_ms,
                                                     hash, role, cb, ctx)
                                      : ZL_ENOTFOUND;
    *done = 0; /* not asked */
    return 0;
}

static int id_row_get(zl_store *s, const char *id, int64_t event_time_ms,
                      const uint8_t hash[32], enum zl_id_role role, zl_id_cb cb,
                      void *ctx)
{
    static const char SQL[] =
        "SELECT type, action, record_time, qty, uom FROM event_ids"
        " WHERE id = $1 AND event_time = $2 AND hash = $3 AND role = $4";
    struct zl_pg_params p;
    PGresult *r;
    int done,
        rc = id_row_ahead(s, id, event_time_ms, hash, role, cb, ctx, &done);

    if (rc || done)
        return rc;
    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    zl_pg_int(&p, event_time_ms);
    zl_pg_blob(&p, hash, 32);
    zl_pg_int(&p, (int64_t)role);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = PQntuples(r) == 1
             ? id_row_to_cb(r, 0, 0, id, event_time_ms, hash, role, cb, ctx)
             : ZL_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int signed_docs_all(zl_store *s, zl_store_doc_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT doc_hash, party, signature, doc"
                              " FROM signed_docs ORDER BY doc_hash";
    int rc;
    PGresult *r = zl_pg_run(s, SQL, NULL, &rc);

    if (!r)
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        uint8_t h[32];

        zl_pg_hash(r, i, 0, h); /* a damaged hash shows as a mismatch */
        rc = cb(ctx, h, zl_pg_str(r, i, 1), zl_pg_str(r, i, 2),
                (const char *)zl_pg_bytes(r, i, 3), zl_pg_len(r, i, 3));
    }
    PQclear(r);
    return rc;
}

static int doc_link_exists(zl_store *s, const uint8_t event_hash[32],
                           const uint8_t doc_hash[32])
{
    static const char SQL[] = "SELECT 1 FROM event_docs"
                              " WHERE event_hash = $1 AND doc_hash = $2";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_blob(&p, event_hash, 32);
    zl_pg_blob(&p, doc_hash, 32);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    rc = PQntuples(r) > 0;
    PQclear(r);
    return rc;
}

static int derived_clear(zl_store *s)
{
    /* the trade index first: the references' delete trigger then finds
     * no rows to remove */
    int rc = zl_pg_trade_clear(s);

    if (!rc)
        rc = zl_pg_exec(s, "DELETE FROM event_ids; DELETE FROM event_refs;"
                           " DELETE FROM event_docs; DELETE FROM recall_ids;"
                           " DELETE FROM recall_cases");

    return rc ? rc : zl_pg_sites_clear(s);
}

static int recall_ids_of(zl_store *s, const char *case_id,
                         int (*cb)(void *ctx, const char *id), void *ctx)
{
    static const char SQL[] = "SELECT id FROM recall_ids WHERE case_id = $1"
                              " ORDER BY id";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, case_id);
    return zl_pg_each_text(s, SQL, &p, cb, ctx);
}

const struct zl_store_audit_ops zl_pg_audit_ops = {
    .base = {.name = "audit", .schema = NULL},
    .derived_counts = derived_counts,
    .id_row_get = id_row_get,
    .signed_docs_all = signed_docs_all,
    .doc_link_exists = doc_link_exists,
    .derived_clear = derived_clear,
    .event_replace = zl_pg_event_replace,
    .recall_ids_of = recall_ids_of,
    .sites_check = zl_pg_sites_check,
    .trade_check = zl_pg_trade_check,
};
