/*
 * zhiliang/store.h - what an application (the server, a tool) may do with
 * a store handle beyond the module APIs: name it by URI, read a stable
 * snapshot, and learn cheaply whether anything changed.
 *
 * Store URIs (zl_open, zl_init):
 *   PATH or sqlite:PATH        an SQLite file (the default backend)
 *   postgresql://... or        PostgreSQL (not built yet: zl_open fails
 *   postgres://...             with ZL_EUNSUPPORTED and says so)
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

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zl_store zl_store;

/* The layout version this library reads and writes. */
#define ZL_STORE_SCHEMA_VERSION 5

/* Read snapshot: the reads that follow zl_store_snapshot_begin see one
 * consistent state of the store (and on SQLite share one lock) until
 * zl_store_snapshot_end. Returns 0, or ZL_EEXIST when a transaction or
 * snapshot is already open on s (then do not call _end). Do not write
 * inside a snapshot. _end returns 0 when none is open. */
int zl_store_snapshot_begin(zl_store *s);
int zl_store_snapshot_end(zl_store *s);

/* Change token: *token changes whenever any writer (this handle or
 * another, in this process or not) commits, and stays the same while
 * nothing is committed. Tokens are only comparable between calls on the
 * same handle (they are not ordered across handles). Cheap enough to call
 * per request; meant for cache invalidation. 0 or ZL_ESTORE. */
int zl_store_change_token(zl_store *s, uint64_t *token);

/* The name of the backend serving s ("sqlite"): borrowed, static. */
const char *zl_store_backend_name(const zl_store *s);

#ifdef __cplusplus
}
#endif
#endif
