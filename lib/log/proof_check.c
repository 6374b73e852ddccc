/*
 * proof_check.c - the offline inclusion check as users hand proofs over:
 * C2SP tlog-proof text or the JSON `zhiliang log prove --json` prints,
 * with the checkpoint embedded or given separately.
 *
 * Pure (no store): both `zhiliang log verify-proof` and the standalone
 * zhiliang-verify call it, so an auditor's tool and ours cannot disagree.
 */
#include "zhiliang/log.h"

#include "util/alloc.h"
#include "zhiliang/codec.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

/* The JSON form: {"leaf_index": N, "proof": ["<64 hex>", ...],
 * "checkpoint": "<note>"}. *cp points into j (borrowed). */
static int decode_json(const char *text, size_t len, uint64_t *idx,
                       uint8_t (*proof)[32], size_t *n, const char **cp,
                       size_t *cplen, json_t **j, struct zl_error *err)
{
    json_t *a, *x;
    size_t i;

    *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    a = json_object_get(*j, "proof");
    x = json_object_get(*j, "leaf_index");
    if (!json_is_array(a) || !json_is_integer(x) ||
        json_array_size(a) > ZL_LOG_MAX_PROOF || json_integer_value(x) < 0)
        return zl_error_set(err, ZL_ESYNTAX, "$",
                            "expected leaf_index and proof", NULL, 0);
    *idx = (uint64_t)json_integer_value(x);
    *n = json_array_size(a);
    json_array_foreach(a, i, x)
    {
        const char *s = json_string_value(x);

        if (!s || zl_hex_decode(s, strlen(s), proof[i], 32))
            return zl_error_set(err, ZL_ESYNTAX, "$.proof",
                                "hash must be 64 hex digits", s, (size_t)-1);
    }
    *cp = json_string_value(json_object_get(*j, "checkpoint"));
    *cplen = *cp ? strlen(*cp) : 0;
    return 0;
}

int zl_log_proof_check(const char *proof_text, size_t plen,
                       const char *checkpoint, size_t cplen,
                       const uint8_t leaf[32], const char *vkey,
                       struct zl_checkpoint *ck, uint64_t *index,
                       struct zl_error *err)
{
    uint8_t(*proof)[32] = zl_malloc(ZL_LOG_MAX_PROOF * 32);
    char key[512];
    size_t n = 0, klen = strlen(vkey), embedded_len = 0;
    const char *embedded = NULL;
    json_t *j = NULL;
    uint64_t idx = 0;
    int rc;

    if (!proof)
        return ZL_ENOMEM;
    /* Keys come from files: ignore trailing whitespace. */
    while (klen && (vkey[klen - 1] == '\n' || vkey[klen - 1] == '\r' ||
                    vkey[klen - 1] == ' '))
        klen--;
    if (klen >= sizeof key) {
        rc = zl_error_set(err, ZL_ESYNTAX, "key", "verifier key too long", NULL,
                          0);
        goto out;
    }
    memcpy(key, vkey, klen);
    key[klen] = '\0';
    if (plen && proof_text[0] == '{')
        rc = decode_json(proof_text, plen, &idx, proof, &n, &embedded,
                         &embedded_len, &j, err);
    else
        rc = zl_log_proof_parse(proof_text, plen, &idx, proof, &n, &embedded,
                                &embedded_len, err);
    if (rc)
        goto out;
    if (!checkpoint) {
        checkpoint = embedded;
        cplen = embedded_len;
    }
    if (!checkpoint) {
        rc = zl_error_set(err, ZL_EINVAL, "checkpoint",
                          "the proof carries no checkpoint: give one", NULL, 0);
        goto out;
    }
    rc = zl_log_checkpoint_verify(checkpoint, cplen, key, ck, err);
    if (rc)
        goto out;
    if (index)
        *index = idx;
    rc = zl_log_verify_inclusion(idx, ck->size, leaf,
                                 (const uint8_t(*)[32])proof, n, ck->root);
    if (rc == ZL_EVERIFY)
        zl_error_setf(err, rc, "proof", NULL,
                      "leaf is not at index %" PRIu64 " of the tree of size "
                      "%" PRIu64 " with the signed root",
                      idx, ck->size);
out:
    json_decref(j);
    zl_free(proof);
    return rc;
}

int zl_log_proof_verify(const char *text, size_t len, const uint8_t leaf[32],
                        const char *vkey, uint64_t *index, uint64_t *size,
                        struct zl_error *err)
{
    struct zl_checkpoint ck;
    int rc =
        zl_log_proof_check(text, len, NULL, 0, leaf, vkey, &ck, index, err);

    if (size && (rc == 0 || rc == ZL_EVERIFY))
        *size = ck.size;
    return rc;
}
