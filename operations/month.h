/*
 * month.h - a county's month after the cutover, per fund, from its
 * city-coded voucher lines (the voucher_line batches `map` writes, read
 * with core/batch.h as reconcile reads them).
 *
 * What the month yields, per city fund (shared/spec/operations.md,
 * "Monthly"), by the role and class of each line's account in the city
 * chart (city/accounts.csv):
 *
 *   contribution   credit turnover of the accounts of role contribution_income
 *   subsidy        credit turnover of the accounts of role subsidy_income
 *   interest       credit turnover of the other income-class accounts
 *                  (the chart's 4301 利息收入, which has no role), except
 *                  received_from_below: that is the city's side of a
 *                  remittance and never a county's income
 *   income         contribution + subsidy + interest
 *   remitted_up    debit turnover of the accounts of role remit_up (上解上级支出)
 *   expenditure    debit turnover of the expense-class accounts other than
 *                  remit_up (paid from the county's 支出户)
 *
 * Turnover, not net: an income account is closed into the fund balance at
 * period end by a debit, which must not cancel the month's income; a
 * correction booked in red (a negative credit) lowers it, as it should.
 *
 * The batches of pools that merge into one city region (their header's
 * county is the region, their pool the source pool) add up into the
 * region's figures: the city keeps one sub-ledger per region.
 *
 * Every line of the batch must be dated in the month, coded in the set the
 * batches were mapped with, and of the county asked for; anything else is
 * refused (TC_EINPUT, the batch and record named), since a line counted in
 * the wrong month would move income between the overdue checks of two.
 */
#ifndef TC_OPS_MONTH_H
#define TC_OPS_MONTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/money.h"
#include "mappings/mapset.h"

typedef struct tc_month_fund {
    char fund[16];
    tc_fen contribution, subsidy, interest;
    tc_fen income;             /* their sum */
    tc_fen remitted_up;
    tc_fen expenditure;
    long long lines;           /* voucher lines of the fund counted */
} tc_month_fund;

typedef struct tc_month tc_month;

/*
 * Start the month `period` (YYYYMM) of `county` (the 6-digit city region
 * the batches are coded for) under mapping set m (kept, not owned).
 */
int tc_month_new(tc_month **out, const tc_mapset *m, const char *county, int64_t period,
                 tc_err *e);

/*
 * Add one city-coded voucher_line batch of the month.  Refused whole
 * (TC_EINPUT; nothing of it counted) when it is of another type, in county
 * codes, mapped with another set, of another county, or holds a line dated
 * outside the month or on an account the chart does not have; TC_EINTEGRITY
 * when the batch is not whole (core/batch.h).
 */
int tc_month_add_batch(tc_month *mo, const char *path, tc_err *e);

/* The funds seen, ascending by code (owned by mo; valid until the next
 * tc_month_add_batch); returns how many. */
size_t tc_month_funds(const tc_month *mo, const tc_month_fund **out);

/* The figures of one fund, or NULL when the month has no line of it. */
const tc_month_fund *tc_month_fund_of(const tc_month *mo, const char *fund);

void tc_month_free(tc_month *mo);

#endif
