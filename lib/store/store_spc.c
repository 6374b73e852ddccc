/*
 * store_spc.c - the dispatchers of store_spc.h: each call goes to the
 * open backend's SPC module table, or answers ZL_EUNSUPPORTED when the
 * backend has none.
 */
#include "store/store_spc.h"

#include "store/spc_backend.h"

#include <string.h>

#define SPC(s)               ZL_STORE_MODULE(s, ZL_STORE_MOD_SPC, zl_store_spc_ops)
#define DISPATCH(m, fn, ...) ((m) ? (m)->fn(__VA_ARGS__) : ZL_EUNSUPPORTED)

int zl_store_spc_record_put(zl_store *s, const struct zl_store_spc_record *r)
{
    return DISPATCH(SPC(s), record_put, s, r);
}

int zl_store_spc_records(zl_store *s, const char *stream, const char *kind,
                         int64_t after, size_t limit, zl_store_spc_record_cb cb,
                         void *ctx)
{
    return DISPATCH(SPC(s), records, s, stream, kind, after, limit, cb, ctx);
}

int zl_store_spc_points_put(zl_store *s, const char *stream,
                            const struct zl_store_spc_point *p, size_t n)
{
    return n ? DISPATCH(SPC(s), points_put, s, stream, p, n) : 0;
}

int zl_store_spc_points(zl_store *s, const char *stream, int64_t from,
                        int64_t to, zl_store_spc_point_cb cb, void *ctx)
{
    return DISPATCH(SPC(s), points, s, stream, from, to, cb, ctx);
}

int zl_store_spc_state_put(zl_store *s, const char *stream,
                           const struct zl_store_spc_state *st)
{
    return DISPATCH(SPC(s), state_put, s, stream, st);
}

int zl_store_spc_state_get(zl_store *s, const char *stream,
                           struct zl_store_spc_state *st)
{
    memset(st, 0, sizeof *st);
    return DISPATCH(SPC(s), state_get, s, stream, st);
}
