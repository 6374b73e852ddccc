/*
 * pg_party.c - store_party.h on PostgreSQL: parties, their GLNs, GS1
 * Company Prefixes, kinds and regions, locations, products, API tokens and
 * the logged registry records. The twin of sqlite_party.c; conventions in
 * pg_int.h.
 *
 * Schema: the SQLite tables with PostgreSQL types and the same primary
 * keys. parties(id, uscc unique), party_gln(gln -> party),
 * party_prefixes(prefix -> party), party_kinds(party -> kind, region),
 * products(gtin), tokens(id -> party, sha256 hex, times) and
 * registry_records(key, seq -> kind, json bytea). Registries are small,
 * written rarely and read everywhere, so in a distributed deployment they
 * are Citus reference tables (a copy on every node): no serial or identity
 * column (registry seq is max + 1 under the writers' advisory lock) and no
 * foreign keys. A PostgreSQL store is born at the current schema, so the
 * SQLite backend's "added later" tables are simply part of it.
 *
 * Where SQLite lets a constraint fail to answer ZL_EEXIST (a new party or
 * token whose ID exists), this file inserts with ON CONFLICT DO NOTHING and
 * reads the affected-row count: an error would abort the whole
 * PostgreSQL transaction. SQLite's INSERT OR REPLACE of a party removes
 * every row it conflicts with (same ID or same USCC) before inserting;
 * here that is a DELETE of those rows, then the INSERT. Key columns (IDs,
 * GLNs, prefixes, GTINs, record keys) are text COLLATE "C", like
 * event_ids.id: rows come in SQLite's bytewise order whatever the
 * database's collation, the primary keys serve the ORDER BYs, and keys
 * compared across tables share one collation.
 *
 * A party is handed to its callback complete: its GLNs and prefixes are
 * read into results kept alive for the call (borrowed strings, no copies).
 *
 * Rejected: GLNs or prefixes as arrays in the party row (a GLN or prefix
 * must map back to exactly one party, which a primary key enforces for
 * free); one query joining a party with its GLNs and prefixes (a product
 * of both lists, to be taken apart again in C).
 */
#include "store/pg_int.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/strmap.h"

#include <stdio.h>
#include <string.h>

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS parties("
    " id text COLLATE \"C\" PRIMARY KEY, name_zh text NOT NULL,"
    " name_en text, uscc text UNIQUE, role text, address_zh text,"
    " address_en text, pubkey text);"
    "CREATE TABLE IF NOT EXISTS party_gln("
    " gln text COLLATE \"C\" PRIMARY KEY,"
    " party_id text COLLATE \"C\" NOT NULL, name_zh text, name_en text);"
    "CREATE INDEX IF NOT EXISTS party_gln_party ON party_gln(party_id);"
    "CREATE TABLE IF NOT EXISTS party_prefixes("
    " prefix text COLLATE \"C\" PRIMARY KEY,"
    " party_id text COLLATE \"C\" NOT NULL);"
    "CREATE INDEX IF NOT EXISTS party_prefixes_party"
    " ON party_prefixes(party_id);"
    "CREATE TABLE IF NOT EXISTS party_kinds("
    " party_id text COLLATE \"C\" PRIMARY KEY, kind bigint NOT NULL,"
    " region text);"
    "CREATE TABLE IF NOT EXISTS products("
    " gtin text COLLATE \"C\" PRIMARY KEY, name_zh text NOT NULL,"
    " name_en text, brand text, brand_en text);"
    "CREATE TABLE IF NOT EXISTS product_facts("
    " gtin text COLLATE \"C\" PRIMARY KEY, net_content text, standard text,"
    " hotline text, approval text,"
    " shelf_life_days bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS tokens("
    " id text COLLATE \"C\" PRIMARY KEY,"
    " party_id text COLLATE \"C\" NOT NULL, sha256 text NOT NULL,"
    " created_ms bigint NOT NULL, revoked_ms bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS registry_records("
    " key text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " kind text NOT NULL, json bytea NOT NULL, PRIMARY KEY(key, seq));";

/* rule_gen (admitted_sites.c) moves on every statement that writes what
 * a regulator's rule reads (zl_viewer_region_admits: a GLN's owner, a
 * party's kind and region), so the sites a handle keeps are asked again
 * (schema 30). */
const char zl_pg_party_rule_sql[] = ZL_PG_RULE_GEN ZL_PG_RULE_BUMP("parties")
    ZL_PG_RULE_BUMP("party_gln") ZL_PG_RULE_BUMP("party_kinds");

int zl_pg_party_rule_schema(zl_store *s)
{
    return zl_pg_exec(s, zl_pg_party_rule_sql);
}

static int party_schema(zl_store *s)
{
    int rc = zl_pg_exec(s, SCHEMA);

    return rc ? rc : zl_pg_party_rule_schema(s);
}

/* Copy the text column into out (cap bytes); "" for NULL. */
static void copy_col(const PGresult *r, int row, int col, char *out, size_t cap)
{
    const char *v = zl_pg_str(r, row, col);

    snprintf(out, cap, "%s", v ? v : "");
}

/* Run sql with one text parameter key, expecting at most one row:
 * 0 with *res (PQclear it) holding the row, ZL_ENOTFOUND, or an error. */
static int one_row(zl_store *s, const char *sql, const char *key,
                   PGresult **res)
{
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    *res = NULL;
    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    if (!(r = zl_pg_run(s, sql, &p, &rc)))
        return rc;
    if (PQntuples(r) < 1) {
        PQclear(r);
        return ZL_ENOTFOUND;
    }
    *res = r;
    return 0;
}

/* Run a two-parameter insert once per value: (vals[i], id). */
static int insert_each(zl_store *s, const char *sql, const char *const *vals,
                       size_t n, const char *id)
{
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        struct zl_pg_params p;

        zl_pg_params_init(&p);
        zl_pg_text(&p, vals[i]);
        zl_pg_text(&p, id);
        rc = zl_pg_do(s, sql, &p, NULL);
    }
    return rc;
}

/* ---- owners of GLNs and prefixes ----------------------------------------- */

/* ---- GLN owners read at once (schema 30) ----------------------------------
 * While a handle asks a read rule about every location (admitted_sites.c),
 * party_gln is read in one statement into the handle and gln_owner
 * answers from it: the rule looks up each location's owner, a round trip
 * a location otherwise (10^5 locations: ~4 s). It lives from
 * zl_pg_gln_bulk_begin to zl_pg_gln_bulk_end, within one asking, so it
 * never outlives what the asking itself reads. */
static const char GLN_BULK_KEY = 0;

static void gln_bulk_free(void *p)
{
    zl_strmap_cleanup(p, zl_free);
    zl_free(p);
}

int zl_pg_gln_bulk_begin(zl_store *s)
{
    static const char SQL[] = "SELECT gln, party_id FROM party_gln";
    struct zl_strmap *m = zl_calloc(1, sizeof *m);
    PGresult *r;
    int rc = 0;

    if (!m)
        return ZL_ENOMEM;
    zl_strmap_init(m, (size_t)1 << 26);
    if (!(r = zl_pg_run(s, SQL, NULL, &rc))) {
        gln_bulk_free(m);
        return rc;
    }
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        struct zl_strmap_entry *e =
            zl_strmap_put(m, zl_pg_str_or_empty(r, i, 0), NULL, &rc);

        if (e && !e->val && !(e->val = zl_strdup(zl_pg_str_or_empty(r, i, 1))))
            rc = ZL_ENOMEM;
    }
    PQclear(r);
    if (!rc && zl_store_module_set(s, &GLN_BULK_KEY, m, gln_bulk_free))
        rc = ZL_ENOMEM;
    if (rc)
        gln_bulk_free(m);
    return rc;
}

void zl_pg_gln_bulk_end(zl_store *s)
{
    zl_store_module_set(s, &GLN_BULK_KEY, NULL, NULL);
}

static int gln_owner(zl_store *s, const char *gln,
                     char party_id[ZL_PARTY_ID_MAX])
{
    static const char SQL[] = "SELECT party_id FROM party_gln WHERE gln = $1";
    struct zl_strmap *bulk = zl_store_module_state(s, &GLN_BULK_KEY);
    PGresult *r;
    int rc;

    if (bulk) {
        const char *owner = zl_strmap_get(bulk, gln);

        if (!owner)
            return ZL_ENOTFOUND;
        snprintf(party_id, ZL_PARTY_ID_MAX, "%s", owner);
        return 0;
    }
    if ((rc = one_row(s, SQL, gln, &r)))
        return rc;

    copy_col(r, 0, 0, party_id, ZL_PARTY_ID_MAX);
    PQclear(r);
    return 0;
}

static int exact_prefix_owner(zl_store *s, const char *prefix,
                              char party_id[ZL_PARTY_ID_MAX])
{
    static const char SQL[] =
        "SELECT party_id FROM party_prefixes WHERE prefix = $1";
    PGresult *r;
    int rc = one_row(s, SQL, prefix, &r);

    if (rc)
        return rc;
    copy_col(r, 0, 0, party_id, ZL_PARTY_ID_MAX);
    PQclear(r);
    return 0;
}

static int prefix_owner(zl_store *s, const char *digits,
                        char party_id[ZL_PARTY_ID_MAX], char prefix[13])
{
    /* Every candidate prefix length at once: the primary key answers each
     * IN term, the longest match wins. */
    static const char SQL[] =
        "SELECT party_id, prefix FROM party_prefixes WHERE prefix IN"
        " (substr($1::text, 1, 4), substr($1, 1, 5), substr($1, 1, 6),"
        " substr($1, 1, 7), substr($1, 1, 8), substr($1, 1, 9),"
        " substr($1, 1, 10), substr($1, 1, 11), substr($1, 1, 12))"
        " ORDER BY length(prefix) DESC LIMIT 1";
    PGresult *r;
    int rc;

    if (strlen(digits) < 4)
        return ZL_ENOTFOUND;
    if ((rc = one_row(s, SQL, digits, &r)))
        return rc;
    copy_col(r, 0, 0, party_id, ZL_PARTY_ID_MAX);
    if (prefix)
        copy_col(r, 0, 1, prefix, 13);
    PQclear(r);
    return 0;
}

/* ---- writing a party ----------------------------------------------------- */

/* Whether any GLN or prefix of p is held by another party: ZL_EEXIST, 0,
 * or an error. */
static int held_elsewhere(zl_store *s, const struct zl_party *p)
{
    char owner[ZL_PARTY_ID_MAX];
    size_t i;
    int rc;

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
    return 0;
}

/* The parties row: a new one (ZL_EEXIST when its ID or USCC is taken), or
 * replacing every row with its ID or its USCC (SQLite's INSERT OR
 * REPLACE). */
static int put_row(zl_store *s, const struct zl_party *p, int replace)
{
#define PARTY_INSERT                                                           \
    "INSERT INTO parties(id, name_zh, name_en, uscc, role, address_zh,"        \
    " address_en, pubkey) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
    static const char NEW[] = PARTY_INSERT " ON CONFLICT DO NOTHING";
    static const char REPLACE[] = PARTY_INSERT;
#undef PARTY_INSERT
    static const char DROP[] =
        "DELETE FROM parties WHERE id = $1 OR uscc = $2::text";
    struct zl_pg_params p8;
    int64_t n = 0;
    int rc;

    if (replace) {
        struct zl_pg_params p2;

        zl_pg_params_init(&p2);
        zl_pg_text(&p2, p->id);
        zl_pg_text(&p2, p->uscc);
        if ((rc = zl_pg_do(s, DROP, &p2, NULL)))
            return rc;
    }
    zl_pg_params_init(&p8);
    zl_pg_text(&p8, p->id);
    zl_pg_text(&p8, p->name_zh);
    zl_pg_text(&p8, p->name_en);
    zl_pg_text(&p8, p->uscc);
    zl_pg_text(&p8, p->role);
    zl_pg_text(&p8, p->address_zh);
    zl_pg_text(&p8, p->address_en);
    zl_pg_text(&p8, p->pubkey_b64);
    if ((rc = zl_pg_do(s, replace ? REPLACE : NEW, &p8, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

/* The party's GLN rows: drop those it no longer holds (keeping the names
 * of the others), add the new ones. */
static int put_glns(zl_store *s, const struct zl_party *p)
{
    static const char DROP[] =
        "DELETE FROM party_gln WHERE party_id = $1 AND gln NOT IN"
        " (SELECT jsonb_array_elements_text($2::jsonb))";
    static const char ADD[] = "INSERT INTO party_gln(gln, party_id)"
                              " VALUES($1, $2) ON CONFLICT DO NOTHING";
    struct zl_pg_params p2;
    struct zl_buf list;
    int rc;

    zl_buf_init(&list, (size_t)1 << 20);
    rc = zl_buf_addc(&list, '[');
    for (size_t i = 0; i < p->n_glns && !rc; i++) {
        if (i)
            rc = zl_buf_addc(&list, ',');
        if (!rc)
            rc = zl_buf_add_json_string(&list, p->glns[i]);
    }
    if (!rc)
        rc = zl_buf_addc(&list, ']');
    if (!rc) {
        zl_pg_params_init(&p2);
        zl_pg_text(&p2, p->id);
        zl_pg_text(&p2, list.data);
        rc = zl_pg_do(s, DROP, &p2, NULL);
    }
    zl_buf_cleanup(&list);
    if (!rc)
        rc = insert_each(s, ADD, p->glns, p->n_glns, p->id);
    return rc;
}

/* Replace the party's prefix rows and its kind row. */
static int put_prefixes_kind(zl_store *s, const struct zl_party *pr)
{
    static const char DROP[] = "DELETE FROM party_prefixes WHERE party_id = $1";
    static const char ADD[] = "INSERT INTO party_prefixes(prefix, party_id)"
                              " VALUES($1, $2) ON CONFLICT(prefix) DO NOTHING";
    static const char KIND[] =
        "INSERT INTO party_kinds(party_id, kind, region) VALUES($1, $2, $3)"
        " ON CONFLICT(party_id) DO UPDATE SET kind = excluded.kind,"
        " region = excluded.region";
    struct zl_pg_params p;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, pr->id);
    if ((rc = zl_pg_do(s, DROP, &p, NULL)) ||
        (rc = insert_each(s, ADD, pr->prefixes, pr->n_prefixes, pr->id)))
        return rc;
    zl_pg_params_init(&p);
    zl_pg_text(&p, pr->id);
    zl_pg_int(&p, (int64_t)pr->kind);
    zl_pg_text(&p, pr->region);
    return zl_pg_do(s, KIND, &p, NULL);
}

static int party_put(zl_store *s, const struct zl_party *p, int replace)
{
    int rc = held_elsewhere(s, p);

    if (!rc)
        rc = put_row(s, p, replace);
    if (!rc)
        rc = put_glns(s, p);
    if (!rc)
        rc = put_prefixes_kind(s, p);
    return rc;
}

/* ---- reading parties ----------------------------------------------------- */

#define PARTY_COLS                                                             \
    "id, name_zh, name_en, uscc, role, address_zh, address_en, pubkey"

/* Call cb with the party of row i of r (PARTY_COLS), its GLNs, prefixes,
 * kind and region gathered. */
static int emit_party(zl_store *s, const PGresult *r, int i, zl_party_cb cb,
                      void *ctx)
{
    static const char GLNS[] = "SELECT gln FROM party_gln WHERE party_id = $1"
                               " ORDER BY gln";
    static const char PREFIXES[] =
        "SELECT prefix FROM party_prefixes WHERE party_id = $1"
        " ORDER BY prefix";
    static const char KIND[] =
        "SELECT kind, region FROM party_kinds WHERE party_id = $1";
    const char *glns[ZL_PARTY_MAX_GLNS], *pre[ZL_PARTY_MAX_PREFIXES];
    PGresult *g = NULL, *x = NULL, *k = NULL;
    struct zl_pg_params p;
    struct zl_party party;
    int rc, n;

    memset(&party, 0, sizeof party);
    party.id = zl_pg_str(r, i, 0);
    party.name_zh = zl_pg_str(r, i, 1);
    party.name_en = zl_pg_str(r, i, 2);
    party.uscc = zl_pg_str(r, i, 3);
    party.role = zl_pg_str(r, i, 4);
    party.address_zh = zl_pg_str(r, i, 5);
    party.address_en = zl_pg_str(r, i, 6);
    party.pubkey_b64 = zl_pg_str(r, i, 7);
    zl_pg_params_init(&p);
    zl_pg_text(&p, party.id);
    if (!(g = zl_pg_run(s, GLNS, &p, &rc)) ||
        !(x = zl_pg_run(s, PREFIXES, &p, &rc)) ||
        !(k = zl_pg_run(s, KIND, &p, &rc)))
        goto out;
    for (n = 0; n < PQntuples(g) && n < ZL_PARTY_MAX_GLNS; n++)
        glns[n] = zl_pg_str(g, n, 0);
    party.glns = glns;
    party.n_glns = (size_t)n;
    for (n = 0; n < PQntuples(x) && n < ZL_PARTY_MAX_PREFIXES; n++)
        pre[n] = zl_pg_str(x, n, 0);
    party.prefixes = pre;
    party.n_prefixes = (size_t)n;
    if (PQntuples(k) > 0) {
        party.kind = (enum zl_party_kind)zl_pg_i64(k, 0, 0);
        party.region = zl_pg_str(k, 0, 1);
    }
    rc = cb(ctx, &party);
out:
    PQclear(g);
    PQclear(x);
    PQclear(k);
    return rc;
}

/* Run sql (rows of PARTY_COLS) and emit each party; *found counts them. */
static int each_party(zl_store *s, const char *sql,
                      const struct zl_pg_params *p, zl_party_cb cb, void *ctx,
                      int *found)
{
    int rc;
    PGresult *r = zl_pg_run(s, sql, p, &rc);

    if (!r)
        return rc;
    *found = PQntuples(r);
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++)
        rc = emit_party(s, r, i, cb, ctx);
    PQclear(r);
    return rc;
}

static int party_get(zl_store *s, const char *key, zl_party_cb cb, void *ctx)
{
    /* A key that is one party's ID and another's USCC or GLN names the
     * first: ID, then USCC, then GLN. */
    static const char SQL[] =
        "SELECT " PARTY_COLS " FROM parties WHERE id = $1::text OR uscc = $1"
        " OR id IN (SELECT party_id FROM party_gln WHERE gln = $1)"
        " ORDER BY id = $1 DESC, coalesce(uscc = $1, false) DESC LIMIT 1";
    struct zl_pg_params p;
    int rc, found = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    rc = each_party(s, SQL, &p, cb, ctx, &found);
    if (rc == 0 && !found)
        rc = ZL_ENOTFOUND;
    return rc;
}

static int party_list(zl_store *s, zl_party_cb cb, void *ctx)
{
    static const char SQL[] = "SELECT " PARTY_COLS " FROM parties ORDER BY id";
    int found = 0;

    return each_party(s, SQL, NULL, cb, ctx, &found);
}

/* ---- locations ----------------------------------------------------------- */

static int location_name(zl_store *s, const char *gln, const char *name_zh,
                         const char *name_en)
{
    static const char SQL[] =
        "UPDATE party_gln SET name_zh = $1, name_en = $2 WHERE gln = $3";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, name_zh);
    zl_pg_text(&p, name_en);
    zl_pg_text(&p, gln);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n > 0 ? 0 : ZL_ENOTFOUND;
}

static int location_get(zl_store *s, const char *gln, zl_location_cb cb,
                        void *ctx)
{
    static const char SQL[] = "SELECT gln, party_id, name_zh, name_en"
                              " FROM party_gln WHERE gln = $1";
    struct zl_location l;
    PGresult *r;
    int rc = one_row(s, SQL, gln, &r);

    if (rc)
        return rc;
    l.gln = zl_pg_str(r, 0, 0);
    l.party_id = zl_pg_str(r, 0, 1);
    l.name_zh = zl_pg_str(r, 0, 2);
    l.name_en = zl_pg_str(r, 0, 3);
    rc = cb(ctx, &l);
    PQclear(r);
    return rc;
}

/* ---- products ------------------------------------------------------------ */

static int product_put(zl_store *s, const struct zl_product *pr)
{
    static const char SQL[] =
        "INSERT INTO products(gtin, name_zh, name_en, brand, brand_en)"
        " VALUES($1, $2, $3, $4, $5) ON CONFLICT(gtin) DO UPDATE SET"
        " name_zh = excluded.name_zh, name_en = excluded.name_en,"
        " brand = excluded.brand, brand_en = excluded.brand_en";
    static const char FACTS[] =
        "INSERT INTO product_facts VALUES($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT(gtin) DO UPDATE SET net_content = excluded.net_content,"
        " standard = excluded.standard, hotline = excluded.hotline,"
        " approval = excluded.approval,"
        " shelf_life_days = excluded.shelf_life_days";
    struct zl_pg_params p;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, pr->gtin);
    zl_pg_text(&p, pr->name_zh);
    zl_pg_text(&p, pr->name_en);
    zl_pg_text(&p, pr->brand);
    zl_pg_text(&p, pr->brand_en);
    if ((rc = zl_pg_do(s, SQL, &p, NULL)))
        return rc;
    zl_pg_params_init(&p);
    zl_pg_text(&p, pr->gtin);
    zl_pg_text(&p, pr->net_content);
    zl_pg_text(&p, pr->standard);
    zl_pg_text(&p, pr->hotline);
    zl_pg_text(&p, pr->approval);
    zl_pg_int(&p, pr->shelf_life_days);
    return zl_pg_do(s, FACTS, &p, NULL);
}

/* A product with what its pack declares (no facts row: none declared). */
#define PRODUCT_SELECT                                                         \
    "SELECT p.gtin, p.name_zh, p.name_en, p.brand, p.brand_en,"                \
    " f.net_content, f.standard, f.hotline, f.approval,"                       \
    " coalesce(f.shelf_life_days, 0)"                                          \
    " FROM products p LEFT JOIN product_facts f ON f.gtin = p.gtin"

/* Run sql (rows of PRODUCT_COLS) and call cb per product; *found counts
 * them. */
static int each_product(zl_store *s, const char *sql,
                        const struct zl_pg_params *p, zl_product_cb cb,
                        void *ctx, int *found)
{
    struct zl_product pr;
    int rc;
    PGresult *r = zl_pg_run(s, sql, p, &rc);

    if (!r)
        return rc;
    *found = PQntuples(r);
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        pr.gtin = zl_pg_str(r, i, 0);
        pr.name_zh = zl_pg_str(r, i, 1);
        pr.name_en = zl_pg_str(r, i, 2);
        pr.brand = zl_pg_str(r, i, 3);
        pr.brand_en = zl_pg_str(r, i, 4);
        pr.net_content = zl_pg_str(r, i, 5);
        pr.standard = zl_pg_str(r, i, 6);
        pr.hotline = zl_pg_str(r, i, 7);
        pr.approval = zl_pg_str(r, i, 8);
        pr.shelf_life_days = (int)zl_pg_i64(r, i, 9);
        rc = cb(ctx, &pr);
    }
    PQclear(r);
    return rc;
}

static int product_get(zl_store *s, const char *gtin14, zl_product_cb cb,
                       void *ctx)
{
    static const char SQL[] = PRODUCT_SELECT " WHERE p.gtin = $1";
    struct zl_pg_params p;
    int rc, found = 0;

    zl_pg_params_init(&p);
    zl_pg_text(&p, gtin14);
    rc = each_product(s, SQL, &p, cb, ctx, &found);
    if (rc == 0 && !found)
        rc = ZL_ENOTFOUND;
    return rc;
}

static int product_list(zl_store *s, zl_product_cb cb, void *ctx)
{
    static const char SQL[] = PRODUCT_SELECT " ORDER BY p.gtin";
    int found = 0;

    return each_product(s, SQL, NULL, cb, ctx, &found);
}

/* ---- tokens -------------------------------------------------------------- */

static int token_put(zl_store *s, const char *id, const char *party_id,
                     const char *hash_hex, int64_t created_ms)
{
    static const char SQL[] =
        "INSERT INTO tokens(id, party_id, sha256, created_ms, revoked_ms)"
        " VALUES($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, id);
    zl_pg_text(&p, party_id);
    zl_pg_text(&p, hash_hex);
    zl_pg_int(&p, created_ms);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n ? 0 : ZL_EEXIST;
}

static int token_revoke(zl_store *s, const char *id, int64_t now_ms)
{
    static const char SQL[] =
        "UPDATE tokens SET revoked_ms = CASE WHEN revoked_ms = 0 THEN $1"
        " ELSE revoked_ms END WHERE id = $2";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_int(&p, now_ms);
    zl_pg_text(&p, id);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n > 0 ? 0 : ZL_ENOTFOUND;
}

static int token_get(zl_store *s, const char *id,
                     char party_id[ZL_PARTY_ID_MAX], char hash_hex[65],
                     int64_t *revoked_ms)
{
    static const char SQL[] =
        "SELECT party_id, sha256, revoked_ms FROM tokens WHERE id = $1";
    PGresult *r;
    int rc = one_row(s, SQL, id, &r);

    if (rc)
        return rc;
    copy_col(r, 0, 0, party_id, ZL_PARTY_ID_MAX);
    copy_col(r, 0, 1, hash_hex, 65);
    *revoked_ms = zl_pg_i64(r, 0, 2);
    PQclear(r);
    return 0;
}

static int token_list(zl_store *s, const char *party_id, zl_token_cb cb,
                      void *ctx)
{
    static const char SQL[] =
        "SELECT id, party_id, created_ms, revoked_ms FROM tokens"
        " WHERE $1::text IS NULL OR party_id = $1"
        " ORDER BY created_ms, id";
    struct zl_token_info t;
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, party_id);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        t.id = zl_pg_str(r, i, 0);
        t.party_id = zl_pg_str(r, i, 1);
        t.created_ms = zl_pg_i64(r, i, 2);
        t.revoked_ms = zl_pg_i64(r, i, 3);
        rc = cb(ctx, &t);
    }
    PQclear(r);
    return rc;
}

static int token_restore(zl_store *s, const char *id, const char *party_id,
                         int64_t created_ms, int64_t revoked_ms)
{
    static const char SQL[] =
        "UPDATE tokens SET party_id = $1, created_ms = $2, revoked_ms = $3"
        " WHERE id = $4";
    struct zl_pg_params p;
    int64_t n = 0;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, party_id);
    zl_pg_int(&p, created_ms);
    zl_pg_int(&p, revoked_ms);
    zl_pg_text(&p, id);
    if ((rc = zl_pg_do(s, SQL, &p, &n)))
        return rc;
    return n > 0 ? 0 : ZL_ENOTFOUND;
}

/* ---- registry records ---------------------------------------------------- */

static int registry_put(zl_store *s, const char *key, const char *kind,
                        const char *json, size_t len, long *seq)
{
    /* seq is max + 1 of the key: writers hold the advisory lock */
    static const char SQL[] =
        "INSERT INTO registry_records(key, seq, kind, json)"
        " SELECT $1::text, coalesce(max(seq), 0) + 1, $2::text, $3::bytea"
        " FROM registry_records WHERE key = $1 RETURNING seq";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    zl_pg_text(&p, kind);
    zl_pg_blob(&p, json, len);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    if (PQntuples(r) == 1)
        *seq = (long)zl_pg_i64(r, 0, 0);
    else
        rc = ZL_ESTORE;
    PQclear(r);
    return rc;
}

static int registry_get(zl_store *s, const char *key, long seq, char **json,
                        size_t *len)
{
    static const char SQL[] =
        "SELECT json FROM registry_records WHERE key = $1 AND seq = $2";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_text(&p, key);
    zl_pg_int(&p, seq);
    return zl_pg_get_value(s, SQL, &p, json, len);
}

static int registry_each(zl_store *s, int last_only, zl_store_registry_cb cb,
                         void *ctx)
{
    static const char LAST[] =
        "SELECT key, seq, kind, json FROM registry_records r"
        " WHERE seq = (SELECT max(seq) FROM registry_records"
        " WHERE key = r.key) ORDER BY key";
    static const char ALL[] = "SELECT key, seq, kind, json FROM"
                              " registry_records ORDER BY key,"
                              " seq";
    int rc;
    PGresult *r = zl_pg_run(s, last_only ? LAST : ALL, NULL, &rc);

    if (!r)
        return rc;
    for (int i = 0, n = PQntuples(r); i < n && !rc; i++) {
        const uint8_t *b = zl_pg_bytes(r, i, 3);

        rc = cb(ctx, zl_pg_str(r, i, 0), (long)zl_pg_i64(r, i, 1),
                zl_pg_str(r, i, 2), b ? (const char *)b : "",
                zl_pg_len(r, i, 3));
    }
    PQclear(r);
    return rc;
}

static int registry_clear(zl_store *s)
{
    return zl_pg_exec(s, "DELETE FROM parties; DELETE FROM party_gln;"
                         " DELETE FROM party_prefixes;"
                         " DELETE FROM party_kinds; DELETE FROM products;"
                         " DELETE FROM product_facts");
}

/* Rows of party_gln, party_prefixes and party_kinds whose party is not in
 * parties: cb(ctx, "<table>:<key>"), table by table, keys in order. */
static int registry_orphans(zl_store *s, zl_store_registry_key_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT k FROM ("
        " SELECT 1 AS t, gln AS key, 'party_gln:' || gln AS k FROM party_gln"
        " WHERE party_id NOT IN (SELECT id FROM parties) UNION ALL"
        " SELECT 2, prefix, 'party_prefixes:' || prefix FROM party_prefixes"
        " WHERE party_id NOT IN (SELECT id FROM parties) UNION ALL"
        " SELECT 3, party_id, 'party_kinds:' || party_id FROM party_kinds"
        " WHERE party_id NOT IN (SELECT id FROM parties) UNION ALL"
        " SELECT 4, gtin, 'product_facts:' || gtin FROM product_facts"
        " WHERE gtin NOT IN (SELECT gtin FROM products)) o"
        " ORDER BY t, key";

    return zl_pg_each_text(s, SQL, NULL, cb, ctx);
}

const struct zl_store_party_ops zl_pg_party_ops = {
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
