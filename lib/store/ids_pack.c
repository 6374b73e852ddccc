/*
 * ids_pack.c - the packed identifier occurrences of one event (the
 * events.ids column of every backend): "which identifiers does this event
 * carry" is one row read, without a second index on the occurrence table.
 * The format is the same on every backend, so a migrated store keeps its
 * bytes.
 */
#include "store/ids_pack.h"

#include "util/alloc.h"

#include <string.h>

/* Packed identifier occurrences (the blob never leaves this file:
 * zl_ids_unpack is its only reader). Version 2 (schema 21) starts with the
 * byte 0xB2, then per occurrence: a byte role | 0x80 when a quantity
 * follows | 0x40 when a unit follows, the quantity as 8 bytes (host
 * double) when flagged, the unit as a length byte and its bytes when
 * flagged (an empty unit reads as none, as in version 1), then the identifier
 * as a varint count of leading bytes shared with the previous identifier of the
 * blob, a varint count of the remaining bytes, and those bytes. The "previous
 * identifier" of the first occurrence is IDS_SEED, the GS1 Digital Link prefix
 * of a GTIN, so the event's first identifier no longer spells it: 1M demo
 * events, 99 bytes a blob in version 1, ~70 in 2 (one byte less for every
 * occurrence without a unit, ~21 less for the first identifier). Version 1
 * (0xB1: the same with no unit flag, a length byte always, and no seed) and
 * version 0 (written before it: role byte, quantity flag byte, 4-byte uom
 * and id lengths, no sharing) are still read; rows keep the version they
 * were written in until reindex rewrites them.
 *
 * Version 3 (schema 38, SQLite only: a backend that numbers its
 * identifiers, idents.n) starts with 0xB3, then per occurrence a varint
 * of (the zigzag difference of the identifier's number from the previous
 * occurrence's, the first's from 0) << 3 | c: c is the role when it is
 * below 7 and the occurrence has no quantity and no unit; c = 7 means the
 * head byte, quantity and unit of version 2 follow the varint. One
 * event's identifiers are mostly interned together, so one byte an
 * occurrence: 1M demo events, 68 bytes a blob in version 2, 13.6 in 3
 * (21.9 with a head byte for every occurrence). Reading it needs the
 * backend's names (zl_ids_names). */
#define IDS_V1    0xB1
#define IDS_V2    0xB2
#define ROLE_QTY  0x80
#define ROLE_UOM  0x40
#define V3_ESCAPE 7u /* version 3: the head byte follows */
static const char IDS_SEED[] = "https://id.gs1.org/01/";

/* head byte, quantity and unit of one occurrence (versions 2 and 3) */
static int pack_head(const struct zl_event_id *id, struct zl_buf *b)
{
    size_t ul = id->uom ? strlen(id->uom) : 0;
    uint8_t ulb = (uint8_t)ul, head;
    int rc;

    if (ul > 255 || (unsigned)id->role >= ROLE_UOM)
        return ZL_EINVAL;
    head = (uint8_t)((uint8_t)id->role | (id->has_quantity ? ROLE_QTY : 0) |
                     (ul ? ROLE_UOM : 0));
    rc = zl_buf_add(b, &head, 1);
    if (!rc && id->has_quantity)
        rc = zl_buf_add(b, &id->quantity, sizeof id->quantity);
    if (!rc && ul)
        rc = zl_buf_add(b, &ulb, 1);
    if (!rc && ul)
        rc = zl_buf_add(b, id->uom, ul);
    return rc;
}

int zl_ids_pack(const struct zl_event *ev, struct zl_buf *b)
{
    static const uint8_t ver = IDS_V2;
    const char *prev = IDS_SEED;
    size_t prev_len = sizeof IDS_SEED - 1;
    int rc;

    if (!ev->n_ids)
        return 0;
    rc = zl_buf_add(b, &ver, 1);
    for (size_t i = 0; i < ev->n_ids && !rc; i++) {
        const struct zl_event_id *id = &ev->ids[i];
        size_t il = strlen(id->id), shared = 0;

        while (shared < il && shared < prev_len &&
               id->id[shared] == prev[shared])
            shared++;
        rc = pack_head(id, b);
        if (!rc)
            rc = zl_buf_add_uvarint(b, shared);
        if (!rc)
            rc = zl_buf_add_uvarint(b, il - shared);
        if (!rc)
            rc = zl_buf_add(b, id->id + shared, il - shared);
        prev = id->id;
        prev_len = il;
    }
    return rc;
}

int zl_ids_pack_numbered(const struct zl_event *ev, const int64_t *ns,
                         struct zl_buf *b)
{
    static const uint8_t ver = ZL_IDS_V3;
    int64_t prev = 0;
    int rc;

    if (!ev->n_ids)
        return 0;
    rc = zl_buf_add(b, &ver, 1);
    for (size_t i = 0; i < ev->n_ids && !rc; i++) {
        const struct zl_event_id *id = &ev->ids[i];
        int64_t d = (int64_t)((uint64_t)ns[i] - (uint64_t)prev);
        uint64_t z = ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
        int plain = (unsigned)id->role < V3_ESCAPE && !id->has_quantity &&
                    !(id->uom && id->uom[0]);

        if (z >> 60)
            return ZL_EINVAL; /* no room for the code: not a real number */
        rc = zl_buf_add_uvarint(
            b, z << 3 | (plain ? (uint64_t)id->role : V3_ESCAPE));
        if (!rc && !plain)
            rc = pack_head(id, b);
        prev = ns[i];
    }
    return rc;
}

static int get_varint(const uint8_t **p, size_t *n, size_t *v)
{
    size_t r = 0;

    for (unsigned shift = 0; shift < 63; shift += 7) {
        uint8_t c;

        if (!*n)
            return -1;
        c = **p;
        (*p)++;
        (*n)--;
        r |= (size_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* Make room for need bytes in *tmp (capacity *cap), keeping its content. */
static int grow(char **tmp, size_t *cap, size_t need)
{
    char *t;

    if (need <= *cap)
        return 0;
    t = zl_realloc(*tmp, need);
    if (!t)
        return ZL_ENOMEM;
    *tmp = t;
    *cap = need;
    return 0;
}

/* The head byte, quantity and unit of one occurrence (versions 1 to 3;
 * v2: version 2 or 3) from *p into r, the unit copied into *tmp: 0,
 * ZL_ENOMEM, or ZL_ESTORE for a blob cut short. */
static int read_head(const uint8_t **pp, size_t *np, int v2,
                     struct zl_id_row *r, char **tmp, size_t *cap)
{
    const uint8_t *p = *pp;
    size_t n = *np, ul = 0;
    int has_uom = !v2 || (p[0] & ROLE_UOM);

    r->role = (enum zl_id_role)(p[0] & (v2 ? 0x3f : 0x7f));
    r->has_quantity = (p[0] & ROLE_QTY) != 0;
    p++;
    n--;
    r->quantity = 0;
    if (r->has_quantity) {
        if (n < sizeof r->quantity)
            return ZL_ESTORE;
        memcpy(&r->quantity, p, sizeof r->quantity);
        p += sizeof r->quantity;
        n -= sizeof r->quantity;
    }
    if (has_uom) {
        if (!n || (ul = p[0]) > n - 1)
            return ZL_ESTORE;
        p++;
        n--;
    }
    if (grow(tmp, cap, ul + 1) < 0)
        return ZL_ENOMEM;
    memcpy(*tmp, p, ul);
    (*tmp)[ul] = '\0';
    r->uom = ul ? *tmp : NULL;
    *pp = p + ul;
    *np = n - ul;
    return 0;
}

/* 1 when an occurrence in role is among roles (a role past the set's
 * bits, in a malformed blob, only when every role is asked for). */
static int wanted(zl_id_roles roles, enum zl_id_role role)
{
    return roles == ZL_ID_ROLES_ALL ||
           ((unsigned)role < 32 && (roles >> (unsigned)role & 1u));
}

/* The next occurrence of a version 3 blob at *p (*n bytes left): its
 * role, quantity and unit into r (the unit kept in *tmp), its number into
 * *num (the previous occurrence's, there on entry, plus the coded
 * difference). 0, ZL_ESTORE for a malformed blob, or ZL_ENOMEM. */
static int v3_next(const uint8_t **p, size_t *n, struct zl_id_row *r,
                   char **tmp, size_t *cap, int64_t *num)
{
    size_t v;
    uint64_t z;
    int rc;

    if (get_varint(p, n, &v))
        return ZL_ESTORE;
    if ((v & 7) == V3_ESCAPE) {
        if (!*n)
            return ZL_ESTORE;
        if ((rc = read_head(p, n, 1, r, tmp, cap)))
            return rc;
    } else {
        r->role = (enum zl_id_role)(v & 7);
        r->has_quantity = 0;
        r->quantity = 0;
        r->uom = NULL;
    }
    z = (uint64_t)v >> 3;
    *num = (int64_t)((uint64_t)*num + ((z >> 1) ^ (0 - (z & 1))));
    return 0;
}

/* Version 3: each identifier's text from names by its number. */
static int unpack_ids_v3(const uint8_t *p, size_t n,
                         const struct zl_ids_names *names, zl_id_roles roles,
                         struct zl_id_row *r, zl_id_cb cb, void *ctx)
{
    char *tmp = NULL;
    size_t cap = 0;
    int64_t num = 0;
    int rc = 0;

    if (!names)
        return ZL_ESTORE;
    while (n && !rc)
        if (!(rc = v3_next(&p, &n, r, &tmp, &cap, &num)) &&
            wanted(roles, r->role) &&
            !(rc = names->name(names->ctx, num, &r->id)))
            rc = cb(ctx, r);
    zl_free(tmp);
    return rc;
}

int zl_ids_numbers(const uint8_t *p, size_t n,
                   int (*cb)(void *ctx, int64_t number, int role), void *ctx)
{
    struct zl_id_row r;
    char *tmp = NULL;
    size_t cap = 0;
    int64_t num = 0;
    int rc = 0;

    if (!n || p[0] != ZL_IDS_V3)
        return ZL_EUNSUPPORTED;
    p++;
    n--;
    memset(&r, 0, sizeof r);
    while (n && !rc)
        if (!(rc = v3_next(&p, &n, &r, &tmp, &cap, &num)))
            rc = cb(ctx, num, (int)r.role);
    zl_free(tmp);
    return rc;
}

/* Versions 1 and 2 (see zl_ids_pack). tmp holds the unit; the id of the
 * previous occurrence is kept in prev for the shared prefix. */
static int unpack_ids_v1(const uint8_t *p, size_t n, int v2, zl_id_roles roles,
                         struct zl_id_row *r, zl_id_cb cb, void *ctx)
{
    char *tmp = NULL, *prev = NULL;
    size_t cap = 0, pcap = 0, prev_len = 0;
    int rc = 0;

    if (v2) {
        prev_len = sizeof IDS_SEED - 1;
        if (grow(&prev, &pcap, prev_len + 1) < 0)
            goto nomem;
        memcpy(prev, IDS_SEED, prev_len + 1);
    }
    while (n && !rc) {
        size_t shared, rest;
        int h = read_head(&p, &n, v2, r, &tmp, &cap);

        if (h == ZL_ENOMEM)
            goto nomem;
        if (h)
            goto corrupt;
        if (get_varint(&p, &n, &shared) || get_varint(&p, &n, &rest) ||
            shared > prev_len || rest > n)
            goto corrupt;
        if (grow(&prev, &pcap, shared + rest + 1) < 0)
            goto nomem;
        memcpy(prev + shared, p, rest);
        prev_len = shared + rest;
        prev[prev_len] = '\0';
        p += rest;
        n -= rest;
        r->id = prev;
        if (wanted(roles, r->role))
            rc = cb(ctx, r);
    }
    zl_free(tmp);
    zl_free(prev);
    return rc;
nomem:
    zl_free(tmp);
    zl_free(prev);
    return ZL_ENOMEM;
corrupt:
    zl_free(tmp);
    zl_free(prev);
    return ZL_ESTORE;
}

/* Walk a packed blob (see zl_ids_pack), handing each occurrence to cb with
 * the event's own fields filled in from the row. */
int zl_ids_unpack(const uint8_t *p, size_t n, const struct zl_ids_names *names,
                  zl_id_roles roles, struct zl_id_row *r, zl_id_cb cb,
                  void *ctx)
{
    char *tmp = NULL;
    size_t cap = 0;
    int rc = 0;

    if (n && (p[0] == IDS_V1 || p[0] == IDS_V2))
        return unpack_ids_v1(p + 1, n - 1, p[0] == IDS_V2, roles, r, cb, ctx);
    if (n && p[0] == ZL_IDS_V3)
        return unpack_ids_v3(p + 1, n - 1, names, roles, r, cb, ctx);
    while (n && !rc) {
        uint32_t ul, il;
        size_t need;

        if (n < 2)
            goto corrupt;
        r->role = (enum zl_id_role)p[0];
        r->has_quantity = p[1];
        p += 2;
        n -= 2;
        r->quantity = 0;
        if (r->has_quantity) {
            if (n < sizeof r->quantity)
                goto corrupt;
            memcpy(&r->quantity, p, sizeof r->quantity);
            p += sizeof r->quantity;
            n -= sizeof r->quantity;
        }
        if (n < 4)
            goto corrupt;
        memcpy(&ul, p, 4);
        if (n - 4 < ul)
            goto corrupt;
        if (n - 4 - ul < 4)
            goto corrupt;
        memcpy(&il, p + 4 + ul, 4);
        if (n - 8 - ul < il)
            goto corrupt;
        /* Strings must be NUL-terminated for the callback: copy both. */
        need = (size_t)ul + il + 2;
        if (grow(&tmp, &cap, need) < 0) {
            rc = ZL_ENOMEM;
            break;
        }
        memcpy(tmp, p + 4, ul);
        tmp[ul] = '\0';
        memcpy(tmp + ul + 1, p + 8 + ul, il);
        tmp[ul + 1 + il] = '\0';
        r->uom = ul ? tmp : NULL;
        r->id = tmp + ul + 1;
        p += 8 + ul + il;
        n -= 8 + (size_t)ul + il;
        if (wanted(roles, r->role))
            rc = cb(ctx, r);
    }
    zl_free(tmp);
    return rc;
corrupt:
    zl_free(tmp);
    return ZL_ESTORE;
}

/* ---- repacking ------------------------------------------------------------
 * A blob's occurrences copied (their strings owned) into an event, then
 * packed again in the other form. */
struct repack {
    struct zl_event_id *ids;
    size_t n, cap;
};

static int repack_cb(void *ctx, const struct zl_id_row *r)
{
    struct repack *k = ctx;
    struct zl_event_id *e;

    if (zl_grow((void **)&k->ids, &k->cap, k->n + 1, sizeof *k->ids, 16, NULL))
        return ZL_ENOMEM;
    e = &k->ids[k->n];
    memset(e, 0, sizeof *e);
    e->role = r->role;
    e->has_quantity = r->has_quantity;
    e->quantity = r->quantity;
    if (!(e->id = zl_strdup(r->id)) ||
        (r->uom && !(e->uom = zl_strdup(r->uom)))) {
        zl_free((char *)e->id);
        return ZL_ENOMEM;
    }
    k->n++;
    return 0;
}

int zl_ids_repack(const uint8_t *p, size_t n, const struct zl_ids_names *names,
                  zl_ids_number_fn number, void *nctx, struct zl_buf *out)
{
    struct repack k = {0};
    struct zl_id_row row;
    struct zl_event ev;
    int64_t *ns = NULL;
    int rc;

    memset(&row, 0, sizeof row);
    memset(&ev, 0, sizeof ev);
    rc = zl_ids_unpack(p, n, names, ZL_ID_ROLES_ALL, &row, repack_cb, &k);
    if (!rc && number && k.n && !(ns = zl_malloc(k.n * sizeof *ns)))
        rc = ZL_ENOMEM;
    for (size_t i = 0; number && i < k.n && !rc; i++)
        rc = number(nctx, k.ids[i].id, &ns[i]);
    ev.ids = k.ids;
    ev.n_ids = k.n;
    if (!rc)
        rc =
            number ? zl_ids_pack_numbered(&ev, ns, out) : zl_ids_pack(&ev, out);
    for (size_t i = 0; i < k.n; i++) {
        zl_free((char *)k.ids[i].id);
        zl_free((char *)k.ids[i].uom);
    }
    zl_free(k.ids);
    zl_free(ns);
    return rc;
}
