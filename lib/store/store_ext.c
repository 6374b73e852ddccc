/*
 * store_ext.c - schema hooks of the modules built on the store.
 *
 * Modules that keep their own tables (the log, parties and tokens, recall
 * cases) declare a zl_store_<module>_schema() in their store_<module>.h
 * and are called from here when a store is created, so store_sqlite.c
 * need not know about them.
 */
#include "store/store.h"
#include "store/store_log.h"
#include "store/store_party.h"
#include "store/store_recall.h"
#include "store/store_docs.h"
#include "store/store_correction.h"

int zl_store_ext_schema(zl_store *s);

int zl_store_ext_schema(zl_store *s)
{
    int rc = zl_store_log_schema(s);

    if (!rc)
        rc = zl_store_party_schema(s);
    if (!rc)
        rc = zl_store_recall_schema(s);
    if (!rc)
        rc = zl_store_docs_schema(s);
    if (!rc)
        rc = zl_store_correction_schema(s);
    return rc;
}
