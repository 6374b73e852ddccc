/*
 * spc_backend.h - the SPC stream module's table of operations (see
 * backend.h for how modules hang off a backend) and the backends'
 * instances of it. Kept out of backend.h so the module is one include in
 * each backend's file and one line in its modules[] initialiser.
 */
#ifndef ZL_SPC_BACKEND_H
#define ZL_SPC_BACKEND_H

#include "store/backend.h"
#include "store/store_spc.h"

struct zl_store_spc_ops {
    struct zl_store_module_ops base;
    int (*record_put)(zl_store *s, const struct zl_store_spc_record *r);
    int (*records)(zl_store *s, const char *stream, const char *kind,
                   int64_t after, size_t limit, zl_store_spc_record_cb cb,
                   void *ctx);
    int (*points_put)(zl_store *s, const char *stream,
                      const struct zl_store_spc_point *p, size_t n);
    int (*points)(zl_store *s, const char *stream, int64_t from, int64_t to,
                  zl_store_spc_point_cb cb, void *ctx);
    int (*state_put)(zl_store *s, const char *stream,
                     const struct zl_store_spc_state *st);
    int (*state_get)(zl_store *s, const char *stream,
                     struct zl_store_spc_state *st);
};

extern const struct zl_store_spc_ops zl_sqlite_spc_ops;
extern const struct zl_store_spc_ops zl_pg_spc_ops;

#endif
