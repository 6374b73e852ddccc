/*
 * sqlite_sites.c - capture's rows of the sites index (schema 22,
 * described in sqlite_query.c above SITES_OF), written in C (schema 29).
 *
 * The index's AFTER INSERT trigger on events was the largest single cost
 * of capture's store stage (issue 11, docs/capture-speed.md): for each
 * event, a party lookup and insert and two UNION ALL subqueries joined
 * into up to 13 rows, all of it VDBE work. Capture now writes the same
 * rows itself. While its events insert steps, the connection's flag
 * sites_in_c is set, and the trigger's WHEN (SELECT by_trigger FROM
 * zl_sites_mode: a one-row virtual table every connection this library
 * opens registers) reads it and skips the trigger. Then, when the insert
 * added the event (a duplicate,
 * ignored by INSERT OR IGNORE, writes nothing), zl_sqlite_sites_put adds
 * the party to site_parties as PARTY_ADD does and writes the keys KEYS_OF
 * makes, in key order, by multi-row INSERT OR IGNORE (8, 4, 2 and 1 rows
 * a statement: at most three for an event's 13), inside the caller's
 * transaction or savepoint (a rolled-back document takes them with it).
 *
 * Every other writer keeps the triggers: reindex's upsert, migrate's
 * copy, corrections, any UPDATE or DELETE of events, and an INSERT by any
 * statement but capture's step see the flag clear. The update and delete
 * triggers are unchanged. A connection that lacks the table (the sqlite3
 * shell) cannot insert into events ("no such table:
 * main.zl_sites_mode"), which fails loudly rather than leave the index
 * behind; its UPDATEs and DELETEs fire only the other triggers and work
 * as before (tamper_matrix.sh edits events so).
 *
 * tests/unit/test_visibility.c (test_sites_in_c) captures varied events both
 * ways (zl_sqlite_sites_by_trigger) and compares the index row for row;
 * `zhiliang verify` recomputes every event's keys with KEYS_OF.
 * Rejected: dropping the trigger (every other writer would have to
 * remember the index, which the trigger exists to make impossible); a
 * function in the WHEN (below: a statement journal); a flag row in a
 * table of the store (a write a transaction at least, and a flag left
 * set by a commit on another path would silently turn the trigger off
 * for every writer).
 */
#include "store/sqlite_int.h"
#include "util/sort.h"

#include <string.h>

/* The most rows an event makes: the party's site has 5 attributes, each
 * location's 4 (not itself as readPoint or bizLocation). */
#define SITES_MAX 13

/* INSERT OR IGNORE of 1, 2, 4 and 8 rows (a statement's text a literal:
 * the statement cache is keyed by its address). OR IGNORE as the trigger
 * inherits it from capture's insert: a key twice (a value past 32 bits)
 * is one row. */
#define ROW1       "(?,?,?)"
#define ROW2       ROW1 "," ROW1
#define ROW4       ROW2 "," ROW2
#define ROW8       ROW4 "," ROW4
#define SITES_HEAD "INSERT OR IGNORE INTO event_sites(k, event_time, ev) VALUES"
static const char *const SITES_SQL[] = {SITES_HEAD ROW1, SITES_HEAD ROW2,
                                        SITES_HEAD ROW4, SITES_HEAD ROW8};

/* ---- zl_sites_mode: the flag as SQL reads it -------------------------------
 * An eponymous virtual table of one row and one column, by_trigger: 1
 * unless capture's insert is stepping. A table rather than a function:
 * a function call in the trigger's WHEN (any, even abs(0)) made SQLite
 * give capture's insert a statement journal, the cost the insert's OR
 * IGNORE was chosen to avoid (docs/capture-speed.md, "A batch's cost
 * grew with its own size"): 50k events in batches, 54 -> 250 us an event
 * in the store stage, growing with each document. */
struct mode_vtab {
    sqlite3_vtab base;
    const struct zl_sqlite *q;
};
struct mode_cursor {
    sqlite3_vtab_cursor base;
    int eof;
};

static int mode_connect(sqlite3 *db, void *aux, int argc,
                        const char *const *argv, sqlite3_vtab **out, char **err)
{
    struct mode_vtab *v;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(by_trigger INTEGER)");

    (void)argc;
    (void)argv;
    (void)err;
    if (rc != SQLITE_OK)
        return rc;
    /* read by a trigger of the store's schema, whatever trusted_schema */
    sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    if (!(v = sqlite3_malloc(sizeof *v)))
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->q = aux;
    *out = &v->base;
    return SQLITE_OK;
}

static int mode_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int mode_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    (void)v;
    info->estimatedCost = 1;
    info->estimatedRows = 1;
    return SQLITE_OK;
}

static int mode_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    struct mode_cursor *c = sqlite3_malloc(sizeof *c);

    (void)v;
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int mode_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int mode_filter(sqlite3_vtab_cursor *c, int idx, const char *idx_str,
                       int argc, sqlite3_value **argv)
{
    (void)idx;
    (void)idx_str;
    (void)argc;
    (void)argv;
    ((struct mode_cursor *)c)->eof = 0;
    return SQLITE_OK;
}

static int mode_next(sqlite3_vtab_cursor *c)
{
    ((struct mode_cursor *)c)->eof = 1;
    return SQLITE_OK;
}

static int mode_eof(sqlite3_vtab_cursor *c)
{
    return ((struct mode_cursor *)c)->eof;
}

static int mode_column(sqlite3_vtab_cursor *c, sqlite3_context *cx, int i)
{
    const struct zl_sqlite *q = ((const struct mode_vtab *)c->pVtab)->q;

    (void)i;
    sqlite3_result_int(cx, !q->sites_in_c);
    return SQLITE_OK;
}

static int mode_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
    (void)c;
    *rowid = 1;
    return SQLITE_OK;
}

static const sqlite3_module MODE = {
    .xConnect = mode_connect,
    .xBestIndex = mode_best_index,
    .xDisconnect = mode_disconnect,
    .xOpen = mode_open,
    .xClose = mode_close,
    .xFilter = mode_filter,
    .xNext = mode_next,
    .xEof = mode_eof,
    .xColumn = mode_column,
    .xRowid = mode_rowid,
};

int zl_sqlite_sites_setup(zl_store *s)
{
    return sqlite3_create_module_v2(zl_sqlite_db(s), "zl_sites_mode", &MODE,
                                    zl_sqlite_of(s), NULL) == SQLITE_OK
               ? 0
               : ZL_ESTORE;
}

void zl_sqlite_sites_by_trigger(zl_store *s, int on)
{
    zl_sqlite_of(s)->sites_by_trigger = on != 0;
}

void zl_sqlite_sites_forget(zl_store *s)
{
    zl_sqlite_of(s)->party_len = (size_t)-1;
}

/* The site_parties number of party (added when new, as PARTY_ADD), kept
 * for the rest of the transaction: a document's events share one. */
static int party_number(zl_store *s, const char *party, int64_t *n)
{
    static const char GET[] = "SELECT n FROM site_parties WHERE v = ?1";
    static const char PUT[] = "INSERT INTO site_parties(v) VALUES(?1)";
    struct zl_sqlite *q = zl_sqlite_of(s);
    size_t len = strlen(party);
    sqlite3_stmt *st;
    int rc;

    if (len == q->party_len && !memcmp(q->party, party, len) &&
        !sqlite3_get_autocommit(q->db)) {
        *n = q->party_n;
        return 0;
    }
    if (!(st = zl_sqlite_stmt(s, GET)))
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, party, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        if (!(st = zl_sqlite_stmt(s, PUT)))
            return ZL_ESTORE;
        sqlite3_bind_text(st, 1, party, (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
        *n = sqlite3_last_insert_rowid(q->db);
    } else if (rc != SQLITE_ROW)
        return ZL_ESTORE;
    /* kept only for a party that fits (a longer one is looked up each
     * time) and inside a transaction (outside, another writer's reindex
     * may renumber) */
    if (len < sizeof q->party && !sqlite3_get_autocommit(q->db)) {
        memcpy(q->party, party, len);
        q->party_len = len;
        q->party_n = *n;
    }
    return 0;
}

/* k = ((site * 4 + attr) << 32) + value, in SQLite's 64-bit arithmetic
 * (wrapping, as its << does). */
static int64_t site_key(int64_t site, int attr, int64_t value)
{
    return (int64_t)((((uint64_t)site * 4 + (uint64_t)attr) << 32) +
                     (uint64_t)value);
}

int zl_sqlite_sites_put(zl_store *s, int64_t rid, int64_t event_time,
                        const struct zl_sqlite_site_cols *c, const char *party)
{
    /* the sites and attributes of SITES_OF and ATTRS_OF; 0 is NULL (a
     * vocab or party number is at least 1, so a site at least 2 and no
     * site is 0: attributes 0-2 have no self to skip) */
    int64_t site[3], k[SITES_MAX];
    const int64_t attr_v[5] = {0, c->biz_step, c->disposition, c->read_point,
                               c->biz_location};
    const int64_t attr_self[5] = {0, 0, 0, c->read_point * 2,
                                  c->biz_location * 2};
    size_t n_site = 0, n = 0;
    int rc;

    if (c->biz_location)
        site[n_site++] = c->biz_location * 2;
    if (c->read_point && c->read_point != c->biz_location)
        site[n_site++] = c->read_point * 2;
    if (party) {
        int64_t pn;

        if ((rc = party_number(s, party, &pn)))
            return rc;
        site[n_site++] = pn * 2 + 1;
    }
    for (size_t i = 0; i < n_site; i++)
        for (int a = 0; a < 5; a++)
            if ((a == 0 || attr_v[a]) && attr_self[a] != site[i])
                k[n++] = site_key(site[i], a, attr_v[a]);
    zl_sort_i64(k, n); /* n <= SITES_MAX: one insertion pass */
    /* 8, 4, 2, 1 rows a statement, in key order */
    for (size_t i = 0; i < n;) {
        size_t b = 3, m;
        sqlite3_stmt *st;

        while (((size_t)1 << b) > n - i)
            b--;
        m = (size_t)1 << b;
        if (!(st = zl_sqlite_stmt(s, SITES_SQL[b])))
            return ZL_ESTORE;
        for (size_t j = 0; j < m; j++) {
            sqlite3_bind_int64(st, (int)(3 * j + 1), k[i + j]);
            sqlite3_bind_int64(st, (int)(3 * j + 2), event_time);
            sqlite3_bind_int64(st, (int)(3 * j + 3), rid);
        }
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
        i += m;
    }
    return 0;
}
