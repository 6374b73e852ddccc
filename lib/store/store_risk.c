/*
 * store_risk.c - the dispatchers of store_risk.h: each forwards to the
 * backend's risk module, or answers ZL_EUNSUPPORTED when it has none.
 * Kept out of store_ext.c so the module is one set of files.
 */
#include "store/store_risk.h"

#include "store/backend.h"

#define RISK(s)              ZL_STORE_MODULE(s, ZL_STORE_MOD_RISK, zl_store_risk_ops)
#define DISPATCH(m, fn, ...) ((m) ? (m)->fn(__VA_ARGS__) : ZL_EUNSUPPORTED)

int zl_store_risk_put(zl_store *s, const struct zl_store_risk_report *r,
                      const struct zl_store_risk_pii *pii)
{
    return DISPATCH(RISK(s), put, s, r, pii);
}

int zl_store_risk_get(zl_store *s, const char *id, zl_store_risk_cb cb,
                      void *ctx)
{
    return DISPATCH(RISK(s), get, s, id, cb, ctx);
}

int zl_store_risk_list(zl_store *s, const char *kind, zl_store_risk_cb cb,
                       void *ctx)
{
    return DISPATCH(RISK(s), list, s, kind, cb, ctx);
}

int zl_store_risk_pii_get(zl_store *s, const char *id, zl_store_risk_pii_cb cb,
                          void *ctx)
{
    return DISPATCH(RISK(s), pii_get, s, id, cb, ctx);
}

int zl_store_risk_step_put(zl_store *s, const struct zl_store_risk_step *st)
{
    return DISPATCH(RISK(s), step_put, s, st);
}

int zl_store_risk_step_list(zl_store *s, const char *report_id,
                            zl_store_risk_step_cb cb, void *ctx)
{
    return DISPATCH(RISK(s), step_list, s, report_id, cb, ctx);
}

int zl_store_risk_pii_list(zl_store *s, zl_store_risk_pii_cb cb, void *ctx)
{
    return DISPATCH(RISK(s), pii_list, s, cb, ctx);
}

int zl_store_risk_pii_update(zl_store *s, const struct zl_store_risk_pii *p)
{
    return DISPATCH(RISK(s), pii_update, s, p);
}

int zl_store_risk_key_get(zl_store *s, const char *key_id, int64_t *retired_ms)
{
    return DISPATCH(RISK(s), key_get, s, key_id, retired_ms);
}

int zl_store_risk_key_put(zl_store *s, const char *key_id, int64_t now_ms,
                          int64_t retired_ms, int64_t leaf)
{
    return DISPATCH(RISK(s), key_put, s, key_id, now_ms, retired_ms, leaf);
}

int zl_store_risk_dispo_put(zl_store *s, const struct zl_store_risk_step *st)
{
    return DISPATCH(RISK(s), dispo_put, s, st);
}

int zl_store_risk_dispo_list(zl_store *s, const char *case_id,
                             zl_store_risk_step_cb cb, void *ctx)
{
    return DISPATCH(RISK(s), dispo_list, s, case_id, cb, ctx);
}

int zl_store_risk_key_list(zl_store *s, zl_store_risk_key_cb cb, void *ctx)
{
    return DISPATCH(RISK(s), key_list, s, cb, ctx);
}
