/*
 * test_party.c - parties, products, tokens and the location check on a
 * temporary store.
 *
 * Known answers: USCCs and GLNs with their check characters from the demo
 * master data (checked independently against GB 32100 and GS1 mod 10);
 * tokens: a secret never reaches the database file, a tampered or revoked
 * token fails. The location check is compared with a naive model (sets of
 * GLNs per party, the rule written out directly) on random events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/alloc.h"
#include "zhiliang/party.h"
#include "zhiliang/zhiliang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "read_file.h"

#define FIXTURE_NAME "test-party"
#include "store_fixture.h"

/* Valid demo identities (GB 32100 check char, GS1 mod-10 check digit). */
#define USCC_PLANT "91130102117504341K"
#define USCC_FARM  "91130102211618732R"
static const char *PLANT_GLNS[] = {"6940277700002", "6940277700019",
                                   "6940277700026"};
static const char *FARM_GLNS[] = {"6915669000008", "6915669000015"};

static int add_two(zl_store *s)
{
    struct zl_party p;
    struct zl_error err;
    int rc;

    memset(&p, 0, sizeof p);
    p.name_zh = "长青乳业股份有限公司";
    p.name_en = "Changqing Dairy";
    p.uscc = USCC_PLANT;
    p.glns = PLANT_GLNS;
    p.n_glns = 3;
    if ((rc = zl_party_add(s, &p, 0, NULL, &err)))
        return rc;
    memset(&p, 0, sizeof p);
    p.name_zh = "牧场";
    p.uscc = USCC_FARM;
    p.glns = FARM_GLNS;
    p.n_glns = 2;
    return zl_party_add(s, &p, 0, NULL, &err);
}

struct got {
    char id[ZL_PARTY_ID_MAX];
    char name[128];
    size_t n_glns;
    int calls;
};

static int got_cb(void *ctx, const struct zl_party *p)
{
    struct got *g = ctx;

    snprintf(g->id, sizeof g->id, "%s", p->id);
    snprintf(g->name, sizeof g->name, "%s", p->name_zh);
    g->n_glns = p->n_glns;
    g->calls++;
    return 0;
}

static void test_party_add_get(void **state)
{
    struct fixture *f = *state;
    struct zl_party p;
    struct zl_error err;
    struct got g;
    char id[ZL_PARTY_ID_MAX];
    const char *bad_gln[] = {"6940277700003"};
    const char *taken[] = {"6940277700019"};

    assert_int_equal(add_two(f->s), 0);
    /* by ID (= USCC), by GLN */
    memset(&g, 0, sizeof g);
    assert_int_equal(zl_party_get(f->s, USCC_PLANT, got_cb, &g), 0);
    assert_string_equal(g.id, USCC_PLANT);
    assert_int_equal(g.n_glns, 3);
    memset(&g, 0, sizeof g);
    assert_int_equal(zl_party_get(f->s, "6940277700026", got_cb, &g), 0);
    assert_string_equal(g.id, USCC_PLANT);
    assert_int_equal(zl_party_get(f->s, "6900000000000", got_cb, &g),
                     ZL_ENOTFOUND);
    /* duplicate ID */
    memset(&p, 0, sizeof p);
    p.name_zh = "x";
    p.uscc = USCC_PLANT;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EEXIST);
    /* wrong USCC check character (K -> J) */
    p.uscc = "91130102117504341J";
    assert_true(zl_party_add(f->s, &p, 0, NULL, &err) < 0);
    /* wrong GLN check digit */
    memset(&p, 0, sizeof p);
    p.name_zh = "x";
    p.id = "x1";
    p.glns = bad_gln;
    p.n_glns = 1;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_ECHECK);
    assert_string_equal(err.value, "6940277700003");
    /* a GLN held by another party */
    p.glns = taken;
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EEXIST);
    /* no USCC: ID from the first GLN */
    const char *own[] = {"6904642000005"};
    p.id = NULL;
    p.glns = own;
    assert_int_equal(zl_party_add(f->s, &p, 0, id, &err), 0);
    assert_string_equal(id, "gln:6904642000005");
    /* a public key must be 32 bytes of base64 */
    memset(&p, 0, sizeof p);
    p.name_zh = "k";
    p.id = "k1";
    p.pubkey_b64 = "AAAA";
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), ZL_EINVAL);
    p.pubkey_b64 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    assert_int_equal(zl_party_add(f->s, &p, 0, NULL, &err), 0);
}

static int count_cb(void *ctx, const struct zl_party *p)
{
    (void)p;
    (*(int *)ctx)++;
    return 0;
}

struct prod {
    char zh[64], en[64], brand[64];
};

static int prod_cb(void *ctx, const struct zl_product *p)
{
    struct prod *q = ctx;

    snprintf(q->zh, sizeof q->zh, "%s", p->name_zh);
    snprintf(q->en, sizeof q->en, "%s", p->name_en ? p->name_en : "");
    snprintf(q->brand, sizeof q->brand, "%s", p->brand ? p->brand : "");
    return 0;
}

struct locn {
    char party[ZL_PARTY_ID_MAX], zh[64];
};

static int loc_cb(void *ctx, const struct zl_location *l)
{
    struct locn *q = ctx;

    snprintf(q->party, sizeof q->party, "%s", l->party_id);
    snprintf(q->zh, sizeof q->zh, "%s", l->name_zh ? l->name_zh : "");
    return 0;
}

static void test_import(void **state)
{
    struct fixture *f = *state;
    struct zl_error err;
    struct prod pr;
    struct locn ln;
    size_t np = 0, nq = 0;
    int n = 0;
    /* The shape `zhiliang demo generate` writes. */
    static const char doc[] =
        "{\"parties\":[{\"uscc\":\"" USCC_PLANT "\",\"nameZh\":\"长青乳业\","
        "\"nameEn\":\"Changqing Dairy\",\"role\":\"dairy_plant\","
        "\"gln\":\"6940277700002\",\"locations\":[{\"gln\":\"6940277700019\","
        "\"nameZh\":\"主厂区\",\"nameEn\":\"main site\"}],\"address\":"
        "{\"country\":\"CN\",\"province\":\"河北省\",\"city\":\"石家庄市\","
        "\"street\":\"建设路12号\"}}],"
        "\"products\":[{\"gtin\":\"06902310001019\",\"nameZh\":\"纯牛奶\","
        "\"nameEn\":\"Whole milk\",\"brandZh\":\"长青\",\"brandEn\":null}]}";
    static const char bad[] =
        "{\"parties\":[{\"id\":\"ok1\",\"nameZh\":\"好\",\"gln\":"
        "\"6915669000008\"},"
        "{\"id\":\"bad\",\"nameZh\":\"坏\",\"gln\":\"6915669000009\"}]}";

    assert_int_equal(
        zl_party_import_json(f->s, doc, sizeof doc - 1, &np, &nq, &err), 0);
    assert_int_equal(np, 1);
    assert_int_equal(nq, 1);
    /* GTIN-13 finds the GTIN-14 row */
    assert_int_equal(zl_product_get(f->s, "6902310001019", prod_cb, &pr), 0);
    assert_string_equal(pr.zh, "纯牛奶");
    assert_string_equal(pr.brand, "长青");
    assert_int_equal(zl_location_get(f->s,
                                     "https://id.gs1.org/414/6940277700019",
                                     loc_cb, &ln),
                     0);
    assert_string_equal(ln.party, USCC_PLANT);
    assert_string_equal(ln.zh, "主厂区");
    /* importing again replaces, keeps the location's name */
    assert_int_equal(
        zl_party_import_json(f->s, doc, sizeof doc - 1, &np, &nq, &err), 0);
    assert_int_equal(zl_location_get(f->s, "6940277700019", loc_cb, &ln), 0);
    assert_string_equal(ln.zh, "主厂区");
    /* all or nothing: the second party's bad GLN undoes the first */
    assert_int_equal(
        zl_party_import_json(f->s, bad, sizeof bad - 1, &np, &nq, &err),
        ZL_ECHECK);
    assert_string_equal(err.path, "$.parties[1].glns");
    zl_party_list(f->s, count_cb, &n);
    assert_int_equal(n, 1);
    assert_int_equal(zl_party_import_json(f->s, "[1]", 3, NULL, NULL, &err),
                     ZL_ESYNTAX);
}

static int tok_cb(void *ctx, const struct zl_token_info *t)
{
    (*(int *)ctx) += t->revoked_ms ? 100 : 1;
    return 0;
}

/* 1 if needle occurs in the file's bytes (the database and its WAL). */
static int file_contains(const char *path, const char *needle)
{
    size_t n = strlen(needle), have = 0;
    char *buf = slurp(path, &have);
    int found = 0;

    if (!buf)
        return 0;
    for (size_t i = 0; i + n <= have && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

/* 1 if needle occurs in any row of the PostgreSQL store s, as text or
 * (bytea columns print as hex) as the hex of its bytes. */
static int pg_store_contains(zl_store *s, const char *needle)
{
    PGconn *c = zl_pg_of(s)->conn;
    PGresult *t = PQexec(c, "SELECT tablename FROM pg_tables"
                            " WHERE schemaname = current_schema()");
    char hex[256], q[256];
    const char *vals[2] = {needle, hex};
    int found = 0;

    assert_true(strlen(needle) * 2 < sizeof hex);
    for (size_t i = 0; needle[i]; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)needle[i]);
    assert_int_equal(PQresultStatus(t), PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(t) && !found; i++) {
        PGresult *r;

        snprintf(q, sizeof q,
                 "SELECT count(*) FROM \"%s\" t WHERE strpos(t::text, $1) > 0"
                 " OR strpos(t::text, $2) > 0",
                 PQgetvalue(t, i, 0));
        r = PQexecParams(c, q, 2, NULL, vals, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        found = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
        PQclear(r);
    }
    PQclear(t);
    return found;
}

static void test_tokens(void **state)
{
    struct fixture *f = *state;
    char tok[ZL_TOKEN_MAX], tid[ZL_TOKEN_ID_MAX], party[ZL_PARTY_ID_MAX];
    char bad[ZL_TOKEN_MAX], wal[300];
    int n = 0;

    assert_int_equal(add_two(f->s), 0);
    /* named by GLN, bound to the party's ID */
    assert_int_equal(zl_token_create(f->s, "6940277700019", tok, tid), 0);
    assert_int_equal(strlen(tok), 4 + 16 + 1 + 43);
    assert_memory_equal(tok, "zlt_", 4);
    assert_memory_equal(tok + 4, tid, 16);
    assert_int_equal(zl_token_verify(f->s, tok, strlen(tok), party), 0);
    assert_string_equal(party, USCC_PLANT);
    /* the secret part is stored nowhere (only its SHA-256) */
    if (fixture_is_pg(f->uri)) {
        assert_false(pg_store_contains(f->s, tok + 21));
        assert_true(pg_store_contains(f->s, tid));
    } else {
        snprintf(wal, sizeof wal, "%s-wal", f->path);
        assert_false(file_contains(f->path, tok + 21));
        assert_false(file_contains(wal, tok + 21));
        assert_true(file_contains(f->path, tid) || file_contains(wal, tid));
    }
    /* any changed character fails */
    for (size_t i = 0; i < strlen(tok); i++) {
        memcpy(bad, tok, sizeof bad);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_int_equal(zl_token_verify(f->s, bad, strlen(bad), party),
                         ZL_EPERM);
    }
    assert_int_equal(zl_token_verify(f->s, tok, strlen(tok) - 1, party),
                     ZL_EPERM);
    assert_int_equal(zl_token_verify(f->s, "", 0, party), ZL_EPERM);
    assert_int_equal(zl_token_verify(f->s, "Bearer", 6, party), ZL_EPERM);
    /* unknown party */
    assert_int_equal(zl_token_create(f->s, "nobody", tok + 0, tid),
                     ZL_ENOTFOUND);
    assert_int_equal(zl_token_create(f->s, USCC_PLANT, tok, tid), 0);
    zl_token_list(f->s, NULL, tok_cb, &n);
    assert_int_equal(n, 2);
    /* revoke */
    assert_int_equal(zl_token_revoke(f->s, tid), 0);
    assert_int_equal(zl_token_revoke(f->s, tid), 0);
    assert_int_equal(zl_token_verify(f->s, tok, strlen(tok), party), ZL_EPERM);
    assert_int_equal(zl_token_revoke(f->s, "0000000000000000"), ZL_ENOTFOUND);
    n = 0;
    zl_token_list(f->s, USCC_PLANT, tok_cb, &n);
    assert_int_equal(n, 101);
}

/* ---- location check against a naive model -------------------------------- */

static const char *gln_dl(char out[64], const char *gln, int pgln)
{
    snprintf(out, 64, "https://id.gs1.org/%s/%s", pgln ? "417" : "414", gln);
    return out;
}

/* The rule written out directly over literal sets. */
static int naive_allowed(int party, int rp, int bl, const int *src, size_t ns,
                         const int *dst, size_t nd)
{
    /* GLN index -> owner: 0..2 plant (party 0), 3..4 farm (party 1),
     * 5 nobody; -1 = absent */
    static const int owner[] = {0, 0, 0, 1, 1, -1};
    size_t i;

    if (rp >= 0 && owner[rp] != party)
        return 0;
    if (bl >= 0 && owner[bl] != party)
        return 0;
    if (!ns && !nd)
        return 1;
    for (i = 0; i < ns; i++)
        if (owner[src[i]] == party)
            return 1;
    for (i = 0; i < nd; i++)
        if (owner[dst[i]] == party)
            return 1;
    return 0;
}

static void test_location_check(void **state)
{
    struct fixture *f = *state;
    static const char *all[] = {"6940277700002", "6940277700019",
                                "6940277700026", "6915669000008",
                                "6915669000015", "6904642000005"};
    static const char *parties[] = {USCC_PLANT, USCC_FARM};
    char rpb[64], blb[64], sb[3][64], db[3][64];
    struct zl_typed_ref src[3], dst[3];
    struct zl_error err;
    unsigned seed = 12345;
    int iter, agree = 0;

    assert_int_equal(add_two(f->s), 0);
    for (iter = 0; iter < 3000; iter++) {
        struct zl_event ev;
        int rp, bl, party, s_idx[3], d_idx[3], rc, want;
        size_t ns, nd, i;

        memset(&ev, 0, sizeof ev);
        seed = seed * 1103515245u + 12345u;
        party = (seed >> 16) & 1;
        rp = (int)((seed >> 8) % 7) - 1;
        seed = seed * 1103515245u + 12345u;
        bl = (int)((seed >> 8) % 7) - 1;
        ns = (seed >> 20) % 3;
        nd = (seed >> 24) % 3;
        for (i = 0; i < ns; i++) {
            seed = seed * 1103515245u + 12345u;
            s_idx[i] = (int)((seed >> 8) % 6);
            src[i].type = "https://ref.gs1.org/cbv/SDT-owning_party";
            src[i].value = gln_dl(sb[i], all[s_idx[i]], (seed >> 4) & 1);
        }
        for (i = 0; i < nd; i++) {
            seed = seed * 1103515245u + 12345u;
            d_idx[i] = (int)((seed >> 8) % 6);
            dst[i].type = "https://ref.gs1.org/cbv/SDT-location";
            dst[i].value = gln_dl(db[i], all[d_idx[i]], (seed >> 4) & 1);
        }
        ev.read_point = rp >= 0 ? gln_dl(rpb, all[rp], 0) : NULL;
        ev.biz_location = bl >= 0 ? gln_dl(blb, all[bl], 0) : NULL;
        ev.sources = src;
        ev.n_sources = ns;
        ev.destinations = dst;
        ev.n_destinations = nd;
        memset(&err, 0, sizeof err);
        rc = zl_party_check_event(f->s, parties[party], &ev, &err);
        want = naive_allowed(party, rp, bl, s_idx, ns, d_idx, nd);
        assert_true(rc == 0 || rc == ZL_EPERM);
        if ((rc == 0) != want)
            fail_msg("iteration %d: party %d rp %d bl %d: got %d want %d", iter,
                     party, rp, bl, rc, want);
        if (rc == ZL_EPERM)
            assert_true(err.path[0] != '\0');
        agree++;
    }
    assert_int_equal(agree, 3000);
    /* a private (non-GS1) location never belongs to anyone */
    {
        struct zl_event ev;
        memset(&ev, 0, sizeof ev);
        ev.biz_location = "urn:example:loc:1";
        assert_int_equal(zl_party_check_event(f->s, USCC_PLANT, &ev, &err),
                         ZL_EPERM);
        assert_string_equal(err.path, "bizLocation.id");
        /* SGLN with an extension (254) is the same GLN */
        ev.biz_location = "urn:epc:id:sgln:6940277.70000.dock1";
        assert_int_equal(zl_party_check_event(f->s, USCC_PLANT, &ev, &err), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_party_add_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
