/*
 * recall_json.c - recalls as JSON: the whole scope for `recall scope
 * --json` (zl_recall_scope_json), the part a case's "open" record embeds
 * (zl_recall_scope_record, recall_int.h), and a case's status for `recall
 * status --json` and GET /api/recalls/{id} (zl_recall_status_json; the
 * CLI and the server each had a copy of it).
 *
 * JSON is made here and nowhere else in the recall code: scope.c and
 * case.c build typed models and this file walks them with jansson, keys
 * sorted, so the output does not depend on the order a model was built
 * in. Quantities are integers when whole (so 24 prints as 24, not 24.0);
 * a ratio with nothing to divide by is null.
 */
#include "zhiliang/recall.h"

#include "recall/recall_int.h"
#include "util/buf.h"

#include <jansson.h>
#include <math.h>

/* A quantity for JSON: an integer when whole. */
static json_t *num(double v)
{
    if (v >= -9e15 && v <= 9e15 && v == (double)(long long)v)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return zl_buf_add(data, buf, size) ? -1 : 0;
}

/* See recall_int.h. */
json_t *zl_recall_strings_json(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n && a; i++)
        if (json_array_append_new(a, json_string(v[i]))) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

/* o[k] = v (taken) when v is non-NULL; 1 on failure. */
static int set_opt(json_t *o, const char *k, const char *v)
{
    return v && json_object_set_new(o, k, json_string(v)) ? 1 : 0;
}

static json_t *summary_json(const struct zl_recall_summary *s)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "items",
                     (json_int_t)s->items, "lots", (json_int_t)s->lots,
                     "classes", (json_int_t)s->classes, "containers",
                     (json_int_t)s->containers, "assets", (json_int_t)s->assets,
                     "itemsAtConsumers", (json_int_t)s->items_at_consumers,
                     "events", (json_int_t)s->events);
}

static json_t *custodians_json(const zl_recall_scope *sc)
{
    json_t *arr = json_array();
    int bad = !arr;

    for (size_t i = 0; i < sc->n_custodians && !bad; i++) {
        const struct zl_recall_custodian *cu = &sc->custodians[i];
        json_t *hs = json_array(), *o = json_object();

        bad = json_array_append_new(arr, o) || !hs ||
              json_object_set(o, "holdings", hs) ||
              set_opt(o, "party", cu->party) || set_opt(o, "name", cu->name) ||
              set_opt(o, "nameEn", cu->name_en) || set_opt(o, "gln", cu->gln) ||
              set_opt(o, "address", cu->address);
        json_decref(hs); /* o holds it (or nothing does) */
        for (size_t k = 0; k < cu->n_holdings && !bad; k++)
            bad = json_array_append_new(
                hs, json_pack("{s:s,s:o,s:o}", "uom", cu->holdings[k].uom,
                              "held", num(cu->holdings[k].held), "sold",
                              num(cu->holdings[k].sold)));
    }
    if (bad) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *nodes_json(const zl_recall_scope *sc)
{
    json_t *arr = json_array();
    int bad = !arr;

    for (size_t i = 0; i < sc->n_nodes && !bad; i++) {
        const struct zl_recall_node *n = &sc->nodes[i];
        json_t *o = json_pack("{s:s,s:s,s:i,s:b,s:b}", "id", n->id, "kind",
                              n->kind, "depth", n->depth, "reachedConsumer",
                              n->reached_consumer, "terminal", n->terminal);

        bad = !o || json_array_append_new(arr, o) ||
              set_opt(o, "tlc", n->tlc) || set_opt(o, "gtin", n->gtin) ||
              set_opt(o, "custodian", n->custodian) ||
              set_opt(o, "location", n->location) ||
              set_opt(o, "custodianName", n->custodian_name) ||
              set_opt(o, "locationDescription", n->location_description) ||
              set_opt(o, "lastEventTime", n->last_event_time);
        if (!bad && n->has_quantity)
            bad = json_object_set_new(o, "quantity", num(n->quantity)) ||
                  set_opt(o, "uom", n->uom);
    }
    if (bad) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* o[k] = v, taking v even on failure (json_pack would leak the values
 * after a NULL one); 1 on failure (v NULL included). */
static int put(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v) ? 1 : 0;
}

/* See recall_int.h. */
json_t *zl_recall_scope_record(const zl_recall_scope *sc)
{
    json_t *o = json_object();
    int bad = put(o, "summary", summary_json(&sc->summary)) |
              put(o, "custodians", custodians_json(sc)) |
              put(o, "ids", zl_recall_strings_json(sc->ids, sc->n_ids)) |
              put(o, "gtins", zl_recall_strings_json(sc->gtins, sc->n_gtins));

    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* See zhiliang/recall.h. */
int zl_recall_scope_json(const zl_recall_scope *sc, struct zl_buf *out)
{
    json_t *ctes, *doc;
    int rc = 0;

    ctes = json_object();

    for (size_t i = 0; i < sc->n_ctes && ctes; i++)
        if (json_object_set_new(ctes, sc->ctes[i].cte,
                                json_integer(sc->ctes[i].n))) {
            json_decref(ctes);
            ctes = NULL;
        }
    doc = json_object();
    if (put(doc, "lots", zl_recall_strings_json(sc->lots, sc->n_lots)) |
            put(doc, "summary", summary_json(&sc->summary)) |
            put(doc, "custodians", custodians_json(sc)) |
            put(doc, "nodes", nodes_json(sc)) | put(doc, "cteCounts", ctes) |
            put(doc, "fsmaRows", json_integer((json_int_t)sc->n_rows)) ||
        json_dump_callback(doc, dump_cb, out,
                           JSON_INDENT(2) | JSON_SORT_KEYS |
                               JSON_REAL_PRECISION(15)))
        rc = ZL_ENOMEM;
    json_decref(doc);
    return rc ? rc : zl_buf_addc(out, '\n');
}

/* A ratio; null when there is none (nothing distributed). */
static json_t *ratio(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

/* The status object, or NULL when out of memory. */
static json_t *status_json(const struct zl_recall_status *st)
{
    const struct zl_recall_summary *sm = &st->summary;
    json_t *o, *parties = json_array(), *overall = json_array();
    int bad = !parties || !overall;
    size_t i;

    for (i = 0; i < st->n_parties && !bad; i++) {
        const struct zl_recall_party_status *p = &st->parties[i];
        json_t *po = json_pack(
            "{s:s,s:b,s:b,s:s,s:o,s:o,s:o,s:o,s:o}", "party", p->party,
            "notified", p->notified, "acknowledged", p->acknowledged, "uom",
            p->uom, "held", num(p->held), "sold", num(p->sold), "distributed",
            num(p->distributed), "recovered", num(p->recovered),
            "effectiveness", ratio(p->effectiveness));

        bad = !po || (p->name &&
                      json_object_set_new(po, "name", json_string(p->name)));
        bad |= json_array_append_new(parties, po) != 0;
    }
    for (i = 0; i < st->n_overall && !bad; i++) {
        const struct zl_recall_unit_total *t = &st->overall[i];

        bad = json_array_append_new(
                  overall,
                  json_pack("{s:s,s:o,s:o,s:o}", "uom", t->uom, "distributed",
                            num(t->distributed), "recovered", num(t->recovered),
                            "effectiveness", ratio(t->effectiveness))) != 0;
    }
    o = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:I}", "case", st->case_id, "status",
                  st->closed ? "closed" : "open", "reason", st->reason,
                  "hazardClass", st->hazard_class, "opened", st->opened,
                  "records", (json_int_t)st->records);
    bad |= !o || set_opt(o, "reasonEn", st->reason_en) ||
           set_opt(o, "advice", st->advice) ||
           set_opt(o, "adviceEn", st->advice_en);
    /* json_object_set_new takes the value even when it fails */
    bad |= json_object_set_new(o, "parties", parties) |
           json_object_set_new(o, "overall", overall) |
           json_object_set_new(o, "lots",
                               zl_recall_strings_json(st->lots, st->n_lots)) |
           json_object_set_new(o, "summary", summary_json(sm)) |
           json_object_set_new(o, "effectiveness", ratio(st->effectiveness));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    if (o && st->closed &&
        json_object_update_new(o, json_pack("{s:s?,s:s?,s:b}", "closed",
                                            st->closed_at, "closeSummary",
                                            st->close_summary, "forced",
                                            st->forced))) {
        json_decref(o);
        return NULL;
    }
    if (o && st->effectiveness_uom &&
        json_object_set_new(o, "effectivenessUom",
                            json_string(st->effectiveness_uom))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* See zhiliang/recall.h. */
int zl_recall_status_json(const struct zl_recall_status *st, struct zl_buf *out)
{
    json_t *o = status_json(st);
    int rc = 0;

    if (o == NULL ||
        json_dump_callback(o, dump_cb, out, JSON_INDENT(2) | JSON_SORT_KEYS))
        rc = ZL_ENOMEM;
    json_decref(o);
    return rc;
}
