/*
 * sqlite_query.c - zl_store_events_query on SQLite: the EPCIS 2.0
 * SimpleEventQuery parameters turned into one SELECT with bound values.
 *
 * The SQL text is assembled from fixed fragments only; every value goes
 * through a binding, so no user text reaches the SQL parser. Identifier
 * matches (MATCH_*) become uncorrelated IN subqueries on event_ids, whose
 * primary key starts with the identifier: an exact ID is a point lookup
 * and a pattern ("...*") a range scan [prefix, successor of prefix).
 * Pagination is keyset (event_time, hash) rather than OFFSET, so page N
 * costs the same as page 1. EQ_eventID values that are our hash IDs
 * ("ni:///sha-256;<64 hex>?ver=CBV2.0", or the bare hex) are decoded here
 * and compared as the 32-byte key, one descent of the hash index.
 */
#include "store/sqlite_int.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "zhiliang/codec.h"
#include "zhiliang/timefmt.h"

#include <string.h>

#define MAX_BINDS 512

enum bind_kind { B_TEXT, B_INT, B_BLOB, B_PREFIX_HI };

struct bind {
    enum bind_kind kind;
    const char *text;
    size_t len;
    int64_t i;
    const uint8_t *blob;
};

struct qb {
    struct zl_buf sql;
    struct bind binds[MAX_BINDS];
    int n;
    int rc;
    uint8_t hashes[MAX_BINDS][32]; /* decoded hash IDs, bound as blobs */
    int n_hashes;
};

static void add(struct qb *q, const char *frag)
{
    if (!q->rc)
        q->rc = zl_buf_adds(&q->sql, frag);
}

static void bind_text(struct qb *q, const char *t, size_t len)
{
    if (q->n >= MAX_BINDS) {
        q->rc = ZL_ELIMIT;
        return;
    }
    q->binds[q->n].kind = B_TEXT;
    q->binds[q->n].text = t;
    q->binds[q->n].len = len;
    q->n++;
    add(q, "?");
}

static void bind_kind(struct qb *q, enum bind_kind k, const char *t, size_t len)
{
    bind_text(q, t, len);
    if (q->n)
        q->binds[q->n - 1].kind = k;
}

static void bind_blob32(struct qb *q, const uint8_t *blob)
{
    if (q->n >= MAX_BINDS) {
        q->rc = ZL_ELIMIT;
        return;
    }
    q->binds[q->n].kind = B_BLOB;
    q->binds[q->n].blob = blob;
    q->n++;
    add(q, "?");
}

/* The hash of a hash ID: the 64 lower-case hex digits after ';' (or the
 * whole value) up to an optional '?'. 0 when v is not one (then it can
 * only be a declared eventID). */
static int hash_of_id(const char *v, uint8_t out[32])
{
    const char *p = strchr(v, ';');
    const char *hx = p ? p + 1 : v;
    size_t hl = strcspn(hx, "?");

    if (hl != 64)
        return 0;
    for (size_t i = 0; i < hl; i++)
        if (!((hx[i] >= '0' && hx[i] <= '9') || (hx[i] >= 'a' && hx[i] <= 'f')))
            return 0;
    return zl_hex_decode(hx, hl, out, 32) == 0;
}

static void bind_int(struct qb *q, int64_t v)
{
    if (q->n >= MAX_BINDS) {
        q->rc = ZL_ELIMIT;
        return;
    }
    q->binds[q->n].kind = B_INT;
    q->binds[q->n].i = v;
    q->n++;
    add(q, "?");
}

static size_t list_len(const char **l)
{
    size_t n = 0;

    while (l && l[n])
        n++;
    return n;
}

/* col IN (?, ?, ...) */
static void in_list(struct qb *q, const char *col, const char **vals)
{
    size_t n = list_len(vals);

    if (!n)
        return;
    add(q, " AND ");
    add(q, col);
    add(q, " IN (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            add(q, ",");
        bind_text(q, vals[i], strlen(vals[i]));
    }
    add(q, ")");
}

/* A set of enum zl_id_role values as bits. */
#define ROLE(r) (1u << (r))

/* Length of the successor of prefix p[0..n): the shortest string above
 * every string that starts with p, in SQLite's BINARY (memcmp) order, is
 * p without its trailing 0xFF bytes and with the last byte left raised by
 * one. 0 when there is none (p empty or all 0xFF): no upper bound. */
static size_t prefix_successor_len(const char *p, size_t n)
{
    while (n && (unsigned char)p[n - 1] == 0xff)
        n--;
    return n;
}

/* e.hash IN (SELECT hash FROM event_ids WHERE role IN roles AND (id = ?
 * OR id >= prefix AND id < successor ...)): an uncorrelated subquery, so
 * SQLite evaluates it once, as point lookups and range scans of
 * event_ids' primary key (which starts with the identifier), into a set
 * of hashes that then drives the event lookups. The correlated EXISTS
 * this replaces re-ran the range scan for every event: a broad pattern
 * (all of https://id.gs1.org/) cost events x matching identifiers. */
static void match_ids(struct qb *q, const char **vals, unsigned roles)
{
    size_t n = list_len(vals);
    const char *sep = "";

    if (!n)
        return;
    add(q, " AND e.hash IN (SELECT x.hash FROM event_ids x WHERE x.role IN (");
    for (unsigned r = 1; r < 32; r++)
        if (roles & ROLE(r)) {
            if (!q->rc)
                q->rc = zl_buf_printf(&q->sql, "%s%u", sep, r);
            sep = ",";
        }
    add(q, ") AND (");
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(vals[i]);

        if (i)
            add(q, " OR ");
        if (len && vals[i][len - 1] == '*') {
            add(q, "(x.id >= ");
            bind_text(q, vals[i], len - 1);
            if (prefix_successor_len(vals[i], len - 1)) {
                add(q, " AND x.id < ");
                bind_kind(q, B_PREFIX_HI, vals[i], len - 1);
            }
            add(q, ")");
        } else {
            add(q, "x.id = ");
            bind_text(q, vals[i], len);
        }
    }
    add(q, "))");
}

static void match_refs(struct qb *q, const char *kind,
                       const struct zl_typed_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        add(q, " AND EXISTS (SELECT 1 FROM event_refs r WHERE r.hash = e.hash"
               " AND r.kind = ");
        bind_text(q, kind, 1);
        add(q, " AND r.type = ");
        bind_text(q, refs[i].type, strlen(refs[i].type));
        if (refs[i].value) {
            add(q, " AND r.value = ");
            bind_text(q, refs[i].value, strlen(refs[i].value));
        }
        add(q, ")");
    }
}

static void bitset_in(struct qb *q, const char *col, unsigned bits)
{
    int first = 1;

    if (!bits)
        return;
    add(q, " AND ");
    add(q, col);
    add(q, " IN (");
    for (int i = 0; i < 16; i++) {
        if (bits & (1u << i)) {
            if (!first)
                add(q, ",");
            bind_int(q, i);
            first = 0;
        }
    }
    add(q, ")");
}

static void time_range(struct qb *q, const char *col, int64_t ge, int64_t lt)
{
    if (ge) {
        add(q, " AND ");
        add(q, col);
        add(q, " >= ");
        bind_int(q, ge);
    }
    if (lt) {
        add(q, " AND ");
        add(q, col);
        add(q, " < ");
        bind_int(q, lt);
    }
}

static void build(struct qb *q, const struct zl_event_filter *f)
{
    const char *tcol =
        f->order_by == ZL_ORDER_RECORD_TIME ? "e.record_time" : "e.event_time";

    add(q, "SELECT " ZL_SQLITE_EVENT_COLS " FROM events e WHERE 1");
    bitset_in(q, "e.type", f->event_types);
    bitset_in(q, "e.action", f->actions);
    time_range(q, "e.event_time", f->ge_event_time, f->lt_event_time);
    time_range(q, "e.record_time", f->ge_record_time, f->lt_record_time);
    in_list(q, "e.biz_step", f->biz_steps);
    in_list(q, "e.disposition", f->dispositions);
    in_list(q, "e.read_point", f->read_points);
    in_list(q, "e.biz_location", f->biz_locations);
    if (list_len(f->event_ids)) {
        /* A value may be the declared eventID or our hash ID, so both
         * columns are checked; each term is an index lookup. */
        add(q, " AND (");
        for (size_t i = 0; f->event_ids[i]; i++) {
            if (i)
                add(q, " OR ");
            add(q, "e.declared_id = ");
            bind_text(q, f->event_ids[i], strlen(f->event_ids[i]));
            if (q->n_hashes < MAX_BINDS &&
                hash_of_id(f->event_ids[i], q->hashes[q->n_hashes])) {
                add(q, " OR e.hash = ");
                bind_blob32(q, q->hashes[q->n_hashes++]);
            }
        }
        add(q, ")");
    }
    match_ids(q, f->match_epc, ROLE(ZL_ROLE_EPC) | ROLE(ZL_ROLE_CHILD));
    match_ids(q, f->match_any_epc,
              ROLE(ZL_ROLE_EPC) | ROLE(ZL_ROLE_PARENT) | ROLE(ZL_ROLE_CHILD) |
                  ROLE(ZL_ROLE_INPUT) | ROLE(ZL_ROLE_OUTPUT));
    match_ids(q, f->match_parent_id, ROLE(ZL_ROLE_PARENT));
    match_ids(q, f->match_input_epc, ROLE(ZL_ROLE_INPUT));
    match_ids(q, f->match_output_epc, ROLE(ZL_ROLE_OUTPUT));
    match_ids(q, f->match_epc_class,
              ROLE(ZL_ROLE_QTY) | ROLE(ZL_ROLE_CHILD_QTY));
    match_ids(q, f->match_input_epc_class, ROLE(ZL_ROLE_INPUT_QTY));
    match_ids(q, f->match_output_epc_class, ROLE(ZL_ROLE_OUTPUT_QTY));
    match_ids(q, f->match_any_epc_class,
              ROLE(ZL_ROLE_QTY) | ROLE(ZL_ROLE_CHILD_QTY) |
                  ROLE(ZL_ROLE_INPUT_QTY) | ROLE(ZL_ROLE_OUTPUT_QTY));
    in_list(q, "e.transformation_id", f->transformation_ids);
    match_refs(q, "b", f->biz_transactions, f->n_biz_transactions);
    match_refs(q, "s", f->sources, f->n_sources);
    match_refs(q, "d", f->destinations, f->n_destinations);
    if (f->exists_error_declaration)
        add(q, " AND e.has_error = 1");
    if (f->has_after) {
        add(q, " AND (");
        add(q, tcol);
        add(q, f->order_desc ? " < " : " > ");
        bind_int(q, f->after_time);
        add(q, " OR (");
        add(q, tcol);
        add(q, " = ");
        bind_int(q, f->after_time);
        add(q, f->order_desc ? " AND e.hash < " : " AND e.hash > ");
        bind_blob32(q, f->after_hash);
        add(q, "))");
    }
    add(q, " ORDER BY ");
    add(q, tcol);
    add(q, f->order_desc ? " DESC, e.hash DESC" : ", e.hash");
    if (f->limit) {
        add(q, " LIMIT ");
        bind_int(q, (int64_t)f->limit);
    }
}

/* The filter's work budget, checked by SQLite every PROGRESS_OPS virtual
 * machine instructions (well under a millisecond); the stop callback,
 * which may cost a system call, only every STOP_EVERY checks. */
#define PROGRESS_OPS 8192
#define STOP_EVERY   64

struct budget {
    const struct zl_event_filter *f;
    unsigned calls;
    int rc;
};

static int progress(void *ctx)
{
    struct budget *b = ctx;

    if (b->f->deadline_ms && zl_time_now_ms() > b->f->deadline_ms) {
        b->rc = ZL_ETIMEOUT;
        return 1;
    }
    if (b->f->stop && b->calls++ % STOP_EVERY == 0 &&
        (b->rc = b->f->stop(b->f->stop_ctx)) != 0)
        return 1;
    return 0;
}

int zl_sqlite_events_query(zl_store *s, const struct zl_event_filter *f,
                           zl_event_cb cb, void *ctx)
{
    struct budget bud = {f, 0, 0};
    struct qb *q = zl_calloc(1, sizeof *q);
    sqlite3_stmt *st = NULL;
    char *hi[MAX_BINDS] = {0};
    int rc;

    if (!q)
        return ZL_ENOMEM;
    if (f->deadline_ms && zl_time_now_ms() > f->deadline_ms) {
        zl_free(q); /* the budget is spent before the query starts */
        return ZL_ETIMEOUT;
    }
    zl_buf_init(&q->sql, 1 << 20);
    build(q, f);
    rc = q->rc;
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(zl_sqlite_db(s), q->sql.data, -1, &st, NULL) !=
        SQLITE_OK) {
        rc = ZL_ESTORE;
        goto out;
    }
    for (int i = 0; i < q->n; i++) {
        struct bind *b = &q->binds[i];

        switch (b->kind) {
        case B_TEXT:
            sqlite3_bind_text(st, i + 1, b->text, (int)b->len, SQLITE_STATIC);
            break;
        case B_INT: sqlite3_bind_int64(st, i + 1, b->i); break;
        case B_BLOB:
            sqlite3_bind_blob(st, i + 1, b->blob, 32, SQLITE_STATIC);
            break;
        case B_PREFIX_HI: {
            /* Upper bound of a prefix range: its successor (see
             * prefix_successor_len), exact for any bytes. */
            size_t hl = prefix_successor_len(b->text, b->len);

            hi[i] = zl_malloc(hl + 1);
            if (!hi[i]) {
                rc = ZL_ENOMEM;
                goto out;
            }
            memcpy(hi[i], b->text, hl);
            hi[i][hl - 1] = (char)((unsigned char)hi[i][hl - 1] + 1);
            hi[i][hl] = '\0';
            sqlite3_bind_text(st, i + 1, hi[i], (int)hl, SQLITE_STATIC);
            break;
        }
        }
    }
    {
        struct zl_stored_event ev;
        int src;

        if (f->deadline_ms || f->stop)
            sqlite3_progress_handler(zl_sqlite_db(s), PROGRESS_OPS, progress,
                                     &bud);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            zl_sqlite_row_event(st, &ev);
            rc = cb(ctx, &ev);
            if (rc)
                goto out;
        }
        rc = src == SQLITE_DONE        ? 0
             : src == SQLITE_INTERRUPT ? (bud.rc ? bud.rc : ZL_ETIMEOUT)
             : src == SQLITE_BUSY || src == SQLITE_LOCKED ? ZL_EBUSY
                                                          : ZL_ESTORE;
    }
out:
    sqlite3_progress_handler(zl_sqlite_db(s), 0, NULL, NULL);
    sqlite3_finalize(st);
    for (int i = 0; i < MAX_BINDS; i++)
        zl_free(hi[i]);
    zl_buf_cleanup(&q->sql);
    zl_free(q);
    return rc;
}
