/*
 * fuzz_trail.c - the audit trail reader (`tongchou audit verify`) on
 * arbitrary bytes as the trail, with the example city's policy, a
 * checkpoint and a proof of its first four entries held fixed (from the
 * seed corpora).  Properties:
 *
 *   - no crash, no leak, no hang; the verdict is 0 or a refusal with a
 *     message (fuzz_audit_verdict), and tc_audit_each reads the same
 *     bytes without harm;
 *   - JCS round trip (core/jcs.h, the trail's writer): every line that
 *     parses as a JSON object and has a canonical text T gives, parsed
 *     again, an equal value whose canonical text is T again;
 *   - a trail verify accepts is in canonical form: each line is its own
 *     canonical text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/audit.h"
#include "core/jcs.h"
#include "fuzz_audit.h"
#include "fuzz_util.h"

/* The JCS round trip of one line; returns 1 when the line is its own
 * canonical text. */
static int jcs_round_trip(const char *line, size_t n)
{
    json_t *v = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
    if (!v)
        return 0;
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;
    tc_err e;
    tc_err_clear(&e);
    int canonical = 0;
    if (tc_jcs_dump(v, &t1, &n1, &e) == 0) {
        json_t *w = json_loadb(t1, n1, JSON_REJECT_DUPLICATES, NULL);
        if (!w || !json_equal(v, w) || tc_jcs_dump(w, &t2, &n2, &e) != 0 || n1 != n2 ||
            memcmp(t1, t2, n1) != 0) {
            fprintf(stderr, "JCS round trip fails on: %.*s\n", (int)(n < 300 ? n : 300), line);
            abort();
        }
        json_decref(w);
        canonical = n1 == n && memcmp(t1, line, n) == 0;
    } else if (!e.msg[0]) {
        abort();
    }
    free(t1);
    free(t2);
    json_decref(v);
    return canonical;
}

static int count_entry(void *arg, const json_t *en)
{
    (void)en;
    (*(long *)arg)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tc_policy *p = fuzz_policy();
    const char *path = fuzz_input(data, size, "audit.trail");
    const char *cps[] = {FUZZ_CHECKPOINT}, *proofs[] = {FUZZ_PROOF};
    tc_audit_verify_opts o = {.policy = p, .checkpoints = cps, .ncheckpoints = 1,
                              .proofs = proofs, .nproofs = 1};
    tc_audit_report r;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_audit_verify(path, &o, &r, &e);
    fuzz_audit_verdict(rc, &r, &e);
    int all_canonical = 1;
    for (size_t i = 0; i < size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (data + i)) : size - i;
        if (!jcs_round_trip((const char *)data + i, n) && nl)
            all_canonical = 0;   /* a torn last line is verify's to refuse */
        i += n + 1;
    }
    if (rc == 0 && !all_canonical)
        abort();   /* verify accepted a line that is not canonical */
    long entries = 0;
    tc_err_clear(&e);
    tc_audit_each(path, count_entry, &entries, &e);
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        tc_err_clear(&e);
        tc_audit_show(path, devnull, &e);
        fclose(devnull);
    }
    unlink(path);
    return 0;
}
