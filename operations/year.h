/*
 * year.h - the year-end statement of one county and fund (决算), every
 * figure shared/spec/operations.md lists for it, computed in one call
 * from the year's inputs: the budget row (or last year's actuals), the
 * months' figures, the quarterly requests, the opening accumulated surplus
 * and the 支出户's opening and bank balances.
 *
 * It strings together what cycle.h computes - pre-allocation, approvals,
 * settlement, 支出户 reconciliation - so that the pipeline, the report and
 * the tests take one statement from one set of inputs and cannot combine
 * them differently.  Pure: no files, no state.
 */
#ifndef TC_OPS_YEAR_H
#define TC_OPS_YEAR_H

#include <stddef.h>

#include "core/err.h"
#include "core/money.h"
#include "operations/budget.h"
#include "operations/cycle.h"
#include "operations/month.h"

typedef struct tc_ops_year_in {
    const char *county, *fund;
    int year;
    const tc_budget_row *budget;         /* its row for year, or NULL */
    const tc_fen *actual_prev;           /* actual expenditure of year-1, or NULL */
    tc_fen opening_surplus;              /* S: the accumulated surplus at the start of year */
    const tc_month_fund *months;         /* this fund's figures, one per month of the year */
    size_t nmonths;                      /* 0-12 */
    const tc_ops_request *requests;      /* in the order of the quarters */
    size_t nrequests;                    /* 0-4 */
    tc_fen spend_opening;                /* the 支出户 at the start of the year */
    tc_fen spend_bank;                   /* its bank statement's balance at the year end */
} tc_ops_year_in;

typedef struct tc_ops_year {
    int year;
    tc_ops_prealloc prealloc;            /* with its basis: budget or actual */
    tc_fen contribution, subsidy, interest, income;   /* Σ of the months */
    tc_fen remitted_up, expenditure;
    tc_ops_approval approvals[4];        /* one per request, in order */
    size_t napprovals;
    tc_fen approved;                     /* Σ approved */
    tc_ops_settlement settlement;        /* result, gap, cover, government, closing */
    tc_ops_spend_recon spend;            /* the 支出户: funding = pre-allocation + approved */
} tc_ops_year;

/*
 * The statement of in->year.  The quarterly headroom rests on the
 * pre-allocation's basis (the budget, else last year's actuals).  The
 * 支出户 reconciliation takes as paid the months' expenditure.  TC_EINPUT
 * for more than 12 months or 4 requests, a month of another fund, or what
 * tc_ops_preallocation, tc_ops_requests_approve, tc_ops_settle and
 * tc_ops_spend_reconcile refuse (the county and fund prefixed).
 */
int tc_ops_year_settle(tc_ops_year *out, const tc_ops_year_in *in, tc_err *e);

#endif
