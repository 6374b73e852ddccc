/*
 * pg_conn.c - the PostgreSQL backend's connection: opening a store (a
 * schema of a database) by URI, server-side prepared statements, binary
 * parameters and results, transactions with the writers' advisory lock,
 * read snapshots and the change token. The conventions the pg_*.c files
 * follow are in pg_int.h.
 *
 * URI: postgresql://[user[:password]@][host][:port]/dbname[?param=...]
 * with libpq's own parameters (sslmode, connect_timeout...) passed
 * through, plus ours: schema=NAME (letters, digits, '_' and '-'; default
 * "zhiliang"), taken out before libpq sees the URI. Without a
 * connect_timeout a 10-second one is added, so a host that does not answer
 * gives a message, not a hang.
 *
 * Statements are prepared lazily (PQprepare) under names z0, z1... and
 * cached by the address of their SQL literal, like the SQLite backend's
 * cache; results come back in binary form (no text-to-number parsing, and
 * bytea without hex), which is why every column has a fixed type.
 *
 * A commit first writes the log rows pg_log.c holds back (write-behind,
 * one statement); if that fails the transaction is rolled back and the
 * commit fails with the flush's error. A rollback, a begin and a close
 * discard whatever rows are still held.
 *
 * Rejected: a statement per call through PQexecParams (a parse and plan
 * each time: twice the round-trip cost on a trace step); a counter row
 * bumped by every commit for the change token (a write on every
 * transaction, and a hot row every writer contends on): the token hashes
 * pg_current_snapshot(), whose xmin, xmax and in-progress list move on
 * every commit.
 */
#include "store/pg_int.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCHEMA "zhiliang"

/* ---- parameters ---------------------------------------------------------- */

void zl_pg_params_init(struct zl_pg_params *p)
{
    memset(p, 0, sizeof *p);
}

static int slot(struct zl_pg_params *p)
{
    if (p->n >= ZL_PG_MAX_PARAMS) {
        p->overflow = 1;
        return -1;
    }
    return p->n++;
}

void zl_pg_text(struct zl_pg_params *p, const char *v)
{
    int i = slot(p);

    if (i >= 0)
        p->v[i] = v; /* text format: NUL-terminated */
}

void zl_pg_textn(struct zl_pg_params *p, const char *v, size_t len)
{
    int i = slot(p);

    if (i < 0)
        return;
    p->v[i] = v;
    p->len[i] = (int)len;
    p->fmt[i] = 1; /* binary text is the bytes themselves */
}

void zl_pg_int(struct zl_pg_params *p, int64_t v)
{
    int i = slot(p);

    if (i < 0)
        return;
    snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)v);
    p->v[i] = p->num[i];
}

void zl_pg_double(struct zl_pg_params *p, double v)
{
    int i = slot(p);

    if (i < 0)
        return;
    snprintf(p->num[i], sizeof p->num[i], "%.17g", v);
    p->v[i] = p->num[i];
}

void zl_pg_blob(struct zl_pg_params *p, const void *v, size_t len)
{
    int i = slot(p);

    if (i < 0)
        return;
    /* an empty blob still needs a non-NULL pointer (NULL means SQL NULL) */
    p->v[i] = v ? (len ? v : "") : NULL;
    p->len[i] = (int)len;
    p->fmt[i] = 1;
}

void zl_pg_null(struct zl_pg_params *p)
{
    int i = slot(p);

    if (i >= 0)
        p->v[i] = NULL;
}

/* Arrays: int32 ndim, has-null flag, element type; per dimension int32
 * length and lower bound; then each element as int32 length (-1: NULL)
 * and bytes (array_recv in the server's arrayfuncs.c). All big-endian.
 * The server works out the has-null flag itself. */
static int put_u32(struct zl_buf *b, uint32_t v)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                     (uint8_t)v};

    return zl_buf_add(b, be, 4);
}

int zl_pg_array_begin(struct zl_buf *b, unsigned oid, size_t n)
{
    int rc;

    if (n > INT32_MAX)
        return ZL_ELIMIT;
    zl_buf_reset(b);
    if ((rc = put_u32(b, 1)) || (rc = put_u32(b, 0)) ||
        (rc = put_u32(b, oid)) || (rc = put_u32(b, (uint32_t)n)))
        return rc;
    return put_u32(b, 1);
}

int zl_pg_array_elem(struct zl_buf *b, const void *v, size_t len)
{
    int rc;

    if (!v)
        return put_u32(b, UINT32_MAX); /* -1: NULL */
    if (len > INT32_MAX)
        return ZL_ELIMIT;
    if ((rc = put_u32(b, (uint32_t)len)))
        return rc;
    return zl_buf_add(b, v, len);
}

int zl_pg_array_i64(struct zl_buf *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    uint8_t be[8];

    for (int i = 7; i >= 0; i--, u >>= 8)
        be[i] = (uint8_t)u;
    return zl_pg_array_elem(b, be, 8);
}

int zl_pg_array_f64(struct zl_buf *b, double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof u);
    return zl_pg_array_i64(b, (int64_t)u);
}

int zl_pg_array_end(struct zl_pg_params *p, struct zl_buf *b, int rc)
{
    if (!rc && b->len > INT32_MAX)
        rc = ZL_ELIMIT;
    if (rc) {
        p->overflow = 1; /* the statement must not run without it */
        return rc;
    }
    zl_pg_blob(p, b->data, b->len);
    return 0;
}

int zl_pg_text_array(struct zl_pg_params *p, struct zl_buf *b,
                     const char *const *v, size_t n)
{
    int rc = zl_pg_array_begin(b, ZL_PG_OID_TEXT, n);

    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_elem(b, v[i], strlen(v[i]));
    return zl_pg_array_end(p, b, rc);
}

int zl_pg_i64_array(struct zl_pg_params *p, struct zl_buf *b, const int64_t *v,
                    size_t n)
{
    int rc = zl_pg_array_begin(b, ZL_PG_OID_INT8, n);

    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_i64(b, v[i]);
    return zl_pg_array_end(p, b, rc);
}

int zl_pg_hash_array(struct zl_pg_params *p, struct zl_buf *b,
                     const uint8_t (*h)[32], size_t n)
{
    int rc = zl_pg_array_begin(b, ZL_PG_OID_BYTEA, n);

    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_pg_array_elem(b, h[i], 32);
    return zl_pg_array_end(p, b, rc);
}

/* ---- running statements -------------------------------------------------- */

const char *zl_pg_errmsg(zl_store *s)
{
    const char *m = s && zl_pg_of(s) && zl_pg_of(s)->conn
                        ? PQerrorMessage(zl_pg_of(s)->conn)
                        : NULL;
    return m ? m : "";
}

/* Our error for a failed result (NULL: the connection failed). */
static int result_rc(const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    if (!state)
        return ZL_ESTORE;
    if (!strcmp(state, "23505"))
        return ZL_EEXIST; /* unique_violation */
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
        !strcmp(state, "55P03"))
        return ZL_EBUSY; /* serialization, deadlock, lock not available */
    if (!strcmp(state, "53200"))
        return ZL_ENOMEM; /* out_of_memory */
    return ZL_ESTORE;
}

static int ok_status(const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* The prepared statement's name for sql, preparing it on first use. */
static const char *prepared(zl_store *s, const char *sql,
                            const struct zl_pg_params *p, int *rc)
{
    struct zl_pg *g = zl_pg_of(s);
    struct zl_pg_stmt *st;
    PGresult *r;

    for (size_t i = 0; i < g->n_stmts; i++)
        if (g->stmts[i].sql == sql)
            return g->stmts[i].name;
    if (g->n_stmts >= ZL_PG_STMT_CACHE) {
        *rc = ZL_ELIMIT; /* the cache is sized above the literals in use */
        return NULL;
    }
    st = &g->stmts[g->n_stmts];
    snprintf(st->name, sizeof st->name, "z%zu", g->n_stmts);
    r = PQprepare(g->conn, st->name, sql, p ? p->n : 0, NULL);
    if (!ok_status(r)) {
        *rc = result_rc(r);
        PQclear(r);
        return NULL;
    }
    PQclear(r);
    st->sql = sql;
    g->n_stmts++;
    return st->name;
}

PGresult *zl_pg_run(zl_store *s, const char *sql, const struct zl_pg_params *p,
                    int *rc)
{
    struct zl_pg *g = zl_pg_of(s);
    const char *name;
    PGresult *r;

    *rc = 0;
    if (p && p->overflow) {
        *rc = ZL_ELIMIT;
        return NULL;
    }
    if (!(name = prepared(s, sql, p, rc)))
        return NULL;
    r = PQexecPrepared(g->conn, name, p ? p->n : 0, p ? p->v : NULL,
                       p ? p->len : NULL, p ? p->fmt : NULL, 1);
    if (!ok_status(r)) {
        *rc = result_rc(r);
        PQclear(r);
        return NULL;
    }
    return r;
}

int zl_pg_stream(zl_store *s, const char *sql, const struct zl_pg_params *p,
                 int (*cb)(void *ctx, const PGresult *r, int row), void *ctx)
{
    struct zl_pg *g = zl_pg_of(s);
    /* outside a transaction a cancel costs nothing; inside it would
     * abort the caller's transaction */
    int in_tx = PQtransactionStatus(g->conn) != PQTRANS_IDLE;
    const char *name;
    PGresult *r;
    int rc = 0, failed = 0;

    if (p && p->overflow)
        return ZL_ELIMIT;
    if (!(name = prepared(s, sql, p, &rc)))
        return rc;
    if (!PQsendQueryPrepared(g->conn, name, p ? p->n : 0, p ? p->v : NULL,
                             p ? p->len : NULL, p ? p->fmt : NULL, 1))
        return ZL_ESTORE;
    PQsetSingleRowMode(g->conn); /* if refused, one result of all rows */
    while ((r = PQgetResult(g->conn))) {
        ExecStatusType st = PQresultStatus(r);

        if ((st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) && !rc &&
            !failed) {
            for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
                rc = cb(ctx, r, i);
            if (rc && !in_tx) {
                PGcancel *cn = PQgetCancel(g->conn);
                char why[128];

                if (cn) {
                    PQcancel(cn, why, sizeof why);
                    PQfreeCancel(cn);
                }
            }
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK &&
                   st != PGRES_COMMAND_OK && !failed) {
            failed = result_rc(r);
        }
        PQclear(r);
    }
    /* cb's value wins over the error its cancel caused */
    return rc ? rc : failed;
}

int zl_pg_do(zl_store *s, const char *sql, const struct zl_pg_params *p,
             int64_t *affected)
{
    int rc;
    PGresult *r = zl_pg_run(s, sql, p, &rc);

    if (!r)
        return rc;
    if (affected) {
        const char *t = PQcmdTuples(r);

        *affected = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(r);
    return 0;
}

int zl_pg_exec(zl_store *s, const char *sql)
{
    PGresult *r = PQexec(zl_pg_of(s)->conn, sql);
    int rc = ok_status(r) ? 0 : result_rc(r);

    PQclear(r);
    return rc;
}

/* ---- reading rows -------------------------------------------------------- */

/* Type OIDs of the binary formats read here (pg_type.h, stable). */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701
};

int zl_pg_isnull(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col);
}

const char *zl_pg_str(const PGresult *r, int row, int col)
{
    /* binary text is the bytes; libpq appends a NUL to every value */
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

const char *zl_pg_str_or_empty(const PGresult *r, int row, int col)
{
    const char *v = zl_pg_str(r, row, col);

    return v ? v : "";
}

size_t zl_pg_len(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
}

const uint8_t *zl_pg_bytes(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL
                                    : (const uint8_t *)PQgetvalue(r, row, col);
}

static uint64_t be_uint(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

int64_t zl_pg_i64(const PGresult *r, int row, int col)
{
    const uint8_t *p = (const uint8_t *)PQgetvalue(r, row, col);

    if (PQgetisnull(r, row, col))
        return 0;
    switch (PQftype(r, col)) {
    case OID_INT8: return (int64_t)be_uint(p, 8);
    case OID_INT4: return (int32_t)(uint32_t)be_uint(p, 4);
    case OID_INT2: return (int16_t)(uint16_t)be_uint(p, 2);
    case OID_BOOL: return p[0] != 0;
    default: return 0; /* a column of another type: cast it in the SQL */
    }
}

double zl_pg_f64(const PGresult *r, int row, int col)
{
    const uint8_t *p = (const uint8_t *)PQgetvalue(r, row, col);
    uint64_t u;
    uint32_t u4;
    double d;
    float f;

    if (PQgetisnull(r, row, col))
        return 0;
    switch (PQftype(r, col)) {
    case OID_FLOAT8:
        u = be_uint(p, 8);
        memcpy(&d, &u, sizeof d);
        return d;
    case OID_FLOAT4:
        u4 = (uint32_t)be_uint(p, 4);
        memcpy(&f, &u4, sizeof f);
        return f;
    default: return (double)zl_pg_i64(r, row, col);
    }
}

int zl_pg_hash(const PGresult *r, int row, int col, uint8_t out[32])
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 32) {
        memset(out, 0, 32);
        return -1;
    }
    memcpy(out, PQgetvalue(r, row, col), 32);
    return 0;
}

PGresult *zl_pg_run_hashes(zl_store *s, const char *sql,
                           const uint8_t (*hashes)[32], size_t n, int *rc)
{
    struct zl_pg_params p;
    struct zl_buf arr;
    PGresult *r = NULL;

    *rc = 0;
    if (n == 0)
        return NULL;
    zl_buf_init(&arr, (size_t)1 << 30);
    zl_pg_params_init(&p);
    if (!(*rc = zl_pg_hash_array(&p, &arr, hashes, n)))
        r = zl_pg_run(s, sql, &p, rc);
    zl_buf_cleanup(&arr);
    return r;
}

PGresult *zl_pg_run_texts(zl_store *s, const char *sql, const char *const *ids,
                          size_t n, int *rc)
{
    struct zl_pg_params p;
    struct zl_buf arr;
    PGresult *r = NULL;

    *rc = 0;
    if (n == 0)
        return NULL;
    zl_buf_init(&arr, (size_t)1 << 30);
    zl_pg_params_init(&p);
    if (!(*rc = zl_pg_text_array(&p, &arr, ids, n)))
        r = zl_pg_run(s, sql, &p, rc);
    zl_buf_cleanup(&arr);
    return r;
}

int zl_pg_get_i64(zl_store *s, const char *sql, const struct zl_pg_params *p,
                  int64_t *out)
{
    int rc;
    PGresult *r = zl_pg_run(s, sql, p, &rc);

    if (!r)
        return rc;
    if (PQntuples(r) == 1)
        *out = zl_pg_i64(r, 0, 0);
    else
        rc = ZL_ESTORE;
    PQclear(r);
    return rc;
}

int zl_pg_get_i64_text(zl_store *s, const char *sql, const char *text,
                       int64_t *out)
{
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, text);
    return zl_pg_get_i64(s, sql, &p, out);
}

int zl_pg_has_table(zl_store *s, const char *name, int *yes)
{
    int64_t n = 0;
    int rc = zl_pg_get_i64_text(s,
                                "SELECT count(*) FROM pg_class WHERE relname ="
                                " $1::text AND relnamespace ="
                                " current_schema()::regnamespace",
                                name, &n);

    *yes = n > 0;
    return rc;
}

int zl_pg_get_value(zl_store *s, const char *sql, const struct zl_pg_params *p,
                    char **out, size_t *len)
{
    PGresult *r;
    size_t n;
    int rc;

    *out = NULL;
    if (!(r = zl_pg_run(s, sql, p, &rc)))
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return ZL_ENOTFOUND;
    }
    n = zl_pg_len(r, 0, 0);
    *out = zl_strndup(n ? PQgetvalue(r, 0, 0) : "", n);
    PQclear(r);
    if (len)
        *len = n;
    return *out ? 0 : ZL_ENOMEM;
}

int zl_pg_each_text(zl_store *s, const char *sql, const struct zl_pg_params *p,
                    int (*cb)(void *ctx, const char *v), void *ctx)
{
    int rc;
    PGresult *r = zl_pg_run(s, sql, p, &rc);

    if (!r)
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
        rc = cb(ctx, zl_pg_str(r, i, 0));
    PQclear(r);
    return rc;
}

/* ---- the URI ------------------------------------------------------------- */

static int schema_ok(const char *v, size_t n)
{
    if (!n || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
              (v[i] >= '0' && v[i] <= '9') || v[i] == '_' || v[i] == '-'))
            return 0;
    return 1;
}

/* Split "//...?a=1&schema=x&b=2" (the URI after "postgresql:") into the
 * libpq URI without our parameters (*conninfo, new) and the schema
 * (*schema, new). Returns 0 or ZL_EINVAL/ZL_ENOMEM. */
static int parse_target(const char *target, char **conninfo, char **schema,
                        struct zl_error *err)
{
    const char *q = strchr(target, '?');
    struct zl_buf b;
    size_t base = q ? (size_t)(q - target) : strlen(target);
    int rc, timeout = 0, first = 1;

    *conninfo = *schema = NULL;
    zl_buf_init(&b, 1 << 16);
    rc = zl_buf_adds(&b, "postgresql:");
    if (!rc)
        rc = zl_buf_add(&b, target, base);
    for (const char *p = q ? q + 1 : NULL; p && *p && !rc;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);

        if (n > 7 && !strncmp(p, "schema=", 7)) {
            if (!schema_ok(p + 7, n - 7)) {
                zl_buf_cleanup(&b);
                return zl_error_set(err, ZL_EINVAL, "schema",
                                    "a store's schema name is 1-63 letters, "
                                    "digits, '_' or '-'",
                                    p + 7, n - 7);
            }
            zl_free(*schema);
            *schema = zl_strndup(p + 7, n - 7);
            if (!*schema)
                rc = ZL_ENOMEM;
        } else if (n) {
            if (n > 16 && !strncmp(p, "connect_timeout=", 16))
                timeout = 1;
            rc = zl_buf_adds(&b, first ? "?" : "&");
            if (!rc)
                rc = zl_buf_add(&b, p, n);
            first = 0;
        }
        p = amp ? amp + 1 : NULL;
    }
    if (!rc && !timeout)
        rc = zl_buf_adds(&b,
                         first ? "?connect_timeout=10" : "&connect_timeout=10");
    if (!rc && !*schema && !(*schema = zl_strdup(DEFAULT_SCHEMA)))
        rc = ZL_ENOMEM;
    if (!rc && !(*conninfo = zl_strndup((const char *)b.data, b.len)))
        rc = ZL_ENOMEM;
    zl_buf_cleanup(&b);
    if (rc) {
        zl_free(*schema);
        *schema = NULL;
    }
    return rc;
}

/* The advisory lock key of a schema's writers: 64-bit FNV-1a of
 * "zhiliang:" and the schema (at most 63 bytes, schema_ok). */
static int64_t lock_key(const char *schema)
{
    char text[80];
    int n = snprintf(text, sizeof text, "zhiliang:%s", schema);

    return (int64_t)zl_fnv1a64(text, n > 0 ? (size_t)n : 0);
}

/* libpq's message as one line: "a\n\tb\n" -> "a; b". */
static void one_line(const char *m, char *out, size_t cap)
{
    size_t n = 0;

    for (; m && *m && n + 3 < cap; m++) {
        if (*m == '\n' || *m == '\t') {
            while (m[1] == '\n' || m[1] == '\t')
                m++;
            if (m[1] && n) {
                out[n++] = ';';
                out[n++] = ' ';
            }
        } else {
            out[n++] = *m;
        }
    }
    out[n] = '\0';
}

/* Connect to conninfo; on failure say where and why. */
static int connect_to(const char *conninfo, PGconn **out, struct zl_error *err)
{
    PGconn *c;
    char where[256], why[512];
    const char *dl_why;
    int rc;

    *out = NULL;
    if ((rc = zl_pq_load(&dl_why)))
        return zl_error_set(err, rc, "libpq.so.5",
                            "PostgreSQL stores need libpq (Debian package"
                            " libpq5), which cannot be loaded",
                            dl_why, (size_t)-1);
    *out = c = PQconnectdb(conninfo);
    if (c && PQstatus(c) == CONNECTION_OK)
        return 0;
    if (!c)
        return ZL_ENOMEM;
    snprintf(where, sizeof where, "%s:%s/%s",
             PQhost(c) && *PQhost(c) ? PQhost(c) : "(default host)",
             PQport(c) ? PQport(c) : "", PQdb(c) ? PQdb(c) : "");
    one_line(PQerrorMessage(c), why, sizeof why);
    return zl_error_set(err, ZL_ESTORE, where, "cannot connect to PostgreSQL",
                        why, (size_t)-1);
}

/* Quiet notices, UTF-8, a lock timeout, then (creating the schema first when
 * asked) search_path set to schema, quoted. */
static int use_schema(zl_store *s, const char *schema, int create)
{
    char sql[200];
    /* lock_timeout: a writer waits for another's advisory lock as long as
     * SQLite's busy timeout (10 s), then gets ZL_EBUSY (a 503 to HTTP
     * clients with Retry-After) instead of waiting without end */
    int rc = zl_pg_exec(s, "SET client_min_messages TO warning;"
                           " SET client_encoding TO 'UTF8';"
                           " SET lock_timeout TO '10s'");

    if (!rc && create) {
        snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS \"%s\"", schema);
        rc = zl_pg_exec(s, sql);
    }
    snprintf(sql, sizeof sql, "SET search_path TO \"%s\"", schema);
    return rc ? rc : zl_pg_exec(s, sql);
}

/* Whether schema holds a store (its meta table). */
static int has_store(zl_store *s, const char *schema, int *yes)
{
    int64_t v = 0;
    int rc = zl_pg_get_i64_text(s,
                                "SELECT to_regclass(quote_ident($1::text)"
                                " || '.meta') IS NOT NULL",
                                schema, &v);

    *yes = v != 0;
    return rc;
}

int zl_pg_open(zl_store *s, const char *target, enum zl_store_mode mode,
               int *is_new, struct zl_error *err)
{
    struct zl_pg *g = zl_calloc(1, sizeof *g);
    char *conninfo = NULL;
    char where[320];
    int rc, exists = 0;

    if (!g)
        return ZL_ENOMEM;
    s->priv = g;
    if ((rc = parse_target(target, &conninfo, &g->schema, err)))
        return rc;
    rc = connect_to(conninfo, &g->conn, err);
    zl_free(conninfo);
    if (rc)
        return rc;
    snprintf(where, sizeof where, "%s:%s/%s schema %s",
             PQhost(g->conn) ? PQhost(g->conn) : "", PQport(g->conn),
             PQdb(g->conn), g->schema);
    if (!(g->where = zl_strdup(where)))
        return ZL_ENOMEM;
    g->lock = lock_key(g->schema);
    if ((rc = has_store(s, g->schema, &exists)))
        return zl_error_set(err, rc, where, "cannot read the database",
                            zl_pg_errmsg(s), (size_t)-1);
    if (mode == ZL_STORE_EXISTING && !exists)
        return zl_error_set(err, ZL_ENOTFOUND, where,
                            "no store here (run `zhiliang init` first)", NULL,
                            0);
    if (mode == ZL_STORE_CREATE_NEW && exists)
        return zl_error_set(err, ZL_EEXIST, where,
                            "a store already exists here", NULL, 0);
    if ((rc = use_schema(s, g->schema, !exists)))
        return zl_error_set(err, rc, where, "cannot use the store's schema",
                            zl_pg_errmsg(s), (size_t)-1);
    *is_new = !exists;
    return 0;
}

void zl_pg_close(zl_store *s)
{
    struct zl_pg *g = zl_pg_of(s);

    if (!g)
        return;
    zl_pg_discard(s);
    if (g->conn)
        PQfinish(g->conn); /* an open transaction is rolled back */
    zl_free(g->schema);
    zl_free(g->where);
    zl_free(g);
    s->priv = NULL;
}

int zl_pg_remove(const char *target)
{
    char *conninfo = NULL, *schema = NULL;
    PGconn *c = NULL;
    PGresult *r;
    char sql[200];
    int rc;

    if ((rc = parse_target(target, &conninfo, &schema, NULL)))
        return rc;
    rc = connect_to(conninfo, &c, NULL);
    zl_free(conninfo);
    if (!rc) {
        snprintf(sql, sizeof sql,
                 "SET client_min_messages TO warning;"
                 " DROP SCHEMA IF EXISTS \"%s\" CASCADE",
                 schema);
        r = PQexec(c, sql);
        rc = ok_status(r) ? 0 : ZL_ESTORE;
        PQclear(r);
    }
    if (c)
        PQfinish(c);
    zl_free(schema);
    return rc;
}

/* ---- transactions -------------------------------------------------------- */

int zl_pg_write_now(zl_store *s, size_t held)
{
    return held >= ZL_PG_HOLD_MAX ||
           PQtransactionStatus(zl_pg_of(s)->conn) == PQTRANS_IDLE;
}

int zl_pg_begin(zl_store *s)
{
    char sql[96];
    int rc;

    zl_pg_discard(s); /* nothing may be left of an earlier one */
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
             (long long)zl_pg_of(s)->lock);
    /* a lock wait that timed out leaves an aborted transaction open: end
     * it, so the caller may simply try again */
    if ((rc = zl_pg_exec(s, sql)) &&
        PQtransactionStatus(zl_pg_of(s)->conn) != PQTRANS_IDLE)
        zl_pg_exec(s, "ROLLBACK");
    return rc;
}

/* The rows held back (the log's, the outbox's) are written first: a transaction
 * whose rows could not all be written (ZL_EEXIST: a taken key) is rolled
 * back, never committed without them. */
int zl_pg_commit(zl_store *s)
{
    PGresult *r;
    int rc;

    if ((rc = zl_pg_flush(s))) {
        zl_pg_exec(s, "ROLLBACK");
        return rc;
    }
    r = PQexec(zl_pg_of(s)->conn, "COMMIT");
    /* COMMIT of a failed transaction "succeeds" as a ROLLBACK */
    rc = ok_status(r) && !strcmp(PQcmdStatus(r), "COMMIT")
             ? 0
             : (r && PQresultStatus(r) == PGRES_COMMAND_OK ? ZL_ESTORE
                                                           : result_rc(r));
    PQclear(r);
    if (!rc)
        zl_pg_of(s)->commits++;
    return rc;
}

int zl_pg_rollback(zl_store *s)
{
    zl_pg_discard(s);
    return zl_pg_exec(s, "ROLLBACK");
}

int zl_pg_snapshot_begin(zl_store *s)
{
    if (PQtransactionStatus(zl_pg_of(s)->conn) != PQTRANS_IDLE)
        return ZL_EEXIST;
    return zl_pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

int zl_pg_snapshot_end(zl_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(zl_pg_of(s)->conn);

    if (t == PQTRANS_IDLE)
        return 0;
    return zl_pg_exec(s, t == PQTRANS_INERROR ? "ROLLBACK" : "COMMIT");
}

/* A hash of the current snapshot (xmin:xmax:in-progress xids): it moves
 * when any transaction commits, ours included. */
int zl_pg_change_token(zl_store *s, uint64_t *token)
{
    static const char SQL[] = "SELECT pg_current_snapshot()::text";
    PGresult *r;
    int rc;

    if (!(r = zl_pg_run(s, SQL, NULL, &rc)))
        return rc;
    *token = zl_fnv1a64(PQntuples(r) ? PQgetvalue(r, 0, 0) : "",
                        PQntuples(r) ? zl_pg_len(r, 0, 0) : 0) +
             zl_pg_of(s)->commits;
    PQclear(r);
    return 0;
}
