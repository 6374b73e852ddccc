/*
 * field_check.c - per-field error reporting for the risk module's writers
 * (field_check.h). One place decides how a bad field is shown: escaped,
 * cut at 200 bytes, the first one the call's error.
 */
#include "risk/field_check.h"

#include <stdio.h>
#include <string.h>

void rk_bad_n(struct rk_check *c, const char *field, const char *value,
              size_t vlen, const char *why)
{
    char v[200];
    struct zl_risk_field_error e;

    zl_text_escape(v, sizeof v, value ? value : "", value ? vlen : 0);
    if (!c->n++)
        zl_error_set(c->err, ZL_EINVAL, field, why, v, (size_t)-1);
    e.field = field;
    e.value = v;
    e.why = why;
    if (c->cb && !c->cb_rc)
        c->cb_rc = c->cb(c->ctx, &e);
}

void rk_bad(struct rk_check *c, const char *field, const char *value,
            const char *why)
{
    rk_bad_n(c, field, value, value ? strlen(value) : 0, why);
}

size_t rk_chars(const char *s, size_t n)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

int rk_text_ok(struct rk_check *c, const char *field, const char *v, size_t max,
               int required)
{
    char why[120];

    if (!v || !*v || strspn(v, " \t\n") == strlen(v)) {
        if (required) {
            rk_bad(c, field, v, "is required");
            return -1;
        }
        return 0;
    }
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n') {
            rk_bad(c, field, v, "must not hold control characters");
            return -1;
        }
    if (rk_chars(v, strlen(v)) > max) {
        snprintf(why, sizeof why, "must be at most %zu characters", max);
        rk_bad(c, field, v, why);
        return -1;
    }
    return 1;
}
