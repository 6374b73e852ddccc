/*
 * fuzz_ws.c - libFuzzer target for the WebSocket client frame decoder
 * (server/ws_frame.c), which reads bytes straight off a client's socket.
 *
 * The first byte chooses how the rest arrives: in pieces of 1 to 256
 * bytes, as recv() may hand them over. The stream is decoded twice, whole
 * and in pieces, the way the stream thread does it (decode what is
 * complete, keep the rest, append the next piece). Invariants: nothing
 * crashes or reads out of bounds; a frame never claims more bytes than it
 * was given, and its payload ends where the frame does; control frames
 * are final and at most 125 bytes, a data message at most
 * ZL_WS_IN_MSG_MAX in all; an error carries 1002, 1007 or 1009 and a
 * reason; and the pieces give exactly the frames, payloads and error of
 * the whole (decoding never depends on how the bytes were cut).
 */
#include "../server/ws_frame.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 4096

struct seen {
    unsigned op, close_code;
    int fin;
    size_t len, at; /* payload length and offset in the payload log */
};

struct run {
    struct seen f[MAX_FRAMES];
    size_t n;
    uint8_t *payloads; /* every payload, in order */
    size_t plen;
    unsigned err; /* 0, or the close code of the error */
};

static void must(int cond)
{
    if (!cond)
        abort();
}

/* Decode the complete frames of buf[0..len), as parse_in does; returns
 * the bytes used (the rest is a partial frame), or (size_t)-1 after an
 * error (recorded in r). */
static size_t decode(struct zl_ws_reader *rd, uint8_t *buf, size_t len,
                     struct run *r)
{
    size_t off = 0;

    while (r->n < MAX_FRAMES) {
        struct zl_ws_frame f;
        const char *why = NULL;
        unsigned code = 0;
        long used = zl_ws_frame_next(rd, buf + off, len - off, &f, &code, &why);

        if (used < 0) {
            must(code == 1002 || code == 1007 || code == 1009);
            must(why != NULL && why[0] != '\0');
            r->err = code;
            return (size_t)-1;
        }
        if (used == 0)
            break;
        must((size_t)used <= len - off && used >= 6);
        must(f.payload >= buf + off && f.payload + f.len == buf + off + used);
        if (f.op >= 8)
            must(f.fin && f.len <= 125);
        else
            must(f.len <= ZL_WS_IN_MSG_MAX && rd->msg_len <= ZL_WS_IN_MSG_MAX);
        must(f.op != 8 || (f.close_code >= 1000 && f.close_code < 5000));
        r->f[r->n] = (struct seen){f.op, f.close_code, f.fin, f.len, r->plen};
        r->n++;
        memcpy(r->payloads + r->plen, f.payload, f.len);
        r->plen += f.len;
        off += (size_t)used;
        if (f.op == 8)
            break; /* the stream stops reading after a close */
    }
    return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run *whole, *cut;
    struct zl_ws_reader rd;
    uint8_t *a, *b;
    size_t piece, have = 0, fed = 0;
    int stopped = 0;

    if (size < 1)
        return 0;
    piece = (size_t)data[0] + 1;
    data++;
    size--;
    whole = calloc(1, sizeof *whole);
    cut = calloc(1, sizeof *cut);
    a = malloc(size + 1);
    b = malloc(size + 1);
    whole->payloads = malloc(size + 1);
    cut->payloads = malloc(size + 1);
    must(whole && cut && a && b && whole->payloads && cut->payloads);
    memcpy(a, data, size);

    memset(&rd, 0, sizeof rd);
    decode(&rd, a, size, whole);

    /* the same bytes in pieces: b holds what is not decoded yet */
    memset(&rd, 0, sizeof rd);
    while (fed < size && !stopped && cut->n < MAX_FRAMES) {
        size_t k = size - fed < piece ? size - fed : piece, used;

        memcpy(b + have, data + fed, k);
        have += k;
        fed += k;
        used = decode(&rd, b, have, cut);
        if (used == (size_t)-1 || (cut->n && cut->f[cut->n - 1].op == 8)) {
            stopped = 1;
            break;
        }
        memmove(b, b + used, have - used);
        have -= used;
    }

    if (whole->n < MAX_FRAMES && cut->n < MAX_FRAMES) {
        must(whole->n == cut->n && whole->err == cut->err);
        must(whole->plen == cut->plen);
        for (size_t i = 0; i < whole->n; i++)
            must(memcmp(&whole->f[i], &cut->f[i], sizeof whole->f[i]) == 0);
        must(memcmp(whole->payloads, cut->payloads, whole->plen) == 0);
    }
    free(a);
    free(b);
    free(whole->payloads);
    free(cut->payloads);
    free(whole);
    free(cut);
    return 0;
}
