/*
 * pg_lookups.c - code lookup counts on PostgreSQL (see store_lookups.h).
 *
 * The upsert is one statement, so two servers adding to the same code
 * at once both count (the row lock orders them).
 */
#include "store/pg_int.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS code_lookups("
    " code text COLLATE \"C\" PRIMARY KEY, n bigint NOT NULL,"
    " first_ms bigint NOT NULL, last_ms bigint NOT NULL);";

static int lookups_schema(zl_store *s)
{
    return zl_pg_exec(s, SCHEMA);
}

static int add(zl_store *s, const char *code, const struct zl_lookup_count *c)
{
    static const char SQL[] =
        "INSERT INTO code_lookups(code, n, first_ms, last_ms)"
        " VALUES($1, $2, $3, $4) ON CONFLICT(code) DO UPDATE SET"
        " n = code_lookups.n + excluded.n,"
        " first_ms = least(code_lookups.first_ms, excluded.first_ms),"
        " last_ms = greatest(code_lookups.last_ms, excluded.last_ms)";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, code);
    zl_pg_int(&p, (int64_t)c->n);
    zl_pg_int(&p, c->first_ms);
    zl_pg_int(&p, c->last_ms);
    return zl_pg_do(s, SQL, &p, NULL);
}

struct found {
    struct zl_lookup_count *c;
    int found;
};

static int get_cb(void *ctx, const PGresult *r, int row)
{
    struct found *f = ctx;
    struct zl_lookup_count *c = f->c;

    f->found = 1;
    c->n = (uint64_t)zl_pg_i64(r, row, 0);
    c->first_ms = zl_pg_i64(r, row, 1);
    c->last_ms = zl_pg_i64(r, row, 2);
    return 0;
}

static int get(zl_store *s, const char *code, struct zl_lookup_count *c)
{
    static const char SQL[] =
        "SELECT n, first_ms, last_ms FROM code_lookups WHERE code = $1";
    struct zl_pg_params p;
    struct found f = {c, 0};
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, code);
    rc = zl_pg_stream(s, SQL, &p, get_cb, &f);
    return rc ? rc : f.found ? 0 : ZL_ENOTFOUND;
}

const struct zl_store_lookups_ops zl_pg_lookups_ops = {
    .base = {.name = "lookups", .schema = lookups_schema},
    .add = add,
    .get = get,
};
