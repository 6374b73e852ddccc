/*
 * pg_docs.c - signed documents on PostgreSQL (see store_docs.h; the
 * SQLite twin is sqlite_docs.c).
 *
 * Tables and keys:
 *   signed_docs  primary key doc_hash (the document's SHA-256): each signed
 *                document once, byte for byte (bytea, not text: the bytes
 *                the signature covers, whatever their encoding), with its
 *                party and base64 signature.
 *   event_docs   primary key (event_hash, doc_hash): which document each
 *                event came in.
 * Both keys are hashes the application computes, so the tables can be
 * distributed as they are: event_docs by event_hash (co-located with
 * events), signed_docs by doc_hash. That is why an event's document is
 * read as a lookup by doc_hash fed by a lookup by event_hash, not as a
 * join: each part is routed to one shard.
 *
 * Both writes are idempotent as on SQLite (INSERT OR IGNORE there, ON
 * CONFLICT DO NOTHING here): capturing a document twice changes nothing.
 *
 * Rejected: one statement linking all of a document's events (unnest of
 * an array parameter). The module's interface links one event per call
 * (capture.c and reindex.c loop over the events), so batching would mean
 * a new operation in backend.h for both backends.
 */
#include "store/pg_int.h"

static const char DOCS_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS signed_docs("
    " doc_hash bytea PRIMARY KEY, party text NOT NULL,"
    " signature text NOT NULL, doc bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS event_docs("
    " event_hash bytea NOT NULL, doc_hash bytea NOT NULL,"
    " PRIMARY KEY(event_hash, doc_hash));";

static int docs_schema(zl_store *s)
{
    return zl_pg_exec(s, DOCS_SCHEMA);
}

/* SQLite's INSERT OR IGNORE also skips a row that would break NOT NULL;
 * the WHERE does the same here, where the violation would abort the
 * transaction instead. */
static int signed_doc_put(zl_store *s, const uint8_t doc_hash[32],
                          const char *party, const char *sig_b64,
                          const char *doc, size_t len)
{
    static const char SQL[] =
        "INSERT INTO signed_docs(doc_hash, party, signature, doc)"
        " SELECT $1::bytea, $2::text, $3::text, $4::bytea"
        " WHERE $2::text IS NOT NULL AND $3::text IS NOT NULL"
        " AND $4::bytea IS NOT NULL ON CONFLICT DO NOTHING";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_blob(&p, doc_hash, 32);
    zl_pg_text(&p, party);
    zl_pg_text(&p, sig_b64);
    zl_pg_blob(&p, doc, len);
    return zl_pg_do(s, SQL, &p, NULL);
}

static int event_doc_link(zl_store *s, const uint8_t event_hash[32],
                          const uint8_t doc_hash[32])
{
    static const char SQL[] = "INSERT INTO event_docs(event_hash, doc_hash)"
                              " VALUES($1, $2) ON CONFLICT DO NOTHING";
    struct zl_pg_params p;

    zl_pg_params_init(&p);
    zl_pg_blob(&p, event_hash, 32);
    zl_pg_blob(&p, doc_hash, 32);
    return zl_pg_do(s, SQL, &p, NULL);
}

/* The first linked document that is stored, in doc_hash order (the order
 * SQLite's join walks event_docs' key in). */
static int signed_doc_for_event(zl_store *s, const uint8_t event_hash[32],
                                zl_signed_doc_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT party, signature, doc FROM signed_docs"
        " WHERE doc_hash IN (SELECT doc_hash FROM event_docs"
        " WHERE event_hash = $1) ORDER BY doc_hash LIMIT 1";
    struct zl_pg_params p;
    PGresult *r;
    int rc;

    zl_pg_params_init(&p);
    zl_pg_blob(&p, event_hash, 32);
    if (!(r = zl_pg_run(s, SQL, &p, &rc)))
        return rc;
    if (PQntuples(r) != 1)
        rc = ZL_ENOTFOUND;
    else
        rc = cb(ctx, zl_pg_str(r, 0, 0), zl_pg_str(r, 0, 1),
                (const char *)zl_pg_bytes(r, 0, 2), zl_pg_len(r, 0, 2));
    PQclear(r);
    return rc;
}

const struct zl_store_docs_ops zl_pg_docs_ops = {
    .base = {.name = "docs", .schema = docs_schema},
    .signed_doc_put = signed_doc_put,
    .event_doc_link = event_doc_link,
    .signed_doc_for_event = signed_doc_for_event,
};
