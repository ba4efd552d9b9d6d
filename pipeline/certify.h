/*
 * certify.h - the documents of a handover, bound to the audit trail
 * (`tongchou documents`, and the last step of `tongchou demo`).
 *
 * The documents library (documents/certificate.h) rests on core alone and
 * trusts its caller for the trail; this is that caller.  Before anything is
 * made, tc_transfer_verify() (transfer/transfer.h, the check an auditor
 * runs offline) must hold: the plan's signatures under the city's policy,
 * its reconciliation the one a reconcile entry of the trail recorded, every
 * blocking finding of a county it moves waived; and at least one execute
 * entry of the trail must name the plan's bytes.  Then the certificates are
 * written, their figures checked against the reconciliation once more.
 */
#ifndef TC_CERTIFY_H
#define TC_CERTIFY_H

#include "core/err.h"
#include "core/policy.h"
#include "core/sign.h"
#include "documents/certificate.h"
#include "documents/statements.h"

typedef struct tc_certify_opts {
    const char *reconciliation;     /* reconciliation.json */
    const char *plan;               /* the executed plan */
    const char *trail;              /* NULL: tc_audit_default_path() */
    const tc_policy *policy;        /* the city's key policy */
    const char *outdir;             /* created when missing */
    void (*on_made)(void *arg, const tc_cert_made *m);   /* may be NULL */
    void *arg;
    /* each statement, letter or list written (documents/statements.h),
     * with arg; may be NULL */
    void (*on_stmt)(void *arg, const tc_stmt_made *m);
    int each;                       /* a file per statement (tc_stmt_opts) */
    int jobs;                       /* processes writing the files; <= 1: this one */
    /* With a signer, an entry of the trail records the run: argv (argv[0]
     * "documents"), the plan and the reconciliation as inputs, every file
     * written as an output, and as totals {"certificates": [{"county",
     * "digest", "files": [PDF, XLSX]}, ...], "statements": m}, the
     * certificates what the parties sign (pipeline/docsign.h), m the
     * statements, letters and lists.  The front end passes $TONGCHOU_KEY's. */
    const tc_signer *signer;
    int argc;
    char *const *argv;
} tc_certify_opts;

/*
 * Check the trail binds the plan and the reconciliation, then write the
 * certificate of every county the plan moves money out of, and its
 * statements, letters and lists (documents/statements.h) - every one of
 * them checked before the first file is written.  *n (may be NULL) counts
 * the certificates.  TC_EINTEGRITY, nothing written, when the plan was
 * never executed, its signatures or the reconciliation are not the
 * recorded ones, or a figure differs from the reconciliation.  A failure to
 * record the entry leaves the files written and says so (TC_EIO).
 */
int tc_certify(const tc_certify_opts *o, int *n, tc_err *e);

#endif
