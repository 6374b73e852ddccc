/*
 * field_check.h - the per-field error reporting that the risk module's
 * writers (intake.c, handle.c, dispose.c) share: every bad field is
 * reported to the caller's callback with its name, its value (escaped)
 * and why, and the first one also becomes the call's zl_error, so a
 * form can mark every field at once and a CLI can print the first.
 */
#ifndef ZL_RISK_FIELD_CHECK_H
#define ZL_RISK_FIELD_CHECK_H

#include "zhiliang/error.h"
#include "zhiliang/risk_intake.h"

#include <stddef.h>

/* One write's checks: the caller's callback and error, how many fields
 * were bad, and the callback's first nonzero answer (after which it is
 * not called again). */
struct rk_check {
    zl_risk_error_cb cb;
    void *ctx;
    struct zl_error *err;
    int n;
    int cb_rc;
};

/* Report field as bad: value[0..vlen) (NULL for none) and why. */
void rk_bad_n(struct rk_check *c, const char *field, const char *value,
              size_t vlen, const char *why);

/* rk_bad_n for a NUL-terminated value (or NULL). */
void rk_bad(struct rk_check *c, const char *field, const char *value,
            const char *why);

/* The UTF-8 characters in s[0..n). */
size_t rk_chars(const char *s, size_t n);

/* An optional or required text of at most max characters, without
 * control characters but newlines: 1 present and good, 0 absent (or
 * blank), -1 reported through c. */
int rk_text_ok(struct rk_check *c, const char *field, const char *v, size_t max,
               int required);

#endif
