/*
 * receipt.c - capture receipts (receipt.h): what no event record states,
 * its record time and capturing party, made a logged record.
 *
 * The canonical bytes are written here directly rather than through a
 * jansson tree and zl_jcs_dump: every member name is fixed ASCII (so
 * RFC 8785's order is the order written below), hashes and times are
 * ASCII without escapes, and "v" is the integer 1; only the party text
 * goes through zl_jcs_dump. A tree would cost a json_t per listed event
 * (a migration receipt lists every event of the store). test_receipt
 * checks the bytes against zl_jcs_dump of the same value.
 *
 * The migration receipt anchors the state found at the upgrade: it
 * proves the record times and parties were not changed after it, not
 * that they were right before it (docs/architecture.md).
 */
#include "capture/receipt.h"

#include "store/store_correction.h"

#include "util/alloc.h"
#include "util/jcs.h"
#include "zhiliang/codec.h"
#include "zhiliang/log.h"
#include "zhiliang/timefmt.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static int add_party(struct zl_buf *out, const char *party)
{
    json_t *j;
    int rc;

    if (!party)
        return zl_buf_adds(out, "null");
    if (!(j = json_string(party)))
        return ZL_EINVAL; /* not UTF-8 */
    rc = zl_jcs_dump(j, out);
    json_decref(j);
    return rc;
}

static int add_events(struct zl_buf *out, const struct zl_receipt_group *g)
{
    char hex[65];
    int rc = zl_buf_adds(out, "\"events\":[");

    for (size_t i = 0; i < g->n_events && !rc; i++) {
        zl_hex_encode(g->events[i], 32, hex);
        rc = zl_buf_printf(out, "%s\"%s\"", i ? "," : "", hex);
    }
    return rc ? rc : zl_buf_addc(out, ']');
}

/* "party":...,"recordTime":"..." */
static int add_meta(struct zl_buf *out, const struct zl_receipt_group *g)
{
    char t[32];
    int rc = zl_buf_adds(out, ",\"party\":");

    zl_time_format_utc(g->record_time_ms, t);
    if (!rc)
        rc = add_party(out, g->party);
    return rc ? rc : zl_buf_printf(out, ",\"recordTime\":\"%s\"", t);
}

int zl_receipt_canon(const struct zl_receipt_group *g, size_t n,
                     struct zl_buf *out)
{
    char hex[65];
    int rc;

    if (n == 1 && g[0].kind == ZL_RECEIPT_CAPTURE) {
        if (g[0].doc)
            zl_hex_encode(g[0].doc, 32, hex);
        rc = g[0].doc ? zl_buf_printf(out, "{\"doc\":\"%s\",", hex)
                      : zl_buf_adds(out, "{\"doc\":null,");
        if (!rc)
            rc = add_events(out, &g[0]);
        if (!rc)
            rc = add_meta(out, &g[0]);
        return rc ? rc : zl_buf_adds(out, ",\"type\":\"capture\",\"v\":1}");
    }
    for (size_t i = 0; i < n; i++)
        if (g[i].kind != ZL_RECEIPT_MIGRATION)
            return ZL_EINVAL;
    rc = zl_buf_adds(out, "{\"groups\":[");
    for (size_t i = 0; i < n && !rc; i++) {
        rc = zl_buf_adds(out, i ? ",{" : "{");
        if (!rc)
            rc = add_events(out, &g[i]);
        if (!rc)
            rc = add_meta(out, &g[i]);
        if (!rc)
            rc = zl_buf_addc(out, '}');
    }
    return rc ? rc : zl_buf_adds(out, "],\"type\":\"migration\",\"v\":1}");
}

int zl_receipt_key(const void *canon, size_t len, char key[96])
{
    uint8_t d[32];
    unsigned int dl = 32;

    if (EVP_Digest(canon, len, d, &dl, EVP_sha256(), NULL) != 1)
        return ZL_ENOMEM;
    memcpy(key, ZL_RECEIPT_KEY_PREFIX, sizeof ZL_RECEIPT_KEY_PREFIX);
    zl_hex_encode(d, 32, key + sizeof ZL_RECEIPT_KEY_PREFIX - 1);
    return 0;
}

/* Store the groups under the key of their canonical bytes and log them. */
static int put_receipt(zl_store *s, struct zl_receipt_group *g, size_t n)
{
    struct zl_buf canon;
    char key[96];
    int rc;

    zl_buf_init(&canon, (size_t)1 << 30);
    rc = zl_receipt_canon(g, n, &canon);
    if (!rc)
        rc = zl_receipt_key(canon.data, canon.len, key);
    for (size_t i = 0; i < n && !rc; i++) {
        g[i].key = key;
        g[i].grp = (long)i;
        rc = zl_store_receipt_put(s, &g[i]);
    }
    if (!rc)
        rc =
            zl_log_append(s, ZL_LEAF_CAPTURE, key, canon.data, canon.len, NULL);
    zl_buf_cleanup(&canon);
    return rc;
}

int zl_receipt_capture(zl_store *s, int64_t record_time_ms, const char *party,
                       const uint8_t doc[32], const uint8_t (*events)[32],
                       size_t n)
{
    struct zl_receipt_group g;

    if (!n)
        return ZL_EINVAL;
    memset(&g, 0, sizeof g);
    g.kind = ZL_RECEIPT_CAPTURE;
    g.record_time_ms = record_time_ms;
    g.party = party;
    g.doc = doc;
    g.events = events;
    g.n_events = n;
    return put_receipt(s, &g, 1);
}

/* ---- the migration receipt ------------------------------------------------
 */

struct found {
    int64_t rt;
    size_t party; /* index into parties + 1, 0 = none */
    uint8_t hash[32];
};

struct existing {
    struct found *v;
    size_t n, cap;
    char **parties;
    size_t n_parties, cap_parties;
};

static int intern(struct existing *e, const char *party, size_t *out)
{
    size_t i;

    *out = 0;
    if (!party)
        return 0;
    for (i = e->n_parties; i > 0; i--) /* recent captures first */
        if (!strcmp(e->parties[i - 1], party)) {
            *out = i;
            return 0;
        }
    if (zl_grow((void **)&e->parties, &e->cap_parties, e->n_parties + 1,
                sizeof *e->parties, 16, NULL))
        return ZL_ENOMEM;
    if (!(e->parties[e->n_parties] = zl_strdup(party)))
        return ZL_ENOMEM;
    *out = ++e->n_parties;
    return 0;
}

static int existing_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct existing *e = ctx;
    struct found *f;
    int rc;

    if (zl_grow((void **)&e->v, &e->cap, e->n + 1, sizeof *e->v, 4096, NULL))
        return ZL_ENOMEM;
    f = &e->v[e->n];
    f->rt = ev->record_time_ms;
    memcpy(f->hash, ev->hash, 32);
    if ((rc = intern(e, ev->party, &f->party)))
        return rc;
    e->n++;
    return 0;
}

static int found_cmp(const void *x, const void *y, void *ctx)
{
    const struct found *a = x, *b = y;
    const struct existing *e = ctx;
    int c;

    if (a->rt != b->rt)
        return a->rt < b->rt ? -1 : 1;
    if (a->party != b->party) {
        if (!a->party || !b->party)
            return a->party ? 1 : -1;
        c = strcmp(e->parties[a->party - 1], e->parties[b->party - 1]);
        if (c)
            return c;
    }
    return memcmp(a->hash, b->hash, 32);
}

int zl_receipt_migrate(zl_store *s)
{
    struct zl_event_filter all = {0};
    struct existing e = {0};
    struct zl_receipt_group *g = NULL;
    uint8_t(*hashes)[32] = NULL;
    size_t i, ng = 0, gs = 0, rec_first = 0, rec_events = 0;
    int rc;

    rc = zl_store_events_query(s, &all, existing_cb, &e);
    if (rc || !e.n)
        goto out;
    qsort_r(e.v, e.n, sizeof *e.v, found_cmp, &e);
    hashes = zl_malloc(e.n * sizeof *hashes);
    g = zl_calloc(e.n, sizeof *g);
    if (!hashes || !g) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < e.n; i++)
        memcpy(hashes[i], e.v[i].hash, 32);
    /* groups of equal (record_time, party); a record every MAX events */
    for (i = 1; i <= e.n && !rc; i++) {
        struct zl_receipt_group *x;

        if (i < e.n && e.v[i].rt == e.v[i - 1].rt &&
            e.v[i].party == e.v[i - 1].party &&
            rec_events + (i - gs) < ZL_RECEIPT_MIGRATION_MAX)
            continue;
        x = &g[ng++];
        x->kind = ZL_RECEIPT_MIGRATION;
        x->record_time_ms = e.v[gs].rt;
        x->party = e.v[gs].party ? e.parties[e.v[gs].party - 1] : NULL;
        x->events = (const uint8_t(*)[32])(hashes + gs);
        x->n_events = i - gs;
        rec_events += i - gs;
        gs = i;
        if (i == e.n || rec_events == ZL_RECEIPT_MIGRATION_MAX) {
            rc = put_receipt(s, g + rec_first, ng - rec_first);
            rec_first = ng;
            rec_events = 0;
        }
    }
out:
    for (i = 0; i < e.n_parties; i++)
        zl_free(e.parties[i]);
    zl_free(e.parties);
    zl_free(e.v);
    zl_free(hashes);
    zl_free(g);
    return rc;
}

/* ---- reading a receipt back ------------------------------------------------
 */

static int load_cb(void *ctx, const struct zl_receipt_group *src)
{
    struct zl_receipt *r = ctx;
    struct zl_receipt_group *g;
    void *p;

    p = zl_realloc(r->g, (r->n + 1) * sizeof *r->g);
    if (!p)
        return ZL_ENOMEM;
    r->g = p;
    g = &r->g[r->n++];
    memset(g, 0, sizeof *g);
    g->key = r->key;
    g->kind = src->kind;
    g->grp = src->grp;
    g->record_time_ms = src->record_time_ms;
    if (src->grp != (long)(r->n - 1) || src->damaged)
        r->damaged = 1;
    if (src->party && !(g->party = zl_strdup(src->party)))
        return ZL_ENOMEM;
    if (src->doc) {
        uint8_t *d = zl_malloc(32);

        if (!d)
            return ZL_ENOMEM;
        memcpy(d, src->doc, 32);
        g->doc = d;
    }
    if (src->n_events) {
        uint8_t(*h)[32] = zl_malloc(src->n_events * 32);

        if (!h)
            return ZL_ENOMEM;
        memcpy(h, src->events, src->n_events * 32);
        g->events = (const uint8_t(*)[32])h;
        g->n_events = src->n_events;
    }
    return 0;
}

int zl_receipt_load(zl_store *s, const char *key, struct zl_receipt *out)
{
    int rc;

    memset(out, 0, sizeof *out);
    if (!(out->key = zl_strdup(key)))
        return ZL_ENOMEM;
    rc = zl_store_receipt_get(s, key, load_cb, out);
    if (rc)
        zl_receipt_cleanup(out);
    return rc;
}

void zl_receipt_cleanup(struct zl_receipt *r)
{
    for (size_t i = 0; i < r->n; i++) {
        zl_free((void *)r->g[i].party);
        zl_free((void *)r->g[i].doc);
        zl_free((void *)r->g[i].events);
    }
    zl_free(r->g);
    zl_free(r->key);
    memset(r, 0, sizeof *r);
}

int zl_correction_canon(const struct zl_correction *c, struct zl_buf *out)
{
    char target[65], when[32];
    json_t *o;
    int rc;

    zl_hex_encode(c->target, 32, target);
    zl_time_format_utc(c->record_time_ms, when);
    o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s?, s:s?}", "type", "correction",
                  "v", 1, "key", c->key, "target", target, "recordTime", when,
                  "party", c->party, "reason", c->reason);
    if (!o)
        return ZL_EINVAL; /* NULL key or a string that is not UTF-8 */
    if (!c->party && json_object_set_new(o, "party", json_null()))
        rc = ZL_ENOMEM;
    else if (!c->reason && json_object_set_new(o, "reason", json_null()))
        rc = ZL_ENOMEM;
    else
        rc = zl_jcs_dump(o, out);
    json_decref(o);
    return rc;
}
