/*
 * zhiliang/store.h - what an application (the server, a tool) may do with
 * a store handle beyond the module APIs: name it by URI, read a stable
 * snapshot, and learn cheaply whether anything changed.
 *
 * Store URIs (zl_open, zl_init):
 *   PATH or sqlite:PATH        an SQLite file (the default backend)
 *   postgresql://USER@HOST:PORT/DB?schema=NAME (or postgres://)
 *                              a schema of a PostgreSQL database (default
 *                              schema "zhiliang"); libpq's own URI
 *                              parameters pass through
 * Any other "scheme://" is refused with ZL_EINVAL, so a typo never turns
 * into a file of that name.
 *
 * Schema versions: a store records the version of its layout. Opening a
 * store written by an older release migrates it in one transaction;
 * opening one written by a newer release fails with ZL_EUNSUPPORTED and a
 * message naming both versions (upgrade zhiliang to open it).
 *
 * The backend behind a handle is chosen when it is opened; nothing here
 * depends on which one it is.
 */
#ifndef ZL_STORE_PUBLIC_H
#define ZL_STORE_PUBLIC_H

#include "zhiliang/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zl_store zl_store;

/* The layout version this library reads and writes. */
#define ZL_STORE_SCHEMA_VERSION 38

/* Read snapshot: the reads that follow zl_store_snapshot_begin see one
 * consistent state of the store (and on SQLite share one lock) until
 * zl_store_snapshot_end. Returns 0, or ZL_EEXIST when a transaction or
 * snapshot is already open on s (then do not call _end). Do not write
 * inside a snapshot. _end returns 0 when none is open. */
int zl_store_snapshot_begin(zl_store *s);
int zl_store_snapshot_end(zl_store *s);

/* Change token: *token changes whenever any writer (this handle or
 * another, in this process or not) commits, and stays the same while
 * nothing is committed. On PostgreSQL "nothing" is server-wide: a commit
 * to any database or schema of the server moves it too (a cache is then
 * emptied for nothing, never kept stale). Tokens are only comparable
 * between calls on the same handle (they are not ordered across
 * handles). Cheap enough to call per request; meant for cache
 * invalidation. 0 or ZL_ESTORE. */
int zl_store_change_token(zl_store *s, uint64_t *token);

/* The name of the backend serving s ("sqlite"): borrowed, static. */
const char *zl_store_backend_name(const zl_store *s);

/* ---- copying a store (zhiliang migrate) --------------------------------- */

struct zl_store_copy_progress {
    const char *table;   /* the table being copied (borrowed, static) */
    size_t table_index;  /* its place among n_tables, from 0 */
    size_t n_tables;     /* tables a store has */
    uint64_t table_rows; /* rows of this table copied by this call */
    uint64_t rows;       /* rows copied by this call, all tables */
};

struct zl_store_copy_opts {
    /* Rows per transaction on the target (0: 5,000); a batch also ends
     * at 32 MiB of values. */
    size_t batch;
    /* Called after each committed batch, may be NULL. Non-zero stops the
     * copy, which stays resumable, and is returned by zl_store_copy. */
    int (*progress)(void *ctx, const struct zl_store_copy_progress *p);
    void *progress_ctx;
};

struct zl_store_copy_result {
    uint64_t rows;        /* rows copied by this call */
    size_t tables;        /* tables a store has */
    int resumed;          /* 1: this call continued an interrupted copy */
    uint64_t log_size;    /* the log both stores now hold */
    uint8_t log_root[32]; /* its root */
};

/* Copy the store at from_uri into to_uri, between any two backends
 * (SQLite to PostgreSQL and back, SQLite to SQLite): every row of every
 * table as it is, the log, its checkpoints, the operator's signing key
 * and origin included, so the target's log has the source's size, root
 * and checkpoints and verifies like it. The source must exist (opening
 * it migrates an older schema first, as every open does) and is read in
 * one snapshot; stop writers to it while it is copied. The target is
 * created when missing; it must be empty or hold an unfinished copy of
 * this source.
 *
 * Rows go over in batches, one transaction each on the target, and each
 * batch records in the target's meta table how far the copy got (keys
 * "migrate.*", removed at the end). A copy cut short by a crash, a kill
 * or progress returning non-zero continues where it stopped when called
 * again with the same source and target, and never copies a row twice.
 * Until it finishes the target is not a usable store: the migrate.*
 * keys mark it, and the signing key is among the last rows copied.
 *
 * opts and res may be NULL. Returns 0 (the target's log checked against
 * the source's), or: ZL_EEXIST when the target holds other data, or an
 * unfinished copy of another store or of this one before its log grew
 * (remove the target and copy again); ZL_EINVAL when the source is
 * itself an unfinished copy; ZL_EUNSUPPORTED when the target's backend
 * lacks tables the source has; progress's non-zero value; ZL_ESTORE and
 * other store errors. err says which store, which table and why. */
int zl_store_copy(const char *from_uri, const char *to_uri,
                  const struct zl_store_copy_opts *opts,
                  struct zl_store_copy_result *res, struct zl_error *err);

#ifdef __cplusplus
}
#endif
#endif
