/*
 * store_sqlite.c - the embedded SQLite backend of store.h (the default).
 *
 * Schema (identifiers made by the application, no sequence used as a key):
 *   events      one row per event; hash (32-byte CBV event hash) is the key
 *               other tables refer to, found through hkey, its first 6
 *               bytes, and their index events_hkey (schema 34: no UNIQUE
 *               index on the 32). The rowid is storage-local only.
 *   event_ids   (id, event_time, hash, role) WITHOUT ROWID: every
 *               identifier occurrence, clustered by identifier then time so
 *               a trace step is one range scan.
 *   events.ids  the same occurrences packed into one blob per event, so
 *               "which identifiers does this event carry" is one row read;
 *               this replaced an index on event_ids(hash), which cost a
 *               second B-tree entry (~100 bytes) per identifier at capture.
 *   event_refs  bizTransactions / sources / destinations, keyed by hash.
 *   meta        small settings (keys, origin, store.schema_version).
 *   outbox      (seq INTEGER PRIMARY KEY, kind, key, created): the change
 *               feed (store.h); an event's key (its hash in hex) is
 *               stored as its 32 bytes since version 14, as the index
 *               of the event's log leaf since 21, and read back as the
 *               same hex. The rowid is the seq: max + 1 at insert,
 *               inside the writer's transaction, and the one writer of a
 *               WAL database makes it follow commit order. No AUTOINCREMENT
 *               (it costs a sqlite_sequence update per row); rows are
 *               never deleted, so no seq is ever reused.
 * WAL journal with synchronous=FULL: an acknowledged capture survives a
 * crash or power loss; readers never block the writer.
 *
 * Capture cost (bench/bench_capture, documents of 1,000 events): 16 KiB
 * pages (event rows are ~1.3 KB; 4 and 8 KiB cost more CPU and wall at
 * 100k and 1M events), a checkpoint every 4096 pages (64 MiB) of WAL
 * instead of every 4 MiB (a checkpoint at nearly every commit was ~10% of
 * capture), and reads of pages the cache lost through a 1 GiB mmap rather
 * than pread (1M events: 66 -> 61 CPU s; the mapped file pages count in a
 * process's RSS but are the kernel's page cache). The event insert is its
 * own duplicate check (ON CONFLICT DO NOTHING).
 *
 * Queries build their SQL from struct zl_event_filter with bound
 * parameters only (never user text in SQL). Rejected: one generic
 * "attributes" table for everything (slower range scans, bigger rows),
 * recursive SQL for traces (DESIGN.md: walk level by level in C).
 *
 * Every function here is static and reached through zl_sqlite_backend
 * (at the end), the table store.c dispatches to; the module tables live
 * in sqlite_<module>.c.
 *
 * Schema versions (store.c records them): 1 = release 0.1.0; 2 adds the
 * outbox; 3 the parties' Company Prefixes and kinds, and corrections; 4
 * capture receipts (sqlite_receipt.c); 6 the query indexes (below); 12
 * the interned identifiers and compressed JSON; 14 the vocab numbers of
 * bizStep, disposition and the locations, and the outbox's event keys as
 * 32 bytes; 21 the log's event keys as 32 bytes, the outbox's and the
 * capture receipts' events as log leaf indexes; 33 the occurrences keyed
 * by day with their quantities in event_qty, and an event's outbox kind
 * as an integer; 34 events found by a prefix of the hash; 35 events'
 * JSON frames stored bare; 36 an event's
 * log leaf names it by rid; 38 events.ids names identifiers by number
 * (docs/storage.md).
 * store.c runs the steps; sq_migrate holds the core tables' part.
 */
#include "store/sqlite_int.h"
#include "store/ident_code.h"
#include "store/ids_pack.h"
#include "store/spc_backend.h"
#include "store/subs_ops.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "zhiliang/codec.h"
#include "zhiliang/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The outbox (version 2). Since version 21 key is declared BLOB, which
 * gives it no affinity: it holds text, 32 bytes or an event's rid, each
 * as it was bound (a TEXT column would store the rid as its digits).
 * Since version 33 kind is too: an event's row holds the integer 1
 * (ZL_SQLITE_OUTBOX_EVENT), which SQLite keeps in the record header
 * alone, 5 bytes a row less than "event" (~20% of the row); any other
 * kind keeps its text (zl_sqlite_outbox_kind). Since version 38 an
 * event's row whose key is its log leaf leaves created NULL when it is
 * the event's record time (always, for a capture): readers take it from
 * the event the leaf names (zl_sqlite_outbox_created), 6 bytes a row. */
#define OUTBOX_DDL                                                             \
    "(seq INTEGER PRIMARY KEY, kind BLOB NOT NULL, key BLOB NOT NULL,"         \
    " created INTEGER)"
static const char OUTBOX_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS outbox" OUTBOX_DDL ";";

/* The query indexes (version 6): one per EQ_ parameter on a CBV value or
 * a location, each followed by the event time, so the first page of a
 * query on one of them (ORDER BY event_time LIMIT n) is a range scan that
 * stops after n rows. Without them the planner walked events_time and
 * filtered: a value on 1 event in 10,000 read the table to find a page
 * (1M events: p99 2.5 s for a quiet readPoint). Each costs ~55 bytes per
 * event (the text value repeated) and a B-tree insert at capture; the
 * figures are in README.md, Performance. eventType and EQ_action got none:
 * every type and action is common enough that the time scan finds a page
 * within a few hundred rows (p99 under 5 ms at 1M events). */
static const char QUERY_INDEXES[] =
    "CREATE INDEX IF NOT EXISTS events_step_time"
    " ON events(biz_step, event_time);"
    "CREATE INDEX IF NOT EXISTS events_disp_time"
    " ON events(disposition, event_time);"
    "CREATE INDEX IF NOT EXISTS events_rp_time"
    " ON events(read_point, event_time);"
    "CREATE INDEX IF NOT EXISTS events_loc_time"
    " ON events(biz_location, event_time);"
    "CREATE INDEX IF NOT EXISTS events_tid ON events(transformation_id,"
    " event_time) WHERE transformation_id IS NOT NULL;";

/* Schema 37 (issue 11, docs/scale.md "Every single filter at 10M"): the
 * first page of EQ_transformationID in time order is a range of an index
 * that stops after a page, as EQ_bizStep's is since schema 6: events_tid
 * with the event time after the ID (before, its matches were all read and
 * sorted). The old events_tid is dropped, then QUERY_INDEXES makes it.
 * An index for EQ_action was measured and not kept (17 bytes an event,
 * +10% of capture's store stage, and a regulator's page does not use
 * it). */
static const char INDEXES_V37[] = "DROP INDEX IF EXISTS events_tid;";

/* The values of bizStep, disposition, readPoint and bizLocation, once
 * each (version 14): the events columns and their query indexes hold the
 * number. The demo chain has a few dozen distinct values for 100k events
 * (one a CBV step or disposition, one a location), so the four columns
 * and four indexes had each event repeat ~40 bytes of text eight times
 * (~390 bytes an event); a number is one or two. AUTOINCREMENT, so a
 * number is never given to another value even after reindex empties the
 * table (a skipped event's stale number then names nothing instead of the
 * wrong value); the cost, a sqlite_sequence update, is paid per new
 * value, not per event. Rejected: CBV enums for the step and disposition
 * (a second encoding beside the text fallback, for one byte saved) and
 * idents as the dictionary (its numbers are large, its UNIQUE lookup
 * deeper, and verify's "entry nothing uses" count would span two kinds). */
static const char VOCAB[] =
    "CREATE TABLE IF NOT EXISTS vocab(n INTEGER PRIMARY KEY AUTOINCREMENT,"
    " v TEXT NOT NULL UNIQUE);";

/* Interned identifiers (version 8): every identifier once in idents, each
 * occurrence in event_occ as (its number, event time, the event's rid,
 * role, quantity, unit; since version 33 day for the time and the
 * quantity and unit aside: OCC_TABLES), clustered by number then time so
 * a lookup is one range scan as before. The view event_ids shows the
 * occurrences as the table of versions 1-7 held them (type, action and record
 * time were copies of the event's), so readers and the SQL that filters by
 * identifier (query_sql.c, corrections, verify) read it unchanged; writes
 * go to the two tables. A version-7 row cost ~120 bytes (the identifier,
 * the 32-byte event hash and three event columns repeated in every
 * occurrence, 8.5 occurrences an event in the demo chain); an occurrence
 * is now ~20 bytes and each identifier's text is stored twice (row and
 * UNIQUE index) once. Rejected: the trace index's trace_keys as the
 * dictionary (it has no ordered index on the text, which prefix matching
 * needs, and the index is cleared and rebuilt on its own). */
/* The events table; rid (version 8) names the row in event_occ and is
 * declared so that VACUUM keeps it. */
#define EVENTS_DDL_V12                                                         \
    "(rid INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, declared_id TEXT,"   \
    " type INTEGER NOT NULL, action INTEGER NOT NULL,"                         \
    " event_time INTEGER NOT NULL, tz INTEGER NOT NULL,"                       \
    " record_time INTEGER NOT NULL, biz_step TEXT, disposition TEXT,"          \
    " read_point TEXT, biz_location TEXT, transformation_id TEXT,"             \
    " has_error INTEGER NOT NULL, party TEXT, json TEXT NOT NULL,"             \
    " ids BLOB NOT NULL)"
/* Versions 14-32: bizStep, disposition, readPoint and bizLocation are
 * numbers in vocab (VOCAB below); INTEGER, since a TEXT column would turn
 * each number back into its digits. */
#define EVENTS_DDL_V32                                                         \
    "(rid INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, declared_id TEXT,"   \
    " type INTEGER NOT NULL, action INTEGER NOT NULL,"                         \
    " event_time INTEGER NOT NULL, tz INTEGER NOT NULL,"                       \
    " record_time INTEGER NOT NULL, biz_step INTEGER, disposition INTEGER,"    \
    " read_point INTEGER, biz_location INTEGER, transformation_id TEXT,"       \
    " has_error INTEGER NOT NULL, party TEXT, json TEXT NOT NULL,"             \
    " ids BLOB NOT NULL)"
/* Version 33: hash is no longer UNIQUE; hkey, its first 6 bytes
 * (ZL_SQLITE_HKEY), is what events_hkey indexes (sqlite_int.h), and
 * capture compares the whole hash before it inserts (event_write). */
#define EVENTS_DDL                                                             \
    "(rid INTEGER PRIMARY KEY, hash BLOB NOT NULL, declared_id TEXT,"          \
    " type INTEGER NOT NULL, action INTEGER NOT NULL,"                         \
    " event_time INTEGER NOT NULL, tz INTEGER NOT NULL,"                       \
    " record_time INTEGER NOT NULL, biz_step INTEGER, disposition INTEGER,"    \
    " read_point INTEGER, biz_location INTEGER, transformation_id TEXT,"       \
    " has_error INTEGER NOT NULL, party TEXT, json TEXT NOT NULL,"             \
    " ids BLOB NOT NULL, hkey BLOB NOT NULL)"
/* The columns every layout since version 7 has before json and ids (the
 * steps that copy events select them as they are). */
#define EVENTS_FACT_COLS                                                       \
    "hash, declared_id, type, action, event_time, tz, record_time,"            \
    " biz_step, disposition, read_point, biz_location, transformation_id,"     \
    " has_error, party"
#define EVENTS_COLS_V7 EVENTS_FACT_COLS ", json, ids"

/* Versions 8-25 (the steps 11 -> 12 and 16 -> 17 still make them; the
 * step 25 -> 26 turns them into the layout below). */
static const char INTERN_TABLES_V8[] =
    "CREATE TABLE IF NOT EXISTS idents(n INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS event_occ("
    " n INTEGER NOT NULL, event_time INTEGER NOT NULL, ev INTEGER NOT NULL,"
    " role INTEGER NOT NULL, qty REAL, uom TEXT,"
    " PRIMARY KEY(n, event_time, ev, role)) WITHOUT ROWID;";
static const char INTERN_VIEW_V8[] =
    "CREATE VIEW IF NOT EXISTS event_ids(id, event_time, hash, role, type,"
    " action, record_time, qty, uom) AS SELECT d.id, o.event_time, e.hash,"
    " o.role, e.type, e.action, e.record_time, o.qty, o.uom"
    " FROM event_occ o JOIN idents d ON d.n = o.n"
    " JOIN events e ON e.rid = o.ev;";

/* Version 33 (docs/storage.md, "Schema 33"): an occurrence is
 * event_occ(n, day, ev, role), four columns. day is the event's time in
 * whole days (ZL_SQLITE_OCC_DAY, sqlite_int.h; C's and SQLite's integer
 * division, so truncated: monotonic, so a time range is a day range and a read
 * that wants time order sorts each day's rows by the event's own time, which it
 * joins anyway); the exact time is the event's (events.event_time), as the type
 * and action were already. An identifier's rows stay one range in time order by
 * day. A quantity or unit (quantity lists, 0.15% of the demo chain's
 * occurrences) is a row of event_qty keyed as its occurrence; the views join it
 * (LEFT JOIN on its whole key, which SQLite drops from a statement that reads
 * none of its columns). At schema 32 a row was (n, event time in ms: 6 bytes,
 * ev, role, qty, uom: 7 bytes of record header), ~20 bytes of payload; now ~14.
 * Rejected: the role in ev's low bits (a byte of header saved, ev one byte
 * longer past 2^19 events, and the bench's recursive SQL peers read ev and
 * role); the time relative to an epoch in ms (still 6 bytes: 2^32 ms is 50
 * days). */
#define OCC_TABLES                                                             \
    "CREATE TABLE IF NOT EXISTS event_occ("                                    \
    " n INTEGER NOT NULL, day INTEGER NOT NULL, ev INTEGER NOT NULL,"          \
    " role INTEGER NOT NULL, PRIMARY KEY(n, day, ev, role)) WITHOUT ROWID;"    \
    "CREATE TABLE IF NOT EXISTS event_qty("                                    \
    " ev INTEGER NOT NULL, n INTEGER NOT NULL, role INTEGER NOT NULL,"         \
    " qty REAL, uom TEXT, PRIMARY KEY(ev, n, role)) WITHOUT ROWID;"

/* Version 26 (docs/storage.md, "Schema 26"): idents holds each
 * identifier's code (ident_code.c: a short BLOB for the GS1 Digital Link
 * and EPC URN forms, the TEXT otherwise; no column affinity, so each
 * keeps its storage class), looked up by code. The view idents_text
 * spells the text back in plain SQL, event_ids shows the occurrences
 * as before, and event_codes the same with each identifier's code (code)
 * instead, for the lookups that must use the index (not over event_ids
 * or idents_text: every statement that names a view parses its
 * definition, and the decoding is long; +50 us a MATCH_epc query). */
static const char INTERN_TABLES[] =
    "CREATE TABLE IF NOT EXISTS idents(n INTEGER PRIMARY KEY,"
    " code BLOB NOT NULL UNIQUE);" OCC_TABLES;

/* An occurrence's event time in the views (schema 33): its day, then
 * the event's time within the day, so a row whose day was edited shows
 * another time (verify finds it wrong) and an intact one the event's. */
#define OCC_TIME                                                               \
    "o.day * " ZL_SQLITE_OCC_DAY " + e.event_time % " ZL_SQLITE_OCC_DAY
#define OCC_QTY_JOIN                                                           \
    "LEFT JOIN event_qty q ON q.ev = o.ev AND q.n = o.n AND q.role = o.role"

/* The views over idents (version 26), their decoding made from the
 * forms' table (zl_ident_decode_sql), and over the occurrences of schema
 * 33. */
static int intern_views(zl_store *s)
{
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, 1 << 20);
    rc = zl_buf_adds(&b, "CREATE VIEW IF NOT EXISTS idents_text(n, code, id)"
                         " AS SELECT n, code, ");
    if (!rc)
        rc = zl_ident_decode_sql("code", &b);
    if (!rc)
        rc = zl_buf_adds(
            &b, " FROM idents;"
                "CREATE VIEW IF NOT EXISTS event_codes(code, event_time, hash,"
                " role, type, action, record_time, qty, uom) AS SELECT"
                " d.code, " OCC_TIME ", e.hash, o.role, e.type, e.action,"
                " e.record_time, q.qty, q.uom FROM event_occ o"
                " JOIN idents d ON d.n = o.n JOIN events e ON e.rid = o.ev"
                " " OCC_QTY_JOIN ";"
                "CREATE VIEW IF NOT EXISTS event_ids(id, event_time, hash,"
                " role, type, action, record_time, qty, uom) AS SELECT d.id,"
                " " OCC_TIME ", e.hash, o.role, e.type, e.action,"
                " e.record_time, q.qty, q.uom FROM event_occ o"
                " JOIN idents_text d ON d.n = o.n"
                " JOIN events e ON e.rid = o.ev " OCC_QTY_JOIN ";");
    if (!rc)
        rc = zl_sqlite_exec(s, b.data);
    zl_buf_cleanup(&b);
    return rc;
}

/* events_time carries the record time (version 8): GE_/LT_recordTime
 * ordered by eventTime walks the index in time order and filters there,
 * reading a table row only for a match. Before, each skipped entry cost a
 * row read: 1M demo events, a recordTime bound whose matches start deep in
 * event time, 0.5-22 s a first page; with the column 0.08-0.4 s (sqlite3
 * shell, load 13). It costs 5 bytes an event (16.7 -> 22.0) and nothing
 * more at capture (the same one index insert). Rejected: an index led by
 * record_time (a recent bound is a short range, an old one sorts most of
 * the table, and without stat4 the planner cannot tell them apart). */
/* The index lookups by hash use (schema 34); not in SCHEMA, which the
 * steps 11 -> 12 and 16 -> 17 run over tables without hkey. */
static const char HKEY_INDEX[] =
    "CREATE INDEX IF NOT EXISTS events_hkey ON events(hkey);";

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE IF NOT EXISTS events" EVENTS_DDL ";"
    "CREATE INDEX IF NOT EXISTS events_time ON events(event_time,"
    " record_time);"
    "CREATE INDEX IF NOT EXISTS events_declared ON "
    "events(declared_id)"
    " WHERE declared_id IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS event_refs("
    " hash BLOB NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL,"
    " value TEXT NOT NULL, PRIMARY KEY(hash, kind, type, value))"
    " WITHOUT ROWID;";

const char *zl_sqlite_text(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);

    return v ? v : "";
}

sqlite3_stmt *zl_sqlite_stmt(zl_store *s, const char *sql)
{
    struct zl_sqlite *q = zl_sqlite_of(s);
    sqlite3_stmt *st = NULL;

    for (size_t i = 0; i < q->n_stmts; i++) {
        if (q->stmts[i].sql == sql) {
            st = q->stmts[i].stmt;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK)
        return NULL;
    if (q->n_stmts < ZL_STMT_CACHE) {
        q->stmts[q->n_stmts].sql = sql;
        q->stmts[q->n_stmts].stmt = st;
        q->n_stmts++;
    }
    /* A full cache would leak the statement: the cache is sized well above
     * the number of distinct literals, and the assert catches growth. */
    return st;
}

sqlite3_stmt *zl_sqlite_stmt_text(zl_store *s, const char *sql, size_t len)
{
    struct zl_sqlite *q = zl_sqlite_of(s);
    struct zl_text_slot *t, *victim = NULL;
    sqlite3_stmt *st = NULL;

    for (size_t i = 0; i < ZL_TEXT_STMTS; i++) {
        t = &q->texts[i];
        if (t->sql && t->len == len && !memcmp(t->sql, sql, len)) {
            if (t->busy) { /* stepping: a fresh one, not kept twice */
                victim = NULL;
                break;
            }
            t->busy = 1;
            t->used = ++q->text_clock;
            return t->stmt;
        }
        if (!t->busy &&
            (!victim || !t->sql || (victim->sql && t->used < victim->used)))
            victim = t;
    }
    if (sqlite3_prepare_v3(q->db, sql, (int)len + 1, SQLITE_PREPARE_PERSISTENT,
                           &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    if (victim) { /* else every slot is stepping: st is the caller's alone */
        char *copy = zl_malloc(len + 1);

        if (!copy)
            return st;
        sqlite3_finalize(victim->stmt);
        zl_free(victim->sql);
        memcpy(copy, sql, len + 1);
        victim->sql = copy;
        victim->len = len;
        victim->stmt = st;
        victim->busy = 1;
        victim->used = ++q->text_clock;
    }
    return st;
}

void zl_sqlite_stmt_text_done(zl_store *s, sqlite3_stmt *st)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    if (!st)
        return;
    for (size_t i = 0; i < ZL_TEXT_STMTS; i++)
        if (q->texts[i].stmt == st && q->texts[i].busy) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            q->texts[i].busy = 0;
            return;
        }
    sqlite3_finalize(st);
}

int zl_sqlite_get_i64(zl_store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = zl_sqlite_stmt(s, sql);
    int rc;

    if (!st)
        return ZL_ESTORE;
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

int zl_sqlite_each_text(sqlite3_stmt *st, int (*cb)(void *ctx, const char *v),
                        void *ctx)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0))) != 0) {
            sqlite3_reset(st);
            return rc;
        }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

int zl_sqlite_step_write(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT)
        return ZL_EEXIST;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

int zl_sqlite_rc(int rc)
{
    switch (rc) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return 0;
    case SQLITE_NOMEM: return ZL_ENOMEM;
    case SQLITE_BUSY: /* still locked after the busy timeout */
    case SQLITE_LOCKED: return ZL_EBUSY;
    case SQLITE_CONSTRAINT: return ZL_EEXIST;
    default: return ZL_ESTORE;
    }
}

int zl_sqlite_exec(zl_store *s, const char *sql)
{
    return zl_sqlite_rc(sqlite3_exec(zl_sqlite_db(s), sql, NULL, NULL, NULL));
}

int zl_sqlite_exec_with_fn(zl_store *s, const char *sql, const char *name,
                           void (*fn)(sqlite3_context *, int, sqlite3_value **),
                           void *ctx)
{
    sqlite3 *db = zl_sqlite_db(s);
    int rc;

    if (sqlite3_create_function_v2(db, name, 1, SQLITE_UTF8, ctx, fn, NULL,
                                   NULL, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    rc = zl_sqlite_exec(s, sql);
    sqlite3_create_function_v2(db, name, 1, SQLITE_UTF8, NULL, NULL, NULL, NULL,
                               NULL);
    return rc;
}

static void ident_code_fn(sqlite3_context *cx, int argc, sqlite3_value **argv);

/* Connection settings: every open. The page size only takes on a new,
 * empty file (before WAL mode). */
static const char SETTINGS[] = "PRAGMA journal_mode=WAL;"
                               "PRAGMA synchronous=FULL;"
                               "PRAGMA foreign_keys=OFF;"
                               "PRAGMA temp_store=MEMORY;"
                               "PRAGMA mmap_size=1073741824;"
                               "PRAGMA wal_autocheckpoint=4096;";

/* PRAGMA cache_size of kib KiB on s's connection. */
static int set_cache(zl_store *s, long kib)
{
    char sql[48];

    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld", kib);
    return zl_sqlite_exec(s, sql);
}

static int setup(zl_store *s, int is_new, struct zl_error *err)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    sqlite3_busy_timeout(q->db, 10000);
    if ((is_new && zl_sqlite_exec(s, "PRAGMA page_size=16384")) ||
        zl_sqlite_exec(s, SETTINGS) || set_cache(s, ZL_SQLITE_CACHE_KIB) ||
        sqlite3_create_function_v2(
            q->db, "zl_ident_code", 1,
            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
            ident_code_fn, NULL, NULL, NULL) != SQLITE_OK ||
        zl_sqlite_query_setup(s) || zl_sqlite_sites_setup(s))
        return zl_error_set(err, ZL_ESTORE, q->path, sqlite3_errmsg(q->db),
                            NULL, 0);
    return 0;
}

/* 1 when the database holds no table yet (a new or empty file). */
static int is_empty(zl_store *s, int *empty)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(zl_sqlite_db(s),
                           "SELECT count(*) FROM sqlite_master", -1, &st,
                           NULL) != SQLITE_OK)
        return ZL_ESTORE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *empty = sqlite3_column_int64(st, 0) == 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

static int sq_open(zl_store *s, const char *path, enum zl_store_mode mode,
                   int *is_new, struct zl_error *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    struct zl_sqlite *q;
    int rc, exists = access(path, F_OK) == 0;

    if (!*path)
        return zl_error_set(err, ZL_EINVAL, "", "empty store path", NULL, 0);
    if (mode == ZL_STORE_EXISTING && !exists)
        return zl_error_set(err, ZL_ENOTFOUND, path,
                            "no store here (run `zhiliang init` first)", NULL,
                            0);
    if (mode == ZL_STORE_CREATE_NEW && exists)
        return zl_error_set(err, ZL_EEXIST, path, "a store already exists here",
                            NULL, 0);
    if (mode != ZL_STORE_EXISTING)
        flags |= SQLITE_OPEN_CREATE;
    q = zl_calloc(1, sizeof *q);
    if (!q)
        return ZL_ENOMEM;
    s->priv = q;
    q->party_len = (size_t)-1; /* no party number kept */
    q->path = zl_strdup(path);
    if (!q->path)
        return ZL_ENOMEM;
    if (sqlite3_open_v2(path, &q->db, flags, NULL) != SQLITE_OK)
        return zl_error_set(err, ZL_ESTORE, path, "cannot open the store",
                            q->db ? sqlite3_errmsg(q->db) : NULL, (size_t)-1);
    if ((rc = is_empty(s, is_new)))
        return zl_error_set(err, rc, path, "cannot read the store",
                            sqlite3_errmsg(q->db), (size_t)-1);
    /* An empty file we were not asked to create: leave it untouched
     * (store.c refuses it), since the pragmas below would write to it. */
    if (*is_new && mode == ZL_STORE_EXISTING)
        return 0;
    return setup(s, *is_new, err);
}

static void idc_free(struct zl_sqlite *q);

static void sq_close(zl_store *s)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    if (!q)
        return;
    for (size_t i = 0; i < q->n_stmts; i++)
        sqlite3_finalize(q->stmts[i].stmt);
    for (size_t i = 0; i < ZL_TEXT_STMTS; i++) {
        sqlite3_finalize(q->texts[i].stmt);
        zl_free(q->texts[i].sql);
    }
    if (q->db && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(q->db);
    zl_sqlite_zjson_free(q->zj);
    zl_sqlite_log_free(s);
    zl_sqlite_vocab_forget(s);
    idc_free(q);
    zl_free(q->recent);
    zl_free(q->orphans);
    zl_free(q->path);
    zl_free(q);
    s->priv = NULL;
}

/* The file and its WAL and shared-memory companions. */
static int sq_remove(const char *path)
{
    static const char *const SUFFIX[] = {"", "-wal", "-shm", "-journal"};
    char p[4096];
    int rc = 0;

    for (size_t i = 0; i < sizeof SUFFIX / sizeof SUFFIX[0]; i++) {
        if ((size_t)snprintf(p, sizeof p, "%s%s", path, SUFFIX[i]) >= sizeof p)
            return ZL_ELIMIT;
        if (unlink(p) && errno != ENOENT && !rc)
            rc = -errno;
    }
    return rc;
}

/* Capture's batches: the larger page cache (sqlite_int.h), for the rest
 * of this connection's life. Only the cache's size changes: the WAL, the
 * commit's fsync and what a crash keeps are the same. */
static int sq_bulk(zl_store *s)
{
    return set_cache(s, ZL_SQLITE_BULK_CACHE_KIB);
}

static int sq_begin(zl_store *s)
{
    zl_sqlite_vocab_forget(s);
    zl_sqlite_recent_forget(s);
    return zl_sqlite_exec(s, "BEGIN IMMEDIATE");
}

static int sq_commit(zl_store *s)
{
    int rc = zl_sqlite_exec(s, "COMMIT");

    zl_sqlite_recent_forget(s);
    if (!rc) {
        zl_sqlite_of(s)->commits++;
        zl_sqlite_json_after_commit(s);
    }
    return rc;
}

static int sq_rollback(zl_store *s)
{
    zl_sqlite_vocab_forget(s);
    zl_sqlite_recent_forget(s);
    return zl_sqlite_exec(s, "ROLLBACK");
}

/* One name: store.c holds at most one mark. ROLLBACK TO leaves the mark
 * in place, so it is released too. */
static int sq_savepoint(zl_store *s)
{
    return zl_sqlite_exec(s, "SAVEPOINT zl_mark");
}

static int sq_release(zl_store *s)
{
    return zl_sqlite_exec(s, "RELEASE zl_mark");
}

static int sq_rollback_to(zl_store *s)
{
    zl_sqlite_vocab_forget(s);
    zl_sqlite_recent_forget(s);
    return zl_sqlite_exec(s, "ROLLBACK TO zl_mark; RELEASE zl_mark");
}

static int sq_schema(zl_store *s)
{
    int rc = zl_sqlite_exec(s, VOCAB);

    if (!rc)
        rc = zl_sqlite_exec(s, SCHEMA);
    if (!rc)
        rc = zl_sqlite_exec(s, HKEY_INDEX);
    if (!rc)
        rc = zl_sqlite_exec(s, OUTBOX_SCHEMA);
    if (!rc)
        rc = zl_sqlite_exec(s, INTERN_TABLES);
    if (!rc)
        rc = intern_views(s);
    if (!rc)
        rc = zl_sqlite_sites_schema(s);
    if (!rc)
        rc = zl_sqlite_trade_schema(s);
    return rc ? rc : zl_sqlite_exec(s, QUERY_INDEXES);
}

/* 7 -> 8: events gets its declared rid (the table is copied, rowids
 * kept, and its indexes rebuilt; store.c recreates the correction
 * module's), then event_ids' rows are interned into idents and event_occ
 * and the table gives way to the view; a store with 2,048 events or more
 * gets its JSON dictionary first and the copy compresses every row. One
 * transaction (store.c's); at a million events it writes ~4 GB of WAL
 * (5.7 min here, load 13), so a big store says so on stderr. The old
 * pages go to the free list (VACUUM gives them back to the disk). */
static int migrate_intern(zl_store *s)
{
    static const char EVENTS[] =
        "CREATE TABLE events_v8" EVENTS_DDL_V12 ";"
        "INSERT INTO events_v8(rid, " EVENTS_COLS_V7 ") SELECT rowid, hash,"
        " declared_id, type, action, event_time, tz, record_time, biz_step,"
        " disposition, read_point, biz_location, transformation_id,"
        " has_error, party, zl_zjson_pack(json), ids"
        " FROM events ORDER BY rowid;"
        "DROP TABLE events;"
        "ALTER TABLE events_v8 RENAME TO events;";
    static const char OCC[] =
        "INSERT INTO idents(id) SELECT DISTINCT id FROM event_ids;"
        "INSERT INTO event_occ(n, event_time, ev, role, qty, uom)"
        " SELECT d.n, x.event_time, e.rid, x.role, x.qty, x.uom"
        " FROM event_ids x JOIN idents d ON d.id = x.id"
        " JOIN events e ON e.hash = x.hash WHERE 1"
        " ON CONFLICT DO NOTHING;"
        "DROP TABLE event_ids;";
    static const char COUNT[] = "SELECT count(*) FROM events";
    /* A store laid out at 8 whose recorded version was lowered (tests do
     * that to replay the steps) is left as it is. */
    static const char HAS_RID[] =
        "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'rid'";
    static const char HAS_TABLE[] =
        "SELECT count(*) FROM sqlite_master"
        " WHERE type = 'table' AND name = 'event_ids'";
    int64_t n = 0, has_rid = 0, has_table = 0;
    int rc = zl_sqlite_get_i64(s, COUNT, &n);

    if (!rc)
        rc = zl_sqlite_get_i64(s, HAS_RID, &has_rid);
    if (!rc)
        rc = zl_sqlite_get_i64(s, HAS_TABLE, &has_table);
    if (rc || (has_rid && !has_table))
        return rc;
    if (n >= 100000)
        fprintf(stderr,
                "zhiliang: upgrading the store to schema 8 (interned"
                " identifiers): rewriting %lld events in one transaction...\n",
                (long long)n);
    /* the dictionary first, from schema 7's rows, so the copy below
     * writes every row compressed once */
    if (!has_rid && n >= 100000)
        fprintf(stderr, "zhiliang: training the JSON dictionary...\n");
    if (!has_rid && !(rc = zl_sqlite_json_train(s, 0, 0)))
        rc = zl_sqlite_json_exec_packing(s, EVENTS);
    if (!rc)
        rc = zl_sqlite_exec(s, SCHEMA);
    if (!rc)
        rc = zl_sqlite_exec(s, QUERY_INDEXES);
    if (!rc)
        rc = zl_sqlite_exec(s, INTERN_TABLES_V8);
    if (!rc && n >= 100000)
        fprintf(stderr, "zhiliang: events copied; interning identifiers...\n");
    if (!rc)
        rc = zl_sqlite_exec(s, OCC);
    if (!rc)
        rc = zl_sqlite_exec(s, INTERN_VIEW_V8);
    if (!rc && n >= 100000)
        fprintf(stderr, "zhiliang: schema 8 written; committing\n");
    return rc;
}

/* 16 -> 17: the four text columns become vocab numbers. events is copied
 * into a table whose columns are INTEGER (rowids and rids kept, the JSON
 * copied as stored), then its indexes and the event_ids view, which
 * names events, are made again; store.c remakes the correction module's
 * index. One transaction (store.c's); a big store says so on stderr.
 * Rejected: UPDATE in place (the rows shrink where they are and leave
 * their pages part empty, as the JSON compression did in 11 -> 12). */
static void outbox_pack_fn(sqlite3_context *cx, int argc, sqlite3_value **argv);

static int migrate_vocab(zl_store *s)
{
    static const char COPY[] =
        "INSERT OR IGNORE INTO vocab(v) SELECT biz_step FROM events"
        " WHERE biz_step IS NOT NULL UNION SELECT disposition FROM events"
        " WHERE disposition IS NOT NULL UNION SELECT read_point FROM events"
        " WHERE read_point IS NOT NULL UNION SELECT biz_location FROM events"
        " WHERE biz_location IS NOT NULL;"
        "DROP VIEW IF EXISTS event_ids;"
        "CREATE TABLE events_v14" EVENTS_DDL_V32 ";"
        "INSERT INTO events_v14(rid, " EVENTS_COLS_V7 ") SELECT rid, hash,"
        " declared_id, type, action, event_time, tz, record_time,"
        " (SELECT n FROM vocab WHERE v = biz_step),"
        " (SELECT n FROM vocab WHERE v = disposition),"
        " (SELECT n FROM vocab WHERE v = read_point),"
        " (SELECT n FROM vocab WHERE v = biz_location),"
        " transformation_id, has_error, party, json, ids"
        " FROM events ORDER BY rid;"
        "DROP TABLE events;"
        "ALTER TABLE events_v14 RENAME TO events;";
    /* the outbox is copied too (seqs kept: subscribers' cursors and
     * replicas name them), each event's hash key packed */
    static const char OUTBOX[] =
        "CREATE TABLE outbox_v14(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
        " key TEXT NOT NULL, created INTEGER);"
        "INSERT INTO outbox_v14(seq, kind, key, created) SELECT seq, kind,"
        " zl_outbox_pack(key), created FROM outbox ORDER BY seq;"
        "DROP TABLE outbox;"
        "ALTER TABLE outbox_v14 RENAME TO outbox;";
    static const char COUNT[] = "SELECT count(*) FROM events";
    /* a store already laid out at 14 whose recorded version was lowered
     * (tests replay the steps) is left as it is */
    static const char IS_TEXT[] =
        "SELECT count(*) FROM pragma_table_info('events')"
        " WHERE name = 'biz_step' AND type = 'TEXT'";
    int64_t n = 0, is_text = 0;
    int rc = zl_sqlite_exec(s, VOCAB);

    if (!rc)
        rc = zl_sqlite_get_i64(s, COUNT, &n);
    if (!rc)
        rc = zl_sqlite_get_i64(s, IS_TEXT, &is_text);
    if (rc || !is_text)
        return rc;
    if (n >= 100000)
        fprintf(stderr,
                "zhiliang: upgrading the store to schema 17 (bizStep,"
                " disposition and locations as numbers): rewriting %lld"
                " events in one transaction...\n",
                (long long)n);
    rc = zl_sqlite_exec(s, COPY);
    if (!rc && n >= 100000)
        fprintf(stderr, "zhiliang: events copied; packing the outbox...\n");
    if (!rc)
        rc = zl_sqlite_exec_with_fn(s, OUTBOX, "zl_outbox_pack", outbox_pack_fn,
                                    NULL);
    if (!rc)
        rc = zl_sqlite_exec(s, SCHEMA);
    if (!rc)
        rc = zl_sqlite_exec(s, QUERY_INDEXES);
    if (!rc)
        rc = zl_sqlite_exec(s, INTERN_VIEW_V8);
    if (!rc && n >= 100000)
        fprintf(stderr, "zhiliang: schema 17 written; committing\n");
    return rc;
}

/* zl_leaf_of(key) for the 20 -> 21 copy of the outbox: an event's key
 * (32 bytes) as its log leaf's index, anything else as it is. */
static void leaf_of_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    int64_t leaf;

    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
        sqlite3_value_bytes(argv[0]) == 32 &&
        (leaf = zl_sqlite_leaf_of_hash(sqlite3_user_data(cx),
                                       sqlite3_value_blob(argv[0]))) >= 0)
        sqlite3_result_int64(cx, leaf);
    else
        sqlite3_result_value(cx, argv[0]);
}

/* 20 -> 21 (docs/storage.md, "Schema 21"): the log's event keys as
 * their 32 bytes (sqlite_log.c), the outbox copied (seqs kept) with
 * each event's key as the index of the event's log leaf, and the capture
 * receipts' event lists as leaf indexes (sqlite_receipt.c). Idempotent: a key
 * already a rid stays one. A big store says so on stderr. */
static int migrate_slim(zl_store *s)
{
    static const char OUTBOX[] =
        "CREATE TABLE outbox_v21(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
        " key BLOB NOT NULL, created INTEGER);"
        "INSERT INTO outbox_v21(seq, kind, key, created) SELECT seq, kind,"
        " zl_leaf_of(key), created FROM outbox ORDER BY seq;"
        "DROP TABLE outbox;"
        "ALTER TABLE outbox_v21 RENAME TO outbox;";
    static const char COUNT[] = "SELECT count(*) FROM log_leaf";
    int64_t n = 0;
    int rc = zl_sqlite_get_i64(s, COUNT, &n);

    if (!rc && n >= 100000)
        fprintf(stderr,
                "zhiliang: upgrading the store to schema 21 (compact log"
                " keys and outbox): rewriting %lld log records in one"
                " transaction...\n",
                (long long)n);
    if (!rc)
        rc = zl_sqlite_exec_with_fn(s, OUTBOX, "zl_leaf_of", leaf_of_fn, s);
    return rc ? rc : zl_sqlite_receipt_migrate(s);
}

/* 25 -> 26 (docs/storage.md, "Schema 26"): idents copied (numbers
 * kept: event_occ and the trace index name them) with each identifier as
 * its code, and the views made again over it. Run at the first step from
 * 17 on (store.c runs the steps after this one with this layout: the
 * trace index's rebuild at 19 -> 20 reads idents), and idempotent: a
 * dictionary already coded is left as it is (its views made if missing). A big
 * store says so on stderr. */
static int migrate_codes(zl_store *s)
{
    static const char HAS_ID[] =
        "SELECT count(*) FROM"
        " pragma_table_info('idents') WHERE name = 'id'";
    static const char COUNT[] = "SELECT count(*) FROM idents";
    static const char COPY[] =
        "DROP VIEW IF EXISTS event_ids;"
        "DROP VIEW IF EXISTS event_codes;"
        "DROP VIEW IF EXISTS idents_text;"
        "CREATE TABLE idents_v25(n INTEGER PRIMARY KEY,"
        " code BLOB NOT NULL UNIQUE);"
        "INSERT INTO idents_v25(n, code) SELECT n, zl_ident_code(id)"
        " FROM idents ORDER BY n;"
        "DROP TABLE idents;"
        "ALTER TABLE idents_v25 RENAME TO idents;";
    int64_t has_id = 0, n = 0;
    int rc = zl_sqlite_get_i64(s, HAS_ID, &has_id);

    if (!rc && has_id)
        rc = zl_sqlite_get_i64(s, COUNT, &n);
    if (rc || !has_id)
        return rc ? rc : intern_views(s);
    if (n >= 100000)
        fprintf(stderr,
                "zhiliang: upgrading the store to schema 26 (coded"
                " identifiers): rewriting %lld identifiers...\n",
                (long long)n);
    rc = zl_sqlite_exec(s, COPY);
    return rc ? rc : intern_views(s);
}

/* 32 -> 33 (docs/storage.md, "Schema 33"): event_occ copied into the
 * four-column layout (its day for its time; rows read in key order, so
 * the copy appends), the quantities and units into event_qty, the views
 * made again over them. Run at the first step from 17 on, before
 * migrate_codes (whose views are this layout's; later steps read
 * event_occ with this build's code), and idempotent: a table already in
 * this layout is left as it is (an event_qty beside an older one is
 * not this step's and is replaced). Views are made only over a coded
 * dictionary (migrate_codes makes them at 17-25). A big store says so on
 * stderr. */
static int migrate_occ(zl_store *s)
{
    static const char HAS_TIME[] =
        "SELECT count(*) FROM"
        " pragma_table_info('event_occ') WHERE name = 'event_time'";
    static const char HAS_CODE[] =
        "SELECT count(*) FROM pragma_table_info('idents') WHERE name = 'code'";
    static const char COUNT[] = "SELECT count(*) FROM event_occ";
    static const char COPY[] =
        "DROP VIEW IF EXISTS event_ids;"
        "DROP VIEW IF EXISTS event_codes;"
        "ALTER TABLE event_occ RENAME TO event_occ_v32;"
        "DROP TABLE IF EXISTS event_qty;" OCC_TABLES
        "INSERT INTO event_occ(n, day, ev, role) SELECT n,"
        " event_time / " ZL_SQLITE_OCC_DAY ", ev, role FROM event_occ_v32"
        " ORDER BY n, event_time, ev, role;"
        "INSERT OR IGNORE INTO event_qty(ev, n, role, qty, uom)"
        " SELECT ev, n, role, qty, uom FROM event_occ_v32"
        " WHERE qty IS NOT NULL OR uom IS NOT NULL ORDER BY ev, n, role;"
        "DROP TABLE event_occ_v32;";
    int64_t has_time = 0, has_code = 0, n = 0;
    int rc = zl_sqlite_get_i64(s, HAS_TIME, &has_time);

    if (!rc)
        rc = zl_sqlite_get_i64(s, HAS_CODE, &has_code);
    if (!rc && has_time)
        rc = zl_sqlite_get_i64(s, COUNT, &n);
    if (rc || !has_time)
        return rc;
    if (n >= 1000000)
        fprintf(stderr,
                "zhiliang: upgrading the store to schema 33 (slimmer"
                " occurrences): rewriting %lld occurrences...\n",
                (long long)n);
    rc = zl_sqlite_exec(s, COPY);
    return rc || !has_code ? rc : intern_views(s);
}

/* 32 -> 33 (docs/storage.md, "Schema 33"): the outbox copied (seqs
 * kept: subscribers' cursors name them) with an event's kind as
 * ZL_SQLITE_OUTBOX_EVENT into a kind column without affinity (a TEXT one
 * would store the integer as its digits). Idempotent: an outbox whose
 * kind is no longer TEXT is left as it is. */
static int migrate_outbox_kind(zl_store *s)
{
    static const char IS_TEXT[] =
        "SELECT count(*) FROM pragma_table_info('outbox')"
        " WHERE name = 'kind' AND type = 'TEXT'";
    static const char COPY[] =
        "CREATE TABLE outbox_v33" OUTBOX_DDL ";"
        "INSERT INTO outbox_v33(seq, kind, key, created) SELECT seq,"
        " CASE kind WHEN 'event' THEN 1 ELSE kind END, key, created"
        " FROM outbox ORDER BY seq;"
        "DROP TABLE outbox;"
        "ALTER TABLE outbox_v33 RENAME TO outbox;";
    int64_t is_text = 0;
    int rc = zl_sqlite_get_i64(s, IS_TEXT, &is_text);

    return rc || !is_text ? rc : zl_sqlite_exec(s, COPY);
}

/* 33 -> 34 (docs/storage.md, "Schema 34"): events without its UNIQUE
 * index on the whole hash, found through hkey and events_hkey instead.
 * SQLite cannot drop a UNIQUE constraint's index, so the table is copied
 * (rids kept, rows as stored, hkey made from the hash) and its indexes,
 * the views and triggers that name it made again (store.c remakes the
 * correction module's index); the trade index's triggers are made again
 * in any case, since they now find events through events_hkey.
 * Idempotent: a table without the UNIQUE index is not copied. One
 * transaction (store.c's); a big store says so on stderr. */
static int events_remade(zl_store *s);

/* What goes with the events table when a step copies it (events_remade
 * makes them again): the trade index's triggers, and the views over it. */
static const char DROP_TRIGGERS[] = "DROP TRIGGER IF EXISTS event_trade_ai;"
                                    "DROP TRIGGER IF EXISTS event_trade_au;"
                                    "DROP TRIGGER IF EXISTS event_trade_ad;"
                                    "DROP TRIGGER IF EXISTS event_trade_eu;"
                                    "DROP TRIGGER IF EXISTS event_trade_ed;";
#define DROP_EVENTS_VIEWS                                                      \
    "DROP VIEW IF EXISTS event_ids;"                                           \
    "DROP VIEW IF EXISTS event_codes;"                                         \
    "DROP VIEW IF EXISTS idents_text;"

static int migrate_hkey(zl_store *s)
{
    static const char HAS_UNIQUE[] =
        "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
        " AND name = 'sqlite_autoindex_events_1'";
    static const char COUNT[] = "SELECT count(*) FROM events";
    static const char COPY[] = DROP_EVENTS_VIEWS
        "CREATE TABLE events_v34" EVENTS_DDL ";"
        "INSERT INTO events_v34(rid, " EVENTS_COLS_V7
        ", hkey) SELECT rid, " EVENTS_COLS_V7
        ", " ZL_SQLITE_HKEY("hash") " FROM events"
                                    " ORDER BY rid;"
                                    "DROP TABLE events;"
                                    "ALTER TABLE events_v34 RENAME TO events;";
    int64_t unique = 0, n = 0;
    int rc = zl_sqlite_get_i64(s, HAS_UNIQUE, &unique);

    if (!rc)
        rc = zl_sqlite_get_i64(s, COUNT, &n);
    if (!rc)
        rc = zl_sqlite_exec(s, DROP_TRIGGERS);
    if (!rc && unique) {
        if (n >= 100000)
            fprintf(stderr,
                    "zhiliang: upgrading the store to schema 34 (compact"
                    " event hash index): rewriting %lld events in one"
                    " transaction...\n",
                    (long long)n);
        rc = zl_sqlite_exec(s, COPY);
    }
    return rc ? rc : events_remade(s);
}

/* After a step's copy of events: its indexes, the views and the
 * triggers that name it made again (store.c remakes the correction
 * module's index). */
static int events_remade(zl_store *s)
{
    int rc = zl_sqlite_exec(s, SCHEMA);

    if (!rc)
        rc = zl_sqlite_exec(s, HKEY_INDEX);
    if (!rc)
        rc = zl_sqlite_exec(s, QUERY_INDEXES);
    if (!rc)
        rc = intern_views(s);
    if (!rc)
        rc = zl_sqlite_sites_schema(s);
    return rc ? rc : zl_sqlite_trade_schema(s);
}

/* 37 -> 38 (docs/storage.md, "Schema 38"): events.ids by identifier
 * number (sqlite_ids.c). events is copied (rids and every other column
 * kept) with each list packed again by zl_ids_v3, which leaves a list
 * whose identifiers idents lacks as it was, and each JSON frame written
 * before schema 35 made bare (zl_zjson_bare: 8 bytes less, the same
 * JSON); UPDATE in place would leave the pages a fifth empty. Then the
 * outbox is copied with an event's created left NULL (OUTBOX_DDL). The trade
 * triggers go with the table and are made again. Idempotent: lists already in
 * version 3 pass through. One transaction (store.c's); a big store says so on
 * stderr. */
static int migrate_ids(zl_store *s)
{
    static const char COUNT[] = "SELECT count(*) FROM events";
    static const char COPY[] =
        DROP_EVENTS_VIEWS "CREATE TABLE events_v38" EVENTS_DDL ";"
                          "INSERT INTO events_v38(rid, " EVENTS_COLS_V7
                          ", hkey) SELECT rid, " EVENTS_FACT_COLS
                          ", zl_zjson_bare(json), zl_ids_v3(ids), hkey"
                          " FROM events"
                          " ORDER BY rid;"
                          "DROP TABLE events;"
                          "ALTER TABLE events_v38 RENAME TO events;";
    /* the outbox (seqs kept), an event's created left NULL where it is
     * the record time of the event its leaf names */
    static const char OUTBOX_COPY[] =
        "CREATE TABLE outbox_v38" OUTBOX_DDL ";"
        "INSERT INTO outbox_v38(seq, kind, key, created) SELECT o.seq, o.kind,"
        " o.key, CASE WHEN o.kind = 1 AND typeof(o.key) = 'integer' AND"
        " o.created = (SELECT e.record_time FROM log_leaf l JOIN events e"
        " ON e.rid = l.record_key WHERE l.idx = o.key) THEN NULL ELSE"
        " o.created END FROM outbox o ORDER BY o.seq;"
        "DROP TABLE outbox;"
        "ALTER TABLE outbox_v38 RENAME TO outbox;";
    int64_t n = 0;
    int rc = zl_sqlite_get_i64(s, COUNT, &n);

    if (!rc)
        rc = zl_sqlite_exec(s, DROP_TRIGGERS);
    if (!rc && n >= 100000)
        fprintf(stderr,
                "zhiliang: upgrading the store to schema 38 (identifier lists"
                " by number): rewriting %lld events in one transaction...\n",
                (long long)n);
    if (!rc)
        rc = zl_sqlite_json_exec_baring(s, COPY, zl_sqlite_ids_exec_v3);
    if (!rc)
        rc = zl_sqlite_exec(s, OUTBOX_COPY);
    return rc ? rc : events_remade(s);
}

/* The steps before 33 -> 34 of a store whose events has no hkey yet:
 * the column added and filled, and its index, since the steps' reads and
 * writes find events by hash through it (the steps 11 -> 12 and 16 -> 17
 * copy the table without it: the next step adds it again). */
static int ensure_hkey(zl_store *s)
{
    static const char HAS[] = "SELECT count(*) FROM pragma_table_info('events')"
                              " WHERE name = 'hkey'";
    static const char ADD[] =
        "ALTER TABLE events ADD COLUMN hkey BLOB;"
        "UPDATE events SET hkey = " ZL_SQLITE_HKEY("hash") ";";
    int64_t has = 0;
    int rc = zl_sqlite_get_i64(s, HAS, &has);

    if (!rc && !has)
        rc = zl_sqlite_exec(s, ADD);
    return rc ? rc : zl_sqlite_exec(s, HKEY_INDEX);
}

/* The core tables' migration steps (store.c runs the modules'): 0.1.0 ->
 * 2 adds the outbox, 5 -> 6 the query indexes (built in the migration's
 * transaction: 6.5-11 s for the four at a million events), 11 -> 12 the
 * interned identifiers, 16 -> 17 the vocab numbers. */
static int sq_migrate(zl_store *s, int from)
{
    /* every event read names vocab (ZL_SQLITE_VOCAB), the steps' too */
    if (from < 13 && zl_sqlite_exec(s, VOCAB))
        return ZL_ESTORE;
    if (from < 33 && ensure_hkey(s))
        return ZL_ESTORE;
    if (from >= 17 && from <= 32 && migrate_occ(s))
        return ZL_ESTORE;
    if (from >= 17 && from <= 25 && migrate_codes(s))
        return ZL_ESTORE;
    /* log_leaf in schema 36's layout before any step appends a leaf (its
     * events found by hash, so after ensure_hkey; from 33, whose events
     * get hkey at its step, after that step) */
    if (from <= 35 && from != 33 && zl_sqlite_log_migrate(s, from == 20))
        return ZL_ESTORE;
    if (from == 1)
        return zl_sqlite_exec(s, OUTBOX_SCHEMA);
    if (from == 5)
        return zl_sqlite_exec(s, QUERY_INDEXES);
    if (from == 11)
        return migrate_intern(s);
    if (from == 16)
        return migrate_vocab(s);
    if (from == 20)
        return migrate_slim(s);
    if (from == 21)
        return zl_sqlite_sites_migrate(s);
    if (from == 23)
        return zl_sqlite_sites_schema(s);
    if (from == 26)
        return zl_sqlite_trade_migrate(s);
    if (from == 28)
        return zl_sqlite_sites_remake(s);
    if (from == 31)
        return zl_sqlite_log_nodes_migrate(s);
    if (from == 32)
        return migrate_outbox_kind(s);
    if (from == 33) {
        int rc = migrate_hkey(s);

        return rc ? rc : zl_sqlite_log_migrate(s, 0);
    }
    if (from == 36) {
        int rc = zl_sqlite_exec(s, INDEXES_V37);

        return rc ? rc : zl_sqlite_exec(s, QUERY_INDEXES);
    }
    if (from == 37)
        return migrate_ids(s);
    return 0;
}

/* A migration rewrites tables and indexes of every event in one
 * transaction, in statements that may abort: SQLite gives each a
 * statement journal, every page it changes copied first, and keeps it in
 * memory when the transaction began under temp_store=MEMORY (the setting
 * capture and queries run with; SQLite reads it when a transaction
 * begins). Until the migration's transaction ends, such journals and
 * sorts go to temporary files instead: the 1M-event store's upgrade 36
 * -> 38 peaked at 946 MB resident, 588 MB so (the 10M store's to 38 at
 * 5.5 GB). */
static void sq_migrating(zl_store *s, int on)
{
    zl_sqlite_exec(s,
                   on ? "PRAGMA temp_store=FILE" : "PRAGMA temp_store=MEMORY");
}

static int sq_exec_sql(zl_store *s, const char *sql)
{
    zl_sqlite_vocab_forget(s);
    return zl_sqlite_exec(s, sql);
}

/* ---- meta -----------------------------------------------------------------
 */

static int sq_meta_get(zl_store *s, const char *key, char **value, size_t *len)
{
    static const char SQL[] = "SELECT value FROM meta WHERE key = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return ZL_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return ZL_ESTORE;
    *len = (size_t)sqlite3_column_bytes(st, 0);
    *value = zl_strndup(
        sqlite3_column_blob(st, 0) ? sqlite3_column_blob(st, 0) : "", *len);
    sqlite3_reset(st);
    return *value ? 0 : ZL_ENOMEM;
}

static int sq_meta_set(zl_store *s, const char *key, const char *value,
                       size_t len)
{
    static const char SQL[] =
        "INSERT INTO meta(key, value) VALUES(?1, ?2)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, value, (int)len, SQLITE_STATIC);
    return zl_sqlite_rc(sqlite3_step(st));
}

static int sq_meta_keys(zl_store *s, const char *prefix,
                        int (*cb)(void *ctx, const char *key), void *ctx)
{
    static const char SQL[] = "SELECT key FROM meta WHERE"
                              " substr(key, 1, length(?1)) = ?1 ORDER BY key";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    return zl_sqlite_each_text(st, cb, ctx);
}

/* ---- events ---------------------------------------------------------------
 */

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* The identifiers' numbers met in this transaction (issue 11): capture
 * names ~8.8 identifiers an event, ~2.3 of them new, and the lookup of
 * each in idents' UNIQUE text index (then the trace index's own lookup
 * of the same strings) was ~10% of a capture's CPU at 100k events. An
 * identifier recurs within a batch (a lot, a product class, an item's
 * next step), so the numbers are held in a table the handle keeps, keyed
 * by the text's FNV-1a: open addressing, at most IDC_MAX entries, emptied
 * when full and at every begin, rollback and savepoint rollback (so an
 * entry a rollback removed, or another writer's reindex, is never
 * reused). Texts live in one buffer, entries name them by offset. */
#define IDC_MAX   (1u << 17)
#define IDC_SLOTS (IDC_MAX * 2)
struct idc_entry {
    uint64_t h;
    int64_t n;
    size_t off, len;
};
struct zl_idcache {
    uint32_t *slot; /* entry index + 1; 0: empty */
    struct idc_entry *e;
    size_t n, cap;
    char *txt;
    size_t txt_len, txt_cap;
};

static void idc_forget(struct zl_sqlite *q)
{
    struct zl_idcache *c = q->idc;

    if (c && c->n) {
        memset(c->slot, 0, IDC_SLOTS * sizeof *c->slot);
        c->n = c->txt_len = 0;
    }
}

static void idc_free(struct zl_sqlite *q)
{
    if (!q->idc)
        return;
    zl_free(q->idc->slot);
    zl_free(q->idc->e);
    zl_free(q->idc->txt);
    zl_free(q->idc);
    q->idc = NULL;
}

/* The slot of id[0..len) with hash h: its entry's, or the empty one
 * where it would go. */
static uint32_t *idc_slot(const struct zl_idcache *c, const char *id,
                          size_t len, uint64_t h)
{
    for (size_t i = (size_t)h & (IDC_SLOTS - 1);;
         i = (i + 1) & (IDC_SLOTS - 1)) {
        const struct idc_entry *e;

        if (!c->slot[i])
            return &c->slot[i];
        e = &c->e[c->slot[i] - 1];
        if (e->h == h && e->len == len && !memcmp(c->txt + e->off, id, len))
            return &c->slot[i];
    }
}

int zl_sqlite_ident_cached(zl_store *s, const char *id, size_t len, int64_t *n)
{
    const struct zl_idcache *c = zl_sqlite_of(s)->idc;
    uint32_t *at;

    /* outside a transaction another writer may have renumbered idents */
    if (!c || !c->n || sqlite3_get_autocommit(zl_sqlite_db(s)))
        return 0;
    at = idc_slot(c, id, len, zl_fnv1a64(id, len));
    if (!*at)
        return 0;
    *n = c->e[*at - 1].n;
    return 1;
}

void zl_sqlite_ident_remember(zl_store *s, const char *id, size_t len,
                              int64_t n)
{
    struct zl_sqlite *q = zl_sqlite_of(s);
    struct zl_idcache *c = q->idc;
    uint64_t h = zl_fnv1a64(id, len);
    uint32_t *at;

    if (sqlite3_get_autocommit(q->db))
        return;
    if (!c) {
        if (!(c = q->idc = zl_calloc(1, sizeof *c)))
            return;
        if (!(c->slot = zl_calloc(IDC_SLOTS, sizeof *c->slot))) {
            idc_free(q);
            return;
        }
    }
    if (c->n == IDC_MAX)
        idc_forget(q);
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        struct idc_entry *ne = zl_realloc(c->e, cap * sizeof *ne);

        if (!ne)
            return;
        c->e = ne;
        c->cap = cap;
    }
    if (c->txt_len + len > c->txt_cap) {
        size_t cap = c->txt_cap ? c->txt_cap : 65536;
        char *nt;

        while (cap < c->txt_len + len)
            cap *= 2;
        if (!(nt = zl_realloc(c->txt, cap)))
            return;
        c->txt = nt;
        c->txt_cap = cap;
    }
    at = idc_slot(c, id, len, h);
    if (*at) {
        c->e[*at - 1].n = n;
        return;
    }
    memcpy(c->txt + c->txt_len, id, len);
    c->e[c->n] = (struct idc_entry){h, n, c->txt_len, len};
    c->txt_len += len;
    *at = (uint32_t)++c->n;
}

int zl_sqlite_bind_ident(sqlite3_stmt *st, int i, const char *id, size_t len)
{
    unsigned char local[256], *code = local;
    size_t n;
    int rc;

    if (len > sizeof local && !(code = zl_malloc(len)))
        return ZL_ENOMEM;
    n = zl_ident_encode(id, len, code);
    rc = n ? sqlite3_bind_blob(st, i, code, (int)n, SQLITE_TRANSIENT)
           : sqlite3_bind_text(st, i, id, (int)len, SQLITE_TRANSIENT);
    if (code != local)
        zl_free(code);
    return rc == SQLITE_OK ? 0 : ZL_ESTORE;
}

/* zl_ident_code(id): the code of the identifier id (ident_code.h), for
 * the SQL that looks one up by its text (sqlite_rows.c, verify) and the
 * step 25 -> 26; a BLOB (a code already) is returned as it is. */
static void ident_code_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    unsigned char local[256], *code = local;
    const char *id;
    size_t len, n;

    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    id = (const char *)sqlite3_value_text(argv[0]);
    len = (size_t)sqlite3_value_bytes(argv[0]);
    if (len > sizeof local && !(code = zl_malloc(len))) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    if ((n = zl_ident_encode(id, len, code)))
        sqlite3_result_blob(cx, code, (int)n, SQLITE_TRANSIENT);
    else
        sqlite3_result_value(cx, argv[0]);
    if (code != local)
        zl_free(code);
}

int zl_sqlite_intern(zl_store *s, const char *id, int64_t *n)
{
    static const char GET[] = "SELECT n FROM idents WHERE code = ?1";
    static const char PUT[] = "INSERT INTO idents(code) VALUES(?1)";
    size_t len = strlen(id);
    sqlite3_stmt *st;
    int rc;

    if (zl_sqlite_ident_cached(s, id, len, n))
        return 0;
    if (!(st = zl_sqlite_stmt(s, GET)))
        return ZL_ESTORE;
    if ((rc = zl_sqlite_bind_ident(st, 1, id, len)))
        return rc;
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        zl_sqlite_ident_remember(s, id, len, *n);
        return 0;
    }
    if (rc != SQLITE_DONE || !(st = zl_sqlite_stmt(s, PUT)))
        return ZL_ESTORE;
    if ((rc = zl_sqlite_bind_ident(st, 1, id, len)))
        return rc;
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    *n = sqlite3_last_insert_rowid(zl_sqlite_db(s));
    zl_sqlite_ident_remember(s, id, len, *n);
    return 0;
}

int zl_sqlite_vocab(zl_store *s, const char *v, size_t len, int64_t *n)
{
    static const char GET[] = "SELECT n FROM vocab WHERE v = ?1";
    static const char PUT[] = "INSERT INTO vocab(v) VALUES(?1)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, GET);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, v, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE || !(st = zl_sqlite_stmt(s, PUT)))
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, v, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    *n = sqlite3_last_insert_rowid(zl_sqlite_db(s));
    return 0;
}

/* The vocab cache: texts by number, numbers being dense from 1 (AUTO-
 * INCREMENT) and few (a few dozen for 100k demo events; about one per
 * location in general). Reading the text through a subquery per column
 * cost four index lookups a row: on a page of 100 events, 0.4-0.6 ms more
 * at p50 (bench_query, 100k events). Numbers from VT_MAX up are looked up
 * each time (vocab_read). */
#define VT_MAX 65536
struct zl_vtext {
    char *v; /* NULL: not read yet */
    size_t len;
};

void zl_sqlite_vocab_forget(zl_store *s)
{
    struct zl_sqlite *q = zl_sqlite_of(s);

    q->vt_epoch++;
    idc_forget(q);
    zl_sqlite_sites_forget(s);

    for (size_t i = 0; i < q->n_vt; i++)
        zl_free(q->vt[i].v);
    zl_free(q->vt);
    q->vt = NULL;
    q->n_vt = 0;
}

/* The cache slot of number n, read from vocab on a miss; NULL when vocab
 * has no such number (or out of memory). A number past the cache's range
 * takes the next of VT_RING slots (VT_MAX up), read again each time: a
 * row's four columns and the previous row's stay valid. */
#define VT_RING 8
static const struct zl_vtext *vocab_read(zl_store *s, int64_t n)
{
    static const char SQL[] = "SELECT v FROM vocab WHERE n = ?1";
    struct zl_sqlite *q = zl_sqlite_of(s);
    struct zl_vtext *slot;
    sqlite3_stmt *st;
    size_t at =
        n > 0 && n < VT_MAX ? (size_t)n : VT_MAX + q->vt_ring++ % VT_RING;
    int rc;

    if (at >= VT_MAX)
        q->vt_epoch++; /* a ring slot's old text is freed below */
    if (at >= q->n_vt || !q->vt) {
        size_t want = at >= VT_MAX      ? VT_MAX + VT_RING
                      : at < 32         ? 64
                      : at * 2 < VT_MAX ? at * 2
                                        : VT_MAX + VT_RING;
        struct zl_vtext *nv = zl_realloc(q->vt, want * sizeof *nv);

        if (!nv)
            return NULL;
        memset(nv + q->n_vt, 0, (want - q->n_vt) * sizeof *nv);
        q->vt = nv;
        q->n_vt = want;
    }
    slot = &q->vt[at];
    if (at < VT_MAX && slot->v)
        return slot;
    zl_free(slot->v);
    slot->v = NULL;
    if (!(st = zl_sqlite_stmt(s, SQL)))
        return NULL;
    sqlite3_bind_int64(st, 1, n);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        slot->len = (size_t)sqlite3_column_bytes(st, 0);
        slot->v = zl_strndup(zl_sqlite_text(st, 0), slot->len);
    }
    sqlite3_reset(st);
    return slot->v ? slot : NULL;
}

uint64_t zl_sqlite_vocab_epoch(zl_store *s)
{
    return zl_sqlite_of(s)->vt_epoch;
}

const char *zl_sqlite_vocab_col(zl_store *s, sqlite3_stmt *st, int i,
                                size_t *len)
{
    static const char NONE[] = "(no such vocab entry)";
    const struct zl_vtext *t;

    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: *len = 0; return NULL;
    case SQLITE_INTEGER:
        if ((t = vocab_read(s, sqlite3_column_int64(st, i)))) {
            *len = t->len;
            return t->v;
        }
        *len = sizeof NONE - 1;
        return NONE;
    default:
        *len = (size_t)sqlite3_column_bytes(st, i);
        return (const char *)sqlite3_column_text(st, i);
    }
}

/* Bind slot i of st to v's vocab number (NULL for NULL), which goes
 * into *n too (0 for NULL). */
static int bind_vocab(zl_store *s, sqlite3_stmt *st, int i, const char *v,
                      int64_t *n)
{
    int rc;

    *n = 0;
    if (!v)
        return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : ZL_ESTORE;
    if ((rc = zl_sqlite_vocab(s, v, strlen(v), n)))
        return rc;
    return sqlite3_bind_int64(st, i, *n) == SQLITE_OK ? 0 : ZL_ESTORE;
}

static int put_refs(zl_store *s, const uint8_t *hash, const char *kind,
                    const struct zl_typed_ref *refs, size_t n)
{
    static const char SQL[] = "INSERT OR IGNORE INTO event_refs"
                              "(hash, kind, type, value) VALUES(?1,?2,?3,?4)";

    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

        if (!st)
            return ZL_ESTORE;
        sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kind, 1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, refs[i].type ? refs[i].type : "", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 4, refs[i].value, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            return ZL_ESTORE;
    }
    return 0;
}

/* INSERT OR IGNORE of k event_occ rows (k a power of two up to OCC_MAX),
 * built once: the statement cache is keyed by the text's address, which
 * stays put. Each row's own conflict is ignored, as one row a statement. */
#define OCC_MAX  16
#define OCC_HEAD "INSERT OR IGNORE INTO event_occ(n, day, ev, role) VALUES"
static char occ_text[5][sizeof OCC_HEAD + OCC_MAX * 10];
static pthread_once_t occ_once = PTHREAD_ONCE_INIT;

static void occ_build(void)
{
    for (size_t b = 0, k = 1; k <= OCC_MAX; b++, k *= 2) {
        char *p = occ_text[b];

        p += sprintf(p, "%s", OCC_HEAD);
        for (size_t r = 0; r < k; r++)
            p += sprintf(p, "%s(?,?,?,?)", r ? "," : "");
    }
}

static const char *occ_sql(size_t k)
{
    size_t b = 0;

    pthread_once(&occ_once, occ_build);
    while (((size_t)1 << b) < k)
        b++;
    return occ_text[b];
}

/* Write an occurrence's quantity and unit (event_qty, schema 33) for the
 * occurrence (ev, n, role): nothing when it has neither (has_qty 0, uom
 * NULL). 0 or ZL_ESTORE. */
static int occ_qty_put(zl_store *s, int64_t ev, int64_t n, int role,
                       int has_qty, double qty, const char *uom)
{
    static const char SQL[] = "INSERT OR IGNORE INTO event_qty(ev, n, role,"
                              " qty, uom) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st;
    int rc;

    if (!has_qty && !uom)
        return 0;
    if (!(st = zl_sqlite_stmt(s, SQL)))
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, ev);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_int(st, 3, role);
    if (has_qty)
        sqlite3_bind_double(st, 4, qty);
    else
        sqlite3_bind_null(st, 4);
    bind_opt_text(st, 5, uom);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

int zl_sqlite_rid_of_hash(zl_store *s, const uint8_t h[32], int64_t *rid)
{
    /* rowid, not rid: the same number (rid is its alias since schema 8),
     * and it names it in every schema, so the log's migration can ask
     * this of an older events table too (sqlite_log.c) */
    static const char SQL[] =
        "SELECT rowid FROM events WHERE " ZL_SQLITE_HASH_IS("", "?1");
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    *rid = 0;
    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *rid = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc);
}

/* replace = 0: capture (an existing hash is ZL_EEXIST); 1: reindex
 * (rewrite the row in place, keeping its position in insertion order). */
static int event_rows(zl_store *s, const struct zl_event *ev, int64_t rid,
                      const char *party, int sites_in_c,
                      const struct zl_sqlite_site_cols *cols,
                      const int64_t *ns);

static int event_write(zl_store *s, const struct zl_event *ev,
                       int64_t record_time_ms, const char *party, int replace)
{
    /* Schema 34: the hash has no UNIQUE index to make the insert its own
     * existence check, so zl_sqlite_rid_of_hash comes first (one
     * descent of events_hkey, whose entries are ~15 bytes instead of
     * ~45; a new event's prefix is almost never there, so its row is
     * not read), then the insert, or for reindex the update of that rid.
     * OR IGNORE still: the sites index's trigger (sqlite_query.c) makes
     * the insert write several tables, and a statement that writes
     * several and may abort gets a statement journal, every page it
     * changes copied first (16 KiB each, ~10 pages an event). Inside a
     * batch's savepoint it was worse: SQLite keeps that sub-journal in
     * memory (temp_store=MEMORY) and each statement's release truncated
     * it by walking its 1 KiB chunks from the start, so a document's cost
     * grew with its own size (100k events in batches of 16: 1,492 us an
     * event in the store stage, 2,534 in the last fifth). OR IGNORE,
     * which the trigger's statements inherit, can abort nowhere, so
     * SQLite opens no statement journal: 30k events 332 -> 69 us an
     * event in batches, 86 -> 72 without. What else it ignores: a NULL
     * in a NOT NULL column, which every bind below rules out (json and
     * ids are bound non-NULL, the rest are integers). */
    static const char SQL_NEW[] =
        "INSERT OR IGNORE INTO events(hash, declared_id, type, action,"
        " event_time, tz, record_time, biz_step, disposition, read_point,"
        " biz_location, transformation_id, has_error, party, json, ids,"
        " hkey) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
        "?16,?17)";
    /* ?1 (the hash) is bound and unused: the row keeps its own */
    static const char SQL_UPDATE[] =
        "UPDATE events SET declared_id = ?2, type = ?3,"
        " action = ?4, event_time = ?5, tz = ?6, record_time = ?7,"
        " biz_step = ?8, disposition = ?9, read_point = ?10,"
        " biz_location = ?11, transformation_id = ?12, has_error = ?13,"
        " party = ?14, json = ?15, ids = ?16 WHERE rid = ?17";
    int64_t rid = 0, *ns = NULL;
    sqlite3_stmt *st;
    struct zl_sqlite *q = zl_sqlite_of(s);
    struct zl_sqlite_site_cols cols;
    /* capture writes the sites rows itself (sqlite_sites.c); reindex's
     * update leaves them to the update trigger */
    int sites_in_c = !replace && !q->sites_by_trigger;
    struct zl_buf packed, zbuf;
    int rc, zjson = 0;

    if ((rc = zl_sqlite_rid_of_hash(s, ev->hash, &rid)))
        return rc;
    if (rid && !replace)
        return ZL_EEXIST;
    if (!(st = zl_sqlite_stmt(s, rid ? SQL_UPDATE : SQL_NEW)))
        return ZL_ESTORE;
    zl_buf_init(&packed, (size_t)1 << 30);
    zl_buf_init(&zbuf, (size_t)1 << 30);
    /* interned first, in the identifiers' order: events.ids names them
     * by number (schema 38, sqlite_ids.c) */
    if (ev->n_ids && !(ns = zl_malloc(ev->n_ids * sizeof *ns)))
        rc = ZL_ENOMEM;
    for (size_t i = 0; i < ev->n_ids && !rc; i++)
        rc = zl_sqlite_intern(s, ev->ids[i].id, &ns[i]);
    if (!rc)
        rc = zl_ids_pack_numbered(ev, ns, &packed);
    if (!rc)
        rc = zl_sqlite_json_pack(s, ev->json, ev->json_len, &zbuf, &zjson);
    if (rc) {
        zl_free(ns);
        zl_buf_cleanup(&packed);
        zl_buf_cleanup(&zbuf);
        return rc;
    }
    sqlite3_bind_blob(st, 16, packed.data ? packed.data : "", (int)packed.len,
                      SQLITE_STATIC);
    sqlite3_bind_blob(st, 1, ev->hash, 32, SQLITE_STATIC);
    if (rid)
        sqlite3_bind_int64(st, 17, rid);
    else /* bound, not substr(?1, ...): see ZL_SQLITE_HASH_IS */
        sqlite3_bind_blob(st, 17, ev->hash, ZL_SQLITE_HKEY_BYTES,
                          SQLITE_STATIC);
    bind_opt_text(st, 2, ev->declared_id);
    sqlite3_bind_int(st, 3, (int)ev->type);
    sqlite3_bind_int(st, 4, (int)ev->action);
    sqlite3_bind_int64(st, 5, ev->event_time_ms);
    sqlite3_bind_int(st, 6, ev->tz_offset_min);
    sqlite3_bind_int64(st, 7, record_time_ms);
    if ((rc = bind_vocab(s, st, 8, ev->biz_step, &cols.biz_step)) ||
        (rc = bind_vocab(s, st, 9, ev->disposition, &cols.disposition)) ||
        (rc = bind_vocab(s, st, 10, ev->read_point, &cols.read_point)) ||
        (rc = bind_vocab(s, st, 11, ev->biz_location, &cols.biz_location))) {
        sqlite3_clear_bindings(st);
        zl_free(ns);
        zl_buf_cleanup(&packed);
        zl_buf_cleanup(&zbuf);
        return rc;
    }
    bind_opt_text(st, 12, ev->transformation_id);
    sqlite3_bind_int(st, 13, ev->has_error_declaration);
    bind_opt_text(st, 14, party);
    if (zjson)
        sqlite3_bind_blob(st, 15, zbuf.data, (int)zbuf.len, SQLITE_STATIC);
    else
        sqlite3_bind_text(st, 15, ev->json, (int)ev->json_len, SQLITE_STATIC);
    q->sites_in_c = sites_in_c; /* the INSERT trigger skips */
    rc = sqlite3_step(st);
    q->sites_in_c = 0;
    /* the blobs were bound SQLITE_STATIC: unbind before freeing them */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    zl_buf_cleanup(&packed);
    zl_buf_cleanup(&zbuf);
    if (rc == SQLITE_DONE && sqlite3_changes(zl_sqlite_db(s)) == 0)
        rc = rid ? ZL_ESTORE : ZL_EEXIST;
    else if (rc != SQLITE_DONE)
        rc = zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    else
        rc = 0;
    if (!rc)
        rc = event_rows(s, ev, rid, party, sites_in_c, &cols, ns);
    q->event_record_ms = record_time_ms;
    zl_free(ns);
    return rc;
}

/* The rows event_write adds beside the events row of rid: its sites (a
 * new event's, when capture writes them), its log leaf's link, its
 * occurrences (ns: their identifiers' numbers) and references. */
static int event_rows(zl_store *s, const struct zl_event *ev, int64_t rid,
                      const char *party, int sites_in_c,
                      const struct zl_sqlite_site_cols *cols, const int64_t *ns)
{
    struct zl_sqlite *q = zl_sqlite_of(s);
    sqlite3_stmt *st;
    int rc;

    if (!rid) {
        rid = sqlite3_last_insert_rowid(zl_sqlite_db(s));
        /* its log leaf, appended next, names it by this rid */
        memcpy(q->event_hash, ev->hash, 32);
        q->event_rid = rid;
        /* the event is new: its sites rows, as the trigger would */
        if (sites_in_c &&
            (rc = zl_sqlite_sites_put(s, rid, ev->event_time_ms, cols, party)))
            return rc;
    } else if ((rc = zl_sqlite_log_relink(s, rid, ZL_LEAF_EVENT, ev->prehash,
                                          ev->prehash_len))) {
        /* reindex: a leaf whose rid an edit took away names it again */
        return rc;
    }

    /* the occurrences go in OCC_MAX rows a statement (issue 11): one
     * statement an identifier was half the cost of the row itself */
    for (size_t i = 0; i < ev->n_ids;) {
        size_t k = OCC_MAX;
        int p = 1;

        while (k > ev->n_ids - i)
            k /= 2;
        if (!(st = zl_sqlite_stmt(s, occ_sql(k))))
            return ZL_ESTORE;
        for (size_t j = i; j < i + k; j++, p += 4) {
            const struct zl_event_id *id = &ev->ids[j];

            sqlite3_bind_int64(st, p, ns[j]);
            sqlite3_bind_int64(st, p + 1,
                               ev->event_time_ms / ZL_SQLITE_OCC_DAY_MS);
            sqlite3_bind_int64(st, p + 2, rid);
            sqlite3_bind_int(st, p + 3, (int)id->role);
        }
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE)
            return ZL_ESTORE;
        /* the few with a quantity or unit: their event_qty rows */
        rc = 0;
        for (size_t j = i; j < i + k && !rc; j++) {
            const struct zl_event_id *id = &ev->ids[j];

            rc = occ_qty_put(s, rid, ns[j], (int)id->role, id->has_quantity,
                             id->quantity, id->uom);
        }
        if (rc)
            return rc;
        i += k;
    }
    rc = put_refs(s, ev->hash, "b", ev->biz_transactions,
                  ev->n_biz_transactions);
    if (!rc)
        rc = put_refs(s, ev->hash, "s", ev->sources, ev->n_sources);
    if (!rc)
        rc = put_refs(s, ev->hash, "d", ev->destinations, ev->n_destinations);
    return rc;
}

static int sq_event_put(zl_store *s, const struct zl_event *ev,
                        int64_t record_time_ms, const char *party)
{
    return event_write(s, ev, record_time_ms, party, 0);
}

int zl_sqlite_event_replace(zl_store *s, const struct zl_event *ev,
                            int64_t record_time_ms, const char *party)
{
    return event_write(s, ev, record_time_ms, party, 1);
}

#define EVENT_COLS ZL_SQLITE_EVENT_COLS

int zl_sqlite_row_event(zl_store *s, sqlite3_stmt *st,
                        struct zl_stored_event *ev, struct zl_buf *scratch)
{
    const void *h = sqlite3_column_blob(st, 0);

    memset(ev, 0, sizeof *ev);
    if (h && sqlite3_column_bytes(st, 0) == 32)
        memcpy(ev->hash, h, 32);
    ev->declared_id = (const char *)sqlite3_column_text(st, 1);
    ev->type = (enum zl_event_type)sqlite3_column_int(st, 2);
    ev->action = (enum zl_action)sqlite3_column_int(st, 3);
    ev->event_time_ms = sqlite3_column_int64(st, 4);
    ev->tz_offset_min = sqlite3_column_int(st, 5);
    ev->record_time_ms = sqlite3_column_int64(st, 6);
    {
        size_t bl, dl, l;

        ev->biz_step = zl_sqlite_vocab_col(s, st, 7, &bl);
        ev->disposition = zl_sqlite_vocab_col(s, st, 8, &dl);
        ev->step = zl_biz_step_of(ev->biz_step, bl);
        ev->disp = zl_disposition_of(ev->disposition, dl);
        ev->read_point = zl_sqlite_vocab_col(s, st, 9, &l);
        ev->biz_location = zl_sqlite_vocab_col(s, st, 10, &l);
    }
    ev->transformation_id = (const char *)sqlite3_column_text(st, 11);
    ev->has_error_declaration = sqlite3_column_int(st, 12);
    ev->party = (const char *)sqlite3_column_text(st, 13);
    if (!scratch)
        return 0; /* the caller reads no JSON (json stays NULL) */
    return zl_sqlite_row_json(s, st, ev, scratch);
}

int zl_sqlite_row_json(zl_store *s, sqlite3_stmt *st,
                       struct zl_stored_event *ev, struct zl_buf *scratch)
{
    /* A compressed row that does not decode (damaged behind our back)
     * reads as an empty JSON: verify reports the record as altered, as it
     * does a damaged text row, instead of stopping at it. */
    if (sqlite3_column_type(st, 14) == SQLITE_BLOB) {
        int rc = zl_sqlite_json_unpack(s, sqlite3_column_blob(st, 14),
                                       (size_t)sqlite3_column_bytes(st, 14),
                                       scratch, &ev->json, &ev->json_len);

        if (rc == ZL_ESTORE) {
            ev->json = "";
            ev->json_len = 0;
            rc = 0;
        }
        return rc;
    }
    ev->json = (const char *)sqlite3_column_text(st, 14);
    ev->json_len = (size_t)sqlite3_column_bytes(st, 14);
    return 0;
}

/* Step st and hand each row to cb; returns 0, cb's value or ZL_ESTORE. */
static int each_event(zl_store *s, sqlite3_stmt *st, zl_event_cb cb, void *ctx)
{
    struct zl_stored_event ev;
    struct zl_buf scratch;
    int rc;

    zl_buf_init(&scratch, (size_t)64 << 20);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = zl_sqlite_row_event(s, st, &ev, &scratch);
        if (!rc)
            rc = cb(ctx, &ev);
        if (rc) {
            sqlite3_reset(st);
            zl_buf_cleanup(&scratch);
            return rc;
        }
    }
    sqlite3_reset(st);
    zl_buf_cleanup(&scratch);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int sq_event_get(zl_store *s, const uint8_t hash[32], zl_event_cb cb,
                        void *ctx)
{
    static const char SQL[] =
        "SELECT " EVENT_COLS
        " FROM events e WHERE " ZL_SQLITE_HASH_IS("e.", "?1");
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    struct zl_stored_event ev;
    struct zl_buf scratch;
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return ZL_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return ZL_ESTORE;
    zl_buf_init(&scratch, (size_t)64 << 20);
    rc = zl_sqlite_row_event(s, st, &ev, &scratch);
    if (!rc)
        rc = cb(ctx, &ev);
    sqlite3_reset(st);
    zl_buf_cleanup(&scratch);
    return rc;
}

static int sq_events_by_transformation(zl_store *s, const char *tid,
                                       zl_event_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT " EVENT_COLS " FROM events e WHERE e.transformation_id = ?1"
        " ORDER BY e.event_time";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, tid, -1, SQLITE_STATIC);
    return each_event(s, st, cb, ctx);
}

static int sq_event_count(zl_store *s, int64_t *count)
{
    static const char SQL[] = "SELECT count(*) FROM events";

    return zl_sqlite_get_i64(s, SQL, count);
}

/* ---- identifier lookups ----------------------------------------------------
 */

static void row_to_id(sqlite3_stmt *st, struct zl_id_row *r)
{
    const void *h = sqlite3_column_blob(st, 2);

    memset(r, 0, sizeof *r);
    r->id = (const char *)sqlite3_column_text(st, 0);
    r->event_time_ms = sqlite3_column_int64(st, 1);
    if (h && sqlite3_column_bytes(st, 2) == 32)
        memcpy(r->hash, h, 32);
    r->role = (enum zl_id_role)sqlite3_column_int(st, 3);
    r->type = (enum zl_event_type)sqlite3_column_int(st, 4);
    r->action = (enum zl_action)sqlite3_column_int(st, 5);
    r->record_time_ms = sqlite3_column_int64(st, 6);
    r->has_quantity = sqlite3_column_type(st, 7) != SQLITE_NULL;
    r->quantity = sqlite3_column_double(st, 7);
    r->uom = (const char *)sqlite3_column_text(st, 8);
}

static int each_id(sqlite3_stmt *st, zl_id_cb cb, void *ctx)
{
    struct zl_id_row r;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row_to_id(st, &r);
        rc = cb(ctx, &r);
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

#define ID_COLS                                                                \
    "id, event_time, hash, role, type, action, record_time, qty, uom"

/* SQLite answers a batch as n cached point lookups: one prepared range
 * scan per identifier is as fast as an IN list and keeps rows grouped by
 * identifier in time order. Server backends batch these into one round
 * trip (= ANY($1)). */
static int sq_id_lookup(zl_store *s, const char *const *ids, size_t n,
                        zl_id_cb cb, void *ctx)
{
    /* Declared-erroneous events link nothing (store_correction.h): the
     * join to the event's row that gives the hash checks its flag. */
    static const char SQL[] =
        "SELECT d.id, " OCC_TIME " AS t, e.hash, o.role, e.type, e.action,"
        " e.record_time, q.qty, q.uom FROM idents_text d"
        " JOIN event_occ o ON o.n = d.n JOIN events e ON e.rid = o.ev"
        " " OCC_QTY_JOIN " WHERE d.code = ?1 AND e.has_error <> 1"
        " ORDER BY t, e.hash, o.role";
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);

        if (!st)
            return ZL_ESTORE;
        if ((rc = zl_sqlite_bind_ident(st, 1, ids[i], strlen(ids[i]))))
            return rc;
        rc = each_id(st, cb, ctx);
    }
    return rc;
}

/* sq_id_lookup's rows without what a reader of hashes does not read:
 * the identifier's text (idents_text builds it a row), the quantity
 * join and the event's other columns (a custody walk's lookup: half the
 * CPU of an enterprise's first traces on the 1M-event store). Same
 * joins, filter and order. */
static int sq_id_event_hashes(zl_store *s, const char *id, zl_id_cb cb,
                              void *ctx)
{
    static const char SQL[] =
        "SELECT " OCC_TIME " AS t, e.hash, o.role FROM idents d"
        " JOIN event_occ o ON o.n = d.n JOIN events e ON e.rid = o.ev"
        " WHERE d.code = ?1 AND e.has_error <> 1 ORDER BY t, e.hash, o.role";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    struct zl_id_row r;
    int rc;

    if (!st)
        return ZL_ESTORE;
    if ((rc = zl_sqlite_bind_ident(st, 1, id, strlen(id))))
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(st, 1);

        memset(&r, 0, sizeof r);
        r.id = id;
        r.event_time_ms = sqlite3_column_int64(st, 0);
        if (h && sqlite3_column_bytes(st, 1) == 32)
            memcpy(r.hash, h, 32);
        r.role = (enum zl_id_role)sqlite3_column_int(st, 2);
        if ((rc = cb(ctx, &r)) != 0) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int sq_event_ids(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                        zl_id_roles roles, zl_id_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT type, action, event_time, record_time,"
        " ids FROM events WHERE " ZL_SQLITE_HASH_IS("", "?1");
    struct zl_sqlite_idnames nm;
    int rc = 0;

    zl_sqlite_idnames_init(&nm, s);
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
        struct zl_id_row r;

        if (!st) {
            rc = ZL_ESTORE;
            break;
        }
        sqlite3_bind_blob(st, 1, hashes[i], 32, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            rc = 0;
            continue;
        }
        if (rc != SQLITE_ROW) {
            rc = ZL_ESTORE;
            break;
        }
        memset(&r, 0, sizeof r);
        memcpy(r.hash, hashes[i], 32);
        r.type = (enum zl_event_type)sqlite3_column_int(st, 0);
        r.action = (enum zl_action)sqlite3_column_int(st, 1);
        r.event_time_ms = sqlite3_column_int64(st, 2);
        r.record_time_ms = sqlite3_column_int64(st, 3);
        rc = zl_ids_unpack(sqlite3_column_blob(st, 4),
                           (size_t)sqlite3_column_bytes(st, 4), &nm.names,
                           roles, &r, cb, ctx);
        sqlite3_reset(st);
    }
    zl_sqlite_idnames_cleanup(&nm);
    return rc;
}

static int sq_event_refs(zl_store *s, const uint8_t hash[32], zl_ref_cb cb,
                         void *ctx)
{
    static const char SQL[] =
        "SELECT kind, type, value FROM event_refs WHERE hash = ?1";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);

        /* a kind that is not one letter is no kind queries know */
        rc = cb(ctx, k && k[0] && !k[1] ? k[0] : '?',
                (const char *)sqlite3_column_text(st, 1),
                (const char *)sqlite3_column_text(st, 2));
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

/* ---- read snapshots and the change token --------------------------------- */

/* Step sql (a string literal without results: BEGIN, COMMIT) through
 * its cached statement, parsed once a handle: 0 or the step's error. */
static int step_cached(zl_store *s, const char *sql)
{
    sqlite3_stmt *st = zl_sqlite_stmt(s, sql);
    int rc;

    if (!st)
        return ZL_ESTORE;
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return zl_sqlite_rc(rc);
}

/* A read snapshot (every HTTP request takes one). The handle's caches of
 * committed values (vocab texts, identifier numbers: zl_sqlite_vocab_
 * forget) are kept from one snapshot to the next while the store is as
 * it was: PRAGMA data_version (which moves when another connection, in
 * this process or another, commits) and this connection's total changes
 * (its own writes, committed or not) as they were when the cache was
 * last checked. The version is read inside the transaction: the pragma
 * starts the read, so it is the snapshot's own version, and a commit
 * landing between BEGIN and the first query cannot slip past the check.
 * Any other change empties them, as every snapshot did before (each
 * request read the vocab it needed again: ~3% of a page's CPU). */
static int sq_snapshot_begin(zl_store *s)
{
    static const char BEGIN[] = "BEGIN";
    static const char VERSION[] = "PRAGMA data_version";
    struct zl_sqlite *q = zl_sqlite_of(s);
    int64_t version, changes;
    int rc;

    if (!sqlite3_get_autocommit(q->db))
        return ZL_EEXIST;
    /* A deferred BEGIN takes no lock yet: the pragma's read takes the
     * snapshot. */
    if ((rc = step_cached(s, BEGIN)))
        return rc;
    if ((rc = zl_sqlite_get_i64(s, VERSION, &version))) {
        zl_sqlite_exec(s, "ROLLBACK");
        return rc;
    }
    changes = sqlite3_total_changes(q->db);
    if (!q->cache_stamped || version != q->cache_version ||
        changes != q->cache_changes) {
        zl_sqlite_vocab_forget(s);
        q->cache_version = version;
        q->cache_changes = changes;
        q->cache_stamped = 1;
    }
    return 0;
}

static int sq_snapshot_end(zl_store *s)
{
    static const char COMMIT[] = "COMMIT";

    if (sqlite3_get_autocommit(zl_sqlite_db(s)))
        return 0;
    return step_cached(s, COMMIT);
}

/* PRAGMA data_version moves when another connection commits, never for
 * this one's own commits; adding the handle's own commit count makes a
 * token that moves on every commit, and the connection's total changes
 * one that moves on its writes outside a transaction too (a registry
 * edit through SQL: the read rule's kept memo, zl_viewer_memo_get, must
 * see it). All only grow, so the sum never returns to an earlier
 * value. */
static int sq_change_token(zl_store *s, uint64_t *token)
{
    static const char SQL[] = "PRAGMA data_version";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    rc = sqlite3_step(st);
    *token = rc == SQLITE_ROW
                 ? (uint64_t)sqlite3_column_int64(st, 0) +
                       zl_sqlite_of(s)->commits +
                       (uint64_t)sqlite3_total_changes(zl_sqlite_db(s))
                 : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : ZL_ESTORE;
}

/* ---- outbox -------------------------------------------------------------- */

/* A key of exactly 64 lower-case hex digits (an event's hash, kind
 * "event": every captured event has one) is stored as its 32 bytes
 * (version 14), 32 bytes an event less; zl_sqlite_outbox_key gives the
 * text back, the same digits, so the feed reads as before. Any other key
 * stays text. 1 when key was packed into out. */
int zl_sqlite_outbox_pack(const char *key, size_t len, uint8_t out[32])
{
    if (len != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((key[i] >= '0' && key[i] <= '9') ||
              (key[i] >= 'a' && key[i] <= 'f')))
            return 0;
    return zl_hex_decode(key, 64, out, 32) == 0;
}

int zl_sqlite_outbox_bind(zl_store *s, sqlite3_stmt *st, int i, const char *key,
                          size_t len, uint8_t packed[32])
{
    int64_t leaf;

    if (!zl_sqlite_outbox_pack(key, len, packed))
        return sqlite3_bind_text(st, i, key, (int)len, SQLITE_STATIC);
    if ((leaf = zl_sqlite_leaf_of_hash(s, packed)) >= 0)
        return sqlite3_bind_int64(st, i, leaf);
    return sqlite3_bind_blob(st, i, packed, 32, SQLITE_STATIC);
}

const char *zl_sqlite_outbox_key(zl_store *s, sqlite3_stmt *st, int i,
                                 char hex[65])
{
    if (sqlite3_column_type(st, i) == SQLITE_INTEGER) {
        uint8_t h[32];

        hex[0] = '\0';
        if (!zl_sqlite_leaf_hash(s, sqlite3_column_int64(st, i), h))
            zl_hex_encode(h, 32, hex);
        return hex;
    }
    if (sqlite3_column_type(st, i) == SQLITE_BLOB &&
        sqlite3_column_bytes(st, i) == 32) {
        zl_hex_encode(sqlite3_column_blob(st, i), 32, hex);
        return hex;
    }
    return (const char *)sqlite3_column_text(st, i);
}

int64_t zl_sqlite_outbox_created(zl_store *s, sqlite3_stmt *st, int key_col)
{
    static const char SQL[] =
        "SELECT e.record_time FROM log_leaf l JOIN events e"
        " ON e.rid = l.record_key WHERE l.idx = ?1";
    sqlite3_stmt *q;
    int64_t t = 0;

    if (sqlite3_column_type(st, key_col + 1) != SQLITE_NULL)
        return sqlite3_column_int64(st, key_col + 1);
    if (sqlite3_column_type(st, key_col) != SQLITE_INTEGER ||
        !(q = zl_sqlite_stmt(s, SQL)))
        return 0;
    sqlite3_bind_int64(q, 1, sqlite3_column_int64(st, key_col));
    if (sqlite3_step(q) == SQLITE_ROW)
        t = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return t;
}

/* zl_outbox_pack(key) for the 16 -> 17 copy of the outbox. */
static void outbox_pack_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    const char *k = (const char *)sqlite3_value_text(argv[0]);
    size_t len = (size_t)sqlite3_value_bytes(argv[0]);
    uint8_t b[32];

    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_TEXT && k &&
        zl_sqlite_outbox_pack(k, len, b))
        sqlite3_result_blob(cx, b, 32, SQLITE_TRANSIENT);
    else
        sqlite3_result_value(cx, argv[0]);
}

int zl_sqlite_outbox_bind_kind(sqlite3_stmt *st, int i, const char *kind,
                               size_t len)
{
    if (len == 5 && !memcmp(kind, "event", 5))
        return sqlite3_bind_int(st, i, ZL_SQLITE_OUTBOX_EVENT);
    return sqlite3_bind_text(st, i, kind, (int)len, SQLITE_STATIC);
}

const char *zl_sqlite_outbox_kind(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_INTEGER &&
        sqlite3_column_int64(st, i) == ZL_SQLITE_OUTBOX_EVENT)
        return "event";
    return (const char *)sqlite3_column_text(st, i);
}

static int sq_outbox_append(zl_store *s, const char *kind, const char *key,
                            int64_t created_ms)
{
    static const char SQL[] =
        "INSERT INTO outbox(kind, key, created) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    struct zl_sqlite *q = zl_sqlite_of(s);
    uint8_t packed[32];
    int rc;

    if (!st)
        return ZL_ESTORE;
    zl_sqlite_outbox_bind_kind(st, 1, kind, strlen(kind));
    /* the event capture has just written, whose leaf the key names: its
     * record time is read from it (schema 38) */
    if (!(q->event_rid && created_ms == q->event_record_ms &&
          !strcmp(kind, "event") &&
          zl_sqlite_outbox_pack(key, strlen(key), packed) &&
          !memcmp(packed, q->event_hash, 32) &&
          zl_sqlite_leaf_of_hash(s, packed) >= 0))
        sqlite3_bind_int64(st, 3, created_ms);
    /* last: the rid lookup may reset another cached statement, never st */
    zl_sqlite_outbox_bind(s, st, 2, key, strlen(key), packed);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc ? rc : SQLITE_ERROR);
}

static int sq_outbox_read(zl_store *s, uint64_t after_seq, size_t limit,
                          zl_outbox_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT seq, kind, key, created FROM outbox"
                              " WHERE seq > ?1 ORDER BY seq LIMIT ?2";
    sqlite3_stmt *st = NULL;
    struct zl_outbox_row row;
    char hex[65];
    int rc;

    if (after_seq > INT64_MAX)
        return 0;
    /* Not cached: the callback may read the store. */
    if (sqlite3_prepare_v2(zl_sqlite_db(s), SQL, -1, &st, NULL) != SQLITE_OK)
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after_seq);
    sqlite3_bind_int64(st, 2,
                       limit && limit < INT64_MAX ? (sqlite3_int64)limit : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row.seq = (uint64_t)sqlite3_column_int64(st, 0);
        row.kind = zl_sqlite_outbox_kind(st, 1);
        row.key = zl_sqlite_outbox_key(s, st, 2, hex);
        row.created_ms = zl_sqlite_outbox_created(s, st, 2);
        if ((rc = cb(ctx, &row)) != 0)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : zl_sqlite_rc(rc);
out:
    sqlite3_finalize(st);
    return rc;
}

/* ---- the backend table --------------------------------------------------- */

static const char *const SCHEMES[] = {"sqlite", NULL};

const struct zl_store_backend zl_sqlite_backend = {
    .name = "sqlite",
    .schemes = SCHEMES,
    .path = 1,
    .open = sq_open,
    .close = sq_close,
    .remove = sq_remove,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .bulk = sq_bulk,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .snapshot_begin = sq_snapshot_begin,
    .snapshot_end = sq_snapshot_end,
    .change_token = sq_change_token,
    .schema = sq_schema,
    .migrate = sq_migrate,
    .migrating = sq_migrating,
    .exec_sql = sq_exec_sql,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .meta_keys = sq_meta_keys,
    .event_put = sq_event_put,
    .event_get = sq_event_get,
    .events_query = zl_sqlite_events_query,
    .id_lookup = sq_id_lookup,
    .id_event_hashes = sq_id_event_hashes,
    .event_ids = sq_event_ids,
    .event_refs = sq_event_refs,
    .events_by_transformation = sq_events_by_transformation,
    .event_count = sq_event_count,
    .outbox_append = sq_outbox_append,
    .outbox_read = sq_outbox_read,
    .rows_read = zl_sqlite_rows_read,
    .rows_write = zl_sqlite_rows_write,
    .rows_delete = zl_sqlite_rows_delete,
    .modules =
        {
            [ZL_STORE_MOD_LOG] = &zl_sqlite_log_ops.base,
            [ZL_STORE_MOD_TRACE] = &zl_sqlite_trace_ops.base,
            [ZL_STORE_MOD_PARTY] = &zl_sqlite_party_ops.base,
            [ZL_STORE_MOD_RECALL] = &zl_sqlite_recall_ops.base,
            [ZL_STORE_MOD_SUPERVISE] = &zl_sqlite_sup_ops.base,
            [ZL_STORE_MOD_LOOKUPS] = &zl_sqlite_lookups_ops.base,
            [ZL_STORE_MOD_SPC] = &zl_sqlite_spc_ops.base,
            [ZL_STORE_MOD_RISK] = &zl_sqlite_risk_ops.base,
            [ZL_STORE_MOD_SUBS] = &zl_sqlite_subs_ops.base,
            [ZL_STORE_MOD_DOCS] = &zl_sqlite_docs_ops.base,
            [ZL_STORE_MOD_AUDIT] = &zl_sqlite_audit_ops.base,
            [ZL_STORE_MOD_CORRECTION] = &zl_sqlite_correction_ops.base,
            [ZL_STORE_MOD_RECEIPT] = &zl_sqlite_receipt_ops.base,
            [ZL_STORE_MOD_TIX] = &zl_sqlite_tix_ops.base,
        },
};
