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
 *
 * A scope's nodes (15,700 for one milk collection lot at 1M events) are
 * written straight to the output by the JSON writer (util/jw.h), keys in
 * the order JSON_SORT_KEYS prints them, in the bytes jansson would dump:
 * building them as a tree first cost 170 ms of `recall scope --json`'s
 * 270 ms of CPU. The small parts stay jansson trees, shared with the
 * case's logged record.
 */
#include "zhiliang/recall.h"

#include "recall/recall_int.h"
#include "util/buf.h"
#include "util/jw.h"

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

/* A quantity, as num() gives it to jansson. */
static void jw_num(struct zl_jw *w, double v)
{
    if (v >= -9e15 && v <= 9e15 && v == (double)(long long)v)
        zl_jw_int(w, (long long)v);
    else
        zl_jw_real(w, v);
}

/* k: v when v is non-NULL. */
static void jw_opt(struct zl_jw *w, const char *k, const char *v)
{
    if (v) {
        zl_jw_key(w, k);
        zl_jw_str(w, v);
    }
}

/* The nodes, written as they come (keys in byte order, as JSON_SORT_KEYS
 * prints them): a scope's nodes are most of its JSON, too many to build
 * a tree of first. */
static void nodes_write(struct zl_jw *w, const zl_recall_scope *sc)
{
    zl_jw_open(w, '[');
    for (size_t i = 0; i < sc->n_nodes; i++) {
        const struct zl_recall_node *n = &sc->nodes[i];

        zl_jw_open(w, '{');
        jw_opt(w, "custodian", n->custodian);
        jw_opt(w, "custodianName", n->custodian_name);
        zl_jw_key(w, "depth");
        zl_jw_int(w, n->depth);
        jw_opt(w, "gtin", n->gtin);
        zl_jw_key(w, "id");
        zl_jw_str(w, n->id);
        zl_jw_key(w, "kind");
        zl_jw_str(w, n->kind);
        jw_opt(w, "lastEventTime", n->last_event_time);
        jw_opt(w, "location", n->location);
        jw_opt(w, "locationDescription", n->location_description);
        if (n->has_quantity) {
            zl_jw_key(w, "quantity");
            jw_num(w, n->quantity);
        }
        zl_jw_key(w, "reachedConsumer");
        zl_jw_bool(w, n->reached_consumer);
        zl_jw_key(w, "terminal");
        zl_jw_bool(w, n->terminal);
        jw_opt(w, "tlc", n->tlc);
        if (n->has_quantity)
            jw_opt(w, "uom", n->uom);
        zl_jw_close(w);
    }
    zl_jw_close(w);
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

/* See zhiliang/recall.h. The document's keys in byte order; the small
 * parts are jansson trees written in place. */
int zl_recall_scope_json(const zl_recall_scope *sc, struct zl_buf *out)
{
    json_t *ctes = json_object(), *part;
    struct zl_jw w;
    int rc;

    for (size_t i = 0; i < sc->n_ctes && ctes; i++)
        if (json_object_set_new(ctes, sc->ctes[i].cte,
                                json_integer(sc->ctes[i].n))) {
            json_decref(ctes);
            ctes = NULL;
        }
    zl_jw_init(&w, out, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    zl_jw_open(&w, '{');
    zl_jw_key(&w, "cteCounts");
    zl_jw_json(&w, ctes, JSON_SORT_KEYS);
    json_decref(ctes);
    zl_jw_key(&w, "custodians");
    zl_jw_json(&w, part = custodians_json(sc), JSON_SORT_KEYS);
    json_decref(part);
    zl_jw_key(&w, "fsmaRows");
    zl_jw_int(&w, (long long)sc->n_rows);
    zl_jw_key(&w, "lots");
    zl_jw_open(&w, '[');
    for (size_t i = 0; i < sc->n_lots; i++)
        zl_jw_str(&w, sc->lots[i]);
    zl_jw_close(&w);
    zl_jw_key(&w, "nodes");
    nodes_write(&w, sc);
    zl_jw_key(&w, "summary");
    zl_jw_json(&w, part = summary_json(&sc->summary), JSON_SORT_KEYS);
    json_decref(part);
    zl_jw_close(&w);
    rc = zl_jw_done(&w);
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
