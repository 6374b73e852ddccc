/*
 * rfc3797.c - RFC 3797 "Publicly Verifiable Nominations Committee (NomCom)
 * Random Selection": the key string from seed values, and the selection.
 *
 * Implemented from the RFC's text (sections 4 and 5), checked against its
 * worked example and the real 2022 IETF selection (tests/conformance/
 * rfc3797). Values are kept as decimal strings, not parsed into integers,
 * so a lottery's 20-digit value cannot overflow; "without leading zeros"
 * and "sorted ascending" then become length-then-lexical comparisons.
 *
 * The selection finds the k-th name not yet picked with a Fenwick tree
 * over the pool, so a full permutation of 65,535 names costs n log n
 * instead of the reference code's n^2 walk. MD5 is the RFC's choice; it is
 * used here as a public mixing function, where its collision weakness does
 * not matter (nobody chooses the key after seeing the names).
 */
#include "zhiliang/draw.h"

#include "util/alloc.h"
#include "util/assert.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 256 /* values in one source */
#define MAX_DIGITS 20  /* digits in one value (2^64 has 20) */

struct value {
    const char *p; /* first significant digit (or the last '0') */
    size_t n;
};

/* Numeric order of two canonical decimal strings: shorter is smaller. */
static int value_cmp(const void *a, const void *b)
{
    const struct value *x = a, *y = b;
    int c;

    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    c = memcmp(x->p, y->p, x->n);
    return c;
}

static int append(char *key, size_t cap, size_t *len, const char *p, size_t n)
{
    if (*len + n + 1 > cap)
        return ZL_ELIMIT;
    memcpy(key + *len, p, n);
    *len += n;
    key[*len] = '\0';
    return 0;
}

/* One source line: split, strip leading zeros, sort, append "v.v.v./". */
static int add_source(const char *line, size_t n, size_t lineno, char *key,
                      size_t cap, size_t *len, struct zl_error *err)
{
    struct value v[MAX_VALUES];
    size_t nv = 0, i = 0, k;
    char where[32];
    int rc = 0;

    snprintf(where, sizeof where, "line %zu", lineno);
    while (i < n) {
        size_t start;

        while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i == n)
            break;
        start = i;
        while (i < n && line[i] >= '0' && line[i] <= '9')
            i++;
        if (i == start ||
            (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\r'))
            return zl_error_set(err, ZL_ESYNTAX, where,
                                "a seed value must be a decimal integer",
                                line + start, n - start);
        while (start + 1 < i && line[start] == '0')
            start++;
        if (i - start > MAX_DIGITS)
            return zl_error_setf(err, ZL_ELIMIT, where, NULL,
                                 "a seed value has at most %d digits",
                                 MAX_DIGITS);
        if (nv == MAX_VALUES)
            return zl_error_setf(err, ZL_ELIMIT, where, NULL,
                                 "a source has at most %d values", MAX_VALUES);
        v[nv].p = line + start;
        v[nv].n = i - start;
        nv++;
    }
    if (!nv)
        return 0;
    qsort(v, nv, sizeof v[0], value_cmp);
    for (k = 0; k < nv && !rc; k++) {
        rc = append(key, cap, len, v[k].p, v[k].n);
        if (!rc)
            rc = append(key, cap, len, ".", 1);
    }
    if (!rc)
        rc = append(key, cap, len, "/", 1);
    if (rc)
        return zl_error_set(err, ZL_ELIMIT, where,
                            "the key string is longer than its buffer", NULL,
                            0);
    return 0;
}

int zl_rfc3797_key(const char *seeds, size_t len, char *key, size_t cap,
                   size_t *key_len, struct zl_error *err)
{
    size_t pos = 0, lineno = 0, klen = 0;

    ZL_ASSERT(seeds || !len, ZL_EINVAL);
    ZL_ASSERT(key, ZL_EINVAL);
    if (!cap)
        return zl_error_set(err, ZL_ELIMIT, NULL, "no room for the key", NULL,
                            0);
    key[0] = '\0';
    while (pos < len) {
        const char *nl = memchr(seeds + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (seeds + pos)) : len - pos;
        int rc;

        lineno++;
        if (n && seeds[pos] != '#') {
            rc = add_source(seeds + pos, n, lineno, key, cap, &klen, err);
            if (rc)
                return rc;
        }
        pos += n + (nl != NULL);
    }
    if (!klen)
        return zl_error_set(err, ZL_EINVAL, NULL,
                            "no seed values: a draw needs at least one source",
                            NULL, 0);
    if (key_len)
        *key_len = klen;
    return 0;
}

/* digest mod m, the digest read as a big-endian 128-bit number. */
static uint32_t digest_mod(const uint8_t d[16], uint32_t m)
{
    uint64_t r = 0;
    int i;

    for (i = 0; i < 16; i++)
        r = (r * 256 + d[i]) % m;
    return (uint32_t)r;
}

/* Fenwick tree over pool slots, each 1 while its name is not yet picked. */
struct fenwick {
    uint32_t *t;
    uint32_t n, top; /* top: highest power of two <= n */
};

static int fenwick_init(struct fenwick *f, uint32_t n)
{
    uint32_t i;

    f->t = zl_calloc((size_t)n + 1, sizeof *f->t);
    if (!f->t)
        return ZL_ENOMEM;
    f->n = n;
    for (i = 1; i <= n; i++) {
        uint32_t j = i + (i & -i);

        f->t[i] += 1;
        if (j <= n)
            f->t[j] += f->t[i];
    }
    for (f->top = 1; f->top * 2 <= n; f->top *= 2)
        ;
    return 0;
}

/* Position (1-based) of the (k+1)-th remaining slot; marks it taken. */
static uint32_t fenwick_take(struct fenwick *f, uint32_t k)
{
    uint32_t pos = 0, step, i;

    for (step = f->top; step; step /= 2) {
        if (pos + step <= f->n && f->t[pos + step] <= k) {
            pos += step;
            k -= f->t[pos];
        }
    }
    pos++;
    for (i = pos; i <= f->n; i += i & -i)
        f->t[i]--;
    return pos;
}

int zl_rfc3797_select(const char *key, size_t key_len, uint32_t pool,
                      uint32_t count, uint32_t *picks, uint8_t (*md5)[16])
{
    struct fenwick f = {0};
    EVP_MD_CTX *ctx = NULL;
    const EVP_MD *md = EVP_md5();
    uint32_t i;
    int rc = 0;

    ZL_ASSERT(key && (picks || !count), ZL_EINVAL);
    if (!pool || pool > ZL_RFC3797_MAX_POOL || count > pool)
        return ZL_EINVAL;
    if (fenwick_init(&f, pool))
        return ZL_ENOMEM;
    ctx = EVP_MD_CTX_new();
    if (!ctx || !md) {
        rc = ZL_ENOMEM;
        goto out;
    }
    for (i = 0; i < count; i++) {
        uint8_t c[2] = {(uint8_t)(i >> 8), (uint8_t)i}, d[16];
        unsigned dlen = 0;

        if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, c, 2) ||
            !EVP_DigestUpdate(ctx, key, key_len) ||
            !EVP_DigestUpdate(ctx, c, 2) ||
            !EVP_DigestFinal_ex(ctx, d, &dlen) || dlen != 16) {
            rc = ZL_EUNSUPPORTED; /* MD5 unavailable (FIPS-only build) */
            goto out;
        }
        picks[i] = fenwick_take(&f, digest_mod(d, pool - i));
        if (md5)
            memcpy(md5[i], d, 16);
    }
out:
    EVP_MD_CTX_free(ctx);
    zl_free(f.t);
    return rc;
}
