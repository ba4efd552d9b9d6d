/*
 * cycle.c - the pre-allocation, the quarterly headroom, the year-end
 * settlement and the 支出户 reconciliation (cycle.h).
 *
 * Everything is integer fen.  The one division of the spec - a year's
 * expenditure into quarters and into three months - goes through
 * tc_ops_muldiv, which multiplies in 128 bits and rounds the remainder
 * half away from zero, the rule core/money.h applies to rates, so the same
 * figure rounds the same way wherever the toolkit meets it.
 */
#include "operations/cycle.h"

#include <stdio.h>
#include <string.h>

static int overflow(tc_err *e, const char *what)
{
    tc_fail(e, TC_EINPUT, "%s overflows", what);
    return tc_err_hint(e, "the amounts are beyond what 64-bit fen hold: check the input");
}

int tc_ops_muldiv(int64_t a, int64_t num, int64_t den, int64_t *out, tc_err *e)
{
    if (den <= 0)
        return tc_fail(e, TC_EINTERNAL, "division by %lld", (long long)den);
    __int128 p = (__int128)a * num;
    __int128 q = p / den;
    __int128 r = p % den;            /* the sign of p */
    if (r < 0)
        r = -r;
    if (r * 2 >= den)                /* half or more: away from zero */
        q += p < 0 ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN)
        return overflow(e, "the amount");
    *out = (int64_t)q;
    return 0;
}

/* ------------------------------------------------------- pre-allocation */

const char *tc_ops_basis_name(tc_ops_basis b)
{
    return b == TC_OPS_BASIS_BUDGET ? "budget" : b == TC_OPS_BASIS_ACTUAL ? "actual" : "none";
}

int tc_ops_preallocation(tc_ops_prealloc *out, const char *county, const char *fund, int year,
                         const tc_budget_row *budget, const tc_fen *actual_prev, tc_err *e)
{
    tc_ops_prealloc p;
    memset(&p, 0, sizeof(p));
    p.year = year;
    if (budget) {
        p.basis = TC_OPS_BASIS_BUDGET;
        p.basis_year = year;
        p.basis_amount = budget->expenditure;
    } else if (actual_prev) {
        p.basis = TC_OPS_BASIS_ACTUAL;
        p.basis_year = year - 1;
        p.basis_amount = *actual_prev;
    } else {
        tc_fail(e, TC_EINPUT, TC_OPS_NO_BUDGET_BASIS ": county %s fund %s: no budget row for %d "
                "and no actual expenditure of %d", county, fund, year, year - 1);
        return tc_err_hint(e, "add a row for %s,%s,%d to budget.csv", county, fund, year);
    }
    if (p.basis_amount < 0) {
        tc_fail(e, TC_EINPUT, TC_OPS_NO_BUDGET_BASIS ": county %s fund %s: the %s expenditure "
                "of %d is negative", county, fund, tc_ops_basis_name(p.basis), p.basis_year);
        return tc_err_hint(e, "add a row for %s,%s,%d to budget.csv", county, fund, year);
    }
    int rc = tc_ops_muldiv(p.basis_amount, 3, 12, &p.amount, e);
    if (rc)
        return rc;
    *out = p;
    return 0;
}

/* ------------------------------------------------------------- requests */

int tc_ops_request_approve(tc_ops_approval *out, tc_fen basis, tc_fen approved_before,
                           const tc_ops_request *r, tc_err *e)
{
    if (r->quarter < 1 || r->quarter > 4)
        return tc_fail(e, TC_EINPUT, "quarter %d is not 1-4", r->quarter);
    if (r->requested < 0)
        return tc_fail(e, TC_EINPUT, "quarter %d: a negative request", r->quarter);
    if (basis < 0)
        return tc_fail(e, TC_EINPUT, "quarter %d: a negative expenditure basis", r->quarter);
    tc_ops_approval a;
    memset(&a, 0, sizeof(a));
    a.quarter = r->quarter;
    a.requested = r->requested;
    tc_fen prorata;
    int rc = tc_ops_muldiv(basis, r->quarter, 4, &prorata, e);
    if (rc)
        return rc;
    if (tc_money_sub(prorata, approved_before, &a.headroom))
        return overflow(e, "the headroom");
    tc_fen cap = a.headroom > 0 ? a.headroom : 0;
    if (r->requested > cap) {
        a.over_budget = 1;
        a.excess = r->requested - cap;          /* both >= 0: no overflow */
        a.excepted = r->exception != 0;
        a.approved = a.excepted ? r->requested : cap;
    } else {
        a.approved = r->requested;
    }
    *out = a;
    return 0;
}

int tc_ops_requests_approve(tc_ops_approval *out, tc_fen *total, tc_fen basis,
                            const tc_ops_request *reqs, size_t n, tc_err *e)
{
    tc_fen before = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && reqs[i].quarter <= reqs[i - 1].quarter) {
            tc_fail(e, TC_EINPUT, "request %zu: quarter %d after quarter %d", i + 1,
                    reqs[i].quarter, reqs[i - 1].quarter);
            return tc_err_hint(e, "one request a quarter, in the order of the quarters");
        }
        int rc = tc_ops_request_approve(&out[i], basis, before, &reqs[i], e);
        if (rc) {
            tc_err_prefix(e, "request %zu: ", i + 1);
            return rc;
        }
        if (tc_money_add(before, out[i].approved, &before))
            return overflow(e, "the sum approved");
    }
    if (total)
        *total = before;
    return 0;
}

/* ------------------------------------------------------------ year end */

int tc_ops_settle(tc_ops_settlement *out, tc_fen opening_surplus, tc_fen income,
                  tc_fen expenditure, tc_err *e)
{
    tc_ops_settlement s;
    memset(&s, 0, sizeof(s));
    s.opening_surplus = opening_surplus;
    s.income = income;
    s.expenditure = expenditure;
    if (tc_money_sub(income, expenditure, &s.result))
        return overflow(e, "the result of the year");
    if (s.result < 0) {
        if (s.result == INT64_MIN)
            return overflow(e, "the gap");
        s.gap = -s.result;
        tc_fen avail = opening_surplus > 0 ? opening_surplus : 0;
        s.cover = s.gap < avail ? s.gap : avail;
        s.government = s.gap - s.cover;
    }
    tc_fen t;
    if (tc_money_add(opening_surplus, s.result, &t) ||
        tc_money_add(t, s.government, &s.closing_surplus))
        return overflow(e, "the closing surplus");
    *out = s;
    return 0;
}

int tc_ops_spend_reconcile(tc_ops_spend_recon *out, tc_fen opening, tc_fen preallocation,
                           tc_fen funding, tc_fen paid, tc_fen bank, tc_err *e)
{
    tc_ops_spend_recon r;
    memset(&r, 0, sizeof(r));
    r.opening = opening;
    r.preallocation = preallocation;
    r.funding = funding;
    r.paid = paid;
    r.bank = bank;
    tc_fen t;
    if (tc_money_add(opening, preallocation, &t) || tc_money_add(t, funding, &t) ||
        tc_money_sub(t, paid, &r.expected))
        return overflow(e, "the 支出户's closing balance");
    if (tc_money_sub(bank, r.expected, &r.difference))
        return overflow(e, "the 支出户's difference");
    *out = r;
    return 0;
}
