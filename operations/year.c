/*
 * year.c - the year-end statement of a county and fund (year.h): the
 * months summed, then cycle.h's formulas in the order the year runs them.
 */
#include "operations/year.h"

#include <string.h>

static int sum(tc_fen *to, tc_fen v, const tc_ops_year_in *in, const char *what, tc_err *e)
{
    if (tc_money_add(*to, v, to)) {
        tc_fail(e, TC_EINPUT, "county %s fund %s: the year's %s overflows", in->county, in->fund,
                what);
        return e->code;
    }
    return 0;
}

int tc_ops_year_settle(tc_ops_year *out, const tc_ops_year_in *in, tc_err *e)
{
    tc_ops_year y;
    memset(&y, 0, sizeof(y));
    y.year = in->year;
    if (in->nmonths > 12 || in->nrequests > 4)
        return tc_fail(e, TC_EINPUT, "county %s fund %s: %zu months and %zu requests in %d",
                       in->county, in->fund, in->nmonths, in->nrequests, in->year);
    int rc = 0;
    for (size_t i = 0; !rc && i < in->nmonths; i++) {
        const tc_month_fund *m = &in->months[i];
        if (strcmp(m->fund, in->fund) != 0)
            return tc_fail(e, TC_EINPUT, "county %s fund %s: month %zu is of fund %s",
                           in->county, in->fund, i + 1, m->fund);
        if (!(rc = sum(&y.contribution, m->contribution, in, "contribution", e)) &&
            !(rc = sum(&y.subsidy, m->subsidy, in, "subsidy", e)) &&
            !(rc = sum(&y.interest, m->interest, in, "interest", e)) &&
            !(rc = sum(&y.income, m->income, in, "income", e)) &&
            !(rc = sum(&y.remitted_up, m->remitted_up, in, "remittance", e)))
            rc = sum(&y.expenditure, m->expenditure, in, "expenditure", e);
    }
    if (!rc)
        rc = tc_ops_preallocation(&y.prealloc, in->county, in->fund, in->year, in->budget,
                                  in->actual_prev, e);
    if (!rc) {
        rc = tc_ops_requests_approve(y.approvals, &y.approved, y.prealloc.basis_amount,
                                     in->requests, in->nrequests, e);
        if (rc)
            tc_err_prefix(e, "county %s fund %s: ", in->county, in->fund);
        y.napprovals = in->nrequests;
    }
    if (!rc)
        rc = tc_ops_settle(&y.settlement, in->opening_surplus, y.income, y.expenditure, e);
    if (!rc)
        rc = tc_ops_spend_reconcile(&y.spend, in->spend_opening, y.prealloc.amount, y.approved,
                                    y.expenditure, in->spend_bank, e);
    if (rc)
        return rc;
    *out = y;
    return 0;
}
