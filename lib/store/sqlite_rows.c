/*
 * sqlite_rows.c - the generic row operations (backend.h: rows_read,
 * rows_write, rows_delete) on SQLite, for any table described in
 * tables.h.
 *
 * The SQL is built from the description at each call and prepared with
 * sqlite3_prepare_v2, outside the handle's statement cache: the cache is
 * keyed by the address of a string literal, and a copy prepares a handful
 * of statements per batch of thousands of rows, so a parse per batch is
 * noise. Reads are keyset pages, WHERE (k1, k2) > (?1, ?2) ORDER BY
 * k1, k2 LIMIT n: a row-value comparison SQLite answers as one range
 * search on the primary key, so every page costs the same however deep
 * into the table it starts. events, keyed by its hash, has no index on
 * the whole hash since schema 34, only on its first bytes (events_hkey):
 * its pages are ordered by that prefix, then the hash (the same order:
 * a shorter prefix of a blob sorts as the blob does), the rows of one
 * prefix sorted on the way, and a row is written unless its hash is
 * there and deleted by hash, both through the index (events_sql).
 * Rejected: LIMIT/OFFSET (each page re-walks the rows before it) and
 * rowid ranges (PostgreSQL has no rowid, and a resumed copy must name its
 * position the same way on both sides).
 *
 * Values keep their storage class both ways (read: what sqlite3_column_
 * type says; write: bound as their kind), so an SQLite-to-SQLite copy is
 * exact even for a value whose class differs from its column's tag.
 */
#include "store/sqlite_int.h"
#include "store/tables.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

#define SQL_MAX (64 * 1024)

static int fail(zl_store *s, const struct zl_store_table *t, int rc,
                const char *what, struct zl_error *err)
{
    return zl_error_set(err, rc, t->name, what,
                        s ? sqlite3_errmsg(zl_sqlite_db(s)) : NULL, (size_t)-1);
}

static int prepare(zl_store *s, const struct zl_buf *b, sqlite3_stmt **st)
{
    int rc =
        sqlite3_prepare_v2(zl_sqlite_db(s), b->data, (int)b->len, st, NULL);

    return rc == SQLITE_OK    ? 0
           : zl_sqlite_rc(rc) ? zl_sqlite_rc(rc)
                              : ZL_ESTORE;
}

static int bind_value(sqlite3_stmt *st, int i, const struct zl_store_value *v)
{
    const void *p = v->p ? v->p : "";

    switch (v->type) {
    case ZL_VALUE_INT: return sqlite3_bind_int64(st, i, v->i);
    case ZL_VALUE_DOUBLE: return sqlite3_bind_double(st, i, v->d);
    case ZL_VALUE_TEXT:
        return sqlite3_bind_text64(st, i, p, v->len, SQLITE_STATIC,
                                   SQLITE_UTF8);
    case ZL_VALUE_BLOB:
        return sqlite3_bind_blob64(st, i, p, v->len, SQLITE_STATIC);
    default: return sqlite3_bind_null(st, i);
    }
}

static void column_value(sqlite3_stmt *st, int i, struct zl_store_value *v)
{
    memset(v, 0, sizeof *v);
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        v->type = ZL_VALUE_INT;
        v->i = sqlite3_column_int64(st, i);
        break;
    case SQLITE_FLOAT:
        v->type = ZL_VALUE_DOUBLE;
        v->d = sqlite3_column_double(st, i);
        break;
    case SQLITE_TEXT:
        v->type = ZL_VALUE_TEXT;
        v->p = sqlite3_column_text(st, i);
        v->len = (size_t)sqlite3_column_bytes(st, i);
        break;
    case SQLITE_BLOB:
        v->type = ZL_VALUE_BLOB;
        v->p = sqlite3_column_blob(st, i);
        v->len = (size_t)sqlite3_column_bytes(st, i);
        if (!v->p)
            v->p = ""; /* a zero-length blob is not NULL */
        break;
    default: v->type = ZL_VALUE_NULL;
    }
}

/* 1 when column i of t holds a vocab number on SQLite (schema 17): the
 * rows carry its text both ways, as tables.c describes it, so a copy to
 * or from PostgreSQL (which keeps the text) or another SQLite store moves
 * the value, never a number that only means something here. */
static int is_vocab_col(const struct zl_store_table *t, size_t i)
{
    static const char *const COLS[] = {"biz_step", "disposition", "read_point",
                                       "biz_location"};

    if (strcmp(t->name, "events"))
        return 0;
    for (size_t k = 0; k < sizeof COLS / sizeof COLS[0]; k++)
        if (!strcmp(t->cols[i].name, COLS[k]))
            return 1;
    return 0;
}

/* A vocab number read from events as its text, copied into *copy (freed
 * by the caller) because the lookup statement is reused for the next
 * column; a number vocab lacks (a damaged store, which verify reports)
 * goes out as NULL. */
static int vocab_text(zl_store *s, struct zl_store_value *v, char **copy)
{
    static const char SQL[] = "SELECT v FROM vocab WHERE n = ?1";
    sqlite3_stmt *st;
    int rc;

    if (v->type != ZL_VALUE_INT)
        return 0;
    if (!(st = zl_sqlite_stmt(s, SQL)))
        return ZL_ESTORE;
    sqlite3_bind_int64(st, 1, v->i);
    rc = sqlite3_step(st);
    memset(v, 0, sizeof *v);
    if (rc == SQLITE_ROW) {
        v->len = (size_t)sqlite3_column_bytes(st, 0);
        *copy = zl_strndup(zl_sqlite_text(st, 0), v->len);
        v->type = ZL_VALUE_TEXT;
        v->p = *copy;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return *copy ? 0 : ZL_ENOMEM;
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

/* 1 for outbox.key, an event's hash stored as 32 bytes (schema 17): the
 * rows carry the hex text both ways, as the feed reads it. */
static int is_outbox_key(const struct zl_store_table *t, size_t i)
{
    return !strcmp(t->name, "outbox") && !strcmp(t->cols[i].name, "key");
}

/* 1 for outbox.created, the column after key (tables.c), left NULL in
 * an event's row (schema 38): the copy gets the event's record time. */
static int is_outbox_created(const struct zl_store_table *t, size_t i)
{
    return !strcmp(t->name, "outbox") && !strcmp(t->cols[i].name, "created") &&
           i > 0 && !strcmp(t->cols[i - 1].name, "key");
}

/* 1 for outbox.kind, an event's stored as an integer (schema 33): the
 * rows carry the text both ways. */
static int is_outbox_kind(const struct zl_store_table *t, size_t i)
{
    return !strcmp(t->name, "outbox") && !strcmp(t->cols[i].name, "kind");
}

/* 1 for log_leaf.record_key, an event's hash ID stored as the event's
 * rid (schema 36; as its 32 bytes when no event has the hash): the rows
 * carry the ID's text both ways. */
static int is_log_key(const struct zl_store_table *t, size_t i)
{
    return !strcmp(t->name, "log_leaf") &&
           !strcmp(t->cols[i].name, "record_key");
}

/* 1 for log_leaf, which has no key_hash column on SQLite (schema 32): read
 * with the column computed from the key (what the other backends keep),
 * written without it. */
static int is_log_leaf(const struct zl_store_table *t)
{
    return !strcmp(t->name, "log_leaf");
}

/* tables.c's columns of log_leaf (idx, type, key_hash, record_key, hash)
 * bound as ?1..?5, key_hash left out */
#define LEAF_INSERT                                                            \
    "INSERT INTO log_leaf(idx, type, record_key, hash)"                        \
    " VALUES(?1, ?2, ?4, ?5) ON CONFLICT DO NOTHING"

/* A log_leaf row read (key_hash NULL, record_key as its text) given its
 * key_hash, as the other backends store it. */
static void leaf_key_hash(const struct zl_store_table *t,
                          struct zl_store_value *row)
{
    struct zl_store_value *kh = NULL, *key = NULL;

    for (size_t i = 0; i < t->n_cols; i++)
        if (!strcmp(t->cols[i].name, "key_hash"))
            kh = &row[i];
        else if (is_log_key(t, i))
            key = &row[i];
    if (!kh || !key || key->type != ZL_VALUE_TEXT)
        return;
    kh->type = ZL_VALUE_INT;
    kh->i = zl_sqlite_log_key_hash(key->p ? key->p : "", key->len);
}

/* 1 for log_node, whose levels between every 4th are derived on read
 * (schema 32): read through sqlite_log.c with every level, and rows of a
 * level not kept are dropped on write (counted as written: the target
 * holds them as the rows they are hashed from). */
static int is_log_node(const struct zl_store_table *t)
{
    return !strcmp(t->name, "log_node");
}

/* 1 for receipts.events, a rid list since schema 21 (sqlite_receipt.c):
 * the rows carry the 32-byte hashes both ways. */
static int is_receipt_list(const struct zl_store_table *t, size_t i)
{
    return !strcmp(t->name, "receipts") && !strcmp(t->cols[i].name, "events");
}

/* 1 for events, read, written and deleted through events_hkey. */
static int is_events(const struct zl_store_table *t)
{
    return !strcmp(t->name, "events");
}

/* events' SQL for rows_read (op 'r': after, limit), rows_write ('w') and
 * rows_delete ('d'), as the generic SQL with the hash's key order and
 * lookups through events_hkey; the hash is t's key, column 1, and hkey
 * (not one of t's columns: another backend has none) is bound after the
 * columns, its first bytes. */
static int events_sql(struct zl_buf *b, const struct zl_store_table *t, char op,
                      int after, size_t limit)
{
    int rc = 0;

    if (op == 'd')
        return zl_buf_adds(
                   b, "DELETE FROM events WHERE " ZL_SQLITE_HASH_IS("", "?1"))
                   ? ZL_ENOMEM
                   : 0;
    if (op == 'w') {
        rc = zl_buf_adds(b, "INSERT INTO events(") ||
             zl_store_sql_cols(b, t, t->n_cols) ||
             zl_buf_adds(b, ", hkey) SELECT ");
        for (size_t i = 0; !rc && i < t->n_cols; i++)
            rc = zl_buf_printf(b, "%s?%zu", i ? ", " : "", i + 1);
        /* hkey bound by rows_write (a function here would give the
         * statement a journal: sqlite_int.h) */
        return rc || zl_buf_printf(b,
                                   ", ?%zu WHERE NOT EXISTS (SELECT 1 FROM"
                                   " events WHERE hkey = ?%zu AND +hash = ?1)",
                                   t->n_cols + 1, t->n_cols + 1)
                   ? ZL_ENOMEM
                   : 0;
    }
    return zl_buf_adds(b, "SELECT ") || zl_store_sql_cols(b, t, t->n_cols) ||
                   zl_buf_adds(b, " FROM events") ||
                   (after && zl_buf_adds(b, " WHERE hkey >= " ZL_SQLITE_HKEY(
                                                "?1") " AND hash > ?1")) ||
                   zl_buf_adds(b, " ORDER BY hkey, hash") ||
                   zl_store_sql_limit(b, limit)
               ? ZL_ENOMEM
               : 0;
}

int zl_sqlite_rows_read(zl_store *s, const struct zl_store_table *t,
                        const struct zl_store_value *after, size_t limit,
                        zl_store_row_cb cb, void *ctx, struct zl_error *err)
{
    struct zl_store_value row[32];
    sqlite3_stmt *st = NULL;
    struct zl_buf b, scratch, list, idsv2;
    int rc;

    if (t->n_cols > sizeof row / sizeof row[0])
        return zl_error_set(err, ZL_ELIMIT, t->name, "too many columns", NULL,
                            0);
    if (is_log_node(t)) {
        rc = zl_sqlite_log_nodes_read(s, after, limit, cb, ctx);
        return rc < 0 ? fail(s, t, rc, "cannot read the table", err) : rc;
    }
    zl_buf_init(&b, SQL_MAX);
    zl_buf_init(&scratch, (size_t)64 << 20);
    zl_buf_init(&list, (size_t)1 << 30);
    zl_buf_init(&idsv2, (size_t)1 << 30);
    rc = is_log_leaf(t) ? zl_sqlite_log_leaf_select(&b, after != NULL, limit)
         : is_events(t) ? events_sql(&b, t, 'r', after != NULL, limit)
                        : zl_store_sql_select(&b, t, after != NULL, limit, '?');
    if (!rc)
        rc = prepare(s, &b, &st);
    for (size_t i = 0; !rc && after && i < t->n_key; i++)
        rc = zl_sqlite_rc(bind_value(st, (int)i + 1, &after[i]));
    if (rc) {
        rc = fail(s, t, rc, "cannot read the table", err);
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *texts[32] = {0};
        char hex[65], id[96];

        for (size_t i = 0; i < t->n_cols; i++) {
            column_value(st, (int)i, &row[i]);
            if (is_outbox_kind(t, i) && row[i].type == ZL_VALUE_INT) {
                row[i].p = zl_sqlite_outbox_kind(st, (int)i);
                row[i].type = ZL_VALUE_TEXT;
                row[i].len = strlen(row[i].p ? row[i].p : "");
            }
            /* an event's created left NULL (schema 38): its record time */
            if (is_outbox_created(t, i) && row[i].type == ZL_VALUE_NULL) {
                row[i].type = ZL_VALUE_INT;
                row[i].i = zl_sqlite_outbox_created(s, st, (int)i - 1);
            }
            if (is_outbox_key(t, i) &&
                (row[i].type == ZL_VALUE_BLOB || row[i].type == ZL_VALUE_INT)) {
                row[i].p = zl_sqlite_outbox_key(s, st, (int)i, hex);
                row[i].type = ZL_VALUE_TEXT;
                row[i].len = strlen(row[i].p);
            }
            if (is_log_key(t, i) &&
                (row[i].type == ZL_VALUE_BLOB || row[i].type == ZL_VALUE_INT)) {
                /* the event's hash: the column after tables.c's */
                row[i].p = zl_sqlite_log_key(st, (int)i, (int)t->n_cols, id);
                row[i].type = ZL_VALUE_TEXT;
                row[i].len = strlen(row[i].p);
            }
            /* a list that does not decode goes out as stored: the copy's
             * verify reports it as this store's does */
            if (is_receipt_list(t, i) && row[i].type == ZL_VALUE_BLOB &&
                row[i].len % 32 &&
                !zl_sqlite_receipt_unpack(s, row[i].p, row[i].len, &list)) {
                row[i].p = list.data ? (const void *)list.data : "";
                row[i].len = list.len;
            }
            if (is_vocab_col(t, i) &&
                (rc = vocab_text(s, &row[i], &texts[i]))) {
                for (size_t k = 0; k < i; k++)
                    zl_free(texts[k]);
                rc = fail(s, t, rc, "cannot read a vocab value", err);
                goto out;
            }
            /* events.ids by number (schema 38, sqlite_ids.c) goes out as
             * version 2, which names no number of this store; a blob that
             * does not decode goes out as stored (verify reports it) */
            if (row[i].type == ZL_VALUE_BLOB && row[i].len &&
                ((const uint8_t *)row[i].p)[0] == ZL_IDS_V3 &&
                !strcmp(t->name, "events") && !strcmp(t->cols[i].name, "ids")) {
                idsv2.len = 0;
                if (!zl_sqlite_ids_v2(s, row[i].p, row[i].len, &idsv2)) {
                    row[i].p = idsv2.data ? (const void *)idsv2.data : "";
                    row[i].len = idsv2.len;
                }
            }
            /* a compressed events.json goes out as the JSON it holds
             * (sqlite_zjson.c), so any backend can take it */
            if (row[i].type == ZL_VALUE_BLOB && !strcmp(t->name, "events") &&
                !strcmp(t->cols[i].name, "json")) {
                const char *json;
                size_t len;

                if ((rc = zl_sqlite_json_unpack(s, row[i].p, row[i].len,
                                                &scratch, &json, &len))) {
                    for (size_t k = 0; k < t->n_cols; k++)
                        zl_free(texts[k]);
                    rc = fail(s, t, rc, "cannot read a compressed event", err);
                    goto out;
                }
                row[i].type = ZL_VALUE_TEXT;
                row[i].p = json;
                row[i].len = len;
            }
        }
        if (is_log_leaf(t))
            leaf_key_hash(t, row);
        rc = cb(ctx, row);
        for (size_t k = 0; k < t->n_cols; k++)
            zl_free(texts[k]);
        if (rc != 0)
            goto out;
    }
    rc = rc == SQLITE_DONE
             ? 0
             : fail(s, t, zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE,
                    "cannot read the table", err);
out:
    sqlite3_finalize(st);
    zl_buf_cleanup(&b);
    zl_buf_cleanup(&scratch);
    zl_buf_cleanup(&list);
    zl_buf_cleanup(&idsv2);
    return rc;
}

/* event_ids is a view over the interned tables (store_sqlite.c): rows
 * written to it go to event_occ (its day for the time, schema 33), their
 * identifier interned first, their event found by hash (an occurrence of
 * an event the store lacks fails, NOT NULL), and a quantity or unit (?8,
 * ?9) to event_qty after it (QTY_INSERT). Type, action and record time
 * are the event's own, so the copies in the row are only checked to be
 * bound. */
#define OCC_INSERT                                                             \
    "INSERT INTO event_occ(n, day, ev, role)"                                  \
    " SELECT (SELECT n FROM idents WHERE code = zl_ident_code(?1)),"           \
    " ?2 / " ZL_SQLITE_OCC_DAY                                                 \
    ", (SELECT rid FROM events WHERE " ZL_SQLITE_HASH_IS(                      \
        "",                                                                    \
        "?3") "), ?4"                                                          \
              " WHERE coalesce(?5, ?6, ?7, 1) IS NOT NULL"                     \
              " AND coalesce(?8, ?9, 1) IS NOT NULL ON CONFLICT DO NOTHING"
#define QTY_INSERT                                                             \
    "INSERT INTO event_qty(ev, n, role, qty, uom)"                             \
    " SELECT (SELECT rid FROM events WHERE " ZL_SQLITE_HASH_IS(                \
        "",                                                                    \
        "?3") "),"                                                             \
              " (SELECT n FROM idents WHERE code = zl_ident_code(?1)), ?4, "   \
              "?8, ?9"                                                         \
              " WHERE ?8 IS NOT NULL OR ?9 IS NOT NULL ON CONFLICT DO NOTHING"
#define OCC_DELETE                                                             \
    "DELETE FROM event_occ WHERE n = (SELECT n FROM idents WHERE code = "      \
    "zl_ident_code(?1))"                                                       \
    " AND day = ?2 / " ZL_SQLITE_OCC_DAY                                       \
    " AND ev = (SELECT rid FROM events WHERE " ZL_SQLITE_HASH_IS(              \
        "", "?3") ") AND role = ?4"
#define QTY_DELETE                                                             \
    "DELETE FROM event_qty WHERE ev = (SELECT rid FROM events "                \
    "WHERE " ZL_SQLITE_HASH_IS(                                                \
        "", "?3") ") AND n = (SELECT n FROM idents WHERE code = "              \
                  "zl_ident_code(?1)) AND role = ?4"

/* Run sql (QTY_INSERT or QTY_DELETE) with the first n values of an
 * event_ids row bound as ?1..?n: 0 or an error. */
static int ids_side(zl_store *s, const char *sql,
                    const struct zl_store_value *row, size_t n)
{
    sqlite3_stmt *st = zl_sqlite_stmt(s, sql);
    int rc = st ? 0 : ZL_ESTORE;

    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_sqlite_rc(bind_value(st, (int)i + 1, &row[i]));
    if (!rc && (rc = sqlite3_step(st)) == SQLITE_DONE)
        rc = 0;
    else if (!rc)
        rc = zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return rc;
}

static int is_ids(const struct zl_store_table *t)
{
    return !strcmp(t->name, "event_ids");
}

static int intern_value(zl_store *s, const struct zl_store_value *v, int64_t *n)
{
    char *id = zl_strndup(v->p ? v->p : "", v->len);
    int rc = id ? zl_sqlite_intern(s, id, n) : ZL_ENOMEM;

    zl_free(id);
    return rc;
}

/* The column of t that holds an event's JSON (events.json), or -1. */
static int json_column(const struct zl_store_table *t)
{
    if (strcmp(t->name, "events"))
        return -1;
    for (size_t i = 0; i < t->n_cols; i++)
        if (!strcmp(t->cols[i].name, "json"))
            return (int)i;
    return -1;
}

/* Bind column i of a row; an event's JSON text is stored as capture
 * stores it (sqlite_zjson.c: compressed once the store has a dictionary,
 * else kept as text and the dictionary trained after the commit), so a
 * copied store is as compact as one that captured its events. */
static int bind_column(zl_store *s, sqlite3_stmt *st, int i,
                       const struct zl_store_value *v, int json_col,
                       struct zl_buf *zbuf)
{
    int packed = 0, rc;

    if (i != json_col || v->type != ZL_VALUE_TEXT)
        return zl_sqlite_rc(bind_value(st, i + 1, v));
    if ((rc = zl_sqlite_json_pack(s, v->p ? v->p : "", v->len, zbuf, &packed)))
        return rc;
    if (!packed)
        return zl_sqlite_rc(bind_value(st, i + 1, v));
    return zl_sqlite_rc(
        sqlite3_bind_blob64(st, i + 1, zbuf->data, zbuf->len, SQLITE_STATIC));
}

int zl_sqlite_rows_write(zl_store *s, const struct zl_store_table *t,
                         const struct zl_store_value *rows, size_t n,
                         uint64_t *written, struct zl_error *err)
{
    sqlite3_stmt *st = NULL;
    struct zl_buf b, zbuf, list;
    int rc, json_col = json_column(t);

    *written = 0;
    zl_buf_init(&zbuf, (size_t)1 << 30);
    zl_buf_init(&list, (size_t)1 << 30);
    zl_buf_init(&b, SQL_MAX);
    if (is_ids(t))
        rc = zl_buf_adds(&b, OCC_INSERT) ? ZL_ENOMEM : 0;
    else if (is_log_leaf(t))
        rc = zl_buf_adds(&b, LEAF_INSERT) ? ZL_ENOMEM : 0;
    else if (is_events(t))
        rc = events_sql(&b, t, 'w', 0, 0);
    else
        rc = zl_store_sql_insert(&b, t, 1, '?');
    if (!rc)
        rc = prepare(s, &b, &st);
    for (size_t r = 0; r < n && !rc; r++) {
        const struct zl_store_value *row = rows + r * t->n_cols;
        uint8_t packed[32]; /* bound SQLITE_STATIC: lives until the step */
        int64_t id_n;

        if (is_log_node(t) && row[0].type == ZL_VALUE_INT &&
            !zl_sqlite_log_node_kept(row[0].i)) {
            ++*written;
            continue;
        }
        if (is_ids(t) && row[0].type == ZL_VALUE_TEXT &&
            (rc = intern_value(s, &row[0], &id_n)))
            break;

        for (size_t i = 0; i < t->n_cols && !rc; i++) {
            struct zl_store_value num;

            if (is_receipt_list(t, i) && row[i].type == ZL_VALUE_BLOB &&
                row[i].len % 32 == 0) {
                const void *p = row[i].p ? row[i].p : "";

                if ((rc = zl_sqlite_receipt_pack(s, (const uint8_t(*)[32])p,
                                                 row[i].len / 32, &list)))
                    break;
                rc = zl_sqlite_rc(sqlite3_bind_blob64(st, (int)i + 1,
                                                      list.len ? list.data : "",
                                                      list.len, SQLITE_STATIC));
                continue;
            }
            if (is_outbox_kind(t, i) && row[i].type == ZL_VALUE_TEXT &&
                row[i].p) {
                rc = zl_sqlite_rc(zl_sqlite_outbox_bind_kind(
                    st, (int)i + 1, (const char *)row[i].p, row[i].len));
                continue;
            }
            if (is_outbox_key(t, i) && row[i].type == ZL_VALUE_TEXT &&
                row[i].p) {
                rc = zl_sqlite_rc(zl_sqlite_outbox_bind(s, st, (int)i + 1,
                                                        (const char *)row[i].p,
                                                        row[i].len, packed));
                continue;
            }
            if (row[i].type == ZL_VALUE_TEXT && row[i].p &&
                ((is_log_key(t, i) &&
                  zl_sqlite_log_key_pack((const char *)row[i].p, row[i].len,
                                         packed)))) {
                /* the event's rid (events is copied before the log) */
                memset(&num, 0, sizeof num);
                if ((rc = zl_sqlite_log_leaf_rid(s, packed, &num.i)) < 0)
                    break;
                num.type = rc ? ZL_VALUE_INT : ZL_VALUE_BLOB;
                num.p = packed;
                num.len = 32;
                rc = zl_sqlite_rc(bind_value(st, (int)i + 1, &num));
                continue;
            }

            /* a vocab column's text goes in as its number */
            if (is_vocab_col(t, i) && row[i].type == ZL_VALUE_TEXT) {
                memset(&num, 0, sizeof num);
                num.type = ZL_VALUE_INT;
                if ((rc = zl_sqlite_vocab(
                         s, row[i].p ? (const char *)row[i].p : "", row[i].len,
                         &num.i)))
                    break;
                rc = zl_sqlite_rc(bind_value(st, (int)i + 1, &num));
                continue;
            }
            rc = bind_column(s, st, (int)i, &row[i], json_col, &zbuf);
        }
        if (!rc && is_events(t))
            rc = zl_sqlite_rc(sqlite3_bind_blob64(
                st, (int)t->n_cols + 1, row[0].p ? row[0].p : "",
                row[0].len < ZL_SQLITE_HKEY_BYTES ? row[0].len
                                                  : ZL_SQLITE_HKEY_BYTES,
                SQLITE_STATIC));
        if (!rc && (rc = sqlite3_step(st)) == SQLITE_DONE) {
            rc = 0;
            *written += (uint64_t)sqlite3_changes(zl_sqlite_db(s));
        } else if (rc) {
            rc = zl_sqlite_rc(rc) ? zl_sqlite_rc(rc) : ZL_ESTORE;
        }
        sqlite3_reset(st);
        if (!rc && is_ids(t) && t->n_cols == 9 &&
            (row[7].type != ZL_VALUE_NULL || row[8].type != ZL_VALUE_NULL))
            rc = ids_side(s, QTY_INSERT, row, t->n_cols);
    }
    if (rc)
        rc = fail(s, t, rc, "cannot write rows", err);
    sqlite3_finalize(st);
    zl_buf_cleanup(&b);
    zl_buf_cleanup(&zbuf);
    zl_buf_cleanup(&list);
    return rc;
}

int zl_sqlite_rows_delete(zl_store *s, const struct zl_store_table *t,
                          const struct zl_store_value *key,
                          struct zl_error *err)
{
    sqlite3_stmt *st = NULL;
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, SQL_MAX);
    rc = is_ids(t)      ? zl_buf_adds(&b, OCC_DELETE) ? ZL_ENOMEM : 0
         : is_events(t) ? events_sql(&b, t, 'd', 0, 0)
                        : zl_store_sql_delete(&b, t, '?');
    if (!rc)
        rc = prepare(s, &b, &st);
    for (size_t i = 0; i < t->n_key && !rc; i++)
        rc = zl_sqlite_rc(bind_value(st, (int)i + 1, &key[i]));
    if (!rc) {
        int step = sqlite3_step(st);

        if (step != SQLITE_DONE)
            rc = zl_sqlite_rc(step) ? zl_sqlite_rc(step) : ZL_ESTORE;
    }
    if (!rc && is_ids(t))
        rc = ids_side(s, QTY_DELETE, key, t->n_key);
    if (rc)
        rc = fail(s, t, rc, "cannot delete a row", err);
    sqlite3_finalize(st);
    zl_buf_cleanup(&b);
    return rc;
}
