/*
 * fuzz_checkpoint.c - checkpoints (c2sp.org/tlog-checkpoint, signed notes:
 * core/audit_read.c) on arbitrary bytes: parsed as `audit cosign` and
 * `audit prove` read them, then verified by `audit verify` against the
 * example city's trail of four entries and its policy, held fixed (from
 * the seed corpora).  Properties:
 *
 *   - no crash, no leak, no hang; a refusal is TC_EINPUT with a message;
 *   - round trip: a note the parser accepts, written back from what it
 *     parsed (origin, size, root, the extension lines as they were, each
 *     signature line from its key name, key id and signature), is the
 *     input byte for byte - the parser keeps nothing back and accepts
 *     nothing it would write otherwise.  A signature longer than any of
 *     ours is kept empty by the parser (it verifies under no key), so a
 *     note holding one is not written back;
 *   - at most 100 signatures (AUDIT_NOTE_MAX_SIGS) are ever accepted.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_int.h"
#include "core/sign.h"
#include "fuzz_audit.h"
#include "fuzz_util.h"

/* The note c written back: origin, size, root, the rest of the text as it
 * was, a blank line, the signature lines; NULL when it cannot be. */
static char *write_back(const checkpoint *c, size_t *n)
{
    size_t cap = c->ntext + 64 + c->nsigs * (sizeof(c->sigs[0].name) + 4 * TC_SIGN_MAX);
    char *out = malloc(cap), b64[4 * ((4 + TC_SIGN_MAX + 2) / 3) + 1];
    if (!out)
        return NULL;
    char root[64];
    tc_b64_encode(c->root, TC_MERKLE_HASH, root);
    size_t k = (size_t)snprintf(out, cap, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, root);
    /* the extension lines: after the third newline of the text */
    const char *ext = c->buf;
    for (int i = 0; i < 3; i++)
        ext = memchr(ext, '\n', c->ntext - (size_t)(ext - c->buf)) + 1;
    size_t en = c->ntext - (size_t)(ext - c->buf);
    memcpy(out + k, ext, en);
    k += en;
    out[k++] = '\n';
    for (size_t i = 0; i < c->nsigs; i++) {
        const note_sig *s = &c->sigs[i];
        uint8_t raw[4 + TC_SIGN_MAX];
        if (s->nsig == 0) {
            free(out);
            return NULL;
        }
        raw[0] = (uint8_t)(s->id >> 24), raw[1] = (uint8_t)(s->id >> 16);
        raw[2] = (uint8_t)(s->id >> 8), raw[3] = (uint8_t)s->id;
        memcpy(raw + 4, s->sig, s->nsig);
        tc_b64_encode(raw, 4 + s->nsig, b64);
        k += (size_t)snprintf(out + k, cap - k, AUDIT_EMDASH " %s %s\n", s->name, b64);
    }
    *n = k;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tc_policy *p = fuzz_policy();
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    checkpoint c;
    tc_err e;
    tc_err_clear(&e);
    int rc = audit_cp_parse(&c, buf, size, "fuzz.checkpoint", &e);
    if (rc && (rc != TC_EINPUT || !e.msg[0]))
        abort();
    if (!rc) {
        if (c.nsigs == 0 || c.nsigs > AUDIT_NOTE_MAX_SIGS)
            abort();
        size_t n = 0;
        char *back = write_back(&c, &n);
        if (back && (n != size || memcmp(back, data, size) != 0)) {
            fprintf(stderr, "written back differently:\n%.*s\n", (int)n, back);
            abort();
        }
        free(back);
    }
    audit_cp_free(&c);
    /* verify: the note against the fixed trail */
    const char *path = fuzz_input(data, size, "checkpoint");
    const char *cps[] = {path};
    tc_audit_verify_opts o = {.policy = p, .checkpoints = cps, .ncheckpoints = 1};
    tc_audit_report r;
    tc_err_clear(&e);
    rc = tc_audit_verify(FUZZ_TRAIL, &o, &r, &e);
    fuzz_audit_verdict(rc, &r, &e);
    unlink(path);
    return 0;
}
