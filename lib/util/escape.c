/*
 * escape.c - the one JSON string escaper and the one XML/HTML text
 * escaper of the project (declared in zhiliang/buf.h: the server and
 * the CLI print JSON and HTML too, and may use only public headers).
 *
 * Both append to a capped zl_buf and copy runs of plain bytes in one
 * append, so an escaped text costs one append per special character.
 * Neither checks UTF-8: the JSON one is for text the library already
 * holds as valid UTF-8 (identifiers, names, times), the XML one passes
 * bytes >= 0x80 through.
 *
 * Not here, on purpose: the RFC 8785 form (lib/util/jcs.c) whose escapes
 * are fixed by the standard (\n, \t ... short forms) and which must
 * never change under a stored record; zl_text_escape (lib/util/error.c)
 * for error messages, which also escapes invalid UTF-8; and the URI
 * percent-encoders, whose safe sets differ by rule (GS1 TDS, Digital
 * Link, RFC 3986).
 */
#include "util/buf.h"

#include <stdint.h>
#include <string.h>

/* 1 when c is written as it is inside a JSON string. */
static int json_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

/* The length of the leading run of s[0..n) that JSON takes as it is.
 * Eight bytes a step while none is special (the usual case: identifiers,
 * times, names), then a byte at a time: a byte below 0x20, a '"' or a
 * '\\' sets its high bit in one of the three differences (the classic
 * has-less / has-zero tests; ~w leaves out bytes >= 0x80). */
static size_t json_plain_run(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w, q, bs;

        memcpy(&w, s + i, 8);
        q = w ^ (ones * '"');
        bs = w ^ (ones * '\\');
        if ((((w - ones * 0x20) | (q - ones) | (bs - ones)) & ~w & highs) != 0)
            break;
    }
    while (i < n && json_plain((unsigned char)s[i]))
        i++;
    return i;
}

int zl_buf_add_json_string(struct zl_buf *b, const char *s)
{
    static const char hx[] = "0123456789abcdef";
    size_t n = strlen(s);
    int rc = zl_buf_addc(b, '"');

    while (rc == 0) {
        size_t k = json_plain_run(s, n);
        unsigned char c;

        if ((rc = zl_buf_add(b, s, k)) || k == n)
            break;
        c = (unsigned char)s[k];
        {
            char e[6] = {'\\', (char)c, '0', '0', hx[c >> 4], hx[c & 15]};

            if (c < 0x20)
                e[1] = 'u';
            rc = zl_buf_add(b, e, c < 0x20 ? 6 : 2);
        }
        s += k + 1;
        n -= k + 1;
    }
    return rc ? rc : zl_buf_addc(b, '"');
}

int zl_buf_add_xml(struct zl_buf *b, const char *s, size_t n, int apos)
{
    const char *run, *end;
    int rc = 0;

    if (s == NULL)
        return 0;
    if (n == (size_t)-1)
        n = strlen(s);
    end = s + n;
    for (run = s; rc == 0 && s < end; s++) {
        const char *e;

        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = apos ? "&#39;" : NULL; break;
        default: e = NULL; break;
        }
        if (e == NULL)
            continue;
        rc = zl_buf_add(b, run, (size_t)(s - run));
        if (rc == 0)
            rc = zl_buf_adds(b, e);
        run = s + 1;
    }
    if (rc == 0)
        rc = zl_buf_add(b, run, (size_t)(s - run));
    return rc;
}
