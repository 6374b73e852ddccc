/*
 * ws_frame.h - decoding the frames a WebSocket client sends (RFC 6455
 * section 5.2), apart from sockets and streams so that it can be fuzzed.
 *
 * A client frame must be masked; control frames (close, ping, pong) are
 * final and at most 125 bytes; a data message (text or binary, with its
 * continuations) may not exceed ZL_WS_IN_MSG_MAX bytes in all; lengths
 * must be written in their shortest form. Every violation is reported
 * with the close code section 7.4.1 assigns (1002 protocol error, 1007
 * bad data, 1009 too big) and a short reason.
 */
#ifndef ZL_WS_FRAME_H
#define ZL_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define ZL_WS_IN_MSG_MAX 65536 /* a client data message, in all */

/* What the reader remembers between frames: the data message being
 * received in fragments. Zero it before the first frame. */
struct zl_ws_reader {
    size_t msg_len;  /* bytes of the fragmented message so far */
    int in_fragment; /* a continuation frame is due */
};

/* One decoded frame. payload points into the caller's buffer, unmasked
 * in place; for a close frame, close_code is the client's code (1000
 * when it sent none). */
struct zl_ws_frame {
    unsigned
        op; /* 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong */
    int fin;
    uint8_t *payload;
    size_t len;
    unsigned close_code;
};

/* Decode the frame at the start of buf[0..avail). Returns the number of
 * bytes the frame takes (> 0) with *f filled and the payload unmasked in
 * place, 0 when buf holds only part of a frame (nothing changed; call
 * again with more bytes), or -1 for a frame the protocol forbids, with
 * *code and *why set (the reader's state is then meaningless: the
 * connection must be closed). A close frame's payload is checked too (a
 * one-byte payload, a reason that is not UTF-8, a code nobody may send).
 * Never reads past buf + avail. */
long zl_ws_frame_next(struct zl_ws_reader *r, uint8_t *buf, size_t avail,
                      struct zl_ws_frame *f, unsigned *code, const char **why);

#endif
