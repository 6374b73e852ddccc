/*
 * sqlite_triggers.c - the triggers that keep SQLite's derived tables (the
 * sites index, the trade index, rule_gen): verify's check and reindex's
 * repair.
 *
 * A trigger that is there but does less than the store's own (its WHEN
 * made always false, a statement dropped from its body) lets a derived
 * table go stale as surely as a dropped one, and only the rows it then
 * fails to write would say so, one event at a time and only for writers
 * that go through it. SQLite keeps each trigger's CREATE statement in
 * sqlite_master as it was written, minus "IF NOT EXISTS"; so verify
 * compares that text, byte for byte, with the statement the store itself
 * runs to make the trigger. The triggers to check are read from that
 * schema text, so a trigger added to a schema is checked with no list to
 * keep in step.
 *
 * Repair drops each of the schema's triggers and runs the schema again:
 * "CREATE TRIGGER IF NOT EXISTS" alone would keep an edited trigger.
 */
#include "store/sqlite_int.h"
#include "util/alloc.h"
#include "zhiliang/error.h"

#include <stdio.h>
#include <string.h>

static const char CREATE[] = "CREATE TRIGGER IF NOT EXISTS ";

/* One trigger statement of a schema text. */
struct trigger_sql {
    char name[64];
    char *stored; /* the text sqlite_master keeps for it (heap) */
};

/* Find the next "CREATE TRIGGER IF NOT EXISTS" statement at or after *p;
 * fill t and move *p past it. 1 found, 0 none left, ZL_ENOMEM or
 * ZL_ESTORE (a statement that never completes: the schema text is
 * wrong). */
static int next_trigger(const char **p, struct trigger_sql *t)
{
    const char *at = strstr(*p, CREATE), *name, *semi;
    size_t n;

    if (!at)
        return 0;
    name = at + sizeof CREATE - 1;
    n = strcspn(name, " ");
    if (n == 0 || n >= sizeof t->name)
        return ZL_ESTORE;
    memcpy(t->name, name, n);
    t->name[n] = '\0';
    /* the statement ends at the first ';' that completes it (a trigger's
     * body holds statements of its own) */
    for (semi = strchr(name, ';'); semi; semi = strchr(semi + 1, ';')) {
        size_t len = (size_t)(semi + 1 - at);
        char *stmt = zl_malloc(len + 1);

        if (!stmt)
            return ZL_ENOMEM;
        memcpy(stmt, at, len);
        stmt[len] = '\0';
        if (sqlite3_complete(stmt)) {
            /* as SQLite stores it: no IF NOT EXISTS, no ';' */
            size_t head = sizeof "CREATE TRIGGER " - 1;
            size_t skip = sizeof CREATE - 1 - head;

            memmove(stmt + head, stmt + head + skip, len - head - skip);
            stmt[len - skip - 1] = '\0';
            t->stored = stmt;
            *p = semi + 1;
            return 1;
        }
        zl_free(stmt);
    }
    return ZL_ESTORE;
}

int zl_sqlite_triggers_check(zl_store *s, const char *schema, const char *keeps,
                             zl_store_sites_issue_cb cb, void *ctx)
{
    static const char SQL[] =
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1";
    const char *p = schema;
    struct trigger_sql t;
    int rc = 0, more = 0;

    while (!rc && (more = next_trigger(&p, &t)) == 1) {
        sqlite3_stmt *st = zl_sqlite_stmt(s, SQL);
        const char *what = NULL;
        int src;

        if (!st) {
            zl_free(t.stored);
            return ZL_ESTORE;
        }
        sqlite3_bind_text(st, 1, t.name, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            what = "is missing";
        else if (src != SQLITE_ROW)
            rc = ZL_ESTORE;
        else if (sqlite3_column_type(st, 0) != SQLITE_TEXT ||
                 strcmp((const char *)sqlite3_column_text(st, 0), t.stored))
            what = "is not the store's own (its text was changed)";
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        zl_free(t.stored);
        if (what) {
            char detail[256];

            snprintf(detail, sizeof detail,
                     "trigger %s %s (%s would go stale; `zhiliang"
                     " reindex` makes it again)",
                     t.name, what, keeps);
            rc = cb(ctx, NULL, detail);
        }
    }
    return rc ? rc : more < 0 ? more : 0;
}

int zl_sqlite_triggers_remake(zl_store *s, const char *schema)
{
    const char *p = schema;
    struct trigger_sql t;
    int rc = 0, more = 0;

    while (!rc && (more = next_trigger(&p, &t)) == 1) {
        char drop[sizeof "DROP TRIGGER IF EXISTS " + sizeof t.name];

        zl_free(t.stored);
        snprintf(drop, sizeof drop, "DROP TRIGGER IF EXISTS %s", t.name);
        rc = zl_sqlite_exec(s, drop);
    }
    if (!rc && more < 0)
        rc = more;
    return rc ? rc : zl_sqlite_exec(s, schema);
}
