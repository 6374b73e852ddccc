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
 * zl_ids_unpack is its only reader). Version 1 starts with the byte 0xB1 (no
 * role is that large), then per occurrence: a byte role | 0x80 when a
 * quantity follows, the quantity as 8 bytes (host double) when flagged,
 * a uom length byte and its bytes, then the identifier as a varint count
 * of leading bytes shared with the previous identifier of the blob, a
 * varint count of the remaining bytes, and those bytes. Identifiers of
 * one event mostly share a long prefix (one GTIN, serials in sequence),
 * so this is ~10 bytes an identifier instead of ~55. Version 0 (written
 * before: role byte, quantity flag byte, 4-byte uom and id lengths, no
 * sharing) is still read. */
#define IDS_V1 0xB1

int zl_ids_pack(const struct zl_event *ev, struct zl_buf *b)
{
    static const uint8_t ver = IDS_V1;
    const char *prev = "";
    size_t prev_len = 0;
    int rc;

    if (!ev->n_ids)
        return 0;
    rc = zl_buf_add(b, &ver, 1);
    for (size_t i = 0; i < ev->n_ids && !rc; i++) {
        const struct zl_event_id *id = &ev->ids[i];
        uint8_t head =
            (uint8_t)((uint8_t)id->role | (id->has_quantity ? 0x80 : 0));
        size_t ul = id->uom ? strlen(id->uom) : 0;
        size_t il = strlen(id->id), shared = 0;
        uint8_t ulb = (uint8_t)ul;

        if (ul > 255 || (unsigned)id->role >= 0x80)
            return ZL_EINVAL;
        while (shared < il && shared < prev_len &&
               id->id[shared] == prev[shared])
            shared++;
        rc = zl_buf_add(b, &head, 1);
        if (!rc && id->has_quantity)
            rc = zl_buf_add(b, &id->quantity, sizeof id->quantity);
        if (!rc)
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

/* Version 1 (see zl_ids_pack). tmp holds "uom\0id\0"; the id of the previous
 * occurrence is kept in prev for the shared prefix. */
static int unpack_ids_v1(const uint8_t *p, size_t n, struct zl_id_row *r,
                         zl_id_cb cb, void *ctx)
{
    char *tmp = NULL, *prev = NULL;
    size_t cap = 0, pcap = 0, prev_len = 0;
    int rc = 0;

    while (n && !rc) {
        size_t ul, shared, rest;

        r->role = (enum zl_id_role)(p[0] & 0x7f);
        r->has_quantity = (p[0] & 0x80) != 0;
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
        if (!n || (ul = p[0]) > n - 1)
            goto corrupt;
        p++;
        n--;
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

    if (n && p[0] == IDS_V1)
        return unpack_ids_v1(p + 1, n - 1, r, cb, ctx);
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
