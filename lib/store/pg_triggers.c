/*
 * pg_triggers.c - verify's check of the triggers and trigger functions
 * that keep PostgreSQL's derived tables (the sites index, rule_gen).
 *
 * A trigger that is there but does less than the store's own lets a
 * derived table go stale as surely as a dropped one: disabled (ALTER
 * TABLE ... DISABLE TRIGGER), made again on fewer events, or its
 * function's body replaced (CREATE OR REPLACE FUNCTION ... RETURN NULL).
 * So verify reads, for every "CREATE OR REPLACE FUNCTION" and "CREATE OR
 * REPLACE TRIGGER" statement of the schema text the store runs:
 *   - a function's body (pg_proc.prosrc, kept as written between the
 *     $$ quotes) against the text's;
 *   - a trigger's definition as PostgreSQL prints it (pg_get_triggerdef
 *     with the store's schema on the search path) against the text's,
 *     which is written in that printed form (events in the order INSERT,
 *     DELETE, UPDATE, TRUNCATE), and whether it is enabled.
 * The statements to check are read from the schema text itself, so a
 * function or trigger added to a schema is checked with no list to keep.
 * Reindex repairs each: the schema's CREATE OR REPLACE statements make
 * them again, enabled.
 */
#include "store/pg_int.h"

#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

static const char FUNCTION[] = "CREATE OR REPLACE FUNCTION ";
static const char TRIGGER[] = "CREATE OR REPLACE TRIGGER ";

/* One statement found: its kind (0 function, 1 trigger), its name and
 * what the catalogue should hold for it (heap). */
struct pg_object {
    int trigger;
    char name[64];
    char *want;
};

/* The name at p, ended by '(' or ' ': 0 or ZL_ESTORE. */
static int name_at(const char *p, char *name, size_t cap)
{
    size_t n = strcspn(p, "( ");

    if (n == 0 || n >= cap)
        return ZL_ESTORE;
    memcpy(name, p, n);
    name[n] = '\0';
    return 0;
}

static char *copy(const char *p, size_t n)
{
    char *t = zl_malloc(n + 1);

    if (t) {
        memcpy(t, p, n);
        t[n] = '\0';
    }
    return t;
}

/* The next function or trigger statement at or after *p: 1 found (o
 * filled, *p moved past it), 0 none left, or a negative ZL_E* code (a
 * statement the reader cannot take apart: the schema text is wrong). */
static int next_object(const char **p, struct pg_object *o)
{
    const char *f = strstr(*p, FUNCTION), *t = strstr(*p, TRIGGER);
    const char *body, *end;
    int rc;

    if (!f && !t)
        return 0;
    o->trigger = !f || (t && t < f);
    if (o->trigger) {
        /* as pg_get_triggerdef prints it: "CREATE TRIGGER ...", no ';' */
        static const char HEAD[] = "CREATE TRIGGER ";
        const char *rest = t + sizeof TRIGGER - 1;
        size_t n;

        if ((rc = name_at(rest, o->name, sizeof o->name)) ||
            !(end = strchr(rest, ';')))
            return rc ? rc : ZL_ESTORE;
        n = (size_t)(end - rest);
        if (!(o->want = zl_malloc(sizeof HEAD + n)))
            return ZL_ENOMEM;
        memcpy(o->want, HEAD, sizeof HEAD - 1);
        memcpy(o->want + sizeof HEAD - 1, rest, n);
        o->want[sizeof HEAD - 1 + n] = '\0';
        *p = end + 1;
        return 1;
    }
    if ((rc = name_at(f + sizeof FUNCTION - 1, o->name, sizeof o->name)))
        return rc;
    /* the body: between the first $$ and the next */
    if (!(body = strstr(f, "$$")) || !(end = strstr(body + 2, "$$")))
        return ZL_ESTORE;
    body += 2;
    if (!(o->want = copy(body, (size_t)(end - body))))
        return ZL_ENOMEM;
    *p = end + 2;
    return 1;
}

/* What is wrong with o in the catalogue, or NULL when nothing is;
 * *rc set on a failed read. */
static const char *object_issue(zl_store *s, const struct pg_object *o, int *rc)
{
    static const char FN_SQL[] =
        "SELECT prosrc FROM pg_proc WHERE proname = $1::text"
        " AND pronamespace = current_schema()::regnamespace";
    static const char TG_SQL[] =
        "SELECT pg_get_triggerdef(t.oid, true), t.tgenabled::text"
        " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE c.relnamespace = current_schema()::regnamespace"
        " AND t.tgname = $1::text";
    struct zl_pg_params params;
    const char *issue = NULL;
    PGresult *r;

    zl_pg_params_init(&params);
    zl_pg_text(&params, o->name);
    if (!(r = zl_pg_run(s, o->trigger ? TG_SQL : FN_SQL, &params, rc)))
        return NULL;
    if (PQntuples(r) == 0)
        issue = "is missing";
    else if (strcmp(zl_pg_str_or_empty(r, 0, 0), o->want))
        issue = o->trigger ? "is not the store's own (its definition was"
                             " changed)"
                           : "is not the store's own (its body was changed)";
    else if (o->trigger && strcmp(zl_pg_str_or_empty(r, 0, 1), "O") &&
             strcmp(zl_pg_str_or_empty(r, 0, 1), "A"))
        issue = "is disabled";
    PQclear(r);
    return issue;
}

/* Whether name was already checked among the n in seen (a function two
 * schema texts both make, such as zl_rule_bump, is reported once). */
static int seen_before(char (*seen)[64], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(seen[i], name))
            return 1;
    return 0;
}

int zl_pg_triggers_check(zl_store *s, const char *const *schemas,
                         size_t n_schemas, const char *keeps,
                         zl_store_sites_issue_cb cb, void *ctx)
{
    char seen[64][64];
    size_t n_seen = 0;
    int rc = 0, more = 0;

    for (size_t i = 0; i < n_schemas && !rc; i++) {
        const char *p = schemas[i];
        struct pg_object o;

        while (!rc && (more = next_object(&p, &o)) == 1) {
            const char *issue = NULL;

            if (!seen_before(seen, n_seen, o.name)) {
                if (n_seen < sizeof seen / sizeof seen[0])
                    memcpy(seen[n_seen++], o.name, sizeof o.name);
                issue = object_issue(s, &o, &rc);
            }
            if (issue && !rc) {
                char detail[256];

                snprintf(detail, sizeof detail,
                         "%s %s %s (%s would go stale; `zhiliang reindex`"
                         " makes it again)",
                         o.trigger ? "trigger" : "function", o.name, issue,
                         keeps);
                rc = cb(ctx, NULL, detail);
            }
            zl_free(o.want);
        }
        if (!rc && more < 0)
            rc = more;
    }
    return rc;
}
