/*
 * sqlite_tix.c - the persistent trace index's tables on SQLite (the
 * operations of backend.h's zl_store_tix_ops; formats in tix.c).
 *
 * All three are rowid tables keyed by their integer id, so a read is a
 * primary-key seek and a chunk range is one B-tree walk; trace_keys has
 * one more index, on the FNV hash of the key. Batches are loops over one
 * cached statement: in-process SQLite pays no round trip per row.
 *
 * The index borrows the store's interned identifiers (schema 20): idents
 * (number <-> code, read as ZL_TIX_IDENTS with each code decoded here to
 * its text), event_occ (an identifier's
 * occurrences, one range of its clustered primary key) and events.rid
 * (an event's number; its hash read beside its record, as
 * ZL_TIX_EVENTS_HASHED).
 */
#include "store/sqlite_int.h"

#include "store/ident_code.h"
#include "util/alloc.h"
#include "util/sort.h"

#include <stdlib.h>
#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS trace_keys(kid INTEGER PRIMARY KEY,"
    " h INTEGER NOT NULL, key TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS trace_keys_h ON trace_keys(h);"
    "CREATE TABLE IF NOT EXISTS trace_events(eid INTEGER PRIMARY KEY,"
    " rec BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS trace_adj(id INTEGER PRIMARY KEY,"
    " rows BLOB NOT NULL);";

static int tix_schema(zl_store *s)
{
    return zl_sqlite_exec(s, SCHEMA);
}

/* The statements of each table, indexed by enum zl_tix_table. */
static const char *const RANGE[] = {
    "SELECT kid, h, key FROM trace_keys WHERE kid BETWEEN ?1 AND ?2"
    " ORDER BY kid",
    "SELECT eid, 0, rec FROM trace_events WHERE eid BETWEEN ?1 AND ?2"
    " ORDER BY eid",
    "SELECT id, 0, rows FROM trace_adj WHERE id BETWEEN ?1 AND ?2"
    " ORDER BY id",
    "SELECT n, 0, code FROM idents WHERE n BETWEEN ?1 AND ?2 ORDER BY n",
    "SELECT x.eid, 0, x.rec, e.hash FROM trace_events x JOIN events e"
    " ON e.rid = x.eid WHERE x.eid BETWEEN ?1 AND ?2 ORDER BY x.eid"};
static const char *const LAST[] = {
    "SELECT kid, h, key FROM trace_keys WHERE kid BETWEEN ?1 AND ?2"
    " ORDER BY kid DESC LIMIT 1",
    "SELECT eid, 0, rec FROM trace_events WHERE eid BETWEEN ?1 AND ?2"
    " ORDER BY eid DESC LIMIT 1",
    "SELECT id, 0, rows FROM trace_adj WHERE id BETWEEN ?1 AND ?2"
    " ORDER BY id DESC LIMIT 1",
    "SELECT n, 0, code FROM idents WHERE n BETWEEN ?1 AND ?2"
    " ORDER BY n DESC LIMIT 1",
    "SELECT x.eid, 0, x.rec, e.hash FROM trace_events x JOIN events e"
    " ON e.rid = x.eid WHERE x.eid BETWEEN ?1 AND ?2"
    " ORDER BY x.eid DESC LIMIT 1"};
static const char *const PUT[] = {
    "INSERT OR REPLACE INTO trace_keys(kid, h, key) VALUES(?1, ?2, ?3)",
    "INSERT OR REPLACE INTO trace_events(eid, rec) VALUES(?1, ?3)",
    "INSERT OR REPLACE INTO trace_adj(id, rows) VALUES(?1, ?3)"};
static const char *const MAX[] = {"SELECT max(kid) FROM trace_keys",
                                  "SELECT max(eid) FROM trace_events",
                                  "SELECT max(id) FROM trace_adj"};

/* Step st to its end, calling cb with each (id, h, bytes) row; resets.
 * With text (idents' rows), a BLOB code is given as its identifier's
 * text, decoded into text (the view idents_text does the same in SQL, but
 * a statement naming it parses the view's long CASE: ~0.5M instructions
 * a statement on a new handle, and SQL string building a row). */
static int each_row(sqlite3_stmt *st, struct zl_buf *text, zl_tix_rows_cb cb,
                    void *ctx)
{
    struct zl_tix_row r;
    int rc, src;

    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        r.id = sqlite3_column_int64(st, 0);
        r.h = sqlite3_column_int64(st, 1);
        r.p = sqlite3_column_blob(st, 2);
        r.n = (size_t)sqlite3_column_bytes(st, 2);
        if (r.p == NULL)
            r.p = "";
        r.p2 = NULL; /* a record's event hash (ZL_TIX_EVENTS_HASHED) */
        r.n2 = 0;
        if (sqlite3_column_count(st) > 3) {
            r.p2 = sqlite3_column_blob(st, 3);
            r.n2 = (size_t)sqlite3_column_bytes(st, 3);
        }
        if (text && sqlite3_column_type(st, 2) == SQLITE_BLOB) {
            zl_buf_reset(text);
            if ((rc = zl_ident_decode(r.p, r.n, text))) {
                sqlite3_reset(st);
                return rc;
            }
            r.p = text->len ? text->data : "";
            r.n = text->len;
        }
        if ((rc = cb(ctx, &r))) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return src == SQLITE_DONE ? 0 : ZL_ESTORE;
}

/* Run sql (one integer parameter) once for each of v[0..n). */
static int each_value(zl_store *s, const char *sql, const int64_t *v, size_t n,
                      zl_tix_rows_cb cb, void *ctx)
{
    sqlite3_stmt *st = zl_sqlite_stmt(s, sql);
    int rc = 0;

    if (!st)
        return ZL_ESTORE;
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_bind_int64(st, 1, v[i]);
        rc = each_row(st, NULL, cb, ctx);
    }
    return rc;
}

static int tix_keys_by_hash(zl_store *s, const int64_t *h, size_t n,
                            zl_tix_rows_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT kid, h, key FROM trace_keys WHERE h = ?1";

    return each_value(s, SQL, h, n, cb, ctx);
}

static int tix_ranges(zl_store *s, enum zl_tix_table t, const int64_t *lo,
                      const int64_t *hi, size_t n, int last, zl_tix_rows_cb cb,
                      void *ctx)
{
    sqlite3_stmt *st = zl_sqlite_stmt(s, last ? LAST[t] : RANGE[t]);
    struct zl_buf text;
    int rc = 0;

    if (!st)
        return ZL_ESTORE;
    zl_buf_init(&text, (size_t)1 << 20);
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_bind_int64(st, 1, lo[i]);
        sqlite3_bind_int64(st, 2, hi[i]);
        rc = each_row(st, t == ZL_TIX_IDENTS ? &text : NULL, cb, ctx);
    }
    zl_buf_cleanup(&text);
    return rc;
}

/* Rows by id go through the range statement (lo = hi): a point read costs
 * the same, and a handle then prepares one statement a table, not two
 * (a new handle, a CLI command's, pays ~40k instructions a statement). */
static int tix_get(zl_store *s, enum zl_tix_table t, const int64_t *ids,
                   size_t n, zl_tix_rows_cb cb, void *ctx)
{
    return tix_ranges(s, t, ids, ids, n, 0, cb, ctx);
}

static int tix_put(zl_store *s, enum zl_tix_table t,
                   const struct zl_tix_row *rows, size_t n)
{
    sqlite3_stmt *st = t <= ZL_TIX_ADJ ? zl_sqlite_stmt(s, PUT[t]) : NULL;

    if (!st)
        return ZL_ESTORE;
    for (size_t i = 0; i < n; i++) {
        int rc;

        sqlite3_bind_int64(st, 1, rows[i].id);
        if (t == ZL_TIX_KEYS) {
            sqlite3_bind_int64(st, 2, rows[i].h);
            sqlite3_bind_text(st, 3, rows[i].p, (int)rows[i].n, SQLITE_STATIC);
        } else {
            sqlite3_bind_blob(st, 3, rows[i].p, (int)rows[i].n, SQLITE_STATIC);
        }
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    }
    sqlite3_clear_bindings(st);
    return 0;
}

static int tix_max_id(zl_store *s, enum zl_tix_table t, int64_t *max)
{
    if (t > ZL_TIX_ADJ)
        return ZL_EINVAL;
    return zl_sqlite_get_i64(s, MAX[t], max);
}

/* Capture interned these strings a moment ago: most are in the handle's
 * table of this transaction's identifiers (store_sqlite.c). A trace looks
 * up its starts here too, in a read snapshot. */
static int tix_idents_find(zl_store *s, const char *const *keys,
                           const size_t *lens, size_t n, int64_t *ns)
{
    static const char SQL[] = "SELECT n FROM idents WHERE code = ?1";
    sqlite3_stmt *st = NULL;

    for (size_t i = 0; i < n; i++) {
        int rc;

        if (zl_sqlite_ident_cached(s, keys[i], lens[i], &ns[i]))
            continue;
        if (!st && !(st = zl_sqlite_stmt(s, SQL)))
            return ZL_ESTORE;
        if ((rc = zl_sqlite_bind_ident(st, 1, keys[i], lens[i])))
            return rc;
        rc = sqlite3_step(st);
        ns[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return ZL_ESTORE;
        /* remembered for the writer's transaction only: a trace's read
         * snapshot would set up the 1 MiB table (zeroed: ~0.8M
         * instructions, a new handle's whole backward trace twice over)
         * for its start identifier */
        if (ns[i] && zl_store_in_tx(s))
            zl_sqlite_ident_remember(s, keys[i], lens[i], ns[i]);
    }
    return 0;
}

static int tix_event_nums(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                          int64_t *nums)
{
    for (size_t i = 0; i < n; i++) {
        int rc = zl_sqlite_rid_of_hash(s, hashes[i], &nums[i]);

        if (rc)
            return rc;
    }
    return 0;
}

/* event_occ is clustered by identifier number: each number's occurrences
 * are one range of its primary key, and a run of consecutive numbers (the
 * items of one case or one production run are interned together) one
 * range too: one B-tree walk for the run instead of a seek per number
 * (one statement for both: a number alone is the range n..n). Rows come grouped
 * by number, each number's in its key order, as the point query gives them. */
static int tix_occ_rows(zl_store *s, const int64_t *ns, size_t n,
                        zl_tix_row_cb cb, void *ctx)
{
    static const char RUN[] =
        "SELECT n, ev, role FROM event_occ WHERE n BETWEEN ?1 AND ?2";
    sqlite3_stmt *st = zl_sqlite_stmt(s, RUN);
    int64_t *v;
    size_t k = 0;
    int rc = 0, src = SQLITE_DONE;

    if (!st)
        return ZL_ESTORE;
    if (!(v = zl_malloc((n ? n : 1) * sizeof(*v))))
        return ZL_ENOMEM;
    memcpy(v, ns, n * sizeof(*v));
    zl_sort_i64(v, n);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[i] != v[k - 1])
            v[k++] = v[i];
    for (size_t i = 0, j; i < k && !rc; i = j) {
        for (j = i + 1; j < k && v[j] == v[j - 1] + 1; j++)
            ;
        sqlite3_bind_int64(st, 1, v[i]);
        sqlite3_bind_int64(st, 2, v[j - 1]);
        while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
            rc = cb(ctx, sqlite3_column_int64(st, 0),
                    sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2));
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE)
            rc = ZL_ESTORE;
    }
    zl_free(v);
    return rc;
}

static int tix_clear(zl_store *s)
{
    return zl_sqlite_exec(s, "DELETE FROM trace_keys; DELETE FROM trace_events;"
                             " DELETE FROM trace_adj;");
}

const struct zl_store_tix_ops zl_sqlite_tix_ops = {
    .base = {"tix", tix_schema},
    .get = tix_get,
    .keys_by_hash = tix_keys_by_hash,
    .ranges = tix_ranges,
    .put = tix_put,
    .max_id = tix_max_id,
    .clear = tix_clear,
    .idents_find = tix_idents_find,
    .occ_rows = tix_occ_rows,
    .event_nums = tix_event_nums,
};
