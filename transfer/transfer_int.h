/*
 * transfer_int.h - what transfer.c (waive, plan, approve) and
 * transfer_exec.c (execute) share: canonical JSON, signatures, reading the
 * reconciliation.  Not a public header.
 */
#ifndef TC_TRANSFER_INT_H
#define TC_TRANSFER_INT_H

#include <jansson.h>

#include "core/digest.h"
#include "core/sign.h"
#include "transfer/transfer.h"

/* Canonical JSON (sorted keys, compact) of doc without "signatures";
 * malloc'd, NULL when out of memory. */
char *xfer_body(const json_t *doc);

/* Read a canonical JSON document (plan or waiver) of the given format. */
int xfer_read(json_t **out, const char *path, const char *format, tc_err *e);

/* Write doc canonically, with a final newline, whole or not at all. */
int xfer_write(const json_t *doc, const char *path, tc_err *e);

/* Append {"role", "key", "alg", "sig"} signed by s over xfer_body(doc). */
int xfer_sign(json_t *doc, const tc_signer *s, const char *role, tc_err *e);

/*
 * Verify signature number i of doc (file path, for messages) with the key
 * among keys[0..n) whose id it names.  *keyid gets the id (owned by doc).
 * TC_EINTEGRITY when it is missing, the key is not given, or it does not
 * verify.
 */
int xfer_verify(const json_t *doc, const char *path, size_t i, const char *role,
                tc_pubkey *const *keys, int n, const char **keyid, tc_err *e);

/* Load public keys paths[0..n) into keys (caller frees with xfer_free_keys). */
int xfer_load_keys(tc_pubkey ***keys, const char *const *paths, int n, tc_err *e);
void xfer_free_keys(tc_pubkey **keys, int n);

/* The reconciliation: its document and the digest of its bytes. */
typedef struct xfer_recon {
    json_t *doc;
    char digest[TC_DIGEST_TEXT_MAX];
    const char *cutover, *mappings;
} xfer_recon;

int xfer_recon_read(xfer_recon *r, const char *path, tc_err *e);
void xfer_recon_free(xfer_recon *r);

/* The figures of one county and fund of the reconciliation. */
typedef struct xfer_fig {
    tc_fen cash, transfer, receivables, payables, claims, debts;
} xfer_fig;

/* The county object of r, NULL when absent. */
json_t *xfer_recon_county(const xfer_recon *r, const char *county);

/* Read the figures of fund object f (county, for messages). */
int xfer_fund_figures(const json_t *f, const char *county, xfer_fig *out, tc_err *e);

/* A yuan string member k of o into *out; TC_EINPUT when absent or bad. */
int xfer_yuan(const json_t *o, const char *k, const char *where, tc_fen *out, tc_err *e);

/* json string of an amount. */
json_t *xfer_amount(tc_fen v);

/* The audit entry of a command (nothing when a->argc is 0). */
int xfer_audit(const tc_transfer_audit *a, const tc_signer *s, const char *const *in, size_t nin,
               const char *const *outp, size_t nout, const char *mappings, const char *totals,
               tc_err *e);

#endif
