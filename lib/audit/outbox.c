/*
 * outbox.c - the change feed against the log (verify's outbox check).
 *
 * Subscriptions, the risk monitor and page caches follow the outbox, not
 * the log: a row deleted from it is a change no subscriber ever hears of
 * (a recall notice that never goes out), a row edited or added is one
 * they hear of wrongly. The writers that log an event, a correction or a
 * recall step append the outbox row in the same transaction, right after
 * the leaf (capture.c, recall/case.c), so those rows, taken in seq order,
 * name exactly the leaves of those types in log order, one for one, with
 * the same key (an event's row names it by its 64 hex digits) and, for
 * events and corrections, the record time as created.
 *
 * The log pass hands us each such leaf in order (audit_outbox_leaf); we
 * read the outbox alongside in pages, keeping only the rows of the three
 * kinds, and compare. A mismatch looks one row ahead: when the next row
 * names this leaf, the row in between was added or rewritten; otherwise
 * this leaf's row is missing. Rows left after the last leaf were added.
 * So each kind of edit is named once, where it happened.
 *
 * A store upgraded to schema 23 holds records logged before their writers
 * appended outbox rows (events before schema 2, corrections and recall
 * steps before the outbox took them), so the step records the log's size
 * and the outbox's last seq then in meta (outbox.checked_from, "LEAF SEQ")
 * and the check pairs the leaves from LEAF on with the rows after SEQ; a
 * store made at 23 or later has no such key and is checked whole. The
 * setting is not a logged record: raised behind the store's back it hides
 * earlier rows (up to the log's size: more is reported).
 *
 * Not covered: the rows of other kinds (risk reports and steps, registry
 * and supervision records), whose keys are not their leaves' keys; the
 * created time of a recall step's row (the step's record has its own).
 */
#include "audit/audit_int.h"

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

#define CHECKED_FROM "outbox.checked_from"

struct audit_outbox {
    struct ob_row rows[PAGE];
    uint64_t from;   /* the first leaf checked (CHECKED_FROM's LEAF) */
    uint64_t leaves; /* leaves seen so far */
    size_t n, pos;
    uint64_t after; /* last seq read */
    int done;       /* the outbox has no rows past `after` */
    int rc;
};

static const char *kind_of(uint8_t leaf_type)
{
    switch (leaf_type) {
    case ZL_LEAF_EVENT: return "event";
    case ZL_LEAF_CORRECTION: return "correction";
    case ZL_LEAF_RECALL: return "recall";
    default: return NULL;
    }
}

/* A row of a kind paired with leaves. Other writers may use the same
 * kind names (a spot-check step "recall" keyed "task:..."), so a
 * correction's or recall step's row must also carry its record's key. */
static int followed(const char *kind, const char *key)
{
    if (!strcmp(kind, "event"))
        return 1;
    if (!strcmp(kind, "correction"))
        return !strncmp(key, ZL_CORRECTION_KEY_PREFIX,
                        strlen(ZL_CORRECTION_KEY_PREFIX));
    return !strcmp(kind, "recall") && !strncmp(key, "recall:", 7);
}

static int page_cb(void *ctx, const struct zl_outbox_row *row)
{
    struct audit_outbox *o = ctx;
    struct ob_row *r;

    o->after = row->seq;
    if (!followed(row->kind, row->key ? row->key : ""))
        return 0;
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
             r->kind, r->key, what);
    return audit_report(a, "outbox-altered", r->seq, key, detail);
}

/* The key a leaf's outbox row carries: an event's 64 hex digits, else the
 * leaf's own key. */
static const char *row_key_of(uint8_t leaf_type, const char *key)
{
    const char *p;

    if (leaf_type == ZL_LEAF_EVENT && (p = strchr(key, ';')) &&
        strlen(p + 1) >= 64)
        return p + 1;
    return key;
}

static int names(const struct ob_row *r, const char *kind, const char *rkey,
                 uint8_t leaf_type)
{
    size_t n = leaf_type == ZL_LEAF_EVENT ? 64 : strlen(rkey) + 1;

    return r && !strcmp(r->kind, kind) && !strncmp(r->key, rkey, n) &&
           (leaf_type != ZL_LEAF_EVENT || strlen(r->key) == 64);
}

int audit_outbox_leaf(struct audit *a, uint8_t leaf_type, const char *key,
                      int64_t record_ms)
{
    const char *kind = kind_of(leaf_type), *rkey;
    struct ob_row *r, *next;
    char detail[300], t1[32], t2[32];
    int rc;

    if (!a->outbox || a->outbox->leaves++ < a->outbox->from || !kind)
        return 0;
    rkey = row_key_of(leaf_type, key);
    if ((rc = row_at(a, 0, &r)))
        return rc;
    if (!names(r, kind, rkey, leaf_type)) {
        if ((rc = row_at(a, 1, &next)))
            return rc;
        if (!r || !names(next, kind, rkey, leaf_type)) {
            snprintf(detail, sizeof detail,
                     "the logged %s has no outbox row: no subscriber or "
                     "follower was told of it",
                     kind);
            return audit_report(a, "outbox-missing", 0, key, detail);
        }
        if ((rc = report_row(a, "in place of the next logged record", r)))
            return rc;
        a->outbox->pos++;
        r = next;
    }
    a->outbox->pos++;
    if (leaf_type != ZL_LEAF_RECALL && record_ms >= 0 &&
        r->created_ms != record_ms) {
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
