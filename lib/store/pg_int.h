/*
 * pg_int.h - the PostgreSQL backend's private parts, shared by the files
 * that implement it: pg_conn.c (the connection, statements, parameters,
 * transactions), store_pg.c (the core tables and the backend table
 * zl_pg_backend), pg_query.c and one pg_<module>.c per module table.
 *
 * Conventions every pg_*.c file follows:
 *   - SQL text is a string literal with $1.. placeholders; zl_pg_run
 *     prepares it once per connection (server-side prepared statement,
 *     cached by the literal's address) and executes it with binary
 *     results. Parameters whose type PostgreSQL cannot infer are cast
 *     ($1::text, $2::bigint).
 *   - Integers are bigint, hashes and blobs bytea, strings text, floats
 *     double precision: the accessors below read exactly those (and
 *     count(*)); cast anything else (sum() is numeric: cast to bigint).
 *   - An error inside a transaction aborts it in PostgreSQL (unlike
 *     SQLite), so no statement may be expected to fail: duplicates are
 *     INSERT ... ON CONFLICT DO NOTHING and zl_pg_do's affected-row count
 *     says whether the row was new.
 *   - A store is one schema of a database: the URI's "schema" parameter
 *     (default "zhiliang"), so several stores share a database and a test
 *     gets a store of its own without creating databases.
 *   - Writers are serialised by a transaction-level advisory lock taken at
 *     zl_store_begin, keyed by the schema: the log appender reads its tail
 *     under it, so processes on different machines append one consistent
 *     log; readers never wait for it. A writer waits at most 10 s
 *     (lock_timeout) and then gets ZL_EBUSY.
 *   - Rows nothing reads back in the same transaction (log leaves and
 *     nodes, outbox rows) are held in the handle and written in one
 *     statement at commit or before their tables are read (zl_pg_flush).
 *   - Inserts into the large tables name no conflict target, so that they
 *     work on a store partitioned into foreign tables (docs/scale.md).
 */
#ifndef ZL_PG_INT_H
#define ZL_PG_INT_H

#include "store/backend.h"

#include "util/buf.h"

#include "store/pg_dl.h"

#define ZL_PG_STMT_CACHE 160
#define ZL_PG_MAX_PARAMS 24

struct zl_pg_stmt {
    const char *sql; /* identity: the literal's address */
    char name[12];
};

/* The backend's data behind zl_store.priv. */
/* ---- read-ahead of a walk's lookups (pg_ahead.c) ---------------------------
 * While a walk's callback runs, the walk's rows are the handle's batch: a
 * lookup about the row under test reads the same lookup for the next
 * ZL_PG_AHEAD rows in one statement (the design comment of pg_ahead.c). */
#define ZL_PG_AHEAD 256

/* What is read ahead: an event's refs, its identifier list (events.ids),
 * the event itself, the corrections of it, a record's first log leaf, its
 * rows in the identifier index (event_ids). */
enum zl_pg_ahead_kind {
    ZL_PG_AHEAD_REFS,
    ZL_PG_AHEAD_IDS,
    ZL_PG_AHEAD_EVENT,
    ZL_PG_AHEAD_CORRECTIONS,
    ZL_PG_AHEAD_LEAF,
    ZL_PG_AHEAD_ID_ROWS,
    ZL_PG_AHEAD_N
};

struct zl_pg_ahead {
    PGresult *r;  /* the answer for rows [from, to), by column 0 */
    int from, to; /* of the batch's rows */
};

struct zl_pg_batch {
    const PGresult *rows; /* the walk's rows */
    int row;              /* the row under test: the walk sets it */
    int key_col;          /* names each row: an event's hash (bytea) or
                             a log leaf's record key (text) */
    struct zl_pg_ahead ahead[ZL_PG_AHEAD_N];
    struct zl_pg_batch *outer; /* the walk this one runs inside */
};

/* Make rows (named by column key_col) s's batch, b->row = 0 ... set by
 * the walk as it goes; pop it (freeing what was read ahead) when the
 * walk ends, in the reverse order of the pushes. */
void zl_pg_batch_push(zl_store *s, struct zl_pg_batch *b, const PGresult *rows,
                      int key_col);
void zl_pg_batch_pop(zl_store *s, struct zl_pg_batch *b);

/* The answer of kind k's lookup for the row under test of s's batch, when
 * name names it (a 32-byte event hash; for ZL_PG_AHEAD_LEAF a record
 * key): *done = 1 and its rows are [*lo, *hi) of *r (owned by the batch,
 * valid until the walk moves past the rows read ahead). sql is run for
 * the row and the ZL_PG_AHEAD - 1 after it, with $1 their hashes
 * (bytea[]; for leaves their keys, text[], and $2 the keys' key_hash,
 * int8[]), and must answer rows whose column 0 is the name, ordered by it
 * bytewise (COLLATE "C" for text). *done = 0: name is not the row under
 * test's, and the caller reads alone. Returns 0 or an error. */
int zl_pg_ahead(zl_store *s, enum zl_pg_ahead_kind k, const char *sql,
                const void *name, PGresult **r, int *lo, int *hi, int *done);

/* zl_pg_ahead with the statement's parameters bound by bind (into p,
 * with up to ZL_PG_AHEAD_ARRAYS array buffers, initialised and cleaned
 * up by the caller) rather than from the names of the rows ahead; name
 * is the row under test's. */
#define ZL_PG_AHEAD_ARRAYS 4
struct zl_pg_params;
struct zl_buf;
typedef int (*zl_pg_ahead_bind)(zl_store *s, const void *name,
                                struct zl_pg_params *p, struct zl_buf *arr);
int zl_pg_ahead_with(zl_store *s, enum zl_pg_ahead_kind k, const char *sql,
                     zl_pg_ahead_bind bind, const void *name, PGresult **r,
                     int *lo, int *hi, int *done);

/* The statement reading ahead events' identifier lists (pg_event_ids):
 * hash, type, action, event_time, record_time, ids, by hash. */
#define ZL_PG_IDS_AHEAD                                                        \
    "SELECT e.hash, e.type, e.action, e.event_time, e.record_time, e.ids"      \
    " FROM events e WHERE e.hash = ANY($1::bytea[]) ORDER BY e.hash"
/* Rows [from, to) of r, columns as ZL_PG_IDS_AHEAD's, unpacked to cb
 * (those with a role in roles; store_pg.c): 0 or cb's value or an
 * error. */
int zl_pg_ids_to_cb(const PGresult *r, int from, int to, zl_id_roles roles,
                    zl_id_cb cb, void *ctx);

/* log_leaf.key_hash of a record key (pg_log.c). */
int64_t zl_pg_log_key_hash(const char *key);

struct zl_pg {
    PGconn *conn;
    char *schema; /* the store's schema (quoted when used) */
    char *where;  /* "host:port/db schema" for messages */
    int64_t lock; /* advisory lock key of the schema's writers */
    struct zl_pg_stmt stmts[ZL_PG_STMT_CACHE];
    size_t n_stmts;
    uint64_t commits; /* write transactions committed on this handle */
    struct zl_pg_logbuf *logbuf;   /* log rows not yet written (pg_log.c) */
    struct zl_pg_outbuf *outbuf;   /* outbox rows not yet written */
    struct zl_pg_batch *batch;     /* the walk's rows (pg_ahead.c), or NULL */
    struct zl_pg_nodewin *nodewin; /* log nodes read ahead (pg_log.c) */
};

static inline struct zl_pg *zl_pg_of(zl_store *s)
{
    return (struct zl_pg *)s->priv;
}

/* ---- parameters -----------------------------------------------------------
 * Filled in order ($1 first). Values are borrowed: they must live until
 * the statement has run. Integers and floats are copied into the struct.
 */
struct zl_pg_params {
    int n, overflow;
    const char *v[ZL_PG_MAX_PARAMS];
    int len[ZL_PG_MAX_PARAMS];
    int fmt[ZL_PG_MAX_PARAMS];
    char num[ZL_PG_MAX_PARAMS][32];
};

void zl_pg_params_init(struct zl_pg_params *p);
/* A NUL-terminated string; NULL binds SQL NULL. */
void zl_pg_text(struct zl_pg_params *p, const char *v);
/* len bytes of text (no NUL inside); NULL binds SQL NULL. */
void zl_pg_textn(struct zl_pg_params *p, const char *v, size_t len);
void zl_pg_int(struct zl_pg_params *p, int64_t v);
void zl_pg_double(struct zl_pg_params *p, double v);
/* len bytes for a bytea parameter; NULL binds SQL NULL. */
void zl_pg_blob(struct zl_pg_params *p, const void *v, size_t len);
void zl_pg_null(struct zl_pg_params *p);
/* A one-dimensional array parameter in binary form, built into b
 * (initialised by the caller, cleaned up after the statement ran;
 * nothing else may be appended to it meanwhile): zl_pg_array_begin with
 * the element type and count, then exactly n elements (_elem: bytes in
 * the type's binary form, v NULL for SQL NULL; _i64 for bigint, _f64 for
 * double precision), then zl_pg_array_end binds it to p with the rc of
 * the steps (on failure p is marked so the statement does not run).
 * Each returns 0, ZL_ENOMEM or ZL_ELIMIT. */
#define ZL_PG_OID_BYTEA  17
#define ZL_PG_OID_INT8   20
#define ZL_PG_OID_TEXT   25
#define ZL_PG_OID_FLOAT8 701
int zl_pg_array_begin(struct zl_buf *b, unsigned oid, size_t n);
int zl_pg_array_elem(struct zl_buf *b, const void *v, size_t len);
int zl_pg_array_i64(struct zl_buf *b, int64_t v);
int zl_pg_array_f64(struct zl_buf *b, double v);
int zl_pg_array_end(struct zl_pg_params *p, struct zl_buf *b, int rc);
/* The common cases in one call (for "= ANY($n::text[])" and unnest()):
 * the n NUL-terminated strings v[0..n), the n integers v[0..n)
 * ("$n::bigint[]"), or the n 32-byte hashes h[0..n) ("$n::bytea[]"). */
int zl_pg_text_array(struct zl_pg_params *p, struct zl_buf *b,
                     const char *const *v, size_t n);
int zl_pg_i64_array(struct zl_pg_params *p, struct zl_buf *b, const int64_t *v,
                    size_t n);
int zl_pg_hash_array(struct zl_pg_params *p, struct zl_buf *b,
                     const uint8_t (*h)[32], size_t n);

/* ---- running statements ---------------------------------------------------
 */

/* Run sql (a string literal; prepared once per connection) with p (may be
 * NULL for none). Returns the result (binary format; PQclear it) with
 * status PGRES_TUPLES_OK or PGRES_COMMAND_OK, or NULL on failure with *rc
 * set (ZL_EEXIST for a unique violation, ZL_EBUSY for a serialisation
 * failure or deadlock, ZL_ENOMEM, else ZL_ESTORE) and the server's message
 * kept for zl_pg_errmsg. */
PGresult *zl_pg_run(zl_store *s, const char *sql, const struct zl_pg_params *p,
                    int *rc);

/* Run sql with p in single-row mode: cb gets each row as it arrives
 * (row `row` of r, borrowed for the call), so a scan of any
 * size holds one row in client memory. cb must not use the store: the
 * connection is busy until the last row. Returns 0, cb's non-zero value
 * (the statement is then cancelled, or its rest read and dropped inside
 * a transaction, which a cancel would abort), or an error as zl_pg_run. */
int zl_pg_stream(zl_store *s, const char *sql, const struct zl_pg_params *p,
                 int (*cb)(void *ctx, const PGresult *r, int row), void *ctx);

/* Run a command; *affected (may be NULL) gets the number of rows it
 * inserted, updated or deleted. Returns 0 or an error as zl_pg_run. */
int zl_pg_do(zl_store *s, const char *sql, const struct zl_pg_params *p,
             int64_t *affected);

/* Run sql through the simple-query protocol (several statements, no
 * parameters: schema, tests). Returns 0 or an error as zl_pg_run. */
int zl_pg_exec(zl_store *s, const char *sql);

/* The connection's last error message ("" when none). */
const char *zl_pg_errmsg(zl_store *s);

/* ---- reading rows (binary results) --------------------------------------- */

int zl_pg_isnull(const PGresult *r, int row, int col);
/* A text column: NUL-terminated, borrowed from r; NULL for SQL NULL. */
const char *zl_pg_str(const PGresult *r, int row, int col);
/* The same, "" for SQL NULL. */
const char *zl_pg_str_or_empty(const PGresult *r, int row, int col);
/* The column's length in bytes (0 for NULL). */
size_t zl_pg_len(const PGresult *r, int row, int col);
/* A bytea column's bytes, borrowed from r; NULL for SQL NULL. */
const uint8_t *zl_pg_bytes(const PGresult *r, int row, int col);
/* smallint, integer, bigint or boolean; 0 for NULL. */
int64_t zl_pg_i64(const PGresult *r, int row, int col);
/* double precision or real; 0 for NULL. */
double zl_pg_f64(const PGresult *r, int row, int col);
/* Copy a 32-byte bytea column into out; 0, or -1 (and out zeroed) when
 * the column is NULL or not 32 bytes. */
int zl_pg_hash(const PGresult *r, int row, int col, uint8_t out[32]);

/* Run sql with one parameter, $1: the array of hashes[0..n) (bytea[]) or
 * of ids[0..n) (text[]). NULL with *rc = 0 when n is 0 (nothing to ask),
 * else as zl_pg_run. */
PGresult *zl_pg_run_hashes(zl_store *s, const char *sql,
                           const uint8_t (*hashes)[32], size_t n, int *rc);
PGresult *zl_pg_run_texts(zl_store *s, const char *sql, const char *const *ids,
                          size_t n, int *rc);

/* Run sql with p (may be NULL), which selects one row of one integer
 * column (count(*), max(...)): *out gets it. 0, ZL_ESTORE when there is
 * no row, or an error as zl_pg_run. */
int zl_pg_get_i64(zl_store *s, const char *sql, const struct zl_pg_params *p,
                  int64_t *out);
/* The same with one text parameter ($1): *out is left alone on error. */
int zl_pg_get_i64_text(zl_store *s, const char *sql, const char *text,
                       int64_t *out);
/* *yes = 1 when the store's schema has a table called name (a store from
 * before the step that made it has none), else 0. 0 or an error as
 * zl_pg_run. */
int zl_pg_has_table(zl_store *s, const char *name, int *yes);

/* Run sql with p, which selects at most one row, and copy its first
 * column (text or bytea) into *out (new, NUL-terminated, zl_free) with
 * *len (len may be NULL). Returns 0, ZL_ENOTFOUND when there is no row,
 * ZL_ENOMEM, or an error as zl_pg_run. */
int zl_pg_get_value(zl_store *s, const char *sql, const struct zl_pg_params *p,
                    char **out, size_t *len);

/* Run sql with p and call cb with the first column of each row as text
 * (borrowed for the call). Returns 0, cb's non-zero value, or an error. */
int zl_pg_each_text(zl_store *s, const char *sql, const struct zl_pg_params *p,
                    int (*cb)(void *ctx, const char *v), void *ctx);

/* The events columns every event SELECT returns, in this order (table
 * alias e), and the decoder of such a row (strings borrowed from r). */
#define ZL_PG_EVENT_COLS                                                       \
    "e.hash, e.declared_id, e.type, e.action, e.event_time, e.tz,"             \
    " e.record_time, e.biz_step, e.disposition, e.read_point,"                 \
    " e.biz_location, e.transformation_id, e.has_error, e.party, e.json"
void zl_pg_row_event(const PGresult *r, int row, struct zl_stored_event *ev);

/* ---- the sites index (pg_sites.c, schema 30) ------------------------------
 */
/* rule_gen (admitted_sites.c) and the functions its triggers run. */
#define ZL_PG_RULE_GEN                                                         \
    "CREATE TABLE IF NOT EXISTS rule_gen(n bigint NOT NULL);"                  \
    "INSERT INTO rule_gen(n) SELECT 0 WHERE NOT EXISTS"                        \
    " (SELECT 1 FROM rule_gen);"                                               \
    "CREATE OR REPLACE FUNCTION zl_rule_bump() RETURNS trigger"                \
    " LANGUAGE plpgsql AS $$ BEGIN UPDATE rule_gen SET n = n + 1;"             \
    " RETURN NULL; END $$;"
/* The trigger rule_gen_T that bumps rule_gen on every statement writing
 * table T (its events in the order pg_get_triggerdef prints them, which
 * verify compares: pg_triggers.c). */
#define ZL_PG_RULE_BUMP(T)                                                     \
    "CREATE OR REPLACE TRIGGER rule_gen_" T " AFTER INSERT OR DELETE OR"       \
    " UPDATE OR TRUNCATE ON " T " FOR EACH STATEMENT"                          \
    " EXECUTE FUNCTION zl_rule_bump();"
/* The function NAME(t text): the number of value t in table T (n, v),
 * made when it has none (NULL for NULL). */
#define ZL_PG_NUMBER_FN(NAME, T)                                               \
    "CREATE OR REPLACE FUNCTION " NAME "(t text) RETURNS bigint"               \
    " LANGUAGE plpgsql AS $$ DECLARE r bigint; BEGIN"                          \
    "  IF t IS NULL THEN RETURN NULL; END IF;"                                 \
    "  SELECT n INTO r FROM " T " WHERE v = t;"                                \
    "  IF r IS NULL THEN INSERT INTO " T "(v) VALUES (t) RETURNING n INTO r;"  \
    "  END IF;"                                                                \
    "  RETURN r; END $$;"
/* rule_gen bumped when a statement adds a row of numbered table T below
 * its top (an insert with its own number: the identity only grows), and
 * on every update, delete or truncate of T (triggers rule_gen_T_i and
 * rule_gen_T_ud). One function a table, with static SQL: its plan is
 * kept (a format()ed EXECUTE was planned again for every new place
 * captured). */
#define ZL_PG_NUMBERED_BUMPS(T)                                                \
    "CREATE OR REPLACE FUNCTION zl_rule_bump_below_" T "() RETURNS trigger"    \
    " LANGUAGE plpgsql AS $$ BEGIN"                                            \
    "  IF (SELECT max(n) FROM nt) < (SELECT max(n) FROM " T ") THEN"           \
    "   UPDATE rule_gen SET n = n + 1; END IF;"                                \
    "  RETURN NULL; END $$;"                                                   \
    "CREATE OR REPLACE TRIGGER rule_gen_" T "_i AFTER INSERT ON " T            \
    " REFERENCING NEW TABLE AS nt FOR EACH STATEMENT"                          \
    " EXECUTE FUNCTION zl_rule_bump_below_" T "();"                            \
    "CREATE OR REPLACE TRIGGER rule_gen_" T "_ud AFTER DELETE OR UPDATE OR"    \
    " TRUNCATE ON " T " FOR EACH STATEMENT EXECUTE FUNCTION zl_rule_bump();"
/* The index's tables, functions and triggers (idempotent): 0 or an
 * error. */
int zl_pg_sites_schema(zl_store *s);
/* 29 -> 30: the schema, then the index filled from the stored events. */
int zl_pg_sites_migrate(zl_store *s);
/* reindex: the index and its numbers emptied (the events' rewrite refills
 * them), its triggers and the party tables' made again (nothing on a
 * store without the index). */
int zl_pg_sites_clear(zl_store *s);
/* store_audit.h, zl_store_sites_check. */
int zl_pg_sites_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);
/* ---- the trade index (pg_trade.c, schema 31) ----------------------------- */
/* Its tables, functions and triggers (idempotent): 0 or an error. */
int zl_pg_trade_schema(zl_store *s);
/* 30 -> 31: the schema, then the index filled from the stored references. */
int zl_pg_trade_migrate(zl_store *s);
/* reindex: the index and its numbers emptied (the references' rewrite
 * refills them), its triggers made again (nothing on a store without
 * the index). */
int zl_pg_trade_clear(zl_store *s);
/* store_audit.h, zl_store_trade_check. */
int zl_pg_trade_check(zl_store *s, zl_store_sites_issue_cb cb, void *ctx);
/* An enterprise's trade and custody candidates (enterprise_cands.h). */
extern const struct zl_cands_source zl_pg_cands_source;

/* rule_gen and the party tables' triggers that bump it (pg_party.c;
 * idempotent): 0 or an error. The schema text itself, for verify. */
int zl_pg_party_rule_schema(zl_store *s);
extern const char zl_pg_party_rule_sql[];
/* The functions and triggers the n schema texts make ("CREATE OR
 * REPLACE FUNCTION / TRIGGER" statements; pg_triggers.c): report through
 * cb each one missing, disabled, or whose body or definition differs
 * from the text's (a name two texts share, once), with keeps naming what
 * they keep. 0, cb's value or an error. */
int zl_pg_triggers_check(zl_store *s, const char *const *schemas,
                         size_t n_schemas, const char *keeps,
                         zl_store_sites_issue_cb cb, void *ctx);
/* party_gln read into the handle for an asking (pg_party.c): gln owners
 * answered from it until _end. 0 or an error. */
int zl_pg_gln_bulk_begin(zl_store *s);
void zl_pg_gln_bulk_end(zl_store *s);
/* The admitted sites' numbers (admitted_sites.h). */
extern const struct zl_sites_source zl_pg_sites_source;

/* ---- connection (pg_conn.c), collected in store_pg.c's table ------------- */

int zl_pg_open(zl_store *s, const char *target, enum zl_store_mode mode,
               int *is_new, struct zl_error *err);
void zl_pg_close(zl_store *s);
int zl_pg_remove(const char *target);
int zl_pg_begin(zl_store *s);
int zl_pg_commit(zl_store *s);
int zl_pg_rollback(zl_store *s);
int zl_pg_snapshot_begin(zl_store *s);
int zl_pg_snapshot_end(zl_store *s);
int zl_pg_change_token(zl_store *s, uint64_t *token);

/* The parts defined outside store_pg.c, collected in its table. */
int zl_pg_events_query(zl_store *s, const struct zl_event_filter *f,
                       zl_event_cb cb, void *ctx);
extern const struct zl_store_log_ops zl_pg_log_ops;
/* Write the log rows pg_log.c buffered in the open transaction (one
 * statement; nothing when none wait) and empty the buffer: 0, ZL_EEXIST
 * when a row met a taken key (the transaction must then roll back), or an
 * error as zl_pg_run. Called before COMMIT and before reading the log's
 * tables elsewhere (pg_rows.c). */
int zl_pg_log_flush(zl_store *s);
/* Drop the buffered log rows unwritten (rollback, close). */
void zl_pg_log_discard(zl_store *s);
/* Every row held back in the open transaction (the log's, the outbox's in
 * store_pg.c), written or dropped: zl_pg_flush returns as zl_pg_log_flush
 * (ZL_EEXIST: the transaction must roll back); zl_pg_discard frees them.
 */
int zl_pg_flush(zl_store *s);
/* Whether rows held back (held of them, after a put) must be written now:
 * outside a transaction (as if not held), or once ZL_PG_HOLD_MAX wait. */
#define ZL_PG_HOLD_MAX 4096
int zl_pg_write_now(zl_store *s, size_t held);
void zl_pg_discard(zl_store *s);
extern const struct zl_store_trace_ops zl_pg_trace_ops;
extern const struct zl_store_party_ops zl_pg_party_ops;
extern const struct zl_store_recall_ops zl_pg_recall_ops;
extern const struct zl_store_docs_ops zl_pg_docs_ops;
extern const struct zl_store_audit_ops zl_pg_audit_ops;
extern const struct zl_store_correction_ops zl_pg_correction_ops;
extern const struct zl_store_receipt_ops zl_pg_receipt_ops;
extern const struct zl_store_tix_ops zl_pg_tix_ops;
extern const struct zl_store_sup_ops zl_pg_sup_ops;
extern const struct zl_store_lookups_ops zl_pg_lookups_ops;
extern const struct zl_store_risk_ops zl_pg_risk_ops;

/* Rewrite a stored event's row and derived rows in place (reindex). */
int zl_pg_event_replace(zl_store *s, const struct zl_event *ev,
                        int64_t record_time_ms, const char *party);

#endif
