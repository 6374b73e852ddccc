/*
 * query.c - EPCIS 2.0 SimpleEventQuery parameters -> store filter, and the
 * EPCISQueryDocument the REST binding and `zhiliang events --json` print.
 *
 * A zl_query owns every string its filter points to (one list of
 * allocations freed together), so a filter can be handed to any store
 * backend unchanged. Output decoration (recordTime, eventID, EPC format)
 * happens here and not in the store, because it is presentation: the
 * store keeps each event exactly as captured.
 */
#include "zhiliang/query.h"

#include "party/party_int.h"
#include "store/store.h"
#include "store/store_correction.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/timefmt.h"
#include "zhiliang/gs1.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 256 /* values in one pipe-delimited parameter */
#define MAX_REFS   64  /* EQ_bizTransaction_/source_/destination_ */
#define MAX_OUTPUT ((size_t)1 << 30)

struct zl_query {
    struct zl_event_filter f;
    void **owned;
    size_t n_owned, cap_owned;
    struct zl_typed_ref refs[3][MAX_REFS];
    size_t n_refs[3];
    size_t per_page;
    size_t event_count_limit;
    size_t max_event_count;
    size_t max_bytes;               /* output cap, 0 = MAX_OUTPUT */
    const struct zl_viewer *viewer; /* read rule, or NULL: everything */
    int zone_min;                   /* for times given without offset */
};

static void *own(zl_query *q, void *p)
{
    if (!p)
        return NULL;
    if (q->n_owned == q->cap_owned) {
        size_t nc = q->cap_owned ? q->cap_owned * 2 : 32;
        void **n = zl_realloc(q->owned, nc * sizeof *n);

        if (!n) {
            zl_free(p);
            return NULL;
        }
        q->owned = n;
        q->cap_owned = nc;
    }
    q->owned[q->n_owned++] = p;
    return p;
}

int zl_query_new(zl_query **out)
{
    *out = zl_calloc(1, sizeof **out);
    if (!*out)
        return ZL_ENOMEM;
    (*out)->f.order_by = ZL_ORDER_EVENT_TIME;
    (*out)->zone_min = ZL_QUERY_DEFAULT_ZONE_MIN;
    return 0;
}

void zl_query_set_zone(zl_query *q, int zone_min)
{
    q->zone_min = zone_min;
}

void zl_query_free(zl_query *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n_owned; i++)
        zl_free(q->owned[i]);
    zl_free(q->owned);
    zl_free(q);
}

/* CBV short names become their 2.0 URIs; urn:epcglobal:cbv:<kind>:x the
 * same; any other URI (a user vocabulary) is kept as given. */
static char *cbv_uri(zl_query *q, const char *prefix, const char *urn_kind,
                     const char *v, size_t len)
{
    struct zl_buf b;
    size_t ul = strlen(urn_kind);

    zl_buf_init(&b, 4096);
    if (len > ul && !strncmp(v, urn_kind, ul)) {
        v += ul;
        len -= ul;
    } else if (memchr(v, ':', len)) {
        return own(q, zl_strndup(v, len));
    }
    if (zl_buf_adds(&b, prefix) || zl_buf_add(&b, v, len)) {
        zl_buf_cleanup(&b);
        return NULL;
    }
    return own(q, zl_buf_steal(&b));
}

/* A bizStep or disposition parameter: a CBV 2.0 value in any form (bare
 * word, web URI, urn:epcglobal:cbv) becomes its web URI from the table
 * (zhiliang/cbv.h), which is how capture stores it; anything else goes by
 * cbv_uri's rules. */
static char *cbv_value(zl_query *q, const struct zl_cbv_term *t,
                       const char *prefix, const char *urn_kind, const char *v,
                       size_t len)
{
    if (t && t->uri)
        return own(q, zl_strdup(t->uri));
    return cbv_uri(q, prefix, urn_kind, v, len);
}

enum vkind { V_TEXT, V_BIZSTEP, V_DISP, V_ID, V_PATTERN };

/* An identifier value or pattern as a canonical string; patterns keep a
 * trailing '*' that the store turns into a prefix range. An EPC pattern
 * URN (urn:epc:idpat:sgtin:C.I.*) becomes its class's Digital Link plus
 * the serial AI, which is exactly the prefix its instances share. */
static char *id_value(zl_query *q, const char *v, size_t len, int pattern,
                      struct zl_error *err, const char *name)
{
    char out[512];
    struct zl_gs1_id id;
    int n;

    if (pattern && len && v[len - 1] == '*') {
        if (len <= 14 || strncmp(v, "urn:epc:idpat:", 14))
            return own(q, zl_strndup(v, len));
        if (zl_gs1_parse(v, len, &id, err) != 0)
            goto bad;
        n = zl_gs1_to_dl(&id, 0, out, sizeof out - 8);
        if (n < 0)
            goto bad;
        if (id.scheme == ZL_GS1_GTIN || id.scheme == ZL_GS1_ITIP_CLASS) {
            memcpy(out + n, "/21/", 4);
            n += 4;
        }
        out[n++] = '*';
        return own(q, zl_strndup(out, (size_t)n));
    }
    n = zl_gs1_canonical(v, len, out, sizeof out, err);
    if (n >= 0)
        return own(q, zl_strndup(out, (size_t)n));
bad:
    zl_error_set(err, ZL_EINVAL, name, "not a valid identifier or pattern", v,
                 len);
    return NULL;
}

/* A value in the CBV's own namespace (a bare word, a ref.gs1.org/cbv URI
 * or an urn:epcglobal:cbv URN) that is no CBV 2.0 word would match
 * nothing, as capture would have refused it: refuse it here too, with the
 * nearest word. 0, or ZL_EINVAL with err set. */
static int cbv_known(int other, const char *near, const char *what,
                     const char *v, size_t len, struct zl_error *err,
                     const char *name)
{
    char rule[200];

    if (!other ||
        (memchr(v, ':', len) && strncmp(v, "https://ref.gs1.org/cbv/", 24) &&
         strncmp(v, "urn:epcglobal:cbv:", 18)))
        return 0;
    if (near)
        snprintf(rule, sizeof rule, "not a CBV 2.0 %s (did you mean '%s'?)",
                 what, near);
    else
        snprintf(rule, sizeof rule,
                 "not a CBV 2.0 %s (one of your own vocabulary is given "
                 "as its full URI)",
                 what);
    return zl_error_set(err, ZL_EINVAL, name, rule, v, len);
}

static char *convert(zl_query *q, enum vkind k, const char *v, size_t len,
                     struct zl_error *err, const char *name)
{
    switch (k) {
    case V_BIZSTEP: {
        enum zl_biz_step st = zl_biz_step_of(v, len);

        if (cbv_known(st == ZL_BIZ_STEP_OTHER, zl_biz_step_suggest(v, len),
                      "business step", v, len, err, name))
            return NULL;
        return cbv_value(q, zl_biz_step_term(st),
                         "https://ref.gs1.org/cbv/BizStep-",
                         "urn:epcglobal:cbv:bizstep:", v, len);
    }
    case V_DISP: {
        enum zl_disposition d = zl_disposition_of(v, len);

        if (cbv_known(d == ZL_DISP_OTHER, zl_disposition_suggest(v, len),
                      "disposition", v, len, err, name))
            return NULL;
        return cbv_value(q, zl_disposition_term(d),
                         "https://ref.gs1.org/cbv/Disp-",
                         "urn:epcglobal:cbv:disp:", v, len);
    }
    case V_ID: return id_value(q, v, len, 0, err, name);
    case V_PATTERN: return id_value(q, v, len, 1, err, name);
    case V_TEXT:
    default: return own(q, zl_strndup(v, len));
    }
}

/* Split a pipe-delimited value into a NULL-terminated array of converted
 * strings; appends to an existing list (a parameter given twice ANDs in
 * SQL terms would be wrong: EPCIS ORs values within one parameter). */
static int list_param(zl_query *q, const char ***list, enum vkind k,
                      const char *name, const char *value, struct zl_error *err)
{
    const char *items[MAX_VALUES];
    size_t n = 0, old = 0;
    const char *p = value;
    const char **arr;

    while (*list && (*list)[old])
        old++;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);

        if (!len)
            return zl_error_set(err, ZL_EINVAL, name, "empty value in list",
                                value, (size_t)-1);
        if (n + old >= MAX_VALUES - 1)
            return zl_error_setf(err, ZL_ELIMIT, name, NULL,
                                 "at most %d values", MAX_VALUES - 1);
        items[n] = convert(q, k, p, len, err, name);
        if (!items[n])
            return err && err->code ? err->code : ZL_ENOMEM;
        n++;
        if (!bar)
            break;
        p = bar + 1;
    }
    arr = own(q, zl_calloc(old + n + 1, sizeof *arr));
    if (!arr)
        return ZL_ENOMEM;
    for (size_t i = 0; i < old; i++)
        arr[i] = (*list)[i];
    for (size_t i = 0; i < n; i++)
        arr[old + i] = items[i];
    *list = arr;
    return 0;
}

static int time_param(const zl_query *q, const char *name, const char *v,
                      int64_t *out, struct zl_error *err)
{
    if (zl_time_parse_in_zone(v, strlen(v), q->zone_min, out))
        return zl_error_set(err, ZL_EINVAL, name,
                            "must be an ISO 8601 time (with an offset, or "
                            "read in the query's zone: 2026-03-02, "
                            "2026-03-02T08:30)",
                            v, (size_t)-1);
    if (!*out)
        *out = 1; /* 0 means "unset" in the filter; 1 ms after is the same */
    return 0;
}

/* A count: decimal digits only (no sign, space or exponent), 1 to
 * MAX_COUNT. Parsed by hand so that no value can wrap: "-1" and a
 * 40-digit number are refused, not read as huge or clamped. */
#define MAX_COUNT 100000000ULL
static int count_param(const char *name, const char *v, size_t *out,
                       struct zl_error *err)
{
    unsigned long long n = 0;
    const char *p;

    for (p = v; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (unsigned long long)(*p - '0');
        if (n > MAX_COUNT)
            return zl_error_setf(err, ZL_EINVAL, name, v,
                                 "must be an integer from 1 to %llu",
                                 MAX_COUNT);
    }
    if (p == v || *p || n == 0)
        return zl_error_setf(err, ZL_EINVAL, name, v,
                             "must be an integer from 1 to %llu", MAX_COUNT);
    *out = (size_t)n;
    return 0;
}

static int ref_param(zl_query *q, int kind, const char *type_prefix,
                     const char *type, const char *name, const char *value,
                     struct zl_error *err)
{
    const char *urn_kind =
        kind == 0 ? "urn:epcglobal:cbv:btt:" : "urn:epcglobal:cbv:sdt:";
    char *t = cbv_uri(q, type_prefix, urn_kind, type, strlen(type));
    const char *p = value;

    if (!t)
        return ZL_ENOMEM;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        struct zl_typed_ref *r;

        if (q->n_refs[kind] >= MAX_REFS)
            return zl_error_setf(err, ZL_ELIMIT, name, NULL,
                                 "at most %d values", MAX_REFS);
        r = &q->refs[kind][q->n_refs[kind]];
        r->type = t;
        r->value = kind == 0 ? own(q, zl_strndup(p, len))
                             : convert(q, V_ID, p, len, err, name);
        if (!r->value)
            return err && err->code ? err->code : ZL_ENOMEM;
        q->n_refs[kind]++;
        if (!bar)
            break;
        p = bar + 1;
    }
    q->f.biz_transactions = q->refs[0];
    q->f.n_biz_transactions = q->n_refs[0];
    q->f.sources = q->refs[1];
    q->f.n_sources = q->n_refs[1];
    q->f.destinations = q->refs[2];
    q->f.n_destinations = q->n_refs[2];
    return 0;
}

/* Event type or action names, '|'-separated, as bits 1 << enum value;
 * of gives the enum of a name or 0. */
static int bits_param(const char *name, const char *value,
                      int (*of)(const char *, size_t), unsigned *bits,
                      struct zl_error *err)
{
    const char *p = value;

    for (;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        int v = of(p, len);

        if (v > 0)
            *bits |= 1u << v;
        else
            return zl_error_set(err, ZL_EINVAL, name, "unknown value", p, len);
        if (!bar)
            return 0;
        p = bar + 1;
    }
}

static int token_param(zl_query *q, const char *v, struct zl_error *err)
{
    const char *dot = strchr(v, '.');
    char *end;
    long long t = strtoll(v, &end, 10);

    if (!dot || end != dot ||
        zl_hex_decode(dot + 1, strlen(dot + 1), q->f.after_hash, 32))
        return zl_error_set(err, ZL_EINVAL, "nextPageToken",
                            "not a token this server issued", v, (size_t)-1);
    q->f.has_after = 1;
    q->f.after_time = t;
    return 0;
}

static int type_of(const char *s, size_t n)
{
    return (int)zl_event_type_of(s, n);
}

static int action_of(const char *s, size_t n)
{
    return (int)zl_action_of(s, n);
}

struct list_spec {
    const char *name;
    size_t offset; /* of the const char ** field in zl_event_filter */
    enum vkind kind;
};

#define F(field) offsetof(struct zl_event_filter, field)
static const struct list_spec LISTS[] = {
    {"EQ_bizStep", F(biz_steps), V_BIZSTEP},
    {"EQ_disposition", F(dispositions), V_DISP},
    {"EQ_readPoint", F(read_points), V_ID},
    {"EQ_bizLocation", F(biz_locations), V_ID},
    {"EQ_eventID", F(event_ids), V_TEXT},
    {"EQ_transformationID", F(transformation_ids), V_TEXT},
    {"MATCH_epc", F(match_epc), V_PATTERN},
    {"MATCH_anyEPC", F(match_any_epc), V_PATTERN},
    {"MATCH_parentID", F(match_parent_id), V_PATTERN},
    {"MATCH_inputEPC", F(match_input_epc), V_PATTERN},
    {"MATCH_outputEPC", F(match_output_epc), V_PATTERN},
    {"MATCH_epcClass", F(match_epc_class), V_PATTERN},
    {"MATCH_inputEPCClass", F(match_input_epc_class), V_PATTERN},
    {"MATCH_outputEPCClass", F(match_output_epc_class), V_PATTERN},
    {"MATCH_anyEPCClass", F(match_any_epc_class), V_PATTERN},
};
#undef F

int zl_query_param(zl_query *q, const char *name, const char *value,
                   struct zl_error *err)
{
    struct zl_event_filter *f = &q->f;

    if (!value)
        value = "";
    for (size_t i = 0; i < sizeof LISTS / sizeof LISTS[0]; i++)
        if (!strcmp(name, LISTS[i].name))
            return list_param(q, (const char ***)((char *)f + LISTS[i].offset),
                              LISTS[i].kind, name, value, err);
    if (!strcmp(name, "eventType"))
        return bits_param(name, value, type_of, &f->event_types, err);
    if (!strcmp(name, "EQ_action"))
        return bits_param(name, value, action_of, &f->actions, err);
    if (!strcmp(name, "GE_eventTime"))
        return time_param(q, name, value, &f->ge_event_time, err);
    if (!strcmp(name, "LT_eventTime"))
        return time_param(q, name, value, &f->lt_event_time, err);
    if (!strcmp(name, "GE_recordTime"))
        return time_param(q, name, value, &f->ge_record_time, err);
    if (!strcmp(name, "LT_recordTime"))
        return time_param(q, name, value, &f->lt_record_time, err);
    if (!strncmp(name, "EQ_bizTransaction_", 18) && name[18])
        return ref_param(q, 0, "https://ref.gs1.org/cbv/BTT-", name + 18, name,
                         value, err);
    if (!strncmp(name, "EQ_source_", 10) && name[10])
        return ref_param(q, 1, "https://ref.gs1.org/cbv/SDT-", name + 10, name,
                         value, err);
    if (!strncmp(name, "EQ_destination_", 15) && name[15])
        return ref_param(q, 2, "https://ref.gs1.org/cbv/SDT-", name + 15, name,
                         value, err);
    if (!strcmp(name, "EXISTS_errorDeclaration")) {
        f->exists_error_declaration = 1;
        return 0;
    }
    if (!strcmp(name, "orderBy")) {
        if (!strcmp(value, "eventTime"))
            f->order_by = ZL_ORDER_EVENT_TIME;
        else if (!strcmp(value, "recordTime"))
            f->order_by = ZL_ORDER_RECORD_TIME;
        else
            return zl_error_set(err, ZL_EINVAL, name,
                                "must be eventTime or recordTime", value,
                                (size_t)-1);
        return 0;
    }
    if (!strcmp(name, "orderDirection")) {
        if (strcmp(value, "ASC") && strcmp(value, "DESC"))
            return zl_error_set(err, ZL_EINVAL, name, "must be ASC or DESC",
                                value, (size_t)-1);
        f->order_desc = !strcmp(value, "DESC");
        return 0;
    }
    if (!strcmp(name, "eventCountLimit"))
        return count_param(name, value, &q->event_count_limit, err);
    if (!strcmp(name, "maxEventCount"))
        return count_param(name, value, &q->max_event_count, err);
    if (!strcmp(name, "perPage"))
        return count_param(name, value, &q->per_page, err);
    if (!strcmp(name, "nextPageToken"))
        return token_param(q, value, err);
    return zl_error_set(err, ZL_EINVAL, name,
                        "unknown query parameter (QueryParameterException)",
                        value, (size_t)-1);
}

void zl_query_set_budget(zl_query *q, int64_t deadline_ms, size_t max_bytes,
                         int (*stop)(void *ctx), void *stop_ctx)
{
    q->f.deadline_ms = deadline_ms;
    q->f.stop = stop;
    q->f.stop_ctx = stop_ctx;
    q->max_bytes = max_bytes && max_bytes < MAX_OUTPUT ? max_bytes : 0;
}

void zl_query_set_viewer(zl_query *q, const struct zl_viewer *viewer)
{
    q->viewer = viewer;
}

/* 1 if the query's viewer may see ev, 0 if not, or a negative error. The
 * rule's own lookups run inside the scan, under the store's budget: when
 * the budget interrupts one of them, the answer is the budget's
 * (ZL_ETIMEOUT or the stop value), not a store error. */
static int viewer_sees(zl_store *s, const struct zl_viewer *v,
                       zl_viewer_memo *m, const struct zl_event_filter *f,
                       const struct zl_stored_event *ev)
{
    int rc = v ? zl_viewer_sees_stored_memo(s, v, m, ev) : 1, src;

    if (rc >= 0)
        return rc;
    if (f->deadline_ms && zl_time_now_ms() > f->deadline_ms)
        return ZL_ETIMEOUT;
    if (f->stop && (src = f->stop(f->stop_ctx)) != 0)
        return src;
    return rc;
}

/* ---- output ------------------------------------------------------------- */

static const char *const EPC_FIELDS[] = {"epcList", "childEPCs", "inputEPCList",
                                         "outputEPCList", NULL};
static const char *const QTY_FIELDS[] = {"quantityList", "childQuantityList",
                                         "inputQuantityList",
                                         "outputQuantityList", NULL};

static json_t *translate(const char *v, enum zl_epc_format fmt)
{
    struct zl_gs1_id id;
    char out[512];
    int n;

    if (zl_gs1_parse(v, strlen(v), &id, NULL))
        return NULL;
    n = fmt == ZL_EPC_URN ? zl_gs1_to_urn(&id, 0, out, sizeof out)
                          : zl_gs1_to_dl(&id, 0, out, sizeof out);
    return n < 0 ? NULL : json_stringn(out, (size_t)n);
}

static void translate_string(json_t *obj, const char *key,
                             enum zl_epc_format fmt)
{
    json_t *v = json_object_get(obj, key), *t;

    if (json_is_string(v) && (t = translate(json_string_value(v), fmt)))
        json_object_set_new(obj, key, t);
}

static void translate_ids(json_t *ev, enum zl_epc_format fmt)
{
    size_t i;
    json_t *v, *t;

    for (int k = 0; EPC_FIELDS[k]; k++) {
        json_t *arr = json_object_get(ev, EPC_FIELDS[k]);

        json_array_foreach(arr, i, v)
        {
            if (json_is_string(v) && (t = translate(json_string_value(v), fmt)))
                json_array_set_new(arr, i, t);
        }
    }
    for (int k = 0; QTY_FIELDS[k]; k++) {
        json_t *arr = json_object_get(ev, QTY_FIELDS[k]);

        json_array_foreach(arr, i, v) translate_string(v, "epcClass", fmt);
    }
    translate_string(ev, "parentID", fmt);
    translate_string(json_object_get(ev, "readPoint"), "id", fmt);
    translate_string(json_object_get(ev, "bizLocation"), "id", fmt);
}

/* The errorDeclaration of the first correction of an event. */
static int first_declaration(void *ctx, const struct zl_correction *c)
{
    json_t *cj = json_loadb(c->json, c->json_len, 0, NULL);
    json_t *ed = cj ? json_object_get(cj, "errorDeclaration") : NULL;

    if (ed)
        json_object_set(ctx, "errorDeclaration", ed);
    json_decref(cj);
    return 1;
}

/* The stored event plus recordTime and eventID, in the asked EPC format;
 * an event declared erroneous by a later correction carries that
 * correction's errorDeclaration. */
static json_t *decorate(zl_store *s, const struct zl_stored_event *ev,
                        enum zl_epc_format fmt)
{
    json_t *j = json_loadb(ev->json, ev->json_len, 0, NULL);
    char t[32], id[96];
    int rc;

    if (!j)
        return NULL;
    if (ev->has_error_declaration && !json_object_get(j, "errorDeclaration") &&
        (rc = zl_store_corrections_of(s, ev->hash, first_declaration, j)) < 0) {
        json_decref(j);
        return NULL;
    }
    zl_time_format_utc(ev->record_time_ms, t);
    json_object_set_new(j, "recordTime", json_string(t));
    if (!json_object_get(j, "eventID")) {
        zl_event_hash_id(ev->hash, id);
        json_object_set_new(j, "eventID", json_string(id));
    }
    if (fmt != ZL_EPC_AS_CAPTURED)
        translate_ids(j, fmt);
    return j;
}

struct each_ctx {
    enum zl_epc_format fmt;
    zl_query_event_cb cb;
    void *ctx;
    size_t seen, page;
    int64_t last_time;
    uint8_t last_hash[32];
    int order_record;
    struct zl_buf *out;              /* reused for spliced events */
    zl_store *s;                     /* for corrections of erroneous events */
    const struct zl_event_filter *f; /* for its budget */
    const struct zl_viewer *viewer;  /* read rule, or NULL */
    size_t limit; /* eventCountLimit over visible events, 0 = none */
    int at_limit; /* the scan stopped at limit */
};

/* The read rule as the store's row test (zl_event_filter.keep), so a row
 * the viewer may not see is refused before its JSON is read. */
struct rule_ctx {
    zl_store *s;
    const struct zl_viewer *viewer;
    zl_viewer_memo *memo; /* the rule's answers for this query */
    const struct zl_event_filter *f;
    size_t scanned; /* rows the rule looked at */
};

static int rule_keep(void *ctx, const struct zl_stored_event *ev)
{
    struct rule_ctx *c = ctx;
    int rc;

    /* the budget between rows: the rule's lookups are work */
    if (c->f->deadline_ms && zl_time_now_ms() > c->f->deadline_ms)
        return ZL_ETIMEOUT;
    if (c->f->stop && ++c->scanned % 64 == 0 &&
        (rc = c->f->stop(c->f->stop_ctx)))
        return rc;
    return viewer_sees(c->s, c->viewer, c->memo, c->f, ev);
}

/* The regulator's rule one field at a time (zl_event_filter.admits). */
static int rule_admits(void *ctx, char kind, const char *str)
{
    struct rule_ctx *c = ctx;

    return zl_viewer_region_admits(c->s, c->viewer, c->memo, kind, str);
}

/* An enterprise's rule one value at a time (zl_event_filter.admits with
 * admits_trade). */
static int rule_party_admits(void *ctx, char kind, const char *str)
{
    struct rule_ctx *c = ctx;

    return zl_viewer_party_admits(c->viewer, kind, str);
}

/* The index of the closing quote of the string whose contents start at
 * j[i], or n when it has none. Strings are most of an event's text:
 * memchr steps them. */
static size_t string_end(const char *j, size_t i, size_t n)
{
    const char *q;
    size_t k0 = i, bs;

    for (;;) {
        if (!(q = memchr(j + i, '"', n - i)))
            return n;
        i = (size_t)(q - j);
        for (bs = 0; i - bs > k0 && j[i - bs - 1] == '\\'; bs++)
            ;
        if (bs % 2 == 0)
            return i; /* not escaped */
        i++;
    }
}

/* Which of recordTime and eventID the object text j[0..n) has as
 * top-level keys. 0, or -1 when the text is not a plain object this
 * scanner is sure about (a top-level key with an escape, unbalanced
 * brackets...): then the caller parses it. */
static int top_keys(const char *j, size_t n, int *has_rt, int *has_id)
{
    size_t i = 0, depth = 0, k0;
    int want_key = 0;

    *has_rt = *has_id = 0;
    while (i < n &&
           (j[i] == ' ' || j[i] == '\n' || j[i] == '\t' || j[i] == '\r'))
        i++;
    if (i == n || j[i] != '{')
        return -1;
    for (; i < n; i++) {
        char c = j[i];
        if (c == '"') {
            k0 = i + 1;
            if ((i = string_end(j, k0, n)) >= n)
                return -1;
            if (depth == 1 && want_key) {
                size_t kl = i - k0;
                if (memchr(j + k0, '\\', kl))
                    return -1;
                if (kl == 10 && !memcmp(j + k0, "recordTime", 10))
                    *has_rt = 1;
                else if (kl == 7 && !memcmp(j + k0, "eventID", 7))
                    *has_id = 1;
            }
            want_key = 0;
        } else if (c == '{' || c == '[') {
            depth++;
            want_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return -1;
            if (--depth == 0) {
                for (i++; i < n; i++)
                    if (j[i] != ' ' && j[i] != '\n' && j[i] != '\t' &&
                        j[i] != '\r')
                        return -1;
                return 0;
            }
        } else if (c == ',' && depth == 1) {
            want_key = 1;
        }
    }
    return -1;
}

/* The stored text with recordTime (and eventID when it has none) added
 * before its closing brace: what decorate() + json_dumps give, without
 * parsing and re-serialising. 0, 1 when the event must go through
 * decorate() instead, or an error. */
static int splice(const struct zl_stored_event *ev, struct zl_buf *b)
{
    const char *j = ev->json;
    size_t n = ev->json_len, end, i;
    int has_rt, has_id, rc, empty = 1;
    char t[32], id[96];

    if (!j || top_keys(j, n, &has_rt, &has_id) || has_rt)
        return 1;
    for (end = n; end > 0 && j[end - 1] != '}'; end--)
        ;
    if (end == 0)
        return 1;
    end--; /* the closing brace */
    for (i = end; i > 0; i--) {
        char c = j[i - 1];
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
            empty = c == '{';
            break;
        }
    }
    zl_buf_reset(b);
    zl_time_format_utc(ev->record_time_ms, t);
    /* appends, not printf: two of them an event were 4% of a page */
    rc = zl_buf_add(b, j, end);
    if (!rc)
        rc = zl_buf_adds(b, empty ? "\"recordTime\":\"" : ",\"recordTime\":\"");
    if (!rc)
        rc = zl_buf_adds(b, t);
    if (!rc)
        rc = zl_buf_addc(b, '"');
    if (!rc && !has_id) {
        zl_event_hash_id(ev->hash, id);
        rc = zl_buf_adds(b, ",\"eventID\":\"");
        if (!rc)
            rc = zl_buf_adds(b, id);
        if (!rc)
            rc = zl_buf_addc(b, '"');
    }
    if (!rc)
        rc = zl_buf_addc(b, '}');
    return rc;
}

static int each_cb(void *vctx, const struct zl_stored_event *ev)
{
    struct each_ctx *c = vctx;
    json_t *j;
    char *s;
    int rc;

    /* the budget between rows too: decorating big events and the read
     * rule's lookups are work */
    if (c->f->deadline_ms && zl_time_now_ms() > c->f->deadline_ms)
        return ZL_ETIMEOUT;
    /* the read rule ran in the store's scan (rule_keep): every row here
     * is visible */
    if (c->viewer && c->limit && c->seen == c->limit) {
        c->at_limit = 1;
        return 1;
    }
    if (c->page && c->seen == c->page) {
        c->seen++; /* one more exists: there is a next page */
        return 1;
    }
    if (c->f->stop && c->seen % 64 == 0 && (rc = c->f->stop(c->f->stop_ctx)))
        return rc;
    if (c->fmt == ZL_EPC_AS_CAPTURED && c->out && !ev->has_error_declaration &&
        (rc = splice(ev, c->out)) <= 0) {
        if (rc)
            return rc;
        rc = c->cb(c->ctx, c->out->data, c->out->len);
        goto done;
    }
    j = decorate(c->s, ev, c->fmt);
    if (!j)
        return ZL_ESTORE;
    s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s)
        return ZL_ENOMEM;
    rc = c->cb(c->ctx, s, strlen(s));
    zl_free(s);
done:
    c->seen++;
    c->last_time = c->order_record ? ev->record_time_ms : ev->event_time_ms;
    memcpy(c->last_hash, ev->hash, 32);
    return rc;
}

struct count_ctx {
    size_t n, max;
};

static int count_cb(void *ctx, const struct zl_stored_event *ev)
{
    struct count_ctx *c = ctx;

    (void)ev;               /* visible: the rule ran in the scan (rule_keep) */
    return ++c->n > c->max; /* one past the maximum is enough to know */
}

int zl_query_each(zl_store *s, zl_query *q, enum zl_epc_format fmt,
                  zl_query_event_cb cb, void *ctx, char **next_token,
                  struct zl_error *err)
{
    struct zl_buf out;
    struct each_ctx c = {
        fmt,         cb, ctx,   0,
        q->per_page, 0,  {0},   q->f.order_by == ZL_ORDER_RECORD_TIME,
        &out,        s,  &q->f, NULL,
        0,           0};
    struct rule_ctx rule = {s, NULL, NULL, &q->f, 0};
    struct zl_event_filter f = q->f;
    char admits_key[16 + ZL_PARTY_ID_MAX];
    int rc;

    /* zl_buf_init allocates nothing: the early returns leak nothing. */
    zl_buf_init(&out, MAX_OUTPUT);
    if (next_token)
        *next_token = NULL;
    if (q->viewer && !zl_viewer_reads_events(q->viewer))
        return 0; /* no raw events for the public and operators */
    if (q->viewer && q->viewer->role != ZL_VIEW_LOCAL) {
        c.viewer = rule.viewer = q->viewer;
        if ((rc = zl_viewer_memo_get(s, q->viewer, &rule.memo)))
            return rc;
        f.keep = rule_keep;
        f.keep_ctx = &rule;
        if (q->viewer->role == ZL_VIEW_PARTY &&
            q->viewer->party.kind == ZL_PARTY_REGULATOR) {
            f.admits = rule_admits;
            f.admits_ctx = &rule;
            snprintf(admits_key, sizeof admits_key, "region %s",
                     q->viewer->party.region);
            f.admits_key = admits_key;
        } else if (zl_viewer_party_hints(q->viewer)) {
            f.admits = rule_party_admits;
            f.admits_ctx = &rule;
            f.admits_trade = 1;
            /* its answers depend on the party's GLNs, ID and USCC, all
             * in the tables rule_gen follows */
            snprintf(admits_key, sizeof admits_key, "party %s",
                     q->viewer->party.id);
            f.admits_key = admits_key;
        }
    }
    if (q->max_event_count) {
        struct count_ctx cc = {0, q->max_event_count};

        /* with a read rule the store counts every match: the rule stops
         * the scan once one visible event past the maximum is seen */
        f.limit = c.viewer ? 0 : q->max_event_count + 1;
        rc = zl_store_events_query(s, &f, count_cb, &cc);
        if (rc >= 0 && cc.n > q->max_event_count)
            rc = zl_error_setf(err, ZL_ELIMIT, "maxEventCount", NULL,
                               "the query matches more than %zu events"
                               " (QueryTooLargeException)",
                               q->max_event_count);
        if (rc < 0) {
            zl_viewer_memo_put(s, rule.memo);
            return rc;
        }
    }
    f.limit = q->event_count_limit;
    if (q->per_page && (!f.limit || q->per_page < f.limit))
        f.limit = q->per_page + 1;
    if (c.viewer) {
        /* invisible rows do not count: the limits apply in each_cb (the
         * store may size its first read to them) */
        c.limit = q->event_count_limit;
        f.expect = f.limit;
        f.limit = 0;
    }
    rc = zl_store_events_query(s, &f, each_cb, &c);
    zl_buf_cleanup(&out);
    zl_viewer_memo_put(s, rule.memo);
    if (rc == 1 && c.at_limit)
        rc = 0;
    if (rc == 1 && c.page && c.seen > c.page) {
        char buf[96], hex[65];

        zl_hex_encode(c.last_hash, 32, hex);
        snprintf(buf, sizeof buf, "%lld.%s", (long long)c.last_time, hex);
        if (next_token && !(*next_token = zl_strdup(buf)))
            return ZL_ENOMEM;
        rc = 0;
    }
    return rc;
}

struct doc_ctx {
    struct zl_buf *b;
    int first;
};

static int doc_cb(void *ctx, const char *json, size_t len)
{
    struct doc_ctx *d = ctx;
    int rc = 0;

    if (!d->first)
        rc = zl_buf_addc(d->b, ',');
    d->first = 0;
    return rc ? rc : zl_buf_add(d->b, json, len);
}

int zl_query_json(zl_store *s, zl_query *q, enum zl_epc_format fmt, char **json,
                  size_t *len, char **next_token, struct zl_error *err)
{
    struct zl_buf b;
    struct doc_ctx d = {&b, 1};
    char now[32];
    int rc;

    *json = NULL;
    zl_buf_init(&b, q->max_bytes ? q->max_bytes : MAX_OUTPUT);
    zl_time_format_utc(zl_time_now_ms(), now);
    rc = zl_buf_printf(&b,
                       "{\"@context\":[\"https://ref.gs1.org/standards/epcis/"
                       "2.0.0/epcis-context.jsonld\"],\"type\":"
                       "\"EPCISQueryDocument\",\"schemaVersion\":\"2.0\","
                       "\"creationDate\":\"%s\",\"epcisBody\":{"
                       "\"queryResults\":{\"queryName\":\"SimpleEventQuery\","
                       "\"resultsBody\":{\"eventList\":[",
                       now);
    if (!rc)
        rc = zl_query_each(s, q, fmt, doc_cb, &d, next_token, err);
    if (!rc)
        rc = zl_buf_adds(&b, "]}}}}");
    /* a limit with no error filled in (maxEventCount fills it) is the
     * output cap */
    if (rc == ZL_ELIMIT && (!err || err->code != ZL_ELIMIT))
        rc = zl_error_setf(err, ZL_ELIMIT, "perPage", NULL,
                           "the result is larger than %zu bytes "
                           "(QueryTooLargeException): ask for fewer "
                           "events per page",
                           q->max_bytes ? q->max_bytes : MAX_OUTPUT);
    if (rc) {
        zl_buf_cleanup(&b);
        return rc;
    }
    if (len)
        *len = b.len;
    *json = zl_buf_steal(&b);
    return *json ? 0 : ZL_ENOMEM;
}

static int summary_cb(void *ctx, const struct zl_correction *c)
{
    struct zl_correction_summary *cs = ctx;

    cs->n++;
    if (c->record_time_ms > cs->last_ms)
        cs->last_ms = c->record_time_ms;
    return 0;
}

int zl_query_corrections(zl_store *s, const char *id,
                         struct zl_correction_summary *out)
{
    memset(out, 0, sizeof *out);
    return zl_store_corrections_for_id(s, id, summary_cb, out);
}
