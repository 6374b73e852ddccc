/*
 * pg_query.c - zl_store_events_query on PostgreSQL (in progress: the
 * shared SimpleEventQuery SQL builder lands with it).
 */
#include "store/pg_int.h"

int zl_pg_events_query(zl_store *s, const struct zl_event_filter *f,
                       zl_event_cb cb, void *ctx)
{
    (void)s;
    (void)f;
    (void)cb;
    (void)ctx;
    return ZL_EUNSUPPORTED;
}
