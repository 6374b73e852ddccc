/*
 * sqlite_ids.c - events.ids by identifier number on SQLite (schema 38,
 * docs/storage.md "Schema 38").
 *
 * An event's packed occurrences (ids_pack.c) spelled each identifier,
 * sharing a prefix with the one before: 68 bytes an event at 1M demo
 * events, although capture interns every identifier in idents anyway.
 * Since schema 38 capture packs version 3, each identifier as its idents
 * number (a zigzag delta from the previous one: ~24 bytes an event), and
 * the readers of the column (sq_event_ids: verify, recall scopes, the
 * trace index's corrections; the query walk's zl_ids_match; an
 * enterprise's custody candidates) give the text back through
 * zl_sqlite_idnames: one lookup of idents by number (its rowid) an
 * occurrence, decoded in C (zl_ident_decode).
 *
 * What the numbers make depend on idents: an edited idents row now also
 * changes what events.ids reads, which verify compares with the event's
 * JSON (lib/audit/derived.c) as it compares the occurrences; an edited
 * number in a blob reads as another identifier (or none: the blob is
 * reported malformed), caught the same way; reindex empties idents and
 * rewrites every event, interning before packing, so the numbers are the
 * new ones. Older versions (0-2) are still read, and the store copier
 * (zhiliang migrate) gives other stores version 2, which names no local
 * number (sqlite_rows.c); a copy into SQLite keeps version 2 until
 * reindex rewrites it.
 *
 * Rejected: no list at all, the occurrences read from event_occ by event
 * (an index on event_occ(ev) repeats its whole key, more than the list);
 * the trace record's identifier list as the only one (the query walk and
 * verify would read the trace index's format, another module's).
 */
#include "store/sqlite_int.h"
#include "store/ident_code.h"
#include "store/ids_pack.h"

#include <string.h>

static int name_of(void *ctx, int64_t n, const char **id)
{
    static const char SQL[] = "SELECT code FROM idents WHERE n = ?1";
    struct zl_sqlite_idnames *nm = ctx;
    sqlite3_stmt *st = zl_sqlite_stmt(nm->s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, n);
    rc = sqlite3_step(st);
    nm->text.len = 0;
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);

        if (sqlite3_column_type(st, 0) == SQLITE_BLOB)
            rc = zl_ident_decode(p, len, &nm->text);
        else
            rc = zl_buf_add(&nm->text, p, len);
        if (!rc)
            rc = zl_buf_add(&nm->text, "", 1);
    } else
        rc = rc == SQLITE_DONE
                 ? ZL_ESTORE
                 : (rc == SQLITE_INTERRUPT ? ZL_ETIMEOUT : ZL_ESTORE);
    sqlite3_reset(st);
    *id = (const char *)nm->text.data;
    return rc;
}

void zl_sqlite_idnames_init(struct zl_sqlite_idnames *nm, zl_store *s)
{
    memset(nm, 0, sizeof *nm);
    nm->s = s;
    nm->names.name = name_of;
    nm->names.ctx = nm;
    zl_buf_init(&nm->text, (size_t)1 << 20);
}

void zl_sqlite_idnames_cleanup(struct zl_sqlite_idnames *nm)
{
    zl_buf_cleanup(&nm->text);
}

/* The number idents gives id (no interning: ZL_ESTORE when it lacks it). */
static int number_of(void *ctx, const char *id, int64_t *n)
{
    static const char SQL[] = "SELECT n FROM idents WHERE code = ?1";
    zl_store *s = ctx;
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    if ((rc = zl_sqlite_bind_ident(st, 1, id, strlen(id))))
        return rc;
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

/* zl_ids_v3(ids): a blob of version 0-2 packed as version 3 with the
 * numbers idents holds; the blob as it is when an identifier is not there
 * (verify reports such an event) or it does not unpack. */
static void ids_v3_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    zl_store *s = sqlite3_user_data(cx);
    const uint8_t *p = sqlite3_value_blob(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    struct zl_buf out;

    (void)argc;
    zl_buf_init(&out, (size_t)1 << 30);
    if (p && n > 0 && p[0] != ZL_IDS_V3 &&
        !zl_ids_repack(p, (size_t)n, NULL, number_of, s, &out))
        sqlite3_result_blob(cx, out.data, (int)out.len, SQLITE_TRANSIENT);
    else
        sqlite3_result_value(cx, argv[0]);
    zl_buf_cleanup(&out);
}

int zl_sqlite_ids_exec_v3(zl_store *s, const char *sql)
{
    return zl_sqlite_exec_with_fn(s, sql, "zl_ids_v3", ids_v3_fn, s);
}

int zl_sqlite_ids_v2(zl_store *s, const void *p, size_t n, struct zl_buf *out)
{
    struct zl_sqlite_idnames nm;
    int rc;

    zl_sqlite_idnames_init(&nm, s);
    rc = zl_ids_repack(p, n, &nm.names, NULL, NULL, out);
    zl_sqlite_idnames_cleanup(&nm);
    return rc;
}
