/*
 * ws_frame.c - decoding client WebSocket frames (see ws_frame.h).
 *
 * The decoder looks at the header first and reports every rule a header
 * breaks before it waits for the payload, so that a client announcing a
 * 2^62-byte frame is refused at once instead of being waited for. Only
 * when the whole frame is in the buffer is it unmasked and returned.
 */
#include "ws_frame.h"

#include "utf8.h"

#include <string.h>

static long bad(unsigned *code, const char **why, unsigned c, const char *w)
{
    *code = c;
    *why = w;
    return -1;
}

/* A close payload (section 5.5.1): empty, or a code and a UTF-8 reason.
 * Codes 1004-1006 and 1015 are reserved, and below 3000 only those the
 * RFC defines may be sent. */
static long check_close(struct zl_ws_frame *f, unsigned *code, const char **why)
{
    const uint8_t *pl = f->payload;
    size_t n = f->len;
    unsigned c;

    f->close_code = 1000;
    if (n == 0)
        return 0;
    if (n == 1)
        return bad(code, why, 1002, "close payload of one byte");
    c = ((unsigned)pl[0] << 8) | pl[1];
    if (n > 2 && !zl_utf8_valid((const char *)pl + 2, n - 2))
        return bad(code, why, 1007, "close reason not UTF-8");
    if (c < 1000 || (c >= 1004 && c <= 1006) || (c >= 1015 && c < 3000) ||
        c >= 5000)
        return bad(code, why, 1002, "bad close code");
    f->close_code = c;
    return 0;
}

long zl_ws_frame_next(struct zl_ws_reader *r, uint8_t *buf, size_t avail,
                      struct zl_ws_frame *f, unsigned *code, const char **why)
{
    size_t hl = 2;
    uint64_t n;
    unsigned fin, op;
    uint8_t key[4];

    if (avail < 2)
        return 0;
    fin = buf[0] >> 7;
    op = buf[0] & 0x0f;
    n = buf[1] & 0x7f;
    if (n == 126) {
        if (avail < 4)
            return 0;
        n = ((uint64_t)buf[2] << 8) | buf[3];
        hl = 4;
        if (n < 126)
            return bad(code, why, 1002, "length not minimal");
    } else if (n == 127) {
        if (avail < 10)
            return 0;
        n = 0;
        for (int i = 0; i < 8; i++)
            n = (n << 8) | buf[2 + i];
        hl = 10;
        if (n >> 63 || n < 65536)
            return bad(code, why, 1002, "bad length");
    }
    if (buf[0] & 0x70)
        return bad(code, why, 1002, "reserved bits set");
    if (!(buf[1] >> 7))
        return bad(code, why, 1002, "client frames must be masked");
    if (op >= 8) {
        if (!fin || n > 125 || (op != 8 && op != 9 && op != 10))
            return bad(code, why, 1002, "bad control frame");
    } else if (op == 0) {
        if (!r->in_fragment)
            return bad(code, why, 1002, "continuation without a message");
    } else if (op == 1 || op == 2) {
        if (r->in_fragment)
            return bad(code, why, 1002, "new message inside a fragmented one");
    } else {
        return bad(code, why, 1002, "unknown opcode");
    }
    if (op < 8 && (n > ZL_WS_IN_MSG_MAX || r->msg_len + n > ZL_WS_IN_MSG_MAX))
        return bad(code, why, 1009, "message too big");
    /* n is at most ZL_WS_IN_MSG_MAX here: the sum cannot overflow */
    if (avail < hl + 4 + n)
        return 0;
    memcpy(key, buf + hl, 4);
    f->op = op;
    f->fin = (int)fin;
    f->payload = buf + hl + 4;
    f->len = (size_t)n;
    f->close_code = 0;
    for (size_t i = 0; i < f->len; i++)
        f->payload[i] ^= key[i & 3];
    if (op == 8 && check_close(f, code, why))
        return -1;
    if (op < 8) {
        r->msg_len = fin ? 0 : r->msg_len + f->len;
        r->in_fragment = !fin;
    }
    return (long)(hl + 4 + f->len);
}
