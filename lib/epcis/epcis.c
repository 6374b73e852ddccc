/*
 * epcis.c - parse and validate EPCIS 2.0 JSON / JSON-LD capture documents
 * and fill struct zl_event (see zhiliang/epcis.h).
 *
 * Shape: size cap, then a structural pre-scan of the raw text (nesting
 * depth cap before jansson recurses, and a byte offset -> JSON path map so
 * that jansson's "duplicate key" errors can name the path), then jansson
 * with JSON_REJECT_DUPLICATES, then one pass over the events that
 * validates against the rules of the GS1 EPCIS 2.0 JSON Schema (required
 * fields per event type, value types, enumerations, allowed property
 * names), canonicalises identifiers through zl_gs1_canonical(), builds the
 * CBV 2.0 pre-hash (prehash.c) and hashes it.
 *
 * A JSON Schema engine was rejected: it would report "anyOf failed" where
 * a user needs "epcList[3]: GTIN check digit"; the rules are hand-written
 * per field and each failure names path, rule and value. Everything a
 * document returns lives in one arena freed by zl_epcis_doc_free.
 */
#include "zhiliang/epcis.h"

#include "epcis/epcis_int.h"
#include "util/alloc.h"
#include "util/timefmt.h"
#include "zhiliang/gs1.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct zl_epcis_doc {
    struct ep_arena a;
    struct zl_event *events;
    size_t n;
};

#define PREHASH_MAX ((size_t)8 << 20)

/* ---- JSON paths ---- */
struct path {
    char s[256];
    size_t len;
};

/* Paths are built for every key and array element the validator visits,
 * so they are formatted by hand (snprintf was ~5% of a parse). A path
 * longer than the buffer is cut, as snprintf would. */
static void path_put(struct path *p, const char *s, size_t n)
{
    size_t room = sizeof p->s - 1 - p->len;

    if (n > room)
        n = room;
    memcpy(p->s + p->len, s, n);
    p->len += n;
    p->s[p->len] = '\0';
}

static size_t path_key(struct path *p, const char *k)
{
    size_t old = p->len;

    path_put(p, ".", 1);
    path_put(p, k, strlen(k));
    return old;
}

static size_t path_idx(struct path *p, size_t i)
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

static void path_pop(struct path *p, size_t old)
{
    p->len = old;
    p->s[old] = '\0';
}

/* ---- structural pre-scan ---- */
struct frame {
    char kind;           /* '{' or '[' */
    size_t idx;
    const char *key;
    size_t klen;
    int expect_key;
};

/* Byte ranges of the events in the raw text (elements of an "eventList"
 * array at document or query-document depth, or of a top-level array), so
 * the stored event JSON is the text as given, minus insignificant
 * whitespace, instead of a re-serialisation. */
struct slices {
    size_t (*r)[2];
    size_t n, cap;
    int failed;
    size_t depth;        /* nesting depth of the first event */
};

static void slice_add(struct slices *sl, size_t start)
{
    if (sl->failed)
        return;
    if (sl->n == sl->cap) {
        size_t nc = sl->cap ? sl->cap * 2 : 256;
        size_t (*a)[2] = zl_realloc(sl->r, nc * sizeof *a);
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

/* Walk the raw text. Stops with ZL_ELIMIT when nesting passes max_depth,
 * or, when stop < len, at byte offset stop; either way path gets the
 * location reached. Malformed text is left for jansson to report. When sl
 * is not NULL it receives the event ranges. */
static int prescan(const char *buf, size_t len, size_t max_depth, size_t stop,
                   struct path *path, struct slices *sl)
{
    size_t rec_depth = 0;
    struct frame st[258];
    size_t depth = 0, i = 0, d, cap = max_depth >= 256 ? 257 : max_depth + 1;
    int r = 0;
    while (i < len && i < stop) {
        char c = buf[i];
        if (c == '"') {
            size_t s = ++i;
            while (i < len && buf[i] != '"') {
                if (buf[i] == '\\')
                    i++;
                i++;
            }
            if (depth && st[depth - 1].kind == '{' && st[depth - 1].expect_key) {
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
                (depth == 2 ||
                 ((depth == 4 || depth == 6) && st[depth - 3].key &&
                  st[depth - 3].klen == 9 &&
                  !memcmp(st[depth - 3].key, "eventList", 9)))) {
                if (!sl->n)
                    sl->depth = depth;
                slice_add(sl, i);
                rec_depth = depth;
            }
        } else if (c == '}' || c == ']') {
            if (depth) {
                if (sl && rec_depth == depth && c == '}' && sl->n && !sl->failed) {
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
            path_idx(path, st[d].idx);
        } else if (st[d].key) {
            char k[128];
            size_t kl = st[d].klen < sizeof k - 1 ? st[d].klen : sizeof k - 1;
            memcpy(k, st[d].key, kl);
            k[kl] = '\0';
            path_key(path, k);
        }
    }
    return r;
}

/* ---- validation context ---- */
struct vctx {
    zl_epcis_doc *doc;
    struct zl_error *err;
    struct path path;
    char canon[1024];
    /* identifiers of the current event: JSON string -> canonical form */
    const char **id_raw, **id_canon;
    size_t n_id, cap_id;
    const char *ctxtext;   /* "@context":... (and ignoreFields) to add */
    /* Identifiers canonicalised so far in this document, by raw text: the
     * same EPCs and locations recur from event to event (a pack, then its
     * aggregation, then its shipping), and the GS1 parse with check digits
     * was the largest part of validation. Open addressing, mask + 1 slots.
     * stamp marks the identifier list that last held the entry, which
     * makes uniqueItems one lookup. */
    struct idc_slot {
        const char *raw;   /* the JSON string (lives as long as the tree) */
        size_t len;
        const char *canon; /* doc arena */
        size_t stamp;
    } *idc;
    size_t idc_mask, idc_n, stamp;
    json_t *ign;           /* the document's ignoreFields list, or NULL */
    char ign_key[160];     /* its key, "<prefix>:ignoreFields" */
};

static int remember_id(struct vctx *v, const char *raw, const char *canon)
{
    if (v->n_id == v->cap_id) {
        size_t nc = v->cap_id ? v->cap_id * 2 : 64;
        const char **a = zl_realloc(v->id_raw, nc * sizeof *a);
        const char **b;
        if (!a)
            return ZL_ENOMEM;
        v->id_raw = a;
        b = zl_realloc(v->id_canon, nc * sizeof *b);
        if (!b)
            return ZL_ENOMEM;
        v->id_canon = b;
        v->cap_id = nc;
    }
    v->id_raw[v->n_id] = raw;
    v->id_canon[v->n_id++] = canon;
    return 0;
}

/* Index the identifiers of the event for the pre-hash (scratch-owned). */
static int index_ids(struct vctx *v, struct ep_arena *scratch,
                     struct ep_hashctx *hc)
{
    size_t slots = 16, i;
    hc->id_raw = hc->id_canon = NULL;
    hc->id_mask = 0;
    if (!v->n_id)
        return 0;
    while (slots < v->n_id * 2)
        slots *= 2;
    hc->id_raw = ep_alloc(scratch, slots * sizeof *hc->id_raw);
    hc->id_canon = ep_alloc(scratch, slots * sizeof *hc->id_canon);
    if (!hc->id_raw || !hc->id_canon)
        return ZL_ENOMEM;
    memset(hc->id_raw, 0, slots * sizeof *hc->id_raw);
    hc->id_mask = slots - 1;
    for (i = 0; i < v->n_id; i++) {
        size_t h = ((size_t)(uintptr_t)v->id_raw[i] >> 3) *
                   0x9E3779B97F4A7C15ull;
        for (h &= hc->id_mask; hc->id_raw[h]; h = (h + 1) & hc->id_mask)
            ;
        hc->id_raw[h] = v->id_raw[i];
        hc->id_canon[h] = v->id_canon[i];
    }
    return 0;
}

/* Free what jansson allocated (json_dumps text) with jansson's own free:
 * during a parse that is the arena's no-op (see parse). */
static void jfree(void *p)
{
    json_malloc_t m;
    json_free_t f;

    json_get_alloc_funcs(&m, &f);
    f(p);
}

static void *jarena_alloc(void *ctx, size_t n)
{
    return ep_alloc(ctx, n);
}

/* Each thread keeps its JSON arena's memory between parses (at most
 * JARENA_KEEP bytes, freed when the thread exits): fresh multi-megabyte
 * chunks come from mmap, and their page faults cost as much as the
 * per-node mallocs the arena saves. */
#define JARENA_KEEP ((size_t)16 << 20)
static pthread_key_t jarena_key;
static pthread_once_t jarena_once = PTHREAD_ONCE_INIT;
static int jarena_key_ok;

static void jarena_destroy(void *p)
{
    ep_arena_cleanup(p);
    zl_free(p);
}

static void jarena_key_init(void)
{
    jarena_key_ok = pthread_key_create(&jarena_key, jarena_destroy) == 0;
}

/* This thread's kept arena, or NULL (then the caller uses its own). */
static struct ep_arena *jarena_get(void)
{
    struct ep_arena *a;

    pthread_once(&jarena_once, jarena_key_init);
    if (!jarena_key_ok)
        return NULL;
    a = pthread_getspecific(jarena_key);
    if (a)
        return a;
    a = zl_malloc(sizeof *a);
    if (!a)
        return NULL;
    ep_arena_init(a);
    if (pthread_setspecific(jarena_key, a) != 0) {
        zl_free(a);
        return NULL;
    }
    return a;
}

static int fail(struct vctx *v, int code, const char *rule, json_t *val)
{
    char buf[256];
    const char *s = "";
    size_t n = 0;
    if (json_is_string(val)) {
        s = json_string_value(val);
        n = json_string_length(val);
    } else if (val) {
        char *d = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
        if (d) {
            snprintf(buf, sizeof buf, "%s", d);
            jfree(d);
            s = buf;
            n = strlen(buf);
        }
    }
    return zl_error_set(v->err, code, v->path.s, rule, s, n);
}

static int fail_key(struct vctx *v, const char *key, int code,
                    const char *rule, json_t *val)
{
    size_t old = path_key(&v->path, key);
    int r = fail(v, code, rule, val);
    path_pop(&v->path, old);
    return r;
}

static char *adup(struct vctx *v, const char *s, size_t n)
{
    return ep_strndup(&v->doc->a, s, n);
}

/* RFC 3986 scheme ":" and no whitespace or controls: what JSON Schema's
 * "format": "uri" checks in practice. */
static int is_uri(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
        return 0;
    while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
                     (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
                     s[i] == '-' || s[i] == '.'))
        i++;
    if (i == n || s[i] != ':')
        return 0;
    for (; i < n; i++) {
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '"' ||
            s[i] == '<' || s[i] == '>' || s[i] == '\\' || s[i] == '^' ||
            s[i] == '`' || s[i] == '{' || s[i] == '|' || s[i] == '}')
            return 0;
        /* C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) are no IRI
         * characters (RFC 3987 ucschar starts at U+00A0); U+009B is a
         * terminal's CSI */
        if ((unsigned char)s[i] == 0xc2 && i + 1 < n &&
            (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f)
            return 0;
    }
    return 1;
}

static int want_uri(struct vctx *v, json_t *j, const char **out)
{
    if (!json_is_string(j))
        return fail(v, ZL_EINVAL, "must be a string (URI)", j);
    if (!is_uri(json_string_value(j), json_string_length(j)))
        return fail(v, ZL_EINVAL, "must be an absolute URI", j);
    if (out && !(*out = adup(v, json_string_value(j), json_string_length(j))))
        return ZL_ENOMEM;
    return 0;
}

static size_t idc_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */

    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

/* The cache slot of s[0..n): its entry, or the empty slot it would take
 * (NULL when the table cannot grow). */
static struct idc_slot *idc_find(struct vctx *v, const char *s, size_t n)
{
    size_t h;

    if (v->idc_n * 2 >= v->idc_mask) {
        size_t nm = v->idc_mask ? v->idc_mask * 2 + 1 : 255;
        struct idc_slot *t = zl_calloc(nm + 1, sizeof *t);

        if (!t)
            return NULL;
        for (size_t i = 0; v->idc && i <= v->idc_mask; i++) {
            if (!v->idc[i].raw)
                continue;
            h = idc_hash(v->idc[i].raw, v->idc[i].len) & nm;
            while (t[h].raw)
                h = (h + 1) & nm;
            t[h] = v->idc[i];
        }
        zl_free(v->idc);
        v->idc = t;
        v->idc_mask = nm;
    }
    for (h = idc_hash(s, n) & v->idc_mask; v->idc[h].raw;
         h = (h + 1) & v->idc_mask)
        if (v->idc[h].len == n && !memcmp(v->idc[h].raw, s, n))
            return &v->idc[h];
    return &v->idc[h];
}

/* A URI naming a thing: GS1 keys in any syntax are checked and become
 * canonical Digital Link; private URIs pass unchanged. With dup non-NULL
 * (members of one identifier list), *dup = 1 when the same string was
 * already in the list (JSON Schema uniqueItems compares strings exactly). */
static int want_id_in(struct vctx *v, json_t *j, const char **out, int *dup)
{
    struct zl_error gerr;
    struct idc_slot *slot;
    const char *raw;
    size_t len;
    int r;

    if (!json_is_string(j))
        return fail(v, ZL_EINVAL, "must be a string (URI)", j);
    raw = json_string_value(j);
    len = json_string_length(j);
    slot = idc_find(v, raw, len);
    if (!slot)
        return ZL_ENOMEM;
    if (slot->raw) {
        if (dup) {
            *dup = slot->stamp == v->stamp;
            slot->stamp = v->stamp;
        }
        *out = slot->canon;
        return remember_id(v, raw, *out);
    }
    if ((r = want_uri(v, j, NULL)) < 0)
        return r;
    if (len >= sizeof v->canon) {
        char rule[200];
        snprintf(rule, sizeof rule,
                 "identifier of %zu bytes is longer than the limit of %zu "
                 "bytes", len, sizeof v->canon - 1);
        return fail(v, ZL_EINVAL, rule, j);
    }
    memset(&gerr, 0, sizeof gerr);
    r = zl_gs1_canonical(raw, len, v->canon, sizeof v->canon, &gerr);
    if (r < 0) {
        char rule[300];
        snprintf(rule, sizeof rule, "invalid GS1 identifier: %.250s",
                 gerr.rule[0] ? gerr.rule : zl_strerror(r));
        return fail(v, r == ZL_ENOMEM ? ZL_ENOMEM
                       : (r == ZL_ECHECK ? ZL_ECHECK : ZL_EINVAL),
                    rule, j);
    }
    if (!(*out = adup(v, v->canon, (size_t)r)))
        return ZL_ENOMEM;
    slot->raw = raw;
    slot->len = len;
    slot->canon = *out;
    slot->stamp = dup ? v->stamp : 0;
    v->idc_n++;
    if (dup)
        *dup = 0;
    return remember_id(v, raw, *out);
}

static int want_id(struct vctx *v, json_t *j, const char **out)
{
    return want_id_in(v, j, out, NULL);
}

static int want_time(struct vctx *v, json_t *j, int64_t *ms, int *off)
{
    int64_t m;
    int o;
    if (!json_is_string(j))
        return fail(v, ZL_EINVAL, "must be a string (ISO 8601 date-time)", j);
    if (zl_time_parse(json_string_value(j), json_string_length(j), &m, &o) < 0)
        return fail(v, ZL_EINVAL,
                    "must be an ISO 8601 date-time with seconds and a time "
                    "zone (Z or +hh:mm)", j);
    if (ms)
        *ms = m;
    if (off)
        *off = o;
    return 0;
}

/* A CBV vocabulary value: a bare term of the standard list or a URI that
 * is not in the old urn:epcglobal:cbv / ns.gs1.org namespaces. */
static int want_cbv(struct vctx *v, json_t *j, enum ep_vocab voc,
                    const char *what, const char **out)
{
    const char *s;
    size_t n;
    char rule[160];
    if (!json_is_string(j))
        return fail(v, ZL_EINVAL, "must be a string", j);
    s = json_string_value(j);
    n = json_string_length(j);
    if (!ep_vocab_has(voc, s, n)) {
        int old = (n >= 17 && !memcmp(s, "urn:epcglobal:cbv", 17)) ||
                  strstr(s, "://ns.gs1.org/cbv/") != NULL;
        int gs1voc = (voc == EP_VOC_MEASURE || voc == EP_VOC_ALERT) &&
                     (strstr(s, "://gs1.org/voc/") ||
                      strstr(s, "://www.gs1.org/voc/"));
        if (!is_uri(s, n) || old || gs1voc) {
            snprintf(rule, sizeof rule,
                     "must be a CBV %s name or a URI of your own "
                     "(not an urn:epcglobal:cbv or gs1.org/voc URI)", what);
            return fail(v, ZL_EINVAL, rule, j);
        }
    }
    if (out && !(*out = ep_cbv_canonical(voc, s, n, &v->doc->a)))
        return ZL_ENOMEM;
    return 0;
}

static int want_number(struct vctx *v, json_t *j, int nonneg, double *d)
{
    if (!json_is_number(j))
        return fail(v, ZL_EINVAL, "must be a number", j);
    if (nonneg && json_number_value(j) < 0)
        return fail(v, ZL_EINVAL, "must be a number >= 0", j);
    if (d)
        *d = json_number_value(j);
    return 0;
}

static int is_ext_key(const char *k)
{
    return strchr(k, ':') != NULL;
}

static int in_list(const char *k, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(k, *names))
            return 1;
    return 0;
}

/* Property names: listed ones or extension URIs/CURIEs ("ex:field"). */
static int check_names(struct vctx *v, json_t *obj, const char *const *names,
                       int allow_ext, const char *what)
{
    const char *k;
    json_t *x;
    json_object_foreach(obj, k, x) {
        if (in_list(k, names) || (allow_ext && is_ext_key(k)))
            continue;
        {
            char rule[200];
            snprintf(rule, sizeof rule,
                     "unknown property for %s (extensions need a "
                     "namespace prefix such as \"ex:%s\")", what, k);
            return fail_key(v, k, ZL_EINVAL, rule, NULL);
        }
    }
    return 0;
}

static int want_uom(struct vctx *v, json_t *j)
{
    const char *s;
    size_t n, i;
    if (!json_is_string(j))
        return fail(v, ZL_EINVAL, "must be a string (UN/CEFACT unit code)", j);
    s = json_string_value(j);
    n = json_string_length(j);
    if (n < 2 || n > 3)
        goto bad;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            goto bad;
    return 0;
bad:
    return fail(v, ZL_EINVAL, "must be a UN/CEFACT unit code (2-3 of A-Z0-9)",
                j);
}

/* ---- event fields ---- */
struct evbuild {
    struct zl_event *ev;
    size_t ids_cap;
};

static int add_id(struct vctx *v, struct evbuild *b, const char *id,
                  enum zl_id_role role, int has_q, double q, const char *uom)
{
    struct zl_event_id *e;
    if (b->ev->n_ids >= b->ids_cap)
        return ZL_ENOMEM;
    e = &((struct zl_event_id *)b->ev->ids)[b->ev->n_ids++];
    e->id = id;
    e->role = role;
    e->has_quantity = has_q;
    e->quantity = q;
    e->uom = uom;
    (void)v;
    return 0;
}

static int epc_list(struct vctx *v, struct evbuild *b, json_t *ev,
                    const char *key, enum zl_id_role role, size_t *count)
{
    json_t *arr = json_object_get(ev, key), *x;
    size_t old, i;
    int r;
    *count = 0;
    if (!arr)
        return 0;
    old = path_key(&v->path, key);
    if (!json_is_array(arr)) {
        r = fail(v, ZL_EINVAL, "must be an array of URIs", arr);
        goto out;
    }
    v->stamp++;   /* a new list: no entry of the cache is in it yet */
    json_array_foreach(arr, i, x) {
        const char *id;
        int dup;
        size_t o2 = path_idx(&v->path, i);
        if ((r = want_id_in(v, x, &id, &dup)) < 0)
            goto out;
        if (dup) {
            r = fail(v, ZL_EINVAL, "duplicate identifier in list "
                     "(uniqueItems)", x);
            goto out;
        }
        if ((r = add_id(v, b, id, role, 0, 0, NULL)) < 0)
            goto out;
        path_pop(&v->path, o2);
    }
    *count = json_array_size(arr);
    r = 0;
out:
    if (r == 0)
        path_pop(&v->path, old);
    return r;
}

static int qty_list(struct vctx *v, struct evbuild *b, json_t *ev,
                    const char *key, enum zl_id_role role, size_t *count)
{
    static const char *const names[] = { "epcClass", "quantity", "uom", NULL };
    json_t *arr = json_object_get(ev, key), *x;
    size_t old, i;
    int r = 0;
    *count = 0;
    if (!arr)
        return 0;
    old = path_key(&v->path, key);
    if (!json_is_array(arr)) {
        r = fail(v, ZL_EINVAL, "must be an array of quantity elements", arr);
        goto out;
    }
    json_array_foreach(arr, i, x) {
        const char *id, *uom = NULL;
        double q = 0;
        json_t *jq, *ju;
        size_t o2 = path_idx(&v->path, i), o3;
        if (!json_is_object(x)) {
            r = fail(v, ZL_EINVAL, "must be an object {epcClass, quantity, uom}",
                     x);
            goto out;
        }
        if ((r = check_names(v, x, names, 0, "a quantity element")) < 0)
            goto out;
        if (!json_object_get(x, "epcClass")) {
            r = fail_key(v, "epcClass", ZL_EINVAL, "required", NULL);
            goto out;
        }
        o3 = path_key(&v->path, "epcClass");
        if ((r = want_id(v, json_object_get(x, "epcClass"), &id)) < 0)
            goto out;
        path_pop(&v->path, o3);
        jq = json_object_get(x, "quantity");
        if (jq) {
            o3 = path_key(&v->path, "quantity");
            if ((r = want_number(v, jq, 1, &q)) < 0)
                goto out;
            path_pop(&v->path, o3);
        }
        ju = json_object_get(x, "uom");
        if (ju) {
            o3 = path_key(&v->path, "uom");
            if ((r = want_uom(v, ju)) < 0)
                goto out;
            path_pop(&v->path, o3);
            if (!(uom = adup(v, json_string_value(ju), json_string_length(ju))))
                return ZL_ENOMEM;
        }
        if ((r = add_id(v, b, id, role, jq != NULL, q, uom)) < 0)
            goto out;
        path_pop(&v->path, o2);
    }
    *count = json_array_size(arr);
out:
    if (r == 0)
        path_pop(&v->path, old);
    return r;
}

static int typed_list(struct vctx *v, json_t *ev, const char *key,
                      const char *vkey, enum ep_vocab voc, int type_required,
                      struct zl_typed_ref **out, size_t *n_out)
{
    const char *names[] = { "type", vkey, NULL };
    json_t *arr = json_object_get(ev, key), *x;
    size_t old, i;
    int r = 0;
    *out = NULL;
    *n_out = 0;
    if (!arr)
        return 0;
    old = path_key(&v->path, key);
    if (!json_is_array(arr)) {
        r = fail(v, ZL_EINVAL, "must be an array", arr);
        goto out;
    }
    *out = ep_alloc(&v->doc->a, (json_array_size(arr) + 1) * sizeof **out);
    if (!*out)
        return ZL_ENOMEM;
    json_array_foreach(arr, i, x) {
        struct zl_typed_ref *t = &(*out)[i];
        json_t *jt, *jv;
        size_t o2 = path_idx(&v->path, i), o3;
        t->type = NULL;
        if (!json_is_object(x)) {
            r = fail(v, ZL_EINVAL, "must be an object", x);
            goto out;
        }
        if ((r = check_names(v, x, names, 0, key)) < 0)
            goto out;
        jt = json_object_get(x, "type");
        jv = json_object_get(x, vkey);
        if (!jt && type_required) {
            r = fail_key(v, "type", ZL_EINVAL, "required", NULL);
            goto out;
        }
        if (!jv) {
            r = fail_key(v, vkey, ZL_EINVAL, "required", NULL);
            goto out;
        }
        if (jt) {
            o3 = path_key(&v->path, "type");
            if ((r = want_cbv(v, jt, voc, voc == EP_VOC_BTT
                                  ? "business transaction type"
                                  : "source/destination type",
                              &t->type)) < 0)
                goto out;
            path_pop(&v->path, o3);
        }
        o3 = path_key(&v->path, vkey);
        if (voc == EP_VOC_BTT)
            r = want_uri(v, jv, &t->value);
        else
            r = want_id(v, jv, &t->value);
        if (r < 0)
            goto out;
        path_pop(&v->path, o3);
        path_pop(&v->path, o2);
    }
    *n_out = json_array_size(arr);
out:
    if (r == 0)
        path_pop(&v->path, old);
    return r;
}

static int location(struct vctx *v, json_t *ev, const char *key,
                    const char **out)
{
    json_t *o = json_object_get(ev, key), *id;
    size_t old;
    int r = 0;
    *out = NULL;
    if (!o)
        return 0;
    old = path_key(&v->path, key);
    if (!json_is_object(o)) {
        r = fail(v, ZL_EINVAL, "must be an object {\"id\": URI}", o);
        goto out;
    }
    id = json_object_get(o, "id");
    if (!id) {
        r = fail_key(v, "id", ZL_EINVAL, "required", NULL);
        goto out;
    }
    {
        size_t o2 = path_key(&v->path, "id");
        if ((r = want_id(v, id, out)) < 0)
            goto out;
        path_pop(&v->path, o2);
    }
out:
    if (r == 0)
        path_pop(&v->path, old);
    return r;
}

static int sensor_list(struct vctx *v, json_t *ev)
{
    static const char *const se_names[] = { "sensorMetadata", "sensorReport",
                                            NULL };
    static const char *const md_names[] = {
        "time", "deviceID", "deviceMetadata", "rawData", "startTime",
        "endTime", "dataProcessingMethod", "bizRules", NULL };
    static const char *const md_uris[] = { "deviceID", "deviceMetadata",
                                           "rawData", "dataProcessingMethod",
                                           "bizRules", NULL };
    static const char *const rp_names[] = {
        "type", "exception", "deviceID", "deviceMetadata", "rawData",
        "dataProcessingMethod", "time", "microorganism",
        "chemicalSubstance", "coordinateReferenceSystem", "value",
        "component", "stringValue", "booleanValue", "hexBinaryValue",
        "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
        "percValue", "uom", NULL };
    static const char *const rp_uris[] = {
        "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
        "microorganism", "chemicalSubstance",
        "coordinateReferenceSystem", "uriValue", NULL };
    static const char *const rp_nums[] = { "value", "minValue", "maxValue",
                                           "meanValue", "sDev", "percRank",
                                           "percValue", NULL };
    json_t *arr = json_object_get(ev, "sensorElementList"), *se;
    size_t old, i;
    int r = 0;
    if (!arr)
        return 0;
    old = path_key(&v->path, "sensorElementList");
    if (!json_is_array(arr)) {
        r = fail(v, ZL_EINVAL, "must be an array of sensor elements", arr);
        goto out;
    }
    json_array_foreach(arr, i, se) {
        json_t *md, *reps, *rp, *x;
        const char *k;
        size_t o2 = path_idx(&v->path, i), o3, j;
        if (!json_is_object(se)) {
            r = fail(v, ZL_EINVAL, "must be an object", se);
            goto out;
        }
        if ((r = check_names(v, se, se_names, 1, "a sensor element")) < 0)
            goto out;
        md = json_object_get(se, "sensorMetadata");
        if (md) {
            o3 = path_key(&v->path, "sensorMetadata");
            if (!json_is_object(md)) {
                r = fail(v, ZL_EINVAL, "must be an object", md);
                goto out;
            }
            if ((r = check_names(v, md, md_names, 1, "sensorMetadata")) < 0)
                goto out;
            json_object_foreach(md, k, x) {
                size_t o4 = path_key(&v->path, k);
                if (!strcmp(k, "time") || !strcmp(k, "startTime") ||
                    !strcmp(k, "endTime"))
                    r = want_time(v, x, NULL, NULL);
                else if (in_list(k, md_uris))
                    r = want_uri(v, x, NULL);
                if (r < 0)
                    goto out;
                path_pop(&v->path, o4);
            }
            path_pop(&v->path, o3);
        }
        reps = json_object_get(se, "sensorReport");
        o3 = path_key(&v->path, "sensorReport");
        if (!reps) {
            r = fail(v, ZL_EINVAL, "required", NULL);
            goto out;
        }
        if (!json_is_array(reps) || json_array_size(reps) == 0) {
            r = fail(v, ZL_EINVAL, "must be a non-empty array", reps);
            goto out;
        }
        json_array_foreach(reps, j, rp) {
            size_t o4 = path_idx(&v->path, j);
            if (!json_is_object(rp)) {
                r = fail(v, ZL_EINVAL, "must be an object", rp);
                goto out;
            }
            if (json_object_get(rp, "bizRules")) {
                /* GS1's JSON Schema lists it, the standard does not: EPCIS
                 * 2.0 sec. 7.3.8.3 puts bizRules in sensorMetadata only
                 * (and so does the CBV 2.0 hash order); epcis2.js
                 * refuses it too. */
                r = fail_key(v, "bizRules", ZL_EINVAL,
                             "bizRules belongs in sensorMetadata, not in a "
                             "sensorReport (EPCIS 2.0 sec. 7.3.8.3)",
                             json_object_get(rp, "bizRules"));
                goto out;
            }
            if ((r = check_names(v, rp, rp_names, 1, "sensorReport")) < 0)
                goto out;
            if (!json_object_get(rp, "type")) {
                r = fail_key(v, "type", ZL_EINVAL,
                             "required (the measurement type of a "
                             "sensorReport)", NULL);
                goto out;
            }
            json_object_foreach(rp, k, x) {
                size_t o5 = path_key(&v->path, k);
                if (!strcmp(k, "type"))
                    r = want_cbv(v, x, EP_VOC_MEASURE, "measurement type", NULL);
                else if (!strcmp(k, "exception"))
                    r = want_cbv(v, x, EP_VOC_ALERT, "sensor alert type", NULL);
                else if (!strcmp(k, "component"))
                    r = want_cbv(v, x, EP_VOC_COMP, "component", NULL);
                else if (!strcmp(k, "time"))
                    r = want_time(v, x, NULL, NULL);
                else if (in_list(k, rp_uris))
                    r = want_uri(v, x, NULL);
                else if (in_list(k, rp_nums))
                    r = want_number(v, x, 0, NULL);
                else if (!strcmp(k, "booleanValue") && !json_is_boolean(x))
                    r = fail(v, ZL_EINVAL, "must be true or false", x);
                else if ((!strcmp(k, "stringValue") || !strcmp(k, "uom")) &&
                         !json_is_string(x))
                    r = fail(v, ZL_EINVAL, "must be a string", x);
                else if (!strcmp(k, "hexBinaryValue")) {
                    const char *s = json_string_value(x);
                    size_t n = json_string_length(x), q;
                    if (!s || n == 0)
                        r = fail(v, ZL_EINVAL, "must be hex digits", x);
                    for (q = 0; r == 0 && q < n; q++)
                        if (!((s[q] >= '0' && s[q] <= '9') ||
                              ((s[q] | 0x20) >= 'a' && (s[q] | 0x20) <= 'f')))
                            r = fail(v, ZL_EINVAL, "must be hex digits", x);
                }
                if (r < 0)
                    goto out;
                path_pop(&v->path, o5);
            }
            path_pop(&v->path, o4);
        }
        path_pop(&v->path, o3);
        path_pop(&v->path, o2);
    }
out:
    if (r == 0)
        path_pop(&v->path, old);
    return r;
}

static const char *const common_names[] = {
    "@context", "type", "eventTime", "recordTime", "eventTimeZoneOffset",
    "eventID", "certificationInfo", "errorDeclaration", NULL };
static const char *const object_names[] = {
    "action", "epcList", "quantityList", "bizStep", "disposition",
    "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList",
    "sourceList", "destinationList", "sensorElementList", "ilmd", NULL };
static const char *const aggregation_names[] = {
    "parentID", "childEPCs", "childQuantityList", "action", "bizStep",
    "disposition", "readPoint", "bizLocation", "bizTransactionList",
    "sourceList", "destinationList", "sensorElementList", NULL };
static const char *const transaction_names[] = {
    "bizTransactionList", "parentID", "epcList", "quantityList", "action",
    "bizStep", "disposition", "readPoint", "bizLocation", "sourceList",
    "destinationList", "sensorElementList", NULL };
static const char *const transformation_names[] = {
    "inputEPCList", "inputQuantityList", "outputEPCList",
    "outputQuantityList", "transformationID", "bizStep", "disposition",
    "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList",
    "sourceList", "destinationList", "sensorElementList", "ilmd", NULL };

static const char *const type_names[] = { NULL, "ObjectEvent",
                                          "AggregationEvent",
                                          "TransactionEvent",
                                          "TransformationEvent",
                                          "AssociationEvent" };

static int event_type_of(json_t *t)
{
    int i;
    if (!json_is_string(t))
        return 0;
    for (i = 1; i <= 5; i++)
        if (!strcmp(json_string_value(t), type_names[i]))
            return i;
    return 0;
}

static int check_names2(struct vctx *v, json_t *ev, const char *const *own,
                        const char *what)
{
    const char *k;
    json_t *x;
    json_object_foreach(ev, k, x) {
        if (in_list(k, common_names) || in_list(k, own) || is_ext_key(k))
            continue;
        {
            char rule[200];
            snprintf(rule, sizeof rule,
                     "not a property of %s (extensions need a namespace "
                     "prefix)", what);
            return fail_key(v, k, ZL_EINVAL, rule, NULL);
        }
    }
    return 0;
}

static int validate_event(struct vctx *v, json_t *ev, struct zl_event *e)
{
    struct evbuild b;
    json_t *x;
    const char *const *own;
    size_t n_ids = 0, k, n_epc = 0, n_q = 0, n_child = 0, n_cq = 0, n_in = 0,
           n_out = 0, n_iq = 0, n_oq = 0;
    int r, t;
    static const struct {
        const char *key;
        enum zl_id_role role;
    } epc_keys[] = { { "epcList", ZL_ROLE_EPC }, { "childEPCs", ZL_ROLE_CHILD },
                     { "inputEPCList", ZL_ROLE_INPUT },
                     { "outputEPCList", ZL_ROLE_OUTPUT } },
      qty_keys[] = { { "quantityList", ZL_ROLE_QTY },
                     { "childQuantityList", ZL_ROLE_CHILD_QTY },
                     { "inputQuantityList", ZL_ROLE_INPUT_QTY },
                     { "outputQuantityList", ZL_ROLE_OUTPUT_QTY } };
    size_t *epc_counts[] = { &n_epc, &n_child, &n_in, &n_out };
    size_t *qty_counts[] = { &n_q, &n_cq, &n_iq, &n_oq };

    if (!json_is_object(ev))
        return fail(v, ZL_EINVAL, "an event must be a JSON object", ev);
    x = json_object_get(ev, "type");
    if (!x)
        return fail_key(v, "type", ZL_EINVAL, "required", NULL);
    t = event_type_of(x);
    if (!t)
        return fail_key(v, "type", ZL_EINVAL,
                        "must be ObjectEvent, AggregationEvent, "
                        "TransactionEvent, TransformationEvent or "
                        "AssociationEvent", x);
    e->type = (enum zl_event_type)t;
    own = t == ZL_EV_OBJECT        ? object_names
          : t == ZL_EV_AGGREGATION ? aggregation_names
          : t == ZL_EV_TRANSACTION ? transaction_names
          : t == ZL_EV_TRANSFORMATION ? transformation_names
                                      : aggregation_names;
    if ((r = check_names2(v, ev, own, type_names[t])) < 0)
        return r;

    /* common fields */
    x = json_object_get(ev, "eventTime");
    if (!x)
        return fail_key(v, "eventTime", ZL_EINVAL, "required", NULL);
    {
        size_t o = path_key(&v->path, "eventTime");
        if ((r = want_time(v, x, &e->event_time_ms, NULL)) < 0)
            return r;
        path_pop(&v->path, o);
    }
    x = json_object_get(ev, "eventTimeZoneOffset");
    if (!x)
        return fail_key(v, "eventTimeZoneOffset", ZL_EINVAL, "required", NULL);
    {
        const char *s = json_string_value(x);
        int off;
        if (!s || json_string_length(x) != 6 ||
            zl_time_parse_offset(s, 6, &off) < 0 || off > 14 * 60 ||
            off < -14 * 60)
            return fail_key(v, "eventTimeZoneOffset", ZL_EINVAL,
                            "must be +hh:mm or -hh:mm between -14:00 and "
                            "+14:00", x);
        e->tz_offset_min = off;
    }
    x = json_object_get(ev, "recordTime");
    if (x) {
        size_t o = path_key(&v->path, "recordTime");
        if ((r = want_time(v, x, &e->record_time_ms, NULL)) < 0)
            return r;
        path_pop(&v->path, o);
    }
    x = json_object_get(ev, "eventID");
    if (x) {
        size_t o = path_key(&v->path, "eventID");
        if ((r = want_uri(v, x, &e->declared_id)) < 0)
            return r;
        path_pop(&v->path, o);
    }
    x = json_object_get(ev, "certificationInfo");
    if (x) {
        size_t o = path_key(&v->path, "certificationInfo");
        if (json_is_array(x)) {
            json_t *c;
            size_t i;
            json_array_foreach(x, i, c) {
                size_t o2 = path_idx(&v->path, i);
                if ((r = want_uri(v, c, i ? NULL : &e->certification_info)) < 0)
                    return r;
                path_pop(&v->path, o2);
            }
        } else if ((r = want_uri(v, x, &e->certification_info)) < 0) {
            return r;
        }
        path_pop(&v->path, o);
    }
    x = json_object_get(ev, "errorDeclaration");
    if (x) {
        static const char *const ed_names[] = { "declarationTime", "reason",
                                                "correctiveEventIDs", NULL };
        size_t o = path_key(&v->path, "errorDeclaration");
        json_t *y;
        if (!json_is_object(x))
            return fail(v, ZL_EINVAL, "must be an object", x);
        if ((r = check_names(v, x, ed_names, 1, "errorDeclaration")) < 0)
            return r;
        y = json_object_get(x, "declarationTime");
        if (!y)
            return fail_key(v, "declarationTime", ZL_EINVAL, "required", NULL);
        {
            size_t o2 = path_key(&v->path, "declarationTime");
            if ((r = want_time(v, y, NULL, NULL)) < 0)
                return r;
            path_pop(&v->path, o2);
        }
        y = json_object_get(x, "reason");
        if (y) {
            size_t o2 = path_key(&v->path, "reason");
            if ((r = want_cbv(v, y, EP_VOC_ER, "error reason",
                              &e->error_declaration_reason)) < 0)
                return r;
            path_pop(&v->path, o2);
        }
        y = json_object_get(x, "correctiveEventIDs");
        if (y) {
            size_t o2 = path_key(&v->path, "correctiveEventIDs"), i;
            const char **ids;
            json_t *c;
            if (!json_is_array(y))
                return fail(v, ZL_EINVAL, "must be an array of event IDs", y);
            ids = ep_alloc(&v->doc->a, (json_array_size(y) + 1) * sizeof *ids);
            if (!ids)
                return ZL_ENOMEM;
            json_array_foreach(y, i, c) {
                size_t o3 = path_idx(&v->path, i);
                if ((r = want_uri(v, c, &ids[i])) < 0)
                    return r;
                path_pop(&v->path, o3);
            }
            ids[json_array_size(y)] = NULL;
            e->corrective_event_ids = ids;
            path_pop(&v->path, o2);
        }
        e->has_error_declaration = 1;
        path_pop(&v->path, o);
    }

    /* action */
    x = json_object_get(ev, "action");
    if (t != ZL_EV_TRANSFORMATION) {
        const char *s;
        if (!x)
            return fail_key(v, "action", ZL_EINVAL, "required", NULL);
        s = json_string_value(x);
        if (s && !strcmp(s, "ADD"))
            e->action = ZL_ACT_ADD;
        else if (s && !strcmp(s, "OBSERVE"))
            e->action = ZL_ACT_OBSERVE;
        else if (s && !strcmp(s, "DELETE"))
            e->action = ZL_ACT_DELETE;
        else
            return fail_key(v, "action", ZL_EINVAL,
                            "must be ADD, OBSERVE or DELETE", x);
    }

    /* identifiers */
    for (k = 0; k < 4; k++) {
        json_t *l = json_object_get(ev, epc_keys[k].key);
        if (json_is_array(l))
            n_ids += json_array_size(l);
        l = json_object_get(ev, qty_keys[k].key);
        if (json_is_array(l))
            n_ids += json_array_size(l);
    }
    n_ids += 1;
    b.ev = e;
    b.ids_cap = n_ids;
    e->ids = ep_alloc(&v->doc->a, n_ids * sizeof *e->ids);
    if (!e->ids)
        return ZL_ENOMEM;
    x = json_object_get(ev, "parentID");
    if (x) {
        const char *id;
        size_t o = path_key(&v->path, "parentID");
        if ((r = want_id(v, x, &id)) < 0)
            return r;
        path_pop(&v->path, o);
        if ((r = add_id(v, &b, id, ZL_ROLE_PARENT, 0, 0, NULL)) < 0)
            return r;
    } else if (t == ZL_EV_ASSOCIATION) {
        return fail_key(v, "parentID", ZL_EINVAL,
                        "required for an AssociationEvent", NULL);
    }
    for (k = 0; k < 4; k++) {
        if ((r = epc_list(v, &b, ev, epc_keys[k].key, epc_keys[k].role,
                          epc_counts[k])) < 0 ||
            (r = qty_list(v, &b, ev, qty_keys[k].key, qty_keys[k].role,
                          qty_counts[k])) < 0)
            return r;
    }
    x = json_object_get(ev, "transformationID");
    if (x) {
        size_t o = path_key(&v->path, "transformationID");
        if ((r = want_uri(v, x, &e->transformation_id)) < 0)
            return r;
        path_pop(&v->path, o);
    }

    /* what, where, why */
    x = json_object_get(ev, "bizStep");
    if (x) {
        size_t o = path_key(&v->path, "bizStep");
        if ((r = want_cbv(v, x, EP_VOC_BIZSTEP, "business step",
                          &e->biz_step)) < 0)
            return r;
        e->step = zl_biz_step_of(e->biz_step, strlen(e->biz_step));
        path_pop(&v->path, o);
    }
    x = json_object_get(ev, "disposition");
    if (x) {
        size_t o = path_key(&v->path, "disposition");
        if ((r = want_cbv(v, x, EP_VOC_DISP, "disposition",
                          &e->disposition)) < 0)
            return r;
        e->disp = zl_disposition_of(e->disposition, strlen(e->disposition));
        path_pop(&v->path, o);
    }
    x = json_object_get(ev, "persistentDisposition");
    if (x) {
        static const char *const pd_names[] = { "set", "unset", NULL };
        size_t o = path_key(&v->path, "persistentDisposition"), kk;
        if (!json_is_object(x))
            return fail(v, ZL_EINVAL, "must be an object {set, unset}", x);
        if ((r = check_names(v, x, pd_names, 0, "persistentDisposition")) < 0)
            return r;
        if (!json_object_get(x, "set") && !json_object_get(x, "unset"))
            return fail(v, ZL_EINVAL, "needs set or unset", x);
        for (kk = 0; kk < 2; kk++) {
            const char *key = kk ? "unset" : "set";
            json_t *l = json_object_get(x, key), *d;
            size_t o2, i;
            if (!l)
                continue;
            o2 = path_key(&v->path, key);
            if (!json_is_array(l) || json_array_size(l) == 0)
                return fail(v, ZL_EINVAL,
                            "must be a non-empty array of dispositions", l);
            json_array_foreach(l, i, d) {
                size_t o3 = path_idx(&v->path, i);
                if ((r = want_cbv(v, d, EP_VOC_DISP, "disposition", NULL)) < 0)
                    return r;
                path_pop(&v->path, o3);
            }
            path_pop(&v->path, o2);
        }
        path_pop(&v->path, o);
    }
    if ((r = location(v, ev, "readPoint", &e->read_point)) < 0 ||
        (r = location(v, ev, "bizLocation", &e->biz_location)) < 0)
        return r;
    if ((r = typed_list(v, ev, "bizTransactionList", "bizTransaction",
                        EP_VOC_BTT, 0, &e->biz_transactions,
                        &e->n_biz_transactions)) < 0 ||
        (r = typed_list(v, ev, "sourceList", "source", EP_VOC_SDT, 1,
                        &e->sources, &e->n_sources)) < 0 ||
        (r = typed_list(v, ev, "destinationList", "destination", EP_VOC_SDT, 1,
                        &e->destinations, &e->n_destinations)) < 0)
        return r;
    if ((r = sensor_list(v, ev)) < 0)
        return r;
    x = json_object_get(ev, "ilmd");
    if (x) {
        const char *k2;
        json_t *y;
        if (!json_is_object(x))
            return fail_key(v, "ilmd", ZL_EINVAL, "must be an object", x);
        json_object_foreach(x, k2, y) {
            if (!is_ext_key(k2)) {
                size_t o = path_key(&v->path, "ilmd");
                r = fail_key(v, k2, ZL_EINVAL,
                             "ilmd properties need a namespace prefix", NULL);
                path_pop(&v->path, o);
                return r;
            }
        }
        if (t == ZL_EV_OBJECT && e->action != ZL_ACT_ADD)
            return fail_key(v, "ilmd", ZL_EINVAL,
                            "ilmd is only allowed when action is ADD", NULL);
    }

    /* per-type rules (the anyOf clauses of the schema) */
    switch (t) {
    case ZL_EV_OBJECT:
        if (!json_object_get(ev, "epcList") && n_q == 0 &&
            !(json_array_size(json_object_get(ev, "sensorElementList")) > 0 &&
              e->read_point))
            return fail(v, ZL_EINVAL,
                        "an ObjectEvent needs epcList, a non-empty "
                        "quantityList, or sensorElementList with readPoint",
                        NULL);
        break;
    case ZL_EV_AGGREGATION:
    case ZL_EV_ASSOCIATION:
        if (n_child == 0 && n_cq == 0 && e->action != ZL_ACT_DELETE)
            return fail(v, ZL_EINVAL,
                        "needs non-empty childEPCs or childQuantityList "
                        "unless action is DELETE", NULL);
        break;
    case ZL_EV_TRANSACTION:
        if (!json_object_get(ev, "bizTransactionList"))
            return fail_key(v, "bizTransactionList", ZL_EINVAL,
                            "required for a TransactionEvent", NULL);
        if (e->n_biz_transactions == 0)
            return fail_key(v, "bizTransactionList", ZL_EINVAL,
                            "a TransactionEvent needs at least one business "
                            "transaction", json_object_get(ev,
                                                           "bizTransactionList"));
        if (!json_object_get(ev, "epcList") && n_q == 0 &&
            e->action != ZL_ACT_DELETE)
            return fail(v, ZL_EINVAL,
                        "a TransactionEvent needs epcList or a non-empty "
                        "quantityList unless action is DELETE", NULL);
        break;
    case ZL_EV_TRANSFORMATION: {
        int in = n_in > 0 || n_iq > 0, outp = n_out > 0 || n_oq > 0;
        if (!(in && outp) && !(e->transformation_id && (in || outp)))
            return fail(v, ZL_EINVAL,
                        "a TransformationEvent needs inputs and outputs, or a "
                        "transformationID with inputs or outputs", NULL);
        break;
    }
    default:
        break;
    }
    return 0;
}

/* ---- document ---- */
static void doc_free(zl_epcis_doc *d)
{
    if (!d)
        return;
    ep_arena_cleanup(&d->a);
    zl_free(d);
}

void zl_epcis_doc_free(zl_epcis_doc *doc)
{
    doc_free(doc);
}

size_t zl_epcis_doc_count(const zl_epcis_doc *doc)
{
    return doc ? doc->n : 0;
}

const struct zl_event *zl_epcis_doc_event(const zl_epcis_doc *doc, size_t i)
{
    if (!doc || i >= doc->n)
        return NULL;
    return &doc->events[i];
}

const char *zl_event_type_name(enum zl_event_type t)
{
    if ((int)t < 1 || (int)t > 5)
        return NULL;
    return type_names[t];
}

const char *zl_action_name(enum zl_action a)
{
    switch (a) {
    case ZL_ACT_ADD: return "ADD";
    case ZL_ACT_OBSERVE: return "OBSERVE";
    case ZL_ACT_DELETE: return "DELETE";
    default: return NULL;
    }
}

static int load_json(const char *buf, size_t len, size_t max_depth,
                     size_t max_events, json_t **root, struct zl_error *err,
                     struct slices *sl)
{
    json_error_t je;
    struct path p;
    char rule[300];
    int r;
    if ((r = prescan(buf, len, max_depth, (size_t)-1, &p, sl)) < 0) {
        snprintf(rule, sizeof rule,
                 "JSON nesting deeper than max_depth (%zu)", max_depth);
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
    *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!*root) {
        int dup = strstr(je.text, "duplicate") != NULL;
        prescan(buf, len, (size_t)-1,
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

/* Count the @context objects in j and the prefix bindings they hold. */
static void count_contexts(json_t *j, size_t *n_ctx, size_t *n_bind,
                           size_t depth)
{
    const char *k;
    json_t *v;
    size_t i;

    if (depth > 256)
        return;
    if (json_is_array(j)) {
        for (i = 0; i < json_array_size(j); i++)
            count_contexts(json_array_get(j, i), n_ctx, n_bind, depth + 1);
        return;
    }
    if (!json_is_object(j))
        return;
    json_object_foreach(j, k, v) {
        if (!strcmp(k, "@context")) {
            (*n_ctx)++;
            if (json_is_object(v))
                *n_bind += json_object_size(v);
            for (i = 0; i < json_array_size(v); i++)
                *n_bind += json_object_size(json_array_get(v, i));
        } else {
            count_contexts(v, n_ctx, n_bind, depth + 1);
        }
    }
}

/* Store an event that has its own @context, in a document whose
 * @context binds prefixes too: the pre-hash applied the document's
 * bindings, then the event's (JSON-LD embedded context), so the stored
 * event carries one @context array with the document's entries first and
 * then the event's, which zl_epcis_event_hash() applies the same way from
 * the event alone. The document's ignoreFields list comes along as in
 * hash_event(). */
static int store_context(zl_epcis_doc *doc, json_t *ev, json_t *ctxj,
                         json_t *own, struct zl_event *e, struct vctx *v)
{
    json_t *out = json_object(), *merged = json_array(), *x;
    const char *k;
    char *dump = NULL;
    int r = ZL_ENOMEM;
    size_t i;
    if (!out || !merged)
        goto out;
    if (json_is_array(ctxj) ? json_array_extend(merged, ctxj) < 0
                            : json_array_append(merged, ctxj) < 0)
        goto out;
    if (json_is_array(own) ? json_array_extend(merged, own) < 0
                           : json_array_append(merged, own) < 0)
        goto out;
    if (json_object_set(out, "@context", merged) < 0 ||
        (v->ign && !json_object_get(ev, v->ign_key) &&
         json_object_set(out, v->ign_key, v->ign) < 0))
        goto out;
    json_object_foreach(ev, k, x) {
        if (strcmp(k, "@context") && json_object_set(out, k, x) < 0)
            goto out;
    }
    dump = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!dump)
        goto out;
    i = strlen(dump);
    e->json = ep_strndup(&doc->a, dump, i);
    e->json_len = i;
    r = e->json ? 0 : ZL_ENOMEM;
out:
    jfree(dump);
    json_decref(merged);
    json_decref(out);
    return r;
}

static int hash_event(zl_epcis_doc *doc, json_t *ev, json_t *ctxj,
                      const char *raw, size_t raw_len, struct zl_event *e,
                      const struct ep_hashctx *hc, struct ep_arena *scratch,
                      struct zl_buf *pre, struct vctx *v)
{
    char *dump;
    size_t dl;
    json_t *own;
    int r;
    r = ep_prehash(ev, type_names[e->type], hc, scratch, pre);
    if (r == ZL_ELIMIT) {
        /* which cap: a rare path, so count again rather than thread a
         * reason through the pre-hash engine */
        char rule[200];
        size_t n_ctx = 0, n_bind = hc->n_ns;
        count_contexts(ev, &n_ctx, &n_bind, 0);
        if (n_ctx > EP_MAX_CONTEXTS)
            snprintf(rule, sizeof rule,
                     "%zu @context objects in one event, more than the "
                     "limit of %d", n_ctx, EP_MAX_CONTEXTS);
        else if (n_bind > EP_MAX_PREFIXES)
            snprintf(rule, sizeof rule,
                     "%zu prefix bindings in one event, more than the limit "
                     "of %d", n_bind, EP_MAX_PREFIXES);
        else
            snprintf(rule, sizeof rule,
                     "event too large: its CBV 2.0 pre-hash string passes "
                     "the limit of %zu bytes", (size_t)PREHASH_MAX);
        return fail(v, r, rule, NULL);
    }
    if (r < 0)
        return fail(v, r, "cannot build the CBV 2.0 pre-hash string", NULL);
    if (!(e->prehash = ep_strndup(&doc->a, pre->data, pre->len)))
        return ZL_ENOMEM;
    e->prehash_len = pre->len;
    if ((r = ep_sha256(pre->data, pre->len, e->hash)) < 0)
        return r;
    zl_event_hash_id(e->hash, e->hash_id);
    own = json_object_get(ev, "@context");
    if (hc->n_ns && ctxj && own && own != ctxj)
        /* The event binds prefixes of its own on top of the document's:
         * the stored event gets both, in that order (see store_context). */
        return store_context(doc, ev, ctxj, own, e, v);
    if (raw) {
        /* the event's own text, minus insignificant whitespace */
        size_t k, o = 0;
        int in_str = 0;
        size_t extra = 0;
        const char *ctxtext = NULL;
        if (hc->n_ns && ctxj && !json_object_get(ev, "@context")) {
            if (!v->ctxtext) {
                /* "@context":<ctx>[,"<p>:ignoreFields":<list>] */
                struct zl_buf b;
                char *d = json_dumps(ctxj, JSON_COMPACT | JSON_PRESERVE_ORDER);
                char *d2 = v->ign ? json_dumps(v->ign, JSON_COMPACT) : NULL;
                int rr;
                zl_buf_init(&b, (size_t)1 << 24);
                rr = !d || (v->ign && !d2) ||
                     zl_buf_adds(&b, "\"@context\":") < 0 ||
                     zl_buf_adds(&b, d) < 0 ||
                     (d2 && zl_buf_printf(&b, ",\"%s\":%s", v->ign_key, d2) < 0);
                jfree(d);
                jfree(d2);
                if (!rr)
                    v->ctxtext = ep_strndup(&doc->a, b.data, b.len);
                zl_buf_cleanup(&b);
                if (!v->ctxtext)
                    return ZL_ENOMEM;
            }
            ctxtext = v->ctxtext;
            extra = strlen(ctxtext) + 2;
        }
        e->json = ep_alloc(&doc->a, raw_len + extra + 1);
        if (!e->json)
            return ZL_ENOMEM;
        {
            char *w = (char *)e->json;
            for (k = 0; k < raw_len; k++) {
                char c = raw[k];
                if (in_str) {
                    w[o++] = c;
                    if (c == '\\' && k + 1 < raw_len)
                        w[o++] = raw[++k];
                    else if (c == '"')
                        in_str = 0;
                } else if (c == '"') {
                    in_str = 1;
                    w[o++] = c;
                } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    w[o++] = c;
                    if (ctxtext && o == 1) {
                        /* "@context" first, as the document gave it */
                        size_t cl = strlen(ctxtext);
                        memcpy(w + o, ctxtext, cl);
                        o += cl;
                        if (json_object_size(ev))
                            w[o++] = ',';
                    }
                }
            }
            w[o] = '\0';
            e->json_len = o;
        }
        return 0;
    }
    if (hc->n_ns && ctxj && !json_object_get(ev, "@context")) {
        /* Namespace prefixes bound in the document's @context change the
         * hash; carry them into the stored event so that
         * zl_epcis_event_hash() can recompute it from the event alone. */
        json_t *withctx = json_object();
        if (!withctx || json_object_set(withctx, "@context", ctxj) < 0 ||
            (v->ign && json_object_set(withctx, v->ign_key, v->ign) < 0) ||
            json_object_update(withctx, ev) < 0) {
            json_decref(withctx);
            return ZL_ENOMEM;
        }
        dump = json_dumps(withctx, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(withctx);
    } else {
        dump = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    if (!dump)
        return ZL_ENOMEM;
    dl = strlen(dump);
    e->json = ep_strndup(&doc->a, dump, dl);
    e->json_len = dl;
    jfree(dump);
    return e->json ? 0 : ZL_ENOMEM;
}

/* An event given without a document around it (alone, or in an array)
 * carries its own @context, by the rule a document follows (EPCIS 2.0
 * JSON-LD: the context says what the terms mean). v->path is the
 * event's. */
static int bare_context(struct vctx *v, json_t *ev)
{
    json_t *c;

    if (!json_is_object(ev))
        return 0;   /* validate_event says what it must be */
    c = json_object_get(ev, "@context");
    if (!c)
        return fail_key(v, "@context", ZL_EINVAL,
                        "required (JSON-LD context of EPCIS 2.0): an event "
                        "sent without an EPCISDocument carries its own",
                        NULL);
    if (!json_is_string(c) && !json_is_array(c) && !json_is_object(c))
        return fail_key(v, "@context", ZL_EINVAL,
                        "must be a URI, an object or an array", c);
    return 0;
}

/* The repository "ignoreFields" extension the reference honours: a
 * document-level "<p>:ignoreFields" list, where p is bound to the
 * namespace uri the caller names (zl_epcis_opts.ignore_fields_ns; none:
 * no such list). */
static void find_ignore(json_t *root, const struct ep_ns *ns, size_t n_ns,
                        const char *uri, json_t **list, char key[160])
{
    size_t i;
    *list = NULL;
    key[0] = '\0';
    for (i = 0; uri && i < n_ns; i++) {
        if (!strcmp(ns[i].uri, uri)) {
            snprintf(key, 160, "%s:ignoreFields", ns[i].prefix);
            *list = json_object_get(root, key);
            if (!json_is_array(*list))
                *list = NULL;
            return;
        }
    }
}

/* The ignore list as strings, plus extra (the list's own key) if given. */
static int ignore_list(json_t *ign, const char *extra, struct ep_arena *a,
                       struct ep_hashctx *hc)
{
    size_t i;
    hc->ignore = ep_alloc(a, (json_array_size(ign) + 2) * sizeof *hc->ignore);
    if (!hc->ignore)
        return ZL_ENOMEM;
    hc->n_ignore = 0;
    for (i = 0; i < json_array_size(ign); i++)
        if (json_is_string(json_array_get(ign, i)))
            hc->ignore[hc->n_ignore++] =
                json_string_value(json_array_get(ign, i));
    if (extra)
        hc->ignore[hc->n_ignore++] = extra;
    return 0;
}

static int parse(const char *buf, size_t len,
                 const struct zl_capture_limits *lim, int allow_query,
                 const char *ign_ns, zl_epcis_doc **out, struct zl_error *err)
{
    size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes
                                             : ZL_DEFAULT_MAX_BYTES;
    size_t max_events = lim && lim->max_events ? lim->max_events
                                               : ZL_DEFAULT_MAX_EVENTS;
    size_t max_depth = lim && lim->max_depth ? lim->max_depth
                                             : ZL_DEFAULT_MAX_DEPTH;
    json_t *root = NULL, *events = NULL, *single = NULL, *t, *ctxj = NULL,
           *ign = NULL, *query_results = NULL;
    zl_epcis_doc *doc = NULL;
    struct vctx *v = NULL;
    struct ep_arena scratch, idx_arena, jlocal, *jarena = jarena_get();
    struct slices sl = { NULL, 0, 0, 0, 0 };
    int use_raw = 0, routed = 0, bare = 0;
    struct zl_buf pre;
    struct ep_hashctx hc;
    struct ep_ns *ns = NULL;
    size_t n_ns = 0, n, i, exp_cap = 0;
    const char *base = "$.epcisBody.eventList";
    char rule[200];
    int r;

    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    ep_arena_init(&scratch);
    ep_arena_init(&idx_arena);
    ep_arena_init(&jlocal);
    if (!jarena)
        jarena = &jlocal;
    zl_buf_init(&pre, PREHASH_MAX);
    memset(&hc, 0, sizeof hc);
    /* An event's own @context is JSON-LD machinery, not event data. The
     * reference generator would hash it like an extension field (no case
     * of its corpus has one); we never do, so that an event stored with a
     * @context (its own, or the document's we add) rehashes the same from
     * its JSON alone. */
    hc.skip_context = 1;
    if (len > max_bytes) {
        snprintf(rule, sizeof rule,
                 "document of %zu bytes is larger than max_bytes (%zu)", len,
                 max_bytes);
        r = zl_error_set(err, ZL_ELIMIT, "$", rule, NULL, 0);
        goto out;
    }
    /* The JSON tree lives exactly as long as this call: when the host
     * opted in (zl_global_init), its nodes come from one arena released at
     * the end instead of a malloc and a free per node (which were ~15% of
     * a parse). Nothing allocated by jansson here outlives the call: the
     * document copies what it keeps. */
    routed = zl_alloc_json_route(jarena_alloc, jarena) == 0;
    if ((r = load_json(buf, len, max_depth, max_events, &root, err, &sl)) < 0)
        goto out;
    v = zl_calloc(1, sizeof *v);
    doc = zl_calloc(1, sizeof *doc);
    if (!v || !doc) {
        r = zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
        goto out;
    }
    ep_arena_init(&doc->a);
    v->doc = doc;
    v->err = err;
    memcpy(v->path.s, "$", 2);
    v->path.len = 1;

    if (json_is_array(root)) {
        events = root;
        base = "$";
        if (json_array_size(root) == 0) {
            r = zl_error_set(err, ZL_EINVAL, "$",
                             "an empty array is no EPCIS document and holds "
                             "no event: send an EPCISDocument or an array "
                             "of events",
                             NULL, 0);
            goto out;
        }
    } else if (json_is_object(root)) {
        t = json_object_get(root, "type");
        int query = json_is_string(t) &&
                    !strcmp(json_string_value(t), "EPCISQueryDocument");
        if (query && !allow_query) {
            r = fail_key(v, "type", ZL_EINVAL,
                         "an EPCISQueryDocument is a query result, not a "
                         "capture document; capture an EPCISDocument", t);
            goto out;
        } else if (query || (json_is_string(t) &&
                            !strcmp(json_string_value(t), "EPCISDocument"))) {
            static const char *const doc_names[] = {
                "@context", "id", "type", "schemaVersion", "creationDate",
                "instanceIdentifier", "sender", "receiver", "epcisHeader",
                "epcisBody", NULL };
            json_t *x = json_object_get(root, "schemaVersion"), *body;
            if ((r = check_names(v, root, doc_names, 1,
                                 "an EPCIS document")) < 0)
                goto out;
            ctxj = json_object_get(root, "@context");
            if (!ctxj) {
                r = fail_key(v, "@context", ZL_EINVAL,
                             "required (JSON-LD context of EPCIS 2.0)", NULL);
                goto out;
            }
            if (!json_is_string(ctxj) && !json_is_array(ctxj) &&
                !json_is_object(ctxj)) {
                r = fail_key(v, "@context", ZL_EINVAL,
                             "must be a URI, an object or an array", ctxj);
                goto out;
            }
            if (!x) {
                r = fail_key(v, "schemaVersion", ZL_EINVAL, "required", NULL);
                goto out;
            }
            if (!json_is_string(x) || strcmp(json_string_value(x), "2.0")) {
                r = fail_key(v, "schemaVersion", ZL_EINVAL, "must be \"2.0\"",
                             x);
                goto out;
            }
            x = json_object_get(root, "creationDate");
            if (!x) {
                r = fail_key(v, "creationDate", ZL_EINVAL, "required", NULL);
                goto out;
            }
            {
                size_t o = path_key(&v->path, "creationDate");
                if ((r = want_time(v, x, NULL, NULL)) < 0)
                    goto out;
                path_pop(&v->path, o);
            }
            body = json_object_get(root, "epcisBody");
            if (!json_is_object(body)) {
                r = fail_key(v, "epcisBody", ZL_EINVAL,
                             body ? "must be an object" : "required", body);
                goto out;
            }
            if (query) {
                json_t *qr = json_object_get(body, "queryResults");
                events = json_object_get(
                    json_object_get(qr, "resultsBody"), "eventList");
                base = "$.epcisBody.queryResults.resultsBody.eventList";
                query_results = qr;
                if (!json_is_array(events)) {
                    r = zl_error_set(err, ZL_EINVAL, base,
                                     "required: an array of events", NULL, 0);
                    goto out;
                }
            } else if (!json_is_array(events = json_object_get(body,
                                                               "eventList"))) {
                size_t o = path_key(&v->path, "epcisBody");
                r = fail_key(v, "eventList", ZL_EINVAL,
                             events ? "must be an array of events"
                                    : "required",
                             events);
                path_pop(&v->path, o);
                goto out;
            }
        } else if (event_type_of(t)) {
            single = root;
            base = "$";
            ctxj = json_object_get(root, "@context");
            hc.skip_context = 1;
        } else {
            r = fail_key(v, "type", ZL_EINVAL,
                         t ? "must be EPCISDocument or an EPCIS event type"
                           : "required (EPCISDocument or an event type)",
                         t);
            goto out;
        }
    } else {
        r = zl_error_set(err, ZL_EINVAL, "$",
                         "must be an EPCISDocument, an event or an array of "
                         "events", NULL, 0);
        goto out;
    }

    n = single ? 1 : json_array_size(events);
    if (n > max_events) {
        snprintf(rule, sizeof rule,
                 "%zu events is more than max_events (%zu)", n, max_events);
        r = zl_error_set(err, ZL_ELIMIT, base, rule, NULL, 0);
        goto out;
    }
    if ((r = ep_collect_ns(ctxj, &doc->a, &ns, &n_ns)) == ZL_ELIMIT) {
        snprintf(rule, sizeof rule,
                 "binds more than the limit of %d namespace prefixes",
                 EP_MAX_PREFIXES);
        r = zl_error_set(err, ZL_ELIMIT, "$.@context", rule, NULL, 0);
        goto out;
    }
    if (r < 0)
        goto oom;
    hc.ns = ns;
    hc.n_ns = n_ns;
    find_ignore(query_results ? query_results : root, ns, n_ns, ign_ns, &ign,
                v->ign_key);
    if (ign) {
        v->ign = ign;
        if (ignore_list(ign, NULL, &doc->a, &hc) < 0)
            goto oom;
    }
    bare = base[1] == '\0';   /* "$": events without a document */
    use_raw = !single && !sl.failed && sl.n == n;
    for (i = 0; use_raw && i < n; i++)
        if (sl.r[i][1] <= sl.r[i][0])
            use_raw = 0;
    doc->events = ep_alloc(&doc->a, (n ? n : 1) * sizeof *doc->events);
    if (!doc->events)
        goto oom;
    memset(doc->events, 0, (n ? n : 1) * sizeof *doc->events);
    for (i = 0; i < n; i++) {
        json_t *ev = single ? single : json_array_get(events, i);
        size_t bl = strlen(base);
        memcpy(v->path.s, base, bl + 1);
        v->path.len = bl;
        if (!single)
            path_idx(&v->path, i);
        v->n_id = 0;
        if (bare && (r = bare_context(v, ev)) < 0)
            goto out;
        if ((r = validate_event(v, ev, &doc->events[i])) < 0)
            goto out;
        /* the scratch arena is reset by the pre-hash; the index must be
         * built after that reset, so the pre-hash gets a fresh arena */
        ep_arena_reset(&idx_arena);
        if ((r = index_ids(v, &idx_arena, &hc)) < 0)
            goto oom;
        /* Bare CBV terms are expanded from what this event itself shows
         * (the reference looks at the whole document; we do not, so that
         * a stored event rehashes the same from its own JSON - no case of
         * the reference corpus depends on the difference). */
        hc.expanded = NULL;
        hc.n_expanded = 0;
        exp_cap = 0;
        if ((r = ep_collect_expanded(ev, &idx_arena, &hc.expanded,
                                     &hc.n_expanded, &exp_cap, 0)) < 0)
            goto oom;
        if ((r = hash_event(doc, ev, ctxj, use_raw ? buf + sl.r[i][0] : NULL,
                            use_raw ? sl.r[i][1] - sl.r[i][0] : 0,
                            &doc->events[i], &hc, &scratch, &pre, v)) <
            0)
            goto out;
    }
    doc->n = n;
    *out = doc;
    doc = NULL;
    r = 0;
    goto out;
oom:
    r = zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
out:
    if (r < 0 && err && err->code == 0)
        zl_error_set(err, r, "", zl_strerror(r), NULL, 0);
    if (r < 0 && err)
        err->code = r;
    doc_free(doc);
    if (v) {
        zl_free(v->id_raw);
        zl_free(v->id_canon);
        zl_free(v->idc);
    }
    zl_free(v);
    zl_buf_cleanup(&pre);
    ep_arena_cleanup(&scratch);
    ep_arena_cleanup(&idx_arena);
    zl_free(sl.r);
    /* routed: no json_decref(root), the arena holds the whole tree */
    zl_alloc_json_route(NULL, NULL);
    if (!routed)
        json_decref(root);
    ep_arena_keep(jarena, jarena == &jlocal ? 0 : JARENA_KEEP);
    return r;
}

int zl_epcis_parse(const char *buf, size_t len,
                   const struct zl_capture_limits *lim, zl_epcis_doc **out,
                   struct zl_error *err)
{
    return parse(buf, len, lim, 0, NULL, out, err);
}

int zl_epcis_parse_any(const char *buf, size_t len,
                       const struct zl_capture_limits *lim, zl_epcis_doc **out,
                       struct zl_error *err)
{
    return parse(buf, len, lim, 1, NULL, out, err);
}

int zl_epcis_parse_opts(const char *buf, size_t len,
                        const struct zl_epcis_opts *o, zl_epcis_doc **out,
                        struct zl_error *err)
{
    return o ? parse(buf, len, o->limits, o->allow_query,
                     o->ignore_fields_ns, out, err)
             : parse(buf, len, NULL, 0, NULL, out, err);
}

/* zl_epcis_event_hash() and zl_epcis_event_hash_legacy(): legacy selects
 * the @context rule before issue 9 (ep_hashctx.legacy_ctx). */
static int event_hash(const char *json, size_t len,
                      const struct zl_epcis_opts *o, int legacy,
                      char **prehash, size_t *prehash_len, uint8_t hash[32],
                      char hash_id[96], struct zl_error *err)
{
    json_t *ev = NULL, *t, *ctxj;
    struct ep_arena a;
    struct zl_buf pre;
    struct ep_hashctx hc;
    struct ep_ns *ns = NULL;
    size_t n_ns = 0, cap = 0;
    uint8_t h[32];
    int r;

    if (prehash)
        *prehash = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    ep_arena_init(&a);
    zl_buf_init(&pre, PREHASH_MAX);
    memset(&hc, 0, sizeof hc);
    if ((r = load_json(json, len, ZL_DEFAULT_MAX_DEPTH, (size_t)-1, &ev, err,
                       NULL)) < 0)
        goto out;
    t = json_object_get(ev, "type");
    if (!json_is_object(ev) || !event_type_of(t)) {
        r = zl_error_set(err, ZL_EINVAL, "$.type",
                         "must be an EPCIS event type", NULL, 0);
        goto out;
    }
    ctxj = json_object_get(ev, "@context");
    hc.skip_context = 1;
    hc.legacy_ctx = legacy;
    if ((r = legacy ? ep_collect_ns_legacy(ctxj, &a, &ns, &n_ns)
                    : ep_collect_ns(ctxj, &a, &ns, &n_ns)) < 0)
        goto nomem;
    hc.ns = ns;
    hc.n_ns = n_ns;
    {
        /* an ignoreFields list stored with the event (see hash_event) */
        json_t *ign = NULL;
        char key[160];
        find_ignore(ev, ns, n_ns, o ? o->ignore_fields_ns : NULL, &ign, key);
        if (ign && ignore_list(ign, json_object_iter_key(
                                        json_object_iter_at(ev, key)),
                               &a, &hc) < 0)
            goto nomem;
    }
    {
        struct ep_arena a2;
        const char **exp = NULL;
        size_t n_exp = 0, i;
        ep_arena_init(&a2);
        r = ep_collect_expanded(ev, &a2, &exp, &n_exp, &cap, legacy);
        if (r == 0 && n_exp) {
            hc.expanded = ep_alloc(&a, n_exp * sizeof *hc.expanded);
            for (i = 0; hc.expanded && i < n_exp; i++)
                if (!(hc.expanded[i] = ep_strndup(&a, exp[i], strlen(exp[i]))))
                    break;
            if (!hc.expanded || i < n_exp)
                r = ZL_ENOMEM;
            hc.n_expanded = n_exp;
        }
        ep_arena_cleanup(&a2);
        if (r < 0)
            goto nomem;
    }
    {
        struct ep_arena scratch;
        ep_arena_init(&scratch);
        r = ep_prehash(ev, json_string_value(t), &hc, &scratch, &pre);
        ep_arena_cleanup(&scratch);
        if (r < 0) {
            r = zl_error_set(err, r, "$", "cannot build the pre-hash string",
                             NULL, 0);
            goto out;
        }
    }
    if ((r = ep_sha256(pre.data, pre.len, h)) < 0)
        goto nomem;
    if (hash)
        memcpy(hash, h, 32);
    if (hash_id)
        zl_event_hash_id(h, hash_id);
    if (prehash_len)
        *prehash_len = pre.len;
    if (prehash) {
        *prehash = zl_buf_steal(&pre);
        if (!*prehash)
            goto nomem;
    }
    r = 0;
    goto out;
nomem:
    r = zl_error_set(err, ZL_ENOMEM, "", "out of memory", NULL, 0);
out:
    if (r < 0 && err && err->code == 0)
        zl_error_set(err, r, "", zl_strerror(r), NULL, 0);
    zl_buf_cleanup(&pre);
    ep_arena_cleanup(&a);
    json_decref(ev);
    return r;
}

int zl_epcis_event_hash(const char *json, size_t len, char **prehash,
                        size_t *prehash_len, uint8_t hash[32],
                        char hash_id[96], struct zl_error *err)
{
    return event_hash(json, len, NULL, 0, prehash, prehash_len, hash, hash_id,
                      err);
}

int zl_epcis_event_hash_opts(const char *json, size_t len,
                             const struct zl_epcis_opts *o, char **prehash,
                             size_t *prehash_len, uint8_t hash[32],
                             char hash_id[96], struct zl_error *err)
{
    return event_hash(json, len, o, 0, prehash, prehash_len, hash, hash_id,
                      err);
}

int zl_epcis_event_hash_legacy(const char *json, size_t len, char **prehash,
                               size_t *prehash_len, uint8_t hash[32],
                               char hash_id[96], struct zl_error *err)
{
    return event_hash(json, len, NULL, 1, prehash, prehash_len, hash, hash_id,
                      err);
}
