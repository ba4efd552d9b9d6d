/*
 * certificate.h - the handover certificate (基金移交交接书) of each county
 * whose money an executed transfer moved - of each source pool, where pools
 * merge into one sub-ledger (shared/spec/documents.md, docs/documents.md
 * "The handover certificate").
 *
 * The certificate states, per fund the plan moves out of the county: the
 * cash handed over (the plan's line, its transfer id, when it was
 * executed), the claims and debts carried over, the receivables and
 * payables, the personal-account balances and the net assets, each in
 * figures and in capitals; the waivers the plan carries for the county;
 * and the five signature blocks.  It prints its digest, as text, as a QR
 * code and in the footer of every page.
 *
 * The digest is of what the certificate says, not of its bytes, so that the
 * PDF and the workbook share it: "sha256:" and the hex SHA-256 of the RFC
 * 8785 canonical JSON (core/jcs.h) of the statement tc_cert_statement()
 * builds - its format, county, name, cutover, the reconciliation's and the
 * plan file's digests, the execution time, and per plan line the figures
 * as yuan strings - documented in docs/documents.md.
 *
 * This module trusts its caller for the trail: that the reconciliation is
 * the one a reconcile entry recorded and the plan one an execute entry
 * recorded (pipeline/certify.h checks both with transfer/transfer.h).  It
 * checks itself that the plan was made from this reconciliation and that
 * every figure it prints from the plan is the reconciliation's
 * (TC_EINTEGRITY otherwise, nothing written).
 */
#ifndef TC_CERTIFICATE_H
#define TC_CERTIFICATE_H

#include <jansson.h>

#include "core/err.h"
#include "core/money.h"

#define TC_CERT_FORMAT "tongchou-certificate/1"

/* One certificate written. */
typedef struct tc_cert_made {
    const char *county, *name;
    const char *pdf, *xlsx;         /* the files written */
    const char *digest;             /* the certificate's digest, "sha256:<hex>" */
    int lines;                      /* plan lines (funds) it states */
    tc_fen amount;                  /* Σ cash handed over */
} tc_cert_made;

typedef struct tc_cert_opts {
    const char *reconciliation;     /* reconciliation.json, the recorded one */
    const char *plan;               /* the executed plan */
    const char *executed;           /* the execute entry's time (RFC 3339), or NULL */
    const char *outdir;             /* DIR/COUNTY.certificate.pdf and .xlsx */
    void (*on_made)(void *arg, const tc_cert_made *m);   /* each one written; may be NULL */
    void *arg;
    int jobs;                       /* processes writing the files (tc_proc_fanout) */
} tc_cert_opts;

/*
 * Write the certificate of every county the plan moves money out of, in
 * the order of the plan's lines.  Every statement is built and checked
 * before the first file is written, so a refusal writes nothing; each file
 * appears whole or not at all (documents/sheet.h).  *n (may be NULL)
 * counts the certificates.  TC_EINPUT when a file is not a plan or a
 * reconciliation; TC_EINTEGRITY when the plan names another
 * reconciliation, a line's county or fund is not in the reconciliation, or
 * a figure differs from it; TC_EIO when writing fails.
 */
int tc_cert_write(const tc_cert_opts *o, int *n, tc_err *e);

/*
 * The statement of county's certificate (a new JSON object, *out) and its
 * digest (text, at least 72 bytes), from the same inputs, with the same
 * checks.  TC_EINPUT when the plan moves nothing of county.
 */
int tc_cert_statement(const tc_cert_opts *o, const char *county, json_t **out, char *digest,
                      tc_err *e);

#endif
