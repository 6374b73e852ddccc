/*
 * store.c - the backend-neutral store handle: the registry of backends
 * and the URI that picks one, opening with schema creation or migration,
 * transactions, the module state registry, and the thin dispatchers of
 * store.h (module dispatchers are in store_ext.c).
 *
 * Schema versions are kept in the meta table under "store.schema_version"
 * (decimal text), so the check is the same on every backend. A store
 * without the key predates versioning and is version 1 (the layout of
 * release 0.1.0). Opening runs the backend's migration steps from the
 * recorded version to ZL_STORE_SCHEMA_VERSION in one write transaction,
 * re-reading the version once the write lock is held, so two processes
 * opening an old store at once migrate it once. Rejected: SQLite's
 * PRAGMA user_version (no equivalent on other backends, and invisible to
 * a `SELECT * FROM meta`).
 *
 * Dispatchers stay out-of-line one-liners: the indirect call costs a few
 * nanoseconds against microseconds of database work, and callers keep a
 * stable function to link against.
 */
#include "store/store.h"

#include "store/backend.h"
#include "audit/audit_int.h"
#include "capture/receipt.h"
#include "party/party_int.h"
#include "query/subs_log.h"
#include "risk/intake_int.h"
#include "store/store_subs.h"
#include "supervise/sup_int.h"
#include "util/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define META_SCHEMA_VERSION "store.schema_version"

/* ---- the registry of backends -------------------------------------------- */

/* Adding a backend: its table here. */
static const struct zl_store_backend *const BACKENDS[] = {
    &zl_sqlite_backend,
    &zl_pg_backend,
};

/* Length of the scheme of uri when it has one ("name:" where name is
 * ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")), else 0. */
static size_t scheme_len(const char *uri)
{
    size_t n = 0;

    if (!isalpha((unsigned char)uri[0]))
        return 0;
    while (isalnum((unsigned char)uri[n]) || uri[n] == '+' || uri[n] == '-' ||
           uri[n] == '.')
        n++;
    return uri[n] == ':' ? n : 0;
}

static int scheme_is(const char *uri, size_t n, const char *scheme)
{
    return strlen(scheme) == n && !strncmp(uri, scheme, n);
}

/* The backend for uri and the target it is given (the URI after
 * "scheme:", or the whole of a plain path). A name with a colon that is
 * not a known scheme is a path unless it looks like "x://": then it is a
 * URI we cannot serve. */
static int pick_backend(const char *uri, const struct zl_store_backend **be,
                        const char **target, struct zl_error *err)
{
    size_t n = scheme_len(uri);
    size_t i;

    *be = NULL;
    if (!*uri)
        return zl_error_set(err, ZL_EINVAL, "", "empty store URI", NULL, 0);
    for (i = 0; n && i < sizeof BACKENDS / sizeof BACKENDS[0]; i++) {
        for (const char *const *sc = BACKENDS[i]->schemes; *sc; sc++) {
            if (scheme_is(uri, n, *sc)) {
                *be = BACKENDS[i];
                *target = uri + n + 1;
                return 0;
            }
        }
    }
    if (n && !strncmp(uri + n, "://", 3))
        return zl_error_set(err, ZL_EINVAL, uri,
                            "unknown store URI scheme (want a path, "
                            "sqlite:PATH or postgresql://...)",
                            uri, n);
    for (i = 0; i < sizeof BACKENDS / sizeof BACKENDS[0]; i++) {
        if (BACKENDS[i]->path) {
            *be = BACKENDS[i];
            *target = uri;
            return 0;
        }
    }
    return zl_error_set(err, ZL_EUNSUPPORTED, uri,
                        "no backend serves plain paths", NULL, 0);
}

/* ---- module state -------------------------------------------------------- */

void *zl_store_module_state(zl_store *s, const void *key)
{
    for (size_t i = 0; i < s->n_mods; i++)
        if (s->mods[i].key == key)
            return s->mods[i].state;
    return NULL;
}

int zl_store_module_set(zl_store *s, const void *key, void *state,
                        void (*free_fn)(void *))
{
    struct zl_store_module_slot *m = NULL;

    for (size_t i = 0; i < s->n_mods && !m; i++)
        if (s->mods[i].key == key)
            m = &s->mods[i];
    if (!m) {
        if (!state)
            return 0;
        if (s->n_mods == ZL_STORE_MAX_MODULES)
            return ZL_ELIMIT;
        m = &s->mods[s->n_mods++];
        m->key = key;
        m->state = NULL;
        m->free_fn = NULL;
    }
    if (m->state && m->state != state && m->free_fn)
        m->free_fn(m->state);
    m->state = state;
    m->free_fn = state ? free_fn : NULL;
    return 0;
}

/* Free every module's state (close, rollback). Keys stay registered. */
static void drop_module_states(zl_store *s)
{
    for (size_t i = 0; i < s->n_mods; i++) {
        struct zl_store_module_slot *m = &s->mods[i];

        if (m->state && m->free_fn)
            m->free_fn(m->state);
        m->state = NULL;
        m->free_fn = NULL;
    }
}

/* ---- schema: creation and migration -------------------------------------- */

int zl_store_schema_version(zl_store *s, int *version)
{
    char *v = NULL;
    size_t len = 0;
    long n = 0;
    int rc = zl_store_meta_get(s, META_SCHEMA_VERSION, &v, &len);

    if (rc == ZL_ENOTFOUND) {
        *version = 1; /* stores of 0.1.0 record no version */
        return 0;
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < len && n < 1000000; i++) {
        if (v[i] < '0' || v[i] > '9') {
            n = -1;
            break;
        }
        n = n * 10 + (v[i] - '0');
    }
    zl_free(v);
    if (n < 1 || n >= 1000000)
        return ZL_ESTORE;
    *version = (int)n;
    return 0;
}

static int set_version(zl_store *s, int version)
{
    char v[16];
    int n = snprintf(v, sizeof v, "%d", version);

    return zl_store_meta_set(s, META_SCHEMA_VERSION, v, (size_t)n);
}

/* Tables of a new store: the core, every module's, the version. */
static int create_schema(zl_store *s, struct zl_error *err)
{
    int rc = zl_store_begin(s);

    if (rc)
        goto out;
    rc = s->be->schema(s);
    for (int i = 0; i < ZL_STORE_MOD_COUNT && !rc; i++) {
        const struct zl_store_module_ops *m = s->be->modules[i];

        if (m && m->schema)
            rc = m->schema(s);
    }
    if (!rc)
        rc = set_version(s, ZL_STORE_SCHEMA_VERSION);
    if (!rc)
        rc = zl_store_commit(s);
out:
    if (rc) {
        zl_store_rollback(s);
        zl_error_set(err, rc, s->uri, "cannot create the schema",
                     zl_strerror(rc), (size_t)-1);
    }
    return rc;
}

static int newer_store(zl_store *s, int v, struct zl_error *err)
{
    return zl_error_setf(err, ZL_EUNSUPPORTED, s->uri, NULL,
                         "the store has schema version %d, newer than this "
                         "zhiliang reads (%d; zhiliang " ZL_VERSION
                         "): upgrade zhiliang to open it",
                         v, ZL_STORE_SCHEMA_VERSION);
}

static int module_schema(zl_store *s, enum zl_store_module_id id)
{
    const struct zl_store_module_ops *m = s->be->modules[id];

    return m && m->schema ? m->schema(s) : ZL_EUNSUPPORTED;
}

/* One migration step, from version `from` to from + 1: the backend's DDL
 * for the core tables, then the modules' tables through their schema
 * hooks (idempotent, the same on every backend) and the records the step
 * anchors in the log. */
static int migrate_step(zl_store *s, int from)
{
    int rc = s->be->migrate(s, from);

    if (rc)
        return rc;
    switch (from) {
    case 1: return 0; /* 0.1.0 -> 2: the outbox (core) */
    case 2:           /* 2 -> 3: Company Prefixes, party kinds, corrections */
        rc = module_schema(s, ZL_STORE_MOD_PARTY);
        return rc ? rc : module_schema(s, ZL_STORE_MOD_CORRECTION);
    case 3: /* 3 -> 4: capture receipts, and one receipt anchoring the
             * capture metadata of every event stored before them */
        rc = module_schema(s, ZL_STORE_MOD_RECEIPT);
        return rc ? rc : zl_receipt_migrate(s);
    case 4: /* 4 -> 5: registry records, and one record per party, product
             * and token anchoring the registry as it is at the upgrade */
        rc = module_schema(s, ZL_STORE_MOD_PARTY);
        return rc ? rc : zl_registry_migrate(s);
    case 5: /* 5 -> 6: the query indexes (core), and the persistent trace
             * index's tables (filled at 19 -> 20) */
        return module_schema(s, ZL_STORE_MOD_TIX); /* built at 19 -> 20 */
    case 6: /* 6 -> 7: supervision records (registries, plans, draws) */
        return module_schema(s, ZL_STORE_MOD_SUPERVISE);
    case 7: /* 7 -> 8: code lookup counts */
        return module_schema(s, ZL_STORE_MOD_LOOKUPS);
    case 8: /* 8 -> 9: live SPC streams */
        return module_schema(s, ZL_STORE_MOD_SPC);
    case 9: /* 9 -> 10: risk reports and their personal data (issue 14) */
        return module_schema(s, ZL_STORE_MOD_RISK);
    case 10: /* 10 -> 11: named queries and subscriptions (issue 15) */
        return module_schema(s, ZL_STORE_MOD_SUBS);
    case 11: /* 11 -> 12: interned identifiers (core; on SQLite the events
              * table is rebuilt, so the correction module's index on it
              * is made again) */
        return module_schema(s, ZL_STORE_MOD_CORRECTION);
    case 12: /* 12 -> 13: what a product's pack declares (issue 16) */
        return module_schema(s, ZL_STORE_MOD_PARTY);
    case 13: /* 13 -> 14: complaint handling steps, personal-data key ids
              * and the keys' register (issue 14) */
        return module_schema(s, ZL_STORE_MOD_RISK);
    case 14: /* 14 -> 15: named queries and subscriptions become logged
              * records (issue 15): one record for each stored one */
        if (!(rc = module_schema(s, ZL_STORE_MOD_SUBS)))
            rc = zl_store_subs_upgrade(s);
        return rc ? rc : zl_subs_migrate(s);
    case 15: /* 15 -> 16: a sample's own size on SPC points (issue 13) */
        return module_schema(s, ZL_STORE_MOD_SPC);
    case 16: /* 16 -> 17: bizStep, disposition and locations as vocab
              * numbers (core; on SQLite the events table is rebuilt, so
              * the correction module's index on it is made again) */
        return module_schema(s, ZL_STORE_MOD_CORRECTION);
    case 17: /* 17 -> 18: the credit index (issue 12): sup_records.uscc
              * and the recall cases' "uscc:" identifiers, filled from
              * the records */
        rc = module_schema(s, ZL_STORE_MOD_SUPERVISE);
        return rc ? rc : zl_credit_index_build(s, NULL);
    case 18: /* 18 -> 19: risk cases and their disposal, logged key
              * retirements (issue 14): one record per key retired before */
        rc = module_schema(s, ZL_STORE_MOD_RISK);
        return rc ? rc : zl_risk_keys_migrate(s);
    case 19: /* 19 -> 20: the trace index refers to interned identifiers
              * and event numbers where the backend has them (issue 11):
              * rebuilt from the records */
        return audit_tix_build(s);
    case 20: /* 20 -> 21: a more compact layout on SQLite (issue 11,
              * docs/storage.md "Schema 21"; the backend's step alone,
              * none on PostgreSQL) */
        return 0;
    case 21: /* 21 -> 22: the sites index for a regulator's pages (core,
              * SQLite only: sqlite_query.c; PostgreSQL keeps the row
              * test) */
        return 0;
    case 22: /* 22 -> 23: verify checks the outbox against the log, from
              * the log's size at the upgrade (audit/outbox.c) */
        return audit_outbox_migrate(s);
    case 23: /* 23 -> 24: rule_gen, which a regulator's kept sites follow
              * (sqlite_query.c, "admitted sites"): the backend's triggers
              * on vocab and site_parties, the party module's on its
              * tables */
        return module_schema(s, ZL_STORE_MOD_PARTY);
    case 24: /* 24 -> 25: the webhook allowances as logged records
              * (query/subs_log.c): one record per setting made before */
        return zl_subs_settings_migrate(s, ZL_WEBHOOK_ALLOW_KEY);
    case 25: /* 25 -> 26: identifiers coded in SQLite's dictionary (issue
              * 11, docs/storage.md "Schema 26"; the backend's step alone,
              * none on PostgreSQL) */
        return 0;
    case 26: /* 26 -> 27: the trade index for an enterprise's pages (core,
              * SQLite only: sqlite_trade.c; PostgreSQL keeps the row
              * test) */
        return 0;
    case 27: /* 27 -> 28: the outbox watermark as a logged setting
              * (query/subs_log.c): its value, if the 22 -> 23 step set
              * one, logged */
        return zl_subs_settings_migrate(s, ZL_OUTBOX_CHECKED_FROM);
    case 28: /* 28 -> 29: capture writes the sites index's rows in C, the
              * INSERT trigger skipping while it does (core, SQLite only:
              * sqlite_sites.c) */
        return 0;
    case 29: /* 29 -> 30: the sites index on PostgreSQL (the backend's
              * step: pg_sites.c; none on SQLite, which has had it since
              * 22) and rule_gen's triggers on the party module's tables */
        return module_schema(s, ZL_STORE_MOD_PARTY);
    case 30: /* 30 -> 31: the trade index on PostgreSQL, for an
              * enterprise's pages (the backend's step: pg_trade.c; none
              * on SQLite, which has had it since 27) */
        return 0;
    case 31: /* 31 -> 32: the log's inner nodes kept at every 4th level on
              * SQLite (issue 11, docs/storage.md "Schema 32"; the
              * backend's step alone, none on PostgreSQL) */
        return 0;
    case 32: /* 32 -> 33: a slimmer occurrence table on SQLite (issue 11,
              * docs/storage.md "Schema 33": event_occ keyed by day,
              * quantities in event_qty; the backend's step alone, run
              * at the first step from 17 on; none on PostgreSQL) */
        return 0;
    case 33: /* 33 -> 34: events found by a prefix of the hash on SQLite
              * (issue 11, docs/storage.md "Schema 34"; the backend's step,
              * none on PostgreSQL; the events table is rebuilt, so the
              * correction module's index on it is made again) */
        return module_schema(s, ZL_STORE_MOD_CORRECTION);
    case 34: /* 34 -> 35: events' JSON frames stored bare on SQLite (issue
              * 11, docs/storage.md "Schema 35": no magic number, no
              * dictionary ID; rows written before are read as they are,
              * so nothing is rewritten; the number tells a build of 34,
              * which cannot read a bare frame, that the store is newer) */
        return 0;
    case 35: /* 35 -> 36: an event's log leaf names it by rid on SQLite
              * (issue 11, docs/storage.md "Schema 36"; the backend's
              * step alone, run at the first step from any version; none
              * on PostgreSQL) */
        return 0;
    case 36: /* 36 -> 37: the first page of EQ_transformationID from an
              * index in time order (issue 11, docs/scale.md "Every single
              * filter at 10M"; the backend's step alone: events_tid with
              * the event time) */
        return 0;
    case 37: /* 37 -> 38: events.ids names identifiers by number on SQLite
              * (issue 11, docs/storage.md "Schema 38"; the backend's step,
              * none on PostgreSQL; the events table is rebuilt, so the
              * correction module's index on it is made again) */
        return module_schema(s, ZL_STORE_MOD_CORRECTION);
    default: return ZL_EUNSUPPORTED;
    }
}

/* Check the recorded version; migrate an older store in one transaction. */
static int check_schema(zl_store *s, struct zl_error *err)
{
    int v = 0, from = 0, rc = zl_store_schema_version(s, &v);

    if (rc)
        return zl_error_set(err, rc, s->uri,
                            "cannot read the schema version (not a "
                            "zhiliang store?)",
                            zl_strerror(rc), (size_t)-1);
    if (v > ZL_STORE_SCHEMA_VERSION)
        return newer_store(s, v, err);
    if (v == ZL_STORE_SCHEMA_VERSION)
        return 0;
    if (s->be->migrating)
        s->be->migrating(s, 1);
    if ((rc = zl_store_begin(s)))
        goto out;
    /* Another process may have migrated it while we waited for the lock. */
    if ((rc = zl_store_schema_version(s, &v)))
        goto out;
    if (v > ZL_STORE_SCHEMA_VERSION) {
        zl_store_rollback(s);
        return newer_store(s, v, err);
    }
    from = v;
    while (v < ZL_STORE_SCHEMA_VERSION && !rc)
        if (!(rc = migrate_step(s, v)))
            v++;
    if (!rc && from != v)
        rc = set_version(s, v);
    if (!rc)
        rc = zl_store_commit(s);
out:
    if (rc)
        zl_store_rollback(s);
    if (s->be->migrating)
        s->be->migrating(s, 0);
    if (rc) {
        return zl_error_setf(err, rc, s->uri, zl_strerror(rc),
                             "cannot migrate the store from schema version "
                             "%d to %d (nothing was changed)",
                             from, ZL_STORE_SCHEMA_VERSION);
    }
    return 0;
}

/* ---- lifecycle ----------------------------------------------------------- */

int zl_store_open(const char *uri, enum zl_store_mode mode, zl_store **out,
                  struct zl_error *err)
{
    const struct zl_store_backend *be;
    const char *target = NULL;
    zl_store *s = NULL;
    int rc, is_new = 0;

    *out = NULL;
    if ((rc = pick_backend(uri, &be, &target, err)))
        return rc;
    s = zl_calloc(1, sizeof *s);
    if (!s)
        return ZL_ENOMEM;
    s->be = be;
    s->uri = zl_strdup(uri);
    if (!s->uri) {
        rc = ZL_ENOMEM;
        goto out;
    }
    if ((rc = be->open(s, target, mode, &is_new, err)))
        goto out;
    if (is_new && mode == ZL_STORE_EXISTING)
        rc = zl_error_set(err, ZL_ESTORE, uri,
                          "not a zhiliang store (no tables)", NULL, 0);
    else
        rc = is_new ? create_schema(s, err) : check_schema(s, err);
    if (rc)
        goto out;
    *out = s;
    s = NULL;
out:
    zl_store_close(s);
    return rc;
}

void zl_store_close(zl_store *s)
{
    if (!s)
        return;
    drop_module_states(s);
    s->be->close(s);
    zl_free(s->uri);
    zl_free(s);
}

int zl_store_remove(const char *uri)
{
    const struct zl_store_backend *be;
    const char *target = NULL;
    int rc = pick_backend(uri, &be, &target, NULL);

    return rc ? rc : be->remove(target);
}

const char *zl_store_backend_name(const zl_store *s)
{
    return s->be->name;
}

/* ---- transactions and snapshots ------------------------------------------ */

int zl_store_begin(zl_store *s)
{
    int rc = s->be->begin(s);

    if (!rc) {
        s->in_tx = 1;
        s->n_tx++;
    }
    return rc;
}

int zl_store_commit(zl_store *s)
{
    /* the trace index's rows for this transaction's events go first */
    int rc = zl_tix_flush(s);

    if (!rc)
        rc = s->be->commit(s);

    if (!rc)
        s->in_tx = 0;
    return rc;
}

int zl_store_rollback(zl_store *s)
{
    if (!s->in_tx)
        return 0;
    s->in_tx = 0;
    drop_module_states(s);
    return s->be->rollback(s);
}

int zl_store_bulk(zl_store *s)
{
    return s->be->bulk ? s->be->bulk(s) : 0;
}

int zl_store_in_tx(const zl_store *s)
{
    return s->in_tx;
}

uint64_t zl_store_tx_id(const zl_store *s)
{
    return s->in_tx ? s->n_tx : 0;
}

int zl_store_snapshot_begin(zl_store *s)
{
    if (s->in_tx)
        return ZL_EEXIST;
    return s->be->snapshot_begin(s);
}

int zl_store_snapshot_end(zl_store *s)
{
    return s->in_tx ? 0 : s->be->snapshot_end(s);
}

int zl_store_change_token(zl_store *s, uint64_t *token)
{
    return s->be->change_token(s, token);
}

int zl_store_exec_sql(zl_store *s, const char *sql)
{
    return s->be->exec_sql(s, sql);
}

/* ---- dispatchers --------------------------------------------------------- */

int zl_store_meta_get(zl_store *s, const char *key, char **value, size_t *len)
{
    return s->be->meta_get(s, key, value, len);
}

int zl_store_meta_set(zl_store *s, const char *key, const char *value,
                      size_t len)
{
    return s->be->meta_set(s, key, value, len);
}

int zl_store_meta_keys(zl_store *s, const char *prefix,
                       int (*cb)(void *ctx, const char *key), void *ctx)
{
    return s->be->meta_keys(s, prefix, cb, ctx);
}

int zl_store_event_put(zl_store *s, const struct zl_event *ev,
                       int64_t record_time_ms, const char *party)
{
    int rc = s->be->event_put(s, ev, record_time_ms, party);

    return rc ? rc : zl_tix_add(s, ev, record_time_ms);
}

int zl_store_event_get(zl_store *s, const uint8_t hash[32], zl_event_cb cb,
                       void *ctx)
{
    return s->be->event_get(s, hash, cb, ctx);
}

int zl_store_events_query(zl_store *s, const struct zl_event_filter *f,
                          zl_event_cb cb, void *ctx)
{
    return s->be->events_query(s, f, cb, ctx);
}

int zl_store_id_lookup(zl_store *s, const char *const *ids, size_t n,
                       zl_id_cb cb, void *ctx)
{
    return s->be->id_lookup(s, ids, n, cb, ctx);
}

int zl_store_id_event_hashes(zl_store *s, const char *id, zl_id_cb cb,
                             void *ctx)
{
    const char *ids[1] = {id};

    if (s->be->id_event_hashes)
        return s->be->id_event_hashes(s, id, cb, ctx);
    return s->be->id_lookup(s, ids, 1, cb, ctx);
}

int zl_store_event_ids(zl_store *s, const uint8_t (*hashes)[32], size_t n,
                       zl_id_roles roles, zl_id_cb cb, void *ctx)
{
    return s->be->event_ids(s, hashes, n, roles, cb, ctx);
}

int zl_store_event_refs(zl_store *s, const uint8_t hash[32], zl_ref_cb cb,
                        void *ctx)
{
    return s->be->event_refs(s, hash, cb, ctx);
}

int zl_store_events_by_transformation(zl_store *s, const char *tid,
                                      zl_event_cb cb, void *ctx)
{
    return s->be->events_by_transformation(s, tid, cb, ctx);
}

int zl_store_event_count(zl_store *s, int64_t *count)
{
    return s->be->event_count(s, count);
}

int zl_store_outbox_append(zl_store *s, const char *kind, const char *key,
                           int64_t created_ms)
{
    if (!s->in_tx || !kind || !key)
        return ZL_EINVAL;
    return s->be->outbox_append(s, kind, key, created_ms);
}

int zl_store_outbox_read(zl_store *s, uint64_t after_seq, size_t limit,
                         zl_outbox_cb cb, void *ctx)
{
    return s->be->outbox_read(s, after_seq, limit, cb, ctx);
}
