/*
 * qr.c - a QR code as SVG: libqrencode computes the modules, we write the
 * SVG (one path of unit squares, 4-module quiet zone, crisp edges) so the
 * picture scales to any size and embeds inline in the portal page.
 */
#include "server_int.h"

#include "zhiliang/error.h"

#include <qrencode.h>
#include <string.h>

int zl_qr_svg(const char *text, struct zl_buf *out)
{
    QRcode *q;
    int x, y, w, rc;
    const int quiet = 4;

    /* Level M survives a scuffed label; 8-bit mode keeps the URL exact. */
    q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!q)
        return ZL_ELIMIT;
    w = q->width;
    rc = zl_buf_printf(out,
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                       "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
                       "role=\"img\" aria-label=\"QR code\">"
                       "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
                       "<path fill=\"#000\" d=\"",
                       w + 2 * quiet, w + 2 * quiet);
    /* One rectangle per horizontal run of dark modules. */
    for (y = 0; y < w && !rc; y++)
        for (x = 0; x < w && !rc;) {
            int run = 0;
            while (x + run < w && (q->data[y * w + x + run] & 1))
                run++;
            if (run)
                rc = zl_buf_printf(out, "M%d %dh%dv1h-%dz", x + quiet,
                                   y + quiet, run, run);
            x += run ? run : 1;
        }
    if (!rc)
        rc = zl_buf_adds(out, "\"/></svg>");
    QRcode_free(q);
    return rc;
}
