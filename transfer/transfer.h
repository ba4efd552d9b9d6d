/*
 * transfer.h - the surplus transfer: plan, approve (maker-checker), execute
 * exactly once.  docs/transfer.md is the contract; domain.md "The money
 * movement" and "The transfer basis" are the rules.
 *
 *   tc_transfer_waive()    an authorised person signs a waiver naming the
 *                          blocking findings of one county it lets through
 *   tc_transfer_plan()     from reconciliation.json and what is loaded: one
 *                          transfer per county and fund, amount = reconciled
 *                          cash, id fixed by the plan; signed by the maker
 *   tc_transfer_approve()  a second, different key signs the same bytes
 *   tc_transfer_execute()  verifies both signatures, the input digests and
 *                          every amount, then posts all transfers of the plan
 *                          in ONE transaction with the after-checks inside it
 *
 * Plans and waivers are canonical JSON (keys sorted, compact, amounts as
 * yuan strings); each signature covers the canonical JSON of the document
 * without its "signatures" member, so adding the checker's signature does
 * not disturb the maker's.
 *
 * Exactly once: a transfer's id is the SHA-256 of (reconciliation digest,
 * county, fund, amount); tongchou.transfer's primary key holds it (the
 * `plan` column), so a second execution - of the same plan or another plan
 * holding the same transfer, now or concurrently - finds the row and posts
 * nothing.  A row found with other content, or another transfer already
 * executed for the same county and fund, is an integrity failure.
 */
#ifndef TC_TRANSFER_H
#define TC_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/money.h"
#include "core/policy.h"
#include "mappings/mapset.h"

#define TC_TRANSFER_PLAN_FORMAT "tongchou-transfer-plan/2"
#define TC_TRANSFER_WAIVER_FORMAT "tongchou-transfer-waiver/2"

/* What every command records in the audit trail. */
typedef struct tc_transfer_audit {
    const char *trail;          /* NULL: tc_audit_default_path() */
    int argc;                   /* argv[0] is the command name; argc 0: no entry */
    char *const *argv;
} tc_transfer_audit;

/*
 * The transfer id: lowercase hex (65 bytes with NUL) of SHA-256 over
 * "tongchou-transfer/2\n" RECON "\n" COUNTY "\n" POOL "\n" FUND "\n"
 * AMOUNT_FEN "\n".  COUNTY is the city sub-ledger, POOL the source pool
 * whose money it is (the county itself unless the sub-ledger merges pools).
 */
int tc_transfer_id(const char *recon_digest, const char *county, const char *pool,
                   const char *fund, tc_fen amount, char out[65], tc_err *e);

/*
 * A correcting transfer's id: the same over "tongchou-correction/1\n" RECON
 * "\n" COUNTY "\n" POOL "\n" FUND "\n" CASH_FEN "\n" MOVED_FEN "\n", where
 * CASH is the reconciled cash it brings the pool to and MOVED what had
 * moved before it.  A correction is planned against what had moved; the
 * same reconciliation after another correction gives another id.
 */
int tc_transfer_correction_id(const char *recon_digest, const char *county, const char *pool,
                              const char *fund, tc_fen cash, tc_fen moved, char out[65],
                              tc_err *e);

/* ------------------------------------------------------------------ waive */

typedef struct tc_transfer_waive_opts {
    const char *reconciliation;     /* reconciliation.json */
    const char *county;             /* the county whose findings are waived */
    const char *pool;               /* its pool; NULL: the county's only pool */
    const char *const *findings;    /* "CODE/FUND/REF", each a blocking finding */
    int nfindings;
    const char *reason;             /* why (free text, required) */
    const char *key;                /* the authorised person's private key */
    const tc_policy *policy;        /* which must be a waiver authority's */
    const char *out;                /* the waiver file */
    tc_transfer_audit audit;
} tc_transfer_waive_opts;

/*
 * Write a signed waiver: {county, code, fund, ref} for each finding.  The
 * key is checked first (a waiver authority of the policy, else
 * TC_EINTEGRITY, nothing written).  TC_EINPUT when a named finding is not
 * a blocking finding of that county in the reconciliation; TC_EUSAGE when
 * one is named twice or the reason is empty.
 */
int tc_transfer_waive(const tc_transfer_waive_opts *o, tc_err *e);

/* Add another waiver authority's signature to the waiver at path, when the
 * policy needs more than one (its [require] waive). */
int tc_transfer_waive_sign(const char *path, const char *key, const tc_policy *p,
                           const tc_transfer_audit *audit, tc_err *e);

/* ------------------------------------------------------------------- plan */

/* A pool, or one fund of it, the plan leaves out, and why: what its
 * "excluded" list holds, for people. */
typedef struct tc_transfer_left_out {
    const char *county;             /* the city sub-ledger */
    const char *pool;               /* the source pool (the county itself unless merged) */
    const char *fund;               /* NULL: every fund of the pool */
    const char *reason;             /* "blocking findings not waived", "nothing loaded", ... */
    const char *const *findings;    /* the blocking findings left open, "CODE/FUND/REF" */
    int nfindings;
} tc_transfer_left_out;

/* x for people: "every fund: blocking findings not waived: A/310/1, B/310/2"
 * ("fund 310: ..." for one fund; five findings at most, then how many
 * more), in buf, which is returned. */
const char *tc_transfer_left_out_text(const tc_transfer_left_out *x, char *buf, size_t n);

typedef struct tc_transfer_plan_opts {
    const char *db;                 /* conninfo; NULL: DATABASE_URL, PG* */
    const char *reconciliation;     /* reconciliation.json */
    const char *key;                /* the maker's private key */
    const char *const *waivers;     /* waiver files */
    int nwaivers;
    const tc_policy *policy;        /* whose makers may plan, whose authorities waive */
    const char *out;                /* the plan file */
    tc_transfer_audit audit;
    /* each pool or fund left out, once the plan is written; may be NULL */
    void (*on_left_out)(void *arg, const tc_transfer_left_out *x);
    void *arg;
} tc_transfer_plan_opts;

typedef struct tc_transfer_plan_summary {
    int transfers;                  /* planned */
    int corrections;                /* ... of which correcting transfers */
    int already;                    /* funds moved already, nothing to correct */
    int kept;                       /* funds a part handover keeps (not handed over) */
    int excluded;                   /* counties left out */
    int waived;                     /* counties let through by a waiver */
    tc_fen total;                   /* Σ amount */
} tc_transfer_plan_summary;

/*
 * Plan every county and fund of the reconciliation.  A county with a
 * blocking finding not named by a valid waiver is left out (listed with
 * its findings); a county with nothing loaded is left out.  TC_EINPUT: the
 * reconciliation is not one, a cash figure is negative or differs from its
 * transfer figure, a loaded batch of a planned county has another mapping
 * set or cutover, a waiver names a finding the reconciliation lacks or is
 * for another reconciliation; TC_EINTEGRITY: a waiver's signature does not
 * verify with a key given.  The plan is written whole or not at all.
 */
int tc_transfer_plan(const tc_transfer_plan_opts *o, tc_transfer_plan_summary *s, tc_err *e);

/* ---------------------------------------------------------------- approve */

typedef struct tc_transfer_approve_opts {
    const char *db;                 /* conninfo; NULL: DATABASE_URL, PG* */
    const char *plan;               /* approved in place */
    const char *reconciliation;     /* the reconciliation.json the plan names */
    const char *key;                /* a checker's private key */
    const tc_policy *policy;
    tc_transfer_audit audit;
} tc_transfer_approve_opts;

typedef struct tc_transfer_approve_summary {
    int transfers;                  /* in the plan */
    int corrections;                /* ... of which correcting transfers */
    tc_fen total;                   /* Σ amount of the others, as the plan's summary */
    int approvals;                  /* checkers' signatures now, this one included */
    int needed;                     /* ... of those the policy needs before execute */
    char checker[128];              /* the key id that approved */
} tc_transfer_approve_summary;

/*
 * Add a checker's signature to the plan in place, after the checks execute
 * makes: the maker's signature valid under the policy, the key a checker
 * of the policy that has not approved yet, and xfer_guard (the
 * reconciliation recorded and loaded, every blocking finding of a planned
 * county waived under the policy).  TC_EINTEGRITY naming what fails.  *s
 * (may be NULL) says what was approved.
 */
int tc_transfer_approve(const tc_transfer_approve_opts *o, tc_transfer_approve_summary *s,
                        tc_err *e);

/* ---------------------------------------------------------------- execute */

typedef enum { TC_TRANSFER_POSTED = 1, TC_TRANSFER_ALREADY } tc_transfer_outcome;

typedef struct tc_transfer_result {
    const char *id, *county, *pool, *fund;
    const char *kind;               /* "transfer", "top-up", "refund", "amend" */
    tc_fen amount;
    tc_transfer_outcome outcome;
} tc_transfer_result;

typedef struct tc_transfer_exec_opts {
    const char *db;
    const char *plan;
    const char *reconciliation;     /* the reconciliation.json the plan names */
    const tc_mapset *mappings;      /* the mapping set (its digest must match) */
    const tc_policy *policy;        /* the keys the plan's signatures must be by */
    const char *key;                /* the executor's key (a maker or checker of the
                                       policy), signs the audit entry */
    tc_transfer_audit audit;
    void (*on_result)(void *arg, const tc_transfer_result *r);   /* may be NULL */
    void *arg;
} tc_transfer_exec_opts;

typedef struct tc_transfer_exec_summary {
    int posted, already;
    tc_fen posted_total;            /* Σ amount posted by this run */
} tc_transfer_exec_summary;

/*
 * Execute the plan.  Before anything: both signatures (two different key
 * ids, each found among pubs), every transfer id, the reconciliation's and
 * the mapping set's digests, each amount and carried-over figure against
 * the reconciliation - any difference TC_EINTEGRITY, nothing done.  Then
 * one transaction: the plan's advisory lock, the loaded batches compared
 * with the plan's, each transfer inserted (or found done) with its
 * postings, the after-checks (county cash zero, city sub-account up by the
 * cash, Σ out = Σ in, claims and debts as reconciled); COMMIT only when all
 * hold.  TC_EDB on a database failure (nothing committed, re-run).
 */
int tc_transfer_execute(const tc_transfer_exec_opts *o, tc_transfer_exec_summary *s, tc_err *e);

/* ----------------------------------------------------------------- verify */

typedef struct tc_transfer_verify_result {
    int transfers, waivers, checkers;
    int executions;                 /* execute entries of the trail naming the plan */
    char executed[40];              /* the first one's time (RFC 3339), "" when none */
} tc_transfer_verify_result;

/*
 * What an auditor checks offline, with the policy, the trail and the
 * archived files alone: the plan's signatures under the policy (one
 * maker's, enough checkers'), its reconciliation the one a reconcile entry
 * of the trail recorded, every waiver valid under the policy, and every
 * blocking finding of every county it moves (as that recorded
 * reconciliation holds them) waived.  *res counts the execute entries that
 * name this plan and gives the first one's time.  TC_EINTEGRITY naming the first that fails.
 */
int tc_transfer_verify(const char *plan, const char *reconciliation, const tc_policy *p,
                       const char *trail, tc_transfer_verify_result *res, tc_err *e);

#endif
