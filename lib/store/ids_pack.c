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
 * were written in until reindex rewrites them. */
#define IDS_V1   0xB1
#define IDS_V2   0xB2
#define ROLE_QTY 0x80
#define ROLE_UOM 0x40
static const char IDS_SEED[] = "https://id.gs1.org/01/";

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
        size_t ul = id->uom ? strlen(id->uom) : 0;
        size_t il = strlen(id->id), shared = 0;
        uint8_t ulb = (uint8_t)ul, head;

        if (ul > 255 || (unsigned)id->role >= ROLE_UOM)
            return ZL_EINVAL;
        head = (uint8_t)((uint8_t)id->role | (id->has_quantity ? ROLE_QTY : 0) |
                         (ul ? ROLE_UOM : 0));
        while (shared < il && shared < prev_len &&
               id->id[shared] == prev[shared])
            shared++;
        rc = zl_buf_add(b, &head, 1);
        if (!rc && id->has_quantity)
            rc = zl_buf_add(b, &id->quantity, sizeof id->quantity);
        if (!rc && ul)
            rc = zl_buf_add(b, &ulb, 1);
        if (!rc && ul)
            rc = zl_buf_add(b, id->uom, ul);
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

/* Versions 1 and 2 (see zl_ids_pack). tmp holds the unit; the id of the
 * previous occurrence is kept in prev for the shared prefix. */
static int unpack_ids_v1(const uint8_t *p, size_t n, int v2,
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
        size_t ul = 0, shared, rest;
        int has_uom = !v2 || (p[0] & ROLE_UOM);

        r->role = (enum zl_id_role)(p[0] & (v2 ? 0x3f : 0x7f));
        r->has_quantity = (p[0] & ROLE_QTY) != 0;
        p++;
        n--;
        r->quantity = 0;
        if (r->has_quantity) {
            if (n < sizeof r->quantity)
                goto corrupt;
            memcpy(&r->quantity, p, sizeof r->quantity);
            p += sizeof r->quantity;
            n -= sizeof r->quantity;
        }
        if (has_uom) {
            if (!n || (ul = p[0]) > n - 1)
                goto corrupt;
            p++;
            n--;
        }
        if (grow(&tmp, &cap, ul + 1) < 0)
            goto nomem;
        memcpy(tmp, p, ul);
        tmp[ul] = '\0';
        p += ul;
        n -= ul;
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
        r->uom = ul ? tmp : NULL;
        r->id = prev;
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
int zl_ids_unpack(const uint8_t *p, size_t n, struct zl_id_row *r, zl_id_cb cb,
                  void *ctx)
{
    char *tmp = NULL;
    size_t cap = 0;
    int rc = 0;

    if (n && (p[0] == IDS_V1 || p[0] == IDS_V2))
        return unpack_ids_v1(p + 1, n - 1, p[0] == IDS_V2, r, cb, ctx);
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
        rc = cb(ctx, r);
    }
    zl_free(tmp);
    return rc;
corrupt:
    zl_free(tmp);
    return ZL_ESTORE;
}
