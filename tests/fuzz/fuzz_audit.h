/*
 * fuzz_audit.h - what the audit trail's targets (fuzz_trail.c,
 * fuzz_checkpoint.c, fuzz_proof.c) share: the example city's policy, and
 * the fixed files one target holds still while another is fuzzed, all
 * taken from the seed corpora.  The policy is loaded once per process.
 */
#ifndef TC_FUZZ_AUDIT_H
#define TC_FUZZ_AUDIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/policy.h"

#define FUZZ_CORPUS TC_SOURCE_DIR "/tests/fuzz/corpus/"
#define FUZZ_TRAIL FUZZ_CORPUS "trail/four-entries.trail"
#define FUZZ_CHECKPOINT FUZZ_CORPUS "checkpoint/four-cosigned.checkpoint"
#define FUZZ_PROOF FUZZ_CORPUS "proof/entry3.tlog-proof"
#define FUZZ_POLICY FUZZ_CORPUS "policy/demo.ini"

static tc_policy *fuzz_policy_;

static inline void fuzz_policy_free(void) { tc_policy_free(fuzz_policy_); }

static inline const tc_policy *fuzz_policy(void)
{
    if (!fuzz_policy_) {
        tc_err e;
        tc_err_clear(&e);
        if (tc_policy_load(&fuzz_policy_, FUZZ_POLICY, &e) != 0) {
            fprintf(stderr, "%s: %s\n", FUZZ_POLICY, e.msg);
            abort();
        }
        atexit(fuzz_policy_free);
    }
    return fuzz_policy_;
}

/* tc_audit_verify's verdict on fuzzed input: 0 with no problem, or a
 * refusal that says something: TC_EINTEGRITY with problems counted, or
 * TC_EINPUT / TC_EIO / TC_ENOMEM, each with a message.  Anything else is
 * a bug in the verifier. */
static inline void fuzz_audit_verdict(int rc, const tc_audit_report *r, const tc_err *e)
{
    if (rc == 0 && r->problems == 0)
        return;
    if (rc == TC_EINTEGRITY && r->problems > 0 && e->msg[0])
        return;
    if ((rc == TC_EINPUT || rc == TC_EIO || rc == TC_ENOMEM) && e->msg[0])
        return;
    fprintf(stderr, "verify: rc %d, %lld problems, message '%s'\n", rc, r->problems, e->msg);
    abort();
}

#endif
