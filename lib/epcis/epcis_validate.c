/*
 * epcis_validate.c - validation of one EPCIS 2.0 event against the rules
 * of the GS1 EPCIS 2.0 JSON Schema, filling struct zl_event.
 *
 * What: required fields per event type, value types, enumerations and
 * allowed property names; identifiers are canonicalised through
 * zl_gs1_canonical() (via the cache of epcis_idcache.c), CBV terms become
 * web URIs. Every failure names path, rule and value (struct zl_error).
 *
 * Why this way: one static table, fields[], has a row per event property
 * (JSON key, kind, the event types that allow it and that require it,
 * vocabulary, where the value goes); ep_validate_event() checks the
 * allowed names from it and then walks it in order. What does not fit a
 * row (the time zone offset, certificationInfo, errorDeclaration,
 * persistentDisposition, the sensor list, ilmd, and the per-type anyOf
 * rules over several fields) is a small named function the table points
 * to. The row order is the order of the checks, which decides the error
 * reported when an event has several; messages and order are what the
 * tests and users see, so they are kept as they were.
 *
 * Rejected: a JSON Schema engine (it would report "anyOf failed" where a
 * user needs "epcList[3]: GTIN check digit"), and a table for the
 * sensorElementList levels too (three levels with their own name lists
 * and value kinds; a table per level read worse than the function).
 */
#include "epcis/epcis_int.h"

#include "util/timefmt.h"
#include "zhiliang/cbv.h"
#include "zhiliang/gs1.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- values ---- */
int ep_fail(struct ep_vctx *v, int code, const char *rule, json_t *val)
{
    char buf[256];
    const char *s = "";
    size_t n = 0;
    if (json_is_string(val)) {
        s = json_string_value(val);
        n = json_string_length(val);
    } else if (val) {
        char *d = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
        if (d) {
            snprintf(buf, sizeof buf, "%s", d);
            ep_jfree(d);
            s = buf;
            n = strlen(buf);
        }
    }
    return zl_error_set(v->err, code, v->path.s, rule, s, n);
}

int ep_fail_key(struct ep_vctx *v, const char *key, int code, const char *rule,
                json_t *val)
{
    size_t old = ep_path_key(&v->path, key);
    int r = ep_fail(v, code, rule, val);
    ep_path_pop(&v->path, old);
    return r;
}

static char *adup(struct ep_vctx *v, const char *s, size_t n)
{
    return ep_strndup(&v->doc->a, s, n);
}

/* RFC 3986 scheme ":" and no whitespace or controls: what JSON Schema's
 * "format": "uri" checks in practice. */
static int is_uri(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
        return 0;
    while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
                     (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
                     s[i] == '-' || s[i] == '.'))
        i++;
    if (i == n || s[i] != ':')
        return 0;
    for (; i < n; i++) {
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '"' ||
            s[i] == '<' || s[i] == '>' || s[i] == '\\' || s[i] == '^' ||
            s[i] == '`' || s[i] == '{' || s[i] == '|' || s[i] == '}')
            return 0;
        /* C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) are no IRI
         * characters (RFC 3987 ucschar starts at U+00A0); U+009B is a
         * terminal's CSI */
        if ((unsigned char)s[i] == 0xc2 && i + 1 < n &&
            (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f)
            return 0;
    }
    return 1;
}

static int want_uri(struct ep_vctx *v, json_t *j, const char **out)
{
    if (!json_is_string(j))
        return ep_fail(v, ZL_EINVAL, "must be a string (URI)", j);
    if (!is_uri(json_string_value(j), json_string_length(j)))
        return ep_fail(v, ZL_EINVAL, "must be an absolute URI", j);
    if (out && !(*out = adup(v, json_string_value(j), json_string_length(j))))
        return ZL_ENOMEM;
    return 0;
}

/* A URI naming a thing: GS1 keys in any syntax are checked and become
 * canonical Digital Link; private URIs pass unchanged. With dup non-NULL
 * (members of one identifier list), *dup = 1 when the same string was
 * already in the list (JSON Schema uniqueItems compares strings exactly). */
static int want_id_in(struct ep_vctx *v, json_t *j, const char **out, int *dup)
{
    struct zl_error gerr;
    struct ep_idc_slot *slot;
    const char *raw;
    size_t len;
    int r;

    if (!json_is_string(j))
        return ep_fail(v, ZL_EINVAL, "must be a string (URI)", j);
    raw = json_string_value(j);
    len = json_string_length(j);
    slot = ep_idc_find(v, raw, len);
    if (!slot)
        return ZL_ENOMEM;
    if (slot->raw) {
        if (dup) {
            *dup = slot->stamp == v->stamp;
            slot->stamp = v->stamp;
        }
        *out = slot->canon;
        return ep_id_remember(v, raw, *out);
    }
    if ((r = want_uri(v, j, NULL)) < 0)
        return r;
    if (len >= sizeof v->canon) {
        char rule[200];
        snprintf(rule, sizeof rule,
                 "identifier of %zu bytes is longer than the limit of %zu "
                 "bytes",
                 len, sizeof v->canon - 1);
        return ep_fail(v, ZL_EINVAL, rule, j);
    }
    memset(&gerr, 0, sizeof gerr);
    r = zl_gs1_canonical(raw, len, v->canon, sizeof v->canon, &gerr);
    if (r < 0) {
        char rule[300];
        snprintf(rule, sizeof rule, "invalid GS1 identifier: %.250s",
                 gerr.rule[0] ? gerr.rule : zl_strerror(r));
        return ep_fail(v,
                       r == ZL_ENOMEM
                           ? ZL_ENOMEM
                           : (r == ZL_ECHECK ? ZL_ECHECK : ZL_EINVAL),
                       rule, j);
    }
    if (v->idc_keep) {
        /* the tree goes with the event: the cache keeps copies (the
         * pre-hash still finds the event's own string by its address) */
        if (!(*out = ep_strndup(v->idc_keep, v->canon, (size_t)r)) ||
            !(slot->raw = ep_strndup(v->idc_keep, raw, len)))
            return ZL_ENOMEM;
    } else {
        if (!(*out = adup(v, v->canon, (size_t)r)))
            return ZL_ENOMEM;
        slot->raw = raw;
    }
    slot->len = len;
    slot->canon = *out;
    slot->stamp = dup ? v->stamp : 0;
    v->idc_n++;
    if (dup)
        *dup = 0;
    return ep_id_remember(v, raw, *out);
}

static int want_id(struct ep_vctx *v, json_t *j, const char **out)
{
    return want_id_in(v, j, out, NULL);
}

int ep_want_time(struct ep_vctx *v, json_t *j, int64_t *ms, int *off)
{
    int64_t m;
    int o;
    if (!json_is_string(j))
        return ep_fail(v, ZL_EINVAL, "must be a string (ISO 8601 date-time)",
                       j);
    if (zl_time_parse(json_string_value(j), json_string_length(j), &m, &o) < 0)
        return ep_fail(v, ZL_EINVAL,
                       "must be an ISO 8601 date-time with seconds and a time "
                       "zone (Z or +hh:mm)",
                       j);
    if (ms)
        *ms = m;
    if (off)
        *off = o;
    return 0;
}

/* A CBV vocabulary value: a bare term of the standard list or a URI that
 * is not in the old urn:epcglobal:cbv / ns.gs1.org namespaces. */
static int want_cbv(struct ep_vctx *v, json_t *j, enum ep_vocab voc,
                    const char *what, const char **out)
{
    const char *s;
    size_t n;
    char rule[160];
    if (!json_is_string(j))
        return ep_fail(v, ZL_EINVAL, "must be a string", j);
    s = json_string_value(j);
    n = json_string_length(j);
    if (!ep_vocab_has(voc, s, n)) {
        int old = (n >= 17 && !memcmp(s, "urn:epcglobal:cbv", 17)) ||
                  strstr(s, "://ns.gs1.org/cbv/") != NULL;
        int gs1voc =
            (voc == EP_VOC_MEASURE || voc == EP_VOC_ALERT) &&
            (strstr(s, "://gs1.org/voc/") || strstr(s, "://www.gs1.org/voc/"));
        if (!is_uri(s, n) || old || gs1voc) {
            snprintf(rule, sizeof rule,
                     "must be a CBV %s name or a URI of your own "
                     "(not an urn:epcglobal:cbv or gs1.org/voc URI)",
                     what);
            return ep_fail(v, ZL_EINVAL, rule, j);
        }
    }
    if (out && !(*out = ep_cbv_canonical(voc, s, n, &v->doc->a)))
        return ZL_ENOMEM;
    return 0;
}

static int want_number(struct ep_vctx *v, json_t *j, int nonneg, double *d)
{
    if (!json_is_number(j))
        return ep_fail(v, ZL_EINVAL, "must be a number", j);
    if (nonneg && json_number_value(j) < 0)
        return ep_fail(v, ZL_EINVAL, "must be a number >= 0", j);
    if (d)
        *d = json_number_value(j);
    return 0;
}

static int is_ext_key(const char *k)
{
    return strchr(k, ':') != NULL;
}

static int in_list(const char *k, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(k, *names))
            return 1;
    return 0;
}

/* Property names: listed ones or extension URIs/CURIEs ("ex:field"). */
int ep_check_names(struct ep_vctx *v, json_t *obj, const char *const *names,
                   int allow_ext, const char *what)
{
    const char *k;
    json_t *x;
    json_object_foreach(obj, k, x)
    {
        if (in_list(k, names) || (allow_ext && is_ext_key(k)))
            continue;
        {
            char rule[200];
            snprintf(rule, sizeof rule,
                     "unknown property for %s (extensions need a "
                     "namespace prefix such as \"ex:%s\")",
                     what, k);
            return ep_fail_key(v, k, ZL_EINVAL, rule, NULL);
        }
    }
    return 0;
}

static int want_uom(struct ep_vctx *v, json_t *j)
{
    const char *s;
    size_t n, i;
    if (!json_is_string(j))
        return ep_fail(v, ZL_EINVAL, "must be a string (UN/CEFACT unit code)",
                       j);
    s = json_string_value(j);
    n = json_string_length(j);
    if (n < 2 || n > 3)
        goto bad;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            goto bad;
    return 0;
bad:
    return ep_fail(v, ZL_EINVAL,
                   "must be a UN/CEFACT unit code (2-3 of A-Z0-9)", j);
}

static const char *const type_names[] = {NULL,
                                         "ObjectEvent",
                                         "AggregationEvent",
                                         "TransactionEvent",
                                         "TransformationEvent",
                                         "AssociationEvent"};

int ep_event_type_of(json_t *t)
{
    int i;
    if (!json_is_string(t))
        return 0;
    for (i = 1; i <= 5; i++)
        if (!strcmp(json_string_value(t), type_names[i]))
            return i;
    return 0;
}

/* sensorElementList (EPCIS 2.0 sec. 7.3.8): the one nested structure with
 * its own property lists per level, so it stays a function of its own. */
static int sensor_list(struct ep_vctx *v, json_t *arr, struct zl_event *e)
{
    static const char *const se_names[] = {"sensorMetadata", "sensorReport",
                                           NULL};
    static const char *const md_names[] = {
        "time",      "deviceID", "deviceMetadata",       "rawData",
        "startTime", "endTime",  "dataProcessingMethod", "bizRules",
        NULL};
    static const char *const md_uris[] = {"deviceID", "deviceMetadata",
                                          "rawData",  "dataProcessingMethod",
                                          "bizRules", NULL};
    static const char *const rp_names[] = {"type",
                                           "exception",
                                           "deviceID",
                                           "deviceMetadata",
                                           "rawData",
                                           "dataProcessingMethod",
                                           "time",
                                           "microorganism",
                                           "chemicalSubstance",
                                           "coordinateReferenceSystem",
                                           "value",
                                           "component",
                                           "stringValue",
                                           "booleanValue",
                                           "hexBinaryValue",
                                           "uriValue",
                                           "minValue",
                                           "maxValue",
                                           "meanValue",
                                           "sDev",
                                           "percRank",
                                           "percValue",
                                           "uom",
                                           NULL};
    static const char *const rp_uris[] = {"deviceID",
                                          "deviceMetadata",
                                          "rawData",
                                          "dataProcessingMethod",
                                          "microorganism",
                                          "chemicalSubstance",
                                          "coordinateReferenceSystem",
                                          "uriValue",
                                          NULL};
    static const char *const rp_nums[] = {"value",     "minValue", "maxValue",
                                          "meanValue", "sDev",     "percRank",
                                          "percValue", NULL};
    json_t *se;
    size_t i;
    int r = 0;
    (void)e;
    if (!json_is_array(arr)) {
        r = ep_fail(v, ZL_EINVAL, "must be an array of sensor elements", arr);
        goto out;
    }
    json_array_foreach(arr, i, se)
    {
        json_t *md, *reps, *rp, *x;
        const char *k;
        size_t o2 = ep_path_idx(&v->path, i), o3, j;
        if (!json_is_object(se)) {
            r = ep_fail(v, ZL_EINVAL, "must be an object", se);
            goto out;
        }
        if ((r = ep_check_names(v, se, se_names, 1, "a sensor element")) < 0)
            goto out;
        md = json_object_get(se, "sensorMetadata");
        if (md) {
            o3 = ep_path_key(&v->path, "sensorMetadata");
            if (!json_is_object(md)) {
                r = ep_fail(v, ZL_EINVAL, "must be an object", md);
                goto out;
            }
            if ((r = ep_check_names(v, md, md_names, 1, "sensorMetadata")) < 0)
                goto out;
            json_object_foreach(md, k, x)
            {
                size_t o4 = ep_path_key(&v->path, k);
                if (!strcmp(k, "time") || !strcmp(k, "startTime") ||
                    !strcmp(k, "endTime"))
                    r = ep_want_time(v, x, NULL, NULL);
                else if (in_list(k, md_uris))
                    r = want_uri(v, x, NULL);
                if (r < 0)
                    goto out;
                ep_path_pop(&v->path, o4);
            }
            ep_path_pop(&v->path, o3);
        }
        reps = json_object_get(se, "sensorReport");
        o3 = ep_path_key(&v->path, "sensorReport");
        if (!reps) {
            r = ep_fail(v, ZL_EINVAL, "required", NULL);
            goto out;
        }
        if (!json_is_array(reps) || json_array_size(reps) == 0) {
            r = ep_fail(v, ZL_EINVAL, "must be a non-empty array", reps);
            goto out;
        }
        json_array_foreach(reps, j, rp)
        {
            size_t o4 = ep_path_idx(&v->path, j);
            if (!json_is_object(rp)) {
                r = ep_fail(v, ZL_EINVAL, "must be an object", rp);
                goto out;
            }
            if (json_object_get(rp, "bizRules")) {
                /* GS1's JSON Schema lists it, the standard does not: EPCIS
                 * 2.0 sec. 7.3.8.3 puts bizRules in sensorMetadata only
                 * (and so does the CBV 2.0 hash order); epcis2.js
                 * refuses it too. */
                r = ep_fail_key(v, "bizRules", ZL_EINVAL,
                                "bizRules belongs in sensorMetadata, not in a "
                                "sensorReport (EPCIS 2.0 sec. 7.3.8.3)",
                                json_object_get(rp, "bizRules"));
                goto out;
            }
            if ((r = ep_check_names(v, rp, rp_names, 1, "sensorReport")) < 0)
                goto out;
            if (!json_object_get(rp, "type")) {
                r = ep_fail_key(v, "type", ZL_EINVAL,
                                "required (the measurement type of a "
                                "sensorReport)",
                                NULL);
                goto out;
            }
            json_object_foreach(rp, k, x)
            {
                size_t o5 = ep_path_key(&v->path, k);
                if (!strcmp(k, "type"))
                    r = want_cbv(v, x, EP_VOC_MEASURE, "measurement type",
                                 NULL);
                else if (!strcmp(k, "exception"))
                    r = want_cbv(v, x, EP_VOC_ALERT, "sensor alert type", NULL);
                else if (!strcmp(k, "component"))
                    r = want_cbv(v, x, EP_VOC_COMP, "component", NULL);
                else if (!strcmp(k, "time"))
                    r = ep_want_time(v, x, NULL, NULL);
                else if (in_list(k, rp_uris))
                    r = want_uri(v, x, NULL);
                else if (in_list(k, rp_nums))
                    r = want_number(v, x, 0, NULL);
                else if (!strcmp(k, "booleanValue") && !json_is_boolean(x))
                    r = ep_fail(v, ZL_EINVAL, "must be true or false", x);
                else if ((!strcmp(k, "stringValue") || !strcmp(k, "uom")) &&
                         !json_is_string(x))
                    r = ep_fail(v, ZL_EINVAL, "must be a string", x);
                else if (!strcmp(k, "hexBinaryValue")) {
                    const char *s = json_string_value(x);
                    size_t n = json_string_length(x), q;
                    if (!s || n == 0)
                        r = ep_fail(v, ZL_EINVAL, "must be hex digits", x);
                    for (q = 0; r == 0 && q < n; q++)
                        if (!((s[q] >= '0' && s[q] <= '9') ||
                              ((s[q] | 0x20) >= 'a' && (s[q] | 0x20) <= 'f')))
                            r = ep_fail(v, ZL_EINVAL, "must be hex digits", x);
                }
                if (r < 0)
                    goto out;
                ep_path_pop(&v->path, o5);
            }
            ep_path_pop(&v->path, o4);
        }
        ep_path_pop(&v->path, o3);
        ep_path_pop(&v->path, o2);
    }
out:
    return r;
}

/* ---- field checks ---- */
struct evbuild {
    struct zl_event *ev;
    size_t ids_cap;
    size_t count[ZL_ROLE_OUTPUT_QTY + 1]; /* list lengths by role */
};

/* One field of an event: how to check it and where its value goes. */
enum fkind {
    F_HEAD,     /* @context, type: checked before the loop */
    F_TIME,     /* date-time -> int64_t ms at out */
    F_URI,      /* absolute URI -> string at out */
    F_ID,       /* one identifier (canonical) with role */
    F_EPCS,     /* array of identifiers with role */
    F_QTYS,     /* array of quantity elements with role */
    F_CBV,      /* vocabulary term (canonical web URI) -> string at out */
    F_LOCATION, /* {"id": identifier} -> string at out */
    F_TYPED,    /* array of {type, <item>} -> zl_typed_ref at out, n_out */
    F_CHECK     /* a named function of its own (check) */
};

struct field {
    const char *key;
    enum fkind kind;
    unsigned allow;       /* event types (bit 1 << type) that may have it */
    unsigned require;     /* ... and that must */
    const char *missing;  /* rule when required and absent ("required") */
    size_t out;           /* offset of the value in struct zl_event */
    size_t n_out;         /* F_TYPED: offset of the count */
    enum zl_id_role role; /* F_ID, F_EPCS, F_QTYS */
    enum ep_vocab voc;    /* F_CBV, F_TYPED: vocabulary of the term */
    const char *what;     /* its name in messages */
    const char *item;     /* F_TYPED: the value's key */
    int item_is_id;       /* F_TYPED: the value is an identifier, not
                           * just a URI */
    int type_required;    /* F_TYPED: "type" must be given */
    int (*check)(struct ep_vctx *v, json_t *x, struct zl_event *e);
    void (*derive)(struct zl_event *e); /* after F_CBV: the enum */
};

/* Where field f puts its value in event e. */
#define FIELD(e, f) ((void *)((char *)(e) + (f)->out))

static int add_id(struct evbuild *b, const char *id, enum zl_id_role role,
                  int has_q, double q, const char *uom)
{
    struct zl_event_id *e;
    if (b->ev->n_ids >= b->ids_cap)
        return ZL_ENOMEM;
    e = &b->ev->ids[b->ev->n_ids++];
    e->id = id;
    e->role = role;
    e->has_quantity = has_q;
    e->quantity = q;
    e->uom = uom;
    return 0;
}

static int epc_list(struct ep_vctx *v, struct evbuild *b, json_t *arr,
                    enum zl_id_role role)
{
    json_t *x;
    size_t i;
    int r;
    if (!json_is_array(arr))
        return ep_fail(v, ZL_EINVAL, "must be an array of URIs", arr);
    v->stamp++; /* a new list: no entry of the cache is in it yet */
    json_array_foreach(arr, i, x)
    {
        const char *id;
        int dup;
        size_t o2 = ep_path_idx(&v->path, i);
        if ((r = want_id_in(v, x, &id, &dup)) < 0)
            return r;
        if (dup)
            return ep_fail(v, ZL_EINVAL,
                           "duplicate identifier in list "
                           "(uniqueItems)",
                           x);
        if ((r = add_id(b, id, role, 0, 0, NULL)) < 0)
            return r;
        ep_path_pop(&v->path, o2);
    }
    b->count[role] = json_array_size(arr);
    return 0;
}

static int qty_list(struct ep_vctx *v, struct evbuild *b, json_t *arr,
                    enum zl_id_role role)
{
    static const char *const names[] = {"epcClass", "quantity", "uom", NULL};
    json_t *x;
    size_t i;
    int r;
    if (!json_is_array(arr))
        return ep_fail(v, ZL_EINVAL, "must be an array of quantity elements",
                       arr);
    json_array_foreach(arr, i, x)
    {
        const char *id, *uom = NULL;
        double q = 0;
        json_t *jq, *ju;
        size_t o2 = ep_path_idx(&v->path, i), o3;
        if (!json_is_object(x))
            return ep_fail(v, ZL_EINVAL,
                           "must be an object {epcClass, quantity, uom}", x);
        if ((r = ep_check_names(v, x, names, 0, "a quantity element")) < 0)
            return r;
        if (!json_object_get(x, "epcClass"))
            return ep_fail_key(v, "epcClass", ZL_EINVAL, "required", NULL);
        o3 = ep_path_key(&v->path, "epcClass");
        if ((r = want_id(v, json_object_get(x, "epcClass"), &id)) < 0)
            return r;
        ep_path_pop(&v->path, o3);
        jq = json_object_get(x, "quantity");
        if (jq) {
            o3 = ep_path_key(&v->path, "quantity");
            if ((r = want_number(v, jq, 1, &q)) < 0)
                return r;
            ep_path_pop(&v->path, o3);
        }
        ju = json_object_get(x, "uom");
        if (ju) {
            o3 = ep_path_key(&v->path, "uom");
            if ((r = want_uom(v, ju)) < 0)
                return r;
            ep_path_pop(&v->path, o3);
            if (!(uom = adup(v, json_string_value(ju), json_string_length(ju))))
                return ZL_ENOMEM;
        }
        if ((r = add_id(b, id, role, jq != NULL, q, uom)) < 0)
            return r;
        ep_path_pop(&v->path, o2);
    }
    b->count[role] = json_array_size(arr);
    return 0;
}

static int typed_list(struct ep_vctx *v, const struct field *f, json_t *arr,
                      struct zl_event *e)
{
    const char *names[] = {"type", f->item, NULL};
    struct zl_typed_ref **out = FIELD(e, f);
    size_t *n_out = (size_t *)((char *)e + f->n_out);
    json_t *x;
    size_t i;
    int r;
    if (!json_is_array(arr))
        return ep_fail(v, ZL_EINVAL, "must be an array", arr);
    *out = ep_alloc(&v->doc->a, (json_array_size(arr) + 1) * sizeof **out);
    if (!*out)
        return ZL_ENOMEM;
    json_array_foreach(arr, i, x)
    {
        struct zl_typed_ref *t = &(*out)[i];
        json_t *jt, *jv;
        size_t o2 = ep_path_idx(&v->path, i), o3;
        t->type = NULL;
        if (!json_is_object(x))
            return ep_fail(v, ZL_EINVAL, "must be an object", x);
        if ((r = ep_check_names(v, x, names, 0, f->key)) < 0)
            return r;
        jt = json_object_get(x, "type");
        jv = json_object_get(x, f->item);
        if (!jt && f->type_required)
            return ep_fail_key(v, "type", ZL_EINVAL, "required", NULL);
        if (!jv)
            return ep_fail_key(v, f->item, ZL_EINVAL, "required", NULL);
        if (jt) {
            o3 = ep_path_key(&v->path, "type");
            if ((r = want_cbv(v, jt, f->voc, f->what, &t->type)) < 0)
                return r;
            ep_path_pop(&v->path, o3);
        }
        o3 = ep_path_key(&v->path, f->item);
        r = f->item_is_id ? want_id(v, jv, &t->value)
                          : want_uri(v, jv, &t->value);
        if (r < 0)
            return r;
        ep_path_pop(&v->path, o3);
        ep_path_pop(&v->path, o2);
    }
    *n_out = json_array_size(arr);
    return 0;
}

static int location(struct ep_vctx *v, json_t *o, const char **out)
{
    json_t *id;
    size_t o2;
    int r;
    if (!json_is_object(o))
        return ep_fail(v, ZL_EINVAL, "must be an object {\"id\": URI}", o);
    id = json_object_get(o, "id");
    if (!id)
        return ep_fail_key(v, "id", ZL_EINVAL, "required", NULL);
    o2 = ep_path_key(&v->path, "id");
    if ((r = want_id(v, id, out)) < 0)
        return r;
    ep_path_pop(&v->path, o2);
    return 0;
}

static int tz_offset(struct ep_vctx *v, json_t *x, struct zl_event *e)
{
    const char *s = json_string_value(x);
    int off;
    if (!s || json_string_length(x) != 6 ||
        zl_time_parse_offset(s, 6, &off) < 0 || off > 14 * 60 || off < -14 * 60)
        return ep_fail(v, ZL_EINVAL,
                       "must be +hh:mm or -hh:mm between -14:00 and +14:00", x);
    e->tz_offset_min = off;
    return 0;
}

/* One URI or an array of them; the first is kept. */
static int certification_info(struct ep_vctx *v, json_t *x, struct zl_event *e)
{
    json_t *c;
    size_t i;
    int r;
    if (!json_is_array(x))
        return want_uri(v, x, &e->certification_info);
    json_array_foreach(x, i, c)
    {
        size_t o2 = ep_path_idx(&v->path, i);
        if ((r = want_uri(v, c, i ? NULL : &e->certification_info)) < 0)
            return r;
        ep_path_pop(&v->path, o2);
    }
    return 0;
}

static int error_declaration(struct ep_vctx *v, json_t *x, struct zl_event *e)
{
    static const char *const ed_names[] = {"declarationTime", "reason",
                                           "correctiveEventIDs", NULL};
    json_t *y;
    size_t o2;
    int r;
    if (!json_is_object(x))
        return ep_fail(v, ZL_EINVAL, "must be an object", x);
    if ((r = ep_check_names(v, x, ed_names, 1, "errorDeclaration")) < 0)
        return r;
    y = json_object_get(x, "declarationTime");
    if (!y)
        return ep_fail_key(v, "declarationTime", ZL_EINVAL, "required", NULL);
    o2 = ep_path_key(&v->path, "declarationTime");
    if ((r = ep_want_time(v, y, NULL, NULL)) < 0)
        return r;
    ep_path_pop(&v->path, o2);
    y = json_object_get(x, "reason");
    if (y) {
        o2 = ep_path_key(&v->path, "reason");
        if ((r = want_cbv(v, y, EP_VOC_ER, "error reason",
                          &e->error_declaration_reason)) < 0)
            return r;
        ep_path_pop(&v->path, o2);
    }
    y = json_object_get(x, "correctiveEventIDs");
    if (y) {
        const char **ids;
        json_t *c;
        size_t i;
        o2 = ep_path_key(&v->path, "correctiveEventIDs");
        if (!json_is_array(y))
            return ep_fail(v, ZL_EINVAL, "must be an array of event IDs", y);
        ids = ep_alloc(&v->doc->a, (json_array_size(y) + 1) * sizeof *ids);
        if (!ids)
            return ZL_ENOMEM;
        json_array_foreach(y, i, c)
        {
            size_t o3 = ep_path_idx(&v->path, i);
            if ((r = want_uri(v, c, &ids[i])) < 0)
                return r;
            ep_path_pop(&v->path, o3);
        }
        ids[json_array_size(y)] = NULL;
        e->corrective_event_ids = ids;
        ep_path_pop(&v->path, o2);
    }
    e->has_error_declaration = 1;
    return 0;
}

static int action(struct ep_vctx *v, json_t *x, struct zl_event *e)
{
    const char *s = json_string_value(x);
    if (s && !strcmp(s, "ADD"))
        e->action = ZL_ACT_ADD;
    else if (s && !strcmp(s, "OBSERVE"))
        e->action = ZL_ACT_OBSERVE;
    else if (s && !strcmp(s, "DELETE"))
        e->action = ZL_ACT_DELETE;
    else
        return ep_fail(v, ZL_EINVAL, "must be ADD, OBSERVE or DELETE", x);
    return 0;
}

static int persistent_disposition(struct ep_vctx *v, json_t *x,
                                  struct zl_event *e)
{
    static const char *const pd_names[] = {"set", "unset", NULL};
    size_t kk;
    int r;
    (void)e;
    if (!json_is_object(x))
        return ep_fail(v, ZL_EINVAL, "must be an object {set, unset}", x);
    if ((r = ep_check_names(v, x, pd_names, 0, "persistentDisposition")) < 0)
        return r;
    if (!json_object_get(x, "set") && !json_object_get(x, "unset"))
        return ep_fail(v, ZL_EINVAL, "needs set or unset", x);
    for (kk = 0; kk < 2; kk++) {
        const char *key = kk ? "unset" : "set";
        json_t *l = json_object_get(x, key), *d;
        size_t o2, i;
        if (!l)
            continue;
        o2 = ep_path_key(&v->path, key);
        if (!json_is_array(l) || json_array_size(l) == 0)
            return ep_fail(v, ZL_EINVAL,
                           "must be a non-empty array of dispositions", l);
        json_array_foreach(l, i, d)
        {
            size_t o3 = ep_path_idx(&v->path, i);
            if ((r = want_cbv(v, d, EP_VOC_DISP, "disposition", NULL)) < 0)
                return r;
            ep_path_pop(&v->path, o3);
        }
        ep_path_pop(&v->path, o2);
    }
    return 0;
}

/* Instance/lot master data: extension properties only, and in an
 * ObjectEvent only with action ADD (after the action row). */
static int ilmd(struct ep_vctx *v, json_t *x, struct zl_event *e)
{
    const char *k;
    json_t *y;
    if (!json_is_object(x))
        return ep_fail(v, ZL_EINVAL, "must be an object", x);
    json_object_foreach(x, k, y)
    {
        if (!is_ext_key(k))
            return ep_fail_key(v, k, ZL_EINVAL,
                               "ilmd properties need a namespace prefix", NULL);
    }
    if (e->type == ZL_EV_OBJECT && e->action != ZL_ACT_ADD)
        return ep_fail(v, ZL_EINVAL, "ilmd is only allowed when action is ADD",
                       NULL);
    return 0;
}

static void derive_step(struct zl_event *e)
{
    e->step = zl_biz_step_of(e->biz_step, strlen(e->biz_step));
}

static void derive_disp(struct zl_event *e)
{
    e->disp = zl_disposition_of(e->disposition, strlen(e->disposition));
}

/* ---- the table ---- */
#define OBJ (1u << ZL_EV_OBJECT)
#define AGG (1u << ZL_EV_AGGREGATION)
#define TRX (1u << ZL_EV_TRANSACTION)
#define XFM (1u << ZL_EV_TRANSFORMATION)
#define ASC (1u << ZL_EV_ASSOCIATION)
#define ALL (OBJ | AGG | TRX | XFM | ASC)
#define ROW(k, kd, al, rq)                                                     \
    .key = (k), .kind = (kd), .allow = (al), .require = (rq)
#define AT(m) offsetof(struct zl_event, m)

/* Every property an event may have, in the order they are checked (which
 * decides the error reported when there are several: keep it). Allowed
 * and required sets follow the GS1 EPCIS 2.0 JSON Schema; an
 * AssociationEvent has an AggregationEvent's properties. The per-type
 * "anyOf" rules that involve several fields are type_rules() below. */
static const struct field fields[] = {
    {ROW("@context", F_HEAD, ALL, 0)},
    {ROW("type", F_HEAD, ALL, 0)},
    {ROW("eventTime", F_TIME, ALL, ALL), .out = AT(event_time_ms)},
    {ROW("eventTimeZoneOffset", F_CHECK, ALL, ALL), .check = tz_offset},
    {ROW("recordTime", F_TIME, ALL, 0), .out = AT(record_time_ms)},
    {ROW("eventID", F_URI, ALL, 0), .out = AT(declared_id)},
    {ROW("certificationInfo", F_CHECK, ALL, 0), .check = certification_info},
    {ROW("errorDeclaration", F_CHECK, ALL, 0), .check = error_declaration},
    {ROW("action", F_CHECK, ALL & ~XFM, ALL & ~XFM), .check = action},
    {ROW("parentID", F_ID, AGG | TRX | ASC, ASC),
     .missing = "required for an AssociationEvent", .role = ZL_ROLE_PARENT},
    {ROW("epcList", F_EPCS, OBJ | TRX, 0), .role = ZL_ROLE_EPC},
    {ROW("quantityList", F_QTYS, OBJ | TRX, 0), .role = ZL_ROLE_QTY},
    {ROW("childEPCs", F_EPCS, AGG | ASC, 0), .role = ZL_ROLE_CHILD},
    {ROW("childQuantityList", F_QTYS, AGG | ASC, 0), .role = ZL_ROLE_CHILD_QTY},
    {ROW("inputEPCList", F_EPCS, XFM, 0), .role = ZL_ROLE_INPUT},
    {ROW("inputQuantityList", F_QTYS, XFM, 0), .role = ZL_ROLE_INPUT_QTY},
    {ROW("outputEPCList", F_EPCS, XFM, 0), .role = ZL_ROLE_OUTPUT},
    {ROW("outputQuantityList", F_QTYS, XFM, 0), .role = ZL_ROLE_OUTPUT_QTY},
    {ROW("transformationID", F_URI, XFM, 0), .out = AT(transformation_id)},
    {ROW("bizStep", F_CBV, ALL, 0), .out = AT(biz_step), .voc = EP_VOC_BIZSTEP,
     .what = "business step", .derive = derive_step},
    {ROW("disposition", F_CBV, ALL, 0), .out = AT(disposition),
     .voc = EP_VOC_DISP, .what = "disposition", .derive = derive_disp},
    {ROW("persistentDisposition", F_CHECK, OBJ | XFM, 0),
     .check = persistent_disposition},
    {ROW("readPoint", F_LOCATION, ALL, 0), .out = AT(read_point)},
    {ROW("bizLocation", F_LOCATION, ALL, 0), .out = AT(biz_location)},
    {ROW("bizTransactionList", F_TYPED, ALL, 0), .out = AT(biz_transactions),
     .n_out = AT(n_biz_transactions), .item = "bizTransaction",
     .voc = EP_VOC_BTT, .what = "business transaction type"},
    {ROW("sourceList", F_TYPED, ALL, 0), .out = AT(sources),
     .n_out = AT(n_sources), .item = "source", .item_is_id = 1,
     .type_required = 1, .voc = EP_VOC_SDT, .what = "source/destination type"},
    {ROW("destinationList", F_TYPED, ALL, 0), .out = AT(destinations),
     .n_out = AT(n_destinations), .item = "destination", .item_is_id = 1,
     .type_required = 1, .voc = EP_VOC_SDT, .what = "source/destination type"},
    {ROW("sensorElementList", F_CHECK, ALL, 0), .check = sensor_list},
    {ROW("ilmd", F_CHECK, OBJ | XFM, 0), .check = ilmd},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static const struct field *field_of(const char *k)
{
    size_t i;
    for (i = 0; i < N_FIELDS; i++)
        if (fields[i].key[0] == k[0] && !strcmp(fields[i].key, k))
            return &fields[i];
    return NULL;
}

/* Check x, the value of field f (v->path names it), into e. */
static int apply(struct ep_vctx *v, const struct field *f, json_t *x,
                 struct zl_event *e, struct evbuild *b)
{
    const char *id;
    int r;

    switch (f->kind) {
    case F_HEAD: return 0;
    case F_TIME: return ep_want_time(v, x, FIELD(e, f), NULL);
    case F_URI: return want_uri(v, x, FIELD(e, f));
    case F_ID:
        if ((r = want_id(v, x, &id)) < 0)
            return r;
        return add_id(b, id, f->role, 0, 0, NULL);
    case F_EPCS: return epc_list(v, b, x, f->role);
    case F_QTYS: return qty_list(v, b, x, f->role);
    case F_CBV:
        if ((r = want_cbv(v, x, f->voc, f->what, FIELD(e, f))) < 0)
            return r;
        f->derive(e);
        return 0;
    case F_LOCATION: return location(v, x, FIELD(e, f));
    case F_TYPED: return typed_list(v, f, x, e);
    case F_CHECK: return f->check(v, x, e);
    }
    return ZL_EINVAL;
}

/* The event is an object with a known type and only the properties of
 * that type (or extensions). Sets e->type. */
static int event_head(struct ep_vctx *v, json_t *ev, struct zl_event *e)
{
    const struct field *f;
    const char *k;
    json_t *x;
    unsigned bit;
    int t;

    if (!json_is_object(ev))
        return ep_fail(v, ZL_EINVAL, "an event must be a JSON object", ev);
    x = json_object_get(ev, "type");
    if (!x)
        return ep_fail_key(v, "type", ZL_EINVAL, "required", NULL);
    t = ep_event_type_of(x);
    if (!t)
        return ep_fail_key(v, "type", ZL_EINVAL,
                           "must be ObjectEvent, AggregationEvent, "
                           "TransactionEvent, TransformationEvent or "
                           "AssociationEvent",
                           x);
    e->type = (enum zl_event_type)t;
    bit = 1u << t;
    json_object_foreach(ev, k, x)
    {
        char rule[200];
        if (((f = field_of(k)) && (f->allow & bit)) || is_ext_key(k))
            continue;
        snprintf(rule, sizeof rule,
                 "not a property of %s (extensions need a namespace prefix)",
                 type_names[t]);
        return ep_fail_key(v, k, ZL_EINVAL, rule, NULL);
    }
    return 0;
}

/* Room for every identifier the event can yield (the lists' lengths and a
 * parentID). */
static int alloc_ids(struct ep_vctx *v, json_t *ev, struct evbuild *b)
{
    size_t n_ids = 1, i;

    for (i = 0; i < N_FIELDS; i++) {
        json_t *l;
        if (fields[i].kind != F_EPCS && fields[i].kind != F_QTYS)
            continue;
        l = json_object_get(ev, fields[i].key);
        if (json_is_array(l))
            n_ids += json_array_size(l);
    }
    b->ids_cap = n_ids;
    b->ev->ids = ep_alloc(&v->doc->a, n_ids * sizeof *b->ev->ids);
    return b->ev->ids ? 0 : ZL_ENOMEM;
}

/* The schema's anyOf clauses per event type: which combinations of
 * identifiers an event needs. */
static int type_rules(struct ep_vctx *v, json_t *ev, const struct zl_event *e,
                      const struct evbuild *b)
{
    const size_t *n = b->count;

    switch (e->type) {
    case ZL_EV_OBJECT:
        if (!json_object_get(ev, "epcList") && n[ZL_ROLE_QTY] == 0 &&
            !(json_array_size(json_object_get(ev, "sensorElementList")) > 0 &&
              e->read_point))
            return ep_fail(v, ZL_EINVAL,
                           "an ObjectEvent needs epcList, a non-empty "
                           "quantityList, or sensorElementList with "
                           "readPoint",
                           NULL);
        break;
    case ZL_EV_AGGREGATION:
    case ZL_EV_ASSOCIATION:
        if (n[ZL_ROLE_CHILD] == 0 && n[ZL_ROLE_CHILD_QTY] == 0 &&
            e->action != ZL_ACT_DELETE)
            return ep_fail(v, ZL_EINVAL,
                           "needs non-empty childEPCs or childQuantityList "
                           "unless action is DELETE",
                           NULL);
        break;
    case ZL_EV_TRANSACTION:
        /* required, but checked here, after every field (the table's
         * require set would report it before a bad field further on) */
        if (!json_object_get(ev, "bizTransactionList"))
            return ep_fail_key(v, "bizTransactionList", ZL_EINVAL,
                               "required for a TransactionEvent", NULL);
        if (e->n_biz_transactions == 0)
            return ep_fail_key(v, "bizTransactionList", ZL_EINVAL,
                               "a TransactionEvent needs at least one "
                               "business transaction",
                               json_object_get(ev, "bizTransactionList"));
        if (!json_object_get(ev, "epcList") && n[ZL_ROLE_QTY] == 0 &&
            e->action != ZL_ACT_DELETE)
            return ep_fail(v, ZL_EINVAL,
                           "a TransactionEvent needs epcList or a non-empty "
                           "quantityList unless action is DELETE",
                           NULL);
        break;
    case ZL_EV_TRANSFORMATION: {
        int in = n[ZL_ROLE_INPUT] > 0 || n[ZL_ROLE_INPUT_QTY] > 0;
        int outp = n[ZL_ROLE_OUTPUT] > 0 || n[ZL_ROLE_OUTPUT_QTY] > 0;
        if (!(in && outp) && !(e->transformation_id && (in || outp)))
            return ep_fail(v, ZL_EINVAL,
                           "a TransformationEvent needs inputs and outputs, "
                           "or a transformationID with inputs or outputs",
                           NULL);
        break;
    }
    default: break;
    }
    return 0;
}

int ep_validate_event(struct ep_vctx *v, json_t *ev, struct zl_event *e)
{
    struct evbuild b;
    unsigned bit;
    size_t i;
    int r;

    if ((r = event_head(v, ev, e)) < 0)
        return r;
    memset(&b, 0, sizeof b);
    b.ev = e;
    if ((r = alloc_ids(v, ev, &b)) < 0)
        return r;
    bit = 1u << e->type;
    for (i = 0; i < N_FIELDS; i++) {
        const struct field *f = &fields[i];
        json_t *x;
        size_t old;
        if (f->kind == F_HEAD)
            continue;
        x = json_object_get(ev, f->key);
        if (!x) {
            if (f->require & bit)
                return ep_fail_key(v, f->key, ZL_EINVAL,
                                   f->missing ? f->missing : "required", NULL);
            continue;
        }
        old = ep_path_key(&v->path, f->key);
        if ((r = apply(v, f, x, e, &b)) < 0)
            return r;
        ep_path_pop(&v->path, old);
    }
    return type_rules(v, ev, e, &b);
}

/* ---- names ---- */
const char *zl_event_type_name(enum zl_event_type t)
{
    if ((int)t < 1 || (int)t > 5)
        return NULL;
    return type_names[t];
}

const char *zl_action_name(enum zl_action a)
{
    switch (a) {
    case ZL_ACT_ADD: return "ADD";
    case ZL_ACT_OBSERVE: return "OBSERVE";
    case ZL_ACT_DELETE: return "DELETE";
    default: return NULL;
    }
}

/* An event given without a document around it (alone, or in an array)
 * carries its own @context, by the rule a document follows (EPCIS 2.0
 * JSON-LD: the context says what the terms mean). */
int ep_bare_context(struct ep_vctx *v, json_t *ev)
{
    json_t *c;

    if (!json_is_object(ev))
        return 0; /* ep_validate_event says what it must be */
    c = json_object_get(ev, "@context");
    if (!c)
        return ep_fail_key(v, "@context", ZL_EINVAL,
                           "required (JSON-LD context of EPCIS 2.0): an event "
                           "sent without an EPCISDocument carries its own",
                           NULL);
    if (!json_is_string(c) && !json_is_array(c) && !json_is_object(c))
        return ep_fail_key(v, "@context", ZL_EINVAL,
                           "must be a URI, an object or an array", c);
    return 0;
}
