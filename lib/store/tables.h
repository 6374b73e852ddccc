/*
 * tables.h - every table a store keeps, described once for every backend,
 * and the generic row values the backends' row operations (backend.h:
 * rows_read, rows_write, rows_delete) exchange.
 *
 * A description names a table, its columns with a type tag and its
 * primary key (the first n_key columns, in key order). The tag is what
 * the SQLite backend binds into the column (text or blob matters there:
 * SQLite keeps the storage class a value was bound with, and compares a
 * text with a blob as different); the PostgreSQL backend's columns carry
 * the same names with the matching types (bigint, double precision, text,
 * bytea). The descriptions serve the store copier (migrate.c): one
 * generic loop instead of a copy function per table and backend.
 *
 * Adding a table to a module: one entry in tables.c (tests/unit/
 * test_migrate.c fails until every table of a new store is described,
 * with exactly its columns).
 */
#ifndef ZL_STORE_TABLES_H
#define ZL_STORE_TABLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct zl_store zl_store;
struct zl_error;

/* The kind of a value; a column's tag is one of the non-NULL kinds. */
enum zl_value_type {
    ZL_VALUE_NULL,
    ZL_VALUE_INT,    /* 64-bit integer */
    ZL_VALUE_DOUBLE, /* IEEE double */
    ZL_VALUE_TEXT,   /* UTF-8 bytes (len, no NUL inside) */
    ZL_VALUE_BLOB    /* bytes */
};

/* One value of a row. p (len bytes) is borrowed: see who hands it out. */
struct zl_store_value {
    enum zl_value_type type;
    int64_t i;
    double d;
    const void *p;
    size_t len;
};

struct zl_store_column {
    const char *name;
    enum zl_value_type type;
};

/* The core tables' module: they belong to every backend. */
#define ZL_STORE_TABLE_CORE (-1)

struct zl_store_table {
    const char *name;
    /* ZL_STORE_TABLE_CORE, or the enum zl_store_module_id of the module
     * whose schema creates it (a backend without that module lacks it) */
    int module;
    const struct zl_store_column *cols;
    size_t n_cols;
    size_t n_key; /* cols[0..n_key) are the primary key, in key order */
};

/* Every table, in the order a copy goes through them: the records and
 * their derived rows, the log, and meta last (a store whose copy was cut
 * short before it has no signing key, so it cannot issue a checkpoint). */
extern const struct zl_store_table zl_store_tables[];
extern const size_t zl_store_n_tables;

/* The description of the table called name, or NULL. */
const struct zl_store_table *zl_store_table_find(const char *name);

/* A row of t: t->n_cols values, borrowed during the call. Non-zero stops
 * the read and is returned by it. */
typedef int (*zl_store_row_cb)(void *ctx, const struct zl_store_value *row);

/* ---- the SQL text of the row operations, for both backends -------------
 * Each appends to b and returns 0 or ZL_ENOMEM. Names are ours (no quote
 * inside to escape); mark is the placeholder's sign, '?' for SQLite's ?N
 * and '$' for PostgreSQL's $N, numbered from 1. */
struct zl_buf;
/* "name", quoted. */
int zl_store_sql_ident(struct zl_buf *b, const char *name);
/* "c1", "c2", ... for the first n columns of t. */
int zl_store_sql_cols(struct zl_buf *b, const struct zl_store_table *t,
                      size_t n);
/* " LIMIT limit" (at most INT64_MAX), nothing for 0 (all rows). */
int zl_store_sql_limit(struct zl_buf *b, size_t limit);
/* SELECT every column of t in key order, after the key given as
 * parameters 1..n_key when after is set, at most limit rows (0: all). */
int zl_store_sql_select(struct zl_buf *b, const struct zl_store_table *t,
                        int after, size_t limit, char mark);
/* INSERT rows rows of t (parameters row by row) ON CONFLICT DO NOTHING. */
int zl_store_sql_insert(struct zl_buf *b, const struct zl_store_table *t,
                        size_t rows, char mark);
/* DELETE the row of t whose key is parameters 1..n_key. */
int zl_store_sql_delete(struct zl_buf *b, const struct zl_store_table *t,
                        char mark);

/* ---- the backends' row operations (sqlite_rows.c, pg_rows.c), collected
 * in their backend tables; contracts at struct zl_store_backend --------- */

int zl_sqlite_rows_read(zl_store *s, const struct zl_store_table *t,
                        const struct zl_store_value *after, size_t limit,
                        zl_store_row_cb cb, void *ctx, struct zl_error *err);
int zl_sqlite_rows_write(zl_store *s, const struct zl_store_table *t,
                         const struct zl_store_value *rows, size_t n,
                         uint64_t *written, struct zl_error *err);
int zl_sqlite_rows_delete(zl_store *s, const struct zl_store_table *t,
                          const struct zl_store_value *key,
                          struct zl_error *err);
int zl_pg_rows_read(zl_store *s, const struct zl_store_table *t,
                    const struct zl_store_value *after, size_t limit,
                    zl_store_row_cb cb, void *ctx, struct zl_error *err);
int zl_pg_rows_write(zl_store *s, const struct zl_store_table *t,
                     const struct zl_store_value *rows, size_t n,
                     uint64_t *written, struct zl_error *err);
int zl_pg_rows_delete(zl_store *s, const struct zl_store_table *t,
                      const struct zl_store_value *key, struct zl_error *err);

#endif
