/*
 * sqlite_int.h - the SQLite backend's private parts, shared by the files
 * that implement store.h and its extensions (store_log.h, store_trace.h,
 * store_party.h) on SQLite.
 *
 * Statements are prepared once per handle and cached by the address of
 * their SQL text (always a string literal), so hot paths pay no parse.
 */
#ifndef ZL_SQLITE_INT_H
#define ZL_SQLITE_INT_H

#include "store/store.h"

#include <sqlite3.h>

#define ZL_STMT_CACHE 96

struct zl_stmt_slot {
    const char *sql;   /* identity: the literal's address */
    sqlite3_stmt *stmt;
};

struct zl_store {
    sqlite3 *db;
    char *path;
    int in_tx;
    struct zl_stmt_slot stmts[ZL_STMT_CACHE];
    size_t n_stmts;
    /* Per-handle state of modules built on the store (e.g. the log's
     * in-memory frontier). Each is freed by its free function at close. */
    void *log_state;
    void (*log_state_free)(void *);
    void *trace_state;
    void (*trace_state_free)(void *);
};

/* The cached prepared statement for sql (a string literal), reset and with
 * bindings cleared, or NULL on error (sqlite3_errmsg tells). */
sqlite3_stmt *zl_sqlite_stmt(zl_store *s, const char *sql);

/* Run SQL without results (schema, pragmas). Returns 0 or ZL_ESTORE. */
int zl_sqlite_exec(zl_store *s, const char *sql);

/* The events columns every event SELECT returns, in this order (table
 * alias e), and the decoder of such a row. Strings stay owned by st. */
#define ZL_SQLITE_EVENT_COLS                                                  \
    "e.hash, e.declared_id, e.type, e.action, e.event_time, e.tz,"            \
    " e.record_time, e.biz_step, e.disposition, e.read_point,"                \
    " e.biz_location, e.transformation_id, e.has_error, e.party, e.json"
void zl_sqlite_row_event(sqlite3_stmt *st, struct zl_stored_event *ev);

/* Map an SQLite result code to ours (SQLITE_OK/DONE/ROW -> 0). */
int zl_sqlite_rc(int rc);

#endif
