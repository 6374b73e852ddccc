/*
 * ws.h - WebSocket streams of named queries (ws.c).
 */
#ifndef ZL_WS_H
#define ZL_WS_H

#include "server_int.h"

/* 1 if the request asks for a WebSocket (Upgrade lists "websocket"). */
int zl_ws_requested(const struct zl_req *r);

/* Answer GET /queries/{name}/events with Upgrade: websocket for party
 * (the caller, already authenticated; st its store handle): 101 and a
 * stream of the query's new events under party's read rule, or 400 (a
 * bad handshake or parameter), 404 (no such query), 426 (not version 13)
 * or 503 (too many streams). The daemon must run with MHD_ALLOW_UPGRADE. */
void zl_ws_upgrade(struct zl_req *r, zl_store *st, const char *party);

/* Something was written: look at the outbox now (cheap, any thread). */
void zl_ws_wake(void);

/* Close every stream (1001) and join the thread; before MHD_stop_daemon.
 * No stream opens after it. Idempotent. */
void zl_ws_stop(void);

#endif
