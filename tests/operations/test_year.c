/*
 * test_year.c - two whole years, end to end through year.h: a budgeted
 * county whose deficit its surplus covers, and a county without a budget
 * row whose deficit exceeds its surplus.  Figures in fen, yuan in comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "operations/year.h"

static void months(tc_month_fund m[12], const char *fund, tc_fen contribution, tc_fen subsidy,
                   tc_fen expenditure)
{
    memset(m, 0, 12 * sizeof(*m));
    for (int i = 0; i < 12; i++) {
        strcpy(m[i].fund, fund);
        m[i].contribution = contribution;
        m[i].subsidy = subsidy;
        m[i].income = contribution + subsidy;
        m[i].remitted_up = m[i].income;
        m[i].expenditure = expenditure;
    }
}

/* 九台区 310, 2025, budgeted expenditure 32,000,000.00; S = 5,000,000.00 */
static void test_budgeted_year_surplus_covers(void **state)
{
    (void)state;
    tc_budget_row row;
    memset(&row, 0, sizeof(row));
    row.expenditure = 3200000000;
    tc_month_fund m[12];
    /* 2,000,000.00 + 500,000.00 a month = 30,000,000.00 a year;
     * 11 x 2,700,000.00 + 2,645,678.91 = 32,345,678.91 spent */
    months(m, "310", 200000000, 50000000, 270000000);
    m[11].expenditure = 264567891;
    /* basis x q/4 = 8, 16, 24, 32 million */
    tc_ops_request r[4] = {{1, 800000000, 0}, {2, 900000000, 0}, {3, 800000000, 0},
                           {4, 850000000, 0}};
    tc_ops_year_in in = {"220113", "310", 2025, &row, NULL, 500000000, m, 12, r, 4,
                         5000000, 770432109};
    tc_ops_year y;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_ops_year_settle(&y, &in, &e), 0);
    /* pre-allocation 32,000,000.00 x 3/12 = 8,000,000.00 from the budget */
    assert_int_equal(y.prealloc.basis, TC_OPS_BASIS_BUDGET);
    assert_int_equal(y.prealloc.amount, 800000000);
    assert_int_equal(y.contribution, 2400000000);
    assert_int_equal(y.subsidy, 600000000);
    assert_int_equal(y.income, 3000000000);
    assert_int_equal(y.expenditure, 3234567891);
    /* Q1 8M of 8M; Q2 headroom 16 - 8 = 8M, R 9M: over by 1,000,000.00;
     * Q3 24 - 16 = 8M; Q4 32 - 24 = 8M, R 8.5M: over by 500,000.00 */
    assert_int_equal(y.napprovals, 4);
    assert_int_equal(y.approvals[1].approved, 800000000);
    assert_int_equal(y.approvals[1].excess, 100000000);
    assert_int_equal(y.approvals[3].headroom, 800000000);
    assert_int_equal(y.approvals[3].excess, 50000000);
    assert_int_equal(y.approved, 3200000000);
    /* gap 2,345,678.91 covered by S: closing 2,654,321.09, no claim */
    assert_int_equal(y.settlement.gap, 234567891);
    assert_int_equal(y.settlement.cover, 234567891);
    assert_int_equal(y.settlement.government, 0);
    assert_int_equal(y.settlement.closing_surplus, 265432109);
    /* 支出户: 50,000.00 + 8,000,000.00 + 32,000,000.00 - 32,345,678.91
     * = 7,704,321.09, as the bank says */
    assert_int_equal(y.spend.expected, 770432109);
    assert_int_equal(y.spend.difference, 0);
}

/* 榆树市 310, 2025, no budget row: 2024's actuals 8,400,000.06; S = 1,000,000.00 */
static void test_unbudgeted_year_government_share(void **state)
{
    (void)state;
    tc_month_fund m[12];
    /* 600,000.00 in and 800,000.00 out a month: 7,200,000.00 - 9,600,000.00 */
    months(m, "310", 60000000, 0, 80000000);
    tc_fen actual = 840000006;
    /* basis 840,000,006: Q1 x 1/4 = 210,000,001.5 -> 210,000,002;
     * Q2 x 2/4 = 420,000,003; Q3 x 3/4 = 630,000,004.5 -> 630,000,005 */
    tc_ops_request r[3] = {{1, 250000000, 0}, {2, 200000000, 0}, {3, 220000003, 0}};
    tc_ops_year_in in = {"220182", "310", 2025, NULL, &actual, 100000000, m, 12, r, 3,
                         200000000, 80000000};
    tc_ops_year y;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_ops_year_settle(&y, &in, &e), 0);
    /* 840,000,006 x 3/12 = 210,000,001.5 -> 2,100,000.02, from the actuals of 2024 */
    assert_int_equal(y.prealloc.basis, TC_OPS_BASIS_ACTUAL);
    assert_int_equal(y.prealloc.basis_year, 2024);
    assert_int_equal(y.prealloc.amount, 210000002);
    /* Q1: headroom 210,000,002 < 250,000,000: excess 39,999,998 (399,999.98) */
    assert_int_equal(y.approvals[0].approved, 210000002);
    assert_int_equal(y.approvals[0].excess, 39999998);
    /* Q2: 420,000,003 - 210,000,002 = 210,000,001 >= 200,000,000 */
    assert_int_equal(y.approvals[1].headroom, 210000001);
    assert_int_equal(y.approvals[1].approved, 200000000);
    /* Q3: 630,000,005 - 410,000,002 = 220,000,003 = R exactly */
    assert_int_equal(y.approvals[2].headroom, 220000003);
    assert_int_equal(y.approvals[2].approved, 220000003);
    assert_false(y.approvals[2].over_budget);
    assert_int_equal(y.approved, 630000005);
    /* gap 2,400,000.00; cover 1,000,000.00; the government's 1,400,000.00 */
    assert_int_equal(y.settlement.result, -240000000);
    assert_int_equal(y.settlement.cover, 100000000);
    assert_int_equal(y.settlement.government, 140000000);
    assert_int_equal(y.settlement.closing_surplus, 0);
    /* 支出户: 2,000,000.00 + 2,100,000.02 + 6,300,000.05 - 9,600,000.00
     * = 800,000.07; the bank shows 800,000.00: -0.07 unreconciled */
    assert_int_equal(y.spend.expected, 80000007);
    assert_int_equal(y.spend.difference, -7);

    /* without last year's actuals either: no basis, the county named */
    in.actual_prev = NULL;
    assert_int_equal(tc_ops_year_settle(&y, &in, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, TC_OPS_NO_BUDGET_BASIS));
    assert_non_null(strstr(e.hint, "220182,310,2025"));
    /* a month of another fund */
    in.actual_prev = &actual;
    strcpy(m[4].fund, "390");
    assert_int_equal(tc_ops_year_settle(&y, &in, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "month 5 is of fund 390"));
    in.nmonths = 13;
    assert_int_equal(tc_ops_year_settle(&y, &in, &e), TC_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budgeted_year_surplus_covers),
        cmocka_unit_test(test_unbudgeted_year_government_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
