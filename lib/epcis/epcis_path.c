/*
 * epcis_path.c - JSON paths for validation errors
 * ("$.epcisBody.eventList[3].epcList[0]").
 *
 * What: one fixed buffer per parse that the validator pushes a key or an
 * index onto before it looks at a value and pops after, so that a failure
 * names where it is without building anything on the success path.
 *
 * Why this way: a path is built for every key and array element the
 * validator visits, so it is formatted by hand (snprintf was ~5% of a
 * parse) into a buffer that never allocates; a path longer than the
 * buffer is cut, as snprintf would. Rejected: a stack of (key, index)
 * frames formatted only on failure (every caller would have to keep the
 * frames alive; the flat string is simpler and as fast), and JSON Pointer
 * syntax (the messages read "$.a.b[1]", which tests and users rely on).
 */
#include "epcis/epcis_int.h"

#include <string.h>

static void path_put(struct ep_path *p, const char *s, size_t n)
{
    size_t room = sizeof p->s - 1 - p->len;

    if (n > room)
        n = room;
    memcpy(p->s + p->len, s, n);
    p->len += n;
    p->s[p->len] = '\0';
}

void ep_path_set(struct ep_path *p, const char *s)
{
    p->len = 0;
    p->s[0] = '\0';
    path_put(p, s, strlen(s));
}

size_t ep_path_key(struct ep_path *p, const char *k)
{
    size_t old = p->len;

    path_put(p, ".", 1);
    path_put(p, k, strlen(k));
    return old;
}

size_t ep_path_idx(struct ep_path *p, size_t i)
{
    size_t old = p->len;
    char t[24];
    size_t n = sizeof t;

    t[--n] = ']';
    do {
        t[--n] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    t[--n] = '[';
    path_put(p, t + n, sizeof t - n);
    return old;
}

void ep_path_pop(struct ep_path *p, size_t old)
{
    p->len = old;
    p->s[old] = '\0';
}
