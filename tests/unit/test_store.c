/*
 * test_store.c - the store seam itself: URIs and the backend registry,
 * the module state registry, read snapshots and the change token, the
 * outbox, EQ_eventID on the hash key, schema versions (a newer store is
 * refused, an older one migrated) and the upgrade of a store written by
 * release 0.1.0 (tests/fixtures/store-v1.db, see tests/fixtures/README.md).
 *
 * Everything but the URI and fixture tests runs on the backend named by
 * ZL_TEST_STORE_URI (store_fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "zhiliang/audit.h"
#include "zhiliang/codec.h"
#include "zhiliang/log.h"
#include "zhiliang/query.h"
#include "zhiliang/trace.h"
#include "zhiliang/zhiliang.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "read_file.h"

#define FIXTURE_NAME "store"
#include "store_fixture.h"
#include "demo.h"
#include "util/buf.h"
#include "store/ids_pack.h"
#include "store/ident_code.h"
#include "store/sqlite_int.h"

/* Open f's store again (a new handle, which migrates an older layout) and
 * check it is at this library's schema version. */
static int to_layout(zl_store *s, const char *sql);

static void reopen_migrated(struct fixture *f, struct zl_error *err)
{
    int v = 0;

    zl_close(f->s);
    f->s = NULL;
    assert_int_equal(zl_open(f->uri, &f->s, err), 0);
    assert_int_equal(zl_store_schema_version(f->s, &v), 0);
    assert_int_equal(v, ZL_STORE_SCHEMA_VERSION);
}

/* Two events: a commissioning and a shipping. */
static const char DOC[] =
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\"],"
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
    "\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":["
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T08:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":"
    "\"commissioning\","
    "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"]},"
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-02T10:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"bizStep\":"
    "\"shipping\","
    "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"]}"
    "]}}";

/* A third event, for a second capture. */
static const char DOC2[] =
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\"],"
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
    "\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":["
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-03T10:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"bizStep\":"
    "\"receiving\","
    "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2017\"]}"
    "]}}";

static int64_t count(zl_store *s)
{
    int64_t n = -1;

    assert_int_equal(zl_store_event_count(s, &n), 0);
    return n;
}

static void capture(zl_store *s, const char *doc, size_t n_new)
{
    struct zl_capture_result r;
    struct zl_error err = {0};

    assert_int_equal(zl_capture(s, doc, strlen(doc), NULL, &r, &err), 0);
    assert_int_equal(r.n_new, n_new);
}

/* The hash (and hash ID) of event i of doc. */
static void event_hash(const char *doc, size_t i, uint8_t hash[32],
                       char *hash_id, size_t cap)
{
    struct zl_error err = {0};
    zl_epcis_doc *d = NULL;

    assert_int_equal(zl_epcis_parse(doc, strlen(doc), NULL, &d, &err), 0);
    memcpy(hash, zl_epcis_doc_event(d, i)->hash, 32);
    if (hash_id)
        snprintf(hash_id, cap, "%s", zl_epcis_doc_event(d, i)->hash_id);
    zl_epcis_doc_free(d);
}

/* ---- URIs ---------------------------------------------------------------- */

static void test_uris(void **state)
{
    struct zl_error err = {0};
    char path[256], uri[300];
    zl_store *s = NULL;
    int fd;

    (void)state;
    /* a server that is not there: a clear message naming it, no crash */
    assert_int_equal(zl_open("postgresql://u@127.0.0.1:1/zl", &s, &err),
                     ZL_ESTORE);
    assert_null(s);
    assert_string_equal(err.rule, "cannot connect to PostgreSQL");
    assert_string_equal(err.path, "127.0.0.1:1/zl");
    memset(&err, 0, sizeof err);
    /* a schema name that cannot be one */
    assert_int_equal(zl_init("postgres://u@db/zl?schema=a;b", NULL, &err),
                     ZL_EINVAL);
    assert_string_equal(err.path, "schema");
    /* an unknown scheme is refused, not taken for a file name */
    assert_int_equal(zl_open("mysql://localhost/zl", &s, &err), ZL_EINVAL);
    assert_non_null(strstr(err.rule, "unknown store URI scheme"));
    assert_int_equal(zl_open("", &s, &err), ZL_EINVAL);

    /* a plain path and sqlite:PATH name the same SQLite store */
    snprintf(path, sizeof path, "/tmp/zl-store-uri-%d.db", (int)getpid());
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    zl_store_remove(path);
    assert_int_equal(zl_open(path, &s, &err), ZL_ENOTFOUND);
    assert_int_equal(zl_init(uri, "uri.test/log", &err), 0);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(zl_init(path, NULL, &err), ZL_EEXIST);
    assert_int_equal(zl_open(path, &s, &err), 0);
    assert_string_equal(zl_store_backend_name(s), "sqlite");
    capture(s, DOC, 2);
    zl_close(s);
    assert_int_equal(zl_open(uri, &s, &err), 0);
    assert_int_equal(count(s), 2);
    zl_close(s);
    assert_int_equal(zl_store_remove(uri), 0);
    assert_int_not_equal(access(path, F_OK), 0);

    /* an empty file is not a store, and is left alone */
    fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(zl_open(path, &s, &err), ZL_ESTORE);
    assert_non_null(strstr(err.rule, "not a zhiliang store"));
    assert_null(s);
    {
        FILE *e = fopen(path, "rb");

        assert_non_null(e);
        assert_int_equal(fgetc(e), EOF); /* still empty */
        fclose(e);
    }
    zl_store_remove(path);
}

/* ---- module state -------------------------------------------------------- */

static int n_freed;

static void count_free(void *p)
{
    n_freed++;
    free(p);
}

static void test_module_state(void **state)
{
    struct fixture *f = *state;
    static const char KEY_A = 0, KEY_B = 0, KEY_C = 0;
    static char keys[ZL_STORE_MAX_MODULES];
    void *a = malloc(1), *a2 = malloc(1), *b = malloc(1), *x = malloc(1);
    size_t i;

    n_freed = 0;
    assert_null(zl_store_module_state(f->s, &KEY_A));
    assert_int_equal(zl_store_module_set(f->s, &KEY_A, a, count_free), 0);
    assert_int_equal(zl_store_module_set(f->s, &KEY_B, b, count_free), 0);
    assert_ptr_equal(zl_store_module_state(f->s, &KEY_A), a);
    assert_ptr_equal(zl_store_module_state(f->s, &KEY_B), b);
    /* setting the same state again frees nothing; a new one frees the old */
    assert_int_equal(zl_store_module_set(f->s, &KEY_A, a, count_free), 0);
    assert_int_equal(n_freed, 0);
    assert_int_equal(zl_store_module_set(f->s, &KEY_A, a2, count_free), 0);
    assert_int_equal(n_freed, 1);
    assert_ptr_equal(zl_store_module_state(f->s, &KEY_A), a2);
    /* a rollback drops every state (it may describe rolled-back rows) */
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(zl_store_rollback(f->s), 0);
    assert_int_equal(n_freed, 3);
    assert_null(zl_store_module_state(f->s, &KEY_A));
    assert_null(zl_store_module_state(f->s, &KEY_B));
    /* the capture path still works: the log rebuilds its own state */
    capture(f->s, DOC, 2);
    /* the registry is bounded; a refused state stays the caller's */
    for (i = 0; i < ZL_STORE_MAX_MODULES; i++)
        if (zl_store_module_set(f->s, &keys[i], &keys[i], NULL))
            break;
    /* A, B (kept registered after the rollback), the log's and the
     * trace index's */
    assert_int_equal(i, ZL_STORE_MAX_MODULES - 4);
    assert_int_equal(zl_store_module_set(f->s, &KEY_C, x, count_free),
                     ZL_ELIMIT);
    assert_null(zl_store_module_state(f->s, &KEY_C));
    free(x);
    /* a registered key still takes a state */
    assert_int_equal(
        zl_store_module_set(f->s, &KEY_B, x = malloc(1), count_free), 0);
    /* clearing a key frees nothing it does not own */
    assert_int_equal(zl_store_module_set(f->s, &keys[0], NULL, NULL), 0);
    assert_null(zl_store_module_state(f->s, &keys[0]));
    assert_int_equal(n_freed, 3);
    /* close frees what is left (x, the log's state) */
}

/* ---- snapshots and the change token -------------------------------------- */

static void test_snapshot_and_change_token(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    zl_store *other = NULL;
    uint64_t t0, t1, t2, t3;

    assert_int_equal(zl_open(f->uri, &other, &err), 0);
    assert_int_equal(zl_store_change_token(f->s, &t0), 0);
    assert_int_equal(zl_store_change_token(f->s, &t1), 0);
    if (!fixture_is_pg(f->uri)) /* nothing committed (on the server: PG) */
        assert_true(t0 == t1);

    /* another handle commits: the token moves */
    capture(other, DOC, 2);
    assert_int_equal(zl_store_change_token(f->s, &t1), 0);
    assert_true(t1 != t0);
    /* this handle commits: it moves too */
    capture(f->s, DOC2, 1);
    assert_int_equal(zl_store_change_token(f->s, &t2), 0);
    assert_true(t2 != t1);
    /* no commit since: unchanged (on SQLite; PostgreSQL's token follows
     * every commit on the server, and other tests' stores share it) */
    assert_int_equal(zl_store_change_token(f->s, &t3), 0);
    if (!fixture_is_pg(f->uri))
        assert_true(t3 == t2);

    /* a snapshot sees one state while another handle writes */
    assert_int_equal(zl_store_snapshot_begin(f->s), 0);
    assert_int_equal(zl_store_snapshot_begin(f->s), ZL_EEXIST);
    assert_int_equal(count(f->s), 3);
    {
        static const char DOC3[] =
            "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
            "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
            "\"schemaVersion\":\"2.0\",\"creationDate\":\"2024-01-01T00:00:"
            "00Z\","
            "\"epcisBody\":{\"eventList\":[{\"type\":\"ObjectEvent\","
            "\"eventTime\":\"2024-03-04T10:00:00.000+08:00\","
            "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\","
            "\"bizStep\":\"storing\",\"epcList\":"
            "[\"urn:epc:id:sgtin:0614141.107346.2017\"]}]}}";

        capture(other, DOC3, 1);
    }
    assert_int_equal(count(f->s), 3);
    assert_int_equal(zl_store_snapshot_end(f->s), 0);
    assert_int_equal(count(f->s), 4);
    assert_int_equal(zl_store_snapshot_end(f->s), 0); /* none open: 0 */
    /* no snapshot inside a write transaction */
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(zl_store_snapshot_begin(f->s), ZL_EEXIST);
    assert_int_equal(zl_store_rollback(f->s), 0);
    zl_close(other);
}

/* ---- a read snapshot's caches ------------------------------------------- */

#define CBV      "https://ref.gs1.org/cbv/"
#define SHIPPING CBV "BizStep-shipping"

struct steps {
    size_t n;
    char step[8][80];
};

static int steps_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct steps *c = ctx;

    if (c->n < 8)
        snprintf(c->step[c->n++], sizeof c->step[0], "%s",
                 ev->biz_step ? ev->biz_step : "");
    return 0;
}

/* Every event's bizStep in time order, read in a snapshot (as a server's
 * request reads). */
static void snapshot_steps(zl_store *s, struct steps *out)
{
    struct zl_event_filter flt;

    memset(&flt, 0, sizeof flt);
    memset(out, 0, sizeof *out);
    flt.order_by = ZL_ORDER_EVENT_TIME;
    assert_int_equal(zl_store_snapshot_begin(s), 0);
    assert_int_equal(zl_store_events_query(s, &flt, steps_cb, out), 0);
    assert_int_equal(zl_store_snapshot_end(s), 0);
}

/* How many times the handle has read a vocab text (its cached statement's
 * runs); 0 before the first. */
static int vocab_reads(zl_store *s)
{
    sqlite3 *db = zl_sqlite_db(s);

    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st;
         st = sqlite3_next_stmt(db, st))
        if (!strcmp(sqlite3_sql(st), "SELECT v FROM vocab WHERE n = ?1"))
            return sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0);
    return 0;
}

/* Run sql on the store's file through a connection of another process. */
static void other_process_sql(const char *path, const char *sql)
{
    pid_t pid = fork();
    int st;

    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db = NULL;
        int rc = sqlite3_open(path, &db) != SQLITE_OK ||
                 sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
                 sqlite3_changes(db) != 1;

        sqlite3_close(db);
        _exit(rc);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The vocab texts a handle read are kept from one read snapshot to the
 * next while the store is unchanged, and never outlive a change: an
 * event another process captures is seen with its new values, a text
 * another process's connection edits is read again, and so is one this
 * handle's own connection edits outside a transaction. */
static void test_snapshot_caches(void **state)
{
    struct fixture *f = *state;
    struct steps a;
    pid_t pid;
    int st, sqlite = !strcmp(zl_store_backend_name(f->s), "sqlite"), r0;

    capture(f->s, DOC, 2);
    snapshot_steps(f->s, &a);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.step[1], SHIPPING);
    /* nothing changed: the texts are kept (before: read at every
     * snapshot) */
    r0 = sqlite ? vocab_reads(f->s) : 0;
    snapshot_steps(f->s, &a);
    assert_int_equal(a.n, 2);
    if (sqlite) {
        assert_true(r0 > 0);
        assert_int_equal(vocab_reads(f->s), r0);
    }
    /* another process captures an event with a new bizStep */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        zl_store *s = NULL;

        if (zl_open(f->uri, &s, NULL) ||
            zl_capture(s, DOC2, strlen(DOC2), NULL, NULL, NULL))
            _exit(1);
        zl_close(s);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snapshot_steps(f->s, &a);
    assert_int_equal(a.n, 3);
    assert_string_equal(a.step[1], SHIPPING);
    assert_string_equal(a.step[2], CBV "BizStep-receiving");
    if (!sqlite)
        return;
    /* another process edits a text the handle holds (behind the store's
     * back; verify would report the events): the next snapshot reads it */
    other_process_sql(f->path, "UPDATE vocab SET v = 'urn:x:edited-elsewhere'"
                               " WHERE v = '" SHIPPING "'");
    snapshot_steps(f->s, &a);
    assert_string_equal(a.step[1], "urn:x:edited-elsewhere");
    /* and so does an edit through the handle's own connection */
    assert_true(fixture_sql_changes(f->s, "UPDATE vocab SET v ="
                                          " 'urn:x:edited-here' WHERE v ="
                                          " 'urn:x:edited-elsewhere'") >= 1);
    snapshot_steps(f->s, &a);
    assert_string_equal(a.step[1], "urn:x:edited-here");
}

/* ---- the outbox ---------------------------------------------------------- */

struct rows {
    size_t n;
    uint64_t seq[8];
    char kind[8][16], key[8][80];
};

static int collect(void *ctx, const struct zl_outbox_row *r)
{
    struct rows *o = ctx;

    assert_true(o->n < 8);
    o->seq[o->n] = r->seq;
    snprintf(o->kind[o->n], sizeof o->kind[0], "%s", r->kind);
    snprintf(o->key[o->n], sizeof o->key[0], "%s", r->key);
    assert_true(r->created_ms > 0);
    o->n++;
    return 0;
}

static void test_outbox(void **state)
{
    struct fixture *f = *state;
    struct rows o = {0};
    struct zl_error err = {0};
    uint64_t first, last;
    uint8_t h[32];
    char hex[65];
    size_t len;
    char *bad;

    /* only inside a transaction */
    assert_int_equal(zl_store_outbox_append(f->s, "event", "x", 1), ZL_EINVAL);
    capture(f->s, DOC, 2);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, collect, &o), 0);
    assert_int_equal(o.n, 2);
    for (size_t i = 0; i < 2; i++) {
        event_hash(DOC, i, h, NULL, 0);
        zl_hex_encode(h, 32, hex);
        assert_string_equal(o.kind[i], "event");
        assert_string_equal(o.key[i], hex);
    }
    assert_true(o.seq[0] < o.seq[1]);
    first = o.seq[0];
    /* a duplicate capture stores nothing, so announces nothing */
    capture(f->s, DOC, 0);
    /* a refused capture rolls its rows back with everything else */
    len = strlen(DOC2);
    bad = malloc(len + 1);
    memcpy(bad, DOC2, len + 1);
    memcpy(strstr(bad, "receiving"), "Receiving", 9);
    assert_int_not_equal(zl_capture(f->s, bad, len, NULL, NULL, &err), 0);
    free(bad);
    memset(&o, 0, sizeof o);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, collect, &o), 0);
    assert_int_equal(o.n, 2);
    /* rows after a seq, in order, with a limit */
    capture(f->s, DOC2, 1);
    memset(&o, 0, sizeof o);
    assert_int_equal(zl_store_outbox_read(f->s, first, 0, collect, &o), 0);
    assert_int_equal(o.n, 2);
    event_hash(DOC2, 0, h, NULL, 0);
    zl_hex_encode(h, 32, hex);
    assert_string_equal(o.key[1], hex);
    assert_true(o.seq[0] < o.seq[1]);
    memset(&o, 0, sizeof o);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 1, collect, &o), 0);
    assert_int_equal(o.n, 1);
    assert_true(o.seq[0] == first);
    memset(&o, 0, sizeof o);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, collect, &o), 0);
    assert_int_equal(o.n, 3);
    last = o.seq[2];
    memset(&o, 0, sizeof o);
    assert_int_equal(zl_store_outbox_read(f->s, last, 0, collect, &o), 0);
    assert_int_equal(o.n, 0);
    /* another writer's rows follow in the same sequence; a rolled-back
     * append leaves nothing */
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(zl_store_outbox_append(f->s, "party", "P-0", 5), 0);
    assert_int_equal(zl_store_rollback(f->s), 0);
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(zl_store_outbox_append(f->s, "party", "P-1", 5), 0);
    assert_int_equal(zl_store_commit(f->s), 0);
    memset(&o, 0, sizeof o);
    assert_int_equal(zl_store_outbox_read(f->s, last, 0, collect, &o), 0);
    assert_int_equal(o.n, 1);
    assert_true(o.seq[0] > last);
    assert_string_equal(o.kind[0], "party");
    assert_string_equal(o.key[0], "P-1");
}

/* ---- EQ_eventID ---------------------------------------------------------- */

static int count_cb(void *ctx, const struct zl_stored_event *ev)
{
    (*(int *)ctx)++;
    return 0;
}

static int query_ids(zl_store *s, const char **ids)
{
    struct zl_event_filter flt;
    int n = 0;

    memset(&flt, 0, sizeof flt);
    flt.event_ids = ids;
    assert_int_equal(zl_store_events_query(s, &flt, count_cb, &n), 0);
    return n;
}

/* Lookup counts add up per code, keep the earliest first and the latest
 * last, and a batch with a bad entry writes nothing. */
static void test_lookups(void **state)
{
    struct fixture *f = *state;
    struct zl_lookup v[2] = {{"https://id.gs1.org/01/1/21/A", {2, 2000, 3000}},
                             {"https://id.gs1.org/01/1/21/B", {1, 500, 500}}};
    struct zl_lookup bad[2] = {{"https://id.gs1.org/01/1/21/A", {5, 1, 9}},
                               {"", {1, 1, 1}}};
    struct zl_lookup_count c;

    assert_int_equal(zl_lookups_get(f->s, v[0].code, &c), ZL_ENOTFOUND);
    assert_int_equal(zl_lookups_add(f->s, v, 2), 0);
    v[0].c = (struct zl_lookup_count){3, 1000, 2500};
    assert_int_equal(zl_lookups_add(f->s, v, 1), 0);
    assert_int_equal(zl_lookups_get(f->s, v[0].code, &c), 0);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.first_ms, 1000);
    assert_int_equal(c.last_ms, 3000);
    assert_int_equal(zl_lookups_get(f->s, v[1].code, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(zl_lookups_add(f->s, bad, 2), ZL_EINVAL);
    assert_int_equal(zl_lookups_get(f->s, v[0].code, &c), 0);
    assert_int_equal(c.n, 5);
}

static void test_event_id(void **state)
{
    struct fixture *f = *state;
    static const char DECLARED[] =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
        "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
        "\"schemaVersion\":\"2.0\",\"creationDate\":\"2024-01-01T00:00:00Z\","
        "\"epcisBody\":{\"eventList\":[{\"type\":\"ObjectEvent\","
        "\"eventID\":\"urn:uuid:8e1a6c7e-0d2c-4a7e-9c0a-2b7f1d3e4a5b\","
        "\"eventTime\":\"2024-03-05T10:00:00.000+08:00\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\","
        "\"bizStep\":\"storing\",\"epcList\":"
        "[\"urn:epc:id:sgtin:0614141.107346.2017\"]}]}}";
    char id0[128], id1[128], upper[128], bare[65];
    uint8_t h[32];
    zl_query *q = NULL;
    struct zl_error err = {0};
    char *json = NULL, *next = NULL;
    size_t len;

    capture(f->s, DOC, 2);
    capture(f->s, DECLARED, 1);
    event_hash(DOC, 0, h, id0, sizeof id0);
    event_hash(DOC, 1, h, id1, sizeof id1);
    zl_hex_encode(h, 32, bare);
    {
        const char *ids[] = {id0, NULL};

        assert_int_equal(query_ids(f->s, ids), 1);
    }
    {
        const char *ids[] = {id0, id1, NULL};

        assert_int_equal(query_ids(f->s, ids), 2);
    }
    { /* the bare hex of the hash, as before */
        const char *ids[] = {bare, NULL};

        assert_int_equal(query_ids(f->s, ids), 1);
    }
    { /* hash IDs are lower case: an upper-case one matches nothing */
        const char *ids[] = {upper, NULL};

        snprintf(upper, sizeof upper, "%s", id1);
        for (char *p = strchr(upper, ';'); p && *p && *p != '?'; p++)
            if (*p >= 'a' && *p <= 'f')
                *p = (char)(*p - 'a' + 'A');
        assert_int_equal(query_ids(f->s, ids), 0);
    }
    { /* declared eventIDs still match, beside hash IDs */
        const char *ids[] = {"urn:uuid:8e1a6c7e-0d2c-4a7e-9c0a-2b7f1d3e4a5b",
                             id0, NULL};

        assert_int_equal(query_ids(f->s, ids), 2);
    }
    { /* a near miss (one digit off, too short) matches nothing */
        const char *ids[] = {"ni:///sha-256;0000?ver=CBV2.0", NULL};

        assert_int_equal(query_ids(f->s, ids), 0);
    }
    /* the same through the query API */
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(zl_query_param(q, "EQ_eventID", id1, &err), 0);
    assert_int_equal(
        zl_query_json(f->s, q, ZL_EPC_AS_CAPTURED, &json, &len, &next, &err),
        0);
    assert_non_null(strstr(json, "\"shipping\""));
    assert_null(strstr(json, "\"commissioning\""));
    zl_free(json);
    zl_free(next);
    zl_query_free(q);
}

/* A stored event's event time (zl_store_event_get's callback). */
static int get_time(void *ctx, const struct zl_stored_event *ev)
{
    *(int64_t *)ctx = ev->event_time_ms;
    return 0;
}

/* Events are found by a prefix of their hash on SQLite (schema 34:
 * events_hkey, the first 6 bytes): two events whose hashes share that
 * prefix are both stored, each is refused a second time and each is read
 * back by its own hash; a third hash with the prefix finds nothing. The
 * hashes are made up (the store takes the event's hash as given). */
static void test_hash_prefix_collision(void **state)
{
    struct fixture *f = *state;
    static const char JSON[] = "{\"type\":\"ObjectEvent\"}";
    struct zl_event ev[2];
    uint8_t other[32];
    int64_t n = 0, t = 0;

    memset(ev, 0, sizeof ev);
    for (int i = 0; i < 2; i++) {
        memset(ev[i].hash, 0xab, 32);
        ev[i].hash[31] = (uint8_t)i; /* the same first 31 bytes */
        ev[i].type = ZL_EV_OBJECT;
        ev[i].action = ZL_ACT_OBSERVE;
        ev[i].event_time_ms = 1000 + i;
        ev[i].json = JSON;
        ev[i].json_len = sizeof JSON - 1;
    }
    memcpy(other, ev[0].hash, 32);
    other[6] = 0; /* the same first 6 bytes, stored by neither */
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(zl_store_event_put(f->s, &ev[0], 5, NULL), 0);
    assert_int_equal(zl_store_event_put(f->s, &ev[1], 5, NULL), 0);
    assert_int_equal(zl_store_event_put(f->s, &ev[0], 6, NULL), ZL_EEXIST);
    assert_int_equal(zl_store_event_put(f->s, &ev[1], 6, NULL), ZL_EEXIST);
    assert_int_equal(zl_store_commit(f->s), 0);
    assert_int_equal(zl_store_event_count(f->s, &n), 0);
    assert_int_equal(n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(zl_store_event_get(f->s, ev[i].hash, get_time, &t), 0);
        assert_int_equal(t, 1000 + i);
    }
    assert_int_equal(zl_store_event_get(f->s, other, get_time, &t),
                     ZL_ENOTFOUND);
}

/* ---- schema versions ----------------------------------------------------- */

/* The query indexes of schema version 6, dropped (fails if one is not
 * there). */
#define QUERY_INDEXES_DROP                                                     \
    "DROP INDEX events_step_time; DROP INDEX events_disp_time;"                \
    " DROP INDEX events_rp_time; DROP INDEX events_loc_time"

static void test_schema_versions(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    struct rows o = {0};
    char want[96];
    int v = 0;

    assert_int_equal(zl_store_schema_version(f->s, &v), 0);
    assert_int_equal(v, ZL_STORE_SCHEMA_VERSION);
    capture(f->s, DOC, 2);

    /* as written by 0.1.0: no version recorded, no outbox */
    assert_int_equal(zl_store_exec_sql(f->s, "DROP TABLE outbox"), 0);
    assert_int_equal(zl_store_exec_sql(f->s, "DELETE FROM meta WHERE key ="
                                             " 'store.schema_version'"),
                     0);
    assert_int_equal(zl_store_schema_version(f->s, &v), 0);
    assert_int_equal(v, 1);
    zl_close(f->s);
    /* opening migrates it, data kept */
    assert_int_equal(zl_open(f->uri, &f->s, &err), 0);
    assert_int_equal(zl_store_schema_version(f->s, &v), 0);
    assert_int_equal(v, ZL_STORE_SCHEMA_VERSION);
    assert_int_equal(count(f->s), 2);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, collect, &o), 0);
    assert_int_equal(o.n, 0);
    capture(f->s, DOC2, 1);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, collect, &o), 0);
    assert_int_equal(o.n, 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);

    /* as written at version 5: no query indexes; 5 -> 6 builds them (the
     * DROP INDEX after the open fails if one is missing) */
    assert_int_equal(to_layout(f->s, QUERY_INDEXES_DROP), 0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "5", 1),
                     0);
    zl_close(f->s);
    assert_int_equal(zl_open(f->uri, &f->s, &err), 0);
    assert_int_equal(zl_store_schema_version(f->s, &v), 0);
    assert_int_equal(v, ZL_STORE_SCHEMA_VERSION);
    assert_int_equal(zl_store_exec_sql(f->s, QUERY_INDEXES_DROP), 0);
    assert_int_equal(count(f->s), 3);

    /* written by a newer release: refused, naming both versions, and left
     * as it was */
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "99", 2),
                     0);
    zl_close(f->s);
    f->s = NULL;
    assert_int_equal(zl_open(f->uri, &f->s, &err), ZL_EUNSUPPORTED);
    assert_null(f->s);
    snprintf(want, sizeof want,
             "schema version 99, newer than this zhiliang reads (%d;",
             ZL_STORE_SCHEMA_VERSION);
    assert_non_null(strstr(err.rule, want));
    assert_non_null(strstr(err.rule, "upgrade zhiliang"));

    /* a migration that fails changes nothing: the next open tries again */
    {
        char uri[512];
        zl_store *s = NULL;
        int i;

        fixture_uri(uri, sizeof uri, "store-badmig");
        zl_store_remove(uri);
        assert_int_equal(zl_init(uri, NULL, &err), 0);
        assert_int_equal(zl_open(uri, &s, &err), 0);
        capture(s, DOC, 2);
        /* a 0.1.0 store in which the outbox's name is already taken */
        assert_int_equal(zl_store_exec_sql(s, "DROP TABLE outbox;"
                                              "CREATE INDEX outbox ON"
                                              " events(event_time);"
                                              "DELETE FROM meta WHERE key ="
                                              " 'store.schema_version'"),
                         0);
        zl_close(s);
        for (i = 0; i < 2; i++) {
            s = NULL;
            memset(&err, 0, sizeof err);
            assert_int_not_equal(zl_open(uri, &s, &err), 0);
            assert_null(s);
            assert_non_null(strstr(err.rule, "cannot migrate the store from "
                                             "schema version 1 to"));
        }
        zl_store_remove(uri);
    }

    /* a version that is not a number is not taken for one */
    {
        char uri[512];
        zl_store *s = NULL;

        fixture_uri(uri, sizeof uri, "store-badver");
        zl_store_remove(uri);
        assert_int_equal(zl_init(uri, NULL, &err), 0);
        assert_int_equal(zl_open(uri, &s, &err), 0);
        assert_int_equal(zl_store_meta_set(s, "store.schema_version", "2x", 2),
                         0);
        zl_close(s);
        s = NULL;
        assert_int_equal(zl_open(uri, &s, &err), ZL_ESTORE);
        assert_non_null(strstr(err.rule, "cannot read the schema version"));
        zl_store_remove(uri);
    }
}

/* ---- a store made by release 0.1.0 --------------------------------------- */

#define FIXTURE_V1  ZL_SOURCE_ROOT "/tests/fixtures/store-v1.db"
#define V1_REGISTRY (65 + 56) /* the fixture's parties and products */
/* What the fixture holds (tests/fixtures/README.md). */
#define V1_EVENTS 131
#define V1_LEAVES 132
#define V1_LOT    "https://id.gs1.org/01/06979636760012/10/C260301-00005"

/* The fixture as 0.1.0 left it: tables, but no version and no outbox. */
static void check_fixture_is_v1(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM meta WHERE"
                           " key = 'store.schema_version'),"
                           " (SELECT count(*) FROM sqlite_master"
                           " WHERE name = 'outbox'),"
                           " (SELECT count(*) FROM events)",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    assert_int_equal(sqlite3_column_int(st, 1), 0);
    assert_int_equal(sqlite3_column_int(st, 2), V1_EVENTS);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static int count_json(void *ctx, const char *json, size_t len)
{
    (*(int *)ctx)++;
    return 0;
}

/* ---- interned identifiers (schema 8, SQLite) ------------------------------
 */

/* Every row of the event_ids view, in key order, as text. */
static char *dump_ids(zl_store *s)
{
    sqlite3_stmt *st = NULL;
    char *out = calloc(1, 1);
    size_t len = 0;

    assert_int_equal(
        sqlite3_prepare_v2(zl_sqlite_db(s),
                           "SELECT id || '|' || event_time || '|' || hex(hash)"
                           " || '|' || role || '|' || type || '|' || action"
                           " || '|' || record_time || '|' || ifnull(qty, '-')"
                           " || '|' || ifnull(uom, '-') FROM event_ids"
                           " ORDER BY id, event_time, hash, role",
                           -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        size_t n = strlen(r);

        out = realloc(out, len + n + 2);
        assert_non_null(out);
        memcpy(out + len, r, n);
        len += n;
        out[len++] = '\n';
        out[len] = 0;
    }
    sqlite3_finalize(st);
    return out;
}

/* The dictionary of identifiers as schemas 8-24 kept it: each one's text
 * (schema 26 keeps codes, ident_code.h), and the view over it. */
#define IDENTS_AS_TEXT                                                         \
    "DROP VIEW event_ids; DROP VIEW event_codes;"                              \
    "CREATE TABLE v24_idents(n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);" \
    "INSERT INTO v24_idents SELECT n, id FROM idents_text ORDER BY n;"         \
    "DROP VIEW idents_text; DROP TABLE idents;"                                \
    "ALTER TABLE v24_idents RENAME TO idents;"                                 \
    "CREATE VIEW event_ids(id, event_time, hash, role, type,"                  \
    " action, record_time, qty, uom) AS SELECT d.id, o.event_time, e.hash,"    \
    " o.role, e.type, e.action, e.record_time, o.qty, o.uom"                   \
    " FROM event_occ o JOIN idents d ON d.n = o.n"                             \
    " JOIN events e ON e.rid = o.ev;"

/* The occurrences as schemas 8-32 kept them (schema 33 keys them by day
 * and keeps quantities in event_qty, store_sqlite.c): the event time in
 * ms, quantity and unit in every row, and the views over that. */
#define OCC_AS_V32                                                             \
    "DROP VIEW event_ids; DROP VIEW event_codes;"                              \
    "CREATE TABLE v32_occ(n INTEGER NOT NULL, event_time INTEGER NOT NULL,"    \
    " ev INTEGER NOT NULL, role INTEGER NOT NULL, qty REAL, uom TEXT,"         \
    " PRIMARY KEY(n, event_time, ev, role)) WITHOUT ROWID;"                    \
    "INSERT INTO v32_occ SELECT o.n, e.event_time, o.ev, o.role, q.qty,"       \
    " q.uom FROM event_occ o JOIN events e ON e.rid = o.ev"                    \
    " LEFT JOIN event_qty q ON q.ev = o.ev AND q.n = o.n"                      \
    " AND q.role = o.role;"                                                    \
    "DROP TABLE event_occ; DROP TABLE event_qty;"                              \
    "ALTER TABLE v32_occ RENAME TO event_occ;"                                 \
    "CREATE VIEW event_codes(code, event_time, hash, role, type, action,"      \
    " record_time, qty, uom) AS SELECT d.code, o.event_time, e.hash, o.role,"  \
    " e.type, e.action, e.record_time, o.qty, o.uom FROM event_occ o"          \
    " JOIN idents d ON d.n = o.n JOIN events e ON e.rid = o.ev;"               \
    "CREATE VIEW event_ids(id, event_time, hash, role, type, action,"          \
    " record_time, qty, uom) AS SELECT d.id, o.event_time, e.hash, o.role,"    \
    " e.type, e.action, e.record_time, o.qty, o.uom FROM event_occ o"          \
    " JOIN idents_text d ON d.n = o.n JOIN events e ON e.rid = o.ev;"

/* log_leaf as schemas 32-34 kept it: the key column TEXT, an event's key
 * its 32 bytes (schema 36 stores the event's rid). First in every older
 * layout below, before events is copied. */
#define LEAF_AS_V34                                                            \
    "CREATE TABLE v34_log_leaf(idx INTEGER PRIMARY KEY, type INTEGER"          \
    " NOT NULL, record_key TEXT NOT NULL, hash BLOB NOT NULL);"                \
    "INSERT INTO v34_log_leaf SELECT l.idx, l.type, coalesce(e.hash,"          \
    " l.record_key), l.hash FROM log_leaf l LEFT JOIN events e"                \
    " ON typeof(l.record_key) = 'integer' AND e.rid = l.record_key"            \
    " ORDER BY l.idx;"                                                         \
    "DROP TABLE log_leaf; ALTER TABLE v34_log_leaf RENAME TO log_leaf;"        \
    "CREATE INDEX log_leaf_key ON log_leaf(CASE typeof(record_key)"            \
    " WHEN 'blob' THEN substr(record_key, 1, 6) ELSE record_key END);"

/* The outbox as schemas 21-32 kept it: every kind as text (schema 33
 * keeps an event's as the integer 1). */
#define OUTBOX_AS_V32                                                          \
    "CREATE TABLE v32_outbox(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,"     \
    " key BLOB NOT NULL, created INTEGER NOT NULL);"                           \
    "INSERT INTO v32_outbox SELECT seq, CASE kind WHEN 1 THEN 'event'"         \
    " ELSE kind END, key, created FROM outbox ORDER BY seq;"                   \
    "DROP TABLE outbox; ALTER TABLE v32_outbox RENAME TO outbox;"

/* Schema 27's trade index (sqlite_trade.c), which no older store has: its
 * triggers name events' rid, which the older layouts below lack. */
#define DROP_TRADE                                                             \
    "DROP TRIGGER event_trade_ai; DROP TRIGGER event_trade_au;"                \
    " DROP TRIGGER event_trade_ad; DROP TRIGGER event_trade_eu;"               \
    " DROP TRIGGER event_trade_ed; DROP TABLE event_trade;"                    \
    " DROP TABLE trade_values;"

/* Lay the store out as schema 11 (and 7 before it) wrote it: event_ids a table
 * holding every occurrence in full, events without rid. */
static const char TO_V7[] = LEAF_AS_V34 DROP_TRADE OCC_AS_V32 OUTBOX_AS_V32
    "CREATE TABLE v7_ids(id TEXT NOT NULL, event_time INTEGER NOT NULL,"
    " hash BLOB NOT NULL, role INTEGER NOT NULL, type INTEGER NOT NULL,"
    " action INTEGER NOT NULL, record_time INTEGER NOT NULL, qty REAL,"
    " uom TEXT, PRIMARY KEY(id, event_time, hash, role)) WITHOUT ROWID;"
    "INSERT INTO v7_ids SELECT * FROM event_ids;"
    "DROP VIEW event_ids; DROP VIEW event_codes; DROP VIEW idents_text;"
    " DROP TABLE event_occ; DROP TABLE idents;"
    "ALTER TABLE v7_ids RENAME TO event_ids;"
    "CREATE TABLE v7_events(hash BLOB NOT NULL UNIQUE, declared_id TEXT,"
    " type INTEGER NOT NULL, action INTEGER NOT NULL,"
    " event_time INTEGER NOT NULL, tz INTEGER NOT NULL,"
    " record_time INTEGER NOT NULL, biz_step TEXT, disposition TEXT,"
    " read_point TEXT, biz_location TEXT, transformation_id TEXT,"
    " has_error INTEGER NOT NULL, party TEXT, json TEXT NOT NULL,"
    " ids BLOB NOT NULL);"
    "INSERT INTO v7_events SELECT hash, declared_id, type, action,"
    " event_time, tz, record_time, (SELECT v FROM vocab WHERE n = biz_step),"
    " (SELECT v FROM vocab WHERE n = disposition),"
    " (SELECT v FROM vocab WHERE n = read_point),"
    " (SELECT v FROM vocab WHERE n = biz_location), transformation_id,"
    " has_error, party, json, ids FROM events ORDER BY rid;"
    "DROP TABLE events; ALTER TABLE v7_events RENAME TO events;"
    "DROP TABLE vocab;"
    "CREATE INDEX events_time ON events(event_time);"
    "UPDATE meta SET value = '11' WHERE key = 'store.schema_version'";

/* zl_test_ids_v2(ids): a version 3 list (schema 38) as version 2. */
static void test_ids_v2_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    struct zl_buf b;
    const void *p = sqlite3_value_blob(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);

    (void)argc;
    zl_buf_init(&b, (size_t)1 << 30);
    if (p && n > 0 && ((const uint8_t *)p)[0] == ZL_IDS_V3 &&
        !zl_sqlite_ids_v2(sqlite3_user_data(cx), p, (size_t)n, &b))
        sqlite3_result_blob(cx, b.data ? b.data : "", (int)b.len,
                            SQLITE_TRANSIENT);
    else
        sqlite3_result_value(cx, argv[0]);
    zl_buf_cleanup(&b);
}

/* Lay s out as an older schema with sql, its identifier lists first put
 * back into version 2 and its events' outbox created times written
 * (every schema before 38 wrote them so; the steps from older ones
 * renumber idents and copy the outbox). 0 or an error. */
static int to_layout(zl_store *s, const char *sql)
{
    int rc;

    if (strcmp(zl_store_backend_name(s), "sqlite"))
        return zl_store_exec_sql(s, sql); /* PostgreSQL: neither */
    rc = sqlite3_create_function_v2(zl_sqlite_db(s), "zl_test_ids_v2", 1,
                                    SQLITE_UTF8, s, test_ids_v2_fn, NULL, NULL,
                                    NULL) == SQLITE_OK
             ? 0
             : ZL_ESTORE;
    if (!rc)
        rc = zl_store_exec_sql(s, "UPDATE events SET ids = zl_test_ids_v2(ids)"
                                  " WHERE substr(ids, 1, 1) = x'b3'");
    /* and an event's outbox created, which 38 leaves NULL, written */
    if (!rc)
        rc = zl_store_exec_sql(s, "UPDATE outbox SET created = (SELECT"
                                  " e.record_time FROM log_leaf l JOIN events"
                                  " e ON e.rid = l.record_key WHERE l.idx ="
                                  " outbox.key) WHERE created IS NULL");
    return rc ? rc : zl_store_exec_sql(s, sql);
}

static void test_intern_from_v7(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    char *before, *after;
    int64_t n = 0;
    int v = 0;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps event_ids a table */
    capture(f->s, DOC, 2);
    capture(f->s, DOC2, 1);
    before = dump_ids(f->s);
    /* three occurrences of the one item (as a Digital Link URI) */
    assert_non_null(strstr(before, "https://id.gs1.org/01/10614141073464/21/"
                                   "2017|1709251200000|"));
    assert_int_equal(to_layout(f->s, TO_V7), 0);
    assert_int_equal(zl_store_schema_version(f->s, &v), 0);
    assert_int_equal(v, 11);
    reopen_migrated(f, &err);
    /* the same occurrences, one dictionary entry for the identifier */
    after = dump_ids(f->s);
    assert_string_equal(after, before);
    assert_int_equal(zl_store_exec_sql(f->s, "SELECT 1 FROM event_occ"), 0);
    assert_int_equal(zl_sqlite_get_i64(f->s, "SELECT count(*) FROM idents", &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* a new capture interns into the same entry */
    capture(f->s, DOC2, 0);
    assert_int_equal(zl_sqlite_get_i64(f->s, "SELECT count(*) FROM idents", &n),
                     0);
    assert_int_equal(n, 1);
    free(before);
    free(after);

    /* an edit of the dictionary changes what every occurrence says */
    assert_int_equal(
        zl_store_exec_sql(f->s, "UPDATE idents SET code = code || 'x'"), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), ZL_ETAMPER);
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* schema 26: an entry holding its identifier's text instead of its
     * code reads right, but a lookup by code misses it (verify looks up
     * every occurrence so) */
    assert_int_equal(
        zl_store_exec_sql(f->s, "UPDATE idents SET code = (SELECT id FROM"
                                " idents_text t WHERE t.n = idents.n)"),
        0);
    assert_int_equal(zl_sqlite_get_i64(f->s,
                                       "SELECT count(*) FROM idents"
                                       " WHERE typeof(code) = 'text'",
                                       &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), ZL_ETAMPER);
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* and so does an entry no occurrence uses */
    assert_int_equal(zl_store_exec_sql(f->s,
                                       "INSERT INTO idents(code)"
                                       " VALUES('urn:epc:id:sgtin:1.2.3')"),
                     0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), ZL_ETAMPER);
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    after = dump_ids(f->s);
    assert_non_null(
        strstr(after, "https://id.gs1.org/01/10614141073464/21/2017|"));
    assert_null(strstr(after, "2017x"));
    free(after);
}

/* ---- compressed events' JSON (schema 8, SQLite) ---------------------------
 */

static int cat_json(void *ctx, const char *json, size_t len)
{
    struct zl_buf *b = ctx;

    assert_int_equal(zl_buf_add(b, json, len), 0);
    assert_int_equal(zl_buf_add(b, "\n", 1), 0);
    return 0;
}

/* Every event's JSON as the store answers it, in query order. */
static void all_json(zl_store *s, struct zl_buf *b)
{
    struct zl_error err = {0};
    zl_query *q = NULL;
    char *next = NULL;

    zl_buf_init(b, (size_t)1 << 30);
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(
        zl_query_each(s, q, ZL_EPC_AS_CAPTURED, cat_json, b, &next, &err), 0);
    zl_query_free(q);
    zl_free(next);
}

static int64_t sql_i64(zl_store *s, const char *sql)
{
    int64_t v = -1;

    assert_int_equal(zl_sqlite_get_i64(s, sql, &v), 0);
    return v;
}

/* The frames of events whose rid % 3 = 1 put back into the form written
 * before schema 35: the magic, and the dictionary's ID (its bytes 4-7, as
 * a zstd dictionary holds it) in a 4-byte Dictionary_ID field. */
static void frames_as_v34(zl_store *s)
{
    sqlite3 *db = zl_sqlite_db(s);
    sqlite3_stmt *rd = NULL, *up = NULL, *id = NULL;
    uint8_t dict_id[4];

    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT substr(value, 5, 4) FROM meta"
                                        " WHERE key = 'events.zdict.1'",
                                        -1, &id, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(id), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(id, 0), 4);
    memcpy(dict_id, sqlite3_column_blob(id, 0), 4);
    sqlite3_finalize(id);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT rid, json FROM events WHERE"
                           " rid % 3 = 1 AND typeof(json) = 'blob'",
                           -1, &rd, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE events SET json = ?2"
                                        " WHERE rid = ?1",
                                        -1, &up, NULL),
                     SQLITE_OK);
    while (sqlite3_step(rd) == SQLITE_ROW) {
        const uint8_t *b = sqlite3_column_blob(rd, 1);
        size_t n = (size_t)sqlite3_column_bytes(rd, 1);
        size_t head = 2 + ((b[1] & 0x20) ? 0 : 1);
        uint8_t *o = malloc(n + 8);

        assert_non_null(o);
        assert_int_equal(b[1] & 3, 0); /* bare: no ID */
        o[0] = b[0];
        memcpy(o + 1, "\x28\xb5\x2f\xfd", 4);
        o[5] = (uint8_t)(b[1] | 3);
        memcpy(o + 6, b + 2, head - 2);
        memcpy(o + 4 + head, dict_id, 4);
        memcpy(o + 8 + head, b + head, n - head);
        sqlite3_bind_int64(up, 1, sqlite3_column_int64(rd, 0));
        sqlite3_bind_blob(up, 2, o, (int)(n + 8), SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_reset(up);
        free(o);
    }
    sqlite3_finalize(rd);
    sqlite3_finalize(up);
}

/* The demo chain of seed and scale, documents of 100 events, into s. */
static void small_demo(zl_store *s, uint64_t seed, int scale)
{
    struct zl_demo_opts o = {0};

    o.seed = seed;
    o.scale = scale;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, s, NULL), 0);
}

/* The JSON dictionary s is due (as at a commit), learnt now with a
 * first one at 100 events instead of 2,048. */
static void train_json(zl_store *s)
{
    assert_int_equal(zl_store_begin(s), 0);
    assert_int_equal(zl_sqlite_json_train_in_tx(s, 100), 0);
    assert_int_equal(zl_store_commit(s), 0);
}

/* A store keeps learning (sqlite_zjson.c): once it holds 16 times the
 * events its dictionary waited for, the next one is learnt from events
 * spread over the store; rows written before keep their version and read
 * back the same, new rows use the new one, verify reproduces every hash. */
static void test_json_retrained(void **state)
{
    struct fixture *f = *state;
    struct zl_buf before, after;
    int64_t n;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL stores the JSON as text */
    small_demo(f->s, 11, 4);
    train_json(f->s);
    assert_int_equal(sql_i64(f->s, "SELECT value FROM meta"
                                   " WHERE key = 'events.zdict'"),
                     1);
    /* under 16 x 100 events: no second dictionary */
    assert_true(count(f->s) < 1600);
    train_json(f->s);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM meta"
                                   " WHERE key LIKE 'events.zdict.%'"),
                     1);
    small_demo(f->s, 12, 24);
    n = count(f->s);
    assert_true(n >= 1600);
    all_json(f->s, &before);
    train_json(f->s);
    assert_int_equal(sql_i64(f->s, "SELECT value FROM meta"
                                   " WHERE key = 'events.zdict'"),
                     2);
    assert_true(sql_i64(f->s, "SELECT length(value) FROM meta"
                              " WHERE key = 'events.zdict.2'") > 1000);
    /* the rows already written keep the first */
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE substr(json, 1, 1) = x'01'"),
                     n);
    all_json(f->s, &after);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.data, before.data, before.len);
    zl_buf_cleanup(&after);
    zl_buf_cleanup(&before);
    /* new rows use the second, and every hash is reproduced */
    capture(f->s, DOC, 2);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE substr(json, 1, 1) = x'02'"),
                     2);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

static void test_compressed_json(void **state)
{
    struct fixture *f = *state;
    struct zl_buf before, after;
    int64_t n;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL stores the JSON as text */
    small_demo(f->s, 11, 4);
    n = count(f->s);
    assert_true(n > 300);
    /* below 2,048 events: no dictionary, every row text */
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM meta WHERE key LIKE"
                                   " 'events.zdict%'"),
                     0);
    all_json(f->s, &before);
    /* trained (as at 2,048 events; here from what there is) */
    train_json(f->s);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE typeof(json) = 'blob'"),
                     n);
    /* the bytes shrank by well over half */
    assert_true(sql_i64(f->s, "SELECT sum(length(json)) FROM events") * 3 <
                (int64_t)before.len);
    /* the same JSON, byte for byte, and verify reproduces every hash */
    all_json(f->s, &after);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.data, before.data, before.len);
    zl_buf_cleanup(&after);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* each frame is stored bare: no magic number after the version byte */
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE substr(json, 2, 4) = x'28b52ffd'"),
                     0);
    /* a row in the form written before (the magic in front of its frame)
     * reads as the same JSON, and verify still reproduces its hash */
    assert_int_equal(
        zl_store_exec_sql(f->s, "UPDATE events SET json = CAST(substr(json,"
                                " 1, 1) || x'28b52ffd' || substr(json, 2)"
                                " AS BLOB) WHERE rid % 3 = 0"),
        0);
    assert_true(sql_i64(f->s, "SELECT count(*) FROM events"
                              " WHERE substr(json, 2, 4) = x'28b52ffd'") > 50);
    all_json(f->s, &after);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.data, before.data, before.len);
    zl_buf_cleanup(&after);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* and a third with the dictionary's ID too, as before schema 35: read
     * the same; the upgrade to 38 makes every frame bare, the same JSON */
    frames_as_v34(f->s);
    assert_true(sql_i64(f->s, "SELECT count(*) FROM events WHERE"
                              " substr(json, 2, 4) = x'28b52ffd'") > 100);
    all_json(f->s, &after);
    assert_memory_equal(after.data, before.data, before.len);
    zl_buf_cleanup(&after);
    assert_int_equal(to_layout(f->s, "UPDATE meta SET value = '37'"
                                     " WHERE key = 'store.schema_version'"),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE substr(json, 2, 4) = x'28b52ffd'"),
                     0);
    all_json(f->s, &after);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.data, before.data, before.len);
    zl_buf_cleanup(&after);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* new captures are stored compressed */
    capture(f->s, DOC, 2);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE typeof(json) = 'blob'"),
                     n + 2);
    /* a row damaged behind our back is caught, not skipped */
    assert_int_equal(
        zl_store_exec_sql(f->s,
                          "UPDATE events SET json = substr(json, 1, 9)"
                          " || CASE WHEN substr(json, 10, 1) = x'00'"
                          " THEN x'01' ELSE x'00' END || substr(json, 11)"
                          " WHERE rid = (SELECT min(rid) + 5 FROM events)"),
        0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), ZL_ETAMPER);
    zl_buf_cleanup(&before);
}

/* The statements kept for built query text (zl_sqlite_stmt_text): the
 * same text again gets the kept statement, reset and unbound; a text
 * whose statement is still out gets a fresh one; past ZL_TEXT_STMTS
 * texts the least recently used is dropped. */
static void test_text_stmts(void **state)
{
    struct fixture *f = *state;
    static const char A[] = "SELECT ?1 + 1";
    char more[ZL_TEXT_STMTS + 1][32];
    sqlite3_stmt *a, *a2, *b;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip();
    a = zl_sqlite_stmt_text(f->s, A, strlen(A));
    assert_non_null(a);
    sqlite3_bind_int(a, 1, 41);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(a, 0), 42);
    /* still stepping: a nested query of the same shape gets its own */
    b = zl_sqlite_stmt_text(f->s, A, strlen(A));
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    zl_sqlite_stmt_text_done(f->s, b);
    zl_sqlite_stmt_text_done(f->s, a);
    a2 = zl_sqlite_stmt_text(f->s, A, strlen(A));
    assert_ptr_equal(a2, a);
    assert_int_equal(sqlite3_step(a2), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(a2, 0), SQLITE_NULL); /* unbound */
    zl_sqlite_stmt_text_done(f->s, a2);
    /* a bad text: NULL, nothing kept */
    assert_null(zl_sqlite_stmt_text(f->s, "SELEC 1", 7));
    for (int i = 0; i <= ZL_TEXT_STMTS; i++) {
        snprintf(more[i], sizeof more[i], "SELECT %d", i);
        b = zl_sqlite_stmt_text(f->s, more[i], strlen(more[i]));
        assert_non_null(b);
        zl_sqlite_stmt_text_done(f->s, b);
    }
    /* A was the least recently used: a new statement now */
    b = zl_sqlite_stmt_text(f->s, A, strlen(A));
    assert_non_null(b);
    zl_sqlite_stmt_text_done(f->s, b);
    /* the most recent text is still kept */
    a = zl_sqlite_stmt_text(f->s, more[ZL_TEXT_STMTS],
                            strlen(more[ZL_TEXT_STMTS]));
    zl_sqlite_stmt_text_done(f->s, a);
    b = zl_sqlite_stmt_text(f->s, more[ZL_TEXT_STMTS],
                            strlen(more[ZL_TEXT_STMTS]));
    assert_ptr_equal(a, b);
    zl_sqlite_stmt_text_done(f->s, b);
}

static void test_compressed_dict_tamper(void **state)
{
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip();
    o.seed = 12;
    o.scale = 3;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    train_json(f->s);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* the dictionary edited: the rows it decodes are no longer the
     * records the log holds */
    assert_int_equal(
        zl_store_exec_sql(f->s, "UPDATE meta SET value = substr(value, 1, 100)"
                                " || x'5a5a5a5a' || substr(value, 105)"
                                " WHERE key = 'events.zdict.1'"),
        0);
    zl_close(f->s); /* a new handle reads the edited dictionary */
    f->s = NULL;
    assert_int_equal(zl_open(f->uri, &f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), ZL_ETAMPER);
}

static int json_copy_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct zl_buf *b = ctx;

    b->len = 0;
    assert_int_equal(zl_buf_add(b, ev->json, ev->json_len), 0);
    return 0;
}

/* A schema 7 store big enough for a dictionary: the migration trains it
 * and writes every row compressed, the JSON the same bytes. */
static void test_compressed_from_v7(void **state)
{
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    struct zl_buf before, after, one;
    sqlite3_stmt *st = NULL, *up = NULL;
    char *ids_before, *ids_after;
    int64_t n;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip();
    o.seed = 13;
    o.scale = 23;
    o.per_doc = 500;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    n = count(f->s);
    assert_true(n >= 2048);
    all_json(f->s, &before);
    ids_before = dump_ids(f->s);
    /* schema 7 stored the JSON as text and had no dictionary */
    assert_int_equal(
        zl_store_exec_sql(f->s, "CREATE TABLE v7_json(hash BLOB PRIMARY KEY,"
                                " json TEXT NOT NULL)"),
        0);
    zl_buf_init(&one, (size_t)1 << 26);
    assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(f->s),
                                        "SELECT hash FROM events", -1, &st,
                                        NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(f->s),
                                        "INSERT INTO v7_json VALUES(?1, ?2)",
                                        -1, &up, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_int_equal(zl_store_event_get(f->s, sqlite3_column_blob(st, 0),
                                            json_copy_cb, &one),
                         0);
        sqlite3_bind_blob(up, 1, sqlite3_column_blob(st, 0), 32,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(up, 2, one.data, (int)one.len, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_reset(up);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    zl_buf_cleanup(&one);
    assert_int_equal(to_layout(f->s, TO_V7), 0);
    assert_int_equal(
        zl_store_exec_sql(f->s, "UPDATE events SET json = (SELECT json FROM"
                                " v7_json j WHERE j.hash = events.hash);"
                                "DROP TABLE v7_json;"
                                "DELETE FROM meta WHERE key LIKE"
                                " 'events.zdict%'"),
        0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE typeof(json) = 'text'"),
                     n);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE typeof(json) = 'blob'"),
                     n);
    all_json(f->s, &after);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.data, before.data, before.len);
    ids_after = dump_ids(f->s);
    assert_string_equal(ids_after, ids_before);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    zl_buf_cleanup(&before);
    zl_buf_cleanup(&after);
    free(ids_before);
    free(ids_after);
}

/* ---- vocab numbers (schema 17, SQLite) ------------------------------------
 */

/* Every event's hash and four vocab columns as text, by hash. */
static char *dump_vocab_cols(zl_store *s, const char *expr)
{
    sqlite3_stmt *st = NULL;
    char *out = calloc(1, 1);
    size_t len = 0;
    char sql[512];

    snprintf(sql, sizeof sql, "SELECT %s FROM events ORDER BY hash", expr);
    assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(s), sql, -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        size_t n = strlen(r);

        out = realloc(out, len + n + 2);
        assert_non_null(out);
        memcpy(out + len, r, n);
        len += n;
        out[len++] = '\n';
        out[len] = 0;
    }
    sqlite3_finalize(st);
    return out;
}

#define VOCAB_TEXT(c) "ifnull((SELECT v FROM vocab WHERE n = " c "), '-')"
#define VOCAB_DUMP                                                             \
    "hex(hash) || '|' || " VOCAB_TEXT("biz_step") " || '|' || " VOCAB_TEXT(    \
        "disposition") " || '|' || " VOCAB_TEXT("read_point") " || '|' "       \
                                                              "||"             \
                                                              " " VOCAB_TEXT(  \
                                                                  "biz_"       \
                                                                  "location")
#define TEXT_DUMP                                                              \
    "hex(hash) || '|' || ifnull(biz_step, '-') || '|' ||"                      \
    " ifnull(disposition, '-') || '|' || ifnull(read_point, '-') || '|' ||"    \
    " ifnull(biz_location, '-')"

/* Lay the store out as schema 16 wrote it: the four columns as text. */
static const char TO_V16[] =
    LEAF_AS_V34 DROP_TRADE OCC_AS_V32 OUTBOX_AS_V32 IDENTS_AS_TEXT
    "DROP VIEW event_ids;"
    "CREATE TABLE v16_events(rid INTEGER PRIMARY KEY, hash BLOB NOT NULL"
    " UNIQUE, declared_id TEXT, type INTEGER NOT NULL, action INTEGER NOT"
    " NULL, event_time INTEGER NOT NULL, tz INTEGER NOT NULL, record_time"
    " INTEGER NOT NULL, biz_step TEXT, disposition TEXT, read_point TEXT,"
    " biz_location TEXT, transformation_id TEXT, has_error INTEGER NOT NULL,"
    " party TEXT, json TEXT NOT NULL, ids BLOB NOT NULL);"
    "INSERT INTO v16_events SELECT rid, hash, declared_id, type, action,"
    " event_time, tz, record_time, (SELECT v FROM vocab WHERE n = biz_step),"
    " (SELECT v FROM vocab WHERE n = disposition),"
    " (SELECT v FROM vocab WHERE n = read_point),"
    " (SELECT v FROM vocab WHERE n = biz_location), transformation_id,"
    " has_error, party, json, ids FROM events ORDER BY rid;"
    "DROP TABLE events; ALTER TABLE v16_events RENAME TO events;"
    "DROP TABLE vocab;"
    "CREATE INDEX events_time ON events(event_time, record_time);"
    "CREATE VIEW event_ids(id, event_time, hash, role, type,"
    " action, record_time, qty, uom) AS SELECT d.id, o.event_time, e.hash,"
    " o.role, e.type, e.action, e.record_time, o.qty, o.uom"
    " FROM event_occ o JOIN idents d ON d.n = o.n"
    " JOIN events e ON e.rid = o.ev;"
    "UPDATE outbox SET key = lower(hex(key)) WHERE typeof(key) = 'blob';"
    "UPDATE outbox SET key = (SELECT lower(hex(record_key)) FROM log_leaf"
    " WHERE idx = outbox.key) WHERE typeof(key) = 'integer';"
    "UPDATE meta SET value = '16' WHERE key = 'store.schema_version'";

struct vocab_q {
    const char *want;
    int col, n, wrong;
};

static int vocab_q_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct vocab_q *q = ctx;
    const char *v[4] = {ev->biz_step, ev->disposition, ev->read_point,
                        ev->biz_location};

    q->n++;
    if (!v[q->col] || strcmp(v[q->col], q->want))
        q->wrong++;
    return 0;
}

/* A store of schema 16 is migrated to vocab numbers with the same values,
 * verifies, and answers every EQ_ value of the four columns with exactly
 * the events that carry it, as counted on the text before the step. */
static void test_vocab_from_v16(void **state)
{
    static const char *const COLS[] = {"biz_step", "disposition", "read_point",
                                       "biz_location"};
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    struct rows ob = {0}, oa = {0};
    char *before, *after;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps the text */
    o.seed = 5;
    o.scale = 4;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    before = dump_vocab_cols(f->s, VOCAB_DUMP);
    /* the outbox's event keys are the events' log leaves (schema 21),
     * read as their hashes in hex */
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"
                                   " WHERE kind = 1 AND"
                                   " typeof(key) <> 'integer'"),
                     0);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 8, collect, &ob), 0);
    assert_int_equal(ob.n, 8);
    assert_int_equal(strlen(ob.key[0]), 64);
    assert_int_equal(to_layout(f->s, TO_V16), 0);
    assert_int_equal(
        sql_i64(f->s, "SELECT count(*) FROM outbox WHERE typeof(key) = 'blob'"),
        0);
    after = dump_vocab_cols(f->s, TEXT_DUMP);
    assert_string_equal(after, before);
    free(after);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events WHERE"
                                   " typeof(biz_step) = 'text' OR"
                                   " typeof(disposition) = 'text' OR"
                                   " typeof(read_point) = 'text' OR"
                                   " typeof(biz_location) = 'text'"),
                     0);
    assert_true(sql_i64(f->s, "SELECT count(*) FROM vocab") > 4);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"
                                   " WHERE kind = 1 AND"
                                   " typeof(key) <> 'integer'"),
                     0);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 8, collect, &oa), 0);
    assert_memory_equal(&oa, &ob, sizeof oa);
    after = dump_vocab_cols(f->s, VOCAB_DUMP);
    assert_string_equal(after, before);
    free(after);
    free(before);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* every value of every column: the query's rows are the ones that
     * carry it, as many as the text said */
    for (int c = 0; c < 4; c++) {
        sqlite3_stmt *st = NULL;
        char sql[256];

        snprintf(sql, sizeof sql,
                 "SELECT v.v, count(*) FROM events e JOIN vocab v"
                 " ON v.n = e.%s GROUP BY v.v",
                 COLS[c]);
        assert_int_equal(
            sqlite3_prepare_v2(zl_sqlite_db(f->s), sql, -1, &st, NULL),
            SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *val = (const char *)sqlite3_column_text(st, 0);
            const char *vals[2] = {val, NULL};
            struct vocab_q q = {val, c, 0, 0};
            struct zl_event_filter flt;

            memset(&flt, 0, sizeof flt);
            if (c == 0)
                flt.biz_steps = vals;
            else if (c == 1)
                flt.dispositions = vals;
            else if (c == 2)
                flt.read_points = vals;
            else
                flt.biz_locations = vals;
            assert_int_equal(zl_store_events_query(f->s, &flt, vocab_q_cb, &q),
                             0);
            assert_int_equal(q.wrong, 0);
            assert_int_equal(q.n, sqlite3_column_int(st, 1));
        }
        sqlite3_finalize(st);
    }
    /* numbers past the reader's cache (store_sqlite.c, VT_MAX) read the
     * same: every biz_step and read_point renumbered far up */
    before = dump_vocab_cols(f->s, VOCAB_DUMP);
    assert_int_equal(zl_store_exec_sql(f->s,
                                       "UPDATE vocab SET n = n + 1000000;"
                                       "UPDATE events SET biz_step = biz_step"
                                       " + 1000000, disposition = disposition"
                                       " + 1000000, read_point = read_point"
                                       " + 1000000, biz_location = biz_location"
                                       " + 1000000"),
                     0);
    after = dump_vocab_cols(f->s, VOCAB_DUMP);
    assert_string_equal(after, before);
    free(after);
    free(before);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* a value no event has finds nothing */
    {
        const char *vals[2] = {"urn:epcglobal:cbv:bizstep:nowhere", NULL};
        struct vocab_q q = {vals[0], 0, 0, 0};
        struct zl_event_filter flt;

        memset(&flt, 0, sizeof flt);
        flt.biz_steps = vals;
        assert_int_equal(zl_store_events_query(f->s, &flt, vocab_q_cb, &q), 0);
        assert_int_equal(q.n, 0);
    }
}

static void test_upgrade_from_v1(void **state)
{
    struct zl_error err = {0};
    struct zl_audit_stats st;
    struct zl_trace_opts o = {0};
    struct rows rows = {0};
    zl_trace *t = NULL;
    zl_query *q = NULL;
    char path[256], uri[300];
    char *data, *next = NULL;
    size_t len;
    zl_store *s = NULL;
    FILE *out;
    int v = 0, n = 0;

    (void)state;
    check_fixture_is_v1(FIXTURE_V1);
    /* work on a copy: the fixture itself stays as 0.1.0 wrote it */
    data = slurp(FIXTURE_V1, &len);
    assert_non_null(data);
    snprintf(path, sizeof path, "/tmp/zl-store-v1-%d.db", (int)getpid());
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    zl_store_remove(path);
    out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
    free(data);

    assert_int_equal(zl_open(uri, &s, &err), 0);
    assert_int_equal(zl_store_schema_version(s, &v), 0);
    assert_int_equal(v, ZL_STORE_SCHEMA_VERSION);
    /* verify: every record still matches the log and its checkpoint */
    assert_int_equal(zl_audit_verify(s, NULL, NULL, &st), 0);
    /* the records of 0.1.0, the migration receipt (schema 4) that
     * anchors their record times and parties, one record per party and
     * product (schema 5) anchoring the registry, and the outbox watermark
     * (set at schema 23, logged at 28) */
    assert_int_equal(st.leaves, V1_LEAVES + 1 + V1_REGISTRY + 1);
    assert_int_equal(st.records, V1_LEAVES + 1 + V1_REGISTRY + 1);
    assert_int_equal(st.checkpoints, 1);
    assert_int_equal(st.issues, 0);
    /* events: every one is there and queryable */
    assert_int_equal(count(s), V1_EVENTS);
    assert_int_equal(zl_query_new(&q), 0);
    assert_int_equal(
        zl_query_each(s, q, ZL_EPC_AS_CAPTURED, count_json, &n, &next, &err),
        0);
    assert_int_equal(n, V1_EVENTS);
    zl_query_free(q);
    zl_free(next);
    /* trace: the same answer 0.1.0 gave (`zhiliang trace forward`) */
    o.dir = ZL_TRACE_FORWARD;
    assert_int_equal(zl_trace_run(s, V1_LOT, &o, &t, &err), 0);
    assert_int_equal(zl_trace_node_count(t), 29);
    assert_int_equal(zl_trace_event_count(t), 22);
    zl_trace_free(t);
    /* the migrated store takes new captures, with their outbox rows */
    assert_int_equal(zl_store_outbox_read(s, 0, 0, collect, &rows), 0);
    assert_int_equal(rows.n, 0);
    capture(s, DOC, 2);
    assert_int_equal(zl_store_outbox_read(s, 0, 0, collect, &rows), 0);
    assert_int_equal(rows.n, 2);
    assert_int_equal(zl_audit_verify(s, NULL, NULL, &st), 0);
    /* the watermark's record, two events and their capture receipt */
    assert_int_equal(st.leaves, V1_LEAVES + 1 + V1_REGISTRY + 1 + 3);
    /* 0.1.0's events never had outbox rows, so verify checks the outbox
     * from the upgrade on (schema 23): a new event's row is checked */
    assert_int_equal(zl_store_exec_sql(s, "DELETE FROM outbox WHERE seq ="
                                          " (SELECT max(seq) FROM outbox)"),
                     0);
    assert_int_equal(zl_audit_verify(s, NULL, NULL, &st), ZL_ETAMPER);
    assert_int_equal(st.issues, 1);
    zl_close(s);
    /* and opens again without migrating twice */
    assert_int_equal(zl_open(uri, &s, &err), 0);
    assert_int_equal(count(s), V1_EVENTS + 2);
    assert_int_equal(zl_audit_verify(s, NULL, NULL, &st), ZL_ETAMPER);
    zl_close(s);
    zl_store_remove(uri);
}

/* ---- schema 21: compact log keys, outbox rids, events.ids version 2 ---- */

/* Undo schema 21's layout on SQLite: log keys as text, the outbox's event
 * keys as 32 bytes, as main's schema 20 wrote them (the receipts' lists
 * stay leaf lists: the step passes them through). */
static const char TO_V20[] = LEAF_AS_V34 OCC_AS_V32 OUTBOX_AS_V32
    "UPDATE outbox SET key = (SELECT record_key FROM log_leaf"
    " WHERE idx = outbox.key) WHERE typeof(key) = 'integer';"
    "UPDATE log_leaf SET record_key = 'ni:///sha-256;' ||"
    " lower(hex(record_key)) || '?ver=CBV2.0'"
    " WHERE typeof(record_key) = 'blob';"
    "UPDATE meta SET value = '20' WHERE key = 'store.schema_version'";

static int find_logged(void *ctx, const struct zl_stored_event *ev)
{
    zl_store *s = ctx;
    char id[96] = "ni:///sha-256;";
    uint64_t idx = 0;

    zl_hex_encode(ev->hash, 32, id + strlen(id));
    strcat(id, "?ver=CBV2.0");
    return zl_log_find(s, id, &idx, NULL, NULL);
}

/* After an upgrade: every event found in the log by its hash ID, the root
 * of the first size leaves still root, every 37th leaf's inclusion proof
 * checking against it, and verify passing. */
static void assert_log_as_before(zl_store *s, uint64_t size,
                                 const uint8_t root[32])
{
    struct zl_event_filter all = {0};
    uint8_t again[32], leaf[32], proof[64][32];
    size_t n;

    assert_int_equal(zl_store_events_query(s, &all, find_logged, s), 0);
    assert_int_equal(zl_log_root(s, size, again), 0);
    assert_memory_equal(again, root, 32);
    for (uint64_t i = 0; i < size; i += 37) {
        assert_int_equal(zl_log_leaf(s, i, leaf), 0);
        assert_int_equal(zl_log_prove_inclusion(s, i, size, proof, &n), 0);
        assert_int_equal(zl_log_verify_inclusion(i, size, leaf,
                                                 (const uint8_t(*)[32])proof, n,
                                                 root),
                         0);
    }
    assert_int_equal(zl_audit_verify(s, NULL, NULL, NULL), 0);
}

/* A schema 20 store (text log keys, 32-byte outbox keys) migrates to 21:
 * every event key packed, every outbox event key a leaf, the feed and the
 * log read as before, and verify passes; a second capture writes the new
 * layout. */
static void test_slim_from_v20(void **state)
{
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    struct rows ob = {0}, oa = {0};
    struct zl_event_filter all = {0};

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps its layout */
    o.seed = 6;
    o.scale = 2;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                                   " WHERE typeof(record_key) = 'text'"
                                   " AND record_key LIKE 'ni:%'"),
                     0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"
                                   " WHERE kind = 1 AND"
                                   " typeof(key) <> 'integer'"),
                     0);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 8, collect, &ob), 0);
    assert_int_equal(ob.n, 8);
    assert_int_equal(strlen(ob.key[0]), 64);
    assert_int_equal(zl_store_events_query(f->s, &all, find_logged, f->s), 0);
    /* every receipt lists its events as leaves (not 32-byte hashes) */
    assert_true(sql_i64(f->s, "SELECT count(*) FROM receipts") > 1);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM receipts"
                                   " WHERE length(events) % 32 = 0"),
                     0);
    assert_int_equal(to_layout(f->s, TO_V20), 0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                                   " WHERE typeof(record_key) = 'blob'"),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                                   " WHERE typeof(record_key) = 'text'"
                                   " AND record_key LIKE 'ni:%'"),
                     0);
    /* and each event's names it by rid (schema 36) */
    assert_true(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                              " WHERE typeof(record_key) = 'integer'") > 100);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                                   " WHERE typeof(record_key) = 'blob'"),
                     0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"
                                   " WHERE kind = 1 AND"
                                   " typeof(key) <> 'integer'"),
                     0);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 8, collect, &oa), 0);
    assert_memory_equal(&oa, &ob, sizeof oa);
    assert_int_equal(zl_store_events_query(f->s, &all, find_logged, f->s), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* the outbox row of an event key no event has stays 32 bytes, read
     * back as the same digits */
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(zl_store_outbox_append(f->s, "event",
                                            "00000000000000000000000000000000"
                                            "000000000000000000000000000000ab",
                                            1),
                     0);
    assert_int_equal(zl_store_commit(f->s), 0);
    assert_int_equal(sql_i64(f->s,
                             "SELECT count(*) FROM outbox WHERE"
                             " typeof(key) = 'blob' AND length(key) = 32"),
                     1);
}

/* events.ids version 2 against the identifiers it was made from, and a
 * version 1 blob (written by schema 20) still read: every field, in
 * order, including a unit, an empty unit (none, as before) and a
 * quantity. */
struct ids_seen {
    size_t n;
    char txt[512];
};

static int ids_seen_cb(void *ctx, const struct zl_id_row *r)
{
    struct ids_seen *w = ctx;
    size_t at = strlen(w->txt);

    snprintf(w->txt + at, sizeof w->txt - at, "%d|%s|%d|%g|%s;", (int)r->role,
             r->id, r->has_quantity, r->quantity, r->uom ? r->uom : "-");
    w->n++;
    return 0;
}

static void test_ids_pack_v2(void **state)
{
    static const char WANT[] =
        "3|https://id.gs1.org/01/09506000134352/21/1|0|0|-;"
        "3|https://id.gs1.org/01/09506000134352/21/2|0|0|-;"
        "5|urn:epc:class:lgtin:4012345.012345.998877|1|2.5|KGM;"
        "6|https://id.gs1.org/01/09506000134352/10/L1|1|3|-;"
        "1|x|0|0|-;";
    /* version 1 of the same occurrences, as schema 20 packed them */
    static const uint8_t V1[] = {
        0xB1, 0x03, 0x00, 0x00, 0x29, 'h',  't',  't',  'p',  's',  ':',  '/',
        '/',  'i',  'd',  '.',  'g',  's',  '1',  '.',  'o',  'r',  'g',  '/',
        '0',  '1',  '/',  '0',  '9',  '5',  '0',  '6',  '0',  '0',  '0',  '1',
        '3',  '4',  '3',  '5',  '2',  '/',  '2',  '1',  '/',  '1',  0x03, 0x00,
        0x28, 0x01, '2',  0x85, 0,    0,    0,    0,    0,    0,    0x04, 0x40,
        0x03, 'K',  'G',  'M',  0x00, 0x29, 'u',  'r',  'n',  ':',  'e',  'p',
        'c',  ':',  'c',  'l',  'a',  's',  's',  ':',  'l',  'g',  't',  'i',
        'n',  ':',  '4',  '0',  '1',  '2',  '3',  '4',  '5',  '.',  '0',  '1',
        '2',  '3',  '4',  '5',  '.',  '9',  '9',  '8',  '8',  '7',  '7',  0x86,
        0,    0,    0,    0,    0,    0,    0x08, 0x40, 0x00, 0x00, 0x2A, 'h',
        't',  't',  'p',  's',  ':',  '/',  '/',  'i',  'd',  '.',  'g',  's',
        '1',  '.',  'o',  'r',  'g',  '/',  '0',  '1',  '/',  '0',  '9',  '5',
        '0',  '6',  '0',  '0',  '0',  '1',  '3',  '4',  '3',  '5',  '2',  '/',
        '1',  '0',  '/',  'L',  '1',  0x01, 0x00, 0x00, 0x01, 'x'};
    struct zl_event_id ids[] = {
        {"https://id.gs1.org/01/09506000134352/21/1", ZL_ROLE_CHILD, 0, 0,
         NULL},
        {"https://id.gs1.org/01/09506000134352/21/2", ZL_ROLE_CHILD, 0, 0, ""},
        {"urn:epc:class:lgtin:4012345.012345.998877", (enum zl_id_role)5, 1,
         2.5, "KGM"},
        {"https://id.gs1.org/01/09506000134352/10/L1", (enum zl_id_role)6, 1, 3,
         NULL},
        {"x", (enum zl_id_role)1, 0, 0, NULL},
    };
    struct zl_event ev;
    struct zl_buf b;
    struct zl_id_row r;
    struct ids_seen w = {0}, w1 = {0};

    (void)state;
    memset(&ev, 0, sizeof ev);
    ev.ids = ids;
    ev.n_ids = sizeof ids / sizeof ids[0];
    zl_buf_init(&b, 1 << 20);
    assert_int_equal(zl_ids_pack(&ev, &b), 0);
    assert_int_equal(((const uint8_t *)b.data)[0], 0xB2);
    /* the first identifier shares the GS1 prefix with the seed */
    assert_true(b.len < sizeof V1 - 20);
    memset(&r, 0, sizeof r);
    assert_int_equal(zl_ids_unpack((const uint8_t *)b.data, b.len, NULL,
                                   ZL_ID_ROLES_ALL, &r, ids_seen_cb, &w),
                     0);
    assert_string_equal(w.txt, WANT);
    memset(&r, 0, sizeof r);
    assert_int_equal(zl_ids_unpack(V1, sizeof V1, NULL, ZL_ID_ROLES_ALL, &r,
                                   ids_seen_cb, &w1),
                     0);
    assert_string_equal(w1.txt, WANT);
    /* cut anywhere: malformed, never read past the end */
    for (size_t k = 2; k < b.len; k++) {
        struct ids_seen x = {0};
        int rc;

        memset(&r, 0, sizeof r);
        rc = zl_ids_unpack((const uint8_t *)b.data, k, NULL, ZL_ID_ROLES_ALL,
                           &r, ids_seen_cb, &x);
        assert_true(rc == 0 || rc == ZL_ESTORE);
    }
    zl_buf_cleanup(&b);
}

/* A backend's numbers for test_ids_pack_v3: ids[i] is number NUM[i]. */
static const int64_t V3_NUM[] = {70001, 70002, 12, 70003, 3};
static const char *const V3_ID[] = {
    "https://id.gs1.org/01/09506000134352/21/1",
    "https://id.gs1.org/01/09506000134352/21/2",
    "urn:epc:class:lgtin:4012345.012345.998877",
    "https://id.gs1.org/01/09506000134352/10/L1", "x"};

static int v3_name(void *ctx, int64_t n, const char **id)
{
    if (ctx) /* a count of the names asked for */
        ++*(int *)ctx;
    for (size_t i = 0; i < 5; i++)
        if (V3_NUM[i] == n) {
            *id = V3_ID[i];
            return 0;
        }
    return ZL_ESTORE;
}

static int v3_number(void *ctx, const char *id, int64_t *n)
{
    (void)ctx;
    for (size_t i = 0; i < 5; i++)
        if (!strcmp(V3_ID[i], id)) {
            *n = V3_NUM[i];
            return 0;
        }
    return ZL_ESTORE;
}

/* events.ids version 3 (schema 38): identifiers by number, read back
 * through the backend's names to the same occurrences as version 2;
 * repacked from 2 to 3 and back to the same blobs; without names, or
 * with a number the names lack, or cut anywhere, malformed. */
static void test_ids_pack_v3(void **state)
{
    static const char WANT[] =
        "3|https://id.gs1.org/01/09506000134352/21/1|0|0|-;"
        "3|https://id.gs1.org/01/09506000134352/21/2|0|0|-;"
        "5|urn:epc:class:lgtin:4012345.012345.998877|1|2.5|KGM;"
        "6|https://id.gs1.org/01/09506000134352/10/L1|1|3|-;"
        "1|x|0|0|-;";
    struct zl_event_id ids[] = {
        {V3_ID[0], ZL_ROLE_CHILD, 0, 0, NULL},
        {V3_ID[1], ZL_ROLE_CHILD, 0, 0, ""},
        {V3_ID[2], (enum zl_id_role)5, 1, 2.5, "KGM"},
        {V3_ID[3], (enum zl_id_role)6, 1, 3, NULL},
        {V3_ID[4], (enum zl_id_role)1, 0, 0, NULL},
    };
    const struct zl_ids_names names = {v3_name, NULL};
    struct zl_event ev;
    struct zl_buf b, v2, back, again;
    struct zl_id_row r;
    struct ids_seen w = {0}, w2 = {0};

    (void)state;
    memset(&ev, 0, sizeof ev);
    ev.ids = ids;
    ev.n_ids = sizeof ids / sizeof ids[0];
    zl_buf_init(&b, 1 << 20);
    zl_buf_init(&v2, 1 << 20);
    zl_buf_init(&back, 1 << 20);
    zl_buf_init(&again, 1 << 20);
    assert_int_equal(zl_ids_pack_numbered(&ev, V3_NUM, &b), 0);
    assert_int_equal(((const uint8_t *)b.data)[0], ZL_IDS_V3);
    assert_int_equal(zl_ids_pack(&ev, &v2), 0);
    assert_true(b.len < v2.len / 2);
    memset(&r, 0, sizeof r);
    assert_int_equal(zl_ids_unpack((const uint8_t *)b.data, b.len, &names,
                                   ZL_ID_ROLES_ALL, &r, ids_seen_cb, &w),
                     0);
    assert_string_equal(w.txt, WANT);
    /* no names: malformed */
    memset(&r, 0, sizeof r);
    assert_int_equal(zl_ids_unpack((const uint8_t *)b.data, b.len, NULL,
                                   ZL_ID_ROLES_ALL, &r, ids_seen_cb, &w2),
                     ZL_ESTORE);
    /* 2 -> 3 -> 2: the same blobs */
    assert_int_equal(zl_ids_repack((const uint8_t *)v2.data, v2.len, NULL,
                                   v3_number, NULL, &back),
                     0);
    assert_int_equal(back.len, b.len);
    assert_memory_equal(back.data, b.data, b.len);
    assert_int_equal(zl_ids_repack((const uint8_t *)b.data, b.len, &names, NULL,
                                   NULL, &again),
                     0);
    assert_int_equal(again.len, v2.len);
    assert_memory_equal(again.data, v2.data, v2.len);
    /* a number the backend lacks (a high bit of the last one's delta) */
    ((uint8_t *)b.data)[b.len - 1] ^= 0x40;
    memset(&r, 0, sizeof r);
    memset(&w2, 0, sizeof w2);
    assert_int_equal(zl_ids_unpack((const uint8_t *)b.data, b.len, &names,
                                   ZL_ID_ROLES_ALL, &r, ids_seen_cb, &w2),
                     ZL_ESTORE);
    ((uint8_t *)b.data)[b.len - 1] ^= 0x40;
    /* some roles: the others' identifiers are never named, in version 3
     * as in version 2 */
    {
        static const char SOME[] =
            "5|urn:epc:class:lgtin:4012345.012345.998877|1|2.5|KGM;"
            "1|x|0|0|-;";
        const zl_id_roles some = ZL_ID_ROLE(5) | ZL_ID_ROLE(ZL_ROLE_EPC);
        int asked = 0;
        const struct zl_ids_names counted = {v3_name, &asked};
        struct ids_seen w3 = {0}, w4 = {0};

        memset(&r, 0, sizeof r);
        assert_int_equal(zl_ids_unpack((const uint8_t *)b.data, b.len, &counted,
                                       some, &r, ids_seen_cb, &w3),
                         0);
        assert_string_equal(w3.txt, SOME);
        assert_int_equal(asked, 2);
        memset(&r, 0, sizeof r);
        assert_int_equal(zl_ids_unpack((const uint8_t *)v2.data, v2.len, NULL,
                                       some, &r, ids_seen_cb, &w4),
                         0);
        assert_string_equal(w4.txt, SOME);
    }
    for (size_t k = 2; k < b.len; k++) {
        struct ids_seen x = {0};
        int rc;

        memset(&r, 0, sizeof r);
        rc = zl_ids_unpack((const uint8_t *)b.data, k, &names, ZL_ID_ROLES_ALL,
                           &r, ids_seen_cb, &x);
        assert_true(rc == 0 || rc == ZL_ESTORE);
    }
    zl_buf_cleanup(&b);
    zl_buf_cleanup(&v2);
    zl_buf_cleanup(&back);
    zl_buf_cleanup(&again);
}

/* Schema 28 -> 29: the sites index's INSERT trigger made again with the
 * WHEN that lets capture write its rows in C (sqlite_sites.c). A store
 * with the old trigger upgrades, and the index then agrees with the
 * events (verify recomputes every event's keys). */
static const char PLACED[] =
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
    "epcis-context.jsonld\"],"
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
    "\"creationDate\":\"2024-01-01T00:00:00Z\",\"epcisBody\":{\"eventList\":["
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-04T10:00:00.000+08:00\","
    "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"bizStep\":"
    "\"receiving\",\"readPoint\":{\"id\":\"urn:epc:id:sgln:0614141.00777.0\"},"
    "\"bizLocation\":{\"id\":\"urn:epc:id:sgln:0614141.00888.0\"},"
    "\"epcList\":[\"urn:epc:id:sgtin:0614141.107346.2018\"]}"
    "]}}";

static void test_sites_when_from_v28(void **state)
{
    struct fixture *f = *state;
    struct zl_error err = {0};
    sqlite3_stmt *st;
    char *sql, *when, old[4096];
    static const char WHEN[] = " WHEN (SELECT by_trigger FROM zl_sites_mode)";
    static const char GET[] =
        "SELECT sql FROM sqlite_master WHERE name = 'event_sites_ai'";

    if (fixture_is_pg(f->uri))
        skip(); /* PostgreSQL keeps its index by a trigger (pg_sites.c) */
    capture(f->s, DOC, 2);
    assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(f->s), GET, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sql = (char *)sqlite3_column_text(st, 0);
    assert_non_null(when = strstr(sql, WHEN));
    /* schema 28's trigger: the same without the WHEN */
    snprintf(old, sizeof old, "%.*s%s", (int)(when - sql), sql,
             when + strlen(WHEN));
    sqlite3_finalize(st);
    fixture_sql_changes(f->s, "DROP TRIGGER event_sites_ai");
    fixture_sql_changes(f->s, old);
    fixture_sql_changes(f->s, "UPDATE meta SET value = '28'"
                              " WHERE key = 'store.schema_version'");
    reopen_migrated(f, &err);
    assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(f->s), GET, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(st, 0), WHEN));
    sqlite3_finalize(st);
    /* two sites (the readPoint, the bizLocation), each with attributes
     * 0, 1 (the bizStep) and the other location: 6 rows */
    capture(f->s, PLACED, 1);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM event_sites"), 6);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

/* A schema 29 store migrates to 30. On PostgreSQL it had no sites index
 * (pg_sites.c): the step makes it and fills it from the stored events,
 * which verify then finds complete; an index row deleted afterwards is
 * reported. On SQLite the step only makes rule_gen's party triggers again
 * (its index is schema 22's). */
static void test_sites_from_v29(void **state)
{
    struct fixture *f = *state;
    /* an event at a place (DOC's have none, so no sites) */
    static const char AT[] =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
        "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
        "\"schemaVersion\":\"2.0\",\"creationDate\":"
        "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"
        "\"eventTime\":\"2026-06-02T00:00:00Z\","
        "\"eventTimeZoneOffset\":\"+00:00\",\"type\":\"ObjectEvent\","
        "\"action\":\"OBSERVE\",\"bizStep\":\"receiving\",\"epcList\":["
        "\"https://id.gs1.org/01/06900000000021/21/AT1\"],"
        "\"readPoint\":{\"id\":\"https://id.gs1.org/414/6904642000005\"},"
        "\"bizLocation\":{\"id\":\"https://id.gs1.org/414/"
        "6947782500011\"}}]}}";

    capture(f->s, DOC, 2);
    capture(f->s, AT, 1);
    if (fixture_is_pg(f->uri))
        assert_int_equal(zl_store_exec_sql(f->s,
                                           "DROP TRIGGER event_sites_t ON"
                                           " events; DROP TABLE event_sites;"
                                           " DROP TABLE site_vocab;"
                                           " DROP TABLE site_parties;"
                                           " DROP TABLE rule_gen CASCADE"),
                         0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "29", 2),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    capture(f->s, DOC2, 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_exec_sql(f->s,
                                       "DELETE FROM event_sites WHERE k IN"
                                       " (SELECT min(k) FROM event_sites)"),
                     0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

/* A schema 30 store migrates to 31. On PostgreSQL it had no trade index
 * (pg_trade.c): the step makes it and fills it from the stored references,
 * which verify then finds complete (a source and a destination: two rows);
 * an event captured afterwards adds its rows by the triggers, and a row
 * deleted is reported. On SQLite the step is empty (its index is schema
 * 27's). */
static void test_trade_from_v30(void **state)
{
    struct fixture *f = *state;
    /* an event with a source and a destination */
#define TRADED(SERIAL)                                                         \
    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"              \
    "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","                      \
    "\"schemaVersion\":\"2.0\",\"creationDate\":"                              \
    "\"2026-04-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[{"                 \
    "\"eventTime\":\"2026-06-02T00:00:00Z\","                                  \
    "\"eventTimeZoneOffset\":\"+00:00\",\"type\":\"ObjectEvent\","             \
    "\"action\":\"OBSERVE\",\"bizStep\":\"shipping\",\"epcList\":["            \
    "\"https://id.gs1.org/01/06900000000021/21/" SERIAL "\"],"                 \
    "\"sourceList\":[{\"type\":\"owning_party\",\"source\":"                   \
    "\"https://id.gs1.org/417/6904642000005\"}],"                              \
    "\"destinationList\":[{\"type\":\"owning_party\",\"destination\":"         \
    "\"https://id.gs1.org/417/6947782500011\"}]}]}}"
    static const char BEFORE[] = TRADED("T1"), AFTER[] = TRADED("T2");
#undef TRADED

    capture(f->s, DOC, 2);
    capture(f->s, BEFORE, 1);
    if (fixture_is_pg(f->uri))
        assert_int_equal(zl_store_exec_sql(f->s,
                                           "DROP TABLE event_trade;"
                                           " DROP TABLE trade_values;"
                                           " DROP FUNCTION zl_event_trade_refs"
                                           " CASCADE;"
                                           " DROP FUNCTION"
                                           " zl_event_trade_events CASCADE"),
                         0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "30", 2),
                     0);
    reopen_migrated(f, NULL);
    /* the rows (counted by an update that changes none) */
    assert_int_equal(fixture_sql_changes(f->s, "UPDATE event_trade SET k = k"),
                     2);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    capture(f->s, AFTER, 1);
    assert_int_equal(fixture_sql_changes(f->s, "UPDATE event_trade SET k = k"),
                     4);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_exec_sql(f->s,
                                       "DELETE FROM event_trade WHERE k IN"
                                       " (SELECT min(k) FROM event_trade)"),
                     0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

/* The number of columns of index name: on SQLite from pragma_index_info,
 * on PostgreSQL from pg_index, the index of the store's own schema (each
 * test's store has its own, with the same index names), read as the rows
 * an UPDATE of a temporary table of that many rows changes (the fixture
 * reads no numbers there). */
static long index_columns(struct fixture *f, const char *name)
{
    char sql[400];
    int64_t n = -1;

    if (fixture_is_pg(f->uri)) {
        snprintf(sql, sizeof sql,
                 "DROP TABLE IF EXISTS zl_t_cols;"
                 " CREATE TEMP TABLE zl_t_cols AS SELECT generate_series(1,"
                 " (SELECT indnatts FROM pg_index WHERE indexrelid ="
                 " to_regclass('%s'))) AS k",
                 name);
        assert_int_equal(zl_store_exec_sql(f->s, sql), 0);
        return fixture_sql_changes(f->s, "UPDATE zl_t_cols SET k = k");
    }
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_index_info('%s')",
             name);
    assert_int_equal(zl_sqlite_get_i64(f->s, sql, &n), 0);
    return (long)n;
}

/* The first page of EQ_action=ADD: how many events. */
static int count_adds(zl_store *s)
{
    struct zl_event_filter flt;
    int n = 0;

    memset(&flt, 0, sizeof flt);
    flt.actions = 1u << ZL_ACT_ADD;
    flt.limit = 100;
    assert_int_equal(zl_store_events_query(s, &flt, count_cb, &n), 0);
    return n;
}

/* A schema 36 store migrates to 37: events_tid gains the event time after
 * the transformationID (issue 11, docs/scale.md "Every single filter at
 * 10M"), on both backends; the answers are those of before, and verify is
 * content. */
static void test_indexes_from_v36(void **state)
{
    struct fixture *f = *state;

    capture(f->s, DOC, 2);
    assert_int_equal(index_columns(f, "events_tid"), 2);
    /* schema 36's index */
    assert_int_equal(zl_store_exec_sql(f->s, "DROP INDEX events_tid;"
                                             " CREATE INDEX events_tid ON"
                                             " events(transformation_id) WHERE"
                                             " transformation_id IS NOT NULL"),
                     0);
    assert_int_equal(index_columns(f, "events_tid"), 1);
    assert_int_equal(count_adds(f->s), 1);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "36", 2),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(index_columns(f, "events_tid"), 2);
    assert_int_equal(count_adds(f->s), 1);
    capture(f->s, DOC2, 1);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

/* schema 31's log_leaf on SQLite: a key_hash column and its index (the
 * values do not matter here: the step drops them) */
static const char LEAF_V31[] = LEAF_AS_V34
    "DROP INDEX log_leaf_key;"
    "CREATE TABLE log_leaf_v31(idx INTEGER PRIMARY KEY,"
    " type INTEGER NOT NULL, key_hash INTEGER NOT NULL,"
    " record_key TEXT NOT NULL, hash BLOB NOT NULL);"
    "INSERT INTO log_leaf_v31 SELECT idx, type, idx * 7, record_key, hash"
    " FROM log_leaf;"
    "DROP TABLE log_leaf;"
    "ALTER TABLE log_leaf_v31 RENAME TO log_leaf;"
    "CREATE INDEX log_leaf_key ON log_leaf(key_hash)";

/* A schema 31 store (every inner node of the log stored, log_leaf with
 * key_hash) migrates to 32 on SQLite: only every 4th level keeps its
 * rows, log_leaf loses key_hash and is indexed by its key, and the root,
 * the inclusion proofs, every event's leaf found by key and verify are
 * what they were; a kept node edited afterwards is reported. */
static void test_log_nodes_from_v31(void **state)
{
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    sqlite3_stmt *ins;
    uint8_t root[32], node[32];
    uint64_t size;
    int64_t kept;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps every level */
    o.seed = 6;
    o.scale = 2;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    assert_int_equal(zl_log_size(f->s, &size), 0);
    assert_true(size > 256);
    assert_int_equal(zl_log_root(f->s, size, root), 0);
    kept = sql_i64(f->s, "SELECT count(*) FROM log_node");
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_node"
                                   " WHERE level % 4 <> 0"),
                     0);
    /* schema 31's layout: the levels between stored too */
    assert_int_equal(zl_store_begin(f->s), 0);
    assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(f->s),
                                        "INSERT INTO log_node(level, idx, hash)"
                                        " VALUES(?1, ?2, ?3)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    for (unsigned level = 1; (size >> level) > 0; level++)
        for (uint64_t i = 0; level % 4 && i < size >> level; i++) {
            assert_int_equal(zl_store_log_node_get(f->s, level, i, node), 0);
            sqlite3_bind_int(ins, 1, (int)level);
            sqlite3_bind_int64(ins, 2, (sqlite3_int64)i);
            sqlite3_bind_blob(ins, 3, node, 32, SQLITE_TRANSIENT);
            assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
            sqlite3_reset(ins);
        }
    sqlite3_finalize(ins);
    assert_int_equal(zl_store_commit(f->s), 0);
    assert_true(sql_i64(f->s, "SELECT count(*) FROM log_node") > 10 * kept);
    assert_int_equal(to_layout(f->s, LEAF_V31), 0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "31", 2),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_node"), kept);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM"
                                   " pragma_table_info('log_leaf')"
                                   " WHERE name = 'key_hash'"),
                     0);
    assert_log_as_before(f->s, size, root);
    assert_int_equal(zl_store_exec_sql(f->s, "UPDATE log_node SET hash ="
                                             " zeroblob(32) WHERE level = 4"
                                             " AND idx = 3"),
                     0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

/* ---- schema 36: an event's log leaf names it by rid (SQLite) ---- */

/* Counts verify's issues: n those of kind want (and, when key_prefix is
 * set, a key starting with it), all every one. */
struct kind_count {
    const char *want, *key_prefix;
    int n, all;
};

static int count_kind(void *ctx, const struct zl_audit_issue *is)
{
    struct kind_count *k = ctx;

    k->all++;
    if (!strcmp(is->kind, k->want) &&
        (!k->key_prefix ||
         (is->record_key &&
          !strncmp(is->record_key, k->key_prefix, strlen(k->key_prefix)))))
        k->n++;
    return 0;
}

static void expect_issue(zl_store *s, const char *kind, const char *key_prefix)
{
    struct kind_count k = {kind, key_prefix, 0, 0};

    assert_int_not_equal(zl_audit_verify(s, count_kind, &k, NULL), 0);
    assert_true(k.n >= 1);
}

/* The first event leaf: what the edits below name. */
#define FIRST_EVENT_LEAF                                                       \
    "(SELECT min(idx) FROM log_leaf WHERE typeof(record_key) = 'integer')"

/* An event's outbox row reads with its event's record time as created
 * (schema 38: the row leaves it NULL). */
static int created_is_record(void *ctx, const struct zl_outbox_row *row)
{
    sqlite3_stmt *st = NULL;
    uint8_t h[32];

    if (strcmp(row->kind, "event"))
        return 0;
    /* prepared here: a cached statement is keyed by its text's address */
    assert_int_equal(sqlite3_prepare_v2(zl_sqlite_db(ctx),
                                        "SELECT record_time FROM events"
                                        " WHERE hash = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(zl_hex_decode(row->key, 64, h, sizeof h), 0);
    sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(row->created_ms, sqlite3_column_int64(st, 0));
    assert_true(row->created_ms > 0);
    sqlite3_finalize(st);
    return 0;
}

/* Schema 37 -> 38 on SQLite: every event's identifier list, version 2
 * until 37, is packed again by number; the occurrences every reader
 * gets (dump_ids: zl_store_event_ids of every event), the query walk's
 * and verify's answers are what they were, and a new capture packs
 * version 3; every event's outbox row leaves created NULL and reads with
 * the event's record time. Then what the numbers ask of verify and reindex: a
 * number edited to another identifier's, or to one idents lacks, and an idents
 * code edited, are reported; reindex repairs each. */
static void test_ids_from_v37(void **state)
{
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    char *ids_before, *ids_after;
    int64_t n_ev, n_v3;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps version 2 */
    o.seed = 9;
    o.scale = 2;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    n_ev = sql_i64(f->s, "SELECT count(*) FROM events WHERE length(ids) > 0");
    assert_true(n_ev > 40);
    n_v3 = sql_i64(f->s, "SELECT count(*) FROM events"
                         " WHERE substr(ids, 1, 1) = x'b3'");
    assert_int_equal(n_v3, n_ev);
    ids_before = dump_ids(f->s);
    assert_int_equal(to_layout(f->s, "UPDATE meta SET value = '37'"
                                     " WHERE key = 'store.schema_version'"),
                     0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE substr(ids, 1, 1) = x'b2'"),
                     n_ev);
    assert_int_equal(
        sql_i64(f->s, "SELECT count(*) FROM outbox WHERE created IS NULL"), 0);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE substr(ids, 1, 1) = x'b3'"),
                     n_ev);
    ids_after = dump_ids(f->s);
    assert_string_equal(ids_after, ids_before);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* an event's outbox row leaves its created to the event */
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"
                                   " WHERE kind = 1 AND created IS NULL"),
                     n_ev);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, created_is_record, f->s),
                     0);
    capture(f->s, DOC, 2);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"
                                   " WHERE substr(ids, 1, 1) = x'b3'"),
                     n_ev + 2);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"
                                   " WHERE kind = 1 AND created IS NULL"),
                     n_ev + 2);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 0, created_is_record, f->s),
                     0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);

    /* another event's numbers, then a number idents lacks */
    assert_int_equal(
        zl_store_exec_sql(f->s, "UPDATE events SET ids = (SELECT ids FROM"
                                " events WHERE rid = 9) WHERE rid = 5"),
        0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_exec_sql(f->s, "UPDATE events SET ids ="
                                             " x'b303feffff7f' WHERE rid = 7"),
                     0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    free(ids_after);
    ids_after = dump_ids(f->s);
    assert_true(strlen(ids_after) > strlen(ids_before));
    free(ids_before);
    free(ids_after);
}

/* A schema 34 store (an event's log key its 32 bytes) migrates to 36 on
 * SQLite: every event's leaf names it by rid in an untyped column, and the
 * root, every event's leaf found by its hash ID, the inclusion proofs and
 * verify are what they were; a new capture's leaves name their events by
 * rid. Then what the key read through events asks of verify and reindex:
 * an edited events.rid and a leaf's rid that names no event are reported
 * and re-linked by reindex (by leaf hash); a leaf's rid turned to another
 * event's is reported; an edited hash (with its hkey, so the event is
 * still found) is reported as not the record's. */
static void test_leaf_rid_from_v34(void **state)
{
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    struct zl_event_filter all = {0};
    uint8_t root[32];
    uint64_t size;
    int64_t n_ev, rid;
    char sql[256];

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps its layout */
    o.seed = 9;
    o.scale = 2;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    n_ev = sql_i64(f->s, "SELECT count(*) FROM events");
    assert_true(n_ev > 40);
    assert_int_equal(zl_log_size(f->s, &size), 0);
    assert_int_equal(zl_log_root(f->s, size, root), 0);
    assert_int_equal(to_layout(f->s, LEAF_AS_V34), 0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                                   " WHERE typeof(record_key) = 'blob'"),
                     n_ev);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "34", 2),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf l"
                                   " JOIN events e ON e.rid = l.record_key"
                                   " WHERE typeof(l.record_key) = 'integer'"),
                     n_ev);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                                   " WHERE typeof(record_key) = 'blob'"),
                     0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM"
                                   " pragma_table_info('log_leaf')"
                                   " WHERE name = 'record_key' AND type = ''"),
                     1);
    assert_log_as_before(f->s, size, root);
    capture(f->s, DOC, 2);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM log_leaf"
                                   " WHERE typeof(record_key) = 'integer'"),
                     n_ev + 2);
    assert_int_equal(zl_store_events_query(f->s, &all, find_logged, f->s), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);

    /* an event renumbered: its leaf's rid names nothing; reindex finds
     * the event by the leaf's hash */
    assert_int_equal(
        zl_store_exec_sql(f->s, "UPDATE events SET rid = (SELECT max(rid) + 1"
                                " FROM events) WHERE rid = 7"),
        0);
    expect_issue(f->s, "record-missing", "urn:zhiliang:event-rid:7");
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_events_query(f->s, &all, find_logged, f->s), 0);

    /* a leaf's rid edited to none and to another event's */
    rid = sql_i64(
        f->s, "SELECT record_key FROM log_leaf WHERE idx = " FIRST_EVENT_LEAF);
    assert_int_equal(zl_store_exec_sql(f->s, "UPDATE log_leaf SET record_key"
                                             " = record_key + 1000000"
                                             " WHERE idx = " FIRST_EVENT_LEAF),
                     0);
    expect_issue(f->s, "record-missing", "urn:zhiliang:event-rid:");
    assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(sql_i64(f->s, "SELECT record_key FROM log_leaf WHERE"
                                   " idx = " FIRST_EVENT_LEAF),
                     rid);
    assert_int_equal(
        zl_store_exec_sql(
            f->s, "UPDATE log_leaf SET record_key = (SELECT"
                  " max(rid) FROM events) WHERE idx = " FIRST_EVENT_LEAF),
        0);
    expect_issue(f->s, "record-altered", NULL);
    snprintf(
        sql, sizeof sql,
        "UPDATE log_leaf SET record_key = %lld WHERE idx = " FIRST_EVENT_LEAF,
        (long long)rid);
    assert_int_equal(zl_store_exec_sql(f->s, sql), 0);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);

    /* the hash edited, and its hkey, so that the event is found by it:
     * the leaf still matches the record, the hash does not */
    assert_int_equal(zl_store_exec_sql(f->s, "UPDATE events SET hash ="
                                             " zeroblob(32), hkey ="
                                             " zeroblob(6) WHERE rid = 9"),
                     0);
    expect_issue(f->s, "event-hash-altered", NULL);
}

/* ---- schema 33: occurrences keyed by day, quantities aside (SQLite) ---- */

struct hashes {
    size_t n;
    uint8_t (*h)[32];
};

static int hashes_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct hashes *o = ctx;

    o->h = realloc(o->h, (o->n + 1) * sizeof o->h[0]);
    assert_non_null(o->h);
    memcpy(o->h[o->n++], ev->hash, 32);
    return 0;
}

/* A schema 32 store (event time in ms, quantity and unit in every
 * occurrence, the outbox's kinds as text) migrates to 33: the outbox with
 * the same rows as the feed reads them, the same occurrences through the views
 * (time, quantity and unit included), one event_qty row per occurrence
 * with a quantity or unit, identifier queries with the same answers,
 * verify passes; then an occurrence's day, a quantity and a stray
 * event_qty row edited behind the store's back are each reported, and
 * reindex repairs them. */
static void test_occ_from_v32(void **state)
{
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    struct hashes qb = {0}, qa = {0};
    struct rows ob = {0}, oa = {0};
    struct zl_event_filter q = {0};
    const char *cls[] = {"https://id.gs1.org/01/*", NULL};
    char *before, *after;
    int64_t with_qty, outbox_rows;

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps its layout */
    o.seed = 6;
    o.scale = 2;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    before = dump_ids(f->s);
    with_qty = sql_i64(f->s, "SELECT count(*) FROM event_ids"
                             " WHERE qty IS NOT NULL OR uom IS NOT NULL");
    assert_true(with_qty > 0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM event_qty"), with_qty);
    q.match_any_epc_class = cls;
    assert_int_equal(zl_store_events_query(f->s, &q, hashes_cb, &qb), 0);
    assert_true(qb.n > 0);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 8, collect, &ob), 0);
    assert_int_equal(ob.n, 8);
    assert_int_equal(to_layout(f->s, LEAF_AS_V34 OCC_AS_V32 OUTBOX_AS_V32), 0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "32", 2),
                     0);
    outbox_rows = sql_i64(f->s, "SELECT count(*) FROM outbox");
    assert_true(sql_i64(f->s, "SELECT count(*) FROM outbox"
                              " WHERE kind = 'event'") > 8);
    reopen_migrated(f, NULL);
    /* the outbox: an event's kind the integer, the feed as before */
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"), outbox_rows);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM outbox"
                                   " WHERE kind = 'event'"),
                     0);
    assert_int_equal(zl_store_outbox_read(f->s, 0, 8, collect, &oa), 0);
    assert_memory_equal(&oa, &ob, sizeof oa);
    assert_string_equal(oa.kind[0], "event");
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM"
                                   " pragma_table_info('event_occ')"),
                     4);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM event_qty"), with_qty);
    after = dump_ids(f->s);
    assert_string_equal(after, before);
    assert_int_equal(zl_store_events_query(f->s, &q, hashes_cb, &qa), 0);
    assert_int_equal(qa.n, qb.n);
    assert_memory_equal(qa.h, qb.h, qb.n * sizeof qb.h[0]);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    /* each edit is reported, and reindex puts it right */
    {
        static const char *const EDITS[] = {
            "UPDATE event_occ SET day = day + 1 WHERE (n, day, ev, role) ="
            " (SELECT n, day, ev, role FROM event_occ LIMIT 1 OFFSET 7)",
            "UPDATE event_qty SET qty = qty + 1 WHERE (ev, n, role) ="
            " (SELECT ev, n, role FROM event_qty WHERE qty IS NOT NULL"
            " LIMIT 1)",
            "DELETE FROM event_qty WHERE (ev, n, role) ="
            " (SELECT ev, n, role FROM event_qty LIMIT 1 OFFSET 1)",
            "INSERT INTO event_qty(ev, n, role, qty) SELECT ev, n, role, 2"
            " FROM event_occ WHERE role = 1 LIMIT 1",
            "INSERT INTO event_qty(ev, n, role, qty) VALUES(1, 1, 9, 3)",
        };

        for (size_t i = 0; i < sizeof EDITS / sizeof EDITS[0]; i++) {
            assert_int_equal(zl_store_exec_sql(f->s, EDITS[i]), 0);
            assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
            assert_int_equal(zl_audit_reindex(f->s, NULL), 0);
            assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
        }
    }
    after = (free(after), dump_ids(f->s));
    assert_string_equal(after, before);
    free(before);
    free(after);
    free(qb.h);
    free(qa.h);
}

/* schema 33's events on SQLite (before 34): the hash UNIQUE (and no
 * events_hkey); the views and the triggers that name the table go with it, as
 * the step remakes them */
static const char EVENTS_V33[] = LEAF_AS_V34
    "DROP VIEW event_ids; DROP VIEW event_codes; DROP VIEW idents_text;"
    "DROP TRIGGER event_trade_ai; DROP TRIGGER event_trade_au;"
    "DROP TRIGGER event_trade_ad;"
    "CREATE TABLE events_v33_fixture(rid INTEGER PRIMARY KEY,"
    " hash BLOB NOT NULL UNIQUE, declared_id TEXT, type INTEGER NOT NULL,"
    " action INTEGER NOT NULL, event_time INTEGER NOT NULL,"
    " tz INTEGER NOT NULL, record_time INTEGER NOT NULL, biz_step INTEGER,"
    " disposition INTEGER, read_point INTEGER, biz_location INTEGER,"
    " transformation_id TEXT, has_error INTEGER NOT NULL, party TEXT,"
    " json TEXT NOT NULL, ids BLOB NOT NULL);"
    "INSERT INTO events_v33_fixture SELECT rid, hash, declared_id, type, "
    "action,"
    " event_time, tz, record_time, biz_step, disposition, read_point,"
    " biz_location, transformation_id, has_error, party, json, ids"
    " FROM events ORDER BY rid;"
    "DROP TABLE events;"
    "ALTER TABLE events_v33_fixture RENAME TO events;"
    "CREATE INDEX events_time ON events(event_time, record_time);";

/* Counts verify's issues by kind: [0] record-duplicated, [1] the rest. */
static int count_dup(void *ctx, const struct zl_audit_issue *is)
{
    int *n = ctx;

    n[strcmp(is->kind, "record-duplicated") ? 1 : 0]++;
    return 0;
}

/* A schema 33 store (events' hash UNIQUE) migrates to 34 on SQLite: the
 * table loses the UNIQUE index and gets hkey and events_hkey, keeps its rows
 * and rids, its triggers (sites, trade) are back and verify passes; an event is
 * still refused a second time, found by its hash, and a new one is traded and
 * logged as before. A second row with an event's hash, which no UNIQUE index
 * refuses now, is reported by verify. */
static void test_hkey_from_v33(void **state)
{
    int issues[2] = {0, 0};
    struct fixture *f = *state;
    struct zl_demo_opts o = {0};
    int64_t n, rids, t = 0;
    uint8_t h[32];
    char id[128];

    if (strcmp(zl_store_backend_name(f->s), "sqlite"))
        skip(); /* PostgreSQL keeps its layout */
    o.seed = 7;
    o.scale = 2;
    o.per_doc = 100;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    capture(f->s, DOC, 2);
    n = sql_i64(f->s, "SELECT count(*) FROM events");
    rids = sql_i64(f->s, "SELECT sum(rid * (event_time % 1000)) FROM events");
    assert_int_equal(to_layout(f->s, EVENTS_V33), 0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "33", 2),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM sqlite_master"
                                   " WHERE name = 'sqlite_autoindex_events_1'"),
                     0);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM sqlite_master"
                                   " WHERE name = 'events_hkey'"),
                     1);
    assert_int_equal(sql_i64(f->s, "SELECT count(*) FROM events"), n);
    assert_int_equal(
        sql_i64(f->s, "SELECT sum(rid * (event_time % 1000)) FROM events"),
        rids);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    capture(f->s, DOC, 0); /* both stored already */
    event_hash(DOC, 1, h, id, sizeof id);
    assert_int_equal(zl_store_event_get(f->s, h, get_time, &t), 0);
    assert_true(t > 0);
    {
        const char *ids[] = {id, NULL};

        assert_int_equal(query_ids(f->s, ids), 1);
    }
    o.seed = 8;
    o.scale = 1;
    assert_int_equal(zl_demo_generate(&o, fixture_capture_doc, f->s, NULL), 0);
    assert_true(sql_i64(f->s, "SELECT count(*) FROM events") > n);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(
        zl_store_exec_sql(
            f->s, "INSERT INTO events(hash, declared_id, type, action,"
                  " event_time, tz, record_time, biz_step, disposition,"
                  " read_point, biz_location, transformation_id, has_error,"
                  " party, json, ids, hkey) SELECT hash, declared_id, type,"
                  " action, event_time, tz, record_time, biz_step,"
                  " disposition, read_point, biz_location, transformation_id,"
                  " has_error, party, json, ids, hkey FROM events"
                  " WHERE rid = 5"),
        0);
    assert_int_not_equal(zl_audit_verify(f->s, count_dup, issues, NULL), 0);
    assert_int_equal(issues[0], 1);
}

/* A schema 24 store whose webhook allowances are plain settings migrates
 * to 25: each is then a logged record, verify passes, and a setting
 * widened behind the log's back afterwards is reported. */
static void test_allow_from_v24(void **state)
{
    struct fixture *f = *state;
    static const char ALL[] = "webhook.allow_internal",
                      ONE[] = "webhook.allow_internal:dairy1";

    assert_int_equal(zl_store_meta_set(f->s, ALL, "127.0.0.1/32", 12), 0);
    assert_int_equal(zl_store_meta_set(f->s, ONE, "10.1.0.0/16", 11), 0);
    /* unlogged, as 24 left them: verify reports both */
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "24", 2),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_meta_set(f->s, ONE, "10.0.0.0/8", 10), 0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

/* A schema 27 store with the outbox watermark the 22 -> 23 step set, as
 * a plain setting, migrates to 28: the setting is then a logged record,
 * verify passes, and the watermark raised behind the log's back (which
 * would hide deleted rows before it) is reported. */
static void test_watermark_from_v27(void **state)
{
    struct fixture *f = *state;
    static const char KEY[] = "outbox.checked_from";

    capture(f->s, DOC, 2);
    assert_int_equal(zl_store_meta_set(f->s, KEY, "0 0", 3), 0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_meta_set(f->s, "store.schema_version", "27", 2),
                     0);
    reopen_migrated(f, NULL);
    assert_int_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
    assert_int_equal(zl_store_meta_set(f->s, KEY, "1 1", 3), 0);
    assert_int_not_equal(zl_audit_verify(f->s, NULL, NULL, NULL), 0);
}

/* ---- identifier codes (schema 26, ident_code.h) --------------------------
 */

/* Identifiers of every form the corpora hold, and near misses of each. */
static const char *const IDENTS[] = {
    "https://id.gs1.org/01/06928585101018/21/10977673",
    "https://id.gs1.org/01/06928585101018/21/1",
    "https://id.gs1.org/01/06928585101018/21/10",
    "https://id.gs1.org/01/06928585101018/21/109",
    "https://id.gs1.org/01/06928585101018/21/2",
    "https://id.gs1.org/01/06928585101018/21/0001",
    "https://id.gs1.org/01/06928585101018/21/1097767a",
    "https://id.gs1.org/01/06928585101018/21/10977673/x",
    "https://id.gs1.org/01/06928585101018/21/"
    "123456789012345678901234567890123456789",
    "https://id.gs1.org/01/06928585101018/21/",
    "https://id.gs1.org/01/06928585101025/21/10977673",
    "https://id.gs1.org/01/16928585101015/21/00012",
    "https://id.gs1.org/01/06928585101018/10/C260330-01284",
    "https://id.gs1.org/01/06928585101018/10/L1",
    "https://id.gs1.org/01/06928585101018",
    "https://id.gs1.org/01/06928585101018/22/x",
    "https://id.gs1.org/01/06928585101018/21",
    "https://id.gs1.org/01/069285851010180",
    "https://id.gs1.org/01/0692858510101",
    "https://id.gs1.org/01/0692858510101X/21/1",
    "https://id.gs1.org/01/",
    "https://id.gs1.org/00/106141412345678908",
    "https://id.gs1.org/00/10614141234567890",
    "https://id.gs1.org/414/6928585100000/254/1",
    "https://id.gs1.org/8004/0614141ABC",
    "https://id.gs1.org/",
    "https://id.gs1.org",
    "https://example.com/01/06928585101018/21/1",
    "urn:epc:id:sgtin:0692858.510101.10977673",
    "urn:epc:id:sscc:0614141.1234567890",
    "urn:epc:id:grai:0614141.12345.400",
    "urn:epc:id:",
    "urn:epc:idpat:sgtin:0692858.510101.*",
    "urn:epc:idpat:sgtin:0692858.*.*",
    "urn:epc:class:lgtin:0692858.510101.C260330",
    "urn:epc:class:",
    "urn:epc:ids",
    "x",
    "0692858510101",
    "\xe4\xba\xa7\xe5\x93\x81/\xe6\x89\xb9\xe6\xac\xa1-\xe7\x94\xb2",
    "https://id.gs1.org/01/06928585101018/21/\xe7\x94\xb2",
    "\xff\xfe",
};
#define N_IDENTS (sizeof IDENTS / sizeof IDENTS[0])

struct code_q {
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n;
};

/* Count the codes of table c in one range. */
static int count_codes_in(void *ctx, int blob, const void *lo, size_t lo_len,
                          const void *hi, size_t hi_len)
{
    struct code_q *q = ctx;

    if (blob) {
        sqlite3_bind_blob(q->st, 1, lo, (int)lo_len, SQLITE_STATIC);
        sqlite3_bind_blob(q->st, 2, hi, (int)hi_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_text(q->st, 1, lo, (int)lo_len, SQLITE_STATIC);
        if (hi)
            sqlite3_bind_text(q->st, 2, hi, (int)hi_len, SQLITE_STATIC);
        else
            sqlite3_bind_zeroblob(q->st, 2, 0);
    }
    assert_int_equal(sqlite3_step(q->st), SQLITE_ROW);
    q->n += sqlite3_column_int64(q->st, 0);
    sqlite3_reset(q->st);
    return 0;
}

/* Every identifier's code gives its text back, in C and in the view's
 * plain SQL, one code each; and for every prefix of every identifier (and
 * a few more), the ranges of codes select exactly the identifiers that
 * start with it, as SQLite compares them (TEXT below BLOB). */
static void test_ident_codes(void **state)
{
    static const char *const MORE[] = {"",
                                       "h",
                                       "https://id.gs1.org/0",
                                       "https://id.gs1.org/01/0",
                                       "https://id.gs1.org/01/06928585101019",
                                       "urn:epc:",
                                       "\xff",
                                       "\xe4",
                                       "https://id.gs1.org/01/069285851010181"};
    struct code_q q = {0};
    struct zl_buf sql, out;
    unsigned char code[256];
    size_t coded = 0;

    (void)state;
    zl_buf_init(&sql, 1 << 20);
    zl_buf_init(&out, 1 << 20);
    assert_int_equal(sqlite3_open(":memory:", &q.db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(q.db, "CREATE TABLE c(code BLOB UNIQUE)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(zl_buf_adds(&sql, "SELECT "), 0);
    assert_int_equal(zl_ident_decode_sql("?1", &sql), 0);
    assert_int_equal(sqlite3_prepare_v2(q.db, sql.data, -1, &q.st, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < N_IDENTS; i++) {
        const char *id = IDENTS[i];
        size_t len = strlen(id), n = zl_ident_encode(id, len, code);
        sqlite3_stmt *put = NULL;

        assert_true(n <= len);
        zl_buf_reset(&out);
        if (n) {
            coded++;
            assert_int_equal(zl_ident_decode(code, n, &out), 0);
            assert_int_equal(out.len, len);
            assert_memory_equal(out.data, id, len);
            sqlite3_bind_blob(q.st, 1, code, (int)n, SQLITE_STATIC);
        } else {
            sqlite3_bind_text(q.st, 1, id, (int)len, SQLITE_STATIC);
        }
        assert_int_equal(sqlite3_step(q.st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_bytes(q.st, 0), (int)len);
        assert_memory_equal(sqlite3_column_text(q.st, 0), id, len);
        sqlite3_reset(q.st);
        assert_int_equal(sqlite3_prepare_v2(q.db, "INSERT INTO c VALUES(?1)",
                                            -1, &put, NULL),
                         SQLITE_OK);
        if (n)
            sqlite3_bind_blob(put, 1, code, (int)n, SQLITE_STATIC);
        else
            sqlite3_bind_text(put, 1, id, (int)len, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(put), SQLITE_DONE);
        sqlite3_finalize(put);
    }
    /* the GS1 Digital Link and EPC URN forms are coded, the rest not */
    assert_int_equal(coded, N_IDENTS - 7);
    assert_int_equal(zl_ident_encode("x", 1, code), 0);
    /* 1 tag, 7 bytes of GTIN, 4 of serial */
    assert_int_equal(zl_ident_encode(IDENTS[0], strlen(IDENTS[0]), code), 12);
    sqlite3_finalize(q.st);
    assert_int_equal(
        sqlite3_prepare_v2(q.db,
                           "SELECT count(*) FROM c WHERE code >= ?1"
                           " AND code < ?2",
                           -1, &q.st, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < N_IDENTS + sizeof MORE / sizeof MORE[0]; i++) {
        const char *id = i < N_IDENTS ? IDENTS[i] : MORE[i - N_IDENTS];

        for (size_t k = 0; k <= strlen(id); k++) {
            int64_t want = 0;

            if (i >= N_IDENTS && k < strlen(id))
                continue;
            for (size_t j = 0; j < N_IDENTS; j++)
                want += !strncmp(IDENTS[j], id, k);
            q.n = 0;
            assert_int_equal(zl_ident_prefix_ranges(id, k, count_codes_in, &q),
                             0);
            if (q.n != want)
                fail_msg("prefix %.*s: %lld codes, %lld identifiers", (int)k,
                         id, (long long)q.n, (long long)want);
        }
    }
    sqlite3_finalize(q.st);
    sqlite3_close(q.db);
    zl_buf_cleanup(&sql);
    zl_buf_cleanup(&out);
}

/* The connection's page cache in KiB (PRAGMA cache_size, negative). */
static long cache_kib(zl_store *s)
{
    sqlite3_stmt *st = NULL;
    long kib = 0;

    assert_int_equal(
        sqlite3_prepare_v2(zl_sqlite_db(s), "PRAGMA cache_size", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    kib = -(long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return kib;
}

/* Capture's batches size the handle's page cache for bulk writes
 * (zl_store_bulk) and only that handle's: a store opened beside it, or
 * the same store reopened, has the ordinary cache until its own first
 * batch; a batch's documents are stored and survive the reopen. */
static void test_bulk_cache(void **state)
{
    struct fixture *f = *state;
    zl_store *other = NULL;

    if (fixture_is_pg(f->uri)) { /* nothing to size: a no-op */
        assert_int_equal(zl_store_bulk(f->s), 0);
        skip();
    }
    assert_int_equal(cache_kib(f->s), ZL_SQLITE_CACHE_KIB);
    assert_int_equal(zl_open(f->uri, &other, NULL), 0);
    assert_int_equal(zl_capture_batch_begin(f->s), 0);
    assert_int_equal(cache_kib(f->s), ZL_SQLITE_BULK_CACHE_KIB);
    assert_int_equal(cache_kib(other), ZL_SQLITE_CACHE_KIB);
    capture(f->s, DOC, 2);
    capture(f->s, DOC2, 1);
    assert_int_equal(count(other), 0);
    assert_int_equal(zl_capture_batch_commit(f->s), 0);
    assert_int_equal(count(other), 3);
    assert_int_equal(cache_kib(f->s), ZL_SQLITE_BULK_CACHE_KIB);
    assert_int_equal(cache_kib(other), ZL_SQLITE_CACHE_KIB);
    zl_close(other);

    /* reopened: the ordinary cache, the batch's events all there */
    zl_close(f->s);
    assert_int_equal(zl_open(f->uri, &f->s, NULL), 0);
    assert_int_equal(cache_kib(f->s), ZL_SQLITE_CACHE_KIB);
    assert_int_equal(count(f->s), 3);
    assert_int_equal(zl_capture_batch_begin(f->s), 0);
    assert_int_equal(cache_kib(f->s), ZL_SQLITE_BULK_CACHE_KIB);
    capture(f->s, DOC, 0);
    zl_capture_batch_abort(f->s);
    assert_int_equal(count(f->s), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uris),
        cmocka_unit_test_setup_teardown(test_module_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_caches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_and_change_token, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_versions, setup, teardown),
        cmocka_unit_test(test_upgrade_from_v1),
        cmocka_unit_test_setup_teardown(test_hash_prefix_collision, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hkey_from_v33, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_from_v37, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaf_rid_from_v34, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_intern_from_v7, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vocab_from_v16, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_retrained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_stmts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_dict_tamper, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_compressed_from_v7, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_slim_from_v20, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allow_from_v24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watermark_from_v27, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sites_when_from_v28, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sites_from_v29, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_from_v30, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indexes_from_v36, setup, teardown),
        cmocka_unit_test_setup_teardown(test_occ_from_v32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_nodes_from_v31, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bulk_cache, setup, teardown),
        cmocka_unit_test(test_ids_pack_v2),
        cmocka_unit_test(test_ids_pack_v3),
        cmocka_unit_test(test_ident_codes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
