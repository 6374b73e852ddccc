/*
 * zhiliang/query.h - EPCIS 2.0 event queries (SimpleEventQuery) as the
 * REST binding and the CLI take them: name=value parameters in, events or
 * an EPCISQueryDocument out, with keyset pagination.
 *
 * Parameter values are what a user types: list parameters are
 * pipe-delimited ("shipping|receiving"); CBV values may be short names or
 * URIs; identifiers may be EPC URNs, Digital Link URIs or element strings
 * (canonicalised), and identifier patterns end in '*'
 * (urn:epc:idpat:sgtin:0614141.107346.* or https://id.gs1.org/01/...*).
 * Times are ISO 8601 with an offset.
 */
#ifndef ZL_QUERY_H
#define ZL_QUERY_H

#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zl_query zl_query;

/* The zone in which a time parameter without an offset is read
 * (GE_eventTime=2026-03-02 is midnight there): China Standard Time
 * (Asia/Shanghai, UTC+08:00, no daylight saving) unless changed with
 * zl_query_set_zone. */
#define ZL_QUERY_DEFAULT_ZONE_MIN 480

/* A new empty query (matches every event, ascending event time). */
int zl_query_new(zl_query **out);
void zl_query_free(zl_query *q); /* NULL-safe */

/* Add one parameter. Unknown names and malformed values return ZL_EINVAL
 * with err naming the parameter (err->path = the name), the rule and the
 * value. Recognised: eventType, GE_/LT_eventTime, GE_/LT_recordTime,
 * EQ_action, EQ_bizStep, EQ_disposition, EQ_readPoint, EQ_bizLocation,
 * EQ_transformationID, EQ_eventID, MATCH_epc, MATCH_anyEPC,
 * MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, MATCH_epcClass,
 * MATCH_inputEPCClass, MATCH_outputEPCClass, MATCH_anyEPCClass,
 * EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type>,
 * EXISTS_errorDeclaration, orderBy (eventTime|recordTime),
 * orderDirection (ASC|DESC), eventCountLimit, maxEventCount, perPage,
 * nextPageToken. */
int zl_query_param(zl_query *q, const char *name, const char *value,
                   struct zl_error *err);

/* The lots whose batch code (AI 10) is batch, among the registered
 * products: cb gets each lot's Digital Link that a stored event names,
 * in GTIN order (a non-zero return stops and is returned). For people who
 * have only the code printed on a pack or in a report. One indexed query
 * per registered product. Returns the number of lots found, ZL_EINVAL for
 * a code GS1 cannot carry in AI (10), or a negative error. */
typedef int (*zl_lot_dl_cb)(void *ctx, const char *dl);
int zl_query_lots_by_batch(zl_store *s, const char *batch, zl_lot_dl_cb cb,
                           void *ctx);

/* Read the time parameters given after this call without an offset (a
 * bare date, or a date and time: zl_time_parse_in_zone) at zone_min
 * minutes east of UTC. The bizStep and disposition parameters refuse a
 * bare word (or CBV URI) that is no CBV 2.0 term, naming the nearest. */
void zl_query_set_zone(zl_query *q, int zone_min);

/* Bound the work of the next runs of q. deadline_ms is a point on the
 * zl_time_now_ms() clock (0 = none): past it the query is abandoned with
 * ZL_ETIMEOUT. stop (may be NULL) is polled while the query runs, and a
 * non-zero return (a negative error, e.g. the client went away) abandons
 * the query with that value. max_bytes caps the output of zl_query_json
 * (0 = 1 GiB): past it ZL_ELIMIT with err naming perPage. */
void zl_query_set_budget(zl_query *q, int64_t deadline_ms, size_t max_bytes,
                         int (*stop)(void *ctx), void *stop_ctx);

/* Limit q to the events viewer may read (docs/access.md, "Who reads
 * what"; zl_viewer_sees_event in zhiliang/party.h decides). The filter
 * runs inside the scan, before perPage, eventCountLimit and maxEventCount
 * count, so pages stay full and nextPageToken resumes where the viewer's
 * last page ended; the time budget covers it. viewer is borrowed and
 * must outlive the runs of q; NULL (the default) reads everything, as
 * local access to the store does. A viewer that reads no raw events (the
 * public, an operator party) gets none. */
struct zl_viewer;
void zl_query_set_viewer(zl_query *q, const struct zl_viewer *viewer);

/* Output options for zl_query_json. */
enum zl_epc_format {
    ZL_EPC_AS_CAPTURED = 0,  /* Never_Translates */
    ZL_EPC_DIGITAL_LINK = 1, /* Always_GS1_Digital_Link */
    ZL_EPC_URN = 2           /* Always_EPC_URN */
};

/* Run the query and write an EPCISQueryDocument (JSON-LD, validates
 * against GS1's schema): each event as captured, plus its recordTime and,
 * when it had none, eventID = its CBV hash ID. With perPage set, at most
 * that many events and *next_token (new, or NULL on the last page) to
 * pass back as nextPageToken. *json is new (zl_free). maxEventCount
 * exceeded returns ZL_ELIMIT. */
int zl_query_json(zl_store *s, zl_query *q, enum zl_epc_format fmt, char **json,
                  size_t *len, char **next_token, struct zl_error *err);

/* Events as JSON objects one per callback (same decoration as above);
 * event_json is borrowed for the call. Returns 0, the callback's value or
 * a negative error. */
typedef int (*zl_query_event_cb)(void *ctx, const char *event_json, size_t len);
int zl_query_each(zl_store *s, zl_query *q, enum zl_epc_format fmt,
                  zl_query_event_cb cb, void *ctx, char **next_token,
                  struct zl_error *err);

/* Corrections of events naming identifier id (events declared erroneous
 * after they were stored, docs/access.md): how many, and when the latest
 * was recorded (ms since the epoch, 0 if none). Returns 0 or a negative
 * error. */
struct zl_correction_summary {
    size_t n;
    int64_t last_ms;
};
int zl_query_corrections(zl_store *s, const char *id,
                         struct zl_correction_summary *out);

#ifdef __cplusplus
}
#endif
#endif
