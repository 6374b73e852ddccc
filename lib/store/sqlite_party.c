/*
 * sqlite_party.c - SQLite tables for parties, GLNs, products and tokens.
 *
 * Registries are small and read far more than written, so every call
 * prepares its statement, runs it and finalises it: simpler than a cache
 * of prepared statements and fast enough (the server's hot path, the token
 * check, is one indexed lookup). Party reads gather the party's GLNs into
 * a bounded array before the callback so callers see one complete party.
 *
 * Rejected: storing GLNs as a JSON array in the party row. A GLN must map
 * back to exactly one party (the location check asks "who owns this
 * GLN?"), which a primary key on party_gln.gln enforces for free. The same
 * holds for GS1 Company Prefixes (party_prefixes.prefix); a party's kind
 * and region sit in party_kinds, a table of their own so stores made
 * before they existed gain them with CREATE TABLE IF NOT EXISTS (see
 * ensure_added_tables) instead of an ALTER of parties.
 */
#include "store/sqlite_int.h"
#include "util/alloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS parties ("
    " id TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT,"
    " uscc TEXT UNIQUE, role TEXT, address_zh TEXT, address_en TEXT,"
    " pubkey TEXT);"
    "CREATE TABLE IF NOT EXISTS party_gln ("
    " gln TEXT PRIMARY KEY, party_id TEXT NOT NULL, name_zh TEXT,"
    " name_en TEXT);"
    "CREATE INDEX IF NOT EXISTS party_gln_party ON party_gln(party_id);"
    "CREATE TABLE IF NOT EXISTS products ("
    " gtin TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT,"
    " brand TEXT, brand_en TEXT);"
    "CREATE TABLE IF NOT EXISTS tokens ("
    " id TEXT PRIMARY KEY, party_id TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, revoked_ms INTEGER NOT NULL DEFAULT 0);";

/* Added after the first release: created at open of a new store and on
 * the first party write of an older one. */
static const char added_sql[] =
    "CREATE TABLE IF NOT EXISTS party_prefixes ("
    " prefix TEXT PRIMARY KEY, party_id TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS party_prefixes_party"
    " ON party_prefixes(party_id);"
    "CREATE TABLE IF NOT EXISTS party_kinds ("
    " party_id TEXT PRIMARY KEY, kind INTEGER NOT NULL, region TEXT);"
    /* schema 13: what a product's pack declares (zl_product) */
    "CREATE TABLE IF NOT EXISTS product_facts ("
    " gtin TEXT PRIMARY KEY, net_content TEXT, standard TEXT, hotline TEXT,"
    " approval TEXT, shelf_life_days INTEGER NOT NULL DEFAULT 0);";

/* Schema 5: the logged records of the registry (lib/party/registry.c),
 * one per write, seq increasing per key ("party:<id>", "product:<gtin>",
 * "token:<id>"). */
static const char registry_sql[] =
    "CREATE TABLE IF NOT EXISTS registry_records ("
    " key TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,"
    " json BLOB NOT NULL, PRIMARY KEY(key, seq));";

/* Schema 23: every write to what a regulator's read rule reads bumps
 * rule_gen (sqlite_int.h), so the sites a query keeps for the next are
 * asked again (sqlite_query.c). Triggers, so that an edit behind the
 * store's back bumps it too. */
#define RULE_BUMPS(T)                                                          \
    ZL_SQLITE_RULE_BUMP("rule_gen_" T "_i", "INSERT", T, "1")                  \
    ZL_SQLITE_RULE_BUMP("rule_gen_" T "_u", "UPDATE", T, "1")                  \
    ZL_SQLITE_RULE_BUMP("rule_gen_" T "_d", "DELETE", T, "1")
const char zl_sqlite_party_rule_sql[] = ZL_SQLITE_RULE_GEN RULE_BUMPS("parties")
    RULE_BUMPS("party_gln") RULE_BUMPS("party_kinds");

int zl_sqlite_party_rule_schema(zl_store *s)
{
    return zl_sqlite_exec(s, zl_sqlite_party_rule_sql);
}

static sqlite3 *dbof(zl_store *s)
{
    return zl_sqlite_db(s);
}

static int party_schema(zl_store *s)
{
    return sqlite3_exec(dbof(s), schema_sql, NULL, NULL, NULL) == SQLITE_OK &&
                   sqlite3_exec(dbof(s), added_sql, NULL, NULL, NULL) ==
                       SQLITE_OK &&
                   sqlite3_exec(dbof(s), registry_sql, NULL, NULL, NULL) ==
                       SQLITE_OK &&
                   sqlite3_exec(dbof(s), zl_sqlite_party_rule_sql, NULL, NULL,
                                NULL) == SQLITE_OK
               ? 0
               : ZL_ESTORE;
}

static int ensure_added_tables(zl_store *s)
{
    return sqlite3_exec(dbof(s), added_sql, NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : ZL_ESTORE;
}

/* A read of an added table on a store that never had a party written
 * since they were added: nothing registered there. */
static int added_missing(zl_store *s)
{
    return strstr(sqlite3_errmsg(dbof(s)), "no such table") != NULL;
}

static int prep(zl_store *s, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(dbof(s), sql, -1, st, NULL) == SQLITE_OK
               ? 0
               : ZL_ESTORE;
}

/* The connection's cached statement for the static text sql (reset
 * after use, never finalized): for the reads every party lookup makes
 * (its GLNs, prefixes and kind), which a read rule asks for many rows of
 * a query. Only for statements stepped to the end or reset before any
 * callback runs: a nested lookup would reset one still in use. */
static int prep_cached(zl_store *s, const char *sql, sqlite3_stmt **st)
{
    *st = zl_sqlite_stmt(s, sql);
    return *st ? 0 : ZL_ESTORE;
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    int rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT)
               : sqlite3_bind_null(st, i);
    return rc == SQLITE_OK ? 0 : ZL_ESTORE;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Run a statement that returns no rows. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_CONSTRAINT)
        return ZL_EEXIST;
    return ZL_ESTORE;
}

/* The party's GLNs as a JSON array text (GLNs are digits: no escaping). */
static int bind_gln_array(sqlite3_stmt *st, int i, const struct zl_party *p)
{
    char buf[ZL_PARTY_MAX_GLNS * 16 + 4];
    size_t k, n = 0;

    buf[n++] = '[';
    for (k = 0; k < p->n_glns && k < ZL_PARTY_MAX_GLNS; k++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%.13s\"",
                              k ? "," : "", p->glns[k]);
    buf[n++] = ']';
    buf[n] = '\0';
    return bind_text(st, i, buf);
}

static int exact_prefix_owner(zl_store *s, const char *prefix,
                              char party_id[ZL_PARTY_ID_MAX])
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s, "SELECT party_id FROM party_prefixes WHERE prefix=?",
                   &st)) ||
        (rc = bind_text(st, 1, prefix)))
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(party_id, ZL_PARTY_ID_MAX, "%s", col(st, 0));
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

/* Run the two-parameter insert sql once per value: (vals[i], id). */
static int insert_each(zl_store *s, const char *sql, const char *const *vals,
                       size_t n, const char *id)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s, sql, &st)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        if ((rc = bind_text(st, 1, vals[i])) || (rc = bind_text(st, 2, id)) ||
            (rc = step_done(st)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

/* Replace the party's prefix rows and its kind row. */
static int put_prefixes_kind(zl_store *s, const struct zl_party *p)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s, "DELETE FROM party_prefixes WHERE party_id=?", &st)) ||
        (rc = bind_text(st, 1, p->id)) || (rc = step_done(st)))
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = insert_each(s,
                          "INSERT INTO party_prefixes(prefix, party_id)"
                          " VALUES(?,?) ON CONFLICT(prefix) DO NOTHING",
                          p->prefixes, p->n_prefixes, p->id)))
        goto out;
    if ((rc = prep(s, "INSERT OR REPLACE INTO party_kinds VALUES(?,?,?)",
                   &st)) ||
        (rc = bind_text(st, 1, p->id)) || (rc = bind_text(st, 3, p->region)))
        goto out;
    if (sqlite3_bind_int(st, 2, (int)p->kind) != SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    rc = step_done(st);
out:
    sqlite3_finalize(st);
    return rc;
}

/* Gather the party's prefixes (new strings into pre[], count in *n) and
 * its kind and region (region new into *region, NULL if none). */
static int get_prefixes_kind(zl_store *s, const char *id, char **pre, size_t *n,
                             enum zl_party_kind *kind, char **region)
{
    static const char PREFIXES[] =
        "SELECT prefix FROM party_prefixes WHERE party_id=? ORDER BY prefix";
    static const char KIND[] =
        "SELECT kind, region FROM party_kinds WHERE party_id=?";
    sqlite3_stmt *st = NULL;
    int rc;

    if (prep_cached(s, PREFIXES, &st)) {
        rc = added_missing(s) ? 0 : ZL_ESTORE;
        goto out;
    }
    if ((rc = bind_text(st, 1, id)))
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
           *n < ZL_PARTY_MAX_PREFIXES) {
        if (!(pre[*n] = zl_strdup(col(st, 0)))) {
            rc = ZL_ENOMEM;
            goto out;
        }
        (*n)++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rc = ZL_ESTORE;
        goto out;
    }
    sqlite3_reset(st);
    st = NULL;
    if ((rc = prep_cached(s, KIND, &st)) || (rc = bind_text(st, 1, id)))
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *kind = (enum zl_party_kind)sqlite3_column_int(st, 0);
        if (col(st, 1) && !(*region = zl_strdup(col(st, 1)))) {
            rc = ZL_ENOMEM;
            goto out;
        }
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? 0 : ZL_ESTORE;
    }
out:
    if (st)
        sqlite3_reset(st);
    return rc;
}

static int prefix_owner(zl_store *s, const char *digits,
                        char party_id[ZL_PARTY_ID_MAX], char prefix[13])
{
    /* Every candidate prefix length at once: the primary key answers each
     * IN term, the longest match wins. Cached: asked for every identifier
     * of every event a party captures. */
    static const char SQL[] =
        "SELECT party_id, prefix FROM party_prefixes WHERE prefix IN"
        " (substr(?1,1,4), substr(?1,1,5), substr(?1,1,6),"
        " substr(?1,1,7), substr(?1,1,8), substr(?1,1,9),"
        " substr(?1,1,10), substr(?1,1,11), substr(?1,1,12))"
        " ORDER BY length(prefix) DESC LIMIT 1";
    sqlite3_stmt *st;
    int rc;

    if (strlen(digits) < 4)
        return ZL_ENOTFOUND;
    if (!(st = zl_sqlite_stmt(s, SQL)))
        return added_missing(s) ? ZL_ENOTFOUND : ZL_ESTORE;
    sqlite3_bind_text(st, 1, digits, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(party_id, ZL_PARTY_ID_MAX, "%s", col(st, 0));
        if (prefix)
            snprintf(prefix, 13, "%s", col(st, 1));
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
    }
    sqlite3_reset(st);
    return rc;
}

static int party_put(zl_store *s, const struct zl_party *p, int replace)
{
    sqlite3_stmt *st = NULL;
    char owner[ZL_PARTY_ID_MAX];
    int rc;
    size_t i;

    if ((rc = ensure_added_tables(s)))
        return rc;
    for (i = 0; i < p->n_glns; i++) {
        rc = zl_store_gln_owner(s, p->glns[i], owner);
        if (rc == 0 && strcmp(owner, p->id) != 0)
            return ZL_EEXIST;
        if (rc < 0 && rc != ZL_ENOTFOUND)
            return rc;
    }
    for (i = 0; i < p->n_prefixes; i++) {
        rc = exact_prefix_owner(s, p->prefixes[i], owner);
        if (rc == 0 && strcmp(owner, p->id) != 0)
            return ZL_EEXIST;
        if (rc < 0 && rc != ZL_ENOTFOUND)
            return rc;
    }
    rc = prep(s,
              replace ? "INSERT OR REPLACE INTO parties VALUES(?,?,?,?,?,?,?,?)"
                      : "INSERT INTO parties VALUES(?,?,?,?,?,?,?,?)",
              &st);
    if (rc)
        goto out;
    if ((rc = bind_text(st, 1, p->id)) || (rc = bind_text(st, 2, p->name_zh)) ||
        (rc = bind_text(st, 3, p->name_en)) ||
        (rc = bind_text(st, 4, p->uscc)) || (rc = bind_text(st, 5, p->role)) ||
        (rc = bind_text(st, 6, p->address_zh)) ||
        (rc = bind_text(st, 7, p->address_en)) ||
        (rc = bind_text(st, 8, p->pubkey_b64)))
        goto out;
    if ((rc = step_done(st)))
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    /* Keep the names of GLNs the party still holds. */
    if ((rc = prep(s, "DELETE FROM party_gln WHERE party_id=?", &st)) ||
        (rc = bind_text(st, 1, p->id)))
        goto out;
    if (p->n_glns) {
        sqlite3_finalize(st);
        st = NULL;
        if ((rc = prep(s,
                       "DELETE FROM party_gln WHERE party_id=?1 AND gln NOT IN"
                       " (SELECT value FROM json_each(?2))",
                       &st)) ||
            (rc = bind_text(st, 1, p->id)) || (rc = bind_gln_array(st, 2, p)))
            goto out;
    }
    if ((rc = step_done(st)))
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = insert_each(s,
                          "INSERT OR IGNORE INTO party_gln(gln, party_id)"
                          " VALUES(?,?)",
                          p->glns, p->n_glns, p->id)))
        goto out;
    rc = put_prefixes_kind(s, p);
out:
    sqlite3_finalize(st);
    return rc;
}

/* Build a party from the current row of a "SELECT * FROM parties" and
 * call cb with its GLNs gathered. */
static int emit_party_cols(zl_store *s, const char *const c[8], zl_party_cb cb,
                           void *ctx)
{
    static const char GLNS[] =
        "SELECT gln FROM party_gln WHERE party_id=? ORDER BY gln";
    sqlite3_stmt *st = NULL;
    char *glns[ZL_PARTY_MAX_GLNS];
    char *pre[ZL_PARTY_MAX_PREFIXES], *region = NULL;
    size_t n = 0, npre = 0, i;
    struct zl_party p;
    int rc;

    memset(&p, 0, sizeof p);
    p.id = c[0];
    p.name_zh = c[1];
    p.name_en = c[2];
    p.uscc = c[3];
    p.role = c[4];
    p.address_zh = c[5];
    p.address_en = c[6];
    p.pubkey_b64 = c[7];
    if ((rc = prep_cached(s, GLNS, &st)) || (rc = bind_text(st, 1, p.id)))
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < ZL_PARTY_MAX_GLNS) {
        glns[n] = zl_strdup(col(st, 0));
        if (!glns[n]) {
            rc = ZL_ENOMEM;
            goto out;
        }
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rc = ZL_ESTORE;
        goto out;
    }
    sqlite3_reset(st); /* before the callback (prep_cached) */
    st = NULL;
    p.glns = (const char *const *)glns;
    p.n_glns = n;
    if ((rc = get_prefixes_kind(s, p.id, pre, &npre, &p.kind, &region)))
        goto out;
    p.prefixes = (const char *const *)pre;
    p.n_prefixes = npre;
    p.region = region;
    rc = cb(ctx, &p);
out:
    for (i = 0; i < n; i++)
        zl_free(glns[i]);
    for (i = 0; i < npre; i++)
        zl_free(pre[i]);
    zl_free(region);
    if (st)
        sqlite3_reset(st);
    return rc;
}

static int emit_party(zl_store *s, sqlite3_stmt *row, zl_party_cb cb, void *ctx)
{
    const char *c[8];

    for (int i = 0; i < 8; i++)
        c[i] = col(row, i);
    return emit_party_cols(s, c, cb, ctx);
}

static int run_party_query(zl_store *s, sqlite3_stmt *st, zl_party_cb cb,
                           void *ctx, int *found)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *found = 1;
        rc = emit_party(s, st, cb, ctx);
        if (rc)
            return rc;
    }
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int party_get(zl_store *s, const char *key, zl_party_cb cb, void *ctx)
{
    /* cached (asked for every party a read rule meets): the row is copied
     * and the statement reset before the callback, which may look up
     * another party */
    static const char SQL[] =
        "SELECT * FROM parties WHERE id=?1 OR uscc=?1 OR id IN"
        " (SELECT party_id FROM party_gln WHERE gln=?1) LIMIT 1";
    sqlite3_stmt *st = NULL;
    char *c[8] = {NULL};
    int rc, i;

    if ((rc = prep_cached(s, SQL, &st)) || (rc = bind_text(st, 1, key)))
        goto out;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
        goto out;
    }
    rc = 0;
    for (i = 0; i < 8 && !rc; i++)
        if (col(st, i) && !(c[i] = zl_strdup(col(st, i))))
            rc = ZL_ENOMEM;
    sqlite3_reset(st);
    st = NULL;
    if (!rc)
        rc = emit_party_cols(s, (const char *const *)c, cb, ctx);
out:
    if (st)
        sqlite3_reset(st);
    for (i = 0; i < 8; i++)
        zl_free(c[i]);
    return rc;
}

static int party_list(zl_store *s, zl_party_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc, found = 0;

    if ((rc = prep(s, "SELECT * FROM parties ORDER BY id", &st)))
        goto out;
    rc = run_party_query(s, st, cb, ctx, &found);
out:
    sqlite3_finalize(st);
    return rc;
}

static int gln_owner(zl_store *s, const char *gln,
                     char party_id[ZL_PARTY_ID_MAX])
{
    static const char SQL[] = "SELECT party_id FROM party_gln WHERE gln=?";
    sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
    int rc;

    if (!st)
        return ZL_ESTORE;
    sqlite3_bind_text(st, 1, gln, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(party_id, ZL_PARTY_ID_MAX, "%s", col(st, 0));
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
    }
    sqlite3_reset(st);
    return rc;
}

static int location_name(zl_store *s, const char *gln, const char *name_zh,
                         const char *name_en)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s, "UPDATE party_gln SET name_zh=?, name_en=? WHERE gln=?",
                   &st)) ||
        (rc = bind_text(st, 1, name_zh)) || (rc = bind_text(st, 2, name_en)) ||
        (rc = bind_text(st, 3, gln)) || (rc = step_done(st)))
        goto out;
    rc = sqlite3_changes(dbof(s)) > 0 ? 0 : ZL_ENOTFOUND;
out:
    sqlite3_finalize(st);
    return rc;
}

static int location_get(zl_store *s, const char *gln, zl_location_cb cb,
                        void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zl_location l;
    int rc;

    if ((rc = prep(s,
                   "SELECT gln, party_id, name_zh, name_en FROM party_gln"
                   " WHERE gln=?",
                   &st)) ||
        (rc = bind_text(st, 1, gln)))
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        l.gln = col(st, 0);
        l.party_id = col(st, 1);
        l.name_zh = col(st, 2);
        l.name_en = col(st, 3);
        rc = cb(ctx, &l);
    } else {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

static int product_put(zl_store *s, const struct zl_product *p)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = ensure_added_tables(s)) ||
        (rc = prep(s, "INSERT OR REPLACE INTO products VALUES(?,?,?,?,?)",
                   &st)) ||
        (rc = bind_text(st, 1, p->gtin)) ||
        (rc = bind_text(st, 2, p->name_zh)) ||
        (rc = bind_text(st, 3, p->name_en)) ||
        (rc = bind_text(st, 4, p->brand)) ||
        (rc = bind_text(st, 5, p->brand_en)) || (rc = step_done(st)))
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = prep(s,
                   "INSERT OR REPLACE INTO product_facts"
                   " VALUES(?,?,?,?,?,?)",
                   &st)) ||
        (rc = bind_text(st, 1, p->gtin)) ||
        (rc = bind_text(st, 2, p->net_content)) ||
        (rc = bind_text(st, 3, p->standard)) ||
        (rc = bind_text(st, 4, p->hotline)) ||
        (rc = bind_text(st, 5, p->approval)) ||
        (rc = sqlite3_bind_int(st, 6, p->shelf_life_days) == SQLITE_OK
                  ? 0
                  : ZL_ESTORE))
        goto out;
    rc = step_done(st);
out:
    sqlite3_finalize(st);
    return rc;
}

/* A product with what its pack declares (no facts row: none declared). */
#define PRODUCT_SELECT                                                         \
    "SELECT p.gtin, p.name_zh, p.name_en, p.brand, p.brand_en,"                \
    " f.net_content, f.standard, f.hotline, f.approval,"                       \
    " coalesce(f.shelf_life_days, 0)"                                          \
    " FROM products p LEFT JOIN product_facts f ON f.gtin = p.gtin"

static int run_product_query(sqlite3_stmt *st, zl_product_cb cb, void *ctx,
                             int *found)
{
    struct zl_product p;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *found = 1;
        p.gtin = col(st, 0);
        p.name_zh = col(st, 1);
        p.name_en = col(st, 2);
        p.brand = col(st, 3);
        p.brand_en = col(st, 4);
        p.net_content = col(st, 5);
        p.standard = col(st, 6);
        p.hotline = col(st, 7);
        p.approval = col(st, 8);
        p.shelf_life_days = sqlite3_column_int(st, 9);
        rc = cb(ctx, &p);
        if (rc)
            return rc;
    }
    return rc == SQLITE_DONE ? 0 : ZL_ESTORE;
}

static int product_get(zl_store *s, const char *gtin14, zl_product_cb cb,
                       void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc, found = 0;

    if ((rc = prep(s, PRODUCT_SELECT " WHERE p.gtin=?", &st)) ||
        (rc = bind_text(st, 1, gtin14)))
        goto out;
    rc = run_product_query(st, cb, ctx, &found);
    if (rc == 0 && !found)
        rc = ZL_ENOTFOUND;
out:
    sqlite3_finalize(st);
    return rc;
}

static int product_list(zl_store *s, zl_product_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc, found = 0;

    if ((rc = prep(s, PRODUCT_SELECT " ORDER BY p.gtin", &st)))
        goto out;
    rc = run_product_query(st, cb, ctx, &found);
out:
    sqlite3_finalize(st);
    return rc;
}

static int token_put(zl_store *s, const char *id, const char *party_id,
                     const char *hash_hex, int64_t created_ms)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s, "INSERT INTO tokens VALUES(?,?,?,?,0)", &st)) ||
        (rc = bind_text(st, 1, id)) || (rc = bind_text(st, 2, party_id)) ||
        (rc = bind_text(st, 3, hash_hex)))
        goto out;
    if (sqlite3_bind_int64(st, 4, created_ms) != SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    rc = step_done(st);
out:
    sqlite3_finalize(st);
    return rc;
}

static int token_revoke(zl_store *s, const char *id, int64_t now_ms)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s,
                   "UPDATE tokens SET revoked_ms=CASE WHEN revoked_ms=0 THEN ?"
                   " ELSE revoked_ms END WHERE id=?",
                   &st)) ||
        (rc = bind_text(st, 2, id)))
        goto out;
    if (sqlite3_bind_int64(st, 1, now_ms) != SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    if ((rc = step_done(st)))
        goto out;
    rc = sqlite3_changes(dbof(s)) > 0 ? 0 : ZL_ENOTFOUND;
out:
    sqlite3_finalize(st);
    return rc;
}

static int token_get(zl_store *s, const char *id,
                     char party_id[ZL_PARTY_ID_MAX], char hash_hex[65],
                     int64_t *revoked_ms)
{
    sqlite3_stmt *st = NULL;
    int rc;

    /* every authenticated request asks: the connection's cached one */
    if ((rc = prep_cached(s,
                          "SELECT party_id, sha256, revoked_ms FROM tokens"
                          " WHERE id=?",
                          &st)) ||
        (rc = bind_text(st, 1, id)))
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(party_id, ZL_PARTY_ID_MAX, "%s", col(st, 0));
        snprintf(hash_hex, 65, "%s", col(st, 1));
        *revoked_ms = sqlite3_column_int64(st, 2);
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
    }
out:
    if (st)
        sqlite3_reset(st);
    return rc;
}

static int token_list(zl_store *s, const char *party_id, zl_token_cb cb,
                      void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zl_token_info t;
    int rc;

    if ((rc = prep(s,
                   "SELECT id, party_id, created_ms, revoked_ms FROM tokens"
                   " WHERE ?1 IS NULL OR party_id=?1 ORDER BY created_ms, id",
                   &st)) ||
        (rc = bind_text(st, 1, party_id)))
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        t.id = col(st, 0);
        t.party_id = col(st, 1);
        t.created_ms = sqlite3_column_int64(st, 2);
        t.revoked_ms = sqlite3_column_int64(st, 3);
        rc = cb(ctx, &t);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : ZL_ESTORE;
out:
    sqlite3_finalize(st);
    return rc;
}

/* ---- registry records (schema 5) ---------------------------------------- */

static int registry_put(zl_store *s, const char *key, const char *kind,
                        const char *json, size_t len, long *seq)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s,
                   "SELECT COALESCE(MAX(seq), 0) + 1 FROM registry_records"
                   " WHERE key=?",
                   &st)) ||
        (rc = bind_text(st, 1, key)))
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = ZL_ESTORE;
        goto out;
    }
    *seq = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = prep(s, "INSERT INTO registry_records VALUES(?,?,?,?)", &st)) ||
        (rc = bind_text(st, 1, key)) || (rc = bind_text(st, 3, kind)))
        goto out;
    if (sqlite3_bind_int64(st, 2, *seq) != SQLITE_OK ||
        sqlite3_bind_blob(st, 4, json, (int)len, SQLITE_TRANSIENT) !=
            SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    rc = step_done(st);
out:
    sqlite3_finalize(st);
    return rc;
}

static int registry_get(zl_store *s, const char *key, long seq, char **json,
                        size_t *len)
{
    sqlite3_stmt *st = NULL;
    const void *b;
    int rc;

    if ((rc = prep(s, "SELECT json FROM registry_records WHERE key=? AND seq=?",
                   &st)) ||
        (rc = bind_text(st, 1, key)))
        goto out;
    if (sqlite3_bind_int64(st, 2, seq) != SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE ? ZL_ENOTFOUND : ZL_ESTORE;
        goto out;
    }
    *len = (size_t)sqlite3_column_bytes(st, 0);
    b = sqlite3_column_blob(st, 0);
    *json = zl_strndup(b ? b : "", *len);
    rc = *json ? 0 : ZL_ENOMEM;
out:
    sqlite3_finalize(st);
    return rc;
}

static int registry_each(zl_store *s, int last_only, zl_store_registry_cb cb,
                         void *ctx)
{
    sqlite3_stmt *st = NULL;
    const void *b;
    int rc;

    if ((rc = prep(s,
                   last_only
                       ? "SELECT key, seq, kind, json FROM registry_records r"
                         " WHERE seq=(SELECT MAX(seq) FROM registry_records"
                         " WHERE key=r.key) ORDER BY key"
                       : "SELECT key, seq, kind, json FROM registry_records"
                         " ORDER BY key, seq",
                   &st)))
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        b = sqlite3_column_blob(st, 3);
        rc = cb(ctx, col(st, 0), (long)sqlite3_column_int64(st, 1), col(st, 2),
                b ? b : "", (size_t)sqlite3_column_bytes(st, 3));
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : ZL_ESTORE;
out:
    sqlite3_finalize(st);
    return rc;
}

static int registry_clear(zl_store *s)
{
    if ((ensure_added_tables(s)))
        return ZL_ESTORE;
    return sqlite3_exec(dbof(s),
                        "DELETE FROM parties; DELETE FROM party_gln;"
                        " DELETE FROM party_prefixes; DELETE FROM party_kinds;"
                        " DELETE FROM products; DELETE FROM product_facts;",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : ZL_ESTORE;
}

static int token_restore(zl_store *s, const char *id, const char *party_id,
                         int64_t created_ms, int64_t revoked_ms)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = prep(s,
                   "UPDATE tokens SET party_id=?, created_ms=?, revoked_ms=?"
                   " WHERE id=?",
                   &st)) ||
        (rc = bind_text(st, 1, party_id)) || (rc = bind_text(st, 4, id)))
        goto out;
    if (sqlite3_bind_int64(st, 2, created_ms) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, revoked_ms) != SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    if ((rc = step_done(st)))
        goto out;
    rc = sqlite3_changes(dbof(s)) > 0 ? 0 : ZL_ENOTFOUND;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Rows of party_gln, party_prefixes and party_kinds whose party is not in
 * parties: cb(ctx, "<table>:<key>"). */
static int registry_orphans(zl_store *s, zl_store_registry_key_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = ensure_added_tables(s)) ||
        (rc = prep(s,
                   "SELECT 'party_gln:' || gln FROM party_gln WHERE party_id"
                   " NOT IN (SELECT id FROM parties) UNION ALL"
                   " SELECT 'party_prefixes:' || prefix FROM party_prefixes"
                   " WHERE party_id NOT IN (SELECT id FROM parties) UNION ALL"
                   " SELECT 'party_kinds:' || party_id FROM party_kinds"
                   " WHERE party_id NOT IN (SELECT id FROM parties) UNION ALL"
                   " SELECT 'product_facts:' || gtin FROM product_facts"
                   " WHERE gtin NOT IN (SELECT gtin FROM products)",
                   &st)))
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = cb(ctx, col(st, 0))))
            goto out;
    rc = rc == SQLITE_DONE ? 0 : ZL_ESTORE;
out:
    sqlite3_finalize(st);
    return rc;
}

const struct zl_store_party_ops zl_sqlite_party_ops = {
    .base = {.name = "party", .schema = party_schema},
    .party_put = party_put,
    .party_get = party_get,
    .party_list = party_list,
    .gln_owner = gln_owner,
    .location_name = location_name,
    .location_get = location_get,
    .product_put = product_put,
    .product_get = product_get,
    .product_list = product_list,
    .token_put = token_put,
    .token_revoke = token_revoke,
    .token_get = token_get,
    .token_list = token_list,
    .prefix_owner = prefix_owner,
    .registry_put = registry_put,
    .registry_get = registry_get,
    .registry_each = registry_each,
    .registry_clear = registry_clear,
    .token_restore = token_restore,
    .registry_orphans = registry_orphans,
};
