/*
 * sqlite_docs.c - signed documents on SQLite (see store_docs.h).
 */
#include "store/sqlite_int.h"

static const char DOCS_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS signed_docs("
    " doc_hash BLOB PRIMARY KEY, party TEXT NOT NULL, signature TEXT NOT NULL,"
    " doc BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS event_docs("
    " event_hash BLOB NOT NULL, doc_hash BLOB NOT NULL,"
    " PRIMARY KEY(event_hash, doc_hash)) WITHOUT ROWID;";

static int docs_schema(zl_store *s)
{
    return zl_sqlite_exec(s, DOCS_SCHEMA);
}

static int signed_doc_put(zl_store *s, const uint8_t doc_hash[32],
                          const char *party, const char *sig_b64,
                          const char *doc, size_t len)
{
    static const char SQL[] = "INSERT OR IGNORE INTO signed_docs"
                              "(doc_hash, party, signature, doc)"
                              " VALUES(?1,?2,?3,?4)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, doc_hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, party, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sig_b64, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, doc, (int)len, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int event_doc_link(zl_store *s, const uint8_t event_hash[32],
                          const uint8_t doc_hash[32])
{
    static const char SQL[] = "INSERT OR IGNORE INTO event_docs"
                              "(event_hash, doc_hash) VALUES(?1,?2)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, event_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, doc_hash, 32, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int signed_doc_for_event(zl_store *s, const uint8_t event_hash[32],
                                zl_signed_doc_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT d.party, d.signature, d.doc FROM event_docs e"
        " JOIN signed_docs d ON d.doc_hash = e.doc_hash"
        " WHERE e.event_hash = ?1 LIMIT 1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, event_hash, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return ZL_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return ZL_ESTORE;
    rc = cb(ctx, (const char *)sqlite3_column_text(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_blob(st, 2),
            (size_t)sqlite3_column_bytes(st, 2));
    sqlite3_reset(st);
    return rc;
}

const struct zl_store_docs_ops zl_sqlite_docs_ops = {
    .base = {.name = "docs", .schema = docs_schema},
    .signed_doc_put = signed_doc_put,
    .event_doc_link = event_doc_link,
    .signed_doc_for_event = signed_doc_for_event,
};
