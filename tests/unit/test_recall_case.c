/*
 * test_recall_case.c - recall scope golden files and recall cases.
 *
 * The chain (tests/golden/recall/chain.jsonld, parties.json) is small and
 * hand-built so every expected figure can be checked by reading it: a
 * farm harvests raw milk lot RAW-1 (1000 KGM), ships it to a plant, which
 * turns it into lot BATCH-7 of four serialised cartons S1..S4, packs S1,
 * S2 and an unrelated yoghurt X1 into case C1 and S3, S4 into C2, both on
 * pallet P1; P1 goes to a distribution centre, is unpacked, C1 goes to
 * store A (which sells S1), C2 to store B.
 *
 * Golden files: scope.json and scope.csv are compared byte for byte. Run
 * with ZL_UPDATE_GOLDEN=1 to rewrite them after a deliberate change (and
 * read the diff).
 */
#include "zhiliang/recall.h"

#include "store/store.h"
#include "store/store_recall.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "zhiliang/audit.h"
#include "zhiliang/log.h"
#include "zhiliang/party.h"

#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "read_file.h"

#define GOLDEN ZL_SOURCE_ROOT "/tests/golden/recall/"

static const char RAW[] = "https://id.gs1.org/01/06901234000108/10/RAW-1";
static const char S3[] = "https://id.gs1.org/01/06901234000207/21/S3";
static const char X1[] = "https://id.gs1.org/01/06901234000306/21/X1";

#define FIXTURE_NAME   "recall-case"
#define FIXTURE_ORIGIN "test.zhiliang/log"
#include "store_fixture.h"

/* A fresh store with the golden parties imported and chain captured. */
static int setup_chain(void **state)
{
    struct fixture *fx;
    struct zl_error err = {0};
    struct zl_capture_result res;
    char *doc;
    size_t len;

    setup(state);
    fx = *state;
    doc = slurp(GOLDEN "parties.json", &len);
    assert_non_null(doc);
    assert_int_equal(zl_party_import_json(fx->s, doc, len, NULL, NULL, &err),
                     0);
    free(doc);
    doc = slurp(GOLDEN "chain.jsonld", &len);
    assert_non_null(doc);
    if (zl_capture(fx->s, doc, len, NULL, &res, &err)) {
        char msg[900];

        zl_error_format(&err, msg, sizeof msg);
        fail_msg("capture: %s", msg);
    }
    assert_int_equal(res.n_new, 17);
    free(doc);
    return 0;
}

static void golden(const char *name, const char *data, size_t len)
{
    char path[512];
    size_t glen = 0;
    char *want;

    snprintf(path, sizeof path, GOLDEN "%s", name);
    if (getenv("ZL_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        fclose(f);
    }
    want = slurp(path, &glen);
    assert_non_null(want);
    if (glen != len || memcmp(want, data, len)) {
        size_t i = 0;

        while (i < len && i < glen && want[i] == data[i])
            i++;
        fail_msg("%s differs from the golden file at byte %zu: got \"%.80s\"",
                 name, i, data + (i < len ? i : len));
    }
    free(want);
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *v;

    json_array_foreach(
        arr, i, v) if (!strcmp(json_string_value(json_object_get(v, key)),
                               value)) return v;
    return NULL;
}

static void test_scope_golden(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW};
    struct zl_error err = {0};
    zl_recall_scope *sc = NULL;
    struct zl_buf j, c;
    json_t *doc, *nodes, *cust, *h;
    const char *ctes[] = {"harvesting", "shipping", "receiving",
                          "transformation", "initial_packing"};

    assert_int_equal(zl_recall_scope_compute(fx->s, lots, 1, &sc, &err), 0);
    zl_buf_init(&j, 1 << 24);
    zl_buf_init(&c, 1 << 24);
    assert_int_equal(zl_recall_scope_json(sc, &j), 0);
    assert_int_equal(zl_recall_scope_csv(sc, &c), 0);

    if (getenv("ZL_UPDATE_GOLDEN")) {
        golden("scope.json", j.data, j.len);
        golden("scope.csv", c.data, c.len);
    }
    /* figures read off the chain, independent of the golden files */
    doc = json_loadb(j.data, j.len, 0, NULL);
    assert_non_null(doc);
    nodes = json_object_get(doc, "nodes");
    assert_int_equal(json_array_size(nodes),
                     2 + 4 + 3);           /* lots, items, SSCCs */
    assert_null(find_by(nodes, "id", X1)); /* co-packed, not ours */
    assert_non_null(find_by(nodes, "id", S3));
    assert_string_equal(
        json_string_value(json_object_get(find_by(nodes, "id", S3), "tlc")),
        "https://id.gs1.org/01/06901234000207/10/BATCH-7");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(doc, "summary"), "itemsAtConsumers")),
                     1);
    cust = json_object_get(doc, "custodians");
    assert_int_equal(json_array_size(cust), 2);
    h = json_array_get(
        json_object_get(find_by(cust, "party", "store-a"), "holdings"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "uom")), "EA");
    assert_int_equal(json_integer_value(json_object_get(h, "held")), 1);
    assert_int_equal(json_integer_value(json_object_get(h, "sold")), 1);
    h = json_array_get(
        json_object_get(find_by(cust, "party", "store-b"), "holdings"), 0);
    assert_int_equal(json_integer_value(json_object_get(h, "held")), 2);
    assert_int_equal(json_integer_value(json_object_get(h, "sold")), 0);
    for (size_t k = 0; k < sizeof ctes / sizeof *ctes; k++) {
        char needle[64];

        snprintf(needle, sizeof needle, ",%s,", ctes[k]);
        assert_non_null(strstr(c.data, needle));
    }
    assert_null(strstr(c.data, "X1"));
    /* RFC 4180: a field with a quote is quoted and the quote doubled */
    assert_non_null(strstr(
        c.data, ",\"纯牛奶 250毫升 (Pure milk \"\"Classic\"\" 250 ml)\","));
    assert_int_equal(c.data[c.len - 2], '\r');
    assert_int_equal(c.data[c.len - 1], '\n');
    assert_non_null(strstr(c.data, "BOL; DESADV; PO,BOL-7; DN-100; PO-100"));
    assert_non_null(strstr(c.data, "\"华北乳业有限公司 (Huabei Dairy Co., "
                                   "Ltd.) 主厂区, GLN 6901234000122"));
    json_decref(doc);
    golden("scope.json", j.data, j.len);
    golden("scope.csv", c.data, c.len);
    zl_buf_cleanup(&j);
    zl_buf_cleanup(&c);
    zl_recall_scope_free(sc);
}

static uint64_t log_size(zl_store *s)
{
    uint64_t n = 0;

    assert_int_equal(zl_log_size(s, &n), 0);
    return n;
}

/* The leaf logged for record key equals the hash of the recomputed canon. */
static void check_leaf(zl_store *s, const char *case_id, long seq)
{
    char key[128], *canon = NULL;
    uint8_t want[32], got[32], at[32];
    uint64_t idx;
    uint8_t type;
    size_t len;

    snprintf(key, sizeof key, "recall:%s:%ld", case_id, seq);
    assert_int_equal(zl_log_find(s, key, &idx, &type, want), 0);
    assert_int_equal(type, ZL_LEAF_RECALL);
    assert_int_equal(zl_log_leaf(s, idx, at), 0);
    assert_memory_equal(at, want, 32);
    assert_int_equal(zl_recall_record_canon(s, key, &canon, &len), 0);
    assert_int_equal(zl_log_leaf_hash(ZL_LEAF_RECALL, canon, len, got), 0);
    assert_memory_equal(got, want, 32);
    zl_free(canon);
}

static struct zl_recall_status *status(zl_store *s, const char *case_id)
{
    struct zl_recall_status *st = NULL;

    assert_int_equal(zl_recall_status_get(s, case_id, &st), 0);
    assert_non_null(st);
    return st;
}

static const struct zl_recall_party_status *
party_of(const struct zl_recall_status *st, const char *party)
{
    for (size_t i = 0; i < st->n_parties; i++)
        if (!strcmp(st->parties[i].party, party))
            return &st->parties[i];
    fail_msg("party %s not in the status", party);
    return NULL;
}

static int count_notice(void *ctx, const struct zl_recall_notice *n)
{
    (*(int *)ctx)++;
    assert_string_equal(n->hazard_class, "II");
    assert_non_null(strstr(n->action_en, "stop"));
    return 0;
}

/* The last outbox row's kind and key. */
struct last_row {
    char kind[16], key[160];
};

static int last_row_cb(void *ctx, const struct zl_outbox_row *row)
{
    struct last_row *l = ctx;

    snprintf(l->kind, sizeof l->kind, "%s", row->kind);
    snprintf(l->key, sizeof l->key, "%s", row->key);
    return 0;
}

static void test_case_flow(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW}, *a[] = {"store-a"};
    struct zl_error err = {0};
    char id[ZL_RECALL_ID_MAX];
    uint64_t n0 = log_size(fx->s);
    size_t nn = 0;
    struct zl_recall_status *st;
    int seen = 0;

    assert_int_equal(zl_recall_open(fx->s, lots, 1, "Listeria found in lot",
                                    ZL_HAZARD_II, id, &err),
                     0);
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '4');           /* UUID version 4 */
    assert_non_null(strchr("89ab", id[19])); /* RFC 4122 variant */
    assert_int_equal(log_size(fx->s), n0 + 1);
    check_leaf(fx->s, id, 1);
    {
        /* the step reached the outbox, in its transaction */
        struct last_row l = {"", ""};
        char want[160];

        assert_int_equal(zl_store_outbox_read(fx->s, 0, 0, last_row_cb, &l), 0);
        snprintf(want, sizeof want, "recall:%s:1", id);
        assert_string_equal(l.kind, "recall");
        assert_string_equal(l.key, want);
    }

    /* the portal's banner: an item in scope, an unrelated one not */
    assert_int_equal(zl_recall_status_for(fx->s, S3, count_notice, &seen), 1);
    assert_int_equal(seen, 1);
    assert_int_equal(zl_recall_status_for(fx->s,
                                          "urn:epc:id:sgtin:6901234.000020.S3",
                                          NULL, NULL),
                     1);
    assert_int_equal(zl_recall_status_for(fx->s, X1, NULL, NULL), 0);

    /* progress before notification is refused and logs nothing */
    assert_int_equal(
        zl_recall_progress(fx->s, id, "store-a", 1, 0, 0, NULL, &err),
        ZL_EINVAL);
    assert_int_equal(log_size(fx->s), n0 + 1);

    assert_int_equal(zl_recall_notify(fx->s, id, NULL, 0, &nn, &err), 0);
    assert_int_equal(nn, 2); /* store A and store B hold the goods */
    assert_int_equal(log_size(fx->s), n0 + 3);
    check_leaf(fx->s, id, 2);
    check_leaf(fx->s, id, 3);

    /* close refused: nobody acknowledged yet */
    assert_int_equal(zl_recall_close(fx->s, id, "done", 0, NULL, &err),
                     ZL_EINVAL);
    assert_int_equal(log_size(fx->s), n0 + 3);

    /* a party given by its GLN resolves to the registry ID */
    assert_int_equal(
        zl_recall_progress(fx->s, id, "6901234000047", 1, 1, 1, NULL, &err), 0);
    assert_int_equal(log_size(fx->s), n0 + 4);
    check_leaf(fx->s, id, 4);
    st = status(fx->s, id);
    assert_true(party_of(st, "store-a")->distributed == 2);
    assert_true(party_of(st, "store-a")->recovered == 1);
    assert_true(party_of(st, "store-a")->effectiveness == 0.5);
    assert_true(party_of(st, "store-b")->distributed == 2);
    assert_true(isnan(party_of(st, "store-b")->effectiveness) ||
                party_of(st, "store-b")->effectiveness == 0);
    assert_true(st->effectiveness == 0.25);
    zl_recall_status_free(st);

    assert_int_equal(zl_recall_close(fx->s, id, "done", 0, NULL, &err),
                     ZL_EINVAL);
    assert_string_equal(err.value, "store-b");
    assert_int_equal(
        zl_recall_progress(fx->s, id, "store-b", 0, 1, 1.5, "EA", &err), 0);
    assert_int_equal(
        zl_recall_progress(fx->s, id, "store-b", 1, 1, 0.5, NULL, &err), 0);
    st = status(fx->s, id);
    assert_true(party_of(st, "store-b")->recovered == 2);
    assert_true(party_of(st, "store-b")->effectiveness == 1);
    assert_true(st->effectiveness == 0.75);
    assert_int_equal(st->records, 6);
    zl_recall_status_free(st);

    /* a named notification of one more party */
    assert_int_equal(zl_recall_notify(fx->s, id, a, 1, &nn, &err), 0);
    assert_int_equal(nn, 1);
    assert_int_equal(
        zl_recall_close(fx->s, id, "all stock recovered", 0, NULL, &err), 0);
    assert_int_equal(log_size(fx->s), n0 + 8);
    for (long k = 1; k <= 8; k++)
        check_leaf(fx->s, id, k);
    st = status(fx->s, id);
    assert_true(st->closed); /* status "closed" */
    zl_recall_status_free(st);
    /* closed: no banner, no more steps */
    assert_int_equal(zl_recall_status_for(fx->s, S3, NULL, NULL), 0);
    assert_int_equal(zl_recall_notify(fx->s, id, NULL, 0, &nn, &err),
                     ZL_EINVAL);
    assert_int_equal(log_size(fx->s), n0 + 8);
}

static int key_found(void *ctx, const char *key)
{
    zl_store *s = ((void **)ctx)[0];
    int *n = ((void **)ctx)[1];

    assert_int_equal(zl_log_find(s, key, NULL, NULL, NULL), 0);
    (*n)++;
    return 0;
}

/* Every record has a leaf; an edited record no longer matches it. */
static void test_tamper(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW};
    struct zl_error err = {0};
    char id[ZL_RECALL_ID_MAX], key[128], *canon = NULL, sql[512];
    uint8_t leaf[32], now[32];
    int n = 0;
    void *kc[2] = {fx->s, &n};
    size_t len;

    assert_int_equal(zl_recall_open(fx->s, lots, 1, "x", ZL_HAZARD_I, id, &err),
                     0);
    assert_int_equal(zl_recall_notify(fx->s, id, NULL, 0, NULL, &err), 0);
    assert_int_equal(
        zl_recall_progress(fx->s, id, "store-b", 1, 1, 2, NULL, &err), 0);
    assert_int_equal(zl_recall_record_keys(fx->s, key_found, kc), 0);
    assert_int_equal(n, 4);
    snprintf(key, sizeof key, "recall:%s:4", id);
    assert_int_equal(zl_log_find(fx->s, key, NULL, NULL, leaf), 0);
    /* same meaning, other spacing: still the same leaf */
    /* (the case ID is a UUID: nothing in it needs quoting) */
    snprintf(sql, sizeof sql,
             "UPDATE recall_records SET json = replace(json,"
             " '\"recovered\":2', '\"recovered\": 2')"
             " WHERE case_id = '%s' AND seq = 4",
             id);
    assert_int_equal(zl_store_exec_sql(fx->s, sql), 0);
    assert_int_equal(zl_recall_record_canon(fx->s, key, &canon, &len), 0);
    assert_int_equal(zl_log_leaf_hash(ZL_LEAF_RECALL, canon, len, now), 0);
    assert_memory_equal(now, leaf, 32);
    zl_free(canon);
    /* 2 recovered becomes 20: the leaf no longer matches */
    snprintf(sql, sizeof sql,
             "UPDATE recall_records SET json = replace(json,"
             " '\"recovered\": 2', '\"recovered\":20')"
             " WHERE case_id = '%s' AND seq = 4",
             id);
    assert_int_equal(zl_store_exec_sql(fx->s, sql), 0);
    assert_int_equal(zl_recall_record_canon(fx->s, key, &canon, &len), 0);
    assert_non_null(strstr(canon, "\"recovered\":20"));
    assert_int_equal(zl_log_leaf_hash(ZL_LEAF_RECALL, canon, len, now), 0);
    assert_memory_not_equal(now, leaf, 32);
    zl_free(canon);
    snprintf(key, sizeof key, "recall:%s:9", id);
    assert_int_equal(zl_recall_record_canon(fx->s, key, &canon, &len),
                     ZL_ENOTFOUND);
    assert_int_equal(
        zl_recall_record_canon(fx->s, "ni:///sha-256;00", &canon, &len),
        ZL_ENOTFOUND);
}

/* Stores made before JCS hold records printed by json_dumps (sorted,
 * compact, "%.17g" fractions, upper-case \u escapes) and no "v": they
 * must keep verifying, while new records are RFC 8785 and carry "v": 2. */
static void test_legacy_records(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW};
    struct zl_error err = {0};
    struct zl_audit_stats st;
    char id[ZL_RECALL_ID_MAX], key[128], *canon = NULL, *old, sql[256];
    const char legacy_case[] = "00000000-0000-4000-8000-000000000000";
    json_t *rec;
    size_t len;

    assert_int_equal(
        zl_recall_open(fx->s, lots, 1, "x", ZL_HAZARD_II, id, &err), 0);
    assert_int_equal(zl_recall_notify(fx->s, id, NULL, 0, NULL, &err), 0);
    assert_int_equal(
        zl_recall_progress(fx->s, id, "store-b", 0, 1, 0.1, NULL, &err), 0);
    snprintf(key, sizeof key, "recall:%s:4", id);
    assert_int_equal(zl_recall_record_canon(fx->s, key, &canon, &len), 0);
    assert_non_null(strstr(canon, "\"recovered\":0.1,"));
    assert_non_null(strstr(canon, "\"v\":2}"));
    zl_free(canon);
    check_leaf(fx->s, id, 4);

    /* a format-1 record, logged as the code before JCS logged it */
    rec = json_pack("{s:s,s:i,s:s,s:s,s:s,s:b,s:f,s:s}", "case", legacy_case,
                    "seq", 1, "type", "progress", "time",
                    "2025-01-01T00:00:00.000Z", "party", "store-\x1f",
                    "acknowledged", 1, "recovered", 0.1, "uom", "KGM");
    assert_non_null(rec);
    old = json_dumps(rec, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(strstr(old, "0.10000000000000001"));
    assert_non_null(strstr(old, "\\u001F"));
    assert_int_equal(zl_store_begin(fx->s), 0);
    assert_int_equal(zl_store_recall_record_put(fx->s, legacy_case, 1,
                                                "progress", old, strlen(old)),
                     0);
    snprintf(key, sizeof key, "recall:%s:1", legacy_case);
    assert_int_equal(
        zl_log_append(fx->s, ZL_LEAF_RECALL, key, old, strlen(old), NULL), 0);
    /* its outbox row, as the writer appends it (verify pairs them) */
    assert_int_equal(zl_store_outbox_append(fx->s, "recall", key, 1), 0);
    assert_int_equal(zl_store_commit(fx->s), 0);
    assert_int_equal(zl_recall_record_canon(fx->s, key, &canon, &len), 0);
    assert_int_equal(len, strlen(old));
    assert_memory_equal(canon, old, len);
    zl_free(canon);
    free(old);
    json_decref(rec);
    check_leaf(fx->s, legacy_case, 1);
    assert_int_equal(zl_audit_verify(fx->s, NULL, NULL, &st), 0);
    assert_int_equal(st.issues, 0);

    /* the format marker is part of what is hashed */
    snprintf(sql, sizeof sql,
             "UPDATE recall_records SET json = replace(json,"
             " ',\"v\":2', '') WHERE case_id = '%s' AND seq = 4",
             id);
    assert_int_equal(zl_store_exec_sql(fx->s, sql), 0);
    assert_int_equal(zl_audit_verify(fx->s, NULL, NULL, &st), ZL_ETAMPER);
    assert_int_equal(st.issues, 1);
}

/* The notice a page shows, copied out of zl_recall_status_for. */
struct texts_seen {
    char reason[64], reason_en[64], zh[128], en[128];
};

static int texts_cb(void *ctx, const struct zl_recall_notice *n)
{
    struct texts_seen *t = ctx;

    snprintf(t->reason, sizeof t->reason, "%s", n->reason);
    snprintf(t->reason_en, sizeof t->reason_en, "%s",
             n->reason_en ? n->reason_en : "(none)");
    snprintf(t->zh, sizeof t->zh, "%s", n->action_zh);
    snprintf(t->en, sizeof t->en, "%s", n->action_en);
    return 0;
}

/* Reason and advice per language: stored apart, replayed apart, and the
 * standard advice of the class stands in for a language not given. */
static void test_texts(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW};
    struct zl_recall_texts t = {"李斯特菌检出", "Listeria found", NULL,
                                "Return it to the shop."};
    struct zl_error err = {0};
    char id[ZL_RECALL_ID_MAX];
    struct zl_recall_status *st;
    struct texts_seen seen;

    assert_int_equal(
        zl_recall_open_texts(fx->s, lots, 1, &t, ZL_HAZARD_II, id, &err), 0);
    assert_int_equal(zl_recall_status_get(fx->s, id, &st), 0);
    assert_string_equal(st->reason, "李斯特菌检出");
    assert_string_equal(st->reason_en, "Listeria found");
    assert_null(st->advice);
    assert_string_equal(st->advice_en, "Return it to the shop.");
    zl_recall_status_free(st);
    assert_int_equal(zl_recall_status_for(fx->s, S3, texts_cb, &seen), 1);
    assert_string_equal(seen.reason, "李斯特菌检出");
    assert_string_equal(seen.reason_en, "Listeria found");
    assert_string_equal(seen.en, "Return it to the shop.");
    assert_string_equal(seen.zh, zl_recall_action("II", 0));
    /* the reason alone: no English, standard advice both ways */
    t = (struct zl_recall_texts){"only one", NULL, "", NULL};
    assert_int_equal(
        zl_recall_open_texts(fx->s, lots, 1, &t, ZL_HAZARD_I, id, &err), 0);
    assert_int_equal(zl_recall_status_get(fx->s, id, &st), 0);
    assert_null(st->reason_en);
    assert_null(st->advice); /* empty is not given */
    zl_recall_status_free(st);
}

static void test_force_close(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW};
    struct zl_error err = {0};
    char id[ZL_RECALL_ID_MAX];
    struct zl_recall_status *st;

    assert_int_equal(
        zl_recall_open(fx->s, lots, 1, "mislabelled", ZL_HAZARD_III, id, &err),
        0);
    assert_int_equal(zl_recall_notify(fx->s, id, NULL, 0, NULL, &err), 0);
    assert_int_equal(zl_recall_close(fx->s, id, "s", 1, NULL, &err), ZL_EINVAL);
    assert_int_equal(zl_recall_close(fx->s, id, "s", 1, "", &err), ZL_EINVAL);
    assert_int_equal(zl_recall_close(fx->s, id, "", 0, NULL, &err), ZL_EINVAL);
    assert_int_equal(zl_recall_close(fx->s, id, "stores closed", 1,
                                     "both stores went out of business", &err),
                     0);
    st = status(fx->s, id);
    assert_true(st->forced);
    zl_recall_status_free(st);
    check_leaf(fx->s, id, 4);
    /* bad input: nothing stored */
    assert_int_equal(zl_recall_open(fx->s, lots, 1, "", ZL_HAZARD_I, id, &err),
                     ZL_EINVAL);
    assert_int_equal(
        zl_recall_open(fx->s, lots, 1, "x", (enum zl_hazard_class)7, id, &err),
        ZL_EINVAL);
    {
        const char *unknown[] = {
            RAW, "https://id.gs1.org/01/06901234000108/10/RAW-2"};
        uint64_t n0 = log_size(fx->s);

        assert_int_equal(
            zl_recall_open(fx->s, unknown, 2, "x", ZL_HAZARD_I, id, &err),
            ZL_ENOTFOUND);
        assert_string_equal(err.value, unknown[1]);
        assert_int_equal(log_size(fx->s), n0);
    }
    assert_int_equal(zl_recall_status_get(fx->s, "no-such-case",
                                          &(struct zl_recall_status *){NULL}),
                     ZL_ENOTFOUND);
}

static int count_cases(void *ctx, const struct zl_recall_info *r)
{
    /* the summary row's lots and GTINs as arrays of strings */
    assert_int_equal(r->n_lots, 1);
    assert_string_equal(r->lots[0], RAW);
    assert_true(r->n_gtins >= 1);
    for (size_t i = 0; i < r->n_gtins; i++)
        assert_int_equal(strlen(r->gtins[i]), 14);
    (*(int *)ctx)++;
    return 0;
}

/* Make allocation n fail for n = 0, 1, ... until the step succeeds: each
 * failure must leave the log and the cases exactly as they were. */
static void test_rollback_on_failure(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW};
    struct zl_error err = {0};
    char id[ZL_RECALL_ID_MAX];
    uint64_t n0 = log_size(fx->s);
    int rc = -1, cases = 0, fails = 0;
    long n;

    for (n = 0; n < 100000 && rc; n++) {
        zl_alloc_fail_after(n);
        rc = zl_recall_open(fx->s, lots, 1, "allergen", ZL_HAZARD_I, id, &err);
        zl_alloc_fail_after(-1);
        if (rc) {
            fails++;
            cases = 0;
            assert_int_equal(log_size(fx->s), n0);
            assert_int_equal(zl_recall_list(fx->s, 0, count_cases, &cases), 0);
            assert_int_equal(cases, 0);
        }
    }
    assert_int_equal(rc, 0);
    assert_true(fails > 10);
    assert_int_equal(log_size(fx->s), n0 + 1);
    check_leaf(fx->s, id, 1);
    rc = -1;
    for (n = 0; n < 100000 && rc; n++) {
        zl_alloc_fail_after(n);
        rc = zl_recall_notify(fx->s, id, NULL, 0, NULL, &err);
        zl_alloc_fail_after(-1);
        if (rc && log_size(fx->s) != n0 + 1)
            fail_msg("notify failing at allocation %ld (%d) left %llu leaves",
                     n, rc, (unsigned long long)log_size(fx->s));
    }
    assert_int_equal(rc, 0);
    assert_int_equal(log_size(fx->s), n0 + 3);
    check_leaf(fx->s, id, 3);
    rc = -1;
    for (n = 0; n < 100000 && rc; n++) {
        zl_alloc_fail_after(n);
        rc = zl_recall_progress(fx->s, id, "store-a", 1, 1, 2, NULL, &err);
        zl_alloc_fail_after(-1);
        if (rc)
            assert_int_equal(log_size(fx->s), n0 + 3);
    }
    assert_int_equal(rc, 0);
    rc = -1;
    for (n = 0; n < 100000 && rc; n++) {
        zl_alloc_fail_after(n);
        rc = zl_recall_close(fx->s, id, "s", 1, "store B unreachable", &err);
        zl_alloc_fail_after(-1);
        if (rc) {
            struct zl_recall_status *st;

            assert_int_equal(log_size(fx->s), n0 + 4);
            st = status(fx->s, id);
            assert_false(st->closed); /* status "open" */
            zl_recall_status_free(st);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(log_size(fx->s), n0 + 5);
    for (long k = 1; k <= 5; k++)
        check_leaf(fx->s, id, k);
}

/* Effectiveness against a naive model: random recoveries per party. */
static void test_effectiveness_model(void **state)
{
    struct fixture *fx = *state;
    const char *lots[] = {RAW}, *names[] = {"store-a", "store-b"};
    struct zl_error err = {0};
    char id[ZL_RECALL_ID_MAX];
    double got[2] = {0, 0}, dist[2] = {2, 2};
    uint32_t r = 12345;
    struct zl_recall_status *st;

    assert_int_equal(
        zl_recall_open(fx->s, lots, 1, "x", ZL_HAZARD_II, id, &err), 0);
    assert_int_equal(zl_recall_notify(fx->s, id, NULL, 0, NULL, &err), 0);
    for (int k = 0; k < 20; k++) {
        int p;
        double q;

        r = r * 1103515245u + 12345u;
        p = (int)((r >> 16) & 1);
        q = (double)((r >> 8) % 4) / 4.0;
        got[p] += q;
        assert_int_equal(
            zl_recall_progress(fx->s, id, names[p], 0, 1, q, NULL, &err), 0);
    }
    st = status(fx->s, id);
    for (int p = 0; p < 2; p++) {
        assert_true(party_of(st, names[p])->recovered == got[p]);
        assert_true(party_of(st, names[p])->effectiveness == got[p] / dist[p]);
    }
    assert_true(st->effectiveness == (got[0] + got[1]) / (dist[0] + dist[1]));
    zl_recall_status_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scope_golden, setup_chain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_case_flow, setup_chain, teardown),
        cmocka_unit_test_setup_teardown(test_texts, setup_chain, teardown),
        cmocka_unit_test_setup_teardown(test_force_close, setup_chain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tamper, setup_chain, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_records, setup_chain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_on_failure, setup_chain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_effectiveness_model, setup_chain,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
