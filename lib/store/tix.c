/*
 * tix.c - the persistent trace index (store_tix.h): its record and chunk
 * formats, the write path capture takes, the reads a trace makes and the
 * check verify runs. The three tables are reached through the backend's
 * tix operations (sqlite_tix.c, pg_tix.c), which only move rows; every
 * byte format lives here, so both backends hold the same bytes.
 *
 * Writing. zl_tix_add copies a new event into a pending list (the
 * module's per-handle state, dropped at rollback); zl_tix_flush, run by
 * zl_store_commit, writes the list set-at-a-time: every distinct string
 * looked up once by its FNV hash (one batch), the missing ones inserted
 * with the next key ids, one record per event with the next event ids
 * (or the backend's event numbers, below),
 * then each key's new entries appended to its last chunk (fetched in one
 * batch, only for keys that existed before) or to new chunks. Ids are the
 * table's maximum + 1, read once per transaction under the writers' lock.
 * A key carried by thousands of events of one document is thus one chunk
 * write, not thousands.
 *
 * Borrowed from the backend (schema 20; SQLite, whose capture already
 * interns every identifier in idents and keeps each occurrence in
 * event_occ by identifier number, event rid and role): an identifier's
 * key id is 2 * its idents number, and its entries in identifier roles
 * are its event_occ rows, not chunks here; trace_keys holds only the
 * other strings (transformationIDs, locations, parties, CBV values,
 * units) under odd key ids, and a string trace_keys holds keeps its key
 * there; an event's id is its events.rid and its record leaves the hash
 * out (read from events by rid). The index then repeats none of what the
 * store keeps anyway: 100,842 demo events hold 366 bytes of index an
 * event at schema 17 and ~65 here. A backend without idents_find
 * (PostgreSQL, whose events keep schema 11's layout) keeps every string
 * and entry itself, as before.
 *
 * Record (trace_events.rec), version 2: byte 2; a flags byte (bit 0:
 * erroneous, at offset 1 so a correction flips it in place; bit 1: no
 * hash); the 32-byte event hash unless flagged; type and action bytes;
 * bizStep and disposition enums as varints; event time, record time -
 * event time and the time-zone offset as zigzag varints; the key ids (0 =
 * none) of the transformationID, bizStep, disposition, bizLocation,
 * readPoint and the six source / destination slots as varints; the
 * identifier count, then per identifier a byte (role | 0x80 quantity |
 * 0x40 unit | 0x20 whole quantity), its key id as a zigzag varint delta
 * from the previous identifier's (one event's identifiers are mostly
 * interned together, so 1-2 bytes), the quantity as a zigzag varint when
 * whole, else as 8 bytes (host double), and the unit's key id when
 * flagged. About 55 bytes for a typical event without its hash.
 *
 * Chunk (trace_adj.rows): entries varint((eid - previous eid) << 5 | role)
 * in event order, the previous eid starting at 0 in each chunk; a chunk
 * is closed past CHUNK_BYTES. About 3 bytes an entry.
 *
 * Verify recomputes every record from the stored event and compares the
 * multisets (with each record's event number, where the backend numbers
 * events: two records exchanged are caught), and the chunks against the
 * entries the records imply; the borrowed occurrences are checked with
 * the store's own tables.
 *
 * Rejected: one row per (key, event) entry (8-15 bytes an entry and one
 * B-tree step each on a trace; a location's millions of entries as
 * millions of rows); a blob per key rewritten whole on append (quadratic
 * for busy keys); a file beside the store (PostgreSQL stores have no
 * "beside", and a second file is a second crash-consistency problem);
 * the 64-bit key hash as the key id (a collision, or a crafted identifier,
 * would merge two keys); fixed-size adjacency records (Neo4j's ~34 bytes
 * a relationship: more than the ~20 bytes an event_occ row the store
 * keeps anyway, which is already clustered by identifier).
 */
#include "store/store_tix.h"

#include "store/backend.h"
#include "util/alloc.h"
#include "util/strmap.h"
#include "zhiliang/arena.h"
#include "util/buf.h"
#include "util/sort.h"
#include "zhiliang/cbv.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_V2      2
#define REC_ERR     1u
#define REC_NOHASH  2u /* the backend numbers events: the hash is theirs */
#define CHUNK_BYTES 1024
#define BUF_MAX     ((size_t)1 << 32) /* one flush or check buffer */
#define ADJ_SHIFT   20
#define ADJ_MASK    (((int64_t)1 << ADJ_SHIFT) - 1)
#define ROLE_BITS   5
#define PEND_MAX    16384 /* pending events written at once, at most */

#define TIX(s) ZL_STORE_MODULE(s, ZL_STORE_MOD_TIX, zl_store_tix_ops)

/* A backend that interns identifiers lends them (backend.h): an
 * identifier's key id is then 2 * its number there, trace_keys holds odd
 * key ids only, and the entries of an identifier in an identifier role
 * are its occurrences there, not chunks here. */
static int interned(zl_store *s)
{
    return TIX(s)->idents_find != NULL;
}

#define IS_IDENT(kid) (((kid)&1) == 0)

/* An entry the backend's occurrences hold (not written here). */
static int lent(zl_store *s, int64_t kid, int role)
{
    return interned(s) && IS_IDENT(kid) && role < ZL_TIX_ROLE_TID;
}

/* ---- varints ------------------------------------------------------------- */

static int put_sv(struct zl_buf *b, int64_t v)
{
    return zl_buf_add_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

struct rd {
    const uint8_t *p, *end;
    int bad;
};

static uint64_t get_uv(struct rd *r)
{
    uint64_t v = 0;

    if (r->p < r->end && !(*r->p & 0x80)) /* most are one byte */
        return *r->p++;

    for (int sh = 0; sh < 64; sh += 7) {
        if (r->p >= r->end) {
            r->bad = 1;
            return 0;
        }
        v |= (uint64_t)(*r->p & 0x7f) << sh;
        if (!(*r->p++ & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t get_sv(struct rd *r)
{
    uint64_t u = get_uv(r);

    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static uint8_t get_byte(struct rd *r)
{
    if (r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}

/* ---- an event as the index sees it ----------------------------------------
 */

struct pid {
    const char *id, *uom;
    double qty;
    uint8_t role, has_qty;
};

struct pev {
    uint8_t hash[32];
    uint8_t err, type, action;
    int step, disp;
    int64_t t, rt;
    int tz;
    const char *str[ZL_TIX_N_STR];
    size_t n_ids;
    struct pid *ids;
};

/* The first value of each source/destination type fills its slot. */
static void ref_slots(const char **slot, const struct zl_typed_ref *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int k = -1;

        switch (zl_sdt_of(r[i].type, r[i].type ? strlen(r[i].type) : 0)) {
        case ZL_SDT_OWNING_PARTY: k = 0; break;
        case ZL_SDT_POSSESSING_PARTY: k = 1; break;
        case ZL_SDT_LOCATION: k = 2; break;
        default: break;
        }
        if (k >= 0 && !slot[k])
            slot[k] = r[i].value;
    }
}

/* Describe ev in p; strings are copied into a when a is not NULL, else
 * borrowed from ev. Returns 0 or ZL_ENOMEM. */
static int pev_of(struct pev *p, const struct zl_event *ev, int64_t rt,
                  struct zl_arena *a)
{
    memset(p, 0, sizeof(*p));
    memcpy(p->hash, ev->hash, 32);
    p->err = ev->has_error_declaration ? 1 : 0;
    p->type = (uint8_t)ev->type;
    p->action = (uint8_t)ev->action;
    p->step = (int)ev->step;
    p->disp = (int)ev->disp;
    p->t = ev->event_time_ms;
    p->rt = rt;
    p->tz = ev->tz_offset_min;
    p->str[ZL_TIX_TID] = ev->transformation_id;
    p->str[ZL_TIX_BIZ_STEP] = ev->biz_step;
    p->str[ZL_TIX_DISPOSITION] = ev->disposition;
    p->str[ZL_TIX_BIZ_LOCATION] = ev->biz_location;
    p->str[ZL_TIX_READ_POINT] = ev->read_point;
    ref_slots(&p->str[ZL_TIX_SRC_OWNER], ev->sources, ev->n_sources);
    ref_slots(&p->str[ZL_TIX_DST_OWNER], ev->destinations, ev->n_destinations);
    p->n_ids = ev->n_ids;
    if (a == NULL) {
        p->ids = zl_malloc((ev->n_ids ? ev->n_ids : 1) * sizeof(*p->ids));
    } else {
        p->ids =
            zl_arena_alloc(a, (ev->n_ids ? ev->n_ids : 1) * sizeof(*p->ids));
        for (int i = 0; i < ZL_TIX_N_STR; i++)
            if (p->str[i] && !(p->str[i] = zl_arena_strndup(a, p->str[i],
                                                            strlen(p->str[i]))))
                return ZL_ENOMEM;
    }
    if (p->ids == NULL)
        return ZL_ENOMEM;
    for (size_t i = 0; i < ev->n_ids; i++) {
        const struct zl_event_id *e = &ev->ids[i];
        struct pid *d = &p->ids[i];

        d->id = e->id;
        d->uom = e->uom;
        d->qty = e->quantity;
        d->role = (uint8_t)e->role;
        d->has_qty = (uint8_t)(e->has_quantity != 0);
        if (a && !(d->id = zl_arena_strndup(a, e->id, strlen(e->id))))
            return ZL_ENOMEM;
        if (a && d->uom &&
            !(d->uom = zl_arena_strndup(a, e->uom, strlen(e->uom))))
            return ZL_ENOMEM;
    }
    return 0;
}

/* Call f for every string of p (f's value stops the walk). */
static int pev_strings(const struct pev *p, int (*f)(void *ctx, const char *s),
                       void *ctx)
{
    int rc = 0;

    for (int i = 0; i < ZL_TIX_N_STR && !rc; i++)
        if (p->str[i])
            rc = f(ctx, p->str[i]);
    for (size_t i = 0; i < p->n_ids && !rc; i++) {
        rc = f(ctx, p->ids[i].id);
        if (!rc && p->ids[i].uom)
            rc = f(ctx, p->ids[i].uom);
    }
    return rc;
}

/* Key ids of strings: a map string -> kid (entry n; 0 = none yet). */
static int64_t kid_of(const struct zl_strmap *m, const char *s)
{
    const struct zl_strmap_entry *e;

    if (s == NULL)
        return 0;
    e = zl_strmap_find(m, s);
    return e ? (int64_t)e->n : 0;
}

/* A quantity kept as a varint: a whole number of small magnitude whose
 * double comes back exactly (not -0). */
static int qty_whole(double q)
{
    return q >= -1e15 && q <= 1e15 && q == (double)(int64_t)q &&
           !(q == 0 && signbit(q));
}

/* Encode p's record with the key ids m holds (without its hash when the
 * backend numbers the events: nohash). */
static int encode_rec(const struct pev *p, const struct zl_strmap *m,
                      int nohash, struct zl_buf *b)
{
    uint8_t head[2 + 32 + 2];
    size_t h = nohash ? 0 : 32;
    int64_t prev = 0;
    int rc;

    head[0] = REC_V2;
    head[1] = (uint8_t)((p->err ? REC_ERR : 0) | (nohash ? REC_NOHASH : 0));
    memcpy(head + 2, p->hash, h);
    head[2 + h] = p->type;
    head[3 + h] = p->action;
    rc = zl_buf_add(b, head, 4 + h);
    rc = rc ? rc : zl_buf_add_uvarint(b, (uint64_t)p->step);
    rc = rc ? rc : zl_buf_add_uvarint(b, (uint64_t)p->disp);
    rc = rc ? rc : put_sv(b, p->t);
    rc = rc ? rc : put_sv(b, p->rt - p->t);
    rc = rc ? rc : put_sv(b, p->tz);
    for (int i = 0; i < ZL_TIX_N_STR && !rc; i++)
        rc = zl_buf_add_uvarint(b, (uint64_t)kid_of(m, p->str[i]));
    rc = rc ? rc : zl_buf_add_uvarint(b, p->n_ids);
    for (size_t i = 0; i < p->n_ids && !rc; i++) {
        const struct pid *d = &p->ids[i];
        int64_t kid = kid_of(m, d->id);
        int whole = d->has_qty && qty_whole(d->qty);
        uint8_t f = (uint8_t)(d->role | (d->has_qty ? 0x80 : 0) |
                              (d->uom ? 0x40 : 0) | (whole ? 0x20 : 0));

        rc = zl_buf_add(b, &f, 1);
        rc = rc ? rc : put_sv(b, kid - prev);
        prev = kid;
        if (!rc && whole)
            rc = put_sv(b, (int64_t)d->qty);
        else if (!rc && d->has_qty)
            rc = zl_buf_add(b, &d->qty, sizeof d->qty);
        if (!rc && d->uom)
            rc = zl_buf_add_uvarint(b, (uint64_t)kid_of(m, d->uom));
    }
    return rc ? ZL_ENOMEM : 0;
}

void zl_tix_ids_begin(struct zl_tix_ids_rd *r, const void *p, size_t n,
                      uint64_t n_ids)
{
    r->p = p;
    r->end = r->p + n;
    r->kid = 0;
    r->left = n_ids;
}

int zl_tix_ids_next(struct zl_tix_ids_rd *x, struct zl_tix_ref *d)
{
    struct rd r = {x->p, x->end, 0};
    uint8_t f;

    if (!x->left)
        return x->p == x->end ? 0 : ZL_ESTORE;
    f = get_byte(&r);
    d->kid = x->kid += get_sv(&r);
    d->role = (uint8_t)(f & 0x1f);
    d->has_qty = (uint8_t)((f & 0x80) != 0);
    d->qty = 0;
    d->uom = 0;
    if (f & 0x20) {
        d->qty = (double)get_sv(&r);
        if (!d->has_qty)
            r.bad = 1;
    } else if (d->has_qty) {
        if (r.end - r.p < (ptrdiff_t)sizeof d->qty)
            return ZL_ESTORE;
        memcpy(&d->qty, r.p, sizeof d->qty);
        r.p += sizeof d->qty;
    }
    if (f & 0x40)
        d->uom = (int64_t)get_uv(&r);
    if (r.bad)
        return ZL_ESTORE;
    x->p = r.p;
    x->left--;
    return 1;
}

/* Past one varint at p (before end), or NULL when it runs past end. */
static const uint8_t *skip_uv(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p & 0x80))
        p++;
    return p < end ? p + 1 : NULL;
}

int zl_tix_ids_count(const void *code, size_t n, uint64_t n_ids,
                     uint32_t by_role[32])
{
    const uint8_t *p = code, *end = p + n;

    for (uint64_t i = 0; i < n_ids; i++) {
        uint8_t f;

        /* most: no quantity, no unit, a one-byte delta (an event's
         * identifiers are mostly interned together), and a long list
         * (a filling event's outputs) four of one role at a time: eight
         * bytes f d f d f d f d with no high bit set */
        if (n_ids - i >= 4 && end - p >= 8 && !(p[0] & 0xe0)) {
            uint64_t x;

            memcpy(&x, p, 8);
            if (!(x & 0x8080808080808080ull) && p[2] == p[0] && p[4] == p[0] &&
                p[6] == p[0]) {
                by_role[p[0]] += 4;
                p += 8;
                i += 3;
                continue;
            }
        }
        if (end - p >= 2 && !(p[0] & 0xe0) && !(p[1] & 0x80)) {
            by_role[p[0] & 0x1f]++;
            p += 2;
            continue;
        }
        if (p >= end)
            return ZL_ESTORE;
        f = *p++;
        by_role[f & 0x1f]++;
        if (!(p = skip_uv(p, end))) /* the key id's delta */
            return ZL_ESTORE;
        if (f & 0x20) /* a whole quantity */
            p = f & 0x80 ? skip_uv(p, end) : NULL;
        else if (f & 0x80) /* a double */
            p = end - p >= 8 ? p + 8 : NULL;
        if (p && (f & 0x40)) /* the unit's key id */
            p = skip_uv(p, end);
        if (!p)
            return ZL_ESTORE;
    }
    return p == end ? 0 : ZL_ESTORE;
}

/* Decode a record's head into e (its identifiers left coded: e->ids_p).
 * Returns 0 or ZL_ESTORE (malformed). */
static int decode_head(const uint8_t *p, size_t n, int64_t eid,
                       struct zl_tix_event *e)
{
    struct rd r = {p, p + n, 0};
    uint64_t n_ids;
    size_t h;

    memset(e, 0, sizeof(*e));
    if (n < 4 || p[0] != REC_V2)
        return ZL_ESTORE;
    h = p[1] & REC_NOHASH ? 0 : 32;
    if (n < 4 + h)
        return ZL_ESTORE;
    e->eid = eid;
    e->erroneous = (p[1] & REC_ERR) != 0;
    memcpy(e->hash, p + 2, h); /* else zero: the caller's to fill */
    e->type = (enum zl_event_type)p[2 + h];
    e->action = (enum zl_action)p[3 + h];
    r.p = p + 4 + h;
    e->step = (enum zl_biz_step)get_uv(&r);
    e->disp = (enum zl_disposition)get_uv(&r);
    e->event_time_ms = get_sv(&r);
    e->record_time_ms = e->event_time_ms + get_sv(&r);
    e->tz_offset_min = (int)get_sv(&r);
    for (int i = 0; i < ZL_TIX_N_STR; i++)
        e->key[i] = (int64_t)get_uv(&r);
    n_ids = get_uv(&r);
    /* an identifier takes two bytes at least */
    if (r.bad || n_ids > (uint64_t)(r.end - r.p) / 2)
        return ZL_ESTORE;
    e->n_ids = (size_t)n_ids;
    e->ids_p = r.p;
    e->ids_len = (size_t)(r.end - r.p);
    return 0;
}

/* Decode a whole record: its head into e, its identifiers into *ids
 * (grown as needed, *cap entries). Returns 0 or ZL_ESTORE (malformed),
 * ZL_ENOMEM. */
static int decode_rec(const uint8_t *p, size_t n, int64_t eid,
                      struct zl_tix_event *e, struct zl_tix_ref **ids,
                      size_t *cap)
{
    struct zl_tix_ids_rd r;
    int rc = decode_head(p, n, eid, e);

    if (rc)
        return rc;
    if (zl_grow((void **)ids, cap, e->n_ids, sizeof(**ids), 16, NULL))
        return ZL_ENOMEM;
    zl_tix_ids_begin(&r, e->ids_p, e->ids_len, e->n_ids);
    for (size_t i = 0; i < e->n_ids; i++)
        if ((rc = zl_tix_ids_next(&r, &(*ids)[i])) != 1)
            return ZL_ESTORE;
    return zl_tix_ids_next(&r, &(struct zl_tix_ref){0}) == 0 ? 0 : ZL_ESTORE;
}

/* ---- adjacency entries ----------------------------------------------------
 */

struct entry {
    int64_t kid, eid;
    int role;
};

static int entry_cmp(const void *x, const void *y)
{
    const struct entry *a = x, *b = y;

    if (a->kid != b->kid)
        return a->kid < b->kid ? -1 : 1;
    if (a->eid != b->eid)
        return a->eid < b->eid ? -1 : 1;
    return a->role - b->role;
}

/* The entries an event implies, sorted and without repeats (an event
 * naming one identifier twice in one role links it once). An erroneous
 * event keeps its entries (a correction only flips its record's flag);
 * readers leave it out. */
static int rec_entries(const struct zl_tix_event *e,
                       const struct zl_tix_ref *ids, struct entry **out,
                       size_t *n, size_t *cap)
{
    size_t k = 0;

    *n = 0;
    if (zl_grow((void **)out, cap, e->n_ids + 3, sizeof(**out), 16, NULL))
        return ZL_ENOMEM;
    for (size_t i = 0; i < e->n_ids; i++)
        (*out)[k++] = (struct entry){ids[i].kid, e->eid, ids[i].role};
    if (e->key[ZL_TIX_TID])
        (*out)[k++] =
            (struct entry){e->key[ZL_TIX_TID], e->eid, ZL_TIX_ROLE_TID};
    if (e->key[ZL_TIX_BIZ_LOCATION])
        (*out)[k++] = (struct entry){e->key[ZL_TIX_BIZ_LOCATION], e->eid,
                                     ZL_TIX_ROLE_BIZLOC};
    if (e->key[ZL_TIX_READ_POINT])
        (*out)[k++] = (struct entry){e->key[ZL_TIX_READ_POINT], e->eid,
                                     ZL_TIX_ROLE_READPT};
    if (k > 1)
        qsort(*out, k, sizeof(**out), entry_cmp);
    for (size_t i = 0; i < k; i++)
        if (*n == 0 || entry_cmp(&(*out)[*n - 1], &(*out)[i]))
            (*out)[(*n)++] = (*out)[i];
    return 0;
}

/* Walk a chunk's entries: f(ctx, eid, role) for each. 0, f's value or
 * ZL_ESTORE; *last (may be NULL) gets the last eid. */
static int chunk_walk(const uint8_t *p, size_t n, int64_t *last,
                      int (*f)(void *ctx, int64_t eid, int role), void *ctx)
{
    struct rd r = {p, p + n, 0};
    int64_t eid = 0;
    int rc = 0;

    while (r.p < r.end && !rc) {
        uint64_t v = get_uv(&r);

        if (r.bad)
            return ZL_ESTORE;
        eid += (int64_t)(v >> ROLE_BITS);
        if (f)
            rc = f(ctx, eid, (int)(v & ((1u << ROLE_BITS) - 1)));
    }
    if (last)
        *last = eid;
    return rc;
}

/* ---- per-handle state: the pending events ----------------------------------
 */

struct tix_state {
    struct zl_arena arena; /* pending strings and identifier arrays */
    struct pev *pend;
    size_t n_pend, cap_pend;
    uint64_t tx;       /* transaction in which next_* were read */
    int64_t next_kid;  /* next free key id */
    int64_t next_eid;  /* next free event id */
    uint64_t gen_tx;   /* transaction whose writes bumped the generation */
    uint64_t epoch_tx; /* transaction whose writes bumped the epoch */
};

static const int STATE_KEY = 0;

static void state_free(void *p)
{
    struct tix_state *st = p;

    zl_arena_free(&st->arena);
    zl_free(st->pend);
    zl_free(st);
}

static struct tix_state *state_get(zl_store *s, int create)
{
    struct tix_state *st = zl_store_module_state(s, &STATE_KEY);

    if (st || !create)
        return st;
    if (!(st = zl_calloc(1, sizeof(*st))))
        return NULL;
    zl_arena_init(&st->arena, (size_t)-1);
    if (zl_store_module_set(s, &STATE_KEY, st, state_free)) {
        state_free(st);
        return NULL;
    }
    return st;
}

int zl_tix_add(zl_store *s, const struct zl_event *ev, int64_t record_time_ms)
{
    struct tix_state *st;

    if (!TIX(s))
        return 0; /* a backend without the index */
    if (!(st = state_get(s, 1)) ||
        zl_grow((void **)&st->pend, &st->cap_pend, st->n_pend + 1,
                sizeof(*st->pend), 64, NULL))
        return ZL_ENOMEM;
    if (pev_of(&st->pend[st->n_pend], ev, record_time_ms, &st->arena))
        return ZL_ENOMEM;
    /* a rebuild adds millions: write them as they come, a batch a time */
    return ++st->n_pend >= PEND_MAX ? zl_tix_flush(s) : 0;
}

/* ---- generation -------------------------------------------------------------
 * A counter in the store's meta, moved in the same transaction as every
 * write to the index (capture's flush, a correction's flag, reindex's
 * clear), once a transaction: a reader that saw the same generation saw
 * the same index (trace.c keeps a handle's graph on it). Per store, so
 * commits elsewhere on a shared PostgreSQL server do not move it. A
 * second counter, the epoch, moves with every write that does more than
 * add events (a correction's flag, reindex's clear), so that a reader can
 * tell a generation that only added events from one that changed what it
 * had read. */

#define META_GEN   "tix_gen"
#define META_EPOCH "tix_epoch"

/* The decimal counter meta key holds into *v (0 when absent). */
static int meta_counter(zl_store *s, const char *key, uint64_t *v)
{
    char *text = NULL;
    size_t n = 0;
    int rc = zl_store_meta_get(s, key, &text, &n);

    *v = 0;
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    for (size_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; i++)
        *v = *v * 10 + (uint64_t)(text[i] - '0');
    zl_free(text);
    return 0;
}

/* Add one to meta key's counter, once in transaction tx (*done). */
static int meta_bump(zl_store *s, const char *key, uint64_t tx, uint64_t *done)
{
    uint64_t v;
    char buf[24];
    int rc, n;

    if (tx && *done == tx)
        return 0;
    if ((rc = meta_counter(s, key, &v)))
        return rc;
    n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)(v + 1));
    if ((rc = zl_store_meta_set(s, key, buf, (size_t)n)))
        return rc;
    *done = tx;
    return 0;
}

int zl_tix_generation(zl_store *s, uint64_t *gen)
{
    return meta_counter(s, META_GEN, gen);
}

int zl_tix_epoch(zl_store *s, uint64_t *epoch)
{
    return meta_counter(s, META_EPOCH, epoch);
}

int zl_tix_last_eid(zl_store *s, int64_t *eid)
{
    *eid = 0;
    if (!TIX(s) || !interned(s))
        return ZL_EUNSUPPORTED;
    return TIX(s)->max_id(s, ZL_TIX_EVENTS, eid);
}

/* Move the generation; the epoch too when the write changes what the
 * index held (reshapes it) rather than adding events. */
static int bump_generation(zl_store *s, int reshapes)
{
    struct tix_state *st = state_get(s, 1);
    uint64_t tx = zl_store_tx_id(s);
    int rc = 0;

    if (!st)
        return ZL_ENOMEM;
    if (reshapes)
        rc = meta_bump(s, META_EPOCH, tx, &st->epoch_tx);
    return rc ? rc : meta_bump(s, META_GEN, tx, &st->gen_tx);
}

/* ---- flush ------------------------------------------------------------------
 */

struct flush {
    struct zl_strmap keys; /* string -> kid (n; 0 until found or made) */
    struct zl_buf buf;
};

static int collect_str(void *ctx, const char *s)
{
    struct flush *f = ctx;
    int rc;

    zl_strmap_put(&f->keys, s, NULL, &rc);
    return rc;
}

static int found_key(void *ctx, const struct zl_tix_row *r)
{
    struct zl_strmap *m = ctx;
    struct zl_strmap_entry *e;
    char tmp[256], *k = r->n < sizeof tmp ? tmp : zl_malloc(r->n + 1);

    if (!k)
        return ZL_ENOMEM;
    memcpy(k, r->p, r->n);
    k[r->n] = 0;
    e = strlen(k) == r->n ? zl_strmap_find(m, k) : NULL;
    if (e && (e->n == 0 || r->id < e->n))
        e->n = r->id; /* the lowest of duplicates: as find_keys decides */
    if (k != tmp)
        zl_free(k);
    return 0;
}

static int64_t key_hash(const char *s, size_t n)
{
    return (int64_t)zl_fnv1a64(s, n);
}

/* The strings of m not found yet as the backend's identifiers (key id 2 *
 * their number). A string trace_keys holds keeps its key there, so every
 * reference to one string is one key id. */
static int lookup_idents(zl_store *s, struct zl_strmap *m)
{
    size_t n = zl_strmap_count(m), k = 0;
    const char **keys;
    size_t *lens, *at;
    int64_t *ns;
    int rc = 0;

    if (!n || !interned(s))
        return 0;
    keys = zl_malloc(n * sizeof(*keys));
    lens = zl_malloc(n * sizeof(*lens));
    at = zl_malloc(n * sizeof(*at));
    ns = zl_malloc(n * sizeof(*ns));
    if (!keys || !lens || !at || !ns) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct zl_strmap_entry *e = zl_strmap_at(m, i);

        if (e->n)
            continue;
        keys[k] = e->key;
        lens[k] = e->len;
        at[k++] = i;
    }
    if (k && !(rc = TIX(s)->idents_find(s, keys, lens, k, ns)))
        for (size_t i = 0; i < k; i++)
            zl_strmap_at(m, at[i])->n = 2 * ns[i];
out:
    zl_free(keys);
    zl_free(lens);
    zl_free(at);
    zl_free(ns);
    return rc;
}

/* Look up every string of m in the index (its n set, or left 0). */
static int lookup_keys(zl_store *s, struct zl_strmap *m)
{
    size_t n = zl_strmap_count(m);
    int64_t *h;
    int rc = 0;

    if (!n)
        return 0;
    if (!(h = zl_malloc(n * sizeof(*h))))
        return ZL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct zl_strmap_entry *e = zl_strmap_at(m, i);

        h[i] = key_hash(e->key, e->len);
    }
    rc = TIX(s)->keys_by_hash(s, h, n, found_key, m);
    zl_free(h);
    return rc ? rc : lookup_idents(s, m);
}

static int read_next_ids(zl_store *s, struct tix_state *st)
{
    int64_t mk = 0, me = 0;
    int rc;

    if (st->tx == zl_store_tx_id(s) && st->tx)
        return 0;
    if ((rc = TIX(s)->max_id(s, ZL_TIX_KEYS, &mk)) ||
        (!interned(s) && (rc = TIX(s)->max_id(s, ZL_TIX_EVENTS, &me))))
        return rc;
    st->next_kid = mk + 1;
    if (interned(s) && IS_IDENT(st->next_kid))
        st->next_kid++; /* trace_keys' key ids are odd */
    st->next_eid = me + 1;
    st->tx = zl_store_tx_id(s);
    return 0;
}

struct tail {
    int64_t kid, seq;
    uint8_t *p;
    size_t n;
};

struct tails {
    struct tail *v;
    size_t n, cap;
};

static int tail_cb(void *ctx, const struct zl_tix_row *r)
{
    struct tails *t = ctx;
    struct tail *x;

    if (zl_grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v), 64, NULL))
        return ZL_ENOMEM;
    x = &t->v[t->n];
    x->kid = r->id >> ADJ_SHIFT;
    x->seq = r->id & ADJ_MASK;
    x->n = r->n;
    if (!(x->p = zl_malloc(r->n ? r->n : 1)))
        return ZL_ENOMEM;
    if (r->n)
        memcpy(x->p, r->p, r->n);
    t->n++;
    return 0;
}

static int tail_cmp(const void *x, const void *y)
{
    const struct tail *a = x, *b = y;

    return (a->kid > b->kid) - (a->kid < b->kid);
}

/* Chunks to write: ids and where their bytes start in one buffer. */
struct chunks {
    struct zl_tix_row *rows;
    size_t *off;
    size_t n, cap_rows, cap_off;
    struct zl_buf all; /* every chunk's bytes, back to back */
};

static int chunk_close(struct chunks *c, int64_t id, size_t start)
{
    if (zl_grow((void **)&c->rows, &c->cap_rows, c->n + 1, sizeof(*c->rows), 64,
                NULL) ||
        zl_grow((void **)&c->off, &c->cap_off, c->n + 1, sizeof(*c->off), 64,
                NULL))
        return ZL_ENOMEM;
    c->rows[c->n] =
        (struct zl_tix_row){id, 0, NULL, c->all.len - start, NULL, 0};
    c->off[c->n++] = start;
    return 0;
}

/* Append the sorted entries e[0..n) to their keys' chunks: each key's
 * last chunk is fetched (one batch) and continued, new chunks follow. */
static int write_entries(zl_store *s, const struct entry *e, size_t n)
{
    struct tails t = {0};
    struct chunks c = {0};
    int64_t *lo = NULL, *hi = NULL;
    size_t n_lo = 0;
    int rc = 0;

    zl_buf_init(&c.all, BUF_MAX);
    if (!(lo = zl_malloc((n ? n : 1) * sizeof(*lo))) ||
        !(hi = zl_malloc((n ? n : 1) * sizeof(*hi)))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (i == 0 || e[i].kid != e[i - 1].kid) {
            lo[n_lo] = e[i].kid << ADJ_SHIFT;
            hi[n_lo++] = (e[i].kid << ADJ_SHIFT) | ADJ_MASK;
        }
    if (n_lo &&
        (rc = TIX(s)->ranges(s, ZL_TIX_ADJ, lo, hi, n_lo, 1, tail_cb, &t)))
        goto out;
    if (t.n > 1)
        qsort(t.v, t.n, sizeof(*t.v), tail_cmp);
    for (size_t i = 0; i < n && !rc;) {
        int64_t kid = e[i].kid, seq = 0, prev = 0;
        struct tail key = {kid, 0, NULL, 0}, *tl;
        size_t start = c.all.len;

        tl = t.n ? bsearch(&key, t.v, t.n, sizeof(*t.v), tail_cmp) : NULL;
        if (tl) {
            seq = tl->seq;
            if ((rc = chunk_walk(tl->p, tl->n, &prev, NULL, NULL)) ||
                (rc = zl_buf_add(&c.all, tl->p, tl->n) ? ZL_ENOMEM : 0))
                break;
        }
        for (; i < n && e[i].kid == kid && !rc; i++) {
            if (i > 0 && !entry_cmp(&e[i], &e[i - 1]))
                continue;
            if (c.all.len - start >= CHUNK_BYTES) {
                if ((rc = chunk_close(&c, (kid << ADJ_SHIFT) | seq, start)))
                    break;
                if (++seq > ADJ_MASK) {
                    rc = ZL_ELIMIT;
                    break;
                }
                start = c.all.len;
                prev = 0;
            }
            if (zl_buf_add_uvarint(&c.all,
                                   ((uint64_t)(e[i].eid - prev) << ROLE_BITS) |
                                       (uint64_t)e[i].role))
                rc = ZL_ENOMEM;
            prev = e[i].eid;
        }
        if (!rc && c.all.len > start)
            rc = chunk_close(&c, (kid << ADJ_SHIFT) | seq, start);
    }
    for (size_t i = 0; i < c.n; i++)
        c.rows[i].p = c.all.data + c.off[i];
    if (!rc && c.n)
        rc = TIX(s)->put(s, ZL_TIX_ADJ, c.rows, c.n);
out:
    for (size_t i = 0; i < t.n; i++)
        zl_free(t.v[i].p);
    zl_free(t.v);
    zl_free(lo);
    zl_free(hi);
    zl_free(c.rows);
    zl_free(c.off);
    zl_buf_cleanup(&c.all);
    return rc;
}

/* The backend's numbers of the pending events (each must have one). */
static int pend_nums(zl_store *s, const struct tix_state *st, int64_t **out)
{
    uint8_t(*h)[32] = zl_malloc(st->n_pend * sizeof(*h));
    int64_t *v = zl_malloc(st->n_pend * sizeof(*v));
    int rc = 0;

    if (!h || !v)
        rc = ZL_ENOMEM;
    for (size_t i = 0; i < st->n_pend && !rc; i++)
        memcpy(h[i], st->pend[i].hash, 32);
    if (!rc)
        rc = TIX(s)->event_nums(s, (const uint8_t(*)[32])h, st->n_pend, v);
    for (size_t i = 0; i < st->n_pend && !rc; i++)
        if (v[i] <= 0)
            rc = ZL_ESTORE; /* indexed before it was stored */
    zl_free(h);
    if (rc)
        zl_free(v);
    else
        *out = v;
    return rc;
}

int zl_tix_flush(zl_store *s)
{
    struct tix_state *st = state_get(s, 0);
    struct flush f = {0};
    struct zl_tix_row *rows = NULL;
    struct entry *ents = NULL, *one = NULL;
    size_t n_ents = 0, cap_ents = 0, n_one = 0, cap_one = 0, n_new = 0;
    size_t *off = NULL;
    struct zl_tix_ref *ids = NULL;
    size_t cap_ids = 0;
    int64_t *nums = NULL;
    int rc;

    if (!st || !st->n_pend)
        return 0;
    zl_strmap_init(&f.keys, (size_t)-1);
    zl_buf_init(&f.buf, BUF_MAX);
    if ((rc = read_next_ids(s, st)) || (rc = bump_generation(s, 0)))
        goto out;
    for (size_t i = 0; i < st->n_pend && !rc; i++)
        rc = pev_strings(&st->pend[i], collect_str, &f);
    if (rc || (rc = lookup_keys(s, &f.keys)))
        goto out;
    /* the new keys */
    for (size_t i = 0; i < zl_strmap_count(&f.keys); i++)
        n_new += zl_strmap_at(&f.keys, i)->n == 0;
    if (!(rows = zl_malloc(((n_new > st->n_pend ? n_new : st->n_pend) + 1) *
                           sizeof(*rows))) ||
        !(off = zl_malloc((st->n_pend + 1) * sizeof(*off)))) {
        rc = ZL_ENOMEM;
        goto out;
    }
    n_new = 0;
    for (size_t i = 0; i < zl_strmap_count(&f.keys); i++) {
        struct zl_strmap_entry *e = zl_strmap_at(&f.keys, i);

        if (e->n)
            continue;
        e->n = st->next_kid;
        st->next_kid += interned(s) ? 2 : 1;
        rows[n_new++] = (struct zl_tix_row){
            e->n, key_hash(e->key, e->len), e->key, e->len, NULL, 0};
    }
    if (n_new && (rc = TIX(s)->put(s, ZL_TIX_KEYS, rows, n_new)))
        goto out;
    /* the records (numbered as the backend numbers the events, when it
     * lends its identifiers), and the entries they imply */
    if (interned(s) && (rc = pend_nums(s, st, &nums)))
        goto out;
    for (size_t i = 0; i < st->n_pend && !rc; i++) {
        struct zl_tix_event ev;
        int64_t eid = nums ? nums[i] : st->next_eid++;

        off[i] = f.buf.len;
        rc = encode_rec(&st->pend[i], &f.keys, interned(s), &f.buf);
        /* the entries come from the record as written, as verify
         * derives them (rec_entries) */
        rc = rc ? rc
                : decode_rec((const uint8_t *)f.buf.data + off[i],
                             f.buf.len - off[i], eid, &ev, &ids, &cap_ids);
        rc = rc ? rc : rec_entries(&ev, ids, &one, &n_one, &cap_one);
        if (!rc && zl_grow((void **)&ents, &cap_ents, n_ents + n_one,
                           sizeof(*ents), 256, NULL))
            rc = ZL_ENOMEM;
        for (size_t j = 0; j < n_one && !rc; j++)
            if (!lent(s, one[j].kid, one[j].role))
                ents[n_ents++] = one[j];
        if (!rc)
            rows[i] = (struct zl_tix_row){eid, 0, NULL, 0, NULL, 0};
    }
    for (size_t i = 0; i < st->n_pend && !rc; i++) {
        rows[i].p = f.buf.data + off[i];
        rows[i].n = (i + 1 < st->n_pend ? off[i + 1] : f.buf.len) - off[i];
    }
    if (!rc)
        rc = TIX(s)->put(s, ZL_TIX_EVENTS, rows, st->n_pend);
    if (!rc) {
        if (n_ents > 1)
            qsort(ents, n_ents, sizeof(*ents), entry_cmp);
        rc = write_entries(s, ents, n_ents);
    }
    if (!rc) { /* written: the pending list starts again */
        st->n_pend = 0;
        zl_arena_free(&st->arena);
        zl_arena_init(&st->arena, (size_t)-1);
    }
out:
    zl_strmap_cleanup(&f.keys, NULL);
    zl_buf_cleanup(&f.buf);
    zl_free(rows);
    zl_free(off);
    zl_free(ents);
    zl_free(one);
    zl_free(ids);
    zl_free(nums);
    return rc;
}

int zl_tix_clear(zl_store *s)
{
    struct tix_state *st = state_get(s, 0);
    int rc;

    if (!TIX(s))
        return 0;
    if (st) {
        st->n_pend = 0;
        st->tx = 0;
    }
    rc = bump_generation(s, 1);
    return rc ? rc : TIX(s)->clear(s);
}

/* ---- reading ------------------------------------------------------------- */

/* Reads by many ids at once. Ids that follow each other (the items of
 * one case, the events of one document are numbered together) are read
 * as one range, one B-tree walk instead of a seek each (on a server
 * backend the batch is one round trip either way). Key rows may be read
 * across small gaps (a key row is a short string) and the rows between
 * are skipped; records and chunks only where every id is wanted, since a
 * record or a key's chunks can be large. */
#define KEY_GAP 4

static int i64_cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

    return (a > b) - (a < b);
}

struct sel {
    const int64_t *want; /* sorted, unique */
    size_t n;
    int shift; /* a row's id >> shift is what was asked for */
    zl_tix_rows_cb cb;
    void *ctx;
    size_t at; /* rows come in id order: where the last one was */
};

static int sel_cb(void *ctx, const struct zl_tix_row *r)
{
    struct sel *c = ctx;
    int64_t k = r->id >> c->shift;

    if (c->at && k <= c->want[c->at - 1]) { /* out of order: look it up */
        const int64_t *p = bsearch(&k, c->want, c->n, sizeof(k), i64_cmp);

        return p ? c->cb(c->ctx, r) : 0;
    }
    while (c->at < c->n && c->want[c->at] < k)
        c->at++;
    return c->at < c->n && c->want[c->at] == k ? c->cb(c->ctx, r) : 0;
}

/* cb for the rows of table t whose id >> shift is one of ids[0..n) (each
 * once, in id order within a run of ids; chunks: id >> ADJ_SHIFT is the
 * key id). Runs whose ids are at most gap apart are read as one range. */
static int read_ids(zl_store *s, enum zl_tix_table t, const int64_t *ids,
                    size_t n, int shift, int64_t gap, zl_tix_rows_cb cb,
                    void *ctx)
{
    int64_t *v, *lo, *hi, tail = shift ? ADJ_MASK : 0;
    size_t k = 0, r = 0;
    int rc;

    if (!n)
        return 0;
    v = zl_malloc(n * sizeof(*v));
    lo = zl_malloc(n * sizeof(*lo));
    hi = zl_malloc(n * sizeof(*hi));
    if (!v || !lo || !hi) {
        rc = ZL_ENOMEM;
        goto out;
    }
    memcpy(v, ids, n * sizeof(*v));
    if (!zl_sorted_i64(v, n)) /* callers mostly pass them sorted */
        zl_sort_i64(v, n);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[i] != v[k - 1])
            v[k++] = v[i];
    for (size_t i = 0; i < k; i++) {
        if (r && v[i] - (hi[r - 1] >> shift) <= gap) {
            hi[r - 1] = (v[i] << shift) | tail;
            continue;
        }
        lo[r] = v[i] << shift;
        hi[r++] = (v[i] << shift) | tail;
    }
    if (r == k && !shift) {
        rc = TIX(s)->get(s, t, v, k, cb, ctx);
    } else if (gap <= 1) {
        rc = TIX(s)->ranges(s, t, lo, hi, r, 0, cb, ctx);
    } else {
        struct sel c = {v, k, shift, cb, ctx, 0};

        rc = TIX(s)->ranges(s, t, lo, hi, r, 0, sel_cb, &c);
    }
out:
    zl_free(v);
    zl_free(lo);
    zl_free(hi);
    return rc;
}

struct want {
    int64_t h;
    size_t i;
};

struct find_ctx {
    const char *const *keys;
    const size_t *lens;
    int64_t *kids;
    struct want *w;
    size_t n;
};

static int want_cmp(const void *x, const void *y)
{
    const struct want *a = x, *b = y;

    return (a->h > b->h) - (a->h < b->h);
}

static int find_cb(void *ctx, const struct zl_tix_row *r)
{
    struct find_ctx *c = ctx;
    size_t lo = 0, hi = c->n;

    while (lo < hi) { /* first want with h >= r->h */
        size_t mid = lo + (hi - lo) / 2;

        if (c->w[mid].h < r->h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < c->n && c->w[lo].h == r->h; lo++) {
        size_t i = c->w[lo].i;

        if (c->lens[i] == r->n && !memcmp(c->keys[i], r->p, r->n) &&
            (c->kids[i] == 0 || r->id < c->kids[i]))
            c->kids[i] = r->id;
    }
    return 0;
}

int zl_tix_find_keys(zl_store *s, const char *const *keys, const size_t *lens,
                     size_t n, int64_t *kids)
{
    struct find_ctx c = {keys, lens, kids, NULL, n};
    int64_t *h = NULL;
    int rc;

    memset(kids, 0, n * sizeof(*kids));
    if (!n || !TIX(s))
        return 0;
    if ((rc = zl_tix_flush(s)))
        return rc;
    c.w = zl_malloc(n * sizeof(*c.w));
    h = zl_malloc(n * sizeof(*h));
    if (!c.w || !h) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        c.w[i].h = h[i] = key_hash(keys[i], lens[i]);
        c.w[i].i = i;
    }
    qsort(c.w, n, sizeof(*c.w), want_cmp);
    rc = TIX(s)->keys_by_hash(s, h, n, find_cb, &c);
    if (!rc && interned(s)) { /* the rest among the backend's identifiers */
        const char **k2 = zl_malloc(n * sizeof(*k2));
        size_t *l2 = zl_malloc(n * sizeof(*l2)), m = 0;
        int64_t *ns = h; /* reused */
        size_t *at = zl_malloc(n * sizeof(*at));

        if (!k2 || !l2 || !at)
            rc = ZL_ENOMEM;
        for (size_t i = 0; i < n && !rc; i++)
            if (!kids[i]) {
                k2[m] = keys[i];
                l2[m] = lens[i];
                at[m++] = i;
            }
        if (!rc && m && !(rc = TIX(s)->idents_find(s, k2, l2, m, ns)))
            for (size_t i = 0; i < m; i++)
                kids[at[i]] = 2 * ns[i];
        zl_free(k2);
        zl_free(l2);
        zl_free(at);
    }
out:
    zl_free(c.w);
    zl_free(h);
    return rc;
}

struct str_ctx {
    zl_tix_key_cb cb;
    void *ctx;
};

static int str_cb(void *ctx, const struct zl_tix_row *r)
{
    struct str_ctx *c = ctx;

    return c->cb(c->ctx, r->id, r->p, r->n);
}

static int ident_cb(void *ctx, const struct zl_tix_row *r)
{
    struct str_ctx *c = ctx;

    return c->cb(c->ctx, 2 * r->id, r->p, r->n);
}

/* Split kids[0..n) into trace_keys' (odd, or all on a backend without
 * identifiers of its own) and the backend's identifiers (even; given as
 * their numbers, kid / 2). *a and *b are new arrays (zl_free). */
static int split_kids(zl_store *s, const int64_t *kids, size_t n, int64_t **a,
                      size_t *na, int64_t **b, size_t *nb)
{
    *na = *nb = 0;
    *a = zl_malloc(n * sizeof(**a));
    *b = zl_malloc(n * sizeof(**b));
    if (!*a || !*b)
        return ZL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (interned(s) && IS_IDENT(kids[i]))
            (*b)[(*nb)++] = kids[i] / 2;
        else
            (*a)[(*na)++] = kids[i];
    return 0;
}

int zl_tix_key_strings(zl_store *s, const int64_t *kids, size_t n,
                       zl_tix_key_cb cb, void *ctx)
{
    struct str_ctx c = {cb, ctx};
    int64_t *a = NULL, *b = NULL;
    size_t na, nb;
    int rc;

    if (!n || !TIX(s))
        return 0;
    if ((rc = zl_tix_flush(s)))
        return rc;
    rc = split_kids(s, kids, n, &a, &na, &b, &nb);
    if (!rc)
        rc = read_ids(s, ZL_TIX_KEYS, a, na, 0, KEY_GAP, str_cb, &c);
    if (!rc)
        rc = read_ids(s, ZL_TIX_IDENTS, b, nb, 0, KEY_GAP, ident_cb, &c);
    zl_free(a);
    zl_free(b);
    return rc;
}

struct rows_ctx {
    zl_tix_row_cb cb;
    void *ctx;
    int64_t kid;
};

static int row_entry(void *ctx, int64_t eid, int role)
{
    struct rows_ctx *c = ctx;

    return c->cb(c->ctx, c->kid, eid, role);
}

static int chunk_cb(void *ctx, const struct zl_tix_row *r)
{
    struct rows_ctx *c = ctx;

    c->kid = r->id >> ADJ_SHIFT;
    return chunk_walk(r->p, r->n, NULL, row_entry, c);
}

static int occ_cb(void *ctx, int64_t num, int64_t eid, int role)
{
    struct rows_ctx *c = ctx;

    return c->cb(c->ctx, 2 * num, eid, role);
}

int zl_tix_rows(zl_store *s, const int64_t *kids, size_t n, int lo, int hi,
                zl_tix_row_cb cb, void *ctx)
{
    struct rows_ctx c = {cb, ctx, 0};
    int64_t *a = NULL, *b = NULL;
    size_t na, nb;
    int rc;

    if (!n || !TIX(s))
        return 0;
    if ((rc = zl_tix_flush(s)))
        return rc;
    if ((rc = split_kids(s, kids, n, &a, &na, &b, &nb)))
        goto out;
    if (nb && lo < ZL_TIX_ROLE_TID &&
        (rc = TIX(s)->occ_rows(s, b, nb, occ_cb, &c)))
        goto out;
    if (nb && hi >= ZL_TIX_ROLE_TID) { /* an identifier as a location... */
        for (size_t i = 0; i < nb; i++)
            a[na++] = 2 * b[i];
    }
    rc = read_ids(s, ZL_TIX_ADJ, a, na, ADJ_SHIFT, 1, chunk_cb, &c);
out:
    zl_free(a);
    zl_free(b);
    return rc;
}

struct ev_ctx {
    zl_tix_event_cb cb;
    void *ctx;
    int keys_only; /* the hash is not wanted: left zero */
};

static int ev_cb(void *ctx, const struct zl_tix_row *r)
{
    const struct ev_ctx *c = ctx;
    struct zl_tix_event e;
    int rc = decode_head(r->p, r->n, r->id, &e);

    if (!rc && (((const uint8_t *)r->p)[1] & REC_NOHASH)) {
        if (c->keys_only)
            memset(e.hash, 0, sizeof e.hash);
        else if (!r->p2 || r->n2 != 32)
            return 0; /* a record of no event (a damaged index): skipped */
        else
            memcpy(e.hash, r->p2, 32);
    }
    return rc ? rc : c->cb(c->ctx, &e);
}

/* zl_tix_events, or with keys_only zl_tix_event_keys. */
static int read_events(zl_store *s, const int64_t *eids, size_t n,
                       int keys_only, zl_tix_event_cb cb, void *ctx)
{
    struct ev_ctx c = {cb, ctx, keys_only};
    int rc;

    if (!n || !TIX(s))
        return 0;
    if ((rc = zl_tix_flush(s)))
        return rc;
    /* the backend numbers the events: their hashes are in its rows, read
     * with the records (one statement, one seek more an event) */
    return read_ids(
        s, interned(s) && !keys_only ? ZL_TIX_EVENTS_HASHED : ZL_TIX_EVENTS,
        eids, n, 0, 1, ev_cb, &c);
}

int zl_tix_events(zl_store *s, const int64_t *eids, size_t n,
                  zl_tix_event_cb cb, void *ctx)
{
    return read_events(s, eids, n, 0, cb, ctx);
}

int zl_tix_event_keys(zl_store *s, const int64_t *eids, size_t n,
                      zl_tix_event_cb cb, void *ctx)
{
    return read_events(s, eids, n, 1, cb, ctx);
}

/* ---- corrections ------------------------------------------------------------
 */

struct mark {
    const uint8_t *hash;
    int64_t want; /* its number, where the backend numbers events */
    struct zl_strmap keys;
    int64_t *eids;
    size_t n, cap;
    uint8_t *rec;
    size_t rec_n;
    int64_t eid;
};

static int mark_id(void *ctx, const struct zl_id_row *r)
{
    struct mark *m = ctx;
    int rc;

    zl_strmap_put(&m->keys, r->id, NULL, &rc);
    return rc;
}

static int mark_event(void *ctx, const struct zl_stored_event *ev)
{
    struct mark *m = ctx;
    const char *v[3] = {ev->transformation_id, ev->biz_location,
                        ev->read_point};
    int rc = 0;

    for (int i = 0; i < 3 && !rc; i++)
        if (v[i])
            zl_strmap_put(&m->keys, v[i], NULL, &rc);
    return rc;
}

static int mark_row(void *ctx, int64_t kid, int64_t eid, int role)
{
    struct mark *m = ctx;

    (void)kid;
    (void)role;
    if (zl_grow((void **)&m->eids, &m->cap, m->n + 1, sizeof(*m->eids), 64,
                NULL))
        return ZL_ENOMEM;
    m->eids[m->n++] = eid;
    return 0;
}

static int mark_rec(void *ctx, const struct zl_tix_row *r)
{
    struct mark *m = ctx;

    if (m->rec || r->n < 2)
        return 0;
    if (((const uint8_t *)r->p)[1] & REC_NOHASH
            ? r->id != m->want
            : r->n < 34 || memcmp((const uint8_t *)r->p + 2, m->hash, 32))
        return 0;
    if (!(m->rec = zl_malloc(r->n)))
        return ZL_ENOMEM;
    memcpy(m->rec, r->p, r->n);
    m->rec_n = r->n;
    m->eid = r->id;
    return 0;
}

/* The event is found through the keys it carries (the index keeps no
 * hash -> event map: corrections are rare, and such a map would cost
 * more than the records themselves). */
int zl_tix_mark_erroneous(zl_store *s, const uint8_t hash[32])
{
    struct mark m = {.hash = hash};
    const char **keys = NULL;
    size_t *lens = NULL, n;
    int64_t *kids = NULL;
    int rc;

    if (!TIX(s))
        return 0;
    if ((rc = zl_tix_flush(s)))
        return rc;
    zl_strmap_init(&m.keys, (size_t)-1);
    if (interned(s)) { /* numbered as the backend numbers it */
        rc = TIX(s)->event_nums(s, (const uint8_t(*)[32])hash, 1, &m.want);
        if (!rc && m.want)
            rc = TIX(s)->get(s, ZL_TIX_EVENTS, &m.want, 1, mark_rec, &m);
        goto flip;
    }
    rc = zl_store_event_ids(s, (const uint8_t(*)[32])hash, 1, ZL_ID_ROLES_ALL,
                            mark_id, &m);
    if (!rc)
        rc = zl_store_event_get(s, hash, mark_event, &m);
    if (rc == ZL_ENOTFOUND)
        rc = 0;
    n = zl_strmap_count(&m.keys);
    if (rc || !n)
        goto out;
    keys = zl_malloc(n * sizeof(*keys));
    lens = zl_malloc(n * sizeof(*lens));
    kids = zl_malloc(n * sizeof(*kids));
    if (!keys || !lens || !kids) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        keys[i] = zl_strmap_at(&m.keys, i)->key;
        lens[i] = zl_strmap_at(&m.keys, i)->len;
    }
    if ((rc = zl_tix_find_keys(s, keys, lens, n, kids)))
        goto out;
    for (size_t i = 0; i < n && !m.rec && !rc; i++) {
        m.n = 0;
        if (kids[i] &&
            !(rc = zl_tix_rows(s, &kids[i], 1, 0, 255, mark_row, &m)))
            rc = TIX(s)->get(s, ZL_TIX_EVENTS, m.eids, m.n, mark_rec, &m);
    }
flip:
    if (!rc && m.rec && !(m.rec[1] & REC_ERR)) {
        struct zl_tix_row r = {m.eid, 0, m.rec, m.rec_n, NULL, 0};

        m.rec[1] |= REC_ERR;
        if (!(rc = bump_generation(s, 1)))
            rc = TIX(s)->put(s, ZL_TIX_EVENTS, &r, 1);
    }
out:
    zl_strmap_cleanup(&m.keys, NULL);
    zl_free(m.eids);
    zl_free(m.rec);
    zl_free(keys);
    zl_free(lens);
    zl_free(kids);
    return rc;
}

/* ---- checking
 * ---------------------------------------------------------------- */

static int digest_add2(uint64_t acc[4], const void *a, size_t na, const void *p,
                       size_t n);

/* Add SHA-256(p[0..n)) to the 256-bit sum acc (four 64-bit lanes). */
static int digest_add(uint64_t acc[4], const void *p, size_t n)
{
    return digest_add2(acc, NULL, 0, p, n);
}

/* The same of a[0..na) followed by p[0..n). */
static int digest_add2(uint64_t acc[4], const void *a, size_t na, const void *p,
                       size_t n)
{
    uint8_t md[32];
    uint64_t w;
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    int ok = x && EVP_DigestInit_ex(x, EVP_sha256(), NULL) &&
             (!na || EVP_DigestUpdate(x, a, na)) && EVP_DigestUpdate(x, p, n) &&
             EVP_DigestFinal_ex(x, md, NULL);

    EVP_MD_CTX_free(x);
    if (!ok)
        return ZL_ENOMEM;
    for (int i = 0; i < 4; i++) {
        memcpy(&w, md + 8 * i, 8);
        acc[i] += w;
    }
    return 0;
}

static int entry_digest(uint64_t acc[4], const struct entry *e)
{
    int64_t v[3] = {e->kid, e->eid, e->role};

    return digest_add(acc, v, sizeof v);
}

/* Events waiting for their keys: their descriptions, strings copied into
 * the arena. */
#define CHECK_BATCH 256

struct zl_tix_pending {
    struct zl_arena arena;
    struct pev p[CHECK_BATCH];
    size_t n;
};

/* Add the records of the pending events to c: their keys looked up in
 * one go (a string missing from the index counts once a batch: only
 * whether any is missing is reported). */
static int check_pending(zl_store *s, struct zl_tix_check *c)
{
    struct zl_tix_pending *q = c->pending;
    uint8_t(*hashes)[32] = NULL;
    struct flush f = {0};
    int64_t *eids = NULL;
    int rc = 0;

    if (!q || !q->n)
        return 0;
    zl_strmap_init(&f.keys, (size_t)-1);
    zl_buf_init(&f.buf, BUF_MAX);
    for (size_t i = 0; i < q->n && !rc; i++)
        rc = pev_strings(&q->p[i], collect_str, &f);
    rc = rc ? rc : lookup_keys(s, &f.keys);
    for (size_t i = 0; !rc && i < zl_strmap_count(&f.keys); i++)
        c->n_missing_keys += zl_strmap_at(&f.keys, i)->n == 0;
    /* where the backend numbers the events, the record's number is its
     * event's: part of what is checked */
    if (!rc && interned(s)) {
        hashes = zl_malloc(q->n * sizeof(*hashes));
        eids = zl_malloc(q->n * sizeof(*eids));
        if (!hashes || !eids)
            rc = ZL_ENOMEM;
        for (size_t i = 0; i < q->n && !rc; i++)
            memcpy(hashes[i], q->p[i].hash, 32);
        if (!rc)
            rc =
                TIX(s)->event_nums(s, (const uint8_t(*)[32])hashes, q->n, eids);
    }
    for (size_t i = 0; i < q->n && !rc; i++) {
        zl_buf_reset(&f.buf);
        rc = encode_rec(&q->p[i], &f.keys, interned(s), &f.buf);
        if (!rc && eids)
            rc = digest_add2(c->expect, &eids[i], sizeof eids[i], f.buf.data,
                             f.buf.len);
        else if (!rc)
            rc = digest_add(c->expect, f.buf.data, f.buf.len);
        if (!rc)
            c->n_expect++;
    }
    zl_strmap_cleanup(&f.keys, NULL);
    zl_buf_cleanup(&f.buf);
    zl_free(hashes);
    zl_free(eids);
    zl_arena_free(&q->arena);
    q->n = 0;
    return rc;
}

int zl_tix_check_event(zl_store *s, struct zl_tix_check *c,
                       const struct zl_event *ev, int64_t record_time_ms,
                       int erroneous)
{
    struct zl_tix_pending *q = c->pending;
    int rc;

    if (!TIX(s))
        return 0;
    if (!q) {
        if (!(q = c->pending = zl_malloc(sizeof *q)))
            return ZL_ENOMEM;
        q->n = 0;
        zl_arena_init(&q->arena, (size_t)1 << 30);
    }
    if ((rc = pev_of(&q->p[q->n], ev, record_time_ms, &q->arena)))
        return rc;
    q->p[q->n++].err = erroneous ? 1 : 0;
    return q->n == CHECK_BATCH ? check_pending(s, c) : 0;
}

struct check_ctx {
    struct zl_tix_check *c;
    struct zl_tix_ref *ids;
    size_t cap_ids;
    struct entry *ents;
    size_t cap_ents;
    int64_t kid;
    int interned;
    int64_t *skip_eid; /* the skipped events' numbers, sorted */
};

int zl_tix_check_skip(struct zl_tix_check *c, const uint8_t hash[32])
{
    if (zl_grow((void **)&c->skip, &c->cap_skip, c->n_skip + 1,
                sizeof(*c->skip), 16, NULL))
        return ZL_ENOMEM;
    memcpy(c->skip[c->n_skip++], hash, 32);
    return 0;
}

void zl_tix_check_cleanup(struct zl_tix_check *c)
{
    zl_free(c->skip);
    c->skip = NULL;
    c->n_skip = c->cap_skip = 0;
    if (c->pending) {
        zl_arena_free(&c->pending->arena);
        zl_free(c->pending);
        c->pending = NULL;
    }
}

static int hash_cmp(const void *x, const void *y)
{
    return memcmp(x, y, 32);
}

static int check_rec(void *ctx, const struct zl_tix_row *r)
{
    struct check_ctx *x = ctx;
    struct zl_tix_event e;
    size_t n = 0;
    int rc;

    /* a record of an event verify could not parse is taken as it stands */
    if (!x->c->n_skip ||
        (x->skip_eid
             ? !bsearch(&r->id, x->skip_eid, x->c->n_skip, sizeof(r->id),
                        i64_cmp)
             : r->n < 34 || !bsearch((const uint8_t *)r->p + 2, x->c->skip,
                                     x->c->n_skip, 32, hash_cmp))) {
        x->c->n_have++;
        if ((rc = x->interned ? digest_add2(x->c->have, &r->id, sizeof r->id,
                                            r->p, r->n)
                              : digest_add(x->c->have, r->p, r->n)))
            return rc;
    }
    rc = decode_rec(r->p, r->n, r->id, &e, &x->ids, &x->cap_ids);
    if (rc == ZL_ESTORE) {
        x->c->n_bad_records++;
        return 0;
    }
    rc = rc ? rc : rec_entries(&e, x->ids, &x->ents, &n, &x->cap_ents);
    for (size_t i = 0; i < n && !rc; i++)
        if (!(x->interned && IS_IDENT(x->ents[i].kid) &&
              x->ents[i].role < ZL_TIX_ROLE_TID))
            rc = entry_digest(x->c->adj_expect, &x->ents[i]);
    return rc;
}

static int check_entry(void *ctx, int64_t eid, int role)
{
    struct check_ctx *x = ctx;
    struct entry e = {x->kid, eid, role};

    return entry_digest(x->c->adj_have, &e);
}

static int check_chunk(void *ctx, const struct zl_tix_row *r)
{
    struct check_ctx *x = ctx;
    int rc;

    x->kid = r->id >> ADJ_SHIFT;
    rc = chunk_walk(r->p, r->n, NULL, check_entry, x);
    if (rc == ZL_ESTORE) {
        x->c->n_bad_records++;
        return 0;
    }
    return rc;
}

static int check_key(void *ctx, const struct zl_tix_row *r)
{
    struct check_ctx *x = ctx;

    if (r->h != key_hash(r->p, r->n) || memchr(r->p, 0, r->n))
        x->c->n_bad_keys++;
    return 0;
}

int zl_tix_check_index(zl_store *s, struct zl_tix_check *c)
{
    struct check_ctx x = {c, NULL, 0, NULL, 0, 0, interned(s), NULL};
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    int rc;

    if (!TIX(s))
        return 0;
    if ((rc = zl_tix_flush(s)) || (rc = check_pending(s, c)))
        return rc;
    if (c->n_skip)
        qsort(c->skip, c->n_skip, 32, hash_cmp);
    if (c->n_skip && x.interned) {
        if (!(x.skip_eid = zl_malloc(c->n_skip * sizeof(*x.skip_eid))))
            return ZL_ENOMEM;
        if ((rc = TIX(s)->event_nums(s, (const uint8_t(*)[32])c->skip,
                                     c->n_skip, x.skip_eid))) {
            zl_free(x.skip_eid);
            return rc;
        }
        qsort(x.skip_eid, c->n_skip, sizeof(*x.skip_eid), i64_cmp);
    }
    rc = TIX(s)->ranges(s, ZL_TIX_EVENTS, &lo, &hi, 1, 0, check_rec, &x);
    if (!rc)
        rc = TIX(s)->ranges(s, ZL_TIX_ADJ, &lo, &hi, 1, 0, check_chunk, &x);
    if (!rc)
        rc = TIX(s)->ranges(s, ZL_TIX_KEYS, &lo, &hi, 1, 0, check_key, &x);
    zl_free(x.ids);
    zl_free(x.ents);
    zl_free(x.skip_eid);
    return rc;
}

int zl_tix_check_ok(const struct zl_tix_check *c)
{
    return !memcmp(c->expect, c->have, sizeof c->have) &&
           !memcmp(c->adj_expect, c->adj_have, sizeof c->adj_have) &&
           c->n_expect == c->n_have && !c->n_missing_keys && !c->n_bad_keys &&
           !c->n_bad_records;
}
