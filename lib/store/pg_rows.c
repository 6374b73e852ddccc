/*
 * pg_rows.c - the generic row operations (backend.h: rows_read,
 * rows_write, rows_delete) on PostgreSQL, for any table described in
 * tables.h.
 *
 * The SQL is built from the description at each call, so it goes through
 * PQexecParams (binary results) rather than zl_pg_run's cache of
 * statements keyed by literal address (pg_int.h). Reads are keyset pages,
 * WHERE (k1, k2) > ($1, $2) ORDER BY k1, k2 LIMIT n, one index range scan
 * on the primary key; text keys compare in the database's collation both
 * in the WHERE and the ORDER BY, so the pages follow one order whatever it
 * is.
 *
 * Writes: a batch goes in with one binary COPY FROM STDIN inside a
 * savepoint; only when that meets a row already present (a unique
 * violation) does the savepoint roll back and the batch go again as
 * INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING, up to 1,000 rows
 * a statement (fewer for wide rows: 65,535 parameters at most), which
 * skips the present rows. COPY is ~2.5x faster than the INSERT (the 1.03M
 * core rows of a 100k-event store: 8 s against 20 s on a local server)
 * and a copy into an empty table never collides, so the fallback only
 * serves writes that overlap. Binary COPY needs each column's exact type
 * (int4 and int8 differ on the wire): a LIMIT 0 query of the table gives
 * them, once per batch. Every operation first writes the log rows
 * pg_log.c holds back in the open transaction (zl_pg_log_flush), so a
 * copy of log_leaf or log_node sees them. Rejected: COPY into a temporary
 * table, then INSERT ... SELECT ... ON CONFLICT (two passes over every row: 6.2
 * s for 0.8M identifier rows that COPY alone writes in 2.2 s), and a prepared
 * single-row INSERT (a round trip per row: ~10x slower over a local
 * socket).
 *
 * Parameter types are left to the server to infer from the columns:
 * integers and doubles travel as decimal text (valid for bigint, integer
 * or double precision columns alike), text and blobs as their raw bytes
 * in binary format (which is the binary format of both text and bytea).
 * Results are read by the column's tag: a bytea or text column gives the
 * tag's kind, so a value comes back with the storage class the SQLite
 * backend gives it (tables.h); a column of an unexpected type is an
 * error, never a silent 0.
 */
#include "store/pg_int.h"
#include "store/tables.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX       ((size_t)16 << 20)
#define ROWS_PER_STMT 1000
#define PARAMS_MAX    65535

/* Type OIDs (pg_type.h, stable). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_NAME = 19,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_BPCHAR = 1042,
    OID_VARCHAR = 1043
};

struct params {
    int n;
    const char **v;
    int *len, *fmt;
    char (*num)[32];
};

static int params_init(struct params *p, size_t cap)
{
    memset(p, 0, sizeof *p);
    if (!cap)
        cap = 1;
    p->v = zl_calloc(cap, sizeof *p->v);
    p->len = zl_calloc(cap, sizeof *p->len);
    p->fmt = zl_calloc(cap, sizeof *p->fmt);
    p->num = zl_calloc(cap, sizeof *p->num);
    return p->v && p->len && p->fmt && p->num ? 0 : ZL_ENOMEM;
}

static void params_cleanup(struct params *p)
{
    zl_free((void *)p->v);
    zl_free(p->len);
    zl_free(p->fmt);
    zl_free(p->num);
}

static void param(struct params *p, const struct zl_store_value *v)
{
    int i = p->n++;

    p->v[i] = NULL;
    p->len[i] = 0;
    p->fmt[i] = 0;
    switch (v->type) {
    case ZL_VALUE_INT:
        snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)v->i);
        p->v[i] = p->num[i];
        break;
    case ZL_VALUE_DOUBLE:
        if (isnan(v->d))
            snprintf(p->num[i], sizeof p->num[i], "NaN");
        else if (isinf(v->d))
            snprintf(p->num[i], sizeof p->num[i], "%sInfinity",
                     v->d < 0 ? "-" : "");
        else
            snprintf(p->num[i], sizeof p->num[i], "%.17g", v->d);
        p->v[i] = p->num[i];
        break;
    case ZL_VALUE_TEXT:
    case ZL_VALUE_BLOB:
        p->v[i] = v->p ? v->p : "";
        p->len[i] = (int)v->len;
        p->fmt[i] = 1;
        break;
    default: break; /* SQL NULL */
    }
}

/* Our code for a failed result, and err filled with the server's words. */
static int fail(const struct zl_store_table *t, PGresult *r, const char *what,
                const char *why, struct zl_error *err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    int rc = ZL_ESTORE;

    if (state && !strcmp(state, "23505"))
        rc = ZL_EEXIST;
    else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
        rc = ZL_EBUSY;
    else if (state && !strcmp(state, "53200"))
        rc = ZL_ENOMEM;
    return zl_error_set(err, rc, t->name, what,
                        why ? why
                        : m ? m
                            : "",
                        (size_t)-1);
}

static PGresult *exec(zl_store *s, const struct zl_buf *sql,
                      const struct params *p)
{
    return PQexecParams(zl_pg_of(s)->conn, sql->data, p->n, NULL, p->v, p->len,
                        p->fmt, 1);
}

static int ok(const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* Column col of row as a value of the column's tag; -1 when the column's
 * type cannot hold the tag's kind. */
static int value_of(const PGresult *r, int row, int col, enum zl_value_type tag,
                    struct zl_store_value *v)
{
    Oid ty = PQftype(r, col);
    int integer =
        ty == OID_INT8 || ty == OID_INT4 || ty == OID_INT2 || ty == OID_BOOL;

    memset(v, 0, sizeof *v);
    if (PQgetisnull(r, row, col))
        return 0; /* ZL_VALUE_NULL */
    switch (tag) {
    case ZL_VALUE_INT:
        if (!integer)
            return -1;
        v->type = ZL_VALUE_INT;
        v->i = zl_pg_i64(r, row, col);
        return 0;
    case ZL_VALUE_DOUBLE:
        if (!integer && ty != OID_FLOAT8 && ty != OID_FLOAT4)
            return -1;
        v->type = ZL_VALUE_DOUBLE;
        v->d = zl_pg_f64(r, row, col);
        return 0;
    case ZL_VALUE_TEXT:
    case ZL_VALUE_BLOB:
        if (ty != OID_TEXT && ty != OID_BYTEA && ty != OID_VARCHAR &&
            ty != OID_BPCHAR && ty != OID_NAME)
            return -1;
        v->type = tag;
        v->p = PQgetvalue(r, row, col);
        v->len = (size_t)PQgetlength(r, row, col);
        return 0;
    default: return -1;
    }
}

/* The rows held back (pg_log.c's, the outbox's) are written before any table is
 * read, written or deleted from here, so a copy sees them. */
static int flush_log(zl_store *s, const struct zl_store_table *t,
                     struct zl_error *err)
{
    int rc = zl_pg_flush(s);

    return rc ? zl_error_set(err, rc, t->name, "pending log rows", NULL, 0) : 0;
}

int zl_pg_rows_read(zl_store *s, const struct zl_store_table *t,
                    const struct zl_store_value *after, size_t limit,
                    zl_store_row_cb cb, void *ctx, struct zl_error *err)
{
    struct zl_store_value row[32];
    struct params p;
    PGresult *r = NULL;
    struct zl_buf b;
    int rc;

    if (t->n_cols > sizeof row / sizeof row[0])
        return zl_error_set(err, ZL_ELIMIT, t->name, "too many columns", NULL,
                            0);
    if ((rc = flush_log(s, t, err)))
        return rc;
    zl_buf_init(&b, SQL_MAX);
    if ((rc = params_init(&p, t->n_key)))
        goto out;
    rc = zl_store_sql_select(&b, t, after != NULL, limit, '$');
    if (rc)
        goto out;
    for (size_t i = 0; after && i < t->n_key; i++)
        param(&p, &after[i]);
    r = exec(s, &b, &p);
    if (!ok(r)) {
        rc = fail(t, r, "cannot read the table", NULL, err);
        goto out;
    }
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        for (size_t c = 0; c < t->n_cols && !rc; c++)
            if (value_of(r, i, (int)c, t->cols[c].type, &row[c]))
                rc = fail(t, NULL, "cannot read the table",
                          "a column's type does not match its description "
                          "(lib/store/tables.c)",
                          err);
        if (!rc)
            rc = cb(ctx, row);
    }
out:
    PQclear(r);
    params_cleanup(&p);
    zl_buf_cleanup(&b);
    return rc;
}

/* ---- binary COPY ----------------------------------------------------------
 */

/* The server's types of t's columns, in t->cols order. */
static int column_types(zl_store *s, const struct zl_store_table *t, Oid *types,
                        struct zl_error *err)
{
    struct params p;
    struct zl_buf b;
    PGresult *r = NULL;
    int rc;

    memset(&p, 0, sizeof p);
    zl_buf_init(&b, SQL_MAX);
    rc = zl_buf_adds(&b, "SELECT ") || zl_store_sql_cols(&b, t, t->n_cols) ||
                 zl_buf_adds(&b, " FROM ") || zl_store_sql_ident(&b, t->name) ||
                 zl_buf_adds(&b, " LIMIT 0")
             ? ZL_ENOMEM
             : 0;
    if (!rc) {
        r = exec(s, &b, &p);
        if (!ok(r) || PQnfields(r) != (int)t->n_cols)
            rc = fail(t, r, "cannot read the table's columns", NULL, err);
    }
    for (size_t i = 0; !rc && i < t->n_cols; i++)
        types[i] = PQftype(r, (int)i);
    PQclear(r);
    zl_buf_cleanup(&b);
    return rc;
}

static int put_be(struct zl_buf *b, uint64_t v, int n)
{
    uint8_t x[8];

    for (int i = n - 1; i >= 0; i--, v >>= 8)
        x[i] = (uint8_t)v;
    return zl_buf_add(b, x, (size_t)n);
}

/* One field of a binary COPY row: v in the wire format of type ty.
 * ZL_EINVAL when the value cannot be that type. */
static int put_field(struct zl_buf *b, const struct zl_store_value *v, Oid ty)
{
    char num[32];
    uint64_t bits;
    int n;

    if (v->type == ZL_VALUE_NULL)
        return put_be(b, 0xffffffffu, 4) ? ZL_ENOMEM : 0;
    switch (ty) {
    case OID_INT8:
    case OID_INT4:
    case OID_INT2:
    case OID_BOOL:
        n = ty == OID_INT8 ? 8 : ty == OID_INT4 ? 4 : ty == OID_INT2 ? 2 : 1;
        if (v->type != ZL_VALUE_INT ||
            (n == 4 && (v->i < INT32_MIN || v->i > INT32_MAX)) ||
            (n == 2 && (v->i < INT16_MIN || v->i > INT16_MAX)) ||
            (n == 1 && (v->i < 0 || v->i > 1)))
            return ZL_EINVAL;
        return put_be(b, (uint64_t)n, 4) || put_be(b, (uint64_t)v->i, n)
                   ? ZL_ENOMEM
                   : 0;
    case OID_FLOAT8:
    case OID_FLOAT4: {
        double d;

        if (v->type == ZL_VALUE_DOUBLE)
            d = v->d;
        else if (v->type == ZL_VALUE_INT)
            d = (double)v->i;
        else
            return ZL_EINVAL;
        if (ty == OID_FLOAT4) {
            float f = (float)d;
            uint32_t u;

            memcpy(&u, &f, 4);
            return put_be(b, 4, 4) || put_be(b, u, 4) ? ZL_ENOMEM : 0;
        }
        memcpy(&bits, &d, 8);
        return put_be(b, 8, 4) || put_be(b, bits, 8) ? ZL_ENOMEM : 0;
    }
    case OID_TEXT:
    case OID_VARCHAR:
    case OID_BPCHAR:
    case OID_BYTEA:
        if (v->type == ZL_VALUE_INT || v->type == ZL_VALUE_DOUBLE) {
            if (ty == OID_BYTEA)
                return ZL_EINVAL;
            n = v->type == ZL_VALUE_INT
                    ? snprintf(num, sizeof num, "%lld", (long long)v->i)
                    : snprintf(num, sizeof num, "%.17g", v->d);
            return put_be(b, (uint64_t)n, 4) || zl_buf_add(b, num, (size_t)n)
                       ? ZL_ENOMEM
                       : 0;
        }
        if (v->len > INT32_MAX)
            return ZL_ELIMIT;
        return put_be(b, v->len, 4) || (v->len && zl_buf_add(b, v->p, v->len))
                   ? ZL_ENOMEM
                   : 0;
    default: return ZL_EINVAL;
    }
}

/* rows as a binary COPY stream (header, tuples, trailer). */
static int copy_stream(const struct zl_store_table *t,
                       const struct zl_store_value *rows, size_t n,
                       const Oid *types, struct zl_buf *b, struct zl_error *err)
{
    static const char HEADER[] = "PGCOPY\n\377\r\n"; /* and a NUL */
    int rc = zl_buf_add(b, HEADER, sizeof HEADER) || put_be(b, 0, 4) ||
                     put_be(b, 0, 4)
                 ? ZL_ENOMEM
                 : 0;

    for (size_t r = 0; r < n && !rc; r++) {
        rc = put_be(b, t->n_cols, 2) ? ZL_ENOMEM : 0;
        for (size_t c = 0; c < t->n_cols && !rc; c++)
            if ((rc = put_field(b, &rows[r * t->n_cols + c], types[c])) ==
                ZL_EINVAL)
                return zl_error_setf(err, rc, t->name, t->cols[c].name,
                                     "a value of column %s does not fit its "
                                     "PostgreSQL type (oid %u)",
                                     t->cols[c].name, (unsigned)types[c]);
    }
    if (!rc && put_be(b, 0xffff, 2))
        rc = ZL_ENOMEM;
    return rc ? zl_error_set(err, rc, t->name, "cannot encode rows", NULL, 0)
              : 0;
}

/* Run COPY sql FROM STDIN with data. Returns the final result (PQclear
 * it; NULL when the connection broke). */
static PGresult *copy_in(zl_store *s, const struct zl_buf *sql,
                         const struct zl_buf *data)
{
    PGconn *conn = zl_pg_of(s)->conn;
    PGresult *r = PQexec(conn, sql->data), *last = NULL;
    size_t at = 0;
    int ok_so_far = r && PQresultStatus(r) == PGRES_COPY_IN;

    if (!ok_so_far)
        return r;
    PQclear(r);
    while (ok_so_far && at < data->len) {
        size_t m = data->len - at > ((size_t)1 << 20) ? (size_t)1 << 20
                                                      : data->len - at;

        ok_so_far = PQputCopyData(conn, data->data + at, (int)m) == 1;
        at += m;
    }
    PQputCopyEnd(conn, ok_so_far ? NULL : "client failed to send the rows");
    while ((r = PQgetResult(conn))) {
        PQclear(last);
        last = r;
    }
    return last;
}

/* The batch by COPY inside a savepoint. 1 (and the savepoint rolled
 * back) when a row collided with one present, 0 when all went in. */
static int copy_rows(zl_store *s, const struct zl_store_table *t,
                     const struct zl_store_value *rows, size_t n,
                     uint64_t *written, struct zl_error *err)
{
    Oid types[32];
    struct zl_buf sql, data;
    PGresult *r = NULL;
    const char *state;
    int rc;

    if (t->n_cols > sizeof types / sizeof types[0])
        return zl_error_set(err, ZL_ELIMIT, t->name, "too many columns", NULL,
                            0);
    zl_buf_init(&sql, SQL_MAX);
    zl_buf_init(&data, (size_t)1 << 31);
    if ((rc = column_types(s, t, types, err)) ||
        (rc = copy_stream(t, rows, n, types, &data, err)))
        goto out;
    if (zl_buf_adds(&sql, "COPY ") || zl_store_sql_ident(&sql, t->name) ||
        zl_buf_adds(&sql, " (") || zl_store_sql_cols(&sql, t, t->n_cols) ||
        zl_buf_adds(&sql, ") FROM STDIN (FORMAT binary)")) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = zl_pg_exec(s, "SAVEPOINT zl_rows")))
        goto out;
    r = copy_in(s, &sql, &data);
    state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (ok(r)) {
        *written = strtoull(PQcmdTuples(r), NULL, 10);
        rc = zl_pg_exec(s, "RELEASE SAVEPOINT zl_rows");
    } else if (state && !strcmp(state, "23505")) {
        rc = zl_pg_exec(s, "ROLLBACK TO SAVEPOINT zl_rows;"
                           " RELEASE SAVEPOINT zl_rows");
        if (!rc)
            rc = 1;
    } else {
        rc = fail(t, r, "cannot write rows", NULL, err);
    }
out:
    PQclear(r);
    zl_buf_cleanup(&sql);
    zl_buf_cleanup(&data);
    return rc;
}

/* ---- INSERT ... ON CONFLICT DO NOTHING ------------------------------------
 */

/* INSERT of m rows starting at rows. */
static int write_some(zl_store *s, const struct zl_store_table *t,
                      const struct zl_store_value *rows, size_t m,
                      struct params *p, uint64_t *written, struct zl_error *err)
{
    PGresult *r = NULL;
    struct zl_buf b;
    int rc;

    zl_buf_init(&b, SQL_MAX);
    p->n = 0;
    if ((rc = zl_store_sql_insert(&b, t, m, '$')))
        goto out;
    for (size_t i = 0; i < m * t->n_cols; i++)
        param(p, &rows[i]);
    r = exec(s, &b, p);
    if (!ok(r)) {
        rc = fail(t, r, "cannot write rows", NULL, err);
        goto out;
    }
    *written += strtoull(PQcmdTuples(r), NULL, 10);
out:
    PQclear(r);
    zl_buf_cleanup(&b);
    return rc;
}

int zl_pg_rows_write(zl_store *s, const struct zl_store_table *t,
                     const struct zl_store_value *rows, size_t n,
                     uint64_t *written, struct zl_error *err)
{
    size_t per = PARAMS_MAX / (t->n_cols ? t->n_cols : 1);
    struct params p;
    int rc;

    *written = 0;
    if (!n)
        return 0;
    if ((rc = flush_log(s, t, err)))
        return rc;
    /* COPY within a savepoint needs a transaction (the caller's) */
    if (PQtransactionStatus(zl_pg_of(s)->conn) == PQTRANS_INTRANS &&
        (rc = copy_rows(s, t, rows, n, written, err)) != 1)
        return rc;
    *written = 0; /* the savepoint undid the COPY */
    if (per > ROWS_PER_STMT)
        per = ROWS_PER_STMT;
    if (per > n)
        per = n;
    if ((rc = params_init(&p, per * t->n_cols)))
        goto out;
    for (size_t i = 0; i < n && !rc; i += per)
        rc = write_some(s, t, rows + i * t->n_cols, n - i < per ? n - i : per,
                        &p, written, err);
out:
    params_cleanup(&p);
    return rc;
}

int zl_pg_rows_delete(zl_store *s, const struct zl_store_table *t,
                      const struct zl_store_value *key, struct zl_error *err)
{
    PGresult *r = NULL;
    struct params p;
    struct zl_buf b;
    int rc;

    if ((rc = flush_log(s, t, err)))
        return rc;
    zl_buf_init(&b, SQL_MAX);
    if ((rc = params_init(&p, t->n_key)))
        goto out;
    rc = zl_store_sql_delete(&b, t, '$');
    if (rc)
        goto out;
    for (size_t i = 0; i < t->n_key; i++)
        param(&p, &key[i]);
    r = exec(s, &b, &p);
    if (!ok(r))
        rc = fail(t, r, "cannot delete a row", NULL, err);
out:
    PQclear(r);
    params_cleanup(&p);
    zl_buf_cleanup(&b);
    return rc;
}
