/*
 * store_subs.c - the dispatchers of store_subs.h: each finds the
 * backend's table (subs_ops.h) and calls through it, or answers
 * ZL_EUNSUPPORTED when the backend lacks the module. Kept apart from
 * store_ext.c so the module is one file to merge.
 */
#include "store/store_subs.h"

#include "store/subs_ops.h"
#include "zhiliang/error.h"

#define SUBS(s)       ZL_STORE_MODULE(s, ZL_STORE_MOD_SUBS, zl_store_subs_ops)
#define CALL(fn, ...) (SUBS(s) ? SUBS(s)->fn(__VA_ARGS__) : ZL_EUNSUPPORTED)

int zl_store_nq_put(zl_store *s, const struct zl_store_nq *q)
{
    return CALL(nq_put, s, q);
}

int zl_store_nq_get(zl_store *s, const char *name, zl_store_nq_cb cb, void *ctx)
{
    return CALL(nq_get, s, name, cb, ctx);
}

int zl_store_nq_list(zl_store *s, const char *owner, zl_store_nq_cb cb,
                     void *ctx)
{
    return CALL(nq_list, s, owner, cb, ctx);
}

int zl_store_nq_delete(zl_store *s, const char *name)
{
    return CALL(nq_delete, s, name);
}

int zl_store_sub_put(zl_store *s, const struct zl_store_sub *r)
{
    return CALL(sub_put, s, r);
}

int zl_store_sub_get(zl_store *s, const char *id, zl_store_sub_cb cb, void *ctx)
{
    return CALL(sub_get, s, id, cb, ctx);
}

int zl_store_sub_list(zl_store *s, const char *query_name, zl_store_sub_cb cb,
                      void *ctx)
{
    return CALL(sub_list, s, query_name, cb, ctx);
}

int zl_store_sub_delete(zl_store *s, const char *id)
{
    return CALL(sub_delete, s, id);
}

int zl_store_sub_progress(zl_store *s, const char *id, int64_t cursor,
                          int64_t pending, int64_t notified_ms)
{
    return CALL(sub_progress, s, id, cursor, pending, notified_ms);
}

int zl_store_outbox_last(zl_store *s, int64_t *seq)
{
    *seq = 0;
    return CALL(outbox_last, s, seq);
}

int zl_store_subs_rec_next(zl_store *s, int64_t *seq)
{
    *seq = 0;
    return CALL(rec_next, s, seq);
}

int zl_store_subs_rec_put(zl_store *s, const struct zl_store_subs_rec *r)
{
    return CALL(rec_put, s, r);
}

int zl_store_subs_rec_get(zl_store *s, int64_t seq, zl_store_subs_rec_cb cb,
                          void *ctx)
{
    return CALL(rec_get, s, seq, cb, ctx);
}

int zl_store_subs_rec_list(zl_store *s, zl_store_subs_rec_cb cb, void *ctx)
{
    return CALL(rec_list, s, cb, ctx);
}

int zl_store_sub_error(zl_store *s, const char *id, const char *why,
                       int64_t at_ms)
{
    return CALL(sub_error, s, id, why, at_ms);
}

int zl_store_subs_upgrade(zl_store *s)
{
    return CALL(upgrade, s);
}
