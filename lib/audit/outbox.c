/*
 * outbox.c - the change feed against the log (verify's outbox check).
 *
 * Subscriptions, the risk monitor and page caches follow the outbox, not
 * the log: a row deleted from it is a change no subscriber ever hears of
 * (a recall notice that never goes out), a row edited or added is one
 * they hear of wrongly. Every writer of the outbox (capture's events and
 * corrections, recall steps, risk reports and their steps, supervision
 * records, registry entries: expected_row lists each) appends its row in
 * the record's transaction, right after the leaf. So the outbox's rows,
 * taken in seq order, name exactly those leaves in log order, one for
 * one, each with the key its writer gives it (an event's row names it by
 * its 64 hex digits, a registry entry's by its key without the kind) and,
 * for events and corrections, the record time as created. So every row
 * is checked. (Registry entries logged by the 4 -> 5 migration have no
 * row; they precede the schema-23 watermark below.)
 *
 * The log pass hands us each leaf in order (audit_outbox_leaf); we read
 * the outbox alongside in pages and compare. A mismatch looks one row ahead:
 * when the next row names this leaf, the row in between was added or rewritten;
 * otherwise this leaf's row is missing. Rows left after the last leaf were
 * added. So each kind of edit is named once, where it happened.
 *
 * A store upgraded to schema 23 holds records logged before their writers
 * appended outbox rows (events before schema 2, corrections and recall
 * steps before the outbox took them), so the step records the log's size
 * and the outbox's last seq then in meta (outbox.checked_from, "LEAF SEQ")
 * and the check pairs the leaves from LEAF on with the rows after SEQ; a
 * store made at 23 or later has no such key and is checked whole. Raised
 * behind the store's back the setting would hide earlier rows, so it is
 * a logged setting (query/subs_log.c, schema 28: the 27 -> 28 step logs
 * the value the 22 -> 23 step set; every upgrade passes both in one
 * transaction), and verify holds it to its record; past the log's size
 * it is reported here too.
 *
 * A supervision record's row carries the record's kind, which its leaf
 * key does not spell: it is read from the record (sup_record_kind), so a
 * row turned into a kind followers act on ("recall", "event") is seen.
 *
 * Not covered: the created time of the rows of records other than events
 * and corrections (their records carry their own times, and no follower
 * reads those rows' created).
 */
#include "audit/audit_int.h"
#include "query/subs_log.h"
#include "supervise/sup_int.h"

#include "store/store.h"
#include "store/store_correction.h"
#include "store/store_subs.h"
#include "util/alloc.h"
#include "util/timefmt.h"
#include "zhiliang/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 1024

struct ob_row {
    uint64_t seq;
    char *kind, *key;
    int64_t created_ms;
};

#define CHECKED_FROM ZL_OUTBOX_CHECKED_FROM

struct audit_outbox {
    struct ob_row rows[PAGE];
    uint64_t from;   /* the first leaf checked (CHECKED_FROM's LEAF) */
    uint64_t leaves; /* leaves seen so far */
    size_t n, pos;
    uint64_t after; /* last seq read */
    int done;       /* the outbox has no rows past `after` */
    int rc;
};

/* The outbox row a logged record's writer appends right after its leaf:
 * a kind (NULL: any) and a key, as pieces of the leaf's key. */
struct expected {
    const char *kind, *key;
    size_t kind_len, key_len;
};

static int piece(struct expected *x, const char *kind, const char *key,
                 size_t key_len)
{
    x->kind = kind;
    x->kind_len = kind ? strlen(kind) : 0;
    x->key = key;
    x->key_len = key_len;
    return 1;
}

/* 1 and *x when a record of this leaf type and key has an outbox row, 0
 * when it has none (capture receipts, SPC, subscriptions, retired risk
 * keys, records of unknown shape). */
static int expected_row(uint8_t leaf_type, const char *key, struct expected *x)
{
    const char *p, *end = strrchr(key, ':');

    switch (leaf_type) {
    case ZL_LEAF_EVENT: /* capture.c: the hash's 64 hex digits */
        p = strchr(key, ';');
        return p && strlen(p + 1) >= 64 && piece(x, "event", p + 1, 64);
    case ZL_LEAF_CORRECTION: return piece(x, "correction", key, strlen(key));
    case ZL_LEAF_RECALL: return piece(x, "recall", key, strlen(key));
    case ZL_LEAF_COMPLAINT: /* risk/intake.c, handle.c, dispose.c */
        if (!strncmp(key, "risk:", 5))
            return piece(x, "risk", key + 5, strlen(key + 5));
        if (!strncmp(key, "risk-step:", 10))
            return piece(x, "risk-step", key, strlen(key));
        if (!strncmp(key, "risk-dispo:", 11))
            return piece(x, "risk-dispo", key, strlen(key));
        return 0;
    case ZL_LEAF_INSPECTION: /* sup_registry.c: "sup:KEY:SEQ", row KEY
                              * of the record's kind (the caller's) */
        return !strncmp(key, "sup:", 4) && end > key + 4 &&
               piece(x, NULL, key + 4, (size_t)(end - key - 4));
    case ZL_LEAF_PARTY: /* party/registry.c: "registry:KIND:REST:SEQ",
                         * row KIND, REST */
        if (strncmp(key, "registry:", 9) || !(p = strchr(key + 9, ':')) ||
            end <= p)
            return 0;
        x->kind = key + 9;
        x->kind_len = (size_t)(p - key - 9);
        x->key = p + 1;
        x->key_len = (size_t)(end - p - 1);
        return 1;
    default: return 0;
    }
}

static int page_cb(void *ctx, const struct zl_outbox_row *row)
{
    struct audit_outbox *o = ctx;
    struct ob_row *r;

    o->after = row->seq;
    r = &o->rows[o->n];
    r->seq = row->seq;
    r->created_ms = row->created_ms;
    r->kind = zl_strdup(row->kind);
    r->key = zl_strdup(row->key ? row->key : "");
    if (!r->kind || !r->key) {
        zl_free(r->kind);
        zl_free(r->key);
        return o->rc = ZL_ENOMEM;
    }
    o->n++;
    return 0;
}

static void drop_read(struct audit_outbox *o)
{
    for (size_t i = 0; i < o->n; i++) {
        zl_free(o->rows[i].kind);
        zl_free(o->rows[i].key);
    }
    o->n = o->pos = 0;
}

/* The followed row at pos + ahead (ahead 0 or 1), reading pages as
 * needed; NULL when the outbox has no more. Rows before pos are kept
 * until the page is used up. */
static int row_at(struct audit *a, size_t ahead, struct ob_row **out)
{
    struct audit_outbox *o = a->outbox;
    uint64_t before;
    int rc;

    *out = NULL;
    while (o->pos + ahead >= o->n && !o->done) {
        if (o->pos > 0) { /* keep the unread tail at the front */
            for (size_t i = 0; i < o->pos; i++) {
                zl_free(o->rows[i].kind);
                zl_free(o->rows[i].key);
            }
            memmove(o->rows, o->rows + o->pos,
                    (o->n - o->pos) * sizeof o->rows[0]);
            o->n -= o->pos;
            o->pos = 0;
        }
        before = o->after;
        rc = zl_store_outbox_read(a->s, o->after, PAGE - o->n, page_cb, o);
        if (rc || o->rc)
            return rc ? rc : o->rc;
        if (o->after == before)
            o->done = 1;
    }
    if (o->pos + ahead < o->n)
        *out = &o->rows[o->pos + ahead];
    return 0;
}

static int report_row(struct audit *a, const char *what, const struct ob_row *r)
{
    char key[96], detail[400];

    snprintf(key, sizeof key, "outbox: seq %llu", (unsigned long long)r->seq);
    snprintf(detail, sizeof detail,
             "%s row names %.200s %s; followers (subscriptions, the risk "
             "monitor) heard of a change the log does not hold there",
             r->kind, *r->key ? r->key : "(an event no longer stored)", what);
    return audit_report(a, "outbox-altered", r->seq, key, detail);
}

static int same(const char *v, const char *want, size_t want_len)
{
    return strlen(v) == want_len && !memcmp(v, want, want_len);
}

static int names(const struct ob_row *r, const struct expected *x)
{
    return r && (!x->kind || same(r->kind, x->kind, x->kind_len)) &&
           same(r->key, x->key, x->key_len);
}

int audit_outbox_leaf(struct audit *a, uint8_t leaf_type, const char *key,
                      int64_t record_ms, const void *canon, size_t len)
{
    struct expected x;
    struct ob_row *r, *next;
    char detail[300], t1[32], t2[32], kind[64];
    int rc;

    if (!a->outbox || a->outbox->leaves++ < a->outbox->from ||
        !expected_row(leaf_type, key, &x))
        return 0;
    /* a supervision record's row has the record's kind; a record that is
     * gone or no longer parses is reported by the leaf check, and its row
     * is then matched by key alone */
    if (leaf_type == ZL_LEAF_INSPECTION && canon &&
        !zl_sup_canon_kind(canon, len, kind, sizeof kind))
        piece(&x, kind, x.key, x.key_len);
    if ((rc = row_at(a, 0, &r)))
        return rc;
    if (r && !names(r, &x) && same(r->key, x.key, x.key_len)) {
        a->outbox->pos++;
        snprintf(detail, sizeof detail,
                 "the row's kind is %.60s, the logged record's %.*s: followers "
                 "act on the kind",
                 r->kind, (int)x.kind_len, x.kind);
        return audit_report(a, "outbox-altered", r->seq, key, detail);
    }
    if (!names(r, &x)) {
        if ((rc = row_at(a, 1, &next)))
            return rc;
        if (!r || !names(next, &x)) {
            snprintf(detail, sizeof detail,
                     "the logged record has no outbox row: no subscriber or "
                     "follower was told of it");
            return audit_report(a, "outbox-missing", 0, key, detail);
        }
        if ((rc = report_row(a, "in place of the next logged record", r)))
            return rc;
        a->outbox->pos++;
        r = next;
    }
    a->outbox->pos++;
    if ((leaf_type == ZL_LEAF_EVENT || leaf_type == ZL_LEAF_CORRECTION) &&
        record_ms >= 0 && r->created_ms != record_ms) {
        zl_time_format_utc(r->created_ms, t1);
        zl_time_format_utc(record_ms, t2);
        snprintf(detail, sizeof detail,
                 "outbox.created: stored %s, the record's time is %s (a "
                 "subscription's since-time decides on it)",
                 t1, t2);
        return audit_report(a, "outbox-altered", r->seq, key, detail);
    }
    return 0;
}

int audit_outbox_begin(struct audit *a)
{
    char *v = NULL, *end = NULL;
    size_t len;
    int rc;

    if (!(a->outbox = zl_calloc(1, sizeof *a->outbox)))
        return ZL_ENOMEM;
    rc = zl_store_meta_get(a->s, CHECKED_FROM, &v, &len);
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (!rc) { /* "LEAF SEQ"; anything else is reported at the end */
        a->outbox->from = strtoull(v, &end, 10);
        if (end != v && *end == ' ')
            a->outbox->after = strtoull(end + 1, &end, 10);
        if (end == v || *end != '\0')
            a->outbox->from = UINT64_MAX;
    }
    zl_free(v);
    return rc;
}

int audit_outbox_end(struct audit *a)
{
    struct ob_row *r;
    int rc = 0;

    if (!a->outbox)
        return 0;
    if (a->outbox->from > a->outbox->leaves &&
        (rc = audit_report(a, "outbox-altered", 0, "meta: " CHECKED_FROM,
                           "the outbox check would start past the end of "
                           "the log (the setting was edited)")))
        return rc;
    while (!(rc = row_at(a, 0, &r)) && r) {
        if ((rc = report_row(a, "after the last logged record", r)))
            break;
        a->outbox->pos++;
    }
    return rc;
}

int audit_outbox_migrate(zl_store *s)
{
    char v[48];
    uint64_t size = 0;
    int64_t seq = 0;
    int rc = zl_log_size(s, &size);

    if (!rc && size > 0)
        rc = zl_store_outbox_last(s, &seq);
    if (rc || size == 0)
        return rc;
    snprintf(v, sizeof v, "%llu %lld", (unsigned long long)size,
             (long long)seq);
    return zl_store_meta_set(s, CHECKED_FROM, v, strlen(v));
}

void audit_outbox_free(struct audit *a)
{
    if (!a->outbox)
        return;
    drop_read(a->outbox);
    zl_free(a->outbox);
    a->outbox = NULL;
}
