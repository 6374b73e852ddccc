/*
 * open.c - the public lifecycle of a store: zl_init, zl_open, zl_close.
 *
 * zl_init is the only place a store is created: schema, then the
 * operator's log signing key and origin, in one go, refusing to touch an
 * existing store so a mistyped path can never re-key a live one. The
 * store is named by URI (zhiliang/store.h); which backend serves it is
 * store.c's business.
 */
#include "zhiliang/zhiliang.h"

#include "store/store.h"
#include "zhiliang/log.h"

#include <stdlib.h>

const char *zl_default_store_path(void)
{
    const char *env = getenv("ZHILIANG_STORE");

    return env && *env ? env : "zhiliang.db";
}

int zl_init(const char *path, const char *origin, struct zl_error *err)
{
    zl_store *s = NULL;
    int rc;

    rc = zl_store_open(path, ZL_STORE_CREATE_NEW, &s, err);
    if (rc)
        return rc;
    rc = zl_log_init_keys(s, origin && *origin ? origin : "zhiliang.local/log");
    if (rc)
        zl_error_set(err, rc, path, "cannot create the log signing key",
                     zl_strerror(rc), (size_t)-1);
    zl_store_close(s);
    if (rc)
        zl_store_remove(path);
    return rc;
}

int zl_open(const char *path, zl_store **out, struct zl_error *err)
{
    return zl_store_open(path, ZL_STORE_EXISTING, out, err);
}

void zl_close(zl_store *s)
{
    zl_store_close(s);
}
