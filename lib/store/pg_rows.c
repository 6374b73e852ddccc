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
 * is. Writes send up to 1,000 rows per INSERT ... VALUES (...), (...)
 * (fewer when the row is wide: at most 65,535 parameters a statement):
 * one round trip per thousand rows instead of one per row. Rejected:
 * COPY FROM STDIN (no ON CONFLICT, so a re-run could not skip rows it
 * already holds) and a prepared single-row INSERT per table (a round trip
 * per row: ~10x slower over a local socket).
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

static int add_ident(struct zl_buf *b, const char *name)
{
    return zl_buf_addc(b, '"') || zl_buf_adds(b, name) || zl_buf_addc(b, '"');
}

static int add_cols(struct zl_buf *b, const struct zl_store_table *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((i && zl_buf_adds(b, ", ")) || add_ident(b, t->cols[i].name))
            return ZL_ENOMEM;
    return 0;
}

/* ($first, $first+1, ...) for n parameters. */
static int add_params(struct zl_buf *b, size_t first, size_t n)
{
    int rc = zl_buf_addc(b, '(');

    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_buf_printf(b, "%s$%zu", i ? ", " : "", first + i);
    return rc ? rc : zl_buf_addc(b, ')');
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
    zl_buf_init(&b, SQL_MAX);
    if ((rc = params_init(&p, t->n_key)))
        goto out;
    rc = zl_buf_adds(&b, "SELECT ") || add_cols(&b, t, t->n_cols) ||
                 zl_buf_adds(&b, " FROM ") || add_ident(&b, t->name) ||
                 (after &&
                  (zl_buf_adds(&b, " WHERE (") || add_cols(&b, t, t->n_key) ||
                   zl_buf_adds(&b, ") > ") || add_params(&b, 1, t->n_key))) ||
                 zl_buf_adds(&b, " ORDER BY ") || add_cols(&b, t, t->n_key) ||
                 (limit && zl_buf_printf(&b, " LIMIT %zu", limit))
             ? ZL_ENOMEM
             : 0;
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
    rc = zl_buf_adds(&b, "INSERT INTO ") || add_ident(&b, t->name) ||
                 zl_buf_addc(&b, '(') || add_cols(&b, t, t->n_cols) ||
                 zl_buf_adds(&b, ") VALUES ")
             ? ZL_ENOMEM
             : 0;
    for (size_t i = 0; i < m && !rc; i++)
        rc = (i && zl_buf_adds(&b, ", ")) ||
                     add_params(&b, i * t->n_cols + 1, t->n_cols)
                 ? ZL_ENOMEM
                 : 0;
    if (!rc && zl_buf_adds(&b, " ON CONFLICT DO NOTHING"))
        rc = ZL_ENOMEM;
    if (rc)
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

    zl_buf_init(&b, SQL_MAX);
    if ((rc = params_init(&p, t->n_key)))
        goto out;
    rc = zl_buf_adds(&b, "DELETE FROM ") || add_ident(&b, t->name) ||
                 zl_buf_adds(&b, " WHERE (") || add_cols(&b, t, t->n_key) ||
                 zl_buf_adds(&b, ") = ") || add_params(&b, 1, t->n_key)
             ? ZL_ENOMEM
             : 0;
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
