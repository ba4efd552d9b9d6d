/*
 * fuzz_plan.c - the surplus transfer's documents (transfer/transfer.c,
 * docs/transfer.md) on arbitrary bytes, read three ways:
 *
 *   - as a plan, the way `transfer verify` (and, before its database
 *     checks, `approve` and `execute`) reads one: its format, its
 *     signatures (maker first, checkers' approvals) under the example
 *     city's policy, its reconciliation, its waivers, against the example
 *     city's reconciliation and trail held fixed (seed corpora);
 *   - as a waiver, the way `transfer plan` reads one given to it: its
 *     format, and every signature under the policy;
 *   - as the reconciliation `transfer plan` reads (xfer_recon_read).
 *
 * Properties: no crash, no leak, no hang; a refusal is TC_EINPUT,
 * TC_EINTEGRITY or TC_EIO with a message, never another code (a document
 * holding a real number is bad input, not "out of memory").  No round trip
 * here: a plan's writer is the planner, which needs the city database.
 *
 * This target links the transfer library, and so libpq: the readers share
 * transfer.c with the planner (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transfer/transfer.h"
#include "transfer/transfer_int.h"
#include "fuzz_audit.h"
#include "fuzz_util.h"

#define FUZZ_RECON FUZZ_CORPUS "recon/demo-two-counties.json"

static void verdict(const char *what, int rc, const tc_err *e)
{
    if (rc == 0 || ((rc == TC_EINPUT || rc == TC_EINTEGRITY || rc == TC_EIO) && e->msg[0]))
        return;
    fprintf(stderr, "%s: rc %d: %s\n", what, rc, e->msg);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tc_policy *p = fuzz_policy();
    const char *path = fuzz_input(data, size, "plan.json");
    tc_err e;
    tc_err_clear(&e);
    tc_transfer_verify_result res;
    verdict("plan", tc_transfer_verify(path, FUZZ_RECON, p, FUZZ_TRAIL, &res, &e), &e);
    json_t *w = NULL;
    tc_err_clear(&e);
    int rc = xfer_read(&w, path, TC_TRANSFER_WAIVER_FORMAT, &e);
    if (!rc) {
        xfer_signers who;
        rc = xfer_verify_all(w, path, "waiver", p, &who, &e);
    }
    verdict("waiver", rc, &e);
    json_decref(w);
    xfer_recon r;
    tc_err_clear(&e);
    rc = xfer_recon_read(&r, path, &e);
    verdict("reconciliation", rc, &e);
    if (!rc)
        xfer_recon_free(&r);
    unlink(path);
    return 0;
}
