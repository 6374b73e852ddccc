/*
 * spc_server.h - live SPC streams in the server: the API (spc_api.c) and
 * the stream page of the portal (portal_spc.c).
 */
#ifndef ZL_SPC_SERVER_H
#define ZL_SPC_SERVER_H

#include "server_int.h"

#include "zhiliang/spc_stream.h"

/* /api/spc/{stream}[/alarms|/events], any method. */
void zl_h_spc_api(struct zl_req *r);
/* /spc/{stream}: the stream's page (chart and alarms). */
void zl_portal_spc(struct zl_req *r, const char *name);

/* 0 when the request's token may read stream name (*st filled; the
 * caller cleans it up), else the answer (401, 403, 404...) is made. */
int zl_spc_may_read(struct zl_req *r, const char *name,
                    struct zl_spc_stream *st);

/* The same, with the reading party (ZL_PARTY_ID_MAX bytes, "" for none)
 * and the end of its ticket chain: a bearer token starts a chain, a
 * ticket (?ticket=, GET under /api/spc/{stream} only) carries its own. */
int zl_spc_may_read_as(struct zl_req *r, const char *name,
                       struct zl_spc_stream *st, char *party, int64_t *chain);

/* A ticket that lets party read stream name's GET endpoints until
 * min(now + 2 minutes, chain) (out: ZL_SPC_TICKET_MAX bytes; *expires may
 * be NULL). 0, ZL_EPERM (the chain has ended), ZL_ELIMIT, ZL_EVERIFY (no
 * randomness for the key). See spc_api.c for the rule. */
#define ZL_SPC_TICKET_MAX 512
int zl_spc_ticket_make(const char *stream, const char *party, int64_t chain,
                       char *out, int64_t *expires);

/* Wake the event hub now (an append raised an alarm). */
void zl_spc_events_poke(void);
/* End every event stream and resume its connection, join the hub thread:
 * call before MHD_stop_daemon (no suspended connection may outlive it). */
void zl_spc_events_stop(void);

#endif
