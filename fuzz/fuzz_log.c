/*
 * fuzz_log.c - libFuzzer target for the log's text parsers: C2SP
 * checkpoints / signed notes, verifier keys and C2SP tlog-proofs.
 *
 * Arbitrary bytes go to each parser. Invariants: nothing crashes or reads
 * out of bounds; a parsed proof has at most ZL_LOG_MAX_PROOF hashes and its
 * checkpoint slice lies inside the input; no input verifies against the
 * fixed test key unless it is byte for byte the note that key signed (the
 * fuzzer cannot forge Ed25519), which is checked by re-parsing.
 */
#include "zhiliang/log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* zl_note_vkey_format of the Go sumdb/note example key (PeterNeumann). */
static const char VKEY[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

static void must(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct zl_checkpoint cp, cp2;
    struct zl_error err;
    uint8_t proof[ZL_LOG_MAX_PROOF][32], leaf[32] = {0}, id[4], pub[32];
    const char *cpt;
    size_t n, cpl;
    uint64_t idx;
    char name[256];

    if (zl_log_checkpoint_parse(s, size, &cp, &err) == 0)
        must(strlen(cp.origin) < sizeof cp.origin);
    if (zl_log_checkpoint_verify(s, size, VKEY, &cp, &err) == 0) {
        must(zl_log_checkpoint_parse(s, size, &cp2, &err) == 0);
        must(cp.size == cp2.size && !memcmp(cp.root, cp2.root, 32));
        must(strcmp(cp.origin, "PeterNeumann") == 0);
    }
    if (zl_log_proof_parse(s, size, &idx, proof, &n, &cpt, &cpl, &err) == 0) {
        must(n <= ZL_LOG_MAX_PROOF);
        must(cpt >= s && cpt + cpl == s + size);
    }
    zl_log_proof_verify(s, size, leaf, VKEY, NULL, NULL, &err);
    if (zl_log_vkey_parse(s, size, name, sizeof name, id, pub) == 0)
        must(strlen(name) > 0 && strlen(name) < sizeof name);
    return 0;
}
