/*
 * transfer_int.h - what transfer.c (waive, plan, approve) and
 * transfer_exec.c (execute) share: canonical JSON, signatures, reading the
 * reconciliation.  Not a public header.
 */
#ifndef TC_TRANSFER_INT_H
#define TC_TRANSFER_INT_H

#include <jansson.h>
#include <libpq-fe.h>

#include "core/digest.h"
#include "core/sign.h"
#include "core/policy.h"
#include "transfer/transfer.h"

/* The canonical JSON (RFC 8785, core/jcs.h) of doc without "signatures";
 * malloc'd, NULL when out of memory or not representable. */
char *xfer_body(const json_t *doc);

/* Read a canonical JSON document (plan or waiver) of the given format. */
int xfer_read(json_t **out, const char *path, const char *format, tc_err *e);

/* Write doc canonically, with a final newline, whole or not at all. */
int xfer_write(const json_t *doc, const char *path, tc_err *e);

/* Append {"role", "key", "alg", "sig"}: s's signature over xfer_body(doc)
 * made as kind ("transfer-plan", "waiver") and role (core/sign.h). */
int xfer_sign(json_t *doc, const tc_signer *s, const char *kind, const char *role, tc_err *e);

/* Who signed a document, per role (ids owned by the document). */
#define XFER_MAXSIG 16
typedef struct xfer_signers {
    const char *id[TC_NROLES][XFER_MAXSIG];
    int n[TC_NROLES];
} xfer_signers;

/*
 * Verify every signature of doc (path for messages) as kind: each must be
 * by a key the policy lists in the role the signature claims, verify over
 * the document in that kind and role, and no key may sign twice.  *who
 * gets the signers.  TC_EINTEGRITY naming the first signature that fails.
 * The counts the acts need are the caller's to check.
 */
int xfer_verify_all(const json_t *doc, const char *path, const char *kind, const tc_policy *p,
                    xfer_signers *who, tc_err *e);

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

/*
 * Pools.  Every document object that names a county (a county of the
 * reconciliation, a transfer, a batch, an exclusion, a waiver and its
 * findings) also names the pool whose books it is: a city sub-ledger
 * that merges pools has one of each per pool.  An object without "pool"
 * is its county's only pool.
 */
const char *xfer_pool(const json_t *o);

/* 1 when o names county and pool. */
int xfer_is(const json_t *o, const char *county, const char *pool);

/* The county object of r for (county, pool), NULL when absent. */
json_t *xfer_recon_county(const xfer_recon *r, const char *county, const char *pool);

/* The county object of r for county and, when pool is NULL, its only pool
 * (TC_EUSAGE naming the pools when the region merges several); *out gets
 * it, TC_EINPUT when absent. */
int xfer_recon_unit(const xfer_recon *r, const char *county, const char *pool, json_t **out,
                    tc_err *e);

/*
 * A split pool (the reconciliation's county object has "split"): what each
 * sub-ledger gets of a fund, as allocation.csv gives it.  The transfer
 * moves the pool's cash once, and posts each share to its sub-ledger.
 */
typedef struct xfer_share {
    char county[7];
    tc_fen cash, receivables, payables, claims, debts;
    const json_t *lines;     /* [{account, amount}]: the allocation's lines */
} xfer_share;

/* The shares of fund in county object c, up to TC_SPLIT_MAX into s:
 * how many (0 when the pool is not split), or -1 with e set.  When they
 * do not add up to the fund's figures x, to the fen, TC_EINPUT. */
int xfer_split_shares(const json_t *c, const char *fund, const xfer_fig *x, xfer_share *s,
                      tc_err *e);

/* The plan line's "split": each share's county and amounts. */
json_t *xfer_shares_json(const xfer_share *s, int n);

/* "{COUNTY,SUB,...}": the county of county object c and the sub-ledgers
 * of its split, as a PostgreSQL text[] literal. */
void xfer_unit_counties(const json_t *c, char *out, size_t cap);

/* Read the figures of fund object f (county, for messages). */
int xfer_fund_figures(const json_t *f, const char *county, xfer_fig *out, tc_err *e);

/*
 * What executed transfers moved for (county, pool, fund), leaving out the
 * row whose plan is `except` (may be NULL): the original transfer's id
 * ("" when none), the net cash (the transfer and its top-ups less its
 * refunds) and the claims and debts posted to the city's memorandum
 * accounts.  A correcting transfer moves exactly what the reconciliation
 * now says less this.
 */
typedef struct xfer_moved {
    char original[65];
    tc_fen cash, claims, debts;
} xfer_moved;

int xfer_moved_so_far(PGconn *db, const char *county, const char *pool, const char *fund,
                      const char *except, xfer_moved *m, tc_err *e);

/* The kind of a correction moving d (reconciled cash less what moved):
 * "top-up" (补划), "refund" (退回), or "amend" when no cash moves. */
const char *xfer_correction_kind(tc_fen d);

/* A yuan string member k of o into *out; TC_EINPUT when absent or bad. */
int xfer_yuan(const json_t *o, const char *k, const char *where, tc_fen *out, tc_err *e);

/* json string of an amount. */
json_t *xfer_amount(tc_fen v);

/* The audit entry of a command, signed by s acting as role (nothing when
 * a->argc is 0). */
int xfer_audit(const tc_transfer_audit *a, const tc_signer *s, const char *role,
               const char *const *in, size_t nin, const char *const *outp, size_t nout,
               const char *mappings, const char *totals, tc_err *e);

/*
 * Verify a plan's signatures under the policy: its maker's first, one
 * maker's only, then checkers only; with approved, at least the checkers'
 * signatures the policy's [require] approve asks.  TC_EINTEGRITY.
 */
int xfer_plan_signers(const json_t *plan, const char *path, const tc_policy *p, int approved,
                      xfer_signers *who, tc_err *e);

/*
 * What no plan may get around, checked by plan, approve and execute (the
 * last inside its transaction): the reconciliation r (file recon_path) is
 * the output of a reconcile entry of the trail, which verifies under the
 * policy; it is the one loaded in the database for every planned county;
 * each waiver in the plan is valid under the policy; and every blocking
 * finding the database holds for a planned county is named by one of
 * them, and every finding they name is one.  TC_EINTEGRITY naming the
 * first that fails (the finding without a waiver, the signature).
 */
int xfer_guard(PGconn *db, const json_t *plan, const char *plan_path, const xfer_recon *r,
               const char *recon_path, const tc_policy *p, const char *trail, tc_err *e);

#endif
