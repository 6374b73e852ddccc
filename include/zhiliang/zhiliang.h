/*
 * zhiliang/zhiliang.h - the public API of libzhiliang (umbrella header).
 *
 * A store (zl_store) is one Zhiliang database: EPCIS events, the Merkle
 * log, parties, recalls. Open it, capture documents into it, query it.
 * Module headers (gs1.h, epcis.h, log.h, trace.h...) add the rest; this
 * header includes every public header, so a client needs only this one.
 * Module headers include it in turn (for zl_store); so that works from
 * either side, the module headers are included at the end of this file,
 * after the declarations they use.
 *
 * Memory and process-wide state: see zhiliang/alloc.h (zl_free,
 * zl_global_init).
 *
 * Threads: a zl_store handle is used by one thread at a time; open one
 * handle per thread (SQLite WAL lets readers run beside one writer).
 */
#ifndef ZL_ZHILIANG_H
#define ZL_ZHILIANG_H

#include "zhiliang/alloc.h"
#include "zhiliang/error.h"
#include "zhiliang/epcis.h"
#include "zhiliang/gs1.h"
#include "zhiliang/store.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZL_VERSION "0.1.0"

typedef struct zl_store zl_store;

/* Where the store lives when no --store is given: $ZHILIANG_STORE, else
 * "zhiliang.db" in the current directory. Returns a borrowed string. */
const char *zl_default_store_path(void);

/* Create a new store at path, a store URI (see zhiliang/store.h): schema,
 * operator signing key, log origin. Fails with ZL_EEXIST if a store is
 * already there. */
int zl_init(const char *path, const char *origin, struct zl_error *err);

/* Open an existing store by URI (ZL_ENOTFOUND if missing), migrating an
 * older schema (see zhiliang/store.h). *out is new. */
int zl_open(const char *path, zl_store **out, struct zl_error *err);
void zl_close(zl_store *s); /* NULL-safe */

struct zl_capture_result {
    size_t n_events;    /* events in the document */
    size_t n_new;       /* stored now */
    size_t n_duplicate; /* already stored (same event hash): unchanged */
    int64_t record_time_ms;
    size_t n_refused;   /* refused by authorize under proceed */
    size_t n_corrected; /* stored events declared erroneous now (a
                           corrective event with errorDeclaration) */
    uint64_t log_size;  /* log tree size after the capture */
};

struct zl_capture_opts {
    const struct zl_capture_limits *limits; /* NULL = defaults */
    /* Capturing party (its ID, USCC or GLN), or NULL. When set, every
     * event must pass the write rule (zl_authz_check_event,
     * docs/access.md) before anything is stored; NULL is the store
     * operator's own load (local access to the store file). */
    const char *party;
    /* Optional check run before anything is stored: once for the whole
     * document (ev == NULL: e.g. a detached signature over doc) and once
     * per event (e.g. "a party may only capture events at its own
     * locations"). Non-zero refuses: the whole capture under rollback,
     * that event under proceed. Fill err to say why. */
    int (*authorize)(void *ctx, const char *doc, size_t len,
                     const struct zl_event *ev, size_t index,
                     struct zl_error *err);
    void *authorize_ctx;
    /* Optional report of each refused event (by the write rule or by
     * authorize), err's path made absolute ($.epcisBody.eventList[i]...). */
    void (*refused)(void *ctx, size_t index, const struct zl_error *err);
    void *refused_ctx;
    /* 1 = GS1-Capture-Error-Behaviour: proceed (store the events that
     * pass authorize, report the others); 0 = rollback (all or nothing,
     * the default). Under proceed an event that fails validation is
     * refused (reported) too; a document whose own header fails is
     * refused whole in both modes. */
    int proceed_on_error;
    /* Optional detached Ed25519 signature (base64) by `party` over the
     * document bytes, checked against the party's registered key before
     * anything is stored (a bad one refuses the document) and kept with
     * the document (see zhiliang/sign.h). */
    const char *signature_b64;
    /* Optional progress report every few thousand events. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};

/* Parse, validate, hash and store one EPCIS document in a single
 * transaction: every new event, its index rows and its log leaf land
 * together, or nothing does. Capturing the same document again stores
 * nothing (idempotent by event hash). An event with errorDeclaration
 * whose hash is already stored is a correction: kept as a record of its
 * own with its own log leaf, and the stored event is from then on
 * declared erroneous (nothing is deleted). opts may be NULL. On a validation
 * error returns it with err filled (JSON path, rule, value). */
int zl_capture(zl_store *s, const char *buf, size_t len,
               const struct zl_capture_opts *opts,
               struct zl_capture_result *res, struct zl_error *err);

/* zl_capture in two stages, for a pipeline (parse document N+1 on one
 * thread while document N is stored on another; `zhiliang capture`).
 * zl_capture_parse parses, validates and hashes buf without touching any
 * store: safe on any thread, concurrently with anything (it calls
 * opts->refused on its own thread under proceed). buf must stay alive
 * and unchanged until zl_capture_store. Returns 0 and *out (new), or the
 * error zl_capture would return for the document, err filled, *out NULL.
 * zl_capture_store is the rest of zl_capture on s (signature, write
 * rule, the transaction or the batch's savepoint, rows, log, receipt),
 * with the same opts: zl_capture is exactly zl_capture_parse then
 * zl_capture_store. d stays the caller's (zl_capture_doc_free). */
typedef struct zl_capture_doc zl_capture_doc;
int zl_capture_parse(const char *buf, size_t len,
                     const struct zl_capture_opts *opts, zl_capture_doc **out,
                     struct zl_error *err);
int zl_capture_store(zl_store *s, const zl_capture_doc *d,
                     const struct zl_capture_opts *opts,
                     struct zl_capture_result *res, struct zl_error *err);
void zl_capture_doc_free(zl_capture_doc *d); /* NULL-safe */

/* Group commit for bulk loads. Between zl_capture_batch_begin and
 * zl_capture_batch_commit every zl_capture on s is a savepoint of one
 * transaction instead of a transaction of its own: a document still
 * lands whole or not at all (one that fails is undone to its savepoint,
 * returns its error as usual and the batch goes on without it), but
 * nothing of the batch is durable, or visible to other connections,
 * until zl_capture_batch_commit returns 0. Its gain is the pages shared
 * by the documents' index inserts, written once per batch instead of
 * once per document. The batch holds the store's write lock: keep it to
 * a few seconds of documents. begin returns 0, ZL_EINVAL when a
 * transaction is already open, or the store's error; commit returns 0,
 * ZL_EINVAL when no batch is open, or the store's error (then nothing of
 * the batch is stored); abort drops the batch (safe when none is open).
 * One failure drops the whole batch instead of one document: a write of
 * the trace index that fails after the document's savepoint was released
 * (an allocation or I/O failure); zl_capture then returns it and the
 * batch's commit returns ZL_EINVAL. Never is part of a document stored.
 * The first batch sizes s for bulk writes for the rest of its life (on
 * SQLite a page cache of 512 MiB instead of 64: up to that much more
 * memory in the capturing process; durability is unchanged). */
int zl_capture_batch_begin(zl_store *s);
int zl_capture_batch_commit(zl_store *s);
void zl_capture_batch_abort(zl_store *s);

#ifdef __cplusplus
}
#endif

/* The rest of the public API (each header is self-contained too). */
#include "zhiliang/arena.h"
#include "zhiliang/audit.h"
#include "zhiliang/buf.h"
#include "zhiliang/calendar.h"
#include "zhiliang/clocks.h"
#include "zhiliang/cbv.h"
#include "zhiliang/codec.h"
#include "zhiliang/credit.h"
#include "zhiliang/dl.h"
#include "zhiliang/draw.h"
#include "zhiliang/inspect.h"
#include "zhiliang/spotcheck.h"
#include "zhiliang/log.h"
#include "zhiliang/lookups.h"
#include "zhiliang/party.h"
#include "zhiliang/query.h"
#include "zhiliang/subscription.h"
#include "zhiliang/recall.h"
#include "zhiliang/sampling.h"
#include "zhiliang/spc.h"
#include "zhiliang/spc_stream.h"
#include "zhiliang/risk.h"
#include "zhiliang/risk_intake.h"
#include "zhiliang/risk_handle.h"
#include "zhiliang/risk_dispose.h"
#include "zhiliang/sign.h"
#include "zhiliang/switching.h"
#include "zhiliang/timefmt.h"
#include "zhiliang/trace.h"

#endif
