/*
 * cycle.h - the formulas of the city's cycles after the cutover
 * (shared/spec/operations.md, sections 2-4; docs/operations.md has a worked
 * example of each): the year-start pre-allocation, the quarterly requests
 * against their headroom, the year-end settlement with its deficit cover,
 * and the reconciliation of a county's 支出户.
 *
 * Pure functions over plain numbers: no files, no state.  Every amount is
 * int64 fen; every sum and product is checked for overflow (TC_EINPUT,
 * "... overflows"); every division rounds half away from zero through one
 * helper, tc_ops_muldiv.  A finding a formula raises is a field of its
 * result (over_budget, difference), not an error: the caller lists it.
 */
#ifndef TC_OPS_CYCLE_H
#define TC_OPS_CYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/money.h"
#include "operations/budget.h"

/* The finding codes the cycles raise (shared/spec/domain.md's style). */
#define TC_OPS_REQUEST_OVER_BUDGET "REQUEST_OVER_BUDGET"
#define TC_OPS_SPEND_ACCOUNT_UNRECONCILED "SPEND_ACCOUNT_UNRECONCILED"
#define TC_OPS_NO_BUDGET_BASIS "NO_BUDGET_BASIS"

/*
 * *out = a x num / den, rounded half away from zero (0.5 fen -> 1, -0.5 ->
 * -1), computed in 128 bits so no intermediate overflows.  den > 0.
 * Returns 0, TC_EINTERNAL when den <= 0, or TC_EINPUT when the result does
 * not fit in int64 (*out untouched).
 */
int tc_ops_muldiv(int64_t a, int64_t num, int64_t den, int64_t *out, tc_err *e);

/* ------------------------------------------------ the pre-allocation (预拨) */

typedef enum tc_ops_basis {
    TC_OPS_BASIS_BUDGET = 1,   /* budgeted expenditure of Y, budget.csv */
    TC_OPS_BASIS_ACTUAL        /* no budget row: actual expenditure of Y-1 */
} tc_ops_basis;

/* The word for a basis: "budget" or "actual". */
const char *tc_ops_basis_name(tc_ops_basis b);

typedef struct tc_ops_prealloc {
    int year;                  /* Y */
    tc_ops_basis basis;        /* which figure the amounts rest on */
    int basis_year;            /* Y (budget) or Y-1 (actual) */
    tc_fen basis_amount;       /* the annual expenditure used, fen */
    tc_fen amount;             /* basis_amount x 3 / 12, rounded half away from zero */
} tc_ops_prealloc;

/*
 * The pre-allocation of year Y for one county and fund: from budget (its
 * budget row for Y, or NULL when it has none), else from *actual_prev (the
 * county's actual expenditure of Y-1 from its monthly ledgers, or NULL
 * when none is known).  The basis is also what the quarterly headroom of Y
 * rests on (tc_ops_request).
 *
 * With neither, there is nothing the city may pre-allocate from: TC_EINPUT
 * with the code TC_OPS_NO_BUDGET_BASIS at the front of the message and a
 * hint to add a budget row (county, fund and year named).  A negative
 * actual expenditure (reversals exceeding payments) is refused the same
 * way: a negative float is not a pre-allocation.
 */
int tc_ops_preallocation(tc_ops_prealloc *out, const char *county, const char *fund, int year,
                         const tc_budget_row *budget, const tc_fen *actual_prev, tc_err *e);

/* ------------------------------------- quarterly requests (按季用款申请) */

typedef struct tc_ops_request {
    int quarter;               /* 1-4 */
    tc_fen requested;          /* R, >= 0 */
    int exception;             /* 1: a signed exception names this request */
} tc_ops_request;

typedef struct tc_ops_approval {
    int quarter;
    tc_fen requested;          /* R */
    tc_fen headroom;           /* basis x q/4 - approved in earlier quarters; may be < 0 */
    tc_fen approved;           /* A */
    int over_budget;           /* R > max(headroom, 0): a REQUEST_OVER_BUDGET finding */
    tc_fen excess;             /* R - max(headroom, 0) when over_budget, else 0 */
    int excepted;              /* over_budget and an exception named it: A = R */
} tc_ops_approval;

/*
 * One quarter's request: headroom(q) = basis x q / 4 (rounded half away
 * from zero) - approved_before (the sum approved in earlier quarters of
 * the year; the pre-allocation is not in it, being the three-month float
 * the formula allows on top of the pro-rata budget).
 *
 *   A = min(R, max(headroom, 0))        without an exception;
 *   A = R                               when over budget and excepted.
 *
 * A headroom below zero (earlier quarters were approved over it by
 * exception) allows nothing: A = 0 and the whole request is the excess.
 * TC_EINPUT for a quarter outside 1-4, a negative R or basis, overflow.
 */
int tc_ops_request_approve(tc_ops_approval *out, tc_fen basis, tc_fen approved_before,
                           const tc_ops_request *r, tc_err *e);

/*
 * A year's requests in order: reqs[0..n) with strictly increasing quarters
 * (at most one request a quarter; a quarter may have none), each approved
 * against what the ones before it approved.  out receives n approvals;
 * *total (may be NULL) the sum approved.  TC_EINPUT naming the request
 * when quarters repeat or go back.
 */
int tc_ops_requests_approve(tc_ops_approval *out, tc_fen *total, tc_fen basis,
                            const tc_ops_request *reqs, size_t n, tc_err *e);

/* ------------------------------------------- year end (决算) and the gap */

typedef struct tc_ops_settlement {
    tc_fen opening_surplus;    /* S: the sub-ledger's accumulated surplus at the start of Y */
    tc_fen income, expenditure;
    tc_fen result;             /* income - expenditure */
    tc_fen gap;                /* G = -result when result < 0, else 0 */
    tc_fen cover;              /* min(G, max(S, 0)): from the county's own surplus */
    tc_fen government;         /* G - cover: the claim on the county government */
    tc_fen closing_surplus;    /* S + result + government: the claim is the fund's to receive */
} tc_ops_settlement;

/*
 * The settlement of year Y for one county and fund.  A surplus (result
 * >= 0) stays: closing = S + result.  A gap G is covered from S as far as
 * S goes (a negative S covers nothing) and the rest is the government's
 * share, a claim (county, fund, year, amount) until paid; the closing
 * surplus is then S - cover, never below zero unless S was.
 * TC_EINPUT on overflow.
 */
int tc_ops_settle(tc_ops_settlement *out, tc_fen opening_surplus, tc_fen income,
                  tc_fen expenditure, tc_err *e);

/* --------------------------------------- the 支出户 reconciliation */

typedef struct tc_ops_spend_recon {
    tc_fen opening;            /* the 支出户's balance at the start of Y */
    tc_fen preallocation;
    tc_fen funding;            /* approved quarterly funding sent in Y */
    tc_fen paid;               /* expenditure paid from it in Y */
    tc_fen expected;           /* opening + preallocation + funding - paid */
    tc_fen bank;               /* the bank statement's closing balance */
    tc_fen difference;         /* bank - expected; nonzero: SPEND_ACCOUNT_UNRECONCILED */
} tc_ops_spend_recon;

/*
 * The 支出户 at year end: opening + pre-allocation + approved funding -
 * expenditure paid = closing, compared with the bank statement's balance.
 * A difference is a finding (the field), not an error.  TC_EINPUT on
 * overflow.
 */
int tc_ops_spend_reconcile(tc_ops_spend_recon *out, tc_fen opening, tc_fen preallocation,
                           tc_fen funding, tc_fen paid, tc_fen bank, tc_err *e);

#endif
