/*
 * codec.c - hex and base64.
 *
 * Base64 goes through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock (no line
 * breaks) with our own strictness checks on top, because EVP_DecodeBlock
 * alone accepts some malformed padding and reports padded lengths.
 */
#include "util/codec.h"

#include "zhiliang/error.h"

#include <openssl/evp.h>

void zl_hex_encode(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int zl_hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (len != 2 * n)
        return ZL_ESYNTAX;
    for (size_t i = 0; i < n; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return ZL_ESYNTAX;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

size_t zl_base64_encode(const uint8_t *p, size_t n, char *out)
{
    return (size_t)EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static int b64char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int zl_base64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
    size_t pad = 0;
    int n;

    if (len % 4 || len > (size_t)1 << 30)
        return ZL_ESYNTAX;
    if (len && s[len - 1] == '=')
        pad++;
    if (len > 1 && s[len - 2] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++)
        if (!b64char(s[i]))
            return ZL_ESYNTAX;
    n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    if (n < 0)
        return ZL_ESYNTAX;
    *outlen = (size_t)n - pad;
    return 0;
}
