/*
 * sqlite_trace.c - store_trace.h on SQLite: sequential scans for loading
 * the trace index and event metadata without the JSON column.
 *
 * Scans read each table once in its own key order (event_ids is clustered
 * by identifier, so rows arrive grouped as the index wants them); the
 * events scan leaves out the json column, which is most of the bytes.
 */
#include "store/sqlite_int.h"

#include <string.h>

#define META_COLS                                                              \
    "hash, type, action, event_time, tz, record_time,"                         \
    " " ZL_SQLITE_VOCAB("biz_step") ", " ZL_SQLITE_VOCAB(                      \
        "disposition") ","                                                     \
                       " " ZL_SQLITE_VOCAB("read_point") ", " ZL_SQLITE_VOCAB( \
                           "biz_location") ", transformation_id, has_error, "  \
                                           "party"

static void row_meta(sqlite3_stmt *st, struct zl_stored_event *ev)
{
    const void *h = sqlite3_column_blob(st, 0);

    memset(ev, 0, sizeof *ev);
    if (h && sqlite3_column_bytes(st, 0) == 32)
        memcpy(ev->hash, h, 32);
    ev->type = (enum zl_event_type)sqlite3_column_int(st, 1);
    ev->action = (enum zl_action)sqlite3_column_int(st, 2);
    ev->event_time_ms = sqlite3_column_int64(st, 3);
    ev->tz_offset_min = sqlite3_column_int(st, 4);
    ev->record_time_ms = sqlite3_column_int64(st, 5);
    ev->biz_step = (const char *)sqlite3_column_text(st, 6);
    ev->disposition = (const char *)sqlite3_column_text(st, 7);
    ev->step =
        zl_biz_step_of(ev->biz_step, (size_t)sqlite3_column_bytes(st, 6));
    ev->disp =
        zl_disposition_of(ev->disposition, (size_t)sqlite3_column_bytes(st, 7));
    ev->read_point = (const char *)sqlite3_column_text(st, 8);
    ev->biz_location = (const char *)sqlite3_column_text(st, 9);
    ev->transformation_id = (const char *)sqlite3_column_text(st, 10);
    ev->has_error_declaration = sqlite3_column_int(st, 11);
    ev->party = (const char *)sqlite3_column_text(st, 12);
}

static int each_meta(sqlite3_stmt *st, zl_event_cb cb, void *ctx)
{
    struct zl_stored_event ev;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row_meta(st, &ev);
        if ((rc = cb(ctx, &ev)) != 0) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int scan_events(zl_store *s, int64_t since_rt, zl_event_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT " META_COLS " FROM events WHERE record_time >= ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, since_rt);
    return each_meta(st, cb, ctx);
}

static int events_meta(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_event_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT " META_COLS " FROM events WHERE " ZL_SQLITE_HASH_IS("", "?1");
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

        if (!st)
            return ZL_ESTORE;
        sqlite3_bind_blob(st, 1, hashes[i], 32, SQLITE_STATIC);
        rc = each_meta(st, cb, ctx);
    }
    return rc;
}

static int scan_ids(zl_store *s, zl_id_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT id, event_time, hash, role, type, action, record_time, qty,"
        " uom FROM event_ids";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    struct zl_id_row r;
    int rc;

    if (!st)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(st, 2);

        memset(&r, 0, sizeof r);
        r.id = (const char *)sqlite3_column_text(st, 0);
        r.event_time_ms = sqlite3_column_int64(st, 1);
        if (h && sqlite3_column_bytes(st, 2) == 32)
            memcpy(r.hash, h, 32);
        r.role = (enum zl_id_role)sqlite3_column_int(st, 3);
        r.type = (enum zl_event_type)sqlite3_column_int(st, 4);
        r.action = (enum zl_action)sqlite3_column_int(st, 5);
        r.record_time_ms = sqlite3_column_int64(st, 6);
        r.has_quantity = sqlite3_column_type(st, 7) != SQLITE_NULL;
        r.quantity = sqlite3_column_double(st, 7);
        r.uom = (const char *)sqlite3_column_text(st, 8);
        if (r.id == NULL)
            continue;
        if ((rc = cb(ctx, &r)) != 0) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int scan_refs(zl_store *s, zl_trace_ref_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT hash, kind, type, value FROM event_refs"
                              " WHERE kind IN ('s', 'd')";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    uint8_t h[32];
    int rc;

    if (!st)
        return ZL_ESTORE;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(st, 0);
        const char *k = (const char *)sqlite3_column_text(st, 1);

        if (!b || sqlite3_column_bytes(st, 0) != 32 || !k)
            continue;
        memcpy(h, b, 32);
        rc = cb(ctx, h, k[0], (const char *)sqlite3_column_text(st, 2),
                (const char *)sqlite3_column_text(st, 3));
        if (rc != 0) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

/* A point lookup per event: local reads, as cheap batched as not. */
static int events_refs(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_trace_ref_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT kind, type, value FROM event_refs"
                              " WHERE hash = ?1 AND kind IN ('s', 'd')";
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
        int step;

        if (!st)
            return ZL_ESTORE;
        sqlite3_bind_blob(st, 1, hashes[i], 32, SQLITE_STATIC);
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            const char *k = (const char *)sqlite3_column_text(st, 0);

            if (k && (rc = cb(ctx, hashes[i], k[0],
                              (const char *)sqlite3_column_text(st, 1),
                              (const char *)sqlite3_column_text(st, 2))))
                break;
        }
        sqlite3_reset(st);
        if (rc)
            return rc;
        if (step != SQLITE_DONE)
            return ZL_ESTORE;
    }
    return 0;
}

const struct zl_store_trace_ops zl_sqlite_trace_ops = {
    .base = {.name = "trace", .schema = NULL},
    .scan_events = scan_events,
    .scan_ids = scan_ids,
    .scan_refs = scan_refs,
    .events_meta = events_meta,
    .events_refs = events_refs,
};
