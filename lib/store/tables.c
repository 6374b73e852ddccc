/*
 * tables.c - the description of every table of a store (tables.h): the
 * core tables of store_sqlite.c / store_pg.c and each module's
 * (sqlite_<module>.c and its PostgreSQL twin), with the primary key
 * columns first.
 *
 * Tags follow what the SQLite backend binds (meta.value, registry_records
 * .json and signed_docs.doc are blobs; events.json and recall_records.json
 * are text), so a store copied to PostgreSQL and back keeps every value's
 * storage class. events has no declared primary key on SQLite (a rowid
 * table with hash UNIQUE); hash is its key here, as on PostgreSQL.
 *
 * Rejected: reading the columns from the database at run time (PRAGMA
 * table_info, information_schema): the two catalogues differ, and a
 * description checked by a test says what the code expects instead of
 * copying whatever a damaged or foreign database happens to hold.
 */
#include "store/tables.h"

#include "store/backend.h"
#include "util/buf.h"

#include <string.h>

#define I    ZL_VALUE_INT
#define D    ZL_VALUE_DOUBLE
#define T    ZL_VALUE_TEXT
#define B    ZL_VALUE_BLOB
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct zl_store_column EVENTS[] = {
    {"hash", B},        {"declared_id", T},  {"type", I},
    {"action", I},      {"event_time", I},   {"tz", I},
    {"record_time", I}, {"biz_step", T},     {"disposition", T},
    {"read_point", T},  {"biz_location", T}, {"transformation_id", T},
    {"has_error", I},   {"party", T},        {"json", T},
    {"ids", B}};
static const struct zl_store_column EVENT_IDS[] = {
    {"id", T},     {"event_time", I},  {"hash", B}, {"role", I}, {"type", I},
    {"action", I}, {"record_time", I}, {"qty", D},  {"uom", T}};
static const struct zl_store_column EVENT_REFS[] = {
    {"hash", B}, {"kind", T}, {"type", T}, {"value", T}};
static const struct zl_store_column OUTBOX[] = {
    {"seq", I}, {"kind", T}, {"key", T}, {"created", I}};

static const struct zl_store_column PARTIES[] = {
    {"id", T},   {"name_zh", T},    {"name_en", T},    {"uscc", T},
    {"role", T}, {"address_zh", T}, {"address_en", T}, {"pubkey", T}};
static const struct zl_store_column PARTY_GLN[] = {
    {"gln", T}, {"party_id", T}, {"name_zh", T}, {"name_en", T}};
static const struct zl_store_column PRODUCTS[] = {
    {"gtin", T}, {"name_zh", T}, {"name_en", T}, {"brand", T}, {"brand_en", T}};
static const struct zl_store_column PRODUCT_FACTS[] = {
    {"gtin", T},    {"net_content", T}, {"standard", T},
    {"hotline", T}, {"approval", T},    {"shelf_life_days", I}};
static const struct zl_store_column TOKENS[] = {{"id", T},
                                                {"party_id", T},
                                                {"sha256", T},
                                                {"created_ms", I},
                                                {"revoked_ms", I}};
static const struct zl_store_column PARTY_PREFIXES[] = {{"prefix", T},
                                                        {"party_id", T}};
static const struct zl_store_column PARTY_KINDS[] = {
    {"party_id", T}, {"kind", I}, {"region", T}};
static const struct zl_store_column REGISTRY_RECORDS[] = {
    {"key", T}, {"seq", I}, {"kind", T}, {"json", B}};

static const struct zl_store_column RECALL_RECORDS[] = {
    {"case_id", T}, {"seq", I}, {"kind", T}, {"json", T}};
static const struct zl_store_column RECALL_CASES[] = {
    {"case_id", T},   {"status", T},    {"reason", T}, {"hazard", T},
    {"opened_ms", I}, {"closed_ms", I}, {"lots", T},   {"gtins", T}};
static const struct zl_store_column RECALL_IDS[] = {{"id", T}, {"case_id", T}};

static const struct zl_store_column SUP_RECORDS[] = {
    {"key", T}, {"seq", I}, {"kind", T}, {"leaf", I}, {"json", T}, {"uscc", T}};

static const struct zl_store_column CODE_LOOKUPS[] = {
    {"code", T}, {"n", I}, {"first_ms", I}, {"last_ms", I}};
/* live SPC streams (store_spc.h) */
static const struct zl_store_column SPC_RECORDS[] = {
    {"stream", T}, {"kind", T}, {"seq", I}, {"leaf", I}, {"json", T}};
static const struct zl_store_column SPC_POINTS[] = {
    {"stream", T}, {"seq", I},  {"t_ms", I},  {"value", D},
    {"code", T},   {"oper", T}, {"batch", I}, {"n", I}};
static const struct zl_store_column SPC_STATE[] = {
    {"stream", T},   {"n_values", I},  {"n_points", I},
    {"n_alarms", I}, {"n_batches", I}, {"state", T}};
static const struct zl_store_column RISK_REPORTS[] = {
    {"id", T},       {"kind", T},   {"received_ms", I}, {"leaf", I},
    {"day", T},      {"gtin", T},   {"lot", T},         {"enterprise", T},
    {"category", T}, {"region", T}, {"json", T}};
static const struct zl_store_column RISK_PII[] = {
    {"id", T}, {"salt", B}, {"nonce", B}, {"blob", B}, {"key_id", T}};
static const struct zl_store_column RISK_STEPS[] = {
    {"report_id", T}, {"seq", I},   {"at_ms", I}, {"leaf", I},
    {"action", T},    {"actor", T}, {"json", T}};
static const struct zl_store_column RISK_KEYS[] = {
    {"key_id", T}, {"created_ms", I}, {"retired_ms", I}, {"leaf", I}};
static const struct zl_store_column RISK_DISPO[] = {
    {"case_id", T}, {"seq", I},   {"at_ms", I}, {"leaf", I},
    {"action", T},  {"actor", T}, {"json", T}};

static const struct zl_store_column NAMED_QUERIES[] = {
    {"name", T}, {"owner", T}, {"query", T}, {"created", I}};
static const struct zl_store_column SUBSCRIPTIONS[] = {
    {"id", T},      {"query_name", T}, {"owner", T},      {"dest", T},
    {"secret", T},  {"spec", T},       {"created", I},    {"cursor", I},
    {"pending", I}, {"notified", I},   {"last_error", T}, {"error_at", I}};
static const struct zl_store_column SUBS_RECORDS[] = {
    {"seq", I}, {"entity", T}, {"leaf", I}, {"json", T}};
static const struct zl_store_column SIGNED_DOCS[] = {
    {"doc_hash", B}, {"party", T}, {"signature", T}, {"doc", B}};
static const struct zl_store_column EVENT_DOCS[] = {{"event_hash", B},
                                                    {"doc_hash", B}};
static const struct zl_store_column CORRECTIONS[] = {
    {"key", T},   {"target", B}, {"record_time", I},
    {"party", T}, {"reason", T}, {"json", T}};
static const struct zl_store_column RECEIPTS[] = {
    {"key", T},   {"grp", I}, {"kind", I},  {"record_time", I},
    {"party", T}, {"doc", B}, {"events", B}};

static const struct zl_store_column LOG_LEAF[] = {
    {"idx", I}, {"type", I}, {"key_hash", I}, {"record_key", T}, {"hash", B}};
static const struct zl_store_column LOG_NODE[] = {
    {"level", I}, {"idx", I}, {"hash", B}};
static const struct zl_store_column LOG_CHECKPOINT[] = {
    {"size", I}, {"root", B}, {"note", T}, {"issued_ms", I}};

static const struct zl_store_column TRACE_KEYS[] = {
    {"kid", I}, {"h", I}, {"key", T}};
static const struct zl_store_column TRACE_EVENTS[] = {{"eid", I}, {"rec", B}};
static const struct zl_store_column TRACE_ADJ[] = {{"id", I}, {"rows", B}};

static const struct zl_store_column META[] = {{"key", T}, {"value", B}};

#define TABLE(name, module, cols, n_key)                                       \
    {                                                                          \
        name, module, cols, N(cols), n_key                                     \
    }
#define CORE ZL_STORE_TABLE_CORE

const struct zl_store_table zl_store_tables[] = {
    TABLE("events", CORE, EVENTS, 1),
    TABLE("event_ids", CORE, EVENT_IDS, 4),
    TABLE("event_refs", CORE, EVENT_REFS, 4),
    TABLE("outbox", CORE, OUTBOX, 1),
    TABLE("parties", ZL_STORE_MOD_PARTY, PARTIES, 1),
    TABLE("party_gln", ZL_STORE_MOD_PARTY, PARTY_GLN, 1),
    TABLE("products", ZL_STORE_MOD_PARTY, PRODUCTS, 1),
    TABLE("product_facts", ZL_STORE_MOD_PARTY, PRODUCT_FACTS, 1),
    TABLE("tokens", ZL_STORE_MOD_PARTY, TOKENS, 1),
    TABLE("party_prefixes", ZL_STORE_MOD_PARTY, PARTY_PREFIXES, 1),
    TABLE("party_kinds", ZL_STORE_MOD_PARTY, PARTY_KINDS, 1),
    TABLE("registry_records", ZL_STORE_MOD_PARTY, REGISTRY_RECORDS, 2),
    TABLE("recall_records", ZL_STORE_MOD_RECALL, RECALL_RECORDS, 2),
    TABLE("recall_cases", ZL_STORE_MOD_RECALL, RECALL_CASES, 1),
    TABLE("recall_ids", ZL_STORE_MOD_RECALL, RECALL_IDS, 2),
    TABLE("sup_records", ZL_STORE_MOD_SUPERVISE, SUP_RECORDS, 2),
    TABLE("code_lookups", ZL_STORE_MOD_LOOKUPS, CODE_LOOKUPS, 1),
    TABLE("spc_records", ZL_STORE_MOD_SPC, SPC_RECORDS, 3),
    TABLE("spc_points", ZL_STORE_MOD_SPC, SPC_POINTS, 2),
    TABLE("spc_state", ZL_STORE_MOD_SPC, SPC_STATE, 1),
    TABLE("risk_reports", ZL_STORE_MOD_RISK, RISK_REPORTS, 1),
    TABLE("risk_pii", ZL_STORE_MOD_RISK, RISK_PII, 1),
    TABLE("risk_steps", ZL_STORE_MOD_RISK, RISK_STEPS, 2),
    TABLE("risk_keys", ZL_STORE_MOD_RISK, RISK_KEYS, 1),
    TABLE("risk_dispo", ZL_STORE_MOD_RISK, RISK_DISPO, 2),
    TABLE("named_queries", ZL_STORE_MOD_SUBS, NAMED_QUERIES, 1),
    TABLE("subscriptions", ZL_STORE_MOD_SUBS, SUBSCRIPTIONS, 1),
    TABLE("subs_records", ZL_STORE_MOD_SUBS, SUBS_RECORDS, 1),
    TABLE("signed_docs", ZL_STORE_MOD_DOCS, SIGNED_DOCS, 1),
    TABLE("event_docs", ZL_STORE_MOD_DOCS, EVENT_DOCS, 2),
    TABLE("corrections", ZL_STORE_MOD_CORRECTION, CORRECTIONS, 1),
    TABLE("receipts", ZL_STORE_MOD_RECEIPT, RECEIPTS, 2),
    TABLE("log_leaf", ZL_STORE_MOD_LOG, LOG_LEAF, 1),
    TABLE("log_node", ZL_STORE_MOD_LOG, LOG_NODE, 2),
    TABLE("log_checkpoint", ZL_STORE_MOD_LOG, LOG_CHECKPOINT, 1),
    TABLE("trace_keys", ZL_STORE_MOD_TIX, TRACE_KEYS, 1),
    TABLE("trace_events", ZL_STORE_MOD_TIX, TRACE_EVENTS, 1),
    TABLE("trace_adj", ZL_STORE_MOD_TIX, TRACE_ADJ, 1),
    TABLE("meta", CORE, META, 1),
};

const size_t zl_store_n_tables = N(zl_store_tables);

const struct zl_store_table *zl_store_table_find(const char *name)
{
    for (size_t i = 0; i < zl_store_n_tables; i++)
        if (!strcmp(zl_store_tables[i].name, name))
            return &zl_store_tables[i];
    return NULL;
}

/* ---- the SQL text of the row operations ---------------------------------- */

int zl_store_sql_ident(struct zl_buf *b, const char *name)
{
    return zl_buf_addc(b, '"') || zl_buf_adds(b, name) || zl_buf_addc(b, '"')
               ? ZL_ENOMEM
               : 0;
}

int zl_store_sql_limit(struct zl_buf *b, size_t limit)
{
    return limit ? zl_buf_printf(b, " LIMIT %llu",
                                 (unsigned long long)(limit > INT64_MAX
                                                          ? INT64_MAX
                                                          : limit))
                 : 0;
}

int zl_store_sql_cols(struct zl_buf *b, const struct zl_store_table *t,
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((i && zl_buf_adds(b, ", ")) ||
            zl_store_sql_ident(b, t->cols[i].name))
            return ZL_ENOMEM;
    return 0;
}

/* (?first, ?first+1, ...) for n parameters. */
static int sql_params(struct zl_buf *b, char mark, size_t first, size_t n)
{
    int rc = zl_buf_addc(b, '(');

    for (size_t i = 0; i < n && !rc; i++)
        rc = zl_buf_printf(b, "%s%c%zu", i ? ", " : "", mark, first + i);
    return rc || zl_buf_addc(b, ')') ? ZL_ENOMEM : 0;
}

int zl_store_sql_select(struct zl_buf *b, const struct zl_store_table *t,
                        int after, size_t limit, char mark)
{
    return zl_buf_adds(b, "SELECT ") || zl_store_sql_cols(b, t, t->n_cols) ||
                   zl_buf_adds(b, " FROM ") || zl_store_sql_ident(b, t->name) ||
                   (after && (zl_buf_adds(b, " WHERE (") ||
                              zl_store_sql_cols(b, t, t->n_key) ||
                              zl_buf_adds(b, ") > ") ||
                              sql_params(b, mark, 1, t->n_key))) ||
                   zl_buf_adds(b, " ORDER BY ") ||
                   zl_store_sql_cols(b, t, t->n_key) ||
                   zl_store_sql_limit(b, limit)
               ? ZL_ENOMEM
               : 0;
}

int zl_store_sql_insert(struct zl_buf *b, const struct zl_store_table *t,
                        size_t rows, char mark)
{
    if (zl_buf_adds(b, "INSERT INTO ") || zl_store_sql_ident(b, t->name) ||
        zl_buf_addc(b, '(') || zl_store_sql_cols(b, t, t->n_cols) ||
        zl_buf_adds(b, ") VALUES "))
        return ZL_ENOMEM;
    for (size_t i = 0; i < rows; i++)
        if ((i && zl_buf_adds(b, ", ")) ||
            sql_params(b, mark, i * t->n_cols + 1, t->n_cols))
            return ZL_ENOMEM;
    return zl_buf_adds(b, " ON CONFLICT DO NOTHING") ? ZL_ENOMEM : 0;
}

int zl_store_sql_delete(struct zl_buf *b, const struct zl_store_table *t,
                        char mark)
{
    return zl_buf_adds(b, "DELETE FROM ") || zl_store_sql_ident(b, t->name) ||
                   zl_buf_adds(b, " WHERE (") ||
                   zl_store_sql_cols(b, t, t->n_key) ||
                   zl_buf_adds(b, ") = ") || sql_params(b, mark, 1, t->n_key)
               ? ZL_ENOMEM
               : 0;
}
