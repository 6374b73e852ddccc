/*
 * epcis_prescan.c - a structural walk of the raw JSON text before jansson
 * sees it, and the load that follows.
 *
 * What: one pass over the bytes that tracks only nesting, keys and array
 * indexes. It enforces the nesting cap before jansson recurses (a deep
 * document would otherwise exhaust the stack), counts the events so an
 * oversized list is refused before its tree is built, records each
 * event's byte range (the stored event JSON is then the text as given,
 * minus insignificant whitespace, instead of a re-serialisation), and
 * maps a byte offset back to a JSON path, so that jansson's "duplicate
 * key" and syntax errors can name where they are.
 *
 * Why this way: jansson reports a byte position, not a path, and has no
 * depth limit of its own below its compile-time one. Rejected: a second
 * full parser (the walk trusts jansson for syntax and does not validate
 * anything itself, so malformed text is simply left to jansson), and a
 * streaming parser for the whole capture (jansson's tree is what the
 * validator and the pre-hash walk).
 */
#include "epcis/epcis_int.h"

#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

struct frame {
    char kind; /* '{' or '[' */
    size_t idx;
    const char *key;
    size_t klen;
    int expect_key;
};

static void slice_add(struct ep_slices *sl, size_t start)
{
    if (sl->failed)
        return;
    if (sl->n == sl->cap) {
        size_t nc = sl->cap ? sl->cap * 2 : 256;
        size_t(*a)[2] = zl_realloc(sl->r, nc * sizeof *a);
        if (!a) {
            sl->failed = 1;
            return;
        }
        sl->r = a;
        sl->cap = nc;
    }
    sl->r[sl->n][0] = start;
    sl->r[sl->n][1] = start;
    sl->n++;
}

/* The offset of the quote that ends the string whose text starts at i
 * (len if none). Two memchr calls per string instead of a test per byte:
 * strings (keys, URIs) are most of an EPCIS document, and the byte loop
 * was a third of the cost of jansson's own parse. A backslash skips the
 * byte after it, as in the byte loop this replaces. */
static size_t string_end(const char *buf, size_t i, size_t len)
{
    while (i < len) {
        const char *q = memchr(buf + i, '"', len - i);
        size_t e = q ? (size_t)(q - buf) : len;
        const char *b = memchr(buf + i, '\\', e - i);

        if (!b)
            return e;
        i = (size_t)(b - buf) + 2;
    }
    return len;
}

static int key_is(const struct frame *f, const char *k, size_t n)
{
    return f->kind == '{' && f->key && f->klen == n && !memcmp(f->key, k, n);
}

/* Which event list the object opened at depth (a range's first byte) is
 * an element of, by the full path of keys as written: 1 $[i], 2
 * $.epcisBody.eventList[i], 3 $.epcisBody.queryResults.resultsBody.
 * eventList[i]; 0 none of them (an "eventList" elsewhere). */
static int list_kind(const struct frame *st, size_t depth)
{
    if (depth == 2)
        return 1;
    if (depth == 4)
        return key_is(&st[0], "epcisBody", 9) && key_is(&st[1], "eventList", 9)
                   ? 2
                   : 0;
    return key_is(&st[0], "epcisBody", 9) &&
                   key_is(&st[1], "queryResults", 12) &&
                   key_is(&st[2], "resultsBody", 11) &&
                   key_is(&st[3], "eventList", 9)
               ? 3
               : 0;
}

int ep_prescan(const char *buf, size_t len, size_t max_depth, size_t stop,
               struct ep_path *path, struct ep_slices *sl)
{
    size_t rec_depth = 0;
    struct frame st[258];
    size_t depth = 0, i = 0, d, cap = max_depth >= 256 ? 257 : max_depth + 1;
    int r = 0;
    while (i < len && i < stop) {
        char c = buf[i];
        if (c == '"') {
            size_t s = ++i;

            i = string_end(buf, i, len);
            if (depth && st[depth - 1].kind == '{' &&
                st[depth - 1].expect_key) {
                st[depth - 1].key = buf + s;
                st[depth - 1].klen = (i < len ? i : len) - s;
                st[depth - 1].expect_key = 0;
            }
            i++;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth + 1 > max_depth || depth + 1 >= cap) {
                r = ZL_ELIMIT;
                break;
            }
            st[depth].kind = c;
            st[depth].idx = 0;
            st[depth].key = NULL;
            st[depth].klen = 0;
            st[depth].expect_key = c == '{';
            depth++;
            /* an event: an object directly in an eventList array at depth
             * 3 (document) or 5 (query document), or in a top-level array */
            if (sl && c == '{' && depth >= 2 && st[depth - 2].kind == '[' &&
                !rec_depth &&
                (depth == 2 || ((depth == 4 || depth == 6) &&
                                st[depth - 3].key && st[depth - 3].klen == 9 &&
                                !memcmp(st[depth - 3].key, "eventList", 9)))) {
                int kind = list_kind(st, depth);
                if (!sl->n)
                    sl->depth = depth;
                else if (kind != sl->kind)
                    sl->stray = 1;
                if (!kind)
                    sl->stray = 1;
                sl->kind = kind;
                slice_add(sl, i);
                rec_depth = depth;
            }
        } else if (c == '}' || c == ']') {
            if (depth) {
                if (sl && rec_depth == depth && c == '}' && sl->n &&
                    !sl->failed) {
                    sl->r[sl->n - 1][1] = i + 1;
                    rec_depth = 0;
                }
                depth--;
            }
        } else if (c == ',' && depth) {
            if (st[depth - 1].kind == '[')
                st[depth - 1].idx++;
            else
                st[depth - 1].expect_key = 1;
        }
        i++;
    }
    path->len = 0;
    path->s[0] = '$';
    path->s[1] = '\0';
    path->len = 1;
    for (d = 0; d < depth; d++) {
        if (st[d].kind == '[') {
            ep_path_idx(path, st[d].idx);
        } else if (st[d].key) {
            char k[128];
            size_t kl = st[d].klen < sizeof k - 1 ? st[d].klen : sizeof k - 1;
            memcpy(k, st[d].key, kl);
            k[kl] = '\0';
            ep_path_key(path, k);
        }
    }
    return r;
}

int ep_prescan_doc(const char *buf, size_t len, size_t max_depth,
                   size_t max_events, struct zl_error *err,
                   struct ep_slices *sl)
{
    struct ep_path p;
    char rule[300];
    if (ep_prescan(buf, len, max_depth, (size_t)-1, &p, sl) < 0) {
        snprintf(rule, sizeof rule, "JSON nesting deeper than max_depth (%zu)",
                 max_depth);
        return zl_error_set(err, ZL_ELIMIT, p.s, rule, NULL, 0);
    }
    /* refuse an oversized event list before building its tree */
    if (sl && !sl->failed && sl->n > max_events) {
        snprintf(rule, sizeof rule, "%zu events is more than max_events (%zu)",
                 sl->n, max_events);
        return zl_error_set(err, ZL_ELIMIT,
                            sl->depth == 2   ? "$"
                            : sl->depth == 4 ? "$.epcisBody.eventList"
                                             : "$.epcisBody.queryResults."
                                               "resultsBody.eventList",
                            rule, NULL, 0);
    }
    return 0;
}

int ep_load_tree(const char *buf, size_t len, json_t **root,
                 struct zl_error *err)
{
    json_error_t je;
    struct ep_path p;
    char rule[300];
    *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!*root) {
        int dup = strstr(je.text, "duplicate") != NULL;
        ep_prescan(buf, len, (size_t)-1,
                   (size_t)(je.position > 0 ? je.position : 0), &p, NULL);
        if (dup)
            snprintf(rule, sizeof rule,
                     "duplicate object key (JSON keys must be unique): %s",
                     je.text);
        else
            snprintf(rule, sizeof rule, "JSON syntax: %s (line %d, column %d)",
                     je.text, je.line, je.column);
        return zl_error_set(err, ZL_ESYNTAX, p.s, rule, NULL, 0);
    }
    return 0;
}

int ep_load_json(const char *buf, size_t len, size_t max_depth,
                 size_t max_events, json_t **root, struct zl_error *err,
                 struct ep_slices *sl)
{
    int r;
    if ((r = ep_prescan_doc(buf, len, max_depth, max_events, err, sl)) < 0)
        return r;
    return ep_load_tree(buf, len, root, err);
}
