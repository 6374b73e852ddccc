/*
 * test_event_hash.c - the CBV 2.0 event hash against the reference
 * generator's corpus (tests/conformance/epcis-event-hash/, MIT).
 *
 * Known answers: every examples/X.jsonld must give exactly the lines of
 * X.hashes and X.prehashes, in document order. Equalities: the events of
 * expected_equal/ReferenceEventHashAlgorithm.json hash equal, and so do
 * those of our JSON mirrors of the XML-only expected_equal cases
 * (expected_equal_json/); the controls in expected_different.jsonld must
 * all differ, so the equality tests cannot pass by hashing everything
 * alike. Also: zl_epcis_event_hash on one event's JSON agrees with the
 * document path, the value canonicalisation rules on their own, and 999
 * random events agree with the reference generator's own answers on every
 * path that computes a pre-hash, and so do nine hand-written events of the
 * shapes those rarely reach (quirks.jsonld beside them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "epcis/epcis_int.h"
#include "util/alloc.h"
#include "zhiliang/epcis.h"
#include "zhiliang/gs1.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_file.h"

#define CORPUS "tests/conformance/epcis-event-hash/"

/* The corpus's documents come from an example repository that adds fields
 * of its own and names them in "<p>:ignoreFields", p bound to this
 * namespace: the reference generator is told so, and so are we. */
static const struct zl_epcis_opts corpus_opts = {
    NULL, 1, "https://repository-x.example.com/", 0};

/* Next line of *p (without the newline), or NULL at the end. */
static char *next_line(char **p)
{
    char *s = *p, *nl;
    if (!s || !*s)
        return NULL;
    nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = s + strlen(s);
    }
    if (nl && nl > s && nl[-1] == '\r')
        nl[-1] = '\0';
    return s;
}

static zl_epcis_doc *parse_file(const char *path)
{
    size_t len;
    char *d = slurp(path, &len);
    zl_epcis_doc *doc = NULL;
    struct zl_error err;
    int r;
    assert_non_null(d);
    memset(&err, 0, sizeof err);
    r = zl_epcis_parse_opts(d, len, &corpus_opts, &doc, &err);
    if (r < 0)
        print_error("%s: %s: %s (%s)\n", path, err.path, err.rule, err.value);
    assert_int_equal(r, 0);
    free(d);
    return doc;
}

static void test_examples(void **state)
{
    DIR *dir = opendir(CORPUS "examples");
    struct dirent *de;
    int files = 0, events = 0;
    (void)state;
    assert_non_null(dir);
    while ((de = readdir(dir))) {
        char base[512], path[700], *hashes, *pre, *hp, *pp, *line;
        size_t bl = strlen(de->d_name), i;
        zl_epcis_doc *doc;
        if (bl < 8 || strcmp(de->d_name + bl - 7, ".jsonld"))
            continue;
        snprintf(base, sizeof base, CORPUS "examples/%.*s", (int)(bl - 7),
                 de->d_name);
        snprintf(path, sizeof path, "%s.hashes", base);
        hashes = slurp(path, NULL);
        if (!hashes) /* no expected answer upstream (e.g. a comment-only doc) */
            continue;
        snprintf(path, sizeof path, "%s.prehashes", base);
        pre = slurp(path, NULL);
        snprintf(path, sizeof path, "%s.jsonld", base);
        doc = parse_file(path);
        hp = hashes;
        pp = pre;
        for (i = 0; (line = next_line(&hp)); i++) {
            const struct zl_event *e = zl_epcis_doc_event(doc, i);
            if (!e)
                fail_msg("%s: fewer events than hashes", path);
            if (strcmp(e->hash_id, line))
                fail_msg("%s event %zu: hash %s, expected %s", path, i,
                         e->hash_id, line);
            if (pre) {
                char *pl = next_line(&pp);
                assert_non_null(pl);
                if (strlen(pl) != e->prehash_len ||
                    memcmp(pl, e->prehash, e->prehash_len))
                    fail_msg("%s event %zu: pre-hash\n got %s\nwant %s", path,
                             i, e->prehash, pl);
            }
            events++;
        }
        assert_int_equal(i, zl_epcis_doc_count(doc));
        zl_epcis_doc_free(doc);
        free(hashes);
        free(pre);
        files++;
    }
    closedir(dir);
    /* 22 documents with expected hashes in the corpus */
    assert_int_equal(files, 22);
    assert_true(events >= 40);
}

static void all_equal(const char *path, int want_equal)
{
    zl_epcis_doc *doc = parse_file(path);
    size_t n = zl_epcis_doc_count(doc), i, j;
    assert_true(n >= 2);
    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++) {
            const struct zl_event *a = zl_epcis_doc_event(doc, i);
            const struct zl_event *b = zl_epcis_doc_event(doc, j);
            int eq = memcmp(a->hash, b->hash, 32) == 0;
            if (want_equal && !eq)
                fail_msg("%s: events %zu and %zu differ:\n%s\n%s", path, j, i,
                         b->prehash, a->prehash);
            if (!want_equal && eq)
                fail_msg("%s: events %zu and %zu hash equal:\n%s", path, j, i,
                         a->prehash);
        }
    zl_epcis_doc_free(doc);
}

static void test_expected_equal_json(void **state)
{
    DIR *dir = opendir(CORPUS "expected_equal_json");
    struct dirent *de;
    int files = 0;
    (void)state;
    all_equal(CORPUS "expected_equal/ReferenceEventHashAlgorithm.json", 1);
    assert_non_null(dir);
    while ((de = readdir(dir))) {
        char path[600];
        if (!strstr(de->d_name, ".jsonld"))
            continue;
        snprintf(path, sizeof path, CORPUS "expected_equal_json/%s",
                 de->d_name);
        all_equal(path, 1);
        files++;
    }
    closedir(dir);
    assert_true(files >= 7);
}

static void test_expected_different(void **state)
{
    (void)state;
    all_equal(CORPUS "expected_different.jsonld", 0);
}

/* The one-event entry point must agree with the document path. */
static void test_single_event_api(void **state)
{
    DIR *dir = opendir(CORPUS "examples");
    struct dirent *de;
    size_t i;
    int files = 0;
    (void)state;
    assert_non_null(dir);
    while ((de = readdir(dir))) {
        char docs_k[600];
        const char *docs[1];
        size_t k = 0;
        zl_epcis_doc *doc;
        if (!strstr(de->d_name, ".jsonld"))
            continue;
        snprintf(docs_k, sizeof docs_k, CORPUS "examples/%s", de->d_name);
        docs[0] = docs_k;
        doc = parse_file(docs[k]);
        files++;
        for (i = 0; i < zl_epcis_doc_count(doc); i++) {
            const struct zl_event *e = zl_epcis_doc_event(doc, i);
            char *pre = NULL, id[96];
            size_t pl = 0;
            uint8_t h[32];
            struct zl_error err;
            int r = zl_epcis_event_hash_opts(e->json, e->json_len, &corpus_opts,
                                             &pre, &pl, h, id, &err);
            if (r < 0)
                fail_msg("%s event %zu: %d %s %s", docs[k], i, r, err.path,
                         err.rule);
            if (pl != e->prehash_len || memcmp(pre, e->prehash, pl))
                fail_msg("%s event %zu:\n%s\n%s", docs[k], i, pre, e->prehash);
            assert_memory_equal(pre, e->prehash, pl);
            assert_memory_equal(h, e->hash, 32);
            assert_string_equal(id, e->hash_id);
            zl_free(pre);
        }
        zl_epcis_doc_free(doc);
    }
    closedir(dir);
    assert_true(files >= 20);
}

/* Random events against the reference generator itself: 999 events of
 * tests/conformance/epcis-event-hash-random/ (our generator, the
 * reference's answers, see its README), through the three doors that
 * run the pre-hash: the document parse (validated identifiers, cached
 * canonical forms), zl_epcis_event_hash on each stored event (a tree the
 * parser did not build), and ep_prehash() on pre-parsed trees with the
 * document's inputs prepared as bench_hash does. Every fast path of the
 * pre-hash (identifier shortcuts, number and timestamp formatting, the
 * order tables' lookup, the inline appends) must give the reference's
 * bytes on all of them. */
#define RANDOM "tests/conformance/epcis-event-hash-random/random"
#define QUIRKS "tests/conformance/epcis-event-hash-random/quirks"

/* Every event of base.jsonld (count of them, the document's prefixes ns)
 * gives the lines of base.hashes and base.prehashes on the three paths. */
static void check_reference_corpus(const char *base, const struct ep_ns *ns,
                                   size_t n_ns, size_t count)
{
    char path[256];
    char *hashes, *pre, *hp, *pp, *line, *text;
    size_t len, i;
    zl_epcis_doc *doc = NULL;
    struct zl_error err;
    struct ep_arena scratch, xa;
    struct zl_buf out;
    snprintf(path, sizeof path, "%s.hashes", base);
    hashes = hp = slurp(path, NULL);
    snprintf(path, sizeof path, "%s.prehashes", base);
    pre = pp = slurp(path, NULL);
    assert_non_null(hashes);
    assert_non_null(pre);
    snprintf(path, sizeof path, "%s.jsonld", base);
    text = slurp(path, &len);
    assert_non_null(text);
    memset(&err, 0, sizeof err);
    if (zl_epcis_parse_opts(text, len, NULL, &doc, &err) < 0)
        fail_msg("%s: %s (%s)", err.path, err.rule, err.value);
    ep_arena_init(&scratch);
    ep_arena_init(&xa);
    zl_buf_init(&out, EP_PREHASH_MAX);
    for (i = 0; (line = next_line(&hp)); i++) {
        const struct zl_event *e = zl_epcis_doc_event(doc, i);
        char *pl = next_line(&pp), *p1 = NULL, id[96];
        size_t p1l = 0, cap = 0;
        uint8_t h[32];
        struct ep_hashctx hc;
        json_t *j;
        assert_non_null(e);
        assert_non_null(pl);
        if (strlen(pl) != e->prehash_len ||
            memcmp(pl, e->prehash, e->prehash_len))
            fail_msg("event %zu: parse pre-hash\n got %s\nwant %s", i,
                     e->prehash, pl);
        assert_string_equal(e->hash_id, line);
        /* the stored event on its own */
        assert_int_equal(zl_epcis_event_hash_opts(e->json, e->json_len, NULL,
                                                  &p1, &p1l, h, id, &err),
                         0);
        if (p1l != strlen(pl) || memcmp(p1, pl, p1l))
            fail_msg("event %zu: event_hash pre-hash\n got %s\nwant %s", i, p1,
                     pl);
        assert_string_equal(id, line);
        zl_free(p1);
        /* ep_prehash on a pre-parsed tree */
        j = json_loadb(e->json, e->json_len, 0, NULL);
        assert_non_null(j);
        memset(&hc, 0, sizeof hc);
        hc.ns = ns;
        hc.n_ns = n_ns;
        hc.skip_context = 1;
        ep_arena_reset(&xa);
        assert_int_equal(
            ep_collect_expanded(j, &xa, &hc.expanded, &hc.n_expanded, &cap, 0),
            0);
        assert_int_equal(
            ep_prehash(j, json_string_value(json_object_get(j, "type")), &hc,
                       &scratch, &out),
            0);
        if (out.len != strlen(pl) || memcmp(out.data, pl, out.len))
            fail_msg("event %zu: ep_prehash\n got %s\nwant %s", i, out.data,
                     pl);
        assert_int_equal(ep_sha256(out.data, out.len, h), 0);
        assert_memory_equal(h, e->hash, 32);
        json_decref(j);
    }
    assert_int_equal(i, count);
    assert_int_equal(zl_epcis_doc_count(doc), count);
    zl_buf_cleanup(&out);
    ep_arena_cleanup(&scratch);
    ep_arena_cleanup(&xa);
    zl_epcis_doc_free(doc);
    free(text);
    free(hashes);
    free(pre);
}

static void test_random_events_reference(void **state)
{
    static const struct ep_ns ns = {"example", "https://ns.example.com/epcis/"};
    (void)state;
    check_reference_corpus(RANDOM, &ns, 1, 999);
}

/* The shapes the demo data and the random corpus rarely reach (extension
 * lists, empty lists, one namespace under two prefixes, numbers in every
 * written form, typed-list pairs, extensions under readPoint and in
 * sensor reports, fields that do not count), against the reference's
 * answers: tests/conformance/epcis-event-hash-random/gen_quirks.py. */
static void test_quirk_events_reference(void **state)
{
    static const struct ep_ns ns[] = {{"ex", "https://example.com/ns/"},
                                      {"ex3", "https://example.com/ns/"}};
    (void)state;
    check_reference_corpus(QUIRKS, ns, 2, 9);
}

/* zl_epcis_opts.threads: the random corpus four times over (3,996 events,
 * past ZL_EPCIS_PAR_MIN_EVENTS) gives the same document on 2 and 3
 * threads as on one (every event's hash the reference's, pre-hash and
 * stored text the same), and a document with bad events in two runs
 * fails with the first bad event's error, as on one thread. */
static zl_epcis_doc *parse_threads(const char *text, int threads,
                                   struct zl_error *err, int *r)
{
    struct zl_capture_limits lim = {(size_t)1 << 30, 100000, 0};
    struct zl_epcis_opts o = {&lim, 0, NULL, threads};
    zl_epcis_doc *doc = NULL;
    memset(err, 0, sizeof *err);
    *r = zl_epcis_parse_opts(text, strlen(text), &o, &doc, err);
    return doc;
}

/* The random corpus's events k times over, with event bad[i] (if any)
 * given an eventTime that is no time. */
static char *corpus_times(size_t k, const size_t *bad, size_t n_bad)
{
    json_t *root = json_load_file(RANDOM ".jsonld", 0, NULL), *list, *orig;
    size_t i;
    char *text;
    assert_non_null(root);
    list = json_object_get(json_object_get(root, "epcisBody"), "eventList");
    orig = json_copy(list);
    assert_non_null(orig);
    for (i = 1; i < k; i++)
        assert_int_equal(json_array_extend(list, orig), 0);
    for (i = 0; i < n_bad; i++) {
        json_t *ev = json_deep_copy(json_array_get(list, bad[i]));
        assert_non_null(ev);
        json_object_set_new(ev, "eventTime", json_string("not a time"));
        assert_int_equal(json_array_set_new(list, bad[i], ev), 0);
    }
    text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(text);
    json_decref(orig);
    json_decref(root);
    return text;
}

static void test_threads_same_document(void **state)
{
    char *hashes = slurp(RANDOM ".hashes", NULL), *hp = hashes, *line;
    char *want[999], *text = corpus_times(4, NULL, 0);
    struct zl_error err;
    zl_epcis_doc *one, *many;
    size_t i, n = 0;
    int r, t;
    (void)state;
    assert_non_null(hashes);
    while (n < 999 && (line = next_line(&hp)))
        want[n++] = line;
    assert_int_equal(n, 999);
    one = parse_threads(text, 1, &err, &r);
    assert_int_equal(r, 0);
    assert_int_equal(zl_epcis_doc_count(one), 3996);
    assert_true(3996 >= ZL_EPCIS_PAR_MIN_EVENTS);
    for (t = 2; t <= 3; t++) {
        many = parse_threads(text, t, &err, &r);
        assert_int_equal(r, 0);
        assert_int_equal(zl_epcis_doc_count(many), 3996);
        for (i = 0; i < 3996; i++) {
            const struct zl_event *a = zl_epcis_doc_event(one, i);
            const struct zl_event *b = zl_epcis_doc_event(many, i);
            assert_string_equal(b->hash_id, want[i % 999]);
            assert_string_equal(a->hash_id, b->hash_id);
            assert_int_equal(a->prehash_len, b->prehash_len);
            assert_memory_equal(a->prehash, b->prehash, a->prehash_len);
            assert_int_equal(a->json_len, b->json_len);
            assert_memory_equal(a->json, b->json, a->json_len);
        }
        zl_epcis_doc_free(many);
    }
    zl_epcis_doc_free(one);
    free(text);
    free(hashes);
}

static void test_threads_first_error(void **state)
{
    /* 2 threads: runs [0, 1998) and [1998, 3996); 3 threads: runs of
     * 1,332. Bad events in two runs, then in the last run only. */
    static const size_t cases[][2] = {{1000, 3000}, {2000, 3000}, {3500, 0}};
    size_t c;
    (void)state;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n_bad = cases[c][1] ? 2 : 1;
        char *text = corpus_times(4, cases[c], n_bad), want_path[64];
        struct zl_error e1, e2;
        int r1, r2, t;
        zl_epcis_doc *d = parse_threads(text, 1, &e1, &r1);
        assert_null(d);
        assert_true(r1 < 0);
        snprintf(want_path, sizeof want_path, "$.epcisBody.eventList[%zu]",
                 cases[c][0]);
        assert_memory_equal(e1.path, want_path, strlen(want_path));
        for (t = 2; t <= 3; t++) {
            d = parse_threads(text, t, &e2, &r2);
            assert_null(d);
            assert_int_equal(r2, r1);
            assert_int_equal(e2.code, e1.code);
            assert_string_equal(e2.path, e1.path);
            assert_string_equal(e2.rule, e1.rule);
            assert_string_equal(e2.value, e1.value);
        }
        free(text);
    }
}

/* zl_epcis_hash_each (one event at a time, `zhiliang hash`) against the
 * whole-document path (zl_epcis_parse_opts): the same hashes and pre-hash
 * strings in the same order, or the same error (code, path, rule, value),
 * with fn given exactly the events before the failing one. */
struct got {
    size_t n;
    char (*ids)[96];
    char **pre;
    size_t *pre_len;
    size_t cap;
};

static int got_one(void *ctx, const struct zl_event_hash *h)
{
    struct got *g = ctx;
    assert_int_equal(h->index, g->n); /* document order, none skipped */
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->ids = realloc(g->ids, g->cap * sizeof *g->ids);
        g->pre = realloc(g->pre, g->cap * sizeof *g->pre);
        g->pre_len = realloc(g->pre_len, g->cap * sizeof *g->pre_len);
        assert_non_null(g->ids);
        assert_non_null(g->pre);
        assert_non_null(g->pre_len);
    }
    memcpy(g->ids[g->n], h->hash_id, 96);
    assert_non_null(g->pre[g->n] = malloc(h->prehash_len + 1));
    memcpy(g->pre[g->n], h->prehash, h->prehash_len + 1);
    g->pre_len[g->n] = h->prehash_len;
    g->n++;
    return 0;
}

static void got_free(struct got *g)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        free(g->pre[i]);
    free(g->ids);
    free(g->pre);
    free(g->pre_len);
    memset(g, 0, sizeof *g);
}

/* Both paths on text with options o: same answer. Returns the code. */
static int same_answers(const char *what, const char *text, size_t len,
                        const struct zl_epcis_opts *o)
{
    struct zl_error e1, e2;
    zl_epcis_doc *doc = NULL;
    struct got g = {0, NULL, NULL, NULL, 0};
    size_t n = 12345, i;
    int r1, r2;

    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    r1 = zl_epcis_parse_opts(text, len, o, &doc, &e1);
    r2 = zl_epcis_hash_each(text, len, o, got_one, &g, &n, &e2);
    if (r1 != r2)
        fail_msg("%s: whole path %d (%s: %s), one at a time %d (%s: %s)", what,
                 r1, e1.path, e1.rule, r2, e2.path, e2.rule);
    if (r1 < 0) {
        const char *p = strrchr(e1.path, '[');
        size_t bad = 0;
        assert_int_equal(e2.code, e1.code);
        assert_string_equal(e2.path, e1.path);
        assert_string_equal(e2.rule, e1.rule);
        assert_string_equal(e2.value, e1.value);
        /* fn saw the events before the failing one, at most */
        if (p && !strncmp(e1.path, "$.epcisBody.eventList[", 22))
            bad = strtoul(e1.path + 22, NULL, 10);
        assert_true(g.n <= bad);
    } else {
        assert_int_equal(n, zl_epcis_doc_count(doc));
        assert_int_equal(g.n, n);
        for (i = 0; i < n; i++) {
            const struct zl_event *e = zl_epcis_doc_event(doc, i);
            assert_string_equal(g.ids[i], e->hash_id);
            assert_int_equal(g.pre_len[i], e->prehash_len);
            assert_memory_equal(g.pre[i], e->prehash, e->prehash_len);
        }
    }
    zl_epcis_doc_free(doc);
    got_free(&g);
    return r1;
}

static void hash_each_corpus(void)
{
    DIR *dir = opendir(CORPUS "examples");
    struct dirent *de;
    int files = 0;
    assert_non_null(dir);
    while ((de = readdir(dir))) {
        char path[700];
        size_t bl = strlen(de->d_name), len;
        char *d;
        if (bl < 8 || strcmp(de->d_name + bl - 7, ".jsonld"))
            continue;
        snprintf(path, sizeof path, CORPUS "examples/%s", de->d_name);
        assert_non_null(d = slurp(path, &len));
        same_answers(path, d, len, &corpus_opts);
        free(d);
        files++;
    }
    closedir(dir);
    assert_true(files >= 22);
}

/* A copy of text with the first occurrence of from (after byte at)
 * replaced by to. */
static char *text_replace(const char *text, size_t at, const char *from,
                          const char *to)
{
    const char *p = strstr(text + at, from);
    size_t n = strlen(text), fl = strlen(from), tl = strlen(to);
    char *out;
    assert_non_null(p);
    assert_non_null(out = malloc(n - fl + tl + 1));
    memcpy(out, text, (size_t)(p - text));
    memcpy(out + (p - text), to, tl);
    memcpy(out + (p - text) + tl, p + fl, n - (size_t)(p - text) - fl + 1);
    return out;
}

/* The byte offset of event i's text in a compact corpus_times document. */
static size_t event_at(const char *text, size_t i)
{
    const char *p = strstr(text, "\"eventList\":[");
    size_t k = 0, depth = 0;
    assert_non_null(p);
    for (p += 13; *p; p++) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            continue;
        }
        if (*p == '{' && depth++ == 0 && k++ == i)
            return (size_t)(p - text);
        if (*p == '}')
            depth--;
    }
    fail_msg("no event %zu", i);
    return 0;
}

static void hash_each_checks(const int *threads, size_t n_threads)
{
    static const size_t bad[] = {1500, 3000};
    struct zl_capture_limits lim = {(size_t)1 << 30, 100000, 0};
    struct zl_epcis_opts o = {&lim, 0, NULL, 1};
    char *ok = corpus_times(4, NULL, 0), *one = corpus_times(4, bad, 1);
    char *two = corpus_times(4, bad, 2), *t;
    size_t k;

    hash_each_corpus();
    for (k = 0; k < n_threads; k++) {
        o.threads = threads[k];
        assert_int_equal(same_answers("ok", ok, strlen(ok), &o), 0);
        /* an invalid event in the middle, and one in a later run too */
        assert_int_equal(same_answers("bad 1500", one, strlen(one), &o),
                         ZL_EINVAL);
        assert_int_equal(same_answers("bad 1500, 3000", two, strlen(two), &o),
                         ZL_EINVAL);
        /* a duplicate key in a later event outranks the invalid event,
         * and one before it is found too */
        t = text_replace(one, event_at(one, 3500), "{",
                         "{\"x:a\":1,\"x:a\":2,");
        assert_int_equal(same_answers("dup after", t, strlen(t), &o),
                         ZL_ESYNTAX);
        free(t);
        t = text_replace(ok, event_at(ok, 700), "{", "{\"x:a\":1,\"x:a\":2,");
        assert_int_equal(same_answers("dup", t, strlen(t), &o), ZL_ESYNTAX);
        free(t);
        /* a syntax error inside an event */
        t = text_replace(ok, event_at(ok, 2500), "{", "{\"x:a\":01,");
        assert_int_equal(same_answers("syntax", t, strlen(t), &o), ZL_ESYNTAX);
        free(t);
        /* the header, after the events */
        t = text_replace(ok, 0, "\"schemaVersion\":\"2.0\"",
                         "\"schemaVersion\":\"1.2\"");
        assert_int_equal(same_answers("header", t, strlen(t), &o), ZL_EINVAL);
        free(t);
        /* an "eventList" elsewhere: not taken for the events */
        t = text_replace(
            ok, 0, "{",
            "{\"x:y\":{\"eventList\":[{\"type\":\"ObjectEvent\"}]},");
        assert_int_equal(same_answers("stray", t, strlen(t), &o), 0);
        free(t);
        /* too many events */
        lim.max_events = 3000;
        assert_int_equal(same_answers("max_events", ok, strlen(ok), &o),
                         ZL_ELIMIT);
        lim.max_events = 100000;
    }
    /* a bare array of events, and a query document */
    t = text_replace(ok, 0, "\"type\":\"EPCISDocument\"",
                     "\"type\":\"EPCISQueryDocument\"");
    o.allow_query = 1;
    assert_int_equal(same_answers("query without results", t, strlen(t), &o),
                     ZL_EINVAL);
    free(t);
    free(ok);
    free(one);
    free(two);
}

static void test_hash_each_same_answers(void **state)
{
    static const int threads[] = {1, 3};
    (void)state;
    hash_each_checks(threads, 2);
}

/* The same with jansson's nodes from the per-thread arenas, as the CLI
 * runs it (zl_global_init). */
static void test_hash_each_routed(void **state)
{
    (void)state;
    static const int threads[] = {2};
    assert_int_equal(zl_global_init(), 0);
    hash_each_checks(threads, 1);
    zl_global_cleanup();
}

/* Without the option no namespace is special: the repository's own fields
 * count in the hash, so the corpus document whose two events differ only by
 * ignored fields gives two different hashes, the first not the expected
 * one; with it both are the expected hash. */
static void test_ignore_fields_is_an_option(void **state)
{
    static const char *const docs[] = {
        CORPUS "examples/epcisDocHavingEventWithIgnoreFields.jsonld",
        CORPUS "examples/epcisQueryDocHavingEventWithIgnoreFields.jsonld",
    };
    size_t k;
    (void)state;
    for (k = 0; k < 2; k++) {
        size_t len;
        char *d = slurp(docs[k], &len);
        zl_epcis_doc *plain = NULL, *with = NULL;
        struct zl_error err;
        struct zl_epcis_opts any = {NULL, 1, NULL, 0};
        const struct zl_event *p0, *p1, *w0, *w1;
        char *pre = NULL, id[96];
        size_t pl;
        uint8_t h[32];

        assert_non_null(d);
        assert_int_equal(zl_epcis_parse_opts(d, len, &any, &plain, &err), 0);
        assert_int_equal(zl_epcis_parse_opts(d, len, &corpus_opts, &with, &err),
                         0);
        assert_int_equal(zl_epcis_doc_count(plain), 2);
        p0 = zl_epcis_doc_event(plain, 0);
        p1 = zl_epcis_doc_event(plain, 1);
        w0 = zl_epcis_doc_event(with, 0);
        w1 = zl_epcis_doc_event(with, 1);
        assert_string_equal(w0->hash_id, w1->hash_id);
        assert_string_equal(p1->hash_id, w1->hash_id);
        assert_string_not_equal(p0->hash_id, w0->hash_id);
        assert_non_null(strstr(p0->prehash, "captureID"));
        assert_null(strstr(w0->prehash, "captureID"));
        /* the list rides along in the event's json: rehashing it needs the
         * same option, and without it the fields count again */
        assert_int_equal(
            zl_epcis_event_hash(w0->json, w0->json_len, &pre, &pl, h, id, &err),
            0);
        assert_string_not_equal(id, w0->hash_id);
        zl_free(pre);
        zl_epcis_doc_free(plain);
        zl_epcis_doc_free(with);
        free(d);
    }
}

static void test_numbers(void **state)
{
    static const char *cases[][2] = {
        {"12.10", "12.1"},
        {"1E2", "100"},
        {"0.050", "0.05"},
        {"+5", "5"},
        {"-0", "0"},
        {"1_000", "1000"},
        {"26.0", "26"},
        {"1e-7", "1e-07"},
        {".5", "0.5"},
        {"5.", "5"},
        {"0614141", "614141"},
        {"0.1", "0.1"},
        {"123456789012345678901", "123456789012345683968"},
    };
    static const char *not_numbers[] = {"abc",   "1.2.3", "1__0", "_1",  "1_",
                                        "e5",    "0x10",  "",     "nan", "inf",
                                        "1e999", "+",     "."};
    char out[400];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            ep_canon_number(cases[i][0], strlen(cases[i][0]), out, sizeof out),
            1);
        assert_string_equal(out, cases[i][1]);
    }
    for (i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++)
        assert_int_equal(ep_canon_number(not_numbers[i], strlen(not_numbers[i]),
                                         out, sizeof out),
                         0);
}

/* Sub-millisecond digits: the reference truncates to microseconds and
 * rounds half to even (Python round()) to milliseconds. */
static void test_timestamp_rounding(void **state)
{
    static const char *cases[][2] = {
        {"2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"},
        {"2023-02-02T11:04:03.1425Z", "2023-02-02T11:04:03.142Z"},
        {"2023-02-02T11:04:03.1414999Z", "2023-02-02T11:04:03.141Z"},
        {"2023-02-02T11:04:03.14250001Z", "2023-02-02T11:04:03.142Z"},
        {"2023-02-02T11:04:03.142501Z", "2023-02-02T11:04:03.143Z"},
        {"2023-02-02T01:04:03+02:00", "2023-02-01T23:04:03.000Z"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char ev[512], *pre = NULL, want[64];
        size_t pl;
        uint8_t h[32];
        char id[96];
        struct zl_error err;
        snprintf(ev, sizeof ev,
                 "{\"type\":\"ObjectEvent\",\"eventTime\":\"%s\","
                 "\"eventTimeZoneOffset\":\"+00:00\",\"epcList\":[],"
                 "\"action\":\"OBSERVE\"}",
                 cases[i][0]);
        assert_int_equal(
            zl_epcis_event_hash(ev, strlen(ev), &pre, &pl, h, id, &err), 0);
        snprintf(want, sizeof want, "eventTime=%s", cases[i][1]);
        if (!strstr(pre, want))
            fail_msg("%s: %s", cases[i][0], pre);
        zl_free(pre);
    }
}

/* Where a prefix is declared must not change the eventID: the document's
 * @context, the event's own, an @context nested in the extension value
 * (JSON-LD embedded contexts), an event-level binding overriding the
 * document's, and a bare event. Each stored form (e->json) must rehash to
 * the same ID alone, which is what `verify` does. Controls: the same
 * prefix bound to another URI, and a binding undone by "ex": null, give
 * other IDs. */
#define CTX_URL                                                                \
    "\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\""
#define CTX_DOC                                                                \
    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","                    \
    "\"creationDate\":\"2024-01-01T00:00:00Z\""
#define CTX_EV                                                                 \
    "\"type\":\"ObjectEvent\",\"eventTime\":"                                  \
    "\"2024-01-01T00:00:00Z\",\"eventTimeZoneOffset\":\"+00:00\","             \
    "\"epcList\":[\"urn:epc:id:sgtin:4012345.011111.9876\"],"                  \
    "\"action\":\"OBSERVE\""
#define EX   "{\"ex\":\"https://example.com/ns/\"}"
#define EX2  "{\"ex2\":\"https://example.com/two/\"}"
#define BODY "\"ex:temp\":\"5\",\"ex:s\":{\"ex2:v\":\"ex2:x\"}"
#define BODY_NESTED                                                            \
    "\"ex:temp\":\"5\",\"ex:s\":{\"@context\":" EX2 ",\"ex2:v\":\"ex2:x\"}"

static void one_id(const char *json, char id[96])
{
    zl_epcis_doc *doc = NULL;
    struct zl_error err;
    const struct zl_event *e;
    char again[96], *pre = NULL;
    size_t pl;
    uint8_t h[32];
    int r = zl_epcis_parse(json, strlen(json), NULL, &doc, &err);
    if (r < 0)
        fail_msg("%s: %s %s", json, err.path, err.rule);
    assert_int_equal(zl_epcis_doc_count(doc), 1);
    e = zl_epcis_doc_event(doc, 0);
    memcpy(id, e->hash_id, 96);
    r = zl_epcis_event_hash(e->json, e->json_len, &pre, &pl, h, again, &err);
    assert_int_equal(r, 0);
    if (strcmp(again, id))
        fail_msg("stored form rehashes differently:\n%s\n%s\n%s", e->json,
                 e->prehash, pre);
    assert_memory_equal(h, e->hash, 32);
    zl_free(pre);
    zl_epcis_doc_free(doc);
}

static void test_context_placement(void **state)
{
    static const char *same[] = {
        /* both prefixes at document level */
        "{\"@context\":[" CTX_URL "," EX "," EX2 "]," CTX_DOC
        ",\"epcisBody\":{\"eventList\":[{" CTX_EV "," BODY "}]}}",
        /* ex on the event, ex2 on the document */
        "{\"@context\":[" CTX_URL "," EX2 "]," CTX_DOC
        ",\"epcisBody\":{\"eventList\":[{\"@context\":" EX "," CTX_EV "," BODY
        "}]}}",
        /* both on the event, as an array */
        "{\"@context\":[" CTX_URL "]," CTX_DOC
        ",\"epcisBody\":{\"eventList\":[{\"@context\":[" CTX_URL "," EX "," EX2
        "]," CTX_EV "," BODY "}]}}",
        /* ex2 nested in the extension value that uses it */
        "{\"@context\":[" CTX_URL "," EX "]," CTX_DOC
        ",\"epcisBody\":{\"eventList\":[{" CTX_EV "," BODY_NESTED "}]}}",
        /* the event rebinds ex over the document's other binding */
        "{\"@context\":[" CTX_URL
        ",{\"ex\":\"https://other.example/\"}]," CTX_DOC
        ",\"epcisBody\":{\"eventList\":[{\"@context\":[" EX "]," CTX_EV
        "," BODY_NESTED "}]}}",
        /* a bare event */
        "{\"@context\":[" CTX_URL "," EX "]," CTX_EV "," BODY_NESTED "}",
        /* an event in a bare array, its context only its own */
        "[{\"@context\":[" CTX_URL "," EX "," EX2 "]," CTX_EV "," BODY "}]",
    };
    static const char *other[] = {
        "{\"@context\":[" CTX_URL ",{\"ex\":\"https://other.example/\"}," EX2
        "]," CTX_DOC ",\"epcisBody\":{\"eventList\":[{" CTX_EV "," BODY "}]}}",
        "{\"@context\":[" CTX_URL "," EX "," EX2 "]," CTX_DOC
        ",\"epcisBody\":{\"eventList\":[{\"@context\":{\"ex\":null}," CTX_EV
        "," BODY "}]}}",
    };
    char first[96], id[96];
    size_t i;
    (void)state;
    one_id(same[0], first);
    for (i = 1; i < sizeof same / sizeof same[0]; i++) {
        one_id(same[i], id);
        if (strcmp(id, first))
            fail_msg("placement %zu: %s != %s", i, id, first);
    }
    for (i = 0; i < sizeof other / sizeof other[0]; i++) {
        one_id(other[i], id);
        if (!strcmp(id, first))
            fail_msg("control %zu hashes like the others", i);
    }
}

/* Stores written before issue 9: events as they were stored then, with
 * the IDs the code of that time gave them (known answers from commit
 * 9893ae6). zl_epcis_event_hash_legacy must reproduce each, so that
 * `verify` keeps passing them; the current rule gives the nested-context
 * and object-context events other IDs, and the plain one the same. */
static void test_legacy_rule(void **state)
{
    static const struct {
        const char *json, *id;
        int same_now;
    } cases[] = {
        {"{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
         "epcis-context.jsonld\",{\"ex\":\"https://ex.com/\"}],\"type\":"
         "\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
         "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
         "\"epcList\":[\"https://id.gs1.org/01/09506000134352/21/OLD1\"],"
         "\"ex:t\":{\"@context\":{\"ex2\":\"https://ex2.com/\"},"
         "\"ex2:v\":\"4\"}}",
         "e76dfc88337f808ebbeb5421374f5882ae3a02c0d515e938de26df96a5967f5f", 0},
        {"{\"@context\":{\"ex\":\"https://ex.com/\"},\"type\":\"ObjectEvent\","
         "\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventTimeZoneOffset\":"
         "\"+00:00\",\"action\":\"OBSERVE\",\"epcList\":[\"https://id.gs1.org/"
         "01/09506000134352/21/OLD1\"],\"ex:t\":\"6\"}",
         "9f238d263409eac8a5294e1d0a9d3804a9c634fb3d5c60a64af02d74cb921209", 0},
        {"{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
         "epcis-context.jsonld\",{\"ex\":\"https://ex.com/\"}],\"type\":"
         "\"ObjectEvent\",\"eventTime\":\"2024-01-01T00:00:00Z\","
         "\"eventTimeZoneOffset\":\"+00:00\",\"action\":\"OBSERVE\","
         "\"epcList\":[\"https://id.gs1.org/01/09506000134352/21/OLD1\"],"
         "\"ex:t\":\"5\"}",
         "d838b3fc12bb396aff0b126b28e12c753b8b8dca31e8051ea8dd4d0f72abc197", 1},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[96], want[96];
        uint8_t h[32];
        struct zl_error err;
        snprintf(want, sizeof want, "ni:///sha-256;%s?ver=CBV2.0", cases[i].id);
        assert_int_equal(zl_epcis_event_hash_legacy(cases[i].json,
                                                    strlen(cases[i].json), NULL,
                                                    NULL, h, id, &err),
                         0);
        assert_string_equal(id, want);
        assert_int_equal(zl_epcis_event_hash(cases[i].json,
                                             strlen(cases[i].json), NULL, NULL,
                                             h, id, &err),
                         0);
        assert_int_equal(strcmp(id, want) == 0, cases[i].same_now);
    }
}

/* The pre-hash's identifier shortcuts (ep_idfast.c) against the GS1
 * parser on random identifiers of the shapes they take and of shapes
 * near them: ep_id_from_urn() writes exactly what zl_gs1_canonical()
 * writes or declines, and a Digital Link ep_id_as_is() keeps is one the
 * parser writes back or rejects (then the pre-hash keeps its text
 * too). The corpora reach a few hundred identifiers; a wrong check
 * digit or a digit run cut short shows here first. */
static uint64_t idf_state = 88172645463325252ull;

static unsigned idf_rand(unsigned n)
{
    idf_state ^= idf_state << 13;
    idf_state ^= idf_state >> 7;
    idf_state ^= idf_state << 17;
    return (unsigned)(idf_state % n);
}

/* k random characters of set at o; their count. */
static size_t idf_chars(char *o, size_t k, const char *set)
{
    size_t i, sl = strlen(set);
    for (i = 0; i < k; i++)
        o[i] = set[idf_rand((unsigned)sl)];
    return k;
}

static void test_identifier_fast_paths(void **state)
{
    static const char *const urn[] = {
        "urn:epc:id:sgtin:", "urn:epc:id:sscc:", "urn:epc:id:sgln:",
        "urn:epc:class:lgtin:"};
    static const char *const dl[] = {"https://id.gs1.org/01/",
                                     "https://id.gs1.org/00/",
                                     "https://id.gs1.org/414/"};
    static const size_t total[] = {13, 17, 12, 13}; /* cp + reference */
    const char *dig = "0123456789", *aln = "0123456789ABCxyz";
    size_t i, taken = 0, kept = 0;
    (void)state;
    for (i = 0; i < 200000; i++) {
        char s[128], got[512], want[512];
        size_t n, t = idf_rand(4), cp = 6 + idf_rand(7), g;
        int w;
        /* mostly well-formed; now and then a length or a character off */
        int skew = idf_rand(8) == 0;
        n = (size_t)snprintf(s, sizeof s, "%s", urn[t]);
        n += idf_chars(s + n, cp, dig);
        s[n++] = '.';
        {
            int refl = (int)(total[t] - cp) +
                       (skew ? (int)idf_rand(3) - (int)idf_rand(2) : 0);
            n += idf_chars(s + n, refl > 0 ? (size_t)refl : 0, dig);
        }
        if (t != 1) {
            s[n++] = '.';
            n += idf_chars(s + n, 1 + idf_rand(skew ? 24 : 20),
                           skew ? "09Az-%." : aln);
        }
        if (skew && idf_rand(2)) /* a byte near a digit's: '/' ':' */
            s[strlen(urn[t]) + idf_rand((unsigned)(n - strlen(urn[t])))] =
                "/:;?A"[idf_rand(5)];
        s[n] = '\0';
        g = ep_id_from_urn(s, n, got, sizeof got);
        if (g == 0)
            continue;
        taken++;
        w = zl_gs1_canonical(s, n, want, sizeof want, NULL);
        if (w < 0 || (size_t)w != g || memcmp(got, want, g))
            fail_msg("%s: fast %s, parser %s", s, got,
                     w < 0 ? "(rejects)" : want);
    }
    for (i = 0; i < 200000; i++) {
        char s[128], want[512];
        size_t n, t = idf_rand(3);
        size_t key = t == 0 ? 14 : t == 1 ? 18 : 13;
        int w, skew = idf_rand(8) == 0;
        n = (size_t)snprintf(s, sizeof s, "%s", dl[t]);
        n += idf_chars(s + n, key + (skew ? idf_rand(3) : 0), dig);
        if (skew && idf_rand(2))
            n--; /* a digit short */
        if (t == 0 && idf_rand(2))
            n += (size_t)snprintf(s + n, sizeof s - n, "/%s/",
                                  idf_rand(2) ? "21" : "10");
        else if (t == 2 && idf_rand(2))
            n += (size_t)snprintf(s + n, sizeof s - n, "/254/");
        if (s[n - 1] == '/')
            n += idf_chars(s + n, 1 + idf_rand(skew ? 24 : 20),
                           skew ? "09Az-%." : aln);
        if (skew && idf_rand(2))
            s[strlen(dl[t]) + idf_rand((unsigned)(n - strlen(dl[t])))] =
                "/:;?A"[idf_rand(5)];
        s[n] = '\0';
        if (!ep_id_as_is(s, n))
            continue;
        kept++;
        w = zl_gs1_canonical(s, n, want, sizeof want, NULL);
        if (w >= 0 && ((size_t)w != n || memcmp(s, want, n)))
            fail_msg("%s kept as is, parser writes %s", s, want);
    }
    /* both shortcuts took most of what they were given */
    assert_true(taken > 100000);
    assert_true(kept > 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_expected_equal_json),
        cmocka_unit_test(test_expected_different),
        cmocka_unit_test(test_single_event_api),
        cmocka_unit_test(test_ignore_fields_is_an_option),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_timestamp_rounding),
        cmocka_unit_test(test_context_placement),
        cmocka_unit_test(test_legacy_rule),
        cmocka_unit_test(test_random_events_reference),
        cmocka_unit_test(test_quirk_events_reference),
        cmocka_unit_test(test_threads_same_document),
        cmocka_unit_test(test_threads_first_error),
        cmocka_unit_test(test_hash_each_same_answers),
        cmocka_unit_test(test_hash_each_routed),
        cmocka_unit_test(test_identifier_fast_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
