/*
 * test_migrate.c - copying a store between backends (lib/store/migrate.c)
 * and the pieces it stands on: the table descriptions (tables.c) against
 * the tables a new store really has, the backends' generic row operations
 * (rows_read in keyset pages, rows_write skipping present rows,
 * rows_delete), and zl_store_copy itself: an SQLite store full of demo
 * records copied to the backend under test and back to SQLite keeps every
 * row (back on SQLite, byte for byte and storage class for class) and its
 * log, and verifies; a copy stopped after every batch finishes after as
 * many calls with the same rows; a target holding data, a source whose
 * log moved since the copy began and a source that is itself an
 * unfinished copy are refused; allocation failures anywhere leave a
 * target the next call finishes.
 *
 * The backend under test is the fixture's ($ZL_TEST_STORE_URI); sources
 * are SQLite files, the direction a deployment moves in. Copies to a
 * backend that lacks a module the source has are skipped, not failed
 * (the PostgreSQL modules land one by one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo.h"
#include "store/backend.h"
#include "store/pg_int.h"
#include "store/sqlite_int.h"
#include "store/tables.h"
#include "util/alloc.h"
#include "zhiliang/audit.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_NAME "migrate"
#include "store_fixture.h"

/* The populated SQLite source, made once for the file. */
static char src_uri[512];

static void sqlite_uri(char *out, size_t cap, const char *name)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(out, cap, "sqlite:%s/zl-%s-%d.db", tmp && *tmp ? tmp : "/tmp",
             name, (int)getpid());
    zl_store_remove(out);
}

/* ---- table dumps: every row as bytes, sorted ----------------------------- */

struct row_bytes {
    char *p;
    size_t len;
};

struct dump {
    struct row_bytes *rows;
    size_t n, cap;
    int by_tag; /* text/blob kinds as the column's tag (other backends) */
    const struct zl_store_table *t;
};

static void put(struct zl_buf *b, const void *p, size_t n)
{
    assert_int_equal(zl_buf_add(b, p, n), 0);
}

static int dump_row(void *ctx, const struct zl_store_value *row)
{
    struct dump *d = ctx;
    struct zl_buf b;

    /* an SQLite store's JSON dictionaries are its own (migrate.c) */
    if (!strcmp(d->t->name, "meta") && row[0].len >= 12 &&
        !memcmp(row[0].p, "events.zdict", 12))
        return 0;
    /* nor is the trace index (rebuilt there) with its counters */
    if (!strcmp(d->t->name, "meta") && row[0].len >= 4 &&
        !memcmp(row[0].p, "tix_", 4))
        return 0;
    zl_buf_init(&b, (size_t)1 << 30);
    put(&b, "", 1); /* never an empty buffer */
    for (size_t i = 0; i < d->t->n_cols; i++) {
        const struct zl_store_value *v = &row[i];
        char kind = "nidtb"[v->type];

        if (d->by_tag && (v->type == ZL_VALUE_TEXT || v->type == ZL_VALUE_BLOB))
            kind = d->t->cols[i].type == ZL_VALUE_TEXT ? 't' : 'b';
        put(&b, &kind, 1);
        if (v->type == ZL_VALUE_INT)
            put(&b, &v->i, 8);
        else if (v->type == ZL_VALUE_DOUBLE)
            put(&b, &v->d, 8);
        else if (v->type != ZL_VALUE_NULL) {
            put(&b, &v->len, sizeof v->len);
            put(&b, v->p, v->len);
        }
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->rows = realloc(d->rows, d->cap * sizeof *d->rows);
        assert_non_null(d->rows);
    }
    d->rows[d->n].len = b.len;
    d->rows[d->n++].p = b.data;
    return 0;
}

static int cmp_rows(const void *a, const void *b)
{
    const struct row_bytes *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);

    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void dump_free(struct dump *d)
{
    for (size_t i = 0; i < d->n; i++)
        zl_free(d->rows[i].p);
    free(d->rows);
    memset(d, 0, sizeof *d);
}

/* Every row of t in s, sorted by bytes: backends order text keys by their
 * own collation, so rows are compared as sets. */
static void dump_table(zl_store *s, const struct zl_store_table *t,
                       struct dump *d)
{
    struct zl_error err = {0};

    memset(d, 0, sizeof *d);
    d->t = t;
    d->by_tag = strcmp(zl_store_backend_name(s), "sqlite") != 0;
    assert_int_equal(s->be->rows_read(s, t, NULL, 0, dump_row, d, &err), 0);
    if (d->n)
        qsort(d->rows, d->n, sizeof *d->rows, cmp_rows);
}

static int has_table(zl_store *s, const struct zl_store_table *t)
{
    return t->module == ZL_STORE_TABLE_CORE || s->be->modules[t->module];
}

/* Every table of a and b holds the same rows. */
static void assert_same_stores(zl_store *a, zl_store *b)
{
    for (size_t i = 0; i < zl_store_n_tables; i++) {
        const struct zl_store_table *t = &zl_store_tables[i];
        struct dump da, db;

        if (!has_table(a, t) && !has_table(b, t))
            continue;
        assert_true(has_table(a, t) && has_table(b, t));
        /* the trace index is rebuilt in the target, numbered by its own
         * identifiers and events; verify checks it against the records */
        if (t->module == ZL_STORE_MOD_TIX)
            continue;
        dump_table(a, t, &da);
        dump_table(b, t, &db);
        if (da.n != db.n)
            fail_msg("table %s: %zu rows, %zu in the copy", t->name, da.n,
                     db.n);
        for (size_t r = 0; r < da.n; r++)
            if (cmp_rows(&da.rows[r], &db.rows[r]))
                fail_msg("table %s: row %zu differs in the copy", t->name, r);
        dump_free(&da);
        dump_free(&db);
    }
}

/* ---- the source ---------------------------------------------------------- */

static int capture_emit(void *ctx, const char *doc, size_t len, size_t n)
{
    struct zl_capture_result res;
    struct zl_error err = {0};
    int rc = zl_capture(ctx, doc, len, NULL, &res, &err);

    (void)n;
    if (rc)
        fail_msg("capture: %s %s", err.path, err.rule);
    return 0;
}

static int group_setup(void **state)
{
    struct zl_demo_opts o = {0};
    struct zl_error err = {0};
    char token[ZL_TOKEN_MAX], token_id[ZL_TOKEN_ID_MAX], id[ZL_PARTY_ID_MAX];
    char *json = NULL, *note = NULL;
    struct zl_party p;
    size_t len = 0, np = 0, nprod = 0;
    zl_store *s = NULL;

    (void)state;
    sqlite_uri(src_uri, sizeof src_uri, "migrate-src");
    assert_int_equal(zl_init(src_uri, "migrate.test/log", &err), 0);
    assert_int_equal(zl_open(src_uri, &s, &err), 0);
    o.seed = 5;
    o.scale = 3;
    o.per_doc = 97;
    o.sectors = ZL_DEMO_ALL;
    assert_int_equal(zl_demo_parties_json(&o, &json, &len), 0);
    assert_int_equal(zl_party_import_json(s, json, len, &np, &nprod, &err), 0);
    zl_demo_free(json);
    assert_int_equal(zl_demo_generate(&o, capture_emit, s, NULL), 0);
    /* its events' JSON compressed (sqlite_zjson.c; a store trains at
     * 2,048 events, this one is smaller): a copy reads the JSON */
    assert_int_equal(zl_store_begin(s), 0);
    assert_int_equal(zl_sqlite_json_train_in_tx(s, 100), 0);
    assert_int_equal(zl_store_commit(s), 0);
    {
        int64_t blobs = 0;

        assert_int_equal(zl_sqlite_get_i64(s,
                                           "SELECT count(*) FROM events"
                                           " WHERE typeof(json) = 'blob'",
                                           &blobs),
                         0);
        assert_true(blobs > 250);
    }
    memset(&p, 0, sizeof p);
    p.name_zh = "迁移测试企业";
    p.uscc = "91350100M000100Y43";
    assert_int_equal(zl_party_add(s, &p, 0, id, &err), 0);
    assert_int_equal(zl_token_create(s, id, token, token_id), 0);
    assert_int_equal(zl_token_create(s, id, token, token_id), 0);
    assert_int_equal(zl_token_revoke(s, token_id), 0);
    assert_int_equal(zl_log_checkpoint_issue(s, &note), 0);
    zl_free(note);
    zl_close(s);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    zl_store_remove(src_uri);
    return 0;
}

/* ---- the descriptions ---------------------------------------------------- */

struct names {
    char *v[512];
    size_t n;
};

static void names_add(struct names *ns, const char *table, const char *col)
{
    char buf[256];

    snprintf(buf, sizeof buf, "%s.%s", table, col);
    assert_true(ns->n < sizeof ns->v / sizeof ns->v[0]);
    ns->v[ns->n] = strdup(buf);
    assert_non_null(ns->v[ns->n]);
    ns->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    ns->n = 0;
}

/* The columns of every table in the database behind s; on SQLite the
 * interned occurrences count as the view event_ids that shows them (their
 * tables, events.rid and the vocab of the events' bizStep, disposition and
 * locations are storage detail, store_sqlite.c, and so is the sites index
 * its triggers keep, sqlite_query.c, with its counter rule_gen, and the
 * trade index, sqlite_trade.c; log_leaf.key_hash, which SQLite's index
 * computes from the key since schema 32, sqlite_log.c, counts as there;
 * on PostgreSQL the sites index of schema 30,
 * pg_sites.c, with its numbers and rule_gen). */
static void catalogue(zl_store *s, struct names *ns)
{
    if (!strcmp(zl_store_backend_name(s), "sqlite")) {
        sqlite3 *db = zl_sqlite_db(s);
        sqlite3_stmt *st = NULL, *cols = NULL;

        assert_int_equal(
            sqlite3_prepare_v2(
                db,
                "SELECT name FROM sqlite_master WHERE type IN"
                " ('table', 'view') AND name NOT LIKE"
                " 'sqlite_%' AND name NOT IN ('idents',"
                " 'idents_text', 'event_codes',"
                " 'event_occ', 'event_qty', 'vocab', 'event_sites',"
                " 'site_parties', 'rule_gen', 'event_trade',"
                " 'trade_values')",
                -1, &st, NULL),
            SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(st, 0);

            assert_int_equal(
                sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1)",
                                   -1, &cols, NULL),
                SQLITE_OK);
            sqlite3_bind_text(cols, 1, t, -1, SQLITE_STATIC);
            /* events' rid and hkey (schema 34) are SQLite's own: the
             * rows name events by hash */
            while (sqlite3_step(cols) == SQLITE_ROW)
                if (strcmp(t, "events") ||
                    (strcmp((const char *)sqlite3_column_text(cols, 0),
                            "rid") &&
                     strcmp((const char *)sqlite3_column_text(cols, 0),
                            "hkey")))
                    names_add(ns, t,
                              (const char *)sqlite3_column_text(cols, 0));
            sqlite3_finalize(cols);
            if (!strcmp(t, "log_leaf"))
                names_add(ns, t, "key_hash");
        }
        sqlite3_finalize(st);
    } else {
        struct zl_pg *g = zl_pg_of(s);
        const char *params[1] = {g->schema};
        PGresult *r =
            PQexecParams(g->conn,
                         "SELECT table_name::text, column_name::text FROM"
                         " information_schema.columns WHERE table_schema = $1"
                         " AND table_name NOT IN ('event_sites',"
                         " 'site_vocab', 'site_parties', 'rule_gen',"
                         " 'event_trade', 'trade_values', 'events_gen')",
                         1, NULL, params, NULL, NULL, 0);

        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        for (int i = 0; i < PQntuples(r); i++)
            names_add(ns, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        PQclear(r);
    }
}

static void test_tables_match_schema(void **state)
{
    struct fixture *f = *state;
    struct names got = {0}, want = {0};

    catalogue(f->s, &got);
    for (size_t i = 0; i < zl_store_n_tables; i++) {
        const struct zl_store_table *t = &zl_store_tables[i];

        assert_true(t->n_key >= 1 && t->n_key <= t->n_cols);
        assert_ptr_equal(zl_store_table_find(t->name), t);
        if (has_table(f->s, t))
            for (size_t c = 0; c < t->n_cols; c++)
                names_add(&want, t->name, t->cols[c].name);
    }
    qsort(got.v, got.n, sizeof got.v[0], cmp_str);
    qsort(want.v, want.n, sizeof want.v[0], cmp_str);
    for (size_t i = 0; i < got.n || i < want.n; i++) {
        const char *g = i < got.n ? got.v[i] : "(none)";
        const char *w = i < want.n ? want.v[i] : "(none)";

        if (strcmp(g, w))
            fail_msg("the %s store has column %s where tables.c says %s",
                     zl_store_backend_name(f->s), g, w);
    }
    names_free(&got);
    names_free(&want);
}

struct kinds {
    const struct zl_store_table *t;
    size_t rows;
};

static int check_kinds(void *ctx, const struct zl_store_value *row)
{
    struct kinds *k = ctx;

    for (size_t i = 0; i < k->t->n_cols; i++)
        if (row[i].type != ZL_VALUE_NULL && row[i].type != k->t->cols[i].type)
            fail_msg("%s.%s holds a value of kind %d, tagged %d", k->t->name,
                     k->t->cols[i].name, (int)row[i].type,
                     (int)k->t->cols[i].type);
    k->rows++;
    return 0;
}

/* The tags say what the SQLite backend binds: every value of a store
 * written through the library has its column's kind. */
static void test_tags_match_storage(void **state)
{
    struct zl_error err = {0};
    size_t filled = 0;
    zl_store *s = NULL;

    (void)state;
    assert_int_equal(zl_open(src_uri, &s, &err), 0);
    for (size_t i = 0; i < zl_store_n_tables; i++) {
        struct kinds k = {&zl_store_tables[i], 0};

        assert_int_equal(
            s->be->rows_read(s, k.t, NULL, 0, check_kinds, &k, &err), 0);
        filled += k.rows > 0;
    }
    assert_true(filled >= 14); /* demo records, parties, log, meta */
    zl_close(s);
}

/* ---- the row operations -------------------------------------------------- */

/* A synthetic value of column c for row r: keys grow with r. */
static void synth(const struct zl_store_table *t, size_t r, size_t c,
                  struct zl_store_value *v, char (*buf)[32])
{
    memset(v, 0, sizeof *v);
    v->type = t->cols[c].type;
    switch (v->type) {
    case ZL_VALUE_INT: v->i = (int64_t)(r * 100 + c) - 50; break;
    case ZL_VALUE_DOUBLE: v->d = (double)r + 0.25; break;
    case ZL_VALUE_TEXT:
        v->len = (size_t)snprintf(*buf, sizeof *buf, "k%zu-%s-\xe8\xb4\xa8", r,
                                  t->cols[c].name);
        v->p = *buf;
        break;
    default:
        (*buf)[0] = (char)(0x80 + r);
        (*buf)[1] = 0;
        (*buf)[2] = (char)c;
        v->p = *buf;
        v->len = 3;
        break;
    }
}

struct collect {
    const struct zl_store_table *t;
    struct zl_store_value want[3][32];
    size_t n, skip_first;
};

static int compare_row(void *ctx, const struct zl_store_value *row)
{
    struct collect *c = ctx;
    const struct zl_store_value *w;

    assert_true(c->n < 3);
    w = c->want[c->n + c->skip_first];
    for (size_t i = 0; i < c->t->n_cols; i++) {
        assert_int_equal(row[i].type, w[i].type);
        assert_int_equal(row[i].i, w[i].i);
        assert_true(row[i].d == w[i].d);
        assert_int_equal(row[i].len, w[i].len);
        if (w[i].len)
            assert_memory_equal(row[i].p, w[i].p, w[i].len);
    }
    c->n++;
    return 0;
}

static void test_rows_roundtrip(void **state)
{
    struct fixture *f = *state;
    zl_store *s = f->s;
    struct zl_error err = {0};

    for (size_t ti = 0; ti < zl_store_n_tables; ti++) {
        const struct zl_store_table *t = &zl_store_tables[ti];
        char bufs[3][32][32];
        struct zl_store_value rows[3 * 32];
        struct collect c;
        uint64_t written = 0;

        if (!has_table(s, t) || !strcmp(t->name, "meta"))
            continue;
        /* SQLite's event_ids is a view of interned occurrences whose type,
         * action and record time are their event's: synthetic rows of
         * events that do not exist cannot go in (the copies of real
         * stores above carry it) */
        if (!strcmp(t->name, "event_ids") &&
            !strcmp(zl_store_backend_name(s), "sqlite"))
            continue;
        /* nor can SQLite's log_node keep synthetic levels: it stores every
         * 4th level and reads the tree over its leaves (schema 32;
         * test_log.c store_nodes_every_level, and the copies above) */
        if (!strcmp(t->name, "log_node") &&
            !strcmp(zl_store_backend_name(s), "sqlite"))
            continue;
        memset(&c, 0, sizeof c);
        c.t = t;
        for (size_t r = 0; r < 3; r++)
            for (size_t col = 0; col < t->n_cols; col++) {
                synth(t, r, col, &c.want[r][col], &bufs[r][col]);
                rows[r * t->n_cols + col] = c.want[r][col];
            }
        /* SQLite's log_leaf gives key_hash as computed from the key (schema
         * 32), as every real row holds it */
        if (!strcmp(t->name, "log_leaf") &&
            !strcmp(zl_store_backend_name(s), "sqlite"))
            for (size_t r = 0; r < 3; r++)
                rows[r * t->n_cols + 2].i = c.want[r][2].i =
                    zl_sqlite_log_key_hash(c.want[r][3].p, c.want[r][3].len);
        assert_int_equal(zl_store_begin(s), 0);
        assert_int_equal(s->be->rows_write(s, t, rows, 3, &written, &err), 0);
        assert_int_equal(written, 3);
        /* present rows are skipped, not errors */
        assert_int_equal(s->be->rows_write(s, t, rows, 3, &written, &err), 0);
        assert_int_equal(written, 0);
        assert_int_equal(zl_store_commit(s), 0);

        /* all, in key order */
        assert_int_equal(s->be->rows_read(s, t, NULL, 0, compare_row, &c, &err),
                         0);
        assert_int_equal(c.n, 3);
        /* keyset pages of one row */
        c.n = 0;
        assert_int_equal(s->be->rows_read(s, t, NULL, 1, compare_row, &c, &err),
                         0);
        for (size_t r = 0; r < 3; r++) {
            size_t before = c.n;

            c.n = 0;
            c.skip_first = r + 1;
            if (r == 2) {
                assert_int_equal(
                    s->be->rows_read(s, t, c.want[r], 1, compare_row, &c, &err),
                    0);
                assert_int_equal(c.n, 0); /* past the last key */
                break;
            }
            assert_int_equal(
                s->be->rows_read(s, t, c.want[r], 1, compare_row, &c, &err), 0);
            assert_int_equal(c.n, 1);
            (void)before;
        }
        /* delete the middle row */
        assert_int_equal(zl_store_begin(s), 0);
        assert_int_equal(s->be->rows_delete(s, t, c.want[1], &err), 0);
        assert_int_equal(s->be->rows_delete(s, t, c.want[1], &err), 0);
        assert_int_equal(zl_store_commit(s), 0);
        c.n = 0;
        c.skip_first = 2;
        assert_int_equal(
            s->be->rows_read(s, t, c.want[0], 0, compare_row, &c, &err), 0);
        assert_int_equal(c.n, 1);
    }
}

/* ---- copies -------------------------------------------------------------- */

/* Skip when the backend under test lacks tables the source has. */
static void need_all_modules(zl_store *s)
{
    for (size_t i = 0; i < zl_store_n_tables; i++)
        if (!has_table(s, &zl_store_tables[i])) {
            print_message("skipped: the %s backend has no %s table yet\n",
                          zl_store_backend_name(s), zl_store_tables[i].name);
            skip();
        }
}

static void assert_log_equal(zl_store *a, zl_store *b)
{
    uint8_t ra[32], rb[32];
    uint64_t na = 0, nb = 0;
    char *ca = NULL, *cb = NULL;

    assert_int_equal(zl_log_size(a, &na), 0);
    assert_int_equal(zl_log_size(b, &nb), 0);
    assert_int_equal(na, nb);
    assert_int_equal(zl_log_root(a, na, ra), 0);
    assert_int_equal(zl_log_root(b, nb, rb), 0);
    assert_memory_equal(ra, rb, 32);
    assert_int_equal(zl_log_checkpoint_latest(a, &ca), 0);
    assert_int_equal(zl_log_checkpoint_latest(b, &cb), 0);
    assert_string_equal(ca, cb);
    zl_free(ca);
    zl_free(cb);
}

static void test_copy_there_and_back(void **state)
{
    struct fixture *f = *state;
    struct zl_store_copy_result res;
    struct zl_audit_stats st = {0};
    struct zl_error err = {0};
    char mid[512], back[512];
    zl_store *a = NULL, *b = NULL, *c = NULL;
    int64_t n = 0;

    need_all_modules(f->s);
    fixture_uri(mid, sizeof mid, "migrate-mid");
    zl_store_remove(mid);
    sqlite_uri(back, sizeof back, "migrate-back");
    assert_int_equal(zl_store_copy(src_uri, mid, NULL, &res, &err), 0);
    assert_int_equal(res.resumed, 0);
    assert_true(res.rows > 1000);
    assert_true(res.log_size > 300);
    assert_int_equal(zl_store_copy(mid, back, NULL, &res, &err), 0);

    assert_int_equal(zl_open(src_uri, &a, &err), 0);
    assert_int_equal(zl_open(mid, &b, &err), 0);
    assert_int_equal(zl_open(back, &c, &err), 0);
    assert_log_equal(a, b);
    assert_log_equal(a, c);
    assert_same_stores(a, b); /* by tag on another backend */
    assert_same_stores(a, c); /* exact: storage classes too */
    assert_int_equal(zl_store_event_count(b, &n), 0);
    assert_true(n > 300);
    assert_int_equal(zl_audit_verify(b, NULL, NULL, &st), 0);
    assert_int_equal(st.issues, 0);
    assert_int_equal(zl_audit_verify(c, NULL, NULL, &st), 0);
    assert_int_equal(st.issues, 0);
    zl_close(a);
    zl_close(b);
    zl_close(c);
    zl_store_remove(mid);
    zl_store_remove(back);
}

/* A copy to SQLite stores events' JSON as capture would: compressed with
 * a dictionary the target trains itself once it holds 2,048 events. */
static void test_copy_compresses(void **state)
{
    struct zl_demo_opts o = {0};
    struct zl_audit_stats st = {0};
    struct zl_error err = {0};
    char big[512], to[512], *json = NULL;
    size_t len = 0;
    int64_t n = 0, blobs = 0;
    zl_store *s = NULL;

    (void)state;
    sqlite_uri(big, sizeof big, "migrate-big");
    sqlite_uri(to, sizeof to, "migrate-big-copy");
    assert_int_equal(zl_init(big, "migrate.test/log", &err), 0);
    assert_int_equal(zl_open(big, &s, &err), 0);
    o.seed = 3;
    o.scale = 30;
    o.per_doc = 500;
    assert_int_equal(zl_demo_parties_json(&o, &json, &len), 0);
    assert_int_equal(zl_party_import_json(s, json, len, NULL, NULL, &err), 0);
    zl_demo_free(json);
    assert_int_equal(zl_demo_generate(&o, capture_emit, s, NULL), 0);
    zl_close(s);
    assert_int_equal(zl_store_copy(big, to, NULL, NULL, &err), 0);
    assert_int_equal(zl_open(to, &s, &err), 0);
    assert_int_equal(zl_store_event_count(s, &n), 0);
    assert_true(n > 2048);
    assert_int_equal(zl_sqlite_get_i64(s,
                                       "SELECT count(*) FROM events"
                                       " WHERE typeof(json) = 'blob'",
                                       &blobs),
                     0);
    if (blobs < n * 9 / 10)
        fail_msg("%lld of %lld events compressed in the copy", (long long)blobs,
                 (long long)n);
    assert_int_equal(zl_audit_verify(s, NULL, NULL, &st), 0);
    assert_int_equal(st.issues, 0);
    zl_close(s);
    zl_store_remove(big);
    zl_store_remove(to);
}

struct stopper {
    int batches, stop_after;
    uint64_t last_rows;
};

static int stop_soon(void *ctx, const struct zl_store_copy_progress *p)
{
    struct stopper *st = ctx;

    assert_true(p->table_index < p->n_tables);
    assert_true(p->rows >= p->table_rows);
    st->last_rows = p->rows;
    return ++st->batches >= st->stop_after ? 77 : 0;
}

/* Stopped after every batch (or every few), the copy finishes with the
 * same rows; each call continues where the last stopped. */
static void test_copy_resumes(void **state)
{
    struct fixture *f = *state;
    struct zl_store_copy_result res;
    struct zl_error err = {0};
    struct stopper stop = {0};
    struct zl_store_copy_opts o = {0};
    uint64_t total = 0;
    char to[512];
    zl_store *a = NULL, *b = NULL;
    int calls = 0, rc;

    need_all_modules(f->s);
    fixture_uri(to, sizeof to, "migrate-resume");
    zl_store_remove(to);
    o.batch = 397;
    o.progress = stop_soon;
    o.progress_ctx = &stop;
    do {
        stop.batches = 0;
        stop.stop_after = 1 + calls % 3;
        rc = zl_store_copy(src_uri, to, &o, &res, &err);
        total += res.rows;
        assert_int_equal(res.resumed, calls > 0);
        calls++;
        if (rc == 77)
            assert_int_equal(res.rows, stop.last_rows);
        else
            assert_int_equal(rc, 0);
        if (rc) {
            /* an unfinished copy is refused as a source */
            char other[512];

            sqlite_uri(other, sizeof other, "migrate-other");
            assert_int_equal(zl_store_copy(to, other, NULL, NULL, &err),
                             ZL_EINVAL);
            zl_store_remove(other);
        }
    } while (rc == 77 && calls < 10000);
    assert_int_equal(rc, 0);
    assert_true(calls > 10);
    assert_int_equal(zl_open(src_uri, &a, &err), 0);
    assert_int_equal(zl_open(to, &b, &err), 0);
    assert_log_equal(a, b);
    assert_same_stores(a, b);
    zl_close(a);
    zl_close(b);
    print_message("%d calls, %llu rows\n", calls, (unsigned long long)total);
    zl_store_remove(to);
}

/* Allocation failures anywhere in the copy leave a target the next call
 * continues: one target through calls where the n-th allocation fails,
 * n = 0, 1, 2..., until one call gets through. */
static void test_copy_alloc_failures(void **state)
{
    struct fixture *f = *state;
    struct zl_store_copy_opts o = {0};
    struct zl_store_copy_result res;
    struct zl_error err = {0};
    zl_store *a = NULL, *b = NULL;
    char to[512];
    long n;
    int rc = -1;

    need_all_modules(f->s);
    fixture_uri(to, sizeof to, "migrate-alloc");
    zl_store_remove(to);
    o.batch = 500;
    for (n = 0; n < 5000 && rc; n += 1 + n / 8) {
        zl_alloc_fail_after(n);
        rc = zl_store_copy(src_uri, to, &o, &res, &err);
        zl_alloc_fail_after(-1);
        if (rc && rc != ZL_ENOMEM && rc != ZL_ESTORE && rc != ZL_ELIMIT)
            fail_msg("allocation %ld failing: %s (%s)", n, zl_strerror(rc),
                     err.rule);
    }
    if (rc)
        assert_int_equal(zl_store_copy(src_uri, to, &o, &res, &err), 0);
    print_message("finished after failures up to allocation %ld\n", n);
    assert_int_equal(zl_open(src_uri, &a, &err), 0);
    assert_int_equal(zl_open(to, &b, &err), 0);
    assert_log_equal(a, b);
    assert_same_stores(a, b);
    zl_close(a);
    zl_close(b);
    zl_store_remove(to);
}

static int stop_first(void *ctx, const struct zl_store_copy_progress *p)
{
    (void)ctx;
    (void)p;
    return 1;
}

static void test_copy_refusals(void **state)
{
    struct fixture *f = *state;
    struct zl_store_copy_opts o = {0};
    struct zl_store_copy_result res;
    struct zl_error err = {0};
    char mine[512], to[512];
    struct zl_party p;
    zl_store *s = NULL;
    int rc;

    need_all_modules(f->s);
    /* a target with data of its own: the fixture's (its log key) */
    assert_int_equal(zl_store_copy(src_uri, f->uri, NULL, &res, &err),
                     ZL_EEXIST);
    assert_non_null(strstr(err.rule, "already holds data"));
    /* a missing source creates nothing */
    fixture_uri(to, sizeof to, "migrate-refused");
    zl_store_remove(to);
    assert_int_equal(
        zl_store_copy("sqlite:/nonexistent/zl.db", to, NULL, &res, &err),
        ZL_ENOTFOUND);

    /* a source whose log grew since its copy began */
    sqlite_uri(mine, sizeof mine, "migrate-mine");
    assert_int_equal(zl_store_copy(src_uri, mine, NULL, NULL, &err), 0);
    o.progress = stop_first;
    assert_int_equal(zl_store_copy(mine, to, &o, &res, &err), 1);
    assert_int_equal(zl_open(mine, &s, &err), 0);
    memset(&p, 0, sizeof p);
    p.name_zh = "后来的企业";
    p.uscc = "91130102117504341K";
    rc = zl_party_add(s, &p, 0, NULL, &err);
    if (rc) /* any valid USCC will do: the registry's record grows the log */
        fail_msg("party_add: %s %s", err.path, err.rule);
    zl_close(s);
    o.progress = NULL;
    assert_int_equal(zl_store_copy(mine, to, &o, &res, &err), ZL_EEXIST);
    assert_non_null(strstr(err.rule, "before its log changed"));
    /* from the start into a new target it goes */
    zl_store_remove(to);
    assert_int_equal(zl_store_copy(mine, to, &o, &res, &err), 0);
    assert_int_equal(res.resumed, 0);
    zl_store_remove(to);
    zl_store_remove(mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tables_match_schema, setup,
                                        teardown),
        cmocka_unit_test(test_tags_match_storage),
        cmocka_unit_test_setup_teardown(test_rows_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_there_and_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy_resumes, setup, teardown),
        cmocka_unit_test(test_copy_compresses),
        cmocka_unit_test_setup_teardown(test_copy_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_alloc_failures, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
