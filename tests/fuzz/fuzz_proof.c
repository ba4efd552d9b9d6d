/*
 * fuzz_proof.c - inclusion proofs (c2sp.org/tlog-proof@v1: a header, an
 * optional extra line, the index, the path hashes, then a checkpoint) on
 * arbitrary bytes, verified by `audit verify` against the example city's
 * trail of four entries and its policy, held fixed (from the seed
 * corpora).  Properties: no crash, no leak, no hang; the verdict is 0 or a
 * refusal with a message; and a proof verify accepts is one the trail
 * makes: `audit prove` writes, for the index it names and the checkpoint
 * it holds, the same bytes (round trip; a proof with an extra line, which
 * prove never writes, is only checked for the rest).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit_int.h"
#include "fuzz_audit.h"
#include "fuzz_util.h"

static char *slurp(const char *path, size_t *n)
{
    tc_err e;
    char *b = NULL;
    tc_err_clear(&e);
    return audit_read_small(path, &b, n, &e) == 0 ? b : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tc_policy *p = fuzz_policy();
    const char *path = fuzz_input(data, size, "tlog-proof");
    const char *proofs[] = {path};
    tc_audit_verify_opts o = {.policy = p, .proofs = proofs, .nproofs = 1};
    tc_audit_report r;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_audit_verify(FUZZ_TRAIL, &o, &r, &e);
    fuzz_audit_verdict(rc, &r, &e);
    const char *hdr = AUDIT_PROOF_HEADER "\nindex ";
    if (rc == 0 && size > strlen(hdr) && memcmp(data, hdr, strlen(hdr)) == 0) {
        /* the round trip: prove the same entry against the proof's checkpoint */
        long long index = strtoll((const char *)data + strlen(hdr), NULL, 10);
        const char *cp = memmem(data, size, "\n\n", 2);
        char cpath[300], out[300];
        snprintf(cpath, sizeof(cpath), "%s.cp", path);
        snprintf(out, sizeof(out), "%s.out", path);
        /* the checkpoint: what follows the blank line after the hashes */
        FILE *f = fopen(cpath, "wb");
        if (!cp || !f)
            abort();
        fwrite(cp + 2, 1, size - (size_t)(cp + 2 - (const char *)data), f);
        fclose(f);
        tc_err_clear(&e);
        if (tc_audit_prove(FUZZ_TRAIL, cpath, index + 1, out, &e) != 0) {
            fprintf(stderr, "verify accepted a proof of entry %lld that prove refuses: %s\n",
                    index + 1, e.msg);
            abort();
        }
        size_t n = 0;
        char *again = slurp(out, &n);
        if (!again || n != size || memcmp(again, data, size) != 0) {
            fprintf(stderr, "prove writes another proof:\n%.*s\n", (int)n, again ? again : "");
            abort();
        }
        free(again);
        unlink(cpath);
        unlink(out);
    }
    unlink(path);
    return 0;
}
