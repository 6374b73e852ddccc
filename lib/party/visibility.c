/*
 * visibility.c - the read rule (docs/access.md, "Who reads what"): may
 * this viewer see this stored event?
 *
 * One function decides, zl_viewer_sees_stored (zl_viewer_sees_event by
 * hash); every way events leave the store for a party asks it: the query
 * module filters inside its scan (so pages, eventCountLimit and
 * maxEventCount count visible events only), the trace engine treats an
 * invisible event as absent (so a node reached only through hidden events
 * is not reached at all, and custodians are read off visible events), and
 * the server and the CLI (`--as PARTY`) only choose the viewer.
 *
 * The rule reads the registries (GLNs, kinds, regions) and the stored
 * event: its capturing party (events.party), its readPoint and
 * bizLocation, its source/destination rows and, last because it costs
 * most, the custody of the goods it names, by the write rule's own
 * custody logic (authz.c, zl_authz_held_before): "held just before this
 * event". Checks run cheapest first and stop at the first that grants.
 *
 * Rejected: filtering the JSON after the query (pages would come out
 * short and nextPageToken would skip), and a per-party copy of the events
 * (another derived table for verify to check). Custody is looked up for at
 * most MAX_CUSTODY_IDS identifiers per event: an event naming more (a
 * filling run's 100,000 outputs) is decided on its first ones, and the
 * cheaper checks (own site, source/destination) cover such events in
 * practice.
 *
 * A regulator's answer depends on the event's party and locations only,
 * so a query or trace may pass a memo (zl_viewer_memo) that keeps each
 * party's and location's answer for the request: a page scanned under
 * the rule then costs a hash probe a row, not a party lookup (1M events,
 * a provincial regulator's EQ_bizStep page: most of the time was
 * preparing the registry's statements).
 *
 * The same memo carries an enterprise's custody cache (authz.c,
 * zl_authz_held_before_cached): a trace or page asks custody for hundreds
 * of (identifier, event) pairs that share candidate events, so each
 * identifier's rows and each candidate's verdict are read once a request.
 * A memo kept between requests also keeps the rule's answer per event
 * (verdict_get): a server's next trace for the party pays a probe, not a
 * row and custody, for an event an earlier trace asked about.
 */
#include "zhiliang/party.h"

#include "party/party_int.h"
#include "store/store.h"
#include "store/store_party.h"
#include "store/store_trace.h"
#include "util/alloc.h"
#include "util/itab.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_CUSTODY_IDS 64

/* The memo (below; zhiliang/party.h): a regulator's answers per party and
 * location, an enterprise's custody cache, and (a kept memo) the rule's
 * answer per event. */
#define MEMO_SLOTS 2048

/* One event's answer, kept (see verdict_get). */
struct verdict {
    uint8_t hash[32];
    uint8_t sees;
};

struct zl_viewer_memo {
    char *key[MEMO_SLOTS];
    signed char val[MEMO_SLOTS];
    size_t used;
    zl_custody *cust; /* an enterprise's custody answers, made on use */
    /* a kept memo's answers by event (verdict_get), in the order given,
     * found by hash through verdict_ix */
    struct verdict *verdicts;
    size_t n_verdicts, verdicts_cap;
    struct zl_itab verdict_ix;
    /* kept on the handle between requests (zl_viewer_memo_get): the
     * regulator's region and the store's change token it holds answers
     * for */
    int kept;
    char who[8 + ZL_PARTY_ID_MAX];
    uint64_t token;
};

void zl_viewer_init(struct zl_viewer *v, enum zl_viewer_role role)
{
    memset(v, 0, sizeof *v);
    v->role = role == ZL_VIEW_PARTY ? ZL_VIEW_PUBLIC : role;
}

static int copy_sites(void *ctx, const struct zl_party *p)
{
    struct zl_viewer *v = ctx;

    v->n_glns = 0;
    for (size_t i = 0; i < p->n_glns && v->n_glns < ZL_PARTY_MAX_GLNS; i++)
        if (p->glns[i] && strlen(p->glns[i]) == 13)
            memcpy(v->glns[v->n_glns++], p->glns[i], 14);
    v->uscc[0] = '\0';
    if (p->uscc)
        snprintf(v->uscc, sizeof v->uscc, "%s", p->uscc);
    return 0;
}

int zl_viewer_for_party(zl_store *s, const char *party_id, struct zl_viewer *v,
                        struct zl_error *err)
{
    int rc;

    zl_viewer_init(v, ZL_VIEW_PUBLIC);
    if ((rc = zl_authz_party(s, party_id, &v->party, err)))
        return rc;
    if ((rc = zl_party_get(s, v->party.id, copy_sites, v)))
        return rc;
    v->role = ZL_VIEW_PARTY;
    return 0;
}

int zl_viewer_reads_events(const struct zl_viewer *v)
{
    if (v->role == ZL_VIEW_LOCAL)
        return 1;
    return v->role == ZL_VIEW_PARTY && v->party.kind != ZL_PARTY_OPERATOR;
}

int zl_region_covers(const char *region, const char *code)
{
    size_t n = region ? strlen(region) : 0;

    return n && code && code[0] && !strncmp(region, code, n);
}

/* 1 if gln (13 digits) is one of v's sites. */
static int own_gln(const struct zl_viewer *v, const char gln[14])
{
    for (size_t i = 0; i < v->n_glns; i++)
        if (!memcmp(v->glns[i], gln, 14))
            return 1;
    return 0;
}

/* 1 if loc (a location or party identifier in any GLN form, or a party
 * ID/USCC as some source/destination lists carry) names v. */
static int names_me(const struct zl_viewer *v, const char *loc)
{
    char gln[14];

    if (!loc)
        return 0;
    if (!zl_party_location_gln(loc, gln))
        return own_gln(v, gln);
    return !strcmp(loc, v->party.id) || (v->uscc[0] && !strcmp(loc, v->uscc));
}

struct refs_ctx {
    const struct zl_viewer *v;
};

static int ref_cb(void *ctx, char kind, const char *type, const char *value)
{
    struct refs_ctx *c = ctx;

    (void)type;
    return (kind == 's' || kind == 'd') && names_me(c->v, value);
}

/* The distinct identifiers of an event, copied (at most MAX_CUSTODY_IDS). */
struct ids_ctx {
    char *id[MAX_CUSTODY_IDS];
    size_t n;
};

static int ids_cb(void *ctx, const struct zl_id_row *r)
{
    struct ids_ctx *c = ctx;

    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->id[i], r->id))
            return 0;
    if (c->n == MAX_CUSTODY_IDS)
        return 1;
    if (!(c->id[c->n] = zl_strdup(r->id)))
        return ZL_ENOMEM;
    c->n++;
    return 0;
}

static int enterprise_sees(zl_store *s, const struct zl_viewer *v,
                           zl_viewer_memo *m, const struct zl_stored_event *ev)
{
    zl_custody *cust = NULL;

    struct refs_ctx rc_ctx = {v};
    struct ids_ctx ids;
    int rc, held = 0;

    if (ev->party && !strcmp(ev->party, v->party.id))
        return 1;
    if (names_me(v, ev->read_point) || names_me(v, ev->biz_location))
        return 1;
    rc = zl_store_event_refs(s, ev->hash, ref_cb, &rc_ctx);
    if (rc)
        return rc;
    if (v->n_glns == 0)
        return 0; /* custody is by GLN: a party without sites holds nothing */
    memset(&ids, 0, sizeof ids);
    rc = zl_store_event_ids(s, (const uint8_t(*)[32])ev->hash, 1,
                            ZL_ID_ROLES_ALL, ids_cb, &ids);
    if (rc > 0)
        rc = 0;
    if (m && !m->cust && zl_custody_new(&m->cust))
        rc = ZL_ENOMEM;
    if (m)
        cust = m->cust;
    /* a server backend answers the event's identifiers in one round trip
     * (SQLite reads them one by one either way: there the walk reads
     * only up to the first identifier held) */
    if (!rc && cust && ids.n > 1 && strcmp(zl_store_backend_name(s), "sqlite"))
        rc = zl_custody_prefetch(s, cust, (const char *const *)ids.id, ids.n);
    for (size_t i = 0; i < ids.n && !rc && !held; i++)
        rc = zl_authz_held_before_cached(s, cust, ids.id[i], ev->hash,
                                         v->party.id, &held);
    for (size_t i = 0; i < ids.n; i++)
        zl_free(ids.id[i]);
    return rc ? rc : held;
}

/* 1 if party_id is registered in region (its own region, else its USCC's
 * registration code, as zl_authz_party reads it). */
static int party_in_region(zl_store *s, const char *party_id,
                           const char *region)
{
    struct zl_authz_party w;
    int rc = zl_authz_party(s, party_id, &w, NULL);

    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    return zl_region_covers(region, w.region);
}

static int in_region(zl_store *s, zl_viewer_memo *m, char kind, const char *str,
                     const char *region);

/* 1 if the owner of location loc's GLN is registered in region, through
 * m: the owner's answer is kept too, and a store has more locations than
 * owners (a page of a region's farms: 16 locations, 8 owners). */
static int place_in_region(zl_store *s, zl_viewer_memo *m, const char *loc,
                           const char *region)
{
    char gln[14], owner[ZL_PARTY_ID_MAX];
    int rc;

    if (!loc || zl_party_location_gln(loc, gln))
        return 0;
    rc = zl_store_gln_owner(s, gln, owner);
    if (rc == ZL_ENOTFOUND)
        return 0;
    return rc ? rc : in_region(s, m, 'p', owner, region);
}

/* ---- the memo --------------------------------------------------------------
 * The regulator's answers depend on a party or a location string only,
 * and a query or trace asks about the same few dozen of them for every
 * row: each answer costs a party lookup (several statements) the first
 * time and a probe of this table after. Open addressing, MEMO_SLOTS
 * slots, at most half used; when full, answers are computed and not
 * kept. Keys are 'p' or 'l' then the string. (MEMO_SLOTS and the struct
 * are at the top of the file: enterprise_sees keeps its custody cache in
 * the memo.) */
int zl_viewer_memo_new(zl_viewer_memo **out)
{
    return (*out = zl_calloc(1, sizeof **out)) ? 0 : ZL_ENOMEM;
}

void zl_viewer_memo_free(zl_viewer_memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        zl_free(m->key[i]);
    zl_custody_free(m->cust);
    zl_free(m->verdicts);
    zl_itab_free(&m->verdict_ix);
    zl_free(m);
}

/* ---- the memo kept between requests ----------------------------------------
 * A server's worker answers one party's pages again and again, and each
 * request asked the registry again about the same parties and locations
 * (on the 1M-event store, a page of a region's first events: 16
 * locations, 8 owners, 15% of the request's CPU), and an enterprise's
 * custody again about the same goods (a distribution centre's pages:
 * 30-40%). The answers depend on the stored registry and events only, so
 * the handle keeps the memo (a regulator's by region, an enterprise's
 * by party, up to KEPT_MEMOS of them) while the store is exactly as it
 * was when the memo was filled: zl_store_change_token, which any commit
 * by another connection or process moves, and this connection's own
 * commits and changes. Anything written anywhere in the store (a capture
 * too) starts the memo again, so it never answers for a store it did not
 * read. An enterprise's memo holding more than KEPT_CUSTODY_ROWS custody
 * rows is kept without them (memory: a worker keeps up to KEPT_MEMOS; the
 * answers by event stay, see verdict_get). Taken out of the
 * handle's state for the request and put back after (a rollback in between,
 * which drops module states, frees nothing in use). Rejected: rule_gen as the
 * memo's stamp (what the admitted sites use, which only ever narrow a scan; the
 * row test must not trust a trigger-kept counter). */
#define KEPT_MEMOS        8
#define KEPT_CUSTODY_ROWS 65536
struct kept_memos {
    zl_viewer_memo *m[KEPT_MEMOS];
    size_t next; /* the slot the next memo takes when all are used */
};
static const char KEPT_KEY = 0;

static void kept_memos_free(void *p)
{
    struct kept_memos *k = p;

    for (size_t i = 0; k && i < KEPT_MEMOS; i++)
        zl_viewer_memo_free(k->m[i]);
    zl_free(k);
}

int zl_viewer_memo_get(zl_store *s, const struct zl_viewer *v,
                       zl_viewer_memo **out)
{
    struct kept_memos *k = zl_store_module_state(s, &KEPT_KEY);
    zl_viewer_memo *m = NULL;
    char who[sizeof m->who];
    uint64_t token;
    int rc;

    *out = NULL;
    if (v->role != ZL_VIEW_PARTY ||
        (v->party.kind == ZL_PARTY_REGULATOR ? !v->party.region[0]
                                             : !v->party.id[0]) ||
        zl_store_change_token(s, &token))
        return zl_viewer_memo_new(out);
    /* a regulator's answers are its region's, an enterprise's its own */
    if (v->party.kind == ZL_PARTY_REGULATOR)
        snprintf(who, sizeof who, "region %s", v->party.region);
    else
        snprintf(who, sizeof who, "party %s", v->party.id);
    for (size_t i = 0; k && i < KEPT_MEMOS && !m; i++)
        if (k->m[i] && !strcmp(k->m[i]->who, who)) {
            m = k->m[i];
            k->m[i] = NULL;
        }
    if (m && m->token == token) {
        *out = m;
        return 0;
    }
    zl_viewer_memo_free(m);
    if ((rc = zl_viewer_memo_new(&m)))
        return rc;
    m->kept = 1;
    snprintf(m->who, sizeof m->who, "%s", who);
    m->token = token;
    *out = m;
    return 0;
}

void zl_viewer_memo_put(zl_store *s, zl_viewer_memo *m)
{
    struct kept_memos *k;
    size_t i;

    if (!m || !m->kept) {
        zl_viewer_memo_free(m);
        return;
    }
    if (zl_custody_rows(m->cust) > KEPT_CUSTODY_ROWS) {
        /* the custody rows go, the answers they gave stay */
        zl_custody_free(m->cust);
        m->cust = NULL;
    }
    if (!(k = zl_store_module_state(s, &KEPT_KEY))) {
        if (!(k = zl_calloc(1, sizeof *k)) ||
            zl_store_module_set(s, &KEPT_KEY, k, kept_memos_free)) {
            zl_free(k);
            zl_viewer_memo_free(m);
            return;
        }
    }
    for (i = 0; i < KEPT_MEMOS && k->m[i]; i++)
        ;
    if (i == KEPT_MEMOS) {
        i = k->next++ % KEPT_MEMOS;
        zl_viewer_memo_free(k->m[i]);
    }
    k->m[i] = m;
}

/* ---- the answers by event ---------------------------------------------------
 * A trace asks the rule about each event it reaches, and a server's
 * traces for one party reach the same events again and again (the lots,
 * collections and plants upstream of every item of a batch: 1,268
 * backward traces of retail items on the 1M-event store asked 46,650
 * times about 10,556 events). Each first answer costs the event's row
 * (and an enterprise's custody lookups); a kept memo keeps it by the
 * event's hash while the store is unchanged, as it keeps the registry's
 * answers (zl_viewer_memo_get), for up to MAX_VERDICTS events (2.7 MB
 * at most: 65,536 answers of 33 bytes and 131,072 index slots of 4):
 * past that, answers are computed
 * and not kept. Only a kept memo keeps them: it is one viewer's by
 * construction (a region's or a party's). */
#define MAX_VERDICTS ((size_t)65536)

/* An event hash is SHA-256: its first bytes are already uniform. */
static uint64_t verdict_hash(const uint8_t h[32])
{
    uint64_t k;

    memcpy(&k, h, sizeof k);
    return k;
}

static uint64_t verdict_hash_at(const void *ctx, int32_t idx)
{
    const struct verdict *v = ctx;

    return verdict_hash(v[idx].hash);
}

/* The kept answer for the event with hash h, NULL when none. */
static struct verdict *verdict_find(const zl_viewer_memo *m,
                                    const uint8_t h[32])
{
    const struct zl_itab *t = &m->verdict_ix;

    if (!m->n_verdicts)
        return NULL;
    for (size_t i = zl_itab_start(t, verdict_hash(h)); t->slot[i];
         i = zl_itab_step(t, i))
        if (!memcmp(m->verdicts[t->slot[i] - 1].hash, h, 32))
            return &m->verdicts[t->slot[i] - 1];
    return NULL;
}

/* m's answer for the event with hash h: 1, 0, or -1 when not kept. */
static int verdict_get(const zl_viewer_memo *m, const uint8_t h[32])
{
    const struct verdict *v = verdict_find(m, h);

    return v ? v->sees : -1;
}

/* Keep answer sees (0 or 1) for h in a kept memo, when there is room. */
static void verdict_put(zl_viewer_memo *m, const uint8_t h[32], int sees)
{
    struct verdict *v;

    if (!m->kept || m->n_verdicts >= MAX_VERDICTS)
        return;
    if ((v = verdict_find(m, h)) != NULL) {
        v->sees = (uint8_t)(sees != 0);
        return;
    }
    if (m->n_verdicts == m->verdicts_cap) {
        size_t cap = m->verdicts_cap ? m->verdicts_cap * 2 : 512;

        if (!(v = zl_realloc(m->verdicts, cap * sizeof *v)))
            return; /* not kept: the answer stands */
        m->verdicts = v;
        m->verdicts_cap = cap;
    }
    if (zl_itab_reserve(&m->verdict_ix, m->n_verdicts, 1024, verdict_hash_at,
                        m->verdicts, NULL))
        return;
    v = &m->verdicts[m->n_verdicts];
    memcpy(v->hash, h, 32);
    v->sees = (uint8_t)(sees != 0);
    zl_itab_put(&m->verdict_ix, verdict_hash(h), (int32_t)m->n_verdicts++);
}

/* The slot of (kind, str): the one holding it, or the empty one where it
 * would go. */
static size_t memo_slot(const zl_viewer_memo *m, char kind, const char *str)
{
    uint64_t h = 1469598103934665603ull ^ (unsigned char)kind;
    size_t i;

    for (const char *p = str; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (i = (size_t)(h % MEMO_SLOTS);; i = (i + 1) % MEMO_SLOTS)
        if (!m->key[i] || (m->key[i][0] == kind && !strcmp(m->key[i] + 1, str)))
            return i;
}

/* party_in_region (kind 'p') or place_in_region ('l') through m. */
static int in_region(zl_store *s, zl_viewer_memo *m, char kind, const char *str,
                     const char *region)
{
    size_t i = 0, n;
    int rc;

    if (!str)
        return 0;
    if (m) {
        i = memo_slot(m, kind, str);
        if (m->key[i])
            return m->val[i];
    }
    rc = kind == 'p' ? party_in_region(s, str, region)
                     : place_in_region(s, m, str, region);
    if (m && kind == 'l')
        i = memo_slot(m, kind, str); /* the owner's answer may have filled
                                      * the slot found above */
    if (rc < 0 || !m || m->used >= MEMO_SLOTS / 2)
        return rc;
    n = strlen(str);
    if ((m->key[i] = zl_malloc(n + 2)) != NULL) {
        m->key[i][0] = kind;
        memcpy(m->key[i] + 1, str, n + 1);
        m->val[i] = (signed char)rc;
        m->used++;
    }
    return rc;
}

static int regulator_sees(zl_store *s, const struct zl_viewer *v,
                          zl_viewer_memo *m, const struct zl_stored_event *ev)
{
    const char *region = v->party.region;
    int rc;

    if (!region[0])
        return 0;
    if (ev->party && (rc = in_region(s, m, 'p', ev->party, region)))
        return rc;
    if ((rc = in_region(s, m, 'l', ev->biz_location, region)))
        return rc;
    return in_region(s, m, 'l', ev->read_point, region);
}

int zl_viewer_region_admits(zl_store *s, const struct zl_viewer *v,
                            zl_viewer_memo *m, char kind, const char *str)
{
    if (v->role != ZL_VIEW_PARTY || v->party.kind != ZL_PARTY_REGULATOR ||
        !v->party.region[0] || !str)
        return 0;
    if (kind == 'p')
        return in_region(s, m, 'p', str, v->party.region);
    /* the location's own answer is not kept (asked once per location by
     * the admitted sites; a store has many): its owner's is */
    return place_in_region(s, m, str, v->party.region);
}

/* ---- an enterprise's hint ---------------------------------------------------
 * The store narrows an enterprise's pages to the events its rule can
 * admit (zl_event_filter.admits with admits_trade; sqlite_query.c, "an
 * enterprise's candidates"), asking about each value once: names_me is
 * rules 2 and 3 exactly and holds every GLN custody's owner lookup can
 * find (zl_store_gln_owner reads party_gln, which copy_sites copied
 * whole when it held fewer than ZL_PARTY_MAX_GLNS), so a receipt at the
 * party's site or a shipment to it is always among the candidates'
 * sources. A viewer whose list may be cut short gives no hint. */
int zl_viewer_party_hints(const struct zl_viewer *v)
{
    return v->role == ZL_VIEW_PARTY && v->party.kind == ZL_PARTY_ENTERPRISE &&
           v->n_glns < ZL_PARTY_MAX_GLNS;
}

int zl_viewer_party_admits(const struct zl_viewer *v, char kind,
                           const char *str)
{
    if (!str || !zl_viewer_party_hints(v))
        return 0;
    switch (kind) {
    case 'p': return !strcmp(str, v->party.id);
    case 'l':
    case 't': return names_me(v, str);
    case 's': return zl_authz_step_receives(str);
    case 'c': return zl_authz_step_decides(str);
    }
    return 0;
}

int zl_viewer_sees_stored_memo(zl_store *s, const struct zl_viewer *v,
                               zl_viewer_memo *m,
                               const struct zl_stored_event *ev)
{
    if (v->role == ZL_VIEW_LOCAL)
        return 1;
    if (v->role != ZL_VIEW_PARTY)
        return 0;
    switch (v->party.kind) {
    case ZL_PARTY_ENTERPRISE: return enterprise_sees(s, v, m, ev);
    case ZL_PARTY_REGULATOR: return regulator_sees(s, v, m, ev);
    case ZL_PARTY_OPERATOR: break;
    }
    return 0;
}

int zl_viewer_sees_stored(zl_store *s, const struct zl_viewer *v,
                          const struct zl_stored_event *ev)
{
    return zl_viewer_sees_stored_memo(s, v, NULL, ev);
}

/* The fields the rule reads, copied out of the row: the rule itself reads
 * events (custody), and a store may not nest a lookup inside its own. */
struct row_copy {
    struct zl_stored_event ev;
    char *party, *read_point, *biz_location;
    int found;
};

static int copy_row(void *ctx, const struct zl_stored_event *ev)
{
    struct row_copy *c = ctx;

    c->found = 1;
    c->ev = *ev;
    c->ev.json = NULL;
    c->ev.json_len = 0;
    c->ev.declared_id = c->ev.biz_step = c->ev.disposition = NULL;
    c->ev.transformation_id = NULL;
    if ((ev->party && !(c->party = zl_strdup(ev->party))) ||
        (ev->read_point && !(c->read_point = zl_strdup(ev->read_point))) ||
        (ev->biz_location && !(c->biz_location = zl_strdup(ev->biz_location))))
        return ZL_ENOMEM;
    c->ev.party = c->party;
    c->ev.read_point = c->read_point;
    c->ev.biz_location = c->biz_location;
    return 0;
}

int zl_viewer_sees_event_memo(zl_store *s, const struct zl_viewer *v,
                              zl_viewer_memo *m, const uint8_t hash[32])
{
    struct row_copy c;
    int rc;

    if (m && (rc = verdict_get(m, hash)) >= 0)
        return rc;
    memset(&c, 0, sizeof c);
    /* the row without its JSON (the rule reads none of it): no
     * decompression per event a trace checks */
    rc = zl_store_trace_events_meta(s, (const uint8_t(*)[32])hash, 1, copy_row,
                                    &c);
    if (!rc && !c.found)
        rc = ZL_ENOTFOUND;
    if (!rc)
        rc = zl_viewer_sees_stored_memo(s, v, m, &c.ev);
    if (m && (rc == 0 || rc == 1))
        verdict_put(m, hash, rc);
    zl_free(c.party);
    zl_free(c.read_point);
    zl_free(c.biz_location);
    return rc;
}

int zl_viewer_sees_event(zl_store *s, const struct zl_viewer *v,
                         const uint8_t hash[32])
{
    return zl_viewer_sees_event_memo(s, v, NULL, hash);
}

int zl_viewer_answers_for(zl_store *s, const struct zl_viewer *v,
                          const char *party_id)
{
    struct zl_authz_party w;
    int rc;

    if (v->role != ZL_VIEW_PARTY || !party_id)
        return 0;
    rc = zl_authz_party(s, party_id, &w, NULL);
    if (rc == ZL_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (!strcmp(w.id, v->party.id))
        return 1;
    return v->party.kind == ZL_PARTY_REGULATOR &&
           zl_region_covers(v->party.region, w.region);
}
