/*
 * store_savepoint.c - one level of savepoint inside a write transaction
 * (store.h), so that a bulk load can group many documents into one
 * commit while each document still lands whole or not at all.
 *
 * Why: a commit's cost is mostly the pages it writes, and most of those
 * are the leaves of random-keyed indexes (the event hash, the log's key
 * hash, event_refs): a document of 1,000 events dirties hundreds of them
 * whatever their number of rows, so committing several documents at once
 * writes each shared page once. The savepoint keeps the per-document
 * contract: a document that fails half-way is undone to its mark and the
 * batch goes on without it.
 *
 * The mark is remembered as the number of the transaction it was set in
 * (s->sp_tx), so a commit or rollback, which ends every savepoint on both
 * backends, leaves no stale mark without store.c knowing of savepoints.
 * Rolling back to the mark drops the module states like a rollback does
 * (the log's frontier may describe undone leaves; modules rebuild lazily).
 * So no state may hold rows not yet written when a mark is set: the trace
 * index's pending events (store_tix.h) are written right after each
 * release and before each mark, as zl_store_commit writes them, and the
 * PostgreSQL backend writes its held-back rows at the mark and the
 * release. A failed release leaves the mark for the caller to undo to; a
 * failed write outside a mark leaves rows that no mark covers, so the
 * whole transaction is rolled back (the batch is lost, and says so at its
 * commit).
 */
#include "store/backend.h"
#include "store/store_tix.h"

static int marked(const zl_store *s)
{
    return s->in_tx && s->sp_tx == s->n_tx;
}

int zl_store_savepoint(zl_store *s)
{
    int rc;

    if (!s->in_tx || marked(s))
        return ZL_EINVAL;
    if (!s->be->savepoint)
        return ZL_EUNSUPPORTED;
    if ((rc = zl_tix_flush(s)) || (rc = s->be->savepoint(s))) {
        zl_store_rollback(s);
        return rc;
    }
    s->sp_tx = s->n_tx;
    return 0;
}

/* A failed release keeps the mark: the caller can still undo to it. */
int zl_store_release(zl_store *s)
{
    int rc;

    if (!marked(s))
        return ZL_EINVAL;
    if ((rc = s->be->release(s)))
        return rc;
    s->sp_tx = 0;
    /* after the release: under a mark SQLite keeps the sub-journal of
     * the whole mark in memory (temp_store=MEMORY) and each statement of
     * the flush that opens a statement journal walked it from its start,
     * which made a batch 5x slower */
    if ((rc = zl_tix_flush(s)))
        zl_store_rollback(s);
    return rc;
}

int zl_store_rollback_to(zl_store *s)
{
    if (!marked(s))
        return ZL_EINVAL;
    s->sp_tx = 0;
    /* every module state, as zl_store_rollback drops them */
    for (size_t i = 0; i < s->n_mods; i++)
        zl_store_module_set(s, s->mods[i].key, NULL, NULL);
    return s->be->rollback_to(s);
}
