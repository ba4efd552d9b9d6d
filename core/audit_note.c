/*
 * audit_note.c - signed notes (c2sp.org/signed-note): signing checkpoints
 * (c2sp.org/tlog-checkpoint), cosigning them, and writing inclusion proofs
 * (c2sp.org/tlog-proof@v1).  Parsing them is in audit_read.c.  See audit.h.
 */
#include "core/audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/merkle.h"
#include "core/audit_int.h"

/* ========================================================= signed notes */

/* One signature line for text by s, appended to the malloc'd *out. */
static int audit_note_sign(const tc_signer *s, const char *text, size_t n, char *line, size_t cap,
                     tc_err *e)
{
    uint8_t raw[4 + TC_SIGN_MAX];
    size_t siglen;
    const char *name = tc_signer_id(s);
    uint32_t id = tc_pubkey_note_id(tc_signer_pubkey(s), name);
    raw[0] = (uint8_t)(id >> 24), raw[1] = (uint8_t)(id >> 16), raw[2] = (uint8_t)(id >> 8);
    raw[3] = (uint8_t)id;
    int rc = tc_signer_sign(s, text, n, raw + 4, &siglen, e);
    if (rc)
        return rc;
    char b64[2 * (4 + TC_SIGN_MAX)];
    tc_b64_encode(raw, 4 + siglen, b64);
    snprintf(line, cap, AUDIT_EMDASH " %s %s\n", name, b64);
    return 0;
}

/* ================================================ checkpoints, proofs */

int tc_audit_checkpoint(const char *path, const char *origin, const tc_signer *const *signers,
                        size_t n, const char *out, tc_err *e)
{
    int ctl = 0;
    for (const char *p = origin; p && *p; p++)
        ctl |= (unsigned char)*p < 0x20;
    if (!origin || !origin[0] || ctl || n == 0)
        return tc_fail(e, TC_EUSAGE, "a checkpoint needs a one-line origin without control "
                       "characters, and a signing key");
    vstate v;
    tc_audit_report r;
    int rc = audit_read_chain(&v, &r, path, e);
    if (rc)
        return rc;
    uint8_t root[TC_MERKLE_HASH];
    tc_merkle_root(v.leaves, v.nleaves, root);
    free(v.leaves);
    char b64[64], text[1200];
    tc_b64_encode(root, sizeof(root), b64);
    int tn = snprintf(text, sizeof(text), "%s\n%zu\n%s\n", origin, v.nleaves, b64);
    if (tn >= (int)sizeof(text))
        return tc_fail(e, TC_EUSAGE, "the checkpoint origin is too long");
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, out, e)))
        return rc;
    fprintf(tc_atomic_file(a), "%s\n", text);
    for (size_t i = 0; i < n; i++) {
        char line[512];
        if ((rc = audit_note_sign(signers[i], text, (size_t)tn, line, sizeof(line), e))) {
            tc_atomic_abort(a);
            return rc;
        }
        fputs(line, tc_atomic_file(a));
    }
    return tc_atomic_commit(a, e);
}

/* Load a checkpoint and check its root against the trail's chain. */
static int cp_against_trail(const char *path, const char *cpath, checkpoint *c, vstate *v,
                            tc_err *e)
{
    tc_audit_report r;
    int rc = audit_cp_load(c, cpath, e);
    if (rc)
        return rc;
    if ((rc = audit_read_chain(v, &r, path, e))) {
        audit_cp_free(c);
        return rc;
    }
    uint8_t root[TC_MERKLE_HASH];
    if (c->size <= v->nleaves)
        tc_merkle_root(v->leaves, c->size, root);
    if (c->size > v->nleaves || memcmp(root, c->root, TC_MERKLE_HASH) != 0) {
        free(v->leaves);
        audit_cp_free(c);
        tc_err_at(e, cpath, 0, 0);
        tc_fail(e, TC_EINTEGRITY, "checkpoint does not match the trail %s", path);
        return tc_err_hint(e, "run tongchou audit verify --checkpoint %s", cpath);
    }
    return 0;
}

int tc_audit_cosign(const char *path, const char *cpath, const tc_signer *s, tc_err *e)
{
    checkpoint c;
    vstate v;
    int rc = cp_against_trail(path, cpath, &c, &v, e);
    if (rc)
        return rc;
    free(v.leaves);
    for (size_t i = 0; i < c.nsigs; i++)
        if (strcmp(c.sigs[i].name, tc_signer_id(s)) == 0) {
            audit_cp_free(&c);
            return 0;   /* already signed by this key: nothing to add */
        }
    char line[512];
    tc_atomic *a = NULL;
    if (!(rc = audit_note_sign(s, c.buf, c.ntext, line, sizeof(line), e)) &&
        !(rc = tc_atomic_open(&a, cpath, e))) {
        fputs(c.buf, tc_atomic_file(a));
        fputs(line, tc_atomic_file(a));
        rc = tc_atomic_commit(a, e);
    }
    audit_cp_free(&c);
    return rc;
}

int tc_audit_prove(const char *path, const char *cpath, long long seq, const char *out,
                   tc_err *e)
{
    checkpoint c;
    vstate v;
    int rc = cp_against_trail(path, cpath, &c, &v, e);
    if (rc)
        return rc;
    if (seq < 1 || (uint64_t)seq > c.size) {
        free(v.leaves);
        audit_cp_free(&c);
        tc_fail(e, TC_EUSAGE, "entry %lld is not in the checkpoint, which covers entries 1 to %"
                PRIu64, seq, c.size);
        return tc_err_hint(e, "make a newer checkpoint with tongchou audit checkpoint");
    }
    tc_mhash proof[TC_MERKLE_MAXPROOF];
    int np = tc_merkle_inclusion_proof(v.leaves, c.size, (uint64_t)seq - 1, proof);
    free(v.leaves);
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, out, e))) {
        audit_cp_free(&c);
        return rc;
    }
    FILE *f = tc_atomic_file(a);
    fprintf(f, AUDIT_PROOF_HEADER "\nindex %lld\n", seq - 1);
    for (int i = 0; i < np; i++) {
        char b64[64];
        tc_b64_encode(proof[i], TC_MERKLE_HASH, b64);
        fprintf(f, "%s\n", b64);
    }
    fputc('\n', f);
    fputs(c.buf, f);
    audit_cp_free(&c);
    return tc_atomic_commit(a, e);
}

