/*
 * checkpoint.c - C2SP tlog-checkpoint notes, C2SP signed-note signatures
 * (Ed25519), verifier keys and C2SP tlog-proof text. Pure: no store.
 *
 * A note is its text (non-empty lines, each ending in "\n"), a blank line,
 * then signature lines "— <name> <base64(4-byte key id || signature)>\n".
 * The signature covers the text including its final newline. The key id is
 * SHA-256(name || "\n" || 0x01 || public key)[0..4) where 0x01 names
 * Ed25519. A verifier walks the signature lines, skips those of other keys
 * (witness cosignatures) and needs one valid line by the expected key; an
 * unknown signature is not an error, a bad one by our key is.
 *
 * Parsing is strict about what we sign (size in canonical decimal, a root
 * that is exactly 32 bytes of padded base64) and bounded (notes over 64 KiB
 * and more than 100 signature lines are refused) so a hostile note costs
 * little. Ed25519 goes through OpenSSL's EVP_PKEY_ED25519 (RFC 8032 pure).
 */
#include "zhiliang/log.h"

#include "log/log_int.h"
#include "log/merkle.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/codec.h"

#include <openssl/evp.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NOTE_MAX      (64 * 1024)
#define SIG_LINES_MAX 100
static const char EMDASH[] = "\xe2\x80\x94"; /* U+2014 */

int zl_note_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > 255)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c <= 0x20 || c == 0x7f || c == '+')
            return 0;
    }
    return 1;
}

int zl_note_keyid(const char *name, const uint8_t pub[32], uint8_t id[4])
{
    struct zl_hasher h;
    uint8_t d[32];
    size_t nl = strlen(name);
    uint8_t *buf = NULL;
    int rc;

    if ((rc = zl_hasher_init(&h)))
        return rc;
    buf = zl_malloc(nl + 2 + 32);
    if (!buf) {
        rc = ZL_ENOMEM;
        goto out;
    }
    memcpy(buf, name, nl);
    buf[nl] = '\n';
    buf[nl + 1] = 0x01;
    memcpy(buf + nl + 2, pub, 32);
    if ((rc = zl_sha256(&h, buf, nl + 34, d)))
        goto out;
    memcpy(id, d, 4);
out:
    zl_free(buf);
    zl_hasher_cleanup(&h);
    return rc;
}

int zl_note_vkey_format(const char *name, const uint8_t pub[32], char **out)
{
    uint8_t id[4], kb[33];
    char hex[9], b64[48];
    struct zl_buf b;
    int rc;

    *out = NULL;
    if (!zl_note_name_ok(name, strlen(name)))
        return ZL_EINVAL;
    if ((rc = zl_note_keyid(name, pub, id)))
        return rc;
    zl_hex_encode(id, 4, hex);
    kb[0] = 0x01;
    memcpy(kb + 1, pub, 32);
    zl_base64_encode(kb, 33, b64);
    zl_buf_init(&b, 1024);
    if ((rc = zl_buf_printf(&b, "%s+%s+%s", name, hex, b64))) {
        zl_buf_cleanup(&b);
        return rc;
    }
    *out = zl_buf_steal(&b);
    return *out ? 0 : ZL_ENOMEM;
}

int zl_log_vkey_parse(const char *vkey, size_t len, char *name, size_t namecap,
                      uint8_t keyid[4], uint8_t pub[32])
{
    const char *p1, *p2, *end = vkey + len;
    uint8_t kb[48], id[4];
    size_t nlen, kl;
    int rc;

    while (len && (vkey[len - 1] == '\n' || vkey[len - 1] == '\r' ||
                   vkey[len - 1] == ' '))
        end = vkey + --len;
    p1 = memchr(vkey, '+', len);
    if (!p1)
        return ZL_ESYNTAX;
    p2 = memchr(p1 + 1, '+', (size_t)(end - p1 - 1));
    if (!p2)
        return ZL_ESYNTAX;
    nlen = (size_t)(p1 - vkey);
    if (!zl_note_name_ok(vkey, nlen) || nlen + 1 > namecap)
        return ZL_ESYNTAX;
    if (zl_hex_decode(p1 + 1, (size_t)(p2 - p1 - 1), keyid, 4))
        return ZL_ESYNTAX;
    if ((size_t)(end - p2 - 1) != 44 || zl_base64_decode(p2 + 1, 44, kb, &kl) ||
        kl != 33 || kb[0] != 0x01)
        return ZL_ESYNTAX;
    memcpy(pub, kb + 1, 32);
    memcpy(name, vkey, nlen);
    name[nlen] = '\0';
    if ((rc = zl_note_keyid(name, pub, id)))
        return rc;
    return memcmp(id, keyid, 4) ? ZL_EVERIFY : 0;
}

/* ---- Ed25519 ------------------------------------------------------------- */

int zl_ed25519_public(const uint8_t priv[32], uint8_t pub[32])
{
    EVP_PKEY *k =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
    size_t n = 32;
    int rc = 0;

    if (!k)
        return ZL_EUNSUPPORTED;
    if (!EVP_PKEY_get_raw_public_key(k, pub, &n) || n != 32)
        rc = ZL_EUNSUPPORTED;
    EVP_PKEY_free(k);
    return rc;
}

int zl_ed25519_sign(const uint8_t priv[32], const void *msg, size_t len,
                    uint8_t sig[64])
{
    EVP_PKEY *k =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t sl = 64;
    int rc = ZL_EUNSUPPORTED;

    if (!k || !c)
        goto out;
    if (EVP_DigestSignInit(c, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(c, sig, &sl, msg, len) != 1 || sl != 64)
        goto out;
    rc = 0;
out:
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(k);
    return rc;
}

int zl_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
                      const uint8_t sig[64])
{
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int rc = ZL_ENOMEM;

    if (!k || !c)
        goto out;
    rc = ZL_EVERIFY;
    if (EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestVerify(c, sig, 64, msg, len) == 1)
        rc = 0;
out:
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(k);
    return rc;
}

/* ---- checkpoints ----------------------------------------------------------
 */

int zl_note_sign(const char *text, size_t len, const char *name,
                 const uint8_t priv[32], char **note)
{
    uint8_t pub[32], sigb[68];
    char sb64[96];
    struct zl_buf b;
    int rc;

    *note = NULL;
    zl_buf_init(&b, NOTE_MAX);
    if (!zl_note_name_ok(name, strlen(name)) || len == 0 ||
        text[len - 1] != '\n' || memchr(text, '\0', len)) {
        rc = ZL_EINVAL;
        goto out;
    }
    if ((rc = zl_buf_add(&b, text, len)) ||
        (rc = zl_ed25519_public(priv, pub)) ||
        (rc = zl_note_keyid(name, pub, sigb)) ||
        (rc = zl_ed25519_sign(priv, text, len, sigb + 4)))
        goto out;
    zl_base64_encode(sigb, 68, sb64);
    if ((rc = zl_buf_printf(&b, "\n%s %s %s\n", EMDASH, name, sb64)))
        goto out;
    *note = zl_buf_steal(&b);
    rc = *note ? 0 : ZL_ENOMEM;
out:
    zl_buf_cleanup(&b);
    return rc;
}

int zl_checkpoint_sign(const char *origin, uint64_t size,
                       const uint8_t root[32], const uint8_t priv[32],
                       char **note)
{
    char body[400], rb64[48];
    int n;

    *note = NULL;
    if (!zl_note_name_ok(origin, strlen(origin)))
        return ZL_EINVAL;
    zl_base64_encode(root, 32, rb64);
    n = snprintf(body, sizeof body, "%s\n%" PRIu64 "\n%s\n", origin, size,
                 rb64);
    if (n < 0 || (size_t)n >= sizeof body)
        return ZL_EINVAL;
    return zl_note_sign(body, (size_t)n, origin, priv, note);
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
        return ZL_ESYNTAX;
    for (size_t i = 0; i < len; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9')
            return ZL_ESYNTAX;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return ZL_ESYNTAX;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int decode_hash(const char *s, size_t len, uint8_t out[32])
{
    uint8_t tmp[36];
    size_t n;

    if (len != 44 || zl_base64_decode(s, len, tmp, &n) || n != 32)
        return ZL_ESYNTAX;
    memcpy(out, tmp, 32);
    return 0;
}

/* Split a note into text (through its last newline before the blank line)
 * and the signature block. */
static int split_note(const char *note, size_t len, size_t *textlen,
                      struct zl_error *err)
{
    const char *sep;

    if (len > NOTE_MAX)
        return zl_error_set(err, ZL_ELIMIT, "", "note longer than 64 KiB", NULL,
                            0);
    if (memchr(note, '\0', len))
        return zl_error_set(err, ZL_ESYNTAX, "", "note contains a NUL byte",
                            NULL, 0);
    sep = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (note[i] == '\n' && note[i + 1] == '\n') {
            sep = note + i;
            break;
        }
    if (!sep || sep == note)
        return zl_error_set(err, ZL_ESYNTAX, "",
                            "no blank line between note text and signatures",
                            NULL, 0);
    *textlen = (size_t)(sep - note) + 1;
    return 0;
}

static int parse_body(const char *t, size_t tl, struct zl_checkpoint *out,
                      struct zl_error *err)
{
    const char *l1 = t, *e1, *e2, *e3;

    e1 = memchr(l1, '\n', tl);
    if (!e1 || e1 == l1 || (size_t)(e1 - l1) >= sizeof out->origin)
        return zl_error_set(err, ZL_ESYNTAX, "line 1", "bad origin line", NULL,
                            0);
    e2 = memchr(e1 + 1, '\n', (size_t)(t + tl - e1 - 1));
    if (!e2 || parse_u64(e1 + 1, (size_t)(e2 - e1 - 1), &out->size))
        return zl_error_set(err, ZL_ESYNTAX, "line 2",
                            "tree size must be a decimal number", NULL, 0);
    e3 = memchr(e2 + 1, '\n', (size_t)(t + tl - e2 - 1));
    if (!e3 || decode_hash(e2 + 1, (size_t)(e3 - e2 - 1), out->root))
        return zl_error_set(err, ZL_ESYNTAX, "line 3",
                            "root must be base64 of 32 bytes", NULL, 0);
    memcpy(out->origin, l1, (size_t)(e1 - l1));
    out->origin[e1 - l1] = '\0';
    return 0;
}

int zl_log_checkpoint_parse(const char *note, size_t len,
                            struct zl_checkpoint *out, struct zl_error *err)
{
    size_t tl = 0;
    int rc;

    if ((rc = split_note(note, len, &tl, err)))
        return rc;
    return parse_body(note, tl, out, err);
}

int zl_note_verify(const char *note, size_t len, const char *vkey,
                   size_t *textlen, struct zl_error *err)
{
    char name[256];
    uint8_t keyid[4], pub[32];
    size_t tl = 0, nl, lines = 0;
    const char *p, *end = note + len;
    int rc, found = 0;

    if (zl_log_vkey_parse(vkey, strlen(vkey), name, sizeof name, keyid, pub))
        return zl_error_set(err, ZL_ESYNTAX, "key",
                            "not a C2SP verifier key name+id+key", NULL, 0);
    nl = strlen(name);
    if ((rc = split_note(note, len, &tl, err)))
        return rc;
    if (note[len - 1] != '\n')
        return zl_error_set(err, ZL_ESYNTAX, "signatures",
                            "note must end with a newline", NULL, 0);
    for (p = note + tl + 1; p < end; lines++) {
        const char *e = memchr(p, '\n', (size_t)(end - p)), *sp;
        uint8_t sb[72];
        size_t sl;

        if (lines >= SIG_LINES_MAX)
            return zl_error_set(err, ZL_ELIMIT, "signatures",
                                "too many signature lines", NULL, 0);
        if ((size_t)(e - p) < 4 || memcmp(p, EMDASH, 3) || p[3] != ' ')
            return zl_error_set(err, ZL_ESYNTAX, "signatures",
                                "signature line must start with U+2014 and a "
                                "space",
                                p, (size_t)(e - p));
        sp = memchr(p + 4, ' ', (size_t)(e - p - 4));
        if (!sp)
            return zl_error_set(err, ZL_ESYNTAX, "signatures",
                                "signature line has no signature", p,
                                (size_t)(e - p));
        if ((size_t)(sp - p - 4) == nl && !memcmp(p + 4, name, nl)) {
            size_t bl = (size_t)(e - sp - 1);

            if (bl <= 96 && !zl_base64_decode(sp + 1, bl, sb, &sl) &&
                sl == 68 && !memcmp(sb, keyid, 4)) {
                if (zl_ed25519_verify(pub, note, tl, sb + 4))
                    return zl_error_set(err, ZL_EVERIFY, "signatures",
                                        "signature by the key does not "
                                        "verify",
                                        name, (size_t)-1);
                found = 1;
            }
        }
        p = e + 1;
    }
    if (!found)
        return zl_error_set(err, ZL_EVERIFY, "signatures",
                            "no signature by the key", name, (size_t)-1);
    *textlen = tl;
    return 0;
}

int zl_log_checkpoint_verify(const char *note, size_t len, const char *vkey,
                             struct zl_checkpoint *out, struct zl_error *err)
{
    char name[256];
    uint8_t keyid[4], pub[32];
    size_t tl;
    int rc;

    if ((rc = zl_note_verify(note, len, vkey, &tl, err)) ||
        (rc = parse_body(note, tl, out, err)))
        return rc;
    zl_log_vkey_parse(vkey, strlen(vkey), name, sizeof name, keyid, pub);
    if (strcmp(out->origin, name))
        return zl_error_set(err, ZL_EVERIFY, "line 1",
                            "origin differs from the key name", out->origin,
                            (size_t)-1);
    return 0;
}

/* ---- C2SP tlog-proof ---------------------------------------------------- */

static const char PROOF_HDR[] = "c2sp.org/tlog-proof@v1\n";

int zl_log_proof_format(uint64_t index, const uint8_t (*proof)[32], size_t n,
                        const char *checkpoint, char **out)
{
    struct zl_buf b;
    char b64[48];
    int rc;

    *out = NULL;
    zl_buf_init(&b, NOTE_MAX * 2);
    if ((rc = zl_buf_adds(&b, PROOF_HDR)) ||
        (rc = zl_buf_printf(&b, "index %" PRIu64 "\n", index)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        zl_base64_encode(proof[i], 32, b64);
        if ((rc = zl_buf_printf(&b, "%s\n", b64)))
            goto out;
    }
    if ((rc = zl_buf_addc(&b, '\n')) || (rc = zl_buf_adds(&b, checkpoint)))
        goto out;
    *out = zl_buf_steal(&b);
    rc = *out ? 0 : ZL_ENOMEM;
out:
    zl_buf_cleanup(&b);
    return rc;
}

int zl_log_proof_parse(const char *text, size_t len, uint64_t *index,
                       uint8_t (*proof)[32], size_t *n, const char **checkpoint,
                       size_t *cplen, struct zl_error *err)
{
    const char *p = text, *end = text + len, *e;
    size_t hl = sizeof PROOF_HDR - 1;

    *n = 0;
    if (len > 2 * NOTE_MAX)
        return zl_error_set(err, ZL_ELIMIT, "", "proof too long", NULL, 0);
    if (len < hl || memcmp(text, PROOF_HDR, hl))
        return zl_error_set(err, ZL_ESYNTAX, "line 1",
                            "must be c2sp.org/tlog-proof@v1", NULL, 0);
    p += hl;
    e = memchr(p, '\n', (size_t)(end - p));
    if (e && e - p > 6 && !memcmp(p, "extra ", 6)) {
        p = e + 1; /* unauthenticated extra data: ignored */
        e = memchr(p, '\n', (size_t)(end - p));
    }
    if (!e || e - p < 7 || memcmp(p, "index ", 6) ||
        parse_u64(p + 6, (size_t)(e - p - 6), index))
        return zl_error_set(err, ZL_ESYNTAX, "index", "expected 'index N'",
                            NULL, 0);
    p = e + 1;
    for (;;) {
        e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            return zl_error_set(err, ZL_ESYNTAX, "proof",
                                "missing blank line before checkpoint", NULL,
                                0);
        if (e == p)
            break;
        if (*n >= ZL_LOG_MAX_PROOF)
            return zl_error_set(err, ZL_ELIMIT, "proof", "too many hashes",
                                NULL, 0);
        if (decode_hash(p, (size_t)(e - p), proof[*n]))
            return zl_error_set(err, ZL_ESYNTAX, "proof",
                                "hash must be base64 of 32 bytes", p,
                                (size_t)(e - p));
        (*n)++;
        p = e + 1;
    }
    *checkpoint = e + 1;
    *cplen = (size_t)(end - e - 1);
    return 0;
}
