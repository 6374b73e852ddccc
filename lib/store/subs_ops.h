/*
 * subs_ops.h - the backend table of the named queries and subscriptions
 * module (store_subs.h), apart from backend.h so that the module adds one
 * enum value there and nothing else.
 */
#ifndef ZL_STORE_SUBS_OPS_H
#define ZL_STORE_SUBS_OPS_H

#include "store/backend.h"
#include "store/store_subs.h"

struct zl_store_subs_ops {
    struct zl_store_module_ops base;
    int (*nq_put)(zl_store *s, const struct zl_store_nq *q);
    int (*nq_get)(zl_store *s, const char *name, zl_store_nq_cb cb, void *ctx);
    int (*nq_list)(zl_store *s, const char *owner, zl_store_nq_cb cb,
                   void *ctx);
    int (*nq_delete)(zl_store *s, const char *name);
    int (*sub_put)(zl_store *s, const struct zl_store_sub *r);
    int (*sub_get)(zl_store *s, const char *id, zl_store_sub_cb cb, void *ctx);
    int (*sub_list)(zl_store *s, const char *query_name, zl_store_sub_cb cb,
                    void *ctx);
    int (*sub_delete)(zl_store *s, const char *id);
    int (*sub_progress)(zl_store *s, const char *id, int64_t cursor,
                        int64_t pending, int64_t notified_ms);
    int (*outbox_last)(zl_store *s, int64_t *seq);
    int (*sub_error)(zl_store *s, const char *id, const char *why,
                     int64_t at_ms);
    int (*upgrade)(zl_store *s);
    int (*rec_next)(zl_store *s, int64_t *seq);
    int (*rec_put)(zl_store *s, const struct zl_store_subs_rec *r);
    int (*rec_get)(zl_store *s, int64_t seq, zl_store_subs_rec_cb cb,
                   void *ctx);
    int (*rec_list)(zl_store *s, zl_store_subs_rec_cb cb, void *ctx);
};

extern const struct zl_store_subs_ops zl_sqlite_subs_ops;
extern const struct zl_store_subs_ops zl_pg_subs_ops;

#endif
