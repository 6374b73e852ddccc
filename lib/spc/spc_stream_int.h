/*
 * spc_stream_int.h - what stream.c shares with the rest of the library:
 * name and code checks (the CLI and server use the public calls), and the
 * hooks zhiliang verify (lib/audit/verify.c) calls for ZL_LEAF_SPC.
 */
#ifndef ZL_SPC_STREAM_INT_H
#define ZL_SPC_STREAM_INT_H

#include "zhiliang/error.h"
#include "zhiliang/zhiliang.h"

#include <stddef.h>
#include <stdint.h>

/* 1 when v is a valid stream name (1..64 of [A-Za-z0-9._-]). */
int spc_stream_name_ok(const char *v);
/* A GS1 identifier in any form zhiliang id reads as its canonical
 * Digital Link (out, cap bytes). 0 or a negative error with err set. */
int spc_code_canon(const char *code, char *out, size_t cap,
                   struct zl_error *err);

/* The canonical bytes of logged record "spc:<stream>:<kind>:<seq>"
 * recomputed from the store (*canon new): the JCS of its row, and for a
 * batch record with points_sha256 recomputed from the stored
 * measurements. 0, ZL_ENOTFOUND, ZL_ENOMEM, a store error. */
int zl_spc_record_canon(zl_store *s, const char *record_key, char **canon,
                        size_t *len);
/* Every spc_records row against the log (as zl_sup_audit_rows). */
typedef int (*zl_spc_report_fn)(void *ctx, const char *kind, uint64_t index,
                                const char *key, const char *detail);
int zl_spc_audit_rows(zl_store *s, zl_spc_report_fn report, void *ctx);

#endif
